"""logregr_train's 'igd' is MADlib's incremental gradient, row step for row step.

The oracle replays ``logregr_igd_step_transition`` of MADlib's src/modules/regress/logistic.cpp
(apache/madlib master, the 2.x line) and its driver (regress/logistic.py_in) over the rows read
``ORDER BY ctid``: pass 1 has no previous state (step size 0: the coefficients stay 0, the
log-likelihood is 0); each later pass starts from the previous coefficients with the step
size 0.01 and, row by row, ``c += 0.01 sigma(-y x.c) y x`` (y in {-1, 1}), while X'AX and the
log-likelihood are summed at the previous pass's coefficients; iteration ``i`` is the last when
``i >= max_iter`` or the last two passes' log-likelihoods differ by less than the tolerance.
The statistics pair the last coefficients with that X'AX (pseudo-inverse; condition_no the
square root of its condition number) and log-likelihood.
"""

from __future__ import annotations

import numpy as np
import psycopg.errors as E
import pytest
from scipy import stats

from tests.test_logregr import pts  # noqa: F401
from tests.test_madlib_numbers import PATIENTS, patients  # noqa: F401


def sigma(v: float) -> float:
    return 1.0 / (1.0 + np.exp(-v))


def madlib_igd(x: np.ndarray, y01: np.ndarray, max_iter: int, tolerance: float) -> dict:
    """MADlib's IGD over the rows in the order given: coef, log_likelihood, X'AX, iterations."""
    y = np.where(y01 > 0, 1.0, -1.0)
    k = x.shape[1]
    coef, ll, xax, iteration, status = np.zeros(k), 0.0, np.zeros((k, k)), 1, "max_iter"
    while iteration < max_iter:
        prev, c, new_ll, new_xax = coef.copy(), coef.copy(), 0.0, np.zeros((k, k))
        for xi, yi in zip(x, y):
            xc = sum(xi[j] * c[j] for j in range(k))
            c = c + 0.01 * sigma(-xc * yi) * yi * xi
            pxc = sum(xi[j] * prev[j] for j in range(k))
            new_xax += sigma(pxc) * sigma(-pxc) * np.outer(xi, xi)
            new_ll -= np.log(1.0 + np.exp(-yi * pxc))
        iteration += 1
        distance = abs(ll - new_ll)
        coef, ll, xax = c, new_ll, new_xax
        if distance < tolerance:
            status = "converged"
            break
    return dict(coef=coef, ll=ll, xax=xax, iterations=iteration, status=status)


def ctid_rows(conn, sql: str):
    rows = conn.execute(sql).fetchall()
    return np.array([r[1:] for r in rows], float), np.array([r[0] for r in rows], float)


def check_stats(row: dict, want: dict):
    vcov = np.linalg.pinv(want["xax"], hermitian=True)
    se = np.sqrt(np.diag(vcov))
    np.testing.assert_allclose(row["coef"], want["coef"], rtol=1e-10, atol=1e-13)
    assert row["num_iterations"] == want["iterations"] and row["status"] == want["status"]
    assert row["log_likelihood"] == pytest.approx(want["ll"], rel=1e-10)
    np.testing.assert_allclose(row["std_err"], se, rtol=1e-8)
    np.testing.assert_allclose(row["z_stats"], want["coef"] / se, rtol=1e-8)
    np.testing.assert_allclose(row["p_values"], 2 * stats.norm.sf(np.abs(want["coef"] / se)), rtol=1e-6)
    np.testing.assert_allclose(row["odds_ratios"], np.exp(want["coef"]), rtol=1e-10)
    eig = np.linalg.eigvalsh(want["xax"])
    assert row["condition_no"] == pytest.approx(np.sqrt(eig[-1] / eig[0]), rel=1e-6)


