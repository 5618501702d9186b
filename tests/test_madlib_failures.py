"""SET indb_ml.madlib_failures = on: MADlib's rows for logregr_train and glm groups with NaN or
Infinity, and for logregr fits MADlib ends (TERMINATED). Default: 22P02, and failed fits keep
what they reached.

MADlib's outcome, from its source (apache/madlib): regress/logistic.cpp, the transition steps
warn "Design matrix is not finite." and set the state TERMINATED, and logistic.py_in writes
``CASE WHEN (result).status = 1 THEN ... ELSE NULL END`` for every value, num_rows_processed
and num_missing_rows_skipped included, with the group's iteration (1); glm/GLM_impl.hpp warns
"Dependent variables are not finite." or "Design matrix is not finite." and glm.cpp's final
step returns NULL, so glm.py_in writes NULL values, 0 rows processed and count(*) skipped,
and its in-memory controller (utilities/in_mem_group_control.py_in) runs the group to
max_iter. The other groups' coefficients are checked against statsmodels fits of those
groups alone.
"""

from __future__ import annotations

import numpy as np
import psycopg.errors as E
import pytest
import statsmodels.api as sm

from tests.helpers import load_table
from tests.test_matrix import force_parallel

LOGIT_COLS = ("g, coef, log_likelihood, std_err, z_stats, p_values, odds_ratios, condition_no, num_rows_processed, "
              "num_missing_rows_skipped, num_iterations, variance_covariance, status")
GLM_COLS = "g, coef, log_likelihood, std_err, {stats}, p_values, dispersion, num_rows_processed, num_rows_skipped, " \
           "num_iterations, status"
N = 300  # rows per group


def _notices(conn) -> list:
    seen = []
    conn.add_notice_handler(lambda d: seen.append((d.severity_nonlocalized, d.message_primary, d.message_detail)))
    return seen


@pytest.fixture
def grouped(postgresql):
    """Four groups of N rows: group 1 has a NaN in x1, group 2 a +Infinity and a -Infinity in
    x2, group 3 a row with a NULL x1 (skipped, counted); y is boolean (logregr), a count
    (poisson) and a measurement (gaussian) with a NaN in group 1."""
    rng = np.random.default_rng(23)
    g = np.repeat(np.arange(4), N)
    x = rng.normal(size=(4 * N, 2))
    eta = 0.2 + x @ np.array([0.8, -0.6]) + 0.3 * g
    yb = (rng.random(4 * N) < 1 / (1 + np.exp(-eta))).astype(float)
    yc = rng.poisson(np.exp(0.3 + 0.4 * x[:, 0] - 0.2 * x[:, 1])).astype(float)
    yg = 1.0 + 2.0 * x[:, 0] - x[:, 1] + rng.normal(scale=0.5, size=4 * N)
    x1, x2 = x[:, 0].copy(), x[:, 1].copy()
    x1[N + 7] = np.nan
    yg[N + 9] = np.nan
    x2[2 * N + 3], x2[2 * N + 200] = np.inf, -np.inf
    load_table(postgresql, "pts", {"g": g, "yb": yb > 0, "yc": yc, "yg": yg, "x1": x1, "x2": x2},
               {"g": "int", "yb": "boolean"})
    # load_table writes NaN as NULL: put the NaNs back, then the NULL row of group 3
    postgresql.execute("UPDATE pts SET x1 = 'NaN' WHERE g = 1 AND x1 IS NULL")
    postgresql.execute("UPDATE pts SET yg = 'NaN' WHERE g = 1 AND yg IS NULL")
    postgresql.execute("INSERT INTO pts VALUES (3, true, 1, 1, NULL, 0.5)")
    design = np.column_stack([np.ones(4 * N), x])
    return postgresql, design, {"yb": yb, "yc": yc, "yg": yg}, g


def _rows(conn, table, cols):
    return {r[0]: r[1:] for r in conn.execute(f"SELECT {cols} FROM {table} ORDER BY g")}


