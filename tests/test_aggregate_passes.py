"""The C co-moment aggregates and linregr_train's single aggregate pass, on every kind of
source: a table, a view, a range- and a hash-partitioned table; serial, with parallel
query forced, with one group per row. Oracles: numpy and statsmodels in the test."""

from __future__ import annotations

import numpy as np
import psycopg.errors as E
import pytest

from tests.helpers import load_table, ols
from tests.test_matrix import force_parallel

K = 3


@pytest.fixture
def sources(postgresql):
    rng = np.random.default_rng(12)
    n = 3000
    x = rng.normal(size=(n, K)) * [1, 10, 1000] + [0, 5, 1e4]  # mixed scales and offsets
    g = rng.integers(0, 4, size=n)
    y = 1.5 + x @ [0.5, -0.2, 0.003] + g + rng.normal(size=n)
    y[::97] = np.nan  # NULL dependents: skipped and counted
    cols = {"id": np.arange(n), "g": g, "y": y, **{f"x{i + 1}": x[:, i] for i in range(K)}}
    load_table(postgresql, "flat", cols, {"id": "int", "g": "int"})
    postgresql.execute("CREATE VIEW flat_view AS SELECT * FROM flat WHERE id >= 0")
    postgresql.execute("CREATE TABLE ranged (LIKE flat) PARTITION BY RANGE (id)")
    for lo in range(0, n, 1000):
        postgresql.execute(f"CREATE TABLE ranged_{lo} PARTITION OF ranged FOR VALUES FROM ({lo}) TO ({lo + 1000})")
    postgresql.execute("CREATE TABLE hashed (LIKE flat) PARTITION BY HASH (g)")
    for r in range(3):
        postgresql.execute(f"CREATE TABLE hashed_{r} PARTITION OF hashed FOR VALUES WITH (MODULUS 3, REMAINDER {r})")
    postgresql.execute("INSERT INTO ranged SELECT * FROM flat")
    postgresql.execute("INSERT INTO hashed SELECT * FROM flat")
    postgresql.execute("ANALYZE")
    return x, y, g


def train(conn, source: str, out: str, grouping: str | None = None) -> list[tuple]:
    conn.execute("SELECT indb_ml.linregr_train(%s, %s, 'y', 'ARRAY[1, x1, x2, x3]', %s, TRUE)",
                 [source, out, grouping])
    cols = ("g, " if grouping else "") + "coef, r2, std_err, condition_no, num_rows_processed, " \
        "num_missing_rows_skipped, bp_stats"
    return conn.execute(f"SELECT {cols} FROM {out} ORDER BY 1").fetchall()


def assert_rows_close(got, want, rtol=1e-10):
    assert len(got) == len(want)
    for a, b in zip(got, want):
        for u, v in zip(a, b):
            np.testing.assert_allclose(np.asarray(u, dtype=float), np.asarray(v, dtype=float), rtol=rtol)


@pytest.mark.parametrize("grouping", [None, "g"])
def test_linregr_train_same_on_every_source_and_in_parallel(postgresql, sources, grouping):
    x, y, g = sources
    want = train(postgresql, "flat", "m_flat", grouping)
    for i, source in enumerate(("flat_view", "ranged", "hashed")):
        assert_rows_close(train(postgresql, source, f"m_{i}", grouping), want)
    force_parallel(postgresql)
    assert_rows_close(train(postgresql, "flat", "m_par", grouping), want)
    assert_rows_close(train(postgresql, "ranged", "m_par_ranged", grouping), want)
    # and the oracle, per group
    keep = ~np.isnan(y)
    groups = [None] if grouping is None else sorted(set(g))
    for row, key in zip(want, groups):
        sel = keep if key is None else keep & (g == key)
        fit = ols(y[sel], np.column_stack([np.ones(sel.sum()), x[sel]]))
        coef = row[1] if grouping else row[0]
        np.testing.assert_allclose(coef, fit.params, rtol=1e-8)


def test_linregr_train_counts_skipped_rows_like_the_aggregate(postgresql, sources):
    _, y, _ = sources
    train(postgresql, "hashed", "m")
    processed, skipped = postgresql.execute("SELECT num_rows_processed, num_missing_rows_skipped FROM m").fetchone()
    assert (processed, skipped) == (int((~np.isnan(y)).sum()), int(np.isnan(y).sum()))
    agg = postgresql.execute("SELECT (r).num_rows_processed, (r).num_missing_rows_skipped FROM "
                             "(SELECT indb_ml.linregr(y, ARRAY[1, x1, x2, x3]) r FROM hashed) s").fetchone()
    assert agg == (processed, skipped)


def test_aggregates_with_one_group_per_row(postgresql, sources):
    x, y, _ = sources
    rows = postgresql.execute("SELECT id, indb_ml.gram(ARRAY[x1, x2, x3]), indb_ml.xty(ARRAY[x1, x2, x3], x1) "
                              "FROM flat GROUP BY id ORDER BY id").fetchall()
    assert len(rows) == x.shape[0]
    for i in (0, 1, 1234, x.shape[0] - 1):
        np.testing.assert_allclose(np.array(rows[i][1]), np.outer(x[i], x[i]), rtol=1e-12)
        np.testing.assert_allclose(rows[i][2], x[i] * x[i, 0], rtol=1e-12)
    # groups of 9 rows: every state folds one buffered block of 8 and keeps one row pending
    got = postgresql.execute("SELECT id / 9, indb_ml.gram(ARRAY[x1, x2, x3]) FROM flat GROUP BY 1 ORDER BY 1")
    for key, gram in got.fetchall():
        block = x[key * 9:(key + 1) * 9]
        np.testing.assert_allclose(np.array(gram), block.T @ block, rtol=1e-11)


@pytest.mark.parametrize("rows", [1, 7, 8, 9, 17, 2999])
def test_gram_equals_numpy_for_every_buffer_fill(postgresql, sources, rows):
    """The C state buffers 8 rows: counts around multiples of 8, serial and in parallel."""
    x, _, _ = sources
    query = "SELECT indb_ml.gram(ARRAY[x1, x2, x3]), indb_ml.xty(ARRAY[x1, x2], x3) FROM flat WHERE id < %s"
    gram, xty = postgresql.execute(query, [rows]).fetchone()
    np.testing.assert_allclose(np.array(gram), x[:rows].T @ x[:rows], rtol=1e-11)
    np.testing.assert_allclose(xty, x[:rows, :2].T @ x[:rows, 2], rtol=1e-11)
    force_parallel(postgresql)
    pgram, pxty = postgresql.execute(query, [rows]).fetchone()
    np.testing.assert_allclose(np.array(pgram), np.array(gram), rtol=1e-11)
    np.testing.assert_allclose(pxty, xty, rtol=1e-11)


def test_training_plan_setting_is_checked(postgresql, sources):
    postgresql.execute("SET indb_ml.training_plan = 'sometimes'")
    with pytest.raises(E.InvalidParameterValue, match="indb_ml.training_plan must be one of"), \
            postgresql.transaction():
        postgresql.execute("SELECT indb_ml.logregr_train('flat', 'lo', 'g > 1', 'ARRAY[1, x1]')")
    postgresql.execute("SET indb_ml.training_plan = 'memory'")
    with pytest.raises(E.InvalidParameterValue, match="needs a plain local table"), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.logregr_train('flat_view', 'lo', 'g > 1', 'ARRAY[1, x1]')")
    assert postgresql.execute("SELECT to_regclass('lo')").fetchone()[0] is None
