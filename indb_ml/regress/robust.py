"""``robust_variance_*`` and ``clustered_variance_*`` for linregr and logregr: MADlib's
Huber-White and cluster-robust variances.

Every step is an aggregate pass (:mod:`indb_ml.core.passes`, C steps in ``src/sandwich.c``),
so the functions run on tables, views, foreign, partitioned and distributed tables and in
parallel workers:

* OLS: the co-moments pass of linregr_train gives the coefficients and the bread XᵀX; one
  more pass at each group's coefficients sums the HC0 meat ``Σ e² x xᵀ``
  (``indb_ml._hc0_linear``).
* Logit: IRLS as logregr_train runs it, one ``indb_ml._logregr_step`` pass per iteration
  for every group at once;
  the bread is the Hessian at the fit, and one more pass sums the meat
  (``indb_ml._hc0_logit``). On a plain local table (``indb_ml.training_plan = auto``) the
  rows are packed once in memory instead and IRLS iterates in numpy, which is faster for
  the many passes IRLS makes (``memory`` forces that, ``aggregate`` the passes).
* Clustered: the meat is ``Σ_g s_g s_gᵀ`` of the clusters' score sums, one statement
  ``SELECT _cluster_meat(s) FROM (SELECT _scores_*(y, x, coef) s FROM source GROUP BY
  clusters)``; statsmodels' small-sample factor G/(G-1) · (N-1)/(N-K).

Output: [grouping columns], coef, std_err, t_stats (z_stats for the logit), p_values,
num_rows_processed, num_missing_rows_skipped (clustered: num_clusters, no grouping).
"""

from __future__ import annotations

import numpy as np
from scipy import special

from indb_ml import sqlexpr
from indb_ml.core import passes
from indb_ml.core.features import resolve_features
from indb_ml.core.model_tables import write_models
from indb_ml.core.packed import packed_groups
from indb_ml.core.plan_choice import use_aggregate_passes
from indb_ml.core.relations import new_table, resolve_source
from indb_ml.core.session import sql_entry
from indb_ml.errors import InputError
from indb_ml.kernels.linregr import linregr_finalize
from indb_ml.kernels.logregr import irls
from indb_ml.kernels.robust import cluster_factor, logit_meat, sandwich
from indb_ml.models.catalog import registers
from indb_ml.regress import logregr
from indb_ml.regress.linregr import moments_by_group
from indb_ml.regress.score_passes import sandwich_from_cstate


def _binary(y):
    return None if np.all((y == 0) | (y == 1)) else "the dependent variable must be boolean or 0/1"


def _check_args(what: str, args: tuple) -> None:
    for name, value in args:
        if value is None:
            raise InputError(f"{what}: {name} must not be NULL")


def _xtx(moments) -> np.ndarray:
    """XᵀX from the co-moments of ``[y, x]``."""
    return moments.comoment[1:, 1:] + moments.n * np.outer(moments.mean[1:], moments.mean[1:])


def _ols_fits(sess, source, features) -> tuple[dict, dict]:
    """``({group: (coef, (XᵀX)⁻¹, rows)}, {group: rows skipped})`` from one co-moments pass."""
    states, skipped, _ = moments_by_group(sess, source, features)
    return {g: (linregr_finalize(s).coef, np.linalg.pinv(_xtx(s)), s.n) for g, s in states.items()}, skipped


def _logit_fits(sess, source, features, max_iter, tolerance, what) -> tuple[dict, dict, dict]:
    """``({group: (coef, inverse Hessian at coef, rows)}, {group: rows skipped}, {group: HC0 meat})``:
    IRLS by aggregate passes, or over the rows packed in memory on a plain local table (where
    the meat is summed from memory too, so ``meats`` is filled only there)."""
    if use_aggregate_passes(sess, source, logregr.MEMORY_FASTER):
        fits, skipped = logregr._aggregate_fits(sess, source, features, max_iter, tolerance, "irls", lambda g: None)
        return {g: (f.coef, f.variance_covariance, f.num_rows) for g, f in fits.items()}, skipped, {}
    groups, skipped = packed_groups(sess, source, features, _binary, what)
    fits, meats = {}, {}
    for g, parts in groups.items():
        if not parts:
            continue
        k = parts[0].shape[1] - 1
        fit = irls(lambda parts=parts: ((b[:, 1:], b[:, 0]) for b in parts), k, max_iter, tolerance)
        hess, meats[g] = logit_meat(((b[:, 1:], b[:, 0]) for b in parts), fit.coef)
        fits[g] = (fit.coef, np.linalg.pinv(hess), fit.num_rows)
    return fits, skipped, meats


