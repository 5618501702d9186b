"""MADlib 2.1 conformance of knn and the graph functions: MADlib's own test calls and documented
examples, run against indb_ml with MADlib's expected values, plus independent oracles (numpy
for the kd-tree, networkx for the graphs).

Sources (apache/madlib, MADlib 2.x):
- knn: src/ports/postgres/modules/knn/test/knn.sql_in and the examples of knn/knn.sql_in;
- graph: src/ports/postgres/modules/graph/test/{sssp,apsp,bfs,wcc,pagerank,hits}.sql_in.
"""

from __future__ import annotations

import math

import numpy as np
import psycopg.errors as E
import pytest

# ---- knn ----------------------------------------------------------------------------------------

# knn/test/knn.sql_in: the training, regression and test tables.
KNN_DATA = """
CREATE TABLE knn_train_data (id integer, data integer[], label integer);
INSERT INTO knn_train_data VALUES (1,'{1,1}',1),(2,'{2,2}',1),(3,'{3,3}',1),(4,'{4,4}',1),(5,'{4,5}',1),
  (6,'{20,50}',0),(7,'{10,31}',0),(8,'{81,13}',0),(9,'{1,111}',0);
CREATE TABLE knn_train_data_reg (id integer, data integer[], label float);
INSERT INTO knn_train_data_reg SELECT id, data, label::float FROM knn_train_data;
CREATE TABLE knn_test_data (id integer, data integer[]);
INSERT INTO knn_test_data VALUES (1,'{2,1}'),(2,'{2,6}'),(3,'{15,40}'),(4,'{12,1}'),(5,'{2,90}'),(6,'{50,45}');
CREATE TABLE knn_train_data_expr (id integer, data1 integer, data2 integer, label integer);
INSERT INTO knn_train_data_expr SELECT id, data[1], data[2], label FROM knn_train_data;
"""


@pytest.fixture
def knn_db(postgresql):
    postgresql.execute(KNN_DATA)
    postgresql.commit()
    return postgresql


def knn_call(conn, args: str):
    conn.execute("DROP TABLE IF EXISTS knn_out")
    conn.execute("SELECT indb_ml.knn(" + args + ")")
    return conn


def predictions(conn) -> list:
    return [r[0] for r in conn.execute("SELECT prediction FROM knn_out ORDER BY id")]


# (knn arguments after the tables, expected predictions) from knn/test/knn.sql_in; 'out' is the output.
MADLIB_KNN_PREDICTIONS = [
    ("'knn_train_data','data','id','label','knn_test_data','data','id','knn_out',3,False,"
     "'madlib.squared_dist_norm2',False", [1, 1, 0, 1, 0, 0]),
    ("'knn_train_data_reg','data','id','label','knn_test_data','data','id','knn_out',4,False,"
     "'madlib.squared_dist_norm2',False", [1, 1, 0.5, 1, 0.25, 0.25]),
    ("'knn_train_data','data','id','label','knn_test_data','data','id','knn_out',3,False,NULL,False",
     [1, 1, 0, 1, 0, 0]),
    ("'knn_train_data','data','id','label','knn_test_data','data','id','knn_out',3,False,'madlib.dist_norm1'",
     [1, 1, 0, 1, 0, 0]),
    ("'knn_train_data','data','id','label','knn_test_data','data','id','knn_out',3,False,'madlib.dist_angle'",
     [1, 0, 0, 1, 0, 1]),
    ("'knn_train_data','data','id','label','knn_test_data','data','id','knn_out',3,False,'madlib.dist_tanimoto'",
     [1, 1, 0, 1, 0, 0]),
    ("'knn_train_data_reg','data','id','label','knn_test_data','data','id','knn_out',4,False,'madlib.dist_norm1'",
     [1, 1, 0.5, 1, 0.25, 0.25]),
    ("'knn_train_data_reg','data','id','label','knn_test_data','data','id','knn_out',4,False,'madlib.dist_angle'",
     [0.75, 0.25, 0.25, 0.75, 0.25, 1]),
    ("'knn_train_data','data','id','label','knn_test_data','data','id','knn_out',3,False,"
     "'madlib.squared_dist_norm2',True", [1, 1, 0, 1, 0, 0]),
    ("'knn_train_data_reg','data','id','label','knn_test_data','data','id','knn_out',3,False,"
     "'madlib.squared_dist_norm2',True", [1, 1, 0.0408728591876018, 1, 0, 0]),
    ("'knn_train_data','data[1:1]||data[2:2]','id','label','knn_test_data','data[1:1]||data[2:2]','id',"
     "'knn_out',3,False,'madlib.squared_dist_norm2',True", [1, 1, 0, 1, 0, 0]),
    ("'knn_train_data_reg','data[1:1]||data[2:2]','id','label','knn_test_data','data[1:1]||data[2:2]','id',"
     "'knn_out',3,False,'madlib.squared_dist_norm2',True", [1, 1, 0.0408728591876018, 1, 0, 0]),
    ("'knn_train_data_expr','ARRAY[data1,data2]','id','label','knn_test_data','data[1:1]||data[2:2]','id',"
     "'knn_out',3,False,'madlib.squared_dist_norm2',True", [1, 1, 0, 1, 0, 0]),
]


@pytest.mark.parametrize("args,expected", MADLIB_KNN_PREDICTIONS, ids=range(len(MADLIB_KNN_PREDICTIONS)))
def test_knn_madlib_test_file_predictions(knn_db, args, expected):
    got = predictions(knn_call(knn_db, args))
    # MADlib's assert compares numerics: '0.0408728591876018' is printed with 15 significant digits.
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_knn_madlib_neighbour_lists_and_rerun_without_summary(knn_db):
    """knn.sql_in's neighbour checks (ids {1,2,3} and distances {1,1,5} of test point 1), the
    documented example outputs, and MADlib's workflow: DROP the output, run again (no _summary)."""
    conn = knn_db
    for _ in range(2):
        conn.execute("DROP TABLE IF EXISTS knn_result_classification")
        conn.execute("SELECT indb_ml.knn('knn_train_data','data','id','label','knn_test_data','data','id',"
                     "'knn_result_classification',3)")
        assert conn.execute("SELECT to_regclass('knn_result_classification_summary')").fetchone()[0] is None
    rows = conn.execute("SELECT id, data, prediction, k_nearest_neighbours, distance FROM knn_result_classification "
                        "ORDER BY id").fetchall()
    # knn/knn.sql_in, "Run KNN for classification" (squared_dist_norm2, k = 3).
    assert rows == [(1, [2, 1], 1, [1, 2, 3], [1, 1, 5]), (2, [2, 6], 1, [5, 4, 3], [5, 8, 10]),
                    (3, [15, 40], 0, [7, 6, 5], [106, 125, 1346]), (4, [12, 1], 1, [4, 5, 3], [73, 80, 85]),
                    (5, [2, 90], 0, [9, 6, 7], [442, 1924, 3545]), (6, [50, 45], 0, [6, 7, 8], [925, 1796, 1985])]
    # The regression example with dist_norm2 (knn.sql_in), to MADlib's printed 15 digits.
    knn_call(conn, "'knn_train_data_reg','data','id','label','knn_test_data','data','id','knn_out',3,True,"
                   "'madlib.dist_norm2'")
    got = conn.execute("SELECT prediction, k_nearest_neighbours, distance FROM knn_out ORDER BY id").fetchall()
    assert [g[0] for g in got] == pytest.approx([1, 1, 0.333333333333333, 1, 0, 0], abs=1e-15)
    assert got[2][1:] == ([7, 6, 5], pytest.approx([10.295630140987, 11.1803398874989, 36.6878726556883], rel=1e-7))
    # No label: neighbours only (knn.sql_in's last call), no prediction column.
    knn_call(conn, "'knn_train_data','data','id',NULL,'knn_test_data','data','id','knn_out',3")
    cols = [r[0] for r in conn.execute("SELECT attname FROM pg_attribute WHERE attrelid = 'knn_out'::regclass "
                                       "AND attnum > 0 ORDER BY attnum")]
    assert cols == ["id", "data", "k_nearest_neighbours", "distance"]


def test_knn_expression_column_is_named_by_the_expression(knn_db):
    knn_call(knn_db, "'knn_train_data','data[1:1]||data[2:2]','id','label','knn_test_data','data[1:1]||data[2:2]',"
                     "'id','knn_out',3")
    row = knn_db.execute('SELECT "data[1:1]||data[2:2]" FROM knn_out WHERE id = 3').fetchone()
    assert row == ([15, 40],)
    # A slice that picks one coordinate: 1-D neighbours by |x1 - t1| only.
    knn_call(knn_db, "'knn_train_data','data[2:2]','id',NULL,'knn_test_data','data[2:]','id','knn_out',1,True,"
                     "'dist_norm1'")
    x2 = np.array([1, 2, 3, 4, 5, 50, 31, 13, 111])
    for tid, t2 in [(1, 1), (2, 6), (3, 40), (4, 1), (5, 90), (6, 45)]:
        nearest = int(np.lexsort((np.arange(1, 10), np.abs(x2 - t2)))[0]) + 1
        assert knn_db.execute("SELECT k_nearest_neighbours[1] FROM knn_out WHERE id = %s", [tid]).fetchone()[0] \
            == nearest


