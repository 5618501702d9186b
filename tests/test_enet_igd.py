"""elastic_net_train with optimizer 'igd': MADlib's IGD, row by row.

The oracle below replays MADlib's per-row IGD in plain Python, written from MADlib's
sources (src/modules/elastic_net/elastic_net_optimizer_igd.hpp: igd_transition, igd_final,
igd_state_diff, igd_result; elastic_net_gaussian_igd.cpp / elastic_net_binomial_igd.cpp;
src/ports/postgres/modules/elastic_net/elastic_net_optimizer_igd.py_in: the driver) over
the rows in scan order (the table is loaded in a known order and read back ``ORDER BY
ctid``). Coefficients, intercept, log_likelihood (MADlib's output one: the loss at the final
coefficients, elastic_net_utils.py_in ``_compute_log_likelihood``) and iteration_run must agree
to 1e-10.
MADlib's documentation has no worked IGD example with outputs, so there are no MADlib
numbers to compare with here. Also: the fit approaches scikit-learn's minimizer, groups,
a forced parallel plan (the aggregate has no combine function: no partial aggregate, same
result), and hostile calls of the C step.
"""

from __future__ import annotations

import math

import numpy as np
import psycopg.errors as E
import pytest
from sklearn.linear_model import ElasticNet

DENORM = 5e-324


def _sign(v):
    return 1.0 if v > 0 else -1.0 if v < 0 else 0.0


def _link(theta, p):
    s = 0.0
    for t in theta:
        if t != 0:
            s += math.pow(abs(t), p)
    norm = math.pow(s, 1.0 / p)
    if abs(norm) <= DENORM:
        return [0.0] * len(theta)
    den = math.pow(norm, p - 2)
    return [0.0 if abs(t) <= DENORM else _sign(t) * math.pow(abs(t), p - 1) / den for t in theta]


def _sdot(c, x):
    s = 0.0
    for a, b in zip(c, x):
        if a != 0:
            s += a * b
    return s


def row_step(st, x, t, gaussian, alpha, lam, n, xm, ym, p):
    """One taken row of MADlib's igd_transition after its step decay: the dual step with the l1
    threshold (divisor ``n``, MADlib's totalRows), coef = link(theta), the intercept, the loss."""
    k = len(x)
    theta, coef = st["theta"], st["coef"]
    if gaussian:
        r = _sdot(coef, x) + st["b"] - t
        g = [r * (x[i] - xm[i]) + (1 - alpha) * lam * coef[i] for i in range(k)]
    else:
        r = st["b"] + _sdot(coef, x)
        u = -1.0 / (1.0 + math.exp(r)) if t > 0 else 1.0 / (1.0 + math.exp(-r))
        g = [x[i] * u for i in range(k)]
    a, bb = st["step"] / n, st["step"] * alpha * lam / n
    for i in range(k):
        theta[i] -= a * g[i]
        s1 = _sign(theta[i])
        theta[i] -= bb * _sign(theta[i])
        if s1 != _sign(theta[i]):
            theta[i] = 0.0
    coef = st["coef"] = _link(theta, p)
    if gaussian:
        st["b"] = ym - _sdot(coef, xm)
        st["ll"] += math.pow(t - st["b"] - _sdot(coef, x), 2)
    else:
        r = st["b"] + _sdot(coef, x)
        u = -1.0 / (1.0 + math.exp(r)) if t > 0 else 1.0 / (1.0 + math.exp(-r))
        st["b"] -= st["step"] * u
        r = st["b"] + _sdot(coef, x)
        st["ll"] += math.log(1 + math.exp(-r)) if t > 0 else math.log(1 + math.exp(r))


