"""indb_ml on Citus: every result on a distributed table equals the same on a local table.

Each test loads its data twice into its own schema: ``<name>_local`` (a plain table on
the coordinator) and ``<name>_dist`` (``create_distributed_table``, 4 shards over 2
workers), runs the same call on both and compares; the aggregates are also checked
against numpy. The fault tests stop a worker, so they come last.
"""

from __future__ import annotations

import re
import stat

import numpy as np
import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import dict_row

from indb_ml.cli import CliError
from indb_ml.cli.main import main
from tests.citus_conftest import CITUS_SHARD_COUNT, CITUS_WORKERS
from tests.helpers import load_table, seeded_regression


def twin(conn, name: str, columns: dict[str, np.ndarray], dist_col: str, types=None) -> tuple[str, str]:
    """``<name>_local`` and ``<name>_dist`` (distributed by dist_col) holding the same rows."""
    local, dist = f"{name}_local", f"{name}_dist"
    load_table(conn, local, columns, types)
    conn.execute(sql.SQL("CREATE TABLE {} (LIKE {})").format(sql.Identifier(dist), sql.Identifier(local)))
    conn.execute("SELECT create_distributed_table(%s, %s)", (dist, dist_col))
    conn.execute(sql.SQL("INSERT INTO {} SELECT * FROM {}").format(sql.Identifier(dist), sql.Identifier(local)))
    return local, dist


def regression_data(n: int = 600, seed: int = 5) -> dict[str, np.ndarray]:
    X, y = seeded_regression(n, 2, seed=seed)
    y = y.copy()
    y[[7, 70]] = np.nan  # skipped rows are counted on the shards and summed
    return {"id": np.arange(n), "g": np.arange(n) % 3, "y": y, "x1": X[:, 0], "x2": X[:, 1]}


REG_TYPES = {"id": "int", "g": "int"}
LINREGR_FIELDS = ("coef", "r2", "std_err", "t_stats", "p_values", "condition_no",
                  "num_rows_processed", "num_missing_rows_skipped", "variance_covariance")


def linregr_agg(conn, table: str, grouped: bool) -> list[dict]:
    fields = sql.SQL(", ").join(sql.SQL("(r).{}").format(sql.Identifier(f)) for f in LINREGR_FIELDS)
    query = sql.SQL(
        "SELECT g, {fields} FROM (SELECT {g} AS g, indb_ml.linregr(y, ARRAY[1, x1, x2]) AS r "
        "FROM {t} {group_by}) s ORDER BY 1"
    ).format(
        g=sql.SQL("g") if grouped else sql.SQL("0"),
        fields=fields,
        t=sql.Identifier(table),
        group_by=sql.SQL("GROUP BY g") if grouped else sql.SQL(""),
    )
    return conn.cursor(row_factory=dict_row).execute(query).fetchall()


def assert_rows_close(got: list[dict], want: list[dict], rtol: float = 1e-9, what: str = "") -> None:
    assert len(got) == len(want), f"{what}: {len(got)} rows, expected {len(want)}"
    for i, (g, w) in enumerate(zip(got, want)):
        assert g.keys() == w.keys(), f"{what} row {i}: columns {list(g)} vs {list(w)}"
        for key in w:
            if isinstance(w[key], (str, bool)) or w[key] is None:
                assert g[key] == w[key], f"{what} row {i}, {key}: {g[key]!r} != {w[key]!r}"
            else:
                np.testing.assert_allclose(np.array(g[key], dtype=float), np.array(w[key], dtype=float),
                                           rtol=rtol, atol=1e-300, err_msg=f"{what} row {i}, {key}")


def table_rows(conn, table: str, order_by: str) -> list[dict]:
    return conn.cursor(row_factory=dict_row).execute(
        sql.SQL("SELECT * FROM {} ORDER BY {}").format(sql.Identifier(table), sql.SQL(order_by))
    ).fetchall()


def exists(conn, table: str) -> bool:
    return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()[0]


# -- the cluster -------------------------------------------------------------------------------


