"""matrix_compress / matrix_info and compressed tiles in every matrix operation, on a real cluster.

Oracles: numpy on the original matrix, and the same operation on the uncompressed tile table
(lossless codecs decode to the very same float64 tiles, so results must be identical, bit for
bit, except where a codec has its own kernel: the dict matrix-vector product, within 1e-12).
"""

from __future__ import annotations

import numpy as np
import psycopg.errors as E
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from psycopg import sql

from indb_ml.compress import codecs as C
from indb_ml.matrix.pieces import band_query, window_query

RTOL = 1e-12
LOSSLESS = ("auto", "zstd", "lz4", "zlib", "csr", "coo", "dict")


def put_dense(conn, name: str, m: np.ndarray, key: bool = True) -> str:
    """A dense (row_id, row_vec float8[]) table written with plain SQL, one COPY."""
    t = sql.Identifier(name)
    conn.execute(sql.SQL("CREATE TABLE {} (row_id int, row_vec float8[])").format(t))
    with conn.cursor().copy(sql.SQL("COPY {} FROM STDIN").format(t)) as copy:
        for i, row in enumerate(m, start=1):
            copy.write_row([i, row.tolist()])
    if key:
        conn.execute(sql.SQL("ALTER TABLE {} ADD PRIMARY KEY (row_id)").format(t))
    return "row=row_id, val=row_vec"


def read(conn, name: str) -> np.ndarray:
    """A result table (raw tiles, dense rows or sparse entries) as an ndarray, with plain SQL."""
    cols = {r[0] for r in conn.execute("SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass "
                                       "AND attnum > 0 AND NOT attisdropped", [name])}
    t = sql.Identifier(name)
    if "row_block" in cols:
        # compressed tiles decoded by the server's Python (the client's may lack pyarrow for lz4/zstd)
        tiles = conn.execute(sql.SQL("SELECT row_block, col_block, nrows, ncols, 'raw', indb_ml.tile_decode(data, "
                                     "codec, nrows, ncols) FROM {}").format(t)).fetchall()
        heights, widths = {r[0]: r[2] for r in tiles}, {r[1]: r[3] for r in tiles}
        ro = np.cumsum([0] + [heights[i] for i in sorted(heights)])
        co = np.cumsum([0] + [widths[j] for j in sorted(widths)])
        out = np.zeros((ro[-1], co[-1]))
        for i, j, h, w, _, data in tiles:
            out[ro[i]:ro[i] + h, co[j]:co[j] + w] = np.frombuffer(data, "<f8").reshape(h, w)
        return out
    row = sql.Identifier("row_id" if "row_id" in cols else "row_num")
    if not {"col_id", "col_num"} & cols:
        val = sql.Identifier("row_vec" if "row_vec" in cols else "val")
        rows = conn.execute(sql.SQL("SELECT {} FROM {} ORDER BY {}").format(val, t, row)).fetchall()
        return np.array([r[0] for r in rows])
    col = sql.Identifier("col_id" if "col_id" in cols else "col_num")
    rows = conn.execute(sql.SQL("SELECT {}, {}, val FROM {}").format(row, col, t)).fetchall()
    out = np.zeros((max(r[0] for r in rows), max(r[1] for r in rows)))
    for i, j, v in rows:
        out[i - 1, j - 1] = v
    return out


def kinds(seed: int = 0, shape=(23, 17)) -> dict:
    rng = np.random.default_rng(seed)
    return {
        "dense": rng.normal(size=shape),
        "sparse": np.where(rng.random(shape) < 0.1, rng.normal(size=shape), 0.0),
        "lowcard": rng.choice([0.0, 0.5, 2.0, -1.0], size=shape),
    }


def compress(conn, src: str, args: str, out: str, out_args: str) -> None:
    conn.execute("SELECT indb_ml.matrix_compress(%s, %s, %s, %s)", [src, args, out, out_args])


def one(conn, query: str, params=()):
    return conn.execute(query, params).fetchone()[0]


# ---- round trips -----------------------------------------------------------------------------------

