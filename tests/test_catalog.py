"""The model catalog: every training function registers its model; versions, deploy, rollback, lineage."""

from __future__ import annotations

import json
import os
import subprocess

import numpy as np
import psycopg
import pytest

from indb_ml.cli.server import find_bindir
from tests.helpers import load_table

# (algorithm, call with %(out)s for the output table, metric that must be in the catalog row)
TRAINERS = [
    ("linregr", "linregr_train('d', %(out)s, 'y', 'ARRAY[1, x1, x2]')", "r2"),
    ("logregr", "logregr_train('d', %(out)s, 'b', 'ARRAY[1, x1, x2]')", "log_likelihood"),
    ("glm", "glm('d', %(out)s, 'cnt', 'ARRAY[1, x1, x2]', 'family=poisson, link=log')", "log_likelihood"),
    ("mlogregr", "mlogregr_train('d', %(out)s, 'cat', 'ARRAY[1, x1, x2]')", "log_likelihood"),
    ("multinom", "multinom('d', %(out)s, 'cat', 'ARRAY[1, x1, x2]')", "log_likelihood"),
    ("ordinal", "ordinal('d', %(out)s, 'lvl', 'ARRAY[x1, x2]', 'lo, mid, hi')", "log_likelihood"),
    ("elastic_net", "elastic_net_train('d', %(out)s, 'y', 'ARRAY[x1, x2]', 'gaussian', 0.5, 0.1)", "log_likelihood"),
    ("robust_variance_linregr", "robust_variance_linregr('d', %(out)s, 'y', 'ARRAY[1, x1, x2]')", None),
    ("robust_variance_logregr", "robust_variance_logregr('d', %(out)s, 'b', 'ARRAY[1, x1, x2]')", None),
    ("robust_variance_mlogregr", "robust_variance_mlogregr('d', %(out)s, 'cat', 'ARRAY[1, x1, x2]')", None),
    ("clustered_variance_linregr", "clustered_variance_linregr('d', %(out)s, 'y', 'ARRAY[1, x1, x2]', 'firm')",
     "num_clusters"),
    ("clustered_variance_logregr", "clustered_variance_logregr('d', %(out)s, 'b', 'ARRAY[1, x1, x2]', 'firm')",
     "num_clusters"),
    ("clustered_variance_mlogregr",
     "clustered_variance_mlogregr('d', %(out)s, 'cat', 'ARRAY[1, x1, x2]', 'firm')", "num_clusters"),
]
N = 300


@pytest.fixture
def data(postgresql):
    rng = np.random.default_rng(3)
    x1, x2 = rng.normal(size=N), rng.normal(size=N)
    eta = 0.3 + 0.8 * x1 - 0.5 * x2
    load_table(postgresql, "d", {
        "y": 1 + 2 * x1 - x2 + rng.normal(size=N),
        "x1": x1, "x2": x2,
        "b": (rng.random(N) < 1 / (1 + np.exp(-eta))).astype(int),
        "cnt": rng.poisson(np.exp(0.2 + 0.3 * x1)),
        "cat": np.digitize(eta + rng.logistic(size=N), [-0.5, 1.0]),
        "lvl": np.array(["lo", "mid", "hi"])[np.digitize(eta + rng.logistic(size=N), [-0.5, 1.0])],
        "firm": rng.integers(0, 12, size=N), "id": np.arange(N),
    }, {"b": "int", "cnt": "int", "cat": "int", "lvl": "text", "firm": "int", "id": "int"})
    return postgresql


