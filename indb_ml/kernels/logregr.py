"""Logistic regression by IRLS (Newton's method) on blocks of rows, in numpy.

Each iteration is one pass over the blocks: the gradient ``Xᵀ(y - p)`` and the Hessian
``Xᵀ diag(p(1-p)) X`` are sums over blocks, so the same code serves data held in memory
and data streamed block by block. The statistics are statsmodels' Logit ones: standard
errors from the inverse Hessian at the optimum, Wald z, two-sided normal p-values.

>>> rng = np.random.default_rng(0)
>>> x = np.column_stack([np.ones(500), rng.normal(size=500)])
>>> y = (rng.random(500) < 1 / (1 + np.exp(-(0.5 + 2 * x[:, 1])))).astype(float)
>>> fit = irls(lambda: iter([(x, y)]), 2, max_iter=20, tolerance=1e-8)
>>> fit.status, [round(float(c), 1) for c in fit.coef]
('converged', [0.4, 2.3])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np
from scipy import special, stats


@dataclass
class LogitFit:
    coef: np.ndarray
    log_likelihood: float
    std_err: np.ndarray
    z_stats: np.ndarray
    p_values: np.ndarray
    odds_ratios: np.ndarray
    condition_no: float
    variance_covariance: np.ndarray
    num_iterations: int
    num_rows: int
    status: str  # converged, max_iter (not converged), separation, singular


def _pass(blocks: Callable[[], Iterator], w: np.ndarray, k: int):
    """One pass: log-likelihood, gradient, Hessian and row count at ``w``."""
    ll, grad, hess, n = 0.0, np.zeros(k), np.zeros((k, k)), 0
    for x, y in blocks():
        eta = x @ w
        p = special.expit(eta)
        # log(1 + e^eta) computed stably; y*eta - log(1 + e^eta) is the log-likelihood.
        ll += float(np.sum(y * eta - np.logaddexp(0.0, eta)))
        grad += x.T @ (y - p)
        hess += (x * (p * (1 - p))[:, None]).T @ x
        n += x.shape[0]
    return ll, grad, hess, n


def irls(blocks: Callable[[], Iterator], k: int, max_iter: int = 20, tolerance: float = 1e-4,
         report: Callable[[int, float], None] | None = None) -> LogitFit:
    """Newton iterations until the relative change of the log-likelihood is below ``tolerance``
    (MADlib's rule). ``blocks()`` yields ``(X block, y block)`` afresh on every call;
    ``report(iteration, log_likelihood)`` is called after each one (verbose)."""
    w = np.zeros(k)
    ll, grad, hess, n = _pass(blocks, w, k)
    status, iterations = "max_iter", 0
    while iterations < max_iter:
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            status = "singular"
            break
        w = w + step
        iterations += 1
        new_ll, grad, hess, n = _pass(blocks, w, k)
        change = abs(new_ll - ll) / max(abs(new_ll), 1e-300)
        ll = new_ll
        if report is not None:
            report(iterations, ll)
        if change < tolerance:
            status = "converged"
            break
        if np.max(np.abs(w)) > 50 and abs(ll) < 1e-6 * n:  # likelihood -> 0 with |w| -> inf
            status = "separation"
            break
    try:
        vcov = np.linalg.inv(hess)
        cond = float(np.linalg.cond(hess))
    except np.linalg.LinAlgError:
        vcov, cond, status = np.full((k, k), np.nan), float("inf"), "singular"
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(np.diag(vcov))
        z = w / se
    return LogitFit(w, ll, se, z, 2 * stats.norm.sf(np.abs(z)), np.exp(w), cond, vcov, iterations, n, status)