@pytest.mark.parametrize("expression", [
    "data[1:1]||data[2:2]); DROP TABLE knn_test_data; --",
    "data[1:(SELECT 1)]",
    "data[1:1] || pg_sleep(1)",
    "data[1:1]::regclass",
    "data[1:1] /* x */ || data[2:2]",
    "data[1:1:1]",
])
def test_knn_hostile_expressions_are_refused(knn_db, expression):
    with pytest.raises(E.SyntaxError, match="expression|cannot parse|contains"), knn_db.transaction():
        knn_db.execute("SELECT indb_ml.knn('knn_train_data', %s, 'id', 'label', 'knn_test_data', 'data', 'id', "
                       "'knn_out', 3)", [expression])
    assert knn_db.execute("SELECT count(*) FROM knn_test_data").fetchone()[0] == 6
    assert knn_db.execute("SELECT to_regclass('knn_out')").fetchone()[0] is None


def test_expression_grammar_slices_and_concatenation():
    """sqlexpr: subscripts, slices and || are parsed and re-rendered with quoted identifiers; anything
    outside the grammar is still refused (no subqueries, calls or statements inside the brackets)."""
    from indb_ml import sqlexpr
    from indb_ml.errors import InputError

    def render(text):
        return sqlexpr.to_sql(sqlexpr.parse(text), sqlexpr._demo_quote, sqlexpr._demo_literal, "pg_catalog")

    assert render("data[1:1]||data[2:2]") == "((data)[1:1] || (data)[2:2])"
    assert render('"My Data"[2:]') == '("My Data")[2:]'
    assert render("x[:3] || ARRAY[1, y[2]]") == "((x)[:3] || ARRAY[1, (y)[2]])"
    assert render("m[1][2] + abs(v[i + 1])") == "((m)[1][2] + pg_catalog.abs((v)[(i + 1)]))"
    assert render("a || b = c") == "((a || b) = c)"  # || binds tighter than comparisons, looser than +
    assert render("data[1:1]::text") == "((data)[1:1])::text"
    assert render("x[1] OR true") == "((x)[1] OR TRUE)"
    for hostile in ["data[1:1]||data[2:2]; DROP TABLE t", "data[(SELECT 1)]", "data[1:pg_sleep(1)]",
                    "data[1:1] -- x", "data[1:1] /* x */", "data[1:2:3]", "data[1", "data[]", "data[1:1] ||",
                    "data ||| x", "data[1:1]::regclass", "x[1] OR pg_sleep(1)", "data[current_setting('x')]"]:
        with pytest.raises(InputError):
            sqlexpr.parse(hostile)


# ---- knn: MADlib's kd-tree ------------------------------------------------------------------------

def kd_oracle(X: np.ndarray, ids: np.ndarray, T: np.ndarray, k: int, depth: int, leaves: int,
              dist=lambda a, b: ((a - b) ** 2).sum(-1)):
    """MADlib's kd-tree knn in numpy (knn/knn.py_in: build_kd_tree, knn_kd_tree): median cutoffs
    (percentile_disc(0.5): the ceil(n/2)-th smallest) per node and level, left when below; a test
    point searches its own region (leaves = 1) or the regions of the ``leaves`` nearest centres.
    Returns {test row: [(distance, id), ...]} (rows without any neighbour left out)."""
    d = X.shape[1]
    region = np.zeros(len(X), dtype=np.int64)
    cuts = {}
    for level in range(depth):
        j = level % d
        new = region * 2
        for node in np.unique(region):
            sel = region == node
            vals = np.sort(X[sel, j])
            cut = vals[math.ceil(0.5 * len(vals)) - 1]
            cuts[(level, int(node))] = cut
            new[sel] += (X[sel, j] >= cut).astype(np.int64)
        region = new
    result = {}
    for i, t in enumerate(T):
        if leaves == 1:
            r = 0
            for level in range(depth):
                cut = cuts.get((level, r))
                if cut is None:
                    r = None
                    break
                r = 2 * r + int(t[level % d] >= cut)
            chosen = [] if r is None else [r]
        else:
            regs = np.unique(region)
            centres = np.array([X[region == r].mean(0) for r in regs])
            order = np.lexsort((regs, dist(centres, t[None, :])))
            chosen = regs[order[:leaves]].tolist()
        cand = np.isin(region, chosen)
        dd = dist(X[cand], t[None, :])
        order = np.lexsort((ids[cand], dd))[:k]
        if len(order):
            result[i] = [(float(dd[o]), int(ids[cand][o])) for o in order]
    return result


def test_knn_kd_tree_madlib_documented_examples(knn_db):
    """knn/knn.sql_in: depth 4 searching 8 leaves equals brute force; depth 4 with 1 leaf finds
    fewer neighbours and no row for test point 4 (its region is empty)."""
    conn = knn_db
    knn_call(conn, "'knn_train_data','data','id',NULL,'knn_test_data','data','id','knn_out',3,True,"
                   "'madlib.squared_dist_norm2',False,'kd_tree','depth=4, leaf_nodes=8'")
    assert conn.execute("SELECT k_nearest_neighbours, distance FROM knn_out ORDER BY id").fetchall() == [
        ([1, 2, 3], [1, 1, 5]), ([5, 4, 3], [5, 8, 10]), ([7, 6, 5], [106, 125, 1346]), ([4, 5, 3], [73, 80, 85]),
        ([9, 6, 7], [442, 1924, 3545]), ([6, 7, 8], [925, 1796, 1985])]
    knn_call(conn, "'knn_train_data','data','id',NULL,'knn_test_data','data','id','knn_out',3,True,"
                   "'madlib.squared_dist_norm2',False,'kd_tree','depth=4, leaf_nodes=1'")
    assert conn.execute("SELECT id, data, k_nearest_neighbours, distance FROM knn_out ORDER BY id").fetchall() == [
        (1, [2, 1], [1], [1]), (2, [2, 6], [3, 2], [10, 16]), (3, [15, 40], [7], [106]),
        (5, [2, 90], [3, 2], [7570, 7744]), (6, [50, 45], [6, 8], [925, 1985])]


def test_knn_kd_tree_madlib_test_calls(knn_db):
    """The kd_tree calls of knn/test/knn.sql_in (it asserts only that rows come out); here their
    neighbours are also compared with the numpy kd-tree oracle."""
    conn = knn_db
    rng = np.random.default_rng(11)
    X = rng.integers(0, 1_000_000, size=(100, 2)).astype(float)
    T = rng.integers(0, 1_000_000, size=(5, 2)).astype(float)
    labels = np.repeat([0, 1, 2], [31, 50, 19])
    conn.execute("CREATE TABLE knn_train_data2 (id integer, data double precision[], label integer)")
    conn.execute("CREATE TABLE knn_test_data2 (id integer NOT NULL, data integer[])")
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO knn_train_data2 VALUES (%s, %s, %s)",
                        [(i + 1, X[i].tolist(), int(labels[i])) for i in range(100)])
        cur.executemany("INSERT INTO knn_test_data2 VALUES (%s, %s)",
                        [(i + 1, [int(v) for v in T[i]]) for i in range(5)])
    ids = np.arange(1, 101)
    for table, tx, tt, tids, k, label, params in [
        ("knn_train_data2", X, T, ids, 1, "NULL", "depth=2, leaf_nodes=2"),
        ("knn_train_data2", X, T, ids, 2, "'label'", "depth=2, leaf_nodes=2"),
        ("knn_train_data", None, None, None, 2, "NULL", "depth=2, leaf_nodes=1"),
        ("knn_train_data", None, None, None, 2, "NULL", "depth=3, leaf_nodes=2"),
    ]:
        test = "knn_test_data2" if table == "knn_train_data2" else "knn_test_data"
        knn_call(conn, f"'{table}','data','id',{label},'{test}','data','id','knn_out',{k},True,"
                       f"'madlib.squared_dist_norm2',{label != 'NULL'},'kd_tree','{params}'")
        assert conn.execute("SELECT count(*) FROM knn_out").fetchone()[0] > 0  # MADlib's assertion
        if tx is None:
            tx = np.array([r[0] for r in conn.execute(f"SELECT data FROM {table} ORDER BY id")], dtype=float)
            tt = np.array([r[0] for r in conn.execute(f"SELECT data FROM {test} ORDER BY id")], dtype=float)
            tids = np.arange(1, len(tx) + 1)
        depth, leaves = (int(p.split("=")[1]) for p in params.split(","))
        expected = kd_oracle(tx, tids, tt, k, depth, leaves)
        got = {r[0] - 1: list(zip(r[2], r[1])) for r in
               conn.execute("SELECT id, k_nearest_neighbours, distance FROM knn_out ORDER BY id")}
        assert set(got) == set(expected)
        for i, neighbours in expected.items():
            # float4 distances (pgvector): ids must agree, distances to float4 precision.
            assert [n[1] for n in got[i]] == [n[1] for n in neighbours]
            assert [n[0] for n in got[i]] == pytest.approx([n[0] for n in neighbours], rel=1e-6)


def test_knn_kd_tree_against_oracle_on_random_data(postgresql):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(300, 3)).astype(np.float32).astype(float)
    T = rng.normal(size=(40, 3)).astype(np.float32).astype(float)
    conn = postgresql
    conn.execute("CREATE TABLE pts (id int, x float8[], cls int)")
    conn.execute("CREATE TABLE tst (tid int, x float8[])")
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO pts VALUES (%s, %s, %s)", [(i, X[i].tolist(), i % 3) for i in range(300)])
        cur.executemany("INSERT INTO tst VALUES (%s, %s)", [(i, T[i].tolist()) for i in range(40)])
    for depth, leaves, metric, fn in [(3, 2, "squared_dist_norm2", lambda a, b: ((a - b) ** 2).sum(-1)),
                                      (4, 1, "dist_norm1", lambda a, b: np.abs(a - b).sum(-1)),
                                      (5, 7, "dist_norm2", lambda a, b: np.sqrt(((a - b) ** 2).sum(-1)))]:
        conn.execute("DROP TABLE IF EXISTS o")
        conn.execute("SELECT indb_ml.knn('pts', 'x', 'id', 'cls', 'tst', 'x', 'tid', 'o', 5, true, %s, false, "
                     "'kd', %s)", [metric, f"depth={depth}, leaf_nodes={leaves}"])
        expected = kd_oracle(X, np.arange(300), T, 5, depth, leaves, fn)
        got = {r[0]: r[1] for r in conn.execute("SELECT id, k_nearest_neighbours FROM o")}
        assert set(got) == set(expected)
        assert all(got[i] == [n[1] for n in expected[i]] for i in expected)


