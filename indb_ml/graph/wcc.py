"""``indb_ml.weakly_connected_components`` and MADlib's ``graph_wcc_*`` helpers.

In memory, the components come from one call to scipy's ``connected_components`` over the CSR
adjacency (linear time, no iterations); the relational plan propagates the smallest label along
the edges with one join per iteration (:func:`indb_ml.graph.relational.wcc`). A component is
named by its smallest vertex id (MADlib's convention; text ids compare bytewise). The helpers
read the output table and its ``_summary`` (which records the vertex id column and the grouping
columns) and create small tables with plain SQL.
"""

from __future__ import annotations

from indb_ml import sqlexpr
from indb_ml.core import distributed
from indb_ml.core.relations import ensure_absent, new_table, resolve_source, summary_of
from indb_ml.core.session import sql_entry
from indb_ml.errors import InputError
from indb_ml.graph import plan, relational
from indb_ml.graph.edges import load_graphs, resolve_graph, write_vertex_table
from indb_ml.kernels.graph import wcc_labels

USAGE = """\
weakly_connected_components: components of a graph ignoring edge direction (MADlib-compatible).

SELECT indb_ml.weakly_connected_components(
    vertex_table,     -- table with the vertices
    vertex_id,        -- vertex id column (NULL: 'id'); integer or text ids
    edge_table,       -- table with the edges
    edge_args,        -- 'src=col, dest=col' (defaults src, dest)
    out_table,        -- table to create
    grouping_cols,    -- optional: edge table columns, one graph per group
    iteration_limit,  -- optional: stop the relational plan after this many iterations
    warm_start        -- optional: not supported (every run finishes)
);
out_table: [grouping columns], <vertex_id>, component_id (the smallest vertex id of the component,
same type as the ids): every vertex of the vertex table in every group; isolated vertices are
their own component. out_table_summary: vertex_table, vertex_id, vertex_id_type, edge_table,
edge_args, grouping_cols, num_iterations, nodes_to_update (0 when finished).

Helpers over an out_table (each creates its output table):
  graph_wcc_largest_cpt(wcc_table, largest_cpt_table)  -- [grouping], component_id, num_vertices (ties: all)
  graph_wcc_histogram(wcc_table, histogram_table)      -- [grouping], component_id, num_vertices
  graph_wcc_vertex_check(wcc_table, ARRAY[v1, v2], pair_table)  -- [grouping], component_id where both are
  graph_wcc_vertex_check(wcc_table, 'a', 'b', pair_table)       -- the same for text ids
  graph_wcc_reachable_vertices(wcc_table, src, reachable_vertices_table)  -- [grouping], component_id, dest
  graph_wcc_num_cpts(wcc_table, count_table)           -- [grouping], num_components
"""


@sql_entry
def weakly_connected_components(sess, vertex_table, vertex_id, edge_table, edge_args, out_table, grouping_cols=None,
                                iteration_limit=None, warm_start=None) -> None:
    if out_table is None:
        raise InputError("weakly_connected_components: out_table must not be NULL",
                         hint="SELECT indb_ml.weakly_connected_components() shows the usage")
    if warm_start:
        raise InputError("weakly_connected_components: warm_start is not supported",
                         hint="run it again without iteration_limit; the in-memory plan finishes in one pass")
    if iteration_limit is not None and iteration_limit < 1:
        raise InputError(f"weakly_connected_components: iteration_limit must be at least 1, not {iteration_limit}")
    spec = resolve_graph(sess, vertex_table, vertex_id, edge_table, edge_args, grouping_cols, False,
                         "weakly_connected_components", reserved=["component_id"])
    out = new_table(sess, out_table)
    summary = summary_of(out)
    ensure_absent(sess, summary, "summary table")
    if plan.choose(sess, spec, "weakly_connected_components", on_shards=True) == "relational":
        iterations, pending = relational.wcc(sess, spec, out, iteration_limit)
    else:
        values = {}
        for g in load_graphs(sess, spec):
            values[g.key] = (g.ids, [g.ids_at(wcc_labels(g.n, g.src, g.dst))])
        write_vertex_table(sess, spec, out, (("component_id", spec.id_type),), values)
        iterations, pending = 1, 0
    sess.execute("CREATE TABLE " + summary.sql(sess) + " (vertex_table text, vertex_id text, vertex_id_type text, "
                 "edge_table text, edge_args text, grouping_cols text, num_iterations integer, nodes_to_update bigint)")
    sess.execute("INSERT INTO " + summary.sql(sess) + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                 [spec.vertex.sql(sess), spec.vertex_id, spec.id_type, spec.edge.sql(sess), edge_args,
                  ", ".join(sess.ident(c) for c in spec.group_cols) or None, iterations, pending],
                 ["text", "text", "text", "text", "text", "text", "int4", "int8"])


