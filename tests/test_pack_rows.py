"""``indb_ml._pack_rows`` (src/pack.c): float8 columns packed row-major into one bytea.

The in-memory training plans read a heap through it (indb_ml/core/packing.py), so the
packed values must equal the rows exactly, rows with a NULL must be counted and left out,
and misuse (non-float8 arguments, a VARIADIC array, the step or final function called
directly, hostile widths and values) must be a clean error, never a crash.
"""

from __future__ import annotations

import numpy as np
import pytest
from psycopg import sql

from indb_ml.kernels import cstate
from tests.helpers import load_table


def _pack(conn, table: str, cols: list[str], where: str = "") -> tuple[np.ndarray, int]:
    query = sql.SQL("SELECT indb_ml._pack_rows({}) FROM {}" + where).format(
        sql.SQL(", ").join(sql.SQL("{}::float8").format(sql.Identifier(c)) for c in cols), sql.Identifier(table))
    rows, skipped, finite = cstate.packed_rows(conn.execute(query).fetchone()[0])
    assert finite == bool(np.isfinite(rows).all())
    return rows, skipped


@pytest.mark.parametrize("width", [1, 2, 11, 99])
def test_rows_pack_exactly_and_nulls_are_counted(postgresql, width):
    rng = np.random.default_rng(width)
    n = 3000
    data = rng.normal(size=(n, width)) * 10.0 ** rng.integers(-300, 300, size=(n, width))
    data[rng.random((n, width)) < 0.002] = np.nan  # NULL in the table (load_table writes NaN as NULL)
    data[5, 0] = np.inf  # values are packed as they are; the Python checks judge them
    cols = [f"c{i}" for i in range(width)]
    load_table(postgresql, f"pk{width}", {c: data[:, i] for i, c in enumerate(cols)})
    rows, skipped = _pack(postgresql, f"pk{width}", cols)
    complete = ~np.isnan(data).any(axis=1)
    assert skipped == int((~complete).sum())
    assert rows.shape == (int(complete.sum()), width)
    # Row order is the heap order of a fresh table: the load order.
    np.testing.assert_array_equal(rows, data[complete])


def test_empty_and_all_null_inputs(postgresql):
    load_table(postgresql, "pk_nulls", {"a": np.array([np.nan, 1.0]), "b": np.array([2.0, np.nan])})
    rows, skipped = _pack(postgresql, "pk_nulls", ["a", "b"])
    assert rows.shape == (0, 2) and skipped == 2
    value = postgresql.execute("SELECT indb_ml._pack_rows(a, b) FROM pk_nulls WHERE false").fetchone()[0]
    assert value is None
    assert cstate.packed_rows(value)[0].size == 0


def test_grouped_chunks_equal_numpy(postgresql):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(5000, 3))
    g = rng.integers(0, 7, size=5000)
    load_table(postgresql, "pk_g", {"g": g, "x0": x[:, 0], "x1": x[:, 1], "x2": x[:, 2]}, {"g": "int"})
    got = postgresql.execute("SELECT g, indb_ml._pack_rows(x0, x1, x2) FROM pk_g GROUP BY g").fetchall()
    assert sorted(k for k, _ in got) == list(range(7))
    for k, raw in got:
        rows, skipped, finite = cstate.packed_rows(raw)
        assert skipped == 0 and finite
        np.testing.assert_array_equal(rows, x[g == k])
        assert bytes(raw[cstate.HEADER.size + cstate.PACK_PAD:]) == x[g == k].T.tobytes()  # by column, after a pad


@pytest.mark.parametrize("call, state, words", [
    ("indb_ml._pack_rows(1)", "42804", "argument 1 has type integer"),
    ("indb_ml._pack_rows(1.0::float8, 'x'::text)", "42804", "argument 2 has type text"),
    ("indb_ml._pack_rows(NULL)", "42804", "argument 1 has type"),
    ("indb_ml._pack_rows(VARIADIC ARRAY[1.0::float8, 2.0])", "0A000", "not as a VARIADIC array"),
    # the step and final functions take internal, which SQL cannot produce: unreachable
    ("indb_ml._pack_rows_step(NULL::internal, 1.0::float8)", "42846", "to internal"),
    ("indb_ml._pack_rows_final(NULL::internal)", "42846", "to internal"),
])
def test_misuse_is_a_clean_error(postgresql, alive, call, state, words):
    with pytest.raises(Exception) as err:
        postgresql.execute("SELECT " + call)
    assert getattr(err.value, "sqlstate", None) == state, err.value
    assert words in str(err.value)
    postgresql.rollback()
    alive()


def test_too_many_columns_is_refused_by_the_server(postgresql, alive):
    args = ", ".join(["1.0::float8"] * 100)  # the state plus 100 arguments: over FUNC_MAX_ARGS
    with pytest.raises(Exception) as err:
        postgresql.execute("SELECT indb_ml._pack_rows(" + args + ")")
    assert err.value.sqlstate == "54023"
    postgresql.rollback()
    alive()


def test_packing_respects_the_memory_setting(postgresql, alive):
    postgresql.execute("SET indb_ml.matrix_memory_mb = 1")
    with pytest.raises(Exception) as err:  # 200k rows x 2 float8 = 3.2 MB > 1 MB
        postgresql.execute("SELECT length(indb_ml._pack_rows(i::float8, i::float8)) "
                           "FROM generate_series(1, 200000) i")
    assert err.value.sqlstate == "54000" and "matrix_memory_mb" in str(err.value)
    postgresql.rollback()
    alive()


