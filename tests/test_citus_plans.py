"""Plan choices on Citus distributed inputs (a local cluster, tests/citus_conftest.py).

- graph ``auto`` on a distributed edge table: pagerank, wcc, sssp and bfs pull the graph to the
  coordinator only within ``indb_ml.graph_pull_mb``, else run their relational plans on the
  shards; the other graph functions keep the memory-budget rule;
- the planner's ``la_value`` of X'X, X'y and (X'X)^-1 X'y over distributed dense and tile tables
  equals the local tables' values;
- sparse ``matrix_add`` / ``matrix_sub`` of two distributed tables that are not colocated.
"""

from __future__ import annotations

import json

import numpy as np
import psycopg
import pytest

from tests.citus_conftest import CITUS_SHARD_COUNT
from tests.helpers import load_table
from tests.test_citus import assert_rows_close, sparse_result, table_rows, tile_matrix, twin
from tests.test_citus_more import GRAPH_CALLS, debug_lines, graph_call, graph_tables, remote_log

# -- graph: auto on distributed edges ----------------------------------------------------------


def plan_lines(lines: list[str], what: str) -> list[str]:
    return [m for m in lines if m.startswith(what + ":") and m.endswith(" plan")]


@pytest.mark.parametrize("name", list(GRAPH_CALLS))
def test_graph_auto_on_distributed_edges(citus_conn, name):
    """Within indb_ml.graph_pull_mb (default 64 MB) the small graph is pulled (memory plan); with a
    budget of 0 the same auto call runs the relational plan on the shards; both equal the local
    table's answer, and a local edge table keeps the memory plan whatever the pull budget."""
    (v_local, v_dist), (e_local, e_dist) = graph_tables(citus_conn)
    what = {"wcc": "weakly_connected_components", "sssp": "graph_sssp", "bfs": "graph_bfs"}.get(name, name)
    citus_conn.execute("SET indb_ml.graph_plan = auto")
    graph_call(citus_conn, name, v_local, e_local, "o_local", False)
    with debug_lines(citus_conn) as lines:
        graph_call(citus_conn, name, v_dist, e_dist, "o_pulled", False)
    chosen = plan_lines(lines, what)
    assert chosen and chosen[-1].endswith(": memory plan") and "indb_ml.graph_pull_mb" in chosen[-1], lines
    citus_conn.execute("SET indb_ml.graph_pull_mb = 0")
    try:
        with remote_log(citus_conn) as sent:
            with debug_lines(citus_conn) as lines:  # inside: remote_log sets client_min_messages = log
                graph_call(citus_conn, name, v_dist, e_dist, "o_shards", False)
        chosen = plan_lines(lines, what)
        assert chosen and chosen[-1].endswith(": relational plan"), lines
        assert any("worker_partition_query_result" in c and "_indb_ml_" in c for c in sent)  # work tables
        with debug_lines(citus_conn) as lines:  # the pull budget is for distributed edges only
            graph_call(citus_conn, name, v_local, e_local, "o_local2", False)
        assert plan_lines(lines, what)[-1].endswith(": memory plan"), lines
    finally:
        citus_conn.execute("RESET indb_ml.graph_pull_mb")
    want = table_rows(citus_conn, "o_local", "id")
    for out in ("o_pulled", "o_shards"):
        assert_rows_close(table_rows(citus_conn, out, "id"), want, rtol=1e-9, what=f"{name} {out}")


def test_graph_auto_without_a_shard_plan_keeps_the_memory_rule(citus_conn):
    """hits has no plan on the shards (its relational plan reads the edges through the coordinator
    too): graph_pull_mb does not apply and auto stays memory for a graph within the memory budget."""
    (_, v_dist), (_, e_dist) = graph_tables(citus_conn, n=30, m=100)
    citus_conn.execute("SET indb_ml.graph_pull_mb = 0")
    try:
        with debug_lines(citus_conn) as lines:
            citus_conn.execute("SELECT indb_ml.hits(%s, 'id', %s, 'src=src, dest=dest', 'h')", (v_dist, e_dist))
        assert plan_lines(lines, "hits")[-1].endswith(": memory plan"), lines
        citus_conn.execute("SET indb_ml.graph_pull_mb = 'lots'")
        with pytest.raises(psycopg.errors.InvalidParameterValue, match="indb_ml.graph_pull_mb"):
            citus_conn.execute("SELECT indb_ml.pagerank(%s, 'id', %s, 'src=src, dest=dest', 'p')", (v_dist, e_dist))
    finally:
        citus_conn.execute("RESET indb_ml.graph_pull_mb")


# -- planner: matrix expressions over distributed tables ---------------------------------------

LA_EXPRESSIONS = {
    "gram": "t(X) %*% X",
    "xty": "t(X) %*% y",
    "ols": "solve(t(X) %*% X) %*% t(X) %*% y",
    "solve": "solve(t(X) %*% X, t(X) %*% y)",
    "colsums": "colSums(X)",
    "xv": "sum(X %*% v)",
}


