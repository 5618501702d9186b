"""Read a matrix as a stream of pieces, so that memory holds one piece, not the matrix.

A piece is ``(first_row, first_col, block)`` with 0-based offsets. Dense tables come
as blocks of whole rows (one GROUP BY statement through a cursor: PostgreSQL sorts,
out of core, and hands over one block per fetch as raw ``float8[]`` bytes); tile
tables come tile by tile; sparse tables come as one scipy CSR piece, loaded under
``indb_ml.matrix_memory_mb`` like the in-memory operator. ``trans=true`` transposes
each piece and swaps its offsets, so every consumer gets it for free.

The block height is chosen so that a block is about ``ROW_BLOCK_BYTES``; it is
tunable per session with ``SET indb_ml.row_block_mb``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterator

import numpy as np

from indb_ml.compress.tiles import tile_array
from indb_ml.core.relations import Relation, resolve_source
from indb_ml.core.session import Session
from indb_ml.errors import InputError
from indb_ml.kernels.arraybytes import float8_array_from_body
from indb_ml.matrix import storage
from indb_ml.matrix.args import MatrixArgs, parse_args

ROW_BLOCK_BYTES = 32 * 2**20


@dataclass(frozen=True)
class Source:
    """A validated matrix table: where it is, how to read it, and its shape (after ``trans``)."""

    rel: Relation
    args: MatrixArgs
    fmt: str
    cols: dict
    stored_shape: tuple[int, int]  # before trans
    arg_name: str
    entries: int  # stored values: m * n, or a sparse table's rows

    @property
    def shape(self) -> tuple[int, int]:
        m, n = self.stored_shape
        return (n, m) if self.args.trans else (m, n)

    @property
    def nbytes(self) -> int:
        """Bytes the in-memory operator needs for it: dense values, or CSR entries (value, index)."""
        return 8 * self.entries if self.fmt != "sparse" else 16 * self.entries


def open_source(sess: Session, name: str, args_text: str | None, arg_name: str) -> Source:
    """Resolve and validate the table, without loading it (one aggregate scan for dense or sparse)."""
    rel = resolve_source(sess, name, arg_name)
    args, given = parse_args(args_text)
    if given & {"op", "block"}:
        raise InputError(f"{arg_name}: {sorted(given & {'op', 'block'})[0]}= is an output argument",
                         hint="give it in out_args")
    cols = storage.columns(sess, rel)
    fmt = storage.detect(rel, cols, args, arg_name)
    if "dims" in given and fmt != "sparse":
        raise InputError(f"{arg_name}: dims= applies to sparse tables; this one is {fmt}",
                         hint="a dense or tile table's shape comes from its rows or tiles")
    if fmt == "tiles":
        shape = storage.check_tiles(sess, rel, arg_name)
    elif fmt == "dense":
        shape = storage.dense_shape(sess, rel, cols, args, arg_name)
    else:
        shape, entries = storage.sparse_extent(sess, rel, cols, args, arg_name)
        return Source(rel, args, fmt, cols, shape, arg_name, entries)
    return Source(rel, args, fmt, cols, shape, arg_name, shape[0] * shape[1])


def load(sess: Session, src: Source) -> storage.Loaded:
    """The whole matrix in memory (the in-memory operator), without validating ``src`` again."""
    return storage.read(sess, src.rel, src.cols, src.args, src.fmt, src.arg_name,
                        src.stored_shape if src.fmt == "dense" else None)


def transposed(src: Source) -> Source:
    """The same table read with ``trans`` flipped."""
    return replace(src, args=replace(src.args, trans=not src.args.trans))


def block_rows(sess: Session, width: int) -> int:
    """Rows per block for ``width`` columns: about ``indb_ml.row_block_mb`` (default 32; a fraction
    such as 0.001 makes tiny blocks, which tests use to cross block boundaries)."""
    value = sess.one("SELECT pg_catalog.current_setting('indb_ml.row_block_mb', true) AS v")["v"]
    try:
        budget = float(value) * 2**20 if value else ROW_BLOCK_BYTES
    except ValueError:
        budget = ROW_BLOCK_BYTES
    budget = budget if 0 < budget < float("inf") else ROW_BLOCK_BYTES
    return int(min(max(1, budget // (8 * max(width, 1))), 2**30))  # a row count fits int4


def pieces(sess: Session, src: Source, rows: int | None = None) -> Iterator[tuple[int, int, object]]:
    """The pieces of ``src`` (transposed when ``trans=true``); ``rows``: dense block height."""
    for r0, c0, piece in _stored_pieces(sess, src, rows):
        yield (c0, r0, piece.T) if src.args.trans else (r0, c0, piece)


def _stored_pieces(sess, src: Source, rows):
    if src.fmt == "dense":
        n = src.stored_shape[1]
        for r0, block in dense_blocks(sess, src, rows or block_rows(sess, n)):
            yield r0, 0, block
    elif src.fmt == "tiles":
        heights = _offsets(sess, src.rel, "row_block", "nrows")
        widths = _offsets(sess, src.rel, "col_block", "ncols")
        cap = storage.limit_bytes(sess)  # an encoded tile is decoded only within the budget
        for r in sess.cursor("SELECT row_block, col_block, nrows, ncols, codec, data FROM " + src.rel.sql(sess)):
            yield (heights[r["row_block"]], widths[r["col_block"]],
                   tile_array(r["data"], r["nrows"], r["ncols"], r["codec"], cap))
    else:
        yield 0, 0, storage.read_sparse(sess, src.rel, src.cols, src.args, src.arg_name)


def unordered_rows(sess: Session, src: Source) -> Iterator[object]:
    """Blocks of whole rows in no particular order, for order-free consumers (XᵀX, column sums,
    norms): a dense table is read by the chunked TID-range scan of linregr_train (one
    statement, 1 MB of heap per chunk, no sort), which is several times faster than
    numbering blocks by row id."""
    if src.fmt == "dense" and not src.args.trans:
        from indb_ml.core.features import Features
        from indb_ml.core.packing import scan_blocks

        _, as_f8 = storage.dense_columns(sess, src.rel, src.cols, src.args, src.arg_name)
        for _, _, block in scan_blocks(sess, src.rel, Features(as_f8, None, (), src.stored_shape[1])):
            if block.size:
                yield block.reshape(-1, src.stored_shape[1])
        return
    for _, block in row_pieces(sess, src):
        yield block


def column_pieces(sess: Session, src: Source) -> Iterator[tuple[int, object]]:
    """``(first_col, piece)`` in no particular order: all that column sums and norms need."""
    if src.fmt == "dense" and not src.args.trans:
        for block in unordered_rows(sess, src):
            yield 0, block
        return
    for _, c0, piece in pieces(sess, src):
        yield c0, piece


def has_row_pieces(src: Source) -> bool:
    """Whether :func:`row_pieces` can stream ``src`` (a transposed dense table has no whole rows)."""
    return not (src.fmt == "dense" and src.args.trans)


def row_pieces(sess: Session, src: Source, rows: int | None = None) -> Iterator[tuple[int, object]]:
    """Blocks of whole rows in row order: dense row blocks, a tile table one tile row at a
    time (a tile column when transposed), or the whole sparse matrix."""
    if src.fmt == "dense" and not src.args.trans:
        yield from dense_blocks(sess, src, rows or block_rows(sess, src.stored_shape[1]))
    elif src.fmt == "tiles":
        at, current, parts, cap = 0, None, [], storage.limit_bytes(sess)
        for r in sess.cursor(tile_rows_query(sess, src)):
            if r["o"] != current and parts:
                yield at, _joined(parts)
                at, parts = at + parts[0].shape[0], []
            current = r["o"]
            tile = tile_array(r["data"], r["nrows"], r["ncols"], r["codec"], cap)
            parts.append(tile.T if src.args.trans else tile)
        if parts:
            yield at, _joined(parts)
    elif src.fmt == "sparse":
        for _, _, piece in pieces(sess, src):
            yield 0, piece
    else:
        raise InputError("row blocks cannot stream a transposed dense matrix",
                         hint="use op=memory, or reblock to tiles (matrix_reblock) first")


def _joined(parts: list):
    return parts[0] if len(parts) == 1 else np.hstack(parts)


def _offsets(sess, rel, block: str, size: str) -> dict:
    rows = sess.execute("SELECT " + block + " AS b, pg_catalog.max(" + size + ") AS s FROM " + rel.sql(sess)
                        + " GROUP BY 1 ORDER BY 1")
    out, at = {}, 0
    for r in rows:
        out[r["b"]] = at
        at += r["s"]
    return out


def band_query(table_sql: str, axis: str) -> str:
    """The tiles of block row ``$1`` (``axis='row'``) or block column ``$1`` (``axis='col'``):
    an equality on the leading column of the primary key ``(row_block, col_block)`` or of the
    index ``(col_block, row_block)`` that tile writers create, so PostgreSQL reads one band
    of tiles through the index instead of the table (``table_sql`` is already quoted)."""
    key, other = ("row_block", "col_block") if axis == "row" else ("col_block", "row_block")
    return ("SELECT " + other + " AS b, nrows, ncols, codec, data FROM " + table_sql + " WHERE " + key
            + " = $1 ORDER BY " + other)


def line(sess: Session, src: Source, axis: str, index: int) -> np.ndarray:
    """Row (``axis='row'``) or column ``index`` (0-based) of the matrix as stored (``trans`` is
    the caller's business), reading only what holds it where a key allows: one band of tiles
    (:func:`band_query`), one dense row by its row id, or one sparse row's entries. A dense
    column needs every row (one scan, the element taken in SQL); a sparse column filters in SQL."""
    m, n = src.stored_shape
    if src.fmt == "tiles":
        blocks, sizes = ("row_block", "nrows") if axis == "row" else ("col_block", "ncols")
        starts = _offsets(sess, src.rel, blocks, sizes)
        block = max(b for b, at in starts.items() if at <= index)
        across = _offsets(sess, src.rel, "col_block" if axis == "row" else "row_block",
                          "ncols" if axis == "row" else "nrows")
        out, cap = np.zeros(n if axis == "row" else m), storage.limit_bytes(sess)
        for r in sess.cursor(band_query(src.rel.sql(sess), axis), [block], ["int4"]):
            tile = tile_array(r["data"], r["nrows"], r["ncols"], r["codec"], cap)
            part = tile[index - starts[block]] if axis == "row" else tile[:, index - starts[block]]
            out[across[r["b"]]:across[r["b"]] + part.size] = part
        return out
    if src.fmt == "dense":
        row, as_f8 = storage.dense_columns(sess, src.rel, src.cols, src.args, src.arg_name)
        if axis == "row":
            body = sess.one("SELECT indb_ml._float8_array_bytes(pg_catalog.array_agg(" + as_f8 + "), ''::bytea) AS b "
                            "FROM " + src.rel.sql(sess) + " WHERE " + row + " = $1", [index + 1], ["int4"])["b"]
            return np.ravel(float8_array_from_body(body)).copy()
        body = sess.one("SELECT indb_ml._float8_array_bytes(pg_catalog.array_agg((" + as_f8 + ")[$1] ORDER BY "
                        + row + "), ''::bytea) AS b FROM " + src.rel.sql(sess), [index + 1], ["int4"])["b"]
        return np.ravel(float8_array_from_body(body)).copy()
    storage.require_sparse_columns(sess, src.rel, src.cols, src.args, src.arg_name)
    r, c, v = sess.ident(src.args.row), sess.ident(src.args.col), sess.ident(src.args.val)
    key, other = (r, c) if axis == "row" else (c, r)
    out = np.zeros(n if axis == "row" else m)
    entries = sess.execute("SELECT " + other + " AS k, (" + v + ")::float8 AS v FROM " + src.rel.sql(sess)
                           + " WHERE " + key + " = $1", [index + 1], ["int4"])
    where = f"{src.arg_name} {src.rel.schema}.{src.rel.name}"
    if any(e["k"] is None or e["v"] is None for e in entries):
        raise InputError(f"{where} has NULL row, column or value entries", sqlstate=InputError.NO_DATA)
    at = np.array([e["k"] for e in entries], dtype=np.int64) - 1
    if at.size and (at.min() < 0 or at.max() >= out.size):
        raise InputError(f"{where}: row and column indices start at 1 and end at the matrix's size")
    if np.unique(at).size != at.size:
        raise InputError(f"{where} has duplicate (row, col) entries", hint="aggregate them first")
    out[at] = [e["v"] for e in entries]
    return out


def window_query(table_sql: str) -> str:
    """The tiles of block rows ``$1..$2`` and block columns ``$3..$4``: a range on the primary
    key ``(row_block, col_block)``, so a slice reads the tiles it overlaps through the index."""
    return ("SELECT row_block, col_block, nrows, ncols, codec, data FROM " + table_sql
            + " WHERE row_block BETWEEN $1 AND $2 AND col_block BETWEEN $3 AND $4")


def window(sess: Session, src: Source, r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
    """Rows ``r0:r1`` and columns ``c0:c1`` (0-based, ends excluded, after ``trans``) as an
    ndarray, reading only what overlaps them where a key allows: the tiles in the window's
    block range (:func:`window_query`), the dense rows by row id, the sparse entries of those
    rows. The planner's slices are meant to come here rather than scan every piece."""
    if not (0 <= r0 <= r1 <= src.shape[0] and 0 <= c0 <= c1 <= src.shape[1]):
        raise InputError(f"the window [{r0}:{r1}, {c0}:{c1}] lies outside the {src.shape[0]} x {src.shape[1]} matrix")
    storage.check_size(sess, r1 - r0, c1 - c0, "the slice")
    if src.args.trans:
        return _stored_window(sess, src, c0, c1, r0, r1).T
    return _stored_window(sess, src, r0, r1, c0, c1)


def _stored_window(sess, src: Source, r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
    out = np.zeros((r1 - r0, c1 - c0))
    if r0 == r1 or c0 == c1:
        return out
    if src.fmt == "tiles":
        heights = _offsets(sess, src.rel, "row_block", "nrows")
        widths = _offsets(sess, src.rel, "col_block", "ncols")
        first = [max(b for b, at in starts.items() if at <= lo) for starts, lo in ((heights, r0), (widths, c0))]
        last = [max(b for b, at in starts.items() if at < hi) for starts, hi in ((heights, r1), (widths, c1))]
        cap = storage.limit_bytes(sess)
        for r in sess.cursor(window_query(src.rel.sql(sess)), [first[0], last[0], first[1], last[1]],
                             ["int4", "int4", "int4", "int4"]):
            tile = tile_array(r["data"], r["nrows"], r["ncols"], r["codec"], cap)
            ti, tj = heights[r["row_block"]], widths[r["col_block"]]
            rows = slice(max(r0, ti), min(r1, ti + tile.shape[0]))
            cols = slice(max(c0, tj), min(c1, tj + tile.shape[1]))
            out[rows.start - r0:rows.stop - r0, cols.start - c0:cols.stop - c0] = tile[
                rows.start - ti:rows.stop - ti, cols.start - tj:cols.stop - tj]
        return out
    if src.fmt == "dense":
        row, as_f8 = storage.dense_columns(sess, src.rel, src.cols, src.args, src.arg_name)
        body = sess.one("SELECT indb_ml._float8_array_bytes(pg_catalog.array_agg(" + as_f8 + " ORDER BY " + row
                        + "), ''::bytea) AS b FROM " + src.rel.sql(sess) + " WHERE " + row + " BETWEEN $1 AND $2",
                        [r0 + 1, r1], ["int4", "int4"])["b"]
        return float8_array_from_body(body).reshape(r1 - r0, -1)[:, c0:c1].copy()
    storage.require_sparse_columns(sess, src.rel, src.cols, src.args, src.arg_name)
    r, c, v = sess.ident(src.args.row), sess.ident(src.args.col), sess.ident(src.args.val)
    entries = sess.execute("SELECT " + r + " AS i, " + c + " AS j, (" + v + ")::float8 AS v FROM " + src.rel.sql(sess)
                           + " WHERE " + r + " BETWEEN $1 AND $2 AND " + c + " BETWEEN $3 AND $4",
                           [r0 + 1, r1, c0 + 1, c1], ["int4", "int4", "int4", "int4"])
    where = f"{src.arg_name} {src.rel.schema}.{src.rel.name}"
    if any(e["v"] is None for e in entries):
        raise InputError(f"{where} has NULL value entries", sqlstate=InputError.NO_DATA)
    i = np.array([e["i"] for e in entries], dtype=np.int64) - 1 - r0
    j = np.array([e["j"] for e in entries], dtype=np.int64) - 1 - c0
    if np.unique(i * (c1 - c0) + j).size != i.size:
        raise InputError(f"{where} has duplicate (row, col) entries", hint="aggregate them first")
    out[i, j] = [e["v"] for e in entries]
    return out


def dense_blocks_query(sess: Session, src: Source) -> str:
    """Blocks of ``$1`` rows as raw float8[] bytes: one GROUP BY, sorted by PostgreSQL (out of core)."""
    row, as_f8 = storage.dense_columns(sess, src.rel, src.cols, src.args, "matrix")
    return ("SELECT (" + row + " - 1) / $1 AS rb, indb_ml._float8_array_bytes(pg_catalog.array_agg(" + as_f8
            + " ORDER BY " + row + "), ''::bytea) AS b FROM " + src.rel.sql(sess) + " GROUP BY 1 ORDER BY 1")


def tile_rows_query(sess: Session, src: Source) -> str:
    """Tiles in block-row order (block-column order when transposed)."""
    outer, inner = ("col_block", "row_block") if src.args.trans else ("row_block", "col_block")
    return ("SELECT " + outer + " AS o, nrows, ncols, codec, data FROM " + src.rel.sql(sess)
            + " ORDER BY " + outer + ", " + inner)


def scan_query(sess: Session, src: Source) -> str:
    """The statement that streams ``src`` (for EXPLAIN): row blocks, tile rows, or sparse entries."""
    if src.fmt == "dense" and not src.args.trans:
        return dense_blocks_query(sess, src)
    if src.fmt == "tiles":
        return tile_rows_query(sess, src)
    return storage.sparse_read_query(sess, src.rel, src.args) if src.fmt == "sparse" else (
        "(the whole table, loaded: a transposed dense table has no rows to stream)")


def dense_blocks(sess: Session, src: Source, rows: int) -> Iterator[tuple[int, object]]:
    """Blocks of ``rows`` whole rows of a dense table, in row order, one per fetch."""
    n = src.stored_shape[1]
    for r in sess.cursor(dense_blocks_query(sess, src), [rows], ["int4"]):
        yield int(r["rb"]) * rows, float8_array_from_body(r["b"]).reshape(-1, n)


def paired_dense_blocks(sess: Session, a: Source, b: Source, rows: int) -> Iterator[tuple[int, object, object]]:
    """Aligned row blocks of two dense tables with the same rows (widths may differ): a join on
    the row id, grouped by block."""
    if a.args.trans or b.args.trans:
        raise InputError("row blocks cannot stream a transposed dense matrix",
                         hint="use op=memory, or reblock to tiles (matrix_reblock) first")
    row_a, f8_a = storage.dense_columns(sess, a.rel, a.cols, a.args, "matrix_a", alias="a")
    row_b, f8_b = storage.dense_columns(sess, b.rel, b.cols, b.args, "matrix_b", alias="b")
    n_a, n_b = a.stored_shape[1], b.stored_shape[1]
    cursor = sess.cursor(
        "SELECT (" + row_a + " - 1) / $1 AS rb, indb_ml._float8_array_bytes(pg_catalog.array_agg("
        + f8_a + " ORDER BY " + row_a + "), ''::bytea) AS x, "
        "indb_ml._float8_array_bytes(pg_catalog.array_agg(" + f8_b + " ORDER BY " + row_a
        + "), ''::bytea) AS y FROM " + a.rel.sql(sess) + " a JOIN " + b.rel.sql(sess) + " b ON " + row_a
        + " = " + row_b + " GROUP BY 1 ORDER BY 1",
        [rows], ["int4"],
    )
    for r in cursor:
        yield (int(r["rb"]) * rows, float8_array_from_body(r["x"]).reshape(-1, n_a),
               float8_array_from_body(r["y"]).reshape(-1, n_b))