@pytest.mark.parametrize("plan", ["memory", "aggregate"])
def test_default_is_still_an_error(grouped, plan):
    conn = grouped[0]
    conn.execute(f"SET indb_ml.training_plan = {plan}")
    for setting in (None, "off"):
        if setting:
            conn.execute("SET indb_ml.madlib_failures = " + setting)
        for call in ("indb_ml.logregr_train('pts', 'm', 'yb', 'ARRAY[1, x1, x2]', 'g')",
                     "indb_ml.logregr_train('pts', 'm', 'yb', 'ARRAY[1, x1, x2]', 'g', 20, 'igd')",
                     "indb_ml.glm('pts', 'm', 'yc', 'ARRAY[1, x1, x2]', 'family=poisson', 'g')"):
            with pytest.raises(E.InvalidTextRepresentation), conn.transaction():
                conn.execute("SELECT " + call)


def _check_logregr(conn, table, design, y, g, optimizer):
    rows = _rows(conn, table, LOGIT_COLS)
    assert sorted(rows) == [0, 1, 2, 3]
    for bad in (1, 2):  # MADlib's TERMINATED row: every value NULL, iteration 1
        assert rows[bad][:9] == (None,) * 9 and rows[bad][9] == 1 and rows[bad][10] is None
        assert rows[bad][11] == "nonfinite"
    for good in (0, 3):
        sel = g == good
        ref = sm.Logit(y[sel], design[sel]).fit(disp=0, tol=1e-12, maxiter=100)
        coef, ll, se = rows[good][0], rows[good][1], rows[good][2]
        np.testing.assert_allclose(coef, ref.params, rtol=1e-4 if optimizer == "cg" else 1e-6)
        np.testing.assert_allclose(ll, ref.llf, rtol=1e-8)
        np.testing.assert_allclose(se, ref.bse, rtol=1e-3)
        assert rows[good][7] == N and rows[good][8] == (1 if good == 3 else 0)
    summary = conn.execute(f"SELECT num_all_groups, num_failed_groups, num_rows_processed, num_missing_rows_skipped "
                           f"FROM {table}_summary").fetchone()
    assert summary == (4, 2, 2 * N, 1)  # MADlib's sums skip the NULL counts of the failed groups


@pytest.mark.parametrize("optimizer", ["irls", "cg"])
@pytest.mark.parametrize("plan", ["memory", "aggregate"])
def test_logregr_grouped_nonfinite_groups_get_madlib_rows(grouped, optimizer, plan):
    conn, design, ys, g = grouped
    seen = _notices(conn)
    conn.execute("SET indb_ml.madlib_failures = on")
    conn.execute(f"SET indb_ml.training_plan = {plan}")
    conn.execute(f"SELECT indb_ml.logregr_train('pts', 'm', 'yb', 'ARRAY[1, x1, x2]', 'g', 50, '{optimizer}', 1e-10)")
    _check_logregr(conn, "m", design, ys["yb"], g, optimizer)
    warned = [(m, d) for s, m, d in seen if s == "WARNING"]
    assert warned == [("Design matrix is not finite.", 'group {"g": 1}: 1 row(s) with NaN or Infinity; '
                       "the group's values are NULL"),
                      ("Design matrix is not finite.", 'group {"g": 2}: 2 row(s) with NaN or Infinity; '
                       "the group's values are NULL")]


