"""elastic_net_train 'igd' on tables with NULL rows: which rows MADlib counts where.

The replay below follows MADlib's sources, row by row in scan order, NULL rows included:

- the step divisor ``totalRows`` is ``col_n_tuples`` = ``count(*) WHERE y IS NOT NULL AND NOT
  array_contains_null(x)`` per group (utilities/in_mem_group_control.py_in, ``__enter__``; passed
  by elastic_net_optimizer_igd.py_in as ``({col_n_tuples})::integer``, the fix of MADLIB-1092);
- the transition (elastic_net/elastic_net_optimizer_igd.hpp, ``igd_transition``) skips a row whose
  x or y is NULL or whose x holds a NULL (``catch(const ArrayWithNullException&)`` /
  ``catch(const std::invalid_argument&)``) without counting it in ``numRows``, the divisor of
  ``igd_final``'s loss; the step decay ``stepsize / exp(step_decay)`` comes before that ``try``;
- the features' mean and standard deviation are ``utils_var_scales(x)`` over every row whose x has
  no NULL, NULL responses included (convex/utils_regularization.cpp: it skips only
  ``ArrayWithNullException``; utils_regularization.py_in ``utils_ind_var_scales[_grouping]``), the
  response mean ``avg(CASE WHEN NOT array_contains_null(x) THEN y END)`` (``__utils_dep_var_scale``).

Coefficients, intercept, iteration_run and log_likelihood must agree to 1e-10. The output's
log_likelihood is MADlib's ``_compute_log_likelihood`` (elastic_net_utils.py_in) at the final
coefficients: ``avg(...)`` over the rows whose loss is not NULL (the complete rows) when
standardized, and for binomial; unstandardized gaussian, MADlib takes ``sum(...) / (count(*) * 2.)``
(JIRA 1094), whose ``count(*)`` counts every row, NULL rows included: indb_ml divides by the complete
rows there too by default, as its fista does (asserted below), and ``SET indb_ml.madlib_statistics
= on`` gives MADlib's (tests/test_elastic_net_madlib_grouping_igd.py).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.test_enet_igd import _link, _sdot, madlib_output_ll, row_step


def _complete(y, x):
    return y is not None and x is not None and not any(v is None for v in x)


def madlib_igd_rows(rows, gaussian, alpha, lam, standardize, max_iter, tol, stepsize=0.01, step_decay=0.0,
                    threshold=1e-10):
    """MADlib's IGD for one group: ``rows`` are ``(y, x)`` in scan order, NULLs as None.
    Returns (coef, intercept, iterations, log_likelihood, the log_likelihood over count(*))."""
    xs = np.array([x for _, x in rows if x is not None and not any(v is None for v in x)], dtype=float)
    mean = xs.mean(axis=0)
    std = np.sqrt((xs * xs).mean(axis=0) - mean * mean)  # utils_var_scales_final
    n = sum(1 for y, x in rows if _complete(y, x))  # col_n_tuples
    ymean = float(np.mean([y for y, x in rows if _complete(y, x)])) if gaussian else 0.0
    k = len(mean)

    def prep(y, x):
        if not _complete(y, x):
            return None
        x = np.asarray(x, dtype=float)
        if standardize:
            x = np.where(std == 0, x - mean, (x - mean) / np.where(std == 0, 1.0, std))
        if gaussian:
            return (float(y) - ymean) if standardize else float(y), list(x)
        return (1.0 if y else -1.0), list(x)

    data = [prep(y, x) for y, x in rows]
    xm, ym = ([0.0] * k, 0.0) if standardize else (list(mean), ymean)
    p = 2 * math.log(k)
    q = p / (p - 1)
    prev, it, prev_ll = None, 0, None
    while True:
        st, num = None, 0
        for row in data:
            if num == 0:  # igd_transition's set-up, redone until a row is taken
                if prev is not None:
                    st = dict(prev, theta=list(prev["theta"]), coef=list(prev["coef"]))
                else:
                    st = dict(step=stepsize * math.exp(step_decay), lam=lam, theta=[0.0] * k, coef=[0.0] * k,
                              b=ym if gaussian else 0.0, ll=0.0)
                if st["lam"] != lam:
                    st["lam"], st["step"] = lam, stepsize * math.exp(step_decay)
            st["step"] = st["step"] / math.exp(step_decay)  # before the try: skipped rows decay it too
            if row is None:
                continue
            t, x = row
            row_step(st, x, t, gaussian, alpha, lam, n, xm, ym, p)  # totalRows = col_n_tuples
            num += 1
        if gaussian:  # igd_final: the loss averaged over numRows, the rows taken
            st["b"] = ym - _sdot(st["coef"], xm)
        st["theta"] = _link(st["coef"], q)
        c = st["coef"]
        st["ll"] = -(st["ll"] / (num * 2) + lam * ((1 - alpha) * sum(v * v for v in c) / 2
                                                   + alpha * sum(abs(v) for v in c)))
        it += 1
        diff = math.inf if prev_ll is None else abs(abs(prev_ll) - abs(st["ll"]))
        prev, prev_ll = st, st["ll"]
        if it > max_iter or diff < tol:
            break
    coef = np.array(prev["coef"])
    spread = np.ones(k) if standardize else np.sqrt((std ** 2 + mean ** 2) - mean * mean)  # x2 - xmean^2
    norm = coef * spread
    avg = np.abs(norm).sum() / k
    coef = np.where((np.abs(norm / avg) < threshold) | (np.abs(norm) < tol), 0.0, coef)
    taken = [row for row in data if row is not None]
    ll = madlib_output_ll([x for _, x in taken], [t for t, _ in taken], prev["b"], coef, gaussian, alpha, lam)
    penalty = lam * ((1 - alpha) * (coef @ coef) / 2 + alpha * np.abs(coef).sum())
    ll_all_rows = -((-ll - penalty) * n / len(rows) + penalty)  # the sum over count(*), every row
    if standardize:  # _restore_scale
        c = np.where(std != 0, coef / np.where(std == 0, 1.0, std), 0.0)
        return c, (ymean if gaussian else prev["b"]) - float(c @ mean), it, ll, ll_all_rows
    return coef, prev["b"], it, ll, ll_all_rows


def _rows(seed, n, gaussian, group_nulls):
    """Rows (g, y, x) with NULLs spread through the scan order: a NULL response with a complete x,
    a NULL x, an x holding a NULL; ``group_nulls`` gives, per group, the period of each kind."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        g = i % len(group_nulls)
        x = list(rng.normal(size=3) * [1.0, 2.0, 0.5] + [0.0, 1.0, -1.0] + g)
        eta = 0.3 + 1.2 * x[0] - 0.6 * x[1] + 0.2 * x[2]
        y = eta + rng.normal(scale=0.5) if gaussian else bool(rng.random() < 1 / (1 + math.exp(-eta)))
        ny, nx, nel = group_nulls[g]
        j = i // len(group_nulls)
        if j % ny == 3:
            y = None
        elif j % nx == 5:
            x = None
        elif j % nel == 2:
            x[1] = None
        out.append((g, y, x))
    return out


