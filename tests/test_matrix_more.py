"""Extraction, reductions, norms, creation and decompositions on dense, sparse and tiled tables vs numpy/scipy."""

from __future__ import annotations

import numpy as np
import psycopg.errors as E
import pytest
import scipy.linalg

from indb_ml.matrix.create import random_values
from indb_ml.matrix.decompose import ldl_pivoted, lu_full_pivot
from tests.test_matrix import FORMATS, get, put

RTOL = 1e-10
SHAPES = [(1, 4), (4, 1), (3, 3), (5, 7)]
OUT = "row=row_id, col=col_id, val=val"

# MADlib's documented example matrices (matrix_ops.sql_in).
MAT_A = [[9, 6, 5, 8, 5, 6, 6, 3, 10, 8], [8, 2, 2, 6, 6, 10, 2, 1, 9, 9], [3, 9, 9, 9, 8, 6, 3, 9, 5, 6],
         [6, 4, 2, 2, 2, 7, 8, 8, 0, 7], [6, 8, 9, 9, 4, 6, 9, 5, 7, 7], [4, 10, 7, 3, 9, 5, 9, 2, 3, 4],
         [8, 10, 7, 10, 1, 9, 7, 9, 8, 7], [7, 4, 5, 6, 2, 8, 1, 1, 4, 8], [8, 8, 8, 5, 2, 6, 9, 1, 8, 3],
         [4, 6, 3, 2, 6, 4, 1, 2, 3, 8]]
MAT_B = [[9, 10, 2, 4, 6, 5, 3, 7, 5, 6], [5, 3, 5, 2, 8, 6, 9, 7, 7, 6], [0, 1, 2, 3, 2, 7, 7, 3, 10, 1],
         [2, 9, 0, 4, 3, 6, 8, 6, 3, 4], [3, 8, 7, 7, 0, 5, 3, 9, 2, 10], [5, 3, 1, 7, 6, 3, 5, 3, 6, 4],
         [4, 8, 4, 4, 2, 7, 10, 0, 3, 3], [4, 6, 0, 1, 3, 1, 6, 6, 9, 8], [6, 5, 1, 7, 2, 7, 10, 6, 0, 6],
         [1, 4, 4, 4, 8, 5, 2, 8, 5, 5]]
MAT_A_SPARSE = [(1, 1, 9), (1, 2, 6), (1, 7, 3), (1, 8, 10), (1, 9, 8), (2, 1, 8), (2, 2, 2), (2, 3, 6), (3, 5, 6),
                (3, 6, 3), (7, 1, 7), (8, 2, 8), (8, 3, 5), (9, 1, 6), (9, 2, 3), (10, 10, 0)]


def one(conn, query: str, params=()):
    return conn.execute(query, params).fetchone()[0]


