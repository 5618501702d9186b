"""Matrix operations over dense, sparse and tiled tables, against numpy (exact up to 1e-12)."""

from __future__ import annotations

import numpy as np
import psycopg.errors as E
import pytest
from psycopg import sql

RTOL = 1e-12


def put(conn, name: str, m: np.ndarray, fmt: str, names=("row_id", "col_id", "val")) -> str:
    """Write ``m`` as a table in ``fmt`` with plain SQL (independent of indb_ml's writers)."""
    r, c, v = (sql.Identifier(n) for n in names)
    t = sql.Identifier(name)
    if fmt == "dense":
        conn.execute(sql.SQL("CREATE TABLE {} ({} int, {} float8[])").format(t, r, v))
        for i, row in enumerate(m, start=1):
            conn.execute(sql.SQL("INSERT INTO {} VALUES (%s, %s)").format(t), [i, row.tolist()])
        return f"row={names[0]}, val={names[2]}"
    if fmt == "sparse":
        conn.execute(sql.SQL("CREATE TABLE {} ({} int, {} int, {} float8)").format(t, r, c, v))
        entries = [(i + 1, j + 1, float(m[i, j])) for i, j in zip(*np.nonzero(m))]
        if (m.shape[0], m.shape[1]) not in [(e[0], e[1]) for e in entries]:
            entries.append((m.shape[0], m.shape[1], 0.0))
        for e in entries:
            conn.execute(sql.SQL("INSERT INTO {} VALUES (%s, %s, %s)").format(t), list(e))
        return f"row={names[0]}, col={names[1]}, val={names[2]}"
    conn.execute(sql.SQL("CREATE TABLE {} (row_block int, col_block int, nrows int, ncols int, layout text, "
                         "codec text, data bytea)").format(t))
    block = 2
    for i in range(0, m.shape[0], block):
        for j in range(0, m.shape[1], block):
            tile = np.ascontiguousarray(m[i:i + block, j:j + block], dtype="<f8")
            conn.execute(sql.SQL("INSERT INTO {} VALUES (%s, %s, %s, %s, 'dense', 'raw', %s)").format(t),
                         [i // block, j // block, tile.shape[0], tile.shape[1], tile.tobytes()])
    return ""


def get(conn, name: str, args: str) -> np.ndarray:
    """Read a result table back with plain SQL, whatever its format."""
    cols = {r[0] for r in conn.execute("SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass "
                                       "AND attnum > 0", [name])}
    if {"row_block", "data"} <= cols:
        tiles = conn.execute(sql.SQL("SELECT row_block, col_block, nrows, ncols, data FROM {}")
                             .format(sql.Identifier(name))).fetchall()
        heights = {t[0]: t[2] for t in tiles}
        widths = {t[1]: t[3] for t in tiles}
        out = np.zeros((sum(heights.values()), sum(widths.values())))
        ro = np.cumsum([0] + [heights[i] for i in sorted(heights)])
        co = np.cumsum([0] + [widths[j] for j in sorted(widths)])
        for i, j, h, w, data in tiles:
            out[ro[i]:ro[i] + h, co[j]:co[j] + w] = np.frombuffer(data, "<f8").reshape(h, w)
        return out
    kv = dict(p.strip().split("=") for p in args.split(",") if p.strip())
    row, val = kv.get("row", "row_num"), kv.get("val", "val")
    if kv.get("col", "col_num") in cols and val in cols and "fmt=dense" not in args:
        rows = conn.execute(sql.SQL("SELECT {}, {}, {} FROM {}").format(
            sql.Identifier(row), sql.Identifier(kv.get("col", "col_num")), sql.Identifier(val),
            sql.Identifier(name))).fetchall()
        out = np.zeros((max(r[0] for r in rows), max(r[1] for r in rows)))
        for i, j, x in rows:
            out[i - 1, j - 1] = x
        return out
    rows = conn.execute(sql.SQL("SELECT {}, {} FROM {} ORDER BY 1").format(
        sql.Identifier(row), sql.Identifier(val), sql.Identifier(name))).fetchall()
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    return np.array([r[1] for r in rows], dtype=float)


FORMATS = ["dense", "sparse", "tiles"]


@pytest.mark.parametrize("fa", FORMATS)
@pytest.mark.parametrize("fb", FORMATS)
def test_mult_add_sub_elem_across_formats(postgresql, fa, fb):
    rng = np.random.default_rng(1)
    a = rng.normal(size=(5, 3)) * (rng.random((5, 3)) < 0.6)
    b = rng.normal(size=(5, 3))
    a_args, b_args = put(postgresql, "a", a, fa), put(postgresql, "b", b, fb)
    out_args = "row=row_id, col=col_id, val=val"
    postgresql.execute("SELECT indb_ml.matrix_mult('a', %s, 'b', %s, 'r_mult', %s)",
                       [a_args, b_args + (", " if b_args else "") + "trans=true", out_args])
    np.testing.assert_allclose(get(postgresql, "r_mult", out_args + ", fmt=dense"), a @ b.T, rtol=RTOL, atol=1e-12)
    for op, expected in (("matrix_add", a + b), ("matrix_sub", a - b), ("matrix_elem_mult", a * b)):
        out = "r_" + op
        postgresql.execute(sql.SQL("SELECT indb_ml.{}('a', %s, 'b', %s, %s, %s)").format(sql.Identifier(op)),
                           [a_args, b_args, out, out_args])
        np.testing.assert_allclose(get(postgresql, out, out_args), expected, rtol=RTOL, atol=1e-12, err_msg=op)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("shape", [(1, 4), (4, 1), (3, 3), (7, 5)])
def test_unary_ops_and_output_formats(postgresql, fmt, shape):
    m = np.random.default_rng(2).normal(size=shape)
    args = put(postgresql, "m", m, fmt)
    out_args = "row=row_id, col=col_id, val=val"
    postgresql.execute("SELECT indb_ml.matrix_trans('m', %s, 't', %s)", [args, out_args])
    np.testing.assert_allclose(get(postgresql, "t", out_args), m.T, rtol=RTOL)
    postgresql.execute("SELECT indb_ml.matrix_scalar_mult('m', %s, -2.5, 's', %s)", [args, out_args])
    np.testing.assert_allclose(get(postgresql, "s", out_args), -2.5 * m, rtol=RTOL)
    for out_fmt in FORMATS:
        oa = out_args + ", fmt=" + out_fmt + (", block=2" if out_fmt == "tiles" else "")
        postgresql.execute("SELECT indb_ml.matrix_reblock('m', %s, %s, %s)", [args, "o_" + out_fmt, oa])
        np.testing.assert_allclose(get(postgresql, "o_" + out_fmt, oa), m, rtol=RTOL, err_msg=out_fmt)
    vec = np.arange(1.0, shape[1] + 1)
    got = postgresql.execute("SELECT indb_ml.matrix_vec_mult('m', %s, %s)", [args, vec.tolist()]).fetchone()[0]
    np.testing.assert_allclose(got, m @ vec, rtol=RTOL)
    assert postgresql.execute("SELECT indb_ml.matrix_ndims('m', %s)", [args]).fetchone()[0] == list(shape)


def test_madlib_documented_matrix_mult_example(postgresql):
    a = [[9, 6, 5, 8, 5, 6, 6, 3, 10, 8], [8, 2, 2, 6, 6, 10, 2, 1, 9, 9], [3, 9, 9, 9, 8, 6, 3, 9, 5, 6],
         [6, 4, 2, 2, 2, 7, 8, 8, 0, 7], [6, 8, 9, 9, 4, 6, 9, 5, 7, 7], [4, 10, 7, 3, 9, 5, 9, 2, 3, 4],
         [8, 10, 7, 10, 1, 9, 7, 9, 8, 7], [7, 4, 5, 6, 2, 8, 1, 1, 4, 8], [8, 8, 8, 5, 2, 6, 9, 1, 8, 3],
         [4, 6, 3, 2, 6, 4, 1, 2, 3, 8]]
    b = [[9, 10, 2, 4, 6, 5, 3, 7, 5, 6], [5, 3, 5, 2, 8, 6, 9, 7, 7, 6], [0, 1, 2, 3, 2, 7, 7, 3, 10, 1],
         [2, 9, 0, 4, 3, 6, 8, 6, 3, 4], [3, 8, 7, 7, 0, 5, 3, 9, 2, 10], [5, 3, 1, 7, 6, 3, 5, 3, 6, 4],
         [4, 8, 4, 4, 2, 7, 10, 0, 3, 3], [4, 6, 0, 1, 3, 1, 6, 6, 9, 8], [6, 5, 1, 7, 2, 7, 10, 6, 0, 6],
         [1, 4, 4, 4, 8, 5, 2, 8, 5, 5]]
    postgresql.execute('CREATE TABLE "mat_A" (row_id integer, row_vec integer[])')
    postgresql.execute('CREATE TABLE "mat_B" (row_id integer, vector integer[])')
    for i, (ra, rb) in enumerate(zip(a, b), start=1):
        postgresql.execute('INSERT INTO "mat_A" VALUES (%s, %s)', [i, ra])
        postgresql.execute('INSERT INTO "mat_B" VALUES (%s, %s)', [i, rb])
    res = postgresql.execute("""SELECT indb_ml.matrix_mult('"mat_A"', 'row=row_id, val=row_vec',
                                '"mat_B"', 'row=row_id, val=vector, trans=true', 'mat_r')""").fetchone()[0]
    assert res == "(mat_r)"
    rows = postgresql.execute("SELECT row_id, row_vec FROM mat_r ORDER BY row_id").fetchall()
    assert rows[0][1] == [380, 373, 251, 283, 341, 303, 302, 309, 323, 281]  # MADlib's documented output
    assert rows[9][1] == [246, 221, 109, 173, 222, 164, 167, 185, 181, 189]
    np.testing.assert_array_equal(np.array([r[1] for r in rows]), np.array(a) @ np.array(b).T)


def test_vector_column_and_numeric_types(postgresql):
    m = np.random.default_rng(3).normal(size=(4, 3)).astype(np.float32).astype(float)
    postgresql.execute("CREATE TABLE v (r bigint, x vector(3))")
    for i, row in enumerate(m, start=1):
        postgresql.execute("INSERT INTO v VALUES (%s, %s)", [i, "[" + ",".join(map(str, row)) + "]"])
    postgresql.execute("SELECT indb_ml.matrix_trans('v', 'row=r, val=x', 'vt', 'fmt=dense')")
    np.testing.assert_allclose(get(postgresql, "vt", "row=r, val=x"), m.T, rtol=1e-6)


@pytest.mark.parametrize("setup, call, error, match", [
    ("", "SELECT indb_ml.matrix_mult('a', 'row=row_id, val=val', 'a', 'row=row_id, val=val', 'o')",
     E.InvalidParameterValue, "inner dimensions differ"),
    ("", "SELECT indb_ml.matrix_add('a', 'row=row_id, val=val', 'sq', 'row=row_id, val=val', 'o')",
     E.InvalidParameterValue, "same shape"),
    ("", "SELECT indb_ml.matrix_trans('a', 'row=nope, val=val', 'o')", E.UndefinedColumn, "no column 'nope'"),
    ("", "SELECT indb_ml.matrix_trans('missing', 'row=row_id, val=val', 'o')", E.UndefinedTable, "does not exist"),
    ("", "SELECT indb_ml.matrix_trans('a', 'row=row_id, val=val, colour=red', 'o')", E.InvalidParameterValue,
     "unknown matrix argument"),
    ("", "SELECT indb_ml.matrix_trans('a', 'row=row_id; DROP TABLE a, val=val', 'o')", E.InvalidParameterValue,
     "not a column name"),
    ("", "SELECT indb_ml.matrix_trans('a', 'row=row_id, val=val', 'a')", E.DuplicateTable, "already exists"),
    ("INSERT INTO sp VALUES (1, 1, 2)", "SELECT indb_ml.matrix_trans('sp', 'row=r, col=c, val=v', 'o')",
     E.InvalidParameterValue, "duplicate"),
    ("INSERT INTO a VALUES (3, '{1,2}')", "SELECT indb_ml.matrix_trans('a', 'row=row_id, val=val', 'o')",
     E.ArraySubscriptError, "different lengths"),
    ("INSERT INTO a VALUES (3, '{1,NULL,3}')", "SELECT indb_ml.matrix_trans('a', 'row=row_id, val=val', 'o')",
     E.DataException, "NULL"),
    ("INSERT INTO a VALUES (5, '{1,2,3}')", "SELECT indb_ml.matrix_trans('a', 'row=row_id, val=val', 'o')",
     E.InvalidParameterValue, "without gaps"),
    ("", "SELECT indb_ml.matrix_trans('txt', 'row=r, col=c, val=v', 'o')", E.DatatypeMismatch, "type text"),
    ("", "SELECT indb_ml.matrix_vec_mult('a', 'row=row_id, val=val', ARRAY[1, 2])", E.ArraySubscriptError,
     "3 columns"),
])
def test_bad_input(postgresql, setup, call, error, match):
    postgresql.execute("CREATE TABLE a (row_id int, val float8[])")
    postgresql.execute("INSERT INTO a VALUES (1, '{1,2,3}'), (2, '{4,5,6}')")
    postgresql.execute("CREATE TABLE sq (row_id int, val float8[])")
    postgresql.execute("INSERT INTO sq VALUES (1, '{1,2}'), (2, '{3,4}')")
    postgresql.execute("CREATE TABLE sp (r int, c int, v float8)")
    postgresql.execute("INSERT INTO sp VALUES (1, 1, 1), (2, 2, 1)")
    postgresql.execute("CREATE TABLE txt (r int, c int, v text)")
    if setup:
        postgresql.execute(setup)
    with pytest.raises(error, match=match), postgresql.transaction():
        postgresql.execute(call)
    assert postgresql.execute("SELECT to_regclass('o')").fetchone()[0] is None


def force_parallel(conn) -> None:
    version = conn.info.server_version
    conn.execute("SET force_parallel_mode = on" if version < 160000 else "SET debug_parallel_query = on")
    for setting in ("parallel_setup_cost = 0", "parallel_tuple_cost = 0", "min_parallel_table_scan_size = 0"):
        conn.execute("SET " + setting)


def test_tiled_product_is_a_streaming_join_aggregate(postgresql):
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(7, 5)), rng.normal(size=(5, 3))
    put(postgresql, "ta", a, "tiles")
    put(postgresql, "tb", b, "tiles")
    postgresql.execute("SELECT indb_ml.matrix_mult('ta', '', 'tb', '', 'tr')")
    np.testing.assert_allclose(get(postgresql, "tr", ""), a @ b, rtol=RTOL)
    assert postgresql.execute("SELECT count(*) FROM tr").fetchone()[0] == 4 * 2  # output tiles only
    # The aggregate itself, serial and with parallel workers forced: same tiles.
    query = ("SELECT a.row_block, b.col_block, indb_ml.tile_mm(a.data, a.nrows, a.ncols, b.data, b.nrows, b.ncols) "
             "FROM ta a JOIN tb b ON a.col_block = b.row_block GROUP BY 1, 2 ORDER BY 1, 2")
    serial = postgresql.execute(query).fetchall()
    force_parallel(postgresql)
    plan = "\n".join(r[0] for r in postgresql.execute("EXPLAIN " + query))
    assert "Gather" in plan, plan
    parallel = postgresql.execute(query).fetchall()
    assert [r[:2] for r in parallel] == [r[:2] for r in serial]
    for s, p in zip(serial, parallel):
        np.testing.assert_allclose(np.frombuffer(p[2]), np.frombuffer(s[2]), rtol=1e-12)


@pytest.mark.parametrize("trans_a, trans_b, b_shape", [(True, False, (5, 3)), (False, True, (3, 7)),
                                                      (True, True, (3, 5))])
def test_tiled_product_with_transposed_operands_streams(postgresql, trans_a, trans_b, b_shape):
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(5, 7)), rng.normal(size=b_shape)
    a_eff, b_eff = (a.T if trans_a else a), (b.T if trans_b else b)
    put(postgresql, "ta", a, "tiles")
    put(postgresql, "tb", b, "tiles")
    postgresql.execute("SELECT indb_ml.matrix_mult('ta', %s, 'tb', %s, 'tr', '')",
                       [f"trans={trans_a}", f"trans={trans_b}"])
    np.testing.assert_allclose(get(postgresql, "tr", ""), a_eff @ b_eff, rtol=RTOL)


