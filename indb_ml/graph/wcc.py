"""``indb_ml.weakly_connected_components`` and MADlib's ``graph_wcc_*`` helpers.

In memory, the components come from one call to scipy's ``connected_components`` over the CSR
adjacency (linear time, no iterations); the relational plan propagates the smallest label along
the edges with one join per iteration (:func:`indb_ml.graph.relational.wcc`). A component is
named by its smallest vertex id (MADlib's convention; text ids compare bytewise), a bigint for
integer ids as MADlib casts it. MADlib's multi-column ids are named its way too: the plans run
on each vertex's MADlib row number (from its row's ctid, :func:`indb_ml.graph.edges._composite`),
so they spread the smallest number as MADlib's iterations do (:func:`_by_row_numbers`), and
:func:`_finish` writes the ``bigint[]`` ids back. The helpers
read the output table and its ``_summary`` (which records the vertex id column and the grouping
columns) and create small tables with plain SQL.

MADlib's rules: without grouping every vertex of the vertex table has a row (an isolated one is
its own component); with grouping, a group lists the ends of its edges only. ``iteration_limit``
stops the label propagation after that many of MADlib's iterations (its first one labels every
vertex with its own id, each further one takes the smallest label among the neighbours), in
every plan (in memory it then propagates in numpy instead of calling scipy): the partial labels
are written, ``nodes_to_update`` in the summary counts the vertices still changing, and
``<out_table>_message`` keeps those vertices with their labels. ``warm_start => true`` continues
from such an output (its labels and its ``_message`` table) and rewrites it, dropping the
``_message`` table once nothing changes.
"""

from __future__ import annotations

import dataclasses
import secrets

import numpy as np

from indb_ml import sqlexpr
from indb_ml.core import distributed, progress
from indb_ml.core.relations import Relation, ensure_absent, new_table, resolve_source, summary_of
from indb_ml.core.session import sql_entry
from indb_ml.errors import InputError
from indb_ml.graph import plan, relational
from indb_ml.graph.edges import (
    MADLIB_ROW_ID,
    GraphSpec,
    component_type,
    edge_filter,
    fill_vertex_table,
    group_key_sql,
    load_graphs,
    resolve_graph,
    write_vertex_table,
)
from indb_ml.kernels.graph import INT4_OID, array_from_body, propagate_labels, wcc_labels

USAGE = """\
weakly_connected_components: components of a graph ignoring edge direction (MADlib-compatible).

SELECT indb_ml.weakly_connected_components(
    vertex_table,     -- table with the vertices
    vertex_id,        -- vertex id column (NULL: 'id'); integer or text ids
    edge_table,       -- table with the edges
    edge_args,        -- 'src=col, dest=col' (defaults src, dest)
    out_table,        -- table to create
    grouping_cols,    -- optional: edge table columns, one graph per group
    iteration_limit,  -- optional: stop after this many iterations (MADlib's count: the first labels
                      --   every vertex with its own id); out_table_message keeps what is left to do
    warm_start        -- optional: true continues a run stopped by iteration_limit (out_table and
                      --   out_table_message must exist; both are brought up to date)
);
out_table: <vertex_id>, component_id, [grouping columns] (MADlib's order); component_id is the
smallest vertex id of the component (bigint for integer ids, as MADlib's; text for text ids).
Without grouping every vertex of the vertex table (isolated ones are their own component); with
grouping the ends of each group's edges (MADlib's). Multi-column ids ('[a, b]'): the id column is
id, bigint[], and component_id is MADlib 2.1's bigint from the vertex rows' positions: the
smallest offset * (max_block + 1) + block of their ctids (block, offset) in the component.
out_table_summary: vertex_table, vertex_id (as given), vertex_id_type, edge_table, edge_args,
grouping_cols, num_iterations, nodes_to_update (0 when finished).

Helpers over an out_table (each creates its output table):
  graph_wcc_largest_cpt(wcc_table, largest_cpt_table)  -- [grouping], component_id, num_vertices (ties: all)
  graph_wcc_histogram(wcc_table, histogram_table)      -- [grouping], component_id, num_vertices
  graph_wcc_vertex_check(wcc_table, ARRAY[v1, v2], pair_table)  -- [grouping], component_id where both are
                                                    --   (MADlib's '14,15' and '{14,15}' literals too)
  graph_wcc_vertex_check(wcc_table, 'a', 'b', pair_table)       -- the same for text ids
  graph_wcc_reachable_vertices(wcc_table, src, reachable_vertices_table)  -- [grouping], component_id, dest
  graph_wcc_num_cpts(wcc_table, count_table)           -- [grouping], num_components
"""


