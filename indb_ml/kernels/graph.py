"""Graph kernels: pure numpy/scipy functions over vertex positions 0..n-1 (no SQL, no plpy).

The drivers (:mod:`indb_ml.graph`) load a graph once into integer edge arrays and call
these; every kernel works on positions, never on the user's vertex ids, so integer and
text ids cost the same. Conventions:

* An edge list is ``(src, dst)`` int arrays of positions plus optional float weights;
  duplicate edges count as parallel edges (their weights add up) and self-loops are kept,
  as in a networkx ``MultiDiGraph``.
* PageRank follows networkx's definition: dangling rank (vertices without out-edges) is
  spread over all vertices or over the personalization set, ranks sum to 1.

>>> import numpy as np
>>> pr, it = pagerank(adjacency(3, np.array([0, 1]), np.array([1, 2])), tol=1e-12)
>>> round(float(pr.sum()), 12), bool(pr[2] > pr[1] > pr[0])
(1.0, True)
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from indb_ml.kernels import interrupts

INT8_OID = 20
INT4_OID = 23
FLOAT8_OID = 701
_DTYPES = {INT8_OID: "<i8", INT4_OID: "<i4", FLOAT8_OID: "<f8"}


def array_from_body(body: bytes | None, oid: int) -> np.ndarray:
    """A NULL-free one-dimensional int8[]/int4[]/float8[] from its raw ArrayType body
    (``indb_ml._int8_array_bytes(arr, '')``): one ``np.frombuffer``, no per-element step.

    >>> import struct
    >>> array_from_body(struct.pack("<iiIii", 1, 0, 20, 2, 1) + struct.pack("<qq", 7, -3), 20).tolist()
    [7, -3]
    """
    if body is None:
        return np.empty(0, dtype=_DTYPES[oid])
    ndim, dataoffset, elemtype = np.frombuffer(body, dtype="<i4", count=3).tolist()
    if elemtype != oid:
        raise ValueError(f"expected an array of type oid {oid}, got {elemtype}")
    if dataoffset != 0:
        raise ValueError("array has NULL elements; filter them before packing")
    if ndim == 0:
        return np.empty(0, dtype=_DTYPES[oid])
    count = int(np.prod(np.frombuffer(body, dtype="<i4", count=ndim, offset=12)))
    start = ((4 + 12 + 8 * ndim + 7) // 8) * 8 - 4  # the header is MAXALIGNed, counting the varlena word
    return np.frombuffer(body, dtype=_DTYPES[oid], count=count, offset=start)


def adjacency(n: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray | None = None) -> sp.csr_matrix:
    """``A[i, j]`` = number (or total weight) of edges i -> j, as CSR; duplicates are summed."""
    data = np.ones(len(src)) if weight is None else np.asarray(weight, dtype=float)
    a = sp.csr_matrix((data, (src, dst)), shape=(n, n))
    a.sum_duplicates()
    return a


def pagerank(a: sp.csr_matrix, damping: float = 0.85, max_iter: int = 100, tol: float = 1e-6,
             personalization: np.ndarray | None = None, leak_dangling: bool = False,
             norm: str = "l1") -> tuple[np.ndarray, int]:
    """Power iteration for PageRank on the (weighted) adjacency ``a``; returns ``(rank, iterations)``.

    ``personalization`` is a nonnegative vector over all vertices (None: uniform); the teleport and
    the dangling rank go to it. Stops when the change is below ``tol``: ``norm='l1'`` is networkx's
    test (``sum |x - x_prev| < n * tol``), ``norm='max'`` MADlib's (every vertex changed by less
    than ``tol``). ``leak_dangling=True`` is MADlib 2.1's variant (dangling rank is dropped and the
    ranks no longer sum to 1), offered only for compatibility.
    """
    n = a.shape[0]
    if n == 0:
        return np.empty(0), 0
    out_w = np.asarray(a.sum(axis=1)).ravel()
    dangling = out_w == 0
    inv = np.divide(1.0, out_w, out=np.zeros(n), where=~dangling)
    p = np.full(n, 1.0 / n) if personalization is None else personalization / personalization.sum()
    at = (sp.diags(inv) @ a).T.tocsr()  # column-stochastic transpose: x_new = at @ x
    x = np.full(n, 1.0 / n)
    for it in range(1, max_iter + 1):
        prev = x
        x = damping * (at @ prev)
        if not leak_dangling:
            x += damping * prev[dangling].sum() * p
        x += (1.0 - damping) * p
        err = np.abs(x - prev)
        total, biggest = float(err.sum()), float(err.max())
        interrupts.report(it, total / n if norm == "l1" else biggest)  # the loss shown: what is compared to tol
        if (total < n * tol) if norm == "l1" else (biggest < tol):
            return x, it
    return x, max_iter


def pagerank_madlib21_personalized(a: sp.csr_matrix, personalization: np.ndarray, damping: float = 0.85,
                                   max_iter: int = 100, tol: float = 1e-6, grouped: bool = False,
                                   n_vertices: int | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """MADlib 2.1's personalized PageRank (graph/pagerank.py_in), offered only for compatibility:
    returns ``(rank, present, iterations)``, ``present`` marking the vertices MADlib outputs (the
    ends of an edge). ``personalization`` is a bool mask of the personalization set (k vertices).

    Each iteration, a vertex with in-edges gets ``d * sum(x[s] / outdeg(s)) + (1 - d) * [in set]``
    and a vertex with out-edges only a constant: ``(1 - d) / n_vertices`` ungrouped, ``1 - d`` with
    grouping; there is no dangling term. The start is ``1/k`` on the set ungrouped, 0 everywhere
    with grouping (MADlib's ``unnest_result != NULL`` never matches). Stops once no present vertex
    moved by more than ``tol`` (never after the first iteration with grouping; ``tol`` 0 runs all
    ``max_iter``), then divides every rank by k when k > 1: the ranks need not sum to 1.
    """
    n = a.shape[0]
    pers = np.asarray(personalization, dtype=bool)
    k = int(pers.sum())
    if n == 0 or k == 0:
        return np.zeros(n), np.zeros(n, dtype=bool), 0
    a = a.tocsr()
    has_out = np.diff(a.indptr) > 0
    has_in = np.bincount(a.indices, minlength=n) > 0
    present = has_in | has_out
    out_w = np.asarray(a.sum(axis=1)).ravel()
    inv = np.divide(1.0, out_w, out=np.zeros(n), where=out_w != 0)
    at = (sp.diags(inv) @ a).T.tocsr()
    only_out = has_out & ~has_in
    constant = (1.0 - damping) if grouped else (1.0 - damping) / (n_vertices or n)
    x = np.zeros(n) if grouped else np.where(pers, 1.0 / k, 0.0)
    iterations = max_iter
    for it in range(1, max_iter + 1):
        new = damping * (at @ x) + (1.0 - damping) * pers
        new[only_out] = constant
        new[~present] = 0.0
        change = float(np.abs(new - x)[present].max()) if present.any() else 0.0
        interrupts.report(it, change)  # the loss shown: the largest move, compared to tol
        x = new
        if tol > 0 and change <= tol and not (grouped and it == 1):
            iterations = it
            break
    if k > 1:
        x = x / k
    return x, present, iterations


def hits(a: sp.csr_matrix, max_iter: int = 100, tol: float = 1e-8) -> tuple[np.ndarray, np.ndarray, int]:
    """Kleinberg's HITS by power iteration: ``(authority, hub, iterations)``, each scaled to
    unit L2 norm (MADlib's normalisation; networkx scales to sum 1, a constant factor).

    Starts from all ones, like MADlib; the authority is updated from the previous hub and the
    hub from the new authority. Stops when neither changes by more than ``tol`` at any vertex
    (MADlib's test; ``tol`` 0 runs all ``max_iter`` iterations).
    """
    n = a.shape[0]
    if n == 0:
        return np.empty(0), np.empty(0), 0
    a = a.tocsr()
    at = a.T.tocsr()
    hub = np.ones(n) / np.sqrt(n)
    auth = np.ones(n) / np.sqrt(n)
    for it in range(1, max_iter + 1):
        new_auth = _unit(at @ hub)
        new_hub = _unit(a @ new_auth)
        # MADlib's test: converged when no score moved by more than tol; tol 0 runs all max_iter
        change = max(np.abs(new_auth - auth).max(), np.abs(new_hub - hub).max())
        interrupts.report(it, float(change))  # the loss shown: the largest move, compared to tol
        done = tol > 0 and change <= tol
        auth, hub = new_auth, new_hub
        if done:
            return auth, hub, it
    return auth, hub, max_iter


def _unit(v: np.ndarray) -> np.ndarray:
    s = np.sqrt(v @ v)
    return v / s if s > 0 else v


def wcc_labels(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Weakly connected components: per vertex, the smallest position in its component.

    Positions are in vertex-id order, so this is the component's smallest vertex id (MADlib
    labels a component by one of its vertex ids, too).

    >>> wcc_labels(5, np.array([3, 1]), np.array([4, 2])).tolist()
    [0, 1, 1, 3, 3]
    """
    if n == 0:
        return np.empty(0, dtype=np.int64)
    g = sp.csr_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n, n))
    _, comp = connected_components(g, directed=True, connection="weak")
    first = np.full(comp.max() + 1, n, dtype=np.int64)
    np.minimum.at(first, comp, np.arange(n))
    return first[comp]


def propagate_labels(n: int, src: np.ndarray, dst: np.ndarray, labels: np.ndarray | None,
                     max_steps: int | None) -> tuple[np.ndarray, int, np.ndarray]:
    """Label propagation, the way MADlib's weakly_connected_components (and our relational plan)
    iterate: each step, every vertex takes the smallest label among itself and its neighbours
    (edges in both directions). Starts from ``labels`` (positions; None: every vertex its own),
    runs at most ``max_steps`` steps (None: until nothing changes). Returns (labels, steps run,
    the vertices whose label changed in the last step).

    >>> propagate_labels(4, np.array([0, 1]), np.array([1, 2]), None, None)[0].tolist()
    [0, 0, 0, 3]
    """
    labels = np.arange(n, dtype=np.int64) if labels is None else np.asarray(labels, dtype=np.int64).copy()
    a = np.concatenate([src, dst]).astype(np.int64)
    b = np.concatenate([dst, src]).astype(np.int64)
    moved = np.ones(n, dtype=bool)
    steps = 0
    while max_steps is None or steps < max_steps:
        interrupts.check()
        new = labels.copy()
        np.minimum.at(new, b, labels[a])
        moved = new < labels
        labels = new
        steps += 1
        if not moved.any():
            break
    return labels, steps, moved


def degrees(n: int, src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(indegree, outdegree)`` counting every edge row (parallel edges count, a self-loop
    adds one to both)."""
    return np.bincount(dst, minlength=n).astype(np.int64), np.bincount(src, minlength=n).astype(np.int64)
