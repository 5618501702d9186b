"""``progress=False`` on every client method that runs a server call (issue 17): no tqdm bar is
drawn and ``indb_ml.show_progress`` is not set for the call, so the server sends no progress
INFO line; the default draws the bar; the results are the same either way.

Most tests set the bar's one-second delay (``indb_ml.client.progress.DELAY``) to 0 so that any
report draws it; one test keeps the real delay and slows the call past it. cross_validate, knn
and la_value report their phases, folds or operators (cross_validation, knn, planner), as the
trainers report their iterations.
"""

from __future__ import annotations

import inspect
import io
import time

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import indb_ml
from indb_ml.client import progress as client_progress
from indb_ml.client.connection import Database
from indb_ml.client.matrix import Matrix
from tests.helpers import load_table

N = 600

# Public Database methods without ``progress``, and why: none of them runs one of indb_ml's
# calls that can take a second (execute runs the caller's own SQL as written: whoever wants the
# reports sets indb_ml.show_progress in it).
NOT_A_LONG_CALL = {
    "connect": "opens the connection",
    "close": "closes the connection",
    "execute": "runs the caller's SQL as written, like psycopg's execute",
    "matrix": "builds a lazy expression; nothing is sent",
}
MATRIX_NOT_A_LONG_CALL = {
    "explain": "plans the expression (la_explain), reads no rows",
    "shape": "plans the expression (la_shape), reads no rows",
}


def test_every_server_method_takes_progress():
    """Each public method that runs a server call has the keyword ``progress``, default True."""
    names = {n for n, f in inspect.getmembers(Database, inspect.isfunction) if not n.startswith("_")}
    names |= {n for n, f in vars(Database).items() if isinstance(f, classmethod)}
    assert set(NOT_A_LONG_CALL) <= names  # the exclusions name real methods
    checked = sorted(names - set(NOT_A_LONG_CALL))
    assert len(checked) >= 35 and {"pagerank", "knn", "la_value", "svd", "cross_validate", "linregr_train",
                                   "graph_closeness", "margins", "predict"} <= set(checked)
    for cls, methods in ((Database, checked),
                         (Matrix, ["to_numpy", "compute"])):
        for name in methods:
            param = inspect.signature(getattr(cls, name)).parameters.get("progress")
            assert param is not None, f"{cls.__name__}.{name} has no progress keyword"
            assert param.kind is inspect.Parameter.KEYWORD_ONLY and param.default is True, name
    public = {n for n in vars(Matrix) if not n.startswith("_") and callable(getattr(Matrix, n))}
    assert public & {"to_numpy", "compute", "explain"} == {"to_numpy", "compute", "explain"}
    assert "progress" not in inspect.signature(Matrix.explain).parameters
    assert isinstance(vars(Matrix)["shape"], property) and set(MATRIX_NOT_A_LONG_CALL) == {"explain", "shape"}


@pytest.fixture
def data(postgresql):
    rng = np.random.default_rng(11)
    x1, x2 = rng.normal(size=N), rng.normal(size=N)
    eta = np.column_stack([np.zeros(N), 0.4 + 0.9 * x1, -0.2 + 0.7 * x2 - 0.5 * x1])
    p = np.exp(eta) / np.exp(eta).sum(axis=1, keepdims=True)
    cat = np.array([rng.choice(3, p=pi) for pi in p])
    y = 1 + 2 * x1 - x2 + rng.normal(size=N)
    load_table(postgresql, "d", {"id": np.arange(N), "x1": x1, "x2": x2, "y": y, "cat": cat},
               {"id": "int", "cat": "int"})
    postgresql.execute("CREATE VIEW dv AS SELECT id, x1, x2, y FROM d")
    postgresql.execute("CREATE VIEW pts AS SELECT id, ARRAY[x1, x2] AS pt, cat FROM d")
    postgresql.execute("CREATE VIEW mat AS SELECT id AS row_id, ARRAY[x1, x2, y] AS row_vec FROM d WHERE id >= 1")
    postgresql.execute("CREATE TABLE q AS SELECT id AS qid, ARRAY[x1, x2] AS qpt FROM d WHERE id < 10")
    # a graph: a ring and chords
    postgresql.execute("CREATE TABLE v AS SELECT generate_series(0, 59) AS id")
    postgresql.execute("CREATE TABLE e AS SELECT i AS src, (i + 1) % 60 AS dest FROM generate_series(0, 59) i"
                       " UNION ALL SELECT i, (i * 7) % 60 FROM generate_series(0, 59) i WHERE (i * 7) % 60 <> i")
    postgresql.commit()
    return np.column_stack([x1, x2, y])


