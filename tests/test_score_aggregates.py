"""Robust and clustered variances, margins, cross-validation and the elastic net on their
aggregate plan (C steps, one statement per pass): the same answers on a table, a view and a
partitioned table, with the plan forced (``indb_ml.training_plan = aggregate``) or chosen,
serial and under forced parallel query, grouped; bad input is reported by the C steps.
Oracles: statsmodels and scikit-learn in the test, at the tolerances of the existing tests."""

from __future__ import annotations

import numpy as np
import psycopg.errors as E
import pytest
import statsmodels.api as sm

from tests.helpers import load_table
from tests.test_matrix import force_parallel

N = 1200
SOURCES = ("flat", "flat_view", "parted")


@pytest.fixture
def data(postgresql):
    rng = np.random.default_rng(31)
    x = rng.normal(size=(N, 2))
    g = np.where(rng.random(N) < 0.5, 1, 2)
    y = 1 + x @ [0.5, -1.0] + g + rng.normal(size=N) * (1 + np.abs(x[:, 0]))
    b = (rng.random(N) < 1 / (1 + np.exp(-(0.2 + x @ [1.0, -0.5])))).astype(float)
    firm = rng.integers(0, 41, size=N)
    cols = {"id": np.arange(N), "g": g, "firm": firm, "y": y, "b": b, "x1": x[:, 0], "x2": x[:, 1]}
    load_table(postgresql, "flat", cols, {"id": "int", "g": "int", "firm": "int"})
    postgresql.execute("CREATE VIEW flat_view AS SELECT * FROM flat WHERE id >= 0")
    postgresql.execute("CREATE TABLE parted (LIKE flat) PARTITION BY RANGE (id)")
    for lo in range(0, N, 400):
        postgresql.execute(f"CREATE TABLE parted_{lo} PARTITION OF parted FOR VALUES FROM ({lo}) TO ({lo + 400})")
    postgresql.execute("INSERT INTO parted SELECT * FROM flat")
    postgresql.execute("ANALYZE")
    return postgresql, np.column_stack([np.ones(N), x]), y, b, g, firm


def plan(conn, value: str) -> None:
    conn.execute("SELECT set_config('indb_ml.training_plan', %s, false)", [value])


def fetch(conn, query: str) -> list:
    return conn.execute(query).fetchall()


def close(got, want, rtol):
    assert len(got) == len(want)
    for a, b in zip(got, want):
        for u, v in zip(a, b):
            np.testing.assert_allclose(np.asarray(u, dtype=float), np.asarray(v, dtype=float), rtol=rtol,
                                       atol=1e-300)


@pytest.mark.parametrize("kind", ["linregr", "logregr"])
def test_robust_variance_on_every_source_and_plan(data, kind):
    conn, x, y, b, g, _ = data
    dep, stat = ("y", "t_stats") if kind == "linregr" else ("b", "z_stats")
    extra = "" if kind == "linregr" else ", 50, 'irls', 1e-12"
    query = f"SELECT g, coef, std_err, {stat}, p_values, num_rows_processed FROM {{}} ORDER BY g"
    results = []
    for i, (source, mode) in enumerate([(s, "aggregate") for s in SOURCES] + [("flat", "memory"), ("flat", "auto")]):
        plan(conn, mode)
        conn.execute(f"SELECT indb_ml.robust_variance_{kind}(%s, %s, %s, 'ARRAY[1, x1, x2]', 'g'{extra})",
                     [source, f"r{i}", dep])
        results.append(fetch(conn, query.format(f"r{i}")))
    for gv, row in zip((1, 2), results[0]):
        m = g == gv
        ref = (sm.OLS(y[m], x[m]).fit(cov_type="HC0") if kind == "linregr"
               else sm.Logit(b[m], x[m]).fit(disp=0, tol=1e-12, cov_type="HC0"))
        rtol = 1e-10 if kind == "linregr" else 1e-6
        np.testing.assert_allclose(row[1], ref.params, rtol=rtol if kind == "linregr" else 1e-7)
        np.testing.assert_allclose(row[2], ref.bse, rtol=rtol)
        np.testing.assert_allclose(row[3], ref.tvalues, rtol=rtol)
        assert row[5] == m.sum()
    for other in results[1:]:
        close(other, results[0], 1e-9)
    force_parallel(conn)
    plan(conn, "aggregate")
    conn.execute(f"SELECT indb_ml.robust_variance_{kind}('parted', 'rp', %s, 'ARRAY[1, x1, x2]', 'g'{extra})", [dep])
    close(fetch(conn, query.format("rp")), results[0], 1e-9)


