"""The relational plans of graph_triangle_count, graph_kcore and graph_apsp against the memory plan and networkx.

Each test runs the function with ``indb_ml.graph_plan = 'memory'`` and ``'relational'`` on the
same tables and checks (1) the relational output against networkx, (2) that both plans agree.

Oracles: ``nx.triangles`` / ``clustering`` / ``average_clustering`` / ``transitivity`` /
``core_number`` / ``k_core`` on the simple undirected graph the functions document
(``nx_simple``: direction ignored, duplicates once, self-loops dropped), and
``nx.floyd_warshall`` on the multigraph of exactly the stored edges for APSP (networkx uses
the lightest parallel edge, the documented duplicate rule). Graphs: the karate club and
seeded ``random_graph`` blocks (tests/test_graph_kernels_paths.py): directed and undirected,
weighted, negative weights without negative cycles, disconnected, with duplicate edges and
self-loops, grouped, integer and text ids.

Tolerances: counts, degrees and core numbers exact; per-vertex clustering and transitivity
equal *bitwise* between the plans (the same float operations on exact integer sums) and to
networkx within ``CC_ATOL = 1e-12``; the per-group mean clustering within ``CC_ATOL`` (the
plans sum in different orders); APSP distances exactly equal between the plans (integer
weights: every path weight is an exact float) and to networkx within ``DIST_ATOL = 1e-9``.
APSP parents may differ between the plans where two shortest paths tie, so each parent is
checked to lie on a shortest path: ``dist(s, p) + w(p, d) == dist(s, d)`` with MADlib's rule
(``d`` itself for a one-edge path, ``s`` on the diagonal, NULL when unreachable).
"""

from __future__ import annotations

import math

import networkx as nx
import psycopg.errors as E
import pytest

from tests.test_graph_kernels_paths import (
    CC_ATOL,
    DIST_ATOL,
    MADLIB,
    both_ways,
    karate_edges,
    nx_graph,
    nx_simple,
    random_graph,
)
from tests.test_graph_paths import load, rows, set_plan

PLANS = ("memory", "relational")


def run_both(conn, call: str, table: str, select: str) -> dict:
    """``call`` (with {out} for the output table) under each plan; {plan: rows of ``select``}."""
    out = {}
    for plan in PLANS:
        set_plan(conn, plan)
        conn.execute(call.format(out=f"{table}_{plan[0]}"))
        out[plan] = rows(conn, select.format(out=f"{table}_{plan[0]}"))
    return out


# ---- triangles ---------------------------------------------------------------------------------

def check_triangles(got, g, num):
    """got: rows (id, triangles, clustering_coef, degree) of one group; networkx's numbers."""
    tri, cc = nx.triangles(g), nx.clustering(g)
    assert sorted(num(r[0]) for r in got) == sorted(g)
    for v, t, c, d in got:
        i = num(v)
        assert (t, d) == (tri[i], g.degree(i)), (v, t, d, tri[i], g.degree(i))
        assert abs(c - cc[i]) <= CC_ATOL, (v, c, cc[i])


def check_triangle_summary(summ, g):
    """summ: (num_triangles, average_clustering, transitivity, plan) of one group."""
    n3, avg, trans, _ = summ
    assert n3 == sum(nx.triangles(g).values()) // 3
    assert abs(avg - nx.average_clustering(g)) <= CC_ATOL
    assert abs(trans - nx.transitivity(g)) <= CC_ATOL


def test_triangles_karate(postgresql):
    conn = postgresql
    load(conn, range(35), [(s, d, 1.0) for s, d in karate_edges()])  # 34 is isolated
    res = run_both(conn, "SELECT indb_ml.graph_triangle_count('vtx', NULL, 'edg', NULL, '{out}')", "tri",
                   "SELECT id, triangles, clustering_coef, degree FROM {out} ORDER BY id")
    assert res["relational"] == res["memory"]  # bitwise: counts, and the same float division
    g = nx.karate_club_graph()
    g.add_node(34)
    check_triangles(res["relational"], g, int)
    summ = {p: rows(conn, f"SELECT num_triangles, average_clustering, transitivity, plan FROM tri_{p[0]}_summary")[0]
            for p in PLANS}
    check_triangle_summary(summ["relational"], g)
    assert summ["relational"][0] == 45 and summ["relational"][3] == "relational" and summ["memory"][3] == "memory"
    assert summ["relational"][2] == summ["memory"][2]
    assert abs(summ["relational"][1] - summ["memory"][1]) <= CC_ATOL


