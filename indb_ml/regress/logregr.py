"""``indb_ml.logregr_train``: MADlib's logistic regression by IRLS (or CG, IGD).

Two physical plans run the same iteration (:func:`indb_ml.kernels.logregr.irls_steps`),
chosen by :func:`indb_ml.core.plan_choice.use_aggregate_passes`:

- aggregate passes: every iteration is one statement ``SELECT g, indb_ml._logregr_step(y,
  x, coef) FROM source GROUP BY g``, the per-row work in C (``src/irls.c``), every group
  still iterating at once (:mod:`indb_ml.regress.lockstep`). It runs on views, foreign,
  partitioned and Citus distributed tables and in parallel workers, and on plain tables
  whose packed rows exceed ``indb_ml.matrix_memory_mb``;
- rows in memory (plain local tables, where it measured faster): the rows are packed
  once by a chunked scan (:mod:`indb_ml.core.packed`) and every iteration is a pass over
  them in numpy.

A group that does not converge, or whose data are separable or singular, gets a model
row with its ``status`` and a WARNING, not an error. ``SET indb_ml.madlib_failures = on``
gives MADlib's rows where its fit ends a group (:mod:`indb_ml.regress.madlib_failures`).
"""

from __future__ import annotations

import numpy as np

from indb_ml import sqlexpr
from indb_ml.core import passes, progress
from indb_ml.core.features import resolve_features
from indb_ml.core.model_tables import write_models, write_summary
from indb_ml.core.packed import MemoryRows, TooBig, packed_groups
from indb_ml.core.plan_choice import use_aggregate_passes
from indb_ml.core.relations import ensure_absent, new_table, resolve_source, summary_of
from indb_ml.core.session import sql_entry
from indb_ml.errors import InputError
from indb_ml.kernels.logregr import column_slices, irls, irls_steps, logit_sums_from_cstate
from indb_ml.models.catalog import registers
from indb_ml.regress import lockstep, logregr_igd
from indb_ml.regress import madlib_failures as mf
from indb_ml.regress.madlib_statistics import madlib_statistics

OUTPUT_COLUMNS = (
    ("coef", "float8[]"), ("log_likelihood", "float8"), ("std_err", "float8[]"), ("z_stats", "float8[]"),
    ("p_values", "float8[]"), ("odds_ratios", "float8[]"), ("condition_no", "float8"),
    ("num_rows_processed", "bigint"), ("num_missing_rows_skipped", "bigint"), ("num_iterations", "integer"),
    ("variance_covariance", "float8[]"), ("status", "text"),
)
OPTIMIZERS = ("irls", "newton", "cg", "igd")
# Rows packed in memory beat aggregate passes on plain local tables (glm takes the same
# verdict). bench/run_irls_plans.py, 1M x 10, 2 shared cores, best of 3, one run: IRLS to 1e-8
# (4 iterations) 0.72 s in memory, 1.22 s by aggregate passes (0.79 s with 2 parallel
# workers); glm poisson (7 iterations) 1.12 s against 2.62 s (2.02 s); scan floor 0.069 s.
MEMORY_FASTER = True

