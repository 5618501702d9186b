"""graph_sssp, graph_bfs, graph_apsp and the path functions in PostgreSQL, both physical plans.

Oracles: networkx on the karate club (unweighted, and weighted with networkx's interaction
counts) and on seeded random graphs from tests/test_graph_kernels_paths.py (directed and
undirected, weighted, negative weights, disconnected, with duplicate edges and self-loops):
``single_source_dijkstra`` / ``bellman_ford_predecessor_and_distance`` for sssp,
``single_source_shortest_path_length`` / ``predecessor`` for bfs, ``floyd_warshall`` and
``path_weight`` for apsp. MADlib's documented example outputs are kept as literal checks
(networkx has no equivalent of MADlib's output conventions). Distances match to
``DIST_ATOL = 1e-9`` (integer weights, so exact in practice); a parent must be one of
networkx's shortest-path predecessors (the plans may break ties differently), except BFS,
whose documented smallest-parent rule is checked exactly and is the same in both plans.
"""

from __future__ import annotations

import math

import networkx as nx
import psycopg.errors as E
import pytest

from tests.test_graph_kernels_paths import (
    DIST_ATOL,
    MADLIB,
    both_ways,
    karate_edges,
    karate_weighted,
    nx_graph,
    random_graph,
)

PLANS = ["memory", "relational"]


def load(conn, vertices, edges, vname="vtx", ename="edg", text=False, groups=None):
    """Vertex table (id) and edge table (src, dest, weight[, grp]); ``groups``: a group per edge."""
    t = "text" if text else "bigint"
    conn.execute(f"CREATE TABLE {vname} (id {t})")
    conn.execute(f"CREATE TABLE {ename} (src {t}, dest {t}, weight float8" + (", grp int)" if groups else ")"))
    with conn.cursor() as cur:
        cur.executemany(f"INSERT INTO {vname} VALUES (%s)", [(name(v, text),) for v in vertices])
        data = [(name(s, text), name(d, text), w) + ((groups[i],) if groups else ())
                for i, (s, d, w) in enumerate(edges)]
        cur.executemany(f"INSERT INTO {ename} VALUES (%s, %s, %s" + (", %s)" if groups else ")"), data)


def name(v, text):
    return f"v{v:03d}" if text else v


def set_plan(conn, plan):
    conn.execute("SELECT set_config('indb_ml.graph_plan', %s, false)", [plan])


def rows(conn, sql):
    return conn.execute(sql).fetchall()


def check_against_nx(result, n, ref, pred, source):
    """result: id -> (dist, parent) from SQL; ``ref``/``pred``: networkx's distances and complete
    predecessor lists (``*_predecessor_and_distance``). As MADlib 2.1 writes them, exactly the
    reached vertices have a row, with networkx's distance and one of its predecessors as parent
    (the source itself for the source)."""
    assert set(result) == set(ref) and set(ref) <= set(range(n))
    for v, (dist, parent) in result.items():
        assert abs(dist - ref[v]) <= DIST_ATOL, f"vertex {v}: {dist}, networkx {ref[v]}"
        if v == source:
            assert parent == source
        else:
            assert parent in pred[v], f"parent {parent} of {v} is not among networkx's {pred[v]}"


# ---- graph_sssp -------------------------------------------------------------------------------

@pytest.mark.parametrize("plan", PLANS)
def test_sssp_madlib_example_and_path(postgresql, plan):
    conn = postgresql
    load(conn, range(8), MADLIB)
    set_plan(conn, plan)
    conn.execute("SELECT indb_ml.graph_sssp('vtx', NULL, 'edg', NULL, 0, 'out')")
    got = rows(conn, "SELECT id, weight, parent FROM out ORDER BY id")
    # MADlib's documented output
    assert got == [(0, 0, 0), (1, 1, 0), (2, 1, 0), (3, 2, 2), (4, 10, 0), (5, 2, 2), (6, 3, 5), (7, 4, 6)]
    pred, ref = nx.bellman_ford_predecessor_and_distance(nx_graph(8, MADLIB), 0)
    check_against_nx({v: (w, p) for v, w, p in got}, 8, ref, pred, 0)
    summ = rows(conn, "SELECT vertex_table, edge_table, source_vertex, plan FROM out_summary")
    assert summ == [("vtx", "edg", 0, plan)]
    conn.execute("SELECT indb_ml.graph_sssp_get_path('out', 5, 'out_path')")
    assert rows(conn, "SELECT path FROM out_path") == [([0, 2, 5],)]
    conn.execute("SELECT indb_ml.graph_sssp_get_path('out', 0, 'out_path0')")
    assert rows(conn, "SELECT path FROM out_path0") == [([0],)]