def test_gram_over_tiles_serial_and_parallel(postgresql):
    """AᵀA through the transposed tile_mm: the same tiles with parallel workers forced."""
    a = np.random.default_rng(6).normal(size=(9, 4))
    put(postgresql, "ta", a, "tiles")
    postgresql.execute("SELECT indb_ml.matrix_mult('ta', 'trans=true', 'ta', '', 'g', '')")
    np.testing.assert_allclose(get(postgresql, "g", ""), a.T @ a, rtol=RTOL)
    query = ("SELECT a.col_block, b.col_block, indb_ml.tile_mm(a.data, a.nrows, a.ncols, true, b.data, b.nrows, "
             "b.ncols, false) FROM ta a JOIN ta b ON a.row_block = b.row_block GROUP BY 1, 2 ORDER BY 1, 2")
    serial = postgresql.execute(query).fetchall()
    force_parallel(postgresql)
    plan = "\n".join(r[0] for r in postgresql.execute("EXPLAIN " + query))
    assert "Partial" in plan or "Gather" in plan, plan
    for s, p in zip(serial, postgresql.execute(query).fetchall()):
        assert s[:2] == p[:2]
        np.testing.assert_allclose(np.frombuffer(p[2]), np.frombuffer(s[2]), rtol=1e-12)


