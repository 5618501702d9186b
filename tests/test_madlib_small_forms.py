"""Small MADlib call forms (issue 14): the usage overloads of the predict functions and
elastic_net_train's optimizer_params wrapped in braces, as MADlib's own tests call them."""

from __future__ import annotations

import numpy as np
import psycopg.errors as E
import pytest
from sklearn.linear_model import ElasticNet

# ----------------------------------------------------------------------------- usage overloads

# MADlib: regress/linear.sql_in and regress/logistic.sql_in declare fn(message TEXT) and fn()
# for linregr_predict, logregr_predict and logregr_predict_prob; MADlib's
# regress/test/linear.sql_in (tests/fixtures/madlib_checks/regress/linear.sql_in:213-215)
# calls linregr_predict(), linregr_predict('usage') and linregr_predict('example').
PREDICTS = ("linregr_predict", "logregr_predict", "logregr_predict_prob")


@pytest.mark.parametrize("fn", PREDICTS)
def test_usage_overloads(postgresql, fn):
    texts = {postgresql.execute(f"SELECT indb_ml.{fn}({arg})").fetchone()[0]
             for arg in ("", "'usage'", "'example'", "NULL", "'?'")}
    assert len(texts) == 1, fn
    text = texts.pop()
    assert text.startswith(f"SELECT indb_ml.{fn}(") and "coef" in text and "col_ind_var" in text
    kind = postgresql.execute(
        "SELECT p.provolatile, p.proparallel, pg_catalog.obj_description(p.oid, 'pg_proc') IS NOT NULL "
        "FROM pg_catalog.pg_proc p WHERE p.pronamespace = 'indb_ml'::regnamespace AND p.proname = %s "
        "AND p.pronargs <= 1", [fn]).fetchall()
    assert kind == [("i", "s", True)] * 2


# MADlib's documented example (regress/linear.sql_in, "Compare predicted price with actual"):
# coef of houses_linregr and the prediction for house 1 (tax 590, bath 1, size 770).
HOUSES_COEF = [-12849.4168959872, 28.9613922651765, 10181.6290712648, 50.516894915354]
HOUSE1_PREDICT = 53317.4426965542


def test_predict_calls_stay_unambiguous(postgresql):
    """The new one-argument text overloads must not change how two-argument calls resolve,
    untyped literals and integer arrays included."""
    coef = "'{" + ",".join(map(repr, HOUSES_COEF)) + "}'"
    oracle = float(np.dot(HOUSES_COEF, [1, 590, 1, 770]))
    assert oracle == pytest.approx(HOUSE1_PREDICT, rel=1e-12)
    for call in (f"indb_ml.linregr_predict({coef}, '{{1, 590, 1, 770}}')",
                 f"indb_ml.linregr_predict({coef}::float8[], ARRAY[1, 590, 1, 770])",
                 f"indb_ml.linregr_predict(ARRAY{HOUSES_COEF}, ARRAY[1, 590, 1.0, 770])"):
        assert postgresql.execute("SELECT " + call).fetchone()[0] == pytest.approx(HOUSE1_PREDICT, rel=1e-12), call
    assert postgresql.execute("SELECT indb_ml.linregr_predict(ARRAY[1, 2], ARRAY[3, 4])").fetchone()[0] == 11
    assert postgresql.execute("SELECT indb_ml.linregr_predict(NULL, NULL)").fetchone()[0] is None
    p = postgresql.execute("SELECT indb_ml.logregr_predict_prob('{0.5, -1}', '{1, 2}'), "
                           "indb_ml.logregr_predict('{0.5, -1}', '{1, 2}'), "
                           "indb_ml.logregr_predict(ARRAY[1, 1], ARRAY[1, 2])").fetchone()
    assert p[0] == pytest.approx(1 / (1 + np.exp(1.5)), rel=1e-14) and p[1] is False and p[2] is True
    with pytest.raises(E.DatabaseError, match="2 coefficients but 3 features"):
        postgresql.execute("SELECT indb_ml.linregr_predict('{1, 2}', '{1, 2, 3}')")


# ----------------------------------------------------------------------------- optimizer_params in braces

# MADlib's elastic_net/test/elastic_net.ic.sql_in (tests/fixtures/madlib_checks/elastic_net/
# elastic_net.ic.sql_in:183) passes optimizer_params as this string, braces, newline and the stray
# "1" included; MADlib's parser (utilities.py_in, preprocess_keyvalue_params) keeps only the
# name = value pairs, so it means 'eta = 2, max_stepsize = 0.5, use_active_set = f'.
MADLIB_BRACED = "{eta = 2, max_stepsize = 0.5, use_active_set = f\n   }    1"
PLAIN = "eta = 2, max_stepsize = 0.5, use_active_set = f"


@pytest.fixture
def data(postgresql):
    rng = np.random.default_rng(14)
    x = rng.normal(size=(400, 3)) * [1, 2, 0.5]
    y = 1 + x @ [1.5, 0, -0.7] + rng.normal(size=400)
    postgresql.execute("CREATE TABLE d (y float8, x float8[])")
    with postgresql.cursor().copy("COPY d FROM STDIN") as copy:
        for i in range(400):
            copy.write_row([y[i], list(x[i])])
    return postgresql, x, y


def train(conn, out, params, optimizer="fista"):
    conn.execute("SELECT indb_ml.elastic_net_train('d', %s, 'y', 'x', 'gaussian', 0.5, 0.1, false, NULL, %s, "
                 "%s, NULL, 10000, 1e-12)", [out, optimizer, params])
    return conn.execute(f"SELECT coef_all, intercept FROM {out}").fetchone()


@pytest.mark.parametrize("braced, plain", [
    (MADLIB_BRACED, PLAIN),
    ("{ eta = 1.5 }", "eta = 1.5"),
    ("{warmup = t, warmup_lambdas = {0.5, 0.3, 0.1}}", "warmup = t, warmup_lambdas = {0.5, 0.3, 0.1}"),
])
def test_braced_optimizer_params_equal_plain(data, braced, plain):
    conn, x, y = data
    a = train(conn, "e_braced", braced)
    b = train(conn, "e_plain", plain)
    assert a == b
    ref = ElasticNet(alpha=0.1, l1_ratio=0.5, tol=1e-14, max_iter=100000).fit(x, y)
    np.testing.assert_allclose(a[0], ref.coef_, rtol=1e-7, atol=1e-9)
    assert a[1] == pytest.approx(ref.intercept_, rel=1e-7)


def test_braced_params_are_still_checked(data):
    conn = data[0]
    for params, message in (("{eta = 2} max_stepsize = 0.5", "after the closing brace"),
                            ("{bogus = 2}", "unknown parameter 'bogus'"),
                            ("{eta = 0.5}", "eta must be larger than 1"),
                            ("{eta = 2", "unclosed")):
        with pytest.raises(E.DatabaseError, match=message) as err:
            train(conn, "bad", params)
        assert err.value.sqlstate.startswith("22"), params
        conn.rollback()
        assert conn.execute("SELECT to_regclass('bad') IS NULL AND to_regclass('bad_summary') IS NULL").fetchone()[0]
