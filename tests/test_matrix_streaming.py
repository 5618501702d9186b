"""The row-block and piece-wise operators: results equal numpy's, across block boundaries.

``SET indb_ml.row_block_mb`` to a tiny fraction makes blocks of one or two rows, so
every test crosses block boundaries; operators are forced with ``op=`` and the choice
made by default is read from the DEBUG2 message each operation emits.
"""

from __future__ import annotations

import numpy as np
import psycopg.errors as E
import pytest

from tests.test_matrix import get, put

RTOL = 1e-12
ARGS = "row=row_id, val=val"
SPARSE = "row=row_id, col=col_id, val=val"


@pytest.fixture
def conn(postgresql):
    postgresql.execute("SET indb_ml.row_block_mb = 0.00005")  # 52 bytes: blocks of 1-2 rows here
    return postgresql


def operators(conn, query: str, params=()) -> list:
    """Run ``query`` and return the operators its DEBUG2 messages name."""
    seen = []
    conn.add_notice_handler(lambda d: seen.append(d.message_primary))
    conn.execute("SET client_min_messages = debug2")
    try:
        conn.execute(query, params)
    finally:
        conn.execute("RESET client_min_messages")
    return [m.split("operator ", 1)[1] for m in seen if "operator " in m]


def rng_matrix(seed, shape, density=1.0):
    rng = np.random.default_rng(seed)
    m = rng.standard_normal(shape)
    return m * (rng.random(shape) < density)


@pytest.mark.parametrize("b_fmt", ["dense", "sparse", "tiles"])
@pytest.mark.parametrize("out_fmt", ["dense", "sparse", "tiles"])
def test_blocked_product_any_right_operand_any_output(conn, b_fmt, out_fmt):
    a, b = rng_matrix(1, (7, 5)), rng_matrix(2, (5, 3), density=0.6)
    put(conn, "a", a, "dense")
    b_args = put(conn, "b", b, b_fmt)
    ops = operators(conn, "SELECT indb_ml.matrix_mult('a', %s, 'b', %s, 'o', %s)",
                    [ARGS, b_args, f"fmt={out_fmt}, op=blocks, block=2, col=col_id"])
    assert ops == ["blocks"]
    out_args = SPARSE if out_fmt == "sparse" else ARGS
    np.testing.assert_allclose(get(conn, "o", out_args)[:7, :3], a @ b, rtol=RTOL, atol=1e-14)


def test_blocked_product_from_tiles_and_transposed_tiles(conn):
    a = rng_matrix(3, (5, 6))
    put(conn, "a", a, "tiles")
    put(conn, "b", np.eye(5), "dense")
    conn.execute("SELECT indb_ml.matrix_mult('a', 'trans=true', 'b', %s, 'o', 'op=blocks')", [ARGS])
    np.testing.assert_allclose(get(conn, "o", ""), a.T, rtol=RTOL)


def test_product_above_the_cap_streams_by_default(conn):
    a, b = rng_matrix(4, (400, 40)), rng_matrix(5, (40, 400))
    put(conn, "a", a, "dense")
    put(conn, "b", b, "dense")
    conn.execute("SET indb_ml.matrix_memory_mb = 1")  # a@b is 1.2 MB
    ops = operators(conn, "SELECT indb_ml.matrix_mult('a', %s, 'b', %s, 'o', '')", [ARGS, ARGS])
    assert ops == ["blocks"]
    np.testing.assert_allclose(get(conn, "o", ARGS), a @ b, rtol=RTOL, atol=1e-12)  # BLAS blocks round apart
    conn.execute("RESET indb_ml.matrix_memory_mb")
    assert operators(conn, "SELECT indb_ml.matrix_mult('a', %s, 'b', %s, 'o2', '')", [ARGS, ARGS]) == ["memory"]


