"""Sizes driven by input are checked against the memory budget before the work starts (issue 16).

Every request here comes from an ordinary role (no superuser, no CREATEROLE) and used to get
the backend killed by the kernel's OOM killer, or to fill the disk before a certain failure.
Each must now end in a clean SQLSTATE 54000 (program_limit_exceeded) error that names the
size, and the server must survive: the ``alive`` fixture checks that the postmaster did not
restart (``pg_postmaster_start_time()``) and that another backend is still connected.

The budget is ``min(indb_ml.matrix_memory_mb, indb_ml.max_memory_mb)``; an ordinary role may
set the first, only a superuser the second (the hard ceiling, 4 GB by default).
"""

from __future__ import annotations

import json
import struct
import time

import numpy as np
import psycopg
import pytest
from psycopg import errors as E

from indb_ml.compress import codecs

ROLE = "size_limits_plain"
GB = 2**30


@pytest.fixture
def plain(postgresql):
    """The test connection acting as an ordinary role (SET ROLE: the superuser's session
    settings stay, the role's privileges apply, as for a login of that role)."""
    conn = postgresql
    conn.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + ROLE + "') "
                 "THEN CREATE ROLE " + ROLE + " NOSUPERUSER NOCREATEROLE; END IF; END $$")
    conn.execute("GRANT USAGE, CREATE ON SCHEMA public TO " + ROLE)
    conn.execute("SET ROLE " + ROLE)
    assert conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0] is False
    yield conn
    conn.rollback()
    conn.execute("RESET ROLE")


def budget(conn) -> int:
    return conn.execute("SELECT indb_ml._memory_budget_bytes()").fetchone()[0]


def refused(conn, query: str, params=(), *pieces: str) -> str:
    """Runs ``query``, expects a 54000 error whose message contains every piece; returns it."""
    with pytest.raises(E.ProgramLimitExceeded) as err, conn.transaction():
        conn.execute(query, params) if params else conn.execute(query)
    message = str(err.value)
    for piece in pieces:
        assert piece in message, (piece, message)
    return message


# -- the ceiling -------------------------------------------------------------------------------

def test_the_ceiling_is_for_superusers_only(postgresql, plain, alive):
    conn = plain
    assert budget(conn) == 512 * 2**20  # the defaults: matrix_memory_mb 512 under a 4 GB ceiling
    with pytest.raises(E.InsufficientPrivilege, match="indb_ml.max_memory_mb"), conn.transaction():
        conn.execute("SET indb_ml.max_memory_mb = 100000")
    with pytest.raises(E.InsufficientPrivilege), conn.transaction():
        conn.execute("SELECT set_config('indb_ml.max_memory_mb', '100000', false)")
    conn.execute("SET indb_ml.matrix_memory_mb = 100000000")  # any role may ask for 95 TB ...
    assert budget(conn) == 4 * GB  # ... and gets the ceiling
    assert conn.execute("SHOW indb_ml.max_memory_mb").fetchone()[0] == "4GB"
    conn.execute("RESET ROLE")
    conn.execute("SET indb_ml.max_memory_mb = '8GB'")  # a superuser raises the ceiling
    assert budget(conn) == 8 * GB
    conn.execute("SET indb_ml.max_memory_mb = 1")  # ... or lowers it: the C states obey it too
    conn.execute("SET ROLE " + ROLE)
    assert budget(conn) == conn.execute("SELECT indb_ml._state_budget_bytes()").fetchone()[0] == 2**20
    refused(conn, "SELECT indb_ml.gram(array_fill(1.0::float8, ARRAY[600]))", (),
            "the state for 600 columns needs 2 MB, above the memory budget of 1 MB")
    alive()


def test_a_placeholder_set_before_the_module_loads_does_not_raise_the_ceiling(postgresql, alive):
    """The C module (which defines the ceiling) loads at the first call of one of its functions;
    a value an ordinary role gave the placeholder before that is dropped when it loads."""
    info = postgresql.info
    postgresql.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + ROLE + "') "
                       "THEN CREATE ROLE " + ROLE + "; END IF; END $$")
    postgresql.commit()
    with psycopg.connect(host=info.host, port=info.port, user=info.user, password=info.password,
                         dbname=info.dbname, autocommit=True) as fresh:
        notices = []
        fresh.add_notice_handler(lambda d: notices.append(d.message_primary))
        loaded = fresh.execute("SELECT count(*) FROM pg_settings WHERE name = 'indb_ml.max_memory_mb' "
                               "AND vartype = 'integer'").fetchone()[0]
        assert loaded == 0  # a new backend: the module is not loaded yet
        fresh.execute("SET ROLE " + ROLE)
        fresh.execute("SET indb_ml.max_memory_mb = 100000")  # a placeholder: accepted for now
        fresh.execute("SET indb_ml.matrix_memory_mb = 100000")
        assert fresh.execute("SELECT indb_ml._memory_budget_bytes()").fetchone()[0] == 4 * GB
        assert any("permission denied to set parameter \"indb_ml.max_memory_mb\"" in n for n in notices), notices
        assert fresh.execute("SHOW indb_ml.max_memory_mb").fetchone()[0] == "4GB"
    alive()