def _train(sess, kind, source_table, out_table, dependent_varname, independent_varname, grouping_cols,
           max_iter=20, tolerance=1e-4) -> None:
    what = "robust_variance_" + kind
    _check_args(what, (("source_table", source_table), ("out_table", out_table),
                       ("dependent_varname", dependent_varname), ("independent_varname", independent_varname)))
    source = resolve_source(sess, source_table)
    out = new_table(sess, out_table)
    grouping = sqlexpr.parse_name_list(grouping_cols) if grouping_cols and grouping_cols.strip() else []
    stat = "t_stats" if kind == "linregr" else "z_stats"
    cols = (("coef", "float8[]"), ("std_err", "float8[]"), (stat, "float8[]"), ("p_values", "float8[]"),
            ("num_rows_processed", "bigint"), ("num_missing_rows_skipped", "bigint"))
    clash = set(grouping) & {c for c, _ in cols}
    if clash:
        raise InputError(f"grouping column {sorted(clash)[0]!r} clashes with an output column name")
    features = resolve_features(sess, source, dependent_varname, independent_varname, grouping,
                                allow_bool=kind == "logregr")
    if kind == "linregr":
        fits, skipped = _ols_fits(sess, source, features)
        meats = {}
    else:
        fits, skipped, meats = _logit_fits(sess, source, features, max_iter, tolerance, what)
    if not fits:
        raise InputError(f"{what}: no rows to train on", sqlstate=InputError.NO_DATA)
    if len(meats) < len(fits):  # one more pass: the meat at every group's coefficients
        agg = "indb_ml._hc0_linear(" if kind == "linregr" else "indb_ml._hc0_logit("
        call = agg + features.y_sql + ", " + features.x_sql + ", indb_ml_c.coef)"
        coefs = {g: f[0] for g, f in fits.items()}
        rows = passes.run_pass(sess, source, features.group_cols, call, coef_by_group=coefs)
        match = passes.match_keys(sess, source, features.group_cols, coefs, rows)
        for raw, row in rows.items():
            state = sandwich_from_cstate(row["state"])
            if state is not None and state[2] > 0 and match[raw] in fits:
                meats[match[raw]] = state[1]
    out_rows = {}
    for gkey in skipped:
        if gkey not in fits or gkey not in meats:
            out_rows[gkey] = [None] * 4 + [0, skipped[gkey]]
            continue
        coef, bread, n = fits[gkey]
        fit = sandwich(coef, bread, meats[gkey], n)
        out_rows[gkey] = [fit.coef.tolist(), fit.std_err.tolist(), fit.stats.tolist(), fit.p_values.tolist(),
                          fit.num_rows, skipped[gkey]]
    write_models(sess, source, out, features.group_cols, cols, out_rows)


@sql_entry
@registers("robust_variance_linregr")
def robust_variance_linregr(sess, source_table, out_table, dependent_varname, independent_varname,
                            grouping_cols=None) -> None:
    _train(sess, "linregr", source_table, out_table, dependent_varname, independent_varname, grouping_cols)


@sql_entry
@registers("robust_variance_logregr")
def robust_variance_logregr(sess, source_table, out_table, dependent_varname, independent_varname,
                            grouping_cols=None, max_iter=20, optimizer="irls", tolerance=1e-4) -> None:
    if (optimizer or "irls").lower() not in ("irls", "newton"):
        raise InputError(f"robust_variance_logregr: optimizer {optimizer!r} is not available", hint="use 'irls'")
    _train(sess, "logregr", source_table, out_table, dependent_varname, independent_varname, grouping_cols,
           max_iter or 20, 1e-4 if tolerance is None else tolerance)


def no_grouping(what: str, grouping_col) -> None:
    """MADlib's ``clustered_variance_*`` take ``grouping_col(s)`` but do not implement it ("Any
    non-NULL value is ignored", clustered_variance.sql_in): the argument is accepted in
    MADlib's place, and a value is an error here rather than a silently ungrouped model."""
    if grouping_col is not None and grouping_col.strip():
        raise InputError(f"{what}: grouping_col is not supported (MADlib accepts it and ignores it)",
                         hint="pass NULL, or run once per group over a view with a WHERE clause",
                         sqlstate="0A000")


