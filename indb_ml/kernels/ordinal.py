"""Ordinal regression (cumulative logit or probit), in numpy and scipy.

``P(y <= j) = F(θ_j - xᵀβ)`` for the ordered categories ``0 .. J-1`` (statsmodels'
OrderedModel; no intercept in x: the thresholds play its part). The fit maximizes the
log-likelihood with BFGS in statsmodels' unconstrained parameters (θ_0, log(θ_j - θ_{j-1}));
the standard errors come from the observed information in the direct parameters (β, θ),
computed analytically in the same pass that gives the log-likelihood.

Every evaluation is a pass over the rows, a function of the parameters: numpy over blocks
held in memory (:func:`block_evaluator`) or one aggregate statement (``src/ordinal.c``,
read by :func:`evaluation_from_state`). With many groups and aggregate passes, each
group's BFGS runs in its own thread and :func:`lockstep` answers all the groups' pending
evaluations with one statement, so a round costs one scan whatever the number of groups,
and every group follows exactly the iterations it would follow alone.
"""

from __future__ import annotations

import signal
import threading
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np
from scipy import optimize, special, stats

from indb_ml.kernels import cstate

LINKS = {
    "logit": (special.expit, lambda z: special.expit(z) * special.expit(-z)),
    "probit": (special.ndtr, stats.norm.pdf),
}
# the derivative of each density (for the information matrix)
DENSITY_SLOPES = {
    "logit": lambda z: special.expit(z) * special.expit(-z) * (1 - 2 * special.expit(z)),
    "probit": lambda z: -z * stats.norm.pdf(z),
}
LINK_CODES = {"logit": 0, "probit": 1}  # the C aggregate's link argument


@dataclass
class OrdinalFit:
    thresholds: np.ndarray
    threshold_se: np.ndarray
    coef: np.ndarray
    coef_se: np.ndarray
    log_likelihood: float
    iterations: int
    num_rows: int
    converged: bool


@dataclass
class Evaluation:
    """The log-likelihood at (β, θ), its gradient, the information in (β, θ) order when asked
    for (else None), the rows used and skipped."""

    ll: float
    g_beta: np.ndarray
    g_theta: np.ndarray
    information: np.ndarray | None
    n: int
    skipped: int = 0


def _bounds(theta):
    return np.concatenate([[-np.inf], theta, [np.inf]])


def _masked(f, z):
    finite = np.isfinite(z)
    return np.where(finite, f(np.where(finite, z, 0)), 0.0)


def _loglik_grad(blocks, beta, theta, link):
    cdf, pdf = LINKS[link]
    bounds = _bounds(theta)
    ll, g_beta, g_theta = 0.0, np.zeros(beta.size), np.zeros(theta.size)
    for x, y in blocks():
        yi = y.astype(int)
        eta = x @ beta
        upper, lower = bounds[yi + 1] - eta, bounds[yi] - eta
        prob = np.maximum(cdf(upper) - cdf(lower), 1e-300)
        fu = np.where(np.isfinite(upper), pdf(np.where(np.isfinite(upper), upper, 0)), 0.0)
        fl = np.where(np.isfinite(lower), pdf(np.where(np.isfinite(lower), lower, 0)), 0.0)
        ll += float(np.sum(np.log(prob)))
        g_beta += -(x.T @ ((fu - fl) / prob))
        j = theta.size
        np.add.at(g_theta, np.minimum(yi, j - 1)[yi < j], (fu / prob)[yi < j])
        np.add.at(g_theta, (yi - 1)[yi > 0], -(fl / prob)[yi > 0])
    return ll, g_beta, g_theta


