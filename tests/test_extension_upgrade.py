"""ALTER EXTENSION indb_ml UPDATE from 0.1.0 (migrations/indb_ml--0.1.0--0.2.0.sql) keeps the models.

Each test makes its own databases in the test cluster: one with ``CREATE EXTENSION indb_ml
VERSION '0.1.0'`` (the frozen install script of commit 6b8b459), whose catalog gets model
rows, then ``ALTER EXTENSION indb_ml UPDATE``; and one with a fresh ``CREATE EXTENSION indb_ml``
to compare with, object by object.

0.1.0's trainers cannot run here: their SQL calls into the server's Python package, which is
0.2.0's (there is one per server), and 0.2.0's drivers call SQL helpers 0.1.0 does not have
(``indb_ml._check_interrupts()``, the memory budget, progress). So the 0.1.0 models are made
the way 0.1.0's ``linregr_train`` / ``logregr_train`` left them: an output table with the
coefficients (computed here with numpy) and the catalog row inserted by the training role
with the INSERT of 0.1.0's ``indb_ml/models/catalog.py`` (0.1.0 let every role insert its rows).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import uuid

import numpy as np
import psycopg
import pytest
from psycopg import sql

from indb_ml import build_sql
from indb_ml.cli.server import find_bindir

N = 60
# sha256 of migrations/indb_ml--0.1.0.sql after its 7 header lines: `git show
# 6b8b459:migrations/indb_ml--0.1.0.sql | sha256sum`, the 0.1.0 release's install script.
FROZEN_010 = "3a26a0cc025c4ab857668487b455dc4710701d971b5d29944cb4cbd96f0a8869"

# The object-level description of every member of the extension, by kind (names, never OIDs).
MEMBERS = """
SELECT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid) AS obj,
       pg_catalog.obj_description(d.objid, c.relname) AS comment
FROM pg_depend d JOIN pg_class c ON c.oid = d.classid
WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'indb_ml')
"""
ROUTINES = """
SELECT p.oid::regprocedure::text, p.prokind, pg_get_function_arguments(p.oid), pg_get_function_result(p.oid),
       p.provolatile, p.proparallel, p.proisstrict, p.prosecdef, p.proconfig, p.proretset, l.lanname,
       md5(p.prosrc), p.probin, COALESCE(p.proacl, acldefault('f', p.proowner))::text, pg_get_userbyid(p.proowner),
       a.aggtransfn::regprocedure::text, a.aggcombinefn::regproc::text, a.aggfinalfn::regproc::text,
       format_type(a.aggtranstype, NULL), a.agginitval, a.aggfinalmodify, a.aggserialfn::regproc::text
FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang LEFT JOIN pg_aggregate a ON a.aggfnoid = p.oid
WHERE p.pronamespace = 'indb_ml'::regnamespace
"""
RELATIONS = """
SELECT c.relname, c.relkind,
       COALESCE(c.relacl, acldefault(CASE c.relkind WHEN 'S' THEN 's'::"char" ELSE 'r'::"char" END, c.relowner))::text,
       c.relrowsecurity, c.relforcerowsecurity, c.reloptions,
       pg_get_userbyid(c.relowner), obj_description(c.oid, 'pg_class'),
       CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END
FROM pg_class c WHERE c.relnamespace = 'indb_ml'::regnamespace
"""
COLUMNS = """
SELECT c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(ad.adbin, ad.adrelid), a.attacl::text, col_description(c.oid, a.attnum)
FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
WHERE c.relnamespace = 'indb_ml'::regnamespace
"""
CONSTRAINTS = """
SELECT conrelid::regclass::text, contypid::regtype::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE connamespace = 'indb_ml'::regnamespace
"""
INDEXES = "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'indb_ml'"
POLICIES = """
SELECT tablename, policyname, permissive, roles::text, cmd, qual, with_check FROM pg_policies
WHERE schemaname = 'indb_ml'
"""
TRIGGERS = """
SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid) FROM pg_trigger
WHERE tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'indb_ml'::regnamespace) AND NOT tgisinternal
"""
TYPES = """
SELECT t.typname, t.typtype, format_type(t.typbasetype, t.typtypmod), t.typacl::text,
       (SELECT array_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum)
        FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0)
