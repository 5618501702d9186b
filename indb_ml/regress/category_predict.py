"""``multinom_predict`` and ``ordinal_predict``: MADlib's table predictions for category models.

Each is one ``CREATE TABLE ... AS SELECT`` (on a Citus distributed input: the output created
empty, distributed by the id column colocated with the input, then one ``INSERT ... SELECT`` run
on the shards) that joins the rows to predict with their group's
model and calls the row functions ``multinom_predict_prob`` / ``ordinal_predict_prob``
(PL/pgSQL, so no Python runs per row). The model's ``_summary`` gives the expression for
the features, the category list and the grouping columns; the expression is parsed and
re-rendered as when training, so it is checked against the new table before anything is
written.
"""

from __future__ import annotations

from indb_ml import sqlexpr
from indb_ml.core import distributed
from indb_ml.core.features import resolve_features
from indb_ml.core.relations import MAX_NAME_BYTES, new_table, resolve_source, summary_of
from indb_ml.core.session import sql_entry
from indb_ml.errors import InputError

TYPES = ("response", "probability")


def _setup(sess, what: str, model_table, predict_table, output_table, predict_type, methods: tuple):
    for name, value in (("model_table", model_table), ("predict_table_input", predict_table),
                        ("output_table", output_table)):
        if value is None:
            raise InputError(f"{what}: {name} must not be NULL")
    kind = (predict_type or "").strip().lower()
    kind = "probability" if kind in ("prob", "probabilities") else kind
    if kind not in TYPES:
        raise InputError(f"{what}: predict_type {predict_type!r} must be 'response' or 'probability'")
    model = resolve_source(sess, model_table, "model_table")
    info = sess.one("SELECT * FROM " + summary_of(model).sql(sess))
    if info is None or info.get("method") not in methods:
        raise InputError(f"{what}: {model.schema}.{model.name} is not a {' or '.join(methods)} model",
                         hint=f"train it with indb_ml.{methods[0]}(...); its _summary table names the method")
    source = resolve_source(sess, predict_table, "predict_table_input")
    out = new_table(sess, output_table, "output_table")
    grouping = sqlexpr.parse_name_list(info["grouping_col"]) if info.get("grouping_col") else []
    # The dependent is not needed: any constant stands in for it when the features are checked.
    features = resolve_features(sess, source, "0", info["independent_varname"], grouping)
    return kind, model, info, source, out, grouping, features


def _rows(sess, source, features) -> str:
    """The rows to predict with their feature array as ``indb_ml_x`` (computed before the join,
    so no feature name can be captured by a model column). The packed row is ``ARRAY[y, x...]``
    with a constant y."""
    return "(SELECT *, (" + features.row_sql + ")[2:] AS indb_ml_x FROM " + source.sql(sess) + ") s"


def _create(sess, what: str, out, select: str, rows: str, models: str, grouping: list, prob: str, source,
            id_col: str) -> None:
    """``out`` from every row joined to its group's model (``m``), with the probabilities ``p.p``. On a
    distributed source the output is created empty, distributed by the id column colocated with the
    source, and filled on the shards (:func:`indb_ml.core.distributed.create_table_as`)."""
    on = " AND ".join("s." + sess.ident(g) + " IS NOT DISTINCT FROM m." + sess.ident(g) for g in grouping) or "TRUE"
    query = ("SELECT " + select + " FROM " + rows + " JOIN " + models + " m ON " + on
             + " CROSS JOIN LATERAL (SELECT " + prob + " AS p) p")
    distributed.create_table_as(sess, out, query, id_col, source, what)


# MADlib's name for the id when id_column is an expression rather than a column of the input
# (glm/multinom.py_in, multinom_predict: "multinom_predict_id").
EXPRESSION_ID = "multinom_predict_id"


