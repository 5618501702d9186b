"""ordinal on the aggregate plan (one C aggregate statement per Fisher scoring round,
``src/ordinal.c``).

Forced with ``SET indb_ml.training_plan = aggregate`` on a plain table, and chosen
automatically on a view and on a range-partitioned table, every model equals the in-memory
plan's (1e-7 relative: the same iterations on sums that differ only in summation order,
the same iteration count) and the independent oracle of MADlib's Fisher scoring
(tests/ordinal_fisher_oracle.py); grouped (the groups' generators advance in lockstep, one
statement per round); with parallel query forced equal to serial; bad input is an error
naming the problem; the C state equals numpy's log-likelihood, gradient and analytic
observed information (which equals central differences of the gradient) and, in the
7-argument form, numpy's and the oracle's expected information.
"""

from __future__ import annotations

import warnings

import numpy as np
import psycopg.errors as E
import pytest
from statsmodels.miscmodels.ordinal_model import OrderedModel

from indb_ml.kernels import cstate
from indb_ml.kernels.ordinal import _information, _loglik_grad, _pass, evaluation_from_state
from tests.helpers import load_table
from tests.ordinal_fisher_oracle import fisher_pass, madlib_fisher
from tests.test_irls_aggregate import plan_of
from tests.test_matrix import force_parallel
from tests.test_mlogregr_aggregate import rows_close as _rows_close
from tests.test_mlogregr_aggregate import run

LEVELS = ["mild", "moderate", "severe", "critical"]
N = 1500
COLS = ("coef_threshold, std_err_threshold, z_stats_threshold, p_values_threshold, log_likelihood, coef_feature, "
        "std_err_feature, z_stats_feature, p_values_feature, num_rows_processed, num_rows_skipped, num_iterations")


@pytest.fixture
def od(postgresql):
    """test_ordinal's data (plus a group and a row with a NULL grade) as a table, a view and a
    range-partitioned table."""
    rng = np.random.default_rng(37)
    x = rng.normal(size=(N, 2))
    y = np.digitize(x @ [1.0, -0.5] + rng.logistic(size=N), [-1, 0.5, 1.5])
    g = rng.integers(0, 2, size=N)
    conn = postgresql
    load_table(conn, "od", {"id": np.arange(N), "g": g, "grade": np.array([LEVELS[v] for v in y], dtype=object),
                            "x1": x[:, 0], "x2": x[:, 1]}, {"id": "int", "g": "int", "grade": "text"})
    conn.execute("INSERT INTO od VALUES (-1, 0, NULL, 0, 0)")  # skipped, counted
    conn.execute("CREATE VIEW od_view AS SELECT * FROM od WHERE id > -100")
    conn.execute("CREATE TABLE od_parted (LIKE od) PARTITION BY RANGE (id)")
    conn.execute("CREATE TABLE od_parted_lo PARTITION OF od_parted FOR VALUES FROM (MINVALUE) TO (700)")
    conn.execute("CREATE TABLE od_parted_hi PARTITION OF od_parted FOR VALUES FROM (700) TO (MAXVALUE)")
    conn.execute("INSERT INTO od_parted SELECT * FROM od ORDER BY random()")
    conn.execute("ANALYZE")
    return conn, x, y, g


def statsmodels_fit(x, y, link):
    """OrderedModel's fit, with its thresholds and their standard errors by the delta method
    (test_ordinal's oracle)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = OrderedModel(y, x, distr=link).fit(method="bfgs", disp=0, maxiter=5000, gtol=1e-10)
    p, k = ref.params, x.shape[1]
    nt = p.size - k
    thresholds = np.cumsum(np.concatenate([[p[k]], np.exp(p[k + 1:])]))
    jac = np.zeros((nt, nt))
    jac[:, 0] = 1
    for m in range(1, nt):
        jac[m:, m] = np.exp(p[k + m])
    threshold_se = np.sqrt(np.diag(jac @ ref.cov_params()[k:, k:] @ jac.T))
    return ref, thresholds, threshold_se


def check_statsmodels(row, x, y, link):
    """Every column and the iteration count as the oracle of MADlib's Fisher scoring;
    the coefficients and log-likelihood near statsmodels' maximum (MADlib's default
    tolerance, 1e-6 on the log-likelihood's relative change, stops within 1e-5 of it)."""
    want = madlib_fisher(x, y, 4, link)
    names = COLS.split(", ")
    for i in (0, 1, 2, 3, 4, 5, 6, 7, 8):
        np.testing.assert_allclose(row[i], want[names[i]], rtol=1e-8, atol=1e-300, err_msg=names[i])
    assert row[11] == want["num_iterations"]
    ref, thresholds, _ = statsmodels_fit(x, y, link)
    np.testing.assert_allclose(row[0], thresholds, rtol=1e-5)
    assert row[4] == pytest.approx(ref.llf, rel=1e-9)
    np.testing.assert_allclose(row[5], ref.params[:2], rtol=1e-5)