def sample(shape, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(size=shape) * (rng.random(shape) < 0.7)  # some zeros: sparse tables skip them


def table(conn, name: str) -> dict:
    cur = conn.execute(f"SELECT * FROM {name}")
    return dict(zip([d.name for d in cur.description], cur.fetchone()))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("shape", SHAPES)
def test_extraction_and_reductions(postgresql, fmt, shape):
    a = sample(shape, 1)
    args = put(postgresql, "m", a, fmt)
    for i in range(shape[0]):
        np.testing.assert_array_equal(one(postgresql, "SELECT indb_ml.matrix_extract_row('m', %s, %s)",
                                          [args, i + 1]), a[i])
    for j in range(shape[1]):
        np.testing.assert_array_equal(one(postgresql, "SELECT indb_ml.matrix_extract_col('m', %s, %s)",
                                          [args, j + 1]), a[:, j])
    np.testing.assert_array_equal(one(postgresql, "SELECT indb_ml.matrix_extract_diag('m', %s)", [args]),
                                  np.diag(a))
    np.testing.assert_allclose(one(postgresql, "SELECT indb_ml.matrix_sum('m', %s)", [args]), a.sum(0), rtol=RTOL)
    np.testing.assert_allclose(one(postgresql, "SELECT indb_ml.matrix_mean('m', %s)", [args]), a.mean(0), rtol=RTOL)
    for dim in (1, 2):
        axis = dim - 1
        np.testing.assert_allclose(one(postgresql, "SELECT indb_ml.matrix_sum('m', %s, %s)", [args, dim]),
                                   a.sum(axis), rtol=RTOL, atol=1e-14)
        np.testing.assert_allclose(one(postgresql, "SELECT indb_ml.matrix_mean('m', %s, %s)", [args, dim]),
                                   a.mean(axis), rtol=RTOL, atol=1e-14)
        for op, pick, first in (("max", np.max, np.argmax), ("min", np.min, np.argmin)):
            out = f"{op}_{dim}"
            res = one(postgresql, f"SELECT indb_ml.matrix_{op}('m', %s, %s, %s, true)", [args, dim, out])
            assert res == f"({out})"
            got = table(postgresql, out)
            assert list(got) == ["index", op]
            np.testing.assert_array_equal(got[op], pick(a, axis=axis))
            np.testing.assert_array_equal(got["index"], first(a, axis=axis) + 1)
            postgresql.execute(f"SELECT indb_ml.matrix_{op}('m', %s, %s, %s)", [args, dim, out + "_v"])
            assert list(table(postgresql, out + "_v")) == [op]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("shape", SHAPES)
def test_norms_rank_nuclear(postgresql, fmt, shape):
    a = sample(shape, 2)
    args = put(postgresql, "m", a, fmt)
    expected = {
        "one": np.linalg.norm(a, 1), "o": np.linalg.norm(a, 1), "inf": np.linalg.norm(a, np.inf),
        "i": np.linalg.norm(a, np.inf), "max": np.abs(a).max(), "m": np.abs(a).max(), "fro": np.linalg.norm(a),
        "f": np.linalg.norm(a), "spectral": np.linalg.norm(a, 2), "2": np.linalg.norm(a), "3": np.sum(np.abs(a) ** 3)
        ** (1 / 3), "0.5": np.sum(np.abs(a) ** 0.5) ** 2, "1": np.abs(a).sum(), " FRO ": np.linalg.norm(a),
    }
    for norm_type, value in expected.items():
        got = one(postgresql, "SELECT indb_ml.matrix_norm('m', %s, %s)", [args, norm_type])
        np.testing.assert_allclose(got, value, rtol=RTOL, err_msg=norm_type)
    np.testing.assert_allclose(one(postgresql, "SELECT indb_ml.matrix_norm('m', %s)", [args]), np.linalg.norm(a),
                               rtol=RTOL)
    assert one(postgresql, "SELECT indb_ml.matrix_rank('m', %s)", [args]) == np.linalg.matrix_rank(a)
    np.testing.assert_allclose(one(postgresql, "SELECT indb_ml.matrix_nuclear_norm('m', %s)", [args]),
                               np.linalg.norm(a, "nuc"), rtol=RTOL)


def test_rank_of_a_rank_deficient_matrix(postgresql):
    a = np.outer([1.0, 2.0, 3.0], [1.0, -1.0, 0.5, 2.0]) + np.outer([0.0, 1.0, 1.0], [2.0, 0.0, 1.0, 1.0])
    args = put(postgresql, "m", a, "dense")
    assert one(postgresql, "SELECT indb_ml.matrix_rank('m', %s)", [args]) == 2


def madlib_tables(conn) -> None:
    conn.execute('CREATE TABLE "mat_A" (row_id integer, row_vec integer[])')
    conn.execute('CREATE TABLE "mat_B" (row_id integer, vector integer[])')
    for i, (ra, rb) in enumerate(zip(MAT_A, MAT_B), start=1):
        conn.execute('INSERT INTO "mat_A" VALUES (%s, %s)', [i, ra])
        conn.execute('INSERT INTO "mat_B" VALUES (%s, %s)', [i, rb])
    conn.execute('CREATE TABLE "mat_A_sparse" ("rowNum" integer, col_num integer, entry integer)')
    for e in MAT_A_SPARSE:
        conn.execute('INSERT INTO "mat_A_sparse" VALUES (%s, %s, %s)', list(e))


def test_madlib_documented_examples(postgresql):
    """The outputs printed in MADlib's matrix_ops documentation, call for call."""
    madlib_tables(postgresql)
    a_args, s_args = "row=row_id, val=row_vec", 'row="rowNum", val=entry'
    assert one(postgresql, """SELECT indb_ml.matrix_extract_diag('"mat_B"', 'row=row_id, val=vector')""") == \
        [9, 3, 2, 4, 0, 3, 10, 6, 0, 5]
    row, col = postgresql.execute("""SELECT indb_ml.matrix_extract_row('"mat_A"', %s, 2),
                                     indb_ml.matrix_extract_col('"mat_A"', %s, 3)""", [a_args, a_args]).fetchone()
    assert row == [8, 2, 2, 6, 6, 10, 2, 1, 9, 9] and col == [5, 2, 9, 2, 9, 7, 7, 5, 8, 3]
    postgresql.execute("""SELECT indb_ml.matrix_max('"mat_A"', %s, 2, 'mat_max_r', true),
                                 indb_ml.matrix_min('"mat_A"', %s, 2, 'mat_min_r', true)""", [a_args, a_args])
    assert postgresql.execute("SELECT * FROM mat_max_r").fetchall() == [
        ([9, 6, 2, 7, 3, 2, 2, 6, 7, 10], [10, 10, 9, 8, 9, 10, 10, 8, 9, 8])]
    assert postgresql.execute("SELECT * FROM mat_min_r").fetchall() == [
        ([8, 8, 1, 9, 5, 8, 5, 7, 8, 7], [3, 1, 3, 0, 4, 2, 1, 1, 1, 1])]
    assert one(postgresql, """SELECT indb_ml.matrix_sum('"mat_A"', %s, 2)""", [a_args]) == \
        [66, 55, 67, 46, 70, 56, 76, 46, 58, 39]
    np.testing.assert_allclose(one(postgresql, """SELECT indb_ml.matrix_mean('"mat_A"', %s, 2)""", [a_args]),
                               [6.6, 5.5, 6.7, 4.6, 7, 5.6, 7.6, 4.6, 5.8, 3.9], rtol=1e-14)
    # MADlib's '2' is the element-wise 2-norm (= Frobenius), not the spectral norm (59.597...).
    assert round(one(postgresql, """SELECT indb_ml.matrix_norm('"mat_A"', %s, '2')""", [a_args]), 10) == \
        64.1014820421
    assert round(one(postgresql, """SELECT indb_ml.matrix_nuclear_norm('"mat_A"', %s)""", [a_args]), 9) == \
        118.852685995
    assert one(postgresql, """SELECT indb_ml.matrix_rank('"mat_A"', %s)""", [a_args]) == 10
    assert round(one(postgresql, """SELECT indb_ml.matrix_norm('"mat_A_sparse"', %s, '2')""", [s_args]), 10) == \
        24.9399278267
    assert one(postgresql, """SELECT indb_ml.matrix_extract_diag('"mat_A_sparse"', %s)""", [s_args]) == \
        [9, 2, 0, 0, 0, 0, 0, 0, 0, 0]
    # Creation examples.
    postgresql.execute("SELECT indb_ml.matrix_zeros(5, 4, 'mat_z', 'row=row_id, col=col_id, val=entry')")
    assert postgresql.execute("SELECT row_id, col_id, entry FROM mat_z").fetchall() == [(5, 4, 0)]
    postgresql.execute("SELECT indb_ml.matrix_zeros(5, 4, 'mat_zd', 'fmt=dense')")
    assert postgresql.execute('SELECT "row", val FROM mat_zd ORDER BY 1').fetchall() == [(i, [0] * 4)
                                                                                          for i in range(1, 6)]
    postgresql.execute("SELECT indb_ml.matrix_ones(5, 4, 'mat_o', 'row=row,col=col, val=val')")
    assert postgresql.execute('SELECT "row", col, val FROM mat_o ORDER BY 1, 2').fetchall() == [
        (i, j, 1) for i in range(1, 6) for j in range(1, 5)]
    postgresql.execute("SELECT indb_ml.matrix_ones(5, 4, 'mat_od', 'fmt=dense')")
    assert postgresql.execute('SELECT "row", val FROM mat_od ORDER BY 1').fetchall() == [(i, [1] * 4)
                                                                                          for i in range(1, 6)]
    postgresql.execute("SELECT indb_ml.matrix_diag(array[9,6,3,10], 'mat_d', 'row=row_id, col=col_id, val=val')")
    assert postgresql.execute("SELECT * FROM mat_d ORDER BY 1").fetchall() == [(1, 1, 9), (2, 2, 6), (3, 3, 3),
                                                                               (4, 4, 10)]
    postgresql.execute("SELECT indb_ml.matrix_identity(4, 'mat_i', 'row=row_id,col=col_id,val=val')")
    assert postgresql.execute("SELECT * FROM mat_i ORDER BY 1").fetchall() == [(i, i, 1) for i in range(1, 5)]


@pytest.mark.parametrize("out_fmt", ["", "fmt=sparse", "fmt=dense", "fmt=tiles, block=2"])
@pytest.mark.parametrize("shape", SHAPES)
def test_creation(postgresql, out_fmt, shape):
    m, n = shape
    names = "row=r, col=c, val=v"
    out_args = ", ".join(x for x in (names, out_fmt) if x)
    cases = {
        "z": ("SELECT indb_ml.matrix_zeros(%s, %s, 'z', %s)", [m, n, out_args], np.zeros(shape)),
        "o": ("SELECT indb_ml.matrix_ones(%s, %s, 'o', %s)", [m, n, out_args], np.ones(shape)),
        "i": ("SELECT indb_ml.matrix_identity(%s, 'i', %s)", [m, out_args], np.eye(m)),
        "d": ("SELECT indb_ml.matrix_diag(%s, 'd', %s)", [list(range(n - 1, -1, -1)), out_args],
              np.diag(np.arange(n - 1.0, -1, -1))),
    }
    for name, (call, params, expected) in cases.items():
        assert one(postgresql, call, params) == f"({name})"
        np.testing.assert_array_equal(get(postgresql, name, names), expected, err_msg=name)
    if not out_fmt:  # MADlib: sparse by default; zeros hold only the entry that keeps the shape
        assert postgresql.execute("SELECT r, c, v FROM z").fetchall() == [(m, n, 0)]
        assert postgresql.execute("SELECT count(*) FROM i").fetchone()[0] == m
    postgresql.execute("SELECT indb_ml.matrix_zeros(%s, %s, 'plain')", [m, n])  # out_args defaults: row, col, val
    assert postgresql.execute('SELECT "row", col, val FROM plain').fetchall() == [(m, n, 0)]


def test_random_is_seeded_and_follows_its_distribution(postgresql):
    postgresql.execute("SELECT indb_ml.matrix_random(40, 30, 'seed=11, mu=2, sigma=0.5', 'normal', 'r1')")
    postgresql.execute("SELECT indb_ml.matrix_random(40, 30, 'seed=11, mu=2, sigma=0.5', 'norm', 'r2')")
    postgresql.execute("SELECT indb_ml.matrix_random(40, 30, 'seed=12, mu=2, sigma=0.5', 'normal', 'r3')")
    r1, r2, r3 = (get(postgresql, t, "row=row, val=val") for t in ("r1", "r2", "r3"))
    assert r1.shape == (40, 30)
    np.testing.assert_array_equal(r1, r2)  # same seed: same matrix
    np.testing.assert_array_equal(r1, random_values((40, 30), "normal", "seed=11, mu=2, sigma=0.5"))
    assert not np.array_equal(r1, r3)
    assert abs(r1.mean() - 2) < 0.1 and abs(r1.std() - 0.5) < 0.05
    postgresql.execute("SELECT indb_ml.matrix_random(20, 10, 'seed=1, min=-3, max=-2', 'uniform', 'u', 'fmt=tiles')")
    u = get(postgresql, "u", "")
    assert u.shape == (20, 10) and (u >= -3).all() and (u < -2).all()
    postgresql.execute("SELECT indb_ml.matrix_random(20, 10, 'seed=1, prob=0.3, pos_val=5, neg_val=-1', "
                       "'bernoulli', 'b', 'row=i, col=j, val=x, fmt=sparse')")
    b = get(postgresql, "b", "row=i, col=j, val=x")
    assert set(np.unique(b)) == {5.0, -1.0} and 0.15 < (b == 5).mean() < 0.45
    postgresql.execute("SELECT indb_ml.matrix_random(3, 2, 'normal', 'r4')")  # MADlib's shorter overloads
    postgresql.execute("SELECT indb_ml.matrix_random(2, 3, 'r5')")
    assert get(postgresql, "r4", "row=row, val=val").shape == (3, 2)
    r5 = get(postgresql, "r5", "row=row, val=val")
    assert r5.shape == (2, 3) and ((r5 >= 0) & (r5 < 1)).all()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("n", [1, 4])
def test_inverse_eigen_cholesky(postgresql, fmt, n):
    rng = np.random.default_rng(3)
    a = rng.normal(size=(n, n)) + 3 * np.eye(n)
    spd = a @ a.T + np.eye(n)
    args, spd_args = put(postgresql, "a", a, fmt), put(postgresql, "s", spd, fmt)
    postgresql.execute("SELECT indb_ml.matrix_inverse('a', %s, 'inv', %s)", [args, OUT])
    np.testing.assert_allclose(get(postgresql, "inv", OUT + ", fmt=dense"), scipy.linalg.inv(a), rtol=RTOL)
    postgresql.execute("SELECT indb_ml.matrix_inverse('a', %s, 'inv_s', %s)", [args, OUT + ", fmt=sparse"])
    np.testing.assert_allclose(get(postgresql, "inv_s", OUT), scipy.linalg.inv(a), rtol=RTOL)

    postgresql.execute("SELECT indb_ml.matrix_eigen('a', %s, 'eig', 'row=row_id')", [args])
    rows = postgresql.execute("SELECT row_id, (eigen_values).real, (eigen_values).imag FROM eig ORDER BY 1").fetchall()
    assert [r[0] for r in rows] == list(range(1, n + 1))
    expected = np.linalg.eigvals(a)
    expected = expected[np.lexsort((-expected.imag, -expected.real))]
    np.testing.assert_allclose([complex(r[1], r[2]) for r in rows], expected, rtol=1e-9, atol=1e-12)

    msg = one(postgresql, "SELECT indb_ml.matrix_cholesky('s', %s, 'ch', %s)", [spd_args, OUT])
    assert "ch_p" in msg and "ch_l" in msg and "ch_d" in msg
    p, low, d = (get(postgresql, "ch_" + s, OUT + ", fmt=dense") for s in "pld")
    np.testing.assert_allclose(p @ spd @ p.T, low @ d @ low.T, rtol=RTOL, atol=1e-12)
    np.testing.assert_array_equal(np.diag(low), 1)
    assert np.allclose(np.tril(low), low) and np.allclose(np.diag(np.diag(d)), d) and (np.diag(d) > 0).all()
    for got, want in zip((p, low, d), ldl_pivoted(spd)):
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=1e-14)
    # Eigen's LDLT pivots on the largest diagonal entry first.
    assert np.diag(p @ spd @ p.T)[0] == np.diag(spd).max()


