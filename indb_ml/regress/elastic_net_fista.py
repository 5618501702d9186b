"""elastic_net_train with ``optimizer => 'fista'`` (MADlib's default): MADlib's FISTA.

The kernel (:mod:`indb_ml.kernels.elastic_net_fista`) asks for the loss and gradient at a
few points per MADlib iteration; here they are answered per family and plan:

- gaussian: from each group's co-moments of ``[y, x]`` (one aggregate pass, as
  ``linregr_train``), exactly what a pass over the rows would sum, so no further pass;
- binomial, rows packed in memory (a plain local table): every point of an iteration in one
  numpy pass over the blocks;
- binomial, aggregate plan (views, partitioned, foreign, distributed tables): one statement
  per step with one ``indb_ml._logit_newton`` aggregate per point (without grouping), or one
  statement per point for every group still iterating (with grouping).

Groups iterate independently and stop on their own; as MADlib's group controller writes its
own iteration count for every group, ``iteration_run`` is the largest of the groups' counts.

``madlib_grouping``: 't' is MADlib 2.1's grouped FISTA (elastic_net_optimizer_fista.py_in
since MADLIB-1092): each group divides by its own complete rows (``col_n_tuples``) and is
standardized by its own statistics (``_compute_data_scales_grouping``), as by default, but
its ``log_likelihood`` scores its model on every row of the table (``_compute_log_likelihood``
reads all of ``tbl_used``, each row as its group's standardization left it). FISTA's step
takes no x or y means, so the whole-table means of MADlib's grouped ``_compute_means`` (which
its IGD uses) do not enter. '1x' is how MADlib's documented grouped example (printed before
MADLIB-1092) was computed: the whole table's statistics and row count for every group, the
log_likelihood over all rows.

Rows with NULLs, standardized: the features' means and population standard deviations are
MADlib's ``utils_var_scales(x)`` (``__utils_ind_var_scales``, utils_regularization.py_in),
over every row whose x has no NULL, a NULL response included (one more pass, only when the
first pass skipped a row: :func:`x_moments`); the response mean, the row count FISTA
averages by and the loss stay the complete rows', as in MADlib. '1x' takes the whole
table's feature scales the same way.
"""

from __future__ import annotations

import numpy as np

from indb_ml.core import passes
from indb_ml.errors import InputError
from indb_ml.kernels.comoment import comoment_merge_all
from indb_ml.kernels.elastic_net import EnetFit
from indb_ml.kernels.elastic_net_fista import (
    FistaFit,
    FistaOptions,
    Scaling,
    binomial_answer,
    fista_steps,
    gaussian_answer,
    run,
)
from indb_ml.regress import lockstep
from indb_ml.regress.elastic_net_igd import mean_var, whole_table_losses, x_complete_moments, x_scale_moments


def options(params, warm_tol) -> FistaOptions:
    return FistaOptions(max_stepsize=params.max_stepsize, eta=params.eta, use_active_set=params.use_active_set,
                        activeset_tolerance=params.activeset_tolerance, warmup_tolerance=warm_tol,
                        random_stepsize=params.random_stepsize, state_digits=params.state_digits)


def x_moments(sess, source, features, states: dict, skipped: dict, standardize: bool) -> dict:
    """``{group: co-moments}`` whose features' part standardizes: ``states`` (the complete rows)
    unless standardized with a skipped row somewhere, then MADlib's ``utils_var_scales`` rows
    (:func:`indb_ml.regress.elastic_net_igd.x_scale_moments`, one more pass). Unstandardized
    FISTA takes no feature statistics, and without a skipped row the two agree."""
    return x_scale_moments(sess, source, features, states, skipped) if standardize else states


def wider_moments(sess, source, features, skipped: dict, standardize: bool) -> dict | None:
    """For rows packed in memory (the complete rows): ``{group: co-moments}`` over the rows with
    a complete x when standardized and some row was skipped (one more pass), else None."""
    if not standardize or not any(skipped.values()):
        return None
    return x_complete_moments(sess, source, features)


def _as_enet(fits: dict) -> dict:
    """:class:`FistaFit` per group -> :class:`EnetFit` with MADlib's shared iteration count."""
    for g, fit in fits.items():
        if not fit.reached_target:
            raise InputError(f"elastic_net_train{' in group ' + g if g else ''}: the final target lambda value is "
                             "not reached in warm-up iterations (max_iter caps the passes of the whole warm-up path)",
                             hint="raise max_iter, or use fewer warm-up lambdas")
    run_count = max((f.iterations for f in fits.values()), default=0)
    return {g: EnetFit(f.coef, f.intercept, -f.log_likelihood, run_count, f.converged) for g, f in fits.items()}


