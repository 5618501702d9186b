"""Generalized linear models by IRLS (MADlib's iteration, statsmodels' statistics), one pass per iteration.

Each iteration is one pass over the rows: with ``eta = X w``, ``mu = g⁻¹(eta)``, the
working response ``z = eta + (y - mu) g'(mu)`` and weights ``1 / (V(mu) g'(mu)²)`` give
``XᵀWX`` and ``XᵀWz`` as sums over rows (:class:`GlmSums`, with Pearson's χ² and the sums
the log-likelihood needs). :func:`glm_steps` is the iteration, a generator that yields the
coefficients it needs a pass at and receives the sums: :func:`glm_irls` takes the passes
over blocks in numpy, the aggregate plan (:mod:`indb_ml.regress.glm`) runs the C aggregate
``indb_ml._glm_step`` once per iteration for every group (:func:`glm_sums_from_cstate`).
The dispersion is Pearson's χ² / (n - p) for the
families that have one (gaussian, gamma, inverse_gaussian) and 1 otherwise; standard
errors scale with it; p-values are Wald's, from Student's t with n - p degrees of freedom
for the families with a dispersion and normal otherwise (MADlib's and R's). The stopping
rule and the iteration count are MADlib's (:func:`glm_steps`), and so is glm's start
(:data:`LINK_INIT`: the first pass at mu = init(y) per link, as MADlib's link.hpp).

>>> rng = np.random.default_rng(1)
>>> x = np.column_stack([np.ones(2000), rng.normal(size=2000)])
>>> y = rng.poisson(np.exp(0.5 + 0.3 * x[:, 1])).astype(float)
>>> fit = glm_irls(lambda: iter([(x, y)]), 2, family("poisson", None))
>>> fit.status, [round(float(c), 1) for c in fit.coef]
('converged', [0.5, 0.3])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Generator, Iterator

import numpy as np
from scipy import special, stats

from indb_ml.kernels import interrupts
from indb_ml.kernels.linregr import min_norm_pinv, pinv_psd
from indb_ml.kernels.logregr import slices

LINKS = {  # name: (g, g inverse, g')
    "identity": (lambda m: m, lambda e: e, lambda m: np.ones_like(m)),
    "log": (np.log, np.exp, lambda m: 1 / m),
    "inverse": (lambda m: 1 / m, lambda e: 1 / e, lambda m: -1 / m**2),
    "sqr_inverse": (lambda m: 1 / m**2, lambda e: 1 / np.sqrt(e), lambda m: -2 / m**3),
    "logit": (special.logit, special.expit, lambda m: 1 / (m * (1 - m))),
    "probit": (special.ndtri, special.ndtr, lambda m: 1 / stats.norm.pdf(special.ndtri(m))),
    "sqrt": (np.sqrt, lambda e: e**2, lambda m: 1 / (2 * np.sqrt(m))),
}
FAMILIES = {  # name: (variance, links allowed (first is the default), has a dispersion)
    "gaussian": (lambda m: np.ones_like(m), ("identity", "log", "inverse"), True),
    "binomial": (lambda m: m * (1 - m), ("logit", "probit"), False),
    "poisson": (lambda m: m, ("log", "identity", "sqrt"), False),
    "gamma": (lambda m: m**2, ("inverse", "identity", "log"), True),
    "inverse_gaussian": (lambda m: m**3, ("sqr_inverse", "log", "identity", "inverse"), True),
}

# The numbers of the C aggregate indb_ml._glm_step (src/irls.c GlmFamily, GlmLink).
FAMILY_CODES = {"gaussian": 1, "binomial": 2, "poisson": 3, "gamma": 4, "inverse_gaussian": 5}
LINK_CODES = {"identity": 1, "log": 2, "inverse": 3, "sqr_inverse": 4, "logit": 5, "probit": 6, "sqrt": 7}


@dataclass(frozen=True)
class Family:
    name: str
    link: str

    @property
    def dispersed(self) -> bool:
        return FAMILIES[self.name][2]


def family(name: str, link: str | None) -> Family:
    """A family and link by MADlib's names, or a ValueError that lists the valid ones."""
    if name not in FAMILIES:
        raise ValueError(f"unknown family {name!r}; families: {', '.join(FAMILIES)}")
    allowed = FAMILIES[name][1]
    link = link or allowed[0]
    if link not in allowed:
        raise ValueError(f"family {name} has no link {link!r}; links: {', '.join(allowed)}")
    return Family(name, link)


def check_response(fam: Family, y: np.ndarray) -> str | None:
    """Why ``y`` is not a valid response for the family, or None."""
    if fam.name == "binomial" and not np.all((y == 0) | (y == 1)):
        return "binomial needs a boolean or 0/1 dependent variable"
    if fam.name == "poisson" and (np.any(y < 0) or np.any(y != np.floor(y))):
        return "poisson needs non-negative integer counts"
    if fam.name in ("gamma", "inverse_gaussian") and np.any(y <= 0):
        return f"{fam.name} needs a positive dependent variable"
    return None