@sql_entry
def weakly_connected_components(sess, vertex_table, vertex_id, edge_table, edge_args, out_table, grouping_cols=None,
                                iteration_limit=None, warm_start=None) -> None:
    what = "weakly_connected_components"
    if out_table is None:
        raise InputError(f"{what}: out_table must not be NULL", hint=f"SELECT indb_ml.{what}() shows the usage")
    if iteration_limit is not None and iteration_limit < 1:
        raise InputError(f"{what}: iteration_limit must be at least 1, not {iteration_limit}")
    spec = resolve_graph(sess, vertex_table, vertex_id, edge_table, edge_args, grouping_cols, False, what,
                         reserved=["component_id"], row_ids=True)
    # MADlib's summary keeps vertex_id as given ('[a,b]' for multi-column ids; its helpers read 'id').
    shown_vid = vertex_id.strip() if spec.multi else spec.vertex_id
    # MADlib's first iteration labels every vertex with its own id; each further one propagates.
    steps = None if iteration_limit is None else iteration_limit - 1
    if warm_start:
        out, summary, message = _warm_tables(sess, spec, out_table, shown_vid, what)
    else:
        out = new_table(sess, out_table)
        summary, message = summary_of(out), Relation(out.schema, out.name + "_message")
        ensure_absent(sess, summary, "summary table")
        ensure_absent(sess, message, "message table")
    # Grouping or multi-column ids: the plans write work tables; _finish writes MADlib's layout.
    work, work_message = _work(sess, spec, out, warm_start) if _via_work(spec) else (out, message)
    start = work if warm_start else None
    # Multi-column ids: the plans run on the graph of MADlib's row numbers (its labels, step for step).
    run = _by_row_numbers(sess, spec) if spec.multi else spec
    prog = progress.start(sess, "wcc", max_iter=steps)
    if plan.choose(sess, run, what, on_shards=True) == "relational":
        steps_run, pending = relational.wcc(sess, run, work, steps, start, work_message)
    else:
        steps_run, pending = _in_memory(sess, run, work, steps, start, work_message)
    if _via_work(spec):
        _finish(sess, spec, work, work_message, out, message, warm_start, pending)
    prog.done()
    if warm_start:
        sess.execute("DROP TABLE " + summary.sql(sess))
        if not pending:
            sess.execute("DROP TABLE " + message.sql(sess))
    sess.execute("CREATE TABLE " + summary.sql(sess) + " (vertex_table text, vertex_id text, vertex_id_type text, "
                 "edge_table text, edge_args text, grouping_cols text, num_iterations integer, nodes_to_update bigint)")
    shown = spec.shown or (spec.vertex.sql(sess), spec.edge.sql(sess))
    sess.execute("INSERT INTO " + summary.sql(sess) + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                 [shown[0], shown_vid, spec.id_type, shown[1], edge_args,
                  ", ".join(sess.ident(c) for c in spec.group_cols) or None, steps_run + 1, pending],
                 ["text", "text", "text", "text", "text", "text", "int4", "int8"])


