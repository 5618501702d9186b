"""Write matrices into tables, whole or one block of rows at a time, in the three formats.

A :class:`Writer` creates the output table, takes blocks (an ndarray or scipy sparse
array and the 0-based index of its first row) in any order, and adds the key when
closed: one index build after the load instead of an index insert per row. Values
travel as one bytea per batch and become ``float8[]`` in SQL, never text per element.
Because the whole operation runs in one transaction, a failure leaves no table.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from indb_ml.core.distributed import distribute_like
from indb_ml.core.relations import Relation
from indb_ml.core.session import Session
from indb_ml.kernels.tiles import encode_tile, split_tiles
from indb_ml.matrix.args import MatrixArgs
from indb_ml.matrix.storage import check_size

INSERT_BATCH = 1_000_000  # values per INSERT when writing dense rows


def create_tiles(sess: Session, rel: Relation, like=None) -> None:
    """A tile table keyed both ways: the primary key ``(row_block, col_block)`` finds a block row
    (matrix_extract_row, slices by rows), the index ``(col_block, row_block)`` a block column
    (matrix_extract_col), so extracting a line reads one band of tiles, not the table.
    ``like``: the inputs; when one is a Citus distributed table, the tiles are distributed by
    ``row_block`` (:func:`indb_ml.core.distributed.distribute_like`)."""
    sess.execute(
        "CREATE TABLE " + rel.sql(sess) + " (row_block integer, col_block integer, nrows integer, ncols integer, "
        "layout text NOT NULL DEFAULT 'dense', codec text NOT NULL DEFAULT 'raw', data bytea NOT NULL, "
        "PRIMARY KEY (row_block, col_block))"
    )
    sess.execute("CREATE INDEX ON " + rel.sql(sess) + " (col_block, row_block)")
    _uncompressed(sess, rel, "data")
    distribute_like(sess, rel, "row_block", like)


def _uncompressed(sess: Session, rel: Relation, column: str) -> None:
    """Out-of-line but not compressed: pglz finds a few matches in float64 bytes, so it tries the
    whole value before giving up (8 MB tiles wrote 2-4x slower); tiles encoded by
    :mod:`indb_ml.compress` gain nothing from pglz either, and out of line, reading a tile's
    24-byte header (matrix_info) fetches one TOAST chunk, not the tile."""
    sess.execute("ALTER TABLE " + rel.sql(sess) + " ALTER COLUMN " + sess.ident(column) + " SET STORAGE EXTERNAL")


class Writer:
    """An output matrix table being filled block by block.

    ``shape`` is the whole matrix's; a sparse table gets MADlib's explicit zero at
    ``(m, n)`` so that the shape survives. A tiles writer takes whole-row blocks in row
    order and cuts them into tiles of ``args.block``, holding back at most one partial
    tile row until the next block (or :meth:`close`) completes it. ``like``: the inputs, for
    :func:`~indb_ml.core.distributed.distribute_like` (the row index is the key).
    """

    def __init__(self, sess: Session, rel: Relation, args: MatrixArgs, fmt: str, shape: tuple[int, int],
                 encode=None, like=None):
        self.sess, self.rel, self.args, self.fmt, self.shape = sess, rel, args, fmt, shape
        # tiles: tile -> (layout, codec, data bytes); None writes raw float64 tiles
        self.encode = encode
        # tiles: rows not yet cut, the row expected next, the next tile row to insert
        self._pending, self._pending_rows, self._next_row, self._tile_row = [], 0, 0, 0
        t = rel.sql(sess)
        if fmt == "tiles":
            create_tiles(sess, rel, like)
        elif fmt == "sparse":
            r, c, v = sess.ident(args.row), sess.ident(args.col), sess.ident(args.val)
            sess.execute("CREATE TABLE " + t + " (" + r + " integer, " + c + " integer, " + v + " float8)")
            distribute_like(sess, rel, args.row, like)
        else:
            row, val = sess.ident(args.row), sess.ident(args.val)
            sess.execute("CREATE TABLE " + t + " (" + row + " integer, " + val + " float8[])")
            _uncompressed(sess, rel, args.val)
            distribute_like(sess, rel, args.row, like)

    def write(self, first_row: int, value) -> None:
        if self.fmt == "sparse":
            self._sparse(first_row, sparse.coo_array(value))
            return
        if sparse.issparse(value):
            check_size(self.sess, value.shape[0], value.shape[1], "a block of the output " + self.rel.name)
            value = value.toarray()
        value = np.asarray(value, dtype=np.float64)
        if self.fmt == "tiles":
            self._tiles(first_row, value)
        else:
            self._dense(first_row, value)

    def close(self) -> None:
        sess, t = self.sess, self.rel.sql(self.sess)
        if self._pending:
            self._emit_tiles(np.vstack(self._pending))
            self._pending, self._pending_rows = [], 0
        if self.fmt == "sparse":
            r, c = sess.ident(self.args.row), sess.ident(self.args.col)
            m, n = self.shape
            if m and n:
                sess.execute("INSERT INTO " + t + " SELECT $1, $2, 0 WHERE NOT EXISTS (SELECT 1 FROM " + t
                             + " WHERE " + r + " = $1 AND " + c + " = $2)", [m, n], ["int4", "int4"])
            sess.execute("ALTER TABLE " + t + " ADD PRIMARY KEY (" + r + ", " + c + ")")
        elif self.fmt == "dense":
            sess.execute("ALTER TABLE " + t + " ADD PRIMARY KEY (" + sess.ident(self.args.row) + ")")

    def _dense(self, first_row: int, m: np.ndarray) -> None:
        insert = ("INSERT INTO " + self.rel.sql(self.sess) + " SELECT $1 + i, indb_ml.float8_array_from_bytes("
                  "pg_catalog.substr($2, i * $3 + 1, $3)) FROM pg_catalog.generate_series(0, $4 - 1) AS i")
        step = max(INSERT_BATCH // max(m.shape[1], 1), 1)
        for start in range(0, m.shape[0], step):
            part = np.ascontiguousarray(m[start:start + step], dtype="<f8")
            self.sess.execute(insert, [first_row + start + 1, part.tobytes(), 8 * m.shape[1], part.shape[0]],
                              ["int4", "bytea", "int4", "int4"])

    def _sparse(self, first_row: int, m) -> None:
        keep = m.data != 0
        rows = m.row[keep].astype(np.int64) + 1 + first_row
        cols, vals = m.col[keep].astype(np.int64) + 1, m.data[keep]
        if not rows.size:
            return
        as_f8 = [np.ascontiguousarray(x, dtype="<f8").tobytes() for x in (rows, cols, vals)]
        self.sess.execute(
            "INSERT INTO " + self.rel.sql(self.sess) + " SELECT t.r::integer, t.c::integer, t.v FROM ROWS FROM ("
            "pg_catalog.unnest(indb_ml.float8_array_from_bytes($1)), "
            "pg_catalog.unnest(indb_ml.float8_array_from_bytes($2)), "
            "pg_catalog.unnest(indb_ml.float8_array_from_bytes($3))) AS t(r, c, v)",
            as_f8,
            ["bytea", "bytea", "bytea"],
        )

    def _tiles(self, first_row: int, m: np.ndarray) -> None:
        """Blocks wait in a list until they make whole tile rows, then are joined once (linear copying)."""
        if first_row != self._next_row:
            raise ValueError(f"tiles are written in row order: expected row {self._next_row}, got {first_row}")
        self._next_row += m.shape[0]
        self._pending.append(m)
        self._pending_rows += m.shape[0]
        if self._pending_rows < self.args.block:
            return
        rows = np.vstack(self._pending) if len(self._pending) > 1 else self._pending[0]
        whole = rows.shape[0] - rows.shape[0] % self.args.block
        rest = rows[whole:].copy()
        self._pending, self._pending_rows = ([rest], rest.shape[0]) if rest.shape[0] else ([], 0)
        self._emit_tiles(rows[:whole])

    def _emit_tiles(self, rows: np.ndarray) -> None:
        """Cut ``rows`` (starting on a tile row) into tiles and insert them."""
        block = self.args.block
        insert = ("INSERT INTO " + self.rel.sql(self.sess) + " (row_block, col_block, nrows, ncols, layout, codec, "
                  "data) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        for i, j, tile in split_tiles(rows, block):
            layout, codec, data = self.encode(tile) if self.encode else ("dense", "raw", encode_tile(tile))
            self.sess.execute(insert, [self._tile_row + i, j, tile.shape[0], tile.shape[1], layout, codec, data],
                              ["int4", "int4", "int4", "int4", "text", "text", "bytea"])
        self._tile_row += -(-rows.shape[0] // block)


def store(sess: Session, rel: Relation, args: MatrixArgs, fmt: str, value, like=None) -> None:
    """Create ``rel`` and write the whole of ``value`` in ``fmt`` (``like``: as :class:`Writer`'s)."""
    writer = Writer(sess, rel, args, fmt, value.shape, like=like)
    writer.write(0, value)
    writer.close()
