"""MADlib's singular value decomposition: ``svd`` (dense rows), ``svd_sparse`` and ``svd_sparse_native`` (coordinates).

``A ≈ U S Vᵀ`` with the ``k`` largest singular values. Like the other decompositions
this runs in memory (bounded by ``indb_ml.matrix_memory_mb``), and the result is exact to
machine precision, where MADlib's Lanczos bidiagonalization is approximate when
``n_iterations`` is below the smaller dimension:

- dense input, and sparse input with ``k >= min(rows, columns) - 1``: LAPACK's SVD of the
  whole matrix (``numpy.linalg.svd``), the top ``k`` kept; a sparse matrix is densified
  for this (MADlib's ``svd_sparse`` always densifies);
- sparse input with a smaller ``k``: ARPACK (``scipy.sparse.linalg.svds``, run to
  convergence, ``tol=0``) on the sparse matrix, never densified, so only ``U`` and ``V``
  (``rows x k`` and ``columns x k``) count against the memory cap. Its start vector comes
  from a fixed seed, so a call gives the same result every time.

Conventions, so results are reproducible and comparable: singular values in descending
order; each singular pair's sign is chosen so that the entry of largest magnitude in the
column of ``U`` is positive (the first such entry on a tie); singular values that are
zero (below ``max(rows, columns) * eps * s_max``, numpy's rank tolerance) are dropped with
a warning, as MADlib drops them when ``k`` exceeds the number of nonzero singular values.

Progress (``indb_ml.progress``, ``SET indb_ml.show_progress = on``), as ``svd``: a step before
each phase, so the view shows the one that runs: ``load`` (the source read into memory),
``decompose`` (LAPACK or ARPACK: one call that cannot report from inside), ``write`` (U, S and
V) and, with a summary table, ``finish`` (the reconstruction error and the summary).

>>> u, s, v = top_svd(np.array([[3.0, 0.0], [0.0, -4.0]]), 1)
>>> s.tolist(), (u.ravel() + 0.0).tolist(), (v.ravel() + 0.0).tolist()
([4.0], [0.0, 1.0], [0.0, -1.0])
"""

from __future__ import annotations

import re
import secrets
import time

import numpy as np
from scipy import sparse
from scipy.sparse.linalg import ArpackNoConvergence, svds

from indb_ml.core import progress
from indb_ml.core.relations import Relation, new_table, resolve_source
from indb_ml.core.session import Session, sql_entry
from indb_ml.errors import InputError
from indb_ml.matrix import storage, writer
from indb_ml.matrix.args import column_name, suffixed

U_ARGS, V_ARGS, S_ARGS = "row=row_id, val=row_vec", "row=row_id, val=row_vec", "row=row_id, col=col_id, val=value"
SEED = 20240601  # ARPACK's start vector: fixed, so a call is reproducible
BLOCK_BYTES = 64 * 2**20  # rows densified at a time for the summary's reconstruction error


# ------------------------------------------------------------------ numpy kernels