@pytest.mark.parametrize("text", [False, True])
def test_triangles_grouped_random(postgresql, text):
    """Group 0: the karate club with reversed duplicates and a self-loop; group 1: a random
    digraph in two blocks with a duplicate and a self-loop (vertices 38, 39 isolated); group 2:
    a denser undirected graph stored both ways."""
    conn = postgresql
    kar = [(s, d, 1.0) for s, d in karate_edges()]
    kar += [(d, s, 1.0) for s, d, _ in kar[:10]] + [(5, 5, 1.0)]
    rnd = random_graph(38, 150, 2, components=2)
    und = both_ways(random_graph(40, 240, 3, directed=False))
    graphs = {0: kar, 1: rnd, 2: und}
    stored = [e for k in graphs for e in graphs[k]]
    load(conn, range(40), stored, text=text, groups=[k for k in graphs for _ in graphs[k]])
    res = run_both(conn, "SELECT indb_ml.graph_triangle_count('vtx', 'id', 'edg', 'src=src, dest=dest', '{out}', "
                         "'grp')", "tri", "SELECT grp, id, triangles, clustering_coef, degree FROM {out} "
                                          "ORDER BY grp, id")
    assert res["relational"] == res["memory"]
    assert len(res["relational"]) == 3 * 40
    num = (lambda v: int(v[1:])) if text else int
    summ = dict((r[0], r[1:]) for r in rows(conn, "SELECT grp, num_triangles, average_clustering, transitivity, plan "
                                                  "FROM tri_r_summary"))
    for k, edges in graphs.items():
        g = nx_simple(40, [(s, d) for s, d, _ in edges])
        check_triangles([r[1:] for r in res["relational"] if r[0] == k], g, num)
        check_triangle_summary(summ[k], g)
        assert summ[k][0] > 0
    memsum = rows(conn, "SELECT grp, num_triangles, transitivity FROM tri_m_summary ORDER BY grp")
    assert memsum == [(k, summ[k][0], summ[k][2]) for k in sorted(graphs)]


@pytest.mark.parametrize("seed", [11, 12])
def test_triangles_hub_graph(postgresql, seed):
    """A graph with hubs (preferential attachment), where orienting by degree matters."""
    conn = postgresql
    g = nx.barabasi_albert_graph(300, 4, seed=seed)
    load(conn, range(300), [(s, d, 1.0) for s, d in g.edges()])
    res = run_both(conn, "SELECT indb_ml.graph_triangle_count('vtx', NULL, 'edg', NULL, '{out}')", "tri",
                   "SELECT id, triangles, clustering_coef, degree FROM {out} ORDER BY id")
    assert res["relational"] == res["memory"]
    check_triangles(res["relational"], g, int)


# ---- k-core ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [False, True])
def test_kcore_grouped_random(postgresql, text):
    conn = postgresql
    kar = [(s, d, 1.0) for s, d in karate_edges()] + [(1, 0, 1.0), (7, 7, 1.0)]
    rnd = random_graph(38, 150, 4, components=2)
    dense = both_ways(random_graph(40, 400, 5, directed=False, components=2))
    graphs = {0: kar, 1: rnd, 2: dense}
    stored = [e for k in graphs for e in graphs[k]]
    load(conn, range(40), stored, text=text, groups=[k for k in graphs for _ in graphs[k]])
    res = run_both(conn, "SELECT indb_ml.graph_kcore('vtx', 'id', 'edg', NULL, '{out}', 'grp')", "kc",
                   "SELECT grp, id, core_number FROM {out} ORDER BY grp, id")
    assert res["relational"] == res["memory"]
    num = (lambda v: int(v[1:])) if text else int
    summ = {p: rows(conn, f"SELECT grp, max_core, max_core_size, plan FROM kc_{p[0]}_summary ORDER BY grp")
            for p in PLANS}
    assert [r[:3] for r in summ["relational"]] == [r[:3] for r in summ["memory"]]
    assert {r[3] for r in summ["relational"]} == {"relational"}
    for (k, edges), (_, top, size, _) in zip(graphs.items(), summ["relational"]):
        g = nx_simple(40, [(s, d) for s, d, _ in edges])
        core = nx.core_number(g)
        assert {num(v): c for grp, v, c in res["relational"] if grp == k} == core
        assert (top, size) == (max(core.values()), len(nx.k_core(g)))
    assert max(r[1] for r in summ["relational"]) >= 5  # the dense group has a deep core