def test_cluster_has_two_workers_with_both_extensions(citus_conn):
    workers = citus_conn.execute("SELECT node_name, node_port FROM citus_get_active_worker_nodes()").fetchall()
    assert len(workers) == CITUS_WORKERS
    assert {host for host, _ in workers} == {"127.0.0.1"}
    local = dict(citus_conn.execute(
        "SELECT extname, extversion FROM pg_extension WHERE extname IN ('citus', 'indb_ml')").fetchall())
    assert set(local) == {"citus", "indb_ml"}
    for ext, version in local.items():  # run_command_on_workers: the coordinator reaches every worker
        rows = citus_conn.execute(
            "SELECT success, result FROM run_command_on_workers(format("
            "'SELECT extversion FROM pg_extension WHERE extname = %%L', %s::text))", (ext,)
        ).fetchall()
        assert rows == [(True, version)] * CITUS_WORKERS, ext


def test_workers_reach_each_other(citus_local_cluster, citus_conn):
    """Every node reaches every node (libpq, scram); a repartition join moves data between workers."""
    with psycopg.connect(citus_local_cluster.worker(1).dsn(), autocommit=True) as worker:
        rows = worker.execute("SELECT nodeid, success, result FROM run_command_on_all_nodes("
                              "'SELECT inet_server_port()::text')").fetchall()
    assert len(rows) == CITUS_WORKERS + 1 and all(ok for _, ok, _ in rows), rows
    data = {"id": np.arange(300), "k": np.arange(300) % 17}
    _, a = twin(citus_conn, "a", data, "id", {"id": "int", "k": "int"})
    _, b = twin(citus_conn, "b", data, "id", {"id": "int", "k": "int"})
    citus_conn.execute("SET citus.enable_repartition_joins = on")
    count = citus_conn.execute(
        sql.SQL("SELECT count(*) FROM {} x JOIN {} y ON x.k = y.id").format(sql.Identifier(a), sql.Identifier(b))
    ).fetchone()[0]
    assert count == 300


def test_cluster_command_line_and_files(citus_local_cluster, citus_cluster, capsys):
    data_dir = str(citus_local_cluster.data_dir)
    assert main(["cluster", "dsn", "--data-dir", data_dir]) == 0
    assert capsys.readouterr().out.strip() == citus_cluster
    assert main(["cluster", "status", "--data-dir", data_dir]) == 0
    status = dict(line.split(": ", 1) for line in capsys.readouterr().out.strip().splitlines())
    assert status["running"] == "True" and status["workers"] == str(CITUS_WORKERS)
    assert len(status["active_workers"].split(", ")) == CITUS_WORKERS
    assert main(["cluster", "stop", "--workers", "3", "--data-dir", data_dir]) == 1
    assert "--workers goes with" in capsys.readouterr().err
    with pytest.raises(CliError, match="removing workers is not supported"):
        citus_local_cluster.start(workers=1)
    # Passwords: mode 600; every node asks for one, also on loopback.
    for path in [citus_local_cluster.data_dir / "password",
                 *(citus_local_cluster.data_dir.glob("*/password"))]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    params = conninfo_to_dict(citus_cluster)
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(host=params["host"], port=params["port"], user=params["user"], dbname=params["dbname"],
                        password="wrong", connect_timeout=10)


def test_cluster_restart_keeps_ports_and_registration(citus_local_cluster, citus_cluster):
    assert citus_local_cluster.start() == citus_cluster  # running: a no-op
    assert citus_local_cluster.stop()
    assert citus_local_cluster.status()["running"] is False
    assert citus_local_cluster.start() == citus_cluster  # same ports, same password
    with psycopg.connect(citus_cluster, autocommit=True) as conn:
        nodes = conn.execute("SELECT count(*) FROM pg_dist_node").fetchone()[0]
        active = conn.execute("SELECT count(*) FROM citus_get_active_worker_nodes()").fetchone()[0]
    assert (nodes, active) == (CITUS_WORKERS + 1, CITUS_WORKERS)


# -- the linregr aggregate ---------------------------------------------------------------------


