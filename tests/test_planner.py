"""la_value / la_eval / la_explain against numpy, with values in memory and in tables."""

from __future__ import annotations

import json

import numpy as np
import psycopg.errors as E
import pytest

from indb_ml.client import IndbMlError
from tests.test_matrix import put

ARGS = "row=row_id, val=val"
SPARSE = "row=row_id, col=col_id, val=val"


def value(conn, expr, bindings, rules_off=None):
    got = conn.execute("SELECT indb_ml.la_value(%s, %s, %s)", [expr, json.dumps(bindings), rules_off]).fetchone()[0]
    return np.array(got)


@pytest.fixture
def data(postgresql):
    rng = np.random.default_rng(7)
    x, y = rng.normal(size=(3000, 50)), rng.normal(size=(3000, 1))
    postgresql.execute("CREATE TABLE x (row_id int, val float8[])")
    with postgresql.cursor().copy("COPY x FROM STDIN") as copy:
        for i, row in enumerate(x, start=1):
            copy.write_row([i, row.tolist()])
    postgresql.execute("CREATE TABLE y (row_id int, val float8[])")
    with postgresql.cursor().copy("COPY y FROM STDIN") as copy:
        for i, row in enumerate(y, start=1):
            copy.write_row([i, row.tolist()])
    b = {"X": {"table": "x", "args": ARGS}, "y": {"table": "y", "args": ARGS}}
    return postgresql, x, y, b


def _sig(z):
    return 1 / (1 + np.exp(-z))


CASES = {
    "t(X) %*% X": lambda x, y, v: x.T @ x,
    "t(X) %*% X %*% v + lam * v": lambda x, y, v: x.T @ x @ v + 0.5 * v,
    "t(X) %*% y": lambda x, y, v: x.T @ y,
    "t(X) %*% (y * (X %*% v))": lambda x, y, v: x.T @ (y * (x @ v)),
    "solve(t(X) %*% X, t(X) %*% y)": lambda x, y, v: np.linalg.solve(x.T @ x, x.T @ y),
    "colSums(X)": lambda x, y, v: x.sum(axis=0, keepdims=True),
    "sum(X * X)": lambda x, y, v: np.array([[np.sum(x * x)]]),
    "sum(rowSums(X))": lambda x, y, v: np.array([[x.sum()]]),
    "mean(t(X))": lambda x, y, v: np.array([[x.mean()]]),
    "norm(X)": lambda x, y, v: np.array([[np.linalg.norm(x)]]),
    "trace(t(X) %*% X)": lambda x, y, v: np.array([[np.trace(x.T @ x)]]),
    "colSums(sigmoid(X %*% v) - y)": lambda x, y, v: (_sig(x @ v) - y).sum(axis=0, keepdims=True),
    "t(X[1:5, 2:3]) %*% X[1:5, 2:3]": lambda x, y, v: x[:5, 1:3].T @ x[:5, 1:3],
    "diag(t(X) %*% X)": lambda x, y, v: np.diag(x.T @ x)[:, None],
    "sum((X - 1)^2)": lambda x, y, v: np.array([[np.sum((x - 1) ** 2)]]),
    "colSums(X %*% t(X[1:2, ]))": lambda x, y, v: (x @ x[:2].T).sum(axis=0, keepdims=True),
    "t(y) %*% X %*% v": lambda x, y, v: y.T @ x @ v,
}


@pytest.mark.parametrize("memory_mb", [512, 1])  # 1 MB: X (1.2 MB) and X-sized results live in tables
@pytest.mark.parametrize("expr", list(CASES))
def test_expressions_against_numpy(data, memory_mb, expr):
    conn, x, y, b = data
    conn.execute(f"SET indb_ml.matrix_memory_mb = {memory_mb}")
    v = np.linspace(-1, 1, 50)[:, None]
    b = dict(b, v=v[:, 0].tolist(), lam=0.5)
    np.testing.assert_allclose(value(conn, expr, b), CASES[expr](x, y, v), rtol=1e-10, atol=1e-9)


def test_rules_off_give_the_same_result(data):
    conn, x, y, b = data
    b = dict(b, v=np.ones(50).tolist())
    expr = "t(X) %*% X %*% v + t(t(X[1:50, ])) %*% v * 0 + t(colSums(t(t(X))))"
    want = value(conn, expr, b)
    for rule in ("transpose", "simplify", "fold", "chain", "tsmm", "mmchain"):
        np.testing.assert_allclose(value(conn, expr, b, [rule]), want, rtol=1e-10, err_msg=rule)
    with pytest.raises(E.InvalidParameterValue, match="unknown rewrite rule 'fast'"):
        value(conn, expr, b, ["fast"])


