"""Training and matrix operations on partitioned tables equal the unpartitioned table.

The same rows are stored three ways: an ordinary table, a table range-partitioned on
``id`` and one hash-partitioned on ``id`` (and a tile table partitioned on ``row_block``).
Results are compared with the ordinary table's at rtol 1e-10: the moments are merged in
another order, so they agree to rounding, not bit for bit. The plans of the aggregates
show partition-wise aggregation and parallel append where PostgreSQL can use them.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers import load_table

N = 3000
LAYOUTS = ("flat", "ranged", "hashed")


@pytest.fixture
def tables(postgresql):
    c = postgresql
    rng = np.random.default_rng(11)
    x1, x2 = rng.normal(size=N), rng.uniform(-2, 2, size=N)
    eta = -0.2 + 0.9 * x1 - 0.6 * x2
    load_table(c, "flat", {
        "id": np.arange(N), "g": rng.integers(0, 4, size=N),
        "y": 1.5 + 2 * x1 - x2 + rng.normal(size=N), "x1": x1, "x2": x2,
        "b": (rng.random(N) < 1 / (1 + np.exp(-eta))).astype(int),
        "cnt": rng.poisson(np.exp(0.3 + 0.4 * x1)),
    }, {"id": "int", "g": "int", "b": "int", "cnt": "int"})
    c.execute("UPDATE flat SET y = NULL WHERE id % 97 = 0")  # skipped rows in every layout
    c.execute("CREATE TABLE ranged (LIKE flat) PARTITION BY RANGE (id)")
    for lo in range(0, N, 1000):
        c.execute(f"CREATE TABLE ranged_{lo} PARTITION OF ranged FOR VALUES FROM ({lo}) TO ({lo + 1000})")
    c.execute("CREATE TABLE hashed (LIKE flat) PARTITION BY HASH (g)")
    for r in range(3):
        c.execute(f"CREATE TABLE hashed_{r} PARTITION OF hashed FOR VALUES WITH (MODULUS 3, REMAINDER {r})")
    c.execute("INSERT INTO ranged SELECT * FROM flat ORDER BY random()")
    c.execute("INSERT INTO hashed SELECT * FROM flat ORDER BY random()")
    c.execute("ANALYZE flat, ranged, hashed")
    return c


def _rows(c, table, order):
    cur = c.execute(f"SELECT * FROM {table} ORDER BY {order}")
    return [dict(zip([d.name for d in cur.description], r)) for r in cur.fetchall()]


def _assert_same(c, prefix, order="1", skip=()):
    want = _rows(c, prefix + "_flat", order)
    assert want, "the reference model is empty"
    for layout in LAYOUTS[1:]:
        got = _rows(c, prefix + "_" + layout, order)
        assert len(got) == len(want)
        for g, w in zip(got, want):
            for col, value in w.items():
                if col in skip:
                    continue
                if isinstance(value, (float, list)):
                    np.testing.assert_allclose(np.asarray(g[col], float), np.asarray(value, float), rtol=1e-10,
                                               atol=1e-13, err_msg=f"{layout}: {col}")
                else:
                    assert g[col] == value, f"{layout}: {col}"


@pytest.mark.parametrize("grouping", [None, "g"])
def test_linregr(tables, grouping):
    for layout in LAYOUTS:
        tables.execute("SELECT indb_ml.linregr_train(%s, %s, 'y', 'ARRAY[1, x1, x2]', %s, TRUE)",
                       [layout, "lr_" + layout, grouping])
    _assert_same(tables, "lr", grouping or "1")
    assert tables.execute("SELECT sum(num_missing_rows_skipped) FROM lr_hashed").fetchone()[0] == len(range(0, N, 97))


def test_logregr_and_glm(tables):
    for layout in LAYOUTS:
        tables.execute("SELECT indb_ml.logregr_train(%s, %s, 'b', 'ARRAY[1, x1, x2]', 'g')",
                       [layout, "lg_" + layout])
        tables.execute("SELECT indb_ml.glm(%s, %s, 'cnt', 'ARRAY[1, x1, x2]', 'family=poisson, link=log')",
                       [layout, "gl_" + layout])
    _assert_same(tables, "lg", "g", skip=("num_iterations",))
    _assert_same(tables, "gl", skip=("num_iterations",))


def test_incremental_training_on_hash_partitions(tables):
    tables.execute("SELECT indb_ml.linregr_train_incremental('hashed', 'inc', 'y', 'ARRAY[1, x1, x2]', 'g')")
    tables.execute("SELECT indb_ml.linregr_train('flat', 'ref', 'y', 'ARRAY[1, x1, x2]', 'g')")
    for g, w in zip(_rows(tables, "inc", "g"), _rows(tables, "ref", "g")):
        np.testing.assert_allclose(g["coef"], w["coef"], rtol=1e-10)
        assert g["num_rows_processed"] == w["num_rows_processed"]
    assert tables.execute("SELECT count(DISTINCT partition_name) FROM inc_state").fetchone()[0] == 3


@pytest.fixture
def tiles(postgresql):
    c = postgresql
    rng = np.random.default_rng(5)
    a = rng.normal(size=(230, 17))
    c.execute("CREATE TABLE a (row_id int, row_vec float8[])")
    with c.cursor().copy("COPY a (row_id, row_vec) FROM STDIN") as copy:
        for i, row in enumerate(a, 1):
            copy.write_row([i, row.tolist()])
    c.execute("SELECT indb_ml.matrix_reblock('a', 'row=row_id, val=row_vec', 'a_flat', 'block=20')")
    c.execute("CREATE TABLE a_ranged (LIKE a_flat INCLUDING ALL) PARTITION BY RANGE (row_block)")
    c.execute("CREATE TABLE a_ranged_lo PARTITION OF a_ranged FOR VALUES FROM (MINVALUE) TO (5)")
    c.execute("CREATE TABLE a_ranged_hi PARTITION OF a_ranged FOR VALUES FROM (5) TO (MAXVALUE)")
    c.execute("CREATE TABLE a_hashed (LIKE a_flat INCLUDING ALL) PARTITION BY HASH (row_block)")
    for r in range(4):
        c.execute(f"CREATE TABLE a_hashed_{r} PARTITION OF a_hashed FOR VALUES WITH (MODULUS 4, REMAINDER {r})")
    c.execute("INSERT INTO a_ranged SELECT * FROM a_flat ORDER BY random()")
    c.execute("INSERT INTO a_hashed SELECT * FROM a_flat ORDER BY random()")
    assert c.execute("SELECT count(DISTINCT tableoid) FROM a_hashed").fetchone()[0] == 4
    return c, a


def _dense(c, table):
    rows = c.execute(f"SELECT row_id, row_vec FROM {table} ORDER BY row_id").fetchall()
    return np.array([r[1] for r in rows])


def test_matrix_ops_on_partitioned_tiles(tiles):
    c, a = tiles
    v = np.linspace(-1, 1, a.shape[1])
    for layout in LAYOUTS:
        t = "a_" + layout
        c.execute("SELECT indb_ml.matrix_mult(%s, 'trans=true', %s, '', %s, 'fmt=dense, row=row_id, val=row_vec')",
                  [t, t, "gram_" + layout])
        np.testing.assert_allclose(_dense(c, "gram_" + layout), a.T @ a, rtol=1e-10, err_msg=layout)
        got = c.execute("SELECT indb_ml.matrix_vec_mult(%s, '', %s)", [t, v.tolist()]).fetchone()[0]
        np.testing.assert_allclose(got, a @ v, rtol=1e-10, atol=1e-12, err_msg=layout)
        got = c.execute("SELECT indb_ml.matrix_sum(%s, '', 1)", [t]).fetchone()[0]
        np.testing.assert_allclose(got, a.sum(axis=0), rtol=1e-10, atol=1e-12, err_msg=layout)
        norm = c.execute("SELECT indb_ml.matrix_norm(%s, '', 'fro')", [t]).fetchone()[0]
        assert norm == pytest.approx(np.linalg.norm(a), rel=1e-12)
        row = c.execute("SELECT indb_ml.matrix_extract_row(%s, '', 42)", [t]).fetchone()[0]
        np.testing.assert_array_equal(row, a[41])


def _plan(c, query, settings):
    for name, value in settings.items():
        c.execute(f"SET LOCAL {name} = {value}")
    return "\n".join(r[0] for r in c.execute("EXPLAIN " + query))


PARALLEL = {"enable_partitionwise_aggregate": "on", "parallel_setup_cost": 0, "parallel_tuple_cost": 0,
            "min_parallel_table_scan_size": 0, "max_parallel_workers_per_gather": 2}


def test_aggregate_plans_are_partitionwise(tables):
    c = tables
    # Grouped by the partition key: each partition aggregates on its own (no Finalize step).
    plan = _plan(c, "SELECT g, indb_ml.linregr(y, ARRAY[1, x1, x2]) FROM hashed GROUP BY g",
                 {"enable_partitionwise_aggregate": "on"})
    assert plan.count("Aggregate") >= 3 and "Finalize" not in plan and "Append" in plan, plan
    # Not grouped by the key: partial aggregates per partition, merged by the COMBINEFUNC.
    plan = _plan(c, "SELECT indb_ml.gram(ARRAY[x1, x2]) FROM ranged", PARALLEL)
    assert "Finalize Aggregate" in plan and "Partial Aggregate" in plan and "Parallel Append" in plan, plan
    c.rollback()


def test_partitionwise_aggregate_results_equal(tables):
    c = tables
    want = c.execute("SELECT g, (indb_ml.linregr(y, ARRAY[1, x1, x2])).coef FROM flat "
                     "WHERE y IS NOT NULL GROUP BY g ORDER BY g").fetchall()
    for name, value in PARALLEL.items():
        c.execute(f"SET LOCAL {name} = {value}")
    got = c.execute("SELECT g, (indb_ml.linregr(y, ARRAY[1, x1, x2])).coef FROM hashed "
                    "WHERE y IS NOT NULL GROUP BY g ORDER BY g").fetchall()
    assert [g for g, _ in got] == [g for g, _ in want]
    for (_, gc), (_, wc) in zip(got, want):
        np.testing.assert_allclose(gc, wc, rtol=1e-10)
    gram = c.execute("SELECT indb_ml.gram(ARRAY[x1, x2]) FROM ranged").fetchone()[0]
    x = np.array(c.execute("SELECT x1, x2 FROM flat").fetchall())
    np.testing.assert_allclose(np.asarray(gram).reshape(2, 2), x.T @ x, rtol=1e-10)
    c.rollback()
