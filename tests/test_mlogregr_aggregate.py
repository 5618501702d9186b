"""mlogregr_train, multinom, robust_variance_mlogregr and clustered_variance_mlogregr on the
aggregate plan (one C aggregate statement per Newton step, ``src/mlogit.c``).

Forced with ``SET indb_ml.training_plan = aggregate`` on a plain table (chosen there for the
clustered variance only, where it was measured faster), and chosen automatically on a view
and on a hash-partitioned table, every model equals the in-memory plan's (1e-8 relative:
only the summation order differs) and statsmodels' MNLogit at the
tolerances of tests/test_mlogregr.py; grouped; with parallel query forced equal to serial
(1e-9); bad input is an error naming the problem and leaves no table behind; the C states
equal numpy's sums (1e-10). Oracles: statsmodels and numpy, computed here.
"""

from __future__ import annotations

import numpy as np
import psycopg.errors as E
import pytest
import statsmodels.api as sm
from scipy import special

from indb_ml.kernels import cstate
from indb_ml.kernels.mlogregr import _pass, unpack_kronecker
from tests.helpers import load_table
from tests.test_irls_aggregate import plan_of
from tests.test_matrix import force_parallel

N = 2000
TRAIN_COLS = ("category, ref_category, coef, log_likelihood, std_err, z_stats, p_values, odds_ratios, condition_no, "
              "num_iterations, num_rows_processed, num_rows_skipped, variance_covariance, status")
MULTINOM_COLS = ("g, category, coef, log_likelihood, std_err, z_stats, p_values, num_rows_processed, "
                 "num_rows_skipped, num_iterations, status")
OPT = "max_iter=50, tolerance=1e-12"


@pytest.fixture
def md(postgresql):
    """test_mlogregr's data (plus a group, a cluster and a row with a NULL feature) as a
    table, a view and a hash-partitioned table."""
    rng = np.random.default_rng(31)
    x = np.column_stack([np.ones(N), rng.normal(size=(N, 2))])
    eta = np.column_stack([np.zeros(N), x @ [0.2, 1, -0.5], x @ [-0.3, 0.5, 0.8]])
    p = np.exp(eta) / np.exp(eta).sum(axis=1, keepdims=True)
    y = np.array([rng.choice(3, p=pi) for pi in p])
    g = rng.integers(0, 2, size=N)
    firm = rng.integers(0, 23, size=N)
    conn = postgresql
    load_table(conn, "md", {"id": np.arange(N), "y": y, "g": g, "firm": firm, "x1": x[:, 1], "x2": x[:, 2]},
               {"id": "int", "y": "int", "g": "int", "firm": "int"})
    conn.execute("INSERT INTO md VALUES (-1, 1, 0, 3, NULL, 0.5)")  # a NULL feature: skipped, counted
    conn.execute("CREATE VIEW md_view AS SELECT * FROM md WHERE id > -100")
    conn.execute("CREATE TABLE md_parted (LIKE md) PARTITION BY HASH (id)")
    for r in range(3):
        conn.execute(f"CREATE TABLE md_parted_{r} PARTITION OF md_parted FOR VALUES WITH (MODULUS 3, REMAINDER {r})")
    conn.execute("INSERT INTO md_parted SELECT * FROM md ORDER BY random()")
    conn.execute("ANALYZE")
    return conn, x, y, g, firm


def run(conn, sql: str, params=(), plan: str | None = None) -> str:
    if plan:
        conn.execute("SET indb_ml.training_plan = " + plan)
    try:
        return plan_of(conn, sql, params)
    finally:
        if plan:
            conn.execute("RESET indb_ml.training_plan")


def rows_close(got, want, rtol, atol=1e-14) -> None:
    assert len(got) == len(want) and got
    for a, b in zip(got, want):
        assert len(a) == len(b)
        for u, v in zip(a, b):
            if isinstance(v, (list, float)):
                np.testing.assert_allclose(np.asarray(u, float), np.asarray(v, float), rtol=rtol, atol=atol)
            else:
                assert u == v


def relabel(y, ref):
    order = [ref] + [c for c in (0, 1, 2) if c != ref]
    return np.array([order.index(v) for v in y]), order


