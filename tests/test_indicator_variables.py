"""create_indicator_variables: MADlib's dummy coding, checked against pandas.get_dummies, MADlib's
documented example and MADlib's own poisson test (whose data it builds), and bad input."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import psycopg.errors as E
import pytest
import statsmodels.api as sm

from tests.helpers import load_table

CALL = "SELECT indb_ml.create_indicator_variables(%s, %s, %s)"
CALL_KEEP = "SELECT indb_ml.create_indicator_variables(%s, %s, %s, %s)"
FIXTURES = Path(__file__).parent / "fixtures" / "madlib_checks"

# MADlib's documented example (src/ports/postgres/modules/utilities/create_indicators.sql_in): a
# subset of abalone; '@' is the COPY's NULL.
ABALONE = """M| 0.455 | 0.365 | 0.095
F| 0.53 | 0.42 | 0.135
M| 0.35 | 0.265 | 0.09
F| 0.53 | 0.415 | 0.15
M| 0.44 | 0.365 | 0.125
F| 0.545 | 0.425 | 0.125
I| 0.33 | 0.255 | 0.08
F| 0.55 | 0.44 | 0.15
I| 0.425 | 0.30 | 0.095
F| 0.525 | 0.38 | 0.140
M| 0.475 | 0.37 | 0.125
F| 0.535 | 0.405 | 0.145
M| 0.43 | 0.358 | 0.11
F| 0.47 | 0.355 | 0.100
M| 0.49 | 0.38 | 0.135
F| 0.44 | 0.340 | 0.100
M| 0.5 | 0.400 | 0.13
F| 0.565 | 0.44 | 0.155
I| 0.355 | 0.280 | 0.085
F| 0.550 | 0.415 | 0.135
@| 0.475 | 0.37 | 0.125"""


def columns(conn, table: str) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 "
        "AND NOT attisdropped ORDER BY attnum", [table])]


def absent(conn, table: str) -> bool:
    return conn.execute("SELECT to_regclass(%s) IS NULL", [table]).fetchone()[0]


@pytest.fixture
def abalone(postgresql):
    postgresql.execute("CREATE TABLE abalone (sex varchar, length float8, diameter float8, height float8)")
    for line in ABALONE.splitlines():
        sex, *nums = [p.strip() for p in line.split("|")]
        postgresql.execute("INSERT INTO abalone VALUES (%s, %s, %s, %s)",
                           [None if sex == "@" else sex, *map(float, nums)])
    return postgresql


def test_abalone_as_madlib_documents_it(abalone):
    """Column names and order, and the NULL row's NULL indicators, from MADlib's example output.
    (Its printed rows show sex_M = 0 for most M rows, a typo of the page: 1 where the value is M
    is MADlib's code, CASE WHEN "sex" = 'M' THEN 1 ELSE 0 END, and pandas' answer below.)"""
    abalone.execute(CALL, ["abalone", "abalone_out", "sex"])
    assert columns(abalone, "abalone_out") == ["sex", "length", "diameter", "height", "sex_F", "sex_I", "sex_M"]
    rows = abalone.execute('SELECT sex, length, "sex_F", "sex_I", "sex_M" FROM abalone_out').fetchall()
    assert len(rows) == 21
    assert [r for r in rows if r[0] is None] == [(None, 0.475, None, None, None)]
    got = pd.DataFrame([r[2:] for r in rows if r[0] is not None], columns=["F", "I", "M"])
    expected = pd.get_dummies(pd.Series([r[0] for r in rows if r[0] is not None])).astype(int)
    pd.testing.assert_frame_equal(got, expected[["F", "I", "M"]])
    assert abalone.execute('SELECT pg_typeof("sex_F")::text FROM abalone_out LIMIT 1').fetchone()[0] == "integer"


def test_keep_null_adds_the_null_column(abalone):
    abalone.execute(CALL_KEEP, ["abalone", "abalone_out", "sex", True])
    assert columns(abalone, "abalone_out")[4:] == ["sex_F", "sex_I", "sex_M", "sex_NULL"]
    rows = abalone.execute('SELECT sex, "sex_F", "sex_I", "sex_M", "sex_NULL" FROM abalone_out').fetchall()
    assert [r[1:] for r in rows if r[0] is None] == [(0, 0, 0, 1)]  # MADlib's second example output
    assert all(r[4] == 0 and sum(r[1:4]) == 1 for r in rows if r[0] is not None)


def test_keep_null_without_nulls_adds_nothing(abalone):
    abalone.execute("DELETE FROM abalone WHERE sex IS NULL")
    abalone.execute(CALL_KEEP, ["abalone", "out", "sex", True])
    assert columns(abalone, "out")[4:] == ["sex_F", "sex_I", "sex_M"]


def test_several_types_match_pandas(postgresql):
    """int, text, bool, float8 and numeric columns against pandas.get_dummies; labels as MADlib's
    PL/Python str() gives them (True/False, 1.5 and 2.0 for floats)."""
    rng = np.random.default_rng(5)
    n = 200
    data = {"k": rng.integers(-2, 3, n), "t": rng.choice(list("xyz"), n), "b": rng.random(n) < 0.4,
            "f": rng.choice([1.5, 2.0, -0.25], n), "m": rng.choice(["1.50", "10", "-3"], n), "v": rng.normal(size=n)}
    load_table(postgresql, "src", data, types={"k": "int4", "t": "text", "b": "boolean", "m": "numeric"})
    postgresql.execute(CALL, ["src", "out", "k, t, b, f, m"])
    got_cols = columns(postgresql, "out")
    assert got_cols[:6] == ["k", "t", "b", "f", "m", "v"]
    frame = pd.DataFrame({c: data[c] for c in "ktbf"})
    frame["m"] = pd.Series(data["m"]).map(lambda s: float(s))
    expected_names, expected = [], []
    for col in "ktbfm":
        dummies = pd.get_dummies(frame[col], prefix=col).astype(int)  # columns in sorted value order
        expected.append(dummies)
        expected_names += list(dummies.columns)
    expected_names = [{"m_1.5": "m_1.50", "m_10.0": "m_10", "m_-3.0": "m_-3"}.get(c, c) for c in expected_names]
    assert got_cols[6:] == expected_names
    got = np.array(postgresql.execute(
        "SELECT " + ", ".join('"' + c + '"' for c in got_cols[6:]) + " FROM out").fetchall())
    np.testing.assert_array_equal(got, pd.concat(expected, axis=1).to_numpy())
    # the other columns come through unchanged, in the source's row order
    v = np.array([r[0] for r in postgresql.execute("SELECT v FROM out")])
    np.testing.assert_array_equal(v, data["v"])


@pytest.mark.filterwarnings("ignore:The Sqrt link function does not respect the domain")
def test_warpbreaks_feeds_madlib_poisson_test(postgresql):
    """MADlib's glm/test/poisson.sql_in builds its design with this function; the coefficients R
    gives there (glm(breaks ~ wool + tension, family = poisson(link = sqrt))) follow, and
    statsmodels on pandas' dummies agrees."""
    text = (FIXTURES / "glm" / "poisson.sql_in").read_text()
    rows = re.findall(r"\((\d+), '([AB])', '([LMH])', '(\d)'\)", text)
    assert len(rows) == 54
    postgresql.execute("CREATE TABLE warpbreaks (id serial, breaks integer, wool char(1), tension char(1), g char(1))")
    for r in rows:
        postgresql.execute("INSERT INTO warpbreaks (breaks, wool, tension, g) VALUES (%s, %s, %s, %s)", r)
    postgresql.execute(CALL, ["warpbreaks", "warpbreaks_dummy", "wool,tension"])
    assert columns(postgresql, "warpbreaks_dummy")[5:] == ["wool_A", "wool_B", "tension_H", "tension_L", "tension_M"]
    postgresql.execute("SELECT indb_ml.glm('warpbreaks_dummy', 'm', 'breaks', "
                       "'ARRAY[1.0, \"wool_B\", \"tension_M\", \"tension_H\"]', 'family=poisson, link=sqrt')")
    coef = np.array(postgresql.execute("SELECT coef FROM m").fetchone()[0])
    np.testing.assert_allclose(coef, [6.2620, -0.5059, -0.8545, -1.3644], rtol=1e-4)  # poisson.sql_in, from R
    df = pd.DataFrame(rows, columns=["breaks", "wool", "tension", "g"]).astype({"breaks": float})
    X = pd.get_dummies(df[["wool", "tension"]]).astype(float)[["wool_B", "tension_M", "tension_H"]]
    fit = sm.GLM(df["breaks"], sm.add_constant(X),
                 family=sm.families.Poisson(sm.families.links.Sqrt())).fit()
    np.testing.assert_allclose(coef, fit.params.to_numpy(), rtol=1e-6)


