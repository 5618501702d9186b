"""numpy kernels behind MADlib's in-memory matrix functions ``matrix_mem_mult`` and ``matrix_mem_trans``,
and the final step (the inverse) of MADlib's ``__matrix_dense_inverse`` / ``__matrix_sparse_inverse``.

The SQL functions (``sql/26_matrix_madlib.sql``) check their arguments and loop in PL/pgSQL
on small matrices; above a few hundred operations they call these, passing each 2-D
``float8[]`` as its raw array body (``indb_ml._float8_array_bytes``) and taking the result
back as row-major float64 bytes (``indb_ml._float8_matrix_from_bytes``), so no element goes
through text. PostgreSQL's float8 arithmetic raises an error on overflow; so does this path,
so both give the same answer or the same error.

>>> import struct
>>> body = struct.pack("<iiIiiii", 2, 0, 701, 2, 2, 1, 1) + struct.pack("<4d", 1, 2, 3, 4)
>>> np.frombuffer(transpose(body), "<f8").tolist()
[1.0, 3.0, 2.0, 4.0]
"""

from __future__ import annotations

import numpy as np

from indb_ml.core.session import sql_entry
from indb_ml.errors import InputError, state_errors
from indb_ml.kernels.arraybytes import float8_array_from_body


def _matrix(body: bytes) -> np.ndarray:
    m = float8_array_from_body(body)
    if m.ndim != 2:  # the SQL callers check; this guards direct calls of the internal functions
        raise InputError(f"expected a two-dimensional array, got {m.ndim} dimension(s)", sqlstate="2202E")
    return m


def _finite_or_overflow(result: np.ndarray, *inputs: np.ndarray) -> bytes:
    if not np.isfinite(result).all() and all(np.isfinite(x).all() for x in inputs):
        raise InputError("value out of range: overflow", sqlstate="22003")
    return np.ascontiguousarray(result, dtype="<f8").tobytes()


def multiply(a: bytes, b: bytes, trans_b: bool) -> bytes:
    x, y = _matrix(a), _matrix(b)
    y = y.T if trans_b else y
    if x.shape[1] != y.shape[0]:
        raise InputError(f"matrix_mem_mult: matrix_a is {x.shape[0]} x {x.shape[1]} and matrix_b is "
                         f"{y.shape[0]} x {y.shape[1]}; the inner dimensions differ", sqlstate="2202E")
    with np.errstate(over="ignore", invalid="ignore"):
        return _finite_or_overflow(x @ y, x, y)


def transpose(m: bytes) -> bytes:
    return np.ascontiguousarray(_matrix(m).T, dtype="<f8").tobytes()


@sql_entry
@state_errors("mult_bytes")
def mult_bytes(sess, a: bytes, b: bytes, trans_b: bool) -> bytes:
    return multiply(a, b, trans_b)


@sql_entry
@state_errors("trans_bytes")
def trans_bytes(sess, m: bytes) -> bytes:
    return transpose(m)


def inverse(m: bytes, op: str) -> bytes:
    """The inverse of a square matrix given as an array body, as row-major float64 bytes.

    A singular (or numerically singular) matrix is an error: Eigen's ``inverse()``, which
    MADlib's ``matrix_inv`` final step calls, would return infinities without saying so.
    """
    a = _matrix(m)
    if a.shape[0] != a.shape[1]:
        raise InputError(f"{op}: the matrix is {a.shape[0]} x {a.shape[1]}; an inverse needs a square matrix",
                         sqlstate="2202E", hint="matrix_pinv gives the pseudo-inverse of any matrix")
    if not np.isfinite(a).all():
        raise InputError(f"{op}: the matrix has NaN or infinite values", sqlstate="22023")
    cond = np.linalg.cond(a)
    if not np.isfinite(cond) or cond * np.finfo(np.float64).eps > 1:
        raise InputError(f"{op}: the matrix is singular (condition number {cond:.3g})", sqlstate="22023",
                         hint="matrix_pinv gives the pseudo-inverse of any matrix")
    return np.ascontiguousarray(np.linalg.inv(a), dtype="<f8").tobytes()


@sql_entry
@state_errors("inverse_bytes")
def inverse_bytes(sess, m: bytes, op: str) -> bytes:
    return inverse(m, op)
