"""A private PostgreSQL cluster for one user: the default server of ``indb-ml``.

Trying indb_ml should not require administering PostgreSQL, and a throwaway
server must not be reachable from the network: this one listens on 127.0.0.1
only, with a random password, and holds database ``indb_ml`` with the
extension created.

    >>> srv = EmbeddedServer(Path("/tmp/indb_ml_demo"))
    >>> srv.start(create_extension=False)
    'postgresql://postgres:...@127.0.0.1:54321/indb_ml'
    >>> srv.stop()

The data dir is ours; PostgreSQL's own files live in ``pgdata/`` because
initdb wants an empty directory and the password must exist before it runs::

    pgdata/      the cluster (indb_ml.conf in it holds our settings)
    password     the superuser's password, mode 600
    port         the TCP port, chosen at the first start
    run/         the Unix socket directory
    server.log   the server's log
    lock         serializes start/stop of this cluster
"""

from __future__ import annotations

import fcntl
import glob
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql

from indb_ml.cli import CliError

MIN_MAJOR = 15
DATABASE = "indb_ml"
EXTENSION = "indb_ml"
SUPERUSER = "postgres"
SERVICE_USER = "postgres"  # the system account that runs the server when we are root
ROOT_DATA_DIR = Path("/var/lib/indb_ml/server")
MAX_SOCKET_DIR = 90  # sun_path holds 107 bytes, and "/.s.PGSQL.NNNNN" needs 15 of them
UNSAFE_PATH_CHARS = set("\"'\\$`\n")  # pg_ctl passes paths through /bin/sh in double quotes


def default_data_dir() -> Path:
    """Where the cluster lives unless the user says otherwise.

    Root gets ``/var/lib/indb_ml/server``: the server runs as the ``postgres``
    user, which cannot enter ``/root`` (mode 700), so a home-based default
    would never work for root.
    """
    env = os.environ.get("INDB_ML_DATA")
    if env:
        return _absolute(env)
    if os.geteuid() == 0:
        return ROOT_DATA_DIR
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return _absolute(base) / "indb_ml" / "server"


def find_bindir() -> Path:
    """The directory of initdb/pg_ctl/postgres, version 15 or newer.

    ``pg_config --bindir`` names the installation the user builds against;
    Debian also keeps every installed major under /usr/lib/postgresql.
    """
    seen = []
    for bindir in _candidate_bindirs():
        major = _server_major(bindir)
        if major is None:
            continue
        if major >= MIN_MAJOR:
            return bindir
        seen.append(f"{major} in {bindir}")
    found = f" (found {', '.join(seen)})" if seen else ""
    raise CliError(
        f"PostgreSQL {MIN_MAJOR} or newer server binaries (initdb, pg_ctl) are needed{found}: "
        f"install e.g. apt package postgresql-{MIN_MAJOR}"
    )


def _candidate_bindirs() -> list[Path]:
    dirs = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], check=False, capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip():
            dirs.append(Path(out.stdout.strip()))
    debian = glob.glob("/usr/lib/postgresql/*/bin")
    dirs += sorted(
        (Path(d) for d in debian), key=lambda d: _version_key(d.parent.name), reverse=True
    )
    return dirs


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", name)) or (0,)


