"""Sparse matrices as relational plans: joins, UNION ALL and GROUP BY, run by PostgreSQL.

``C[i, j] = sum_k A[i, k] * B[k, j]`` is ``SELECT a.row, b.col, sum(a.val * b.val)
FROM a JOIN b ON a.col = b.row GROUP BY 1, 2``: PostgreSQL runs it out of core
(hash or sort, spilling to disk) and in parallel, so neither operand nor the
result is held in Python (docs/design.md, section 3, strategy 4). Transposes, scalings,
element-wise sums and products, and reductions over sparse entries are the same kind
of plan; only a reduction's result vector comes back to Python.
"""

from __future__ import annotations

import functools

import numpy as np

from indb_ml.core import distributed
from indb_ml.core.relations import Relation
from indb_ml.core.session import Session
from indb_ml.errors import InputError
from indb_ml.kernels.arraybytes import float8_array_from_body
from indb_ml.matrix import storage
from indb_ml.matrix.args import MatrixArgs

MAX_KILOBYTES = 2**31 - 1  # the largest work_mem PostgreSQL accepts


def budget(sess: Session):
    """Sorts, hashes and index builds of these plans may use ``indb_ml.matrix_memory_mb`` (the
    same budget as the in-memory operator) when that is more than work_mem and
    maintenance_work_mem allow; the settings are restored afterwards."""
    cap_kb = min(storage.limit_bytes(sess) // 1024, MAX_KILOBYTES)
    values = {}
    for name in ("work_mem", "maintenance_work_mem"):
        current = sess.one("SELECT setting::bigint AS kb FROM pg_catalog.pg_settings WHERE name = $1",
                           [name], ["text"])["kb"]
        if cap_kb > current:
            values[name] = str(cap_kb) + "kB"
    return sess.settings(values)


def _coords(sess: Session, args: MatrixArgs, alias: str = "") -> tuple[str, str, str]:
    """Quoted (row, col, val) columns, ``val`` as float8; trans=true swaps row and col."""
    p = alias + "." if alias else ""
    r, c, v = p + sess.ident(args.row), p + sess.ident(args.col), "(" + p + sess.ident(args.val) + ")::float8"
    return (c, r, v) if args.trans else (r, c, v)


def shape(sess: Session, rel: Relation, args: MatrixArgs, arg_name: str) -> tuple[int, int]:
    """Validate a sparse table in SQL (no NULLs, 1-based, no duplicates) and return its shape after trans."""
    storage.require_sparse_columns(sess, rel, None, args, arg_name)
    r, c, v = _coords(sess, args)
    where = f"{arg_name} {rel.schema}.{rel.name}"
    stats = sess.one(
        "SELECT pg_catalog.max(" + r + ") AS m, pg_catalog.max(" + c + ") AS n, LEAST(pg_catalog.min("
        + r + "), pg_catalog.min(" + c + ")) AS lo, pg_catalog.count(*) FILTER (WHERE " + r + " IS NULL OR "
        + c + " IS NULL OR " + v + " IS NULL) AS nulls FROM " + rel.sql(sess)
    )
    if stats["m"] is None and args.dims is None:
        raise InputError(f"{where} is empty", sqlstate=InputError.NO_DATA)
    if stats["nulls"]:
        raise InputError(f"{where} has NULL row, column or value entries", sqlstate=InputError.NO_DATA)
    if stats["lo"] is not None and stats["lo"] < 1:
        raise InputError(f"{where}: row and column indices start at 1")
    if not _has_unique_key(sess, rel, args) and sess.one(
            "SELECT 1 AS d FROM " + rel.sql(sess) + " GROUP BY " + r + ", " + c
            + " HAVING pg_catalog.count(*) > 1 LIMIT 1"):
        raise InputError(f"{where} has duplicate (row, col) entries", hint="aggregate them first")
    stored = (stats["n"], stats["m"]) if args.trans else (stats["m"], stats["n"])
    dims = storage.sparse_dims(rel, args, *stored, arg_name)
    return (dims[1], dims[0]) if args.trans else dims


def _has_unique_key(sess: Session, rel: Relation, args: MatrixArgs) -> bool:
    """A unique index on exactly (row, col) proves there are no duplicates without a GROUP BY."""
    return bool(sess.one(
        "SELECT 1 AS u FROM pg_catalog.pg_index i WHERE i.indrelid = $1::regclass AND i.indisunique "
        "AND i.indimmediate AND i.indisvalid "
        "AND i.indpred IS NULL AND i.indnkeyatts = 2 AND (SELECT pg_catalog.array_agg(a.attname::text ORDER BY "
        "a.attname::text) FROM pg_catalog.pg_attribute a WHERE a.attrelid = i.indrelid "
        "AND a.attnum = ANY (i.indkey::int2[])) = (SELECT pg_catalog.array_agg(x ORDER BY x) FROM "
        "pg_catalog.unnest($2::text[]) x) LIMIT 1",
        [rel.sql(sess), [args.row, args.col]], ["text", "text[]"]))


OUT_OF_RANGE = "22003"  # PostgreSQL's float8 arithmetic raises this where numpy gives inf or 0


def guarded(sess: Session, plan, fallback, forced: bool, what: str):
    """Run ``plan()`` in a subtransaction; if PostgreSQL's float8 arithmetic overflows or
    underflows (an error there, inf or 0 in numpy), undo it and run ``fallback()`` (the
    in-memory operator) instead, or say so when ``op=join`` was forced."""
    try:
        with sess.plpy.subtransaction():
            return plan()
    except sess.spi_error as exc:
        if getattr(exc, "sqlstate", None) != OUT_OF_RANGE:
            raise
        if forced:
            raise InputError(f"{what}: PostgreSQL's float8 arithmetic overflowed or underflowed in op=join, "
                             "where numpy gives inf or 0", hint="use op=memory") from None
        sess.debug(what + ": float8 out of range in SQL; operator memory instead")
        return fallback()


def _budgeted(func):
    """Run a plan under :func:`budget`."""
    @functools.wraps(func)
    def wrapper(sess, *args, **kwargs):
        with budget(sess):
            return func(sess, *args, **kwargs)

    return wrapper


def _create(sess: Session, out: Relation, out_args: MatrixArgs, like=None) -> tuple[str, str, str]:
    """The sparse output table; distributed by its row column when an input (``like``) is distributed."""
    r, c, v = sess.ident(out_args.row), sess.ident(out_args.col), sess.ident(out_args.val)
    sess.execute("CREATE TABLE " + out.sql(sess) + " (" + r + " integer, " + c + " integer, " + v + " float8)")
    distributed.distribute_like(sess, out, out_args.row, like)
    return r, c, v


def _finish(sess: Session, out: Relation, cols: tuple, m: int, n: int) -> None:
    """MADlib's convention: the (m, n) entry is present, even as a zero, to carry the shape; then the key."""
    r, c, _ = cols
    table = out.sql(sess)
    sess.execute("INSERT INTO " + table + " SELECT $1, $2, 0 WHERE NOT EXISTS (SELECT 1 FROM " + table + " WHERE "
                 + r + " = $1 AND " + c + " = $2)", [m, n], ["int4", "int4"])
    sess.execute("ALTER TABLE " + table + " ADD PRIMARY KEY (" + r + ", " + c + ")")


@_budgeted
def multiply_sparse(sess: Session, a: tuple, b: tuple, out: Relation, out_args: MatrixArgs) -> None:
    """``out = A @ B`` for two sparse tables ``(rel, args)``; ``out`` in sparse format."""
    (rel_a, args_a), (rel_b, args_b) = a, b
    m, inner_a = shape(sess, rel_a, args_a, "matrix_a")
    inner_b, n = shape(sess, rel_b, args_b, "matrix_b")
    if inner_a != inner_b:
        raise InputError(f"matrix_mult: matrix_a is {m} x {inner_a} and matrix_b is {inner_b} x {n}; "
                         "the inner dimensions differ",
                         hint="use trans=true in a_args or b_args to transpose an operand")
    ar, ac, av = _coords(sess, args_a, "a")
    br, bc, bv = _coords(sess, args_b, "b")
    cols = _create(sess, out, out_args, (rel_a, rel_b))
    product = "pg_catalog.sum(" + av + " * " + bv + ")"

    def run(b_sql: str) -> None:
        sess.execute("INSERT INTO " + out.sql(sess) + " SELECT " + ar + ", " + bc + ", " + product + " FROM "
                     + rel_a.sql(sess) + " a JOIN " + b_sql + " b ON " + ac + " = " + br
                     + " GROUP BY 1, 2 HAVING " + product + " <> 0")

    if distributed.any_distributed(sess, (rel_a, rel_b)):
        _multiply_distributed(sess, a, b, out, (m, n), run)
    else:
        run(rel_b.sql(sess))
    _finish(sess, out, cols, m, n)


def _multiply_distributed(sess: Session, a: tuple, b: tuple, out: Relation, shape: tuple[int, int], run) -> None:
    """The join of :func:`multiply_sparse` when an operand is a Citus table: matrix_b copied to every
    node when matrix_a is distributed by its row column and that moves fewer bytes, else a
    repartition join (:func:`indb_ml.core.distributed.join_strategy`; an entry is ~16 bytes)."""
    (rel_a, args_a), (rel_b, _) = a, b
    row_col = args_a.col if args_a.trans else args_a.row
    by_rows = distributed.distributed_by(sess, rel_a, row_col)
    nnz = [sess.one("SELECT pg_catalog.count(*) AS n FROM " + r.sql(sess))["n"] for r in (rel_a, rel_b)]
    result = min(shape[0] * shape[1], product_entries_bound(sess, a, b)) if by_rows else 0
    strategy = distributed.join_strategy(sess, by_rows, rel_b, 16.0 * nnz[0], 16.0 * nnz[1], 16.0 * result)
    sess.debug("matrix_mult: sparse join on Citus, " + strategy)
    with distributed.citus_errors(sess, "matrix_mult", (rel_a, rel_b)):
        if strategy == "broadcast":
            with distributed.reference_copy(sess, rel_b, out.schema) as copy:
                run(copy.sql(sess))
        else:
            with distributed.repartition_joins(sess, rel_a, rel_b):
                run(rel_b.sql(sess))


@_budgeted
def map_sparse(sess: Session, a: tuple, out: Relation, out_args: MatrixArgs, scale: float = 1.0,
               transpose: bool = False) -> None:
    """``out = scale * A`` (or its transpose): one INSERT ... SELECT over the entries."""
    rel, args = a
    m, n = shape(sess, rel, args, "matrix_in")
    r, c, v = _coords(sess, args)
    if transpose:
        r, c, m, n = c, r, n, m
    cols = _create(sess, out, out_args, rel)
    if scale != 0.0:
        sess.execute("INSERT INTO " + out.sql(sess) + " SELECT " + r + ", " + c + ", " + v + " * $1 FROM "
                     + rel.sql(sess) + " WHERE " + v + " * $1 <> 0", [scale], ["float8"])
    _finish(sess, out, cols, m, n)


@_budgeted
def combine_sparse(sess: Session, op: str, a: tuple, b: tuple, out: Relation, out_args: MatrixArgs) -> None:
    """``out = A + B``, ``A - B`` (a FULL JOIN on (row, col)) or ``A .* B`` (an inner join)."""
    (rel_a, args_a), (rel_b, args_b) = a, b
    shape_a = shape(sess, rel_a, args_a, "matrix_a")
    shape_b = shape(sess, rel_b, args_b, "matrix_b")
    if shape_a != shape_b:
        raise InputError(f"{op}: matrix_a is {shape_a[0]} x {shape_a[1]} but matrix_b is "
                         f"{shape_b[0]} x {shape_b[1]}", hint="both matrices must have the same shape")
    ar, ac, av = _coords(sess, args_a, "a")
    br, bc, bv = _coords(sess, args_b, "b")
    cols = _create(sess, out, out_args, (rel_a, rel_b))
    if op == "matrix_elem_mult":
        query = ("SELECT " + ar + ", " + ac + ", " + av + " * " + bv + " FROM " + rel_a.sql(sess) + " a JOIN "
                 + rel_b.sql(sess) + " b ON " + ar + " = " + br + " AND " + ac + " = " + bc + " WHERE "
                 + av + " * " + bv + " <> 0")
    else:
        # A FULL JOIN on (row, col) (hashed, or merged along the keys) costs a third less than
        # UNION ALL + GROUP BY, whose group count PostgreSQL underestimates badly.
        total = ("COALESCE(" + av + ", 0) " + ("-" if op == "matrix_sub" else "+") + " COALESCE(" + bv + ", 0)")
        query = ("SELECT COALESCE(" + ar + ", " + br + "), COALESCE(" + ac + ", " + bc + "), " + total + " FROM "
                 + rel_a.sql(sess) + " a FULL JOIN " + rel_b.sql(sess) + " b ON " + ar + " = " + br + " AND "
                 + ac + " = " + bc + " WHERE " + total + " <> 0")
    if op != "matrix_elem_mult" and distributed.any_distributed(sess, (rel_a, rel_b)):
        _full_join_colocated(sess, op, a, b, out, (ar, ac, av), (br, bc, bv))
    else:
        with distributed.citus_errors(sess, op, (rel_a, rel_b)), distributed.repartition_joins(sess, rel_a, rel_b):
            sess.execute("INSERT INTO " + out.sql(sess) + " " + query)
    _finish(sess, out, cols, *shape_a)


def _by_coordinate(sess: Session, rel: Relation, args: MatrixArgs) -> str | None:
    """'row' or 'col': the coordinate (after trans) a hash-distributed sparse table is distributed
    by; None when it is not hash-distributed by one of its coordinates."""
    d = distributed.distribution(sess, rel)
    if d is None or not d.hashed or d.column not in (args.row, args.col):
        return None
    stored = "row" if d.column == args.row else "col"
    return {"row": "col", "col": "row"}[stored] if args.trans else stored


def _full_join_colocated(sess: Session, op: str, a: tuple, b: tuple, out: Relation, ca: tuple, cb: tuple) -> None:
    """``A + B`` / ``A - B`` (a FULL JOIN on (row, col)) when an operand is a Citus table. Citus runs a
    FULL JOIN only between colocated hash-distributed tables joined on their distribution columns.
    When A and B already are (both by the same coordinate, same colocation group) the join runs as
    is. Otherwise an operand distributed by a coordinate is the anchor (A first) and the other one is
    copied (entries ``(r, c, v)``, rows moved between the workers by Citus's INSERT ... SELECT) into a
    work table distributed by that coordinate and colocated with the anchor; with no anchor (plain,
    reference tables, or distributed by another column) both are copied, B colocated with A's copy.
    The FULL JOIN then runs shard by shard; the copies are dropped afterwards (an error rolls them
    back with the rest)."""
    (rel_a, args_a), (rel_b, args_b) = a, b
    coord_a, coord_b = _by_coordinate(sess, rel_a, args_a), _by_coordinate(sess, rel_b, args_b)
    da, db = distributed.distribution(sess, rel_a), distributed.distribution(sess, rel_b)
    sign = "-" if op == "matrix_sub" else "+"
    copies: list[Relation] = []

    def copy(rel: Relation, coords: tuple, key: str, like: Relation | None) -> Relation:
        work = distributed.work_table(sess, out.schema, "sparse")
        copies.append(work)
        sess.execute("CREATE TABLE " + work.sql(sess) + " (r integer, c integer, v float8)")
        if like is None:
            sess.execute("SELECT pg_catalog.create_distributed_table($1::regclass, $2)", [work.sql(sess), key],
                         ["text", "text"])
        else:
            sess.execute("SELECT pg_catalog.create_distributed_table($1::regclass, $2, colocate_with => $3)",
                         [work.sql(sess), key, like.sql(sess)], ["text", "text", "text"])
        alias = coords[0].split(".", 1)[0]
        sess.execute("INSERT INTO " + work.sql(sess) + " SELECT " + ", ".join(coords) + " FROM " + rel.sql(sess)
                     + " " + alias)
        return work

    with distributed.citus_errors(sess, op, (rel_a, rel_b)):
        if coord_a is not None and coord_a == coord_b and da.colocation == db.colocation:
            left, lc, right, rc = rel_a, ca, rel_b, cb
            sess.debug(f"{op}: colocated operands, FULL JOIN on the shards")
        elif coord_a is not None:
            left, lc = rel_a, ca
            right, rc = copy(rel_b, cb, {"row": "r", "col": "c"}[coord_a], rel_a), ("b.r", "b.c", "b.v")
            sess.debug(f"{op}: matrix_b copied colocated with matrix_a (by {coord_a}), FULL JOIN on the shards")
        elif coord_b is not None:
            left, lc = copy(rel_a, ca, {"row": "r", "col": "c"}[coord_b], rel_b), ("a.r", "a.c", "a.v")
            right, rc = rel_b, cb
            sess.debug(f"{op}: matrix_a copied colocated with matrix_b (by {coord_b}), FULL JOIN on the shards")
        else:
            left, lc = copy(rel_a, ca, "r", None), ("a.r", "a.c", "a.v")
            right, rc = copy(rel_b, cb, "r", left), ("b.r", "b.c", "b.v")
            sess.debug(f"{op}: both operands copied into colocated tables by row, FULL JOIN on the shards")
        value = "COALESCE(" + lc[2] + ", 0) " + sign + " COALESCE(" + rc[2] + ", 0)"
        sess.execute("INSERT INTO " + out.sql(sess) + " SELECT COALESCE(" + lc[0] + ", " + rc[0] + "), COALESCE("
                     + lc[1] + ", " + rc[1] + "), " + value + " FROM " + left.sql(sess) + " a FULL JOIN "
                     + right.sql(sess) + " b ON " + lc[0] + " = " + rc[0] + " AND " + lc[1] + " = " + rc[1]
                     + " WHERE " + value + " <> 0")
    distributed.drop(sess, *copies)


def _vector(sess: Session, query: str, size: int, params=(), types=()) -> np.ndarray:
    """A dense vector from ``query``'s rows ``(i, s)`` (1-based i), sent back as two float8[] bodies."""
    row = sess.one("SELECT indb_ml._float8_array_bytes(pg_catalog.array_agg(i::float8), ''::bytea) AS i, "
                   "indb_ml._float8_array_bytes(pg_catalog.array_agg(s::float8), ''::bytea) AS s FROM (" + query
                   + ") q", params, types)
    out = np.zeros(size)
    if row["i"] is not None:
        out[float8_array_from_body(row["i"]).astype(np.int64) - 1] = float8_array_from_body(row["s"])
    return out


@_budgeted
def sums(sess: Session, a: tuple, axis: int, absolute: bool = False) -> np.ndarray:
    """Column sums (axis 0) or row sums (axis 1) of the entries (or of their absolute values)."""
    rel, args = a
    m, n = shape(sess, rel, args, "matrix_in")
    r, c, v = _coords(sess, args)
    key = c if axis == 0 else r
    value = "pg_catalog.abs(" + v + ")" if absolute else v
    return _vector(sess, "SELECT " + key + " AS i, pg_catalog.sum(" + value + ") AS s FROM " + rel.sql(sess)
                   + " GROUP BY 1", n if axis == 0 else m)


@_budgeted
def times_vector(sess: Session, a: tuple, vector: np.ndarray) -> np.ndarray:
    """``A @ v``: ``SELECT row, sum(val * v[col]) GROUP BY row``."""
    rel, args = a
    m, n = shape(sess, rel, args, "matrix_in")
    if n != vector.size:
        raise InputError(f"matrix_vec_mult: the matrix has {n} columns but the vector has {vector.size} elements",
                         sqlstate=InputError.ARRAY_DIMENSIONS)
    r, c, v = _coords(sess, args)
    return _vector(sess, "SELECT " + r + " AS i, pg_catalog.sum(" + v + " * ($1::float8[])[" + c + "]) AS s FROM "
                   + rel.sql(sess) + " GROUP BY 1", m, [vector.tolist()], ["float8[]"])


@_budgeted
def largest_abs(sess: Session, a: tuple) -> float:
    rel, args = a
    shape(sess, rel, args, "matrix_in")
    _, _, v = _coords(sess, args)
    top = sess.one("SELECT pg_catalog.max(pg_catalog.abs(" + v + ")) AS t FROM " + rel.sql(sess))["t"]
    return float(top or 0.0)


@_budgeted
def p_norm(sess: Session, a: tuple, p: float) -> float:
    """``(sum |v|^p)^(1/p)``, scaled by the largest |v| so that it neither overflows nor underflows."""
    top = largest_abs(sess, a)
    if top == 0.0 or not np.isfinite(top):
        return top
    rel, args = a
    _, _, v = _coords(sess, args)
    total = sess.one("SELECT pg_catalog.sum((pg_catalog.abs(" + v + ") / $1) ^ $2) AS s FROM " + rel.sql(sess),
                     [top, p], ["float8", "float8"])["s"]
    return top * float(total) ** (1.0 / p)


def product_entries_bound(sess: Session, a: tuple, b: tuple) -> int:
    """An upper bound on ``A @ B``'s nonzeros: ``sum_k nnz(A[:, k]) * nnz(B[k, :])``, the
    number of partial products, computed from two GROUP BYs (no join of the entries)."""
    (rel_a, args_a), (rel_b, args_b) = a, b
    _, ac, _ = _coords(sess, args_a)
    br, _, _ = _coords(sess, args_b)
    bound = sess.one(
        "SELECT pg_catalog.sum(ca.k * rb.k)::float8 AS n FROM (SELECT " + ac + " AS i, pg_catalog.count(*) AS k FROM "
        + rel_a.sql(sess) + " GROUP BY 1) ca JOIN (SELECT " + br + " AS i, pg_catalog.count(*) AS k FROM "
        + rel_b.sql(sess) + " GROUP BY 1) rb ON ca.i = rb.i"
    )["n"]
    return int(bound or 0)