@pytest.mark.parametrize("params,message", [
    ("depth=0", "depth=0 is an invalid value"),
    ("leaf_nodes=0", "leaf_nodes=0 is an invalid value"),
    ("depth=2, leaf_nodes=4", "leaf_nodes must be lower than 2\\^depth"),
    ("ef_search=10", "unknown parameter 'ef_search'"),
])
def test_knn_kd_tree_bad_params(knn_db, params, message):
    with pytest.raises(E.InvalidParameterValue, match=message), knn_db.transaction():
        knn_call(knn_db, "'knn_train_data','data','id','label','knn_test_data','data','id','knn_out',3,True,"
                         f"NULL,False,'kd_tree','{params}'")
    assert knn_db.execute("SELECT to_regclass('knn_out')").fetchone()[0] is None


def test_knn_vote_ties_follow_madlib(postgresql):
    """MADlib's classification is mode() (a tie goes to the smallest label) and, weighted, the
    last label ordered by (weight sum, label): the largest label among equal sums."""
    conn = postgresql
    conn.execute("CREATE TABLE p (id int, x float8[], lab text)")
    conn.execute("INSERT INTO p VALUES (1, '{1}', 'b'), (2, '{-1}', 'a'), (3, '{2}', 'c'), (4, '{-2}', 'd')")
    conn.execute("CREATE TABLE t (id int, x float8[])")
    conn.execute("INSERT INTO t VALUES (1, '{0}')")
    conn.execute("SELECT indb_ml.knn('p', 'x', 'id', 'lab', 't', 'x', 'id', 'o1', 2)")
    conn.execute("SELECT indb_ml.knn('p', 'x', 'id', 'lab', 't', 'x', 'id', 'o2', 4, true, NULL, true)")
    assert conn.execute("SELECT prediction FROM o1").fetchone()[0] == "a"  # 'b' and 'a' at distance 1
    assert conn.execute("SELECT prediction FROM o2").fetchone()[0] == "b"  # sums 1 (a, b) and 1/4 (c, d)


# ---- graph: shared data --------------------------------------------------------------------------

PLANS = ["memory", "relational"]


def use_plan(conn, plan: str) -> None:
    conn.execute("SELECT set_config('indb_ml.graph_plan', %s, false)", [plan])


def one(conn, sql: str, params=None):
    row = conn.execute(sql, params).fetchone()
    return None if row is None else (row[0] if len(row) == 1 else row)


# graph/test/sssp.sql_in (and apsp.sql_in, with the column "DEST"): 8 vertices, 12 edges, one negative.
PATH_EDGES = "(0,1,1),(0,2,1),(0,4,10),(1,2,2),(1,3,10),(2,3,1),(2,5,1),(2,6,3),(3,0,1),(4,0,-2),(5,6,1),(6,7,1)"
MULT_EDGES = ("(0,1,1,0,1),(0,2,1,0,2),(0,4,10,0,4),(1,2,2,1,2),(1,3,10,1,3),(2,3,1,2,3),(2,5,1,2,5),(2,6,3,2,6),"
              "(3,0,1,3,0),(4,0,-2,4,0),(5,6,1,5,6),(6,7,1,6,7)")


def path_tables(conn, dest: str = "dest") -> None:
    conn.execute(f"""
        CREATE TABLE vertex (id INTEGER);
        INSERT INTO vertex SELECT generate_series(0, 7);
        CREATE TABLE "EDGE" (src INTEGER, {dest} INTEGER, weight DOUBLE PRECISION);
        INSERT INTO "EDGE" VALUES {PATH_EDGES};
        CREATE TABLE edge_gr AS (SELECT *, 0 AS grp FROM "EDGE" UNION SELECT *, 1 AS grp FROM "EDGE"
                                 WHERE src < 6 AND {dest} < 6 UNION SELECT *, 2 AS grp FROM "EDGE" WHERE src < 6
                                 AND {dest} < 6);
        INSERT INTO edge_gr VALUES (7, NULL, NULL, 1), (4, 0, -20, 2);
        CREATE TABLE vertex_mult (id1 INTEGER, id2 INTEGER);
        INSERT INTO vertex_mult SELECT g, g FROM generate_series(0, 6) g;
        CREATE TABLE edge_mult (src1 INTEGER, dest1 INTEGER, weight INTEGER, src2 INTEGER, dest2 INTEGER);
        INSERT INTO edge_mult VALUES {MULT_EDGES};
        CREATE TABLE edge_mult_gr2 AS (SELECT *, 0 AS grp1, 0 AS grp2 FROM edge_mult UNION SELECT *, 1 AS grp1,
                                       0 AS grp2 FROM edge_mult WHERE src1 < 6 AND dest1 < 6 UNION SELECT *,
                                       1 AS grp1, 1 AS grp2 FROM edge_mult WHERE src1 < 6 AND dest1 < 6);
    """)


def sssp_oracle(edges, source, vertices=None):
    """networkx Bellman-Ford distances of the reached vertices (vertices: those to keep)."""
    import networkx as nx
    g = nx.DiGraph()
    for s, d, w in edges:
        if vertices is None or (s in vertices and d in vertices):
            if not g.has_edge(s, d) or g[s][d]["weight"] > w:
                g.add_edge(s, d, weight=w)
    g.add_node(source)
    return nx.single_source_bellman_ford_path_length(g, source)


EDGE_LIST = [tuple(int(x) for x in t.split(",")) for t in PATH_EDGES[1:-1].split("),(")]


# ---- graph_sssp: graph/test/sssp.sql_in ----------------------------------------------------------

@pytest.mark.parametrize("plan", PLANS)
def test_sssp_madlib_test_file(postgresql, plan):
    conn = postgresql
    path_tables(conn)
    use_plan(conn, plan)
    conn.execute("SELECT indb_ml.graph_sssp('vertex',NULL,'\"EDGE\"',NULL,0,'out')")
    assert one(conn, "SELECT weight, parent FROM out WHERE id = 6") == (3, 5)
    assert dict(conn.execute("SELECT id, weight FROM out").fetchall()) == sssp_oracle(EDGE_LIST, 0)
    conn.execute("SELECT indb_ml.graph_sssp_get_path('out',6,'out_path')")
    assert one(conn, "SELECT path FROM out_path") == [0, 2, 5, 6]
    # Other column names: 'src=e_src, weight=e_weight', source 1.
    conn.execute("CREATE TABLE vertex_alt AS SELECT id AS v_id FROM vertex")
    conn.execute("CREATE TABLE edge_alt AS SELECT src AS e_src, dest, weight AS e_weight FROM \"EDGE\"")
    conn.execute("SELECT indb_ml.graph_sssp('vertex_alt','v_id','edge_alt','src=e_src, weight=e_weight',1,'out_alt')")
    assert one(conn, "SELECT e_weight, parent FROM out_alt WHERE v_id = 6") == (4, 5)
    # Grouping: group 1 has an edge with a NULL dest and weight (skipped), group 2 a negative cycle
    # (left out with a warning, MADlib's rule).
    warnings = []
    conn.add_notice_handler(lambda d: warnings.append(d.message_primary))
    conn.execute("SELECT indb_ml.graph_sssp('vertex',NULL,'edge_gr',NULL,0,'out_gr','grp')")
    assert one(conn, "SELECT weight, parent FROM out_gr WHERE id = 6 AND grp = 0") == (3, 5)
    assert one(conn, "SELECT weight, parent FROM out_gr WHERE id = 5 AND grp = 1") == (2, 2)
    assert one(conn, "SELECT count(*) FROM out_gr WHERE id = 7 AND grp = 1") == 0  # not reached: no row
    assert conn.execute("SELECT DISTINCT grp FROM out_gr ORDER BY 1").fetchall() == [(0,), (1,)]
    assert any("negative cycle" in w and '"grp": 2' in w for w in warnings), warnings
    conn.execute("SELECT indb_ml.graph_sssp_get_path('out_gr',5,'out_gr_path')")
    assert conn.execute("SELECT grp, path FROM out_gr_path ORDER BY grp").fetchall() == [(0, [0, 2, 5]), (1, [0, 2, 5])]
    conn.execute("CREATE TABLE edge_gr2 AS (SELECT *, 0 AS grp1, 0 AS grp2 FROM \"EDGE\" UNION SELECT *, 1, 0 FROM "
                 "\"EDGE\" WHERE src < 6 AND dest < 6 UNION SELECT *, 1, 1 FROM \"EDGE\" WHERE src < 6 AND dest < 6)")
    conn.execute("SELECT indb_ml.graph_sssp('vertex',NULL,'edge_gr2',NULL,0,'out_gr2','grp1,grp2')")
    assert one(conn, "SELECT weight, parent FROM out_gr2 WHERE id = 6 AND grp1 = 0 AND grp2 = 0") == (3, 5)
    # Quoted names, and '' for the vertex id and grouping columns.
    conn.execute('CREATE TABLE "edge_Q" AS SELECT src, dest AS "dest_Q", weight FROM "EDGE"')
    conn.execute("SELECT indb_ml.graph_sssp('vertex','','\"edge_Q\"','dest=\"dest_Q\"',0,'\"out_Q\"','')")
    conn.execute("SELECT indb_ml.graph_sssp_get_path('\"out_Q\"',5,'\"out_Q_path\"')")
    assert one(conn, 'SELECT path FROM "out_Q_path"') == [0, 2, 5]
    # The vertex id named like an edge column.
    conn.execute("ALTER TABLE vertex RENAME COLUMN id TO src")
    conn.execute("SELECT indb_ml.graph_sssp('vertex','src','edge_gr',NULL,0,'out_src','grp')")
    assert one(conn, "SELECT weight, parent FROM out_src WHERE src = 6 AND grp = 0") == (3, 5)
    conn.execute("ALTER TABLE vertex RENAME COLUMN src TO dest")
    conn.execute("SELECT indb_ml.graph_sssp('vertex','dest','edge_gr',NULL,0,'out_dest','grp')")
    assert one(conn, "SELECT weight, parent FROM out_dest WHERE dest = 6 AND grp = 0") == (3, 5)
    conn.execute("ALTER TABLE vertex RENAME COLUMN dest TO id")
    # bigint ids.
    conn.execute("CREATE TABLE v2 AS SELECT (id+992147483647)::bigint as id FROM vertex")
    conn.execute("CREATE TABLE e2 AS SELECT (src+992147483647)::bigint as src, (dest+992147483647)::bigint as dest, "
                 "weight FROM \"EDGE\"")
    conn.execute("SELECT indb_ml.graph_sssp('v2',NULL,'e2',NULL,992147483647,'pg_temp.out2')")
    assert one(conn, "SELECT count(*) FROM pg_temp.out2") == 8
    conn.execute("SELECT indb_ml.graph_sssp_get_path('pg_temp.out2',992147483652,'pg_temp.out2_path')")
    assert one(conn, "SELECT path FROM pg_temp.out2_path") == [992147483647, 992147483649, 992147483652]
    # Unreachable vertices have no row (MADlib's "Test for infinite paths").
    conn.execute("DELETE FROM \"EDGE\" WHERE dest = 7")
    conn.execute("SELECT indb_ml.graph_sssp('vertex',NULL,'\"EDGE\"',NULL,0,'out_inf')")
    assert one(conn, "SELECT count(*) FROM out_inf WHERE parent IS NULL") == 0
    assert one(conn, "SELECT count(*) FROM out_inf") == 7
    conn.execute("SELECT indb_ml.graph_sssp_get_path('out_inf',5,'out_inf_path')")