def _server_major(bindir: Path) -> int | None:
    """Major version of the server in bindir, or None if initdb/pg_ctl/postgres are missing."""
    if not all((bindir / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
        return None
    out = subprocess.run(
        [str(bindir / "postgres"), "--version"], check=False, capture_output=True, text=True
    )
    match = re.search(r"(\d+)(?:\.\d+)?", out.stdout)
    return int(match.group(1)) if match else None


def _absolute(path: str | os.PathLike) -> Path:
    """Absolute without resolving symlinks: pg_ctl runs from another working directory."""
    return Path(os.path.abspath(os.path.expanduser(os.fspath(path))))


def _as_root() -> bool:
    return os.geteuid() == 0


def _service_ids() -> tuple[int, int]:
    try:
        entry = pwd.getpwnam(SERVICE_USER)
    except KeyError:
        raise CliError(
            f"running as root, but there is no '{SERVICE_USER}' system user to run the server "
            "(PostgreSQL refuses to run as root): install the postgresql package or run as a normal user"
        ) from None
    return entry.pw_uid, entry.pw_gid


def _own(path: Path) -> None:
    """Hand a file or directory we created to the service user when we are root."""
    if _as_root():
        os.chown(path, *_service_ids())


def _write_file(path: Path, text: str, mode: int) -> None:
    """Write text with the given mode from the start, so a password is never world-readable."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as f:
        os.fchmod(f.fileno(), mode)
        f.write(text)
    _own(path)


def _port_free(port: int) -> bool:
    """Whether PostgreSQL could bind 127.0.0.1:port (it sets SO_REUSEADDR too)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _pick_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _conf_string(value: str) -> str:
    """A postgresql.conf string literal (quotes doubled, backslashes escaped)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def _pick_locale() -> str:
    """C.UTF-8 when the system has it (Unicode-aware upper/lower), else plain C."""
    out = subprocess.run(["locale", "-a"], check=False, capture_output=True, text=True)
    names = {name.lower().replace("-", "") for name in out.stdout.split()}
    return "C.UTF-8" if "c.utf8" in names else "C"


class EmbeddedServer:
    """A PostgreSQL cluster owned by indb-ml, started and stopped on demand.

    ``start`` is idempotent, so every command can call it before connecting.
    A node of a local Citus cluster (:mod:`indb_ml.cli.cluster`) passes ``extra_conf``
    (postgresql.conf lines written after ours at each start) and the cluster's
    ``password`` (used by initdb instead of a fresh random one).
    """

    def __init__(
        self,
        data_dir: Path | None = None,
        *,
        extra_conf: Sequence[str] = (),
        password: str | None = None,
    ) -> None:
        self.data_dir = _absolute(data_dir) if data_dir is not None else default_data_dir()
        self.pgdata = self.data_dir / "pgdata"
        self.extra_conf = list(extra_conf)
        self.password = password
        self._bindir: Path | None = None

    @property
    def bindir(self) -> Path:
        if self._bindir is None:
            self._bindir = find_bindir()
        return self._bindir

    # -- public API ---------------------------------------------------------------

    def start(self, create_extension: bool = True) -> str:
        """Initialize (first time) and start the cluster; return the DSN of database indb_ml."""
        self._prepare_dirs()
        with self._lock():
            if self._pid() is None:
                if not (self.pgdata / "PG_VERSION").exists():
                    self._initdb()
                self._launch()
            self._ensure_database()
        if create_extension:
            self._ensure_extension()
        return self.dsn()

    def stop(self) -> bool:
        """Stop the server (fast shutdown: open sessions are rolled back); False if it was not running."""
        if not self.data_dir.is_dir():
            return False
        with self._lock():
            if self._pid() is None:
                return False
            self._pg_ctl("stop", "-m", "fast", "-w", "-t", "60")
        return True

    def status(self) -> dict:
        """What ``indb-ml server status`` shows: running, data_dir, port, pid, dsn, version."""
        pid = self._pid()
        try:
            dsn = self.dsn()
        except CliError:
            dsn = None  # never started
        return {
            "running": pid is not None,
            "data_dir": str(self.data_dir),
            "port": self._saved_port(),
            "pid": pid,
            "dsn": dsn,
            "version": self._server_version() if pid is not None else None,
        }

    def dsn(self, dbname: str = DATABASE) -> str:
        """A URL for psql and psycopg: ``postgresql://postgres:PASSWORD@127.0.0.1:PORT/DBNAME``."""
        port = self._saved_port()
        try:
            password = (self.data_dir / "password").read_text().strip()
        except OSError:
            password = None
        if port is None or not password:
            raise CliError(f"no indb_ml server in {self.data_dir}: run `indb-ml server start`")
        return f"postgresql://{SUPERUSER}:{quote(password, safe='')}@127.0.0.1:{port}/{quote(dbname, safe='')}"

    # -- directories and processes -------------------------------------------------

    def _prepare_dirs(self) -> None:
        """Create the data dir; when root, make it the service user's and check it can get there."""
        if UNSAFE_PATH_CHARS & set(str(self.data_dir)):
            raise CliError(
                f"the data dir {self.data_dir} contains quotes, '$', '`' or '\\': choose another"
            )
        if _as_root():
            self._check_reachable()
        created = []
        for path in reversed([self.data_dir, *self.data_dir.parents]):
            if not path.exists():
                path.mkdir()
                created.append(path)
        for path in created:
            _own(path)
        _own(self.data_dir)
        os.chmod(self.data_dir, 0o700)
        (self.data_dir / "run").mkdir(mode=0o700, exist_ok=True)
        _own(self.data_dir / "run")

    def _check_reachable(self) -> None:
        """As root, fail early if the postgres user cannot enter the data dir's parents (e.g. /root)."""
        nearest = next(p for p in self.data_dir.parents if p.exists())
        probe = subprocess.run(
            ["runuser", "-u", SERVICE_USER, "--", "test", "-x", str(nearest)], check=False
        )
        if probe.returncode != 0:
            raise CliError(
                f"the server runs as the '{SERVICE_USER}' user, which cannot enter {nearest} "
                "(a directory on the way is not searchable by others): use a data dir it can reach, "
                f"such as {ROOT_DATA_DIR} (the default for root), or `chmod o+x` the parent directories"
            )

    @contextmanager
    def _lock(self) -> Iterator[None]:
        """Serialize start/stop so two commands never initdb or launch the same cluster at once."""
        with open(self.data_dir / "lock", "a") as f:
            _own(self.data_dir / "lock")
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def _run(self, cmd: list[str], what: str) -> subprocess.CompletedProcess:
        """Run a server binary; as root through runuser, since initdb and pg_ctl refuse root."""
        if _as_root():
            _service_ids()
            cmd = ["runuser", "-u", SERVICE_USER, "--", *cmd]
        result = subprocess.run(cmd, cwd=self.data_dir, check=False, capture_output=True, text=True)
        if result.returncode != 0:
            lines = (result.stderr or result.stdout).strip().splitlines()
            raise CliError(
                f"{what} failed: {lines[-1] if lines else 'exit code ' + str(result.returncode)}"
            )
        return result

    def _pg_ctl(self, *args: str) -> subprocess.CompletedProcess:
        cmd = [str(self.bindir / "pg_ctl"), args[0], "-D", str(self.pgdata), "-s", *args[1:]]
        return self._run(cmd, f"pg_ctl {args[0]}")

    def _pid(self) -> int | None:
        """The postmaster's pid if it is alive: what `pg_ctl status` checks, without a subprocess."""
        try:
            pid = int((self.pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
            os.kill(pid, 0)
        except PermissionError:
            return pid  # alive, but owned by another user
        except (OSError, ValueError):
            return None
        return pid

    def _initdb(self) -> None:
        """Create the cluster: password auth for every connection, superuser 'postgres', UTF-8."""
        password_file = self.data_dir / "password"
        _write_file(password_file, (self.password or secrets.token_urlsafe(24)) + "\n", 0o600)
        cmd = [
            str(self.bindir / "initdb"), "-D", str(self.pgdata), "-U", SUPERUSER,
            "--auth=scram-sha-256", f"--pwfile={password_file}",
            "-E", "UTF8", f"--locale={_pick_locale()}",
        ]  # fmt: skip
        self._run(cmd, "initdb")
        with open(self.pgdata / "postgresql.conf", "a") as conf:
            conf.write(
                "\n# Settings of indb-ml, rewritten at each start.\ninclude_if_exists = 'indb_ml.conf'\n"
            )

    def _launch(self) -> None:
        """Start the postmaster on the remembered port (or a new free one) and wait until it accepts connections."""
        self._write_conf(self._choose_port())
        log = self.data_dir / "server.log"
        try:
            self._pg_ctl("start", "-w", "-t", "60", "-l", str(log))
        except CliError:
            tail = log.read_text(errors="replace").strip().splitlines()[-1:] if log.exists() else []
            raise CliError(
                f"PostgreSQL did not start ({'; '.join(tail) or 'no log'}); see {log}"
            ) from None

    def _choose_port(self) -> int:
        """Keep the DSN stable across restarts; pick a new port only if another program took it."""
        port = self._saved_port()
        if port is None or not _port_free(port):
            port = _pick_port()
            _write_file(self.data_dir / "port", f"{port}\n", 0o644)
        return port

    def _saved_port(self) -> int | None:
        try:
            return int((self.data_dir / "port").read_text())
        except (OSError, ValueError):
            return None

    def _write_conf(self, port: int) -> None:
        """Loopback only; the socket dir lives in the data dir (or none, if its path is too long for a socket)."""
        run_dir = str(self.data_dir / "run")
        sockets = run_dir if len(run_dir.encode()) <= MAX_SOCKET_DIR else ""
        lines = [
            f"listen_addresses = {_conf_string('127.0.0.1')}",
            f"port = {port}",
            f"unix_socket_directories = {_conf_string(sockets)}",
            "password_encryption = 'scram-sha-256'",
            *self.extra_conf,
        ]
        _write_file(self.pgdata / "indb_ml.conf", "\n".join(lines) + "\n", 0o600)

    # -- inside the server ----------------------------------------------------------

    def _connect(self, dbname: str) -> psycopg.Connection:
        return psycopg.connect(self.dsn(dbname), autocommit=True, connect_timeout=10)

    def _ensure_database(self) -> None:
        with self._connect("postgres") as conn:
            if not conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)
            ).fetchone():
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))

    def _ensure_extension(self) -> None:
        """Create the extension unless it is there; install() explains what is missing if it fails."""
        from indb_ml.cli.install import install

        with self._connect(DATABASE) as conn:
            if conn.execute(
                "SELECT 1 FROM pg_extension WHERE extname = %s", (EXTENSION,)
            ).fetchone():
                return
        try:
            install(self.dsn())
        except CliError as exc:
            raise CliError(
                f"the server is running, but {exc} (then run `indb-ml server start` again)"
            ) from None

    def _server_version(self) -> str | None:
        try:
            with self._connect("postgres") as conn:
                return conn.execute("SHOW server_version").fetchone()[0]
        except psycopg.Error:
            return None
