"""weakly_connected_components and the graph_wcc_* helpers against networkx
(``nx.weakly_connected_components`` / ``nx.connected_components``: a component is labelled by its
smallest vertex id) on the karate club and on seeded random graphs, directed and undirected,
disconnected, with isolated vertices; both plans agree; integer and text ids, grouping. The
iteration cap (MADlib's max_iter, no networkx counterpart) keeps a hand-written check."""

from __future__ import annotations

import networkx as nx
import numpy as np
import psycopg.errors as E
import pytest

from tests.test_graph_data import edge_rows, karate, load_graph, nx_components, random_graph

PLANS = ["memory", "relational"]


def set_plan(conn, plan):
    conn.execute("SELECT set_config('indb_ml.graph_plan', %s, false)", [plan])


@pytest.mark.parametrize("plan", PLANS)
@pytest.mark.parametrize("directed", [True, False])
def test_random_disconnected_matches_networkx(postgresql, plan, directed):
    n = 150
    g = random_graph(n, 120, seed=5, directed=directed, components=4)  # sparse: many components, 5 isolated
    src, dst, _ = edge_rows(g)
    load_graph(postgresql, n, src, dst)
    set_plan(postgresql, plan)
    postgresql.execute("SELECT indb_ml.weakly_connected_components('v', 'id', 'e', 'src=src, dest=dest', 'w')")
    got = dict(postgresql.execute("SELECT id, component_id FROM w").fetchall())
    ref = nx_components(g)
    assert [got[i] for i in range(n)] == ref
    assert len(set(ref)) > 5
    assert postgresql.execute("SELECT nodes_to_update FROM w_summary").fetchone()[0] == 0


@pytest.mark.parametrize("plan", PLANS)
def test_karate_one_component(postgresql, plan):
    g = karate()
    src, dst, _ = edge_rows(g)
    load_graph(postgresql, 36, src, dst)  # plus two isolated vertices 34, 35
    set_plan(postgresql, plan)
    postgresql.execute("SELECT indb_ml.weakly_connected_components('v', 'id', 'e', NULL, 'w')")
    got = dict(postgresql.execute("SELECT id, component_id FROM w").fetchall())
    g.add_nodes_from([34, 35])
    assert [got[i] for i in range(36)] == nx_components(g) == [0] * 34 + [34, 35]


def nx_helpers(g: nx.Graph, vertex, pair):
    """What the helpers should return for one graph, from networkx: largest components (all ties),
    the histogram, the count, whether ``pair`` shares a component, the vertices reachable from
    ``vertex`` (its component without itself), each keyed by the smallest vertex of the component."""
    comps = [sorted(c) for c in nx.weakly_connected_components(g)]
    size = max(len(c) for c in comps)
    label = dict(zip(sorted(g), nx_components(g)))
    if vertex not in g or not all(v in g for v in pair):  # a vertex without edges in a group is not in it
        return ({(c[0], len(c)) for c in comps if len(c) == size}, {c[0]: len(c) for c in comps},
                nx.number_weakly_connected_components(g), None,
                [] if vertex not in g else sorted(nx.node_connected_component(g.to_undirected(as_view=True), vertex)
                                                  - {vertex}))
    return ({(c[0], len(c)) for c in comps if len(c) == size}, {c[0]: len(c) for c in comps},
            nx.number_weakly_connected_components(g),
            label[pair[0]] if nx.has_path(g.to_undirected(as_view=True), *pair) else None,
            sorted(nx.node_connected_component(g.to_undirected(as_view=True), vertex) - {vertex}))


