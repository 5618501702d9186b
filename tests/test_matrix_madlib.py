"""MADlib's remaining linear-algebra and matrix functions (sql/26_matrix_madlib.sql): checked against
numpy and against the numbers in MADlib's own docs and tests:

- src/ports/postgres/modules/linalg/linalg.sql_in (user doc examples) and test/linalg.sql_in;
- src/ports/postgres/modules/linalg/test/matrix_ops.sql_in (matrix_square, matrix_mem_*, the block
  format: its tables s, d and b);
- src/ports/postgres/modules/linalg/svd.sql_in and test/svd.sql_in (svd_block's singular values).
"""

from __future__ import annotations

import numpy as np
import psycopg.errors as E
import pytest

from tests.test_matrix import get, put

RTOL = 1e-12

# linalg.sql_in, "Matrix Functions" example: get_row / get_col of {{4,5},{3,5},{9,0}}.
DOC_MATRIX = [[4, 5], [3, 5], [9, 0]]
# test/svd.sql_in (and the svd.sql_in doc): the 16 x 10 matrix "mat" and its singular values.
SVD_MAT = [[396, 840, 353, 446, 318, 886, 15, 584, 159, 383], [691, 58, 899, 163, 159, 533, 604, 582, 269, 390],
           [293, 742, 298, 75, 404, 857, 941, 662, 846, 2], [462, 532, 787, 265, 982, 306, 600, 608, 212, 885],
           [304, 151, 337, 387, 643, 753, 603, 531, 459, 652], [327, 946, 368, 943, 7, 516, 272, 24, 591, 204],
           [877, 59, 260, 302, 891, 498, 710, 286, 864, 675], [458, 959, 774, 376, 228, 354, 300, 669, 718, 565],
           [824, 390, 818, 844, 180, 943, 424, 520, 65, 913], [882, 761, 398, 688, 761, 405, 125, 484, 222, 873],
           [528, 1, 860, 18, 814, 242, 314, 965, 935, 809], [492, 220, 576, 289, 321, 261, 173, 1, 44, 241],
           [415, 701, 221, 503, 67, 393, 479, 218, 219, 916], [350, 192, 211, 633, 53, 783, 30, 444, 176, 932],
           [909, 472, 871, 695, 930, 455, 398, 893, 693, 838], [739, 651, 678, 577, 273, 935, 661, 47, 373, 618]]
SVD_MADLIB_S = [6475.6723, 1875.1807, 1483.2523, 1159.7226, 1033.8609, 948.4374, 795.3796, 709.0862, 462.4738,
                365.8752]


def one(conn, query: str, params=()):
    return conn.execute(query, params).fetchone()[0]


def raises(conn, exc, match: str, query: str, params=()):
    """The statement fails with ``exc``; a savepoint keeps the test's tables."""
    with pytest.raises(exc, match=match), conn.transaction():
        conn.execute(query, params)


def literal(m: np.ndarray) -> list:
    return np.asarray(m, dtype=float).tolist()


# ------------------------------------------------------------------ get_row, get_col, matrix_column, index_2d_array


def test_get_row_get_col_madlib_doc_example(postgresql):
    # linalg.sql_in: row_1..row_3 = {4,5} {3,5} {9,0}; col_1 = {4,3,9}; col_2 = {5,5,0}
    postgresql.execute("CREATE TABLE matrix (id integer, m float8[])")
    postgresql.execute("INSERT INTO matrix VALUES (1, '{{4,5},{3,5},{9,0}}')")
    row = postgresql.execute("SELECT indb_ml.get_row(m, 1), indb_ml.get_row(m, 2), indb_ml.get_row(m, 3), "
                             "indb_ml.get_col(m, 1), indb_ml.get_col(m, 2) FROM matrix").fetchone()
    assert list(row) == [[4, 5], [3, 5], [9, 0], [4, 3, 9], [5, 5, 0]]


def test_matrix_column_and_index_2d_array_madlib_tests(postgresql):
    # test/linalg.sql_in: matrix_column(m, 0) = {1,2}, (m, 1) = {3,4}; index_2d_array(m, 2) = {3,4}, dims [1:2]
    m = "ARRAY[ARRAY[1,2],ARRAY[3,4]]::float8[]"
    assert one(postgresql, f"SELECT indb_ml.matrix_column({m}, 0)") == [1, 2]
    assert one(postgresql, f"SELECT indb_ml.matrix_column({m}, 1)") == [3, 4]
    a, dims = postgresql.execute(f"SELECT a, array_dims(a) FROM (SELECT indb_ml.index_2d_array({m}, 2) AS a) s"
                                 ).fetchone()
    assert (a, dims) == ([3, 4], "[1:2]")


@pytest.mark.parametrize("shape", [(1, 1), (1, 5), (4, 1), (3, 7)])
def test_rows_and_columns_against_numpy(postgresql, shape):
    a = np.random.default_rng(3).normal(size=shape)
    for i in range(shape[0]):
        np.testing.assert_array_equal(one(postgresql, "SELECT indb_ml.get_row(%s, %s)", [literal(a), i + 1]), a[i])
        np.testing.assert_array_equal(one(postgresql, "SELECT indb_ml.index_2d_array(%s, %s)", [literal(a), i + 1]),
                                      a[i])
        np.testing.assert_array_equal(one(postgresql, "SELECT indb_ml.matrix_column(%s, %s)", [literal(a), i]), a[i])
    for j in range(shape[1]):
        np.testing.assert_array_equal(one(postgresql, "SELECT indb_ml.get_col(%s, %s)", [literal(a), j + 1]), a[:, j])


def test_indexes_count_positions_whatever_the_subscripts(postgresql):
    # '[0:1][5:6]={{1,2},{3,4}}': MADlib ignores lower bounds; so do we (results are 1-based)
    m = "'[0:1][5:6]={{1,2},{3,4}}'::float8[]"
    row = postgresql.execute(f"SELECT indb_ml.get_row({m}, 2), indb_ml.get_col({m}, 1), "
                             f"array_dims(indb_ml.get_col({m}, 2)), indb_ml.matrix_column({m}, 0)").fetchone()
    assert list(row) == [[3, 4], [1, 3], "[1:2]", [1, 2]]


