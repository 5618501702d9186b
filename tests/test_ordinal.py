"""ordinal against statsmodels' OrderedModel (logit and probit)."""

from __future__ import annotations

import warnings

import numpy as np
import psycopg.errors as E
import pytest
from statsmodels.miscmodels.ordinal_model import OrderedModel

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


@pytest.mark.parametrize("link", ["logit", "probit"])
def test_ordinal_matches_statsmodels(data, link):
    conn, x, y = data
    conn.execute("SELECT indb_ml.ordinal('d', 'm', 'grade', 'ARRAY[x1, x2]', %s, %s)", [", ".join(LEVELS), link])
    row = conn.execute("SELECT coef_threshold, std_err_threshold, log_likelihood, coef_feature, std_err_feature, "
                       "p_values_feature, num_rows_processed, num_rows_skipped FROM m").fetchone()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = OrderedModel(y, x, distr=link).fit(method="bfgs", disp=0, maxiter=5000, gtol=1e-10)
    p = ref.params
    thresholds = np.cumsum(np.concatenate([[p[2]], np.exp(p[3:])]))
    jac = np.zeros((3, 3))  # d thresholds / d (theta0, log increments): the delta method
    jac[:, 0] = 1
    for m in (1, 2):
        jac[m:, m] = np.exp(p[2 + m])
    threshold_se = np.sqrt(np.diag(jac @ ref.cov_params()[2:, 2:] @ jac.T))
    np.testing.assert_allclose(row[0], thresholds, rtol=1e-6)
    np.testing.assert_allclose(row[1], threshold_se, rtol=1e-4)
    assert row[2] == pytest.approx(ref.llf, rel=1e-9)
    np.testing.assert_allclose(row[3], p[:2], rtol=1e-6)
    np.testing.assert_allclose(row[4], ref.bse[:2], rtol=1e-4)
    np.testing.assert_allclose(row[5], ref.pvalues[:2], rtol=1e-3, atol=1e-300)
    assert (row[6], row[7]) == (1500, 1)


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
