"""indb_ml.knn: exact search against a numpy oracle (and scikit-learn), ties, weights, HNSW/IVFFlat
indexes (used when present, recall against exact search), and bad inputs that leave nothing behind.

Test data are float32-representable, so the cast to pgvector's float4 ``vector`` is lossless; pgvector
still accumulates distances in float4, hence the distance tolerance (rtol 1e-5) and the check that
the oracle's neighbour distances are not near-ties (relative gaps above 1e-5), which float4 could reorder.
"""

from __future__ import annotations

import re

import numpy as np
import psycopg.errors as E
import pytest
from sklearn.neighbors import NearestNeighbors

from tests.helpers import load_table

METRICS = ("squared_dist_norm2", "dist_norm2", "dist_norm1", "dist_angle", "dist_tanimoto")


def distances(T: np.ndarray, X: np.ndarray, metric: str) -> np.ndarray:
    """The oracle: MADlib's distance functions in float64 numpy."""
    diff = T[:, None, :] - X[None, :, :]
    if metric == "squared_dist_norm2":
        return (diff ** 2).sum(-1)
    if metric == "dist_norm2":
        return np.sqrt((diff ** 2).sum(-1))
    if metric == "dist_norm1":
        return np.abs(diff).sum(-1)
    ip = T @ X.T
    nt, nx = (T ** 2).sum(1)[:, None], (X ** 2).sum(1)[None, :]
    if metric == "dist_angle":
        return np.arccos(np.clip(ip / np.sqrt(nt * nx), -1, 1))
    return 1 - ip / (nt + nx - ip)


def neighbours(D: np.ndarray, ids: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k nearest per row, ordered by (distance, id)."""
    order = np.lexsort((np.broadcast_to(ids, D.shape), D), axis=1)
    return order[:, :k]


def vote(labels: np.ndarray, weights: np.ndarray | None = None):
    """Majority (or weight-sum) vote with MADlib's ties: the smallest label of a count tie (its
    mode()), the largest label among equal weight sums (its last_value ordered by sum, label)."""
    scores = {}
    for r, lab in enumerate(labels.tolist()):
        scores[lab] = scores.get(lab, 0.0) + (1.0 if weights is None else weights[r])
    if weights is None:
        return min(scores, key=lambda lab: (-scores[lab], lab))
    return max(scores, key=lambda lab: (scores[lab], lab))


def search_message(conn, sql: str, params=()) -> str:
    """Run a knn call and return its DEBUG2 message on how the search ran (knn writes no summary)."""
    messages = []

    def handler(diag):
        messages.append(diag.message_primary or "")

    conn.add_notice_handler(handler)
    conn.execute("SET client_min_messages = debug2")
    try:
        conn.execute(sql, params)
    finally:
        conn.execute("RESET client_min_messages")
        conn.remove_notice_handler(handler)
    found = [m for m in messages if m.startswith("knn: ")]
    assert len(found) == 1, messages
    return found[0]


def weights_of(d: np.ndarray) -> np.ndarray:
    return np.where(d == 0, 1e107, 1 / np.where(d == 0, 1, d))


def f32(a: np.ndarray) -> np.ndarray:
    return a.astype(np.float32).astype(np.float64)


@pytest.fixture
def data(postgresql):
    rng = np.random.default_rng(11)
    X = f32(rng.normal(size=(400, 6)) * rng.uniform(0.5, 3, size=6))
    T = f32(rng.normal(size=(40, 6)) * 2)
    ids = rng.permutation(1000)[:400] + 5  # ids unrelated to row order
    cls = rng.integers(0, 3, size=400)
    val = f32(rng.normal(size=400) * 10)
    load_table(postgresql, "pts", {"id": ids, "x": list(X), "cls": cls, "val": val},
               {"id": "integer", "x": "float8[]", "cls": "integer"})
    load_table(postgresql, "tst", {"tid": np.arange(40) + 100, "x": list(T)}, {"tid": "bigint", "x": "float8[]"})
    postgresql.commit()
    return X, T, ids, cls, val


def fetch(conn, table: str):
    return conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()


def columns(conn, table: str):
    return conn.execute(
        "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attnum > 0 ORDER BY attnum", [table]).fetchall()


def test_usage(postgresql):
    for call in ("SELECT indb_ml.knn()", "SELECT indb_ml.knn('usage')"):
        text = postgresql.execute(call).fetchone()[0]
        assert "point_column_name" in text and "k_nearest_neighbours" in text and "hnsw" in text


def test_madlib_example(postgresql):
    """MADlib's documented example: integer points, classification with k=3."""
    postgresql.execute("CREATE TABLE knn_train_data (id integer, data integer[], label integer)")
    postgresql.execute("INSERT INTO knn_train_data VALUES (1,'{1,1}',1),(2,'{2,2}',1),(3,'{3,3}',1),(4,'{4,4}',1),"
                       "(5,'{4,5}',1),(6,'{20,50}',0),(7,'{10,31}',0),(8,'{81,13}',0),(9,'{1,111}',0)")
    postgresql.execute("CREATE TABLE knn_test_data (id integer, data integer[])")
    postgresql.execute("INSERT INTO knn_test_data VALUES (1,'{2,1}'),(2,'{2,6}'),(3,'{15,40}'),(4,'{12,1}'),"
                       "(5,'{2,90}'),(6,'{50,45}')")
    postgresql.execute("SELECT indb_ml.knn('knn_train_data', 'data', 'id', 'label', 'knn_test_data', 'data', 'id', "
                       "'knn_out', 3)")
    rows = fetch(postgresql, "knn_out")
    assert [r[2] for r in rows] == [1, 1, 0, 1, 0, 0]
    assert rows[0][3] == [1, 2, 3] and rows[0][4] == [1.0, 1.0, 5.0]  # squared distances, tie 1/2 by id
    assert [c for c, _ in columns(postgresql, "knn_out")] == ["id", "data", "prediction", "k_nearest_neighbours",
                                                              "distance"]