def planner_tables(conn, n: int = 240, p: int = 4, seed: int = 41) -> dict[str, dict]:
    """X (n x p, dense rows), y (n x 1), the same X as tiles (block 32) and as feature columns,
    each as a local table and a copy distributed by its row key; the bindings of both."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    y = X @ np.arange(1, p + 1) + rng.normal(size=n)
    twin(conn, "xr", {"row_id": np.arange(1, n + 1), "row_vec": list(X)}, "row_id",
         {"row_id": "int", "row_vec": "float8[]"})
    twin(conn, "yr", {"row_id": np.arange(1, n + 1), "row_vec": list(y[:, None])}, "row_id",
         {"row_id": "int", "row_vec": "float8[]"})
    tile_matrix(conn, X, "xt", 32)
    twin(conn, "xc", {"id": np.arange(n), **{f"x{j}": X[:, j] for j in range(p)}, "yv": y}, "id", {"id": "int"})
    bindings = {}
    for kind in ("local", "dist"):
        dense = {"X": {"table": f"xr_{kind}", "args": "row=row_id, val=row_vec"},
                 "y": {"table": f"yr_{kind}", "args": "row=row_id, val=row_vec"}, "v": list(range(p))}
        tiles = dict(dense, X={"table": f"xt_{kind}"})
        columns = {"X": {"table": f"xc_{kind}", "columns": [f"x{j}" for j in range(p)]},
                   "y": {"table": f"xc_{kind}", "columns": ["yv"]}, "v": list(range(p))}
        bindings[kind] = {"dense": dense, "tiles": tiles, "columns": columns}
    return {"X": X, "y": y, **bindings}


def la_value(conn, expr: str, bindings: dict, memory_mb=None) -> np.ndarray:
    return np.array(conn.execute("SELECT indb_ml.la_value(%s, %s::jsonb, NULL, %s)",
                                 (expr, json.dumps(bindings), memory_mb)).fetchone()[0], dtype=float)


@pytest.mark.parametrize("layout", ["dense", "tiles", "columns"])
def test_la_value_distributed_equals_local(citus_conn, layout):
    """X'X, X'y, (X'X)^-1 X'y (and solve, colSums, a product with a vector) over distributed tables
    equal the local tables' values and numpy's."""
    t = planner_tables(citus_conn)
    X, y = t["X"], t["y"]
    want_np = {"gram": X.T @ X, "xty": (X.T @ y)[:, None], "ols": np.linalg.solve(X.T @ X, X.T @ y)[:, None],
               "colsums": X.sum(axis=0)[None, :], "xv": np.array([[(X @ np.arange(X.shape[1])).sum()]])}
    want_np["solve"] = want_np["ols"]
    for name, expr in LA_EXPRESSIONS.items():
        local = la_value(citus_conn, expr, t["local"][layout])
        dist = la_value(citus_conn, expr, t["dist"][layout])
        np.testing.assert_allclose(dist, local, rtol=1e-10, atol=1e-10, err_msg=f"{layout} {name}")
        np.testing.assert_allclose(dist, want_np[name], rtol=1e-9, atol=1e-9, err_msg=f"{layout} {name} numpy")


@pytest.mark.parametrize("layout", ["dense", "columns"])
def test_la_gram_is_partial_aggregates_on_the_shards(citus_conn, layout):
    """The tsmm rewrite's Gram over a distributed dense table (or feature columns of one) is one
    indb_ml.gram aggregate, which Citus runs on every shard (worker_partial_agg): states move, not rows."""
    t = planner_tables(citus_conn)
    with remote_log(citus_conn) as sent:
        got = la_value(citus_conn, "t(X) %*% X", t["dist"][layout])
    np.testing.assert_allclose(got, t["X"].T @ t["X"], rtol=1e-10)
    partial = [c for c in sent if "worker_partial_agg" in c and "indb_ml.gram" in c]
    assert len(partial) == CITUS_SHARD_COUNT, sent
    assert not any("COPY" in c and ("xr_dist" in c or "xc_dist" in c) for c in sent)


def test_la_feature_bindings_read_the_shards_by_aggregates_only(citus_conn):
    """X and y as feature columns of one distributed table: the bindings' checks, X'X and X'y (the
    off-diagonal block of one gram of [x, y]) are aggregates on the shards; no statement numbers
    the rows (a window over the whole table would pull every row to the coordinator)."""
    t = planner_tables(citus_conn)
    X, y = t["X"], t["y"]
    with remote_log(citus_conn) as sent:
        got = la_value(citus_conn, "solve(t(X) %*% X, t(X) %*% y)", t["dist"]["columns"])
    np.testing.assert_allclose(got[:, 0], np.linalg.solve(X.T @ X, X.T @ y), rtol=1e-9)
    reads = [c for c in sent if ".xc_dist_" in c]
    assert reads and all("count(" in c or "worker_partial_agg" in c for c in reads), reads
    assert not any("row_number" in c for c in sent), sent
    assert sum("worker_partial_agg" in c and "indb_ml.gram" in c for c in reads) == 2 * CITUS_SHARD_COUNT


# -- sparse matrix_add / matrix_sub of operands that are not colocated -------------------------


def sparse_twins(conn, name: str, M: np.ndarray, dist_col: str | None, shard_count: int | None = None) -> str:
    """M's entries (1-based row_id, col_id, val) in ``<name>``: distributed by dist_col (over
    shard_count shards), a reference table (dist_col 'reference') or a plain table (None)."""
    r, c = np.nonzero(M)
    load_table(conn, name, {"row_id": r + 1, "col_id": c + 1, "val": M[r, c]}, {"row_id": "int", "col_id": "int"})
    if dist_col == "reference":
        conn.execute("SELECT create_reference_table(%s)", (name,))
    elif dist_col is not None:
        if shard_count:
            conn.execute(f"SET citus.shard_count = {int(shard_count)}")
        conn.execute("SELECT create_distributed_table(%s, %s)", (name, dist_col))
        conn.execute(f"SET citus.shard_count = {CITUS_SHARD_COUNT}")
    return name


SPARSE = "row=row_id, col=col_id, val=val"
SPARSE_T = "row=row_id, col=col_id, val=val, trans=true"


@pytest.mark.parametrize("a_layout, b_layout", [
    (("row_id", None), ("col_id", None)),      # different columns: B copied colocated with A (by row)
    (("col_id", None), ("row_id", None)),      # A by its column: B's copy by column
    (("row_id", None), ("row_id", 3)),         # same column, other colocation group (3 shards)
    (("row_id", None), ("row_id", None)),      # already colocated: the join runs as is
    ((None, None), ("col_id", None)),          # plain A: A copied colocated with B
    (("reference", None), ("row_id", None)),   # reference A, distributed B
    (("val", None), ("col_id", 3)),            # A by a non-coordinate column: A copied by B's column
], ids=["row-col", "col-row", "row-row3", "colocated", "plain-col", "reference-row", "val-col3"])
@pytest.mark.parametrize("op", ["matrix_add", "matrix_sub"])
def test_sparse_add_sub_not_colocated(citus_conn, op, a_layout, b_layout):
    rng = np.random.default_rng(47)
    S = rng.normal(size=(9, 7)) * (rng.random((9, 7)) < 0.5)
    T = rng.normal(size=(9, 7)) * (rng.random((9, 7)) < 0.5)
    S[-1, -1], T[-1, -1] = 1.0, 2.0
    T[2, 3] = S[2, 3] = 1.5  # cancels in matrix_sub: no entry is written for it
    a = sparse_twins(citus_conn, "sa", S, *a_layout)
    b = sparse_twins(citus_conn, "sb", T, *b_layout)
    citus_conn.execute(f"SELECT indb_ml.{op}(%s, %s, %s, %s, 'out', 'fmt=sparse, op=join')", (a, SPARSE, b, SPARSE))
    want = S + T if op == "matrix_add" else S - T
    np.testing.assert_allclose(sparse_result(citus_conn, "out", (9, 7)), want, rtol=1e-15)
    zeros = "SELECT count(*) FROM out WHERE val = 0 AND (row_id, col_id) <> (9, 7)"
    assert citus_conn.execute(zeros).fetchone()[0] == 0
    left = citus_conn.execute("SELECT count(*) FROM pg_class WHERE relname LIKE '\\_indb\\_ml\\_%'").fetchone()[0]
    assert left == 0  # the copies are dropped


def test_sparse_add_transposed_operand_not_colocated(citus_conn):
    """A + t(B) with A by row_id and B by row_id: t(B)'s rows are B's columns, so B is copied by them."""
    rng = np.random.default_rng(48)
    S = rng.normal(size=(6, 8)) * (rng.random((6, 8)) < 0.5)
    T = rng.normal(size=(8, 6)) * (rng.random((8, 6)) < 0.5)
    S[-1, -1], T[-1, -1] = 1.0, 2.0
    a = sparse_twins(citus_conn, "sa", S, "row_id")
    b = sparse_twins(citus_conn, "sb", T, "row_id")
    with remote_log(citus_conn) as sent:
        citus_conn.execute("SELECT indb_ml.matrix_add(%s, %s, %s, %s, 'out', 'fmt=sparse, op=join')",
                           (a, SPARSE, b, SPARSE_T))
    np.testing.assert_allclose(sparse_result(citus_conn, "out", (6, 8)), S + T.T, rtol=1e-15)
    assert any("FULL JOIN" in c and ".sa_" in c for c in sent), sent  # the join itself ran on the shards
