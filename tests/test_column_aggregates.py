"""The column forms of the C aggregates (src/row_args.c): ``_linregr_cols(y, x1, ..., xk)`` and
``_logregr_step_cols(coef, y, x1, ..., xk)`` take the row as float8 arguments, so PostgreSQL
builds no array per row. They must give the very states of their array forms (byte for
byte: the same C row step), serial and under forced parallel query, skip rows with a NULL
as those do, and refuse misuse cleanly. The drivers use them when the features are listed
(``linregr_train``, ``logregr_train``'s aggregate plan)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers import load_table


@pytest.fixture
def table(postgresql):
    rng = np.random.default_rng(5)
    n = 4000
    x = rng.normal(size=(n, 4)) * [1, 10, 100, 0.1]
    y = (rng.random(n) < 1 / (1 + np.exp(-(x[:, 0] - x[:, 1] / 10)))).astype(float)
    x[rng.random((n, 4)) < 0.01] = np.nan  # NULLs: those rows are skipped by both forms
    g = rng.integers(0, 5, size=n)
    load_table(postgresql, "cols", {"g": g, "y": y, "x1": x[:, 0], "x2": x[:, 1], "x3": x[:, 2], "x4": x[:, 3]},
               {"g": "int"})
    return postgresql


ARRAY = "ARRAY[1, x1, x2, x3, x4]::float8[]"
LISTED = "1::float8, x1, x2, x3, x4"
COEF = "'{0.1, 0.5, -0.05, 0.001, 2}'::float8[]"
PAIRS = [
    (f"indb_ml._linregr_state(y, {ARRAY})", f"indb_ml._linregr_cols(y, {LISTED})"),
    (f"indb_ml._logregr_step(y, {ARRAY}, {COEF})", f"indb_ml._logregr_step_cols({COEF}, y, {LISTED})"),
]


def _force_parallel(conn):
    conn.execute("SET force_parallel_mode = on" if conn.info.server_version < 160000 else
                 "SET debug_parallel_query = on")
    for setting in ("parallel_setup_cost = 0", "parallel_tuple_cost = 0", "min_parallel_table_scan_size = 0",
                    "max_parallel_workers_per_gather = 2"):
        conn.execute("SET " + setting)


@pytest.mark.parametrize("array_form, column_form", PAIRS)
def test_column_form_equals_array_form(table, array_form, column_form):
    conn = table
    for grouped in (False, True):
        tail = " FROM cols" + (" GROUP BY g ORDER BY g" if grouped else "")
        want = conn.execute("SELECT " + array_form + tail).fetchall()
        got = conn.execute("SELECT " + column_form + tail).fetchall()
        assert got == want  # the same C row step: identical states, skipped counts included
    _force_parallel(conn)
    plan = conn.execute("EXPLAIN SELECT " + column_form + " FROM cols").fetchall()
    assert any("Partial Aggregate" in r[0] for r in plan), plan


def test_parallel_logregr_step_cols_equals_serial(table):
    from indb_ml.kernels.logregr import logit_sums_from_cstate

    conn = table
    query = "SELECT " + PAIRS[1][1] + " FROM cols"
    serial, skipped = logit_sums_from_cstate(conn.execute(query).fetchone()[0])
    _force_parallel(conn)
    parallel, skipped_parallel = logit_sums_from_cstate(conn.execute(query).fetchone()[0])
    assert (parallel.n, skipped_parallel) == (serial.n, skipped) and skipped > 0
    np.testing.assert_allclose(parallel.gradient, serial.gradient, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(parallel.hessian, serial.hessian, rtol=1e-10)
    assert parallel.log_likelihood == pytest.approx(serial.log_likelihood, rel=1e-12)


def test_parallel_linregr_cols_fit_equals_serial(table):
    conn = table
    query = f"SELECT (indb_ml._linregr_final(indb_ml._linregr_cols(y, {LISTED}))).coef FROM cols"
    serial = np.array(conn.execute(query).fetchone()[0])
    _force_parallel(conn)
    parallel = np.array(conn.execute(query).fetchone()[0])
    np.testing.assert_allclose(parallel, serial, rtol=1e-10)


@pytest.mark.parametrize("call, state, words", [
    ("indb_ml._linregr_cols(y, x1, 1)", "42804", "argument 3 has type integer"),
    ("indb_ml._linregr_cols(VARIADIC ARRAY[y, x1])", "0A000", "not as a VARIADIC array"),
    ("indb_ml._linregr_cols(y)", "2202E", "at least one feature"),
    (f"indb_ml._logregr_step_cols({COEF}, y)", "2202E", "at least one feature"),
    ("indb_ml._linregr_cols(y, x1 * 'NaN'::float8)", "22P02", "NaN or Infinity"),
    (f"indb_ml._logregr_step_cols({COEF}, y + 2, {LISTED})", "42804", "boolean or 0/1"),
    (f"indb_ml._logregr_step_cols(NULL, y, {LISTED})", "22004", "coef must not be NULL"),
    ("indb_ml._logregr_step_cols('{1,2}'::float8[], y, 1::float8, x1, x2)", "2202E", "different lengths"),
    (f"indb_ml._logregr_step_cols({COEF}, y, 'x'::text)", "42804", "has type text"),
])
def test_misuse_is_a_clean_error(table, alive, call, state, words):
    with pytest.raises(Exception) as err:
        table.execute("SELECT " + call + " FROM cols WHERE x1 IS NOT NULL")
    assert getattr(err.value, "sqlstate", None) == state, err.value
    assert words in str(err.value), err.value
    table.rollback()
    alive()


def test_too_many_columns(table, alive):
    args = ", ".join(["x1"] * 99)  # the state and 99 values: the server's limit of 100 arguments
    row = table.execute("SELECT indb_ml._linregr_cols(" + args + ") IS NOT NULL FROM cols").fetchone()
    assert row[0] is True
    with pytest.raises(Exception) as err:
        table.execute("SELECT indb_ml._linregr_cols(y, " + args + ") FROM cols")
    assert err.value.sqlstate == "54023"
    table.rollback()
    alive()


@pytest.mark.parametrize("plan", ["aggregate", "memory"])
def test_trainers_use_the_column_forms_and_agree(table, plan):
    """linregr_train (one pass) and logregr_train (aggregate plan) over listed features equal
    statsmodels; with the features as an array column they take the array forms, same numbers."""
    import statsmodels.api as sm

    conn = table
    conn.execute("CREATE TABLE cols_arr AS SELECT y, ARRAY[1, x1, x2, x3, x4]::float8[] AS x FROM cols")
    conn.execute("SET indb_ml.training_plan = " + plan)
    conn.execute("SELECT indb_ml.linregr_train('cols', 'lr1', 'y', 'ARRAY[1, x1, x2, x3, x4]')")
    conn.execute("SELECT indb_ml.linregr_train('cols_arr', 'lr2', 'y', 'x')")
    conn.execute("SELECT indb_ml.logregr_train('cols', 'lg1', 'y', 'ARRAY[1, x1, x2, x3, x4]', NULL, 50, "
                 "'irls', 1e-10)")
    conn.execute("SELECT indb_ml.logregr_train('cols_arr', 'lg2', 'y', 'x', NULL, 50, 'irls', 1e-10)")
    rows = np.array(conn.execute("SELECT y, x1, x2, x3, x4 FROM cols").fetchall(), dtype=float)
    rows = rows[~np.isnan(rows).any(axis=1)]
    X = np.column_stack([np.ones(len(rows)), rows[:, 1:]])
    ols = sm.OLS(rows[:, 0], X).fit()
    logit = sm.Logit(rows[:, 0], X).fit(disp=0, tol=1e-12)
    for table_name in ("lr1", "lr2"):
        coef = np.array(conn.execute("SELECT coef FROM " + table_name).fetchone()[0])
        np.testing.assert_allclose(coef, ols.params, rtol=1e-9, atol=1e-12)
    for table_name in ("lg1", "lg2"):
        coef, skipped = conn.execute("SELECT coef, num_missing_rows_skipped FROM " + table_name).fetchone()
        np.testing.assert_allclose(coef, logit.params, rtol=1e-6, atol=1e-9)
        assert skipped == 4000 - len(rows)