@pytest.mark.parametrize("ref", [0, 2])
def test_mlogregr_train_aggregate_equals_memory_and_statsmodels(md, ref):
    conn, x, y, _, _ = md
    call = "SELECT indb_ml.mlogregr_train(%s, %s, 'y', 'ARRAY[1, x1, x2]', %s, %s)"
    assert run(conn, call, ["md", "m_mem", ref, OPT]) == "memory"  # measured faster on plain tables
    assert run(conn, call, ["md", "m_agg", ref, OPT], plan="aggregate") == "aggregate"
    assert run(conn, call, ["md_view", "m_view", ref, OPT]) == "aggregate"
    assert run(conn, call, ["md_parted", "m_part", ref, OPT]) == "aggregate"
    mem = conn.execute(f"SELECT {TRAIN_COLS} FROM m_mem ORDER BY category").fetchall()
    for out in ("m_agg", "m_view", "m_part"):
        rows_close(conn.execute(f"SELECT {TRAIN_COLS} FROM {out} ORDER BY category").fetchall(), mem, rtol=1e-8)
        assert conn.execute(f"SELECT num_categories, num_rows_processed, num_rows_skipped FROM {out}_summary"
                            ).fetchone() == (3, N, 1)
    labels, order = relabel(y, ref)
    fit = sm.MNLogit(labels, x).fit(disp=0, tol=1e-12, maxiter=100)
    got = conn.execute("SELECT category, coef, std_err, z_stats, p_values, log_likelihood, status FROM m_view "
                       "ORDER BY category").fetchall()
    assert [r[0] for r in got] == order[1:]
    for j, r in enumerate(got):  # test_mlogregr's tolerances
        np.testing.assert_allclose(r[1], fit.params[:, j], rtol=1e-8)
        np.testing.assert_allclose(r[2], fit.bse[:, j], rtol=1e-7)
        np.testing.assert_allclose(r[3], fit.tvalues[:, j], rtol=1e-7)
        np.testing.assert_allclose(r[4], fit.pvalues[:, j], rtol=1e-6, atol=1e-300)
        assert r[5] == pytest.approx(fit.llf, rel=1e-10) and r[6] == "converged"


def test_multinom_grouped_aggregate_equals_memory_and_statsmodels(md):
    conn, x, y, g, _ = md
    call = "SELECT indb_ml.multinom(%s, %s, 'y', 'ARRAY[1, x1, x2]', 0, 'logit', 'g', %s)"
    assert run(conn, call, ["md", "mm_mem", OPT]) == "memory"
    messages = []
    conn.add_notice_handler(lambda d: messages.append(d.message_primary))
    assert run(conn, call, ["md_view", "mm_view", OPT]) == "aggregate"
    # both groups step together: one statement per Newton step, not one per group and step
    steps = conn.execute("SELECT max(num_iterations) FROM mm_mem").fetchone()[0]
    assert f"multinom: {steps + 1} Newton statements for 2 group(s)" in messages, messages
    assert run(conn, call, ["md_parted", "mm_part", OPT]) == "aggregate"
    mem = conn.execute(f"SELECT {MULTINOM_COLS} FROM mm_mem ORDER BY g, category").fetchall()
    summary = "SELECT num_all_groups, num_failed_groups, total_rows_processed, total_rows_skipped, category_list FROM "
    for out in ("mm_view", "mm_part"):
        rows_close(conn.execute(f"SELECT {MULTINOM_COLS} FROM {out} ORDER BY g, category").fetchall(), mem, rtol=1e-8)
        assert conn.execute(summary + out + "_summary").fetchone() == (2, 0, N, 1, "0,1,2")
    for grp in (0, 1):
        mask = g == grp
        fit = sm.MNLogit(y[mask], x[mask]).fit(disp=0, tol=1e-12, maxiter=100)
        rows = conn.execute("SELECT category, coef, std_err, num_rows_processed FROM mm_part WHERE g = %s "
                            "ORDER BY category", [grp]).fetchall()
        assert [r[0] for r in rows] == ["1", "2"] and all(r[3] == mask.sum() for r in rows)
        for j, r in enumerate(rows):  # test_mlogregr's grouped tolerances
            np.testing.assert_allclose(r[1], fit.params[:, j], rtol=1e-7)
            np.testing.assert_allclose(r[2], fit.bse[:, j], rtol=1e-6)