# -- finding 2: allocations driven by input -----------------------------------------------------

def test_matrix_identity_of_a_billion_rows_is_refused(plain, alive):
    """Sparse creation skipped the size check: a billion diagonal entries in numpy, then as bytes."""
    conn = plain
    refused(conn, "SELECT indb_ml.matrix_identity(1000000000, 'ident')", (),
            "matrix_identity: the 1000000000 x 1000000000 output (1000000000 entries, sparse) needs 119 GB",
            "above indb_ml.matrix_memory_mb (512 MB)")
    conn.execute("SET indb_ml.matrix_memory_mb = 100000000")  # raising it does not help
    refused(conn, "SELECT indb_ml.matrix_identity(1000000000, 'ident')", (), "119 GB",
            "above indb_ml.max_memory_mb (4.0 GB, the superuser's ceiling")
    assert conn.execute("SELECT to_regclass('ident')").fetchone()[0] is None
    conn.execute("SELECT indb_ml.matrix_identity(3, 'i3')")  # a small one is written as before
    got = np.zeros((3, 3))
    for r, c, v in conn.execute("SELECT row, col, val FROM i3"):
        got[r - 1, c - 1] = v
    np.testing.assert_array_equal(got, np.eye(3))
    alive()


def forged_tile(nrows: int, ncols: int) -> bytes:
    """30 bytes: a csr tile header claiming nrows x ncols and a payload of no entries."""
    data = codecs.HEADER.pack(codecs.MAGIC, codecs.CODEC_IDS["csr"], 0, 0, nrows, ncols, 0.0) + struct.pack(
        "<BBI", 0, 0, 0)
    assert len(data) == 30
    return data


def test_tile_decode_of_a_header_claiming_4_gib_is_refused(plain, alive):
    conn = plain
    tile = forged_tile(65536, 8192)  # 2**29 values: 4 GiB of float64
    refused(conn, "SELECT length(indb_ml.tile_decode(%s, 'csr', 65536, 8192))", [tile],
            "a tile with codec csr of 65536 x 8192 decodes to 4.0 GB", "512 MB")
    # the same tile in a tile table, read by a matrix operation
    conn.execute("CREATE TABLE forged (row_block int, col_block int, nrows int, ncols int, layout text, "
                 "codec text, data bytea)")
    conn.execute("INSERT INTO forged VALUES (0, 0, 65536, 8192, 'sparse', 'csr', %s)", [tile])
    refused(conn, "SELECT indb_ml.matrix_vec_mult('forged', '', array_fill(1.0::float8, ARRAY[8192]))", (),
            "65536 x 8192", "4.0 GB")
    # a genuine compressed tile still decodes, also in parallel workers (where the budget
    # reaches the PL/Python step as an argument: no query can run there)
    x = np.arange(12.0).reshape(3, 4) * (np.arange(12).reshape(3, 4) % 3 == 0)
    good = codecs.encode(x, "csr")
    got = conn.execute("SELECT indb_ml.tile_decode(%s, 'csr', 3, 4)", [good]).fetchone()[0]
    np.testing.assert_array_equal(np.frombuffer(got, dtype="<f8").reshape(3, 4), x)
    conn.execute("CREATE TABLE good (id int, data bytea) WITH (parallel_workers = 2)")
    conn.execute("INSERT INTO good SELECT i, %s FROM generate_series(1, 3000) i", [good])
    conn.execute("ANALYZE good")
    for name, value in (("parallel_setup_cost", "0"), ("parallel_tuple_cost", "0"),
                        ("min_parallel_table_scan_size", "0"), ("max_parallel_workers_per_gather", "2")):
        conn.execute("SELECT set_config(%s, %s, false)", [name, value])
    query = "SELECT sum(length(indb_ml.tile_decode(data, 'csr', 3, 4))) FROM good"
    plan = conn.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + query).fetchone()[0][0]["Plan"]
    assert "Workers Launched" in json.dumps(plan)
    assert conn.execute(query).fetchone()[0] == 3000 * 96
    alive()


