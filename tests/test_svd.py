"""svd, svd_sparse and svd_sparse_native on dense, column-format, vector and sparse tables vs numpy."""

from __future__ import annotations

import numpy as np
import psycopg.errors as E
import pytest

from tests.test_matrix import put

RTOL_S = 1e-10  # singular values
RTOL_UV = 1e-8  # singular vectors and the rank-k reconstruction
UV = "row=row_id, val=row_vec"

# MADlib's documented example (svd.sql_in): the input and its printed singular values.
MAT = [[396, 840, 353, 446, 318, 886, 15, 584, 159, 383], [691, 58, 899, 163, 159, 533, 604, 582, 269, 390],
       [293, 742, 298, 75, 404, 857, 941, 662, 846, 2], [462, 532, 787, 265, 982, 306, 600, 608, 212, 885],
       [304, 151, 337, 387, 643, 753, 603, 531, 459, 652], [327, 946, 368, 943, 7, 516, 272, 24, 591, 204],
       [877, 59, 260, 302, 891, 498, 710, 286, 864, 675], [458, 959, 774, 376, 228, 354, 300, 669, 718, 565],
       [824, 390, 818, 844, 180, 943, 424, 520, 65, 913], [882, 761, 398, 688, 761, 405, 125, 484, 222, 873],
       [528, 1, 860, 18, 814, 242, 314, 965, 935, 809], [492, 220, 576, 289, 321, 261, 173, 1, 44, 241],
       [415, 701, 221, 503, 67, 393, 479, 218, 219, 916], [350, 192, 211, 633, 53, 783, 30, 444, 176, 932],
       [909, 472, 871, 695, 930, 455, 398, 893, 693, 838], [739, 651, 678, 577, 273, 935, 661, 47, 373, 618]]
MAT_S = [6475.67225281804, 1875.18065580415, 1483.25228429636, 1159.72262897427, 1033.86092570574,
         948.437358703966, 795.379572772455, 709.086240684469, 462.473775959371, 365.875217945698]


