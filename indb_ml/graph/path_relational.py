"""The relational plan of graph_sssp and graph_bfs: one join + GROUP BY per iteration in PostgreSQL.

For graphs above the memory budget nothing is loaded into Python. The edges are copied once
into a temporary table (duplicates collapsed to the lightest, self-loops dropped, a group
key column ``g`` = the grouping values as jsonb text, or ``''``); the answer lives in one
temporary table ``(g, v, d, parent, it)`` with a row per vertex and group, which every
iteration *updates in place* (no new table per iteration):

- Bellman-Ford, frontier style: only vertices whose distance changed in the previous
  iteration (``it = k - 1``) relax their out-edges; per target the best candidate is kept
  (``DISTINCT ON`` = a GROUP BY that keeps the arg-min) and written if it improves. It stops
  when nothing changes; a change in iteration n (the vertex count) means a negative cycle.
- BFS: level k is every not-yet-reached vertex with an edge from level k - 1; its parent is
  the smallest such vertex id (``min() GROUP BY``), the rule the in-memory kernel also uses, so
  both plans build the same tree (text ids compare bytewise, ``COLLATE "C"``, like the loader).

- APSP: the same frontier Bellman-Ford from every source at once, on one pair table
  ``(g, s, d, dist, parent, it)`` with all n^2 pairs of every group (the output's rows; unreached
  ones keep Infinity / NULL). An iteration relaxes the out-edges of the pairs that changed in the
  previous one and keeps the best candidate per pair (``DISTINCT ON``), in one
  ``WITH ... UPDATE``. A change in iteration n means a negative cycle (every vertex is a source,
  so any negative cycle is found). The output is a table, so no n^2 memory limit applies.

The same validation as the in-memory loader runs as aggregate queries first (NULL ids,
duplicate vertex ids, edges to missing vertices, non-finite weights), with the same messages.
"""

from __future__ import annotations

from indb_ml.core.relations import Relation
from indb_ml.core.session import Session
from indb_ml.errors import InputError
from indb_ml.graph import shards
from indb_ml.graph.edges import GraphSpec

EDGES = "pg_temp._indb_ml_path_edges"
STATE = "pg_temp._indb_ml_path_state"


def _gkey(sess: Session, spec: GraphSpec) -> str:
    if not spec.group_cols:
        return "''::text"
    pairs = ", ".join(sess.literal(c) + ", e." + sess.ident(c) for c in spec.group_cols)
    return "pg_catalog.jsonb_build_object(" + pairs + ")::text"


def validate(sess: Session, spec: GraphSpec, source, what: str) -> None:
    """The loader's checks, as aggregates over the tables (no rows reach Python)."""
    v = sess.ident(spec.vertex_id)
    vt = spec.vertex.schema + "." + spec.vertex.name
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
    s, d = "e." + sess.ident(spec.src), "e." + sess.ident(spec.dest)
    null_test = s + " IS NULL OR " + d + " IS NULL"
    bad_w = "false"
    if spec.weight:
        w = "e." + sess.ident(spec.weight)
        null_test += " OR " + w + " IS NULL"
        bad_w = w + "::float8 IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)"
    row = sess.one(
        "SELECT pg_catalog.count(*) FILTER (WHERE " + null_test + ") AS nulls, pg_catalog.count(*) FILTER (WHERE "
        + bad_w + ") AS bad_w, pg_catalog.count(*) FILTER (WHERE NOT (" + null_test + ") AND (vs.x IS NULL OR "
        "vd.x IS NULL)) AS missing, pg_catalog.min(CASE WHEN vs.x IS NULL THEN " + s + "::text ELSE " + d
        + "::text END) FILTER (WHERE NOT (" + null_test + ") AND (vs.x IS NULL OR vd.x IS NULL)) AS example FROM "
        + spec.edge.sql(sess) + " e LEFT JOIN (SELECT DISTINCT " + sess.ident(spec.vertex_id) + " AS x FROM "
        + spec.vertex.sql(sess) + ") vs ON vs.x = " + s + " LEFT JOIN (SELECT DISTINCT " + sess.ident(spec.vertex_id)
        + " AS x FROM " + spec.vertex.sql(sess) + ") vd ON vd.x = " + d)
    if row["nulls"]:
        raise InputError(f"edge table {spec.label()} has {row['nulls']} edges with a NULL "
                         + ("src, dest or weight" if spec.weight else "src or dest"),
                         hint="delete them or filter them out in a view", sqlstate="23502")
    if row["bad_w"]:
        raise InputError(f"edge table {spec.label()} has a weight that is NaN or infinite")
    if row["missing"]:
        raise InputError(f"edge table {spec.label()} has {row['missing']} edge ends that are not in vertex table "
                         f"{vt} (e.g. vertex {row['example']})", hint="add the missing vertices or delete those edges",
                         sqlstate="23503")