@pytest.mark.parametrize("codec", ["lz4", "zstd", "zlib", "csr", "coo", "dict"])
def test_server_codecs_round_trip_bit_exact(postgresql, codec):
    """Through the server's Python (which has pyarrow for lz4 and zstd), arbitrary float64 tiles."""
    arrays = hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=9),
                        elements=st.floats(allow_nan=True, allow_infinity=True, width=64))

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(x=arrays)
    def check(x):
        raw = np.ascontiguousarray(x, "<f8").tobytes()
        data = one(postgresql, "SELECT indb_ml.tile_encode(%s, %s, %s, %s)", [raw, *x.shape, codec])
        assert bytes(data[:4]) == b"IMZ1"
        back = one(postgresql, "SELECT indb_ml.tile_decode(%s, %s, %s, %s)", [data, codec, *x.shape])
        assert bytes(back) == raw, codec
        head = postgresql.execute("SELECT * FROM indb_ml.tile_header(%s)", [data]).fetchone()
        assert head == (codec, x.shape[0], x.shape[1], 0.0)

    check()


@pytest.mark.parametrize("kind", ["dense", "sparse", "lowcard"])
@pytest.mark.parametrize("codec", LOSSLESS)
def test_matrix_compress_is_lossless(postgresql, kind, codec):
    m = kinds()[kind]
    args = put_dense(postgresql, "m", m)
    compress(postgresql, "m", args, "z", f"codec={codec}, block=5")
    assert np.array_equal(read(postgresql, "z"), m)
    tiles = postgresql.execute("SELECT codec, layout, nrows, ncols FROM z").fetchall()
    assert len(tiles) == 5 * 4  # ceil(23/5) x ceil(17/5)
    if codec != "auto":
        assert {t[0] for t in tiles} == {codec}
    for c, layout, *_ in tiles:
        assert layout == ("sparse" if c in ("csr", "coo") else "dense")
    # Decoded by the server too: densify goes through the tile reader.
    postgresql.execute("SELECT indb_ml.matrix_densify('z', '', 'zd', 'fmt=dense, row=row_id, val=row_vec')")
    assert np.array_equal(read(postgresql, "zd"), m)


def test_auto_picks_per_tile(postgresql):
    """A matrix with a sparse band, a few-valued band and a noise band: each tile gets its codec."""
    rng = np.random.default_rng(9)
    m = np.zeros((40, 30))
    m[:, 10:20] = rng.choice([1.0, 2.0, 3.0], size=(40, 10))
    m[:, 20:] = rng.normal(size=(40, 10))
    m[:, :10] = np.where(rng.random((40, 10)) < 0.05, rng.normal(size=(40, 10)), 0.0)
    args = put_dense(postgresql, "m", m)
    compress(postgresql, "m", args, "z", "block=10")
    by_col = dict(postgresql.execute("SELECT col_block, array_agg(DISTINCT codec) FROM z GROUP BY 1").fetchall())
    assert set(by_col[0]) <= {"csr", "coo"}
    assert by_col[1] == ["dict"]
    assert np.array_equal(read(postgresql, "z"), m)
    info = postgresql.execute("SELECT col_block, min(ratio) FROM indb_ml.matrix_info('z', '') GROUP BY 1").fetchall()
    assert all(r > 1 for c, r in info if c < 2)


@pytest.mark.parametrize("codec, bound", [("float32", 2.0**-24), ("bfloat16", 2.0**-8), ("int8", 1 / 254)])
def test_lossy_codecs_report_their_error(postgresql, codec, bound):
    """Each tile's max_error is its real largest error, within the codec's stated bound."""
    m = kinds(1)["dense"] * 100
    args = put_dense(postgresql, "m", m)
    compress(postgresql, "m", args, "z", f"codec={codec}, lossy=true, block=5")
    got = read(postgresql, "z")
    rows = postgresql.execute("SELECT row_block, col_block, codec, raw_bytes, stored_bytes, ratio, max_error "
                              "FROM indb_ml.matrix_info('z', '') ORDER BY 1, 2").fetchall()
    assert len(rows) == 20
    for i, j, c, raw, stored, ratio, err in rows:
        block = (slice(5 * i, 5 * i + 5), slice(5 * j, 5 * j + 5))
        true_err = float(np.abs(got[block] - m[block]).max())
        assert c == codec and err == true_err and raw == 8 * m[block].size
        assert ratio == pytest.approx(raw / stored)
        top = np.abs(m[block]).max()
        assert err <= top * bound * (1 + 1e-9) + 1e-300, (codec, err, top)
    assert 0 < max(r[6] for r in rows)
    # the bound is enforced when asked for
    compress(postgresql, "m", args, "z2", f"codec={codec}, lossy=true, max_error=100, block=5")
    with pytest.raises(E.InvalidParameterValue, match="above max_error"), postgresql.transaction():
        compress(postgresql, "m", args, "z3", f"codec={codec}, lossy=true, max_error=1e-30, block=5")


