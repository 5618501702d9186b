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

from indb_ml.errors import InputError
from indb_ml.kernels.arraybytes import float8_array_from_body
from indb_ml.kernels.tiles import decode_tile
from indb_ml.matrix import storage
from indb_ml.matrix.args import MatrixArgs, parse_args
from indb_ml.server.relations import Relation, resolve_source
from indb_ml.server.session import Session

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
        for r in sess.cursor("SELECT row_block, col_block, nrows, ncols, data FROM " + src.rel.sql(sess)):
            yield heights[r["row_block"]], widths[r["col_block"]], decode_tile(r["data"], r["nrows"], r["ncols"])
    else:
        yield 0, 0, storage.read_sparse(sess, src.rel, src.cols, src.args, src.arg_name)


def unordered_rows(sess: Session, src: Source) -> Iterator[object]:
    """Blocks of whole rows in no particular order, for order-free consumers (XᵀX, column sums,
    norms): a dense table is read by the chunked TID-range scan of linregr_train (one
    statement, 1 MB of heap per chunk, no sort), which is several times faster than
    numbering blocks by row id."""
    if src.fmt == "dense" and not src.args.trans:
        from indb_ml.server.features import Features
        from indb_ml.server.packing import scan_blocks

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
        at, current, parts = 0, None, []
        for r in sess.cursor(tile_rows_query(sess, src)):
            if r["o"] != current and parts:
                yield at, _joined(parts)
                at, parts = at + parts[0].shape[0], []
            current = r["o"]
            tile = decode_tile(r["data"], r["nrows"], r["ncols"])
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


def dense_blocks_query(sess: Session, src: Source) -> str:
    """Blocks of ``$1`` rows as raw float8[] bytes: one GROUP BY, sorted by PostgreSQL (out of core)."""
    row, as_f8 = storage.dense_columns(sess, src.rel, src.cols, src.args, "matrix")
    return ("SELECT (" + row + " - 1) / $1 AS rb, indb_ml._float8_array_bytes(pg_catalog.array_agg(" + as_f8
            + " ORDER BY " + row + "), ''::bytea) AS b FROM " + src.rel.sql(sess) + " GROUP BY 1 ORDER BY 1")


def tile_rows_query(sess: Session, src: Source) -> str:
    """Tiles in block-row order (block-column order when transposed)."""
    outer, inner = ("col_block", "row_block") if src.args.trans else ("row_block", "col_block")
    return ("SELECT " + outer + " AS o, nrows, ncols, data FROM " + src.rel.sql(sess)
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

