"""``SET indb_ml.madlib_linalg = on`` (block matrices as MADlib's SQL computes them) and
``normalized_avg`` on zero vectors (MADlib's NaN by default, ``indb_ml.strict_linalg`` refuses).

MADlib's definitions, from apache/madlib:
- src/ports/postgres/modules/linalg/matrix_ops.py_in: ``matrix_block_mult`` is one statement,
  ``matrix_mem_mult(a.val, b.val)`` over ``a JOIN b ON a.col = b.row``, summed per
  ``(a.row, b.col)`` (``__matrix_mem_sum``), after ``_validate_block`` (columns exist, table not
  empty); ``matrix_block_square(m)`` is ``matrix_block_mult(m, m)`` whatever the shape.
- src/modules/linalg/average.cpp: ``normalized_avg`` adds ``x.normalized()`` per row and
  normalizes the mean; MADlib builds with Eigen 3.2 (src/CMakeLists.txt, EIGEN_VERSION
  "branches/3.2"), whose ``normalized()`` is ``x / x.norm()``: 0 / 0 = NaN for a zero vector.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import psycopg.errors as E
import pytest

from tests.test_matrix import force_parallel
from tests.test_matrix_madlib import MADLIB_B, blocks_table, literal, one, raises, read_blocks

FIXTURE = Path(__file__).parent / "fixtures" / "madlib_checks" / "linalg" / "matrix_ops.sql_in"
ARGS = "row=row_id, col=col_id, val=block"


def madlib_block_statements() -> list[str]:
    """MADlib's block section of test/matrix_ops.sql_in, verbatim but for the schema name and
    the Greenplum-only storage clause: CREATE TABLE b ... up to the block_mult's SELECT * FROM b2."""
    text = FIXTURE.read_text()
    start = text.index("CREATE TABLE b(")
    end = text.index("DROP TABLE if exists d_b;")
    section = re.sub(r"m4_ifdef\(`__GREENPLUM__',\s*`[^']*'\)", "", text[start:end])
    section = section.replace("MADLIB_SCHEMA", "indb_ml")
    return [s.strip() for s in section.split(";") if s.strip()]


def madlib_join(a: dict, b: dict) -> dict:
    """MADlib's block product, independently: sum over a.col = b.row of a_block @ b_block."""
    out: dict = {}
    for (ar, ac), x in a.items():
        for (br, bc), y in b.items():
            if ac == br:
                out[(ar, bc)] = out.get((ar, bc), 0) + np.asarray(x, float) @ np.asarray(y, float)
    return out


def blocks_of(conn, name: str) -> dict:
    return {(r, c): np.array(v, dtype=float)
            for r, c, v in conn.execute(f"SELECT row_id, col_id, block FROM {name}").fetchall()}


# ------------------------------------------------------------------ MADlib's own test statements


def test_madlib_block_test_statements_run_with_the_flag(postgresql):
    postgresql.execute("SET indb_ml.madlib_linalg = on")
    stmts = madlib_block_statements()
    assert any("matrix_block_square('b'" in s for s in stmts)
    results = {}
    for s in stmts:
        postgresql.execute(s)
        if s.startswith("SELECT * FROM b2"):
            results.setdefault("b2", []).append(blocks_of(postgresql, "b2"))
    square, product = results["b2"]
    top = MADLIB_B[:2, :2]
    # MADlib squares the 5 x 2 matrix b as b times its top 2 x 2 block (block (1,1)): every
    # block (r, 1) times block (1, 1). Those are the numbers MADlib's statement gives; its test
    # only SELECTs them (no assert), so they are checked here against numpy.
    assert sorted(square) == [(1, 1), (2, 1), (3, 1)]
    np.testing.assert_array_equal(square[(1, 1)], [[7, 10], [15, 22]])
    np.testing.assert_array_equal(square[(2, 1)], [[23, 34], [31, 46]])
    np.testing.assert_array_equal(square[(3, 1)], [[39, 58]])
    np.testing.assert_array_equal(np.vstack([square[(i, 1)] for i in (1, 2, 3)]), MADLIB_B @ top)
    # then block_mult(b, b_t): an aligned product, b @ b.T, as without the flag
    np.testing.assert_array_equal(np.block([[product[(i, j)] for j in (1, 2, 3)] for i in (1, 2, 3)]),
                                  MADLIB_B @ MADLIB_B.T)


