"""``indb_ml.mlogregr_train``: MADlib's multinomial logistic regression (Newton's method).

The rows are packed once (:mod:`indb_ml.core.packed`); Newton iterates over the blocks
(:mod:`indb_ml.kernels.mlogregr`). The dependent is an integer category; ``ref_category``
(default 0) is the baseline. One output row per non-reference category.
"""

from __future__ import annotations

import numpy as np

from indb_ml import sqlexpr
from indb_ml.core.features import resolve_features
from indb_ml.core.model_tables import write_models, write_summary
from indb_ml.core.packed import packed_groups, training_rows
from indb_ml.core.params import parse_params
from indb_ml.core.relations import ensure_absent, new_table, resolve_source, summary_of
from indb_ml.core.session import sql_entry
from indb_ml.errors import InputError
from indb_ml.kernels.mlogregr import mlogit_newton
from indb_ml.models.catalog import registers

COLUMNS = ("category integer, ref_category integer, coef float8[], log_likelihood float8, std_err float8[], "
           "z_stats float8[], p_values float8[], odds_ratios float8[], condition_no float8, num_iterations integer, "
           "num_rows_processed bigint, num_rows_skipped bigint, variance_covariance float8[], status text")
MAX_CATEGORIES = 100


def _integers(y: np.ndarray) -> str | None:
    return None if np.all(y == np.floor(y)) else "the dependent variable must be an integer category"


@sql_entry
@registers("mlogregr")
def mlogregr_train(sess, source_table, output_table, dependent_varname, independent_varname, ref_category=0,
                   optimizer_params=None) -> None:
    for name, value in (("source_table", source_table), ("output_table", output_table),
                        ("dependent_varname", dependent_varname), ("independent_varname", independent_varname)):
        if value is None:
            raise InputError(f"mlogregr_train: {name} must not be NULL")
    op = parse_params(optimizer_params, {"max_iter": (int, 20), "optimizer": (str, "irls"),
                                         "tolerance": (float, 1e-4)}, "optimizer_params")
    if op["optimizer"] not in ("irls", "newton"):
        raise InputError(f"mlogregr_train: optimizer {op['optimizer']!r} is not available", hint="use irls")
    if op["max_iter"] < 1 or not np.isfinite(op["tolerance"]) or op["tolerance"] < 0:
        raise InputError("mlogregr_train: max_iter must be at least 1 and tolerance a finite number >= 0")
    ref = 0 if ref_category is None else int(ref_category)
    source = resolve_source(sess, source_table)
    out = new_table(sess, output_table, "output_table")
    summary = summary_of(out)
    ensure_absent(sess, summary, "summary table")
    features = resolve_features(sess, source, dependent_varname, independent_varname, [])
    groups, skipped, close = training_rows(sess, source, features, _integers, "mlogregr_train")
    data = groups.get(None)
    if data is None:
        raise InputError("mlogregr_train: no rows to train on", sqlstate=InputError.NO_DATA)
    categories = _categories([data])
    if len(categories) < 2 or len(categories) > MAX_CATEGORIES:
        raise InputError(f"mlogregr_train: the dependent variable has {len(categories)} categories",
                         hint=f"it needs 2 to {MAX_CATEGORIES}")
    if float(ref) not in categories:
        raise InputError(f"mlogregr_train: ref_category {ref} is not one of the categories "
                         f"{[int(c) for c in categories][:10]}")
    fit = mlogit_newton(data.blocks, data.width, categories, float(ref), op["max_iter"], op["tolerance"])
    close()
    if fit.status != "converged":
        sess.warning(f"mlogregr_train: {fit.status} after {fit.num_iterations} iterations")
    sess.execute("CREATE TABLE " + out.sql(sess) + " (" + COLUMNS + ")")
    insert = ("INSERT INTO " + out.sql(sess) + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
              "$14)")
    types = ["int4", "int4", "float8[]", "float8", "float8[]", "float8[]", "float8[]", "float8[]", "float8", "int4",
             "int8", "int8", "float8[]", "text"]
    for j, category in enumerate(fit.categories):
        sess.execute(insert, [int(category), ref, fit.coef[j].tolist(), fit.log_likelihood, fit.std_err[j].tolist(),
                              fit.z_stats[j].tolist(), fit.p_values[j].tolist(), np.exp(fit.coef[j]).tolist(),
                              fit.condition_no, fit.num_iterations, fit.num_rows, skipped.get(None, 0),
                              fit.variance_covariance.tolist(), fit.status], types)
    sess.execute("CREATE TABLE " + summary.sql(sess) + " (method text, source_table text, output_table text, "
                 "dependent_varname text, independent_varname text, ref_category integer, num_categories integer, "
                 "optimizer_params text, num_rows_processed bigint, num_rows_skipped bigint)")
    sess.execute("INSERT INTO " + summary.sql(sess) + " VALUES ('mlogregr', $1, $2, $3, $4, $5, $6, $7, $8, $9)",
                 [source.sql(sess), out.sql(sess), dependent_varname, independent_varname, ref, len(categories),
                  f"max_iter={op['max_iter']}, optimizer=irls, tolerance={op['tolerance']:g}", fit.num_rows,
                  skipped.get(None, 0)],
                 ["text", "text", "text", "text", "int4", "int4", "text", "int8", "int8"])


