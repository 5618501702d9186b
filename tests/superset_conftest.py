"""Apache Superset for tests/test_superset.py: a real server on 127.0.0.1 and its REST API.

Superset runs from its own virtualenv (``make setup-superset``; its dependencies do not fit the
test venv's), as a gunicorn process with a SQLite metadata database, SECRET_KEY and everything
else in a temporary directory. The test talks to it over HTTP the way a script or a browser does:
a JWT from ``/api/v1/security/login`` and a CSRF token bound to the session cookie for every write.
Screenshots are taken by tests/superset_browser.py, run by the Superset venv's Python (selenium
lives there) with Debian's headless Chromium.

A missing install is a failure, not a skip: CI installs Superset before the tests.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# Keep in step with the Makefile's SUPERSET_VENV (SUPERSET_VERSION).
SUPERSET_VENV = Path(os.environ.get("INDB_ML_SUPERSET_VENV", "/opt/indb_ml-superset-6.1.0"))
BROWSER_SCRIPT = Path(__file__).with_name("superset_browser.py")
ARTIFACTS = Path(__file__).with_name("artifacts")
ADMIN = "admin"
START_TIMEOUT = 180  # seconds for gunicorn to answer /health on 2 shared cores


class SupersetError(AssertionError):
    """An HTTP answer other than the one expected, with Superset's own message."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Superset:
    """A running Superset and an admin's API session (JWT plus CSRF token and cookie)."""

    base: str
    password: str
    home: Path
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)
    headers: dict = field(default_factory=dict)

    def __post_init__(self):
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def call(self, method: str, path: str, body=None) -> tuple[int, object]:
        """(status, decoded JSON or text): every status, for tests that expect an error."""
        req = urllib.request.Request(
            self.base + path, method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={**({"Content-Type": "application/json"} if body is not None else {}),  # a GET with it: 400
                     "Referer": self.base + "/", **self.headers},
        )
        try:
            with self._opener.open(req, timeout=120) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as err:
            status, raw = err.code, err.read()
        try:
            return status, json.loads(raw or b"null")
        except ValueError:
            return status, raw.decode(errors="replace")

    def request(self, method: str, path: str, body=None, expect: int = 200):
        status, answer = self.call(method, path, body)
        if status != expect:
            raise SupersetError(f"{method} {path}: HTTP {status}, expected {expect}: {str(answer)[:2000]}")
        return answer

    def login(self) -> None:
        tokens = self.request("POST", "/api/v1/security/login",
                              {"username": ADMIN, "password": self.password, "provider": "db", "refresh": True})
        self.headers["Authorization"] = "Bearer " + tokens["access_token"]
        self.headers["X-CSRFToken"] = self.request("GET", "/api/v1/security/csrf_token/")["result"]

    def sql(self, database_id: int, query: str, schema: str = "public") -> dict:
        """SQL Lab's synchronous run, as the Run button does (no async workers here)."""
        status, answer = self.call("POST", "/api/v1/sqllab/execute/", {
            "database_id": database_id, "sql": query, "schema": schema, "runAsync": False,
            "queryLimit": 1000, "client_id": secrets.token_hex(5),
        })
        if status != 200:
            raise SupersetError(f"SQL Lab: HTTP {status}: {str(answer)[:2000]}")
        assert answer["status"] == "success", answer
        return answer

    def sql_error(self, database_id: int, query: str, schema: str = "public") -> str:
        """The message SQL Lab shows for a query that fails (an assertion error if it succeeds)."""
        status, answer = self.call("POST", "/api/v1/sqllab/execute/", {
            "database_id": database_id, "sql": query, "schema": schema, "runAsync": False,
            "queryLimit": 1000, "client_id": secrets.token_hex(5),
        })
        assert status != 200, f"expected SQL Lab to fail, it returned {str(answer)[:500]}"
        return " ".join(e["message"] for e in answer["errors"])

    def screenshots(self, shots: list[dict], timeout: float = 300) -> list[dict]:
        """Log in with headless Chromium and save each page as a PNG (tests/superset_browser.py)."""
        job = {"base": self.base, "username": ADMIN, "password": self.password, "shots": shots}
        # Its own process group: on a timeout chromedriver and Chromium go with it.
        proc = subprocess.Popen(
            [str(SUPERSET_VENV / "bin" / "python"), str(BROWSER_SCRIPT)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_clean_env(self.home),
            start_new_session=True,
        )
        try:
            out, err = proc.communicate(json.dumps(job), timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise AssertionError(f"the browser did not finish in {timeout} s") from None
        if proc.returncode != 0:
            raise AssertionError(f"the browser failed ({proc.returncode}):\n{err[-4000:]}")
        return json.loads(out)


def _clean_env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PG", "VIRTUAL_ENV"))}
    env.update(SUPERSET_HOME=str(home), SUPERSET_CONFIG_PATH=str(home / "superset_config.py"),
               FLASK_APP="superset", HOME=str(home))
    return env


def _config(home: Path) -> str:
    return "\n".join([
        "# Written by tests/superset_conftest.py for one test run.",
        f"SECRET_KEY = {secrets.token_urlsafe(42)!r}",
        f"SQLALCHEMY_DATABASE_URI = {'sqlite:///' + str(home / 'superset.db')!r}",
        f"DATA_DIR = {str(home)!r}",
        "AUTH_RATE_LIMITED = False  # the API and the browser both log in",
        "RATELIMIT_ENABLED = False",
        "WTF_CSRF_ENABLED = True",
        "SQLLAB_TIMEOUT = 120",
        "SUPERSET_WEBSERVER_TIMEOUT = 120",
        "LOG_LEVEL = 'WARNING'",
        "",
    ])


def _run(cmd: list[str], env: dict, what: str, log: Path) -> None:
    with open(log, "a") as out:
        out.write(f"\n$ {' '.join(cmd)}\n")
        out.flush()
        done = subprocess.run(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=300)
    if done.returncode != 0:
        raise AssertionError(f"{what} failed ({done.returncode}); the last lines of {log}:\n"
                             + "\n".join(log.read_text(errors="replace").splitlines()[-30:]))


@contextmanager
def running_superset() -> Iterator[Superset]:
    """A fresh Superset on a free loopback port, an admin logged in through the API; stopped and
    its directory removed at the end. The test module's fixture wraps it."""
    exe = SUPERSET_VENV / "bin" / "superset"
    if not exe.exists() or not shutil.which("chromium") or not shutil.which("chromedriver"):
        pytest.fail(f"Apache Superset ({exe}) or Chromium and chromedriver are not installed: "
                    "run `make setup-superset` (CI runs it before the tests)", pytrace=False)
    home = Path(tempfile.mkdtemp(prefix="indb_ml_superset_", dir="/tmp"))
    (home / "superset_config.py").write_text(_config(home))
    env, log, password = _clean_env(home), home / "superset.log", secrets.token_urlsafe(16)
    bin_ = SUPERSET_VENV / "bin"
    _run([str(exe), "db", "upgrade"], env, "superset db upgrade", log)
    _run([str(exe), "fab", "create-admin", "--username", ADMIN, "--firstname", "Ada", "--lastname", "Admin",
          "--email", "admin@example.invalid", "--password", password], env, "superset fab create-admin", log)
    _run([str(exe), "init"], env, "superset init", log)
    port = _free_port()
    with open(log, "a") as out:
        server = subprocess.Popen(
            [str(bin_ / "gunicorn"), "--workers", "1", "--threads", "4", "--timeout", "180",
             "--bind", f"127.0.0.1:{port}", "superset.app:create_app()"],
            env=env, cwd=home, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        app = Superset(base=f"http://127.0.0.1:{port}", password=password, home=home)
        _wait_healthy(app, server, log)
        app.login()
        yield app
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
        shutil.rmtree(home, ignore_errors=True)


def _wait_healthy(app: Superset, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            if app.call("GET", "/health")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
    raise AssertionError(f"Superset did not answer /health (exit code {server.poll()}); {log}:\n{tail}")