FROM pg_type t WHERE t.typnamespace = 'indb_ml'::regnamespace
"""
OPERATORS = """
SELECT oprname, format_type(oprleft, NULL), format_type(oprright, NULL), oprcode::regproc::text,
       format_type(oprresult, NULL) FROM pg_operator WHERE oprnamespace = 'indb_ml'::regnamespace
"""
EXTENSION = """
SELECT extversion, extrelocatable, ARRAY(SELECT x::regclass::text FROM unnest(extconfig) x), extcondition,
       (SELECT nspacl::text FROM pg_namespace WHERE nspname = 'indb_ml'),
       obj_description('indb_ml'::regnamespace, 'pg_namespace')
FROM pg_extension WHERE extname = 'indb_ml'
"""
# pg_dump writes a member's privileges as the difference from these (recorded by the script). The
# update's REVOKE leaves the sequence an explicit owner-only ACL where a fresh install has none:
# the same privileges (acldefault), so such rows are left out.
INIT_PRIVS = """
SELECT pg_describe_object(i.classoid, i.objoid, i.objsubid), i.privtype, i.initprivs::text FROM pg_init_privs i
JOIN pg_depend d ON d.classid = i.classoid AND d.objid = i.objoid AND d.deptype = 'e'
  AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'indb_ml')
LEFT JOIN pg_class c ON i.classoid = 'pg_class'::regclass AND c.oid = i.objoid AND i.objsubid = 0
WHERE i.initprivs IS DISTINCT FROM
      acldefault(CASE c.relkind WHEN 'S' THEN 's'::"char" ELSE 'r'::"char" END, c.relowner)
