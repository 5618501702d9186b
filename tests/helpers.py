"""Shared test helpers: seeded data loaded into real tables, and the statsmodels oracle."""

from __future__ import annotations

import numpy as np
import statsmodels.api as sm
from psycopg import sql


def load_table(conn, name: str, columns: dict[str, np.ndarray], types: dict[str, str] | None = None) -> None:
    """Create table ``name`` with the given columns (float8 unless typed) and COPY the data in."""
    types = types or {}
    cols = list(columns)
    conn.execute(sql.SQL("CREATE TABLE {} ({})").format(
        sql.Identifier(name),
        sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(types.get(c, "float8"))) for c in cols),
    ))
    n = len(next(iter(columns.values())))
    with conn.cursor().copy(sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(name), sql.SQL(", ").join(map(sql.Identifier, cols)))) as copy:
        for i in range(n):
            copy.write_row([_py(columns[c][i]) for c in cols])


def _py(v):
    if isinstance(v, (np.floating, float)):
        return None if np.isnan(v) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.ndarray):
        return v.tolist()
    return v


def ols(y: np.ndarray, X: np.ndarray):
    """statsmodels OLS: the independent oracle for every linear-regression test."""
    return sm.OLS(y, X).fit()


def seeded_regression(n: int, k: int, seed: int = 7, noise: float = 0.5):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, k)) * rng.uniform(0.5, 20, size=k) + rng.uniform(-50, 50, size=k)
    beta = rng.normal(size=k + 1) * 3
    y = beta[0] + X @ beta[1:] + rng.normal(scale=noise * (1 + np.abs(X[:, 0]) / 10), size=n)
    return X, y
