"""weakly_connected_components and the graph_wcc_* helpers against a pure-Python union-find;
both plans agree; integer and text ids, grouping, isolated vertices."""

from __future__ import annotations

from collections import Counter

import numpy as np
import psycopg.errors as E
import pytest

from tests.test_graph_data import components_py, karate_edges, load_graph, random_graph

PLANS = ["memory", "relational"]


def set_plan(conn, plan):
    conn.execute("SELECT set_config('indb_ml.graph_plan', %s, false)", [plan])


@pytest.mark.parametrize("plan", PLANS)
def test_random_disconnected_matches_union_find(postgresql, plan):
    n = 150
    src, dst, _ = random_graph(n, 120, seed=5)  # sparse: many components, 5 isolated vertices
    load_graph(postgresql, n, src, dst)
    set_plan(postgresql, plan)
    postgresql.execute("SELECT indb_ml.weakly_connected_components('v', 'id', 'e', 'src=src, dest=dest', 'w')")
    got = dict(postgresql.execute("SELECT id, component_id FROM w").fetchall())
    ref = components_py(n, src, dst)
    assert [got[i] for i in range(n)] == ref
    assert len(set(ref)) > 5
    assert postgresql.execute("SELECT nodes_to_update FROM w_summary").fetchone()[0] == 0


def test_helpers(postgresql):
    src = np.array([0, 1, 2, 10, 11, 14, 15, 15])
    dst = np.array([1, 2, 0, 11, 12, 15, 16, 14])
    groups = np.array([1, 1, 1, 2, 2, 2, 2, 2])
    load_graph(postgresql, 17, src, dst, groups=groups)
    postgresql.execute("SELECT indb_ml.weakly_connected_components('v', 'id', 'e', NULL, 'w', 'g')")
    assert postgresql.execute("SELECT count(*) FROM w").fetchone()[0] == 34  # every vertex in both groups
    postgresql.commit()  # keep the tables when a failing call below rolls back
    postgresql.execute("SELECT indb_ml.graph_wcc_largest_cpt('w', 'big')")
    assert postgresql.execute("SELECT g, component_id, num_vertices FROM big ORDER BY 1, 2").fetchall() == \
        [(1, 0, 3), (2, 10, 3), (2, 14, 3)]
    postgresql.execute("SELECT indb_ml.graph_wcc_histogram('w', 'hist')")
    hist = postgresql.execute("SELECT g, component_id, num_vertices FROM hist").fetchall()
    for gv in (1, 2):
        ref = Counter(components_py(17, src[groups == gv], dst[groups == gv]))
        assert {c: k for g, c, k in hist if g == gv} == dict(ref)
    postgresql.execute("SELECT indb_ml.graph_wcc_num_cpts('w', 'cnt')")
    assert postgresql.execute("SELECT g, num_components FROM cnt ORDER BY g").fetchall() == [(1, 15), (2, 13)]
    postgresql.execute("SELECT indb_ml.graph_wcc_vertex_check('w', '{14,16}', 'pair')")  # MADlib's literal form
    assert postgresql.execute("SELECT g, component_id FROM pair").fetchall() == [(2, 14)]
    postgresql.execute("SELECT indb_ml.graph_wcc_reachable_vertices('w', 10, 'reach')")
    assert postgresql.execute("SELECT g, component_id, dest FROM reach ORDER BY dest").fetchall() == \
        [(2, 10, 11), (2, 10, 12)]
    with pytest.raises(E.InvalidParameterValue, match="vertex 99 is not in"):
        postgresql.execute("SELECT indb_ml.graph_wcc_reachable_vertices('w', 99, 'reach2')")
    postgresql.rollback()
    with pytest.raises(E.InvalidParameterValue, match="not an output of weakly_connected_components"):
        postgresql.execute("SELECT indb_ml.graph_wcc_num_cpts('e', 'cnt2')")


@pytest.mark.parametrize("plan", PLANS)
def test_text_ids_and_helpers(postgresql, plan):
    names = np.array(["b", "a", "c", "Z", "d"])
    load_graph(postgresql, names, np.array(["b", "c"]), np.array(["c", "Z"]), id_type="text")
    set_plan(postgresql, plan)
    postgresql.execute("SELECT indb_ml.weakly_connected_components('v', 'id', 'e', NULL, 'w')")
    got = dict(postgresql.execute("SELECT id, component_id FROM w").fetchall())
    assert got == {"a": "a", "b": "Z", "c": "Z", "Z": "Z", "d": "d"}  # bytewise order: 'Z' < 'a'
    postgresql.execute("SELECT indb_ml.graph_wcc_reachable_vertices('w', 'b', 'r')")
    assert sorted(r[1] for r in postgresql.execute("SELECT component_id, dest FROM r").fetchall()) == ["Z", "c"]
    postgresql.execute("SELECT indb_ml.graph_wcc_vertex_check('w', 'b', 'Z', 'pair')")
    postgresql.execute("SELECT indb_ml.graph_wcc_vertex_check('w', 'b', 'a', 'pair2')")
    assert postgresql.execute("SELECT (SELECT array_agg(component_id) FROM pair), (SELECT count(*) FROM pair2)") \
        .fetchone() == (["Z"], 0)


def test_plans_agree_on_karate_groups(postgresql):
    src, dst = karate_edges()
    groups = (np.arange(len(src)) % 4 == 0).astype(int)
    load_graph(postgresql, 34, src, dst, groups=groups)
    rows = {}
    for plan in PLANS:
        set_plan(postgresql, plan)
        postgresql.execute(f"SELECT indb_ml.weakly_connected_components('v', 'id', 'e', NULL, 'w_{plan}', 'g')")
        rows[plan] = postgresql.execute(f"SELECT g, id, component_id FROM w_{plan} ORDER BY 1, 2").fetchall()
    assert rows["memory"] == rows["relational"]
    for gv in (0, 1):
        ref = components_py(34, src[groups == gv], dst[groups == gv])
        assert [c for g, _, c in rows["memory"] if g == gv] == ref


def test_iteration_limit_and_usage(postgresql):
    n = 12
    load_graph(postgresql, n, np.arange(n - 1), np.arange(1, n))  # a path: labels need n-1 steps
    set_plan(postgresql, "relational")
    postgresql.execute("SELECT indb_ml.weakly_connected_components('v', 'id', 'e', NULL, 'w', NULL, 3)")
    iters, pending = postgresql.execute("SELECT num_iterations, nodes_to_update FROM w_summary").fetchone()
    assert iters == 3 and pending > 0
    assert "graph_wcc_largest_cpt" in postgresql.execute("SELECT indb_ml.weakly_connected_components()").fetchone()[0]
