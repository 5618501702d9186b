"""indb_ml on Citus, part 2: outputs distributed like their inputs, products of distributed matrices,
graph relational plans on the shards, and kNN over a distributed point table.

Same fixtures and conventions as tests/test_citus.py: each test gets a fresh schema, tables are
loaded twice (``<name>_local`` plain, ``<name>_dist`` distributed over 4 shards on 2 workers), the
same call runs on both and the results are compared, plus an oracle computed here (numpy).
Which plan ran on the shards is checked from Citus's own reports: the DEBUG2 lines of the
functions, ``citus.log_remote_commands`` (what the coordinator sends to the workers) and
``pg_dist_partition`` (how outputs are distributed).
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import numpy as np
import psycopg
import pytest
from psycopg import sql

from tests.citus_conftest import CITUS_SHARD_COUNT
from tests.helpers import load_table
from tests.test_citus import assert_rows_close, sparse_result, table_rows, tile_matrix, tiles_to_array, twin


@contextmanager
def remote_log(conn):
    """Collect the commands the coordinator sends to the workers (Citus logs them as "issuing ...")."""
    sent: list[str] = []

    def handler(d):
        message = d.message_primary or ""
        if message.startswith("issuing "):
            sent.append(message[len("issuing "):])

    conn.add_notice_handler(handler)
    conn.execute("SET citus.log_remote_commands = on")
    conn.execute("SET client_min_messages = log")
    try:
        yield sent
    finally:
        conn.execute("SET client_min_messages = warning")
        conn.execute("RESET citus.log_remote_commands")
        conn.remove_notice_handler(handler)


@contextmanager
def debug_lines(conn):
    lines: list[str] = []

    def handler(d):
        lines.append(d.message_primary or "")

    before = conn.execute("SHOW client_min_messages").fetchone()[0]
    conn.add_notice_handler(handler)
    conn.execute("SET client_min_messages = debug2")
    try:
        yield lines
    finally:
        conn.execute(sql.SQL("SET client_min_messages = {}").format(sql.Identifier(before)))
        conn.remove_notice_handler(handler)


def placement(conn, table: str) -> tuple | None:
    """(method, distribution column, colocation id) from Citus's metadata; None for a plain table."""
    return conn.execute(
        "SELECT partmethod::text, column_to_column_name(logicalrelid, partkey), colocationid "
        "FROM pg_dist_partition WHERE logicalrelid = to_regclass(%s)", (table,)).fetchone()


def colocated(conn, a: str, b: str) -> bool:
    pa, pb = placement(conn, a), placement(conn, b)
    return pa is not None and pb is not None and pa[2] == pb[2]


def sparse_entries(M: np.ndarray) -> dict:
    r, c = np.nonzero(M)
    return {"row_id": r + 1, "col_id": c + 1, "val": M[r, c]}


SPARSE_TYPES = {"row_id": "int", "col_id": "int"}
SPARSE_ARGS = "row=row_id, col=col_id, val=val"


# -- outputs distributed like their inputs --------------------------------------------------------


def test_matrix_outputs_follow_their_inputs(citus_conn):
    """A dense product, a scaled tile table and a sparse transpose of distributed inputs are created
    distributed, colocated with the input; the same calls on plain tables write plain tables."""
    rng = np.random.default_rng(21)
    A, B = rng.normal(size=(30, 4)), rng.normal(size=(4, 3))
    types = {"row_id": "int", "row_vec": "float8[]"}
    a_local, a_dist = twin(citus_conn, "da", {"row_id": np.arange(1, 31), "row_vec": list(A)}, "row_id", types)
    b_local, b_dist = twin(citus_conn, "db", {"row_id": np.arange(1, 5), "row_vec": list(B)}, "row_id", types)
    args = "row=row_id, val=row_vec"
    for a, b, out in ((a_local, b_local, "p_local"), (a_dist, b_dist, "p_dist")):
        citus_conn.execute("SELECT indb_ml.matrix_mult(%s, %s, %s, %s, %s)", (a, args, b, args, out))
    assert placement(citus_conn, "p_local") is None
    assert placement(citus_conn, "p_dist")[:2] == ("h", "row_id") and colocated(citus_conn, "p_dist", a_dist)
    assert_rows_close(table_rows(citus_conn, "p_dist", "row_id"), table_rows(citus_conn, "p_local", "row_id"))
    np.testing.assert_allclose(np.array([r["row_vec"] for r in table_rows(citus_conn, "p_dist", "row_id")]), A @ B)

    t_local, t_dist = tile_matrix(citus_conn, A, "ta", block=8)
    for t, out in ((t_local, "s_local"), (t_dist, "s_dist")):
        citus_conn.execute("SELECT indb_ml.matrix_scalar_mult(%s, '', 2.5, %s)", (t, out))
    assert placement(citus_conn, "s_local") is None
    assert placement(citus_conn, "s_dist")[:2] == ("h", "row_block") and colocated(citus_conn, "s_dist", t_dist)
    np.testing.assert_allclose(tiles_to_array(citus_conn, "s_dist", (30, 4), 8), 2.5 * A, rtol=1e-15)

    S = rng.normal(size=(9, 5)) * (rng.random((9, 5)) < 0.5)
    S[-1, -1] = 1.0
    s_local, s_dist = twin(citus_conn, "sp", sparse_entries(S), "row_id", SPARSE_TYPES)
    for s, out in ((s_local, "st_local"), (s_dist, "st_dist")):
        citus_conn.execute("SELECT indb_ml.matrix_trans(%s, %s, %s, 'fmt=sparse, op=join')", (s, SPARSE_ARGS, out))
    assert placement(citus_conn, "st_local") is None
    assert placement(citus_conn, "st_dist")[:2] == ("h", "row_id") and colocated(citus_conn, "st_dist", s_dist)
    np.testing.assert_allclose(sparse_result(citus_conn, "st_dist", (5, 9)), S.T)


