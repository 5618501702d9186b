"""CASE in user expressions: both of SQL's forms parse, render with quoted identifiers, and train.

MADlib's own tests pass CASE as a dependent variable: glm/test/poisson.sql_in
(``'case when breaks = ''inf'' then 10 else breaks end'``) and glm/test/multinom.sql_in
(``'case when cat = ''1'' then ''a'' else ''c'' end'``).
"""

from __future__ import annotations

import numpy as np
import psycopg.errors as E
import pytest

from indb_ml import sqlexpr
from indb_ml.errors import InputError
from tests.helpers import load_table


def render(text: str) -> str:
    return sqlexpr.to_sql(sqlexpr.parse(text), sqlexpr._demo_quote, sqlexpr._demo_literal)


@pytest.mark.parametrize("text, sql", [
    ("case when cat = '1' then 'a' else 'c' end", "(CASE WHEN (cat = '1') THEN 'a' ELSE 'c' END)"),
    ("CASE x WHEN 1 THEN 2 WHEN 3 THEN 4 END", "(CASE x WHEN 1 THEN 2 WHEN 3 THEN 4 END)"),
    ("ARRAY[1, case when a > 0 then log(a) end]", "ARRAY[1, (CASE WHEN (a > 0) THEN log(a) END)]"),
    ('case "Odd ""Col""" when \'x\'\'y\' then 1 else 0 end',
     '(CASE "Odd ""Col""" WHEN \'x\'\'y\' THEN 1 ELSE 0 END)'),
    ("case x when 1 then case when y = 1 then 2 end end * 2",
     "((CASE x WHEN 1 THEN (CASE WHEN (y = 1) THEN 2 END) END) * 2)"),
    ("case when x then 1 else 2 end::int", "((CASE WHEN x THEN 1 ELSE 2 END))::int"),
    # AND / OR / NOT / IS in PostgreSQL's precedence: OR < AND < NOT < IS < comparisons
    ("case when a > 0 and b < 1 or c = 2 then 1 else 0 end",
     "(CASE WHEN (((a > 0) AND (b < 1)) OR (c = 2)) THEN 1 ELSE 0 END)"),
    ("not a = 1 and b", "((NOT (a = 1)) AND b)"),
    ("a = b is null", "(((a = b)) IS NULL)"),
    ("x is not null and y is true", "(((x) IS NOT NULL) AND ((y) IS TRUE))"),
    ("not not (a or b)", "(NOT (NOT (a OR b)))"),
    ("coalesce(x, null, false)", "coalesce(x, NULL, FALSE)"),
    ("x::text || 'a'", "((x)::text || 'a')"),
    ("x::varchar", "(x)::varchar"),
])
def test_case_renders(text, sql):
    assert render(text) == sql


@pytest.mark.parametrize("text, where", [
    ("case end", "expected WHEN"),
    ("case when x then 1", "expected 'end'"),
    ("case when x 1 end", "expected 'then'"),
    ("case when x then 1 else end", "expected a value"),
    ("end", "quote a column named END"),
    ("case when x = 1 then pg_sleep(1) end", "pg_sleep"),
    ("case when x = 1 then (select 1) end", "cannot parse"),
    ("case when x = 1 then 1 end; drop table t", "only a single expression"),
    ("case when x = 1 then 1 end -- c", "only a single expression"),
    ("case when x = 1 then 1::regclass end", "expected a type"),
    ("x IS 1", "expected NULL, TRUE or FALSE after IS"),
    ("x IS NOT", "expected NULL, TRUE or FALSE after IS NOT"),
    ("x AND", "expected a value"),
    ("NOT", "expected a value"),
    ("x OR y OR", "expected a value"),
    ("and", "quote a column named AND"),
    ("x OR pg_sleep(1) > 0", "pg_sleep"),
    ("case when x = 1 then 1 end end", "expected end of expression"),
])
def test_bad_case_is_refused(text, where):
    with pytest.raises(InputError, match=where) as info:
        sqlexpr.parse(text)
    assert info.value.sqlstate == InputError.SYNTAX


