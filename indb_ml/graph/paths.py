"""graph_sssp, graph_bfs, graph_apsp and their path retrieval (MADlib's names and outputs).

Each function validates its arguments, picks a physical plan (:mod:`indb_ml.graph.plan`:
the graph loaded once into CSR and solved by scipy, or the relational plan of
:mod:`indb_ml.graph.path_relational` for graphs above the memory budget) and writes
``out_table`` plus ``out_table_summary`` inside the caller's statement, so an error leaves
neither behind.

Output conventions (MADlib's, kept for every vertex of the vertex table in every group):
the source has distance 0 and is its own parent; a vertex that cannot be reached has
distance ``Infinity`` (graph_sssp, graph_apsp) or NULL (graph_bfs, whose ``dist`` is an
integer) and a NULL parent. MADlib 1.17+ drops such rows; keeping them means a join with the
vertex table never loses a vertex. Duplicate edges: the lightest one counts. Self-loops: never
part of a shortest path; a negative one is a negative cycle.
"""

from __future__ import annotations

import numpy as np

from indb_ml.core.distributed import distribute_like, is_hash_distributed
from indb_ml.core.relations import Relation, ensure_absent, new_table, resolve_source, summary_of
from indb_ml.core.session import Session, sql_entry
from indb_ml.errors import InputError
from indb_ml.graph import plan as graph_plan
from indb_ml.graph.edges import Graph, GraphSpec, group_label, load_graphs, resolve_graph, write_vertex_table
from indb_ml.kernels import graph_paths as gp
from indb_ml.matrix.storage import limit_bytes

NEGATIVE_CYCLE = "22000"  # data_exception: the data admit no answer


# ---- shared by the path and measure functions -----------------------------------------------

def outputs(sess: Session, out_table: str) -> tuple[Relation, Relation]:
    out = new_table(sess, out_table)
    summary = summary_of(out)
    ensure_absent(sess, summary, "summary table")
    return out, summary


def check_names(spec: GraphSpec, what: str, names: tuple) -> None:
    """Output column names must differ from each other and from the grouping columns."""
    seen = list(spec.group_cols) + [spec.vertex_id]
    for name in names:
        if name in seen:
            raise InputError(f"{what}: output column {name!r} would appear twice (vertex id, grouping or "
                             "edge column names collide)", hint="rename the column in a view over the table")
        seen.append(name)


def source_position(graph: Graph, spec: GraphSpec, source, what: str, arg: str = "source_vertex") -> int:
    if source is None:
        raise InputError(f"{what}: {arg} must not be NULL", hint=f"SELECT indb_ml.{what}() shows the usage")
    pos = graph.position(source)
    if pos is None:
        raise InputError(f"{what}: {arg} {source!r} is not a vertex of {spec.vertex.schema}.{spec.vertex.name}",
                         hint="pass an id from the vertex table's " + spec.vertex_id + " column")
    return pos


def id_list(graph: Graph, positions: np.ndarray) -> list:
    """Vertex ids at ``positions``, None where the position is -1 (a NULL in the table)."""
    ok = positions >= 0
    ids = graph.ids_at(np.where(ok, positions, 0))
    vals = ids.tolist() if isinstance(ids, np.ndarray) else ids
    return [v if k else None for v, k in zip(vals, ok.tolist())]


def write_summary(sess: Session, summary: Relation, columns: list[tuple[str, str, object]]) -> None:
    """One-row summary table: ``columns`` = (name, SQL type, value), values bound."""
    sess.execute("CREATE TABLE " + summary.sql(sess) + " ("
                 + ", ".join(sess.ident(n) + " " + t for n, t, _ in columns) + ")")
    params = ", ".join(f"${i + 1}::{t}" for i, (_, t, _) in enumerate(columns))
    sess.execute("INSERT INTO " + summary.sql(sess) + " VALUES (" + params + ")",
                 [str(v) if v is not None and t != "text" else v for _, t, v in columns], ["text"] * len(columns))


