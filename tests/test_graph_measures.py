"""graph_closeness / graph_diameter / graph_avg_path_length over graph_apsp, graph_triangle_count, graph_kcore.

Oracles: networkx on the karate club and on seeded random graphs (directed and undirected,
weighted, disconnected; tests/test_graph_kernels_paths.py), plus MADlib's documented numbers
for its 8-vertex example. Tolerances: ``MEASURE_ATOL = 1e-9`` on the path measures (sums of up
to 35 integer distances and their inverses), ``CC_ATOL = 1e-12`` on clustering, exact on counts.

MADlib's closeness differs from networkx's in three ways, so the tests transform explicitly:

- direction: MADlib sums distances *from* ``src`` (rows of the APSP table); networkx's
  ``closeness_centrality`` and ``harmonic_centrality`` use distances *to* the vertex on a
  digraph, so they are called on ``G.reverse()`` (networkx's documented way to get outward
  distances);
- normalisation: MADlib's ``inverse_avg_dist`` = k / sum over the k reachable vertices, which is
  networkx's closeness with ``wf_improved=False`` ((reachable - 1) / sum); the default
  Wasserman-Faust factor (k / (n - 1)) would rescale disconnected graphs, so it is turned off.
  On a connected graph both agree, and the karate club is compared with networkx's default;
- ``inverse_sum_dist`` (1 / sum) has no networkx function: it is networkx's closeness divided
  by k, with k = ``len(nx.descendants(G, v))``; where nothing is reachable networkx returns 0
  and MADlib NULL. ``sum_inverse_dist`` is networkx's ``harmonic_centrality`` (both skip 0).

Diameter: MADlib's is the largest *finite* distance between distinct vertices. Average path
length: MADlib documents and tests the sum of the finite distances over all n (n - 1) ordered
pairs of distinct vertices (an unreachable pair counts 0). networkx's ``diameter`` and
``average_shortest_path_length`` are defined only for (strongly) connected graphs, where the
definitions agree (the karate club); on disconnected graphs networkx raises, and the tests use
the finite entries of networkx's ``all_pairs_dijkstra_path_length`` instead.
"""

from __future__ import annotations

import math

import networkx as nx
import psycopg.errors as E
import pytest

from tests.test_graph_kernels_paths import CC_ATOL, MADLIB, both_ways, karate_edges, nx_graph, nx_simple, random_graph
from tests.test_graph_paths import load, rows

MEASURE_ATOL = 1e-9


def closeness_nx(g, n):
    """MADlib's (inverse_sum_dist, inverse_avg_dist, sum_inverse_dist, k_degree) per vertex,
    from networkx, transformed as the module docstring explains."""
    out_g = g.reverse() if g.is_directed() else g
    close = nx.closeness_centrality(out_g, distance="weight", wf_improved=False)
    harmonic = nx.harmonic_centrality(out_g, distance="weight")
    out = {}
    for v in range(n):
        k = len(nx.descendants(g, v))
        inv_avg = close[v] if k else None  # networkx: 0.0 when nothing is reachable; MADlib: NULL
        out[v] = (inv_avg / k if k else None, inv_avg, harmonic[v], k)
    return out


def finite_distances(g):
    """(distance, src, dest) of every reachable ordered pair, diagonal included, from networkx."""
    return [(d, s, t) for s, lengths in nx.all_pairs_dijkstra_path_length(g) for t, d in lengths.items()]