def test_blocked_product_needs_rows_of_matrix_a(conn):
    put(conn, "a", np.ones((3, 3)), "dense")
    with pytest.raises(E.InvalidParameterValue, match="op=blocks streams matrix_a by rows"), conn.transaction():
        conn.execute("SELECT indb_ml.matrix_mult('a', 'row=row_id, val=val, trans=true', 'a', %s, 'o', 'op=blocks')",
                     [ARGS])
    assert conn.execute("SELECT to_regclass('o')").fetchone()[0] is None


@pytest.mark.parametrize("name, fn", [("matrix_add", np.add), ("matrix_sub", np.subtract),
                                      ("matrix_elem_mult", np.multiply)])
def test_blocked_elementwise(conn, name, fn):
    a, b = rng_matrix(6, (9, 4)), rng_matrix(7, (9, 4))
    put(conn, "a", a, "dense")
    put(conn, "b", b, "dense")
    # Rows stored out of order: blocks are formed by row id, not by physical order.
    conn.execute("CREATE TABLE b2 AS SELECT * FROM b ORDER BY row_id DESC")
    ops = operators(conn, f"SELECT indb_ml.{name}('a', %s, 'b2', %s, 'o', 'op=blocks')", [ARGS, ARGS])
    assert ops == ["blocks"]
    np.testing.assert_allclose(get(conn, "o", ARGS), fn(a, b), rtol=RTOL)


def test_elementwise_above_the_cap_streams_by_default_and_op_is_checked(conn):
    a = rng_matrix(8, (200, 300))
    put(conn, "a", a, "dense")
    conn.execute("SET indb_ml.matrix_memory_mb = 1")
    assert operators(conn, "SELECT indb_ml.matrix_add('a', %s, 'a', %s, 'o', '')", [ARGS, ARGS]) == ["blocks"]
    np.testing.assert_allclose(get(conn, "o", ARGS), 2 * a, rtol=RTOL)
    with pytest.raises(E.InvalidParameterValue, match="op=join needs two sparse"), conn.transaction():
        conn.execute("SELECT indb_ml.matrix_add('a', %s, 'a', %s, 'o2', 'op=join')", [ARGS, ARGS])
    put(conn, "t", np.ones((2, 2)), "tiles")
    with pytest.raises(E.InvalidParameterValue, match="op=blocks streams two dense"), conn.transaction():
        conn.execute("SELECT indb_ml.matrix_add('t', '', 't', '', 'o2', 'op=blocks')")


@pytest.mark.parametrize("fmt", ["dense", "sparse", "tiles"])
@pytest.mark.parametrize("target", ["densify", "sparsify", "reblock"])
def test_conversions_stream(conn, fmt, target):
    m = rng_matrix(9, (7, 5), density=0.5)
    args = put(conn, "m", m, fmt)
    conn.execute(f"SELECT indb_ml.matrix_{target}('m', %s, 'o', 'block=3, row=row_id, col=col_id')", [args])
    out_args = {"densify": ARGS, "sparsify": SPARSE, "reblock": ""}[target]
    out = get(conn, "o", out_args)
    np.testing.assert_array_equal(out[:7, :5], m)
    if target == "reblock":
        assert conn.execute("SELECT max(nrows), max(ncols) FROM o").fetchone() == (3, 3)


@pytest.mark.parametrize("fmt", ["dense", "sparse", "tiles"])
def test_scalar_mult_and_trans_stream(conn, fmt):
    m = rng_matrix(10, (6, 5), density=0.7)
    args = put(conn, "m", m, fmt)
    conn.execute("SELECT indb_ml.matrix_scalar_mult('m', %s, -2.5, 's', 'row=row_id, col=col_id')", [args])
    np.testing.assert_allclose(get(conn, "s", SPARSE if fmt == "sparse" else ARGS)[:6, :5], -2.5 * m, rtol=RTOL)
    conn.execute("SELECT indb_ml.matrix_trans('m', %s, 't', 'fmt=sparse, row=row_id, col=col_id')", [args])
    np.testing.assert_array_equal(get(conn, "t", SPARSE), m.T)
    if fmt == "tiles":  # tile columns read as rows: the transposed source streams
        ops = operators(conn, "SELECT indb_ml.matrix_trans('m', 'trans=true', 't2', 'fmt=dense')")
        assert ops == ["blocks"]
        np.testing.assert_array_equal(get(conn, "t2", "row=row_num, val=val"), m)


