"""MADlib's FISTA for the elastic net, pass for pass, in numpy.

This is MADlib's ``optimizer => 'fista'`` (elastic_net_optimizer_fista.py_in, the C++
``Fista<Model>`` of elastic_net_optimizer_fista.hpp with elastic_net_gaussian_fista.cpp and
elastic_net_binomial_fista.cpp) reproduced step by step, so that the coefficients *and*
``iteration_run`` follow MADlib's. One MADlib iteration is one aggregate pass over the rows
and is one of two kinds:

- a gradient pass (``backtracking == 0``): the gradient of the mean loss at the
  extrapolated point ``y``, then the proximal (soft-thresholding) step of size ``stepsize``;
- a backtracking pass (``backtracking >= 1``): the loss at the candidate. It is accepted
  when below the quadratic model at ``y`` (or at the third try whatever it is); otherwise
  the step shrinks by ``eta`` and the next pass tries again. On acceptance ``tk`` and the
  extrapolated point are updated (Beck and Teboulle's momentum).

The step starts at ``max_stepsize`` for every lambda of the warm-up path and only shrinks
(unless ``random_stepsize``). Every pass also recomputes MADlib's running "log-likelihood"
``-((L_prev + Σ loss_row(coef)) / 2n + penalty(coef))`` (``L_prev``: the value the previous
pass left in the state, as MADlib's state carries it), and the stopping rule is MADlib's:
after a pass that ends with ``backtracking == 0``, stop (or go to the next warm-up lambda)
when it changed by less than ``tolerance`` in absolute value; ``max_iter`` caps the passes
over the whole path. With ``use_active_set`` MADlib alternates full passes with passes
whose gradient only covers the nonzero coefficients (``activeset_tolerance``,
``warmup_tolerance``).

The rows are never touched here: a caller answers each request, a list of points
``[intercept, coef...]`` on the original scale of the data, with ``(loss, gradient)`` at
each (gaussian: ``Σ r²/2``; binomial: ``Σ log(1 + exp(-y η))``, y = ±1; the gradient of that
sum with respect to ``[intercept, coef...]``, only where asked). The gaussian answers come
from the co-moments of ``[y, x]`` exactly (:func:`gaussian_answer`), the binomial ones from
a pass over the rows (:func:`binomial_answer` over blocks in memory, or one aggregate
statement per point). MADlib standardizes the data first (features to mean 0 and
population standard deviation 1, the gaussian response centred); that is a change of
variables, done here on the points and the gradients instead of the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Generator, Iterator, Optional

import numpy as np

from indb_ml.kernels import interrupts


@dataclass
class FistaOptions:
    """MADlib's FISTA parameters and their defaults (``__fista_params_parser``)."""
    max_stepsize: float = 2.0
    eta: float = 1.2
    use_active_set: bool = False
    activeset_tolerance: Optional[float] = None  # MADlib: the tolerance when not given
    warmup_tolerance: Optional[float] = None
    random_stepsize: bool = False
    state_digits: int = 0  # 12: MADlib 1.x's state, rounded by Python 2's str() between passes


@dataclass
class FistaFit:
    coef: np.ndarray        # original scale
    intercept: float        # original scale
    log_likelihood: float   # MADlib's: -(mean loss + penalty) on the standardized data at lambda_value
    iterations: int         # MADlib's iteration_run: passes over the rows along the whole path
    converged: bool         # False when max_iter ended it
    reached_target: bool    # False when max_iter ended it before the last warm-up lambda
    state: Optional[np.ndarray] = None  # the final [intercept, coef...] on the original data (fitted intercept kept)
    penalty: float = 0.0    # the penalty of the final coefficients (standardized scale) at lambda_value
    fitted: Optional[np.ndarray] = None  # the final [intercept, coef...] on the data FISTA ran on (standardized)


@dataclass
class Scaling:
    """MADlib's standardization as a change of variables: the model on the standardized data
    ``(b, c)`` is ``(b + shift - c·mean/scale, c/scale)`` on the original data."""
    mean: np.ndarray
    scale: np.ndarray   # population standard deviation (1 where it is 0), or ones
    shift: float        # the response mean for standardized gaussian, else 0

    @staticmethod
    def of(mean, var, y_mean: float, standardize: bool, gaussian: bool, digits: int = 0) -> Scaling:
        """``digits``: rounded as MADlib 1.x's SQL text carried them (``str()`` of Python 2)."""
        k = len(mean)
        if not standardize:
            return Scaling(np.zeros(k), np.ones(k), 0.0)
        scale = np.sqrt(np.maximum(np.asarray(var, dtype=float), 0.0))
        scale[scale == 0] = 1.0
        mean, shift = np.asarray(mean, dtype=float), float(y_mean) if gaussian else 0.0
        if digits:
            r = _rounder(digits)
            mean, scale, shift = r(mean), r(scale), float(r(np.array([shift]))[0])
        return Scaling(mean, scale, shift)

    def to_original(self, b: float, c: np.ndarray) -> np.ndarray:
        co = c / self.scale
        return np.concatenate([[b + self.shift - co @ self.mean], co])

    def gradient_back(self, g: np.ndarray) -> np.ndarray:
        """The gradient in ``(b, c)`` from the gradient in the original ``(b_o, c_o)``."""
        return np.concatenate([[g[0]], (g[1:] - g[0] * self.mean) / self.scale])