def test_tile_products_of_forged_tiles_are_refused(plain, alive):
    """tile_mm of a 40000 x 1 and a 1 x 40000 raw tile (320 kB each) is a 12 GB product; two
    forged partial products of 20000 x 1 and 1 x 20000 broadcast to 3.2 GB when added."""
    conn = plain
    column = np.ones(40000).tobytes()
    refused(conn, "SELECT indb_ml.tile_mm(%s, 40000, 1, %s, 1, 40000)", [column, column],
            "tile_mm: the product of a 40000 x 1 and a 1 x 40000 tile needs 36 GB")
    tall = struct.pack("<2q", 20000, 1) + np.ones(20000).tobytes()
    wide = struct.pack("<2q", 1, 20000) + np.ones(20000).tobytes()
    with pytest.raises(psycopg.Error, match="tiles of 20000 x 1 and 1 x 20000 cannot be added"), conn.transaction():
        conn.execute("SELECT indb_ml._tile_mm_combine(%s, %s)", [tall, wide])
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)  # a genuine pair still multiplies
    got = conn.execute("SELECT indb_ml.tile_mm(%s, 2, 3, %s, 3, 4)", [a.tobytes(), b.tobytes()]).fetchone()[0]
    np.testing.assert_allclose(np.frombuffer(got, dtype="<f8").reshape(2, 4), a @ b)
    alive()


def test_matrix_mult_of_two_entries_near_2e9_is_refused(plain, alive):
    """CSR row pointers for 2e9 rows are 15 GB, whatever the number of entries."""
    conn = plain
    conn.execute("CREATE TABLE sp (row_id int, col_id int, val float8)")
    conn.execute("INSERT INTO sp VALUES (1, 1, 1.0), (2000000000, 2000000000, 2.0)")
    args = "row=row_id, col=col_id, val=val"
    refused(conn, "SELECT indb_ml.matrix_mult('sp', %s, 'sp', %s, 'prod', '')", [args, args],
            "sp (2000000000 x 2000000000 with 2 entries, in memory) needs 15 GB", "512 MB")
    assert conn.execute("SELECT to_regclass('prod')").fetchone()[0] is None
    # a sparse output goes to the SQL join by itself (the row pointers count in the choice)
    conn.execute("SELECT indb_ml.matrix_mult('sp', %s, 'sp', %s, 'prod', 'fmt=sparse')", [args, args])
    assert conn.execute("SELECT row_id, col_id, val FROM prod ORDER BY 1").fetchall() == [
        (1, 1, 1.0), (2000000000, 2000000000, 4.0)]
    # an outer product of two 200,000-entry vectors has 4e10 entries
    conn.execute("CREATE TABLE col (row_id int, col_id int, val float8)")
    conn.execute("INSERT INTO col SELECT i, 1, 1.0 FROM generate_series(1, 200000) i")
    refused(conn, "SELECT indb_ml.matrix_mult('col', %s, 'col', %s, 'outer', 'fmt=sparse, op=memory')",
            [args, args + ", trans=true"], "the sparse product (200000 x 200000, up to 40000000000 entries)",
            "1.5 TB")
    alive()


def test_linregr_with_too_many_features_for_its_final_step_is_refused(plain, alive):
    """Three rows of a wide feature array: the C state fits the budget, but the numpy step that
    finalizes it holds 16 k x k matrices (three rows of 9,000 features reached 8 GB)."""
    conn = plain
    conn.execute("CREATE TABLE wide25k AS SELECT i::float8 AS y, array_fill(i::float8, ARRAY[25000]) AS x "
                 "FROM generate_series(1, 3) i")
    refused(conn, "SELECT indb_ml.linregr_train('wide25k', 'out25k', 'y', 'x')", (),
            "25001 columns is outside the supported range 0 to 10000")
    conn.execute("CREATE TABLE wide6k AS SELECT i::float8 AS y, array_fill(i::float8, ARRAY[6000]) AS x "
                 "FROM generate_series(1, 3) i")
    message = "linregr: the fit over 6001 columns needs 4396 MB in its final step (16 6001 x 6001 float64 matrices)"
    refused(conn, "SELECT indb_ml.linregr_train('wide6k', 'out6k', 'y', 'x')", (), message,
            "above the memory budget of 512 MB")
    refused(conn, "SELECT (indb_ml.linregr(y, x)).r2 FROM wide6k", (), message)
    conn.execute("SET indb_ml.matrix_memory_mb = 100000000")
    refused(conn, "SELECT indb_ml.linregr_train('wide6k', 'out6k', 'y', 'x')", (), message,
            "above the memory budget of 4096 MB")
    assert conn.execute("SELECT to_regclass('out6k')").fetchone()[0] is None
    alive()


