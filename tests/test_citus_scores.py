"""Robust and clustered variances, margins, cross-validation and the elastic net on a Citus
distributed table equal the same calls on a local twin: every pass is one aggregate
statement, so Citus runs it on the shards and merges the states."""

from __future__ import annotations

import numpy as np
import pytest

from tests.test_citus import REG_TYPES, assert_rows_close, logistic_data, table_rows, train_both, twin


@pytest.fixture
def lg(citus_conn):
    data = logistic_data(n=800, seed=21)
    data["firm"] = np.arange(800) % 23
    data["yl"] = 1 + data["x1"] - 0.5 * data["x2"] + np.random.default_rng(3).normal(size=800) * (1 + data["x1"] ** 2)
    twin(citus_conn, "lg", data, "id", {**REG_TYPES, "firm": "int"})
    return citus_conn


@pytest.mark.parametrize("call, args, order_by", [
    ("robust_variance_linregr", ("yl", "ARRAY[1, x1, x2]", "g"), "g"),
    ("robust_variance_logregr", ("y", "ARRAY[1, x1, x2]", "g", 50, "irls", 1e-10), "g"),
    ("clustered_variance_linregr", ("yl", "ARRAY[1, x1, x2]", "firm"), "1"),
    ("clustered_variance_logregr", ("y", "ARRAY[1, x1, x2]", "firm", 50, "irls", 1e-10), "1"),
    ("elastic_net_train", ("y", "ARRAY[x1, x2]", "binomial", 0.5, 0.01, True, "g"), "g"),
], ids=["robust_linregr", "robust_logregr", "clustered_linregr", "clustered_logregr", "elastic_net_binomial"])
def test_distributed_equals_local(lg, call, args, order_by):
    got, want = train_both(lg, call, "lg", args, order_by)
    text = ("family", "features", "features_selected", "standardize")
    assert_rows_close([{k: v for k, v in r.items() if k not in text} for r in got],
                      [{k: v for k, v in r.items() if k not in text} for r in want], rtol=1e-8, what=call)


def test_margins_and_cross_validation_distributed_equal_local(lg):
    lg.execute("SELECT indb_ml.logregr_train('lg_local', 'm', 'y', 'ARRAY[1, x1, x2, x1*x2]', 'g', 50, 'irls', 1e-10)")
    for kind in ("local", "dist"):
        lg.execute(f"SELECT indb_ml.margins('m', 'mg_{kind}', '1, x1, x2, x1*x2', 'lg_{kind}')")
    assert_rows_close(table_rows(lg, "mg_dist", "g"), table_rows(lg, "mg_local", "g"), rtol=1e-10, what="margins")
    for method, dep in (("linregr", "yl"), ("logregr", "y")):
        q = ("SELECT fold, train_rows, test_rows, metric, value FROM indb_ml.cross_validate(%s, %s, %s, "
             "'ARRAY[1, x1, x2]', 4) ORDER BY fold, metric")
        got = lg.execute(q, (method, "lg_dist", dep)).fetchall()
        want = lg.execute(q, (method, "lg_local", dep)).fetchall()
        assert [r[:4] for r in got] == [r[:4] for r in want]
        np.testing.assert_allclose([r[4] for r in got], [r[4] for r in want], rtol=1e-8)