@pytest.fixture
def db(dsn, monkeypatch):
    """A session whose bar shows at the first report; ``db.seen`` keeps the progress INFO lines."""
    monkeypatch.setattr(client_progress, "DELAY", 0.0)
    with indb_ml.connect(dsn) as session:
        seen: list[str] = []
        session.connection.add_notice_handler(
            lambda d: seen.append(d.message_primary) if client_progress.parse(d.message_primary or "") else None)
        session.seen = seen
        yield session


def _watched(db, call, **kwargs):
    """``(result, progress INFO lines, what the bar drew)`` of ``call(db, **kwargs)``."""
    db.seen.clear()
    db.progress_file = io.StringIO()
    result = call(db, **kwargs)
    return result, list(db.seen), db.progress_file.getvalue()


def _sorted(frame: pd.DataFrame, by: str, cols: list[str]) -> np.ndarray:
    return frame.sort_values(by)[cols].to_numpy(dtype=float)


# name -> (the call, the function its reports name, a comparable array of its result)
CASES = {
    # connection.py's trainers
    "mlogregr_train": (lambda db, **kw: db.mlogregr_train("d", "cat", [1, "x1", "x2"], tolerance=1e-10, **kw),
                       "mlogregr", lambda fit: fit.coef),
    "elastic_net_train": (lambda db, **kw: db.elastic_net_train("d", "y", ["x1", "x2"], alpha=0.5,
                                                                lambda_value=0.05, tolerance=1e-10, **kw),
                          "elastic_net", lambda fit: np.append(fit.coef, fit.intercept)),
    # calls.py's trainers
    "multinom": (lambda db, **kw: db.multinom("d", "cat", [1, "x1", "x2"], tolerance=1e-10, **kw),
                 "multinom", lambda r: np.vstack(r.table.sort_values("category")["coef"].tolist())),
    "lm_cg": (lambda db, **kw: db.lm_cg("d", "y", [1, "x1", "x2"], max_iter=50, **kw),
              "lm_cg", lambda r: np.asarray(r.table["coef"][0], dtype=float)),
    # graph
    "pagerank": (lambda db, **kw: db.pagerank("v", "id", "e", max_iter=500, threshold=1e-12, **kw),
                 "pagerank", lambda r: _sorted(r.table, "id", ["pagerank"])),
    "hits": (lambda db, **kw: db.hits("v", "id", "e", max_iter=200, threshold=1e-12, **kw),
             "hits", lambda r: _sorted(r.table, "id", ["authority", "hub"])),
    # the drivers that report phases, folds or operators
    "cross_validate": (lambda db, **kw: db.cross_validate("linregr", "dv", "y", [1, "x1", "x2"], n_folds=3, **kw),
                       "cross_validation", lambda f: f.sort_values(["fold", "metric"])["value"].to_numpy(float)),
    "knn": (lambda db, **kw: db.knn("pts", "pt", "id", "cat", "q", "qpt", "qid", k=5, **kw),
            "knn", lambda r: _sorted(r.table, "id", ["id", "prediction"])),
    "la_value": (lambda db, **kw: db.la_value("t(A) %*% A", {"A": {"table": "mat", "args": "row=row_id, val=row_vec"}},
                                              **kw), "planner", lambda a: a),
    "Matrix.to_numpy": (lambda db, **kw: (db.matrix("mat", "row=row_id, val=row_vec").T.sum(axis=1)).to_numpy(**kw),
                        "planner", lambda a: a),
}


@pytest.mark.parametrize("case", list(CASES))
def test_progress_false_sends_no_line_and_draws_no_bar(db, data, case):
    call, function, value = CASES[case]
    off, off_lines, off_drawn = _watched(db, call, progress=False)
    assert off_lines == [] and off_drawn == ""
    on, on_lines, on_drawn = _watched(db, call)
    parsed = [client_progress.parse(m) for m in on_lines]
    assert function in {p[0] for p in parsed}, on_lines[:5]  # (lm_cg's first report is its reblock)
    # the bar: its name, and its count where the reports left it (tqdm's "n/total")
    assert function in on_drawn and f"{max(p[2] for p in parsed)}/{parsed[-1][3]}" in on_drawn, on_drawn
    # nothing else changes: the same result with and without the bar
    np.testing.assert_allclose(value(off), value(on), rtol=1e-12, atol=1e-15)
    # the session-wide switch does the same as progress=False
    db.progress_bar = False
    _, lines, drawn = _watched(db, call)
    assert lines == [] and drawn == ""