USAGE = """\
logregr_train: logistic regression, MADlib-compatible (IRLS, CG or IGD).

SELECT indb_ml.logregr_train(
    source_table,          -- table or view with the data
    out_table,             -- table to create with the model
    dependent_varname,     -- boolean or 0/1 expression, e.g. 'second_attack' or 'y > 0'
    independent_varname,   -- 'ARRAY[1, treatment, trait_anxiety]' (no implicit intercept)
    grouping_cols,         -- optional: 'col1, col2', one model per group
    max_iter,              -- optional: default 20
    optimizer,             -- optional: 'irls' (default; 'newton' is the same), 'cg' or 'igd'
    tolerance,             -- optional: absolute change of the log-likelihood, default 0.0001
    verbose                -- optional: NOTICE the log-likelihood of every iteration
);

out_table columns: [grouping columns], coef, log_likelihood, std_err, z_stats, p_values,
odds_ratios, condition_no, num_rows_processed, num_missing_rows_skipped, num_iterations,
variance_covariance, status (converged, max_iter, separation or singular).
<out_table>_summary: method, source_table, out_table, dependent_varname,
independent_varname, optimizer_params, num_all_groups, num_failed_groups,
num_rows_processed, num_missing_rows_skipped, grouping_col.
Prediction: indb_ml.logregr_predict(coef, features), indb_ml.logregr_predict_prob(coef, features).
Plans: on views, foreign, partitioned and distributed tables every iteration is one
aggregate statement over the source (parallel workers, partitions, shards); on plain
tables the rows are packed once in memory. SET indb_ml.training_plan = auto | aggregate
| memory to choose. igd (MADlib's per-row steps) takes one ordered pass per iteration on any source.
SET indb_ml.madlib_statistics = on: the statistics from the last iteration's pass, a step
behind the coefficients, as MADlib reports them (default: at the coefficients).
SET indb_ml.madlib_failures = on: as MADlib, a group with NaN or Infinity in y or a feature
(default: an error, 22P02), or whose fit over- or underflows (irls, cg) or diverges (igd),
gets a row of NULL values, counted in num_failed_groups, and MADlib's WARNING.
"""


