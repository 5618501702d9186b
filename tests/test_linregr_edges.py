"""linregr_train on the edges: group semantics, odd names, types, schemas (statsmodels as oracle)."""

from __future__ import annotations

import numpy as np
import psycopg.errors as E
import pytest
from statsmodels.stats.diagnostic import het_breuschpagan

from tests.helpers import load_table, ols, seeded_regression


def rows_by_group(conn, table: str, group: str) -> dict:
    cur = conn.execute("SELECT * FROM " + table)
    cols = [d.name for d in cur.description]
    return {r[cols.index(group)]: dict(zip(cols, r)) for r in cur.fetchall()}


def test_grouped_full_statistics_and_breusch_pagan(postgresql):
    X, y = seeded_regression(1200, 2, seed=31)
    g = np.arange(1200) % 3
    load_table(postgresql, "t", {"g": g, "y": y, "x1": X[:, 0], "x2": X[:, 1]}, types={"g": "int"})
    postgresql.execute("SELECT indb_ml.linregr_train('t', 'lr', 'y', 'ARRAY[1, x1, x2]', 'g', TRUE)")
    models = rows_by_group(postgresql, "lr", "g")
    assert sorted(models) == [0, 1, 2]
    for key, m in models.items():
        keep = g == key
        exog = np.column_stack([np.ones(keep.sum()), X[keep]])
        fit = ols(y[keep], exog)
        np.testing.assert_allclose(m["t_stats"], fit.tvalues, rtol=1e-8, err_msg=str(key))
        np.testing.assert_allclose(m["p_values"], fit.pvalues, rtol=1e-6, atol=1e-300, err_msg=str(key))
        np.testing.assert_allclose(m["condition_no"], fit.condition_number, rtol=1e-6, err_msg=str(key))
        lm, lm_p, _, _ = het_breuschpagan(fit.resid, exog)
        np.testing.assert_allclose([m["bp_stats"], m["bp_p_value"]], [lm, lm_p], rtol=1e-6, err_msg=str(key))


def test_null_group_value_and_all_null_group(postgresql):
    X, y = seeded_regression(300, 1, seed=32)
    y = y.copy()
    g = np.array(["a", "b", None], dtype=object)[np.arange(300) % 3]
    y[np.arange(300) % 3 == 1] = np.nan  # every row of group b has a NULL y
    load_table(postgresql, "t", {"g": g, "y": y, "x": X[:, 0]}, types={"g": "text"})
    postgresql.execute("SELECT indb_ml.linregr_train('t', 'lr', 'y', 'ARRAY[1, x]', 'g')")
    models = rows_by_group(postgresql, "lr", "g")
    assert set(models) == {"a", "b", None}
    for key, sel in (("a", np.arange(300) % 3 == 0), (None, np.arange(300) % 3 == 2)):
        fit = ols(y[sel], np.column_stack([np.ones(sel.sum()), X[sel, 0]]))
        np.testing.assert_allclose(models[key]["coef"], fit.params, rtol=1e-9)
        assert models[key]["num_rows_processed"] == 100
    b = models["b"]
    assert (b["coef"], b["num_rows_processed"], b["num_missing_rows_skipped"]) == (None, 0, 100)


def test_sql_equal_group_values_are_one_group(postgresql):
    """numeric 1.0 and 1.00 print differently but are one GROUP BY group, across chunks."""
    X, y = seeded_regression(4000, 1, seed=33)
    postgresql.execute("CREATE TABLE t (g numeric, y float8, x float8)")
    with postgresql.cursor().copy("COPY t FROM STDIN") as copy:
        for i in range(4000):
            copy.write_row(["1.0" if i < 2000 else "1.00", y[i], X[i, 0]])
    postgresql.execute("SET indb_ml.chunk_pages = 2")
    postgresql.execute("SELECT indb_ml.linregr_train('t', 'lr', 'y', 'ARRAY[1, x]', 'g')")
    rows = postgresql.execute("SELECT g, coef, num_rows_processed FROM lr").fetchall()
    assert len(rows) == 1 and rows[0][2] == 4000
    np.testing.assert_allclose(rows[0][1], ols(y, np.column_stack([np.ones(4000), X[:, 0]])).params, rtol=1e-9)


def test_names_like_internal_aliases(postgresql):
    X, y = seeded_regression(400, 1, seed=34)
    g = np.arange(400) % 2
    load_table(postgresql, "t", {"indb_ml_z": g, "indb_ml_g0": y, "indb_ml_b": X[:, 0]},
               types={"indb_ml_z": "int"})
    postgresql.execute("CREATE VIEW v AS SELECT * FROM t")
    for src, out in (("t", "lr_t"), ("v", "lr_v")):
        postgresql.execute("SELECT indb_ml.linregr_train(%s, %s, 'indb_ml_g0', 'ARRAY[1, indb_ml_b]', 'indb_ml_z')",
                           [src, out])
        models = rows_by_group(postgresql, out, "indb_ml_z")
        for key in (0, 1):
            keep = g == key
            fit = ols(y[keep], np.column_stack([np.ones(keep.sum()), X[keep, 0]]))
            np.testing.assert_allclose(models[key]["coef"], fit.params, rtol=1e-9)