@pytest.mark.parametrize("grouped", [False, True], ids=["all", "grouped"])
def test_linregr_aggregate_distributed_equals_local(citus_conn, grouped):
    data = regression_data()
    local, dist = twin(citus_conn, "reg", data, "id", REG_TYPES)
    want = linregr_agg(citus_conn, local, grouped)
    got = linregr_agg(citus_conn, dist, grouped)
    assert_rows_close(got, want, what=f"linregr grouped={grouped}")
    keep = ~np.isnan(data["y"])
    for row in got:
        rows = keep & ((data["g"] == row["g"]) if grouped else True)
        X = np.column_stack([np.ones(rows.sum()), data["x1"][rows], data["x2"][rows]])
        coef = np.linalg.lstsq(X, data["y"][rows], rcond=None)[0]
        np.testing.assert_allclose(row["coef"], coef, rtol=1e-8, err_msg=f"numpy lstsq, group {row['g']}")
        assert row["num_rows_processed"] == rows.sum()
    assert sum(r["num_missing_rows_skipped"] for r in got) == 2


def test_linregr_aggregate_is_pushed_to_the_shards(citus_conn):
    """Partial aggregates on the shards (one state per group and shard), merged on the coordinator.

    Plain EXPLAIN: Citus's EXPLAIN ANALYZE cannot wrap worker_partial_agg (it returns cstring).
    """
    _, dist = twin(citus_conn, "reg", regression_data(), "id", REG_TYPES)
    query = sql.SQL("SELECT g, indb_ml.linregr(y, ARRAY[1, x1, x2]) FROM {} GROUP BY g").format(sql.Identifier(dist))
    plan = "\n".join(r[0] for r in citus_conn.execute(
        sql.SQL("EXPLAIN (VERBOSE, COSTS OFF) ") + query))
    assert f"Task Count: {CITUS_SHARD_COUNT}" in plan, plan
    assert "coord_combine_agg" in plan, plan  # the coordinator merges states ...
    task_query = re.search(r"Query: (.*)", plan).group(1)
    assert "worker_partial_agg" in task_query and "linregr" in task_query, plan  # ... the shards make them
    assert "GROUP BY g" in task_query, plan  # so each shard sends one state per group, not its rows


# -- graph and matrix functions on distributed inputs ------------------------------------------


def graph_data(n: int = 60, m: int = 300, seed: int = 3) -> tuple[dict, dict]:
    rng = np.random.default_rng(seed)
    src, dest = rng.integers(0, n, size=m), rng.integers(0, n, size=m)
    return {"id": np.arange(n)}, {"src": src, "dest": dest, "gid": np.arange(m) % 2}


@pytest.mark.parametrize("grouped", [False, True], ids=["all", "grouped"])
def test_pagerank_distributed_equals_local(citus_conn, grouped):
    vertices, edges = graph_data()
    v_local, v_dist = twin(citus_conn, "v", vertices, "id", {"id": "int"})
    e_local, e_dist = twin(citus_conn, "e", edges, "src", {"src": "int", "dest": "int", "gid": "int"})
    group = "gid" if grouped else None
    for v, e, out in ((v_local, e_local, "pr_local"), (v_dist, e_dist, "pr_dist")):
        citus_conn.execute("SELECT indb_ml.pagerank(%s, 'id', %s, 'src=src, dest=dest', %s, 0.85, 100, NULL, %s)",
                           (v, e, out, group))
    order = "gid, id" if grouped else "id"
    want, got = table_rows(citus_conn, "pr_local", order), table_rows(citus_conn, "pr_dist", order)
    assert_rows_close(got, want, rtol=1e-12, what="pagerank")
    assert len(got) == 60 * (2 if grouped else 1)
    summary = "gid" if grouped else "1"
    assert table_rows(citus_conn, "pr_dist_summary", summary) == table_rows(citus_conn, "pr_local_summary", summary)


def test_matrix_mult_dense_distributed_equals_local(citus_conn):
    rng = np.random.default_rng(11)
    A, B = rng.normal(size=(40, 5)), rng.normal(size=(5, 3))
    a_local, a_dist = twin(citus_conn, "ma", {"row_id": np.arange(1, 41), "row_vec": list(A)}, "row_id",
                           {"row_id": "int", "row_vec": "float8[]"})
    b_local, b_dist = twin(citus_conn, "mb", {"row_id": np.arange(1, 6), "row_vec": list(B)}, "row_id",
                           {"row_id": "int", "row_vec": "float8[]"})
    args = "row=row_id, val=row_vec"
    for a, b, out in ((a_local, b_local, "mc_local"), (a_dist, b_dist, "mc_dist")):
        citus_conn.execute("SELECT indb_ml.matrix_mult(%s, %s, %s, %s, %s)", (a, args, b, args, out))
    got, want = table_rows(citus_conn, "mc_dist", "row_id"), table_rows(citus_conn, "mc_local", "row_id")
    assert_rows_close(got, want, rtol=1e-12, what="matrix_mult dense")
    np.testing.assert_allclose(np.array([r["row_vec"] for r in got]), A @ B, rtol=1e-10)


