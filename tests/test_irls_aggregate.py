"""logregr_train and glm on the aggregate plan (one C aggregate statement per iteration).

Forced with ``SET indb_ml.training_plan = aggregate`` on a plain table, and chosen
automatically on a view and on range- and hash-partitioned tables, every model equals the
in-memory plan's and statsmodels' at the tolerances of tests/test_logregr.py and
tests/test_glm.py; grouped; with parallel query forced equal to serial; bad input is an
error naming the problem (and leaves no table behind); the C steps themselves equal numpy's
sums. Oracles: statsmodels and numpy, computed here.
"""

from __future__ import annotations

import numpy as np
import psycopg.errors as E
import pytest
import statsmodels.api as sm
from psycopg import sql
from scipy import special

from indb_ml.kernels.cstate import GLM, LOGIT, parse_state, unpack_symmetric
from indb_ml.kernels.glm import FAMILIES, FAMILY_CODES, LINK_CODES
from tests.helpers import load_table
from tests.test_glm import SM_FAMILY, SM_LINK, dispersed_llf, gaussian_ml_llf, simulate
from tests.test_logregr import COLS, check
from tests.test_matrix import force_parallel

N = 3000
GLM_COLS = "coef, log_likelihood, std_err, {stat}, p_values, dispersion, num_rows_processed, num_rows_skipped, " \
           "num_iterations, status"


@pytest.fixture
def pts(postgresql):
    """test_logregr's data, stored as a table, a view and two partitioned tables."""
    rng = np.random.default_rng(17)
    x = rng.normal(size=(N, 3))
    g = rng.integers(0, 2, size=N)
    eta = 0.3 + x @ np.array([1.0, -0.5, 0.25]) + 0.4 * g
    y = (rng.random(N) < 1 / (1 + np.exp(-eta))).astype(int)
    cnt = rng.poisson(np.exp(0.2 + 0.3 * x[:, 0]))
    load_table(postgresql, "pts", {"id": np.arange(N), "g": g, "y": y, "cnt": cnt, "x1": x[:, 0], "x2": x[:, 1],
                                   "x3": x[:, 2]}, {"id": "int", "g": "int", "y": "int", "cnt": "int"})
    postgresql.execute("INSERT INTO pts VALUES (-1, 0, NULL, NULL, 1, 2, 3)")  # NULL y: skipped
    postgresql.execute("CREATE VIEW pts_view AS SELECT * FROM pts WHERE id > -100")
    postgresql.execute("CREATE TABLE pts_ranged (LIKE pts) PARTITION BY RANGE (id)")
    for lo in (-1000, 1000, 2000):
        hi = lo + 1000 if lo > 0 else 1000
        postgresql.execute(f"CREATE TABLE pts_ranged_{lo + 1000} PARTITION OF pts_ranged "
                           f"FOR VALUES FROM ({lo}) TO ({hi})")
    postgresql.execute("CREATE TABLE pts_hashed (LIKE pts) PARTITION BY HASH (id)")
    for r in range(3):
        postgresql.execute(f"CREATE TABLE pts_hashed_{r} PARTITION OF pts_hashed "
                           f"FOR VALUES WITH (MODULUS 3, REMAINDER {r})")
    postgresql.execute("INSERT INTO pts_ranged SELECT * FROM pts ORDER BY random()")
    postgresql.execute("INSERT INTO pts_hashed SELECT * FROM pts ORDER BY random()")
    postgresql.execute("ANALYZE")
    return postgresql, np.column_stack([np.ones(N), x]), y.astype(float), g, cnt.astype(float)


def plan_of(conn, sql: str, params=()) -> str:
    """Run ``sql`` with DEBUG2 messages on and return which plan the trainer took."""
    seen = []

    def handler(diag):
        seen.append(diag.message_primary)

    conn.add_notice_handler(handler)
    conn.execute("SET client_min_messages = debug2")
    try:
        conn.execute(sql, params)
    finally:
        conn.execute("RESET client_min_messages")
        conn.remove_notice_handler(handler)
    plans = {"aggregate" for m in seen if "aggregate passes over" in m}
    plans |= {"memory" for m in seen if "rows packed in memory" in m}
    assert len(plans) == 1, seen
    return plans.pop()


