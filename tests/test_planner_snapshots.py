"""la_explain of representative expressions, kept as reviewable snapshot files.

A changed plan fails here; review the diff, then refresh the files with
``INDB_ML_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_planner_snapshots.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from tests.test_matrix import put

SNAPSHOTS = Path(__file__).parent / "snapshots" / "planner"
X = {"table": "x", "args": "row=row_id, val=val"}
EXPRESSIONS = {
    "gram": ("t(X) %*% X", {"X": X}),
    "cg_step": ("t(X) %*% X %*% p + lambda * p", {"X": X, "p": [1, 2, 3], "lambda": 0.5}),
    "weighted_mmchain": ("t(X) %*% (w * (X %*% p))", {"X": X, "w": {"table": "w", "args": "row=row_id, val=val"},
                                                      "p": [1, 2, 3]}),
    "chain_order": ("A %*% B %*% v", {"A": {"table": "a", "args": "row=row_id, val=val"},
                                      "B": {"table": "b", "args": "row=row_id, val=val"}, "v": [1, 1, 1, 1]}),
    "transposes_and_sums": ("sum(t(t(X))) + trace(t(X) %*% X) + sum(X * 1 + 0)", {"X": X}),
    "sparse_and_tiles": ("t(S) %*% T", {"S": {"table": "s", "args": "row=row_id, col=col_id, val=val"},
                                         "T": "t"}),
    "solve_normal_equations": ("solve(t(X) %*% X + 0.1 * diag(c), t(X) %*% y)",
                               {"X": X, "y": {"table": "w", "args": "row=row_id, val=val"}, "c": [1, 1, 1]}),
}


@pytest.fixture
def tables(postgresql):
    rng = np.random.default_rng(0)
    put(postgresql, "x", rng.normal(size=(6, 3)), "dense")
    put(postgresql, "w", rng.normal(size=(6, 1)), "dense")
    put(postgresql, "a", rng.normal(size=(4, 4)), "dense")
    put(postgresql, "b", rng.normal(size=(4, 4)), "dense")
    put(postgresql, "s", rng.normal(size=(6, 3)) * (rng.random((6, 3)) < 0.5), "sparse")
    put(postgresql, "t", rng.normal(size=(6, 2)), "tiles")
    return postgresql


@pytest.mark.parametrize("name", list(EXPRESSIONS))
def test_explain_snapshot(tables, name):
    expr, bindings = EXPRESSIONS[name]
    lines = [r[0] for r in tables.execute("SELECT indb_ml.la_explain(%s, %s)", [expr, json.dumps(bindings)])]
    text = "\n".join(lines) + "\n"
    path = SNAPSHOTS / f"{name}.txt"
    if os.environ.get("INDB_ML_UPDATE_SNAPSHOTS"):
        path.write_text(text)
    assert path.exists(), f"no snapshot {path}; run with INDB_ML_UPDATE_SNAPSHOTS=1 and review it"
    assert text == path.read_text()