@pytest.mark.parametrize("kind", ["linregr", "logregr"])
def test_clustered_variance_on_every_source_and_plan(data, kind):
    conn, x, y, b, _, firm = data
    dep, extra = ("y", "") if kind == "linregr" else ("b", ", 50, 'irls', 1e-12")
    query = "SELECT coef, std_err, p_values, num_clusters, num_rows_processed FROM {}"
    results = []
    for i, (source, mode) in enumerate([(s, "aggregate") for s in SOURCES] + [("flat", "auto")]):
        plan(conn, mode)
        conn.execute(f"SELECT indb_ml.clustered_variance_{kind}(%s, %s, %s, 'ARRAY[1, x1, x2]', 'firm'{extra})",
                     [source, f"c{i}", dep])
        results.append(fetch(conn, query.format(f"c{i}")))
    ref = (sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": firm}) if kind == "linregr"
           else sm.Logit(b, x).fit(disp=0, tol=1e-12, cov_type="cluster", cov_kwds={"groups": firm}))
    coef, se, _, clusters, n = results[0][0]
    np.testing.assert_allclose(coef, ref.params, rtol=1e-10 if kind == "linregr" else 1e-7)
    np.testing.assert_allclose(se, ref.bse, rtol=1e-9 if kind == "linregr" else 1e-6)
    assert (clusters, n) == (len(set(firm)), N)
    for other in results[1:]:
        close(other, results[0], 1e-9)
    force_parallel(conn)
    plan(conn, "aggregate")
    conn.execute(f"SELECT indb_ml.clustered_variance_{kind}('parted', 'cp', %s, 'ARRAY[1, x1, x2]', 'firm'{extra})",
                 [dep])
    close(fetch(conn, query.format("cp")), results[0], 1e-9)


def test_robust_bad_input_on_the_aggregate_plan(data):
    conn = data[0]
    plan(conn, "aggregate")
    conn.execute("CREATE TABLE bad AS SELECT * FROM flat")
    conn.execute("UPDATE bad SET b = 2 WHERE id = 5")
    with pytest.raises(E.DatatypeMismatch, match="boolean or 0/1"), conn.transaction():
        conn.execute("SELECT indb_ml.robust_variance_logregr('bad', 'r', 'b', 'ARRAY[1, x1]')")
    conn.execute("UPDATE bad SET b = 1, x1 = 'NaN' WHERE id = 5")
    for fn in ("robust_variance_linregr", "robust_variance_logregr"):
        with pytest.raises(E.InvalidTextRepresentation, match="NaN or Infinity"), conn.transaction():
            conn.execute(f"SELECT indb_ml.{fn}('bad', 'r', 'b', 'ARRAY[1, x1]')")
    with pytest.raises(E.InvalidTextRepresentation, match="NaN or Infinity"), conn.transaction():
        conn.execute("SELECT indb_ml.clustered_variance_linregr('bad', 'r', 'y', 'ARRAY[1, x1]', 'firm')")
    conn.execute("UPDATE bad SET x1 = NULL WHERE id = 5")  # NULL: skipped and counted
    conn.execute("SELECT indb_ml.robust_variance_logregr('bad', 'r', 'b', 'ARRAY[1, x1]')")
    assert conn.execute("SELECT num_rows_processed, num_missing_rows_skipped FROM r").fetchone() == (N - 1, 1)
    conn.execute("CREATE TABLE arr AS SELECT y, CASE WHEN id = 7 THEN ARRAY[1, x1] ELSE ARRAY[1, x1, x2] END AS x "
                 "FROM flat")
    with pytest.raises(E.ArraySubscriptError, match="different lengths"), conn.transaction():
        conn.execute("SELECT indb_ml.robust_variance_linregr('arr', 'r2', 'y', 'x')")
    assert conn.execute("SELECT to_regclass('r2')").fetchone()[0] is None