@pytest.mark.parametrize("plan", PLANS)
def test_sssp_madlib_multi_column_ids(postgresql, plan):
    """graph/test/sssp.sql_in: '[id1,id2]' ids, 'src=[src1,src2], dest=[dest1,dest2]', the source
    ARRAY[0,0]; the output's id and parent are bigint[] (named id, as MADlib); the integer weight
    column keeps its type. The edge (6,6) -> (7,7) leads outside the vertex table (not followed)."""
    conn = postgresql
    path_tables(conn)
    use_plan(conn, plan)
    conn.execute("SELECT indb_ml.graph_sssp('vertex_mult','[id1,id2]','edge_mult','src=[src1,src2], "
                 "dest=[dest1,dest2]',ARRAY[0,0],'sssp_mult_col_out')")
    assert one(conn, "SELECT weight, parent FROM sssp_mult_col_out WHERE id = ARRAY[6,6]::BIGINT[]") == (3, [5, 5])
    assert conn.execute("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = "
                        "'sssp_mult_col_out'::regclass AND attnum > 0 ORDER BY attnum").fetchall() == [
        ("bigint[]",), ("integer",), ("bigint[]",)]
    got = {tuple(r[0]): r[1] for r in conn.execute("SELECT id, weight FROM sssp_mult_col_out")}
    assert got == {(v, v): d for v, d in sssp_oracle(EDGE_LIST, 0, set(range(7))).items()}
    conn.execute("SELECT indb_ml.graph_sssp_get_path('sssp_mult_col_out',ARRAY[6,6],'sssp_mult_col_out_path')")
    assert one(conn, "SELECT path FROM sssp_mult_col_out_path") == [[0, 0], [2, 2], [5, 5], [6, 6]]
    summary = one(conn, "SELECT vertex_id, source_vertex FROM sssp_mult_col_out_summary")
    assert summary == ("[id1,id2]", [0, 0])
    conn.execute("SELECT indb_ml.graph_sssp('vertex_mult','[id1,id2]','edge_mult_gr2','src=[src1,src2], "
                 "dest=[dest1,dest2]',ARRAY[0,0],'sssp_mult_gr','grp1,grp2')")
    assert one(conn, "SELECT weight, parent FROM sssp_mult_gr WHERE id = ARRAY[6,6]::BIGINT[] AND grp1 = 0 AND "
                     "grp2 = 0") == (3, [5, 5])
    # grouped: the vertices are the edge ends, so (7,7), outside the vertex table, is reached
    assert one(conn, "SELECT weight, parent FROM sssp_mult_gr WHERE id = '{7,7}' AND grp1 = 0") == (4, [6, 6])
    for bad, message in [("ARRAY[0]", "same number|is not a vertex"), ("0", "several columns")]:
        with pytest.raises(E.InvalidParameterValue, match=message), conn.transaction():
            conn.execute("SELECT indb_ml.graph_sssp('vertex_mult','[id1,id2]','edge_mult','src=[src1,src2], "
                         f"dest=[dest1,dest2]',{bad},'bad')")
    with pytest.raises(E.InvalidParameterValue, match="same number of columns"), conn.transaction():
        conn.execute("SELECT indb_ml.graph_sssp('vertex_mult','[id1,id2]','edge_mult','src=[src1], "
                     "dest=[dest1,dest2]',ARRAY[0,0],'bad')")
    conn.commit()  # the copies with the packed ids are temporary tables dropped at commit
    assert one(conn, "SELECT count(*) FROM pg_class WHERE relname LIKE '\\_indb\\_ml\\_graph%'") == 0


# ---- graph_apsp: graph/test/apsp.sql_in ----------------------------------------------------------

@pytest.mark.parametrize("plan", PLANS)
def test_apsp_madlib_test_file(postgresql, plan):
    conn = postgresql
    path_tables(conn, dest='"DEST"')
    use_plan(conn, plan)
    conn.execute("SELECT indb_ml.graph_apsp('vertex',NULL,'\"EDGE\"','dest=\"DEST\"','out')")
    assert one(conn, "SELECT weight, parent FROM out WHERE src = 0 AND \"DEST\" = 7") == (4, 6)
    assert one(conn, "SELECT weight, parent FROM out WHERE src = 3 AND \"DEST\" = 4") == (11, 0)
    conn.execute("SELECT indb_ml.graph_apsp_get_path('out',0,7,'out_path')")
    assert one(conn, "SELECT path FROM out_path") == [0, 2, 5, 6, 7]
    conn.execute("SELECT indb_ml.graph_apsp('vertex',NULL,'edge_gr','dest=\"DEST\"','out_gr','grp')")
    assert one(conn, "SELECT weight, parent FROM out_gr WHERE src = 0 AND \"DEST\" = 5 AND grp = 1") == (2, 2)
    assert conn.execute("SELECT DISTINCT grp FROM out_gr ORDER BY 1").fetchall() == [(0,), (1,)]  # 2: negative
    # The vertex id named like the output's src or dest columns (it is no output column of graph_apsp).
    conn.execute("ALTER TABLE vertex RENAME COLUMN id TO src")
    conn.execute("SELECT indb_ml.graph_apsp('vertex','src','edge_gr','dest=\"DEST\"','out_src','grp')")
    conn.execute("ALTER TABLE vertex RENAME COLUMN src TO \"DEST\"")
    conn.execute("SELECT indb_ml.graph_apsp('vertex','\"DEST\"','edge_gr','dest=\"DEST\"','out_dest','grp')")
    assert conn.execute("SELECT * FROM out_src ORDER BY 1, 2, 3").fetchall() \
        == conn.execute("SELECT * FROM out_dest ORDER BY 1, 2, 3").fetchall()
    conn.execute("ALTER TABLE vertex RENAME COLUMN \"DEST\" TO id")
    conn.execute("CREATE TABLE v2 AS SELECT (id+992147483647)::bigint as id FROM vertex")
    conn.execute("CREATE TABLE e2 AS SELECT (src+992147483647)::bigint as src, (\"DEST\"+992147483647)::bigint as "
                 "dest, weight FROM \"EDGE\"")
    conn.execute("SELECT indb_ml.graph_apsp('v2',NULL,'e2',NULL,'pg_temp.out2')")
    conn.execute("SELECT indb_ml.graph_apsp_get_path('pg_temp.out2',992147483647,992147483652,'pg_temp.out2_path')")
    assert one(conn, "SELECT path FROM pg_temp.out2_path") == [992147483647, 992147483649, 992147483652]
    conn.execute("DELETE FROM \"EDGE\" WHERE \"DEST\" = 7")
    conn.execute("SELECT indb_ml.graph_apsp('vertex',NULL,'\"EDGE\"','dest=\"DEST\"','out_inf')")
    assert one(conn, "SELECT count(*) FROM out_inf WHERE parent IS NULL") == 0
    # 7 is no edge end any more: the vertices are 0..6, and only the pairs with a path have a row
    reach = {s: sssp_oracle([e for e in EDGE_LIST if e[1] != 7], s) for s in range(7)}
    assert sorted(conn.execute("SELECT src, \"DEST\", weight FROM out_inf").fetchall()) == sorted(
        (s, d, w) for s in reach for d, w in reach[s].items())
    conn.execute("SELECT indb_ml.graph_apsp_get_path('out_inf',0,5,'out_inf_path')")
    assert one(conn, "SELECT path FROM out_inf_path") == [0, 2, 5]