def test_tiled_product_with_mismatched_tiling(postgresql):
    m = np.ones((4, 4))
    put(postgresql, "ta", m, "tiles")
    postgresql.execute("SELECT indb_ml.matrix_reblock('ta', '', 'tb', 'block=3')")
    with pytest.raises(E.InvalidParameterValue, match="tiling differ"), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.matrix_mult('ta', '', 'tb', '', 'tr')")
    postgresql.execute("SELECT indb_ml.matrix_mult('ta', '', 'tb', '', 'tr', 'fmt=dense')")  # in memory: fine
    np.testing.assert_allclose(get(postgresql, "tr", "row=row_num, val=val, fmt=dense"), m @ m, rtol=RTOL)


@pytest.mark.parametrize("ta, tb", [(False, False), (True, False), (False, True)])
def test_sparse_product_as_join_matches_memory(postgresql, ta, tb):
    rng = np.random.default_rng(6)
    a = rng.normal(size=(6, 4)) * (rng.random((6, 4)) < 0.4)
    b = rng.normal(size=(6, 4)) * (rng.random((6, 4)) < 0.4)
    a_args = put(postgresql, "sa", a if not ta else a.T, "sparse") + (", trans=true" if ta else "")
    b_args = put(postgresql, "sb", b.T if not tb else b, "sparse") + (", trans=true" if tb else "")
    expected = a @ b.T
    for op in ("join", "memory"):
        out_args = "fmt=sparse, op=" + op
        postgresql.execute("SELECT indb_ml.matrix_mult('sa', %s, 'sb', %s, %s, %s)",
                           [a_args, b_args, "r_" + op, out_args])
        np.testing.assert_allclose(get(postgresql, "r_" + op, "row=row_id, col=col_id, val=val"), expected,
                                   rtol=1e-12, atol=1e-12, err_msg=op)
    # Same rows, same shape entry, as MADlib's sparse convention.
    assert postgresql.execute("SELECT count(*) FROM r_join").fetchone() == postgresql.execute(
        "SELECT count(*) FROM r_memory").fetchone()


