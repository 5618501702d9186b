"""``indb_ml.glm``: MADlib's generalized linear models, by IRLS.

Families and links as MADlib names them (:mod:`indb_ml.kernels.glm`): gaussian (identity,
log, inverse), binomial (logit, probit), poisson (log, identity, sqrt), gamma (inverse,
identity, log), inverse_gaussian (sqr_inverse, log, identity, inverse). The iteration
(:func:`indb_ml.kernels.glm.glm_steps`) runs on one of two plans, chosen by
:func:`indb_ml.core.plan_choice.use_aggregate_passes`: one C aggregate statement
``indb_ml._glm_step`` per iteration for every group still iterating (views, foreign,
partitioned and distributed tables, parallel workers, and plain tables above
``indb_ml.matrix_memory_mb``), or the rows packed once in memory and iterated in numpy
(plain local tables, where it measured faster). ``SET indb_ml.madlib_failures = on`` gives
MADlib's rows for groups with NaN or Infinity (:mod:`indb_ml.regress.madlib_failures`).
"""

from __future__ import annotations

import numpy as np

from indb_ml import sqlexpr
from indb_ml.core import passes, progress
from indb_ml.core.features import resolve_features
from indb_ml.core.model_tables import write_models, write_summary
from indb_ml.core.packed import MemoryRows, TooBig, packed_groups
from indb_ml.core.params import parse_params
from indb_ml.core.plan_choice import use_aggregate_passes
from indb_ml.core.relations import ensure_absent, new_table, resolve_source, summary_of
from indb_ml.core.session import sql_entry
from indb_ml.errors import InputError
from indb_ml.kernels.glm import (
    FAMILY_CODES,
    LINK_CODES,
    check_response,
    family,
    glm_irls,
    glm_steps,
    glm_sums_from_cstate,
)
from indb_ml.models.catalog import registers
from indb_ml.regress import lockstep
from indb_ml.regress import madlib_failures as mf
from indb_ml.regress.logregr import MEMORY_FASTER
from indb_ml.regress.madlib_statistics import madlib_statistics

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
poisson) or t_stats (families with a dispersion), p_values (Wald: normal, or Student t with
n - p degrees of freedom with a dispersion), dispersion, num_rows_processed,
num_rows_skipped, num_iterations, status (converged, max_iter or diverged).
IRLS starts (mu = init(y) of the link) and stops as MADlib's: when the log-likelihood
changes by less than tolerance relative to its size. Collinear features (or a group with
fewer rows than features) give a WARNING and MADlib's minimum-norm coefficients.
Prediction: indb_ml.glm_predict(coef, features, link).
Plans: on views, foreign, partitioned and distributed tables every IRLS iteration is one
aggregate statement over the source; on plain tables the rows are packed once in memory.
SET indb_ml.training_plan = auto | aggregate | memory to choose.
SET indb_ml.madlib_statistics = on: the statistics as MADlib computes them, from the last
iteration's pass, a step behind the coefficients, with n - k degrees of freedom (default: at
the coefficients, n - rank).
SET indb_ml.madlib_failures = on: as MADlib, a group with NaN or Infinity in y or a feature
(default: an error, 22P02) gets a row of NULL values (0 rows processed, all skipped, max_iter
iterations), counted in num_failed_groups, and MADlib's WARNINGs.
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

    prog = progress.start(sess, "glm", max_iter=op["max_iter"])

    def report_for(gkey):
        step = prog.reporter(gkey)
        if not verbose:
            return step
        label = f"glm{' group ' + gkey if gkey else ''}"
        return lambda i, ll: (step(i, ll), sess.plpy.notice(f"{label}: iteration {i}, log-likelihood {ll:.10g}"))

    lagged = madlib_statistics(sess)
    fit_source, bad, drop = mf.prepare(sess, source, features) if mf.madlib_failures(sess) else (source, {}, None)
    if use_aggregate_passes(sess, source, MEMORY_FASTER) or fit_source is not source:  # a view: aggregate
        sess.debug(f"glm: aggregate passes over {fit_source.schema}.{fit_source.name}")
        fits, skipped = _aggregate_fits(sess, fit_source, features, fam, op["max_iter"], op["tolerance"], report_for,
                                        lagged)
    else:
        fits, skipped = _memory_fits(sess, fit_source, features, fam, op["max_iter"], op["tolerance"], report_for,
                                     lagged)
    if not fits and not bad:
        raise InputError("glm: no rows to train on", sqlstate=InputError.NO_DATA)
    rows, failed = {}, 0
    for gkey in skipped:
        fit = fits.get(gkey)
        if gkey in bad:  # written below, as MADlib
            continue
        if fit is None:
            rows[gkey] = [None] * 6 + [0, skipped[gkey], 0, "no rows"]
            failed += 1
            continue
        if verbose:
            sess.plpy.notice(f"glm{' group ' + gkey if gkey else ''}: {fit.num_iterations} iterations, "
                             f"log-likelihood {fit.log_likelihood:.10g}, {fit.status}")
        if fit.status != "converged":  # a warning and the status; MADlib counts as failed only groups without coef
            sess.warning(f"glm{' in group ' + gkey if gkey else ''}: {fit.status} after {fit.num_iterations} "
                         "iterations")
        elif fit.rank < fit.coef.size:
            sess.warning(f"glm: the independent variables are collinear{' in group ' + gkey if gkey else ''} "
                         f"(rank {fit.rank} of {fit.coef.size}); coefficients are MADlib's minimum-norm "
                         "solution, one of many; drop a redundant column")
        rows[gkey] = [fit.coef.tolist(), fit.log_likelihood, fit.std_err.tolist(), fit.stats.tolist(),
                      fit.p_values.tolist(), fit.dispersion, fit.num_rows, skipped[gkey], fit.num_iterations,
                      fit.status]
    for gkey, group in sorted(bad.items(), key=lambda kv: kv[0] or ""):
        mf.warn(sess, group.warning, gkey, f"{group.bad} row(s) with NaN or Infinity; the group's values are NULL")
        rows[gkey] = mf.glm_row(group, op["max_iter"])
        failed += 1
    if bad:  # the failed groups never converge: MADlib's loop runs to max_iter and says so
        sess.warning(f"GLM warning: the computation did not converge in {op['max_iter']} iterations!")
        drop()
    write_models(sess, source, out, features.group_cols, cols, rows)
    write_summary(sess, summary, (
        ("method", "text", "glm"), ("source_table", "text", source.sql(sess)), ("model_table", "text", out.sql(sess)),
        ("dependent_varname", "text", dependent_varname), ("independent_varname", "text", independent_varname),
        ("family_params", "text", f"family={fam.name}, link={fam.link}"), ("grouping_col", "text", grouping_col),
        ("optimizer_params", "text", f"max_iter={op['max_iter']}, optimizer=irls, tolerance={op['tolerance']:g}"),
        ("num_all_groups", "integer", len(rows)), ("num_failed_groups", "integer", failed),
        ("total_rows_processed", "bigint", sum(r[6] for r in rows.values())),
        ("total_rows_skipped", "bigint", sum(r[7] for r in rows.values()))))
    prog.done()