def madlib_igd(X, y, gaussian, alpha, lambdas, standardize, max_iter, tol, stepsize=0.01, step_decay=0.0,
               threshold=1e-10, warm_tol=None):
    """MADlib's elastic-net IGD on rows in this order: (coef, intercept, log_likelihood, iterations)."""
    warm_tol = tol if warm_tol is None else warm_tol
    n, k = X.shape
    mean, var = X.mean(axis=0), X.var(axis=0)
    scale = np.sqrt(var)
    scale[scale == 0] = 1.0
    ymean = float(y.mean())
    if standardize:
        Z = (X - mean) / scale
        yy = y - ymean if gaussian else y
        xm, ym = [0.0] * k, 0.0
    else:
        Z, yy, xm, ym = X, y, list(mean), (ymean if gaussian else 0.0)
    Z = [list(r) for r in Z]
    yy = [float(v) for v in yy] if gaussian else [1.0 if v > 0 else -1.0 for v in yy]
    p = 2 * math.log(k)
    q = p / (p - 1)
    st = None
    it, idx, diff = 0, 0, math.inf
    prev_ll = None
    while True:
        lam = lambdas[idx]
        if st is None:  # first row of the first pass: the initial state
            st = dict(step=stepsize * math.exp(step_decay), lam=lam, theta=[0.0] * k, coef=[0.0] * k,
                      b=(ym - 0.0) if gaussian else 0.0, ll=0.0)
        if st["lam"] != lam:
            st["lam"], st["step"] = lam, stepsize * math.exp(step_decay)
        for x, t in zip(Z, yy):
            st["step"] = st["step"] / math.exp(step_decay)
            row_step(st, x, t, gaussian, alpha, lam, n, xm, ym, p)
        # igd_final
        if gaussian:
            st["b"] = ym - _sdot(st["coef"], xm)
        st["theta"] = _link(st["coef"], q)
        sq = sum(c * c for c in st["coef"])
        ab = sum(abs(c) for c in st["coef"])
        st["ll"] = -(st["ll"] / (n * 2) + lam * ((1 - alpha) * sq / 2 + alpha * ab))
        it += 1
        diff = math.inf if prev_ll is None else abs(abs(prev_ll) - abs(st["ll"]))
        prev_ll = st["ll"]
        last = idx == len(lambdas) - 1
        if it > max_iter or diff < (tol if last else warm_tol):
            if it < max_iter and not last:
                idx += 1
            else:
                break
    # igd_result, then the standardization undone
    coef = np.array(st["coef"])
    spread = np.sqrt(np.array([np.mean(np.array(Z)[:, i] ** 2) - xm[i] ** 2 for i in range(k)]))
    norm = coef * spread
    avg = np.abs(norm).sum() / k
    coef = np.where((np.abs(norm / avg) < threshold) | (np.abs(norm) < tol), 0.0, coef)
    ll = madlib_output_ll(Z, yy, st["b"], coef, gaussian, alpha, lambdas[-1])
    if standardize:
        c = coef / scale
        b = (ymean if gaussian else st["b"]) - c @ mean
        return c, b, ll, it
    return coef, st["b"], ll, it


def madlib_output_ll(Z, yy, b, coef, gaussian, alpha, lam):
    """The output's log_likelihood: MADlib's _compute_log_likelihood (elastic_net_utils.py_in) with
    the thresholded coefficients and the last pass's intercept, on the data IGD ran on (``Z``,
    ``yy``: y' or ±1): the mean loss, ``(y - b - c·z)² / 2`` or ``log(1 + exp(-y r))``, plus the
    penalty at ``lam`` (lambda_value)."""
    r = b + np.asarray(Z, dtype=float) @ coef
    t = np.asarray(yy, dtype=float)
    loss = np.mean((t - r) ** 2) / 2 if gaussian else np.mean(np.logaddexp(0.0, -t * r))
    return float(-(loss + lam * ((1 - alpha) * (coef @ coef) / 2 + alpha * np.abs(coef).sum())))


