"""MADlib's ``create_indicator_variables``: dummy-code categorical columns into 0/1 columns.

The output table is the source's columns followed, per categorical column in the order
given, by one integer column ``<column>_<value>`` per distinct non-NULL value (in the
column type's sort order), as MADlib's utilities/create_indicators.py_in builds it. A row
whose categorical value is NULL gets NULL in that column's indicators, or with
``keep_null`` 0 in them and 1 in one more column ``<column>_NULL`` (added only when the
column has a NULL).

The new column names are made of data, so every one is quoted, and a name PostgreSQL would
truncate (and so perhaps collide) or one that repeats another column is refused before any
work. Values are pasted as quoted literals cast to the column's own type (CREATE TABLE AS
takes no bound parameters); the comparison is the type's own equality. The table is made
by one CREATE TABLE AS, so it appears whole or not at all.

Value labels follow MADlib, which formats the values PL/Python hands it: a boolean is
``True`` / ``False`` and a float is Python's ``str(float)`` (``1.0``); every other type
keeps PostgreSQL's text form.
"""

from __future__ import annotations

import numpy as np

from indb_ml import sqlexpr
from indb_ml.core.relations import MAX_NAME_BYTES, new_table, resolve_source
from indb_ml.core.session import sql_entry
from indb_ml.errors import InputError

# PostgreSQL's MaxHeapAttributeNumber: a table has at most this many columns.
MAX_COLUMNS = 1600
HELP = "SELECT indb_ml.create_indicator_variables('usage') shows the usage"

USAGE = """create_indicator_variables: one 0/1 column per distinct value of categorical columns (MADlib's name).

SELECT indb_ml.create_indicator_variables(
    source_table,      -- table or view with the categorical columns
    out_table,         -- table to create: every source column, then the indicator columns
    categorical_cols,  -- comma-separated column names, e.g. 'wool, tension'
    keep_null          -- optional, default false: false gives NULL indicators where the value is NULL;
                       --   true gives them 0 and adds a column <column>_NULL
);

Each indicator column is named <column>_<value> (integer, 1 where the column equals the value,
else 0), one per distinct non-NULL value in sort order; mixed-case names need double quotes:
SELECT "wool_A" FROM out_table."""


def indicator_variables_help(message: str | None = None) -> str:
    if message is None or message.strip().lower() in ("", "usage", "help", "?"):
        return USAGE
    return "No such option. " + HELP


@sql_entry
def create_indicator_variables(sess, source_table, out_table, categorical_cols, keep_null=False) -> None:
    for name, value in (("source_table", source_table), ("out_table", out_table),
                        ("categorical_cols", categorical_cols)):
        if value is None or not str(value).strip():
            raise InputError(f"create_indicator_variables: {name} must not be NULL or empty", hint=HELP)
    source = resolve_source(sess, source_table)
    wanted = sqlexpr.parse_name_list(categorical_cols)
    columns = _columns(sess, source)
    missing = [c for c in wanted if c not in columns]
    if missing:
        raise InputError(
            f"create_indicator_variables: column {missing[0]!r} does not exist in {source.schema}.{source.name}",
            hint="the columns are " + ", ".join(columns)[:300] + "; mixed-case names need double quotes",
            sqlstate=InputError.UNDEFINED_COLUMN)
    if len(set(wanted)) != len(wanted):
        raise InputError(f"create_indicator_variables: categorical_cols {categorical_cols!r} names a column twice")
    out = new_table(sess, out_table)
    if sess.one("SELECT NOT EXISTS (SELECT FROM " + source.sql(sess) + ") AS empty")["empty"]:
        raise InputError(f"create_indicator_variables: source_table {source.schema}.{source.name} is empty",
                         hint="there are no values to make indicator columns of", sqlstate=InputError.NO_DATA)

    taken = set(columns)
    items = []
    for col in wanted:
        type_sql, typname = columns[col]
        values, has_null = _values(sess, source, col, type_sql, len(taken))
        null_guard = "WHEN " + sess.ident(col) + " IS NULL THEN NULL " if has_null and not keep_null else ""
        for text in values:
            name = _new_name(col, _label(text, typname), taken)
            items.append("CASE " + null_guard + "WHEN " + sess.ident(col) + " = CAST(" + sess.literal(text)
                         + " AS " + type_sql + ") THEN 1 ELSE 0 END AS " + sess.ident(name))
        if keep_null and has_null:
            name = _new_name(col, "NULL", taken)
            items.append("CASE WHEN " + sess.ident(col) + " IS NULL THEN 1 ELSE 0 END AS " + sess.ident(name))
    if len(taken) > MAX_COLUMNS:
        raise InputError(
            f"create_indicator_variables: the output would have more than {MAX_COLUMNS} columns, "
            "PostgreSQL's limit for a table", hint="dummy-code fewer columns, or columns with fewer distinct values",
            sqlstate="54011")
    sess.execute("CREATE TABLE " + out.sql(sess) + " AS SELECT *" + "".join(", " + i for i in items)
                 + " FROM " + source.sql(sess))


def _columns(sess, source) -> dict:
    """The source's columns in order: name -> (SQL type name, pg_type.typname)."""
    rows = sess.execute(
        "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type_sql, t.typname "
        "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
        "WHERE a.attrelid = pg_catalog.to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped "
        "ORDER BY a.attnum", [source.sql(sess)], ["text"])
    return {r["attname"]: (r["type_sql"], r["typname"]) for r in rows}


def _values(sess, source, col: str, type_sql: str, n_columns: int) -> tuple[list, bool]:
    """The distinct non-NULL values of ``col`` as text, in the type's sort order, and whether a
    NULL occurs; at most enough to show that the output would have too many columns."""
    room = MAX_COLUMNS - n_columns + 2
    try:
        rows = sess.execute(
            "SELECT v::text AS t FROM (SELECT DISTINCT " + sess.ident(col) + " AS v FROM " + source.sql(sess)
            + ") d ORDER BY v NULLS LAST LIMIT $1", [room], ["int8"])
    except sess.spi_error as exc:
        raise InputError(
            f"create_indicator_variables: cannot list the values of column {col!r} ({type_sql}): {exc}",
            hint="the column's type needs equality and ordering; cast it in a view first",
            sqlstate=getattr(exc, "sqlstate", None) or InputError.DATATYPE_MISMATCH) from None
    values = [r["t"] for r in rows]
    has_null = bool(values) and values[-1] is None
    return [v for v in values if v is not None], has_null


def _label(text: str, typname: str) -> str:
    """The value as MADlib names it: PL/Python's Python value, formatted by str()."""
    if typname == "bool":
        return "True" if text in ("t", "true") else "False"
    if typname == "float8":
        return str(float(text))
    if typname == "float4":
        return str(float(np.float32(text)))
    return text


def _new_name(col: str, label: str, taken: set) -> str:
    name = col + "_" + label
    size = len(name.encode("utf-8"))
    if size > MAX_NAME_BYTES:
        raise InputError(
            f"create_indicator_variables: indicator column name {name[:80]!r} is {size} bytes, and PostgreSQL "
            f"keeps at most {MAX_NAME_BYTES} (NAMEDATALEN - 1); a truncated name could repeat another",
            hint=f"shorten the values of column {col!r} (or rename the column) in a view first, e.g. with left()",
            sqlstate=InputError.NAME_TOO_LONG)
    if name in taken:
        raise InputError(
            f"create_indicator_variables: indicator column {name!r} would repeat a column of that name",
            hint="rename the source column or recode the value in a view first", sqlstate="42701")
    taken.add(name)
    return name