def _memory_fits(sess, source, features, fam, max_iter, tolerance, report_for, lagged=False):
    """The rows packed once in memory, each group iterated in numpy; above
    ``indb_ml.matrix_memory_mb``, aggregate passes instead. ``(fits, skipped)``."""
    try:
        packed, skipped = packed_groups(sess, source, features, lambda y: check_response(fam, y), "glm")
    except TooBig:
        sess.debug("glm: the rows exceed indb_ml.matrix_memory_mb; aggregate passes over "
                   f"{source.schema}.{source.name}")
        return _aggregate_fits(sess, source, features, fam, max_iter, tolerance, report_for, lagged)
    sess.debug(f"glm: rows packed in memory from {source.schema}.{source.name}")
    groups = {g: MemoryRows(p) for g, p in packed.items() if p}
    return {g: glm_irls(data.blocks, data.width, fam, max_iter, tolerance, report_for(g), lagged)
            for g, data in groups.items()}, skipped


def _aggregate_fits(sess, source, features, fam, max_iter, tolerance, report_for, lagged=False):
    """Every IRLS iteration one ``indb_ml._glm_step`` statement for the groups still iterating:
    ``({group: GlmFit}, {group: rows skipped})``. The first is MADlib's start (coefficients
    NULL: mu = init(y) per link), over every group, and checks every row."""
    codes = str(FAMILY_CODES[fam.name]) + ", " + str(LINK_CODES[fam.link])
    head = "indb_ml._glm_step(" + features.y_sql + ", " + features.x_sql + ", "

    def iterate(coef_sql: str) -> str:
        return head + coef_sql + ", " + codes + ", NULL::pg_catalog.float8)"

    start = head + "NULL::pg_catalog.float8[], " + codes + ", NULL::pg_catalog.float8)"
    first = passes.run_pass(sess, source, features.group_cols, start)
    reference = list(first)
    skipped, gens, pending, fits = {}, {}, {}, {}
    for gkey, row in first.items():
        sums, skipped[gkey] = glm_sums_from_cstate(row["state"])
        if sums is None:
            continue
        gens[gkey] = glm_steps(sums.xtwz.size, fam, max_iter, tolerance, report_for(gkey), lagged)
        next(gens[gkey])  # the start
        try:
            pending[gkey] = gens[gkey].send(sums)
        except StopIteration as stop:
            fits[gkey] = stop.value

    def evaluate(moving: dict) -> dict:
        return _answers(lockstep.coef_pass(sess, source, features.group_cols, iterate, moving, reference), moving)

    fits.update(lockstep.run_lockstep(gens, pending, evaluate))
    return fits, skipped


def _answers(rows: dict, keys) -> dict:
    answers = {}
    for gkey in keys:
        sums = glm_sums_from_cstate(rows[gkey]["state"])[0] if gkey in rows else None
        if sums is None:
            raise lockstep.vanished("glm", gkey)
        answers[gkey] = sums
    return answers


def glm_help() -> str:
    return USAGE