def test_matrix_info_reads_raw_and_compressed_tiles(postgresql):
    m = kinds(2)["sparse"]
    args = put_dense(postgresql, "m", m)
    postgresql.execute("SELECT indb_ml.matrix_reblock('m', %s, 'r', 'block=10')", [args])
    rows = postgresql.execute("SELECT codec, raw_bytes, stored_bytes, ratio, max_error FROM "
                              "indb_ml.matrix_info('r', NULL)").fetchall()
    assert len(rows) == 3 * 2 and all(r[0] == "raw" and r[4] == 0.0 for r in rows)
    assert sum(r[1] for r in rows) == 8 * m.size
    assert all(r[2] >= r[1] for r in rows)  # raw tiles are stored as they are (EXTERNAL: no pglz)
    compress(postgresql, "r", "", "z", "codec=csr")
    rows = postgresql.execute("SELECT codec, raw_bytes, stored_bytes, ratio FROM indb_ml.matrix_info('z', '')")
    rows = rows.fetchall()
    assert {r[0] for r in rows} == {"csr"} and all(r[3] > 2 for r in rows)
    # compressed tiles are stored out of line and never recompressed by TOAST
    assert one(postgresql, "SELECT attstorage FROM pg_attribute WHERE attrelid = 'z'::regclass "
                           "AND attname = 'data'") == "e"


# ---- every operation on compressed input --------------------------------------------------------

def run_ops(conn, z: str, other: str, m: np.ndarray, v: np.ndarray, tag: str) -> dict:
    """Every matrix operation on tile table ``z`` (results keyed by name, outputs named by tag)."""
    out = {}

    def table(call: str, name: str, params=()):
        conn.execute(call.replace("OUT", f"{name}_{tag}"), params)
        out[name] = read(conn, f"{name}_{tag}")

    def value(call: str, name: str, params=()):
        out[name] = np.asarray(one(conn, call, params), dtype=float)

    table(f"SELECT indb_ml.matrix_mult('{z}', '', '{z}', 'trans=true', 'OUT')", "mult_tt")
    table(f"SELECT indb_ml.matrix_mult('{z}', 'trans=true', '{z}', '', 'OUT')", "gram")
    table(f"SELECT indb_ml.matrix_mult('{z}', '', '{other}', 'row=row_id, val=row_vec', 'OUT', 'op=memory')",
          "mult_mem")
    table(f"SELECT indb_ml.matrix_add('{z}', '', '{z}', '', 'OUT')", "add")
    table(f"SELECT indb_ml.matrix_sub('{z}', '', '{z}', 'trans=false', 'OUT', 'op=memory')", "sub")
    table(f"SELECT indb_ml.matrix_elem_mult('{z}', '', '{z}', '', 'OUT')", "elem")
    table(f"SELECT indb_ml.matrix_scalar_mult('{z}', '', 2.5, 'OUT')", "scale")
    table(f"SELECT indb_ml.matrix_trans('{z}', '', 'OUT')", "trans")
    table(f"SELECT indb_ml.matrix_densify('{z}', 'trans=true', 'OUT', 'fmt=dense, row=row_id, val=row_vec')",
          "densify_t")
    table(f"SELECT indb_ml.matrix_sparsify('{z}', '', 'OUT', 'row=row_id, col=col_id, val=val')", "sparsify")
    table(f"SELECT indb_ml.matrix_reblock('{z}', '', 'OUT', 'block=4')", "reblock")
    value(f"SELECT indb_ml.matrix_vec_mult('{z}', '', %s)", "mv", [v.tolist()])
    value(f"SELECT indb_ml.matrix_vec_mult('{z}', 'trans=true', %s)", "mv_t", [np.arange(m.shape[0]).tolist()])
    for i in (1, 7, m.shape[0]):
        value(f"SELECT indb_ml.matrix_extract_row('{z}', '', {i})", f"row{i}")
        value(f"SELECT indb_ml.matrix_extract_col('{z}', 'trans=true', {i})", f"tcol{i}")
    for j in (1, 6, m.shape[1]):
        value(f"SELECT indb_ml.matrix_extract_col('{z}', '', {j})", f"col{j}")
        value(f"SELECT indb_ml.matrix_extract_row('{z}', 'trans=true', {j})", f"trow{j}")
    value(f"SELECT indb_ml.matrix_extract_diag('{z}', '')", "diag")
    for dim in (1, 2):
        value(f"SELECT indb_ml.matrix_sum('{z}', '', {dim})", f"sum{dim}")
        value(f"SELECT indb_ml.matrix_mean('{z}', '', {dim})", f"mean{dim}")
        conn.execute(f"SELECT indb_ml.matrix_max('{z}', '', {dim}, 'max{dim}_{tag}', true)")
        out[f"max{dim}"] = np.array(conn.execute(f"SELECT index, max FROM max{dim}_{tag}").fetchone(), dtype=float)
        conn.execute(f"SELECT indb_ml.matrix_min('{z}', '', {dim}, 'min{dim}_{tag}')")
        out[f"min{dim}"] = np.array(one(conn, f"SELECT min FROM min{dim}_{tag}"))
    for norm in ("fro", "one", "inf", "max", "spectral", "3"):
        value(f"SELECT indb_ml.matrix_norm('{z}', '', '{norm}')", "norm_" + norm)
    value(f"SELECT indb_ml.matrix_ndims('{z}', '')", "ndims")
    value(f"SELECT indb_ml.matrix_rank('{z}', '')", "rank")
    value(f"SELECT indb_ml.matrix_nuclear_norm('{z}', '')", "nuclear")
    return out


