"""graph_sssp, graph_bfs, graph_apsp and their path retrieval (MADlib's names and outputs).

Each function validates its arguments, picks a physical plan (:mod:`indb_ml.graph.plan`:
the graph loaded once into CSR and solved by scipy, or the relational plan of
:mod:`indb_ml.graph.path_relational` for graphs above the memory budget) and writes
``out_table`` plus ``out_table_summary`` inside the caller's statement, so an error leaves
neither behind.

Output conventions (MADlib 2.1's): only reached vertices (pairs) have rows; the source has
distance 0 and is its own parent. MADlib takes a group's vertices from its edges, so

- graph_sssp: without grouping, the vertices of the vertex table (edges to other vertices are
  not followed); with grouping, the ends of the group's edges (the source gets a row in a group
  only when it is an end of one of its edges);
- graph_bfs: the ends of the edges; the source gets a row (and the group any row) only when it
  is an end of an edge (with ``directed``, a source of one);
- graph_apsp: the ends of each group's edges; a vertex's own row (distance 0) only for
  vertices of the vertex table.

Edges with a NULL end or weight, or a NULL grouping value, are skipped. A negative cycle is an
error without grouping; with grouping, the groups that have one are left out with a WARNING (and
when that leaves nothing, no table is written), as MADlib does. Path weights keep the weight
column's type. Duplicate edges: the lightest one counts. Self-loops: never part of a shortest
path; a negative one is a negative cycle.
"""

from __future__ import annotations

import numpy as np

from indb_ml.core import progress
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