def test_operator_choice_errors(postgresql):
    put(postgresql, "d", np.ones((2, 2)), "dense")
    put(postgresql, "s", np.ones((2, 2)), "sparse")
    with pytest.raises(E.InvalidParameterValue, match="op=join needs two sparse"), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.matrix_mult('d', 'row=row_id, val=val', 's', "
                           "'row=row_id, col=col_id, val=val', 'o', 'op=join')")
    with pytest.raises(E.InvalidParameterValue, match="op=tiles needs two tile"), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.matrix_mult('s', 'row=row_id, col=col_id, val=val', 's', "
                           "'row=row_id, col=col_id, val=val', 'o', 'op=tiles')")
    with pytest.raises(E.InvalidParameterValue, match="op='fast'"), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.matrix_mult('d', 'row=row_id, val=val', 'd', 'row=row_id, val=val', "
                           "'o', 'op=fast')")
    postgresql.execute("INSERT INTO s VALUES (1, 1, 5)")
    with pytest.raises(E.InvalidParameterValue, match="duplicate"), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.matrix_mult('s', 'row=row_id, col=col_id, val=val', 's', "
                           "'row=row_id, col=col_id, val=val', 'o', 'fmt=sparse')")


def test_tiled_matrix_vector_product_streams_tiles(postgresql):
    m = np.random.default_rng(7).normal(size=(7, 5))
    put(postgresql, "tm", m, "tiles")
    v = np.arange(1.0, 6.0)
    got = postgresql.execute("SELECT indb_ml.matrix_vec_mult('tm', '', %s)", [v.tolist()]).fetchone()[0]
    np.testing.assert_allclose(got, m @ v, rtol=RTOL)
    query = ("SELECT row_block, indb_ml.tile_mv(data, nrows, ncols, (%s::int4[])[col_block + 1], %s) FROM tm "
             "GROUP BY row_block ORDER BY row_block")
    params = [[0, 2, 4], v.tobytes()]
    serial = postgresql.execute(query, params).fetchall()
    force_parallel(postgresql)
    parallel = postgresql.execute(query, params).fetchall()
    for s, p in zip(serial, parallel):
        np.testing.assert_allclose(np.frombuffer(p[1]), np.frombuffer(s[1]), rtol=1e-12)
    with pytest.raises(E.ArraySubscriptError, match="5 columns"), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.matrix_vec_mult('tm', '', ARRAY[1, 2])")


