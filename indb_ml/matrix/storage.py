"""Read and validate matrix tables, in the three formats (writing is :mod:`indb_ml.matrix.writer`).

- dense: ``(row, val)`` with ``val`` a numeric array or pgvector ``vector``, rows 1..m;
- sparse: ``(row, col, val)`` coordinates, 1-based, dimensions from the largest indices
  (MADlib stores an explicit zero at (m, n) to keep the shape; so do we);
- tiles: ``(row_block, col_block, nrows, ncols, layout, codec, data)``, see
  :mod:`indb_ml.kernels.tiles`; ``codec`` is ``raw`` or a codec of :mod:`indb_ml.compress`
  (every reader decodes through :func:`indb_ml.compress.tiles.tile_array`).

Rows travel as raw float8[] bytes (:mod:`indb_ml.kernels.arraybytes`), never as Python
values per element. Loading whole matrices is the in-memory operator: what is loaded is
capped by the memory budget (:mod:`indb_ml.core.budget`) with an error that says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from indb_ml.compress.tiles import KNOWN as KNOWN_CODECS
from indb_ml.compress.tiles import tile_array
from indb_ml.core import budget
from indb_ml.core.relations import Relation, new_table, resolve_source
from indb_ml.core.session import Session
from indb_ml.errors import InputError
from indb_ml.kernels.arraybytes import float8_array_from_body
from indb_ml.matrix.args import MatrixArgs, parse_args

NUMERIC = {"int2", "int4", "int8", "float4", "float8", "numeric"}
TILE_COLUMNS = {"row_block", "col_block", "nrows", "ncols", "data"}
CSR_ENTRY_BYTES = 40  # an entry as read (3 float64) and in CSR (value, index), with scipy's copies


@dataclass(frozen=True)
class Loaded:
    """A matrix in memory (ndarray or scipy CSR) and the format and args it came with."""

    value: object
    fmt: str
    args: MatrixArgs

    @property
    def shape(self) -> tuple[int, int]:
        return self.value.shape


def columns(sess: Session, rel: Relation) -> dict:
    """Column name -> pg_type.typname, in table order."""
    rows = sess.execute(
        "SELECT a.attname, t.typname FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t "
        "ON t.oid = a.atttypid WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped "
        "ORDER BY a.attnum",
        [rel.sql(sess)],
        ["text"],
    )
    return {r["attname"]: r["typname"] for r in rows}


def detect(rel: Relation, cols: dict, args: MatrixArgs, arg_name: str) -> str:
    if args.fmt:
        return args.fmt
    if TILE_COLUMNS <= set(cols):
        return "tiles"
    if args.val not in cols:
        raise InputError(
            f"{arg_name} {rel.schema}.{rel.name} has no column {args.val!r} (val)",
            hint="name the columns: 'row=row_id, val=row_vec' (dense) or 'row=r, col=c, val=v' (sparse)",
            sqlstate=InputError.UNDEFINED_COLUMN,
        )
    return "sparse" if cols[args.val] in NUMERIC else "dense"


def limit_bytes(sess: Session) -> int:
    """The memory budget in bytes (:mod:`indb_ml.core.budget`: min(matrix_memory_mb, max_memory_mb))."""
    return budget.budget_bytes(sess)


def check_size(sess: Session, m: int, n: int, what: str) -> None:
    """Errors (54000) unless an ``m x n`` float64 array fits the memory budget."""
    need = 8 * m * n
    cap = budget.budget_bytes(sess)
    if need > cap:
        raise budget.OverBudget(
            f"{what} is {m} x {n} ({budget.size_text(need)} dense), above {budget.describe(sess, cap)}",
            hint="raise SET indb_ml.matrix_memory_mb (at most indb_ml.max_memory_mb), or keep the matrix sparse",
        )


def check_sparse(sess: Session, m: int, n: int, entries: int, what: str) -> None:
    """Errors (54000) unless a CSR array of this shape and number of entries fits the budget:
    its row pointers (``m + 1``; scipy may build the column-major copy, ``n + 1``) count as
    well as its entries, so a few entries at indices near 2e9 cannot allocate gigabytes."""
    need = 8 * (max(m, n) + 1) + CSR_ENTRY_BYTES * entries
    budget.check_bytes(sess, need, f"{what} ({m} x {n} with {entries} entries, in memory)",
                       hint="raise SET indb_ml.matrix_memory_mb (at most indb_ml.max_memory_mb), or give the "
                            "operation op=join (sparse tables and output) to run it in SQL")


def _require(rel, cols: dict, names: dict, kinds: dict, arg_name: str) -> None:
    for role, name in names.items():
        if name not in cols:
            raise InputError(f"{arg_name} {rel.schema}.{rel.name} has no column {name!r} ({role})",
                             hint=f"set it in the arguments, e.g. '{role}=my_column'",
                             sqlstate=InputError.UNDEFINED_COLUMN)
        if not kinds[role](cols[name]):
            raise InputError(f"{arg_name} column {name!r} ({role}) has type {cols[name]}",
                             sqlstate=InputError.DATATYPE_MISMATCH)


def check_tiles(sess: Session, rel: Relation, arg_name: str) -> tuple[int, int]:
    """Validate a tile table and return its shape: every tile present, blocks 0..k-1, sizes
    consistent along block rows and columns, data of the stated size, a layout we decode."""
    where = f"{arg_name} {rel.schema}.{rel.name}"
    t = rel.sql(sess)
    stats = sess.one(
        "SELECT pg_catalog.count(*) AS n, pg_catalog.count(DISTINCT row_block) AS rb, "
        "pg_catalog.count(DISTINCT col_block) AS cb, pg_catalog.min(row_block) AS rmin, "
        "pg_catalog.max(row_block) AS rmax, pg_catalog.min(col_block) AS cmin, pg_catalog.max(col_block) AS cmax, "
        "pg_catalog.bool_or(layout IS NULL OR layout NOT IN ('dense', 'sparse') OR codec IS NULL "
        "OR codec <> ALL ($1::text[]) OR (codec = 'raw' AND layout <> 'dense')) AS other_layout, "
        "pg_catalog.bool_or(data IS NULL OR nrows IS NULL OR ncols IS NULL OR nrows < 1 OR ncols < 1 "
        "OR CASE WHEN codec = 'raw' THEN pg_catalog.octet_length(data) <> 8 * nrows * ncols "
        "ELSE pg_catalog.octet_length(data) < 24 END) AS bad_data FROM " + t,
        [list(KNOWN_CODECS)], ["text[]"],
    )
    if stats["n"] == 0:
        raise InputError(f"{where} has no tiles", sqlstate=InputError.NO_DATA)
    if stats["other_layout"]:
        raise InputError(f"{where} has tiles with an unknown layout or codec",
                         hint="layouts: dense (raw tiles: dense only), sparse; codecs: " + ", ".join(KNOWN_CODECS))
    if stats["bad_data"]:
        raise InputError(f"{where} has a tile whose data is not nrows x ncols float64 values")
    if (stats["rmin"], stats["rmax"], stats["cmin"], stats["cmax"]) != (0, stats["rb"] - 1, 0, stats["cb"] - 1):
        raise InputError(f"{where}: tile blocks must be numbered 0.. without gaps")
    if stats["n"] != stats["rb"] * stats["cb"]:
        raise InputError(f"{where} has {stats['n']} tiles but {stats['rb']} x {stats['cb']} blocks: tiles are missing "
                         "or repeated", hint="every (row_block, col_block) needs exactly one tile, zeros included")
    ragged = sess.one(
        "SELECT (SELECT pg_catalog.count(*) FROM (SELECT row_block FROM " + t + " GROUP BY row_block "
        "HAVING pg_catalog.count(DISTINCT nrows) > 1) r) + (SELECT pg_catalog.count(*) FROM (SELECT col_block "
        "FROM " + t + " GROUP BY col_block HAVING pg_catalog.count(DISTINCT ncols) > 1) c) AS bad"
    )["bad"]
    if ragged:
        raise InputError(f"{where}: tiles of one block row (or block column) have different heights (widths)")
    shape = sess.one(
        "SELECT (SELECT pg_catalog.sum(h) FROM (SELECT pg_catalog.max(nrows) AS h FROM " + t
        + " GROUP BY row_block) r)::bigint AS m, (SELECT pg_catalog.sum(w) FROM (SELECT pg_catalog.max(ncols) AS w "
        "FROM " + t + " GROUP BY col_block) c)::bigint AS n"
    )
    return int(shape["m"]), int(shape["n"])


def describe(sess: Session, name: str, args_text: str | None, arg_name: str) -> tuple[Relation, MatrixArgs, str]:
    """The relation, its args and its format, without reading the matrix (tile tables are validated)."""
    rel = resolve_source(sess, name, arg_name)
    args, _ = parse_args(args_text)
    fmt = detect(rel, columns(sess, rel), args, arg_name)
    if fmt == "tiles":
        check_tiles(sess, rel, arg_name)
    return rel, args, fmt


def shape_of(sess: Session, name: str, args_text: str | None, arg_name: str) -> tuple[int, int]:
    """The matrix's shape without loading it (after trans)."""
    rel = resolve_source(sess, name, arg_name)
    args, _ = parse_args(args_text)
    cols = columns(sess, rel)
    fmt = detect(rel, cols, args, arg_name)
    if fmt == "tiles":
        m, n = check_tiles(sess, rel, arg_name)
    elif fmt == "dense":
        m, n = dense_shape(sess, rel, cols, args, arg_name)
    else:
        (m, n), _ = sparse_extent(sess, rel, cols, args, arg_name)
    return (n, m) if args.trans else (m, n)