@pytest.mark.parametrize("metric", METRICS)
def test_exact_matches_numpy(postgresql, data, metric):
    X, T, ids, cls, _ = data
    k = 7
    message = search_message(postgresql, "SELECT indb_ml.knn('pts', 'x', 'id', 'cls', 'tst', 'x', 'tid', 'out', %s, "
                             "true, %s)", [k, metric])
    D = distances(T, X, metric)
    nb = neighbours(D, ids, k + 1)
    near = np.take_along_axis(D, nb, 1)
    assert np.all(np.diff(near, axis=1) > 1e-5 * np.abs(near[:, 1:])), "test data has near-ties float4 may reorder"
    rows = fetch(postgresql, "out")
    assert [r[0] for r in rows] == list(range(100, 140))
    for i, (tid, x, pred, got_ids, got_d) in enumerate(rows):
        assert got_ids == ids[nb[i, :k]].tolist(), f"{metric}: neighbours of test point {tid}"
        np.testing.assert_allclose(got_d, near[i, :k], rtol=1e-5, atol=1e-6, err_msg=f"{metric} distances")
        assert pred == vote(cls[nb[i, :k]]), f"{metric}: vote for {tid}"
        assert x == T[i].tolist()
    assert message.startswith(f"knn: exact search, {metric}, k {k}, 400 points of dimension 6, 40 test points")
    assert "Index Scan" not in message
    assert postgresql.execute("SELECT to_regclass('out_summary')").fetchone()[0] is None  # as MADlib: no summary


@pytest.mark.parametrize("metric,sk", [("dist_norm2", "euclidean"), ("dist_norm1", "manhattan"),
                                       ("dist_angle", "cosine")])
