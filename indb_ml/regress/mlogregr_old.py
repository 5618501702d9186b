"""MADlib's deprecated ``mlogregr(source, depvar, indepvar, max_num_iterations, optimizer,
precision, ref_category)``: one composite value instead of a model table.

MADlib returns ``mlogregr_result``: the coefficients of every non-reference category as one
array, ordered feature-major (for each feature, the categories in order: ``m_{k1,j0},
m_{k1,j1}, ..., m_{k2,j0}, ...``), as are ``std_err, z_stats, p_values, odds_ratios`` and
the rows and columns of ``variance_covariance``. This fits with :func:`mlogregr_train` into
a temporary table, reads its rows and reorders them; nothing is left behind. With no row
free of NULLs it returns NULL, as MADlib's does (its IRLS aggregate's state stays NULL).
"""

from __future__ import annotations

import uuid

import numpy as np

from indb_ml.core.relations import Relation, resolve_source, summary_of
from indb_ml.core.session import sql_entry
from indb_ml.errors import InputError
from indb_ml.regress.category_predict import EXPRESSION_ID, multinom_predict
from indb_ml.regress.mlogregr import NoRows, mlogregr_train

_PER_COEF = ("coef", "std_err", "z_stats", "p_values", "odds_ratios")


@sql_entry
def mlogregr(sess, source, depvar, indepvar, max_num_iterations=20, optimizer="irls", precision=1e-4,
             ref_category=0) -> dict:
    sess.warning("mlogregr is deprecated (as in MADlib): use indb_ml.mlogregr_train")
    if max_num_iterations is None or max_num_iterations < 1:
        raise InputError("mlogregr: max_num_iterations must be positive")
    if precision is None:
        raise InputError("mlogregr: precision must not be NULL")
    if ref_category is None or ref_category < 0:
        raise InputError("mlogregr: ref_category must be a category (0 or more)")
    model = Relation("pg_temp", "indb_ml_mlr_" + uuid.uuid4().hex[:16])
    params = f"max_iter={int(max_num_iterations)}, optimizer={optimizer}, tolerance={float(precision)!r}"
    try:
        mlogregr_train.__wrapped__(sess, source, model.sql(sess), depvar, indepvar, int(ref_category), params)
    except NoRows:
        return None  # MADlib: the IRLS aggregate saw no complete row, so its state and result are NULL
    rows = sess.execute("SELECT * FROM " + model.sql(sess) + " ORDER BY category")
    processed = sess.one("SELECT num_rows_processed AS n FROM " + summary_of(model).sql(sess))["n"]
    for rel in (summary_of(model), model):
        sess.execute("DROP TABLE " + rel.sql(sess))
    first = rows[0]
    m, k = len(rows), len(first["coef"])
    out = {name: np.array([r[name] for r in rows], dtype=float).T.ravel().tolist() for name in _PER_COEF}
    vcov = np.asarray(first["variance_covariance"], dtype=float).reshape(m * k, m * k)
    order = [j * k + f for f in range(k) for j in range(m)]  # feature-major position -> category-major index
    out.update(ref_category=first["ref_category"], log_likelihood=first["log_likelihood"],
               condition_no=first["condition_no"], num_iterations=first["num_iterations"],
               num_processed=processed, variance_covariance=vcov[np.ix_(order, order)].tolist())
    return out


@sql_entry
def mlogregr_predict(sess, model, source, id_col_name, output, pred_type="response") -> None:
    """MADlib's ``mlogregr_predict``: :func:`multinom_predict` (which takes mlogregr_train models)
    with MADlib's column names: ``<id_col_name>`` and ``"estimated_<dependent>"`` for
    ``'response'``, ``"estimated_prob_<category>"`` for ``'prob'``."""
    kind = (pred_type or "response").strip().lower()
    if kind not in ("response", "prob", "probability"):
        raise InputError(f"mlogregr_predict: pred_type {pred_type!r} must be 'response' or 'prob'")
    multinom_predict.__wrapped__(sess, model, source, output, kind, False, id_col_name)
    target = resolve_source(sess, output, "output").sql(sess)
    first = sess.one("SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = $1::regclass AND attnum = 1",
                     [target], ["text"])["attname"]
    if first == EXPRESSION_ID and (id_col_name or "").strip() != EXPRESSION_ID:
        # id_col_name was an expression: MADlib's multilogistic.py_in names it mlogregr_predict_id
        sess.execute("ALTER TABLE " + target + " RENAME COLUMN " + EXPRESSION_ID + " TO mlogregr_predict_id")
    if kind == "response":
        summary = summary_of(resolve_source(sess, model, "model")).sql(sess)
        dep = sess.one("SELECT dependent_varname AS d FROM " + summary)
        name = "estimated_" + dep["d"].replace('"', "").strip()
        sess.execute("ALTER TABLE " + target + " RENAME COLUMN category TO " + sess.ident(name))
        return
    cols = sess.execute("SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = $1::regclass AND attnum > 1 "
                        "AND NOT attisdropped ORDER BY attnum", [target], ["text"])
    for c in cols:
        sess.execute("ALTER TABLE " + target + " RENAME COLUMN " + sess.ident(c["attname"]) + " TO "
                     + sess.ident("estimated_prob_" + c["attname"]))
