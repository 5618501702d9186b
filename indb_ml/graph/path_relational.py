"""The relational plan of graph_sssp and graph_bfs: one join + GROUP BY per iteration in PostgreSQL.

For graphs above the memory budget nothing is loaded into Python. The edges are copied once
into a temporary table (duplicates collapsed to the lightest, self-loops dropped, a group
key column ``g`` = the grouping values as jsonb text, or ``''``); the answer lives in one
temporary table ``(g, v, d, parent, it)`` with a row per vertex and group, which every
iteration *updates in place* (no new table per iteration):

- Bellman-Ford, frontier style: only vertices whose distance changed in the previous
  iteration (``it = k - 1``) relax their out-edges; per target the best candidate is kept
  (``DISTINCT ON`` = a GROUP BY that keeps the arg-min) and written if it improves. It stops
  when nothing changes; a change in iteration n (the vertex count) means a negative cycle
  (an error without grouping; with grouping those groups are left out with a WARNING).
- BFS: level k is every not-yet-reached vertex with an edge from level k - 1; its parent is
  the smallest such vertex id (``min() GROUP BY``), the rule the in-memory kernel also uses, so
  both plans build the same tree (text ids compare bytewise, ``COLLATE "C"``, like the loader).

- APSP: the same frontier Bellman-Ford from every source at once, on one pair table
  ``(g, s, d, dist, parent, it)`` with all pairs of each group's vertices. An iteration relaxes
  the out-edges of the pairs that changed in the previous one and keeps the best candidate per
  pair (``DISTINCT ON``), in one ``WITH ... UPDATE``. A change in iteration n means a negative
  cycle (every vertex is a source, so any negative cycle is found). The output is a table, so no
  n^2 memory limit applies.

The vertices, the rows written and the skipped edges are the in-memory plan's (MADlib's rules,
:mod:`indb_ml.graph.paths`): the state holds the vertices a group can reach (the vertex table's
without grouping for SSSP, else the ends of the group's edges), only reached rows are written.
The same validation as the in-memory loader runs as aggregate queries first (NULL and
duplicate vertex ids, the source, non-finite weights), with the same messages.
"""

from __future__ import annotations

from indb_ml.core import progress
from indb_ml.core.relations import Relation
from indb_ml.core.session import Session
from indb_ml.errors import InputError
from indb_ml.graph import shards
from indb_ml.graph.edges import GraphSpec, edge_filter

EDGES = "pg_temp._indb_ml_path_edges"
STATE = "pg_temp._indb_ml_path_state"
ENDS = "pg_temp._indb_ml_path_ends"  # the usable edges as read (ends and weights), before dropping self-loops
PAIR_EDGES = "pg_temp._indb_ml_apsp_edges"
PAIRS = "pg_temp._indb_ml_apsp_pairs"
VERTICES = "pg_temp._indb_ml_apsp_vertices"


def _gkey(sess: Session, spec: GraphSpec) -> str:
    if not spec.group_cols:
        return "''::text"
    pairs = ", ".join(sess.literal(c) + ", e." + sess.ident(c) for c in spec.group_cols)
    return "pg_catalog.jsonb_build_object(" + pairs + ")::text"


def validate(sess: Session, spec: GraphSpec, source, what: str) -> None:
    """The loader's checks, as aggregates over the tables (no rows reach Python)."""
    v = sess.ident(spec.vertex_id)
    vt = spec.vertex_label()
    try:
        row = sess.one("SELECT pg_catalog.count(*) FILTER (WHERE " + v + " IS NULL) AS nulls, pg_catalog.count(" + v
                       + ") - pg_catalog.count(DISTINCT " + v + ") AS dups, pg_catalog.bool_or(" + v
                       + " = $1::text::" + spec.id_type + ") AS has_source FROM " + spec.vertex.sql(sess),
                       [str(source)], ["text"])
    except sess.spi_error:  # the source is not even of the id type, e.g. 'abc' for integer ids
        row = {"nulls": 0, "dups": 0, "has_source": False}
    if row["nulls"]:
        raise InputError(f"vertex table {vt} has {row['nulls']} NULL ids in column {spec.vertex_id}",
                         hint="delete them or filter them out in a view", sqlstate="23502")
    if row["dups"]:
        raise InputError(f"vertex table {vt} has duplicate ids in column {spec.vertex_id} ({row['dups']} duplicates)",
                         hint="vertex ids must be unique", sqlstate="23505")
    if not row["has_source"]:
        raise InputError(f"{what}: source_vertex {source!r} is not a vertex of {vt}",
                         hint="pass an id from the vertex table's " + spec.vertex_id + " column")
    if spec.weight:
        w = "e." + sess.ident(spec.weight)
        bad = sess.one("SELECT pg_catalog.count(*) AS n FROM " + spec.edge.sql(sess) + " e WHERE "
                       + edge_filter(sess, spec) + " AND " + w + "::float8 IN ('NaN'::float8, 'Infinity'::float8, "
                       "'-Infinity'::float8)")
        if bad["n"]:
            raise InputError(f"edge table {spec.label()} has a weight that is NaN or infinite")


