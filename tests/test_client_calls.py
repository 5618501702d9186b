"""The client's table-returning methods (indb_ml/client/calls.py): each returns what the direct
SQL call writes (same arguments, same output table), temporary tables are gone afterwards, kept
ones stay, and the numbers match an independent oracle (networkx, statsmodels, numpy)."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.miscmodels.ordinal_model import OrderedModel

import indb_ml
from indb_ml.client.calls import TableResult
from indb_ml.client.connection import IndbMlError

N = 400
EDGES = [(0, 1, 1.0), (1, 2, 2.0), (2, 0, 1.0), (0, 2, 5.0), (2, 3, 1.5), (3, 4, 1.0), (4, 3, 3.0),
         (5, 6, 1.0), (6, 7, 1.0), (7, 5, 2.0), (5, 7, 1.0), (1, 3, 4.0)]
VERTICES = range(10)  # 8 and 9 have no edge


@pytest.fixture
def data(postgresql):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(N, 2))
    cl = rng.integers(0, 12, size=N)
    g = rng.integers(0, 2, size=N)
    y = 1 + 2 * x[:, 0] - x[:, 1] + rng.normal(size=N) * (1 + np.abs(x[:, 0]))
    yb = (x @ [1.0, -0.7] + rng.logistic(size=N) > 0).astype(int)
    cat = np.digitize(x @ np.array([1.0, -1.0]) + rng.logistic(size=N), [-0.5, 0.8])
    postgresql.execute("CREATE TABLE d (id int, g int, cl int, y float8, yb int, cat int, x1 float8, x2 float8, "
                       "pt float8[])")
    with postgresql.cursor().copy("COPY d FROM STDIN") as copy:
        for i in range(N):
            copy.write_row([i, int(g[i]), int(cl[i]), y[i], int(yb[i]), int(cat[i]), *x[i], list(x[i])])
    postgresql.execute('CREATE TABLE "Vert" ("Vid" int)')
    postgresql.execute('INSERT INTO "Vert" SELECT generate_series(0, 9)')
    postgresql.execute('CREATE TABLE edges ("From" int, "to" int, "Wt" float8)')
    with postgresql.cursor().copy("COPY edges FROM STDIN") as copy:
        for e in EDGES:
            copy.write_row(e)
    postgresql.commit()
    return np.column_stack([np.ones(N), x]), y, yb, cat, cl


def _sql_table(postgresql, call: str, params, out: str, order: list[str]) -> pd.DataFrame:
    """Run the direct SQL call writing ``out`` and read it back (the reference for the client)."""
    cur = postgresql.execute(call, params)
    cur = postgresql.execute(f"SELECT * FROM {out}")
    frame = pd.DataFrame(cur.fetchall(), columns=[c.name for c in cur.description])
    postgresql.commit()
    return frame.sort_values(order).reset_index(drop=True)


def _same(got: pd.DataFrame, want: pd.DataFrame, order: list[str]) -> None:
    got = got.sort_values(order).reset_index(drop=True)
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want) and len(got) > 0
    for col in want.columns:
        for a, b in zip(got[col], want[col]):
            if isinstance(b, (list, float)) and b is not None:
                np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-12,
                                           atol=1e-15, err_msg=col)
            else:
                assert a == b, col


def _no_temp_tables(db) -> None:
    n = db.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'indb_ml_tmp_%'").fetchone()[0]
    assert n == 0


GRAPH = "'\"Vert\"', '\"Vid\"', 'edges', 'src=\"From\", dest=to, weight=\"Wt\"'"
GRAPH_NOW = "'\"Vert\"', '\"Vid\"', 'edges', 'src=\"From\", dest=to'"
KW = {"src": "From", "dest": "to"}


def _digraph() -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(VERTICES)
    graph.add_weighted_edges_from(EDGES)
    return graph


def test_pagerank_equals_sql_and_networkx(dsn, data, postgresql):
    with indb_ml.connect(dsn) as db:
        got = db.pagerank('"Vert"', "Vid", "edges", **KW, damping_factor=0.8, threshold=1e-10, max_iter=500)
        _no_temp_tables(db)
    want = _sql_table(postgresql, f"SELECT indb_ml.pagerank({GRAPH_NOW}, 'pr', 0.8, 500, 1e-10)", None, "pr",
                      ["Vid"])
    _same(got.table, want, ["Vid"])
    assert isinstance(got, TableResult) and got.summary["__iterations__"] > 1 and got.out_table is None
    ref = nx.pagerank(_digraph(), alpha=0.8, tol=1e-12, max_iter=10000, weight=None)
    got_pr = dict(zip(got.table["Vid"], got.table["pagerank"]))
    for v in VERTICES:
        assert math.isclose(got_pr[v], ref[v], rel_tol=1e-6), v


def test_hits_wcc_degrees_equal_sql_and_networkx(dsn, data, postgresql):
    with indb_ml.connect(dsn) as db:
        hits = db.hits('"Vert"', "Vid", "edges", **KW, max_iter=500, threshold=1e-12)
        wcc = db.weakly_connected_components('"Vert"', "Vid", "edges", **KW)
        deg = db.graph_vertex_degrees('"Vert"', "Vid", "edges", **KW)
        _no_temp_tables(db)
    _same(hits.table, _sql_table(postgresql, f"SELECT indb_ml.hits({GRAPH_NOW}, 'h', 500, 1e-12)", None, "h",
                                 ["Vid"]), ["Vid"])
    _same(wcc.table, _sql_table(postgresql, f"SELECT indb_ml.weakly_connected_components({GRAPH_NOW}, 'w')",
                                None, "w", ["Vid"]), ["Vid"])
    _same(deg.table, _sql_table(postgresql, f"SELECT indb_ml.graph_vertex_degrees({GRAPH_NOW}, 'dg')",
                                None, "dg", ["Vid"]), ["Vid"])
    comps = {frozenset(c) for c in nx.weakly_connected_components(_digraph())}
    got = {frozenset(f["Vid"]) for _, f in wcc.table.groupby("component_id")}
    assert got == comps
    graph = _digraph()
    assert {(r.Vid, r.indegree, r.outdegree) for r in deg.table.itertuples()} == {
        (v, graph.in_degree(v), graph.out_degree(v)) for v in VERTICES if graph.degree(v)}
    # HITS itself is checked against networkx in tests/test_graph_hits_degrees.py; here the shape.
    assert set(hits.table.columns) == {"Vid", "authority", "hub"} and hits.summary["__iterations__"] >= 1
    assert deg.summary is None  # MADlib's graph_vertex_degrees writes no summary


def test_paths_equal_sql_and_networkx(dsn, data, postgresql):
    with indb_ml.connect(dsn) as db:
        sssp = db.graph_sssp('"Vert"', "Vid", "edges", 0, **KW, weight="Wt")
        apsp = db.graph_apsp('"Vert"', "Vid", "edges", **KW, weight="Wt")
        bfs = db.graph_bfs('"Vert"', "Vid", "edges", 0, **KW, directed=True)
        _no_temp_tables(db)
    _same(sssp.table, _sql_table(postgresql, f"SELECT indb_ml.graph_sssp({GRAPH}, 0, 'ss')", None, "ss",
                                 ["Vid"]), ["Vid"])
    _same(apsp.table, _sql_table(postgresql, f"SELECT indb_ml.graph_apsp({GRAPH}, 'ap')", None, "ap",
                                 ["From", "to"]), ["From", "to"])
    _same(bfs.table, _sql_table(postgresql, f"SELECT indb_ml.graph_bfs({GRAPH_NOW}, 0, 'bf', NULL, true)", None,
                                "bf", ["Vid"]), ["Vid"])
    graph = _digraph()
    dist = nx.single_source_dijkstra_path_length(graph, 0)
    assert dict(zip(sssp.table["Vid"], sssp.table["Wt"])) == pytest.approx(dist)
    hops = nx.single_source_shortest_path_length(graph, 0)
    assert dict(zip(bfs.table["Vid"], bfs.table["dist"])) == hops
    graph.remove_nodes_from([v for v in VERTICES if graph.degree(v) == 0])  # MADlib: no row for them
    all_pairs = dict(nx.all_pairs_dijkstra_path_length(graph))
    assert {(r.From, r.to): r.Wt for r in apsp.table.itertuples()} == pytest.approx(
        {(s, t): d for s in all_pairs for t, d in all_pairs[s].items()})


def test_kcore_and_triangles_equal_sql_and_networkx(dsn, data, postgresql):
    with indb_ml.connect(dsn) as db:
        kc = db.kcore('"Vert"', "Vid", "edges", **KW)
        tc = db.triangle_count('"Vert"', "Vid", "edges", **KW)
    _same(kc.table, _sql_table(postgresql, f"SELECT indb_ml.kcore({GRAPH_NOW}, 'kc')", None, "kc", ["Vid"]),
          ["Vid"])
    _same(tc.table, _sql_table(postgresql, f"SELECT indb_ml.triangle_count({GRAPH_NOW}, 'tc')", None, "tc",
                               ["Vid"]), ["Vid"])
    undirected = nx.Graph(_digraph())
    assert dict(zip(kc.table["Vid"], kc.table["core_number"])) == nx.core_number(undirected)
    assert dict(zip(tc.table["Vid"], tc.table["triangles"])) == nx.triangles(undirected)


def test_grouped_graph_and_kept_out_table(dsn, data, postgresql):
    postgresql.execute("CREATE TABLE ge AS SELECT \"From\", \"to\", \"Wt\", (\"From\" >= 5)::int AS part FROM edges")
    postgresql.commit()
    with indb_ml.connect(dsn) as db:
        got = db.pagerank('"Vert"', "Vid", "ge", **KW, grouping=["part"], out_table="kept_pr")
        kept = db.execute("SELECT count(*) FROM kept_pr").fetchone()[0]
        again = db.execute("SELECT to_regclass('kept_pr_summary') IS NOT NULL").fetchone()[0]
    assert got.out_table == "kept_pr" and kept == len(got.table) and again
    assert set(got.table["part"]) == {0, 1}
    for _, part in got.table.groupby("part"):
        assert part["pagerank"].sum() == pytest.approx(1.0, rel=1e-6)


def test_regression_tables_equal_sql_and_statsmodels(dsn, data, postgresql):
    x, y, yb, cat, cl = data
    feats = [1, "x1", "x2"]
    with indb_ml.connect(dsn) as db:
        rob = db.robust_variance_linregr("d", "y", feats)
        robl = db.robust_variance_logregr("d", "yb", feats, tolerance=1e-10, max_iter=50)
        clu = db.clustered_variance_linregr("d", "y", feats, "cl")
        clul = db.clustered_variance_logregr("d", "yb", feats, ["cl"], tolerance=1e-10, max_iter=50)
        robm = db.robust_variance_mlogregr("d", "cat", feats, max_iter=50, tolerance=1e-10)
        clum = db.clustered_variance_mlogregr("d", "cat", feats, "cl", max_iter=50, tolerance=1e-10)
        _no_temp_tables(db)
    X = "'ARRAY[1, x1, x2]'"
    _same(rob.table, _sql_table(postgresql, f"SELECT indb_ml.robust_variance_linregr('d', 'r1', 'y', {X})", None,
                                "r1", ["coef"]), ["coef"])
    _same(robl.table, _sql_table(postgresql, f"SELECT indb_ml.robust_variance_logregr('d', 'r2', 'yb', {X}, "
                                             "NULL, 50, 'irls', 1e-10)", None, "r2", ["coef"]), ["coef"])
    _same(clu.table, _sql_table(postgresql, f"SELECT indb_ml.clustered_variance_linregr('d', 'c1', 'y', {X}, "
                                            "'cl')", None, "c1", ["coef"]), ["coef"])
    _same(clul.table, _sql_table(postgresql, f"SELECT indb_ml.clustered_variance_logregr('d', 'c2', 'yb', {X}, "
                                             "'cl', 50, 'irls', 1e-10)", None, "c2", ["coef"]), ["coef"])
    params = "'max_iter=50, optimizer=irls, tolerance=1e-10'"
    _same(robm.table, _sql_table(postgresql, f"SELECT indb_ml.robust_variance_mlogregr('d', 'r3', 'cat', {X}, 0, "
                                             f"NULL, {params})", None, "r3", ["category"]), ["category"])
    _same(clum.table, _sql_table(postgresql, f"SELECT indb_ml.clustered_variance_mlogregr('d', 'c3', 'cat', "
                                             f"{X}, 'cl', 0, {params})", None, "c3", ["category"]), ["category"])
    ols = sm.OLS(y, x)
    hc0 = ols.fit(cov_type="HC0")
    np.testing.assert_allclose(rob.table["std_err"][0], hc0.bse, rtol=1e-8)
    logit = sm.Logit(yb, x).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(robl.table["coef"][0], logit.params, rtol=1e-6)
    np.testing.assert_allclose(robl.table["std_err"][0], sm.Logit(yb, x).fit(disp=0, tol=1e-12, cov_type="HC0").bse,
                               rtol=1e-5)
    assert len(robm.table) == 2 and set(robm.table["category"]) == {1, 2}
    assert rob.to_arrow().num_rows == 1


def test_multinom_ordinal_margins_predict(dsn, data, postgresql):
    x, y, yb, cat, cl = data
    with indb_ml.connect(dsn) as db:
        mn = db.multinom("d", "cat", [1, "x1", "x2"], max_iter=100, tolerance=1e-10)
        od = db.ordinal("d", "cat", ["x1", "x2"], [0, 1, 2])
        db.logregr_train("d", "yb", [1, "x1", "x2"], out_table="lr_kept", tolerance=1e-10, max_iter=50)
        mg = db.margins("lr_kept")
        pred = db.predict("lr_kept", "d", "id")
        _no_temp_tables(db)
    _same(mn.table, _sql_table(postgresql, "SELECT indb_ml.multinom('d', 'mn', 'cat', 'ARRAY[1, x1, x2]', 0, "
                                           "'logit', NULL, 'max_iter=100, optimizer=irls, tolerance=1e-10')",
                               None, "mn", ["category"]), ["category"])
    _same(od.table, _sql_table(postgresql, "SELECT indb_ml.ordinal('d', 'od', 'cat', 'ARRAY[x1, x2]', '0, 1, 2')",
                               None, "od", ["log_likelihood"]), ["log_likelihood"])
    _same(mg.table, _sql_table(postgresql, "SELECT indb_ml.margins('lr_kept', 'mg')", None, "mg", ["variables"]),
          ["variables"])
    ref = sm.MNLogit(cat, x).fit(disp=0, method="newton", tol=1e-12, maxiter=100)
    coef = np.array(mn.table.sort_values("category")["coef"].tolist())
    np.testing.assert_allclose(coef, ref.params.T, rtol=1e-6)
    ordered = OrderedModel(cat, x[:, 1:], distr="logit").fit(method="bfgs", disp=0, gtol=1e-10)
    np.testing.assert_allclose(od.table["coef_feature"][0], ordered.params[:2], rtol=1e-4)
    logit = sm.Logit(yb, x).fit(disp=0, tol=1e-12)
    ame = logit.get_margeff(at="overall").margeff
    assert mg.table["variables"][0] == [2, 3]  # the intercept has no margin
    np.testing.assert_allclose(mg.table["margins"][0], ame, rtol=1e-5)
    proba = 1 / (1 + np.exp(-(x @ logit.params)))
    got = pred.assign(id=pred["id"].astype(int)).sort_values("id")
    np.testing.assert_allclose(got["probability"].to_numpy(), proba, rtol=1e-6)
    assert list(pred.columns) == ["id", "prediction", "probability", "category"]  # category: category models


def test_knn_and_la_value(dsn, data, postgresql):
    postgresql.execute("CREATE TABLE q AS SELECT id AS qid, pt AS qpt FROM d WHERE id < 20")
    postgresql.commit()
    x, y, yb, cat, cl = data
    with indb_ml.connect(dsn) as db:
        got = db.knn("d", "pt", "id", "yb", "q", "qpt", "qid", k=5)
        value = db.la_value("t(A) %*% A", {"A": x[:30].tolist()})
        _no_temp_tables(db)
    want = _sql_table(postgresql, "SELECT indb_ml.knn('d', 'pt', 'id', 'yb', 'q', 'qpt', 'qid', 'kn', 5)", None,
                      "kn", ["id"])
    _same(got.table, want, ["id"])
    assert list(got.table.columns) == ["id", "qpt", "prediction", "k_nearest_neighbours", "distance"]
    pts = x[:, 1:]
    for row in got.table.itertuples():
        d2 = ((pts - pts[row.id]) ** 2).sum(axis=1)
        nearest = np.argsort(d2, kind="stable")[:5]
        assert row.prediction == (1.0 if yb[nearest].mean() > 0.5 else 0.0)
    np.testing.assert_allclose(value, x[:30].T @ x[:30], rtol=1e-12)


def test_bad_input_is_a_clear_error(dsn, data):
    with indb_ml.connect(dsn) as db:
        with pytest.raises(IndbMlError) as err:
            db.pagerank('"Vert"', "Vid", "no_such_edges", **KW)
        assert "no_such_edges" in str(err.value) and err.value.sqlstate
        with pytest.raises(ValueError, match="option name"):
            db.multinom("d", "cat", [1, "x1"], link_func="logit, max_iter=1")
        with pytest.raises(ValueError, match="option name"):
            db.glm("d", "y", [1, "x1"], "gaussian, max_iter=1")
        with pytest.raises(ValueError, match="comma"):
            db.ordinal("d", "cat", ["x1"], ["a,b", "c"])
        # A name with a quote is quoted, not injected: the server reports an unknown column.
        with pytest.raises(IndbMlError) as err:
            db.robust_variance_linregr("d", 'y"); DROP TABLE d; --', [1, "x1"])
        assert db.execute("SELECT count(*) FROM d").fetchone()[0] == N
        _no_temp_tables(db)


def test_graph_measures_over_kept_tables(dsn, data, postgresql):
    with indb_ml.connect(dsn) as db:
        db.graph_apsp('"Vert"', "Vid", "edges", **KW, weight="Wt", out_table="ap_kept")
        db.weakly_connected_components('"Vert"', "Vid", "edges", **KW, out_table="wcc_kept")
        close = db.graph_closeness("ap_kept")
        diameter = db.graph_diameter("ap_kept")
        avg = db.graph_avg_path_length("ap_kept")
        hist = db.graph_wcc_histogram("wcc_kept")
        largest = db.graph_wcc_largest_cpt("wcc_kept")
        count = db.graph_wcc_num_cpts("wcc_kept")
        _no_temp_tables(db)
    for got, call, out, order in (
            (close, "graph_closeness('ap_kept', 'o1')", "o1", ["From"]),
            (diameter, "graph_diameter('ap_kept', 'o2')", "o2", ["diameter"]),
            (avg, "graph_avg_path_length('ap_kept', 'o3')", "o3", ["avg_path_length"]),
            (hist, "graph_wcc_histogram('wcc_kept', 'o4')", "o4", ["component_id"]),
            (largest, "graph_wcc_largest_cpt('wcc_kept', 'o5')", "o5", ["component_id"]),
            (count, "graph_wcc_num_cpts('wcc_kept', 'o6')", "o6", ["num_components"])):
        _same(got.table, _sql_table(postgresql, "SELECT indb_ml." + call, None, out, order), order)
    graph = _digraph()
    graph.remove_nodes_from([v for v in VERTICES if graph.degree(v) == 0])
    lengths = dict(nx.all_pairs_dijkstra_path_length(graph))
    assert diameter.table["diameter"][0] == pytest.approx(max(d for s in lengths.values() for d in s.values()))
    sizes = sorted(len(c) for c in nx.weakly_connected_components(_digraph()))
    assert sorted(hist.table["num_vertices"]) == sizes and count.table["num_components"][0] == len(sizes)
    assert largest.table["num_vertices"].tolist() == [max(sizes)]


def test_lm_cg_incremental_and_cross_validate(dsn, data, postgresql):
    x, y, *_ = data
    with indb_ml.connect(dsn) as db:
        cg = db.lm_cg("d", "y", [1, "x1", "x2"], lambda_value=0.5)
        inc = db.linregr_train_incremental("d", "y", [1, "x1", "x2"], out_table="inc")
        cv = db.cross_validate("linregr", "d", "y", [1, "x1", "x2"], n_folds=4, seed=3)
        _no_temp_tables(db)
    want = _sql_table(postgresql, "SELECT indb_ml.lm_cg('d', 'cg', 'y', 'ARRAY[1, x1, x2]', 0.5)", None, "cg",
                      ["iterations"])
    cols = [c for c in want.columns if c != "exec_time_ms"]
    _same(cg.table[cols], want[cols], ["iterations"])
    ridge = np.linalg.solve(x.T @ x + 0.5 * np.eye(3), x.T @ y)
    ols = np.linalg.lstsq(x, y, rcond=None)[0]
    np.testing.assert_allclose(cg.table["coef"][0], ridge, rtol=1e-7)
    np.testing.assert_allclose(inc.table["coef"][0], ols, rtol=1e-9)
    assert inc.out_table == "inc" and inc.summary["method"] == "linregr"
    want_cv = pd.DataFrame(postgresql.execute("SELECT * FROM indb_ml.cross_validate('linregr', 'd', 'y', "
                                              "'ARRAY[1, x1, x2]', 4, NULL, 3)").fetchall(),
                           columns=["fold", "train_rows", "test_rows", "metric", "value"])
    _same(cv, want_cv, ["fold", "metric"])
    assert cv["train_rows"].add(cv["test_rows"]).eq(N).all()


def test_svd_equals_sql_and_numpy(dsn, postgresql):
    a = np.random.default_rng(5).normal(size=(12, 5))
    postgresql.execute("CREATE TABLE a (row_id int, row_vec float8[])")
    for i, row in enumerate(a, start=1):
        postgresql.execute("INSERT INTO a VALUES (%s, %s)", [i, row.tolist()])
    postgresql.commit()
    with indb_ml.connect(dsn) as db:
        u, s, v = db.svd("a", "row_id", 3)
        kept = db.svd("a", "row_id", 3, out_prefix="kept")
        _no_temp_tables(db)
    postgresql.execute("SELECT indb_ml.svd('a', 'direct', 'row_id', 3)")
    direct = [np.array([r[0] for r in postgresql.execute(f"SELECT {col} FROM direct_{t} ORDER BY row_id")],
                       dtype=float) for t, col in (("u", "row_vec"), ("s", "value"), ("v", "row_vec"))]
    for got, want in zip((u, s, v), direct):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(kept, direct):
        np.testing.assert_array_equal(got, want)
    _, want_s, _ = np.linalg.svd(a)
    np.testing.assert_allclose(s, want_s[:3], rtol=1e-10)
    assert u.shape == (12, 3) and v.shape == (5, 3)
    np.testing.assert_allclose(a @ v, u * s, atol=1e-10)  # A V = U diag(s) for the top-k singular pairs