def test_robust_variance_mlogregr_aggregate_equals_memory_and_statsmodels(md):
    conn, x, y, g, _ = md
    call = "SELECT indb_ml.robust_variance_mlogregr(%s, %s, 'y', 'ARRAY[1, x1, x2]', 0, %s, %s)"
    cols = "category, ref_category, coef, std_err, z_stats, p_values, num_rows_processed, num_missing_rows_skipped"
    for grouping, keys in ((None, ""), ("g", "g, ")):
        tag = "g" if grouping else "n"
        assert run(conn, call, ["md", f"r_mem_{tag}", grouping, OPT]) == "memory"
        assert run(conn, call, ["md_view", f"r_view_{tag}", grouping, OPT]) == "aggregate"
        assert run(conn, call, ["md", f"r_agg_{tag}", grouping, OPT], plan="aggregate") == "aggregate"
        order = f"SELECT {keys}{cols} FROM %s ORDER BY {keys}category"
        mem = conn.execute(order % f"r_mem_{tag}").fetchall()
        rows_close(conn.execute(order % f"r_view_{tag}").fetchall(), mem, rtol=1e-8)
        rows_close(conn.execute(order % f"r_agg_{tag}").fetchall(), mem, rtol=1e-8)
    fit = sm.MNLogit(y, x).fit(disp=0, tol=1e-12, maxiter=100, cov_type="HC0")
    got = conn.execute("SELECT coef, std_err, z_stats, num_rows_processed, num_missing_rows_skipped FROM r_view_n "
                       "ORDER BY category").fetchall()
    for j, r in enumerate(got):  # test_mlogregr's tolerances
        np.testing.assert_allclose(r[0], fit.params[:, j], rtol=1e-7)
        np.testing.assert_allclose(r[1], fit.bse[:, j], rtol=1e-6)
        np.testing.assert_allclose(r[2], fit.tvalues[:, j], rtol=1e-6)
        assert r[3:] == (N, 1)
    for grp in (0, 1):
        mask = g == grp
        fit = sm.MNLogit(y[mask], x[mask]).fit(disp=0, tol=1e-12, maxiter=100, cov_type="HC0")
        got = conn.execute("SELECT std_err FROM r_view_g WHERE g = %s ORDER BY category", [grp]).fetchall()
        for j, r in enumerate(got):
            np.testing.assert_allclose(r[0], fit.bse[:, j], rtol=1e-6)


def test_above_the_memory_cap_the_aggregate_plan_runs(md):
    """robust_variance_mlogregr packs a plain table's rows (measured faster); above
    indb_ml.matrix_memory_mb it takes aggregate passes instead, with the same model."""
    conn = md[0]
    call = "SELECT indb_ml.robust_variance_mlogregr('md', %s, 'y', 'ARRAY[1, x1, x2]', 0, 'g', %s)"
    assert run(conn, call, ["r_mem", OPT]) == "memory"
    conn.execute("SET indb_ml.matrix_memory_mb = 0")
    seen = []
    conn.add_notice_handler(lambda d: seen.append(d.message_primary))
    assert run(conn, call, ["r_cap", OPT]) == "aggregate"
    assert any("the rows exceed indb_ml.matrix_memory_mb; aggregate passes over" in m for m in seen), seen
    read = "SELECT g, category, coef, std_err, z_stats, num_rows_processed, num_missing_rows_skipped FROM %s " \
           "ORDER BY g, category"
    rows_close(conn.execute(read % "r_cap").fetchall(), conn.execute(read % "r_mem").fetchall(), rtol=1e-8)


