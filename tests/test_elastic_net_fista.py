"""elastic_net_train with optimizer 'fista' (the default): MADlib's FISTA, pass for pass.

Checked three ways:

- against MADlib's documented outputs (src/ports/postgres/modules/elastic_net/elastic_net.sql_in,
  the houses examples), coefficients, intercept, log_likelihood and iteration_run;
- against an independent oracle, the exact minimizer (scikit-learn's ElasticNet and
  LogisticRegression with the elastic-net penalty). FISTA stops by MADlib's rule: the
  change of its running objective between two accepted steps falls below ``tolerance``.
  That bounds no distance to the minimizer; on these well-conditioned problems the
  remaining objective gap at the stop is of the order of ``tolerance`` (measured: at most
  1.6 x tolerance), so the tests ask for a gap in [0, 10 x tolerance] and coefficients
  within 1e-3 of the minimizer's scale at tolerance 1e-10;
- against itself on other plans (rows packed in memory and one aggregate statement per
  point give the same passes) and per group (a group's model is the model of its rows);
- ``madlib_grouping = t`` against a row-by-row numpy replay of MADlib 2.1's grouped FISTA
  (below), ``madlib_grouping = 1x`` against MADlib's documented grouped example.
"""

from __future__ import annotations

import warnings

import numpy as np
import psycopg.errors as E
import pytest
from sklearn.linear_model import ElasticNet, LogisticRegression

HOUSES = [
    (1, 590, 2, 1, 50000, 770, 22100, 94301), (2, 1050, 3, 2, 85000, 1410, 12000, 94301),
    (3, 20, 3, 1, 22500, 1060, 3500, 94301), (4, 870, 2, 2, 90000, 1300, 17500, 94301),
    (5, 1320, 3, 2, 133000, 1500, 30000, 94301), (6, 1350, 2, 1, 90500, 820, 25700, 94301),
    (7, 2790, 3, 2.5, 260000, 2130, 25000, 94301), (8, 680, 2, 1, 142500, 1170, 22000, 94301),
    (9, 1840, 3, 2, 160000, 1500, 19000, 94301), (10, 3680, 4, 2, 240000, 2790, 20000, 94301),
    (11, 1660, 3, 1, 87000, 1030, 17500, 94301), (12, 1620, 3, 2, 118600, 1250, 20000, 94301),
    (13, 3100, 3, 2, 140000, 1760, 38000, 94301), (14, 2070, 2, 3, 148000, 1550, 14000, 94301),
    (15, 650, 3, 1.5, 65000, 1450, 12000, 94301), (16, 770, 2, 2, 91000, 1300, 17500, 76010),
    (17, 1220, 3, 2, 132300, 1500, 30000, 76010), (18, 1150, 2, 1, 91100, 820, 25700, 76010),
    (19, 2690, 3, 2.5, 260011, 2130, 25000, 76010), (20, 780, 2, 1, 141800, 1170, 22000, 76010),
    (21, 1910, 3, 2, 160900, 1500, 19000, 76010), (22, 3600, 4, 2, 239000, 2790, 20000, 76010),
    (23, 1600, 3, 1, 81010, 1030, 17500, 76010), (24, 1590, 3, 2, 117910, 1250, 20000, 76010),
    (25, 3200, 3, 2, 141100, 1760, 38000, 76010), (26, 2270, 2, 3, 148011, 1550, 14000, 76010),
    (27, 750, 3, 1.5, 66000, 1450, 12000, 76010),
]
N, K = 1500, 4
FEATURES = "ARRAY[x1, x2, x3, x4]"


@pytest.fixture
def houses(postgresql):
    postgresql.execute("CREATE TABLE houses (id int, tax int, bedroom int, bath float8, price int, size int, lot int, "
                       "zipcode int)")
    with postgresql.cursor().copy("COPY houses FROM STDIN") as copy:
        for row in HOUSES:
            copy.write_row(row)
    return postgresql


