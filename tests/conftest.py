"""Real PostgreSQL for the tests: one private cluster, a fresh database per test.

The cluster is started by indb_ml's own embedded server (which runs PostgreSQL as
the ``postgres`` user when the tests run as root, since initdb refuses root);
pytest-postgresql then creates a template database with the extension installed
the way a user installs it (``CREATE EXTENSION indb_ml CASCADE``) and clones it
for every test that asks for ``postgresql``.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict
from pytest_postgresql import factories
from pytest_postgresql.executors.noop import NoopExecutor
from pytest_postgresql.janitor import DatabaseJanitor

from indb_ml.cli.server import EmbeddedServer

pytest_plugins = ["tests.citus_conftest"]  # citus_cluster: a local Citus cluster (test_citus*.py)


@pytest.fixture(scope="session")
def indb_cluster():
    base = Path(tempfile.mkdtemp(prefix="indb_ml_pytest_", dir="/tmp"))
    base.chmod(0o755)
    server = EmbeddedServer(base / "server")
    params = conninfo_to_dict(server.start(create_extension=False))
    proc = NoopExecutor(
        host=params["host"],
        port=params["port"],
        user=params["user"],
        password=params["password"],
        options="",
        dbname="indb_test",
    )
    try:
        with DatabaseJanitor(
            user=proc.user, host=proc.host, port=proc.port, password=proc.password,
            dbname=proc.template_dbname, as_template=True,
        ) as janitor:
            janitor.load(_create_extension)
            yield proc
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


def _create_extension(host, port, user, dbname, password, **_):
    with psycopg.connect(host=host, port=port, user=user, dbname=dbname, password=password) as conn:
        conn.execute("CREATE EXTENSION indb_ml CASCADE")


postgresql = factories.postgresql("indb_cluster")


@pytest.fixture
def dsn(postgresql) -> str:
    """A connection string for the per-test database (for the client and the CLI)."""
    info = postgresql.info
    return psycopg.conninfo.make_conninfo(
        host=info.host, port=info.port, user=info.user, password=info.password, dbname=info.dbname
    )


@pytest.fixture
def alive(postgresql):
    """Asserts, when called, that the server did not crash: the connection under test answers,
    the postmaster did not restart, and a second connection opened before the fuzzing is
    still there (a crashed backend makes the postmaster end every other backend, while
    pg_postmaster_start_time() survives such a crash restart)."""
    info = postgresql.info
    witness = psycopg.connect(host=info.host, port=info.port, user=info.user, password=info.password,
                              dbname=info.dbname, autocommit=True)
    started = witness.execute("SELECT pg_postmaster_start_time()").fetchone()[0]

    def check():
        assert postgresql.execute("SELECT 1").fetchone()[0] == 1
        assert witness.execute("SELECT pg_postmaster_start_time()").fetchone()[0] == started, "the server restarted"

    yield check
    witness.close()