def test_exact_matches_sklearn(postgresql, data, metric, sk):
    X, T, ids, _, val = data
    k = 5
    postgresql.execute("SELECT indb_ml.knn('pts', 'x', 'id', 'val', 'tst', 'x', 'tid', 'out', %s, true, %s, "
                       "false, 'brute_force')", [k, metric])
    dist, pos = NearestNeighbors(n_neighbors=k, metric=sk, algorithm="brute").fit(X).kneighbors(T)
    if sk == "cosine":
        dist = np.arccos(np.clip(1 - dist, -1, 1))
    for i, (_, _, pred, got_ids, got_d) in enumerate(fetch(postgresql, "out")):
        assert got_ids == ids[pos[i]].tolist()
        np.testing.assert_allclose(got_d, dist[i], rtol=1e-5, atol=1e-6)
        assert pred == pytest.approx(val[pos[i]].mean(), rel=1e-12)


def test_weighted_average_and_vote(postgresql, data):
    X, T, ids, cls, val = data
    postgresql.execute("INSERT INTO tst VALUES (200, %s), (201, %s)", [X[3].tolist(), X[17].tolist()])
    T = np.vstack([T, X[3], X[17]])
    k = 6
    for label, out in (("val", "wr"), ("cls", "wc")):
        postgresql.execute("SELECT indb_ml.knn('pts', 'x', 'id', %s, 'tst', 'x', 'tid', %s, %s, false, "
                           "'dist_norm2', true)", [label, out, k])
    D = distances(T, X, "dist_norm2")
    nb = neighbours(D, ids, k)
    reg, clf = fetch(postgresql, "wr"), fetch(postgresql, "wc")
    assert [c for c, _ in columns(postgresql, "wr")] == ["id", "x", "prediction"]
    for i in range(len(T)):
        d = D[i, nb[i]]
        w = weights_of(d)
        assert reg[i][2] == pytest.approx((val[nb[i]] * w).sum() / w.sum(), rel=1e-5)
        assert clf[i][2] == vote(cls[nb[i]], w)
    # a test point equal to a training point: weight 1e107 makes its value the prediction
    assert reg[-2][2] == pytest.approx(val[3], rel=1e-9) and reg[-1][2] == pytest.approx(val[17], rel=1e-9)
    assert clf[-2][2] == cls[3] and clf[-1][2] == cls[17]


def test_ties_are_deterministic(postgresql):
    """Equidistant points rank by id (also at the k-th place); a vote tie goes to the smallest label
    (MADlib's mode())."""
    postgresql.execute("CREATE TABLE p (id int, v float8[], lab text)")
    postgresql.execute("INSERT INTO p VALUES (9, '{1,0}', 'b'), (4, '{-1,0}', 'a'), (7, '{0,1}', 'a'), "
                       "(2, '{0,-1}', 'c'), (5, '{3,0}', 'b'), (6, '{0,3}', 'c')")
    postgresql.execute("CREATE TABLE t (id int, v float8[])")
    postgresql.execute("INSERT INTO t VALUES (1, '{0,0}'), (2, '{0.5,0}')")
    postgresql.execute("SELECT indb_ml.knn('p', 'v', 'id', 'lab', 't', 'v', 'id', 'o', 3, true, 'dist_norm2')")
    rows = fetch(postgresql, "o")
    # test 1: four points at distance 1 (ids 2, 4, 7, 9): the three smallest ids; labels c, a, a -> a
    assert rows[0][3] == [2, 4, 7] and rows[0][2] == "a"
    # test 2: 9 (b) at 0.5, then 2 and 7 at sqrt(1.25) (c, a): one vote each, a is the smallest
    assert rows[1][3] == [9, 2, 7] and rows[1][2] == "a"
    assert columns(postgresql, "o")[2] == ("prediction", "text")


