"""Regression tests of the C review of src/pack.c, src/progress.c and the budget parsing of
src/guc.c: the hostile calls the review checked, each a clean SQLSTATE (never XX000) with a
surviving backend (the ``alive`` fixture: the postmaster did not restart).

- ``indb_ml._pack_rows``: the memory budget shrunk in the middle of an aggregate (set_config
  per row), a hash aggregate that spills to disk, grouping sets, DISTINCT / ORDER BY / FILTER,
  the same aggregate twice, a parallel worker; every packed result decodes to the rows.
- ``indb_ml._progress_report``: NULL, negative and extreme arguments.
- ``indb_ml._progress_rows``: an ordinary role sees the pid, database and role of another
  role's backend but none of its values (as pg_stat_progress_*), its own values, and all values
  once a member of pg_read_all_stats; an error, a rolled back savepoint and an error caught
  in PL/Python end the progress of the backend (AbortTransaction / AbortSubTransaction call
  pgstat_progress_end_command), so no stale row survives a failed call.
- ``indb_ml.matrix_memory_mb`` strings that are not a plain number of MB.
"""

from __future__ import annotations

import numpy as np
import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from indb_ml.kernels import cstate
from tests.helpers import load_table

MB = 1024 * 1024
ROWS = "SELECT func, phase, iteration, max_iter, rows_done, rows_total, loss, started IS NOT NULL " \
       "FROM indb_ml._progress_rows() WHERE pid = %s"


def _sqlstate(conn, query: str, args=()) -> str:
    """'ok' or the SQLSTATE of the error; an internal error (XX000) fails the test."""
    try:
        with conn.transaction():
            conn.execute(query, args).fetchall()
        return "ok"
    except psycopg.Error as e:
        assert (e.sqlstate or "") != "XX000", (query, e)
        return e.sqlstate or ""


def _dsn(conn, **kw):
    return make_conninfo(conn.info.dsn, **{"password": conn.info.password, **kw})


# ---------------------------------------------------------------- _pack_rows

def test_pack_budget_shrunk_mid_aggregate_is_a_clean_error(postgresql, alive):
    """set_config per row lowers the budget while the buffer grows: the next growth is refused
    (54000) instead of a buffer above the new cap; raising it again mid-scan packs every row."""
    postgresql.execute("SET max_parallel_workers_per_gather = 0")
    shrink = """
        SELECT indb_ml._pack_rows(i::float8, (-i)::float8)
        FROM (SELECT i, set_config('indb_ml.matrix_memory_mb', CASE WHEN i < 20000 THEN '512' ELSE '1' END, false)
              FROM generate_series(1, 200000) i) s"""
    assert _sqlstate(postgresql, shrink) == "54000"
    grow = """
        SELECT indb_ml._pack_rows(i::float8, (-i)::float8)
        FROM (SELECT i, set_config('indb_ml.matrix_memory_mb', CASE WHEN i < 1000 THEN '1' ELSE '64' END, false)
              FROM generate_series(1, 100000) i) s"""
    rows, skipped, finite = cstate.packed_rows(postgresql.execute(grow).fetchone()[0])
    assert rows.shape == (100000, 2) and skipped == 0 and finite
    np.testing.assert_array_equal(rows[:, 0], np.arange(1, 100001))
    alive()


def test_pack_in_a_spilling_hash_aggregate_and_grouping_sets(postgresql, alive):
    rng = np.random.default_rng(5)
    n = 20000
    g = rng.integers(0, 3000, size=n)
    x = rng.normal(size=(n, 2))
    x[rng.random(n) < 0.05, 1] = np.nan  # NULL in the table: skipped rows
    load_table(postgresql, "pk", {"g": g, "a": x[:, 0], "b": x[:, 1]}, {"g": "int"})
    postgresql.execute("SET work_mem = '64kB'")
    postgresql.execute("SET enable_sort = off")  # a hash aggregate, which spills under 64 kB
    plan = "\n".join(r[0] for r in postgresql.execute(
        "EXPLAIN SELECT g, indb_ml._pack_rows(a, b) FROM pk GROUP BY g").fetchall())
    assert "HashAggregate" in plan, plan
    got = dict(postgresql.execute("SELECT g, indb_ml._pack_rows(a, b) FROM pk GROUP BY g").fetchall())
    assert sorted(got) == sorted(set(g.tolist()))
    for k in list(got)[:200]:
        rows, skipped, _ = cstate.packed_rows(got[k])
        mine = x[g == k]
        keep = ~np.isnan(mine).any(axis=1)
        assert skipped == int((~keep).sum())
        # a spilled group's rows come back in another order: compare as sets of rows
        np.testing.assert_array_equal(np.sort(rows, axis=0), np.sort(mine[keep], axis=0))
    postgresql.execute("RESET enable_sort")
    postgresql.execute("RESET work_mem")
    sets = postgresql.execute("SELECT g % 2, indb_ml._pack_rows(a, b) FROM pk "
                              "GROUP BY GROUPING SETS ((g % 2), ())").fetchall()
    total = [cstate.packed_rows(v) for k, v in sets if k is None]
    assert len(total) == 1 and total[0][0].shape[0] + total[0][1] == n
    halves = [cstate.packed_rows(v)[0].shape[0] for k, v in sets if k is not None]
    assert sum(halves) == total[0][0].shape[0]
    alive()