"""
SNAPSHOT = {"members": MEMBERS, "routines": ROUTINES, "relations": RELATIONS, "columns": COLUMNS,
            "constraints": CONSTRAINTS, "indexes": INDEXES, "policies": POLICIES, "triggers": TRIGGERS,
            "types": TYPES, "operators": OPERATORS, "extension": EXTENSION, "init_privs": INIT_PRIVS}

# 0.1.0's registration (indb_ml/models/catalog.py at 6b8b459), run by the training role.
REGISTER_010 = (
    "INSERT INTO indb_ml.models (name, version, algorithm, parameters, source_table, source_filter, num_rows, "
    "lineage, output_table, output_tables, output_oid, metrics) "
    "SELECT %(name)s, COALESCE(max(version), 0) + 1, %(algorithm)s, %(parameters)s::jsonb, %(source)s, NULL, "
    "%(num_rows)s, %(lineage)s::jsonb, %(out)s, ARRAY[%(out)s], to_regclass(%(out)s)::oid, %(metrics)s::jsonb "
    "FROM indb_ml.models WHERE name = %(name)s RETURNING id, name, version")


def snapshot(conn) -> dict:
    return {kind: sorted((tuple(map(str, row)) for row in conn.execute(query)), key=repr)
            for kind, query in SNAPSHOT.items()}


@pytest.fixture
def cluster(indb_cluster):
    """``cluster.database(version)``: a new database with indb_ml installed at ``version`` (None:
    the default), as an autocommit connection of the cluster's superuser; ``cluster.role(name)``:
    an ordinary role that may create tables in public. All dropped after the test."""
    info = indb_cluster
    admin = psycopg.connect(host=info.host, port=info.port, user=info.user, password=info.password,
                            dbname="postgres", autocommit=True)

    class Cluster:
        dbs: list = []
        roles: list = []
        conns: list = []

        def connect(self, dbname):
            conn = psycopg.connect(host=info.host, port=info.port, user=info.user, password=info.password,
                                   dbname=dbname, autocommit=True)
            self.conns.append(conn)
            return conn

        def database(self, version=None):
            name = f"upgrade_{uuid.uuid4().hex[:10]}"
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            self.dbs.append(name)
            conn = self.connect(name)
            if version is None:
                conn.execute("CREATE EXTENSION indb_ml CASCADE")
            else:
                conn.execute(sql.SQL("CREATE EXTENSION indb_ml VERSION {} CASCADE").format(sql.Literal(version)))
            return conn

        def role(self, name):
            role = f"upg_{name}_{uuid.uuid4().hex[:8]}"
            admin.execute(sql.SQL("CREATE ROLE {}").format(sql.Identifier(role)))
            self.roles.append(role)
            return role

    cl = Cluster()
    cl.dbs, cl.roles, cl.conns = [], [], []
    yield cl
    for conn in cl.conns:
        conn.close()
    for name in cl.dbs:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    for role in cl.roles:
        admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
    admin.close()


def set_role(conn, role):
    conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))


def houses(conn):
    """N rows: price = 10 + 2 tax + 3 size + noise, big = a noisy threshold of price."""
    conn.execute("CREATE TABLE houses AS SELECT i AS id, (i * 7 % 11)::float8 AS tax, (i % 5)::float8 AS size, "
                 "10 + 2 * (i * 7 % 11) + 3 * (i % 5) + sin(i) AS price, "
                 "(10 + 2 * (i * 7 % 11) + 3 * (i % 5) + 4 * sin(3 * i)) > 25 AS big "
                 f"FROM generate_series(1, {N}) i")
    rows = conn.execute("SELECT tax, size, price, big FROM houses ORDER BY id").fetchall()
    x = np.array([[1.0, r[0], r[1]] for r in rows])
    return x, np.array([r[2] for r in rows]), np.array([float(r[3]) for r in rows])


def logistic_fit(x, y):
    """Newton's method for the logistic log-likelihood (the oracle of logregr_train's coef)."""
    beta = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-x @ beta))
        step = np.linalg.solve(x.T @ (x * (p * (1 - p))[:, None]), x.T @ (y - p))
        beta += step
        if np.abs(step).max() < 1e-12:
            break
    return beta


def train_010(conn, role, x, price, big):
    """As ``role`` in a 0.1.0 database: the output tables of linregr_train and logregr_train
    (coefficients from numpy) and their catalog rows, as 0.1.0 registered them."""
    set_role(conn, role)
    lin = np.linalg.lstsq(x, price, rcond=None)[0]
    r2 = 1 - np.sum((price - x @ lin) ** 2) / np.sum((price - price.mean()) ** 2)
    conn.execute("CREATE TABLE houses_lr (coef float8[], r2 float8, std_err float8[], t_stats float8[], "
                 "p_values float8[], condition_no float8, num_rows_processed bigint, "
                 "num_missing_rows_skipped bigint, variance_covariance float8[])")
    conn.execute("INSERT INTO houses_lr (coef, r2, num_rows_processed, num_missing_rows_skipped) "
                 "VALUES (%s, %s, %s, 0)", [list(lin), float(r2), N])
    log = logistic_fit(x, big)
    conn.execute("CREATE TABLE houses_log (coef float8[], log_likelihood float8, std_err float8[], "
                 "z_stats float8[], p_values float8[], odds_ratios float8[], condition_no float8, "
                 "num_rows_processed bigint, num_missing_rows_skipped bigint, num_iterations integer, "
                 "variance_covariance float8[])")
    conn.execute("INSERT INTO houses_log (coef, num_rows_processed, num_missing_rows_skipped, num_iterations) "
                 "VALUES (%s, %s, 0, 6)", [list(log), N])
    ids = []
    for out, algorithm, dependent, trainer, metrics in (
            ("public.houses_lr", "linregr", "price", "linregr_train", {"r2": float(r2)}),
            ("public.houses_log", "logregr", "big", "logregr_train", {})):
        params = {"dependent_varname": dependent, "independent_varname": "ARRAY[1, tax, size]",
                  "grouping_cols": None, "trainer": trainer}
        ids.append(conn.execute(REGISTER_010, {
            "name": out, "algorithm": algorithm, "parameters": json.dumps(params), "source": "public.houses",
            "num_rows": N, "lineage": json.dumps({"relkind": "r", "num_rows": N}), "out": out,
            "metrics": json.dumps(metrics)}).fetchone()[0])
    conn.execute("RESET ROLE")
    return lin, log, ids


@pytest.fixture
def upgraded(cluster):
    """A 0.1.0 database with alice's two models (and the numbers behind them), not yet updated."""
    old = cluster.database("0.1.0")
    assert old.execute("SELECT extversion FROM pg_extension WHERE extname = 'indb_ml'").fetchone()[0] == "0.1.0"
    alice = cluster.role("alice")
    old.execute(sql.SQL("GRANT USAGE, CREATE ON SCHEMA public TO {}").format(sql.Identifier(alice)))
    set_role(old, alice)
    x, price, big = houses(old)
    # matrix_eigen's output table in 0.1.0 (MADlib's): a column of the extension's type
    old.execute("CREATE TABLE eig (row integer, eigen_values indb_ml.complex)")
    old.execute("INSERT INTO eig VALUES (1, ROW(2.5, -1)::indb_ml.complex), (2, ROW(0.5, 1)::indb_ml.complex)")
    old.execute("RESET ROLE")
    lin, log, ids = train_010(old, alice, x, price, big)
    return old, alice, x, lin, log, ids


