"""Hostile arguments for every SQL function of the extension, found in the installed catalog.

Issue 16: the functions are read from ``pg_proc`` (schema indb_ml), so a function added later
is fuzzed too. Each is called as an ordinary role (no superuser; USAGE on indb_ml comes from
``CREATE EXTENSION``) with base arguments valid for small tables the role owns (derived from
argument names such as ``source_table``/``out_table``/``dependent_varname``, else from the
type), and one argument at a time replaced by a hostile value: injection payloads, quoted
identifiers, 10,000-character names, NULL, '', ``t WHERE false``, a table the role cannot read,
``pg_sleep(10)`` as an expression for text; NULL, -1, 0, 2^31-1, NaN, Infinity, 1e308 for
numbers. Every call must end in a result or a clean error: never SQLSTATE 38000 (a raw Python
exception) or XX000 (internal error), never a crash or a restart, never a table left behind by
a failed call, and the canary table survives. The C state functions are fuzzed by
tests/test_c_fuzz.py and skipped here.
"""

from __future__ import annotations

import random
import time
import uuid

import numpy as np
import psycopg
import pytest
from psycopg import sql

from tests.helpers import load_table

SEED = 16
TEXT_SAMPLES = 9  # hostile text values per text argument (NULL always included); all of them today
NUM_SAMPLES = 6  # hostile numbers per numeric argument (NULL always included); all of them today
TIMEOUT = "5s"

HOSTILE_TEXT = [
    "'; DROP TABLE fz_canary; --",
    '"x"."y"',
    "t" * 10000,
    "",
    "fz_src WHERE false",
    "fz_secret",
    "pg_sleep(10)",
    "x); DROP TABLE fz_canary; --",
    "1/0",
]
HOSTILE_NUM = ["-1", "0", "2147483647", "'NaN'", "'Infinity'", "1e308"]

TEXT_TYPES = {"text", "character varying", "name", "regclass"}
INT_TYPES = {"integer", "bigint", "smallint"}
FLOAT_TYPES = {"double precision", "real", "numeric"}

# Base values by argument name (a substring match, first hit wins), then by type.
BY_NAME = [
    ("out", "OUT"),  # replaced by a fresh table name per call
    ("model_table", "'fz_model'"),
    ("model", "'fz_model'"),
    ("vertex_table", "'fz_v'"),
    ("edge_table", "'fz_e'"),
    ("vertex_id", "'id'"),
    ("edge_args", "'src=src, dest=dst'"),
    ("source", "'fz_src'"),
    ("table", "'fz_src'"),
    ("rel", "'fz_src'"),
    ("dependent", "'y'"),
    ("independent", "'ARRAY[1, x]'"),
    ("features", "'ARRAY[1, x]'"),
    ("grouping", "NULL"),
    ("family", "'gaussian'"),
    ("link", "'identity'"),
    ("method", "NULL"),
    ("optimizer", "NULL"),
    ("params", "NULL"),
    ("col", "'x'"),
    ("expr", "'x'"),
    ("name", "'fz_model'"),
]
BY_TYPE = {
    "text": "'x'", "character varying": "'x'", "name": "'x'", "regclass": "'fz_src'",
    "integer": "3", "bigint": "3", "smallint": "3", "double precision": "0.5", "real": "0.5",
    "numeric": "0.5", "boolean": "false", "double precision[]": "ARRAY[1.0, 2.0]::float8[]",
    "integer[]": "ARRAY[1, 2]", "text[]": "ARRAY['x']", "bytea": "'\\x00'::bytea",
}

