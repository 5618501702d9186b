"""indb_ml.knn with a user-defined fn_dist (MADlib's "DOUBLE PRECISION[] x, DOUBLE PRECISION[] y ->
DOUBLE PRECISION"): exact neighbours against numpy and scikit-learn brute force, votes, weights and
ties as the built-in path, names resolved through the catalog (qualified, unqualified, quoted mixed
case), hostile or wrong names and signatures refused with 42883, no EXECUTE refused with 42501,
errors raised by the function passing through with their SQLSTATE, NULL distances ranked last.

The user's function gets the points as float8[] (no float4 rounding), so the tolerances are float8's.
"""

from __future__ import annotations

import uuid

import numpy as np
import psycopg.errors as E
import pytest
from psycopg import sql
from sklearn.neighbors import NearestNeighbors

from tests.helpers import load_table
from tests.test_knn import f32, neighbours, vote, weights_of

W = np.array([1.0, 2.0, 3.0, 0.5, 1.0, 4.0])  # the weighted L1's weights

WL1 = """CREATE FUNCTION {name}(a float8[], b float8[]) RETURNS float8 LANGUAGE sql IMMUTABLE AS
$$ SELECT sum(abs(x - y) * w) FROM unnest(a, b, '{{1, 2, 3, 0.5, 1, 4}}'::float8[]) AS u(x, y, w) $$"""

CHEBYSHEV = """CREATE FUNCTION {name}(a float8[], b float8[]) RETURNS float8 LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE m float8 := 0;
BEGIN
  IF cardinality(a) <> cardinality(b) THEN
    RAISE EXCEPTION 'lengths differ' USING ERRCODE = '22000';
  END IF;
  FOR i IN 1 .. cardinality(a) LOOP
    m := greatest(m, abs(a[i] - b[i]));
  END LOOP;
  RETURN m;
END $$"""


@pytest.fixture
def data(postgresql):
    rng = np.random.default_rng(23)
    X = rng.normal(size=(300, 6)) * rng.uniform(0.5, 3, size=6)
    T = rng.normal(size=(30, 6)) * 2
    ids = rng.permutation(1000)[:300] + 5
    cls = rng.integers(0, 3, size=300)
    val = rng.normal(size=300) * 10
    load_table(postgresql, "pts", {"id": ids, "x": list(X), "cls": cls, "val": val},
               {"id": "integer", "x": "float8[]", "cls": "integer"})
    load_table(postgresql, "tst", {"tid": np.arange(30) + 100, "x": list(T)}, {"tid": "bigint", "x": "float8[]"})
    postgresql.execute(WL1.format(name="wl1"))
    postgresql.execute(CHEBYSHEV.format(name="cheb"))
    postgresql.commit()
    return X, T, ids, cls, val


def fetch(conn, table: str):
    return conn.execute(sql.SQL("SELECT * FROM {} ORDER BY id").format(sql.Identifier(table))).fetchall()


def knn(conn, out, fn, label="cls", k=5, neighbours_out=True, weighted=False, algorithm=None, params=None):
    conn.execute("SELECT indb_ml.knn('pts', 'x', 'id', %s, 'tst', 'x', 'tid', %s, %s, %s, %s, %s, %s, %s)",
                 [label, out, k, neighbours_out, fn, weighted, algorithm, params])


def wl1(T, X):
    return (np.abs(T[:, None, :] - X[None, :, :]) * W).sum(-1)


def cheb(T, X):
    return np.abs(T[:, None, :] - X[None, :, :]).max(-1)


def check(rows, D, ids, cls, val, k, label, weighted):
    nb = neighbours(D, ids, k)
    assert len(rows) == D.shape[0]
    for i, row in enumerate(rows):
        d = D[i, nb[i]]
        assert row[3] == ids[nb[i]].tolist()
        assert row[4] == pytest.approx(d.tolist(), rel=1e-12, abs=1e-12)
        w = weights_of(d) if weighted else None
        if label == "cls":
            assert row[2] == vote(cls[nb[i]], w)
        else:
            want = (val[nb[i]] * w).sum() / w.sum() if weighted else val[nb[i]].mean()
            assert row[2] == pytest.approx(want, rel=1e-9)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("label", ["cls", "val"])
