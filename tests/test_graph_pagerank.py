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


def madlib21_ppr_oracle(n_vertices, edges, pers, d=0.85, max_iter=100, thr=None, grouped=False):
    """Transcription of MADlib 2.1's personalized PageRank (src/ports/postgres/modules/graph/
    pagerank.py_in), vertex by vertex as its SQL does it, independent of the kernel's matrices.
    ``edges``: one group's (src, dest) rows. Returns ({vertex: rank}, iterations)."""
    thr = 1.0 / (n_vertices * 1000) if thr is None else thr  # MADlib's default threshold
    srcs, dsts = {s for s, _ in edges}, {t for _, t in edges}
    outdeg = {}
    for s, _ in edges:
        outdeg[s] = outdeg.get(s, 0) + 1  # out_cnts: COUNT(dest) GROUP BY src
    no_incoming = srcs - dsts  # the nodes_with_no_incoming_edges table
    if grouped:  # init "CASE when unnest_result != NULL ... ELSE 0": always 0; random_prob 1 - d
        cur, fixed = {v: 0.0 for v in srcs | dsts}, 1 - d
    else:  # init 1/k on the personalization vertices, random_probability (1 - d) / N
        cur, fixed = {v: (1.0 / len(pers) if v in pers else 0.0) for v in range(n_vertices)}, (1 - d) / n_vertices
    for it in range(max_iter):
        sums = {}
        for s, t in edges:  # SUM(v1.pagerank / out_cnt) over the in-edges of dest
            sums[t] = sums.get(t, 0.0) + cur[s] / outdeg[s]
        msg = {t: v * d + ((1 - d) if t in pers else 0.0) for t, v in sums.items()}  # + CASE ... THEN 1 - d
        msg.update({v: fixed for v in no_incoming})
        unconverged = any(abs(cur[v] - msg[v]) > thr for v in msg) or (grouped and it == 0) or thr == 0
        cur = msg
        if not unconverged:
            break
    return {v: r / len(pers) for v, r in cur.items()}, it + 1  # "pagerank / total_ppr_nodes" when k > 1


def madlib_test_graph(conn):
    """The vertex and "EDGE" tables of MADlib's graph/test/pagerank.sql_in (stored in
    tests/fixtures/madlib_checks/graph/pagerank.sql_in); same rows as MADLIB_EDGES."""
    conn.execute("CREATE TABLE vertex (id integer)")
    conn.execute("INSERT INTO vertex SELECT generate_series(0, 6)")
    conn.execute('CREATE TABLE "EDGE" (src integer, dest integer, user_id integer)')
    with conn.cursor().copy('COPY "EDGE" FROM STDIN') as copy:
        for row in MADLIB_EDGES:
            copy.write_row(row)