def graph_summary(spec: GraphSpec, vertex_table, vertex_id, edge_table, edge_args, out_table, grouping_cols):
    return [("vertex_table", "text", vertex_table), ("vertex_id", "text", vertex_id or "id"),
            ("edge_table", "text", edge_table), ("edge_args", "text", edge_args), ("out_table", "text", out_table),
            ("grouping_cols", "text", grouping_cols or None)]


def negative_cycle(spec: GraphSpec, key, what: str) -> InputError:
    where = "" if what == "graph_apsp" else " reachable from the source"  # APSP: every vertex is a source
    return InputError(f"{what}: the graph {spec.label()}{group_label(key)} has a negative cycle{where}; shortest "
                      "paths are undefined", hint="remove the cycle or make its weight >= 0", sqlstate=NEGATIVE_CYCLE)


# ---- graph_sssp -----------------------------------------------------------------------------

@sql_entry
def graph_sssp(sess: Session, vertex_table, vertex_id, edge_table, edge_args, source_vertex, out_table,
               grouping_cols=None):
    """Bellman-Ford (Dijkstra when no weight is negative) from ``source_vertex``: one row per vertex
    (and group) with the path weight and the parent; an error on a negative cycle."""
    what = "graph_sssp"
    out, summary = outputs(sess, out_table)
    spec = resolve_graph(sess, vertex_table, vertex_id, edge_table, edge_args, grouping_cols, weighted=True,
                         what=what, reserved=("parent",))
    check_names(spec, what, (spec.weight, "parent"))
    if source_vertex is None:
        raise InputError(f"{what}: source_vertex must not be NULL", hint="SELECT indb_ml.graph_sssp() shows the usage")
    plan = graph_plan.choose(sess, spec, what, on_shards=True)
    if plan == "relational":
        from indb_ml.graph import path_relational
        path_relational.sssp(sess, spec, source_vertex, out, what)
    else:
        values = {}
        graphs = load_graphs(sess, spec)
        if not graphs:  # grouping, and no edges at all: the source must still be a vertex
            _check_vertex(sess, spec, source_vertex, what, "source_vertex")
        for g in graphs:
            pos = source_position(g, spec, source_vertex, what)
            try:
                dist, parent = gp.sssp(gp.adjacency(g.n, g.src, g.dst, g.weight), pos)
            except gp.NegativeCycle:
                raise negative_cycle(spec, g.key, what) from None
            values[g.key] = (g.ids, [dist, id_list(g, parent)])
        write_vertex_table(sess, spec, out, [(spec.weight, "float8"), ("parent", spec.id_type)], values)
    write_summary(sess, summary, graph_summary(spec, vertex_table, vertex_id, edge_table, edge_args, out_table,
                                               grouping_cols)
                  + [("source_vertex", spec.id_type, source_vertex), ("plan", "text", plan)])


# ---- graph_bfs ------------------------------------------------------------------------------

@sql_entry
def graph_bfs(sess: Session, vertex_table, vertex_id, edge_table, edge_args, source_vertex, out_table,
              max_distance=None, directed=None, grouping_cols=None):
    """Breadth-first levels (``dist``, hops) and parents from ``source_vertex``; undirected unless
    ``directed``; vertices beyond ``max_distance`` count as not reached."""
    what = "graph_bfs"
    out, summary = outputs(sess, out_table)
    spec = resolve_graph(sess, vertex_table, vertex_id, edge_table, edge_args, grouping_cols, weighted=False,
                         what=what, reserved=("dist", "parent"))
    check_names(spec, what, ("dist", "parent"))
    if source_vertex is None:
        raise InputError(f"{what}: source_vertex must not be NULL", hint="SELECT indb_ml.graph_bfs() shows the usage")
    if max_distance is not None and max_distance < 0:
        raise InputError(f"{what}: max_distance is {max_distance}", hint="use NULL (no limit) or a number >= 0")
    directed = bool(directed)
    plan = graph_plan.choose(sess, spec, what, on_shards=True)
    if plan == "relational":
        from indb_ml.graph import path_relational
        path_relational.bfs(sess, spec, source_vertex, out, max_distance, directed, what)
    else:
        values = {}
        graphs = load_graphs(sess, spec)
        if not graphs:
            _check_vertex(sess, spec, source_vertex, what, "source_vertex")
        for g in graphs:
            pos = source_position(g, spec, source_vertex, what)
            dist, parent = gp.bfs(gp.adjacency(g.n, g.src, g.dst), pos, max_distance, directed)
            values[g.key] = (g.ids, [dist.astype(np.float64), id_list(g, parent)])
            values[g.key][1][0][dist < 0] = np.nan
        write_vertex_table(sess, spec, out, [("dist", "integer"), ("parent", spec.id_type)], values)
    write_summary(sess, summary, graph_summary(spec, vertex_table, vertex_id, edge_table, edge_args, out_table,
                                               grouping_cols)
                  + [("source_vertex", spec.id_type, source_vertex), ("max_distance", "integer", max_distance),
                     ("directed", "boolean", directed), ("plan", "text", plan)])