def _warm_tables(sess, spec, out_table: str, shown_vid: str, what: str) -> tuple[Relation, Relation, Relation]:
    """warm_start: the existing output, its summary and its ``_message`` table (all must exist)."""
    try:
        out = resolve_source(sess, out_table, "out_table")
    except InputError as exc:
        raise InputError(f"{what}: warm_start needs the out_table of an earlier run stopped by iteration_limit: "
                         + exc.message, hint=exc.hint, sqlstate=exc.sqlstate) from None
    summary, message = summary_of(out), Relation(out.schema, out.name + "_message")
    for rel, role in ((summary, "summary table"), (message, "message table")):
        if not sess.one("SELECT to_regclass($1) IS NOT NULL AS e", [rel.sql(sess)], ["text"])["e"]:
            raise InputError(f"{what}: warm_start needs the {role} {rel.schema}.{rel.name}",
                             hint="warm_start continues a run that iteration_limit stopped; without "
                             "out_table_message the run had finished", sqlstate=InputError.UNDEFINED_TABLE)
    row = sess.one("SELECT vertex_id, grouping_cols FROM " + summary.sql(sess))
    groups = ", ".join(sess.ident(c) for c in spec.group_cols) or None
    if row is None or row["vertex_id"] != shown_vid or row["grouping_cols"] != groups:
        raise InputError(f"{what}: warm_start with other vertex ids or grouping columns than {out_table} was made with",
                         hint="pass the arguments of the run to continue")
    return out, summary, message


def _via_work(spec) -> bool:
    """Whether the plans write work tables that :func:`_finish` turns into MADlib's output: with
    grouping (MADlib puts the grouping columns last: id, component_id, grouping columns) and with
    multi-column ids (named by MADlib's row numbers)."""
    return spec.multi or bool(spec.group_cols)


def _work(sess, spec, out: Relation, warm_start) -> tuple[Relation, Relation]:
    """Tables the plans write instead of ``out`` and its ``_message``, in the plans' own layout
    (grouping columns, vertex id, component_id), in ``out``'s schema (the shards plan keeps its
    distributed work tables there) and dropped by :func:`_finish`. For warm_start the work table
    starts as ``out`` (multi-column ids turned into their rows' MADlib numbers, the plans' ids)."""
    tag = secrets.token_hex(4)
    work = Relation(out.schema, f"_indb_ml_wcc_work_{tag}")
    work_message = Relation(out.schema, f"_indb_ml_wcc_message_{tag}")
    if warm_start:
        g = ["o." + sess.ident(c) for c in spec.group_cols]
        vid = "o." + sess.ident(spec.vertex_id)
        if spec.multi:  # the plans' ids are the row numbers
            vid = "m." + sess.ident(MADLIB_ROW_ID) + " AS id"
            join = " JOIN " + spec.vertex.sql(sess) + " m ON m.id = o.id"
        else:
            join = ""
        select = ("SELECT " + ", ".join(g + [vid, "o.component_id"]) + " FROM " + out.sql(sess) + " o" + join)
        sess.execute("CREATE TABLE " + work.sql(sess) + " AS " + select + " WITH NO DATA")
        distributed.distribute_like(sess, work, spec.vertex_id, (spec.vertex, spec.edge))
        sess.execute("INSERT INTO " + work.sql(sess) + " " + select)
    return work, work_message