def test_measures_madlib_example(postgresql):
    conn = postgresql
    load(conn, range(8), MADLIB)
    conn.execute("SELECT indb_ml.graph_apsp('vtx', NULL, 'edg', NULL, 'ap')")
    conn.execute("SELECT indb_ml.graph_closeness('ap', 'cl')")
    got = {r[0]: r[1:] for r in rows(conn, "SELECT src, inverse_sum_dist, inverse_avg_dist, sum_inverse_dist, "
                                           "k_degree FROM cl")}
    # MADlib's documented output (negative weights: networkx's closeness functions run Dijkstra,
    # which refuses them, so the documented numbers are the oracle here)
    expect = {0: (0.0434782608695652, 0.304347826086957, 3.68333333333333, 7),
              1: (0.0285714285714286, 0.2, 1.93809523809524, 7), 2: (0.0416666666666667, 0.291666666666667, 3.75, 7),
              3: (0.0357142857142857, 0.25, 2.87424242424242, 7), 4: (-1, -7, -1, 7),
              5: (0.333333333333333, 0.666666666666667, 1.5, 2), 6: (1, 1, 1, 1), 7: (None, None, 0, 0)}
    assert set(got) == set(expect)
    for v, e in expect.items():
        for a, b in zip(got[v], e):
            assert (a is None and b is None) or a == pytest.approx(b, abs=1e-12), (v, got[v], e)
    fw = nx.floyd_warshall(nx_graph(8, MADLIB))
    finite = [(fw[s][t], s, t) for s in range(8) for t in range(8) if s != t and fw[s][t] < math.inf]
    assert max(finite) == (14, 1, 4)
    conn.execute("SELECT indb_ml.graph_diameter('ap', 'dia')")
    assert rows(conn, "SELECT diameter, diameter_end_vertices FROM dia") == [(14, [[1, 4]])]
    conn.execute("SELECT indb_ml.graph_avg_path_length('ap', 'apl')")
    # MADlib's documented output (src/ports/postgres/modules/graph/measures.sql_in:
    # 2.01785714285714) and its test's assertion (src/ports/postgres/modules/graph/test/
    # measures.sql_in and apsp_measures.ic.sql_in: relative_error(avg_path_length, 2.0178) < 1e-2)
    # are 113 / 56: networkx's Floyd-Warshall sum of the 38 finite distances over all 8 * 7 ordered
    # pairs, an unreachable pair counting 0.
    assert (sum(d for d, _, _ in finite), len(finite)) == (113, 38)
    (apl,), = rows(conn, "SELECT avg_path_length FROM apl")
    assert apl == pytest.approx(113 / 56, abs=1e-12) and apl == pytest.approx(2.01785714285714, abs=1e-13)
    conn.execute("SELECT indb_ml.graph_closeness('ap', 'cl2', 'src >= 0 AND src <= 5 AND src <> 3')")
    assert [r[0] for r in rows(conn, "SELECT src FROM cl2 ORDER BY src")] == [0, 1, 2, 4, 5]


def test_avg_path_length_madlib_grouped_example(postgresql):
    """MADlib's grouped example (src/ports/postgres/modules/graph/measures.sql_in, "Find the
    average path length in every group"): grp 0 is the 8-vertex graph, grp 1 its edges among
    vertices 0..5 plus 4 -> 5 at -20. Documented: 2.01785714285714 and 0.466666666666667, i.e.
    the finite distances (networkx's Floyd-Warshall) summed over all n (n - 1) ordered pairs of
    each group's vertices (113 / 56 and 14 / 30)."""
    conn = postgresql
    g1 = [e for e in MADLIB if e[0] < 6 and e[1] < 6] + [(4, 5, -20.0)]
    load(conn, range(8), MADLIB + g1, groups=[0] * len(MADLIB) + [1] * len(g1))
    conn.execute("SELECT indb_ml.graph_apsp('vtx', NULL, 'edg', NULL, 'ap', 'grp')")
    conn.execute("SELECT indb_ml.graph_avg_path_length('ap', 'apl')")
    got = dict(rows(conn, "SELECT grp, avg_path_length FROM apl ORDER BY grp"))
    for grp, edges, documented in [(0, MADLIB, 2.01785714285714), (1, g1, 0.466666666666667)]:
        verts = sorted({v for s, d, _ in edges for v in (s, d)})
        fw = nx.floyd_warshall(nx_graph(8, edges))
        total = sum(fw[s][t] for s in verts for t in verts if s != t and fw[s][t] < math.inf)
        nv = len(verts)
        assert got[grp] == pytest.approx(total / (nv * (nv - 1)), abs=1e-12)
        assert got[grp] == pytest.approx(documented, abs=1e-13)
    assert (got[0] * 56, got[1] * 30) == (pytest.approx(113), pytest.approx(14))