def test_readers_run_under_forced_parallel_query(postgresql):
    """Functions that read tables are PARALLEL UNSAFE, so a forced-parallel session still runs them."""
    put(postgresql, "tm", np.eye(3), "dense", names=("row_id", "col_id", "val"))
    force_parallel(postgresql)
    got = postgresql.execute("SELECT indb_ml.matrix_vec_mult('tm', 'row=row_id, val=val', ARRAY[1, 2, 3]), "
                             "indb_ml.matrix_ndims('tm', 'row=row_id, val=val')").fetchone()
    assert got == ([1.0, 2.0, 3.0], [3, 3])


def test_reblock_streams_dense_rows_past_the_memory_cap(postgresql):
    """Dense -> tiles holds one block row at a time: it works where loading the matrix is refused."""
    m = np.random.default_rng(8).normal(size=(400, 1000))  # 3.2 MB
    postgresql.execute("CREATE TABLE big (row_id int, val float8[])")
    with postgresql.cursor().copy("COPY big FROM STDIN") as copy:
        for i, row in enumerate(m, start=1):
            copy.write_row([i, row.tolist()])
    postgresql.execute("SET indb_ml.matrix_memory_mb = 1")
    with pytest.raises(E.ProgramLimitExceeded, match="matrix_memory_mb"), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.matrix_trans('big', 'row=row_id, val=val', 'o')")
    postgresql.execute("SELECT indb_ml.matrix_reblock('big', 'row=row_id, val=val', 'big_t', 'block=100')")
    assert postgresql.execute("SELECT count(*) FROM big_t").fetchone()[0] == 4 * 10
    postgresql.execute("RESET indb_ml.matrix_memory_mb")
    np.testing.assert_array_equal(get(postgresql, "big_t", ""), m)


