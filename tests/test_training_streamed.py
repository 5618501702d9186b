"""Iterative trainers above ``indb_ml.matrix_memory_mb``: none holds the rows in memory.
logregr_train (IRLS) and glm switch to one C aggregate statement per iteration over the
source; mlogregr_train and multinom take that plan on plain tables anyway; the others
reblock the rows once into temporary tiles per group and every iteration streams them. With
the cap at 0 each trainer must give the model it gives under the cap (those fits are checked
against statsmodels in their own test files), and leave no temporary table behind."""

from __future__ import annotations

import numpy as np
import psycopg.errors as E
import pytest

N = 2400


@pytest.fixture
def data(postgresql):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(N, 2))
    g = rng.choice([1.0, 2.0], size=N)
    eta = 0.2 + x @ np.array([0.8, -0.6]) + 0.3 * (g == 2)
    yb = rng.random(N) < 1 / (1 + np.exp(-eta))
    count = rng.poisson(np.exp(0.3 + 0.4 * x[:, 0]))
    cat = np.digitize(eta + rng.logistic(size=N), [-0.5, 0.8])
    postgresql.execute("CREATE TABLE d (g numeric, yb boolean, cnt int, cat int, x1 float8, x2 float8)")
    with postgresql.cursor().copy("COPY d FROM STDIN") as copy:
        for i in range(N):
            # numeric 1.0 and 1.00 are one group to SQL: both spellings appear
            gv = "1.00" if g[i] == 1 and i % 2 else f"{g[i]:.1f}"
            copy.write_row([gv, bool(yb[i]), int(count[i]), int(cat[i]), *x[i]])
        copy.write_row(["1.0", None, None, None, 0.5, 0.5])  # skipped everywhere
        copy.write_row(["3.0", None, None, None, 0.1, 0.2])  # a group with no complete row
    return postgresql


CASES = {
    "logregr": ("SELECT indb_ml.logregr_train('d', %s, 'yb', 'ARRAY[1, x1, x2]', 'g', 50, 'irls', 1e-12)",
                "coef, std_err, log_likelihood, num_rows_processed, num_missing_rows_skipped, status"),
    "glm": ("SELECT indb_ml.glm('d', %s, 'cnt', 'ARRAY[1, x1, x2]', 'family=poisson, link=log', 'g', "
            "'max_iter=50, tolerance=1e-12')",
            "coef, std_err, log_likelihood, num_rows_processed, num_rows_skipped, status"),
    "multinom": ("SELECT indb_ml.multinom('d', %s, 'cat', 'ARRAY[1, x1, x2]', 0, 'logit', 'g', "
                 "'max_iter=50, tolerance=1e-12')",
                 "category, coef, std_err, log_likelihood, num_rows_processed, num_rows_skipped"),
    "mlogregr": ("SELECT indb_ml.mlogregr_train('d', %s, 'cat', 'ARRAY[1, x1, x2]', 1, "
                 "'max_iter=50, tolerance=1e-12')",
                 "category, coef, std_err, log_likelihood, num_rows_processed, num_rows_skipped"),
    "ordinal": ("SELECT indb_ml.ordinal('d', %s, 'cat', 'ARRAY[x1, x2]', '0, 1, 2', 'logit', 'g')",
                "coef_threshold, std_err_threshold, coef_feature, std_err_feature, log_likelihood, "
                "num_rows_processed, num_rows_skipped"),
}
# above the cap these take aggregate passes over the source (indb_ml/regress/logregr.py, glm.py)
AGGREGATE_ABOVE_CAP = ("logregr", "glm")


def _rows(conn, table, cols):
    grouped = "g" in [r[0] for r in conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0", [table]).fetchall()]
    order = ("g, " if grouped else "") + ("category" if cols.startswith("category") else "1")
    keys = "g, " if grouped else ""  # numeric: 1.0 and 1.00 compare equal, as in SQL
    return conn.execute(f"SELECT {keys}{cols} FROM {table} ORDER BY {order}").fetchall()


def _assert_same(mem, streamed):
    assert len(mem) == len(streamed) and len(mem) >= 2
    for a, b in zip(mem, streamed):
        for u, v in zip(a, b):
            if isinstance(u, list) or isinstance(u, float):
                np.testing.assert_allclose(np.array(v, dtype=float), np.array(u, dtype=float), rtol=1e-9,
                                           atol=1e-12)
            else:
                assert u == v


@pytest.mark.parametrize("method", sorted(CASES))
def test_streamed_tiles_give_the_in_memory_model(data, method):
    call, cols = CASES[method]
    data.execute(call, ["mem"])
    data.execute("SET indb_ml.matrix_memory_mb = 0")
    seen = []
    data.add_notice_handler(lambda d: seen.append(d.message_primary))
    data.execute("SET client_min_messages = debug2")
    data.execute(call, ["st"])
    data.execute("RESET client_min_messages")
    groups = 1 if method == "mlogregr" else 2
    if method in AGGREGATE_ABOVE_CAP:  # packed in memory under the cap, aggregate passes above it
        expected = ("the rows exceed indb_ml.matrix_memory_mb; aggregate passes over",)
    else:  # either plan that does not hold the rows
        expected = ("aggregate passes over", f"streaming temporary tiles for {groups} group(s)")
    assert any(e in m for m in seen for e in expected), seen
    assert not any("rows packed in memory" in m for m in seen), seen
    _assert_same(_rows(data, "mem", cols), _rows(data, "st", cols))
    leftovers = data.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'indb\\_ml\\_rows%%' "
                             "OR relname LIKE 'indb\\_ml\\_tiles%%'").fetchone()[0]
    assert leftovers == 0


def test_streamed_bad_dependent_is_an_error_and_leaves_nothing(data):
    data.execute("SET indb_ml.matrix_memory_mb = 0")
    with pytest.raises(E.DatatypeMismatch, match="boolean or 0/1"), data.transaction():
        data.execute("SELECT indb_ml.logregr_train('d', 'bad', 'cnt', 'ARRAY[1, x1]', 'g')")
    with pytest.raises(E.DatatypeMismatch, match="non-negative|negative"), data.transaction():
        data.execute("SELECT indb_ml.glm('d', 'bad', '-cnt - 1', 'ARRAY[1, x1]', 'family=poisson', 'g')")
    assert data.execute("SELECT to_regclass('bad')").fetchone()[0] is None


@pytest.mark.parametrize("method", sorted(CASES))
def test_forced_parallel_query_gives_the_serial_model(data, method):
    """With parallel query forced for every statement (the trainers' own SQL included), each
    trainer gives the model it gives serially."""
    call, cols = CASES[method]
    data.execute(call, ["ser"])
    for setting in ("parallel_setup_cost = 0", "parallel_tuple_cost = 0", "min_parallel_table_scan_size = 0",
                    "max_parallel_workers_per_gather = 2", "force_parallel_mode = on"):
        data.execute("SET " + setting)
    data.execute(call, ["par"])
    _assert_same(_rows(data, "ser", cols), _rows(data, "par", cols))