def test_dense_transpose_cannot_stream_rows(conn):
    put(conn, "m", np.ones((3, 2)), "dense")
    with pytest.raises(E.InvalidParameterValue, match="transposed dense table has none"), conn.transaction():
        conn.execute("SELECT indb_ml.matrix_trans('m', %s, 't', 'op=blocks')", [ARGS])
    assert operators(conn, "SELECT indb_ml.matrix_trans('m', %s, 't', '')", [ARGS]) == ["memory"]


@pytest.mark.parametrize("fmt", ["dense", "sparse", "tiles"])
@pytest.mark.parametrize("trans", [False, True])
def test_reductions_and_extraction_stream(conn, fmt, trans):
    m = rng_matrix(11, (7, 5), density=0.6)
    m[2, 3] = m[5, 3] = 9.0  # a tie: the first index wins
    m[4, 1] = m[6, 1] = -9.0
    args = put(conn, "m", m, fmt)
    args = (args + ", " if args else "") + f"trans={str(trans).lower()}"
    x = m.T if trans else m

    def one(q, *p):
        return conn.execute(q, [args, *p]).fetchone()[0]

    for dim, axis in ((1, 0), (2, 1)):
        np.testing.assert_allclose(one("SELECT indb_ml.matrix_sum('m', %s, %s)", dim), x.sum(axis), rtol=RTOL)
        np.testing.assert_allclose(one("SELECT indb_ml.matrix_mean('m', %s, %s)", dim), x.mean(axis), rtol=RTOL)
        for kind, pick, first in (("max", np.max, np.argmax), ("min", np.min, np.argmin)):
            conn.execute("DROP TABLE IF EXISTS r")
            conn.execute(f"SELECT indb_ml.matrix_{kind}('m', %s, %s, 'r', true)", [args, dim])
            index, values = conn.execute(f"SELECT index, {kind} FROM r").fetchone()
            assert values == pick(x, axis=axis).tolist()
            assert index == (first(x, axis=axis) + 1).tolist()
    for norm, expected in (("one", np.linalg.norm(x, 1)), ("inf", np.linalg.norm(x, np.inf)),
                           ("max", np.abs(x).max()), ("fro", np.linalg.norm(x)),
                           ("3", np.sum(np.abs(x) ** 3) ** (1 / 3))):
        assert one("SELECT indb_ml.matrix_norm('m', %s, %s)", norm) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_array_equal(one("SELECT indb_ml.matrix_extract_row('m', %s, 3)"), x[2])
    np.testing.assert_array_equal(one("SELECT indb_ml.matrix_extract_col('m', %s, 2)"), x[:, 1])
    np.testing.assert_array_equal(one("SELECT indb_ml.matrix_extract_diag('m', %s)"), np.diag(x))
    v = np.arange(1.0, x.shape[1] + 1)
    np.testing.assert_allclose(one("SELECT indb_ml.matrix_vec_mult('m', %s, %s)", v.tolist()), x @ v, rtol=RTOL)