def _setup(sess: Session, spec: GraphSpec, source, weighted: bool, undirected: bool) -> tuple[int, list]:
    """Temporary edge and state tables; returns (the number of vertices, the groups with a negative
    self-loop, already left out). The state: the vertex table's vertices (SSSP without grouping,
    where edges to other vertices are not followed) or each group's edge ends; the source starts
    at 0 where MADlib starts it (BFS: an end of an edge of the group, with ``directed`` a source)."""
    sess.execute("DROP TABLE IF EXISTS " + EDGES + ", " + STATE + ", " + ENDS)
    s, d = "e." + sess.ident(spec.src), "e." + sess.ident(spec.dest)
    w = ("e." + sess.ident(spec.weight) + "::float8") if weighted else "1::float8"
    idt = spec.id_type
    vid = sess.ident(spec.vertex_id)
    keep = edge_filter(sess, spec, weighted=weighted)
    table_only = weighted and not spec.group_cols  # SSSP without grouping: the vertex table's vertices
    if table_only:
        keep += (" AND " + s + " IN (SELECT v." + vid + " FROM " + spec.vertex.sql(sess) + " v) AND " + d
                 + " IN (SELECT v." + vid + " FROM " + spec.vertex.sql(sess) + " v)")
    sess.execute("CREATE TEMP TABLE " + ENDS + " AS SELECT " + _gkey(sess, spec) + " AS g, " + s + "::" + idt
                 + " AS s, " + d + "::" + idt + " AS d, " + w + " AS w FROM " + spec.edge.sql(sess) + " e WHERE "
                 + keep)
    negative = []
    if weighted:
        negative = [r["g"] for r in sess.execute("SELECT DISTINCT g FROM " + ENDS + " WHERE w < 0 AND s = d")]
        if negative and not spec.group_cols:
            raise _negative_cycle(spec)
    base = "SELECT g, {a} AS s, {b} AS d, w FROM " + ENDS + " WHERE s <> d AND NOT (g = ANY($1::text[]))"
    union = base.format(a="s", b="d") + (" UNION ALL " + base.format(a="d", b="s") if undirected else "")
    sess.execute("CREATE TEMP TABLE " + EDGES + " AS SELECT g, s, d, pg_catalog.min(w) AS w FROM (" + union
                 + ") x GROUP BY g, s, d", [negative], ["text[]"])
    sess.execute("CREATE INDEX ON " + EDGES + " (g, s)")
    src = "$1::text::" + idt
    if table_only:
        vertices = "SELECT ''::text AS g, v." + vid + "::" + idt + " AS v FROM " + spec.vertex.sql(sess) + " v"
        start = "x.v = " + src
    else:
        vertices = ("SELECT g, s AS v FROM " + ENDS + " WHERE NOT (g = ANY($2::text[])) UNION SELECT g, d FROM "
                    + ENDS + " WHERE NOT (g = ANY($2::text[]))")
        if weighted:  # SSSP: the source is a vertex of the group when it is an end of one of its edges
            start = "x.v = " + src
        else:  # BFS starts where the source is an end of an edge of the group (directed: a source of one)
            ends = ("(o.s = " + src + " OR o.d = " + src + ")") if undirected else "o.s = " + src
            start = "x.v = " + src + " AND EXISTS (SELECT 1 FROM " + ENDS + " o WHERE o.g = x.g AND " + ends + ")"
    sess.execute("CREATE TEMP TABLE " + STATE + " AS SELECT x.g, x.v, CASE WHEN " + start + " THEN 0::float8 ELSE "
                 "'Infinity'::float8 END AS d, CASE WHEN " + start + " THEN x.v END AS parent, CASE WHEN " + start
                 + " THEN 0 ELSE -1 END AS it FROM (" + vertices + ") x", [str(source), negative], ["text", "text[]"])
    sess.execute("CREATE INDEX ON " + STATE + " (g, v)")
    sess.execute("ANALYZE " + EDGES)
    sess.execute("ANALYZE " + STATE)
    n = int(sess.one("SELECT pg_catalog.count(*) AS n FROM " + STATE)["n"])
    return n, negative