def test_integer_numeric_boolean_types_temp_source_and_other_schema(postgresql):
    rng = np.random.default_rng(35)
    n = 200
    xi = rng.integers(0, 100, n)
    xn = np.round(rng.normal(size=n), 3)
    flag = rng.integers(0, 2, n)
    yi = (3 * xi + 7 * flag + rng.integers(-5, 5, n)).astype(int)
    postgresql.execute("CREATE TEMP TABLE tt (y int, xi int, xn numeric, flag boolean)")
    with postgresql.cursor().copy("COPY tt FROM STDIN") as copy:
        for i in range(n):
            copy.write_row([int(yi[i]), int(xi[i]), str(xn[i]), bool(flag[i])])
    postgresql.execute("CREATE SCHEMA \"Other Schema\"")
    postgresql.execute("SELECT indb_ml.linregr_train('tt', '\"Other Schema\".lr', 'y', "
                       "'ARRAY[1, xi, xn, flag::int]')")
    coef = postgresql.execute('SELECT coef FROM "Other Schema".lr').fetchone()[0]
    fit = ols(yi.astype(float), np.column_stack([np.ones(n), xi, xn, flag]))
    np.testing.assert_allclose(coef, fit.params, rtol=1e-9)
    summary = postgresql.execute('SELECT source_table, out_table FROM "Other Schema".lr_summary').fetchone()
    assert summary[1] == '"Other Schema".lr'
    assert postgresql.execute("SELECT to_regclass(%s) IS NOT NULL", [summary[0]]).fetchone()[0]


def test_functions_resolve_to_pg_catalog(postgresql):
    """A same-named function on the search_path must not capture a whitelisted built-in."""
    X, y = seeded_regression(100, 1, seed=36)
    load_table(postgresql, "t", {"y": y, "x": X[:, 0]})
    postgresql.execute("CREATE FUNCTION public.abs(float8) RETURNS float8 LANGUAGE sql AS 'SELECT 0::float8'")
    postgresql.execute("SET search_path = public, pg_catalog")
    postgresql.execute("SELECT indb_ml.linregr_train('t', 'lr', 'y', 'ARRAY[1, abs(x)]')")
    coef = postgresql.execute("SELECT coef FROM lr").fetchone()[0]
    np.testing.assert_allclose(coef, ols(y, np.column_stack([np.ones(100), np.abs(X[:, 0])])).params, rtol=1e-9)


def test_tiny_groups_and_empty_arrays(postgresql):
    postgresql.execute("CREATE TABLE t (g int, y float8, x float8, arr float8[])")
    postgresql.execute("INSERT INTO t VALUES (1, 1, 2, '{}'), (2, 1, 1, '{}'), (2, 2, 2, '{}'), (2, 4, 3, '{}')")
    postgresql.execute("SELECT indb_ml.linregr_train('t', 'lr', 'y', 'ARRAY[1, x]', 'g')")
    one_row = postgresql.execute("SELECT coef, r2, std_err, p_values, num_rows_processed FROM lr "
                                 "WHERE g = 1").fetchone()
    # No residual degrees of freedom: MADlib's minimum-norm interpolation, r2 1, std_err 0, no p-values.
    np.testing.assert_allclose(one_row[0], np.linalg.pinv([[1.0, 2.0]]) @ [1.0], rtol=1e-12)
    assert one_row[1:] == (1.0, [0.0, 0.0], None, 1)
    with pytest.raises(E.ArraySubscriptError, match="empty"), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.linregr_train('t', 'lr2', 'y', 'arr')")


def test_vector_with_null_elements_and_null_vectors(postgresql):
    X, y = seeded_regression(200, 2, seed=37)
    postgresql.execute("CREATE TABLE t (y float8, v vector(3), a float8[])")
    with postgresql.cursor().copy("COPY t FROM STDIN") as copy:
        for i in range(200):
            vec = None if i % 10 == 0 else "[1," + ",".join(map(str, X[i])) + "]"
            arr = [1.0, None, 2.0] if i % 7 == 0 else [1.0, *X[i]]
            copy.write_row([y[i], vec, arr])
    postgresql.execute("SELECT indb_ml.linregr_train('t', 'lr_v', 'y', 'v')")
    postgresql.execute("SELECT indb_ml.linregr_train('t', 'lr_a', 'y', 'a')")
    n_v, skip_v = postgresql.execute("SELECT num_rows_processed, num_missing_rows_skipped FROM lr_v").fetchone()
    n_a, skip_a = postgresql.execute("SELECT num_rows_processed, num_missing_rows_skipped FROM lr_a").fetchone()
    assert (n_v, skip_v) == (180, 20)
    assert (n_a, skip_a) == (200 - 29, 29)
    keep = np.arange(200) % 7 != 0
    coef = postgresql.execute("SELECT coef FROM lr_a").fetchone()[0]
    np.testing.assert_allclose(coef, ols(y[keep], np.column_stack([np.ones(keep.sum()), X[keep]])).params, rtol=1e-9)


def test_inheritance_children_larger_than_the_parent_are_scanned_whole(postgresql):
    """The chunked ctid scan sizes its page ranges by the largest relation of the inheritance
    tree: a child bigger than its parent must not lose pages (plain inheritance, not partitions)."""
    postgresql.execute("CREATE TABLE par (y float8, x float8)")
    postgresql.execute("CREATE TABLE kid () INHERITS (par)")
    postgresql.execute("INSERT INTO par SELECT i, i FROM generate_series(1, 10) i")
    postgresql.execute("INSERT INTO kid SELECT 2 * i + 1, i FROM generate_series(1, 50000) i")
    postgresql.execute("SET indb_ml.chunk_pages = 1")
    postgresql.execute("SELECT indb_ml.linregr_train('par', 'm', 'y', 'ARRAY[1, x]')")
    assert postgresql.execute("SELECT num_rows_processed FROM m").fetchone()[0] == 50010
