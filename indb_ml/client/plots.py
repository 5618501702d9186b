"""Pictures of the client's results: regression diagnostics, ROC and calibration, coefficients
with confidence intervals, graph distributions and convergence curves.

matplotlib is an optional extra (``pip install indb_ml[plots]``), imported when a plot is
drawn. Every function draws on a new :class:`matplotlib.figure.Figure` attached to the Agg
canvas (no pyplot, no global state, no display needed) and returns it:
``fig.savefig("roc.png")`` writes a file, and a notebook shows the returned figure.

The numbers drawn are computed here with numpy (and scipy for the Q-Q and interval
quantiles), so each plot's data can be read back from the figure and checked:

>>> points = roc_points([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
>>> points.fpr.tolist(), points.tpr.tolist()
([0.0, 0.0, 0.5, 0.5, 1.0], [0.0, 0.5, 0.5, 1.0, 1.0])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

_EXTRA = "pip install indb_ml[plots]"


def _figure(ncols: int = 1, width: float = 5.5, height: float = 4.2):
    """A Figure on the Agg canvas with ``ncols`` axes (a list)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(f"indb_ml's plots need matplotlib: {_EXTRA}") from None
    fig = Figure(figsize=(width * ncols, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig, [fig.add_subplot(1, ncols, i + 1) for i in range(ncols)]


def _axes(ax, **size):
    """``(figure, axes)``: the given axes' figure, or a new one-axes figure."""
    if ax is not None:
        return ax.figure, ax
    fig, (new,) = _figure(**size)
    return fig, new


def _label(ax, title: str, xlabel: str, ylabel: str) -> None:
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)


def _finite_1d(values: Any, what: str) -> np.ndarray:
    array = np.asarray(values, dtype=float).ravel()
    if array.size == 0:
        raise ValueError(f"{what} is empty: nothing to plot")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{what} contains NaN or infinite values: drop those rows first")
    return array


# ---- regression diagnostics ------------------------------------------------------------------

def residuals_vs_fitted(fitted: Any, residuals: Any, ax=None):
    """Residuals against fitted values with the zero line: a trend or a funnel shows a missing
    term or heteroskedasticity. Draws on ``ax`` when given; returns the Figure."""
    fitted = _finite_1d(fitted, "fitted")
    residuals = _finite_1d(residuals, "residuals")
    if fitted.size != residuals.size:
        raise ValueError(f"fitted has {fitted.size} values but residuals has {residuals.size}")
    fig, ax = _axes(ax)
    ax.scatter(fitted, residuals, s=10, alpha=0.6, label="observations")
    ax.axhline(0.0, color="grey", linewidth=1, label="zero")
    _label(ax, "Residuals vs fitted", "fitted value", "residual")
    return fig


def qq_plot(residuals: Any, ax=None):
    """Normal Q-Q plot (``scipy.stats.probplot``): ordered residuals against normal quantiles with
    the least-squares line; points off the line show heavy tails or skew."""
    from scipy import stats

    residuals = _finite_1d(residuals, "residuals")
    (theoretical, ordered), (slope, intercept, _) = stats.probplot(residuals, dist="norm")
    fig, ax = _axes(ax)
    ax.scatter(theoretical, ordered, s=10, alpha=0.6, label="residuals")
    ends = np.array([theoretical[0], theoretical[-1]])
    ax.plot(ends, intercept + slope * ends, color="C3", linewidth=1, label="fit")
    _label(ax, "Normal Q-Q", "theoretical quantile", "ordered residual")
    return fig


def regression_diagnostics(model: Any, X: Any, y: Any):
    """Residuals vs fitted and a normal Q-Q plot side by side for a fitted model with ``predict``
    (LinregrModel, GlmModel: the fitted mean) on rows ``X`` (features in training order,
    including the ``1`` column) and observed ``y``."""
    fitted = np.asarray(model.predict(np.asarray(X, dtype=float)), dtype=float)
    residuals = np.asarray(y, dtype=float).ravel() - fitted
    fig, (left, right) = _figure(2)
    residuals_vs_fitted(fitted, residuals, ax=left)
    qq_plot(residuals, ax=right)
    return fig


# ---- binary models ---------------------------------------------------------------------------

@dataclass(frozen=True)
class RocPoints:
    """The ROC curve: false and true positive rates at each distinct score taken as the
    threshold (highest first, after a first point at (0, 0)), and the area under it."""

    fpr: np.ndarray
    tpr: np.ndarray
    thresholds: np.ndarray
    auc: float


def _binary(y_true: Any) -> np.ndarray:
    y = np.asarray(y_true).ravel()
    if y.dtype == bool:
        return y.astype(float)
    y = np.asarray(y, dtype=float)
    if not np.all(np.isin(y, (0.0, 1.0))):
        raise ValueError("y_true must be 0/1 or boolean")
    return y


def roc_points(y_true: Any, score: Any) -> RocPoints:
    """ROC points with every distinct score as a threshold (``sklearn.metrics.roc_curve`` with
    ``drop_intermediate=False``; its first threshold is +inf)."""
    y = _binary(y_true)
    s = _finite_1d(score, "score")
    if y.size != s.size:
        raise ValueError(f"y_true has {y.size} values but score has {s.size}")
    positives, negatives = y.sum(), y.size - y.sum()
    if positives == 0 or negatives == 0:
        raise ValueError("the ROC curve needs both classes in y_true")
    order = np.argsort(-s, kind="mergesort")
    s, y = s[order], y[order]
    last = np.r_[np.flatnonzero(np.diff(s)), s.size - 1]  # the last row of each distinct score
    tps = np.cumsum(y)[last]
    fps = (last + 1) - tps
    fpr = np.r_[0.0, fps / negatives]
    tpr = np.r_[0.0, tps / positives]
    auc = float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))  # the trapezoids under the curve
    return RocPoints(fpr=fpr, tpr=tpr, thresholds=np.r_[np.inf, s[last]], auc=auc)