def numpy_ops(m: np.ndarray, other: np.ndarray, v: np.ndarray) -> dict:
    want = {"mult_tt": m @ m.T, "gram": m.T @ m, "mult_mem": m @ other, "add": m + m, "sub": m - m,
            "elem": m * m, "scale": 2.5 * m, "trans": m.T, "densify_t": m.T, "sparsify": m, "reblock": m,
            "mv": m @ v, "mv_t": m.T @ np.arange(m.shape[0]), "diag": np.diag(m),
            "sum1": m.sum(0), "sum2": m.sum(1), "mean1": m.mean(0), "mean2": m.mean(1),
            "norm_fro": np.linalg.norm(m), "norm_one": np.abs(m).sum(0).max(), "norm_inf": np.abs(m).sum(1).max(),
            "norm_max": np.abs(m).max(), "norm_spectral": np.linalg.norm(m, 2),
            "norm_3": (np.abs(m) ** 3).sum() ** (1 / 3), "ndims": np.array(m.shape),
            "rank": np.linalg.matrix_rank(m), "nuclear": np.linalg.norm(m, "nuc")}
    for i in (1, 7, m.shape[0]):
        want[f"row{i}"] = want[f"tcol{i}"] = m[i - 1]
    for j in (1, 6, m.shape[1]):
        want[f"col{j}"] = want[f"trow{j}"] = m[:, j - 1]
    for dim, axis in ((1, 0), (2, 1)):
        want[f"max{dim}"] = np.array([m.argmax(axis) + 1, m.max(axis)], dtype=float)
        want[f"min{dim}"] = m.min(axis)
    return want


@pytest.mark.parametrize("codec", ["auto", "zstd", "lz4", "zlib", "csr", "coo", "dict"])
def test_every_matrix_operation_reads_compressed_tiles(postgresql, codec):
    m = kinds(5, (13, 11))["lowcard"]
    m[3] = 0.0  # an all-zero row crosses tiles
    rng = np.random.default_rng(6)
    other, v = rng.normal(size=(11, 4)), rng.normal(size=11)
    args = put_dense(postgresql, "m", m)
    put_dense(postgresql, "other", other)
    postgresql.execute("SELECT indb_ml.matrix_reblock('m', %s, 'r', 'block=5')", [args])
    compress(postgresql, "m", args, "z", f"codec={codec}, block=5")
    assert one(postgresql, "SELECT count(*) FROM z WHERE codec <> 'raw'") > 0 or codec == "auto"
    plain = run_ops(postgresql, "r", "other", m, v, "r")
    packed = run_ops(postgresql, "z", "other", m, v, "z")
    want = numpy_ops(m, other, v)
    assert set(plain) == set(packed) == set(want)
    for name in want:
        np.testing.assert_allclose(packed[name], want[name], rtol=1e-10, atol=1e-12, err_msg=f"{codec} {name}")
        if name.startswith("mv") and codec in ("dict", "auto"):  # dict tiles: own kernel, another sum order
            np.testing.assert_allclose(packed[name], plain[name], rtol=RTOL, atol=1e-13, err_msg=name)
        else:
            assert np.array_equal(packed[name], plain[name]), (codec, name)