def test_graph_outputs_follow_the_vertex_table_and_summaries_stay_local(citus_conn):
    """Per-vertex scores of the memory plan too: distributed by the vertex id, colocated with the
    vertex table; the _summary table is a plain coordinator table."""
    vertices, edges = {"id": np.arange(20)}, {"src": np.arange(20), "dest": (np.arange(20) * 7 + 3) % 20}
    v_local, v_dist = twin(citus_conn, "v", vertices, "id", {"id": "int"})
    e_local, e_dist = twin(citus_conn, "e", edges, "src", {"src": "int", "dest": "int"})
    citus_conn.execute("SET indb_ml.graph_plan = memory")
    for v, e, out in ((v_local, e_local, "pr_local"), (v_dist, e_dist, "pr_dist")):
        citus_conn.execute("SELECT indb_ml.pagerank(%s, 'id', %s, 'src=src, dest=dest', %s)", (v, e, out))
    assert placement(citus_conn, "pr_dist")[:2] == ("h", "id") and colocated(citus_conn, "pr_dist", v_dist)
    assert placement(citus_conn, "pr_dist_summary") is None and placement(citus_conn, "pr_local") is None
    assert_rows_close(table_rows(citus_conn, "pr_dist", "id"), table_rows(citus_conn, "pr_local", "id"), rtol=1e-12)
    # Vertices in a plain table, edges distributed by a bigint column: the output (integer ids) is
    # distributed by id on its own (no input is distributed by that type).
    e_big = "e_big"
    citus_conn.execute("CREATE TABLE e_big (src bigint, dest bigint)")
    citus_conn.execute("SELECT create_distributed_table('e_big', 'src')")
    citus_conn.execute("INSERT INTO e_big SELECT src, dest FROM e_local")
    citus_conn.execute("SELECT indb_ml.pagerank(%s, 'id', %s, 'src=src, dest=dest', 'pr_big')", (v_local, e_big))
    assert placement(citus_conn, "pr_big")[:2] == ("h", "id") and not colocated(citus_conn, "pr_big", e_big)
    assert_rows_close(table_rows(citus_conn, "pr_big", "id"), table_rows(citus_conn, "pr_local", "id"), rtol=1e-12)


# -- products and element-wise operations of distributed operands ---------------------------------


def run_mult(conn, a: str, a_args: str, b: str, b_args: str, out: str, out_args: str = "") -> list[str]:
    with debug_lines(conn) as lines:
        conn.execute("SELECT indb_ml.matrix_mult(%s, %s, %s, %s, %s, %s)", (a, a_args, b, b_args, out, out_args))
    return [line for line in lines if "on Citus" in line]


def test_tile_product_broadcast_runs_on_the_shards(citus_conn):
    """A tall A (distributed by row_block) times a small B: B is copied to every node once and each
    shard of A writes its own block rows of the product into the colocated output shard."""
    rng = np.random.default_rng(22)
    A, B = rng.normal(size=(40, 6)), rng.normal(size=(6, 8))
    a_local, a_dist = tile_matrix(citus_conn, A, "ta", block=4)
    b_local, b_dist = tile_matrix(citus_conn, B, "tb", block=4)
    citus_conn.execute("SELECT indb_ml.matrix_mult(%s, '', %s, '', 'c_local')", (a_local, b_local))
    with remote_log(citus_conn) as sent:
        strategy = run_mult(citus_conn, a_dist, "", b_dist, "", "c_dist")
    assert strategy == ["matrix_mult: tiles on Citus, broadcast join"], strategy
    writes = [c for c in sent if re.search(r"INSERT INTO \S*c_dist_\d+ ", c) and "tile_mm" in c]
    assert len(writes) == CITUS_SHARD_COUNT, sent  # one INSERT ... SELECT per shard, on the workers
    assert colocated(citus_conn, "c_dist", a_dist)
    assert not citus_conn.execute("SELECT count(*) FROM pg_class WHERE relname LIKE '\\_indb\\_ml\\_%'").fetchone()[0]
    got = tiles_to_array(citus_conn, "c_dist", (40, 8), 4)
    np.testing.assert_allclose(got, tiles_to_array(citus_conn, "c_local", (40, 8), 4), rtol=1e-12)
    np.testing.assert_allclose(got, A @ B, rtol=1e-10)


@pytest.mark.parametrize("case", ["transposed", "wide_b"])
def test_tile_product_repartition(citus_conn, case):
    """Aᵀ Bᵀ (A's shards do not hold the product's block rows) and a small A times a wide B (copying
    B to every worker would move more than a repartition): Citus's repartition join."""
    rng = np.random.default_rng(23)
    if case == "transposed":
        A, B, a_args, b_args, want = rng.normal(size=(6, 12)), rng.normal(size=(8, 6)), "trans=true", "trans=true", None
        want = A.T @ B.T
    else:
        A, B, a_args, b_args = rng.normal(size=(4, 40)), rng.normal(size=(40, 40)), "", ""
        want = A @ B
    a_local, a_dist = tile_matrix(citus_conn, A, "ta", block=4)
    b_local, b_dist = tile_matrix(citus_conn, B, "tb", block=4)
    citus_conn.execute("SELECT indb_ml.matrix_mult(%s, %s, %s, %s, 'c_local')", (a_local, a_args, b_local, b_args))
    assert run_mult(citus_conn, a_dist, a_args, b_dist, b_args, "c_dist") == [
        "matrix_mult: tiles on Citus, repartition join"]
    got = tiles_to_array(citus_conn, "c_dist", want.shape, 4)
    np.testing.assert_allclose(got, tiles_to_array(citus_conn, "c_local", want.shape, 4), rtol=1e-12)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("a_key", ["row_id", "col_id"])
