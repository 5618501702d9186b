"""Progress of long calls (issue 17): INFO lines with ``SET indb_ml.show_progress = on``, the view
``indb_ml.progress`` seen from another session (and only with the privileges of the caller's
role), empty again after a call ends or is cancelled; the client's progress bar."""

from __future__ import annotations

import io
import json
import re
import threading
import time

import numpy as np
import psycopg
import pytest
from psycopg.conninfo import make_conninfo

import indb_ml
from indb_ml.client import progress as client_progress
from indb_ml.core import progress
from tests.helpers import load_table

LINE = re.compile(r"^indb_ml progress: (\w+) (\w+) iteration (\d+)(?: of (\d+))?.*?(?: loss (\S+))?$")


def _dsn(conn, **kw):
    return make_conninfo(conn.info.dsn, **{"password": conn.info.password, **kw})


def _ring(conn, n=20):
    conn.execute("CREATE TABLE g (id int, src int, dst int)")
    conn.execute("INSERT INTO g SELECT i, i, (i + 1) %% %s FROM generate_series(0, %s - 1) i", [n, n])
    conn.commit()


def _logit_rows(conn, n=3000, seed=2):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    x2 = rng.normal(size=n)
    y = (0.8 * x - 0.5 * x2 + rng.logistic(size=n) > 0).astype(float)
    load_table(conn, "d", {"x": x, "x2": x2, "y": y})
    conn.commit()
    return np.column_stack([np.ones(n), x, x2]), y


def _running(dsn, call, box, before=()):
    with psycopg.connect(dsn, autocommit=True) as c:
        box["pid"] = c.info.backend_pid
        for s in before:
            c.execute(s)
        box["started"] = True
        try:
            c.execute(call)
            box["err"] = None
        except psycopg.Error as e:
            box["err"] = e


def _wait_for(conn, pid, function, seconds=30.0):
    """Until the view shows ``function`` running in ``pid`` (a loaded machine may take a while)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if conn.execute("SELECT 1 FROM indb_ml.progress WHERE pid = %s AND function = %s AND iteration > 0",
                        [pid, function]).fetchone():
            return
        time.sleep(0.05)
    raise AssertionError(f"{function} did not show in indb_ml.progress")


def _poll(conn, pid, seconds=3.0):
    """The view's rows for ``pid`` over ``seconds`` (autocommit: each query a fresh snapshot)."""
    seen, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        seen += conn.execute("SELECT function, phase, iteration, max_iter, usename, elapsed"
                             " FROM indb_ml.progress WHERE pid = %s", [pid]).fetchall()
        time.sleep(0.05)
    return seen


def test_codes_match_the_view(postgresql):
    """Every function and phase code of indb_ml/core/progress.py has its name in the view."""
    postgresql.autocommit = True
    for name, code in progress.FUNCTIONS.items():
        for phase, pcode in progress.PHASES.items():
            postgresql.execute("SELECT indb_ml._progress_report(%s, %s, 3, 10, NULL, NULL, 1.5)", [code, pcode])
            row = postgresql.execute("SELECT function, phase, iteration, max_iter, rows_done, loss"
                                     " FROM indb_ml.progress WHERE pid = pg_backend_pid()").fetchone()
            assert row == (name, phase, 3, 10, None, 1.5)
    postgresql.execute("SELECT indb_ml._progress_end()")
    assert postgresql.execute("SELECT count(*) FROM indb_ml.progress").fetchone()[0] == 0


def test_report_rejects_bad_function_code(postgresql):
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="function code"):
        postgresql.execute("SELECT indb_ml._progress_report(-1, 1, 0, 0, 0, 0, 0)")


def test_verbose_info_lines_logregr(postgresql):
    X, y = _logit_rows(postgresql)
    notices = []
    postgresql.add_notice_handler(lambda d: notices.append((d.severity_nonlocalized, d.message_primary)))
    postgresql.execute("SET indb_ml.show_progress = on")
    postgresql.execute("SELECT indb_ml.logregr_train('d', 'out', 'y', 'ARRAY[1, x, x2]', NULL, 20, 'irls', 1e-10)")
    lines = [m for sev, msg in notices if sev == "INFO" and (m := LINE.match(msg))]
    assert len(lines) >= 3, notices
    assert {m[1] for m in lines} == {"logregr"} and all(m[4] == "20" for m in lines)
    its = [int(m[3]) for m in lines]
    assert its == sorted(its) and its[0] == 1
    ll, iters = postgresql.execute("SELECT log_likelihood, num_iterations FROM out").fetchone()
    assert its[-1] == iters
    assert float(lines[-1][5]) == pytest.approx(ll, rel=1e-11)
    # oracle: the log-likelihood at the MLE, by Newton's method in numpy
    w = np.zeros(3)
    for _ in range(30):
        p = 1 / (1 + np.exp(-X @ w))
        w += np.linalg.solve(X.T @ (X * (p * (1 - p))[:, None]), X.T @ (y - p))
    eta = X @ w
    assert ll == pytest.approx(float(np.sum(y * eta - np.logaddexp(0, eta))), rel=1e-9)
    # the logged-in view is empty once the call returned
    assert postgresql.execute("SELECT count(*) FROM indb_ml.progress").fetchone()[0] == 0
    notices.clear()
    postgresql.execute("SET indb_ml.show_progress = off")
    postgresql.execute("SELECT indb_ml.logregr_train('d', 'out2', 'y', 'ARRAY[1, x, x2]')")
    assert not [n for n in notices if n[1].startswith(progress.PREFIX)]