def test_row_and_column_bad_input(postgresql):
    raises(postgresql, E.ArraySubscriptError,
           r"get_row: index 4 is out of range: the matrix has 3 rows \(indexes 1 to 3\)",
           "SELECT indb_ml.get_row('{{4,5},{3,5},{9,0}}', 4)")
    raises(postgresql, E.ArraySubscriptError, "get_col: index 0 is out of range",
           "SELECT indb_ml.get_col('{{4,5},{3,5},{9,0}}', 0)")
    raises(postgresql, E.ArraySubscriptError, r"matrix_column: index 2 .* \(indexes 0 to 1\)",
           "SELECT indb_ml.matrix_column('{{1,2},{3,4}}', 2)")
    raises(postgresql, E.ArraySubscriptError, "must be a two-dimensional array .* got 1 dimension",
           "SELECT indb_ml.get_row('{1,2,3}', 1)")
    raises(postgresql, E.ArraySubscriptError, "got an empty array", "SELECT indb_ml.get_col('{}', 1)")
    raises(postgresql, E.ArraySubscriptError, "got 3 dimension", "SELECT indb_ml.index_2d_array('{{{1}}}', 1)")
    raises(postgresql, E.NullValueNotAllowed, "get_row: in_2d_array has NULL elements",
           "SELECT indb_ml.get_row('{{1,NULL},{3,4}}', 2)")
    assert one(postgresql, "SELECT indb_ml.get_row(NULL, 1)") is None
    assert one(postgresql, "SELECT indb_ml.get_col('{{1}}', NULL)") is None
    # a slice of an array with NULLs keeps a null bitmap but no NULLs: not an error
    assert one(postgresql, "SELECT indb_ml.get_row(('{{1,2},{3,NULL}}'::float8[])[1:1][1:2], 1)") == [1, 2]


def test_get_row_runs_in_parallel_queries(postgresql):
    postgresql.execute("CREATE TABLE t AS SELECT g, ARRAY[[g, 2 * g], [3 * g, 4 * g]]::float8[] AS m "
                       "FROM generate_series(1, 5000) g")
    postgresql.execute("ANALYZE t")
    for s in ("SET max_parallel_workers_per_gather = 2", "SET parallel_setup_cost = 0", "SET parallel_tuple_cost = 0",
              "SET min_parallel_table_scan_size = 0"):
        postgresql.execute(s)
    q = "SELECT sum((indb_ml.get_row(m, 2))[2] - (indb_ml.get_col(m, 1))[1]) FROM t"
    plan = "\n".join(r[0] for r in postgresql.execute("EXPLAIN " + q))
    assert "Parallel Seq Scan" in plan
    assert one(postgresql, q) == sum(3 * g for g in range(1, 5001))


# ------------------------------------------------------------------ deconstruct_2d_array, array_to_1d/2d


def test_deconstruct_2d_array_madlib_tests(postgresql):
    # test/linalg.sql_in's three calls. MADlib's C function fills the caller's column list from the
    # left and leaves the rest NULL (src/ports/postgres/dbconnector/AnyType_impl.hpp, getAsDatum:
    # "All elements that have not been initialized will be set to Null"), so {{2},{5}} read as
    # (id, a, b) gives b NULL; a list shorter than a row is an error there too.
    rows = postgresql.execute("SELECT * FROM indb_ml.deconstruct_2d_array(array[[1,2],[5,6]]) "
                              "AS k(id int, a float8, b float8)").fetchall()
    assert rows == [(1, 1.0, 2.0), (2, 5.0, 6.0)]
    rows = postgresql.execute("SELECT * FROM indb_ml.deconstruct_2d_array(array[[5,6]]) "
                              "AS k(id int, a float8, b float8)").fetchall()
    assert rows == [(1, 5.0, 6.0)]
    rows = postgresql.execute("SELECT * FROM indb_ml.deconstruct_2d_array(array[[2],[5]]) "
                              "AS k(id int, a float8, b float8)").fetchall()
    assert rows == [(1, 2.0, None), (2, 5.0, None)]
    rows = postgresql.execute("SELECT * FROM indb_ml.deconstruct_2d_array(array[[2],[5]]) AS k(id int, a float8)"
                              ).fetchall()
    assert rows == [(1, 2.0), (2, 5.0)]
    raises(postgresql, E.DatatypeMismatch, r"the column list has 2 column\(s\); the array's rows need 3",
           "SELECT * FROM indb_ml.deconstruct_2d_array(array[[1,2],[5,6]]) AS k(id int, a float8)")
    raises(postgresql, E.DatatypeMismatch, "column 1 of the column list is bigint; it must be integer",
           "SELECT * FROM indb_ml.deconstruct_2d_array(array[[1,2]]) AS k(id bigint, a float8, b float8)")
    raises(postgresql, E.DatatypeMismatch, "column 3 of the column list is text; it must be float8",
           "SELECT * FROM indb_ml.deconstruct_2d_array(array[[1,2]]) AS k(id int, a float8, b text)")


def test_deconstruct_2d_array_against_numpy(postgresql):
    a = np.random.default_rng(5).normal(size=(6, 4))
    rows = postgresql.execute("SELECT * FROM indb_ml.deconstruct_2d_array(%s) AS k(id int, a float8, b float8, "
                              "c float8, d float8)", [literal(a)]).fetchall()
    assert [r[0] for r in rows] == list(range(1, 7))
    np.testing.assert_array_equal(np.array([r[1:] for r in rows]), a)
    # a vector is one row (MADlib), an empty array none, subscripts do not matter
    assert postgresql.execute("SELECT * FROM indb_ml.deconstruct_2d_array('{7,8,9}') AS k(i int, a float8, "
                              "b float8, c float8)").fetchall() == [(1, 7.0, 8.0, 9.0)]
    assert postgresql.execute("SELECT * FROM indb_ml.deconstruct_2d_array('{}') AS k(i int, a float8)"
                              ).fetchall() == []
    assert postgresql.execute("SELECT * FROM indb_ml.deconstruct_2d_array('[3:4][0:0]={{1},{2}}') "
                              "AS k(i int, a float8)").fetchall() == [(1, 1.0), (2, 2.0)]
    raises(postgresql, E.NullValueNotAllowed, "NULL elements",
           "SELECT * FROM indb_ml.deconstruct_2d_array('{{1,NULL}}') AS k(i int, a float8, b float8)")
    raises(postgresql, E.ArraySubscriptError, "got 3 dimensions",
           "SELECT * FROM indb_ml.deconstruct_2d_array('{{{1}}}') AS k(i int, a float8)")


def test_array_to_1d_and_back(postgresql):
    a = np.random.default_rng(6).normal(size=(3, 5))
    flat = one(postgresql, "SELECT indb_ml.array_to_1d(%s)", [literal(a)])
    np.testing.assert_array_equal(flat, [3, 5, *a.ravel()])
    np.testing.assert_array_equal(one(postgresql, "SELECT indb_ml.array_to_2d(indb_ml.array_to_1d(%s))",
                                      [literal(a)]), a)
    assert one(postgresql, "SELECT indb_ml.array_to_1d('{1,2}')") == [1, 2]
    assert one(postgresql, "SELECT indb_ml.array_to_2d('{}')") == []
    raises(postgresql, E.ArraySubscriptError, "dimension mismatch in the encoded input array",
           "SELECT indb_ml.array_to_2d('{2,2,1,2,3}')")
    raises(postgresql, E.ArraySubscriptError, "1 or 2 dimensions", "SELECT indb_ml.array_to_1d('{{{1}}}')")


