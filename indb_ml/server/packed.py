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
            raise InputError(f"{what} holds the packed data in memory, and it exceeds indb_ml.matrix_memory_mb "
                             f"({cap // 2**20} MB)", hint="raise SET indb_ml.matrix_memory_mb")
        blocks.setdefault(gkey, []).append(block)
    keymap = canonical_keys(sess, source, features.group_cols, skipped)
    merged: dict = {}
    merged_skipped: dict = {}
    for raw, canon in keymap.items():
        merged_skipped[canon] = merged_skipped.get(canon, 0) + skipped[raw]
        merged.setdefault(canon, []).extend(blocks.get(raw, []))
    return merged, merged_skipped