@pytest.mark.parametrize("plan", PLANS)
def test_apsp_madlib_multi_column_ids(postgresql, plan):
    conn = postgresql
    path_tables(conn)
    use_plan(conn, plan)
    conn.execute("SELECT indb_ml.graph_apsp('vertex_mult','[id1,id2]','edge_mult','src=[src1,src2], "
                 "dest=[dest1,dest2]','apsp_mult_col_out')")
    assert one(conn, "SELECT weight, parent FROM apsp_mult_col_out WHERE src = ARRAY[0,0]::BIGINT[] AND "
                     "dest = ARRAY[7,7]::BIGINT[]") == (4, [6, 6])
    # (7,7) is an edge end but not in the vertex table: no (7,7) row of its own (MADlib's)
    assert one(conn, "SELECT count(*) FROM apsp_mult_col_out WHERE src = '{7,7}'") == 0
    conn.execute("SELECT indb_ml.graph_apsp_get_path('apsp_mult_col_out',ARRAY[0,0],ARRAY[7,7],'apsp_mult_path')")
    assert one(conn, "SELECT path FROM apsp_mult_path") == [[0, 0], [2, 2], [5, 5], [6, 6], [7, 7]]
    conn.execute("SELECT indb_ml.graph_apsp('vertex_mult','[id1,id2]','edge_mult_gr2','src=[src1,src2], "
                 "dest=[dest1,dest2]','apsp_mult_gr','grp1,grp2')")
    assert one(conn, "SELECT parent FROM apsp_mult_gr WHERE src = ARRAY[0,0]::BIGINT[] AND "
                     "dest = ARRAY[5,5]::BIGINT[] AND grp1 = 1 AND grp2 = 0") == [2, 2]
    assert one(conn, "SELECT count(*) FROM apsp_mult_gr WHERE dest = ARRAY[7,7]::BIGINT[] AND grp1 = 1") == 0


# ---- graph_bfs: graph/test/bfs.sql_in -------------------------------------------------------------

BFS_EDGES = "(0,5,1),(1,0,1),(1,3,1),(2,6,1),(3,4,1),(3,5,1),(4,2,1),(8,9,1),(9,10,1),(9,11,1),(10,8,1)"


@pytest.mark.parametrize("plan", PLANS)
def test_bfs_madlib_test_file(postgresql, plan):
    conn = postgresql
    conn.execute(f"""
        CREATE TABLE vertex (id INTEGER); INSERT INTO vertex SELECT generate_series(0, 11);
        CREATE TABLE "EDGE" ("SRC" INTEGER, dest INTEGER, weight DOUBLE PRECISION);
        INSERT INTO "EDGE" VALUES {BFS_EDGES};
        CREATE TABLE edge_grp (g1 INTEGER, g2 TEXT, "SRC" INTEGER, dest INTEGER, weight DOUBLE PRECISION);
        INSERT INTO edge_grp SELECT 100, 'a', * FROM "EDGE";
        INSERT INTO edge_grp SELECT 100, 'b', * FROM "EDGE";
        INSERT INTO edge_grp SELECT 202, 'c', * FROM "EDGE" WHERE "SRC" >= 8;
        INSERT INTO edge_grp SELECT NULL, 'b', * FROM "EDGE" WHERE "SRC" >= 8;
    """)
    use_plan(conn, plan)

    def bfs(args: str):
        conn.execute("DROP TABLE IF EXISTS out_frombfs, out_frombfs_summary")
        conn.execute("SELECT indb_ml.graph_bfs(" + args + ")")
        return conn.execute("SELECT id, dist, parent FROM out_frombfs ORDER BY dist, id").fetchall()

    got = bfs("'vertex',NULL,'\"EDGE\"','src=\"SRC\"',3,'out_frombfs'")
    assert [(i, p) for i, d, p in got if d == 1] == [(1, 3), (4, 3), (5, 3)] and max(d for _, d, _ in got) == 3
    # bfs.sql_in's commented expected output, and the documented one: the source is its own parent
    assert got == [(3, 0, 3), (1, 1, 3), (4, 1, 3), (5, 1, 3), (0, 2, 1), (2, 2, 4), (6, 3, 2)]
    assert bfs("'vertex',NULL,'\"EDGE\"','src=\"SRC\"',7,'out_frombfs'") == []  # 7 is on no edge
    got = bfs("'vertex',NULL,'\"EDGE\"','src=\"SRC\"',8,'out_frombfs',NULL,FALSE,NULL")
    assert got == [(8, 0, 8), (9, 1, 8), (10, 1, 8), (11, 2, 9)]
    # directed; 'src="SRC",dest': a key without a value keeps the default
    got = bfs("'vertex','id','\"EDGE\"','src=\"SRC\",dest',3,'out_frombfs',NULL,TRUE,NULL")
    assert [(i, p) for i, d, p in got if d == 1] == [(4, 3), (5, 3)] and len(got) == 5
    assert bfs("'vertex','id','\"EDGE\"','src=\"SRC\",dest',7,'out_frombfs',NULL,TRUE,NULL") == []
    got = bfs("'vertex',NULL,'\"EDGE\"','src=\"SRC\"',8,'out_frombfs',NULL,TRUE")
    assert [i for i, d, _ in got if d == 2] == [10, 11]
    got = bfs("'vertex','id','\"EDGE\"','src=\"SRC\",dest',3,'out_frombfs',2,FALSE")
    assert max(d for _, d, _ in got) == 2 and len(got) == 6
    got = bfs("'vertex',NULL,'\"EDGE\"','src=\"SRC\"',3,'out_frombfs',2,TRUE")
    assert max(d for _, d, _ in got) == 2 and len(got) == 4
    # grouping: the rows with a NULL g1 form no group (MADlib's); 202/'c' has no edge at vertex 3
    conn.execute("DROP TABLE IF EXISTS out_frombfs, out_frombfs_summary")
    conn.execute("SELECT indb_ml.graph_bfs('vertex',NULL,'edge_grp','src=\"SRC\"',3,'out_frombfs',NULL,NULL,'g1,g2')")
    assert one(conn, "SELECT count(*) FROM out_frombfs") == 14
    assert one(conn, "SELECT count(*) FROM out_frombfs WHERE g2 = 'a'") == 7
    for g2 in ("a", "b"):
        assert conn.execute("SELECT id, parent FROM out_frombfs WHERE dist = 2 AND g1 = 100 AND g2 = %s ORDER BY id",
                            [g2]).fetchall() == [(0, 1), (2, 4)]
    assert conn.execute("SELECT min(g1), max(g1) FROM out_frombfs GROUP BY g1, g2").fetchall() == [(100, 100)] * 2
    # the vertex id named like the edges' source column
    conn.execute("ALTER TABLE vertex RENAME COLUMN id TO \"SRC\"")
    conn.execute("SELECT indb_ml.graph_bfs('vertex','\"SRC\"','edge_grp','src=\"SRC\"',3,'out_s',NULL,NULL,'g1')")
    assert one(conn, "SELECT count(*) FROM out_s") == 7  # g1 = 100 (a and b together), from vertex 3
    conn.execute("ALTER TABLE vertex RENAME COLUMN \"SRC\" TO id")
    conn.execute("CREATE TABLE v2 AS SELECT (id+992147483647)::bigint as id FROM vertex")
    conn.execute("CREATE TABLE e2 AS SELECT (\"SRC\"+992147483647)::bigint as src, (dest+992147483647)::bigint as "
                 "dest FROM \"EDGE\"")
    conn.execute("SELECT indb_ml.graph_bfs('v2',NULL,'e2',NULL,992147483650,'pg_temp.out2')")
    assert one(conn, "SELECT count(*) FROM pg_temp.out2") == 7
    got = bfs("'vertex',NULL,'\"EDGE\"','src=\"SRC\"',3,'out_frombfs'")
    assert one(conn, "SELECT count(*) FROM out_frombfs WHERE parent IS NULL") == 0


# ---- weakly_connected_components: graph/test/wcc.sql_in -----------------------------------------

WCC_EDGES = ("(0,1),(0,2),(1,2),(1,3),(2,3),(2,5),(2,6),(3,0),(5,6),(6,3),(10,11),(10,12),(11,12),(11,13),(12,13),"
             "(13,10),(15,16),(15,14)")


def wcc_tables(conn) -> None:
    pairs = WCC_EDGES[1:-1].split("),(")
    conn.execute('CREATE TABLE vertex (vertex_id INTEGER); CREATE TABLE "EDGE" (src_node INTEGER, dest_node INTEGER, '
                 'user_id INTEGER)')
    conn.execute("INSERT INTO vertex VALUES (0),(1),(2),(3),(4),(5),(6),(10),(11),(12),(13),(14),(15),(16)")
    conn.execute('INSERT INTO "EDGE" VALUES ' + ",".join(f"({p},1)" for p in pairs))


