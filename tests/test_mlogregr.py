"""mlogregr_train against statsmodels MNLogit."""

from __future__ import annotations

import numpy as np
import psycopg.errors as E
import pytest
import statsmodels.api as sm


@pytest.fixture
def data(postgresql):
    rng = np.random.default_rng(31)
    n = 2000
    x = np.column_stack([np.ones(n), rng.normal(size=(n, 2))])
    eta = np.column_stack([np.zeros(n), x @ [0.2, 1, -0.5], x @ [-0.3, 0.5, 0.8]])
    p = np.exp(eta) / np.exp(eta).sum(axis=1, keepdims=True)
    y = np.array([rng.choice(3, p=pi) for pi in p])
    postgresql.execute("CREATE TABLE d (y int, x1 float8, x2 float8)")
    with postgresql.cursor().copy("COPY d FROM STDIN") as copy:
        for i in range(n):
            copy.write_row([int(y[i]), x[i, 1], x[i, 2]])
    return postgresql, x, y


@pytest.mark.parametrize("ref", [0, 2])
def test_mlogregr_matches_statsmodels(data, ref):
    conn, x, y = data
    conn.execute("SELECT indb_ml.mlogregr_train('d', 'm', 'y', 'ARRAY[1, x1, x2]', %s, "
                 "'max_iter=50, tolerance=1e-12')", [ref])
    rows = conn.execute("SELECT category, ref_category, coef, log_likelihood, std_err, z_stats, p_values, "
                        "odds_ratios, status FROM m ORDER BY category").fetchall()
    # statsmodels uses the smallest category as the reference: relabel so that ref comes first.
    order = [ref] + [c for c in (0, 1, 2) if c != ref]
    relabel = np.array([order.index(v) for v in y])
    ref_fit = sm.MNLogit(relabel, x).fit(disp=0, tol=1e-12, maxiter=100)
    assert [r[0] for r in rows] == order[1:] and all(r[1] == ref for r in rows)
    for j, r in enumerate(rows):
        np.testing.assert_allclose(r[2], ref_fit.params[:, j], rtol=1e-8)
        np.testing.assert_allclose(r[4], ref_fit.bse[:, j], rtol=1e-7)
        np.testing.assert_allclose(r[5], ref_fit.tvalues[:, j], rtol=1e-7)
        np.testing.assert_allclose(r[6], ref_fit.pvalues[:, j], rtol=1e-6, atol=1e-300)
        np.testing.assert_allclose(r[7], np.exp(ref_fit.params[:, j]), rtol=1e-8)
        assert r[3] == pytest.approx(ref_fit.llf, rel=1e-10) and r[8] == "converged"
    assert conn.execute("SELECT num_categories, num_rows_processed FROM m_summary").fetchone() == (3, 2000)


@pytest.mark.parametrize("args, message", [
    ("'x1', 'ARRAY[1, x2]'", "integer category"),
    ("'y', 'ARRAY[1, x1]', 7", "ref_category 7 is not one of"),
    ("'y', 'ARRAY[1, x1]', 0, 'max_iter=0'", "max_iter must be"),
    ("'y', 'ARRAY[1, x1]', 0, 'optimizer=igd'", "optimizer 'igd' is not available"),
])
def test_mlogregr_bad_input(data, args, message):
    conn = data[0]
    with pytest.raises((E.InvalidParameterValue, E.DatatypeMismatch), match=message), conn.transaction():
        conn.execute("SELECT indb_ml.mlogregr_train('d', 'm', " + args + ")")
    assert conn.execute("SELECT to_regclass('m')").fetchone()[0] is None