@pytest.mark.parametrize("seed", [21, 22])
def test_kcore_hub_graph(postgresql, seed):
    """Blocks of different depth: a preferential-attachment graph, a dense random block, a
    path, a clique and isolated vertices (core number 0)."""
    conn = postgresql
    g = nx.disjoint_union_all([nx.powerlaw_cluster_graph(250, 3, 0.3, seed=seed),
                               nx.gnm_random_graph(100, 1200, seed=seed), nx.path_graph(40), nx.complete_graph(12),
                               nx.empty_graph(5)])
    load(conn, range(407), [(s, d, 1.0) for s, d in g.edges()])
    res = run_both(conn, "SELECT indb_ml.graph_kcore('vtx', NULL, 'edg', NULL, '{out}')", "kc",
                   "SELECT id, core_number FROM {out} ORDER BY id")
    assert res["relational"] == res["memory"]
    assert dict(res["relational"]) == nx.core_number(g)
    assert len(set(dict(res["relational"]).values())) > 5


# ---- APSP --------------------------------------------------------------------------------------

def check_apsp(got, g, num):
    """got: rows (src, dest, weight, parent) of one group; ``g``: networkx multigraph of the
    stored edges. As MADlib 2.1 writes them, exactly the pairs of edge ends with a path have a
    row; distances are networkx's; each parent lies on a shortest path (MADlib's rule)."""
    fw = nx.floyd_warshall(g)
    ends = {v for e in g.edges() for v in e}
    assert sorted((num(s), num(d)) for s, d, _, _ in got) == sorted(
        (s, d) for s in ends for d in ends if fw[s][d] < math.inf)
    lightest = {}
    for s, d, w in g.edges(data="weight"):
        for a, b in ((s, d),) if g.is_directed() else ((s, d), (d, s)):
            lightest[a, b] = min(w, lightest.get((a, b), math.inf))
    for s, d, w, p in got:
        s, d, p = num(s), num(d), None if p is None else num(p)
        ref = fw[s][d]
        if ref == math.inf:
            assert w == math.inf and p is None, (s, d, w, p)
            continue
        assert abs(w - ref) <= DIST_ATOL, (s, d, w, ref)
        if s == d:
            assert p == s
        elif p == d:  # one-edge path
            assert abs(lightest.get((s, d), math.inf) - ref) <= DIST_ATOL, (s, d, p)
        else:
            assert abs(fw[s][p] + lightest.get((p, d), math.inf) - ref) <= DIST_ATOL, (s, d, p)


def test_apsp_madlib_example(postgresql):
    conn = postgresql
    load(conn, range(8), MADLIB)
    res = run_both(conn, "SELECT indb_ml.graph_apsp('vtx', NULL, 'edg', NULL, '{out}')", "ap",
                   "SELECT src, dest, weight, parent FROM {out} ORDER BY src, dest")
    assert [r[:3] for r in res["relational"]] == [r[:3] for r in res["memory"]]
    assert [r for r in res["relational"] if r[0] < 2] == [
        (0, 0, 0, 0), (0, 1, 1, 1), (0, 2, 1, 2), (0, 3, 2, 2), (0, 4, 10, 4), (0, 5, 2, 2), (0, 6, 3, 5),
        (0, 7, 4, 6), (1, 0, 4, 3), (1, 1, 0, 1), (1, 2, 2, 2), (1, 3, 3, 2), (1, 4, 14, 0), (1, 5, 3, 2),
        (1, 6, 4, 5), (1, 7, 5, 6)]  # MADlib's documented rows (no ties in this graph)
    check_apsp(res["relational"], nx_graph(8, MADLIB), int)
    assert rows(conn, "SELECT plan FROM ap_r_summary") == [("relational",)]
    conn.execute("SELECT indb_ml.graph_apsp_get_path('ap_r', 1, 4, 'p')")
    assert rows(conn, "SELECT path FROM p") == [([1, 2, 3, 0, 4],)]
    # the measures read either plan's table the same way
    for fn in ("graph_diameter", "graph_avg_path_length", "graph_closeness"):
        conn.execute(f"SELECT indb_ml.{fn}('ap_m', '{fn}_m'), indb_ml.{fn}('ap_r', '{fn}_r')")
        assert rows(conn, f"SELECT * FROM {fn}_m ORDER BY 1") == rows(conn, f"SELECT * FROM {fn}_r ORDER BY 1")