# ------------------------------------------------------------------ normalized_avg


def test_normalized_avg_madlib_examples(postgresql):
    # linalg.sql_in doc: {4,3}, {8,6}, {12,9} -> normalized_avg {0.8,0.6} (avg {8,6})
    # (MADlib's table is named vector, which is pgvector's type here)
    postgresql.execute("CREATE TABLE vecs (id integer, v float8[])")
    postgresql.execute("INSERT INTO vecs VALUES (1, '{4,3}'), (2, '{8,6}'), (3, '{12,9}')")
    np.testing.assert_allclose(one(postgresql, "SELECT indb_ml.normalized_avg(v) FROM vecs"), [0.8, 0.6],
                               rtol=RTOL)
    # test/linalg.sql_in: unit axes and {0,0,0,2} -> {1/2, 1/2, 1/2, 1/2}
    postgresql.execute("CREATE TABLE some_vectors (id serial, x float8[])")
    postgresql.execute("INSERT INTO some_vectors (x) VALUES (ARRAY[1,0,0,0]), (ARRAY[0,1,0,0]), (ARRAY[0,0,1,0]), "
                       "(ARRAY[0,0,0,2])")
    np.testing.assert_allclose(one(postgresql, "SELECT indb_ml.normalized_avg(x) FROM some_vectors"), [0.5] * 4,
                               rtol=RTOL)


def _normalized_avg(x: np.ndarray) -> np.ndarray:
    mean = (x / np.linalg.norm(x, axis=1, keepdims=True)).mean(axis=0)
    return mean / np.linalg.norm(mean)


def test_normalized_avg_against_numpy_serial_grouped_and_parallel(postgresql):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(20000, 6)) + 0.3
    groups = rng.integers(0, 3, size=x.shape[0])
    postgresql.execute("CREATE TABLE pts (g int, x float8[])")
    with postgresql.cursor().copy("COPY pts (g, x) FROM STDIN") as copy:
        for g, row in zip(groups, x):
            copy.write_row([int(g), row.tolist()])
    postgresql.execute("INSERT INTO pts VALUES (0, NULL), (1, '{1,NULL,1,1,1,1}')")  # skipped, as MADlib
    postgresql.execute("ANALYZE pts")
    np.testing.assert_allclose(one(postgresql, "SELECT indb_ml.normalized_avg(x) FROM pts"), _normalized_avg(x),
                               rtol=1e-10)
    for g, got in postgresql.execute("SELECT g, indb_ml.normalized_avg(x) FROM pts GROUP BY g ORDER BY g"):
        np.testing.assert_allclose(got, _normalized_avg(x[groups == g]), rtol=1e-10)
    for s in ("SET max_parallel_workers_per_gather = 2", "SET parallel_setup_cost = 0", "SET parallel_tuple_cost = 0",
              "SET min_parallel_table_scan_size = 0"):
        postgresql.execute(s)
    plan = "\n".join(r[0] for r in postgresql.execute("EXPLAIN SELECT indb_ml.normalized_avg(x) FROM pts"))
    assert "Partial Aggregate" in plan and "Gather" in plan
    np.testing.assert_allclose(one(postgresql, "SELECT indb_ml.normalized_avg(x) FROM pts"), _normalized_avg(x),
                               rtol=1e-10)


def test_normalized_avg_edges_and_bad_input(postgresql):
    assert one(postgresql, "SELECT indb_ml.normalized_avg(x) FROM (SELECT '{1}'::float8[] x WHERE false) t") is None
    assert one(postgresql, "SELECT indb_ml.normalized_avg(x) FROM (VALUES (NULL::float8[])) t(x)") is None
    # unit vectors that cancel have no mean direction: NaN, as MADlib's 0 / 0
    got = one(postgresql, "SELECT indb_ml.normalized_avg(x) FROM (VALUES ('{1,0}'::float8[]), ('{-1,0}')) t(x)")
    assert np.isnan(got).all()
    raises(postgresql, E.ArraySubscriptError, "a row has 3 elements but earlier rows have 2",
           "SELECT indb_ml.normalized_avg(x) FROM (VALUES ('{1,2}'::float8[]), ('{1,2,3}')) t(x)")
    raises(postgresql, E.ArraySubscriptError, "one-dimensional",
           "SELECT indb_ml.normalized_avg(x) FROM (VALUES ('{{1,2}}'::float8[])) t(x)")
    # a zero vector has no direction: NaN, as MADlib's 0 / 0; refused with indb_ml.strict_linalg on
    # (tests/test_madlib_linalg_flag.py)
    got = one(postgresql, "SELECT indb_ml.normalized_avg(x) FROM (VALUES ('{1,2}'::float8[]), ('{0,0}')) t(x)")
    assert np.isnan(got).all()
    postgresql.execute("SET indb_ml.strict_linalg = on")
    raises(postgresql, E.InvalidParameterValue, "zero vector",
           "SELECT indb_ml.normalized_avg(x) FROM (VALUES ('{1,2}'::float8[]), ('{0,0}')) t(x)")


# ------------------------------------------------------------------ matrix_mem_mult, matrix_mem_trans


def test_matrix_mem_madlib_tests(postgresql):
    # test/matrix_ops.sql_in's three calls; A = {{1,2,3},{4,5,6}}: A' and A A' = {{14,32},{32,77}}
    assert one(postgresql, "SELECT indb_ml.matrix_mem_trans(array[[1,2,3], [4,5,6]])") == [[1, 4], [2, 5], [3, 6]]
    assert one(postgresql, "SELECT indb_ml.matrix_mem_mult(array[[1,2,3], [4,5,6]], array[[1,4],[2,5],[3,6]])"
               ) == [[14, 32], [32, 77]]
    assert one(postgresql, "SELECT indb_ml.matrix_mem_mult(array[[1,2,3], [4,5,6]], array[[1,2,3], [4,5,6]], true)"
               ) == [[14, 32], [32, 77]]


