"""Incremental linear regression: model_refresh equals a full retrain, and scans only what changed.

Every refresh result is compared with ``linregr_train`` run from scratch over the same data
(rtol 1e-10 on every output column) and once with statsmodels; the refresh's own counters
say which partitions it reused, appended to or rescanned, and how many rows it read.
The connection is in autocommit: the change rule compares row versions (xmin) with
committed snapshots, as in production use.
"""

from __future__ import annotations

import numpy as np
import psycopg
import pytest

from tests.helpers import ols

COLUMNS = ["coef", "r2", "std_err", "t_stats", "p_values", "condition_no", "num_rows_processed",
           "num_missing_rows_skipped", "variance_covariance"]
REFRESH = ["partitions", "partitions_recomputed", "partitions_appended", "partitions_dropped", "rows_scanned",
           "num_rows_processed"]


@pytest.fixture
def conn(postgresql):
    postgresql.autocommit = True
    c = postgresql
    c.execute("CREATE TABLE sales (id int, region text, y float8, x1 float8, x2 float8) PARTITION BY RANGE (id)")
    for lo in (0, 1000, 2000):
        c.execute(f"CREATE TABLE sales_{lo} PARTITION OF sales FOR VALUES FROM ({lo}) TO ({lo + 1000})")
    _insert(c, range(0, 2500))
    return c


def _insert(c, ids, seed=None):
    ids = np.asarray(list(ids))
    rng = np.random.default_rng(int(ids[0]) if seed is None else seed)
    x1, x2 = rng.normal(size=ids.size) * 5, rng.uniform(-3, 3, size=ids.size)
    y = 2 + 0.7 * x1 - 1.5 * x2 + rng.normal(size=ids.size)
    region = np.where(ids % 3 == 0, "north", "south")
    with c.cursor().copy("COPY sales (id, region, y, x1, x2) FROM STDIN") as copy:
        for row in zip(ids.tolist(), region.tolist(), y.tolist(), x1.tolist(), x2.tolist()):
            copy.write_row(row)