@sql_entry
@registers("logregr")
def logregr_train(sess, source_table, out_table, dependent_varname, independent_varname, grouping_cols=None,
                  max_iter=20, optimizer="irls", tolerance=1e-4, verbose=False) -> None:
    for name, value in (("source_table", source_table), ("out_table", out_table),
                        ("dependent_varname", dependent_varname), ("independent_varname", independent_varname)):
        if value is None:
            raise InputError(f"{name} must not be NULL", hint="SELECT indb_ml.logregr_train() shows the usage")
    max_iter = 20 if max_iter is None else max_iter
    tolerance = 1e-4 if tolerance is None else tolerance
    optimizer = (optimizer or "irls").strip().lower()
    if optimizer not in OPTIMIZERS:
        raise InputError(f"logregr_train: optimizer {optimizer!r} is not available",
                         hint="use 'irls' (Newton), 'cg' (conjugate gradient) or 'igd' (incremental gradient)")
    if max_iter < 1:
        raise InputError("logregr_train: max_iter must be at least 1")
    if not np.isfinite(tolerance) or tolerance < 0:
        raise InputError("logregr_train: tolerance must be a finite number >= 0")
    source = resolve_source(sess, source_table)
    out = new_table(sess, out_table)
    summary = summary_of(out)
    ensure_absent(sess, summary, "summary table")
    grouping = sqlexpr.parse_name_list(grouping_cols) if grouping_cols and grouping_cols.strip() else []
    clash = set(grouping) & {c for c, _ in OUTPUT_COLUMNS}
    if clash:
        raise InputError(f"grouping column {sorted(clash)[0]!r} clashes with an output column name")
    features = resolve_features(sess, source, dependent_varname, independent_varname, grouping, allow_bool=True)
    method = "irls" if optimizer == "newton" else optimizer
    lagged = madlib_statistics(sess)
    failures = mf.madlib_failures(sess)
    fit_source, bad, drop = mf.prepare(sess, source, features) if failures else (source, {}, lambda: None)

    prog = progress.start(sess, "logregr", max_iter=max_iter)

    def report_for(gkey):
        step = prog.reporter(gkey)
        if not verbose:
            return step
        label = f"logregr_train{' group ' + gkey if gkey else ''}"
        return lambda i, ll: (step(i, ll), sess.plpy.notice(f"{label}: iteration {i}, log-likelihood {ll:.10g}"))

    close = lambda: None  # noqa: E731
    if method == "igd":  # MADlib's per-row steps: one ordered aggregate pass per iteration, on every source
        sess.debug(f"logregr_train: igd passes over {source.schema}.{source.name}")
        fits, skipped = logregr_igd.fits(sess, fit_source, features, max_iter, tolerance, report_for)
    elif use_aggregate_passes(sess, source, MEMORY_FASTER) or fit_source is not source:  # a view: aggregate
        sess.debug(f"logregr_train: aggregate passes over {fit_source.schema}.{fit_source.name}")
        fits, skipped = _aggregate_fits(sess, fit_source, features, max_iter, tolerance, method, report_for, lagged,
                                        failures)
    else:
        fits, skipped, close = _memory_fits(sess, fit_source, features, max_iter, tolerance, method, report_for,
                                            lagged, failures)
    if not fits and not bad:
        total = sum(skipped.values())
        why = f": all {total} rows have a NULL" if total else ": the table is empty"
        raise InputError("no rows to train on" + why, sqlstate=InputError.NO_DATA)
    rows, failed = {}, 0
    for gkey in skipped:
        fit = fits.get(gkey)
        if gkey in bad:  # written below, as MADlib
            continue
        if fit is None:
            rows[gkey] = [None] * 7 + [0, skipped[gkey], 0, None, "no rows"]
            failed += 1
            continue
        if verbose:
            sess.plpy.notice(f"logregr_train{' group ' + gkey if gkey else ''}: {fit.num_iterations} iterations, "
                             f"log-likelihood {fit.log_likelihood:.10g}, {fit.status}")
        if failures and fit.status in mf.LOGREGR_TERMINATED:  # MADlib's TERMINATED: a row of NULLs
            text = mf.LOGREGR_FAILED["irls_step" if method == "irls" and fit.failed_at == "step" else method]
            mf.warn(sess, text, gkey, f"{fit.status} in iteration {fit.num_iterations}; the group's values are NULL")
            rows[gkey] = mf.logregr_terminated(fit)
            failed += 1
            continue
        if fit.status != "converged":  # a warning and the status; MADlib counts as failed only groups without coef
            sess.warning(f"logregr_train{' in group ' + gkey if gkey else ''}: {fit.status} after "
                         f"{fit.num_iterations} iterations" + {
                             "separation": " (the classes are separable: the coefficients diverge)",
                             "singular": " (the Hessian is singular: collinear features?)",
                             "max_iter": " (raise max_iter or tolerance)"}.get(fit.status, ""))
        rows[gkey] = [fit.coef.tolist(), fit.log_likelihood, fit.std_err.tolist(), fit.z_stats.tolist(),
                      fit.p_values.tolist(), fit.odds_ratios.tolist(), fit.condition_no, fit.num_rows, skipped[gkey],
                      fit.num_iterations, fit.variance_covariance.tolist(), fit.status]
    for gkey, group in sorted(bad.items(), key=lambda kv: kv[0] or ""):
        mf.warn(sess, mf.DESIGN, gkey, f"{group.bad} row(s) with NaN or Infinity; the group's values are NULL")
        rows[gkey] = mf.logregr_row(group)
        failed += 1
    close()
    drop()
    write_models(sess, source, out, features.group_cols, OUTPUT_COLUMNS, rows)
    counted = [r for r in rows.values() if r[7] is not None]  # MADlib's sums skip its NULL counts
    processed = sum(r[7] for r in counted) if counted else None
    missing = sum(r[8] for r in counted) if counted else None
    write_summary(sess, summary, (
        ("method", "text", "logregr"), ("source_table", "text", source.sql(sess)), ("out_table", "text", out.sql(sess)),
        ("dependent_varname", "text", dependent_varname), ("independent_varname", "text", independent_varname),
        ("optimizer_params", "text", f"optimizer={optimizer}, max_iter={max_iter}, tolerance={tolerance:g}"),
        ("num_all_groups", "integer", len(rows)), ("num_failed_groups", "integer", failed),
        ("num_rows_processed", "bigint", processed), ("num_missing_rows_skipped", "bigint", missing),
        ("grouping_col", "text", grouping_cols)))
    prog.done()