def fetch(conn, table: str) -> list[dict]:
    cur = conn.execute(f"SELECT * FROM {table}")
    names = [d.name for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


@pytest.mark.parametrize("max_iter, tolerance", [(20, 1e-4), (3, 0.0), (1, 0.0), (200, 1e-2)])
def test_igd_replays_madlib_on_patients(patients, max_iter, tolerance):  # noqa: F811
    conn, _, _ = patients
    # a row moved to the end of the heap: ctid order is not id order
    conn.execute("UPDATE patients SET id = id WHERE id = 4")
    conn.execute("SELECT indb_ml.logregr_train('patients', 'r', 'second_attack', "
                 "'ARRAY[1, treatment, trait_anxiety]', NULL, %s, 'igd', %s)", [max_iter, tolerance])
    row = fetch(conn, "r")[0]
    x, y = ctid_rows(conn, "SELECT second_attack, 1, treatment, trait_anxiety FROM patients "
                           "WHERE second_attack IS NOT NULL AND treatment IS NOT NULL "
                           "AND trait_anxiety IS NOT NULL ORDER BY ctid")
    want = madlib_igd(x, y, max_iter, tolerance)
    if max_iter == 1:  # MADlib's first pass only counts the rows: the coefficients stay 0
        assert row["coef"] == [0, 0, 0] and row["num_iterations"] == 1
    else:
        check_stats(row, want)
    assert (row["num_rows_processed"], row["num_missing_rows_skipped"]) == (20, 3)


def test_igd_grouping_view_and_parallel(pts):  # noqa: F811
    conn, _, _, _ = pts
    conn.execute("CREATE TABLE pts_small AS SELECT * FROM pts LIMIT 600")
    conn.execute("CREATE VIEW pts_view AS SELECT * FROM pts_small")
    groups = {}
    for g in (0, 1):
        x, y = ctid_rows(conn, f"SELECT y::int, 1, x1, x2, x3 FROM pts_small WHERE g = {g} AND y IS NOT NULL "
                               "ORDER BY ctid")
        groups[g] = madlib_igd(x, y, 6, 1e-3)
    for src, out in (("pts_small", "m_t"), ("pts_view", "m_v")):
        conn.execute("SELECT indb_ml.logregr_train(%s, %s, 'y', 'ARRAY[1, x1, x2, x3]', 'g', 6, 'igd', 1e-3)",
                     [src, out])
        for row in fetch(conn, out):
            check_stats(row, groups[row["g"]])
    # forced parallel plans: the aggregate is PARALLEL UNSAFE, so one process takes the rows in order
    for setting in ("parallel_setup_cost = 0", "parallel_tuple_cost = 0", "min_parallel_table_scan_size = 0",
                    "max_parallel_workers_per_gather = 2"):
        conn.execute("SET " + setting)
    def plan(call: str) -> str:
        return "\n".join(r[0] for r in conn.execute("EXPLAIN SELECT " + call + " FROM pts"))

    assert "Gather" in plan("indb_ml._logregr_step(y::int::float8, ARRAY[1, x1]::float8[], ARRAY[0, 0]::float8[])")
    assert "Gather" not in plan("indb_ml._logregr_igd(y::int::float8, ARRAY[1, x1]::float8[], NULL ORDER BY ctid)")
    assert "Gather" not in plan("indb_ml._logregr_igd(y::int::float8, ARRAY[1, x1]::float8[], NULL)")
    conn.execute("SELECT indb_ml.logregr_train('pts_small', 'm_p', 'y', 'ARRAY[1, x1, x2, x3]', 'g', 6, 'igd', 1e-3)")
    for row in fetch(conn, "m_p"):
        check_stats(row, groups[row["g"]])


def test_igd_on_3000_rows_is_madlibs(pts):  # noqa: F811
    conn, _, _, _ = pts
    conn.execute("SELECT indb_ml.logregr_train('pts', 'm', 'y', 'ARRAY[1, x1, x2, x3]', NULL, 4, 'igd', 1e-4)")
    x, y = ctid_rows(conn, "SELECT y::int, 1, x1, x2, x3 FROM pts WHERE y IS NOT NULL ORDER BY ctid")
    check_stats(fetch(conn, "m")[0], madlib_igd(x, y, 4, 1e-4))


def state_bytes(conn, sql: str, *args) -> bytes:
    return conn.execute(sql, args).fetchone()[0]


HOSTILE = [
    ("SELECT indb_ml._logregr_igd_step(NULL, 2, ARRAY[1, 2]::float8[], NULL)", E.DatatypeMismatch),
    ("SELECT indb_ml._logregr_igd_step(NULL, 1, ARRAY[]::float8[], NULL)", E.ArraySubscriptError),
    ("SELECT indb_ml._logregr_igd_step(NULL, 1, ARRAY[1, 'nan']::float8[], NULL)", None),
    ("SELECT indb_ml._logregr_igd_step(NULL, 1, ARRAY[1, 2]::float8[], ARRAY[1]::float8[])", E.ArraySubscriptError),
    ("SELECT indb_ml._logregr_igd_step(NULL, 1, ARRAY[1, 2]::float8[], ARRAY[1, NULL]::float8[])",
     E.ArraySubscriptError),
    ("SELECT indb_ml._logregr_igd_step(NULL, 1, ARRAY[1, 2]::float8[], ARRAY[1, 'inf']::float8[])",
     E.ArraySubscriptError),
    ("SELECT indb_ml._logregr_igd_step('\\x00'::bytea, 1, ARRAY[1, 2]::float8[], NULL)", None),
    ("SELECT indb_ml._logregr_igd_step(indb_ml._logregr_igd_step(NULL, 1, ARRAY[1, 2]::float8[], NULL), 1, "
     "ARRAY[1, 2, 3]::float8[], NULL)", None),
    ("SELECT indb_ml._logregr_igd_step(NULL, 1, array_fill(1::float8, ARRAY[100000]), NULL)", None),
    ("SELECT indb_ml._logregr_igd_step(NULL, 1, ARRAY[[1, 2]]::float8[], NULL)", None),
]


@pytest.mark.parametrize("sql, error", HOSTILE)
def test_igd_step_refuses_bad_calls(postgresql, sql, error):
    """Bad arguments, widths and sizes: an error with a SQLSTATE, never a crash."""
    with pytest.raises(E.Error if error is None else error) as info, postgresql.transaction():
        postgresql.execute(sql)
    assert info.value.sqlstate is not None and info.value.sqlstate != "XX000", (info.value.sqlstate, str(info.value))
    assert postgresql.execute("SELECT 1").fetchone() == (1,)  # the backend is alive


def test_igd_step_refuses_forged_states(postgresql):
    good = state_bytes(postgresql, "SELECT indb_ml._logregr_igd_step(NULL, 1, ARRAY[1, 2]::float8[], "
                                   "ARRAY[0.5, 0.5]::float8[])")
    enet_kind = bytearray(good)
    enet_kind[6] = 10  # the kind field (after magic u32 and version u16): an elastic-net state
    short = good[:-8]
    bad_param = bytearray(good)
    bad_param[12] = 7
    bad_step = bytearray(good)
    bad_step[36:44] = np.array([np.inf]).tobytes()
    huge_width = bytearray(good)
    huge_width[8:12] = (1 << 30).to_bytes(4, "little")
    for forged in (bytes(enet_kind), short, bytes(bad_param), bytes(bad_step), bytes(huge_width), b"x" * 40):
        with pytest.raises(E.Error) as info, postgresql.transaction():
            postgresql.execute("SELECT indb_ml._logregr_igd_step(%s, 1, ARRAY[1, 2]::float8[], NULL)", [forged])
        assert info.value.sqlstate is not None
    # the good state takes another row, and a skipped row is counted
    again = state_bytes(postgresql, "SELECT indb_ml._logregr_igd_step(%s, 0, ARRAY[3, 4]::float8[], NULL)", good)
    skipped = state_bytes(postgresql, "SELECT indb_ml._logregr_igd_step(%s, NULL, ARRAY[3, 4]::float8[], NULL)",
                          again)
    from indb_ml.kernels import cstate
    s = cstate.parse_state(skipped, cstate.LOGIT_IGD)
    assert (s.n, s.skipped, s.width, s.param) == (2, 1, 2, 1)
    # state slots: stepsize, ll, coef (2), prev (2), packed X'AX (3); first row: c = prev + 0.01 sigma(-1) x
    c1 = np.array([0.5, 0.5]) + 0.01 * (1 / (1 + np.exp(1.5))) * np.array([1.0, 2.0])
    xc = c1 @ [3.0, 4.0]
    c2 = c1 + 0.01 * (1 / (1 + np.exp(-xc))) * -1 * np.array([3.0, 4.0])
    np.testing.assert_allclose(s.data[2:4], c2, rtol=1e-14)