def houses_fit(conn, table, alpha, lam, params="", grouping=None, optimizer="fista"):
    conn.execute("SELECT indb_ml.elastic_net_train('houses', %s, 'price', 'array[tax, bath, size]', 'gaussian', "
                 "%s, %s, TRUE, %s, %s, %s, NULL, 10000, 1e-6)", [table, alpha, lam, grouping, optimizer, params])
    return conn.execute(f"SELECT coef_all, intercept, log_likelihood, iteration_run, features_selected FROM {table}"
                        ).fetchone()


def test_houses_as_documented(houses):
    """MADlib's elastic_net.sql_in, "Train the model" (alpha 0.5, lambda 0.1, max_iter 10000):
    coef_all {22.785201806,10707.9664343,54.7959774173}, intercept -7798.71393905,
    log_likelihood -512248641.971, iteration_run 10000 (its stopping rule never fires: the
    objective is about 5e8 and the tolerance 1e-6 absolute). After 10000 passes FISTA
    oscillates around the minimizer by a few 1e-6 relative, so the last digits depend on
    rounding: 1e-5 relative here."""
    coef, intercept, ll, iters, _ = houses_fit(houses, "h", 0.5, 0.1)
    np.testing.assert_allclose(coef, [22.785201806, 10707.9664343, 54.7959774173], rtol=1e-5)
    assert intercept == pytest.approx(-7798.71393905, rel=1e-5)
    assert ll == pytest.approx(-512248641.971, rel=1e-11)
    assert iters == 10000


@pytest.mark.parametrize("params, iterations", [("state_digits = 12", 151), ("", None)])
def test_houses_lasso_as_documented(houses, params, iterations):
    """MADlib's elastic_net.sql_in, "Example where coef_nonzero is different from coef_all"
    (alpha 1, lambda 30000): coef_all {6.94744249834,0,29.7137297658}, intercept
    74445.7039382, log_likelihood -1635348585.07, iteration_run 151, features_selected
    {tax,size}.

    MADlib 1.x kept its FISTA state in float8[] that went through Python 2's str() between
    passes (12 significant digits); its running objective, about 1.6e9, then moves by less
    than the tolerance 1e-6 at pass 151. state_digits = 12 reproduces that, digit for
    digit. With exact doubles (the default) the same passes continue to pass 297, nearer
    the minimizer (checked against coordinate descent)."""
    coef, intercept, ll, iters, selected = houses_fit(houses, "h", 1, 30000, params)
    assert selected == ["tax", "size"] and coef[1] == 0
    if iterations:
        np.testing.assert_allclose(coef, [6.94744249834, 0, 29.7137297658], rtol=1e-10)
        assert intercept == pytest.approx(74445.7039382, rel=1e-10)
        assert ll == pytest.approx(-1635348585.07, rel=1e-11)
        assert iters == iterations
    else:
        exact = houses_fit(houses, "h_cd", 1, 30000, optimizer="cd")
        assert iters > 151
        assert np.max(np.abs(np.subtract(coef, exact[0])) / np.abs(exact[0]).max()) < 2e-5
        assert np.max(np.abs(np.subtract(coef, exact[0])) / np.abs(exact[0]).max()) < np.max(
            np.abs(np.subtract([6.94744249834, 0, 29.7137297658], exact[0])) / np.abs(exact[0]).max())


@pytest.fixture
def data(postgresql):
    rng = np.random.default_rng(29)
    x = rng.normal(size=(N, K)) * [1, 2, 0.5, 3]
    y = 0.5 + x @ [1.5, 0, -0.7, 0.1] + rng.normal(size=N)
    b = rng.random(N) < 1 / (1 + np.exp(-(0.3 + x @ [1, 0, -0.5, 0.1])))
    postgresql.execute("CREATE TABLE d (g int, y float8, b boolean, x1 float8, x2 float8, x3 float8, x4 float8)")
    with postgresql.cursor().copy("COPY d FROM STDIN") as copy:
        for i in range(N):
            copy.write_row([i % 2, y[i], bool(b[i]), *x[i]])
    postgresql.execute("CREATE VIEW dv AS SELECT * FROM d")
    return postgresql, x, y, b.astype(float)


