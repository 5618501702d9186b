"""glm against statsmodels GLM for every family and link MADlib lists; predict; bad input."""

from __future__ import annotations

import numpy as np
import psycopg.errors as E
import pytest
import statsmodels.api as sm
from scipy import stats

from indb_ml.kernels.glm import FAMILIES

L = sm.families.links
SM_FAMILY = {"gaussian": sm.families.Gaussian, "binomial": sm.families.Binomial, "poisson": sm.families.Poisson,
             "gamma": sm.families.Gamma, "inverse_gaussian": sm.families.InverseGaussian}
SM_LINK = {"identity": L.Identity, "log": L.Log, "inverse": L.InversePower, "sqr_inverse": L.InverseSquared,
           "logit": L.Logit, "probit": L.Probit, "sqrt": L.Sqrt}
CASES = [(f, link) for f, (_, links, _) in FAMILIES.items() for link in links]


def gaussian_ml_llf(ref, y) -> float:
    """The gaussian log-likelihood at the maximum-likelihood scale RSS/n whatever the link, as
    MADlib and R (logLik) take it (statsmodels' llf does so for the identity link only)."""
    n, rss = len(y), float(np.sum((y - ref.fittedvalues) ** 2))
    return -n / 2 * (np.log(2 * np.pi * rss / n) + 1)


def dispersed_llf(ref, y) -> float:
    """gamma and inverse_gaussian: the log-likelihood at Pearson's chi2 / n, as MADlib's
    (src/modules/glm/family.hpp); statsmodels' llf takes its scale, chi2 / (n - p)."""
    return float(ref.family.loglike(y, ref.fittedvalues, scale=ref.pearson_chi2 / len(y)))


def simulate(fam: str, link: str, n: int, seed: int):
    rng = np.random.default_rng(seed)
    x = np.column_stack([np.ones(n), rng.uniform(0.5, 1.5, size=(n, 2))])
    eta = x @ np.array([0.3, 0.4, 0.2])
    mu = {"identity": eta, "log": np.exp(eta), "inverse": 1 / eta, "sqr_inverse": 1 / np.sqrt(eta),
          "logit": 1 / (1 + np.exp(-(eta - 1))), "probit": stats.norm.cdf(eta - 1), "sqrt": eta**2}[link]
    y = {"gaussian": lambda: mu + rng.normal(scale=0.3, size=n), "binomial": lambda: (rng.random(n) < mu) * 1.0,
         "poisson": lambda: rng.poisson(mu * 5) * 1.0, "gamma": lambda: rng.gamma(4, mu / 4),
         "inverse_gaussian": lambda: rng.wald(mu, 5)}[fam]()
    return x, y


def load(conn, x, y, name="d"):
    conn.execute(f"CREATE TABLE {name} (y float8, x1 float8, x2 float8)")
    with conn.cursor().copy(f"COPY {name} FROM STDIN") as copy:
        for i in range(len(y)):
            copy.write_row([y[i], x[i, 1], x[i, 2]])


@pytest.mark.parametrize("fam, link", CASES)
def test_glm_matches_statsmodels(postgresql, fam, link):
    x, y = simulate(fam, link, 1500, hash((fam, link)) % 1000)
    load(postgresql, x, y)
    postgresql.execute("SELECT indb_ml.glm('d', 'm', 'y', 'ARRAY[1, x1, x2]', %s, NULL, "
                       "'max_iter=200, tolerance=1e-12')", [f"family={fam}, link={link}"])
    stat = "t_stats" if FAMILIES[fam][2] else "z_stats"
    coef, ll, se, z, p, disp, n, iters, status = postgresql.execute(
        f"SELECT coef, log_likelihood, std_err, {stat}, p_values, dispersion, num_rows_processed, num_iterations, "
        "status FROM m").fetchone()
    # use_t: p-values from Student t with n - p degrees of freedom for the families with a dispersion
    ref = sm.GLM(y, x, family=SM_FAMILY[fam](SM_LINK[link]())).fit(tol=1e-12, maxiter=200,
                                                                   use_t=FAMILIES[fam][2])
    np.testing.assert_allclose(coef, ref.params, rtol=1e-7)
    np.testing.assert_allclose(se, ref.bse, rtol=1e-6)
    np.testing.assert_allclose(z, ref.tvalues, rtol=1e-6)
    np.testing.assert_allclose(p, ref.pvalues, rtol=1e-5, atol=1e-300)
    want = {"gaussian": gaussian_ml_llf, "gamma": dispersed_llf, "inverse_gaussian": dispersed_llf}.get(
        fam, lambda ref, y: ref.llf)(ref, y)
    assert ll == pytest.approx(want, rel=1e-9)
    assert disp == pytest.approx(ref.scale, rel=1e-8)
    assert (n, status) == (1500, "converged") and 1 <= iters <= 200
    eta = float(np.dot(coef, [1, 1.0, 0.5]))
    pred = postgresql.execute("SELECT indb_ml.glm_predict(%s, ARRAY[1, 1.0, 0.5], %s)", [coef, link]).fetchone()[0]
    assert pred == pytest.approx(float(SM_LINK[link]().inverse(eta)), rel=1e-9)


