"""elastic_net_train: 'igd' with ``madlib_grouping = t``, and MADlib's output loss divisor under
``SET indb_ml.madlib_statistics = on``.

The grouped replay below is written from MADlib's sources (apache/madlib,
src/ports/postgres/modules/elastic_net/elastic_net_optimizer_igd.py_in ``_elastic_net_igd_train_compute``
and ``_compute_igd``, elastic_net_utils.py_in, elastic_net_generate_result.py_in,
convex/utils_regularization.py_in, utilities/in_mem_group_control.py_in), row by row in scan order:

- ``col_n_tuples``, the step's ``totalRows``, is per group: ``count(*) WHERE y IS NOT NULL AND NOT
  array_contains_null(x) GROUP BY <grouping>`` (in_mem_group_control ``__enter__``);
- standardized: ``_normalize_data`` -> ``_compute_data_scales_grouping``: each group's rows scaled by
  the group's own ``utils_var_scales(x)`` and centred by its own ``avg(CASE WHEN NOT
  array_contains_null(x) THEN y END)`` (``utils_ind_var_scales_grouping``,
  ``__utils_dep_var_scale_grouping``); the step gets xmean 0, ymean 0 and the threshold
  ``sq`` ones (``_compute_means``, ``_compute_average_sq``);
- unstandardized: ``_compute_means`` with grouping calls ``_compute_data_scales`` on the whole
  table, so every group's step gets the *whole table's* x means and y mean, and ``igd_result``'s
  ``sq`` is the whole table's ``std^2 + mean^2`` (its spread ``sqrt(sq - xmean^2)``, the whole
  table's std);
- the groups iterate together and each leaves when its own test passes (``it.test`` moves it to
  ``finished_states``); ``iteration_run`` is the controller's count, the largest;
- the result: ``_restore_scale`` per group (its own x_mean, x_std, y_mean) when standardized;
  ``log_likelihood`` is ``_compute_log_likelihood`` on the whole ``tbl_used`` (no group filter):
  every row of the table, each as its own group's standardization left it, with the group's model
  (thresholded coefficients, the last pass's intercept); the mean over the complete rows, except an
  unstandardized gaussian fit: ``sum(...) / (count(*) * 2.)`` (JIRA MADLIB-1094), every row.

indb_ml's default divides that loss by the complete rows (a mean loss over the rows used);
``SET indb_ml.madlib_statistics = on`` gives MADlib's ``count(*)``. Tolerances: 1e-10 relative for
the replays (the same doubles in the same order up to the loss sums), 1e-12 for the numpy formulas.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.test_elastic_net_igd_counts import _complete, _load, _rows
from tests.test_enet_igd import _link, _sdot, madlib_output_ll, row_step


def _x_scales(rows):
    """``utils_var_scales(x)``: mean and population std over rows whose x has no NULL."""
    xs = np.array([x for _, x in rows if x is not None and None not in x], dtype=float)
    mean = xs.mean(axis=0)
    return mean, np.sqrt((xs * xs).mean(axis=0) - mean * mean)


def _y_mean(rows):
    return float(np.mean([y for y, x in rows if _complete(y, x)]))


def _passes(data, n, k, xm, ym, gaussian, alpha, lam, max_iter, tol, stepsize, step_decay):
    """One group's IGD passes (``_compute_igd``'s loop for that group): ``data`` the group's rows
    in scan order, prepared (None: skipped), ``n`` its ``col_n_tuples``. Returns (state, passes)."""
    p = 2 * math.log(k)
    prev, it, prev_ll = None, 0, None
    while True:
        st, taken = None, 0
        for row in data:
            if taken == 0:  # igd_transition's initialisation, redone until a row is taken
                st = (dict(prev, theta=list(prev["theta"]), coef=list(prev["coef"])) if prev is not None else
                      dict(step=stepsize * math.exp(step_decay), lam=lam, theta=[0.0] * k, coef=[0.0] * k,
                           b=ym if gaussian else 0.0, ll=0.0))
            st["step"] /= math.exp(step_decay)
            if row is not None:
                row_step(st, row[1], row[0], gaussian, alpha, lam, n, xm, ym, p)
                taken += 1
        if gaussian:  # igd_final
            st["b"] = ym - _sdot(st["coef"], xm)
        st["theta"] = _link(st["coef"], p / (p - 1))
        c = np.array(st["coef"])
        st["ll"] = -(st["ll"] / (taken * 2) + lam * ((1 - alpha) * (c @ c) / 2 + alpha * np.abs(c).sum()))
        it += 1
        diff = math.inf if prev_ll is None else abs(abs(prev_ll) - abs(st["ll"]))
        prev, prev_ll = st, st["ll"]
        if it > max_iter or diff < tol:
            return st, it


def madlib_grouped_igd(table, gaussian, alpha, lam, standardize, max_iter, tol, stepsize=0.01, step_decay=0.0,
                       threshold=1e-10):
    """MADlib's grouped IGD over ``table`` = [(g, y, x)] in scan order, NULLs as None.
    Returns ({g: (coef, intercept)}, iteration_run, {g: ll over the complete rows},
    {g: ll over count(*)}) — the last two differ only for unstandardized gaussian."""
    groups = sorted({g for g, _, _ in table})
    by = {g: [(y, x) for gg, y, x in table if gg == g] for g in groups}
    k = len(next(x for _, _, x in table if x is not None))
    w_mean, w_std = _x_scales([(y, x) for _, y, x in table])
    w_y = _y_mean([(y, x) for _, y, x in table]) if gaussian else 0.0
    scales = {g: (*_x_scales(by[g]), _y_mean(by[g]) if gaussian else 0.0) for g in groups}

    def prep(g, y, x):
        """The row as ``tbl_used`` holds it: (target, x) or None."""
        if not _complete(y, x):
            return None
        x = np.asarray(x, dtype=float)
        mean, std, ymean = scales[g]
        if standardize:  # utils_normalize_data: (x - mean) / std, x - mean where std is 0
            x = np.where(std == 0, x - mean, (x - mean) / np.where(std == 0, 1.0, std))
        t = (float(y) - (ymean if standardize else 0.0)) if gaussian else (1.0 if y else -1.0)
        return t, list(x)

    used = [(g, prep(g, y, x)) for g, y, x in table]
    xm, ym = ([0.0] * k, 0.0) if standardize else (list(w_mean), w_y)
    spread = np.ones(k) if standardize else np.sqrt((w_std ** 2 + w_mean ** 2) - w_mean * w_mean)
    fits, iters = {}, []
    for g in groups:
        n = sum(1 for y, x in by[g] if _complete(y, x))
        st, it = _passes([r for gg, r in used if gg == g], n, k, xm, ym, gaussian, alpha, lam, max_iter, tol,
                         stepsize, step_decay)
        iters.append(it)
        coef = np.array(st["coef"])  # igd_result
        norm = coef * spread
        avg = np.abs(norm).sum() / k
        fits[g] = (np.where((np.abs(norm / avg) < threshold) | (np.abs(norm) < tol), 0.0, coef), st["b"])
    taken = [r for _, r in used if r is not None]
    out, ll, ll_all = {}, {}, {}
    for g, (coef, b) in fits.items():
        ll[g] = madlib_output_ll([x for _, x in taken], [t for t, _ in taken], b, coef, gaussian, alpha, lam)
        pen = lam * ((1 - alpha) * (coef @ coef) / 2 + alpha * np.abs(coef).sum())
        ll_all[g] = -((-ll[g] - pen) * len(taken) / len(table) + pen) if gaussian and not standardize else ll[g]
        if standardize:  # _restore_scale with the group's own scales
            mean, std, ymean = scales[g]
            c = np.where(std != 0, coef / np.where(std == 0, 1.0, std), 0.0)
            out[g] = (c, (ymean if gaussian else b) - float(c @ mean))
        else:
            out[g] = (coef, b)
    return out, max(iters), ll, ll_all


def _train(conn, family, standardize, params, max_iter, tol, grouping="g", optimizer="igd", out="m"):
    conn.execute("DROP TABLE IF EXISTS " + out + ", " + out + "_summary")
    conn.execute("SELECT indb_ml.elastic_net_train('t', %s, 'y', 'x', %s, 0.5, 0.05, %s, %s, %s, %s, NULL, %s, %s)",
                 [out, family, standardize, grouping, optimizer, params, max_iter, tol])
    rows = conn.execute("SELECT " + ("g, " if grouping else "0, ") + "coef_all, intercept, iteration_run, "
                        "log_likelihood FROM " + out).fetchall()
    return {r[0]: r[1:] for r in rows}


NULLS = [(5, 9, 17), (19, 6, 8), (7, 11, 13)]  # per group: periods of NULL y, NULL x, a NULL element


@pytest.mark.parametrize("family, standardize", [("gaussian", True), ("gaussian", False), ("binomial", True),
                                                 ("binomial", False)])
def test_grouped_igd_as_madlib(postgresql, family, standardize):
    gaussian = family == "gaussian"
    table = _load(postgresql, _rows(11, 420, gaussian, NULLS), gaussian)
    want, want_it, ll, ll_all = madlib_grouped_igd(table, gaussian, 0.5, 0.05, standardize, 30, 1e-6)
    got = _train(postgresql, family, standardize, "madlib_grouping = t", 30, 1e-6)
    assert sorted(got) == [0, 1, 2]
    for g, (coef, b) in want.items():
        np.testing.assert_allclose(got[g][0], coef, rtol=1e-10, atol=1e-12)
        assert got[g][1] == pytest.approx(b, rel=1e-10, abs=1e-12)
        assert got[g][2] == want_it
        assert got[g][3] == pytest.approx(ll[g], rel=1e-10)
    default = _train(postgresql, family, standardize, None, 30, 1e-6, out="d")
    # teeth: each group's own rows score elsewhere; unstandardized gaussian, the whole table's means move
    # the fit (binomial's step has no xmean: only igd_result's threshold spread is the whole table's there)
    assert all(abs(default[g][3] - ll[g]) > 1e-4 * abs(ll[g]) for g in want)
    if gaussian and not standardize:
        assert max(np.max(np.abs(np.asarray(default[g][0]) - want[g][0])) for g in want) > 1e-6
    if gaussian and not standardize:  # MADlib's count(*): every row of the table, NULL rows too
        postgresql.execute("SET indb_ml.madlib_statistics = on")
        flagged = _train(postgresql, family, standardize, "madlib_grouping = t", 30, 1e-6, out="f")
        postgresql.execute("RESET indb_ml.madlib_statistics")
        for g in want:
            assert flagged[g][3] == pytest.approx(ll_all[g], rel=1e-10)
            assert abs(flagged[g][3] - ll[g]) > 1e-3 * abs(ll[g])
            np.testing.assert_array_equal(flagged[g][0], got[g][0])


def test_grouped_threshold_by_the_whole_tables_spread(postgresql):
    """Unstandardized binomial: the step has no xmean, so only igd_result's threshold sees the
    whole table: ``sqrt(sq - xmean^2)`` with both from the whole table. At threshold 0.5 group 0's
    first coefficient (|c| s / mean |c s|: 0.59 by the whole table's spread, 0.43 by its own) stays."""
    table = _load(postgresql, _rows(11, 420, False, NULLS), False)
    want, want_it, ll, _ = madlib_grouped_igd(table, False, 0.5, 0.05, False, 30, 1e-6, threshold=0.5)
    got = _train(postgresql, "binomial", False, "madlib_grouping = t, threshold = 0.5", 30, 1e-6)
    for g, (coef, b) in want.items():
        np.testing.assert_allclose(got[g][0], coef, rtol=1e-10, atol=1e-12)
        assert got[g][1] == pytest.approx(b, rel=1e-10, abs=1e-12)
        assert got[g][3] == pytest.approx(ll[g], rel=1e-10)
    own = _train(postgresql, "binomial", False, "threshold = 0.5", 30, 1e-6, out="d")
    assert got[0][0][0] != 0 and own[0][0][0] == 0


def test_grouped_igd_binomial_on_a_view(postgresql):
    """The whole table's scoring on the aggregate path (a view): the same numbers."""
    table = _load(postgresql, _rows(13, 300, False, NULLS[:2]), False)
    want, want_it, ll, _ = madlib_grouped_igd(table, False, 0.5, 0.05, True, 20, 1e-6)
    postgresql.execute("ALTER TABLE t RENAME TO t_base")
    postgresql.execute("CREATE VIEW t AS SELECT * FROM t_base")
    got = _train(postgresql, "binomial", True, "madlib_grouping = t", 20, 1e-6)
    for g, (coef, b) in want.items():
        np.testing.assert_allclose(got[g][0], coef, rtol=1e-10, atol=1e-12)
        assert got[g][1] == pytest.approx(b, rel=1e-10, abs=1e-12)
        assert got[g][3] == pytest.approx(ll[g], rel=1e-10)
        assert got[g][2] == want_it


def _complete_rows(table):
    rows = [(y, x) for _, y, x in table if _complete(y, x)]
    return np.array([x for _, x in rows], dtype=float), np.array([y for y, _ in rows], dtype=float)


@pytest.mark.parametrize("optimizer", ["fista", "igd"])
def test_madlib_statistics_loss_over_every_row(postgresql, optimizer):
    """Unstandardized gaussian, no grouping: the output loss at the reported model, numpy's
    ``Σ r² / 2`` over the complete rows, divided by the complete rows (default) or by count(*)
    (MADlib's, under the setting); the coefficients are the same either way."""
    table = _load(postgresql, _rows(17, 300, True, NULLS[:1]), True)
    X, y = _complete_rows(table)
    assert len(y) < len(table) - 30
    base = _train(postgresql, "gaussian", False, None, 40, 1e-8, grouping=None, optimizer=optimizer)[0]
    postgresql.execute("SET indb_ml.madlib_statistics = on")
    flagged = _train(postgresql, "gaussian", False, None, 40, 1e-8, grouping=None, optimizer=optimizer,
                     out="f")[0]
    postgresql.execute("RESET indb_ml.madlib_statistics")
    coef, b = np.asarray(base[0]), base[1]
    half_rss = 0.5 * np.sum((y - b - X @ coef) ** 2)
    pen = 0.05 * (0.5 * (coef @ coef) / 2 + 0.5 * np.abs(coef).sum())
    assert base[3] == pytest.approx(-(half_rss / len(y) + pen), rel=1e-12)
    assert flagged[3] == pytest.approx(-(half_rss / len(table) + pen), rel=1e-12)
    np.testing.assert_array_equal(flagged[0], base[0])
    assert flagged[1] == base[1] and flagged[2] == base[2]


@pytest.mark.parametrize("optimizer", ["fista", "igd"])
def test_madlib_statistics_by_group(postgresql, optimizer):
    """Grouped without madlib_grouping: each group's count(*) under the setting (fista with
    madlib_grouping: the whole table's count(*), its model scored on every complete row)."""
    table = _load(postgresql, _rows(19, 330, True, NULLS), True)
    postgresql.execute("SET indb_ml.madlib_statistics = on")
    got = _train(postgresql, "gaussian", False, None, 30, 1e-8, optimizer=optimizer)
    whole = _train(postgresql, "gaussian", False, "madlib_grouping = t", 30, 1e-8, optimizer="fista", out="w")
    postgresql.execute("RESET indb_ml.madlib_statistics")
    X, y = _complete_rows(table)
    for g, (coef, b, _, ll) in got.items():
        Xg, yg = _complete_rows([r for r in table if r[0] == g])
        coef = np.asarray(coef)
        pen = 0.05 * (0.5 * (coef @ coef) / 2 + 0.5 * np.abs(coef).sum())
        rows_g = sum(1 for r in table if r[0] == g)
        assert ll == pytest.approx(-(0.5 * np.sum((yg - b - Xg @ coef) ** 2) / rows_g + pen), rel=1e-12)
        wc, wb, wll = np.asarray(whole[g][0]), whole[g][1], whole[g][3]
        wpen = 0.05 * (0.5 * (wc @ wc) / 2 + 0.5 * np.abs(wc).sum())
        assert wll == pytest.approx(-(0.5 * np.sum((y - wb - X @ wc) ** 2) / len(table) + wpen), rel=1e-12)


@pytest.mark.parametrize("family, standardize", [("gaussian", True), ("binomial", False)])
def test_madlib_statistics_changes_nothing_else(postgresql, family, standardize):
    """MADlib divides by count(*) only for unstandardized gaussian; elsewhere its avg skips the
    NULL rows as indb_ml's mean does: the setting leaves the output as it is."""
    gaussian = family == "gaussian"
    _load(postgresql, _rows(23, 240, gaussian, NULLS[:1]), gaussian)
    for optimizer in ("fista", "igd"):
        base = _train(postgresql, family, standardize, None, 30, 1e-6, grouping=None, optimizer=optimizer)[0]
        postgresql.execute("SET indb_ml.madlib_statistics = on")
        flagged = _train(postgresql, family, standardize, None, 30, 1e-6, grouping=None, optimizer=optimizer,
                         out="f")[0]
        postgresql.execute("RESET indb_ml.madlib_statistics")
        assert flagged[3] == base[3]
