"""Typed results of glm, mlogregr_train and elastic_net_train, read from their output tables.

Like :mod:`indb_ml.client.models`, each is a frozen dataclass of read-only numpy arrays that
predicts without a connection:

>>> import numpy as np
>>> m = GlmModel(coef=np.array([0.0, 1.0]), family="poisson", link="log")
>>> m.predict([[1.0, 0.0]]).tolist()
[1.0]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special, stats


def _frozen(obj: Any, names: tuple) -> None:
    for name in names:
        value = np.array(getattr(obj, name), dtype=float)
        value.setflags(write=False)
        object.__setattr__(obj, name, value)


_INVERSE_LINKS = {
    "identity": lambda eta: eta,
    "log": np.exp,
    "inverse": lambda eta: 1 / eta,
    "sqr_inverse": lambda eta: 1 / np.sqrt(eta),
    "sqrt": lambda eta: eta * eta,
    "logit": special.expit,
    "probit": stats.norm.cdf,
}


@dataclass(frozen=True, eq=False)
class GlmModel:
    """One row of ``indb_ml.glm``'s model table: ``stats`` holds z_stats (binomial, poisson)
    or t_stats (families with a dispersion)."""

    coef: Any = field(default_factory=list)
    std_err: Any = field(default_factory=list)
    stats: Any = field(default_factory=list)
    p_values: Any = field(default_factory=list)
    log_likelihood: float = float("nan")
    dispersion: float = float("nan")
    family: str = ""
    link: str = ""
    num_rows_processed: int = 0
    num_rows_skipped: int = 0
    num_iterations: int = 0
    status: str = ""
    feature_names: tuple[str, ...] = ()
    group: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        _frozen(self, ("coef", "std_err", "stats", "p_values"))

    @classmethod
    def from_row(cls, row: dict, family: str, link: str, names: tuple, group: dict | None) -> GlmModel:
        return cls(coef=row["coef"] or [], std_err=row["std_err"] or [],
                   stats=row.get("z_stats", row.get("t_stats")) or [], p_values=row["p_values"] or [],
                   log_likelihood=_num(row["log_likelihood"]), dispersion=_num(row["dispersion"]), family=family,
                   link=link, num_rows_processed=row["num_rows_processed"], num_rows_skipped=row["num_rows_skipped"],
                   num_iterations=row["num_iterations"], status=row["status"], feature_names=names, group=group)

    def predict(self, x: Any) -> np.ndarray:
        """The mean g⁻¹(x · coef) for rows of features (MADlib glm_predict)."""
        return _INVERSE_LINKS[self.link](np.asarray(x, dtype=float) @ self.coef)


@dataclass(frozen=True, eq=False)
class MlogregrModel:
    """``indb_ml.mlogregr_train``'s rows together: ``coef`` is (categories x features), one
    row per non-reference category, in ``categories`` order."""

    categories: tuple = ()
    ref_category: int = 0
    coef: Any = field(default_factory=list)
    std_err: Any = field(default_factory=list)
    z_stats: Any = field(default_factory=list)
    p_values: Any = field(default_factory=list)
    variance_covariance: Any = field(default_factory=list)
    log_likelihood: float = float("nan")
    num_iterations: int = 0
    num_rows_processed: int = 0
    status: str = ""
    feature_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _frozen(self, ("coef", "std_err", "z_stats", "p_values", "variance_covariance"))

    @classmethod
    def from_rows(cls, rows: list, names: tuple) -> MlogregrModel:
        rows = sorted(rows, key=lambda r: r["category"])
        first = rows[0]
        return cls(categories=tuple(r["category"] for r in rows), ref_category=first["ref_category"],
                   coef=[r["coef"] for r in rows], std_err=[r["std_err"] for r in rows],
                   z_stats=[r["z_stats"] for r in rows], p_values=[r["p_values"] for r in rows],
                   variance_covariance=first["variance_covariance"], log_likelihood=_num(first["log_likelihood"]),
                   num_iterations=first["num_iterations"], num_rows_processed=first["num_rows_processed"],
                   status=first["status"], feature_names=names)

    def predict_proba(self, x: Any) -> np.ndarray:
        """Probabilities per row, columns ordered (ref_category, *categories)."""
        eta = np.asarray(x, dtype=float) @ self.coef.T
        full = np.column_stack([np.zeros(eta.shape[0]), eta])
        return np.exp(full - special.logsumexp(full, axis=1, keepdims=True))

    def predict(self, x: Any) -> np.ndarray:
        """The most probable category per row."""
        labels = np.array((self.ref_category, *self.categories))
        return labels[np.argmax(self.predict_proba(x), axis=1)]


@dataclass(frozen=True, eq=False)
class ElasticNetModel:
    """One row of ``indb_ml.elastic_net_train``'s output: ``coef`` over every feature
    (``coef_all``), and the intercept."""

    family: str = "gaussian"
    coef: Any = field(default_factory=list)
    intercept: float = 0.0
    features_selected: tuple = ()
    log_likelihood: float = float("nan")
    iteration_run: int = 0
    feature_names: tuple[str, ...] = ()
    group: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        _frozen(self, ("coef",))

    @classmethod
    def from_row(cls, row: dict, names: tuple, group: dict | None) -> ElasticNetModel:
        return cls(family=row["family"], coef=row["coef_all"] or [], intercept=_num(row["intercept"]),
                   features_selected=tuple(row["features_selected"] or ()),
                   log_likelihood=_num(row["log_likelihood"]), iteration_run=row["iteration_run"],
                   feature_names=names, group=group)

    def predict(self, x: Any) -> np.ndarray:
        """Gaussian: the fitted value; binomial: the class (probability above 0.5), as MADlib predicts."""
        eta = np.asarray(x, dtype=float) @ self.coef + self.intercept
        return eta if self.family == "gaussian" else eta > 0

    def predict_proba(self, x: Any) -> np.ndarray:
        """Binomial: P(y = 1)."""
        return special.expit(np.asarray(x, dtype=float) @ self.coef + self.intercept)


def _num(value: Any) -> float:
    return float("nan") if value is None else float(value)