def train(conn, family, dep, alpha, lam, standardize, tol, source="d", table="e", grouping=None, params=None,
          max_iter=10000):
    conn.execute("SELECT indb_ml.elastic_net_train(%s, %s, %s, %s, %s, %s, %s, %s, %s, 'fista', %s, NULL, %s, %s)",
                 [source, table, dep, FEATURES, family, alpha, lam, standardize, grouping, params, max_iter, tol])
    return conn.execute(f"SELECT coef_all, intercept, log_likelihood, iteration_run FROM {table} ORDER BY 1"
                        ).fetchall()


def penalty(coef, x, lam, alpha, standardize):
    w = np.asarray(coef) * (x.std(axis=0) if standardize else 1)
    return lam * (alpha * np.abs(w).sum() + (1 - alpha) / 2 * w @ w)


@pytest.mark.parametrize("standardize", [False, True])
def test_gaussian_near_the_minimizer(data, standardize):
    conn, x, y, _ = data
    s = x.std(axis=0) if standardize else np.ones(K)
    ref = ElasticNet(alpha=0.2, l1_ratio=0.5, tol=1e-14, max_iter=100000).fit(x / s, y)
    want, want_b = ref.coef_ / s, ref.intercept_
    best = np.mean((y - want_b - x @ want) ** 2) / 2 + penalty(want, x, 0.2, 0.5, standardize)
    for i, tol in enumerate((1e-6, 1e-10)):
        (coef, intercept, ll, iters), = train(conn, "gaussian", "y", 0.5, 0.2, standardize, tol, table=f"e{i}")
        got = np.mean((y - intercept - x @ coef) ** 2) / 2 + penalty(coef, x, 0.2, 0.5, standardize)
        assert 0 <= got - best <= 10 * tol
        assert -ll == pytest.approx(got, abs=1e-9)  # MADlib's log_likelihood: minus the objective
        if tol == 1e-10:
            np.testing.assert_allclose(coef, want, atol=1e-3 * np.abs(want).max())
            assert 1 < iters < 10000


@pytest.mark.parametrize("standardize", [False, True])
def test_binomial_near_the_minimizer_on_both_plans(data, standardize):
    conn, x, _, b = data
    s = x.std(axis=0) if standardize else np.ones(K)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = LogisticRegression(penalty="elasticnet", solver="saga", l1_ratio=0.5, C=1 / (N * 0.01), tol=1e-12,
                                 max_iter=100000).fit(x / s, b)
    want, want_b = ref.coef_[0] / s, ref.intercept_[0]

    def objective(coef, intercept):
        eta = intercept + x @ coef
        return np.mean(np.logaddexp(0, eta) - b * eta) + penalty(coef, x, 0.01, 0.5, standardize)

    tol = 1e-10
    (coef, intercept, ll, iters), = train(conn, "binomial", "b", 0.5, 0.01, standardize, tol)
    assert 0 <= objective(coef, intercept) - objective(want, want_b) <= 10 * tol
    assert -ll == pytest.approx(objective(coef, intercept), abs=1e-9)
    np.testing.assert_allclose(coef, want, atol=1e-3 * np.abs(want).max())
    # a view: one aggregate statement per requested point, the same passes as rows in memory
    (coef2, intercept2, ll2, iters2), = train(conn, "binomial", "b", 0.5, 0.01, standardize, tol, source="dv",
                                             table="ev")
    assert iters2 == iters
    np.testing.assert_allclose(coef2, coef, rtol=1e-7, atol=1e-10)
    assert intercept2 == pytest.approx(intercept, rel=1e-7, abs=1e-10)


def test_grouping_is_each_groups_own_fit(data):
    """A group's model is FISTA on its rows alone (standardized by its own statistics, its
    loss averaged over its own rows); iteration_run is the count of the group that ran
    longest, for every group, as MADlib's group controller writes one count."""
    conn = data[0]
    got = train(conn, "gaussian", "y", 0.5, 0.2, True, 1e-8, grouping="g")
    conn.execute("CREATE TABLE d0 AS SELECT * FROM d WHERE g = 0")
    conn.execute("CREATE TABLE d1 AS SELECT * FROM d WHERE g = 1")
    alone = [train(conn, "gaussian", "y", 0.5, 0.2, True, 1e-8, source=f"d{gv}", table=f"e{gv}")[0] for gv in (0, 1)]
    rows = conn.execute("SELECT g, coef_all, intercept, log_likelihood, iteration_run FROM e ORDER BY g").fetchall()
    assert len(got) == 2
    for (_, coef, intercept, ll, iters), own in zip(rows, alone):
        np.testing.assert_allclose(coef, own[0], rtol=1e-9)
        assert intercept == pytest.approx(own[1], rel=1e-9)
        assert ll == pytest.approx(own[2], rel=1e-9)
        assert iters == max(a[3] for a in alone)


