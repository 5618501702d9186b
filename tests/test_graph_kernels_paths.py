"""Path and measure kernels against networkx on the karate club and on random graphs.

Graphs: ``nx.karate_club_graph()`` (its 78 edges, unweighted or with networkx's interaction
counts as weights) and seeded ``nx.gnm_random_graph`` blocks joined by ``nx.disjoint_union_all``
(so the graph is disconnected), directed or undirected, with integer weights, optional
negative weights without negative cycles, duplicate edges and a self-loop. The oracle graph is
a networkx multigraph built from exactly the edge list the kernel gets: networkx's shortest-path
functions use the lightest of parallel edges, the kernels' documented duplicate rule.

Tolerances: distances ``atol=1e-9`` (weights are small integers, so every distance is an exact
float and the tolerance only guards the comparison); clustering ``atol=1e-12``; counts,
levels and core numbers exact. Parent checks use networkx's *complete* predecessor lists
(``dijkstra_/bellman_ford_predecessor_and_distance``, ``nx.predecessor``), so a parent must be
one networkx also considers on a shortest path. The other graph test files import the graph
builders from here.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from indb_ml.kernels import graph_measures as gm
from indb_ml.kernels import graph_paths as gp

DIST_ATOL = 1e-9
CC_ATOL = 1e-12
# MADlib's graph_sssp / graph_apsp documentation example (0-based as in its docs).
MADLIB = [(0, 1, 1.0), (0, 2, 1.0), (0, 4, 10.0), (1, 2, 2.0), (1, 3, 10.0), (2, 3, 1.0), (2, 5, 1.0),
          (2, 6, 3.0), (3, 0, 1.0), (4, 0, -2.0), (5, 6, 1.0), (6, 7, 1.0)]


# ---- graphs -------------------------------------------------------------------------------

def karate_edges() -> list[tuple[int, int]]:
    """networkx's karate club: the 78 undirected edges (i < j), 34 vertices."""
    return sorted((min(s, d), max(s, d)) for s, d in nx.karate_club_graph().edges())


def karate_weighted() -> list[tuple[int, int, float]]:
    """The karate club's edges with networkx's ``weight`` attribute (interaction counts 1..7)."""
    return sorted((min(s, d), max(s, d), float(w)) for s, d, w in nx.karate_club_graph().edges(data="weight"))


