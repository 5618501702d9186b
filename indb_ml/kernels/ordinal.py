"""Ordinal regression (cumulative logit or probit), in numpy.

``P(y <= j) = F(θ_j - xᵀβ)`` for the ordered categories ``0 .. J-1`` (statsmodels'
OrderedModel; no intercept in x: the thresholds play its part). The fit is MADlib's
Fisher scoring (:func:`fisher_steps`): undamped steps in (θ, β) with the expected
information, computed analytically in the same pass that gives the log-likelihood and
its gradient; the standard errors come from that expected information, as MADlib's
(``glm/ordinal.sql_in``: McCullagh 1980). The observed information is still computed
on request (``_pass(..., expected=False)``, the C aggregate's 6-argument form).

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
    failed: bool = False  # ended as MADlib's "terminated" state (not finite, or no step to take)


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
# The probability floor of the log-likelihood and the information (src/ordinal.c's PROB_FLOOR).
PROB_FLOOR = 1e-300


def _pass(blocks, beta, theta, link, hessian: bool, expected: bool = False, floor: float = PROB_FLOOR) -> Evaluation:
    """One pass over blocks ``(X, y)``: the log-likelihood at (β, θ), its gradient and, with
    ``hessian``, the information (minus the Hessian) in (β, θ) order, analytically: with
    u = θ_y - η, l = θ_{y-1} - η, P = F(u) - F(l), a = f(u)/P, b = -f(l)/P and the second
    derivatives A = f'(u)/P - a², B = -f'(l)/P - b², C = -ab: -(A+2C+B) x xᵀ for β β,
    (A+C) x and (B+C) x for θ_y β and θ_{y-1} β, -A, -B, -C for the thresholds (as
    ``src/ordinal.c`` sums them row by row); with ``expected``, the expected (Fisher)
    information instead (:func:`_add_expected_information`). The probabilities are floored at
    ``floor`` (``-inf``: not at all, MADlib's arithmetic, see :func:`block_evaluator`)."""
    values = LINKS[link]
    bounds = np.concatenate([[-BOUND], theta, [BOUND]])
    k, nt = beta.size, theta.size
    ll, g_beta, g_theta, n = 0.0, np.zeros(k), np.zeros(nt), 0
    info = np.zeros((k + nt, k + nt)) if hessian else None
    for x, y in blocks():
        yi = y.astype(np.intp)
        eta = x @ beta
        upper, lower = bounds[yi + 1] - eta, bounds[yi] - eta
        observed = hessian and not expected  # f' only for the observed information
        cdf_u, pdf_u, slope_u = values(upper, observed)
        cdf_l, pdf_l, slope_l = values(lower, observed)
        prob = np.maximum(cdf_u - cdf_l, floor)
        with np.errstate(divide="ignore", invalid="ignore"):  # unfloored: MADlib's NaN and infinities
            a, b = pdf_u / prob, -pdf_l / prob
            ll += float(np.sum(np.log(prob)))  # 0 at the last category's upper and the first's lower bound
        g_beta -= x.T @ (a + b)
        g_theta += np.bincount(yi, weights=a, minlength=nt + 1)[:nt]  # θ_y
        g_theta += np.bincount(yi, weights=b, minlength=nt + 1)[1:]  # θ_{y-1}
        n += yi.size
        if hessian and expected:
            with np.errstate(over="ignore", invalid="ignore"):
                _add_expected_information(info, x, eta, theta, values, k, nt, floor)
        elif hessian:
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


def _add_expected_information(info, x, eta, theta, values, k, nt, floor=None):
    """Adds one block's expected information to ``info`` in (β, θ) order: with F_j and f_j
    at θ_j - η (F_{-1} = 0, F_{J-1} = 1, f there 0) and π_j = F_j - F_{j-1} (floored as the
    log-likelihood's), ``Σ_j (dπ_j)(dπ_j)ᵀ / π_j`` over every category j, dπ_j/dθ_j = f_j,
    dπ_j/dθ_{j-1} = -f_{j-1}, dπ_j/dβ = -(f_j - f_{j-1}) x: MADlib's ``Dᵀ V⁻¹ D`` of the
    multinomial (``src/ordinal.c`` sums the same terms row by row)."""
    cdf, pdf, _ = values(theta[None, :] - eta[:, None], False)
    n = eta.size
    big_f = np.hstack([np.zeros((n, 1)), cdf, np.ones((n, 1))])
    f = np.hstack([np.zeros((n, 1)), pdf, np.zeros((n, 1))])  # f_{-1} .. f_{J-1}
    prob = np.maximum(np.diff(big_f, axis=1), PROB_FLOOR if floor is None else floor)  # π_0 .. π_{J-1}
    df = np.diff(f, axis=1)  # f_j - f_{j-1}, j = 0 .. J-1
    fm = f[:, 1:nt + 1]  # f_m, m = 0 .. J-2
    pi_m, pi_next = prob[:, :nt], prob[:, 1:]
    info[:k, :k] += (x * np.sum(df * (df / prob), axis=1)[:, None]).T @ x
    cross = (-fm * (df[:, :nt] / pi_m - df[:, 1:] / pi_next)).T @ x  # θ_m, β
    info[k:, :k] += cross
    info[:k, k:] += cross.T
    tt = np.diag(np.sum(fm * (fm / pi_m) + fm * (fm / pi_next), axis=0))
    idx = np.arange(nt - 1)
    tt[idx, idx + 1] = tt[idx + 1, idx] = -np.sum(fm[:, :-1] * (fm[:, 1:] / pi_next[:, :-1]), axis=0)
    info[k:, k:] += tt


def _loglik_grad(blocks, beta, theta, link):
    """(log-likelihood, gradient in β, gradient in θ) over blocks in memory."""
    e = _pass(blocks, beta, theta, link, False)
    return e.ll, e.g_beta, e.g_theta


def _information(blocks, beta, theta, link):
    """Minus the Hessian of the log-likelihood in (β, θ) over blocks in memory (:func:`_pass`)."""
    return _pass(blocks, beta, theta, link, True).information


def block_evaluator(blocks: Callable[[], Iterator], link: str, expected: bool = True,
                    madlib: bool = False) -> Callable:
    """``evaluate(beta, theta) -> Evaluation`` (with the information: the expected one, or
    with ``expected=False`` the observed one) over blocks ``(X, y)`` in memory (``y`` the
    category index). ``madlib``: MADlib's arithmetic at thresholds that do not increase
    (:func:`unfloored_pass`, :func:`madlib_log_likelihood`), as the C aggregate's
    ``prob_floor`` false gives it."""
    def evaluate(beta, theta) -> Evaluation:
        if unfloored_pass(madlib, theta):
            return madlib_log_likelihood(_pass(blocks, beta, theta, link, True, expected, -np.inf))
        return _pass(blocks, beta, theta, link, True, expected)
    return evaluate


def unfloored_pass(madlib: bool, theta: np.ndarray) -> bool:
    """Whether the pass at θ is made without the probability floor, on either plan (numpy
    ``floor=-inf``, the C aggregate's ``prob_floor`` false): on MADlib's path at thresholds
    that are not strictly increasing (or not finite), where MADlib takes a category's
    probability as it comes out, negative, into its ``V⁻¹``. Elsewhere the floor changes
    nothing but rows whose probability underflows, and the pass is the floored one."""
    return madlib and not _ordered(theta)


def madlib_log_likelihood(e: Evaluation) -> Evaluation:
    """``e`` with MADlib's log-likelihood of a pass without the floor: NaN. Its ``Σ y_j log
    μ_j`` takes every category's log (0 · log μ_j is NaN for μ_j <= 0), and at thresholds
    that do not increase some μ_j is <= 0 in every row."""
    e.ll = float("nan")
    return e


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


def start_point(n_categories: int, link: str) -> np.ndarray:
    """MADlib's start: every category equally likely, θ_j = F⁻¹((j + 1) / J), β = 0."""
    p = np.arange(1, n_categories) / n_categories
    return special.logit(p) if link == "logit" else special.ndtri(p)


def log_likelihood_change(previous: float, current: float) -> float:
    """MADlib's convergence measure (``__ordinal_loglik_diff``): the change of the
    log-likelihood relative to the smaller of the two in magnitude; 0 when either is 0 or
    above (a perfect fit)."""
    if previous >= 0 or current >= 0:
        return 0.0
    return abs(previous - current) / min(abs(previous), abs(current))


MAX_HALVINGS = 60


def _stops(previous: float | None, ll: float, iterations: int, max_iter: int, tolerance: float) -> tuple:
    """(stop, converged) after iteration ``iterations``: MADlib's driver test, ``iteration >=
    max_iter OR __ordinal_loglik_diff < tolerance`` (the first iteration's change infinite; a
    NaN change is not below the tolerance)."""
    change = np.inf if previous is None else log_likelihood_change(previous, ll)
    return bool(change < tolerance or iterations >= max_iter), bool(change < tolerance)


def _ordered(theta: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(theta)) and np.all(np.diff(theta) > 0))