def test_logregr_igd_other_groups_unchanged(grouped):
    """igd is approximate (MADlib's fixed steps): the other groups' rows are those of the same
    fit without the failed groups' rows, value for value."""
    conn = grouped[0]
    conn.execute("SET indb_ml.madlib_failures = on")
    conn.execute("SELECT indb_ml.logregr_train('pts', 'm', 'yb', 'ARRAY[1, x1, x2]', 'g', 10, 'igd')")
    conn.execute("CREATE TABLE clean AS SELECT * FROM pts WHERE g IN (0, 3)")
    conn.execute("SET indb_ml.madlib_failures = off")
    conn.execute("SELECT indb_ml.logregr_train('clean', 'mc', 'yb', 'ARRAY[1, x1, x2]', 'g', 10, 'igd')")
    got, want = _rows(conn, "m", LOGIT_COLS), _rows(conn, "mc", LOGIT_COLS)
    assert got[1][:9] == (None,) * 9 and got[2][:9] == (None,) * 9
    for good in (0, 3):
        np.testing.assert_allclose(got[good][0], want[good][0], rtol=1e-12)
        assert got[good][7:10] == want[good][7:10]


def test_logregr_ungrouped_and_all_nonfinite_group(postgresql):
    rng = np.random.default_rng(5)
    x = rng.normal(size=200)
    y = rng.random(200) < 1 / (1 + np.exp(-x))
    load_table(postgresql, "u", {"y": y, "x": x}, {"y": "boolean"})
    postgresql.execute("INSERT INTO u VALUES (true, 'Infinity'), (false, NULL)")
    postgresql.execute("SET indb_ml.madlib_failures = on")
    postgresql.execute("SELECT indb_ml.logregr_train('u', 'm', 'y', 'ARRAY[1, x]')")
    row = postgresql.execute("SELECT coef, num_rows_processed, num_missing_rows_skipped, num_iterations, status "
                             "FROM m").fetchone()
    assert row == (None, None, None, 1, "nonfinite")
    summary = postgresql.execute("SELECT num_all_groups, num_failed_groups, num_rows_processed, "
                                 "num_missing_rows_skipped FROM m_summary").fetchone()
    assert summary == (1, 1, None, None)  # MADlib: sum() over NULLs
    # a group with no finite row is MADlib's empty group: 0 processed, every row skipped
    postgresql.execute("CREATE TABLE e (g int, y boolean, x float8)")
    postgresql.execute("INSERT INTO e SELECT 0, y, x FROM u WHERE x < 'Infinity'")
    postgresql.execute("INSERT INTO e VALUES (1, true, 'NaN'), (1, false, '-Infinity'), (1, true, NULL)")
    postgresql.execute("SELECT indb_ml.logregr_train('e', 'me', 'y', 'ARRAY[1, x]', 'g')")
    rows = _rows(postgresql, "me", "g, coef, num_rows_processed, num_missing_rows_skipped, num_iterations")
    assert rows[1] == (None, 0, 3, 1)
    ref = sm.Logit(y.astype(float), np.column_stack([np.ones(200), x])).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(rows[0][0], ref.params, rtol=1e-4)  # default tolerance 1e-4 on the log-likelihood
    assert postgresql.execute("SELECT num_failed_groups, num_rows_processed, num_missing_rows_skipped "
                              "FROM me_summary").fetchone() == (1, 200, 3)


def test_logregr_view_source(grouped):
    conn, design, ys, g = grouped
    conn.execute("CREATE VIEW pts_v AS SELECT * FROM pts")
    conn.execute("SET indb_ml.madlib_failures = on")
    conn.execute("SELECT indb_ml.logregr_train('pts_v', 'mv', 'yb', 'ARRAY[1, x1, x2]', 'g', 50, 'irls', 1e-10)")
    _check_logregr(conn, "mv", design, ys["yb"], g, "irls")
    assert conn.execute("SELECT source_table FROM mv_summary").fetchone() == ("public.pts_v",)
    # the temporary view of the finite rows is gone
    views = "SELECT count(*) FROM pg_class WHERE relname LIKE '\\_indb\\_ml\\_finite\\_%'"
    assert conn.execute(views).fetchone() == (0,)


