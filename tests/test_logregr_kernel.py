"""The logistic IRLS kernel in-process: reusing a Hessian near the optimum changes nothing
beyond the bounds :func:`indb_ml.kernels.logregr.irls_steps` states, and saves the passes."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from indb_ml.kernels import logregr as K


def data(n, k, seed):
    rng = np.random.default_rng(seed)
    x = np.column_stack([np.ones(n), rng.normal(size=(n, k - 1)) * rng.uniform(0.5, 3, k - 1)])
    w = rng.normal(size=k) * 0.5
    y = (rng.random(n) < special.expit(x @ w)).astype(float)
    return x, y


def run(x, y, tolerance, reach):
    """irls_steps driven by hand: the fit and the passes taken, as ('full' | 'gradient', w)."""
    k = x.shape[1]
    columns = K.column_slices(lambda: iter([(x, y)]), k)
    assert np.array_equal(columns.reach, np.abs(x).max(axis=0))
    passes = []

    def evaluate(request):
        if isinstance(request, K.GradientPass):
            passes.append("gradient")
            return K._column_pass(columns.slices, request.w, k, hessian=False)
        passes.append("full")
        return K._column_pass(columns.slices, request, k)

    steps = K.irls_steps(k, 100, tolerance, reach=columns.reach if reach else None)
    return K.drive(steps, evaluate), passes


@pytest.mark.parametrize("n, k, seed", [(200_000, 11, 0), (5000, 3, 1), (60, 4, 2)])
@pytest.mark.parametrize("tolerance", [1e-4, 1e-8, 0.0])
def test_hessian_reuse_agrees_with_full_passes(n, k, seed, tolerance):
    x, y = data(n, k, seed)
    exact, every = run(x, y, tolerance, reach=False)
    fast, taken = run(x, y, tolerance, reach=True)
    assert set(every) == {"full"} and exact.status == fast.status
    # the iteration count is MADlib's rule on the same log-likelihoods
    assert fast.num_iterations == exact.num_iterations
    # coefficients: the reused-Hessian step differs by 1e-6 of a step already below 1e-6
    np.testing.assert_allclose(fast.coef, exact.coef, rtol=1e-11, atol=1e-12)
    # statistics: the Hessian held is within exp(1e-8) of the one at the point
    np.testing.assert_allclose(fast.std_err, exact.std_err, rtol=1e-8)
    np.testing.assert_allclose(fast.variance_covariance, exact.variance_covariance, rtol=2e-8, atol=1e-300)
    assert fast.log_likelihood == pytest.approx(exact.log_likelihood, rel=1e-13, abs=1e-12)
    assert fast.condition_no == pytest.approx(exact.condition_no, rel=1e-8)
    # an oracle apart from both: the gradient at the coefficients is zero to the tolerance's scale
    p = special.expit(x @ fast.coef)
    assert np.abs(x.T @ (y - p)).max() < 1e-4 * np.sqrt(n)
    assert len(taken) <= len(every)


def test_reuse_saves_the_last_passes():
    # 200k x 11 to 1e-8: the last iterate's sums are the expansion, the statistics take no pass
    x, y = data(200_000, 11, 2)
    _, every = run(x, y, 1e-8, reach=False)
    _, taken = run(x, y, 1e-8, reach=True)
    assert len(taken) == len(every) - 2 and set(taken) == {"full"}
    # 1M x 11, another draw: the last step moved more, so a gradient-only pass and the statistics' own
    x, y = data(1_000_000, 11, 2)
    _, every = run(x, y, 1e-8, reach=False)
    _, taken = run(x, y, 1e-8, reach=True)
    assert taken[-2:] == ["gradient", "full"] and taken.count("gradient") == 1 and len(taken) == len(every)


def test_no_reuse_far_from_the_optimum():
    # max_iter 2: the steps are large, every pass is whole and the statistics take their own
    x, y = data(5000, 3, 1)
    columns = K.column_slices(lambda: iter([(x, y)]), 3)
    requests = []

    def evaluate(request):
        requests.append(request)
        return K._column_pass(columns.slices, request, 3)

    fit = K.drive(K.irls_steps(3, 2, 1e-8, reach=columns.reach), evaluate)
    assert fit.status == "max_iter" and len(requests) == 3
    assert not any(isinstance(r, K.GradientPass) for r in requests)
    # the statistics are those at the coefficients reported
    np.testing.assert_allclose(K._column_pass(columns.slices, fit.coef, 3).log_likelihood, fit.log_likelihood,
                               rtol=1e-15)