def test_label_types_and_outputs(postgresql, data):
    postgresql.execute("CREATE TABLE pb AS SELECT id, x, cls = 1 AS flag, val::numeric AS num FROM pts")
    postgresql.execute("SELECT indb_ml.knn('pb', 'x', 'id', 'flag', 'tst', 'x', 'tid', 'ob', 5, false)")
    postgresql.execute("SELECT indb_ml.knn('pb', 'x', 'id', 'num', 'tst', 'x', 'tid', 'on_', 5)")
    postgresql.execute("SELECT indb_ml.knn('pb', 'x', 'id', NULL, 'tst', 'x', 'tid', 'onb', 5)")
    assert columns(postgresql, "ob") == [("id", "bigint"), ("x", "double precision[]"), ("prediction", "integer")]
    assert {r[2] for r in fetch(postgresql, "ob")} <= {0, 1}
    assert [t for _, t in columns(postgresql, "on_")] == ["bigint", "double precision[]", "double precision",
                                                          "integer[]", "double precision[]"]
    assert [c for c, _ in columns(postgresql, "onb")] == ["id", "x", "k_nearest_neighbours", "distance"]
    X, T, ids, cls, val = data
    nb = neighbours(distances(T, X, "squared_dist_norm2"), ids, 5)
    assert [r[2] for r in fetch(postgresql, "ob")] == [vote((cls[n] == 1).astype(int)) for n in nb]


def vector_table(conn, name: str, X: np.ndarray, typmod: bool = True) -> None:
    dims = f"({X.shape[1]})" if typmod else ""
    conn.execute(f"CREATE TABLE {name} (id integer, v vector{dims})")
    with conn.cursor().copy(f"COPY {name} (id, v) FROM STDIN") as copy:
        for i, x in enumerate(X):
            copy.write_row([i + 1, "[" + ",".join(repr(float(e)) for e in x) + "]"])


def test_hnsw_index_is_used_with_recall(postgresql):
    """20k x 32 uniform random points, an HNSW index with pgvector's build defaults (m=16,
    ef_construction=64) and knn's default ef_search (max(100, 2k)): recall >= 0.95 against exact search."""
    rng = np.random.default_rng(3)
    X, T = f32(rng.uniform(size=(20000, 32))), f32(rng.uniform(size=(200, 32)))
    vector_table(postgresql, "big", X)
    vector_table(postgresql, "q", T)
    postgresql.execute("CREATE INDEX big_hnsw ON big USING hnsw (v vector_l2_ops)")
    postgresql.execute("ANALYZE big")
    k = 10
    default_msg = search_message(postgresql, "SELECT indb_ml.knn('big', 'v', 'id', NULL, 'q', 'v', 'id', 'dflt', "
                                 "%s, true, 'dist_norm2')", [k])
    assert default_msg.startswith("knn: exact search,")  # MADlib's default (brute force), index or not
    approx_msg = search_message(postgresql, "SELECT indb_ml.knn('big', 'v', 'id', NULL, 'q', 'v', 'id', 'approx', "
                                "%s, true, 'dist_norm2', false, 'auto')", [k])
    exact_msg = search_message(postgresql, "SELECT indb_ml.knn('big', 'v', 'id', NULL, 'q', 'v', 'id', 'exact', %s, "
                               "true, 'dist_norm2', false, 'brute_force')", [k])
    assert approx_msg.startswith("knn: hnsw search, index big_hnsw, ef_search 100,")
    assert "Index Scan using big_hnsw on big" in approx_msg
    assert exact_msg.startswith("knn: exact search,") and "Index Scan" not in exact_msg
    approx, exact = fetch(postgresql, "approx"), fetch(postgresql, "exact")
    sq = (T ** 2).sum(1)[:, None] - 2 * T @ X.T + (X ** 2).sum(1)[None, :]  # BLAS: no 200 x 20000 x 32 array
    oracle = neighbours(sq, np.arange(1, 20001), k) + 1
    assert [r[2] for r in exact] == oracle.tolist()
    assert [r[2] for r in fetch(postgresql, "dflt")] == oracle.tolist()
    recall = np.mean([len(set(a[2]) & set(e[2])) / k for a, e in zip(approx, exact)])
    assert recall >= 0.95, recall
    assert all(len(a[2]) == k and a[3] == sorted(a[3]) for a in approx)