def test_warmup_counts_every_pass_of_the_path(data):
    """MADlib's warm-up: FISTA restarts (t = 1, step max_stepsize) at each lambda of the path
    from the previous solution; iteration_run counts the passes of the whole path and
    max_iter caps them in total."""
    conn, x, y, _ = data
    cold = train(conn, "gaussian", "y", 0.5, 0.2, True, 1e-10, table="cold")[0]
    warm = train(conn, "gaussian", "y", 0.5, 0.2, True, 1e-10, table="warm",
                 params="warmup = true, warmup_lambdas = {20, 2, 0.2}")[0]
    np.testing.assert_allclose(warm[0], cold[0], rtol=1e-6)
    assert warm[3] > cold[3]
    with pytest.raises(E.InvalidParameterValue, match="target lambda value is not reached"), conn.transaction():
        train(conn, "gaussian", "y", 0.5, 0.2, True, 1e-10, table="short", max_iter=5,
              params="warmup = true, warmup_lambdas = {20, 2, 0.2}")
    assert conn.execute("SELECT to_regclass('short')").fetchone()[0] is None


def test_fista_parameters(data):
    """max_stepsize, eta, use_active_set change the passes, not the answer's neighbourhood."""
    conn, x, y, _ = data
    base = train(conn, "gaussian", "y", 0.5, 0.2, True, 1e-10, table="base")[0]
    for i, params in enumerate(["max_stepsize = 0.5, eta = 2", "use_active_set = t, activeset_tolerance = 1e-10",
                                "random_stepsize = t"]):
        other = train(conn, "gaussian", "y", 0.5, 0.2, True, 1e-10, table=f"p{i}", params=params)[0]
        np.testing.assert_allclose(other[0], base[0], rtol=1e-5, err_msg=params)
    small = train(conn, "gaussian", "y", 0.5, 0.2, True, 1e-10, table="small", params="max_stepsize = 0.01")[0]
    assert small[3] > base[3]  # a smaller step takes more passes


@pytest.mark.parametrize("params, message", [
    ("eta = 0.5", "eta must be larger than 1"),
    ("max_stepsize = 0", "max_stepsize must be positive"),
    ("activeset_tolerance = 0", "activeset_tolerance must be positive"),
    ("state_digits = 40", "state_digits must be between"),
])
def test_bad_parameters(data, params, message):
    conn = data[0]
    with pytest.raises(E.InvalidParameterValue, match=message), conn.transaction():
        train(conn, "gaussian", "y", 0.5, 0.2, True, 1e-6, params=params)
    assert conn.execute("SELECT to_regclass('e')").fetchone()[0] is None


def test_cd_is_the_exact_minimizer(data):
    """optimizer 'cd': coordinate descent, the exact minimizer (MADlib has no such optimizer)."""
    conn, x, y, _ = data
    conn.execute("SELECT indb_ml.elastic_net_train('d', 'e', 'y', %s, 'gaussian', 0.5, 0.2, false, NULL, 'cd', "
                 "NULL, NULL, 10000, 1e-12)", [FEATURES])
    coef = conn.execute("SELECT coef_all FROM e").fetchone()[0]
    ref = ElasticNet(alpha=0.2, l1_ratio=0.5, tol=1e-14, max_iter=100000).fit(x, y)
    np.testing.assert_allclose(coef, ref.coef_, rtol=1e-8, atol=1e-10)


