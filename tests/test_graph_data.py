"""Graphs for the graph tests and networkx oracles for pagerank, components, hits and degrees.

Graphs: ``nx.karate_club_graph()`` (undirected, 34 vertices, 78 edges; with networkx's
interaction counts as ``weight``) and :func:`random_graph`: seeded ``nx.gnm_random_graph`` blocks
joined into one disconnected graph, directed or undirected, weighted, with isolated vertices,
dangling vertices (directed: some vertices lose their out-edges), a duplicate edge and (directed
only) a self-loop, vertex labels shuffled so the blocks interleave.

The edge table is loaded from :func:`edge_rows`: an undirected graph as MADlib stores it, every
edge in both directions. networkx then sees the same graph: its pagerank and hits work on the
adjacency matrix, where a multigraph's parallel edges add up (the functions' documented duplicate
rule) and an undirected edge counts in both directions. Undirected random graphs have no
self-loops because networkx counts an undirected self-loop once, but MADlib's both-ways form
would store it twice.

The oracles call networkx with a convergence tolerance far below the tests' tolerances:
``nx.pagerank(tol=NX_TOL)`` stops when the L1 change is below ``n * NX_TOL``, and ``nx.hits``
passes its ``tol`` to ARPACK (``svds``), 0 meaning machine precision.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from tests.helpers import load_table

NX_TOL = 1e-16  # above rounding noise (the L1 change settles near n * 1e-17) and far below test tolerances
NX_MAX_ITER = 100_000


def karate() -> nx.Graph:
    """networkx's karate club: undirected, vertices 0..33, ``weight`` = interaction counts."""
    return nx.karate_club_graph()


def karate_edges():
    """The karate club's edge rows both ways (34 vertices, 156 rows), as MADlib stores an undirected graph."""
    src, dst, _ = edge_rows(karate())
    return src, dst


def random_graph(n: int, m: int, seed: int, directed: bool = True, components: int = 3, isolated: int = 5,
                 dangling_every: int = 7, extras: bool = True) -> nx.MultiGraph:
    """A seeded networkx multigraph (``MultiDiGraph`` if ``directed``) on vertices 0..n-1.

    ``components`` ``gnm_random_graph`` blocks over the first ``n - isolated`` vertices (``m``
    edges split by block size, so sparse blocks fall apart further), then shuffled labels; the
    last ``isolated`` vertices have no edges. Directed: every ``dangling_every``-th vertex (by
    label) loses its out-edges, ``extras`` adds a self-loop. ``extras`` adds a duplicate of the
    first edge (its own weight). Weights are uniform in [0.5, 3).
    """
    rng = np.random.default_rng(seed)
    k = n - isolated
    sizes = [k // components + (i < k % components) for i in range(components)]
    blocks = []
    for i, size in enumerate(sizes):
        cap = size * (size - 1) // (1 if directed else 2)
        blocks.append(nx.gnm_random_graph(size, min(cap, round(m * size / k)), seed=seed * 101 + i,
                                          directed=directed))
    perm = rng.permutation(k)
    edges = [(int(perm[s]), int(perm[d])) for s, d in nx.disjoint_union_all(blocks).edges()]
    if directed and dangling_every:
        edges = [(s, d) for s, d in edges if s % dangling_every != 3 % dangling_every]
    if extras and edges:
        edges.append(edges[0])
        if directed:
            edges.append((edges[1][0], edges[1][0]))
    g = nx.MultiDiGraph() if directed else nx.MultiGraph()
    g.add_nodes_from(range(n))
    g.add_weighted_edges_from((s, d, float(w)) for (s, d), w in zip(edges, rng.uniform(0.5, 3.0, len(edges))))
    return g


def edge_rows(g: nx.Graph):
    """``(src, dst, weight)`` arrays of the edge table for ``g``: one row per edge of a directed
    graph, two (one each way) per edge of an undirected one; weight 1 where ``g`` has none."""
    rows = [(s, d, float(w)) for s, d, w in g.edges(data="weight", default=1.0)]
    if not g.is_directed():
        rows += [(d, s, w) for s, d, w in rows]
    if not rows:
        return np.array([], int), np.array([], int), np.array([], float)
    src, dst, w = (np.array(c) for c in zip(*rows))
    return src.astype(int), dst.astype(int), w.astype(float)


def multidigraph(n: int, src, dst, weight=None) -> nx.MultiDiGraph:
    """The networkx graph of edge rows over vertices 0..n-1 (e.g. one group's rows)."""
    g = nx.MultiDiGraph()
    g.add_nodes_from(range(n))
    w = np.ones(len(src)) if weight is None else np.asarray(weight, dtype=float)
    g.add_weighted_edges_from(zip(np.asarray(src).tolist(), np.asarray(dst).tolist(), w.tolist()))
    return g


def nx_pagerank(g: nx.Graph, damping: float = 0.85, personalization=None, weighted: bool = False) -> np.ndarray:
    """networkx's PageRank per vertex 0..n-1 (dangling rank to the personalization vector, as
    networkx does); ``personalization``: a set of vertices, uniform over it."""
    pers = None if personalization is None else {v: 1.0 for v in personalization}
    pr = nx.pagerank(g, alpha=damping, personalization=pers, weight="weight" if weighted else None,
                     tol=NX_TOL, max_iter=NX_MAX_ITER)
    return np.array([pr[v] for v in sorted(g)])


def nx_components(g: nx.Graph) -> list:
    """Per vertex (sorted order), the smallest vertex of its weak (or, undirected, connected) component."""
    comps = nx.weakly_connected_components(g) if g.is_directed() else nx.connected_components(g)
    label = {v: min(c) for c in comps for v in c}
    return [label[v] for v in sorted(g)]


def nx_hits(g: nx.Graph, gap: float = 1e-3):
    """networkx's ``(authority, hub)`` per vertex 0..n-1, rescaled from networkx's sum-1 to the
    library's documented unit L2 norm. Weights are dropped (hits ignores them; ``nx.hits`` would
    use a ``weight`` attribute); parallel edges still count separately. Asserts the leading
    singular value is simple (relative ``gap``), else the scores are not unique."""
    u = (nx.MultiDiGraph if g.is_directed() else nx.MultiGraph)()
    u.add_nodes_from(sorted(g))
    u.add_edges_from(g.edges())
    s = np.linalg.svd(nx.to_numpy_array(u, nodelist=sorted(g)), compute_uv=False)
    assert s[0] - s[1] > gap * s[0], f"the test graph needs a simple leading singular value: {s[:2]}"
    hub, auth = nx.hits(u, max_iter=NX_MAX_ITER, tol=0)
    a, h = (np.array([d[v] for v in sorted(g)]) for d in (auth, hub))
    return a / np.linalg.norm(a), h / np.linalg.norm(h)


def load_graph(conn, n_or_ids, src, dst, weight=None, groups=None, id_type="int", vname="v", ename="e"):
    """Vertex table ``v(id)`` and edge table ``e(src, dest[, weight][, g])``."""
    ids = np.arange(n_or_ids) if np.isscalar(n_or_ids) else np.asarray(n_or_ids)
    load_table(conn, vname, {"id": ids}, {"id": id_type})
    cols = {"src": np.asarray(src), "dest": np.asarray(dst)}
    types = {"src": id_type, "dest": id_type}
    if weight is not None:
        cols["weight"] = np.asarray(weight, dtype=float)
    if groups is not None:
        cols["g"] = np.asarray(groups)
        types["g"] = "int"
    load_table(conn, ename, cols, types)