def test_cholesky_reads_the_lower_triangle(postgresql):
    spd = np.array([[4.0, 2.0, 0.5], [2.0, 5.0, 1.0], [0.5, 1.0, 3.0]])
    put(postgresql, "s", spd + np.triu(np.full((3, 3), 7.0), 1), "dense")  # garbage above the diagonal
    postgresql.execute("SELECT indb_ml.matrix_cholesky('s', 'row=row_id, val=val', 'ch')")
    p, low, d = (get(postgresql, "ch_" + s, "row=row_id, val=val") for s in "pld")
    np.testing.assert_allclose(p @ spd @ p.T, low @ d @ low.T, rtol=RTOL)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("shape", SHAPES)
def test_pinv_qr_lu(postgresql, fmt, shape):
    a = np.random.default_rng(4).normal(size=shape)
    args = put(postgresql, "a", a, fmt)
    postgresql.execute("SELECT indb_ml.matrix_pinv('a', %s, 'pi', %s)", [args, OUT])
    np.testing.assert_allclose(get(postgresql, "pi", OUT + ", fmt=dense"), np.linalg.pinv(a), rtol=RTOL, atol=1e-14)

    postgresql.execute("SELECT indb_ml.matrix_qr('a', %s, 'qr', %s)", [args, OUT])
    q, r = get(postgresql, "qr_q", OUT + ", fmt=dense"), get(postgresql, "qr_r", OUT + ", fmt=dense")
    assert q.shape == (shape[0], shape[0]) and r.shape == shape
    np.testing.assert_allclose(q @ r, a, rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(q.T @ q, np.eye(shape[0]), atol=1e-12)
    np.testing.assert_allclose(r, np.triu(r), atol=0)
    want_q, want_r = scipy.linalg.qr(a)
    np.testing.assert_allclose(q, want_q, rtol=RTOL, atol=1e-14)
    np.testing.assert_allclose(r, want_r, rtol=RTOL, atol=1e-14)

    postgresql.execute("SELECT indb_ml.matrix_lu('a', %s, 'lu', %s)", [args, OUT + ", fmt=tiles, block=2"])
    p, low, u, qq = (get(postgresql, "lu_" + s, "") for s in "pluq")
    m, n = shape
    assert (p.shape, low.shape, u.shape, qq.shape) == ((m, m), (m, m), (m, n), (n, n))
    np.testing.assert_allclose(p @ a @ qq, low @ u, rtol=RTOL, atol=1e-12)
    np.testing.assert_array_equal(np.diag(low), 1)
    assert np.allclose(np.tril(low), low) and np.allclose(np.triu(u), u) and (np.abs(low) <= 1 + 1e-12).all()
    assert abs(u[0, 0]) == np.abs(a).max()  # full pivoting: the largest entry comes first
    for got, want in zip((p, low, u, qq), lu_full_pivot(a)):
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=1e-14)


