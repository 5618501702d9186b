"""``SET indb_ml.madlib_statistics = on``: ordinal takes MADlib's own path (glm/Ordinal_impl.hpp,
glm/ordinal.py_in). MADlib's parameter vector (thresholds, then β) starts at zero, a pass at
parameters of norm 0 is made at MADlib's start instead (every category equally likely, β = 0),
so its first step is added to zero; every step is taken whole (no halving). The oracle is a
numpy replay written here of MADlib's C++ arithmetic row by row (``mu``, ``G_prime``, ``V``,
``h_vec`` and the four Hessian blocks of ``operator<<``, ``hessian.inverse()`` in ``apply``,
``__ordinal_loglik_diff``, the driver's ``iteration >= max_iter OR diff < tolerance``). By
default indb_ml's path (every step added to the point it was computed at) is unchanged.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from tests.test_matrix import force_parallel
from tests.test_multinom_categories import TEST3

LEVELS = ["a", "b", "c", "d"]


def _cdf_pdf(z, link):
    if link == "logit":  # OrdinalLogit::mean_func / mean_derivative
        e = np.exp(z)
        return e / (1 + e), e / (1 + e) / (1 + e)
    return special.ndtr(z), np.exp(-z * z / 2) / np.sqrt(2 * np.pi)


def madlib_pass(x, y, par, nt, link):
    """One ``__ordinal_<link>_agg`` pass: (loglik, grad, hessian), thresholds first."""
    k = x.shape[1]
    hess, grad, loglik = np.zeros((nt + k, nt + k)), np.zeros(nt + k), 0.0
    first = np.sqrt(np.sum(par * par)) == 0  # optimizer.beta.norm() == 0
    if first:  # Link::init (every mu 1/J) and link_func on the cumulative sums, added one by one
        mu0 = np.full(nt, 1.0 / (nt + 1))
        sums = np.cumsum(mu0)
        ita0 = np.log(sums / (1 - sums)) if link == "logit" else np.sqrt(2) * special.erfinv(2 * sums - 1)
    for xi, yi in zip(x, y):
        vec_y = np.zeros(nt)
        if yi != nt:
            vec_y[yi] = 1
        if first:
            mu, ita = mu0, ita0
        else:
            ita = par[:nt] - xi @ par[nt:]
            cdf, _ = _cdf_pdf(ita, link)
            mu = np.concatenate([[cdf[0]], cdf[1:] - cdf[:-1]])
        dens = _cdf_pdf(ita, link)[1]
        g_prime = np.diag(dens)
        g_prime[np.arange(1, nt), np.arange(nt - 1)] = -dens[:-1]
        v_inv = np.linalg.inv(np.diag(mu) - np.outer(mu, mu))  # Multinomial::variance
        with np.errstate(all="ignore"):
            loglik += vec_y @ np.log(mu) + (1 - vec_y.sum()) * np.log(1 - mu.sum())
        h = g_prime.sum(axis=1)
        hess[:nt, :nt] += g_prime.T @ v_inv @ g_prime
        hess[:nt, nt:] += -np.outer(g_prime.T @ v_inv @ h, xi)
        hess[nt:, :nt] += -np.outer(xi, h @ v_inv @ g_prime)
        hess[nt:, nt:] += (h @ v_inv @ h) * np.outer(xi, xi)
        r = vec_y - mu
        grad[:nt] += r @ v_inv @ g_prime
        grad[nt:] += -(r @ v_inv @ h) * xi
    return loglik, grad, hess


def madlib_replay(x, y, n_categories, link="logit", max_iter=100, tolerance=1e-6):
    """(thresholds, features, loglik, std_err, iterations) as MADlib's driver reports them."""
    nt = n_categories - 1
    par = np.zeros(nt + x.shape[1])
    previous, iteration = None, 0
    while True:
        iteration += 1
        ll, grad, hess = madlib_pass(x, y, par, nt, link)
        vcov = np.linalg.inv(hess)
        par = par + vcov @ grad
        if previous is None:
            diff = np.inf
        elif previous >= 0 or ll >= 0:
            diff = 0.0
        else:
            diff = abs(previous - ll) / np.minimum(abs(previous), abs(ll))
        if iteration >= max_iter or diff < tolerance:
            break
        previous = ll
    return par[:nt], par[nt:], ll, np.sqrt(np.diag(vcov)), iteration