def calibration_points(y_true: Any, prob: Any, n_bins: int = 10) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(mean predicted probability, observed frequency, rows)`` per non-empty bin of equal
    width on [0, 1] (``sklearn.calibration.calibration_curve``, strategy "uniform")."""
    y = _binary(y_true)
    p = _finite_1d(prob, "prob")
    if y.size != p.size:
        raise ValueError(f"y_true has {y.size} values but prob has {p.size}")
    if p.min() < 0 or p.max() > 1:
        raise ValueError("prob must be probabilities in [0, 1]")
    if int(n_bins) < 1:
        raise ValueError("n_bins must be at least 1")
    edges = np.linspace(0.0, 1.0, int(n_bins) + 1)
    bins = np.searchsorted(edges[1:-1], p)
    rows = np.bincount(bins, minlength=len(edges))
    sum_p = np.bincount(bins, weights=p, minlength=len(edges))
    sum_y = np.bincount(bins, weights=y, minlength=len(edges))
    keep = rows > 0
    return sum_p[keep] / rows[keep], sum_y[keep] / rows[keep], rows[keep]


def roc_curve(y_true: Any, score: Any, ax=None):
    """The ROC curve with its AUC in the legend and the chance diagonal."""
    points = roc_points(y_true, score)
    fig, ax = _axes(ax)
    ax.plot(points.fpr, points.tpr, drawstyle="default", label=f"ROC (AUC = {points.auc:.3f})")
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1, label="chance")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.legend(loc="lower right")
    _label(ax, "ROC curve", "false positive rate", "true positive rate")
    return fig


def calibration_curve(y_true: Any, prob: Any, n_bins: int = 10, ax=None):
    """Observed frequency of y = 1 against the mean predicted probability per bin, with the
    diagonal of a perfectly calibrated model."""
    mean_p, observed, _ = calibration_points(y_true, prob, n_bins)
    fig, ax = _axes(ax)
    ax.plot(mean_p, observed, marker="o", label="model")
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1, label="perfectly calibrated")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.legend(loc="upper left")
    _label(ax, "Calibration", "mean predicted probability", "observed frequency of y = 1")
    return fig


def binary_diagnostics(model: Any, X: Any, y: Any, n_bins: int = 10):
    """ROC and calibration curves side by side for a binary model with ``predict_proba``
    (LogregrModel, ElasticNetModel binomial) or a binomial GlmModel (``predict`` is P(y = 1))."""
    X = np.asarray(X, dtype=float)
    if hasattr(model, "predict_proba"):
        prob = model.predict_proba(X)
    elif getattr(model, "family", None) == "binomial":
        prob = model.predict(X)
    else:
        raise TypeError(f"{type(model).__name__} is not a binary model: it has no predict_proba")
    fig, (left, right) = _figure(2)
    roc_curve(y, prob, ax=left)
    calibration_curve(y, prob, n_bins, ax=right)
    return fig


# ---- coefficients ----------------------------------------------------------------------------

_DISPERSION_FAMILIES = ("gaussian", "gamma", "inverse_gaussian")


def confidence_intervals(model: Any, level: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(coef, lower, upper)``: Wald intervals coef ± q·std_err, q from Student's t with
    ``num_rows_processed - k`` degrees of freedom where the model's tests are t tests
    (LinregrModel; GlmModel of a family with a dispersion) and the normal distribution
    otherwise (LogregrModel; binomial and poisson GlmModel), as the models' p-values are."""
    from scipy import stats

    if not 0 < level < 1:
        raise ValueError("level must be between 0 and 1, e.g. 0.95")
    coef = np.asarray(model.coef, dtype=float).ravel()
    se = np.asarray(getattr(model, "std_err", ()), dtype=float).ravel()
    if se.size != coef.size:
        raise TypeError(f"{type(model).__name__} has no standard errors: no confidence intervals to draw")
    uses_t = hasattr(model, "t_stats") or getattr(model, "family", None) in _DISPERSION_FAMILIES
    df = int(getattr(model, "num_rows_processed", 0)) - coef.size
    q = stats.t.ppf(0.5 + level / 2, df) if uses_t and df > 0 else stats.norm.ppf(0.5 + level / 2)
    return coef, coef - q * se, coef + q * se


