"""Small MADlib call forms (issue 14): the usage overloads of the predict functions and
elastic_net_train's optimizer_params wrapped in braces, as MADlib's own tests call them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import psycopg.errors as E
import pytest
from sklearn.linear_model import ElasticNet

# ----------------------------------------------------------------------------- usage overloads

# MADlib: regress/linear.sql_in and regress/logistic.sql_in declare fn(message TEXT) and fn()
# for linregr_predict, logregr_predict and logregr_predict_prob; MADlib's
# regress/test/linear.sql_in (tests/fixtures/madlib_checks/regress/linear.sql_in:213-215)
# calls linregr_predict(), linregr_predict('usage') and linregr_predict('example').
PREDICTS = ("linregr_predict", "logregr_predict", "logregr_predict_prob", "glm_predict")
# MADlib's glm/glm.sql_in declares glm_predict(message) and glm_predict(), and only the message
# form for glm_predict_poisson and glm_predict_binomial.
MESSAGE_ONLY = ("glm_predict_poisson", "glm_predict_binomial")


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


@pytest.mark.parametrize("fn", MESSAGE_ONLY)
def test_message_only_overloads(postgresql, fn):
    for arg in ("'usage'", "NULL", "'example'"):
        text = postgresql.execute(f"SELECT indb_ml.{fn}({arg})").fetchone()[0]
        assert text.startswith(f"SELECT indb_ml.{fn}(") and "link" in text
    with pytest.raises(E.UndefinedFunction):
        postgresql.execute(f"SELECT indb_ml.{fn}()")


def test_glm_predict_calls_stay_unambiguous(postgresql):
    mean, count, cls = postgresql.execute(
        "SELECT indb_ml.glm_predict('{0.5, -1}', '{1, 0.2}', 'log'), "
        "indb_ml.glm_predict_poisson(ARRAY[0.5, 1], ARRAY[1, 2], 'log'), "
        "indb_ml.glm_predict_binomial('{0.5, -1}', '{1, 2}', 'logit')").fetchone()
    assert mean == pytest.approx(np.exp(0.3), rel=1e-14)
    assert count == np.round(np.exp(2.5)) and cls is False


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
    # MADlib's FISTA (the default optimizer) stops near the minimizer, not on it
    np.testing.assert_allclose(a[0], ref.coef_, atol=1e-4 * np.abs(ref.coef_).max())
    assert a[1] == pytest.approx(ref.intercept_, abs=1e-4 * abs(ref.intercept_))


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


# ----------------------------------------------------------------------------- multinom_predict id expression

# MADlib's glm/test/multinom.sql_in (tests/fixtures/madlib_checks/glm/multinom.sql_in:247-310): the
# multinom_test rows, the model multinom('multinom_test', 'mglm_test', 'cat', 'ARRAY[feat1, feat2, 1]',
# '2', 'logit') with category 1's coef {-.45117861, -.11221493, 5.9900061}, and multinom_predict
# with id_column 'ARRAY[feat1, feat2, 1]'. MADlib's multinom.py_in names such an id
# "multinom_predict_id" (it is not a column of the input).
MULTINOM_SQL = Path(__file__).parent / "fixtures" / "madlib_checks" / "glm" / "multinom.sql_in"
MADLIB_CAT1_COEF = [-.45117861, -.11221493, 5.9900061]


@pytest.fixture
def multinom_test(postgresql):
    text = MULTINOM_SQL.read_text()
    start = text.index("INSERT INTO multinom_test(feat1, feat2, cat, g) VALUES")
    insert = text[start:text.index(";", start) + 1]
    postgresql.execute("CREATE TABLE multinom_test (feat1 integer, feat2 integer, cat integer, g char)")
    postgresql.execute(insert)
    postgresql.execute("SELECT indb_ml.multinom('multinom_test', 'mglm_test', 'cat', 'ARRAY[feat1, feat2, 1]', "
                       "'2', 'logit')")
    postgresql.commit()  # the error cases below roll back
    return postgresql


@pytest.mark.parametrize("kind", ["response", "prob"])
def test_multinom_predict_expression_id(multinom_test, kind):
    conn = multinom_test
    coefs = dict(conn.execute("SELECT category::int, coef FROM mglm_test").fetchall())
    np.testing.assert_allclose(coefs[1], MADLIB_CAT1_COEF, rtol=1e-4)
    conn.execute("SELECT indb_ml.multinom_predict('mglm_test', 'multinom_test', 'mglm_predict', %s, true, "
                 "'ARRAY[feat1, feat2, 1]')", [kind])
    cols = [r[0] for r in conn.execute(
        "SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = 'mglm_predict'::regclass AND attnum > 0 "
        "ORDER BY attnum").fetchall()]
    x = np.array(conn.execute("SELECT feat1, feat2, 1 FROM multinom_test ORDER BY feat1, feat2").fetchall(), float)
    cats = sorted({2, *coefs})  # the reference category 2 scores 0
    scores = np.column_stack([x @ coefs[c] if c != 2 else np.zeros(len(x)) for c in cats])
    prob = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    rows = conn.execute("SELECT * FROM mglm_predict ORDER BY multinom_predict_id[1], "
                        "multinom_predict_id[2]").fetchall()
    assert [list(r[0]) for r in rows] == x.tolist()  # one row per input row, the id is the evaluated array
    if kind == "response":
        assert cols == ["multinom_predict_id", "category"]
        assert [r[1] for r in rows] == [str(cats[i]) for i in prob.argmax(axis=1)]  # text, as MADlib's
    else:
        # MADlib's column order, the summary's category_list: the reference 2 swapped to the front
        assert cols == ["multinom_predict_id", "2", "1", "0"]
        np.testing.assert_allclose([r[1:] for r in rows], prob[:, [cats.index(int(c)) for c in cols[1:]]],
                                   rtol=1e-10)


def test_multinom_predict_id_still_checked(multinom_test):
    conn = multinom_test
    for id_column, message in (("nosuch", "has no column 'nosuch'"),
                               ("ARRAY[feat1, nosuch]", "cannot evaluate id_column"),
                               ("feat1; DROP TABLE multinom_test", "only a single expression is allowed")):
        with pytest.raises(E.DatabaseError, match=message):
            conn.execute("SELECT indb_ml.multinom_predict('mglm_test', 'multinom_test', 'out', 'response', "
                         "false, %s)", [id_column])
        conn.rollback()
    assert conn.execute("SELECT to_regclass('out') IS NULL AND to_regclass('multinom_test') IS NOT NULL").fetchone()[0]


@pytest.mark.parametrize("kind", ["response", "prob"])
def test_mlogregr_predict_expression_id(multinom_test, kind):
    """MADlib's regress/test/multilogistic.sql_in:357-372 passes 'ARRAY[1, feat1, feat2]' as
    mlogregr_predict's id_col_name; MADlib's multilogistic.py_in then names the column
    mlogregr_predict_id (one row per input row)."""
    conn = multinom_test
    conn.execute("CREATE TABLE t3 AS SELECT feat1, feat2, cat - (SELECT min(cat) FROM multinom_test) AS c "
                 "FROM multinom_test")
    conn.execute("SELECT indb_ml.mlogregr_train('t3', 'm3', 'c', 'ARRAY[1, feat1, feat2]', 0, "
                 "'max_iter=50, precision=1e-10')")
    conn.execute("SELECT indb_ml.mlogregr_predict('m3', 't3', 'ARRAY[1, feat1, feat2]', 'p3', %s)", [kind])
    cols = [r[0] for r in conn.execute(
        "SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = 'p3'::regclass AND attnum > 0 "
        "ORDER BY attnum").fetchall()]
    assert cols[0] == "mlogregr_predict_id"
    assert cols[1:] == (["estimated_c"] if kind == "response" else ["estimated_prob_0", "estimated_prob_1",
                                                                     "estimated_prob_2"])
    got = conn.execute("SELECT mlogregr_predict_id FROM p3 ORDER BY mlogregr_predict_id[2], "
                       "mlogregr_predict_id[3]").fetchall()
    want = conn.execute("SELECT ARRAY[1, feat1, feat2] FROM t3 ORDER BY feat1, feat2").fetchall()
    assert got == want