def test_la_eval_writes_a_table_and_formats(data):
    conn, x, y, b = data
    conn.execute("SELECT indb_ml.la_eval(%s, %s, 'xx')", ["X %*% t(X[1:3, ])", json.dumps(b)])
    rows = conn.execute("SELECT row_num, val FROM xx ORDER BY 1").fetchall()
    np.testing.assert_allclose(np.array([r[1] for r in rows]), x @ x[:3].T, rtol=1e-12)
    conn.execute("SET indb_ml.matrix_memory_mb = 1")
    conn.execute("SELECT indb_ml.la_eval('2 * X + X', %s, 'x3', 'row=i, val=v, fmt=tiles')", [json.dumps(b)])
    got = conn.execute("SELECT indb_ml.matrix_sum('x3', '', 1)").fetchone()[0]
    np.testing.assert_allclose(got, 3 * x.sum(axis=0), rtol=1e-10)


def test_sparse_and_tile_sources(postgresql):
    a = np.random.default_rng(8).normal(size=(6, 4)) * (np.random.default_rng(9).random((6, 4)) < 0.5)
    put(postgresql, "s", a, "sparse")
    put(postgresql, "t", a, "tiles")
    b = {"S": {"table": "s", "args": SPARSE}, "T": "t"}
    np.testing.assert_allclose(value(postgresql, "t(S) %*% T + t(T) %*% S", b), 2 * a.T @ a, rtol=1e-12)
    np.testing.assert_allclose(value(postgresql, "rowSums(S) - rowSums(T)", b), np.zeros((6, 1)), atol=1e-12)


def test_explain_shows_rules_operators_and_estimates(data):
    conn, x, y, b = data
    b = dict(b, v=np.ones(50).tolist())
    lines = [r[0] for r in conn.execute("SELECT indb_ml.la_explain(%s, %s)", ["t(X) %*% X %*% v", json.dumps(b)])]
    text = "\n".join(lines)
    assert "rewrites fired: chain, mmchain" in text
    assert "MMChain  (50 x 1" in text and "one pass over the table's row blocks" in text
    assert "Table x [row=row_id, val=val]  (3000 x 50, nnz ~150000)" in text


@pytest.mark.parametrize("expr, bindings, error, message", [
    ("X %*% X", {"X": {"table": "x", "args": ARGS}}, E.ArraySubscriptError, "inner dimensions differ"),
    ("X + Z", {"X": {"table": "x", "args": ARGS}}, E.InvalidParameterValue, "'Z', which bindings do not define"),
    ("X; DROP TABLE x", {"X": {"table": "x", "args": ARGS}}, E.InvalidParameterValue, "unexpected"),
    ("X", {"X": "missing_table"}, E.UndefinedTable, "missing_table"),
    ("X", {"X": True}, E.InvalidParameterValue, "boolean"),
    ("X", {"X": [["a"]]}, E.InvalidParameterValue, "not a list of numbers"),
    ("X", {"X": {"table": "x", "args": 3}}, E.InvalidParameterValue, "args must be a text"),
    ("", {}, E.InvalidParameterValue, "empty"),
])
def test_bad_input(data, expr, bindings, error, message):
    conn = data[0]
    with pytest.raises(error, match=message), conn.transaction():
        conn.execute("SELECT indb_ml.la_eval(%s, %s, 'out')", [expr, json.dumps(bindings)])
    assert conn.execute("SELECT to_regclass('out')").fetchone()[0] is None


def test_errors_name_the_function_called(data):
    # parse and shape errors name the SQL function the user called, not la_eval for all of them
    conn, _, _, b = data
    calls = {"la_value": "SELECT indb_ml.la_value(%s, %s)", "la_eval": "SELECT indb_ml.la_eval(%s, %s, 'out')",
             "la_explain": "SELECT indb_ml.la_explain(%s, %s)", "la_shape": "SELECT indb_ml.la_shape(%s, %s)"}
    for name, call in calls.items():
        for expr, error in (("X %*% X", E.ArraySubscriptError), ("X +", E.InvalidParameterValue)):
            with pytest.raises(error, match=rf"{name}: ") as exc, conn.transaction():
                conn.execute(call, [expr, json.dumps(b)])
            assert ("la_eval:" in str(exc.value)) == (name == "la_eval"), (name, str(exc.value))


def test_hostile_table_name_is_just_a_name(postgresql):
    postgresql.execute('CREATE TABLE "x; DROP TABLE y --" (row_num int, val float8[])')
    postgresql.execute('INSERT INTO "x; DROP TABLE y --" VALUES (1, \'{1, 2}\'), (2, \'{3, 4}\')')
    got = value(postgresql, "t(X) %*% X", {"X": '"x; DROP TABLE y --"'})
    np.testing.assert_array_equal(got, np.array([[10.0, 14.0], [14.0, 20.0]]))


