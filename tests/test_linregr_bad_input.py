"""Bad input to linregr_train: a clear error naming the problem, and no output left behind."""

from __future__ import annotations

import numpy as np
import psycopg.errors as E
import pytest

from tests.helpers import load_table

TRAIN = "SELECT indb_ml.linregr_train(%s, %s, %s, %s)"


@pytest.fixture
def db(postgresql):
    rng = np.random.default_rng(1)
    load_table(postgresql, "houses", {"price": rng.normal(size=50), "tax": rng.normal(size=50),
                                      "zone": np.array(["a", "b"] * 25)}, types={"zone": "text"})
    postgresql.execute("CREATE TABLE empty (price float8, tax float8)")
    postgresql.execute("CREATE TABLE nulls AS SELECT NULL::float8 AS price, g::float8 AS tax "
                       "FROM generate_series(1, 5) g")
    postgresql.execute("CREATE TABLE ragged (price float8, feats float8[])")
    postgresql.execute("INSERT INTO ragged VALUES (1, '{1,2}'), (2, '{1,2,3}'), (3, '{1,5}')")
    postgresql.execute("CREATE TABLE bad_values (price float8, tax float8)")
    postgresql.execute("INSERT INTO bad_values SELECT g, g * 2 FROM generate_series(1, 100) g")
    postgresql.execute("INSERT INTO bad_values VALUES (1, 'NaN'), ('Infinity', 2)")
    return postgresql


def assert_fails(conn, error, match, args, out="out"):
    with pytest.raises(error, match=match), conn.transaction():
        conn.execute(TRAIN, args)
    for name in (out, out + "_summary"):
        assert conn.execute("SELECT to_regclass(%s)", [name]).fetchone()[0] is None, f"{name} left behind"


@pytest.mark.parametrize("error, match, args", [
    (E.UndefinedTable, "source_table 'nope' does not exist", ("nope", "out", "price", "ARRAY[1, tax]")),
    (E.UndefinedColumn, 'column "foo" does not exist', ("houses", "out", "price", "ARRAY[1, foo]")),
    (E.UndefinedColumn, 'column "cost" does not exist', ("houses", "out", "cost", "ARRAY[1, tax]")),
    (E.DatatypeMismatch, "dependent_varname 'zone' has type text", ("houses", "out", "zone", "ARRAY[1, tax]")),
    (E.DatatypeMismatch, "element 2 has type text", ("houses", "out", "price", "ARRAY[1, zone]")),
    (E.DatatypeMismatch, "independent_varname 'zone' has type text", ("houses", "out", "price", "zone")),
    (E.InvalidParameterValue, "must be an ARRAY", ("houses", "out", "price", "tax + 1")),
    # casts to text parse (for CASE and grouping expressions) and are then refused by type
    (E.InvalidParameterValue, "must be an ARRAY", ("houses", "out", "price", "ARRAY[1, tax]::text")),
    (E.DatatypeMismatch, "element 2 has type text", ("houses", "out", "price", "ARRAY[1, tax::text]")),
    (E.DatatypeMismatch, "'zone is null' has type boolean", ("houses", "out", "zone is null", "ARRAY[1, tax]")),
    (E.InvalidParameterValue, "has no features", ("houses", "out", "price", "ARRAY[]")),
    (E.InvalidParameterValue, "source_table must not be NULL", (None, "out", "price", "ARRAY[1, tax]")),
    (E.DataException, "is empty", ("empty", "out", "price", "ARRAY[1, tax]")),
    (E.DataException, "all 5 rows have a NULL", ("nulls", "out", "price", "ARRAY[1, tax]")),
    (E.ArraySubscriptError, "different lengths", ("ragged", "out", "price", "feats")),
    (E.InvalidTextRepresentation, "NaN or Infinity in the dependent or an independent variable",
     ("bad_values", "out", "price", "ARRAY[1, tax]")),
])
def test_bad_input(db, error, match, args):
    assert_fails(db, error, match, args)


@pytest.mark.parametrize("expression", [
    "ARRAY[1, tax]); DROP TABLE houses; --",
    "ARRAY[1, tax] /* comment */",
    "ARRAY[1, (SELECT max(tax) FROM houses)]",
    "ARRAY[1, pg_sleep(1)]",
    "ARRAY[1, tax]::regclass",
    "ARRAY[1, current_setting('is_superuser')]",
])
def test_smuggled_sql_is_rejected(db, expression):
    assert_fails(db, E.SyntaxError, "expression|cannot parse", ("houses", "out", "price", expression))
    assert db.execute("SELECT count(*) FROM houses").fetchone()[0] == 50


def test_hostile_names_are_quoted_not_executed(db):
    assert_fails(db, E.InvalidParameterValue, "not a valid table name",
                 ("houses", "out; DROP TABLE houses", "price", "ARRAY[1, tax]"), out="out")
    assert_fails(db, E.InvalidParameterValue, "not a valid table name",
                 ("houses; DROP TABLE houses", "out", "price", "ARRAY[1, tax]"))
    # A real table whose name and columns are made of quotes, spaces and SQL.
    db.execute('CREATE TABLE "We""ird; DROP TABLE houses; --" ("Pri ce" float8, "ta""x" float8)')
    db.execute('INSERT INTO "We""ird; DROP TABLE houses; --" SELECT g, g * g FROM generate_series(1, 20) g')
    db.execute(TRAIN, ['"We""ird; DROP TABLE houses; --"', '"Out""put; --"', '"Pri ce"', 'ARRAY[1, "ta""x"]'])
    assert db.execute('SELECT num_rows_processed FROM "Out""put; --"').fetchone()[0] == 20
    assert db.execute('SELECT count(*) FROM "Out""put; --_summary"').fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM houses").fetchone()[0] == 50


def test_existing_output_is_not_replaced(db):
    db.execute("CREATE TABLE out (keep int)")
    with pytest.raises(E.DuplicateTable, match="already exists"), db.transaction():
        db.execute(TRAIN, ["houses", "out", "price", "ARRAY[1, tax]"])
    db.execute("CREATE TABLE out2_summary (keep int)")
    with pytest.raises(E.DuplicateTable, match="summary table .* already exists"), db.transaction():
        db.execute(TRAIN, ["houses", "out2", "price", "ARRAY[1, tax]"])
    assert db.execute("SELECT to_regclass('out2')").fetchone()[0] is None


def test_grouping_errors(db):
    with pytest.raises(E.UndefinedColumn, match="grouping_cols"), db.transaction():
        db.execute("SELECT indb_ml.linregr_train('houses', 'out', 'price', 'ARRAY[1, tax]', 'nope')")
    with pytest.raises(E.SyntaxError), db.transaction():
        db.execute("SELECT indb_ml.linregr_train('houses', 'out', 'price', 'ARRAY[1, tax]', 'zone; DROP TABLE x')")
    with pytest.raises(E.InvalidParameterValue, match="clashes"), db.transaction():
        db.execute("ALTER TABLE houses ADD COLUMN coef int")
        db.execute("SELECT indb_ml.linregr_train('houses', 'out', 'price', 'ARRAY[1, tax]', 'coef')")


def test_predict_dimension_mismatch(db):
    with pytest.raises(E.ArraySubscriptError, match="linregr_predict: 2 coefficients but 3 features"), db.transaction():
        db.execute("SELECT indb_ml.linregr_predict(ARRAY[1, 2], ARRAY[1, 2, 3])")