def load(sess: Session, name: str, args_text: str | None, arg_name: str) -> Loaded:
    """Read the matrix named by ``name`` / ``args_text``; apply ``trans=true``."""
    rel = resolve_source(sess, name, arg_name)
    args, _ = parse_args(args_text)
    cols = columns(sess, rel)
    return read(sess, rel, cols, args, detect(rel, cols, args, arg_name), arg_name)


def read(sess: Session, rel: Relation, cols: dict, args: MatrixArgs, fmt: str, arg_name: str,
         dense_shape_known: tuple[int, int] | None = None) -> Loaded:
    """Load a detected table (a dense one already validated may pass its shape, saving a scan)."""
    if fmt == "dense":
        value = _read_dense(sess, rel, cols, args, arg_name, dense_shape_known)
    elif fmt == "sparse":
        value = read_sparse(sess, rel, cols, args, arg_name)
    else:
        value = _read_tiles(sess, rel, cols, args, arg_name)
    return Loaded(value.T if args.trans else value, fmt, args)


def dense_columns(sess, rel, cols, args, arg_name, alias: str = "") -> tuple[str, str]:
    """Quoted row column and the val column as float8[] SQL, after checking their types.

    ``alias`` (a table alias we chose, such as ``a``) qualifies both columns.
    """
    _require(rel, cols, {"row": args.row, "val": args.val},
             {"row": _is_int, "val": lambda t: t == "vector" or t.lstrip("_") in NUMERIC and t.startswith("_")},
             arg_name)
    prefix = alias + "." if alias else ""
    row, val = prefix + sess.ident(args.row), prefix + sess.ident(args.val)
    return row, "(" + val + ")::real[]::float8[]" if cols[args.val] == "vector" else "(" + val + ")::float8[]"


