"""Cancellation (issue 16): statement_timeout, pg_cancel_backend and pg_terminate_backend stop
long calls of every family (graph: pagerank, hits, wcc, sssp; IRLS: logregr, glm; elastic net;
CG; matrix_mult; the planner; cross-validation) within about a second, with SQLSTATE 57014
for timeout and cancel, no backend left running after terminate, nothing written and no
server restart. Calls are made to run practically forever (huge max_iter, tolerance 0)."""

from __future__ import annotations

import threading
import time

import numpy as np
import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from tests.helpers import load_table

SLACK = 2.0  # seconds past the deadline allowed on 2 shared cores


def ring(conn, n=20):
    conn.execute("CREATE TABLE g (id int, src int, dst int)")
    conn.execute("INSERT INTO g SELECT i, i, (i + 1) %% %s FROM generate_series(0, %s - 1) i", [n, n])


def separable(conn):
    rng = np.random.default_rng(3)
    x = rng.normal(size=400)
    load_table(conn, "sep", {"x": x, "x2": rng.normal(size=400), "y": (x + rng.normal(size=400) > 0).astype(float)})


def big_rows(conn):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(5000, 40))
    load_table(conn, "en", {"x": list(X), "y": X @ rng.normal(size=40) + rng.normal(size=5000)}, {"x": "float8[]"})


def chain(conn, n=3000000):
    """A path graph long enough that label propagation and Bellman-Ford take many passes."""
    conn.execute("CREATE TABLE g (id int, src int, dst int, w float8)")
    conn.execute("INSERT INTO g SELECT i, i, (i + 1) %% %s, 1 FROM generate_series(0, %s - 1) i", [n, n])


def sparse_pair(conn, n=200000):
    """A 2000 x 200 sparse matrix times its transpose, multiplied in SQL (op=join): a join of 2e8 rows."""
    conn.execute("CREATE TABLE ma AS SELECT (i %% 2000) + 1 AS r, (i / 1000) %% 2000 + 1 AS c,"
                 " random() AS v FROM generate_series(0, %s - 1) i", [n])
    conn.execute("CREATE TABLE mb AS SELECT c AS r, r AS c, v FROM ma")


def many_rows(conn, n=1000000):
    """A million noisy rows: every IRLS / CG pass is a scan of its own, and tolerance 0 keeps going."""
    conn.execute("SELECT setseed(0.4)")
    conn.execute("CREATE TABLE sep AS SELECT x, x2, (x + random() - 0.5 > 0)::int::float8 AS y,"
                 " ARRAY[1, x, x2, x * x2] AS xs FROM (SELECT random() - 0.5 AS x, random() AS x2"
                 " FROM generate_series(1, %s)) s", [n])


def dense_column(conn, n=2000000):
    """A tall dense matrix for the planner: each product is a streamed pass over a million rows."""
    conn.execute("CREATE TABLE mx AS SELECT i AS row_id, ARRAY[random(), random(), random(), random()] AS row_vec"
                 " FROM generate_series(1, %s) i", [n])


def cv_rows(conn):
    """Folds of a million-row logistic problem with tolerance-free IRLS in every fold."""
    many_rows(conn)
    conn.execute("ALTER TABLE sep RENAME TO d")
    conn.execute("ALTER TABLE d ADD COLUMN b boolean")
    conn.execute("UPDATE d SET b = y > 0")


FAMILIES = {
    "pagerank_memory": (ring, "SELECT set_config('indb_ml.graph_plan', 'memory', false)",
                        "SELECT indb_ml.pagerank('g','id','g','src=src, dest=dst','out', 0.85, 2000000000, 0)"),
    "pagerank_relational": (ring, "SELECT set_config('indb_ml.graph_plan', 'relational', false)",
                            "SELECT indb_ml.pagerank('g','id','g','src=src, dest=dst','out', 0.85, 2000000000, 0)"),
    "hits": (ring, None, "SELECT indb_ml.hits('g','id','g','src=src, dest=dst','out', 2000000000, 0)"),
    "logregr": (separable, None,
                "SELECT indb_ml.logregr_train('sep', 'out', 'y > 0', 'ARRAY[1, x, x2]', NULL, 2000000000, 'igd', 0)"),
    "elastic_net": (big_rows, None,
                    "SELECT indb_ml.elastic_net_train('en', 'out', 'y', 'x', 'gaussian', 0.5, 1e-9, TRUE, NULL,"
                    " 'fista', 'max_stepsize=0.001', NULL, 2000000000, 0)"),
    "wcc": (chain, None, "SELECT indb_ml.weakly_connected_components('g','id','g','src=src, dest=dst','out')"),
    "sssp": (chain, None, "SELECT indb_ml.graph_sssp('g','id','g','src=src, dest=dst, weight=w', 0, 'out')"),
    "glm": (lambda conn: many_rows(conn, 4000000), None,
            "SELECT indb_ml.glm('sep', 'out', 'y', 'ARRAY[1, x, x2]', 'family=binomial, link=logit', NULL,"
            " 'max_iter=2000000000, tolerance=0')"),
    "logregr_irls": (many_rows, None,
                     "SELECT indb_ml.logregr_train('sep', 'out', 'y > 0', 'ARRAY[1, x, x2]', NULL, 2000000000,"
                     " 'irls', 0)"),
    "lm_cg": (many_rows, None, "SELECT indb_ml.lm_cg('sep', 'out', 'y', 'xs', 0, 2000000000, 0)"),
    "matrix_mult": (sparse_pair, None,
                    "SELECT indb_ml.matrix_mult('ma', 'row=r, col=c, val=v', 'mb', 'row=r, col=c, val=v', 'out',"
                    " 'fmt=sparse, op=join')"),
    "planner": (dense_column, None,
                "SELECT indb_ml.la_value('sum(X %*% (t(X) %*% X))',"
                " '{\"X\": {\"table\": \"mx\", \"args\": \"row=row_id, val=row_vec\"}}')"),
    "compression": (dense_column, None, "SELECT indb_ml.matrix_compress('mx', 'row=row_id, val=row_vec', 'out')"),
    "cross_validation": (cv_rows, None,
                         "SELECT indb_ml.cross_validation_general('indb_ml.logregr_train', "
                         "'{%data%, %model%, b, \"ARRAY[1, x, x2]\", NULL, max_iter}', "
                         "'{text, text, text, text, text, integer}', 'max_iter', '{1000, 2000}', "
                         "'indb_ml.cv_logregr_predict', '{%model%, %data%, \"ARRAY[1, x, x2]\", %id%, %prediction%}',"
                         " '{text, text, text, text, text}', 'indb_ml.misclassification_avg',"
                         " '{%prediction%, %data%, %id%, b, %error%}', '{text, text, text, text, text}', 'd', NULL,"
                         " NULL, 'out', '{b, x, x2}', 3)"),
}