def _rounder(digits: int) -> Callable[[np.ndarray], np.ndarray]:
    """Round to ``digits`` significant digits, as ``'%.{digits}g' % v`` does."""
    fmt = "%." + str(int(digits)) + "g"
    return np.vectorize(lambda v: float(fmt % v), otypes=[float])


def _soft(u: np.ndarray, t: float) -> np.ndarray:
    return np.sign(u) * np.maximum(np.abs(u) - t, 0.0)


def fista_steps(n: int, k: int, alpha: float, lambdas: list, scaling: Scaling, opts: FistaOptions,
                max_iter: int, tolerance: float, gaussian: bool, standardized: bool, group: object = None,
                rng: Optional[np.random.Generator] = None, divisor: Optional[int] = None
                ) -> Generator[list, list, FistaFit]:
    """MADlib's driver (``__compute_fista``) and aggregate (``fista_transition`` / ``_final`` /
    ``_state_diff``) as a generator. Yields a list of requests ``(point, want_gradient)``
    (points on the original scale), receives ``[(loss, gradient or None), ...]``, returns a
    :class:`FistaFit`. ``lambdas``: the warm-up path, ending at lambda_value. ``divisor``:
    what the gradient and the backtracking losses are averaged by (the rows, ``n``, unless
    told; under madlib_grouping = 1x the whole table's row count, as MADlib's documented grouped
    example was computed)."""
    total = n if divisor is None else divisor
    ll_factor = 2.0 if gaussian else 1.0  # MADlib's running log-likelihood sums r² (gaussian), log(1+e) (binomial)
    act_tol = tolerance if opts.activeset_tolerance is None else opts.activeset_tolerance
    warm_tol = tolerance if opts.warmup_tolerance is None else opts.warmup_tolerance
    rng = rng or np.random.default_rng()
    coef, coef_y, b_coef, grad = np.zeros(k), np.zeros(k), np.zeros(k), np.zeros(k)
    intercept = intercept_y = b_int = gi = 0.0
    tk, stepsize, backtracking, ll, fn, qfn = 1.0, opts.max_stepsize, 0, 0.0, 0.0, 0.0
    stepsize_sum, accepted = 0.0, 0
    lam = lambdas[0]
    idx, iteration, is_active, converged = 0, 0, False, False

    def penalty(c: np.ndarray, at: float) -> float:
        return at * ((1 - alpha) * (c @ c) / 2 + alpha * np.abs(c).sum())

    def proxy():
        return _soft(coef_y - stepsize * grad, lam * alpha * stepsize), intercept_y - stepsize * gi

    while True:
        interrupts.check()
        previous_ll = ll
        if lambdas[idx] != lam:  # the warm-up moved on: MADlib restores the initial conditions
            lam = lambdas[idx]
            tk, stepsize, stepsize_sum, accepted, backtracking, ll = 1.0, opts.max_stepsize, 0.0, 0, 0, 0.0
            coef_y, intercept_y = coef.copy(), intercept
        active = opts.use_active_set and is_active
        here = scaling.to_original(intercept, coef)
        if backtracking == 0:
            answers = yield [(scaling.to_original(intercept_y, coef_y), True), (here, False)]
        else:
            asks = [(scaling.to_original(b_int, b_coef), False), (here, False)]
            if backtracking == 1:
                asks.append((scaling.to_original(intercept_y, coef_y), False))
            answers = yield asks
        ll_acc = ll + ll_factor * answers[1][0]
        interrupts.report(None, answers[1][0] / n + penalty(coef, lam), group)  # the objective where the pass started
        l2 = lam * (1 - alpha)
        if backtracking == 0:
            g = scaling.gradient_back(np.asarray(answers[0][1], dtype=float)) / total
            grad, gi = g[1:], float(g[0])
            if active:
                grad = np.where(coef_y != 0, grad, 0.0)
            grad = grad + l2 * coef_y
            if opts.random_stepsize:
                avg = stepsize_sum / accepted if accepted else 0.0
                p = 1.0 / (1.0 + np.exp(0.5 * (np.log(stepsize / opts.max_stepsize) - avg) / np.log(opts.eta)))
                if rng.random() < p:
                    stepsize *= opts.eta
            b_coef, b_int = proxy()
            backtracking = 1
        else:
            fn = answers[0][0] / total + 0.5 * l2 * (b_coef @ b_coef)
            if backtracking == 1:
                qfn = answers[2][0] / total + 0.5 * l2 * (coef_y @ coef_y)
            r = b_coef - coef_y
            extra = r @ grad + 0.5 * (r @ r) / stepsize
            if gi != 0:
                extra -= 0.5 * gi * gi * stepsize
            if backtracking >= 3 or fn <= qfn + extra:
                old_tk = tk
                tk = 0.5 * (1 + np.sqrt(1 + 4 * old_tk * old_tk))
                coef_y = b_coef + (old_tk - 1) * (b_coef - coef) / tk
                intercept_y = b_int + (old_tk - 1) * (b_int - intercept) / tk
                coef, intercept = b_coef.copy(), b_int
                backtracking = 0
                if opts.random_stepsize:
                    stepsize_sum += np.log(stepsize) - np.log(opts.max_stepsize)
                    accepted += 1
            else:
                stepsize /= opts.eta
                b_coef, b_int = proxy()
                backtracking += 1
        ll = -(ll_acc / (2.0 * n) + penalty(coef, lam))
        if opts.state_digits:  # MADlib 1.x on Python 2: the state goes back to SQL through str()
            r = _rounder(opts.state_digits)
            coef, coef_y, b_coef, grad = r(coef), r(coef_y), r(b_coef), r(grad)
            intercept, intercept_y, b_int, gi, tk, stepsize, ll, fn, qfn, stepsize_sum = (
                float(v) for v in r(np.array([intercept, intercept_y, b_int, gi, tk, stepsize, ll, fn, qfn,
                                              stepsize_sum])))
        iteration += 1
        diff = 1e12 if backtracking > 0 else abs(abs(previous_ll) - abs(ll))
        last = idx == len(lambdas) - 1
        if opts.use_active_set:
            use_tol = act_tol if is_active else warm_tol if not last else tolerance
            if iteration >= max_iter or diff < use_tol:
                if iteration < max_iter:
                    if not is_active:
                        if not last:
                            idx += 1
                        else:
                            converged = True
                            break
                    else:
                        is_active = False
                else:
                    break
            elif backtracking == 0 and not is_active:
                is_active = True
        elif iteration >= max_iter or diff < tolerance:
            if iteration < max_iter and not last:
                idx += 1
            else:
                converged = diff < tolerance
                break
    final = yield [(scaling.to_original(intercept, coef), False)]
    log_likelihood = -(final[0][0] / n + penalty(coef, lambdas[-1]))
    point = scaling.to_original(intercept, coef)
    if gaussian and standardized:  # MADlib's _restore_scale: ȳ - Σ c x̄/s, the fitted intercept left out
        point[0] -= intercept
    return FistaFit(point[1:], float(point[0]), float(log_likelihood), iteration, converged, idx == len(lambdas) - 1,
                    scaling.to_original(intercept, coef), float(penalty(coef, lambdas[-1])),
                    np.concatenate([[intercept], coef]))