def test_results_match_the_oracles(db, data):
    """What the calls above compare is right: pagerank against networkx, la_value against numpy."""
    x = data
    r = CASES["pagerank"][0](db, progress=False)
    edges = db.execute("SELECT src, dest FROM e").fetchall()
    want = nx.pagerank(nx.DiGraph(edges), alpha=0.85, tol=1e-14, max_iter=1000)
    np.testing.assert_allclose(_sorted(r.table, "id", ["pagerank"])[:, 0], [want[i] for i in range(60)], rtol=1e-7)
    got = CASES["la_value"][0](db, progress=False)
    np.testing.assert_allclose(got, x[1:].T @ x[1:], rtol=1e-11)


def test_progress_false_on_a_call_slowed_past_the_delay(dsn, postgresql):
    """With the real one-second delay: a call over a second draws the bar by default, none with
    progress=False (and its transaction asks for no INFO line)."""
    assert client_progress.DELAY == 1.0
    postgresql.execute("CREATE TABLE g AS SELECT i AS id, i AS src, (i + 1) % 20 AS dst FROM generate_series(0, 19) i")
    postgresql.commit()
    with indb_ml.connect(dsn) as db:
        seen = []
        db.connection.add_notice_handler(lambda d: seen.append(d.message_primary))
        db.execute("SET indb_ml.graph_plan = 'relational'")  # slow enough: a statement per iteration
        for progress in (False, True):
            seen.clear()
            db.progress_file = io.StringIO()
            t0 = time.monotonic()
            r = db.pagerank("g", "id", "g", src="src", dest="dst", max_iter=1200, threshold=0, progress=progress)
            took = time.monotonic() - t0
            assert took > 1.5, "the call must outlast the bar's one-second delay"
            assert r.summary["__iterations__"] == 1200
            lines = [m for m in seen if client_progress.parse(m or "")]
            drawn = db.progress_file.getvalue()
            if progress:
                assert len(lines) == 1200 and "pagerank iterate" in drawn and "1200/1200" in drawn, drawn
            else:
                assert lines == [] and drawn == ""


def test_verbose_trainers_keep_their_callback(db, data, capsys):
    """logregr_train / glm: a callable ``progress`` gets the verbose iterations, True the stderr
    line (as None did), False neither; the tqdm bar is drawn only without verbose."""
    db.execute("ALTER TABLE d ADD COLUMN b boolean")
    db.execute("UPDATE d SET b = y > 1")
    got = []
    fit = db.logregr_train("d", "b", [1, "x1", "x2"], verbose=True, progress=lambda *a: got.append(a))
    assert got and [g[0] for g in got] == list(range(1, fit.num_iterations + 1)) and got[-1][2] == 20
    assert got[-1][1] == pytest.approx(fit.log_likelihood, rel=1e-9)
    capsys.readouterr()
    _, _, drawn = _watched(db, lambda d, **kw: d.glm("d", "b", [1, "x1", "x2"], "binomial", verbose=True, **kw),
                           progress=True)
    assert "iteration" in capsys.readouterr().err and drawn == ""
    _, lines, drawn = _watched(db, lambda d, **kw: d.glm("d", "b", [1, "x1", "x2"], "binomial", verbose=True, **kw),
                               progress=False)
    assert capsys.readouterr().err == "" and lines == [] and drawn == ""
    _, lines, drawn = _watched(db, lambda d, **kw: d.glm("d", "b", [1, "x1", "x2"], "binomial", **kw))
    assert lines and "glm" in drawn


def test_server_warnings_point_at_the_callers_line(db, data):
    """The one call helper turns WARNINGs into Python warnings at the user's line, whichever
    method path (a typed trainer, a table call) and whether or not the bar is on."""
    db.execute("CREATE TABLE dup AS SELECT x1, 2 * x1 AS x1b, y FROM d")
    calls = ((lambda **kw: db.linregr_train("dup", "y", [1, "x1", "x1b"], **kw), "collinear"),
             (lambda **kw: db.multinom("d", "cat", [1, "x1", "x2"], max_iter=1, **kw), "max_iter"))
    for progress in (True, False):
        for call, match in calls:
            with pytest.warns(RuntimeWarning, match=match) as record:
                call(progress=progress)
            assert {r.filename for r in record} == {__file__}