def random_graph(n: int, m: int, seed: int, weighted: bool = True, negative: bool = False,
                 components: int = 1, extras: bool = True, directed: bool = True):
    """Edges ``(src, dst, w)`` of ``components`` seeded ``nx.gnm_random_graph`` blocks over ``n``
    vertices (``m`` edges split in proportion to block size), vertex labels shuffled so blocks
    interleave. Undirected graphs list each edge once (:func:`both_ways` gives MADlib's form).
    ``extras`` appends a duplicate of the first edge with a heavier weight and a self-loop.
    With ``negative``, weights are shifted by a potential (``w + p[s] - p[d]``): many become
    negative but every directed cycle keeps its nonnegative total (directed graphs only)."""
    rng = np.random.default_rng(seed)
    sizes = [n // components + (i < n % components) for i in range(components)]
    blocks = []
    for i, size in enumerate(sizes):
        cap = size * (size - 1) // (1 if directed else 2)
        blocks.append(nx.gnm_random_graph(size, min(cap, round(m * size / n)), seed=seed * 101 + i, directed=directed))
    g = nx.disjoint_union_all(blocks)
    perm = rng.permutation(n)
    potential = rng.integers(0, 9, size=n)
    edges = []
    for s, d in g.edges():
        s, d = int(perm[s]), int(perm[d])
        w = float(rng.integers(1, 10)) if weighted else 1.0
        if negative:
            w += float(potential[s] - potential[d])
        edges.append((s, d, w))
    edges = [edges[i] for i in rng.permutation(len(edges))]
    if extras and edges:
        s, d, w = edges[0]
        edges.append((s, d, w + 3.0))
        edges.append((s, s, 2.0))
    return edges


def both_ways(edges):
    """An undirected edge list as MADlib stores it: every edge in both directions."""
    return list(edges) + [(d, s, w) for s, d, w in edges]


def nx_graph(n: int, edges, directed: bool = True):
    """The networkx oracle graph: a multigraph on ``0..n-1`` with exactly these edges."""
    g = nx.MultiDiGraph() if directed else nx.MultiGraph()
    g.add_nodes_from(range(n))
    g.add_weighted_edges_from(edges)
    return g


def nx_simple(n: int, pairs):
    """The simple undirected graph the triangle / k-core functions document: direction ignored,
    duplicates once, self-loops dropped (``nx.core_number`` refuses self-loops)."""
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from((s, d) for s, d in pairs if s != d)
    return g


def dist_array(n: int, lengths: dict) -> np.ndarray:
    """A networkx ``{vertex: length}`` dict as a dense array, ``inf`` where absent (unreachable)."""
    out = np.full(n, np.inf)
    for v, d in lengths.items():
        out[v] = d
    return out


def arrays(edges):
    e = np.array(edges, dtype=np.float64).reshape(-1, 3)
    return e[:, 0].astype(np.int64), e[:, 1].astype(np.int64), e[:, 2]


def hops(dist):
    """BFS levels as path lengths: -1 (not reached) becomes inf."""
    return np.where(dist < 0, np.inf, dist.astype(float))


def check_parents(dist, parent, source, nx_pred):
    """Parents against networkx's complete shortest-path predecessor lists ``nx_pred``:
    unreachable -> -1, the source -> itself, any other vertex -> one of networkx's predecessors."""
    for v in range(len(dist)):
        if not np.isfinite(dist[v]):
            assert parent[v] == -1, f"vertex {v} unreachable but has parent {parent[v]}"
        elif v == source:
            assert parent[v] == source
        else:
            assert int(parent[v]) in nx_pred[v], f"parent {parent[v]} of {v} is not among networkx's {nx_pred[v]}"


# ---- BFS ----------------------------------------------------------------------------------

@pytest.mark.parametrize("source", [0, 16, 33])
def test_bfs_karate_undirected(source):
    e = [(s, d, 1.0) for s, d in karate_edges()]
    src, dst, w = arrays(e)
    dist, parent = gp.bfs(gp.adjacency(34, src, dst, w), source)
    k = nx.karate_club_graph()
    assert dist.tolist() == [nx.shortest_path_length(k, source, v) for v in range(34)]
    pred = nx.predecessor(k, source)
    # the smallest-parent rule the relational plan also uses
    assert all(parent[v] == min(pred[v]) for v in range(34) if v != source) and parent[source] == source


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("directed", [True, False])
def test_bfs_random_with_max_distance(seed, directed):
    """Directed graphs (followed along the edges) and undirected ones (edges stored once, the
    kernel follows them both ways, as MADlib's graph_bfs with directed=false)."""
    e = random_graph(60, 130, seed, weighted=False, components=3, directed=directed)
    src, dst, w = arrays(e)
    adj = gp.adjacency(60, src, dst, w)
    g = nx.DiGraph() if directed else nx.Graph()
    g.add_nodes_from(range(60))
    g.add_edges_from((s, d) for s, d, _ in e)
    for md in (None, 1, 2, 3):
        dist, parent = gp.bfs(adj, 5, max_distance=md, directed=directed)
        ref = nx.single_source_shortest_path_length(g, 5, cutoff=md)
        assert dist.tolist() == [ref.get(v, -1) for v in range(60)], f"seed {seed} max_distance {md}"
        assert set(ref) == set(range(60)) - set(np.flatnonzero(dist < 0))
        pred = nx.predecessor(g, 5, cutoff=md)
        for v in range(60):
            expect = -1 if v not in ref else 5 if v == 5 else min(pred[v])
            assert parent[v] == expect, f"vertex {v}: parent {parent[v]}, smallest networkx predecessor {expect}"
    assert (dist < 0).any(), "the test graph should be disconnected"


# ---- SSSP ---------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("directed", [True, False])
def test_sssp_random_nonnegative(seed, directed):
    e = random_graph(80, 260, seed, components=2, directed=directed)
    g = nx_graph(80, e, directed)
    src, dst, w = arrays(e if directed else both_ways(e))
    adj = gp.adjacency(80, src, dst, w)
    for source in (0, 7):
        dist, parent = gp.sssp(adj, source)
        pred, ref = nx.dijkstra_predecessor_and_distance(g, source)
        np.testing.assert_allclose(dist, dist_array(80, ref), rtol=0, atol=DIST_ATOL)
        check_parents(dist, parent, source, pred)
    assert not np.isfinite(dist).all(), "the test graph should be disconnected"


@pytest.mark.parametrize("source", [0, 33])
def test_sssp_karate_weighted(source):
    e = karate_weighted()
    src, dst, w = arrays(both_ways(e))
    dist, parent = gp.sssp(gp.adjacency(34, src, dst, w), source)
    k = nx.karate_club_graph()
    ref, _ = nx.single_source_bellman_ford(k, source)
    np.testing.assert_allclose(dist, dist_array(34, ref), rtol=0, atol=DIST_ATOL)
    check_parents(dist, parent, source, nx.dijkstra_predecessor_and_distance(k, source)[0])


@pytest.mark.parametrize("seed", range(5))
def test_sssp_random_negative_weights(seed):
    e = random_graph(50, 160, seed, negative=True, extras=False)
    assert any(w < 0 for _, _, w in e)
    g = nx_graph(50, e)
    assert not nx.negative_edge_cycle(g)
    src, dst, w = arrays(e)
    dist, parent = gp.sssp(gp.adjacency(50, src, dst, w), 3)
    pred, ref = nx.bellman_ford_predecessor_and_distance(g, 3)
    np.testing.assert_allclose(dist, dist_array(50, ref), rtol=0, atol=DIST_ATOL)
    check_parents(dist, parent, 3, pred)


def test_sssp_negative_cycles_random():
    """Random digraphs with weights in -4..9: the kernels raise exactly when networkx finds a
    negative cycle (reachable from the source for sssp, anywhere for apsp), else agree on
    distances. Over the seeds all three cases (no negative cycle; one not reachable from the
    source; one reachable) must occur, or the test proves less than it claims."""
    outcomes = set()
    for seed in range(12):
        rng = np.random.default_rng(seed)
        g0 = nx.gnm_random_graph(25, 55, seed=seed, directed=True)
        e = [(s, d, float(rng.integers(-4, 10))) for s, d in g0.edges()]
        g = nx_graph(25, e)
        adj = gp.adjacency(25, *arrays(e))
        try:
            _, ref = nx.bellman_ford_predecessor_and_distance(g, 0)
        except nx.NetworkXUnbounded:
            ref = None
        if ref is None:
            with pytest.raises(gp.NegativeCycle):
                gp.sssp(adj, 0)
        else:
            np.testing.assert_allclose(gp.sssp(adj, 0)[0], dist_array(25, ref), rtol=0, atol=DIST_ATOL)
        anywhere = nx.negative_edge_cycle(g)
        if anywhere:
            with pytest.raises(gp.NegativeCycle):
                gp.apsp(adj)
        else:
            ref_all = nx.floyd_warshall(g)
            np.testing.assert_allclose(gp.apsp(adj)[0], [dist_array(25, ref_all[s]) for s in range(25)],
                                       rtol=0, atol=DIST_ATOL)
        outcomes.add((ref is None, anywhere))
    assert outcomes == {(False, False), (False, True), (True, True)}


def test_sssp_negative_cycle_and_madlib_example():
    src, dst, w = arrays(MADLIB)
    dist, parent = gp.sssp(gp.adjacency(8, src, dst, w), 0)
    assert dist.tolist() == [0, 1, 1, 2, 10, 2, 3, 4]  # MADlib's documented output
    assert parent.tolist() == [0, 0, 0, 2, 0, 2, 5, 6]
    ref, _ = nx.single_source_bellman_ford(nx_graph(8, MADLIB), 0)
    assert dist.tolist() == dist_array(8, ref).tolist()
    cyc = MADLIB + [(3, 1, -5.0)]  # 1 -> 3 -> 1 weighs 10 - 5 > 0; 1 -> 2 -> 3 -> 1 weighs 2 + 1 - 5 < 0
    src, dst, w = arrays(cyc)
    with pytest.raises(nx.NetworkXUnbounded):
        nx.single_source_bellman_ford(nx_graph(8, cyc), 0)
    with pytest.raises(gp.NegativeCycle):
        gp.sssp(gp.adjacency(8, src, dst, w), 0)
    with pytest.raises(gp.NegativeCycle):
        gp.apsp(gp.adjacency(8, src, dst, w))
    loop = [(0, 1, 1.0), (1, 1, -1.0)]  # a negative self-loop is a negative cycle
    assert nx.negative_edge_cycle(nx_graph(2, loop))
    with pytest.raises(gp.NegativeCycle):
        gp.sssp(gp.adjacency(2, *arrays(loop)), 0)


def test_duplicate_edges_keep_the_lightest():
    e = [(0, 1, 5.0), (0, 1, 2.0), (0, 1, 0.0)]
    adj = gp.adjacency(2, *arrays(e))
    assert adj.nnz == 1 and adj[0, 1] == 0.0  # the explicit zero is kept as an edge
    dist, parent = gp.sssp(adj, 0)
    assert dist.tolist() == dist_array(2, nx.single_source_dijkstra_path_length(nx_graph(2, e), 0)).tolist()
    assert parent.tolist() == [0, 0]


# ---- APSP ---------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("kind", ["directed", "undirected", "negative"])
def test_apsp_random(seed, kind):
    directed = kind != "undirected"
    e = random_graph(40, 110, seed, negative=kind == "negative", components=2, extras=kind != "negative",
                     directed=directed)
    g = nx_graph(40, e, directed)
    dist, pred = gp.apsp(gp.adjacency(40, *arrays(e if directed else both_ways(e))))
    fw = nx.floyd_warshall(g)
    ref = np.array([dist_array(40, fw[s]) for s in range(40)])
    np.testing.assert_allclose(dist, ref, rtol=0, atol=DIST_ATOL)
    assert not np.isfinite(ref).all(), "the test graph should be disconnected"
    for s in (0, 11, 39):
        check_parents(dist[s], pred[s], s, nx.bellman_ford_predecessor_and_distance(g, s)[0])
        for d in range(40):
            path = gp.path_to(pred[s], s, d)
            if not np.isfinite(ref[s, d]):
                assert path is None
                continue
            assert path[0] == s and path[-1] == d
            assert abs(nx.path_weight(g, path, "weight") - ref[s, d]) <= DIST_ATOL


def test_apsp_karate_weighted():
    dist, _ = gp.apsp(gp.adjacency(34, *arrays(both_ways(karate_weighted()))))
    ref = dict(nx.all_pairs_dijkstra_path_length(nx.karate_club_graph()))
    np.testing.assert_allclose(dist, [dist_array(34, ref[s]) for s in range(34)], rtol=0, atol=DIST_ATOL)


def test_madlib_apsp_parent_convention():
    src, dst, w = arrays(MADLIB)
    dist, pred = gp.apsp(gp.adjacency(8, src, dst, w))
    parent = gp.madlib_apsp_parent(pred)
    # MADlib's documented rows for src 0 and 1 (networkx has no equivalent of this parent convention)
    assert parent[0].tolist() == [0, 1, 2, 2, 4, 2, 5, 6]
    assert parent[1].tolist() == [3, 1, 2, 2, 0, 2, 5, 6]
    assert dist[1].tolist() == [4, 0, 2, 3, 14, 3, 4, 5]


# ---- triangles, clustering, k-core ---------------------------------------------------------

@pytest.mark.parametrize("name", ["karate", "random0", "random1", "random_directed"])
def test_triangles_clustering_core(name):
    if name == "karate":
        n, pairs = 34, karate_edges()
    else:
        n = 70
        directed = name == "random_directed"  # direction is ignored: reversed duplicates count once
        e = random_graph(n, 260, 7 if directed else int(name[-1]), components=3, directed=directed)
        pairs = [(s, d) for s, d, _ in e]
    s = gm.undirected_simple(n, np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs]))
    g = nx_simple(n, pairs)
    tri = gm.triangles(s)
    assert tri.tolist() == [nx.triangles(g)[v] for v in range(n)]
    np.testing.assert_allclose(gm.local_clustering(s, tri), [nx.clustering(g)[v] for v in range(n)],
                               rtol=0, atol=CC_ATOL)
    assert gm.core_numbers(s).tolist() == [nx.core_number(g)[v] for v in range(n)]
    assert tri.sum() > 0


def test_measures_isolated_and_empty():
    s = gm.undirected_simple(3, np.array([], dtype=np.int64), np.array([], dtype=np.int64))
    g = nx_simple(3, [])
    assert gm.triangles(s).tolist() == [nx.triangles(g)[v] for v in range(3)]
    assert gm.local_clustering(s).tolist() == [nx.clustering(g)[v] for v in range(3)]
    assert gm.core_numbers(s).tolist() == [nx.core_number(g)[v] for v in range(3)]
