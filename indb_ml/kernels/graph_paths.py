"""Shortest paths and breadth-first search over a CSR adjacency: pure numpy/scipy.

Vertices are the dense indices ``0..n-1`` the edge loader assigns; edges arrive as three
arrays ``src, dst, weight``. The graph functions in :mod:`indb_ml.graph` map the indices
back to the user's ids. Conventions (MADlib's, which every output follows):

- an unreachable vertex has distance ``inf`` and parent ``-1`` (NULL in the tables);
- the source's parent is the source itself;
- duplicate edges keep the lightest weight (a multigraph's shortest path uses it) and a
  self-loop never shortens a path unless it is negative, which is a negative cycle.

>>> adj = adjacency(3, np.array([0, 1, 0]), np.array([1, 2, 2]), np.array([1.0, 1.0, 5.0]))
>>> dist, parent = sssp(adj, 0)
>>> dist.tolist(), parent.tolist()
([0.0, 1.0, 2.0], [0, 0, 1])
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from indb_ml.kernels import interrupts


class NegativeCycle(ValueError):
    """The graph has a cycle of negative total weight reachable from the source(s)."""


def adjacency(n: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray | None = None) -> sp.csr_matrix:
    """The n x n CSR matrix with ``A[s, d] = min weight`` over duplicate edges.

    scipy would *sum* duplicates, which is wrong for path lengths, so the minimum is taken
    first. Zero weights stay explicit entries (csgraph treats a stored 0 as an edge).
    """
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    w = np.ones(len(src)) if weight is None else np.asarray(weight, dtype=np.float64)
    # One sort by the edge key (row-major), the minimum per run of equal keys, and the CSR arrays
    # written directly: cheaper than scipy's COO -> CSR conversion, which would also sum duplicates.
    key = src * n + dst
    order = np.argsort(key, kind="stable")
    key = key[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.empty(0, dtype=np.int64)
    data = np.minimum.reduceat(w[order], starts) if len(key) else np.empty(0)
    key = key[starts]
    rows = key // n if n else key
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    itype = np.int32 if n < 2**31 and len(key) < 2**31 else np.int64
    indices = (key % n if n else key).astype(itype)
    return sp.csr_matrix((data, indices, indptr.astype(itype)), shape=(n, n))


def _check_self_loops(adj: sp.csr_matrix) -> None:
    diag = adj.diagonal()
    rows = np.flatnonzero(diag < 0)
    if len(rows):
        raise NegativeCycle(f"vertex index {rows[0]} has a negative self-loop")


def _without_self_loops(adj: sp.csr_matrix) -> sp.csr_matrix:
    """csgraph's Johnson/Bellman-Ford handle nonnegative self-loops, but dropping them is cheaper."""
    rows = np.repeat(np.arange(adj.shape[0]), np.diff(adj.indptr))
    keep = rows != adj.indices
    if keep.all():
        return adj
    indptr = np.zeros(adj.shape[0] + 1, dtype=adj.indptr.dtype)
    np.cumsum(np.bincount(rows[keep], minlength=adj.shape[0]), out=indptr[1:])
    return sp.csr_matrix((adj.data[keep], adj.indices[keep], indptr), shape=adj.shape)


def sssp(adj: sp.csr_matrix, source: int) -> tuple[np.ndarray, np.ndarray]:
    """Single-source shortest paths: Dijkstra when no weight is negative, else Bellman-Ford.

    Returns ``(dist, parent)``; raises :class:`NegativeCycle` when a negative cycle is
    reachable from ``source`` (MADlib's graph_sssp errors then and writes nothing).
    """
    _check_self_loops(adj)
    adj = _without_self_loops(adj)
    negative = adj.nnz and adj.data.min() < 0
    try:
        if negative:
            dist, pred = csgraph.bellman_ford(adj, directed=True, indices=source, return_predecessors=True)
        else:
            dist, pred = csgraph.dijkstra(adj, directed=True, indices=source, return_predecessors=True)
    except csgraph.NegativeCycleError as exc:
        raise NegativeCycle(str(exc)) from None
    parent = pred.astype(np.int64)
    parent[parent < 0] = -1
    parent[source] = source
    return dist, parent


