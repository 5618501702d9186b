"""Huber-White (HC0) and cluster-robust sandwich variances for linear and logistic regression.

``V = B⁻¹ M B⁻¹`` with the bread ``B`` the Hessian (XᵀX for OLS, Xᵀdiag(p(1-p))X for the
logit) and the meat ``M = Σ s_i s_iᵀ`` of the per-row scores (``e_i x_i`` for OLS,
``(y_i - p_i) x_i`` for the logit), or of the per-cluster score sums. The sums come from
the C aggregates (``src/sandwich.c``) or, for the logit on rows packed in memory, from
:func:`logit_meat`. Wald statistics use the normal distribution, as statsmodels does for
robust covariances.
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


def sandwich(coef: np.ndarray, bread: np.ndarray, meat: np.ndarray, n: int, factor: float = 1.0) -> RobustFit:
    """``factor · B⁻¹ M B⁻¹`` given ``bread`` = B⁻¹ (the inverse Hessian), and its Wald statistics."""
    return _wald(coef, factor * bread @ meat @ bread, n)


def cluster_factor(clusters: int, n: int, k: int) -> float:
    """statsmodels' small-sample factor G/(G-1) · (N-1)/(N-K) (1 when undefined)."""
    return clusters / (clusters - 1) * (n - 1) / (n - k) if clusters > 1 and n > k else 1.0


def logit_meat(blocks, coef: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(Hessian, HC0 meat)`` of the logit at ``coef`` over ``(X, y)`` blocks in memory."""
    k = coef.size
    hess, meat = np.zeros((k, k)), np.zeros((k, k))
    for x, y in blocks:
        p = special.expit(x @ coef)
        hess += (x * (p * (1 - p))[:, None]).T @ x
        scores = x * (y - p)[:, None]
        meat += scores.T @ scores
    return hess, meat


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