def _setup(sess: Session, spec: GraphSpec, source, weighted: bool, undirected: bool) -> int:
    """Temporary edge and state tables; returns the number of vertices."""
    sess.execute("DROP TABLE IF EXISTS " + EDGES + ", " + STATE)
    s, d = "e." + sess.ident(spec.src), "e." + sess.ident(spec.dest)
    w = ("e." + sess.ident(spec.weight) + "::float8") if weighted else "1::float8"
    idt = spec.id_type
    base = ("SELECT " + _gkey(sess, spec) + " AS g, {a}::" + idt + " AS s, {b}::" + idt + " AS d, " + w + " AS w FROM "
            + spec.edge.sql(sess) + " e")
    union = base.format(a=s, b=d) + (" UNION ALL " + base.format(a=d, b=s) if undirected else "")
    sess.execute("CREATE TEMP TABLE " + EDGES + " AS SELECT g, s, d, pg_catalog.min(w) AS w FROM (" + union
                 + ") x WHERE s <> d GROUP BY g, s, d")
    if weighted:
        neg = sess.one("SELECT pg_catalog.bool_or(" + w + " < 0 AND " + s + " = " + d + ") AS neg FROM "
                       + spec.edge.sql(sess) + " e")["neg"]
        if neg:
            raise _negative_cycle(spec)
    sess.execute("CREATE INDEX ON " + EDGES + " (g, s)")
    v = "v." + sess.ident(spec.vertex_id)
    groups = ("SELECT DISTINCT g FROM " + EDGES) if spec.group_cols else "SELECT ''::text AS g"
    is_src = v + " = $1::text::" + idt
    sess.execute("CREATE TEMP TABLE " + STATE + " AS SELECT k.g, " + v + "::" + idt + " AS v, CASE WHEN " + is_src
                 + " THEN 0::float8 ELSE 'Infinity'::float8 END AS d, CASE WHEN " + is_src + " THEN " + v + " END::"
                 + idt + " AS parent, CASE WHEN " + is_src + " THEN 0 ELSE -1 END AS it FROM (" + groups
                 + ") k CROSS JOIN " + spec.vertex.sql(sess) + " v", [str(source)], ["text"])
    sess.execute("CREATE INDEX ON " + STATE + " (g, v)")
    sess.execute("ANALYZE " + EDGES)
    sess.execute("ANALYZE " + STATE)
    return int(sess.one("SELECT pg_catalog.count(*) AS n FROM " + spec.vertex.sql(sess))["n"])


def _negative_cycle(spec: GraphSpec) -> InputError:
    from indb_ml.graph.paths import negative_cycle
    return negative_cycle(spec, None, "graph_sssp")


def sssp(sess: Session, spec: GraphSpec, source, out: Relation, what: str) -> None:
    if shards.edges_distributed(sess, spec):  # Citus: the joins on the shards
        return shards.sssp(sess, spec, source, out, what)
    validate(sess, spec, source, what)
    n = _setup(sess, spec, source, weighted=True, undirected=False)
    relax = ("UPDATE " + STATE + " t SET d = c.nd, parent = c.p, it = $1 FROM (SELECT DISTINCT ON (e.g, e.d) e.g, "
             "e.d AS v, x.d + e.w AS nd, e.s AS p FROM " + STATE + " x JOIN " + EDGES + " e ON e.g = x.g AND e.s = x.v "
             "WHERE x.it = $1 - 1 ORDER BY e.g, e.d, x.d + e.w, e.s) c WHERE t.g = c.g AND t.v = c.v AND c.nd < t.d")
    k = 1
    while sess.execute(relax, [k], ["int4"]).nrows() > 0:
        if k >= n:  # a shortest path has at most n - 1 edges; still improving means a negative cycle
            raise _negative_cycle(spec)
        k += 1
    sess.debug(f"{what}: relational Bellman-Ford, {k} iterations")
    _write(sess, spec, out, [("x.d", spec.weight, "float8"), ("x.parent", "parent", spec.id_type)])
    sess.execute("DROP TABLE " + EDGES + ", " + STATE)


def bfs(sess: Session, spec: GraphSpec, source, out: Relation, max_distance, directed: bool, what: str) -> None:
    if shards.edges_distributed(sess, spec):  # Citus: the joins on the shards
        return shards.bfs(sess, spec, source, out, max_distance, directed, what)
    validate(sess, spec, source, what)
    _setup(sess, spec, source, weighted=False, undirected=not directed)
    collate = ' COLLATE "C"' if spec.id_kind == "text" else ""
    level = ("UPDATE " + STATE + " t SET d = $1, parent = c.p, it = $1 FROM (SELECT e.g, e.d AS v, pg_catalog.min(e.s"
             + collate + ") AS p FROM " + STATE + " x JOIN " + EDGES + " e ON e.g = x.g AND e.s = x.v "
             "WHERE x.it = $1 - 1 GROUP BY e.g, e.d) c WHERE t.g = c.g AND t.v = c.v AND t.it < 0")
    k = 1
    while (max_distance is None or k <= max_distance) and sess.execute(level, [k], ["int4"]).nrows() > 0:
        k += 1
    sess.debug(f"{what}: relational BFS, {k - 1} levels")
    _write(sess, spec, out, [("CASE WHEN x.d = 'Infinity' THEN NULL ELSE x.d END", "dist", "integer"),
                             ("x.parent", "parent", spec.id_type)])
    sess.execute("DROP TABLE " + EDGES + ", " + STATE)


