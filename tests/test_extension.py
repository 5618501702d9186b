"""The extension as a user installs it: create, inspect, drop; the server's Python."""

import subprocess

import psycopg
import pytest

from indb_ml import __version__
from indb_ml.build_sql import render, target


def test_committed_install_script_matches_sources():
    assert target().read_text() == render(), "run `make build-sql` and commit migrations/"


def test_extension_objects_and_version(postgresql):
    cur = postgresql.execute("SELECT extversion FROM pg_extension WHERE extname = 'indb_ml'")
    assert cur.fetchone()[0] == __version__
    assert postgresql.execute("SELECT indb_ml.version()").fetchone()[0] == __version__
    names = {r[0] for r in postgresql.execute(
        "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'indb_ml'")}
    assert {"linregr_train", "linregr_predict", "linregr", "server_info"} <= names


def test_every_function_has_comment_and_volatility(postgresql):
    rows = postgresql.execute(
        "SELECT p.oid::regprocedure::text, obj_description(p.oid, 'pg_proc'), p.provolatile, p.proparallel, "
        "p.prokind FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'indb_ml'").fetchall()
    assert rows
    # Aggregates whose steps are sequential (MADlib's IGD: each row's step starts from the last
    # one's): no combine step, and PARALLEL UNSAFE, so no Gather interleaves the workers' rows.
    sequential = {r[0] for r in rows
                  if r[4] == "a" and r[0].startswith(("indb_ml._enet_igd(", "indb_ml._logregr_igd("))}
    assert len(sequential) == 2
    for sig, comment, volatile, parallel, _ in rows:
        assert comment, f"{sig} has no COMMENT"
        if sig in sequential:
            assert parallel == "u", f"{sig} takes rows in order: it must be PARALLEL UNSAFE"
            continue
        # IMMUTABLE functions are PARALLEL SAFE. Functions that query tables through PL/Python's
        # SPI (VOLATILE writers, STABLE readers) are PARALLEL UNSAFE: PL/Python wraps each query in
        # a subtransaction, which PostgreSQL refuses whenever the query runs in parallel mode.
        assert volatile != "i" or parallel == "s", f"{sig} is IMMUTABLE: it should be PARALLEL SAFE"
        assert volatile != "v" or parallel == "u", f"{sig} writes tables: it must not be PARALLEL SAFE"


def test_server_python_has_fast_numpy_and_pyarrow(postgresql):
    info = postgresql.execute("SELECT indb_ml.server_info()").fetchone()[0]
    assert info["indb_ml"] == __version__
    assert int(info["numpy"].split(".")[0]) >= 2
    assert info["pyarrow"]
    assert "openblas" in (info["blas"] or "").lower(), info
    # pyarrow really works inside plpython3u, not only imports.
    postgresql.execute(
        "CREATE FUNCTION pa_sum() RETURNS float8 LANGUAGE plpython3u AS "
        "$$ import pyarrow as pa, pyarrow.compute as pc; return pc.sum(pa.array([1.5, 2.5])).as_py() $$")
    assert postgresql.execute("SELECT pa_sum()").fetchone()[0] == 4.0


def test_drop_extension_removes_everything(postgresql):
    postgresql.execute("DROP EXTENSION indb_ml")
    assert postgresql.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'indb_ml'").fetchone()[0] == 0
    assert postgresql.execute("SELECT count(*) FROM pg_type WHERE typname = 'linregr_result'").fetchone()[0] == 0
    postgresql.execute("CREATE EXTENSION indb_ml")
    assert postgresql.execute("SELECT indb_ml.version()").fetchone()[0] == __version__


def test_help_text(postgresql):
    for call in ("SELECT indb_ml.linregr_train()", "SELECT indb_ml.linregr_train('usage')"):
        text = postgresql.execute(call).fetchone()[0]
        assert "independent_varname" in text and "out_table" in text


def catalog_counts(conn: psycopg.Connection) -> tuple:
    return conn.execute(
        "SELECT (SELECT count(*) FROM pg_namespace), (SELECT count(*) FROM pg_class), "
        "(SELECT count(*) FROM pg_proc), (SELECT count(*) FROM pg_type)").fetchone()


def test_script_refuses_psql(postgresql, dsn):
    script = target()
    assert "\\quit" in script.read_text().splitlines()[1]
    postgresql.execute("DROP EXTENSION indb_ml")
    postgresql.commit()
    before = catalog_counts(postgresql)
    run = subprocess.run(
        ["/usr/bin/psql", "-X", "-v", "ON_ERROR_STOP=1", "-d", dsn, "-f", str(script)],
        capture_output=True, text=True, timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == 'Use "CREATE EXTENSION indb_ml CASCADE" to load this file.', run.stdout
    assert run.stderr == ""
    postgresql.rollback()
    assert postgresql.execute("SELECT to_regnamespace('indb_ml')").fetchone()[0] is None
    assert catalog_counts(postgresql) == before, "psql ran statements past the \\quit guard"


def test_cli_install_creates_then_updates_in_a_fresh_database(postgresql, capsys):
    from indb_ml.cli.main import main

    info = postgresql.info
    with psycopg.connect(host=info.host, port=info.port, user=info.user, password=info.password,
                         dbname=info.dbname, autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS indb_install_test")
        admin.execute("CREATE DATABASE indb_install_test")
    target_dsn = psycopg.conninfo.make_conninfo(host=info.host, port=info.port, user=info.user,
                                                password=info.password, dbname="indb_install_test")
    assert main(["install", "--dsn", target_dsn]) == 0
    assert __version__ in capsys.readouterr().out
    assert main(["install", "--dsn", target_dsn, "--upgrade"]) == 0
    with psycopg.connect(target_dsn) as conn:
        assert conn.execute("SELECT indb_ml.version()").fetchone()[0] == __version__
        extensions = {r[0] for r in conn.execute("SELECT extname FROM pg_extension")}
        assert {"indb_ml", "plpython3u", "vector"} <= extensions


def test_float8_array_from_bytes(postgresql):
    import numpy as np

    values = np.random.default_rng(0).normal(size=1000)
    values[[3, 7]] = [np.nan, np.inf]
    got = postgresql.execute("SELECT indb_ml.float8_array_from_bytes(%s)", [values.tobytes()]).fetchone()[0]
    np.testing.assert_array_equal(np.array(got, dtype=float), values)
    assert postgresql.execute("SELECT indb_ml.float8_array_from_bytes(''::bytea)").fetchone()[0] == []
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="whole number"), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.float8_array_from_bytes('\\x0102'::bytea)")
    # An ordinary role may use the checked constructor, never the unchecked one behind it.
    postgresql.execute("CREATE ROLE indb_plain_user")
    postgresql.execute("SET ROLE indb_plain_user")
    assert postgresql.execute("SELECT indb_ml.float8_array_from_bytes(%s)", [b"\0" * 8]).fetchone()[0] == [0.0]
    with pytest.raises(psycopg.errors.InsufficientPrivilege), postgresql.transaction():
        postgresql.execute("SELECT indb_ml._float8_array_unchecked('\\x00'::bytea, '\\x00'::bytea)")
    postgresql.execute("RESET ROLE")
