"""Ordinal regression (cumulative logit or probit) on blocks, in numpy and scipy.

``P(y <= j) = F(θ_j - xᵀβ)`` for the ordered categories ``0 .. J-1`` (statsmodels'
OrderedModel; no intercept in x: the thresholds play its part). The fit maximizes the
log-likelihood with BFGS in statsmodels' unconstrained parameters (θ_0, log(θ_j - θ_{j-1}));
the standard errors come from the observed information in the direct parameters (β, θ),
by central differences of the analytic gradient.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np
from scipy import optimize, special, stats

LINKS = {
    "logit": (special.expit, lambda z: special.expit(z) * special.expit(-z)),
    "probit": (special.ndtr, stats.norm.pdf),
}


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


def _loglik_grad(blocks, beta, theta, link):
    cdf, pdf = LINKS[link]
    bounds = np.concatenate([[-np.inf], theta, [np.inf]])
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


def fit_ordinal(blocks: Callable[[], Iterator], k: int, n_categories: int, link: str, max_iter: int = 100,
                tolerance: float = 1e-8) -> OrdinalFit:
    nt = n_categories - 1

    def unpack(p):
        theta = np.cumsum(np.concatenate([[p[k]], np.exp(p[k + 1:])]))
        return p[:k], theta

    def objective(p):
        beta, theta = unpack(p)
        ll, gb, gt = _loglik_grad(blocks, beta, theta, link)
        # d theta_j / d p_k+0 = 1; d theta_j / d p_k+m = exp(p_k+m) for m <= j.
        jac = np.zeros((nt, nt))
        jac[:, 0] = 1.0
        for m in range(1, nt):
            jac[m:, m] = np.exp(p[k + m])
        return -ll, -np.concatenate([gb, jac.T @ gt])

    start = np.concatenate([np.zeros(k), [-1.0], np.zeros(nt - 1)]) if nt > 1 else np.concatenate([np.zeros(k), [0.0]])
    res = optimize.minimize(objective, start, jac=True, method="BFGS",
                            options={"maxiter": max_iter, "gtol": tolerance})
    beta, theta = unpack(res.x)
    # Observed information in (β, θ): central differences of the analytic gradient.
    direct = np.concatenate([beta, theta])

    def grad(q):
        _, gb, gt = _loglik_grad(blocks, q[:k], q[k:], link)
        return np.concatenate([gb, gt])

    h = np.zeros((direct.size, direct.size))
    for i in range(direct.size):
        step = 1e-5 * max(1.0, abs(direct[i]))
        up, down = direct.copy(), direct.copy()
        up[i] += step
        down[i] -= step
        h[:, i] = -(grad(up) - grad(down)) / (2 * step)
    cov = np.linalg.pinv((h + h.T) / 2)
    se = np.sqrt(np.maximum(np.diag(cov), 0))
    n = sum(x.shape[0] for x, _ in blocks())
    # BFGS's "precision loss" (status 2) means the gradient is as small as float64 allows.
    return OrdinalFit(theta, se[k:], beta, se[:k], float(-res.fun), int(res.nit), n, res.status in (0, 2))