def test_sparse_join_product_distributed(citus_conn, a_key):
    """op=join on two distributed sparse tables: matrix_a distributed by its rows takes the broadcast
    join, by its columns the repartition join; both equal the local table's product and numpy."""
    rng = np.random.default_rng(24)
    A = rng.normal(size=(30, 8)) * (rng.random((30, 8)) < 0.4)
    B = rng.normal(size=(8, 5)) * (rng.random((8, 5)) < 0.4)
    A[-1, -1], B[-1, -1] = 1.0, 2.0
    a_local, a_dist = twin(citus_conn, "sa", sparse_entries(A), a_key, SPARSE_TYPES)
    b_local, b_dist = twin(citus_conn, "sb", sparse_entries(B), "row_id", SPARSE_TYPES)
    out_args = "fmt=sparse, op=join"
    citus_conn.execute("SELECT indb_ml.matrix_mult(%s, %s, %s, %s, 'c_local', %s)",
                       (a_local, SPARSE_ARGS, b_local, SPARSE_ARGS, out_args))
    strategy = run_mult(citus_conn, a_dist, SPARSE_ARGS, b_dist, SPARSE_ARGS, "c_dist", out_args)
    assert strategy == ["matrix_mult: sparse join on Citus, "
                        + ("broadcast" if a_key == "row_id" else "repartition")], strategy
    got = sparse_result(citus_conn, "c_dist", (30, 5))
    np.testing.assert_allclose(got, sparse_result(citus_conn, "c_local", (30, 5)), rtol=1e-12)
    np.testing.assert_allclose(got, A @ B, rtol=1e-10, atol=1e-12)
    assert placement(citus_conn, "c_dist")[:2] == ("h", "row_id")


def test_elementwise_on_distributed_operands(citus_conn):
    """Tiles: two tables colocated by row_block join on the shards; a second operand in another
    colocation group (other shard count) is joined by repartitioning. Sparse: elem_mult of tables
    distributed by different columns repartitions; matrix_add needs a FULL JOIN, which Citus runs
    only on colocated tables: the second operand is copied colocated with the first."""
    rng = np.random.default_rng(25)
    A, B = rng.normal(size=(12, 10)), rng.normal(size=(12, 10))
    _, a_dist = tile_matrix(citus_conn, A, "ta", block=4)
    _, b_dist = tile_matrix(citus_conn, B, "tb", block=4)
    citus_conn.execute("SELECT indb_ml.matrix_add(%s, '', %s, '', 'sum_same')", (a_dist, b_dist))
    np.testing.assert_allclose(tiles_to_array(citus_conn, "sum_same", (12, 10), 4), A + B, rtol=1e-15)
    citus_conn.execute("SET citus.shard_count = 3")
    _, c_dist = tile_matrix(citus_conn, B, "tc", block=4)
    assert not colocated(citus_conn, a_dist, c_dist)
    citus_conn.execute("SELECT indb_ml.matrix_sub(%s, '', %s, '', 'diff_other')", (a_dist, c_dist))
    np.testing.assert_allclose(tiles_to_array(citus_conn, "diff_other", (12, 10), 4), A - B, rtol=1e-15)

    S = rng.normal(size=(9, 6)) * (rng.random((9, 6)) < 0.6)
    T = rng.normal(size=(9, 6)) * (rng.random((9, 6)) < 0.6)
    S[-1, -1], T[-1, -1] = 1.0, 3.0
    _, s_dist = twin(citus_conn, "ss", sparse_entries(S), "row_id", SPARSE_TYPES)
    _, t_dist = twin(citus_conn, "st", sparse_entries(T), "col_id", SPARSE_TYPES)
    citus_conn.execute("SELECT indb_ml.matrix_elem_mult(%s, %s, %s, %s, 'prod', 'fmt=sparse, op=join')",
                       (s_dist, SPARSE_ARGS, t_dist, SPARSE_ARGS))
    np.testing.assert_allclose(sparse_result(citus_conn, "prod", (9, 6)), S * T, rtol=1e-15)
    # matrix_add needs a FULL JOIN, which Citus runs only on colocated tables joined on their
    # distribution columns: matrix_b is copied into a work table colocated with matrix_a first
    # (tests/test_citus_plans.py covers the other layouts).
    citus_conn.execute("SELECT indb_ml.matrix_add(%s, %s, %s, %s, 'total', 'fmt=sparse, op=join')",
                       (s_dist, SPARSE_ARGS, t_dist, SPARSE_ARGS))
    np.testing.assert_allclose(sparse_result(citus_conn, "total", (9, 6)), S + T, rtol=1e-15)
    assert placement(citus_conn, "total")[:2] == ("h", "row_id") and colocated(citus_conn, "total", s_dist)


# -- graph relational plans on the shards ---------------------------------------------------------


