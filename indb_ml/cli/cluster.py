"""A local Citus cluster: one coordinator and N workers, each a private PostgreSQL.

What ``indb-ml server`` is for one server, this is for distributed tables: every
node is an :class:`~indb_ml.cli.server.EmbeddedServer` on 127.0.0.1 with
``shared_preload_libraries = 'citus'``, the workers are registered on the
coordinator, and ``citus`` and ``indb_ml`` exist in database ``indb_ml`` of
every node.

    >>> cluster = LocalCluster(Path("/tmp/indb_ml_citus"))
    >>> cluster.start(workers=2)
    'postgresql://postgres:...@127.0.0.1:54321/indb_ml'
    >>> cluster.stop()

Layout of the data dir::

    password       the superuser's password of every node, mode 600
    workers        the number of workers, remembered for the next start
    coordinator/   an EmbeddedServer directory (pgdata/, port, server.log, ...)
    worker1/ ...   the same for each worker
    lock           serializes start/stop of the cluster

Nodes reach each other with libpq over loopback, authenticated like any client
(scram-sha-256; nothing is trusted). Citus takes the password from its catalog
``pg_dist_authinfo`` (a superuser-only table), filled on every node for the
cluster's own user only. The connections between nodes are plain TCP on
127.0.0.1 (``citus.node_conninfo = 'sslmode=disable'``): nothing leaves the
machine, and scram never sends the password itself.
"""

from __future__ import annotations

import fcntl
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg.conninfo import make_conninfo

from indb_ml.cli import CliError
from indb_ml.cli.server import (
    ROOT_DATA_DIR,
    SUPERUSER,
    UNSAFE_PATH_CHARS,
    EmbeddedServer,
    _absolute,
    _own,
    _write_file,
)

HOST = "127.0.0.1"
DEFAULT_WORKERS = 2
MAX_WORKERS = 32

# postgresql.conf lines of every node (after the embedded server's own).
CITUS_CONF = (
    "shared_preload_libraries = 'citus'",
    # Citus's loopback connections (a node to itself) use this name; match the registered one.
    f"citus.local_hostname = '{HOST}'",
    # Loopback only: no TLS between nodes (Citus would otherwise turn ssl on with a
    # self-signed certificate at CREATE EXTENSION).
    "citus.node_conninfo = 'sslmode=disable'",
    # No phone-home statistics.
    "citus.enable_statistics_collection = off",
    # Multi-shard writes commit with two-phase commit.
    "max_prepared_transactions = 64",
)


def default_cluster_dir() -> Path:
    """``$INDB_ML_CLUSTER_DATA``, else beside the embedded server's default directory."""
    env = os.environ.get("INDB_ML_CLUSTER_DATA")
    if env:
        return _absolute(env)
    if os.geteuid() == 0:
        return ROOT_DATA_DIR.parent / "cluster"
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return _absolute(base) / "indb_ml" / "cluster"