MULTINOM_COLUMNS = (
    ("category", "integer"), ("coef", "float8[]"), ("log_likelihood", "float8"), ("std_err", "float8[]"),
    ("z_stats", "float8[]"), ("p_values", "float8[]"), ("num_rows_processed", "bigint"),
    ("num_rows_skipped", "bigint"), ("num_iterations", "integer"), ("status", "text"),
)


@sql_entry
@registers("multinom")
def multinom(sess, source_table, model_table, dependent_varname, independent_varname, ref_category=0,
             link_func="logit", grouping_col=None, optim_params=None, verbose=False) -> None:
    """MADlib's GLM-style multinomial regression: the same model as mlogregr_train, grouping,
    one row per group and non-reference category."""
    for name, value in (("source_table", source_table), ("model_table", model_table),
                        ("dependent_varname", dependent_varname), ("independent_varname", independent_varname)):
        if value is None:
            raise InputError(f"multinom: {name} must not be NULL")
    if (link_func or "logit").strip().lower() != "logit":
        raise InputError(f"multinom: link_func {link_func!r} is not available", hint="use logit")
    op = parse_params(optim_params, {"max_iter": (int, 100), "optimizer": (str, "irls"),
                                     "tolerance": (float, 1e-6)}, "optim_params")
    if op["optimizer"] not in ("irls", "newton") or op["max_iter"] < 1 or op["tolerance"] < 0:
        raise InputError("multinom: optim_params needs optimizer=irls, max_iter >= 1 and tolerance >= 0")
    ref = 0 if ref_category is None else int(ref_category)
    source = resolve_source(sess, source_table)
    out = new_table(sess, model_table, "model_table")
    summary = summary_of(out)
    ensure_absent(sess, summary, "summary table")
    grouping = sqlexpr.parse_name_list(grouping_col) if grouping_col and grouping_col.strip() else []
    features = resolve_features(sess, source, dependent_varname, independent_varname, grouping)
    groups, skipped, close = training_rows(sess, source, features, _integers, "multinom")
    if not groups:
        raise InputError("multinom: no rows to train on", sqlstate=InputError.NO_DATA)
    categories = _categories(groups.values())
    if float(ref) not in categories or len(categories) < 2:
        raise InputError(f"multinom: ref_category {ref} is not one of the categories, or there is only one")
    written: dict = {}
    for gkey in skipped:
        data = groups.get(gkey)
        if data is None:
            continue
        fit = mlogit_newton(data.blocks, data.width, categories, float(ref), op["max_iter"], op["tolerance"])
        if verbose:
            sess.plpy.notice(f"multinom{' group ' + gkey if gkey else ''}: {fit.num_iterations} iterations, "
                             f"log-likelihood {fit.log_likelihood:.10g}")
        if fit.status != "converged":
            sess.warning(f"multinom{' in group ' + gkey if gkey else ''}: {fit.status}")
        for j, category in enumerate(fit.categories):
            key = (gkey, int(category))
            written[key] = [int(category), fit.coef[j].tolist(), fit.log_likelihood, fit.std_err[j].tolist(),
                            fit.z_stats[j].tolist(), fit.p_values[j].tolist(), fit.num_rows, skipped[gkey],
                            fit.num_iterations, fit.status]
    close()
    _write_per_category(sess, source, out, features.group_cols, written)
    statuses = {gkey: values[-1] for (gkey, _), values in written.items()}
    write_summary(sess, summary, (
        ("method", "text", "multinom"), ("source_table", "text", source.sql(sess)),
        ("model_table", "text", out.sql(sess)), ("dependent_varname", "text", dependent_varname),
        ("independent_varname", "text", independent_varname), ("ref_category", "text", str(ref)),
        ("category_list", "text", ",".join(str(int(c)) for c in categories)), ("link_func", "text", "logit"),
        ("grouping_col", "text", grouping_col),
        ("optimizer_params", "text", f"optimizer=irls, max_iter={op['max_iter']}, tolerance={op['tolerance']:g}"),
        ("num_all_groups", "int4", len(skipped)),
        ("num_failed_groups", "int4", len(skipped) - sum(s == "converged" for s in statuses.values())),
        ("total_rows_processed", "int8", sum({g: v[6] for (g, _), v in written.items()}.values())),
        ("total_rows_skipped", "int8", sum(skipped.values()))))


