"""``robust_variance_linregr`` and ``robust_variance_logregr``: MADlib's Huber-White variances.

The rows are packed once (:mod:`indb_ml.core.packed`); the coefficients are the OLS or
logistic fit, and the standard errors come from the HC0 sandwich
(:mod:`indb_ml.kernels.robust`). Output: [grouping columns], coef, std_err, t_stats (z for
the logit), p_values, num_rows_processed, num_missing_rows_skipped.
"""

from __future__ import annotations

import numpy as np

from indb_ml import sqlexpr
from indb_ml.core.features import resolve_features
from indb_ml.core.model_tables import write_models
from indb_ml.core.packed import packed_groups
from indb_ml.core.relations import new_table, resolve_source
from indb_ml.core.session import sql_entry
from indb_ml.errors import InputError
from indb_ml.kernels.logregr import irls
from indb_ml.kernels.robust import clustered, robust_logit, robust_ols
from indb_ml.models.catalog import registers


def _train(sess, kind, source_table, out_table, dependent_varname, independent_varname, grouping_cols,
           max_iter=20, tolerance=1e-4) -> None:
    what = "robust_variance_" + kind
    for name, value in (("source_table", source_table), ("out_table", out_table),
                        ("dependent_varname", dependent_varname), ("independent_varname", independent_varname)):
        if value is None:
            raise InputError(f"{what}: {name} must not be NULL")
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

    def binary(y):
        return None if np.all((y == 0) | (y == 1)) else "the dependent variable must be boolean or 0/1"

    groups, skipped = packed_groups(sess, source, features, binary if kind == "logregr" else (lambda y: None), what)
    if not any(groups.values()):
        raise InputError(f"{what}: no rows to train on", sqlstate=InputError.NO_DATA)
    rows = {}
    for gkey in skipped:
        parts = groups.get(gkey, [])
        if not parts:
            rows[gkey] = [None] * 4 + [0, skipped[gkey]]
            continue
        if kind == "linregr":
            fit = robust_ols(parts)
        else:
            k = parts[0].shape[1] - 1
            logit = irls(lambda parts=parts: ((b[:, 1:], b[:, 0]) for b in parts), k, max_iter, tolerance)
            fit = robust_logit(parts, logit.coef)
        rows[gkey] = [fit.coef.tolist(), fit.std_err.tolist(), fit.stats.tolist(), fit.p_values.tolist(),
                      fit.num_rows, skipped[gkey]]
    write_models(sess, source, out, features.group_cols, cols, rows)


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


def _clustered(sess, kind, source_table, out_table, dependent_varname, independent_varname, clustervar,
               max_iter=20, tolerance=1e-4) -> None:
    what = "clustered_variance_" + kind
    for name, value in (("source_table", source_table), ("out_table", out_table),
                        ("dependent_varname", dependent_varname), ("independent_varname", independent_varname),
                        ("clustervar", clustervar)):
        if value is None:
            raise InputError(f"{what}: {name} must not be NULL")
    source = resolve_source(sess, source_table)
    out = new_table(sess, out_table)
    clusters = sqlexpr.parse_name_list(clustervar)
    features = resolve_features(sess, source, dependent_varname, independent_varname, clusters,
                                allow_bool=kind == "logregr")

    def check(y):
        if kind == "logregr" and not np.all((y == 0) | (y == 1)):
            return "the dependent variable must be boolean or 0/1"
        return None

    # Packing "grouped" by the cluster columns gives the blocks of each cluster.
    by_cluster, skipped = packed_groups(sess, source, features, check, what)
    by_cluster = {g: parts for g, parts in by_cluster.items() if parts}
    if not by_cluster:
        raise InputError(f"{what}: no rows to train on", sqlstate=InputError.NO_DATA)
    every = [b for parts in by_cluster.values() for b in parts]
    k = every[0].shape[1] - 1
    if kind == "linregr":
        coef = robust_ols(every).coef
    else:
        coef = irls(lambda: ((b[:, 1:], b[:, 0]) for b in every), k, max_iter, tolerance).coef
    fit = clustered(by_cluster, coef, kind == "logregr")
    stat = "t_stats" if kind == "linregr" else "z_stats"
    sess.execute("CREATE TABLE " + out.sql(sess) + " (coef float8[], std_err float8[], " + stat + " float8[], "
                 "p_values float8[], num_clusters integer, num_rows_processed bigint, num_missing_rows_skipped bigint)")
    sess.execute("INSERT INTO " + out.sql(sess) + " VALUES ($1, $2, $3, $4, $5, $6, $7)",
                 [fit.coef.tolist(), fit.std_err.tolist(), fit.stats.tolist(), fit.p_values.tolist(), len(by_cluster),
                  fit.num_rows, sum(skipped.values())],
                 ["float8[]", "float8[]", "float8[]", "float8[]", "int4", "int8", "int8"])


@sql_entry
@registers("clustered_variance_linregr")
def clustered_variance_linregr(sess, source_table, out_table, dependent_varname, independent_varname,
                               clustervar) -> None:
    _clustered(sess, "linregr", source_table, out_table, dependent_varname, independent_varname, clustervar)


@sql_entry
@registers("clustered_variance_logregr")
def clustered_variance_logregr(sess, source_table, out_table, dependent_varname, independent_varname, clustervar,
                               max_iter=20, optimizer="irls", tolerance=1e-4) -> None:
    if (optimizer or "irls").lower() not in ("irls", "newton"):
        raise InputError(f"clustered_variance_logregr: optimizer {optimizer!r} is not available", hint="use 'irls'")
    _clustered(sess, "logregr", source_table, out_table, dependent_varname, independent_varname, clustervar,
               max_iter or 20, 1e-4 if tolerance is None else tolerance)
