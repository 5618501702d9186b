"""``indb_ml.margins``: MADlib's marginal effects for linregr_train and logregr_train models.

Average marginal effects (statsmodels' ``get_margeff(at='overall')``): for a linear model
the coefficients; for the logit ``mean(p(1-p)) · β_j``, with delta-method standard errors
from the model's variance-covariance. Constant columns (the intercept) have no margin and
are left out. The model's ``_summary`` names the source and the expressions; the rows are
packed once to average over them.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from indb_ml.errors import InputError
from indb_ml.server.features import resolve_features
from indb_ml.server.packed import packed_groups
from indb_ml.server.relations import new_table, resolve_source, summary_of
from indb_ml.server.session import sql_entry


@sql_entry
def margins(sess, model_table, output_table, x_design=None, source_table=None, marginal_vars=None) -> None:
    if model_table is None or output_table is None:
        raise InputError("margins: model_table and output_table must not be NULL")
    if x_design:
        raise InputError("margins: x_design (interaction terms) is not supported yet",
                         hint="pass NULL: every variable is a main effect")
    model = resolve_source(sess, model_table, "model_table")
    summary = summary_of(model)
    info = sess.one("SELECT method, source_table, dependent_varname, independent_varname FROM " + summary.sql(sess))
    if info is None or info["method"] not in ("linregr", "logregr"):
        raise InputError(f"margins: {model.schema}.{model.name} is not a linregr_train or logregr_train model",
                         hint="its _summary table names the method")
    row = sess.one("SELECT coef, variance_covariance, pg_catalog.count(*) OVER () AS n FROM " + model.sql(sess))
    if row is None or row["n"] != 1 or row["coef"] is None:
        raise InputError("margins: the model must have exactly one row (grouped models are not supported yet)")
    coef, vcov = np.asarray(row["coef"], dtype=float), np.asarray(row["variance_covariance"], dtype=float)
    out = new_table(sess, output_table, "output_table")
    source = resolve_source(sess, source_table or info["source_table"])
    logit = info["method"] == "logregr"
    features = resolve_features(sess, source, info["dependent_varname"], info["independent_varname"], [],
                                allow_bool=logit)
    groups, _ = packed_groups(sess, source, features, lambda y: None, "margins")
    blocks = groups.get(None, [])
    if not blocks:
        raise InputError("margins: the source has no rows", sqlstate=InputError.NO_DATA)
    x = np.vstack([b[:, 1:] for b in blocks])
    if x.shape[1] != coef.size:
        raise InputError(f"margins: the model has {coef.size} coefficients but the source gives {x.shape[1]} "
                         "features")
    varying = np.flatnonzero(x.std(axis=0) > 0)
    if marginal_vars:
        wanted = [int(v) - 1 for v in marginal_vars]
        bad = [v + 1 for v in wanted if v not in set(varying)]
        if bad:
            raise InputError(f"margins: marginal_vars {bad} are constant columns or out of range 1..{coef.size}")
        varying = np.array(wanted)
    if logit:
        p = special.expit(x @ coef)
        dens = p * (1 - p)
        scale = dens.mean()
        effects = scale * coef[varying]
        # d AME_j / d beta = mean(p(1-p)(1-2p) x) beta_j + mean(p(1-p)) e_j
        d = (dens * (1 - 2 * p)) @ x / x.shape[0]
        jac = np.outer(coef[varying], d)
        jac[np.arange(varying.size), varying] += scale
        cov = jac @ vcov @ jac.T
    else:
        effects = coef[varying]
        cov = vcov[np.ix_(varying, varying)]
    se = np.sqrt(np.diag(cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = effects / se
    sess.execute("CREATE TABLE " + out.sql(sess) + " (variables integer[], margins float8[], std_err float8[], "
                 "z_stats float8[], p_values float8[])")
    sess.execute("INSERT INTO " + out.sql(sess) + " VALUES ($1, $2, $3, $4, $5)",
                 [(varying + 1).tolist(), effects.tolist(), se.tolist(), z.tolist(),
                  (2 * stats.norm.sf(np.abs(z))).tolist()],
                 ["int4[]", "float8[]", "float8[]", "float8[]", "float8[]"])