def graph_tables(conn, n: int = 60, m: int = 300, seed: int = 3, text_ids: bool = False):
    """A seeded multigraph (parallel edges, self-loops, dangling vertices) plus 5 isolated vertices,
    weighted, two groups; twin tables of vertices (by id) and edges (by src)."""
    rng = np.random.default_rng(seed)
    src, dest = rng.integers(0, n, size=m), rng.integers(0, n, size=m)
    ids = np.arange(n + 5)
    if text_ids:  # mixed lengths and case: the bytewise (C) order differs from numeric and locale order
        name = np.array([f"{'Vv'[i % 2]}{i}" for i in range(n + 5)], dtype=object)
        vertices, e = {"id": name}, {"src": name[src], "dest": name[dest]}
        vtypes, etypes = {"id": "text"}, {"src": "text", "dest": "text", "gid": "int"}
    else:
        vertices, e = {"id": ids}, {"src": src, "dest": dest}
        vtypes, etypes = {"id": "int"}, {"src": "int", "dest": "int", "gid": "int"}
    e.update(w=rng.uniform(0.5, 3.0, size=m).round(3), gid=np.arange(m) % 2)
    return twin(conn, "v", vertices, "id", vtypes), twin(conn, "e", e, "src", etypes)


GRAPH_CALLS = {
    "pagerank": ("SELECT indb_ml.pagerank({v}, 'id', {e}, 'src=src, dest=dest, weight=w', {out}, 0.85, 100, NULL, {g})",
                 "pagerank"),
    "wcc": ("SELECT indb_ml.weakly_connected_components({v}, 'id', {e}, 'src=src, dest=dest', {out}, {g})",
            "component_id"),
    "sssp": ("SELECT indb_ml.graph_sssp({v}, 'id', {e}, 'src=src, dest=dest, weight=w', 3, {out}, {g})", "w"),
    "bfs": ("SELECT indb_ml.graph_bfs({v}, 'id', {e}, 'src=src, dest=dest', 3, {out}, NULL, false, {g})", "dist"),
}


def graph_call(conn, name: str, v: str, e: str, out: str, grouped: bool) -> None:
    template = GRAPH_CALLS[name][0]
    conn.execute(sql.SQL(template).format(v=sql.Literal(v), e=sql.Literal(e), out=sql.Literal(out),
                                          g=sql.Literal("gid" if grouped else None)))


@pytest.mark.parametrize("grouped", [False, True], ids=["all", "grouped"])
@pytest.mark.parametrize("name", list(GRAPH_CALLS))
def test_graph_relational_on_shards_equals_local(citus_conn, name, grouped):
    """The relational plan on a distributed edge table runs its iterations on the shards (work tables
    distributed by vertex id, messages re-hashed between workers) and equals the plain relational plan
    on the local tables and the in-memory plan, output and summary."""
    (v_local, v_dist), (e_local, e_dist) = graph_tables(citus_conn)
    citus_conn.execute("SET indb_ml.graph_plan = memory")
    graph_call(citus_conn, name, v_local, e_local, "o_memory", grouped)
    citus_conn.execute("SET indb_ml.graph_plan = relational")
    graph_call(citus_conn, name, v_local, e_local, "o_local", grouped)
    with remote_log(citus_conn) as sent:
        graph_call(citus_conn, name, v_dist, e_dist, "o_dist", grouped)
    order = ("gid, " if grouped else "") + "id"
    want = table_rows(citus_conn, "o_local", order)
    got = table_rows(citus_conn, "o_dist", order)
    if name == "pagerank":  # every vertex, isolated ones included (the standard definition)
        assert len(got) == 65 * (2 if grouped else 1)
    else:  # MADlib's vertex sets: the reached vertices (sssp, bfs), the groups' edge ends (wcc, grouped)
        assert 0 < len(got) == len(want) <= 65 * (2 if grouped else 1)
    assert_rows_close(got, want, rtol=1e-12, what=name)
    assert_rows_close(got, table_rows(citus_conn, "o_memory", order), rtol=1e-9, what=name + " vs memory plan")
    if name in ("pagerank", "wcc"):
        summary = "gid" if grouped and name == "pagerank" else "1"
        dist_summary = table_rows(citus_conn, "o_dist_summary", summary)
        local_summary = table_rows(citus_conn, "o_local_summary", summary)
        for row in dist_summary + local_summary:  # the tables' names differ, nothing else may
            for key in ("vertex_table", "edge_table"):
                row.pop(key, None)
        assert dist_summary == local_summary
        assert placement(citus_conn, "o_dist_summary") is None
    assert placement(citus_conn, "o_dist")[:2] == ("h", "id") and colocated(citus_conn, "o_dist", v_dist)
    # On the shards: the per-iteration messages are repartitioned between workers; the user's edge
    # table is read by the shards only (one aggregate check and one copy into the work tables).
    repartitions = [c for c in sent if "worker_partition_query_result" in c and "_indb_ml_" in c]
    assert len(repartitions) >= 2 * CITUS_SHARD_COUNT, sent
    edge_scans = [c for c in sent if re.search(r"FROM \S*\be_dist_\d+", c)]
    assert edge_scans and all("count(" in c or "worker_partition_query_result" in c for c in edge_scans), edge_scans
    left = citus_conn.execute("SELECT count(*) FROM pg_class WHERE relname LIKE '\\_indb\\_ml\\_%'").fetchone()[0]
    assert left == 0  # work tables dropped


