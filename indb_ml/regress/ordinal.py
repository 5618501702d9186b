"""``indb_ml.ordinal``: MADlib's ordinal regression (cumulative logit or probit).

The dependent's values are ordered by ``cat_order`` ('mild, moderate, severe'); a value
outside that list is an error. The rows are packed once (:mod:`indb_ml.core.packed`) and
the likelihood is maximized over the blocks (:mod:`indb_ml.kernels.ordinal`).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from indb_ml import sqlexpr
from indb_ml.core.features import resolve_features
from indb_ml.core.model_tables import write_models, write_summary
from indb_ml.core.packed import training_rows
from indb_ml.core.relations import ensure_absent, new_table, resolve_source, summary_of
from indb_ml.core.session import sql_entry
from indb_ml.errors import InputError
from indb_ml.kernels.ordinal import LINKS, fit_ordinal
from indb_ml.models.catalog import registers

COLUMNS = (
    ("coef_threshold", "float8[]"), ("std_err_threshold", "float8[]"), ("z_stats_threshold", "float8[]"),
    ("p_values_threshold", "float8[]"), ("log_likelihood", "float8"), ("coef_feature", "float8[]"),
    ("std_err_feature", "float8[]"), ("z_stats_feature", "float8[]"), ("p_values_feature", "float8[]"),
    ("num_rows_processed", "bigint"), ("num_rows_skipped", "bigint"), ("iteration", "integer"),
)


def _wald(coef, se):
    with np.errstate(invalid="ignore", divide="ignore"):
        z = coef / se
    return z, 2 * stats.norm.sf(np.abs(z))


@sql_entry
@registers("ordinal")
def ordinal(sess, source_table, model_table, dependent_varname, independent_varname, cat_order, link_func="logit",
            grouping_col=None, verbose=False) -> None:
    for name, value in (("source_table", source_table), ("model_table", model_table),
                        ("dependent_varname", dependent_varname), ("independent_varname", independent_varname),
                        ("cat_order", cat_order)):
        if value is None:
            raise InputError(f"ordinal: {name} must not be NULL")
    link = (link_func or "logit").strip().lower()
    if link not in LINKS:
        raise InputError(f"ordinal: link_func {link_func!r} must be logit or probit")
    categories = [c.strip() for c in cat_order.split(",")]
    if len(categories) < 2 or any(not c for c in categories) or len(set(categories)) != len(categories):
        raise InputError(f"ordinal: cat_order {cat_order!r} must list two or more distinct categories, "
                         "separated by commas", hint="e.g. 'mild, moderate, severe'")
    source = resolve_source(sess, source_table)
    out = new_table(sess, model_table, "model_table")
    summary = summary_of(out)
    ensure_absent(sess, summary, "summary table")
    grouping = sqlexpr.parse_name_list(grouping_col) if grouping_col and grouping_col.strip() else []
    features = resolve_features(sess, source, dependent_varname, independent_varname, grouping, categories=categories)
    y_text = features.row_sql  # the dependent's position is the first element: check for values outside the list
    unknown = sess.one("SELECT pg_catalog.count(*) AS n FROM " + source.sql(sess) + " WHERE (" + y_text
                       + ")[1] IS NULL AND (" + sqlexpr.to_sql(sqlexpr.parse(dependent_varname), sess.ident,
                                                               sess.literal, function_schema="pg_catalog")
                       + ") IS NOT NULL")["n"]
    if unknown:
        raise InputError(f"ordinal: {unknown} rows have a dependent value that cat_order does not list",
                         hint="list every category in cat_order, in order")
    groups, skipped, close = training_rows(sess, source, features, lambda y: None, "ordinal")
    if not groups:
        raise InputError("ordinal: no rows to train on", sqlstate=InputError.NO_DATA)
    rows, failed = {}, 0
    for gkey in skipped:
        data = groups.get(gkey)
        if data is None:
            rows[gkey] = [None] * 9 + [0, skipped[gkey], 0]
            failed += 1
            continue
        fit = fit_ordinal(data.blocks, data.width, len(categories), link)
        if not fit.converged:
            failed += 1
            sess.warning(f"ordinal{' in group ' + gkey if gkey else ''}: did not converge after "
                         f"{fit.iterations} iterations")
        if verbose:
            sess.plpy.notice(f"ordinal{' group ' + gkey if gkey else ''}: {fit.iterations} iterations, "
                             f"log-likelihood {fit.log_likelihood:.10g}")
        zt, pt = _wald(fit.thresholds, fit.threshold_se)
        zf, pf = _wald(fit.coef, fit.coef_se)
        rows[gkey] = [fit.thresholds.tolist(), fit.threshold_se.tolist(), zt.tolist(), pt.tolist(),
                      fit.log_likelihood, fit.coef.tolist(), fit.coef_se.tolist(), zf.tolist(), pf.tolist(),
                      fit.num_rows, skipped[gkey], fit.iterations]
    close()
    write_models(sess, source, out, features.group_cols, COLUMNS, rows)
    write_summary(sess, summary, (
        ("method", "text", "ordinal"), ("source_table", "text", source.sql(sess)),
        ("model_table", "text", out.sql(sess)), ("dependent_varname", "text", dependent_varname),
        ("independent_varname", "text", independent_varname), ("category_list", "text", ",".join(categories)),
        ("link_func", "text", link), ("grouping_col", "text", grouping_col),
        ("num_all_groups", "int4", len(rows)), ("num_failed_groups", "int4", failed),
        ("total_rows_processed", "int8", sum(r[9] for r in rows.values())),
        ("total_rows_skipped", "int8", sum(skipped.values()))))
