"""elastic_net_train's optimizer_params (warm-up, k-fold cross-validation) and elastic_net_predict.

The cross-validation oracle is scikit-learn on the same folds: the rows in table order, fold
``indb_ml.cv_fold(y, x, n_folds, seed)`` (the documented assignment), read per row.
"""

from __future__ import annotations

import warnings

import numpy as np
import psycopg.errors as E
import pytest
from sklearn.linear_model import ElasticNet, LogisticRegression

N, K = 900, 4
FEATURES = "ARRAY[x1, x2, x3, x4]"
ERRORS = (E.InvalidParameterValue, E.DatatypeMismatch, E.UndefinedColumn, E.DuplicateTable, E.UndefinedTable)


@pytest.fixture
def data(postgresql):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(N, K)) * [1, 2, 0.5, 3]
    y = 0.5 + x @ [1.5, 0, -0.7, 0.1] + rng.normal(size=N) * 2
    b = rng.random(N) < 1 / (1 + np.exp(-(0.3 + x @ [1, 0, -0.5, 0.1])))
    postgresql.execute("CREATE TABLE d (id int, g int, y float8, b boolean, x1 float8, x2 float8, x3 float8, "
                       "x4 float8)")
    with postgresql.cursor().copy("COPY d FROM STDIN") as copy:
        for i in range(N):
            copy.write_row([i + 1, i % 2, y[i], bool(b[i]), *x[i]])
    return postgresql, x, y, b.astype(float)


def folds(conn, k, seed=0, y="y"):
    """0-based fold of every row of d in table order, as elastic_net_train assigns them."""
    return np.array([r[0] - 1 for r in conn.execute(
        f"SELECT indb_ml.cv_fold(({y})::float8, ARRAY[x1, x2, x3, x4]::float8[], %s, %s) FROM d ORDER BY id",
        [k, seed]).fetchall()])


def sk_gaussian(x, y, a, lam, standardize):
    s = x.std(axis=0) if standardize else np.ones(x.shape[1])
    m = ElasticNet(alpha=lam, l1_ratio=a, tol=1e-14, max_iter=200000).fit(x / s, y)
    return m.coef_ / s, m.intercept_


def sk_binomial(x, b, a, lam):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = LogisticRegression(penalty="elasticnet", solver="saga", l1_ratio=a, C=1 / (len(b) * lam), tol=1e-10,
                               max_iter=100000).fit(x, b)
    return m.coef_[0], m.intercept_[0]


def train(conn, family, dep, alpha, lam, params, standardize=True, grouping=None, tol=1e-12, table="e",
          optimizer="cd"):
    """Coordinate descent ('cd') unless told: these tests compare with the exact minimizer
    (MADlib's FISTA, the default, is tested in test_elastic_net_fista.py)."""
    conn.execute("SELECT indb_ml.elastic_net_train('d', %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, NULL, "
                 "100000, %s)", [table, dep, FEATURES, family, alpha, lam, standardize, grouping, optimizer, params,
                                 tol])
    return conn.execute(f"SELECT coef_all, intercept, iteration_run FROM {table} ORDER BY 1").fetchall()


@pytest.mark.parametrize("family, dep", [("gaussian", "y"), ("binomial", "b")])
def test_warmup_gives_the_cold_model(data, family, dep):
    conn = data[0]
    lam = 0.3 if family == "gaussian" else 0.01
    cold = train(conn, family, dep, 0.5, lam, None, table="cold")
    warm = train(conn, family, dep, 0.5, lam, "warmup = true, warmup_lambda_no = 8, warmup_tolerance = 1e-4",
                 table="warm")
    given = train(conn, family, dep, 0.5, lam, f"warmup = TRUE, warmup_lambdas = {{{lam * 100}, {lam * 10}, {lam}}}",
                  table="given")
    for other in (warm, given):
        np.testing.assert_allclose(other[0][0], cold[0][0], rtol=1e-7, atol=1e-9, err_msg=family)
        assert other[0][1] == pytest.approx(cold[0][1], rel=1e-7, abs=1e-9)
    assert warm[0][2] > cold[0][2] or family == "binomial"  # iteration_run counts every solve of the path