def test_reductions_do_not_load_a_matrix_above_the_cap(conn):
    m = rng_matrix(12, (400, 400))
    put(conn, "m", m, "dense")
    conn.execute("SET indb_ml.matrix_memory_mb = 1")  # m is 1.2 MB
    conn.execute("SET indb_ml.row_block_mb = 0.1")
    with pytest.raises(E.ProgramLimitExceeded, match="above indb_ml.matrix_memory_mb"), conn.transaction():
        conn.execute("SELECT indb_ml.matrix_norm('m', %s, 'spectral')", [ARGS])  # needs the whole matrix
    got = conn.execute("SELECT indb_ml.matrix_norm('m', %s, 'fro'), indb_ml.matrix_sum('m', %s, 1)",
                       [ARGS, ARGS]).fetchone()
    assert got[0] == pytest.approx(np.linalg.norm(m), rel=1e-12)
    np.testing.assert_allclose(got[1], m.sum(0), rtol=1e-12)


def test_nan_wins_max_and_min_across_pieces(conn):
    m = np.array([[1.0, 2.0], [np.nan, 0.0], [3.0, np.nan], [np.nan, 5.0]])
    put(conn, "m", m, "dense")
    conn.execute("SELECT indb_ml.matrix_max('m', %s, 1, 'r', true)", [ARGS])
    index, values = conn.execute("SELECT index, max FROM r").fetchone()
    assert index == [2, 3] and all(np.isnan(values))


def test_sparse_product_choice_by_size(conn):
    a = rng_matrix(13, (30, 30), density=0.1)
    put(conn, "a", a, "sparse")
    q = "SELECT indb_ml.matrix_mult('a', %s, 'a', %s, %s, 'fmt=sparse')"
    assert operators(conn, q, [SPARSE, SPARSE, "o1"]) == ["memory"]
    conn.execute("SET indb_ml.matrix_memory_mb = 0")  # nothing fits: the join runs in PostgreSQL
    assert operators(conn, q, [SPARSE, SPARSE, "o2"]) == ["join"]
    for name in ("o1", "o2"):
        np.testing.assert_allclose(get(conn, name, SPARSE), a @ a, rtol=RTOL, atol=1e-14)


def test_bad_dense_rows_get_our_errors(conn):
    conn.execute("CREATE TABLE e (row_id int, val float8[])")
    conn.execute("INSERT INTO e VALUES (1, '{1,2}'), (2, '{}')")
    with pytest.raises(E.ArraySubscriptError, match="empty rows"), conn.transaction():
        conn.execute("SELECT indb_ml.matrix_sum('e', %s, 1)", [ARGS])
    conn.execute("CREATE TABLE d2 (row_id int, val float8[])")
    conn.execute("INSERT INTO d2 VALUES (1, '{{1,2},{3,4}}')")
    with pytest.raises(E.ArraySubscriptError, match="2-dimensional"), conn.transaction():
        conn.execute("SELECT indb_ml.matrix_sum('d2', %s, 1)", [ARGS])


def test_sparse_dims_given_explicitly(conn):
    conn.execute("CREATE TABLE s (row_id int, col_id int, val float8)")
    conn.execute("INSERT INTO s VALUES (1, 2, 3.0)")  # no entry at (m, n): the shape comes from dims=
    args = SPARSE + ", dims=4x3"
    assert conn.execute("SELECT indb_ml.matrix_ndims('s', %s)", [args]).fetchone()[0] == [4, 3]
    assert conn.execute("SELECT indb_ml.matrix_sum('s', %s, 2)", [args]).fetchone()[0] == [3.0, 0, 0, 0]
    conn.execute("SELECT indb_ml.matrix_mult('s', %s, 's', %s, 'o', 'fmt=sparse, op=join')",
                 [args, args + ", trans=true"])  # dims= is the stored shape
    assert conn.execute("SELECT indb_ml.matrix_ndims('o', %s)", [SPARSE]).fetchone()[0] == [4, 4]
    with pytest.raises(E.InvalidParameterValue, match="outside dims=1x1"), conn.transaction():
        conn.execute("SELECT indb_ml.matrix_ndims('s', %s)", [SPARSE + ", dims=1x1"])
    for bad in ("dims=4", "dims=0x3", "dims=ax3"):
        with pytest.raises(E.InvalidParameterValue, match="rows x columns"), conn.transaction():
            conn.execute("SELECT indb_ml.matrix_ndims('s', %s)", [SPARSE + ", " + bad])
    conn.execute("DELETE FROM s")  # empty with dims=: a zero matrix
    assert conn.execute("SELECT indb_ml.matrix_norm('s', %s, 'fro')", [args]).fetchone()[0] == 0.0
    with pytest.raises(E.InvalidParameterValue, match="empty name"), conn.transaction():
        conn.execute("SELECT indb_ml.matrix_ndims('s', 'row=\"\", col=col_id, val=val')")