@pytest.mark.parametrize("call, expect", [
    # DISTINCT: the 3 distinct values; ORDER BY: descending; FILTER: odd rows only
    ("indb_ml._pack_rows(DISTINCT (i % 3)::float8)", [[0.0], [1.0], [2.0]]),
    ("indb_ml._pack_rows(i::float8 ORDER BY i DESC)", [[5.0], [4.0], [3.0], [2.0], [1.0]]),
    ("indb_ml._pack_rows(i::float8, 0::float8) FILTER (WHERE i % 2 = 1)", [[1.0, 0.0], [3.0, 0.0], [5.0, 0.0]]),
])
def test_pack_aggregate_clauses(postgresql, alive, call, expect):
    raw = postgresql.execute("SELECT " + call + " FROM generate_series(1, 5) i").fetchone()[0]
    rows, skipped, _ = cstate.packed_rows(raw)
    assert sorted(rows.tolist()) == sorted(expect) if "DISTINCT" in call else rows.tolist() == expect
    assert skipped == 0
    alive()


def test_pack_twice_in_one_query_and_in_a_parallel_worker(postgresql, alive):
    """Two call sites (one of them of another width) keep their own states; a READ_WRITE final
    step is never handed a state another aggregate shares. Run in a parallel worker, the whole
    aggregate stays in the worker (no combine step) and its bytea crosses to the leader."""
    q = ("SELECT indb_ml._pack_rows(i::float8), indb_ml._pack_rows(i::float8), "
         "indb_ml._pack_rows(i::float8, (2 * i)::float8) FROM generate_series(1, 1000) i")
    a, b, c = postgresql.execute(q).fetchone()
    assert bytes(a) == bytes(b)
    np.testing.assert_array_equal(cstate.packed_rows(c)[0][:, 1], 2 * cstate.packed_rows(a)[0][:, 0])
    load_table(postgresql, "pw", {"x": np.arange(50000.0)})
    postgresql.execute("SET force_parallel_mode = on")
    postgresql.execute("SET parallel_setup_cost = 0")
    postgresql.execute("SET parallel_tuple_cost = 0")
    plan = "\n".join(r[0] for r in postgresql.execute(
        "EXPLAIN SELECT indb_ml._pack_rows(x) FROM pw").fetchall())
    assert "Gather" in plan, plan
    rows, _, _ = cstate.packed_rows(postgresql.execute("SELECT indb_ml._pack_rows(x) FROM pw").fetchone()[0])
    np.testing.assert_array_equal(np.sort(rows[:, 0]), np.arange(50000.0))
    alive()


# ---------------------------------------------------------------- _progress_report / _progress_rows

@pytest.mark.parametrize("args, state", [
    ("NULL, NULL, NULL, NULL, NULL, NULL, NULL", "22023"),  # no function code
    ("-1, 1, 1, 1, 1, 1, 1", "22023"),
    ("-2147483648, 1, 1, 1, 1, 1, 1", "22023"),
    ("1, 1, 1, 1, 1, 1", "42883"),  # six arguments: no such function
    ("1, 1, 1, 1, 1, 1, 1, 1", "42883"),
    ("1, 1, 1, 1, 1, 1, 'abc'", "22P02"),
    ("2147483648, 1, 1, 1, 1, 1, 1", "42883"),  # a bigint function code: no such function
    ("2147483647, -2147483648, 9223372036854775807, -9223372036854775808, -1, 0, 'NaN'", "ok"),
    ("0, NULL, NULL, NULL, NULL, NULL, 'Infinity'", "ok"),
    ("1, 1, 1, 1, 1, 1, '-Infinity'", "ok"),
    ("1, 1, 1, 1, 1, 1, 1e308", "ok"),
])
def test_progress_report_hostile_arguments(postgresql, alive, args, state):
    assert _sqlstate(postgresql, f"SELECT indb_ml._progress_report({args})") == state
    postgresql.execute("SELECT indb_ml._progress_end()")
    alive()


