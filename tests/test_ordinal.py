"""ordinal against an independent oracle of MADlib's Fisher scoring
(tests/ordinal_fisher_oracle.py: every output column, the iteration count included) and, for
the coefficients and the log-likelihood at convergence, statsmodels' OrderedModel (logit
and probit)."""

from __future__ import annotations

import warnings

import numpy as np
import psycopg.errors as E
import pytest
from statsmodels.miscmodels.ordinal_model import OrderedModel

from tests.ordinal_fisher_oracle import madlib_fisher

LEVELS = ["mild", "moderate", "severe", "critical"]


@pytest.fixture
def data(postgresql):
    rng = np.random.default_rng(37)
    n = 1500
    x = rng.normal(size=(n, 2))
    y = np.digitize(x @ [1.0, -0.5] + rng.logistic(size=n), [-1, 0.5, 1.5])
    postgresql.execute("CREATE TABLE d (grade text, x1 float8, x2 float8)")
    with postgresql.cursor().copy("COPY d FROM STDIN") as copy:
        for i in range(n):
            copy.write_row([LEVELS[y[i]], x[i, 0], x[i, 1]])
        copy.write_row([None, 0.0, 0.0])  # skipped
    return postgresql, x, y


MODEL_COLS = ("coef_threshold, std_err_threshold, z_stats_threshold, p_values_threshold, log_likelihood, "
              "coef_feature, std_err_feature, z_stats_feature, p_values_feature, num_iterations")


@pytest.mark.parametrize("link", ["logit", "probit"])
def test_ordinal_is_madlibs_fisher_scoring(data, link):
    """MADlib's defaults (tolerance 1e-6 on the log-likelihood's relative change): every
    column and the iteration count equal the oracle's, the standard errors from the
    expected information (not statsmodels', from the observed one: 1e-3 apart here)."""
    conn, x, y = data
    conn.execute("SELECT indb_ml.ordinal('d', 'm', 'grade', 'ARRAY[x1, x2]', %s, %s)", [", ".join(LEVELS), link])
    got = conn.execute(f"SELECT {MODEL_COLS}, num_rows_processed, num_rows_skipped FROM m").fetchone()
    want = madlib_fisher(x, y, 4, link)
    for name, value in zip(MODEL_COLS.split(", "), got):
        np.testing.assert_allclose(value, want[name], rtol=1e-9, atol=1e-300, err_msg=name)
    assert 3 < got[9] < 10 and got[10:] == (1500, 1)


@pytest.mark.parametrize("link", ["logit", "probit"])
def test_ordinal_converges_to_statsmodels(data, link):
    conn, x, y = data
    conn.execute("SELECT indb_ml.ordinal('d', 'm', 'grade', 'ARRAY[x1, x2]', %s, %s, NULL, "
                 "'tolerance=1e-12')", [", ".join(LEVELS), link])
    row = conn.execute("SELECT coef_threshold, log_likelihood, coef_feature, num_rows_processed, num_rows_skipped "
                       "FROM m").fetchone()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = OrderedModel(y, x, distr=link).fit(method="bfgs", disp=0, maxiter=5000, gtol=1e-10)
    p = ref.params
    np.testing.assert_allclose(row[0], np.cumsum(np.concatenate([[p[2]], np.exp(p[3:])])), rtol=1e-6)
    assert row[1] == pytest.approx(ref.llf, rel=1e-12)
    np.testing.assert_allclose(row[2], p[:2], rtol=1e-6)
    assert (row[3], row[4]) == (1500, 1)


@pytest.mark.parametrize("cat_order, link, message", [
    ("mild, moderate, severe", "logit", "1 rows have a dependent value that cat_order does not list"),
    ("mild", "logit", "two or more distinct categories"),
    ("mild, moderate, severe, critical", "cloglog", "must be logit or probit"),
])
def test_ordinal_bad_input(data, cat_order, link, message):
    conn = data[0]
    if "1 rows" in message:  # exactly one 'critical' row left
        conn.execute("DELETE FROM d WHERE grade = 'critical' AND ctid <> (SELECT min(ctid) FROM d "
                     "WHERE grade = 'critical')")
    with pytest.raises(E.InvalidParameterValue, match=message), conn.transaction():
        conn.execute("SELECT indb_ml.ordinal('d', 'm', 'grade', 'ARRAY[x1, x2]', %s, %s)", [cat_order, link])
    assert conn.execute("SELECT to_regclass('m')").fetchone()[0] is None


# 60 rows, categories 0..3 with counts 43, 1, 7, 9: from MADlib's start, the first undamped
# Fisher step puts the second threshold below the first
UNORDERING_X = [
    0.316498, -3.791506, -0.321807, 4.349906, -1.563001, -1.626027, 4.091728, 1.638917, 2.929581, -1.065874,
    2.244250, -2.058506, -2.028005, 1.788733, -1.795120, 2.301356, 7.175054, -5.058458, -2.256613, 3.360439,
    -0.435235, 3.483270, -3.030193, 0.994033, -0.451669, 0.421112, 0.993348, -3.660019, -3.222412, 4.197732,
    0.879641, 0.319039, -0.132224, 1.069627, -3.467810, -2.997082, 3.913525, 0.453826, 2.550903, -1.816992,
    4.130176, 1.035835, 1.443737, 1.646188, -2.391028, -5.597163, -3.224408, 4.891569, 3.902052, -1.040764,
    -0.905029, 3.109818, -0.505230, -3.897780, 3.796629, 1.431536, -7.549019, -0.939570, 0.431011, 1.443740,
]
UNORDERING_Y = "030300200000320200102000002003302032000000000000030003000300"