def assert_rows_close(got, want, rtol, atol=1e-12, skip=()):
    assert len(got) == len(want) and got
    for a, b in zip(got, want):
        for i, (u, v) in enumerate(zip(a, b)):
            if i in skip:
                continue
            if isinstance(v, (list, float)):
                np.testing.assert_allclose(np.asarray(u, float), np.asarray(v, float), rtol=rtol, atol=atol)
            else:
                assert u == v


def logregr(conn, source, out, optimizer="irls", tolerance=1e-9, grouping=None, plan=None):
    """tolerance: MADlib's absolute change of the log-likelihood (|ll| ~ 2000 here: 1e-9 is 5e-13
    relative, well above the round-off in which the plans' sums differ)."""
    if plan:
        conn.execute("SET indb_ml.training_plan = " + plan)
    try:
        took = plan_of(conn, "SELECT indb_ml.logregr_train(%s, %s, 'y', 'ARRAY[1, x1, x2, x3]', %s, 50, %s, %s)",
                       [source, out, grouping, optimizer, tolerance])
    finally:
        if plan:
            conn.execute("RESET indb_ml.training_plan")
    keys = "g, " if grouping else ""
    return took, conn.execute(f"SELECT {keys}{COLS} FROM {out} ORDER BY 1").fetchall()


@pytest.mark.parametrize("optimizer", ["irls", "cg"])
def test_logregr_aggregate_plan_equals_memory_and_statsmodels(pts, optimizer):
    conn, x, y, _, _ = pts
    took_mem, mem = logregr(conn, "pts", "m_mem", optimizer)
    took_agg, agg = logregr(conn, "pts", "m_agg", optimizer, plan="aggregate")
    assert (took_mem, took_agg) == ("memory", "aggregate")
    if optimizer == "irls":
        check(agg[0], x, y)  # test_logregr's tolerances against statsmodels Logit
    else:  # test_logregr's CG tolerances
        ref = sm.Logit(y, x).fit(disp=0, tol=1e-12)
        assert np.max(np.abs(np.array(agg[0][0]) - ref.params) / np.maximum(np.abs(ref.params), 0.1)) < 1e-6
        assert agg[0][-1] == "converged"
    assert agg[0][7:9] == (N, 1)  # rows used, the NULL row skipped
    assert_rows_close(agg, mem, rtol=1e-9)
    assert conn.execute("SELECT optimizer_params, num_rows_processed, num_missing_rows_skipped FROM m_agg_summary"
                        ).fetchone() == (f"optimizer={optimizer}, max_iter=50, tolerance=1e-09", N, 1)


@pytest.mark.parametrize("grouping", [None, "g"])
def test_logregr_on_a_view_and_partitioned_tables_takes_aggregate_passes(pts, grouping):
    conn, x, y, g, _ = pts
    _, want = logregr(conn, "pts", "m_flat", grouping=grouping)
    for source in ("pts_view", "pts_ranged", "pts_hashed"):
        took, got = logregr(conn, source, "m_" + source, grouping=grouping)
        assert took == "aggregate", source
        assert_rows_close(got, want, rtol=1e-9)
    if grouping:
        for row in want:
            check(row[1:], x[g == row[0]], y[g == row[0]])


def test_logregr_aggregate_plan_under_forced_parallel_query_equals_serial(pts):
    conn = pts[0]
    serial = [logregr(conn, "pts", "s_" + str(i), grouping=grp, plan="aggregate")[1]
              for i, grp in enumerate((None, "g"))]
    serial_part = logregr(conn, "pts_ranged", "s_part", grouping="g")[1]
    force_parallel(conn)
    conn.execute("SET max_parallel_workers_per_gather = 2")
    query = ("SELECT g, indb_ml._logregr_step(y::float8, ARRAY[1, x1, x2, x3], '{0,0,0,0}'::float8[]) "
             "FROM pts GROUP BY g")
    plan = "\n".join(r[0] for r in conn.execute("EXPLAIN " + query))
    assert "Gather" in plan and "Partial" in plan, plan
    for i, grp in enumerate((None, "g")):
        assert_rows_close(logregr(conn, "pts", "p_" + str(i), grouping=grp, plan="aggregate")[1], serial[i],
                          rtol=1e-10)
    assert_rows_close(logregr(conn, "pts_ranged", "p_part", grouping="g")[1], serial_part, rtol=1e-10)