def coefficient_plot(model: Any, level: float = 0.95, ax=None):
    """Each coefficient with its ``level`` confidence interval, one row per feature, and the zero
    line: an interval across zero is not significant at that level."""
    coef, lower, upper = confidence_intervals(model, level)
    names = list(getattr(model, "feature_names", ()) or ())
    if len(names) != coef.size:
        names = [f"x{i + 1}" for i in range(coef.size)]
    rows = np.arange(coef.size)[::-1]
    fig, ax = _axes(ax, height=max(2.5, 0.4 * coef.size + 1.5))
    ax.errorbar(coef, rows, xerr=np.vstack([coef - lower, upper - coef]), fmt="o", capsize=3,
                label=f"coef, {level:.0%} interval")
    ax.axvline(0.0, color="grey", linewidth=1)
    ax.set_yticks(rows, names)
    kind = type(model).__name__.removesuffix("Model")
    _label(ax, f"{kind} coefficients ({level:.0%} confidence)", "coefficient", "feature")
    return fig


# ---- graph results -----------------------------------------------------------------------------

def _column(result: Any, names: Sequence[str], what: str) -> np.ndarray:
    """A numeric column from a TableResult, a DataFrame or a plain sequence."""
    table = getattr(result, "table", result)
    if hasattr(table, "columns"):
        for name in names:
            if name in table.columns:
                return _finite_1d(table[name].to_numpy(dtype=float), name)
        raise ValueError(f"{what}: the table has none of the columns {list(names)} (it has {list(table.columns)})")
    return _finite_1d(table, what)


def pagerank_distribution(result: Any, bins: int = 30):
    """Histogram of PageRank scores (``db.pagerank(...)``'s table, or the scores) on the left,
    scores by rank on log-log axes on the right (a straight line suggests a power law)."""
    scores = _column(result, ("pagerank",), "pagerank_distribution")
    fig, (left, right) = _figure(2)
    left.hist(scores, bins=bins)
    _label(left, "PageRank distribution", "PageRank", "vertices")
    ranked = np.sort(scores)[::-1]
    right.loglog(np.arange(1, ranked.size + 1), ranked, marker=".", linestyle="none")
    _label(right, "PageRank by rank", "rank", "PageRank")
    return fig


