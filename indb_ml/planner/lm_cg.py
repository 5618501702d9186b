"""Ridge linear regression by conjugate gradient, written with the planner: ``indb_ml.lm_cg``.

Solves ``(XᵀX + λI) w = Xᵀy``. The loop is SystemDS's LinearRegCG::

    r = -(t(X) %*% y); p = -r; norm_r2 = sum(r * r)
    while (i < max_iter & norm_r2 > tolerance² · norm_r2_initial) {
        q = t(X) %*% X %*% p + lambda * p       # mmchain: one pass over X
        alpha = norm_r2 / sum(p * q); w = w + alpha * p; r = r + alpha * q
        old = norm_r2; norm_r2 = sum(r * r); p = -r + (norm_r2 / old) * p
    }

X is the loop invariant: it is packed once from the source (MADlib's
``independent_varname``, rows with a NULL skipped) into a temporary table, and
:class:`~indb_ml.planner.program.Program` reblocks it into tiles when the iterations make
that pay (docs/design.md, strategy 3). Each iteration's ``q`` is a planner expression: the chain rule orders it as
``t(X) %*% (X %*% p)`` and mmchain fuses it into one pass.
"""

from __future__ import annotations

import itertools
import time

import numpy as np

from indb_ml.core import progress
from indb_ml.core.features import resolve_features
from indb_ml.core.relations import new_table, resolve_source
from indb_ml.core.session import Session, sql_entry
from indb_ml.errors import InputError
from indb_ml.kernels.arraybytes import float8_array_from_body
from indb_ml.matrix import pieces
from indb_ml.planner.program import Program

_temps = itertools.count()
OUTPUT = ("coef float8[], lambda float8, iterations integer, converged boolean, residual_norm float8, "
          "num_rows_processed bigint, num_rows_skipped bigint, x_format text, x_table_bytes bigint, "
          "exec_time_ms float8")


def _pack(sess: Session, source, features) -> tuple[str, np.ndarray, int, int]:
    """X as a temporary dense table (rows numbered once) and y in memory: (table, y, used, skipped)."""
    n = next(_temps)
    view, rows = f"indb_ml_cg_rows_{n}", f"pg_temp.indb_ml_cg_x_{n}"
    sess.execute(
        "CREATE TEMPORARY VIEW " + view + " AS SELECT (pg_catalog.row_number() OVER ())::integer AS row_num, "
        "r[2:] AS val, r[1] AS y FROM (SELECT " + features.row_sql + " AS r FROM " + source.sql(sess) + ") s "
        "WHERE pg_catalog.array_position(r, NULL) IS NULL AND r IS NOT NULL"
    )
    # The rows are numbered and copied once, so X and y below come from the same rows.
    sess.execute("CREATE TEMPORARY TABLE " + rows.split(".", 1)[1] + " AS SELECT row_num, val, y FROM pg_temp." + view)
    sess.execute("DROP VIEW pg_temp." + view)
    counts = sess.one("SELECT (SELECT pg_catalog.count(*) FROM " + source.sql(sess) + ") AS total, "
                      "pg_catalog.count(*) AS used FROM " + rows)
    if counts["used"] == 0:
        raise InputError("lm_cg: no rows to train on" + (" (every row has a NULL)" if counts["total"] else ""),
                         sqlstate=InputError.NO_DATA)
    y_body = sess.one("SELECT indb_ml._float8_array_bytes(pg_catalog.array_agg(y ORDER BY row_num), ''::bytea) AS b "
                      "FROM " + rows)["b"]
    y = float8_array_from_body(y_body).astype(np.float64)[:, None]
    return rows, y, int(counts["used"]), int(counts["total"] - counts["used"])


@sql_entry
def lm_cg(sess, source_table, out_table, dependent_varname, independent_varname, lambda_value=0.0, max_iter=100,
          tolerance=1e-10) -> None:
    started = time.perf_counter()
    for name, value in (("source_table", source_table), ("out_table", out_table),
                        ("dependent_varname", dependent_varname), ("independent_varname", independent_varname)):
        if value is None:
            raise InputError(f"lm_cg: {name} must not be NULL")
    if lambda_value is None or not np.isfinite(lambda_value) or lambda_value < 0:
        raise InputError("lm_cg: lambda must be a finite number >= 0")
    if max_iter is None or max_iter < 1:
        raise InputError("lm_cg: max_iter must be at least 1")
    if tolerance is None or not np.isfinite(tolerance) or tolerance < 0:
        raise InputError("lm_cg: tolerance must be a finite number >= 0")
    source = resolve_source(sess, source_table)
    out = new_table(sess, out_table)
    features = resolve_features(sess, source, dependent_varname, independent_varname, [])
    rows, y, used, skipped = _pack(sess, source, features)
    program = Program(sess, {"X": {"table": rows, "args": "row=row_num, val=val"}})
    # X is read once for Xᵀy and once per iteration: the program reblocks it when that pays.
    program.invariant("X", passes=max_iter + 1)
    x_table = program.bindings["X"]["table"]
    k = pieces.open_source(sess, x_table, program.bindings["X"]["args"], "X").shape[1]
    value = program.value

    r = -value("t(X) %*% y", y=y)
    if not np.all(np.isfinite(r)):
        raise InputError("lm_cg: the data have NaN or Infinity", sqlstate="22P02")
    p, w = -r, np.zeros((k, 1))
    norm_r2 = float(np.sum(r * r))
    target = tolerance**2 * norm_r2
    iterations, prog = 0, progress.start(sess, "lm_cg", max_iter=max_iter)
    while iterations < max_iter and norm_r2 > target:
        prog.step(iterations + 1, float(np.sqrt(norm_r2)))
        q = value("t(X) %*% X %*% p + lambda * p", p=p, **{"lambda": lambda_value})
        denominator = float(np.sum(p * q))
        if denominator <= 0:  # XᵀX + λI is singular along p: the solution is not unique
            break
        alpha = norm_r2 / denominator
        w, r = w + alpha * p, r + alpha * q
        old, norm_r2 = norm_r2, float(np.sum(r * r))
        p = -r + (norm_r2 / old) * p
        iterations += 1
    prog.step(iterations, float(np.sqrt(norm_r2)), phase="finish")
    size = sess.one("SELECT pg_catalog.pg_total_relation_size($1::regclass) AS s", [x_table], ["text"])["s"]
    program.close()
    sess.execute("DROP TABLE " + rows)
    sess.execute("CREATE TABLE " + out.sql(sess) + " (" + OUTPUT + ")")
    x_format = "tiles" if program.reblocked else "dense"
    sess.execute("INSERT INTO " + out.sql(sess) + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                 [w.ravel().tolist(), float(lambda_value), iterations, bool(norm_r2 <= target), float(np.sqrt(norm_r2)),
                  used, skipped, x_format, size, 1000 * (time.perf_counter() - started)],
                 ["float8[]", "float8", "int4", "bool", "float8", "int8", "int8", "text", "int8", "float8"])
    prog.done()
