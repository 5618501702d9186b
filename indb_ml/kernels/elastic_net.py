"""Elastic net by coordinate descent in feature space (glmnet's covariance updates), in numpy.

Objective (glmnet's, MADlib's, scikit-learn's with ``alpha = lambda_value``, ``l1_ratio = alpha``)::

    gaussian:  1/(2n) ||y - b - Xw||² + λ (α ||w||₁ + (1-α)/2 ||w||²)
    binomial:  -1/n loglik(b + Xw)   + λ (α ||w||₁ + (1-α)/2 ||w||²)

The intercept b is not penalized. The gaussian case needs only the centred moments of
``[y, X]`` (one pass, :mod:`indb_ml.kernels.comoment`): coordinate descent then runs on the
k x k Gram matrix, independent of n. The binomial case is proximal Newton: each outer step
is one pass for the weighted moments (over blocks in memory, or one C aggregate statement),
then coordinate descent on them.
With ``standardize`` the features are scaled to unit (population) variance for the
penalty and the coefficients are reported on the original scale.

Both solvers take a warm start (``w0``, the previous solution on the standardized scale,
``EnetFit.w``): along a decreasing lambda path (MADlib's warm-up, the cross-validation
grid) each solve starts next to its answer, and converges to the same minimizer as a
cold start, because the objective is strictly convex for alpha < 1 and convex with a
unique fitted value for the lasso.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Generator, Iterator, Optional

import numpy as np
from scipy import special

from indb_ml.kernels import interrupts
from indb_ml.kernels.logregr import LogitSums, drive, logit_sums_from_cstate


@dataclass
class EnetFit:
    coef: np.ndarray
    intercept: float
    objective: float
    iterations: int
    converged: bool
    w: Optional[np.ndarray] = None  # the coefficients on the standardized scale, a warm start for the next solve


def lambda_path(lam: float, n_steps: int, largest: float = 1e5) -> list:
    """MADlib's warm-up/cross-validation lambda sequence: ``n_steps`` values from ``largest``
    down to ``lam``, evenly spaced on the log scale (with ``lam == 0``: down to
    ``0.001 * largest``, then 0).

    >>> [round(v, 6) for v in lambda_path(0.1, 3)]
    [100000.0, 100.0, 0.1]
    """
    if n_steps <= 1:
        return [float(lam)]
    zero = abs(lam) < 1e-6
    smallest, steps = (0.001 * largest, n_steps - 1) if zero else (float(lam), n_steps)
    lo, hi = min(smallest, largest), max(smallest, largest)
    if steps == 1:
        seq = [hi]
    else:
        step = np.log(lo / hi) / (steps - 1)
        seq = [float(np.exp(j * step + np.log(hi))) for j in range(steps)]
        seq[0], seq[-1] = hi, lo  # exact ends: the last warm-up solve is the requested lambda itself
    if zero:
        seq.append(0.0)
    return seq


def _soft(z: float, t: float) -> float:
    return np.sign(z) * max(abs(z) - t, 0.0)


def _cd(gram: np.ndarray, corr: np.ndarray, l1: float, l2: float, w: np.ndarray, max_iter: int, tol: float,
        offset: float | None = None, group: object = None):
    """Minimize ½wᵀGw - cᵀw + l1|w|₁ + l2/2 |w|² by cyclic coordinate descent. With ``offset``
    every sweep is reported (``interrupts.report``) with the objective after it plus ``offset``
    (one product with G, the cost of a sweep)."""
    for sweep in range(1, max_iter + 1):
        if offset is None:
            interrupts.check()
        biggest = 0.0
        for j in range(w.size):
            if gram[j, j] == 0:
                continue
            r = corr[j] - gram[j] @ w + gram[j, j] * w[j]
            new = _soft(r, l1) / (gram[j, j] + l2)
            biggest = max(biggest, abs(new - w[j]) * np.sqrt(gram[j, j]))
            w[j] = new
        if offset is not None:
            interrupts.report(None, float(offset + w @ gram @ w / 2 - corr @ w + l1 * np.abs(w).sum()
                                          + l2 / 2 * (w @ w)), group)
        if biggest < tol:
            return w, sweep, True
    return w, max_iter, False


def enet_gaussian(n: int, mean: np.ndarray, comoment: np.ndarray, alpha: float, lam: float,
                  standardize: bool, max_iter: int = 1000, tol: float = 1e-6,
                  w0: Optional[np.ndarray] = None, group: object = None) -> EnetFit:
    """From the centred moments of ``[y, x...]``; ``w0``: a warm start (``EnetFit.w``). Each
    sweep is reported with the objective after it (for ``group``)."""
    gram, corr = comoment[1:, 1:] / n, comoment[1:, 0] / n
    scale = np.sqrt(np.diag(gram)) if standardize else np.ones(gram.shape[0])
    scale[scale == 0] = 1.0
    g, c = gram / np.outer(scale, scale), corr / scale
    start = np.zeros(c.size) if w0 is None else np.array(w0, dtype=float)
    w, sweeps, ok = _cd(g, c, lam * alpha, lam * (1 - alpha), start, max_iter, tol, comoment[0, 0] / n / 2, group)
    coef = w / scale
    rss = comoment[0, 0] / n - 2 * corr @ coef + coef @ gram @ coef
    objective = rss / 2 + lam * (alpha * np.abs(w).sum() + (1 - alpha) / 2 * (w @ w))
    return EnetFit(coef, float(mean[0] - mean[1:] @ coef), float(objective), sweeps, ok, w.copy())


WEIGHT_FLOOR = 1e-5  # IRLS weights p(1-p) are floored here (the C pass takes the same floor)


def enet_binomial(blocks: Callable[[], Iterator], k: int, alpha: float, lam: float, standardize: bool,
                  max_iter: int = 1000, tol: float = 1e-6, w0: Optional[np.ndarray] = None,
                  b0: float = 0.0, group: object = None) -> EnetFit:
    """:func:`enet_binomial_steps` with its passes over ``(X, y)`` blocks in memory."""
    n, sx, sxx = 0, np.zeros(k), np.zeros(k)
    for x, _ in blocks():
        n, sx, sxx = n + x.shape[0], sx + x.sum(axis=0), sxx + np.einsum("ij,ij->j", x, x)
    mean = sx / n
    steps = enet_binomial_steps((n, mean, sxx / n - mean**2), alpha, lam, standardize, max_iter, tol, w0, b0, group)
    return drive(steps, lambda beta: weighted_pass(blocks, beta))


def weighted_pass(blocks: Callable[[], Iterator], beta: np.ndarray) -> LogitSums:
    """The sums a proximal Newton step needs at ``beta = [intercept, coef...]`` over the rows
    ``xa = [1, x]``: log-likelihood, ``Σ (y - p) xa`` and ``Σ max(p(1-p), floor) xa xaᵀ``
    (the C aggregate ``indb_ml._logit_newton`` computes the same per row)."""
    k = beta.size
    ll, grad, hess, n = 0.0, np.zeros(k), np.zeros((k, k)), 0
    for x, y in blocks():
        xa = np.column_stack([np.ones(x.shape[0]), x])
        eta = xa @ beta
        p = special.expit(eta)
        wt = np.maximum(p * (1 - p), WEIGHT_FLOOR)
        ll += float(np.sum(y * eta - np.logaddexp(0.0, eta)))
        grad += xa.T @ (y - p)
        hess += (xa * wt[:, None]).T @ xa
        n += x.shape[0]
    return LogitSums(ll, grad, hess, n)


def enet_binomial_steps(moments: tuple, alpha: float, lam: float, standardize: bool, max_iter: int = 1000,
                        tol: float = 1e-6, w0: Optional[np.ndarray] = None, b0: float = 0.0,
                        group: object = None) -> Generator[np.ndarray, LogitSums, EnetFit]:
    """Proximal Newton as a generator: yields ``[intercept, coef...]`` (original scale) where it
    needs the sums of :func:`weighted_pass`, receives them, returns the :class:`EnetFit`.
    ``moments``: ``(n, mean, population variance)`` of the features (the scale of
    ``standardize``); ``w0``, ``b0``: a warm start (``EnetFit.w`` and ``EnetFit.intercept``).

    Each outer step solves the weighted least squares of IRLS, on the standardized scale,
    with coordinate descent: ``Σ wt z xa`` is ``H·beta + gradient`` (z the working
    response), so the pass needs no division by the weights. Each outer step is reported
    (``interrupts.report``, for ``group``) with the objective at the point it starts from."""
    n, _, var = moments
    k = len(var)
    scale = np.sqrt(np.maximum(np.asarray(var, dtype=float), 0)) if standardize else np.ones(k)
    scale[scale == 0] = 1.0
    w = np.zeros(k) if w0 is None else np.array(w0, dtype=float)
    b, converged, outer = float(b0), False, 0
    while outer < max_iter:
        outer += 1
        beta = np.concatenate([[b], w / scale])
        sums = yield beta
        interrupts.report(None, -sums.log_likelihood / n + lam * (alpha * np.abs(w).sum()
                                                                  + (1 - alpha) / 2 * (w @ w)), group)
        hz = sums.hessian @ beta + sums.gradient
        sw = sums.hessian[0, 0]
        swx = sums.hessian[0, 1:] / scale
        swxx = sums.hessian[1:, 1:] / np.outer(scale, scale)
        swz, swxz = hz[0], hz[1:] / scale
        mx, mz = swx / sw, swz / sw
        gram = (swxx - sw * np.outer(mx, mx)) / n
        corr = (swxz - sw * mx * mz) / n
        old = w.copy()
        w, _, _ = _cd(gram, corr, lam * alpha, lam * (1 - alpha), w.copy(), max_iter, tol / 10)
        b_new = mz - mx @ w
        change = max(np.max(np.abs(w - old)) if w.size else 0.0, abs(b_new - b))
        b = b_new
        if change < tol:
            converged = True
            break
    coef = w / scale
    sums = yield np.concatenate([[b], coef])  # the log-likelihood at the solution
    objective = -sums.log_likelihood / n + lam * (alpha * np.abs(w).sum() + (1 - alpha) / 2 * (w @ w))
    return EnetFit(coef, float(b), float(objective), outer, converged, w.copy())


def enet_sums_from_cstate(raw) -> LogitSums | None:
    """A state of ``indb_ml._logit_newton`` over ``[1, x]`` (None when it has no rows)."""
    return logit_sums_from_cstate(raw)[0]