def _load(conn, rows, gaussian):
    conn.execute(f"CREATE TABLE src (id int, g int, y {'float8' if gaussian else 'boolean'}, x float8[])")
    with conn.cursor().copy("COPY src FROM STDIN") as copy:
        for i, (g, y, x) in enumerate(rows):
            copy.write_row((i, g, y, x))
    conn.execute("CREATE TABLE t AS SELECT * FROM src ORDER BY id")
    back = conn.execute("SELECT g, y, x FROM t ORDER BY ctid").fetchall()
    assert [r[0] for r in back] == [r[0] for r in rows]  # scan order is insertion order
    return back


def _train(conn, family, alpha, lam, standardize, grouping, params, max_iter, tol):
    conn.execute("SELECT indb_ml.elastic_net_train('t', 'm', 'y', 'x', %s, %s, %s, %s, %s, 'igd', %s, NULL, %s, %s)",
                 [family, alpha, lam, standardize, grouping, params, max_iter, tol])
    return conn.execute("SELECT " + ("g, " if grouping else "0, ") + "coef_all, intercept, iteration_run, "
                        "log_likelihood FROM m").fetchall()


CASES = [  # family, alpha, lambda, standardize, max_iter, tolerance
    ("gaussian", 0.5, 0.1, True, 40, 1e-6),
    ("gaussian", 0.8, 0.05, False, 25, 1e-8),
    ("binomial", 0.5, 0.02, True, 30, 1e-6),
    ("binomial", 0.3, 0.01, False, 20, 1e-7),
]


