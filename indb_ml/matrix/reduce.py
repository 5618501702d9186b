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

from indb_ml.core.relations import new_table
from indb_ml.core.session import Session, sql_entry
from indb_ml.errors import InputError
from indb_ml.matrix import pieces, relational, storage

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


def _open(sess, matrix_in, in_args):
    return pieces.open_source(sess, matrix_in, in_args, "matrix_in")


def _dense_piece(sess, piece) -> np.ndarray:
    """A piece as an ndarray; the only sparse piece is a whole sparse matrix, densified under the cap."""
    if sparse.issparse(piece):
        storage.check_size(sess, piece.shape[0], piece.shape[1], "matrix_in (densified)")
        return piece.toarray()
    return piece


@sql_entry
def matrix_extract_row(sess, matrix_in, in_args, index) -> list:
    """Through the table's key where it has one (:func:`pieces.line`): one band of tiles, one
    dense row, one sparse row's entries."""
    src = _open(sess, matrix_in, in_args)
    i = _check_index(index, src.shape[0], "row", "matrix_extract_row")
    return pieces.line(sess, src, "col" if src.args.trans else "row", i).tolist()


@sql_entry
def matrix_extract_col(sess, matrix_in, in_args, index) -> list:
    src = _open(sess, matrix_in, in_args)
    j = _check_index(index, src.shape[1], "column", "matrix_extract_col")
    return pieces.line(sess, src, "row" if src.args.trans else "col", j).tolist()


@sql_entry
def matrix_extract_diag(sess, matrix_in, in_args) -> list:
    """The main diagonal, min(rows, columns) values (MADlib does not require a square matrix)."""
    src = _open(sess, matrix_in, in_args)
    out = np.zeros(min(src.shape))
    for r0, c0, piece in pieces.pieces(sess, src):
        lo, hi = max(r0, c0), min(r0 + piece.shape[0], c0 + piece.shape[1])
        if lo < hi:
            k = np.arange(lo, hi)
            out[lo:hi] = np.ravel(piece[k - r0, k - c0])
    return out.tolist()


def _sums(sess, src, axis: int, transform=None) -> np.ndarray:
    """Per-column (axis 0) or per-row (axis 1) sums of ``transform(piece)``, streamed."""
    out = np.zeros(src.shape[1 - axis])
    stream = ((0, c0, p) for c0, p in pieces.column_pieces(sess, src)) if axis == 0 else pieces.pieces(sess, src)
    for r0, c0, piece in stream:
        part = np.ravel(np.asarray((piece if transform is None else transform(piece)).sum(axis=axis)))
        at = c0 if axis == 0 else r0
        out[at:at + part.size] += part
    return out


def _any_sums(sess, src, axis: int, absolute: bool = False) -> np.ndarray:
    """Sums in SQL for sparse entries, streamed over pieces otherwise."""
    def streamed():
        return _sums(sess, src, axis, abs if absolute else None)

    if src.fmt == "sparse":
        return relational.guarded(sess, lambda: relational.sums(sess, (src.rel, src.args), axis, absolute),
                                  streamed, False, "matrix_sum")
    return streamed()


@sql_entry
def matrix_sum(sess, matrix_in, in_args, dim) -> list:
    axis = check_dim(dim, "matrix_sum") - 1
    return _any_sums(sess, _open(sess, matrix_in, in_args), axis).tolist()


@sql_entry
def matrix_mean(sess, matrix_in, in_args, dim) -> list:
    axis = check_dim(dim, "matrix_mean") - 1
    src = _open(sess, matrix_in, in_args)
    return (_any_sums(sess, src, axis) / src.shape[axis]).tolist()


def _extremum(op: str, largest: bool):
    @sql_entry
    def entry(sess, matrix_in, in_args, dim, matrix_out, fetch_index=False) -> list:
        axis = check_dim(dim, op) - 1
        src = _open(sess, matrix_in, in_args)
        rel = new_table(sess, matrix_out, "matrix_out")
        values, where = _streamed_extremum(sess, src, axis, largest)
        kind = op.rsplit("_", 1)[1]
        cols = ([sess.ident("index") + " bigint[]"] if fetch_index else []) + [sess.ident(kind) + " float8[]"]
        sess.execute("CREATE TABLE " + rel.sql(sess) + " (" + ", ".join(cols) + ")")
        if fetch_index:
            sess.execute("INSERT INTO " + rel.sql(sess) + " VALUES ($1, $2)",
                         [(where + 1).tolist(), values.tolist()], ["int8[]", "float8[]"])
        else:
            sess.execute("INSERT INTO " + rel.sql(sess) + " VALUES ($1)", [values.tolist()], ["float8[]"])
        return [matrix_out]

    entry.__name__ = op
    return entry