def rows_close(got, want, rtol, atol) -> None:
    """Equal values and iteration counts (the last column), both fits converged before
    the 100 iterations: a different summation order (numpy blocks, C rows, partitions in
    random order, parallel workers) moves the log-likelihood's relative change by about
    1e-15, far from the 1e-6 it is compared with."""
    _rows_close([r[:-1] for r in got], [r[:-1] for r in want], rtol, atol)
    assert all(0 < a[-1] == b[-1] < 100 for a, b in zip(got, want))


CALL = "SELECT indb_ml.ordinal(%s, %s, 'grade', 'ARRAY[x1, x2]', %s, %s, %s)"


@pytest.mark.parametrize("link", ["logit", "probit"])
def test_ordinal_aggregate_equals_memory_and_statsmodels(od, link):
    conn, x, y, _ = od
    order = ", ".join(LEVELS)
    assert run(conn, CALL, ["od", "o_mem", order, link, None]) == "memory"
    assert run(conn, CALL, ["od", "o_agg", order, link, None], plan="aggregate") == "aggregate"
    assert run(conn, CALL, ["od_view", "o_view", order, link, None]) == "aggregate"
    assert run(conn, CALL, ["od_parted", "o_part", order, link, None]) == "aggregate"
    mem = conn.execute(f"SELECT {COLS} FROM o_mem").fetchall()
    assert mem[0][9:11] == (N, 1)
    for out in ("o_agg", "o_view", "o_part"):
        rows_close(conn.execute(f"SELECT {COLS} FROM {out}").fetchall(), mem, rtol=1e-7, atol=1e-12)
    check_statsmodels(conn.execute(f"SELECT {COLS} FROM o_view").fetchone(), x, y, link)


def test_ordinal_grouped_aggregate_runs_groups_in_lockstep(od):
    conn, x, y, g = od
    order = ", ".join(LEVELS)
    assert run(conn, CALL, ["od", "og_mem", order, "logit", "g"]) == "memory"
    messages = []
    conn.add_notice_handler(lambda d: messages.append(d.message_primary))
    assert plan_of(conn, CALL, ["od_parted", "og_part", order, "logit", "g"]) == "aggregate"
    mem = conn.execute(f"SELECT g, {COLS} FROM og_mem ORDER BY g").fetchall()
    rows_close(conn.execute(f"SELECT g, {COLS} FROM og_part ORDER BY g").fetchall(), mem, rtol=1e-7, atol=1e-12)
    for grp in (0, 1):
        mask = g == grp
        check_statsmodels(conn.execute(f"SELECT {COLS} FROM og_part WHERE g = %s", [grp]).fetchone(), x[mask],
                          y[mask], "logit")
    assert conn.execute("SELECT num_all_groups, num_failed_groups, total_rows_processed, total_rows_skipped "
                        "FROM og_part_summary").fetchone() == (2, 0, N, 1)
    # one statement per round for both groups: no more passes than the longer run needs
    rounds = [m for m in messages if m.startswith("ordinal: ") and "statements" in m]
    assert rounds, messages
    iterations = conn.execute("SELECT max(num_iterations) FROM og_part").fetchone()[0]
    statements = int(rounds[-1].split(" statements")[0].split()[-1])
    assert statements < 2 * (2 * iterations + 10), rounds