# Internal PL/Python state steps that raised 38000 (raw ValueError/TypeError) on forged bytea
# states before errors.state_errors; tested on their own below (XX001 is their clean error).
INTERNAL_STEPS = {
    "_linregr_final": "ValueError 'invalid aggregate state: too short' on a forged bytea state",
    "_matrix_mem_mult_bytes": "ValueError 'buffer is smaller than requested size' on a forged matrix",
    "_matrix_mem_trans_bytes": "ValueError 'buffer is smaller than requested size' on a forged matrix",
    "_tile_mm_combine": "ValueError 'a tile state has at least 16 bytes' on a forged state",
    "_tile_mm_final": "ValueError 'a tile state has at least 16 bytes' on a forged state",
    "_tile_mm_transition": "TypeError on NULL dimensions, ValueError on a tile whose size disagrees",
    "_tile_mv_transition": "ValueError 'buffer size must be a multiple of element size'",
    "_tile_mv_coded_transition": "ValueError 'buffer size must be a multiple of element size'",
    "_tile_mv_combine": "ValueError 'buffer size must be a multiple of element size'",
}


@pytest.fixture
def owned(postgresql):
    postgresql.autocommit = True
    role = f"fz_{uuid.uuid4().hex[:8]}"
    c = postgresql
    c.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(role),
                                                                  sql.Literal(c.info.password)))
    c.execute(sql.SQL("GRANT USAGE, CREATE ON SCHEMA public TO {}").format(sql.Identifier(role)))
    c.execute("CREATE TABLE fz_secret (x float8, y float8)")
    c.execute("REVOKE ALL ON fz_secret FROM PUBLIC")
    c.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
    rng = np.random.default_rng(SEED)
    x = rng.normal(size=30)
    load_table(c, "fz_src", {"id": np.arange(30), "x": x, "y": 2 * x + rng.normal(size=30)})
    c.execute("CREATE TABLE fz_v (id int)")
    c.execute("INSERT INTO fz_v SELECT generate_series(0, 4)")
    c.execute("CREATE TABLE fz_e (src int, dst int)")
    c.execute("INSERT INTO fz_e SELECT i, (i + 1) % 5 FROM generate_series(0, 4) i")
    c.execute("CREATE TABLE fz_canary (v int)")
    c.execute("RESET ROLE")
    yield c, role
    c.execute("RESET ROLE")
    c.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
    c.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def _functions(conn):
    """(name, [(argname, type)]) of every plain function in indb_ml callable by the test, C
    functions excluded (tests/test_c_fuzz.py), and argument types a SQL caller cannot pass."""
    rows = conn.execute(
        """
        SELECT p.oid::regprocedure::text, p.proname,
               CASE WHEN p.proargmodes IS NULL THEN coalesce(p.proargnames[1:p.pronargs], '{}')
                    ELSE ARRAY(SELECT a.n FROM unnest(p.proargnames, p.proargmodes::text[]) a(n, m)
                               WHERE a.m IN ('i', 'b', 'v')) END,
               ARRAY(SELECT format_type(t, NULL) FROM unnest(p.proargtypes) t)
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        JOIN pg_language l ON l.oid = p.prolang
        WHERE n.nspname = 'indb_ml' AND p.prokind = 'f' AND l.lanname <> 'c'
          AND p.prorettype <> 'trigger'::regtype
          AND NOT EXISTS (SELECT 1 FROM unnest(p.proargtypes) t
                          WHERE t IN ('internal'::regtype, 'anyelement'::regtype, 'anyarray'::regtype))
        ORDER BY 1""").fetchall()
    out = []
    for sig, name, names, types in rows:
        names = list(names) + [f"arg{i}" for i in range(len(names), len(types))]
        out.append((sig, name, list(zip(names, types))))
    return out


def _base(argname, typ):
    lower = (argname or "").lower()
    for key, value in BY_NAME:
        if key in lower:
            if value == "OUT" and typ in TEXT_TYPES:
                return "OUT"
            if value != "OUT" and (typ in TEXT_TYPES or value == "NULL"):
                return value
    return BY_TYPE.get(typ, "NULL")


def _tables(conn):
    return {r[0] for r in conn.execute(
        "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE nspname = 'public' AND relkind IN ('r', 'v', 'm')").fetchall()}