def _model(c, table, order="1"):
    cur = c.execute(f"SELECT * FROM {table} ORDER BY {order}")
    names = [d.name for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _refresh(c, name="lr"):
    return dict(zip(REFRESH, c.execute("SELECT " + ", ".join(REFRESH) + " FROM indb_ml.model_refresh(%s)",
                                       [name]).fetchone()))


def _assert_equals_retrain(c, grouping=None, name="lr"):
    """The refreshed model equals linregr_train over the current data (rtol 1e-10)."""
    c.execute("DROP TABLE IF EXISTS full_lr, full_lr_summary")
    args = ", " + ("'" + grouping + "'" if grouping else "NULL")
    c.execute("SELECT indb_ml.linregr_train('sales', 'full_lr', 'y', 'ARRAY[1, x1, x2]'" + args + ")")
    order = grouping or "1"
    got, want = _model(c, name, order), _model(c, "full_lr", order)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        for col in COLUMNS:
            np.testing.assert_allclose(np.asarray(g[col], float), np.asarray(w[col], float), rtol=1e-10, atol=1e-12,
                                       err_msg=col)
    summary = c.execute(f"SELECT num_rows_processed, num_missing_rows_skipped FROM {name}_summary").fetchone()
    assert summary == c.execute("SELECT num_rows_processed, num_missing_rows_skipped FROM full_lr_summary").fetchone()


def test_train_equals_linregr_train_and_statsmodels(conn):
    conn.execute("SELECT indb_ml.linregr_train_incremental('sales', 'lr', 'y', 'ARRAY[1, x1, x2]')")
    _assert_equals_retrain(conn)
    y, x1, x2 = map(np.array, zip(*conn.execute("SELECT y, x1, x2 FROM sales").fetchall()))
    fit = ols(y, np.column_stack([np.ones_like(x1), x1, x2]))
    coef, r2, se = conn.execute("SELECT coef, r2, std_err FROM lr").fetchone()
    np.testing.assert_allclose(coef, fit.params, rtol=1e-10)
    np.testing.assert_allclose(se, fit.bse, rtol=1e-9)
    assert r2 == pytest.approx(fit.rsquared, rel=1e-12)
    states = conn.execute("SELECT partition_name, num_rows, partition_rows FROM lr_state ORDER BY 1").fetchall()
    assert states == [("public.sales_0", 1000, 1000), ("public.sales_1000", 1000, 1000),
                      ("public.sales_2000", 500, 500)]


def test_nothing_changed_scans_nothing(conn):
    conn.execute("SELECT indb_ml.linregr_train_incremental('sales', 'lr', 'y', 'ARRAY[1, x1, x2]')")
    before = _model(conn, "lr")
    assert _refresh(conn) == {"partitions": 3, "partitions_recomputed": 0, "partitions_appended": 0,
                              "partitions_dropped": 0, "rows_scanned": 0, "num_rows_processed": 2500}
    assert _model(conn, "lr") == before


def test_new_partition_is_the_only_one_scanned(conn):
    conn.execute("SELECT indb_ml.linregr_train_incremental('sales', 'lr', 'y', 'ARRAY[1, x1, x2]')")
    conn.execute("CREATE TABLE sales_3000 PARTITION OF sales FOR VALUES FROM (3000) TO (4000)")
    _insert(conn, range(3000, 3400))
    assert _refresh(conn) == {"partitions": 4, "partitions_recomputed": 1, "partitions_appended": 0,
                              "partitions_dropped": 0, "rows_scanned": 400, "num_rows_processed": 2900}
    _assert_equals_retrain(conn)
    assert _refresh(conn)["rows_scanned"] == 0  # and the next refresh reuses it


def test_rows_appended_to_an_existing_partition_are_not_missed(conn):
    conn.execute("SELECT indb_ml.linregr_train_incremental('sales', 'lr', 'y', 'ARRAY[1, x1, x2]')")
    _insert(conn, range(2500, 2530))  # into sales_2000, which has a state already
    conn.execute("INSERT INTO sales VALUES (2600, 'north', NULL, 1, 1)")  # skipped, and counted as skipped
    r = _refresh(conn)
    assert (r["partitions_appended"], r["partitions_recomputed"], r["rows_scanned"]) == (1, 0, 31)
    _assert_equals_retrain(conn)
    assert conn.execute("SELECT num_missing_rows_skipped FROM lr").fetchone()[0] == 1


def test_updates_and_deletes_rescan_their_partition(conn):
    conn.execute("SELECT indb_ml.linregr_train_incremental('sales', 'lr', 'y', 'ARRAY[1, x1, x2]')")
    conn.execute("UPDATE sales SET y = y + 10 WHERE id = 5")  # same count, a new row version
    r = _refresh(conn)
    assert (r["partitions_recomputed"], r["partitions_appended"], r["rows_scanned"]) == (1, 0, 1000)
    _assert_equals_retrain(conn)
    conn.execute("DELETE FROM sales WHERE id BETWEEN 1000 AND 1009")
    r = _refresh(conn)
    assert (r["partitions_recomputed"], r["rows_scanned"], r["num_rows_processed"]) == (1, 990, 2490)
    _assert_equals_retrain(conn)
    conn.execute("DELETE FROM sales WHERE id = 2001")  # a delete and an insert that keep the count
    _insert(conn, [2999])
    r = _refresh(conn)
    assert (r["partitions_recomputed"], r["partitions_appended"]) == (1, 0)
    _assert_equals_retrain(conn)


def test_dropped_and_detached_partitions(conn):
    conn.execute("SELECT indb_ml.linregr_train_incremental('sales', 'lr', 'y', 'ARRAY[1, x1, x2]')")
    conn.execute("ALTER TABLE sales DETACH PARTITION sales_1000")
    r = _refresh(conn)
    assert (r["partitions"], r["partitions_dropped"], r["rows_scanned"], r["num_rows_processed"]) == (2, 1, 0, 1500)
    _assert_equals_retrain(conn)
    conn.execute("ALTER TABLE sales ATTACH PARTITION sales_1000 FOR VALUES FROM (1000) TO (2000)")
    assert _refresh(conn)["rows_scanned"] == 1000
    _assert_equals_retrain(conn)


def test_grouped_model_with_a_new_group_in_new_rows(conn):
    conn.execute("SELECT indb_ml.linregr_train_incremental('sales', 'lr', 'y', 'ARRAY[1, x1, x2]', 'region')")
    _assert_equals_retrain(conn, "region")
    _insert(conn, range(2500, 2600))
    conn.execute("UPDATE sales SET region = 'west' WHERE id >= 2550")
    conn.execute("CREATE TABLE sales_3000 PARTITION OF sales FOR VALUES FROM (3000) TO (4000)")
    _insert(conn, range(3000, 3100))
    conn.execute("UPDATE sales SET region = 'east' WHERE id >= 3000")
    _refresh(conn)
    assert [r["region"] for r in _model(conn, "lr", "region")] == ["east", "north", "south", "west"]
    _assert_equals_retrain(conn, "region")


def test_plain_table_and_same_transaction_changes(postgresql):
    c = postgresql
    rng = np.random.default_rng(1)
    c.execute("CREATE TABLE t AS SELECT g AS x, 3 * g + sin(g) AS y FROM generate_series(1, 500) g")
    c.commit()
    c.execute("SELECT indb_ml.linregr_train_incremental('t', 'lr', 'y', 'ARRAY[1, x]')")
    c.commit()
    c.execute("INSERT INTO t SELECT g, 3 * g + cos(g) FROM generate_series(501, 540) g")  # not committed yet:
    r = dict(zip(REFRESH, c.execute("SELECT " + ", ".join(REFRESH) + " FROM indb_ml.model_refresh('lr')").fetchone()))
    assert (r["partitions"], r["partitions_appended"], r["rows_scanned"], r["num_rows_processed"]) == (1, 1, 40, 540)
    x = np.arange(1, 541, dtype=float)
    y = 3 * x + np.where(x <= 500, np.sin(x), np.cos(x))
    coef = c.execute("SELECT coef FROM lr").fetchone()[0]
    np.testing.assert_allclose(coef, ols(y, np.column_stack([np.ones_like(x), x])).params, rtol=1e-8)
    c.rollback()  # the refresh goes with the rows it read
    assert c.execute("SELECT num_rows_processed FROM lr").fetchone()[0] == 500
    assert rng is not None


def test_catalog_row_is_updated_by_refresh(conn):
    conn.execute("SELECT indb_ml.linregr_train_incremental('sales', 'lr', 'y', 'ARRAY[1, x1, x2]')")
    row = conn.execute("SELECT algorithm, output_tables, parameters->>'trainer', num_refreshes, num_rows, "
                       "lineage->'partitions' FROM indb_ml.models WHERE name = 'public.lr'").fetchone()
    assert row[:5] == ("linregr", ["public.lr", "public.lr_summary", "public.lr_state"],
                       "linregr_train_incremental", 0, 2500)
    assert [p["rows"] for p in row[5]] == [1000, 1000, 500]
    _insert(conn, range(2500, 2700))
    _refresh(conn)
    n, refreshes, r2, lineage = conn.execute(
        "SELECT num_rows, num_refreshes, (metrics->>'r2')::float8, lineage FROM indb_ml.models "
        "WHERE name = 'public.lr'").fetchone()
    assert (n, refreshes) == (2700, 1)
    assert r2 == conn.execute("SELECT r2 FROM lr").fetchone()[0]
    assert lineage["rows"] == 2700


def test_refresh_errors(conn):
    conn.execute("SELECT indb_ml.linregr_train('sales', 'plain', 'y', 'ARRAY[1, x1, x2]')")
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="keeps no partition states"):
        conn.execute("SELECT * FROM indb_ml.model_refresh('plain')")
    with pytest.raises(psycopg.errors.UndefinedTable, match="not in indb_ml.models"):
        conn.execute("SELECT * FROM indb_ml.model_refresh('nope')")
    conn.execute("CREATE VIEW v AS SELECT * FROM sales")
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="must be a table or a partitioned table"):
        conn.execute("SELECT indb_ml.linregr_train_incremental('v', 'lr', 'y', 'ARRAY[1, x1, x2]')")
    conn.execute("SELECT indb_ml.linregr_train_incremental('sales', 'lr', 'y', 'ARRAY[1, x1, x2]')")
    with pytest.raises(psycopg.errors.DuplicateTable):
        conn.execute("SELECT indb_ml.linregr_train_incremental('sales', 'lr', 'y', 'ARRAY[1, x1, x2]')")
    conn.execute("DROP TABLE lr_state")
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="lr_state is missing"):
        conn.execute("SELECT * FROM indb_ml.model_refresh('lr')")
    conn.execute("CREATE TABLE lr2_state ()")
    with pytest.raises(psycopg.errors.DuplicateTable, match="state table"):
        conn.execute("SELECT indb_ml.linregr_train_incremental('sales', 'lr2', 'y', 'ARRAY[1, x1, x2]')")
    assert conn.execute("SELECT to_regclass('lr2') IS NULL").fetchone()[0]
    assert conn.execute("SELECT count(*) FROM indb_ml.model_refresh(NULL)").fetchone()[0] == 0  # STRICT
    assert "model_refresh" in conn.execute("SELECT indb_ml.linregr_train_incremental()").fetchone()[0]
    assert "model_refresh" in conn.execute("SELECT indb_ml.linregr_train_incremental('usage')").fetchone()[0]
    assert "partitions_recomputed" in conn.execute("SELECT indb_ml.model_refresh()").fetchone()[0]


def test_refresh_blocks_writers_until_it_commits(conn):
    conn.execute("SELECT indb_ml.linregr_train_incremental('sales', 'lr', 'y', 'ARRAY[1, x1, x2]')")
    info = conn.info
    with psycopg.connect(host=info.host, port=info.port, user=info.user, password=info.password,
                         dbname=info.dbname) as refresher, \
            psycopg.connect(host=info.host, port=info.port, user=info.user, password=info.password,
                            dbname=info.dbname, autocommit=True) as writer:
        refresher.execute("SELECT * FROM indb_ml.model_refresh('lr')")  # open transaction: holds SHARE
        writer.execute("SET lock_timeout = '200ms'")
        with pytest.raises(psycopg.errors.LockNotAvailable):
            writer.execute("INSERT INTO sales VALUES (1, 'north', 1, 1, 1)")
        assert writer.execute("SELECT count(*) FROM lr").fetchone()[0] == 1  # readers are not blocked
        refresher.commit()
        writer.execute("INSERT INTO sales VALUES (1, 'north', 1, 1, 1)")
    assert _refresh(conn)["rows_scanned"] == 1
    _assert_equals_retrain(conn)
