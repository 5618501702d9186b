"""The indb_ml.linregr aggregate: statsmodels as the oracle, and forced parallel == serial."""

from __future__ import annotations

import numpy as np
import psycopg.errors
import pytest

from tests.helpers import load_table, ols, seeded_regression

AGG = ("SELECT (r).coef, (r).r2, (r).std_err, (r).t_stats, (r).p_values, (r).condition_no, "
       "(r).num_rows_processed, (r).num_missing_rows_skipped, (r).variance_covariance "
       "FROM (SELECT indb_ml.linregr(y, ARRAY[1, x1, x2, x3]) AS r FROM t) s")


@pytest.fixture
def table(postgresql):
    X, y = seeded_regression(3000, 3, seed=21)
    y = y.copy()
    y[[3, 30, 300]] = np.nan
    load_table(postgresql, "t", {"y": y, "x1": X[:, 0], "x2": X[:, 1], "x3": X[:, 2]})
    postgresql.execute("ANALYZE t")
    return X, y


def force_parallel(conn) -> None:
    version = conn.info.server_version
    conn.execute("SET force_parallel_mode = on" if version < 160000 else "SET debug_parallel_query = on")
    for setting in ("parallel_setup_cost = 0", "parallel_tuple_cost = 0", "min_parallel_table_scan_size = 0",
                    "max_parallel_workers_per_gather = 2"):
        conn.execute("SET " + setting)


def test_aggregate_matches_statsmodels(postgresql, table):
    X, y = table
    coef, r2, se, t, p, cond, n, skipped, vcov = postgresql.execute(AGG).fetchone()
    keep = ~np.isnan(y)
    fit = ols(y[keep], np.column_stack([np.ones(keep.sum()), X[keep]]))
    np.testing.assert_allclose(coef, fit.params, rtol=1e-9)
    np.testing.assert_allclose(se, fit.bse, rtol=1e-8)
    np.testing.assert_allclose(t, fit.tvalues, rtol=1e-8)
    np.testing.assert_allclose(p, fit.pvalues, rtol=1e-6, atol=1e-300)
    np.testing.assert_allclose(r2, fit.rsquared, rtol=1e-9)
    np.testing.assert_allclose(np.array(vcov), fit.cov_params(), rtol=1e-8)
    np.testing.assert_allclose(cond, fit.condition_number, rtol=1e-6)
    assert (n, skipped) == (2997, 3)


def test_parallel_equals_serial(postgresql, table):
    serial = postgresql.execute(AGG).fetchone()
    force_parallel(postgresql)
    plan = "\n".join(r[0] for r in postgresql.execute("EXPLAIN " + AGG))
    assert "Partial Aggregate" in plan and "Gather" in plan, plan
    parallel = postgresql.execute(AGG).fetchone()
    names = ["coef", "r2", "std_err", "t", "cond"]
    for name, a, b in zip(names, serial[:4] + serial[5:6], parallel[:4] + parallel[5:6]):
        np.testing.assert_allclose(b, a, rtol=1e-10, err_msg=name)
    # A p-value of 1e-34 sits far in the tail, where t's last-digit round-off is amplified.
    np.testing.assert_allclose(parallel[4], serial[4], rtol=1e-8, err_msg="p_values")
    assert parallel[6:8] == serial[6:8]


def test_grouped_aggregate_parallel(postgresql, table):
    X, y = table
    query = ("SELECT g, (indb_ml.linregr(y, ARRAY[1, x1, x2, x3])).coef FROM "
             "(SELECT *, (x1 > 0)::int AS g FROM t) s GROUP BY g ORDER BY g")
    serial = postgresql.execute(query).fetchall()
    force_parallel(postgresql)
    parallel = postgresql.execute(query).fetchall()
    assert len(serial) == 2
    for (g1, c1), (g2, c2) in zip(serial, parallel):
        assert g1 == g2
        np.testing.assert_allclose(c2, c1, rtol=1e-10)


def test_aggregate_edge_cases(postgresql, table):
    assert postgresql.execute("SELECT indb_ml.linregr(y, ARRAY[1, x1]) FROM t WHERE false").fetchone()[0] is None
    with pytest.raises(psycopg.errors.ArraySubscriptError, match="different lengths"), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.linregr(y, CASE WHEN x1 > 0 THEN ARRAY[1, x1] ELSE ARRAY[1, x1, x2] END) "
                           "FROM t")
    with pytest.raises(psycopg.errors.InvalidTextRepresentation, match="NaN or Infinity"), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.linregr(y, ARRAY[1, 'NaN'::float8]) FROM t")
    null_only = postgresql.execute("SELECT (indb_ml.linregr(NULL::float8, ARRAY[1, x1])).* FROM t").fetchone()
    assert null_only is not None and all(v is None for v in null_only)


def test_madlib_statistics_setting(postgresql):
    """SET indb_ml.madlib_statistics = on gives the aggregate MADlib's formulas as linregr_train:
    n - k residual degrees of freedom on a collinear design (numpy: the rank is k - 1) and the
    always-centred r2 without an intercept; off, n - rank and the uncentred r2."""
    rng = np.random.default_rng(8)
    n = 40
    a, b = rng.normal(size=n), rng.normal(size=n)
    y = 1 + 2 * a - b + rng.normal(size=n)
    load_table(postgresql, "c", {"y": y, "a": a, "b": b, "s": a + b})
    postgresql.execute("SET client_min_messages = error")
    collinear = np.column_stack([np.ones(n), a, b, a + b])
    assert np.linalg.matrix_rank(collinear) == 3
    coef = np.linalg.pinv(collinear) @ y
    rss = float(((y - collinear @ coef) ** 2).sum())
    pinv_diag = np.diag(np.linalg.pinv(collinear.T @ collinear))
    query = "SELECT (r).std_err, (r).r2 FROM (SELECT indb_ml.linregr(y, {x}) AS r FROM c) q"
    for flag, df in (("off", n - 3), ("on", n - 4)):
        postgresql.execute("SET indb_ml.madlib_statistics = " + flag)
        se, _ = postgresql.execute(query.format(x="ARRAY[1, a, b, s]")).fetchone()
        np.testing.assert_allclose(se, np.sqrt(rss / df * pinv_diag), rtol=1e-8, err_msg=flag)
        postgresql.execute("SELECT indb_ml.linregr_train('c', 'lr_" + flag + "', 'y', 'ARRAY[1, a, b, s]')")
        trained = postgresql.execute("SELECT std_err FROM lr_" + flag).fetchone()[0]
        np.testing.assert_allclose(se, trained, rtol=1e-12, err_msg=flag)
        # no intercept: r2 uncentred (standard) or centred (MADlib)
        _, r2 = postgresql.execute(query.format(x="ARRAY[a, b]")).fetchone()
        x2 = np.column_stack([a, b])
        res = y - x2 @ np.linalg.lstsq(x2, y, rcond=None)[0]
        tss = (y ** 2).sum() if flag == "off" else ((y - y.mean()) ** 2).sum()
        want = 1 - (res ** 2).sum() / tss
        if flag == "on":  # MADlib: ess / tss with its ess = yhat'yhat - n ybar^2, clamped to [0, tss]
            yhat = y - res
            want = min(max((yhat ** 2).sum() - n * y.mean() ** 2, 0.0), tss) / tss
        np.testing.assert_allclose(r2, want, rtol=1e-9, err_msg=flag)
