"""Relational plans over tiles: work per tile, never per row or per element.

``matrix_mult`` between two tiled matrices is one SQL statement: a join of the
tiles on the shared block index and, per output tile, the aggregate
``indb_ml.tile_mm`` (SFUNC: ``state + A_ik @ B_kj`` with BLAS; COMBINEFUNC:
tile addition; FINALFUNC: the tile's bytes). PostgreSQL streams the join, so
memory is bounded by a few tiles, and the aggregate merges, so the plan can run
in parallel workers (docs/design.md, section 3, strategy 3).

Compressed tiles (``codec`` other than ``raw``, see :mod:`indb_ml.compress`) are decoded
in the statement by ``indb_ml.tile_decode`` (:func:`indb_ml.compress.tiles.data_sql`), so
every operator reads them; outputs are raw tiles. ``matrix_vec_mult`` passes the codec to
the aggregate, which multiplies dictionary-coded tiles from their codes.
"""

from __future__ import annotations

import numpy as np

from indb_ml.compress.tiles import data_sql
from indb_ml.core import budget, distributed
from indb_ml.core.session import Session, sql_entry
from indb_ml.errors import InputError, state_errors
from indb_ml.kernels.tiles import (
    decode_state,
    decode_tile,
    product_bytes,
    tile_add_states,
    tile_mm_accumulate,
    tile_mv_accumulate,
    vector_add_bytes,
)
from indb_ml.matrix import writer


@sql_entry
@state_errors("tile_mm_transition")
def tile_mm_transition(sess, state, a, a_rows, a_cols, b, b_rows, b_cols, a_trans=False, b_trans=False,
                       budget_bytes=None):
    """``state + op(A) @ op(B)``; ``budget_bytes`` (passed by the SQL wrapper, which may run in
    a parallel worker) bounds the product, checked when the first pair fixes its shape."""
    left, right = decode_tile(a, a_rows, a_cols), decode_tile(b, b_rows, b_cols)
    left, right = left.T if a_trans else left, right.T if b_trans else right
    if state is None:
        budget.check_bytes(sess, product_bytes(left.shape, right.shape),
                           f"tile_mm: the product of a {left.shape[0]} x {left.shape[1]} and a "
                           f"{right.shape[0]} x {right.shape[1]} tile",
                           budget=budget.budget_bytes(sess) if budget_bytes is None else budget_bytes)
    return tile_mm_accumulate(state, left, right)


@sql_entry
@state_errors("tile_mm_combine")
def tile_mm_combine(sess, a, b):
    return tile_add_states(a, b)


@sql_entry
@state_errors("tile_mm_final")
def tile_mm_final(sess, state):
    return None if state is None else decode_state(state).tobytes()


@sql_entry
@state_errors("tile_mv_transition")
def tile_mv_transition(sess, state, data, nrows, ncols, col_offset, v):
    segment = np.frombuffer(v, dtype="<f8")[col_offset : col_offset + ncols]
    return tile_mv_accumulate(state, decode_tile(data, nrows, ncols), segment)


@sql_entry
@state_errors("tile_mv_combine")
def tile_mv_combine(sess, a, b):
    return vector_add_bytes(a, b)


def multiply_vector(sess: Session, rel, vector: np.ndarray) -> np.ndarray:
    """``M @ v`` for a tile table: one aggregate per block row, tiles streamed."""
    widths = block_sizes(sess, rel, "col")
    if sum(widths) != vector.size:
        return None
    offsets = np.concatenate([[0], np.cumsum(widths)[:-1]]).astype(int).tolist()
    rows = sess.execute(
        "SELECT row_block, indb_ml.tile_mv(data, codec, nrows, ncols, ($2::int4[])[col_block + 1], $1) AS part FROM "
        + rel.sql(sess) + " GROUP BY row_block ORDER BY row_block",
        [np.ascontiguousarray(vector, dtype="<f8").tobytes(), offsets],
        ["bytea", "int4[]"],
    )
    return np.concatenate([np.frombuffer(r["part"], dtype="<f8") for r in rows])


TILE_OPS = {
    "add": lambda a, b, k: a + b,
    "sub": lambda a, b, k: a - b,
    "mul": lambda a, b, k: a * b,
    "scale": lambda a, b, k: a * k,
    "trans": lambda a, b, k: a.T,
}


@sql_entry
def tile_op(sess, op, a, b, nrows, ncols, k):
    """One tile of an element-wise operation, a scaling or a transpose (``indb_ml.tile_op``)."""
    if op not in TILE_OPS:
        raise InputError(f"tile_op: unknown operation {op!r}", hint="one of " + ", ".join(TILE_OPS))
    if a is None:
        return None
    left = decode_tile(a, nrows, ncols)
    right = None if b is None else decode_tile(b, nrows, ncols)
    if op in ("add", "sub", "mul") and right is None:
        raise InputError(f"tile_op: {op} needs two tiles")
    if op == "scale" and k is None:
        raise InputError("tile_op: scale needs a factor")
    return np.ascontiguousarray(TILE_OPS[op](left, right, k), dtype="<f8").tobytes()


def same_tiling(sess: Session, rel_a, rel_b) -> bool:
    return all(block_sizes(sess, rel_a, axis) == block_sizes(sess, rel_b, axis) for axis in ("row", "col"))