def test_graph_relational_on_shards_text_ids_and_options(citus_conn):
    """Text vertex ids (labels compared bytewise), personalized pagerank (networkx's) and MADlib 2.1's
    leak without personalization, and bfs directed with a maximum distance, on the shards, equal the
    local relational plan; MADlib 2.1's personalized iteration is refused on the shards (0A000)."""
    (v_local, v_dist), (e_local, e_dist) = graph_tables(citus_conn, text_ids=True, seed=9)
    citus_conn.execute("SET indb_ml.graph_plan = relational")
    calls = [
        ("wcc", "SELECT indb_ml.weakly_connected_components(%s, 'id', %s, 'src=src, dest=dest', %s, 'gid')",
         "gid, id"),
        ("pr", "SELECT indb_ml.pagerank(%s, 'id', %s, 'src=src, dest=dest', %s, 0.85, 50, NULL, NULL, "
               "ARRAY['v1', 'V2', 'v3'], false)", "id"),
        ("leak", "SELECT indb_ml.pagerank(%s, 'id', %s, 'src=src, dest=dest', %s, 0.85, 50, NULL, NULL, "
                 "NULL::text[], true)", "id"),
        ("bfs", "SELECT indb_ml.graph_bfs(%s, 'id', %s, 'src=src, dest=dest', 'V4', %s, 2, true)", "id"),
    ]
    for name, call, order in calls:
        for v, e, kind in ((v_local, e_local, "local"), (v_dist, e_dist, "dist")):
            citus_conn.execute(call, (v, e, f"{name}_{kind}"))
        want, got = table_rows(citus_conn, f"{name}_local", order), table_rows(citus_conn, f"{name}_dist", order)
        assert_rows_close(got, want, rtol=1e-12, what=name)
    assert len(table_rows(citus_conn, "leak_dist", "id")) < 65  # the leak variant leaves out isolated vertices
    with pytest.raises(psycopg.errors.FeatureNotSupported, match="Citus distributed edge table"):
        citus_conn.execute("SELECT indb_ml.pagerank(%s, 'id', %s, 'src=src, dest=dest', 'pr_madlib', 0.85, 50, "
                           "NULL, NULL, ARRAY['v1', 'V2', 'v3'], true)", (v_dist, e_dist))


@pytest.mark.parametrize("plan", ["memory", "relational"])
def test_graph_madlib_conventions_on_distributed_tables(citus_conn, plan):
    """MADlib's conventions (vertices from the edges, NULL edges and groups skipped, self-loops out of
    the degrees, a grouped negative cycle left out) hold on Citus distributed tables as on their
    local twins, in both plans, for the functions without a plan on the shards too."""
    (v_local, v_dist), (e_local, e_dist) = graph_tables(citus_conn, n=30, m=90, seed=7)
    for e in (e_local, e_dist):  # a NULL end, a NULL group, a self-loop, a negative cycle in group 1
        citus_conn.execute(f"INSERT INTO {e} VALUES (1, NULL, 1.0, 0), (2, 3, 1.0, NULL), (4, 4, 1.0, 0), "
                           "(5, 6, -9, 1), (6, 5, 1, 1)")
    citus_conn.execute("SELECT set_config('indb_ml.graph_plan', %s, false)", [plan])
    calls = [
        ("deg", "SELECT indb_ml.graph_vertex_degrees(%s, 'id', %s, 'src=src, dest=dest', %s, 'gid')", "gid, id"),
        ("hits", "SELECT indb_ml.hits(%s, 'id', %s, 'src=src, dest=dest', %s, 20, 0, 'gid')", "gid, id"),
        ("apsp", "SELECT indb_ml.graph_apsp(%s, 'id', %s, 'src=src, dest=dest, weight=w', %s, 'gid')",
         "gid, src, dest"),
        ("sssp", "SELECT indb_ml.graph_sssp(%s, 'id', %s, 'src=src, dest=dest, weight=w', 3, %s, 'gid')", "gid, id"),
    ]
    for name, call, order in calls:
        for v, e, kind in ((v_local, e_local, "local"), (v_dist, e_dist, "dist")):
            citus_conn.execute(call, (v, e, f"{name}_{kind}"))
        want, got = table_rows(citus_conn, f"{name}_local", order), table_rows(citus_conn, f"{name}_dist", order)
        assert got, name
        assert_rows_close(got, want, rtol=1e-9, what=name)
        assert {r["gid"] for r in got} == ({0} if name == "apsp" else {0, 1}), name  # apsp: group 1's cycle


def test_wcc_iteration_limit_and_warm_start_on_shards(citus_conn):
    """weakly_connected_components with iteration_limit (partial labels, out_table_message) and
    warm_start on the shards equal the plain relational plan's, step for step, and the finished
    labels equal one full run's."""
    (v_local, v_dist), (e_local, e_dist) = graph_tables(citus_conn, seed=5)
    citus_conn.execute("SET indb_ml.graph_plan = relational")
    call = "SELECT indb_ml.weakly_connected_components(%s, 'id', %s, 'src=src, dest=dest', %s, 'gid', 2, {warm})"
    for v, e, kind in ((v_local, e_local, "local"), (v_dist, e_dist, "dist")):
        citus_conn.execute(call.format(warm="false"), (v, e, f"w_{kind}"))
    for step in range(8):
        rows = {kind: table_rows(citus_conn, f"w_{kind}", "gid, id") for kind in ("local", "dist")}
        assert rows["dist"] == rows["local"], step
        summary = {kind: table_rows(citus_conn, f"w_{kind}_summary", "1") for kind in ("local", "dist")}
        assert [r["nodes_to_update"] for r in summary["dist"]] == [r["nodes_to_update"] for r in summary["local"]]
        if summary["dist"][0]["nodes_to_update"] == 0:
            break
        assert table_rows(citus_conn, "w_dist_message", "gid, id") == table_rows(citus_conn, "w_local_message",
                                                                               "gid, id")
        for v, e, kind in ((v_local, e_local, "local"), (v_dist, e_dist, "dist")):
            citus_conn.execute(call.format(warm="true"), (v, e, f"w_{kind}"))
    assert step > 0 and citus_conn.execute("SELECT to_regclass('w_dist_message')").fetchone()[0] is None
    citus_conn.execute("SELECT indb_ml.weakly_connected_components(%s, 'id', %s, 'src=src, dest=dest', 'w_full', "
                       "'gid')", (v_dist, e_dist))
    assert table_rows(citus_conn, "w_full", "gid, id") == table_rows(citus_conn, "w_dist", "gid, id")


