"""Mergeable first and second moments of a block of rows: the state of linear regression.

The state keeps the row count, the column means and the co-moment matrix
``C = sum((z - mean)(z - mean)^T)`` of ``z = [y, x1, ..., xk]``. Blocks are folded
with one BLAS call each and two states merge exactly (Chan, Golub and LeVeque's
pairwise update), so the same state serves the chunked driver, PostgreSQL's
parallel workers (the aggregate's COMBINEFUNC) and partition-wise plans. Keeping
moments centred, not raw sums of products, is what keeps ill-conditioned data
(the Longley data: cond(X) ~ 5e9) accurate in float64.

>>> import numpy as np
>>> z = np.arange(12.0).reshape(4, 3)
>>> s = comoment_merge(comoment_accumulate(None, z[:2]), comoment_accumulate(None, z[2:]))
>>> bool(np.allclose(s.comoment, (z - z.mean(0)).T @ (z - z.mean(0))))
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Comoment:
    """Row count, column means and centred co-moment matrix of ``[y, x1..xk]`` rows."""

    n: int
    mean: np.ndarray
    comoment: np.ndarray

    @property
    def width(self) -> int:
        return self.mean.shape[0]


def comoment_accumulate(state: Comoment | None, z: np.ndarray) -> Comoment | None:
    """Fold a block of rows (an ``m x (k+1)`` float64 array) into ``state``."""
    if z.shape[0] == 0:
        return state
    # A matrix-vector product (BLAS) is ~2x faster than z.mean(axis=0) on tall, narrow blocks.
    mean = (np.ones(z.shape[0]) @ z) / z.shape[0]
    centred = z - mean
    block = Comoment(z.shape[0], mean, centred.T @ centred)
    return block if state is None else comoment_merge(state, block)


def comoment_add_row(state: Comoment | None, row: np.ndarray) -> Comoment:
    """Welford's one-row update: the aggregate's per-row step, O(k^2) without a block."""
    if state is None:
        return Comoment(1, row.astype(np.float64, copy=True), np.zeros((row.size, row.size)))
    n = state.n + 1
    delta = row - state.mean
    mean = state.mean + delta / n
    return Comoment(n, mean, state.comoment + np.outer(delta, row - mean))


def comoment_merge(a: Comoment | None, b: Comoment | None) -> Comoment | None:
    """Exact merge of two states (the aggregate's COMBINEFUNC)."""
    if a is None or a.n == 0:
        return b
    if b is None or b.n == 0:
        return a
    if a.width != b.width:
        raise ValueError(f"cannot merge states of {a.width - 1} and {b.width - 1} features")
    n = a.n + b.n
    delta = b.mean - a.mean
    mean = a.mean + delta * (b.n / n)
    comoment = a.comoment + b.comoment + np.outer(delta, delta) * (a.n * b.n / n)
    return Comoment(n, mean, comoment)


def comoment_merge_all(states) -> Comoment | None:
    """Every state of ``states`` merged (None for none): a table's from its groups or folds."""
    out = None
    for s in states:
        out = comoment_merge(out, s)
    return out


def comoment_from_cstate(raw: bytes | None) -> tuple[Comoment | None, int]:
    """A state of the C co-moment aggregates (``linregr``, ``gram``, ``xty``, and every
    training pass over them) as ``(state or None, rows skipped)``; the rows the C state
    still buffers are folded in here, exactly."""
    from indb_ml.kernels.cstate import COMOMENT, COMOMENT_BLOCK, parse_state, unpack_symmetric

    state = parse_state(raw, COMOMENT)
    if state is None:
        return None, 0
    w = state.width
    tri = w * (w + 1) // 2
    pending = int(state.data[w + tri]) if w else 0
    if not 0 <= pending <= COMOMENT_BLOCK:
        raise ValueError("invalid aggregate state: corrupted row buffer")
    folded = None
    if state.n > 0:
        folded = Comoment(state.n, state.data[:w].copy(), unpack_symmetric(state.data[w:w + tri], w))
    if pending:
        rows = state.data[w + tri + 1:w + tri + 1 + pending * w].reshape(pending, w)
        folded = comoment_accumulate(folded, rows)
    return folded, state.skipped


def comoment_to_bytes(state: Comoment | None, skipped: int = 0) -> bytes:
    """Serialize as float64 ``[n, skipped, width, mean..., comoment...]`` (a bytea state)."""
    if state is None:
        return np.array([0.0, float(skipped), 0.0]).tobytes()
    head = np.array([float(state.n), float(skipped), float(state.width)])
    return np.concatenate([head, state.mean, state.comoment.ravel()]).tobytes()


def comoment_from_bytes(data: bytes | None) -> tuple[Comoment | None, int]:
    """Inverse of :func:`comoment_to_bytes`: ``(state or None, skipped)``."""
    if not data:
        return None, 0
    buf = np.frombuffer(data, dtype=np.float64)
    n, skipped, width = int(buf[0]), int(buf[1]), int(buf[2])
    if n == 0:
        return None, skipped
    mean = buf[3 : 3 + width].copy()
    comoment = buf[3 + width : 3 + width + width * width].reshape(width, width).copy()
    return Comoment(n, mean, comoment), skipped
