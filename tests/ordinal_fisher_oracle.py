"""An independent oracle of MADlib's ordinal fit: Fisher scoring written as MADlib's
``Ordinal_impl.hpp`` sums it, the multinomial GLM's ``Dᵀ V⁻¹ D`` and ``Dᵀ V⁻¹ (y - μ)``
row by row over the first J-1 category probabilities μ (V = diag μ - μμᵀ, D = dμ/d(θ, β)),
with MADlib's start (every category equally likely), stopping rule (the log-likelihood's
relative change below the tolerance, ``__ordinal_loglik_diff``) and reporting (the
coefficients after the last step, the log-likelihood and ``sqrt diag I⁻¹`` of the last
pass). It shares no code with indb_ml.kernels.ordinal, which sums the same information
as ``Σ_j (dπ_j)(dπ_j)ᵀ / π_j``. One difference from MADlib, as indb_ml's: the first step
starts at the start point (MADlib adds it to zero, docs/madlib-migration.md).
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats


def _cdf_pdf(z, link):
    if link == "logit":
        c = special.expit(z)
        return c, c * (1 - c)
    return special.ndtr(z), np.exp(-z * z / 2) / np.sqrt(2 * np.pi)


def fisher_pass(x, y, theta, beta, link):
    """(log-likelihood, score, expected information) in (θ, β) order at (θ, β)."""
    nt, k = theta.size, beta.size
    info, score, ll = np.zeros((nt + k, nt + k)), np.zeros(nt + k), 0.0
    for xi, yi in zip(x, y):
        ita = theta - xi @ beta
        cum, dens = _cdf_pdf(ita, link)
        mu = np.diff(np.concatenate([[0.0], cum]))
        gp = np.diag(dens) - np.diag(dens[:-1], -1)  # dμ_i/dη_j: f_i on the diagonal, -f_{i-1} below
        v_inv = np.linalg.inv(np.diag(mu) - np.outer(mu, mu))
        d = np.hstack([gp, -np.outer(gp.sum(axis=1), xi)])
        ind = np.zeros(nt)
        if yi < nt:
            ind[int(yi)] = 1
        info += d.T @ v_inv @ d
        score += d.T @ v_inv @ (ind - mu)
        ll += ind @ np.log(mu) + (1 - ind.sum()) * np.log(1 - mu.sum())
    return ll, score, info


def madlib_fisher(x, y, n_categories, link="logit", tolerance=1e-6, max_iter=100):
    """dict of MADlib's output columns (thresholds first)."""
    x = np.asarray(x, float)
    nt, k = n_categories - 1, x.shape[1]
    p = np.arange(1, n_categories) / n_categories
    par = np.concatenate([special.logit(p) if link == "logit" else special.ndtri(p), np.zeros(k)])
    previous, it = None, 0
    while True:
        it += 1
        ll, score, info = fisher_pass(x, y, par[:nt], par[nt:], link)
        vcov = np.linalg.inv(info)
        par = par + vcov @ score
        change = np.inf if previous is None else abs(previous - ll) / min(abs(previous), abs(ll))
        if it >= max_iter or change < tolerance:
            break
        previous = ll
    se = np.sqrt(np.diag(vcov))
    z = par / se
    pv = 2 * stats.norm.sf(np.abs(z))
    return {"coef_threshold": par[:nt], "std_err_threshold": se[:nt], "z_stats_threshold": z[:nt],
            "p_values_threshold": pv[:nt], "log_likelihood": ll, "coef_feature": par[nt:],
            "std_err_feature": se[nt:], "z_stats_feature": z[nt:], "p_values_feature": pv[nt:],
            "num_iterations": it, "information": info}
