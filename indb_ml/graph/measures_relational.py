"""The relational plan of graph_triangle_count and graph_kcore: joins and GROUP BY in PostgreSQL.

For graphs above ``indb_ml.matrix_memory_mb`` (or ``SET indb_ml.graph_plan = relational``)
nothing is loaded into Python. :func:`indb_ml.graph.relational.prepare` validates the tables
with the in-memory loader's rules and messages and copies the edges once into a temporary
table; from it both functions build the *simple undirected* graph the memory plan uses
(direction ignored, duplicate edges once, self-loops dropped): one row ``(gi, a, b)`` per
edge with ``a < b`` (``gi``: an integer number for the group key), and the degree of every
vertex of every group.

- Triangles: the edges are oriented from the endpoint of lower (degree, id) rank to the
  higher one, so a triangle ``r1 < r2 < r3`` is found exactly once, as the wedge of two
  edges out of ``r1`` closed by the edge ``(r2, r3)``: a three-way join. Orienting by degree
  bounds the wedges at O(m^1.5) (a hub has few out-edges), where orienting by id would pair
  up all the edges of a low-id hub. Per vertex ``T`` = triangles it is a corner of (one
  ``GROUP BY``), clustering ``2T / (deg (deg - 1))`` (0 below degree 2) in the same float
  arithmetic as the memory plan, so both plans give identical numbers; the per-group summary
  (``num_triangles``, ``average_clustering``, ``transitivity`` = ``3T / connected triples``)
  is one more aggregate.
- k-core: peeling on one state table ``(gi, gkey, id, deg, core)``, one statement per round,
  no new table per round. A round computes per group ``k = max(largest core number given so
  far, smallest remaining degree)``, gives every remaining vertex of degree <= k the core
  number k and lowers its neighbours' remaining degrees by the number of peeled neighbours
  (a join + ``GROUP BY``), all in one ``WITH ... UPDATE``. This is the memory plan's
  frontier-at-a-time Batagelj-Zaversnik peeling, so the core numbers are the same.
"""

from __future__ import annotations

from indb_ml.core.relations import Relation
from indb_ml.core.session import Session
from indb_ml.graph.edges import GraphSpec, create_vertex_table
from indb_ml.graph.relational import RelGraph, prepare


def _simple(sess: Session, g: RelGraph) -> tuple[str, str, str]:
    """Temp tables ``ue (gi, a, b)``: the simple undirected edges, ``a < b``; ``dg (gi, gkey, id,
    deg)``: every vertex of every group with its degree there; ``grp (gkey, gi)``. The joins use
    ``gi``, an int4 group number: comparing the text ``gkey`` in every sort and hash made the
    triangle join 4x slower on 1M edges."""
    ue, dg, grp = g.temp("ue"), g.temp("dg"), g.temp("grp")
    sess.execute("CREATE TEMPORARY TABLE " + grp + " AS SELECT gkey, pg_catalog.row_number() OVER "
                 "(ORDER BY gkey)::int4 AS gi FROM (SELECT DISTINCT gkey FROM " + g.v + ") q")
    sess.execute("CREATE TEMPORARY TABLE " + ue + " AS SELECT DISTINCT k.gi, LEAST(e.s" + g.coll + ", e.t) AS a, "
                 "GREATEST(e.s" + g.coll + ", e.t) AS b FROM " + g.e + " e JOIN " + grp + " k USING (gkey) "
                 "WHERE e.s <> e.t")
    sess.execute("ANALYZE " + ue)
    sess.execute("CREATE TEMPORARY TABLE " + dg + " AS SELECT k.gi, v.gkey, v.id, COALESCE(x.n, 0)::int8 AS deg FROM "
                 + g.v + " v JOIN " + grp + " k USING (gkey) LEFT JOIN (SELECT gi, id, pg_catalog.count(*) AS n FROM "
                 "(SELECT gi, a AS id FROM " + ue + " UNION ALL SELECT gi, b FROM " + ue + ") q GROUP BY 1, 2) x ON "
                 "x.gi = k.gi AND x.id = v.id")
    sess.execute("ANALYZE " + dg)
    return ue, dg, grp


def _group_rows(rows, grouped: bool, names: tuple) -> dict:
    """{group key (None without grouping): [values of ``names``]}: one row per group."""
    return {(r["gkey"] if grouped else None): [r[c] for c in names] for r in rows}


