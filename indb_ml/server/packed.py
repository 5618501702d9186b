"""Rows packed once into numpy blocks per group, held in memory for iterative trainers.

One chunked scan (:mod:`indb_ml.server.packing`) hands over blocks of ``[y, x...]`` rows;
they are kept per group (SQL-equal group keys merged), so that IRLS and similar methods
iterate over memory at numpy speed instead of rescanning the table. The total is capped
by ``indb_ml.matrix_memory_mb`` with an error that says so.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from indb_ml.errors import InputError
from indb_ml.matrix.storage import limit_bytes
from indb_ml.server import packing
from indb_ml.server.groups import canonical_keys
from indb_ml.server.linregr import check_block
from indb_ml.server.session import Session


class TooBig(InputError):
    """The packed rows exceed the memory cap (trainers without grouping then stream tiles)."""


class TileRows:
    """The rows ``[y, x...]`` (NULL rows dropped) reblocked once into a temporary tile table,
    for iterative trainers whose data exceed the memory cap: every pass streams the tile rows
    (DESIGN.md strategy 3), so memory holds one tile row, not the data."""

    _count = 0

    def __init__(self, sess: Session, source, features, check_y, what: str):
        from indb_ml.matrix import ops

        TileRows._count += 1
        self.sess = sess
        rows = f"pg_temp.indb_ml_rows_{TileRows._count}"
        self.tiles = rows + "_t"
        sess.execute("CREATE TEMPORARY TABLE " + rows.split(".", 1)[1] + " AS SELECT (pg_catalog.row_number() "
                     "OVER ())::integer AS row_num, r AS val FROM (SELECT " + features.row_sql + " AS r FROM "
                     + source.sql(sess) + ") s WHERE r IS NOT NULL AND pg_catalog.array_position(r, NULL) IS NULL")
        counts = sess.one("SELECT (SELECT pg_catalog.count(*) FROM " + source.sql(sess) + ") AS total, "
                          "pg_catalog.count(*) AS used FROM " + rows)
        if counts["used"] == 0:
            raise InputError("no rows to train on", sqlstate=InputError.NO_DATA)
        self.used, self.skipped = int(counts["used"]), int(counts["total"] - counts["used"])
        ops.matrix_reblock(sess.plpy, rows, "row=row_num, val=val", self.tiles, "block=1000")
        sess.execute("DROP TABLE " + rows)
        width = None
        for x, y in self.blocks():  # one validating pass, as packed_groups validates its blocks
            width = check_block(np.column_stack([y, x]), width)
            problem = check_y(y)
            if problem:
                raise InputError(f"{what}: {problem}", hint="check dependent_varname",
                                 sqlstate=InputError.DATATYPE_MISMATCH)

    def blocks(self):
        """``(X, y)`` per tile row, afresh on every call."""
        from indb_ml.matrix import pieces

        src = pieces.open_source(self.sess, self.tiles, "", "rows")
        for _, block in pieces.row_pieces(self.sess, src):
            yield block[:, 1:], block[:, 0]

    @property
    def width(self) -> int:
        """The number of features."""
        from indb_ml.matrix import pieces

        return pieces.open_source(self.sess, self.tiles, "", "rows").shape[1] - 1

    def close(self) -> None:
        self.sess.execute("DROP TABLE IF EXISTS " + self.tiles)


def packed_groups(sess: Session, source, features, check_y: Callable[[np.ndarray], str | None], what: str):
    """``({group: [blocks]}, {group: rows skipped})``; ``check_y`` says why a dependent is invalid."""
    blocks: dict = {}
    skipped: dict = {}
    width, total, cap = None, 0, limit_bytes(sess)
    for gkey, n_skipped, block in packing.scan_blocks(sess, source, features):
        skipped[gkey] = skipped.get(gkey, 0) + n_skipped
        if block.size == 0:
            continue
        width = check_block(block, width)
        problem = check_y(block[:, 0])
        if problem:
            raise InputError(f"{what}: {problem}", hint="check dependent_varname and the family",
                             sqlstate=InputError.DATATYPE_MISMATCH)
        total += block.nbytes
        if total > cap:
            raise TooBig(f"{what} holds the packed data in memory, and it exceeds indb_ml.matrix_memory_mb "
                         f"({cap // 2**20} MB)", hint="raise SET indb_ml.matrix_memory_mb")
        blocks.setdefault(gkey, []).append(block)
    keymap = canonical_keys(sess, source, features.group_cols, skipped)
    merged: dict = {}
    merged_skipped: dict = {}
    for raw, canon in keymap.items():
        merged_skipped[canon] = merged_skipped.get(canon, 0) + skipped[raw]
        merged.setdefault(canon, []).extend(blocks.get(raw, []))
    return merged, merged_skipped
