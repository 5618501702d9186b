"""robust_variance_linregr / _logregr against statsmodels with cov_type='HC0'."""

from __future__ import annotations

import numpy as np
import psycopg.errors as E
import pytest
import statsmodels.api as sm
from scipy import stats


@pytest.fixture
def pts(postgresql):
    rng = np.random.default_rng(23)
    x = rng.normal(size=(1500, 2))
    y = 1 + x @ [0.5, -1.0] + rng.normal(size=1500) * (1 + np.abs(x[:, 0]))  # heteroskedastic
    b = rng.random(1500) < 1 / (1 + np.exp(-(0.2 + x @ [1.0, -0.5])))
    g = np.where(x[:, 1] > 0, "a", "b")
    postgresql.execute("CREATE TABLE pts (g text, y float8, b boolean, x1 float8, x2 float8)")
    with postgresql.cursor().copy("COPY pts FROM STDIN") as copy:
        for i in range(1500):
            copy.write_row([g[i], y[i], bool(b[i]), *x[i]])
    return postgresql, np.column_stack([np.ones(1500), x]), y, b.astype(float), g


def test_robust_linregr_matches_statsmodels_hc0(pts):
    conn, x, y, _, g = pts
    conn.execute("SELECT indb_ml.robust_variance_linregr('pts', 'r', 'y', 'ARRAY[1, x1, x2]')")
    coef, se, t, p, n = conn.execute("SELECT coef, std_err, t_stats, p_values, num_rows_processed FROM r").fetchone()
    ref = sm.OLS(y, x).fit(cov_type="HC0")
    np.testing.assert_allclose(coef, ref.params, rtol=1e-10)
    np.testing.assert_allclose(se, ref.bse, rtol=1e-10)
    np.testing.assert_allclose(t, ref.tvalues, rtol=1e-10)
    np.testing.assert_allclose(p, ref.pvalues, rtol=1e-8, atol=1e-300)
    assert n == 1500
    conn.execute("SELECT indb_ml.robust_variance_linregr('pts', 'rg', 'y', 'ARRAY[1, x1, x2]', 'g')")
    se_a = conn.execute("SELECT std_err FROM rg WHERE g = 'a'").fetchone()[0]
    np.testing.assert_allclose(se_a, sm.OLS(y[g == "a"], x[g == "a"]).fit(cov_type="HC0").bse, rtol=1e-10)


def test_robust_logregr_matches_statsmodels_hc0(pts):
    conn, x, _, b, _ = pts
    conn.execute("SELECT indb_ml.robust_variance_logregr('pts', 'r', 'b', 'ARRAY[1, x1, x2]', NULL, 50, 'irls', "
                 "1e-12)")
    coef, se, z, p = conn.execute("SELECT coef, std_err, z_stats, p_values FROM r").fetchone()
    ref = sm.Logit(b, x).fit(disp=0, tol=1e-12, cov_type="HC0")
    np.testing.assert_allclose(coef, ref.params, rtol=1e-7)
    np.testing.assert_allclose(se, ref.bse, rtol=1e-6)
    np.testing.assert_allclose(z, ref.tvalues, rtol=1e-6)
    np.testing.assert_allclose(p, ref.pvalues, rtol=1e-5, atol=1e-300)


def test_robust_bad_input(pts):
    conn = pts[0]
    with pytest.raises(E.DatatypeMismatch, match="boolean or 0/1"), conn.transaction():
        conn.execute("SELECT indb_ml.robust_variance_logregr('pts', 'r', 'y', 'ARRAY[1, x1]')")
    with pytest.raises(E.DatatypeMismatch), conn.transaction():
        conn.execute("SELECT indb_ml.robust_variance_linregr('pts', 'r', 'g', 'ARRAY[1, x1]')")
    with pytest.raises(E.InvalidParameterValue, match="optimizer 'igd'"), conn.transaction():
        conn.execute("SELECT indb_ml.robust_variance_logregr('pts', 'r', 'b', 'ARRAY[1, x1]', NULL, 20, 'igd')")
    assert conn.execute("SELECT to_regclass('r')").fetchone()[0] is None


def test_clustered_variance_matches_statsmodels(pts):
    conn, x, y, b, _ = pts
    conn.execute("ALTER TABLE pts ADD COLUMN firm int")
    conn.execute("UPDATE pts SET firm = (abs(hashtext(g || x1::text)) % 37)")
    firms = np.array([r[0] for r in conn.execute("SELECT firm FROM pts ORDER BY ctid")])
    xs = np.array(conn.execute("SELECT ARRAY[1, x1, x2] FROM pts ORDER BY ctid").fetchall())[:, 0]
    ys = np.array([r[0] for r in conn.execute("SELECT y FROM pts ORDER BY ctid")])
    bs = np.array([float(r[0]) for r in conn.execute("SELECT b FROM pts ORDER BY ctid")])
    conn.execute("SELECT indb_ml.clustered_variance_linregr('pts', 'c', 'y', 'ARRAY[1, x1, x2]', 'firm')")
    coef, se, t, p, g = conn.execute("SELECT coef, std_err, t_stats, p_values, num_clusters FROM c").fetchone()
    ref = sm.OLS(ys, xs).fit(cov_type="cluster", cov_kwds={"groups": firms})
    np.testing.assert_allclose(coef, ref.params, rtol=1e-10)
    np.testing.assert_allclose(se, ref.bse, rtol=1e-9)
    # MADlib's clustered linregr p-values: Student t with rows - coefficients degrees of freedom
    np.testing.assert_allclose(t, ref.tvalues, rtol=1e-9)
    np.testing.assert_allclose(p, 2 * stats.t.sf(np.abs(ref.tvalues), len(ys) - 3), rtol=1e-6, atol=1e-300)
    assert g == len(set(firms))
    conn.execute("SELECT indb_ml.clustered_variance_logregr('pts', 'cl', 'b', 'ARRAY[1, x1, x2]', 'firm', 50, "
                 "'irls', 1e-12)")
    coef, se = conn.execute("SELECT coef, std_err FROM cl").fetchone()
    ref = sm.Logit(bs, xs).fit(disp=0, tol=1e-12, cov_type="cluster", cov_kwds={"groups": firms})
    np.testing.assert_allclose(coef, ref.params, rtol=1e-7)
    np.testing.assert_allclose(se, ref.bse, rtol=1e-6)