def _id(sess, source, id_column: str, what: str, allow_expression: bool = False) -> tuple[str, str]:
    """The id's SQL in the query (``s.<col>``, or with ``allow_expression`` a validated
    expression over the row's columns aliased ``multinom_predict_id``), and the output column's
    name. MADlib's own test passes ``'ARRAY[feat1, feat2, 1]'`` as multinom_predict's id_column."""
    col = (id_column or "id").strip()
    if len(col) >= 2 and col[0] == col[-1] == '"':  # MADlib users quote mixed-case names: '"Id"'
        col = col[1:-1].replace('""', '"')
    found = sess.one("SELECT 1 AS ok FROM pg_catalog.pg_attribute WHERE attrelid = $1::regclass AND attname = $2 "
                     "AND attnum > 0 AND NOT attisdropped", [source.sql(sess), col], ["text", "text"])
    if found is None and allow_expression:
        node = sqlexpr.parse(id_column)
        if not isinstance(node, sqlexpr.Col):
            plain = sqlexpr.to_sql(node, sess.ident, sess.literal, function_schema="pg_catalog")
            try:
                sess.execute("SELECT " + plain + " FROM " + source.sql(sess) + " LIMIT 0")
            except sess.spi_error as exc:
                raise InputError(f"{what}: cannot evaluate id_column {id_column!r} over "
                                 f"{source.schema}.{source.name}: {exc}",
                                 hint="pass the id column's name, or an expression over the input's columns",
                                 sqlstate=getattr(exc, "sqlstate", None) or "42703") from None
            qualified = sqlexpr.to_sql(node, lambda n: "s." + sess.ident(n), sess.literal,
                                       function_schema="pg_catalog")
            return "(" + qualified + ") AS " + EXPRESSION_ID, EXPRESSION_ID
    if found is None:
        raise InputError(f"{what}: {source.schema}.{source.name} has no column {col!r}",
                         hint="pass id_column, the column that identifies each row", sqlstate="42703")
    return "s." + sess.ident(col), col


def multinom_labels(info: dict, model_categories: list[str]) -> list[str]:
    """A multinom model's categories in MADlib's order: the summary's ``category_list`` (the
    reference first, MADlib's columns of ``'probability'``). MADlib joins the list with commas; a
    category holding one makes the split wrong, seen as pieces that are not exactly the model's
    categories: then the reference, then the model table's categories in sorted order."""
    ref = str(info["ref_category"])
    known = {ref, *model_categories}
    pieces = (info.get("category_list") or "").split(",")
    if len(pieces) == len(known) and set(pieces) == known:
        return [ref] + [c for c in pieces if c != ref]
    return [ref] + sorted(known - {ref})


def _multinom_text(sess, what, model, info, grouping, ident, kind) -> tuple[str, str]:
    """``(models, select)`` for a multinom model: category text as MADlib's (``category::TEXT``),
    probability columns named by the categories in the summary's order. The coefficient rows are
    aggregated in that order (``array_position`` over the list as literals), so the probabilities
    of ``multinom_predict_prob`` (the reference first) line up with it."""
    rows = sess.execute("SELECT DISTINCT (category)::text AS c FROM " + model.sql(sess))
    labels = multinom_labels(info, [r["c"] for r in rows])
    listed = "ARRAY[" + ", ".join(sess.literal(c) for c in labels) + "]::text[]"
    group_cols = ", ".join(sess.ident(g) for g in grouping)
    models = ("(SELECT " + (group_cols + ", " if grouping else "") + "pg_catalog.array_agg(coef ORDER BY "
              "pg_catalog.array_position(" + listed + ", (category)::text)) AS coefs FROM " + model.sql(sess)
              + (" GROUP BY " + group_cols if grouping else "") + ")")
    if kind == "response":
        return models, (ident + ", (" + listed + ")[(SELECT u.o FROM pg_catalog.unnest(p.p) WITH ORDINALITY AS "
                        "u(v, o) ORDER BY u.v DESC, u.o LIMIT 1)] AS category")
    names = [c.encode()[:MAX_NAME_BYTES].decode(errors="ignore") for c in labels]  # PostgreSQL keeps these
    if len(set(names)) != len(names):
        raise InputError(f"{what}: two categories have the same first 63 bytes, which PostgreSQL keeps of a "
                         "column name", hint="use predict_type 'response', or shorter categories",
                         sqlstate="42701")
    return models, ident + ", " + ", ".join("p.p[" + str(i + 1) + "]::pg_catalog.float8 AS " + sess.ident(n)
                                            for i, n in enumerate(names))


