"""``SET indb_ml.madlib_failures = on`` for ordinal, multinom and mlogregr_train: what MADlib's
code gives where a fit fails.

- ordinal (glm/Ordinal_impl.hpp, ordinal.cpp, glm/ordinal.py_in): a row with NaN or Infinity
  in a feature warns "Design matrix is not finite." and ends the group's state (``terminated``;
  its final step returns NULL); so does a pass whose information or gradient is not finite.
  The group's row has every value NULL, 0 rows processed and all its rows skipped; a group
  failing at its first pass is run again from the start until ``max_iter`` and reports it.
- multinom (MultiResponseGLM_impl.hpp, multi_response_glm.cpp, glm/multinom.py_in): the same
  for NaN or Infinity, one NULL row per non-reference category.
- mlogregr_train (regress/multilogistic.cpp): NaN or Infinity raises ("Design matrix is not
  finite."), as indb_ml does by default (22P02), setting or not.
By default such rows are an error (22P02) and a failed fit keeps its coefficients.
"""

from __future__ import annotations

import numpy as np
import psycopg.errors as E
import pytest

from tests.test_matrix import force_parallel

LEVELS = ["a", "b", "c"]


@pytest.fixture
def two_groups(postgresql):
    """Groups 1 and 2 of 300 rows, 3 ordered categories; group 2 gets NaN / Infinity rows."""
    rng = np.random.default_rng(3)
    n = 600
    x = rng.normal(size=(n, 2))
    y = np.digitize(x @ [0.9, -0.4] + rng.logistic(size=n), [-0.8, 0.8])
    g = np.where(np.arange(n) < 300, 1, 2)
    postgresql.execute("CREATE TABLE t (g int, grade text, x1 float8, x2 float8)")
    with postgresql.cursor().copy("COPY t FROM STDIN") as copy:
        for i in range(n):
            copy.write_row([int(g[i]), LEVELS[y[i]], x[i, 0], x[i, 1]])
    postgresql.execute("INSERT INTO t VALUES (2, 'b', 'NaN', 0), (2, 'a', 1, '-Infinity'), (2, NULL, 1, 2)")
    postgresql.execute("CREATE TABLE t1 AS SELECT * FROM t WHERE g = 1")
    return postgresql


ORDINAL = "SELECT indb_ml.ordinal(%s, %s, 'grade', 'ARRAY[x1, x2]', 'a<b<c', 'logit', %s)"
ORD_COLS = ("coef_threshold, std_err_threshold, z_stats_threshold, p_values_threshold, log_likelihood, coef_feature, "
            "std_err_feature, z_stats_feature, p_values_feature, num_rows_processed, num_rows_skipped, num_iterations")


def _warnings(conn) -> list:
    seen: list = []
    conn.add_notice_handler(lambda d: seen.append((d.severity_nonlocalized, d.message_primary)))
    return seen


def _alone_then_grouped(conn, call: str, alone_sql: str, out: str, parallel: bool) -> tuple:
    """Group 1 fitted alone (setting off), then ``t`` by ``g`` under the setting (parallel
    workers forced or not) into ``out``: (the alone rows, the messages seen)."""
    conn.execute(call, ["t1", "alone", None])
    alone = conn.execute(alone_sql).fetchall()
    conn.execute("SET indb_ml.madlib_failures = on")
    if parallel:
        force_parallel(conn)
        conn.execute("SET max_parallel_workers_per_gather = 2")
    seen = _warnings(conn)
    conn.execute(call, ["t", out, "g"])
    return alone, seen


def test_default_nonfinite_is_an_error(two_groups):
    conn = two_groups
    for call, args in ((ORDINAL, ["t", "o", "g"]),
                       ("SELECT indb_ml.multinom(%s, %s, 'grade', 'ARRAY[1, x1, x2]', NULL, 'logit', %s)",
                        ["t", "mn", "g"])):
        with pytest.raises(E.InvalidTextRepresentation), conn.transaction():
            conn.execute(call, args)