def student_t_pvalues(stats: np.ndarray, df: int) -> np.ndarray:
    """Two-sided p-values from Student's t with ``df`` degrees of freedom (MADlib's
    ``__compute_t_stats`` for linear models: df = rows - coefficients)."""
    return 2 * special.stdtr(df, -np.abs(stats))


def _clustered(sess, kind, source_table, out_table, dependent_varname, independent_varname, clustervar,
               max_iter=20, tolerance=1e-4) -> None:
    what = "clustered_variance_" + kind
    _check_args(what, (("source_table", source_table), ("out_table", out_table),
                       ("dependent_varname", dependent_varname), ("independent_varname", independent_varname),
                       ("clustervar", clustervar)))
    source = resolve_source(sess, source_table)
    out = new_table(sess, out_table)
    clusters = sqlexpr.parse_name_list(clustervar)
    if not clusters:
        raise InputError(f"{what}: clustervar names no column", hint="e.g. 'firm' or 'firm, year'")
    logit = kind == "logregr"
    features = resolve_features(sess, source, dependent_varname, independent_varname, [], allow_bool=logit)
    resolve_features(sess, source, dependent_varname, independent_varname, clusters, allow_bool=logit)  # the columns
    if logit:
        fits, _, _ = _logit_fits(sess, source, features, max_iter, tolerance, what)
    else:
        fits, _ = _ols_fits(sess, source, features)
    if None not in fits:
        raise InputError(f"{what}: no rows to train on", sqlstate=InputError.NO_DATA)
    coef, bread, _ = fits[None]
    # One statement: each cluster's score sum (inner aggregate), the sum of their outer products (outer).
    agg = "indb_ml._scores_logit(" if logit else "indb_ml._scores_linear("
    inner = ("SELECT " + agg + features.y_sql + ", " + features.x_sql + ", " + passes.float8_array_sql(sess, coef)
             + ") AS s FROM " + source.sql(sess) + " GROUP BY " + ", ".join(sess.ident(c) for c in clusters))
    query = ("SELECT indb_ml._cluster_meat(c.s) AS state, pg_catalog.count(*) FILTER (WHERE indb_ml._score_rows(c.s) "
             "> 0) AS clusters FROM (" + inner + ") c")
    try:
        row = sess.one(query)
    except sess.spi_error as exc:
        raise passes.pass_error(exc) from None
    _, meat, n, skipped = sandwich_from_cstate(row["state"])
    groups = int(row["clusters"])
    fit = sandwich(coef, bread, meat, n, cluster_factor(groups, n, coef.size))
    stat = "t_stats" if kind == "linregr" else "z_stats"
    p_values = fit.p_values.tolist()
    if kind == "linregr":  # MADlib: Student t with rows - coefficients degrees of freedom; NULL without any
        p_values = student_t_pvalues(fit.stats, n - coef.size).tolist() if n > coef.size else None
    cols = (("coef", "float8[]"), ("std_err", "float8[]"), (stat, "float8[]"), ("p_values", "float8[]"),
            ("num_clusters", "integer"), ("num_rows_processed", "bigint"), ("num_missing_rows_skipped", "bigint"))
    write_models(sess, source, out, (), cols, {None: [fit.coef.tolist(), fit.std_err.tolist(), fit.stats.tolist(),
                                                     p_values, groups, fit.num_rows, skipped]})


@sql_entry
@registers("clustered_variance_linregr")
def clustered_variance_linregr(sess, source_table, out_table, dependent_varname, independent_varname,
                               clustervar, grouping_col=None) -> None:
    no_grouping("clustered_variance_linregr", grouping_col)
    _clustered(sess, "linregr", source_table, out_table, dependent_varname, independent_varname, clustervar)


@sql_entry
@registers("clustered_variance_logregr")
def clustered_variance_logregr(sess, source_table, out_table, dependent_varname, independent_varname, clustervar,
                               max_iter=20, optimizer="irls", tolerance=1e-4, grouping_col=None,
                               verbose=False) -> None:
    """``grouping_col`` and ``verbose`` (MADlib's 6th and 10th arguments) are keywords here, so
    that the earlier positional ``(…, clustervar, max_iter, optimizer, tolerance)`` keeps working."""
    no_grouping("clustered_variance_logregr", grouping_col)
    if (optimizer or "irls").lower() not in ("irls", "newton"):
        raise InputError(f"clustered_variance_logregr: optimizer {optimizer!r} is not available", hint="use 'irls'")
    _clustered(sess, "logregr", source_table, out_table, dependent_varname, independent_varname, clustervar,
               max_iter or 20, 1e-4 if tolerance is None else tolerance)