def test_glm_grouping_and_summary(postgresql):
    x, y = simulate("poisson", "log", 2000, 5)
    load(postgresql, x, y)
    postgresql.execute("ALTER TABLE d ADD COLUMN g text")
    postgresql.execute("UPDATE d SET g = CASE WHEN x1 > 1 THEN 'hi' ELSE 'lo' END")
    postgresql.execute("SELECT indb_ml.glm('d', 'mg', 'y', 'ARRAY[1, x1, x2]', 'family=poisson', 'g')")
    for gv, mask in (("hi", x[:, 1] > 1), ("lo", x[:, 1] <= 1)):
        coef = postgresql.execute("SELECT coef FROM mg WHERE g = %s", [gv]).fetchone()[0]
        ref = sm.GLM(y[mask], x[mask], family=sm.families.Poisson()).fit(tol=1e-12)
        np.testing.assert_allclose(coef, ref.params, rtol=1e-5)
    assert postgresql.execute("SELECT family_params, num_all_groups, num_failed_groups FROM mg_summary").fetchone() \
        == ("family=poisson, link=log", 2, 0)


@pytest.mark.parametrize("y_sql, family_params, optim, message", [
    ("y - 100", "family=poisson", None, "non-negative integer counts"),
    ("y - 10", "family=gamma", None, "positive dependent"),
    ("y", "family=binomial", None, "boolean or 0/1"),
    ("y", "family=tweedie", None, "unknown family 'tweedie'"),
    ("y", "family=poisson, link=logit", None, "family poisson has no link 'logit'"),
    ("y", "family=poisson; DROP TABLE d", None, "cannot parse family_params"),
    ("y", "family=poisson, color=red", None, "unknown parameter 'color'"),
    ("y", "family=poisson", "max_iter=ten", "max_iter='ten' is not a valid int"),
    ("y", "family=poisson", "optimizer=newton-cg", "optimizer 'newton-cg' is not available"),
    ("y", "link=log", None, "must name a family"),
])
def test_glm_bad_input(postgresql, y_sql, family_params, optim, message):
    x, y = simulate("poisson", "log", 200, 1)
    load(postgresql, x, y)
    with pytest.raises((E.InvalidParameterValue, E.DatatypeMismatch), match=message), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.glm('d', 'm', %s, 'ARRAY[1, x1, x2]', %s, NULL, %s)",
                           [y_sql, family_params, optim])
    assert postgresql.execute("SELECT to_regclass('m'), to_regclass('m_summary')").fetchone() == (None, None)
    assert postgresql.execute("SELECT count(*) FROM d").fetchone()[0] == 200


def test_glm_usage_and_predict_errors(postgresql):
    assert "inverse_gaussian" in postgresql.execute("SELECT indb_ml.glm()").fetchone()[0]
    with pytest.raises(E.InvalidParameterValue, match="unknown link"):
        postgresql.execute("SELECT indb_ml.glm_predict('{1}', '{1}', 'cloglog')")


def test_glm_predict_poisson_and_binomial(postgresql):
    count, cls = postgresql.execute("SELECT indb_ml.glm_predict_poisson('{1, 0.5}', '{1, 2}', 'log'), "
                                    "indb_ml.glm_predict_binomial('{0.2, -1}', '{1, 1}', 'logit')").fetchone()
    assert count == round(np.exp(2.0)) and cls == bool(1 / (1 + np.exp(0.8)) >= 0.5)