@pytest.mark.parametrize("name, fn", [("matrix_add", np.add), ("matrix_sub", np.subtract),
                                      ("matrix_elem_mult", np.multiply)])
def test_sparse_elementwise_runs_in_sql(conn, name, fn):
    a, b = rng_matrix(14, (8, 6), density=0.4), rng_matrix(15, (6, 8), density=0.4)
    b[:, 0] = a[0, :]  # entries that cancel
    put(conn, "a", a, "sparse")
    put(conn, "b", b, "sparse")
    bt = SPARSE + ", trans=true"
    assert operators(conn, f"SELECT indb_ml.{name}('a', %s, 'b', %s, 'o', '')", [SPARSE, bt]) == ["join"]
    assert operators(conn, f"SELECT indb_ml.{name}('a', %s, 'b', %s, 'm', 'op=memory')", [SPARSE, bt]) == ["memory"]
    expected = fn(a, b.T)
    np.testing.assert_allclose(get(conn, "o", SPARSE), expected, rtol=RTOL)
    np.testing.assert_allclose(get(conn, "m", SPARSE), expected, rtol=RTOL)
    # Only non-zeros are stored, plus the shape-keeping zero at (m, n).
    stored = conn.execute("SELECT count(*) FROM o WHERE NOT (row_id = 8 AND col_id = 6)").fetchone()[0]
    assert stored == np.count_nonzero(expected[:-1]) + np.count_nonzero(expected[-1, :-1])


@pytest.mark.parametrize("query, expected", [
    ("SELECT indb_ml.matrix_trans('a', %s, 'o', '')", lambda a: a.T),
    ("SELECT indb_ml.matrix_scalar_mult('a', %s, -3.0, 'o', '')", lambda a: -3 * a),
    ("SELECT indb_ml.matrix_scalar_mult('a', %s, 0.0, 'o', '')", lambda a: 0 * a),
])
def test_sparse_trans_and_scaling_run_in_sql(conn, query, expected):
    a = rng_matrix(16, (5, 9), density=0.3)
    put(conn, "a", a, "sparse")
    assert operators(conn, query, [SPARSE]) == ["join"]
    want = expected(a)
    np.testing.assert_allclose(get(conn, "o", SPARSE), want, rtol=RTOL)
    assert conn.execute("SELECT indb_ml.matrix_ndims('o', %s)", [SPARSE]).fetchone()[0] == list(want.shape)