def test_clustered_variance_mlogregr_aggregate_equals_memory_and_statsmodels(md):
    conn, x, y, _, firm = md
    call = "SELECT indb_ml.clustered_variance_mlogregr(%s, %s, 'y', 'ARRAY[1, x1, x2]', 'firm', 0, %s)"
    assert run(conn, call, ["md", "c_mem", OPT], plan="memory") == "memory"
    assert run(conn, call, ["md", "c_agg", OPT]) == "aggregate"  # measured faster on plain tables too
    assert run(conn, call, ["md_parted", "c_part", OPT]) == "aggregate"
    assert run(conn, call, ["md_view", "c_view", OPT]) == "aggregate"
    cols = "category, ref_category, coef, std_err, z_stats, p_values, num_clusters, num_rows_processed, " \
           "num_missing_rows_skipped"
    mem = conn.execute(f"SELECT {cols} FROM c_mem ORDER BY category").fetchall()
    for out in ("c_part", "c_view", "c_agg"):
        rows_close(conn.execute(f"SELECT {cols} FROM {out} ORDER BY category").fetchall(), mem, rtol=1e-8)
    fit = sm.MNLogit(y, x).fit(disp=0, tol=1e-12, maxiter=100, cov_type="cluster", cov_kwds={"groups": firm})
    got = conn.execute("SELECT coef, std_err, num_clusters, num_rows_processed, num_missing_rows_skipped FROM c_part "
                       "ORDER BY category").fetchall()
    for j, r in enumerate(got):  # test_mlogregr's tolerances
        np.testing.assert_allclose(r[0], fit.params[:, j], rtol=1e-7)
        np.testing.assert_allclose(r[1], fit.bse[:, j], rtol=1e-6)
        assert r[2:] == (23, N, 1)