def gaussian_answer(n: int, mean: np.ndarray, comoment: np.ndarray) -> Callable[[list], list]:
    """Answers for :func:`fista_steps` from the centred co-moments of ``[y, x...]``: with
    ``d = ȳ - b - c·x̄`` the residual sum of squares is ``Cyy - 2c·Cxy + cᵀCxx c + n d²`` and
    its half-gradient ``-(Cxy - Cxx c + n x̄ d, n d)``, what a pass over the rows sums."""
    cyy, cxy, cxx = comoment[0, 0], comoment[1:, 0], comoment[1:, 1:]
    my, mx = mean[0], mean[1:]

    def answer(requests: list) -> list:
        out = []
        for point, want in requests:
            b, c = point[0], point[1:]
            d = my - b - c @ mx
            cxx_c = cxx @ c
            loss = 0.5 * max(cyy - 2 * (c @ cxy) + c @ cxx_c, 0.0) + 0.5 * n * d * d
            g = None
            if want:
                g = np.concatenate([[-n * d], -(cxy - cxx_c + n * d * mx)])
            out.append((float(loss), g))
        return out
    return answer


def binomial_answer(blocks: Callable[[], Iterator]) -> Callable[[list], list]:
    """Answers for :func:`fista_steps` by a pass over ``(X, y)`` blocks (y 0/1) in numpy:
    ``Σ log(1 + exp(-y±η))`` and its gradient ``Σ (p - y) [1, x]`` at every requested point,
    all points in the same pass."""
    def answer(requests: list) -> list:
        pts = np.array([p for p, _ in requests], dtype=float)
        want = np.array([w for _, w in requests])
        loss = np.zeros(len(requests))
        grads = np.zeros((len(requests), pts.shape[1]))
        for x, y in blocks():
            eta = x @ pts[:, 1:].T + pts[:, 0]  # rows x points
            loss += (np.logaddexp(0.0, eta) - y[:, None] * eta).sum(axis=0)
            if want.any():
                u = 1.0 / (1.0 + np.exp(-eta[:, want])) - y[:, None]
                grads[want, 0] += u.sum(axis=0)
                grads[want, 1:] += (x.T @ u).T
        return [(float(loss[i]), grads[i] if want[i] else None) for i in range(len(requests))]
    return answer


def run(steps: Generator, answer: Callable[[list], list]):
    """Drive one :func:`fista_steps` generator to its :class:`FistaFit`."""
    try:
        request = next(steps)
        while True:
            request = steps.send(answer(request))
    except StopIteration as stop:
        return stop.value