def _categories(datas) -> list:
    """The sorted distinct dependent values over every group's rows (one pass over each)."""
    return sorted({float(c) for data in datas for _, y in data.blocks() for c in np.unique(y)})


def _write_per_category(sess, source, out, group_cols, written: dict, columns: tuple = MULTINOM_COLUMNS) -> None:
    """Rows keyed by (group key, category): the grouped writer takes one row per key, so the
    category rows are written group by group."""
    by_group: dict = {}
    for (gkey, _), values in sorted(written.items(), key=lambda kv: (kv[0][0] or "", kv[0][1])):
        by_group.setdefault(gkey, []).append(values)
    first = True
    for gkey, rows in by_group.items():
        for values in rows:
            write_models(sess, source, out, group_cols, columns, {gkey: values}, create=first)
            first = False


@sql_entry
@registers("robust_variance_mlogregr")
def robust_variance_mlogregr(sess, source_table, out_table, dependent_varname, independent_varname, ref_category=0,
                             grouping_cols=None, optimizer_params=None) -> None:
    """Multinomial logit with Huber-White (HC0) standard errors (MADlib robust_variance_mlogregr)."""
    from indb_ml.kernels.robust import robust_mlogit

    for name, value in (("source_table", source_table), ("out_table", out_table),
                        ("dependent_varname", dependent_varname), ("independent_varname", independent_varname)):
        if value is None:
            raise InputError(f"robust_variance_mlogregr: {name} must not be NULL")
    op = parse_params(optimizer_params, {"max_iter": (int, 20), "optimizer": (str, "irls"),
                                         "tolerance": (float, 1e-4)}, "optimizer_params")
    ref = 0 if ref_category is None else int(ref_category)
    source = resolve_source(sess, source_table)
    out = new_table(sess, out_table)
    grouping = sqlexpr.parse_name_list(grouping_cols) if grouping_cols and grouping_cols.strip() else []
    features = resolve_features(sess, source, dependent_varname, independent_varname, grouping)
    groups, skipped = packed_groups(sess, source, features, _integers, "robust_variance_mlogregr")
    if not any(groups.values()):
        raise InputError("robust_variance_mlogregr: no rows to train on", sqlstate=InputError.NO_DATA)
    categories = sorted({float(c) for parts in groups.values() for b in parts for c in np.unique(b[:, 0])})
    if float(ref) not in categories:
        raise InputError(f"robust_variance_mlogregr: ref_category {ref} is not one of the categories")
    written: dict = {}
    for gkey, parts in groups.items():
        if not parts:
            continue
        fit = mlogit_newton(lambda parts=parts: ((b[:, 1:], b[:, 0]) for b in parts), parts[0].shape[1] - 1,
                            categories, float(ref), op["max_iter"], op["tolerance"])
        robust = robust_mlogit([parts], fit)
        for j, category in enumerate(fit.categories):
            written[(gkey, int(category))] = [
                int(category), ref, robust.coef[j].tolist(), robust.std_err[j].tolist(), robust.stats[j].tolist(),
                robust.p_values[j].tolist(), fit.num_rows, skipped.get(gkey, 0)]
    _write_per_category(sess, source, out, features.group_cols, written, ROBUST_COLUMNS)