@pytest.mark.parametrize("plan", PLANS)
def test_madlib21_compat_personalized_matches_madlib_tests(postgresql, plan):
    """madlib21_compat with personalization: MADlib's own assertions of
    tests/fixtures/madlib_checks/graph/pagerank.sql_in (the ungrouped '{1,3}' call and the grouped
    one at line 142), every rank equal to the transcription of MADlib's update rule, and the default
    (flag off) still networkx's personalized PageRank."""
    madlib_test_graph(postgresql)
    set_plan(postgresql, plan)
    postgresql.execute("""SELECT indb_ml.pagerank('vertex', 'id', '"EDGE"', 'src=src, dest=dest', 'ppr', NULL, NULL,
                          NULL, NULL, ARRAY['1', '3'], true)""")
    got = dict(postgresql.execute("SELECT id, pagerank FROM ppr").fetchall())
    # pagerank.sql_in: relative_error(SUM(pagerank), 1) < 0.005 and ranking '{0,3,1,2,4,6,5}'
    assert abs(sum(got.values()) - 1) < 0.005
    assert sorted(got, key=lambda v: -got[v]) == [0, 3, 1, 2, 4, 6, 5]
    ref, iters = madlib21_ppr_oracle(7, [(s, t) for s, t, _ in MADLIB_EDGES], {1, 3})
    np.testing.assert_allclose([got[v] for v in range(7)], [ref[v] for v in range(7)], rtol=1e-12)
    assert postgresql.execute("SELECT __iterations__ FROM ppr_summary").fetchone()[0] == iters

    postgresql.execute("""SELECT indb_ml.pagerank('vertex', 'id', '"EDGE"', 'src=src, dest=dest', 'ppr_grp', NULL,
                          NULL, NULL, 'user_id', ARRAY['1', '3'], true)""")
    rows = postgresql.execute("SELECT user_id, id, pagerank FROM ppr_grp").fetchall()
    # pagerank.sql_in:142-158: group 1 sums to 1 within 0.005, and the groups in rank order
    assert abs(sum(r for g, _, r in rows if g == 1) - 1) < 0.005
    assert [g for g, _, _ in sorted(rows, key=lambda r: -r[2])] == [2, 2, 1, 1, 2, 2, 1, 1, 2, 1, 2, 1, 2, 1]
    assert sum(r for g, _, r in rows if g == 2) == pytest.approx(1.499, abs=1e-3)  # MADlib's: not 1
    summary = dict(postgresql.execute("SELECT user_id, __iterations__ FROM ppr_grp_summary").fetchall())
    for gv in (1, 2):
        ref, iters = madlib21_ppr_oracle(7, [(s, t) for s, t, g in MADLIB_EDGES if g == gv], {1, 3}, grouped=True)
        got = {v: r for g, v, r in rows if g == gv}
        assert sorted(got) == sorted(ref)
        np.testing.assert_allclose([got[v] for v in sorted(ref)], [ref[v] for v in sorted(ref)], rtol=1e-12)
        assert summary[gv] == iters

    # the default is unchanged: networkx's personalized PageRank, summing to 1 per group
    postgresql.execute("""SELECT indb_ml.pagerank('vertex', 'id', '"EDGE"', 'src=src, dest=dest', 'std', NULL, NULL,
                          1e-13, 'user_id', '{1,3}')""")
    src, dst, grp = (np.array(c) for c in zip(*MADLIB_EDGES))
    for gv in (1, 2):
        got = dict(postgresql.execute("SELECT id, pagerank FROM std WHERE user_id = %s", [gv]).fetchall())
        np.testing.assert_allclose([got[i] for i in range(7)],
                                   nx_pagerank(multidigraph(7, src[grp == gv], dst[grp == gv]), personalization={1, 3}),
                                   **TOL)