def test_vertex_check_pair_literals(postgresql):
    """MADlib declares vertex_pair BIGINT[] but its docs and its test file
    (src/ports/postgres/modules/graph/wcc.sql_in, test/wcc.sql_in) pass '14,15' and expect
    component 14 in user_id 2 (docs) / the group holding 14 -> 15 (test): every spelling of the
    pair gives networkx's answer."""
    # MADlib's example graph: group 1 edges 0..6, group 2 edges 10..16
    src = np.array([0, 0, 1, 1, 2, 2, 2, 3, 5, 6, 10, 10, 11, 11, 12, 13, 15, 15])
    dst = np.array([1, 2, 2, 3, 3, 5, 6, 0, 6, 3, 11, 12, 12, 13, 13, 10, 16, 14])
    groups = np.array([1] * 10 + [2] * 8)
    load_graph(postgresql, 17, src, dst, groups=groups)
    postgresql.execute("SELECT indb_ml.weakly_connected_components('v', 'id', 'e', NULL, 'w', 'g')")
    g2 = nx.DiGraph(list(zip(src[groups == 2], dst[groups == 2])))
    expect = min(nx.node_connected_component(g2.to_undirected(), 14))
    assert expect == 14
    for i, pair in enumerate(["'14,15'", "' 14 , 15 '", "'{14,15}'", "ARRAY[14, 15]", "'{14,15}'::bigint[]"]):
        postgresql.execute(f"SELECT indb_ml.graph_wcc_vertex_check('w', {pair}, 'vc{i}')")
        assert postgresql.execute(f"SELECT g, component_id FROM vc{i}").fetchall() == [(2, expect)], pair
    postgresql.execute("SELECT indb_ml.graph_wcc_vertex_check('w', '0,14', 'apart')")  # different components
    assert postgresql.execute("SELECT count(*) FROM apart").fetchone()[0] == 0
    postgresql.commit()
    for bad, match in [("'14'", "must be two vertex ids"), ("'14,15,16'", "must be two vertex ids"),
                       ("'14,'", "must be two vertex ids"), ("'a,15'", "is not an integer"),
                       ("'14,99'", "vertex 99 is not in")]:
        with pytest.raises(E.InvalidParameterValue, match=match):
            postgresql.execute(f"SELECT indb_ml.graph_wcc_vertex_check('w', {bad}, 'bad')")
        postgresql.rollback()
    assert postgresql.execute("SELECT to_regclass('bad')").fetchone()[0] is None


def test_helpers(postgresql):
    src = np.array([0, 1, 2, 10, 11, 14, 15, 15])
    dst = np.array([1, 2, 0, 11, 12, 15, 16, 14])
    groups = np.array([1, 1, 1, 2, 2, 2, 2, 2])
    load_graph(postgresql, 17, src, dst, groups=groups)
    postgresql.execute("SELECT indb_ml.weakly_connected_components('v', 'id', 'e', NULL, 'w', 'g')")
    # MADlib's rule: a group lists the ends of its edges only (3 in group 1, 6 in group 2)
    assert postgresql.execute("SELECT g, count(*) FROM w GROUP BY g ORDER BY g").fetchall() == [(1, 3), (2, 6)]
    postgresql.commit()  # keep the tables when a failing call below rolls back
    postgresql.execute("SELECT indb_ml.graph_wcc_largest_cpt('w', 'big')")
    postgresql.execute("SELECT indb_ml.graph_wcc_histogram('w', 'hist')")
    postgresql.execute("SELECT indb_ml.graph_wcc_num_cpts('w', 'cnt')")
    postgresql.execute("SELECT indb_ml.graph_wcc_vertex_check('w', '{14,16}', 'pair')")  # MADlib's literal form
    postgresql.execute("SELECT indb_ml.graph_wcc_reachable_vertices('w', 10, 'reach')")
    for gv in (1, 2):
        big, hist, count, pair, reach = nx_helpers(nx.MultiDiGraph(list(zip(src[groups == gv], dst[groups == gv]))),
                                                   10, (14, 16))
        q = "SELECT component_id, num_vertices FROM {} WHERE g = %s"
        assert set(postgresql.execute(q.format("big"), [gv]).fetchall()) == big
        assert dict(postgresql.execute(q.format("hist"), [gv]).fetchall()) == hist
        assert postgresql.execute("SELECT num_components FROM cnt WHERE g = %s", [gv]).fetchall() == [(count,)]
        assert postgresql.execute("SELECT component_id FROM pair WHERE g = %s", [gv]).fetchall() == \
            ([] if pair is None else [(pair,)])
        assert [r[0] for r in postgresql.execute("SELECT dest FROM reach WHERE g = %s ORDER BY dest", [gv])] == reach
    # vertex 10 has edges only in group 2; ties in group 2 list both largest components
    assert postgresql.execute("SELECT g, component_id, dest FROM reach ORDER BY dest").fetchall() == \
        [(2, 10, 11), (2, 10, 12)]
    assert postgresql.execute("SELECT count(*) FROM big WHERE g = 2").fetchone()[0] == 2
    with pytest.raises(E.InvalidParameterValue, match="vertex 99 is not in"):
        postgresql.execute("SELECT indb_ml.graph_wcc_reachable_vertices('w', 99, 'reach2')")
    postgresql.rollback()
    with pytest.raises(E.InvalidParameterValue, match="not an output of weakly_connected_components"):
        postgresql.execute("SELECT indb_ml.graph_wcc_num_cpts('e', 'cnt2')")