def test_warmup_with_grouping(data):
    conn, x, y, _ = data
    got = train(conn, "gaussian", "y", 1.0, 0.2, "warmup = true", standardize=False, grouping="g")
    g = np.arange(N) % 2
    rows = conn.execute("SELECT g, coef_all FROM e ORDER BY g").fetchall()
    assert len(got) == 2
    for gv, coef in rows:
        want, _ = sk_gaussian(x[g == gv], y[g == gv], 1.0, 0.2, False)
        np.testing.assert_allclose(coef, want, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("standardize", [False, True])
def test_gaussian_cross_validation_matches_sklearn(data, standardize):
    conn, x, y, _ = data
    alphas, lambdas, k, seed = [0.2, 1.0], [0.01, 0.3, 2.0], 4, 11
    train(conn, "gaussian", "y", 0.5, 0.1, f"n_folds = {k}, validation_result = cv_out, seed = {seed}, "
          "lambda_value = {0.01, 0.3, 2.0}, alpha = [0.2, 1.0]", standardize=standardize)
    got = conn.execute("SELECT alpha, lambda_value, mean_score, std_dev_score FROM cv_out").fetchall()
    f = folds(conn, k, seed)
    want = []
    for a in alphas:
        for lam in lambdas:
            scores = []
            for fold in range(k):
                tr, te = f != fold, f == fold
                coef, b0 = sk_gaussian(x[tr], y[tr], a, lam, standardize)
                scores.append(-np.sqrt(np.mean((y[te] - b0 - x[te] @ coef) ** 2)))
            want.append((a, lam, np.mean(scores), np.std(scores, ddof=1)))
    assert [(r[0], r[1]) for r in got] == [(w[0], w[1]) for w in want]
    np.testing.assert_allclose([r[2] for r in got], [w[2] for w in want], rtol=1e-8)
    np.testing.assert_allclose([r[3] for r in got], [w[3] for w in want], rtol=1e-6)
    a, lam = want[int(np.argmax([w[2] for w in want]))][:2]
    coef, b0 = sk_gaussian(x, y, a, lam, standardize)
    model = conn.execute("SELECT coef_all, intercept FROM e").fetchone()
    np.testing.assert_allclose(model[0], coef, rtol=1e-7, atol=1e-9)
    assert model[1] == pytest.approx(b0, rel=1e-7)


def test_gaussian_generated_lambdas(data):
    conn, x, y, _ = data
    train(conn, "gaussian", "y", 0.5, 0.1, "n_folds = 3, n_lambdas = 4, validation_result = cv_out")
    lambdas = [r[0] for r in conn.execute("SELECT lambda_value FROM cv_out").fetchall()]
    # MADlib's sequence: log-spaced from 1e5 down to the lambda_value argument
    np.testing.assert_allclose(lambdas, np.geomspace(1e5, 0.1, 4), rtol=1e-12)
    assert conn.execute("SELECT count(DISTINCT alpha) FROM cv_out").fetchone()[0] == 1


def test_binomial_cross_validation_matches_sklearn(data):
    conn, x, _, b = data
    alphas, lambdas, k = [0.5], [0.002, 0.05], 3
    train(conn, "binomial", "b", 0.5, 0.1, "n_folds = 3, validation_result = cv_out, lambda_value = {0.002, 0.05}",
          standardize=False, tol=1e-10)
    got = conn.execute("SELECT alpha, lambda_value, mean_score, std_dev_score FROM cv_out").fetchall()
    f = folds(conn, k, y="b::int")
    for (a, lam, mean, _), (ga, gl) in zip(got, [(a, lam) for a in alphas for lam in lambdas]):
        assert (a, lam) == (ga, gl)
        acc = []
        for fold in range(k):
            tr, te = f != fold, f == fold
            coef, b0 = sk_binomial(x[tr], b[tr], a, lam)
            acc.append(np.mean(((b0 + x[te] @ coef) >= 0) == (b[te] == 1)))
        # accuracy is a count: allow one borderline row to fall on the other side in one fold
        assert abs(mean - np.mean(acc)) <= 1 / (k * min(np.bincount(f))) + 1e-12


def test_elastic_net_predict(data):
    conn, x, y, _ = data
    train(conn, "gaussian", "y", 0.5, 0.1, None)
    conn.execute("SELECT indb_ml.elastic_net_predict('e', 'd', 'id', 'p')")
    coef, b0 = conn.execute("SELECT coef_all, intercept FROM e").fetchone()
    cols = [d.name for d in conn.execute("SELECT * FROM p LIMIT 0").description]
    assert cols == ["id", "prediction"]
    got = np.array(conn.execute("SELECT prediction FROM p ORDER BY id").fetchall())[:, 0]
    np.testing.assert_allclose(got, b0 + x @ np.array(coef), rtol=1e-12, atol=1e-12)
    train(conn, "binomial", "b", 0.5, 0.01, None, table="eb")
    conn.execute("SELECT indb_ml.elastic_net_predict('eb', 'd', 'id', 'pb')")
    coef, b0 = conn.execute("SELECT coef_all, intercept FROM eb").fetchone()
    got = [r[0] for r in conn.execute("SELECT prediction FROM pb ORDER BY id").fetchall()]
    assert got == list((b0 + x @ np.array(coef)) >= 0)


def test_elastic_net_predict_grouped(data):
    conn, x, _, _ = data
    train(conn, "gaussian", "y", 1.0, 0.05, None, grouping="g")
    conn.execute("SELECT indb_ml.elastic_net_predict('e', 'd', 'id', 'p')")
    models = dict(conn.execute("SELECT g, ARRAY[intercept] || coef_all FROM e").fetchall())
    got = np.array(conn.execute("SELECT prediction FROM p ORDER BY id").fetchall())[:, 0]
    g = np.arange(N) % 2
    want = np.array([models[gv][0] + x[i] @ np.array(models[gv][1:]) for i, gv in enumerate(g)])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_predict_bad_input(data):
    conn = data[0]
    train(conn, "gaussian", "y", 0.5, 0.1, None)
    conn.execute("CREATE TABLE d2 AS SELECT id, x1, x2 FROM d")
    conn.execute("CREATE TABLE taken (a int)")
    for args, message in (("'e', 'd2', 'id', 'p'", "needs the model's feature columns"),
                          ("'d', 'd', 'id', 'p'", "is not an elastic_net_train model"),
                          ("'e', 'd', 'id', 'taken'", "already exists"),
                          ("'e', 'd', 'id); DROP TABLE d; --', 'p'", "only a single expression"),
                          ("'e', 'nope', 'id', 'p'", "does not exist")):
        with pytest.raises(ERRORS + (E.SyntaxError,), match=message), conn.transaction():
            conn.execute("SELECT indb_ml.elastic_net_predict(" + args + ")")
        assert conn.execute("SELECT to_regclass('p')").fetchone()[0] is None


@pytest.mark.parametrize("params, message", [
    ("lambda_value = {0.1, 0.2}", "needs n_folds >= 2"),
    ("n_folds = 3, alpha = {0.5, 2}", "every alpha must be in"),
    ("n_folds = three", "not a valid int"),
    ("bogus = 1", "unknown parameter 'bogus'"),
    ("stepsize = 0.1", "belongs to another optimizer"),
    ("warmup = true, warmup_lambdas = {1, 2, 0.1}", "strictly decreasing"),
    ("warmup = true, warmup_lambdas = {1, 0.5}", "must be lambda_value"),
    ("n_folds = 3, alpha = {0.5, 1", "unclosed"),
    ("n_folds = 3, lambda_value = {0.1, 0.2}, validation_result = d", "already exists"),
])
def test_bad_optimizer_params(data, params, message):
    conn = data[0]
    with pytest.raises(ERRORS, match=message), conn.transaction():
        train(conn, "gaussian", "y", 0.5, 0.1, params)
    assert conn.execute("SELECT to_regclass('e')").fetchone()[0] is None


def test_cv_with_grouping_is_an_error(data):
    conn = data[0]
    with pytest.raises(ERRORS, match="does not support grouping"), conn.transaction():
        train(conn, "gaussian", "y", 0.5, 0.1, "n_folds = 3, lambda_value = {0.1, 1}", grouping="g")


def test_fista_params_accepted_and_help(data):
    conn = data[0]
    cold = train(conn, "gaussian", "y", 0.5, 0.1, None, table="cold")
    got = train(conn, "gaussian", "y", 0.5, 0.1, "max_stepsize = 2, eta = 2, use_active_set = t, -- FISTA\n"
                "random_stepsize = false", table="f", tol=1e-10, optimizer="fista")
    np.testing.assert_allclose(got[0][0], cold[0][0], rtol=1e-4)  # FISTA with its parameters, near the minimizer
    assert "optimizer_params" in conn.execute("SELECT indb_ml.elastic_net_train()").fetchone()[0]
    assert "elastic_net_predict" in conn.execute("SELECT indb_ml.elastic_net_predict()").fetchone()[0]


@pytest.mark.parametrize("optimizer", ["fista", "cd", "igd"])
@pytest.mark.parametrize("family, dep", [("gaussian", "y"), ("binomial", "b")])
def test_cross_validated_model_is_the_optimizers_own(data, optimizer, family, dep):
    """MADlib trains the model at the best pair with the optimizer it was asked for: after
    cross-validation the output equals a plain elastic_net_train at that pair with the same
    optimizer (coefficients, intercept and iteration_run), and the summary names the pair."""
    conn = data[0]
    lams = "{0.05, 0.3}" if family == "gaussian" else "{0.001, 0.05}"
    params = f"n_folds = 3, alpha = {{0.2, 0.9}}, lambda_value = {lams}, validation_result = vr"
    cv_model = train(conn, family, dep, 0.5, 0.1, params, tol=1e-6, table="cvm", optimizer=optimizer)
    alpha, lam = conn.execute("SELECT alpha, lambda_value FROM cvm_summary").fetchone()
    best = conn.execute("SELECT alpha, lambda_value FROM vr ORDER BY mean_score DESC, alpha, lambda_value LIMIT 1"
                        ).fetchone()
    assert (alpha, lam) == pytest.approx(best)
    plain = train(conn, family, dep, alpha, lam, None, tol=1e-6, table="plain", optimizer=optimizer)
    np.testing.assert_allclose(cv_model[0][0], plain[0][0], rtol=1e-12, atol=1e-14)
    assert cv_model[0][1] == pytest.approx(plain[0][1], rel=1e-12, abs=1e-14)
    assert cv_model[0][2] == plain[0][2]


def _fista_on_training_rows(conn, dep: str, fold_y: str, family: str, lam: float, f: int, tol: float):
    """``(coef_all, intercept)`` of a plain fista elastic_net_train on a view of the rows outside
    fold ``f`` (0-based; ``fold_y`` is the response as cv_fold hashes it)."""
    conn.execute(f"CREATE OR REPLACE VIEW d_train AS SELECT * FROM d WHERE indb_ml.cv_fold({fold_y}, "
                 f"ARRAY[x1, x2, x3, x4]::float8[], 3, 0) <> {f + 1}")
    conn.execute("DROP TABLE IF EXISTS ff, ff_summary")
    conn.execute(f"SELECT indb_ml.elastic_net_train('d_train', 'ff', '{dep}', %s, '{family}', 0.5, %s, true, "
                 "NULL, 'fista', NULL, NULL, 100000, %s)", [FEATURES, lam, tol])
    return conn.execute("SELECT coef_all, intercept FROM ff").fetchone()


def test_gaussian_folds_are_fitted_by_fista(data):
    """With 'fista' each fold's model is MADlib's FISTA on the other folds' rows: the validation
    table's mean score is the mean over folds of -RMSE on the held-out rows of a plain fista
    elastic_net_train on a view of the training rows (numpy scores them)."""
    conn, x, y, _ = data
    fold = folds(conn, 3)
    params = "n_folds = 3, alpha = {0.5}, lambda_value = {0.1, 0.3}, validation_result = vr"
    train(conn, "gaussian", "y", 0.5, 0.1, params, tol=1e-6, table="cvm", optimizer="fista")
    got = dict(conn.execute("SELECT lambda_value, mean_score FROM vr").fetchall())
    for lam, mean_score in got.items():
        scores = []
        for f in range(3):
            coef, b = _fista_on_training_rows(conn, "y", "y::float8", "gaussian", lam, f, 1e-6)
            held = fold == f
            scores.append(-np.sqrt(np.mean((y[held] - b - x[held] @ np.array(coef)) ** 2)))
        assert mean_score == pytest.approx(np.mean(scores), rel=1e-9), lam


def test_binomial_folds_are_fitted_by_fista(data):
    """Binomial on a plain table (rows packed once): each fold's model is MADlib's FISTA on the
    other folds' rows, so the validation table's mean score is the mean over folds of the share
    a plain fista elastic_net_train on a view of the training rows classifies right."""
    conn, x, _, b = data
    fold = folds(conn, 3, y="b::int")
    params = "n_folds = 3, alpha = {0.5}, lambda_value = {0.001, 0.02}, validation_result = vr"
    train(conn, "binomial", "b", 0.5, 0.1, params, tol=1e-4, table="cvm", optimizer="fista")
    got = dict(conn.execute("SELECT lambda_value, mean_score FROM vr").fetchall())
    fitted = {}
    for lam, mean_score in got.items():
        scores = []
        for f in range(3):
            coef, c0 = _fista_on_training_rows(conn, "b", "b::int::float8", "binomial", lam, f, 1e-4)
            fitted[(lam, f)] = coef
            held = fold == f
            scores.append(np.mean(((c0 + x[held] @ np.array(coef)) >= 0) == (b[held] == 1)))
        assert mean_score == pytest.approx(np.mean(scores), rel=1e-12), lam


@pytest.mark.parametrize("family, dep, optimizer, source", [
    ("gaussian", "y", "igd", "d"),  # folds from co-moments, igd passes over a view of each fold's rows
    ("binomial", "b", "igd", "d"),  # rows packed once (plain table)
    ("binomial", "b", "fista", "dv"),  # a view: the aggregate plan, FISTA by passes
    ("binomial", "b", "igd", "dv"),
])
def test_folds_are_fitted_by_the_optimizer(data, family, dep, optimizer, source):
    """Every fold is fitted as elastic_net_train fits it with that optimizer: the validation
    table's mean score is the mean over folds of the score (-RMSE, or the share classified
    right) of a plain elastic_net_train on a view of the fold's training rows, scored in numpy."""
    conn, x, y, b = data
    conn.execute("CREATE VIEW dv AS SELECT * FROM d")
    yv = y if family == "gaussian" else b
    cast = "y::float8" if family == "gaussian" else "b::int::float8"
    fold = folds(conn, 3, y="y" if family == "gaussian" else "b::int")
    lams = "{0.05, 0.3}" if family == "gaussian" else "{0.001, 0.02}"
    call = ("SELECT indb_ml.elastic_net_train(%s, %s, %s, %s, %s, 0.5, %s, true, NULL, %s, %s, NULL, 15, 1e-6)")
    conn.execute(call, [source, "cvm", dep, FEATURES, family, 0.1, optimizer,
                        f"n_folds = 3, alpha = {{0.5}}, lambda_value = {lams}, validation_result = vr"])
    got = dict(conn.execute("SELECT lambda_value, mean_score FROM vr").fetchall())
    assert len(got) == 2
    for lam, mean_score in got.items():
        scores = []
        for f in range(3):
            conn.execute(f"CREATE OR REPLACE VIEW d_train AS SELECT * FROM {source} WHERE indb_ml.cv_fold({cast}, "
                         f"ARRAY[x1, x2, x3, x4]::float8[], 3, 0) <> {f + 1}")
            conn.execute("DROP TABLE IF EXISTS ff, ff_summary")
            conn.execute(call, ["d_train", "ff", dep, FEATURES, family, lam, optimizer, None])
            coef, c0 = conn.execute("SELECT coef_all, intercept FROM ff").fetchone()
            held = fold == f
            fit = c0 + x[held] @ np.array(coef)
            scores.append(-np.sqrt(np.mean((yv[held] - fit) ** 2)) if family == "gaussian"
                          else np.mean((fit >= 0) == (yv[held] == 1)))
        assert mean_score == pytest.approx(np.mean(scores), rel=1e-9), lam
    left = conn.execute("SELECT count(*) FROM pg_class WHERE relname LIKE '\\_indb\\_ml\\_enet\\_fold%'").fetchone()[0]
    assert left == 0  # the folds' views are dropped
