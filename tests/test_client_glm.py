"""The Python client's glm, mlogregr_train and elastic_net_train: typed models that match
statsmodels / scikit-learn (the server-side fits are checked in depth in their own files;
here the client's plumbing: names, groups, progress, prediction without a connection)."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from sklearn.linear_model import ElasticNet

import indb_ml
from indb_ml.client.connection import IndbMlError

N = 1500


@pytest.fixture
def data(postgresql):
    rng = np.random.default_rng(23)
    x = rng.normal(size=(N, 2))
    g = rng.integers(0, 2, size=N)
    cnt = rng.poisson(np.exp(0.2 + 0.5 * x[:, 0] - 0.3 * x[:, 1]))
    cat = np.digitize(x @ np.array([1.0, -1.0]) + rng.logistic(size=N), [-0.5, 0.8])
    y = 1 + 2 * x[:, 0] - x[:, 1] + rng.normal(size=N)
    postgresql.execute("CREATE TABLE d (g int, cnt int, cat int, y float8, x1 float8, x2 float8)")
    with postgresql.cursor().copy("COPY d FROM STDIN") as copy:
        for i in range(N):
            copy.write_row([int(g[i]), int(cnt[i]), int(cat[i]), y[i], *x[i]])
    postgresql.commit()
    return np.column_stack([np.ones(N), x]), cnt, cat, y, g


def test_glm_poisson_matches_statsmodels_and_predicts(dsn, data):
    x, cnt, _, _, g = data
    seen = []
    with indb_ml.connect(dsn) as db:
        model = db.glm("d", "cnt", [1, "x1", "x2"], "poisson", verbose=True,
                       progress=lambda i, chi2, m: seen.append((i, m)))
        grouped = db.glm("d", "cnt", [1, "x1", "x2"], "poisson", "log", grouping=["g"])
    ref = sm.GLM(cnt, x, family=sm.families.Poisson()).fit(tol=1e-12)
    np.testing.assert_allclose(model.coef, ref.params, rtol=1e-7)
    np.testing.assert_allclose(model.std_err, ref.bse, rtol=1e-6)
    assert (model.family, model.link, model.feature_names) == ("poisson", "log", ("1", "x1", "x2"))
    np.testing.assert_allclose(model.predict(x[:5]), ref.predict(x[:5]), rtol=1e-7)
    assert [s[0] for s in seen] == list(range(1, model.num_iterations + 1)) and seen[0][1] == 100
    assert set(grouped) == {(0,), (1,)}
    ref0 = sm.GLM(cnt[g == 0], x[g == 0], family=sm.families.Poisson()).fit(tol=1e-12)
    np.testing.assert_allclose(grouped[(0,)].coef, ref0.params, rtol=1e-7)


def test_mlogregr_matches_statsmodels_and_predicts(dsn, data):
    x, _, cat, _, _ = data
    with indb_ml.connect(dsn) as db:
        model = db.mlogregr_train("d", "cat", [1, "x1", "x2"], ref_category=0, max_iter=50, tolerance=1e-12)
    ref = sm.MNLogit(cat, x).fit(disp=0, method="newton", tol=1e-12, maxiter=100)
    assert model.categories == (1, 2) and model.ref_category == 0
    np.testing.assert_allclose(model.coef, ref.params.T, rtol=1e-7)
    np.testing.assert_allclose(model.predict_proba(x[:7]), ref.predict(x[:7]), rtol=1e-7)
    assert model.predict(x[:7]).tolist() == np.argmax(ref.predict(x[:7]), axis=1).tolist()


def test_elastic_net_matches_scikit_learn(dsn, data):
    x, _, _, y, _ = data
    with indb_ml.connect(dsn) as db:
        model = db.elastic_net_train("d", "y", ["x1", "x2"], alpha=0.5, lambda_value=0.1, standardize=False,
                                     tolerance=1e-12, max_iter=10000)
    ref = ElasticNet(alpha=0.1, l1_ratio=0.5, tol=1e-12, max_iter=100000).fit(x[:, 1:], y)
    np.testing.assert_allclose(model.coef, ref.coef_, rtol=1e-6)
    assert model.intercept == pytest.approx(ref.intercept_, rel=1e-6)
    np.testing.assert_allclose(model.predict(x[:4, 1:]), ref.predict(x[:4, 1:]), rtol=1e-6)


def test_client_errors_carry_the_server_message(dsn, data):
    with indb_ml.connect(dsn) as db, pytest.raises(IndbMlError, match="unknown family|family"):
        db.glm("d", "cnt", [1, "x1"], "weibull")
    with indb_ml.connect(dsn) as db, pytest.raises(IndbMlError, match="categor"):
        db.mlogregr_train("d", "cat", [1, "x1"], ref_category=7)
