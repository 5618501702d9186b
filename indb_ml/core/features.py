"""Turn MADlib's ``dependent_varname`` / ``independent_varname`` strings into checked SQL.

The strings are parsed (:mod:`indb_ml.sqlexpr`), rendered with quoted
identifiers, and their result types are read from a ``LIMIT 0`` query over the
source, so a missing column or a text column is reported before any scan.
"""

from __future__ import annotations

from dataclasses import dataclass

from indb_ml import sqlexpr
from indb_ml.core.relations import Relation
from indb_ml.core.session import Session
from indb_ml.errors import InputError

NUMERIC = {"int2", "int4", "int8", "float4", "float8", "numeric"}
NUMERIC_ARRAYS = {"_" + t for t in NUMERIC}


def with_intercept_sql(x_sql: str) -> str:
    """``[1, x]`` as float8[] SQL, NULL where ``x`` is NULL: ``array_prepend(1, NULL)`` is ``{1}``,
    which the C steps would take as a one-feature row instead of skipping it as a NULL row."""
    return ("CASE WHEN (" + x_sql + ") IS NULL THEN NULL::pg_catalog.float8[] ELSE "
            "pg_catalog.array_prepend(1::pg_catalog.float8, " + x_sql + ") END")


@dataclass(frozen=True)
class Features:
    """SQL for one packed row ``ARRAY[y, x1, ..., xk]``, and the grouping columns."""

    row_sql: str  # float8[]: y first, then the features
    ok_sql: str | None  # boolean: the row has no NULL; None: NULLs are found in the packed block
    group_cols: tuple  # grouping column names, unquoted
    n_features: int | None  # None for an array column (known after the first chunk)
    y_sql: str = ""  # float8: the dependent variable, for the aggregate passes
    x_sql: str = ""  # float8[]: the features, for the aggregate passes (C checks NULLs and lengths)
    row_items: tuple = ()  # float8 SQL of y and each feature, when known one by one (see listed)

    def listed(self, room: int = 99) -> tuple | None:
        """y and each feature as float8 SQL when the features are listed one by one and fit in
        ``room`` arguments, else None: the column forms of the C aggregates (``_pack_rows``,
        ``_linregr_cols``, ``_logregr_step_cols``) take them as arguments, so PostgreSQL builds
        no array per row. A ``dataclasses.replace`` of ``row_sql`` (a column prepended) leaves
        stale items behind, so the items must still spell the packed row."""
        if not self.row_items or self.ok_sql is not None or len(self.row_items) > room:
            return None
        if self.row_sql != "ARRAY[" + ", ".join(self.row_items) + "]":
            return None
        return self.row_items


@dataclass(frozen=True)
class _Type:
    name: str  # format_type(), for messages
    typname: str  # pg_type.typname, for checks that must not depend on the search_path


def _types(sess: Session, source: Relation, exprs: list[str], what: str) -> list[_Type]:
    """Result types of ``exprs`` over ``source``, or an error naming ``what``."""
    try:
        res = sess.execute("SELECT " + ", ".join(exprs) + " FROM " + source.sql(sess) + " LIMIT 0")
    except sess.spi_error as exc:
        raise InputError(
            f"cannot evaluate {what} over {source.schema}.{source.name}: {exc}",
            hint="check the column names (mixed-case names need double quotes) and the functions used",
            sqlstate=getattr(exc, "sqlstate", None) or InputError.UNDEFINED_COLUMN,
        ) from None
    rows = sess.execute(
        "SELECT pg_catalog.format_type(t.oid, NULL) AS name, t.typname "
        "FROM pg_catalog.unnest($1::oid[]) WITH ORDINALITY u(oid, i) "
        "JOIN pg_catalog.pg_type t ON t.oid = u.oid ORDER BY u.i",
        [res.coltypes()],
        ["oid[]"],
    )
    return [_Type(r["name"], r["typname"]) for r in rows]


def _render(sess: Session, node) -> str:
    return sqlexpr.to_sql(node, sess.ident, sess.literal, function_schema="pg_catalog")