@pytest.mark.parametrize("plan", PLANS)
def test_madlib21_compat_personalized_documented_examples(postgresql, plan):
    """The personalized examples of MADlib's pagerank docs (src/ports/postgres/modules/graph/
    pagerank.sql_in, apache/madlib 3eaae99): the grouped one with multi-column ids reproduces
    MADlib's printed ranks and iterations (45 and 41); the ungrouped '{2,4}' one its iterations
    (37) and its ranks halved (the docs print them before the division by the 2 personalization
    vertices that pagerank.py_in does and pagerank.sql_in's own test asserts with sum ~ 1)."""
    postgresql.execute("CREATE TABLE vertex (node_id integer)")
    postgresql.execute("INSERT INTO vertex SELECT generate_series(0, 6)")
    postgresql.execute("CREATE TABLE edge (conn_src integer, conn_dest integer, user_id integer)")
    with postgresql.cursor().copy("COPY edge FROM STDIN") as copy:
        for row in MADLIB_EDGES:
            copy.write_row(row)
    set_plan(postgresql, plan)
    postgresql.execute("SELECT indb_ml.pagerank('vertex', 'node_id', 'edge', 'src=conn_src, dest=conn_dest', "
                       "'pagerank_out', NULL, NULL, NULL, NULL, ARRAY['2', '4'], true)")
    got = dict(postgresql.execute("SELECT node_id, pagerank FROM pagerank_out").fetchall())
    doc = {0: 0.565232961966315, 2: 0.378139420991773, 3: 0.355003292266017, 4: 0.310111215897626,
           1: 0.160111215897626, 6: 0.148615315574136, 5: 0.0803403307142321}
    np.testing.assert_allclose([got[v] for v in range(7)], [doc[v] / 2 for v in range(7)], rtol=1e-10)
    assert postgresql.execute("SELECT __iterations__ FROM pagerank_out_summary").fetchone()[0] == 37
    ref, _ = madlib21_ppr_oracle(7, [(s, t) for s, t, _ in MADLIB_EDGES], {2, 4})
    np.testing.assert_allclose([got[v] for v in range(7)], [ref[v] for v in range(7)], rtol=1e-12)

    postgresql.execute("CREATE TABLE vertex_multicol_pagerank (node_id_major bigint, node_id_minor bigint)")
    postgresql.execute("INSERT INTO vertex_multicol_pagerank SELECT i, i FROM generate_series(0, 6) i")
    postgresql.execute("CREATE TABLE edge_multicol_pagerank AS SELECT conn_src AS conn_src_major, conn_dest AS "
                       "conn_dest_major, user_id AS user_id_major, conn_src AS conn_src_minor, conn_dest AS "
                       "conn_dest_minor, user_id AS user_id_minor FROM edge")
    postgresql.execute("SELECT indb_ml.pagerank('vertex_multicol_pagerank', '[node_id_major,node_id_minor]', "
                       "'edge_multicol_pagerank', 'src=[conn_src_major,conn_src_minor], "
                       "dest=[conn_dest_major,conn_dest_minor]', 'pagerank_multicol_out', NULL, NULL, NULL, "
                       "'user_id_major,user_id_minor', '{{2,2},{4,4}}'::text[], true)")
    rows = postgresql.execute("SELECT user_id_major, id[1], pagerank FROM pagerank_multicol_out").fetchall()
    doc = {(2, 0): 0.448826703440932, (2, 3): 0.325943770128465, (1, 0): 0.270635964385879,
           (2, 2): 0.256179815391031, (2, 4): 0.202149921235622, (1, 2): 0.18423239851445,
           (1, 3): 0.166801820206414, (1, 4): 0.151661035568349, (2, 1): 0.127149921235622,
           (1, 6): 0.0965411872854988, (1, 1): 0.0766610355683489, (2, 5): 0.075, (2, 6): 0.06375,
           (1, 5): 0.0521896024086525}
    got = {(g, v): r for g, v, r in rows}
    assert sorted(got) == sorted(doc)
    np.testing.assert_allclose([got[k] for k in sorted(doc)], [doc[k] for k in sorted(doc)], rtol=1e-13)
    assert postgresql.execute("SELECT user_id_major, __iterations__ FROM pagerank_multicol_out_summary "
                              "ORDER BY 1").fetchall() == [(1, 41), (2, 45)]


@pytest.mark.parametrize("plan", PLANS)
def test_madlib21_compat_personalized_refusals_and_plans_agree(postgresql, plan):
    """A personalization vertex without edges (in a group) is refused, as MADlib 2.1 refuses it;
    on a random grouped graph with dangling vertices and vertices without in-edges, every rank and
    iteration count equals the transcription of MADlib's rule."""
    import psycopg

    n = 60
    src, dst, _ = edge_rows(random_graph(n, 150, seed=4))
    groups = np.where(np.arange(len(src)) % 2 == 0, 1, 2)
    ends = [set(src[groups == gv].tolist()) | set(dst[groups == gv].tolist()) for gv in (1, 2)]
    pers = sorted(ends[0] & ends[1])[:3]  # MADlib wants them in every group
    load_graph(postgresql, n + 1, src, dst, groups=groups)  # vertex n has no edges
    postgresql.commit()
    set_plan(postgresql, plan)
    for grouped in (False, True):
        postgresql.execute("DROP TABLE IF EXISTS pr, pr_summary")
        postgresql.execute(f"SELECT indb_ml.pagerank('v', 'id', 'e', NULL, 'pr', "
                           f"0.8, 200, 1e-9, {'%s' if grouped else 'NULL'}, %s::int[], true)",
                           (["g"] if grouped else []) + [pers])
        for gv in ((1, 2) if grouped else (None,)):
            mask = groups == gv if grouped else np.ones(len(src), dtype=bool)
            edges = list(zip(src[mask].tolist(), dst[mask].tolist()))
            ref, iters = madlib21_ppr_oracle(n + 1, edges, set(pers), d=0.8, max_iter=200, thr=1e-9, grouped=grouped)
            where = f" WHERE g = {gv}" if grouped else ""
            got = dict(postgresql.execute("SELECT id, pagerank FROM pr" + where).fetchall())
            assert sorted(got) == sorted(ref)
            np.testing.assert_allclose([got[v] for v in sorted(ref)], [ref[v] for v in sorted(ref)], rtol=1e-9)
            assert postgresql.execute("SELECT __iterations__ FROM pr_summary" + where).fetchone()[0] == iters
    with pytest.raises(psycopg.errors.InvalidParameterValue, match=f"vertex {n} must be an end of an edge"):
        postgresql.execute("SELECT indb_ml.pagerank('v', 'id', 'e', NULL, 'bad', NULL, NULL, NULL, NULL, "
                           f"ARRAY[{pers[0]}, {n}], true)")