@pytest.mark.parametrize("parallel", [False, True])
def test_ordinal_nonfinite_group_is_null(two_groups, parallel):
    """Group 2's row: every value NULL, 0 processed, its 303 rows skipped, max_iter (100)
    iterations, MADlib's warning; group 1's row equals its fit alone (1e-9; a view under
    the setting, aggregate passes, parallel workers when forced); the summary counts one
    failed group of two."""
    conn = two_groups
    alone, seen = _alone_then_grouped(conn, ORDINAL, f"SELECT {ORD_COLS} FROM alone", "o", parallel)
    alone = alone[0]
    rows = dict((r[0], r[1:]) for r in conn.execute(f"SELECT g, {ORD_COLS} FROM o ORDER BY g"))
    assert rows[2] == (None,) * 9 + (0, 303, 100)
    for got, want in zip(rows[1], alone):
        np.testing.assert_allclose(got, want, rtol=1e-9)
    assert ("WARNING", "Design matrix is not finite.") in seen
    assert conn.execute("SELECT num_all_groups, num_failed_groups, total_rows_processed, total_rows_skipped "
                        "FROM o_summary").fetchone() == (2, 1, 300, 303)
    assert conn.execute("SELECT count(*) FROM pg_class WHERE relname LIKE '_indb_ml_finite_%'").fetchone()[0] == 0


@pytest.fixture
def huge(postgresql):
    """60 rows, 3 categories, one feature near 1e160: its square overflows."""
    rng = np.random.default_rng(8)
    postgresql.execute("CREATE TABLE h (grade text, x1 float8)")
    with postgresql.cursor().copy("COPY h FROM STDIN") as copy:
        for i in range(60):
            copy.write_row([LEVELS[i % 3], float(rng.normal()) * 1e160])
    return postgresql


@pytest.mark.parametrize("plan", ["memory", "aggregate"])
def test_ordinal_not_finite_information_is_null(huge, plan):
    """A feature near 1e160: its square overflows, so the first pass's information is not
    finite (MADlib's too: ``x * trans(x)`` in ``operator<<``). By default indb_ml keeps the
    start point with a WARNING; under the setting the row is MADlib's: NULL values, and, as
    the group fails at its first pass, ``max_iter`` iterations."""
    postgresql = huge
    postgresql.execute(f"SET indb_ml.training_plan = {plan}")
    call = "SELECT indb_ml.ordinal('h', %s, 'grade', 'ARRAY[x1]', 'a<b<c', 'logit', NULL, 'max_iter=7')"
    postgresql.execute(call, ["d"])
    default = postgresql.execute(f"SELECT {ORD_COLS} FROM d").fetchone()
    assert default[0] is not None and default[-1] == 1
    postgresql.execute("SET indb_ml.madlib_failures = on")
    seen = _warnings(postgresql)
    postgresql.execute(call, ["m"])
    assert postgresql.execute(f"SELECT {ORD_COLS} FROM m").fetchone() == (None,) * 9 + (0, 60, 7)
    assert any(m.startswith("Ordinal:Hessian or gradient is not finite.") for _, m in seen)
    assert postgresql.execute("SELECT num_failed_groups FROM m_summary").fetchone()[0] == 1


MULTINOM = "SELECT indb_ml.multinom(%s, %s, 'grade', 'ARRAY[1, x1, x2]', 'a', 'logit', %s)"
MN_COLS = "category, coef, log_likelihood, std_err, z_stats, p_values, num_rows_processed, num_rows_skipped, " \
          "num_iterations"


@pytest.mark.parametrize("parallel", [False, True])
def test_multinom_nonfinite_group_is_null(two_groups, parallel):
    """Group 2: one row per non-reference category ('b', 'c'), the label kept, every value
    NULL, 0 processed, 303 skipped, max_iter (100) iterations; group 1 as its fit alone."""
    conn = two_groups
    alone, seen = _alone_then_grouped(conn, MULTINOM, f"SELECT {MN_COLS} FROM alone ORDER BY category", "mn",
                                      parallel)
    rows = conn.execute(f"SELECT g, {MN_COLS}, status FROM mn ORDER BY g, category").fetchall()
    assert [r[1:] for r in rows if r[0] == 2] == [(c, None, None, None, None, None, 0, 303, 100, "nonfinite")
                                                  for c in ("b", "c")]
    good = [r[1:-1] for r in rows if r[0] == 1]
    assert [r[0] for r in good] == [r[0] for r in alone]
    for got, want in zip(good, alone):
        for a, b in zip(got[1:], want[1:]):
            np.testing.assert_allclose(a, b, rtol=1e-9)
    assert ("WARNING", "Design matrix is not finite.") in seen
    assert conn.execute("SELECT num_all_groups, num_failed_groups, total_rows_processed, total_rows_skipped "
                        "FROM mn_summary").fetchone() == (2, 1, 300, 303)