@dataclass
class GlmFit:
    coef: np.ndarray
    log_likelihood: float
    std_err: np.ndarray
    stats: np.ndarray  # z (no dispersion) or t (with one), Wald
    p_values: np.ndarray
    dispersion: float
    num_iterations: int
    num_rows: int
    status: str
    rank: int  # of X'WX at the end: below len(coef), the design is rank-deficient


@dataclass
class GlmSums:
    """One IRLS pass: sums over the rows at the pass's coefficients (or the start)."""

    xtwx: np.ndarray
    xtwz: np.ndarray
    pearson: float  # Σ (y - mu)² / V(mu)
    ll_a: float  # binomial, poisson: the log-likelihood; gaussian: Σ (y - mu)²;
    ll_b: float  # gamma: Σ log(y/mu) - y/mu and Σ log y; inverse_gaussian: Σ (y-mu)²/(y mu²) and Σ log y
    sum_y: float
    n: int


def _loglike_sums(fam: Family, y, mu) -> tuple[float, float]:
    """The family's log-likelihood sums (:class:`GlmSums` ``ll_a``, ``ll_b``) of one block."""
    if fam.name == "binomial":
        return float(np.sum(special.xlogy(y, mu) + special.xlog1py(1 - y, -mu))), 0.0
    if fam.name == "poisson":
        return float(np.sum(special.xlogy(y, mu) - mu - special.gammaln(y + 1))), 0.0
    if fam.name == "gaussian":
        return float(np.sum((y - mu) ** 2)), 0.0
    if fam.name == "gamma":
        r = y / mu
        return float(np.sum(np.log(r) - r)), float(np.sum(np.log(y)))
    return float(np.sum((y - mu) ** 2 / (y * mu**2))), float(np.sum(np.log(y)))


def loglike(fam: Family, sums: GlmSums, scale: float) -> float:
    """The log-likelihood at the pass's mu given the scale, from the sums alone (a scale of 0,
    an exact fit of a family with a dispersion, is +Infinity)."""
    n, a, b = sums.n, sums.ll_a, sums.ll_b
    if fam.name in ("binomial", "poisson"):
        return float(a)
    if scale == 0:
        return float("inf")
    if fam.name == "gaussian":
        return float(-a / (2 * scale) - n * np.log(2 * np.pi * scale) / 2)
    if fam.name == "gamma":
        ws = 1 / scale
        return float(n * ws * np.log(ws) + ws * a - n * special.gammaln(ws) - b)
    return float(-a / (2 * scale) - n * np.log(scale) / 2 - 1.5 * b - n * np.log(2 * np.pi) / 2)


# MADlib's start (src/modules/glm/link.hpp, each link's ``init``): the first pass takes
# mu = init(y), eta = g(mu) and the working response eta itself (no residual term).
LINK_INIT = {
    "identity": lambda y: y + 0.1,
    "log": lambda y: np.maximum(y, 0.1),
    "sqrt": lambda y: np.maximum(y, 0.0),
    "inverse": lambda y: np.where(y == 0, 0.1, y + 0.1),
    "sqr_inverse": lambda y: np.where(y == 0, 0.1, y + 0.1),
    "logit": lambda y: (y + 0.5) / 2,
    "probit": lambda y: (y + 0.5) / 2,
}


def _start(fam: Family, y: np.ndarray):
    """``(mu, eta, z)`` of the first pass: MADlib's link start (:data:`LINK_INIT`)."""
    mu = LINK_INIT[fam.link](y)
    with np.errstate(divide="ignore"):
        eta = LINKS[fam.link][0](mu)
    return mu, eta, eta


def _glm_pass(blocks: Callable[[], Iterator], k: int, fam: Family, w: np.ndarray | None) -> GlmSums:
    """One IRLS pass over blocks in numpy; ``w`` None: the start (:func:`_start`)."""
    variance = FAMILIES[fam.name][0]
    g, g_inv, g_prime = LINKS[fam.link]
    xtwx, xtwz, pearson, ll_a, ll_b, sum_y, n = np.zeros((k, k)), np.zeros(k), 0.0, 0.0, 0.0, 0.0, 0
    for x, y in slices(blocks, k):
        if w is None:
            mu, eta, z = _start(fam, y)
        else:
            eta = x @ w
            mu = g_inv(eta)
        with np.errstate(divide="ignore", invalid="ignore"):
            gp = g_prime(mu)
            weights = 1 / (variance(mu) * gp**2)
        if w is None and fam.link == "sqrt":  # mu = 0 (a zero count): the limit G'(eta)^2 / V(mu) = 4
            weights = np.where(mu == 0, 4.0, weights)
        if w is not None:
            z = eta + (y - mu) * gp
        xw = x * weights[:, None]
        xtwx += xw.T @ x
        xtwz += xw.T @ z
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = (y - mu) ** 2 / variance(mu)
        if w is None:  # the start's mu = y = 0 of a sqrt link: no residual
            terms = np.where(mu == y, 0.0, terms)
        pearson += float(np.sum(terms))
        a, b = _loglike_sums(fam, y, mu)
        ll_a, ll_b, sum_y, n = ll_a + a, ll_b + b, sum_y + float(y.sum()), n + x.shape[0]
    return GlmSums(xtwx, xtwz, pearson, ll_a, ll_b, sum_y, n)