def test_progress_report_extremes_read_back(postgresql, alive):
    """Values are stored as given; negative counts and a NaN loss read back as NULL (unknown)."""
    conn, pid = postgresql, postgresql.info.backend_pid
    conn.autocommit = True
    conn.execute("SELECT indb_ml._progress_report(2147483647, -2147483648, 9223372036854775807, "
                 "-9223372036854775808, -1, 0, 'NaN')")
    assert conn.execute(ROWS, [pid]).fetchall() == [
        (2147483647, -2147483648, 9223372036854775807, None, None, 0, None, True)]
    conn.execute("SELECT indb_ml._progress_report(2147483647, 1, 1, 1, 1, 1, '-Infinity')")
    assert conn.execute(ROWS, [pid]).fetchall() == [(2147483647, 1, 1, 1, 1, 1, float("-inf"), True)]
    conn.execute("SELECT indb_ml._progress_end()")
    conn.execute("SELECT indb_ml._progress_end()")  # twice: nothing to end
    assert conn.execute(ROWS, [pid]).fetchall() == []
    # every calling form of the set-returning function (materialize mode everywhere)
    conn.execute("SELECT indb_ml._progress_report(1, 1, 1, 1, 1, 1, 1)")
    assert conn.execute("SELECT (indb_ml._progress_rows()).pid").fetchall() == [(pid,)]
    assert conn.execute("SELECT count(*) FROM indb_ml._progress_rows() WITH ORDINALITY").fetchone() == (1,)
    conn.execute("CREATE FUNCTION pg_temp.n() RETURNS int LANGUAGE plpgsql AS $$ DECLARE r record; c int := 0; "
                 "BEGIN FOR r IN SELECT * FROM indb_ml._progress_rows() LOOP c := c + 1; END LOOP; RETURN c; END $$")
    assert conn.execute("SELECT pg_temp.n()").fetchone() == (1,)
    conn.execute("SELECT indb_ml._progress_end()")
    alive()


def test_progress_ended_by_errors_and_rolled_back_savepoints(postgresql, alive):
    """No stale row after a failed call: the error's (sub)transaction abort ends the command."""
    postgresql.autocommit = True
    with psycopg.connect(_dsn(postgresql), autocommit=True) as c:
        pid = c.info.backend_pid

        def shown():
            return postgresql.execute("SELECT count(*) FROM indb_ml._progress_rows() WHERE pid = %s",
                                      [pid]).fetchone()[0]

        c.execute("SELECT indb_ml._progress_report(1, 1, 1, 10, NULL, NULL, NULL)")
        assert shown() == 1  # committed without _progress_end: still shown (the drivers end it)
        with pytest.raises(psycopg.errors.DivisionByZero):
            c.execute("SELECT indb_ml._progress_report(1, 1, 2, 10, NULL, NULL, NULL), 1 / 0")
        assert shown() == 0
        with c.transaction():
            c.execute("SAVEPOINT s")
            c.execute("SELECT indb_ml._progress_report(2, 1, 1, 10, NULL, NULL, NULL)")
            assert shown() == 1
            c.execute("ROLLBACK TO SAVEPOINT s")
            assert shown() == 0
        # an error a PL/Python driver catches (plpy.execute runs in a subtransaction)
        c.execute("""DO $$
plpy.execute("SELECT indb_ml._progress_report(3, 1, 1, 10, NULL, NULL, NULL)")
try:
    plpy.execute("SELECT 1 / 0")
except plpy.SPIError:
    pass
$$ LANGUAGE plpython3u""")
        # any subtransaction abort ends the backend's progress command, even one whose error the
        # driver catches and that had nothing to do with the report: the row is gone until the
        # driver's next report (PostgreSQL's AbortSubTransaction, as for core's commands)
        assert shown() == 0
        c.execute("""DO $$
try:
    plpy.execute("SELECT indb_ml._progress_report(3, 1, 1, 10, NULL, NULL, NULL), 1 / 0")
except plpy.SPIError:
    pass
$$ LANGUAGE plpython3u""")
        assert shown() == 0
        # a statement timeout inside the report's own CHECK_FOR_INTERRUPTS
        c.execute("SET statement_timeout = '100ms'")
        with pytest.raises(psycopg.errors.QueryCanceled):
            c.execute("SELECT pg_sleep(0.01), indb_ml._progress_report(i, 1, 1, 10, NULL, NULL, NULL) "
                      "FROM generate_series(1, 100000) i")
        assert shown() == 0
    alive()