def glm_fit(conn, source, out, fam, link, plan=None, grouping=None, tolerance=1e-12):
    if plan:
        conn.execute("SET indb_ml.training_plan = " + plan)
    try:
        took = plan_of(conn, "SELECT indb_ml.glm(%s, %s, 'y', 'ARRAY[1, x1, x2]', %s, %s, %s)",
                       [source, out, f"family={fam}, link={link}", grouping,
                        f"max_iter=200, tolerance={tolerance}"])
    finally:
        if plan:
            conn.execute("RESET indb_ml.training_plan")
    stat = "t_stats" if FAMILIES[fam][2] else "z_stats"
    keys = "g, " if grouping else ""
    return took, conn.execute(f"SELECT {keys}{GLM_COLS.format(stat=stat)} FROM {out} ORDER BY 1").fetchall()


@pytest.mark.parametrize("fam, link", [(f, link) for f, (_, links, _) in FAMILIES.items() for link in links])
def test_glm_aggregate_plan_every_family_and_link(postgresql, fam, link):
    """test_glm's data and tolerances; the aggregate plan also equals the memory plan."""
    x, y = simulate(fam, link, 1500, hash((fam, link)) % 1000)
    load_table(postgresql, "d", {"y": y, "x1": x[:, 1], "x2": x[:, 2]})
    took_mem, mem = glm_fit(postgresql, "d", "m_mem", fam, link)
    took_agg, agg = glm_fit(postgresql, "d", "m_agg", fam, link, plan="aggregate")
    assert (took_mem, took_agg) == ("memory", "aggregate")
    coef, ll, se, z, p, disp, n, skipped, iters, status = agg[0]
    # use_t: p-values from Student t with n - p degrees of freedom for the families with a dispersion
    ref = sm.GLM(y, x, family=SM_FAMILY[fam](SM_LINK[link]())).fit(tol=1e-12, maxiter=200,
                                                                   use_t=FAMILIES[fam][2])
    np.testing.assert_allclose(coef, ref.params, rtol=1e-7)
    np.testing.assert_allclose(se, ref.bse, rtol=1e-6)
    np.testing.assert_allclose(z, ref.tvalues, rtol=1e-6)
    np.testing.assert_allclose(p, ref.pvalues, rtol=1e-5, atol=1e-300)
    want = {"gaussian": gaussian_ml_llf, "gamma": dispersed_llf, "inverse_gaussian": dispersed_llf}.get(
        fam, lambda ref, y: ref.llf)(ref, y)
    assert ll == pytest.approx(want, rel=1e-9)
    assert disp == pytest.approx(ref.scale, rel=1e-8)
    assert (n, skipped, status) == (1500, 0, "converged") and 1 <= iters <= 200
    # tolerance 1e-12 is within a few hundred ulps of the log-likelihood's round-off, in which the
    # plans' sums differ: about one data set in 400 stops one iteration apart (same model to 1e-9)
    assert_rows_close(agg, mem, rtol=1e-9, skip=(8,))
    assert abs(agg[0][8] - mem[0][8]) <= 1