def test_without_the_flag_the_square_of_a_tall_matrix_is_refused(postgresql):
    stmts = madlib_block_statements()
    for s in stmts[:stmts.index(next(s for s in stmts if "matrix_block_square" in s))]:
        postgresql.execute(s)
    for setup in ("RESET indb_ml.madlib_linalg", "SET indb_ml.madlib_linalg = off"):
        postgresql.execute(setup)
        with pytest.raises(E.ArraySubscriptError, match="matrix_in is 5 x 2; the square is only defined") as info, \
                postgresql.transaction():
            postgresql.execute(f"SELECT indb_ml.matrix_block_square('b', '{ARGS}', 'b2', NULL)")
        assert "indb_ml.madlib_linalg = on" in info.value.diag.message_hint
        assert one(postgresql, "SELECT to_regclass('b2')") is None  # no output table
        with pytest.raises(E.ArraySubscriptError, match="the inner dimensions differ") as info, \
                postgresql.transaction():
            postgresql.execute(f"SELECT indb_ml.matrix_block_mult('b', '{ARGS}', 'b', '{ARGS}', 'b2')")
        assert "indb_ml.madlib_linalg = on" in info.value.diag.message_hint
    # on, then reset: the refusal is back
    postgresql.execute("SET indb_ml.madlib_linalg = on")
    postgresql.execute(f"SELECT indb_ml.matrix_block_square('b', '{ARGS}', 'b2', NULL)")
    postgresql.execute("RESET indb_ml.madlib_linalg")
    raises(postgresql, E.ArraySubscriptError, "the square is only defined",
           f"SELECT indb_ml.matrix_block_square('b', '{ARGS}', 'b3', NULL)")


def test_flag_joins_whatever_block_indexes_match_against_numpy(postgresql):
    """Blocks that do not tile and do not line up: MADlib multiplies the pairs whose indexes
    match and ignores the rest (matrix_b's block row 3 has no partner here)."""
    rng = np.random.default_rng(11)
    a = {(1, 1): rng.normal(size=(3, 2)), (1, 2): rng.normal(size=(3, 4)), (2, 1): rng.normal(size=(1, 2)),
         (2, 2): rng.normal(size=(1, 4)), (4, 2): rng.normal(size=(2, 4))}  # no block row 3: a gap
    b = {(1, 1): rng.normal(size=(2, 5)), (2, 1): rng.normal(size=(4, 5)), (3, 1): rng.normal(size=(7, 5)),
         (2, 2): rng.normal(size=(4, 1))}  # (1, 2) missing: block column 2 only gets a.col 2's share
    for name, blocks in (("ga", a), ("gb", b)):
        postgresql.execute(f"CREATE TABLE {name} (row_id int, col_id int, block float8[])")
        for (r, c), v in blocks.items():
            postgresql.execute(f"INSERT INTO {name} VALUES (%s, %s, %s)", [r, c, literal(v)])
    raises(postgresql, E.InvalidParameterValue, "without gaps",
           f"SELECT indb_ml.matrix_block_mult('ga', '{ARGS}', 'gb', '{ARGS}', 'gab')")
    postgresql.execute("SET indb_ml.madlib_linalg = on")
    postgresql.execute(f"SELECT indb_ml.matrix_block_mult('ga', '{ARGS}', 'gb', '{ARGS}', 'gab')")
    got, want = blocks_of(postgresql, "gab"), madlib_join(a, b)
    assert sorted(got) == sorted(want) == [(1, 1), (1, 2), (2, 1), (2, 2), (4, 1), (4, 2)]
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-12)
    # the "square" of a 6 x 5 matrix in blocks of 2, 3, 1 rows and 2, 3 columns: each block
    # (r, k) times the blocks of block row k, whose heights are block column k's widths
    c = {(1, 1): rng.normal(size=(2, 2)), (1, 2): rng.normal(size=(2, 3)), (2, 1): rng.normal(size=(3, 2)),
         (2, 2): rng.normal(size=(3, 3)), (3, 1): rng.normal(size=(1, 2)), (3, 2): rng.normal(size=(1, 3))}
    postgresql.execute("CREATE TABLE gc (row_id int, col_id int, block float8[])")
    for (r, k), v in c.items():
        postgresql.execute("INSERT INTO gc VALUES (%s, %s, %s)", [r, k, literal(v)])
    postgresql.execute(f"SELECT indb_ml.matrix_block_square('gc', '{ARGS}', 'gcc')")
    got, want = blocks_of(postgresql, "gcc"), madlib_join(c, c)
    assert sorted(got) == sorted(want)
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-12)
    # a matching pair that does not multiply is still an error (MADlib's matrix_mem_mult raises too)
    postgresql.execute("CREATE TABLE bad (row_id int, col_id int, block float8[])")
    postgresql.execute("INSERT INTO bad VALUES (1, 1, '{{1,2,3}}')")
    raises(postgresql, E.ArraySubscriptError, r"block \(1, 1\) of matrix_a is 1 x 3 and block \(1, 1\) of "
           r"matrix_b is 2 x 5; they do not multiply",
           f"SELECT indb_ml.matrix_block_mult('bad', '{ARGS}', 'gb', '{ARGS}', 'o')")
    # products of different shapes summed into one block (MADlib's __matrix_mem_sum fails too)
    postgresql.execute("CREATE TABLE uneven (row_id int, col_id int, block float8[])")
    postgresql.execute("INSERT INTO uneven VALUES (1, 1, '{{1,2}}'), (1, 2, '{{1,2,3,4},{5,6,7,8}}')")
    raises(postgresql, E.ArraySubscriptError, r"summed into output block \(1, 1\) have 1 to 2 rows",
           f"SELECT indb_ml.matrix_block_mult('uneven', '{ARGS}', 'gb', '{ARGS}', 'o')")
    assert one(postgresql, "SELECT to_regclass('o')") is None