def fisher_steps(k: int, n_categories: int, link: str, max_iter: int = 100, tolerance: float = 1e-6,
                 group: object = None, madlib: bool = False) -> Generator[tuple, Evaluation, OrdinalFit]:
    """One group's fit: a generator that yields the (β, θ) it needs evaluated and receives
    the :class:`Evaluation` there, with the expected information; returns the
    :class:`OrdinalFit`.

    MADlib's Fisher scoring (``glm/ordinal.py_in``, ``Ordinal_impl.hpp``): from
    :func:`start_point`, iteration t is one pass at the current point (log-likelihood ℓ_t,
    gradient g_t, expected information I_t) and the undamped step p += I_t⁻¹ g_t; it
    stops after iteration t when t reaches ``max_iter`` or the log-likelihood changed
    by less than ``tolerance`` relative (:func:`log_likelihood_change` of ℓ_{t-1}, ℓ_t).
    As MADlib reports them, the coefficients are those after the last step, and the
    log-likelihood and the standard errors (``sqrt diag I_t⁻¹``) those of the last pass.
    One deviation: MADlib adds its first step to zero instead of to the start point it
    computed it at, which costs it an iteration and can leave the thresholds unordered;
    here every step starts where it was computed. A safeguard MADlib lacks: a step that
    would leave the thresholds not strictly increasing (a category of probability 0 or
    less) is halved until they are, with no pass of its own. Each pass is reported
    (``interrupts.report``) with its log-likelihood, for ``group``.

    ``madlib`` (``SET indb_ml.madlib_statistics = on``): MADlib's own path instead,
    :func:`_madlib_fisher_steps`, whose evaluations at unordered thresholds are to be made
    without the probability floor (:func:`unfloored_pass`)."""
    if madlib:
        return (yield from _madlib_fisher_steps(k, n_categories, link, max_iter, tolerance, group))
    theta = start_point(n_categories, link)
    beta = np.zeros(k)
    previous, iterations, converged, failed = None, 0, False, False
    while True:
        e = yield beta, theta
        iterations += 1
        interrupts.report(iterations, e.ll, group)
        info = e.information
        grad = np.concatenate([e.g_beta, e.g_theta])
        if not (np.all(np.isfinite(info)) and np.all(np.isfinite(grad)) and np.isfinite(e.ll)):
            failed = True
            break  # MADlib: "Hessian or gradient is not finite"; here the last point, not converged
        info = (info + info.T) / 2
        try:
            vcov = np.linalg.inv(info)
        except np.linalg.LinAlgError:
            vcov = np.linalg.pinv(info)
        step = vcov @ grad
        for _ in range(MAX_HALVINGS):
            if _ordered(theta + step[k:]) and np.all(np.isfinite(step)):
                break
            step = step / 2
        else:
            failed = True
            break
        beta, theta = beta + step[:k], theta + step[k:]
        stop, converged = _stops(previous, e.ll, iterations, max_iter, tolerance)
        if stop:
            break
        previous = e.ll
    if np.all(np.isfinite(e.information)):
        se = np.sqrt(np.maximum(np.diag(np.linalg.pinv((e.information + e.information.T) / 2)), 0))
    else:
        se = np.full(k + theta.size, np.nan)
    return OrdinalFit(theta, se[k:], beta, se[:k], e.ll, iterations, e.n, converged, failed)


