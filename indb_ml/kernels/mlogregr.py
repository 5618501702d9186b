"""Multinomial logistic regression by Newton's method (statsmodels' MNLogit).

Categories ``c_0 .. c_{J-1}``; the reference category's linear predictor is 0 and the
other J-1 have coefficient vectors. Each Newton step needs one pass over the rows for the
log-likelihood, the gradient and the (J-1)k x (J-1)k information matrix
``Σ x xᵀ p_j (δ_jl - p_l)``. A pass is a function of the coefficients
(:func:`newton_groups` takes ``evaluate({group: beta}) -> {group: Step}``): either numpy
over blocks held in memory (:func:`block_pass`) or one aggregate statement for every
group still iterating, whose C states (``src/mlogit.c``) :func:`step_from_state` reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np
from scipy import special, stats

from indb_ml.kernels import cstate, interrupts


@dataclass
class MlogitFit:
    categories: list  # the non-reference categories, in coefficient order
    coef: np.ndarray  # (J-1) x k
    log_likelihood: float
    std_err: np.ndarray
    z_stats: np.ndarray
    p_values: np.ndarray
    condition_no: float
    variance_covariance: np.ndarray  # (J-1)k x (J-1)k, category-major
    num_iterations: int
    num_rows: int
    status: str


@dataclass
class Step:
    """One pass at some coefficients: log-likelihood, gradient (m x k), information, rows."""

    ll: float
    grad: np.ndarray
    hess: np.ndarray
    n: int
    skipped: int = 0


def _pass(blocks, beta, others, k):
    m = len(others)
    ll, grad, hess, n = 0.0, np.zeros((m, k)), np.zeros((m * k, m * k)), 0
    for x, y in blocks():
        eta = np.column_stack([np.zeros(x.shape[0]), x @ beta.T])  # reference first
        logp = eta - special.logsumexp(eta, axis=1, keepdims=True)
        p = np.exp(logp[:, 1:])
        ind = np.column_stack([y == c for c in others]).astype(float)
        ll += float(np.sum(ind * logp[:, 1:]) + np.sum((1 - ind.sum(axis=1)) * logp[:, 0]))
        grad += (ind - p).T @ x
        for j in range(m):
            for i in range(j, m):
                w = p[:, j] * ((j == i) - p[:, i])
                block = (x * w[:, None]).T @ x
                hess[j * k:(j + 1) * k, i * k:(i + 1) * k] += block
                if i != j:
                    hess[i * k:(i + 1) * k, j * k:(j + 1) * k] += block.T
        n += x.shape[0]
    return ll, grad, hess, n


def block_pass(blocks: Callable[[], Iterator], others: list, k: int) -> Callable[[np.ndarray], Step]:
    """A pass over blocks ``(X, y)`` held in memory, ``y`` the category values."""
    def run(beta: np.ndarray) -> Step:
        return Step(*_pass(blocks, beta, others, k))
    return run


def unpack_kronecker(packed: np.ndarray, m: int, k: int) -> np.ndarray:
    """The full (m k) x (m k) matrix of a C state whose matrix is a sum of ``W ⊗ x xᵀ``: its
    slots hold the m(m+1)/2 distinct k x k blocks (j <= l, row-major), each symmetric and
    stored as its packed upper triangle, then zeros (``src/mlogit.c``)."""
    d, size = m * k, k * (k + 1) // 2
    full = np.zeros((d, d))
    q = 0
    for j in range(m):
        for i in range(j, m):
            block = cstate.unpack_symmetric(packed[q * size:(q + 1) * size], k)
            full[j * k:(j + 1) * k, i * k:(i + 1) * k] = block
            full[i * k:(i + 1) * k, j * k:(j + 1) * k] = block
            q += 1
    return full


def step_from_state(raw, m: int, k: int) -> Step | None:
    """The :class:`Step` of an ``indb_ml._mlogit_step`` state (None if no row was used;
    the skipped count is then in ``skipped_of``)."""
    s = cstate.parse_state(raw, cstate.MLOGIT)
    if s is None or s.n == 0:
        return None
    d = m * k
    if s.width != d:
        raise ValueError(f"mlogit state of width {s.width}, expected {d}")
    return Step(float(s.data[0]), s.data[1:1 + d].reshape(m, k).copy(), unpack_kronecker(s.data[1 + d:], m, k),
                int(s.n), int(s.skipped))


def skipped_of(raw, kind: int = cstate.MLOGIT) -> int:
    s = cstate.parse_state(raw, kind)
    return 0 if s is None else int(s.skipped)


def meat_from_state(raw, m: int, k: int, kronecker: bool) -> tuple[np.ndarray, int, int]:
    """``(meat, n, skipped)`` of a sandwich state: ``_mlogit_meat`` (``kronecker``: rows'
    s sᵀ in Kronecker form) or ``_cluster_meat`` over cluster score sums (full upper triangle)."""
    s = cstate.parse_state(raw, cstate.SANDWICH)
    d = m * k
    if s is None or s.width == 0:
        return np.zeros((d, d)), 0, 0 if s is None else int(s.skipped)
    if s.width != d:
        raise ValueError(f"sandwich state of width {s.width}, expected {d}")
    packed = s.data[d:]
    meat = unpack_kronecker(packed, m, k) if kronecker else cstate.unpack_symmetric(packed, d)
    return meat, int(s.n), int(s.skipped)


class NotFinite(ArithmeticError):
    """MADlib's mlogregr error where a pass's information or gradient is not finite
    (regress/multilogistic.cpp, ``__mlogregr_irls_step_final``: ``NoSolutionFoundException``)."""

    MESSAGE = "Over- or underflow in intermediate calulation. Input data is likely of poor numerical condition."


def newton_groups(evaluate: Callable[[dict], dict], keys, k: int, categories: list, ref, max_iter: int = 20,
                  tolerance: float = 1e-4, terminate: bool = False) -> dict:
    """Newton's method for every group in ``keys`` at once: each round asks ``evaluate`` for
    the :class:`Step` of every group still iterating (``{group: beta}`` -> ``{group: Step}``),
    so a round is one pass whatever the number of groups; converged or failed groups drop
    out. The rules per group are those of one fit: stop when the relative change of the
    log-likelihood is below ``tolerance`` (converged), after ``max_iter`` steps, or at a
    singular information matrix. ``terminate`` (``SET indb_ml.madlib_failures = on``): a
    pass whose information or gradient is not finite raises :class:`NotFinite`, as MADlib's."""
    others = [c for c in categories if c != ref]
    m = len(others)
    beta = {g: np.zeros((m, k)) for g in keys}
    current = evaluate(dict(beta))
    status = {g: "max_iter" for g in keys}
    iterations = {g: 0 for g in keys}
    active = list(keys)
    while active:
        interrupts.check()
        asks = {}
        for g in active:
            if iterations[g] >= max_iter:
                continue
            step_now = current[g]
            if terminate and not (np.all(np.isfinite(step_now.hess)) and np.all(np.isfinite(step_now.grad))):
                raise NotFinite(NotFinite.MESSAGE)
            try:
                step = np.linalg.solve(step_now.hess, step_now.grad.ravel())
            except np.linalg.LinAlgError:
                status[g] = "singular"
                continue
            beta[g] = beta[g] + step.reshape(m, k)
            iterations[g] += 1
            asks[g] = beta[g]
        if not asks:
            break
        answers = evaluate(asks)
        active = []
        for g in asks:
            new = answers[g]
            change = abs(new.ll - current[g].ll) / max(abs(new.ll), 1e-300)
            current[g] = new
            interrupts.report(iterations[g], new.ll, g)
            if change < tolerance:
                status[g] = "converged"
            else:
                active.append(g)
    return {g: _finish(others, beta[g], current[g], iterations[g], status[g]) for g in keys}


