"""SET indb_ml.madlib_statistics = on: MADlib's formulas where they leave the standard definition.

Default (the standard definition, statsmodels and R): the residual degrees of freedom of a
collinear design are n - rank, and r2 is centred with a constant column and uncentred
without. With the setting on, linregr_train and glm compute them as MADlib's C++ code does:

* linregr: MADlib's src/modules/regress/LinearRegression_impl.hpp, ``LinearRegression::compute``:
  ``tss = y'y - (sum y)^2 / n`` (always centred), ``ess = b'X'y - (sum y)^2 / n`` clamped to
  ``[0, tss]``, ``r2 = ess / tss`` (1 when tss is 0), ``rss = tss - ess``,
  ``variance = rss / (numRows - widthOfX)``, ``stdErr = sqrt(variance * pinv(X'X)_ii)``,
  p-values from Student's t with ``numRows - widthOfX`` degrees of freedom.
* glm: MADlib's src/modules/glm/GLM_impl.hpp, ``GLMAccumulator::apply`` (``dispersion =
  dispersion_accum / num_rows``, Pearson's chi2 of the last pass over n) and
  ``GLMResult::compute`` (``dispersion * n / (n - p)``, p the number of coefficients), and
  src/modules/glm/glm.cpp, ``glm_result_t_stats`` (std_err times sqrt(dispersion), p-values
  from Student's t with ``num_rows - num_features``); the log-likelihood is the last pass's at
  the dispersion of the pass before (family.hpp ``Gamma::loglik(y, mu, psi)``).

Every MADlib number below is computed in the test with numpy from those formulas; statsmodels
is the oracle of the defaults; MADlib's documented houses example (linear.sql_in) must not move.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import special, stats

from tests.helpers import load_table

HOUSES = [  # src/ports/postgres/modules/regress/linear.sql_in (the houses example)
    (1, 590, 2, 1, 50000, 770, 22100), (2, 1050, 3, 2, 85000, 1410, 12000),
    (3, 20, 3, 1, 22500, 1060, 3500), (4, 870, 2, 2, 90000, 1300, 17500),
    (5, 1320, 3, 2, 133000, 1500, 30000), (6, 1350, 2, 1, 90500, 820, 25700),
    (7, 2790, 3, 2.5, 260000, 2130, 25000), (8, 680, 2, 1, 142500, 1170, 22000),
    (9, 1840, 3, 2, 160000, 1500, 19000), (10, 3680, 4, 2, 240000, 2790, 20000),
    (11, 1660, 3, 1, 87000, 1030, 17500), (12, 1620, 3, 2, 118600, 1250, 20000),
    (13, 3100, 3, 2, 140000, 1760, 38000), (14, 2070, 2, 3, 148000, 1550, 14000),
    (15, 650, 3, 1.5, 65000, 1450, 12000),
]
# linear.sql_in, "SELECT * FROM houses_linregr"
HOUSES_LINREGR = {
    "coef": [-12849.4168959872, 28.9613922651765, 10181.6290712648, 50.516894915354],
    "r2": 0.768577580597443,
    "std_err": [33453.0344331391, 15.8992104963997, 19437.7710925923, 32.928023174087],
    "p_values": [0.708223134615422, 0.0958005827189772, 0.610804093526536, 0.153235085548186],
}
# linear.sql_in, "SELECT * FROM houses_linregr_bedroom ORDER BY bedroom": bedroom 2 (5 rows, 4
# features: one residual degree of freedom) and bedroom 4 (one row: r2 1, std_err 0, no p-values)
BEDROOM_2 = {"r2": 0.968809546465313,
             "std_err": [35018.9991665742, 19.5731125320686, 23036.8071292552, 49.0448678148784],
             "p_values": [0.250804617665239, 0.21605133377602, 0.180704400437373, 0.136272031474122]}


def fetch(conn, sql: str) -> list[dict]:
    cur = conn.execute(sql)
    names = [d.name for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def relative_error(got, want) -> float:
    got, want = np.asarray(got, float), np.asarray(want, float)
    return float(np.linalg.norm(got - want) / np.linalg.norm(want))


def madlib_linregr(x: np.ndarray, y: np.ndarray) -> dict:
    """LinearRegression_impl.hpp, LinearRegression::compute, in numpy."""
    n, k = x.shape
    xtx, xty = x.T @ x, x.T @ y
    inv = np.linalg.pinv(xtx)
    coef = inv @ xty
    tss = max(y @ y - y.sum() ** 2 / n, 0.0)
    ess = min(max(xty @ coef - y.sum() ** 2 / n, 0.0), tss)
    rss = tss - ess
    std_err = np.sqrt(rss / (n - k) * np.diag(inv))
    t = coef / std_err
    return {"coef": coef, "r2": 1.0 if tss == 0 else ess / tss, "std_err": std_err, "t_stats": t,
            "p_values": 2 * stats.t.sf(np.abs(t), n - k)}


@pytest.fixture
def collinear(postgresql):
    """120 rows, features 1, x1, x2, x1 + x2 (rank 3 of 4), and two responses for fits
    without an intercept."""
    rng = np.random.default_rng(140)
    x1, x2 = rng.normal(3, 2, 120), rng.normal(-1, 1, 120)
    y = 4 + 1.5 * x1 - 2 * x2 + rng.normal(0, 1.5, 120)
    far = 2 + 3 * x1 + rng.normal(0, 2, 120)  # no-intercept fit: centred and uncentred r2 differ
    flat = 10 + rng.normal(0, 1, 120)  # x2 explains it worse than its mean: MADlib's ESS < 0
    load_table(postgresql, "t", {"y": y, "x1": x1, "x2": x2, "far": far, "flat": flat})
    return postgresql, np.column_stack([np.ones(120), x1, x2, x1 + x2]), y, far, flat


def _linregr(conn, out: str, y: str, x: str, flag: bool) -> dict:
    conn.execute("SET indb_ml.madlib_statistics = " + ("on" if flag else "off"))
    conn.execute("SELECT indb_ml.linregr_train('t', %s, %s, %s)", [out, y, x])
    conn.execute("RESET indb_ml.madlib_statistics")
    return fetch(conn, "SELECT * FROM " + out)[0]


def test_linregr_collinear_degrees_of_freedom(collinear):
    conn, x, y, _, _ = collinear
    default = _linregr(conn, "lr_std", "y", "ARRAY[1, x1, x2, x1 + x2]", False)
    madlib = _linregr(conn, "lr_madlib", "y", "ARRAY[1, x1, x2, x1 + x2]", True)
    ref = sm.OLS(y, x).fit()  # pinv, df_resid = n - rank = 117
    assert ref.df_resid == 117
    for key, want in (("coef", ref.params), ("std_err", ref.bse), ("t_stats", ref.tvalues),
                      ("p_values", ref.pvalues)):
        np.testing.assert_allclose(default[key], want, rtol=1e-8, err_msg=key)
    assert default["r2"] == pytest.approx(ref.rsquared, rel=1e-12)
    want = madlib_linregr(x, y)  # n - k = 116
    np.testing.assert_allclose(madlib["coef"], default["coef"], rtol=1e-12)
    for key in ("coef", "std_err", "t_stats", "p_values"):
        np.testing.assert_allclose(madlib[key], want[key], rtol=1e-8, err_msg=key)
    assert madlib["r2"] == pytest.approx(want["r2"], rel=1e-12) == pytest.approx(default["r2"], rel=1e-12)
    # the ratio of the standard errors is exactly sqrt((n - rank) / (n - k))
    np.testing.assert_allclose(np.array(madlib["std_err"]) / default["std_err"], np.sqrt(117 / 116), rtol=1e-12)
    np.testing.assert_allclose(madlib["variance_covariance"],
                               np.array(default["variance_covariance"]) * 117 / 116, rtol=1e-10)


def test_linregr_without_intercept_r2(collinear):
    conn, x, _, far, flat = collinear
    for y, col, feature in ((far, "far", "x1"), (flat, "flat", "x2")):
        xs = x[:, 1:2] if feature == "x1" else x[:, 2:3]  # one feature, no constant column
        default = _linregr(conn, "d_" + col, col, f"ARRAY[{feature}]", False)
        madlib = _linregr(conn, "m_" + col, col, f"ARRAY[{feature}]", True)
        ref = sm.OLS(y, xs).fit()  # no constant: statsmodels' r2 is uncentred, 1 - rss / y'y
        assert default["r2"] == pytest.approx(ref.rsquared, rel=1e-10) == pytest.approx(
            1 - ref.ssr / (y @ y), rel=1e-10)
        np.testing.assert_allclose(default["std_err"], ref.bse, rtol=1e-9)
        want = madlib_linregr(xs, y)
        assert madlib["r2"] == pytest.approx(want["r2"], rel=1e-9, abs=1e-12), col
        np.testing.assert_allclose(madlib["std_err"], want["std_err"], rtol=1e-9, err_msg=col)
        np.testing.assert_allclose(madlib["p_values"], want["p_values"], rtol=1e-8, err_msg=col)
        assert madlib["coef"] == pytest.approx(default["coef"], rel=1e-12)
    # 'far': the centred r2 (MADlib's, 0.873) is below the uncentred one (statsmodels', 0.963)
    d_far, m_far = fetch(conn, "SELECT r2 FROM d_far")[0]["r2"], fetch(conn, "SELECT r2 FROM m_far")[0]["r2"]
    assert d_far > 0.95 > 0.9 > m_far > 0.8
    # 'flat': a no-intercept line explains less than the mean: MADlib clamps ESS to 0 (r2 0) and
    # its RSS to the centred TSS, so its standard error is below the standard one
    m, d = fetch(conn, "SELECT * FROM m_flat")[0], fetch(conn, "SELECT * FROM d_flat")[0]
    assert m["r2"] == 0.0 and m["std_err"][0] < d["std_err"][0]


def test_linregr_houses_documented_example_unchanged(postgresql):
    """With an intercept and a full-rank design the flag changes nothing: MADlib's documented
    houses numbers (linear.sql_in), grouped ones included (bedroom 4: one row)."""
    data = np.array(HOUSES, float)
    load_table(postgresql, "houses", {"tax": data[:, 1], "bedroom": data[:, 2].astype(int), "bath": data[:, 3],
                                      "price": data[:, 4], "size": data[:, 5]}, types={"bedroom": "int"})
    postgresql.execute("SET indb_ml.madlib_statistics = on")
    postgresql.execute("SELECT indb_ml.linregr_train('houses', 'h', 'price', 'ARRAY[1, tax, bath, size]')")
    postgresql.execute("SELECT indb_ml.linregr_train('houses', 'hb', 'price', 'ARRAY[1, tax, bath, size]', "
                       "'bedroom')")
    row = fetch(postgresql, "SELECT * FROM h")[0]
    for key, value in HOUSES_LINREGR.items():
        assert relative_error(row[key], value) < 1e-9, key
    by = {r["bedroom"]: r for r in fetch(postgresql, "SELECT * FROM hb")}
    for key, value in BEDROOM_2.items():
        assert relative_error(by[2][key], value) < 1e-9, key
    four = by[4]
    assert four["r2"] == 1.0 and four["std_err"] == [0.0] * 4 and four["p_values"] is None


@pytest.mark.parametrize("plan", ["aggregate", "memory"])
def test_glm_gaussian_collinear_dispersion(collinear, plan):
    conn, x, y, _, _ = collinear
    conn.execute("SET indb_ml.training_plan = " + plan)
    call = "SELECT indb_ml.glm('t', %s, 'y', 'ARRAY[1, x1, x2, x1 + x2]', 'family=gaussian', NULL, 'tolerance=1e-12')"
    conn.execute(call, ["g_std"])
    conn.execute("SET indb_ml.madlib_statistics = on")
    conn.execute(call, ["g_madlib"])
    default, madlib = fetch(conn, "SELECT * FROM g_std")[0], fetch(conn, "SELECT * FROM g_madlib")[0]
    ref = sm.GLM(y, x, family=sm.families.Gaussian()).fit(tol=1e-14, use_t=True)  # df_resid = n - rank
    np.testing.assert_allclose(default["std_err"], ref.bse, rtol=1e-8)
    np.testing.assert_allclose(default["p_values"], ref.pvalues, rtol=1e-7)
    assert default["dispersion"] == pytest.approx(ref.scale, rel=1e-9)
    # MADlib: the last pass is at the previous coefficients, the least-squares fit (the identity
    # link's IRLS solves it in one step): dispersion RSS / (n - k), std_err sqrt(pinv(X'X)_ii dispersion)
    coef = np.linalg.pinv(x) @ y
    rss = float(np.sum((y - x @ coef) ** 2))
    dispersion = rss / (120 - 4)
    std_err = np.sqrt(np.diag(np.linalg.pinv(x.T @ x)) * dispersion)
    assert madlib["dispersion"] == pytest.approx(dispersion, rel=1e-9)
    np.testing.assert_allclose(madlib["std_err"], std_err, rtol=1e-8)
    np.testing.assert_allclose(madlib["p_values"], 2 * stats.t.sf(np.abs(coef / std_err), 120 - 4), rtol=1e-7)
    np.testing.assert_allclose(madlib["coef"], default["coef"], rtol=1e-12)


@pytest.mark.parametrize("plan", ["aggregate", "memory"])
def test_glm_gamma_collinear_dispersion_and_loglik(postgresql, plan):
    rng = np.random.default_rng(141)
    x1 = rng.uniform(0, 2, 200)
    mu = np.exp(0.5 + 0.4 * x1)
    y = rng.gamma(5.0, mu / 5.0)
    load_table(postgresql, "g", {"y": y, "x1": x1})
    x = np.column_stack([np.ones(200), x1, 2 * x1])  # rank 2 of 3
    postgresql.execute("SET indb_ml.training_plan = " + plan)
    call = ("SELECT indb_ml.glm('g', %s, 'y', 'ARRAY[1, x1, 2 * x1]', 'family=gamma, link=log', NULL, "
            "'tolerance=1e-14, max_iter=100')")
    postgresql.execute(call, ["g_std"])
    postgresql.execute("SET indb_ml.madlib_statistics = on")
    postgresql.execute(call, ["g_madlib"])
    default, madlib = fetch(postgresql, "SELECT * FROM g_std")[0], fetch(postgresql, "SELECT * FROM g_madlib")[0]
    ref = sm.GLM(y, x, family=sm.families.Gamma(sm.families.links.Log())).fit(tol=1e-14)
    assert ref.df_resid == 198
    assert default["dispersion"] == pytest.approx(ref.scale, rel=1e-8)
    np.testing.assert_allclose(default["std_err"], ref.bse, rtol=1e-7)
    # MADlib: Pearson's chi2 / n * n / (n - p), p = 3 coefficients (GLMResult::compute)
    pearson = float(np.sum((y - ref.mu) ** 2 / ref.mu**2))
    assert madlib["dispersion"] == pytest.approx(pearson / (200 - 3), rel=1e-8)
    np.testing.assert_allclose(np.array(madlib["std_err"]) / default["std_err"], np.sqrt(198 / 197), rtol=1e-7)
    # the log-likelihood at MADlib's psi, Pearson's chi2 / n (family.hpp Gamma::loglik, in numpy)
    psi = pearson / 200
    theta = -1 / ref.mu
    madlib_ll = float(np.sum((y * theta + np.log(-theta)) / psi + np.log(y / psi) / psi - np.log(y)
                             - special.gammaln(1 / psi)))
    assert madlib["log_likelihood"] == pytest.approx(madlib_ll, rel=1e-8)
    # the default takes MADlib's scale too (no single standard: statsmodels' llf is at Pearson / (n - rank))
    assert default["log_likelihood"] == pytest.approx(madlib_ll, rel=1e-8)
    assert default["log_likelihood"] != pytest.approx(ref.llf, rel=1e-6)


# glm/test/gaussian.sql_in (MADlib's install-check; the rows are tests/fixtures/madlib_abalone.csv):
# family=gaussian, link=identity on the whole table, at MADlib's default glm tolerance
ABALONE_GAUSSIAN = {
    "log_likelihood": -119.506940681,
    "std_err": [1.78323811632271, 12.5513613314091, 15.7314928158976, 20.2562380620116, 5.89920538789372,
                6.76993998744087, 10.0832608221583, 9.93889730891343],
    "dispersion": 3.62838797857,
}

GAMMA_INVERSE_STD_ERR = [0.03053013546653977, 0.15001461111072004, 0.19141556656980133, 0.22874261855077344,
                         0.05597759436102569, 0.07131536657263171, 0.10410643904742965, 0.10620865917681811]


def test_glm_abalone_documented_numbers_with_the_flag(postgresql):
    """A full-rank design: n - k = n - rank, so the flag moves only what is a step behind; the
    documented numbers hold under it, and its log-likelihood is MADlib's own computation."""
    csv = (Path(__file__).parent / "fixtures" / "madlib_abalone.csv").read_text()
    postgresql.execute("CREATE TABLE abalone (id int, sex text, length float8, diameter float8, height float8, "
                       "whole float8, shucked float8, viscera float8, shell float8, rings int)")
    with postgresql.cursor().copy("COPY abalone FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
        copy.write(csv)
    x = "ARRAY[1, length, diameter, height, whole, shucked, viscera, shell]"
    postgresql.execute("SELECT indb_ml.glm('abalone', 'a_std', 'rings', %s, 'family=gaussian')", [x])
    postgresql.execute("SET indb_ml.madlib_statistics = on")
    postgresql.execute("SELECT indb_ml.glm('abalone', 'a_madlib', 'rings', %s, 'family=gaussian')", [x])
    default, madlib = fetch(postgresql, "SELECT * FROM a_std")[0], fetch(postgresql, "SELECT * FROM a_madlib")[0]
    for key, want in ABALONE_GAUSSIAN.items():
        assert relative_error(madlib[key], want) < 1e-4, key
    assert madlib["coef"] == default["coef"] and madlib["num_iterations"] == default["num_iterations"]
    # the documented log-likelihood (12 digits) to round-off: gaussian identity converges at once
    assert madlib["log_likelihood"] == pytest.approx(ABALONE_GAUSSIAN["log_likelihood"], rel=1e-10)
    # glm/test/gamma.sql_in, family=gamma, link=inverse (MADlib runs it to 'tolerance=1e-16')
    postgresql.execute("SELECT indb_ml.glm('abalone', 'g_madlib', 'rings', %s, 'family=gamma, link=inverse', "
                       "NULL, 'max_iter=100, tolerance=1e-12')", [x])
    gamma = fetch(postgresql, "SELECT * FROM g_madlib")[0]
    assert relative_error(gamma["std_err"], GAMMA_INVERSE_STD_ERR) < 1e-4
    assert relative_error(gamma["dispersion"], 0.04651952476439187) < 1e-4
