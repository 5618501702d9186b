"""multinom_predict and ordinal_predict (MADlib's table predictions), their row functions, and
every row-level predict function under forced parallel query.

Oracles: statsmodels' MNLogit / OrderedModel ``predict`` on the models' own coefficients
(1e-10: the formulas are the same, only the evaluation differs) and scipy's normal CDF for
the PL/pgSQL probit (absolute 1e-15). Forced-parallel results must equal serial ones.
"""

from __future__ import annotations

import numpy as np
import psycopg.errors as E
import pytest
from scipy import special, stats

N = 1200
LEVELS = ["low", "mid", "high"]


@pytest.fixture
def data(postgresql):
    rng = np.random.default_rng(41)
    x = rng.normal(size=(N, 2))
    g = rng.integers(0, 2, size=N)
    eta = x @ np.array([1.0, -0.7]) + 0.5 * g
    cat = np.digitize(eta + rng.logistic(size=N), [-0.5, 0.9])
    postgresql.execute("CREATE TABLE d (id int, g int, cat int, grade text, x1 float8, x2 float8)")
    with postgresql.cursor().copy("COPY d FROM STDIN") as copy:
        for i in range(N):
            copy.write_row([i + 1, int(g[i]), int(cat[i]), LEVELS[cat[i]], *x[i]])
    return postgresql, x, g, cat


def _softmax_ref_first(x, coefs):
    eta = np.column_stack([np.zeros(len(x)), x @ np.asarray(coefs).T])
    return np.exp(eta - special.logsumexp(eta, axis=1, keepdims=True))


def test_multinom_predict_grouped_matches_the_model(data):
    conn, x, g, cat = data
    xi = np.column_stack([np.ones(N), x])
    conn.execute("SELECT indb_ml.multinom('d', 'mm', 'cat', 'ARRAY[1, x1, x2]', 1, 'logit', 'g', "
                 "'max_iter=50, tolerance=1e-12')")
    summary = conn.execute("SELECT method, ref_category, category_list, grouping_col, num_all_groups, "
                           "total_rows_processed FROM mm_summary").fetchone()
    # MADlib's category_list: sorted, then the reference swapped into the first place (glm/multinom.py_in)
    assert summary == ("multinom", "1", "1,0,2", "g", 2, N)
    conn.execute("SELECT indb_ml.multinom_predict('mm', 'd', 'pp', 'probability')")
    conn.execute("SELECT indb_ml.multinom_predict('mm', 'd', 'pr')")
    got = np.array(conn.execute('SELECT "0", "1", "2" FROM pp ORDER BY id').fetchall())
    labels = np.array([r[0] for r in conn.execute("SELECT category FROM pr ORDER BY id").fetchall()])
    want = np.empty((N, 3))
    for grp in (0, 1):
        rows = conn.execute("SELECT category, coef FROM mm WHERE g = %s ORDER BY category", [grp]).fetchall()
        assert [r[0] for r in rows] == ["0", "2"]  # varchar, as MADlib's
        p = _softmax_ref_first(xi[g == grp], [r[1] for r in rows])  # columns: ref 1, then 0, 2
        want[g == grp] = p[:, [1, 0, 2]]
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-15)
    assert (labels == np.argmax(want, axis=1).astype(str)).all()  # category text, as MADlib's response
    assert np.mean(labels == cat.astype(str)) > 0.4  # better than chance on its own training data


def test_multinom_predict_takes_mlogregr_models_and_the_row_function(data):
    conn, x, _, _ = data
    conn.execute("SELECT indb_ml.mlogregr_train('d', 'ml', 'cat', 'ARRAY[1, x1, x2]', 0, "
                 "'max_iter=50, tolerance=1e-12')")
    conn.execute("SELECT indb_ml.multinom_predict('ml', 'd', 'pp', 'probability', false, 'id')")
    got = np.array(conn.execute('SELECT "0", "1", "2" FROM pp ORDER BY id').fetchall())
    coefs = [r[0] for r in conn.execute("SELECT coef FROM ml ORDER BY category").fetchall()]
    np.testing.assert_allclose(got, _softmax_ref_first(np.column_stack([np.ones(N), x]), coefs), rtol=1e-10)
    row = conn.execute("SELECT indb_ml.multinom_predict_prob((SELECT array_agg(coef ORDER BY category) FROM ml), "
                       "ARRAY[1, 0.5, -0.25])").fetchone()[0]
    np.testing.assert_allclose(row, _softmax_ref_first(np.array([[1, 0.5, -0.25]]), coefs)[0], rtol=1e-12)