@pytest.mark.parametrize("plan", PLANS)
@pytest.mark.parametrize("seed,directed", [(0, True), (1, True), (2, False)])
def test_sssp_random_disconnected(postgresql, plan, seed, directed):
    """Undirected graphs are loaded as MADlib stores them (each edge both ways) and compared
    with networkx on the undirected multigraph."""
    conn = postgresql
    n = 60
    edges = random_graph(n - 1, 200, seed, components=2, directed=directed)  # vertex n-1 is isolated
    load(conn, range(n), edges if directed else both_ways(edges))
    set_plan(conn, plan)
    conn.execute("SELECT indb_ml.graph_sssp('vtx', 'id', 'edg', 'src=src, dest=dest, weight=weight', 4, 'out')")
    got = {v: (w, p) for v, w, p in rows(conn, "SELECT id, weight, parent FROM out")}
    g = nx_graph(n, edges, directed)
    pred, ref = nx.dijkstra_predecessor_and_distance(g, 4)
    check_against_nx(got, n, ref, pred, 4)
    unreached = sorted(set(range(n)) - set(ref))
    assert n - 1 in unreached and len(unreached) > 1, "the test graph should be disconnected"
    with pytest.raises(E.InvalidParameterValue, match="not reached"), conn.transaction():
        conn.execute(f"SELECT indb_ml.graph_sssp_get_path('out', {unreached[0]}, 'p')")  # MADlib: an error
    far = max(ref, key=lambda v: (len(nx.shortest_path(g, 4, v)), v))  # a reached vertex several hops away
    conn.execute(f"SELECT indb_ml.graph_sssp_get_path('out', {far}, 'p2')")
    (path,), = rows(conn, "SELECT path FROM p2")
    assert path[0] == 4 and path[-1] == far and len(path) > 2
    assert abs(nx.path_weight(g, path, "weight") - ref[far]) <= DIST_ATOL


@pytest.mark.parametrize("plan", PLANS)
def test_sssp_negative_weights_and_cycle(postgresql, plan):
    conn = postgresql
    edges = random_graph(40, 130, 3, negative=True, extras=False)
    load(conn, range(40), edges)
    set_plan(conn, plan)
    conn.execute("SELECT indb_ml.graph_sssp('vtx', 'id', 'edg', NULL, 2, 'out')")
    got = {v: (w, p) for v, w, p in rows(conn, "SELECT id, weight, parent FROM out")}
    assert any(w < 0 for _, _, w in edges)
    pred, ref = nx.bellman_ford_predecessor_and_distance(nx_graph(40, edges), 2)
    check_against_nx(got, 40, ref, pred, 2)
    cycle = [(1, 2, 2.0), (2, 3, 1.0), (3, 1, -5.0)]  # 1 -> 2 -> 3 -> 1 weighs -2
    with pytest.raises(nx.NetworkXUnbounded):
        nx.single_source_bellman_ford(nx_graph(40, edges + cycle), 2)
    conn.execute("INSERT INTO edg VALUES (1, 2, 2), (2, 3, 1), (3, 1, -5)")
    with pytest.raises(E.DataException, match="negative cycle"):
        conn.execute("SELECT indb_ml.graph_sssp('vtx', 'id', 'edg', NULL, 2, 'out2')")
    conn.rollback()
    assert rows(conn, "SELECT to_regclass('out2'), to_regclass('out2_summary')") == [(None, None)]


