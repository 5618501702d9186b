"""glm starts and iterates as MADlib's (issue 14), on both plans.

MADlib's first IRLS pass takes mu = init(y) of the link (src/modules/glm/link.hpp in
apache/madlib: identity y + 0.1, log max(y, 0.1), sqrt max(y, 0), inverse and sqr_inverse
y == 0 ? 0.1 : y + 0.1, logit and probit (y + 0.5) / 2), eta = g(mu) and the working response
eta itself (GLM_impl.hpp); its stopping rule compares the log-likelihoods of consecutive
passes, for a family with a dispersion at the dispersion of the pass before (Pearson / n, 1
after the start). The oracle here is a plain numpy transcription of those rules, written
independently of indb_ml.kernels.glm, and statsmodels for the optimum; the aggregate plan
(C ``_glm_step``) and the memory plan (numpy) must give the same iterations and coefficients.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import special, stats

from tests.helpers import load_table
from tests.test_madlib_numbers import warpbreaks as warpbreaks_data

N = 400
PLANS = ("aggregate", "memory")

INIT = {
    "identity": lambda y: y + 0.1, "log": lambda y: np.maximum(y, 0.1), "sqrt": lambda y: np.maximum(y, 0.0),
    "inverse": lambda y: np.where(y == 0, 0.1, y + 0.1), "sqr_inverse": lambda y: np.where(y == 0, 0.1, y + 0.1),
    "logit": lambda y: (y + 0.5) / 2, "probit": lambda y: (y + 0.5) / 2,
}
LINK = {  # g, mean function G = g^-1, G'
    "identity": (lambda m: m, lambda e: e, lambda e: np.ones_like(e)),
    "log": (np.log, np.exp, np.exp),
    "sqrt": (np.sqrt, lambda e: e * e, lambda e: 2 * e),
    "inverse": (lambda m: 1 / m, lambda e: 1 / e, lambda e: -1 / e**2),
    "sqr_inverse": (lambda m: 1 / m**2, lambda e: 1 / np.sqrt(e), lambda e: -0.5 / np.sqrt(e**3)),
    "logit": (special.logit, special.expit, lambda e: special.expit(e) * (1 - special.expit(e))),
    "probit": (special.ndtri, special.ndtr, stats.norm.pdf),
}
VARIANCE = {"gaussian": lambda m: np.ones_like(m), "poisson": lambda m: m, "binomial": lambda m: m * (1 - m),
            "gamma": lambda m: m * m, "inverse_gaussian": lambda m: m**3}


def family_loglik(fam, y, mu, psi):
    """MADlib's family.hpp log-likelihoods, summed."""
    if fam == "poisson":
        return np.sum(special.xlogy(y, mu) - mu - special.gammaln(y + 1))
    if fam == "binomial":
        return np.sum(special.xlogy(y, mu) + special.xlog1py(1 - y, -mu))
    if fam == "gaussian":
        return np.sum(-(y - mu) ** 2 / (2 * psi) - 0.5 * np.log(2 * np.pi * psi))
    if fam == "gamma":
        return np.sum((-y / mu - np.log(mu)) / psi + np.log(y / psi) / psi - np.log(y) - special.gammaln(1 / psi))
    return np.sum(-(y - mu) ** 2 / (2 * y * mu**2 * psi) - 0.5 * np.log(2 * np.pi * y**3 * psi))


def madlib_irls(fam, link, x, y, tolerance=1e-6, max_iter=100):
    """``(coef, iterations)`` by MADlib's rules (see the module docstring)."""
    g, mean, dmean = LINK[link]
    dispersed = fam in ("gaussian", "gamma", "inverse_gaussian")
    mu = INIT[link](y)
    eta = g(mu)
    with np.errstate(invalid="ignore"):  # the sqrt link's mu = 0: the limit of G'^2 / V, 4 (indb_ml's; 0/0 in MADlib)
        w = np.where(mu == 0, 4.0, dmean(eta) ** 2 / VARIANCE[fam](mu))
    beta = np.linalg.pinv((x * w[:, None]).T @ x) @ ((x * w[:, None]).T @ eta)
    previous = np.nan if dispersed else family_loglik(fam, y, mu, 1.0)
    psi = 1.0
    for iteration in range(2, max_iter + 1):
        eta = x @ beta
        mu = mean(eta)
        gp = dmean(eta)
        v = VARIANCE[fam](mu)
        ll = family_loglik(fam, y, mu, psi)
        w = gp**2 / v
        beta = beta + np.linalg.pinv((x * w[:, None]).T @ x) @ (x.T @ ((y - mu) * gp / v))
        psi = np.sum((y - mu) ** 2 / v) / len(y)
        if abs(ll - previous) / min(abs(ll), abs(previous)) < tolerance:
            return beta, iteration
        previous = ll
    return beta, max_iter