def test_view_shows_running_pagerank_then_nothing_after_cancel(postgresql):
    _ring(postgresql)
    postgresql.autocommit = True
    box = {}
    call = "SELECT indb_ml.pagerank('g','id','g','src=src, dest=dst','out', 0.85, 2000000000, 0)"
    t = threading.Thread(target=_running, args=(_dsn(postgresql), call, box,
                                                ["SET indb_ml.graph_plan = 'relational'"]))
    t.start()
    while "started" not in box:
        time.sleep(0.02)
    seen = _poll(postgresql, box["pid"])
    assert t.is_alive()
    assert seen and {r[0] for r in seen} == {"pagerank"} and {r[1] for r in seen} == {"iterate"}
    assert {r[3] for r in seen} == {2000000000} and {r[4] for r in seen} == {postgresql.info.user}
    its = [r[2] for r in seen]
    assert its == sorted(its) and its[-1] > its[0] >= 0
    assert seen[-1][5].total_seconds() > 0
    assert postgresql.execute("SELECT pg_cancel_backend(%s)", [box["pid"]]).fetchone()[0]
    t.join(5)
    assert not t.is_alive() and box["err"].sqlstate == "57014"
    assert postgresql.execute("SELECT count(*) FROM indb_ml.progress").fetchone()[0] == 0
    # core's progress views do not show the private command
    assert postgresql.execute("SELECT count(*) FROM pg_stat_progress_analyze WHERE pid = %s",
                              [box["pid"]]).fetchone()[0] == 0


def test_view_empty_after_a_call_finishes(postgresql):
    _ring(postgresql)
    postgresql.autocommit = True
    box = {}
    call = "SELECT indb_ml.pagerank('g','id','g','src=src, dest=dst','out', 0.85, 200, 0)"
    with psycopg.connect(_dsn(postgresql), autocommit=True) as c:
        c.execute("SET indb_ml.graph_plan = 'relational'")
        _ = box
        c.execute(call)
        assert c.execute("SELECT count(*) FROM indb_ml.progress").fetchone()[0] == 0
        assert postgresql.execute("SELECT count(*) FROM indb_ml.progress WHERE pid = %s",
                                  [c.info.backend_pid]).fetchone()[0] == 0
        assert c.execute("SELECT __iterations__ FROM out_summary").fetchone()[0] == 200


def test_ordinary_role_sees_no_values_of_another_role(postgresql):
    _ring(postgresql)
    postgresql.autocommit = True
    postgresql.execute("CREATE ROLE progress_watcher LOGIN PASSWORD 'w'")
    try:
        box = {}
        call = "SELECT indb_ml.pagerank('g','id','g','src=src, dest=dst','out', 0.85, 2000000000, 0)"
        t = threading.Thread(target=_running, args=(_dsn(postgresql), call, box,
                                                    ["SET indb_ml.graph_plan = 'relational'"]))
        t.start()
        while "started" not in box:
            time.sleep(0.02)
        _wait_for(postgresql, box["pid"], "pagerank")
        with psycopg.connect(_dsn(postgresql, user="progress_watcher", password="w"), autocommit=True) as w:
            rows = w.execute("SELECT function, iteration, loss, started FROM indb_ml.progress"
                             " WHERE pid = %s", [box["pid"]]).fetchall()
            assert rows == [(None, None, None, None)]
        # the caller's own role (a superuser here) sees the values
        assert postgresql.execute("SELECT function FROM indb_ml.progress WHERE pid = %s",
                                  [box["pid"]]).fetchone() == ("pagerank",)
        postgresql.execute("SELECT pg_cancel_backend(%s)", [box["pid"]])
        t.join(5)
        assert box["err"].sqlstate == "57014"
    finally:
        postgresql.execute("DROP ROLE progress_watcher")


def test_client_prefix_matches_the_server():
    assert client_progress.PREFIX == progress.PREFIX
    line = progress.PREFIX + "logregr group a b iterate iteration 4 of 20 (16 left) loss -12.5"
    assert client_progress.parse(line) == ("logregr", "iterate", 4, 20, -12.5)
    # a label that has words of its own (cross_validate's lockstep passes), and no max_iter
    line = progress.PREFIX + "cross_validation 3 of 5 folds pass iteration 4 loss 0.5"
    assert client_progress.parse(line) == ("cross_validation", "pass", 4, None, 0.5)


def test_client_progress_bar_on_a_long_call_only(dsn, postgresql):
    _ring(postgresql)
    with indb_ml.connect(dsn) as db:
        db.execute("SET indb_ml.graph_plan = 'relational'")
        db.progress_file = io.StringIO()
        t0 = time.monotonic()
        r = db.pagerank("g", "id", "g", src="src", dest="dst", max_iter=1200, threshold=0)
        took = time.monotonic() - t0
        assert took > 1.5, "the call must outlast the bar's one-second delay"
        drawn = db.progress_file.getvalue()
        assert "pagerank iterate" in drawn and "1200/1200" in drawn, drawn
        assert r.summary["__iterations__"] == 1200
        # a short call draws nothing
        db.progress_file = io.StringIO()
        db.pagerank("g", "id", "g", src="src", dest="dst", max_iter=5, threshold=0)
        assert db.progress_file.getvalue() == ""
        # switched off for the session
        db.progress_bar = False
        db.progress_file = io.StringIO()
        db.pagerank("g", "id", "g", src="src", dest="dst", max_iter=1200, threshold=0)
        assert db.progress_file.getvalue() == ""


@pytest.mark.filterwarnings("ignore:logregr_train. max_iter")
def test_client_progress_false_per_call(dsn, postgresql, monkeypatch):
    postgresql.execute("CREATE TABLE d AS SELECT x, x2, (x + random() - 0.5 > 0) AS y FROM"
                       " (SELECT random() - 0.5 AS x, random() AS x2 FROM generate_series(1, 2500000)) s")
    postgresql.commit()
    with indb_ml.connect(dsn) as db:
        db.progress_file = io.StringIO()
        t0 = time.monotonic()
        fit = db.logregr_train("d", "y", [1, "x", "x2"], max_iter=20, tolerance=0, progress=False)
        assert db.progress_file.getvalue() == ""
        took = time.monotonic() - t0
        db.progress_file = io.StringIO()
        # the default draws; without the delay, so a second call sped up by the cache still shows it
        monkeypatch.setattr("indb_ml.client.progress.DELAY", 0.0)
        fit2 = db.logregr_train("d", "y", [1, "x", "x2"], max_iter=20, tolerance=0)
        drawn = db.progress_file.getvalue()
        assert took > 1.5, "the call must outlast the bar's one-second delay"
        assert "logregr iterate" in drawn and "loss" in drawn, drawn
        assert np.allclose(fit.coef, fit2.coef)


