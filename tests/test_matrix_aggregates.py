"""matrix_agg, gram and xty against numpy, serial and with parallel query forced."""

from __future__ import annotations

import numpy as np
import psycopg.errors as E
import pytest

from tests.test_matrix import force_parallel


@pytest.fixture
def rows(postgresql):
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(2000, 4)), rng.normal(size=2000)
    postgresql.execute("CREATE TABLE t (id int, x float8[], y float8)")
    with postgresql.cursor().copy("COPY t FROM STDIN") as copy:
        for i in range(2000):
            copy.write_row([i, x[i].tolist(), y[i]])
        copy.write_row([2000, None, 1.0])  # a NULL row: skipped
    postgresql.execute("ANALYZE t")
    return x, y


def test_gram_and_xty_serial_and_parallel(postgresql, rows):
    x, y = rows
    query = "SELECT indb_ml.gram(x), indb_ml.xty(x, y) FROM t"
    gram, xty = postgresql.execute(query).fetchone()
    np.testing.assert_allclose(np.array(gram), x.T @ x, rtol=1e-12)
    np.testing.assert_allclose(xty, x.T @ y, rtol=1e-12, atol=1e-12)
    force_parallel(postgresql)
    plan = "\n".join(r[0] for r in postgresql.execute("EXPLAIN " + query))
    assert "Partial Aggregate" in plan, plan
    pgram, pxty = postgresql.execute(query).fetchone()
    np.testing.assert_allclose(np.array(pgram), np.array(gram), rtol=1e-12)
    np.testing.assert_allclose(pxty, xty, rtol=1e-12, atol=1e-12)


def test_matrix_agg_orders_rows(postgresql, rows):
    x, _ = rows
    got = postgresql.execute("SELECT indb_ml.matrix_agg(x ORDER BY id) FROM t WHERE id < 10").fetchone()[0]
    np.testing.assert_array_equal(np.array(got), x[:10])


def test_aggregate_bad_input(postgresql, rows):
    assert postgresql.execute("SELECT indb_ml.gram(x) FROM t WHERE false").fetchone()[0] is None
    with pytest.raises(E.ArraySubscriptError, match="different lengths"), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.gram(CASE WHEN id % 2 = 0 THEN x ELSE x[1:2] END) FROM t")
    with pytest.raises(E.NullValueNotAllowed, match="NULL elements"), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.gram(ARRAY[1, NULL]::float8[])")
    with pytest.raises(E.NullValueNotAllowed, match="NULL elements"), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.xty(ARRAY[1, NULL]::float8[], 1)")
    with pytest.raises(E.ArraySubscriptError, match="one-dimensional"), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.gram('{{1,2},{3,4}}'::float8[])")
    # NaN and Infinity propagate, as in numpy (only the LAPACK decompositions reject them).
    assert all(np.isnan(postgresql.execute("SELECT indb_ml.xty(x, 'NaN') FROM t").fetchone()[0]))


def test_elementwise_sum_and_avg_serial_and_parallel(postgresql, rows):
    x, _ = rows
    query = "SELECT indb_ml.sum(x), indb_ml.avg(x) FROM t"
    total, mean = postgresql.execute(query).fetchone()
    np.testing.assert_allclose(total, x.sum(axis=0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(mean, x.mean(axis=0), rtol=1e-12, atol=1e-15)
    force_parallel(postgresql)
    plan = "\n".join(r[0] for r in postgresql.execute("EXPLAIN " + query))
    assert "Partial Aggregate" in plan, plan
    ptotal, pmean = postgresql.execute(query).fetchone()
    np.testing.assert_allclose(ptotal, total, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(pmean, mean, rtol=1e-12, atol=1e-15)
    assert postgresql.execute("SELECT indb_ml.sum(x), indb_ml.avg(x) FROM t WHERE false").fetchone() == (None, None)
    with pytest.raises(E.ArraySubscriptError), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.sum(CASE WHEN id % 2 = 0 THEN x ELSE x[1:2] END) FROM t")


def test_column_norms_serial_and_parallel(postgresql, rows):
    x, _ = rows
    ps = {"2": 2.0, "1": 1.0, "3.5": 3.5, "'Infinity'": np.inf}
    query = "SELECT " + ", ".join(f"indb_ml.column_norms(x, {p})" for p in ps) + " FROM t"
    serial = postgresql.execute(query).fetchone()
    for got, p in zip(serial, ps.values()):
        np.testing.assert_allclose(got, np.linalg.norm(x, ord=p, axis=0), rtol=1e-12)
    force_parallel(postgresql)
    plan = "\n".join(r[0] for r in postgresql.execute("EXPLAIN " + query))
    assert "Partial Aggregate" in plan, plan
    for got, want in zip(postgresql.execute(query).fetchone(), serial):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_column_norms_bad_input(postgresql, rows):
    assert postgresql.execute("SELECT indb_ml.column_norms(x, 2) FROM t WHERE false").fetchone()[0] is None
    for p in ("0", "-1", "'NaN'", "NULL"):
        with pytest.raises(E.InvalidParameterValue, match="must be a positive number"), postgresql.transaction():
            postgresql.execute(f"SELECT indb_ml.column_norms(x, {p}) FROM t")
    with pytest.raises(E.ArraySubscriptError, match="elements"), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.column_norms(CASE WHEN id % 2 = 0 THEN x ELSE x[1:2] END, 2) FROM t")
    with pytest.raises(E.NullValueNotAllowed, match="NULL elements"), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.column_norms(ARRAY[1, NULL]::float8[], 2)")
    with pytest.raises(E.ArraySubscriptError, match="one-dimensional"), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.column_norms('{}'::float8[], 2)")
    got = postgresql.execute("SELECT indb_ml.column_norms(ARRAY[v, 1], 2) FROM (VALUES (1.0::float8), "
                             "('NaN')) s(v)").fetchone()[0]
    assert np.isnan(got[0]) and got[1] == pytest.approx(np.sqrt(2))


def test_empty_rows_sum_and_average_to_empty(postgresql):
    assert postgresql.execute("SELECT indb_ml.sum(x), indb_ml.avg(x) FROM (VALUES ('{}'::float8[]), "
                              "('{}')) s(x)").fetchone() == ([], [])