@pytest.mark.parametrize("family, y, stats", [("poisson", "yc", "z_stats"), ("gaussian", "yg", "t_stats")])
@pytest.mark.parametrize("source", ["pts", "pts_v"])
def test_glm_nonfinite_groups(grouped, family, y, stats, source):
    conn, design, ys, g = grouped
    conn.execute("CREATE VIEW pts_v AS SELECT * FROM pts")
    seen = _notices(conn)
    conn.execute("SET indb_ml.madlib_failures = on")
    conn.execute(f"SELECT indb_ml.glm('{source}', 'm', '{y}', 'ARRAY[1, x1, x2]', 'family={family}', 'g', "
                 "'max_iter=30, tolerance=1e-10')")
    rows = _rows(conn, "m", GLM_COLS.format(stats=stats))
    for bad in (1, 2):  # MADlib: result NULL, 0 processed, count(*) skipped, run to max_iter
        assert rows[bad] == (None,) * 6 + (0, N, 30, "nonfinite")
    fam = sm.families.Poisson() if family == "poisson" else sm.families.Gaussian()
    for good in (0, 3):
        sel = g == good
        ref = sm.GLM(ys[y][sel], design[sel], family=fam).fit(tol=1e-12)
        np.testing.assert_allclose(rows[good][0], ref.params, rtol=1e-7)
        np.testing.assert_allclose(rows[good][2], ref.bse, rtol=1e-5)
        assert rows[good][6:8] == (N, 1 if good == 3 else 0)
    summary = conn.execute("SELECT num_all_groups, num_failed_groups, total_rows_processed, total_rows_skipped "
                           "FROM m_summary").fetchone()
    assert summary == (4, 2, 2 * N, 2 * N + 1)
    warned = [(m, d) for s, m, d in seen if s == "WARNING"]
    # gaussian's y has a NaN in group 1 too (MADlib tests y first); poisson's y is a count
    first, count = ("Dependent variables are not finite.", 2) if family == "gaussian" else (
        "Design matrix is not finite.", 1)
    tail = " row(s) with NaN or Infinity; the group's values are NULL"
    assert warned[:2] == [(first, 'group {"g": 1}: ' + str(count) + tail),
                          ("Design matrix is not finite.",
                           'group {"g": 2}: 2 row(s) with NaN or Infinity; the group\'s values are NULL')]
    assert warned[2] == ("GLM warning: the computation did not converge in 30 iterations!", None)


@pytest.fixture
def overflow(postgresql):
    """Group 1's feature is about 1e160: X'AX (and glm's X'WX) overflows to Infinity in the
    first pass, finite inputs that MADlib's IRLS ends as TERMINATED."""
    rng = np.random.default_rng(3)
    g = np.repeat([0, 1], 100)
    x = rng.normal(size=200) * np.where(g == 1, 1e160, 1.0)
    y = rng.random(200) < 0.5
    load_table(postgresql, "ov", {"g": g, "y": y, "yc": rng.poisson(2, size=200), "x": x},
               {"g": "int", "y": "boolean", "yc": "int"})
    return postgresql, g, x, y


def test_logregr_overflow_is_null_under_the_setting(overflow):
    conn, g, x, y = overflow
    conn.execute("SELECT indb_ml.logregr_train('ov', 'd', 'y', 'ARRAY[1, x]', 'g')")
    default = _rows(conn, "d", LOGIT_COLS)
    assert np.isnan(default[1][0]).all() and default[1][9] == 20 and default[1][11] == "max_iter"  # as before
    seen = _notices(conn)
    conn.execute("SET indb_ml.madlib_failures = on")
    conn.execute("SELECT indb_ml.logregr_train('ov', 'm', 'y', 'ARRAY[1, x]', 'g')")
    rows = _rows(conn, "m", LOGIT_COLS)
    assert rows[1] == (None,) * 9 + (1, None, "overflow")
    sel = g == 0
    ref = sm.Logit(y[sel].astype(float), np.column_stack([np.ones(100), x[sel]])).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(rows[0][0], ref.params, rtol=1e-4)
    np.testing.assert_allclose(rows[0][0], default[0][0], rtol=1e-15)  # the other group is untouched
    assert ("WARNING", "Over- or underflow in intermediate calculation. Input data is likely of poor numerical "
            "condition.", 'group {"g": 1}: overflow in iteration 1; the group\'s values are NULL') in seen
    assert conn.execute("SELECT num_all_groups, num_failed_groups, num_rows_processed, num_missing_rows_skipped "
                        "FROM m_summary").fetchone() == (2, 1, 100, 0)