def test_sql_function_matches_numpy_and_sklearn(postgresql, data, label, weighted):
    X, T, ids, cls, val = data
    knn(postgresql, "o", "wl1", label=label, k=7, weighted=weighted)
    rows = fetch(postgresql, "o")
    check(rows, wl1(T, X), ids, cls, val, 7, label, weighted)
    # scikit-learn's brute-force manhattan search on the weight-scaled points is the same weighted L1
    sk = NearestNeighbors(n_neighbors=7, algorithm="brute", metric="manhattan").fit(X * W)
    dist, pos = sk.kneighbors(T * W)
    for i, row in enumerate(rows):
        assert set(row[3]) == set(ids[pos[i]].tolist())
        assert sorted(row[4]) == pytest.approx(sorted(dist[i]), rel=1e-12)


def test_plpgsql_function_and_names(postgresql, data):
    """Unqualified, schema-qualified, and a quoted mixed-case name in a quoted schema."""
    X, T, ids, cls, val = data
    postgresql.execute('CREATE SCHEMA "My Sch"')
    postgresql.execute(CHEBYSHEV.format(name='"My Sch"."Cheb"'))
    D = cheb(T, X)
    for out, fn in (("a", "cheb"), ("b", "public.cheb"), ("c", ' "My Sch"."Cheb" '), ("d", "PUBLIC.CHEB")):
        knn(postgresql, out, fn, label="val", k=4, weighted=True)
        check(fetch(postgresql, out), D, ids, cls, val, 4, "val", True)
    with pytest.raises(E.UndefinedFunction):  # unquoted folds to lower case: "my sch" does not exist
        knn(postgresql, "e", "My Sch.Cheb")
    postgresql.rollback()


