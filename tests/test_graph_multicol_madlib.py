"""weakly_connected_components with MADlib's multi-column vertex ids (``vertex_id => '[a,b]'``).

MADlib 2.1 (src/ports/postgres/modules/graph/wcc.py_in, apache/madlib c9f2e56) packs the columns
into one ``bigint[]`` column ``id`` and names each component by a bigint it derives from the
vertex rows' ``ctid``: ``num_segments * (offset * (max_block + 1) + block) + segment``, the smallest
over the component. On PostgreSQL (one segment, number 0) that is ``offset * (max_block + 1) +
block``; the tests compute it from the rows' ctids and check the partition against networkx.

MADlib's documented multi-column example (wcc.sql_in, apache/madlib f91813b) prints component 3:
its output comes from a Greenplum cluster with three segments (segment 0's first row gives
3 * (1 * 1 + 0) + 0 = 3); on PostgreSQL the same formula gives 1, the first row's offset.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import psycopg.errors as E
import pytest

from tests.test_graph_data import random_graph

PLANS = ["memory", "relational"]

# MADlib's multi-column example (wcc.sql_in): seven vertices (i, i), one edge list per user_id.
DOC_EDGES = [(0, 1), (0, 2), (0, 4), (1, 2), (1, 3), (2, 3), (2, 5), (2, 6), (3, 0), (4, 0), (5, 6), (6, 3)]
DOC_EDGES_2 = [(0, 1), (0, 2), (0, 4), (1, 2), (1, 3), (2, 3), (3, 0), (4, 0), (5, 6), (6, 3)]


def set_plan(conn, plan):
    conn.execute("SELECT set_config('indb_ml.graph_plan', %s, false)", [plan])


def madlib_row_ids(conn, table: str, cols=("id1", "id2")) -> dict:
    """MADlib 2.1's bigint per vertex row on PostgreSQL, from the ctids: (id1, id2) -> number."""
    rows = conn.execute(f"SELECT {cols[0]}, {cols[1]}, ctid::text FROM {table}").fetchall()
    pos = {(a, b): tuple(int(x) for x in c.strip("()").split(",")) for a, b, c in rows}
    max_block = max(block for block, _ in pos.values())
    return {k: offset * (max_block + 1) + block for k, (block, offset) in pos.items()}


def expected_names(g: nx.Graph, row_id: dict) -> dict:
    """Per vertex, the smallest MADlib row number in its (weak) component, from networkx."""
    comps = nx.weakly_connected_components(g) if g.is_directed() else nx.connected_components(g)
    return {v: min(row_id[u] for u in c) for c in comps for v in c}


def load_doc_example(conn):
    conn.execute("CREATE TABLE vertex_multicol_wcc (node_id_major bigint, node_id_minor bigint)")
    conn.execute("INSERT INTO vertex_multicol_wcc VALUES (0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 6)")
    conn.execute("CREATE TABLE edge_multicol_wcc (conn_src_major bigint, conn_dest_major bigint, user_id_major "
                 "bigint, conn_src_minor bigint, conn_dest_minor bigint, user_id_minor bigint)")
    rows = [(s, d, u, s, d, u) for u, edges in ((1, DOC_EDGES), (2, DOC_EDGES_2)) for s, d in edges]
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO edge_multicol_wcc VALUES (%s, %s, %s, %s, %s, %s)", rows)


