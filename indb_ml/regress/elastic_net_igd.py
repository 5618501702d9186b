"""elastic_net_train with ``optimizer => 'igd'``: MADlib's IGD (``elastic_net_optimizer_igd.py_in``).

Each pass is one aggregate statement: the C aggregate ``indb_ml._enet_igd`` makes MADlib's
per-row step over each group's rows in their physical order (``ORDER BY ctid``; it has no
combine function and is PARALLEL UNSAFE, so no worker takes a share), and the final step runs
here once per group (:mod:`indb_ml.kernels.elastic_net_igd`). MADlib's driver, per group:

- the state of a pass starts from the previous pass's (coef, theta, intercept, step size,
  running log-likelihood); a new warm-up lambda restarts the step size;
- a pass ends the current lambda when ``iteration > max_iter`` or the change of
  |log-likelihood| is below the tolerance (``warmup_tolerance`` before the last lambda);
  the next lambda follows while ``iteration < max_iter``; iteration_run counts every pass;
- the result zeroes the coefficients below ``threshold`` (relative) or ``tolerance``, then
  undoes the standardization as MADlib's result step does;
- the output's ``log_likelihood`` is MADlib's ``_compute_log_likelihood``
  (elastic_net_utils.py_in, called by elastic_net_generate_result.py_in): the mean loss of the
  group's complete rows at the thresholded coefficients and the last pass's intercept, plus the
  penalty at ``lambda_value``, not the last pass's running value (:func:`group_losses`).

Each group is standardized by its own statistics and divides by its own row count
(MADlib's ``col_n_tuples``); ``iteration_run`` is the largest of the groups' counts.
``madlib_grouping = t`` adds what MADlib's grouped IGD takes from the whole table
(elastic_net_optimizer_igd.py_in with elastic_net_utils.py_in): unstandardized, every group's
step gets the whole table's feature and response means (``_compute_means`` calls
``_compute_data_scales`` on the whole table when grouping) and its threshold the whole table's
feature spread (``_compute_average_sq`` from the same ``x_scales``); standardized, the groups'
own statistics as by default. Either way each group's ``log_likelihood`` scores its model on
every row of the table (``_compute_log_likelihood`` reads all of ``tbl_used``, the table
standardized group by group when standardized): :func:`whole_table_losses`.

``SET indb_ml.madlib_statistics = on``: an unstandardized gaussian fit's ``log_likelihood``
divides the squared loss by ``count(*) * 2``, every row, NULL rows too, as MADlib's
``_compute_log_likelihood`` since JIRA MADLIB-1094 (:func:`madlib_loss_rows`); by default,
the complete rows, whose mean loss it is.

Rows with NULLs, as MADlib counts them: the step's divisor (``totalRows``, MADlib's
``col_n_tuples``: ``count(*) WHERE y IS NOT NULL AND NOT array_contains_null(x)`` per group,
in_mem_group_control.py_in) and the final step's loss average (its ``numRows``, the rows the
transition did not skip) are the group's complete rows; the response mean is taken over them
too (``avg(CASE WHEN NOT array_contains_null(x) THEN y END)``). The features' means and
standard deviations (standardization, the gaussian ``xmean``, the threshold's spread) are
MADlib's ``utils_var_scales(x)``, which skips only arrays with a NULL: a row with a NULL
response but a complete x counts there (:func:`x_scale_moments`).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from indb_ml.core import passes
from indb_ml.core.plan_choice import is_distributed
from indb_ml.errors import InputError
from indb_ml.kernels import interrupts
from indb_ml.kernels.comoment import comoment_merge_all
from indb_ml.kernels.elastic_net import EnetFit, enet_sums_from_cstate
from indb_ml.kernels.elastic_net_fista import Scaling, gaussian_answer
from indb_ml.kernels.elastic_net_igd import finalize, state_diff, threshold_coef
from indb_ml.regress import lockstep
from indb_ml.regress.linregr import moments_by_group
from indb_ml.regress.madlib_statistics import madlib_statistics

# Passes in scan order without an ORDER BY: a sequential scan that starts at the first block
# (synchronize_seqscans lets a large table's scan join one already running, mid-table); for
# groups, a hash aggregate keeps each group's rows in scan order, a sort (GroupAggregate) would
# not, nor would a hash join that hashes the source's rows (its buckets give them back newest
# first); a nested loop keeps them in order.
SCAN_ORDER = {"enable_sort": "off", "enable_hashagg": "on", "enable_mergejoin": "off", "enable_hashjoin": "off",
              "synchronize_seqscans": "off"}


def row_order(sess, source, group_cols) -> str | None:
    """The aggregate's ``ORDER BY`` with groups on a table: the rows' physical order, which a
    sequential scan follows (MADlib's order on PostgreSQL), made explicit so the join with the
    groups' vectors cannot change it (a partitioned table's partitions in turn). None, for
    :data:`SCAN_ORDER`, without groups (one scan, no join: the sort would only cost) or for
    sources without a ctid."""
    if not group_cols or source.kind not in ("r", "m", "p") or is_distributed(sess, source):
        return None
    return " ORDER BY s.tableoid, s.ctid" if source.kind == "p" else " ORDER BY s.ctid"


def x_scale_moments(sess, source, features, states: dict, skipped: dict | None = None) -> dict:
    """``{group: co-moments}`` whose feature part is MADlib's ``utils_var_scales(x)``: over the
    rows whose x has no NULL, whatever their response. One more pass, whose counts say whether
    it differs from ``states`` (the complete rows); where a group has no row with a NULL
    response and a complete x, its complete rows' moments are kept as they are. ``skipped``
    (the first pass's skipped rows per group, None if unknown): with none skipped the rows are
    the same, so ``states`` is returned without the pass. Only the features' part (from index
    1) of a returned state is meant."""
    if skipped is not None and not any(skipped.values()):
        return states
    wider = x_complete_moments(sess, source, features)
    return {g: s if wider.get(g) is None or wider[g].n == s.n else wider[g] for g, s in states.items()}


def x_complete_moments(sess, source, features) -> dict:
    """``{group: co-moments of [0, x]}`` over every row whose x has no NULL, whatever its
    response (MADlib's ``utils_var_scales(x)``): one pass. Only the features' part is meant."""
    x_only = dataclasses.replace(features, y_sql="0::pg_catalog.float8", row_items=())
    return moments_by_group(sess, source, x_only)[0]


def mean_var(m) -> tuple:
    """The features' mean and population variance of co-moments of ``[y, x]``."""
    return m.mean[1:], np.diag(m.comoment)[1:] / m.n


def madlib_loss_rows(sess, fam: str, standardize: bool, states: dict, skipped: dict) -> dict | None:
    """``{group: count(*)}``, every row of the group, NULL rows too, when MADlib's output loss
    divides by it (``SET indb_ml.madlib_statistics = on``, an unstandardized gaussian fit:
    ``sum(...) / (count(*) * 2.)``, elastic_net_utils.py_in ``_compute_log_likelihood``, JIRA
    MADLIB-1094); else None, and the loss is the mean over the complete rows."""
    if fam != "gaussian" or standardize or not madlib_statistics(sess):
        return None
    return {g: (states[g].n if g in states else 0) + int(skipped[g]) for g in skipped}


def group_losses(sess, source, features, fam: str, states: dict, reference: list, points: dict) -> dict:
    """``{group: loss}``: the loss summed over the group's complete rows (MADlib's ``avg`` and
    ``sum`` skip the rows whose prediction or response is NULL) at ``points[group]`` (a model on
    the original data, intercept first): ``Σ r² / 2`` or ``Σ log(1 + exp(-y± η))``. Gaussian:
    from the co-moments, no pass; binomial: one ``_logit_newton`` pass at the points."""
    if fam == "gaussian":
        return {g: gaussian_answer(s.n, s.mean, s.comoment)([(points[g], False)])[0][0]
                for g, s in states.items() if g in points}
    from indb_ml.regress.elastic_net import logit_step_call  # that module imports this one
    rows = lockstep.coef_pass(sess, source, features.group_cols,
                              lambda c: logit_step_call(sess, features, c), points, reference)
    loss = {}
    for g in points:
        sums = enet_sums_from_cstate(rows[g]["state"]) if g in rows else None
        if sums is None:
            raise lockstep.vanished("elastic_net_train", g)
        loss[g] = -float(sums.log_likelihood)
    return loss


def whole_table_losses(sess, source, features, fam: str, states: dict, reference: list, models: dict,
                       scalings: dict) -> dict:
    """``{group: loss}`` of each group's model ``(b, c)`` (on the data IGD ran on) over every
    row of the table, as MADlib's grouped ``_compute_log_likelihood`` reads ``tbl_used`` whole:
    a row of group ``h`` enters as group ``h``'s standardization left it, so the model
    scores there at ``scalings[h].to_original(b, c)``. Binomial: one pass per model."""
    return {g: sum(group_losses(sess, source, features, fam, states, reference,
                                {h: sc.to_original(b, c) for h, sc in scalings.items()}).values())
            for g, (b, c) in models.items()}


def _penalty(c: np.ndarray, alpha: float, lam: float) -> float:
    return lam * ((1 - alpha) * float(c @ c) / 2 + alpha * float(np.abs(c).sum()))


def _call(sess, features, fam: str, lam: float, alpha: float, params, v_sql: str, k: int, standardize: bool,
          order: str | None) -> str:
    """The aggregate call; ``v_sql`` is the group's vector ``[first, n, mean (k+1), scale (k), prev (4+2k)]``."""
    def lit(v: float) -> str:
        return sess.literal(passes.float8_text(v)) + "::pg_catalog.float8"

    v = "(" + v_sql + ")"
    y = features.y_sql if fam == "gaussian" else "(" + features.y_sql + ")::pg_catalog.float8"
    prev = f"CASE WHEN {v}[1] = 1 THEN NULL ELSE {v}[{2 * k + 4}:{4 * k + 7}] END"
    scale = f"{v}[{k + 4}:{2 * k + 3}]" if standardize else "NULL::pg_catalog.float8[]"
    return ("indb_ml._enet_igd((" + features.x_sql + ")::pg_catalog.float8[], (" + y + ")::pg_catalog.float8, "
            + prev + ", " + lit(lam) + ", " + lit(alpha) + ", " + lit(params.stepsize) + ", ("
            + v + "[2])::pg_catalog.int8, " + f"{v}[3:{k + 3}], " + scale + ", " + lit(params.step_decay)
            + ", " + ("0" if fam == "gaussian" else "1") + (order or "") + ")")


def fit(sess, source, features, fam: str, states: dict, reference: list, alpha: float, lambdas: list,
        standardize: bool, params, max_iter: int, tol: float, warm_tol: float, loss_rows: dict | None = None,
        skipped: dict | None = None) -> dict:
    """``{group: EnetFit}`` from MADlib's IGD; ``states``: each group's co-moments of ``[y, x]``.
    ``loss_rows``: :func:`madlib_loss_rows` (None: the output loss is the complete rows' mean).
    ``skipped``: the first pass's skipped rows per group (None: unknown), see :func:`x_scale_moments`."""
    gaussian = fam == "gaussian"
    whole_table = bool(params.madlib_grouping)
    if not states:
        return {}
    info = {}
    xmoments = x_scale_moments(sess, source, features, states, skipped)
    whole_y = comoment_merge_all(states.values())
    whole_mean, whole_var = mean_var(comoment_merge_all(xmoments.values()))
    for g, s in states.items():
        xmean, var = mean_var(xmoments[g])
        sc = Scaling.of(xmean, var, s.mean[0], standardize, gaussian)
        k = var.size
        if k < 2:
            raise InputError("elastic_net_train: optimizer 'igd' needs at least 2 features (MADlib's mirror map "
                             "p = 2 ln k is degenerate for one)", hint="use optimizer 'fista'")
        spread = np.sqrt(var) / sc.scale
        head = [s.n, s.mean[0], *xmean]
        if whole_table and not standardize:  # MADlib's grouped _compute_means and _compute_average_sq
            spread, head = np.sqrt(whole_var), [s.n, whole_y.mean[0], *whole_mean]
        info[g] = dict(n=s.n, k=k, head=head, scale=sc, spread=spread, raw_scale=sc.scale)
    order = row_order(sess, source, features.group_cols)
    track = {g: dict(it=0, idx=0, last=None, converged=False) for g in info}
    active = set(info)
    while active:
        interrupts.check()
        by_lam: dict = {}
        for g in active:
            by_lam.setdefault(track[g]["idx"], []).append(g)
        for idx, groups in by_lam.items():  # groups at the same warm-up lambda share a statement
            k = info[groups[0]]["k"]
            vecs = {}
            for g in groups:
                t, i = track[g], info[g]
                prev = t["last"].prev() if t["last"] is not None else [0.0] * (4 + 2 * k)
                vecs[g] = np.array([1.0 if t["last"] is None else 0.0, *i["head"], *i["raw_scale"], *prev])
            with sess.settings({} if order else SCAN_ORDER):
                rows = lockstep.coef_pass(sess, source, features.group_cols,
                                          lambda c, lam=lambdas[idx], k=k: _call(sess, features, fam, lam, alpha,
                                                                                 params, c, k, standardize, order),
                                          vecs, reference)
            for g in groups:
                raw = rows[g]["state"] if g in rows else None
                if raw is None:
                    raise lockstep.vanished("elastic_net_train", g)
                t = track[g]
                now = finalize(raw, gaussian)
                t["it"] += 1
                diff = state_diff(t["last"], now)
                t["last"] = now
                last_lam = t["idx"] == len(lambdas) - 1
                use_tol = tol if last_lam else warm_tol
                interrupts.report(None, -now.log_likelihood, g)
                if t["it"] > max_iter or diff < use_tol:
                    if t["it"] < max_iter and not last_lam:
                        t["idx"] += 1
                    else:
                        t["converged"] = diff < use_tol
                        active.discard(g)
    run_count = max((t["it"] for t in track.values()), default=0)
    coefs, points = {}, {}
    for g, t in track.items():
        if t["idx"] < len(lambdas) - 1:
            raise InputError(f"elastic_net_train{' in group ' + g if g else ''}: the final target lambda value is "
                             "not reached in warm-up iterations (max_iter caps the passes of the whole warm-up path)",
                             hint="raise max_iter, or use fewer warm-up lambdas")
        coefs[g] = threshold_coef(t["last"], info[g]["spread"], params.threshold, tol)
        points[g] = info[g]["scale"].to_original(t["last"].intercept, coefs[g])
    if whole_table and points:
        loss = whole_table_losses(sess, source, features, fam, states, reference,
                                  {g: (track[g]["last"].intercept, c) for g, c in coefs.items()},
                                  {g: i["scale"] for g, i in info.items()})
        rows = sum(loss_rows.values()) if loss_rows else whole_y.n
        divisor = {g: rows for g in points}
    else:
        loss = group_losses(sess, source, features, fam, states, reference, points) if points else {}
        divisor = {g: loss_rows[g] if loss_rows else states[g].n for g in points}
    out = {}
    for g, point in points.items():
        if gaussian and standardize:  # MADlib's _restore_scale: ȳ - Σ c x̄/s, the fitted intercept left out
            point = np.concatenate([[point[0] - track[g]["last"].intercept], point[1:]])
        objective = loss[g] / divisor[g] + _penalty(coefs[g], alpha, lambdas[-1])
        out[g] = EnetFit(point[1:], float(point[0]), objective, run_count, track[g]["converged"])
    return out