def test_hostile_names_and_values_are_quoted(postgresql):
    postgresql.execute('CREATE TABLE "Odd ""T""" ("we""ird col" text, x int)')
    postgresql.execute('INSERT INTO "Odd ""T""" VALUES (%s, 1), (%s, 2), (%s, 3), (NULL, 4)',
                       ["'); DROP TABLE keep; --", '"q"', "a b"])
    postgresql.execute("CREATE TABLE keep (i int)")
    postgresql.execute(CALL, ['"Odd ""T"""', 'public."out; DROP TABLE keep"', '"we""ird col"'])
    names = columns(postgresql, '"out; DROP TABLE keep"')
    assert names == ['we"ird col', "x", 'we"ird col_"q"', "we\"ird col_'); DROP TABLE keep; --", 'we"ird col_a b']
    got = postgresql.execute('SELECT x, "we""ird col_""q""", "we""ird col_a b" FROM "out; DROP TABLE keep" '
                             "ORDER BY x").fetchall()
    assert got == [(1, 0, 0), (2, 1, 0), (3, 0, 1), (4, None, None)]
    assert not absent(postgresql, "keep")


@pytest.fixture
def db(postgresql):
    postgresql.execute("CREATE TABLE t (c text, d int, j json)")
    postgresql.execute("INSERT INTO t VALUES ('a', 1, '{}'), ('b', 2, '[]'), (NULL, 3, 'null')")
    postgresql.execute("CREATE TABLE empty (c text)")
    postgresql.execute("CREATE TABLE existing (i int)")
    postgresql.execute("CREATE TABLE long_values AS SELECT repeat('v', 70) AS c")
    postgresql.execute("CREATE TABLE clash (c text, c_a int)")
    postgresql.execute("INSERT INTO clash VALUES ('a', 1)")
    postgresql.execute("CREATE TABLE wide AS SELECT g AS c FROM generate_series(1, 1700) g")
    return postgresql