# the PL/pgSQL loops run up to 512 multiply-adds (256 elements to transpose), numpy above
@pytest.mark.parametrize("m,n,p", [(1, 1, 1), (2, 3, 4), (8, 8, 8), (9, 8, 8), (30, 20, 10), (1, 40, 1)])
def test_matrix_mem_against_numpy_on_both_paths(postgresql, m, n, p):
    rng = np.random.default_rng(m * 100 + n * 10 + p)
    a, b = rng.normal(size=(m, n)), rng.normal(size=(n, p))
    np.testing.assert_allclose(one(postgresql, "SELECT indb_ml.matrix_mem_mult(%s, %s)", [literal(a), literal(b)]),
                               a @ b, rtol=RTOL, atol=1e-13)
    np.testing.assert_allclose(one(postgresql, "SELECT indb_ml.matrix_mem_mult(%s, %s, true)",
                                   [literal(a), literal(b.T)]), a @ b, rtol=RTOL, atol=1e-13)
    np.testing.assert_array_equal(one(postgresql, "SELECT indb_ml.matrix_mem_trans(%s)", [literal(a)]), a.T)
    dims = one(postgresql, "SELECT array_dims(indb_ml.matrix_mem_mult(%s, %s))", [literal(a), literal(b)])
    assert dims == f"[1:{m}][1:{p}]"


def test_matrix_mem_in_parallel_queries_on_both_paths(postgresql):
    # the numpy path is PL/Python called from PL/pgSQL: it must run in parallel workers too
    rng = np.random.default_rng(14)
    mats = {n: rng.normal(size=(400, n, n)) for n in (3, 12)}
    for n, stack in mats.items():
        postgresql.execute(f"CREATE TABLE m{n} (g int, m float8[])")
        with postgresql.cursor().copy(f"COPY m{n} (g, m) FROM STDIN") as copy:
            for g, m in enumerate(stack):
                copy.write_row([g, m.tolist()])
        postgresql.execute(f"ANALYZE m{n}")
    for s in ("SET max_parallel_workers_per_gather = 2", "SET parallel_setup_cost = 0", "SET parallel_tuple_cost = 0",
              "SET min_parallel_table_scan_size = 0"):
        postgresql.execute(s)
    for n, stack in mats.items():
        q = (f"SELECT sum((indb_ml.matrix_mem_mult(m, m, true))[1][2]), "
             f"sum((indb_ml.matrix_mem_trans(m))[1][2]) FROM m{n}")
        assert "Parallel Seq Scan" in "\n".join(r[0] for r in postgresql.execute("EXPLAIN " + q))
        got = postgresql.execute(q).fetchone()
        np.testing.assert_allclose(got, [sum((m @ m.T)[0, 1] for m in stack), stack[:, 1, 0].sum()], rtol=1e-10)


def test_sum_adds_2d_arrays_as_madlibs_matrix_mem_sum(postgresql):
    # MADlib's internal __matrix_mem_sum aggregate (used by its matrix_block_mult) is indb_ml.sum here
    stack = np.random.default_rng(15).normal(size=(50, 3, 4))
    postgresql.execute("CREATE TABLE mats (m float8[])")
    for m in stack:
        postgresql.execute("INSERT INTO mats VALUES (%s)", [literal(m)])
    np.testing.assert_allclose(one(postgresql, "SELECT indb_ml.sum(m) FROM mats"), stack.sum(axis=0), rtol=RTOL)


def test_matrix_mem_ignores_subscripts(postgresql):
    for size in (2, 20):  # loops and numpy
        a = np.arange(size * size, dtype=float).reshape(size, size)
        text = f"[0:{size - 1}][-3:{size - 4}]=" + str(literal(a)).replace("[", "{").replace("]", "}")
        np.testing.assert_array_equal(one(postgresql, "SELECT indb_ml.matrix_mem_mult(%s::float8[], %s::float8[])",
                                          [text, text]), a @ a)
        np.testing.assert_array_equal(one(postgresql, "SELECT indb_ml.matrix_mem_trans(%s::float8[])", [text]), a.T)


def test_matrix_mem_bad_input(postgresql):
    raises(postgresql, E.ArraySubscriptError, r"matrix_a is 2 x 3 and matrix_b is 2 x 2; the inner dimensions differ",
           "SELECT indb_ml.matrix_mem_mult('{{1,2,3},{4,5,6}}', '{{1,2},{3,4}}')")
    raises(postgresql, E.ArraySubscriptError, r"matrix_b transposed is 2 x 2",
           "SELECT indb_ml.matrix_mem_mult('{{1,2,3},{4,5,6}}', '{{1,2},{3,4}}', true)")
    raises(postgresql, E.ArraySubscriptError, "matrix_b must be a two-dimensional array",
           "SELECT indb_ml.matrix_mem_mult('{{1,2}}', '{1,2}')")
    raises(postgresql, E.NullValueNotAllowed, "matrix_a has NULL elements",
           "SELECT indb_ml.matrix_mem_mult('{{1,NULL}}', '{{1},{2}}')")
    raises(postgresql, E.ArraySubscriptError, "matrix must be a two-dimensional",
           "SELECT indb_ml.matrix_mem_trans('{}')")
    assert one(postgresql, "SELECT indb_ml.matrix_mem_mult(NULL, '{{1}}')") is None
    # overflow is an error on both paths, as PostgreSQL's float8 arithmetic
    raises(postgresql, E.NumericValueOutOfRange, "out of range",
           "SELECT indb_ml.matrix_mem_mult('{{1e200}}', '{{1e200}}')")
    big = literal(np.full((9, 9), 1e200))
    raises(postgresql, E.NumericValueOutOfRange, "out of range", "SELECT indb_ml.matrix_mem_mult(%s, %s)", [big, big])


# ------------------------------------------------------------------ __matrix_dense_inverse, __matrix_sparse_inverse

# test/matrix_ops.sql_in: random_matrix {{2,2,0},{15,2,0},{0,5,2}} and the inverse MADlib asserts
# (relative_error < 1e-6), given there as array_to_1d of the result.
MADLIB_RANDOM = [[2, 2, 0], [15, 2, 0], [0, 5, 2]]
MADLIB_RANDOM_INV = [[-0.07692308, 0.07692308, 0], [0.57692308, -0.07692308, 0], [-1.44230769, 0.19230769, 0.5]]


def _dense_table(conn, name, m):
    conn.execute(f"CREATE TABLE {name} (row_id integer, row_vec float8[])")
    # inserted in reverse: the aggregate places each row by row_id, whatever the scan order
    for i in reversed(range(len(m))):
        conn.execute(f"INSERT INTO {name} VALUES (%s, %s)", [i + 1, literal(m[i])])