def loglik_change(previous: float, current: float) -> float:
    """MADlib's ``multi_response_glm_loglik_diff``: the log-likelihood's change relative to
    the smaller of the two in magnitude; 0 when either is 0 or above (a perfect fit)."""
    if previous >= 0 or current >= 0:
        return 0.0
    return abs(previous - current) / min(abs(previous), abs(current))


def glm_newton_groups(evaluate: Callable[[dict], dict], keys, k: int, categories: list, ref, max_iter: int = 100,
                      tolerance: float = 1e-6, lagged: bool = False, terminate: bool = False) -> dict:
    """MADlib's ``multinom`` iteration (``glm/multinom.py_in``, ``MultiResponseGLM_impl.hpp``)
    for every group in ``keys`` at once, ``evaluate`` as :func:`newton_groups`'. Iteration t
    is a pass at β_{t-1} (β_0 = 0: MADlib's start, every category equally likely) followed
    by the step β_t = β_{t-1} + I⁻¹ g; it stops after iteration t when t reaches
    ``max_iter`` or the log-likelihood of pass t changed by less than ``tolerance``
    relative to pass t-1 (:func:`loglik_change`). ``num_iterations`` is t and the
    coefficients β_t, as MADlib reports them. The statistics (log-likelihood, standard
    errors) come from one more pass at β_t; with ``lagged`` (``SET
    indb_ml.madlib_statistics = on``), as MADlib's, from pass t at β_{t-1}, a step behind
    the coefficients. A singular information matrix stops the group at the last β.
    ``terminate`` (``SET indb_ml.madlib_failures = on``): a pass whose information or
    gradient is not finite ends the group as MADlib's (:func:`_terminated`)."""
    others = [c for c in categories if c != ref]
    m = len(others)
    beta = {g: np.zeros((m, k)) for g in keys}
    current = evaluate(dict(beta))
    status = {g: "max_iter" for g in keys}
    iterations = {g: 1 for g in keys}
    previous: dict = {}
    active, final = list(keys), {}
    while active:
        interrupts.check()
        asks = {}
        for g in active:
            step_now = current[g]
            interrupts.report(iterations[g], step_now.ll, g)
            if terminate and not (np.all(np.isfinite(step_now.hess)) and np.all(np.isfinite(step_now.grad))):
                status[g], final[g] = "terminated", _terminated(others, beta[g], step_now, iterations[g],
                                                                previous.get(g), max_iter, tolerance)
                continue
            try:
                step = np.linalg.solve(step_now.hess, step_now.grad.ravel())
            except np.linalg.LinAlgError:
                status[g] = "singular"
                final[g] = step_now
                continue
            beta[g] = beta[g] + step.reshape(m, k)
            change = np.inf if g not in previous else loglik_change(previous[g], step_now.ll)
            if change < tolerance or iterations[g] >= max_iter:
                if change < tolerance:
                    status[g] = "converged"
                final[g] = step_now
                continue
            previous[g] = step_now.ll
            iterations[g] += 1
            asks[g] = beta[g]
        current.update(evaluate(asks) if asks else {})
        active = list(asks)
    done = [g for g in keys if status[g] not in ("singular", "terminated")]
    if not lagged and done:  # the statistics at the coefficients reported: one more pass
        final.update(evaluate({g: beta[g] for g in done}))
    return {g: final[g] if status[g] == "terminated" else _finish(others, beta[g], final[g], iterations[g], status[g])
            for g in keys}