def test_every_function_takes_hostile_arguments_cleanly(owned):
    functions = _functions(owned[0])
    assert len(functions) > 50, "the catalog query found too few functions"
    _fuzz(owned, [f for f in functions if f[1] not in INTERNAL_STEPS])


def test_internal_state_functions_refuse_forged_states_cleanly(owned):
    functions = [f for f in _functions(owned[0]) if f[1] in INTERNAL_STEPS]
    assert {f[1] for f in functions} == set(INTERNAL_STEPS), "an internal step is gone: update INTERNAL_STEPS"
    _fuzz(owned, functions)


def _fuzz(owned, functions):
    admin, role = owned
    info = admin.info
    started = admin.execute("SELECT pg_postmaster_start_time()").fetchone()[0]
    rng = random.Random(SEED)
    failures, calls, counter, succeeded = [], 0, 0, 0
    t0 = time.monotonic()
    with psycopg.connect(host=info.host, port=info.port, user=role, dbname=info.dbname,
                         password=info.password, autocommit=True) as c:
        c.execute(f"SET statement_timeout = '{TIMEOUT}'")
        baseline = _tables(c)
        for sig, name, args in functions:
            fn = sql.SQL("indb_ml.{}").format(sql.Identifier(name))
            cases = []
            for i, (argname, typ) in enumerate(args):
                if typ in TEXT_TYPES:
                    values = ["NULL"] + [sql.Literal(v).as_string(c) for v in
                                         rng.sample(HOSTILE_TEXT, TEXT_SAMPLES)]
                elif typ in INT_TYPES or typ in FLOAT_TYPES:
                    values = ["NULL"] + rng.sample(HOSTILE_NUM, NUM_SAMPLES)
                else:
                    continue
                cases += [(i, argname, v) for v in values]
            if not cases:
                cases = [(None, None, None)]
            for i, argname, value in cases:
                counter += 1
                parts = []
                for j, (an, typ) in enumerate(args):
                    v = value if j == i else _base(an, typ)
                    if v == "OUT":
                        v = f"'fz_out_{counter}'"
                    parts.append(sql.SQL("{}::{}").format(sql.SQL(v), sql.SQL(typ)))
                stmt = sql.SQL("SELECT {}({})").format(fn, sql.SQL(", ").join(parts))
                calls += 1
                try:
                    c.execute(stmt).fetchall()
                    ok = True
                    succeeded += 1
                except psycopg.errors.QueryCanceled:
                    ok = False
                except psycopg.Error as e:
                    ok = False
                    if c.broken or c.closed:
                        failures.append((sig, argname, (value or "")[:60], "connection", str(e)[:200]))
                        c = psycopg.connect(host=info.host, port=info.port, user=role, dbname=info.dbname,
                                        password=info.password, autocommit=True)
                        c.execute(f"SET statement_timeout = '{TIMEOUT}'")
                        continue
                    if e.sqlstate in ("38000", "XX000"):
                        failures.append((sig, argname, (value or "")[:60], e.sqlstate,
                                         str(e).splitlines()[0][:200]))
                if not ok:
                    left = _tables(c) - baseline
                    if left:
                        failures.append((sig, argname, (value or "")[:60], "leftover", sorted(left)))
                        for t in left:
                            admin.execute(sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(sql.Identifier(t)))
                else:
                    baseline = _tables(c)
            assert admin.execute("SELECT pg_postmaster_start_time()").fetchone()[0] == started, \
                f"the server restarted during {sig}"
        assert c.execute("SELECT 1").fetchone()[0] == 1
        assert c.execute("SELECT to_regclass('fz_canary') IS NOT NULL").fetchone()[0]
        c.close()
    elapsed = time.monotonic() - t0
    print(f"{len(functions)} functions, {calls} calls ({succeeded} returned) in {elapsed:.1f} s")
    assert not failures, "\n".join(map(str, failures))