def _data(seed, n, k, gaussian):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, k)) * [1, 2, 0.5, 3][:k] + [0, 1, -1, 2][:k]
    w = np.array([1.5, -0.7, 0.0, 0.3][:k])
    eta = 0.5 + X @ w
    y = eta + rng.normal(scale=0.5, size=n) if gaussian else (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    return X, y


def _load(conn, name, X, y, gaussian, groups=None):
    """Rows inserted in id order into a fresh table: scan order = insertion order."""
    ytype = "float8" if gaussian else "boolean"
    conn.execute(f"CREATE TABLE {name}_src (id int, g int, y {ytype}, x float8[])")
    with conn.cursor().copy(f"COPY {name}_src FROM STDIN") as copy:
        for i, (row, t) in enumerate(zip(X, y)):
            copy.write_row((i, 0 if groups is None else groups[i], float(t) if gaussian else bool(t),
                            "{" + ",".join(repr(float(v)) for v in row) + "}"))
    conn.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_src ORDER BY id")
    rows = conn.execute(f"SELECT g, y, x FROM {name} ORDER BY ctid").fetchall()
    return (np.array([r[0] for r in rows]), np.array([float(r[1]) for r in rows]),
            np.array([r[2] for r in rows], dtype=float))


def _train(conn, table, out, family, alpha, lam, standardize=True, grouping=None, params=None, max_iter=100,
           tol=1e-6):
    conn.execute("SELECT indb_ml.elastic_net_train(%s, %s, 'y', 'x', %s, %s, %s, %s, %s, 'igd', %s, NULL, %s, %s)",
                 [table, out, family, alpha, lam, standardize, grouping, params, max_iter, tol])
    cols = "coef_all, intercept, log_likelihood, iteration_run" + (", g" if grouping else "")
    return conn.execute(f"SELECT {cols} FROM {out}" + (" ORDER BY g" if grouping else "")).fetchall()


CASES = [  # family, alpha, lambda, standardize, optimizer_params, max_iter, tolerance, the oracle's keywords
    ("gaussian", 0.5, 0.1, True, None, 50, 1e-6, {}),
    ("gaussian", 1.0, 0.05, False, None, 30, 1e-8, {}),
    ("gaussian", 0.2, 0.3, True, "stepsize = 0.05, step_decay = 0.001", 40, 1e-6,
     dict(stepsize=0.05, step_decay=0.001)),
    ("binomial", 0.5, 0.02, True, None, 40, 1e-6, {}),
    ("binomial", 0.8, 0.01, False, "stepsize = 0.1", 25, 1e-7, dict(stepsize=0.1)),
    ("gaussian", 0.5, 0.1, True,
     "warmup = t, warmup_lambdas = {1, 0.3, 0.1}, warmup_tolerance = 1e-3, stepsize = 0.5", 200, 1e-6,
     dict(lambdas=[1, 0.3, 0.1], warm_tol=1e-3, stepsize=0.5)),
    ("binomial", 0.5, 0.1, True, "threshold = 0.5", 20, 1e-6, dict(threshold=0.5)),
]


@pytest.mark.parametrize("family, alpha, lam, standardize, params, max_iter, tol, kw", CASES)
def test_igd_matches_madlib_row_by_row(postgresql, family, alpha, lam, standardize, params, max_iter, tol, kw):
    gaussian = family == "gaussian"
    X, y = _data(7, 300, 4, gaussian)
    _, y, X = _load(postgresql, "t", X, y, gaussian)
    kw = dict(kw)
    lambdas = kw.pop("lambdas", [lam])
    coef, b, ll, it = madlib_igd(X, y, gaussian, alpha, lambdas, standardize, max_iter, tol, **kw)
    (got,) = _train(postgresql, "t", "m", family, alpha, lam, standardize, None, params, max_iter, tol)
    assert got[3] == it
    np.testing.assert_allclose(got[0], coef, rtol=1e-10, atol=1e-12)
    assert got[1] == pytest.approx(b, rel=1e-10, abs=1e-12)
    assert got[2] == pytest.approx(ll, rel=1e-10)
    if kw.get("threshold"):
        assert 0 in got[0]  # the threshold zeroed a small coefficient


def test_igd_near_the_minimizer(postgresql):
    """IGD with many passes lands near the elastic-net minimizer (scikit-learn's objective
    is MADlib's on standardized data: 1/(2n)||y - b - Zw||² + lambda (alpha |w|_1 + (1-alpha)/2 |w|²))."""
    X, y = _data(3, 400, 4, True)
    _, y, X = _load(postgresql, "t", X, y, True)
    (got,) = _train(postgresql, "t", "m", "gaussian", 0.5, 0.05, True, None, "stepsize = 0.5", 300, 1e-12)
    scale = X.std(axis=0)
    ref = ElasticNet(alpha=0.05, l1_ratio=0.5, tol=1e-12, max_iter=100000).fit((X - X.mean(0)) / scale, y)
    # loose: IGD with a fixed step size stops near, not at, the minimizer (measured ~1e-3 relative)
    np.testing.assert_allclose(np.array(got[0]) * scale, ref.coef_, atol=2e-2)


def test_igd_groups_are_independent_fits(postgresql):
    X, y = _data(11, 400, 3, True)
    groups = np.arange(400) % 2
    g, y, X = _load(postgresql, "t", X, y, True, groups)
    got = _train(postgresql, "t", "m", "gaussian", 0.5, 0.1, True, "g", None, 30, 1e-6)
    its = []
    for row, gv in zip(got, (0, 1)):
        coef, b, ll, it = madlib_igd(X[g == gv], y[g == gv], True, 0.5, [0.1], True, 30, 1e-6)
        its.append(it)
        np.testing.assert_allclose(row[0], coef, rtol=1e-10, atol=1e-12)
        assert row[1] == pytest.approx(b, rel=1e-10)
        assert row[2] == pytest.approx(ll, rel=1e-10)
    assert {row[3] for row in got} == {max(its)}


def test_igd_parallel_plan_is_serial(postgresql):
    """No combine function and PARALLEL UNSAFE: with parallel query forced the plan has no Gather
    (a Gather over a parallel scan under the aggregate would interleave the workers' rows and
    change the sequential steps), and the result is the serial one, exactly."""
    X, y = _data(5, 2000, 4, True)
    _load(postgresql, "t", X, y, True)
    serial = _train(postgresql, "t", "m1", "gaussian", 0.5, 0.1, True, None, None, 10, 1e-6)
    postgresql.execute("SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;"
                       " SET max_parallel_workers_per_gather = 2; SET force_parallel_mode = on")
    plan = "\n".join(r[0] for r in postgresql.execute(
        "EXPLAIN SELECT indb_ml._enet_igd(x, y, NULL, 0.1, 0.5, 0.01, 2000, '{0,0,0,0,0}', NULL, 0, 0) FROM t"))
    assert "Partial" not in plan and "Gather" not in plan, plan
    parallel = _train(postgresql, "t", "m2", "gaussian", 0.5, 0.1, True, None, None, 10, 1e-6)
    assert parallel == serial


def test_igd_needs_two_features(postgresql):
    postgresql.execute("CREATE TABLE one AS SELECT g::float8 AS y, ARRAY[g::float8] AS x FROM generate_series(1, 9) g")
    with pytest.raises(E.InvalidParameterValue, match="at least 2 features"):
        postgresql.execute("SELECT indb_ml.elastic_net_train('one', 'm', 'y', 'x', 'gaussian', 0.5, 0.1, TRUE, NULL,"
                           " 'igd')")


@pytest.mark.parametrize("params, message", [("stepsize = 0", "stepsize must be positive"),
                                             ("step_decay = -1", "step_decay and threshold must be >= 0"),
                                             ("threshold = -1", "step_decay and threshold must be >= 0")])
def test_igd_bad_params(postgresql, params, message):
    postgresql.execute("CREATE TABLE two AS SELECT g::float8 AS y, ARRAY[g, g * g]::float8[] AS x "
                       "FROM generate_series(1, 9) g")
    with pytest.raises(E.InvalidParameterValue, match=message):
        postgresql.execute("SELECT indb_ml.elastic_net_train('two', 'm', 'y', 'x', 'gaussian', 0.5, 0.1, TRUE, NULL,"
                           " 'igd', %s)", [params])


def test_igd_skips_null_rows(postgresql):
    """Rows with a NULL x or a NULL in x are skipped (as the other optimizers skip them); the rest is
    the oracle's fit. (A NULL response with a complete x still counts in MADlib's feature scales:
    tests/test_elastic_net_igd_counts.py.)"""
    X, y = _data(9, 200, 3, True)
    _, y, X = _load(postgresql, "t", X, y, True)
    postgresql.execute("INSERT INTO t VALUES (1000, 0, NULL, NULL), (1001, 0, 1, NULL), "
                       "(1002, 0, 1, '{1,NULL,3}')")
    coef, b, ll, it = madlib_igd(X, y, True, 0.5, [0.1], True, 20, 1e-6)
    (got,) = _train(postgresql, "t", "m", "gaussian", 0.5, 0.1, True, None, None, 20, 1e-6)
    assert got[3] == it
    np.testing.assert_allclose(got[0], coef, rtol=1e-10, atol=1e-12)


STEP = "SELECT indb_ml._enet_igd_step({state}, {x}, {y}, {prev}, 0.1, 0.5, 0.01, {n}, {mean}, {scale}, 0, {fam})"
OK = dict(state="NULL", x="'{1,2}'::float8[]", y="1", prev="NULL", n="10", mean="'{0,0,0}'::float8[]",
          scale="NULL", fam="0")


def _step(conn, **kw):
    args = dict(OK, **kw)
    return conn.execute(STEP.format(**args)).fetchone()[0]


@pytest.mark.parametrize("kw, err", [
    (dict(state="'\\x00'::bytea"), E.DataCorrupted),
    (dict(state="'\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea"), E.DataCorrupted),
    (dict(mean="'{0,0}'::float8[]"), E.ArraySubscriptError),
    (dict(mean="'{0,NULL,0}'::float8[]"), E.ArraySubscriptError),
    (dict(mean="'{0,NaN,0}'::float8[]"), E.ArraySubscriptError),
    (dict(mean="NULL"), E.InvalidParameterValue),
    (dict(scale="'{1}'::float8[]"), E.ArraySubscriptError),
    (dict(scale="'{1,0}'::float8[]"), E.InvalidParameterValue),
    (dict(prev="'{1,2,3}'::float8[]"), E.ArraySubscriptError),
    (dict(prev="'{-1,0,0,0,0,0,0,0}'::float8[]"), E.InvalidParameterValue),  # a step of 0 is carried on, as MADlib's
    (dict(n="0"), E.InvalidParameterValue),
    (dict(n="NULL"), E.InvalidParameterValue),
    (dict(fam="7"), E.InvalidParameterValue),
    (dict(fam="1", y="0.5"), E.DatatypeMismatch),
    (dict(x="'{1}'::float8[]", mean="'{0,0}'::float8[]"), E.ArraySubscriptError),
    (dict(x="'{{1,2},{3,4}}'::float8[]"), E.ArraySubscriptError),
    (dict(x="'{1,Infinity}'::float8[]"), E.InvalidTextRepresentation),
    (dict(x="array_fill(1::float8, ARRAY[20000])"), E.ArraySubscriptError),
])
def test_step_rejects_hostile_input(postgresql, kw, err):
    with pytest.raises(err):
        _step(postgresql, **kw)


def test_step_rejects_forged_and_foreign_states(postgresql):
    good = _step(postgresql)
    assert good is not None and len(good) == 36 + 8 * (11 + 12)
    hexed = bytes(good).hex()
    # wrong version
    bad_version = hexed[:8] + "0200" + hexed[12:]
    # truncated, wrong kind (a co-moment state), wrong width in the header
    cases = [bad_version, hexed[:-16], hexed[:12] + "0100" + hexed[16:], hexed[:16] + "03000000" + hexed[24:]]
    for h in cases:
        with pytest.raises(E.DataCorrupted), postgresql.transaction():
            _step(postgresql, state=f"'\\x{h}'::bytea")
    # the right state and a row of another width
    with pytest.raises(E.ArraySubscriptError), postgresql.transaction():
        _step(postgresql, state=f"'\\x{hexed}'::bytea", x="'{1,2,3}'::float8[]")
    # NULL rows are skipped: the state comes back unchanged but for the skip count
    again = _step(postgresql, state=f"'\\x{hexed}'::bytea", x="NULL")
    assert bytes(again)[36:] == bytes(good)[36:]
    assert _step(postgresql, x="NULL") is None


@pytest.mark.parametrize("params", ["stepsize = 1e308, step_decay = 1", "step_decay = 1000"])
def test_step_start_overflow_is_refused(postgresql, params):
    """A pass starts at stepsize * exp(step_decay): when that overflows, the call is refused
    before any pass (its state would be Infinity, MADlib's coefficients NaN)."""
    postgresql.execute("CREATE TABLE so (y float8, x float8[])")
    postgresql.execute("INSERT INTO so SELECT i, ARRAY[i, i % 3] FROM generate_series(1, 20) i")
    with pytest.raises(E.InvalidParameterValue, match=r"stepsize \* exp\(step_decay\) overflows"), \
            postgresql.transaction():
        postgresql.execute("SELECT indb_ml.elastic_net_train('so', 'so_out', 'y', 'x', 'gaussian', 0.5, 0.1, "
                           "true, NULL, 'igd', %s)", [params])
    assert postgresql.execute("SELECT to_regclass('so_out')").fetchone()[0] is None
