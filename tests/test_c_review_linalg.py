"""Regression tests of the C review of src/linalg.c: the hostile calls the review checked, each a
clean SQLSTATE (never XX000) with a surviving backend (the ``alive`` fixture: the postmaster did
not restart), and the results of the legitimate ones against numpy.

- The compose steps of ``__matrix_dense_inverse`` / ``__matrix_sparse_inverse`` write rows into
  a 2-D float8[] state in place, so: called directly (not as an aggregate) they refuse (0A000)
  rather than write into a value they do not own; a state from a user's own aggregate with a
  forged INITCOND (1-D, 3-D, empty, with NULLs, of another shape, with lower bounds != 1) is
  refused (22023) or written at the right places; row and column ids outside the matrix,
  INT_MIN/INT_MAX, rows of another width, 2-D and empty rows, NULL elements are errors before a
  byte is written; the matrix is held to the memory budget (indb_ml.matrix_memory_mb, 54000)
  and to 1 GB before it is allocated.
- The in-place updates stay in their own group and frame: GROUP BY over thousands of groups in a
  hash aggregate that spills to disk, a forged INITCOND shared by many groups, running and
  moving window frames (earlier rows' results are not changed by later rows), FILTER, and the
  aggregate in a parallel worker.
- ``deconstruct_2d_array``: the caller's column list (too few, wrong types, domains, extra
  columns padded with NULL), lower bounds != 1, 1-D / 3-D / empty / NULL arrays, NULL elements,
  a call from the select list (no column list), LATERAL over a table, ROWS FROM, and a large
  array cancelled by statement_timeout in its row loop.
"""

from __future__ import annotations

import numpy as np
import psycopg
import pytest

INT_MAX = 2**31 - 1
INT_MIN = -(2**31)


def _sqlstate(conn, query: str, args=()) -> str:
    """'ok' or the SQLSTATE of the error; an internal error (XX000) fails the test."""
    try:
        with conn.transaction():
            conn.execute(query, args).fetchall()
        return "ok"
    except psycopg.Error as e:
        assert (e.sqlstate or "") != "XX000", (query, e)
        return e.sqlstate or ""


def _error(conn, query: str) -> psycopg.Error:
    with pytest.raises(psycopg.Error) as info:
        with conn.transaction():
            conn.execute(query).fetchall()
    return info.value


def _forged_aggregates(conn) -> None:
    """The C steps under a user's own aggregates, each with a hand-made initial state."""
    inits = {"d_ok": "{{1,2},{3,4}}", "d_1d": "{1,2}", "d_3d": "{{{1,2}},{{3,4}}}", "d_empty": "{}",
             "d_null": "{{1,NULL},{3,4}}", "d_bounds": "[0:1][5:6]={{1,2},{3,4}}", "d_wide": "{{1,2,3},{4,5,6}}"}
    for name, init in inits.items():
        conn.execute(f"CREATE AGGREGATE {name}(int, int, float8[]) (SFUNC = indb_ml._matrix_compose_dense_step, "
                     f"STYPE = float8[], INITCOND = '{init}')")
        conn.execute(f"CREATE AGGREGATE {name.replace('d_', 's_')}(int, int, int, int, float8) "
                     f"(SFUNC = indb_ml._matrix_compose_sparse_step, STYPE = float8[], INITCOND = '{init}')")


# ---------------------------------------------------------------- the compose steps

