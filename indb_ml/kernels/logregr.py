"""Logistic regression by IRLS (Newton's method), driven by one pass per iteration.

Each iteration needs the log-likelihood, the gradient ``Xᵀ(y - p)`` and the Hessian
``Xᵀ diag(p(1-p)) X`` at the current coefficients: sums over rows. :func:`irls_steps` is the
iteration itself, written as a generator that yields the coefficients it needs a pass at
and receives those sums, so one iteration serves two physical plans: :func:`irls` takes
the passes over blocks of rows in numpy (rows packed in memory), and the aggregate plan
(:mod:`indb_ml.regress.logregr`) runs one C aggregate statement per iteration for every
group at once (:func:`logit_sums_from_cstate` reads its states). The statistics are
statsmodels' Logit ones: standard errors from the inverse Hessian at the optimum, Wald z,
two-sided normal p-values.

>>> rng = np.random.default_rng(0)
>>> x = np.column_stack([np.ones(500), rng.normal(size=500)])
>>> y = (rng.random(500) < 1 / (1 + np.exp(-(0.5 + 2 * x[:, 1])))).astype(float)
>>> fit = irls(lambda: iter([(x, y)]), 2, max_iter=20, tolerance=1e-8)
>>> fit.status, [round(float(c), 1) for c in fit.coef]
('converged', [0.4, 2.3])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Generator, Iterable, Iterator

import numpy as np
from scipy import special, stats

from indb_ml.kernels import interrupts


@dataclass
class LogitFit:
    coef: np.ndarray
    log_likelihood: float
    std_err: np.ndarray
    z_stats: np.ndarray
    p_values: np.ndarray
    odds_ratios: np.ndarray
    condition_no: float
    variance_covariance: np.ndarray
    num_iterations: int
    num_rows: int
    status: str  # converged, max_iter (not converged), separation, singular, overflow (terminate only)
    failed_at: str = ""  # overflow: "sums" (a pass's sums) or "step" (the coefficients), MADlib's two warnings


@dataclass
class LogitSums:
    """One pass at coefficients ``w``: sums over the rows."""

    log_likelihood: float
    gradient: np.ndarray
    hessian: np.ndarray
    n: int


@dataclass
class GradientPass:
    """A pass request at ``w`` whose answer may leave ``hessian`` None: :func:`irls_steps`
    still holds a Hessian close enough to the one at ``w`` (see ``reach`` there)."""

    w: np.ndarray


@dataclass
class ColumnRows:
    """The rows as slices stored column by column (:func:`column_slices`), with ``reach[j]``
    the largest ``|x_j|`` over the rows: how far a step can move any row's linear predictor."""

    slices: list
    reach: np.ndarray


# Rows per slice of a block in a pass: a few hundred KB of X, so the five numpy steps of a pass
# reuse it from cache and their temporaries from the allocator instead of fresh pages (1M x 10
# in 16 MB blocks: 0.15-0.24 s a pass; in slices: 0.07 s).
SLICE_VALUES = 1 << 17