def test_decomposition_outputs_keep_the_input_names(postgresql):
    madlib_tables(postgresql)
    a = np.array(MAT_A, dtype=float)
    res = one(postgresql, """SELECT indb_ml.matrix_lu('"mat_A"', 'row=row_id, val=row_vec', 'matrix_out_prefix')""")
    assert "matrix_out_prefix_p" in res and "matrix_out_prefix_q" in res
    p, low, u, q = (np.array([r[0] for r in postgresql.execute(
        f"SELECT row_vec FROM matrix_out_prefix_{s} ORDER BY row_id")]) for s in "pluq")
    np.testing.assert_allclose(p @ a @ q, low @ u, rtol=1e-12, atol=1e-12)
    postgresql.execute("""SELECT indb_ml.matrix_inverse('"mat_A"', 'row=row_id, val=row_vec', 'mat_r')""")
    inv = np.array([r[0] for r in postgresql.execute("SELECT row_vec FROM mat_r ORDER BY row_id")])
    np.testing.assert_allclose(inv @ a, np.eye(10), atol=1e-12)
    postgresql.execute("""SELECT indb_ml.matrix_eigen('"mat_A"', 'row=row_id, val=row_vec', 'mat_e')""")
    assert postgresql.execute("SELECT count(*) FROM mat_e WHERE eigen_values IS NOT NULL").fetchone()[0] == 10
    postgresql.execute("""SELECT indb_ml.matrix_qr('"mat_A"', 'row=row_id, val=row_vec', '"Mixed"')""")
    assert postgresql.execute('SELECT count(*) FROM "Mixed_q"').fetchone()[0] == 10


