"""indb_ml.client.plots: every plot renders to a valid, non-empty PNG without a display, its axes
are labelled, and the data it draws equals an independent oracle (statsmodels, scipy,
scikit-learn, networkx) for models and graph results computed by a real server."""

from __future__ import annotations

import collections
import subprocess
import sys

import matplotlib.image
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from sklearn.calibration import calibration_curve
from sklearn.metrics import roc_auc_score, roc_curve

import indb_ml
from indb_ml.client import plots

N = 600
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def data(postgresql):
    rng = np.random.default_rng(11)
    x = rng.normal(size=(N, 2))
    y = 0.5 + 1.5 * x[:, 0] - 2 * x[:, 1] + rng.standard_t(4, size=N)
    yb = (x @ [1.2, -0.8] + rng.logistic(size=N) > 0).astype(int)
    cnt = rng.poisson(np.exp(0.3 + 0.4 * x[:, 0] - 0.2 * x[:, 1]))
    postgresql.execute("CREATE TABLE d (y float8, yb int, cnt int, x1 float8, x2 float8)")
    with postgresql.cursor().copy("COPY d FROM STDIN") as copy:
        for i in range(N):
            copy.write_row([y[i], int(yb[i]), int(cnt[i]), *x[i]])
    graph = nx.gnm_random_graph(60, 70, seed=3, directed=True)
    postgresql.execute("CREATE TABLE v (id int)")
    postgresql.execute("INSERT INTO v SELECT generate_series(0, 59)")
    postgresql.execute("CREATE TABLE e (src int, dest int)")
    with postgresql.cursor().copy("COPY e FROM STDIN") as copy:
        for a, b in graph.edges():
            copy.write_row([a, b])
    postgresql.commit()
    return np.column_stack([np.ones(N), x]), y, yb, cnt, graph


def _render(fig, tmp_path, name: str):
    """Save as PNG, check it is a real, non-empty image, and that every axes is labelled."""
    path = tmp_path / f"{name}.png"
    fig.savefig(path, format="png")
    blob = path.read_bytes()
    assert len(blob) > 1000 and blob.startswith(PNG_MAGIC)
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
    assert image.std() > 0  # something is drawn
    for ax in fig.axes:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