def _information(blocks, beta, theta, link):
    """Minus the Hessian of the log-likelihood in (β, θ), analytically: with u = θ_y - η,
    l = θ_{y-1} - η, P = F(u) - F(l), a = f(u)/P, b = -f(l)/P and the second derivatives
    A = f'(u)/P - a², B = -f'(l)/P - b², C = -ab: -(A+2C+B) x xᵀ for β β, (A+C) x and
    (B+C) x for θ_y β and θ_{y-1} β, -A, -B, -C for the thresholds (``src/ordinal.c``)."""
    cdf, pdf = LINKS[link]
    slope = DENSITY_SLOPES[link]
    bounds = _bounds(theta)
    k, nt = beta.size, theta.size
    info = np.zeros((k + nt, k + nt))
    for x, y in blocks():
        yi = y.astype(int)
        eta = x @ beta
        upper, lower = bounds[yi + 1] - eta, bounds[yi] - eta
        prob = np.maximum(cdf(upper) - cdf(lower), 1e-300)
        a, b = _masked(pdf, upper) / prob, -_masked(pdf, lower) / prob
        big_a = _masked(slope, upper) / prob - a * a
        big_b = -_masked(slope, lower) / prob - b * b
        big_c = -a * b
        rows = np.arange(yi.size)
        has_u, has_l = yi < nt, yi > 0
        u_hot = np.zeros((yi.size, nt))
        u_hot[rows[has_u], yi[has_u]] = 1.0
        l_hot = np.zeros((yi.size, nt))
        l_hot[rows[has_l], yi[has_l] - 1] = 1.0
        info[:k, :k] += (x * (-(big_a + 2 * big_c + big_b))[:, None]).T @ x
        cross = u_hot.T @ (x * (big_a + big_c)[:, None]) + l_hot.T @ (x * (big_b + big_c)[:, None])
        info[k:, :k] += cross
        info[:k, k:] += cross.T
        tt = (u_hot * -big_a[:, None]).T @ u_hot + (l_hot * -big_b[:, None]).T @ l_hot
        lu = (l_hot * -big_c[:, None]).T @ u_hot
        info[k:, k:] += tt + lu + lu.T
    return info


def block_evaluator(blocks: Callable[[], Iterator], link: str) -> Callable:
    """``evaluate(beta, theta, hessian) -> Evaluation`` over blocks ``(X, y)`` in memory
    (``y`` the category index)."""
    def evaluate(beta, theta, hessian: bool) -> Evaluation:
        ll, gb, gt = _loglik_grad(blocks, beta, theta, link)
        info = _information(blocks, beta, theta, link) if hessian else None
        n = sum(x.shape[0] for x, _ in blocks()) if hessian else 0
        return Evaluation(ll, gb, gt, info, n)
    return evaluate


def evaluation_from_state(raw, k: int, n_categories: int) -> Evaluation | None:
    """The :class:`Evaluation` of an ``indb_ml._ordinal_step`` state, whose parameters are
    thresholds first ([θ, β]); None when no row was used."""
    s = cstate.parse_state(raw, cstate.ORDINAL)
    if s is None or s.n == 0:
        return None
    nt = n_categories - 1
    d = nt + k
    if s.width != d:
        raise ValueError(f"ordinal state of width {s.width}, expected {d}")
    grad = s.data[1:1 + d]
    info = None
    if s.param & 4:
        order = list(range(nt, d)) + list(range(nt))
        info = cstate.unpack_symmetric(s.data[1 + d:], d)[np.ix_(order, order)]
    return Evaluation(float(s.data[0]), grad[nt:].copy(), grad[:nt].copy(), info, int(s.n), int(s.skipped))


def skipped_of(raw) -> int:
    s = cstate.parse_state(raw, cstate.ORDINAL)
    return 0 if s is None else int(s.skipped)


def start_point(k: int, n_categories: int) -> np.ndarray:
    """BFGS's start in the unconstrained parameters: β = 0, θ_0 = -1, equal unit gaps."""
    nt = n_categories - 1
    return np.concatenate([np.zeros(k), [-1.0], np.zeros(nt - 1)]) if nt > 1 else np.concatenate([np.zeros(k), [0.0]])


def unpack(p: np.ndarray, k: int):
    """(β, θ) from the unconstrained parameters: θ_0, then log increments."""
    theta = np.cumsum(np.concatenate([[p[k]], np.exp(p[k + 1:])]))
    return p[:k], theta


def _fit(ask: Callable, k: int, n_categories: int, max_iter: int, tolerance: float) -> OrdinalFit:
    """One group's fit; ``ask(beta, theta, hessian)`` evaluates the model at a point."""
    nt = n_categories - 1

    def objective(p):
        beta, theta = unpack(p, k)
        e = ask(beta, theta, False)
        # d theta_j / d p_k+0 = 1; d theta_j / d p_k+m = exp(p_k+m) for m <= j.
        jac = np.zeros((nt, nt))
        jac[:, 0] = 1.0
        for m in range(1, nt):
            jac[m:, m] = np.exp(p[k + m])
        return -e.ll, -np.concatenate([e.g_beta, jac.T @ e.g_theta])

    res = optimize.minimize(objective, start_point(k, n_categories), jac=True, method="BFGS",
                            options={"maxiter": max_iter, "gtol": tolerance})
    beta, theta = unpack(res.x, k)
    final = ask(beta, theta, True)
    cov = np.linalg.pinv((final.information + final.information.T) / 2)
    se = np.sqrt(np.maximum(np.diag(cov), 0))
    # BFGS's "precision loss" (status 2) means the gradient is as small as float64 allows.
    return OrdinalFit(theta, se[k:], beta, se[:k], float(-res.fun), int(res.nit), final.n, res.status in (0, 2))