@pytest.mark.parametrize("grouping", [None, "g"])
def test_glm_on_a_view_and_partitioned_tables_and_in_parallel(pts, grouping):
    conn, x, _, g, cnt = pts

    def fit(source, out):
        conn.execute("SELECT indb_ml.glm(%s, %s, 'cnt', 'ARRAY[1, x1, x2, x3]', 'family=poisson', %s, "
                     "'tolerance=1e-12')", [source, out, grouping])
        keys = "g, " if grouping else ""
        return conn.execute(f"SELECT {keys}{GLM_COLS.format(stat='z_stats')} FROM {out} ORDER BY 1").fetchall()

    want = fit("pts", "g_flat")
    for source in ("pts_view", "pts_ranged", "pts_hashed"):
        assert plan_of(conn, "SELECT indb_ml.glm(%s, %s, 'cnt', 'ARRAY[1, x1, x2, x3]', 'family=poisson', %s)",
                       [source, "probe_" + source, grouping]) == "aggregate"
        assert_rows_close(fit(source, "g_" + source), want, rtol=1e-9)
    force_parallel(conn)
    assert_rows_close(fit("pts_view", "g_par_view"), want, rtol=1e-9)
    conn.execute("SET indb_ml.training_plan = aggregate")
    assert_rows_close(fit("pts", "g_par"), want, rtol=1e-9)
    for row in want:
        sel = slice(None) if grouping is None else g == row[0]
        ref = sm.GLM(cnt[sel], x[sel], family=sm.families.Poisson()).fit(tol=1e-12)
        np.testing.assert_allclose(row[1 if grouping else 0], ref.params, rtol=1e-7)


@pytest.fixture
def messy(postgresql):
    """Rows with a NULL dependent, a NULL array and a NULL element, and an all-NULL group."""
    postgresql.execute("CREATE TABLE messy (g int, y float8, x float8[])")
    rng = np.random.default_rng(3)
    rows = []
    for i in range(400):
        x1 = float(rng.normal())
        rows.append((i % 2, float(rng.random() < 1 / (1 + np.exp(-x1))), [1.0, x1]))
    rows += [(0, None, [1.0, 0.5]), (1, 1.0, None), (1, 0.0, [1.0, None]), (7, None, [1.0, 2.0])]
    with postgresql.cursor().copy("COPY messy FROM STDIN") as copy:
        for r in rows:
            copy.write_row(r)
    postgresql.execute("CREATE VIEW messy_view AS SELECT * FROM messy")
    return postgresql, rows


def test_null_rows_are_counted_on_the_aggregate_plan(messy):
    conn, rows = messy
    for name, call in (("lg", "SELECT indb_ml.logregr_train('messy_view', 'lg', 'y', 'x', 'g')"),
                       ("gl", "SELECT indb_ml.glm('messy_view', 'gl', 'y', 'x', 'family=binomial', 'g')")):
        conn.execute(call)
        skipped_col = "num_missing_rows_skipped" if name == "lg" else "num_rows_skipped"
        got = conn.execute(f"SELECT g, num_rows_processed, {skipped_col}, status FROM {name} ORDER BY g").fetchall()
        assert got == [(0, 200, 1, "converged"), (1, 200, 2, "converged"), (7, 0, 1, "no rows")], name
    conn.execute("SELECT indb_ml.logregr_train('messy', 'lg_mem', 'y', 'x', 'g')")
    assert_rows_close(conn.execute("SELECT g, coef, std_err FROM lg_mem ORDER BY g").fetchall(),
                      conn.execute("SELECT g, coef, std_err FROM lg ORDER BY g").fetchall(), rtol=1e-9)


@pytest.mark.parametrize("source, args, error, message", [
    ("pts_view", "'pts_view', 'o', 'cnt', 'ARRAY[1, x1]'", E.DatatypeMismatch,
     "logregr_train: the dependent variable must be boolean or 0/1; found [2-9]"),
    ("bad_nan", "'bad_nan', 'o', 'y', 'ARRAY[1, x1]'", E.InvalidTextRepresentation, "NaN or Infinity"),
    ("bad_ragged", "'bad_ragged', 'o', 'y', 'x'", E.ArraySubscriptError, "different lengths"),
    ("bad_empty", "'bad_empty', 'o', 'y', 'x'", E.ArraySubscriptError, "array is empty"),
    # igd takes ordered aggregate passes on every source now (MADlib's per-row steps, src/logregr_igd.c)
    ("bad_nan", "'bad_nan', 'o', 'y', 'ARRAY[1, x1]', NULL, 20, 'igd'", E.InvalidTextRepresentation, "NaN or Infinity"),
])
def test_logregr_bad_input_on_the_aggregate_plan(pts, source, args, error, message):
    conn = pts[0]
    conn.execute("CREATE TABLE bad_nan AS SELECT y, CASE WHEN id = 77 THEN 'NaN' ELSE x1 END AS x1 FROM pts")
    conn.execute("CREATE TABLE bad_ragged AS SELECT y, CASE WHEN id = 77 THEN ARRAY[1, x1, x2] ELSE ARRAY[1, x1] "
                 "END AS x FROM pts")
    conn.execute("CREATE TABLE bad_empty AS SELECT y, '{}'::float8[] AS x FROM pts")
    conn.execute("SET indb_ml.training_plan = aggregate")
    with pytest.raises(error, match=message), conn.transaction():
        conn.execute("SELECT indb_ml.logregr_train(" + args + ")")
    assert conn.execute("SELECT to_regclass('o'), to_regclass('o_summary')").fetchone() == (None, None)


