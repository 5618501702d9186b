"""``indb_ml.elastic_net_train``: MADlib's elastic net (gaussian and binomial).

Gaussian: one aggregate pass gives the centred moments of ``[y, x]`` per group (the C
co-moments aggregate, as linregr_train), then coordinate descent runs on the k x k
moments. Binomial: proximal Newton, one ``indb_ml._logit_newton`` statement per outer step
for every group at once (views, partitioned, foreign and distributed tables, parallel
workers), or on a plain local table the rows packed once in memory
(``indb_ml.training_plan``). That is ``optimizer => 'cd'``: coordinate descent to the exact
minimizer of glmnet's objective. ``'igd'`` is MADlib's per-row IGD
(:mod:`indb_ml.regress.elastic_net_igd`, a C aggregate in scan order). The default,
``'fista'``, is MADlib's FISTA pass for pass (:mod:`indb_ml.regress.elastic_net_fista`), so
coefficients and ``iteration_run`` follow MADlib's. ``optimizer_params`` adds MADlib's warm-up
and cross-validation (:mod:`indb_ml.regress.elastic_net_cv`). ``elastic_net_predict`` writes
a model's predictions for a table in one SQL statement over the SQL predict functions.
"""

from __future__ import annotations

import dataclasses
import itertools
import re

import numpy as np

from indb_ml import sqlexpr
from indb_ml.core import distributed, progress
from indb_ml.core.features import resolve_features, with_intercept_sql
from indb_ml.core.model_tables import write_models, write_summary
from indb_ml.core.packed import packed_groups
from indb_ml.core.plan_choice import use_aggregate_passes
from indb_ml.core.relations import ensure_absent, new_table, resolve_source, summary_of
from indb_ml.core.session import sql_entry
from indb_ml.errors import InputError
from indb_ml.kernels.comoment import comoment_from_cstate, comoment_merge_all
from indb_ml.kernels.elastic_net import (
    WEIGHT_FLOOR,
    enet_binomial,
    enet_binomial_steps,
    enet_gaussian,
    enet_sums_from_cstate,
)
from indb_ml.models.catalog import registers
from indb_ml.regress import elastic_net_cv as cv
from indb_ml.regress import elastic_net_fista as fista
from indb_ml.regress import elastic_net_igd as igd
from indb_ml.regress import lockstep
from indb_ml.regress.linregr import moments_by_group
from indb_ml.regress.logregr import MEMORY_FASTER
from indb_ml.regress.score_passes import fold_pass, fold_sql

OUTPUT_COLUMNS = (
    ("family", "text"), ("features", "text[]"), ("features_selected", "text[]"), ("coef_nonzero", "float8[]"),
    ("coef_all", "float8[]"), ("intercept", "float8"), ("log_likelihood", "float8"), ("standardize", "boolean"),
    ("iteration_run", "integer"),
)
FAMILIES = ("gaussian", "binomial")
OPTIMIZERS = ("fista", "igd", "cd")


def _quote_name(name: str) -> str:
    """Quote an identifier only when it needs it, so feature names read as the user wrote them
    and still parse back to the same column (elastic_net_predict reads them)."""
    return name if re.fullmatch(r"[a-z_][a-z0-9_]*", name) else '"' + name.replace('"', '""') + '"'


def _quote_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _feature_names(independent: str, k: int) -> list:
    node = sqlexpr.parse(independent)
    if isinstance(node, sqlexpr.Array) and len(node.items) == k:
        return [sqlexpr.to_sql(item, _quote_name, _quote_text) for item in node.items]
    col = sqlexpr.to_sql(node, _quote_name, _quote_text)
    return [f"{col}[{i}]" for i in range(1, k + 1)]