@pytest.mark.parametrize("method, dep, params", [
    ("linregr", "y", None),
    ("logregr", "b", "tolerance=1e-12, max_iter=50"),
    ("glm", "y", "family=gaussian, tolerance=1e-12"),
    ("glm", "firm", "family=poisson, link=log, tolerance=1e-12"),
    ("elastic_net", "y", "alpha=0.5, lambda=0.05"),
    ("elastic_net", "b", "family=binomial, alpha=0.5, lambda=0.01, tolerance=1e-10"),
])
def test_cross_validate_on_every_source_and_plan(data, method, dep, params):
    conn, x, y, b, _, firm = data
    query = ("SELECT fold, train_rows, test_rows, metric, value FROM indb_ml.cross_validate(%s, %s, %s, "
             "'ARRAY[1, x1, x2]', 4, %s, 3) ORDER BY fold, metric")
    results = []
    for source, mode in [(s, "aggregate") for s in SOURCES] + [("flat", "auto")]:
        plan(conn, mode)
        results.append(conn.execute(query, [method, source, dep, params]).fetchall())
    for other in results[1:]:
        assert [r[:4] for r in other] == [r[:4] for r in results[0]]
        np.testing.assert_allclose([r[4] for r in other], [r[4] for r in results[0]], rtol=1e-7)
    fold = np.array([r[0] - 1 for r in conn.execute(
        f"SELECT indb_ml.cv_fold(({dep})::float8, ARRAY[1, x1, x2]::float8[], 4, 3) FROM flat ORDER BY id")])
    assert sorted({r[0] for r in results[0]}) == [1, 2, 3, 4]
    for f, train_rows, test_rows, metric, value in results[0]:
        test = fold == f - 1
        assert (train_rows, test_rows) == (N - test.sum(), test.sum())
        if method == "logregr":
            model = sm.Logit(b[~test], x[~test]).fit(disp=0, tol=1e-12)
            p = model.predict(x[test])
            want = {"accuracy": np.mean((p >= 0.5) == (b[test] == 1)),
                    "log_loss": -np.mean(b[test] * np.log(p) + (1 - b[test]) * np.log(1 - p))}[metric]
            assert value == pytest.approx(want, rel=1e-6)
        elif method == "linregr":
            coef = np.linalg.lstsq(x[~test], y[~test], rcond=None)[0]
            assert value == pytest.approx(np.mean((y[test] - x[test] @ coef) ** 2), rel=1e-10)
        elif method == "glm" and dep == "firm":
            model = sm.GLM(firm[~test], x[~test], family=sm.families.Poisson()).fit(tol=1e-12)
            assert value == pytest.approx(np.mean((firm[test] - model.predict(x[test])) ** 2), rel=1e-6)
    force_parallel(conn)
    plan(conn, "aggregate")
    got = conn.execute(query, [method, "parted", dep, params]).fetchall()
    np.testing.assert_allclose([r[4] for r in got], [r[4] for r in results[0]], rtol=1e-7)


@pytest.mark.parametrize("family, dep, lam", [("gaussian", "y", 0.1), ("binomial", "b", 0.01)])
def test_elastic_net_on_every_source_and_plan(data, family, dep, lam):
    conn, x, y, b, g, _ = data
    train = ("SELECT indb_ml.elastic_net_train(%s, %s, %s, 'ARRAY[x1, x2]', %s, 0.5, %s, true, 'g', 'cd', "
             "'warmup = true, warmup_lambda_no = 3', NULL, 1000, 1e-10)")  # cd: the exact minimizer, the oracle's
    query = "SELECT g, coef_all, intercept, log_likelihood FROM {} ORDER BY g"
    results = []
    for i, (source, mode) in enumerate([(s, "aggregate") for s in SOURCES] + [("flat", "memory")]):
        plan(conn, mode)
        conn.execute(train, [source, f"e{i}", dep, family, lam])
        results.append(fetch(conn, query.format(f"e{i}")))
    for other in results[1:]:
        close(other, results[0], 1e-7)
    if family == "binomial":
        from sklearn.linear_model import LogisticRegression

        for gv, row in zip((1, 2), results[0]):
            m = g == gv
            xs = x[m][:, 1:]
            s = xs.std(axis=0)
            ref = LogisticRegression(penalty="elasticnet", solver="saga", l1_ratio=0.5, C=1 / (m.sum() * lam),
                                     tol=1e-12, max_iter=100000).fit(xs / s, b[m])
            np.testing.assert_allclose(row[1], ref.coef_[0] / s, rtol=1e-6, atol=1e-8)
            assert row[2] == pytest.approx(ref.intercept_[0], rel=1e-6)
    force_parallel(conn)
    plan(conn, "aggregate")
    conn.execute(train, ["parted", "ep", dep, family, lam])
    close(fetch(conn, query.format("ep")), results[0], 1e-7)


