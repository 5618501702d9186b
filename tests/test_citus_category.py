"""The category trainers on Citus distributed tables (a local cluster: coordinator and two
workers, tests/citus_conftest.py): the distributed twin takes aggregate passes, whose states
are partial aggregates on the shards, and gives the local table's model (1e-8 relative for
the multinomial Newton fits and variances; the ordinal fits 1e-6, the tolerance of its former
BFGS fits, whose last steps moved with the summation order; their p-values near 1e-33, 1e-4)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tests.citus_conftest import CITUS_SHARD_COUNT
from tests.test_citus import assert_rows_close, train_both, twin

TYPES = {"id": "int", "g": "int", "y": "int", "firm": "int", "grade": "text"}
LEVELS = ["lo", "mid", "hi"]


def category_data(n: int = 900, seed: int = 12) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    eta = np.column_stack([np.zeros(n), 0.3 + x1 - 0.5 * x2, -0.2 + 0.4 * x1 + 0.9 * x2])
    p = np.exp(eta) / np.exp(eta).sum(axis=1, keepdims=True)
    y = np.array([rng.choice(3, p=pi) for pi in p])
    level = np.digitize(x1 - 0.6 * x2 + rng.logistic(size=n), [-0.5, 0.8])
    x1[[5, 50]] = np.nan  # skipped rows are counted on the shards and summed
    return {"id": np.arange(n), "g": np.arange(n) % 2, "y": y, "firm": rng.integers(0, 15, size=n),
            "grade": np.array([LEVELS[v] for v in level], dtype=object), "x1": x1, "x2": x2}


OPT = "max_iter=50, tolerance=1e-12"


@pytest.mark.parametrize("grouped", [False, True], ids=["all", "grouped"])
def test_multinom_distributed_equals_local(citus_conn, grouped):
    twin(citus_conn, "mn", category_data(), "id", TYPES)
    got, want = train_both(citus_conn, "multinom", "mn", ("y", "ARRAY[1, x1, x2]", 0, "logit",
                                                          "g" if grouped else None, OPT),
                           "g, category" if grouped else "category")
    assert_rows_close(got, want, rtol=1e-8, what="multinom")
    assert len(got) == (4 if grouped else 2) and {r["status"] for r in got} == {"converged"}
    assert sum(r["num_rows_skipped"] for r in got) == 4  # the two NULL rows, on every category row


def test_mlogregr_variances_distributed_equal_local(citus_conn):
    twin(citus_conn, "mv", category_data(seed=13), "id", TYPES)
    got, want = train_both(citus_conn, "robust_variance_mlogregr", "mv", ("y", "ARRAY[1, x1, x2]", 1, "g", OPT),
                           "g, category")
    assert_rows_close(got, want, rtol=1e-8, what="robust_variance_mlogregr")
    citus_conn.execute("DROP TABLE m_local, m_dist")
    got, want = train_both(citus_conn, "clustered_variance_mlogregr", "mv", ("y", "ARRAY[1, x1, x2]", "firm", 0, OPT),
                           "category")
    assert_rows_close(got, want, rtol=1e-8, what="clustered_variance_mlogregr")
    assert {r["num_clusters"] for r in got} == {15}


@pytest.mark.parametrize("grouped", [False, True], ids=["all", "grouped"])
def test_ordinal_distributed_equals_local(citus_conn, grouped):
    twin(citus_conn, "od", category_data(seed=14), "id", TYPES)
    got, want = train_both(citus_conn, "ordinal", "od", ("grade", "ARRAY[x1, x2]", "lo, mid, hi", "probit",
                                                         "g" if grouped else None), "g" if grouped else "1")
    for r in got + want:
        assert 0 < r.pop("num_iterations") < 100  # converged
    p_cols = ("p_values_threshold", "p_values_feature")  # tiny p-values amplify: |d log p| ~ z |dz|
    p_got, p_want = ([{c: r.pop(c) for c in p_cols} for r in rows] for rows in (got, want))
    assert_rows_close(got, want, rtol=1e-6, what="ordinal")
    assert_rows_close(p_got, p_want, rtol=1e-4, what="ordinal p-values")


def test_mlogit_steps_are_partial_aggregates_on_the_shards(citus_conn):
    """Every command multinom sends to a shard of its source is an aggregate: states move, not rows."""
    twin(citus_conn, "ms", category_data(seed=15), "id", TYPES)
    sent: list[str] = []
    citus_conn.add_notice_handler(lambda d: sent.append(d.message_primary or ""))
    citus_conn.execute("SET citus.log_remote_commands = on")
    citus_conn.execute("SET client_min_messages = log")
    try:
        citus_conn.execute("SELECT indb_ml.multinom('ms_dist', 'm', 'y', 'ARRAY[1, x1, x2]', 0, 'logit', 'g')")
    finally:
        citus_conn.execute("RESET client_min_messages")
        citus_conn.execute("RESET citus.log_remote_commands")
    scans = [c for c in sent if re.search(r"\bFROM \S*ms_dist_\d+", c)]
    steps = [c for c in scans if "_mlogit_step" in c]
    assert sum("worker_partial_agg" in c for c in steps) >= CITUS_SHARD_COUNT, sent
    aggregate = re.compile(r"worker_partial_agg|\b(count|sum|min|max|avg|bool_and|bool_or)\(|GROUP BY")
    assert all(aggregate.search(c) for c in scans), [c for c in scans if not aggregate.search(c)]