def test_graph_relational_on_shards_errors(citus_conn):
    """Bad graphs fail on the shards with the plain relational plan's messages, and leave nothing."""
    (v_local, v_dist), (e_local, e_dist) = graph_tables(citus_conn, n=20, m=60)
    citus_conn.execute("SET indb_ml.graph_plan = relational")
    citus_conn.execute("INSERT INTO e_local VALUES (3, 99, 1.0, 0), (98, 4, 1.0, 1)")
    citus_conn.execute("INSERT INTO e_dist SELECT * FROM e_local WHERE src > 90 OR dest > 90")
    messages = {}
    for v, e, kind in ((v_local, e_local, "local"), (v_dist, e_dist, "dist")):
        with pytest.raises(psycopg.errors.ForeignKeyViolation) as failure:
            citus_conn.execute("SELECT indb_ml.pagerank(%s, 'id', %s, 'src=src, dest=dest', 'bad')", (v, e))
        messages[kind] = failure.value.diag.message_primary.replace(kind, "*")
    assert messages["dist"] == messages["local"], messages
    assert "2 edge ends that are not in vertex table" in messages["dist"] and "(e.g. vertex 98)" in messages["dist"]
    citus_conn.execute("DELETE FROM e_local WHERE src > 90 OR dest > 90")
    citus_conn.execute("DELETE FROM e_dist WHERE src > 90 OR dest > 90")
    # A negative cycle: sssp says so, as on the local table.
    citus_conn.execute("INSERT INTO e_local VALUES (1, 2, -5, 0), (2, 1, 1, 0)")
    citus_conn.execute("INSERT INTO e_dist VALUES (1, 2, -5, 0), (2, 1, 1, 0)")
    for v, e in ((v_local, e_local), (v_dist, e_dist)):
        with pytest.raises(psycopg.errors.DataException, match="negative cycle reachable from the source"):
            citus_conn.execute("SELECT indb_ml.graph_sssp(%s, 'id', %s, 'src=src, dest=dest, weight=w', 1, 'bad')",
                               (v, e))
    left = citus_conn.execute("SELECT count(*) FROM pg_class WHERE relname LIKE '\\_indb\\_ml\\_%' "
                              "OR relname LIKE 'bad%'").fetchone()[0]
    assert left == 0


def test_wcc_helpers_on_a_distributed_output(citus_conn):
    """The graph_wcc_* helpers over a distributed weakly_connected_components output (their self-joins
    on component_id repartition) equal the same on the local output."""
    (v_local, v_dist), (e_local, e_dist) = graph_tables(citus_conn, n=40, m=50, seed=6)
    for v, e, kind in ((v_local, e_local, "local"), (v_dist, e_dist, "dist")):
        citus_conn.execute("SELECT indb_ml.weakly_connected_components(%s, 'id', %s, 'src=src, dest=dest', %s, 'gid')",
                           (v, e, f"w_{kind}"))
    a, b = citus_conn.execute("SELECT min(id), max(id) FROM w_local WHERE gid = 0 GROUP BY component_id "
                              "HAVING count(*) > 1 ORDER BY 1 LIMIT 1").fetchone()  # two vertices, one component
    helpers = [("graph_wcc_largest_cpt", "", "lc"), ("graph_wcc_histogram", "", "hi"),
               ("graph_wcc_vertex_check", f"ARRAY[{a}, {b}], ", "vc"), ("graph_wcc_reachable_vertices", f"{a}, ", "rv"),
               ("graph_wcc_num_cpts", "", "nc")]
    for kind in ("local", "dist"):
        for fn, arg, out in helpers:
            citus_conn.execute(sql.SQL("SELECT indb_ml.{}(%s, " + arg + "%s)").format(sql.Identifier(fn)),
                               (f"w_{kind}", f"{out}_{kind}"))
    assert placement(citus_conn, "w_dist")[:2] == ("h", "id")
    for _, _, out in helpers:
        want = sorted(tuple(r.values()) for r in table_rows(citus_conn, out + "_local", "1"))
        assert sorted(tuple(r.values()) for r in table_rows(citus_conn, out + "_dist", "1")) == want, out
        assert want, out