def test_algorithm_hnsw_builds_an_expression_index(postgresql, data):
    """float8[] points: algorithm='hnsw' builds an index on (x::vector(6)), keeps it, and the next
    call reuses it; dist_angle maps to the cosine operator class. (On these 400 rows 'auto' lets the
    planner choose, and it prefers the exact sort, which is cheaper for a small table.)"""
    X, T, ids, cls, _ = data
    m1 = search_message(postgresql, "SELECT indb_ml.knn('pts', 'x', 'id', 'cls', 'tst', 'x', 'tid', 'o1', 3, true, "
                        "'dist_angle', false, 'hnsw', 'm=8, ef_construction=40, ef_search=200')")
    name = re.match(r"knn: hnsw search, index (\S+) \(built now\), ef_search 200,", m1).group(1)
    indexdef = postgresql.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [name]).fetchone()[0]
    assert "hnsw" in indexdef and "vector_cosine_ops" in indexdef and "m='8'" in indexdef
    m2 = search_message(postgresql, "SELECT indb_ml.knn('pts', 'x', 'id', 'cls', 'tst', 'x', 'tid', 'o2', 3, true, "
                        "'dist_angle', false, 'hnsw')")
    assert m2.startswith(f"knn: hnsw search, index {name}, ef_search 100,")  # reused, not built again
    nb = neighbours(distances(T, X, "dist_angle"), ids, 3)
    got = [r[3] for r in fetch(postgresql, "o2")]
    recall = np.mean([len(set(g) & set(ids[n].tolist())) / 3 for g, n in zip(got, nb)])
    assert recall >= 0.95, recall
    # another metric has no matching index: auto falls back to exact search
    m3 = search_message(postgresql, "SELECT indb_ml.knn('pts', 'x', 'id', 'cls', 'tst', 'x', 'tid', 'o3', 3, true, "
                        "'squared_dist_norm2', false, 'auto')")
    assert m3.startswith("knn: exact search,")


def test_algorithm_ivfflat(postgresql, data):
    X, T, ids, _, _ = data
    message = search_message(postgresql, "SELECT indb_ml.knn('pts', 'x', 'id', NULL, 'tst', 'x', 'tid', 'o', 4, "
                             "true, 'dist_norm2', false, 'ivfflat', 'lists=4, probes=4')")
    assert re.match(r"knn: ivfflat search, index \S+ \(built now\), probes 4,", message)
    assert "Index Scan" in message
    nb = neighbours(distances(T, X, "dist_norm2"), ids, 4)
    assert [r[2] for r in fetch(postgresql, "o")] == ids[nb].tolist()  # all lists probed: exact
    assert postgresql.execute("SHOW ivfflat.probes").fetchone()[0] == "1"  # the setting was put back


def test_views_and_vector_without_typmod(postgresql):
    rng = np.random.default_rng(5)
    X, T = f32(rng.normal(size=(300, 4))), f32(rng.normal(size=(10, 4)))
    vector_table(postgresql, "vp", X, typmod=False)
    vector_table(postgresql, "vq", T, typmod=False)
    postgresql.execute("CREATE VIEW vpv AS SELECT id, v, (id % 2 = 0) AS even FROM vp")
    postgresql.execute("SELECT indb_ml.knn('vpv', 'v', 'id', 'even', 'vq', 'v', 'id', 'o', 3, true, 'dist_norm1')")
    nb = neighbours(distances(T, X, "dist_norm1"), np.arange(1, 301), 3) + 1
    rows = fetch(postgresql, "o")
    assert [r[3] for r in rows] == nb.tolist()
    assert [r[2] for r in rows] == [vote((n % 2 == 0).astype(int)) for n in nb]