def madlib_start(n_categories: int, link: str) -> np.ndarray:
    """MADlib's start thresholds as its code computes them (``OrdinalLogit``/``OrdinalProbit``
    ``init`` and ``link_func``, glm/link.hpp): every μ_j = 1/J, the cumulative sums added one
    by one, then log(s / (1 - s)) or sqrt(2) erf⁻¹(2s - 1). The same numbers as
    :func:`start_point` to rounding; these are the bits MADlib's first pass sees."""
    mu = 1.0 / n_categories
    sums = np.empty(n_categories - 1)
    total = 0.0
    for j in range(n_categories - 1):
        total = mu if j == 0 else total + mu
        sums[j] = total
    if link == "logit":
        return np.log(sums / (1 - sums))
    return np.sqrt(2) * special.erfinv(2 * sums - 1)


def _madlib_fisher_steps(k, n_categories, link, max_iter, tolerance, group):
    """MADlib's Fisher scoring as its code runs it (``Ordinal_impl.hpp``): its parameter vector
    (thresholds and β) starts at zero, and a pass at parameters whose norm is 0 is made at its
    start instead (:func:`madlib_start`, β = 0; the ``optimizer.beta.norm() == 0`` branch), so
    the first step, computed there, is added to zero: the thresholds after it are the step's
    alone (the start's thresholds are lost; β, which starts at 0, is the same either way).
    Every later pass is at the parameters, and every step is taken whole, ``I⁻¹ g`` with
    ``hessian.inverse()`` (no halving, no pseudo-inverse): thresholds left unordered are
    kept, and the next pass's log-likelihood is NaN as MADlib's (its ``log μ`` of a
    negative probability), which fails the stopping test (NaN < tolerance is false) until a
    pass is finite again. A pass whose information or gradient is not finite, or a singular
    information, ends the fit as MADlib's ``terminated`` state (``failed``). Both plans give
    those passes (:func:`unfloored_pass`), so both follow this path to the same end."""
    start = madlib_start(n_categories, link)
    theta, beta = np.zeros(n_categories - 1), np.zeros(k)
    previous, iterations, converged, failed, vcov = None, 0, False, False, None
    while True:
        if not np.sqrt(np.sum(theta * theta) + np.sum(beta * beta)) > 0:  # Eigen's norm() == 0
            point = (np.zeros(k), start)
        else:
            point = (beta, theta)
        e = yield point
        iterations += 1
        interrupts.report(iterations, e.ll, group)
        grad = np.concatenate([e.g_beta, e.g_theta])
        if not (np.all(np.isfinite(e.information)) and np.all(np.isfinite(grad))):
            failed = True
            break
        try:
            vcov = np.linalg.inv(e.information)
        except np.linalg.LinAlgError:
            failed = True
            break
        step = vcov @ grad
        beta, theta = beta + step[:k], theta + step[k:]
        stop, converged = _stops(previous, e.ll, iterations, max_iter, tolerance)
        if stop:
            break
        previous = e.ll
    return _madlib_fit(theta, beta, e, vcov, iterations, converged, failed)