@pytest.mark.parametrize("family, dep", [("gaussian", "y"), ("binomial", "b")])
@pytest.mark.parametrize("optimizer, rtol", [("cd", 1e-7), ("fista", 1e-5)])
def test_elastic_net_cross_validation_on_every_source_and_plan(data, family, dep, optimizer, rtol):
    """Every source and plan gives the same folds, scores and final model. Coordinate descent
    solves to the minimizer (1e-7); MADlib's FISTA, which every fold now runs under 'fista',
    stops on the change of its objective, so the plans' summation orders move where it stops
    (1.5e-7 relative measured, 1e-5 allowed)."""
    conn = data[0]
    params = "n_folds = 3, validation_result = {}, lambda_value = {{0.005, 0.05}}, alpha = {{0.5, 1}}, seed = 2"
    results = []
    for i, (source, mode) in enumerate([(s, "aggregate") for s in SOURCES] + [("flat", "auto")]):
        plan(conn, mode)
        conn.execute("SELECT indb_ml.elastic_net_train(%s, %s, %s, 'ARRAY[x1, x2]', %s, 0.5, 0.1, true, NULL, "
                     "%s, %s, NULL, 1000, 1e-10)", [source, f"e{i}", dep, family, optimizer, params.format(f"v{i}")])
        results.append(fetch(conn, f"SELECT alpha, lambda_value, mean_score, std_dev_score FROM v{i} ORDER BY 1, 2")
                       + fetch(conn, f"SELECT 0, 0, intercept, coef_all FROM e{i}"))
    for other in results[1:]:
        close(other, results[0], rtol)


@pytest.mark.parametrize("trainer", ["logregr_train('flat', 'm', 'b', 'ARRAY[1, x1, x2, x1*x2]', 'g', 50, 'irls', "
                                     "1e-12)", "linregr_train('flat', 'm', 'y', 'ARRAY[1, x1, x2, x1*x2]', 'g')"])
def test_margins_on_every_source_grouped_and_parallel(data, trainer):
    conn, x, y, b, g, _ = data
    conn.execute("SELECT indb_ml." + trainer)
    query = "SELECT g, variables, margins, std_err, p_values FROM {} ORDER BY g"
    results = []
    for i, source in enumerate(SOURCES):
        conn.execute("SELECT indb_ml.margins('m', %s, '1, x1, x2, x1*x2', %s)", [f"mg{i}", source])
        results.append(fetch(conn, query.format(f"mg{i}")))
    assert [r[:2] for r in results[0]] == [(1, [2, 3]), (2, [2, 3])]
    for other in results[1:]:
        assert [r[:2] for r in other] == [r[:2] for r in results[0]]
        close([r[2:] for r in other], [r[2:] for r in results[0]], 1e-10)
    # the average effect of x1 by hand: mean over the group's rows of dF/dx1
    for gv, row in zip((1, 2), results[0]):
        beta = np.array(conn.execute("SELECT coef FROM m WHERE g = %s", [gv]).fetchone()[0])
        xm = x[g == gv]
        slope = beta[1] + beta[3] * xm[:, 2]
        if "logregr" in trainer:
            p = 1 / (1 + np.exp(-(xm @ beta[:3] + beta[3] * xm[:, 1] * xm[:, 2])))
            slope = p * (1 - p) * slope
        assert row[2][0] == pytest.approx(slope.mean(), rel=1e-10)
    force_parallel(conn)
    conn.execute("SELECT indb_ml.margins('m', 'mgp', '1, x1, x2, x1*x2', 'parted')")
    close([r[2:] for r in fetch(conn, query.format("mgp"))], [r[2:] for r in results[0]], 1e-10)