def _negative_cycle(spec: GraphSpec) -> InputError:
    from indb_ml.graph.paths import negative_cycle
    return negative_cycle(spec, None, "graph_sssp")


def _leave_out(sess: Session, spec: GraphSpec, negative: list, what: str) -> bool:
    """Warn about the groups with a negative cycle and drop their rows; False when nothing is left."""
    from indb_ml.graph.paths import negative_groups
    if not negative:
        return True
    negative_groups(sess, spec, negative, what)
    sess.execute("DELETE FROM " + STATE + " WHERE g = ANY($1::text[])", [negative], ["text[]"])
    return bool(sess.one("SELECT EXISTS (SELECT 1 FROM " + STATE + " WHERE it >= 0) AS e")["e"])


def sssp(sess: Session, spec: GraphSpec, source, out: Relation, what: str) -> bool:
    """Returns False (and writes nothing) when every group has a negative cycle (MADlib's rule)."""
    if shards.edges_distributed(sess, spec):  # Citus: the joins on the shards
        return shards.sssp(sess, spec, source, out, what)
    validate(sess, spec, source, what)
    n, negative = _setup(sess, spec, source, weighted=True, undirected=False)
    relax = ("UPDATE " + STATE + " t SET d = c.nd, parent = c.p, it = $1 FROM (SELECT DISTINCT ON (e.g, e.d) e.g, "
             "e.d AS v, x.d + e.w AS nd, e.s AS p FROM " + STATE + " x JOIN " + EDGES + " e ON e.g = x.g AND e.s = x.v "
             "WHERE x.it = $1 - 1 ORDER BY e.g, e.d, x.d + e.w, e.s) c WHERE t.g = c.g AND t.v = c.v AND c.nd < t.d "
             "RETURNING t.g")
    k = 1
    while True:
        progress.step(sess, k)
        changed = {r["g"] for r in sess.execute(relax, [k], ["int4"])}
        if not changed:
            break
        if k >= n:  # a shortest path has at most n - 1 edges; still improving means a negative cycle
            if not spec.group_cols:
                raise _negative_cycle(spec)
            negative += sorted(changed)
            break
        k += 1
    sess.debug(f"{what}: relational Bellman-Ford, {k} iterations")
    written = _leave_out(sess, spec, negative, what)
    if written:
        _write(sess, spec, out, [("x.d", spec.weight, spec.weight_type), ("x.parent", "parent", spec.id_type)])
    sess.execute("DROP TABLE " + EDGES + ", " + STATE + ", " + ENDS)
    return written


def bfs(sess: Session, spec: GraphSpec, source, out: Relation, max_distance, directed: bool, what: str) -> None:
    if shards.edges_distributed(sess, spec):  # Citus: the joins on the shards
        return shards.bfs(sess, spec, source, out, max_distance, directed, what)
    validate(sess, spec, source, what)
    _setup(sess, spec, source, weighted=False, undirected=not directed)
    collate = ' COLLATE "C"' if spec.id_kind == "text" and not spec.multi else ""
    level = ("UPDATE " + STATE + " t SET d = $1, parent = c.p, it = $1 FROM (SELECT e.g, e.d AS v, pg_catalog.min(e.s"
             + collate + ") AS p FROM " + STATE + " x JOIN " + EDGES + " e ON e.g = x.g AND e.s = x.v "
             "WHERE x.it = $1 - 1 GROUP BY e.g, e.d) c WHERE t.g = c.g AND t.v = c.v AND t.it < 0")
    k = 1
    while (max_distance is None or k <= max_distance) and sess.execute(level, [k], ["int4"]).nrows() > 0:
        progress.step(sess, k)
        k += 1
    sess.debug(f"{what}: relational BFS, {k - 1} levels")
    _write(sess, spec, out, [("x.d", "dist", "integer"), ("x.parent", "parent", spec.id_type)])
    sess.execute("DROP TABLE " + EDGES + ", " + STATE + ", " + ENDS)


