"""cross_validation_general: fold errors against numpy/scikit-learn on the same (documented) folds,
bad input, and no temporary table left behind."""

from __future__ import annotations

import numpy as np
import psycopg.errors as E
import pytest
from sklearn.linear_model import ElasticNet

N, K = 240, 3
ERRORS = (E.InvalidParameterValue, E.UndefinedFunction, E.SyntaxError, E.UndefinedObject, E.DuplicateTable,
          E.UndefinedTable, E.UndefinedColumn, E.DatatypeMismatch)


@pytest.fixture
def data(postgresql):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(N, K)) * [1, 3, 0.5]
    y = 1.0 + x @ [2.0, -0.5, 0.0] + rng.normal(size=N)
    b = (y > 1.0)
    postgresql.execute("CREATE TABLE d (id int, y float8, b boolean, x1 float8, x2 float8, x3 float8)")
    with postgresql.cursor().copy("COPY d FROM STDIN") as copy:
        for i in range(N):
            copy.write_row([i + 1, y[i], bool(b[i]), *x[i]])
    return postgresql, x, y


def fold_of(n, k, random_ids):
    """The documented assignment: rank by id order (or the seeded permutation), contiguous ranges."""
    rank = np.arange(1, n + 1) if random_ids else np.random.default_rng(0).permutation(n) + 1
    return np.minimum((rank - 1) // (n // k), k - 1)


def leftovers(conn):
    return conn.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'indb_ml_cv_%'").fetchone()[0]


LINREGR = ("'indb_ml.cv_linregr_train', '{%data%, \"ARRAY[1, x1, x2, x3]\", y, %model%}'::varchar[], "
           "'{varchar, varchar, varchar, varchar}'::varchar[], NULL, NULL, "
           "'indb_ml.cv_linregr_predict', '{%model%, %data%, \"ARRAY[1, x1, x2, x3]\", %id%, %prediction%}', "
           "'{text, text, text, text, text}', 'indb_ml.mse_error', '{%prediction%, %data%, %id%, y, %error%}', "
           "'{text, text, text, text, text}', 'd', 'id', TRUE, 'cv', NULL, 4")


def test_linregr_folds_match_numpy(data):
    conn, x, y = data
    conn.execute("SELECT indb_ml.cross_validation_general(" + LINREGR + ")")
    cols = [c.name for c in conn.execute("SELECT * FROM cv").description]
    assert cols == ["mean_squared_error_avg", "mean_squared_error_stddev"]
    avg, sd = conn.execute("SELECT * FROM cv").fetchone()
    f, X = fold_of(N, 4, True), np.column_stack([np.ones(N), x])
    mse = []
    for k in range(4):
        coef = np.linalg.lstsq(X[f != k], y[f != k], rcond=None)[0]
        mse.append(np.mean((y[f == k] - X[f == k] @ coef) ** 2))
    assert avg == pytest.approx(np.mean(mse), rel=1e-10)
    assert sd == pytest.approx(np.std(mse, ddof=1), rel=1e-8)
    assert leftovers(conn) == 0


def test_elastic_net_lambda_explored_matches_sklearn(data):
    conn, x, y = data
    conn.execute(
        "SELECT indb_ml.cross_validation_general('indb_ml.elastic_net_train', "
        "'{%data%, %model%, y, \"ARRAY[x1, x2, x3]\", gaussian, 0.5, lambda, TRUE, NULL, fista, "
        "\"max_stepsize = 2, eta = 2\", NULL, 100000, 1e-12}'::varchar[], "
        "'{varchar, varchar, varchar, varchar, varchar, double precision, double precision, boolean, varchar, "
        "varchar, varchar, varchar, integer, double precision}'::varchar[], 'lambda', '{0.05, 0.5}'::varchar[], "
        "'indb_ml.elastic_net_predict', '{%model%, %data%, %id%, %prediction%}'::varchar[], "
        "'{text, text, text, text}'::varchar[], 'indb_ml.mse_error', "
        "'{%prediction%, %data%, %id%, y, %error%}'::varchar[], '{varchar, varchar, varchar, varchar, varchar}', "
        "'d', 'id', FALSE, 'cv', NULL, 3)")
    got = conn.execute("SELECT lambda, mean_squared_error_avg, mean_squared_error_stddev FROM cv "
                       "ORDER BY lambda").fetchall()
    f = fold_of(N, 3, False)
    for lam, avg, sd in got:
        mse = []
        for k in range(3):
            tr, te = f != k, f == k
            s = x[tr].std(axis=0)
            m = ElasticNet(alpha=lam, l1_ratio=0.5, tol=1e-14, max_iter=100000).fit(x[tr] / s, y[tr])
            mse.append(np.mean((y[te] - m.predict(x[te] / s)) ** 2))
        assert avg == pytest.approx(np.mean(mse), rel=1e-7), lam
        assert sd == pytest.approx(np.std(mse, ddof=1), rel=1e-6), lam
    assert [r[0] for r in got] == [0.05, 0.5]
    assert leftovers(conn) == 0


def test_no_id_and_misclassification(data):
    conn = data[0]
    conn.execute(
        "SELECT indb_ml.cross_validation_general('indb_ml.logregr_train', "
        "'{%data%, %model%, b, \"ARRAY[1, x1, x2]\", NULL, max_iter}', '{text, text, text, text, text, integer}', "
        "'max_iter', '{1, 20}', 'indb_ml.cv_logregr_predict', "
        "'{%model%, %data%, \"ARRAY[1, x1, x2]\", %id%, %prediction%}', '{text, text, text, text, text}', "
        "'indb_ml.misclassification_avg', '{%prediction%, %data%, %id%, b, %error%}', "
        "'{text, text, text, text, text}', 'd', NULL, NULL, 'cv', '{b, x1, x2}', 3)")
    rows = conn.execute("SELECT max_iter, error_rate_avg FROM cv ORDER BY max_iter").fetchall()
    assert [r[0] for r in rows] == [1, 20] and all(0 <= r[1] < 0.5 for r in rows)
    assert leftovers(conn) == 0


@pytest.mark.parametrize("change, message", [
    (("'indb_ml.cv_linregr_train'", "'indb_ml.no_such_train'"), "does not exist"),
    (("'indb_ml.cv_linregr_train'", "'indb_ml.cv_linregr_train(); DROP TABLE d; --'"), "not a function name"),
    (("'{varchar, varchar, varchar, varchar}'::varchar[]", "'{varchar, varchar, varchar, \"int); DROP TABLE d; --\"}'"),
     "not a type name|does not exist"),
    (("'{varchar, varchar, varchar, varchar}'::varchar[]", "'{varchar, varchar, varchar}'"), "has 4 values but"),
    (("'{%data%, \"ARRAY[1, x1, x2, x3]\", y, %model%}'::varchar[]", "'{%data%, y, %model%}'"), "has 3 values"),
    (("'indb_ml.mse_error'", "'indb_ml.linregr_predict'"), "takes 0, 1, 2 argument\\(s\\), not the 5 given"),
    (("\"ARRAY[1, x1, x2, x3]\", y, %model%", "\"ARRAY[1, x1]); DROP TABLE d; --\", y, %model%"),
     "the modelling function failed in fold 1"),
    (("'{%prediction%, %data%, %id%, y, %error%}'", "'{%prediction%, %data%, %id%, y, %model%}'"),
     "must contain %error%"),
    (("NULL, NULL, 'indb_ml.cv_linregr_predict'", "'lam', '{1, 2}', 'indb_ml.cv_linregr_predict'"),
     "is not one of modelling_params"),
    (("'cv', NULL, 4", "'d', NULL, 4"), "already exists"),
    (("'cv', NULL, 4", "'cv', NULL, 1"), "fold_num must be at least 2"),
    (("'d', 'id', TRUE", "'nope', 'id', TRUE"), "does not exist"),
    (("'d', 'id', TRUE", "'d', 'nope', TRUE"), "column 'nope' is not in"),
])
def test_bad_input(data, change, message):
    conn = data[0]
    args = LINREGR.replace(*change)
    assert args != LINREGR
    with pytest.raises(ERRORS, match=message), conn.transaction():
        conn.execute("SELECT indb_ml.cross_validation_general(" + args + ")")
    assert conn.execute("SELECT to_regclass('cv'), to_regclass('d') IS NOT NULL").fetchone() == (None, True)
    assert leftovers(conn) == 0


def test_metric_helpers_and_usage(data):
    conn, _, y = data
    conn.execute("CREATE TABLE p AS SELECT id, y + 1 AS prediction FROM d")
    conn.execute("SELECT indb_ml.mse_error('p', 'd', 'id', 'y', 'e')")
    assert conn.execute("SELECT mean_squared_error FROM e").fetchone()[0] == pytest.approx(1.0, rel=1e-12)
    conn.execute("CREATE TABLE q AS SELECT id, (id % 2 = 0) AS prediction FROM d")
    conn.execute("SELECT indb_ml.misclassification_avg('q', 'd', 'id', 'b', 'm')")
    conn.execute("SELECT indb_ml.cv_logregr_accuracy('q', 'd', 'id', 'b', 'a')")
    b = y > 1.0
    want = np.mean((np.arange(1, N + 1) % 2 == 0) != b)
    assert conn.execute("SELECT error_rate FROM m").fetchone()[0] == pytest.approx(want, rel=1e-12)
    assert conn.execute("SELECT accuracy FROM a").fetchone()[0] == pytest.approx(1 - want, rel=1e-12)
    assert "%data%" in conn.execute("SELECT indb_ml.cross_validation_general()").fetchone()[0]
