"""Property tests: random shapes and sparsity, every format, against numpy (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql

from tests.test_matrix import get, put

FORMATS = st.sampled_from(["dense", "sparse", "tiles"])


@st.composite
def matrices(draw, rows=None, cols=None):
    """A float matrix with some exact zeros, possibly with empty rows and columns."""
    m = rows or draw(st.integers(1, 6))
    n = cols or draw(st.integers(1, 6))
    seed = draw(st.integers(0, 2**32 - 1))
    density = draw(st.sampled_from([0.0, 0.3, 1.0]))
    rng = np.random.default_rng(seed)
    values = np.round(rng.normal(size=(m, n)) * 10, 3)
    return values * (rng.random((m, n)) < density)


def fresh(conn, *names):
    for name in names:
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(name)))


SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(data=st.data(), fa=FORMATS, fb=FORMATS, out=FORMATS)
def test_product_of_random_shapes(postgresql, data, fa, fb, out):
    a = data.draw(matrices())
    b = data.draw(matrices(rows=a.shape[1]))
    fresh(postgresql, "pa", "pb", "pr")
    a_args, b_args = put(postgresql, "pa", a, fa), put(postgresql, "pb", b, fb)
    out_args = "row=row_id, col=col_id, val=val, fmt=" + out
    postgresql.execute("SELECT indb_ml.matrix_mult('pa', %s, 'pb', %s, 'pr', %s)", [a_args, b_args, out_args])
    np.testing.assert_allclose(get(postgresql, "pr", out_args), a @ b, rtol=1e-12, atol=1e-9)


@SETTINGS
@given(data=st.data(), fa=FORMATS, fb=FORMATS)
def test_sum_and_transpose_of_random_shapes(postgresql, data, fa, fb):
    a = data.draw(matrices())
    b = data.draw(matrices(rows=a.shape[0], cols=a.shape[1]))
    fresh(postgresql, "pa", "pb", "ps", "pt")
    a_args, b_args = put(postgresql, "pa", a, fa), put(postgresql, "pb", b, fb)
    out_args = "row=row_id, col=col_id, val=val"
    postgresql.execute("SELECT indb_ml.matrix_add('pa', %s, 'pb', %s, 'ps', %s)", [a_args, b_args, out_args])
    np.testing.assert_allclose(get(postgresql, "ps", out_args), a + b, rtol=1e-12, atol=1e-12)
    postgresql.execute("SELECT indb_ml.matrix_trans('pa', %s, 'pt', %s)", [a_args, out_args])
    np.testing.assert_allclose(get(postgresql, "pt", out_args), a.T, rtol=1e-12, atol=0)


@SETTINGS
@given(data=st.data(), fa=FORMATS, fb=FORMATS, out=FORMATS, op=st.sampled_from(["memory", "blocks"]))
def test_forced_product_operators_agree_with_numpy(postgresql, data, fa, fb, out, op):
    """Row blocks of one or two rows (row_block_mb is tiny), so blocks cross row and tile edges."""
    postgresql.execute("SET indb_ml.row_block_mb = 0.00005")
    a = data.draw(matrices())
    b = data.draw(matrices(rows=a.shape[1]))
    fresh(postgresql, "pa", "pb", "pr")
    a_args, b_args = put(postgresql, "pa", a, fa), put(postgresql, "pb", b, fb)
    out_args = f"row=row_id, col=col_id, val=val, fmt={out}, op={op}, block=2"
    postgresql.execute("SELECT indb_ml.matrix_mult('pa', %s, 'pb', %s, 'pr', %s)", [a_args, b_args, out_args])
    np.testing.assert_allclose(get(postgresql, "pr", out_args), a @ b, rtol=1e-12, atol=1e-9)


@SETTINGS
@given(data=st.data(), fmt=FORMATS, dim=st.sampled_from([1, 2]), trans=st.booleans())
def test_streamed_reductions_agree_with_numpy(postgresql, data, fmt, dim, trans):
    postgresql.execute("SET indb_ml.row_block_mb = 0.00005")
    a = data.draw(matrices())
    fresh(postgresql, "pa")
    args = put(postgresql, "pa", a, fmt)
    args = (args + ", " if args else "") + f"trans={trans}"
    x = a.T if trans else a
    got = postgresql.execute("SELECT indb_ml.matrix_sum('pa', %s, %s), indb_ml.matrix_norm('pa', %s, 'one'), "
                             "indb_ml.matrix_extract_diag('pa', %s)", [args, dim, args, args]).fetchone()
    np.testing.assert_allclose(got[0], x.sum(axis=dim - 1), rtol=1e-12, atol=1e-12)
    assert got[1] == np.float64(np.linalg.norm(x, 1)) or abs(got[1] - np.linalg.norm(x, 1)) < 1e-9
    np.testing.assert_array_equal(got[2], np.diag(x))