@pytest.mark.parametrize("link", ["logit", "probit"])
def test_ordinal_predict_matches_the_cumulative_model(data, link):
    conn, x, _, cat = data
    conn.execute("SELECT indb_ml.ordinal('d', 'om', 'grade', 'ARRAY[x1, x2]', 'low, mid, high', %s)", [link])
    assert conn.execute("SELECT method, category_list, link_func FROM om_summary").fetchone() == (
        "ordinal", "low,mid,high", link)
    conn.execute("SELECT indb_ml.ordinal_predict('om', 'd', 'op')")
    conn.execute("SELECT indb_ml.ordinal_predict('om', 'd', 'orr', 'response')")
    got = np.array(conn.execute("SELECT low, mid, high FROM op ORDER BY id").fetchall())
    theta, beta = conn.execute("SELECT coef_threshold, coef_feature FROM om").fetchone()
    f = special.expit if link == "logit" else stats.norm.cdf
    cum = np.column_stack([f(t - x @ np.array(beta)) for t in theta] + [np.ones(N)])
    want = np.diff(np.column_stack([np.zeros(N), cum]), axis=1)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-15)
    labels = [r[0] for r in conn.execute("SELECT category FROM orr ORDER BY id").fetchall()]
    assert labels == [LEVELS[i] for i in np.argmax(want, axis=1)]


def test_normal_cdf_in_plpgsql_matches_scipy(postgresql):
    xs = np.concatenate([np.linspace(-40, 40, 801), [-7.0710678, 7.0710678, 0.0, 1e-9]])
    got = postgresql.execute("SELECT array_agg(indb_ml._normal_cdf(v) ORDER BY o) FROM unnest(%s::float8[]) "
                             "WITH ORDINALITY u(v, o)", [xs.tolist()]).fetchone()[0]
    np.testing.assert_allclose(got, stats.norm.cdf(xs), rtol=0, atol=1e-15)


@pytest.mark.parametrize("call, message", [
    ("'mm', 'd', 'o', 'guess'", "predict_type"),
    ("'mm', 'nope', 'o'", "nope"),
    ("'mm', 'd', 'o', 'response', false, 'no_such_id'", "no column 'no_such_id'"),
    ("'d', 'd', 'o'", "not a multinom or mlogregr model|summary"),
    ("'mm', 'd2', 'o'", "x2"),
])
def test_multinom_predict_bad_input(data, call, message):
    conn = data[0]
    conn.execute("SELECT indb_ml.multinom('d', 'mm', 'cat', 'ARRAY[1, x1, x2]')")
    conn.execute("CREATE TABLE d2 AS SELECT id, cat, x1 FROM d")
    with pytest.raises(E.Error, match=message), conn.transaction():
        conn.execute("SELECT indb_ml.multinom_predict(" + call + ")")
    assert conn.execute("SELECT to_regclass('o')").fetchone()[0] is None


def force_parallel(conn) -> None:
    for setting in ("parallel_setup_cost = 0", "parallel_tuple_cost = 0", "min_parallel_table_scan_size = 0",
                    "max_parallel_workers_per_gather = 2", "force_parallel_mode = on"):
        conn.execute("SET " + setting)


PREDICTS = [
    "indb_ml.linregr_predict(ARRAY[0.5, 1, -2], ARRAY[1, x1, x2])",
    "indb_ml.logregr_predict_prob(ARRAY[0.5, 1, -2], ARRAY[1, x1, x2])",
    "indb_ml.logregr_predict(ARRAY[0.5, 1, -2], ARRAY[1, x1, x2])::int",
    "indb_ml.glm_predict(ARRAY[0.5, 1, -2], ARRAY[1, x1, x2], 'probit')",
    "indb_ml.glm_predict_poisson(ARRAY[0.1, 0.3, -0.2], ARRAY[1, x1, x2], 'log')",
    "indb_ml.elastic_net_binomial_prob(ARRAY[1, -2], 0.5, ARRAY[x1, x2])",
    "(indb_ml.multinom_predict_prob('{{0.5, 1, -2}, {0.1, -1, 1}}', ARRAY[1, x1, x2]))[2]",
    "(indb_ml.ordinal_predict_prob(ARRAY[-0.5, 0.9], ARRAY[1, -0.7], ARRAY[x1, x2], 'probit'))[2]",
]


