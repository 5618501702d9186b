"""MADlib's block matrices: ``matrix_blockize``, ``matrix_unblockize``, ``matrix_block_mult``,
``matrix_block_square``, ``matrix_block_trans`` and ``svd_block``.

A block matrix is a table ``(row, col, val)`` whose ``val`` is a 2-D array, the block at
block row ``row`` and block column ``col``, both counted from 1 (column names from the
``in_args`` string, MADlib's defaults ``row_num``, ``col_num``, ``val``). It is MADlib's
format, not the tile tables of ``matrix_reblock`` (bytea tiles from block 0). The blocks
must tile the matrix: every ``(row, col)`` present once, the same height along a block
row and the same width along a block column (MADlib assumes this and computes a wrong
shape otherwise; here it is checked, by one aggregate over the table). With ``SET
indb_ml.madlib_linalg = on`` (:mod:`indb_ml.matrix.madlib_linalg`) ``matrix_block_mult``,
``matrix_block_square`` and ``matrix_block_trans`` skip the tiling and alignment checks and
join whatever block indexes match, as MADlib's SQL does.

The operations are SQL statements over the blocks, never a Python call per row:
``matrix_blockize`` slices the dense rows and groups the pieces into blocks
(``array_agg``); ``matrix_unblockize`` unnests the blocks' rows and concatenates them per
matrix row; ``matrix_block_trans`` transposes each block (``matrix_mem_trans``);
``matrix_block_mult`` joins the blocks on ``a.col = b.row`` and sums the block products
per output block with the ``tile_mm`` aggregate (numpy per pair of blocks; an
``INSERT ... SELECT``, which PostgreSQL 15 does not run in parallel). ``svd_block`` reads
the blocks into memory and runs :mod:`indb_ml.matrix.svd`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from indb_ml.core.relations import Relation, new_table, resolve_source
from indb_ml.core.session import Session, sql_entry
from indb_ml.errors import InputError
from indb_ml.kernels.arraybytes import float8_array_from_body
from indb_ml.matrix import storage, svd
from indb_ml.matrix.args import MatrixArgs, parse_args
from indb_ml.matrix.madlib_linalg import madlib_linalg

MAX_ARRAY_ELEMENTS = (2**30 - 1 - 64) // 8  # PostgreSQL's 1 GB limit on one float8[] value


@dataclass(frozen=True)
class Blocks:
    """A validated block matrix: where it is, its column names and types, and its block grid."""

    rel: Relation
    args: MatrixArgs
    types: dict  # column name -> pg_type.typname
    heights: list  # rows of the blocks in block row 1, 2, ... (empty when not checked)
    widths: list  # columns of the blocks in block column 1, 2, ... (empty when not checked)

    @property
    def shape(self) -> tuple[int, int]:
        return sum(self.heights), sum(self.widths)

    def columns(self, sess: Session, alias: str) -> str:
        """``r, c, v`` of a subquery over the blocks: row and col ids and the block as float8[]."""
        a = self.args
        return (sess.ident(a.row) + " AS r, " + sess.ident(a.col) + " AS c, (" + sess.ident(a.val)
                + ")::float8[] AS v FROM " + self.rel.sql(sess) + " AS " + alias)


def _where(rel: Relation, arg_name: str) -> str:
    return f"{arg_name} {rel.schema}.{rel.name}"


def open_blocks(sess: Session, name: str, args_text: str | None, arg_name: str, tiling: bool = True) -> Blocks:
    """Resolve and validate a block matrix table (one scan for the checks, two small GROUP BYs).

    ``tiling=False`` (``indb_ml.madlib_linalg = on``) skips the grid and block size checks,
    which MADlib does not make, and leaves ``heights`` and ``widths`` empty.
    """
    rel = resolve_source(sess, name, arg_name)
    args, given = parse_args(args_text)
    extra = given - {"row", "col", "val"}
    if extra:
        raise InputError(f"{arg_name}: {sorted(extra)[0]}= does not apply to a block matrix",
                         hint="a block matrix's arguments are row=, col= and val=; transpose with matrix_block_trans")
    types = storage.columns(sess, rel)
    where = _where(rel, arg_name)
    for role, col in (("row", args.row), ("col", args.col), ("val", args.val)):
        if col not in types:
            raise InputError(f"{where} has no column {col!r} ({role})",
                             hint="name the columns: 'row=row_id, col=col_id, val=block'",
                             sqlstate=InputError.UNDEFINED_COLUMN)
    for role, col in (("row", args.row), ("col", args.col)):
        if types[col] not in ("int2", "int4", "int8"):
            raise InputError(f"{where}: column {col!r} ({role}) has type {types[col]}; block indexes are integers",
                             sqlstate=InputError.DATATYPE_MISMATCH)
    if not (types[args.val].startswith("_") and types[args.val][1:] in storage.NUMERIC):
        raise InputError(f"{where}: column {args.val!r} (val) has type {types[args.val]}; a block is a 2-D "
                         "numeric array", sqlstate=InputError.DATATYPE_MISMATCH)
    blocks = Blocks(rel, args, types, [], [])
    src = "(SELECT " + blocks.columns(sess, "t") + ") AS s"
    stats = sess.one(
        "SELECT pg_catalog.count(*) AS n, pg_catalog.count(DISTINCT (r, c)) AS pairs, pg_catalog.min(r) AS rmin, "
        "pg_catalog.max(r) AS rmax, pg_catalog.min(c) AS cmin, pg_catalog.max(c) AS cmax, "
        "pg_catalog.count(DISTINCT r) AS nr, pg_catalog.count(DISTINCT c) AS nc, "
        "pg_catalog.bool_or(r IS NULL OR c IS NULL OR v IS NULL) AS null_keys, "
        "pg_catalog.bool_or(pg_catalog.array_ndims(v) IS DISTINCT FROM 2) AS not_2d, "
        "pg_catalog.bool_or(v IS NOT NULL AND indb_ml._matrix_has_null(v)) AS null_values FROM " + src
    )
    if stats["n"] == 0:
        raise InputError(f"{where} has no blocks", sqlstate=InputError.NO_DATA)
    if stats["null_keys"]:
        raise InputError(f"{where} has NULL block indexes or blocks", sqlstate="22004")
    if stats["not_2d"]:
        raise InputError(f"{where} has a block that is not a two-dimensional array",
                         hint="each block is a 2-D array such as '{{1,2},{3,4}}'", sqlstate=InputError.ARRAY_DIMENSIONS)
    if stats["null_values"]:
        raise InputError(f"{where} has a block with NULL elements", sqlstate="22004")
    if not tiling:
        return blocks
    nr, nc = stats["nr"], stats["nc"]
    if (stats["rmin"], stats["rmax"], stats["cmin"], stats["cmax"]) != (1, nr, 1, nc):
        raise InputError(f"{where}: block indexes must run from 1 without gaps (rows {stats['rmin']}..{stats['rmax']}"
                         f" with {nr} distinct, columns {stats['cmin']}..{stats['cmax']} with {nc} distinct)")
    if stats["pairs"] != stats["n"] or stats["n"] != nr * nc:
        raise InputError(f"{where} has {stats['n']} blocks for a grid of {nr} x {nc}: blocks are missing or repeated",
                         hint="every (row, col) block needs exactly one row, zero blocks included")
    heights = _sizes(sess, src, "r", 1, where, "height", "block row")
    widths = _sizes(sess, src, "c", 2, where, "width", "block column")
    return Blocks(rel, args, types, heights, widths)


def _sizes(sess: Session, src: str, key: str, dim: int, where: str, what: str, line: str) -> list:
    rows = sess.execute(
        "SELECT " + key + " AS k, pg_catalog.min(pg_catalog.array_length(v, " + str(dim) + ")) AS lo, "
        "pg_catalog.max(pg_catalog.array_length(v, " + str(dim) + ")) AS hi FROM " + src
        + " GROUP BY " + key + " ORDER BY " + key
    )
    for r in rows:
        if r["lo"] != r["hi"]:
            raise InputError(f"{where}: the blocks of {line} {r['k']} have different {what}s ({r['lo']} to {r['hi']})",
                             hint="the blocks must tile the matrix", sqlstate=InputError.ARRAY_DIMENSIONS)
    return [int(r["lo"]) for r in rows]


def _output_args(out_args: str | None, defaults: dict) -> MatrixArgs:
    """Output column names: out_args' own, else ``defaults`` (MADlib's per function)."""
    args, given = parse_args(out_args)
    extra = given - {"row", "col", "val"}
    if extra:
        raise InputError(f"out_args: {sorted(extra)[0]}= does not apply to a block operation",
                         hint="out_args names the output's columns: row=, col=, val=")
    names = {k: getattr(args, k) if k in given else v for k, v in defaults.items()}
    if len(set(names.values())) < len(names):
        raise InputError(f"out_args: the output columns {sorted(names.values())} must have distinct names")
    return MatrixArgs(**names)


def _create(sess: Session, rel: Relation, columns: list) -> None:
    """``CREATE TABLE rel (name type, ...)``; names quoted here, types are typnames we read.

    Array columns are stored out of line uncompressed (as matrix tables are, see
    :mod:`indb_ml.matrix.writer`): pglz finds little to compress in float64 values and
    trying costs more than writing them.
    """
    sess.execute("CREATE TABLE " + rel.sql(sess) + " (" + ", ".join(sess.ident(n) + " " + t for n, t in columns) + ")")
    for name, typ in columns:
        if typ.endswith("[]"):
            sess.execute("ALTER TABLE " + rel.sql(sess) + " ALTER COLUMN " + sess.ident(name) + " SET STORAGE EXTERNAL")


# ------------------------------------------------------------------ block products and transpose


MADLIB_JOIN_HINT = ("SET indb_ml.madlib_linalg = on multiplies as MADlib does, joining whatever block indexes "
                    "match (a.col = b.row)")


def _multiply(sess: Session, a: Blocks, b: Blocks, out: str, out_args: str | None, op: str,
              checked: bool = True) -> list:
    """``a @ b`` block by block; ``checked=False`` (madlib_linalg) joins whatever indexes match."""
    if checked and a.shape[1] != b.shape[0]:
        raise InputError(f"{op}: matrix_a is {a.shape[0]} x {a.shape[1]} and matrix_b is {b.shape[0]} x "
                         f"{b.shape[1]}; the inner dimensions differ", hint=MADLIB_JOIN_HINT,
                         sqlstate=InputError.ARRAY_DIMENSIONS)
    if checked and a.widths != b.heights:
        raise InputError(f"{op}: matrix_a's block columns are {a.widths} wide but matrix_b's block rows are "
                         f"{b.heights} high; the blocks must line up",
                         hint="blockize both with the same block size (matrix_blockize); " + MADLIB_JOIN_HINT,
                         sqlstate=InputError.ARRAY_DIMENSIONS)
    if not checked:
        _check_pairs(sess, a, b, op)
    o = _output_args(out_args, {"row": a.args.row, "col": a.args.col, "val": a.args.val})
    rel = new_table(sess, out, "matrix_out")
    _create(sess, rel, [(o.row, a.types[a.args.row]), (o.col, b.types[b.args.col]), (o.val, "float8[]")])
    # A 2-D float8[] body without NULLs is a 28-byte header, then the values: the tile's bytes.
    piece = ("SELECT r, c, pg_catalog.array_length(v, 1) AS h, pg_catalog.array_length(v, 2) AS w, "
             "pg_catalog.substr(indb_ml._float8_array_bytes(v, ''::bytea), 29) AS d FROM (SELECT ")
    sess.execute(
        "INSERT INTO " + rel.sql(sess) + " SELECT a.r, b.c, indb_ml._float8_matrix_from_bytes(indb_ml.tile_mm("
        "a.d, a.h, a.w, b.d, b.h, b.w), pg_catalog.min(a.h), pg_catalog.min(b.w)) FROM ("
        + piece + a.columns(sess, "t") + ") AS s) AS a JOIN (" + piece + b.columns(sess, "t") + ") AS s) AS b "
        "ON a.c = b.r GROUP BY a.r, b.c"
    )
    return [out]


def _check_pairs(sess: Session, a: Blocks, b: Blocks, op: str) -> None:
    """Without the tiling checks (madlib_linalg), the joined blocks must still multiply and the
    products summed into one output block must have one shape: one join of the blocks' shapes
    (MADlib's matrix_mem_mult and __matrix_mem_sum fail on these too, mid-statement)."""
    shape = ("(SELECT r, c, pg_catalog.array_length(v, 1) AS h, pg_catalog.array_length(v, 2) AS w FROM (SELECT ")
    pairs = (" FROM " + shape + a.columns(sess, "t") + ") AS s) AS a JOIN " + shape + b.columns(sess, "t")
             + ") AS s) AS b ON a.c = b.r")
    bad = sess.one(
        "SELECT a.r AS ar, a.c AS k, b.c AS bc, a.h, a.w, b.h AS bh, b.w AS bw" + pairs
        + " WHERE a.w <> b.h ORDER BY 1, 2, 3 LIMIT 1"
    )
    if bad:
        raise InputError(f"{op}: block ({bad['ar']}, {bad['k']}) of matrix_a is {bad['h']} x {bad['w']} and block "
                         f"({bad['k']}, {bad['bc']}) of matrix_b is {bad['bh']} x {bad['bw']}; they do not multiply",
                         hint="with indb_ml.madlib_linalg on, blocks are joined on matrix_a's col = matrix_b's row, "
                         "and each joined pair must multiply", sqlstate=InputError.ARRAY_DIMENSIONS)
    bad = sess.one(
        "SELECT a.r AS ar, b.c AS bc, pg_catalog.min(a.h) AS h0, pg_catalog.max(a.h) AS h1, pg_catalog.min(b.w) AS w0, "
        "pg_catalog.max(b.w) AS w1" + pairs + " GROUP BY a.r, b.c "
        "HAVING pg_catalog.min(a.h) <> pg_catalog.max(a.h) OR pg_catalog.min(b.w) <> pg_catalog.max(b.w) "
        "ORDER BY 1, 2 LIMIT 1"
    )
    if bad:
        raise InputError(f"{op}: the block products summed into output block ({bad['ar']}, {bad['bc']}) have "
                         f"{bad['h0']} to {bad['h1']} rows and {bad['w0']} to {bad['w1']} columns; they cannot be "
                         "added", hint="the blocks of a block row must have one height and those of a block "
                         "column one width", sqlstate=InputError.ARRAY_DIMENSIONS)


@sql_entry
def matrix_block_mult(sess, matrix_a, a_args, matrix_b, b_args, out, out_args) -> list:
    checked = not madlib_linalg(sess)
    a = open_blocks(sess, matrix_a, a_args, "matrix_a", tiling=checked)
    b = open_blocks(sess, matrix_b, b_args, "matrix_b", tiling=checked)
    return _multiply(sess, a, b, out, out_args, "matrix_block_mult", checked)


@sql_entry
def matrix_block_square(sess, matrix_in, in_args, out, out_args) -> list:
    """MADlib's is ``matrix_block_mult(matrix_in, matrix_in)`` whatever the shape (madlib_linalg)."""
    checked = not madlib_linalg(sess)
    a = open_blocks(sess, matrix_in, in_args, "matrix_in", tiling=checked)
    if checked and a.shape[0] != a.shape[1]:
        raise InputError(f"matrix_block_square: matrix_in is {a.shape[0]} x {a.shape[1]}; the square is only "
                         "defined for square matrices",
                         hint="SET indb_ml.madlib_linalg = on computes what MADlib does: the product of the "
                         "blocks whose indexes match (a.col = b.row); for a tall matrix, the matrix times its "
                         "top block rows", sqlstate=InputError.ARRAY_DIMENSIONS)
    return _multiply(sess, a, a, out, out_args, "matrix_block_square", checked)


@sql_entry
def matrix_block_trans(sess, matrix_in, in_args, out, out_args) -> list:
    a = open_blocks(sess, matrix_in, in_args, "matrix_in", tiling=not madlib_linalg(sess))
    o = _output_args(out_args, {"row": a.args.row, "col": a.args.col, "val": a.args.val})
    rel = new_table(sess, out, "matrix_out")
    # MADlib's column order: the new col (the old row ids) first.
    _create(sess, rel, [(o.col, a.types[a.args.row]), (o.row, a.types[a.args.col]), (o.val, "float8[]")])
    sess.execute("INSERT INTO " + rel.sql(sess) + " SELECT r, c, indb_ml.matrix_mem_trans(v) FROM (SELECT "
                 + a.columns(sess, "t") + ") AS s")
    return [out]


# ------------------------------------------------------------------ dense <-> blocks


@sql_entry
def matrix_blockize(sess, matrix_in, in_args, rsize, csize, out, out_args) -> list:
    for name, size in (("rsize", rsize), ("csize", csize)):
        if size is None or size < 1:
            raise InputError(f"matrix_blockize: {name} is {'NULL' if size is None else size}; block sizes are "
                             "positive integers")
    rel = resolve_source(sess, matrix_in, "matrix_in")
    args, given = parse_args(in_args)
    if given - {"row", "val"}:
        raise InputError(f"matrix_in: {sorted(given - {'row', 'val'})[0]}= does not apply to matrix_blockize",
                         hint="the input is a dense matrix (row, val array): in_args names row= and val=")
    cols = storage.columns(sess, rel)
    m, n = storage.dense_shape(sess, rel, cols, args, "matrix_in")
    if min(rsize, m) * min(csize, n) > MAX_ARRAY_ELEMENTS:
        raise InputError(f"matrix_blockize: blocks of {min(rsize, m)} x {min(csize, n)} values exceed PostgreSQL's "
                         "1 GB limit on an array", hint="use smaller blocks")
    o = _output_args(out_args, {"row": args.row, "col": "col_num", "val": args.val})
    row, as_f8 = storage.dense_columns(sess, rel, cols, args, "matrix_in")
    new = new_table(sess, out, "matrix_out")
    # MADlib's types: block row bigint ((row - 1) / rsize + 1), block column integer.
    _create(sess, new, [(o.row, "bigint"), (o.col, "integer"), (o.val, "float8[]")])
    sess.execute(
        "INSERT INTO " + new.sql(sess) + " SELECT (r::bigint - 1) / $1 + 1, j, "
        "pg_catalog.array_agg(x[lo + (j - 1) * $2 : lo + j * $2 - 1] ORDER BY r) FROM (SELECT " + row + " AS r, "
        + as_f8 + " AS x, pg_catalog.array_lower(" + as_f8 + ", 1) AS lo FROM " + rel.sql(sess) + ") AS s, "
        "pg_catalog.generate_series(1, ($3 + $2 - 1) / $2) AS j GROUP BY 1, 2",
        [rsize, csize, n], ["int8", "int4", "int4"],
    )
    return [out]


@sql_entry
def matrix_unblockize(sess, matrix_in, in_args, out, out_args) -> list:
    a = open_blocks(sess, matrix_in, in_args, "matrix_in")
    # MADlib writes the values to a column named row_vec whatever out_args says; here row_vec is
    # the default and out_args' val= is honoured.
    o = _output_args(out_args, {"row": a.args.row, "val": "row_vec"})
    rel = new_table(sess, out, "matrix_out")
    _create(sess, rel, [(o.row, "bigint"), (o.val, "float8[]")])
    offsets = np.concatenate([[0], np.cumsum(a.heights)[:-1]]).astype(int).tolist()
    sess.execute(
        "INSERT INTO " + rel.sql(sess) + " SELECT ($1::int8[])[s.r] + e.i, indb_ml._array_cat_agg(e.x ORDER BY s.c) "
        "FROM (SELECT " + a.columns(sess, "t") + ") AS s, "
        "LATERAL indb_ml._matrix_unnest_block(s.v) WITH ORDINALITY AS e(x, i) GROUP BY 1",
        [offsets], ["int8[]"],
    )
    return [out]


# ------------------------------------------------------------------ svd_block


def load(sess: Session, a: Blocks, arg_name: str) -> np.ndarray:
    """The block matrix in memory, capped by ``indb_ml.matrix_memory_mb``; blocks come as raw bytes."""
    m, n = a.shape
    storage.check_size(sess, m, n, _where(a.rel, arg_name))
    row_off = np.concatenate([[0], np.cumsum(a.heights)]).astype(int)
    col_off = np.concatenate([[0], np.cumsum(a.widths)]).astype(int)
    out = np.zeros((m, n))
    for r in sess.execute("SELECT r, c, indb_ml._float8_array_bytes(v, ''::bytea) AS b FROM (SELECT "
                          + a.columns(sess, "t") + ") AS s"):
        i, j = r["r"] - 1, r["c"] - 1
        out[row_off[i]:row_off[i + 1], col_off[j]:col_off[j + 1]] = float8_array_from_body(r["b"])
    return out


@sql_entry
def svd_block(sess, source_table, output_table_prefix, k, n_iterations=None, result_summary_table=None) -> list:
    """MADlib's svd_block: the source's columns are row_id, col_id and block, as in MADlib."""
    t0 = time.perf_counter()
    svd._require({"source_table": source_table, "output_table_prefix": output_table_prefix, "k": k}, "svd")
    if k < 1:
        raise InputError(f"svd_block: k is {k}; it must be a positive integer")
    a = open_blocks(sess, source_table, "row=row_id, col=col_id, val=block", "source_table")
    rels = svd._outputs(sess, output_table_prefix, result_summary_table)
    return svd._finish(sess, "svd_block", rels, load(sess, a, "source_table"), k, n_iterations, t0)
