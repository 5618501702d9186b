"""multinom iterates, stops and counts as MADlib's multinom (glm/multinom.py_in,
MultiResponseGLM_impl.hpp): iteration t is a pass at the coefficients before it and a Newton
step; it stops when the log-likelihood of pass t changed by less than ``tolerance`` relative
to pass t-1 (``multi_response_glm_loglik_diff``) and reports t and the coefficients after
the last step. The statistics: by default at those coefficients (one more pass); with
``SET indb_ml.madlib_statistics = on`` MADlib's, from the last pass, a step behind.

Oracles: an independent numpy loop of MADlib's iteration (below: per-row ``Dᵀ V⁻¹ D`` of the
multinomial as MultiResponseGLM_impl.hpp sums it), and MADlib's printed example
(glm/multiresponseglm.sql_in), on both plans.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

from tests.test_multinom_categories import MADLIB, MADLIB_LOGLIK, TEST3

COLS = "category, coef, log_likelihood, std_err, z_stats, p_values, num_rows_processed, num_iterations, status"


def madlib_multinom(x, y, n_categories, tolerance=1e-6, max_iter=100):
    """MADlib's multinom iteration in numpy: ``(t, coef after step t, pass t, pass at coef)``,
    each pass ``(log-likelihood, std errors)``, coefficients category-major."""
    c, k = n_categories - 1, x.shape[1]

    def one_pass(beta):
        eta = x @ beta.reshape(c, k).T
        mu = np.exp(eta) / (1 + np.exp(eta).sum(axis=1, keepdims=True))
        ind = np.column_stack([y == j + 1 for j in range(c)]).astype(float)
        ll = float(np.sum(ind * np.log(mu)) + np.sum((1 - ind.sum(axis=1)) * np.log(1 - mu.sum(axis=1))))
        info = np.zeros((c * k, c * k))
        for xi, mi in zip(x, mu):
            info += np.kron(np.diag(mi) - np.outer(mi, mi), np.outer(xi, xi))
        return ll, ((ind - mu).T @ x).ravel(), info

    beta, previous, t = np.zeros(c * k), None, 0
    while True:
        t += 1
        ll, score, info = one_pass(beta)
        beta = beta + np.linalg.solve(info, score)
        change = np.inf if previous is None else abs(previous - ll) / min(abs(previous), abs(ll))
        if t >= max_iter or change < tolerance:
            break
        previous = ll
    ll_at, _, info_at = one_pass(beta)
    lagged = (ll, np.sqrt(np.diag(np.linalg.inv(info))))
    return t, beta, lagged, (ll_at, np.sqrt(np.diag(np.linalg.inv(info_at))))


@pytest.fixture
def test3(postgresql):
    postgresql.execute("CREATE TABLE test3 (feat1 integer, feat2 integer, cat integer)")
    with postgresql.cursor().copy("COPY test3 FROM STDIN") as copy:
        for row in TEST3:
            copy.write_row(row)
    return postgresql


def _rows(conn, table):
    return conn.execute(f"SELECT {COLS} FROM {table} ORDER BY category").fetchall()


@pytest.mark.parametrize("plan", ["memory", "aggregate"])
def test_madlib_example_with_madlib_statistics_is_madlibs_printed_output(test3, plan):
    """MADlib's printed example (glm/multiresponseglm.sql_in, "View the regression results"):
    6 iterations and every printed number, to 1e-13 relative (it prints 15 digits; the rest is
    summation order)."""
    conn = test3
    conn.execute(f"SET indb_ml.training_plan = {plan}")
    conn.execute("SET indb_ml.madlib_statistics = on")
    conn.execute("SELECT indb_ml.multinom('test3', 'test3_output', 'cat', 'ARRAY[1, feat1, feat2]', '0', 'logit')")
    rows = _rows(conn, "test3_output")
    assert [r[0] for r in rows] == ["1", "2"]
    for r in rows:
        coef, se, z, p = MADLIB[r[0]]
        np.testing.assert_allclose(r[1], coef, rtol=1e-13)
        assert r[2] == pytest.approx(MADLIB_LOGLIK, rel=1e-14)
        np.testing.assert_allclose(r[3], se, rtol=1e-13)
        np.testing.assert_allclose(r[4], z, rtol=1e-13)
        np.testing.assert_allclose(r[5], p, rtol=1e-12)
        assert r[6:] == (57, 6, "converged")


@pytest.mark.parametrize("plan", ["memory", "aggregate"])
def test_madlib_example_default_counts_as_madlib_with_statistics_at_the_coefficients(test3, plan):
    """By default: MADlib's 6 iterations and coefficients (1e-13), the statistics at those
    coefficients (the oracle's pass there, 1e-12), which differ from MADlib's printed ones,
    a step behind, by under 1e-10 relative here."""
    conn = test3
    conn.execute(f"SET indb_ml.training_plan = {plan}")
    conn.execute("SELECT indb_ml.multinom('test3', 'test3_output', 'cat', 'ARRAY[1, feat1, feat2]', '0', 'logit')")
    rows = _rows(conn, "test3_output")
    data = np.array(TEST3, float)
    x = np.column_stack([np.ones(len(data)), data[:, :2]])
    t, beta, _, (ll, se) = madlib_multinom(x, data[:, 2].astype(int), 3)
    assert t == 6
    for j, r in enumerate(rows):
        np.testing.assert_allclose(r[1], MADLIB[r[0]][0], rtol=1e-13)
        np.testing.assert_allclose(r[1], beta[3 * j:3 * j + 3], rtol=1e-10)
        assert r[2] == pytest.approx(ll, rel=1e-13)
        np.testing.assert_allclose(r[3], se[3 * j:3 * j + 3], rtol=1e-10)
        np.testing.assert_allclose(r[3], MADLIB[r[0]][1], rtol=1e-10)
        assert not np.allclose(r[3], MADLIB[r[0]][1], rtol=1e-12, atol=0)  # the step between them
        np.testing.assert_allclose(r[5], 2 * stats.norm.sf(np.abs(np.array(r[1]) / np.array(r[3]))), rtol=1e-12)
        assert r[6:] == (57, 6, "converged")


@pytest.mark.parametrize("flag", ["off", "on"])
def test_iteration_count_and_coefficients_follow_the_oracle(postgresql, flag):
    """On random data, with MADlib's default tolerance and with max_iter=2 (stops there,
    status max_iter): the count and the coefficients of the oracle of MADlib's iteration,
    the statistics of its last pass (flag on) or of its pass at the coefficients (off)."""
    rng = np.random.default_rng(11)
    n = 400
    x = np.column_stack([np.ones(n), rng.normal(size=(n, 2))])
    eta = np.column_stack([np.zeros(n), x @ np.array([[0.3, 1.0, -1.0], [-0.2, -0.7, 0.8]]).T])
    prob = np.exp(eta - special.logsumexp(eta, axis=1, keepdims=True))
    y = np.array([rng.choice(3, p=pi) for pi in prob])
    conn = postgresql
    conn.execute("CREATE TABLE r (y int, x1 float8, x2 float8)")
    with conn.cursor().copy("COPY r FROM STDIN") as copy:
        for i in range(n):
            copy.write_row([int(y[i]), x[i, 1], x[i, 2]])
    conn.execute(f"SET indb_ml.madlib_statistics = {flag}")
    for options, max_iter in (("", 100), ("max_iter=2", 2)):
        conn.execute("DROP TABLE IF EXISTS rm, rm_summary")
        conn.execute("SELECT indb_ml.multinom('r', 'rm', 'y', 'ARRAY[1, x1, x2]', '0', 'logit', NULL, %s)",
                     [options])
        t, beta, lagged, at_coef = madlib_multinom(x, y, 3, max_iter=max_iter)
        ll, se = lagged if flag == "on" else at_coef
        rows = _rows(conn, "rm")
        for j, r in enumerate(rows):
            np.testing.assert_allclose(r[1], beta[3 * j:3 * j + 3], rtol=1e-9)
            assert r[2] == pytest.approx(ll, rel=1e-12)
            np.testing.assert_allclose(r[3], se[3 * j:3 * j + 3], rtol=1e-9)
            assert r[7] == t and r[8] == ("max_iter" if max_iter == 2 else "converged")
        assert t == 2 if max_iter == 2 else t > 3


def test_summary_has_madlibs_columns(test3):
    """MADlib's multinom summary (glm/multinom.py_in): its column names, order and types."""
    conn = test3
    conn.execute("SELECT indb_ml.multinom('test3', 'test3_output', 'cat', 'ARRAY[1, feat1, feat2]')")
    cols = conn.execute("SELECT attname, format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = "
                        "'test3_output_summary'::regclass AND attnum > 0 ORDER BY attnum").fetchall()
    varchar, names = "character varying", [
        "method", "source_table", "out_table", "dependent_varname", "independent_varname", "ref_category",
        "category_list", "link_func", "grouping_col", "optimizer_params"]
    assert cols == [(c, varchar) for c in names] + [
        ("num_all_groups", "integer"), ("num_failed_groups", "integer"), ("total_rows_processed", "bigint"),
        ("total_rows_skipped", "bigint")]
    assert conn.execute("SELECT method, out_table, optimizer_params, num_all_groups, total_rows_processed FROM "
                        "test3_output_summary").fetchone() == (
        "multinom", "public.test3_output", "optimizer=irls, max_iter=100, tolerance=1e-06", 1, 57)
