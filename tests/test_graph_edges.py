"""The shared graph loader: edge_args parsing, and bad input giving clear errors in both plans,
with nothing left behind."""

from __future__ import annotations

import numpy as np
import psycopg.errors as E
import pytest

from indb_ml.errors import InputError
from indb_ml.graph.edges import parse_edge_args
from indb_ml.kernels.graph import adjacency, wcc_labels
from tests.test_graph_data import load_graph

PLANS = ["memory", "relational"]


def test_parse_edge_args():
    assert parse_edge_args(None) == {"src": "src", "dest": "dest", "weight": "weight"}
    assert parse_edge_args(' SRC = From_Id , dest="To Id",weight=w') == {"src": "from_id", "dest": "To Id",
                                                                       "weight": "w"}
    # A key without a value keeps its default (MADlib's tests write 'src="SRC",dest'); lists are
    # MADlib's multi-column ids.
    assert parse_edge_args('src="SRC",dest') == {"src": "SRC", "dest": "dest", "weight": "weight"}
    assert parse_edge_args("src=, weight") == {"src": "src", "dest": "dest", "weight": "weight"}
    assert parse_edge_args("src=[s1, S2], dest=[d1,d2]")["src"] == ("s1", "s2")
    for bad, msg in (("src=a, src=b", "twice"), ("source=a", "unknown key"), ("src=a;drop", "cannot parse"),
                     ("src=a b", "cannot parse"), ("src=a,", "ends with a comma"), ("src=1a", "cannot parse"),
                     ("src=[a, b; drop]", "cannot parse"), ("src=[]", "cannot parse"), ("dest, dest", "twice")):
        with pytest.raises(InputError, match=msg):
            parse_edge_args(bad)


def test_kernels_keep_duplicates_and_self_loops():
    a = adjacency(3, np.array([0, 0, 1, 2]), np.array([1, 1, 1, 2]), np.array([1.0, 2.0, 1.0, 5.0]))
    assert a[0, 1] == 3.0 and a[1, 1] == 1.0 and a[2, 2] == 5.0
    assert wcc_labels(4, np.array([2]), np.array([1])).tolist() == [0, 1, 1, 3]


def call(conn, fn="pagerank", vertex="v", edge="e", args="src=src, dest=dest", out="out", vid="id"):
    conn.execute(f"SELECT indb_ml.{fn}(%s, %s, %s, %s, %s)", [vertex, vid, edge, args, out])


def assert_nothing_left(conn):
    conn.rollback()
    left = conn.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'out%' OR relname LIKE 'indb_ml_graph%'")
    assert left.fetchone()[0] == 0


@pytest.mark.parametrize("plan", PLANS)
@pytest.mark.parametrize("fn", ["pagerank", "weakly_connected_components", "hits"])
def test_edge_to_missing_vertex(postgresql, plan, fn):
    load_graph(postgresql, 4, np.array([0, 1, 7]), np.array([1, 9, 2]))
    postgresql.execute("SELECT set_config('indb_ml.graph_plan', %s, false)", [plan])
    postgresql.commit()
    msg = r"2 edge ends that are not in vertex table public.v \(e.g. vertex 7\)"
    with pytest.raises(E.ForeignKeyViolation, match=msg):
        call(postgresql, fn)
    assert_nothing_left(postgresql)


@pytest.mark.parametrize("plan", PLANS)
def test_null_ids_and_duplicates(postgresql, plan):
    load_graph(postgresql, 4, np.array([0, 1]), np.array([1, 2]))
    postgresql.commit()
    postgresql.execute("SELECT set_config('indb_ml.graph_plan', %s, false)", [plan])
    # Edges with a NULL end are skipped, as MADlib's joins skip them: the same ranks as without.
    call(postgresql, out="out_clean")
    postgresql.execute("INSERT INTO e VALUES (NULL, 1), (2, NULL)")
    call(postgresql, out="out_nulls")
    assert postgresql.execute("SELECT count(*) FROM out_clean a JOIN out_nulls b USING (id) "
                              "WHERE a.pagerank = b.pagerank").fetchone()[0] == 4
    postgresql.rollback()
    postgresql.execute("SELECT set_config('indb_ml.graph_plan', %s, false)", [plan])
    postgresql.execute("INSERT INTO v VALUES (NULL)")
    postgresql.commit()
    with pytest.raises(E.NotNullViolation, match="1 NULL ids in column id"):
        call(postgresql, "weakly_connected_components")
    postgresql.rollback()
    postgresql.execute("DELETE FROM v WHERE id IS NULL")
    postgresql.execute("INSERT INTO v VALUES (2)")
    postgresql.commit()
    with pytest.raises(E.UniqueViolation, match="duplicate ids"):
        call(postgresql, "hits")
    postgresql.rollback()
    postgresql.execute("DELETE FROM v")
    postgresql.commit()
    with pytest.raises(E.DataException, match="has no vertices"):
        call(postgresql, "graph_vertex_degrees")