def test_regression_diagnostics_equal_statsmodels_and_scipy(dsn, data, tmp_path):
    x, y, *_ = data
    with indb_ml.connect(dsn) as db:
        model = db.linregr_train("d", "y", [1, "x1", "x2"])
    fig = plots.regression_diagnostics(model, x, y)
    _render(fig, tmp_path, "diagnostics")
    left, right = fig.axes
    ols = sm.OLS(y, x).fit()
    drawn = left.collections[0].get_offsets()
    np.testing.assert_allclose(drawn[:, 0], ols.fittedvalues, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(drawn[:, 1], ols.resid, rtol=1e-7, atol=1e-9)
    (osm, osr), (slope, intercept, _) = stats.probplot(ols.resid, dist="norm")
    qq = right.collections[0].get_offsets()
    np.testing.assert_allclose(qq[:, 0], osm, rtol=1e-12)
    np.testing.assert_allclose(qq[:, 1], osr, rtol=1e-7, atol=1e-9)
    line = right.lines[0].get_xydata()
    np.testing.assert_allclose(line[:, 1], intercept + slope * line[:, 0], rtol=1e-7, atol=1e-9)
    assert right.get_title() == "Normal Q-Q"


def test_roc_and_calibration_equal_sklearn(dsn, data, tmp_path):
    x, _, yb, *_ = data
    with indb_ml.connect(dsn) as db:
        model = db.logregr_train("d", "yb", [1, "x1", "x2"], tolerance=1e-10, max_iter=50)
    fig = plots.binary_diagnostics(model, x, yb, n_bins=8)
    _render(fig, tmp_path, "binary")
    prob = model.predict_proba(x)
    fpr, tpr, thresholds = roc_curve(yb, prob, drop_intermediate=False)
    roc_ax, cal_ax = fig.axes
    np.testing.assert_allclose(roc_ax.lines[0].get_xydata(), np.column_stack([fpr, tpr]), rtol=1e-12)
    points = plots.roc_points(yb, prob)
    np.testing.assert_allclose(points.thresholds[1:], thresholds[1:], rtol=1e-12)
    assert points.auc == pytest.approx(roc_auc_score(yb, prob), rel=1e-12)
    assert f"{roc_auc_score(yb, prob):.3f}" in roc_ax.get_legend().get_texts()[0].get_text()
    prob_true, prob_pred = calibration_curve(yb, prob, n_bins=8, strategy="uniform")
    np.testing.assert_allclose(cal_ax.lines[0].get_xydata(), np.column_stack([prob_pred, prob_true]), rtol=1e-12)
    # ties: sklearn's thresholds over a score with repeated values
    scores = np.round(prob, 1)
    fpr, tpr, _ = roc_curve(yb, scores, drop_intermediate=False)
    tied = plots.roc_points(yb, scores)
    np.testing.assert_allclose(np.column_stack([tied.fpr, tied.tpr]), np.column_stack([fpr, tpr]), rtol=1e-12)


def test_coefficient_plots_equal_statsmodels_intervals(dsn, data, tmp_path):
    x, y, yb, cnt, _ = data
    with indb_ml.connect(dsn) as db:
        lin = db.linregr_train("d", "y", [1, "x1", "x2"])
        logit = db.logregr_train("d", "yb", [1, "x1", "x2"], tolerance=1e-10, max_iter=50)
        poisson = db.glm("d", "cnt", [1, "x1", "x2"], "poisson", tolerance=1e-12)
        gaussian = db.glm("d", "y", [1, "x1", "x2"], "gaussian", tolerance=1e-12)
    refs = [
        (lin, sm.OLS(y, x).fit().conf_int(0.10), 0.90),
        (logit, sm.Logit(yb, x).fit(disp=0, tol=1e-12).conf_int(0.05), 0.95),
        (poisson, sm.GLM(cnt, x, family=sm.families.Poisson()).fit(tol=1e-12).conf_int(0.05), 0.95),
        (gaussian, sm.GLM(y, x).fit(tol=1e-12, use_t=True).conf_int(0.01), 0.99),
    ]
    for i, (model, want, level) in enumerate(refs):
        fig = plots.coefficient_plot(model, level=level)
        _render(fig, tmp_path, f"coef{i}")
        (ax,) = fig.axes
        segments = np.array(ax.containers[0].lines[2][0].get_segments())  # one (lower, upper) segment per row
        drawn = np.column_stack([segments[:, 0, 0], segments[:, 1, 0]])  # in coefficient order
        np.testing.assert_allclose(drawn, want, rtol=1e-6)
        np.testing.assert_allclose(segments[:, 0, 1], [2, 1, 0])  # the first coefficient on top
        assert {t.get_position()[1]: t.get_text() for t in ax.get_yticklabels()} == {2: "1", 1: "x1", 0: "x2"}
        assert f"{level:.0%}" in ax.get_title()
    with pytest.raises(TypeError, match="no standard errors"):
        plots.coefficient_plot(type("NoSe", (), {"coef": [1.0, 2.0]})())


def test_graph_plots_equal_networkx(dsn, data, tmp_path):
    graph = data[-1]
    with indb_ml.connect(dsn) as db:
        pr = db.pagerank("v", "id", "e", threshold=1e-12, max_iter=1000)
        deg = db.graph_vertex_degrees("v", "id", "e")
        wcc = db.weakly_connected_components("v", "id", "e")
    fig = plots.pagerank_distribution(pr, bins=12)
    _render(fig, tmp_path, "pagerank")
    hist_ax, rank_ax = fig.axes
    counts, _ = np.histogram(pr.table["pagerank"], bins=12)
    assert [p.get_height() for p in hist_ax.patches] == counts.tolist() and counts.sum() == 60
    ref = nx.pagerank(graph, alpha=0.85, tol=1e-13, max_iter=10000)
    np.testing.assert_allclose(rank_ax.lines[0].get_ydata(), sorted(ref.values(), reverse=True), rtol=1e-6)

    fig = plots.degree_distribution(deg)
    _render(fig, tmp_path, "degrees")
    (ax,) = fig.axes
    bars = {}
    for container, name in zip(ax.containers, ("indegree", "outdegree")):
        bars[name] = {round(p.get_x() + p.get_width() / 2): int(p.get_height()) for p in container}
    touched = [v for v in graph if graph.degree(v)]
    assert bars["indegree"] == dict(collections.Counter(graph.in_degree(v) for v in touched))
    assert bars["outdegree"] == dict(collections.Counter(graph.out_degree(v) for v in touched))

    fig = plots.component_sizes(wcc)
    _render(fig, tmp_path, "components")
    (ax,) = fig.axes
    want = sorted((len(c) for c in nx.weakly_connected_components(graph)), reverse=True)[:30]
    assert [int(p.get_height()) for p in ax.patches] == want


def test_convergence_curves_from_recorder_list_and_frame(dsn, data, tmp_path):
    rec = plots.ConvergenceRecorder()
    with indb_ml.connect(dsn) as db:
        model = db.logregr_train("d", "yb", [1, "x1", "x2"], verbose=True, progress=rec, tolerance=1e-10, max_iter=50)
    assert len(rec.history) == model.num_iterations and rec.history[0][0] == 1
    lls = [ll for _, ll in rec.history]
    assert all(b >= a - 1e-9 for a, b in zip(lls, lls[1:]))  # IRLS raises the log-likelihood
    assert lls[-1] == pytest.approx(model.log_likelihood, rel=1e-6)
    for name, history in (("rec", rec), ("list", rec.history),
                          ("frame", pd.DataFrame(rec.history, columns=["iteration", "loss"]))):
        fig = plots.convergence_curve(history, label="log-likelihood")
        _render(fig, tmp_path, f"conv_{name}")
        np.testing.assert_array_equal(fig.axes[0].lines[0].get_xydata(), np.array(rec.history, dtype=float))
    reports = plots.ConvergenceRecorder()  # one report per call, as a mapping
    for iteration, ll in rec.history:
        reports({"iteration": iteration, "phase": "irls", "log_likelihood": ll})
    assert reports.history == rec.history
    residuals = pd.DataFrame({"iteration": [1, 2, 3, 4], "residual": [1.0, 1e-2, 1e-5, 1e-9]})
    fig = plots.convergence_curve(residuals, label="residual")
    assert fig.axes[0].get_yscale() == "log"
    with pytest.raises(ValueError, match="at least one"):
        plots.convergence_curve([])


def test_bad_input_and_missing_matplotlib():
    with pytest.raises(ValueError, match="both classes"):
        plots.roc_curve([1, 1, 1], [0.2, 0.3, 0.4])
    with pytest.raises(ValueError, match="0/1"):
        plots.roc_points([0, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="NaN"):
        plots.qq_plot([1.0, float("nan")])
    with pytest.raises(ValueError, match="component_id"):
        plots.component_sizes(pd.DataFrame({"id": [1]}))
    # Without matplotlib (an import that fails, as on an install without the extra), the
    # message names the extra; the module itself imports fine.
    code = ("import sys; sys.modules['matplotlib'] = None\n"
            "from indb_ml.client import plots\n"
            "try:\n    plots.convergence_curve([(1, 2.0)])\n"
            "except ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "pip install indb_ml[plots]" in out