# ---- graph_apsp -----------------------------------------------------------------------------

APSP_BYTES_PER_PAIR = 40  # distances + predecessors + the parent column + the rows being written


@sql_entry
def graph_apsp(sess: Session, vertex_table, vertex_id, edge_table, edge_args, out_table, grouping_cols=None):
    """All-pairs shortest paths (n^2 output): one row per ordered pair of vertices, in memory or,
    above the memory budget, relationally (:func:`indb_ml.graph.path_relational.apsp`)."""
    what = "graph_apsp"
    out, summary = outputs(sess, out_table)
    spec = resolve_graph(sess, vertex_table, vertex_id, edge_table, edge_args, grouping_cols, weighted=True,
                         what=what, reserved=("parent",))
    check_names(spec, what, (spec.src, spec.dest, spec.weight, "parent"))
    plan = _apsp_plan(sess, spec, what)
    if plan == "relational":
        from indb_ml.graph import path_relational
        _create_pairs_table(sess, spec, out)
        path_relational.apsp(sess, spec, out, what)
    else:
        graphs = load_graphs(sess, spec)
        _create_pairs_table(sess, spec, out)
        for g in graphs:
            try:
                dist, pred = gp.apsp(gp.adjacency(g.n, g.src, g.dst, g.weight))
            except gp.NegativeCycle:
                raise negative_cycle(spec, g.key, what) from None
            _insert_pairs(sess, spec, out, g, dist, gp.madlib_apsp_parent(pred))
    write_summary(sess, summary, graph_summary(spec, vertex_table, vertex_id, edge_table, edge_args, out_table,
                                               grouping_cols) + [("plan", "text", plan)])


def _apsp_plan(sess: Session, spec: GraphSpec, what: str) -> str:
    """The graph functions' plan rule plus the n^2 distance and predecessor matrices of the memory
    plan: ``auto`` goes relational when either does not fit ``indb_ml.matrix_memory_mb``; an
    explicit ``memory`` that does not fit is an error (the server would run out of memory)."""
    requested = graph_plan.requested(sess)
    if requested == "relational":
        return graph_plan.choose(sess, spec, what)
    n = int(sess.one("SELECT pg_catalog.count(*) AS n FROM " + spec.vertex.sql(sess))["n"])
    need = APSP_BYTES_PER_PAIR * n * n
    fits = need <= limit_bytes(sess)
    if requested == "memory" and not fits:
        raise InputError(f"{what}: {n} vertices make {n * n} pairs (~{need >> 20} MB in memory), above "
                         "indb_ml.matrix_memory_mb", hint="SET indb_ml.graph_plan = auto (or relational) to write "
                         "the pairs with SQL joins, or raise SET indb_ml.matrix_memory_mb", sqlstate="54000")
    plan = graph_plan.choose(sess, spec, what)
    if plan == "memory" and not fits:
        sess.debug(f"{what}: {n * n} pairs, ~{need >> 20} MB in memory: relational plan")
        plan = "relational"
    return plan


