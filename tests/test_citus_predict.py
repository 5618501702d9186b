"""Per-row predictions on Citus distributed inputs (a local cluster, tests/citus_conftest.py).

``elastic_net_predict``, ``multinom_predict``, ``ordinal_predict`` and ``cv_linregr_predict`` /
``cv_logregr_predict`` over a distributed table: the output equals the same call on the local
twin, and it is itself a hash-distributed table, by the id column, in the input's colocation
group (created empty, distributed, then filled by one ``INSERT ... SELECT`` that Citus runs on the
shards). A model trained on the local twin serves both calls, so only the prediction is compared.
"""

from __future__ import annotations

import numpy as np
import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row

from tests.citus_conftest import CITUS_SHARD_COUNT
from tests.test_citus import REG_TYPES, assert_rows_close, logistic_data, table_rows, twin
from tests.test_citus_category import TYPES as CATEGORY_TYPES
from tests.test_citus_category import category_data


def placement(conn, table: str) -> tuple[str, str | None, int] | None:
    """(partmethod, distribution column, colocation id) from pg_dist_partition; None if plain."""
    return conn.execute(
        "SELECT partmethod::text, column_to_column_name(logicalrelid, partkey), colocationid "
        "FROM pg_dist_partition WHERE logicalrelid = %s::regclass", (table,)).fetchone()


def assert_distributed_like(conn, out: str, source: str, key: str = "id") -> None:
    got, src = placement(conn, out), placement(conn, source)
    assert got is not None, f"{out} is a plain coordinator table"
    assert got[:2] == ("h", key), f"{out} distributed as {got}"
    assert got[2] == src[2], f"{out} is not colocated with {source}: {got} vs {src}"
    # Every shard of the output holds rows (they were written on the shards, not left empty).
    counts = conn.execute("SELECT result::int FROM run_command_on_shards(%s, 'SELECT count(*) FROM %%s')",
                          (out,)).fetchall()
    assert len(counts) > 1 and all(c[0] > 0 for c in counts), counts


def predict_both(conn, call: str, model: str, source: str, args: tuple = (), out_last: bool = False,
                 order_by: str = "id") -> tuple[list[dict], list[dict]]:
    """``indb_ml.<call>(model, <source>_local|_dist, out, *args)`` (or ``..., *args, out`` with
    ``out_last``, as elastic_net_predict and the cv helpers take it); the outputs of the distributed
    and local calls, after checking the distributed one is distributed like its source."""
    rows = {}
    for kind in ("local", "dist"):
        out = f"p_{kind}"
        values = (model, f"{source}_{kind}", *args, out) if out_last else (model, f"{source}_{kind}", out, *args)
        conn.execute(sql.SQL("SELECT indb_ml.{}({})").format(
            sql.Identifier(call), sql.SQL(", ").join(sql.Placeholder() * len(values))), values)
        rows[kind] = table_rows(conn, out, order_by)
    assert placement(conn, "p_local") is None  # a local input keeps a plain output
    assert_distributed_like(conn, "p_dist", f"{source}_dist")
    return rows["dist"], rows["local"]


@pytest.fixture
def lg(citus_conn):
    data = logistic_data(n=400, seed=31)
    data["yl"] = 1 + data["x1"] - 0.5 * data["x2"] + np.random.default_rng(4).normal(size=400)
    twin(citus_conn, "lg", data, "id", REG_TYPES)
    return citus_conn


@pytest.mark.parametrize("family, dep, grouping", [
    ("gaussian", "yl", None), ("binomial", "y", None), ("gaussian", "yl", "g"),
], ids=["gaussian", "binomial", "grouped"])
def test_elastic_net_predict_distributed(lg, family, dep, grouping):
    lg.execute("SELECT indb_ml.elastic_net_train('lg_local', 'm', %s, 'ARRAY[x1, x2]', %s, 0.5, 0.01, true, %s)",
               (dep, family, grouping))
    got, want = predict_both(lg, "elastic_net_predict", "m", "lg", ("id",), out_last=True)
    assert_rows_close(got, want, rtol=1e-12, what="elastic_net_predict")
    assert len(got) == 400 and list(got[0]) == ["id", "prediction"]


@pytest.mark.parametrize("kind, dep", [("linregr", "yl"), ("logregr", "y")])
def test_cv_predict_distributed(lg, kind, dep):
    lg.execute(f"SELECT indb_ml.{kind}_train('lg_local', 'm', %s, 'ARRAY[1, x1, x2]')", (dep,))
    got, want = predict_both(lg, f"cv_{kind}_predict", "m", "lg", ("ARRAY[1, x1, x2]", "id"), out_last=True)
    assert_rows_close(got, want, rtol=1e-12, what=f"cv_{kind}_predict")
    assert len(got) == 400
    # the metric helper over the distributed predictions and source: a one-row plain table
    metric = "mse_error" if kind == "linregr" else "cv_logregr_accuracy"
    for k in ("local", "dist"):
        lg.execute(f"SELECT indb_ml.{metric}('p_{k}', 'lg_{k}', 'id', %s, 'e_{k}')",
                   (dep if kind == "linregr" else "y > 0.5",))
    e_dist, e_local = table_rows(lg, "e_dist", "1"), table_rows(lg, "e_local", "1")
    assert_rows_close(e_dist, e_local, rtol=1e-12, what=metric)
    assert placement(lg, "e_dist") is None


@pytest.fixture
def cat(citus_conn):
    data = category_data(n=500, seed=33)
    data["x1"][np.isnan(data["x1"])] = 0.25  # the predict functions reject NULL features
    twin(citus_conn, "ct", data, "id", CATEGORY_TYPES)
    return citus_conn