def _memory_fits(sess, source, features, max_iter, tolerance, optimizer, report_for, lagged=False,
                 terminate=False):
    """The rows packed once in memory, each group iterated in numpy (irls and cg):
    ``(fits, skipped, close)``. Above ``indb_ml.matrix_memory_mb`` they take aggregate passes instead."""
    try:
        packed, skipped = packed_groups(sess, source, features, _binary, "logregr_train")
    except TooBig:
        sess.debug("logregr_train: the rows exceed indb_ml.matrix_memory_mb; aggregate passes over "
                   f"{source.schema}.{source.name}")
        fits, skipped = _aggregate_fits(sess, source, features, max_iter, tolerance, optimizer, report_for, lagged,
                                        terminate)
        return fits, skipped, lambda: None
    sess.debug(f"logregr_train: rows packed in memory from {source.schema}.{source.name}")
    # unmerged: the passes run over a column-ordered copy, sliced there
    groups, close = {g: MemoryRows(p, merge=False) for g, p in packed.items() if p}, lambda: None
    fits = {}
    for g, data in groups.items():
        # irls and cg pass over a copy stored column by column, made as the row blocks go
        columns = column_slices(data.drain, data.width)
        fits[g] = irls(data.blocks, data.width, max_iter, tolerance, report_for(g), optimizer, columns, lagged,
                       terminate)
        del columns
    return fits, skipped, close


def _aggregate_fits(sess, source, features, max_iter, tolerance, optimizer, report_for, lagged=False,
                    terminate=False):
    """Every iteration one ``indb_ml._logregr_step`` statement for the groups still iterating:
    ``({group: LogitFit}, {group: rows skipped})``."""
    k = lockstep.feature_count(sess, source, features)

    listed = passes.listed_args(sess, source, features, 98)  # coef, y and up to 97 features

    def call(coef_sql: str) -> str:
        if listed:  # the row as arguments: no array built per row
            return "indb_ml._logregr_step_cols(" + coef_sql + ", " + ", ".join(listed) + ")"
        return "indb_ml._logregr_step(" + features.y_sql + ", " + features.x_sql + ", " + coef_sql + ")"

    first = lockstep.coef_pass(sess, source, features.group_cols, call, {None: np.zeros(k)})
    skipped, gens, requests = {}, {}, {}
    for gkey, row in first.items():
        sums, skipped[gkey] = logit_sums_from_cstate(row["state"])
        if sums is None:
            continue
        gens[gkey] = irls_steps(sums.gradient.size, max_iter, tolerance, report_for(gkey), optimizer, lagged,
                                terminate=terminate)
        next(gens[gkey])  # the start, w = 0: the pass just made
        requests[gkey] = sums
    reference = list(first)

    def evaluate(pending: dict) -> dict:
        rows = lockstep.coef_pass(sess, source, features.group_cols, call, pending, reference)
        answers = {}
        for gkey in pending:
            sums = logit_sums_from_cstate(rows[gkey]["state"])[0] if gkey in rows else None
            if sums is None:
                raise lockstep.vanished("logregr_train", gkey)
            answers[gkey] = sums
        return answers

    # the first answers are the first pass's sums: send them, then iterate in lockstep
    pending = {}
    fits = {}
    for gkey, sums in requests.items():
        try:
            pending[gkey] = gens[gkey].send(sums)
        except StopIteration as stop:
            fits[gkey] = stop.value
    fits.update(lockstep.run_lockstep(gens, pending, evaluate))
    return fits, skipped


def _binary(y: np.ndarray) -> str | None:
    if np.all((y == 0) | (y == 1)):
        return None
    return f"the dependent variable must be boolean or 0/1; found {float(y[(y != 0) & (y != 1)][0]):g}"


def logregr_help() -> str:
    return USAGE