def test_update_gives_the_fresh_install_and_keeps_the_models(cluster, upgraded):
    old, alice, x, lin, log, ids = upgraded
    # an elastic_net_train row of 0.1.0 (its arguments are col_dep_var, col_ind_var, grouping_col)
    set_role(old, alice)
    old.execute("CREATE TABLE houses_en AS SELECT 1 AS size, ARRAY[2.0, 3.0]::float8[] AS coef_all")
    params = {"col_dep_var": "price", "col_ind_var": "ARRAY[tax, \"size\"]", "regress_family": "gaussian",
              "alpha": 1, "lambda_value": 0.1, "grouping_col": "size", "trainer": "elastic_net_train"}
    ids.append(old.execute(REGISTER_010, {
        "name": "public.houses_en", "algorithm": "elastic_net", "parameters": json.dumps(params),
        "source": "public.houses", "num_rows": N, "lineage": "{}", "out": "public.houses_en",
        "metrics": "{}"}).fetchone()[0])
    old.execute("RESET ROLE")
    before = old.execute("SELECT id, name, version, algorithm, parameters, output_oid, created_by, created_at, "
                         "status FROM indb_ml.models ORDER BY id").fetchall()
    assert [r[0] for r in before] == ids and len(before) == 3
    assert "models_insert" in {r[1] for r in old.execute(POLICIES)}  # 0.1.0's catalog, writable by all

    old.execute("ALTER EXTENSION indb_ml UPDATE")
    assert old.execute("SELECT extversion FROM pg_extension WHERE extname = 'indb_ml'").fetchone()[0] == "0.2.0"
    assert old.execute("SELECT indb_ml.version()").fetchone()[0] == "0.2.0"

    fresh = cluster.database()
    got, want = snapshot(old), snapshot(fresh)
    for kind in SNAPSHOT:
        missing = sorted(set(want[kind]) - set(got[kind]), key=repr)[:5]
        extra = sorted(set(got[kind]) - set(want[kind]), key=repr)[:5]
        assert got[kind] == want[kind], (
            f"{kind}: missing after the update {missing}, left from 0.1.0 {extra}; a change to indb_ml.models "
            "needs its ALTER in sql/upgrade/0.1.0--0.2.0.sql (then `make build-sql`)")
    assert len(want["routines"]) > 400 and len(want["members"]) > 400  # the comparison compared something

    # the rows are the same rows, and 0.1.0's arguments became 0.2.0's terms
    after = old.execute("SELECT id, name, version, algorithm, parameters, output_oid, created_by, created_at, "
                        "status FROM indb_ml.models ORDER BY id").fetchall()
    assert after == before
    terms = old.execute("SELECT dependent_varname, independent_varname, feature_names, feature_exprs, "
                        "grouping_cols FROM indb_ml.models ORDER BY id").fetchall()
    assert terms == [("price", "ARRAY[1, tax, size]", ["intercept", "tax", "size"], ["1", "tax", "size"], None),
                     ("big", "ARRAY[1, tax, size]", ["intercept", "tax", "size"], ["1", "tax", "size"], None),
                     ("price", 'ARRAY[tax, "size"]', ["tax", "size"], ["tax", "size"], ["size"])]
    # a user's table with a column of an unchanged indb_ml type is kept with its values
    assert old.execute("SELECT row, (eigen_values).real, (eigen_values).imag, pg_typeof(eigen_values)::text "
                       "FROM eig ORDER BY row").fetchall() == [(1, 2.5, -1.0, "indb_ml.complex"),
                                                               (2, 0.5, 1.0, "indb_ml.complex")]


