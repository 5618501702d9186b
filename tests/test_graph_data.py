"""Graphs for the graph tests, and independent oracles (networkx is not installed here).

Oracles: PageRank by a direct linear solve (not power iteration), components by a pure-Python
union-find, HITS by a dense eigendecomposition, degrees by counting. Edge-list conventions as
the functions document them: parallel edges count separately, self-loops are kept.
"""

from __future__ import annotations

import numpy as np

from tests.helpers import load_table

# Zachary's karate club: the 78 undirected edges i-j (i < j).
KARATE = """\
0-1 0-2 0-3 0-4 0-5 0-6 0-7 0-8 0-10 0-11 0-12 0-13 0-17 0-19 0-21 0-31 1-2 1-3 1-7 1-13 1-17 1-19
1-21 1-30 2-3 2-7 2-8 2-9 2-13 2-27 2-28 2-32 3-7 3-12 3-13 4-6 4-10 5-6 5-10 5-16 6-16 8-30 8-32
8-33 9-33 13-33 14-32 14-33 15-32 15-33 18-32 18-33 19-33 20-32 20-33 22-32 22-33 23-25 23-27 23-29
23-32 23-33 24-25 24-27 24-31 25-31 26-29 26-33 27-33 28-31 28-33 29-32 29-33 30-32 30-33 31-32
31-33 32-33"""


def karate_edges():
    """Karate club as directed edges both ways (34 vertices, 156 rows), as MADlib stores an undirected graph."""
    e = np.array([tuple(map(int, p.split("-"))) for p in KARATE.split()])
    return np.concatenate([e[:, 0], e[:, 1]]), np.concatenate([e[:, 1], e[:, 0]])


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


def random_graph(n: int, m: int, seed: int, isolated: int = 5):
    """Directed edges among the first n - isolated vertices, with duplicates and self-loops;
    the last ``isolated`` vertices have no edges, and vertices 3 mod 11 have no out-edges."""
    rng = np.random.default_rng(seed)
    k = n - isolated
    src = rng.integers(0, k, m)
    dst = (rng.zipf(1.6, m) * 7 + src) % k
    src[src % 11 == 3] = 0
    src[:3], dst[:3] = 5, 5  # a self-loop, repeated
    src[3:5], dst[3:5] = 1, 2  # a duplicate edge
    return src, dst, rng.uniform(0.5, 3.0, m)


def pagerank_solve(n, src, dst, weight=None, damping=0.85, personalization=None, leak=False):
    """The PageRank fixed point by a dense linear solve:
    (I - d P^T - d p 1_D^T) x = (1 - d) p, P row-normalised (duplicate weights summed),
    D the dangling vertices, p uniform or uniform over the personalization set."""
    a = np.zeros((n, n))
    np.add.at(a, (src, dst), 1.0 if weight is None else weight)
    out = a.sum(axis=1)
    dangling = out == 0
    p_mat = np.divide(a, out[:, None], out=np.zeros_like(a), where=~dangling[:, None])
    p = np.full(n, 1.0 / n)
    if personalization is not None:
        p = np.zeros(n)
        p[list(personalization)] = 1.0 / len(personalization)
    m = np.eye(n) - damping * p_mat.T
    if not leak:
        m -= damping * np.outer(p, dangling.astype(float))
    return np.linalg.solve(m, (1 - damping) * p)


def components_py(n, src, dst):
    """Per vertex, the smallest vertex in its weak component (union-find, plain Python)."""
    parent = list(range(n))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for s, d in zip(src.tolist(), dst.tolist()):
        a, b = find(s), find(d)
        if a != b:
            parent[max(a, b)] = min(a, b)
    return [find(i) for i in range(n)]


def hits_eig(n, src, dst):
    """(authority, hub): the leading eigenvectors of A^T A and A A^T, unit norm, nonnegative."""
    a = np.zeros((n, n))
    np.add.at(a, (src, dst), 1.0)
    vals, vecs = np.linalg.eigh(a.T @ a)
    assert vals[-1] - vals[-2] > 1e-6 * vals[-1], "the test graph needs a unique leading eigenvector"
    auth = np.abs(vecs[:, -1])
    hub = a @ auth
    return auth, hub / np.linalg.norm(hub)