def test_path_outputs_on_distributed_tables(citus_conn):
    """graph_apsp on distributed tables writes its n^2 pairs distributed by the source vertex; the
    path helpers (a recursive CTE, which Citus does not run across shards) walk a local copy of the
    rows they need, and the measures over the pair table equal the local ones."""
    (v_local, v_dist), (e_local, e_dist) = graph_tables(citus_conn, n=25, m=80, seed=4)
    args = "src=src, dest=dest, weight=w"
    for v, e, kind in ((v_local, e_local, "local"), (v_dist, e_dist, "dist")):
        citus_conn.execute("SELECT indb_ml.graph_apsp(%s, 'id', %s, %s, %s)", (v, e, args, f"ap_{kind}"))
        citus_conn.execute("SELECT indb_ml.graph_sssp(%s, 'id', %s, %s, 3, %s)", (v, e, args, f"sp_{kind}"))
        citus_conn.execute("SELECT indb_ml.graph_apsp_get_path(%s, 3, 7, %s)", (f"ap_{kind}", f"ap_path_{kind}"))
        citus_conn.execute("SELECT indb_ml.graph_sssp_get_path(%s, 7, %s)", (f"sp_{kind}", f"sp_path_{kind}"))
        citus_conn.execute("SELECT indb_ml.graph_closeness(%s, %s)", (f"ap_{kind}", f"cl_{kind}"))
        citus_conn.execute("SELECT indb_ml.graph_avg_path_length(%s, %s)", (f"ap_{kind}", f"apl_{kind}"))
    assert placement(citus_conn, "ap_dist")[:2] == ("h", "src") and colocated(citus_conn, "ap_dist", v_dist)
    assert placement(citus_conn, "sp_dist")[:2] == ("h", "id")
    assert_rows_close(table_rows(citus_conn, "ap_dist", "src, dest"), table_rows(citus_conn, "ap_local", "src, dest"),
                      rtol=1e-12, what="apsp")
    for t in ("ap_path", "sp_path"):
        assert table_rows(citus_conn, t + "_dist", "1") == table_rows(citus_conn, t + "_local", "1"), t
        assert table_rows(citus_conn, t + "_dist", "1")[0]["path"][0] == 3
    assert_rows_close(table_rows(citus_conn, "cl_dist", "1"), table_rows(citus_conn, "cl_local", "1"), rtol=1e-12)
    assert_rows_close(table_rows(citus_conn, "apl_dist", "1"), table_rows(citus_conn, "apl_local", "1"), rtol=1e-12)


# -- kNN over a distributed point table ------------------------------------------------------------


def knn_tables(conn, n: int = 400, m: int = 30, d: int = 5, seed: int = 26):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32).astype(float)  # float4-exact, as pgvector stores them
    T = rng.normal(size=(m, d)).astype(np.float32).astype(float)
    lab = rng.integers(0, 3, size=n)
    points = twin(conn, "pts", {"id": np.arange(n), "v": list(X), "lab": lab, "y": rng.normal(size=n)}, "id",
                  {"id": "int", "v": "float8[]", "lab": "int"})
    tests = twin(conn, "tst", {"tid": np.arange(m), "tv": list(T)}, "tid", {"tid": "int", "tv": "float8[]"})
    return X, T, lab, points, tests