def test_cross_validation_reports_folds_and_the_inner_trainer(postgresql):
    _logit_rows(postgresql, n=300)
    postgresql.execute("ALTER TABLE d ADD COLUMN b boolean")
    postgresql.execute("UPDATE d SET b = y > 0")
    postgresql.commit()
    notices = []
    postgresql.add_notice_handler(lambda d: notices.append(d.message_primary))
    postgresql.execute("SELECT set_config('indb_ml.show_progress', 'on', false)")
    postgresql.execute(
        "SELECT indb_ml.cross_validation_general('indb_ml.logregr_train', "
        "'{%data%, %model%, b, \"ARRAY[1, x, x2]\", NULL, max_iter}', "
        "'{text, text, text, text, text, integer}', 'max_iter', '{20}', "
        "'indb_ml.cv_logregr_predict', '{%model%, %data%, \"ARRAY[1, x, x2]\", %id%, %prediction%}',"
        " '{text, text, text, text, text}', 'indb_ml.misclassification_avg',"
        " '{%prediction%, %data%, %id%, b, %error%}', '{text, text, text, text, text}', 'd', NULL,"
        " NULL, 'out', '{b, x, x2}', 3)")
    folds = [m for m in notices if m.startswith(progress.PREFIX + "cross_validation fold")]
    assert [client_progress.parse(m)[2:4] for m in folds] == [(1, 3), (2, 3), (3, 3)]
    assert any(m.startswith(progress.PREFIX + "logregr iterate iteration 1 of 20") for m in notices)
    postgresql.commit()
    assert postgresql.execute("SELECT count(*) FROM indb_ml.progress").fetchone()[0] == 0


# --- the trainers wired through the kernels' reports (interrupts.report) -------------------------

def _progress_lines(conn, call, params=(), setup=()):
    """``[(function, label, phase, iteration, max_iter, loss)]`` of the INFO lines of ``call``."""
    notices = []
    conn.add_notice_handler(lambda d: notices.append((d.severity_nonlocalized, d.message_primary)))
    conn.execute("SET indb_ml.show_progress = on")
    for s in setup:
        conn.execute(s)
    conn.execute(call, params)
    conn.execute("SET indb_ml.show_progress = off")
    out = []
    for sev, msg in notices:
        m = FULL_LINE.match(msg)
        if sev == "INFO" and m:
            out.append((m[1], m[2] or "", m[3], int(m[4]), None if m[5] is None else int(m[5]),
                        None if m[6] is None else float(m[6])))
    assert conn.execute("SELECT count(*) FROM indb_ml.progress WHERE pid = pg_backend_pid()").fetchone()[0] == 0
    return out


FULL_LINE = re.compile(r"^indb_ml progress: (\w+)(?: (.*?))? (" + "|".join(progress.PHASES) + r") iteration (\d+)"
                       r"(?: of (\d+) \(\d+ left\))?(?: rows \d+ of \d+)?(?: loss (\S+))?$")


def _categories(conn, n=3000, seed=4, name="m"):
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    eta = np.column_stack([np.zeros(n), 0.5 + 0.9 * x1, -0.3 + 0.7 * x2 - 0.5 * x1])
    p = np.exp(eta) / np.exp(eta).sum(axis=1, keepdims=True)
    y = np.array([rng.choice(3, p=pi) for pi in p]).astype(float)
    load_table(conn, name, {"y": y, "x1": x1, "x2": x2, "c": (np.arange(n) % 7).astype(float)})
    conn.commit()
    return np.column_stack([np.ones(n), x1, x2]), y.astype(int)


def _mnlogit_ll(X, y):
    """Oracle: the multinomial log-likelihood at its maximum, by statsmodels."""
    import statsmodels.api as sm

    return float(sm.MNLogit(y, X).fit(method="newton", disp=0, tol=1e-12, maxiter=100).llf)


def _newton_lines(lines, function, iterations, ll, max_iter):
    """One line per Newton step, numbered 1..iterations, the log-likelihood rising to ``ll``."""
    assert [r[0] for r in lines] == [function] * iterations, lines
    assert [r[3] for r in lines] == list(range(1, iterations + 1))
    assert {r[4] for r in lines} == {max_iter} and {r[2] for r in lines} == {"iterate"}
    lls = [r[5] for r in lines]
    assert all(b >= a - 1e-9 * abs(a) for a, b in zip(lls, lls[1:])), lls
    assert lls[-1] == pytest.approx(ll, rel=1e-11)


@pytest.mark.parametrize("plan", ["memory", "aggregate"])
def test_multinom_and_mlogregr_report_each_newton_step(postgresql, plan):
    X, y = _categories(postgresql)
    oracle = _mnlogit_ll(X, y)
    setup = [f"SET indb_ml.training_plan = {plan}"]
    lines = _progress_lines(postgresql, "SELECT indb_ml.multinom('m', 'out', 'y', 'ARRAY[1, x1, x2]', 0, 'logit',"
                            " NULL, 'max_iter=50, tolerance=1e-12')", setup=setup)
    ll, iters = postgresql.execute("SELECT log_likelihood, num_iterations FROM out LIMIT 1").fetchone()
    assert ll == pytest.approx(oracle, rel=1e-9)
    _newton_lines(lines, "multinom", iters, ll, 50)
    lines = _progress_lines(postgresql, "SELECT indb_ml.mlogregr_train('m', 'out2', 'y', 'ARRAY[1, x1, x2]', 0,"
                            " 'max_iter=30, tolerance=1e-12')", setup=setup)
    ll, iters = postgresql.execute("SELECT log_likelihood, num_iterations FROM out2 LIMIT 1").fetchone()
    assert ll == pytest.approx(oracle, rel=1e-9)
    _newton_lines(lines, "mlogregr", iters, ll, 30)


