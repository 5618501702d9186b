"""MADlib-signature conformance for the cross-validation metric helpers (issue 14).

MADlib's cv_logregr_accuracy (src/ports/postgres/modules/validation/cross_validation.sql_in) is used
with a boolean dependent; MADlib users also keep 0/1 labels in int columns, so both must work and
give the share of rows whose prediction matches.  The oracle is numpy on the same rows.
"""

from __future__ import annotations

import numpy as np
import pytest

N = 101


@pytest.fixture
def labels(postgresql):
    rng = np.random.default_rng(14)
    truth = rng.random(N) < 0.4
    pred = rng.random(N) < 0.5
    postgresql.execute('CREATE TABLE d (id int, b boolean, yi int, "Yi" int)')
    postgresql.execute('CREATE TABLE q (id int, prediction boolean)')
    with postgresql.cursor().copy("COPY d FROM STDIN") as copy:
        for i in range(N):
            copy.write_row([i + 1, bool(truth[i]), int(truth[i]), int(truth[i])])
    with postgresql.cursor().copy("COPY q FROM STDIN") as copy:
        for i in range(N):
            copy.write_row([i + 1, bool(pred[i])])
    return postgresql, float(np.mean(truth == pred))


@pytest.mark.parametrize("dep", ["b", "yi", '"Yi"'])
def test_cv_logregr_accuracy_boolean_or_int_dependent(labels, dep):
    conn, want = labels
    conn.execute("SELECT indb_ml.cv_logregr_accuracy('q', 'd', 'id', %s, 'a')", [dep])
    got = conn.execute("SELECT accuracy FROM a").fetchone()[0]
    assert got == pytest.approx(want, rel=1e-12)
    assert 0.0 < got < 1.0


def test_cv_logregr_accuracy_non_castable_dependent_is_clean_error(labels):
    conn, _ = labels
    conn.execute("CREATE TABLE t AS SELECT id, 'x'::text || id AS s FROM d")
    with pytest.raises(Exception) as exc, conn.transaction():
        conn.execute("SELECT indb_ml.cv_logregr_accuracy('q', 't', 'id', 's', 'a')")
    assert "cv_logregr_accuracy" in str(exc.value)
    assert conn.execute("SELECT to_regclass('a')").fetchone()[0] is None


def test_multinom_predict_quoted_mixed_case_id(postgresql):
    """multinom_predict(model, data, out, type, verbose, id_column) with id_column '"RowId"' (MADlib
    glm/multiresponseglm.sql_in documents id_column as a column name): the output keeps that
    column, and the probabilities equal a numpy softmax of the model's own coefficients."""
    rng = np.random.default_rng(5)
    n = 300
    x = rng.normal(size=n)
    cat = np.digitize(1.2 * x + rng.logistic(size=n), [-0.5, 0.8])
    postgresql.execute('CREATE TABLE m ("RowId" int, cat int, x float8)')
    with postgresql.cursor().copy("COPY m FROM STDIN") as copy:
        for i in range(n):
            copy.write_row([i + 1, int(cat[i]), float(x[i])])
    postgresql.execute("SELECT indb_ml.multinom('m', 'mm', 'cat', 'ARRAY[1, x]', 0, 'logit', NULL, "
                       "'max_iter=50, tolerance=1e-12')")
    postgresql.execute("SELECT indb_ml.multinom_predict('mm', 'm', 'pp', 'probability', false, '\"RowId\"')")
    got = np.array(postgresql.execute('SELECT "0", "1", "2" FROM pp ORDER BY "RowId"').fetchall())
    coefs = [r[0] for r in postgresql.execute("SELECT coef FROM mm ORDER BY category").fetchall()]
    xi = np.column_stack([np.ones(n), x])
    eta = np.column_stack([np.zeros(n)] + [xi @ np.asarray(c) for c in coefs])
    want = np.exp(eta - eta.max(axis=1, keepdims=True))
    want /= want.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-15)
    with pytest.raises(Exception, match="no column"), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.multinom_predict('mm', 'm', 'p2', 'probability', false, 'rowid')")