def triangles(sess: Session, spec: GraphSpec, out: Relation) -> dict:
    """Fill ``out`` (created here) and return the per-group summary values
    {key: (num_triangles, average_clustering, transitivity)}."""
    with sess.settings({"jit": "off"}):
        g = prepare(sess, spec)
        ue, dg, grp = _simple(sess, g)
        oe, tc, res = g.temp("oe"), g.temp("tc"), g.temp("res")
        # rank by (degree, id) per group; edges oriented from the lower rank to the higher
        sess.execute("CREATE TEMPORARY TABLE " + oe + " AS WITH r AS (SELECT gi, id, pg_catalog.row_number() OVER "
                     "(PARTITION BY gi ORDER BY deg, id" + g.coll + ") AS r FROM " + dg + ") SELECT u.gi, "
                     "LEAST(ra.r, rb.r) AS a, GREATEST(ra.r, rb.r) AS b, CASE WHEN ra.r < rb.r THEN u.a ELSE u.b END "
                     "AS ia, CASE WHEN ra.r < rb.r THEN u.b ELSE u.a END AS ib FROM " + ue + " u JOIN r ra ON "
                     "ra.gi = u.gi AND ra.id = u.a JOIN r rb ON rb.gi = u.gi AND rb.id = u.b")
        sess.execute("ANALYZE " + oe)
        # each triangle once (x, y: the two edges out of its lowest corner; z closes it), counted per corner
        sess.execute("CREATE TEMPORARY TABLE " + tc + " AS SELECT x.gi, c.id, pg_catalog.count(*) AS n FROM " + oe
                     + " x JOIN " + oe + " y ON y.gi = x.gi AND y.a = x.a AND y.b > x.b JOIN " + oe + " z ON "
                     "z.gi = x.gi AND z.a = x.b AND z.b = y.b CROSS JOIN LATERAL (VALUES (x.ia), (x.ib), (y.ib)) "
                     "c(id) GROUP BY 1, 2")
        sess.execute("CREATE TEMPORARY TABLE " + res + " AS SELECT d.gkey, d.id, COALESCE(t.n, 0)::int8 AS triangles, "
                     "CASE WHEN d.deg > 1 THEN 2.0::float8 * COALESCE(t.n, 0) / (d.deg * (d.deg - 1))::float8 "
                     "ELSE 0::float8 END AS clustering_coef, d.deg AS degree FROM " + dg + " d LEFT JOIN " + tc
                     + " t USING (gi, id)")
        create_vertex_table(sess, spec, out, (("triangles", "bigint"), ("clustering_coef", "float8"),
                                              ("degree", "bigint")))
        g.insert_output(out, "SELECT gkey, id, triangles, clustering_coef, degree FROM " + res,
                        ["triangles", "clustering_coef", "degree"])
        # per group, as the memory plan: T / 3, mean clustering, 2 sum T / sum deg (deg - 1) = 3T / triples
        rows = sess.execute(
            "SELECT gkey, (pg_catalog.sum(triangles) / 3)::int8 AS num_triangles, pg_catalog.avg(clustering_coef) "
            "AS average_clustering, CASE WHEN pg_catalog.sum(degree * (degree - 1)) > 0 THEN "
            "(2 * pg_catalog.sum(triangles))::float8 / pg_catalog.sum(degree * (degree - 1))::float8 ELSE 0::float8 "
            "END AS transitivity FROM " + res + " GROUP BY gkey ORDER BY gkey")
        summary = _group_rows(rows, bool(spec.group_cols), ("num_triangles", "average_clustering", "transitivity"))
        g.close(ue, dg, grp, oe, tc, res)
    return summary


def kcore(sess: Session, spec: GraphSpec, out: Relation) -> dict:
    """Fill ``out`` (created here) and return {key: (max_core, max_core_size)}."""
    with sess.settings({"jit": "off"}):
        g = prepare(sess, spec)
        ue, dg, grp = _simple(sess, g)
        ke, st = g.temp("ke"), g.temp("st")
        sess.execute("CREATE TEMPORARY TABLE " + ke + " AS SELECT gi, a, b FROM " + ue + " UNION ALL SELECT gi, b, a "
                     "FROM " + ue)
        sess.execute("CREATE INDEX ON " + ke + " (a, gi)")
        sess.execute("ANALYZE " + ke)
        sess.execute("CREATE TEMPORARY TABLE " + st + " AS SELECT gi, gkey, id, deg, NULL::int4 AS core FROM " + dg)
        sess.execute("CREATE INDEX ON " + st + " (id, gi)")
        sess.execute("ANALYZE " + st)
        peel = (
            "WITH k AS (SELECT gi, GREATEST(COALESCE(pg_catalog.max(core), 0), pg_catalog.min(deg) FILTER (WHERE "
            "core IS NULL)) AS k FROM " + st + " GROUP BY gi HAVING pg_catalog.bool_or(core IS NULL)), "
            "p AS (SELECT s.gi, s.id, k.k FROM " + st + " s JOIN k USING (gi) WHERE s.core IS NULL AND s.deg <= k.k), "
            "c AS (SELECT gi, id, pg_catalog.sum(n)::int8 AS n, pg_catalog.max(k)::int4 AS k FROM ("
            "SELECT p.gi, e.b AS id, 1 AS n, NULL::int8 AS k FROM p JOIN " + ke + " e ON e.gi = p.gi AND "
            "e.a = p.id UNION ALL SELECT gi, id, 0, k FROM p) q GROUP BY 1, 2) "
            "UPDATE " + st + " t SET core = c.k, deg = t.deg - c.n FROM c WHERE t.gi = c.gi AND t.id = c.id "
            "AND t.core IS NULL")
        rounds = 0
        limit = sess.one("SELECT pg_catalog.count(*) AS n FROM " + st)["n"] + 1
        # A round touches the peeled vertices' edges only, but the planner cannot know how few
        # they are and merge-joins the whole edge index: 4 s a round instead of 0.05 s on 1M edges.
        with sess.settings({"enable_hashjoin": "off", "enable_mergejoin": "off"}):
            while sess.execute(peel).nrows() > 0:  # every round peels at least one vertex
                sess.check_interrupts()
                rounds += 1
                if rounds > limit:
                    raise RuntimeError("graph_kcore: relational peeling did not finish")  # cannot happen
        sess.debug(f"graph_kcore: relational peeling, {rounds} rounds")
        create_vertex_table(sess, spec, out, (("core_number", "integer"),))
        g.insert_output(out, "SELECT gkey, id, core AS core_number FROM " + st, ["core_number"])
        rows = sess.execute("SELECT gkey, m AS max_core, pg_catalog.count(*) FILTER (WHERE core = m) AS max_core_size "
                            "FROM (SELECT gkey, core, pg_catalog.max(core) OVER (PARTITION BY gi) AS m FROM " + st
                            + ") q GROUP BY gkey, m ORDER BY gkey")
        summary = _group_rows(rows, bool(spec.group_cols), ("max_core", "max_core_size"))
        g.close(ue, dg, grp, ke, st)
    return summary