def _streamed_extremum(sess, src, axis: int, largest: bool):
    """Max (or min) along ``axis`` and its first 0-based index, merged piece by piece.

    As numpy's max/argmax: NaN wins and ties go to the smallest index, whatever order
    the pieces arrive in.
    """
    size = src.shape[1 - axis]
    best = np.full(size, -np.inf if largest else np.inf)
    where = np.full(size, np.iinfo(np.int64).max)
    pick, first = (np.max, np.argmax) if largest else (np.min, np.argmin)
    for r0, c0, piece in pieces.pieces(sess, src):
        block = _dense_piece(sess, piece)
        if not block.size:
            continue
        values, index = pick(block, axis=axis), first(block, axis=axis) + (r0 if axis == 0 else c0)
        at = c0 if axis == 0 else r0
        cur, cur_at = best[at:at + values.size], where[at:at + values.size]
        wins = (values > cur) if largest else (values < cur)
        nan_new, nan_cur = np.isnan(values), np.isnan(cur)
        tie = (values == cur) | (nan_new & nan_cur)
        take = (nan_new & ~nan_cur) | (wins & ~nan_cur) | (tie & (index < cur_at))
        cur[take], cur_at[take] = values[take], index[take]
    return best, where


matrix_max = _extremum("matrix_max", largest=True)
matrix_min = _extremum("matrix_min", largest=False)


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


def _pnorm_parts(piece, p: float) -> tuple[float, float]:
    """``(top, s)`` with ``||piece||_p = top * s ** (1/p)``: scaled so |x|^p neither overflows nor underflows."""
    values = abs(piece).data if sparse.issparse(piece) else np.abs(np.ravel(piece))
    top = float(values.max()) if values.size else 0.0
    if top == 0.0 or not np.isfinite(top):
        return top, 1.0
    return top, float(np.sum((values / top) ** p))


def combine_pnorm(parts: list, p: float) -> float:
    """Merge :func:`_pnorm_parts` of the pieces.

    >>> a = np.array([[3.0, 0.0], [0.0, 4.0]])
    >>> combine_pnorm([_pnorm_parts(a[:1], 2.0), _pnorm_parts(a[1:], 2.0)], 2.0)
    5.0
    """
    tops = np.array([t for t, _ in parts] or [0.0])
    top = float(tops.max()) if not np.isnan(tops).any() else float("nan")
    if top == 0.0 or not np.isfinite(top):
        return top
    return top * float(sum(s * (t / top) ** p for t, s in parts if t)) ** (1.0 / p)


@sql_entry
def matrix_norm(sess, matrix_in, in_args, norm_type="fro") -> float:
    """Streamed over pieces (sparse entries: in SQL), except the spectral norm, which needs the
    whole matrix (under the cap)."""
    kind = parse_norm_type(norm_type)
    src = _open(sess, matrix_in, in_args)
    if kind == "spectral":
        m = storage.load(sess, matrix_in, in_args, "matrix_in")
        return norm_of(as_dense(sess, m, "matrix_in"), kind)
    if kind in ("one", "infinity"):
        sums = _any_sums(sess, src, 0 if kind == "one" else 1, absolute=True)
        return float(np.max(sums)) if sums.size else 0.0
    if kind == "max":
        if src.fmt == "sparse":
            return relational.largest_abs(sess, (src.rel, src.args))
        return float(np.max([_pnorm_parts(piece, 1.0)[0] for _, piece in pieces.column_pieces(sess, src)]))
    p = 2.0 if kind == "frobenius" else float(kind)
    if src.fmt == "sparse":
        return relational.guarded(
            sess, lambda: relational.p_norm(sess, (src.rel, src.args), p),
            lambda: combine_pnorm([_pnorm_parts(piece, p) for _, _, piece in pieces.pieces(sess, src)], p),
            False, "matrix_norm")
    return combine_pnorm([_pnorm_parts(piece, p) for _, piece in pieces.column_pieces(sess, src)], p)
