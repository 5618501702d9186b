"""linregr_train against statsmodels OLS, on real tables (tolerances stated per test)."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.diagnostic import het_breuschpagan

from tests.helpers import load_table, ols, seeded_regression

RTOL = 1e-9  # well-conditioned random data: float64 round-off only


def fetch_model(conn, table: str, where: str = "") -> dict:
    cur = conn.execute("SELECT * FROM " + table + where)
    cols = [d.name for d in cur.description]
    return dict(zip(cols, cur.fetchone()))


def assert_matches_ols(model: dict, fit, rtol: float, cond_rtol: float = 1e-6) -> None:
    np.testing.assert_allclose(model["coef"], fit.params, rtol=rtol, err_msg="coef")
    np.testing.assert_allclose(model["std_err"], fit.bse, rtol=rtol * 10, err_msg="std_err")
    np.testing.assert_allclose(model["t_stats"], fit.tvalues, rtol=rtol * 10, err_msg="t_stats")
    np.testing.assert_allclose(model["p_values"], fit.pvalues, rtol=1e-6, atol=1e-300, err_msg="p_values")
    np.testing.assert_allclose(model["r2"], fit.rsquared, rtol=rtol, err_msg="r2")
    np.testing.assert_allclose(np.array(model["variance_covariance"]), fit.cov_params(), rtol=rtol * 10,
                               atol=1e-12 * np.abs(fit.cov_params()).max(), err_msg="variance_covariance")
    # MADlib's condition_no is the condition number of X (its houses example: 9002.5), statsmodels'
    # condition_number: the square root of that of X'X.
    np.testing.assert_allclose(model["condition_no"], fit.condition_number, rtol=cond_rtol, err_msg="condition_no")


@pytest.fixture
def regression(postgresql):
    X, y = seeded_regression(2000, 4)
    load_table(postgresql, "houses", {"y": y, **{f"x{i + 1}": X[:, i] for i in range(4)}})
    return X, y


def test_matches_statsmodels(postgresql, regression):
    X, y = regression
    postgresql.execute("SELECT indb_ml.linregr_train('houses', 'houses_lr', 'y', 'ARRAY[1, x1, x2, x3, x4]')")
    model = fetch_model(postgresql, "houses_lr")
    fit = ols(y, np.column_stack([np.ones(len(y)), X]))
    assert_matches_ols(model, fit, RTOL)
    assert model["num_rows_processed"] == len(y) and model["num_missing_rows_skipped"] == 0
    summary = fetch_model(postgresql, "houses_lr_summary")
    assert summary == {
        "method": "linregr", "source_table": "public.houses", "out_table": "public.houses_lr",
        "dependent_varname": "y", "independent_varname": "ARRAY[1, x1, x2, x3, x4]",
        "num_rows_processed": 2000, "num_missing_rows_skipped": 0, "grouping_cols": None,
    }


def test_no_intercept_and_expressions(postgresql, regression):
    X, y = regression
    postgresql.execute("SELECT indb_ml.linregr_train('houses', 'lr', 'y', 'ARRAY[x1, x2 * 2, ln(abs(x3) + 1)]')")
    Z = np.column_stack([X[:, 0], X[:, 1] * 2, np.log(np.abs(X[:, 2]) + 1)])
    assert_matches_ols(fetch_model(postgresql, "lr"), ols(y, Z), 1e-8)


def test_breusch_pagan_matches_statsmodels(postgresql, regression):
    X, y = regression
    postgresql.execute("SELECT indb_ml.linregr_train('houses', 'lr', 'y', 'ARRAY[1, x1, x2, x3, x4]', NULL, TRUE)")
    model = fetch_model(postgresql, "lr")
    exog = np.column_stack([np.ones(len(y)), X])
    lm, lm_p, _, _ = het_breuschpagan(ols(y, exog).resid, exog)
    np.testing.assert_allclose(model["bp_stats"], lm, rtol=1e-7)
    np.testing.assert_allclose(model["bp_p_value"], lm_p, rtol=1e-6)
    assert model["bp_p_value"] < 0.05  # the noise grows with |x1|: heteroskedastic by construction


def test_grouping_three_groups_and_null_rows(postgresql):
    X, y = seeded_regression(900, 2, seed=3)
    y = y.copy()
    zone = np.array(["north", "South side", "east"])[np.arange(900) % 3]
    y[[5, 17]] = np.nan  # NULL y
    x1 = X[:, 0].copy()
    x1[[8, 44]] = np.nan  # NULL feature
    load_table(postgresql, "Sales Data", {"Zone Name": zone, "y": y, "x1": x1, "X 2": X[:, 1]},
               types={"Zone Name": "text"})
    postgresql.execute(
        "SELECT indb_ml.linregr_train('\"Sales Data\"', 'by_zone', 'y', 'ARRAY[1, x1, \"X 2\"]', '\"Zone Name\"')")
    rows = postgresql.execute('SELECT "Zone Name", coef, std_err, r2, num_rows_processed, '
                              'num_missing_rows_skipped FROM by_zone ORDER BY 1').fetchall()
    assert [r[0] for r in rows] == ["South side", "east", "north"]
    for name, coef, std_err, r2, n, skipped in rows:
        keep = (zone == name) & ~np.isnan(y) & ~np.isnan(x1)
        fit = ols(y[keep], np.column_stack([np.ones(keep.sum()), x1[keep], X[keep, 1]]))
        np.testing.assert_allclose(coef, fit.params, rtol=RTOL, err_msg=name)
        np.testing.assert_allclose(std_err, fit.bse, rtol=1e-8, err_msg=name)
        np.testing.assert_allclose(r2, fit.rsquared, rtol=RTOL, err_msg=name)
        assert n == keep.sum()
        assert skipped == ((zone == name) & (np.isnan(y) | np.isnan(x1))).sum()
    summary = fetch_model(postgresql, "by_zone_summary")
    assert (summary["num_rows_processed"], summary["num_missing_rows_skipped"]) == (896, 4)
    assert summary["grouping_cols"] == '"Zone Name"'


def test_array_and_vector_columns(postgresql):
    X, y = seeded_regression(500, 3, seed=11)
    Xi = np.column_stack([np.ones(500), X])
    postgresql.execute("CREATE TABLE arr (y float8, feats float8[], v vector(4), ints int[])")
    with postgresql.cursor().copy("COPY arr (y, feats, v, ints) FROM STDIN") as copy:
        for i in range(500):
            copy.write_row([y[i], Xi[i].tolist(), "[" + ",".join(map(str, Xi[i])) + "]",
                            [1, i % 7, i % 5]])
    postgresql.execute("SELECT indb_ml.linregr_train('arr', 'by_array', 'y', 'feats')")
    assert_matches_ols(fetch_model(postgresql, "by_array"), ols(y, Xi), RTOL)
    postgresql.execute("SELECT indb_ml.linregr_train('arr', 'by_vector', 'y', 'v')")
    Xf4 = Xi.astype(np.float32).astype(np.float64)  # vector stores float4
    np.testing.assert_allclose(fetch_model(postgresql, "by_vector")["coef"], ols(y, Xf4).params, rtol=1e-8)
    postgresql.execute("SELECT indb_ml.linregr_train('arr', 'by_ints', 'y', 'ints')")
    ints = np.column_stack([np.ones(500), np.arange(500) % 7, np.arange(500) % 5])
    np.testing.assert_allclose(fetch_model(postgresql, "by_ints")["coef"], ols(y, ints).params, rtol=RTOL)


def test_longley_ill_conditioned(postgresql):
    from statsmodels.datasets import longley

    data = longley.load_pandas().data
    load_table(postgresql, "longley", {c.lower(): data[c].to_numpy() for c in data.columns})
    postgresql.execute("SELECT indb_ml.linregr_train('longley', 'll', 'totemp', "
                       "'ARRAY[1, gnpdefl, gnp, unemp, armed, pop, year]')")
    exog = np.column_stack([np.ones(len(data)), data.drop(columns="TOTEMP").to_numpy()])
    # cond(X) ~ 5e9: both sides lose digits; 1e-6 relative is what float64 allows. condition_no
    # (cond(X) = sqrt(2.3612378742e19), cond(X'X) by 60-digit arithmetic) comes from a factor of
    # X'X, not from its eigenvalues, which float64 gets only to ~1e-3 at this condition.
    assert_matches_ols(fetch_model(postgresql, "ll"), ols(data["TOTEMP"].to_numpy(), exog), 1e-6, cond_rtol=1e-6)


def test_collinear_columns_warn_and_match_pinv(postgresql):
    X, y = seeded_regression(300, 2, seed=5)
    load_table(postgresql, "col", {"y": y, "a": X[:, 0], "b": X[:, 1], "c": X[:, 0] * 2 + X[:, 1]})
    notices = []
    postgresql.add_notice_handler(lambda d: notices.append(d.message_primary))
    postgresql.execute("SELECT indb_ml.linregr_train('col', 'lr', 'y', 'ARRAY[1, a, b, c]')")
    assert any("collinear" in m for m in notices), notices
    exog = np.column_stack([np.ones(300), X, X[:, 0] * 2 + X[:, 1]])
    fit = ols(y, exog)  # statsmodels: pinv
    model = fetch_model(postgresql, "lr")
    # The coefficients are not identified; the fitted values and r2 are. The one reported is
    # MADlib's (and statsmodels'): the minimum-norm solution, pinv(X'X) X'y.
    np.testing.assert_allclose(exog @ np.array(model["coef"]), fit.fittedvalues, rtol=1e-8)
    np.testing.assert_allclose(model["r2"], fit.rsquared, rtol=1e-9)
    np.testing.assert_allclose(model["coef"], np.linalg.pinv(exog) @ y, rtol=1e-8)
    np.testing.assert_allclose(model["std_err"], fit.bse, rtol=1e-7)
    assert model["condition_no"] == np.inf


def test_chunked_scan_matches_single_block(postgresql, monkeypatch):
    """Many small TID-range chunks (and a view, scanned through a cursor) give the same fit."""
    X, y = seeded_regression(30000, 3, seed=9)
    load_table(postgresql, "big", {"y": y, "x1": X[:, 0], "x2": X[:, 1], "x3": X[:, 2]})
    postgresql.execute("CREATE VIEW big_v AS SELECT * FROM big")
    postgresql.execute("SET indb_ml.chunk_pages = 16")
    postgresql.execute("SET indb_ml.chunk_rows = 1000")
    pages = postgresql.execute("SELECT pg_relation_size('big') / 8192").fetchone()[0]
    assert pages > 10 * 16, "the table must span many chunks"
    fit = ols(y, np.column_stack([np.ones(len(y)), X]))
    for src, out in (("big", "lr_t"), ("big_v", "lr_v")):
        postgresql.execute("SELECT indb_ml.linregr_train(%s, %s, 'y', 'ARRAY[1, x1, x2, x3]')", [src, out])
        assert_matches_ols(fetch_model(postgresql, out), fit, 1e-9)


def test_predict(postgresql, regression):
    X, y = regression
    postgresql.execute("SELECT indb_ml.linregr_train('houses', 'lr', 'y', 'ARRAY[1, x1, x2, x3, x4]')")
    pred = postgresql.execute(
        "SELECT indb_ml.linregr_predict(m.coef, ARRAY[1, x1, x2, x3, x4]) FROM houses, lr m").fetchall()
    fit = ols(y, np.column_stack([np.ones(len(y)), X]))
    np.testing.assert_allclose([p[0] for p in pred], fit.fittedvalues, rtol=1e-9)
    assert postgresql.execute("SELECT indb_ml.linregr_predict(NULL, ARRAY[1.0])").fetchone()[0] is None
    volatility = postgresql.execute(
        "SELECT provolatile, proparallel, proisstrict FROM pg_proc WHERE proname = 'linregr_predict'"
        " AND pronargs = 2").fetchone()
    assert volatility == ("i", "s", True)


def test_partitioned_table_scanned_by_partition(postgresql):
    X, y = seeded_regression(3000, 2, seed=13)
    region = np.arange(3000) % 3
    postgresql.execute("CREATE TABLE parted (region int, y float8, x1 float8, x2 float8) PARTITION BY LIST (region)")
    for r in range(3):
        postgresql.execute(f"CREATE TABLE parted_{r} PARTITION OF parted FOR VALUES IN ({r})")
    with postgresql.cursor().copy("COPY parted (region, y, x1, x2) FROM STDIN") as copy:
        for i in range(3000):
            copy.write_row([int(region[i]), y[i], X[i, 0], X[i, 1]])
    postgresql.execute("SET indb_ml.chunk_pages = 2")
    postgresql.execute("SELECT indb_ml.linregr_train('parted', 'lr', 'y', 'ARRAY[1, x1, x2]')")
    assert_matches_ols(fetch_model(postgresql, "lr"), ols(y, np.column_stack([np.ones(3000), X])), RTOL)
    postgresql.execute("SELECT indb_ml.linregr_train('parted', 'lr_g', 'y', 'ARRAY[1, x1, x2]', 'region')")
    for r, coef in postgresql.execute("SELECT region, coef FROM lr_g ORDER BY region"):
        keep = region == r
        np.testing.assert_allclose(coef, ols(y[keep], np.column_stack([np.ones(keep.sum()), X[keep]])).params,
                                   rtol=RTOL)