@pytest.mark.parametrize("text", [False, True])
def test_apsp_grouped_random(postgresql, text):
    """Group 1: directed, disconnected, a duplicate and a self-loop; group 2: negative weights;
    group 3: undirected (stored both ways), disconnected; vertex 25 is isolated everywhere."""
    conn = postgresql
    e1 = random_graph(25, 70, 8, components=2)
    e2 = random_graph(25, 50, 9, negative=True, extras=False)
    e3 = random_graph(25, 40, 10, components=2, directed=False)
    groups = {1: (e1, True), 2: (e2, True), 3: (e3, False)}
    stored = e1 + e2 + both_ways(e3)
    load(conn, range(26), stored, text=text, groups=[1] * len(e1) + [2] * len(e2) + [3] * (2 * len(e3)))
    res = run_both(conn, "SELECT indb_ml.graph_apsp('vtx', 'id', 'edg', 'src=src, dest=dest, weight=weight', '{out}', "
                         "'grp')", "ap", "SELECT grp, src, dest, weight, parent FROM {out} ORDER BY grp, src, dest")
    assert [r[:4] for r in res["relational"]] == [r[:4] for r in res["memory"]]
    num = (lambda v: int(v[1:])) if text else int
    for k, (edges, directed) in groups.items():
        check_apsp([r[1:] for r in res["relational"] if r[0] == k], nx_graph(26, edges, directed), num)
    assert any(r[3] < 0 for r in res["relational"] if r[0] == 2)
    src, dst = ("v000", "v011") if text else (0, 11)
    conn.execute("SELECT indb_ml.graph_apsp_get_path('ap_r', %s, %s, 'p_r')", [src, dst])
    conn.execute("SELECT indb_ml.graph_apsp_get_path('ap_m', %s, %s, 'p_m')", [src, dst])
    paths = dict(rows(conn, "SELECT grp, path FROM p_r"))
    for k, (edges, directed) in groups.items():
        g = nx_graph(26, edges, directed)
        ref = nx.floyd_warshall(g)[0][11]
        if ref == math.inf:
            assert k not in paths  # MADlib: a path row only for the groups with a path
        else:
            hops = [num(v) for v in paths[k]]
            assert hops[0] == 0 and hops[-1] == 11
            assert abs(nx.path_weight(g, hops, "weight") - ref) <= DIST_ATOL


def test_apsp_karate_weighted(postgresql):
    conn = postgresql
    k = nx.karate_club_graph()
    edges = both_ways([(s, d, float(w)) for s, d, w in k.edges(data="weight")])
    load(conn, range(34), edges)
    res = run_both(conn, "SELECT indb_ml.graph_apsp('vtx', NULL, 'edg', NULL, '{out}')", "ap",
                   "SELECT src, dest, weight, parent FROM {out} ORDER BY src, dest")
    assert [r[:3] for r in res["relational"]] == [r[:3] for r in res["memory"]]
    check_apsp(res["relational"], nx_graph(34, edges), int)