def test_output_neighbors_false_and_no_label(postgresql, data):
    X, T, ids, cls, val = data
    knn(postgresql, "o", "wl1", label="cls", k=3, neighbours_out=False)
    cols = [r[0] for r in postgresql.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = 'o'::regclass AND attnum > 0 ORDER BY attnum")]
    assert cols == ["id", "x", "prediction"]
    nb = neighbours(wl1(T, X), ids, 3)
    assert [r[2] for r in fetch(postgresql, "o")] == [vote(cls[n]) for n in nb]
    knn(postgresql, "n", "wl1", label=None, k=3)
    assert [r[2] for r in fetch(postgresql, "n")] == [ids[n].tolist() for n in nb]


def test_ties_and_zero_distance(postgresql):
    """A distance with many ties (rounded L1): ranked by (distance, point_id) also at the k-th place;
    a zero distance weighs 1e107 as in the built-in path."""
    postgresql.execute("CREATE FUNCTION rl1(a float8[], b float8[]) RETURNS float8 LANGUAGE sql IMMUTABLE AS "
                       "$$ SELECT round(sum(abs(x - y))) FROM unnest(a, b) AS u(x, y) $$")
    rng = np.random.default_rng(5)
    X = rng.integers(0, 4, size=(60, 3)).astype(float)
    T = np.vstack([rng.integers(0, 4, size=(10, 3)).astype(float), X[7]])
    ids = rng.permutation(200)[:60]
    val = rng.normal(size=60)
    load_table(postgresql, "p", {"id": ids, "x": list(X), "v": val}, {"id": "integer", "x": "float8[]"})
    load_table(postgresql, "t", {"id": np.arange(11), "x": list(T)}, {"id": "integer", "x": "float8[]"})
    postgresql.execute("SELECT indb_ml.knn('p', 'x', 'id', 'v', 't', 'x', 'id', 'o', 6, true, 'rl1', true)")
    D = np.abs(T[:, None, :] - X[None, :, :]).sum(-1)
    nb = neighbours(D, ids, 6)
    rows = fetch(postgresql, "o")
    assert (np.diff(np.sort(D, 1)[:, :8], axis=1) == 0).any()  # the data has ties near the k-th place
    for i, row in enumerate(rows):
        assert row[3] == ids[nb[i]].tolist()
        w = weights_of(D[i, nb[i]])
        assert row[2] == pytest.approx((val[nb[i]] * w).sum() / w.sum(), rel=1e-9)
    zero = nb[-1][D[-1, nb[-1]] == 0]  # X[7] and its duplicates: only they count
    assert ids[7] in ids[zero] and rows[-1][2] == pytest.approx(val[zero].mean(), rel=1e-9)


HOSTILE = ["dist_norm1); DROP TABLE victim; --", "wl1(float8[], float8[]); DROP TABLE victim; --",
           "x" * 5000, "a" * 64, "public.wl1.extra", '"unterminated', "", "   ", "wl1()", "pg_catalog.",
           "nonexistent_fn", "public.nonexistent_fn", '"x(float8[], float8[]); DROP TABLE victim; --"',
           '"wl1"(float8[], float8[])', "wl1 ; DROP TABLE victim"]


@pytest.mark.parametrize("fn", HOSTILE)
def test_hostile_and_unknown_names_refused(postgresql, data, fn):
    postgresql.execute("CREATE TABLE victim (a int)")
    postgresql.commit()
    if not fn.strip():  # empty: the default (squared_dist_norm2), not an error
        knn(postgresql, "o", fn)
        postgresql.rollback()
        return
    with pytest.raises(E.UndefinedFunction) as err:
        knn(postgresql, "o", fn)
    assert "fn_dist" in err.value.diag.message_primary
    postgresql.rollback()
    assert postgresql.execute("SELECT to_regclass('victim') IS NOT NULL, to_regclass('o')").fetchone() == (True, None)


@pytest.mark.parametrize("definition", [
    "CREATE FUNCTION bad(a float4[], b float4[]) RETURNS float8 LANGUAGE sql AS $$ SELECT 1::float8 $$",
    "CREATE FUNCTION bad(a float8[], b float8[]) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$",
    "CREATE FUNCTION bad(a float8[], b float8[]) RETURNS SETOF float8 LANGUAGE sql AS $$ SELECT 1::float8 $$",
    "CREATE FUNCTION bad(a float8[]) RETURNS float8 LANGUAGE sql AS $$ SELECT 1::float8 $$",
    "CREATE PROCEDURE bad(a float8[], b float8[]) LANGUAGE sql AS $$ SELECT 1 $$",
])
def test_wrong_signature_refused(postgresql, data, definition):
    postgresql.execute(definition)
    with pytest.raises(E.UndefinedFunction) as err:
        knn(postgresql, "o", "bad")
    assert "bad" in err.value.diag.message_primary
    postgresql.rollback()


def test_without_execute_privilege(postgresql, data):
    role = "knn_" + uuid.uuid4().hex[:8]
    postgresql.execute(sql.SQL("CREATE ROLE {}").format(sql.Identifier(role)))
    try:
        postgresql.execute(sql.SQL("GRANT USAGE, CREATE ON SCHEMA public TO {0}; GRANT SELECT ON pts, tst TO {0}")
                           .format(sql.Identifier(role)))
        postgresql.execute("REVOKE EXECUTE ON FUNCTION wl1(float8[], float8[]) FROM PUBLIC")
        postgresql.commit()
        postgresql.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
        with pytest.raises(E.InsufficientPrivilege) as err:
            knn(postgresql, "o", "wl1")
        assert "public.wl1" in err.value.diag.message_primary
        postgresql.rollback()
        postgresql.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
        knn(postgresql, "o", "cheb", k=2)  # EXECUTE through PUBLIC: works for the role
        assert len(fetch(postgresql, "o")) == 30
    finally:
        postgresql.rollback()
        postgresql.execute(sql.SQL("DROP OWNED BY {0}; DROP ROLE {0}").format(sql.Identifier(role)))
        postgresql.commit()


def test_function_errors_propagate(postgresql, data):
    """An error inside the user's function keeps its SQLSTATE; nothing is left behind."""
    postgresql.execute("CREATE FUNCTION boom(a float8[], b float8[]) RETURNS float8 LANGUAGE plpgsql AS $$ "
                       "BEGIN IF abs(a[1]) > 1 THEN RAISE EXCEPTION 'too far' USING ERRCODE = '22003'; END IF; "
                       "RETURN 1; END $$")
    postgresql.commit()
    with pytest.raises(E.NumericValueOutOfRange, match="too far"):
        knn(postgresql, "o", "boom")
    postgresql.rollback()
    assert postgresql.execute("SELECT to_regclass('o')").fetchone() == (None,)


def test_null_distances_rank_last(postgresql, data):
    """NULL from the function ranks after every distance (PostgreSQL's NULLS LAST, as MADlib's ORDER BY);
    such a neighbour has a NULL distance and no weight."""
    X, T, ids, cls, val = data
    postgresql.execute("CREATE FUNCTION half(a float8[], b float8[]) RETURNS float8 LANGUAGE sql AS "
                       "$$ SELECT CASE WHEN a[1] > 0 THEN NULL ELSE abs(a[1] - b[1]) END $$")
    knn(postgresql, "o", "half", label="val", k=3, weighted=True)
    D = np.abs(T[:, None, 0] - X[None, :, 0])
    D[:, X[:, 0] > 0] = np.inf  # the point is `a`: NULL when its first coordinate is > 0
    nb = neighbours(D, ids, 3)
    for i, row in enumerate(fetch(postgresql, "o")):
        assert row[3] == ids[nb[i]].tolist()
    # every distance NULL: the neighbours are the smallest ids, the distances NULL, the weighted vote
    # (all sums NULL, so equal) the largest of their labels, MADlib's rule among equal sums
    postgresql.execute("CREATE FUNCTION nul(a float8[], b float8[]) RETURNS float8 LANGUAGE sql AS "
                       "$$ SELECT NULL::float8 $$")
    knn(postgresql, "n", "nul", label="cls", k=2, weighted=True)
    row = fetch(postgresql, "n")[0]
    first = np.argsort(ids)[:2]
    assert row[3] == ids[first].tolist() and row[4] == [None, None] and row[2] == cls[first].max()


def test_algorithms(postgresql, data):
    """brute_force is the same exact search; kd_tree (MADlib's approximate search) uses the function
    inside the test point's region; an index cannot serve it."""
    X, T, ids, cls, val = data
    D = wl1(T, X)
    knn(postgresql, "b", "wl1", algorithm="brute_force")
    check(fetch(postgresql, "b"), D, ids, cls, val, 5, "cls", False)
    knn(postgresql, "kd", "wl1", algorithm="kd_tree", params="depth=1, leaf_nodes=1")
    pos = {int(v): j for j, v in enumerate(ids)}
    cut = np.sort(X[:, 0])[(len(X) - 1) // 2]  # MADlib's split: percentile_disc(0.5) of the first coordinate
    for i, row in enumerate(fetch(postgresql, "kd")):  # the nearest 5 of the region, float4 points
        region = np.flatnonzero((X[:, 0] >= cut) == (T[i, 0] >= cut))
        sub = neighbours(D[i:i + 1, region], ids[region], 5)[0]
        assert row[3] == ids[region[sub]].tolist()
        assert row[4] == pytest.approx([D[i, pos[p]] for p in row[3]], rel=1e-5)
    for algorithm in ("hnsw", "ivfflat"):
        with pytest.raises(E.InvalidParameterValue, match="no pgvector operator"):
            knn(postgresql, "h", "wl1", algorithm=algorithm)
        postgresql.rollback()


def test_vector_columns(postgresql, data):
    """pgvector columns reach the function as their float4 values, as float8[]."""
    X, T, ids, cls, val = data
    postgresql.execute("CREATE TABLE pv AS SELECT id, x::vector(6) AS v, val FROM pts")
    postgresql.execute("CREATE TABLE tv AS SELECT tid, x::vector AS v FROM tst")
    postgresql.execute("SELECT indb_ml.knn('pv', 'v', 'id', 'val', 'tv', 'v', 'tid', 'o', 4, true, 'wl1')")
    D = wl1(f32(T), f32(X))
    nb = neighbours(D, ids, 4)
    for i, row in enumerate(fetch(postgresql, "o")):
        assert row[3] == ids[nb[i]].tolist()
        assert row[4] == pytest.approx(D[i, nb[i]].tolist(), rel=1e-12)
        assert row[2] == pytest.approx(val[nb[i]].mean(), rel=1e-9)