def test_sparse_reductions_run_in_sql_and_check_entries(conn):
    a = rng_matrix(17, (9, 7), density=0.3)
    a[8, 6] = 0.0
    put(conn, "a", a, "sparse")
    conn.execute("CREATE TABLE a_nopk AS SELECT * FROM a")  # no key: duplicates are looked for in SQL
    conn.execute("ALTER TABLE a ADD PRIMARY KEY (row_id, col_id)")  # a key proves there are none
    for table in ("a", "a_nopk"):
        def one(q, *p, table=table):
            return conn.execute(q, [table, SPARSE, *p]).fetchone()[0]

        np.testing.assert_allclose(one("SELECT indb_ml.matrix_sum(%s, %s, 1)"), a.sum(0), rtol=RTOL)
        np.testing.assert_allclose(one("SELECT indb_ml.matrix_mean(%s, %s, 2)"), a.mean(1), rtol=RTOL)
        for norm, want in (("one", np.linalg.norm(a, 1)), ("inf", np.linalg.norm(a, np.inf)),
                           ("max", np.abs(a).max()), ("fro", np.linalg.norm(a)),
                           ("1.5", np.sum(np.abs(a) ** 1.5) ** (1 / 1.5))):
            assert one("SELECT indb_ml.matrix_norm(%s, %s, %s)", norm) == pytest.approx(want, rel=1e-12)
        v = np.arange(1.0, 8.0)
        np.testing.assert_allclose(one("SELECT indb_ml.matrix_vec_mult(%s, %s, %s)", v.tolist()), a @ v, rtol=RTOL)
    conn.execute("INSERT INTO a_nopk SELECT * FROM a_nopk LIMIT 1")
    with pytest.raises(E.InvalidParameterValue, match="duplicate"), conn.transaction():
        conn.execute("SELECT indb_ml.matrix_norm('a_nopk', %s, 'fro')", [SPARSE])
    with pytest.raises(E.ArraySubscriptError, match="7 columns but the vector has 2"), conn.transaction():
        conn.execute("SELECT indb_ml.matrix_vec_mult('a', %s, '{1,2}')", [SPARSE])
    conn.execute("INSERT INTO a VALUES (1, 1, 'NaN') ON CONFLICT (row_id, col_id) DO UPDATE SET val = 'NaN'")
    assert np.isnan(conn.execute("SELECT indb_ml.matrix_norm('a', %s, 'fro')", [SPARSE]).fetchone()[0])


def test_outputs_store_float_values_uncompressed(conn):
    put(conn, "m", np.ones((3, 3)), "dense")
    conn.execute("SELECT indb_ml.matrix_scalar_mult('m', %s, 2.0, 'd', '')", [ARGS])
    conn.execute("SELECT indb_ml.matrix_reblock('m', %s, 't', '')", [ARGS])
    storage = conn.execute("SELECT attrelid::regclass::text, attstorage FROM pg_attribute WHERE attrelid IN "
                           "('d'::regclass, 't'::regclass) AND attname IN ('val', 'data') ORDER BY 1").fetchall()
    assert storage == [("d", "e"), ("t", "e")]


def test_sparse_sql_overflow_falls_back_to_numpy(conn):
    """PostgreSQL's float8 raises on overflow and underflow; numpy gives inf and 0 (review finding)."""
    put(conn, "s", np.array([[1.0, 1e-200], [0.0, 3.0]]), "sparse")
    put(conn, "b", np.diag([1e200, 1e300]), "sparse")
    assert conn.execute("SELECT indb_ml.matrix_norm('s', %s, 'fro')", [SPARSE]).fetchone()[0] == pytest.approx(
        np.sqrt(10.0))
    conn.execute("SELECT indb_ml.matrix_scalar_mult('s', %s, 1e-200, 'o1', '')", [SPARSE])
    np.testing.assert_array_equal(get(conn, "o1", SPARSE), np.array([[1e-200, 0.0], [0.0, 3e-200]]))
    conn.execute("SELECT indb_ml.matrix_elem_mult('b', %s, 'b', %s, 'o2', '')", [SPARSE, SPARSE])
    np.testing.assert_array_equal(get(conn, "o2", SPARSE), np.diag([np.inf, np.inf]))
    assert conn.execute("SELECT indb_ml.matrix_vec_mult('b', %s, array[1e200, 1])", [SPARSE]).fetchone()[0] == [
        np.inf, 1e300]
    with pytest.raises(E.InvalidParameterValue, match="overflowed or underflowed in op=join"), conn.transaction():
        conn.execute("SELECT indb_ml.matrix_mult('b', %s, 'b', %s, 'o3', 'fmt=sparse, op=join')", [SPARSE, SPARSE])
    assert conn.execute("SELECT to_regclass('o3')").fetchone()[0] is None