@pytest.mark.parametrize("call", [
    "indb_ml._matrix_compose_dense_step(NULL, 2, 0, '{1,2}')",
    "indb_ml._matrix_compose_dense_step('{{1,2},{3,4}}', 2, 0, '{5,6}')",
    "indb_ml._matrix_compose_dense_step('{1,2}', 2, 0, '{5,6}')",
    "indb_ml._matrix_compose_sparse_step(NULL, 2, 2, 0, 0, 1)",
    "indb_ml._matrix_compose_sparse_step('{{1,2},{3,4}}', 2, 2, 1, 1, 9)",
    "indb_ml._matrix_compose_sparse_step('{{1,2},{3,4}}', 2, 2, 5, 5, 9)",
])
def test_direct_calls_of_the_steps_write_nothing(postgresql, alive, call):
    """Not called as an aggregate, the state is not the executor's to change: refused (0A000),
    also through a table column (not constant-folded) and with a hand-made state."""
    assert _sqlstate(postgresql, "SELECT " + call) == "0A000"
    postgresql.execute("CREATE TABLE st AS SELECT '{{1,2},{3,4}}'::float8[] AS s")
    assert _sqlstate(postgresql, "SELECT indb_ml._matrix_compose_dense_step(s, 2, 0, '{5,6}') FROM st") == "0A000"
    assert postgresql.execute("SELECT s FROM st").fetchone()[0] == [[1, 2], [3, 4]]
    alive()


def test_direct_call_with_a_null_argument_returns_the_state_unchanged(postgresql, alive):
    """MADlib's step is strict: a NULL row argument leaves the state as it is (no write)."""
    for args in ("2, NULL, '{5,6}'", "NULL, 0, '{5,6}'", "2, 0, NULL"):
        q = f"SELECT indb_ml._matrix_compose_dense_step('{{{{1,2}},{{3,4}}}}', {args})"
        got = postgresql.execute(q).fetchone()[0]
        assert got == [[1, 2], [3, 4]], args
    assert postgresql.execute("SELECT indb_ml._matrix_compose_dense_step(NULL, 2, 0, NULL)").fetchone()[0] is None
    q = "SELECT indb_ml._matrix_compose_sparse_step('{{1,2},{3,4}}', 2, 2, 0, 0, NULL)"
    assert postgresql.execute(q).fetchone()[0] == [[1, 2], [3, 4]]
    alive()


@pytest.mark.parametrize("agg, state", [
    ("d_1d", "22023"), ("d_3d", "22023"), ("d_empty", "22023"), ("d_null", "22023"),
    ("s_1d", "22023"), ("s_3d", "22023"), ("s_empty", "22023"), ("s_null", "22023"),
    ("d_wide", "2202E"),  # a 2 x 3 state, rows of 2: the shapes disagree before a write
    ("s_wide", "2202E"),
])
def test_forged_initial_states_are_refused(postgresql, alive, agg, state):
    _forged_aggregates(postgresql)
    args = "2, r, x" if agg.startswith("d_") else "2, 2, r, r, x[1]"
    q = f"SELECT {agg}({args}) FROM (VALUES (0, '{{9,8}}'::float8[]), (1, '{{7,6}}')) v(r, x)"
    assert _sqlstate(postgresql, q) == state
    alive()


def test_forged_initial_states_of_the_right_shape_are_written_in_place(postgresql, alive):
    """A 2 x 2 INITCOND (lower bounds 1 or not) is a valid start: rows land at their 0-based
    ids (the dims, not the subscripts, count), untouched elements keep the initial value, and
    every group starts from its own copy of it (in-place writes never leak into the next group)."""
    _forged_aggregates(postgresql)
    postgresql.execute("CREATE TABLE rows_ AS SELECT g, r, ARRAY[10 * g + r, -g]::float8[] AS x "
                       "FROM generate_series(1, 300) g, generate_series(0, 1) r WHERE (g + r) % 3 <> 0")
    for agg, prefix in (("d_ok", ""), ("d_bounds", "[0:1][5:6]=")):
        got = dict(postgresql.execute(f"SELECT g, {agg}(2, r, x)::text FROM rows_ GROUP BY g").fetchall())
        assert len(got) == 300
        for g in range(1, 301):
            want = np.array([[1.0, 2.0], [3.0, 4.0]])
            for r in (0, 1):
                if (g + r) % 3:
                    want[r] = [10 * g + r, -g]
            text = "{" + ",".join("{" + ",".join(f"{v:g}" for v in row) + "}" for row in want) + "}"
            assert got[g] == prefix + text, (agg, g)
    # the sparse step into a forged state: element (1, 0) only
    assert postgresql.execute("SELECT s_ok(2, 2, 1, 0, 7) ").fetchone()[0] == [[1, 2], [7, 4]]
    alive()


