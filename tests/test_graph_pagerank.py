"""pagerank against networkx's ``nx.pagerank`` (karate club, unweighted and weighted; seeded
random graphs, directed and undirected, weighted, disconnected, with dangling and isolated
vertices, a duplicate edge and a self-loop; personalization, grouping, text ids); the in-memory
and relational plans agree. networkx has no counterpart of MADlib 2.1's compatibility mode or of
MADlib's documented example outputs, so those keep literal checks."""

from __future__ import annotations

import numpy as np
import pytest

from tests.test_graph_data import (
    edge_rows,
    karate,
    load_graph,
    multidigraph,
    nx_pagerank,
    random_graph,
)

PLANS = ["memory", "relational"]
TOL = dict(rtol=1e-8, atol=1e-12)  # iterations stop at 1e-13 per vertex; networkx at L1 change < n * 1e-16


def ranks(conn, table="pr", key="id"):
    return dict(conn.execute(f"SELECT {key}, pagerank FROM {table} ORDER BY {key}").fetchall())


def set_plan(conn, plan):
    conn.execute("SELECT set_config('indb_ml.graph_plan', %s, false)", [plan])


@pytest.mark.parametrize("plan", PLANS)
@pytest.mark.parametrize("weighted", [False, True])
def test_karate_matches_networkx(postgresql, plan, weighted):
    g = karate()
    src, dst, w = edge_rows(g)
    load_graph(postgresql, 34, src, dst, w)
    set_plan(postgresql, plan)
    args = "src=src, dest=dest" + (", weight=weight" if weighted else "")
    postgresql.execute("SELECT indb_ml.pagerank('v', 'id', 'e', %s, 'pr', 0.85, 1000, 1e-13)", [args])
    got = ranks(postgresql)
    np.testing.assert_allclose([got[i] for i in range(34)], nx_pagerank(g, weighted=weighted), **TOL)
    iters = postgresql.execute("SELECT __iterations__ FROM pr_summary").fetchone()[0]
    assert 10 < iters < 1000