def test_elementwise_and_transpose_stream_tiles(postgresql):
    rng = np.random.default_rng(9)
    a, b = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    put(postgresql, "ta", a, "tiles")
    put(postgresql, "tb", b, "tiles")
    for fn, expected in (("matrix_add", a + b), ("matrix_sub", a - b), ("matrix_elem_mult", a * b)):
        postgresql.execute(sql.SQL("SELECT indb_ml.{}('ta', '', 'tb', '', %s)").format(sql.Identifier(fn)), ["o_" + fn])
        np.testing.assert_allclose(get(postgresql, "o_" + fn, ""), expected, rtol=RTOL, err_msg=fn)
    postgresql.execute("SELECT indb_ml.matrix_trans('ta', '', 'o_t')")
    np.testing.assert_allclose(get(postgresql, "o_t", ""), a.T, rtol=RTOL)
    postgresql.execute("SELECT indb_ml.matrix_scalar_mult('ta', '', 3, 'o_s')")
    np.testing.assert_allclose(get(postgresql, "o_s", ""), 3 * a, rtol=RTOL)
    # Nothing is loaded: the memory cap does not apply to tile-by-tile operations.
    postgresql.execute("SET indb_ml.matrix_memory_mb = 0")
    postgresql.execute("SELECT indb_ml.matrix_add('ta', '', 'tb', '', 'o_capped')")
    with pytest.raises(E.InvalidParameterValue, match="tile_op: unknown operation"), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.tile_op('pow', data, data, nrows, ncols, 2) FROM ta")