def fit_ordinal(blocks: Callable[[], Iterator], k: int, n_categories: int, link: str, max_iter: int = 100,
                tolerance: float = 1e-8) -> OrdinalFit:
    """One fit over blocks in memory."""
    return _fit(block_evaluator(blocks, link), k, n_categories, max_iter, tolerance)


def fit_groups(evaluate: Callable[[dict], dict], keys, k: int, n_categories: int, max_iter: int = 100,
               tolerance: float = 1e-8, batched: bool = True) -> dict:
    """``{group: OrdinalFit}``; ``evaluate({group: (beta, theta, hessian)}) -> {group: Evaluation}``.
    ``batched``: one call for all groups' pending evaluations (:func:`lockstep`); otherwise
    the groups are fitted one after the other, one group per call."""
    keys = list(keys)

    def task(g):
        return lambda ask: _fit(lambda b, t, h: ask((b, t, h)), k, n_categories, max_iter, tolerance)

    if not batched or len(keys) == 1:
        return {g: task(g)(lambda request, g=g: evaluate({g: request})[g]) for g in keys}
    return lockstep({g: task(g) for g in keys}, evaluate)


class _Abort(BaseException):
    """Raised in the worker threads when the driver stops (an error in a pass)."""


def lockstep(tasks: dict, evaluate: Callable[[dict], dict], max_threads: int = 64) -> dict:
    """Run ``tasks`` ({key: task(ask)}) as threads; each calls ``ask(request)`` for the
    evaluations it needs. Whenever every running task waits in ``ask``, the caller's thread
    answers all their requests with one ``evaluate({key: request})`` and resumes them.

    So the driver's thread alone talks to the database (the workers run only numpy and
    scipy, and never at the same time as a statement), and every task sees exactly the
    answers it would get alone. The workers block every signal: PostgreSQL's handlers stay
    with the backend's own thread. At most ``max_threads`` tasks are live at once."""
    cond = threading.Condition()
    pending: dict = {}
    answers: dict = {}
    results: dict = {}
    errors: dict = {}
    state = {"running": 0, "abort": False}

    def make_ask(key):
        def ask(request):
            with cond:
                pending[key] = request
                state["running"] -= 1
                cond.notify_all()
                while key not in answers and not state["abort"]:
                    cond.wait()
                if key not in answers:
                    raise _Abort()
                return answers.pop(key)
        return ask

    def worker(key, task):
        try:
            result = task(make_ask(key))
            with cond:
                results[key] = result
        except _Abort:
            return
        except BaseException as exc:  # handed to the driver's thread, which raises it
            with cond:
                errors[key] = exc
        with cond:
            state["running"] -= 1
            cond.notify_all()

    queue = list(tasks.items())
    threads: list = []
    live: set = set()
    try:
        while True:
            with cond:
                while queue and len(live) < max_threads:
                    key, task = queue.pop(0)
                    thread = threading.Thread(target=worker, args=(key, task), daemon=True,
                                              name="indb_ml-lockstep")
                    state["running"] += 1
                    live.add(key)
                    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
                    try:
                        thread.start()  # the thread inherits the blocked signal mask
                    finally:
                        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
                    threads.append(thread)
                while state["running"] > 0:
                    cond.wait()
                if errors:
                    raise next(iter(errors.values()))
                live = {key for key in live if key not in results}
                batch = dict(pending)
                pending.clear()
            if not batch:
                if not queue:
                    break
                continue
            got = evaluate(batch)
            with cond:
                answers.update({key: got[key] for key in batch})
                state["running"] += len(batch)
                cond.notify_all()
    finally:
        with cond:
            state["abort"] = True
            cond.notify_all()
        for thread in threads:
            thread.join()
    return results
