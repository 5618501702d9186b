"""Multinomial logistic regression by Newton's method on blocks (statsmodels' MNLogit).

Categories ``c_0 .. c_{J-1}``; the reference category's linear predictor is 0 and the
other J-1 have coefficient vectors. Each Newton step is one pass over the blocks for the
gradient and the (J-1)k x (J-1)k Hessian ``Σ x xᵀ p_j (δ_jl - p_l)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np
from scipy import special, stats


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


def mlogit_newton(blocks: Callable[[], Iterator], k: int, categories: list, ref, max_iter: int = 20,
                  tolerance: float = 1e-4) -> MlogitFit:
    others = [c for c in categories if c != ref]
    m = len(others)
    beta = np.zeros((m, k))
    ll, grad, hess, n = _pass(blocks, beta, others, k)
    status, iterations = "max_iter", 0
    while iterations < max_iter:
        try:
            step = np.linalg.solve(hess, grad.ravel())
        except np.linalg.LinAlgError:
            status = "singular"
            break
        beta = beta + step.reshape(m, k)
        iterations += 1
        new_ll, grad, hess, n = _pass(blocks, beta, others, k)
        change = abs(new_ll - ll) / max(abs(new_ll), 1e-300)
        ll = new_ll
        if change < tolerance:
            status = "converged"
            break
    try:
        vcov, cond = np.linalg.inv(hess), float(np.linalg.cond(hess))
    except np.linalg.LinAlgError:
        vcov, cond, status = np.full(hess.shape, np.nan), float("inf"), "singular"
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(np.diag(vcov)).reshape(m, k)
        z = beta / se
    return MlogitFit(others, beta, ll, se, z, 2 * stats.norm.sf(np.abs(z)), cond, vcov, iterations, n, status)