def test_knn_distributed_points_equal_local_and_exact(citus_conn):
    """Exact search over distributed points (test points local or distributed): every shard returns
    its own top k per test point, merged on the coordinator: the same neighbours, distances and votes
    as on local tables and as numpy's exact k nearest."""
    k = 7
    X, T, lab, (p_local, p_dist), (t_local, t_dist) = knn_tables(citus_conn)
    citus_conn.execute("SELECT indb_ml.knn(%s, 'v', 'id', 'lab', %s, 'tv', 'tid', 'o_local', %s)",
                       (p_local, t_local, k))
    want = table_rows(citus_conn, "o_local", "id")
    for test_table, out in ((t_local, "o_dl"), (t_dist, "o_dd")):
        with remote_log(citus_conn) as sent:
            citus_conn.execute("SELECT indb_ml.knn(%s, 'v', 'id', 'lab', %s, 'tv', 'tid', %s, %s)",
                               (p_dist, test_table, out, k))
        assert table_rows(citus_conn, out, "id") == want, out
        per_shard = [c for c in sent if re.search(r"FROM \S*pts_dist_\d+ p ORDER BY .* LIMIT 7\)", c)
                     and not c.startswith("EXPLAIN")]
        assert len(per_shard) == CITUS_SHARD_COUNT, sent  # each shard's own top k
    D = ((T[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    order = np.lexsort((np.broadcast_to(np.arange(len(X)), D.shape), D), axis=1)[:, :k]
    for row in want:
        assert row["k_nearest_neighbours"] == order[row["id"]].tolist()
        np.testing.assert_allclose(row["distance"], D[row["id"], order[row["id"]]], rtol=1e-5)
    assert placement(citus_conn, "o_dl") is None  # rows follow the test table
    assert placement(citus_conn, "o_dd")[:2] == ("h", "id") and colocated(citus_conn, "o_dd", t_dist)
    assert citus_conn.execute("SELECT to_regclass('o_dd_summary')").fetchone()[0] is None  # as MADlib: no summary
    # Regression with weights, neighbours only: the same on both.
    for p, out in ((p_local, "r_local"), (p_dist, "r_dist")):
        citus_conn.execute("SELECT indb_ml.knn(%s, 'v', 'id', 'y', %s, 'tv', 'tid', %s, 4, false, 'dist_norm1', "
                           "true)", (p, t_local, out))
    assert_rows_close(table_rows(citus_conn, "r_dist", "id"), table_rows(citus_conn, "r_local", "id"), rtol=1e-12)


def test_knn_kd_tree_on_distributed_tables_equals_local(citus_conn):
    """MADlib's kd_tree over distributed points and test points: the same neighbours as on the local
    twins (the kd-tree's temporary tables are built on the coordinator)."""
    _, _, _, (p_local, p_dist), (t_local, t_dist) = knn_tables(citus_conn)
    for p, t, out in ((p_local, t_local, "kd_local"), (p_dist, t_dist, "kd_dist")):
        citus_conn.execute("SELECT indb_ml.knn(%s, 'v', 'id', 'lab', %s, 'tv', 'tid', %s, 4, true, NULL, false, "
                           "'kd_tree', 'depth=3, leaf_nodes=2')", (p, t, out))
    assert table_rows(citus_conn, "kd_dist", "id") == table_rows(citus_conn, "kd_local", "id")
    assert len(table_rows(citus_conn, "kd_local", "id")) > 0


def test_knn_distributed_hnsw_uses_each_shards_index(citus_conn):
    """algorithm='hnsw' on distributed points builds the index (Citus creates it on every shard),
    the search settings reach the workers, and every shard's plan scans its copy of the index."""
    X, T, lab, (p_local, p_dist), (t_local, _) = knn_tables(citus_conn, n=300)
    citus_conn.execute("SELECT indb_ml.knn(%s, 'v', 'id', 'lab', %s, 'tv', 'tid', 'o_exact', 5)", (p_local, t_local))
    messages = []
    citus_conn.add_notice_handler(lambda diag: messages.append(diag.message_primary or ""))
    with remote_log(citus_conn) as sent:
        citus_conn.execute("SET client_min_messages = debug2")  # knn says how it searched (no summary table)
        citus_conn.execute("SELECT indb_ml.knn(%s, 'v', 'id', 'lab', %s, 'tv', 'tid', 'o_hnsw', 5, true, NULL, false, "
                           "'hnsw', 'ef_search=200')", (p_dist, t_local))
    (message,) = [m for m in messages if m.startswith("knn: ")]
    found = re.match(r"knn: hnsw search, index (\S+) \(built now\), ef_search 200,", message)
    assert found and found.group(1).startswith("pts_dist"), message
    assert "Index Scan using " + found.group(1) + "_" in message, message  # a shard's copy of the index
    assert any("SET LOCAL hnsw.ef_search = '200'" in c for c in sent), sent
    got = table_rows(citus_conn, "o_hnsw", "id")
    exact = table_rows(citus_conn, "o_exact", "id")
    # ef_search 200 exceeds the ~75 points of a shard: the HNSW search is exhaustive, so exact.
    assert [r["k_nearest_neighbours"] for r in got] == [r["k_nearest_neighbours"] for r in exact]


# -- helpers --------------------------------------------------------------------------------------


def test_distribute_like_rules(citus_conn):
    """The rule of indb_ml.core.distributed.distribute_like, through a function that writes a dense
    matrix: colocated when an input is distributed by a column of the key's type, distributed alone
    when inputs are distributed by other types, plain when no input is hash-distributed (a reference
    table counts as not distributed)."""
    A = np.arange(12.0).reshape(4, 3)
    load_table(citus_conn, "m_local", {"row_id": np.arange(1, 5), "row_vec": list(A)},
               {"row_id": "int", "row_vec": "float8[]"})
    citus_conn.execute("CREATE TABLE m_big (row_id bigint, row_vec float8[])")
    citus_conn.execute("SELECT create_distributed_table('m_big', 'row_id')")
    citus_conn.execute("CREATE TABLE m_ref (LIKE m_local)")
    citus_conn.execute("SELECT create_reference_table('m_ref')")
    for t in ("m_big", "m_ref"):
        citus_conn.execute(sql.SQL("INSERT INTO {} SELECT * FROM m_local").format(sql.Identifier(t)))
    args = "row=row_id, val=row_vec"
    for src, out in (("m_local", "o_plain"), ("m_big", "o_alone"), ("m_ref", "o_ref")):
        citus_conn.execute("SELECT indb_ml.matrix_scalar_mult(%s, %s, 2, %s, 'op=memory')", (src, args, out))
        np.testing.assert_allclose(np.array([r["row_vec"] for r in table_rows(citus_conn, out, "row_id")]), 2 * A)
    assert placement(citus_conn, "o_plain") is None and placement(citus_conn, "o_ref") is None
    assert placement(citus_conn, "o_alone")[:2] == ("h", "row_id") and not colocated(citus_conn, "o_alone", "m_big")


def test_wcc_multi_column_ids_on_shards(citus_conn):
    """MADlib's multi-column ids over a distributed vertex table: the shards' ctids repeat, so the
    rows are numbered in id order (1 for the smallest id) and every component keeps its own name;
    the partition is networkx's."""
    import networkx as nx

    rng = np.random.default_rng(12)
    n = 50
    src, dest = rng.integers(0, n, size=35), rng.integers(0, n, size=35)
    (v_local, v_dist) = twin(citus_conn, "vm", {"a": np.arange(n), "b": -np.arange(n)}, "a", {"a": "int8", "b": "int8"})
    (e_local, e_dist) = twin(citus_conn, "em", {"s1": src, "s2": -src, "d1": dest, "d2": -dest}, "s1",
                             {"s1": "int8", "s2": "int8", "d1": "int8", "d2": "int8"})
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(zip(src.tolist(), dest.tolist()))
    want = {(v, -v): min(c) + 1 for c in nx.connected_components(g) for v in c}
    for v, e in ((v_local, e_local), (v_dist, e_dist)):
        out = "wm_" + v
        citus_conn.execute("SELECT indb_ml.weakly_connected_components(%s, '[a,b]', %s, 'src=[s1,s2], dest=[d1,d2]', "
                           "%s)", (v, e, out))
        got = {tuple(i): c for i, c in citus_conn.execute(sql.SQL("SELECT id, component_id FROM {}").format(
            sql.Identifier(out)))}
        if v == v_dist:
            assert got == want
            assert len(set(got.values())) == nx.number_connected_components(g)
        else:  # a local table: MADlib's ctid rule, the same partition
            assert {frozenset(k for k in got if got[k] == c) for c in got.values()} == \
                {frozenset(k for k in want if want[k] == c) for c in want.values()}