def glm_sums_from_cstate(raw) -> tuple[GlmSums | None, int]:
    """A state of the C aggregate ``indb_ml._glm_step`` as ``(sums or None, rows skipped)``
    (None when every row of the group was skipped)."""
    from indb_ml.kernels.cstate import GLM, parse_state, unpack_symmetric

    state = parse_state(raw, GLM)
    if state is None:
        return None, 0
    if state.n == 0:
        return None, state.skipped
    k, d = state.width, state.data
    return GlmSums(unpack_symmetric(d[4 + k:], k), d[4:4 + k].copy(), float(d[0]), float(d[1]), float(d[2]),
                   float(d[3]), state.n), state.skipped


def glm_irls(blocks: Callable[[], Iterator], k: int, fam: Family, max_iter: int = 100,
             tolerance: float = 1e-8, report: Callable[[int, float], None] | None = None,
             lagged: bool = False) -> GlmFit:
    """:func:`glm_steps` with its passes over blocks in memory (``blocks()`` yields
    ``(X block, y block)`` afresh on every call), from MADlib's start (:func:`_start`)."""
    steps = glm_steps(k, fam, max_iter, tolerance, report, lagged)
    try:
        request = next(steps)
        while True:
            interrupts.check()
            request = steps.send(_glm_pass(blocks, k, fam, request))
    except StopIteration as stop:
        return stop.value


def glm_steps(k: int, fam: Family, max_iter: int = 100, tolerance: float = 1e-8,
              report: Callable[[int, float], None] | None = None,
              lagged: bool = False) -> Generator[np.ndarray | None, GlmSums, GlmFit]:
    """The IRLS iteration: yields the coefficients it needs a pass at (None: the start, which
    the pass takes from y, :func:`_start`), receives :class:`GlmSums`, returns the :class:`GlmFit`.

    The stopping rule and the count are MADlib's (``glm``): iteration ``i`` is a pass at
    ``w_{i-1}`` and the solve for ``w_i``; it is the last when the log-likelihoods of its pass
    and the previous one differ by less than ``tolerance`` relative to the smaller of the two
    (a log-likelihood of 0, a perfect binomial or poisson fit, stops at once), or when
    ``i = max_iter``. ``report(iteration, log-likelihood of its pass)`` is called after each
    (verbose). A last pass at the final coefficients gives the statistics. ``lagged``
    (``SET indb_ml.madlib_statistics = on``) computes them as MADlib does (GLM_impl.hpp,
    ``GLMAccumulator::apply`` and ``GLMResult::compute``; glm.cpp, ``glm_result_t_stats``):
    from the last iteration's pass, a step behind the coefficients, with n - k residual degrees
    of freedom (k the number of features, whatever the rank) in the dispersion and the
    Student t p-values, and its log-likelihood, that of the last pass at the dispersion of
    the pass before (Pearson's chi2 / n).

    Each solve is a pseudo-inverse, as MADlib's: a rank-deficient design (collinear features,
    or a group with fewer rows than features) gets MADlib's solution, the one of minimum norm
    (:func:`~indb_ml.kernels.linregr.min_norm_pinv`), and its ``rank`` says so.
    """
    w, status, iterations, previous, sums, pearson = None, "max_iter", 0, None, None, None
    while iterations < max_iter:
        iterations += 1
        sums = yield w
        if not _finite(sums):
            status = "diverged"
            break
        inv, rank = _pinv(sums.xtwx)
        new = inv @ sums.xtwz
        if not np.all(np.isfinite(new)):
            status = "diverged"
            break
        ll = iteration_loglik(fam, sums, rank, iterations, pearson)
        pearson = sums.pearson
        if report is not None:
            report(iterations, ll)
        done = _converged(fam, previous, ll, tolerance)
        w, previous = new, ll
        if done:
            status = "converged"
            break
    if w is None or status == "diverged":  # no coefficients to take statistics at
        coef = np.full(k, np.nan) if w is None else w
        nan = np.full(k, np.nan)
        n = sums.n if sums is not None else 0
        return GlmFit(coef, float("nan"), nan, nan, nan, float("nan") if fam.dispersed else 1.0, iterations, n,
                      status, 0)
    if not lagged:  # statistics at the final coefficients: one more pass
        sums = yield w
    if not _finite(sums):
        nan = np.full(k, np.nan)
        return GlmFit(w, float("nan"), nan, nan, nan, float("nan"), iterations, sums.n, "diverged", 0)
    n = sums.n
    inv, rank = _pinv(sums.xtwx)
    df = n - k if lagged else n - rank  # MADlib: state.num_rows - state.num_features
    dispersion = (sums.pearson / df if df > 0 else float("nan")) if fam.dispersed else 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(np.maximum(np.diag(inv), 0.0) * dispersion)
        t = w / se
    if fam.dispersed:  # an estimated dispersion: Student t with n - p degrees of freedom (MADlib, R)
        p = 2 * special.stdtr(df, -np.abs(t)) if df > 0 else np.full(k, np.nan)
    else:
        p = 2 * stats.norm.sf(np.abs(t))
    ll = previous if lagged else loglike(fam, sums, ll_scale(fam, sums, rank))
    return GlmFit(w, ll, se, t, p, dispersion, iterations, n, status, rank)


