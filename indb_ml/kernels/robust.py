"""Huber-White (HC0) sandwich variances for linear and logistic regression, over blocks.

``V = B⁻¹ M B⁻¹`` with the bread ``B`` the Hessian (XᵀX for OLS, Xᵀdiag(p(1-p))X for the
logit) and the meat ``M = Σ s_i s_iᵀ`` of the per-row scores (``e_i x_i`` for OLS,
``(y_i - p_i) x_i`` for the logit). Wald statistics use the normal distribution, as
statsmodels does for robust covariances.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats


@dataclass
class RobustFit:
    coef: np.ndarray
    std_err: np.ndarray
    stats: np.ndarray
    p_values: np.ndarray
    num_rows: int


def _wald(coef: np.ndarray, cov: np.ndarray, n: int) -> RobustFit:
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(np.diag(cov))
        z = coef / se
    return RobustFit(coef, se, z, 2 * stats.norm.sf(np.abs(z)), n)


def robust_ols(blocks: list) -> RobustFit:
    """``blocks``: arrays of rows ``[y, x...]``."""
    xtx = sum(b[:, 1:].T @ b[:, 1:] for b in blocks)
    xty = sum(b[:, 1:].T @ b[:, 0] for b in blocks)
    bread = np.linalg.pinv(xtx)
    coef = bread @ xty
    meat = np.zeros_like(xtx)
    for b in blocks:
        scores = b[:, 1:] * (b[:, 0] - b[:, 1:] @ coef)[:, None]
        meat += scores.T @ scores
    return _wald(coef, bread @ meat @ bread, sum(len(b) for b in blocks))


def robust_logit(blocks: list, coef: np.ndarray) -> RobustFit:
    """The sandwich at the logistic fit ``coef`` (from :func:`indb_ml.kernels.logregr.irls`)."""
    k = coef.size
    hess, meat = np.zeros((k, k)), np.zeros((k, k))
    for b in blocks:
        x, y = b[:, 1:], b[:, 0]
        p = special.expit(x @ coef)
        hess += (x * (p * (1 - p))[:, None]).T @ x
        scores = x * (y - p)[:, None]
        meat += scores.T @ scores
    bread = np.linalg.pinv(hess)
    return _wald(coef, bread @ meat @ bread, sum(len(b) for b in blocks))


def clustered(blocks_by_cluster: dict, coef: np.ndarray, logit: bool) -> RobustFit:
    """Cluster-robust sandwich: the meat sums the scores within each cluster first; with
    statsmodels' small-sample factor G/(G-1) · (N-1)/(N-K)."""
    k = coef.size
    bread_inv, meat, n = np.zeros((k, k)), np.zeros((k, k)), 0
    for parts in blocks_by_cluster.values():
        total = np.zeros(k)
        for b in parts:
            x, y = b[:, 1:], b[:, 0]
            if logit:
                p = special.expit(x @ coef)
                bread_inv += (x * (p * (1 - p))[:, None]).T @ x
                total += x.T @ (y - p)
            else:
                bread_inv += x.T @ x
                total += x.T @ (y - x @ coef)
            n += x.shape[0]
        meat += np.outer(total, total)
    groups = len(blocks_by_cluster)
    factor = groups / (groups - 1) * (n - 1) / (n - k) if groups > 1 and n > k else 1.0
    bread = np.linalg.pinv(bread_inv)
    return _wald(coef, factor * bread @ meat @ bread, n)


def _mlogit_scores(b: np.ndarray, fit) -> np.ndarray:
    """Per-row scores ``(1[y = c_j] - p_j) x`` stacked category-major, as the Hessian is."""
    m, k = fit.coef.shape
    x, y = b[:, 1:], b[:, 0]
    eta = np.column_stack([np.zeros(x.shape[0]), x @ fit.coef.T])
    p = np.exp(eta - special.logsumexp(eta, axis=1, keepdims=True))[:, 1:]
    ind = np.column_stack([y == c for c in fit.categories]).astype(float)
    return ((ind - p)[:, :, None] * x[:, None, :]).reshape(x.shape[0], m * k)


def robust_mlogit(clusters: list, fit) -> RobustFit:
    """HC0 (every block list in ``clusters`` of one row each is HC0; a list per cluster is the
    cluster-robust sandwich) for a multinomial logit fit
    (:func:`indb_ml.kernels.mlogregr.mlogit_newton`). ``clusters``: a list of block lists."""
    m, k = fit.coef.shape
    meat, n_rows = np.zeros((m * k, m * k)), fit.num_rows
    for parts in clusters:
        if len(clusters) == 1:  # HC0: rows are their own clusters
            for b in parts:
                s = _mlogit_scores(b, fit)
                meat += s.T @ s
        else:
            total = sum(_mlogit_scores(b, fit).sum(axis=0) for b in parts)
            meat += np.outer(total, total)
    factor = 1.0
    if len(clusters) > 1:
        g = len(clusters)
        factor = g / (g - 1) * (n_rows - 1) / (n_rows - m * k)
    bread = fit.variance_covariance
    out = _wald(fit.coef.ravel(), factor * bread @ meat @ bread, n_rows)
    return RobustFit(*(a.reshape(m, k) for a in (out.coef, out.std_err, out.stats, out.p_values)), n_rows)