@pytest.mark.parametrize("family, alpha, lam, standardize, max_iter, tol", CASES)
def test_null_rows_counted_as_madlib(postgresql, family, alpha, lam, standardize, max_iter, tol):
    gaussian = family == "gaussian"
    back = _load(postgresql, _rows(3, 260, gaussian, [(7, 11, 13)]), gaussian)
    rows = [(y, x) for _, y, x in back]
    assert sum(1 for y, x in rows if y is None and x is not None and None not in x) > 20  # they move the scales
    coef, b, it, ll, ll_all_rows = madlib_igd_rows(rows, gaussian, alpha, lam, standardize, max_iter, tol)
    ((_, got_coef, got_b, got_it, got_ll),) = _train(postgresql, family, alpha, lam, standardize, None, None,
                                                     max_iter, tol)
    assert got_it == it
    np.testing.assert_allclose(got_coef, coef, rtol=1e-10, atol=1e-12)
    assert got_b == pytest.approx(b, rel=1e-10, abs=1e-12)
    assert got_ll == pytest.approx(ll, rel=1e-10)
    if gaussian and not standardize:  # MADlib's count(*) there: the known difference
        assert abs(got_ll - ll_all_rows) > 1e-3 * abs(ll_all_rows)


@pytest.mark.parametrize("family", ["gaussian", "binomial"])
def test_null_rows_counted_per_group(postgresql, family):
    """Groups with different NULL patterns: each group's divisor is its own complete rows, its
    scales its own complete-x rows (standardized; MADlib's grouped standardization is per group)."""
    gaussian = family == "gaussian"
    back = _load(postgresql, _rows(5, 360, gaussian, [(5, 9, 17), (19, 6, 8)]), gaussian)
    got = {r[0]: r[1:] for r in _train(postgresql, family, 0.5, 0.05, True, "g", None, 30, 1e-6)}
    assert sorted(got) == [0, 1]
    iters = []
    for g in (0, 1):
        coef, b, it, ll, _ = madlib_igd_rows([(y, x) for gg, y, x in back if gg == g], gaussian, 0.5, 0.05, True,
                                             30, 1e-6)
        iters.append(it)
        np.testing.assert_allclose(got[g][0], coef, rtol=1e-10, atol=1e-12)
        assert got[g][1] == pytest.approx(b, rel=1e-10, abs=1e-12)
        assert got[g][3] == pytest.approx(ll, rel=1e-10)  # the group's own rows (MADlib's scores the whole table)
    assert {v[2] for v in got.values()} == {max(iters)}  # MADlib's one iteration count for every group


def test_counting_rows_with_nulls_would_differ(postgresql):
    """The check has teeth: the replay with every row's count as divisor, or with the scales of the
    complete rows only, lands elsewhere than indb_ml does."""
    back = _load(postgresql, _rows(3, 260, True, [(7, 11, 13)]), True)
    rows = [(y, x) for _, y, x in back]
    ((_, got_coef, _, _, _),) = _train(postgresql, "gaussian", 0.5, 0.1, True, None, None, 40, 1e-6)
    complete_only = [(y, x) for y, x in rows if _complete(y, x)]
    other = madlib_igd_rows(complete_only, True, 0.5, 0.1, True, 40, 1e-6)[0]
    assert np.max(np.abs(np.asarray(got_coef) - other)) > 1e-6


def test_step_decay_on_skipped_rows(postgresql):
    """MADlib decays the step on skipped rows too: igd_transition divides the step size by
    exp(step_decay) before it reads the row, and a NULL is caught after that."""
    back = _load(postgresql, _rows(3, 260, True, [(7, 11, 13)]), True)
    rows = [(y, x) for _, y, x in back]
    coef = madlib_igd_rows(rows, True, 0.5, 0.1, True, 10, 1e-6, stepsize=0.5, step_decay=0.01)[0]
    ((_, got_coef, _, _, _),) = _train(postgresql, "gaussian", 0.5, 0.1, True, None,
                                       "stepsize = 0.5, step_decay = 0.01", 10, 1e-6)
    np.testing.assert_allclose(got_coef, coef, rtol=1e-10, atol=1e-12)
