"""MADlib's old-form mlogregr on a table with no row free of NULLs returns NULL, as MADlib's does
(regress/test/multilogistic.sql_in, table patients_all_null: MADlib's IRLS final step returns
NULL for an aggregate that saw no row, so ``__internal_mlogregr_irls_result`` and the function's
result are NULL); mlogregr_train keeps its error, and neither leaves a table or progress behind."""

from __future__ import annotations

import psycopg.errors as E
import pytest

# patients_all_null of MADlib's regress/test/multilogistic.sql_in: every row has a NULL.
ROWS = [(1, None, 1, 70), (2, 1, 1, None), (3, 1, 1, None), (4, 1, 0, None), (5, 1, 0, None),
        (6, 1, 0, None), (7, 1, 0, None), (8, 1, 0, None), (9, 1, 0, None), (10, 1, 0, None),
        (11, None, 1, 65), (12, 0, None, 50), (13, 0, None, 45), (14, 0, None, 35), (15, 0, None, 40),
        (16, 0, None, 50), (17, 0, None, 55), (18, 0, None, 45), (19, 0, None, 50), (20, 0, None, 60)]


@pytest.fixture
def db(postgresql):
    postgresql.execute("CREATE TABLE patients_all_null (id int, second_attack int, treatment int, "
                       "trait_anxiety int)")
    with postgresql.cursor() as cur:
        cur.executemany("INSERT INTO patients_all_null VALUES (%s, %s, %s, %s)", ROWS)
    return postgresql


def tables(conn) -> int:
    return conn.execute("SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relname LIKE 'indb_ml_mlr_%'"
                        ).fetchone()[0]


@pytest.mark.parametrize("engine", ["auto", "aggregate", "memory"])
def test_old_form_returns_null(db, engine):
    db.execute("SELECT set_config('indb_ml.training_plan', %s, false)", [engine])
    row = db.execute("SELECT r IS NULL, (r).coef FROM indb_ml.mlogregr('patients_all_null', 'second_attack', "
                     "'ARRAY[1, treatment, trait_anxiety]', 20, 'irls', 0.0001, 1) r").fetchone()
    assert row == (True, None)
    assert tables(db) == 0
    assert db.execute("SELECT count(*) FROM indb_ml.progress").fetchone()[0] == 0


def test_old_form_still_fits_complete_rows(db):
    """One complete row per category is not NULL: the guard is for no rows, not few."""
    db.execute("UPDATE patients_all_null SET treatment = 1, trait_anxiety = 40 + id WHERE id IN (12, 13, 14)")
    db.execute("UPDATE patients_all_null SET trait_anxiety = 50 + id WHERE id IN (2, 3, 4)")
    row = db.execute("SELECT r IS NULL, array_length((r).coef, 1) FROM indb_ml.mlogregr('patients_all_null', "
                     "'second_attack', 'ARRAY[1, trait_anxiety]') r").fetchone()
    assert row == (False, 2)


def test_train_form_keeps_its_error(db):
    with pytest.raises(E.DataException, match="no rows to train on"), db.transaction():
        db.execute("SELECT indb_ml.mlogregr_train('patients_all_null', 'out', 'second_attack', "
                   "'ARRAY[1, treatment, trait_anxiety]')")
    assert db.execute("SELECT to_regclass('out') IS NULL AND to_regclass('out_summary') IS NULL").fetchone()[0]