def _write(sess: Session, spec: GraphSpec, out: Relation, cols: list[tuple[str, str, str]]) -> None:
    """``out`` from the state table: grouping values typed as the edge table's, then the vertex id."""
    sel = ["r." + sess.ident(c) for c in spec.group_cols]
    sel.append("x.v AS " + sess.ident(spec.vertex_id))
    sel += [expr + "::" + typ + " AS " + sess.ident(name) for expr, name, typ in cols]
    src = STATE + " x"
    if spec.group_cols:
        src += " CROSS JOIN LATERAL pg_catalog.jsonb_populate_record(NULL::" + spec.edge.sql(sess) + ", x.g::jsonb) r"
    sess.execute("CREATE TABLE " + out.sql(sess) + " AS SELECT " + ", ".join(sel) + " FROM " + src
                 + " ORDER BY x.g, x.v")


def apsp(sess: Session, spec: GraphSpec, out: Relation, what: str) -> None:
    """Fill the (already created, empty) pair table ``out`` relationally; MADlib's parent rule
    (``dest`` for a one-edge path, ``src`` on the diagonal) is applied while writing it."""
    from indb_ml.graph.paths import negative_cycle
    from indb_ml.graph.relational import prepare

    # The pair table's statistics are those of the start (every ``it`` 0 or -1), so the planner
    # takes each frontier for one row and nests loops over the edges: 60 s an iteration for
    # 600 vertices. Hash joins (the frontier against the edges, the candidates against the pair
    # table, each scanned once) cost about one scan of the pair table per iteration.
    with sess.settings({"jit": "off", "enable_nestloop": "off"}):
        g = prepare(sess, spec)  # the loader's checks and messages; edges (gkey, s, t, w), vertices (gkey, id)
        pe, st = g.temp("pe"), g.temp("pairs")
        neg = sess.one("SELECT pg_catalog.min(gkey) AS g FROM " + g.e + " WHERE s = t AND w < 0")
        if neg and neg["g"] is not None:
            raise negative_cycle(spec, neg["g"] or None, what)
        sess.execute("CREATE TEMPORARY TABLE " + pe + " AS SELECT gkey AS g, s, t AS d, pg_catalog.min(w) AS w FROM "
                     + g.e + " WHERE s <> t GROUP BY 1, 2, 3")
        sess.execute("CREATE INDEX ON " + pe + " (g, s)")
        sess.execute("ANALYZE " + pe)
        sess.execute("CREATE TEMPORARY TABLE " + st + " AS SELECT a.gkey AS g, a.id AS s, b.id AS d, CASE WHEN "
                     "a.id = b.id THEN 0::float8 ELSE 'Infinity'::float8 END AS dist, CASE WHEN a.id = b.id THEN "
                     "a.id END AS parent, CASE WHEN a.id = b.id THEN 0 ELSE -1 END AS it FROM " + g.v + " a JOIN " + g.v
                     + " b ON b.gkey = a.gkey")
        sess.execute("CREATE INDEX ON " + st + " (g, s, d)")
        sess.execute("ANALYZE " + st)
        n = sess.one("SELECT pg_catalog.count(*) AS n FROM " + spec.vertex.sql(sess))["n"]
        relax = ("WITH c AS (SELECT DISTINCT ON (x.g, x.s, e.d) x.g, x.s, e.d, x.dist + e.w AS nd, e.s AS p FROM "
                 + st + " x JOIN " + pe + " e ON e.g = x.g AND e.s = x.d WHERE x.it = $1 - 1 ORDER BY x.g, x.s, e.d, "
                 "x.dist + e.w, e.s), u AS (UPDATE " + st + " t SET dist = c.nd, parent = c.p, it = $1 FROM c WHERE "
                 "t.g = c.g AND t.s = c.s AND t.d = c.d AND c.nd < t.dist RETURNING t.g) "
                 "SELECT pg_catalog.count(*) AS n, pg_catalog.min(g) AS g FROM u")
        k = 1
        while True:
            row = sess.one(relax, [k], ["int4"])
            if not row["n"]:
                break
            if k >= n:  # a shortest path has at most n - 1 edges; still improving means a negative cycle
                raise negative_cycle(spec, row["g"] or None, what)
            k += 1
        sess.debug(f"{what}: relational Bellman-Ford from every source, {k} iterations")
        sel = ["r." + sess.ident(c) for c in spec.group_cols]
        sel += ["x.s", "x.d", "x.dist", "CASE WHEN x.parent = x.s AND x.s <> x.d THEN x.d ELSE x.parent END"]
        src = st + " x"
        if spec.group_cols:
            src += (" CROSS JOIN LATERAL pg_catalog.jsonb_populate_record(NULL::" + spec.edge.sql(sess)
                    + ", x.g::jsonb) r")
        sess.execute("INSERT INTO " + out.sql(sess) + " SELECT " + ", ".join(sel) + " FROM " + src
                     + " ORDER BY x.g, x.s" + g.coll + ", x.d" + g.coll)
        g.close(pe, st)