def test_multinom_grouped_reports_per_group(postgresql):
    _categories(postgresql)
    lines = _progress_lines(postgresql, "SELECT indb_ml.multinom('m', 'out', 'y', 'ARRAY[1, x1, x2]', 0, 'logit',"
                            " 'c', 'max_iter=50, tolerance=1e-10')")
    got = postgresql.execute("SELECT c::text, max(num_iterations), max(log_likelihood) FROM out GROUP BY c").fetchall()
    assert len(got) == 7
    assert len({r[1] for r in lines}) == 7, lines[:3]
    for c, iters, ll in got:
        mine = [r for r in lines if r[1] == "group " + json.dumps({"c": int(float(c))})]  # the key as JSON
        _newton_lines(mine, "multinom", iters, ll, 50)
    assert len(lines) == sum(r[1] for r in got)


@pytest.mark.parametrize("plan", ["memory", "aggregate"])
def test_robust_and_clustered_mlogregr_report_their_fit(postgresql, plan):
    X, y = _categories(postgresql)
    setup = [f"SET indb_ml.training_plan = {plan}"]
    robust = _progress_lines(postgresql, "SELECT indb_ml.robust_variance_mlogregr('m', 'r', 'y', 'ARRAY[1, x1, x2]',"
                             " 0, NULL, 'max_iter=40, tolerance=1e-12')", setup=setup)
    clustered = _progress_lines(postgresql, "SELECT indb_ml.clustered_variance_mlogregr('m', 'cl', 'y', "
                                "'ARRAY[1, x1, x2]', 'c', 0, 'max_iter=40, tolerance=1e-12')", setup=setup)
    # the same fit as mlogregr_train's (its iterations and log-likelihood, from the statsmodels oracle)
    postgresql.execute("SELECT indb_ml.mlogregr_train('m', 'ref', 'y', 'ARRAY[1, x1, x2]', 0,"
                       " 'max_iter=40, tolerance=1e-12')")
    iters = postgresql.execute("SELECT num_iterations FROM ref LIMIT 1").fetchone()[0]
    oracle = _mnlogit_ll(X, y)
    for lines in (robust, clustered):
        _newton_lines(lines, "mlogregr", iters, oracle, 40)


def _grades(conn, n=2000, seed=5):
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    z = 0.8 * x1 - 0.6 * x2 + rng.logistic(size=n)
    grade = np.digitize(z, [-1.0, 0.2, 1.1]).astype(float)
    load_table(conn, "o", {"grade": grade, "x1": x1, "x2": x2})
    conn.commit()
    return np.column_stack([x1, x2]), grade.astype(int)


@pytest.mark.parametrize("plan", ["memory", "aggregate"])
def test_ordinal_reports_each_newton_step(postgresql, plan):
    X, y = _grades(postgresql)
    lines = _progress_lines(postgresql, "SELECT indb_ml.ordinal('o', 'om', 'grade', 'ARRAY[x1, x2]', '0,1,2,3',"
                            " 'logit', NULL, 'max_iter=60')", setup=[f"SET indb_ml.training_plan = {plan}"])
    ll, iters = postgresql.execute("SELECT log_likelihood, num_iterations FROM om").fetchone()
    _newton_lines(lines, "ordinal", iters, ll, 60)
    # oracle: statsmodels' proportional odds model
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    oracle = OrderedModel(y, X, distr="logit").fit(method="newton", disp=0, maxiter=200, tol=1e-12).llf
    assert ll == pytest.approx(oracle, rel=1e-8)


def _regression(conn, n=1500, seed=6):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    y = x @ np.array([1.0, -0.5, 0.0, 0.25]) + rng.normal(size=n)
    b = (x @ np.array([1.0, -1.0, 0.5, 0.0]) + rng.logistic(size=n) > 0).astype(float)
    load_table(conn, "e", {"y": y, "b": b, **{f"x{i}": x[:, i] for i in range(4)}})
    conn.commit()
    return x, y, b


def _enet(conn, family, dep, params=None, table="en", tol=1e-10, optimizer="cd"):
    lines = _progress_lines(conn, "SELECT indb_ml.elastic_net_train('e', %s, %s, 'ARRAY[x0, x1, x2, x3]', %s, 0.5,"
                            " 0.05, true, NULL, %s, %s, NULL, 10000, %s)", [table, dep, family, optimizer, params, tol])
    row = conn.execute(f"SELECT log_likelihood, iteration_run, coef_all, intercept FROM {table}").fetchone()
    return lines, row


def test_elastic_net_gaussian_reports_each_sweep(postgresql):
    x, y, _ = _regression(postgresql)
    lines, (ll, iters, coef, intercept) = _enet(postgresql, "gaussian", "y")
    assert [r[3] for r in lines] == list(range(1, iters + 1)) and {r[0] for r in lines} == {"elastic_net"}
    losses = [r[5] for r in lines]
    # coordinate descent never raises the objective; the last sweep's is the model's (-log_likelihood)
    assert all(b <= a + 1e-12 for a, b in zip(losses, losses[1:])), losses
    assert losses[-1] == pytest.approx(-ll, rel=1e-9)
    # oracle: the objective of the returned model, from the rows (standardized penalty, MADlib's form)
    sd = x.std(axis=0)
    w = np.array(coef) * sd
    rss = np.mean((y - intercept - x @ np.array(coef)) ** 2)
    assert -ll == pytest.approx(rss / 2 + 0.05 * (0.5 * np.abs(w).sum() + 0.25 * w @ w), rel=1e-9)