@pytest.fixture
def data(postgresql):
    rng = np.random.default_rng(5)
    x1, x2 = rng.uniform(0, 1, N), rng.normal(size=N)
    g = rng.integers(0, 2, N)
    counts = rng.poisson(np.exp(0.3 + 0.8 * x1 - 0.3 * x2)).astype(float)  # zeros included
    positive = rng.gamma(4.0, np.exp(1.0 + 0.5 * x1) / 4.0)
    binary = (rng.random(N) < special.expit(-0.2 + x1 + 0.7 * x2)).astype(float)
    gauss = 2.0 + 1.5 * x1 - 0.7 * x2 + rng.normal(scale=0.5, size=N)
    load_table(postgresql, "d", {"id": np.arange(N), "g": g, "x1": x1, "x2": x2, "cnt": counts, "pos": positive,
                                 "bin": binary, "gau": gauss}, {"id": "int", "g": "int"})
    x = np.column_stack([np.ones(N), x1, x2])
    return postgresql, x, {"cnt": counts, "pos": positive, "bin": binary, "gau": gauss}, g


CASES = [("poisson", "log", "cnt"), ("poisson", "sqrt", "cnt"), ("poisson", "identity", "pos"),
         ("binomial", "logit", "bin"), ("binomial", "probit", "bin"), ("gaussian", "identity", "gau"),
         ("gaussian", "log", "gau"), ("gamma", "inverse", "pos"), ("gamma", "log", "pos"),
         ("gamma", "identity", "pos"), ("inverse_gaussian", "sqr_inverse", "pos"), ("inverse_gaussian", "log", "pos")]


def run(conn, plan, fam, link, ycol, table="m"):
    conn.execute(f"SET indb_ml.training_plan = {plan}")
    dep = f"round({ycol})" if (fam, link) == ("poisson", "identity") else ycol
    conn.execute(f"DROP TABLE IF EXISTS {table}, {table}_summary")
    conn.execute(f"SELECT indb_ml.glm('d', '{table}', '{dep}', 'ARRAY[1, x1, x2]', 'family={fam}, link={link}')")
    return conn.execute(f"SELECT coef, num_iterations, status FROM {table}").fetchone()


@pytest.mark.parametrize("fam,link,ycol", CASES)
def test_iterations_and_coefficients_are_madlibs(data, fam, link, ycol):
    """Both plans: MADlib's iteration count and coefficients (the numpy transcription of its
    rules) at the default tolerance, and statsmodels' optimum to what that tolerance leaves."""
    conn, x, ys, _ = data
    y = np.round(ys[ycol]) if (fam, link) == ("poisson", "identity") else ys[ycol]
    want, iterations = madlib_irls(fam, link, x, y)
    got = {plan: run(conn, plan, fam, link, ycol) for plan in PLANS}
    for plan, (coef, iters, status) in got.items():
        assert status == "converged" and iters == iterations, (plan, iters, iterations)
        np.testing.assert_allclose(coef, want, rtol=1e-9, atol=1e-11, err_msg=plan)
    np.testing.assert_allclose(got["aggregate"][0], got["memory"][0], rtol=1e-11, atol=1e-13)
    sm_family = {"poisson": sm.families.Poisson, "binomial": sm.families.Binomial, "gaussian": sm.families.Gaussian,
                 "gamma": sm.families.Gamma, "inverse_gaussian": sm.families.InverseGaussian}[fam]
    sm_link = {"identity": sm.families.links.Identity, "log": sm.families.links.Log, "sqrt": sm.families.links.Sqrt,
               "inverse": sm.families.links.InversePower, "sqr_inverse": sm.families.links.InverseSquared,
               "logit": sm.families.links.Logit, "probit": sm.families.links.Probit}[link]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' DomainWarning for the non-canonical links
        ref = sm.GLM(y, x, family=sm_family(sm_link())).fit(tol=1e-14, maxiter=500)
    assert np.max(np.abs(got["memory"][0] - ref.params)) / np.max(np.abs(ref.params)) < 1e-3


def test_zero_counts_with_the_sqrt_link(data):
    """MADlib's sqrt start at a zero count is mu = 0, where its weight G'(eta)^2 / V(mu) is 0/0;
    indb_ml takes the limit, 4, on both plans, and converges to statsmodels' optimum."""
    conn, x, ys, _ = data
    assert np.sum(ys["cnt"] == 0) > 20
    rows = [run(conn, plan, "poisson", "sqrt", "cnt") for plan in PLANS]
    assert rows[0][1] == rows[1][1] and rows[0][2] == "converged"
    np.testing.assert_allclose(rows[0][0], rows[1][0], rtol=1e-11)