def test_logregr_igd_divergence_is_null_under_the_setting(postgresql):
    """igd's coefficients overflow (MADlib: "Overflow or underflow in incremental-gradient
    iteration", TERMINATED); by default the group keeps them, with status diverged."""
    # the second row's x.c is 5e305 * 1e308 - 5e305 * 1e308 = Infinity - Infinity: NaN
    postgresql.execute("CREATE TABLE big (y boolean, x float8, z float8)")
    postgresql.execute("INSERT INTO big SELECT true, 1e308, CASE WHEN i % 2 = 0 THEN 1e308 ELSE -1e308 END "
                       "FROM generate_series(1, 40) i")
    postgresql.execute("SELECT indb_ml.logregr_train('big', 'd', 'y', 'ARRAY[x, z]', NULL, 5, 'igd')")
    default = postgresql.execute("SELECT coef, num_iterations, status FROM d").fetchone()
    postgresql.execute("SET indb_ml.madlib_failures = on")
    postgresql.execute("SELECT indb_ml.logregr_train('big', 'm', 'y', 'ARRAY[x, z]', NULL, 5, 'igd')")
    got = postgresql.execute("SELECT coef, num_rows_processed, num_iterations, status FROM m").fetchone()
    assert default[2] == "diverged" and not np.isfinite(default[0]).all()
    assert got == (None, None, default[1], "diverged")
    assert postgresql.execute("SELECT num_failed_groups FROM m_summary").fetchone() == (1,)


def test_glm_overflow_keeps_its_row_as_madlib(overflow):
    """MADlib's glm never leaves a numerically failed group NULL (its apply step warns and keeps
    the coefficients; only a terminated transition returns NULL): the setting changes nothing."""
    conn = overflow[0]
    conn.execute("SELECT indb_ml.glm('ov', 'd', 'yc', 'ARRAY[1, x]', 'family=poisson', 'g')")
    conn.execute("SET indb_ml.madlib_failures = on")
    conn.execute("SELECT indb_ml.glm('ov', 'm', 'yc', 'ARRAY[1, x]', 'family=poisson', 'g')")
    cols = "g, coef::text, num_rows_processed, num_rows_skipped, num_iterations, status"
    assert _rows(conn, "m", cols) == _rows(conn, "d", cols)
    assert _rows(conn, "m", cols)[1][-1] == "diverged"


def test_parallel_query_gives_the_same_rows(grouped):
    conn = grouped[0]
    conn.execute("SET indb_ml.madlib_failures = on")
    conn.execute("SELECT indb_ml.logregr_train('pts', 'm', 'yb', 'ARRAY[1, x1, x2]', 'g', 50, 'irls', 1e-10)")
    conn.execute("SELECT indb_ml.glm('pts', 'gm', 'yc', 'ARRAY[1, x1, x2]', 'family=poisson', 'g')")
    force_parallel(conn)
    conn.execute("SET indb_ml.training_plan = aggregate")
    conn.execute("SELECT indb_ml.logregr_train('pts', 'mp', 'yb', 'ARRAY[1, x1, x2]', 'g', 50, 'irls', 1e-10)")
    conn.execute("SELECT indb_ml.glm('pts', 'gmp', 'yc', 'ARRAY[1, x1, x2]', 'family=poisson', 'g')")
    plan = "\n".join(r[0] for r in conn.execute(
        "EXPLAIN SELECT count(*) FROM pts WHERE (ARRAY[x1, x2]) && '{NaN,Infinity,-Infinity}'::float8[]"))
    assert "Gather" in plan
    for a, b, cols in (("m", "mp", LOGIT_COLS), ("gm", "gmp", GLM_COLS.format(stats="z_stats"))):
        serial, parallel = _rows(conn, a, cols), _rows(conn, b, cols)
        assert serial.keys() == parallel.keys() == {0, 1, 2, 3}
        for key in (1, 2):
            assert parallel[key] == serial[key]
        for key in (0, 3):
            np.testing.assert_allclose(parallel[key][0], serial[key][0], rtol=1e-9)
        assert conn.execute(f"SELECT num_failed_groups FROM {b}_summary").fetchone() == (2,)