def test_partitioned_points(postgresql):
    """A hash-partitioned point table: algorithm='hnsw' builds a partitioned index and the plan merges
    the partitions' index scans; every point is its own nearest neighbour."""
    postgresql.execute("CREATE TABLE pp (id int, v float8[], lab int) PARTITION BY HASH (id)")
    postgresql.execute("CREATE TABLE pp0 PARTITION OF pp FOR VALUES WITH (MODULUS 2, REMAINDER 0)")
    postgresql.execute("CREATE TABLE pp1 PARTITION OF pp FOR VALUES WITH (MODULUS 2, REMAINDER 1)")
    rng = np.random.default_rng(8)
    X = f32(rng.normal(size=(1000, 3)))
    with postgresql.cursor().copy("COPY pp FROM STDIN") as copy:
        for i, x in enumerate(X):
            copy.write_row([i + 1, x.tolist(), i % 3])
    plan = search_message(postgresql, "SELECT indb_ml.knn('pp', 'v', 'id', 'lab', 'pp', 'v', 'id', 'o', 4, true, "
                          "'dist_norm2', false, 'hnsw')")
    assert plan.startswith("knn: hnsw search,") and "Index Scan using pp0_" in plan and "Index Scan using pp1_" in plan
    rows = fetch(postgresql, "o")
    assert all(r[3][0] == r[0] and r[4][0] == 0 for r in rows)
    nb = neighbours(distances(X, X, "dist_norm2"), np.arange(1, 1001), 4) + 1
    recall = np.mean([len(set(r[3]) & set(n.tolist())) / 4 for r, n in zip(rows, nb)])
    assert recall >= 0.95, recall