@pytest.mark.parametrize("args, state", [
    ("2, -1, '{1,2}'", "2202E"),
    ("2, 2, '{1,2}'", "2202E"),
    (f"2, {INT_MAX}, '{{1,2}}'", "2202E"),
    (f"2, {INT_MIN}, '{{1,2}}'", "2202E"),
    ("0, 0, '{1,2}'", "22023"),
    ("-3, 0, '{1,2}'", "22023"),
    (f"{INT_MIN}, 0, '{{1,2}}'", "22023"),
    ("2, 0, '{{1,2}}'", "2202E"),   # a 2-D row
    ("2, 0, '{}'", "2202E"),        # an empty row
    ("2, 0, '{1,NULL}'", "22004"),
    (f"{INT_MAX}, 0, '{{1,2}}'", "54000"),  # 2^31 x 2 doubles: refused before allocating
    (f"{INT_MAX}, 0, array_fill(0::float8, ARRAY[100000])", "54000"),
])
def test_dense_step_hostile_rows(postgresql, alive, args, state):
    assert _sqlstate(postgresql, f"SELECT indb_ml.__matrix_dense_inverse({args})") == state
    alive()


@pytest.mark.parametrize("rows, state", [
    # a row of another width or another num_rows after the first: refused before the write
    ("(2, 0, '{1,2}'::float8[]), (2, 1, '{1,2,3}')", "2202E"),
    ("(2, 0, '{1,2}'::float8[]), (3, 1, '{1,2}')", "2202E"),
    ("(2, 0, '{1,2}'::float8[]), (2, 1, '{1}')", "2202E"),
    ("(2, 0, '{1,2}'::float8[]), (2, 1, '{{1,2}}')", "2202E"),
    # lower bounds of a row do not matter; rows with a NULL argument are skipped
    ("(2, 0, '[5:6]={2,0}'::float8[]), (2, 1, '[-3:-2]={0,4}')", "ok"),
    ("(2, 0, '{2,0}'::float8[]), (2, 1, '{0,4}'), (NULL, 1, '{9,9}'), (2, NULL, '{9,9}'), (2, 1, NULL)", "ok"),
])
def test_dense_rows_that_disagree(postgresql, alive, rows, state):
    q = f"SELECT indb_ml.__matrix_dense_inverse(n, r, x) FROM (VALUES {rows}) v(n, r, x)"
    assert _sqlstate(postgresql, q) == state
    if state == "ok":
        np.testing.assert_allclose(postgresql.execute(q).fetchone()[0], [[0.5, 0], [0, 0.25]])
    alive()


@pytest.mark.parametrize("args, state", [
    ("2, 2, 2, 0, 1", "2202E"), ("2, 2, 0, 2, 1", "2202E"), ("2, 2, -1, 0, 1", "2202E"),
    (f"2, 2, 0, {INT_MIN}, 1", "2202E"), (f"2, 2, {INT_MAX}, {INT_MAX}, 1", "2202E"),
    ("0, 2, 0, 0, 1", "22023"), ("2, -1, 0, 0, 1", "22023"),
    (f"{INT_MAX}, {INT_MAX}, 0, 0, 1", "54000"),  # 2^65 bytes: no int64 overflow on the way
    ("20000, 20000, 0, 0, 1", "54000"),           # 3.2 GB: above one value
    ("11000, 11000, 0, 0, 1", "54000"),           # 968 MB: under 1 GB, above the default budget
])
def test_sparse_step_hostile_elements(postgresql, alive, args, state):
    assert _sqlstate(postgresql, f"SELECT indb_ml.__matrix_sparse_inverse({args})") == state
    alive()