def degree_distribution(result: Any):
    """Number of vertices with each in-degree and out-degree (``db.graph_vertex_degrees(...)``),
    or with each degree for a single column / sequence."""
    table = getattr(result, "table", result)
    columns = [c for c in ("indegree", "outdegree", "degree") if hasattr(table, "columns") and c in table.columns]
    series = {c: _column(table, (c,), c) for c in columns} or {"degree": _column(table, (), "degree")}
    fig, (ax,) = _figure()
    width = 0.8 / len(series)
    for i, (name, values) in enumerate(series.items()):
        degrees, counts = np.unique(values.astype(np.int64), return_counts=True)
        ax.bar(degrees + (i - (len(series) - 1) / 2) * width, counts, width=width, label=name)
    ax.legend()
    _label(ax, "Degree distribution", "degree", "vertices")
    return fig


def component_sizes(result: Any, top: int = 30):
    """The ``top`` largest weakly connected components by size (``db.weakly_connected_components``'s
    table: vertices per ``component_id``), largest first."""
    table = getattr(result, "table", result)
    if hasattr(table, "columns"):
        if "component_id" not in table.columns:
            raise ValueError(f"component_sizes: the table has no component_id column (it has {list(table.columns)})")
        _, sizes = np.unique(table["component_id"].to_numpy(), return_counts=True)
    else:
        _, sizes = np.unique(np.asarray(table), return_counts=True)
    sizes = np.sort(sizes)[::-1][: int(top)]
    fig, (ax,) = _figure()
    ax.bar(np.arange(1, sizes.size + 1), sizes)
    _label(ax, f"Component sizes ({sizes.size} largest)", "component (by size)", "vertices")
    return fig


# ---- convergence -----------------------------------------------------------------------------

_LOSS_FIELDS = ("loss", "log_likelihood", "residual", "objective")

def convergence_history(history: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(iterations, losses)`` from (iteration, loss) pairs, a mapping iteration -> loss, a
    :class:`ConvergenceRecorder`, or a DataFrame with an ``iteration`` column and a ``loss``
    (or ``log_likelihood``, ``residual``, ``objective``) column, or two columns."""
    history = getattr(history, "history", history)
    if hasattr(history, "columns"):
        cols = list(history.columns)
        it = "iteration" if "iteration" in cols else cols[0]
        loss = next((c for c in _LOSS_FIELDS if c in cols), None)
        if loss is None:
            rest = [c for c in cols if c != it]
            if len(rest) != 1:
                raise ValueError(f"convergence_curve: which column is the loss? {cols}")
            loss = rest[0]
        pairs = np.column_stack([history[it].to_numpy(dtype=float), history[loss].to_numpy(dtype=float)])
    elif isinstance(history, Mapping):
        pairs = np.array(sorted(history.items()), dtype=float)
    else:
        pairs = np.array([tuple(p)[:2] for p in history], dtype=float)
    if pairs.ndim != 2 or pairs.shape[0] == 0:
        raise ValueError("convergence_curve needs at least one (iteration, loss) pair")
    return pairs[:, 0], pairs[:, 1]


def convergence_curve(history: Any, label: str = "loss", log_scale: bool | None = None):
    """The loss per iteration (``history`` as in :func:`convergence_history`). ``log_scale``
    (default: when every loss is positive and they span more than two decades) uses a log y axis."""
    iterations, losses = convergence_history(history)
    fig, (ax,) = _figure()
    ax.plot(iterations, losses, marker="o", label=label)
    if log_scale is None:
        log_scale = bool(np.all(losses > 0) and losses.max() / losses.min() > 100)
    if log_scale:
        ax.set_yscale("log")
    ax.legend()
    _label(ax, "Convergence", "iteration", label)
    return fig


class ConvergenceRecorder:
    """A ``progress`` callback for the client's iterative trainers that keeps each report:
    ``rec = ConvergenceRecorder(); db.logregr_train(..., verbose=True, progress=rec)``,
    then ``convergence_curve(rec)``."""

    def __init__(self) -> None:
        self.history: list[tuple[int, float]] = []

    def __call__(self, iteration: Any, loss: float | None = None, *_: Any) -> None:
        """``(iteration, loss, ...)`` as the trainers' ``progress`` callbacks are called, or one
        report (a mapping or an object) with an ``iteration`` and a loss-like field."""
        if loss is None:
            report = iteration if isinstance(iteration, Mapping) else vars(iteration)
            loss = next(report[k] for k in _LOSS_FIELDS if report.get(k) is not None)
            iteration = report["iteration"]
        self.history.append((int(iteration), float(loss)))