def test_multinom_with_grouping_matches_statsmodels(data):
    conn, x, y = data
    conn.execute("ALTER TABLE d ADD COLUMN half int")
    conn.execute("UPDATE d SET half = (x1 > 0)::int")
    conn.execute("SELECT indb_ml.multinom('d', 'mm', 'y', 'ARRAY[1, x1, x2]', 0, 'logit', 'half', "
                 "'max_iter=50, tolerance=1e-12')")
    for h in (0, 1):
        mask = (x[:, 1] > 0) == bool(h)
        ref = sm.MNLogit(y[mask], x[mask]).fit(disp=0, tol=1e-12, maxiter=100)
        rows = conn.execute("SELECT category, coef, std_err, status FROM mm WHERE half = %s ORDER BY category",
                            [h]).fetchall()
        assert [r[0] for r in rows] == ["1", "2"]  # varchar, as MADlib's multinom writes category
        for j, r in enumerate(rows):
            np.testing.assert_allclose(r[1], ref.params[:, j], rtol=1e-7)
            np.testing.assert_allclose(r[2], ref.bse[:, j], rtol=1e-6)
    with pytest.raises(E.InvalidParameterValue, match="link_func 'probit'"), conn.transaction():
        conn.execute("SELECT indb_ml.multinom('d', 'm2', 'y', 'ARRAY[1, x1]', 0, 'probit')")


def test_robust_variance_mlogregr_matches_statsmodels_hc0(data):
    conn, x, y = data
    conn.execute("SELECT indb_ml.robust_variance_mlogregr('d', 'rm', 'y', 'ARRAY[1, x1, x2]', 0, NULL, "
                 "'max_iter=50, tolerance=1e-12')")
    rows = conn.execute("SELECT category, coef, std_err, z_stats FROM rm ORDER BY category").fetchall()
    ref = sm.MNLogit(y, x).fit(disp=0, tol=1e-12, maxiter=100, cov_type="HC0")
    for j, r in enumerate(rows):
        np.testing.assert_allclose(r[1], ref.params[:, j], rtol=1e-7)
        np.testing.assert_allclose(r[2], ref.bse[:, j], rtol=1e-6)
        np.testing.assert_allclose(r[3], ref.tvalues[:, j], rtol=1e-6)
    # grouping: one set of category rows per group, each its own HC0 fit
    conn.execute("ALTER TABLE d ADD COLUMN half boolean")
    conn.execute("UPDATE d SET half = x1 > 0")
    conn.execute("SELECT indb_ml.robust_variance_mlogregr('d', 'rg', 'y', 'ARRAY[1, x2]', 0, 'half', "
                 "'max_iter=50, tolerance=1e-12')")
    for half in (False, True):
        mask = (x[:, 1] > 0) == half
        ref = sm.MNLogit(y[mask], x[mask][:, [0, 2]]).fit(disp=0, tol=1e-12, maxiter=100, cov_type="HC0")
        got = conn.execute("SELECT coef, std_err, num_rows_processed FROM rg WHERE half = %s ORDER BY category",
                           [half]).fetchall()
        assert len(got) == ref.params.shape[1] and all(g[2] == mask.sum() for g in got)
        for j, g in enumerate(got):
            np.testing.assert_allclose(g[0], ref.params[:, j], rtol=1e-7)
            np.testing.assert_allclose(g[1], ref.bse[:, j], rtol=1e-6)


def test_clustered_variance_mlogregr_matches_statsmodels(data):
    conn, x, y = data
    conn.execute("ALTER TABLE d ADD COLUMN firm int")
    conn.execute("UPDATE d SET firm = abs(hashtext(x1::text)) % 23")
    rows = conn.execute("SELECT y, x1, x2, firm FROM d ORDER BY ctid").fetchall()
    ys = np.array([r[0] for r in rows])
    xs = np.column_stack([np.ones(len(rows)), [r[1] for r in rows], [r[2] for r in rows]])
    firms = np.array([r[3] for r in rows])
    conn.execute("SELECT indb_ml.clustered_variance_mlogregr('d', 'cm', 'y', 'ARRAY[1, x1, x2]', 'firm', 0, "
                 "'max_iter=50, tolerance=1e-12')")
    got = conn.execute("SELECT coef, std_err, num_clusters FROM cm ORDER BY category").fetchall()
    ref = sm.MNLogit(ys, xs).fit(disp=0, tol=1e-12, maxiter=100, cov_type="cluster", cov_kwds={"groups": firms})
    for j, r in enumerate(got):
        np.testing.assert_allclose(r[0], ref.params[:, j], rtol=1e-7)
        np.testing.assert_allclose(r[1], ref.bse[:, j], rtol=1e-6)
        assert r[2] == len(set(firms))