USAGE = """elastic_net_train: elastic net regression (MADlib's signature).

SELECT indb_ml.elastic_net_train(
    'tbl_source', 'tbl_result', 'col_dep_var', 'ARRAY[x1, x2, ...]',
    'gaussian' | 'binomial', alpha, lambda_value,
    standardize := true, grouping_col := NULL, optimizer := 'fista',
    optimizer_params := NULL, excluded := NULL, max_iter := 1000, tolerance := 1e-6);

Minimizes 1/(2n)|y - b - Xw|^2 (gaussian) or -loglik/n (binomial)
          + lambda (alpha |w|_1 + (1 - alpha)/2 |w|^2), intercept b unpenalized.
tbl_result: [grouping cols], family, features, features_selected, coef_nonzero, coef_all,
            intercept, log_likelihood, standardize, iteration_run.

optimizer_params ('name = value, ...'; lists as {v1, v2} or [v1, v2]):
  warmup = true, warmup_lambdas = {10, 1, 0.1}, warmup_lambda_no = 15, warmup_tolerance = 1e-4
      solve along decreasing lambdas, each warm-started; the model is the one at lambda_value.
  n_folds = 5, lambda_value = {0.01, 0.1, 1}, n_lambdas = 15, alpha = {0, 0.5, 1},
  validation_result = 'cv_table', seed = 0
      k-fold cross-validation over the grid (no grouping); best by mean score (negative RMSE
      for gaussian, accuracy for binomial); the model is trained on all rows with the best pair.
      validation_result: alpha, lambda_value, mean_score, std_dev_score.
  fista (the default, MADlib's FISTA; iteration_run counts its passes over the rows):
      max_stepsize = 2, eta = 1.2, use_active_set = f, activeset_tolerance, random_stepsize = f,
      state_digits = 12 (MADlib 1.x's 12-digit state),
      madlib_grouping = t (MADlib 2.1's grouped fits: each group's log_likelihood over all rows;
      igd too) or 1x (fista only: MADlib's documented grouped example, the whole table's scales
      and row count)
  cd: coordinate descent to the exact minimizer (iteration_run counts its sweeps).
  igd (MADlib's IGD, one per-row pass in scan order per iteration; at least 2 features):
      stepsize = 0.01, step_decay = 0, threshold = 1e-10, parallel = t (accepted; serial on
      PostgreSQL, as MADlib). Cross-validation (n_folds) always uses coordinate descent.

Prediction:
  indb_ml.elastic_net_gaussian_predict(coef_all, intercept, ARRAY[...])
  indb_ml.elastic_net_binomial_predict(coef_all, intercept, ARRAY[...]) / _binomial_prob(...)
  indb_ml.elastic_net_predict('tbl_model', 'tbl_new_source', 'col_id', 'tbl_predict')
      -> tbl_predict (col_id, prediction)
"""


def elastic_net_help() -> str:
    return USAGE