def test_old_models_are_usable_and_training_goes_on(cluster, upgraded):
    old, alice, x, lin, log, ids = upgraded
    old.execute("ALTER EXTENSION indb_ml UPDATE")
    set_role(old, alice)
    # 0.2.0's functions on 0.1.0's coefficients, against numpy
    got = [r[0] for r in old.execute("SELECT indb_ml.linregr_predict(m.coef, ARRAY[1, tax, size]) "
                                     "FROM houses, houses_lr m ORDER BY id")]
    np.testing.assert_allclose(got, x @ lin, rtol=1e-12)
    got = [r[0] for r in old.execute("SELECT indb_ml.logregr_predict_prob(m.coef, ARRAY[1, tax, size]) "
                                     "FROM houses, houses_log m ORDER BY id")]
    np.testing.assert_allclose(got, 1 / (1 + np.exp(-x @ log)), rtol=1e-12)
    # by name, through the catalog: the terms the update filled in
    got = [r[0] for r in old.execute("SELECT prediction FROM indb_ml.predict('public.houses_lr', 'houses', 'id') "
                                     "ORDER BY id::int")]
    np.testing.assert_allclose(got, x @ lin, rtol=1e-12)
    coefs = old.execute("SELECT term, coef FROM indb_ml.model_coefficients('public.houses_log') "
                        "ORDER BY term_index").fetchall()
    assert [t for t, _ in coefs] == ["intercept", "tax", "size"]
    np.testing.assert_allclose([c for _, c in coefs], log, rtol=1e-12)
    # the registry: alice owns her 0.1.0 names, deploys them, and trains the next version
    assert old.execute("SELECT known, owner FROM indb_ml.model_owner('public.houses_lr')").fetchone() == (True, alice)
    old.execute("SELECT indb_ml.model_deploy('public.houses_lr')")
    assert old.execute("SELECT name, version FROM indb_ml.deployed_models").fetchall() == [("public.houses_lr", 1)]
    old.execute("SET indb_ml.model_name = 'public.houses_lr'")
    old.execute("SELECT indb_ml.linregr_train('houses', 'houses_lr2', 'price', 'ARRAY[1, tax, size]')")
    old.execute("RESET indb_ml.model_name")
    rows = old.execute("SELECT id, version, created_by, status FROM indb_ml.models WHERE name = 'public.houses_lr' "
                       "ORDER BY version").fetchall()
    assert [(v, c, s) for _, v, c, s in rows] == [(1, alice, "deployed"), (2, alice, "active")]
    assert rows[1][0] > max(ids)  # the kept sequence goes on past 0.1.0's ids
    coef = old.execute("SELECT coef FROM houses_lr2").fetchone()[0]
    np.testing.assert_allclose(coef, lin, rtol=1e-9)
    old.execute("SELECT indb_ml.logregr_train('houses', 'houses_log2', 'big', 'ARRAY[1, tax, size]')")
    np.testing.assert_allclose(old.execute("SELECT coef FROM houses_log2").fetchone()[0], log, rtol=1e-6)
    assert old.execute("SELECT version, created_by FROM indb_ml.models WHERE name = 'public.houses_log2'"
                       ).fetchall() == [(1, alice)]
    old.execute("RESET ROLE")