@pytest.mark.parametrize("plan", PLANS)
def test_madlib_documented_multi_column_example(postgresql, plan):
    conn = postgresql
    load_doc_example(conn)
    set_plan(conn, plan)
    conn.execute("SELECT indb_ml.weakly_connected_components('vertex_multicol_wcc', '[node_id_major,node_id_minor]', "
                 "'edge_multicol_wcc', 'src=[conn_src_major,conn_src_minor], dest=[conn_dest_major,conn_dest_minor]', "
                 "'wcc_multicol_out', 'user_id_major,user_id_minor')")
    # MADlib's columns, in its order (id | component_id | user_id_major | user_id_minor).
    types = conn.execute("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = "
                         "'wcc_multicol_out'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum").fetchall()
    assert types == [("id", "bigint[]"), ("component_id", "bigint"), ("user_id_major", "bigint"),
                     ("user_id_minor", "bigint")]
    rows = conn.execute("SELECT * FROM wcc_multicol_out ORDER BY user_id_major, user_id_minor, component_id, "
                        "id").fetchall()
    # MADlib prints 14 rows, every vertex in both groups, one component per group (named 3 on its
    # three-segment Greenplum; 1 on PostgreSQL: the first vertex row, ctid (0,1)).
    assert rows == [([i, i], 1, u, u) for u in (1, 2) for i in range(7)]
    assert sorted(madlib_row_ids(conn, "vertex_multicol_wcc", ("node_id_major", "node_id_minor")).values()) \
        == list(range(1, 8))
    summary = conn.execute("SELECT vertex_id, vertex_id_type, grouping_cols FROM wcc_multicol_out_summary").fetchone()
    assert summary == ("[node_id_major,node_id_minor]", "bigint[]", "user_id_major, user_id_minor")
    # The helpers read the summary's '[a,b]' as MADlib's do (the id column is id).
    conn.execute("SELECT indb_ml.graph_wcc_vertex_check('wcc_multicol_out', '{{5,5},{6,6}}', 'vc')")
    assert conn.execute("SELECT user_id_major, component_id FROM vc ORDER BY 1").fetchall() == [(1, 1), (2, 1)]
    conn.execute("SELECT indb_ml.graph_wcc_reachable_vertices('wcc_multicol_out', '{0,0}'::bigint[], 'reach')")
    assert conn.execute("SELECT count(*), min(component_id), max(component_id) FROM reach").fetchone() == (12, 1, 1)
    conn.execute("SELECT indb_ml.graph_wcc_largest_cpt('wcc_multicol_out', 'largest')")
    assert conn.execute("SELECT user_id_major, component_id, num_vertices FROM largest ORDER BY 1").fetchall() \
        == [(1, 1, 7), (2, 1, 7)]
    conn.execute("SELECT indb_ml.graph_wcc_num_cpts('wcc_multicol_out', 'counts')")
    assert conn.execute("SELECT user_id_major, num_components FROM counts ORDER BY 1").fetchall() == [(1, 1), (2, 1)]


def load_multicol(conn, g: nx.Graph, order, pad: int = 0):
    """Vertex table vm(id1, id2[, pad]) with the rows inserted in ``order`` (pad: a wide column, so
    the rows span several blocks), edge table em(s1, s2, d1, d2); id2 = 1000 - 3 * id1."""
    pad_col = ", pad text" if pad else ""
    conn.execute(f"CREATE TABLE vm (id1 bigint, id2 bigint{pad_col})")
    conn.execute("CREATE TABLE em (s1 int, s2 int, d1 int, d2 int)")
    with conn.cursor() as cur:
        if pad:
            cur.executemany("INSERT INTO vm VALUES (%s, %s, repeat('x', %s))",
                            [(int(v), 1000 - 3 * int(v), pad) for v in order])
        else:
            cur.executemany("INSERT INTO vm VALUES (%s, %s)", [(int(v), 1000 - 3 * int(v)) for v in order])
        cur.executemany("INSERT INTO em VALUES (%s, %s, %s, %s)",
                        [(int(a), 1000 - 3 * int(a), int(b), 1000 - 3 * int(b)) for a, b, *_ in g.edges])


@pytest.mark.parametrize("plan", PLANS)
@pytest.mark.parametrize("pad", [0, 900])
def test_random_multicol_matches_networkx_and_madlib_names(postgresql, plan, pad):
    n = 120
    g = random_graph(n, 90, seed=11, directed=True, components=4)  # several components, 5 isolated vertices
    order = np.random.default_rng(3).permutation(n)  # rows not in id order
    conn = postgresql
    load_multicol(conn, g, order, pad)
    set_plan(conn, plan)
    conn.execute("SELECT indb_ml.weakly_connected_components('vm', '[id1,id2]', 'em', 'src=[s1,s2], dest=[d1,d2]', "
                 "'w')")
    row_id = madlib_row_ids(conn, "vm")
    blocks = conn.execute("SELECT count(DISTINCT (ctid::text::point)[0]) FROM vm").fetchone()[0]
    assert (blocks > 1) == bool(pad)
    ref = expected_names(g, {v: row_id[(v, 1000 - 3 * v)] for v in range(n)})
    got = {tuple(i): c for i, c in conn.execute("SELECT id, component_id FROM w").fetchall()}
    assert got == {(v, 1000 - 3 * v): ref[v] for v in range(n)}
    assert len(set(ref.values())) > 5
    # Grouped: the same graph in two groups (each edge in group edge_index % 2), ends of edges only.
    conn.execute("ALTER TABLE em ADD COLUMN grp int")
    conn.execute("UPDATE em SET grp = s1 % 2")
    conn.execute("SELECT indb_ml.weakly_connected_components('vm', '[id1,id2]', 'em', 'src=[s1,s2], dest=[d1,d2]', "
                 "'wg', 'grp')")
    row_id = madlib_row_ids(conn, "vm")  # the UPDATE moved no vertex row, but read them again
    for gv in (0, 1):
        sub = nx.MultiDiGraph([(a, b) for a, b, *_ in g.edges if a % 2 == gv])
        ref = expected_names(sub, {v: row_id[(v, 1000 - 3 * v)] for v in sub})
        got = {tuple(i): c for i, c in conn.execute("SELECT id, component_id FROM wg WHERE grp = %s", [gv])}
        assert got == {(v, 1000 - 3 * v): ref[v] for v in sub}