def test_binomial_grouping_on_both_plans(data):
    """Groups on the aggregate plan (a view: one statement per point for the groups still
    iterating) give the models of rows packed in memory."""
    conn = data[0]
    mem = train(conn, "binomial", "b", 0.5, 0.01, True, 1e-8, grouping="g", table="gm")
    agg = train(conn, "binomial", "b", 0.5, 0.01, True, 1e-8, source="dv", grouping="g", table="ga")
    assert len(mem) == 2 and [r[3] for r in agg] == [r[3] for r in mem] and mem[0][3] == mem[1][3]
    for a, m in zip(agg, mem):
        np.testing.assert_allclose(a[0], m[0], rtol=1e-7, atol=1e-10)
        assert a[1] == pytest.approx(m[1], rel=1e-7, abs=1e-10)


def test_large_lambda_and_constant_feature(data):
    """Above the largest useful lambda every coefficient is 0 and the intercept is the mean
    (gaussian, exactly: MADlib's standardized intercept is the mean minus the coefficients'
    part) or near the log-odds (binomial: MADlib's stopping rule compares running
    objectives whose row part is the previous pass's, so with every coefficient at 0 it
    fires while the intercept still moves); a constant feature keeps a zero coefficient."""
    conn, x, y, b = data
    conn.execute("ALTER TABLE d ADD COLUMN c float8 DEFAULT 3")
    for family, dep, want, rel in (("gaussian", "y", y.mean(), 1e-12),
                                   ("binomial", "b", np.log(b.mean() / (1 - b.mean())), 1e-2)):
        conn.execute("SELECT indb_ml.elastic_net_train('d', %s, %s, 'ARRAY[x1, x2, x3, x4, c]', %s, 1, 100, true, "
                     "NULL, 'fista', NULL, NULL, 10000, 1e-12)", [f"big_{family}", dep, family])
        coef, intercept, selected = conn.execute(f"SELECT coef_all, intercept, features_selected FROM big_{family}"
                                                 ).fetchone()
        assert coef == [0] * 5 and selected == []
        assert intercept == pytest.approx(want, rel=rel)
    conn.execute("SELECT indb_ml.elastic_net_train('d', 'withc', 'y', 'ARRAY[x1, x2, x3, x4, c]', 'gaussian', 0.5, "
                 "0.2, true, NULL, 'fista', NULL, NULL, 10000, 1e-10)")
    with_c = conn.execute("SELECT coef_all FROM withc").fetchone()[0]
    plain = train(conn, "gaussian", "y", 0.5, 0.2, True, 1e-10, table="plain")[0][0]
    assert with_c[4] == 0
    np.testing.assert_allclose(with_c[:4], plain, rtol=1e-9)


def test_houses_grouped_as_documented_with_madlib_grouping_1x(houses):
    """MADlib's elastic_net.sql_in, "Example with Grouping" (zipcode; alpha 0.5, lambda 0.1):
    94301: coef_all {27.0542096962,12351.5244083,47.5833289771}, intercept -7191.19791597,
    log_likelihood -519199964.967; 76010: {15.6325953499,10166.6608469,57.8689916035},
    513.912201627, -538806528.45; iteration_run 10000 for both. Those numbers come from
    every group standardized by the whole table's statistics, its gradient averaged over
    all 27 rows (MADlib passed the table's row count before MADLIB-1092) and its
    log_likelihood over all rows: madlib_grouping = 1x. Both groups stop at max_iter, where
    FISTA oscillates by a few 1e-6 (the intercept, a difference of terms near 1e5, to 0.1).
    Without the flag each group is its own fit, far from these, and so is MADlib 2.1's code (madlib_grouping = t)."""
    houses_fit(houses, "hg", 0.5, 0.1, "madlib_grouping = 1x", grouping="zipcode")
    rows = dict((r[0], r[1:]) for r in houses.execute(
        "SELECT zipcode, coef_all, intercept, log_likelihood, iteration_run FROM hg").fetchall())
    want = {94301: ([27.0542096962, 12351.5244083, 47.5833289771], -7191.19791597, -519199964.967),
            76010: ([15.6325953499, 10166.6608469, 57.8689916035], 513.912201627, -538806528.45)}
    for z, (coef, intercept, ll) in want.items():
        np.testing.assert_allclose(rows[z][0], coef, rtol=1e-5)
        assert rows[z][1] == pytest.approx(intercept, abs=0.1)
        assert rows[z][2] == pytest.approx(ll, rel=1e-6)
        assert rows[z][3] == 10000
    for table, params in (("hown", ""), ("h21", "madlib_grouping = t")):
        houses_fit(houses, table, 0.5, 0.1, params, grouping="zipcode")
        own = houses.execute(f"SELECT coef_all FROM {table} WHERE zipcode = 94301").fetchone()[0]
        assert abs(own[1] - 12351.5244083) > 100


