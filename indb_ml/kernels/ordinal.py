"""Ordinal regression (cumulative logit or probit), in numpy.

``P(y <= j) = F(θ_j - xᵀβ)`` for the ordered categories ``0 .. J-1`` (statsmodels'
OrderedModel; no intercept in x: the thresholds play its part). The fit maximizes the
log-likelihood by a damped Newton method (:func:`newton_steps`) in statsmodels'
unconstrained parameters (θ_0, log(θ_j - θ_{j-1})), with the exact observed information,
computed analytically in the same pass that gives the log-likelihood; the standard errors
come from that information in the direct parameters (β, θ) at the last point.

Every evaluation is a pass over the rows, a function of the parameters: numpy over blocks
held in memory (:func:`block_evaluator`) or one aggregate statement (``src/ordinal.c``,
read by :func:`evaluation_from_state`). The fit is a generator that yields the point it
needs evaluated, so with many groups and aggregate passes the groups' fits advance in
lockstep (:func:`indb_ml.regress.lockstep.run_lockstep`): one statement answers every
group's pending evaluation, a round costs one scan whatever the number of groups, and
every group follows exactly the iterations it would follow alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Generator, Iterator

import numpy as np
from scipy import special

from indb_ml.kernels import cstate, interrupts


def _logit(z, slopes: bool):
    cdf = special.expit(z)
    pdf = cdf * special.expit(-z)
    return cdf, pdf, (pdf * (1 - 2 * cdf) if slopes else None)


def _probit(z, slopes: bool):
    pdf = np.exp(-0.5 * z * z) * (1 / np.sqrt(2 * np.pi))
    return special.ndtr(z), pdf, (-z * pdf if slopes else None)


# each link's F(z), f(z) and, when asked for (the information), f'(z), as src/ordinal.c
LINKS = {"logit": _logit, "probit": _probit}
LINK_CODES = {"logit": 0, "probit": 1}  # the C aggregate's link argument


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


@dataclass
class Evaluation:
    """The log-likelihood at (β, θ), its gradient, the information in (β, θ) order when asked
    for (else None), the rows used and skipped."""

    ll: float
    g_beta: np.ndarray
    g_theta: np.ndarray
    information: np.ndarray | None
    n: int
    skipped: int = 0


# An infinite bound (below the first category, above the last) as a finite number: F is
# exactly 0 or 1 there and f, f' exactly 0, with no masks and no inf - inf.
BOUND = 1e100


def _pass(blocks, beta, theta, link, hessian: bool) -> Evaluation:
    """One pass over blocks ``(X, y)``: the log-likelihood at (β, θ), its gradient and, with
    ``hessian``, the information (minus the Hessian) in (β, θ) order, analytically: with
    u = θ_y - η, l = θ_{y-1} - η, P = F(u) - F(l), a = f(u)/P, b = -f(l)/P and the second
    derivatives A = f'(u)/P - a², B = -f'(l)/P - b², C = -ab: -(A+2C+B) x xᵀ for β β,
    (A+C) x and (B+C) x for θ_y β and θ_{y-1} β, -A, -B, -C for the thresholds (as
    ``src/ordinal.c`` sums them row by row)."""
    values = LINKS[link]
    bounds = np.concatenate([[-BOUND], theta, [BOUND]])
    k, nt = beta.size, theta.size
    ll, g_beta, g_theta, n = 0.0, np.zeros(k), np.zeros(nt), 0
    info = np.zeros((k + nt, k + nt)) if hessian else None
    for x, y in blocks():
        yi = y.astype(np.intp)
        eta = x @ beta
        upper, lower = bounds[yi + 1] - eta, bounds[yi] - eta
        cdf_u, pdf_u, slope_u = values(upper, hessian)
        cdf_l, pdf_l, slope_l = values(lower, hessian)
        prob = np.maximum(cdf_u - cdf_l, 1e-300)
        a, b = pdf_u / prob, -pdf_l / prob  # 0 at the last category's upper and the first's lower bound
        ll += float(np.sum(np.log(prob)))
        g_beta -= x.T @ (a + b)
        g_theta += np.bincount(yi, weights=a, minlength=nt + 1)[:nt]  # θ_y
        g_theta += np.bincount(yi, weights=b, minlength=nt + 1)[1:]  # θ_{y-1}
        n += yi.size
        if hessian:
            with np.errstate(over="ignore", invalid="ignore"):  # rows at the probability floor
                big_a = slope_u / prob - a * a
                big_b = -slope_l / prob - b * b
                big_c = -a * b
                _add_information(info, x, yi, big_a, big_b, big_c, k, nt)
    return Evaluation(ll, g_beta, g_theta, info, n)


def _add_information(info, x, yi, big_a, big_b, big_c, k, nt):
    """Adds one block's information to ``info`` (see :func:`_pass`)."""
    info[:k, :k] += (x * (-(big_a + 2 * big_c + big_b))[:, None]).T @ x
    # each row's weights of θ_y (A+C, column y + 1) and θ_{y-1} (B+C, column y), padded so
    # that the first category's θ_{-1} and the last's θ_{nt} fall outside
    rows = np.arange(yi.size)
    weights = np.zeros((yi.size, nt + 2))
    weights[rows, yi + 1] = big_a + big_c
    weights[rows, yi] = big_b + big_c
    cross = weights[:, 1:nt + 1].T @ x
    info[k:, :k] += cross
    info[:k, k:] += cross.T
    sum_a, sum_b, sum_c = (np.bincount(yi, weights=w, minlength=nt + 1) for w in (big_a, big_b, big_c))
    tt = np.diag(-sum_a[:nt] - sum_b[1:])
    idx = np.arange(nt - 1)
    tt[idx, idx + 1] = tt[idx + 1, idx] = -sum_c[1:nt]  # θ_{y-1} θ_y: the rows of the categories 1 .. nt-1
    info[k:, k:] += tt


