"""The embedded server and the command line, against real PostgreSQL clusters.

The clusters live under a fresh /tmp directory with mode 755: when the tests run as
root the server runs as the ``postgres`` user, which cannot enter pytest's own tmp
dirs (mode 700). The extension is not created here (create_extension=False), so
these tests do not depend on indb_ml's extension files being installed.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from indb_ml.cli import CliError
from indb_ml.cli import install as install_mod
from indb_ml.cli.main import main
from indb_ml.cli.server import EmbeddedServer


@pytest.fixture(scope="module")
def base_dir():
    path = Path(tempfile.mkdtemp(prefix="indb_ml_test_", dir="/tmp"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _server(path: Path):
    srv = EmbeddedServer(path)
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def server(base_dir):
    """One cluster shared by the tests that only look at it."""
    yield from _server(base_dir / "shared")


@pytest.fixture(scope="module")
def dsn(server):
    return server.start(create_extension=False)


@pytest.fixture
def own_server(base_dir, request):
    """A cluster of its own, for a test that stops and restarts it."""
    yield from _server(base_dir / request.node.name)


def _with_password(dsn: str, password: str) -> str:
    parts = urlsplit(dsn)
    netloc = f"{parts.username}:{password}@{parts.hostname}:{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def test_start_is_idempotent(server, dsn):
    assert server.start(create_extension=False) == dsn
    assert EmbeddedServer(server.data_dir).start(create_extension=False) == dsn


def test_status_reports_running_server(server, dsn):
    status = server.status()
    assert status["running"] is True
    assert status["port"] == urlsplit(dsn).port
    assert isinstance(status["pid"], int)
    assert status["dsn"] == dsn
    assert status["data_dir"] == str(server.data_dir)
    assert int(status["version"].split(".")[0]) >= 15


def test_dsn_connects_to_database_indb_ml(dsn):
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
        assert conn.execute("SELECT current_database(), current_user").fetchone() == (
            "indb_ml",
            "postgres",
        )


def test_listens_on_loopback_only_with_socket_in_data_dir(server, dsn):
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SHOW listen_addresses").fetchone() == ("127.0.0.1",)
        sockets = conn.execute("SHOW unix_socket_directories").fetchone()[0]
    assert sockets == str(server.data_dir / "run")


def test_wrong_password_is_refused(dsn):
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(_with_password(dsn, "not-the-password"), connect_timeout=10)


def test_password_file_is_private(server, dsn):
    mode = stat.S_IMODE(os.stat(server.data_dir / "password").st_mode)
    assert mode == 0o600


def test_cli_server_dsn_prints_dsn(server, dsn, capsys):
    assert main(["server", "dsn", "--data-dir", str(server.data_dir)]) == 0
    assert capsys.readouterr().out.strip() == dsn


def test_cli_server_status(server, dsn, capsys):
    assert main(["server", "status", "--data-dir", str(server.data_dir)]) == 0
    out = capsys.readouterr().out
    assert "running: True" in out
    assert f"port: {urlsplit(dsn).port}" in out


def test_stop_then_restart_repicks_a_taken_port(own_server):
    first = own_server.start(create_extension=False)
    assert own_server.stop() is True
    assert own_server.status()["running"] is False
    assert own_server.status()["pid"] is None
    assert own_server.stop() is False

    with socket.socket() as squatter:  # another program takes our port meanwhile
        # SO_REUSEADDR: the port may still be in TIME_WAIT from the server's last connections.
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", urlsplit(first).port))
        squatter.listen()
        second = own_server.start(create_extension=False)
    assert urlsplit(second).port != urlsplit(first).port
    assert urlsplit(second).password == urlsplit(first).password
    with psycopg.connect(second) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    own_server.stop()
    assert own_server.status()["running"] is False


def test_cli_dsn_without_server_is_a_one_line_error(base_dir, capsys):
    assert main(["server", "dsn", "--data-dir", str(base_dir / "never_started")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("indb-ml: error: no indb_ml server in")
    assert "indb-ml server start" in err
    assert len(err.strip().splitlines()) == 1


def test_cli_install_unreachable_database_is_a_one_line_error(capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once the socket is closed
    assert main(["install", "--dsn", f"postgresql://postgres@127.0.0.1:{port}/x"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("indb-ml: error: cannot connect to the database")
    assert len(err.strip().splitlines()) == 1


def test_install_names_a_missing_extension(dsn, monkeypatch):
    monkeypatch.setattr(
        install_mod, "REQUIRED_EXTENSIONS", ("plpython3u", "indb_ml_no_such_extension")
    )
    with pytest.raises(CliError, match="lacks the extension") as err:
        install_mod.install(dsn)
    assert "indb_ml_no_such_extension" in str(err.value)
    assert "make setup" in str(err.value)


def test_install_checks_every_module_the_server_code_imports():
    # The kernels import scipy.special: without scipy the first training call would fail, not install.
    assert {"numpy", "scipy", "pyarrow", "indb_ml"} <= set(install_mod.SERVER_MODULES)


def test_install_names_a_module_the_server_python_lacks(dsn, monkeypatch):
    monkeypatch.setattr(install_mod, "REQUIRED_EXTENSIONS", ("plpython3u",))
    monkeypatch.setattr(install_mod, "SERVER_MODULES", ("json", "indb_ml_no_such_module"))
    with pytest.raises(CliError, match="cannot import indb_ml_no_such_module") as err:
        install_mod.install(dsn)
    assert "/usr/bin/python3 -m pip install --break-system-packages indb_ml_no_such_module" in str(
        err.value
    )