def test_bad_arguments(postgresql):
    load_graph(postgresql, 4, np.array([0, 1]), np.array([1, 2]))
    postgresql.execute("CREATE TABLE tv (id text)")
    postgresql.commit()
    cases = [
        (dict(args="src=src, dst=dest"), E.InvalidParameterValue, "unknown key 'dst' in edge_args"),
        (dict(args="src=src dest=dest"), E.SyntaxError, "cannot parse edge_args"),
        (dict(args="src=nope"), E.UndefinedColumn, "src column 'nope' is not a column of public.e"),
        (dict(vid="idx"), E.UndefinedColumn, "vertex_id 'idx' is not a column"),
        (dict(vertex="tv"), E.DatatypeMismatch, "must all be integers or all text"),
        (dict(edge="e; DROP TABLE v"), E.InvalidParameterValue, "is not a valid table name"),
        (dict(edge="nosuch"), E.UndefinedTable, "edge_table 'nosuch' does not exist"),
        (dict(out="v"), E.DuplicateTable, "already exists"),
    ]
    for kwargs, exc, msg in cases:
        with pytest.raises(exc, match=msg):
            call(postgresql, **kwargs)
        postgresql.rollback()
    for sql, msg in (("SELECT indb_ml.pagerank('v', 'id', 'e', NULL, 'out', 0.85, 100, NULL, NULL, ARRAY[1, 42])",
                      "personalization vertex 42 is not in vertex table"),
                     ("SELECT indb_ml.pagerank('v', 'id', 'e', NULL, 'out', 1.5)", "damping_factor must be between"),
                     ("SELECT indb_ml.pagerank('v', 'id', 'e', 'src=src, dest=dest, weight=weight', 'out')",
                      "weight column 'weight' is not a column"),
                     ("SELECT indb_ml.weakly_connected_components('v', 'id', 'e', NULL, 'out', 'src, src')",
                      "listed twice"),
                     ("SELECT indb_ml.graph_vertex_degrees('v', 'id', 'e', NULL, 'out', 'dest) x')",
                      "expected ',' or end of list"),
                     ("SELECT indb_ml.weakly_connected_components('v', 'id', 'e', NULL, 'out', NULL, NULL, true)",
                      "warm_start needs the out_table of an earlier run")):
        with pytest.raises(psycopg_error(), match=msg):
            postgresql.execute(sql)
        postgresql.rollback()
    assert postgresql.execute("SELECT count(*) FROM v").fetchone()[0] == 4


def psycopg_error():
    import psycopg

    return psycopg.Error


def test_auto_plan_follows_the_memory_budget(postgresql):
    rng = np.random.default_rng(0)
    src, dst = rng.integers(0, 500, 8_000), rng.integers(0, 500, 8_000)
    load_graph(postgresql, 500, src, dst)
    messages = []
    postgresql.add_notice_handler(lambda d: messages.append(d.message_primary))
    postgresql.execute("SET client_min_messages = debug2")
    postgresql.execute("SELECT indb_ml.graph_vertex_degrees('v', 'id', 'e', NULL, 'd1')")
    postgresql.execute("SET indb_ml.matrix_memory_mb = 1")  # 8k edges need ~1.3 MB in memory
    postgresql.execute("SELECT indb_ml.graph_vertex_degrees('v', 'id', 'e', NULL, 'd2')")
    plans = [m.rsplit(": ", 1)[1] for m in messages if m.startswith("graph_vertex_degrees: ~")]
    assert plans == ["memory plan", "relational plan"]
    assert postgresql.execute("SELECT count(*) FROM (SELECT * FROM d1 EXCEPT SELECT * FROM d2) x").fetchone()[0] == 0
    postgresql.execute("SET indb_ml.graph_plan = 'fast'")
    with pytest.raises(E.InvalidParameterValue, match="indb_ml.graph_plan is 'fast'"):
        postgresql.execute("SELECT indb_ml.graph_vertex_degrees('v', 'id', 'e', NULL, 'd3')")