@pytest.mark.parametrize("optimizer", ["irls", "igd"])
def test_every_row_nonfinite(postgresql, optimizer):
    """No finite row at all: MADlib's empty logregr group and glm's failed group, no error."""
    postgresql.execute("CREATE TABLE nf (y boolean, x float8)")
    postgresql.execute("INSERT INTO nf VALUES (true, 'NaN'), (false, 'Infinity'), (true, NULL)")
    postgresql.execute("SET indb_ml.madlib_failures = on")
    postgresql.execute(f"SELECT indb_ml.logregr_train('nf', 'm', 'y', 'ARRAY[1, x]', NULL, 20, '{optimizer}')")
    assert postgresql.execute("SELECT coef, num_rows_processed, num_missing_rows_skipped, num_iterations "
                              "FROM m").fetchone() == (None, 0, 3, 1)
    assert postgresql.execute("SELECT num_all_groups, num_failed_groups, num_rows_processed, "
                              "num_missing_rows_skipped FROM m_summary").fetchone() == (1, 1, 0, 3)
    postgresql.execute("SELECT indb_ml.glm('nf', 'g', 'y', 'ARRAY[1, x]', 'family=binomial')")
    assert postgresql.execute("SELECT coef, num_rows_processed, num_rows_skipped, num_iterations "
                              "FROM g").fetchone() == (None, 0, 3, 100)
    assert postgresql.execute("SELECT num_failed_groups, total_rows_processed, total_rows_skipped "
                              "FROM g_summary").fetchone() == (1, 0, 3)


def test_fit_functions_read_only(grouped):
    """logregr_fit and glm_fit (a read-only subtransaction, nothing written) give the same rows:
    the temporary view of the finite rows is allowed there and rolled back with the fit."""
    conn = grouped[0]
    conn.execute("SET indb_ml.madlib_failures = on")
    conn.execute("SELECT indb_ml.logregr_train('pts', 'm', 'yb', 'ARRAY[1, x1, x2]', 'g')")
    got = conn.execute("SELECT (group_key->>'g')::int, coef, num_rows_processed, num_iterations, status "
                       "FROM indb_ml.logregr_fit('pts', 'yb', 'ARRAY[1, x1, x2]', 'g') ORDER BY 1").fetchall()
    want = "SELECT g, coef, num_rows_processed, num_iterations, status FROM m ORDER BY g"
    assert got == conn.execute(want).fetchall()
    glm = conn.execute("SELECT (group_key->>'g')::int, coef, num_rows_skipped, status FROM indb_ml.glm_fit("
                       "'pts', 'yc', 'ARRAY[1, x1, x2]', 'family=poisson', 'g') ORDER BY 1").fetchall()
    assert [r[1:] for r in glm if r[0] in (1, 2)] == [(None, N, "nonfinite")] * 2
    assert all(r[1] is not None for r in glm if r[0] in (0, 3))