def sample(shape, seed: int, density: float = 1.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(size=shape) * (rng.random(shape) < density)


def rows(conn, table: str) -> np.ndarray:
    got = conn.execute(f"SELECT row_id, row_vec FROM {table} ORDER BY row_id").fetchall()
    assert [r[0] for r in got] == list(range(1, len(got) + 1)), table
    return np.array([r[1] for r in got], dtype=float)


def canonical(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The documented sign convention, written independently: U's largest-magnitude entry per column > 0."""
    u, v = u.copy(), v.copy()
    for j in range(u.shape[1]):
        if u[np.argmax(np.abs(u[:, j])), j] < 0:
            u[:, j], v[:, j] = -u[:, j], -v[:, j]
    return u, v


def check(conn, prefix: str, a: np.ndarray, k: int, case: str) -> None:
    """The outputs <prefix>_u/_s/_v against numpy's SVD of ``a`` truncated to ``k``."""
    want_u, want_s, want_vt = np.linalg.svd(a, full_matrices=False)
    want_u, want_v = canonical(want_u[:, :k], want_vt[:k].T)
    s_rows = conn.execute(f"SELECT row_id, col_id, value FROM {prefix}_s ORDER BY row_id").fetchall()
    assert [(r[0], r[1]) for r in s_rows] == [(i, i) for i in range(1, k + 1)], case
    s = np.array([r[2] for r in s_rows])
    np.testing.assert_allclose(s, want_s[:k], rtol=RTOL_S, err_msg=case)
    assert (np.diff(s) <= 0).all(), case
    u, v = rows(conn, prefix + "_u"), rows(conn, prefix + "_v")
    assert u.shape == (a.shape[0], k) and v.shape == (a.shape[1], k), case
    atol = 1e-10 * np.abs(a).max()
    np.testing.assert_allclose((u * s) @ v.T, (want_u * want_s[:k]) @ want_v.T, rtol=RTOL_UV, atol=atol, err_msg=case)
    np.testing.assert_allclose(u.T @ u, np.eye(k), atol=1e-10, err_msg=case)
    np.testing.assert_allclose(v.T @ v, np.eye(k), atol=1e-10, err_msg=case)
    np.testing.assert_allclose(u, want_u, rtol=RTOL_UV, atol=1e-10, err_msg=case)
    np.testing.assert_allclose(v, want_v, rtol=RTOL_UV, atol=1e-10, err_msg=case)
    assert (u[np.argmax(np.abs(u), axis=0), np.arange(k)] > 0).all(), case


@pytest.mark.parametrize("shape", [(1, 4), (4, 1), (6, 4), (4, 6)])
def test_dense_against_numpy(postgresql, shape):
    a = sample(shape, 1)
    put(postgresql, "a", a, "dense", ("rid", "c", "vals"))
    for k in sorted({1, min(shape) - 1, min(shape)} - {0}):  # k < rank and k = rank
        res = postgresql.execute("SELECT indb_ml.svd('a', %s, 'rid', %s)", [f"o{k}", k]).fetchone()[0]
        assert f"o{k}_u" in res and f"o{k}_s" in res and f"o{k}_v" in res
        check(postgresql, f"o{k}", a, k, f"dense {shape} k={k}")


@pytest.mark.parametrize("shape", [(30, 20), (20, 30), (1, 5)])
def test_sparse_against_numpy(postgresql, shape):
    """k < min - 1 runs ARPACK on the sparse matrix; larger k the dense SVD: both match numpy."""
    a = sample(shape, 2, density=0.4)
    a[:, 1] = 0  # an empty column
    a[0] = sample((1, shape[1]), 3)  # a full row, so rank is min(shape) (up to the empty column)
    put(postgresql, "a", a, "sparse", ("r", "c", "v"))
    rank = int(np.linalg.matrix_rank(a))
    for k in sorted({1, 3, rank - 2, rank - 1, rank} & set(range(1, rank + 1))):
        for fn in ("svd_sparse", "svd_sparse_native"):
            out = f"{fn}_{k}"
            postgresql.execute(f"SELECT indb_ml.{fn}('a', %s, 'r', 'c', 'v', %s, %s, %s)", [out, *shape, k])
            check(postgresql, out, a, k, f"{fn} {shape} k={k}")


def test_sparse_dimensions_come_from_row_dim_and_col_dim(postgresql):
    a = np.zeros((7, 6))
    a[:4, :5] = sample((4, 5), 4)  # the last rows and columns are empty; no entry marks the shape
    postgresql.execute("CREATE TABLE sp (row_id int, col_id int, value float8)")
    for i, j in zip(*np.nonzero(a)):
        postgresql.execute("INSERT INTO sp VALUES (%s, %s, %s)", [int(i) + 1, int(j) + 1, float(a[i, j])])
    postgresql.execute("SELECT indb_ml.svd_sparse('sp', 'o', 'row_id', 'col_id', 'value', 7, 6, 2)")
    check(postgresql, "o", a, 2, "padded")
    assert rows(postgresql, "o_u").shape == (7, 2) and rows(postgresql, "o_v").shape == (6, 2)


def test_column_format_and_vector_inputs(postgresql):
    a = sample((5, 3), 5)
    postgresql.execute('CREATE TABLE cols ("Row" int, x int, y float8, z numeric)')
    ai = np.round(a * 10)
    for i, r in enumerate(ai, start=1):
        postgresql.execute("INSERT INTO cols VALUES (%s, %s, %s, %s)", [i, int(r[0]), float(r[1]), float(r[2])])
    postgresql.execute("""SELECT indb_ml.svd('cols', 'c', '"Row"', 3)""")
    check(postgresql, "c", ai, 3, "column format")
    assert postgresql.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'indb_ml_svd_%'").fetchone()[0] == 0

    af = a.astype(np.float32).astype(float)
    postgresql.execute("CREATE TABLE vec (row_id int, emb vector(3))")
    for i, r in enumerate(af, start=1):
        postgresql.execute("INSERT INTO vec VALUES (%s, %s::vector)", [i, str(r.tolist())])
    postgresql.execute("SELECT indb_ml.svd('vec', 'w', 'row_id', 2)")
    check(postgresql, "w", af, 2, "vector")


def test_summary_table(postgresql):
    a = sample((8, 5), 6)
    put(postgresql, "a", a, "dense")
    postgresql.execute("SELECT indb_ml.svd('a', 'o', 'row_id', 3, 4, 'o_summary')")
    cur = postgresql.execute("SELECT * FROM o_summary")
    assert [d.name for d in cur.description] == ["rows_used", "exec_time (ms)", "iter", "recon_error",
                                                 "relative_recon_error"]
    rows_used, ms, it, recon, relative = cur.fetchone()
    s = np.linalg.svd(a, compute_uv=False)
    residual = np.sqrt(np.sum(s[3:] ** 2))  # ||A - A_3||_F
    assert (rows_used, it) == (8, 4) and ms >= 0
    np.testing.assert_allclose(recon, residual / np.sqrt(a.size), rtol=1e-9)
    np.testing.assert_allclose(relative, residual / np.linalg.norm(a), rtol=1e-9)

    put(postgresql, "sp", a, "sparse")
    postgresql.execute("SELECT indb_ml.svd_sparse('sp', 'p', 'row_id', 'col_id', 'val', 8, 5, 2, NULL, 'p_sum')")
    rows_used, _, it, recon, relative = postgresql.execute("SELECT * FROM p_sum").fetchone()
    assert (rows_used, it) == (8, 5)  # iter: n_iterations, by default min(rows, columns) as MADlib
    np.testing.assert_allclose(relative, np.sqrt(np.sum(s[2:] ** 2)) / np.linalg.norm(a), rtol=1e-9)


def test_madlib_documented_example(postgresql):
    postgresql.execute("CREATE TABLE mat (row_id integer, row_vec double precision[])")
    for i, r in enumerate(MAT, start=1):
        postgresql.execute("INSERT INTO mat VALUES (%s, %s)", [i, r])
    postgresql.execute("SELECT indb_ml.svd('mat', 'svd', 'row_id', 10, NULL, 'svd_summary_table')")
    s = [r[0] for r in postgresql.execute("SELECT value FROM svd_s ORDER BY row_id")]
    np.testing.assert_allclose(s, MAT_S, rtol=1e-12)
    rows_used, _, it, recon, relative = postgresql.execute("SELECT * FROM svd_summary_table").fetchone()
    assert (rows_used, it) == (16, 10) and recon < 1e-11 and relative < 1e-14
    check(postgresql, "svd", np.array(MAT, dtype=float), 10, "MADlib example")

    postgresql.execute("SELECT indb_ml.matrix_sparsify('mat', 'row=row_id, val=row_vec', 'mat_sparse', "
                       "'row=row_id, col=col_id, val=value')")
    for fn in ("svd_sparse", "svd_sparse_native"):
        postgresql.execute(f"SELECT indb_ml.{fn}('mat_sparse', '{fn}', 'row_id', 'col_id', 'value', 16, 10, 10)")
        s = [r[0] for r in postgresql.execute(f"SELECT value FROM {fn}_s ORDER BY row_id")]
        np.testing.assert_allclose(s, MAT_S, rtol=1e-12, err_msg=fn)
    # The factors are matrices in MADlib's formats: U S V' with indb_ml's own matrix functions.
    postgresql.execute("SELECT indb_ml.matrix_mult('svd_u', 'row=row_id, val=row_vec', 'svd_s', "
                       "'row=row_id, col=col_id, val=value', 'us', 'row=row_id, val=row_vec')")
    postgresql.execute("SELECT indb_ml.matrix_mult('us', 'row=row_id, val=row_vec', 'svd_v', "
                       "'row=row_id, val=row_vec, trans=true', 'usv', 'row=row_id, val=row_vec')")
    np.testing.assert_allclose(rows(postgresql, "usv"), np.array(MAT, dtype=float), rtol=1e-10)


def test_k_above_the_rank_keeps_the_nonzero_singular_values(postgresql):
    a = np.outer([1.0, 2.0, 3.0, 4.0], [1.0, -1.0, 0.5]) + np.outer([0.0, 1.0, 1.0, -2.0], [2.0, 0.0, 1.0])
    put(postgresql, "a", a, "dense")
    put(postgresql, "sp", a, "sparse")
    notices = []
    postgresql.add_notice_handler(lambda d: notices.append(d.message_primary))
    postgresql.execute("SELECT indb_ml.svd('a', 'o', 'row_id', 3)")
    postgresql.execute("SELECT indb_ml.svd_sparse('sp', 'p', 'row_id', 'col_id', 'val', 4, 3, 3)")
    assert sum("2 nonzero singular values" in m for m in notices) == 2, notices
    for prefix in ("o", "p"):
        check(postgresql, prefix, a, 2, f"rank 2, k 3 ({prefix})")


def test_memory_cap(postgresql):
    """A sparse 1000 x 1000 is never densified for a small k; the dense fallback is capped."""
    postgresql.execute("SET indb_ml.matrix_memory_mb = '1'")
    postgresql.execute("CREATE TABLE big (r int, c int, v float8)")
    diag = np.arange(10.0, 0.0, -1.0) * 1.5
    for i, x in enumerate(diag):
        postgresql.execute("INSERT INTO big VALUES (%s, %s, %s)", [i * 97 + 3, i * 89 + 5, float(x)])
    postgresql.execute("SELECT indb_ml.svd_sparse('big', 'o', 'r', 'c', 'v', 1000, 1000, 5)")
    s = [r[0] for r in postgresql.execute("SELECT value FROM o_s ORDER BY row_id")]
    np.testing.assert_allclose(s, diag[:5], rtol=RTOL_S)
    u = rows(postgresql, "o_u")
    assert u.shape == (1000, 5)
    np.testing.assert_allclose(u[[i * 97 + 2 for i in range(5)], range(5)], 1.0, rtol=1e-10)
    with pytest.raises(E.ProgramLimitExceeded, match="matrix_memory_mb"), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.svd_sparse('big', 'd', 'r', 'c', 'v', 1000, 1000, 999)")
    assert postgresql.execute("SELECT to_regclass('d_u'), to_regclass('d_s')").fetchone() == (None, None)


def test_help(postgresql):
    for call in ("SELECT indb_ml.svd()", "SELECT indb_ml.svd('usage')"):
        text = postgresql.execute(call).fetchone()[0]
        assert "output_table_prefix" in text and "svd_sparse" in text and "relative_recon_error" in text


SP = "'sp', 'o', 'row_id', 'col_id', 'val'"


@pytest.mark.parametrize("call, error, match", [
    ("SELECT indb_ml.svd('a', 'o', 'row_id', 0)", E.InvalidParameterValue, "k is 0"),
    ("SELECT indb_ml.svd('a', 'o', 'row_id', 4)", E.InvalidParameterValue, r"min\(rows, columns\) = 3"),
    ("SELECT indb_ml.svd('a', 'o', 'row_id', NULL)", E.InvalidParameterValue, "k is NULL"),
    ("SELECT indb_ml.svd('a', 'o', NULL, 2)", E.InvalidParameterValue, "row_id is NULL"),
    ("SELECT indb_ml.svd('a', '', 'row_id', 2)", E.InvalidParameterValue, "output_table_prefix is empty"),
    ("SELECT indb_ml.svd('a', 'o', 'row_id', 2, 1)", E.InvalidParameterValue, "n_iterations is 1"),
    ("SELECT indb_ml.svd('a', 'o', 'row_id', 2, 4)", E.InvalidParameterValue, "n_iterations is 4"),
    ("SELECT indb_ml.svd('nope', 'o', 'row_id', 2)", E.UndefinedTable, "does not exist"),
    ("SELECT indb_ml.svd('a', 'o', 'rid', 2)", E.UndefinedColumn, "no column 'rid'"),
    ("SELECT indb_ml.svd('a', 'o', 'row id', 2)", E.InvalidParameterValue, "not a column name"),
    ("SELECT indb_ml.svd('a', 'dup', 'row_id', 2)", E.DuplicateTable, "dup_s already exists"),
    ("SELECT indb_ml.svd('a', 'o', 'row_id', 2, NULL, 'a')", E.DuplicateTable, "a already exists"),
    ("SELECT indb_ml.svd('a', 'o', 'row_id', 2, NULL, 'o_v')", E.InvalidParameterValue, "also an output"),
    ("SELECT indb_ml.svd('a', 'o', 'row_id', 2, NULL, ' ')", E.InvalidParameterValue, "summary_table is empty"),
    ("SELECT indb_ml.svd('empty', 'o', 'row_id', 1)", E.DataException, "is empty"),
    ("SELECT indb_ml.svd('only_id', 'o', 'row_id', 1)", E.InvalidParameterValue, "only the row_id"),
    ("SELECT indb_ml.svd('nulls', 'o', 'row_id', 1)", E.DataException, "NULL"),
    ("SELECT indb_ml.svd('cols', 'o', 'row_id', 1)", E.DatatypeMismatch, "'b' is neither"),
    ("SELECT indb_ml.svd('colnull', 'o', 'row_id', 1)", E.DataException, "public.colnull has NULL"),
    ("SELECT indb_ml.svd('ragged', 'o', 'row_id', 1)", E.ArraySubscriptError, "different lengths"),
    ("SELECT indb_ml.svd('gaps', 'o', 'row_id', 1)", E.InvalidParameterValue, "row ids must be 1..2"),
    ("SELECT indb_ml.svd('textarr', 'o', 'row_id', 1)", E.DatatypeMismatch, "has type _text"),
    ("SELECT indb_ml.svd('nan', 'o', 'row_id', 1)", E.InvalidParameterValue, "NaN"),
    ("SELECT indb_ml.svd('zero', 'o', 'row_id', 1)", E.InvalidParameterValue, "matrix is zero"),
    (f"SELECT indb_ml.svd_sparse({SP}, 3, 4, 4)", E.InvalidParameterValue, r"min\(rows, columns\) = 3"),
    (f"SELECT indb_ml.svd_sparse({SP}, 0, 4, 1)", E.InvalidParameterValue, "row_dim is 0"),
    (f"SELECT indb_ml.svd_sparse({SP}, 3, NULL, 1)", E.InvalidParameterValue, "col_dim is NULL"),
    (f"SELECT indb_ml.svd_sparse({SP}, 2, 4, 1)", E.InvalidParameterValue, "outside row_dim x col_dim = 2 x 4"),
    (f"SELECT indb_ml.svd_sparse_native({SP}, 3, 4, 2, 5)", E.InvalidParameterValue, "n_iterations is 5"),
    ("SELECT indb_ml.svd_sparse('sp', 'o', 'row_id', 'cid', 'val', 3, 4, 1)", E.UndefinedColumn,
     "no column 'cid' .col_id."),
    ("SELECT indb_ml.svd_sparse('sp', 'o', 'row_id', 'col_id', 'x', 3, 4, 1)", E.UndefinedColumn,
     "no column 'x' .value."),
    ("SELECT indb_ml.svd_sparse('spnull', 'o', 'row_id', 'col_id', 'val', 3, 4, 1)", E.DataException, "NULL"),
    ("SELECT indb_ml.svd_sparse('spdup', 'o', 'row_id', 'col_id', 'val', 3, 4, 1)", E.InvalidParameterValue,
     "duplicate"),
    ("SELECT indb_ml.svd_sparse('empty_sp', 'o', 'row_id', 'col_id', 'val', 3, 4, 1)", E.DataException, "is empty"),
    ("SELECT indb_ml.svd_sparse('sp', 'dup', 'row_id', 'col_id', 'val', 3, 4, 1)", E.DuplicateTable,
     "dup_s already exists"),
])
def test_bad_input(postgresql, call, error, match):
    a = np.arange(12.0).reshape(3, 4) + np.eye(3, 4)
    put(postgresql, "a", a, "dense")
    put(postgresql, "sp", a, "sparse")
    put(postgresql, "nan", np.array([[1.0, np.nan], [0.0, 1.0]]), "dense")
    put(postgresql, "zero", np.zeros((2, 2)), "dense")
    for ddl in ("CREATE TABLE dup_s (x int)", "CREATE TABLE empty (row_id int, row_vec float8[])",
                "CREATE TABLE empty_sp (row_id int, col_id int, val float8)", "CREATE TABLE only_id (row_id int)",
                "CREATE TABLE nulls AS SELECT 1 AS row_id, ARRAY[1, NULL]::float8[] AS row_vec",
                "CREATE TABLE cols AS SELECT 1 AS row_id, 2.0::float8 AS a, 'x'::text AS b",
                "CREATE TABLE colnull AS SELECT 1 AS row_id, 2.0::float8 AS a, NULL::int AS b",
                "CREATE TABLE ragged AS SELECT * FROM (VALUES (1, ARRAY[1.0, 2.0]), (2, ARRAY[1.0])) t(row_id, v)",
                "CREATE TABLE gaps AS SELECT * FROM (VALUES (1, ARRAY[1.0, 2.0]), (3, ARRAY[1.0, 0])) t(row_id, v)",
                "CREATE TABLE textarr AS SELECT 1 AS row_id, ARRAY['a'] AS v",
                "CREATE TABLE spnull AS SELECT * FROM (VALUES (1, 1, 1.0), (3, 4, NULL)) t(row_id, col_id, val)",
                "CREATE TABLE spdup AS SELECT * FROM (VALUES (1, 1, 1.0), (1, 1, 2.0)) t(row_id, col_id, val)"):
        postgresql.execute(ddl)
    with pytest.raises(error, match=match), postgresql.transaction():
        postgresql.execute(call)
    assert postgresql.execute("SELECT to_regclass('o_u'), to_regclass('o_s'), to_regclass('o_v'), "
                              "to_regclass('dup_u'), to_regclass('dup_v')").fetchone() == (None,) * 5
