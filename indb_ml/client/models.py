"""Typed results of the training functions, read back from their output tables.

A model is a frozen dataclass of numpy arrays, so it can be inspected, pickled
and used for prediction without a connection:

>>> import numpy as np
>>> m = LinregrModel(coef=np.array([1.0, 2.0]), feature_names=("1", "x"))
>>> m.predict([[1.0, 3.0]]).tolist()
[7.0]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

_ARRAYS = ("coef", "std_err", "t_stats", "p_values", "variance_covariance")


@dataclass(frozen=True, eq=False)
class LinregrModel:
    """One ordinary least squares fit: a row of ``indb_ml.linregr_train``'s output table.

    ``condition_no`` is MADlib's: the condition number of ``X`` (statsmodels'
    ``condition_number``; the square root of that of ``X^T X``). The arrays are
    read-only copies; equality is identity (numpy arrays have no single truth value).
    """

    coef: np.ndarray
    std_err: np.ndarray = field(default_factory=lambda: np.zeros(0))
    t_stats: np.ndarray = field(default_factory=lambda: np.zeros(0))
    p_values: np.ndarray = field(default_factory=lambda: np.zeros(0))
    variance_covariance: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    r2: float = float("nan")
    condition_no: float = float("nan")
    num_rows_processed: int = 0
    num_missing_rows_skipped: int = 0
    bp_stats: float | None = None
    bp_p_value: float | None = None
    feature_names: tuple[str, ...] = ()
    group: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        for name in _ARRAYS:
            value = np.array(getattr(self, name), dtype=float)
            value.setflags(write=False)
            object.__setattr__(self, name, value)

    @classmethod
    def from_row(cls, row: dict[str, Any], feature_names: tuple[str, ...], group: dict | None) -> LinregrModel:
        """Build from one output-table row (a dict of column name to value)."""
        coef = _vector(row["coef"])
        k = coef.size
        vcov = row["variance_covariance"]
        return cls(
            coef=coef,
            std_err=_vector(row["std_err"]),
            t_stats=_vector(row["t_stats"]),
            p_values=_vector(row["p_values"]) if row["p_values"] is not None else np.full(k, np.nan),
            variance_covariance=np.array(vcov if vcov is not None else [], dtype=float).reshape(k, k),
            r2=_float(row["r2"]),
            condition_no=_float(row["condition_no"]),
            num_rows_processed=int(row["num_rows_processed"]),
            num_missing_rows_skipped=int(row["num_missing_rows_skipped"] or 0),
            bp_stats=_optional(row.get("bp_stats")),
            bp_p_value=_optional(row.get("bp_p_value")),
            feature_names=tuple(feature_names) if len(feature_names) == k else _default_names(k),
            group=group,
        )

    def predict(self, X: Any) -> np.ndarray:
        """``X @ coef`` for rows of features in training order (including the ``1`` column)."""
        X = np.asarray(X, dtype=float)
        if X.shape[-1] != self.coef.size:
            raise ValueError(f"X has {X.shape[-1]} columns but the model has {self.coef.size} features")
        return X @ self.coef

    def to_pandas(self):
        """The coefficient table as a DataFrame indexed by feature name."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("LinregrModel.to_pandas() needs pandas: pip install pandas") from None
        frame = pd.DataFrame(
            {"coef": self.coef, "std_err": self.std_err, "t_stats": self.t_stats, "p_values": self.p_values},
            index=pd.Index(list(self.feature_names), name="feature"),
        )
        return frame

    def __str__(self) -> str:
        return format_table(self)


def format_table(model: LinregrModel, title: str | None = None) -> str:
    """A compact coefficient table in the spirit of statsmodels' ``summary()``."""
    width = max([len("feature")] + [len(n) for n in model.feature_names])
    head = f"{'feature':<{width}} {'coef':>14} {'std err':>12} {'t':>9} {'P>|t|':>9}"
    rule = "-" * len(head)
    lines = [title] if title else []
    if model.group:
        lines.append("group: " + ", ".join(f"{k}={v}" for k, v in model.group.items()))
    lines += [rule, head, rule]
    for row in zip(model.feature_names, model.coef, model.std_err, model.t_stats, model.p_values):
        name, coef, se, t, p = row
        lines.append(f"{name:<{width}} {coef:>14.6g} {se:>12.4g} {t:>9.3f} {p:>9.3f}")
    lines.append(rule)
    lines.append(
        f"R-squared: {model.r2:.6f}   rows: {model.num_rows_processed}"
        f" (skipped {model.num_missing_rows_skipped})   condition no. of X: {model.condition_no:.3g}"
    )
    if model.bp_stats is not None:
        lines.append(f"Breusch-Pagan: {model.bp_stats:.4g} (p = {model.bp_p_value:.3g})")
    return "\n".join(lines)


def _vector(values: Any) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in (values or [])], dtype=float)


def _float(value: Any) -> float:
    return float("nan") if value is None else float(value)


def _optional(value: Any) -> float | None:
    return None if value is None else float(value)


def _default_names(k: int) -> tuple[str, ...]:
    return tuple(f"x{i + 1}" for i in range(k))


@dataclass(frozen=True, eq=False)
class LogregrModel:
    """One logistic regression fit: a row of ``indb_ml.logregr_train``'s output table."""

    coef: np.ndarray
    std_err: np.ndarray
    z_stats: np.ndarray
    p_values: np.ndarray
    odds_ratios: np.ndarray
    variance_covariance: np.ndarray
    log_likelihood: float
    condition_no: float
    num_iterations: int
    num_rows_processed: int
    num_missing_rows_skipped: int
    status: str
    feature_names: tuple[str, ...] = ()
    group: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        for name in ("coef", "std_err", "z_stats", "p_values", "odds_ratios", "variance_covariance"):
            value = np.array(getattr(self, name), dtype=float)
            value.setflags(write=False)
            object.__setattr__(self, name, value)

    @classmethod
    def from_row(cls, row: dict[str, Any], feature_names: tuple[str, ...], group: dict | None) -> LogregrModel:
        fields_ = ("coef", "std_err", "z_stats", "p_values", "odds_ratios", "variance_covariance", "log_likelihood",
                   "condition_no", "num_iterations", "num_rows_processed", "num_missing_rows_skipped", "status")
        values = {f: row[f] for f in fields_}
        for f in ("coef", "std_err", "z_stats", "p_values", "odds_ratios"):
            values[f] = values[f] if values[f] is not None else []
        values["variance_covariance"] = values["variance_covariance"] or [[]]
        return cls(**values, feature_names=feature_names, group=group)

    def predict_proba(self, x) -> np.ndarray:
        """P(y = 1) for rows of features (in the order used to train)."""
        return 1 / (1 + np.exp(-(np.asarray(x, dtype=float) @ self.coef)))
