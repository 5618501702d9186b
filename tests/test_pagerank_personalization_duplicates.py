"""A personalization vertex listed twice, with and without ``madlib21_compat``.

MADlib 2.1 (src/ports/postgres/modules/graph/pagerank.py_in, ``validate_personaliztion_vertices``)
counts the distinct listed vertices that are an end of an edge, per group, and raises "Personalization
nodes must be a subset of the vertex_table without duplicates ..." unless that count equals
``len(personalization_vertices)``. A repeated vertex therefore never reaches its iteration, nor its
final division by ``total_ppr_nodes = len(personalization_vertices)`` (``get_query_params_for_ppr``).
The replay below transcribes that check; ranks of the lists it accepts come from the transcription of
MADlib's iteration in tests/test_graph_pagerank.py. Without the flag a repeated vertex counts once
(networkx's personalization is a set of vertices).
"""

from __future__ import annotations

import numpy as np
import psycopg
import pytest

from tests.test_graph_data import multidigraph, nx_pagerank
from tests.test_graph_pagerank import MADLIB_EDGES, PLANS, TOL, madlib21_ppr_oracle, madlib_test_graph, set_plan


def madlib21_accepts(edges_by_group: dict, listed: list) -> bool:
    """MADlib 2.1's validate_personaliztion_vertices: in every group, COUNT(DISTINCT id) over the
    listed ids that are an end of one of the group's edges equals the list's length."""
    for edges in edges_by_group.values():
        ends = {s for s, _ in edges} | {t for _, t in edges}
        if len({v for v in listed if v in ends}) != len(listed):
            return False
    return True


def _edges(grouped: bool) -> dict:
    if not grouped:
        return {None: [(s, t) for s, t, _ in MADLIB_EDGES]}
    return {g: [(s, t) for s, t, gg in MADLIB_EDGES if gg == g] for g in (1, 2)}


def _call(conn, out, grouped, pers, flag="true"):
    conn.execute("SELECT indb_ml.pagerank('vertex', 'id', '\"EDGE\"', 'src=src, dest=dest', %s, NULL, NULL, NULL, "
                 f"%s, %s::text[], {flag})", [out, "user_id" if grouped else None, pers])


@pytest.mark.parametrize("plan", PLANS)
@pytest.mark.parametrize("grouped", [False, True])
def test_madlib21_refuses_a_repeated_vertex(postgresql, plan, grouped):
    """The replay of MADlib's check refuses '{1,3,1}' and accepts '{1,3}'; indb_ml with
    madlib21_compat does the same, and its ranks for '{1,3}' are MADlib's iteration's."""
    madlib_test_graph(postgresql)
    set_plan(postgresql, plan)
    edges = _edges(grouped)
    assert not madlib21_accepts(edges, [1, 3, 1])
    assert madlib21_accepts(edges, [1, 3])
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="vertex 1 is listed more than once"):
        _call(postgresql, "dup", grouped, ["1", "3", "1"])
    postgresql.rollback()
    madlib_test_graph(postgresql)
    set_plan(postgresql, plan)
    _call(postgresql, "ok", grouped, ["1", "3"])
    for g, group_edges in edges.items():
        ref, iters = madlib21_ppr_oracle(7, group_edges, {1, 3}, grouped=grouped)
        where = "" if g is None else f" WHERE user_id = {g}"
        got = dict(postgresql.execute("SELECT id, pagerank FROM ok" + where).fetchall())
        assert sorted(got) == sorted(ref)
        np.testing.assert_allclose([got[v] for v in sorted(ref)], [ref[v] for v in sorted(ref)], rtol=1e-12)
        assert postgresql.execute("SELECT __iterations__ FROM ok_summary" + where).fetchone()[0] == iters


def test_madlib_pagerank_setting_refuses_a_repeated_vertex(postgresql):
    """SET indb_ml.madlib_pagerank = on: MADlib's own 10-argument signature refuses '{3,3}' too."""
    madlib_test_graph(postgresql)
    postgresql.execute("SET indb_ml.madlib_pagerank = on")
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="vertex 3 is listed more than once"):
        postgresql.execute("SELECT indb_ml.pagerank('vertex', 'id', '\"EDGE\"', 'src=src, dest=dest', 'dup', "
                           "NULL, NULL, NULL, NULL, '{3,3}')")


def test_madlib21_refuses_a_repeated_multicolumn_vertex(postgresql):
    """Multi-column ids ('{{2,2},{4,4},{2,2}}'): the repeated row is refused with the flag."""
    postgresql.execute("CREATE TABLE vm (a bigint, b bigint)")
    postgresql.execute("INSERT INTO vm SELECT i, i FROM generate_series(0, 6) i")
    postgresql.execute("CREATE TABLE em (sa bigint, sb bigint, da bigint, db bigint)")
    postgresql.execute("INSERT INTO em VALUES " + ", ".join(f"({s}, {s}, {t}, {t})" for s, t, g in MADLIB_EDGES
                                                             if g == 1))
    with pytest.raises(psycopg.errors.InvalidParameterValue, match=r"vertex \{2,2\} is listed more than once"):
        postgresql.execute("SELECT indb_ml.pagerank('vm', '[a,b]', 'em', 'src=[sa,sb], dest=[da,db]', 'dup', NULL, "
                           "NULL, NULL, NULL, '{{2,2},{4,4},{2,2}}'::text[], true)")


@pytest.mark.parametrize("plan", PLANS)
def test_without_the_flag_a_repeated_vertex_counts_once(postgresql, plan):
    """Flag off: '{1,3,1,3,3}' gives networkx's personalized PageRank over the set {1, 3}."""
    madlib_test_graph(postgresql)
    set_plan(postgresql, plan)
    postgresql.execute("SELECT indb_ml.pagerank('vertex', 'id', '\"EDGE\"', 'src=src, dest=dest', 'std', NULL, NULL, "
                       "1e-13, NULL, '{1,3,1,3,3}')")
    got = dict(postgresql.execute("SELECT id, pagerank FROM std").fetchall())
    src, dst, _ = (np.array(c) for c in zip(*MADLIB_EDGES))
    np.testing.assert_allclose([got[i] for i in range(7)],
                               nx_pagerank(multidigraph(7, src, dst), personalization={1, 3}), **TOL)