def _scored(fits: dict, losses: dict, rows: int) -> None:
    """MADlib's grouped log_likelihood: ``losses[g]``, group ``g``'s model scored on every row of
    the table, averaged over ``rows``, plus the group's penalty."""
    for g, fit in fits.items():
        fit.log_likelihood = -float(losses[g] / rows + fit.penalty)


def _on_all_rows(fits: dict, scalings: dict, answers: dict) -> dict:
    """``{group: loss}`` of each group's model over every group's rows, a row of group ``h`` as
    ``scalings[h]`` standardized it (MADlib's ``_compute_log_likelihood`` reads all of
    ``tbl_used``, standardized group by group): the model scores there at
    ``scalings[h].to_original(b, c)``. ``answers[h]``: :func:`fista_steps`' answers for h's rows."""
    losses = {g: 0.0 for g in fits}
    for h, sc in scalings.items():
        asked = [(sc.to_original(f.fitted[0], f.fitted[1:]), False) for f in fits.values()]
        for g, (loss, _) in zip(fits, answers[h](asked)):
            losses[g] += loss
    return losses


def _modes(mode: str) -> tuple:
    """``(whole_table, all_rows)`` of ``madlib_grouping``: '1x' standardizes and divides by the
    whole table (MADlib's documented grouped example); '1x' and 't' (MADlib 2.1's code) score
    each group's log_likelihood over all rows."""
    return mode == "1x", mode in ("t", "1x")


def gaussian(states: dict, alpha, lambdas, standardize, opts, max_iter, tol, mode: str = "",
             loss_rows: dict | None = None, xmoments: dict | None = None) -> dict:
    """``mode`` (``madlib_grouping``): '' each group on its own rows; 't' as MADlib 2.1's grouped
    FISTA: each group standardized by its own statistics and averaged over its own rows (as
    '') but its log_likelihood over every row of the table (FISTA takes no x or y means, so
    MADlib's whole-table ``_compute_means`` does not reach it); '1x' as MADlib's documented
    grouping example was computed (before MADLIB-1092): every group standardized by the
    whole table's statistics, its gradient averaged over the whole table's rows, its
    log_likelihood over all rows. ``loss_rows`` (``{group: count(*)}``,
    :func:`indb_ml.regress.elastic_net_igd.madlib_loss_rows`): the output loss divided by every
    row, NULL rows too, as MADlib's unstandardized gaussian ``_compute_log_likelihood`` does
    (``indb_ml.madlib_statistics``; None: the complete rows). ``xmoments``: :func:`x_moments`,
    whose features' part standardizes (None: ``states``)."""
    whole_table, all_rows = _modes(mode)
    xmoments = states if xmoments is None else xmoments
    whole = comoment_merge_all(states.values())
    whole_x = comoment_merge_all(xmoments.values())
    fits, scalings = {}, {}
    for g, s in states.items():
        n, k = s.n, s.mean.size - 1
        ref = whole if whole_table else s
        xmean, xvar = mean_var(whole_x if whole_table else xmoments[g])
        sc = scalings[g] = Scaling.of(xmean, xvar, ref.mean[0], standardize, True, opts.state_digits)
        fits[g] = run(fista_steps(n, k, alpha, lambdas, sc, opts, max_iter, tol, True, standardize, g,
                                  divisor=ref.n), gaussian_answer(n, s.mean, s.comoment))
    if all_rows and whole is not None:
        answers = {h: gaussian_answer(s.n, s.mean, s.comoment) for h, s in states.items()}
        _scored(fits, _on_all_rows(fits, scalings, answers), sum(loss_rows.values()) if loss_rows else whole.n)
    elif loss_rows:
        for g, fit in fits.items():
            _scored({g: fit}, _on_all_rows({g: fit}, {g: scalings[g]}, {g: gaussian_answer(
                states[g].n, states[g].mean, states[g].comoment)}), loss_rows[g])
    return _as_enet(fits)


def _mean_var(parts: list) -> tuple:
    n = sum(p.shape[0] for p in parts)
    mean = sum(p[:, 1:].sum(axis=0) for p in parts) / n
    return n, mean, sum(((p[:, 1:] - mean) ** 2).sum(axis=0) for p in parts) / n


def _blocks(parts: list):
    return binomial_answer(lambda: ((b[:, 1:], b[:, 0]) for b in parts))