def test_an_ordinary_role_has_the_fresh_installs_privileges(cluster, upgraded):
    """0.1.0 let every role insert and update catalog rows and use the sequence; after the update
    an ordinary role has exactly a fresh install's privileges and cannot forge rows."""
    old, alice, *_ = upgraded
    old.execute("ALTER EXTENSION indb_ml UPDATE")
    fresh = cluster.database()
    bob = cluster.role("bob")
    privileges = """
    SELECT c.relname, p, has_table_privilege(%(r)s, c.oid, p) FROM pg_class c,
      unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p
    WHERE c.relnamespace = 'indb_ml'::regnamespace AND c.relkind IN ('r', 'v', 'p')
    UNION ALL
    SELECT c.relname, p, has_sequence_privilege(%(r)s, c.oid, p) FROM pg_class c,
      unnest(ARRAY['USAGE', 'SELECT', 'UPDATE']) p WHERE c.relnamespace = 'indb_ml'::regnamespace AND c.relkind = 'S'
    UNION ALL
    SELECT p.oid::regprocedure::text, 'EXECUTE', has_function_privilege(%(r)s, p.oid, 'EXECUTE') FROM pg_proc p
    WHERE p.pronamespace = 'indb_ml'::regnamespace
    UNION ALL
    SELECT 'schema', p, has_schema_privilege(%(r)s, 'indb_ml', p) FROM unnest(ARRAY['USAGE', 'CREATE']) p
    """
    got = sorted(old.execute(privileges, {"r": bob}).fetchall())
    want = sorted(fresh.execute(privileges, {"r": bob}).fetchall())
    assert got == want
    assert ("models", "INSERT", False) in got and ("models_id_seq", "USAGE", False) in got
    set_role(old, bob)
    assert old.execute("SELECT count(*) FROM indb_ml.models").fetchone()[0] == 0  # alice's tables are hers
    for query in ("INSERT INTO indb_ml.models (name, version, algorithm, output_table, output_tables) "
                  "VALUES ('public.houses_lr', 9, 'linregr', 'x', '{x}')",
                  "UPDATE indb_ml.models SET status = 'retired'",
                  "DELETE FROM indb_ml.models",
                  "SELECT nextval('indb_ml.models_id_seq')"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            old.execute(query)
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="belongs to role"):
        old.execute("SELECT indb_ml.model_deploy('public.houses_lr')")
    old.execute("RESET ROLE")
    assert old.execute("SELECT count(*), bool_and(status = 'active') FROM indb_ml.models").fetchone() == (2, True)


def test_a_failed_update_leaves_0_1_0_as_it_was(cluster, upgraded):
    """The update runs in one transaction: a user's view on an indb_ml function stops it with a
    clear error (2BP01, naming the view), and nothing of 0.1.0 changed; without the view it runs."""
    old, alice, x, lin, *_ = upgraded
    before = snapshot(old)
    rows = old.execute("SELECT * FROM indb_ml.models ORDER BY id").fetchall()
    old.execute("CREATE VIEW my_predictions AS SELECT id, indb_ml.linregr_predict(m.coef, ARRAY[1, tax, size]) AS p "
                "FROM houses, houses_lr m")
    with pytest.raises(psycopg.errors.DependentObjectsStillExist) as err:
        old.execute("ALTER EXTENSION indb_ml UPDATE")
    diag = err.value.diag
    assert "objects outside the extension depend on its objects" in diag.message_primary
    assert "my_predictions" in diag.message_detail and "Nothing was changed" in diag.message_hint
    old.execute("DROP VIEW my_predictions")
    assert snapshot(old) == before
    assert old.execute("SELECT * FROM indb_ml.models ORDER BY id").fetchall() == rows
    # an update rolled back with its transaction leaves 0.1.0 too
    with old.transaction():
        old.execute("ALTER EXTENSION indb_ml UPDATE")
        assert old.execute("SELECT extversion FROM pg_extension WHERE extname = 'indb_ml'").fetchone()[0] == "0.2.0"
        raise psycopg.Rollback()
    assert snapshot(old) == before
    old.execute("ALTER EXTENSION indb_ml UPDATE")
    assert old.execute("SELECT extversion FROM pg_extension WHERE extname = 'indb_ml'").fetchone()[0] == "0.2.0"