def test_madlib_grouping_1x_binomial_on_both_plans(data):
    conn = data[0]
    mem = train(conn, "binomial", "b", 0.5, 0.01, True, 1e-8, grouping="g", table="gm", params="madlib_grouping = 1x")
    agg = train(conn, "binomial", "b", 0.5, 0.01, True, 1e-8, source="dv", grouping="g", table="ga",
                params="madlib_grouping = 1x")
    own = train(conn, "binomial", "b", 0.5, 0.01, True, 1e-8, grouping="g", table="go")
    assert [r[3] for r in agg] == [r[3] for r in mem]
    for a, m, o in zip(agg, mem, own):
        np.testing.assert_allclose(a[0], m[0], rtol=1e-7, atol=1e-10)
        assert a[2] == pytest.approx(m[2], rel=1e-9)
        assert not np.allclose(m[0], o[0], rtol=1e-3)  # half the rows per group: twice the effective lambda


# MADlib 2.1's grouped FISTA, replayed row by row in numpy from its sources (apache/madlib):
# elastic_net_optimizer_fista.py_in ``_compute_fista`` (the step's totalRows is ``col_n_tuples``,
# each group's own row count since MADLIB-1092; the driver's test ``iteration >= max_iter or
# state_diff < tolerance``), elastic_net_optimizer_fista.hpp ``fista_transition`` / ``fista_final``
# / ``fista_state_diff`` with elastic_net_gaussian_fista.cpp and elastic_net_binomial_fista.cpp
# (the loss of the current coefficients added onto the previous pass's state value),
# elastic_net_utils.py_in ``_normalize_data`` -> ``_compute_data_scales_grouping`` (each group's
# own means and population std; the gaussian response centred by its group's mean), and
# elastic_net_generate_result.py_in (``_restore_scale`` with the group's scales;
# ``_compute_log_likelihood`` over all of ``tbl_used``: every group's rows as their own
# standardization left them, the model as the state holds it). The FISTA step takes no x or y
# means, so ``_compute_means`` (the whole table's means, which grouped IGD uses) plays no part.


def _fista_group(x, t, gaussian, alpha, lam, max_iter, tol, max_stepsize=2.0, eta=1.2):
    """One group's passes over its tbl_used rows ``x``, ``t`` (gaussian: the response; binomial:
    ±1). Returns (intercept, coef, passes) as the state holds them."""
    n, k = x.shape

    def loss(b, c):  # Σ per row: r² (gaussian), log(1 + exp(-y r)) (binomial)
        r = b + x @ c
        return np.sum((t - r) ** 2) if gaussian else np.sum(np.logaddexp(0, -t * r))

    coef, coef_y, b_coef = np.zeros(k), np.zeros(k), np.zeros(k)
    b0 = b0_y = b0_b = gi = 0.0
    grad = np.zeros(k)
    tk, step, bt, ll, qfn, it = 1.0, max_stepsize, 0, 0.0, 0.0, 0
    while True:
        prev_ll = ll
        acc = ll + loss(b0, coef)  # update_loglikelihood on the state's current coefficients
        if bt == 0:
            r = b0_y + x @ coef_y
            u = -(t - r) if gaussian else np.where(t > 0, -1 / (1 + np.exp(r)), 1 / (1 + np.exp(-r)))
            grad = x.T @ u / n + lam * (1 - alpha) * coef_y
            gi = u.sum() / n
            b_coef = np.sign(coef_y - step * grad) * np.maximum(np.abs(coef_y - step * grad) - lam * alpha * step, 0)
            b0_b, bt = b0_y - step * gi, 1
        else:
            half = 0.5 if gaussian else 1.0
            fn = half * loss(b0_b, b_coef) / n + 0.5 * lam * (1 - alpha) * b_coef @ b_coef
            if bt == 1:
                qfn = half * loss(b0_y, coef_y) / n + 0.5 * lam * (1 - alpha) * coef_y @ coef_y
            d = b_coef - coef_y
            extra = d @ grad + 0.5 * d @ d / step - (0.5 * gi * gi * step if gi != 0 else 0.0)
            if bt >= 3 or fn <= qfn + extra:
                old = tk
                tk = 0.5 * (1 + np.sqrt(1 + 4 * old * old))
                coef_y = b_coef + (old - 1) * (b_coef - coef) / tk
                b0_y = b0_b + (old - 1) * (b0_b - b0) / tk
                coef, b0, bt = b_coef.copy(), b0_b, 0
            else:
                step /= eta
                u = coef_y - step * grad
                b_coef = np.sign(u) * np.maximum(np.abs(u) - lam * alpha * step, 0)
                b0_b, bt = b0_y - step * gi, bt + 1
        ll = -(acc / (2 * n) + lam * ((1 - alpha) * coef @ coef / 2 + alpha * np.abs(coef).sum()))
        it += 1
        diff = 1e12 if bt > 0 else abs(abs(prev_ll) - abs(ll))
        if it >= max_iter or diff < tol:
            return b0, coef, it