def resolve_features(
    sess: Session, source: Relation, dependent: str, independent: str, grouping: list[str],
    allow_bool: bool = False, categories: list[str] | None = None,
) -> Features:
    """Validate the three user strings against ``source`` and build the packing SQL
    (``allow_bool``: a boolean dependent, such as logistic regression's, becomes 0 or 1;
    ``categories``: the dependent's values in order, and y becomes the 0-based position)."""
    y_node = sqlexpr.parse(dependent)
    if isinstance(y_node, sqlexpr.Array):
        raise InputError(f"dependent_varname {dependent!r} must be one numeric value, not an array")
    x_node = sqlexpr.parse(independent)
    y_sql = _render(sess, y_node)
    (y_type,) = _types(sess, source, [y_sql], f"dependent_varname {dependent!r}")
    if categories is not None:  # ordered categories: y is the 0-based position of its text in the list
        y_sql = ("(pg_catalog.array_position(ARRAY[" + ", ".join(sess.literal(c) for c in categories)
                 + "]::text[], (" + y_sql + ")::text) - 1)")
    elif allow_bool and y_type.typname == "bool":
        y_sql = "((" + y_sql + ")::integer)"
    elif y_type.typname not in NUMERIC:
        raise InputError(
            f"dependent_varname {dependent!r} has type {y_type.name}; it must be numeric",
            hint="use a numeric column or cast it, e.g. 'col::float8'",
            sqlstate=InputError.DATATYPE_MISMATCH,
        )
    if grouping:
        _types(sess, source, [sess.ident(g) for g in grouping], "grouping_cols " + ", ".join(grouping))
    if isinstance(x_node, sqlexpr.Array):
        return _array_expression(sess, source, independent, x_node, y_sql, tuple(grouping))
    if isinstance(x_node, sqlexpr.Col):
        return _array_column(sess, source, independent, x_node, y_sql, tuple(grouping))
    raise InputError(
        f"independent_varname {independent!r} must be an ARRAY[...] expression "
        "or the name of a float8[] or vector column",
        hint="e.g. 'ARRAY[1, tax, bath, size]' (no intercept is added for you)",
    )


def _array_expression(sess, source, text, node, y_sql, group_cols) -> Features:
    if not node.items:
        raise InputError(f"independent_varname {text!r} has no features")
    items = [_render(sess, item) for item in node.items]
    types = _types(sess, source, items, f"independent_varname {text!r}")
    bad = [(i + 1, t.name) for i, t in enumerate(types) if t.typname not in NUMERIC]
    if bad:
        raise InputError(
            f"independent_varname {text!r}: element {bad[0][0]} has type {bad[0][1]}; features must be numeric",
            hint="cast it, e.g. '(flag)::int', or leave it out",
            sqlstate=InputError.DATATYPE_MISMATCH,
        )
    row = "ARRAY[(" + y_sql + ")::float8, " + ", ".join("(" + i + ")::float8" for i in items) + "]"
    x_sql = "ARRAY[" + ", ".join("(" + i + ")::float8" for i in items) + "]"
    # A NULL element stays in the packed array (as a bitmap bit) and the row is
    # dropped in numpy: cheaper than a NULL test per element per row in SQL.
    row_items = ("(" + y_sql + ")::float8",) + tuple("(" + i + ")::float8" for i in items)
    return Features(row, None, group_cols, len(items), "(" + y_sql + ")::float8", x_sql, row_items)


def _array_column(sess, source, text, node, y_sql, group_cols) -> Features:
    col = _render(sess, node)
    (x_type,) = _types(sess, source, [col], f"independent_varname {text!r}")
    if x_type.typname == "vector":
        as_float8 = "(" + col + ")::real[]::float8[]"
    elif x_type.typname in NUMERIC_ARRAYS:
        as_float8 = "(" + col + ")::float8[]"
    else:
        raise InputError(
            f"independent_varname {text!r} has type {x_type.name}; it must be a numeric array or a vector",
            hint="or pass an expression such as 'ARRAY[1, x1, x2]'",
            sqlstate=InputError.DATATYPE_MISMATCH,
        )
    row = "(ARRAY[(" + y_sql + ")::float8] || " + as_float8 + ")"
    # A NULL array would shorten the packed row, so rows are tested in SQL here.
    ok = ("(" + y_sql + ") IS NOT NULL AND " + col + " IS NOT NULL AND pg_catalog.array_position("
          + as_float8 + ", NULL) IS NULL")
    return Features(row, ok, group_cols, None, "(" + y_sql + ")::float8", as_float8)