def bfs(adj: sp.csr_matrix, source: int, max_distance: int | None = None,
        directed: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Breadth-first levels and parents, one vectorised frontier expansion per level.

    ``dist`` is the hop count (``-1`` unreachable or beyond ``max_distance``); ``parent``
    is the smallest-index vertex of the previous level with an edge to the vertex (the
    same rule as the relational plan's ``min(parent) GROUP BY vertex``, so both plans
    give identical trees). Undirected (MADlib's default) follows edges both ways.
    """
    n = adj.shape[0]
    g = adj if directed else (adj + adj.T).tocsr()
    indptr, indices = g.indptr, g.indices
    dist = np.full(n, -1, dtype=np.int64)
    parent = np.full(n, -1, dtype=np.int64)
    dist[source], parent[source] = 0, source
    frontier = np.array([source], dtype=np.int64)
    level = 0
    while len(frontier) and (max_distance is None or level < max_distance):
        interrupts.check()
        starts, ends = indptr[frontier], indptr[frontier + 1]
        counts = ends - starts
        if counts.sum() == 0:
            break
        owners = np.repeat(frontier, counts)
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        targets = indices[np.repeat(starts, counts) + offsets].astype(np.int64)
        fresh = dist[targets] < 0
        owners, targets = owners[fresh], targets[fresh]
        if not len(targets):
            break
        order = np.lexsort((owners, targets))  # per target, the smallest parent first
        owners, targets = owners[order], targets[order]
        first = np.ones(len(targets), dtype=bool)
        first[1:] = targets[1:] != targets[:-1]
        level += 1
        frontier = targets[first]
        dist[frontier] = level
        parent[frontier] = owners[first]
    return dist, parent


def apsp(adj: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """All-pairs shortest paths ``(dist[n, n], pred[n, n])``: Dijkstra from every vertex, or
    Johnson's reweighting when some weight is negative (csgraph's ``method='auto'``).

    ``pred[i, j]`` is the vertex before ``j`` on the path from ``i`` (``-1`` when none,
    ``i`` on the diagonal). Raises :class:`NegativeCycle`.

    Above APSP_WHOLE vertices the sources are taken a chunk at a time (Dijkstra, after
    Johnson's reweighting when a weight is negative), checking for a cancel between chunks:
    one csgraph call over every source runs for seconds (3,600 vertices: 5-10 s) and cannot be
    interrupted. A dense graph then gets Dijkstra's shortest paths where csgraph would take
    Floyd-Warshall's (O(n^3)): the same distances, and among equally short paths possibly
    another parent.
    """
    _check_self_loops(adj)
    adj = _without_self_loops(adj)
    try:
        if adj.shape[0] <= APSP_WHOLE:
            dist, pred = csgraph.shortest_path(adj, method="auto", directed=True, return_predecessors=True)
        else:
            dist, pred = _apsp_chunked(adj)
    except csgraph.NegativeCycleError as exc:
        raise NegativeCycle(str(exc)) from None
    pred = pred.astype(np.int64)
    pred[pred < 0] = -1
    np.fill_diagonal(pred, np.arange(adj.shape[0]))
    return dist, pred


APSP_WHOLE = 512  # vertices up to which one csgraph call does all sources (well under 0.1 s)
CHUNK_SECONDS = 0.02  # sources per chunk grow while a chunk takes less than this


def _apsp_chunked(adj: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """:func:`apsp` by chunks of sources, :func:`interrupts.check` between them; negative weights
    are made nonnegative first by Johnson's potentials h (``w + h[u] - h[v] >= 0``, same paths)."""
    n = adj.shape[0]
    h = None
    if adj.nnz and adj.data.min() < 0:
        h = _potentials(adj)
        rows = np.repeat(np.arange(n), np.diff(adj.indptr))
        adj = sp.csr_matrix((np.maximum(adj.data + h[rows] - h[adj.indices], 0.0), adj.indices, adj.indptr),
                            shape=adj.shape)
    dist = np.empty((n, n))
    pred = np.empty((n, n), dtype=np.int32)
    start, step = 0, 1
    while start < n:
        interrupts.check()
        began = time.perf_counter()
        stop = min(n, start + step)
        dist[start:stop], pred[start:stop] = csgraph.dijkstra(adj, directed=True, indices=np.arange(start, stop),
                                                              return_predecessors=True)
        start = stop
        if time.perf_counter() - began < CHUNK_SECONDS:
            step *= 2
    if h is not None:
        dist += h[None, :] - h[:, None]  # back to the original weights (inf stays inf)
    return dist, pred


def _potentials(adj: sp.csr_matrix) -> np.ndarray:
    """Johnson's vertex potentials: Bellman-Ford distances from an added vertex with a 0-weight edge
    to every vertex (raises csgraph's NegativeCycleError)."""
    n = adj.shape[0]
    indptr = np.concatenate([adj.indptr, [adj.nnz + n]])
    aug = sp.csr_matrix((np.concatenate([adj.data, np.zeros(n)]), np.concatenate([adj.indices, np.arange(n)]),
                         indptr), shape=(n + 1, n + 1))
    return csgraph.bellman_ford(aug, directed=True, indices=n)[:n]


def madlib_apsp_parent(pred: np.ndarray) -> np.ndarray:
    """MADlib's APSP ``parent`` column: the vertex before ``dest`` on the path, except that a
    direct edge (no intermediate vertex) reports ``dest`` itself and the diagonal ``src``."""
    n = pred.shape[0]
    rows = np.arange(n)[:, None]
    out = pred.copy()
    direct = pred == rows
    out[direct] = np.broadcast_to(np.arange(n)[None, :], pred.shape)[direct]
    np.fill_diagonal(out, np.arange(n))
    return out


def path_to(parent: np.ndarray, source: int, dest: int) -> list[int] | None:
    """Walk a parent array back from ``dest``: the index path ``[source, ..., dest]`` or None.

    Walks at most n steps, so a corrupted parent array cannot loop forever.
    """
    if parent[dest] < 0:
        return None
    path = [dest]
    v = dest
    for _ in range(len(parent)):
        if v == source:
            return path[::-1]
        v = int(parent[v])
        if v < 0:
            return None
        path.append(v)
    return None