def dense_shape(sess, rel, cols, args, arg_name) -> tuple[int, int]:
    """Validate a dense table (rows 1..m, equal lengths, no NULLs) and return its shape."""
    row, as_f8 = dense_columns(sess, rel, cols, args, arg_name)
    stats = sess.one(
        "SELECT pg_catalog.count(*) AS n, pg_catalog.min(" + row + ") AS lo, pg_catalog.max(" + row + ") AS hi, "
        "pg_catalog.count(DISTINCT " + row + ") AS d, pg_catalog.min(pg_catalog.cardinality(" + as_f8 + ")) AS kmin, "
        "pg_catalog.max(pg_catalog.cardinality(" + as_f8 + ")) AS kmax, "
        "pg_catalog.max(pg_catalog.array_ndims(" + as_f8 + ")) AS ndims, pg_catalog.bool_or(" + as_f8 + " IS NULL OR "
        + row + " IS NULL OR CASE WHEN pg_catalog.array_ndims(" + as_f8 + ") = 1 THEN pg_catalog.array_position("
        + as_f8 + ", NULL) IS NOT NULL END) AS nulls FROM " + rel.sql(sess)
    )
    where = f"{arg_name} {rel.schema}.{rel.name}"
    if stats["n"] == 0:
        raise InputError(f"{where} is empty", sqlstate=InputError.NO_DATA)
    if stats["nulls"]:
        raise InputError(f"{where} has NULL row ids, rows or elements", hint="a dense matrix has no NULLs",
                         sqlstate=InputError.NO_DATA)
    if (stats["lo"], stats["hi"], stats["d"]) != (1, stats["n"], stats["n"]):
        raise InputError(f"{where}: row ids must be 1..{stats['n']} without gaps or duplicates "
                         f"(found {stats['d']} distinct ids from {stats['lo']} to {stats['hi']})")
    if stats["ndims"] is not None and stats["ndims"] > 1:
        raise InputError(f"{where}: rows are {stats['ndims']}-dimensional arrays",
                         hint="a dense row is a one-dimensional array: one row of the matrix",
                         sqlstate=InputError.ARRAY_DIMENSIONS)
    if stats["kmin"] == 0:
        raise InputError(f"{where} has empty rows ('{{}}')", hint="every row needs the same number of values",
                         sqlstate=InputError.ARRAY_DIMENSIONS)
    if stats["kmin"] != stats["kmax"]:
        raise InputError(f"{where}: rows have different lengths ({stats['kmin']} to {stats['kmax']})",
                         sqlstate=InputError.ARRAY_DIMENSIONS)
    return int(stats["n"]), int(stats["kmax"] or 0)


