"""hits against networkx's ``nx.hits`` (rescaled from networkx's sum-1 to the library's
documented unit L2 norm), graph_vertex_degrees against networkx's ``in_degree`` /
``out_degree`` / ``degree``; karate club and seeded random graphs (directed and undirected,
disconnected, with dangling and isolated vertices, a duplicate edge, a self-loop); both plans."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from tests.test_graph_data import edge_rows, karate, load_graph, multidigraph, nx_hits, random_graph

PLANS = ["memory", "relational"]


def set_plan(conn, plan):
    conn.execute("SELECT set_config('indb_ml.graph_plan', %s, false)", [plan])


@pytest.mark.parametrize("plan", PLANS)
@pytest.mark.parametrize("graph", ["karate", "random"])
def test_hits_matches_networkx(postgresql, plan, graph):
    if graph == "karate":
        n, g = 34, karate()
    else:
        n = 60
        g = random_graph(n, 240, seed=4, components=2)  # disconnected, dangling and isolated vertices
    src, dst, w = edge_rows(g)
    load_graph(postgresql, n, src, dst, w)
    set_plan(postgresql, plan)
    postgresql.execute("SELECT indb_ml.hits('v', 'id', 'e', NULL, 'h', 1000, 1e-12)")
    rows = postgresql.execute("SELECT id, authority, hub FROM h ORDER BY id").fetchall()
    auth, hub = nx_hits(g)
    on_edges = [v for v in range(n) if g.degree(v) > 0]  # MADlib lists the vertices that are an end of an edge
    assert [r[0] for r in rows] == on_edges and (graph == "karate" or len(on_edges) < n)
    np.testing.assert_allclose([r[1] for r in rows], auth[on_edges], atol=1e-8)
    np.testing.assert_allclose([r[2] for r in rows], hub[on_edges], atol=1e-8)
    assert 1 < postgresql.execute("SELECT __iterations__ FROM h_summary").fetchone()[0] < 1000


def test_hits_plans_agree_with_grouping(postgresql):
    n = 50
    src, dst, _ = edge_rows(random_graph(n, 200, seed=8, components=1))
    groups = np.arange(len(src)) % 2
    load_graph(postgresql, n, src, dst, groups=groups)
    rows = {}
    for plan in PLANS:
        set_plan(postgresql, plan)
        postgresql.execute(f"SELECT indb_ml.hits('v', 'id', 'e', NULL, 'h_{plan}', 50, NULL, 'g')")
        postgresql.execute(f"SELECT indb_ml.hits('v', 'id', 'e', NULL, 'hc_{plan}', 1000, 1e-12, 'g')")
        rows[plan] = postgresql.execute(f"SELECT g, id, authority, hub FROM h_{plan} ORDER BY 1, 2").fetchall()
        conv = postgresql.execute(f"SELECT g, id, authority, hub FROM hc_{plan} ORDER BY 1, 2").fetchall()
        for gv in (0, 1):  # converged, each group against networkx
            h = multidigraph(n, src[groups == gv], dst[groups == gv])
            auth, hub = nx_hits(h)
            on_edges = [v for v in range(n) if h.degree(v) > 0]
            got = np.array([r[2:] for r in conv if r[0] == gv])
            assert [r[1] for r in conv if r[0] == gv] == on_edges
            np.testing.assert_allclose(got[:, 0], auth[on_edges], atol=1e-8)
            np.testing.assert_allclose(got[:, 1], hub[on_edges], atol=1e-8)
    assert n < len(rows["memory"]) <= 2 * n
    assert [r[:2] for r in rows["memory"]] == [r[:2] for r in rows["relational"]]
    np.testing.assert_allclose(np.array([r[2:] for r in rows["memory"]]), np.array([r[2:] for r in rows["relational"]]),
                               atol=1e-12)
    assert "authority" in postgresql.execute("SELECT indb_ml.hits()").fetchone()[0]


@pytest.mark.parametrize("plan", PLANS)
def test_degrees_match_networkx(postgresql, plan):
    n = 90
    g = random_graph(n, 400, seed=2)
    src, dst, w = edge_rows(g)
    groups = np.arange(len(src)) % 3
    load_graph(postgresql, n, src, dst, w, groups=groups)
    set_plan(postgresql, plan)
    postgresql.execute("SELECT indb_ml.graph_vertex_degrees('v', 'id', 'e', 'src=src, dest=dest, weight=weight', "
                       "'deg', 'g')")
    rows = postgresql.execute("SELECT g, id, indegree, outdegree FROM deg ORDER BY 1, 2").fetchall()
    assert len(rows) < 3 * n
    for gv in range(3):
        m = groups == gv
        h = multidigraph(n, src[m], dst[m], w[m])
        h.remove_edges_from(list(nx.selfloop_edges(h)))  # MADlib's degrees leave self-loops out
        listed = [v for v in range(n) if h.degree(v) > 0]  # and list the ends of the other edges only
        assert [r[1] for r in rows if r[0] == gv] == listed and len(listed) < n
        got = np.array([r[2:] for r in rows if r[0] == gv])
        np.testing.assert_array_equal(got[:, 0], [h.in_degree(v) for v in listed])
        np.testing.assert_array_equal(got[:, 1], [h.out_degree(v) for v in listed])
    assert "indegree" in postgresql.execute("SELECT indb_ml.graph_vertex_degrees()").fetchone()[0]


@pytest.mark.parametrize("plan", PLANS)
@pytest.mark.parametrize("graph", ["karate", "random"])
def test_degrees_undirected(postgresql, plan, graph):
    """An undirected graph stored both ways: in- and out-degree are networkx's degree."""
    n, g = (34, karate()) if graph == "karate" else (70, random_graph(70, 150, seed=12, directed=False))
    src, dst, _ = edge_rows(g)
    load_graph(postgresql, n, src, dst)
    set_plan(postgresql, plan)
    postgresql.execute("SELECT indb_ml.graph_vertex_degrees('v', 'id', 'e', NULL, 'deg')")
    rows = postgresql.execute("SELECT id, indegree, outdegree FROM deg ORDER BY 1").fetchall()
    g.remove_edges_from(list(nx.selfloop_edges(g)))
    listed = [v for v in range(n) if g.degree(v) > 0]
    assert [r[0] for r in rows] == listed
    assert [r[1] for r in rows] == [r[2] for r in rows] == [g.degree(v) for v in listed]


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
        h = nx.MultiDiGraph()
        h.add_nodes_from(names)
        h.add_edges_from(zip(names[src[m]], names[dst[m]]))
        got = {r[1]: r[2:] for r in rows["memory"][0] if r[0] == gv}
        loopless = h.copy()
        loopless.remove_edges_from(list(nx.selfloop_edges(loopless)))  # MADlib's degrees leave self-loops out
        assert got == {v: (loopless.in_degree(v), loopless.out_degree(v)) for v in names if loopless.degree(v) > 0}
        auth, hub = nx_hits(multidigraph(20, src[m], dst[m]))  # names sort like positions
        on_edges = [i for i in range(20) if h.degree(names[i]) > 0]  # MADlib: the ends of the group's edges
        got = np.array([r[2:] for r in rows["memory"][1] if r[0] == gv])
        assert [r[1] for r in rows["memory"][1] if r[0] == gv] == names[on_edges].tolist()
        np.testing.assert_allclose(got, np.column_stack([auth, hub])[on_edges], atol=1e-8)
    np.testing.assert_allclose(np.array([r[2:] for r in rows["memory"][1]]),
                               np.array([r[2:] for r in rows["relational"][1]]), atol=1e-9)
    assert postgresql.execute("SELECT pg_typeof(id)::text FROM d_memory LIMIT 1").fetchone()[0] == "character varying"