def binomial_packed(groups: dict, alpha, lambdas, standardize, opts, max_iter, tol, mode: str = "",
                    wider: dict | None = None) -> dict:
    """``mode``: as :func:`gaussian`'s. ``wider``: :func:`wider_moments`; a group whose rows
    with a complete x outnumber its packed rows is standardized by them (None: the packed rows)."""
    whole_table, all_rows = _modes(mode)
    every = [p for parts in groups.values() for p in parts]
    if not every:
        return {}
    n_all, mean_all, var_all = _mean_var(every)
    if wider and sum(m.n for m in wider.values()) != n_all:
        mean_all, var_all = mean_var(comoment_merge_all(wider.values()))
    fits: dict[object, FistaFit] = {}
    scalings = {}
    for g, parts in groups.items():
        if not parts:
            continue
        k = parts[0].shape[1] - 1
        n, mean, var = _mean_var(parts)
        if wider and wider.get(g) is not None and wider[g].n != n:
            mean, var = mean_var(wider[g])
        if whole_table:
            mean, var = mean_all, var_all
        sc = scalings[g] = Scaling.of(mean, var, 0.0, standardize, False, opts.state_digits)
        fits[g] = run(fista_steps(n, k, alpha, lambdas, sc, opts, max_iter, tol, False, standardize, g,
                                  divisor=n_all if whole_table else n), _blocks(parts))
    if all_rows:
        _scored(fits, _on_all_rows(fits, scalings, {h: _blocks(groups[h]) for h in scalings}), n_all)
    return _as_enet(fits)


def binomial_passes(sess, source, features, moments: dict, reference: list, step_call, sums_of, alpha, lambdas,
                    standardize, opts, max_iter, tol, mode: str = "", whole: tuple | None = None) -> dict:
    """Every group's FISTA in lockstep, one aggregate statement per requested point.
    ``moments``: ``{group: (n, mean, variance)}``; ``step_call(coef_sql)``: the
    ``_logit_newton`` call over ``[1, x]`` (:func:`indb_ml.regress.elastic_net.logit_step_call`,
    which the all-rows scoring of ``mode`` 't' and '1x' also uses); ``sums_of(raw)``: its
    state as ``LogitSums``. ``mode``: as :func:`gaussian`'s; ``whole``: the whole table's
    ``(n, mean, variance)``, which '1x' standardizes by."""
    whole_table, all_rows = _modes(mode)
    n_all = sum(n for n, _, _ in moments.values())
    gens, scalings = {}, {}
    for g, (n, mean, var) in moments.items():
        if whole_table:
            _, mean, var = whole
        sc = scalings[g] = Scaling.of(mean, var, 0.0, standardize, False, opts.state_digits)
        gens[g] = fista_steps(n, len(mean), alpha, lambdas, sc, opts, max_iter, tol, False, standardize, g,
                              divisor=n_all if whole_table else None)

    def evaluate(pending: dict) -> dict:
        if not features.group_cols:  # one group: every point of the step in one scan, one aggregate each
            (g, requests), = pending.items()
            calls = [step_call(passes.float8_array_sql(sess, np.asarray(p, dtype=float))) for p, _ in requests]
            rows = list(passes.run_pass(sess, source, [], calls[0], extra_sql=calls[1:]).values())
            if not rows:
                raise lockstep.vanished("elastic_net_train", g)
            out = []
            for i, (_, want) in enumerate(requests):
                sums = sums_of(rows[0]["state" + (str(i) if i else "")])
                if sums is None:
                    raise lockstep.vanished("elastic_net_train", g)
                out.append((-sums.log_likelihood, -np.asarray(sums.gradient) if want else None))
            return {g: out}
        answers: dict = {g: [] for g in pending}
        for i in range(max(len(r) for r in pending.values())):
            points = {g: np.asarray(r[i][0], dtype=float) for g, r in pending.items() if len(r) > i}
            rows = lockstep.coef_pass(sess, source, features.group_cols, step_call, points, reference)
            for g in points:
                sums = sums_of(rows[g]["state"]) if g in rows else None
                if sums is None:
                    raise lockstep.vanished("elastic_net_train", g)
                # _logit_newton: Σ log-likelihood and Σ (y - p) xa; FISTA's loss is minus those
                answers[g].append((-sums.log_likelihood, -np.asarray(sums.gradient) if pending[g][i][1] else None))
        return answers

    fits = lockstep.run_lockstep(gens, {g: next(gen) for g, gen in gens.items()}, evaluate)
    if all_rows and fits:
        models = {g: (f.fitted[0], f.fitted[1:]) for g, f in fits.items()}
        _scored(fits, whole_table_losses(sess, source, features, "binomial", {}, reference, models, scalings), n_all)
    return _as_enet(fits)