def _read_dense(sess, rel, cols, args, arg_name, shape=None) -> np.ndarray:
    m, n = shape or dense_shape(sess, rel, cols, args, arg_name)
    check_size(sess, m, n, f"{arg_name} {rel.schema}.{rel.name}")
    row, as_f8 = dense_columns(sess, rel, cols, args, arg_name)
    body = sess.one(
        "SELECT indb_ml._float8_array_bytes(pg_catalog.array_agg(" + as_f8 + " ORDER BY " + row
        + "), ''::bytea) AS b FROM " + rel.sql(sess)
    )["b"]
    return float8_array_from_body(body).reshape(m, n).copy()


def require_sparse_columns(sess: Session, rel: Relation, cols: dict | None, args: MatrixArgs, arg_name: str) -> None:
    """row and col are integer columns, val a numeric one, or a clear error."""
    cols = columns(sess, rel) if cols is None else cols
    _require(rel, cols, {"row": args.row, "col": args.col, "val": args.val},
             {"row": _is_int, "col": _is_int, "val": lambda t: t in NUMERIC}, arg_name)


def _is_int(typname: str) -> bool:
    return typname in ("int2", "int4", "int8")


def sparse_extent(sess, rel, cols, args, arg_name) -> tuple[tuple[int, int], int]:
    """Dimensions from the largest indices and the number of entries, by one aggregate
    (the entries themselves are checked when read)."""
    require_sparse_columns(sess, rel, cols, args, arg_name)
    r, c = sess.ident(args.row), sess.ident(args.col)
    stats = sess.one("SELECT pg_catalog.max(" + r + ") AS m, pg_catalog.max(" + c + ") AS n, "
                     "pg_catalog.count(*) AS entries FROM " + rel.sql(sess))
    if args.dims is None and (stats["m"] is None or stats["n"] is None):
        raise InputError(f"{arg_name} {rel.schema}.{rel.name} is empty", sqlstate=InputError.NO_DATA)
    return sparse_dims(rel, args, stats["m"], stats["n"], arg_name), int(stats["entries"])


def sparse_dims(rel, args, max_row, max_col, arg_name) -> tuple[int, int]:
    """The shape: ``dims=`` when given (and no index beyond it), else the largest indices."""
    if args.dims is None:
        return int(max_row), int(max_col)
    if (max_row or 0) > args.dims[0] or (max_col or 0) > args.dims[1]:
        raise InputError(f"{arg_name} {rel.schema}.{rel.name} has an entry at ({max_row}, {max_col}), outside "
                         f"dims={args.dims[0]}x{args.dims[1]}", hint="drop dims= or give the full shape")
    return args.dims


def sparse_read_query(sess, rel, args) -> str:
    """All entries as one float8[] of (row, col, val) triples, sent as raw bytes."""
    r, c, v = sess.ident(args.row), sess.ident(args.col), sess.ident(args.val)
    return ("SELECT indb_ml._float8_array_bytes(pg_catalog.array_agg(ARRAY[(" + r + ")::float8, (" + c
            + ")::float8, (" + v + ")::float8]), ''::bytea) AS b FROM " + rel.sql(sess))