@sql_entry
def multinom_predict(sess, model_table, predict_table, output_table, predict_type="response", verbose=False,
                     id_column="id") -> None:
    what = "multinom_predict"
    kind, model, info, source, out, grouping, features = _setup(
        sess, what, model_table, predict_table, output_table, predict_type or "response", ("multinom", "mlogregr"))
    ident, id_col = _id(sess, source, id_column, what, allow_expression=True)
    prob = "indb_ml.multinom_predict_prob(m.coefs, s.indb_ml_x)"
    if info.get("method") == "multinom":
        models, select = _multinom_text(sess, what, model, info, grouping, ident, kind)
        _create(sess, what, out, select, _rows(sess, source, features), models, grouping, prob, source, id_col)
        if verbose:
            sess.plpy.notice(f"{what}: wrote {out.schema}.{out.name}")
        return
    # an mlogregr_train model: integer categories, the reference and the model's categories
    ref = int(info["ref_category"])
    rows = sess.execute("SELECT DISTINCT category FROM " + model.sql(sess))
    categories = sorted({ref, *(int(r["category"]) for r in rows)})
    others = [c for c in categories if c != ref]
    group_cols = ", ".join(sess.ident(g) for g in grouping)
    models = ("(SELECT " + (group_cols + ", " if grouping else "") + "pg_catalog.array_agg(coef ORDER BY category) "
              "AS coefs FROM " + model.sql(sess) + (" GROUP BY " + group_cols if grouping else "") + ")")
    if kind == "response":
        labels = "ARRAY[" + ", ".join(str(c) for c in [ref, *others]) + "]"
        select = (ident + ", (" + labels + ")[(SELECT u.o FROM pg_catalog.unnest(p.p) WITH ORDINALITY AS u(v, o) "
                  "ORDER BY u.v DESC, u.o LIMIT 1)] AS category")
    else:
        position = {ref: 1, **{c: i + 2 for i, c in enumerate(others)}}
        select = ident + ", " + ", ".join("p.p[" + str(position[c]) + "] AS " + sess.ident(str(c))
                                          for c in categories)
    _create(sess, what, out, select, _rows(sess, source, features), models, grouping, prob, source, id_col)
    if verbose:
        sess.plpy.notice(f"{what}: wrote {out.schema}.{out.name}")


@sql_entry
def ordinal_predict(sess, model_table, predict_table, output_table, predict_type="probability",
                    verbose=False) -> None:
    what = "ordinal_predict"
    kind, model, info, source, out, grouping, features = _setup(
        sess, what, model_table, predict_table, output_table, predict_type or "probability", ("ordinal",))
    ident, id_col = _id(sess, source, "id", what)
    categories = info["category_list"].split(",")
    prob = ("indb_ml.ordinal_predict_prob(m.coef_threshold, m.coef_feature, s.indb_ml_x, "
            + sess.literal(info["link_func"]) + ")")
    if kind == "response":
        labels = "ARRAY[" + ", ".join(sess.literal(c) for c in categories) + "]::text[]"
        select = (ident + ", (" + labels + ")[(SELECT u.o FROM pg_catalog.unnest(p.p) WITH ORDINALITY AS u(v, o) "
                  "ORDER BY u.v DESC, u.o LIMIT 1)] AS category")
    else:
        select = ", ".join("p.p[" + str(i + 1) + "] AS " + sess.ident(c) for i, c in enumerate(categories))
        select += ", " + ident
    _create(sess, what, out, select, _rows(sess, source, features), model.sql(sess), grouping, prob, source,
            id_col)
    if verbose:
        sess.plpy.notice(f"{what}: wrote {out.schema}.{out.name}")