def _create_pairs_table(sess: Session, spec: GraphSpec, out: Relation) -> None:
    v = "v." + sess.ident(spec.vertex_id)
    cols = ["e." + sess.ident(c) for c in spec.group_cols]
    cols += [v + " AS " + sess.ident(spec.src), v + " AS " + sess.ident(spec.dest),
             "NULL::float8 AS " + sess.ident(spec.weight), v + " AS parent"]
    sess.execute("CREATE TABLE " + out.sql(sess) + " AS SELECT " + ", ".join(cols) + " FROM " + spec.edge.sql(sess)
                 + " e CROSS JOIN " + spec.vertex.sql(sess) + " v WITH NO DATA")
    # n^2 rows: on Citus, distributed by the source vertex like the inputs (core/distributed.py).
    distribute_like(sess, out, spec.src, (spec.vertex, spec.edge))


def _insert_pairs(sess: Session, spec: GraphSpec, out: Relation, g: Graph, dist: np.ndarray,
                  parent: np.ndarray) -> None:
    """All n^2 rows of one group in one INSERT: positions and distances travel as raw bytes and
    the ids are looked up in one bound id array (so text ids cost the same as integers)."""
    n = g.n
    src = np.repeat(np.arange(n, dtype=np.int64), n)
    dst = np.tile(np.arange(n, dtype=np.int64), n)
    par = parent.ravel().astype(np.int64)
    ids = g.ids.tolist() if isinstance(g.ids, np.ndarray) else list(g.ids)
    key_cols = ["r." + sess.ident(c) for c in spec.group_cols]
    query = ("INSERT INTO " + out.sql(sess) + " SELECT " + "".join(k + ", " for k in key_cols)
             + "i.ids[u.s + 1], i.ids[u.d + 1], u.w, i.ids[NULLIF(u.p, -1) + 1] FROM ROWS FROM ("
             "pg_catalog.unnest(indb_ml._int8_array_from_bytes($1)), "
             "pg_catalog.unnest(indb_ml._int8_array_from_bytes($2)), "
             "pg_catalog.unnest(indb_ml.float8_array_from_bytes($3)), "
             "pg_catalog.unnest(indb_ml._int8_array_from_bytes($4))) AS u(s, d, w, p) "
             "CROSS JOIN (SELECT $5::" + spec.id_type + "[] AS ids) i")
    params = [src.astype("<i8").tobytes(), dst.astype("<i8").tobytes(), dist.ravel().astype("<f8").tobytes(),
              par.astype("<i8").tobytes(), ids]
    types = ["bytea", "bytea", "bytea", "bytea", spec.id_type + "[]"]
    if spec.group_cols:
        query += " CROSS JOIN pg_catalog.jsonb_populate_record(NULL::" + spec.edge.sql(sess) + ", $6::jsonb) r"
        params.append(g.key)
        types.append("text")
    sess.execute(query, params, types)


# ---- path retrieval -------------------------------------------------------------------------

def _read_summary(sess: Session, table: str, what: str, needed: tuple) -> tuple[Relation, dict]:
    rel = resolve_source(sess, table, what.split("_get")[0] + "_table")
    summ = summary_of(rel)
    cols = sess.execute("SELECT a.attname FROM pg_catalog.pg_attribute a WHERE a.attrelid = to_regclass($1) "
                        "AND a.attnum > 0 AND NOT a.attisdropped", [summ.sql(sess)], ["text"])
    names = {r["attname"] for r in cols}
    if not set(needed) <= names:
        raise InputError(f"{what}: {rel.schema}.{rel.name} has no summary table {summ.name} with "
                         + ", ".join(needed), hint="pass the out_table of a graph_sssp/graph_apsp run",
                         sqlstate=InputError.UNDEFINED_TABLE)
    row = sess.one("SELECT * FROM " + summ.sql(sess))
    if row is None:
        raise InputError(f"{what}: summary table {summ.name} is empty", sqlstate=InputError.NO_DATA)
    return rel, row