BAD = [
    ("'pts', 'x', 'id', 'cls', 'tst', 'x', 'tid', 'o', 0", E.InvalidParameterValue, "k=0 must be at least 1"),
    ("'pts', 'x', 'id', 'cls', 'tst', 'x', 'tid', 'o', 401", E.InvalidParameterValue, "larger than the 400 rows"),
    ("'nope', 'x', 'id', 'cls', 'tst', 'x', 'tid', 'o'", E.UndefinedTable, "point_source 'nope' does not exist"),
    ("'pts', 'y', 'id', 'cls', 'tst', 'x', 'tid', 'o'", E.UndefinedColumn, "point_column_name 'y'"),
    ("'pts', 'x', 'idx', 'cls', 'tst', 'x', 'tid', 'o'", E.UndefinedColumn, "point_id 'idx'"),
    ("'pts', 'x', 'id', 'lab', 'tst', 'x', 'tid', 'o'", E.UndefinedColumn, "label_column_name 'lab'"),
    ("'pts', 'x', 'id', 'cls', 'tst', 'x', 'id', 'o'", E.UndefinedColumn, "test_id 'id'"),
    ("'pts', 'x', 'id', 'cls', 'short', 'x', 'tid', 'o'", E.ArraySubscriptError, "test vectors have 5 elements"),
    ("'ragged', 'x', 'id', 'cls', 'tst', 'x', 'tid', 'o'", E.ArraySubscriptError, "vectors of 5 to 6 elements"),
    ("'nulls', 'x', 'id', 'cls', 'tst', 'x', 'tid', 'o'", E.NullValueNotAllowed, "NULL elements in 2 rows"),
    ("'nans', 'x', 'id', 'cls', 'tst', 'x', 'tid', 'o'", E.InvalidParameterValue, "NaN or infinite"),
    ("'pts', 'x', 'id', 'cls', 'duptest', 'x', 'tid', 'o'", E.InvalidParameterValue, "must be unique"),
    ("'pts', 'cls', 'id', 'cls', 'tst', 'x', 'tid', 'o'", E.DatatypeMismatch, "must be a pgvector vector"),
    ("'dates', 'x', 'id', 'd', 'tst', 'x', 'tid', 'o'", E.DatatypeMismatch, "has type date"),
    ("'empty', 'x', 'id', 'cls', 'tst', 'x', 'tid', 'o'", E.DataException, "has no rows"),
    ("'pts', 'x', 'id', 'cls', 'tst', 'x', 'tid', 'o', 3, true, 'dist_cheb'", E.UndefinedFunction,
     "unknown fn_dist"),
    ("'pts', 'x', 'id', 'cls', 'tst', 'x', 'tid', 'o', 3, true, 'squared_dist_norm2', false, 'kd_tree', 'depth=1, "
     "leaf_nodes=2'", E.InvalidParameterValue, "leaf_nodes must be lower than"),
    ("'pts', 'x', 'id', 'cls', 'tst', 'x', 'tid', 'o', 3, true, 'squared_dist_norm2', false, 'annoy'",
     E.InvalidParameterValue, "unknown algorithm"),
    ("'pts', 'x', 'id', 'cls', 'tst', 'x', 'tid', 'o', 3, true, 'dist_tanimoto', false, 'hnsw'",
     E.InvalidParameterValue, "no pgvector operator"),
    ("'pts', 'x', 'id', 'cls', 'tst', 'x', 'tid', 'o', 3, true, 'dist_norm1', false, 'ivfflat'",
     E.InvalidParameterValue, "IVFFlat has no operator class"),
    ("'pts', 'x', 'id', 'cls', 'tst', 'x', 'tid', 'o', 3, true, 'dist_norm2', false, 'hnsw', 'ef_search=1; x'",
     E.InvalidParameterValue, "cannot parse algorithm_params"),
    ("'pts', 'x', 'id', 'cls', 'tst', 'x', 'tid', 'o', 3, true, 'dist_norm2', false, 'auto', 'lists=3'",
     E.InvalidParameterValue, "lists applies only"),
    ("'pts', 'x', 'id', NULL, 'tst', 'x', 'tid', 'o', 3, false", E.InvalidParameterValue, "nothing to output"),
    ("'pts', 'x', 'id', 'cls', 'tst', 'x', 'tid', 'exists'", E.DuplicateTable, "already exists"),
    ("'pts', 'x', 'id', 'cls', 'tst', 'x; DROP TABLE pts', 'tid', 'o'", E.SyntaxError,
     "test_column_name .* contains ';'"),
    ("'pts', 'x', 'id', 'cls', 'tst', 'x', 'tid', 'o\"; DROP TABLE pts; --'", E.InvalidParameterValue, "output"),
    ("'v', 'x', 'id', 'cls', 'tst', 'x', 'tid', 'o', 3, true, 'dist_norm2', false, 'hnsw'",
     E.InvalidParameterValue, "not a table"),
]


@pytest.mark.parametrize("args,error,message", BAD, ids=[m for _, _, m in BAD])
def test_bad_input_leaves_nothing(postgresql, data, args, error, message):
    conn = postgresql
    conn.execute("CREATE TABLE short AS SELECT tid, x[1:5] AS x FROM tst")
    conn.execute("CREATE TABLE ragged AS SELECT id, CASE WHEN id % 7 = 0 THEN x[1:5] ELSE x END AS x, cls FROM pts")
    conn.execute("CREATE TABLE nulls AS SELECT id, CASE WHEN id IN (SELECT id FROM pts ORDER BY id LIMIT 2) "
                 "THEN x || NULL::float8 ELSE x || 0::float8 END AS x, cls FROM pts")
    conn.execute("CREATE TABLE nans AS SELECT id, CASE WHEN id = (SELECT min(id) FROM pts) THEN "
                 "'{NaN,1,1,1,1,1}'::float8[] ELSE x END AS x, cls FROM pts")
    conn.execute("CREATE TABLE duptest AS SELECT * FROM tst UNION ALL SELECT * FROM tst WHERE tid = 100")
    conn.execute("CREATE TABLE dates AS SELECT id, x, current_date AS d FROM pts")
    conn.execute("CREATE TABLE empty AS SELECT * FROM pts WITH NO DATA")
    conn.execute("CREATE TABLE exists (a int)")
    conn.execute("CREATE VIEW v AS SELECT * FROM pts")
    conn.commit()
    before = conn.execute("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace").fetchone()
    with pytest.raises(error, match=message), conn.transaction():
        conn.execute("SELECT indb_ml.knn(" + args + ")")
    assert conn.execute("SELECT to_regclass('o')").fetchone() == (None,)
    after = conn.execute("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace").fetchone()
    assert after == before  # no table, index or view left behind
    assert conn.execute("SELECT count(*) FROM pts").fetchone()[0] == 400