def test_helpers_random(postgresql):
    n = 90
    g = random_graph(n, 70, seed=11, components=5)
    src, dst, _ = edge_rows(g)
    load_graph(postgresql, n, src, dst)
    postgresql.execute("SELECT indb_ml.weakly_connected_components('v', 'id', 'e', NULL, 'w')")
    comps = sorted(nx.weakly_connected_components(g), key=len)
    vertex = min(comps[-1])
    inside = sorted(comps[-1])[:2]
    outside = (min(comps[-1]), min(comps[0]))
    postgresql.execute("SELECT indb_ml.graph_wcc_largest_cpt('w', 'big')")
    postgresql.execute("SELECT indb_ml.graph_wcc_histogram('w', 'hist')")
    postgresql.execute("SELECT indb_ml.graph_wcc_num_cpts('w', 'cnt')")
    postgresql.execute("SELECT indb_ml.graph_wcc_vertex_check('w', %s, 'p_in')", [inside])
    postgresql.execute("SELECT indb_ml.graph_wcc_vertex_check('w', %s, 'p_out')", [list(outside)])
    postgresql.execute("SELECT indb_ml.graph_wcc_reachable_vertices('w', %s, 'reach')", [vertex])
    big, hist, count, pair, reach = nx_helpers(g, vertex, inside)
    assert set(postgresql.execute("SELECT component_id, num_vertices FROM big").fetchall()) == big
    assert dict(postgresql.execute("SELECT component_id, num_vertices FROM hist").fetchall()) == hist
    assert postgresql.execute("SELECT num_components FROM cnt").fetchone()[0] == count > 5
    assert postgresql.execute("SELECT component_id FROM p_in").fetchall() == [(pair,)]
    assert postgresql.execute("SELECT count(*) FROM p_out").fetchone()[0] == 0
    assert [r[0] for r in postgresql.execute("SELECT dest FROM reach ORDER BY dest")] == reach
    assert len(reach) > 3


@pytest.mark.parametrize("plan", PLANS)
def test_text_ids_and_helpers(postgresql, plan):
    names = np.array(["b", "a", "c", "Z", "d"])
    load_graph(postgresql, names, np.array(["b", "c"]), np.array(["c", "Z"]), id_type="text")
    set_plan(postgresql, plan)
    postgresql.execute("SELECT indb_ml.weakly_connected_components('v', 'id', 'e', NULL, 'w')")
    got = dict(postgresql.execute("SELECT id, component_id FROM w").fetchall())
    g = nx.DiGraph([("b", "c"), ("c", "Z")])
    g.add_nodes_from(names)
    ref = dict(zip(sorted(g), nx_components(g)))  # Python's str order is bytewise here: 'Z' < 'a'
    assert got == ref == {"a": "a", "b": "Z", "c": "Z", "Z": "Z", "d": "d"}
    postgresql.execute("SELECT indb_ml.graph_wcc_reachable_vertices('w', 'b', 'r')")
    assert sorted(r[1] for r in postgresql.execute("SELECT component_id, dest FROM r").fetchall()) == \
        sorted(nx.node_connected_component(g.to_undirected(), "b") - {"b"})
    postgresql.execute("SELECT indb_ml.graph_wcc_vertex_check('w', 'b', 'Z', 'pair')")
    postgresql.execute("SELECT indb_ml.graph_wcc_vertex_check('w', 'b', 'a', 'pair2')")
    assert postgresql.execute("SELECT (SELECT array_agg(component_id) FROM pair), (SELECT count(*) FROM pair2)") \
        .fetchone() == (["Z"], 0)


def test_plans_agree_on_karate_groups(postgresql):
    src, dst, _ = edge_rows(karate())
    groups = (np.arange(len(src)) % 4 == 0).astype(int)
    load_graph(postgresql, 34, src, dst, groups=groups)
    rows = {}
    for plan in PLANS:
        set_plan(postgresql, plan)
        postgresql.execute(f"SELECT indb_ml.weakly_connected_components('v', 'id', 'e', NULL, 'w_{plan}', 'g')")
        rows[plan] = postgresql.execute(f"SELECT g, id, component_id FROM w_{plan} ORDER BY 1, 2").fetchall()
    assert rows["memory"] == rows["relational"]
    for gv in (0, 1):
        g = nx.MultiDiGraph(list(zip(src[groups == gv].tolist(), dst[groups == gv].tolist())))  # edge ends only
        ref = dict(zip(sorted(g), nx_components(g)))
        assert {v: c for gr, v, c in rows["memory"] if gr == gv} == ref
        assert len(set(ref.values())) > 1 or gv == 0  # group 1 has a quarter of the edges: it falls apart