def _spec_from_summary(sess: Session, row: dict, what: str) -> GraphSpec:
    return resolve_graph(sess, row["vertex_table"], row["vertex_id"], row["edge_table"], row["edge_args"],
                         row["grouping_cols"], weighted=True, what=what)


@sql_entry
def graph_sssp_get_path(sess: Session, sssp_table, dest_vertex, path_table):
    """The path ``{source, ..., dest}`` per group, walked back over the parent column in SQL
    (a recursive CTE: one join per hop); NULL where ``dest_vertex`` is not reachable."""
    what = "graph_sssp_get_path"
    rel, row = _read_summary(sess, sssp_table, what, ("vertex_table", "vertex_id", "edge_table", "edge_args",
                                                      "grouping_cols", "source_vertex"))
    out = new_table(sess, path_table, "path_table")
    spec = _spec_from_summary(sess, row, what)
    _check_vertex(sess, spec, dest_vertex, what, "dest_vertex")
    vid = sess.ident(spec.vertex_id)
    _walk(sess, spec, rel, out, vid, None, str(row["source_vertex"]), str(dest_vertex))


@sql_entry
def graph_apsp_get_path(sess: Session, apsp_table, source_vertex, dest_vertex, path_table):
    """The path from ``source_vertex`` to ``dest_vertex`` per group, from graph_apsp's parent column."""
    what = "graph_apsp_get_path"
    rel, row = _read_summary(sess, apsp_table, what, ("vertex_table", "vertex_id", "edge_table", "edge_args",
                                                      "grouping_cols"))
    out = new_table(sess, path_table, "path_table")
    spec = _spec_from_summary(sess, row, what)
    _check_vertex(sess, spec, source_vertex, what, "source_vertex")
    _check_vertex(sess, spec, dest_vertex, what, "dest_vertex")
    _walk(sess, spec, rel, out, sess.ident(spec.dest), sess.ident(spec.src), str(source_vertex), str(dest_vertex))


def _check_vertex(sess: Session, spec: GraphSpec, value, what: str, arg: str) -> None:
    if value is None:
        raise InputError(f"{what}: {arg} must not be NULL")
    try:
        found = sess.one("SELECT EXISTS (SELECT 1 FROM " + spec.vertex.sql(sess) + " WHERE "
                         + sess.ident(spec.vertex_id) + " = $1::text::" + spec.id_type + ") AS e",
                         [str(value)], ["text"])
    except sess.spi_error:  # not even of the id type ('abc' for integer ids)
        found = {"e": False}
    if not found["e"]:
        raise InputError(f"{what}: {arg} {value!r} is not a vertex of {spec.vertex.schema}.{spec.vertex.name}")


def _walk(sess: Session, spec: GraphSpec, rel: Relation, out: Relation, vcol: str, src_col: str | None,
          source: str, dest: str) -> None:
    """Recursive CTE from ``dest`` back to ``source`` along ``parent``; ``src_col`` set for APSP
    tables (rows filtered to the source, and MADlib's "parent = dest for a direct edge" rule)."""
    t = rel.sql(sess)
    idt = spec.id_type
    if is_hash_distributed(sess, rel):  # Citus runs no recursive CTE across shards: walk a local copy
        sess.execute("DROP TABLE IF EXISTS pg_temp._indb_ml_walk")
        sess.execute("CREATE TEMPORARY TABLE _indb_ml_walk AS SELECT * FROM " + t
                     + (" WHERE " + src_col + " = $1::text::" + idt if src_col else ""), [source], ["text"])
        t = "pg_temp._indb_ml_walk"
    g = [sess.ident(c) for c in spec.group_cols]
    same = "".join(f" AND s.{c} IS NOT DISTINCT FROM w.{c}" for c in g)
    gsel = "".join(f"s.{c}, " for c in g)
    gw = "".join(f"w.{c}, " for c in g)
    src_filter = f" AND s.{src_col} = $1::text::{idt}" if src_col else ""
    # next hop back: the parent, except APSP's direct-edge rows (parent = dest) which step to the source
    step = f"CASE WHEN s.parent = s.{vcol} THEN $1::text::{idt} ELSE s.parent END" if src_col else "s.parent"
    limit = sess.one("SELECT pg_catalog.count(*) AS n FROM " + spec.vertex.sql(sess))["n"]
    query = (
        "CREATE TABLE " + out.sql(sess) + " AS WITH RECURSIVE w AS ("
        f"SELECT {gsel}s.{vcol} AS v, ARRAY[s.{vcol}] AS path, 0 AS hops FROM {t} s "
        f"WHERE s.{vcol} = $2::text::{idt} AND s.parent IS NOT NULL{src_filter} "
        f"UNION ALL SELECT {gw}{step}, {step} || w.path, w.hops + 1 FROM w JOIN {t} s ON s.{vcol} = w.v{same}"
        f"{src_filter} WHERE w.v <> $1::text::{idt} AND s.parent IS NOT NULL AND w.hops < $3) "
        f"SELECT {''.join(f'k.{c}, ' for c in g)}w.path FROM (SELECT DISTINCT {', '.join(['s.' + c for c in g]) or '1'}"
        f" FROM {t} s) k LEFT JOIN w ON w.v = $1::text::{idt}"
        + "".join(f" AND w.{c} IS NOT DISTINCT FROM k.{c}" for c in g)
    )
    sess.execute(query, [source, dest, int(limit)], ["text", "text", "int8"])
    sess.execute("DROP TABLE IF EXISTS pg_temp._indb_ml_walk")


