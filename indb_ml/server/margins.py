"""``indb_ml.margins``: MADlib's marginal effects for linregr_train, logregr_train and
mlogregr_train models, with MADlib's ``x_design`` for interaction and indicator terms.

Average marginal effects (statsmodels' ``get_margeff(at='overall')``, extended to
interactions by :mod:`indb_ml.kernels.margins`): for a linear model the mean slope, for
the logit the mean ``dp/dx``, for the multinomial logit the mean ``dP_j/dx`` of every
non-reference category; indicators get the discrete change. Standard errors are the delta
method's with the model's variance-covariance. Constant basis columns (the intercept)
have no margin and are left out unless asked for. The model's ``_summary`` names the
source and the expressions; the rows are packed once to average over them.
"""

from __future__ import annotations

import numpy as np

from indb_ml.errors import InputError
from indb_ml.kernels.margins import Basis, Design, average_margins, parse_design
from indb_ml.server.features import resolve_features
from indb_ml.server.packed import packed_groups
from indb_ml.server.relations import new_table, resolve_source, summary_of
from indb_ml.server.session import sql_entry

METHODS = {"linregr": "linear", "logregr": "logit", "mlogregr": "mlogit"}


@sql_entry
def margins(sess, model_table, output_table, x_design=None, source_table=None, marginal_vars=None) -> None:
    if model_table is None or output_table is None:
        raise InputError("margins: model_table and output_table must not be NULL")
    model = resolve_source(sess, model_table, "model_table")
    summary = summary_of(model)
    info = sess.one("SELECT method, source_table, dependent_varname, independent_varname FROM " + summary.sql(sess))
    if info is None or info["method"] not in METHODS:
        raise InputError(f"margins: {model.schema}.{model.name} is not a linregr_train, logregr_train or "
                         "mlogregr_train model", hint="its _summary table names the method")
    kind = METHODS[info["method"]]
    beta, vcov, ref = _model(sess, model, kind)
    try:
        design = (parse_design(x_design, beta.shape[1]) if x_design and x_design.strip()
                  else Design([Basis(i, str(i + 1)) for i in range(beta.shape[1])], []))
    except ValueError as exc:
        raise InputError(f"margins: {exc}", hint="x_design lists one term per coefficient, e.g. "
                         "'1, age, i.female, female*age'") from None
    out = new_table(sess, output_table, "output_table")
    source = resolve_source(sess, source_table or info["source_table"])
    features = resolve_features(sess, source, info["dependent_varname"], info["independent_varname"], [],
                                allow_bool=kind == "logit")
    groups, _ = packed_groups(sess, source, features, lambda y: None, "margins")
    blocks = groups.get(None, [])
    if not blocks:
        raise InputError("margins: the source has no rows", sqlstate=InputError.NO_DATA)
    x = np.vstack([b[:, 1:] for b in blocks])
    if x.shape[1] != beta.shape[1]:
        raise InputError(f"margins: the model has {beta.shape[1]} coefficients but the source gives {x.shape[1]} "
                         "features")
    targets = _targets(sess, design, x, marginal_vars)
    m = average_margins(kind, design, x, beta, vcov, targets)
    variables = [b.position + 1 for b in targets]
    if kind != "mlogit":
        sess.execute("CREATE TABLE " + out.sql(sess) + " (variables integer[], margins float8[], std_err float8[], "
                     "z_stats float8[], p_values float8[])")
        sess.execute("INSERT INTO " + out.sql(sess) + " VALUES ($1, $2, $3, $4, $5)",
                     [variables, m.margins[0].tolist(), m.std_err[0].tolist(), m.z_stats[0].tolist(),
                      m.p_values[0].tolist()],
                     ["int4[]", "float8[]", "float8[]", "float8[]", "float8[]"])
        return
    sess.execute("CREATE TABLE " + out.sql(sess) + " (category integer, ref_category integer, variables integer[], "
                 "margins float8[], std_err float8[], z_stats float8[], p_values float8[])")
    for j, category in enumerate(ref["categories"]):
        sess.execute("INSERT INTO " + out.sql(sess) + " VALUES ($1, $2, $3, $4, $5, $6, $7)",
                     [category, ref["ref"], variables, m.margins[j].tolist(), m.std_err[j].tolist(),
                      m.z_stats[j].tolist(), m.p_values[j].tolist()],
                     ["int4", "int4", "int4[]", "float8[]", "float8[]", "float8[]", "float8[]"])


def _model(sess, model, kind: str):
    """``(beta m x k, vcov, {categories, ref})`` from the model table."""
    if kind == "mlogit":
        rows = sess.execute("SELECT category, ref_category, coef, variance_covariance FROM " + model.sql(sess)
                            + " ORDER BY category")
        if not rows or any(r["coef"] is None for r in rows):
            raise InputError("margins: the mlogregr model has no coefficients")
        beta = np.array([r["coef"] for r in rows], dtype=float)
        return beta, np.asarray(rows[0]["variance_covariance"], dtype=float), {
            "categories": [r["category"] for r in rows], "ref": rows[0]["ref_category"]}
    row = sess.one("SELECT coef, variance_covariance, pg_catalog.count(*) OVER () AS n FROM " + model.sql(sess))
    if row is None or row["n"] != 1 or row["coef"] is None:
        raise InputError("margins: the model must have exactly one row (grouped models are not supported yet)")
    return (np.asarray(row["coef"], dtype=float)[None, :], np.asarray(row["variance_covariance"], dtype=float),
            None)


def _targets(sess, design: Design, x: np.ndarray, marginal_vars) -> list:
    """The basis terms to report: ``marginal_vars`` (1-based positions of basis terms), or every
    basis term that varies; reference indicators have no margin of their own (MADlib warns)."""
    constant = {b.position for b in design.basis if not b.indicator and np.ptp(x[:, b.position]) == 0}
    by_pos = {b.position: b for b in design.basis}
    if marginal_vars:
        wanted = [int(v) - 1 for v in marginal_vars]
        bad = [v + 1 for v in wanted if v not in by_pos or v in constant]
        if bad:
            raise InputError(f"margins: marginal_vars {bad} are constant columns, interaction terms or out of "
                             f"range 1..{x.shape[1]}", hint="list positions of varying basis terms")
        chosen = [by_pos[v] for v in wanted]
    else:
        chosen = [b for b in design.basis if b.position not in constant]
    refs = [b for b in chosen if b.reference]
    if refs:
        sess.warning("margins: reference terms " + ", ".join(b.name for b in refs) + " have no marginal effect "
                     "of their own and are left out")
    chosen = [b for b in chosen if not b.reference]
    if not chosen:
        raise InputError("margins: no variable to compute a marginal effect for")
    return chosen