class _Wcc:
    """A weakly_connected_components output: its relation, id column, kind and grouping columns."""

    def __init__(self, sess, wcc_table):
        self.sess = sess
        self.rel = resolve_source(sess, wcc_table, "wcc_table")
        summary = summary_of(self.rel)
        row = None
        if sess.one("SELECT to_regclass($1) IS NOT NULL AS e", [summary.sql(sess)], ["text"])["e"]:
            try:
                row = sess.one("SELECT vertex_id, vertex_id_type, grouping_cols FROM " + summary.sql(sess))
            except sess.spi_error:
                row = None
        if row is None:
            raise InputError(f"wcc_table {wcc_table!r} is not an output of weakly_connected_components",
                             hint=f"its summary table {summary.name} is missing or has other columns")
        self.vid = row["vertex_id"]
        self.kind = "int" if row["vertex_id_type"] in ("smallint", "integer", "bigint") else "text"
        self.groups = sqlexpr.parse_name_list(row["grouping_cols"]) if row["grouping_cols"] else []

    def g(self, alias: str) -> list[str]:
        return [alias + "." + self.sess.ident(c) for c in self.groups]

    def same_group(self, a: str, b: str) -> str:
        return "".join(" AND " + x + " IS NOT DISTINCT FROM " + y for x, y in zip(self.g(a), self.g(b)))

    def id_equals(self, alias: str, param: str) -> str:
        col = alias + "." + self.sess.ident(self.vid)
        return col + "::int8 = " + param + "::int8" if self.kind == "int" else col + "::text = " + param

    def check_vertex(self, v) -> str:
        if v is None:
            raise InputError("the vertex id must not be NULL")
        if self.kind == "int":
            try:
                int(v)
            except ValueError:
                raise InputError(f"vertex id {v!r} is not an integer, but this graph has integer ids") from None
        found = self.sess.one("SELECT EXISTS (SELECT 1 FROM " + self.rel.sql(self.sess) + " w WHERE "
                              + self.id_equals("w", "$1") + ") AS e", [str(v)], ["text"])["e"]
        if not found:
            raise InputError(f"vertex {v} is not in {self.rel.schema}.{self.rel.name}",
                             hint="pass the id of a vertex of the graph")
        return str(v)

    def create(self, out_text: str, select: str, params=(), types=()) -> None:
        """Create the helper's output table from ``select`` (values bound, in one statement)."""
        out = new_table(self.sess, out_text, "output table")
        # On Citus the self-joins on component_id (not the distribution column) repartition.
        with distributed.repartition_joins(self.sess, self.rel):
            self.sess.execute("CREATE TABLE " + out.sql(self.sess) + " AS " + select, list(params), list(types))


def _group_by(w: _Wcc, alias: str, extra: str) -> str:
    return ", ".join(w.g(alias) + [extra])


@sql_entry
def largest_cpt(sess, wcc_table, largest_cpt_table) -> None:
    w = _Wcc(sess, wcc_table)
    part = ("PARTITION BY " + ", ".join(w.g("w")) + " ") if w.groups else ""
    cols = ", ".join(w.g("q") + ["q.component_id", "q.num_vertices"])
    w.create(largest_cpt_table,
             "SELECT " + cols + " FROM (SELECT " + _group_by(w, "w", "w.component_id") + ", pg_catalog.count(*) AS "
             "num_vertices, pg_catalog.rank() OVER (" + part + "ORDER BY pg_catalog.count(*) DESC) AS rk FROM "
             + w.rel.sql(sess) + " w GROUP BY " + _group_by(w, "w", "w.component_id") + ") q WHERE q.rk = 1")


@sql_entry
def histogram(sess, wcc_table, histogram_table) -> None:
    w = _Wcc(sess, wcc_table)
    w.create(histogram_table, "SELECT " + _group_by(w, "w", "w.component_id") + ", pg_catalog.count(*) AS num_vertices "
             "FROM " + w.rel.sql(sess) + " w GROUP BY " + _group_by(w, "w", "w.component_id"))


@sql_entry
def vertex_check(sess, wcc_table, vertex_pair, pair_table) -> None:
    w = _Wcc(sess, wcc_table)
    if vertex_pair is None or len(vertex_pair) != 2:
        raise InputError("graph_wcc_vertex_check: vertex_pair must be an array of two vertex ids",
                         hint="e.g. ARRAY[1, 5]")
    a, b = (w.check_vertex(v) for v in vertex_pair)
    w.create(pair_table, "SELECT " + _group_by(w, "a", "a.component_id") + " FROM " + w.rel.sql(sess) + " a JOIN "
             + w.rel.sql(sess) + " b ON b.component_id = a.component_id" + w.same_group("a", "b") + " WHERE "
             + w.id_equals("a", "$1") + " AND " + w.id_equals("b", "$2"), [a, b], ["text", "text"])


@sql_entry
def reachable_vertices(sess, wcc_table, src, reachable_vertices_table) -> None:
    w = _Wcc(sess, wcc_table)
    s = w.check_vertex(src)
    w.create(reachable_vertices_table, "SELECT " + _group_by(w, "b", "b.component_id") + ", b."
             + sess.ident(w.vid) + " AS dest FROM " + w.rel.sql(sess) + " a JOIN " + w.rel.sql(sess)
             + " b ON b.component_id = a.component_id" + w.same_group("a", "b") + " WHERE " + w.id_equals("a", "$1")
             + " AND NOT " + w.id_equals("b", "$1"), [s], ["text"])


@sql_entry
def num_cpts(sess, wcc_table, count_table) -> None:
    w = _Wcc(sess, wcc_table)
    group = (" GROUP BY " + ", ".join(w.g("w"))) if w.groups else ""
    count = "pg_catalog.count(DISTINCT w.component_id) AS num_components"
    w.create(count_table, "SELECT " + ", ".join(w.g("w") + [count])
             + " FROM " + w.rel.sql(sess) + " w" + group)


def wcc_help() -> str:
    return USAGE