def test_iteration_limit_and_usage(postgresql):
    n = 12
    load_graph(postgresql, n, np.arange(n - 1), np.arange(1, n))  # a path: labels need n-1 steps
    set_plan(postgresql, "relational")
    postgresql.execute("SELECT indb_ml.weakly_connected_components('v', 'id', 'e', NULL, 'w', NULL, 3)")
    iters, pending = postgresql.execute("SELECT num_iterations, nodes_to_update FROM w_summary").fetchone()
    assert iters == 3 and pending > 0
    assert "graph_wcc_largest_cpt" in postgresql.execute("SELECT indb_ml.weakly_connected_components()").fetchone()[0]


@pytest.mark.parametrize("plan", PLANS)
def test_madlib_documented_grouped_layout(postgresql, plan):
    """MADlib's documented grouped example (graph/wcc.sql_in, apache/madlib f91813b): its output is
    ``node_id | component_id | user_id`` (grouping columns last) with component_id a bigint (MADlib
    casts its labels to BIGINT, graph/wcc.py_in), and these rows; vertex 4 has no edge, so no group."""
    conn = postgresql
    conn.execute("CREATE TABLE vertex (node_id integer)")
    conn.execute("INSERT INTO vertex VALUES (0),(1),(2),(3),(4),(5),(6),(10),(11),(12),(13),(14),(15),(16)")
    conn.execute("CREATE TABLE edge (conn_src integer, conn_dest integer, user_id integer)")
    conn.execute("INSERT INTO edge VALUES (0,1,1),(0,2,1),(1,2,1),(1,3,1),(2,3,1),(2,5,1),(2,6,1),(3,0,1),(5,6,1),"
                 "(6,3,1),(10,11,2),(10,12,2),(11,12,2),(11,13,2),(12,13,2),(13,10,2),(15,16,2),(15,14,2)")
    set_plan(conn, plan)
    conn.execute("SELECT indb_ml.weakly_connected_components('vertex', 'node_id', 'edge', "
                 "'src=conn_src, dest=conn_dest', 'wcc_out', 'user_id')")
    cols = conn.execute("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = "
                        "'wcc_out'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum").fetchall()
    assert cols == [("node_id", "integer"), ("component_id", "bigint"), ("user_id", "integer")]
    rows = conn.execute("SELECT * FROM wcc_out ORDER BY user_id, component_id, node_id").fetchall()
    assert rows == [(v, 0, 1) for v in (0, 1, 2, 3, 5, 6)] + [(v, 10, 2) for v in (10, 11, 12, 13)] \
        + [(v, 14, 2) for v in (14, 15, 16)]
    # The documented helpers' outputs (grouping columns first there, as MADlib's).
    conn.execute("SELECT indb_ml.graph_wcc_largest_cpt('wcc_out', 'largest_cpt_table')")
    assert conn.execute("SELECT * FROM largest_cpt_table ORDER BY component_id").fetchall() == [(1, 0, 6), (2, 10, 4)]
    conn.execute("SELECT indb_ml.graph_wcc_histogram('wcc_out', 'histogram_table')")
    assert conn.execute("SELECT * FROM histogram_table ORDER BY component_id").fetchall() \
        == [(1, 0, 6), (2, 10, 4), (2, 14, 3)]
    conn.execute("SELECT indb_ml.graph_wcc_vertex_check('wcc_out', '14,15', 'vc_table')")
    assert conn.execute("SELECT * FROM vc_table ORDER BY component_id").fetchall() == [(2, 14)]
    conn.execute("SELECT indb_ml.graph_wcc_reachable_vertices('wcc_out', 0, 'reach_table')")
    assert conn.execute("SELECT * FROM reach_table ORDER BY component_id, dest").fetchall() \
        == [(1, 0, v) for v in (1, 2, 3, 5, 6)]
    conn.execute("SELECT indb_ml.graph_wcc_num_cpts('wcc_out', 'count_table')")
    assert conn.execute("SELECT * FROM count_table ORDER BY user_id").fetchall() == [(1, 1), (2, 2)]
    # networkx: the same partition per group.
    for user in (1, 2):
        g = nx.MultiDiGraph(conn.execute("SELECT conn_src, conn_dest FROM edge WHERE user_id = %s", [user]).fetchall())
        got = dict(conn.execute("SELECT node_id, component_id FROM wcc_out WHERE user_id = %s", [user]).fetchall())
        assert got == dict(zip(sorted(g), nx_components(g)))