def read_sparse(sess, rel, cols, args, arg_name):
    require_sparse_columns(sess, rel, cols, args, arg_name)
    where = f"{arg_name} {rel.schema}.{rel.name}"
    entries = sess.one("SELECT pg_catalog.count(*) AS n FROM " + rel.sql(sess))["n"]
    check_size(sess, entries, 3, where + " (its entries)")
    body = sess.one(sparse_read_query(sess, rel, args))["b"]
    if body is None and args.dims is not None:
        check_sparse(sess, args.dims[0], args.dims[1], 0, where)
        return sparse.csr_array(args.dims)
    if body is None:
        raise InputError(f"{where} is empty", sqlstate=InputError.NO_DATA)
    from indb_ml.kernels.arraybytes import float8_array_with_nulls

    coo, present = float8_array_with_nulls(body)
    if present is not None:
        raise InputError(f"{where} has NULL row, column or value entries", sqlstate=InputError.NO_DATA)
    coo = coo.reshape(-1, 3)
    rows, cols_, vals = coo[:, 0].astype(np.int64), coo[:, 1].astype(np.int64), coo[:, 2]
    if rows.min() < 1 or cols_.min() < 1:
        raise InputError(f"{where}: row and column indices start at 1")
    shape = sparse_dims(rel, args, int(rows.max()), int(cols_.max()), arg_name)
    check_sparse(sess, shape[0], shape[1], vals.size, where)
    # Building CSR sums duplicate coordinates, so fewer stored entries means duplicates
    # (a sort-free check: numpy 2.4's hash-based unique takes seconds on 10M keys).
    out = sparse.csr_array((vals, (rows - 1, cols_ - 1)), shape=shape)
    if out.nnz != vals.size:
        raise InputError(f"{where} has duplicate (row, col) entries", hint="aggregate them first")
    return out


def _read_tiles(sess, rel, cols, args, arg_name) -> np.ndarray:
    where = f"{arg_name} {rel.schema}.{rel.name}"
    check_size(sess, *check_tiles(sess, rel, arg_name), where)
    rows = sess.execute("SELECT row_block, col_block, nrows, ncols, codec, data FROM " + rel.sql(sess))
    heights = {r["row_block"]: r["nrows"] for r in rows}
    widths = {r["col_block"]: r["ncols"] for r in rows}
    if sorted(heights) != list(range(len(heights))) or sorted(widths) != list(range(len(widths))):
        raise InputError(f"{where}: tile blocks must be numbered 0.. without gaps")
    row_off = np.concatenate([[0], np.cumsum([heights[i] for i in range(len(heights))])])
    col_off = np.concatenate([[0], np.cumsum([widths[j] for j in range(len(widths))])])
    check_size(sess, int(row_off[-1]), int(col_off[-1]), where)
    out = np.zeros((int(row_off[-1]), int(col_off[-1])))
    for r in rows:
        sess.check_interrupts()
        i, j = r["row_block"], r["col_block"]
        if (r["nrows"], r["ncols"]) != (heights[i], widths[j]):
            raise InputError(f"{where}: tile ({i}, {j}) is {r['nrows']} x {r['ncols']}, "
                             f"not {heights[i]} x {widths[j]} like its block row and column")
        tile = tile_array(r["data"], r["nrows"], r["ncols"], r["codec"])
        out[row_off[i]:row_off[i + 1], col_off[j]:col_off[j + 1]] = tile
    return out


def create_output(sess: Session, name: str, args_text: str | None, like: Loaded, arg_name: str = "matrix_out"):
    """The new output table's relation and args (names and format default to the input's)."""
    rel = new_table(sess, name, arg_name)
    args, given = parse_args(args_text)
    _memory_only(args)
    args = args.with_defaults_from(like.args, given)
    fmt = args.fmt or like.fmt
    return rel, args, fmt


def create_new(sess: Session, name: str, args_text: str | None, default_fmt: str = "sparse",
               arg_name: str = "matrix_out"):
    """Output of an operation with no input matrix (matrix_zeros, ...): MADlib's defaults."""
    rel = new_table(sess, name, arg_name)
    args, _ = parse_args(args_text)
    _memory_only(args)
    return rel, args, args.fmt or default_fmt


def _memory_only(args: MatrixArgs) -> None:
    """Operations with one in-memory implementation take no other operator."""
    if args.op not in (None, "memory"):
        raise InputError(f"op={args.op} does not apply to this operation; it runs in memory",
                         hint="drop op= from out_args")