def test_sssp_plans_agree_grouped_text_ids(postgresql):
    conn = postgresql
    e0 = random_graph(30, 90, 5, components=2)
    e1 = random_graph(30, 70, 6)
    load(conn, range(31), e0 + e1, text=True, groups=[0] * len(e0) + [1] * len(e1))
    results = {}
    for plan in PLANS:
        set_plan(conn, plan)
        conn.execute(f"SELECT indb_ml.graph_sssp('vtx', 'id', 'edg', NULL, 'v003', 'out_{plan}', 'grp')")
        results[plan] = rows(conn, f"SELECT grp, id, weight, parent FROM out_{plan} ORDER BY grp, id")
        assert len(results[plan]) < 2 * 31  # only the reached vertices of each group (MADlib's)
        for grp, edges in ((0, e0), (1, e1)):
            pred, ref = nx.dijkstra_predecessor_and_distance(nx_graph(31, edges), 3)
            got = {int(v[1:]): (w, None if p is None else int(p[1:])) for g, v, w, p in results[plan] if g == grp}
            check_against_nx(got, 31, ref, pred, 3)
    assert [r[:3] for r in results["memory"]] == [r[:3] for r in results["relational"]]
    conn.execute("SELECT indb_ml.graph_sssp_get_path('out_memory', 'v003', 'p')")
    assert rows(conn, "SELECT grp, path FROM p ORDER BY grp") == [(0, ["v003"]), (1, ["v003"])]


def test_sssp_karate_weighted_undirected(postgresql):
    """networkx's karate club with its interaction-count weights, stored both ways."""
    conn = postgresql
    edges = both_ways(karate_weighted())
    load(conn, range(34), edges)
    k = nx.karate_club_graph()
    pred, ref = nx.dijkstra_predecessor_and_distance(k, 0)
    out = {}
    for plan in PLANS:
        set_plan(conn, plan)
        conn.execute(f"SELECT indb_ml.graph_sssp('vtx', NULL, 'edg', NULL, 0, 's_{plan}')")
        out[plan] = {v: (w, p) for v, w, p in rows(conn, f"SELECT id, weight, parent FROM s_{plan}")}
        check_against_nx(out[plan], 34, ref, pred, 0)
    assert {v: w for v, (w, _) in out["relational"].items()} == {v: w for v, (w, _) in out["memory"].items()}


# ---- graph_bfs --------------------------------------------------------------------------------

def check_bfs(got, g, source, max_distance=None):
    """got: vertex -> (dist, parent) from SQL, ids as ints. Levels are networkx's
    ``single_source_shortest_path_length``; the parent is the smallest of networkx's BFS
    predecessors (``nx.predecessor``), the rule graph_bfs documents. As MADlib 2.1: a row for each
    reached vertex, none at all when the source is on no edge (with ``directed``, has no out-edge)."""
    ref = nx.single_source_shortest_path_length(g, source, cutoff=max_distance)
    pred = nx.predecessor(g, source, cutoff=max_distance)
    starts = g.out_degree(source) > 0 if g.is_directed() else g.degree(source) > 0
    assert set(got) == (set(ref) if starts else set())
    for v, (d, p) in got.items():
        expect = (0, source) if v == source else (ref[v], min(pred[v]))
        assert (d, p) == expect, f"vertex {v}: got {(d, p)}, networkx {expect}"
    return ref


@pytest.mark.parametrize("source,text", [(0, False), (33, False), (16, True)])
def test_bfs_karate_both_plans_identical(postgresql, source, text):
    conn = postgresql
    edges = [(s, d, 1.0) for s, d in karate_edges()]
    load(conn, range(35), edges, text=text)  # 34 is isolated
    out = {}
    for plan in PLANS:
        set_plan(conn, plan)
        conn.execute("SELECT indb_ml.graph_bfs('vtx', NULL, 'edg', NULL, %s, %s)", [name(source, text), f"b_{plan}"])
        out[plan] = rows(conn, f"SELECT id, dist, parent FROM b_{plan} ORDER BY id")
    assert out["memory"] == out["relational"]
    num = (lambda x: None if x is None else int(x[1:])) if text else (lambda x: x)
    k = nx.karate_club_graph()
    k.add_node(34)
    ref = check_bfs({num(v): (d, num(p)) for v, d, p in out["memory"]}, k, source)
    assert 34 not in ref and name(34, text) not in [r[0] for r in out["memory"]]