@pytest.mark.parametrize("family, dep", [("gaussian", "y"), ("binomial", "b")])
def test_elastic_net_fista_reports_each_pass(postgresql, family, dep):
    _regression(postgresql)
    lines, (ll, iters, _, _) = _enet(postgresql, family, dep, tol=1e-8, optimizer="fista")
    assert [r[3] for r in lines] == list(range(1, iters + 1)) and iters >= 3  # every pass over the rows
    assert lines[-1][5] == pytest.approx(-ll, rel=1e-6)  # the objective where the last pass started


@pytest.mark.parametrize("plan", ["memory", "aggregate"])
def test_elastic_net_binomial_reports_each_newton_step(postgresql, plan):
    _regression(postgresql)
    postgresql.execute(f"SET indb_ml.training_plan = {plan}")
    lines, (ll, iters, _, _) = _enet(postgresql, "binomial", "b", tol=1e-8)
    assert [r[3] for r in lines] == list(range(1, iters + 1)) and iters >= 3
    assert all(np.isfinite(r[5]) for r in lines)
    # the objective at the point each step starts from: the last is within tol of the model's
    assert lines[-1][5] == pytest.approx(-ll, rel=1e-6)


def test_elastic_net_cross_validation_reports_the_folds(postgresql):
    _regression(postgresql)
    lines, (ll, iters, _, _) = _enet(postgresql, "gaussian", "y",
                                     "n_folds = 3, lambda_value = {0.01, 0.05, 0.2}, validation_result = cv_out")
    folds = [r for r in lines if r[2] == "fold"]
    assert {r[1] for r in folds} == {"fold 1", "fold 2", "fold 3"}
    for f in (1, 2, 3):  # each fold's sweeps numbered on their own, along its warm-started path
        its = [r[3] for r in folds if r[1] == f"fold {f}"]
        assert its == list(range(1, len(its) + 1))
    final = [r for r in lines if r[2] == "iterate"]
    assert [r[3] for r in final] == list(range(1, iters + 1)) and {r[1] for r in final} == {""}
    assert final[-1][5] == pytest.approx(-ll, rel=1e-9)
    assert lines.index(final[0]) > lines.index(folds[-1])  # the folds first


@pytest.mark.parametrize("function", ["pagerank", "hits"])
def test_graph_memory_plan_reports_each_iteration(postgresql, function):
    _ring(postgresql, 50)
    postgresql.execute("INSERT INTO g SELECT 100 + i, i, (i * 7) % 50 FROM generate_series(0, 49) i")
    postgresql.commit()
    args = "0.85, 500, 1e-9" if function == "pagerank" else "500, 1e-9"
    lines = _progress_lines(postgresql, f"SELECT indb_ml.{function}('g', 'id', 'g', 'src=src, dest=dst', 'out',"
                            f" {args})", setup=["SET indb_ml.graph_plan = 'memory'"])
    iters = postgresql.execute("SELECT __iterations__ FROM out_summary").fetchone()[0]
    assert 1 < iters < 500
    assert [r[3] for r in lines] == list(range(1, iters + 1)) and {r[0] for r in lines} == {function}
    # the loss is the change the stopping test compares to the threshold
    assert lines[-1][5] < 1e-9 <= lines[-2][5]


def test_view_shows_a_running_memory_pagerank(postgresql):
    """Before, the memory plan showed iteration 0 until it ended."""
    _ring(postgresql, 2000)
    postgresql.autocommit = True
    box = {}
    call = "SELECT indb_ml.pagerank('g','id','g','src=src, dest=dst','out', 0.85, 2000000000, 0)"
    t = threading.Thread(target=_running, args=(_dsn(postgresql), call, box, ["SET indb_ml.graph_plan = 'memory'"]))
    t.start()
    while "started" not in box:
        time.sleep(0.02)
    _wait_for(postgresql, box["pid"], "pagerank")
    seen = _poll(postgresql, box["pid"], 2.0)
    assert t.is_alive()
    its = [r[2] for r in seen if r[0] == "pagerank"]
    assert len(set(its)) >= 3 and its == sorted(its) and its[-1] > 100, its
    postgresql.execute("SELECT pg_cancel_backend(%s)", [box["pid"]])
    t.join(5)
    assert not t.is_alive() and box["err"].sqlstate == "57014"


def test_matrix_compress_and_reblock_report_row_blocks(postgresql):
    rng = np.random.default_rng(7)
    m = rng.normal(size=(3000, 20))
    postgresql.execute("CREATE TABLE a (row_id int, row_vec float8[])")
    with postgresql.cursor().copy("COPY a FROM STDIN") as copy:
        for i, row in enumerate(m, start=1):
            copy.write_row([i, row.tolist()])
    postgresql.commit()
    for call in ("SELECT indb_ml.matrix_compress('a', 'row=row_id, val=row_vec', 'c', 'block=100, codec=zstd')",
                 "SELECT indb_ml.matrix_reblock('a', 'row=row_id, val=row_vec', 'r', 'block=100')"):
        notices = []
        postgresql.add_notice_handler(lambda d, notices=notices: notices.append(d.message_primary))
        postgresql.execute("SET indb_ml.show_progress = on")
        postgresql.execute(call)
        rows = [int(x) for x in re.findall(r"^indb_ml progress: compress reblock iteration \d+ rows (\d+) of 3000$",
                                           "\n".join(notices), re.M)]
        assert rows and rows[-1] == 3000 and rows == sorted(rows), notices
    # the tiles hold the matrix (read back by the server)
    got = postgresql.execute("SELECT sum(nrows * ncols) FROM c").fetchone()[0]
    assert got == m.size


