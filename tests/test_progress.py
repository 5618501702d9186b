"""Progress of long calls (issue 17): INFO lines with ``SET indb_ml.show_progress = on``, the view
``indb_ml.progress`` seen from another session (and only with the privileges of the caller's
role), empty again after a call ends or is cancelled; the client's progress bar."""

from __future__ import annotations

import io
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
        time.sleep(0.5)
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
def test_client_progress_false_per_call(dsn, postgresql):
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