def test_square_states_of_the_other_trainers_are_checked_before_their_final_step(plain, alive):
    """The aggregate passes of logregr read Newton states (gradient and packed Hessian) that fit
    the budget at 3,000 features; their numpy step needs 16 3000 x 3000 matrices, 1.1 GB."""
    conn = plain
    conn.execute("CREATE TABLE wide3k AS SELECT (i % 2 = 0) AS y, array_fill(i::float8, ARRAY[3000]) AS x "
                 "FROM generate_series(1, 3) i")
    conn.execute("SET indb_ml.training_plan = 'aggregate'")
    refused(conn, "SELECT indb_ml.logregr_train('wide3k', 'lout', 'y', 'x')", (),
            "the final step over 3000 columns (16 3000 x 3000 float64 matrices) needs 1.1 GB")
    alive()


# -- finding 6: planner results and intermediates ----------------------------------------------

def test_la_value_refuses_what_it_cannot_return_before_anything_runs(plain, alive):
    """X %*% t(X) over 300,000 rows is 671 GB: it was written to a temporary table before its
    load failed. The shape is known when the plan is made, and so is the refusal."""
    conn = plain
    conn.execute("CREATE TABLE big AS SELECT i::float8 AS a FROM generate_series(1, 300000) i")
    bindings = json.dumps({"X": {"table": "big", "columns": ["a"]}})
    notices = []
    conn.add_notice_handler(lambda d: notices.append(d.message_primary))
    conn.execute("SET client_min_messages = debug2")
    start = time.monotonic()
    refused(conn, "SELECT indb_ml.la_value('X %%*%% t(X)', %s)", [bindings],
            "la_value: the result, returned as float8[], is 300000 x 300000 and needs 3.9 TB for 671 GB of "
            "float64 values", "refused before anything runs")
    assert time.monotonic() - start < 30
    assert not [n for n in notices if "operator" in n], notices  # no matrix operator ran
    conn.execute("RESET client_min_messages")
    # an intermediate that would have to be in memory
    refused(conn, "SELECT indb_ml.la_value('solve(X %%*%% t(X))', %s)", [bindings],
            "la_value: the value of Solve is 300000 x 300000 and needs 671 GB")
    # constants are folded only up to 1M values: v %*% t(v) of 300,000 constants is refused too
    ones = json.dumps({"v": [1.0] * 300000})
    refused(conn, "SELECT indb_ml.la_value('v %%*%% t(v)', %s)", [ones], "300000 x 300000", "671 GB")
    # memory_mb cannot place intermediates in memory above the budget
    lines = [r[0] for r in conn.execute("SELECT indb_ml.la_explain('X %%*%% t(X)', %s, NULL, 100000)",
                                        [bindings])]
    assert "memory budget: 512 MB (indb_ml.matrix_memory_mb)" in lines, lines
    assert any(line.startswith("la_value refuses this plan before it runs") for line in lines), lines
    # what can be returned is computed as before
    got = conn.execute("SELECT indb_ml.la_value('t(X) %%*%% X', %s)", [bindings]).fetchone()[0]
    a = np.arange(1, 300001, dtype=np.float64)
    np.testing.assert_allclose(got, [[a @ a]], rtol=1e-12)
    alive()


def test_temporary_intermediates_obey_temp_file_limit(postgresql, plain, alive):
    """An intermediate the plan writes to a temporary table counts against temp_file_limit (a
    superuser's setting): sum(X %*% t(X)) over 20,000 rows is refused before its 3 GB table."""
    conn = plain
    conn.execute("RESET ROLE")
    conn.execute("SET temp_file_limit = '100MB'")
    conn.execute("SET ROLE " + ROLE)
    assert conn.execute("SHOW temp_file_limit").fetchone()[0] == "100MB"  # the guard of this test
    conn.execute("CREATE TABLE mid AS SELECT i::float8 AS a FROM generate_series(1, 20000) i")
    bindings = json.dumps({"X": {"table": "mid", "columns": ["a"]}})
    refused(conn, "SELECT indb_ml.la_value('sum(X %%*%% t(X))', %s)", [bindings],
            "la_value: the intermediate MatMul is 20000 x 20000 and needs 3.0 GB in a temporary table, above "
            "temp_file_limit (100 MB)")
    refused(conn, "SELECT indb_ml.la_eval('X %%*%% t(X) + 1', %s, 'mid_out')", [bindings], "temp_file_limit")
    got = conn.execute("SELECT indb_ml.la_value('sum(t(X) %%*%% X)', %s)", [bindings]).fetchone()[0]
    a = np.arange(1, 20001, dtype=np.float64)
    np.testing.assert_allclose(got, [[a @ a]], rtol=1e-12)
    alive()