def test_random_widths_and_null_patterns(postgresql, alive):
    """A fuzz round: random widths, values (NaN, infinities, extremes) and NULL patterns in one
    statement per case; every result must decode to exactly the rows without a NULL."""
    rng = np.random.default_rng(11)
    specials = np.array([np.nan, np.inf, -np.inf, 1e308, -1e-308, 0.0, 5e-324])
    for case in range(60):
        width = int(rng.integers(1, 99))
        n = int(rng.integers(0, 40))
        data = rng.normal(size=(n, width))
        data[rng.random((n, width)) < 0.1] = specials[rng.integers(0, specials.size, size=1)]
        nulls = rng.random((n, width)) < 0.03
        cells = [["NULL::float8" if nulls[i, j] else f"'{float(data[i, j])!r}'::float8" for j in range(width)]
                 for i in range(n)]
        values = ", ".join("(" + ", ".join(row) + ")" for row in cells)
        cols = ", ".join(f"c{j}" for j in range(width))
        query = (f"SELECT indb_ml._pack_rows({cols}) FROM (VALUES {values}) v({cols})" if n else
                 "SELECT NULL::bytea")
        rows, skipped, finite = cstate.packed_rows(postgresql.execute(query).fetchone()[0])
        keep = ~nulls.any(axis=1)
        assert skipped == (int((~keep).sum()) if n else 0), case
        # the flag says whether a packed row (not a skipped one) holds NaN or +-Infinity
        assert finite == bool(np.isfinite(data[keep]).all()), case
        if keep.any():
            np.testing.assert_array_equal(rows, data[keep], err_msg=str(case))
        else:
            assert rows.size == 0, case
    alive()


def test_budget_counts_the_buffer_and_its_copy(postgresql, alive):
    """The buffer grows up to half the budget (the final step's result is a copy of it), exactly:
    no doubling past the cap refuses rows that fit."""
    postgresql.execute("SET indb_ml.matrix_memory_mb = 1")
    fits = (1 << 20) // 2 // 16  # 2 columns of 8 bytes in half of 1 MB: 32768 rows
    raw = postgresql.execute("SELECT indb_ml._pack_rows(i::float8, -i::float8) FROM generate_series(1, %s) i",
                             [fits]).fetchone()[0]
    rows, skipped, _ = cstate.packed_rows(raw)
    assert rows.shape == (fits, 2) and skipped == 0 and rows[-1, 1] == -fits
    with pytest.raises(Exception) as err:
        postgresql.execute("SELECT indb_ml._pack_rows(i::float8, -i::float8) FROM generate_series(1, %s) i",
                           [fits + 1])
    assert err.value.sqlstate == "54000" and f"more than {fits} rows" in str(err.value)
    postgresql.rollback()
    alive()


def test_not_a_window_aggregate(postgresql, alive):
    with pytest.raises(Exception) as err:
        postgresql.execute("SELECT indb_ml._pack_rows(i::float8) OVER (ORDER BY i) FROM generate_series(1, 3) i")
    assert "window" in str(err.value)
    postgresql.rollback()
    alive()


def test_packed_values_are_used_in_place_by_the_server(postgresql):
    """In PL/Python the value arrives as a bytes object; the pad puts the values on an 8-byte
    boundary there, so decoding copies nothing (each chunk would otherwise be copied)."""
    postgresql.execute("""DO $$
import numpy as np
from indb_ml.kernels.cstate import packed_rows
raw = plpy.execute("SELECT indb_ml._pack_rows(i::float8, -i::float8) AS d FROM generate_series(1, 1000) i")[0]["d"]
rows, skipped, finite = packed_rows(raw)
assert isinstance(raw, bytes) and rows.flags.aligned and not rows.flags.owndata and rows.base is not None
assert np.shares_memory(rows, np.frombuffer(raw, dtype=np.uint8))
assert rows[999, 1] == -1000 and skipped == 0 and finite
$$ LANGUAGE plpython3u""")


@pytest.mark.parametrize("name", ["b", "c", "indb_ml_src"])
def test_a_source_named_like_the_scans_aliases(postgresql, name):
    """The in-memory plan reads blocks with ``generate_series(...) AS b(start)``: a source table
    named ``b`` once hid ``b.start`` ("column b.start does not exist"). Any name trains, and gives
    the coefficients of the same rows under another name."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=300)
    yb = (rng.random(300) < 1 / (1 + np.exp(-(0.5 + x)))).astype(float)
    load_table(postgresql, name, {"x": x, "y": yb})
    load_table(postgresql, "plain", {"x": x, "y": yb})
    postgresql.execute("SET indb_ml.training_plan = 'memory'")
    got = {}
    for src in (name, "plain"):
        postgresql.execute("SELECT indb_ml.logregr_train(%s, %s, 'y', 'ARRAY[1, x]')", [src, "m_" + src])
        got[src] = postgresql.execute(f'SELECT coef FROM "m_{src}"').fetchone()[0]
    np.testing.assert_allclose(got[name], got["plain"], rtol=1e-12)