def test_measures_karate_and_grouped_random(postgresql):
    """Group 0: the karate club (connected, compared with networkx's own closeness, diameter,
    periphery and average_shortest_path_length); group 1: a weighted digraph in three blocks
    plus an isolated vertex; group 2: a weighted undirected graph in two blocks."""
    conn = postgresql
    n = 36
    kar = [(s, d, 1.0) for s, d in karate_edges()]
    rnd = random_graph(n - 1, 100, 4, components=3)
    und = random_graph(n, 60, 5, components=2, directed=False)
    graphs = {0: (both_ways(kar), nx_graph(n, kar, directed=False)), 1: (rnd, nx_graph(n, rnd)),
              2: (both_ways(und), nx_graph(n, und, directed=False))}
    stored = [e for grp in graphs for e in graphs[grp][0]]
    load(conn, range(n), stored, groups=[grp for grp in graphs for _ in graphs[grp][0]])
    conn.execute("SELECT indb_ml.graph_apsp('vtx', NULL, 'edg', NULL, 'ap', 'grp')")
    conn.execute("SELECT indb_ml.graph_closeness('ap', 'cl')")
    conn.execute("SELECT indb_ml.graph_diameter('ap', 'dia')")
    conn.execute("SELECT indb_ml.graph_avg_path_length('ap', 'apl')")
    for grp, (_, g) in graphs.items():
        ref = closeness_nx(g, n)
        got = {r[0]: r[1:] for r in rows(conn, f"SELECT src, inverse_sum_dist, inverse_avg_dist, sum_inverse_dist, "
                                               f"k_degree FROM cl WHERE grp = {grp}")}
        ends = {v for s, d, _ in graphs[grp][0] for v in (s, d)}
        assert set(got) == ends  # graph_apsp's vertices are the edges' ends (MADlib's)
        for s in ends:
            for a, b in zip(got[s], ref[s]):
                assert (a is None and b is None) or abs(a - b) <= MEASURE_ATOL, (grp, s, got[s], ref[s])
        finite = finite_distances(g)
        dmax = max(d for d, _, _ in finite)
        (diameter, ends), = rows(conn, f"SELECT diameter, diameter_end_vertices FROM dia WHERE grp = {grp}")
        assert abs(diameter - dmax) <= MEASURE_ATOL
        assert ends == sorted([s, t] for d, s, t in finite if d == dmax)
        off = [d for d, s, t in finite if s != t]
        (apl,), = rows(conn, f"SELECT avg_path_length FROM apl WHERE grp = {grp}")
        nv = len({v for s, d, _ in graphs[grp][0] for v in (s, d)})  # MADlib's: all ordered pairs of its vertices
        assert abs(apl - sum(off) / (nv * (nv - 1))) <= MEASURE_ATOL
        if grp:
            assert len(off) < n * (n - 1), "the test graph should be disconnected"
            with pytest.raises(nx.NetworkXError):  # why the finite-pairs transform is needed here
                nx.average_shortest_path_length(g)
    # the karate club is connected: networkx's own functions, default arguments, apply directly
    karate = nx.karate_club_graph()
    close = nx.closeness_centrality(karate)
    got = dict(rows(conn, "SELECT src, inverse_avg_dist FROM cl WHERE grp = 0 AND src < 34"))
    assert all(abs(got[v] - close[v]) <= MEASURE_ATOL for v in range(34))
    (diameter, ends), = rows(conn, "SELECT diameter, diameter_end_vertices FROM dia WHERE grp = 0")
    assert diameter == nx.diameter(karate) == 5
    assert sorted({s for s, _ in ends}) == sorted(nx.periphery(karate))
    (apl,), = rows(conn, "SELECT avg_path_length FROM apl WHERE grp = 0")
    assert abs(apl - nx.average_shortest_path_length(karate)) <= MEASURE_ATOL  # 34, 35: isolated, pairs infinite


