"""MADlib's extraction and reduction operations: rows, columns, diagonal, max/min, sum, mean, norms.

All indices are 1-based, as in MADlib. ``dim`` names the dimension that is flattened:
``dim=1`` reduces each column (a result per column), ``dim=2`` each row.

>>> a = np.array([[1.0, -2.0], [3.0, 4.0]])
>>> norm_of(a, "one"), norm_of(a, "inf"), norm_of(a, "m")
(6.0, 7.0, 4.0)
>>> bool(np.isclose(norm_of(a, "2"), np.sqrt(30.0)))
True
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from indb_ml.errors import InputError
from indb_ml.matrix import storage
from indb_ml.server.relations import new_table
from indb_ml.server.session import Session, sql_entry

NORM_NAMES = ("one", "spectral", "infinity", "max", "frobenius")  # MADlib matches any prefix of these


def as_dense(sess: Session, m: storage.Loaded, what: str) -> np.ndarray:
    """The loaded matrix as an ndarray (a sparse one is densified under indb_ml.matrix_memory_mb)."""
    if sparse.issparse(m.value):
        storage.check_size(sess, m.shape[0], m.shape[1], what)
        return m.value.toarray()
    return np.asarray(m.value, dtype=np.float64)


def _sql(value) -> str:
    return "NULL" if value is None else str(value)


def check_dim(dim, op: str) -> int:
    if dim not in (1, 2):
        raise InputError(f"{op}: dim is {_sql(dim)}; it must be 1 (reduce each column) or 2 (reduce each row)")
    return dim


def _check_index(index, size: int, what: str, op: str) -> int:
    if index is None or not 1 <= index <= size:
        raise InputError(f"{op}: index {_sql(index)} is out of range; matrix_in has {size} {what}s (1 to {size})")
    return index - 1


@sql_entry
def matrix_extract_row(sess, matrix_in, in_args, index) -> list:
    m = storage.load(sess, matrix_in, in_args, "matrix_in")
    i = _check_index(index, m.shape[0], "row", "matrix_extract_row")
    row = m.value[i:i + 1].toarray() if sparse.issparse(m.value) else m.value[i:i + 1]
    return np.ravel(row).tolist()


@sql_entry
def matrix_extract_col(sess, matrix_in, in_args, index) -> list:
    m = storage.load(sess, matrix_in, in_args, "matrix_in")
    j = _check_index(index, m.shape[1], "column", "matrix_extract_col")
    col = m.value[:, j:j + 1].toarray() if sparse.issparse(m.value) else m.value[:, j:j + 1]
    return np.ravel(col).tolist()


@sql_entry
def matrix_extract_diag(sess, matrix_in, in_args) -> list:
    """The main diagonal, min(rows, columns) values (MADlib does not require a square matrix)."""
    m = storage.load(sess, matrix_in, in_args, "matrix_in")
    return np.asarray(m.value.diagonal(), dtype=np.float64).tolist()


def _reduce(sess, matrix_in, in_args, dim, op: str):
    check_dim(dim, op)
    m = storage.load(sess, matrix_in, in_args, "matrix_in")
    return m, 0 if dim == 1 else 1


@sql_entry
def matrix_sum(sess, matrix_in, in_args, dim) -> list:
    m, axis = _reduce(sess, matrix_in, in_args, dim, "matrix_sum")
    return np.ravel(m.value.sum(axis=axis)).astype(np.float64).tolist()


@sql_entry
def matrix_mean(sess, matrix_in, in_args, dim) -> list:
    m, axis = _reduce(sess, matrix_in, in_args, dim, "matrix_mean")
    return (np.ravel(m.value.sum(axis=axis)).astype(np.float64) / m.shape[axis]).tolist()


def _extremum(op: str, pick, first):
    @sql_entry
    def entry(sess, matrix_in, in_args, dim, matrix_out, fetch_index=False) -> list:
        m, axis = _reduce(sess, matrix_in, in_args, dim, op)
        rel = new_table(sess, matrix_out, "matrix_out")
        a = as_dense(sess, m, "matrix_in")
        values, where = pick(a, axis=axis), first(a, axis=axis) + 1  # first occurrence, 1-based
        kind = op.rsplit("_", 1)[1]
        cols = ([sess.ident("index") + " bigint[]"] if fetch_index else []) + [sess.ident(kind) + " float8[]"]
        sess.execute("CREATE TABLE " + rel.sql(sess) + " (" + ", ".join(cols) + ")")
        if fetch_index:
            sess.execute("INSERT INTO " + rel.sql(sess) + " VALUES ($1, $2)",
                         [where.tolist(), values.tolist()], ["int8[]", "float8[]"])
        else:
            sess.execute("INSERT INTO " + rel.sql(sess) + " VALUES ($1)", [values.tolist()], ["float8[]"])
        return [matrix_out]

    entry.__name__ = op
    return entry


matrix_max = _extremum("matrix_max", np.max, np.argmax)
matrix_min = _extremum("matrix_min", np.min, np.argmin)


def parse_norm_type(norm_type: str | None):
    """MADlib's norm names (any prefix of one, spectral, infinity, max, frobenius) or a number p > 0."""
    text = "fro" if norm_type is None or not str(norm_type).strip() else str(norm_type).strip().lower()
    for name in NORM_NAMES:
        if name.startswith(text):
            return name
    try:
        p = float(text)
    except ValueError:
        p = None
    if p is None or not np.isfinite(p) or p <= 0:
        raise InputError(f"matrix_norm: unknown norm_type {norm_type!r}",
                         hint="use 'one' ('o'), 'inf' ('i'), 'max' ('m'), 'fro' ('f'), 'spectral' ('s') "
                              "or a positive number p for the element-wise p-norm")
    return p


def norm_of(a, norm_type) -> float:
    """A matrix norm of an ndarray or scipy sparse array, named as MADlib names them."""
    kind = parse_norm_type(norm_type) if isinstance(norm_type, str) or norm_type is None else norm_type
    absolute = abs(a)
    if kind == "one":
        return float(np.max(absolute.sum(axis=0)))
    if kind == "infinity":
        return float(np.max(absolute.sum(axis=1)))
    if kind == "max":
        return float(absolute.max())
    if kind == "spectral":
        dense = a.toarray() if sparse.issparse(a) else a
        return float(np.linalg.norm(dense, 2))
    p = 2.0 if kind == "frobenius" else float(kind)
    values = absolute.data if sparse.issparse(absolute) else np.ravel(absolute)
    top = float(values.max()) if values.size else 0.0
    if top == 0.0 or not np.isfinite(top):
        return top
    # Scaled by the largest value so that |a|^p neither overflows nor underflows.
    return top * float(np.sum((values / top) ** p)) ** (1.0 / p)


@sql_entry
def matrix_norm(sess, matrix_in, in_args, norm_type="fro") -> float:
    kind = parse_norm_type(norm_type)
    m = storage.load(sess, matrix_in, in_args, "matrix_in")
    value = as_dense(sess, m, "matrix_in") if kind == "spectral" else m.value
    return norm_of(value, kind)
