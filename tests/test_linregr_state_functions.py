"""MADlib's linregr state functions by hand: linregr_transition, linregr_merge_states and
linregr_final over the state type bytea8, whose empty value is the initial state.

MADlib's own regress/test/linear.sql_in folds a one-row state by hand and asserts r2 = 1
("Merge functions must produce valid results when being called with the aggregate's
initial state"); the houses data is MADlib's documentation example (regress/linear.sql_in).
The oracle is numpy's least squares on the same rows.
"""

from __future__ import annotations

import numpy as np
import psycopg.errors as E
import pytest
from test_madlib_numbers import HOUSES

FOLD = ("SELECT s FROM (SELECT indb_ml.linregr_transition(%s::indb_ml.bytea8, %s, %s::float8[]) AS s) q")


def fold(conn, rows, state=b""):
    for y, x in rows:
        state = conn.execute(FOLD, [state, y, x]).fetchone()[0]
    return state


@pytest.fixture
def houses(postgresql):
    rows = [(float(h[4]), [1.0, float(h[1]), float(h[3]), float(h[5])]) for h in HOUSES]
    postgresql.execute("CREATE TABLE houses (price float8, tax float8, bath float8, size float8)")
    for y, x in rows:
        postgresql.execute("INSERT INTO houses VALUES (%s, %s, %s, %s)", [y, *x[1:]])
    return postgresql, rows


def test_singleton_state_from_madlib_test(postgresql):
    """linear.sql_in:142 and :154: merging with the empty state either side, r2 = 1; the
    coefficients are the minimum-norm solution x * y / |x|^2 of the one-row system."""
    for q in ("indb_ml.linregr_merge_states(indb_ml.linregr_transition(''::indb_ml.bytea8, 3, ARRAY[5,2]),"
              " ''::indb_ml.bytea8)",
              "indb_ml.linregr_merge_states(''::indb_ml.bytea8,"
              " indb_ml.linregr_transition(''::indb_ml.bytea8, 3, ARRAY[5,2]))"):
        r2, coef = postgresql.execute("SELECT (r).r2, (r).coef FROM (SELECT indb_ml.linregr_final(" + q + ") AS r) q"
                                      ).fetchone()
        assert r2 == 1
        np.testing.assert_allclose(coef, np.array([5.0, 2.0]) * 3 / 29, rtol=1e-12)
    assert postgresql.execute("SELECT indb_ml.linregr_merge_states('', '') = ''::bytea").fetchone()[0] is True
    assert postgresql.execute("SELECT indb_ml.linregr_final(''::indb_ml.bytea8) IS NULL").fetchone()[0] is True


def test_hand_folded_states_equal_the_aggregate(houses):
    conn, rows = houses
    whole = fold(conn, rows)
    halves = conn.execute("SELECT indb_ml.linregr_merge_states(%s, %s)", [fold(conn, rows[:6]), fold(conn, rows[6:])]
                          ).fetchone()[0]
    agg = conn.execute("SELECT (r).coef, (r).r2, (r).std_err FROM (SELECT indb_ml.linregr(price, "
                       "ARRAY[1, tax, bath, size]) AS r FROM houses) q").fetchone()
    x = np.array([r[1] for r in rows])
    y = np.array([r[0] for r in rows])
    oracle = np.linalg.lstsq(x, y, rcond=None)[0]
    for state in (whole, halves):
        coef, r2, se = conn.execute("SELECT (r).coef, (r).r2, (r).std_err FROM "
                                    "(SELECT indb_ml.linregr_final(%s::indb_ml.bytea8) AS r) q", [state]).fetchone()
        np.testing.assert_allclose(coef, agg[0], rtol=1e-10)
        np.testing.assert_allclose(coef, oracle, rtol=1e-9)
        assert r2 == pytest.approx(agg[1], rel=1e-12)
        np.testing.assert_allclose(se, agg[2], rtol=1e-9)


def test_forged_state_is_refused(postgresql):
    for call in ("indb_ml.linregr_transition('\\x00'::indb_ml.bytea8, 1, ARRAY[1.0])",
                 "indb_ml.linregr_merge_states('\\x0102'::indb_ml.bytea8, ''::indb_ml.bytea8)",
                 "indb_ml.linregr_final('\\x0102'::indb_ml.bytea8)"):
        with pytest.raises(E.Error, match="invalid aggregate state"), postgresql.transaction():
            postgresql.execute("SELECT " + call)
    with pytest.raises(E.Error, match="dimension|length|features"), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.linregr_transition(indb_ml.linregr_transition('', 1, ARRAY[1.0, 2.0]),"
                           " 1, ARRAY[1.0])")