def _row(conn, name):
    cur = conn.execute("SELECT * FROM indb_ml.models WHERE name = %s ORDER BY version", [name])
    cols = [c.name for c in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


@pytest.mark.parametrize("algorithm,call,metric", TRAINERS, ids=[t[0] for t in TRAINERS])
def test_every_trainer_registers_its_model(data, algorithm, call, metric):
    conn = data
    conn.execute("SELECT indb_ml." + call % {"out": "'m_" + algorithm + "'"})
    rows = _row(conn, "public.m_" + algorithm)
    assert len(rows) == 1, f"{algorithm}: expected one catalog row, got {rows}"
    row = rows[0]
    assert row["algorithm"] == algorithm and row["version"] == 1 and row["status"] == "active"
    assert row["source_table"] == "public.d" and row["output_table"] == "public.m_" + algorithm
    assert row["output_oid"] == conn.execute("SELECT 'm_" + algorithm + "'::regclass::oid").fetchone()[0]
    assert row["created_by"] == conn.execute("SELECT current_user").fetchone()[0]
    assert row["parameters"]["trainer"] and "out_table" not in row["parameters"]
    assert row["lineage"]["kind"] == "r"
    if algorithm == "elastic_net":  # its outputs have no row count: the lineage counts the source
        assert row["num_rows"] is None and row["lineage"]["rows"] == N
    else:
        assert row["num_rows"] == N and row["lineage"]["rows_processed"] == N, f"{algorithm}: {row}"
    if metric:
        flat = row["metrics"] if "rows" not in row["metrics"] else row["metrics"]["rows"][0]
        assert metric in flat, f"{algorithm}: metrics {row['metrics']}"
    summary = conn.execute("SELECT to_regclass('m_" + algorithm + "_summary') IS NOT NULL").fetchone()[0]
    assert ("public.m_" + algorithm + "_summary" in row["output_tables"]) == summary


def test_parameters_and_metrics_match_the_outputs(data):
    conn = data
    conn.execute("SELECT indb_ml.linregr_train('d', 'lr', 'y', 'ARRAY[1, x1, x2]', NULL, TRUE)")
    (row,) = _row(conn, "public.lr")
    assert row["parameters"] == {"dependent_varname": "y", "independent_varname": "ARRAY[1, x1, x2]",
                                 "grouping_cols": None, "heteroskedasticity_option": True,
                                 "trainer": "linregr_train"}
    r2, bp = conn.execute("SELECT r2, bp_stats FROM lr").fetchone()
    assert row["metrics"]["r2"] == pytest.approx(r2, rel=1e-15)
    assert row["metrics"]["bp_stats"] == pytest.approx(bp, rel=1e-15)
    assert row["output_tables"] == ["public.lr", "public.lr_summary"]


def test_grouped_model_metrics_per_group_and_rows_counted_once(data):
    conn = data
    conn.execute("SELECT indb_ml.multinom('d', 'mn', 'cat', 'ARRAY[1, x1, x2]', 0, 'logit', 'firm')")
    (row,) = _row(conn, "public.mn")
    per_row = row["metrics"]["rows"]
    assert len(per_row) == conn.execute("SELECT count(*) FROM mn").fetchone()[0]
    assert row["num_rows"] == N  # each group's rows once, not once per category row


def test_failed_training_leaves_no_catalog_row(data):
    conn = data
    conn.commit()
    with pytest.raises(psycopg.errors.DatatypeMismatch):
        conn.execute("SELECT indb_ml.logregr_train('d', 'bad', 'y', 'ARRAY[1, x1]')")  # y is not 0/1
    conn.rollback()
    assert conn.execute("SELECT count(*) FROM indb_ml.models").fetchone()[0] == 0
    conn.execute("BEGIN")
    conn.execute("SELECT indb_ml.linregr_train('d', 'lr', 'y', 'ARRAY[1, x1]')")
    conn.rollback()  # the catalog row goes with the output tables
    assert conn.execute("SELECT count(*) FROM indb_ml.models").fetchone()[0] == 0


def test_versions_deploy_and_rollback(data):
    conn = data
    conn.commit()
    conn.execute("SET indb_ml.model_name = 'houses'")
    for i, cols in enumerate(["x1", "x1, x2", "x2"], 1):
        conn.execute(f"SELECT indb_ml.linregr_train('d', 'lr_v{i}', 'y', 'ARRAY[1, {cols}]')")
    conn.execute("RESET indb_ml.model_name")
    rows = _row(conn, "houses")
    assert [r["version"] for r in rows] == [1, 2, 3]
    assert [r["output_table"] for r in rows] == ["public.lr_v1", "public.lr_v2", "public.lr_v3"]
    assert conn.execute("SELECT count(*) FROM indb_ml.deployed_models").fetchone()[0] == 0

    dep = conn.execute("SELECT (indb_ml.model_deploy('houses', 2)).*").fetchone()
    assert dep is not None
    assert conn.execute("SELECT version, output_table FROM indb_ml.deployed_models").fetchall() == [
        (2, "public.lr_v2")]
    conn.execute("SELECT indb_ml.model_deploy('houses')")  # NULL version: the latest
    assert conn.execute("SELECT version FROM indb_ml.deployed_models").fetchall() == [(3,)]
    assert {r["version"]: r["status"] for r in _row(conn, "houses")} == {1: "active", 2: "active", 3: "deployed"}

    back = conn.execute("SELECT (indb_ml.model_rollback('houses')).version").fetchone()[0]
    assert back == 2
    assert {r["version"]: r["status"] for r in _row(conn, "houses")} == {1: "active", 2: "deployed", 3: "retired"}
    conn.execute("DROP TABLE lr_v1, lr_v1_summary")
    conn.commit()
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="no earlier version"):
        conn.execute("SELECT indb_ml.model_rollback('houses')")
    conn.rollback()
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="dropped or replaced"):
        conn.execute("SELECT indb_ml.model_deploy('houses', 1)")
    conn.rollback()


