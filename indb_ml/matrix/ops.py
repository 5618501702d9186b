"""MADlib's matrix operations over tables, and the choice of physical operator.

Four operators (``op=`` in ``out_args`` forces one, otherwise the choice is made from
the formats and the sizes, measured by the validation scan):

- ``tiles``: tile tables in and out; one INSERT ... SELECT per operation, tiles streamed
  (:mod:`indb_ml.matrix.tile_ops`), memory a few tiles, parallel-capable;
- ``join``: sparse times sparse as a join + GROUP BY run by PostgreSQL, out of core
  (:mod:`indb_ml.matrix.relational`);
- ``blocks``: dense rows streamed in blocks of whole rows through numpy
  (:mod:`indb_ml.matrix.pieces`), output written block by block; the other operand of a
  product is held in memory; memory: one block plus that operand;
- ``memory``: operands loaded whole, capped by ``indb_ml.matrix_memory_mb``.

Default: tiles when every operand is an untransposed tile table and the output is
tiles; blocks when the in-memory operator would exceed the cap and the operands
stream; for sparse products with a sparse output, memory when the inputs and the
product's worst-case entry count fit the cap, otherwise join; memory otherwise.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from indb_ml.core import budget, distributed, progress
from indb_ml.core.relations import new_table
from indb_ml.core.session import Session, sql_entry
from indb_ml.errors import InputError
from indb_ml.matrix import pieces, relational, storage, tile_ops, writer
from indb_ml.matrix.args import parse_args

CSR_ENTRY_BYTES = 40  # a product entry in scipy's CSR build plus its COO copy for writing


def _output(sess: Session, out, out_args, like: pieces.Source, default_fmt: str | None = None):
    """The output relation, its args (column names default to the input's) and format."""
    rel = new_table(sess, out, "matrix_out")
    args, given = parse_args(out_args)
    if "dims" in given:
        raise InputError("dims= describes an input sparse table; an output's shape is the result's",
                         hint="drop dims= from out_args")
    args = args.with_defaults_from(like.args, given)
    return rel, args, args.fmt or default_fmt or like.fmt


def _forced(wanted_op: str | None, allowed: tuple, op: str) -> str | None:
    if wanted_op is not None and wanted_op not in allowed:
        raise InputError(f"{op}: op={wanted_op} does not apply here", hint="use one of op=" + ", op=".join(allowed))
    return wanted_op


def _same_shape(a, b, op: str) -> None:
    if a.shape != b.shape:
        raise InputError(f"{op}: matrix_a is {a.shape[0]} x {a.shape[1]} but matrix_b is "
                         f"{b.shape[0]} x {b.shape[1]}", hint="both matrices must have the same shape")


def _keeps_block(sess, src, out_args) -> bool:
    """Tile-by-tile operators keep the input's tiling: only when out_args asks no other block=."""
    wanted, given = parse_args(out_args)
    if "block" not in given:
        return True
    heights = tile_ops.block_sizes(sess, src.rel, "row")
    widths = tile_ops.block_sizes(sess, src.rel, "col")
    return max(heights + widths) == wanted.block and all(h == wanted.block for h in heights[:-1] + widths[:-1])


def _untransposed_tiles(*sources) -> bool:
    return all(s.fmt == "tiles" and not s.args.trans for s in sources)


@sql_entry
def matrix_mult(sess, a, a_args, b, b_args, out, out_args) -> list:
    left = pieces.open_source(sess, a, a_args, "matrix_a")
    right = pieces.open_source(sess, b, b_args, "matrix_b")
    if left.shape[1] != right.shape[0]:
        raise InputError(f"matrix_mult: matrix_a is {left.shape[0]} x {left.shape[1]} and matrix_b is "
                         f"{right.shape[0]} x {right.shape[1]}; the inner dimensions differ",
                         hint="use trans=true in a_args or b_args to transpose an operand")
    wanted, _ = parse_args(out_args)
    op = _forced(wanted.op, ("memory", "blocks", "join", "tiles"), "matrix_mult") or _choose_mult(
        sess, left, right, wanted.fmt)
    sess.debug("matrix_mult: operator " + op)
    if op == "tiles":
        if (left.fmt, right.fmt) != ("tiles", "tiles") or wanted.fmt not in (None, "tiles"):
            raise InputError("matrix_mult: op=tiles needs two tile tables and a tiled output",
                             hint="convert with matrix_reblock first, or use op=memory")
        _tiled_product(sess, left, right, out)
    elif op == "join":
        if (left.fmt, right.fmt) != ("sparse", "sparse") or wanted.fmt not in (None, "sparse"):
            raise InputError("matrix_mult: op=join needs two sparse tables and a sparse output",
                             hint="convert with matrix_sparsify first, or use op=memory")
        rel, args, _ = _output(sess, out, out_args, left)
        relational.guarded(
            sess, lambda: relational.multiply_sparse(sess, (left.rel, left.args), (right.rel, right.args), rel, args),
            lambda: _memory_product(sess, left, right, out, out_args), wanted.op == "join", "matrix_mult")
    elif op == "blocks":
        _blocked_product(sess, left, right, out, out_args)
    else:
        _memory_product(sess, left, right, out, out_args)
    return [out]


def _memory_product(sess, left, right, out, out_args) -> None:
    x, y = pieces.load(sess, left).value, pieces.load(sess, right).value
    if not (sparse.issparse(x) and sparse.issparse(y)):
        storage.check_size(sess, x.shape[0], y.shape[1], "the product")
    else:
        worst = sparse_product_entries(x, y)
        budget.check_bytes(
            sess, 8 * (x.shape[0] + 1) + 16 * y.shape[1] + CSR_ENTRY_BYTES * worst,
            f"matrix_mult: the sparse product ({x.shape[0]} x {y.shape[1]}, up to {worst} entries)",
            hint="raise SET indb_ml.matrix_memory_mb (at most indb_ml.max_memory_mb), or use op=join with a "
                 "sparse output (out_args 'fmt=sparse, op=join'), which runs in SQL")
    # As MADlib: a product is dense unless out_args asks otherwise (it rarely stays sparse).
    rel, args, fmt = _output(sess, out, out_args, left, "dense")
    writer.store(sess, rel, args, fmt, x @ y, like=(left.rel, right.rel))


def sparse_product_entries(x, y) -> int:
    """An upper bound on the non-zeros of ``x @ y`` (scipy sparse arrays): the number of
    partial products, ``sum_k nnz(x[:, k]) * nnz(y[k, :])``, counted without converting either.

    >>> a = sparse.csr_array(np.ones((3, 1)))
    >>> sparse_product_entries(a, a.T)
    9
    """
    return int(np.dot(_line_counts(x, axis=0), _line_counts(y, axis=1)))


def _line_counts(m, axis: int) -> np.ndarray:
    """Stored entries per column (axis 0) or per row (axis 1), as int64."""
    fmt = m.format
    if fmt not in ("csr", "csc"):
        m = m.tocsr()
        fmt = "csr"
    along_pointers = (fmt == "csr") == (axis == 1)
    if along_pointers:
        return np.diff(m.indptr).astype(np.int64)
    return np.bincount(m.indices, minlength=m.shape[1 - axis]).astype(np.int64)


def _choose_mult(sess, left, right, out_fmt) -> str:
    if (left.fmt, right.fmt) == ("tiles", "tiles") and out_fmt in (None, "tiles"):
        return "tiles"
    limit = storage.limit_bytes(sess)
    if (left.fmt, right.fmt) == ("sparse", "sparse"):
        if out_fmt != "sparse":
            return "memory"
        worst = relational.product_entries_bound(sess, (left.rel, left.args), (right.rel, right.args))
        pointers = 8 * (max(left.shape) + max(right.shape) + 2)  # CSR row pointers of the operands
        return "memory" if left.nbytes + right.nbytes + pointers + CSR_ENTRY_BYTES * worst <= limit else "join"
    product = 8 * left.shape[0] * right.shape[1]
    dense_rows = left.fmt == "dense" and not left.args.trans  # a sparse "block" would be the whole matrix
    if left.nbytes + right.nbytes + product > limit and dense_rows and right.nbytes <= limit:
        return "blocks"
    return "memory"


def _tiled_product(sess, left, right, out) -> None:
    """Tiles times tiles into tiles (either may be transposed): a streaming join + aggregate per
    output tile, nothing loaded."""
    inner_a = tile_ops.block_sizes(sess, left.rel, "row" if left.args.trans else "col")
    inner_b = tile_ops.block_sizes(sess, right.rel, "col" if right.args.trans else "row")
    if inner_a != inner_b:
        raise InputError(
            f"matrix_mult: matrix_a's columns are tiled in blocks {inner_a[:5]}... and matrix_b's rows in "
            f"blocks {inner_b[:5]}...; the tiling differs",
            hint="reblock both with the same block size (matrix_reblock ... 'block=N')",
        )
    rel = new_table(sess, out, "matrix_out")
    if distributed.any_distributed(sess, (left.rel, right.rel)):
        tile_ops.multiply_distributed(sess, left.rel, right.rel, rel, left.args.trans, right.args.trans,
                                      (left.shape[0], left.shape[1], right.shape[1]))
        return
    tile_ops.multiply_tiles(sess, left.rel.sql(sess), right.rel.sql(sess), rel, left.args.trans, right.args.trans)


def _blocked_product(sess, left, right, out, out_args) -> None:
    """matrix_a streamed in blocks of rows, times matrix_b held in memory, written block by block."""
    if not pieces.has_row_pieces(left):
        raise InputError("matrix_mult: op=blocks streams matrix_a by rows, and a transposed dense table has none",
                         hint="drop trans=true (transpose matrix_b instead), reblock to tiles, or use op=memory")
    y = pieces.load(sess, right).value
    rel, args, fmt = _output(sess, out, out_args, left, "dense")
    w = writer.Writer(sess, rel, args, fmt, (left.shape[0], right.shape[1]), like=(left.rel, right.rel))
    rows = pieces.block_rows(sess, max(left.shape[1], right.shape[1]))
    for r0, block in pieces.row_pieces(sess, left, rows):
        # A tile row or a sparse matrix comes as one block, whatever row_block_mb says.
        storage.check_size(sess, block.shape[0], right.shape[1], "one block of the product")
        w.write(r0, block @ y)
    w.close()


def _elementwise(name: str, fn, tile_op: str):
    @sql_entry
    def op(sess, a, a_args, b, b_args, out, out_args) -> list:
        left = pieces.open_source(sess, a, a_args, "matrix_a")
        right = pieces.open_source(sess, b, b_args, "matrix_b")
        _same_shape(left, right, name)
        wanted, _ = parse_args(out_args)
        tiled = (_untransposed_tiles(left, right) and wanted.fmt in (None, "tiles")
                 and _keeps_block(sess, left, out_args) and tile_ops.same_tiling(sess, left.rel, right.rel))
        dense_rows = all(s.fmt == "dense" and not s.args.trans for s in (left, right))
        relational_ok = (left.fmt, right.fmt) == ("sparse", "sparse") and wanted.fmt in (None, "sparse")
        chosen = _forced(wanted.op, ("memory", "blocks", "join", "tiles"), name)

        def in_memory():
            x, y = pieces.load(sess, left).value, pieces.load(sess, right).value
            rel, args, fmt = _output(sess, out, out_args, left)
            writer.store(sess, rel, args, fmt, fn(x, y), like=(left.rel, right.rel))

        if chosen is None:
            over = left.nbytes + right.nbytes + 8 * left.shape[0] * left.shape[1] > storage.limit_bytes(sess)
            chosen = ("tiles" if tiled else "join" if relational_ok else "blocks" if dense_rows and over
                      else "memory")
        sess.debug(name + ": operator " + chosen)
        if chosen == "join":
            if not relational_ok:
                raise InputError(f"{name}: op=join needs two sparse tables and a sparse output",
                                 hint="use op=memory, or convert with matrix_sparsify first")
            rel, args, _ = _output(sess, out, out_args, left)
            relational.guarded(
                sess, lambda: relational.combine_sparse(sess, name, (left.rel, left.args), (right.rel, right.args),
                                                        rel, args),
                in_memory, wanted.op == "join", name)
        elif chosen == "tiles":
            if not tiled:
                raise InputError(f"{name}: op=tiles needs two tile tables tiled alike (no trans) and a tiled output",
                                 hint="convert with matrix_reblock first, or use op=memory")
            tile_ops.map_tiles(sess, tile_op, left.rel, new_table(sess, out, "matrix_out"), right.rel)
        elif chosen == "blocks":
            if not dense_rows:
                raise InputError(f"{name}: op=blocks streams two dense tables (no trans)",
                                 hint="use op=memory, or reblock both to tiles (matrix_reblock)")
            rel, args, fmt = _output(sess, out, out_args, left)
            w = writer.Writer(sess, rel, args, fmt, left.shape, like=(left.rel, right.rel))
            for r0, x, y in pieces.paired_dense_blocks(sess, left, right, pieces.block_rows(sess, left.shape[1])):
                w.write(r0, fn(x, y))
            w.close()
        else:
            in_memory()
        return [out]

    op.__name__ = name
    return op


def _elem_mult(x, y):
    if sparse.issparse(x):
        return x.multiply(y)
    return y.multiply(x) if sparse.issparse(y) else x * y


matrix_add = _elementwise("matrix_add", lambda x, y: x + y, "add")
matrix_sub = _elementwise("matrix_sub", lambda x, y: x - y, "sub")
matrix_elem_mult = _elementwise("matrix_elem_mult", _elem_mult, "mul")


def _unary(sess, name: str, src, out, out_args, fn, tile_op: str | None, k=None, default_fmt=None,
           relational_map: dict | None = None, prog: progress.Progress | None = None) -> None:
    """``out = fn(src)`` piece-wise on whole rows: tile by tile on tiles, as one SQL statement on
    sparse entries (``relational_map``: arguments of :func:`relational.map_sparse`), else
    streamed in row blocks where ``src`` has rows to stream, else in memory. ``prog`` (the
    conversions'): a step per row block streamed, else one before each statement or phase,
    labelled with the operator (tiles, join: one ``reblock`` statement; memory: ``load``, ``write``)."""
    wanted, _ = parse_args(out_args)
    chosen = _forced(wanted.op, ("memory", "blocks", "join", "tiles"), name)
    tiled = (tile_op is not None and _untransposed_tiles(src) and (wanted.fmt or default_fmt) in (None, "tiles")
             and _keeps_block(sess, src, out_args))
    relational_ok = relational_map is not None and src.fmt == "sparse" and (wanted.fmt or default_fmt) in (
        None, "sparse")
    if chosen is None:
        chosen = ("tiles" if tiled else "join" if relational_ok else "blocks" if pieces.has_row_pieces(src)
                  else "memory")
    sess.debug(name + ": operator " + chosen)
    if chosen == "join":
        if not relational_ok:
            raise InputError(f"{name}: op=join needs a sparse table and a sparse output", hint="use op=memory")
        rel, args, _ = _output(sess, out, out_args, src)

        def in_memory():
            rel2, args2, fmt2 = _output(sess, out, out_args, src, default_fmt)
            _step(prog, 1, 2, "load", "memory")
            value = fn(pieces.load(sess, src).value)
            _step(prog, 2, 2, "write", "memory")
            writer.store(sess, rel2, args2, fmt2, value, like=src.rel)

        _step(prog, 1, 1, "reblock", "join")
        relational.guarded(sess, lambda: relational.map_sparse(sess, (src.rel, src.args), rel, args, **relational_map),
                           in_memory, wanted.op == "join", name)
        return
    if chosen == "tiles":
        if not tiled:
            raise InputError(f"{name}: op=tiles needs an untransposed tile table and a tiled output",
                             hint="convert with matrix_reblock first, or use op=memory")
        _step(prog, 1, 1, "reblock", "tiles")
        tile_ops.map_tiles(sess, tile_op, src.rel, new_table(sess, out, "matrix_out"), k=k)
        return
    rel, args, fmt = _output(sess, out, out_args, src, default_fmt)
    if chosen == "blocks":
        if not pieces.has_row_pieces(src):
            raise InputError(f"{name}: op=blocks streams rows, and a transposed dense table has none",
                             hint="use op=memory, or reblock to tiles (matrix_reblock) first")
        w = writer.Writer(sess, rel, args, fmt, src.shape, like=src.rel)
        for r0, block in pieces.row_pieces(sess, src):
            w.write(r0, fn(block))
            if prog is not None:  # the conversions' report
                prog.step(rows_done=r0 + block.shape[0])
        w.close()
    else:
        _step(prog, 1, 2, "load", "memory")
        value = fn(pieces.load(sess, src).value)
        _step(prog, 2, 2, "write", "memory")
        writer.store(sess, rel, args, fmt, value, like=src.rel)


def _step(prog: progress.Progress | None, i: int, n: int, phase: str, operator: str) -> None:
    """Phase ``i`` of ``n`` of ``operator`` begins (nothing without a ``prog``)."""
    if prog is not None:
        prog.step(i, phase=phase, max_iter=n, label=operator)


@sql_entry
def matrix_scalar_mult(sess, matrix_in, in_args, scalar, out, out_args) -> list:
    if scalar is None or not np.isfinite(scalar):
        raise InputError("matrix_scalar_mult: scalar must be a finite number")
    src = pieces.open_source(sess, matrix_in, in_args, "matrix_in")
    _unary(sess, "matrix_scalar_mult", src, out, out_args, lambda x: x * scalar, "scale", k=scalar,
           relational_map={"scale": scalar})
    return [out]


@sql_entry
def matrix_trans(sess, matrix_in, in_args, out, out_args) -> list:
    """Tile by tile on tiles; otherwise the transposed source is read by rows (tile columns of a
    tile table), which a dense table cannot stream, so dense rows transpose in memory."""
    src = pieces.open_source(sess, matrix_in, in_args, "matrix_in")
    wanted, _ = parse_args(out_args)
    if _untransposed_tiles(src) and wanted.fmt in (None, "tiles") and wanted.op in (None, "tiles"):
        sess.debug("matrix_trans: operator tiles")
        tile_ops.map_tiles(sess, "trans", src.rel, new_table(sess, out, "matrix_out"))
        return [out]
    flipped = pieces.transposed(src)
    _unary(sess, "matrix_trans", flipped, out, out_args, lambda x: x, None, relational_map={})
    return [out]


def _convert(fmt: str):
    @sql_entry
    def op(sess, matrix_in, in_args, out, out_args) -> list:
        src = pieces.open_source(sess, matrix_in, in_args, "matrix_in")
        prog = progress.start(sess, "compress", rows_total=src.shape[0])  # phase 'reblock', a step per row block
        prog.stage("reblock")
        _unary(sess, op.__name__, src, out, out_args, lambda x: x, None, default_fmt=fmt, prog=prog)
        prog.done()
        return [out]

    op.__name__ = {"dense": "matrix_densify", "sparse": "matrix_sparsify", "tiles": "matrix_reblock"}[fmt]
    return op


matrix_densify = _convert("dense")
matrix_sparsify = _convert("sparse")
matrix_reblock = _convert("tiles")


@sql_entry
def matrix_vec_mult(sess, matrix_in, in_args, vector) -> list:
    """Tiles through the ``tile_mv`` aggregate, sparse entries through a GROUP BY, dense rows
    streamed piece by piece."""
    if vector is None or any(v is None for v in vector):
        raise InputError("matrix_vec_mult: the vector must not be NULL or contain NULLs")
    src = pieces.open_source(sess, matrix_in, in_args, "matrix_in")
    if src.shape[1] != len(vector):
        raise InputError(f"matrix_vec_mult: the matrix has {src.shape[1]} columns but the vector has "
                         f"{len(vector)} elements", sqlstate=InputError.ARRAY_DIMENSIONS)
    v = np.asarray(vector, dtype=np.float64)
    if _untransposed_tiles(src):
        return tile_ops.multiply_vector(sess, src.rel, v).tolist()

    def streamed():
        out = np.zeros(src.shape[0])
        for r0, c0, piece in pieces.pieces(sess, src):
            out[r0:r0 + piece.shape[0]] += piece @ v[c0:c0 + piece.shape[1]]
        return out

    if src.fmt == "sparse":
        return relational.guarded(sess, lambda: relational.times_vector(sess, (src.rel, src.args), v), streamed,
                                  False, "matrix_vec_mult").tolist()
    return streamed().tolist()


@sql_entry
def matrix_ndims(sess, matrix_in, in_args) -> list:
    """The shape, without loading the matrix; a sparse table's entries are validated in SQL."""
    src = pieces.open_source(sess, matrix_in, in_args, "matrix_in")
    if src.fmt == "sparse":
        return list(relational.shape(sess, src.rel, src.args, "matrix_in"))
    return list(src.shape)