def _finish(sess, spec, work: Relation, work_message: Relation, out: Relation, message: Relation,
            warm_start, pending: int) -> None:
    """Write ``out`` (and ``message`` when vertices are still changing) from the work tables in
    MADlib's layout: vertex id, component_id, grouping columns. Multi-column ids: the work tables
    hold row numbers (:func:`_by_row_numbers`), turned back into the ``bigint[]`` ids here; the
    labels stay row numbers, MADlib's component ids."""
    g = [sess.ident(c) for c in spec.group_cols]
    vid = sess.ident(spec.vertex_id)
    wg = ["w." + c for c in g]
    if spec.multi:  # the plans' ids and labels are row numbers: the ids back to bigint[]
        shown, join = "m.id", " JOIN " + spec.vertex.sql(sess) + " m ON m." + sess.ident(MADLIB_ROW_ID) + " = w.id"
    else:
        shown, join = "w." + vid, ""
    named = ("(SELECT " + ", ".join([shown + " AS " + vid, "w.component_id"] + wg + ["w." + vid + " AS work_id"])
             + " FROM " + work.sql(sess) + " w" + join + ") n")
    cols = ", ".join([vid, "component_id"] + g)
    if warm_start:
        sess.execute("DELETE FROM " + out.sql(sess))
    else:
        sess.execute("CREATE TABLE " + out.sql(sess) + " AS SELECT " + cols + " FROM " + named + " WITH NO DATA")
        distributed.distribute_like(sess, out, spec.vertex_id, (spec.vertex, spec.edge))
    with distributed.repartition_joins(sess, work):
        sess.execute("INSERT INTO " + out.sql(sess) + " (" + cols + ") SELECT " + cols + " FROM " + named)
        if pending:
            if sess.one("SELECT to_regclass($1) IS NOT NULL AS e", [message.sql(sess)], ["text"])["e"]:
                sess.execute("DELETE FROM " + message.sql(sess))
            else:
                sess.execute("CREATE TABLE " + message.sql(sess) + " AS SELECT * FROM " + out.sql(sess)
                             + " WITH NO DATA")
            same = "".join(" AND x." + c + " IS NOT DISTINCT FROM n." + c for c in g)
            sess.execute("INSERT INTO " + message.sql(sess) + " (" + cols + ") SELECT "
                         + ", ".join("n." + c for c in [vid, "component_id"] + g) + " FROM " + named + " JOIN "
                         + work_message.sql(sess) + " x ON x." + vid + " = n.work_id" + same)
    sess.execute("DROP TABLE " + work.sql(sess))
    if sess.one("SELECT to_regclass($1) IS NOT NULL AS e", [work_message.sql(sess)], ["text"])["e"]:
        sess.execute("DROP TABLE " + work_message.sql(sess))


def _by_row_numbers(sess, spec: GraphSpec) -> GraphSpec:
    """Multi-column ids: the graph with every vertex as its MADlib row number (int8,
    :data:`indb_ml.graph.edges.MADLIB_ROW_ID`) in temporary tables, so the plans spread the
    smallest row number, as MADlib 2.1's iterations do (graph/wcc.py_in), and a component (or,
    after iteration_limit, each partial label) is named by MADlib's number. The ``bigint[]`` ids
    are checked here as the plans check ids (NULL, duplicates, edge ends not in the vertex table)."""
    vt, rid = spec.vertex.sql(sess), sess.ident(MADLIB_ROW_ID)
    row = sess.one("SELECT pg_catalog.count(*) FILTER (WHERE id IS NULL) AS nulls, pg_catalog.count(id) - "
                   "pg_catalog.count(DISTINCT id) AS dups, pg_catalog.count(*) AS n FROM " + vt)
    if row["nulls"]:
        raise InputError(f"vertex table {spec.vertex_label()} has {row['nulls']} NULL ids in column id",
                         hint="delete them or filter them out in a view", sqlstate="23502")
    if not row["n"]:
        raise InputError(f"vertex table {spec.vertex_label()} has no vertices", sqlstate=InputError.NO_DATA)
    if row["dups"]:
        ex = sess.one("SELECT id::text AS x FROM " + vt + " GROUP BY id HAVING pg_catalog.count(*) > 1 LIMIT 1")["x"]
        raise InputError(f"vertex table {spec.vertex_label()} has duplicate ids in column id (e.g. {ex!r}, "
                         f"{row['dups']} duplicates)", hint="vertex ids must be unique", sqlstate="23505")
    tag = secrets.token_hex(4)
    v, e = Relation("pg_temp", f"_indb_ml_wcc_rows_{tag}"), Relation("pg_temp", f"_indb_ml_wcc_links_{tag}")
    sess.execute("CREATE TEMPORARY TABLE " + sess.ident(v.name) + " ON COMMIT DROP AS SELECT " + rid + " AS id FROM "
                 + vt)
    g = "".join("e." + sess.ident(c) + ", " for c in spec.group_cols)
    sess.execute("CREATE TEMPORARY TABLE " + sess.ident(e.name) + " ON COMMIT DROP AS SELECT " + g + "a." + rid
                 + " AS src, b." + rid + " AS dest, e.src AS src_id, e.dest AS dest_id FROM " + spec.edge.sql(sess)
                 + " e LEFT JOIN " + vt + " a ON a.id = e.src LEFT JOIN " + vt + " b ON b.id = e.dest WHERE "
                 + edge_filter(sess, spec))
    miss = sess.one("SELECT pg_catalog.count(*) AS n, pg_catalog.min(x) AS example FROM (SELECT src_id::text AS x "
                    "FROM " + e.sql(sess) + " WHERE src IS NULL UNION ALL SELECT dest_id::text FROM " + e.sql(sess)
                    + " WHERE dest IS NULL) q")
    if miss["n"]:
        raise InputError(f"edge table {spec.label()} has {miss['n']} edge ends that are not in vertex table "
                         f"{spec.vertex_label()} (e.g. vertex {miss['example']})",
                         hint="add the missing vertices or delete those edges", sqlstate="23503")
    sess.execute("ANALYZE " + v.sql(sess))
    sess.execute("ANALYZE " + e.sql(sess))
    return dataclasses.replace(spec, vertex=v, vertex_id="id", edge=e, src="src", dest="dest", weight=None,
                               id_kind="int", id_type="bigint")