def test_group_keys_with_quotes_and_nulls(postgresql):
    """The failed groups are left out of the fit by their keys, passed as literals: a key with
    quotes and backslashes, and a NULL group value, are matched exactly."""
    rng = np.random.default_rng(9)
    names = ["it's \\ \"odd\"", "plain", None]
    postgresql.execute("CREATE TABLE q (name text, y boolean, x float8)")
    for i in range(300):
        x = float(rng.normal())
        y = bool(rng.random() < 1 / (1 + np.exp(-x)))
        postgresql.execute("INSERT INTO q VALUES (%s, %s, %s)", (names[i % 3], y, x))
    postgresql.execute("INSERT INTO q VALUES (%s, true, 'NaN'), (NULL, false, 'Infinity')", (names[0],))
    postgresql.execute("SET indb_ml.madlib_failures = on")
    postgresql.execute("SELECT indb_ml.logregr_train('q', 'm', 'y', 'ARRAY[1, x]', 'name')")
    rows = {r[0]: r[1:] for r in postgresql.execute("SELECT name, coef, num_rows_processed, status FROM m")}
    assert rows[names[0]] == (None, None, "nonfinite") and rows[None] == (None, None, "nonfinite")
    assert rows["plain"][1] == 100 and rows["plain"][2] == "converged"


def test_many_failed_groups(postgresql):
    """Above KEYS_AS_VALUES failed groups the view matches the groups by their jsonb keys: the
    good groups' models are those of a table without the failed groups."""
    postgresql.execute("CREATE TABLE many AS SELECT i % 90 AS g, (i * 7919) % 13 < 6 AS y, "
                       "((i * 104729) % 1000) / 1000.0 AS x FROM generate_series(1, 9000) i")
    postgresql.execute("INSERT INTO many SELECT g, true, 'NaN' FROM generate_series(0, 79) g")  # 80 failed groups
    postgresql.execute("CREATE TABLE clean AS SELECT * FROM many WHERE g >= 80")
    postgresql.execute("SELECT indb_ml.logregr_train('clean', 'mc', 'y', 'ARRAY[1, x]', 'g')")
    postgresql.execute("SET indb_ml.madlib_failures = on")
    postgresql.execute("SELECT indb_ml.logregr_train('many', 'm', 'y', 'ARRAY[1, x]', 'g')")
    got = _rows(postgresql, "m", "g, coef, num_rows_processed, status")
    want = _rows(postgresql, "mc", "g, coef, num_rows_processed, status")
    assert len(got) == 90 and all(got[k] == (None, None, "nonfinite") for k in range(80))
    for k in range(80, 90):
        np.testing.assert_allclose(got[k][0], want[k][0], rtol=1e-9)
        assert got[k][1:] == want[k][1:]
    assert postgresql.execute("SELECT num_failed_groups FROM m_summary").fetchone() == (80,)


def test_array_column_features(grouped):
    """A float8[] column of features takes the array test (``&&``): the same rows as ARRAY[...]."""
    conn = grouped[0]
    conn.execute("CREATE TABLE arr AS SELECT g, yb, yc, ARRAY[1, x1, x2] AS x FROM pts")
    conn.execute("SET indb_ml.madlib_failures = on")
    for table, features in (("pts", "ARRAY[1, x1, x2]"), ("arr", "x")):
        conn.execute(f"SELECT indb_ml.logregr_train('{table}', 'l_{table}', 'yb', '{features}', 'g')")
        conn.execute(f"SELECT indb_ml.glm('{table}', 'g_{table}', 'yc', '{features}', 'family=poisson', 'g')")
    for kind, cols in (("l", LOGIT_COLS), ("g", GLM_COLS.format(stats="z_stats"))):
        got, want = _rows(conn, f"{kind}_arr", cols), _rows(conn, f"{kind}_pts", cols)
        assert [got[k] for k in (1, 2)] == [want[k] for k in (1, 2)]
        assert got[1][0] is None and got[2][0] is None
        for k in (0, 3):
            np.testing.assert_allclose(got[k][0], want[k][0], rtol=1e-9)
            assert got[k][-4:] == want[k][-4:] if kind == "g" else got[k][7:10] == want[k][7:10]