@pytest.fixture
def spread(postgresql):
    """1200 rows, thresholds (-2.5, 0, 2.5) wider than MADlib's start (logit 1/4, 2/4, 3/4),
    so its first step, added to zero, leaves them well ordered: no rounding decides anything."""
    rng = np.random.default_rng(11)
    n = 1200
    x = rng.normal(size=(n, 2))
    y = np.digitize(x @ [0.8, -0.6] + rng.logistic(size=n), [-2.5, 0.0, 2.5])
    postgresql.execute("CREATE TABLE s (grade text, x1 float8, x2 float8, g int)")
    with postgresql.cursor().copy("COPY s FROM STDIN") as copy:
        for i in range(n):
            copy.write_row([LEVELS[y[i]], x[i, 0], x[i, 1], i % 2])
    return postgresql, x, y


def _run(conn, table="s", optim=None):
    conn.execute("SELECT indb_ml.ordinal(%s, 'm', 'grade', 'ARRAY[x1, x2]', 'a<b<c<d', %s, NULL, %s)",
                 [table, "logit", optim])
    row = conn.execute("SELECT coef_threshold, coef_feature, log_likelihood, std_err_threshold || std_err_feature, "
                       "num_iterations FROM m").fetchone()
    conn.execute("DROP TABLE m, m_summary")
    return row


def _assert_replay(row, want):
    np.testing.assert_allclose(row[0], want[0], rtol=1e-9)
    np.testing.assert_allclose(row[1], want[1], rtol=1e-9)
    assert row[2] == pytest.approx(want[2], rel=1e-12)
    np.testing.assert_allclose(row[3], want[3], rtol=1e-8)
    assert row[4] == want[4]


@pytest.mark.parametrize("plan", ["memory", "aggregate"])
def test_setting_takes_madlibs_first_step(spread, plan):
    """The coefficients, log-likelihood, standard errors and iteration count equal the replay's
    (1e-9 relative: the passes' sums differ from the replay's in order only); by default the
    iteration count is indb_ml's, one fewer here, at the same maximum (1e-6)."""
    conn, x, y = spread
    conn.execute(f"SET indb_ml.training_plan = {plan}")
    default = _run(conn)
    conn.execute("SET indb_ml.madlib_statistics = on")
    got = _run(conn)
    want = madlib_replay(x, y, 4)
    first = madlib_replay(x, y, 4, max_iter=1)
    assert np.all(np.diff(first[0]) > 0.5)  # the step added to zero: well ordered
    _assert_replay(got, want)
    assert default[4] != got[4]
    np.testing.assert_allclose(default[0], got[0], rtol=1e-6)
    np.testing.assert_allclose(default[1], got[1], rtol=1e-6)


@pytest.mark.parametrize("max_iter", [1, 2])
def test_first_iterations_equal_the_replay(spread, max_iter):
    """max_iter 1: the thresholds are the first step alone (added to zero), the log-likelihood
    that of MADlib's start (every category 1/4: 1200 log 1/4); max_iter 2: one more pass."""
    conn, x, y = spread
    conn.execute("SET indb_ml.madlib_statistics = on")
    got = _run(conn, optim=f"max_iter={max_iter}")
    _assert_replay(got, madlib_replay(x, y, 4, max_iter=max_iter))
    if max_iter == 1:  # indb_ml's default adds the same step to the start
        assert got[2] == pytest.approx(1200 * np.log(0.25), rel=1e-12)
        conn.execute("RESET indb_ml.madlib_statistics")
        default = _run(conn, optim="max_iter=1")
        np.testing.assert_allclose(default[0], special.logit([0.25, 0.5, 0.75]) + got[0], rtol=1e-9)
        np.testing.assert_allclose(default[1], got[1], rtol=1e-9)


