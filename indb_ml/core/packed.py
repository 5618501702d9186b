"""Rows packed once into numpy blocks per group, held in memory for iterative trainers.

One chunked scan (:mod:`indb_ml.core.packing`) hands over blocks of ``[y, x...]`` rows;
they are kept per group (SQL-equal group keys merged), so that IRLS and similar methods
iterate over memory at numpy speed instead of rescanning the table. The total is capped
by ``indb_ml.matrix_memory_mb`` with an error that says so.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from indb_ml.core import packing
from indb_ml.core.groups import canonical_keys
from indb_ml.core.session import Session
from indb_ml.errors import InputError
from indb_ml.matrix.storage import limit_bytes
from indb_ml.regress.linregr import check_block


class TooBig(InputError):
    """The packed rows exceed the memory cap (trainers without grouping then stream tiles)."""


COALESCE_BYTES = 1 << 20  # blocks of at least 1 MB: a pass's numpy calls amortize their overhead


class MemoryRows:
    """One group's packed blocks held in memory: ``blocks()`` yields ``(X, y)`` afresh.

    The scan hands over one block per 1 MB heap chunk (a few thousand rows). The passes of
    the iterative methods cut blocks into slices of about 1 MB anyway (cache-sized, measured
    fastest: :func:`indb_ml.kernels.logregr.slices`), so only blocks smaller than that are
    merged here (narrow rows, small groups), consuming ``parts`` as they go."""

    def __init__(self, parts: list, merge: bool = True):
        self.width = parts[0].shape[1] - 1
        if not merge:  # the caller copies the blocks into its own layout anyway (drain)
            self.parts = parts
            return
        merged, pending, size = [], [], 0
        while parts:
            block = parts.pop(0)
            pending.append(block)
            size += block.nbytes
            if size >= COALESCE_BYTES:
                merged.append(np.vstack(pending) if len(pending) > 1 else pending[0])
                pending, size = [], 0
        if pending:
            merged.append(np.vstack(pending) if len(pending) > 1 else pending[0])
        self.parts = merged

    def blocks(self):
        return ((b[:, 1:], b[:, 0]) for b in self.parts)

    def drain(self):
        """``(X, y)`` like :meth:`blocks`, once, letting go of each block after it is read: for a
        copy in another layout without holding the data twice."""
        while self.parts:
            b = self.parts.pop(0)
            yield b[:, 1:], b[:, 0]


class TileRows:
    """One group's rows ``[y, x...]`` reblocked once into a temporary tile table, for iterative
    trainers whose data exceed the memory cap: every pass streams the tile rows
    (docs/design.md, section 3, strategy 3), so memory holds one tile row, not the data. Same interface as
    :class:`MemoryRows`. ``rows`` is a temporary table ``(row_num, val)`` of complete rows;
    it is consumed."""

    _count = 0

    def __init__(self, sess: Session, rows: str, check_y, what: str):
        from indb_ml.matrix import ops, pieces

        TileRows._count += 1
        self.sess = sess
        self.tiles = f"pg_temp.indb_ml_tiles_{TileRows._count}"
        ops.matrix_reblock(sess.plpy, rows, "row=row_num, val=val", self.tiles, "block=1000")
        sess.execute("DROP TABLE " + rows)
        self.width = pieces.open_source(sess, self.tiles, "", "rows").shape[1] - 1
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

    def close(self) -> None:
        self.sess.execute("DROP TABLE IF EXISTS " + self.tiles)


def training_rows(sess: Session, source, features, check_y: Callable[[np.ndarray], str | None], what: str):
    """``({group: MemoryRows | TileRows}, {group: rows skipped}, close)`` for iterative trainers.

    Under ``indb_ml.matrix_memory_mb`` the rows are packed into memory (:func:`packed_groups`);
    above it every group is reblocked once into temporary tiles that each pass streams.
    ``close()`` drops the temporary tables (an error rolls them back with everything else).
    """
    try:
        groups, skipped = packed_groups(sess, source, features, check_y, what)
    except TooBig:
        streamed, skipped = _tile_groups(sess, source, features, check_y, what)
        sess.debug(f"{what}: the rows exceed indb_ml.matrix_memory_mb; streaming temporary tiles for "
                   f"{len(streamed)} group(s)")
        return streamed, skipped, lambda: [t.close() for t in streamed.values()]
    return {g: MemoryRows(p) for g, p in groups.items() if p}, skipped, lambda: None


def _tile_groups(sess: Session, source, features, check_y, what: str):
    """Every group's complete rows into its own temporary tile table, from one numbered copy.

    Groups are numbered by ``dense_rank()`` over the grouping columns, so SQL-equal keys
    (numeric 1.0 and 1.00) are one group, as :func:`indb_ml.core.groups.canonical_keys` makes them.
    """
    TileRows._count += 1
    rows = f"indb_ml_rows_{TileRows._count}"
    cols = [sess.ident(g) for g in features.group_cols]
    if cols:
        gid = "pg_catalog.dense_rank() OVER (ORDER BY " + ", ".join(cols) + ")"
        pairs = ", ".join(sess.literal(g) + ", " + c for g, c in zip(features.group_cols, cols))
        gkey = "pg_catalog.jsonb_build_object(" + pairs + ")::text"
    else:
        gid, gkey = "1", "NULL::text"
    sess.execute("CREATE TEMPORARY TABLE " + rows + " AS SELECT (" + gid + ")::integer AS gid, " + gkey
                 + " AS gkey, indb_ml_r AS val, (indb_ml_r IS NOT NULL AND pg_catalog.array_position(indb_ml_r, "
                 "NULL) IS NULL) AS ok FROM (SELECT " + "".join(c + ", " for c in cols) + features.row_sql
                 + " AS indb_ml_r FROM " + source.sql(sess) + ") s")
    keys = sess.execute("SELECT gid, pg_catalog.array_agg(DISTINCT gkey) AS variants, pg_catalog.count(*) FILTER "
                        "(WHERE NOT ok) AS skipped, pg_catalog.count(*) FILTER (WHERE ok) AS used FROM pg_temp."
                        + rows + " GROUP BY gid ORDER BY gid")
    # The key spelling written out is the one packed_groups would choose for the same values.
    canon = canonical_keys(sess, source, features.group_cols, [v for k in keys for v in k["variants"]])
    streamed, skipped = {}, {}
    for k in keys:
        gkey = canon[k["variants"][0]]
        skipped[gkey] = int(k["skipped"])
        if not k["used"]:
            continue
        part = rows + "_g"
        sess.execute("CREATE TEMPORARY TABLE " + part + " AS SELECT (pg_catalog.row_number() OVER ())::integer "
                     "AS row_num, val FROM pg_temp." + rows + " WHERE ok AND gid = " + str(int(k["gid"])))
        streamed[gkey] = TileRows(sess, "pg_temp." + part, check_y, what)
    sess.execute("DROP TABLE pg_temp." + rows)
    return streamed, skipped


def packed_groups(sess: Session, source, features, check_y: Callable[[np.ndarray], str | None], what: str):
    """``({group: [blocks]}, {group: rows skipped})``; ``check_y`` says why a dependent is invalid."""
    blocks: dict = {}
    skipped: dict = {}
    width, total, cap = None, 0, limit_bytes(sess)
    for gkey, n_skipped, block in packing.scan_blocks(sess, source, features, finite=True):
        skipped[gkey] = skipped.get(gkey, 0) + n_skipped
        if block.size == 0:
            continue
        width = check_block(block, width, finite_checked=True)
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