def test_measure_bad_inputs(postgresql):
    conn = postgresql
    load(conn, range(3), [(0, 1, 1.0)])
    conn.execute("SELECT indb_ml.graph_apsp('vtx', NULL, 'edg', NULL, 'ap')")
    conn.commit()
    for sql, exc, match in [
        ("SELECT indb_ml.graph_closeness('edg', 'c')", E.UndefinedTable, "not a graph_apsp output"),
        ("SELECT indb_ml.graph_diameter('nope', 'c')", E.UndefinedTable, "does not exist"),
        ("SELECT indb_ml.graph_closeness('ap', 'c', 'src = 1; DROP TABLE vtx')", E.SyntaxError, "single expression"),
        ("SELECT indb_ml.graph_closeness('ap', 'c', 'pg_sleep(1) = 1')", E.SyntaxError, "not allowed"),
        ("SELECT indb_ml.graph_avg_path_length('ap', 'ap')", E.DuplicateTable, "already exists"),
    ]:
        with pytest.raises(exc, match=match):
            conn.execute(sql)
        conn.rollback()
    assert rows(conn, "SELECT count(*) FROM vtx") == [(3,)]




# ---- triangles and k-core ---------------------------------------------------------------------

@pytest.mark.parametrize("text", [False, True])
def test_triangles_and_kcore_grouped(postgresql, text):
    """networkx's triangles / clustering / average_clustering / transitivity / core_number / k_core
    on the simple undirected graph the functions document (``nx_simple``: direction ignored,
    duplicates once, self-loops dropped). Group 0: karate club with reversed duplicates and a
    self-loop; group 1: a random digraph in two blocks (vertices 38, 39 isolated)."""
    conn = postgresql
    kar = [(s, d, 1.0) for s, d in karate_edges()]
    kar += [(d, s, 1.0) for s, d, _ in kar[:10]] + [(5, 5, 1.0)]  # reversed duplicates and a self-loop
    rnd = random_graph(38, 150, 2, components=2)
    load(conn, range(40), kar + rnd, text=text, groups=[0] * len(kar) + [1] * len(rnd))
    conn.execute("SELECT indb_ml.graph_triangle_count('vtx', 'id', 'edg', 'src=src, dest=dest', 'tri', 'grp')")
    conn.execute("SELECT indb_ml.graph_kcore('vtx', 'id', 'edg', NULL, 'kc', 'grp')")
    num = (lambda v: int(v[1:])) if text else (lambda v: v)
    for grp, edges in ((0, kar), (1, rnd)):
        g = nx_simple(40, [(s, d) for s, d, _ in edges])
        tri, cc, core = nx.triangles(g), nx.clustering(g), nx.core_number(g)
        got = rows(conn, f"SELECT id, triangles, clustering_coef, degree FROM tri WHERE grp = {grp} ORDER BY id")
        assert len(got) == 40
        for v, t, c, d in got:
            i = num(v)
            assert (t, d) == (tri[i], g.degree(i)) and abs(c - cc[i]) <= CC_ATOL, (grp, v)
        kc = {num(v): k for v, k in rows(conn, f"SELECT id, core_number FROM kc WHERE grp = {grp}")}
        assert kc == core
        (n3, avg_cc), = rows(conn, f"SELECT num_triangles, average_clustering FROM tri_summary WHERE grp = {grp}")
        assert n3 == sum(tri.values()) // 3 > 0
        assert abs(avg_cc - nx.average_clustering(g)) <= CC_ATOL  # the 6 isolated vertices count as 0, as in nx
        (max_core, max_core_size), = rows(conn, f"SELECT max_core, max_core_size FROM kc_summary WHERE grp = {grp}")
        assert (max_core, max_core_size) == (max(core.values()), len(nx.k_core(g)))
    assert rows(conn, "SELECT num_triangles, max_core FROM tri_summary JOIN kc_summary USING (grp) WHERE grp = 0") \
        == [(45, 4)]  # the karate club's published counts