def sparse_pair(citus_conn) -> tuple[np.ndarray, np.ndarray, tuple[str, str], tuple[str, str]]:
    rng = np.random.default_rng(12)
    A = rng.normal(size=(12, 6)) * (rng.random((12, 6)) < 0.4)
    B = rng.normal(size=(6, 7)) * (rng.random((6, 7)) < 0.4)
    A[-1, -1], B[-1, -1] = 1.0, 2.0  # the shape is the largest indices

    def entries(M):
        r, c = np.nonzero(M)
        return {"row_id": r + 1, "col_id": c + 1, "val": M[r, c]}

    types = {"row_id": "int", "col_id": "int"}
    a_pair = twin(citus_conn, "sa", entries(A), "row_id", types)
    return A, B, a_pair, twin(citus_conn, "sb", entries(B), "row_id", types)


def sparse_result(conn, table: str, shape: tuple[int, int]) -> np.ndarray:
    M = np.zeros(shape)
    for r, c, v in conn.execute(sql.SQL("SELECT row_id, col_id, val FROM {}").format(sql.Identifier(table))):
        M[r - 1, c - 1] = v
    return M


def test_matrix_mult_sparse_distributed_equals_local(citus_conn):
    A, B, (a_local, a_dist), (b_local, b_dist) = sparse_pair(citus_conn)
    args = "row=row_id, col=col_id, val=val"
    for a, b, out in ((a_local, b_local, "sc_local"), (a_dist, b_dist, "sc_dist")):
        citus_conn.execute("SELECT indb_ml.matrix_mult(%s, %s, %s, %s, %s, 'fmt=sparse')", (a, args, b, args, out))
    got, want = sparse_result(citus_conn, "sc_dist", (12, 7)), sparse_result(citus_conn, "sc_local", (12, 7))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(got, A @ B, rtol=1e-10, atol=1e-12)


def tile_matrix(conn, A: np.ndarray, name: str, block: int) -> tuple[str, str]:
    """A as tiles: reblocked locally, then the tile rows copied into a table distributed by row_block."""
    dense = f"{name}_rows"
    load_table(conn, dense, {"row_id": np.arange(1, len(A) + 1), "row_vec": list(A)},
               {"row_id": "int", "row_vec": "float8[]"})
    local, dist = f"{name}_local", f"{name}_dist"
    conn.execute("SELECT indb_ml.matrix_reblock(%s, 'row=row_id, val=row_vec', %s, %s)",
                 (dense, local, f"block={block}"))
    conn.execute(sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS)").format(
        sql.Identifier(dist), sql.Identifier(local)))
    conn.execute("SELECT create_distributed_table(%s, 'row_block')", (dist,))
    conn.execute(sql.SQL("INSERT INTO {} SELECT * FROM {}").format(sql.Identifier(dist), sql.Identifier(local)))
    return local, dist


def tiles_to_array(conn, table: str, shape: tuple[int, int], block: int) -> np.ndarray:
    M = np.full(shape, np.nan)
    query = sql.SQL("SELECT row_block, col_block, nrows, ncols, codec, data FROM {}").format(sql.Identifier(table))
    for rb, cb, nr, nc, codec, data in conn.execute(query):
        assert codec == "raw"
        M[rb * block:rb * block + nr, cb * block:cb * block + nc] = np.frombuffer(data).reshape(nr, nc)  # 0-based
    return M


def test_matrix_mult_tiles_gram_distributed_equals_local(citus_conn):
    """AᵀA of a tile table distributed by row_block: tile_mm per output tile, summed over the shards."""
    A = np.random.default_rng(13).normal(size=(30, 5))
    local, dist = tile_matrix(citus_conn, A, "ta", block=4)
    for t, out in ((local, "g_local"), (dist, "g_dist")):
        citus_conn.execute("SELECT indb_ml.matrix_mult(%s, 'trans=true', %s, '', %s)", (t, t, out))
    got = tiles_to_array(citus_conn, "g_dist", (5, 5), 4)
    np.testing.assert_allclose(got, tiles_to_array(citus_conn, "g_local", (5, 5), 4), rtol=1e-12)
    np.testing.assert_allclose(got, A.T @ A, rtol=1e-10)