class LocalCluster:
    """A coordinator and workers owned by indb-ml; ``start`` is idempotent."""

    def __init__(self, data_dir: Path | None = None) -> None:
        self.data_dir = _absolute(data_dir) if data_dir is not None else default_cluster_dir()

    # -- nodes ------------------------------------------------------------------------

    def node(self, name: str) -> EmbeddedServer:
        """The EmbeddedServer of ``"coordinator"`` or ``"worker<i>"`` (i from 1)."""
        password = self._read_password()
        return EmbeddedServer(self.data_dir / name, extra_conf=CITUS_CONF, password=password)

    @property
    def coordinator(self) -> EmbeddedServer:
        return self.node("coordinator")

    def worker(self, i: int) -> EmbeddedServer:
        return self.node(f"worker{i}")

    def workers(self) -> list[EmbeddedServer]:
        return [self.worker(i) for i in range(1, self._saved_workers() + 1)]

    # -- public API ---------------------------------------------------------------------

    def start(self, workers: int | None = None) -> str:
        """Initialize (first time) and start every node, register the workers; return the DSN."""
        self._prepare_dir()
        with self._lock():
            count = self._worker_count(workers)
            self._ensure_password()
            _write_file(self.data_dir / "workers", f"{count}\n", 0o644)
            nodes = [self.coordinator] + [self.worker(i) for i in range(1, count + 1)]
            before = [node._saved_port() for node in nodes]
            for node in nodes:
                node.start(create_extension=False)
            for node in nodes:
                self._prepare_node(node)
            self._register(nodes, before)
        return self.dsn()

    def stop(self) -> bool:
        """Stop every node (coordinator first); False if none was running."""
        if not self.data_dir.is_dir():
            return False
        with self._lock():
            stopped = [node.stop() for node in [self.coordinator, *self.workers()]]
        return any(stopped)

    def status(self) -> dict:
        """What ``indb-ml cluster status`` shows: each node, and the workers Citus sees."""
        nodes = {"coordinator": self.coordinator}
        nodes.update((f"worker{i}", w) for i, w in enumerate(self.workers(), 1))
        states = {name: node.status() for name, node in nodes.items()}
        info: dict = {
            "running": all(s["running"] for s in states.values()),
            "data_dir": str(self.data_dir),
            "dsn": states["coordinator"]["dsn"],
            "workers": len(nodes) - 1,
        }
        for name, s in states.items():
            where = f"{HOST}:{s['port']}" if s["port"] else "-"
            info[name] = f"{where} {'running, pid ' + str(s['pid']) if s['running'] else 'stopped'}"
        if states["coordinator"]["running"]:
            info["active_workers"] = self._active_workers()
        return info

    def dsn(self) -> str:
        """The coordinator's DSN (database indb_ml)."""
        if not (self.data_dir / "coordinator").is_dir():
            raise CliError(f"no indb_ml cluster in {self.data_dir}: run `indb-ml cluster start`")
        return self.coordinator.dsn()

    # -- inside the nodes ---------------------------------------------------------------

    def _prepare_node(self, node: EmbeddedServer) -> None:
        """citus, the password Citus uses between nodes, then indb_ml (CASCADE) in database indb_ml."""
        authinfo = make_conninfo(password=self._read_password())
        with _connect(node.dsn()) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS citus")
            conn.execute(
                "INSERT INTO pg_dist_authinfo (nodeid, rolename, authinfo) VALUES (0, %s, %s)"
                " ON CONFLICT (rolename, nodeid) DO UPDATE SET authinfo = EXCLUDED.authinfo",
                (SUPERUSER, authinfo),
            )
            has_ext = conn.execute(
                "SELECT 1 FROM pg_extension WHERE extname = 'indb_ml'"
            ).fetchone()
        if not has_ext:
            from indb_ml.cli.install import install

            try:
                install(node.dsn())
            except CliError as exc:
                raise CliError(
                    f"node {node.data_dir.name} is running, but {exc} "
                    "(then run `indb-ml cluster start` again)"
                ) from None

    def _register(self, nodes: list[EmbeddedServer], before: list[int | None]) -> None:
        """Tell the coordinator where it and each worker listen (add, or move a node whose port changed)."""
        coordinator, workers = nodes[0], nodes[1:]
        with _connect(coordinator.dsn()) as conn:
            registered = {
                port: (nodeid, group)
                for nodeid, port, group in conn.execute(
                    "SELECT nodeid, nodeport, groupid FROM pg_dist_node WHERE nodename = %s", (HOST,)
                )
            }
            port = coordinator._saved_port()
            if registered.get(port, (None, None))[1] != 0:
                conn.execute("SELECT citus_set_coordinator_host(%s, %s)", (HOST, port))
            for worker, old in zip(workers, before[1:]):
                port = worker._saved_port()
                if port in registered:
                    continue
                if old in registered and old != port:
                    conn.execute(
                        "SELECT citus_update_node(%s, %s, %s)", (registered[old][0], HOST, port)
                    )
                else:
                    conn.execute("SELECT citus_add_node(%s, %s)", (HOST, port))

    def _active_workers(self) -> list[str] | str:
        try:
            with _connect(self.coordinator.dsn()) as conn:
                rows = conn.execute(
                    "SELECT node_name, node_port FROM citus_get_active_worker_nodes() ORDER BY 2"
                ).fetchall()
        except psycopg.Error as exc:
            return f"unknown ({str(exc).strip().splitlines()[0]})"
        return [f"{name}:{port}" for name, port in rows]

    # -- files ----------------------------------------------------------------------------

    def _prepare_dir(self) -> None:
        """Create the directory; as root, the postgres user must be able to enter it."""
        if UNSAFE_PATH_CHARS & set(str(self.data_dir)):
            raise CliError(
                f"the data dir {self.data_dir} contains quotes, '$', '`' or '\\': choose another"
            )
        created = []
        for path in reversed([self.data_dir, *self.data_dir.parents]):
            if not path.exists():
                path.mkdir()
                created.append(path)
        for path in created:
            _own(path)
        _own(self.data_dir)
        os.chmod(self.data_dir, 0o700)

    @contextmanager
    def _lock(self) -> Iterator[None]:
        with open(self.data_dir / "lock", "a") as f:
            _own(self.data_dir / "lock")
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def _worker_count(self, requested: int | None) -> int:
        saved = self._saved_workers()
        count = requested if requested is not None else (saved or DEFAULT_WORKERS)
        if not 1 <= count <= MAX_WORKERS:
            raise CliError(f"--workers must be between 1 and {MAX_WORKERS}, not {count}")
        if count < saved:
            raise CliError(
                f"the cluster in {self.data_dir} has {saved} workers; removing workers is not "
                "supported: stop it and delete the directory, or start it with more workers"
            )
        return count

    def _saved_workers(self) -> int:
        try:
            return int((self.data_dir / "workers").read_text())
        except (OSError, ValueError):
            return 0

    def _ensure_password(self) -> None:
        if self._read_password() is None:
            _write_file(self.data_dir / "password", secrets.token_urlsafe(24) + "\n", 0o600)

    def _read_password(self) -> str | None:
        try:
            return (self.data_dir / "password").read_text().strip() or None
        except OSError:
            return None


def _connect(dsn: str) -> psycopg.Connection:
    return psycopg.connect(dsn, autocommit=True, connect_timeout=10)