def test_operations_on_lossy_tiles_match_the_decoded_matrix(postgresql):
    """A lossy table is a matrix in its own right: operations equal numpy on its decoded values."""
    m = kinds(7, (12, 9))["dense"]
    args = put_dense(postgresql, "m", m)
    compress(postgresql, "m", args, "z", "codec=int8, lossy=true, block=4")
    decoded = read(postgresql, "z")
    err = one(postgresql, "SELECT max(max_error) FROM indb_ml.matrix_info('z', '')")
    assert float(np.abs(decoded - m).max()) == err and err <= np.abs(m).max() / 254
    v = np.arange(9.0)
    got = one(postgresql, "SELECT indb_ml.matrix_vec_mult('z', '', %s)", [v.tolist()])
    np.testing.assert_allclose(got, decoded @ v, rtol=RTOL)
    postgresql.execute("SELECT indb_ml.matrix_mult('z', 'trans=true', 'z', '', 'g')")
    np.testing.assert_allclose(read(postgresql, "g"), decoded.T @ decoded, rtol=RTOL)


def test_recompressing_a_tile_table_keeps_its_tiling(postgresql):
    m = kinds(8)["lowcard"]
    args = put_dense(postgresql, "m", m)
    compress(postgresql, "m", args, "z", "codec=dict, block=6")
    compress(postgresql, "z", "", "z2", "codec=zstd")  # tile by tile, no block=
    assert postgresql.execute("SELECT DISTINCT codec FROM z2").fetchall() == [("zstd",)]
    assert one(postgresql, "SELECT max(nrows) FROM z2") == 6
    compress(postgresql, "z", "trans=true", "z3", "codec=coo, block=4")
    assert np.array_equal(read(postgresql, "z2"), m) and np.array_equal(read(postgresql, "z3"), m.T)
    # sparse input too
    postgresql.execute("SELECT indb_ml.matrix_sparsify('m', %s, 's', 'col=col_id, val=val')", [args])
    compress(postgresql, "s", "row=row_id, col=col_id, val=val", "z4", "codec=csr, block=7")
    assert np.array_equal(read(postgresql, "z4"), m)


def test_dict_matrix_vector_product_uses_the_codes(postgresql):
    """matrix_vec_mult on dict tiles goes through dict_matvec (the aggregate sees the codec)."""
    m = kinds(10, (30, 20))["lowcard"]
    args = put_dense(postgresql, "m", m)
    compress(postgresql, "m", args, "z", "codec=dict, block=8")
    v = np.random.default_rng(1).normal(size=20)
    query = ("SELECT row_block, indb_ml.tile_mv(data, codec, nrows, ncols, (%s::int4[])[col_block + 1], %s) "
             "FROM z GROUP BY row_block ORDER BY row_block")
    parts = postgresql.execute(query, [[0, 8, 16], v.tobytes()]).fetchall()
    got = np.concatenate([np.frombuffer(p, "<f8") for _, p in parts])
    np.testing.assert_allclose(got, m @ v, rtol=RTOL)
    tiles = postgresql.execute("SELECT data FROM z WHERE row_block = 0 ORDER BY col_block").fetchall()
    direct = sum(C.dict_matvec(t[0], v[8 * k:8 * k + C.header(t[0]).ncols]) for k, t in enumerate(tiles))
    assert np.array_equal(got[:8], direct)
    # the aggregate's combine step: forced parallel query equals the serial result
    for setting in ("parallel_setup_cost = 0", "parallel_tuple_cost = 0", "min_parallel_table_scan_size = 0",
                    "max_parallel_workers_per_gather = 2", "force_parallel_mode = on"):
        postgresql.execute("SET " + setting)
    assert "Gather" in "\n".join(r[0] for r in postgresql.execute("EXPLAIN " + query, [[0, 8, 16], v.tobytes()]))
    parallel = postgresql.execute(query, [[0, 8, 16], v.tobytes()]).fetchall()
    np.testing.assert_allclose(np.concatenate([np.frombuffer(p, "<f8") for _, p in parallel]), got, rtol=1e-12)


