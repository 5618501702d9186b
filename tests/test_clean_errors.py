"""Errors as a psql or BI user reads them (issue 15 item 4, issue 16 "Errors").

PL/Python reports an exception as ``plpy.Error: <message>`` (``spiexceptions.<Name>: `` for an
error of a statement run through SPI) with the Python traceback first in CONTEXT. indb_ml's
C module rewrites its own errors as they are reported (src/clean_errors.c, GUC
``indb_ml.clean_errors``): the message alone, SQLSTATE, DETAIL and HINT as they were, CONTEXT
without the traceback, which goes to the server log at DEBUG2 instead. Every case runs against
the real server, as a client sees it through psycopg's diagnostics, and is checked against the
raw form that ``SET indb_ml.clean_errors = off`` gives back.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

TRACEBACK = "Traceback (most recent call last):"
PREFIXES = ("plpy.Error", "plpy.SPIError", "plpy.Fatal", "spiexceptions.")


@pytest.fixture
def db(postgresql):
    postgresql.autocommit = True
    postgresql.execute("CREATE TABLE t AS SELECT g::float8 AS y, g::float8 AS x FROM generate_series(1, 10) g")
    return postgresql


def error_of(conn, query, params=None) -> psycopg.Error:
    with pytest.raises(psycopg.Error) as info:
        conn.execute(query, params)
    return info.value


def assert_clean(diag):
    assert not diag.message_primary.startswith(PREFIXES), diag.message_primary
    assert TRACEBACK not in (diag.context or ""), diag.context
    assert "indb_ml_sql_entry" not in (diag.context or ""), diag.context


def raw(conn, query) -> psycopg.Error:
    """The same error with the cleaning turned off (PL/Python's own report)."""
    conn.execute("SET indb_ml.clean_errors = off")
    try:
        return error_of(conn, query)
    finally:
        conn.execute("RESET indb_ml.clean_errors")


MISSING = "SELECT indb_ml.linregr_train('nope', 'o', 'y', 'ARRAY[1, x]')"


def test_input_error_is_its_message_with_sqlstate_and_hint(db):
    diag = error_of(db, MISSING).diag
    assert diag.sqlstate == "42P01"
    assert diag.message_primary == "source_table 'nope' does not exist"
    assert diag.message_hint == "check the name and the search_path; quote mixed-case names, e.g. '\"MyTable\"'"
    assert diag.context == 'PL/Python function "linregr_train"'
    assert_clean(diag)

    before = raw(db, MISSING).diag
    assert before.message_primary == "plpy.Error: source_table 'nope' does not exist"
    assert before.sqlstate == diag.sqlstate and before.message_hint == diag.message_hint
    assert before.context.startswith(TRACEBACK + "\n")
    assert before.context.endswith('\nPL/Python function "linregr_train"')


def test_context_lines_after_the_traceback_are_kept(db):
    """Called from PL/pgSQL: the SQL statement and PL/pgSQL lines of CONTEXT stay, in order."""
    diag = error_of(db, "DO $$ BEGIN PERFORM indb_ml.linregr_train('nope', 'o', 'y', 'x'); END $$").diag
    assert diag.sqlstate == "42P01"
    assert diag.message_primary == "source_table 'nope' does not exist"
    assert diag.context.splitlines() == [
        'PL/Python function "linregr_train"',
        "SQL statement \"SELECT indb_ml.linregr_train('nope', 'o', 'y', 'x')\"",
        "PL/pgSQL function inline_code_block line 1 at PERFORM",
    ]


def test_spi_error_inside_a_driver(db):
    """An error of a statement a driver runs and lets through (the catalog's trigger refusing a
    rollback) keeps its SQLSTATE and hint, without ``spiexceptions.InvalidParameterValue: ``."""
    db.execute("SELECT indb_ml.linregr_train('t', 'o1', 'y', 'ARRAY[1, x]')")
    db.execute("SELECT indb_ml.model_deploy('o1', 1)")
    call = "SELECT indb_ml.model_rollback('o1')"
    diag = error_of(db, call).diag
    assert diag.sqlstate == "22023"
    assert diag.message_primary == "model public.o1: no earlier version than 1 can be deployed"
    assert diag.message_hint == "its earlier versions were retired or their tables dropped"
    assert diag.context == 'PL/Python function "model_rollback"'
    assert_clean(diag)

    before = raw(db, call).diag
    assert before.message_primary == "spiexceptions.InvalidParameterValue: " + diag.message_primary
    assert before.sqlstate == "22023" and before.message_hint == diag.message_hint


def test_error_of_a_pass_inside_a_driver(db):
    """An error of the driver's pass over the data (a view whose function fails) keeps its
    SQLSTATE and hint; nothing is written."""
    db.execute("CREATE FUNCTION broken(float8) RETURNS float8 LANGUAGE plpgsql AS "
               "$$ BEGIN PERFORM no_such_function($1); RETURN $1; END $$")
    db.execute("CREATE VIEW v AS SELECT y, broken(x) AS x FROM t")
    call = "SELECT indb_ml.linregr_train('v', 'o', 'y', 'ARRAY[1, x]')"
    diag = error_of(db, call).diag
    assert diag.sqlstate == "42883"
    assert diag.message_primary == "function no_such_function(double precision) does not exist"
    assert diag.message_hint.startswith("No function matches the given name and argument types")
    assert diag.context == 'PL/Python function "linregr_train"'
    assert_clean(diag)
    assert raw(db, call).diag.message_primary == "plpy.Error: " + diag.message_primary
    assert db.execute("SELECT to_regclass('o'), to_regclass('o_summary')").fetchone() == (None, None)


def test_raise_with_detail_and_hint_through_a_driver(db):
    """A PL/pgSQL RAISE read by the driver: message, DETAIL and HINT arrive as raised."""
    db.execute("CREATE FUNCTION boom(float8) RETURNS float8 LANGUAGE plpgsql AS $$ BEGIN "
               "RAISE EXCEPTION 'boom at %', $1 USING ERRCODE = '22012', DETAIL = 'the detail', "
               "HINT = 'the hint'; END $$")
    db.execute("CREATE VIEW v AS SELECT y, boom(x) AS x FROM t")
    diag = error_of(db, "SELECT indb_ml.linregr_train('v', 'o', 'y', 'ARRAY[1, x]')").diag
    assert (diag.sqlstate, diag.message_primary, diag.message_detail, diag.message_hint) == (
        "22012", "boom at 1", "the detail", "the hint")
    assert_clean(diag)


def test_permission_error_as_an_ordinary_role(db):
    role = f"ce_{uuid.uuid4().hex[:8]}"
    db.execute(sql.SQL("CREATE ROLE {}").format(sql.Identifier(role)))
    db.execute(sql.SQL("GRANT USAGE, CREATE ON SCHEMA public TO {}").format(sql.Identifier(role)))
    try:
        db.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
        call = "SELECT indb_ml.linregr_train('t', 'o', 'y', 'ARRAY[1, x]')"
        diag = error_of(db, call).diag
        assert diag.sqlstate == "42501"
        assert diag.message_primary == "permission denied for table t"
        assert diag.context == 'PL/Python function "linregr_train"'
        assert_clean(diag)
        # the ordinary role may turn the cleaning off for itself (PGC_USERSET)
        before = raw(db, call).diag
        assert before.sqlstate == "42501"
        assert before.message_primary == "spiexceptions.InsufficientPrivilege: permission denied for table t"
    finally:
        db.execute("RESET ROLE")
        db.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        db.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def test_statement_timeout_stays_57014_with_a_clean_message(db):
    db.execute("CREATE TABLE g (id int, src int, dst int)")
    db.execute("INSERT INTO g SELECT i, i, (i + 1) % 20 FROM generate_series(0, 19) i")
    db.execute("SET statement_timeout = '1s'")
    t0 = time.monotonic()
    diag = error_of(db, "SELECT indb_ml.pagerank('g', 'id', 'g', 'src=src, dest=dst', 'out', 0.85, 2000000000, 0)").diag
    elapsed = time.monotonic() - t0
    db.execute("RESET statement_timeout")
    assert elapsed < 3
    assert diag.sqlstate == "57014"
    assert diag.message_primary == "canceling statement due to statement timeout"
    assert diag.context.startswith('PL/Python function "_pagerank"')  # pagerank's PL/Python part
    assert_clean(diag)


def test_clean_errors_off_and_back_on(db):
    db.execute("SET indb_ml.clean_errors = off")
    assert db.execute("SHOW indb_ml.clean_errors").fetchone()[0] == "off"
    diag = error_of(db, MISSING).diag
    assert diag.message_primary.startswith("plpy.Error: ")
    assert diag.context.startswith(TRACEBACK)
    assert ", in indb_ml_sql_entry\n" in diag.context  # the frame the hook recognises indb_ml by
    db.execute("SET indb_ml.clean_errors = on")
    assert error_of(db, MISSING).diag.message_primary == "source_table 'nope' does not exist"


def test_a_users_own_plpython_functions_are_left_as_they_are(db):
    """The hook changes indb_ml's errors only: a user's PL/Python function in the same session
    (the module loaded, cleaning on) keeps working and keeps PL/Python's own report."""
    assert error_of(db, MISSING).diag.message_primary == "source_table 'nope' does not exist"  # module loaded
    db.execute("CREATE FUNCTION mine(a int) RETURNS int LANGUAGE plpython3u AS $$\n"
               "if a < 0:\n"
               "    plpy.error('a must be >= 0', sqlstate='22023', hint='pass a positive a')\n"
               "return plpy.execute('SELECT 2 * %d AS v' % a)[0]['v']\n$$")
    assert db.execute("SELECT mine(21)").fetchone()[0] == 42
    diag = error_of(db, "SELECT mine(-1)").diag
    assert diag.sqlstate == "22023"
    assert diag.message_primary == "plpy.Error: a must be >= 0"
    assert diag.message_hint == "pass a positive a"
    assert diag.context.startswith(TRACEBACK + '\n  PL/Python function "mine", line 3, in <module>')
    # a Python bug of the user's: its class and traceback, as PL/Python reports it
    db.execute("CREATE FUNCTION bug() RETURNS int LANGUAGE plpython3u AS $$ return 1 // 0 $$")
    diag = error_of(db, "SELECT bug()").diag
    assert diag.sqlstate == "38000"
    assert diag.message_primary == "ZeroDivisionError: integer division or modulo by zero"
    assert diag.context.startswith(TRACEBACK)
    # and indb_ml's errors are still cleaned after them
    assert error_of(db, MISSING).diag.message_primary == "source_table 'nope' does not exist"


def test_the_traceback_goes_to_the_server_log_at_debug2(db):
    """With log_min_messages = debug2 the server log has the Python traceback, as a DEBUG
    message just before the (clean) ERROR; at the default level it has neither."""
    log = Path(db.execute("SELECT current_setting('data_directory')").fetchone()[0]).parent / "server.log"
    table = f"nope_{uuid.uuid4().hex[:8]}"
    start = log.stat().st_size
    db.execute("SET log_min_messages = debug2")
    error_of(db, "SELECT indb_ml.linregr_train(%s, 'o', 'y', 'x')", [table])
    db.execute("RESET log_min_messages")
    with open(log, errors="replace") as f:
        f.seek(start)
        text = f.read()
    debug = text.index("DEBUG:  indb_ml: linregr_train failed; the Python traceback of the error that follows:")
    error = text.index(f"ERROR:  source_table '{table}' does not exist")
    assert debug < error
    traceback = text[debug:error]
    assert "Traceback (most recent call last):" in traceback
    assert 'indb_ml/core/relations.py' in traceback or "relations.py" in traceback, traceback
    assert f"InputError: source_table '{table}' does not exist" in traceback
    assert "plpy.Error" not in text[error:error + 200]

    table2 = f"nope_{uuid.uuid4().hex[:8]}"
    start = log.stat().st_size
    error_of(db, "SELECT indb_ml.linregr_train(%s, 'o', 'y', 'x')", [table2])
    with open(log, errors="replace") as f:
        f.seek(start)
        text = f.read()
    assert f"ERROR:  source_table '{table2}' does not exist" in text
    assert "Traceback" not in text


def test_the_debug_traceback_reaches_a_client_that_asks(db):
    """client_min_messages = debug2 shows the traceback to the client as well (a NOTICE-like
    message before the error), for a developer at psql."""
    notices = []
    db.add_notice_handler(lambda d: notices.append((d.severity_nonlocalized, d.message_primary)))
    db.execute("SET client_min_messages = debug2")
    try:
        error_of(db, MISSING)
    finally:
        db.execute("RESET client_min_messages")
    tracebacks = [m for s, m in notices if s == "DEBUG" and "Python traceback" in m]
    assert len(tracebacks) == 1
    assert "InputError: source_table 'nope' does not exist" in tracebacks[0]


def test_parallel_workers(db):
    """PL/Python can run no SQL in parallel mode, so an entry there must not try to load the
    module (it would fail with 25000): an aggregate whose PL/Python final step runs in a
    worker still works, and an entry's error in a worker is cleaned by the leader (which has
    the module loaded; PostgreSQL loads it into the workers too)."""
    db.execute("SET force_parallel_mode = on")  # fresh backend: the module is not loaded yet
    assert db.execute("SELECT (indb_ml.linregr(y, ARRAY[1, x])).coef FROM t").fetchone()[0] == pytest.approx([0, 1])
    assert error_of(db, MISSING).diag.message_primary == "source_table 'nope' does not exist"
    bad = "SELECT indb_ml._linregr_final(convert_to(x::text, 'UTF8')) FROM t"
    diag = error_of(db, bad).diag
    assert diag.sqlstate == "XX001"
    assert diag.message_primary.startswith("linregr_final: malformed state or tile argument")
    assert diag.context == 'PL/Python function "_linregr_finalize"\nparallel worker'
    assert_clean(diag)
    before = raw(db, bad).diag
    assert before.message_primary == "plpy.Error: " + diag.message_primary
    assert before.context.startswith(TRACEBACK) and before.context.endswith("\nparallel worker")


@pytest.mark.parametrize("message, shown", [
    ("spiexceptions.DivisionByZero: inner", "inner"),  # a relayed error: both prefixes go
    ("plpy.SPIError: plpy.Fatal: x", "x"),
    ("", "plpy.Error: "),  # nothing would be left: kept as it is
    ("spiexceptions.A1_b: ", "spiexceptions.A1_b: "),
    ("spiexceptions.: x", "spiexceptions.: x"),  # not a class name
    ("spiexceptions.1x: y", "spiexceptions.1x: y"),
    ("ValueError: v", "ValueError: v"),  # only PL/Python's own classes are taken off
    ("two\nlines: plpy.Error: z", "two\nlines: plpy.Error: z"),
])
def test_prefixes_of_odd_messages(db, message, shown):
    """The hook's reading of messages, through a PL/Python function with a frame named as
    sql_entry's wrapper (which is how the hook recognises indb_ml's errors)."""
    db.execute("SELECT indb_ml._check_interrupts()")  # loads the module: its hook is in place
    db.execute("CREATE FUNCTION odd(m text) RETURNS int LANGUAGE plpython3u AS $$\n"
               "def indb_ml_sql_entry():\n"
               "    raise plpy.Error(m)\n"
               "indb_ml_sql_entry()\n$$")
    diag = error_of(db, "SELECT odd(%s)", [message]).diag
    assert diag.message_primary == shown
    assert diag.context == 'PL/Python function "odd"'


def test_a_frame_named_almost_like_the_wrapper_is_not_cleaned(db):
    db.execute("SELECT indb_ml._check_interrupts()")
    db.execute("CREATE FUNCTION near() RETURNS int LANGUAGE plpython3u AS $$\n"
               "def indb_ml_sql_entry_x():\n"
               "    plpy.error('near')\n"
               "indb_ml_sql_entry_x()\n$$")
    diag = error_of(db, "SELECT near()").diag
    assert diag.message_primary == "plpy.Error: near"
    assert diag.context.startswith(TRACEBACK)