def test_flag_on_aligned_blocks_gives_the_same_product(postgresql):
    rng = np.random.default_rng(3)
    m = rng.normal(size=(7, 7))
    blocks_table(postgresql, "sq", m, 3, 3)
    postgresql.execute(f"SELECT indb_ml.matrix_block_square('sq', '{ARGS}', 'off_out')")
    postgresql.execute("SET indb_ml.madlib_linalg = on")
    force_parallel(postgresql)
    postgresql.execute(f"SELECT indb_ml.matrix_block_square('sq', '{ARGS}', 'on_out')")
    np.testing.assert_allclose(read_blocks(postgresql, "on_out"), m @ m, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(read_blocks(postgresql, "on_out"), read_blocks(postgresql, "off_out"))


def test_block_trans_with_the_flag_takes_blocks_that_do_not_tile(postgresql):
    postgresql.execute("CREATE TABLE gap (row_id int, col_id int, block float8[])")
    postgresql.execute("INSERT INTO gap VALUES (1, 1, '{{1,2},{3,4}}'), (1, 3, '{{5},{6}}')")
    raises(postgresql, E.InvalidParameterValue, "without gaps",
           f"SELECT indb_ml.matrix_block_trans('gap', '{ARGS}', 'gap_t')")
    postgresql.execute("SET indb_ml.madlib_linalg = on")
    postgresql.execute(f"SELECT indb_ml.matrix_block_trans('gap', '{ARGS}', 'gap_t')")
    assert postgresql.execute("SELECT row_id, col_id, block FROM gap_t ORDER BY row_id").fetchall() == [
        (1, 1, [[1, 3], [2, 4]]), (3, 1, [[5, 6]])]
    # what MADlib checks is still checked: the columns exist, the table has blocks
    raises(postgresql, E.UndefinedColumn, "has no column 'col_num'",
           "SELECT indb_ml.matrix_block_trans('gap', 'row=row_id, val=block', 'o')")
    postgresql.execute("CREATE TABLE empty_b (row_id int, col_id int, block float8[])")
    raises(postgresql, E.DataException, "has no blocks",
           f"SELECT indb_ml.matrix_block_square('empty_b', '{ARGS}', 'o')")


# ------------------------------------------------------------------ normalized_avg on a zero vector

ZERO_ROWS = "(VALUES ('{3,4}'::float8[]), ('{0,0}'), ('{1,0}')) t(x)"


def test_normalized_avg_zero_vector_is_nan_as_madlib_and_refused_when_strict(postgresql):
    # default and madlib_linalg = on: MADlib's 0 / 0 = NaN in every element
    for setup in ("RESET indb_ml.madlib_linalg", "SET indb_ml.madlib_linalg = on"):
        postgresql.execute(setup)
        got = one(postgresql, f"SELECT indb_ml.normalized_avg(x) FROM {ZERO_ROWS}")
        assert len(got) == 2 and np.isnan(got).all()
    # numpy computing MADlib's definition: x / ||x|| with IEEE 0 / 0
    x = np.array([[3, 4], [0, 0], [1, 0]], dtype=float)
    with np.errstate(invalid="ignore"):
        mean = (x / np.linalg.norm(x, axis=1, keepdims=True)).mean(axis=0)
        assert np.isnan(mean / np.linalg.norm(mean)).all()
    # strict: the zero vector is refused, with the way out in the hint
    postgresql.execute("RESET indb_ml.madlib_linalg")
    postgresql.execute("SET indb_ml.strict_linalg = on")
    with pytest.raises(E.InvalidParameterValue, match="a row is the zero vector") as info, postgresql.transaction():
        postgresql.execute(f"SELECT indb_ml.normalized_avg(x) FROM {ZERO_ROWS}")
    assert "norm2(x) > 0" in info.value.diag.message_hint
    # without zero vectors strict changes nothing
    np.testing.assert_allclose(one(postgresql, "SELECT indb_ml.normalized_avg(x) FROM "
                                               "(VALUES ('{4,3}'::float8[]), ('{8,6}'), ('{12,9}')) t(x)"),
                               [0.8, 0.6], rtol=1e-12)  # linalg.sql_in doc example
    # madlib_linalg = on wins over strict: MADlib's NaN
    postgresql.execute("SET indb_ml.madlib_linalg = on")
    assert np.isnan(one(postgresql, f"SELECT indb_ml.normalized_avg(x) FROM {ZERO_ROWS}")).all()


def test_normalized_avg_parallel_equals_serial_in_both_modes(postgresql):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(30000, 4)) + 0.2
    x[[17, 20000]] = 0.0  # two zero vectors
    postgresql.execute("CREATE TABLE pts (id int, x float8[])")
    with postgresql.cursor().copy("COPY pts (id, x) FROM STDIN") as copy:
        for i, row in enumerate(x):
            copy.write_row([i, row.tolist()])
    postgresql.execute("ANALYZE pts")
    clean = "SELECT indb_ml.normalized_avg(x) FROM pts WHERE indb_ml.norm2(x) > 0"
    serial_nan = one(postgresql, "SELECT indb_ml.normalized_avg(x) FROM pts")
    serial_clean = one(postgresql, clean)
    assert np.isnan(serial_nan).all()
    ok = x[np.linalg.norm(x, axis=1) > 0]
    mean = (ok / np.linalg.norm(ok, axis=1, keepdims=True)).mean(axis=0)
    np.testing.assert_allclose(serial_clean, mean / np.linalg.norm(mean), rtol=1e-10)
    for s in ("SET max_parallel_workers_per_gather = 2", "SET parallel_setup_cost = 0",
              "SET parallel_tuple_cost = 0", "SET min_parallel_table_scan_size = 0"):
        postgresql.execute(s)
    plan = "\n".join(r[0] for r in postgresql.execute("EXPLAIN SELECT indb_ml.normalized_avg(x) FROM pts"))
    assert "Partial Aggregate" in plan and "Gather" in plan
    assert np.isnan(one(postgresql, "SELECT indb_ml.normalized_avg(x) FROM pts")).all()
    np.testing.assert_allclose(one(postgresql, clean), serial_clean, rtol=1e-12)
    # the strict setting reaches the parallel workers too
    postgresql.execute("SET indb_ml.strict_linalg = on")
    raises(postgresql, E.InvalidParameterValue, "zero vector", "SELECT indb_ml.normalized_avg(x) FROM pts")
    force_parallel(postgresql)
    raises(postgresql, E.InvalidParameterValue, "zero vector", "SELECT indb_ml.normalized_avg(x) FROM pts")
    np.testing.assert_allclose(one(postgresql, clean), serial_clean, rtol=1e-12)


# ------------------------------------------------------------------ volatility


def test_no_immutable_function_reads_the_settings(postgresql):
    rows = postgresql.execute(
        "SELECT p.oid::regprocedure::text, p.provolatile FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'indb_ml' AND (p.prosrc LIKE '%madlib_linalg%' OR p.prosrc LIKE '%strict_linalg%' "
        "OR (p.proname IN ('matrix_block_mult', 'matrix_block_square', 'matrix_block_trans') AND p.pronargs >= 4))"
    ).fetchall()
    names = {r[0] for r in rows}
    assert "indb_ml._normalized_avg_transition(double precision[],double precision[])" in names
    assert any(n.startswith("indb_ml.matrix_block_square(text,text,text") for n in names)
    assert [r for r in rows if r[1] == "i"] == []