@pytest.mark.parametrize("plan", PLANS)
def test_grouped_glm_with_a_singular_group_writes_every_row(data, plan):
    """A group whose design is singular (x2 constant 0 in it, a group of one row, a binomial
    group all 1, a poisson group all 0, a constant gamma or inverse_gaussian response: an
    exact fit) gets a row, converged, as MADlib writes one, and no Python error; the regular
    group's coefficients are MADlib's on its rows."""
    conn, x, ys, g = data
    conn.execute("CREATE TABLE s AS SELECT id, g, x1, x2, cnt, bin, gau, pos FROM d")
    conn.execute("INSERT INTO s SELECT id + 1000, 2, x1, 0, cnt, bin, gau, pos FROM d WHERE id < 50")  # x2 = 0
    conn.execute("INSERT INTO s VALUES (5000, 3, 0.5, 0.5, 3, 1, 1.0, 2.0)")  # one row, three features
    # y all 0 (poisson), all 1 (binomial), constant (gamma, inverse_gaussian: an exact fit, n > p)
    conn.execute("INSERT INTO s SELECT id + 2000, 4, x1, x2, 0, 1, gau, 1.5 FROM d WHERE id < 30")
    conn.execute(f"SET indb_ml.training_plan = {plan}")
    links = {"gaussian": "identity", "poisson": "log", "binomial": "logit", "gamma": "inverse",
             "inverse_gaussian": "sqr_inverse"}
    for fam, ycol in (("gaussian", "gau"), ("poisson", "cnt"), ("binomial", "bin"), ("gamma", "pos"),
                      ("inverse_gaussian", "pos")):
        conn.execute("DROP TABLE IF EXISTS sm_out, sm_out_summary")
        conn.execute(f"SELECT indb_ml.glm('s', 'sm_out', '{ycol}', 'ARRAY[1, x1, x2]', 'family={fam}', 'g')")
        rows = {r[0]: r[1:] for r in conn.execute(
            "SELECT g, coef, status, num_iterations, num_rows_processed FROM sm_out ORDER BY g").fetchall()}
        assert sorted(rows) == [0, 1, 2, 3, 4], fam
        assert rows[2][3] == 50 and rows[3][3] == 1 and rows[4][3] == 30
        for key, (coef, status, iters, _) in rows.items():
            assert status == "converged", (fam, key, status)
            assert coef is not None and len(coef) == 3 and iters >= 1, (fam, key)
        sel = g == 0
        want, _ = madlib_irls(fam, links[fam], x[sel], ys[ycol][sel])
        np.testing.assert_allclose(rows[0][0], want, rtol=1e-9, err_msg=fam)
        if fam == "gaussian":  # x2 = 0 in group 2: MADlib's minimum-norm solution puts 0 on it
            assert rows[2][0][2] == pytest.approx(0.0, abs=1e-9) and rows[2][1] == "converged"
        summary = conn.execute("SELECT num_all_groups FROM sm_out_summary").fetchone()
        assert summary == (5,)


@pytest.mark.parametrize("plan", PLANS)
def test_warpbreaks_grouped_by_wool(postgresql, plan):
    """poisson.sql_in's grouped check (R's values for wool A, to 1e-4 as MADlib asserts them),
    with each group's iteration count and coefficients by MADlib's rules."""
    conn, x, y = warpbreaks_data.__wrapped__(postgresql)
    conn.execute(f"SET indb_ml.training_plan = {plan}")
    conn.execute("SELECT indb_ml.glm('warpbreaks_dummy', 'grp', 'breaks', 'ARRAY[1.0, \"tension_M\", \"tension_H\"]', "
                 "'family=poisson, link=log', 'wool', 'max_iter=100,optimizer=irls,tolerance=1e-6', TRUE)")
    rows = {r[0]: r[1:] for r in conn.execute(
        "SELECT wool, coef, log_likelihood, std_err, z_stats, num_iterations FROM grp").fetchall()}
    # src/ports/postgres/modules/glm/test/poisson.sql_in, WHERE wool = 'A'
    coef, ll, se, z, _ = rows["A"]
    np.testing.assert_allclose(coef, [3.7967, -0.6187, -0.5958], rtol=1e-4)
    assert ll == pytest.approx(-129.496, rel=1e-4)
    np.testing.assert_allclose(se, [0.04994, 0.08440, 0.08378], rtol=1e-4)
    np.testing.assert_allclose(z, [76.030, -7.330, -7.112], rtol=1e-4)
    wool_b = x[:, 1] == 1
    for wool, sel in (("A", ~wool_b), ("B", wool_b)):
        want, iterations = madlib_irls("poisson", "log", x[sel][:, [0, 2, 3]], y[sel])
        assert rows[wool][4] == iterations, wool
        np.testing.assert_allclose(rows[wool][0], want, rtol=1e-10)