def slices(blocks: Callable[[], Iterator], k: int) -> Iterator:
    """``(X, y)`` of ``blocks()`` cut into slices of about SLICE_VALUES values."""
    rows = max(2048, SLICE_VALUES // max(k, 1))
    for x, y in blocks():
        if x.shape[0] <= rows:
            yield x, y
            continue
        for i in range(0, x.shape[0], rows):
            yield x[i:i + rows], y[i:i + rows]


def _pass(blocks: Callable[[], Iterator], w: np.ndarray, k: int) -> LogitSums:
    """One pass over blocks in numpy: log-likelihood, gradient, Hessian and row count at ``w``
    (:func:`_column_pass`, each slice put in column order on the way: for rows that are
    streamed, not held)."""
    return _column_pass(((np.ascontiguousarray(x.T), y) for x, y in slices(blocks, k)), w, k)


def column_slices(blocks: Callable[[], Iterator], k: int) -> ColumnRows:
    """The rows of ``blocks()`` as slices stored column by column: ``[(k x m X, y)]``, each
    C-contiguous, and each column's largest absolute value. A pass scales X by per-row
    weights; with the rows of a column contiguous that is a stride-1 loop instead of numpy
    broadcasting over k-long rows (1M x 11: a pass 0.052 s -> 0.043 s). The maxima are taken
    while a slice is in cache (about 2 ms over 1M x 11)."""
    parts, reach = [], np.zeros(k)
    for x, y in slices(blocks, k):
        xt = np.ascontiguousarray(x.T)
        np.maximum(reach, np.maximum(xt.max(axis=1), -xt.min(axis=1)), out=reach)  # no |x| copy
        parts.append((xt, np.ascontiguousarray(y)))
    return ColumnRows(parts, reach)


def _column_pass(columns: Iterable, w: np.ndarray, k: int, hessian: bool = True) -> LogitSums:
    """One pass over :func:`column_slices`: log-likelihood, gradient, Hessian and row count at
    ``w`` (``hessian=False``: without the Hessian, about half the cost).

    The Hessian ``Xᵀ diag(p q) X`` (q = 1 - p) is taken as ``Z Zᵀ`` with ``Z = Xᵀ sqrt(p q)``,
    which numpy hands to BLAS as one symmetric rank-k update (half a general product), and
    the log-likelihood ``Σ y η + log q`` reuses ``q = expit(-η)``, accurate where p is near 1.
    At the start ``w = 0`` every weight is 1/4 and the pass is ``Xᵀ X / 4`` alone (1M x 10:
    about 0.043 s a pass, 0.02 s at the start)."""
    ll, grad, hess, n = 0.0, np.zeros(k), np.zeros((k, k)), 0
    start = not np.any(w)
    for xt, y in columns:
        m = y.shape[0]
        n += m
        if start:  # p = 1/2: l = -m log 2, gradient Xᵀ(y - 1/2), Hessian XᵀX / 4
            ll -= m * np.log(2.0)
            grad += xt @ (y - 0.5)
            hess += xt @ xt.T
            continue
        eta = w @ xt
        q = special.expit(-eta)
        p = 1.0 - q
        with np.errstate(divide="ignore"):
            log_q = np.log(q)  # -inf only where q underflowed (eta above ~745): log q = -eta there
        under = np.isneginf(log_q)
        if under.any():
            log_q[under] = -eta[under]
        ll += float(y @ eta + log_q.sum())
        grad += xt @ (y - p)
        if hessian:
            z = xt * np.sqrt(p * q)
            hess += z @ z.T
    if start:
        hess *= 0.25
    return LogitSums(ll, grad, hess if hessian or start else None, n)


def logit_sums_from_cstate(raw) -> tuple[LogitSums | None, int]:
    """A state of the C aggregate ``indb_ml._logregr_step`` as ``(sums or None, rows skipped)``
    (None when every row of the group was skipped)."""
    from indb_ml.kernels.cstate import LOGIT, parse_state, unpack_symmetric

    state = parse_state(raw, LOGIT)
    if state is None:
        return None, 0
    if state.n == 0:
        return None, state.skipped
    k = state.width
    return LogitSums(float(state.data[0]), state.data[1:1 + k].copy(), unpack_symmetric(state.data[1 + k:], k),
                     state.n), state.skipped


def irls(blocks: Callable[[], Iterator], k: int, max_iter: int = 20, tolerance: float = 1e-4,
         report: Callable[[int, float], None] | None = None, optimizer: str = "irls",
         columns: list | None = None, lagged: bool = False, terminate: bool = False) -> LogitFit:
    """:func:`irls_steps` with its passes over blocks in memory. ``blocks()`` yields
    ``(X block, y block)`` afresh on every call; ``columns`` (:func:`column_slices`, irls and
    cg only), when given, holds the same rows for faster passes, and with them how far a
    step moves the linear predictors: near the optimum an iteration reuses its Hessian
    (``reach`` in :func:`irls_steps`)."""
    def evaluate(request):
        if columns is None:
            return _pass(blocks, request, k)
        if isinstance(request, GradientPass):
            return _column_pass(columns.slices, request.w, k, hessian=False)
        return _column_pass(columns.slices, request, k)

    reach = columns.reach if columns is not None else None
    return drive(irls_steps(k, max_iter, tolerance, report, optimizer, lagged, reach, terminate), evaluate)


def drive(steps: Generator, evaluate: Callable):
    """Run one iteration generator to its result: ``evaluate(w)`` answers a pass request;
    a cancel is let in before every pass (:mod:`indb_ml.kernels.interrupts`)."""
    try:
        request = next(steps)
        while True:
            interrupts.check()
            request = steps.send(evaluate(request))
    except StopIteration as stop:
        return stop.value


def irls_steps(k: int, max_iter: int = 20, tolerance: float = 1e-4,
               report: Callable[[int, float], None] | None = None,
               optimizer: str = "irls", lagged: bool = False,
               reach: np.ndarray | None = None,
               terminate: bool = False) -> Generator[np.ndarray | GradientPass, LogitSums, LogitFit]:
    """The iteration: yields the coefficients it needs a pass at (receiving :class:`LogitSums`)
    and returns the :class:`LogitFit`. ``report(iteration, log_likelihood)`` is called after
    each pass (verbose).

    The stopping rule and the iteration count are MADlib's (``logregr_train``): iteration ``i``
    is a pass at ``w_{i-1}`` and a step to ``w_i``; it is the last when the *absolute* change of
    the log-likelihood between its pass and the previous one, ``|l(w_{i-1}) - l(w_{i-2})|``, is
    below ``tolerance`` (so ``w_i`` is one step past the point where the log-likelihood settled),
    or when ``i = max_iter``; ``num_iterations`` is ``i``. MADlib's patients example: 5
    iterations at the default 1e-4. One more pass at ``w_i`` gives the statistics; ``lagged``
    takes them, as MADlib does, from the pass at ``w_{i-1}``, a step behind the coefficients
    reported (2e-6 relative apart on the patients example), and saves that pass.

    ``optimizer`` is MADlib's: ``irls`` (Newton), ``cg`` (MADlib's Hestenes-Stiefel conjugate
    gradient with Powell restarts and a Newton step length along each direction); MADlib's
    ``igd`` takes per-row steps in row order, a C aggregate (indb_ml/regress/logregr_igd.py).
    Every one ends with the Hessian at its last point for the standard errors.

    ``reach`` (each feature's largest ``|x_j|``; irls only, not ``lagged``) lets the end of
    the iteration skip work that cannot change its result. A step ``s`` moves every row's
    linear predictor by at most ``drift = Σ|s_j| reach_j``, and a weight ``p(1-p)`` by a
    factor within ``exp(±drift)`` (its log has slope ``1 - 2p`` in ``η``), so the Hessian
    at the new point is within that factor of the one held. When the drift since the
    Hessian's pass is at most :data:`REUSE_FOR_STEP` the next pass is a
    :class:`GradientPass` and the Newton step uses the held Hessian (it then differs from
    the exact step by that relative amount, of a step already below 1e-6: 1M x 11 to 1e-8,
    the pass at the last iterate); when it is at most :data:`REUSE_FOR_STATISTICS`, the
    sums at the new point are the second-order expansion of the last ones (log-likelihood
    ``l + g.s - s'Hs/2``, gradient ``g - Hs``, exact to that relative amount of the step's
    change, below the rounding of a pass's sums) instead of a pass, at most every other
    iteration, and the statistics at the reported point take the held Hessian (standard
    errors within half that, relative). The iteration count is unchanged: MADlib's rule
    compares the same log-likelihoods, to within their rounding. 1M x 11 to 1e-8: passes at
    w0 to w4, the expansion at w5, no statistics pass (was six passes and one more).

    ``terminate`` (``SET indb_ml.madlib_failures = on``) ends the group where MADlib's step
    sets its status TERMINATED: IRLS when a pass's gradient or Hessian is not finite
    (``failed_at`` "sums") or the new coefficients are not (``"step"``), CG when its step is
    not finite; the status is ``overflow`` and ``num_iterations`` counts the failed
    iteration, as MADlib's. Off, such a fit goes on as before (NaN coefficients, or
    ``singular`` for CG).
    """
    w = np.zeros(k)
    sums = yield w
    status, iterations, previous = "max_iter", 0, None
    direction, last_grad = None, None
    moved = False  # w has moved since the last pass: the statistics need one more
    reuse = reach is not None and optimizer == "irls" and not lagged
    step = None
    drift = 0.0  # the largest move of a linear predictor since the Hessian held was computed
    expanded = False  # the sums at w are an expansion, not a pass (never twice in a row)
    while True:
        ll, grad, n = sums.log_likelihood, sums.gradient, sums.n
        if sums.hessian is not None:
            hess, drift = sums.hessian, 0.0
        if report is not None and iterations > 0:
            report(iterations, ll)
        if iterations > 0 and np.max(np.abs(w)) > 50 and abs(ll) < 1e-6 * n:  # likelihood -> 0, |w| -> inf
            status = "separation"
            break
        moved = True
        if terminate and optimizer != "cg" and not (np.all(np.isfinite(grad)) and np.all(np.isfinite(hess))):
            return _terminated(k, iterations + 1, n, "sums")
        if optimizer == "cg":
            step, direction, last_grad = _cg_step(grad, hess, direction, last_grad)
        else:
            step = _newton_step(hess, grad)
        if step is None and terminate and optimizer == "cg":  # MADlib: the CG step is not finite
            return _terminated(k, iterations + 1, n, "step")
        if step is None:
            status, moved = "singular", False
            break
        if terminate and not np.all(np.isfinite(w + step)):
            return _terminated(k, iterations + 1, n, "step")
        w = w + step
        if reuse:
            drift += float(np.abs(step) @ reach)
        iterations += 1
        if previous is not None and abs(ll - previous) < tolerance:
            status = "converged"
            break
        if iterations >= max_iter:
            break
        previous = ll
        if reuse and drift <= REUSE_FOR_STATISTICS and not expanded:  # no pass: the expansion
            sums = LogitSums(ll + float(grad @ step) - 0.5 * float(step @ hess @ step), grad - hess @ step, None, n)
            expanded = True
        else:
            sums = yield GradientPass(w) if reuse and drift <= REUSE_FOR_STEP else w
            expanded = False
        moved = False
    if moved and not lagged:  # the statistics at the coefficients reported
        if reuse and drift <= REUSE_FOR_STATISTICS:
            ll = ll + float(grad @ step) - 0.5 * float(step @ hess @ step)
        else:
            sums = yield w
            ll, hess = sums.log_likelihood, sums.hessian
        if report is not None:
            report(iterations, ll)
    try:
        vcov = np.linalg.inv(hess)
        cond = condition_number(hess)
    except np.linalg.LinAlgError:
        vcov, cond, status = np.full((k, k), np.nan), float("inf"), "singular"
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(np.diag(vcov))
        z = w / se
    return LogitFit(w, ll, se, z, 2 * stats.norm.sf(np.abs(z)), np.exp(w), cond, vcov, iterations, n, status)


def _terminated(k: int, iterations: int, n: int, failed_at: str) -> LogitFit:
    """A fit MADlib ends (TERMINATED): no values, only the count and where it failed."""
    nan = np.full(k, np.nan)
    return LogitFit(nan, float("nan"), nan, nan, nan, nan, float("nan"), np.full((k, k), np.nan), iterations, n,
                    "overflow", failed_at)


# How far (the largest move of any row's linear predictor) the iterate may be from the point of
# the Hessian held for a Newton step to reuse it, and for the statistics to. See irls_steps.
REUSE_FOR_STEP = 1e-6
REUSE_FOR_STATISTICS = 1e-8


def condition_number(hess: np.ndarray) -> float:
    """MADlib's ``condition_no`` of a logistic fit: the square root of the condition number of
    ``X'AX`` (the Hessian), i.e. that of ``A^(1/2) X`` (patients example: 326.08)."""
    w = np.linalg.eigvalsh(hess)
    return float(np.sqrt(w[-1] / w[0])) if w[0] > 0 else float("inf")


def _newton_step(hess: np.ndarray, grad: np.ndarray) -> np.ndarray | None:
    try:
        return np.linalg.solve(hess, grad)
    except np.linalg.LinAlgError:
        return None


def _cg_step(grad, hess, direction, last_grad):
    """MADlib's conjugate-gradient step (``logregr_cg_step_final`` in
    src/modules/regress/logistic.cpp): the first direction is the gradient; after it the
    Hestenes-Stiefel update ``d_k = g_k - beta d_{k-1}``, ``beta = g_k.(g_k - g_{k-1}) /
    d_{k-1}.(g_k - g_{k-1})``, with MADlib's Powell restart (``beta = 0`` when the
    Polak-Ribière ratio ``g_k.(g_k - g_{k-1}) / |g_{k-1}|^2`` is at most the smallest
    denormal); the length along it is Newton's, ``g.d / d'Hd`` with the Hessian of the same
    pass. One pass per iteration, like IRLS, but no k x k solve. A step that is not finite
    (MADlib then warns and ends the group) returns ``None``."""
    if direction is None:
        d = grad.copy()
    else:
        change = grad - last_grad
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            beta = float(grad @ change) / float(direction @ change)
            if float(grad @ change) / float(last_grad @ last_grad) <= np.nextafter(0.0, 1.0):
                beta = 0.0
        d = grad - beta * direction
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        step = (float(grad @ d) / float(d @ hess @ d)) * d
    if not np.all(np.isfinite(step)):
        return None, d, grad
    return step, d, grad
