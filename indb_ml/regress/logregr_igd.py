"""logregr_train with ``optimizer => 'igd'``: MADlib's incremental gradient, pass for pass.

Each pass is one aggregate statement: the C aggregate ``indb_ml._logregr_igd`` makes
MADlib's per-row step (``logregr_igd_step_transition`` in src/modules/regress/logistic.cpp)
over each group's rows in their physical order (``ORDER BY ctid``; views and other sources
keep scan order under :data:`~indb_ml.regress.elastic_net_igd.SCAN_ORDER`). MADlib's driver
(regress/logistic.py_in), per group:

- pass 1 has no previous state: the step size is 0, the coefficients stay 0 and its
  log-likelihood is 0; every later pass starts from the previous pass's coefficients with the
  step size 0.01 and takes X'AX and the log-likelihood at them;
- iteration ``i`` is the last when ``i >= max_iter`` or, from ``i = 2``, the log-likelihoods of
  passes ``i - 1`` and ``i`` differ by less than the tolerance;
- the statistics (``internal_logregr_igd_result``) pair the last pass's coefficients with its
  X'AX and log-likelihood, taken at the coefficients before it: the pseudo-inverse of X'AX
  gives the variance, ``condition_no`` is the square root of its condition number.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from indb_ml.kernels import cstate, interrupts
from indb_ml.kernels.logregr import LogitFit
from indb_ml.regress import lockstep
from indb_ml.regress.elastic_net_igd import SCAN_ORDER, row_order

MADLIB_STEPSIZE = 0.01  # MADlib's reset(): "stepsize is hard-coded here now"


def parse(raw) -> tuple[int, int, np.ndarray, float, np.ndarray] | None:
    """(rows used, rows skipped, coef, log-likelihood, X'AX) of a pass's state; None when no row had values."""
    s = cstate.parse_state(raw, cstate.LOGIT_IGD)
    if s is None:
        return None
    k = s.width
    xax = np.zeros((k, k))
    if k:
        iu = np.triu_indices(k)
        xax[iu] = s.data[2 + 2 * k:]
        xax = xax + np.triu(xax, 1).T
    return s.n, s.skipped, s.data[2:2 + k].copy(), float(s.data[1]), xax


def result(coef: np.ndarray, ll: float, xax: np.ndarray, iterations: int, n: int, status: str) -> LogitFit:
    """MADlib's stateToResult: the pseudo-inverse of X'AX and sqrt of its condition number."""
    vcov = np.linalg.pinv(xax, hermitian=True)
    eig = np.abs(np.linalg.eigvalsh(xax))
    cond = float(np.sqrt(eig.max() / eig.min())) if eig.size and eig.min() > 0 else float("inf")
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(np.diag(vcov))
        z = coef / se
    return LogitFit(coef, ll, se, z, 2 * stats.norm.sf(np.abs(z)), np.exp(coef), cond, vcov, iterations, n, status)


def fits(sess, source, features, max_iter: int, tolerance: float, report_for) -> tuple[dict, dict]:
    """``({group: LogitFit}, {group: rows skipped})`` of MADlib's IGD."""
    order = row_order(sess, source, features.group_cols)
    y = "(" + features.y_sql + ")::pg_catalog.float8"
    x = "(" + features.x_sql + ")::pg_catalog.float8[]"

    def call(v_sql: str) -> str:  # v = [first pass?, prev coef (k)]
        v = "(" + v_sql + ")"
        prev = f"CASE WHEN {v}[1] = 1 THEN NULL ELSE {v}[2:] END"
        return "indb_ml._logregr_igd(" + y + ", " + x + ", " + prev + (order or "") + ")"

    with sess.settings({} if order else SCAN_ORDER):
        first = lockstep.coef_pass(sess, source, features.group_cols, call, {None: np.ones(1)})
    reference = list(first)
    skipped, track = {}, {}
    for g, row in first.items():
        parsed = parse(row["state"])
        if parsed is None:  # cannot happen: a state counts skipped rows too
            continue
        n, skipped[g], coef, ll, _ = parsed
        if n == 0:
            continue
        track[g] = dict(it=1, coef=coef, ll=ll, xax=None, n=n, report=report_for(g), done=max_iter <= 1,
                        status="max_iter")
    active = {g for g, t in track.items() if not t["done"]}
    while active:
        interrupts.check()
        vecs = {g: np.concatenate([[0.0], track[g]["coef"]]) for g in active}
        with sess.settings({} if order else SCAN_ORDER):
            rows = lockstep.coef_pass(sess, source, features.group_cols, call, vecs, reference)
        for g in list(active):
            parsed = parse(rows[g]["state"]) if g in rows else None
            if parsed is None or parsed[0] == 0:
                raise lockstep.vanished("logregr_train", g)
            t = track[g]
            n, _, coef, ll, xax = parsed
            t["it"] += 1
            distance = abs(t["ll"] - ll)
            t.update(coef=coef, ll=ll, xax=xax, n=n)
            t["report"](t["it"], ll)
            if not np.all(np.isfinite(coef)):  # MADlib: a warning and status TERMINATED
                t["status"] = "diverged"
                active.discard(g)
            elif distance < tolerance:
                t["status"] = "converged"
                active.discard(g)
            elif t["it"] >= max_iter:
                active.discard(g)
    out = {}
    for g, t in track.items():
        xax = t["xax"] if t["xax"] is not None else np.zeros((t["coef"].size,) * 2)
        out[g] = result(t["coef"], t["ll"], xax, t["it"], t["n"], t["status"])
    return out, skipped
