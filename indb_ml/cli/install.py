"""Create or upgrade the indb_ml extension in any database, naming what is missing.

PostgreSQL's own errors do not say what to install ("could not open extension
control file", or ``No module named 'numpy'`` deep in a PL/Python traceback on
the first training call). So each prerequisite is checked first, and a failure
names the package and the command that provides it.

    >>> install("postgresql://postgres@db.example/analytics")
    'indb_ml 0.2.0 installed in database analytics'
"""

from __future__ import annotations

import psycopg
from psycopg import sql

from indb_ml.cli import CliError

EXTENSION = "indb_ml"
REQUIRED_EXTENSIONS = ("plpython3u", "vector", EXTENSION)
SERVER_MODULES = ("numpy", "scipy", "pyarrow", "indb_ml")  # the kernels import scipy.special
SERVER_PYTHON = "/usr/bin/python3"  # the interpreter Debian's plpython3u is built against

_EXTENSION_HINTS = {
    "plpython3u": "apt-get install postgresql-plpython3-{major}",
    "vector": "build pgvector for PostgreSQL {major} (see https://github.com/pgvector/pgvector)",
    EXTENSION: "`make install-extension` in indb_ml's source tree",
}

_IMPORT_FAILED = "server Python cannot import modules"  # the message raised below

# Runs inside the server. The module names arrive through a session setting,
# so nothing is pasted into the SQL text.
_IMPORT_CHECK = """
DO $check$
import importlib
names = plpy.execute("SELECT current_setting('indb_ml.check_modules') AS v")[0]["v"].split(",")
failed, reasons = [], []
for name in names:
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed.append(name)
        reasons.append(name + ": " + str(exc))
if failed:
    plpy.error("server Python cannot import modules", detail=",".join(failed), hint="; ".join(reasons))
$check$ LANGUAGE plpython3u
"""


def install(dsn: str, upgrade: bool = False) -> str:
    """Create indb_ml (or, with upgrade, update it to the newest installed version) in dsn's database."""
    try:
        conn = psycopg.connect(dsn, autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        raise CliError(f"cannot connect to the database: {_first_line(exc)}") from None
    with conn:
        check_available(conn)
        check_server_python(conn)
        before = installed_version(conn)
        _create_or_update(conn, update=upgrade and before is not None)
        return _report(conn.info.dbname, before, installed_version(conn), _default_version(conn))


def check_available(conn: psycopg.Connection) -> None:
    """Fail, naming the fix, unless the server has the files of every extension we need."""
    rows = conn.execute(
        "SELECT name FROM pg_available_extensions WHERE name = ANY(%s)",
        (list(REQUIRED_EXTENSIONS),),
    ).fetchall()
    available = {name for (name,) in rows}
    missing = [name for name in REQUIRED_EXTENSIONS if name not in available]
    if missing:
        major = conn.info.server_version // 10000
        fixes = "; ".join(
            f"{name}: "
            + _EXTENSION_HINTS.get(name, "install its extension files").format(major=major)
            for name in missing
        )
        raise CliError(
            f"the database server lacks the extension(s) {', '.join(missing)}. "
            f"Run `make setup` on the database server (as root), or by hand: {fixes}"
        )


def check_server_python(conn: psycopg.Connection) -> None:
    """Fail, naming the modules, unless the server's Python imports what indb_ml's SQL functions need."""
    try:
        conn.execute("CREATE EXTENSION IF NOT EXISTS plpython3u")
        conn.execute(
            "SELECT set_config('indb_ml.check_modules', %s, false)", (",".join(SERVER_MODULES),)
        )
        conn.execute(_IMPORT_CHECK)
    except psycopg.errors.InsufficientPrivilege as exc:
        raise CliError(
            f"connect as a superuser: plpython3u and indb_ml are untrusted extensions ({_first_line(exc)})"
        ) from None
    except psycopg.Error as exc:
        if _IMPORT_FAILED not in (exc.diag.message_primary or ""):  # plpy prefixes "plpy.Error: "
            raise CliError(f"cannot run PL/Python in the server: {_first_line(exc)}") from None
        raise CliError(
            _python_fix(exc.diag.message_detail or "", exc.diag.message_hint or "")
        ) from None


def _python_fix(detail: str, reasons: str) -> str:
    missing = [name for name in detail.split(",") if name]
    fixes = []
    third_party = [name for name in missing if name != "indb_ml"]
    if third_party:
        fixes.append(
            f"sudo {SERVER_PYTHON} -m pip install --break-system-packages {' '.join(third_party)}"
        )
    if "indb_ml" in missing:
        fixes.append(
            f"for indb_ml itself: sudo {SERVER_PYTHON} -m pip install --break-system-packages <indb_ml source dir>"
        )
    return (
        f"the server's Python ({SERVER_PYTHON}, used by plpython3u) cannot import {', '.join(missing)} "
        f"({reasons}). Run `make setup` on the database server, or: {'; '.join(fixes)}"
    )


def installed_version(conn: psycopg.Connection) -> str | None:
    row = conn.execute(
        "SELECT extversion FROM pg_extension WHERE extname = %s", (EXTENSION,)
    ).fetchone()
    return row[0] if row else None


def _default_version(conn: psycopg.Connection) -> str | None:
    """The version CREATE EXTENSION / ALTER EXTENSION UPDATE would install now."""
    row = conn.execute(
        "SELECT default_version FROM pg_available_extensions WHERE name = %s", (EXTENSION,)
    ).fetchone()
    return row[0] if row else None


def _create_or_update(conn: psycopg.Connection, update: bool) -> None:
    ext = sql.Identifier(EXTENSION)
    statement = sql.SQL(
        "ALTER EXTENSION {} UPDATE" if update else "CREATE EXTENSION IF NOT EXISTS {} CASCADE"
    )
    try:
        conn.execute(statement.format(ext))
    except psycopg.Error as exc:
        verb = "update" if update else "create"
        raise CliError(f"could not {verb} extension {EXTENSION}: {_first_line(exc)}") from None


def _report(dbname: str, before: str | None, after: str | None, latest: str | None) -> str:
    if before is None:
        return f"{EXTENSION} {after} installed in database {dbname}"
    if before != after:
        return f"{EXTENSION} updated from {before} to {after} in database {dbname}"
    newer = f"; {latest} is available: use --upgrade" if latest and latest != after else ""
    return f"{EXTENSION} {after} is already installed in database {dbname}{newer}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