@pytest.mark.parametrize("grouping", [None, "g"])
def test_ordinal_aggregate_under_forced_parallel_query_equals_serial(od, grouping):
    conn = od[0]
    conn.execute("SET indb_ml.training_plan = aggregate")
    args = ["od", "serial", ", ".join(LEVELS), "probit", grouping]
    conn.execute(CALL, args)
    force_parallel(conn)
    conn.execute("SET max_parallel_workers_per_gather = 2")
    plan = "\n".join(r[0] for r in conn.execute(
        "EXPLAIN SELECT g, indb_ml._ordinal_step(1, ARRAY[x1, x2], '{-1,0,1,0,0}', 4, 1, true, true) FROM od "
        "GROUP BY g"))
    assert "Gather" in plan and "Partial" in plan, plan
    conn.execute(CALL, ["od", "par", *args[2:]])
    keys = "g, " if grouping else ""
    serial = conn.execute(f"SELECT {keys}{COLS} FROM serial ORDER BY 1").fetchall()
    rows_close(conn.execute(f"SELECT {keys}{COLS} FROM par ORDER BY 1").fetchall(), serial, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("link", ["logit", "probit"])
def test_c_state_equals_numpy_and_the_information_equals_differences(od, link):
    conn, x, y, _ = od
    rng = np.random.default_rng(3)
    beta, theta = rng.normal(scale=0.5, size=2), np.array([-1.2, 0.3, 1.4])
    code = {"logit": 0, "probit": 1}[link]
    raw = conn.execute("SELECT indb_ml._ordinal_step(array_position(%s::text[], grade) - 1, ARRAY[x1, x2], %s, 4, "
                       "%s, true) FROM od", [LEVELS, np.concatenate([theta, beta]).tolist(), code]).fetchone()[0]
    s = cstate.parse_state(raw, cstate.ORDINAL)
    assert (s.width, s.param, s.n, s.skipped) == (5, 4 * 16 + 4 + code, N, 1)
    got = evaluation_from_state(raw, 2, 4)

    def blocks():
        return iter([(x, y.astype(float))])

    ll, gb, gt = _loglik_grad(blocks, beta, theta, link)
    info = _information(blocks, beta, theta, link)
    assert got.ll == pytest.approx(ll, rel=1e-12)
    np.testing.assert_allclose(got.g_beta, gb, rtol=1e-10)
    np.testing.assert_allclose(got.g_theta, gt, rtol=1e-10)
    np.testing.assert_allclose(got.information, info, rtol=1e-10)
    direct = np.concatenate([beta, theta])
    diffs = np.zeros((5, 5))
    for i in range(5):
        step = 1e-5 * max(1.0, abs(direct[i]))
        up, down = direct.copy(), direct.copy()
        up[i] += step
        down[i] -= step
        gu = np.concatenate(_loglik_grad(blocks, up[:2], up[2:], link)[1:])
        gd = np.concatenate(_loglik_grad(blocks, down[:2], down[2:], link)[1:])
        diffs[:, i] = -(gu - gd) / (2 * step)
    # (central differences with steps of 1e-5 are themselves good to a few 1e-6)
    np.testing.assert_allclose(info, (diffs + diffs.T) / 2, rtol=1e-5)
    # without the information, its slots stay zero
    raw = conn.execute("SELECT indb_ml._ordinal_step(array_position(%s::text[], grade) - 1, ARRAY[x1, x2], %s, 4, "
                       "%s, false) FROM od", [LEVELS, np.concatenate([theta, beta]).tolist(), code]).fetchone()[0]
    lean = evaluation_from_state(raw, 2, 4)
    assert lean.information is None and lean.ll == got.ll
    assert not cstate.parse_state(raw, cstate.ORDINAL).data[6:].any()
    # the 7-argument form: the expected information, as numpy's and as the oracle's D'V^-1 D
    raw = conn.execute("SELECT indb_ml._ordinal_step(array_position(%s::text[], grade) - 1, ARRAY[x1, x2], %s, 4, "
                       "%s, true, true) FROM od", [LEVELS, np.concatenate([theta, beta]).tolist(), code]).fetchone()[0]
    assert cstate.parse_state(raw, cstate.ORDINAL).param == 4 * 16 + 8 + 4 + code
    fisher = evaluation_from_state(raw, 2, 4)
    assert fisher.ll == got.ll
    np.testing.assert_allclose(fisher.g_beta, gb, rtol=1e-10)
    np.testing.assert_allclose(fisher.information, _pass(blocks, beta, theta, link, True, True).information,
                               rtol=1e-10)
    ll_o, score_o, info_o = fisher_pass(x, y, theta, beta, link)  # thresholds first
    order = [3, 4, 0, 1, 2]
    np.testing.assert_allclose(fisher.information, info_o[np.ix_(order, order)], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(np.concatenate([fisher.g_beta, fisher.g_theta]), score_o[order], rtol=1e-9)
    assert fisher.ll == pytest.approx(ll_o, rel=1e-12)
    # the expected information differs from the observed one away from the optimum
    assert np.abs(fisher.information - got.information).max() > 1e-3 * np.abs(got.information).max()


@pytest.mark.parametrize("call, error, message", [
    ("indb_ml._ordinal_step(4, ARRAY[1, 2], '{0,1,2,0,0}', 4, 0, false)", E.InvalidParameterValue,
     "dependent value 4 is not a category index 0 to 3"),
    ("indb_ml._ordinal_step(1.5, ARRAY[1, 2], '{0,1,2,0,0}', 4, 0, false)", E.InvalidParameterValue, "1.5"),
    ("indb_ml._ordinal_step(1, ARRAY[1, 2], '{0,1,2,0}', 4, 0, false)", E.ArraySubscriptError,
     "4 coefficients for 3 thresholds and 2 features"),
    ("indb_ml._ordinal_step(1, ARRAY[1, 2], '{0,1,2,0,0}', 4, 2, false)", E.InvalidParameterValue, "link 2"),
    ("indb_ml._ordinal_step(1, ARRAY[1, 2], '{0,1,2,0,0}', 4, NULL, false)", E.NullValueNotAllowed, "must not be"),
    ("indb_ml._ordinal_step(1, ARRAY[1, 'Infinity'::float8], '{0,1,2,0,0}', 4, 1, true)",
     E.InvalidTextRepresentation, "NaN or Infinity"),
    ("indb_ml._ordinal_step(1, '{{1},{2}}', '{0,1,2,0,0}', 4, 1, true)", E.ArraySubscriptError, "one-dimensional"),
    ("indb_ml._ordinal_step(1, ARRAY[1, 2], '{0,1,2,0,0}', 0, 1, true)", E.InvalidParameterValue, "0 categories"),
    ("indb_ml._ordinal_step(1, ARRAY[1, 2], '{0,1,2,0,0}', 4, 1, false, true)", E.InvalidParameterValue,
     "the expected information needs hessian true"),
    ("indb_ml._ordinal_step(1, ARRAY[1, 2], '{0,1,2,0,0}', 4, 1, true, NULL)", E.NullValueNotAllowed,
     "expected must not be NULL"),
])
def test_c_step_rejects_bad_arguments(postgresql, call, error, message):
    with pytest.raises(error, match=message):
        postgresql.execute("SELECT " + call)


@pytest.mark.parametrize("setup, args, error, message", [
    ("CREATE VIEW bad AS SELECT * FROM od WHERE grade <> 'critical' OR id = 3",
     ["bad", "o", "mild, moderate, severe", "logit", None], E.InvalidParameterValue,
     "rows have a dependent value that cat_order does not list"),
    ("CREATE VIEW bad AS SELECT g, grade, CASE WHEN id = 9 THEN 'NaN'::float8 ELSE x1 END AS x1, x2 FROM od",
     ["bad", "o", "mild, moderate, severe, critical", "logit", None], E.InvalidTextRepresentation, "NaN or Infinity"),
    ("CREATE VIEW bad AS SELECT * FROM od WHERE false", ["bad", "o", "mild, moderate, severe, critical", "probit",
                                                         "g"], E.DataException, "no rows to train on"),
])
def test_bad_input_on_the_aggregate_plan(od, setup, args, error, message):
    conn = od[0]
    conn.execute(setup)
    with pytest.raises(error, match=message), conn.transaction():
        conn.execute(CALL, args)
    assert conn.execute("SELECT to_regclass('o'), to_regclass('o_summary')").fetchone() == (None, None)


def test_groups_whose_rows_are_all_skipped_are_written_without_a_model(od):
    conn = od[0]
    conn.execute("CREATE VIEW with_empty AS SELECT g, grade, x1, x2 FROM od UNION ALL SELECT 7, NULL, 1, 2")
    conn.execute(CALL, ["with_empty", "o", ", ".join(LEVELS), "logit", "g"])
    row = conn.execute(f"SELECT {COLS} FROM o WHERE g = 7").fetchone()
    assert row == (None,) * 9 + (0, 1, 0)
    assert conn.execute("SELECT num_all_groups, num_failed_groups FROM o_summary").fetchone() == (3, 1)