def _write(sess: Session, spec: GraphSpec, out: Relation, cols: list[tuple[str, str, str]]) -> None:
    """``out`` from the reached rows of the state table: grouping values typed as the edge table's,
    then the vertex id."""
    sel = ["r." + sess.ident(c) for c in spec.group_cols]
    sel.append("x.v AS " + sess.ident(spec.vertex_id))
    sel += [expr + "::" + typ + " AS " + sess.ident(name) for expr, name, typ in cols]
    src = STATE + " x"
    if spec.group_cols:
        src += " CROSS JOIN LATERAL pg_catalog.jsonb_populate_record(NULL::" + spec.edge.sql(sess) + ", x.g::jsonb) r"
    sess.execute("CREATE TABLE " + out.sql(sess) + " AS SELECT " + ", ".join(sel) + " FROM " + src
                 + " WHERE x.it >= 0 ORDER BY x.g, x.v")


def apsp(sess: Session, spec: GraphSpec, out: Relation, what: str) -> bool:
    """Fill the (already created, empty) pair table ``out`` relationally with the reached pairs;
    MADlib's parent rule (``dest`` for a one-edge path, ``src`` on the diagonal) is applied while
    writing it. Returns False (nothing written) when every group has a negative cycle."""
    from indb_ml.graph.paths import _check_two_vertices, negative_cycle, negative_groups

    # The pair table's statistics are those of the start (every ``it`` 0 or -1), so the planner
    # takes each frontier for one row and nests loops over the edges: 60 s an iteration for
    # 600 vertices. Hash joins (the frontier against the edges, the candidates against the pair
    # table, each scanned once) cost about one scan of the pair table per iteration.
    with sess.settings({"jit": "off", "enable_nestloop": "off"}):
        validate_vertices(sess, spec)
        idt = spec.id_type
        s, d = "e." + sess.ident(spec.src), "e." + sess.ident(spec.dest)
        sess.execute("DROP TABLE IF EXISTS " + ENDS + ", " + PAIR_EDGES + ", " + PAIRS + ", " + VERTICES)
        sess.execute("CREATE TEMP TABLE " + ENDS + " AS SELECT " + _gkey(sess, spec) + " AS g, " + s + "::" + idt
                     + " AS s, " + d + "::" + idt + " AS d, e." + sess.ident(spec.weight) + "::float8 AS w FROM "
                     + spec.edge.sql(sess) + " e WHERE " + edge_filter(sess, spec))
        if sess.one("SELECT pg_catalog.count(*) AS n FROM " + ENDS + " WHERE w IN ('NaN'::float8, "
                    "'Infinity'::float8, '-Infinity'::float8)")["n"]:
            raise InputError(f"edge table {spec.label()} has a weight that is NaN or infinite")
        vid = sess.ident(spec.vertex_id)
        # uncorrelated (a Citus distributed vertex table is read once, on the shards)
        sess.execute("CREATE TEMP TABLE " + VERTICES + " AS SELECT q.g, q.v, t.v IS NOT NULL AS known FROM (SELECT g, "
                     "s AS v FROM " + ENDS + " UNION SELECT g, d FROM " + ENDS + ") q LEFT JOIN (SELECT DISTINCT t."
                     + vid + "::" + idt + " AS v FROM " + spec.vertex.sql(sess) + " t) t ON t.v = q.v")
        most = sess.one("SELECT pg_catalog.max(c) AS m FROM (SELECT pg_catalog.count(*) AS c FROM " + VERTICES
                        + " GROUP BY g) q")["m"]
        _check_two_vertices(spec, int(most or 0), what)
        negative = [r["g"] for r in sess.execute("SELECT DISTINCT g FROM " + ENDS + " WHERE s = d AND w < 0")]
        if negative and not spec.group_cols:
            raise negative_cycle(spec, None, what)
        sess.execute("CREATE TEMPORARY TABLE " + PAIR_EDGES + " AS SELECT g, s, d, pg_catalog.min(w) AS w FROM "
                     + ENDS + " WHERE s <> d AND NOT (g = ANY($1::text[])) GROUP BY 1, 2, 3", [negative], ["text[]"])
        sess.execute("CREATE INDEX ON " + PAIR_EDGES + " (g, s)")
        sess.execute("ANALYZE " + PAIR_EDGES)
        sess.execute("CREATE TEMPORARY TABLE " + PAIRS + " AS SELECT a.g, a.v AS s, b.v AS d, CASE WHEN a.v = b.v "
                     "AND a.known THEN 0::float8 ELSE 'Infinity'::float8 END AS dist, CASE WHEN a.v = b.v AND a.known "
                     "THEN a.v END AS parent, CASE WHEN a.v = b.v AND a.known THEN 0 ELSE -1 END AS it FROM " + VERTICES
                     + " a JOIN " + VERTICES + " b ON b.g = a.g WHERE NOT (a.g = ANY($1::text[]))", [negative],
                     ["text[]"])
        sess.execute("CREATE INDEX ON " + PAIRS + " (g, s, d)")
        sess.execute("ANALYZE " + PAIRS)
        n = int(most or 0)
        # Every vertex of a group is a source: start each pair's frontier from the direct edges too
        # (the diagonal of a vertex outside the vertex table is not a row, MADlib's rule, but its
        # out-edges still start paths).
        sess.execute("UPDATE " + PAIRS + " t SET dist = e.w, parent = e.s, it = 0 FROM " + PAIR_EDGES + " e WHERE "
                     "t.g = e.g AND t.s = e.s AND t.d = e.d AND e.w < t.dist")
        relax = ("WITH c AS (SELECT DISTINCT ON (x.g, x.s, e.d) x.g, x.s, e.d, x.dist + e.w AS nd, e.s AS p FROM "
                 + PAIRS + " x JOIN " + PAIR_EDGES + " e ON e.g = x.g AND e.s = x.d WHERE x.it = $1 - 1 ORDER BY x.g, "
                 "x.s, e.d, x.dist + e.w, e.s), u AS (UPDATE " + PAIRS + " t SET dist = c.nd, parent = c.p, it = $1 "
                 "FROM c WHERE t.g = c.g AND t.s = c.s AND t.d = c.d AND c.nd < t.dist RETURNING t.g) "
                 "SELECT DISTINCT g FROM u")
        k = 1
        while True:
            progress.step(sess, k)
            changed = [r["g"] for r in sess.execute(relax, [k], ["int4"])]
            if not changed:
                break
            if k >= n:  # a shortest path has at most n - 1 edges; still improving means a negative cycle
                if not spec.group_cols:
                    raise negative_cycle(spec, None, what)
                negative += sorted(changed)
                break
            k += 1
        sess.debug(f"{what}: relational Bellman-Ford from every source, {k} iterations")
        if negative:
            negative_groups(sess, spec, negative, what)
            sess.execute("DELETE FROM " + PAIRS + " WHERE g = ANY($1::text[])", [negative], ["text[]"])
        sel = ["r." + sess.ident(c) for c in spec.group_cols]
        sel += ["x.s", "x.d", "x.dist", "CASE WHEN x.parent = x.s AND x.s <> x.d THEN x.d ELSE x.parent END"]
        src = PAIRS + " x"
        if spec.group_cols:
            src += (" CROSS JOIN LATERAL pg_catalog.jsonb_populate_record(NULL::" + spec.edge.sql(sess)
                    + ", x.g::jsonb) r")
        coll = ' COLLATE "C"' if spec.id_kind == "text" and not spec.multi else ""
        written = sess.execute("INSERT INTO " + out.sql(sess) + " SELECT " + ", ".join(sel) + " FROM " + src
                               + " WHERE x.parent IS NOT NULL ORDER BY x.g, x.s" + coll + ", x.d" + coll).nrows()
        sess.execute("DROP TABLE " + ENDS + ", " + PAIR_EDGES + ", " + PAIRS + ", " + VERTICES)
        return bool(written) or not negative


def validate_vertices(sess: Session, spec: GraphSpec) -> None:
    """NULL and duplicate vertex ids (the loader's messages)."""
    v = sess.ident(spec.vertex_id)
    vt = spec.vertex_label()
    row = sess.one("SELECT pg_catalog.count(*) FILTER (WHERE " + v + " IS NULL) AS nulls, pg_catalog.count(" + v
                   + ") - pg_catalog.count(DISTINCT " + v + ") AS dups, pg_catalog.count(*) AS n FROM "
                   + spec.vertex.sql(sess))
    if row["nulls"]:
        raise InputError(f"vertex table {vt} has {row['nulls']} NULL ids in column {spec.vertex_id}",
                         hint="delete them or filter them out in a view", sqlstate="23502")
    if not row["n"]:
        raise InputError(f"vertex table {vt} has no vertices", sqlstate=InputError.NO_DATA)
    if row["dups"]:
        raise InputError(f"vertex table {vt} has duplicate ids in column {spec.vertex_id} ({row['dups']} duplicates)",
                         hint="vertex ids must be unique", sqlstate="23505")