@pytest.mark.parametrize("grouping", [False, True])
def test_setting_under_forced_parallel_query_equals_the_replay(spread, grouping):
    """Aggregate passes in parallel workers (a view, so the aggregate plan) give the replay's
    numbers per group."""
    conn, x, y = spread
    conn.execute("CREATE VIEW sv AS SELECT * FROM s")
    conn.execute("SET indb_ml.madlib_statistics = on")
    force_parallel(conn)
    conn.execute("SET max_parallel_workers_per_gather = 2")
    if not grouping:
        _assert_replay(_run(conn, "sv"), madlib_replay(x, y, 4))
        return
    conn.execute("SELECT indb_ml.ordinal('sv', 'm', 'grade', 'ARRAY[x1, x2]', 'a<b<c<d', 'logit', 'g')")
    rows = conn.execute("SELECT g, coef_threshold, coef_feature, log_likelihood, std_err_threshold || "
                        "std_err_feature, num_iterations FROM m ORDER BY g").fetchall()
    for g, *row in rows:
        mask = np.arange(len(y)) % 2 == g
        _assert_replay(row, madlib_replay(x[mask], y[mask], 4))


def test_probit(spread):
    conn, x, y = spread
    conn.execute("SET indb_ml.madlib_statistics = on")
    conn.execute("SELECT indb_ml.ordinal('s', 'm', 'grade', 'ARRAY[x1, x2]', 'a<b<c<d', 'probit')")
    row = conn.execute("SELECT coef_threshold, coef_feature, log_likelihood, std_err_threshold || std_err_feature, "
                       "num_iterations FROM m").fetchone()
    _assert_replay(row, madlib_replay(x, y, 4, "probit"))


@pytest.fixture
def documented(postgresql):
    postgresql.execute("CREATE TABLE test3 (feat1 int, feat2 int, cat int)")
    with postgresql.cursor().copy("COPY test3 FROM STDIN") as copy:
        for row in TEST3:
            copy.write_row(row)
    return postgresql


@pytest.mark.parametrize("plan", ["memory", "aggregate"])
def test_madlibs_documented_example(documented, plan):
    """MADlib's documented example (glm/ordinal.sql_in: 7 iterations). Deterministic: the first
    step (max_iter 1) equals the replay's, the two thresholds equal to 1e-12 relative and the
    log-likelihood 57 log(1/3), MADlib's start. What follows is set by rounding (which of the
    two thresholds comes out larger, by a few units in the last place): on the rows in memory
    the thresholds come out unordered, the next pass's log-likelihood is NaN as MADlib's, and
    the fit takes 7 iterations (MADlib's count); the C aggregate's sums came out ordered and
    it took 8 (measured here, not asserted: rounding). Either way the result is MADlib's printed one to 4e-6 relative
    (tests/test_madlib_regress_signatures.py's TEST3_MADLIB)."""
    from tests.test_madlib_regress_signatures import TEST3_MADLIB

    conn = documented
    data = np.array(TEST3, float)
    x, y = data[:, :2], data[:, 2].astype(int)
    conn.execute(f"SET indb_ml.training_plan = {plan}")
    conn.execute("SET indb_ml.madlib_statistics = on")
    rows = {}
    for max_iter in (1, 2, 100):
        conn.execute("SELECT indb_ml.ordinal('test3', 'o', 'cat', 'ARRAY[feat1, feat2]', '0<1<2', 'logit', NULL, "
                     "%s)", [f"max_iter={max_iter}"])
        rows[max_iter] = conn.execute("SELECT coef_threshold, coef_feature, log_likelihood, std_err_threshold || "
                                      "std_err_feature, num_iterations FROM o").fetchone()
        conn.execute("DROP TABLE o, o_summary")
    _assert_replay(rows[1], madlib_replay(x, y, 3, max_iter=1))
    theta = rows[1][0]
    assert abs(theta[1] - theta[0]) < 1e-12 * theta[0] and rows[1][2] == pytest.approx(57 * np.log(1 / 3), rel=1e-14)
    assert rows[100][4] in (6, 7, 8)
    got = rows[100]
    np.testing.assert_allclose(got[0], TEST3_MADLIB["coef_threshold"], rtol=1e-6)
    np.testing.assert_allclose(got[1], TEST3_MADLIB["coef_feature"], rtol=4e-6)
    assert got[2] == pytest.approx(TEST3_MADLIB["log_likelihood"], rel=1e-9)
    np.testing.assert_allclose(got[3], TEST3_MADLIB["std_err_threshold"] + TEST3_MADLIB["std_err_feature"], rtol=2e-5)