@pytest.mark.parametrize("y_sql, family_params, error, message", [
    ("cnt - 100", "family=poisson", E.DatatypeMismatch, "glm: poisson needs non-negative integer counts; found -"),
    ("cnt + 0.5", "family=poisson", E.DatatypeMismatch, "poisson needs non-negative integer counts; found"),
    ("cnt - 10", "family=gamma", E.DatatypeMismatch, "gamma needs a positive dependent variable"),
    ("-x1 * x1", "family=inverse_gaussian", E.DatatypeMismatch, "inverse_gaussian needs a positive"),
    ("cnt", "family=binomial", E.DatatypeMismatch, "binomial needs a boolean or 0/1 dependent variable"),
    ("x1 / 0.0", "family=gaussian", E.DivisionByZero, "division by zero"),
    ("y_inf", "family=gaussian", E.InvalidTextRepresentation, "glm: NaN or Infinity"),
])
def test_glm_bad_input_on_the_aggregate_plan(pts, y_sql, family_params, error, message):
    conn = pts[0]
    conn.execute("CREATE VIEW pts_inf AS SELECT *, CASE WHEN id = 5 THEN 'Infinity' ELSE x1 END AS y_inf FROM pts")
    with pytest.raises(error, match=message), conn.transaction():
        conn.execute("SELECT indb_ml.glm('pts_inf', 'o', %s, 'ARRAY[1, x1]', %s)", [y_sql, family_params])
    assert conn.execute("SELECT to_regclass('o'), to_regclass('o_summary')").fetchone() == (None, None)


def test_memory_plan_on_a_view_is_an_error(pts):
    conn = pts[0]
    conn.execute("SET indb_ml.training_plan = memory")
    with pytest.raises(E.InvalidParameterValue, match="needs a plain local table"), conn.transaction():
        conn.execute("SELECT indb_ml.logregr_train('pts_view', 'o', 'y', 'ARRAY[1, x1]')")


def test_the_c_steps_equal_numpy_sums(pts):
    """The states of one pass, read back in Python, against the sums computed in numpy."""
    conn, x, y, _, cnt = pts
    coef = np.array([0.2, -0.3, 0.5, 0.1])
    raw = conn.execute("SELECT indb_ml._logregr_step(y::float8, ARRAY[1, x1, x2, x3], %s) FROM pts",
                       [coef.tolist()]).fetchone()[0]
    s = parse_state(raw, LOGIT)
    eta = x @ coef
    p = special.expit(eta)
    assert (s.width, s.n, s.skipped) == (4, N, 1)
    assert s.data[0] == pytest.approx(np.sum(y * eta - np.logaddexp(0, eta)), rel=1e-12)
    np.testing.assert_allclose(s.data[1:5], x.T @ (y - p), rtol=1e-10)
    np.testing.assert_allclose(unpack_symmetric(s.data[5:], 4), (x * (p * (1 - p))[:, None]).T @ x, rtol=1e-12)
    # GLM, poisson / sqrt link at coefficients, and the start from the mean
    w = np.array([1.0, 0.1, 0.0, -0.1])
    for args, mu in (([w.tolist(), None], (x @ w) ** 2), ([None, float(cnt.mean())], (cnt + cnt.mean()) / 2)):
        raw = conn.execute("SELECT indb_ml._glm_step(cnt::float8, ARRAY[1, x1, x2, x3], %s::float8[], %s, %s, "
                           "%s::float8) FROM pts", [args[0], FAMILY_CODES["poisson"], LINK_CODES["sqrt"], args[1]]
                           ).fetchone()[0]
        s = parse_state(raw, GLM)
        eta = x @ w if args[0] is not None else np.sqrt(mu)
        gp = 1 / (2 * np.sqrt(mu))
        wt = 1 / (mu * gp**2)
        z = eta + (cnt - mu) * gp
        assert (s.width, s.n, s.skipped, s.param) == (4, N, 1, 16 * 3 + 7)
        assert s.data[0] == pytest.approx(np.sum((cnt - mu) ** 2 / mu), rel=1e-12)
        ll = np.sum(special.xlogy(cnt, mu) - mu - special.gammaln(cnt + 1))
        assert s.data[1] == pytest.approx(ll, rel=1e-12)
        assert s.data[3] == pytest.approx(cnt.sum(), rel=1e-15)
        np.testing.assert_allclose(s.data[4:8], (x * wt[:, None]).T @ z, rtol=1e-11)
        np.testing.assert_allclose(unpack_symmetric(s.data[8:], 4), (x * wt[:, None]).T @ x, rtol=1e-12)


