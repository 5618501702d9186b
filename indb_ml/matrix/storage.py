"""Read matrices from tables into memory and write them back, in the three formats.

- dense: ``(row, val)`` with ``val`` a numeric array or pgvector ``vector``, rows 1..m;
- sparse: ``(row, col, val)`` coordinates, 1-based, dimensions from the largest indices
  (MADlib stores an explicit zero at (m, n) to keep the shape; so do we);
- tiles: ``(row_block, col_block, nrows, ncols, layout, codec, data)``, see
  :mod:`indb_ml.kernels.tiles`.

Rows travel as raw float8[] bytes (:mod:`indb_ml.kernels.arraybytes`), never as Python
values per element. This is the in-memory operator: the size of what is loaded is
capped by ``indb_ml.matrix_memory_mb`` (default 512) with an error that says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from indb_ml.errors import InputError
from indb_ml.kernels.arraybytes import float8_array_from_body
from indb_ml.kernels.tiles import decode_tile, encode_tile, split_tiles
from indb_ml.matrix.args import MatrixArgs, parse_args
from indb_ml.server.relations import Relation, new_table, resolve_source
from indb_ml.server.session import Session

NUMERIC = {"int2", "int4", "int8", "float4", "float8", "numeric"}
TILE_COLUMNS = {"row_block", "col_block", "nrows", "ncols", "data"}
INSERT_BATCH = 1_000_000  # values per INSERT when writing dense rows


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


def _detect(rel: Relation, cols: dict, args: MatrixArgs, arg_name: str) -> str:
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


def _limit_bytes(sess: Session) -> int:
    value = sess.one("SELECT pg_catalog.current_setting('indb_ml.matrix_memory_mb', true) AS v")["v"]
    mb = int(value) if value and value.isdigit() else 512
    return mb * 1024 * 1024


def check_size(sess: Session, m: int, n: int, what: str) -> None:
    if 8 * m * n > _limit_bytes(sess):
        raise InputError(
            f"{what} is {m} x {n} ({8 * m * n / 2**20:.0f} MB dense), above indb_ml.matrix_memory_mb",
            hint="raise SET indb_ml.matrix_memory_mb, or keep the matrix sparse",
        )


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
        "pg_catalog.bool_or(layout IS DISTINCT FROM 'dense' OR codec IS DISTINCT FROM 'raw') AS other_layout, "
        "pg_catalog.bool_or(data IS NULL OR nrows IS NULL OR ncols IS NULL OR nrows < 1 OR ncols < 1 "
        "OR pg_catalog.octet_length(data) <> 8 * nrows * ncols) AS bad_data FROM " + t
    )
    if stats["n"] == 0:
        raise InputError(f"{where} has no tiles", sqlstate=InputError.NO_DATA)
    if stats["other_layout"]:
        raise InputError(f"{where} has tiles with a layout or codec other than dense/raw",
                         hint="this version reads layout='dense', codec='raw' tiles only")
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
    fmt = _detect(rel, columns(sess, rel), args, arg_name)
    if fmt == "tiles":
        check_tiles(sess, rel, arg_name)
    return rel, args, fmt


def shape_of(sess: Session, name: str, args_text: str | None, arg_name: str) -> tuple[int, int]:
    """The matrix's shape without loading it (after trans)."""
    rel = resolve_source(sess, name, arg_name)
    args, _ = parse_args(args_text)
    cols = columns(sess, rel)
    fmt = _detect(rel, cols, args, arg_name)
    if fmt == "tiles":
        m, n = check_tiles(sess, rel, arg_name)
    elif fmt == "dense":
        m, n = _dense_shape(sess, rel, cols, args, arg_name)
    else:
        m, n = _read_sparse(sess, rel, cols, args, arg_name).shape
    return (n, m) if args.trans else (m, n)


def load(sess: Session, name: str, args_text: str | None, arg_name: str) -> Loaded:
    """Read the matrix named by ``name`` / ``args_text``; apply ``trans=true``."""
    rel = resolve_source(sess, name, arg_name)
    args, _ = parse_args(args_text)
    cols = columns(sess, rel)
    fmt = _detect(rel, cols, args, arg_name)
    reader = {"dense": _read_dense, "sparse": _read_sparse, "tiles": _read_tiles}[fmt]
    value = reader(sess, rel, cols, args, arg_name)
    return Loaded(value.T if args.trans else value, fmt, args)