def test_python_matrix_is_lazy_and_matches_numpy(data):
    import indb_ml
    from indb_ml.client.matrix import where

    conn, x, y, _ = data
    db = indb_ml.connect(conn)
    X, Y = db.matrix("x", ARGS), db.matrix("y", ARGS)
    v = np.linspace(0, 1, 50)
    expr = X.T @ X @ v + 0.5 * v
    assert expr.shape == (50, 1)
    np.testing.assert_allclose(expr.to_numpy(), x.T @ x @ v[:, None] + 0.5 * v[:, None], rtol=1e-10)
    assert "mmchain" in expr.explain()
    np.testing.assert_allclose((X.T @ X).solve(X.T @ Y).to_numpy(), np.linalg.lstsq(x, y, rcond=None)[0],
                               rtol=1e-9)
    np.testing.assert_allclose(X[0:4, 1:3].to_numpy(), x[:4, 1:3])
    np.testing.assert_allclose((-X).sum(axis=0).to_numpy(), -x.sum(axis=0, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(X.norm().to_numpy(), [[np.linalg.norm(x)]], rtol=1e-12)
    np.testing.assert_allclose((X @ v).sigmoid().mean().to_numpy(), [[np.mean(1 / (1 + np.exp(-(x @ v))))]],
                               rtol=1e-12)
    np.testing.assert_allclose(where(Y, 1.0, 0.0).sum().to_numpy(), [[np.count_nonzero(y)]])
    assert X.T.sum(axis=1).compute("colsums_out") == "colsums_out"
    got = conn.execute("SELECT val FROM colsums_out ORDER BY row_num").fetchall()
    np.testing.assert_allclose(np.array([r[0][0] for r in got]), x.sum(axis=0), rtol=1e-12)
    with pytest.raises(IndbMlError, match="inner dimensions"):
        (X @ X).to_numpy()


def test_feature_table_columns_as_a_matrix(postgresql):
    import indb_ml

    rng = np.random.default_rng(3)
    f = rng.normal(size=(200, 3))
    postgresql.execute("CREATE TABLE houses (price float8, area float8, rooms int, name text)")
    with postgresql.cursor().copy("COPY houses FROM STDIN") as copy:
        for i in range(200):
            copy.write_row([f[i, 0], f[i, 1], int(np.trunc(f[i, 2] * 10)), "h"])
    x = np.column_stack([f[:, 1], np.trunc(f[:, 2] * 10)])
    db = indb_ml.connect(postgresql)
    X, y = db.matrix("houses", columns=["area", "rooms"]), db.matrix("houses", columns=["price"])
    np.testing.assert_allclose((X.T @ X).solve(X.T @ y).to_numpy(), np.linalg.lstsq(x, f[:, :1], rcond=None)[0],
                               rtol=1e-9)
    with pytest.raises(IndbMlError, match="column 'name' has type text"):
        db.matrix("houses", columns=["name"]).to_numpy()
    with pytest.raises(IndbMlError, match="has no column 'nope'"):
        db.matrix("houses", columns=["nope"]).to_numpy()
    assert postgresql.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'indb_ml_la_%'").fetchone()[0] == 0
    # An array or pgvector column of a feature table.
    postgresql.execute("ALTER TABLE houses ADD COLUMN feats float8[], ADD COLUMN emb vector(2)")
    postgresql.execute("UPDATE houses SET feats = ARRAY[area, rooms], emb = ARRAY[area, rooms]::vector")
    for col, tol in (("feats", 1e-12), ("emb", 1e-6)):  # vector holds float4
        got = db.matrix("houses", column=col)
        np.testing.assert_allclose((got.T @ got).to_numpy(), x.T @ x, rtol=tol)
    with pytest.raises(IndbMlError, match="column 'name' has type text; it must be a numeric array"):
        db.matrix("houses", column="name").to_numpy()


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from indb_ml.planner.parse import render  # noqa: E402
from tests.test_planner_rules import SHAPES, expressions  # noqa: E402


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), shape=SHAPES, memory_kb=st.sampled_from([None, 0]),
       off=st.sampled_from([None, "chain", "tsmm", "mmchain", "transpose", "simplify"]))
def test_random_expressions_in_the_database_match_numpy(postgresql, data, shape, memory_kb, off):
    """Random trees (as in the rule tests) over random tables, run by la_value: with la_memory_kb = 0
    every intermediate that can live in a table does, so the table operators run too."""
    node, expected, env = data.draw(expressions(shape))
    with postgresql.transaction(force_rollback=True):  # each example starts from no tables
        for name, array in env.items():
            put(postgresql, name, array, "dense", names=("row_num", "col_num", "val"))
        if memory_kb is not None:
            postgresql.execute(f"SET LOCAL indb_ml.la_memory_kb = {memory_kb}")
        got = value(postgresql, render(node), {name: f'"{name}"' for name in env}, [off] if off else None)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)