def test_blocks_never_hold_more_than_the_cap(conn):
    """A sparse matrix or a tile row is one block: its product is checked against the cap (review finding)."""
    put(conn, "l", np.ones((3000, 1)), "sparse")
    put(conn, "r", np.ones((1, 3000)), "dense")
    conn.execute("SET indb_ml.matrix_memory_mb = 1")  # the 3000 x 3000 product is 69 MB
    with pytest.raises(E.ProgramLimitExceeded, match="the product is 3000 x 3000"), conn.transaction():
        conn.execute("SELECT indb_ml.matrix_mult('l', %s, 'r', %s, 'o', '')", [SPARSE, ARGS])
    with pytest.raises(E.ProgramLimitExceeded, match="one block of the product"), conn.transaction():
        conn.execute("SELECT indb_ml.matrix_mult('l', %s, 'r', %s, 'o', 'op=blocks')", [SPARSE, ARGS])


def test_extreme_settings_are_clamped(conn):
    put(conn, "s", np.eye(3), "sparse")
    put(conn, "d", np.eye(3), "dense")
    conn.execute("SET indb_ml.matrix_memory_mb = 99999999")  # above PostgreSQL's largest work_mem
    assert conn.execute("SELECT indb_ml.matrix_sum('s', %s, 1)", [SPARSE]).fetchone()[0] == [1.0, 1.0, 1.0]
    for setting in ("100000", "inf", "1e400", "-1", "abc"):
        conn.execute("SELECT set_config('indb_ml.row_block_mb', %s, false)", [setting])
        assert conn.execute("SELECT indb_ml.matrix_sum('d', %s, 2)", [ARGS]).fetchone()[0] == [1.0, 1.0, 1.0]
    work_mem = conn.execute("SHOW work_mem").fetchone()[0]
    assert work_mem == "4MB"  # restored


def test_argument_misuse_is_reported(conn):
    put(conn, "d", np.eye(2), "dense")
    put(conn, "t", np.eye(4), "tiles")
    conn.execute("CREATE TABLE s (row_id int, col_id int, val float8, "
                 "UNIQUE (row_id, col_id) DEFERRABLE INITIALLY DEFERRED)")
    for bad, message in ((ARGS + ", dims=3x3", "dims= applies to sparse tables"),
                         (ARGS + ", op=memory", "op= is an output argument"),
                         (ARGS + ", block=3", "block= is an output argument")):
        with pytest.raises(E.InvalidParameterValue, match=message), conn.transaction():
            conn.execute("SELECT indb_ml.matrix_ndims('d', %s)", [bad])
    with pytest.raises(E.InvalidParameterValue, match="dims= describes an input"), conn.transaction():
        conn.execute("SELECT indb_ml.matrix_scalar_mult('d', %s, 2, 'o', 'dims=2x2')", [ARGS])
    # A deferrable key does not prove uniqueness mid-transaction: duplicates are still found.
    with conn.transaction():
        conn.execute("INSERT INTO s VALUES (1, 1, 1), (1, 1, 5), (2, 2, 1)")
        with pytest.raises(E.InvalidParameterValue, match="duplicate"), conn.transaction():
            conn.execute("SELECT indb_ml.matrix_sum('s', %s, 1)", [SPARSE])
        with pytest.raises(E.InvalidParameterValue, match="duplicate"), conn.transaction():
            conn.execute("SELECT indb_ml.matrix_ndims('s', %s)", [SPARSE])
        conn.execute("DELETE FROM s WHERE val = 5")
    # block= on a tile-to-tile operation re-tiles instead of being ignored.
    conn.execute("SELECT indb_ml.matrix_scalar_mult('t', '', 2, 't3', 'block=3')")
    assert conn.execute("SELECT max(nrows), max(ncols) FROM t3").fetchone() == (3, 3)
    np.testing.assert_array_equal(get(conn, "t3", ""), 2 * np.eye(4))