def _dsn(conn):
    return make_conninfo(conn.info.dsn, password=conn.info.password)


def _leftovers(conn):
    return conn.execute("SELECT array_agg(relname ORDER BY relname) FROM pg_class c JOIN pg_namespace n"
                        " ON n.oid = c.relnamespace WHERE nspname = 'public' AND relname LIKE 'out%'").fetchone()[0]


def _start(conn):
    return conn.execute("SELECT pg_postmaster_start_time()").fetchone()[0]


def _run(dsn, setup_sql, call, before, box):
    with psycopg.connect(dsn, autocommit=True) as c:
        box["pid"] = c.info.backend_pid
        if setup_sql:
            c.execute(setup_sql)
        for s in before:
            c.execute(s)
        box["t0"] = time.monotonic()
        try:
            c.execute(call)
            box["err"] = None
        except psycopg.Error as e:
            box["err"] = e
        box["t1"] = time.monotonic()


def _prepare(postgresql, family):
    make, setup_sql, call = FAMILIES[family]
    make(postgresql)
    postgresql.commit()
    return setup_sql, call


@pytest.mark.parametrize("family", list(FAMILIES))
def test_statement_timeout_stops(postgresql, family):
    setup_sql, call = _prepare(postgresql, family)
    started = _start(postgresql)
    box = {}
    _run(_dsn(postgresql), setup_sql, call, ["SET statement_timeout = '1s'"], box)
    elapsed = box["t1"] - box["t0"]
    print(f"{family}: timeout 1s stopped after {elapsed:.2f} s")
    assert box["err"] is not None and box["err"].sqlstate == "57014", box["err"]
    assert elapsed < 1 + SLACK
    assert _leftovers(postgresql) is None
    assert _start(postgresql) == started


def test_issue_repro_pagerank_timeout_2s(postgresql):
    ring(postgresql)
    postgresql.commit()
    box = {}
    _run(_dsn(postgresql), None,
         "SELECT indb_ml.pagerank('g','id','g','src=src, dest=dst','g_pr', 0.85, 1000000, 0)",
         ["SET statement_timeout = '2s'"], box)
    elapsed = box["t1"] - box["t0"]
    assert box["err"] is not None and box["err"].sqlstate == "57014"
    assert elapsed < 2 + SLACK
    assert postgresql.execute("SELECT to_regclass('g_pr'), to_regclass('g_pr_summary')").fetchone() == (None, None)


def _background(postgresql, family):
    setup_sql, call = _prepare(postgresql, family)
    box = {}
    t = threading.Thread(target=_run, args=(_dsn(postgresql), setup_sql, call, [], box))
    t.start()
    deadline = time.monotonic() + 10
    while "t0" not in box and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.8)  # well inside the iterations
    return t, box


@pytest.mark.parametrize("family", ["pagerank_memory", "hits", "logregr", "elastic_net", "wcc", "sssp", "glm",
                                    "logregr_irls", "lm_cg", "matrix_mult", "planner", "compression",
                                    "cross_validation"])
def test_cancel_backend_stops(postgresql, family):
    started = _start(postgresql)
    t, box = _background(postgresql, family)
    assert t.is_alive(), box.get("err")
    tc = time.monotonic()
    assert postgresql.execute("SELECT pg_cancel_backend(%s)", [box["pid"]]).fetchone()[0]
    t.join(1 + SLACK)
    assert not t.is_alive(), f"{family} ignored pg_cancel_backend"
    print(f"{family}: cancel stopped after {box['t1'] - tc:.2f} s")
    assert box["err"].sqlstate == "57014"
    postgresql.rollback()
    assert _leftovers(postgresql) is None
    assert _start(postgresql) == started


@pytest.mark.parametrize("family", ["pagerank_memory", "hits", "logregr", "elastic_net", "glm", "compression"])
def test_terminate_backend_ends_it(postgresql, family):
    started = _start(postgresql)
    t, box = _background(postgresql, family)
    assert t.is_alive(), box.get("err")
    tc = time.monotonic()
    postgresql.execute("SELECT pg_terminate_backend(%s)", [box["pid"]])
    postgresql.commit()
    gone = None
    while time.monotonic() < tc + 3:
        if not postgresql.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [box["pid"]]).fetchone():
            gone = time.monotonic() - tc
            break
        postgresql.commit()
        time.sleep(0.05)
    t.join(3)
    print(f"{family}: terminate ended the backend after {gone} s")
    assert gone is not None, f"{family}: backend {box['pid']} still listed 3 s after pg_terminate_backend"
    assert not t.is_alive()
    assert isinstance(box["err"], psycopg.OperationalError)
    assert _leftovers(postgresql) is None
    assert _start(postgresql) == started