def test_gram_over_a_key_join_is_factorized(postgresql):
    rng = np.random.default_rng(21)
    facts, dims = rng.normal(size=(500, 2)), rng.normal(size=(20, 3))
    keys = rng.integers(1, 23, size=500)  # keys 21 and 22 have no dimension row: dropped by the join
    postgresql.execute("CREATE TABLE stores (id int, size float8, age float8, staff int)")
    postgresql.execute("CREATE TABLE sales (store int, qty float8, price float8)")
    with postgresql.cursor().copy("COPY stores FROM STDIN") as copy:
        for j in range(20):
            copy.write_row([j + 1, dims[j, 0], dims[j, 1], int(dims[j, 2] * 10)])
    with postgresql.cursor().copy("COPY sales FROM STDIN") as copy:
        for i in range(500):
            copy.write_row([int(keys[i]), facts[i, 0], facts[i, 1]])
    keep = keys <= 20
    x = np.column_stack([facts[keep], dims[keys[keep] - 1, :2], np.trunc(dims[keys[keep] - 1, 2] * 10)])
    b = {"X": {"table": "sales", "columns": ["qty", "price"],
               "join": {"table": "stores", "on": ["store", "id"], "columns": ["size", "age", "staff"]}}}
    np.testing.assert_allclose(value(postgresql, "t(X) %*% X", b), x.T @ x, rtol=1e-10)
    np.testing.assert_allclose(value(postgresql, "colSums(X)", b), x.sum(axis=0, keepdims=True), rtol=1e-10)
    explain = "\n".join(r[0] for r in postgresql.execute("SELECT indb_ml.la_explain(%s, %s)",
                                                          ["t(X) %*% X", json.dumps(b)]))
    assert "factorized over the join" in explain and "KeyJoin" in explain and "factorize" in explain
    # Xᵀy too, with y a fact column of the same join: a regression trained over the join.
    b["y"] = {"table": "sales", "columns": ["qty"], "join": {"table": "stores", "on": ["store", "id"]}}
    b["Z"] = {"table": "sales", "columns": [],
              "join": {"table": "stores", "on": ["store", "id"], "columns": ["size", "age"]}}
    y = facts[keep, :1]
    np.testing.assert_allclose(value(postgresql, "t(X) %*% y", b), x.T @ y, rtol=1e-10)
    np.testing.assert_allclose(value(postgresql, "t(Z) %*% X", b), x[:, 2:4].T @ x, rtol=1e-10)
    np.testing.assert_allclose(value(postgresql, "solve(t(X) %*% X, t(X) %*% y)", b),
                               np.linalg.lstsq(x, y, rcond=None)[0], rtol=1e-8, atol=1e-10)
    plan = "\n".join(r[0] for r in postgresql.execute("SELECT indb_ml.la_explain(%s, %s)",
                                                       ["solve(t(X) %*% X, t(X) %*% y)", json.dumps(b)]))
    assert plan.count("JoinCrossprod") == 2 and "view" not in plan
    postgresql.execute("INSERT INTO stores VALUES (3, 1, 1, 1)")
    with pytest.raises(E.InvalidParameterValue, match="'id' is not a key"), postgresql.transaction():
        value(postgresql, "t(X) %*% X", b)
    postgresql.execute("DELETE FROM stores WHERE id = 3 AND size = 1")
    postgresql.execute("UPDATE sales SET qty = NULL WHERE store = 1")
    with pytest.raises(E.DataException, match="NULLs in qty"), postgresql.transaction():
        value(postgresql, "t(X) %*% X", b)


def test_memory_budget_argument_moves_intermediates_to_tables(data):
    conn, x, _, b = data
    expr = "colSums(2 * X + X)"
    q = "SELECT indb_ml.la_explain(%s, %s, NULL, %s)"
    in_memory = "\n".join(r[0] for r in conn.execute(q, [expr, json.dumps(b), None]))
    in_tables = "\n".join(r[0] for r in conn.execute(q, [expr, json.dumps(b), 0]))
    assert "(3000 x 50, nnz ~150000)  -> memory" in in_memory
    assert "(3000 x 50, nnz ~150000)  -> table" in in_tables
    got = conn.execute("SELECT indb_ml.la_value(%s, %s, NULL, 0)", [expr, json.dumps(b)]).fetchone()[0]
    np.testing.assert_allclose(got, 3 * x.sum(axis=0, keepdims=True), rtol=1e-12)
    with pytest.raises(E.InvalidParameterValue, match="memory_mb is -1"):
        conn.execute("SELECT indb_ml.la_value(%s, %s, NULL, -1)", [expr, json.dumps(b)])
