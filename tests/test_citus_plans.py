"""Plan choices on Citus distributed inputs (a local cluster, tests/citus_conftest.py).

- graph ``auto`` on a distributed edge table: pagerank, wcc, sssp and bfs pull the graph to the
  coordinator only within ``indb_ml.graph_pull_mb``, else run their relational plans on the
  shards; the other graph functions keep the memory-budget rule;
- the planner's ``la_value`` of X'X, X'y and (X'X)^-1 X'y over distributed dense and tile tables
  equals the local tables' values;
- sparse ``matrix_add`` / ``matrix_sub`` of two distributed tables that are not colocated.
"""

from __future__ import annotations

import psycopg
import pytest

from tests.test_citus import assert_rows_close, table_rows
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