def madlib21_grouped_fista(g, x, y, gaussian, alpha, lam, standardize, max_iter, tol, max_stepsize):
    """``({group: (coef, intercept, log_likelihood)}, iteration_run)`` of MADlib 2.1's code."""
    used, scales = {}, {}
    for h in np.unique(g):
        xh, yh = x[g == h], y[g == h]
        mean, std, ym = xh.mean(axis=0), xh.std(axis=0), yh.mean() if gaussian else 0.0
        if not standardize:
            mean, std, ym = np.zeros(x.shape[1]), np.ones(x.shape[1]), 0.0
        scales[h] = (mean, std, ym)
        used[h] = ((xh - mean) / std, yh - ym if gaussian else np.where(yh > 0, 1.0, -1.0))
    out, passes = {}, []
    for h, (xh, th) in used.items():
        b, c, it = _fista_group(xh, th, gaussian, alpha, lam, max_iter, tol, max_stepsize)
        passes.append(it)
        rows = [(xu @ c + b, tu) for xu, tu in used.values()]  # _compute_log_likelihood: all of tbl_used
        per_row = np.concatenate([(tu - r) ** 2 / 2 if gaussian else np.logaddexp(0, -tu * r) for r, tu in rows])
        ll = -(per_row.mean() + lam * ((1 - alpha) * c @ c / 2 + alpha * np.abs(c).sum()))
        mean, std, ym = scales[h]
        out[h] = (c / std, (ym if gaussian and standardize else b) - float((c / std) @ mean), ll)
    return out, max(passes)


@pytest.fixture
def uneven(postgresql):
    """Three groups of 120, 200 and 330 rows, each with its own feature means and spreads (small
    enough for max_stepsize = 0.5 to be a stable step unstandardized: with a step FISTA's
    backtracking cannot shrink enough, MADlib's three-try acceptance makes the passes chaotic
    and rounding alone moves the answer)."""
    rng = np.random.default_rng(41)
    sizes, g = (120, 200, 330), np.repeat([0, 1, 2], (120, 200, 330))
    spread = np.array([[1, 0.5, 0.3], [0.6, 1, 0.4], [0.3, 0.8, 0.5]])
    x = rng.normal(size=(sum(sizes), 3)) * spread[g] + 0.2 * g[:, None]
    y = 1 + g + x @ [0.8, -0.4, 0.3] + rng.normal(size=g.size)
    b = rng.random(g.size) < 1 / (1 + np.exp(-(x - 0.2 * g[:, None]) @ [0.9, -0.3, 0.2]))
    postgresql.execute("CREATE TABLE u (g int, y float8, b boolean, x float8[])")
    with postgresql.cursor().copy("COPY u FROM STDIN") as copy:
        for i in range(g.size):
            copy.write_row([int(g[i]), float(y[i]), bool(b[i]), list(map(float, x[i]))])
    postgresql.execute("CREATE VIEW uv AS SELECT * FROM u")
    return postgresql, g, x, y, b.astype(float)