def _dense_columns(sess, rel, cols, args, arg_name) -> tuple[str, str]:
    """Quoted row column and the val column as float8[] SQL, after checking their types."""
    _require(rel, cols, {"row": args.row, "val": args.val},
             {"row": _is_int, "val": lambda t: t == "vector" or t.lstrip("_") in NUMERIC and t.startswith("_")},
             arg_name)
    row, val = sess.ident(args.row), sess.ident(args.val)
    return row, "(" + val + ")::real[]::float8[]" if cols[args.val] == "vector" else "(" + val + ")::float8[]"


def _dense_shape(sess, rel, cols, args, arg_name) -> tuple[int, int]:
    """Validate a dense table (rows 1..m, equal lengths, no NULLs) and return its shape."""
    row, as_f8 = _dense_columns(sess, rel, cols, args, arg_name)
    stats = sess.one(
        "SELECT pg_catalog.count(*) AS n, pg_catalog.min(" + row + ") AS lo, pg_catalog.max(" + row + ") AS hi, "
        "pg_catalog.count(DISTINCT " + row + ") AS d, pg_catalog.min(pg_catalog.cardinality(" + as_f8 + ")) AS kmin, "
        "pg_catalog.max(pg_catalog.cardinality(" + as_f8 + ")) AS kmax, pg_catalog.bool_or(" + as_f8 + " IS NULL OR "
        + row + " IS NULL OR pg_catalog.array_position(" + as_f8 + ", NULL) IS NOT NULL) AS nulls FROM " + rel.sql(sess)
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
    if stats["kmin"] != stats["kmax"]:
        raise InputError(f"{where}: rows have different lengths ({stats['kmin']} to {stats['kmax']})",
                         sqlstate=InputError.ARRAY_DIMENSIONS)
    return int(stats["n"]), int(stats["kmax"] or 0)


def _read_dense(sess, rel, cols, args, arg_name) -> np.ndarray:
    m, n = _dense_shape(sess, rel, cols, args, arg_name)
    check_size(sess, m, n, f"{arg_name} {rel.schema}.{rel.name}")
    row, as_f8 = _dense_columns(sess, rel, cols, args, arg_name)
    body = sess.one(
        "SELECT indb_ml._float8_array_bytes(pg_catalog.array_agg(" + as_f8 + " ORDER BY " + row
        + "), ''::bytea) AS b FROM " + rel.sql(sess)
    )["b"]
    return float8_array_from_body(body).reshape(m, n).copy()


def dense_to_tiles(sess: Session, name: str, args_text: str | None, out: Relation, block: int) -> bool:
    """Reblock a dense table into tiles one block row at a time (memory: one block row).

    Returns False when the input is not a dense table without ``trans`` (the caller then
    converts in memory).
    """
    rel = resolve_source(sess, name, "matrix_in")
    args, _ = parse_args(args_text)
    cols = columns(sess, rel)
    if args.trans or _detect(rel, cols, args, "matrix_in") != "dense":
        return False
    m, n = _dense_shape(sess, rel, cols, args, "matrix_in")
    check_size(sess, min(block, m), n, "one block row of matrix_in")
    row, as_f8 = _dense_columns(sess, rel, cols, args, "matrix_in")
    create_tiles(sess, out)
    blocks = sess.cursor(
        "SELECT (" + row + " - 1) / $1 AS rb, indb_ml._float8_array_bytes(pg_catalog.array_agg(" + as_f8
        + " ORDER BY " + row + "), ''::bytea) AS b FROM " + rel.sql(sess) + " GROUP BY 1 ORDER BY 1",
        [block], ["int4"],
    )
    for r in blocks:
        part = float8_array_from_body(r["b"]).reshape(-1, n)
        _insert_tiles(sess, out, part, block, row_offset=int(r["rb"]))
    return True


def require_sparse_columns(sess: Session, rel: Relation, cols: dict | None, args: MatrixArgs, arg_name: str) -> None:
    """row and col are integer columns, val a numeric one, or a clear error."""
    cols = columns(sess, rel) if cols is None else cols
    _require(rel, cols, {"row": args.row, "col": args.col, "val": args.val},
             {"row": _is_int, "col": _is_int, "val": lambda t: t in NUMERIC}, arg_name)


def _is_int(typname: str) -> bool:
    return typname in ("int2", "int4", "int8")


def _read_sparse(sess, rel, cols, args, arg_name):
    require_sparse_columns(sess, rel, cols, args, arg_name)
    r, c, v = sess.ident(args.row), sess.ident(args.col), sess.ident(args.val)
    where = f"{arg_name} {rel.schema}.{rel.name}"
    entries = sess.one("SELECT pg_catalog.count(*) AS n FROM " + rel.sql(sess))["n"]
    check_size(sess, entries, 3, where + " (its entries)")
    body = sess.one(
        "SELECT indb_ml._float8_array_bytes(pg_catalog.array_agg(ARRAY[(" + r + ")::float8, (" + c
        + ")::float8, (" + v + ")::float8]), ''::bytea) AS b FROM " + rel.sql(sess)
    )["b"]
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
    keys = rows * (cols_.max() + 1) + cols_
    if np.unique(keys).size != keys.size:
        raise InputError(f"{where} has duplicate (row, col) entries", hint="aggregate them first")
    shape = (int(rows.max()), int(cols_.max()))
    return sparse.csr_array((vals, (rows - 1, cols_ - 1)), shape=shape)


def _read_tiles(sess, rel, cols, args, arg_name) -> np.ndarray:
    where = f"{arg_name} {rel.schema}.{rel.name}"
    check_size(sess, *check_tiles(sess, rel, arg_name), where)
    rows = sess.execute("SELECT row_block, col_block, nrows, ncols, data FROM " + rel.sql(sess))
    heights = {r["row_block"]: r["nrows"] for r in rows}
    widths = {r["col_block"]: r["ncols"] for r in rows}
    if sorted(heights) != list(range(len(heights))) or sorted(widths) != list(range(len(widths))):
        raise InputError(f"{where}: tile blocks must be numbered 0.. without gaps")
    row_off = np.concatenate([[0], np.cumsum([heights[i] for i in range(len(heights))])])
    col_off = np.concatenate([[0], np.cumsum([widths[j] for j in range(len(widths))])])
    check_size(sess, int(row_off[-1]), int(col_off[-1]), where)
    out = np.zeros((int(row_off[-1]), int(col_off[-1])))
    for r in rows:
        i, j = r["row_block"], r["col_block"]
        if (r["nrows"], r["ncols"]) != (heights[i], widths[j]):
            raise InputError(f"{where}: tile ({i}, {j}) is {r['nrows']} x {r['ncols']}, "
                             f"not {heights[i]} x {widths[j]} like its block row and column")
        out[row_off[i]:row_off[i + 1], col_off[j]:col_off[j + 1]] = decode_tile(r["data"], r["nrows"], r["ncols"])
    return out


def create_output(sess: Session, name: str, args_text: str | None, like: Loaded, arg_name: str = "matrix_out"):
    """The new output table's relation and args (names and format default to the input's)."""
    rel = new_table(sess, name, arg_name)
    args, given = parse_args(args_text)
    args = args.with_defaults_from(like.args, given)
    fmt = args.fmt or like.fmt
    return rel, args, fmt


def create_new(sess: Session, name: str, args_text: str | None, default_fmt: str = "sparse",
               arg_name: str = "matrix_out"):
    """Output of an operation with no input matrix (matrix_zeros, ...): MADlib's defaults."""
    rel = new_table(sess, name, arg_name)
    args, _ = parse_args(args_text)
    return rel, args, args.fmt or default_fmt


def store(sess: Session, rel: Relation, args: MatrixArgs, fmt: str, value) -> None:
    """Create ``rel`` and write ``value`` in ``fmt``."""
    if fmt == "sparse":
        _write_sparse(sess, rel, args, sparse.coo_array(value))
        return
    if sparse.issparse(value):
        check_size(sess, value.shape[0], value.shape[1], "the output " + rel.name)
    dense = value.toarray() if sparse.issparse(value) else np.asarray(value, dtype=np.float64)
    if fmt == "tiles":
        _write_tiles(sess, rel, args, dense)
    else:
        _write_dense(sess, rel, args, dense)


def _write_dense(sess, rel, args, m: np.ndarray) -> None:
    """Rows travel as one bytea per batch and become float8[] in SQL (no text per element)."""
    row, val = sess.ident(args.row), sess.ident(args.val)
    sess.execute("CREATE TABLE " + rel.sql(sess) + " (" + row + " integer, " + val + " float8[])")
    insert = ("INSERT INTO " + rel.sql(sess) + " SELECT $1 + i, indb_ml.float8_array_from_bytes("
              "pg_catalog.substr($2, i * $3 + 1, $3)) FROM pg_catalog.generate_series(0, $4 - 1) AS i")
    width = max(m.shape[1], 1)
    step = max(INSERT_BATCH // width, 1)
    for start in range(0, m.shape[0], step):
        part = np.ascontiguousarray(m[start:start + step], dtype="<f8")
        sess.execute(insert, [start + 1, part.tobytes(), 8 * m.shape[1], part.shape[0]],
                     ["int4", "bytea", "int4", "int4"])
    sess.execute("ALTER TABLE " + rel.sql(sess) + " ADD PRIMARY KEY (" + row + ")")


def _write_sparse(sess, rel, args, m) -> None:
    r, c, v = sess.ident(args.row), sess.ident(args.col), sess.ident(args.val)
    sess.execute("CREATE TABLE " + rel.sql(sess) + " (" + r + " integer, " + c + " integer, " + v + " float8)")
    rows, cols, vals = m.row.astype(np.int64) + 1, m.col.astype(np.int64) + 1, m.data
    keep = vals != 0
    rows, cols, vals = rows[keep], cols[keep], vals[keep]
    last = (m.shape[0], m.shape[1])
    if m.shape[0] and m.shape[1] and not ((rows == last[0]) & (cols == last[1])).any():
        rows, cols, vals = np.append(rows, last[0]), np.append(cols, last[1]), np.append(vals, 0.0)
    as_f8 = [np.ascontiguousarray(x, dtype="<f8").tobytes() for x in (rows, cols, vals)]
    sess.execute(
        "INSERT INTO " + rel.sql(sess) + " SELECT t.r::integer, t.c::integer, t.v FROM ROWS FROM ("
        "pg_catalog.unnest(indb_ml.float8_array_from_bytes($1)), "
        "pg_catalog.unnest(indb_ml.float8_array_from_bytes($2)), "
        "pg_catalog.unnest(indb_ml.float8_array_from_bytes($3))) AS t(r, c, v)",
        as_f8,
        ["bytea", "bytea", "bytea"],
    )
    # Built after the load: one sort instead of an index insert per row.
    sess.execute("ALTER TABLE " + rel.sql(sess) + " ADD PRIMARY KEY (" + r + ", " + c + ")")


def create_tiles(sess, rel) -> None:
    sess.execute(
        "CREATE TABLE " + rel.sql(sess) + " (row_block integer, col_block integer, nrows integer, ncols integer, "
        "layout text NOT NULL DEFAULT 'dense', codec text NOT NULL DEFAULT 'raw', data bytea NOT NULL, "
        "PRIMARY KEY (row_block, col_block))"
    )


def _insert_tiles(sess, rel, m: np.ndarray, block: int, row_offset: int = 0) -> None:
    """Insert the tiles of ``m``, whose first row is block row ``row_offset``."""
    insert = ("INSERT INTO " + rel.sql(sess) + " (row_block, col_block, nrows, ncols, data) "
              "VALUES ($1, $2, $3, $4, $5)")
    for i, j, tile in split_tiles(m, block):
        sess.execute(insert, [i + row_offset, j, tile.shape[0], tile.shape[1], encode_tile(tile)],
                     ["int4", "int4", "int4", "int4", "bytea"])


def _write_tiles(sess, rel, args, m: np.ndarray) -> None:
    create_tiles(sess, rel)
    _insert_tiles(sess, rel, m, args.block)