def test_retrain_into_the_same_table_is_a_new_version(data):
    conn = data
    conn.execute("SELECT indb_ml.linregr_train('d', 'lr', 'y', 'ARRAY[1, x1]')")
    conn.execute("SELECT indb_ml.model_deploy('lr')")  # the table name finds the model
    conn.execute("DROP TABLE lr, lr_summary")
    conn.execute("SELECT indb_ml.linregr_train('d', 'lr', 'y', 'ARRAY[1, x1, x2]')")
    rows = _row(conn, "public.lr")
    assert [(r["version"], r["status"]) for r in rows] == [(1, "retired"), (2, "active")]
    assert conn.execute("SELECT count(*) FROM indb_ml.deployed_models").fetchone()[0] == 0
    conn.execute("SELECT indb_ml.linregr_train('d', 'lr2', 'y', 'ARRAY[1, x1]')")  # a new table: a new model
    assert [r["version"] for r in _row(conn, "public.lr2")] == [1]


def test_lineage_of_a_partitioned_source(postgresql):
    conn = postgresql
    conn.execute("CREATE TABLE p (id int, y float8, x float8) PARTITION BY RANGE (id)")
    conn.execute("CREATE TABLE p_a PARTITION OF p FOR VALUES FROM (0) TO (100)")
    conn.execute("CREATE TABLE p_b PARTITION OF p FOR VALUES FROM (100) TO (1000)")
    conn.execute("CREATE TABLE p_empty PARTITION OF p FOR VALUES FROM (1000) TO (2000)")
    conn.execute("INSERT INTO p SELECT i, i * 0.5 + sin(i), cos(i) FROM generate_series(0, 349) i")
    conn.execute("INSERT INTO p VALUES (7, NULL, 1)")  # skipped, but a row of the source
    conn.execute("SELECT indb_ml.linregr_train('p', 'lr', 'y', 'ARRAY[1, x]')")
    (row,) = _row(conn, "public.lr")
    assert row["lineage"]["kind"] == "p"
    assert row["lineage"]["partitions"] == [{"name": "public.p_a", "rows": 101}, {"name": "public.p_b", "rows": 250},
                                           {"name": "public.p_empty", "rows": 0}]
    assert row["lineage"]["rows"] == 351 and row["num_rows"] == 350
    assert row["lineage"]["snapshot"].count(":") == 2