def test_apsp_negative_cycle(postgresql):
    """MADlib's rules: with grouping, a group with a negative cycle is left out with a WARNING (and
    when none is left, no table is written); without grouping it is an error."""
    conn = postgresql
    e = random_graph(20, 60, 3, negative=True, extras=False)
    cycle = [(1, 2, 2.0), (2, 3, 1.0), (3, 1, -5.0)]
    load(conn, range(20), e + e + cycle, groups=[1] * len(e) + [2] * (len(e) + 3))
    conn.commit()
    warnings = []
    conn.add_notice_handler(lambda d: warnings.append(d.message_primary))
    for plan in PLANS:
        set_plan(conn, plan)
        warnings.clear()
        conn.execute(f"SELECT indb_ml.graph_apsp('vtx', NULL, 'edg', NULL, 'ap_{plan}', 'grp')")
        assert rows(conn, f"SELECT DISTINCT grp FROM ap_{plan}") == [(1,)]
        assert any('negative cycle' in w and '"grp": 2' in w for w in warnings), warnings
        conn.rollback()
    conn.execute("DELETE FROM edg WHERE grp = 1")
    conn.commit()
    for plan in PLANS:  # every group has one: no table
        set_plan(conn, plan)
        conn.execute("SELECT indb_ml.graph_apsp('vtx', NULL, 'edg', NULL, 'ap', 'grp')")
        assert rows(conn, "SELECT to_regclass('ap'), to_regclass('ap_summary')") == [(None, None)]
        conn.rollback()
    conn.execute("INSERT INTO edg SELECT src, dest, weight, NULL FROM edg WHERE grp = 2; DELETE FROM edg WHERE grp = 2")
    conn.commit()
    for plan in PLANS:  # NULL groups are skipped (MADlib's joins on the groups skip them): nothing to do
        set_plan(conn, plan)
        with pytest.raises(E.DataException, match="less than 2 vertices"):
            conn.execute("SELECT indb_ml.graph_apsp('vtx', NULL, 'edg', NULL, 'ap', 'grp')")
        conn.rollback()
    conn.execute("UPDATE edg SET grp = 1; INSERT INTO edg VALUES (4, 4, -1, 3)")  # a negative self-loop in group 3
    conn.commit()
    for plan in PLANS:
        set_plan(conn, plan)
        with pytest.raises(E.DataException, match="negative cycle"):  # without grouping: an error
            conn.execute("SELECT indb_ml.graph_apsp('vtx', NULL, 'edg', NULL, 'ap')")
        conn.rollback()


# ---- plan choice and errors --------------------------------------------------------------------

def test_auto_picks_relational_under_tiny_budget(postgresql):
    """auto: memory at the default budget, relational at 1 MB (8,000 edges x 160 bytes for
    triangles / k-core; 300^2 pairs x 40 bytes for APSP), with the same answers; an explicit
    'memory' APSP that does not fit is still an error."""
    conn = postgresql
    g = nx.gnm_random_graph(1200, 8000, seed=7)
    load(conn, range(1200), [(s, d, 1.0 + (s + d) % 3) for s, d in g.edges()])
    conn.execute("CREATE TABLE v300 AS SELECT id FROM vtx WHERE id < 300")
    conn.execute("CREATE TABLE e300 AS SELECT * FROM edg WHERE src < 300 AND dest < 300")
    conn.execute("ANALYZE")
    calls = {"tri": "SELECT indb_ml.graph_triangle_count('vtx', NULL, 'edg', NULL, '{t}')",
             "kc": "SELECT indb_ml.graph_kcore('vtx', NULL, 'edg', NULL, '{t}')",
             "ap": "SELECT indb_ml.graph_apsp('v300', NULL, 'e300', NULL, '{t}')"}
    for name, sql in calls.items():
        conn.execute(sql.format(t=name + "_small"))
    conn.execute("SET indb_ml.matrix_memory_mb = 1")
    for name, sql in calls.items():
        conn.execute(sql.format(t=name + "_big"))
        assert rows(conn, f"SELECT a.plan, b.plan FROM {name}_small_summary a, {name}_big_summary b") \
            == [("memory", "relational")], name
    assert rows(conn, "SELECT * FROM tri_small ORDER BY id") == rows(conn, "SELECT * FROM tri_big ORDER BY id")
    assert dict(rows(conn, "SELECT id, core_number FROM kc_big")) == nx.core_number(g)
    assert dict(rows(conn, "SELECT id, triangles FROM tri_big")) == nx.triangles(g)
    assert rows(conn, "SELECT count(*) FROM ap_small a JOIN ap_big b USING (src, dest) WHERE a.weight = b.weight") \
        == rows(conn, "SELECT count(*) FROM ap_small")
    conn.commit()
    set_plan(conn, "memory")
    with pytest.raises(E.ProgramLimitExceeded, match="matrix_memory_mb"):
        conn.execute("SELECT indb_ml.graph_apsp('v300', NULL, 'e300', NULL, 'ap_mem')")
    conn.rollback()


