"""Triangles, local clustering and k-core numbers of the undirected simple graph: numpy/scipy.

Both measures are defined on the *simple undirected* graph behind the edge table: edge
direction is ignored, duplicate edges count once and self-loops are dropped (networkx's
``triangles``/``clustering``/``core_number`` on ``nx.Graph`` give the same numbers).

>>> s = undirected_simple(4, np.array([0, 1, 2, 2, 3]), np.array([1, 2, 0, 3, 3]))
>>> triangles(s).tolist(), local_clustering(s).tolist(), core_numbers(s).tolist()
([1, 1, 1, 0], [1.0, 1.0, 0.3333333333333333, 0.0], [2, 2, 2, 1])
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from indb_ml.kernels import interrupts


def undirected_simple(n: int, src: np.ndarray, dst: np.ndarray) -> sp.csr_matrix:
    """Symmetric 0/1 CSR adjacency without self-loops or duplicate entries."""
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    keep = src != dst
    r = np.concatenate([src[keep], dst[keep]])
    c = np.concatenate([dst[keep], src[keep]])
    a = sp.csr_matrix((np.ones(len(r), dtype=np.int64), (r, c)), shape=(n, n))
    a.sum_duplicates()
    a.data[:] = 1
    return a


def oriented(a: sp.csr_matrix) -> sp.csr_matrix:
    """The simple graph's edges pointed from the lower (degree, id) end to the higher."""
    n = a.shape[0]
    coo = a.tocoo()
    rank = np.lexsort((np.arange(n), np.diff(a.indptr)))
    order = np.empty(n, dtype=np.int64)
    order[rank] = np.arange(n)
    up = order[coo.row] < order[coo.col]
    return sp.csr_matrix((np.ones(int(up.sum()), dtype=np.int64), (coo.row[up], coo.col[up])), shape=(n, n))


def oriented_wedges(a: sp.csr_matrix) -> float:
    """An upper bound on the entries of the products :func:`triangles` forms (O(m^1.5)):
    ``U @ U`` has at most sum(indeg * outdeg), ``Uᵀ @ U`` at most sum(outdeg^2)."""
    u = oriented(a)
    out = np.diff(u.indptr).astype(np.float64)
    inn = np.bincount(u.indices, minlength=u.shape[0]).astype(np.float64)
    return float(max((inn * out).sum(), (out * out).sum()))


def triangles(a: sp.csr_matrix) -> np.ndarray:
    """Triangles through each vertex, on the degree-oriented graph.

    ``A @ A`` costs sum(deg^2), which a hub makes quadratic (38 GB on a 1M-edge zipf graph).
    Orienting every edge from the lower (degree, id) end to the higher gives U with out-degrees
    at most sqrt(2m), so ``U @ U`` stays O(m^1.5). Each triangle u -> v -> w (with u -> w) is
    then counted once: ``T1 = (U @ U) .* U`` holds it at (u, w), ``T2 = (Uᵀ @ U) .* U`` at
    (v, w); u's count is T1's row sum, w's its column sum, v's T2's row sum.
    """
    u = oriented(a)
    t1 = (u @ u).multiply(u)
    t2 = (u.T.tocsr() @ u).multiply(u)
    return (np.asarray(t1.sum(axis=1)).ravel() + np.asarray(t1.sum(axis=0)).ravel()
            + np.asarray(t2.sum(axis=1)).ravel()).astype(np.int64)


def local_clustering(a: sp.csr_matrix, tri: np.ndarray | None = None) -> np.ndarray:
    """``2 T(v) / (deg(v) (deg(v) - 1))``; 0 for degree below 2 (networkx's convention)."""
    tri = triangles(a) if tri is None else tri
    deg = np.diff(a.indptr).astype(np.float64)
    pairs = deg * (deg - 1)
    out = np.zeros(len(deg))
    ok = pairs > 0
    out[ok] = 2.0 * tri[ok] / pairs[ok]
    return out


def core_numbers(a: sp.csr_matrix) -> np.ndarray:
    """k-core number of every vertex by vectorised peeling.

    At level k all vertices whose remaining degree is <= k are removed together, their
    removal lowers their neighbours' degrees (one sparse gather), and the sweep repeats
    until no vertex of degree <= k is left; then k grows to the smallest remaining degree.
    A vertex removed at level k has core number k (Batagelj-Zaversnik's result, computed a
    frontier at a time instead of a vertex at a time).
    """
    n = a.shape[0]
    indptr, indices = a.indptr, a.indices
    deg = np.diff(indptr).astype(np.int64)
    core = np.full(n, -1, dtype=np.int64)
    alive = np.ones(n, dtype=bool)
    k = 0
    while alive.any():
        k = max(k, int(deg[alive].min()))
        while True:
            interrupts.check()
            peel = np.flatnonzero(alive & (deg <= k))
            if not len(peel):
                break
            core[peel] = k
            alive[peel] = False
            counts = indptr[peel + 1] - indptr[peel]
            if counts.sum():
                offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
                nbrs = indices[np.repeat(indptr[peel], counts) + offsets]
                np.subtract.at(deg, nbrs, 1)
    return core
