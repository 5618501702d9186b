"""ordinal against an independent oracle of MADlib's Fisher scoring
(tests/ordinal_fisher_oracle.py: every output column, the iteration count included) and, for
the coefficients and the log-likelihood at convergence, statsmodels' OrderedModel (logit
and probit)."""

from __future__ import annotations

import warnings

import numpy as np
import psycopg.errors as E
import pytest
from statsmodels.miscmodels.ordinal_model import OrderedModel

from tests.ordinal_fisher_oracle import madlib_fisher

LEVELS = ["mild", "moderate", "severe", "critical"]


@pytest.fixture
def data(postgresql):
    rng = np.random.default_rng(37)
    n = 1500
    x = rng.normal(size=(n, 2))
    y = np.digitize(x @ [1.0, -0.5] + rng.logistic(size=n), [-1, 0.5, 1.5])
    postgresql.execute("CREATE TABLE d (grade text, x1 float8, x2 float8)")
    with postgresql.cursor().copy("COPY d FROM STDIN") as copy:
        for i in range(n):
            copy.write_row([LEVELS[y[i]], x[i, 0], x[i, 1]])
        copy.write_row([None, 0.0, 0.0])  # skipped
    return postgresql, x, y


MODEL_COLS = ("coef_threshold, std_err_threshold, z_stats_threshold, p_values_threshold, log_likelihood, "
              "coef_feature, std_err_feature, z_stats_feature, p_values_feature, num_iterations")


@pytest.mark.parametrize("link", ["logit", "probit"])
def test_ordinal_is_madlibs_fisher_scoring(data, link):
    """MADlib's defaults (tolerance 1e-6 on the log-likelihood's relative change): every
    column and the iteration count equal the oracle's, the standard errors from the
    expected information (not statsmodels', from the observed one: 1e-3 apart here)."""
    conn, x, y = data
    conn.execute("SELECT indb_ml.ordinal('d', 'm', 'grade', 'ARRAY[x1, x2]', %s, %s)", [", ".join(LEVELS), link])
    got = conn.execute(f"SELECT {MODEL_COLS}, num_rows_processed, num_rows_skipped FROM m").fetchone()
    want = madlib_fisher(x, y, 4, link)
    for name, value in zip(MODEL_COLS.split(", "), got):
        np.testing.assert_allclose(value, want[name], rtol=1e-9, atol=1e-300, err_msg=name)
    assert 3 < got[9] < 10 and got[10:] == (1500, 1)


@pytest.mark.parametrize("link", ["logit", "probit"])
def test_ordinal_converges_to_statsmodels(data, link):
    conn, x, y = data
    conn.execute("SELECT indb_ml.ordinal('d', 'm', 'grade', 'ARRAY[x1, x2]', %s, %s, NULL, "
                 "'tolerance=1e-12')", [", ".join(LEVELS), link])
    row = conn.execute("SELECT coef_threshold, log_likelihood, coef_feature, num_rows_processed, num_rows_skipped "
                       "FROM m").fetchone()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = OrderedModel(y, x, distr=link).fit(method="bfgs", disp=0, maxiter=5000, gtol=1e-10)
    p = ref.params
    np.testing.assert_allclose(row[0], np.cumsum(np.concatenate([[p[2]], np.exp(p[3:])])), rtol=1e-6)
    assert row[1] == pytest.approx(ref.llf, rel=1e-12)
    np.testing.assert_allclose(row[2], p[:2], rtol=1e-6)
    assert (row[3], row[4]) == (1500, 1)


@pytest.mark.parametrize("cat_order, link, message", [
    ("mild, moderate, severe", "logit", "1 rows have a dependent value that cat_order does not list"),
    ("mild", "logit", "two or more distinct categories"),
    ("mild, moderate, severe, critical", "cloglog", "must be logit or probit"),
])
def test_ordinal_bad_input(data, cat_order, link, message):
    conn = data[0]
    if "1 rows" in message:  # exactly one 'critical' row left
        conn.execute("DELETE FROM d WHERE grade = 'critical' AND ctid <> (SELECT min(ctid) FROM d "
                     "WHERE grade = 'critical')")
    with pytest.raises(E.InvalidParameterValue, match=message), conn.transaction():
        conn.execute("SELECT indb_ml.ordinal('d', 'm', 'grade', 'ARRAY[x1, x2]', %s, %s)", [cat_order, link])
    assert conn.execute("SELECT to_regclass('m')").fetchone()[0] is None