def test_the_c_steps_check_their_arguments(pts):
    conn = pts[0]
    cases = [
        ("SELECT indb_ml._logregr_step(1, ARRAY[1, 2], NULL) FROM pts", E.NullValueNotAllowed, "coef must not"),
        ("SELECT indb_ml._logregr_step(1, ARRAY[1, 2], '{1}') FROM pts", E.ArraySubscriptError, "different lengths"),
        ("SELECT indb_ml._logregr_step(1, ARRAY[1, 2], '{1, NULL}') FROM pts", E.NullValueNotAllowed, "NULL"),
        ("SELECT indb_ml._logregr_step(1, '{{1, 2}}', '{1, 2}') FROM pts", E.ArraySubscriptError, "one-dimensional"),
        ("SELECT indb_ml._glm_step(1, ARRAY[1, 2], NULL, 3, 5, NULL) FROM pts", E.InvalidParameterValue,
         "not a supported pair"),
        ("SELECT indb_ml._glm_step(1, ARRAY[1, 2], NULL, NULL, 2, NULL) FROM pts", E.NullValueNotAllowed,
         "family and link"),
        ("SELECT indb_ml._glm_step(1, ARRAY[1, 2], NULL, 3, 2, 'NaN') FROM pts", E.InvalidParameterValue,
         "mean .* must be finite"),
        ("SELECT indb_ml._logregr_step_combine('\\x00'::bytea, NULL)", E.DataCorrupted, "invalid aggregate state"),
    ]
    for query, error, message in cases:
        with pytest.raises(error, match=message), conn.transaction():
            conn.execute(query)
    # a GLM state is not a logistic one, and states of different families do not merge
    glm_state = conn.execute("SELECT indb_ml._glm_step(1, ARRAY[1, 2], NULL, 3, 2, NULL)").fetchone()[0]
    with pytest.raises(E.DataCorrupted, match="another aggregate"), conn.transaction():
        conn.execute("SELECT indb_ml._logregr_step_combine(%s, %s)", [glm_state, glm_state])
    other = conn.execute("SELECT indb_ml._glm_step(1, ARRAY[1, 2], NULL, 4, 2, NULL)").fetchone()[0]
    with pytest.raises(E.InvalidParameterValue, match="different parameters"), conn.transaction():
        conn.execute("SELECT indb_ml._glm_step_combine(%s, %s)", [glm_state, other])
    merged = parse_state(conn.execute("SELECT indb_ml._glm_step_combine(%s, %s)", [glm_state, glm_state]
                                      ).fetchone()[0], GLM)
    assert (merged.n, merged.data[3]) == (2, 2.0)