SQUARE = "row=row_id, val=val"


@pytest.mark.parametrize("call, error, match", [
    ("SELECT indb_ml.matrix_sum('a', 'row=row_id, val=val', 3)", E.InvalidParameterValue, "dim is 3"),
    ("SELECT indb_ml.matrix_mean('a', 'row=row_id, val=val', NULL)", E.InvalidParameterValue, "dim is NULL"),
    ("SELECT indb_ml.matrix_max('a', 'row=row_id, val=val', 0, 'o')", E.InvalidParameterValue, "dim is 0"),
    ("SELECT indb_ml.matrix_min('a', 'row=row_id, val=val', 2, 'a')", E.DuplicateTable, "already exists"),
    ("SELECT indb_ml.matrix_extract_row('a', 'row=row_id, val=val', 0)", E.InvalidParameterValue, "out of range"),
    ("SELECT indb_ml.matrix_extract_row('a', 'row=row_id, val=val', 3)", E.InvalidParameterValue, "2 rows"),
    ("SELECT indb_ml.matrix_extract_col('a', 'row=row_id, val=val', 4)", E.InvalidParameterValue, "3 columns"),
    ("SELECT indb_ml.matrix_norm('a', 'row=row_id, val=val', 'xyz')", E.InvalidParameterValue, "unknown norm_type"),
    ("SELECT indb_ml.matrix_norm('a', 'row=row_id, val=val', '-1')", E.InvalidParameterValue, "unknown norm_type"),
    ("SELECT indb_ml.matrix_norm('a', 'row=row_id, val=val', '0')", E.InvalidParameterValue, "unknown norm_type"),
    ("SELECT indb_ml.matrix_inverse('a', 'row=row_id, val=val', 'o')", E.InvalidParameterValue, "must be square"),
    ("SELECT indb_ml.matrix_eigen('a', 'row=row_id, val=val', 'o')", E.InvalidParameterValue, "must be square"),
    ("SELECT indb_ml.matrix_cholesky('a', 'row=row_id, val=val', 'o')", E.InvalidParameterValue, "must be square"),
    ("SELECT indb_ml.matrix_inverse('sing', 'row=row_id, val=val', 'o')", E.InvalidParameterValue, "singular"),
    ("SELECT indb_ml.matrix_cholesky('indef', 'row=row_id, val=val', 'o')", E.InvalidParameterValue,
     "not positive definite"),
    ("SELECT indb_ml.matrix_cholesky('indef', 'row=row_id, val=val', 'dup')", E.DuplicateTable, "dup_l already exists"),
    ("SELECT indb_ml.matrix_qr('indef', 'row=row_id, val=val', '')", E.InvalidParameterValue, "prefix is empty"),
    ("SELECT indb_ml.matrix_eigen('indef', 'row=row_id, val=val', 'o', 'fmt=sparse')", E.InvalidParameterValue,
     "does not apply"),
    ("SELECT indb_ml.matrix_inverse('nan', 'row=row_id, val=val', 'o')", E.InvalidParameterValue, "NaN"),
    ("SELECT indb_ml.matrix_zeros(0, 3, 'o')", E.InvalidParameterValue, "row_dim is 0"),
    ("SELECT indb_ml.matrix_ones(2, -1, 'o')", E.InvalidParameterValue, "col_dim is -1"),
    ("SELECT indb_ml.matrix_zeros(NULL, 3, 'o')", E.InvalidParameterValue, "row_dim is NULL"),
    ("SELECT indb_ml.matrix_identity(0, 'o')", E.InvalidParameterValue, "row_dim is 0"),
    ("SELECT indb_ml.matrix_random(0, 2, 'o')", E.InvalidParameterValue, "row_dim is 0"),
    ("SELECT indb_ml.matrix_diag('{}'::float8[], 'o')", E.InvalidParameterValue, "empty"),
    ("SELECT indb_ml.matrix_diag(ARRAY[1, NULL]::float8[], 'o')", E.InvalidParameterValue, "contains NULL"),
    ("SELECT indb_ml.matrix_ones(2, 2, 'o', 'fmt=diagonal')", E.InvalidParameterValue, "fmt="),
    ("SELECT indb_ml.matrix_random(2, 2, 'poisson', 'o')", E.InvalidParameterValue, "unknown distribution"),
    ("SELECT indb_ml.matrix_random(2, 2, 'colour=red', 'normal', 'o')", E.InvalidParameterValue, "known: seed, mu"),
    ("SELECT indb_ml.matrix_random(2, 2, 'seed=-1', 'uniform', 'o')", E.InvalidParameterValue, "non-negative"),
    ("SELECT indb_ml.matrix_random(2, 2, 'prob=2', 'bernoulli', 'o')", E.InvalidParameterValue, "between 0 and 1"),
    ("SELECT indb_ml.matrix_random(2, 2, 'min=3, max=1', 'uniform', 'o')", E.InvalidParameterValue, "above max"),
    ("SELECT indb_ml.matrix_random(2, 2, 'sigma=x', 'normal', 'o')", E.InvalidParameterValue, "finite number"),
])
def test_bad_input(postgresql, call, error, match):
    put(postgresql, "a", np.arange(6.0).reshape(2, 3), "dense", ("row_id", "col_id", "val"))
    put(postgresql, "sing", np.array([[1.0, 2.0], [2.0, 4.0]]), "dense")
    put(postgresql, "indef", np.array([[1.0, 2.0], [2.0, 1.0]]), "dense")
    put(postgresql, "nan", np.array([[1.0, np.nan], [0.0, 1.0]]), "dense")
    postgresql.execute("CREATE TABLE dup_l (x int)")
    with pytest.raises(error, match=match) as info, postgresql.transaction():
        postgresql.execute(call)
    if "singular" in match:
        assert "matrix_pinv" in info.value.diag.message_hint
    assert postgresql.execute("SELECT to_regclass('o'), to_regclass('o_p'), to_regclass('dup_p')").fetchone() == \
        (None, None, None)


def test_memory_cap_applies_to_created_and_densified_matrices(postgresql):
    postgresql.execute("SET indb_ml.matrix_memory_mb = '1'")
    with pytest.raises(E.ProgramLimitExceeded, match="matrix_memory_mb"), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.matrix_ones(1000, 1000, 'o')")
    postgresql.execute("SELECT indb_ml.matrix_zeros(1000, 1000, 'z')")  # sparse zeros: one entry, no cap
    with pytest.raises(E.ProgramLimitExceeded, match="matrix_memory_mb"), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.matrix_rank('z', 'row=row, col=col, val=val')")