@sql_entry
@registers("elastic_net")
def elastic_net_train(sess, tbl_source, tbl_result, col_dep_var, col_ind_var, regress_family, alpha, lambda_value,
                      standardize=True, grouping_col=None, optimizer="fista", optimizer_params=None, excluded=None,
                      max_iter=1000, tolerance=1e-6) -> None:
    for name, value in (("tbl_source", tbl_source), ("tbl_result", tbl_result), ("col_dep_var", col_dep_var),
                        ("col_ind_var", col_ind_var), ("regress_family", regress_family), ("alpha", alpha),
                        ("lambda_value", lambda_value)):
        if value is None:
            raise InputError(f"elastic_net_train: {name} must not be NULL",
                             hint="SELECT indb_ml.elastic_net_train() shows the usage")
    fam = {"linear": "gaussian", "logistic": "binomial"}.get(regress_family.strip().lower(),
                                                             regress_family.strip().lower())
    if fam not in FAMILIES:
        raise InputError(f"elastic_net_train: regress_family {regress_family!r} must be gaussian or binomial")
    opt = (optimizer or "fista").strip().lower()
    if opt not in OPTIMIZERS:
        raise InputError(f"elastic_net_train: optimizer {optimizer!r} is not known", hint="fista, igd or cd")
    params = cv.parse_optimizer_params(optimizer_params, opt)
    if params.alpha and len(params.alpha) == 1:
        alpha = params.alpha[0]
    if params.lambda_value and len(params.lambda_value) == 1:
        lambda_value = params.lambda_value[0]
    if not 0 <= alpha <= 1:
        raise InputError(f"elastic_net_train: alpha is {alpha}; it must be in [0, 1] (1 is the lasso)")
    if not np.isfinite(lambda_value) or lambda_value < 0:
        raise InputError("elastic_net_train: lambda_value must be a finite number >= 0")
    star = col_ind_var.strip() == "*"
    if excluded and not star:
        raise InputError("elastic_net_train: excluded is only for a '*' col_ind_var",
                         hint="list the features in col_ind_var as ARRAY[...]")
    max_iter = 1000 if max_iter is None else max_iter
    tolerance = 1e-6 if tolerance is None else tolerance
    if max_iter < 1 or not np.isfinite(tolerance) or tolerance < 0:
        raise InputError("elastic_net_train: max_iter must be at least 1 and tolerance a finite number >= 0")
    standardize = True if standardize is None else bool(standardize)
    grid = cv.cv_grid(params, alpha, lambda_value)
    if params.n_folds >= 2 and grid is None:
        sess.warning("elastic_net_train: n_folds >= 2 but nothing to cross-validate (one alpha, one lambda)")
    source = resolve_source(sess, tbl_source)
    out = new_table(sess, tbl_result, "tbl_result")
    summary = summary_of(out)
    ensure_absent(sess, summary, "summary table")
    grouping = sqlexpr.parse_name_list(grouping_col) if grouping_col and grouping_col.strip() else []
    clash = set(grouping) & {c for c, _ in OUTPUT_COLUMNS}
    if clash:
        raise InputError(f"elastic_net_train: grouping column {sorted(clash)[0]!r} clashes with an output column")
    if grid and grouping:
        raise InputError("elastic_net_train: cross-validation (n_folds in optimizer_params) does not support "
                         "grouping", hint="cross-validate each group's rows separately, e.g. through a view")
    val_out = None
    if grid and params.validation_result:
        val_out = new_table(sess, params.validation_result, "validation_result")
        if val_out == out:
            raise InputError("elastic_net_train: validation_result and tbl_result are the same table")
    if star:  # MADlib's '*': every numeric column but the dependent, the grouping and the excluded ones
        skip = {col_dep_var.strip(), *grouping, *(sqlexpr.parse_name_list(excluded) if excluded else [])}
        cols = [r["attname"] for r in sess.execute(
            "SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 "
            "AND NOT attisdropped AND atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype, "
            "'float4'::regtype, 'float8'::regtype, 'numeric'::regtype) ORDER BY attnum",
            [source.sql(sess)], ["text"]) if r["attname"] not in skip]
        if not cols:
            raise InputError("elastic_net_train: '*' leaves no numeric feature column",
                             hint="check col_dep_var, grouping_col and excluded")
        col_ind_var = "ARRAY[" + ", ".join(sess.ident(c) for c in cols) + "]"
    features = resolve_features(sess, source, col_dep_var, col_ind_var, grouping, allow_bool=fam == "binomial")
    warm_path = cv.warmup_lambdas(params, lambda_value) if params.warmup and not grid else [lambda_value]
    warm_tol = tolerance if params.warmup_tolerance is None else params.warmup_tolerance
    results = None
    prog = progress.start(sess, "elastic_net", max_iter=max_iter)  # the kernels report each sweep / Newton step
    if grid:  # MADlib: the best pair of the folds, then the model at it with the same optimizer
        alpha, lambda_value, results = _cross_validated(sess, source, features, fam, grid, params, standardize,
                                                        max_iter, tolerance, opt, warm_tol)
        warm_path = cv.warmup_lambdas(params, lambda_value) if params.warmup else [lambda_value]
    if opt == "fista" and fam == "gaussian":
        states, skipped, _ = moments_by_group(sess, source, features)
        fits = fista.gaussian(states, alpha, warm_path, standardize, fista.options(params, warm_tol), max_iter,
                              tolerance, params.madlib_grouping,
                              igd.madlib_loss_rows(sess, fam, standardize, states, skipped),
                              fista.x_moments(sess, source, features, states, skipped, standardize))
    elif opt == "fista" and use_aggregate_passes(sess, source, MEMORY_FASTER):
        states, skipped, reference = moments_by_group(sess, source, features)
        xm = fista.x_moments(sess, source, features, states, skipped, standardize)
        whole = comoment_merge_all(states.values())
        moments = {g: (s.n, *igd.mean_var(xm[g])) for g, s in states.items()}  # divisor: the complete rows
        fits = fista.binomial_passes(sess, source, features, moments, list(reference),
                                     lambda c: logit_step_call(sess, features, c),
                                     enet_sums_from_cstate, alpha, warm_path, standardize,
                                     fista.options(params, warm_tol), max_iter, tolerance, params.madlib_grouping,
                                     (whole.n, *igd.mean_var(comoment_merge_all(xm.values()))) if whole else None)
    elif opt == "fista":
        groups, skipped = packed_groups(sess, source, features, _binary, "elastic_net_train")
        fits = fista.binomial_packed(groups, alpha, warm_path, standardize, fista.options(params, warm_tol),
                                     max_iter, tolerance, params.madlib_grouping,
                                     fista.wider_moments(sess, source, features, skipped, standardize))
    elif opt == "igd":
        states, skipped, reference = moments_by_group(sess, source, features)
        fits = igd.fit(sess, source, features, fam, states, list(reference), alpha, warm_path, standardize, params,
                       max_iter, tolerance, warm_tol, igd.madlib_loss_rows(sess, fam, standardize, states, skipped),
                       skipped)
    elif fam == "gaussian":
        states, skipped, _ = moments_by_group(sess, source, features)
        fits = {}
        for g, s in states.items():
            def solve(lam, tol, w0, _b0, s=s, g=g):
                return enet_gaussian(s.n, s.mean, s.comoment, alpha, lam, standardize, max_iter, tol, w0, g)
            fits[g] = _along(solve, warm_path, warm_tol, tolerance)
    elif use_aggregate_passes(sess, source, MEMORY_FASTER):
        fits, skipped = _binomial_by_passes(sess, source, features, alpha, warm_path, warm_tol, tolerance,
                                            standardize, max_iter)
    else:
        groups, skipped = packed_groups(sess, source, features, _binary, "elastic_net_train")
        fits = {}
        for g, parts in groups.items():
            if not parts:
                continue

            def solve(lam, tol, w0, b0, parts=parts, g=g):
                return enet_binomial(lambda: ((b[:, 1:], b[:, 0]) for b in parts), parts[0].shape[1] - 1,
                                     alpha, lam, standardize, max_iter, tol, w0, b0, g)
            fits[g] = _along(solve, warm_path, warm_tol, tolerance)
    if not fits:
        raise InputError("elastic_net_train: no rows to train on", sqlstate=InputError.NO_DATA)
    rows_out = {}
    for gkey in skipped:
        fit = fits.get(gkey)
        if fit is None:
            continue
        names = _feature_names(col_ind_var, fit.coef.size)
        keep = np.flatnonzero(fit.coef != 0)
        if not fit.converged and opt == "cd":  # MADlib does not warn; iteration_run = max_iter says it
            sess.warning(f"elastic_net_train{' in group ' + gkey if gkey else ''}: not converged after "
                         f"{fit.iterations} iterations (raise max_iter or tolerance)")
        rows_out[gkey] = [fam, names, [names[i] for i in keep], fit.coef[keep].tolist(), fit.coef.tolist(),
                          fit.intercept, -fit.objective, standardize, fit.iterations]
    write_models(sess, source, out, features.group_cols, OUTPUT_COLUMNS, rows_out)
    _write_summary(sess, summary, source, out, col_dep_var, col_ind_var, fam, alpha, lambda_value, grouping_col,
                   len(skipped), len(skipped) - len(rows_out))
    if val_out is not None:
        _write_validation(sess, val_out, results)
    prog.done()