@pytest.mark.parametrize("plan", PLANS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("directed", [True, False])
def test_random_dangling_isolated(postgresql, plan, weighted, directed):
    n = 120
    g = random_graph(n, 400, seed=3, directed=directed)
    src, dst, w = edge_rows(g)
    load_graph(postgresql, n, src, dst, w)
    set_plan(postgresql, plan)
    args = "src=src, dest=dest" + (", weight=weight" if weighted else "")
    postgresql.execute("SELECT indb_ml.pagerank('v', NULL, 'e', %s, 'pr', 0.85, 1000, 1e-13)", [args])
    got = ranks(postgresql)
    assert len(got) == n  # isolated vertices included
    np.testing.assert_allclose([got[i] for i in range(n)], nx_pagerank(g, weighted=weighted), **TOL)
    assert sum(got.values()) == pytest.approx(1.0, abs=1e-12)


def test_plans_agree_with_grouping_and_personalization(postgresql):
    n = 80
    src, dst, _ = edge_rows(random_graph(n, 300, seed=9))
    groups = np.where(np.arange(len(src)) % 3 == 0, 1, 2)
    load_graph(postgresql, n, src, dst, groups=groups)
    out = {}
    for plan in PLANS:
        set_plan(postgresql, plan)
        postgresql.execute(f"SELECT indb_ml.pagerank('v', 'id', 'e', NULL, 'pr_{plan}', 0.7, 500, 1e-13, 'g', "
                           "ARRAY[2, 3, 40, 3])")
        out[plan] = postgresql.execute(f"SELECT g, id, pagerank FROM pr_{plan} ORDER BY g, id").fetchall()
        assert postgresql.execute(f"SELECT count(*) FROM pr_{plan}_summary").fetchone()[0] == 2
    assert [r[:2] for r in out["memory"]] == [r[:2] for r in out["relational"]]
    np.testing.assert_allclose([r[2] for r in out["memory"]], [r[2] for r in out["relational"]], rtol=1e-9, atol=1e-14)
    for gv in (1, 2):
        mask = groups == gv
        ref = nx_pagerank(multidigraph(n, src[mask], dst[mask]), damping=0.7, personalization={2, 3, 40})
        got = {i: r for g, i, r in out["memory"] if g == gv}
        assert len(got) == n
        np.testing.assert_allclose([got[i] for i in range(n)], ref, **TOL)


@pytest.mark.parametrize("plan", PLANS)
def test_text_ids_and_disconnected(postgresql, plan):
    names = np.array([f"v{i:03d}" for i in range(30)])
    src = np.array([0, 1, 2, 10, 11, 12, 12, 20])
    dst = np.array([1, 2, 0, 11, 12, 10, 13, 21])
    load_graph(postgresql, names[::-1], names[src], names[dst], id_type="text")
    set_plan(postgresql, plan)
    postgresql.execute("SELECT indb_ml.pagerank('v', 'id', 'e', NULL, 'pr', 0.85, 1000, 1e-13, NULL, "
                       "ARRAY['v010', 'v020'], false)")
    got = ranks(postgresql)
    ref = nx_pagerank(multidigraph(30, src, dst), personalization={10, 20})
    np.testing.assert_allclose([got[k] for k in names], ref, **TOL)


@pytest.mark.parametrize("plan", PLANS)
def test_madlib21_compat_leaks_and_drops_isolated(postgresql, plan):
    """No networkx counterpart: the closed form of the leaking iteration on the path 0->1->2."""
    load_graph(postgresql, 5, np.array([0, 1]), np.array([1, 2]))
    set_plan(postgresql, plan)
    postgresql.execute("SELECT indb_ml.pagerank('v', 'id', 'e', NULL, 'pr', 0.85, 100, 1e-12, NULL, NULL::int[], true)")
    got = ranks(postgresql)
    assert sorted(got) == [0, 1, 2]  # vertices 3 and 4 have no edges
    d, base = 0.85, 0.15 / 5
    assert got[0] == pytest.approx(base)
    assert got[1] == pytest.approx(base + d * base)
    assert got[2] == pytest.approx(base + d * (base + d * base))
    assert sum(got.values()) < 0.9


def test_usage_and_default_threshold(postgresql):
    assert "damping_factor" in postgresql.execute("SELECT indb_ml.pagerank()").fetchone()[0]
    src, dst = np.array([0, 1, 2, 2]), np.array([1, 2, 0, 3])
    load_graph(postgresql, 4, src, dst)
    postgresql.execute("SELECT indb_ml.pagerank('v', 'id', 'e', NULL, 'pr')")
    got = ranks(postgresql)
    # default threshold 1e-3 / n: every rank within a few thresholds of the fixed point
    np.testing.assert_allclose([got[i] for i in range(4)], nx_pagerank(multidigraph(4, src, dst)), atol=1e-3)


MADLIB_EDGES = [(0, 1, 1), (0, 2, 1), (0, 4, 1), (1, 2, 1), (1, 3, 1), (2, 3, 1), (2, 5, 1), (2, 6, 1), (3, 0, 1),
                (4, 0, 1), (5, 6, 1), (6, 3, 1), (0, 1, 2), (0, 2, 2), (0, 4, 2), (1, 2, 2), (1, 3, 2), (2, 3, 2),
                (3, 0, 2), (4, 0, 2), (5, 6, 2), (6, 3, 2)]


@pytest.mark.parametrize("plan", PLANS)
def test_madlib_documented_example(postgresql, plan):
    """MADlib's grouped example (no dangling vertices, where both definitions agree): the ranks and
    iteration counts printed in MADlib's documentation, also checked against networkx; and its
    '{2,4}' personalization literal against networkx."""
    postgresql.execute("CREATE TABLE vertex (node_id integer)")
    postgresql.execute("INSERT INTO vertex SELECT generate_series(0, 6)")
    postgresql.execute("CREATE TABLE edge (conn_src integer, conn_dest integer, user_id integer)")
    with postgresql.cursor().copy("COPY edge FROM STDIN") as copy:
        for row in MADLIB_EDGES:
            copy.write_row(row)
    set_plan(postgresql, plan)
    postgresql.execute("SELECT indb_ml.pagerank('vertex', 'node_id', 'edge', 'src=conn_src, dest=conn_dest', "
                       "'pagerank_out', NULL, NULL, 0.00000001, 'user_id')")
    got = postgresql.execute("SELECT user_id, node_id, pagerank FROM pagerank_out ORDER BY 1, 2").fetchall()
    doc = {1: [0.27825488388552, 0.10026745615438, 0.14288112346059, 0.20188114667075, 0.10026745615438,
               0.06191155535288, 0.11453637832147],
           2: [0.31854625004173, 0.11168334437971, 0.15914876489397, 0.23786686773343, 0.11168334437971,
               0.02142857142857, 0.03964285714285]}
    np.testing.assert_allclose([r[2] for r in got], doc[1] + doc[2], atol=2e-14)
    assert postgresql.execute("SELECT user_id, __iterations__ FROM pagerank_out_summary ORDER BY 1").fetchall() \
        == [(1, 27), (2, 31)]
    src, dst, grp = (np.array(c) for c in zip(*MADLIB_EDGES))
    for gv in (1, 2):  # threshold 1e-8 per vertex: within a few 1e-8 of networkx's fixed point
        np.testing.assert_allclose(doc[gv], nx_pagerank(multidigraph(7, src[grp == gv], dst[grp == gv])), atol=1e-7)
    postgresql.execute("SELECT indb_ml.pagerank('vertex', 'node_id', 'edge', 'src=conn_src, dest=conn_dest', "
                       "'ppr', NULL, NULL, 1e-13, NULL, '{2,4}')")
    got = dict(postgresql.execute("SELECT node_id, pagerank FROM ppr").fetchall())
    np.testing.assert_allclose([got[i] for i in range(7)],
                               nx_pagerank(multidigraph(7, src, dst), personalization={2, 4}), **TOL)