# ---- indexes: extraction reads one band of tiles ------------------------------------------------

def index_scans(conn, index: str) -> int:
    return one(conn, "SELECT pg_stat_get_xact_numscans(%s::regclass)", [index])


def test_extraction_on_a_large_tile_table_uses_the_keys(postgresql):
    m = np.random.default_rng(11).choice([0.0, 1.0, 2.0], size=(600, 400))
    args = put_dense(postgresql, "m", m)
    compress(postgresql, "m", args, "big", "codec=dict, block=10")  # 60 x 40 = 2400 tiles
    postgresql.execute("ANALYZE big")
    postgresql.commit()
    by_col = one(postgresql, "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = 'big'::regclass "
                             "AND NOT indisprimary")
    assert one(postgresql, "SELECT pg_get_indexdef(%s::regclass)", [by_col]).endswith("(col_block, row_block)")
    for axis, index in (("row", "big_pkey"), ("col", by_col)):
        query = band_query('"big"', axis)
        postgresql.execute(sql.SQL("PREPARE band_{} (int) AS ").format(sql.SQL(axis)) + sql.SQL(query))
        plan = "\n".join(r[0] for r in postgresql.execute(f"EXPLAIN EXECUTE band_{axis}(7)"))
        assert "Index Scan" in plan and index in plan and "Seq Scan" not in plan, plan
    # the functions themselves: index scans, and the right values
    with postgresql.transaction():
        before = index_scans(postgresql, "big_pkey")
        row = one(postgresql, "SELECT indb_ml.matrix_extract_row('big', '', 137)")
        assert index_scans(postgresql, "big_pkey") > before
        assert np.array_equal(row, m[136])
    with postgresql.transaction():
        before = index_scans(postgresql, by_col)
        col = one(postgresql, "SELECT indb_ml.matrix_extract_col('big', '', 393)")
        assert index_scans(postgresql, by_col) > before
        assert np.array_equal(col, m[:, 392])
        assert np.array_equal(one(postgresql, "SELECT indb_ml.matrix_extract_row('big', 'trans=true', 5)"), m[:, 4])
    # a dense table's row by its primary key
    with postgresql.transaction():
        before = index_scans(postgresql, "m_pkey")
        assert np.array_equal(one(postgresql, "SELECT indb_ml.matrix_extract_row('m', %s, 599)", [args]), m[598])
        assert index_scans(postgresql, "m_pkey") > before
        assert np.array_equal(one(postgresql, "SELECT indb_ml.matrix_extract_col('m', %s, 3)", [args]), m[:, 2])


WINDOW_FN = """CREATE FUNCTION pg_temp.window_of(t text, a text, r0 int, r1 int, c0 int, c1 int) RETURNS float8[]
LANGUAGE plpython3u AS $$
from indb_ml.matrix import pieces
from indb_ml.core.session import Session
sess = Session(plpy)
return pieces.window(sess, pieces.open_source(sess, t, a, 'matrix'), r0, r1, c0, c1).tolist()
$$"""


def test_slices_read_the_tiles_they_overlap_through_the_key(postgresql):
    """pieces.window (for the planner's slices): the overlapping tiles by a key range, dense rows by
    row id, sparse entries of those rows; equal to numpy's slice, with trans=true too."""
    rng = np.random.default_rng(14)
    m = rng.choice([0.0, 1.5, -2.0], size=(300, 200))
    args = put_dense(postgresql, "m", m)
    compress(postgresql, "m", args, "big", "codec=dict, block=10")  # 30 x 20 = 600 tiles
    postgresql.execute("SELECT indb_ml.matrix_sparsify('m', %s, 's', 'col=col_id, val=val')", [args])
    postgresql.execute("ANALYZE big")
    postgresql.execute(WINDOW_FN)
    postgresql.execute(sql.SQL("PREPARE win (int, int, int, int) AS ") + sql.SQL(window_query('"big"')))
    plan = "\n".join(r[0] for r in postgresql.execute("EXPLAIN EXECUTE win(3, 5, 2, 4)"))
    assert "Index Scan" in plan and "big_pkey" in plan and "Seq Scan" not in plan, plan
    before = index_scans(postgresql, "big_pkey")
    for r0, r1, c0, c1 in [(0, 300, 0, 200), (37, 81, 5, 6), (295, 300, 190, 200), (10, 20, 10, 20), (4, 4, 0, 9)]:
        want = m[r0:r1, c0:c1]
        for table, table_args in (("big", ""), ("m", args), ("s", "row=row_id, col=col_id, val=val")):
            got = one(postgresql, "SELECT pg_temp.window_of(%s, %s, %s, %s, %s, %s)",
                      [table, table_args, r0, r1, c0, c1])
            assert np.array_equal(np.reshape(got or [], want.shape), want), (table, r0, r1, c0, c1)
        got = one(postgresql, "SELECT pg_temp.window_of('big', 'trans=true', %s, %s, %s, %s)", [c0, c1, r0, r1])
        assert np.array_equal(np.reshape(got or [], want.T.shape), want.T)
    assert index_scans(postgresql, "big_pkey") > before
    with pytest.raises(E.ExternalRoutineException, match="outside the 300 x 200"), postgresql.transaction():
        postgresql.execute("SELECT pg_temp.window_of('big', '', 0, 301, 0, 1)")