def _in_memory(sess, spec, out: Relation, steps: int | None, start: Relation | None,
               message: Relation) -> tuple[int, int]:
    """The memory plan: scipy's connected components, or (with iteration_limit or warm_start)
    label propagation in numpy; returns (propagation steps run, vertices still changing)."""
    values, frontier, steps_run, pending = {}, {}, 0, 0
    graphs = load_graphs(sess, spec)
    starts = _start_labels(sess, spec, start, graphs[0].ids) if start is not None and graphs else {}
    for g in graphs:
        sess.check_interrupts()
        keep = g.touched() if spec.group_cols else np.ones(g.n, dtype=bool)  # grouped: the group's edge ends
        if steps is None and start is None:  # one pass (num_iterations 1)
            labels, moved, run = wcc_labels(g.n, g.src, g.dst), np.zeros(g.n, dtype=bool), 0
        else:
            labels, run, moved = propagate_labels(g.n, g.src, g.dst, starts.get(g.key), steps)
            if steps == 0:  # only MADlib's first iteration: every vertex still has to hear its neighbours
                moved = np.ones(g.n, dtype=bool)
        at = np.flatnonzero(keep)
        values[g.key] = (g.ids_at(at), [g.ids_at(labels[at])])
        late = np.flatnonzero(keep & moved)
        frontier[g.key] = (g.ids_at(late), [g.ids_at(labels[late])])
        steps_run, pending = max(steps_run, run), pending + len(late)
    columns = (("component_id", component_type(spec)),)
    if start is None:
        write_vertex_table(sess, spec, out, columns, values)
    else:
        sess.execute("DELETE FROM " + out.sql(sess))
        fill_vertex_table(sess, spec, out, columns, values)
    if pending:
        _write_message(sess, spec, out, message, lambda rel: fill_vertex_table(sess, spec, rel, columns, frontier))
    return steps_run, pending


def _start_labels(sess, spec, start: Relation, ids) -> dict:
    """The labels of a previous (partial) output as positions into ``ids``, per group key."""
    gkey = group_key_sql(sess, spec, "o")
    vid = "o." + sess.ident(spec.vertex_id)
    rows = sess.execute(
        "WITH v AS (SELECT u.id, (u.k - 1)::int4 AS pos FROM pg_catalog.unnest($1::text[]) WITH ORDINALITY "
        "AS u(id, k)) SELECT " + gkey + " AS gkey, indb_ml._int4_array_bytes(pg_catalog.array_agg(a.pos), "
        "''::bytea) AS at, indb_ml._int4_array_bytes(pg_catalog.array_agg(b.pos), ''::bytea) AS label FROM "
        + start.sql(sess) + " o JOIN v a ON a.id = " + vid + "::text JOIN v b ON b.id = o.component_id::text "
        "GROUP BY 1",
        [[str(v) for v in (ids.tolist() if isinstance(ids, np.ndarray) else ids)]], ["text[]"])
    labels = {}
    for r in rows:
        lab = np.arange(len(ids), dtype=np.int64)
        lab[array_from_body(r["at"], INT4_OID)] = array_from_body(r["label"], INT4_OID)
        labels[r["gkey"] if spec.group_cols else None] = lab
    return labels


