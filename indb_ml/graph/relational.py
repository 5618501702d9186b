"""The relational plan: graph algorithms as joins + ``GROUP BY`` inside PostgreSQL.

For graphs beyond ``indb_ml.matrix_memory_mb`` (or ``SET indb_ml.graph_plan = relational``).
The edges are copied once into a temporary table keyed by group (``gkey``: the grouping values
as jsonb text, ``''`` without grouping) with ids cast to int8 or text; the per-vertex state lives
in two temporary tables that take turns (``TRUNCATE`` + ``INSERT``), so an iteration is one
statement (a join and a ``GROUP BY``, which PostgreSQL can spill to disk and run in parallel) and
no new table is created per iteration. Each iteration statement also returns the per-group change
(``INSERT ... RETURNING`` folded by an aggregate), so convergence costs no extra scan.

The answers are those of the in-memory plan (same definitions, same stopping rules); the tests
force both plans and compare.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

from indb_ml.core import progress
from indb_ml.core.relations import Relation
from indb_ml.core.session import Session
from indb_ml.errors import InputError
from indb_ml.graph import shards
from indb_ml.graph.edges import GraphSpec, component_type, create_vertex_table, edge_filter, group_key_sql

_names = itertools.count(1)


@dataclass
class RelGraph:
    """Temporary tables of a validated graph: ``e`` (gkey, s, t, w) and ``v`` (gkey, id)."""

    sess: Session
    spec: GraphSpec
    e: str
    v: str
    cast: str  # '::int8' or '::text'
    coll: str  # ' COLLATE "C"' for text ids (the order the memory plan uses), else ''

    def temp(self, suffix: str) -> str:
        return self.e[:-2] + "_" + suffix

    def close(self, *tables: str) -> None:
        for t in (self.e, self.v) + tables:
            self.sess.execute("DROP TABLE IF EXISTS " + t)

    def group_cols_sql(self, alias: str = "r") -> list[str]:
        return [alias + "." + self.sess.ident(g) for g in self.spec.group_cols]

    def insert_output(self, out: Relation, select_sql: str, cols: list[str], params=(), types=()) -> None:
        """``INSERT INTO out`` the rows of ``select_sql`` (columns gkey, id, then ``cols``)."""
        sess = self.sess
        exprs = self.group_cols_sql() + ["x.id" + ("" if self.spec.id_kind == "int" else "::" + self.spec.id_type)]
        exprs += ["x." + c for c in cols]
        query = "INSERT INTO " + out.sql(sess) + " SELECT " + ", ".join(exprs) + " FROM (" + select_sql + ") x"
        if self.spec.group_cols:
            query += (" CROSS JOIN pg_catalog.jsonb_populate_record(NULL::" + self.spec.edge.sql(sess)
                      + ", x.gkey::jsonb) r")
        sess.execute(query, list(params), list(types))


def prepare(sess: Session, spec: GraphSpec) -> RelGraph:
    """Validate the graph (the in-memory plan's rules and messages) and copy it into temp tables."""
    n = next(_names)
    base = f"pg_temp.indb_ml_graph_{n}"
    cast = "::int8" if spec.id_kind == "int" else "::text"
    coll = ' COLLATE "C"' if spec.id_kind == "text" else ""
    g = RelGraph(sess, spec, base + "_e", base + "_v", cast, coll)
    vid = sess.ident(spec.vertex_id)
    vrel = spec.vertex.sql(sess)
    row = sess.one("SELECT pg_catalog.count(*) FILTER (WHERE " + vid + " IS NULL) AS nulls, pg_catalog.count(" + vid
                   + ") - pg_catalog.count(DISTINCT " + vid + cast + ") AS dups FROM " + vrel)
    if row["nulls"]:
        raise InputError(f"vertex table {spec.vertex_label()} has {row['nulls']} NULL ids "
                         f"in column {spec.vertex_id}", hint="delete them or filter them out in a view",
                         sqlstate="23502")
    if row["nulls"] is not None and not sess.one("SELECT EXISTS (SELECT 1 FROM " + vrel + ") AS e")["e"]:
        raise InputError(f"vertex table {spec.vertex_label()} has no vertices",
                         sqlstate=InputError.NO_DATA)
    if row["dups"]:
        ex = sess.one("SELECT " + vid + "::text AS x FROM " + vrel + " GROUP BY " + vid
                      + " HAVING pg_catalog.count(*) > 1 "
                      "LIMIT 1")["x"]
        raise InputError(f"vertex table {spec.vertex_label()} has duplicate ids in column "
                         f"{spec.vertex_id} (e.g. {ex!r}, {row['dups']} duplicates)",
                         hint="vertex ids must be unique", sqlstate="23505")
    if spec.group_cols:
        pairs = ", ".join(sess.literal(c) + ", e." + sess.ident(c) for c in spec.group_cols)
        gkey = "pg_catalog.jsonb_build_object(" + pairs + ")::text"
    else:
        gkey = "''::text"
    w = "e." + sess.ident(spec.weight) + "::float8" if spec.weight else "1::float8"
    # Edges with a NULL end, weight or group are skipped (MADlib's joins skip them).
    sess.execute("CREATE TEMPORARY TABLE " + _bare(g.e) + " AS SELECT " + gkey + " AS gkey, e." + sess.ident(spec.src)
                 + cast + " AS s, e." + sess.ident(spec.dest) + cast + " AS t, " + w + " AS w FROM "
                 + spec.edge.sql(sess) + " e WHERE " + edge_filter(sess, spec))
    bad = sess.one("SELECT pg_catalog.count(*) FILTER (WHERE w IN ('NaN', 'Infinity', '-Infinity')) AS nonfinite "
                   "FROM " + g.e)
    if bad["nonfinite"]:
        raise InputError(f"edge table {spec.label()} has a weight that is NaN or infinite")
    sess.execute("CREATE TEMPORARY TABLE " + _bare(g.v) + "_ids AS SELECT DISTINCT " + vid + cast + " AS id FROM "
                 + vrel)
    sess.execute("ANALYZE " + g.v + "_ids")  # temp tables have no statistics until analysed: the joins need them
    sess.execute("ANALYZE " + g.e)
    miss = sess.one("SELECT pg_catalog.count(*) AS n, pg_catalog.min(q.x" + coll + ") AS example FROM "
                    "(SELECT s AS x FROM "
                    + g.e + " UNION ALL SELECT t FROM " + g.e + ") q WHERE NOT EXISTS (SELECT 1 FROM " + g.v
                    + "_ids i WHERE i.id = q.x)")
    if miss["n"]:
        raise InputError(f"edge table {spec.label()} has {miss['n']} edge ends that are not in vertex table "
                         f"{spec.vertex_label()} (e.g. vertex {miss['example']})",
                         hint="add the missing vertices or delete those edges", sqlstate="23503")
    groups = "(SELECT DISTINCT gkey FROM " + g.e + ")" if spec.group_cols else "(SELECT ''::text AS gkey)"
    sess.execute("CREATE TEMPORARY TABLE " + _bare(g.v) + " AS SELECT g.gkey, i.id FROM " + groups + " g CROSS JOIN "
                 + g.v + "_ids i")
    sess.execute("DROP TABLE " + g.v + "_ids")
    sess.execute("ANALYZE " + g.v)
    return g


def _no_jit(func):
    """Run with ``jit = off``: compiling each iteration's statement (re-planned every time, since
    the state tables change) costs more than it saves on these short hash joins."""

    @functools.wraps(func)
    def wrapper(sess: Session, *args, **kwargs):
        with sess.settings({"jit": "off"}):
            return func(sess, *args, **kwargs)

    return wrapper


def _bare(name: str) -> str:
    return name.split(".", 1)[1]


@_no_jit
def vertex_degrees(sess: Session, spec: GraphSpec, out: Relation) -> None:
    """MADlib's degrees as two GROUP BYs over the usable edges that are not self-loops, joined on
    the vertex (the ends of those edges, in and outside the vertex table)."""
    from indb_ml.graph.path_relational import validate_vertices
    validate_vertices(sess, spec)
    gkey = "''::text" if not spec.group_cols else group_key_sql(sess, spec, "e")
    cast = "::int8" if spec.id_kind == "int" else "::text"
    s, t = "e." + sess.ident(spec.src) + cast, "e." + sess.ident(spec.dest) + cast
    edges = ("SELECT " + gkey + " AS gkey, " + s + " AS s, " + t + " AS t FROM " + spec.edge.sql(sess) + " e WHERE "
             + edge_filter(sess, spec, weighted=False) + " AND " + s + " <> " + t)
    create_vertex_table(sess, spec, out, (("indegree", "bigint"), ("outdegree", "bigint")))
    g = RelGraph(sess, spec, "", "", cast, "")
    g.insert_output(out, "WITH x AS MATERIALIZED (" + edges + ") SELECT gkey, id, COALESCE(i.n, 0) AS indegree, "
                    "COALESCE(o.n, 0) AS outdegree FROM (SELECT gkey, t AS id, pg_catalog.count(*) AS n FROM x "
                    "GROUP BY 1, 2) i FULL JOIN (SELECT gkey, s AS id, pg_catalog.count(*) AS n FROM x GROUP BY 1, 2) "
                    "o USING (gkey, id)", ["indegree", "outdegree"])


@_no_jit
def pagerank(sess: Session, spec: GraphSpec, out: Relation, damping: float, max_iter: int, threshold: float | None,
             personalization: list | None, leak: bool) -> dict:
    """Power iteration as joins; returns {group key: iterations} (keys as the memory plan's: None ungrouped).
    On a Citus distributed edge table the joins run on the shards (:mod:`indb_ml.graph.shards`)."""
    if shards.edges_distributed(sess, spec):
        if personalization and leak:
            raise InputError("pagerank: madlib21_compat with personalization_vertices does not run on a Citus "
                             "distributed edge table", hint="SET indb_ml.graph_plan = memory", sqlstate="0A000")
        return shards.pagerank(sess, spec, out, damping, max_iter, threshold, personalization, leak)
    g = prepare(sess, spec)
    pe, r0, r1 = g.temp("pe"), g.temp("r0"), g.temp("r1")
    # Transition weights: duplicates summed, each row of the matrix normalised by the out-weight.
    sess.execute("CREATE TEMPORARY TABLE " + _bare(pe) + " AS SELECT gkey, s, t, sum(w) / sum(sum(w)) OVER "
                 "(PARTITION BY gkey, s) AS p FROM " + g.e + " GROUP BY gkey, s, t")
    sess.execute("ANALYZE " + pe)
    n = sess.one("SELECT pg_catalog.count(*) AS n FROM " + g.v + " WHERE gkey = (SELECT pg_catalog.min(gkey) FROM "
                 + g.v + ")")["n"]
    if personalization and leak:
        return _madlib21_personalized(sess, spec, g, pe, out, damping, max_iter,
                                      threshold if threshold is not None else 1e-3 / max(n, 1), personalization, n)
    if personalization:
        tele = "CASE WHEN v.id = ANY($1" + g.cast + "[]) THEN 1.0 / $2 ELSE 0 END"
        tparams, ttypes = [personalization, len(personalization)], ["text[]", "float8"]
    else:
        tele = "1.0 / $2"
        tparams, ttypes = [None, n], ["text[]", "float8"]
    vertices, start = g.v, "1.0::float8 / " + str(int(n))
    if leak and spec.group_cols and not personalization:
        # MADlib 2.1 with grouping: a group's vertices are the ends of its edges, N their number
        vertices = ("(SELECT gkey, id, pg_catalog.count(*) OVER (PARTITION BY gkey) AS n FROM (SELECT gkey, s AS id "
                    "FROM " + pe + " UNION SELECT gkey, t FROM " + pe + ") u)")
        start = tele = "1.0::float8 / v.n"
    sess.execute("CREATE TEMPORARY TABLE " + _bare(r0) + " AS SELECT v.gkey, v.id, " + start
                 + " AS rank, 0::float8 AS prev, (" + tele + ")::float8 AS tele, o.s IS NULL AS dangling FROM "
                 + vertices + " v LEFT JOIN (SELECT DISTINCT gkey, s FROM " + pe + ") o ON o.gkey = v.gkey AND "
                 "o.s = v.id", tparams, ttypes)
    sess.execute("CREATE TEMPORARY TABLE " + _bare(r1) + " (LIKE " + r0 + ")")
    sess.execute("ANALYZE " + r0)
    groups = [r["gkey"] for r in sess.execute("SELECT DISTINCT gkey FROM " + r0 + " ORDER BY 1")]
    active, iterations = list(groups), {k: 0 for k in groups}
    tol = threshold if threshold is not None else 1e-3 / max(n, 1)
    dangling_term = "" if leak else " + $2 * COALESCE(d.s, 0) * r.tele"
    for it in range(1, max_iter + 1):
        progress.step(sess, it)
        if not active:
            break
        rows = sess.execute(
            "WITH c AS (SELECT e.gkey, e.t AS id, sum(r.rank * e.p) AS s FROM " + pe + " e JOIN " + r0 + " r ON "
            "r.gkey = e.gkey AND r.id = e.s WHERE e.gkey = ANY($1) GROUP BY 1, 2), "
            "d AS (SELECT gkey, sum(rank) AS s FROM " + r0 + " WHERE dangling GROUP BY 1), "
            "ins AS (INSERT INTO " + r1 + " SELECT r.gkey, r.id, CASE WHEN r.gkey = ANY($1) THEN $2 * COALESCE(c.s, 0) "
            "+ (1 - $2) * r.tele" + dangling_term + " ELSE r.rank END, r.rank, r.tele, r.dangling FROM " + r0
            + " r LEFT JOIN c USING (gkey, id) LEFT JOIN d USING (gkey) RETURNING gkey, abs(rank - prev) AS diff) "
            "SELECT gkey, max(diff) AS diff FROM ins WHERE gkey = ANY($1) GROUP BY gkey",
            [active, damping], ["text[]", "float8"])
        sess.execute("TRUNCATE " + r0)
        r0, r1 = r1, r0
        for r in rows:
            iterations[r["gkey"]] = it
        active = [r["gkey"] for r in rows if r["diff"] >= tol]
    create_vertex_table(sess, spec, out, (("pagerank", "float8"),))
    keep = ""
    if leak:  # MADlib 2.1 leaves out vertices without edges
        keep = (" WHERE EXISTS (SELECT 1 FROM " + pe + " e WHERE e.gkey = r.gkey AND (e.s = r.id OR e.t = r.id))")
    g.insert_output(out, "SELECT r.gkey, r.id, r.rank AS pagerank FROM " + r0 + " r" + keep, ["pagerank"])
    g.close(pe, r0, r1)
    return {(k if spec.group_cols else None): v for k, v in iterations.items()}


def _madlib21_personalized(sess: Session, spec: GraphSpec, g: RelGraph, pe: str, out: Relation, damping: float,
                           max_iter: int, tol: float, pers: list, n: int) -> dict:
    """MADlib 2.1's personalized iteration (:func:`indb_ml.kernels.graph.pagerank_madlib21_personalized`)
    as joins over ``pe``: the state holds the ends of each group's edges, MADlib's output vertices."""
    r0, r1 = g.temp("m0"), g.temp("m1")
    grouped = bool(spec.group_cols)
    in_set = "v.id = ANY($1" + g.cast + "[])"
    start = "0::float8" if grouped else "CASE WHEN " + in_set + " THEN 1.0::float8 / $2 ELSE 0::float8 END"
    sess.execute("CREATE TEMPORARY TABLE " + _bare(r0) + " AS SELECT v.gkey, v.id, " + start + " AS rank, "
                 "0::float8 AS prev, (CASE WHEN " + in_set + " THEN 1 - $3 ELSE 0 END)::float8 AS tele, "
                 "EXISTS (SELECT 1 FROM " + pe + " i WHERE i.gkey = v.gkey AND i.t = v.id) AS has_in FROM "
                 "(SELECT gkey, s AS id FROM " + pe + " UNION SELECT gkey, t FROM " + pe + ") v",
                 [pers, len(pers), damping], ["text[]", "float8", "float8"])
    missing = sess.one("SELECT gs.gkey, p FROM (SELECT DISTINCT gkey FROM " + r0 + ") gs CROSS JOIN "
                       "pg_catalog.unnest($1::text[]) p WHERE NOT EXISTS (SELECT 1 FROM " + r0 + " r WHERE "
                       "r.gkey = gs.gkey AND r.id = p" + g.cast + ") ORDER BY 1, 2 LIMIT 1", [pers], ["text[]"])
    if missing is not None:
        where = f" in group {missing['gkey']}" if grouped else ""
        raise InputError(f"pagerank: with madlib21_compat, personalization vertex {missing['p']} must be an end of "
                         f"an edge{where}, as MADlib 2.1 requires",
                         hint="list vertices that have edges (in every group), or leave madlib21_compat off")
    sess.execute("CREATE TEMPORARY TABLE " + _bare(r1) + " (LIKE " + r0 + ")")
    sess.execute("ANALYZE " + r0)
    groups = [r["gkey"] for r in sess.execute("SELECT DISTINCT gkey FROM " + r0 + " ORDER BY 1")]
    active, iterations = list(groups), {k: max_iter for k in groups}
    fixed = (1 - damping) if grouped else (1 - damping) / max(n, 1)  # vertices without in-edges
    for it in range(1, max_iter + 1):
        progress.step(sess, it)
        if not active:
            break
        rows = sess.execute(
            "WITH c AS (SELECT e.gkey, e.t AS id, sum(r.rank * e.p) AS s FROM " + pe + " e JOIN " + r0 + " r ON "
            "r.gkey = e.gkey AND r.id = e.s WHERE e.gkey = ANY($1) GROUP BY 1, 2), "
            "ins AS (INSERT INTO " + r1 + " SELECT r.gkey, r.id, CASE WHEN r.gkey <> ALL($1) THEN r.rank "
            "WHEN r.has_in THEN $2 * COALESCE(c.s, 0) + r.tele ELSE $3 END, r.rank, r.tele, r.has_in FROM " + r0
            + " r LEFT JOIN c USING (gkey, id) RETURNING gkey, abs(rank - prev) AS diff) "
            "SELECT gkey, max(diff) AS diff FROM ins WHERE gkey = ANY($1) GROUP BY gkey",
            [active, damping, fixed], ["text[]", "float8", "float8"])
        sess.execute("TRUNCATE " + r0)
        r0, r1 = r1, r0
        # MADlib's test: converged once no rank moved by more than tol (never after the first
        # iteration with grouping; tol 0 runs all max_iter)
        done = {r["gkey"] for r in rows if tol > 0 and r["diff"] <= tol and not (grouped and it == 1)}
        for k in done:
            iterations[k] = it
        active = [k for k in active if k not in done]
    create_vertex_table(sess, spec, out, (("pagerank", "float8"),))
    scale = float(len(pers)) if len(pers) > 1 else 1.0  # MADlib divides by the number of personalization vertices
    g.insert_output(out, "SELECT gkey, id, rank / $1 AS pagerank FROM " + r0, ["pagerank"], [scale], ["float8"])
    g.close(pe, r0, r1)
    return {(k if grouped else None): v for k, v in iterations.items()}


@_no_jit
def wcc(sess: Session, spec: GraphSpec, out: Relation, steps: int | None, start: Relation | None = None,
        message: Relation | None = None) -> tuple[int, int]:
    """Label propagation (each vertex takes the smallest label among itself and its neighbours,
    in both directions) until nothing changes or after ``steps`` steps, from the labels of ``start``
    (warm start: an earlier output, rewritten in place) or every vertex's own id; with grouping
    only the ends of a group's edges are its vertices (MADlib's). Returns (steps run, vertices
    still changing), and writes those vertices to ``message`` when there are any.
    On a Citus distributed edge table the joins run on the shards (:mod:`indb_ml.graph.shards`)."""
    if shards.edges_distributed(sess, spec):
        return shards.wcc(sess, spec, out, steps, start, message)
    g = prepare(sess, spec)
    we, l0, l1 = g.temp("we"), g.temp("l0"), g.temp("l1")
    sess.execute("CREATE TEMPORARY TABLE " + _bare(we) + " AS SELECT gkey, s AS a, t AS b FROM " + g.e
                 + " WHERE s <> t UNION SELECT gkey, t, s FROM " + g.e + " WHERE s <> t")
    vertices = g.v if not spec.group_cols else ("(SELECT gkey, s AS id FROM " + g.e + " UNION SELECT gkey, t FROM "
                                                + g.e + ")")
    label = "v.id"
    if start is not None:  # the earlier labels, as the state's ids (cast like the edges)
        gkey = "''::text" if not spec.group_cols else group_key_sql(sess, spec, "o")
        vertices = ("(SELECT v.gkey, v.id, o.label FROM " + vertices + " v LEFT JOIN (SELECT " + gkey + " AS gkey, o."
                    + sess.ident(spec.vertex_id) + g.cast + " AS id, o.component_id" + g.cast + " AS label FROM "
                    + start.sql(sess) + " o) o ON o.gkey = v.gkey AND o.id = v.id)")
        label = "COALESCE(v.label, v.id)"
    sess.execute("CREATE TEMPORARY TABLE " + _bare(l0) + " AS SELECT v.gkey, v.id, " + label + " AS label, "
                 "v.id AS prev, true AS moved FROM " + vertices + " v")
    sess.execute("CREATE TEMPORARY TABLE " + _bare(l1) + " (LIKE " + l0 + ")")
    sess.execute("ANALYZE " + we)
    sess.execute("ANALYZE " + l0)
    it, changed = 0, int(sess.one("SELECT pg_catalog.count(*) AS n FROM " + l0)["n"])
    while changed and (steps is None or it < steps):
        progress.step(sess, it + 1)
        it += 1
        changed = sess.one(
            "WITH m AS (SELECT e.gkey, e.b AS id, pg_catalog.min(l.label" + g.coll + ") AS label FROM " + we
            + " e JOIN "
            + l0 + " l ON l.gkey = e.gkey AND l.id = e.a GROUP BY 1, 2), ins AS (INSERT INTO " + l1 + " SELECT l.gkey, "
            "l.id, CASE WHEN m.label < l.label" + g.coll + " THEN m.label ELSE l.label END, l.label, "
            "COALESCE(m.label < l.label" + g.coll + ", false) FROM " + l0
            + " l LEFT JOIN m USING (gkey, id) RETURNING moved) "
            "SELECT pg_catalog.count(*) FILTER (WHERE moved) AS n FROM ins")["n"]
        sess.execute("TRUNCATE " + l0)
        l0, l1 = l1, l0
    if start is None:
        create_vertex_table(sess, spec, out, (("component_id", component_type(spec)),))  # labels are vertex ids
    else:
        sess.execute("DELETE FROM " + out.sql(sess))
    label_out = "label" if spec.id_kind == "int" else "label::" + spec.id_type
    g.insert_output(out, "SELECT gkey, id, " + label_out + " AS component_id FROM " + l0, ["component_id"])
    if changed and message is not None:
        if sess.one("SELECT to_regclass($1) IS NOT NULL AS e", [message.sql(sess)], ["text"])["e"]:
            sess.execute("DELETE FROM " + message.sql(sess))
        else:
            sess.execute("CREATE TABLE " + message.sql(sess) + " AS SELECT * FROM " + out.sql(sess) + " WITH NO DATA")
        g.insert_output(message, "SELECT gkey, id, " + label_out + " AS component_id FROM " + l0 + " WHERE moved",
                        ["component_id"])
    g.close(we, l0, l1)
    return it, int(changed)


@_no_jit
def hits(sess: Session, spec: GraphSpec, out: Relation, max_iter: int, tol: float) -> dict:
    """HITS as joins: authority from the hubs of in-neighbours, hub from the new authorities of
    out-neighbours, both scaled to unit L2 norm per group; stops like the memory plan. Writes the
    vertices that are an end of an edge of the group (MADlib's)."""
    g = prepare(sess, spec)
    h0, h1 = g.temp("h0"), g.temp("h1")
    n = sess.one("SELECT pg_catalog.count(*) AS n FROM " + g.v + " WHERE gkey = (SELECT pg_catalog.min(gkey) FROM "
                 + g.v + ")")["n"]
    start = 1.0 / max(n, 1) ** 0.5
    sess.execute("CREATE TEMPORARY TABLE " + _bare(h0) + " AS SELECT gkey, id, $1::float8 AS auth, $1::float8 AS hub, "
                 "0::float8 AS da, 0::float8 AS dh FROM " + g.v, [start], ["float8"])
    sess.execute("CREATE TEMPORARY TABLE " + _bare(h1) + " (LIKE " + h0 + ")")
    sess.execute("ANALYZE " + h0)
    groups = [r["gkey"] for r in sess.execute("SELECT DISTINCT gkey FROM " + h0 + " ORDER BY 1")]
    active, iterations = list(groups), {k: 0 for k in groups}
    for it in range(1, max_iter + 1):
        progress.step(sess, it)
        if not active:
            break
        rows = sess.execute(
            "WITH a AS (SELECT e.gkey, e.t AS id, sum(h.hub) AS s FROM " + g.e + " e JOIN " + h0
            + " h ON h.gkey = e.gkey "
            "AND h.id = e.s WHERE e.gkey = ANY($1) GROUP BY 1, 2), "
            "an AS (SELECT gkey, sqrt(sum(s * s)) AS norm FROM a GROUP BY 1), "
            "na AS (SELECT a.gkey, a.id, CASE WHEN an.norm > 0 THEN a.s / an.norm ELSE a.s END AS auth FROM a JOIN an "
            "USING (gkey)), "
            "b AS (SELECT e.gkey, e.s AS id, sum(na.auth) AS s FROM " + g.e + " e JOIN na ON na.gkey = e.gkey AND "
            "na.id = e.t GROUP BY 1, 2), "
            "bn AS (SELECT gkey, sqrt(sum(s * s)) AS norm FROM b GROUP BY 1), "
            "ins AS (INSERT INTO " + h1 + " SELECT h.gkey, h.id, CASE WHEN h.gkey = ANY($1) THEN COALESCE(na.auth, 0) "
            "ELSE h.auth END, CASE WHEN h.gkey = ANY($1) THEN COALESCE(CASE WHEN bn.norm > 0 THEN b.s / bn.norm "
            "ELSE b.s END, 0) ELSE h.hub END, h.auth, h.hub FROM " + h0 + " h LEFT JOIN na USING (gkey, id) "
            "LEFT JOIN b USING (gkey, id) LEFT JOIN bn USING (gkey) RETURNING gkey, abs(auth - da) AS da, "
            "abs(hub - dh) AS dh) SELECT gkey, max(da) AS da, max(dh) AS dh FROM ins WHERE gkey = ANY($1) "
            "GROUP BY gkey", [active], ["text[]"])
        sess.execute("TRUNCATE " + h0)
        h0, h1 = h1, h0
        for r in rows:
            iterations[r["gkey"]] = it
        # MADlib's test: converged when no score moved by more than tol (0: run all max_iter)
        active = [r["gkey"] for r in rows if not (tol > 0 and r["da"] <= tol and r["dh"] <= tol)]
    create_vertex_table(sess, spec, out, (("authority", "float8"), ("hub", "float8")))
    # MADlib lists the vertices that are an end of an edge (of the group)
    g.insert_output(out, "SELECT gkey, id, auth AS authority, hub FROM " + h0 + " h WHERE EXISTS (SELECT 1 FROM "
                    + g.e + " e WHERE e.gkey = h.gkey AND (e.s = h.id OR e.t = h.id))", ["authority", "hub"])
    g.close(h0, h1)
    return {(k if spec.group_cols else None): v for k, v in iterations.items()}