def test_multinom_only_group_nonfinite(two_groups):
    """Without grouping, the one group with a NaN row: its rows NULL, the table still written."""
    conn = two_groups
    conn.execute("SET indb_ml.madlib_failures = on")
    conn.execute(MULTINOM, ["t", "mn", None])
    assert conn.execute(f"SELECT {MN_COLS} FROM mn ORDER BY category").fetchall() == [
        (c, None, None, None, None, None, 0, 603, 100) for c in ("b", "c")]


def test_mlogregr_nonfinite_still_raises(postgresql):
    """MADlib's mlogregr transition throws on a non-finite row (regress/multilogistic.cpp,
    "Design matrix is not finite."): an error under the setting too."""
    postgresql.execute("CREATE TABLE ml (y int, x1 float8)")
    postgresql.execute("INSERT INTO ml SELECT i % 3, i FROM generate_series(1, 30) i")
    postgresql.execute("INSERT INTO ml VALUES (1, 'NaN')")
    postgresql.execute("SET indb_ml.madlib_failures = on")
    with pytest.raises(E.InvalidTextRepresentation):
        postgresql.execute("SELECT indb_ml.mlogregr_train('ml', 'mo', 'y', 'ARRAY[1, x1]')")


@pytest.mark.parametrize("plan", ["memory", "aggregate"])
def test_multinom_not_finite_information_keeps_madlibs_row(huge, plan):
    """x near 1e160: the first pass's information is not finite (x xᵀ overflows). MADlib's
    multinom warns, takes no step and still returns its state, so the coefficients stay 0,
    the log-likelihood is that pass's (60 log 1/3), the standard errors are ``sqrt diag`` of
    the information itself ([sqrt(2/9 * 60), inf] per category at β = 0: p(1 - p) Σ x²),
    and the repeated pass stops it after 2 iterations. By default: ``singular``."""
    postgresql = huge
    postgresql.execute(f"SET indb_ml.training_plan = {plan}")
    call = "SELECT indb_ml.multinom('h', %s, 'grade', 'ARRAY[1, x1]', 'a', 'logit', NULL, 'max_iter=7')"
    postgresql.execute(call, ["d"])
    assert {r[0] for r in postgresql.execute("SELECT status FROM d")} == {"singular"}
    postgresql.execute("SET indb_ml.madlib_failures = on")
    seen = _warnings(postgresql)
    postgresql.execute(call, ["m"])
    rows = postgresql.execute("SELECT category, coef, log_likelihood, std_err, z_stats, p_values, num_iterations, "
                              "status FROM m ORDER BY category").fetchall()
    assert [r[0] for r in rows] == ["b", "c"]
    for _, coef, ll, se, z, p, iterations, status in rows:
        assert coef == [0.0, 0.0] and (iterations, status) == (2, "terminated")
        assert ll == pytest.approx(60 * np.log(1 / 3), rel=1e-12)
        assert se[0] == pytest.approx(np.sqrt(2 / 9 * 60), rel=1e-12) and se[1] == np.inf
        assert z == [0.0, 0.0] and p == [1.0, 1.0]
    assert ("WARNING", "Hessian or gradient is not finite.") in seen


@pytest.mark.parametrize("plan", ["memory", "aggregate"])
def test_mlogregr_not_finite_information_raises(huge, plan):
    """MADlib's mlogregr final step throws where the information or gradient is not finite
    (regress/multilogistic.cpp: "Over- or underflow in intermediate calulation. ..."): an
    error under the setting (22003); by default a row with its status and a WARNING."""
    conn = huge
    conn.execute("CREATE TABLE hm AS SELECT ascii(grade) - 97 AS y, x1 FROM h")
    conn.execute(f"SET indb_ml.training_plan = {plan}")
    conn.execute("SELECT indb_ml.mlogregr_train('hm', 'd', 'y', 'ARRAY[1, x1]')")
    assert conn.execute("SELECT count(*) FROM d WHERE status <> 'converged'").fetchone()[0] == 2
    conn.execute("SET indb_ml.madlib_failures = on")
    with pytest.raises(E.NumericValueOutOfRange, match="Over- or underflow in intermediate"):
        conn.execute("SELECT indb_ml.mlogregr_train('hm', 'm', 'y', 'ARRAY[1, x1]')")