@pytest.mark.parametrize("plan", PLANS)
def test_wcc_madlib_test_file(postgresql, plan):
    conn = postgresql
    wcc_tables(conn)
    use_plan(conn, plan)
    conn.execute("SELECT indb_ml.weakly_connected_components('vertex','vertex_id','\"EDGE\"',"
                 "'src=src_node,dest=dest_node','wcc_out')")
    assert one(conn, "SELECT count(DISTINCT component_id) FROM wcc_out") == 4  # {0..6}, {4}, {10..13}, {14..16}
    conn.execute("INSERT INTO \"EDGE\" SELECT src_node, dest_node, 2 FROM \"EDGE\"")
    conn.execute("DROP TABLE wcc_out, wcc_out_summary")
    conn.execute("SELECT indb_ml.weakly_connected_components('vertex','vertex_id','\"EDGE\"',"
                 "'src=src_node,dest=dest_node','wcc_out','user_id')")
    # "The disconnected vertex '4' is not seen as a separate component in either group"
    for user in (1, 2):
        assert one(conn, "SELECT count(DISTINCT component_id) FROM wcc_out WHERE user_id = %s", [user]) == 3
    assert one(conn, "SELECT count(*) FROM wcc_out WHERE vertex_id = 4") == 0
    conn.execute("SELECT indb_ml.graph_wcc_largest_cpt('wcc_out','largest_cpt_table')")
    assert one(conn, "SELECT num_vertices FROM largest_cpt_table WHERE user_id = 2") == 6
    conn.execute("SELECT indb_ml.graph_wcc_histogram('wcc_out','histogram_table')")
    assert one(conn, "SELECT num_vertices FROM histogram_table WHERE user_id = 1 AND component_id = 10") == 4
    conn.execute("SELECT indb_ml.graph_wcc_vertex_check('wcc_out',ARRAY[14,15],'vc_table')")
    assert one(conn, "SELECT count(DISTINCT component_id) FROM vc_table WHERE user_id = 1") == 1
    conn.execute("SELECT indb_ml.graph_wcc_reachable_vertices('wcc_out',0,'reach_table')")
    assert one(conn, "SELECT count(dest) FROM reach_table WHERE user_id = 2") == 5
    conn.execute("SELECT indb_ml.graph_wcc_num_cpts('wcc_out','count_table')")
    assert one(conn, "SELECT num_components FROM count_table WHERE user_id = 1") == 3
    # The vertex id named like an edge column.
    conn.execute("ALTER TABLE vertex RENAME COLUMN vertex_id TO src")
    conn.execute("SELECT indb_ml.weakly_connected_components('vertex','src','\"EDGE\"','src=src_node,dest=dest_node',"
                 "'out_src','user_id')")
    conn.execute("ALTER TABLE vertex RENAME COLUMN src TO dest")
    conn.execute("SELECT indb_ml.weakly_connected_components('vertex','dest','\"EDGE\"','src=src_node,dest=dest_node',"
                 "'out_dest','user_id')")
    assert conn.execute("SELECT * FROM out_src ORDER BY 1, 2").fetchall() \
        == conn.execute("SELECT * FROM out_dest ORDER BY 1, 2").fetchall()
    conn.execute("ALTER TABLE vertex RENAME COLUMN dest TO id")
    conn.execute("CREATE TABLE v2 AS SELECT (id+992147483647)::bigint as id FROM vertex")
    conn.execute("CREATE TABLE e2 AS SELECT (src_node+992147483647)::bigint as src, (dest_node+992147483647)::bigint "
                 "as dest FROM \"EDGE\"")
    conn.execute("SELECT indb_ml.weakly_connected_components('v2',NULL,'e2',NULL,'pg_temp.wcc_out')")
    assert one(conn, "SELECT count(*) FROM pg_temp.wcc_out") == 14
    assert one(conn, "SELECT count(*) FROM pg_temp.wcc_out_summary") == 1


@pytest.mark.parametrize("plan", PLANS)
def test_wcc_madlib_multi_column_ids(postgresql, plan):
    conn = postgresql
    wcc_tables(conn)
    use_plan(conn, plan)
    conn.execute("ALTER TABLE vertex RENAME COLUMN vertex_id TO id")
    conn.execute("CREATE TABLE vertex_mult AS SELECT id AS id1, id AS id2 FROM vertex")
    conn.execute("CREATE TABLE edge_mult AS SELECT src_node AS src1, src_node AS src2, dest_node AS dest1, "
                 "dest_node AS dest2, user_id AS user_id1, user_id AS user_id2 FROM \"EDGE\" WHERE user_id = 1")
    conn.execute("SELECT indb_ml.weakly_connected_components('vertex_mult','[id1,id2]','edge_mult',"
                 "'src=[src1,src2], dest=[dest1,dest2]','wcc_mult_out')")
    assert one(conn, "SELECT count(DISTINCT component_id) FROM wcc_mult_out") == 4
    # MADlib 2.1 names a multi-column component by a bigint from its rows' ctids (offset on one block):
    # the rows of {14,14}, {15,15}, {16,16} are the 12th to 14th of vertex_mult.
    assert one(conn, "SELECT component_id FROM wcc_mult_out WHERE id = '{16,16}'") == 12
    conn.execute("INSERT INTO edge_mult SELECT src_node, src_node, dest_node, dest_node, user_id, user_id FROM "
                 "\"EDGE\" WHERE user_id = 1")
    conn.execute("UPDATE edge_mult SET user_id1 = 2, user_id2 = 2 WHERE ctid IN (SELECT ctid FROM edge_mult "
                 "OFFSET 18)")
    conn.execute("SELECT indb_ml.weakly_connected_components('vertex_mult','[id1,id2]','edge_mult',"
                 "'src=[src1,src2], dest=[dest1,dest2]','wcc_mult_gr','user_id1,user_id2')")
    for user in (1, 2):
        assert one(conn, "SELECT count(DISTINCT component_id) FROM wcc_mult_gr WHERE user_id1 = %s", [user]) == 3
    conn.execute("SELECT indb_ml.graph_wcc_largest_cpt('wcc_mult_gr','largest_cpt_table')")
    assert one(conn, "SELECT num_vertices FROM largest_cpt_table WHERE user_id1 = 2") == 6
    conn.execute("SELECT indb_ml.graph_wcc_histogram('wcc_mult_gr','histogram_table')")
    assert one(conn, "SELECT array_agg(num_vertices ORDER BY num_vertices) FROM histogram_table WHERE user_id1 = 1") \
        == [3, 4, 6]
    conn.execute("SELECT indb_ml.graph_wcc_vertex_check('wcc_mult_gr','{{14,14},{15,15}}','vc_table')")
    assert one(conn, "SELECT count(DISTINCT component_id) FROM vc_table WHERE user_id1 = 1") == 1
    conn.execute("SELECT indb_ml.graph_wcc_reachable_vertices('wcc_mult_gr','{0,0}'::BIGINT[],'reach_table')")
    assert one(conn, "SELECT count(dest) FROM reach_table WHERE user_id1 = 2") == 5
    conn.execute("SELECT indb_ml.graph_wcc_num_cpts('wcc_mult_gr','count_table')")
    assert one(conn, "SELECT num_components FROM count_table WHERE user_id1 = 1") == 3


@pytest.mark.parametrize("plan", PLANS)
def test_wcc_iteration_limit_message_table_and_warm_start(postgresql, plan):
    """iteration_limit stops early (MADlib's count: the first iteration labels every vertex with
    its own id), keeps out_table_message with the vertices still changing; warm_start continues to
    the same components as one full run and drops the message table. A path 0 - 1 - ... - 11 needs
    11 propagation steps; with grouping, group 2 is a second path."""
    conn = postgresql
    conn.execute("CREATE TABLE v AS SELECT generate_series(0, 13) AS id")
    conn.execute("CREATE TABLE e AS SELECT g AS src, g + 1 AS dest, 1 AS grp FROM generate_series(0, 10) g "
                 "UNION ALL SELECT g + 1, g, 2 FROM generate_series(0, 5) g")
    use_plan(conn, plan)
    import networkx as nx
    for grouped in (False, True):
        g = "'grp'" if grouped else "NULL"
        conn.execute(f"SELECT indb_ml.weakly_connected_components('v', 'id', 'e', NULL, 'wfull', {g})")
        conn.execute(f"SELECT indb_ml.weakly_connected_components('v', 'id', 'e', NULL, 'wpart', {g}, 3)")
        iters, pending = one(conn, "SELECT num_iterations, nodes_to_update FROM wpart_summary")
        assert iters == 3 and pending > 0
        # after two propagation steps every label is the smallest id within 2 hops
        labels = dict(conn.execute("SELECT id, component_id FROM wpart" + (" WHERE grp = 1" if grouped else "")))
        assert labels[5] == 3 and labels[11] == 9 and labels[0] == 0
        moved = one(conn, "SELECT count(*) FROM wpart_message")
        assert moved == pending
        for _ in range(6):  # 3 more iterations a call
            conn.execute(f"SELECT indb_ml.weakly_connected_components('v', 'id', 'e', NULL, 'wpart', {g}, 4, true)")
            if one(conn, "SELECT nodes_to_update FROM wpart_summary") == 0:
                break
        assert one(conn, "SELECT to_regclass('wpart_message')") is None
        order = "ORDER BY " + ("grp, " if grouped else "") + "id"
        assert conn.execute("SELECT * FROM wpart " + order).fetchall() == conn.execute(
            "SELECT * FROM wfull " + order).fetchall()
        ref = {v: min(c) for c in nx.connected_components(nx.path_graph(12)) for v in c}
        assert all(c == ref.get(v, v) for v, c in conn.execute("SELECT id, component_id FROM wfull" +
                                                               (" WHERE grp = 1" if grouped else "")))
        with pytest.raises(E.UndefinedTable, match="warm_start needs the message table"), conn.transaction():
            conn.execute(f"SELECT indb_ml.weakly_connected_components('v', 'id', 'e', NULL, 'wpart', {g}, 4, true)")
        conn.execute("DROP TABLE wfull, wfull_summary, wpart, wpart_summary")