@pytest.mark.parametrize("predict_type", ["response", "probability"])
@pytest.mark.parametrize("grouped", [False, True], ids=["all", "grouped"])
def test_multinom_predict_distributed(cat, predict_type, grouped):
    cat.execute("SELECT indb_ml.multinom('ct_local', 'm', 'y', 'ARRAY[1, x1, x2]', 0, 'logit', %s)",
                ("g" if grouped else None,))
    got, want = predict_both(cat, "multinom_predict", "m", "ct", (predict_type,))
    assert len(got) == 500
    if predict_type == "response":
        assert got == want
    else:
        assert_rows_close(got, want, rtol=1e-12, what="multinom_predict")


@pytest.mark.parametrize("predict_type", ["response", "probability"])
def test_ordinal_predict_distributed(cat, predict_type):
    cat.execute("SELECT indb_ml.ordinal('ct_local', 'm', 'grade', 'ARRAY[x1, x2]', 'lo, mid, hi', 'logit', 'g')")
    got, want = predict_both(cat, "ordinal_predict", "m", "ct", (predict_type,))
    assert len(got) == 500
    if predict_type == "response":
        assert got == want
    else:
        assert_rows_close(got, want, rtol=1e-12, what="ordinal_predict")


def test_predict_source_distributed_by_another_column(citus_conn):
    """A source distributed by its group column: the output is still distributed by the id, in the
    source's colocation group (same key type), and the rows move between the workers only."""
    data = logistic_data(n=300, seed=35)
    local, dist = twin(citus_conn, "lg", data, "g", REG_TYPES)
    citus_conn.execute("SELECT indb_ml.logregr_train('lg_local', 'm', 'y', 'ARRAY[1, x1, x2]')")
    for k in ("local", "dist"):
        citus_conn.execute(f"SELECT indb_ml.cv_logregr_predict('m', 'lg_{k}', 'ARRAY[1, x1, x2]', 'id', 'p_{k}')")
    assert table_rows(citus_conn, "p_dist", "id") == table_rows(citus_conn, "p_local", "id")
    got, src = placement(citus_conn, "p_dist"), placement(citus_conn, dist)
    assert got[:2] == ("h", "id") and got[2] == src[2]


def test_predict_into_a_temporary_table_stays_local(lg):
    """Citus distributes no temporary table: a pg_temp output is filled in one statement on the
    coordinator (cross_validation_general's own %prediction% tables are temporary)."""
    lg.execute("SELECT indb_ml.linregr_train('lg_local', 'm', 'yl', 'ARRAY[1, x1, x2]')")
    lg.execute("SELECT indb_ml.cv_linregr_predict('m', 'lg_dist', 'ARRAY[1, x1, x2]', 'id', 'pg_temp.p_tmp')")
    lg.execute("SELECT indb_ml.cv_linregr_predict('m', 'lg_local', 'ARRAY[1, x1, x2]', 'id', 'p_local')")
    assert placement(lg, "pg_temp.p_tmp") is None
    tmp = lg.cursor(row_factory=dict_row).execute("SELECT * FROM pg_temp.p_tmp ORDER BY id").fetchall()
    assert_rows_close(tmp, table_rows(lg, "p_local", "id"), rtol=1e-12)


def test_predict_insert_runs_on_the_shards(lg):
    """Citus's log of the commands it sends: the prediction runs on every shard of the input (the
    small model table reaches the workers once as an intermediate result) and every shard of the
    output is filled by an ``INSERT`` on its worker; Citus routes the rows between the shards by the
    id (repartitioned INSERT ... SELECT: worker to worker, here node-local as the tables are
    colocated), never through the coordinator."""
    lg.execute("SELECT indb_ml.linregr_train('lg_local', 'm', 'yl', 'ARRAY[1, x1, x2]')")
    sent: list[str] = []
    lg.add_notice_handler(lambda d: sent.append(d.message_primary or ""))
    lg.execute("SET citus.log_remote_commands = on")
    lg.execute("SET client_min_messages = log")
    try:
        lg.execute("SELECT indb_ml.cv_linregr_predict('m', 'lg_dist', 'ARRAY[1, x1, x2]', 'id', 'p_dist')")
    finally:
        lg.execute("RESET citus.log_remote_commands")
        lg.execute("SET client_min_messages = warning")
    inserts = [m for m in sent if m.startswith("issuing INSERT INTO") and ".p_dist_" in m]
    selects = [m for m in sent if "indb_ml.linregr_predict" in m and ".lg_dist_" in m]
    assert len(inserts) == CITUS_SHARD_COUNT, sent
    assert len(selects) == CITUS_SHARD_COUNT, sent


def test_predict_null_id_is_a_clear_error(cat):
    """A NULL id cannot go into the output's distribution column: an error naming the call and the
    column (SQLSTATE 22004, as Citus's own), and no output table."""
    cat.execute("SELECT indb_ml.multinom('ct_local', 'm', 'y', 'ARRAY[1, x1, x2]', 0, 'logit')")
    cat.execute("ALTER TABLE ct_dist ADD COLUMN rid int")
    cat.execute("UPDATE ct_dist SET rid = NULLIF(id, 7)")
    with pytest.raises(psycopg.errors.NullValueNotAllowed, match="multinom_predict: a row of the distributed input "
                       "has a NULL rid"):
        cat.execute("SELECT indb_ml.multinom_predict('m', 'ct_dist', 'p_dist', 'response', false, 'rid')")
    assert cat.execute("SELECT to_regclass('p_dist')").fetchone()[0] is None