def test_madlib21_compat_personalized_refused_on_citus_shards(citus_conn):
    """On a Citus distributed edge table the relational plan runs on the shards, which do not have
    MADlib's personalized variant: refused (0A000) rather than answered with the standard one."""
    import psycopg

    citus_conn.execute("CREATE TABLE v (id int); INSERT INTO v SELECT generate_series(0, 5)")
    citus_conn.execute("CREATE TABLE e (src int, dest int); INSERT INTO e VALUES (0, 1), (1, 2), (2, 0), (3, 4)")
    citus_conn.execute("SELECT create_distributed_table('e', 'src')")
    citus_conn.execute("SET indb_ml.graph_plan = relational")
    with pytest.raises(psycopg.errors.FeatureNotSupported, match="Citus distributed edge table") as e:
        citus_conn.execute("SELECT indb_ml.pagerank('v', 'id', 'e', NULL, 'pr', NULL, NULL, NULL, NULL, "
                           "ARRAY[1], true)")
    assert e.value.diag.message_hint == "SET indb_ml.graph_plan = memory"
    citus_conn.execute("SET indb_ml.graph_plan = memory")
    citus_conn.execute("SELECT indb_ml.pagerank('v', 'id', 'e', NULL, 'pr', NULL, NULL, NULL, NULL, ARRAY[1], true)")
    assert citus_conn.execute("SELECT count(*) FROM pr").fetchone()[0] == 5  # vertex 5 has no edges
    # without personalization, grouped: a group's N is the number of its edges' ends, on the shards too
    citus_conn.execute("CREATE TABLE eg (src int, dest int, g int); INSERT INTO eg VALUES (0, 1, 1), (0, 2, 1), "
                       "(1, 2, 1), (2, 1, 1), (0, 1, 2); SELECT create_distributed_table('eg', 'src')")
    out = {}
    for plan in ("relational", "memory"):
        citus_conn.execute("SELECT set_config('indb_ml.graph_plan', %s, false)", [plan])
        citus_conn.execute(f"SELECT indb_ml.pagerank('v', 'id', 'eg', NULL, 'pg_{plan}', NULL, NULL, 1e-10, 'g', "
                           "NULL::int[], true)")
        out[plan] = citus_conn.execute(f"SELECT g, id, pagerank FROM pg_{plan} ORDER BY 1, 2").fetchall()
    assert [r[:2] for r in out["relational"]] == [r[:2] for r in out["memory"]] == [(1, 0), (1, 1), (1, 2), (2, 0),
                                                                                      (2, 1)]
    np.testing.assert_allclose([r[2] for r in out["relational"]], [r[2] for r in out["memory"]], rtol=1e-9)
    assert out["memory"][3][2] == pytest.approx(0.15 / 2)


def madlib21_grouped_oracle(edges, d=0.85, max_iter=100, thr=1e-5):
    """MADlib 2.1's grouped PageRank without personalization (pagerank.py_in), vertex by vertex:
    a group's vertices are the ends of its edges, N their number; start 1/N, teleport (1 - d)/N
    (also the fixed rank of vertices without in-edges), no dangling term."""
    verts = {s for s, _ in edges} | {t for _, t in edges}
    n, outdeg = len(verts), {}
    for s, _ in edges:
        outdeg[s] = outdeg.get(s, 0) + 1
    cur = {v: 1.0 / n for v in verts}
    for it in range(max_iter):
        msg = {v: (1 - d) / n for v in verts}
        for s, t in edges:
            msg[t] += d * cur[s] / outdeg[s]
        unconverged = any(abs(cur[v] - msg[v]) > thr for v in verts) or it == 0
        cur = msg
        if not unconverged:
            break
    return cur, it + 1