@pytest.mark.parametrize("fn", ["graph_triangle_count", "graph_kcore", "graph_apsp"])
def test_relational_bad_inputs(postgresql, fn):
    """The relational plan reports bad input with the memory plan's errors and leaves nothing."""
    conn = postgresql
    load(conn, range(4), [(0, 1, 1.0), (1, 2, 1.0), (2, 0, 1.0)])
    conn.commit()
    call = f"SELECT indb_ml.{fn}('vtx', NULL, 'edg', NULL, 'o')"

    def fails(exc, match, left=(None, None)):
        for plan in PLANS:
            set_plan(conn, plan)
            with pytest.raises(exc, match=match):
                conn.execute(call)
            conn.rollback()
            assert rows(conn, "SELECT to_regclass('o')::text, to_regclass('o_summary')::text") == [left]

    conn.execute("INSERT INTO edg VALUES (0, 9, 1.0)")
    conn.commit()
    if fn != "graph_apsp":  # graph_apsp's vertices are the edges' ends (MADlib's): vertex 9 is one
        fails(E.ForeignKeyViolation, "vertex 9")
    conn.execute("DELETE FROM edg WHERE dest = 9; INSERT INTO vtx VALUES (NULL)")
    conn.commit()
    fails(E.NotNullViolation, "NULL ids")
    conn.execute("DELETE FROM vtx WHERE id IS NULL; INSERT INTO vtx VALUES (2)")
    conn.commit()
    fails(E.UniqueViolation, "duplicate ids")
    conn.execute("DELETE FROM vtx; INSERT INTO vtx VALUES (0), (1), (2), (3)")
    conn.commit()
    set_plan(conn, "relational")
    conn.execute(call)
    conn.commit()
    fails(E.DuplicateTable, "already exists", ("o", "o_summary"))
    conn.execute("SET indb_ml.graph_plan = 'sideways'")
    with pytest.raises(E.InvalidParameterValue, match="graph_plan"):
        conn.execute(call.replace("'o'", "'o2'"))


def test_triangles_wedge_budget(postgresql):
    """The in-memory kernel's products grow with the degree-oriented wedges, not the edges:
    the complete graph on 120 vertices has 7,140 edges but ~2.8e5 oriented wedges x 24 bytes
    > 1 MB. auto keeps the edge rule's memory choice only while the wedges fit, then runs
    relationally; an explicit 'memory' refuses. (A star, whose sum(deg^2) is large, now fits:
    orientation points every leaf at the hub.)"""
    conn = postgresql
    g = nx.complete_graph(120)
    load(conn, range(120), [(s, d, 1.0) for s, d in g.edges()])
    conn.execute("ANALYZE")
    conn.execute("SELECT indb_ml.graph_triangle_count('vtx', NULL, 'edg', NULL, 't_default')")
    conn.execute("SET indb_ml.matrix_memory_mb = 1")
    conn.execute("SELECT indb_ml.graph_triangle_count('vtx', NULL, 'edg', NULL, 't_small')")
    assert rows(conn, "SELECT a.plan, b.plan FROM t_default_summary a, t_small_summary b") == [("memory", "relational")]
    assert rows(conn, "SELECT * FROM t_default ORDER BY id") == rows(conn, "SELECT * FROM t_small ORDER BY id")
    assert dict(rows(conn, "SELECT id, triangles FROM t_small")) == nx.triangles(g)
    conn.commit()
    set_plan(conn, "memory")
    with pytest.raises(E.ProgramLimitExceeded, match="paths of two edges"):
        conn.execute("SELECT indb_ml.graph_triangle_count('vtx', NULL, 'edg', NULL, 't_mem')")
    conn.rollback()