@pytest.mark.parametrize("seed", [0, 1])
def test_bfs_directed_max_distance_grouped(postgresql, seed):
    conn = postgresql
    e0 = random_graph(50, 90, seed, weighted=False, components=2)
    e1 = random_graph(50, 60, seed + 10, weighted=False)
    load(conn, range(50), e0 + e1, groups=[7] * len(e0) + [8] * len(e1))
    for md in (None, 2):
        out = {}
        for plan in PLANS:
            set_plan(conn, plan)
            tab = f"b_{plan}_{md or 0}"
            conn.execute("SELECT indb_ml.graph_bfs('vtx', 'id', 'edg', 'src=src, dest=dest', 1, %s, %s, true, 'grp')",
                         [tab, md])
            out[plan] = rows(conn, f"SELECT grp, id, dist, parent FROM {tab} ORDER BY grp, id")
        assert out["memory"] == out["relational"]
        for grp, edges in ((7, e0), (8, e1)):
            g = nx.DiGraph()
            g.add_nodes_from(range(50))
            g.add_edges_from((s, d) for s, d, _ in edges)
            ref = check_bfs({v: (d, p) for gr, v, d, p in out["memory"] if gr == grp}, g, 1, md)
            assert len(ref) < 50
    summ = rows(conn, "SELECT source_vertex, max_distance, directed, grouping_cols FROM b_memory_2_summary")
    assert summ == [(1, 2, True, "grp")]


# ---- graph_apsp -------------------------------------------------------------------------------

def test_apsp_madlib_example_and_path(postgresql):
    conn = postgresql
    load(conn, range(8), MADLIB)
    conn.execute("SELECT indb_ml.graph_apsp('vtx', NULL, 'edg', NULL, 'ap')")
    got = rows(conn, "SELECT src, dest, weight, parent FROM ap WHERE src < 2 ORDER BY src, dest")
    assert got == [(0, 0, 0, 0), (0, 1, 1, 1), (0, 2, 1, 2), (0, 3, 2, 2), (0, 4, 10, 4), (0, 5, 2, 2), (0, 6, 3, 5),
                   (0, 7, 4, 6), (1, 0, 4, 3), (1, 1, 0, 1), (1, 2, 2, 2), (1, 3, 3, 2), (1, 4, 14, 0), (1, 5, 3, 2),
                   (1, 6, 4, 5), (1, 7, 5, 6)]  # MADlib's documented rows
    fw = nx.floyd_warshall(nx_graph(8, MADLIB))
    allrows = rows(conn, "SELECT src, dest, weight FROM ap")
    reachable = [(s, d) for s in range(8) for d in range(8) if fw[s][d] < math.inf]
    assert sorted((s, d) for s, d, _ in allrows) == reachable  # MADlib 2.1 writes the reachable pairs only
    assert all(abs(w - fw[s][d]) <= DIST_ATOL for s, d, w in allrows)
    conn.execute("SELECT indb_ml.graph_apsp_get_path('ap', 0, 5, 'p')")
    assert rows(conn, "SELECT path FROM p") == [([0, 2, 5],)]
    conn.execute("SELECT indb_ml.graph_apsp_get_path('ap', 1, 4, 'p2')")
    assert rows(conn, "SELECT path FROM p2") == [([1, 2, 3, 0, 4],)]
    with pytest.raises(E.InvalidParameterValue, match="no path"), conn.transaction():
        conn.execute("SELECT indb_ml.graph_apsp_get_path('ap', 7, 0, 'p3')")  # MADlib: an error


def test_apsp_random_text_ids_grouped(postgresql):
    """Group 1: directed, disconnected; group 2: negative weights; group 3: undirected (both ways)."""
    conn = postgresql
    e0 = random_graph(25, 70, 8, components=2)
    e1 = random_graph(25, 50, 9, negative=True, extras=False)
    e2 = random_graph(25, 40, 10, components=2, directed=False)
    groups = {1: (e0, True), 2: (e1, True), 3: (e2, False)}
    stored = e0 + e1 + both_ways(e2)
    load(conn, range(25), stored, text=True, groups=[1] * len(e0) + [2] * len(e1) + [3] * (2 * len(e2)))
    conn.execute("SELECT indb_ml.graph_apsp('vtx', 'id', 'edg', NULL, 'ap', 'grp')")
    conn.execute("SELECT indb_ml.graph_apsp_get_path('ap', 'v000', 'v011', 'p')")
    paths = dict(rows(conn, "SELECT grp, path FROM p"))  # MADlib: a row for each group with a path
    assert set(paths) < set(groups)
    for grp, (edges, directed) in groups.items():
        g = nx_graph(25, edges, directed)
        ends = {v for s, d, _ in edges for v in (s, d)}  # a group's vertices: its edges' ends (MADlib's)
        fw = nx.floyd_warshall(g)
        got = rows(conn, f"SELECT src, dest, weight, parent FROM ap WHERE grp = {grp}")
        assert sorted((int(s[1:]), int(d[1:])) for s, d, _, _ in got) == sorted(
            (s, d) for s in ends for d in ends if fw[s][d] < math.inf)
        for s, d, w, _ in got:
            assert abs(w - fw[int(s[1:])][int(d[1:])]) <= DIST_ATOL, (grp, s, d, w)
        if fw[0][11] == math.inf:
            assert grp not in paths
        else:
            hops = [int(v[1:]) for v in paths[grp]]
            assert hops[0] == 0 and hops[-1] == 11
            assert abs(nx.path_weight(g, hops, "weight") - fw[0][11]) <= DIST_ATOL
    assert paths