def _loglik_grad(blocks, beta, theta, link):
    """(log-likelihood, gradient in β, gradient in θ) over blocks in memory."""
    e = _pass(blocks, beta, theta, link, False)
    return e.ll, e.g_beta, e.g_theta


def _information(blocks, beta, theta, link):
    """Minus the Hessian of the log-likelihood in (β, θ) over blocks in memory (:func:`_pass`)."""
    return _pass(blocks, beta, theta, link, True).information


def block_evaluator(blocks: Callable[[], Iterator], link: str) -> Callable:
    """``evaluate(beta, theta) -> Evaluation`` (with the information) over blocks ``(X, y)``
    in memory (``y`` the category index)."""
    def evaluate(beta, theta) -> Evaluation:
        return _pass(blocks, beta, theta, link, True)
    return evaluate


def evaluation_from_state(raw, k: int, n_categories: int) -> Evaluation | None:
    """The :class:`Evaluation` of an ``indb_ml._ordinal_step`` state, whose parameters are
    thresholds first ([θ, β]); None when no row was used."""
    s = cstate.parse_state(raw, cstate.ORDINAL)
    if s is None or s.n == 0:
        return None
    nt = n_categories - 1
    d = nt + k
    if s.width != d:
        raise ValueError(f"ordinal state of width {s.width}, expected {d}")
    grad = s.data[1:1 + d]
    info = None
    if s.param & 4:
        order = list(range(nt, d)) + list(range(nt))
        info = cstate.unpack_symmetric(s.data[1 + d:], d)[np.ix_(order, order)]
    return Evaluation(float(s.data[0]), grad[nt:].copy(), grad[:nt].copy(), info, int(s.n), int(s.skipped))


def skipped_of(raw) -> int:
    s = cstate.parse_state(raw, cstate.ORDINAL)
    return 0 if s is None else int(s.skipped)


def start_point(k: int, n_categories: int) -> np.ndarray:
    """The start in the unconstrained parameters: β = 0, θ_0 = -1, equal unit gaps."""
    nt = n_categories - 1
    return np.concatenate([np.zeros(k), [-1.0], np.zeros(nt - 1)]) if nt > 1 else np.concatenate([np.zeros(k), [0.0]])


def unpack(p: np.ndarray, k: int):
    """(β, θ) from the unconstrained parameters: θ_0, then log increments."""
    theta = np.cumsum(np.concatenate([[p[k]], np.exp(p[k + 1:])]))
    return p[:k], theta


def _unconstrained(e: Evaluation, p: np.ndarray, k: int):
    """The gradient and the information of an evaluation in the unconstrained parameters p:
    ``Jᵀ g`` and ``Jᵀ I J``, J = d(β, θ)/dp (dθ_j/dp_k = 1, dθ_j/dp_{k+m} = exp(p_{k+m}) for
    1 <= m <= j). ``Jᵀ I J`` leaves out the term of the second derivatives of θ(p), which is
    proportional to the gradient: it vanishes at the optimum (Newton's quadratic convergence
    stays) and what remains is positive semi-definite (the log-likelihood is concave in
    (β, θ) for log-concave F, the logistic and the normal)."""
    nt = p.size - k
    jac = np.eye(k + nt)
    jac[k:, k] = 1.0
    for m in range(1, nt):
        jac[k + m:, k + m] = np.exp(p[k + m])
    info = (e.information + e.information.T) / 2
    return jac.T @ np.concatenate([e.g_beta, e.g_theta]), jac.T @ info @ jac


