"""``indb_ml.glm``: MADlib's generalized linear models, by IRLS over rows packed once.

Families and links as MADlib names them (:mod:`indb_ml.kernels.glm`): gaussian (identity,
log, inverse), binomial (logit, probit), poisson (log, identity, sqrt), gamma (inverse,
identity, log), inverse_gaussian (sqr_inverse, log, identity, inverse). The data are
packed once (:mod:`indb_ml.core.packed`) and IRLS iterates in numpy.
"""

from __future__ import annotations

import numpy as np

from indb_ml import sqlexpr
from indb_ml.core.features import resolve_features
from indb_ml.core.model_tables import write_models
from indb_ml.core.packed import training_rows
from indb_ml.core.params import parse_params
from indb_ml.core.relations import ensure_absent, new_table, resolve_source, summary_of
from indb_ml.core.session import sql_entry
from indb_ml.errors import InputError
from indb_ml.kernels.glm import check_response, family, glm_irls
from indb_ml.models.catalog import registers

USAGE = """\
glm: generalized linear models, MADlib-compatible (IRLS).

SELECT indb_ml.glm(
    source_table,         -- table or view with the data
    model_table,          -- table to create with the model
    dependent_varname,    -- expression for y (boolean or 0/1 for binomial)
    independent_varname,  -- 'ARRAY[1, x1, x2]' (no implicit intercept)
    family_params,        -- 'family=poisson, link=log' (link optional: the family's default)
    grouping_col,         -- optional: 'col1, col2', one model per group
    optim_params,         -- optional: 'max_iter=100, optimizer=irls, tolerance=1e-6'
    verbose               -- optional: NOTICE iterations and log-likelihood
);

Families and links: gaussian (identity, log, inverse), binomial (logit, probit),
poisson (log, identity, sqrt), gamma (inverse, identity, log),
inverse_gaussian (sqr_inverse, log, identity, inverse); the first is the default.
model_table columns: [grouping columns], coef, log_likelihood, std_err, z_stats (binomial,
poisson) or t_stats (families with a dispersion), p_values (Wald, normal), dispersion,
num_rows_processed, num_rows_skipped, num_iterations, status.
Prediction: indb_ml.glm_predict(coef, features, link).
"""


def _columns(stats_name: str) -> tuple:
    return (("coef", "float8[]"), ("log_likelihood", "float8"), ("std_err", "float8[]"),
            (stats_name, "float8[]"), ("p_values", "float8[]"), ("dispersion", "float8"),
            ("num_rows_processed", "bigint"), ("num_rows_skipped", "bigint"), ("num_iterations", "integer"),
            ("status", "text"))


@sql_entry
@registers("glm")
def glm(sess, source_table, model_table, dependent_varname, independent_varname, family_params,
        grouping_col=None, optim_params=None, verbose=False) -> None:
    for name, value in (("source_table", source_table), ("model_table", model_table),
                        ("dependent_varname", dependent_varname), ("independent_varname", independent_varname),
                        ("family_params", family_params)):
        if value is None:
            raise InputError(f"glm: {name} must not be NULL", hint="SELECT indb_ml.glm() shows the usage")
    fp = parse_params(family_params, {"family": (str, None), "link": (str, None)}, "family_params")
    if fp["family"] is None:
        raise InputError("glm: family_params must name a family", hint="e.g. 'family=poisson, link=log'")
    try:
        fam = family(fp["family"], fp["link"])
    except ValueError as exc:
        raise InputError(f"glm: {exc}") from None
    op = parse_params(optim_params, {"max_iter": (int, 100), "optimizer": (str, "irls"),
                                     "tolerance": (float, 1e-6)}, "optim_params")
    if op["optimizer"] != "irls":
        raise InputError(f"glm: optimizer {op['optimizer']!r} is not available", hint="use optimizer=irls")
    if op["max_iter"] < 1 or not np.isfinite(op["tolerance"]) or op["tolerance"] < 0:
        raise InputError("glm: max_iter must be at least 1 and tolerance a finite number >= 0")
    source = resolve_source(sess, source_table)
    out = new_table(sess, model_table, "model_table")
    summary = summary_of(out)
    ensure_absent(sess, summary, "summary table")
    grouping = sqlexpr.parse_name_list(grouping_col) if grouping_col and grouping_col.strip() else []
    cols = _columns("t_stats" if fam.dispersed else "z_stats")
    clash = set(grouping) & {c for c, _ in cols}
    if clash:
        raise InputError(f"grouping column {sorted(clash)[0]!r} clashes with an output column name")
    features = resolve_features(sess, source, dependent_varname, independent_varname, grouping, allow_bool=True)
    groups, skipped, close = training_rows(sess, source, features, lambda y: check_response(fam, y), "glm")
    if not groups:
        raise InputError("glm: no rows to train on", sqlstate=InputError.NO_DATA)
    rows, failed = {}, 0
    for gkey in skipped:
        data = groups.get(gkey)
        if data is None:
            rows[gkey] = [None] * 6 + [0, skipped[gkey], 0, "no rows"]
            failed += 1
            continue
        label = f"glm{' group ' + gkey if gkey else ''}"

        def report(i, pearson, label=label):
            sess.plpy.notice(f"{label}: iteration {i}, Pearson chi2 {pearson:.10g}")

        fit = glm_irls(data.blocks, data.width, fam, op["max_iter"], op["tolerance"], report if verbose else None)
        if verbose:
            sess.plpy.notice(f"glm{' group ' + gkey if gkey else ''}: {fit.num_iterations} iterations, "
                             f"log-likelihood {fit.log_likelihood:.10g}, {fit.status}")
        if fit.status != "converged":
            failed += 1
            sess.warning(f"glm{' in group ' + gkey if gkey else ''}: {fit.status} after {fit.num_iterations} "
                         "iterations")
        rows[gkey] = [fit.coef.tolist(), fit.log_likelihood, fit.std_err.tolist(), fit.stats.tolist(),
                      fit.p_values.tolist(), fit.dispersion, fit.num_rows, skipped[gkey], fit.num_iterations,
                      fit.status]
    close()
    write_models(sess, source, out, features.group_cols, cols, rows)
    sess.execute(
        "CREATE TABLE " + summary.sql(sess) + " (method text, source_table text, model_table text, "
        "dependent_varname text, independent_varname text, family_params text, grouping_col text, "
        "optimizer_params text, num_all_groups integer, num_failed_groups integer, total_rows_processed bigint, "
        "total_rows_skipped bigint)"
    )
    sess.execute(
        "INSERT INTO " + summary.sql(sess) + " VALUES ('glm', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        [source.sql(sess), out.sql(sess), dependent_varname, independent_varname,
         f"family={fam.name}, link={fam.link}", grouping_col,
         f"max_iter={op['max_iter']}, optimizer=irls, tolerance={op['tolerance']:g}", len(rows), failed,
         sum(r[6] for r in rows.values()), sum(skipped.values())],
        ["text", "text", "text", "text", "text", "text", "text", "int4", "int4", "int8", "int8"],
    )


def glm_help() -> str:
    return USAGE
