"""Generalized linear models by IRLS on blocks of rows, in numpy (statsmodels' GLM semantics).

Each iteration is one pass over the blocks: with ``eta = X w``, ``mu = g⁻¹(eta)``, the
working response ``z = eta + (y - mu) g'(mu)`` and weights ``1 / (V(mu) g'(mu)²)`` give
``XᵀWX`` and ``XᵀWz`` as sums over blocks. The dispersion is Pearson's χ² / (n - p) for the
families that have one (gaussian, gamma, inverse_gaussian) and 1 otherwise; standard
errors scale with it; p-values are normal (Wald), as statsmodels' defaults.

>>> rng = np.random.default_rng(1)
>>> x = np.column_stack([np.ones(2000), rng.normal(size=2000)])
>>> y = rng.poisson(np.exp(0.5 + 0.3 * x[:, 1])).astype(float)
>>> fit = glm_irls(lambda: iter([(x, y)]), 2, family("poisson", None))
>>> fit.status, [round(float(c), 1) for c in fit.coef]
('converged', [0.5, 0.3])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np
from scipy import special, stats

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


def _loglike(fam: Family, y, mu, scale) -> float:
    if fam.name == "binomial":
        return float(np.sum(special.xlogy(y, mu) + special.xlog1py(1 - y, -mu)))
    if fam.name == "poisson":
        return float(np.sum(special.xlogy(y, mu) - mu - special.gammaln(y + 1)))
    if fam.name == "gaussian":
        return float(np.sum(-((y - mu) ** 2) / (2 * scale) - np.log(2 * np.pi * scale) / 2))
    if fam.name == "gamma":
        ws, r = 1 / scale, y / mu
        return float(np.sum(ws * np.log(ws * r) - ws * r - special.gammaln(ws) - np.log(y)))
    return float(np.sum(-((y - mu) ** 2) / (scale * y * mu**2) / 2 - np.log(scale * y**3) / 2 - np.log(2 * np.pi) / 2))


def glm_irls(blocks: Callable[[], Iterator], k: int, fam: Family, max_iter: int = 100,
             tolerance: float = 1e-8, report: Callable[[int, float], None] | None = None) -> GlmFit:
    """IRLS until the relative change of the deviance-like sum Σ(y-mu)²/V(mu) is below ``tolerance``;
    ``report(iteration, that sum)`` is called after each iteration (verbose)."""
    variance = FAMILIES[fam.name][0]
    g, g_inv, g_prime = LINKS[fam.link]
    # statsmodels' start: mu = (y + mean(y)) / 2 (binomial: (y + 0.5) / 2), then one weighted solve.
    total, count = 0.0, 0
    for _, y in blocks():
        total, count = total + float(y.sum()), count + y.size
    mean = total / count
    w, status, iterations, previous = None, "max_iter", 0, None
    while iterations < max_iter:
        iterations += 1
        xtwx, xtwz, pearson, n = np.zeros((k, k)), np.zeros(k), 0.0, 0
        for x, y in blocks():
            if w is None:
                mu = (y + 0.5) / 2 if fam.name == "binomial" else (y + mean) / 2
                eta = g(mu)
            else:
                eta = x @ w
                mu = g_inv(eta)
            gp = g_prime(mu)
            weights = 1 / (variance(mu) * gp**2)
            z = eta + (y - mu) * gp
            xw = x * weights[:, None]
            xtwx += xw.T @ x
            xtwz += xw.T @ z
            pearson += float(np.sum((y - mu) ** 2 / variance(mu)))
            n += x.shape[0]
        try:
            w = np.linalg.solve(xtwx, xtwz)
        except np.linalg.LinAlgError:
            status = "singular"
            break
        if not np.all(np.isfinite(w)):
            status = "diverged"
            break
        if report is not None:
            report(iterations, pearson)
        if previous is not None and abs(pearson - previous) <= tolerance * max(abs(pearson), 1e-300):
            status = "converged"
            break
        previous = pearson
    # Statistics at the final coefficients: one more pass.
    xtwx, pearson, n, ys, mus = np.zeros((k, k)), 0.0, 0, [], []
    for x, y in blocks():
        mu = g_inv(x @ w) if w is not None else np.full(y.shape, np.nan)
        gp = g_prime(mu)
        xtwx += (x * (1 / (variance(mu) * gp**2))[:, None]).T @ x
        pearson += float(np.sum((y - mu) ** 2 / variance(mu)))
        n += x.shape[0]
        ys.append(y)
        mus.append(mu)
    dispersion = pearson / (n - k) if fam.dispersed and n > k else 1.0
    y_all, mu_all = np.concatenate(ys), np.concatenate(mus)
    if fam.name == "gaussian" and fam.link == "identity":
        ll_scale = float(np.sum((y_all - mu_all) ** 2)) / n  # statsmodels' llf uses the MLE scale here
    else:
        ll_scale = dispersion
    try:
        cov = dispersion * np.linalg.inv(xtwx)
    except np.linalg.LinAlgError:
        cov, status = np.full((k, k), np.nan), "singular"
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(np.diag(cov))
        t = w / se
    ll = _loglike(fam, y_all, mu_all, ll_scale)
    return GlmFit(w, ll, se, t, 2 * stats.norm.sf(np.abs(t)), dispersion, iterations, n, status)
