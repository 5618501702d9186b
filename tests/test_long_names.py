"""Output table names PostgreSQL would truncate are refused before any work (issue 16, item 10).

PostgreSQL keeps 63 bytes of a name (NAMEDATALEN - 1) and truncates longer ones with only a
NOTICE. An out_table of 56+ bytes used to get a truncated ``_summary`` table; at 63+ bytes
the truncated summary name equalled the output table's and the training failed with "already
exists" for a table that did not exist. Every derived name is now checked where it is made
(indb_ml.core.relations.Relation), so the call fails with 42622 (name_too_long) and no table.
Run as an ordinary role.
"""

from __future__ import annotations

import uuid

import psycopg
import pytest
from psycopg import sql

MAX = 63  # NAMEDATALEN - 1


@pytest.fixture
def db(postgresql):
    """An ordinary role with a table ``d`` (y, x, g) of its own, in autocommit."""
    conn = postgresql
    conn.autocommit = True
    role = f"names_{uuid.uuid4().hex[:8]}"
    conn.execute(sql.SQL("CREATE ROLE {}").format(sql.Identifier(role)))
    conn.execute(sql.SQL("GRANT USAGE, CREATE ON SCHEMA public TO {}").format(sql.Identifier(role)))
    conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
    conn.execute("CREATE TABLE d AS SELECT i AS id, i::float8 AS x, 2 * i + sin(i) AS y, "
                 "(i % 2 = 0)::int AS b FROM generate_series(1, 60) i")
    conn.execute("CREATE TABLE e AS SELECT i AS src, i % 7 + 1 AS dest FROM generate_series(1, 7) i")
    conn.execute("CREATE TABLE v AS SELECT i AS id FROM generate_series(1, 7) i")
    yield conn
    conn.execute("RESET ROLE")
    conn.execute(sql.SQL("DROP OWNED BY {0}; DROP ROLE {0}").format(sql.Identifier(role)))


def tables(conn, prefix):
    return conn.execute("SELECT relname FROM pg_class WHERE relname LIKE %s ORDER BY 1",
                        [prefix[:20] + "%"]).fetchall()


@pytest.mark.parametrize("length", [56, 62, 63, 64, 80])
def test_linregr_out_table_whose_summary_would_be_truncated(db, length):
    out = "m" * length
    with pytest.raises(psycopg.errors.NameTooLong, match="too long") as err:
        db.execute("SELECT indb_ml.linregr_train('d', %s, 'y', 'ARRAY[1, x]')", [out])
    assert "63" in str(err.value) and "_summary" in (err.value.diag.message_hint or "")
    assert tables(db, out) == []  # nothing was created, not even the output table


def test_the_longest_name_that_fits_works_whole(db):
    out = "m" * (MAX - len("_summary"))  # 55 bytes: its summary is exactly 63
    db.execute("SELECT indb_ml.linregr_train('d', %s, 'y', 'ARRAY[1, x]')", [out])
    assert tables(db, out) == [(out,), (out + "_summary",)]
    assert db.execute("SELECT output_tables FROM indb_ml.models").fetchone()[0] == [
        "public." + out, "public." + out + "_summary"]


def test_bytes_not_characters_and_quoted_names(db):
    fits, too_long = "é" * 27, "é" * 28  # 54 and 56 bytes in UTF-8
    db.execute("SELECT indb_ml.logregr_train('d', %s, 'b', 'ARRAY[1, x]')", [fits])
    assert db.execute("SELECT to_regclass(quote_ident(%s)) IS NOT NULL", [fits + "_summary"]).fetchone()[0]
    with pytest.raises(psycopg.errors.NameTooLong):
        db.execute("SELECT indb_ml.logregr_train('d', %s, 'b', 'ARRAY[1, x]')", [too_long])
    with pytest.raises(psycopg.errors.NameTooLong):
        db.execute("SELECT indb_ml.linregr_train('d', %s, 'y', 'ARRAY[1, x]')", ['public."' + "M" * 60 + '"'])
    with pytest.raises(psycopg.errors.NameTooLong, match="out_table"):
        db.execute("SELECT indb_ml.linregr_train('d', %s, 'y', 'ARRAY[1, x]')", ["s" * 64 + ".m"])


def test_incremental_state_table_and_graph_outputs(db):
    """linregr_train_incremental's _summary and _state, and a graph function's _summary."""
    with pytest.raises(psycopg.errors.NameTooLong):
        db.execute("SELECT indb_ml.linregr_train_incremental('d', %s, 'y', 'ARRAY[1, x]')", ["i" * 56])
    assert tables(db, "i" * 56) == []
    db.execute("SELECT indb_ml.linregr_train_incremental('d', %s, 'y', 'ARRAY[1, x]')", ["i" * 55])
    assert [r[0] for r in tables(db, "i" * 55)] == ["i" * 55, "i" * 55 + "_state", "i" * 55 + "_summary"]
    with pytest.raises(psycopg.errors.NameTooLong):
        db.execute("SELECT indb_ml.pagerank('v', 'id', 'e', 'src=src, dest=dest', %s)", ["p" * 60])
    assert tables(db, "p" * 60) == []