@pytest.mark.parametrize("plan", ["memory", "aggregate"])
def test_a_step_that_would_unorder_the_thresholds_is_halved(postgresql, plan):
    """MADlib takes the step (a category of negative probability: its log-likelihood NaN,
    its iterations from there unpredictable); indb_ml halves it until the thresholds
    increase, then goes on: the maximum, on both plans alike."""
    from tests.ordinal_fisher_oracle import fisher_pass

    x = np.array(UNORDERING_X)[:, None]
    y = np.array([int(c) for c in UNORDERING_Y])
    start = np.array([-np.log(3), 0.0, np.log(3)])  # logit(1/4, 2/4, 3/4)
    _, score, info = fisher_pass(x, y, start, np.zeros(1), "logit")
    assert np.diff((np.concatenate([start, [0.0]]) + np.linalg.solve(info, score))[:3]).min() < 0
    postgresql.execute("CREATE TABLE u (y int, x float8)")
    with postgresql.cursor().copy("COPY u FROM STDIN") as copy:
        for xi, yi in zip(x[:, 0], y):
            copy.write_row([int(yi), float(xi)])
    postgresql.execute(f"SET indb_ml.training_plan = {plan}")
    postgresql.execute("SELECT indb_ml.ordinal('u', 'um', 'y', 'ARRAY[x]', '0<1<2<3', 'logit', NULL, "
                       "'tolerance=1e-13')")
    theta, beta, ll, iterations = postgresql.execute(
        "SELECT coef_threshold, coef_feature, log_likelihood, num_iterations FROM um").fetchone()
    assert np.all(np.diff(theta) > 0) and iterations < 100
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = OrderedModel(y, x, distr="logit").fit(method="newton", disp=0, maxiter=200, tol=1e-12)
    p = ref.params
    np.testing.assert_allclose(theta, np.cumsum(np.concatenate([[p[1]], np.exp(p[2:])])), rtol=1e-6)
    np.testing.assert_allclose(beta, p[:1], rtol=1e-6)
    assert ll == pytest.approx(ref.llf, rel=1e-12)


def test_summary_has_madlibs_columns(data):
    """MADlib's ordinal summary (glm/ordinal.py_in, ``__ordinal_compute``): its column names,
    order and types; its code names the model table's column ``out_table`` (its
    documentation's table says model_table)."""
    conn = data[0]
    conn.execute("SELECT indb_ml.ordinal('d', 'm', 'grade', 'ARRAY[x1, x2]', %s)", ["<".join(LEVELS)])
    cols = conn.execute("SELECT attname, format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = "
                        "'m_summary'::regclass AND attnum > 0 ORDER BY attnum").fetchall()
    names = ["method", "source_table", "out_table", "dependent_varname", "independent_varname", "category_list",
             "link_func", "grouping_col", "optimizer_params"]
    assert cols == [(c, "character varying") for c in names] + [
        ("num_all_groups", "integer"), ("num_failed_groups", "integer"), ("total_rows_processed", "bigint"),
        ("total_rows_skipped", "bigint")]
    assert conn.execute("SELECT method, out_table, category_list, link_func, grouping_col, optimizer_params, "
                        "num_all_groups, num_failed_groups, total_rows_processed, total_rows_skipped "
                        "FROM m_summary").fetchone() == (
        "ordinal", "public.m", ",".join(LEVELS), "logit", None, "optimizer=irls, max_iter=100, tolerance=1e-06",
        1, 0, 1500, 1)


def test_madlibs_first_step_leaves_its_path_to_rounding():
    """Why no setting reproduces MADlib's 7 iterations on its documented example
    (docs/madlib-migration.md, Iteration counts): its first Fisher step, computed at its
    start and added to zero (glm/Ordinal_impl.hpp), puts the two thresholds equal to 1e-12;
    MADlib's iteration replayed (tests/ordinal_fisher_oracle.py's pass, the inverse
    information as its ``hessian.inverse()``) from there with the second threshold moved by a
    few units in the last place takes 6, 7 or 8 iterations, or meets a singular information."""
    from scipy import special

    from tests.ordinal_fisher_oracle import fisher_pass
    from tests.test_multinom_categories import TEST3

    data = np.array(TEST3, float)
    x, y = data[:, :2], data[:, 2].astype(int)
    _, score, info = fisher_pass(x, y, special.logit([1 / 3, 2 / 3]), np.zeros(2), "logit")
    first = np.linalg.inv(info) @ score  # [θ, β], added to zero
    assert abs(first[1] - first[0]) < 1e-12 * abs(first[0])
    outcomes = set()
    for shift in (-1e-15, 0.0, 1e-15, 2e-15, 3e-15, 1e-14):
        par, previous, iterations = first.copy(), -62.620900454082, 1  # pass 1's log-likelihood
        par[1] = par[0] + shift
        try:
            with np.errstate(all="ignore"):
                while True:
                    iterations += 1
                    ll, score, info = fisher_pass(x, y, par[:2], par[2:], "logit")
                    par = par + np.linalg.inv(info) @ score
                    change = abs(previous - ll) / min(abs(previous), abs(ll))
                    if change < 1e-6 or iterations >= 100:  # NaN goes on, as MADlib's comparison
                        break
                    previous = ll
            outcomes.add(iterations)
        except np.linalg.LinAlgError:
            outcomes.add("singular")
    assert outcomes == {6, 7, 8, "singular"}