@pytest.fixture
def db(postgresql):
    rng = np.random.default_rng(3)
    x = rng.normal(size=80)
    y = np.where(rng.random(80) < 1 / (1 + np.exp(-x)), "yes", "no")
    load_table(postgresql, "t", {"x": x, "answer": y, "Odd Col": x * 2}, types={"answer": "text"})
    return postgresql, x, y


def test_case_dependent_trains_like_its_values(db):
    """logregr over CASE text -> 0/1 matches logregr over a precomputed boolean column."""
    conn, x, y = db
    conn.execute("SELECT indb_ml.logregr_train('t', 'm_case', "
                 "'case answer when ''yes'' then 1 else 0 end', 'ARRAY[1, x]')")
    conn.execute("CREATE TABLE t01 AS SELECT answer = 'yes' AS yb, x FROM t")
    conn.execute("SELECT indb_ml.logregr_train('t01', 'm_col', 'yb', 'ARRAY[1, x]')")
    a = np.array(conn.execute("SELECT coef FROM m_case").fetchone()[0])
    b = np.array(conn.execute("SELECT coef FROM m_col").fetchone()[0])
    np.testing.assert_allclose(a, b, rtol=1e-10)


def test_case_inside_features_matches_numpy(db):
    """linregr with a CASE feature equals numpy's least squares on the same design."""
    conn, x, y = db
    conn.execute("SELECT indb_ml.linregr_train('t', 'm', '\"Odd Col\"', "
                 "'ARRAY[1, case when x > 0 then x else 0 end, x]')")
    coef = np.array(conn.execute("SELECT coef FROM m").fetchone()[0])
    X = np.column_stack([np.ones_like(x), np.where(x > 0, x, 0), x])
    expected, *_ = np.linalg.lstsq(X, 2 * x, rcond=None)
    np.testing.assert_allclose(coef, expected, atol=1e-8)


def test_hostile_case_is_not_executed(db):
    conn, _, _ = db
    with pytest.raises(E.SyntaxError, match="cannot parse|single expression"), conn.transaction():
        conn.execute("SELECT indb_ml.linregr_train('t', 'm', "
                     "'case when x > 0 then 1 else 0 end); DROP TABLE t; --', 'ARRAY[1, x]')")
    with pytest.raises(E.UndefinedColumn), conn.transaction():  # a quoted name, not SQL
        conn.execute("SELECT indb_ml.linregr_train('t', 'm', "
                     "'case when \"x) OR (1=1\" > 0 then 1 else 0 end', 'ARRAY[1, x]')")
    assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 80
    assert conn.execute("SELECT to_regclass('m')").fetchone()[0] is None


def test_logic_in_features_matches_numpy(db):
    """AND / OR / NOT / IS NULL and a ::text comparison inside CASE features (training through
    the server's quoting, where a column named like a keyword stays a column) equal numpy."""
    conn, x, y = db
    conn.execute('ALTER TABLE t ADD COLUMN "and" float8')
    conn.execute('UPDATE t SET "and" = CASE WHEN x > 0.5 THEN NULL ELSE x END')
    conn.execute("SELECT indb_ml.linregr_train('t', 'm_logic', '\"Odd Col\"', "
                 "'ARRAY[1, case when x > 0 and not answer = ''no'' or \"and\" is null then 1 else 0 end, "
                 "case when answer::text || ''!'' = ''yes!'' is true then x else 0 end, x]')")
    coef = np.array(conn.execute("SELECT coef FROM m_logic").fetchone()[0])
    flag = ((x > 0) & (y != "no")) | (x > 0.5)
    X = np.column_stack([np.ones_like(x), flag.astype(float), np.where(y == "yes", x, 0), x])
    expected, *_ = np.linalg.lstsq(X, 2 * x, rcond=None)
    np.testing.assert_allclose(X @ coef, X @ expected, atol=1e-8)  # the fitted values (2x is in the span)