def test_sparse_extraction_reads_one_line(postgresql):
    m = kinds(12)["sparse"]
    args = put_dense(postgresql, "m", m)
    postgresql.execute("SELECT indb_ml.matrix_sparsify('m', %s, 's', 'col=col_id, val=val')", [args])
    sargs = "row=row_id, col=col_id, val=val"
    for i in range(1, 24):
        assert np.array_equal(one(postgresql, "SELECT indb_ml.matrix_extract_row('s', %s, %s)", [sargs, i]), m[i - 1])
    for j in range(1, 18):
        assert np.array_equal(one(postgresql, "SELECT indb_ml.matrix_extract_col('s', %s, %s)", [sargs, j]),
                              m[:, j - 1])
    postgresql.execute("ALTER TABLE s DROP CONSTRAINT s_pkey")
    postgresql.execute("INSERT INTO s VALUES (1, 1, 4), (1, 1, 5)")
    with pytest.raises(E.InvalidParameterValue, match="duplicate"), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.matrix_extract_row('s', %s, 1)", [sargs])


# ---- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("out_args, error, match", [
    ("codec=snappy", E.InvalidParameterValue, "unknown codec 'snappy'"),
    ("codec=int8", E.InvalidParameterValue, "needs lossy=true"),
    ("codec=bfloat16, lossy=maybe", E.InvalidParameterValue, "lossy='maybe' must be true or false"),
    ("codec=zstd, max_error=0.1", E.InvalidParameterValue, "lossless codecs are exact"),
    ("codec=int8, lossy=true, max_error=-1", E.InvalidParameterValue, "must be a number >= 0"),
    ("codec=int8, lossy=true, max_error=nan", E.InvalidParameterValue, "must be a number >= 0"),
    ("codec=zstd, codec=lz4", E.InvalidParameterValue, "codec twice"),
    ("codec=zstd, fmt=dense", E.InvalidParameterValue, "writes tiles"),
    ("codec=zstd, op=memory", E.InvalidParameterValue, "op= does not apply"),
    ("codec=zstd, colour=red", E.InvalidParameterValue, "unknown matrix argument 'colour'"),
    ("codec=zstd, block=0", E.InvalidParameterValue, "block='0'"),
    ("codec=dict, block=300", E.InvalidParameterValue, "more than 65536"),
    ("codec=zstd,, block=3", E.InvalidParameterValue, "cannot parse"),
])
def test_bad_out_args_leave_nothing_behind(postgresql, out_args, error, match):
    m = np.arange(300.0 * 300).reshape(300, 300)
    args = put_dense(postgresql, "m", m)
    with pytest.raises(error, match=match), postgresql.transaction():
        compress(postgresql, "m", args, "z", out_args)
    assert one(postgresql, "SELECT to_regclass('z')") is None