def test_cross_validation_general_quoted_mixed_case_and_quiet(postgresql):
    """Mixed-case quoted column names in the argument arrays and a mixed-case data_id work; the
    driver's own temporary tables raise no NOTICE (MADlib's driver runs them quietly)."""
    rng = np.random.default_rng(7)
    n = 120
    x = rng.normal(size=(n, 2))
    y = 0.5 + x @ [1.5, -2.0] + rng.normal(size=n)
    postgresql.execute('CREATE TABLE "Cv Data" ("Id" int, "Y" float8, "X1" float8, "X2" float8)')
    with postgresql.cursor().copy('COPY "Cv Data" FROM STDIN') as copy:
        for i in range(n):
            copy.write_row([i + 1, float(y[i]), *map(float, x[i])])
    notices = []
    postgresql.add_notice_handler(lambda d: notices.append(d.message_primary))
    feats = 'ARRAY[1, "X1", "X2"]'
    postgresql.execute(
        "SELECT indb_ml.cross_validation_general('indb_ml.cv_linregr_train', "
        "ARRAY['%%data%%', %s, '\"Y\"', '%%model%%'], '{varchar, varchar, varchar, varchar}', NULL, NULL, "
        "'indb_ml.cv_linregr_predict', ARRAY['%%model%%', '%%data%%', %s, '%%id%%', '%%prediction%%'], "
        "'{text, text, text, text, text}', 'indb_ml.mse_error', "
        "ARRAY['%%prediction%%', '%%data%%', '%%id%%', '\"Y\"', '%%error%%'], '{text, text, text, text, text}', "
        "'\"Cv Data\"', '\"Id\"', TRUE, 'cv', NULL, 3)", [feats, feats])
    avg = postgresql.execute("SELECT mean_squared_error_avg FROM cv").fetchone()[0]
    X = np.column_stack([np.ones(n), x])
    fold = np.minimum(np.arange(n) // (n // 3), 2)
    mse = []
    for k in range(3):
        coef = np.linalg.lstsq(X[fold != k], y[fold != k], rcond=None)[0]
        mse.append(np.mean((y[fold == k] - X[fold == k] @ coef) ** 2))
    assert avg == pytest.approx(np.mean(mse), rel=1e-10)
    assert notices == []


def test_elastic_net_predict_null_feature_row_gives_null(postgresql):
    """A row with a NULL feature gets a NULL prediction (the other rows are unaffected), both in
    elastic_net_predict's table and from elastic_net_gaussian_predict on an array with a NULL."""
    rng = np.random.default_rng(9)
    n = 80
    x = rng.normal(size=(n, 2))
    y = 1.0 + x @ [2.0, -1.0] + 0.1 * rng.normal(size=n)
    postgresql.execute("CREATE TABLE e (id int, y float8, x1 float8, x2 float8)")
    with postgresql.cursor().copy("COPY e FROM STDIN") as copy:
        for i in range(n):
            copy.write_row([i + 1, float(y[i]), *map(float, x[i])])
    postgresql.execute("SELECT indb_ml.elastic_net_train('e', 'em', 'y', 'ARRAY[x1, x2]', 'gaussian', 0.5, 0.01)")
    postgresql.execute("INSERT INTO e VALUES (1000, NULL, 1.0, NULL)")
    postgresql.execute("SELECT indb_ml.elastic_net_predict('em', 'e', 'id', 'ep')")
    coef, b = postgresql.execute("SELECT coef_all, intercept FROM em").fetchone()
    rows = dict(postgresql.execute("SELECT id, prediction FROM ep").fetchall())
    assert rows[1000] is None
    want = b + x @ np.asarray(coef)
    np.testing.assert_allclose([rows[i + 1] for i in range(n)], want, rtol=1e-12)
    assert postgresql.execute("SELECT indb_ml.elastic_net_gaussian_predict(coef_all, intercept, "
                              "ARRAY[1, NULL]::float8[]) FROM em").fetchone()[0] is None
    assert postgresql.execute("SELECT indb_ml.elastic_net_binomial_predict(ARRAY[1, 2]::float8[], 0.5, "
                              "ARRAY[NULL, 1]::float8[])").fetchone()[0] is None


def test_elastic_net_star_with_excluded_equals_the_listed_columns(postgresql):
    """col_ind_var '*' (MADlib elastic_net.sql_in: every column but the dependent and `excluded`)
    gives the same model as listing those columns; excluded without '*' is an error."""
    rng = np.random.default_rng(11)
    n = 150
    x = rng.normal(size=(n, 2))
    y = 1.0 + x @ [2.0, -1.0] + 0.3 * rng.normal(size=n)
    postgresql.execute("CREATE TABLE s (id int, y float8, x1 float8, x2 float8)")
    with postgresql.cursor().copy("COPY s FROM STDIN") as copy:
        for i in range(n):
            copy.write_row([i + 1, float(y[i]), *map(float, x[i])])
    postgresql.execute("SELECT indb_ml.elastic_net_train('s', 'm1', 'y', '*', 'gaussian', 0.5, 0.05, "
                       "excluded := 'id')")
    postgresql.execute("SELECT indb_ml.elastic_net_train('s', 'm2', 'y', 'ARRAY[x1, x2]', 'gaussian', 0.5, 0.05)")
    a = postgresql.execute("SELECT coef_all, intercept FROM m1").fetchone()
    b = postgresql.execute("SELECT coef_all, intercept FROM m2").fetchone()
    np.testing.assert_allclose(a[0], b[0], rtol=1e-10)
    assert a[1] == pytest.approx(b[1], rel=1e-10)
    assert len(a[0]) == 2
    with pytest.raises(Exception, match="excluded"), postgresql.transaction():
        postgresql.execute("SELECT indb_ml.elastic_net_train('s', 'm3', 'y', 'ARRAY[x1]', 'gaussian', 0.5, 0.05, "
                           "excluded := 'id')")