def feature_moments(comoment) -> tuple:
    """``(n, mean, population variance)`` of the features from the co-moments of ``[y, x]``."""
    return (comoment.n, *igd.mean_var(comoment))


def logit_step_call(sess, features, coef_sql: str, x_sql: str | None = None, y_sql: str | None = None) -> str:
    """The C pass of the binomial elastic net: ``indb_ml._logit_newton`` over ``[1, x]`` with
    the IRLS weights floored as :func:`indb_ml.kernels.elastic_net.weighted_pass` floors them."""
    xa = with_intercept_sql(x_sql or features.x_sql)
    return ("indb_ml._logit_newton(" + (y_sql or features.y_sql) + ", " + xa + ", " + coef_sql + ", "
            + sess.literal(repr(WEIGHT_FLOOR)) + "::pg_catalog.float8)")


def _binomial_by_passes(sess, source, features, alpha, lambdas, warm_tol, tol, standardize, max_iter):
    """Every group's binomial fit along ``lambdas`` (warm-started), one ``indb_ml._logit_newton``
    statement per proximal Newton step for the groups still iterating:
    ``({group: EnetFit}, {group: rows skipped})``."""
    states, skipped, reference = moments_by_group(sess, source, features)
    moments = {g: feature_moments(s) for g, s in states.items()}
    reference = list(reference)

    def evaluate(pending: dict) -> dict:
        rows = lockstep.coef_pass(sess, source, features.group_cols, lambda c: logit_step_call(sess, features, c),
                                  pending, reference)
        answers = {}
        for gkey in pending:
            sums = enet_sums_from_cstate(rows[gkey]["state"]) if gkey in rows else None
            if sums is None:
                raise lockstep.vanished("elastic_net_train", gkey)
            answers[gkey] = sums
        return answers

    fits: dict = {}
    totals = {g: 0 for g in moments}
    for i, lam in enumerate(lambdas):
        last = i == len(lambdas) - 1
        gens = {g: enet_binomial_steps(moments[g], alpha, lam, standardize, max_iter, tol if last else warm_tol,
                                       fits[g].w if g in fits else None, fits[g].intercept if g in fits else 0.0, g)
                for g in moments}
        fits = lockstep.run_lockstep(gens, {g: next(gen) for g, gen in gens.items()}, evaluate)
        for g, fit in fits.items():
            totals[g] += fit.iterations
    for g, fit in fits.items():
        fit.iterations = totals[g]
    return fits, skipped