def check_names(spec: GraphSpec, what: str, names: tuple, with_vertex_id: bool = True) -> None:
    """Output column names must differ from each other and from the grouping columns (and from the
    vertex id column, when the output has one: graph_apsp's has not)."""
    seen = list(spec.group_cols) + ([spec.vertex_id] if with_vertex_id else [])
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
        raise InputError(f"{what}: {arg} {source!r} is not a vertex of {spec.vertex_label()}",
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


def negative_groups(sess: Session, spec: GraphSpec, keys: list, what: str) -> None:
    """MADlib's grouped rule: the groups with a negative cycle are left out, with a WARNING."""
    sess.warning(f"{what}: a negative cycle in the graph of {len(keys)} group(s) of {spec.label()}: "
                 + ", ".join(str(k) for k in sorted(keys)) + "; their rows are left out")


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
    source_vertex = vertex_value(spec, source_vertex, what, "source_vertex")
    _check_vertex(sess, spec, source_vertex, what, "source_vertex")
    plan, prog = graph_plan.choose(sess, spec, what, on_shards=True), progress.start(sess, "graph_sssp")
    if plan == "relational":
        from indb_ml.graph import path_relational
        written = path_relational.sssp(sess, spec, source_vertex, out, what)
    else:
        values, negative = {}, []
        for g in load_graphs(sess, spec, vertices="union"):
            sess.check_interrupts()
            pos = source_position(g, spec, source_vertex, what)
            src, dst, w = g.src, g.dst, g.weight
            if spec.group_cols:  # a group's vertices are its edges' ends
                if not g.touched()[pos]:
                    continue
            else:  # the vertex table's vertices: edges to others are not followed
                inside = g.in_table[src] & g.in_table[dst]
                src, dst, w = src[inside], dst[inside], w[inside]
            try:
                dist, parent = gp.sssp(gp.adjacency(g.n, src, dst, w), pos)
            except gp.NegativeCycle:
                if not spec.group_cols:
                    raise negative_cycle(spec, g.key, what) from None
                negative.append(g.key)
                continue
            reached = np.flatnonzero(np.isfinite(dist))
            values[g.key] = (g.ids_at(reached), [dist[reached], id_list(g, parent[reached])])
        written = _write_or_warn(sess, spec, negative, bool(values), what)
        if written:
            write_vertex_table(sess, spec, out, [(spec.weight, spec.weight_type), ("parent", spec.id_type)], values)
    prog.done()
    if not written:
        return
    write_summary(sess, summary, graph_summary(spec, vertex_table, vertex_id, edge_table, edge_args, out_table,
                                               grouping_cols)
                  + [("source_vertex", spec.id_type, source_vertex), ("plan", "text", plan)])


def _write_or_warn(sess: Session, spec: GraphSpec, negative: list, any_rows: bool, what: str) -> bool:
    """Warn about the groups left out for a negative cycle; False when that leaves nothing to write
    (MADlib then drops its output and summary tables)."""
    if negative:
        negative_groups(sess, spec, negative, what)
        if not any_rows:
            return False
    return True


def vertex_value(spec: GraphSpec, value, what: str, arg: str):
    """A vertex id argument as the graph's ids are: a multi-column id (``ARRAY[6, 6]``) as the text
    of its bigint[] (``'{6,6}'``), the form in which such ids are compared."""
    if value is None:
        raise InputError(f"{what}: {arg} must not be NULL", hint=f"SELECT indb_ml.{what}() shows the usage")
    if isinstance(value, (list, tuple)):
        if not spec.multi:
            raise InputError(f"{what}: {arg} {value!r} is an array, but the vertex ids are single columns",
                             hint="pass one id, or use MADlib's multi-column ids: vertex_id '[a, b]'")
        if any(v is None or isinstance(v, (list, tuple)) for v in value):
            raise InputError(f"{what}: {arg} {value!r} must be one vertex: a 1-D array without NULLs")
        return "{" + ",".join(str(int(v)) for v in value) + "}"
    if spec.multi:
        raise InputError(f"{what}: {arg} {value!r} is one value, but the vertex ids have several columns",
                         hint="pass them as an array, e.g. ARRAY[1, 2]")
    return value


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
    source_vertex = vertex_value(spec, source_vertex, what, "source_vertex")
    if max_distance is not None and max_distance < 0:
        raise InputError(f"{what}: max_distance is {max_distance}", hint="use NULL (no limit) or a number >= 0")
    _check_vertex(sess, spec, source_vertex, what, "source_vertex")
    directed = bool(directed)
    plan = graph_plan.choose(sess, spec, what, on_shards=True)
    if plan == "relational":
        from indb_ml.graph import path_relational
        path_relational.bfs(sess, spec, source_vertex, out, max_distance, directed, what)
    else:
        values = {}
        for g in load_graphs(sess, spec, vertices="union"):
            sess.check_interrupts()
            pos = source_position(g, spec, source_vertex, what)
            # MADlib starts only where the source is an end of an edge (with directed, a source of one)
            if not ((g.src == pos).any() or (not directed and (g.dst == pos).any())):
                continue
            dist, parent = gp.bfs(gp.adjacency(g.n, g.src, g.dst), pos, max_distance, directed)
            reached = np.flatnonzero(dist >= 0)
            values[g.key] = (g.ids_at(reached), [dist[reached].astype(np.float64), id_list(g, parent[reached])])
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
    check_names(spec, what, (spec.src, spec.dest, spec.weight, "parent"), with_vertex_id=False)
    plan = _apsp_plan(sess, spec, what)
    if plan == "relational":
        from indb_ml.graph import path_relational
        _create_pairs_table(sess, spec, out)
        if not path_relational.apsp(sess, spec, out, what):
            sess.execute("DROP TABLE " + out.sql(sess))
            return
    else:
        graphs = load_graphs(sess, spec, vertices="union")
        touched = [np.flatnonzero(g.touched()) for g in graphs]
        _check_two_vertices(spec, max((len(t) for t in touched), default=0), what)
        pairs, negative = [], []
        for g, inside in zip(graphs, touched):
            sess.check_interrupts()
            index = np.full(g.n, -1, dtype=np.int64)
            index[inside] = np.arange(len(inside))
            try:
                dist, pred = gp.apsp(gp.adjacency(len(inside), index[g.src], index[g.dst], g.weight))
            except gp.NegativeCycle:
                if not spec.group_cols:
                    raise negative_cycle(spec, g.key, what) from None
                negative.append(g.key)
                continue
            parent = gp.madlib_apsp_parent(pred)
            _outside_diagonal(dist, parent, g.in_table[inside], index[g.src], index[g.dst], g.weight)
            s, d = np.nonzero(np.isfinite(dist))
            pairs.append((g, inside[s], inside[d], dist[s, d], inside[parent[s, d]]))
        if not _write_or_warn(sess, spec, negative, any(len(p[1]) for p in pairs), what):
            return
        _create_pairs_table(sess, spec, out)
        for g, s, d, dist, parent in pairs:
            _insert_pairs(sess, spec, out, g, s, d, dist, parent)
    write_summary(sess, summary, graph_summary(spec, vertex_table, vertex_id, edge_table, edge_args, out_table,
                                               grouping_cols) + [("plan", "text", plan)])


def _apsp_plan(sess: Session, spec: GraphSpec, what: str) -> str:
    """The graph functions' plan rule plus the n^2 distance and predecessor matrices of the memory
    plan: ``auto`` goes relational when either does not fit ``indb_ml.matrix_memory_mb``; an
    explicit ``memory`` that does not fit is an error (the server would run out of memory)."""
    requested = graph_plan.requested(sess)
    if requested == "relational":
        return graph_plan.choose(sess, spec, what)
    # The vertices are the edges' ends (MADlib's): count them (over all groups, an upper bound per group).
    n = int(sess.one("SELECT pg_catalog.count(*) AS n FROM (SELECT e." + sess.ident(spec.src) + " FROM "
                     + spec.edge.sql(sess) + " e UNION SELECT e." + sess.ident(spec.dest) + " FROM "
                     + spec.edge.sql(sess) + " e) q")["n"])
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


def _outside_diagonal(dist: np.ndarray, parent: np.ndarray, known: np.ndarray, src: np.ndarray, dst: np.ndarray,
                      weight: np.ndarray) -> None:
    """MADlib's own rows of graph_apsp: distance 0 only for vertices of the vertex table; another
    vertex u gets a row only through a cycle, ``min over edges v -> u of d(u, v) + w`` with parent v
    (the smallest v of a tie, as the relational plan's DISTINCT ON), else none (its distance set
    to Infinity here)."""
    outside = np.flatnonzero(~known)
    if not len(outside):
        return
    dist[outside, outside] = np.inf
    parent[outside, outside] = -1
    sel = (src != dst) & ~known[dst]
    u, v = dst[sel], src[sel]
    cand = dist[u, v] + weight[sel]
    order = np.lexsort((v, cand, u))  # per u: the smallest candidate, then the smallest v
    u, v, cand = u[order], v[order], cand[order]
    first = np.ones(len(u), dtype=bool)
    first[1:] = u[1:] != u[:-1]
    u, v, cand = u[first], v[first], cand[first]
    ok = np.isfinite(cand)
    dist[u[ok], u[ok]] = cand[ok]
    parent[u[ok], u[ok]] = v[ok]


def _check_two_vertices(spec: GraphSpec, most: int, what: str) -> None:
    """MADlib's graph_apsp needs at least 2 vertices (edge ends) in some group."""
    if most < 2:
        raise InputError(f"{what}: {spec.label()} has less than 2 vertices" + (" in every group" if spec.group_cols
                                                                                 else ""),
                         hint="the vertices of graph_apsp are the ends of the edges", sqlstate=InputError.NO_DATA)


def _create_pairs_table(sess: Session, spec: GraphSpec, out: Relation) -> None:
    v = "v." + sess.ident(spec.vertex_id)
    cols = ["e." + sess.ident(c) for c in spec.group_cols]
    cols += [v + " AS " + sess.ident(spec.src), v + " AS " + sess.ident(spec.dest),
             "NULL::" + spec.weight_type + " AS " + sess.ident(spec.weight), v + " AS parent"]
    sess.execute("CREATE TABLE " + out.sql(sess) + " AS SELECT " + ", ".join(cols) + " FROM " + spec.edge.sql(sess)
                 + " e CROSS JOIN " + spec.vertex.sql(sess) + " v WITH NO DATA")
    # n^2 rows: on Citus, distributed by the source vertex like the inputs (core/distributed.py).
    distribute_like(sess, out, spec.src, (spec.vertex, spec.edge))


def _insert_pairs(sess: Session, spec: GraphSpec, out: Relation, g: Graph, src: np.ndarray, dst: np.ndarray,
                  dist: np.ndarray, parent: np.ndarray) -> None:
    """One group's rows in one INSERT: positions (into ``g.ids``) and distances travel as raw bytes
    and the ids are looked up in one bound id array (so text ids cost the same as integers)."""
    ids = g.ids.tolist() if isinstance(g.ids, np.ndarray) else list(g.ids)
    array_type = "int8[]" if spec.id_kind == "int" else "text[]"  # text also carries bigint[] (multi-column) ids
    cast = "" if spec.id_kind == "int" else "::" + spec.id_type

    def at(pos: str) -> str:
        return "i.ids[" + pos + " + 1]" + cast

    key_cols = ["r." + sess.ident(c) for c in spec.group_cols]
    query = ("INSERT INTO " + out.sql(sess) + " SELECT " + "".join(k + ", " for k in key_cols)
             + at("u.s") + ", " + at("u.d") + ", u.w, " + at("u.p") + " FROM ROWS FROM ("
             "pg_catalog.unnest(indb_ml._int8_array_from_bytes($1)), "
             "pg_catalog.unnest(indb_ml._int8_array_from_bytes($2)), "
             "pg_catalog.unnest(indb_ml.float8_array_from_bytes($3)), "
             "pg_catalog.unnest(indb_ml._int8_array_from_bytes($4))) AS u(s, d, w, p) "
             "CROSS JOIN (SELECT $5::" + array_type + " AS ids) i")
    params = [np.asarray(src, "<i8").tobytes(), np.asarray(dst, "<i8").tobytes(), np.asarray(dist, "<f8").tobytes(),
              np.asarray(parent, "<i8").tobytes(), [str(v) for v in ids] if spec.id_kind != "int" else ids]
    types = ["bytea", "bytea", "bytea", "bytea", array_type]
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
    dest_vertex = vertex_value(spec, dest_vertex, what, "dest_vertex")
    source = row["source_vertex"]
    source = "{" + ",".join(str(v) for v in source) + "}" if isinstance(source, list) else str(source)
    _typed(sess, spec, dest_vertex, what, "dest_vertex")
    if not _walk(sess, spec, rel, out, sess.ident(spec.vertex_id), None, source, str(dest_vertex)):
        raise InputError(f"{what}: vertex {dest_vertex} is not reached in the graph_sssp output "
                         f"{rel.schema}.{rel.name}", hint="graph_sssp lists only the vertices reached from the source")


@sql_entry
def graph_apsp_get_path(sess: Session, apsp_table, source_vertex, dest_vertex, path_table):
    """The path from ``source_vertex`` to ``dest_vertex`` per group, from graph_apsp's parent column."""
    what = "graph_apsp_get_path"
    rel, row = _read_summary(sess, apsp_table, what, ("vertex_table", "vertex_id", "edge_table", "edge_args",
                                                      "grouping_cols"))
    out = new_table(sess, path_table, "path_table")
    spec = _spec_from_summary(sess, row, what)
    source_vertex = vertex_value(spec, source_vertex, what, "source_vertex")
    dest_vertex = vertex_value(spec, dest_vertex, what, "dest_vertex")
    _typed(sess, spec, source_vertex, what, "source_vertex")
    _typed(sess, spec, dest_vertex, what, "dest_vertex")
    if not _walk(sess, spec, rel, out, sess.ident(spec.dest), sess.ident(spec.src), str(source_vertex),
                 str(dest_vertex)):
        raise InputError(f"{what}: no path from {source_vertex} to {dest_vertex} in the graph_apsp output "
                         f"{rel.schema}.{rel.name}", hint="graph_apsp lists only the pairs with a path")


def _typed(sess: Session, spec: GraphSpec, value, what: str, arg: str) -> None:
    """``value`` must read as a vertex id of the graph's type ('abc' is no bigint)."""
    try:
        sess.execute("SELECT $1::text::" + spec.id_type, [str(value)], ["text"])
    except sess.spi_error:
        raise InputError(f"{what}: {arg} {value!r} is not a vertex id of type {spec.id_type}") from None


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
        raise InputError(f"{what}: {arg} {value!r} is not a vertex of {spec.vertex_label()}")


def _walk(sess: Session, spec: GraphSpec, rel: Relation, out: Relation, vcol: str, src_col: str | None,
          source: str, dest: str) -> int:
    """Recursive CTE from ``dest`` back to ``source`` along ``parent``; ``src_col`` set for APSP
    tables (rows filtered to the source, and MADlib's "parent = dest for a direct edge" rule).
    One row per group where ``dest`` is reached (MADlib's); returns how many."""
    t = rel.sql(sess)
    idt = spec.id_type
    local_copy = is_hash_distributed(sess, rel)
    if local_copy:  # Citus runs no recursive CTE across shards: walk a local copy
        with sess.settings({"client_min_messages": "warning"}):  # no NOTICE for the user
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
    limit = sess.one("SELECT pg_catalog.count(*) AS n FROM " + t)["n"]  # a path has fewer hops than rows
    query = (
        "CREATE TABLE " + out.sql(sess) + " AS WITH RECURSIVE w AS ("
        f"SELECT {gsel}s.{vcol} AS v, ARRAY[s.{vcol}] AS path, 0 AS hops FROM {t} s "
        f"WHERE s.{vcol} = $2::text::{idt} AND s.parent IS NOT NULL{src_filter} "
        f"UNION ALL SELECT {gw}{step}, {step} || w.path, w.hops + 1 FROM w JOIN {t} s ON s.{vcol} = w.v{same}"
        f"{src_filter} WHERE w.v <> $1::text::{idt} AND s.parent IS NOT NULL AND w.hops < $3) "
        f"SELECT {''.join(f'w.{c}, ' for c in g)}w.path FROM w WHERE w.v = $1::text::{idt}"
        + (" ORDER BY " + ", ".join("w." + c for c in g) if g else "")
    )
    rows = sess.execute(query, [source, dest, int(limit)], ["text", "text", "int8"]).nrows()
    if local_copy:
        sess.execute("DROP TABLE pg_temp._indb_ml_walk")
    return rows


# ---- usage ----------------------------------------------------------------------------------

_COMMON = """
vertex_table   table of vertices; vertex_id (default 'id') names its id column (integer or text ids;
               MADlib's multi-column ids '[a, b]' with 'src=[s1, s2], dest=[d1, d2]' as bigint[])
edge_table     table of edges; edge_args 'src=col, dest=col, weight=col' (defaults src, dest, weight)
grouping_cols  optional edge-table columns: one graph per distinct value
As MADlib 2.1: only reached vertices have rows ({vertices}); edges with a NULL end, weight or
grouping value are skipped; with grouping, a group with a negative cycle is left out (WARNING).
Duplicate edges: the lightest counts; self-loops never shorten a path (a negative one is a
negative cycle). SET indb_ml.graph_plan = auto | memory | relational chooses the physical plan."""

USAGE = {
    "graph_sssp": """indb_ml.graph_sssp(vertex_table, vertex_id, edge_table, edge_args, source_vertex, out_table
                   [, grouping_cols])
Shortest paths from source_vertex (Bellman-Ford; Dijkstra when no weight is negative; an error
on a negative cycle). out_table: grouping columns, <vertex_id>, <weight column>, parent;
out_table_summary records the arguments.
indb_ml.graph_sssp_get_path(sssp_table, dest_vertex, path_table): path_table (grouping columns,
path = ARRAY[source, ..., dest_vertex]) for each group where dest_vertex is reached.""" + _COMMON.format(
        vertices="without grouping those of the vertex table, with grouping the ends of the group's edges"),
    "graph_bfs": """indb_ml.graph_bfs(vertex_table, vertex_id, edge_table, edge_args, source_vertex, out_table
                  [, max_distance [, directed [, grouping_cols]]])
Breadth-first search (undirected unless directed = true; max_distance NULL = no limit).
out_table: grouping columns, <vertex_id>, dist (hops), parent (the smallest id among the
vertices of the previous level with an edge to it; the source is its own parent).""" + _COMMON.format(
        vertices="the edges' ends; nothing when the source is on no edge"),
    "graph_apsp": """indb_ml.graph_apsp(vertex_table, vertex_id, edge_table, edge_args, out_table [, grouping_cols])
All-pairs shortest paths (in memory when the n^2 pairs fit indb_ml.matrix_memory_mb, else
relational: Bellman-Ford from every source at once as SQL joins into the output table).
out_table: grouping columns, <src>, <dest>, <weight>, parent (the vertex before dest on the
path; dest itself when the path is one edge, MADlib's rule), a row per pair with a path.
indb_ml.graph_apsp_get_path(apsp_table, source_vertex, dest_vertex, path_table).
graph_closeness, graph_diameter and graph_avg_path_length read out_table.""" + _COMMON.format(
        vertices="pairs of the edges' ends; a vertex's own row only for the vertex table's"),
}


def usage(name: str) -> str:
    return USAGE[name]