def test_view_shows_a_running_elastic_net(postgresql):
    """A trainer reporting through its kernel: another session sees its sweeps go by."""
    _regression(postgresql)
    postgresql.autocommit = True
    box = {}
    call = ("SELECT indb_ml.elastic_net_train('e', 'en', 'y', 'ARRAY[x0, x1, x2, x3]', 'gaussian', 0.5, 0.05, true,"
            " NULL, 'fista', NULL, NULL, 2000000000, 0)")  # tolerance 0: sweeps until cancelled
    t = threading.Thread(target=_running, args=(_dsn(postgresql), call, box))
    t.start()
    while "started" not in box:
        time.sleep(0.02)
    _wait_for(postgresql, box["pid"], "elastic_net")
    seen = _poll(postgresql, box["pid"], 2.0)
    assert t.is_alive()
    mine = [r for r in seen if r[0] == "elastic_net"]
    assert {r[1] for r in mine} == {"iterate"} and {r[3] for r in mine} == {2000000000}
    its = [r[2] for r in mine]
    assert len(set(its)) >= 3 and its == sorted(its), its
    loss = postgresql.execute("SELECT loss FROM indb_ml.progress WHERE pid = %s", [box["pid"]]).fetchone()[0]
    assert loss is not None and loss > 0  # the objective
    postgresql.execute("SELECT pg_cancel_backend(%s)", [box["pid"]])
    t.join(5)
    assert not t.is_alive() and box["err"].sqlstate == "57014"
    assert postgresql.execute("SELECT count(*) FROM indb_ml.progress").fetchone()[0] == 0


# --- calls wired by phases: a step before each statement or phase --------------------------------

def _empty_after(conn):
    assert conn.execute("SELECT count(*) FROM indb_ml.progress").fetchone()[0] == 0


def _phases(lines):
    """``[(label, phase, iteration, max_iter)]`` of the lines (the loss left out)."""
    return [(r[1], r[2], r[3], r[4]) for r in lines]


def _lines_of(conn, function, call, params=(), setup=()):
    lines = _progress_lines(conn, call, params, setup)
    assert {r[0] for r in lines} == {function}, lines  # nothing else (the kernels' reports) reported
    return lines


@pytest.mark.parametrize("bp", [False, True])
def test_linregr_reports_its_passes(postgresql, bp):
    X, y = _linear(postgresql)
    lines = _lines_of(postgresql, "linregr", "SELECT indb_ml.linregr_train('lr', 'lo', 'y', 'ARRAY[1, x1, x2]',"
                      " NULL, %s)", [bp])
    want = [("", "pass", 1, 3), ("", "pass", 2, 3), ("", "write", 3, 3)] if bp else \
        [("", "pass", 1, 2), ("", "write", 2, 2)]
    assert _phases(lines) == want
    # the loss once fitted: the residual sum of squares (oracle: numpy's least squares)
    coef, rss, _, _ = np.linalg.lstsq(X, y, rcond=None)
    assert lines[0][5] is None and lines[-1][5] == pytest.approx(float(rss[0]), rel=1e-9)
    got = postgresql.execute("SELECT coef FROM lo").fetchone()[0]
    assert np.allclose(got, coef, rtol=1e-9)
    _empty_after(postgresql)


def _linear(conn, n=500, seed=8):
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    y = 1.5 + 2 * x1 - x2 + rng.normal(size=n) * (1 + np.abs(x1))
    load_table(conn, "lr", {"y": y, "x1": x1, "x2": x2, "b": (y > 1.5).astype(float)})
    conn.commit()
    return np.column_stack([np.ones(n), x1, x2]), y


CV = "SELECT fold, metric, value FROM indb_ml.cross_validate(%s, 'lr', %s, 'ARRAY[1, x1, x2]', 3, %s) ORDER BY 1, 2"


def _cv(conn, method, dep, params, plan):
    setup = [f"SET indb_ml.training_plan = {plan}"]
    lines = _lines_of(conn, "cross_validation", CV, [method, dep, params], setup)
    got = conn.execute(CV, [method, dep, params]).fetchall()  # the same folds, progress off
    conn.execute("SET indb_ml.show_progress = on")
    assert conn.execute(CV, [method, dep, params]).fetchall() == got  # reporting changes no result
    conn.execute("SET indb_ml.show_progress = off")
    scores = [v for _, metric, v in got if metric in ("mse", "log_loss")]
    assert len(scores) == 3
    return lines, scores


@pytest.mark.parametrize("method, dep, params, plan, read", [
    ("linregr", "y", None, "auto", "pass"),  # one statement of the folds' co-moments
    ("elastic_net", "y", "alpha=0.5, lambda=0.05", "auto", "pass"),
    ("logregr", "b", "max_iter=30", "memory", "load"),  # the rows packed in memory
    ("elastic_net", "b", "family=binomial, alpha=0.5, lambda=0.01", "memory", "load"),
])
def test_cross_validate_reports_each_fold(postgresql, method, dep, params, plan, read):
    _linear(postgresql)
    lines, scores = _cv(postgresql, method, dep, params, plan)
    assert _phases(lines) == [("", read, 1, 1), ("", "fold", 1, 3), ("", "fold", 2, 3), ("", "fold", 3, 3),
                              ("", "finish", 3, 3)]
    # the loss: the mean test score of the folds done (mean squared error or log-loss)
    losses = [r[5] for r in lines]
    assert losses[:2] == [None, None]
    assert losses[2:] == [pytest.approx(np.mean(scores[:i]), rel=1e-10) for i in (1, 2, 3)]