def test_matrix_inverse_aggregates_madlib_tests(postgresql):
    _dense_table(postgresql, "identity", np.eye(3))
    inv = one(postgresql, "SELECT indb_ml.array_to_1d(indb_ml.__matrix_dense_inverse(3, row_id - 1, row_vec)) "
                          "FROM identity")
    np.testing.assert_array_equal(inv, [3, 3, 1, 0, 0, 0, 1, 0, 0, 0, 1])
    _dense_table(postgresql, "random_matrix", MADLIB_RANDOM)
    inv = one(postgresql, "SELECT indb_ml.__matrix_dense_inverse(3, row_id - 1, row_vec) FROM random_matrix")
    np.testing.assert_allclose(inv, MADLIB_RANDOM_INV, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(inv, np.linalg.inv(MADLIB_RANDOM), rtol=RTOL)
    postgresql.execute("CREATE TABLE random_sparse_matrix (row_id integer, col_id integer, val float8)")
    postgresql.execute("INSERT INTO random_sparse_matrix VALUES (1, 1, 2), (1, 2, 2), (2, 1, 15), (2, 2, 2), "
                       "(3, 2, 5), (3, 3, 2)")
    inv = one(postgresql, "SELECT indb_ml.__matrix_sparse_inverse(3, 3, row_id - 1, col_id - 1, val) "
                          "FROM random_sparse_matrix")
    np.testing.assert_allclose(inv, MADLIB_RANDOM_INV, rtol=1e-6, atol=1e-8)
    assert one(postgresql, "SELECT array_dims(indb_ml.__matrix_sparse_inverse(3, 3, row_id - 1, col_id - 1, val)) "
                           "FROM random_sparse_matrix") == "[1:3][1:3]"


def test_matrix_inverse_aggregates_against_numpy(postgresql):
    rng = np.random.default_rng(21)
    a = rng.normal(size=(40, 40)) + 40 * np.eye(40)
    _dense_table(postgresql, "a", a)
    inv = one(postgresql, "SELECT indb_ml.__matrix_dense_inverse(40, row_id - 1, row_vec) FROM a")
    np.testing.assert_allclose(inv, np.linalg.inv(a), rtol=1e-10, atol=1e-14)
    # the same as matrix_inverse on the same table
    postgresql.execute("SELECT indb_ml.matrix_inverse('a', 'row=row_id, val=row_vec', 'a_inv')")
    np.testing.assert_allclose(inv, get(postgresql, "a_inv", "row=row_id, val=row_vec"), rtol=1e-12, atol=1e-15)
    # sparse: entries not given are zero; a grouped call inverts one matrix per group
    s = np.diag([2.0, 4.0, 5.0, 8.0])
    s[0, 3], s[2, 1] = 1.0, -3.0
    postgresql.execute("CREATE TABLE s (g int, r int, c int, v float8)")
    for g, m in ((1, s), (2, 2 * s)):
        for (i, j) in zip(*np.nonzero(m)):
            postgresql.execute("INSERT INTO s VALUES (%s, %s, %s, %s)", [g, int(i), int(j), float(m[i, j])])
    rows = postgresql.execute("SELECT g, indb_ml.__matrix_sparse_inverse(4, 4, r, c, v) FROM s GROUP BY g ORDER BY g"
                              ).fetchall()
    np.testing.assert_allclose(rows[0][1], np.linalg.inv(s), rtol=RTOL)
    np.testing.assert_allclose(rows[1][1], np.linalg.inv(2 * s), rtol=RTOL)
    # no rows: NULL, as an aggregate over nothing; a row with a NULL argument is skipped (MADlib's step is STRICT)
    assert one(postgresql, "SELECT indb_ml.__matrix_dense_inverse(3, row_id - 1, row_vec) FROM a WHERE false") is None
    assert one(postgresql, "SELECT indb_ml.__matrix_dense_inverse(1, i, r) FROM (VALUES (0, '{4}'::float8[]), "
                           "(NULL, '{9}')) v(i, r)") == [[0.25]]


def test_matrix_inverse_aggregates_bad_input(postgresql):
    q = "SELECT indb_ml.__matrix_dense_inverse(%s, i, r) FROM (VALUES {}) v(i, r)"
    raises(postgresql, E.InvalidParameterValue, r"matrix inverse: the matrix is singular",
           q.format("(0, '{1,2}'::float8[]), (1, '{2,4}')"), [2])
    raises(postgresql, E.ArraySubscriptError, r"matrix inverse: the matrix is 2 x 3; an inverse needs a square",
           q.format("(0, '{1,2,3}'::float8[]), (1, '{4,5,6}')"), [2])
    raises(postgresql, E.ArraySubscriptError, r"row_id 2 is outside 0..1",
           q.format("(0, '{1,2}'::float8[]), (2, '{3,4}')"), [2])
    raises(postgresql, E.ArraySubscriptError, r"row 1 has 3 values and num_rows 2; earlier rows made a 2 x 2 matrix",
           q.format("(0, '{1,2}'::float8[]), (1, '{3,4,5}')"), [2])
    raises(postgresql, E.NullValueNotAllowed, r"row 0 has NULL elements", q.format("(0, '{1,NULL}'::float8[])"), [2])
    raises(postgresql, E.InvalidParameterValue, r"the matrix is 0 x 2; both dimensions must be positive",
           q.format("(0, '{1,2}'::float8[])"), [0])
    raises(postgresql, E.ArraySubscriptError, r"col_id -1 is outside 0..1",
           "SELECT indb_ml.__matrix_sparse_inverse(2, 2, 0, -1, 1.0)")
    raises(postgresql, E.InvalidParameterValue, r"has NaN or infinite values",
           "SELECT indb_ml.__matrix_sparse_inverse(1, 1, 0, 0, 'NaN')")
    raises(postgresql, E.FeatureNotSupported, r"is an aggregate step",
           "SELECT indb_ml._matrix_compose_sparse_step(NULL, 1, 1, 0, 0, 1.0)")


# ------------------------------------------------------------------ matrix_square

# test/matrix_ops.sql_in: s = (1,1,1) (1,2,3) (2,1,4) (2,2,5) (3,1,7) (3,2,8) (3,3,0); d = its dense form.
MADLIB_S = np.array([[1, 3, 0], [4, 5, 0], [7, 8, 0]], dtype=float)


def test_matrix_square_madlib_test_tables(postgresql):
    postgresql.execute("CREATE TABLE s (row_id int8, col_id int8, val int4)")
    postgresql.execute("INSERT INTO s VALUES (1, 1, 1), (1, 2, 3), (2, 1, 4), (2, 2, 5), (3, 1, 7), (3, 2, 8), "
                       "(3, 3, 0)")
    postgresql.execute("SELECT indb_ml.matrix_densify('s', 'row=row_id, col=col_id, val=val', 'd')")
    assert one(postgresql, "SELECT indb_ml.matrix_square('d', 'row=row_id', 'd_d')") == "(d_d)"
    np.testing.assert_array_equal(get(postgresql, "d_d", "row=row_id, val=val"), MADLIB_S @ MADLIB_S)
    # a sparse square stays sparse (MADlib's _matrix_mult_sparse), with the (3, 3) zero keeping the shape
    postgresql.execute("SELECT indb_ml.matrix_square('s', 'row=row_id, col=col_id, val=val', 's_s')")
    cols = [r[0] for r in postgresql.execute("SELECT attname FROM pg_attribute WHERE attrelid = 's_s'::regclass "
                                             "AND attnum > 0 ORDER BY attnum")]
    assert cols == ["row_id", "col_id", "val"]
    np.testing.assert_array_equal(get(postgresql, "s_s", "row=row_id, col=col_id, val=val"), MADLIB_S @ MADLIB_S)


@pytest.mark.parametrize("fmt", ["dense", "sparse", "tiles"])
def test_matrix_square_formats_against_numpy(postgresql, fmt):
    a = np.random.default_rng(9).normal(size=(5, 5)) * (np.random.default_rng(10).random((5, 5)) < 0.7)
    args = put(postgresql, "m", a, fmt)
    postgresql.execute("SELECT indb_ml.matrix_square('m', %s, 'm2')", [args])
    np.testing.assert_allclose(get(postgresql, "m2", args), a @ a, rtol=RTOL, atol=1e-14)
    postgresql.execute("SELECT indb_ml.matrix_square('m', %s, 'm3', 'row=r, val=v, fmt=dense')", [args])
    np.testing.assert_allclose(get(postgresql, "m3", "row=r, val=v"), a @ a, rtol=RTOL, atol=1e-14)


def test_matrix_square_bad_input(postgresql):
    put(postgresql, "rect", np.ones((2, 3)), "dense")
    raises(postgresql, E.ArraySubscriptError, r"matrix_in is 2 x 3; the square A \* A is only defined for square",
           "SELECT indb_ml.matrix_square('rect', 'row=row_id, val=val', 'out')")
    raises(postgresql, E.UndefinedTable, "matrix_in 'nope' does not exist",
           "SELECT indb_ml.matrix_square('nope', 'row=row_id, val=val', 'out')")
    put(postgresql, "sq", np.eye(2), "dense")
    raises(postgresql, E.DuplicateTable, "already exists",
           "SELECT indb_ml.matrix_square('sq', 'row=row_id, val=val', 'rect')")
    postgresql.execute("CREATE TABLE ragged (row_id int, val float8[])")
    postgresql.execute("INSERT INTO ragged VALUES (1, '{1,2}'), (2, '{3}')")
    raises(postgresql, E.ArraySubscriptError, "different lengths",
           "SELECT indb_ml.matrix_square('ragged', 'row=row_id, val=val', 'out')")


# ------------------------------------------------------------------ the block format


def blocks_table(conn, name: str, a: np.ndarray, rsize: int, csize: int, names=("row_id", "col_id", "block")):
    """Write ``a`` in MADlib's block format with plain SQL (independent of matrix_blockize)."""
    conn.execute(f"CREATE TABLE {name} ({names[0]} int, {names[1]} int, {names[2]} float8[])")
    for bi, i in enumerate(range(0, a.shape[0], rsize), start=1):
        for bj, j in enumerate(range(0, a.shape[1], csize), start=1):
            conn.execute(f"INSERT INTO {name} VALUES (%s, %s, %s)", [bi, bj, literal(a[i:i + rsize, j:j + csize])])
    return f"row={names[0]}, col={names[1]}, val={names[2]}"


def read_blocks(conn, name: str, row: str = "row_id", col: str = "col_id", val: str = "block") -> np.ndarray:
    rows = conn.execute(f"SELECT {row}, {col}, {val} FROM {name}").fetchall()
    grid = {(r, c): np.array(v, dtype=float) for r, c, v in rows}
    nr, nc = max(r for r, _ in grid), max(c for _, c in grid)
    assert len(grid) == len(rows) == nr * nc
    return np.block([[grid[(i, j)] for j in range(1, nc + 1)] for i in range(1, nr + 1)])


MADLIB_B = np.array([[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]], dtype=float)


def _madlib_b(conn):
    # test/matrix_ops.sql_in's block table b: a 5 x 2 matrix in blocks of 2 rows, the last of 1
    conn.execute("CREATE TABLE b (row_id INT4, col_id INT4, block INT4[])")
    conn.execute("INSERT INTO b VALUES (1, 1, array[[1,2], [3,4]]), (2, 1, array[[5,6], [7,8]]), (3, 1, array[[9,10]])")


def test_block_trans_and_mult_madlib_tests(postgresql):
    _madlib_b(postgresql)
    postgresql.execute("SELECT indb_ml.matrix_block_trans('b', 'row=row_id, col=col_id, val=block', 'b_t', NULL)")
    # MADlib's column order: col (the old row ids), row, val
    cols = [r[0] for r in postgresql.execute("SELECT attname FROM pg_attribute WHERE attrelid = 'b_t'::regclass "
                                             "AND attnum > 0 ORDER BY attnum")]
    assert cols == ["col_id", "row_id", "block"]
    assert postgresql.execute("SELECT row_id, col_id, block FROM b_t ORDER BY col_id").fetchall() == [
        (1, 1, [[1, 3], [2, 4]]), (1, 2, [[5, 7], [6, 8]]), (1, 3, [[9], [10]])]
    np.testing.assert_array_equal(read_blocks(postgresql, "b_t"), MADLIB_B.T)
    postgresql.execute("SELECT indb_ml.matrix_block_mult('b', 'row=row_id, col=col_id, val=block', "
                       "'b_t', 'row=row_id, col=col_id, val=block', 'b2', NULL)")
    np.testing.assert_array_equal(read_blocks(postgresql, "b2"), MADLIB_B @ MADLIB_B.T)
    assert one(postgresql, "SELECT block FROM b2 WHERE row_id = 3 AND col_id = 3") == [[181]]


def test_blockize_and_unblockize_madlib_tests(postgresql):
    # test/matrix_ops.sql_in: matrix_blockize('d', 'row=row_id', 2, 2, 'd_b') then matrix_unblockize('d_b', ...)
    put(postgresql, "d", MADLIB_S, "dense", names=("row_id", "col_id", "val"))
    assert one(postgresql, "SELECT indb_ml.matrix_blockize('d', 'row=row_id', 2, 2, 'd_b')") == "(d_b)"
    assert postgresql.execute("SELECT * FROM d_b ORDER BY 1, 2").fetchall() == [
        (1, 1, [[1, 3], [4, 5]]), (1, 2, [[0], [0]]), (2, 1, [[7, 8]]), (2, 2, [[0]])]
    types = postgresql.execute("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                               "WHERE attrelid = 'd_b'::regclass AND attnum > 0 ORDER BY attnum").fetchall()
    assert types == [("row_id", "bigint"), ("col_num", "integer"), ("val", "double precision[]")]
    postgresql.execute("SELECT indb_ml.matrix_unblockize('d_b', 'row=row_id', 'd_r', NULL)")
    # MADlib names the value column row_vec
    assert postgresql.execute("SELECT * FROM d_r ORDER BY 1").fetchall() == [
        (1, [1, 3, 0]), (2, [4, 5, 0]), (3, [7, 8, 0])]


@pytest.mark.parametrize("shape,rsize,csize", [((7, 5), 2, 3), ((6, 6), 3, 2), ((4, 9), 10, 4), ((1, 1), 1, 1),
                                               ((5, 3), 1, 1)])
def test_blockize_unblockize_round_trip_against_numpy(postgresql, shape, rsize, csize):
    a = np.random.default_rng(sum(shape)).normal(size=shape)
    args = put(postgresql, "m", a, "dense", names=("rid", "cid", "vec"))
    postgresql.execute("SELECT indb_ml.matrix_blockize('m', %s, %s, %s, 'mb', 'row=br, col=bc, val=blk')",
                       [args, rsize, csize])
    np.testing.assert_array_equal(read_blocks(postgresql, "mb", "br", "bc", "blk"), a)
    heights = [len(r[0]) for r in postgresql.execute("SELECT blk FROM mb WHERE bc = 1 ORDER BY br")]
    assert heights == [min(rsize, shape[0] - i) for i in range(0, shape[0], rsize)]
    postgresql.execute("SELECT indb_ml.matrix_unblockize('mb', 'row=br, col=bc, val=blk', 'back', 'row=r, val=v')")
    np.testing.assert_array_equal(get(postgresql, "back", "row=r, val=v"), a)


def test_unblockize_and_block_ops_on_uneven_tilings(postgresql):
    # blocks need not be MADlib's "all full but the last": any consistent grid works
    a = np.random.default_rng(11).normal(size=(6, 5))
    postgresql.execute("CREATE TABLE g (row_id int, col_id int, block float8[])")
    for bi, (r0, r1) in enumerate([(0, 1), (1, 4), (4, 6)], start=1):
        for bj, (c0, c1) in enumerate([(0, 3), (3, 5)], start=1):
            postgresql.execute("INSERT INTO g VALUES (%s, %s, %s)", [bi, bj, literal(a[r0:r1, c0:c1])])
    args = "row=row_id, col=col_id, val=block"
    postgresql.execute("SELECT indb_ml.matrix_unblockize('g', %s, 'g_dense')", [args])
    np.testing.assert_array_equal(get(postgresql, "g_dense", "row=row_id, val=row_vec"), a)
    postgresql.execute("SELECT indb_ml.matrix_block_trans('g', %s, 'g_t')", [args])
    np.testing.assert_array_equal(read_blocks(postgresql, "g_t"), a.T)
    postgresql.execute("SELECT indb_ml.matrix_block_mult('g', %s, 'g_t', %s, 'g_gt')", [args, args])
    np.testing.assert_allclose(read_blocks(postgresql, "g_gt"), a @ a.T, rtol=RTOL, atol=1e-13)


@pytest.mark.parametrize("size,rsize", [(6, 2), (7, 3), (4, 4)])
def test_block_square_and_mult_against_numpy(postgresql, size, rsize):
    rng = np.random.default_rng(size)
    a, b = rng.normal(size=(size, size)), rng.normal(size=(size, 3))
    args = blocks_table(postgresql, "a", a, rsize, rsize, names=("r", "c", "v"))
    postgresql.execute("SELECT indb_ml.matrix_block_square('a', %s, 'a2')", [args])
    np.testing.assert_allclose(read_blocks(postgresql, "a2", "r", "c", "v"), a @ a, rtol=RTOL, atol=1e-13)
    blocks_table(postgresql, "b", b, rsize, 2)
    postgresql.execute("SELECT indb_ml.matrix_block_mult('a', %s, 'b', 'row=row_id, col=col_id, val=block', "
                       "'ab', 'val=prod')", [args])
    np.testing.assert_allclose(read_blocks(postgresql, "ab", "r", "c", "prod"), a @ b, rtol=RTOL, atol=1e-13)


def test_block_square_on_a_larger_grid(postgresql):
    a = np.random.default_rng(12).normal(size=(40, 40))
    args = blocks_table(postgresql, "a", a, 5, 5)  # 8 x 8 blocks: 512 block products summed in 64 groups
    postgresql.execute("SELECT indb_ml.matrix_block_square('a', %s, 'a2')", [args])
    np.testing.assert_allclose(read_blocks(postgresql, "a2"), a @ a, rtol=RTOL, atol=1e-12)


def test_block_bad_input(postgresql):
    args = "row=row_id, col=col_id, val=block"
    _madlib_b(postgresql)
    # MADlib's test/matrix_ops.sql_in squares this 5 x 2 block table; MADlib's matrix_block_square
    # (matrix_ops.py_in) is matrix_block_mult(b, b), which joins whatever block indexes match and
    # returns b times its top 2 x 2 block, not a square: indb_ml refuses (a documented deviation).
    raises(postgresql, E.ArraySubscriptError, r"matrix_block_square: matrix_in is 5 x 2; the square is only defined",
           "SELECT indb_ml.matrix_block_square('b', %s, 'o')", [args])
    raises(postgresql, E.ArraySubscriptError, r"matrix_a is 5 x 2 and matrix_b is 5 x 2; the inner dimensions",
           "SELECT indb_ml.matrix_block_mult('b', %s, 'b', %s, 'o')", [args, args])
    postgresql.execute("CREATE TABLE w (row_id int, col_id int, block float8[])")
    postgresql.execute("INSERT INTO w VALUES (1, 1, '{{1,2,3,4,5}}')")
    raises(postgresql, E.ArraySubscriptError, r"matrix_a's block columns are \[5\] wide but matrix_b's block rows "
           r"are \[2, 2, 1\] high", "SELECT indb_ml.matrix_block_mult('w', %s, 'b', %s, 'o')", [args, args])
    raises(postgresql, E.UndefinedTable, "matrix_a 'nope' does not exist",
           "SELECT indb_ml.matrix_block_mult('nope', %s, 'b', %s, 'o')", [args, args])
    raises(postgresql, E.UndefinedColumn, "has no column 'col_num'", "SELECT indb_ml.matrix_block_trans('b', "
           "'row=row_id, val=block', 'o')")
    raises(postgresql, E.InvalidParameterValue, "trans= does not apply to a block matrix",
           "SELECT indb_ml.matrix_block_trans('b', %s, 'o')", [args + ", trans=true"])
    raises(postgresql, E.DuplicateTable, "already exists", "SELECT indb_ml.matrix_block_trans('b', %s, 'w')", [args])
    bad = {
        "(1, 1, '{{1,2}}'), (1, 2, '{{3}}'), (2, 1, '{{4,5},{6,7}}')": ("missing or repeated", E.InvalidParameterValue),
        "(1, 1, '{{1,2}}'), (1, 1, '{{3,4}}')": ("missing or repeated", E.InvalidParameterValue),
        "(2, 1, '{{1,2}}')": ("from 1 without gaps", E.InvalidParameterValue),
        "(1, 1, '{{1,2}}'), (2, 1, '{{3,4,5}}')": ("block column 1 have different widths", E.ArraySubscriptError),
        "(1, 1, '{{1},{2}}'), (1, 2, '{{3}}')": ("block row 1 have different heights", E.ArraySubscriptError),
        "(1, 1, '{1,2}')": ("not a two-dimensional array", E.ArraySubscriptError),
        "(1, 1, '{{1,NULL}}')": ("NULL elements", E.NullValueNotAllowed),
        "(1, 1, NULL)": ("NULL block indexes or blocks", E.NullValueNotAllowed),
    }
    for i, (values, (message, exc)) in enumerate(bad.items()):
        postgresql.execute(f"CREATE TABLE bad{i} (row_id int, col_id int, block float8[])")
        postgresql.execute(f"INSERT INTO bad{i} VALUES {values}")
        postgresql.commit()
        raises(postgresql, exc, message, f"SELECT indb_ml.matrix_unblockize('bad{i}', %s, 'o')", [args])
    postgresql.execute("CREATE TABLE empty_b (row_id int, col_id int, block float8[])")
    postgresql.commit()
    raises(postgresql, E.DataException, "has no blocks",
           "SELECT indb_ml.matrix_block_trans('empty_b', %s, 'o')", [args])
    postgresql.execute("CREATE TABLE textual (row_id int, col_id int, block text)")
    postgresql.commit()
    raises(postgresql, E.DatatypeMismatch, "a block is a 2-D numeric array",
           "SELECT indb_ml.matrix_block_trans('textual', %s, 'o')", [args])
    raises(postgresql, E.InvalidParameterValue, "output columns .* must have distinct names",
           "SELECT indb_ml.matrix_block_trans('b', %s, 'o', 'row=x, col=x')", [args])


def test_blockize_bad_input(postgresql):
    put(postgresql, "d", MADLIB_S, "dense")
    for rsize, csize, name in ((0, 2, "rsize is 0"), (2, None, "csize is NULL")):
        raises(postgresql, E.InvalidParameterValue, name,
               "SELECT indb_ml.matrix_blockize('d', 'row=row_id, val=val', %s, %s, 'o')", [rsize, csize])
    raises(postgresql, E.UndefinedTable, "does not exist", "SELECT indb_ml.matrix_blockize('nope', '', 2, 2, 'o')")
    raises(postgresql, E.InvalidParameterValue, "col= does not apply to matrix_blockize",
           "SELECT indb_ml.matrix_blockize('d', 'row=row_id, col=c, val=val', 2, 2, 'o')")
    postgresql.execute("CREATE TABLE gap (row_id int, val float8[])")
    postgresql.execute("INSERT INTO gap VALUES (1, '{1,2}'), (3, '{3,4}')")
    postgresql.commit()
    raises(postgresql, E.InvalidParameterValue, "row ids must be 1..2",
           "SELECT indb_ml.matrix_blockize('gap', 'row=row_id, val=val', 2, 2, 'o')")


# ------------------------------------------------------------------ svd_block


@pytest.mark.parametrize("rsize,csize", [(1000, 1000), (5, 3), (16, 1)])
def test_svd_block_madlib_test(postgresql, rsize, csize):
    # test/svd.sql_in: blockize mat (MADlib uses 1000 x 1000, one block), svd_block(mat_block, 'svd', 10, NULL,
    # 'svd_summary'), singular values within relative error 1e-6 of MADlib's
    postgresql.execute("CREATE TABLE mat (row_id integer, row_vec double precision[])")
    for i, row in enumerate(SVD_MAT, start=1):
        postgresql.execute("INSERT INTO mat VALUES (%s, %s)", [i, row])
    postgresql.execute("SELECT indb_ml.matrix_blockize('mat', 'row=row_id, val=row_vec', %s, %s, 'mat_block', "
                       "'row=row_id, col=col_id, val=block')", [rsize, csize])
    postgresql.execute("SELECT indb_ml.svd_block('mat_block', 'svd', 10, NULL, 'svd_summary')")
    s = [r[0] for r in postgresql.execute("SELECT value FROM svd_s WHERE value IS NOT NULL AND value <> 0 "
                                          "ORDER BY row_id")]
    madlib = np.array(SVD_MADLIB_S)
    assert np.linalg.norm(np.array(s) - madlib) / np.linalg.norm(madlib) < 1e-6
    a = np.array(SVD_MAT, dtype=float)
    np.testing.assert_allclose(s, np.linalg.svd(a, compute_uv=False), rtol=1e-12)
    u = get(postgresql, "svd_u", "row=row_id, val=row_vec")
    v = get(postgresql, "svd_v", "row=row_id, val=row_vec")
    np.testing.assert_allclose((u * s) @ v.T, a, rtol=1e-10, atol=1e-8)
    rows_used, recon = postgresql.execute("SELECT rows_used, recon_error FROM svd_summary").fetchone()
    assert rows_used == 16 and recon < 1e-9


def test_svd_block_wide_matrix_and_k(postgresql):
    a = np.random.default_rng(13).normal(size=(4, 9))
    blocks_table(postgresql, "wide", a, 3, 4)
    postgresql.execute("SELECT indb_ml.svd_block('wide', 'w', 2)")
    u, s_true, vt = np.linalg.svd(a, full_matrices=False)
    s = [r[0] for r in postgresql.execute("SELECT value FROM w_s WHERE value <> 0 ORDER BY row_id")]
    np.testing.assert_allclose(s, s_true[:2], rtol=1e-12)
    u2 = get(postgresql, "w_u", "row=row_id, val=row_vec")
    np.testing.assert_allclose(np.abs(u2), np.abs(u[:, :2]), rtol=1e-10, atol=1e-12)
    raises(postgresql, E.InvalidParameterValue, r"k is 5; it must be between 1 and min\(rows, columns\) = 4",
           "SELECT indb_ml.svd_block('wide', 'w2', 5)")
    raises(postgresql, E.InvalidParameterValue, "k is 0", "SELECT indb_ml.svd_block('wide', 'w2', 0)")
    raises(postgresql, E.DuplicateTable, "already exists", "SELECT indb_ml.svd_block('wide', 'w', 2)")
    raises(postgresql, E.UndefinedTable, "does not exist", "SELECT indb_ml.svd_block('nope', 'w3', 2)")
    put(postgresql, "dense_mat", a, "dense")
    raises(postgresql, E.UndefinedColumn, "has no column 'col_id'", "SELECT indb_ml.svd_block('dense_mat', 'w4', 2)")
