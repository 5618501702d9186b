"""hits against a dense eigendecomposition, graph_vertex_degrees against counting; both plans."""

from __future__ import annotations

import numpy as np
import pytest

from tests.test_graph_data import hits_eig, karate_edges, load_graph, random_graph

PLANS = ["memory", "relational"]


def set_plan(conn, plan):
    conn.execute("SELECT set_config('indb_ml.graph_plan', %s, false)", [plan])


def connected_random(n, m, seed):
    src, dst, _ = random_graph(n, m, seed, isolated=0)
    ring = np.arange(n)
    return np.concatenate([src, ring]), np.concatenate([dst, (ring + 1) % n])


@pytest.mark.parametrize("plan", PLANS)
@pytest.mark.parametrize("graph", ["karate", "random"])
def test_hits_matches_eigenvectors(postgresql, plan, graph):
    if graph == "karate":
        n, (src, dst) = 34, karate_edges()
    else:
        n = 60
        src, dst = connected_random(n, 240, seed=4)
    load_graph(postgresql, n, src, dst)
    set_plan(postgresql, plan)
    postgresql.execute("SELECT indb_ml.hits('v', 'id', 'e', NULL, 'h', 1000, 1e-12)")
    rows = postgresql.execute("SELECT id, authority, hub FROM h ORDER BY id").fetchall()
    auth, hub = hits_eig(n, src, dst)
    np.testing.assert_allclose([r[1] for r in rows], auth, atol=1e-8)
    np.testing.assert_allclose([r[2] for r in rows], hub, atol=1e-8)
    assert 1 < postgresql.execute("SELECT __iterations__ FROM h_summary").fetchone()[0] < 1000


def test_hits_plans_agree_with_grouping(postgresql):
    n = 50
    src, dst = connected_random(n, 200, seed=8)
    groups = np.arange(len(src)) % 2
    load_graph(postgresql, n, src, dst, groups=groups)
    rows = {}
    for plan in PLANS:
        set_plan(postgresql, plan)
        postgresql.execute(f"SELECT indb_ml.hits('v', 'id', 'e', NULL, 'h_{plan}', 50, NULL, 'g')")
        rows[plan] = postgresql.execute(f"SELECT g, id, authority, hub FROM h_{plan} ORDER BY 1, 2").fetchall()
    assert len(rows["memory"]) == 2 * n
    assert [r[:2] for r in rows["memory"]] == [r[:2] for r in rows["relational"]]
    np.testing.assert_allclose(np.array([r[2:] for r in rows["memory"]]), np.array([r[2:] for r in rows["relational"]]),
                               atol=1e-12)
    assert "authority" in postgresql.execute("SELECT indb_ml.hits()").fetchone()[0]


@pytest.mark.parametrize("plan", PLANS)
def test_degrees_count_every_edge_row(postgresql, plan):
    n = 90
    src, dst, w = random_graph(n, 400, seed=2)
    groups = np.arange(400) % 3
    load_graph(postgresql, n, src, dst, w, groups=groups)
    set_plan(postgresql, plan)
    postgresql.execute("SELECT indb_ml.graph_vertex_degrees('v', 'id', 'e', 'src=src, dest=dest, weight=weight', "
                       "'deg', 'g')")
    rows = postgresql.execute("SELECT g, id, indegree, outdegree FROM deg ORDER BY 1, 2").fetchall()
    assert len(rows) == 3 * n
    for gv in range(3):
        m = groups == gv
        got = np.array([r[2:] for r in rows if r[0] == gv])
        np.testing.assert_array_equal(got[:, 0], np.bincount(dst[m], minlength=n))
        np.testing.assert_array_equal(got[:, 1], np.bincount(src[m], minlength=n))
    assert "indegree" in postgresql.execute("SELECT indb_ml.graph_vertex_degrees()").fetchone()[0]


def test_text_ids_with_grouping_both_plans(postgresql):
    names = np.array([f"n{i:02d}" for i in range(20)])
    rng = np.random.default_rng(6)
    src, dst = rng.integers(0, 20, 60), rng.integers(0, 20, 60)
    groups = np.arange(60) % 2
    load_graph(postgresql, names, names[src], names[dst], groups=groups, id_type="varchar(8)")
    rows = {}
    for plan in PLANS:
        set_plan(postgresql, plan)
        postgresql.execute(f"SELECT indb_ml.graph_vertex_degrees('v', 'id', 'e', NULL, 'd_{plan}', 'g')")
        postgresql.execute(f"SELECT indb_ml.hits('v', 'id', 'e', NULL, 'h_{plan}', 200, 1e-12, 'g')")
        rows[plan] = (postgresql.execute(f"SELECT g, id, indegree, outdegree FROM d_{plan} ORDER BY 1, 2").fetchall(),
                      postgresql.execute(f"SELECT g, id, authority, hub FROM h_{plan} ORDER BY 1, 2").fetchall())
    assert rows["memory"][0] == rows["relational"][0]
    for gv in (0, 1):
        m = groups == gv
        got = {r[1]: r[2:] for r in rows["memory"][0] if r[0] == gv}
        assert got == {names[v]: (int((dst[m] == v).sum()), int((src[m] == v).sum())) for v in range(20)}
    np.testing.assert_allclose(np.array([r[2:] for r in rows["memory"][1]]),
                               np.array([r[2:] for r in rows["relational"][1]]), atol=1e-9)
    assert postgresql.execute("SELECT pg_typeof(id)::text FROM d_memory LIMIT 1").fetchone()[0] == "character varying"