def test_error_after_building_an_index_leaves_no_index(postgresql, data):
    """algorithm='hnsw' builds its index inside the call: an error in the final statement (a float
    overflow: weight 1e107 at distance 0 times a label of 1e300) rolls the index back too."""
    postgresql.execute("CREATE TABLE huge AS SELECT id, x, 1e300::float8 AS val FROM pts")
    postgresql.execute("CREATE TABLE same AS SELECT id AS tid, x FROM pts LIMIT 3")
    postgresql.commit()
    with pytest.raises(E.NumericValueOutOfRange), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.knn('huge', 'x', 'id', 'val', 'same', 'x', 'tid', 'o', 3, true, "
                           "'dist_norm2', true, 'hnsw')")
    assert postgresql.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'huge'").fetchone()[0] == 0
    assert postgresql.execute("SELECT to_regclass('o')").fetchone() == (None,)


@pytest.mark.parametrize("fn", ["squared_dist_norm2", "dist_norm2", "dist_norm1"])
def test_madlib_knn_setting_computes_in_float8(postgresql, fn):
    """Two points whose distances to the test point differ below float4's precision: pgvector
    (float4) sees a tie and ranks the smaller id first; SET indb_ml.madlib_knn = on computes the
    distance in float8 on the points' own values, as MADlib's brute force, and ranks them as
    numpy's float8 does, with its distances. 'auto' and the indexes stay on pgvector."""
    near, far = [1.0, 2.0, 0.5], [1.0 + 3e-9, 2.0, 0.5]  # float4 rounds both to the same point
    X = np.array([far, near, [5.0, -1.0, 2.0]])  # ids 1 (far), 2 (near), 3
    T = np.array([[0.25, 0.5, 0.125]])
    load_table(postgresql, "p3", {"id": np.arange(1, 4), "x": list(X)}, {"id": "integer", "x": "float8[]"})
    load_table(postgresql, "t3", {"tid": np.array([1]), "x": list(T)}, {"tid": "integer", "x": "float8[]"})
    call = ("SELECT indb_ml.knn('p3', 'x', 'id', NULL, 't3', 'x', 'tid', %s, 3, true, %s, false, 'brute_force')")
    postgresql.execute(call, ["o_f4", fn])
    postgresql.execute("SET indb_ml.madlib_knn = on")
    postgresql.execute(call, ["o_f8", fn])
    postgresql.execute("RESET indb_ml.madlib_knn")
    want = distances(T, X, fn)[0]  # numpy, float8
    order = (np.lexsort((np.arange(1, 4), want)) + 1).tolist()
    f4 = postgresql.execute("SELECT k_nearest_neighbours, distance FROM o_f4").fetchone()
    f8 = postgresql.execute("SELECT k_nearest_neighbours, distance FROM o_f8").fetchone()
    assert order[:2] == [2, 1] and f4[0][:2] == [1, 2]  # the float4 tie goes to the smaller id
    assert f8[0] == order
    np.testing.assert_allclose(f8[1], want[np.array(order) - 1], rtol=1e-13, atol=1e-15)