def test_null_and_quoted_group_values_and_verbose_on_the_aggregate_plan(pts):
    """A NULL group and a text group with a quote are joined to their coefficients (IS NOT
    DISTINCT FROM); verbose reports every group's iterations; both plans agree."""
    conn = pts[0]
    conn.execute("CREATE TABLE tg AS SELECT CASE g WHEN 0 THEN NULL ELSE 'it''s' END AS grp, y, cnt, x1, x2 FROM pts")
    conn.execute("CREATE VIEW tg_view AS SELECT * FROM tg")
    seen = []

    def handler(diag):
        seen.append(diag.message_primary)

    conn.add_notice_handler(handler)
    conn.execute("SELECT indb_ml.logregr_train('tg_view', 'lv', 'y', 'ARRAY[1, x1, x2]', 'grp', 20, 'irls', 1e-10, "
                 "TRUE)")
    conn.remove_notice_handler(handler)
    conn.execute("SELECT indb_ml.logregr_train('tg', 'lm', 'y', 'ARRAY[1, x1, x2]', 'grp', 20, 'irls', 1e-10)")
    cols = "grp, coef, std_err, log_likelihood, num_rows_processed, num_iterations, status"
    got = conn.execute(f"SELECT {cols} FROM lv ORDER BY grp NULLS FIRST").fetchall()
    want = conn.execute(f"SELECT {cols} FROM lm ORDER BY grp NULLS FIRST").fetchall()
    assert [r[0] for r in got] == [None, "it's"]
    assert_rows_close(got, want, rtol=1e-9)
    for key in ('{"grp": null}', '{"grp": "it\'s"}'):
        assert any(m.startswith(f"logregr_train group {key}: iteration 1, log-likelihood") for m in seen), seen
    conn.execute("SELECT indb_ml.glm('tg_view', 'gv', 'cnt', 'ARRAY[1, x1, x2]', 'family=poisson', 'grp')")
    conn.execute("SELECT indb_ml.glm('tg', 'gm', 'cnt', 'ARRAY[1, x1, x2]', 'family=poisson', 'grp')")
    cols = "grp, coef, std_err, log_likelihood, dispersion, num_rows_processed, num_iterations"
    assert_rows_close(conn.execute(f"SELECT {cols} FROM gv ORDER BY grp NULLS FIRST").fetchall(),
                      conn.execute(f"SELECT {cols} FROM gm ORDER BY grp NULLS FIRST").fetchall(), rtol=1e-9)


def test_a_foreign_table_takes_aggregate_passes(pts):
    """postgres_fdw over the same database: no ctid to scan by, so the aggregate plan."""
    conn = pts[0]
    info = conn.info
    conn.execute("CREATE EXTENSION IF NOT EXISTS postgres_fdw")
    conn.execute(sql.SQL("CREATE SERVER loop FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host {}, port {}, dbname {})")
                 .format(sql.Literal(info.host), sql.Literal(str(info.port)), sql.Literal(info.dbname)))
    conn.execute(sql.SQL("CREATE USER MAPPING FOR CURRENT_USER SERVER loop OPTIONS (user {}, password {})")
                 .format(sql.Literal(info.user), sql.Literal(info.password or "")))
    conn.execute("CREATE FOREIGN TABLE pts_remote (id int, g int, y int, cnt int, x1 float8, x2 float8, x3 float8) "
                 "SERVER loop OPTIONS (table_name 'pts')")
    conn.commit()
    _, want = logregr(conn, "pts", "m_local", grouping="g")
    took, got = logregr(conn, "pts_remote", "m_remote", grouping="g")
    assert took == "aggregate"
    assert_rows_close(got, want, rtol=1e-9)
    conn.execute("SELECT indb_ml.glm('pts_remote', 'g_remote', 'cnt', 'ARRAY[1, x1, x2]', 'family=poisson')")
    conn.execute("SELECT indb_ml.glm('pts', 'g_local', 'cnt', 'ARRAY[1, x1, x2]', 'family=poisson')")
    cols = "coef, std_err, log_likelihood, num_rows_processed, num_rows_skipped, num_iterations"
    assert_rows_close(conn.execute(f"SELECT {cols} FROM g_remote").fetchall(),
                      conn.execute(f"SELECT {cols} FROM g_local").fetchall(), rtol=1e-9)
