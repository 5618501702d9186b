"""Sparse x sparse as a relational plan: a join and a GROUP BY, run by PostgreSQL.

``C[i, j] = sum_k A[i, k] * B[k, j]`` is ``SELECT a.row, b.col, sum(a.val * b.val)
FROM a JOIN b ON a.col = b.row GROUP BY 1, 2``: PostgreSQL runs it out of core
(hash or sort, spilling to disk) and in parallel, so neither operand nor the
result is held in Python (DESIGN.md section 4, strategy 4).
"""

from __future__ import annotations

from indb_ml.errors import InputError
from indb_ml.matrix import storage
from indb_ml.matrix.args import MatrixArgs
from indb_ml.server.relations import Relation
from indb_ml.server.session import Session


def _coords(sess: Session, args: MatrixArgs) -> tuple[str, str, str]:
    """Quoted (row, col, val) columns; trans=true swaps row and col."""
    r, c, v = sess.ident(args.row), sess.ident(args.col), sess.ident(args.val)
    return (c, r, v) if args.trans else (r, c, v)


def _shape(sess: Session, rel: Relation, args: MatrixArgs, arg_name: str) -> tuple[int, int]:
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
    dup = sess.one("SELECT 1 AS d FROM " + rel.sql(sess) + " GROUP BY " + r + ", " + c
                   + " HAVING pg_catalog.count(*) > 1 LIMIT 1")
    if dup:
        raise InputError(f"{where} has duplicate (row, col) entries", hint="aggregate them first")
    stored = (stats["n"], stats["m"]) if args.trans else (stats["m"], stats["n"])
    shape = storage.sparse_dims(rel, args, *stored, arg_name)
    return (shape[1], shape[0]) if args.trans else shape


def multiply_sparse(sess: Session, a: tuple, b: tuple, out: Relation, out_args: MatrixArgs) -> None:
    """``out = A @ B`` for two sparse tables ``(rel, args)``; ``out`` in sparse format."""
    (rel_a, args_a), (rel_b, args_b) = a, b
    m, inner_a = _shape(sess, rel_a, args_a, "matrix_a")
    inner_b, n = _shape(sess, rel_b, args_b, "matrix_b")
    if inner_a != inner_b:
        raise InputError(f"matrix_mult: matrix_a is {m} x {inner_a} and matrix_b is {inner_b} x {n}; "
                         "the inner dimensions differ",
                         hint="use trans=true in a_args or b_args to transpose an operand")
    ar, ac, av = _coords(sess, args_a)
    br, bc, bv = _coords(sess, args_b)
    r, c, v = sess.ident(out_args.row), sess.ident(out_args.col), sess.ident(out_args.val)
    table = out.sql(sess)
    sess.execute("CREATE TABLE " + table + " (" + r + " integer, " + c + " integer, " + v + " float8)")
    product = "pg_catalog.sum((a." + av + ")::float8 * (b." + bv + ")::float8)"
    sess.execute(
        "INSERT INTO " + table + " SELECT a." + ar + ", b." + bc + ", " + product + " FROM "
        + rel_a.sql(sess) + " a JOIN " + rel_b.sql(sess) + " b ON a." + ac + " = b." + br
        + " GROUP BY 1, 2 HAVING " + product + " <> 0"
    )
    # MADlib's convention: the (m, n) entry is present, even as a zero, to carry the shape.
    sess.execute(
        "INSERT INTO " + table + " SELECT $1, $2, 0 WHERE NOT EXISTS (SELECT 1 FROM " + table + " WHERE "
        + r + " = $1 AND " + c + " = $2)",
        [m, n],
        ["int4", "int4"],
    )
    sess.execute("ALTER TABLE " + table + " ADD PRIMARY KEY (" + r + ", " + c + ")")


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