@pytest.mark.parametrize("error, match, args", [
    (E.UndefinedTable, "source_table 'nope' does not exist", ("nope", "out", "c")),
    (E.UndefinedColumn, "column 'nope' does not exist in public.t", ("t", "out", "c, nope")),
    (E.UndefinedColumn, "column 'C' does not exist", ("t", "out", '"C"')),
    (E.DataException, "source_table public.empty is empty", ("empty", "out", "c")),
    (E.DuplicateTable, "out_table public.existing already exists", ("t", "existing", "c")),
    (E.InvalidParameterValue, "categorical_cols must not be NULL", ("t", "out", None)),
    (E.InvalidParameterValue, "source_table must not be NULL", (None, "out", "c")),
    (E.InvalidParameterValue, "out_table must not be NULL", ("t", " ", "c")),
    (E.InvalidParameterValue, "names a column twice", ("t", "out", "c, C")),
    (E.SyntaxError, "only a single expression", ("t", "out", "c); DROP TABLE t; --")),
    (E.SyntaxError, "cannot parse", ("t", "out", "c, (select 1)")),
    (E.NameTooLong, "is 72 bytes", ("long_values", "out", "c")),
    (E.DuplicateColumn, "indicator column 'c_a' would repeat", ("clash", "out", "c")),
    (E.TooManyColumns, "more than 1600 columns", ("wide", "out", "c")),
    (E.UndefinedFunction, "cannot list the values of column 'j'", ("t", "out", "j")),
])
def test_bad_input(db, error, match, args):
    with pytest.raises(error, match=match), db.transaction():
        db.execute(CALL, args)
    assert absent(db, "out")
    assert db.execute("SELECT count(*) FROM t").fetchone()[0] == 3


def test_usage(postgresql):
    text = postgresql.execute("SELECT indb_ml.create_indicator_variables()").fetchone()[0]
    assert "categorical_cols" in text and "keep_null" in text
    assert postgresql.execute("SELECT indb_ml.create_indicator_variables('usage')").fetchone()[0] == text
    assert "No such option" in postgresql.execute("SELECT indb_ml.create_indicator_variables('x')").fetchone()[0]