@pytest.mark.parametrize("method, dep, params", [
    ("logregr", "b", "max_iter=30"),
    ("elastic_net", "b", "family=binomial, alpha=0.5, lambda=0.01"),
    ("glm", "y", "family=gaussian"),
])
def test_cross_validate_lockstep_reports_each_pass(postgresql, method, dep, params):
    X, y = _linear(postgresql)
    lines, scores = _cv(postgresql, method, dep, params, "aggregate")
    passes, finish = lines[:-1], lines[-1]
    assert finish[1:5] == ("", "finish", 3, 3) and finish[5] == pytest.approx(np.mean(scores), rel=1e-10)
    assert [r[3] for r in passes] == list(range(1, len(passes) + 1)) and {r[2] for r in passes} == {"pass"}
    assert {r[4] for r in passes} == {None}  # how many passes is not known in advance
    labels = [r[1] for r in passes]
    assert labels[0] == "3 of 3 folds" and labels[-1] == "3 of 3 folds scored"
    training = [int(lab.split()[0]) for lab in labels if lab.endswith(" folds")]
    assert training == sorted(training, reverse=True) and len(training) >= 3  # folds drop out as they converge
    if method == "elastic_net":
        assert "3 of 3 folds' moments" in labels
    if method == "logregr":
        # the loss: the training rows' mean log-loss at the point the pass starts from; IRLS
        # lowers it, down to the folds' maximum likelihood (oracle: Newton's method in numpy)
        losses = [r[5] for r in passes if r[1] == "3 of 3 folds" and r[5] is not None]
        assert losses == sorted(losses, reverse=True) and len(losses) >= 2
        b = (y > 1.5).astype(float)
        w = np.zeros(3)
        for _ in range(30):
            p = 1 / (1 + np.exp(-X @ w))
            w += np.linalg.solve(X.T @ (X * (p * (1 - p))[:, None]), X.T @ (b - p))
        full = -np.mean(b * (X @ w) - np.logaddexp(0, X @ w))
        assert losses[-1] == pytest.approx(full, rel=0.1)  # the folds' fits are near the full data's


def test_cross_validate_error_leaves_no_progress(postgresql):
    _linear(postgresql)
    postgresql.autocommit = True
    postgresql.execute("UPDATE lr SET y = -1 WHERE x1 > 1")  # poisson counts must be >= 0
    for plan in ("memory", "aggregate"):
        postgresql.execute(f"SET indb_ml.training_plan = {plan}")
        with pytest.raises(psycopg.Error):
            postgresql.execute("SELECT * FROM indb_ml.cross_validate('glm', 'lr', 'y', 'ARRAY[1, x1]', 3,"
                               " 'family=poisson')")
        _empty_after(postgresql)
    # the session's next call reports from scratch
    lines = _lines_of(postgresql, "cross_validation", "SELECT * FROM indb_ml.cross_validate('linregr', 'lr', 'y',"
                      " 'ARRAY[1, x1]', 4)")
    assert [r[3] for r in lines] == [1, 1, 2, 3, 4, 4]


def _dense(conn, name, m):
    conn.execute(f"CREATE TABLE {name} (row_id int, row_vec float8[])")
    with conn.cursor().copy(f"COPY {name} FROM STDIN") as copy:
        for i, row in enumerate(m, start=1):
            copy.write_row([i, row.tolist()])
    conn.commit()


def test_svd_reports_its_phases(postgresql):
    a = np.random.default_rng(9).normal(size=(60, 12))
    _dense(postgresql, "a", a)
    lines = _lines_of(postgresql, "svd", "SELECT indb_ml.svd('a', 'o', 'row_id', 3)")
    assert _phases(lines) == [("", "load", 1, 3), ("", "decompose", 2, 3), ("", "write", 3, 3)]
    s = [r[0] for r in postgresql.execute("SELECT value FROM o_s ORDER BY row_id")]
    assert np.allclose(s, np.linalg.svd(a, compute_uv=False)[:3], rtol=1e-12)
    lines = _lines_of(postgresql, "svd", "SELECT indb_ml.svd('a', 'p', 'row_id', 3, NULL, 'p_summary')")
    assert [r[2] for r in lines] == ["load", "decompose", "write", "finish"] and {r[4] for r in lines} == {4}
    # sparse coordinates, ARPACK (k < min(shape) - 1)
    postgresql.execute("CREATE TABLE sp AS SELECT row_id, col_id, row_vec[col_id] AS value"
                       " FROM a, generate_series(1, 12) col_id WHERE row_vec[col_id] > 0.5")
    lines = _lines_of(postgresql, "svd", "SELECT indb_ml.svd_sparse('sp', 'q', 'row_id', 'col_id', 'value',"
                      " 60, 12, 2)")
    assert _phases(lines) == [("", "load", 1, 3), ("", "decompose", 2, 3), ("", "write", 3, 3)]
    dense = np.where(a > 0.5, a, 0.0)
    s = [r[0] for r in postgresql.execute("SELECT value FROM q_s ORDER BY row_id")]
    assert np.allclose(s, np.linalg.svd(dense, compute_uv=False)[:2], rtol=1e-9)


def test_svd_error_leaves_no_progress(postgresql):
    _dense(postgresql, "a", np.array([[1.0, 2.0], [3.0, float("nan")]]))
    postgresql.autocommit = True
    with pytest.raises(psycopg.errors.InvalidParameterValue, match="NaN"):
        postgresql.execute("SELECT indb_ml.svd('a', 'o', 'row_id', 1)")  # after the load step
    _empty_after(postgresql)


def test_view_shows_a_running_svd(postgresql):
    """A long LAPACK call reports nothing from inside: the view shows its phase, decompose."""
    _dense(postgresql, "big", np.random.default_rng(10).normal(size=(1500, 1500)))
    postgresql.autocommit = True
    box = {}
    t = threading.Thread(target=_running, args=(_dsn(postgresql), "SELECT indb_ml.svd('big', 'o', 'row_id', 5)", box))
    t.start()
    while "started" not in box:
        time.sleep(0.02)
    _wait_for(postgresql, box["pid"], "svd")
    seen = []
    while t.is_alive():
        seen += _poll(postgresql, box["pid"], 0.1)
    t.join()
    assert box["err"] is None
    assert ("svd", "decompose", 2, 3) in {r[:4] for r in seen}, seen
    assert {r[0] for r in seen} == {"svd"}
    _empty_after(postgresql)