# Pearson's chi2 / n of gamma (inverse_gaussian's times the mean of y), about the mean squared
# relative residual, below which the fit is exact to round-off: its log-likelihood is +Infinity, as a scale of 0 gives.
EXACT_FIT = 1e-24


def iteration_loglik(fam: Family, sums: GlmSums, rank: int, iteration: int, previous_pearson: float | None) -> float:
    """The log-likelihood of iteration ``iteration``'s pass that the stopping rule compares, as
    MADlib's (GLM_impl.hpp): a family with a dispersion evaluates it at the dispersion of the
    pass before, Pearson's chi2 / n, a step behind the coefficients (NaN at the first pass,
    whose state has none yet, and 1 at the second, after the start). No more rows than the
    rank: the fit interpolates, +Infinity (:func:`ll_scale`), whatever round-off is left."""
    if not fam.dispersed:
        return loglike(fam, sums, 1.0)
    if sums.n <= rank:
        return float("inf")
    if iteration == 1 or previous_pearson is None:
        return float("nan")
    scale = 1.0 if iteration == 2 else previous_pearson / sums.n
    relative = scale * sums.sum_y / sums.n if fam.name == "inverse_gaussian" else scale  # ~ (residual / mu)^2
    if fam.name != "gaussian" and relative < EXACT_FIT:  # residuals of round-off: an exact fit
        return float("inf")
    return loglike(fam, sums, scale)


def ll_scale(fam: Family, sums: GlmSums, rank: int) -> float:
    """The scale the log-likelihood is evaluated at: 1 for binomial and poisson; for gaussian
    the maximum-likelihood RSS / n, as MADlib and R (``logLik``) take it whatever the link;
    for gamma and inverse_gaussian Pearson's chi2 / n, as MADlib's (family.hpp; no single
    standard: statsmodels takes / (n - p), R deviance / n). No more rows than the rank: the
    fit interpolates, the scale is 0 (the log-likelihood +Infinity), whatever round-off is
    left in the residuals."""
    if not fam.dispersed:
        return 1.0
    if sums.n <= rank:
        return 0.0
    if fam.name == "gaussian":
        return sums.ll_a / sums.n
    return sums.pearson / sums.n


def _pinv(xtwx: np.ndarray) -> tuple[np.ndarray, int]:
    """``(pinv(X'WX), rank)``: Jacobi-scaled when of full rank (accurate), MADlib's
    minimum-norm pseudo-inverse when not."""
    inv, rank = pinv_psd(xtwx)
    return (inv if rank == xtwx.shape[0] else min_norm_pinv(xtwx, rank)), rank


def _finite(sums: GlmSums) -> bool:
    return bool(np.all(np.isfinite(sums.xtwx)) and np.all(np.isfinite(sums.xtwz)) and np.isfinite(sums.pearson))


def _converged(fam: Family, previous: float | None, ll: float, tolerance: float) -> bool:
    """MADlib's ``__glm_loglik_diff(previous, current) < tolerance``: the change relative to the
    smaller of the two log-likelihoods."""
    if previous is None:
        return False
    if previous == ll:  # equal, including a perfect fit's +Infinity at both
        return True
    if not (np.isfinite(previous) and np.isfinite(ll)):
        return False
    if not fam.dispersed and (previous >= 0 or ll >= 0):  # a probability of 1: a perfect fit
        return True
    smaller = min(abs(previous), abs(ll))
    return smaller > 0 and abs(previous - ll) / smaller < tolerance