@pytest.mark.parametrize("plan", PLANS)
def test_multicol_names_follow_the_rows_position(postgresql, plan):
    """MADlib's test graph (graph/test/wcc.sql_in, vertex_mult): rows in id order give the
    components {0..6}, {4}, {10..13}, {14..16} the numbers 1, 5, 8, 12 (their first rows'
    offsets); the same rows loaded in reverse give 14 - position."""
    ids = [0, 1, 2, 3, 4, 5, 6, 10, 11, 12, 13, 14, 15, 16]
    edges = [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3), (2, 5), (2, 6), (3, 0), (5, 6), (6, 3), (10, 11), (10, 12),
             (11, 12), (11, 13), (12, 13), (13, 10), (15, 16), (15, 14)]
    conn = postgresql
    set_plan(conn, plan)
    conn.execute("CREATE TABLE em AS SELECT s AS src1, s AS src2, d AS dest1, d AS dest2 FROM unnest(%s::int[], "
                 "%s::int[]) AS u(s, d)", [[s for s, _ in edges], [d for _, d in edges]])
    expected = {}
    for name, rows in (("fwd", ids), ("rev", ids[::-1])):
        conn.execute(f"CREATE TABLE v_{name} AS SELECT i AS id1, i AS id2 FROM unnest(%s::int[]) WITH ORDINALITY "
                     "AS u(i, k) ORDER BY k", [rows])
        conn.execute(f"SELECT indb_ml.weakly_connected_components('v_{name}', '[id1,id2]', 'em', "
                     f"'src=[src1,src2], dest=[dest1,dest2]', 'w_{name}')")
        expected[name] = dict(conn.execute(f"SELECT id[1], component_id FROM w_{name}").fetchall())
    comps = [[0, 1, 2, 3, 5, 6], [4], [10, 11, 12, 13], [14, 15, 16]]
    assert expected["fwd"] == {v: ids.index(c[0]) + 1 for c in comps for v in c}
    assert expected["rev"] == {v: min(len(ids) - ids.index(u) for u in c) for c in comps for v in c}


@pytest.mark.parametrize("plan", PLANS)
def test_multicol_iteration_limit_and_warm_start(postgresql, plan):
    """iteration_limit and warm_start with multi-column ids: the labels spread are MADlib's row
    numbers, so a stopped run's partial labels, nodes_to_update and out_table_message are MADlib's
    (a networkx oracle of its iterations); the warm start ends where one full run ends (a path of
    12 vertices whose rows are in reverse id order)."""
    conn = postgresql
    set_plan(conn, plan)
    conn.execute("CREATE TABLE pv AS SELECT i AS a, -i AS b FROM generate_series(11, 0, -1) i")
    conn.execute("CREATE TABLE pe AS SELECT i AS s1, -i AS s2, i + 1 AS d1, -(i + 1) AS d2 "
                 "FROM generate_series(0, 10) i")
    call = ("SELECT indb_ml.weakly_connected_components('pv', '[a,b]', 'pe', 'src=[s1,s2], dest=[d1,d2]', %s, "
            "NULL, %s, %s)")
    conn.execute(call, ["whole", None, None])
    conn.execute(call, ["part", 3, None])
    assert conn.execute("SELECT num_iterations, nodes_to_update > 0 FROM part_summary").fetchone() == (3, True)
    assert conn.execute("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = "
                        "'part_message'::regclass AND attname = 'component_id'").fetchone()[0] == "bigint"
    # MADlib's iterations spread the row numbers: after the first (own numbers) and two more, a
    # vertex has the smallest number within two edges. Rows are in reverse order: i has 12 - i.
    path = nx.path_graph(12)
    row_id = {i: 12 - i for i in range(12)}
    near = {k: {v: min(row_id[u] for u in nx.single_source_shortest_path_length(path, v, cutoff=k)) for v in path}
            for k in (1, 2)}
    partial = dict(conn.execute("SELECT id[1], component_id FROM part").fetchall())
    assert partial == near[2] == {i: max(10 - i, 1) for i in range(12)}
    changed = {v for v in path if near[2][v] != near[1][v]}
    assert conn.execute("SELECT nodes_to_update FROM part_summary").fetchone()[0] == len(changed) == 10
    assert dict(conn.execute("SELECT id[1], component_id FROM part_message").fetchall()) \
        == {v: near[2][v] for v in changed}
    conn.execute(call, ["part", None, True])
    assert conn.execute("SELECT to_regclass('part_message')").fetchone()[0] is None
    assert conn.execute("SELECT nodes_to_update FROM part_summary").fetchone()[0] == 0
    full = dict(conn.execute("SELECT id[1], component_id FROM whole").fetchall())
    assert dict(conn.execute("SELECT id[1], component_id FROM part").fetchall()) == full == {i: 1 for i in range(12)}