# ---- usage ----------------------------------------------------------------------------------

_COMMON = """
vertex_table   table of vertices; vertex_id (default 'id') names its id column (integer or text ids)
edge_table     table of edges; edge_args 'src=col, dest=col, weight=col' (defaults src, dest, weight)
grouping_cols  optional edge-table columns: one graph per distinct value, over all vertices
Every vertex appears in every output (unreachable: {unreachable}). Duplicate edges: the lightest
counts; self-loops never shorten a path (a negative one is a negative cycle). SET
indb_ml.graph_plan = auto | memory | relational chooses the physical plan (auto: by size)."""

USAGE = {
    "graph_sssp": """indb_ml.graph_sssp(vertex_table, vertex_id, edge_table, edge_args, source_vertex, out_table
                   [, grouping_cols])
Shortest paths from source_vertex (Bellman-Ford; Dijkstra when no weight is negative; an error
on a negative cycle). out_table: grouping columns, <vertex_id>, <weight column>, parent;
out_table_summary records the arguments.
indb_ml.graph_sssp_get_path(sssp_table, dest_vertex, path_table): path_table (grouping columns,
path = ARRAY[source, ..., dest_vertex], NULL when not reachable).""" + _COMMON.format(
        unreachable="weight Infinity, parent NULL"),
    "graph_bfs": """indb_ml.graph_bfs(vertex_table, vertex_id, edge_table, edge_args, source_vertex, out_table
                  [, max_distance [, directed [, grouping_cols]]])
Breadth-first search (undirected unless directed = true; max_distance NULL = no limit).
out_table: grouping columns, <vertex_id>, dist (hops), parent (the smallest id among the
vertices of the previous level with an edge to it; the source is its own parent).""" + _COMMON.format(
        unreachable="dist NULL, parent NULL"),
    "graph_apsp": """indb_ml.graph_apsp(vertex_table, vertex_id, edge_table, edge_args, out_table [, grouping_cols])
All-pairs shortest paths (in memory when the n^2 pairs fit indb_ml.matrix_memory_mb, else
relational: Bellman-Ford from every source at once as SQL joins into the output table).
out_table: grouping columns, <src>, <dest>, <weight>, parent (the vertex before dest on the
path; dest itself when the path is one edge, MADlib's rule), one row per ordered pair.
indb_ml.graph_apsp_get_path(apsp_table, source_vertex, dest_vertex, path_table).
graph_closeness, graph_diameter and graph_avg_path_length read out_table.""" + _COMMON.format(
        unreachable="weight Infinity, parent NULL"),
}


def usage(name: str) -> str:
    return USAGE[name]