# ---- hits: graph/test/hits.sql_in ---------------------------------------------------------------

HITS_EDGES = "(0,1),(0,2),(0,4),(1,2),(1,3),(2,3),(2,5),(2,6),(3,0),(4,0),(5,6),(6,3)"


def nx_hits_iterations(edges, nodes, iterations):
    """MADlib's HITS (graph/hits.py_in) in numpy: from all ones, authority = A' hub, hub = A authority
    (the new one), each scaled to unit L2 norm, ``iterations`` times."""
    index = {v: i for i, v in enumerate(nodes)}
    a = np.zeros((len(nodes), len(nodes)))
    for s, d in edges:
        a[index[s], index[d]] += 1
    auth, hub = np.ones(len(nodes)), np.ones(len(nodes))
    for _ in range(iterations):
        auth = a.T @ hub
        auth /= np.linalg.norm(auth)
        hub = a @ auth
        hub /= np.linalg.norm(hub)
    return dict(zip(nodes, auth)), dict(zip(nodes, hub))


@pytest.mark.parametrize("plan", PLANS)
def test_hits_madlib_test_file(postgresql, plan):
    conn = postgresql
    pairs = [tuple(int(x) for x in p.split(",")) for p in HITS_EDGES[1:-1].split("),(")]
    conn.execute("CREATE TABLE vertex (id INTEGER); INSERT INTO vertex SELECT generate_series(0, 6);"
                 "CREATE TABLE edge (src INTEGER, dest INTEGER, user_id INTEGER)")
    conn.execute("INSERT INTO edge VALUES " + ",".join(f"({s},{d},1)" for s, d in pairs))
    use_plan(conn, plan)
    conn.execute("SELECT indb_ml.hits('vertex','id','edge','src=src, dest=dest','hits_out',3)")
    assert one(conn, "SELECT count(*) FROM hits_out") == 7
    tolerance = 10e-10  # hits.sql_in's relative_error tolerance
    auth, hub = one(conn, "SELECT authority, hub FROM hits_out WHERE id = 0")
    assert auth == pytest.approx(0.0865332738777835, rel=tolerance)
    assert hub == pytest.approx(0.375721659592363, rel=tolerance)
    ref_auth, ref_hub = nx_hits_iterations(pairs, list(range(7)), 3)
    got = {r[0]: r[1:] for r in conn.execute("SELECT id, authority, hub FROM hits_out")}
    assert all(got[v] == pytest.approx((ref_auth[v], ref_hub[v]), abs=1e-14) for v in range(7))
    # grouping: group 2 drops 2 -> 5 and 2 -> 6
    conn.execute("INSERT INTO edge SELECT src, dest, 2 FROM edge WHERE NOT (src = 2 AND dest IN (5, 6))")
    conn.execute("SELECT indb_ml.hits('vertex','id','edge','src=src, dest=dest','hits_gr',3,0,'user_id')")
    assert one(conn, "SELECT count(*) FROM hits_gr") == 14
    assert one(conn, "SELECT authority FROM hits_gr WHERE id = 2 AND user_id = 1") \
        == pytest.approx(0.432666369388918, rel=tolerance)
    assert one(conn, "SELECT authority FROM hits_gr WHERE id = 6 AND user_id = 2") \
        == pytest.approx(0.016273613872603, rel=tolerance)
    assert conn.execute("SELECT user_id, __iterations__ FROM hits_gr_summary ORDER BY 1").fetchall() == [(1, 3), (2, 3)]
    conn.execute("SELECT indb_ml.hits('vertex','id','edge','src=src, dest=dest','hits_gr2',3,0.01,'user_id')")
    assert one(conn, "SELECT count(*) FROM hits_gr2") == 14
    assert one(conn, "SELECT hub FROM hits_gr2 WHERE id = 3 AND user_id = 1") \
        == pytest.approx(0.040618557793769, rel=tolerance)
    assert one(conn, "SELECT hub FROM hits_gr2 WHERE id = 5 AND user_id = 2") \
        == pytest.approx(0.00818161871503306, rel=tolerance)
    # The vertex id named like an edge column; bigint ids; a vertex without edges is not listed.
    conn.execute("ALTER TABLE vertex RENAME COLUMN id TO src")
    conn.execute("SELECT indb_ml.hits('vertex','src','edge',NULL,'out_src',3,0.01,'user_id')")
    assert one(conn, "SELECT count(*) FROM out_src") == 14
    conn.execute("ALTER TABLE vertex RENAME COLUMN src TO id")
    conn.execute("INSERT INTO vertex VALUES (7)")
    conn.execute("CREATE TABLE v2 AS SELECT (id+992147483647)::bigint as id FROM vertex")
    conn.execute("CREATE TABLE e2 AS SELECT (src+992147483647)::bigint as src, (dest+992147483647)::bigint as dest "
                 "FROM edge WHERE user_id = 1")
    conn.execute("SELECT indb_ml.hits('v2',NULL,'e2',NULL,'pg_temp.out2')")
    assert one(conn, "SELECT count(*) FROM pg_temp.out2") == 7
    assert one(conn, "SELECT count(*) FROM pg_temp.out2_summary") == 1


# ---- pagerank: graph/test/pagerank.sql_in --------------------------------------------------------

PR_EDGES = "(0,1),(0,2),(0,4),(1,2),(1,3),(2,3),(2,5),(2,6),(3,0),(4,0),(5,6),(6,3)"


@pytest.mark.parametrize("plan", PLANS)
def test_pagerank_madlib_test_file(postgresql, plan):
    """pagerank.sql_in. Its graphs have no dangling vertex, so the standard definition (dangling rank
    spread, the default) and MADlib's (madlib21_compat) agree: MADlib's sums, iteration counts (11
    and 14) and rankings hold for both."""
    conn = postgresql
    pairs = [tuple(int(x) for x in p.split(",")) for p in PR_EDGES[1:-1].split("),(")]
    conn.execute("CREATE TABLE vertex (id INTEGER); INSERT INTO vertex SELECT generate_series(0, 6);"
                 "CREATE TABLE \"EDGE\" (src INTEGER, dest INTEGER, user_id INTEGER)")
    conn.execute("INSERT INTO \"EDGE\" VALUES " + ",".join(f"({s},{d},1)" for s, d in pairs) + ","
                 + ",".join(f"({s},{d},2)" for s, d in pairs if (s, d) not in ((2, 5), (2, 6))))
    use_plan(conn, plan)
    for compat in ("false", "true"):
        suffix = "_" + compat
        conn.execute(f"SELECT indb_ml.pagerank('vertex','id','\"EDGE\"','src=src, dest=dest','pr{suffix}',"
                     f"NULL,NULL,NULL,NULL,NULL::bigint[],{compat})")
        assert one(conn, f"SELECT sum(pagerank) FROM pr{suffix}") == pytest.approx(1, rel=1e-5)
        conn.execute(f"SELECT indb_ml.pagerank('vertex','id','\"EDGE\"','src=src, dest=dest','pr_gr{suffix}',"
                     f"NULL,NULL,NULL,'user_id',NULL::bigint[],{compat})")
        for user in (1, 2):
            assert one(conn, f"SELECT sum(pagerank) FROM pr_gr{suffix} WHERE user_id = %s", [user]) \
                == pytest.approx(1, rel=1e-5)
        assert conn.execute(f"SELECT user_id, __iterations__ FROM pr_gr{suffix}_summary ORDER BY 1").fetchall() \
            == [(1, 11), (2, 14)]
    # Personalized: MADlib asserts the ranking (and a sum within 0.005 of 1).
    conn.execute("SELECT indb_ml.pagerank('vertex','id','\"EDGE\"','src=src, dest=dest','ppr',NULL,NULL,NULL,NULL,"
                 "'{1,3}')")
    assert one(conn, "SELECT sum(pagerank) FROM ppr") == pytest.approx(1, abs=0.005)
    assert one(conn, "SELECT array_agg(id ORDER BY pagerank DESC) FROM ppr") == [0, 3, 1, 2, 4, 6, 5]
    conn.execute("SELECT indb_ml.pagerank('vertex','id','\"EDGE\"','src=src, dest=dest','ppr_gr',NULL,NULL,NULL,"
                 "'user_id','{1,3}')")
    assert one(conn, "SELECT sum(pagerank) FROM ppr_gr WHERE user_id = 1") == pytest.approx(1, abs=0.005)
    # MADlib's grouped personalized ranks are not the standard ones (its vertices without in-edges
    # get a teleport share even outside the personalization set, so group 2's vertices 5 and 6 rank
    # above group 1's); ours are networkx's personalized PageRank, where 5 and 6 of group 2 get 0.
    import networkx as nx
    conn.execute("SELECT indb_ml.pagerank('vertex','id','\"EDGE\"','src=src, dest=dest','ppr_tight',NULL,1000,1e-13,"
                 "'user_id','{1,3}')")
    for user in (1, 2):
        g = nx.DiGraph([e for e in pairs if user == 1 or e not in ((2, 5), (2, 6))])
        ref = nx.pagerank(g, personalization={1: 1, 3: 1}, tol=1e-14, max_iter=1000)
        got = dict(conn.execute("SELECT id, pagerank FROM ppr_tight WHERE user_id = %s", [user]).fetchall())
        assert got == pytest.approx(ref, abs=1e-9)
    # The vertex id named like an edge column; bigint ids.
    conn.execute("ALTER TABLE vertex RENAME COLUMN id TO src")
    conn.execute("SELECT indb_ml.pagerank('vertex','src','\"EDGE\"',NULL,'out_src',NULL,NULL,NULL,'user_id')")
    conn.execute("ALTER TABLE vertex RENAME COLUMN src TO dest")
    conn.execute("SELECT indb_ml.pagerank('vertex','dest','\"EDGE\"',NULL,'out_dest',NULL,NULL,NULL,'user_id')")
    assert conn.execute("SELECT * FROM out_src ORDER BY 1, 2").fetchall() \
        == conn.execute("SELECT * FROM out_dest ORDER BY 1, 2").fetchall()
    conn.execute("ALTER TABLE vertex RENAME COLUMN dest TO id")
    conn.execute("CREATE TABLE v2 AS SELECT (id+992147483647)::bigint as id FROM vertex")
    conn.execute("CREATE TABLE e2 AS SELECT (src+992147483647)::bigint as src, (dest+992147483647)::bigint as dest "
                 "FROM \"EDGE\"")
    conn.execute("SELECT indb_ml.pagerank('v2',NULL,'e2',NULL,'pg_temp.out2')")
    assert one(conn, "SELECT count(*) FROM pg_temp.out2") == 7


