"""elastic_net_train 'fista', standardized, on tables with NULL rows: which rows the scales count.

MADlib standardizes by ``_compute_data_scales`` (elastic_net_utils.py_in): the features' means and
population standard deviations are ``utils_var_scales(x)`` (convex/utils_regularization.py_in
``__utils_ind_var_scales[_grouping]`` -> utils_regularization.cpp, which skips only an x holding a
NULL, ``sqrt(E[x²] - mean²)``), so a row whose response is NULL but whose x is complete counts there;
the response mean is ``avg(CASE WHEN NOT array_contains_null(x) THEN y END)``, the complete rows.
FISTA's passes (the step's ``col_n_tuples``, its loss) skip every row with a NULL.

The oracle is the row-by-row replay of MADlib's FISTA in tests/test_elastic_net_fista.py
(``_fista_group``) on the complete rows standardized by those scales, computed here in numpy;
1e-8 relative (the same passes, sums in another order). Teeth: the same table without its
NULL-response rows (the complete rows unchanged) gives other models.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.test_elastic_net_fista import _fista_group

ALPHA, LAM, MAX_ITER, TOL, STEP = 0.5, 0.05, 300, 1e-9, 0.5


@pytest.fixture
def nulls(postgresql):
    """Three groups of complete rows, and per group rows with a NULL response but a complete x
    (drawn elsewhere, so they move the scales), rows with a NULL element in x, a NULL x."""
    rng = np.random.default_rng(53)
    rows = []
    for h, size in enumerate((90, 150, 210)):
        x = rng.normal(size=(size, 3)) * [1, 0.5, 0.3] + 0.2 * h
        y = 1 + h + x @ [0.8, -0.4, 0.3] + rng.normal(size=size)
        b = rng.random(size) < 1 / (1 + np.exp(-(x - 0.2 * h) @ [0.9, -0.3, 0.2]))
        rows += [(h, float(y[i]), bool(b[i]), list(map(float, x[i]))) for i in range(size)]
        far = rng.normal(size=(10 + 5 * h, 3)) * [3, 1, 2] + [2, -1, 1]
        rows += [(h, None, None, list(map(float, v))) for v in far]
        rows += [(h, 5.0, True, [1.0, None, 2.0]), (h, -1.0, False, None), (h, None, None, [None, 0.0, 0.0])]
    order = rng.permutation(len(rows))
    postgresql.execute("CREATE TABLE n (g int, y float8, b boolean, x float8[])")
    with postgresql.cursor().copy("COPY n FROM STDIN") as copy:
        for i in order:
            copy.write_row(rows[i])
    postgresql.execute("CREATE VIEW nv AS SELECT * FROM n")
    postgresql.execute("CREATE TABLE c AS SELECT * FROM n WHERE y IS NOT NULL")  # no NULL-response row
    postgresql.execute("CREATE VIEW cv AS SELECT * FROM c")
    return postgresql, [rows[i] for i in order]


def madlib_fista(rows, gaussian, grouped):
    """``({group: (coef, intercept, log_likelihood)}, iteration_run)``: MADlib's standardized FISTA
    per group (or on all rows) with MADlib's scales."""
    out, passes = {}, []
    for h in sorted({r[0] for r in rows}) if grouped else [None]:
        mine = [r for r in rows if grouped is False or r[0] == h]
        xs = np.array([r[3] for r in mine if r[3] is not None and None not in r[3]])
        mean = xs.mean(axis=0)
        std = np.sqrt((xs * xs).mean(axis=0) - mean * mean)  # utils_var_scales_final
        full = [r for r in mine if r[1] is not None and r[3] is not None and None not in r[3]]
        x = (np.array([r[3] for r in full]) - mean) / std
        y = np.array([r[1] if gaussian else r[2] for r in full], dtype=float)
        ym = y.mean() if gaussian else 0.0
        t = y - ym if gaussian else np.where(y > 0, 1.0, -1.0)
        b, c, it = _fista_group(x, t, gaussian, ALPHA, LAM, MAX_ITER, TOL, STEP)
        passes.append(it)
        r = b + x @ c
        loss = np.mean((t - r) ** 2 / 2 if gaussian else np.logaddexp(0, -t * r))
        ll = -(loss + LAM * ((1 - ALPHA) * c @ c / 2 + ALPHA * np.abs(c).sum()))
        out[h] = (c / std, (ym if gaussian else b) - float((c / std) @ mean), ll)
    return out, max(passes)


def fit(conn, source, table, family, grouped, params=""):
    dep = "y" if family == "gaussian" else "b"
    conn.execute("SELECT indb_ml.elastic_net_train(%s, %s, %s, 'x', %s, %s, %s, true, %s, 'fista', %s, NULL, "
                 "%s, %s)", [source, table, dep, family, ALPHA, LAM, "g" if grouped else None,
                             "max_stepsize = " + str(STEP) + params, MAX_ITER, TOL])
    cols = "g, " if grouped else "NULL::int, "
    return {r[0]: r[1:] for r in conn.execute(
        f"SELECT {cols}coef_all, intercept, log_likelihood, iteration_run FROM {table}").fetchall()}


@pytest.mark.parametrize("grouped", [False, True])
@pytest.mark.parametrize("family", ["gaussian", "binomial"])
def test_scales_count_null_response_rows(nulls, family, grouped):
    """Against the replay with MADlib's scales; binomial on both plans (rows packed in memory, a
    view's aggregate statements); the copy without the NULL-response rows differs."""
    conn, rows = nulls
    want, want_it = madlib_fista(rows, family == "gaussian", grouped)
    runs = [fit(conn, "n", "m", family, grouped)]
    if family == "binomial":
        runs.append(fit(conn, "nv", "v", family, grouped))
    for got in runs:
        assert sorted(got, key=str) == sorted(want, key=str)
        for h, (coef, intercept, ll) in want.items():
            np.testing.assert_allclose(got[h][0], coef, rtol=1e-8, atol=1e-10)
            assert got[h][1] == pytest.approx(intercept, rel=1e-8, abs=1e-10)
            assert got[h][2] == pytest.approx(ll, rel=1e-8)
            assert got[h][3] == want_it
    without = fit(conn, "c", "w", family, grouped)
    complete_only, _ = madlib_fista([r for r in rows if r[1] is not None], family == "gaussian", grouped)
    for h, (coef, _, _) in want.items():
        assert np.max(np.abs(np.subtract(without[h][0], coef))) > 1e-3 * np.abs(coef).max()
        np.testing.assert_allclose(without[h][0], complete_only[h][0], rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("family", ["gaussian", "binomial"])
def test_madlib_grouping_1x_whole_table_scales(nulls, family):
    """1x standardizes every group by the whole table's scales, counted the same way: the plans
    agree, and the copy without the NULL-response rows gives other models."""
    conn = nulls[0]
    got = fit(conn, "n", "m", family, True, ", madlib_grouping = 1x")
    without = fit(conn, "c", "w", family, True, ", madlib_grouping = 1x")
    if family == "binomial":
        view = fit(conn, "nv", "v", family, True, ", madlib_grouping = 1x")
        view_without = fit(conn, "cv", "vw", family, True, ", madlib_grouping = 1x")
        for h in got:
            np.testing.assert_allclose(view[h][0], got[h][0], rtol=1e-8, atol=1e-10)
            np.testing.assert_allclose(view_without[h][0], without[h][0], rtol=1e-8, atol=1e-10)
    for h in got:
        assert np.max(np.abs(np.subtract(without[h][0], got[h][0]))) > 1e-3 * np.abs(got[h][0]).max()