def _knn_data(conn):
    rng = np.random.default_rng(11)
    X, T = rng.normal(size=(300, 4)), rng.normal(size=(20, 4))
    load_table(conn, "pts", {"id": np.arange(300), "x": list(X), "cls": (X[:, 0] > 0).astype(int)},
               {"id": "integer", "x": "float8[]", "cls": "integer"})
    load_table(conn, "tst", {"tid": np.arange(20), "x": list(T)}, {"tid": "integer", "x": "float8[]"})
    conn.commit()
    return X, T


@pytest.mark.parametrize("algorithm, want", [
    ("brute_force", [("", "index", 1, 2), ("", "search", 2, 2)]),
    ("kd_tree", [("", "load", 1, 3), ("", "index", 2, 3), ("", "search", 3, 3)]),
])
def test_knn_reports_its_phases(postgresql, algorithm, want):
    X, T = _knn_data(postgresql)
    call = ("SELECT indb_ml.knn('pts', 'x', 'id', 'cls', 'tst', 'x', 'tid', %s, 3, true, NULL, false, %s, %s)")
    params = "depth=2, leaf_nodes=3" if algorithm == "kd_tree" else None
    lines = _lines_of(postgresql, "knn", call, ["out", algorithm, params])
    assert _phases(lines) == want
    postgresql.execute(call, ["out2", algorithm, params])  # progress off: the same output
    got = dict(postgresql.execute("SELECT id, k_nearest_neighbours FROM out").fetchall())
    assert got == dict(postgresql.execute("SELECT id, k_nearest_neighbours FROM out2").fetchall())
    assert len(got) == 20
    if algorithm == "brute_force":  # exact: numpy's neighbours
        d = ((T[:, None, :] - X[None, :, :]) ** 2).sum(axis=2)
        assert {i: sorted(got[i]) for i in got} == {i: sorted(np.argsort(d[i])[:3].tolist()) for i in range(20)}
    _empty_after(postgresql)


def test_planner_reports_each_operator(postgresql):
    x = np.random.default_rng(12).normal(size=(200, 5))
    _dense(postgresql, "x", x)
    b = json.dumps({"X": {"table": "x", "args": "row=row_id, val=row_vec"}})
    expr = "t(X) %*% X + 2 * t(X) %*% X"
    lines = _lines_of(postgresql, "planner", "SELECT indb_ml.la_value(%s, %s)", [expr, b])
    n = lines[0][4]
    assert n >= 2 and [r[3] for r in lines] == list(range(1, n + 1)) and {r[4] for r in lines} == {n}
    assert [r[2] for r in lines] == ["evaluate"] * (n - 1) + ["load"]
    assert all(r[1] for r in lines[:-1]) and lines[-1][1] == ""  # each operator named by its node
    got = postgresql.execute("SELECT indb_ml.la_value(%s, %s)", [expr, b]).fetchone()[0]
    assert np.allclose(got, 3 * x.T @ x, rtol=1e-12)
    lines = _lines_of(postgresql, "planner", "SELECT indb_ml.la_eval('X * 2', %s, 'x2')", [b])
    assert [r[2] for r in lines] == ["evaluate", "write"] and [r[3:5] for r in lines] == [(1, 2), (2, 2)]
    got = np.array([r[0] for r in postgresql.execute("SELECT val FROM x2 ORDER BY row_num")])
    assert np.allclose(got, 2 * x)
    _empty_after(postgresql)


def test_matrix_conversions_report_on_every_operator(postgresql):
    m = np.random.default_rng(13).normal(size=(50, 8))
    m[m < 0.3] = 0
    _dense(postgresql, "a", m)
    postgresql.execute("CREATE TABLE s AS SELECT row_id, c AS col_id, row_vec[c] AS val"
                       " FROM a, generate_series(1, 8) c WHERE row_vec[c] <> 0 OR (row_id, c) = (50, 8)")
    postgresql.commit()
    lines = _lines_of(postgresql, "compress", "SELECT indb_ml.matrix_reblock('a', 'row=row_id, val=row_vec', 'r',"
                      " 'block=16, op=memory')")
    assert _phases(lines) == [("memory", "load", 1, 2), ("memory", "write", 2, 2)]
    assert postgresql.execute("SELECT sum(nrows * ncols) FROM r").fetchone()[0] == m.size
    lines = _lines_of(postgresql, "compress", "SELECT indb_ml.matrix_densify('s', 'row=row_id, col=col_id, val=val',"
                      " 'o', 'op=memory')")
    assert _phases(lines) == [("memory", "load", 1, 2), ("memory", "write", 2, 2)]
    got = np.array([r[0] for r in postgresql.execute("SELECT val FROM o ORDER BY row_id")])
    assert np.array_equal(got, m)
    _empty_after(postgresql)


def test_view_shows_a_running_lockstep_cross_validate(postgresql):
    """The lockstep plan's statements go by in the view, one pass each, phase pass."""
    postgresql.execute("CREATE TABLE big AS SELECT x1, x2, (x1 + random() - 0.5 > 0) AS b FROM"
                       " (SELECT random() - 0.5 AS x1, random() AS x2 FROM generate_series(1, 300000)) s")
    postgresql.commit()
    postgresql.autocommit = True
    box = {}
    call = ("SELECT * FROM indb_ml.cross_validate('logregr', 'big', 'b', 'ARRAY[1, x1, x2]', 3,"
            " 'max_iter=25, tolerance=0')")
    t = threading.Thread(target=_running, args=(_dsn(postgresql), call, box,
                                                ["SET indb_ml.training_plan = aggregate"]))
    t.start()
    while "started" not in box:
        time.sleep(0.02)
    _wait_for(postgresql, box["pid"], "cross_validation")
    seen = []
    while t.is_alive():
        seen += _poll(postgresql, box["pid"], 0.1)
    t.join()
    assert box["err"] is None
    passes = [r[2] for r in seen if r[:2] == ("cross_validation", "pass")]
    assert len(set(passes)) >= 3 and passes == sorted(passes), seen
    assert {r[3] for r in seen if r[1] == "pass"} == {None}
    _empty_after(postgresql)