def test_multicol_bad_ids(postgresql):
    """The packed ids are checked as one-column ids are: an edge end that is no vertex (23503), a
    duplicate id (23505); nothing is left behind."""
    conn = postgresql
    conn.execute("CREATE TABLE vm AS SELECT i AS id1, i AS id2 FROM generate_series(0, 3) i")
    conn.execute("CREATE TABLE em (s1 int, s2 int, d1 int, d2 int)")
    conn.execute("INSERT INTO em VALUES (0, 0, 1, 1), (2, 2, 9, 9), (1, 1, 3, 3)")
    conn.commit()
    call = ("SELECT indb_ml.weakly_connected_components('vm', '[id1,id2]', 'em', 'src=[s1,s2], dest=[d1,d2]', "
            "'w')")
    with pytest.raises(E.ForeignKeyViolation, match=r"1 edge ends that are not in vertex table public.vm "
                       r"\(e.g. vertex \{9,9\}\)"):
        conn.execute(call)
    conn.rollback()
    conn.execute("DELETE FROM em WHERE d1 = 9")
    conn.execute("INSERT INTO vm VALUES (2, 2)")
    conn.commit()
    with pytest.raises(E.UniqueViolation, match=r"duplicate ids in column id \(e.g. '\{2,2\}'"):
        conn.execute(call)
    conn.rollback()
    assert conn.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'w%' OR relname LIKE '_indb_ml_wcc%'"
                        ).fetchone()[0] == 0


@pytest.mark.parametrize("plan", PLANS)
def test_partitioned_vertex_table_names_components_apart(postgresql, plan):
    """A partitioned vertex table's ctids repeat across partitions (each numbers its blocks from
    0), so MADlib's ctid rule would give two components one name; its rows are numbered in id
    order instead (1 for the smallest id): every component gets its own name."""
    n = 60
    g = random_graph(n, 40, seed=5, directed=True, components=5)
    conn = postgresql
    conn.execute("CREATE TABLE vp (id1 bigint, id2 bigint) PARTITION BY RANGE (id1)")
    conn.execute("CREATE TABLE vp_a PARTITION OF vp FOR VALUES FROM (MINVALUE) TO (30)")
    conn.execute("CREATE TABLE vp_b PARTITION OF vp FOR VALUES FROM (30) TO (MAXVALUE)")
    conn.execute("CREATE TABLE em (s1 bigint, s2 bigint, d1 bigint, d2 bigint)")
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO vp VALUES (%s, %s)", [(v, -v) for v in range(n)])
        cur.executemany("INSERT INTO em VALUES (%s, %s, %s, %s)", [(int(a), -int(a), int(b), -int(b))
                                                                     for a, b, *_ in g.edges])
    dup = conn.execute("SELECT count(*) - count(DISTINCT ctid) FROM vp").fetchone()[0]
    assert dup > 0, "the partitions' ctids must repeat for this test to mean anything"
    set_plan(conn, plan)
    conn.execute("SELECT indb_ml.weakly_connected_components('vp', '[id1,id2]', 'em', 'src=[s1,s2], dest=[d1,d2]', "
                 "'w')")
    ref = expected_names(g, {v: v + 1 for v in range(n)})  # row numbers in id order
    got = {tuple(i): c for i, c in conn.execute("SELECT id, component_id FROM w").fetchall()}
    assert got == {(v, -v): ref[v] for v in range(n)}
    assert len(set(got.values())) == nx.number_weakly_connected_components(g)