@pytest.mark.parametrize("plan", PLANS)
def test_quoted_names_everywhere(postgresql, plan):
    postgresql.execute('CREATE TABLE "My Vertices" ("Node Id" bigint)')
    postgresql.execute('INSERT INTO "My Vertices" SELECT generate_series(1, 6)')
    postgresql.execute('CREATE TABLE "Edge; Table" ("From" bigint, "To" int, "Grp X" text)')
    postgresql.execute("""INSERT INTO "Edge; Table" VALUES (1, 2, 'a'), (2, 3, 'a'), (4, 5, 'b"x'), (5, 4, 'b"x')""")
    postgresql.execute("SELECT set_config('indb_ml.graph_plan', %s, false)", [plan])
    args = 'src="From", dest="To"'
    postgresql.execute("""SELECT indb_ml.weakly_connected_components('"My Vertices"', '"Node Id"', '"Edge; Table"',
                          %s, '"Out W"', '"Grp X"')""", [args])
    rows = postgresql.execute('SELECT "Grp X", "Node Id", component_id FROM "Out W" ORDER BY 1, 2').fetchall()
    assert rows == [("a", 1, 1), ("a", 2, 1), ("a", 3, 1), ('b"x', 4, 4), ('b"x', 5, 4)]  # a group: its edges' ends
    postgresql.execute("""SELECT indb_ml.graph_wcc_num_cpts('"Out W"', '"Counts"')""")
    assert postgresql.execute('SELECT "Grp X", num_components FROM "Counts" ORDER BY 1').fetchall() == \
        [("a", 1), ('b"x', 1)]
    postgresql.execute("""SELECT indb_ml.pagerank('"My Vertices"', '"Node Id"', '"Edge; Table"', %s, '"Out P"',
                          0.85, 100, NULL, '"Grp X"')""", [args])
    sums = postgresql.execute('SELECT "Grp X", sum(pagerank) FROM "Out P" GROUP BY 1 ORDER BY 1').fetchall()
    assert [g for g, _ in sums] == ["a", 'b"x'] and all(abs(s - 1) < 1e-12 for _, s in sums)
    assert postgresql.execute('SELECT count(*) FROM "Out P_summary"').fetchone()[0] == 2


@pytest.mark.parametrize("spread", [1, 10**12])  # dense ids (lookup table) and sparse ones (binary search)
def test_integer_ids_dense_and_sparse(postgresql, spread):
    rng = np.random.default_rng(1)
    ids = np.arange(-50, 50) * spread
    src, dst = rng.integers(0, 100, 400), rng.integers(0, 100, 400)
    load_graph(postgresql, ids, ids[src], ids[dst], id_type="bigint")
    postgresql.execute("SELECT indb_ml.graph_vertex_degrees('v', 'id', 'e', NULL, 'deg')")
    got = postgresql.execute("SELECT id, indegree, outdegree FROM deg ORDER BY id").fetchall()
    assert [r[0] for r in got] == ids.tolist()
    loop = src == dst  # MADlib's degrees leave self-loops out
    np.testing.assert_array_equal([r[1] for r in got], np.bincount(dst[~loop], minlength=100))
    np.testing.assert_array_equal([r[2] for r in got], np.bincount(src[~loop], minlength=100))
    postgresql.execute("INSERT INTO e VALUES (%s, %s)", [int(ids[0]) - 1, int(ids[-1]) + spread // 2 + 1])
    postgresql.commit()
    with pytest.raises(E.ForeignKeyViolation, match=f"2 edge ends .* vertex {int(ids[0]) - 1}"):
        postgresql.execute("SELECT indb_ml.pagerank('v', 'id', 'e', NULL, 'pr')")
