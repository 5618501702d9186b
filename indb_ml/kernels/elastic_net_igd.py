"""MADlib's elastic-net IGD: the parts that run once per group and pass (pure Python/numpy).

The per-row steps are the C aggregate ``indb_ml._enet_igd`` (src/enet_igd.c). Here: reading
its state, MADlib's final step (``Igd<Model>::igd_final``: the gaussian intercept, theta
regenerated from coef through the dual link, the log-likelihood), the convergence measure
(``igd_state_diff``) and the result's thresholding (``igd_result``). Sums run in MADlib's
order (element by element, ``math.pow``), so the C pass and these agree to the last bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from indb_ml.errors import InputError
from indb_ml.kernels import cstate

SCALARS = 11
DENORM_MIN = 5e-324


@dataclass
class IgdPass:
    """One group's state after a pass, finalized as MADlib's ``igd_final``."""
    stepsize: float
    lam: float
    intercept: float
    log_likelihood: float
    coef: np.ndarray
    theta: np.ndarray
    xmean: np.ndarray
    rows: int

    def prev(self) -> list:
        """The next pass's ``prev`` argument (src/enet_igd.c)."""
        return [self.stepsize, self.lam, self.log_likelihood, self.intercept, *self.theta, *self.coef]


def _sign(v: float) -> float:
    return 1.0 if v > 0 else -1.0 if v < 0 else 0.0


def link(theta, p: float) -> np.ndarray:
    """MADlib's ``link_fn``: the gradient of ½‖θ‖_p², zero where θ is below the smallest denormal."""
    total = 0.0
    for t in theta:
        if t != 0:
            total += math.pow(abs(t), p)
    norm = math.pow(total, 1.0 / p)
    if abs(norm) <= DENORM_MIN:
        return np.zeros(len(theta))
    den = math.pow(norm, p - 2)
    return np.array([0.0 if abs(t) <= DENORM_MIN else _sign(t) * math.pow(abs(t), p - 1) / den for t in theta])


def sparse_dot(coef, x) -> float:
    total = 0.0
    for c, v in zip(coef, x):
        if c != 0:
            total += c * v
    return total


def finalize(raw: bytes, gaussian: bool) -> IgdPass:
    """The state of one pass (checked by :func:`cstate.parse_state`: magic, version, kind, length), finalized."""
    try:
        st = cstate.parse_state(raw, cstate.ENET_IGD)
    except ValueError as exc:
        raise InputError(f"elastic_net_train: {exc}", sqlstate="XX001") from None
    if st is None or st.width < 1 or st.n < 1:
        raise InputError("elastic_net_train: invalid IGD state", sqlstate="XX001")
    k, n, d = st.width, st.n, st.data
    stepsize, lam, alpha, _, intercept, ymean, ll, _, q = (float(v) for v in d[:9])
    xmean, coef = d[SCALARS:SCALARS + k].copy(), d[SCALARS + k:SCALARS + 2 * k].copy()
    if gaussian:
        intercept = ymean - sparse_dot(coef, xmean)
    theta = link(coef, q)
    loss = ll / float(n * 2)
    sq = ab = 0.0
    for c in coef:
        sq += c * c
        ab += abs(c)
    ll = float(-(loss + lam * ((1 - alpha) * sq / 2 + alpha * ab)))
    return IgdPass(stepsize, lam, float(intercept), ll, coef, theta, xmean, int(n))


def state_diff(a: IgdPass | None, b: IgdPass) -> float:
    """MADlib's ``igd_state_diff``: the change of |log-likelihood| (None: the first pass)."""
    return math.inf if a is None else abs(abs(a.log_likelihood) - abs(b.log_likelihood))


def threshold_coef(fit: IgdPass, spread: np.ndarray, threshold: float, tolerance: float) -> np.ndarray:
    """MADlib's ``igd_result``: a coefficient is zeroed when its standardized size
    (``coef · sqrt(E x² - x̄²)``, ``spread`` is that square root) is below ``threshold``
    times the mean standardized size, or below ``tolerance``."""
    norm = fit.coef * spread
    avg = float(np.abs(norm).sum()) / len(norm)
    with np.errstate(divide="ignore", invalid="ignore"):
        drop = (np.abs(norm / avg) < threshold) | (np.abs(norm) < tolerance)
    return np.where(drop, 0.0, fit.coef)
