"""cross_validate: the folds' scores equal the same folds computed with numpy/statsmodels.

A row's fold is indb_ml.cv_fold(y, x, n_folds, seed) (a seeded hash of its values), read
here per row in table order; the oracle trains and scores those folds itself."""

from __future__ import annotations

import numpy as np
import psycopg.errors as E
import pytest
import statsmodels.api as sm


@pytest.fixture
def data(postgresql):
    rng = np.random.default_rng(41)
    n = 600
    x = np.column_stack([np.ones(n), rng.normal(size=(n, 2))])
    y = x @ [0.5, 1.0, -2.0] + rng.normal(size=n)
    b = rng.random(n) < 1 / (1 + np.exp(-(x @ [0.2, 1.0, -0.5])))
    postgresql.execute("CREATE TABLE d (y float8, b boolean, x1 float8, x2 float8)")
    with postgresql.cursor().copy("COPY d FROM STDIN") as copy:
        for i in range(n):
            copy.write_row([y[i], bool(b[i]), x[i, 1], x[i, 2]])
    return postgresql, x, y, b.astype(float)


def folds(conn, k, seed=0, y="y"):
    """0-based fold of every row of d in table order, as cross_validate assigns them."""
    return np.array([r[0] - 1 for r in conn.execute(
        f"SELECT indb_ml.cv_fold(({y})::float8, ARRAY[1, x1, x2]::float8[], %s, %s) FROM d ORDER BY ctid",
        [k, seed]).fetchall()])


def test_linregr_folds(data):
    conn, x, y, _ = data
    got = conn.execute("SELECT fold, train_rows, test_rows, metric, value FROM indb_ml.cross_validate('linregr', "
                       "'d', 'y', 'ARRAY[1, x1, x2]', 4, NULL, 7) ORDER BY fold").fetchall()
    f = folds(conn, 4, 7)
    for fold, train_rows, test_rows, metric, value in got:
        test, train = f == fold - 1, f != fold - 1
        coef = np.linalg.lstsq(x[train], y[train], rcond=None)[0]
        assert metric == "mse" and (train_rows, test_rows) == (train.sum(), test.sum())
        assert value == pytest.approx(np.mean((y[test] - x[test] @ coef) ** 2), rel=1e-10)


def test_logregr_folds(data):
    conn, x, _, b = data
    got = conn.execute("SELECT fold, metric, value FROM indb_ml.cross_validate('logregr', 'd', 'b', "
                       "'ARRAY[1, x1, x2]', 3, 'tolerance=1e-12, max_iter=50') ORDER BY fold, metric").fetchall()
    f = folds(conn, 3, y="b::int")
    for fold, metric, value in got:
        test, train = f == fold - 1, f != fold - 1
        p = sm.Logit(b[train], x[train]).fit(disp=0, tol=1e-12).predict(x[test])
        want = {"accuracy": np.mean((p >= 0.5) == (b[test] == 1)),
                "log_loss": -np.mean(b[test] * np.log(p) + (1 - b[test]) * np.log(1 - p))}[metric]
        assert value == pytest.approx(want, rel=1e-6)


def test_glm_and_elastic_net_run_and_bad_input(data):
    conn = data[0]
    rows = conn.execute("SELECT count(*) FROM indb_ml.cross_validate('glm', 'd', 'y', 'ARRAY[1, x1, x2]', 3, "
                        "'family=gaussian')").fetchone()[0]
    assert rows == 3
    rows = conn.execute("SELECT count(*) FROM indb_ml.cross_validate('elastic_net', 'd', 'b', 'ARRAY[x1, x2]', 3, "
                        "'family=binomial, alpha=0.5, lambda=0.01')").fetchone()[0]
    assert rows == 6
    for args, message in (("'svm', 'd', 'y', 'ARRAY[1, x1]'", "must be one of"),
                          ("'linregr', 'd', 'y', 'ARRAY[1, x1]', 1", "n_folds must be at least 2"),
                          ("'glm', 'd', 'y', 'ARRAY[1, x1]', 3, 'family=poisson'", "non-negative integer counts")):
        with pytest.raises((E.InvalidParameterValue, E.DatatypeMismatch), match=message), conn.transaction():
            conn.execute("SELECT * FROM indb_ml.cross_validate(" + args + ")")


@pytest.mark.parametrize("plan", ["aggregate", "memory"])
def test_glm_folds_are_glms_own_fits(postgresql, plan):
    """Each fold's GLM starts, iterates and stops as indb_ml.glm on the fold's training rows
    (MADlib's start mu = init(y) of the link and its stopping rule), so at a loose tolerance
    the fold's error equals the error of glm's own model to rounding; statsmodels' fit at
    that tolerance checks the error independently, to the tolerance's order."""
    rng = np.random.default_rng(43)
    n = 500
    x = np.column_stack([np.ones(n), rng.normal(size=(n, 2))])
    c = rng.poisson(np.exp(x @ [0.3, 0.5, -0.2])).astype(float)
    postgresql.execute("CREATE TABLE dp (c float8, x1 float8, x2 float8)")
    with postgresql.cursor().copy("COPY dp FROM STDIN") as copy:
        for i in range(n):
            copy.write_row([c[i], x[i, 1], x[i, 2]])
    postgresql.execute("SELECT set_config('indb_ml.training_plan', %s, false)", [plan])
    got = postgresql.execute("SELECT fold, value FROM indb_ml.cross_validate('glm', 'dp', 'c', 'ARRAY[1, x1, x2]', "
                             "3, 'family=poisson, link=log, tolerance=1e-3') ORDER BY fold").fetchall()
    fold_of = "indb_ml.cv_fold(c, ARRAY[1, x1, x2]::float8[], 3, 0)"
    f = np.array([r[0] - 1 for r in postgresql.execute("SELECT " + fold_of + " FROM dp ORDER BY ctid")])
    assert [g[0] for g in got] == [1, 2, 3]
    for fold, value in got:
        postgresql.execute("CREATE TABLE tr AS SELECT * FROM dp WHERE " + fold_of + " <> " + str(fold))
        postgresql.execute("SELECT indb_ml.glm('tr', 'm', 'c', 'ARRAY[1, x1, x2]', 'family=poisson, link=log', "
                           "NULL, 'tolerance=1e-3')")
        own = postgresql.execute("SELECT avg((c - exp(coef[1] + coef[2] * x1 + coef[3] * x2))^2) FROM dp, m "
                                 "WHERE " + fold_of + " = " + str(fold)).fetchone()[0]
        assert value == pytest.approx(own, rel=1e-12)
        test, train = f == fold - 1, f != fold - 1
        ref = sm.GLM(c[train], x[train], family=sm.families.Poisson()).fit(tol=1e-12)
        assert value == pytest.approx(np.mean((c[test] - ref.predict(x[test])) ** 2), rel=1e-3)
        postgresql.execute("DROP TABLE m, m_summary, tr")