def _madlib_fit(theta, beta, e: Evaluation, vcov, iterations: int, converged: bool, failed: bool) -> OrdinalFit:
    """The row MADlib's ``OrdinalResult`` makes: the parameters after the last step, the last
    pass's log-likelihood, ``sqrt diag`` of its inverse information."""
    if vcov is None or failed:
        se = np.full(beta.size + theta.size, np.nan)
    else:
        with np.errstate(invalid="ignore"):
            se = np.sqrt(np.diag(vcov))
    k = beta.size
    return OrdinalFit(theta, se[k:], beta, se[:k], e.ll, iterations, e.n, converged, failed)


def run_one(gen: Generator, evaluate: Callable):
    """Drive one generator of :func:`fisher_steps` with ``evaluate(beta, theta)``."""
    request = next(gen)
    while True:
        interrupts.check()
        try:
            request = gen.send(evaluate(*request))
        except StopIteration as stop:
            return stop.value


def fit_ordinal(blocks: Callable[[], Iterator], k: int, n_categories: int, link: str, max_iter: int = 100,
                tolerance: float = 1e-6, group: object = None, madlib: bool = False) -> OrdinalFit:
    """One fit over blocks ``(X, y)`` in memory: every evaluation a numpy pass (``madlib``:
    MADlib's path, :func:`fisher_steps`, with MADlib's arithmetic at unordered thresholds)."""
    return run_one(fisher_steps(k, n_categories, link, max_iter, tolerance, group, madlib),
                   block_evaluator(blocks, link, madlib=madlib))
