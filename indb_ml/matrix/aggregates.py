"""``indb_ml.gram(x)`` = XᵀX and ``indb_ml.xty(x, y)`` = Xᵀy as parallel-safe aggregates.

The state is ``bytea``: float64 ``[k, sums...]``; the combine step adds states,
so PostgreSQL can split the work across parallel workers and partitions. The
transition runs once per row in PL/Python (no built-in C function fits), so
these are for ad-hoc SQL and moderate tables; the tile operators and
``linregr_train`` are the fast paths.
"""

from __future__ import annotations

import numpy as np

from indb_ml.core.session import sql_entry
from indb_ml.errors import InputError


def _vector(x, name: str) -> np.ndarray:
    if any(v is None for v in x):
        raise InputError(f"{name}: the array contains NULL elements", sqlstate=InputError.NO_DATA)
    if any(isinstance(v, list) for v in x):
        raise InputError(f"{name}: the array must be one-dimensional", sqlstate=InputError.ARRAY_DIMENSIONS)
    return np.asarray(x, dtype=np.float64)


def _unpack(state: bytes | None, size, name: str) -> np.ndarray | None:
    if state is None:
        return None
    buf = np.frombuffer(state, dtype=np.float64)
    if int(buf[0]) != size:
        raise InputError(f"{name}: arrays have different lengths ({int(buf[0])} and {size})",
                         sqlstate=InputError.ARRAY_DIMENSIONS)
    return buf[1:]


def _pack(k: int, sums: np.ndarray) -> bytes:
    return np.concatenate([[float(k)], sums.ravel()]).tobytes()


@sql_entry
def gram_transition(sess, state, x):
    if x is None:
        return state
    v = _vector(x, "gram")
    sums = _unpack(state, v.size, "gram")
    outer = np.outer(v, v).ravel()
    return _pack(v.size, outer if sums is None else sums + outer)


@sql_entry
def xty_transition(sess, state, x, y):
    if x is None or y is None:
        return state
    v = _vector(x, "xty")
    sums = _unpack(state, v.size, "xty")
    return _pack(v.size, v * y if sums is None else sums + v * y)


@sql_entry
def sum_combine(sess, a, b):
    if a is None or b is None:
        return a if b is None else b
    ka, kb = int(np.frombuffer(a, count=1)[0]), int(np.frombuffer(b, count=1)[0])
    if ka != kb:
        raise InputError(f"arrays have different lengths ({ka} and {kb})", sqlstate=InputError.ARRAY_DIMENSIONS)
    return _pack(ka, np.frombuffer(a)[1:] + np.frombuffer(b)[1:])


@sql_entry
def gram_final(sess, state):
    if state is None:
        return None
    buf = np.frombuffer(state, dtype=np.float64)
    k = int(buf[0])
    return buf[1:].reshape(k, k).tolist()


@sql_entry
def xty_final(sess, state):
    return None if state is None else np.frombuffer(state, dtype=np.float64)[1:].tolist()