CALLS = {
    "train": ("SELECT indb_ml.mlogregr_train('md_parted', '{out}', 'y', 'ARRAY[1, x1, x2]', 2, '" + OPT + "')",
              "SELECT " + TRAIN_COLS + " FROM {out} ORDER BY category"),
    "multinom": ("SELECT indb_ml.multinom('md', '{out}', 'y', 'ARRAY[1, x1, x2]', 0, 'logit', 'g', '" + OPT + "')",
                 "SELECT " + MULTINOM_COLS + " FROM {out} ORDER BY g, category"),
    "robust": ("SELECT indb_ml.robust_variance_mlogregr('md_view', '{out}', 'y', 'ARRAY[1, x1, x2]', 1, 'g', '"
               + OPT + "')", "SELECT * FROM {out} ORDER BY g, category"),
    "clustered": ("SELECT indb_ml.clustered_variance_mlogregr('md', '{out}', 'y', 'ARRAY[1, x1, x2]', 'firm', 0, '"
                  + OPT + "')", "SELECT * FROM {out} ORDER BY category"),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_aggregate_plan_under_forced_parallel_query_equals_serial(md, name):
    conn = md[0]
    train, read = CALLS[name]
    conn.execute("SET indb_ml.training_plan = aggregate")
    conn.execute(train.format(out="serial"))
    serial = conn.execute(read.format(out="serial")).fetchall()
    force_parallel(conn)
    conn.execute("SET max_parallel_workers_per_gather = 2")
    plan = "\n".join(r[0] for r in conn.execute(
        "EXPLAIN SELECT g, indb_ml._mlogit_step(y, ARRAY[1, x1, x2], '{0,0,0,0,0,0}', 3) FROM md GROUP BY g"))
    assert "Gather" in plan and "Partial" in plan, plan
    conn.execute(train.format(out="par"))
    rows_close(conn.execute(read.format(out="par")).fetchall(), serial, rtol=1e-9)


def _state(conn, sql: str, params=()):
    return conn.execute(sql, params).fetchone()[0]


def test_c_states_equal_numpy_sums(md):
    conn, x, y, _, firm = md
    rng = np.random.default_rng(5)
    beta = rng.normal(scale=0.5, size=(2, 3))
    coef = beta.ravel().tolist()
    raw = _state(conn, "SELECT indb_ml._mlogit_step(y, ARRAY[1, x1, x2], %s, 3) FROM md", [coef])
    s = cstate.parse_state(raw, cstate.MLOGIT)
    assert (s.width, s.param, s.n, s.skipped) == (6, 3, N, 1)
    ll, grad, hess, n = _pass(lambda: iter([(x, y.astype(float))]), beta, [1.0, 2.0], 3)
    assert s.data[0] == pytest.approx(ll, rel=1e-12)
    np.testing.assert_allclose(s.data[1:7], grad.ravel(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(unpack_kronecker(s.data[7:], 2, 3), hess, rtol=1e-10, atol=1e-10)
    # HC0 meat: sum of score outer products
    eta = np.column_stack([np.zeros(N), x @ beta.T])
    p = np.exp(eta - special.logsumexp(eta, axis=1, keepdims=True))[:, 1:]
    ind = np.column_stack([y == 1, y == 2]).astype(float)
    scores = ((ind - p)[:, :, None] * x[:, None, :]).reshape(N, 6)
    meat = cstate.parse_state(_state(conn, "SELECT indb_ml._mlogit_meat(y, ARRAY[1, x1, x2], %s, 3) FROM md",
                                     [coef]), cstate.SANDWICH)
    np.testing.assert_allclose(meat.data[:6], scores.sum(axis=0), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(unpack_kronecker(meat.data[6:], 2, 3), scores.T @ scores, rtol=1e-10)
    # clustered meat: score sums per firm, then the sum of their outer products
    raw = _state(conn, "SELECT indb_ml._cluster_meat(c.s) FROM (SELECT indb_ml._mlogit_score_sum(y, "
                 "ARRAY[1, x1, x2], %s, 3) AS s FROM md GROUP BY firm) c", [coef])
    c = cstate.parse_state(raw, cstate.SANDWICH)
    sums = np.array([scores[firm == f].sum(axis=0) for f in range(23)])
    np.testing.assert_allclose(cstate.unpack_symmetric(c.data[6:], 6), sums.T @ sums, rtol=1e-10, atol=1e-10)
    assert (c.n, c.skipped) == (N, 1)


@pytest.mark.parametrize("call, error, message", [
    ("indb_ml._mlogit_step(3, ARRAY[1, 2], '{0,0,0,0}', 3)", E.InvalidParameterValue,
     "dependent value 3 is not a category index 0 to 2"),
    ("indb_ml._mlogit_step(0.5, ARRAY[1, 2], '{0,0,0,0}', 3)", E.InvalidParameterValue, "dependent value 0.5"),
    ("indb_ml._mlogit_step(-1, ARRAY[1, 2], '{0,0,0,0}', 3)", E.InvalidParameterValue, "dependent value -1"),
    ("indb_ml._mlogit_step(1, ARRAY[1, 2], '{0,0,0}', 3)", E.ArraySubscriptError, "3 coefficients for 3 categories"),
    ("indb_ml._mlogit_step(1, '{{1,2},{3,4}}', '{0,0,0,0}', 3)", E.ArraySubscriptError, "one-dimensional"),
    ("indb_ml._mlogit_step(1, ARRAY[1, 'NaN'::float8], '{0,0,0,0}', 3)", E.InvalidTextRepresentation, "NaN or Inf"),
    ("indb_ml._mlogit_step('Infinity', ARRAY[1, 2], '{0,0,0,0}', 3)", E.InvalidTextRepresentation, "NaN"),
    ("indb_ml._mlogit_step(1, ARRAY[1, 2], NULL, 3)", E.NullValueNotAllowed, "coef must not be NULL"),
    ("indb_ml._mlogit_step(1, ARRAY[1, 2], '{0,0}', 1)", E.InvalidParameterValue, "1 categories"),
    ("indb_ml._mlogit_step(1, ARRAY[1, 2], '{0,0,0,0}', NULL)", E.NullValueNotAllowed, "number of categories"),
    ("indb_ml._mlogit_step(1, '{}', '{}', 3)", E.ArraySubscriptError, "empty"),
    ("indb_ml._mlogit_meat(1, ARRAY[1, 2], '{0,0,0,0,0}', 3)", E.ArraySubscriptError, "5 coefficients"),
    ("indb_ml._mlogit_score_sum(7, ARRAY[1, 2], '{0,0,0,0}', 3)", E.InvalidParameterValue, "dependent value 7"),
    ("indb_ml._mlogit_step(1, ARRAY[1, 2], array_fill(0::float8, ARRAY[200000]), 20001)", E.InvalidParameterValue,
     "20001 categories"),
])
def test_c_step_rejects_bad_arguments(postgresql, call, error, message):
    with pytest.raises(error, match=message):
        postgresql.execute("SELECT " + call)


def test_c_step_skips_and_counts_rows_with_nulls(postgresql):
    raw = _state(postgresql, "SELECT indb_ml._mlogit_step(y, x, '{0,0,0,0}', 3) FROM (VALUES (NULL::float8, "
                 "ARRAY[1, 2]::float8[]), (1, NULL), (1, ARRAY[1, NULL]), (2, ARRAY[1, 0.5])) v(y, x)")
    s = cstate.parse_state(raw, cstate.MLOGIT)
    assert (s.n, s.skipped, s.width, s.param) == (1, 3, 4, 3)
    only = cstate.parse_state(_state(postgresql, "SELECT indb_ml._mlogit_step(NULL, ARRAY[1, 2], '{0,0,0,0}', 3)"),
                              cstate.MLOGIT)
    assert (only.n, only.skipped, only.width) == (0, 1, 0)
    with pytest.raises(E.ArraySubscriptError, match="different lengths"):
        postgresql.execute("SELECT indb_ml._mlogit_step(1, x, c, 3) FROM (VALUES (ARRAY[1, 2]::float8[], "
                           "'{0,0,0,0}'::float8[]), (ARRAY[1, 2, 3], '{0,0,0,0,0,0}')) v(x, c)")


@pytest.mark.parametrize("setup, call, error, message", [
    ("CREATE VIEW bad AS SELECT y + 0.5 AS y, x1, x2 FROM md", "'bad', 'o', 'y', 'ARRAY[1, x1, x2]'",
     E.DatatypeMismatch, "integer category"),
    ("CREATE VIEW bad AS SELECT y, CASE WHEN id = 7 THEN 'NaN'::float8 ELSE x1 END AS x1, x2 FROM md",
     "'bad', 'o', 'y', 'ARRAY[1, x1, x2]'", E.InvalidTextRepresentation, "NaN or Infinity"),
    ("CREATE VIEW bad AS SELECT CASE WHEN id = 7 THEN 'NaN'::float8 ELSE y END AS y, x1, x2 FROM md",
     "'bad', 'o', 'y', 'ARRAY[1, x1, x2]'", E.InvalidTextRepresentation, "NaN or Infinity"),
    ("CREATE VIEW bad AS SELECT y, CASE WHEN id = 7 THEN ARRAY[1, x1] ELSE ARRAY[1, x1, x2] END AS xs FROM md",
     "'bad', 'o', 'y', 'xs'", E.ArraySubscriptError, "different lengths"),
    ("CREATE VIEW bad AS SELECT * FROM md WHERE false", "'bad', 'o', 'y', 'ARRAY[1, x1, x2]'", E.DataException,
     "no rows to train on"),
    ("CREATE VIEW bad AS SELECT * FROM md", "'bad', 'o', 'y', 'ARRAY[1, x1, x2]', 5", E.InvalidParameterValue,
     "ref_category 5 is not one of"),
    ("CREATE VIEW bad AS SELECT * FROM md WHERE y < 1", "'bad', 'o', 'y', 'ARRAY[1, x1, x2]'",
     E.InvalidParameterValue, "has 1 categories"),
])
def test_bad_input_on_the_aggregate_plan(md, setup, call, error, message):
    conn = md[0]
    conn.execute(setup)
    with pytest.raises(error, match=message), conn.transaction():
        conn.execute("SELECT indb_ml.mlogregr_train(" + call + ")")
    assert conn.execute("SELECT to_regclass('o'), to_regclass('o_summary')").fetchone() == (None, None)


def test_memory_plan_refused_on_a_view_and_unknown_plans(md):
    conn = md[0]
    conn.execute("SET indb_ml.training_plan = memory")
    with pytest.raises(E.InvalidParameterValue, match="needs a plain local table"), conn.transaction():
        conn.execute("SELECT indb_ml.multinom('md_view', 'o', 'y', 'ARRAY[1, x1, x2]')")
    conn.execute("SET indb_ml.training_plan = fastest")
    with pytest.raises(E.InvalidParameterValue, match="training_plan must be one of"), conn.transaction():
        conn.execute("SELECT indb_ml.clustered_variance_mlogregr('md', 'o', 'y', 'ARRAY[1, x1, x2]', 'firm')")