def _binary(y):
    return None if np.all((y == 0) | (y == 1)) else "binomial needs a boolean or 0/1 dependent variable"


def _along(solve, lambdas, warm_tol, tol):
    """The fit at the last lambda, warm-started along the path; iteration_run counts every solve."""
    fit, total = cv.warm_path(solve, lambdas, warm_tol, tol)
    fit.iterations = total
    return fit


def _cross_validated(sess, source, features, fam, grid, params, standardize, max_iter, tolerance, opt, warm_tol):
    """MADlib's cross-validation over the grid: ``(best alpha, best lambda, results)``. Folds are
    ``indb_ml.cv_fold`` of each complete row. Each fold is fitted as elastic_net_train would fit
    it with the optimizer asked for (MADlib trains each fold so): FISTA from the folds'
    co-moments (gaussian) or packed rows (binomial on a plain table) or by aggregate passes,
    IGD by its ordered passes over a view of the fold's training rows, and 'cd' to the exact
    minimizer (warm-started along the lambdas)."""
    n_folds, seed = params.n_folds, params.seed
    rows = fold_pass(sess, source, features, n_folds, seed, ["indb_ml._linregr_state(s.y, s.x)"])
    fold_moments = {f: comoment_from_cstate(r["state"])[0] for f, r in rows.items()}
    total = sum(m.n for m in fold_moments.values() if m is not None)
    if any(fold_moments.get(f) is None for f in range(1, n_folds + 1)):
        raise InputError(f"elastic_net_train: {total} usable rows cannot make {n_folds} folds",
                         sqlstate=InputError.NO_DATA)
    prog = progress.current()  # the folds' fits report as phase 'fold', the final fit as 'iterate'
    prog.stage("fold", "fold {}")
    train_moments = cv.training_moments(fold_moments)
    views: dict = {}

    def path(lam):
        return cv.warmup_lambdas(params, lam) if params.warmup else [lam]

    def fold_view(f):
        """A view of fold ``f``'s training rows, in the source's scan order (dropped at the end)."""
        if f not in views:
            name = "_indb_ml_enet_fold_" + str(next(_fold_views)) + "_" + str(int(f))
            sess.execute("CREATE TEMPORARY VIEW " + sess.ident(name) + " AS SELECT * FROM " + source.sql(sess)
                         + " WHERE " + fold_sql(features, n_folds, seed) + " <> " + str(int(f)))
            views[f] = resolve_source(sess, "pg_temp." + sess.ident(name))
        return views[f]

    def igd_solver(f, _train, a, lam):
        return igd.fit(sess, fold_view(f), features, fam, {None: train_moments[f]}, [None], a, path(lam),
                       standardize, params, max_iter, tolerance, warm_tol)[None]

    solver = igd_solver if opt == "igd" else None
    if fam == "gaussian":
        if opt == "fista":
            def solver(_f, moments, a, lam):
                return fista.gaussian({None: moments}, a, path(lam), standardize, fista.options(params, warm_tol),
                                      max_iter, tolerance)[None]
        results = cv.cross_validate_moments(fold_moments, grid[0], grid[1], standardize, max_iter, tolerance,
                                            solver)
    elif use_aggregate_passes(sess, source, MEMORY_FASTER):
        if opt == "fista":
            def solver(f, _train, a, lam):
                return fista.binomial_passes(sess, fold_view(f), features, {None: feature_moments(train_moments[f])},
                                             [None], lambda c: logit_step_call(sess, features, c),
                                             enet_sums_from_cstate, a, path(lam), standardize,
                                             fista.options(params, warm_tol), max_iter, tolerance)[None]
        results = cv.cross_validate_passes(sess, source, features, fold_moments, grid[0], grid[1], n_folds, seed,
                                           standardize, max_iter, tolerance, solver)
    else:
        with_fold = dataclasses.replace(
            features, row_sql="(ARRAY[(" + fold_sql(features, n_folds, seed) + ")::pg_catalog.float8] || "
            + features.row_sql + ")")
        groups, _ = packed_groups(sess, source, with_fold, lambda y: None, "elastic_net_train")
        packed = np.vstack(groups.get(None, []))
        problem = _binary(packed[:, 1])
        if problem:
            raise InputError(f"elastic_net_train: {problem}", hint="check col_dep_var",
                             sqlstate=InputError.DATATYPE_MISMATCH)
        if opt == "fista":
            def solver(_f, train, a, lam):
                return fista.binomial_packed({None: [train]}, a, path(lam), standardize,
                                             fista.options(params, warm_tol), max_iter, tolerance)[None]
        results = cv.cross_validate(packed[:, 1:], packed[:, 0].astype(int), grid[0], grid[1], standardize,
                                    max_iter, tolerance, solver)
    for view in views.values():
        sess.execute("DROP VIEW " + view.sql(sess))
    prog.stage()
    alpha, lam = cv.best(results)
    return alpha, lam, results


