"""``indb_ml.linregr_train``: MADlib's linear regression over a table, in one aggregate pass.

One statement ``SELECT g, indb_ml._linregr_state(y, x) FROM source GROUP BY g``
(:mod:`indb_ml.core.passes`) folds every row into a co-moments state per group in C
(``src/comoment.c``), in parallel workers, per partition or on Citus shards; the fit
is finalized in numpy once per group (:mod:`indb_ml.kernels.linregr`). The
Breusch-Pagan test, when asked for, needs the residuals and so a second pass. The output table and
``<out_table>_summary`` are written last, in the caller's transaction: an error
anywhere leaves neither behind.
"""

from __future__ import annotations

import numpy as np

from indb_ml import sqlexpr
from indb_ml.core import packing, passes, progress
from indb_ml.core.features import resolve_features
from indb_ml.core.model_tables import write_models, write_summary
from indb_ml.core.relations import ensure_absent, new_table, resolve_source, summary_of
from indb_ml.core.session import Session, sql_entry
from indb_ml.errors import InputError
from indb_ml.kernels.comoment import comoment_from_cstate
from indb_ml.kernels.linregr import breusch_pagan, linregr_finalize
from indb_ml.models.catalog import note_metrics, registers
from indb_ml.regress.madlib_statistics import madlib_statistics

OUTPUT_COLUMNS = (
    ("coef", "float8[]"), ("r2", "float8"), ("std_err", "float8[]"), ("t_stats", "float8[]"),
    ("p_values", "float8[]"), ("condition_no", "float8"), ("num_rows_processed", "bigint"),
    ("num_missing_rows_skipped", "bigint"), ("variance_covariance", "float8[]"),
)
BP_COLUMNS = (("bp_stats", "float8"), ("bp_p_value", "float8"))

USAGE = """\
linregr_train: ordinary least squares, MADlib-compatible.

SELECT indb_ml.linregr_train(
    source_table,               -- table or view with the data
    out_table,                  -- table to create with the model
    dependent_varname,          -- expression for y, e.g. 'price'
    independent_varname,        -- 'ARRAY[1, tax, bath, size]' (no implicit intercept)
                                --   or a float8[] / vector column
    grouping_cols,              -- optional: 'col1, col2', one model per group
    heteroskedasticity_option   -- optional: TRUE adds bp_stats, bp_p_value
);

out_table columns: [grouping columns], coef, r2, std_err, t_stats, p_values,
condition_no (of X, as MADlib), num_rows_processed, num_missing_rows_skipped,
variance_covariance [, bp_stats, bp_p_value].
<out_table>_summary: method, source_table, out_table, dependent_varname,
independent_varname, num_rows_processed, num_missing_rows_skipped, grouping_cols.

Rows whose y or any feature is NULL are skipped and counted. NaN or Infinity in
y or a feature is an error: filter such rows out with a view or WHERE clause.
Prediction: indb_ml.linregr_predict(coef, features).
Aggregate form: SELECT (indb_ml.linregr(y, ARRAY[1, x1, x2])).* FROM t;
Statistics are the standard ones: n - rank residual degrees of freedom, r2 centred with a
constant column and uncentred without. SET indb_ml.madlib_statistics = on: MADlib's
formulas, n - k degrees of freedom and a centred r2 whatever the features.
"""


def linregr_help() -> str:
    return USAGE


@sql_entry
@registers("linregr")
def linregr_train(
    sess: Session,
    source_table: str,
    out_table: str,
    dependent_varname: str,
    independent_varname: str,
    grouping_cols: str | None = None,
    heteroskedasticity_option: bool | None = False,
) -> None:
    for name, value in (("source_table", source_table), ("out_table", out_table),
                        ("dependent_varname", dependent_varname), ("independent_varname", independent_varname)):
        if value is None:
            raise InputError(f"{name} must not be NULL", hint="SELECT indb_ml.linregr_train() shows the usage")
    source = resolve_source(sess, source_table)
    out = new_table(sess, out_table)
    summary = summary_of(out)
    ensure_absent(sess, summary, "summary table")
    grouping = sqlexpr.parse_name_list(grouping_cols) if grouping_cols and grouping_cols.strip() else []
    clash = set(grouping) & {c for c, _ in OUTPUT_COLUMNS + BP_COLUMNS}
    if clash:
        raise InputError(f"grouping column {sorted(clash)[0]!r} clashes with an output column name")
    features = resolve_features(sess, source, dependent_varname, independent_varname, grouping)

    # one step before each statement (the moments pass, the Breusch-Pagan pass, the writes), so
    # another session sees the phase that runs; the loss is the residual sum of squares once fitted
    phases = 3 if heteroskedasticity_option else 2
    prog = progress.start(sess, "linregr", max_iter=phases)
    prog.step(1, phase="pass")
    states, skipped, keymap = moments_by_group(sess, source, features)
    total_rows = sum(s.n for s in states.values())
    total_skipped = sum(skipped.values())
    if total_rows == 0:
        raise InputError(
            f"no rows to train on: {source.schema}.{source.name} is empty"
            if total_skipped == 0
            else f"no rows to train on: all {total_skipped} rows have a NULL in the dependent "
            "or an independent variable",
            sqlstate=InputError.NO_DATA,
        )
    madlib = madlib_statistics(sess)  # MADlib's n - k and r2 (indb_ml.kernels.linregr)
    fits = {g: linregr_finalize(s, madlib) for g, s in states.items()}
    for g, fit in fits.items():
        if fit.collinear:
            where = f" in group {g}" if g else ""
            sess.warning(
                f"linregr_train: the independent variables are collinear{where} (rank {fit.rank} of "
                f"{fit.coef.size}); coefficients are one least-squares solution of many "
                "(pseudo-inverse); drop a redundant column"
            )
    rss = float(sum(fit.rss for fit in fits.values()))
    bp = {}
    if heteroskedasticity_option:
        prog.step(2, rss, phase="pass")
        bp = _breusch_pagan(sess, source, features, fits, keymap)
    prog.step(phases, rss, phase="write")
    _write_output(sess, source, out, features, fits, skipped, bp, bool(heteroskedasticity_option))
    _write_summary(sess, summary, out, source, dependent_varname, independent_varname,
                   grouping_cols, total_rows, total_skipped)
    prog.done()