@pytest.fixture
def narrow(postgresql):
    """Thresholds (-0.3, 0, 0.3), narrower than MADlib's start: its first step, added to zero,
    leaves them unordered (about (0.8, 0, -0.8))."""
    rng = np.random.default_rng(5)
    n = 800
    x = rng.normal(size=(n, 1))
    y = np.digitize(0.7 * x[:, 0] + rng.logistic(size=n), [-0.3, 0.0, 0.3])
    postgresql.execute("CREATE TABLE s (grade text, x1 float8, x2 float8)")
    with postgresql.cursor().copy("COPY s FROM STDIN") as copy:
        for i in range(n):
            copy.write_row([LEVELS[y[i]], x[i, 0], 0.0])
    return postgresql, x, y


def test_unordered_thresholds_memory_plan_follows_madlib(narrow):
    """MADlib takes the step that unorders the thresholds: its next pass's log-likelihood is NaN
    (log of a negative probability), its information is still finite, so it goes on; on the
    rows in memory indb_ml does the same and ends where the replay ends."""
    conn, x, y = narrow
    first = madlib_replay(x, y, 4, max_iter=1)
    assert np.diff(first[0]).min() < -0.5
    conn.execute("SET indb_ml.training_plan = memory")
    conn.execute("SET indb_ml.madlib_statistics = on")
    conn.execute("SELECT indb_ml.ordinal('s', 'm', 'grade', 'ARRAY[x1]', 'a<b<c<d', 'logit', NULL, 'max_iter=2')")
    two = conn.execute("SELECT coef_threshold, coef_feature, log_likelihood FROM m").fetchone()
    assert np.isnan(two[2])
    with np.errstate(all="ignore"):
        want2, want = madlib_replay(x, y, 4, max_iter=2), madlib_replay(x, y, 4)
    np.testing.assert_allclose(two[0], want2[0], rtol=1e-9)
    conn.execute("DROP TABLE m, m_summary")
    conn.execute("SELECT indb_ml.ordinal('s', 'm', 'grade', 'ARRAY[x1]', 'a<b<c<d', 'logit')")
    row = conn.execute("SELECT coef_threshold, coef_feature, log_likelihood, std_err_threshold || std_err_feature, "
                       "num_iterations FROM m").fetchone()
    _assert_replay(row, want)


@pytest.mark.parametrize("link", ["logit", "probit"])
def test_unordered_thresholds_aggregate_plan_equals_the_replay(narrow, link):
    """The aggregate plan makes MADlib's pass at unordered thresholds too (the C aggregate's
    prob_floor false): max_iter 2 ends on it, log-likelihood NaN, thresholds the replay's; run to
    the end, the fit equals the replay and the memory plan's, with no WARNING but max_iter 2's
    "did not converge"."""
    conn, x, y = narrow
    conn.execute("SET indb_ml.madlib_statistics = on")
    notices = []
    conn.add_notice_handler(lambda d: notices.append(d.severity + ": " + d.message_primary))
    with np.errstate(all="ignore"):
        want2, want = madlib_replay(x, y, 4, link, max_iter=2), madlib_replay(x, y, 4, link)
    assert np.diff(madlib_replay(x, y, 4, link, max_iter=1)[0]).min() < -0.5
    rows = {}
    for plan in ("aggregate", "memory"):
        conn.execute(f"SET indb_ml.training_plan = {plan}")
        for max_iter in (2, 100):
            conn.execute("SELECT indb_ml.ordinal('s', 'm', 'grade', 'ARRAY[x1]', 'a<b<c<d', %s, NULL, %s)",
                         [link, f"max_iter={max_iter}"])
            rows[plan, max_iter] = conn.execute(
                "SELECT coef_threshold, coef_feature, log_likelihood, std_err_threshold || std_err_feature, "
                "num_iterations FROM m").fetchone()
            conn.execute("DROP TABLE m, m_summary")
    for plan in ("aggregate", "memory"):
        two = rows[plan, 2]
        assert np.isnan(two[2]) and two[4] == 2
        np.testing.assert_allclose(two[0], want2[0], rtol=1e-9)
        np.testing.assert_allclose(two[1], want2[1], rtol=1e-9)
        np.testing.assert_allclose(two[3], want2[3], rtol=1e-8)
        _assert_replay(rows[plan, 100], want)
    # max_iter 2 stops unconverged on each plan; nothing else (no stop at the unordered thresholds)
    assert [m for m in notices if m.startswith("WARNING")] == ["WARNING: ordinal: did not converge after 2 "
                                                              "iterations"] * 2, notices