def test_matrix_mult_tiles_distributed_equals_local(citus_conn):
    rng = np.random.default_rng(14)
    A, B = rng.normal(size=(12, 6)), rng.normal(size=(6, 8))
    a_local, a_dist = tile_matrix(citus_conn, A, "ta", block=4)
    b_local, b_dist = tile_matrix(citus_conn, B, "tb", block=4)
    for a, b, out in ((a_local, b_local, "tc_local"), (a_dist, b_dist, "tc_dist")):
        citus_conn.execute("SELECT indb_ml.matrix_mult(%s, '', %s, '', %s)", (a, b, out))
    got = tiles_to_array(citus_conn, "tc_dist", (12, 8), 4)
    np.testing.assert_allclose(got, tiles_to_array(citus_conn, "tc_local", (12, 8), 4), rtol=1e-12)
    np.testing.assert_allclose(got, A @ B, rtol=1e-10)


def test_matrix_mult_sparse_join_distributed_equals_local(citus_conn):
    A, B, (_, a_dist), (_, b_dist) = sparse_pair(citus_conn)
    args = "row=row_id, col=col_id, val=val"
    citus_conn.execute("SELECT indb_ml.matrix_mult(%s, %s, %s, %s, 'sc_join', 'fmt=sparse, op=join')",
                       (a_dist, args, b_dist, args))
    np.testing.assert_allclose(sparse_result(citus_conn, "sc_join", (12, 7)), A @ B, rtol=1e-10, atol=1e-12)


# -- trainers --------------------------------------------------------------------------------


def train_both(conn, call: str, source: str, args: tuple, order_by: str) -> tuple[list[dict], list[dict]]:
    """Run ``SELECT indb_ml.<call>(source, out, *args)`` on the local and distributed twin; return both outputs."""
    fn = sql.SQL("SELECT indb_ml.{}(%s, %s{})").format(
        sql.Identifier(call), sql.SQL("").join(sql.SQL(", %s") for _ in args))
    out = {}
    for kind in ("local", "dist"):
        conn.execute(fn, (f"{source}_{kind}", f"m_{kind}", *args))
        out[kind] = table_rows(conn, f"m_{kind}", order_by)
    return out["dist"], out["local"]


@pytest.mark.parametrize("grouped", [False, True], ids=["all", "grouped"])
def test_linregr_train_distributed_equals_local(citus_conn, grouped):
    twin(citus_conn, "reg", regression_data(), "id", REG_TYPES)
    got, want = train_both(citus_conn, "linregr_train", "reg", ("y", "ARRAY[1, x1, x2]", "g" if grouped else None),
                           "g" if grouped else "1")
    assert_rows_close(got, want, rtol=1e-9, what="linregr_train")
    assert len(got) == (3 if grouped else 1)


def logistic_data(n: int = 600, seed: int = 8) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    p = 1 / (1 + np.exp(-(0.3 + 1.2 * x1 - 0.7 * x2)))
    return {"id": np.arange(n), "g": np.arange(n) % 2, "y": (rng.random(n) < p).astype(float), "x1": x1, "x2": x2,
            "c": rng.poisson(np.exp(0.2 + 0.5 * x1)).astype(float)}


@pytest.mark.parametrize("grouped", [False, True], ids=["all", "grouped"])
def test_logregr_train_distributed_equals_local(citus_conn, grouped):
    twin(citus_conn, "lg", logistic_data(), "id", REG_TYPES)
    got, want = train_both(citus_conn, "logregr_train", "lg", ("y > 0", "ARRAY[1, x1, x2]", "g" if grouped else None),
                           "g" if grouped else "1")
    assert_rows_close(got, want, rtol=1e-8, what="logregr_train")
    assert {r["status"] for r in got} == {"converged"}


@pytest.mark.parametrize("grouped", [False, True], ids=["all", "grouped"])
def test_glm_poisson_distributed_equals_local(citus_conn, grouped):
    twin(citus_conn, "gl", logistic_data(seed=9), "id", REG_TYPES)
    got, want = train_both(citus_conn, "glm", "gl", ("c", "ARRAY[1, x1, x2]", "family=poisson, link=log",
                                                     "g" if grouped else None), "g" if grouped else "1")
    assert_rows_close(got, want, rtol=1e-8, what="glm poisson")