def test_temporary_models_are_not_registered(data):
    conn = data
    conn.execute("SELECT indb_ml.linregr_train('d', 'pg_temp.scratch', 'y', 'ARRAY[1, x1]')")
    conn.execute("SELECT indb_ml.cross_validation_general('indb_ml.cv_linregr_train', "
                 "'{%data%, \"ARRAY[1, x1]\", y, %model%}'::varchar[], "
                 "'{varchar, varchar, varchar, varchar}'::varchar[], NULL, NULL, 'indb_ml.cv_linregr_predict', "
                 "'{%model%, %data%, \"ARRAY[1, x1]\", %id%, %prediction%}', "
                 "'{text, text, text, text, text}', 'indb_ml.mse_error', '{%prediction%, %data%, %id%, y, %error%}', "
                 "'{text, text, text, text, text}', 'd', 'id', TRUE, 'cv', NULL, 3)")
    assert conn.execute("SELECT count(*) FROM cv").fetchone()[0] == 1  # the folds were trained
    assert conn.execute("SELECT count(*) FROM indb_ml.models").fetchone()[0] == 0


def test_view_source_records_its_filter(data):
    conn = data
    conn.execute("CREATE VIEW recent AS SELECT * FROM d WHERE x1 > 0")
    conn.execute("SELECT indb_ml.linregr_train('recent', 'lr', 'y', 'ARRAY[1, x1]')")
    (row,) = _row(conn, "public.lr")
    assert row["source_table"] == "public.recent" and "x1 > " in row["source_filter"]
    assert row["num_rows"] == conn.execute("SELECT count(*) FROM d WHERE x1 > 0").fetchone()[0]


def test_catalog_is_dumped_with_the_extension_and_indexed(postgresql):
    conn = postgresql
    config = conn.execute(
        "SELECT array(SELECT unnest(extconfig)::regclass::text ORDER BY 1) FROM pg_extension "
        "WHERE extname = 'indb_ml'").fetchone()[0]
    assert "indb_ml.models" in config and "indb_ml.models_id_seq" in config
    idx = {r[0]: r[1] for r in conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'indb_ml' AND tablename = 'models'")}
    assert "UNIQUE" in idx["models_name_version_key"] and "(name, version)" in idx["models_name_version_key"]
    assert "(algorithm)" in idx["models_algorithm_idx"] and "(created_at)" in idx["models_created_at_idx"]
    conn.execute("SET enable_seqscan = off")
    plan = "\n".join(r[0] for r in conn.execute(
        "EXPLAIN SELECT * FROM indb_ml.models WHERE name = 'x' AND version = 1"))
    assert "models_name_version_key" in plan


def test_pg_dump_keeps_the_catalog_rows(data):
    conn = data
    conn.execute("SELECT indb_ml.linregr_train('d', 'dumped_lr', 'y', 'ARRAY[1, x1]')")
    conn.commit()
    info = conn.info
    out = subprocess.run(
        [str(find_bindir() / "pg_dump"), "-h", info.host, "-p", str(info.port), "-U", info.user, "-d", info.dbname,
         "--data-only", "--table=indb_ml.models"],
        env={**os.environ, "PGPASSWORD": info.password or ""}, capture_output=True, text=True, check=True).stdout
    assert "COPY indb_ml.models" in out and "public.dumped_lr" in out, out[-2000:]
    full = subprocess.run(
        [str(find_bindir() / "pg_dump"), "-h", info.host, "-p", str(info.port), "-U", info.user, "-d", info.dbname],
        env={**os.environ, "PGPASSWORD": info.password or ""}, capture_output=True, text=True, check=True).stdout
    assert "CREATE EXTENSION IF NOT EXISTS indb_ml" in full and "public.dumped_lr" in full
    assert "setval('indb_ml.models_id_seq'" in full


def test_one_deployed_version_per_name_is_enforced(data):
    conn = data
    conn.execute("SELECT indb_ml.linregr_train('d', 'lr', 'y', 'ARRAY[1, x1]')")
    conn.execute("SET indb_ml.model_name = 'public.lr'")
    conn.execute("SELECT indb_ml.linregr_train('d', 'lr_b', 'y', 'ARRAY[1, x1]')")
    conn.execute("UPDATE indb_ml.models SET status = 'deployed' WHERE version = 1")
    with pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute("UPDATE indb_ml.models SET status = 'deployed' WHERE version = 2")
    conn.rollback()


def test_bad_input_and_usage(data):
    conn = data
    conn.commit()
    with pytest.raises(psycopg.errors.UndefinedTable, match="not in indb_ml.models"):
        conn.execute("SELECT indb_ml.model_deploy('nope')")
    conn.rollback()
    with pytest.raises(psycopg.errors.UndefinedTable, match="version 9"):
        conn.execute("SELECT indb_ml.linregr_train('d', 'lr', 'y', 'ARRAY[1, x1]')")
        conn.execute("SELECT indb_ml.model_deploy('lr', 9)")
    conn.rollback()
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="no deployed version"):
        conn.execute("SELECT indb_ml.linregr_train('d', 'lr', 'y', 'ARRAY[1, x1]')")
        conn.execute("SELECT indb_ml.model_rollback('lr')")
    conn.rollback()
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="must not be empty"):
        conn.execute("SELECT indb_ml.model_deploy(' ')")
    conn.rollback()
    for fn in ("model_deploy", "model_rollback"):
        text = conn.execute(f"SELECT indb_ml.{fn}()").fetchone()[0]
        assert "indb_ml.models" in text and "model_rollback" in text
    # hostile names are just unknown models, never SQL
    with pytest.raises(psycopg.errors.UndefinedTable):
        conn.execute("SELECT indb_ml.model_deploy('x''; DROP TABLE d; --')")
    conn.rollback()
    assert conn.execute("SELECT count(*) FROM d").fetchone()[0] == N
    assert json.loads(json.dumps(True))