def test_margins_bad_input(data):
    conn = data[0]
    conn.execute("SELECT indb_ml.linregr_train('flat', 'm', 'y', 'ARRAY[1, x1, x2]')")
    conn.execute("CREATE TABLE bad AS SELECT * FROM flat")
    conn.execute("UPDATE bad SET x2 = 'Infinity' WHERE id = 3")
    with pytest.raises(E.InvalidTextRepresentation, match="NaN or Infinity"), conn.transaction():
        conn.execute("SELECT indb_ml.margins('m', 'mg', NULL, 'bad')")
    conn.execute("UPDATE bad SET x2 = NULL WHERE id = 3")  # skipped
    conn.execute("SELECT indb_ml.margins('m', 'mg', NULL, 'bad')")
    assert conn.execute("SELECT variables FROM mg").fetchone()[0] == [2, 3]
    conn.execute("CREATE TABLE arr AS SELECT y, ARRAY[1, x1] AS x FROM flat")
    conn.execute("UPDATE m_summary SET source_table = 'arr', independent_varname = 'x'")
    with pytest.raises(E.ArraySubscriptError, match="different lengths"), conn.transaction():
        conn.execute("SELECT indb_ml.margins('m', 'mg2')")
    with pytest.raises(E.InvalidParameterValue, match="invalid design"), conn.transaction():
        conn.execute("SELECT indb_ml._margins_state(ARRAY[1, 2]::float8[], ARRAY[1, 2]::float8[], "
                     "ARRAY[0, 2, 1, 0, 1, 5, 0, 0]) FROM flat")


def test_cross_validate_bad_input_on_the_aggregate_plan(data):
    conn = data[0]
    plan(conn, "aggregate")
    conn.execute("CREATE TABLE bad AS SELECT * FROM flat")
    conn.execute("UPDATE bad SET b = 3 WHERE id = 5")
    for method, params in (("logregr", None), ("elastic_net", "family=binomial")):
        with pytest.raises(E.DatatypeMismatch, match="boolean or 0/1"), conn.transaction():
            conn.execute("SELECT * FROM indb_ml.cross_validate(%s, 'bad', 'b', 'ARRAY[1, x1]', 3, %s)",
                         [method, params])
    conn.execute("UPDATE bad SET b = 1, x1 = 'NaN' WHERE id = 5")
    for method in ("linregr", "logregr"):
        with pytest.raises(E.InvalidTextRepresentation, match="NaN or Infinity"), conn.transaction():
            conn.execute("SELECT * FROM indb_ml.cross_validate(%s, 'bad', 'b', 'ARRAY[1, x1]', 3)", [method])
    conn.execute("UPDATE bad SET x1 = NULL WHERE id = 5")  # rows with a NULL take no part
    got = conn.execute("SELECT sum(test_rows) FROM indb_ml.cross_validate('logregr', 'bad', 'b', 'ARRAY[1, x1]', 3) "
                       "WHERE metric = 'accuracy'").fetchone()[0]
    assert got == N - 1
    with pytest.raises(E.InvalidParameterValue, match="fold 4 is outside"), conn.transaction():
        conn.execute("SELECT indb_ml._logit_newton_folds(b, ARRAY[1, x1], 4, '{0,0,0,0,0,0}'::float8[], 0) FROM flat")
    conn.execute("CREATE VIEW two AS SELECT * FROM flat WHERE id < 2")
    for method in ("linregr", "logregr"):
        with pytest.raises(E.DataException, match="cannot make"), conn.transaction():
            conn.execute("SELECT * FROM indb_ml.cross_validate(%s, 'two', 'b', 'ARRAY[1, x1]', 3)", [method])