def test_transitivity_matches_networkx(postgresql):
    """Transitivity (3 x triangles / connected triples) of the karate club: networkx gives
    0.2556818181818182 (an earlier version reported half of it)."""
    conn = postgresql
    load(conn, range(34), [(s, d, 1.0) for s, d in karate_edges()])
    conn.execute("SELECT indb_ml.graph_triangle_count('vtx', NULL, 'edg', NULL, 'tri')")
    (trans,), = rows(conn, "SELECT transitivity FROM tri_summary")
    assert abs(trans - nx.transitivity(nx.karate_club_graph())) <= CC_ATOL


def test_triangles_relational_plan_and_bad_input(postgresql):
    """Both plans run (tests/test_graph_relational_measures.py compares them in depth)."""
    conn = postgresql
    load(conn, range(3), [(0, 1, 1.0), (1, 2, 1.0), (2, 0, 1.0)])
    conn.execute("SELECT indb_ml.graph_triangle_count('vtx', NULL, 'edg', NULL, 'tri')")
    assert rows(conn, "SELECT id, triangles, clustering_coef FROM tri ORDER BY id") == [(0, 1, 1.0), (1, 1, 1.0),
                                                                                        (2, 1, 1.0)]
    conn.commit()
    conn.execute("SET indb_ml.graph_plan = 'relational'")
    conn.execute("SELECT indb_ml.graph_kcore('vtx', NULL, 'edg', NULL, 'kc')")
    assert rows(conn, "SELECT id, core_number FROM kc ORDER BY id") == [(0, 2), (1, 2), (2, 2)]
    assert rows(conn, "SELECT max_core, max_core_size, plan FROM kc_summary") == [(2, 3, "relational")]
    conn.rollback()
    conn.execute("INSERT INTO edg VALUES (0, 9, 1.0)")
    with pytest.raises(E.ForeignKeyViolation, match="vertex 9"):
        conn.execute("SELECT indb_ml.graph_kcore('vtx', NULL, 'edg', NULL, 'kc')")
    conn.rollback()
    assert rows(conn, "SELECT to_regclass('kc'), to_regclass('kc_summary')") == [(None, None)]


def test_usage(postgresql):
    for fn in ("graph_closeness", "graph_diameter", "graph_avg_path_length", "graph_triangle_count", "graph_kcore"):
        text = postgresql.execute(f"SELECT indb_ml.{fn}()").fetchone()[0]
        assert fn in text


def test_triangle_count_and_kcore_aliases(postgresql):
    """The issue's names call the graph_-prefixed functions."""
    g = nx.karate_club_graph()
    postgresql.execute("CREATE TABLE kv (id int); CREATE TABLE ke (src int, dest int)")
    postgresql.execute("INSERT INTO kv SELECT generate_series(0, 33)")
    with postgresql.cursor().copy("COPY ke FROM STDIN") as copy:
        for u, v in g.edges():
            copy.write_row([u, v])
    postgresql.execute("SELECT indb_ml.triangle_count('kv', 'id', 'ke', NULL, 't')")
    postgresql.execute("SELECT indb_ml.kcore('kv', 'id', 'ke', NULL, 'k')")
    assert dict(postgresql.execute("SELECT id, triangles FROM t").fetchall()) == nx.triangles(g)
    assert dict(postgresql.execute("SELECT id, core_number FROM k").fetchall()) == nx.core_number(g)