@pytest.mark.parametrize("call", [
    "SELECT indb_ml.linregr_train('reg_dist', 'm', 'y', 'ARRAY[1, x1, x2]', 'g')",
    "SELECT indb_ml.logregr_train('reg_dist', 'm', 'y > 0', 'ARRAY[1, x1, x2]')",
    "SELECT indb_ml.glm('reg_dist', 'm', 'y > 0', 'ARRAY[1, x1, x2]', 'family=binomial, link=probit')",
], ids=["linregr_train", "logregr_train", "glm"])
def test_training_passes_are_partial_aggregates_on_the_shards(citus_conn, call):
    """Every command a trainer sends to a shard of its source is a partial aggregate: states move, not rows."""
    twin(citus_conn, "reg", regression_data(), "id", REG_TYPES)
    sent: list[str] = []
    citus_conn.add_notice_handler(lambda d: sent.append(d.message_primary or ""))
    citus_conn.execute("SET citus.log_remote_commands = on")
    citus_conn.execute("SET client_min_messages = log")
    try:
        citus_conn.execute(call)
    finally:
        citus_conn.execute("RESET client_min_messages")
        citus_conn.execute("RESET citus.log_remote_commands")
    scans = [c for c in sent if re.search(r"\bFROM \S*reg_dist_\d+", c)]
    assert sum("worker_partial_agg" in c for c in scans) >= CITUS_SHARD_COUNT, sent
    aggregate = re.compile(r"worker_partial_agg|\b(count|sum|min|max|avg|bool_and|bool_or)\(")
    assert all(aggregate.search(c) for c in scans), [c for c in scans if not aggregate.search(c)]  # no raw rows


# -- faults: one worker stopped (these stop and restart worker 2, so they come last) --------------


def test_fault_aggregate_query_with_a_worker_down(citus_local_cluster, citus_conn):
    local, dist = twin(citus_conn, "reg", regression_data(), "id", REG_TYPES)
    create = sql.SQL("CREATE TABLE {out} AS SELECT g, (indb_ml.linregr(y, ARRAY[1, x1, x2])).coef FROM {t} GROUP BY g")
    citus_conn.execute(create.format(out=sql.Identifier("want"), t=sql.Identifier(local)))
    worker = citus_local_cluster.worker(CITUS_WORKERS)
    port = worker.status()["port"]
    worker.stop()
    try:
        with pytest.raises(psycopg.OperationalError) as failure:
            citus_conn.execute(create.format(out=sql.Identifier("got"), t=sql.Identifier(dist)))
        assert f"127.0.0.1:{port}" in str(failure.value), str(failure.value)  # names the node that is down
        assert not exists(citus_conn, "got")
    finally:
        worker.start(create_extension=False)
    citus_conn.execute(create.format(out=sql.Identifier("got"), t=sql.Identifier(dist)))
    assert_rows_close(table_rows(citus_conn, "got", "g"), table_rows(citus_conn, "want", "g"), what="after restart")


def test_fault_linregr_train_with_a_worker_down(citus_local_cluster, citus_conn):
    twin(citus_conn, "reg", regression_data(), "id", REG_TYPES)
    citus_conn.execute("SELECT indb_ml.linregr_train('reg_local', 'want', 'y', 'ARRAY[1, x1, x2]')")
    worker = citus_local_cluster.worker(CITUS_WORKERS)
    port = worker.status()["port"]
    worker.stop()
    try:
        with pytest.raises(psycopg.Error) as failure:
            citus_conn.execute("SELECT indb_ml.linregr_train('reg_dist', 'got', 'y', 'ARRAY[1, x1, x2]')")
        assert f"127.0.0.1:{port}" in str(failure.value), str(failure.value)
        assert not exists(citus_conn, "got") and not exists(citus_conn, "got_summary")
    finally:
        worker.start(create_extension=False)
    citus_conn.execute("SELECT indb_ml.linregr_train('reg_dist', 'got', 'y', 'ARRAY[1, x1, x2]')")
    assert_rows_close(table_rows(citus_conn, "got", "1"), table_rows(citus_conn, "want", "1"), what="after restart")