def _terminated(others, beta, last: Step, iteration: int, previous: float | None, max_iter: int,
                tolerance: float) -> MlogitFit:
    """MADlib's multinom outcome when pass t's information or gradient is not finite
    (MultiResponseGLM_impl.hpp ``apply``: "Hessian or gradient is not finite.", no step;
    multi_response_glm.cpp's final step still returns the state): the coefficients stay
    those the pass was made at, and its ``vcov``, bound to the Hessian's memory, is the
    information itself, so the standard errors are ``sqrt diag I`` of that pass (not of its
    inverse). The next iteration repeats the same pass from the same coefficients, so its
    log-likelihood change is 0 and MADlib stops after t + 1 iterations; after t when t is
    ``max_iter`` or pass t's change was already below ``tolerance``; at ``max_iter`` when
    the log-likelihood is not finite (its change is NaN, never below)."""
    change = np.inf if previous is None else loglik_change(previous, last.ll)
    if iteration >= max_iter or change < tolerance:
        iterations = iteration
    else:
        iterations = min(iteration + 1, max_iter) if np.isfinite(last.ll) else max_iter
    m, k = beta.shape
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(np.diag(last.hess)).reshape(m, k)
        z = beta / se
    return MlogitFit(others, beta, last.ll, se, z, 2 * stats.norm.sf(np.abs(z)), float("nan"),
                     np.full(last.hess.shape, np.nan), iterations, last.n, "terminated")


def _finish(others, beta, last: Step, iterations: int, status: str) -> MlogitFit:
    m, k = beta.shape
    try:
        vcov, cond = np.linalg.inv(last.hess), float(np.linalg.cond(last.hess))
    except np.linalg.LinAlgError:
        vcov, cond, status = np.full(last.hess.shape, np.nan), float("inf"), "singular"
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(np.diag(vcov)).reshape(m, k)
        z = beta / se
    return MlogitFit(others, beta, last.ll, se, z, 2 * stats.norm.sf(np.abs(z)), cond, vcov, iterations, last.n,
                     status)


def mlogit_newton(blocks: Callable[[], Iterator], k: int, categories: list, ref, max_iter: int = 20,
                  tolerance: float = 1e-4, terminate: bool = False) -> MlogitFit:
    """One fit over blocks in memory."""
    others = [c for c in categories if c != ref]
    run = block_pass(blocks, others, k)
    return newton_groups(lambda asks: {g: run(b) for g, b in asks.items()}, [None], k, categories, ref,
                         max_iter, tolerance, terminate)[None]


@dataclass
class SandwichFit:
    coef: np.ndarray  # (J-1) x k, as the fit's
    std_err: np.ndarray
    stats: np.ndarray
    p_values: np.ndarray
    num_rows: int


def sandwich(fit: MlogitFit, meat: np.ndarray, clusters: int | None = None) -> SandwichFit:
    """``V M V`` with ``V`` the fit's inverse information: HC0 (``clusters`` None) or
    cluster-robust with statsmodels' small-sample factor G/(G-1) (N-1)/(N-K), as
    :func:`indb_ml.kernels.robust.robust_mlogit` computes it from blocks."""
    m, k = fit.coef.shape
    n = fit.num_rows
    factor = 1.0 if clusters is None else clusters / (clusters - 1) * (n - 1) / (n - m * k)
    bread = fit.variance_covariance
    cov = factor * bread @ meat @ bread
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(np.diag(cov))
        z = fit.coef.ravel() / se
    p = 2 * stats.norm.sf(np.abs(z))
    return SandwichFit(fit.coef, se.reshape(m, k), z.reshape(m, k), p.reshape(m, k), n)
