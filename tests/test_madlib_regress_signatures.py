"""MADlib's argument forms of the regression functions (issue 14), run on MADlib's own examples.

Every call below is written as MADlib 2.1 documents it (with ``madlib.`` replaced by
``indb_ml.``); the expected numbers are copied from Apache MADlib, the path beside each, and
an independent oracle computed in the test (statsmodels, numpy) checks the same numbers.
MADlib's tests compare with ``relative_error(a, b) = |a - b| / |b|`` (2-norms for arrays).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import psycopg.errors as E
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.miscmodels.ordinal_model import OrderedModel

from tests.ordinal_fisher_oracle import madlib_fisher
from tests.test_matrix import force_parallel


def relative_error(got, want) -> float:
    """MADlib's ``relative_error``: |got - want| / |want|, 2-norms for arrays."""
    got, want = np.asarray(got, float), np.asarray(want, float)
    return float(np.linalg.norm(got - want) / np.linalg.norm(want))


def fetch(conn, sql: str, params=None) -> list[dict]:
    cur = conn.execute(sql, params)
    names = [d.name for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def _digits(text: str) -> list[tuple[int, int, int]]:
    """Rows written as 4 digits each: feat1 (1 digit), feat2 (2 digits), cat (1 digit)."""
    return [(int(w[0]), int(w[1:3]), int(w[3])) for w in text.split()]


# ----------------------------------------------------------------------------- ordinal

# glm/ordinal.sql_in, the documentation example's table test3 (feat1, feat2, cat)
TEST3 = _digits("""
1351 2330 3391 1371 2311 3360 2361 2311 2411 2371 1441 3332 1311 2441 1351 1440 1460 2461 2462
3491 2390 2441 1471 1441 1372 3382 1490 2440 3612 1652 3671 3652 1652 2672 1652 1622 3522 3632
2592 3652 2590 3672 3672 3602 3672 3622 2542 3652 3622 2592 3602 3632 3652 2631 2672 2652 2622""")

# glm/test/ordinal.sql_in (also glm/test/multinom.sql_in): multinom_test, groups 'A' and 'B'
MULTINOM_TEST = [r + ("A",) for r in _digits("""
1351 2330 3391 1371 2311 3360 2361 2311 2411 2371 1441 3332 1311 2441 1351 1440 1460 2461 2462
3491 2390 2441 1471 1441 1372 3382 1490 2440 1412 1502 2440 1391 1402 1462 2411 2391 2331 3592
1410 2472 2310 3422 1552 3401 1442 1541 2461 1540 2421 2492 2412 2411 1440 1572 2522 1490 3412
3570 1621 3330 2541 2402 3522 2571 2491 2461 1570 2492 2522 2530 3542 2572 3412 1520 2571 1540
2521 2520 2440 2462 1491 2542 3522 1440 3491 1462 2540 2390 2590 2451 3521 3540 3441 2502 2621
2590 2522 2521 2461 2410 2522 2521 2551 2411 2490 1592 1540 2540 2592 2552 1622 2542 2542 2542
2592 2571 3612 3522 2592 2622 1601 2592 2652 3612 2592 3592 2592 2592 2652 3572 2592 3492 1490
3592 2622 3590 2542 3632 1432 3542 3522 1572 2570 2570 2612 2620 2620 1650 2572 3592 2592 3622""")] + [
    r + ("B",) for r in _digits("""
2652 2621 1620 2622 3542 3622 1652 3622 3670 3650 1602 3592 2592 2591 3650 3622 3652 3590 1590
3612 1652 3671 3652 1652 2672 1652 1622 3522 3632 2592 3652 2590 3672 3672 3602 3672 3622 2542
3652 3622 2592 3602 3632 3652 2631 2672 2652 2622""")]


@pytest.fixture
def ordinal_tables(postgresql):
    postgresql.execute("CREATE TABLE test3 (feat1 integer, feat2 integer, cat integer)")
    with postgresql.cursor().copy("COPY test3 FROM STDIN") as copy:
        for row in TEST3:
            copy.write_row(row)
    postgresql.execute("CREATE TABLE multinom_test (feat1 integer, feat2 integer, cat integer, g char)")
    with postgresql.cursor().copy("COPY multinom_test FROM STDIN") as copy:
        for row in MULTINOM_TEST:
            copy.write_row(row)
    postgresql.execute("CREATE TABLE multinom_to_prd (feat1 integer, feat2 integer, id integer, g char)")
    postgresql.execute("INSERT INTO multinom_to_prd VALUES (1,35,1,'A'), (2,33,2,'A'), (3,39,3,'B'), (1,37,4,'B')")
    return postgresql


def _ordinal_oracle(rows, link: str):
    """statsmodels' OrderedModel (thresholds as cumulative sums of its increments)."""
    data = np.array([r[:3] for r in rows], float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = OrderedModel(data[:, 2].astype(int), data[:, :2], distr=link).fit(
            method="bfgs", disp=0, maxiter=5000, gtol=1e-10)
    p = fit.params
    return p[:2], np.cumsum(np.concatenate([[p[2]], np.exp(p[3:])])), fit.llf


# glm/ordinal.sql_in, "SELECT * FROM test3_output" (MADlib's documented result)
TEST3_MADLIB = {
    "coef_threshold": [4.12831944358935, 6.55999442887089],
    "std_err_threshold": [1.3603408170882, 1.54843501580999],
    "z_stats_threshold": [3.03476848722806, 4.23653195768075],
    "p_values_threshold": [0.00240720390579325, 2.26998625331282e-05],
    "log_likelihood": -42.1390192418541,
    "coef_feature": [0.574822563129293, 0.108115645059558],
    "std_err_feature": [0.394064908788145, 0.0276025960683975],
    "z_stats_feature": [1.45870020473791, 3.91686509456046],
    "p_values_feature": [0.144647639733733, 8.9707915817562e-05],
    "num_rows_processed": 57, "num_rows_skipped": 0, "num_iterations": 7,
}


@pytest.mark.parametrize("plan", ["memory", "aggregate", "parallel"])
def test_ordinal_doc_example_cat_order_with_less_than(ordinal_tables, plan):
    """MADlib's documented example: every statistic within 5e-6 of MADlib's printed value,
    the p-values within 2e-5 (the standard errors from the expected information, as
    MADlib's). MADlib prints 7
    iterations and digits that are not converged: its first Fisher step is added to zero
    instead of to its start point (glm/Ordinal_impl.hpp: optimizer.beta starts at 0 while
    the first pass is at the start), which lands on equal thresholds; the rounding there
    decides its path, and it stops at a relative change of the log-likelihood below 1e-6,
    so its coefficients are 1e-7 to 4e-6 away from the maximum. indb_ml's steps start where
    they were computed: 6 iterations, and the same numbers on both plans, in parallel too,
    as the independent oracle's."""
    conn = ordinal_tables
    conn.execute("SET indb_ml.training_plan = " + ("memory" if plan == "memory" else "aggregate"))
    if plan == "parallel":
        force_parallel(conn)
        conn.execute("SET max_parallel_workers_per_gather = 2")
    # glm/ordinal.sql_in, "Run the multilogistic regression function" (MADlib's own call)
    conn.execute("SELECT indb_ml.ordinal('test3', 'test3_output', 'cat', 'ARRAY[feat1, feat2]', '0<1<2', 'logit')")
    row = fetch(conn, "SELECT * FROM test3_output")[0]
    assert list(row) == list(TEST3_MADLIB)  # MADlib's columns, in its order (num_iterations as its code writes)
    for name, value in TEST3_MADLIB.items():
        if name.startswith("num_"):
            continue
        # p-values amplify the z statistics' differences: |d log p| ~ z |dz|
        assert relative_error(row[name], value) < (2e-5 if name.startswith("p_") else 5e-6), (name, row[name], value)
    assert (row["num_rows_processed"], row["num_rows_skipped"], row["num_iterations"]) == (57, 0, 6)
    data = np.array(TEST3, float)
    want = madlib_fisher(data[:, :2], data[:, 2], 3, "logit")
    for name in TEST3_MADLIB:
        if name in want:
            np.testing.assert_allclose(row[name], want[name], rtol=1e-9, atol=1e-300, err_msg=name)
    beta, theta, llf = _ordinal_oracle(TEST3, "logit")
    np.testing.assert_allclose(row["coef_threshold"], theta, rtol=1e-6)
    np.testing.assert_allclose(row["coef_feature"], beta, rtol=1e-5)
    assert row["log_likelihood"] == pytest.approx(llf, rel=1e-9)  # of the last pass, before the last step
    summary = fetch(conn, "SELECT category_list, link_func, optimizer_params FROM test3_output_summary")[0]
    assert summary["category_list"] == "0,1,2" and summary["link_func"] == "logit"
    assert summary["optimizer_params"] == "optimizer=irls, max_iter=100, tolerance=1e-06"


@pytest.mark.parametrize("link, coef_threshold, coef_feature, log_likelihood, prob0", [
    # glm/test/ordinal.sql_in: the logit and probit install-checks and their predictions
    ("logit", [2.6350, 3.8995], [.53958, .05595], -190.92, [0.5342011, 0.4278446, 0.2375883, 0.5062776]),
    ("probit", [1.5104, 2.2577], [.31431, .03215], -191.9912, [0.5281595, 0.4288294, 0.2461692, 0.5025270]),
])
def test_ordinal_install_check(ordinal_tables, link, coef_threshold, coef_feature, log_likelihood, prob0):
    conn = ordinal_tables
    conn.execute("SELECT indb_ml.ordinal('multinom_test', 'ordinal_out', 'cat', 'ARRAY[feat1, feat2]', '0<1<2', %s)",
                 [link])
    row = fetch(conn, "SELECT * FROM ordinal_out")[0]
    assert relative_error(row["coef_threshold"], coef_threshold) < 1e-4
    assert relative_error(row["coef_feature"], coef_feature) < 1e-4
    assert relative_error(row["log_likelihood"], log_likelihood) < 1e-4
    data = np.array([r[:3] for r in MULTINOM_TEST], float)  # every column as the Fisher scoring oracle's
    want = madlib_fisher(data[:, :2], data[:, 2], 3, link)
    for name, value in want.items():
        if name != "information":
            np.testing.assert_allclose(row[name], value, rtol=1e-9, atol=1e-300, err_msg=name)
    beta, theta, llf = _ordinal_oracle(MULTINOM_TEST, link)
    np.testing.assert_allclose(row["coef_threshold"], theta, rtol=1e-5)
    np.testing.assert_allclose(row["coef_feature"], beta, rtol=1e-5)
    assert row["log_likelihood"] == pytest.approx(llf, rel=1e-9)
    conn.execute("SELECT indb_ml.ordinal_predict('ordinal_out', 'multinom_to_prd', 'ordinal_prd', 'probability')")
    prob = conn.execute('SELECT array_agg("0" ORDER BY id) FROM ordinal_prd').fetchone()[0]
    assert relative_error(prob, prob0) < 1e-4


def test_ordinal_grouped_install_check(ordinal_tables):
    conn = ordinal_tables
    conn.execute("SELECT indb_ml.ordinal('multinom_test', 'ordinal_out', 'cat', 'ARRAY[feat1, feat2]', '0<1<2', "
                 "'logit', 'g')")
    row = fetch(conn, "SELECT coef_threshold, coef_feature, log_likelihood FROM ordinal_out WHERE g = 'A'")[0]
    # glm/test/ordinal.sql_in, "training function for logit link of grouping case"
    assert relative_error(row["coef_threshold"], [2.3497, 3.7680]) < 1e-4
    assert relative_error(row["coef_feature"], [0.59758, 0.04845]) < 1e-4
    assert relative_error(row["log_likelihood"], -154.6991) < 1e-4
    beta, theta, _ = _ordinal_oracle([r for r in MULTINOM_TEST if r[3] == "A"], "logit")
    np.testing.assert_allclose(row["coef_threshold"], theta, rtol=1e-5)
    conn.execute("SELECT indb_ml.ordinal_predict('ordinal_out', 'multinom_to_prd', 'ordinal_prd', 'probability')")
    prob = conn.execute('SELECT array_agg("0" ORDER BY id) FROM ordinal_prd WHERE id IN (1, 2)').fetchone()[0]
    assert relative_error(prob, [0.5141240, 0.3907468]) < 1e-4


def test_ordinal_other_forms_agree(ordinal_tables):
    """MADlib's optional arguments (cat_order NULL: sorted; optim_params; verbose last), the
    comma form of cat_order and indb_ml's earlier (…, grouping_col, verbose) form: one model."""
    conn = ordinal_tables
    calls = [
        "SELECT indb_ml.ordinal('test3', 'o1', 'cat', 'ARRAY[feat1, feat2]')",
        "SELECT indb_ml.ordinal('test3', 'o2', 'cat', 'ARRAY[feat1, feat2]', NULL, 'logit', NULL, "
        "'max_iter=50, optimizer=irls, tolerance=1e-10', false)",
        "SELECT indb_ml.ordinal('test3', 'o3', 'cat', 'ARRAY[feat1, feat2]', '0, 1, 2', 'logit', NULL, false)",
        "SELECT indb_ml.ordinal('test3', 'o4', 'cat', 'ARRAY[feat1, feat2]', ' 0 < 1 < 2 ', verbose => false)",
    ]
    for call in calls:
        conn.execute(call)
    coefs = [conn.execute(f"SELECT coef_threshold || coef_feature FROM o{i}").fetchone()[0] for i in range(1, 5)]
    for c in coefs[2:]:
        np.testing.assert_allclose(c, coefs[0], rtol=1e-12)
    # tolerance 1e-10 stops later, nearer the maximum than the default 1e-6 (within 1e-5 of it)
    np.testing.assert_allclose(coefs[1], coefs[0], rtol=1e-5)
    assert not np.allclose(coefs[1], coefs[0], rtol=1e-9, atol=0)
    assert conn.execute("SELECT optimizer_params FROM o2_summary").fetchone()[0] == \
        "optimizer=irls, max_iter=50, tolerance=1e-10"
    # the order matters: reversed, the thresholds and coefficients change sign
    conn.execute("SELECT indb_ml.ordinal('test3', 'o5', 'cat', 'ARRAY[feat1, feat2]', '2<1<0')")
    reverse = conn.execute("SELECT coef_threshold, coef_feature FROM o5").fetchone()
    np.testing.assert_allclose(reverse[1], -np.asarray(coefs[0][2:]), rtol=1e-5)


@pytest.mark.parametrize("cat_order, optim_params, message", [
    ("0<1", None, "1 rows have a dependent value that cat_order does not list"),
    ("0<0<1<2", None, "two or more distinct categories"),
    ("0<1<2", "max_iter=0", "max_iter must be at least 1"),
    ("0<1<2", "optimizer=bfgs", "optimizer 'bfgs' is not supported"),
    ("0<1<2", "maxiter=5", "unknown parameter 'maxiter'"),
])
def test_ordinal_bad_forms(ordinal_tables, cat_order, optim_params, message):
    conn = ordinal_tables
    if cat_order == "0<1":  # exactly one row of category 2 left
        conn.execute("DELETE FROM test3 WHERE ctid IN (SELECT ctid FROM test3 WHERE cat = 2 OFFSET 1)")
    with pytest.raises(E.InvalidParameterValue, match=message), conn.transaction():
        conn.execute("SELECT indb_ml.ordinal('test3', 'bad', 'cat', 'ARRAY[feat1, feat2]', %s, 'logit', NULL, %s)",
                     [cat_order, optim_params])
    assert conn.execute("SELECT to_regclass('bad') IS NULL AND to_regclass('bad_summary') IS NULL").fetchone()[0]


def test_ordinal_usage(postgresql):
    for call in ("indb_ml.ordinal()", "indb_ml.ordinal('usage')", "indb_ml.ordinal_predict()",
                 "indb_ml.ordinal_predict('usage')"):
        text = postgresql.execute("SELECT " + call).fetchone()[0]
        assert text.startswith("SELECT indb_ml.ordinal"), call
    assert "cat_order" in postgresql.execute("SELECT indb_ml.ordinal('?')").fetchone()[0]


# ----------------------------------------------------------------------------- clustered variance

# regress/test/clustered.sql_in: the table abalone1 (550 rows of the UCI abalone data, ids 1..551
# without 549; the columns the tests use), its expected numbers below.
ABALONE1_CSV = Path(__file__).parent / "fixtures" / "madlib_abalone1.csv"
CLUSTERED_LINEAR = {  # clustered_variance_linregr(..., 'rings', 'array[1, length, diameter, height, whole]', 'sex')
    "coef": [1.550894e+00, -1.617533e+00, 1.489248e+01, 2.230165e+01, 2.291137e+00],
    "std_err": [5.230808e-01, 9.126018e-01, 4.160678e+00, 1.656641e+00, 6.037868e-01],
    "t_stats": [2.964922e+00, -1.772441e+00, 3.579340e+00, 1.346197e+01, 3.794612e+00],
    "p_values": [3.160120e-03, 7.687992e-02, 3.752007e-04, 7.224856e-36, 1.644453e-04],
}
CLUSTERED_LOGISTIC = {  # the logregr ('rings < 10') and mlogregr (y = rings < 10) cases: one model
    "coef": [7.019211e+00, -9.452704e+00, 1.213867e+00, -1.625120e+01, -2.357464e+00],
    "std_err": [1.869091e+00, 1.638447e+00, 7.460817e+00, 9.503961e+00, 2.069767e+00],
    "z_stats": [3.755414e+00, -5.769307e+00, 1.626990e-01, -1.709940e+00, -1.139000e+00],
    "p_values": [1.730550e-04, 7.959840e-09, 8.707555e-01, 8.727696e-02, 2.547033e-01],
}
ABALONE_X = "array[1, length, diameter, height, whole]"


@pytest.fixture
def abalone1(postgresql):
    postgresql.execute("CREATE TABLE abalone1 (id integer, sex text, length float8, diameter float8, height float8, "
                       "whole float8, rings integer)")
    with postgresql.cursor().copy("COPY abalone1 FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
        copy.write(ABALONE1_CSV.read_text())
    # clustered.sql_in: abalone2 and the NULL rows of abalone1_all_null (skipped)
    postgresql.execute("CREATE TABLE abalone2 AS SELECT length, diameter, height, whole, sex, "
                       "(CASE WHEN rings < 10 THEN 1 ELSE 0 END)::integer AS y FROM abalone1")
    postgresql.execute("CREATE TABLE abalone1_with_null AS SELECT * FROM abalone1")
    postgresql.execute("INSERT INTO abalone1_with_null VALUES (552, 'M', NULL, 0.365, 0.095, 0.514, 15), "
                       "(553, 'M', 0.44, NULL, 0.125, 0.516, 10), (554, 'F', 0.53, 0.42, NULL, 0.677, 9), "
                       "(555, 'M', 0.35, 0.265, 0.09, 1, NULL), (556, 'M', 0.35, 0.265, 0.09, NULL, 7)")
    data = np.loadtxt(ABALONE1_CSV, delimiter=",", skiprows=1, usecols=(2, 3, 4, 5, 6))
    sex = np.loadtxt(ABALONE1_CSV, delimiter=",", skiprows=1, usecols=1, dtype=str)
    x = np.column_stack([np.ones(len(data)), data[:, :4]])
    return postgresql, x, data[:, 4], sex


def _check(row, want: dict, tol: float) -> None:
    for name, values in want.items():
        assert relative_error(row[name], values) < tol, name


@pytest.mark.parametrize("table", ["abalone1", "abalone1_with_null"])
def test_clustered_variance_linregr_install_check(abalone1, table):
    conn, x, y, sex = abalone1
    # MADlib's 5-argument call, then the 6-argument one with grouping_col NULL (clustered_variance.sql_in)
    conn.execute(f"SELECT indb_ml.clustered_variance_linregr('{table}', 'temp_out', 'rings', '{ABALONE_X}', 'sex')")
    conn.execute(f"SELECT indb_ml.clustered_variance_linregr('{table}', 'temp_out2', 'rings', '{ABALONE_X}', 'sex', "
                 "NULL)")
    row = fetch(conn, "SELECT * FROM temp_out")[0]
    _check(row, CLUSTERED_LINEAR, 1e-6)  # regress/test/clustered.sql_in, at MADlib's 1e-6
    assert fetch(conn, "SELECT * FROM temp_out2")[0]["p_values"] == row["p_values"]
    assert row["num_rows_processed"] == 550
    # oracle: statsmodels' cluster-robust OLS (same small-sample factor); p from Student t, N-K df
    ref = sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": np.unique(sex, return_inverse=True)[1]})
    np.testing.assert_allclose(row["coef"], ref.params, rtol=1e-9)
    np.testing.assert_allclose(row["std_err"], ref.bse, rtol=1e-9)
    np.testing.assert_allclose(row["p_values"], 2 * stats.t.sf(np.abs(ref.tvalues), len(y) - 5), rtol=1e-8)


def test_clustered_variance_logregr_install_check(abalone1):
    conn, x, y, sex = abalone1
    for i, table in enumerate(("abalone1", "abalone1_with_null")):
        # regress/test/clustered.sql_in: MADlib's 10-argument form (grouping_col NULL, then max_iter ...)
        conn.execute(f"SELECT indb_ml.clustered_variance_logregr('{table}', 'lo{i}', 'rings < 10', '{ABALONE_X}', "
                     "'sex', NULL, 100, 'irls', 1e-6, False)")
        _check(fetch(conn, f"SELECT * FROM lo{i}")[0], CLUSTERED_LOGISTIC, 1e-4)
    # MADlib's 5-argument form (clustered_variance.sql_in example) and indb_ml's earlier (…, max_iter, …)
    conn.execute(f"SELECT indb_ml.clustered_variance_logregr('abalone1', 'lo5', 'rings < 10', '{ABALONE_X}', 'sex')")
    conn.execute(f"SELECT indb_ml.clustered_variance_logregr('abalone1', 'lo6', 'rings < 10', '{ABALONE_X}', 'sex', "
                 "100, 'irls', 1e-10)")
    row = fetch(conn, "SELECT * FROM lo6")[0]
    _check(fetch(conn, "SELECT * FROM lo5")[0], CLUSTERED_LOGISTIC, 1e-4)
    ref = sm.Logit((y < 10).astype(float), x).fit(disp=0, tol=1e-12, cov_type="cluster",
                                                  cov_kwds={"groups": np.unique(sex, return_inverse=True)[1]})
    np.testing.assert_allclose(row["coef"], ref.params, rtol=1e-7)
    np.testing.assert_allclose(row["std_err"], ref.bse, rtol=1e-6)
    np.testing.assert_allclose(row["p_values"], ref.pvalues, rtol=1e-5)


def test_clustered_variance_mlogregr_install_check(abalone1):
    conn = abalone1[0]
    conn.execute("CREATE TABLE abalone2_with_null AS SELECT length, diameter, height, whole, sex, "
                 "(rings < 10)::integer AS y FROM abalone1_with_null")
    for i, table in enumerate(("abalone2", "abalone2_with_null")):
        # regress/test/clustered.sql_in: ref_category 0, grouping_cols NULL, optimizer_params, verbose_mode
        conn.execute(f"SELECT indb_ml.clustered_variance_mlogregr('{table}', 'ml{i}', 'y', '{ABALONE_X}', 'sex', 0, "
                     "NULL, 'max_iter=100, optimizer=irls, tolerance=1e-6', False)")
        _check(fetch(conn, f"SELECT * FROM ml{i}")[0], CLUSTERED_LOGISTIC, 1e-4)
    # the earlier indb_ml form, optimizer_params 7th, and MADlib's 6-argument form: the same model
    conn.execute(f"SELECT indb_ml.clustered_variance_mlogregr('abalone2', 'ml3', 'y', '{ABALONE_X}', 'sex', 0, "
                 "'max_iter=100, tolerance=1e-6')")
    conn.execute(f"SELECT indb_ml.clustered_variance_mlogregr('abalone2', 'ml4', 'y', '{ABALONE_X}', 'sex', 0)")
    _check(fetch(conn, "SELECT * FROM ml3")[0], CLUSTERED_LOGISTIC, 1e-4)
    # the default optimizer_params (max_iter=20, tolerance=1e-4) stop earlier, within 1e-3
    _check(fetch(conn, "SELECT * FROM ml4")[0], CLUSTERED_LOGISTIC, 1e-3)


@pytest.mark.parametrize("call", [
    f"clustered_variance_linregr('abalone1', 'g', 'rings', '{ABALONE_X}', 'sex', 'id')",
    f"clustered_variance_logregr('abalone1', 'g', 'rings < 10', '{ABALONE_X}', 'sex', 'id')",
    f"clustered_variance_mlogregr('abalone2', 'g', 'y', '{ABALONE_X}', 'sex', 0, 'sex')",
])
def test_clustered_variance_grouping_is_refused(abalone1, call):
    conn = abalone1[0]
    with pytest.raises(E.FeatureNotSupported, match="grouping_col is not supported"), conn.transaction():
        conn.execute("SELECT indb_ml." + call)
    assert conn.execute("SELECT to_regclass('g')").fetchone()[0] is None
