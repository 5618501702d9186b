"""elastic_net_train against scikit-learn (ElasticNet; LogisticRegression with the elastic-net penalty).

These run optimizer 'cd' (coordinate descent, the exact minimizer); MADlib's FISTA, the
default, is tested in test_elastic_net_fista.py."""

from __future__ import annotations

import warnings

import numpy as np
import psycopg.errors as E
import pytest
from sklearn.linear_model import ElasticNet, LogisticRegression

N, K = 1500, 4


@pytest.fixture
def data(postgresql):
    rng = np.random.default_rng(29)
    x = rng.normal(size=(N, K)) * [1, 2, 0.5, 3]
    y = 0.5 + x @ [1.5, 0, -0.7, 0.1] + rng.normal(size=N)
    b = rng.random(N) < 1 / (1 + np.exp(-(0.3 + x @ [1, 0, -0.5, 0.1])))
    postgresql.execute("CREATE TABLE d (g int, y float8, b boolean, x1 float8, x2 float8, x3 float8, x4 float8)")
    with postgresql.cursor().copy("COPY d FROM STDIN") as copy:
        for i in range(N):
            copy.write_row([i % 2, y[i], bool(b[i]), *x[i]])
    return postgresql, x, y, b.astype(float)


FEATURES = "ARRAY[x1, x2, x3, x4]"


def scaled(x, standardize):
    return (x / x.std(axis=0), x.std(axis=0)) if standardize else (x, np.ones(x.shape[1]))


@pytest.mark.parametrize("standardize", [False, True])
def test_gaussian_matches_sklearn(data, standardize):
    conn, x, y, _ = data
    conn.execute("SELECT indb_ml.elastic_net_train('d', 'e', 'y', %s, 'gaussian', 0.5, 0.2, %s, NULL, 'cd', "
                 "NULL, NULL, 10000, 1e-12)", [FEATURES, standardize])
    row = conn.execute("SELECT family, features, features_selected, coef_nonzero, coef_all, intercept, "
                       "standardize FROM e").fetchone()
    xs, s = scaled(x, standardize)
    ref = ElasticNet(alpha=0.2, l1_ratio=0.5, tol=1e-14, max_iter=100000).fit(xs, y)
    want = ref.coef_ / s
    np.testing.assert_allclose(row[4], want, rtol=1e-8, atol=1e-10)
    assert row[5] == pytest.approx(ref.intercept_, rel=1e-8)
    assert row[0] == "gaussian" and row[1] == ["x1", "x2", "x3", "x4"] and row[6] is standardize
    assert row[2] == [n for n, c in zip(row[1], want) if c != 0]
    assert row[3] == [c for c in row[4] if c != 0]
    pred = conn.execute("SELECT indb_ml.elastic_net_gaussian_predict(coef_all, intercept, ARRAY[1, 2, 3, 4]) "
                        "FROM e").fetchone()[0]
    assert pred == pytest.approx(ref.intercept_ + want @ [1, 2, 3, 4], rel=1e-8)


@pytest.mark.parametrize("standardize", [False, True])
def test_binomial_matches_sklearn(data, standardize):
    conn, x, _, b = data
    conn.execute("SELECT indb_ml.elastic_net_train('d', 'e', 'b', %s, 'binomial', 0.5, 0.01, %s, NULL, 'cd', "
                 "NULL, NULL, 1000, 1e-10)", [FEATURES, standardize])
    coef, intercept = conn.execute("SELECT coef_all, intercept FROM e").fetchone()
    xs, s = scaled(x, standardize)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = LogisticRegression(penalty="elasticnet", solver="saga", l1_ratio=0.5, C=1 / (N * 0.01), tol=1e-12,
                                 max_iter=100000).fit(xs, b)
    np.testing.assert_allclose(coef, ref.coef_[0] / s, rtol=1e-6, atol=1e-8)
    assert intercept == pytest.approx(ref.intercept_[0], rel=1e-6)
    prob, cls = conn.execute("SELECT indb_ml.elastic_net_binomial_prob(coef_all, intercept, ARRAY[1, 0, 0, 0]), "
                             "indb_ml.elastic_net_binomial_predict(coef_all, intercept, ARRAY[1, 0, 0, 0]) "
                             "FROM e").fetchone()
    want = 1 / (1 + np.exp(-(intercept + coef[0])))
    assert prob == pytest.approx(want, rel=1e-12) and cls == (want >= 0.5)


def test_grouping(data):
    conn, x, y, _ = data
    conn.execute("SELECT indb_ml.elastic_net_train('d', 'e', 'y', %s, 'gaussian', 1, 0.1, false, 'g', 'cd', "
                 "NULL, NULL, 10000, 1e-12)", [FEATURES])
    g = np.arange(N) % 2
    for gv in (0, 1):
        coef = conn.execute("SELECT coef_all FROM e WHERE g = %s", [gv]).fetchone()[0]
        ref = Lasso_like(x[g == gv], y[g == gv])
        np.testing.assert_allclose(coef, ref, rtol=1e-7, atol=1e-10)