def fix_signs(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flip each pair (u_j, v_j) so that u_j's entry of largest magnitude is positive."""
    if not u.size:
        return u, v
    pivots = u[np.argmax(np.abs(u), axis=0), np.arange(u.shape[1])]
    signs = np.where(pivots < 0, -1.0, 1.0)
    return u * signs, v * signs


def top_svd(a: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(U, s, V)``: the ``k`` largest singular triplets of a dense matrix (LAPACK), signs fixed."""
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    uk, vk = fix_signs(u[:, :k], vt[:k].T)
    return uk, s[:k], vk


def top_svd_sparse(a, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``k`` largest singular triplets of a sparse matrix with ARPACK; needs ``k < min(shape) - 1``."""
    v0 = np.random.default_rng(SEED).uniform(-1.0, 1.0, min(a.shape))
    u, s, vt = svds(a, k=k, v0=v0, tol=0, which="LM", solver="arpack")
    order = np.argsort(-s, kind="stable")
    uk, vk = fix_signs(u[:, order], vt[order].T)
    return uk, s[order], vk


def nonzero_count(s: np.ndarray, shape: tuple[int, int]) -> int:
    """How many of the (descending) singular values ``s`` are nonzero, with numpy's rank tolerance."""
    if not s.size or s[0] == 0:
        return 0
    return int(np.count_nonzero(s > max(shape) * np.finfo(np.float64).eps * s[0]))


def reconstruction_errors(a, u: np.ndarray, s: np.ndarray, v: np.ndarray) -> tuple[float, float]:
    """MADlib's summary: ``sqrt(mean((A - U S Vᵀ)²))`` and that divided by ``sqrt(mean(A²))``.

    Rows go a block at a time, so a large sparse ``A`` is never densified whole.
    """
    m, n = a.shape
    step = max(1, BLOCK_BYTES // (8 * max(n, 1)))
    sse = sst = 0.0
    for i in range(0, m, step):
        block = a[i:i + step]
        block = block.toarray() if sparse.issparse(block) else block
        sse += float(np.sum((block - (u[i:i + step] * s) @ v.T) ** 2))
        sst += float(np.sum(block**2))
    return float(np.sqrt(sse / (m * n))), float(np.sqrt(sse / sst)) if sst else 0.0


# ------------------------------------------------------------------ arguments


def _sql(value) -> str:
    return "NULL" if value is None else str(value)


def _quoted(name: str) -> str:
    """A raw column name for a matrix argument string (``row="..."``)."""
    return '"' + name.replace('"', '""') + '"'


def _require(values: dict, usage: str) -> None:
    for name, value in values.items():
        if value is None or isinstance(value, str) and not value.strip():
            raise InputError(f"{name} is {'NULL' if value is None else 'empty'}", hint=f"SELECT indb_ml.{usage}"
                             "('usage') shows the arguments")


def _check_k(op: str, k: int, shape: tuple[int, int], n_iterations) -> None:
    low = min(shape)
    if not 1 <= k <= low:
        raise InputError(f"{op}: k is {k}; it must be between 1 and min(rows, columns) = {low} "
                         f"(the matrix is {shape[0]} x {shape[1]})")
    if n_iterations is not None and not k <= n_iterations <= low:
        raise InputError(f"{op}: n_iterations is {n_iterations}; it must be between k = {k} and "
                         f"min(rows, columns) = {low}, or NULL",
                         hint="the SVD is exact whatever n_iterations is; MADlib's range is checked for compatibility")


def _outputs(sess: Session, prefix: str, summary: str | None) -> dict:
    """The output relations, all checked absent and distinct before anything is computed."""
    arg = "output_table_prefix"
    rels = {s: storage.create_new(sess, suffixed(prefix, "_" + s, arg), args, fmt, arg)
            for s, args, fmt in (("u", U_ARGS, "dense"), ("s", S_ARGS, "sparse"), ("v", V_ARGS, "dense"))}
    if summary is not None:
        if not summary.strip():
            raise InputError("result_summary_table is empty", hint="pass a table name, or NULL for no summary")
        rel = new_table(sess, summary, "result_summary_table")
        if any(rel == out[0] for out in rels.values()):
            raise InputError(f"result_summary_table {rel.schema}.{rel.name} is also an output of "
                             f"output_table_prefix {prefix!r}", hint="choose another summary table name")
        rels["summary"] = rel
    return rels


# ------------------------------------------------------------------ loading


def _load_dense(sess: Session, src: Relation, row: str) -> np.ndarray:
    """MADlib's two dense layouts: ``(row_id, <one array column>)``, or ``row_id`` plus numeric columns."""
    cols = list(storage.columns(sess, src).items())
    where = f"source_table {src.schema}.{src.name}"
    if row not in dict(cols):
        raise InputError(f"{where} has no column {row!r} (row_id)", sqlstate=InputError.UNDEFINED_COLUMN)
    others = [(name, typ) for name, typ in cols if name != row]
    if not others:
        raise InputError(f"{where} has only the row_id column",
                         hint="the matrix is one array column (row_vec float8[]) or several numeric columns")
    if len(others) == 1 and (others[0][1].startswith("_") or others[0][1] == "vector"):
        return storage.load(sess, src.sql(sess), f"row={_quoted(row)}, val={_quoted(others[0][0])}",
                            "source_table").value
    bad = [name for name, typ in others if typ not in storage.NUMERIC]
    if bad:
        raise InputError(f"{where}: column {bad[0]!r} is neither the row_id nor numeric",
                         hint="the matrix is either one array column (row_vec float8[]) or all the columns "
                              "other than row_id, each numeric", sqlstate=InputError.DATATYPE_MISMATCH)
    # The column layout is read as the array layout through a temporary view.
    view = "indb_ml_svd_" + secrets.token_hex(6)
    elements = ", ".join("(" + sess.ident(name) + ")::float8" for name, _ in others)
    sess.execute("CREATE TEMPORARY VIEW " + sess.ident(view) + " AS SELECT " + sess.ident(row)
                 + " AS row_id, ARRAY[" + elements + "] AS row_vec FROM " + src.sql(sess))
    try:
        value = storage.load(sess, "pg_temp." + sess.ident(view), "row=row_id, val=row_vec", "source_table").value
    except InputError as exc:
        message = re.sub(r"pg_temp_\d+\." + view, f"{src.schema}.{src.name}", exc.message)
        raise InputError(message, exc.hint, exc.sqlstate) from None
    sess.execute("DROP VIEW pg_temp." + sess.ident(view))
    return value


def _load_sparse(sess: Session, src: Relation, names: dict, row_dim: int, col_dim: int):
    cols = storage.columns(sess, src)
    for arg, name in names.items():
        if name not in cols:
            raise InputError(f"source_table {src.schema}.{src.name} has no column {name!r} ({arg})",
                             sqlstate=InputError.UNDEFINED_COLUMN)
    args = f"row={_quoted(names['row_id'])}, col={_quoted(names['col_id'])}, val={_quoted(names['value'])}"
    coo = sparse.coo_array(storage.load(sess, src.sql(sess), args, "source_table").value)
    if coo.shape[0] > row_dim or coo.shape[1] > col_dim:
        raise InputError(f"source_table {src.schema}.{src.name} has an entry at ({coo.shape[0]}, {coo.shape[1]}) "
                         f"or beyond, outside row_dim x col_dim = {row_dim} x {col_dim}",
                         hint="row_dim and col_dim are the matrix's dimensions; indices run from 1 to them")
    return sparse.csr_array((coo.data, (coo.row, coo.col)), shape=(row_dim, col_dim))


# ------------------------------------------------------------------ the SQL entry points


def _decompose(sess: Session, op: str, a, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    m, n = a.shape
    storage.check_size(sess, m, k, f"{op}: U")
    storage.check_size(sess, n, k, f"{op}: V")
    if sparse.issparse(a) and k < min(m, n) - 1:
        try:
            return top_svd_sparse(a, k)
        except ArpackNoConvergence:
            pass  # rare: fall through to the dense SVD, under the same memory cap
    if sparse.issparse(a):
        storage.check_size(sess, m, n, f"{op}: the densified source_table (k >= min(rows, columns) - 1)")
        a = a.toarray()
    return top_svd(a, k)


def _start(sess: Session, rels: dict) -> progress.Progress:
    """The call's progress, its first step (``load``) taken: load, decompose, write[, finish]."""
    prog = progress.start(sess, "svd", max_iter=4 if "summary" in rels else 3)
    prog.step(1, phase="load")
    return prog


def _finish(sess: Session, op: str, rels: dict, a, k: int, n_iterations, t0: float,
            prog: progress.Progress | None = None) -> list:
    """Decompose and write; ``prog``: the progress :func:`_start` began (None: begun here, the
    source already loaded, as ``svd_block`` does)."""
    if prog is None:
        prog = progress.start(sess, "svd", max_iter=4 if "summary" in rels else 3)
    data = a.data if sparse.issparse(a) else a
    if not np.isfinite(data).all():
        raise InputError(f"{op}: source_table has NaN or infinite values")
    _check_k(op, k, a.shape, n_iterations)
    prog.step(2, phase="decompose")
    u, s, v = _decompose(sess, op, a, k)
    kept = nonzero_count(s, a.shape)
    if kept == 0:
        raise InputError(f"{op}: the matrix is zero; it has no nonzero singular values")
    if kept < k:
        sess.warning(f"{op}: k = {k} is more than the {kept} nonzero singular values; "
                     f"writing only {kept} singular values and vectors (as MADlib)")
        u, s, v = u[:, :kept], s[:kept], v[:, :kept]
    prog.step(3, phase="write")
    for key, value in (("u", u), ("v", v), ("s", sparse.diags_array(s))):
        writer.store(sess, *rels[key], value)
    names = {key: f"{rels[key][0].schema}.{rels[key][0].name}" for key in ("u", "s", "v")}
    note = f"{op}: {names['u']} (U, {u.shape[0]} x {kept}), {names['s']} ({kept} singular values), " \
           f"{names['v']} (V, {v.shape[0]} x {kept})"
    if "summary" in rels:
        prog.step(4, phase="finish")
        _write_summary(sess, rels["summary"], a, (u, s, v), n_iterations, t0)
        note += f", {rels['summary'].schema}.{rels['summary'].name} (summary)"
    prog.done()
    return [note]


def _write_summary(sess: Session, rel: Relation, a, usv, n_iterations, t0: float) -> None:
    """MADlib's summary table: rows_used, "exec_time (ms)", iter, recon_error, relative_recon_error."""
    elapsed = (time.perf_counter() - t0) * 1000.0
    recon, relative = reconstruction_errors(a, *usv)
    sess.execute("CREATE TABLE " + rel.sql(sess) + ' (rows_used integer, "exec_time (ms)" float8, iter integer, '
                 "recon_error float8, relative_recon_error float8)")
    sess.execute("INSERT INTO " + rel.sql(sess) + " VALUES ($1, $2, $3, $4, $5)",
                 [a.shape[0], round(elapsed, 2), n_iterations or min(a.shape), recon, relative],
                 ["int4", "float8", "int4", "float8", "float8"])


@sql_entry
def svd(sess, source_table, output_table_prefix, row_id, k, n_iterations=None, result_summary_table=None) -> list:
    t0 = time.perf_counter()
    _require({"source_table": source_table, "output_table_prefix": output_table_prefix, "row_id": row_id,
              "k": k}, "svd")
    src = resolve_source(sess, source_table, "source_table")
    if k < 1:
        raise InputError(f"svd: k is {k}; it must be a positive integer")
    rels = _outputs(sess, output_table_prefix, result_summary_table)
    prog = _start(sess, rels)
    a = _load_dense(sess, src, column_name(row_id, "row_id"))
    return _finish(sess, "svd", rels, a, k, n_iterations, t0, prog)


def _svd_sparse(sess, op, source_table, output_table_prefix, row_id, col_id, value, row_dim, col_dim, k,
                n_iterations, result_summary_table) -> list:
    t0 = time.perf_counter()
    _require({"source_table": source_table, "output_table_prefix": output_table_prefix, "row_id": row_id,
              "col_id": col_id, "value": value, "row_dim": row_dim, "col_dim": col_dim, "k": k}, op)
    src = resolve_source(sess, source_table, "source_table")
    for name, dim in (("row_dim", row_dim), ("col_dim", col_dim), ("k", k)):
        if dim < 1:
            raise InputError(f"{op}: {name} is {dim}; it must be a positive integer")
    rels = _outputs(sess, output_table_prefix, result_summary_table)
    names = {arg: column_name(text, arg) for arg, text in (("row_id", row_id), ("col_id", col_id),
                                                             ("value", value))}
    prog = _start(sess, rels)
    a = _load_sparse(sess, src, names, row_dim, col_dim)
    return _finish(sess, op, rels, a, k, n_iterations, t0, prog)


@sql_entry
def svd_sparse(sess, source_table, output_table_prefix, row_id, col_id, value, row_dim, col_dim, k,
               n_iterations=None, result_summary_table=None) -> list:
    return _svd_sparse(sess, "svd_sparse", source_table, output_table_prefix, row_id, col_id, value, row_dim,
                       col_dim, k, n_iterations, result_summary_table)


@sql_entry
def svd_sparse_native(sess, source_table, output_table_prefix, row_id, col_id, value, row_dim, col_dim, k,
                      n_iterations=None, result_summary_table=None) -> list:
    return _svd_sparse(sess, "svd_sparse_native", source_table, output_table_prefix, row_id, col_id, value,
                       row_dim, col_dim, k, n_iterations, result_summary_table)


USAGE = """\
Singular value decomposition A ~ U S V' with the k largest singular values (MADlib svd).

Dense matrices: a row_id column numbered 1..m and either one array column (float8[],
any numeric array, or pgvector vector) or numeric columns, one per matrix column.
SELECT indb_ml.svd(
    source_table,            -- text: the dense matrix
    output_table_prefix,     -- text: writes <prefix>_u, <prefix>_s, <prefix>_v
    row_id,                  -- text: the row id column
    k,                       -- integer: how many singular values, 1 .. min(rows, columns)
    n_iterations,            -- integer, optional: checked to lie in [k, min(rows, columns)]; the SVD is exact anyway
    result_summary_table     -- text, optional: a summary table to write
);

Sparse matrices: (row_id, col_id, value) entries, 1-based, no duplicates, no NULLs.
SELECT indb_ml.svd_sparse(source_table, output_table_prefix, row_id, col_id, value,
                          row_dim, col_dim, k, n_iterations, result_summary_table);
SELECT indb_ml.svd_sparse_native(...same arguments...);   -- the same function here

Output tables:
  <prefix>_u  (row_id integer, row_vec float8[])  U: m rows of k values
  <prefix>_v  (row_id integer, row_vec float8[])  V: n rows of k values
  <prefix>_s  (row_id integer, col_id integer, value float8)  S: (i, i, sigma_i), descending
  summary     (rows_used integer, "exec_time (ms)" float8, iter integer,
               recon_error float8, relative_recon_error float8)
recon_error = sqrt(mean((A - U S V')^2)); relative_recon_error = recon_error / sqrt(mean(A^2)).

Computed in memory, capped by indb_ml.matrix_memory_mb: LAPACK for dense input; ARPACK on the
sparse matrix when k < min(rows, columns) - 1, else LAPACK on the densified matrix. Signs: the
largest-magnitude entry of each column of U is positive. Zero singular values are dropped
with a warning.
"""


def svd_help(message: str | None = None) -> str:
    return USAGE