@pytest.fixture
def mixed(postgresql):
    """Two groups: g = 0 the narrow thresholds (MADlib's first step leaves them unordered),
    g = 1 wide ones (ordered throughout), so a round of the aggregate plan has passes of both
    kinds."""
    rng = np.random.default_rng(8)
    n = 800
    x = rng.normal(size=(2 * n, 1))
    cuts = ([-0.3, 0.0, 0.3], [-2.5, 0.0, 2.5])
    y = np.concatenate([np.digitize(0.7 * x[g * n:(g + 1) * n, 0] + rng.logistic(size=n), cuts[g])
                        for g in (0, 1)])
    postgresql.execute("CREATE TABLE s (grade text, x1 float8, g int)")
    with postgresql.cursor().copy("COPY s FROM STDIN") as copy:
        for i in range(2 * n):
            copy.write_row([LEVELS[y[i]], x[i, 0], i // n])
    postgresql.execute("CREATE VIEW sv AS SELECT * FROM s")
    return postgresql, x, y, np.arange(2 * n) // n


@pytest.mark.parametrize("source, parallel", [("sv", True), ("sv", False), ("s", False)])
def test_unordered_and_ordered_groups_equal_the_replay(mixed, source, parallel):
    """Each group equals its own replay: on a view (aggregate passes; in parallel workers under
    forced parallel query, partial states of the unfloored pass merged by the combine) and on the
    table (rows in memory). The unordered group's second pass has a NaN log-likelihood."""
    conn, x, y, g = mixed
    conn.execute("SET indb_ml.madlib_statistics = on")
    if parallel:
        force_parallel(conn)
        conn.execute("SET max_parallel_workers_per_gather = 2")
    with np.errstate(all="ignore"):
        firsts = [madlib_replay(x[g == v], y[g == v], 4, max_iter=1)[0] for v in (0, 1)]
        wants = [madlib_replay(x[g == v], y[g == v], 4) for v in (0, 1)]
        seconds = [madlib_replay(x[g == v], y[g == v], 4, max_iter=2) for v in (0, 1)]
    assert np.diff(firsts[0]).min() < -0.5 and np.diff(firsts[1]).min() > 0.5
    assert np.isnan(seconds[0][2]) and np.isfinite(seconds[1][2])
    for max_iter, want in ((2, seconds), (100, wants)):
        conn.execute("SELECT indb_ml.ordinal(%s, 'm', 'grade', 'ARRAY[x1]', 'a<b<c<d', 'logit', 'g', %s)",
                     [source, f"max_iter={max_iter}"])
        rows = conn.execute("SELECT g, coef_threshold, coef_feature, log_likelihood, std_err_threshold || "
                            "std_err_feature, num_iterations FROM m ORDER BY g").fetchall()
        conn.execute("DROP TABLE m, m_summary")
        assert [r[0] for r in rows] == [0, 1]
        for v, *row in rows:
            if np.isnan(want[v][2]):
                assert np.isnan(row[2])
                row[2], want[v] = 0.0, (*want[v][:2], 0.0, *want[v][3:])
            _assert_replay(row, want[v])