def test_the_update_path_is_known_to_postgresql(cluster):
    conn = cluster.database("0.1.0")
    path = conn.execute("SELECT path FROM pg_extension_update_paths('indb_ml') "
                        "WHERE source = '0.1.0' AND target = '0.2.0'").fetchone()
    assert path == ("0.1.0--0.2.0",)
    assert conn.execute("SELECT default_version FROM pg_available_extensions WHERE name = 'indb_ml'"
                        ).fetchone()[0] == "0.2.0"


def test_cli_install_upgrade_updates_0_1_0(cluster, indb_cluster):
    """``indb-ml install`` names the newer version; ``--upgrade`` runs the update."""
    from indb_ml.cli.install import install

    conn = cluster.database("0.1.0")
    info = indb_cluster
    dsn = psycopg.conninfo.make_conninfo(host=info.host, port=info.port, user=info.user, password=info.password,
                                         dbname=conn.info.dbname)
    assert install(dsn) == (f"indb_ml 0.1.0 is already installed in database {conn.info.dbname}; "
                            "0.2.0 is available: use --upgrade")
    assert install(dsn, upgrade=True) == f"indb_ml updated from 0.1.0 to 0.2.0 in database {conn.info.dbname}"
    assert conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'indb_ml'").fetchone()[0] == "0.2.0"


def test_the_0_1_0_install_script_is_frozen():
    """Released install scripts are never regenerated: build_sql writes only the current one."""
    text = (build_sql.ROOT / "migrations" / "indb_ml--0.1.0.sql").read_text()
    body = "".join(text.splitlines(keepends=True)[7:])
    assert hashlib.sha256(body.encode()).hexdigest() == FROZEN_010
    assert build_sql.version() == "0.2.0"
    assert {out.name for out, _ in build_sql.outputs()} == {"indb_ml--0.2.0.sql", "indb_ml--0.1.0--0.2.0.sql"}


def test_the_upgrade_script_is_current():
    """migrations/indb_ml--0.1.0--0.2.0.sql is what build_sql makes of sql/ now (`make build-sql`)."""
    for out, text in build_sql.outputs():
        assert out.read_text() == text, f"run `make build-sql` and commit {out.name}"


def test_statements_split_where_postgresql_does():
    text = ("-- a; comment\nCREATE FUNCTION f() RETURNS text AS $$ SELECT 'x;y' $$ LANGUAGE sql;\n"
            "COMMENT ON FUNCTION f() IS 'it''s; fine';\nDO $tag$ BEGIN PERFORM 1; END $tag$;\n"
            "SELECT \"a;b\", E'\\';' /* c; */;\n-- trailing\n")
    parts = build_sql.statements(text)
    assert "".join(parts) == text
    assert [build_sql._code(p) for p in parts] == [
        "CREATE FUNCTION f() RETURNS text AS $$ SELECT 'x;y' $$ LANGUAGE sql;",
        "COMMENT ON FUNCTION f() IS 'it''s; fine';",
        "DO $tag$ BEGIN PERFORM 1; END $tag$;",
        "SELECT \"a;b\", E'\\';' /* c; */;",
        "",
    ]
    # every statement of the install script is one PostgreSQL statement: the dollar quotes pair up
    for part in build_sql.statements(build_sql.render()):
        assert part.count("$$") % 2 == 0


