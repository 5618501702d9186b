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

import psycopg
import pytest
from psycopg import errors as E

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