@pytest.mark.parametrize("plan", PLANS)
def test_madlib21_compat_grouped_counts_a_groups_own_vertices(postgresql, plan):
    """With grouping, MADlib 2.1's N is the number of ends of the group's edges, not of the vertex
    table: the MADLIB-1229 graph of pagerank.sql_in, whose group 2 has the one edge 0 -> 1."""
    postgresql.execute("CREATE TABLE vertex (id integer); INSERT INTO vertex VALUES (0), (1), (2)")
    postgresql.execute('CREATE TABLE "EDGE" (src integer, dest integer, user_id integer)')
    rows = [(0, 1, 1), (0, 2, 1), (1, 2, 1), (2, 1, 1), (0, 1, 2)]
    postgresql.cursor().executemany('INSERT INTO "EDGE" VALUES (%s, %s, %s)', rows)
    set_plan(postgresql, plan)
    postgresql.execute("""SELECT indb_ml.pagerank('vertex', 'id', '"EDGE"', NULL, 'pr', NULL, NULL, 1e-10, 'user_id',
                          NULL::int[], true)""")
    got = {(g, v): r for g, v, r in postgresql.execute("SELECT user_id, id, pagerank FROM pr").fetchall()}
    assert got[(2, 0)] == pytest.approx(0.15 / 2) and got[(2, 1)] == pytest.approx(0.15 / 2 * 1.85)
    assert sorted(got) == [(1, 0), (1, 1), (1, 2), (2, 0), (2, 1)]
    for gv in (1, 2):
        ref, _ = madlib21_grouped_oracle([(s, t) for s, t, g in rows if g == gv], thr=1e-10)
        for v, r in ref.items():
            assert got[(gv, v)] == pytest.approx(r, rel=1e-9)


@pytest.mark.parametrize("plan", PLANS)
def test_madlib_pagerank_setting(postgresql, plan):
    """SET indb_ml.madlib_pagerank = on makes MADlib's signatures (and a NULL madlib21_compat)
    MADlib 2.1's: the same ranks as madlib21_compat => true, plain and personalized; an explicit
    false still wins; RESET gives networkx's definition back (ranks summing to 1)."""
    madlib_test_graph(postgresql)
    load_graph(postgresql, 5, np.array([0, 1]), np.array([1, 2]))  # dangling and isolated vertices
    set_plan(postgresql, plan)
    calls = {  # MADlib's forms, and the 11-argument form with its flag spelled out
        "plain": ("SELECT indb_ml.pagerank('v', 'id', 'e', NULL, %s)",
                  "SELECT indb_ml.pagerank('v', 'id', 'e', NULL, %s, 0.85, 100, NULL, NULL, NULL::bigint[], {flag})"),
        "personalized": ("SELECT indb_ml.pagerank('vertex', 'id', '\"EDGE\"', 'src=src, dest=dest', %s, 0.85, 100, "
                         "NULL, NULL, '{1,3}')",
                         "SELECT indb_ml.pagerank('vertex', 'id', '\"EDGE\"', 'src=src, dest=dest', %s, 0.85, 100, "
                         "NULL, NULL, ARRAY[1, 3]::bigint[], {flag})"),
    }
    for name, (madlib_form, flagged) in calls.items():
        postgresql.execute(flagged.format(flag="true"), [f"{name}_compat"])
        postgresql.execute(flagged.format(flag="false"), [f"{name}_standard"])
        postgresql.execute("SET indb_ml.madlib_pagerank = on")
        postgresql.execute(madlib_form, [f"{name}_set"])
        postgresql.execute(flagged.format(flag="NULL"), [f"{name}_null"])
        postgresql.execute(flagged.format(flag="false"), [f"{name}_false"])
        postgresql.execute("RESET indb_ml.madlib_pagerank")
        postgresql.execute(madlib_form, [f"{name}_reset"])
        want = ranks(postgresql, f"{name}_compat")
        standard = ranks(postgresql, f"{name}_standard")
        assert want != standard and sum(standard.values()) == pytest.approx(1.0)
        assert ranks(postgresql, f"{name}_set") == want
        assert ranks(postgresql, f"{name}_null") == want
        assert ranks(postgresql, f"{name}_false") == standard
        assert ranks(postgresql, f"{name}_reset") == standard