ROBUST_COLUMNS = (
    ("category", "integer"), ("ref_category", "integer"), ("coef", "float8[]"), ("std_err", "float8[]"),
    ("z_stats", "float8[]"), ("p_values", "float8[]"), ("num_rows_processed", "bigint"),
    ("num_missing_rows_skipped", "bigint"),
)


@sql_entry
@registers("clustered_variance_mlogregr")
def clustered_variance_mlogregr(sess, source_table, out_table, dependent_varname, independent_varname, clustervar,
                                ref_category=0, optimizer_params=None) -> None:
    """Multinomial logit with cluster-robust standard errors (MADlib clustered_variance_mlogregr)."""
    from indb_ml.kernels.robust import robust_mlogit

    for name, value in (("source_table", source_table), ("out_table", out_table), ("clustervar", clustervar),
                        ("dependent_varname", dependent_varname), ("independent_varname", independent_varname)):
        if value is None:
            raise InputError(f"clustered_variance_mlogregr: {name} must not be NULL")
    op = parse_params(optimizer_params, {"max_iter": (int, 20), "optimizer": (str, "irls"),
                                         "tolerance": (float, 1e-4)}, "optimizer_params")
    ref = 0 if ref_category is None else int(ref_category)
    source = resolve_source(sess, source_table)
    out = new_table(sess, out_table)
    features = resolve_features(sess, source, dependent_varname, independent_varname,
                                sqlexpr.parse_name_list(clustervar))
    by_cluster, skipped = packed_groups(sess, source, features, _integers, "clustered_variance_mlogregr")
    clusters = [parts for parts in by_cluster.values() if parts]
    every = [b for parts in clusters for b in parts]
    if not every:
        raise InputError("clustered_variance_mlogregr: no rows to train on", sqlstate=InputError.NO_DATA)
    if len(clusters) < 2:
        raise InputError("clustered_variance_mlogregr: the data have one cluster; it needs two or more")
    categories = sorted({float(c) for b in every for c in np.unique(b[:, 0])})
    if float(ref) not in categories:
        raise InputError(f"clustered_variance_mlogregr: ref_category {ref} is not one of the categories")
    fit = mlogit_newton(lambda: ((b[:, 1:], b[:, 0]) for b in every), every[0].shape[1] - 1, categories,
                        float(ref), op["max_iter"], op["tolerance"])
    robust = robust_mlogit(clusters, fit)
    sess.execute("CREATE TABLE " + out.sql(sess) + " (category integer, ref_category integer, coef float8[], "
                 "std_err float8[], z_stats float8[], p_values float8[], num_clusters integer, "
                 "num_rows_processed bigint, num_missing_rows_skipped bigint)")
    for j, category in enumerate(fit.categories):
        sess.execute("INSERT INTO " + out.sql(sess) + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                     [int(category), ref, robust.coef[j].tolist(), robust.std_err[j].tolist(),
                      robust.stats[j].tolist(), robust.p_values[j].tolist(), len(clusters), fit.num_rows,
                      sum(skipped.values())],
                     ["int4", "int4", "float8[]", "float8[]", "float8[]", "float8[]", "int4", "int8", "int8"])
