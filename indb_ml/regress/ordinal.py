"""``indb_ml.ordinal``: MADlib's ordinal regression (cumulative logit or probit).

The dependent's values are ordered by ``cat_order`` ('mild, moderate, severe'); a value
outside that list is an error. The likelihood is maximized as MADlib does it, by Fisher
scoring from MADlib's start with its stopping rule, iteration count and standard errors
from the expected information (:func:`indb_ml.kernels.ordinal.fisher_steps`), each
iteration one pass over the rows, in one of two physical plans
(:mod:`indb_ml.core.plan_choice`):

- **aggregate passes**: ``SELECT g, indb_ml._ordinal_step(y, x, [θ, β], K, link, true,
  true) FROM source GROUP BY g`` (C per row, ``src/ordinal.c``: log-likelihood, gradient
  and expected information) with each group's parameters joined from a ``VALUES`` list;
  the groups' Fisher scoring generators advance in lockstep (:mod:`indb_ml.regress.lockstep`), so each round
  is one statement for all of them. Runs on views, partitioned and foreign tables, in
  parallel workers and on Citus shards.
- **rows in memory**: packed once (:mod:`indb_ml.core.packed`), evaluations in numpy; only
  for plain local tables, below ``indb_ml.matrix_memory_mb`` (above it: aggregate passes).

``SET indb_ml.madlib_statistics = on``: MADlib's own path (its first step added to zero,
steps never halved; :func:`indb_ml.kernels.ordinal.fisher_steps`). ``SET
indb_ml.madlib_failures = on``: MADlib's NULL row for a group with NaN or Infinity in a
feature (:mod:`indb_ml.regress.madlib_failures`) or whose pass is not finite
(:func:`failed_row`).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from indb_ml import sqlexpr
from indb_ml.core import progress
from indb_ml.core.features import resolve_features
from indb_ml.core.model_tables import write_models, write_summary
from indb_ml.core.packed import MemoryRows, TooBig, packed_groups
from indb_ml.core.params import parse_params
from indb_ml.core.plan_choice import use_aggregate_passes
from indb_ml.core.relations import ensure_absent, new_table, resolve_source, summary_of
from indb_ml.core.session import sql_entry
from indb_ml.errors import InputError
from indb_ml.kernels.ordinal import (
    LINK_CODES,
    LINKS,
    evaluation_from_state,
    fisher_steps,
    fit_ordinal,
    madlib_log_likelihood,
    madlib_start,
    skipped_of,
    start_point,
    unfloored_pass,
)
from indb_ml.models.catalog import registers
from indb_ml.regress import lockstep
from indb_ml.regress import madlib_failures as mf
from indb_ml.regress.madlib_statistics import madlib_statistics

# Rows packed in memory beat aggregate passes on a plain local table: the fit makes few
# passes (one per iteration), each one scan on the aggregate plan, each a numpy pass over
# the packed rows on the memory plan (bench/run_category_plans.py; docs/reference/glm.md).
MEMORY_FASTER = True
# MADlib's optim_params keys and defaults; tolerance is MADlib's: the relative change of
# the log-likelihood between two iterations below which the fit stops.
OPTIM_PARAMS = {"max_iter": (int, 100), "optimizer": (str, "irls"), "tolerance": (float, 1e-6)}
COLUMNS = (
    ("coef_threshold", "float8[]"), ("std_err_threshold", "float8[]"), ("z_stats_threshold", "float8[]"),
    ("p_values_threshold", "float8[]"), ("log_likelihood", "float8"), ("coef_feature", "float8[]"),
    ("std_err_feature", "float8[]"), ("z_stats_feature", "float8[]"), ("p_values_feature", "float8[]"),
    ("num_rows_processed", "bigint"), ("num_rows_skipped", "bigint"), ("num_iterations", "integer"),
)


# MADlib's warning when a pass's information or gradient is not finite (glm/Ordinal_impl.hpp, apply)
HESSIAN = ("Ordinal:Hessian or gradient is not finite. One possibility is that intercept is included in the "
           "independent variables. If that is the case, please drop the intercept and rerun the function.")


def failed_row(num_rows: int, iteration: int, max_iter: int) -> list:
    """MADlib's row for a group its fit ends (``SET indb_ml.madlib_failures = on``): the
    aggregate's final step returns NULL (``terminated``: a non-finite row, or a pass whose
    information or gradient is not finite), so every value is NULL, 0 rows processed and
    every row of the group (``count(*)``) skipped. ``num_iterations``: the iteration it
    failed at; a group failing at its first pass has no state to stop on (its log-likelihood
    change stays infinite), is run again from the start until ``max_iter`` and says so
    (glm/ordinal.py_in, utilities/in_mem_group_control.py_in)."""
    return [None] * 9 + [0, num_rows, max_iter if iteration == 1 else iteration]


def parse_cat_order(cat_order: str) -> list[str]:
    """The categories in order: MADlib's ``'0<1<2'``, or a comma list ``'mild, moderate, severe'``.

    >>> parse_cat_order('0<1<2'), parse_cat_order('mild, moderate')
    (['0', '1', '2'], ['mild', 'moderate'])
    """
    sep = "<" if "<" in cat_order else ","
    categories = [c.strip() for c in cat_order.split(sep)]
    if len(categories) < 2 or any(not c for c in categories) or len(set(categories)) != len(categories):
        raise InputError(f"ordinal: cat_order {cat_order!r} must list two or more distinct categories, "
                         "lowest first, separated by '<' or by commas", hint="e.g. '0<1<2' or 'mild, moderate, severe'")
    return categories


def _sorted_categories(sess, source, raw_y: str) -> list[str]:
    """No ``cat_order``: the dependent's distinct values as text, in Python's sort order
    (MADlib's ``sorted(category_list)`` over ``str`` values)."""
    rows = sess.execute("SELECT DISTINCT (" + raw_y + ")::text AS c FROM " + source.sql(sess) + " WHERE (" + raw_y
                     + ") IS NOT NULL")
    categories = sorted(r["c"] for r in rows)
    if len(categories) < 2:
        raise InputError(f"ordinal: the dependent has {len(categories)} distinct value(s); two or more are needed",
                         hint="give cat_order, or train on a table with two or more categories")
    return categories


def _wald(coef, se):
    with np.errstate(invalid="ignore", divide="ignore"):
        z = coef / se
    return z, 2 * stats.norm.sf(np.abs(z))


@sql_entry
@registers("ordinal")
def ordinal(sess, source_table, model_table, dependent_varname, independent_varname, cat_order=None,
            link_func="logit", grouping_col=None, verbose=False, optim_params=None) -> None:
    """``optim_params`` (MADlib's 8th argument, before ``verbose``) is a keyword here so that
    callers passing ``verbose`` positionally (``ordinal_fit``) keep working."""
    for name, value in (("source_table", source_table), ("model_table", model_table),
                        ("dependent_varname", dependent_varname), ("independent_varname", independent_varname)):
        if value is None:
            raise InputError(f"ordinal: {name} must not be NULL")
    link = (link_func or "logit").strip().lower()
    if link not in LINKS:
        raise InputError(f"ordinal: link_func {link_func!r} must be logit or probit")
    optim = parse_params(optim_params, OPTIM_PARAMS, "ordinal optim_params")
    if optim["optimizer"] not in ("irls", "newton"):
        raise InputError(f"ordinal: optimizer {optim['optimizer']!r} is not supported",
                         hint="use optimizer=irls (MADlib's Fisher scoring)")
    if optim["max_iter"] < 1 or not optim["tolerance"] > 0:
        raise InputError("ordinal: optim_params max_iter must be at least 1 and tolerance above 0")
    source = resolve_source(sess, source_table)
    out = new_table(sess, model_table, "model_table")
    summary = summary_of(out)
    ensure_absent(sess, summary, "summary table")
    grouping = sqlexpr.parse_name_list(grouping_col) if grouping_col and grouping_col.strip() else []
    raw_y = sqlexpr.to_sql(sqlexpr.parse(dependent_varname), sess.ident, sess.literal, function_schema="pg_catalog")
    categories = (parse_cat_order(cat_order) if cat_order is not None and cat_order.strip()
                  else _sorted_categories(sess, source, raw_y))
    features = resolve_features(sess, source, dependent_varname, independent_varname, grouping, categories=categories)
    unknown = sess.one("SELECT pg_catalog.count(*) AS n FROM " + source.sql(sess) + " WHERE " + features.y_sql
                       + " IS NULL AND (" + raw_y + ") IS NOT NULL")["n"]
    if unknown:
        raise InputError(f"ordinal: {unknown} rows have a dependent value that cat_order does not list",
                         hint="list every category in cat_order, in order")
    madlib = madlib_statistics(sess)  # MADlib's own path: its first step added to zero, no halving
    failures = mf.madlib_failures(sess)  # MADlib's NULL rows for failed groups (non-finite rows, terminated fits)
    fit_source, bad, drop = mf.prepare(sess, source, features) if failures else (source, {}, None)
    prog = progress.start(sess, "ordinal", max_iter=optim["max_iter"])  # the kernel reports each iteration
    packed = _packed(sess, fit_source, features)  # a view without the non-finite rows: aggregate passes
    if packed is None:
        fits, skipped = _aggregate_fits(sess, fit_source, features, len(categories), link, optim, madlib)
    else:
        groups, skipped = packed
        fits = {g: fit_ordinal(groups[g].blocks, groups[g].width, len(categories), link, optim["max_iter"],
                               optim["tolerance"], g, madlib)
                for g in skipped if g in groups}
    if not fits and not bad:
        raise InputError("ordinal: no rows to train on", sqlstate=InputError.NO_DATA)
    rows, failed = {}, 0
    for gkey in skipped:
        fit = fits.get(gkey)
        if gkey in bad:  # written below, as MADlib
            continue
        if fit is None:
            rows[gkey] = [None] * 9 + [0, skipped[gkey], 0]
            failed += 1
            continue
        where = f"ordinal{' in group ' + gkey if gkey else ''}"
        if fit.failed and failures:  # MADlib's terminated state: the group's values NULL
            mf.warn(sess, HESSIAN, gkey, f"iteration {fit.iterations}; the group's values are NULL")
            rows[gkey] = failed_row(fit.num_rows + skipped[gkey], fit.iterations, optim["max_iter"])
            failed += 1
            continue
        elif not fit.converged:  # a warning; MADlib counts as failed only groups without coef
            sess.warning(f"{where}: did not converge after {fit.iterations} iterations")
        if verbose:
            sess.plpy.notice(f"ordinal{' group ' + gkey if gkey else ''}: {fit.iterations} iterations, "
                             f"log-likelihood {fit.log_likelihood:.10g}")
        zt, pt = _wald(fit.thresholds, fit.threshold_se)
        zf, pf = _wald(fit.coef, fit.coef_se)
        rows[gkey] = [fit.thresholds.tolist(), fit.threshold_se.tolist(), zt.tolist(), pt.tolist(),
                      fit.log_likelihood, fit.coef.tolist(), fit.coef_se.tolist(), zf.tolist(), pf.tolist(),
                      fit.num_rows, skipped[gkey], fit.iterations]
    for gkey, group in sorted(bad.items(), key=lambda kv: kv[0] or ""):
        mf.warn(sess, mf.DESIGN, gkey, f"{group.bad} row(s) with NaN or Infinity; the group's values are NULL")
        rows[gkey] = failed_row(group.num_rows, 1, optim["max_iter"])
        failed += 1
    if bad:
        drop()
    write_models(sess, source, out, features.group_cols, COLUMNS, rows)
    # MADlib's summary (glm/ordinal.py_in): its columns, order and types; its code names the
    # model table's column out_table (its documentation says model_table)
    write_summary(sess, summary, (
        ("method", "varchar", "ordinal"), ("source_table", "varchar", source.sql(sess)),
        ("out_table", "varchar", out.sql(sess)), ("dependent_varname", "varchar", dependent_varname),
        ("independent_varname", "varchar", independent_varname), ("category_list", "varchar", ",".join(categories)),
        ("link_func", "varchar", link), ("grouping_col", "varchar", grouping_col),
        ("optimizer_params", "varchar", f"optimizer={optim['optimizer']}, max_iter={optim['max_iter']}, "
                                        f"tolerance={optim['tolerance']:g}"),
        ("num_all_groups", "integer", len(rows)), ("num_failed_groups", "integer", failed),
        ("total_rows_processed", "bigint", sum(r[9] for r in rows.values())),
        ("total_rows_skipped", "bigint", sum(r[10] for r in rows.values()))))  # as MADlib: over the rows
    prog.done()


def _packed(sess, source, features):
    """``({group: MemoryRows}, {group: rows skipped})`` when the rows are to be packed in
    memory, None for aggregate passes (anything but a plain local table, or rows above
    ``indb_ml.matrix_memory_mb``). Says which in a DEBUG2 message."""
    where = f"{source.schema}.{source.name}"
    if use_aggregate_passes(sess, source, memory_faster=MEMORY_FASTER):
        sess.debug(f"ordinal: aggregate passes over {where}")
        return None
    try:
        groups, skipped = packed_groups(sess, source, features, lambda y: None, "ordinal")
    except TooBig:
        sess.debug(f"ordinal: the rows exceed indb_ml.matrix_memory_mb; aggregate passes over {where}")
        return None
    sess.debug(f"ordinal: rows packed in memory from {where}")
    return {g: MemoryRows(parts) for g, parts in groups.items() if parts}, skipped


def _aggregate_fits(sess, source, features, n_categories: int, link: str, optim: dict, madlib: bool = False):
    """``({group: OrdinalFit}, {group: rows skipped})`` by aggregate passes: the first at
    the start point (the same for every group, so no join), then one statement per round of
    the groups' Fisher scoring generators, each pass with the expected information
    (``madlib``: MADlib's path, :func:`indb_ml.kernels.ordinal.fisher_steps`; a pass at
    unordered thresholds is the aggregate's ``prob_floor`` false, as the rows in memory make
    it, in a statement of its own when other groups' passes are floored)."""
    k = features.n_features
    if k is None:  # an array column: its length, from one complete row (C checks every row)
        row = sess.one("SELECT pg_catalog.cardinality(x) AS k FROM (SELECT " + features.y_sql + " AS y, "
                       + features.x_sql + " AS x FROM " + source.sql(sess) + " s) t WHERE y IS NOT NULL AND x "
                       "IS NOT NULL AND pg_catalog.array_position(x, NULL) IS NULL LIMIT 1")
        k = int(row["k"]) if row is not None else 1
    group_cols = features.group_cols

    def call(coef_sql: str, floored: bool = True) -> str:
        return ("indb_ml._ordinal_step(" + features.y_sql + ", " + features.x_sql + ", " + coef_sql + ", "
                + str(int(n_categories)) + ", " + str(LINK_CODES[link]) + ", true, true"
                + ("" if floored else ", false") + ")")

    theta0 = (madlib_start if madlib else start_point)(n_categories, link)
    first = lockstep.coef_pass(sess, source, group_cols, call, {None: np.concatenate([theta0, np.zeros(k)])})
    statements = [1]
    skipped = {g: skipped_of(r["state"]) for g, r in first.items()}
    reference = list(first)
    gens, pending, fits = {}, {}, {}
    for g, r in first.items():
        e = evaluation_from_state(r["state"], k, n_categories)
        if e is None:  # every row skipped: no model
            continue
        gens[g] = fisher_steps(k, n_categories, link, optim["max_iter"], optim["tolerance"], g, madlib)
        next(gens[g])  # the start point: the pass just made
        try:
            pending[g] = gens[g].send(e)
        except StopIteration as stop:
            fits[g] = stop.value

    def evaluate(asks: dict) -> dict:
        kinds: dict = {}  # floored or not: {group: coef}, one statement each
        for g, (beta, theta) in asks.items():
            kinds.setdefault(unfloored_pass(madlib, theta), {})[g] = np.concatenate([theta, beta])
        out = {}
        for unfloored, coefs in kinds.items():
            statements[0] += 1
            rows = lockstep.coef_pass(sess, source, group_cols, lambda c, f=not unfloored: call(c, f), coefs,
                                      reference)
            for g in coefs:
                e = evaluation_from_state(rows[g]["state"], k, n_categories) if g in rows else None
                if e is None:
                    raise lockstep.vanished("ordinal", g)
                out[g] = madlib_log_likelihood(e) if unfloored else e
        return out

    fits.update(lockstep.run_lockstep(gens, pending, evaluate))
    sess.debug(f"ordinal: {statements[0]} statements for {len(gens)} group(s)")
    return fits, skipped