@pytest.mark.parametrize("damage, match", [
    ("DELETE FROM ta WHERE row_block = 0 AND col_block = 1", "tiles are missing"),
    ("UPDATE ta SET layout = 'csr' WHERE row_block = 0 AND col_block = 0", "layout or codec"),
    ("UPDATE ta SET data = substr(data, 9) WHERE row_block = 0 AND col_block = 0", "not nrows x ncols"),
    ("UPDATE ta SET row_block = 5 WHERE row_block = 2", "without gaps"),
    ("DELETE FROM ta", "no tiles"),
])
def test_damaged_tile_tables_are_rejected_on_every_path(postgresql, damage, match):
    m = np.arange(30.0).reshape(5, 6)
    put(postgresql, "ta", m, "tiles")
    put(postgresql, "tb", m, "tiles")
    postgresql.execute(damage)
    for call in ("SELECT indb_ml.matrix_add('ta', '', 'tb', '', 'o')",  # streamed
                 "SELECT indb_ml.matrix_vec_mult('ta', '', ARRAY[1, 1, 1, 1, 1, 1])",  # streamed
                 "SELECT indb_ml.matrix_trans('ta', '', 'o', 'fmt=dense')"):  # in memory
        with pytest.raises(E.Error, match=match), postgresql.transaction():
            postgresql.execute(call)


def test_memory_cap_covers_outputs_and_shapes_without_loading(postgresql):
    put(postgresql, "col", np.ones((600, 1)), "dense", names=("row_id", "col_id", "val"))
    put(postgresql, "row", np.ones((1, 600)), "dense", names=("row_id", "col_id", "val"))
    postgresql.execute("SELECT indb_ml.matrix_reblock('col', 'row=row_id, val=val', 'col_t', 'block=100')")
    postgresql.execute("SET indb_ml.matrix_memory_mb = 1")  # the 600 x 600 product is 2.9 MB
    with pytest.raises(E.ProgramLimitExceeded, match="the product"), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.matrix_mult('col', 'row=row_id, val=val', 'row', 'row=row_id, val=val', "
                           "'o', 'op=memory')")
    # By default the product above the cap streams in row blocks instead.
    postgresql.execute("SET indb_ml.row_block_mb = 1")
    postgresql.execute("SELECT indb_ml.matrix_mult('col', 'row=row_id, val=val', 'row', 'row=row_id, val=val', 'o')")
    np.testing.assert_array_equal(get(postgresql, "o", "row=row_id, val=val"), np.ones((600, 600)))
    assert postgresql.execute("SELECT indb_ml.matrix_ndims('col_t', '')").fetchone()[0] == [600, 1]


def test_join_operator_checks_columns(postgresql):
    put(postgresql, "s", np.eye(3), "sparse")
    with pytest.raises(E.UndefinedColumn, match="no column 'nope'"), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.matrix_mult('s', 'row=row_id, col=nope, val=val', 's', "
                           "'row=row_id, col=col_id, val=val', 'o', 'fmt=sparse')")


def test_tile_mm_combine_runs_in_partial_aggregation(postgresql):
    """One output tile summing many tile pairs: the plan splits it across workers and merges."""
    rng = np.random.default_rng(10)
    a, b = rng.normal(size=(2, 80)), rng.normal(size=(80, 2))
    put(postgresql, "ta", a, "tiles")
    put(postgresql, "tb", b, "tiles")
    postgresql.execute("ANALYZE ta")
    postgresql.execute("ANALYZE tb")
    query = ("SELECT indb_ml.tile_mm(a.data, a.nrows, a.ncols, b.data, b.nrows, b.ncols) "
             "FROM ta a JOIN tb b ON a.col_block = b.row_block")
    serial = np.frombuffer(postgresql.execute(query).fetchone()[0])
    force_parallel(postgresql)
    plan = "\n".join(r[0] for r in postgresql.execute("EXPLAIN " + query))
    assert "Partial Aggregate" in plan, plan
    parallel = np.frombuffer(postgresql.execute(query).fetchone()[0])
    np.testing.assert_allclose(parallel, serial, rtol=1e-12)
    np.testing.assert_allclose(serial.reshape(2, 2), a @ b, rtol=1e-12)