def test_apsp_memory_cap(postgresql):
    """300^2 pairs x 40 bytes > 1 MB: an explicit memory plan refuses; auto writes the pairs
    relationally (tests/test_graph_relational_measures.py compares that plan in depth). A chain
    0 -> 1 -> ... -> 299: the pairs i <= j have paths."""
    conn = postgresql
    load(conn, range(300), [(i, i + 1, 1.0) for i in range(299)])
    conn.execute("SET indb_ml.matrix_memory_mb = 1")
    conn.commit()
    set_plan(conn, "memory")
    with pytest.raises(E.ProgramLimitExceeded, match="matrix_memory_mb"):
        conn.execute("SELECT indb_ml.graph_apsp('vtx', NULL, 'edg', NULL, 'ap')")
    conn.rollback()
    set_plan(conn, "auto")
    conn.execute("SELECT indb_ml.graph_apsp('vtx', NULL, 'edg', NULL, 'ap')")
    assert rows(conn, "SELECT plan FROM ap_summary") == [("relational",)]
    assert rows(conn, "SELECT count(*), count(*) FILTER (WHERE weight = dest - src), "
                      "count(*) FILTER (WHERE src = 0 AND dest = 1 AND weight = 1 AND parent = 1) FROM ap") \
        == [(300 * 301 // 2, 300 * 301 // 2, 1)]


# ---- bad input --------------------------------------------------------------------------------

@pytest.mark.parametrize("plan", PLANS)
def test_bad_inputs(postgresql, plan):
    conn = postgresql
    load(conn, range(5), [(0, 1, 1.0), (1, 2, 1.0)])
    conn.commit()  # each failure rolls back; the tables must survive it
    set_plan(conn, plan)

    def fails(sql, exc, match):
        with pytest.raises(exc, match=match):
            conn.execute(sql)
        conn.rollback()
        set_plan(conn, plan)

    fails("SELECT indb_ml.graph_sssp('vtx', NULL, 'edg', NULL, 99, 'o')", E.InvalidParameterValue, "not a vertex")
    fails("SELECT indb_ml.graph_bfs('vtx', NULL, 'edg', NULL, 99, 'o')", E.InvalidParameterValue, "not a vertex")
    fails("SELECT indb_ml.graph_sssp('vtx', NULL, 'edg', NULL, NULL::bigint, 'o')", E.InvalidParameterValue, "NULL")
    fails("SELECT indb_ml.graph_sssp('vtx', NULL, 'edg', NULL, 'abc', 'o')", E.InvalidParameterValue, "not a vertex")
    fails("SELECT indb_ml.graph_sssp('vtx', NULL, 'edg', 'src=src, dst=dest', 0, 'o')", E.InvalidParameterValue,
          "unknown key 'dst'")
    fails("SELECT indb_ml.graph_sssp('vtx', NULL, 'edg', 'src=src,, dest', 0, 'o')", E.SyntaxError, "edge_args")
    fails("SELECT indb_ml.graph_sssp('vtx', NULL, 'edg', 'weight=nope', 0, 'o')", E.UndefinedColumn, "nope")
    fails("SELECT indb_ml.graph_bfs('vtx', NULL, 'edg', NULL, 0, 'o', -1)", E.InvalidParameterValue, "max_distance")
    # MADlib's conventions: an edge to a vertex outside the vertex table is not followed by SSSP
    # without grouping, and followed by BFS (its vertices are the edges' ends); NULL edges are skipped.
    conn.execute("INSERT INTO edg VALUES (2, 42, 1.0), (NULL, 1, 1.0), (1, NULL, 1.0), (0, 3, NULL)")
    conn.commit()
    conn.execute("SELECT indb_ml.graph_sssp('vtx', NULL, 'edg', NULL, 0, 'o_null')")
    assert rows(conn, "SELECT id, weight, parent FROM o_null ORDER BY id") == [(0, 0, 0), (1, 1, 0), (2, 2, 1)]
    conn.execute("SELECT indb_ml.graph_bfs('vtx', NULL, 'edg', NULL, 0, 'b_null')")
    assert rows(conn, "SELECT id, dist, parent FROM b_null ORDER BY id") == [(0, 0, 0), (1, 1, 0), (2, 2, 1),
                                                                            (3, 1, 0), (42, 3, 2)]
    conn.rollback()
    set_plan(conn, plan)
    conn.execute("DELETE FROM edg WHERE src IS NULL OR dest IS NULL OR weight IS NULL OR dest = 42")
    conn.execute("INSERT INTO vtx VALUES (NULL)")
    conn.commit()
    fails("SELECT indb_ml.graph_bfs('vtx', NULL, 'edg', NULL, 0, 'o')", E.NotNullViolation, "NULL ids")
    conn.execute("DELETE FROM vtx WHERE id IS NULL")
    conn.execute("SELECT indb_ml.graph_sssp('vtx', NULL, 'edg', NULL, 0, 'o')")
    conn.commit()
    fails("SELECT indb_ml.graph_sssp('vtx', NULL, 'edg', NULL, 0, 'o')", E.DuplicateTable, "already exists")
    fails("SELECT indb_ml.graph_sssp_get_path('vtx', 1, 'p')", E.UndefinedTable, "summary")
    fails("SELECT indb_ml.graph_sssp_get_path('o', 77, 'p')", E.InvalidParameterValue, "not reached")
    fails("SELECT indb_ml.graph_sssp_get_path('o', 'x', 'p')", E.InvalidParameterValue, "not a vertex id of type")
    conn.execute("CREATE TABLE edg_g AS SELECT *, 1 AS grp FROM edg WHERE false")  # grouped, no edges at all
    conn.commit()
    fails("SELECT indb_ml.graph_bfs('vtx', NULL, 'edg_g', NULL, 99, 'o2', NULL, NULL, 'grp')", E.InvalidParameterValue,
          "not a vertex")
    fails("SELECT indb_ml.graph_sssp('vtx', NULL, 'edg', NULL, 0, 'x; DROP TABLE vtx')", E.InvalidParameterValue,
          "not a valid table name")
    assert rows(conn, "SELECT count(*) FROM vtx") == [(5,)]


def test_usage(postgresql):
    for fn in ("graph_sssp", "graph_bfs", "graph_apsp"):
        text = postgresql.execute(f"SELECT indb_ml.{fn}()").fetchone()[0]
        assert fn in text and "edge_args" in text


def test_auto_plan_chooses_by_size(postgresql):
    """auto keeps a small graph in memory and sends one above indb_ml.matrix_memory_mb to the relational plan."""
    conn = postgresql
    conn.execute("CREATE TABLE vtx AS SELECT g AS id FROM generate_series(0, 4999) g")
    conn.execute("CREATE TABLE edg AS SELECT g % 5000 AS src, (g % 5000 + 1 + (g / 5000) * 997) % 5000 AS dest, "
                 "1.0::float8 + g % 3 AS weight FROM generate_series(0, 29999) g")
    conn.execute("SELECT indb_ml.graph_sssp('vtx', NULL, 'edg', NULL, 0, 'small')")
    conn.execute("SET indb_ml.matrix_memory_mb = 1")  # 30,000 edges x 56 bytes > 1 MB
    conn.execute("SELECT indb_ml.graph_sssp('vtx', NULL, 'edg', NULL, 0, 'big')")
    assert rows(conn, "SELECT a.plan, b.plan FROM small_summary a, big_summary b") == [("memory", "relational")]
    diff = rows(conn, "SELECT count(*) FROM small s JOIN big b USING (id) WHERE s.weight <> b.weight")
    assert diff == [(0,)]
    assert rows(conn, "SELECT count(*) FROM big WHERE weight < 'Infinity'")[0][0] > 1000