_fold_views = itertools.count(1)


def _write_summary(sess, summary, source, out, dependent, independent, fam, alpha, lambda_value, grouping_col,
                   n_groups, n_failed) -> None:
    """MADlib's ``<tbl_result>_summary`` (elastic_net_generate_result.py_in), column for column.

    As MADlib, ``grouping_col`` holds the text 'NULL' when there is no grouping, and
    ``alpha`` / ``lambda_value`` are the pair the model was fitted at (after cross-validation,
    the best pair)."""
    grouping = grouping_col.strip() if grouping_col and grouping_col.strip() else "NULL"
    write_summary(sess, summary, (
        ("method", "varchar", "elastic_net"), ("source_table", "varchar", source.sql(sess)),
        ("out_table", "varchar", out.sql(sess)), ("dependent_varname", "varchar", dependent),
        ("independent_varname", "varchar", independent), ("family", "varchar", fam),
        ("alpha", "float8", float(alpha)), ("lambda_value", "float8", float(lambda_value)),
        ("grouping_col", "varchar", grouping), ("num_all_groups", "integer", n_groups),
        ("num_failed_groups", "integer", n_failed)))


def _write_validation(sess, rel, results) -> None:
    sess.execute("CREATE TABLE " + rel.sql(sess) + " (" + ", ".join(sess.ident(c) + " " + t
                                                           for c, t in cv.VALIDATION_COLUMNS) + ")")
    cols = list(zip(*results))
    unnest = ", ".join(f"pg_catalog.unnest(${i + 1}::float8[])" for i in range(len(cols)))
    sess.execute("INSERT INTO " + rel.sql(sess) + " SELECT * FROM ROWS FROM (" + unnest + ")",
                 [list(c) for c in cols], ["float8[]"] * len(cols))


_SUBSCRIPT = re.compile(r"^(.*)\[(\d+)\]$", re.S)


def _feature_sql(sess, name: str) -> str:
    """A model's feature name back to SQL over the new data (parsed, never pasted)."""
    m = _SUBSCRIPT.match(name)
    if m:
        node = sqlexpr.parse(m.group(1))
        if not isinstance(node, sqlexpr.Col):
            raise InputError(f"elastic_net_predict: cannot read the feature {name!r} of the model")
        return "(" + sess.ident(node.name) + ")[" + str(int(m.group(2))) + "]"
    return sqlexpr.to_sql(sqlexpr.parse(name), sess.ident, sess.literal, function_schema="pg_catalog")


