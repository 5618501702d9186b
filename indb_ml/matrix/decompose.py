"""MADlib's decompositions, in memory: inverse, pseudo-inverse, eigenvalues, Cholesky, QR, LU, rank, nuclear norm.

Like MADlib, which collects the matrix on one node, these load the whole matrix into
the backend (bounded by ``indb_ml.matrix_memory_mb``) and factor it with LAPACK through
numpy/scipy. Outputs are dense unless ``out_args`` asks for ``fmt=sparse`` or
``fmt=tiles``; their column names default to the input's (MADlib's rules).

The factorizations follow the ones MADlib takes from Eigen, so the factors match:

- Cholesky is Eigen's ``LDLT``: ``P A Pᵀ = L D Lᵀ`` with the pivot order chosen from the
  diagonal of ``A`` (largest magnitude first), ``L`` unit lower triangular, ``D`` diagonal;
  only the lower triangle of ``A`` is read.
- LU is Eigen's ``FullPivLU``: ``P A Q = L U``, the pivot at each step the largest
  remaining entry in magnitude (first in column-major order on ties).

>>> a = np.array([[4.0, 2.0], [2.0, 9.0]])
>>> p, l, d = ldl_pivoted(a)
>>> p.tolist(), bool(np.allclose(p @ a @ p.T, l @ d @ l.T))
([[0.0, 1.0], [1.0, 0.0]], True)
>>> p, l, u, q = lu_full_pivot(np.array([[1.0, 2.0], [3.0, 4.0]]))
>>> float(u[0, 0]), bool(np.allclose(p @ np.array([[1.0, 2.0], [3.0, 4.0]]) @ q, l @ u))
(4.0, True)
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import scipy.linalg

from indb_ml.core.session import Session, sql_entry
from indb_ml.errors import InputError
from indb_ml.kernels import interrupts
from indb_ml.matrix import storage, writer
from indb_ml.matrix.args import parse_args, suffixed
from indb_ml.matrix.reduce import as_dense


def ldl_pivoted(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(P, L, D)`` with ``P A Pᵀ = L D Lᵀ`` for a symmetric positive definite ``A`` (lower triangle read)."""
    sym = np.tril(a) + np.tril(a, -1).T
    n = sym.shape[0]
    # Eigen's LDLT picks, at step k, the largest |diagonal| among positions k.. of the
    # (not yet updated) permuted diagonal and swaps it into place.
    order, diag = np.arange(n), np.abs(np.diag(sym)).copy()
    for k in range(n):
        j = k + int(np.argmax(diag[k:]))
        order[[k, j]], diag[[k, j]] = order[[j, k]], diag[[j, k]]
    permuted = sym[np.ix_(order, order)]
    try:
        c = scipy.linalg.cholesky(permuted, lower=True)
    except np.linalg.LinAlgError:
        raise InputError("matrix_cholesky: matrix_in is not positive definite",
                         hint="Cholesky needs a symmetric positive definite matrix (only its lower triangle "
                              "is read); use matrix_lu or matrix_eigen for other matrices") from None
    root = np.diag(c)
    return np.eye(n)[order], c / root, np.diag(root**2)


