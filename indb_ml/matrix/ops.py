"""MADlib's matrix operations over tables (the in-memory operator).

Each operation loads its operands (:mod:`indb_ml.matrix.storage`), computes with
numpy/scipy and writes the output table in the format asked (``fmt=`` in
``out_args``; by default the first input's). Operands are capped by
``indb_ml.matrix_memory_mb``.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from indb_ml.errors import InputError
from indb_ml.matrix import relational, storage, tile_ops
from indb_ml.matrix.args import parse_args
from indb_ml.server.relations import new_table
from indb_ml.server.session import Session, sql_entry


def _same_shape(a: storage.Loaded, b: storage.Loaded, op: str) -> None:
    if a.shape != b.shape:
        raise InputError(f"{op}: matrix_a is {a.shape[0]} x {a.shape[1]} but matrix_b is "
                         f"{b.shape[0]} x {b.shape[1]}", hint="both matrices must have the same shape")


def _binary(sess: Session, a, a_args, b, b_args, out, out_args, op: str, compute, fmt: str | None = None) -> list:
    left = storage.load(sess, a, a_args, "matrix_a")
    right = storage.load(sess, b, b_args, "matrix_b")
    rel, args, out_fmt = storage.create_output(sess, out, out_args, left)
    storage.store(sess, rel, args, args.fmt or fmt or out_fmt, compute(left, right))
    return [out]


@sql_entry
def matrix_mult(sess, a, a_args, b, b_args, out, out_args) -> list:
    """Chooses the operator (out_args ``op=`` forces one): tiles, join (sparse) or memory."""
    rel_a, args_a, fmt_a = storage.describe(sess, a, a_args, "matrix_a")
    rel_b, args_b, fmt_b = storage.describe(sess, b, b_args, "matrix_b")
    wanted, given = parse_args(out_args)
    tiles_ok = (fmt_a, fmt_b) == ("tiles", "tiles") and not (args_a.trans or args_b.trans)
    join_ok = (fmt_a, fmt_b) == ("sparse", "sparse") and wanted.fmt in (None, "sparse")
    op = wanted.op or ("tiles" if tiles_ok and wanted.fmt in (None, "tiles") else
                       "join" if join_ok and wanted.fmt == "sparse" else "memory")
    if op == "tiles":
        if not tiles_ok or wanted.fmt not in (None, "tiles"):
            raise InputError("matrix_mult: op=tiles needs two tile tables (no trans) and a tiled output",
                             hint="convert with matrix_reblock first, or use op=memory")
        _tiled_product(sess, rel_a, rel_b, out)
        return [out]
    if op == "join":
        if not join_ok:
            raise InputError("matrix_mult: op=join needs two sparse tables and a sparse output",
                             hint="convert with matrix_sparsify first, or use op=memory")
        rel_out = new_table(sess, out, "matrix_out")
        out_cols = wanted.with_defaults_from(args_a, given)
        relational.multiply_sparse(sess, (rel_a, args_a), (rel_b, args_b), rel_out, out_cols)
        return [out]

    def compute(x, y):
        if x.shape[1] != y.shape[0]:
            raise InputError(f"matrix_mult: matrix_a is {x.shape[0]} x {x.shape[1]} and matrix_b is "
                             f"{y.shape[0]} x {y.shape[1]}; the inner dimensions differ",
                             hint="use trans=true in a_args or b_args to transpose an operand")
        storage.check_size(sess, x.shape[0], y.shape[1], "the product")
        return x.value @ y.value

    # As MADlib: a product is dense unless out_args asks otherwise (it rarely stays sparse).
    return _binary(sess, a, a_args, b, b_args, out, out_args, "matrix_mult", compute, fmt="dense")


def _tiled_product(sess, rel_a, rel_b, out) -> None:
    """Tiles times tiles into tiles: a streaming join + aggregate per output tile, nothing loaded."""
    inner_a = tile_ops.block_sizes(sess, rel_a, "col")
    inner_b = tile_ops.block_sizes(sess, rel_b, "row")
    if inner_a != inner_b:
        raise InputError(
            f"matrix_mult: matrix_a has {sum(inner_a)} columns in blocks {inner_a[:5]}... and matrix_b has "
            f"{sum(inner_b)} rows in blocks {inner_b[:5]}...; the inner dimensions or their tiling differ",
            hint="reblock both with the same block size (matrix_reblock ... 'block=N')",
        )
    rel_out = new_table(sess, out, "matrix_out")
    tile_ops.multiply_tiles(sess, rel_a.sql(sess), rel_b.sql(sess), rel_out)


def _streamable(sess, names: list, out_args) -> list | None:
    """The tile relations, when every input is an untransposed tile table and the output is tiles."""
    wanted, _ = parse_args(out_args)
    if wanted.fmt not in (None, "tiles"):
        return None
    rels = []
    for name, args_text, arg_name in names:
        rel, args, fmt = storage.describe(sess, name, args_text, arg_name)
        if fmt != "tiles" or args.trans:
            return None
        rels.append(rel)
    return rels


def _elementwise(name: str, fn, tile_op: str):
    @sql_entry
    def op(sess, a, a_args, b, b_args, out, out_args) -> list:
        rels = _streamable(sess, [(a, a_args, "matrix_a"), (b, b_args, "matrix_b")], out_args)
        if rels and tile_ops.same_tiling(sess, *rels):
            tile_ops.map_tiles(sess, tile_op, rels[0], new_table(sess, out, "matrix_out"), rels[1])
            return [out]

        def compute(x, y):
            _same_shape(x, y, name)
            return fn(x.value, y.value)

        return _binary(sess, a, a_args, b, b_args, out, out_args, name, compute)

    op.__name__ = name
    return op


matrix_add = _elementwise("matrix_add", lambda x, y: x + y, "add")
matrix_sub = _elementwise("matrix_sub", lambda x, y: x - y, "sub")
def _elem_mult(x, y):
    if sparse.issparse(x):
        return x.multiply(y)
    return y.multiply(x) if sparse.issparse(y) else x * y


matrix_elem_mult = _elementwise("matrix_elem_mult", _elem_mult, "mul")


@sql_entry
def matrix_scalar_mult(sess, matrix_in, in_args, scalar, out, out_args) -> list:
    if scalar is None or not np.isfinite(scalar):
        raise InputError("matrix_scalar_mult: scalar must be a finite number")
    rels = _streamable(sess, [(matrix_in, in_args, "matrix_in")], out_args)
    if rels:
        tile_ops.map_tiles(sess, "scale", rels[0], new_table(sess, out, "matrix_out"), k=scalar)
        return [out]
    m = storage.load(sess, matrix_in, in_args, "matrix_in")
    rel, args, fmt = storage.create_output(sess, out, out_args, m)
    storage.store(sess, rel, args, fmt, m.value * scalar)
    return [out]


@sql_entry
def matrix_trans(sess, matrix_in, in_args, out, out_args) -> list:
    rels = _streamable(sess, [(matrix_in, in_args, "matrix_in")], out_args)
    if rels:
        tile_ops.map_tiles(sess, "trans", rels[0], new_table(sess, out, "matrix_out"))
        return [out]
    m = storage.load(sess, matrix_in, in_args, "matrix_in")
    rel, args, fmt = storage.create_output(sess, out, out_args, m)
    storage.store(sess, rel, args, fmt, m.value.T)
    return [out]


def _convert(fmt: str):
    @sql_entry
    def op(sess, matrix_in, in_args, out, out_args) -> list:
        wanted, _ = parse_args(out_args)
        if (wanted.fmt or fmt) == "tiles":
            rel = new_table(sess, out, "matrix_out")
            if storage.dense_to_tiles(sess, matrix_in, in_args, rel, wanted.block):
                return [out]
            m = storage.load(sess, matrix_in, in_args, "matrix_in")
            storage.store(sess, rel, wanted, "tiles", m.value)
            return [out]
        m = storage.load(sess, matrix_in, in_args, "matrix_in")
        rel, args, _ = storage.create_output(sess, out, out_args, m)
        storage.store(sess, rel, args, args.fmt or fmt, m.value)
        return [out]

    return op


matrix_densify = _convert("dense")
matrix_sparsify = _convert("sparse")
matrix_reblock = _convert("tiles")


@sql_entry
def matrix_vec_mult(sess, matrix_in, in_args, vector) -> list:
    if vector is None or any(v is None for v in vector):
        raise InputError("matrix_vec_mult: the vector must not be NULL or contain NULLs")
    rel, args, fmt = storage.describe(sess, matrix_in, in_args, "matrix_in")
    if fmt == "tiles" and not args.trans:
        result = tile_ops.multiply_vector(sess, rel, np.asarray(vector, dtype=np.float64))
        if result is None:
            raise InputError(f"matrix_vec_mult: the matrix has {sum(tile_ops.block_sizes(sess, rel, 'col'))} "
                             f"columns but the vector has {len(vector)} elements",
                             sqlstate=InputError.ARRAY_DIMENSIONS)
        return result.tolist()
    m = storage.load(sess, matrix_in, in_args, "matrix_in")
    if m.shape[1] != len(vector):
        raise InputError(f"matrix_vec_mult: the matrix has {m.shape[1]} columns but the vector has "
                         f"{len(vector)} elements", sqlstate=InputError.ARRAY_DIMENSIONS)
    return np.asarray(m.value @ np.asarray(vector, dtype=np.float64)).tolist()


@sql_entry
def matrix_ndims(sess, matrix_in, in_args) -> list:
    return list(storage.shape_of(sess, matrix_in, in_args, "matrix_in"))