def test_ordinary_role_sees_no_values_of_another_role(postgresql, alive):
    """As pg_stat_get_progress_info: pid, datid and userid for every backend (pg_stat_activity
    shows them to everyone), the values only with the privileges of the backend's role or of
    pg_read_all_stats; an ordinary role ends only its own progress."""
    postgresql.autocommit = True
    role = "c_review_progress_watcher"
    postgresql.execute(f"DROP ROLE IF EXISTS {role}")
    postgresql.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'w'")
    try:
        postgresql.execute("SELECT indb_ml._progress_report(5, 2, 7, 9, 11, 13, -2.5)")
        su_pid = postgresql.info.backend_pid
        su_oid = postgresql.execute("SELECT oid FROM pg_roles WHERE rolname = current_user").fetchone()[0]
        db_oid = postgresql.execute("SELECT oid FROM pg_database WHERE datname = current_database()").fetchone()[0]
        with psycopg.connect(_dsn(postgresql, user=role, password="w"), autocommit=True) as w:
            q = "SELECT * FROM indb_ml._progress_rows() WHERE pid = %s"
            assert w.execute(q, [su_pid]).fetchall() == [(su_pid, db_oid, su_oid) + (None,) * 8]
            assert w.execute("SELECT function, iteration, loss, started, elapsed FROM indb_ml.progress "
                             "WHERE pid = %s", [su_pid]).fetchall() == [(None,) * 5]
            w.execute("SELECT indb_ml._progress_end()")  # its own backend only
            w.execute("SELECT indb_ml._progress_report(6, 1, 3, 4, NULL, NULL, 0.25)")
            assert w.execute("SELECT func, iteration, loss FROM indb_ml._progress_rows() WHERE pid = %s",
                             [w.info.backend_pid]).fetchall() == [(6, 3, 0.25)]
            postgresql.execute(f"GRANT pg_read_all_stats TO {role}")
            w.execute("SELECT 1")  # a new transaction: a fresh snapshot of the backends' status
            assert w.execute("SELECT func, phase, iteration, max_iter, rows_done, rows_total, loss "
                             "FROM indb_ml._progress_rows() WHERE pid = %s",
                             [su_pid]).fetchall() == [(5, 2, 7, 9, 11, 13, -2.5)]
            # the superuser sees the ordinary role's values
            assert postgresql.execute("SELECT func FROM indb_ml._progress_rows() WHERE pid = %s",
                                      [w.info.backend_pid]).fetchall() == [(6,)]
        postgresql.execute("SELECT indb_ml._progress_end()")
    finally:
        postgresql.execute(f"DROP ROLE {role}")
    alive()


def test_progress_with_track_activities_off(postgresql, alive):
    postgresql.autocommit = True
    pid = postgresql.info.backend_pid
    postgresql.execute("SET track_activities = off")
    postgresql.execute("SELECT indb_ml._progress_report(1, 1, 1, 1, 1, 1, 1)")
    postgresql.execute("SET track_activities = on")
    assert postgresql.execute(ROWS, [pid]).fetchall() == []
    alive()


# ---------------------------------------------------------------- guc.c: the budget's parsing

@pytest.mark.parametrize("value, state_mb, memory_mb", [
    ("abc", 512, 512), ("-5", 512, 512), ("1e3", 512, 512), (" 12", 512, 512), ("12 ", 512, 512),
    ("", 512, 512), ("0", 512, 0), ("0007", 7, 7), ("99999999999999999999999999", 4096, 4096),
    ("2147483648", 4096, 4096), ("4096", 4096, 4096),
])
def test_matrix_memory_mb_strings(postgresql, alive, value, state_mb, memory_mb):
    """Not a plain number of MB means the default; digits beyond int saturate under the ceiling."""
    postgresql.execute("SELECT set_config('indb_ml.matrix_memory_mb', %s, false)", [value])
    got = postgresql.execute("SELECT indb_ml._state_budget_bytes(), indb_ml._memory_budget_bytes()").fetchone()
    assert got == (state_mb * MB, memory_mb * MB)
    alive()


def test_progress_inside_a_command_that_reports_its_own(postgresql, alive):
    """A report inside COPY (which has its own progress command) takes the backend's slots over;
    COPY's own updates then land in them and its end ends ours: odd numbers for a moment, no
    crash, and no row left afterwards."""
    postgresql.autocommit = True
    pid = postgresql.info.backend_pid
    with postgresql.cursor() as cur:
        with cur.copy("COPY (SELECT indb_ml._progress_report(i, 1, i, 3, NULL, NULL, NULL) "
                      "FROM generate_series(1, 3) i) TO STDOUT") as copy:
            assert len(list(copy)) == 3
    assert postgresql.execute(ROWS, [pid]).fetchall() == []
    alive()
