"""Ordinary least squares from a :class:`~indb_ml.kernels.comoment.Comoment` state.

The solve works on centred moments whenever the design has an intercept column
(a column of one constant value, e.g. the ``1`` in ``ARRAY[1, tax, bath]``):
the slopes come from the centred, unit-scaled cross-product matrix, the intercept
from the means. This avoids forming the raw ``X^T X``, whose condition number is
the square of the data's. Without an intercept the raw cross products are the
model, and are used. Rank deficiency is handled with a pseudo-inverse of the
scaled cross products: one least-squares solution (the fitted values, r2 and
residuals are those of any solution), and the rank is reported so the caller
can warn. Which solution is reported then is MADlib's: the minimum-norm one,
``pinv(X^T X) X^T y`` of the raw cross products (the centred, scaled solve picks
another one of the same fit).

Outputs follow Apache MADlib's ``linregr`` (coef, r2, std_err, t_stats,
p_values, condition_no, variance_covariance); ``condition_no`` is what MADlib
reports: the condition number of ``X`` (the square root of that of ``X^T X``).
A fit with no residual degrees of freedom (rows <= rank: it interpolates) has
MADlib's statistics: r2 = 1, zero standard errors and covariances, infinite
t statistics and no p-values.

``madlib=True`` (``SET indb_ml.madlib_statistics = on``) computes the statistics with
MADlib's formulas (``LinearRegression::compute`` in MADlib's
src/modules/regress/LinearRegression_impl.hpp) where they leave the standard definition:
the residual degrees of freedom are n - k (k the number of features) whatever the rank,
and r2 is ESS / TSS with the centred TSS even without an intercept, ESS clamped to
[0, TSS] (r2 1 when TSS is 0) and the RSS taken as TSS - ESS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from indb_ml.kernels.comoment import Comoment

# Relative eigenvalue cut-off below which a direction counts as collinear.
RCOND = 1e-13


@dataclass(frozen=True)
class LinregrFit:
    coef: np.ndarray
    r2: float
    std_err: np.ndarray
    t_stats: np.ndarray
    p_values: np.ndarray
    condition_no: float
    variance_covariance: np.ndarray
    num_rows_processed: int
    rank: int
    rss: float = float("nan")  # residual sum of squares
    residual_df: int | None = None  # of the std errors and p-values; None: rows - rank

    @property
    def log_likelihood(self) -> float | None:
        """Gaussian log-likelihood at the maximum-likelihood scale RSS/n: statsmodels' OLS ``llf``,
        R's ``logLik(lm)``, and glm gaussian's. None for an exact fit (RSS 0: unbounded)."""
        n = self.num_rows_processed
        if n <= 0 or not self.rss > 0:
            return None
        return -0.5 * n * (math.log(2.0 * math.pi * self.rss / n) + 1.0)

    @property
    def collinear(self) -> bool:
        return self.rank < self.coef.shape[0]

    @property
    def p_values_or_none(self) -> list | None:
        """The p-values for an output row: NULL without residual degrees of freedom (MADlib)."""
        df = self.num_rows_processed - self.rank if self.residual_df is None else self.residual_df
        return self.p_values.tolist() if df > 0 else None


def pinv_psd(a: np.ndarray) -> tuple[np.ndarray, int]:
    """Pseudo-inverse of a symmetric PSD matrix after Jacobi scaling, and its rank: accurate
    for badly scaled but full-rank cross products, where the rank decision is made."""
    d = np.sqrt(np.diag(a))
    d = np.where(d > 0, d, 1.0)
    w, v = np.linalg.eigh(a / np.outer(d, d))
    keep = w > RCOND * max(w.max(initial=0.0), 0.0)
    inv = (v[:, keep] / w[keep]) @ v[:, keep].T
    return inv / np.outer(d, d), int(keep.sum())


def min_norm_pinv(a: np.ndarray, rank: int) -> np.ndarray:
    """MADlib's pseudo-inverse of a rank-deficient symmetric PSD matrix: unscaled, keeping its
    ``rank`` largest eigenvalues, so ``min_norm_pinv(X'X, r) X'y`` is the minimum-norm
    least-squares solution (the one MADlib reports)."""
    w, v = np.linalg.eigh(a)
    keep = (np.arange(w.size) >= w.size - rank) & (w > 0)
    return (v[:, keep] / w[keep]) @ v[:, keep].T


def _constant_columns(state: Comoment) -> np.ndarray:
    """Feature columns (indices into x) whose values do not vary."""
    mean_x = state.mean[1:]
    var_x = np.diag(state.comoment)[1:] / state.n
    scale = np.maximum(np.abs(mean_x), np.finfo(float).tiny)
    return np.flatnonzero(var_x <= (1e-12 * scale) ** 2)


def _solve_centred(state: Comoment, const: int):
    """Slopes from centred moments, intercept from means: (coef, (X'X)^+, rank, rss, tss)."""
    k = state.width - 1
    cols = np.array([j for j in range(k) if j != const], dtype=int)
    c = state.comoment
    sxx = c[1:, 1:][np.ix_(cols, cols)]
    sxy = c[1:, 0][cols]
    inv_s, rank = pinv_psd(sxx) if cols.size else (np.zeros((0, 0)), 0)
    slopes = inv_s @ sxy
    c0 = state.mean[1 + const]
    m = state.mean[1:][cols]
    coef = np.empty(k)
    coef[cols] = slopes
    coef[const] = (state.mean[0] - m @ slopes) / c0
    # Block inverse of [[n c0^2, ...]]: the covariance of (intercept, slopes).
    inv = np.empty((k, k))
    inv[np.ix_(cols, cols)] = inv_s
    cross = -(inv_s @ m) / c0
    inv[cols, const] = cross
    inv[const, cols] = cross
    inv[const, const] = (1.0 / state.n + m @ inv_s @ m) / c0**2
    rss = max(c[0, 0] - slopes @ sxy, 0.0)
    return coef, inv, rank + 1, rss, c[0, 0]


def _solve_raw(state: Comoment):
    """No single intercept column: solve the raw normal equations with a pseudo-inverse."""
    raw = state.comoment + state.n * np.outer(state.mean, state.mean)
    xtx, xty, yty = raw[1:, 1:], raw[1:, 0], raw[0, 0]
    inv, rank = pinv_psd(xtx)
    coef = inv @ xty
    rss = max(yty - coef @ xty, 0.0)
    return coef, inv, rank, rss, yty


def condition_number(state: Comoment) -> float:
    """MADlib's ``condition_no``: the 2-norm condition number of ``X``, the square root of
    that of the raw ``X^T X`` (MADlib's houses example: 9002.5; statsmodels'
    ``condition_number``).

    ``X^T X = C + n m m^T = L L^T`` with ``L = [V sqrt(W), sqrt(n) m]`` (``C = V W V^T``),
    so ``cond(X) = cond(L)``, from the singular values of ``L``: accurate to about
    ``cond(X) eps`` where eigenvalues of the formed ``X^T X`` are only accurate to
    ``cond(X)^2 eps`` (Longley: the exact 4.8593e9 to 4e-8)."""
    if state.width < 2:
        return float("nan")
    w, v = np.linalg.eigh(state.comoment[1:, 1:])
    factor = np.column_stack([v * np.sqrt(np.clip(w, 0.0, None)), np.sqrt(state.n) * state.mean[1:]])
    s = np.linalg.svd(factor, compute_uv=False)
    return float(s[0] / s[-1]) if s[-1] > 0 else float("inf")


def _min_norm(state: Comoment, rank: int) -> tuple[np.ndarray, np.ndarray]:
    """MADlib's solution of a rank-deficient design: ``pinv(X^T X) X^T y`` of the raw
    (uncentred, unscaled) cross products: ``(coef, pinv(X^T X))``. MADlib's grouped houses
    example, bedroom = 4 (one row ``x``): ``coef = y x / |x|^2``."""
    raw = state.comoment + state.n * np.outer(state.mean, state.mean)
    inv = min_norm_pinv(raw[1:, 1:], rank)
    return inv @ raw[1:, 0], inv


def linregr_finalize(state: Comoment, madlib: bool = False) -> LinregrFit:
    """OLS statistics from the moments of ``[y, x]`` rows; ``madlib``: with MADlib's formulas
    for the degrees of freedom and r2 (see the module's docstring).

    >>> import numpy as np
    >>> from indb_ml.kernels.comoment import comoment_accumulate
    >>> x = np.arange(5.0); z = np.column_stack([2 + 3 * x, np.ones(5), x])
    >>> np.round(linregr_finalize(comoment_accumulate(None, z)).coef, 12).tolist()
    [2.0, 3.0]
    """
    const = _constant_columns(state)
    intercept = const.size == 1 and state.mean[1 + const[0]] != 0
    solve = _solve_centred(state, int(const[0])) if intercept else _solve_raw(state)
    coef, inv, rank, rss, tss = solve
    if rank < coef.size:  # any least-squares solution has these fitted values: report MADlib's
        coef, inv = _min_norm(state, rank)
    df = state.n - rank
    if df <= 0:  # rows <= rank: the fit interpolates, exactly (MADlib: r2 1, std_err 0)
        rss = 0.0
    r2, rss_df = None, rss
    if madlib:  # MADlib: n - k whatever the rank; its rss is TSS - ESS, ESS clamped to [0, TSS]
        r2, df = _madlib_r2(state, rss), state.n - coef.size
        rss_df = min(rss, max(float(state.comoment[0, 0]), 0.0))
    sigma2 = rss_df / df if df > 0 else 0.0
    vcov = inv * sigma2
    std_err = np.sqrt(np.maximum(np.diag(vcov), 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        # MADlib: coef 0 over std_err 0 is t = 0 (p = 1), a non-zero coef over 0 is infinite.
        t_stats = np.where((coef == 0) & (std_err == 0), 0.0, coef / std_err)
        if r2 is None:
            r2 = 1.0 - rss / tss if tss > 0 else (1.0 if rss == 0 else float("nan"))
    p_values = 2.0 * special.stdtr(df, -np.abs(t_stats)) if df > 0 else np.full_like(coef, np.nan)
    return LinregrFit(
        coef=coef,
        r2=float(r2),
        std_err=std_err,
        t_stats=t_stats,
        p_values=p_values,
        condition_no=condition_number(state) if rank == coef.size else float("inf"),
        variance_covariance=vcov,
        num_rows_processed=state.n,
        rank=rank,
        rss=float(rss),
        residual_df=df if madlib else None,
    )


def _madlib_r2(state: Comoment, rss: float) -> float:
    """MADlib's r2: ``ess / tss`` with the centred ``tss = y'y - (sum y)^2 / n`` whatever the
    features (an intercept or not) and ``ess = b'X'y - (sum y)^2 / n = tss - rss``, clamped to
    ``[0, tss]``; 1 when ``tss`` is 0 (LinearRegression_impl.hpp, ``LinearRegression::compute``)."""
    tss = max(float(state.comoment[0, 0]), 0.0)
    if tss == 0:
        return 1.0
    return min(max(tss - rss, 0.0), tss) / tss


def breusch_pagan(aux: Comoment, n_features: int) -> tuple[float, float]:
    """Koenker's studentized Breusch-Pagan test from the moments of ``[e^2, x]`` rows.

    ``aux`` holds the squared residuals of the fit in place of ``y``; the statistic
    is ``n * R^2`` of regressing them on the features, chi-squared with
    ``n_features - 1`` degrees of freedom (statsmodels' ``het_breuschpagan``).
    """
    fit = linregr_finalize(aux)
    lm = aux.n * fit.r2
    return float(lm), float(special.chdtrc(n_features - 1, lm))