def _write_message(sess, spec, out: Relation, message: Relation, fill) -> None:
    """``<out_table>_message``: the vertices still changing, with their labels (as out_table)."""
    if sess.one("SELECT to_regclass($1) IS NOT NULL AS e", [message.sql(sess)], ["text"])["e"]:
        sess.execute("DELETE FROM " + message.sql(sess))
    else:
        sess.execute("CREATE TABLE " + message.sql(sess) + " AS SELECT * FROM " + out.sql(sess) + " WITH NO DATA")
    fill(message)


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
        # MADlib's summary names multi-column ids as given ('[a,b]'); the output column is id.
        self.vid = "id" if row["vertex_id"].strip().startswith("[") else row["vertex_id"]
        self.id_type = row["vertex_id_type"]
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
        if isinstance(v, (list, tuple)):  # a multi-column id ('[a, b]' ids are bigint[])
            if self.kind == "int" or any(x is None or isinstance(x, (list, tuple)) for x in v):
                raise InputError(f"vertex id {v!r} must be one id of this graph's ids ({self.id_type})")
            v = "{" + ",".join(str(int(x)) for x in v) + "}"
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
    _vertex_check(sess, wcc_table, vertex_pair, pair_table)


def _vertex_check(sess, wcc_table, vertex_pair, pair_table) -> None:
    w = _Wcc(sess, wcc_table)
    if vertex_pair is None or len(vertex_pair) != 2:
        raise InputError("graph_wcc_vertex_check: vertex_pair must be an array of two vertex ids",
                         hint="e.g. ARRAY[1, 5], or for multi-column ids a 2-D array '{{1,1},{5,5}}'")
    a, b = (w.check_vertex(v) for v in vertex_pair)
    w.create(pair_table, "SELECT " + _group_by(w, "a", "a.component_id") + " FROM " + w.rel.sql(sess) + " a JOIN "
             + w.rel.sql(sess) + " b ON b.component_id = a.component_id" + w.same_group("a", "b") + " WHERE "
             + w.id_equals("a", "$1") + " AND " + w.id_equals("b", "$2"), [a, b], ["text", "text"])


@sql_entry
def vertex_check_text(sess, wcc_table, vertex_pair, pair_table) -> None:
    """MADlib's literal forms of the pair, as text: ``'14,15'`` (its docs and tests) or ``'{14,15}'``.

    MADlib declares the argument ``BIGINT[]``, but its own examples pass ``'14,15'``; with a text
    overload next to ours every untyped literal lands here, so the array forms (``'{14,15}'``, the
    2-D ``'{{1,1},{5,5}}'`` of multi-column ids) are read as PostgreSQL arrays.
    """
    text = None if vertex_pair is None else vertex_pair.strip()
    if text and text.startswith("{"):
        pair = sess.one("SELECT $1::text[] AS a", [text], ["text"])["a"]
    elif text:
        pair = [v.strip() for v in text.split(",")]
    else:
        pair = None
    if pair is None or len(pair) != 2 or any(v in (None, "") for v in pair):
        raise InputError(f"graph_wcc_vertex_check: vertex_pair {vertex_pair!r} must be two vertex ids",
                         hint="e.g. '14,15', ARRAY[14, 15], or for multi-column ids '{{1,1},{5,5}}'")
    _vertex_check(sess, wcc_table, pair, pair_table)


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