def lu_full_pivot(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(P, L, U, Q)`` with ``P A Q = L U``: L is m x m unit lower triangular, U is m x n upper."""
    u = np.array(a, dtype=np.float64)
    m, n = u.shape
    rows, cols, low = np.arange(m), np.arange(n), np.eye(m)
    for k in range(min(m, n)):
        interrupts.check()
        corner = np.abs(u[k:, k:])
        j, i = divmod(int(np.argmax(corner.T)), m - k)  # column-major scan, as Eigen's maxCoeff
        if corner[i, j] == 0:
            break  # the rest is exactly zero: Eigen stops here too
        i, j = i + k, j + k
        u[[k, i]], rows[[k, i]], low[[k, i], :k] = u[[i, k]], rows[[i, k]], low[[i, k], :k]
        u[:, [k, j]], cols[[k, j]] = u[:, [j, k]], cols[[j, k]]
        low[k + 1:, k] = u[k + 1:, k] / u[k, k]
        u[k + 1:, k:] -= np.outer(low[k + 1:, k], u[k, k:])
    return np.eye(m)[rows], low, np.triu(u), np.eye(n)[:, cols]


def eigenvalues(a: np.ndarray) -> np.ndarray:
    """Eigenvalues with their multiplicity, largest real part first (conjugate pairs: +imag first)."""
    values = scipy.linalg.eigvals(a)
    return values[np.lexsort((-values.imag, -values.real))]


def _load(sess: Session, matrix_in, in_args, op: str, square: bool = False) -> tuple[storage.Loaded, np.ndarray]:
    m = storage.load(sess, matrix_in, in_args, "matrix_in")
    a = as_dense(sess, m, "matrix_in")
    if square and a.shape[0] != a.shape[1]:
        raise InputError(f"{op}: matrix_in is {a.shape[0]} x {a.shape[1]}; it must be square",
                         hint="matrix_pinv, matrix_qr and matrix_lu accept any shape")
    if not np.isfinite(a).all():
        raise InputError(f"{op}: matrix_in has NaN or infinite values")
    return m, a


def _output(sess: Session, name: str, out_args, like: storage.Loaded, arg: str = "matrix_out"):
    rel, args, _ = storage.create_output(sess, name, out_args, like, arg)
    return rel, args, args.fmt or "dense"  # as MADlib: factors are dense unless fmt= says otherwise


def _write_all(sess: Session, outputs: list, values: list) -> None:
    for (rel, args, fmt), value in zip(outputs, values):
        writer.store(sess, rel, args, fmt, value)


def _factors(sess, matrix_in, in_args, prefix, out_args, op: str, square: bool, parts: dict, factor) -> list:
    m, a = _load(sess, matrix_in, in_args, op, square)
    outputs = [_output(sess, suffixed(prefix, s), out_args, m, "matrix_out_prefix") for s in parts]
    _write_all(sess, outputs, list(factor(a)))
    names = ", ".join(f"{suffixed(prefix, s)} ({what})" for s, what in parts.items())
    return [f"{op}: {names}"]


@sql_entry
def matrix_inverse(sess, matrix_in, in_args, matrix_out, out_args=None) -> list:
    m, a = _load(sess, matrix_in, in_args, "matrix_inverse", square=True)
    cond = np.linalg.cond(a)
    if not np.isfinite(cond) or cond * np.finfo(np.float64).eps > 1:
        raise InputError(f"matrix_inverse: matrix_in is singular (condition number {cond:.3g})",
                         hint="matrix_pinv computes the pseudo-inverse of any matrix")
    _write_all(sess, [_output(sess, matrix_out, out_args, m)], [scipy.linalg.inv(a)])
    return [matrix_out]


@sql_entry
def matrix_pinv(sess, matrix_in, in_args, matrix_out, out_args=None) -> list:
    m, a = _load(sess, matrix_in, in_args, "matrix_pinv")
    _write_all(sess, [_output(sess, matrix_out, out_args, m)], [np.linalg.pinv(a)])
    return [matrix_out]


@sql_entry
def matrix_eigen(sess, matrix_in, in_args, matrix_out, out_args=None) -> list:
    """One row per eigenvalue: ``(row, eigen_values indb_ml.complex)``, as MADlib's output table."""
    m, a = _load(sess, matrix_in, in_args, "matrix_eigen", square=True)
    rel, args, _ = storage.create_output(sess, matrix_out, out_args, m)
    parsed, given = parse_args(out_args)
    if parsed.fmt not in (None, "dense"):
        raise InputError(f"matrix_eigen: fmt={parsed.fmt} does not apply",
                         hint="the output has one row per eigenvalue: (row, eigen_values (real, imag))")
    if "val" not in given:
        args = replace(args, val="eigen_values")
    values = eigenvalues(a)
    sess.execute("CREATE TABLE " + rel.sql(sess) + " (" + sess.ident(args.row) + " integer PRIMARY KEY, "
                 + sess.ident(args.val) + " indb_ml.complex)")
    sess.execute("INSERT INTO " + rel.sql(sess) + " SELECT i, ROW(re, im)::indb_ml.complex FROM ROWS FROM "
                 "(pg_catalog.unnest($1::int4[]), pg_catalog.unnest($2::float8[]), pg_catalog.unnest($3::float8[])) "
                 "AS t(i, re, im)",
                 [list(range(1, values.size + 1)), values.real.tolist(), values.imag.tolist()],
                 ["int4[]", "float8[]", "float8[]"])
    return [matrix_out]


@sql_entry
def matrix_cholesky(sess, matrix_in, in_args, matrix_out_prefix, out_args=None) -> list:
    parts = {"_p": "P", "_l": "L", "_d": "D, with P A P' = L D L'"}
    return _factors(sess, matrix_in, in_args, matrix_out_prefix, out_args, "matrix_cholesky", True, parts,
                    ldl_pivoted)


@sql_entry
def matrix_qr(sess, matrix_in, in_args, matrix_out_prefix, out_args=None) -> list:
    parts = {"_q": "Q", "_r": "R, with A = Q R"}
    return _factors(sess, matrix_in, in_args, matrix_out_prefix, out_args, "matrix_qr", False, parts,
                    lambda a: scipy.linalg.qr(a, mode="full"))


@sql_entry
def matrix_lu(sess, matrix_in, in_args, matrix_out_prefix, out_args=None) -> list:
    parts = {"_p": "P", "_l": "L", "_u": "U", "_q": "Q, with P A Q = L U"}
    return _factors(sess, matrix_in, in_args, matrix_out_prefix, out_args, "matrix_lu", False, parts,
                    lu_full_pivot)


@sql_entry
def matrix_rank(sess, matrix_in, in_args) -> int:
    return int(np.linalg.matrix_rank(_load(sess, matrix_in, in_args, "matrix_rank")[1]))


@sql_entry
def matrix_nuclear_norm(sess, matrix_in, in_args) -> float:
    return float(np.linalg.norm(_load(sess, matrix_in, in_args, "matrix_nuclear_norm")[1], "nuc"))