def _direction(grad: np.ndarray, info: np.ndarray) -> np.ndarray:
    """Newton's direction ``info⁻¹ grad`` (scaled to a unit diagonal; on a singular
    information, in its range), or, when that is not an ascent direction, the gradient
    scaled to the maximum of the quadratic model along it."""
    if not np.all(np.isfinite(info)):  # overflow where a row's probability is at its floor
        return grad / max(float(np.linalg.norm(grad)), 1e-300)
    diag = np.diag(info)
    scale = np.where(diag > 0, 1 / np.sqrt(np.where(diag > 0, diag, 1)), 1.0)
    scaled = info * np.outer(scale, scale)
    try:
        np.linalg.cholesky(scaled)
        d = scale * np.linalg.solve(scaled, scale * grad)
    except np.linalg.LinAlgError:
        values, vectors = np.linalg.eigh(scaled)
        keep = values > 1e-12 * max(values[-1], 0.0)
        d = scale * (vectors[:, keep] @ ((vectors[:, keep].T @ (scale * grad)) / values[keep]))
    if np.all(np.isfinite(d)) and grad @ d > 0:
        return d
    curvature = grad @ info @ grad
    if np.isfinite(curvature) and curvature > 0:
        return grad * (grad @ grad / curvature)
    return grad / max(float(np.linalg.norm(grad)), 1e-300)


MAX_HALVINGS = 40


def newton_steps(k: int, n_categories: int, max_iter: int = 100,
                 tolerance: float = 1e-8, group: object = None) -> Generator[tuple, Evaluation, OrdinalFit]:
    """One group's fit: a generator that yields the (β, θ) it needs evaluated and receives
    the :class:`Evaluation` there, with the information; returns the :class:`OrdinalFit`.

    Damped Newton in the unconstrained parameters (θ_0, log(θ_j - θ_{j-1})), so the
    thresholds stay ordered at every point: the direction from the exact information
    (:func:`_unconstrained`, :func:`_direction`), the step halved until the
    log-likelihood rises by at least 1e-4 of the rise the direction predicts (Armijo).
    Converged when a step moves no parameter by more than ``tolerance`` (relative to
    max(1, |p|)) — the distance left is then of the order of that step squared — or when
    twice the rise the direction predicts, ``gᵀ I⁻¹ g``, is below 1e-20 max(1, |ll|): its
    square root bounds every parameter's distance to the optimum in standard errors, and
    the gradient's rounding keeps it far below that. An iteration is
    one accepted step; every evaluation (a line-search trial too) is one pass over the
    rows. The standard errors come from the information of the last point, with no pass
    of their own. Each accepted step is reported (``interrupts.report``) with its
    log-likelihood, for ``group``."""
    p = start_point(k, n_categories)
    e = yield unpack(p, k)
    iterations, converged = 0, False
    while True:
        grad, info = _unconstrained(e, p, k)
        d = _direction(grad, info)
        rise = float(grad @ d)  # the directional derivative: twice the rise Newton predicts
        noise = 1e-11 * max(1.0, abs(e.ll))  # a rise this small may be lost to the sums' rounding
        if not np.isfinite(rise) or rise <= 1e-20 * max(1.0, abs(e.ll)):
            converged = True
            break
        if iterations >= max_iter:
            break
        t = 1.0
        for _ in range(MAX_HALVINGS):
            trial = p + t * d
            got = yield unpack(trial, k)
            if np.isfinite(got.ll) and (got.ll >= e.ll + 1e-4 * t * rise or (rise <= noise and got.ll >= e.ll - noise)):
                break
            t /= 2
        else:  # no step along the direction raises the log-likelihood
            converged = rise <= noise
            break
        p, e = trial, got
        iterations += 1
        interrupts.report(iterations, e.ll, group)
        if np.all(np.abs(t * d) <= tolerance * np.maximum(1.0, np.abs(p))):
            converged = True
            break
    beta, theta = unpack(p, k)
    if np.all(np.isfinite(e.information)):
        se = np.sqrt(np.maximum(np.diag(np.linalg.pinv((e.information + e.information.T) / 2)), 0))
    else:  # overflow at rows whose probability is at its floor (separated categories)
        se = np.full(k + theta.size, np.nan)
    return OrdinalFit(theta, se[k:], beta, se[:k], e.ll, iterations, e.n, converged)


def run_one(gen: Generator, evaluate: Callable):
    """Drive one generator of :func:`newton_steps` with ``evaluate(beta, theta)``."""
    request = next(gen)
    while True:
        interrupts.check()
        try:
            request = gen.send(evaluate(*request))
        except StopIteration as stop:
            return stop.value


def fit_ordinal(blocks: Callable[[], Iterator], k: int, n_categories: int, link: str, max_iter: int = 100,
                tolerance: float = 1e-8, group: object = None) -> OrdinalFit:
    """One fit over blocks ``(X, y)`` in memory: every evaluation a numpy pass."""
    return run_one(newton_steps(k, n_categories, max_iter, tolerance, group), block_evaluator(blocks, link))
