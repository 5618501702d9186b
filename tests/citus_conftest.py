"""A local Citus cluster for the tests of distributed tables (registered from conftest.py).

One cluster per test session, started by ``indb-ml cluster``'s own code
(:class:`indb_ml.cli.cluster.LocalCluster`): a coordinator and two workers on
127.0.0.1, ``citus`` and ``indb_ml`` in database ``indb_ml`` of every node. It
lives under a fresh /tmp directory with mode 755, since as root the nodes run
as the ``postgres`` user, which cannot enter pytest's own tmp dirs.

- ``citus_local_cluster``: the :class:`LocalCluster` (to stop and restart a worker);
- ``citus_cluster``: the coordinator's DSN;
- ``citus_conn``: an autocommit connection to the coordinator whose search_path is a
  fresh schema, dropped (with its distributed tables) after the test; new tables are
  distributed over ``CITUS_SHARD_COUNT`` shards.

Without Citus installed for the server the tests fail, naming the fix: ``make setup-citus``
(which ``make test`` runs) builds it. A missing dependency is never a reason to skip.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from indb_ml.cli.cluster import LocalCluster
from indb_ml.cli.server import find_bindir

CITUS_WORKERS = 2
CITUS_SHARD_COUNT = 4  # several shards per worker: partial states are merged, and it stays quick


def citus_installed() -> bool:
    pg_config = find_bindir() / "pg_config"
    out = subprocess.run([str(pg_config), "--sharedir"], check=False, capture_output=True, text=True)
    return out.returncode == 0 and (Path(out.stdout.strip()) / "extension" / "citus.control").is_file()


@pytest.fixture(scope="session")
def citus_local_cluster():
    if not citus_installed():
        pytest.fail("Citus is not installed for this PostgreSQL: run `make setup-citus`")
    base = Path(tempfile.mkdtemp(prefix="indb_ml_citus_", dir="/tmp"))
    base.chmod(0o755)
    cluster = LocalCluster(base / "cluster")
    try:
        cluster.start(workers=CITUS_WORKERS)
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def citus_cluster(citus_local_cluster) -> str:
    """The coordinator's DSN (database indb_ml)."""
    return citus_local_cluster.dsn()


@pytest.fixture
def citus_conn(citus_cluster, request):
    schema = "t_" + re.sub(r"\W+", "_", request.node.name.lower())[:50]
    with psycopg.connect(citus_cluster, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        conn.execute(sql.SQL("SET search_path = {}, public").format(sql.Identifier(schema)))
        conn.execute(sql.SQL("SET citus.shard_count = {}").format(sql.Literal(CITUS_SHARD_COUNT)))
        conn.execute("SET client_min_messages = warning")  # create_distributed_table's NOTICEs
        yield conn
        conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