@pytest.mark.parametrize("plan", PLANS)
def test_pagerank_madlib_corner_case_and_multi_column_ids(postgresql, plan):
    """MADLIB-1229 (a group where vertex 2 has no edge and 1 is dangling: the default keeps vertex
    2 and spreads the dangling rank, so both groups sum to 1; madlib21_compat leaks it and leaves 2
    out, as MADlib 2.1), and the multi-column ids of pagerank.sql_in."""
    conn = postgresql
    conn.execute("CREATE TABLE vertex (id INTEGER); INSERT INTO vertex VALUES (0),(1),(2);"
                 "CREATE TABLE \"EDGE\" (src INTEGER, dest INTEGER, user_id INTEGER);"
                 "INSERT INTO \"EDGE\" VALUES (0,1,1),(0,2,1),(1,2,1),(2,1,1),(0,1,2)")
    use_plan(conn, plan)
    conn.execute("SELECT indb_ml.pagerank('vertex','id','\"EDGE\"','src=src, dest=dest','pr',NULL,NULL,NULL,"
                 "'user_id')")
    assert one(conn, "SELECT sum(pagerank) FROM pr WHERE user_id = 1") == pytest.approx(1, rel=1e-5)
    assert one(conn, "SELECT sum(pagerank) FROM pr WHERE user_id = 2") == pytest.approx(1, rel=1e-12)
    conn.execute("SELECT indb_ml.pagerank('vertex','id','\"EDGE\"','src=src, dest=dest','pr21',NULL,NULL,NULL,"
                 "'user_id',NULL::bigint[],true)")
    assert one(conn, "SELECT sum(pagerank) FROM pr21 WHERE user_id = 1") == pytest.approx(1, rel=1e-5)
    assert one(conn, "SELECT array_agg(id ORDER BY id) FROM pr21 WHERE user_id = 2") == [0, 1]
    assert one(conn, "SELECT sum(pagerank) FROM pr21 WHERE user_id = 2") < 0.9  # the dangling rank leaks
    pairs = [tuple(int(x) for x in p.split(",")) for p in PR_EDGES[1:-1].split("),(")]
    conn.execute("CREATE TABLE vertex_mult (id1 INTEGER, id2 INTEGER); INSERT INTO vertex_mult SELECT g, g FROM "
                 "generate_series(0, 6) g; CREATE TABLE edge_mult (src1 INTEGER, dest1 INTEGER, user_id1 INTEGER, "
                 "src2 INTEGER, dest2 INTEGER, user_id2 INTEGER)")
    conn.execute("INSERT INTO edge_mult VALUES " + ",".join(f"({s},{d},1,{s},{d},1)" for s, d in pairs) + ","
                 + ",".join(f"({s},{d},2,{s},{d},2)" for s, d in pairs if (s, d) not in ((2, 5), (2, 6))))
    for pers in ("NULL", "'{{1,1},{3,3}}'"):
        conn.execute("DROP TABLE IF EXISTS pr_mult, pr_mult_summary")
        conn.execute("SELECT indb_ml.pagerank('vertex_mult','[id1,id2]','edge_mult','src=[src1,src2], "
                     f"dest=[dest1,dest2]','pr_mult',NULL,NULL,NULL,'user_id1,user_id2',{pers})")
        assert one(conn, "SELECT sum(pagerank) FROM pr_mult WHERE user_id1 = 1") == pytest.approx(1, abs=0.005)
        assert one(conn, "SELECT id FROM pr_mult WHERE user_id1 = 1 ORDER BY pagerank DESC LIMIT 1") == [0, 0]
    # the same ranks as with the single-column ids
    conn.execute("CREATE TABLE vs AS SELECT id1 AS id FROM vertex_mult")
    conn.execute("CREATE TABLE es AS SELECT src1 AS src, dest1 AS dest, user_id1, user_id2 FROM edge_mult")
    conn.execute("SELECT indb_ml.pagerank('vs','id','es',NULL,'pr_single',NULL,NULL,NULL,'user_id1,user_id2',"
                 "'{1,3}')")
    mult = conn.execute("SELECT user_id1, id[1], pagerank FROM pr_mult ORDER BY 1, 2").fetchall()
    single = conn.execute("SELECT user_id1, id, pagerank FROM pr_single ORDER BY 1, 2").fetchall()
    assert [r[:2] for r in mult] == [r[:2] for r in single]
    assert [r[2] for r in mult] == pytest.approx([r[2] for r in single], abs=1e-15)


# ---- graph_vertex_degrees and the APSP measures: graph/test/measures.sql_in -------------------------

@pytest.mark.parametrize("plan", PLANS)
def test_measures_madlib_test_file(postgresql, plan):
    conn = postgresql
    conn.execute("CREATE TABLE vertex (id INTEGER, name TEXT); INSERT INTO vertex SELECT g, chr(65 + g) FROM "
                 "generate_series(0, 7) g; CREATE TABLE \"EDGE\" (src_id INTEGER, \"DEST_ID\" INTEGER, edge_weight "
                 "FLOAT8)")
    conn.execute("INSERT INTO \"EDGE\" VALUES " + PATH_EDGES)
    use_plan(conn, plan)
    args = "'src=src_id, dest=\"DEST_ID\", weight=edge_weight'"
    conn.execute(f"SELECT indb_ml.graph_apsp('vertex','id','\"EDGE\"',{args},'out_apsp')")
    conn.execute("SELECT indb_ml.graph_closeness('out_apsp', 'pg_temp.__madlib__out_closeness')")
    row = one(conn, "SELECT inverse_sum_dist, inverse_avg_dist, sum_inverse_dist, k_degree FROM "
                    "pg_temp.__madlib__out_closeness WHERE src_id = 0")
    assert row[:3] == pytest.approx((0.04347, 0.3043, 3.6833), rel=1e-2) and row[3] == 7
    conn.execute("SELECT indb_ml.graph_diameter('out_apsp', 'pg_temp.__madlib__out_diameter')")
    assert one(conn, "SELECT diameter FROM pg_temp.__madlib__out_diameter") == 14
    conn.execute("SELECT indb_ml.graph_avg_path_length('out_apsp', 'pg_temp.__madlib__out_avg_path_length')")
    # MADlib's test file asserts relative_error(avg_path_length, 2.0178) < 1e-2 (113 / 56)
    assert one(conn, "SELECT avg_path_length FROM pg_temp.__madlib__out_avg_path_length") \
        == pytest.approx(2.0178, rel=1e-2)
    conn.execute(f"SELECT indb_ml.graph_vertex_degrees('vertex','id','\"EDGE\"',{args},'out_degrees')")
    assert one(conn, "SELECT indegree, outdegree FROM out_degrees WHERE id = 0") == (2, 3)
    assert one(conn, "SELECT count(*) FROM out_degrees WHERE id = 7") == 1
    conn.execute("DELETE FROM \"EDGE\" WHERE \"DEST_ID\" = 7; INSERT INTO \"EDGE\" VALUES (7, 6, 1), (3, 3, 1)")
    conn.execute(f"SELECT indb_ml.graph_vertex_degrees('vertex','id','\"EDGE\"',{args},'out_degrees2')")
    assert one(conn, "SELECT indegree, outdegree FROM out_degrees2 WHERE id = 7") == (0, 1)
    assert one(conn, "SELECT indegree, outdegree FROM out_degrees2 WHERE id = 3") == (2, 1)  # the self-loop: no
    # grouping, with a vertex named like an edge column
    conn.execute("CREATE TABLE edge_gr AS (SELECT *, 0 AS grp FROM \"EDGE\" UNION SELECT *, 1 AS grp FROM \"EDGE\" "
                 "WHERE src_id < 6 AND \"DEST_ID\" < 6); INSERT INTO edge_gr VALUES (4, 5, -20, 1)")
    conn.execute(f"SELECT indb_ml.graph_vertex_degrees('vertex','id','edge_gr',{args},'out_deg_gr','grp')")
    assert one(conn, "SELECT count(*) FROM out_deg_gr WHERE id = 7 AND grp = 0") == 1
    assert one(conn, "SELECT count(*) FROM out_deg_gr WHERE id = 7 AND grp = 1") == 0
    conn.execute("ALTER TABLE vertex RENAME COLUMN id TO src_id")
    conn.execute(f"SELECT indb_ml.graph_vertex_degrees('vertex','src_id','\"EDGE\"',{args},'out_src')")
    assert one(conn, "SELECT indegree, outdegree FROM out_src WHERE src_id = 0") == (2, 3)