def _grouped(conn, source, table, family, dep, standardize, params, max_iter=300, tol=1e-9):
    conn.execute("SELECT indb_ml.elastic_net_train(%s, %s, %s, 'x', %s, 0.5, 0.05, %s, 'g', 'fista', %s, NULL, "
                 "%s, %s)", [source, table, dep, family, standardize, params, max_iter, tol])
    return {r[0]: r[1:] for r in conn.execute(
        f"SELECT g, coef_all, intercept, log_likelihood, iteration_run FROM {table}").fetchall()}


@pytest.mark.parametrize("family, standardize", [("gaussian", True), ("gaussian", False), ("binomial", True),
                                                 ("binomial", False)])
def test_madlib_grouping_t_is_madlib_21s_grouped_fista(uneven, family, standardize):
    """madlib_grouping = t against the replay above (1e-8 relative: the same passes, sums in
    another order); binomial on both plans (rows in memory, a view's aggregate statements).
    Teeth: the default gives the same models with each group's own log_likelihood, 1x other
    models."""
    conn, g, x, y, b = uneven
    gaussian = family == "gaussian"
    want, want_it = madlib21_grouped_fista(g, x, y if gaussian else b, gaussian, 0.5, 0.05, standardize, 300, 1e-9,
                                           0.5)
    dep, params = "y" if gaussian else "b", "madlib_grouping = t, max_stepsize = 0.5"
    runs = {"m": _grouped(conn, "u", "m", family, dep, standardize, params)}
    if not gaussian:
        runs["v"] = _grouped(conn, "uv", "v", family, dep, standardize, params)
    for got in runs.values():
        assert sorted(got) == [0, 1, 2]
        for h, (coef, intercept, ll) in want.items():
            np.testing.assert_allclose(got[h][0], coef, rtol=1e-8, atol=1e-10)
            assert got[h][1] == pytest.approx(intercept, rel=1e-8, abs=1e-10)
            assert got[h][2] == pytest.approx(ll, rel=1e-8)
            assert got[h][3] == want_it
    default = _grouped(conn, "u", "d", family, dep, standardize, "max_stepsize = 0.5")
    old = _grouped(conn, "u", "o", family, dep, standardize, "madlib_grouping = 1x, max_stepsize = 0.5")
    for h, (coef, _, ll) in want.items():
        np.testing.assert_allclose(default[h][0], coef, rtol=1e-8, atol=1e-10)
        assert abs(default[h][2] - ll) > 1e-3 * abs(ll)
    assert max(np.max(np.abs(np.subtract(old[h][0], want[h][0]))) for h in want) > 1e-2


def test_madlib_grouping_values(uneven):
    """t/f/1x and the booleans; 1x is FISTA's only (22023 naming it for igd)."""
    conn = uneven[0]
    with pytest.raises(E.InvalidParameterValue, match="is not t, f or 1x"), conn.transaction():
        _grouped(conn, "u", "bad", "gaussian", "y", True, "madlib_grouping = 2x")
    with pytest.raises(E.InvalidParameterValue, match="madlib_grouping = 1x applies to fista only"), \
            conn.transaction():
        conn.execute("SELECT indb_ml.elastic_net_train('u', 'i', 'y', 'x', 'gaussian', 0.5, 0.05, true, 'g', "
                     "'igd', 'madlib_grouping = 1x')")
    off = _grouped(conn, "u", "off", "gaussian", "y", True, "madlib_grouping = false", max_iter=50)
    default = _grouped(conn, "u", "dflt", "gaussian", "y", True, None, max_iter=50)
    on = _grouped(conn, "u", "on_", "gaussian", "y", True, "madlib_grouping = TRUE", max_iter=50)
    t = _grouped(conn, "u", "t", "gaussian", "y", True, "madlib_grouping = t", max_iter=50)
    assert off == default and on == t and on != off