def test_roles_manage_only_their_own_catalog_rows(data):
    """Any role may train (its row is registered for it) and sees the rows of models whose tables
    it can read; nobody writes the catalog directly, and only a member of the owning role may
    deploy (tests/test_catalog_security.py has the attacks)."""
    conn = data
    for role in ("cat_alice", "cat_bob"):
        conn.execute(f"CREATE ROLE {role}")
        conn.execute(f"GRANT USAGE, CREATE ON SCHEMA public TO {role}")
        conn.execute(f"GRANT SELECT ON d TO {role}")
    conn.execute("SET ROLE cat_alice")
    conn.execute("SELECT indb_ml.linregr_train('d', 'alice_m', 'y', 'ARRAY[1, x1, x2]')")
    conn.execute("RESET ROLE")
    name, creator = conn.execute("SELECT name, created_by FROM indb_ml.models WHERE output_table LIKE "
                                 "'%%alice_m'").fetchone()
    assert creator == "cat_alice"
    conn.execute("SET ROLE cat_bob")
    assert conn.execute("SELECT count(*) FROM indb_ml.models WHERE name = %s", [name]).fetchone()[0] == 0
    with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
        conn.execute("UPDATE indb_ml.models SET status = 'retired' WHERE name = %s", [name])
    with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
        conn.execute("INSERT INTO indb_ml.models (name, version, algorithm, output_table, output_tables, created_by) "
                     "VALUES ('forged', 1, 'linregr', 'x', '{x}', 'cat_alice')")
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="belongs to role cat_alice"), conn.transaction():
        conn.execute("SELECT indb_ml.model_deploy(%s)", [name])
    conn.execute("RESET ROLE")
    conn.execute("GRANT SELECT ON alice_m TO cat_bob")
    conn.execute("SET ROLE cat_bob")
    assert conn.execute("SELECT count(*) FROM indb_ml.models WHERE name = %s", [name]).fetchone()[0] == 1
    conn.execute("RESET ROLE")
    conn.execute("SET ROLE cat_alice")
    conn.execute("SELECT indb_ml.model_deploy(%s)", [name])
    conn.execute("RESET ROLE")
    assert conn.execute("SELECT status FROM indb_ml.models WHERE name = %s", [name]).fetchone()[0] == "deployed"