def test_matrix_held_to_the_memory_budget(postgresql, alive):
    """The state is checked against indb_ml.matrix_memory_mb before it is allocated (54000 naming
    the budget); within the budget the same aggregate works."""
    postgresql.execute("SET indb_ml.matrix_memory_mb = 1")
    err = _error(postgresql, "SELECT indb_ml.__matrix_sparse_inverse(1000, 1000, i, i, 1) "
                             "FROM generate_series(0, 999) i")
    assert err.sqlstate == "54000" and "memory budget of 1 MB" in str(err), err
    q = "SELECT indb_ml.__matrix_dense_inverse(1000, 0, array_fill(1::float8, ARRAY[1000]))"
    assert _sqlstate(postgresql, q) == "54000"
    postgresql.execute("SET indb_ml.matrix_memory_mb = 16")
    got = np.array(postgresql.execute(
        "SELECT indb_ml.__matrix_sparse_inverse(1000, 1000, i, i, i + 1) FROM generate_series(0, 999) i").fetchone()[0])
    np.testing.assert_allclose(got, np.diag(1.0 / np.arange(1, 1001)))
    alive()


def test_many_groups_in_a_spilling_hash_aggregate(postgresql, alive):
    """3000 groups, each its own 3 x 3 matrix, rows in random order, under a 64 kB work_mem
    hash aggregate that spills: every group's inverse is numpy's of its own rows."""
    rng = np.random.default_rng(11)
    ngroups, k = 3000, 3
    mats = rng.normal(size=(ngroups, k, k)) + 3 * np.eye(k)
    rows = [(g, r, mats[g, r].tolist()) for g in range(ngroups) for r in range(k)]
    rng.shuffle(rows)
    postgresql.execute("CREATE TABLE gm (g int, r int, x float8[])")
    with postgresql.cursor().copy("COPY gm FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    postgresql.execute("ANALYZE gm")
    postgresql.execute("SET work_mem = '64kB'")
    postgresql.execute("SET enable_sort = off")
    plan = "\n".join(r[0] for r in postgresql.execute(
        "EXPLAIN (ANALYZE, COSTS OFF) SELECT g, indb_ml.__matrix_dense_inverse(3, r, x) FROM gm GROUP BY g").fetchall())
    assert "HashAggregate" in plan and "Disk Usage" in plan, plan
    got = dict(postgresql.execute("SELECT g, indb_ml.__matrix_dense_inverse(3, r, x) FROM gm GROUP BY g").fetchall())
    assert len(got) == ngroups
    np.testing.assert_allclose(np.array([got[g] for g in range(ngroups)]), np.linalg.inv(mats), rtol=1e-9, atol=1e-12)
    # the sparse form, element by element, same groups
    got = dict(postgresql.execute(
        "SELECT g, indb_ml.__matrix_sparse_inverse(3, 3, r, c - 1, x[c]) "
        "FROM gm, generate_series(1, 3) c GROUP BY g").fetchall())
    np.testing.assert_allclose(np.array([got[g] for g in range(ngroups)]), np.linalg.inv(mats), rtol=1e-9, atol=1e-12)
    # an error in one group (a bad row id deep in the scan) is clean, and the backend stays
    assert _sqlstate(postgresql, "SELECT g, indb_ml.__matrix_dense_inverse(3, CASE WHEN g = 2999 THEN 3 ELSE r END, x) "
                                 "FROM gm GROUP BY g") == "2202E"
    alive()


def test_window_frames_and_filter(postgresql, alive):
    """As a window aggregate the state is changed in place too: a running frame shows each
    row's prefix (earlier results are not changed by later writes), a moving frame restarts
    from a fresh copy of the initial state, FILTER feeds only its rows."""
    _forged_aggregates(postgresql)
    postgresql.execute("CREATE TABLE w AS SELECT i, i % 2 AS r, ARRAY[i, -i]::float8[] AS x "
                       "FROM generate_series(1, 6) i")
    running = [r[0] for r in postgresql.execute("SELECT d_ok(2, r, x) OVER (ORDER BY i) FROM w ORDER BY i").fetchall()]
    moving = [r[0] for r in postgresql.execute(
        "SELECT d_ok(2, r, x) OVER (ORDER BY i ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM w ORDER BY i").fetchall()]
    state = [[1.0, 2.0], [3.0, 4.0]]
    for i in range(1, 7):
        state[i % 2] = [float(i), float(-i)]
        assert running[i - 1] == state, i
        want = [[1.0, 2.0], [3.0, 4.0]]
        for j in (i - 1, i):
            if j >= 1:
                want[j % 2] = [float(j), float(-j)]
        assert moving[i - 1] == want, i
    got = postgresql.execute("SELECT d_ok(2, r, x) FILTER (WHERE i < 3), d_ok(2, r, x) FROM w").fetchone()
    assert got == ([[2, -2], [1, -1]], [[6, -6], [5, -5]])
    # the real aggregate per partition, as a window: numpy's inverse of each partition
    postgresql.execute("CREATE TABLE wp AS SELECT p, r, ARRAY[p + 2 * r + 1, r - p]::float8[] AS x "
                       "FROM generate_series(1, 4) p, generate_series(0, 1) r")
    for p, inv in postgresql.execute("SELECT DISTINCT p, indb_ml.__matrix_dense_inverse(2, r, x) OVER (PARTITION BY p) "
                                     "FROM wp ORDER BY p").fetchall():
        m = np.array([[p + 1, -p], [p + 3, 1 - p]], dtype=float)
        np.testing.assert_allclose(inv, np.linalg.inv(m), rtol=1e-12)
    alive()


def test_in_a_parallel_worker(postgresql, alive):
    """The aggregates are PARALLEL SAFE without a combine step: under forced parallel query the
    whole aggregate runs in a worker (single-copy Gather) or above a Gather; the results equal the
    serial ones and a bad row id raised in the worker arrives as the same clean error."""
    rng = np.random.default_rng(3)
    mats = rng.normal(size=(200, 4, 4)) + 4 * np.eye(4)
    postgresql.execute("CREATE TABLE pm (g int, r int, x float8[])")
    with postgresql.cursor().copy("COPY pm FROM STDIN") as copy:
        for g in range(200):
            for r in range(4):
                copy.write_row((g, r, mats[g, r].tolist()))
    postgresql.execute("ANALYZE pm")
    q = "SELECT g, indb_ml.__matrix_dense_inverse(4, r, x) FROM pm {} GROUP BY g"
    serial = dict(postgresql.execute(q.format("")).fetchall())
    force = "force_parallel_mode" if postgresql.info.server_version < 160000 else "debug_parallel_query"
    cheap = ("parallel_setup_cost = 0", "parallel_tuple_cost = 0", "min_parallel_table_scan_size = 0")
    # the brief's settings: a parallel scan under the aggregate; then the costs back to their
    # defaults: the whole aggregate (and its PL/Python final step) in one worker
    for settings, shape in ((cheap, "Workers Planned: 2"), (("parallel_setup_cost = 1000", "parallel_tuple_cost = 0.1"),
                                                           "Single Copy: true")):
        for setting in ("max_parallel_workers_per_gather = 2", f"{force} = on", *settings):
            postgresql.execute("SET " + setting)
        for where in ("", "WHERE g < 50"):
            plan = "\n".join(r[0] for r in postgresql.execute("EXPLAIN (COSTS OFF) " + q.format(where)).fetchall())
            assert "Gather" in plan and (where == "" or shape in plan), plan
            got = dict(postgresql.execute(q.format(where)).fetchall())
            assert got == {g: v for g, v in serial.items() if not where or g < 50}
    np.testing.assert_allclose(np.array([serial[g] for g in range(200)]), np.linalg.inv(mats), rtol=1e-9)
    err = _error(postgresql, "SELECT g, indb_ml.__matrix_dense_inverse(4, r + 1, x) FROM pm WHERE g < 50 GROUP BY g")
    assert err.sqlstate == "2202E" and "row_id 4 is outside 0..3" in str(err), err
    sparse = postgresql.execute("SELECT indb_ml.__matrix_sparse_inverse(4, 4, r, c - 1, x[c]) FROM pm, "
                                "generate_series(1, 4) c WHERE g = 7").fetchone()[0]
    np.testing.assert_allclose(sparse, np.linalg.inv(mats[7]), rtol=1e-9)
    alive()


# ---------------------------------------------------------------- deconstruct_2d_array

@pytest.mark.parametrize("arr, cols, want", [
    ("'{{1,2},{3,4}}'", "id int, a float8, b float8", [(1, 1, 2), (2, 3, 4)]),
    # lower bounds are ignored, as in MADlib: ids count from 1
    ("'[0:1][5:6]={{1,2},{3,4}}'", "id int, a float8, b float8, c float8", [(1, 1, 2, None), (2, 3, 4, None)]),
    ("'[-5:-4]={7,8}'", "id int, a float8, b float8, c float8", [(1, 7, 8, None)]),  # 1-D: one row
    ("'{{5},{6}}'", "id int, a float8, b float8", [(1, 5, None), (2, 6, None)]),  # MADlib's NULL padding
    ("'{}'", "id int, a float8", []),
    ("NULL", "id int, a float8", []),
    ("'{{Infinity,NaN}}'", "id int, a float8, b float8", [(1, float("inf"), "nan")]),
])
def test_deconstruct_rows(postgresql, alive, arr, cols, want):
    got = postgresql.execute(f"SELECT * FROM indb_ml.deconstruct_2d_array({arr}::float8[]) AS k({cols})").fetchall()
    got = [tuple("nan" if isinstance(v, float) and v != v else v for v in row) for row in got]
    assert got == want
    alive()


@pytest.mark.parametrize("query, state", [
    ("SELECT * FROM indb_ml.deconstruct_2d_array('{{1,2},{3,4}}') AS k(id int, a float8)", "42804"),
    ("SELECT * FROM indb_ml.deconstruct_2d_array('{{1,2},{3,4}}') AS k(id int)", "42804"),
    ("SELECT * FROM indb_ml.deconstruct_2d_array('{{1,2},{3,4}}') AS k(id bigint, a float8, b float8)", "42804"),
    ("SELECT * FROM indb_ml.deconstruct_2d_array('{{1,2},{3,4}}') AS k(id int, a float4, b float8)", "42804"),
    ("SELECT * FROM indb_ml.deconstruct_2d_array('{{1,2},{3,4}}') AS k(id int, a float8, b text)", "42804"),
    ("SELECT * FROM indb_ml.deconstruct_2d_array('{{1,2},{3,4}}') AS k(id int, a float8, b float8, c numeric)",
     "42804"),
    ("SELECT * FROM indb_ml.deconstruct_2d_array('{{1,2},{3,4}}') AS k(id int, a float8, b float8[])", "42804"),
    ("SELECT * FROM indb_ml.deconstruct_2d_array('{{1,2},{3,4}}') AS k(id dom_int, a float8, b float8)", "42804"),
    ("SELECT * FROM indb_ml.deconstruct_2d_array('{{1,2},{3,4}}') AS k(id int, a float8, b pair)", "42804"),
    ("SELECT * FROM indb_ml.deconstruct_2d_array('{{1,2},{3,4}}')", "42601"),  # no column list
    ("SELECT indb_ml.deconstruct_2d_array('{{1,2},{3,4}}')", "0A000"),  # select list: no column list to fill
    ("SELECT (indb_ml.deconstruct_2d_array('{1}')).*", "42809"),
    ("SELECT * FROM indb_ml.deconstruct_2d_array('{{{1}}}') AS k(id int, a float8)", "2202E"),
    ("SELECT * FROM indb_ml.deconstruct_2d_array('[0:0][0:0][0:0]={{{1}}}') AS k(id int, a float8)", "2202E"),
    ("SELECT * FROM indb_ml.deconstruct_2d_array('{{1,NULL}}') AS k(id int, a float8, b float8)", "22004"),
    ("SELECT * FROM indb_ml.deconstruct_2d_array('{NULL}') AS k(id int, a float8)", "22004"),
    ("SELECT * FROM indb_ml.deconstruct_2d_array(array_fill(1::float8, ARRAY[1, 2000])) AS k(id int, a float8)",
     "42804"),
])
def test_deconstruct_hostile_calls(postgresql, alive, query, state):
    postgresql.execute("CREATE DOMAIN dom_int AS int")
    postgresql.execute("CREATE TYPE pair AS (a float8, b float8)")
    assert _sqlstate(postgresql, query) == state
    alive()


def test_deconstruct_lateral_and_rows_from(postgresql, alive):
    """Per row of a table (LATERAL: one tuplestore per call), NULL and empty arrays give no rows;
    ROWS FROM pads the shorter function with NULL rows; a 1 x 1599 array fills the longest list (1600 columns)."""
    rows = postgresql.execute(
        "SELECT v.n, k.* FROM (VALUES (1, '{{1,2},{3,4}}'::float8[]), (2, '{5}'), (3, NULL), (4, '{}'), "
        "(5, '[2:3][2:2]={{7},{8}}')) v(n, m), "
        "LATERAL indb_ml.deconstruct_2d_array(m) AS k(id int, a float8, b float8) "
        "ORDER BY v.n, k.id").fetchall()
    assert rows == [(1, 1, 1, 2), (1, 2, 3, 4), (2, 1, 5, None), (5, 1, 7, None), (5, 2, 8, None)]
    rows = postgresql.execute(
        "SELECT * FROM ROWS FROM (indb_ml.deconstruct_2d_array('{{1,2},{3,4}}') AS (id int, a float8, b float8), "
        "generate_series(1, 3)) ORDER BY 4").fetchall()
    assert rows == [(1, 1, 2, 1), (2, 3, 4, 2), (None, None, None, 3)]
    cols = ", ".join(["id int"] + [f"c{j} float8" for j in range(1599)])
    row = postgresql.execute(f"SELECT * FROM indb_ml.deconstruct_2d_array("
                             f"ARRAY(SELECT g::float8 FROM generate_series(1, 1599) g)) AS k({cols})").fetchall()
    assert row == [(1, *map(float, range(1, 1600)))]
    alive()


def test_deconstruct_large_array_and_cancel(postgresql, alive):
    """400,000 x 3 read back whole (the tuplestore spills past work_mem), against numpy; a
    3,000,000-row read under a statement_timeout is cancelled (57014) and the backend answers."""
    n = 400_000
    postgresql.execute(f"CREATE TABLE big AS SELECT array_agg(ARRAY[i, 2 * i, -i]::float8[] ORDER BY i) AS m "
                       f"FROM generate_series(1, {n}) i")
    postgresql.execute("SET work_mem = '64kB'")
    got = postgresql.execute("SELECT count(*), sum(id::bigint), sum(a), sum(b), sum(c), count(d) FROM big, "
                             "LATERAL indb_ml.deconstruct_2d_array(m) "
                             "AS k(id int, a float8, b float8, c float8, d float8)"
                             ).fetchone()
    i = np.arange(1, n + 1, dtype=float)
    assert got[0] == n and got[1] == n * (n + 1) // 2 and got[5] == 0
    np.testing.assert_allclose(got[2:5], [i.sum(), 2 * i.sum(), -i.sum()])
    # 3,000,000 x 2: ~130 ms to detoast, ~400 ms in the row loop, where the timeout lands
    postgresql.execute("CREATE TABLE big2 AS SELECT array_agg(ARRAY[i, -i]::float8[] ORDER BY i) AS m "
                       "FROM generate_series(1, 3000000) i")
    postgresql.execute("SET statement_timeout = '250ms'")
    state = _sqlstate(postgresql, "SELECT count(*) FROM big2, LATERAL (SELECT * FROM "
                                  "indb_ml.deconstruct_2d_array(m) AS k(id int, a float8, b float8) OFFSET 0) s")
    assert state == "57014"
    postgresql.execute("SET statement_timeout = 0")
    alive()