def moments_by_group(sess: Session, source, features):
    """One aggregate pass: ``({group: moments}, {group: rows skipped}, {group: group})``.

    Every group that has rows is a key of the skipped counts (all-NULL groups too);
    the moments exist for groups with at least one complete row. The third value maps
    the keys of this pass to themselves, for passes that match later keys to them."""
    listed = passes.listed_args(sess, source, features, 99)  # y and up to 98 features: no array per row
    if listed:
        call = "indb_ml._linregr_cols(" + ", ".join(listed) + ")"
    else:
        call = "indb_ml._linregr_state(" + features.y_sql + ", " + features.x_sql + ")"
    rows = passes.run_pass(sess, source, features.group_cols, call)
    states, skipped = {}, {}
    for gkey, row in rows.items():
        moments, n_skipped = comoment_from_cstate(row["state"])
        skipped[gkey] = n_skipped
        if moments is not None:
            _check_finite_moments(moments)
            states[gkey] = moments
    return states, skipped, {g: g for g in skipped}


def _check_finite_moments(moments) -> None:
    """Finite rows can still overflow the sums (|x| near 1e154 squares to Infinity)."""
    if not (np.isfinite(moments.mean).all() and np.isfinite(moments.comoment).all()):
        raise InputError("the sums of squares overflow float64: rescale the dependent or independent variables",
                         sqlstate="22003")


def check_block(block: np.ndarray, width: int | None, finite_checked: bool = False) -> int:
    """The block's width, checked against ``width`` (the first block's); NaN or Infinity is an
    error unless ``finite_checked`` (the scan did it: ``scan_blocks(finite=True)``)."""
    if block.shape[1] < 2:
        raise InputError("the independent variable arrays are empty", sqlstate=InputError.ARRAY_DIMENSIONS)
    if width is not None and block.shape[1] != width:
        raise packing.dimension_error(f" ({width - 1} and {block.shape[1] - 1})")
    if not finite_checked and not np.isfinite(block).all():
        raise packing.nonfinite_error(block)
    return block.shape[1]


def _breusch_pagan(sess: Session, source, features, fits, keymap) -> dict:
    """Second pass: moments of ``[e^2, x]`` per group given its coefficients, then
    Koenker's LM statistic.

    Under READ COMMITTED this pass takes a new snapshot: rows changed by others
    in between are seen here and not in the fit (use REPEATABLE READ to avoid it).
    """
    call = ("indb_ml._residual_state(" + features.y_sql + ", " + features.x_sql + ", indb_ml_c.coef)")
    coefs = {g: fit.coef for g, fit in fits.items()}
    rows = passes.run_pass(sess, source, features.group_cols, call, coef_by_group=coefs)
    match = passes.match_keys(sess, source, features.group_cols, fits, rows)
    out = {}
    for raw, row in rows.items():
        aux, _ = comoment_from_cstate(row["state"])
        gkey = match[raw]
        if aux is not None and gkey in fits:
            out[gkey] = breusch_pagan(aux, fits[gkey].coef.size)
    return out


def _write_output(sess: Session, source, out, features, fits, skipped, bp, with_bp: bool) -> None:
    cols = OUTPUT_COLUMNS + BP_COLUMNS if with_bp else OUTPUT_COLUMNS
    note_metrics({g: {"log_likelihood": fit.log_likelihood} for g, fit in fits.items()})  # for AIC/BIC in the catalog
    rows = {}
    for gkey in skipped:
        fit = fits.get(gkey)
        if fit is None:  # every row of this group had a NULL: no model, but counted
            values = [None] * 6 + [0, skipped[gkey], None]
        else:
            values = [
                fit.coef.tolist(), fit.r2, fit.std_err.tolist(), fit.t_stats.tolist(), fit.p_values_or_none,
                fit.condition_no, fit.num_rows_processed, skipped[gkey], fit.variance_covariance.tolist(),
            ]
        rows[gkey] = values + (list(bp.get(gkey, (None, None))) if with_bp else [])
    write_models(sess, source, out, features.group_cols, cols, rows)


def _write_summary(sess, summary, out, source, dependent, independent, grouping, rows, skipped) -> None:
    write_summary(sess, summary, (
        ("method", "text", "linregr"), ("source_table", "text", source.sql(sess)), ("out_table", "text", out.sql(sess)),
        ("dependent_varname", "text", dependent), ("independent_varname", "text", independent),
        ("num_rows_processed", "bigint", rows), ("num_missing_rows_skipped", "bigint", skipped),
        ("grouping_cols", "text", grouping)))