def map_tiles(sess: Session, op: str, rel_a, out_rel, rel_b=None, k: float | None = None) -> None:
    """``out`` = op applied tile by tile (both inputs tiled alike): one INSERT ... SELECT, tiles streamed.
    On Citus the output is distributed like the inputs; two distributed inputs that are not colocated
    by ``row_block`` are joined by repartitioning (:mod:`indb_ml.core.distributed`)."""
    writer.create_tiles(sess, out_rel, (rel_a, rel_b))
    if rel_b is not None:
        with distributed.citus_errors(sess, "tile operation " + op, (rel_a, rel_b)), \
                distributed.repartition_joins(sess, rel_a, rel_b):
            _map_tiles(sess, op, rel_a, out_rel, rel_b)
        return
    _map_tiles(sess, op, rel_a, out_rel, rel_b, k)


def _map_tiles(sess: Session, op: str, rel_a, out_rel, rel_b=None, k: float | None = None) -> None:
    cols = "INSERT INTO " + out_rel.sql(sess) + " (row_block, col_block, nrows, ncols, data) "
    if op == "trans":
        sess.execute(cols + "SELECT col_block, row_block, ncols, nrows, indb_ml.tile_op('trans', " + data_sql()
                     + ", NULL, nrows, ncols, NULL) FROM " + rel_a.sql(sess))
    elif rel_b is None:
        sess.execute(cols + "SELECT row_block, col_block, nrows, ncols, indb_ml.tile_op($1, " + data_sql()
                     + ", NULL, nrows, ncols, $2) FROM " + rel_a.sql(sess), [op, k], ["text", "float8"])
    else:
        sess.execute(cols + "SELECT a.row_block, a.col_block, a.nrows, a.ncols, indb_ml.tile_op($1, "
                     + data_sql("a") + ", " + data_sql("b") + ", a.nrows, a.ncols, NULL) FROM " + rel_a.sql(sess)
                     + " a JOIN " + rel_b.sql(sess)
                     + " b ON a.row_block = b.row_block AND a.col_block = b.col_block", [op], ["text"])


def block_sizes(sess: Session, rel, axis: str) -> list:
    """Heights (axis='row') or widths (axis='col') of a tile table's blocks, by block index."""
    block, size = ("row_block", "nrows") if axis == "row" else ("col_block", "ncols")
    rows = sess.execute("SELECT " + block + " AS b, pg_catalog.max(" + size + ") AS s FROM " + rel.sql(sess)
                        + " GROUP BY 1 ORDER BY 1")
    return [r["s"] for r in rows]


def multiply_tiles(sess: Session, a_sql: str, b_sql: str, out, trans_a: bool = False, trans_b: bool = False,
                   like=None) -> None:
    """``out = op(a) @ op(b)`` for two tile tables whose block sizes line up (checked by the caller).

    A transposed operand swaps its block indices and sizes in the join, and the
    aggregate transposes its tiles, so ``AᵀA`` (the Gram matrix) streams like any product.
    ``like``: the operands, for the output's distribution on Citus (the caller chooses how
    distributed operands are joined: :func:`multiply_distributed`).
    """
    writer.create_tiles(sess, out, like)
    ai, ak, arows = ("col_block", "row_block", "ncols") if trans_a else ("row_block", "col_block", "nrows")
    bk, bj, bcols = ("col_block", "row_block", "nrows") if trans_b else ("row_block", "col_block", "ncols")
    sess.execute(
        "INSERT INTO " + out.sql(sess) + " (row_block, col_block, nrows, ncols, data) "
        "SELECT a." + ai + ", b." + bj + ", pg_catalog.max(a." + arows + "), pg_catalog.max(b." + bcols + "), "
        "indb_ml.tile_mm(" + data_sql("a") + ", a.nrows, a.ncols, $1, " + data_sql("b") + ", b.nrows, b.ncols, $2) "
        "FROM " + a_sql + " a JOIN " + b_sql + " b ON a." + ak + " = b." + bk + " GROUP BY a." + ai + ", b." + bj,
        [trans_a, trans_b], ["bool", "bool"],
    )


def multiply_distributed(sess: Session, rel_a, rel_b, out, trans_a: bool, trans_b: bool,
                         shape: tuple[int, int, int]) -> None:
    """:func:`multiply_tiles` when an operand is a Citus table (``shape``: m, k, n of the product).

    When ``A`` (untransposed) is distributed by ``row_block``, ``B`` is copied once to every node
    (a reference table) if that moves fewer bytes than a repartition join, and then every shard
    of ``A`` makes its own block rows of the result, written into the colocated output shard by
    shard; otherwise Citus repartitions the operands on the inner block index (both choices in
    :func:`indb_ml.core.distributed.join_strategy`)."""
    m, k, n = shape
    by_rows = not trans_a and distributed.distributed_by(sess, rel_a, "row_block")
    strategy = distributed.join_strategy(sess, by_rows, rel_b, 8.0 * m * k, 8.0 * k * n, 8.0 * m * n)
    sess.debug("matrix_mult: tiles on Citus, " + strategy + " join")
    with distributed.citus_errors(sess, "matrix_mult", (rel_a, rel_b)):
        if strategy == "broadcast":
            with distributed.reference_copy(sess, rel_b, out.schema) as copy:
                multiply_tiles(sess, rel_a.sql(sess), copy.sql(sess), out, trans_a, trans_b, (rel_a, rel_b))
        else:
            with distributed.repartition_joins(sess, rel_a, rel_b):
                multiply_tiles(sess, rel_a.sql(sess), rel_b.sql(sess), out, trans_a, trans_b, (rel_a, rel_b))