def test_an_updated_database_dumps_and_restores(cluster, upgraded):
    """pg_dump of an updated database restores into a new one as a fresh 0.2.0 install with the
    0.1.0 models' rows (the catalog stays extension configuration through the update)."""
    old, alice, x, lin, log, ids = upgraded
    old.execute("ALTER EXTENSION indb_ml UPDATE")
    old.execute(sql.SQL("DROP TABLE eig"))
    rows = old.execute("SELECT * FROM indb_ml.models ORDER BY id").fetchall()
    info = old.info
    env = {**os.environ, "PGPASSWORD": info.password or ""}
    args = ["-h", info.host, "-p", str(info.port), "-U", info.user]
    dump = subprocess.run([str(find_bindir() / "pg_dump"), *args, "-d", info.dbname, "-Fc"], env=env,
                          capture_output=True, check=True).stdout
    target = f"upgrade_{uuid.uuid4().hex[:10]}"
    old.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target)))
    cluster.dbs.append(target)
    subprocess.run([str(find_bindir() / "pg_restore"), *args, "-d", target, "--exit-on-error"], input=dump, env=env,
                   capture_output=True, check=True)
    restored = cluster.connect(target)
    assert restored.execute("SELECT * FROM indb_ml.models ORDER BY id").fetchall() == rows
    assert snapshot(restored) == snapshot(cluster.database())
    # (the restored output tables have new OIDs, so by-name use says "dropped": as for any restore)
    np.testing.assert_allclose(restored.execute("SELECT coef FROM houses_lr").fetchone()[0], lin, rtol=1e-12)
    assert restored.execute("SELECT nextval('indb_ml.models_id_seq')").fetchone()[0] == max(ids) + 1


def test_drop_extension_after_the_update(cluster):
    conn = cluster.database("0.1.0")
    conn.execute("ALTER EXTENSION indb_ml UPDATE")
    conn.execute("ALTER EXTENSION indb_ml UPDATE")  # at the newest version: a notice, nothing done
    conn.execute("DROP EXTENSION indb_ml")
    assert conn.execute("SELECT to_regnamespace('indb_ml')").fetchone()[0] is None


def test_an_older_server_package_stops_the_update(cluster):
    """The update needs 0.2.0's Python package: with an older one (here this backend's copy of
    the module says 0.1.0) it stops first, changing nothing (55000, naming the fix)."""
    conn = cluster.database("0.1.0")
    before = snapshot(conn)
    conn.execute("DO $$ import indb_ml; indb_ml.__version__ = '0.1.0' $$ LANGUAGE plpython3u")
    with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState, match="needs the server's Python package") as err:
        conn.execute("ALTER EXTENSION indb_ml UPDATE")
    assert "make setup-server-python" in err.value.diag.message_hint
    assert snapshot(conn) == before


def test_changed_function_privileges_are_listed_to_apply_again(cluster):
    """Grants made on 0.1.0's functions are reset to 0.2.0's (re-granting in the script would make
    them the extension's initial privileges, which pg_dump leaves out); the update's WARNING lists
    the statements, and running them afterwards gives the privileges back."""
    conn = cluster.database("0.1.0")
    alice, bob = cluster.role("alice"), cluster.role("bob")
    predict = "indb_ml.linregr_predict(double precision[], double precision[])"
    conn.execute(f"REVOKE EXECUTE ON FUNCTION {predict} FROM PUBLIC")
    conn.execute(sql.SQL("GRANT EXECUTE ON FUNCTION indb_ml.linregr_predict(double precision[], double precision[]) "
                         "TO {}").format(sql.Identifier(alice)))
    warnings = []
    conn.add_notice_handler(lambda d: warnings.append((d.message_primary, d.message_detail))
                            if d.severity_nonlocalized == "WARNING" else None)  # read while the result lives
    conn.execute("ALTER EXTENSION indb_ml UPDATE")
    assert len(warnings) == 1 and "privileges changed on its functions" in warnings[0][0]
    statements = warnings[0][1].splitlines()
    assert sorted(s.split(" ON ")[0] for s in statements) == ["GRANT EXECUTE", "REVOKE EXECUTE"]

    def may(role):
        return conn.execute("SELECT has_function_privilege(%s, %s, 'EXECUTE')", [role, predict]).fetchone()[0]

    assert may(alice) and may(bob)  # 0.2.0's privileges: EXECUTE for PUBLIC
    for statement in statements:
        conn.execute(statement)
    assert may(alice) and not may(bob)
