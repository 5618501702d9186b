"""MADlib's argument forms of the regression functions (issue 14), run on MADlib's own examples.

Every call below is written as MADlib 2.1 documents it (with ``madlib.`` replaced by
``indb_ml.``); the expected numbers are copied from Apache MADlib, the path beside each, and
an independent oracle computed in the test (statsmodels, numpy) checks the same numbers.
MADlib's tests compare with ``relative_error(a, b) = |a - b| / |b|`` (2-norms for arrays).
"""

from __future__ import annotations

import warnings

import numpy as np
import psycopg.errors as E
import pytest
from statsmodels.miscmodels.ordinal_model import OrderedModel


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


def test_ordinal_doc_example_cat_order_with_less_than(ordinal_tables):
    conn = ordinal_tables
    # glm/ordinal.sql_in, "Run the multilogistic regression function" (MADlib's own call)
    conn.execute("SELECT indb_ml.ordinal('test3', 'test3_output', 'cat', 'ARRAY[feat1, feat2]', '0<1<2', 'logit')")
    row = fetch(conn, "SELECT * FROM test3_output")[0]
    # glm/ordinal.sql_in, "SELECT * FROM test3_output"
    assert relative_error(row["coef_threshold"], [4.12831944358935, 6.55999442887089]) < 1e-6
    assert relative_error(row["coef_feature"], [0.574822563129293, 0.108115645059558]) < 1e-5
    assert relative_error(row["log_likelihood"], -42.1390192418541) < 1e-9
    assert (row["num_rows_processed"], row["num_rows_skipped"]) == (57, 0)
    beta, theta, llf = _ordinal_oracle(TEST3, "logit")
    np.testing.assert_allclose(row["coef_threshold"], theta, rtol=1e-6)
    np.testing.assert_allclose(row["coef_feature"], beta, rtol=1e-6)
    assert row["log_likelihood"] == pytest.approx(llf, rel=1e-10)
    summary = fetch(conn, "SELECT category_list, link_func, optimizer_params FROM test3_output_summary")[0]
    assert summary["category_list"] == "0,1,2" and summary["link_func"] == "logit"
    assert summary["optimizer_params"].startswith("optimizer=irls, max_iter=100")


@pytest.mark.parametrize("link, coef_threshold, coef_feature, log_likelihood, prob0", [
    # glm/test/ordinal.sql_in: the logit and probit install-checks and their predictions
    ("logit", [2.6350, 3.8995], [.53958, .05595], -190.92, [0.5342011, 0.4278446, 0.2375883, 0.5062776]),
    ("probit", [1.5104, 2.2577], [.31431, .03215], -191.9912, [0.5281595, 0.4288294, 0.2461692, 0.5025270]),
])
def test_ordinal_install_check(ordinal_tables, link, coef_threshold, coef_feature, log_likelihood, prob0):
    conn = ordinal_tables
    conn.execute("SELECT indb_ml.ordinal('multinom_test', 'ordinal_out', 'cat', 'ARRAY[feat1, feat2]', '0<1<2', %s)",
                 [link])
    row = fetch(conn, "SELECT coef_threshold, coef_feature, log_likelihood FROM ordinal_out")[0]
    assert relative_error(row["coef_threshold"], coef_threshold) < 1e-4
    assert relative_error(row["coef_feature"], coef_feature) < 1e-4
    assert relative_error(row["log_likelihood"], log_likelihood) < 1e-4
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
    for c in coefs[1:]:
        np.testing.assert_allclose(c, coefs[0], rtol=1e-8)
    assert conn.execute("SELECT optimizer_params FROM o2_summary").fetchone()[0] == \
        "optimizer=irls, max_iter=50, tolerance=1e-10"
    # the order matters: reversed, the thresholds and coefficients change sign
    conn.execute("SELECT indb_ml.ordinal('test3', 'o5', 'cat', 'ARRAY[feat1, feat2]', '2<1<0')")
    reverse = conn.execute("SELECT coef_threshold, coef_feature FROM o5").fetchone()
    np.testing.assert_allclose(reverse[1], -np.asarray(coefs[0][2:]), rtol=1e-6)


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