@pytest.mark.parametrize("expr", PREDICTS)
def test_predict_functions_run_in_parallel_workers_and_equal_serial(data, expr):
    """The predict functions are PARALLEL SAFE: under forced parallel query the plan gathers
    from workers, and the sum over every row equals the serial one."""
    conn = data[0]
    query = f"SELECT sum({expr}) FROM d"
    serial = conn.execute(query).fetchone()[0]
    force_parallel(conn)
    plan = "\n".join(r[0] for r in conn.execute("EXPLAIN " + query).fetchall())
    assert "Gather" in plan and "Parallel Seq Scan" in plan, plan
    assert conn.execute(query).fetchone()[0] == pytest.approx(serial, rel=1e-12)


@pytest.mark.parametrize("call, error, message", [
    ("indb_ml.multinom_predict_prob('{0.5, 1}', ARRAY[1, 2])", E.ArraySubscriptError, "2-D array"),
    ("indb_ml.multinom_predict_prob('{{0.5, 1}}', ARRAY[1, 2, 3])", E.ArraySubscriptError,
     "2 coefficients per category but 3 features"),
    ("indb_ml.multinom_predict_prob('{{0.5, 1}}', '{{1, 2}}')", E.ArraySubscriptError, "2 coefficients"),
    ("indb_ml.multinom_predict_prob('{{0.5, 1}}', ARRAY[1, NULL])", E.NullValueNotAllowed, "a feature is NULL"),
    ("indb_ml.multinom_predict_prob('{{0.5, NULL}}', ARRAY[1, 2])", E.NullValueNotAllowed, "coefficient is NULL"),
    ("indb_ml.ordinal_predict_prob('{0, 1}', '{1}', ARRAY[1, 2], 'logit')", E.ArraySubscriptError,
     "1 coefficients but 2 features"),
    ("indb_ml.ordinal_predict_prob('{0, 1}', '{1}', ARRAY[NULL::float8], 'logit')", E.NullValueNotAllowed, "NULL"),
    ("indb_ml.ordinal_predict_prob('{0, NULL}', '{1}', ARRAY[1], 'logit')", E.NullValueNotAllowed,
     "coef_threshold"),
    ("indb_ml.ordinal_predict_prob('{}', '{1}', ARRAY[1], 'logit')", E.ArraySubscriptError, "empty"),
    ("indb_ml.ordinal_predict_prob('{0, 1}', '{1}', ARRAY[1], 'cloglog')", E.InvalidParameterValue,
     "unknown link 'cloglog'"),
])
def test_row_functions_reject_bad_arguments(postgresql, call, error, message):
    with pytest.raises(error, match=message):
        postgresql.execute("SELECT " + call)


def test_row_functions_are_c_and_keep_their_results(postgresql):
    """The C row functions give what the PL/pgSQL ones gave: the same formulas (softmax with
    the largest predictor subtracted; Hart's normal CDF for the probit, as _normal_cdf), checked
    against numpy and against _normal_cdf itself, extreme predictors included."""
    langs = postgresql.execute("SELECT proname, l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang "
                               "WHERE proname IN ('multinom_predict_prob', 'ordinal_predict_prob')").fetchall()
    assert sorted(langs) == [("multinom_predict_prob", "c"), ("ordinal_predict_prob", "c")]
    coefs = [[800.0, -1.0], [-3.0, 2.0]]
    for x in ([1.0, 0.5], [1.0, -900.0], [0.0, 0.0]):
        got = postgresql.execute("SELECT indb_ml.multinom_predict_prob(%s, %s)", [coefs, x]).fetchone()[0]
        np.testing.assert_allclose(got, _softmax_ref_first(np.array([x]), coefs)[0], rtol=1e-14, atol=1e-300)
    theta, beta = [-0.5, 0.9, 40.0], [1.0, -0.7]
    for x in ([0.3, 0.1], [-710.0, 0.0], [720.0, 1.0]):
        for link in ("logit", "probit", "PROBIT"):
            got = postgresql.execute("SELECT indb_ml.ordinal_predict_prob(%s, %s, %s, %s)",
                                     [theta, beta, x, link]).fetchone()[0]
            g = np.array(theta) - np.dot(beta, x)
            if link == "logit":
                cum = np.where(g > 700, 1.0, np.where(g < -700, 0.0, special.expit(g)))
            else:
                cum = np.array([postgresql.execute("SELECT indb_ml._normal_cdf(%s)", [float(v)]).fetchone()[0]
                                for v in g])
            np.testing.assert_allclose(got, np.diff(np.concatenate([[0.0], cum, [1.0]])), rtol=1e-15, atol=1e-300)
