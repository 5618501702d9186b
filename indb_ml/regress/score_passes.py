"""Aggregate passes at given coefficients shared by the variance, cross-validation and elastic
net drivers: reading the sandwich states (``src/sandwich.c``) and passes per
cross-validation fold.

Cross-validation folds are a function of each row's values (:func:`fold_sql`, the SQL
function ``indb_ml.cv_fold``), so every plan and every kind of source puts a row in the
same fold. A fold's model trains on the other folds: one statement answers every fold's
request at once by joining the rows with a ``VALUES`` list of ``(fold, coef)`` on
``row fold <> fold`` and grouping by the model's fold (:func:`fold_pass`).
"""

from __future__ import annotations

import numpy as np

from indb_ml.core import passes
from indb_ml.core.features import with_intercept_sql
from indb_ml.core.session import Session
from indb_ml.kernels.cstate import SANDWICH, parse_state, unpack_symmetric


def sandwich_from_cstate(raw) -> tuple[np.ndarray, np.ndarray, int, int] | None:
    """A SANDWICH state as ``(vector, symmetric matrix, rows, rows skipped)``; None for NULL."""
    state = parse_state(raw, SANDWICH)
    if state is None:
        return None
    w = state.width
    return state.data[:w].copy(), unpack_symmetric(state.data[w:], w), state.n, state.skipped


COMPLETE = " FILTER (WHERE pg_catalog.array_position(s.x, NULL) IS NULL)"  # x without NULL elements


def folds_newton_pass(sess: Session, source, features, n_folds: int, seed: int, coefs: dict, width: int,
                      weight_floor: float = 0.0, intercept: bool = False) -> dict:
    """``{fold: LogitSums}``: the logistic Newton sums of every asked-for fold's model (trained
    on the other folds) at its coefficients, from one scan without a join
    (``indb_ml._logit_newton_folds``); ``intercept`` prepends 1 to the features."""
    from indb_ml.kernels.cstate import SCORE
    from indb_ml.kernels.logregr import LogitSums

    blocks = np.full((n_folds, width), np.nan)
    for f, c in coefs.items():
        blocks[f - 1] = c
    x_sql = with_intercept_sql(features.x_sql) if intercept else features.x_sql
    query = ("SELECT indb_ml._logit_newton_folds(" + features.y_sql + ", " + x_sql + ", "
             + fold_sql(features, n_folds, seed) + ", " + passes.float8_array_sql(sess, blocks.ravel()) + ", "
             + sess.literal(passes.float8_text(weight_floor)) + "::pg_catalog.float8) AS state FROM "
             + source.sql(sess))
    settings = {"enable_partitionwise_aggregate": "on"} if source.kind == "p" else {}
    try:
        with sess.settings(settings):
            row = sess.one(query)
    except sess.spi_error as exc:
        raise passes.pass_error(exc) from None
    state = parse_state(row["state"], SCORE)
    tri = width * (width + 1) // 2
    if state is None or state.width != n_folds * (2 + width + tri):
        return {}
    data = state.data.reshape(n_folds, 2 + width + tri)
    return {f: LogitSums(float(data[f - 1, 1]), data[f - 1, 2:2 + width].copy(),
                         unpack_symmetric(data[f - 1, 2 + width:], width), int(data[f - 1, 0]))
            for f in coefs if data[f - 1, 0] > 0}


def fold_sql(features, n_folds: int, seed: int) -> str:
    """The row's fold, 1..n_folds: a seeded hash of its dependent and features."""
    return fold_sql_of(features.y_sql, features.x_sql, n_folds, seed)


def fold_sql_of(y_sql: str, x_sql: str, n_folds: int, seed: int) -> str:
    return "indb_ml.cv_fold(" + y_sql + ", " + x_sql + ", " + str(int(n_folds)) + ", " + str(int(seed)) + ")"


def fold_pass(sess: Session, source, features, n_folds: int, seed: int, calls: list[str],
              coefs: dict | None = None, train: bool = True) -> dict:
    """``{fold: row}`` of one statement. Without ``coefs`` the rows are grouped by their own
    fold; with ``coefs`` ({fold: coefficients}) each requested fold's aggregates run over
    the rows of the other folds (``train``) or of that fold (``not train``), with
    ``indb_ml_c.coef`` naming its coefficients. ``calls`` are aggregate expressions over
    ``y`` and ``x`` (returned as ``state``, ``state1``, ...); the C aggregates skip rows with a
    NULL, other aggregates filter them with :data:`COMPLETE`."""
    inner = ("SELECT (" + features.y_sql + ") AS y, (" + features.x_sql + ") AS x, " + fold_sql(features, n_folds, seed)
             + " AS fold FROM " + source.sql(sess))
    select = ", ".join(c + " AS state" + (str(i) if i else "") for i, c in enumerate(calls))
    if coefs is None:
        query = "SELECT s.fold AS k, " + select + " FROM (" + inner + ") s GROUP BY s.fold"
    else:
        values = ", ".join("(" + str(int(f)) + ", " + passes.float8_array_sql(sess, c) + ")" for f, c in coefs.items())
        query = ("SELECT indb_ml_c.fold AS k, " + select + " FROM (" + inner + ") s JOIN (VALUES " + values
                 + ") AS indb_ml_c(fold, coef) ON s.fold " + ("<>" if train else "=") + " indb_ml_c.fold "
                 "GROUP BY indb_ml_c.fold")
    settings = {"enable_partitionwise_aggregate": "on"} if source.kind == "p" else {}
    try:
        with sess.settings(settings):
            rows = sess.execute(query)
    except sess.spi_error as exc:
        raise passes.pass_error(exc) from None
    return {int(r["k"]): r for r in rows}