def test_bad_inputs_and_outputs(postgresql):
    args = put_dense(postgresql, "m", np.eye(3))
    with pytest.raises(E.UndefinedTable, match="nonesuch"), postgresql.transaction():
        compress(postgresql, "nonesuch", "", "z", "")
    with pytest.raises(E.DuplicateTable), postgresql.transaction():
        compress(postgresql, "m", args, "m", "")
    with pytest.raises(E.InvalidParameterValue, match="not a column name|quote"), postgresql.transaction():
        compress(postgresql, "m", "row=row_id; DROP TABLE m, val=row_vec", "z", "")
    with pytest.raises(E.InvalidParameterValue, match="dense table, not tiles"), postgresql.transaction():
        postgresql.execute("SELECT * FROM indb_ml.matrix_info('m', %s)", [args])
    with pytest.raises(E.InvalidParameterValue, match="unknown codec 'snappy'"), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.tile_decode('\\x00'::bytea, 'snappy', 1, 1)")
    with pytest.raises(E.InvalidParameterValue, match="expected 8"), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.tile_encode('\\x00'::bytea, 1, 1, 'zstd')")
    assert one(postgresql, "SELECT to_regclass('z')") is None
    assert "codec=" in one(postgresql, "SELECT indb_ml.matrix_compress()")
    assert "max_error" in one(postgresql, "SELECT indb_ml.matrix_info('usage')")


@pytest.mark.parametrize("damage, error, match", [
    ("UPDATE z SET data = substr(data, 1, 30) WHERE row_block = 0 AND col_block = 0", E.DataCorrupted,
     "corrupt|truncated"),
    ("UPDATE z SET data = substr(data, 1, 12) WHERE row_block = 0 AND col_block = 0", E.InvalidParameterValue,
     "not nrows x ncols"),
    ("UPDATE z SET data = 'XXXX' || substr(data, 5) WHERE row_block = 0 AND col_block = 0", E.DataCorrupted,
     "IMZ1"),
    ("UPDATE z SET codec = 'zlib' WHERE row_block = 0 AND col_block = 0", E.DataCorrupted,
     "says codec zlib.*holds csr"),
    ("UPDATE z SET nrows = 2 WHERE row_block = 0", E.DataCorrupted, "2 x 3, but its data holds csr, 3 x 3"),
    ("UPDATE z SET codec = 'snappy' WHERE row_block = 0 AND col_block = 0", E.InvalidParameterValue,
     "unknown layout or codec"),
    ("UPDATE z SET layout = 'dense', codec = 'raw' WHERE row_block = 0 AND col_block = 0", E.InvalidParameterValue,
     "not nrows x ncols"),
])
def test_corrupt_tiles_are_a_clear_error_on_every_path(postgresql, damage, error, match):
    m = np.arange(1.0, 31.0).reshape(5, 6)
    args = put_dense(postgresql, "m", m)
    compress(postgresql, "m", args, "z", "codec=csr, block=3")
    postgresql.execute(damage)
    for call in ("SELECT indb_ml.matrix_extract_row('z', '', 1)",  # one band, by the key
                 "SELECT indb_ml.matrix_vec_mult('z', '', ARRAY[1, 1, 1, 1, 1, 1])",  # SQL aggregate
                 "SELECT indb_ml.matrix_add('z', '', 'z', '', 'o')",  # tile_op in SQL
                 "SELECT indb_ml.matrix_sum('z', '', 1)",  # streamed pieces
                 "SELECT indb_ml.matrix_trans('z', '', 'o', 'fmt=dense')"):  # in memory
        with pytest.raises(error, match=match), postgresql.transaction():
            postgresql.execute(call)


def test_model_tables_compress_too(postgresql):
    """A model's coefficient matrices (here svd's U and V, dense-row tables) compress into tiles that
    every matrix operation reads: U Vᵀ from the compressed factors equals numpy's from the originals."""
    a = np.random.default_rng(13).normal(size=(40, 12))
    args = put_dense(postgresql, "a", a)
    postgresql.execute("SELECT indb_ml.svd('a', 'fit', 'row_id', 4)")
    u, v = read(postgresql, "fit_u"), read(postgresql, "fit_v")
    compress(postgresql, "fit_u", args, "fit_u_z", "codec=zstd, block=16")
    compress(postgresql, "fit_v", args, "fit_v_z", "codec=float32, lossy=true, block=16")
    assert np.array_equal(read(postgresql, "fit_u_z"), u)
    v32 = read(postgresql, "fit_v_z")
    assert np.abs(v32 - v).max() <= np.abs(v).max() * 2.0**-24
    postgresql.execute("SELECT indb_ml.matrix_mult('fit_u_z', '', 'fit_v_z', 'trans=true', 'uv')")
    np.testing.assert_allclose(read(postgresql, "uv"), u @ v32.T, rtol=1e-12, atol=1e-14)