@sql_entry
def elastic_net_predict(sess, tbl_model, tbl_new_source, col_id, tbl_predict) -> None:
    """``tbl_predict (col_id, prediction)``: one ``CREATE TABLE AS`` over the SQL predict functions
    (a float8 for gaussian models, the boolean class for binomial ones), each row joined to its
    group's model when the model is grouped. A distributed source gives a distributed output, by the
    id column, colocated with the source (:func:`indb_ml.core.distributed.create_table_as`)."""
    for name, value in (("tbl_model", tbl_model), ("tbl_new_source", tbl_new_source), ("col_id", col_id),
                        ("tbl_predict", tbl_predict)):
        if value is None or not str(value).strip():
            raise InputError(f"elastic_net_predict: {name} must not be NULL or empty",
                             hint="elastic_net_predict('tbl_model', 'tbl_new_source', 'col_id', 'tbl_predict')")
    model = resolve_source(sess, tbl_model, "tbl_model")
    source = resolve_source(sess, tbl_new_source, "tbl_new_source")
    out = new_table(sess, tbl_predict, "tbl_predict")
    cols = [r["attname"] for r in sess.execute(
        "SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 "
        "AND NOT attisdropped ORDER BY attnum", [model.sql(sess)], ["text"])]
    model_cols = {c for c, _ in OUTPUT_COLUMNS}
    missing = model_cols - set(cols)
    if missing:
        raise InputError(f"elastic_net_predict: {model.schema}.{model.name} is not an elastic_net_train model "
                         f"(no column {sorted(missing)[0]})")
    group_cols = [c for c in cols if c not in model_cols]
    info = sess.one("SELECT pg_catalog.count(*) AS n, pg_catalog.count(DISTINCT family) AS nf, "
                    "pg_catalog.min(family) AS family, pg_catalog.count(DISTINCT features) AS nx FROM "
                    + model.sql(sess))
    if info["n"] == 0:
        raise InputError("elastic_net_predict: the model table is empty", sqlstate=InputError.NO_DATA)
    if info["nf"] != 1 or info["family"] not in FAMILIES:
        raise InputError("elastic_net_predict: the model table must hold one family, gaussian or binomial")
    if not group_cols and info["n"] != 1:
        raise InputError("elastic_net_predict: the model table has several rows but no grouping columns")
    if info["nx"] != 1:
        raise InputError("elastic_net_predict: the model's rows must share one feature list")
    names = sess.one("SELECT features FROM " + model.sql(sess) + " LIMIT 1")["features"]
    func = "indb_ml.elastic_net_" + info["family"] + "_predict"
    id_node = sqlexpr.parse(col_id)
    id_sql = sqlexpr.to_sql(id_node, sess.ident, sess.literal, function_schema="pg_catalog")
    id_name = id_node.name if isinstance(id_node, sqlexpr.Col) else "elastic_net_predict_id"
    x_sql = "ARRAY[" + ", ".join("(" + _feature_sql(sess, f) + ")::float8" for f in names) + "]"
    inner = [id_sql + " AS " + sess.ident(id_name)] + [sess.ident(g) for g in group_cols]
    inner.append(x_sql + " AS indb_ml_x")
    join = " AND ".join("m." + sess.ident(g) + " IS NOT DISTINCT FROM s." + sess.ident(g) for g in group_cols)
    # a row with a NULL feature predicts NULL (MADlib's STRICT predict functions), the others go on
    query = ("SELECT s." + sess.ident(id_name) + ", CASE WHEN pg_catalog.array_position(s.indb_ml_x, NULL) IS NULL "
             "THEN " + func + "(m.coef_all, m.intercept, s.indb_ml_x) END AS prediction FROM (SELECT "
             + ", ".join(inner) + " FROM "
             + source.sql(sess) + ") s " + ("JOIN " + model.sql(sess) + " m ON " + join if group_cols
                                            else "CROSS JOIN " + model.sql(sess) + " m"))
    try:  # on a distributed source: created empty, distributed by the id like it, filled on the shards
        distributed.create_table_as(sess, out, query, id_name, source, "elastic_net_predict")
    except sess.spi_error as exc:
        raise InputError(f"elastic_net_predict: cannot predict {source.schema}.{source.name} with "
                         f"{model.schema}.{model.name}: {exc}",
                         hint="tbl_new_source needs the model's feature columns"
                         + (" and grouping columns" if group_cols else "") + " and col_id",
                         sqlstate=getattr(exc, "sqlstate", None) or InputError.UNDEFINED_COLUMN) from None