def Lasso_like(x, y):  # noqa: N802 (sklearn's lasso as ElasticNet with l1_ratio 1)
    return ElasticNet(alpha=0.1, l1_ratio=1.0, tol=1e-14, max_iter=100000).fit(x, y).coef_


@pytest.mark.parametrize("args, message", [
    ("'y', 'ARRAY[x1]', 'poisson', 0.5, 0.1", "must be gaussian or binomial"),
    ("'y', 'ARRAY[x1]', 'gaussian', 1.5, 0.1", "must be in \\[0, 1\\]"),
    ("'y', 'ARRAY[x1]', 'gaussian', 0.5, -1", "lambda_value must be"),
    ("'y', 'ARRAY[x1]', 'binomial', 0.5, 0.1", "boolean or 0/1"),
])
def test_bad_input(data, args, message):
    conn = data[0]
    with pytest.raises((E.InvalidParameterValue, E.DatatypeMismatch), match=message), conn.transaction():
        conn.execute("SELECT indb_ml.elastic_net_train('d', 'e', " + args + ")")
    assert conn.execute("SELECT to_regclass('e')").fetchone()[0] is None


def test_summary_table_as_madlib(data):
    """MADlib writes <tbl_result>_summary (elastic_net_generate_result.py_in): method, source_table,
    out_table, dependent_varname, independent_varname, family, alpha, lambda_value, grouping_col
    (the text 'NULL' without grouping), num_all_groups, num_failed_groups; its own test file
    drops house_en_summary after each call (elastic_net.ic.sql_in)."""
    conn = data[0]
    conn.execute("SELECT indb_ml.elastic_net_train('d', 'e', 'y', %s, 'gaussian', 0.5, 0.2)", [FEATURES])
    cols = [r[0] for r in conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = 'e_summary'::regclass AND attnum > 0 ORDER BY attnum")]
    assert cols == ["method", "source_table", "out_table", "dependent_varname", "independent_varname", "family",
                    "alpha", "lambda_value", "grouping_col", "num_all_groups", "num_failed_groups"]
    row = conn.execute("SELECT * FROM e_summary").fetchall()
    assert row == [("elastic_net", "public.d", "public.e", "y", FEATURES, "gaussian", 0.5, 0.2, "NULL", 1, 0)]
    conn.execute("SELECT indb_ml.elastic_net_train('d', 'eg', 'b', %s, 'binomial', 1, 0.05, true, 'g')", [FEATURES])
    assert conn.execute("SELECT family, grouping_col, num_all_groups, num_failed_groups FROM eg_summary"
                        ).fetchone() == ("binomial", "g", 2, 0)
    # an existing summary table is refused before anything is written
    conn.execute("CREATE TABLE e2_summary (x int)")
    with pytest.raises(E.DuplicateTable, match="e2_summary already exists"), conn.transaction():
        conn.execute("SELECT indb_ml.elastic_net_train('d', 'e2', 'y', %s, 'gaussian', 0.5, 0.2)", [FEATURES])
    assert conn.execute("SELECT to_regclass('e2')").fetchone()[0] is None


@pytest.mark.parametrize("optimizer", ["cd", "fista"])
def test_binomial_view_skips_null_feature_arrays(data, optimizer):
    """A view runs the binomial fit by aggregate passes over ``[1, x]``: a NULL x is a skipped
    row, as on a table (``array_prepend(1, NULL)`` is ``{1}``, which the pass once took for a
    one-feature row and refused). The fit equals the table's without those rows."""
    conn = data[0]
    conn.execute("CREATE TABLE dn AS SELECT b, CASE WHEN g = 1 AND x1 > 1 THEN NULL ELSE ARRAY[x1, x2, x3, x4] "
                 "END AS x FROM d")
    conn.execute("CREATE VIEW dnv AS SELECT * FROM dn")
    conn.execute("CREATE TABLE dc AS SELECT * FROM dn WHERE x IS NOT NULL")
    skipped = conn.execute("SELECT count(*) FROM dn WHERE x IS NULL").fetchone()[0]
    assert skipped > 10
    out = {}
    for src, name in (("dnv", "ev"), ("dc", "ec")):
        conn.execute("SELECT indb_ml.elastic_net_train(%s, %s, 'b', 'x', 'binomial', 0.5, 0.01, true, NULL, %s, "
                     "NULL, NULL, 1000, 1e-10)", [src, name, optimizer])
        out[name] = conn.execute(f"SELECT coef_all, intercept FROM {name}").fetchone()
    np.testing.assert_allclose(out["ev"][0], out["ec"][0], rtol=1e-8, atol=1e-10)
    assert out["ev"][1] == pytest.approx(out["ec"][1], rel=1e-8, abs=1e-10)
