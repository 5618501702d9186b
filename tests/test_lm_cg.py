"""lm_cg against numpy's solve of the ridge normal equations."""

from __future__ import annotations

import numpy as np
import psycopg.errors as E
import pytest


@pytest.fixture
def pts(postgresql):
    rng = np.random.default_rng(11)
    x = rng.normal(size=(2500, 6))
    y = x @ rng.normal(size=6) + 0.1 * rng.normal(size=2500)
    postgresql.execute("CREATE TABLE pts (id int, y float8, x1 float8, x2 float8, x3 float8, x4 float8, x5 float8, "
                       "x6 float8)")
    with postgresql.cursor().copy("COPY pts FROM STDIN") as copy:
        for i in range(2500):
            copy.write_row([i, y[i], *x[i]])
        copy.write_row([2500, None, 1, 1, 1, 1, 1, 1])  # a NULL: skipped
    return postgresql, np.column_stack([np.ones(2500), x]), y


@pytest.mark.parametrize("lam", [0.0, 10.0])
def test_lm_cg_matches_numpy(pts, lam):
    conn, x, y = pts
    conn.execute("SELECT indb_ml.lm_cg('pts', 'm', 'y', 'ARRAY[1, x1, x2, x3, x4, x5, x6]', %s)", [lam])
    coef, lam_out, iters, converged, resid, used, skipped = conn.execute(
        "SELECT coef, lambda, iterations, converged, residual_norm, num_rows_processed, num_rows_skipped "
        "FROM m").fetchone()
    want = np.linalg.solve(x.T @ x + lam * np.eye(7), x.T @ y)
    np.testing.assert_allclose(coef, want, rtol=1e-8, atol=1e-10)
    assert (lam_out, used, skipped, converged) == (lam, 2500, 1, True)
    assert 1 <= iters <= 7 + 2  # CG in exact arithmetic needs at most k iterations
    assert resid <= 1e-10 * np.linalg.norm(x.T @ y) * 10
    assert conn.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'indb_ml_cg_%'").fetchone()[0] == 0


def test_lm_cg_stops_at_max_iter_and_reblocks_only_when_it_pays(pts):
    conn, x, y = pts
    conn.execute("SELECT indb_ml.lm_cg('pts', 'm', 'y', 'ARRAY[1, x1, x2, x3, x4, x5, x6]', 0, 2)")
    assert conn.execute("SELECT iterations, converged, x_format FROM m").fetchone() == (2, False, "dense")
    conn.execute("SELECT indb_ml.lm_cg('pts', 'm2', 'y', 'ARRAY[1, x1, x2, x3, x4, x5, x6]', 0, 100)")
    assert conn.execute("SELECT x_format FROM m2").fetchone()[0] == "tiles"  # 101 passes: tiles pay
    coef = conn.execute("SELECT coef FROM m").fetchone()[0]
    r = -(x.T @ y)  # two CG steps in numpy, as the oracle
    p, w, nr2 = -r, np.zeros(7), r @ r
    for _ in range(2):
        q = x.T @ (x @ p)
        alpha = nr2 / (p @ q)
        w, r = w + alpha * p, r + alpha * q
        old, nr2 = nr2, r @ r
        p = -r + nr2 / old * p
    np.testing.assert_allclose(coef, w, rtol=1e-9)


@pytest.mark.parametrize("args, error, message", [
    ("'nope', 'm', 'y', 'ARRAY[x1]'", E.UndefinedTable, "nope"),
    ("'pts', 'm', 'y', 'ARRAY[x1, nope]'", E.UndefinedColumn, "nope"),
    ("'pts', 'm', 'y', 'ARRAY[x1]', -1", E.InvalidParameterValue, "lambda must be"),
    ("'pts', 'm', 'y', 'ARRAY[x1]', 0, 0", E.InvalidParameterValue, "max_iter"),
    ("'pts', 'm', 'y', 'ARRAY[x1); DROP TABLE pts; --]'", E.SyntaxError, None),
    ("'pts', 'm', 'y', 'ARRAY[x1]', 0, 10, 'NaN'", E.InvalidParameterValue, "tolerance"),
])
def test_lm_cg_bad_input(pts, args, error, message):
    conn = pts[0]
    with pytest.raises(error, match=message), conn.transaction():
        conn.execute("SELECT indb_ml.lm_cg(" + args + ")")
    assert conn.execute("SELECT to_regclass('m')").fetchone()[0] is None
    assert conn.execute("SELECT count(*) FROM pts").fetchone()[0] == 2501


def test_lm_cg_rejects_nan(pts):
    conn = pts[0]
    conn.execute("INSERT INTO pts VALUES (9999, 'NaN', 1, 1, 1, 1, 1, 1)")
    with pytest.raises(E.InvalidTextRepresentation, match="NaN or Infinity"), conn.transaction():
        conn.execute("SELECT indb_ml.lm_cg('pts', 'm', 'y', 'ARRAY[1, x1]')")
