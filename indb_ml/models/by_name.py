"""Models by name: score (``indb_ml.predict``) and explain (``indb_ml.model_coefficients``).

A dashboard that scores ``houses_lr`` used to hard-code the model table and retype its
features in training order; a retrain with the features reordered silently gave wrong
predictions. Here the caller names the model; the version (the deployed one by default)
brings its own feature expressions from the catalog (:mod:`indb_ml.models.terms`), parsed
again here and rendered through the session's quoting, so a catalog row never carries SQL
of its own into the caller's query.

Both functions only build SQL: ``indb_ml.predict`` runs it with PL/pgSQL's ``RETURN QUERY
EXECUTE``, one statement whose per-row work is the C predict functions (``linregr_predict``,
``logregr_predict_prob``, ``glm_predict``), with no Python per row. They run as the caller:
the model's tables must be readable by the caller (``indb_ml.model_grant``), or the call is
a 42501 that names the owner and the grant.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from indb_ml import sqlexpr
from indb_ml.core.features import NUMERIC, NUMERIC_ARRAYS, _types
from indb_ml.core.passes import group_key_sql
from indb_ml.core.relations import resolve_source
from indb_ml.core.session import Session, sql_entry
from indb_ml.errors import InputError
from indb_ml.models.catalog import _model_name

LINEAR = ("linregr", "robust_variance_linregr", "clustered_variance_linregr")
LOGISTIC = ("logregr", "robust_variance_logregr", "clustered_variance_logregr")
MULTINOMIAL = ("mlogregr", "multinom", "robust_variance_mlogregr", "clustered_variance_mlogregr")


@dataclass(frozen=True)
class Model:
    """One catalog row the caller may use: its table (by OID, so a rename does not lose it)."""

    name: str
    version: int
    algorithm: str
    table: str  # quoted schema.table
    row: dict


def resolve(sess: Session, model_name: str | None, version: int | None) -> Model:
    """The version of ``model_name`` to use: ``version``, else the deployed one, else the latest
    not retired (else the latest).
    Its table must exist (the one registered) and be readable by the caller."""
    if model_name is None or not model_name.strip():
        raise InputError("model_name must not be empty", hint="SELECT name, version FROM indb_ml.models")
    name = _model_name(sess, model_name)
    if version is None:
        row = sess.one("SELECT * FROM indb_ml.models WHERE name = $1 ORDER BY status = 'deployed' DESC, "
                       "status <> 'retired' DESC, version DESC LIMIT 1", [name], ["text"])
    else:
        row = sess.one("SELECT * FROM indb_ml.models WHERE name = $1 AND version = $2", [name, version],
                       ["text", "int4"])
    if row is None:
        owner = sess.one("SELECT o.known, o.owner, EXISTS (SELECT FROM indb_ml.models m WHERE m.name = $1) AS seen "
                         "FROM indb_ml.model_owner($1) o", [name], ["text"])
        if owner["known"] and not owner["seen"]:  # there, but its tables are not readable by the caller
            raise _not_readable(sess, name, owner["owner"])
        what = f"model {model_name!r}" + ("" if version is None else f" version {version}")
        raise InputError(f"{what} is not in indb_ml.models", hint="SELECT name, version FROM indb_ml.models",
                         sqlstate=InputError.UNDEFINED_TABLE)
    row = dict(row)
    if isinstance(row["parameters"], str):  # jsonb reaches PL/Python as text
        row["parameters"] = json.loads(row["parameters"])
    table = sess.one(
        "SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) AS q, "
        "pg_catalog.has_table_privilege(c.oid, 'SELECT') AS readable FROM pg_catalog.pg_class c "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1", [row["output_oid"]], ["oid"])
    if table is None:
        raise InputError(f"model {row['name']} version {row['version']}: its table {row['output_table']} was dropped",
                         hint="use another version: SELECT version, status FROM indb_ml.models WHERE name = "
                              + sess.literal(row["name"]), sqlstate=InputError.UNDEFINED_TABLE)
    if not table["readable"]:
        raise _not_readable(sess, row["name"], row["created_by"])
    return Model(row["name"], row["version"], row["algorithm"], table["q"], row)


def _not_readable(sess: Session, name: str, owner: str | None) -> InputError:
    me = sess.one("SELECT CURRENT_USER AS u")["u"]
    hint = (f"its owner {owner} can grant it: SELECT indb_ml.model_grant({sess.literal(name)}, {sess.literal(me)})"
            if owner else "every role that registered it was dropped")
    return InputError(f"permission denied to use model {name}: role {me} cannot read its tables", hint=hint,
                      sqlstate=InputError.INSUFFICIENT_PRIVILEGE)


# --------------------------------------------------------------------------- predict

def _features_sql(sess: Session, model: Model, source) -> tuple[str, str]:
    """``(x, ok)``: ``float8[]`` SQL of the model's features over ``source`` (alias ``s``), from
    the stored expressions parsed again and type-checked by a ``LIMIT 0`` query, and the test
    that none is NULL (per feature: cheaper than building the array twice)."""
    exprs = model.row["feature_exprs"]
    what = f"the features of model {model.name} version {model.version}"
    if exprs:
        nodes = [sqlexpr.parse(e) for e in exprs]
        types = _types(sess, source, [_render(sess, n, what) for n in nodes], what)
        bad = [(e, t.name) for e, t in zip(exprs, types) if t.typname not in NUMERIC]
        if bad:
            raise InputError(f"{what}: {bad[0][0]} has type {bad[0][1]} in {source.schema}.{source.name}; "
                             "it must be numeric", sqlstate=InputError.DATATYPE_MISMATCH)
        items = [_render(sess, n, what, "s.") for n in nodes]
        x = "ARRAY[" + ", ".join("(" + i + ")::pg_catalog.float8" for i in items) + "]"
        return x, " AND ".join("(" + i + ") IS NOT NULL" for i in items)
    node = sqlexpr.parse(model.row["independent_varname"] or "")
    if not isinstance(node, sqlexpr.Col):
        raise InputError(f"{what} are not in the catalog", hint="train the model again to record them")
    (t,) = _types(sess, source, [_render(sess, node, what)], what)
    col = _render(sess, node, what, "s.")
    if t.typname == "vector":
        x = "(" + col + ")::real[]::pg_catalog.float8[]"
    elif t.typname in NUMERIC_ARRAYS:
        x = "(" + col + ")::pg_catalog.float8[]"
    else:
        raise InputError(f"{what}: {col} has type {t.name}; it must be a numeric array",
                         sqlstate=InputError.DATATYPE_MISMATCH)
    return x, "pg_catalog.array_position(" + x + ", NULL) IS NULL"


def _render(sess: Session, node, what: str, qualifier: str = "") -> str:
    """A stored feature as SQL; ``qualifier`` ``"s."``: its columns are the source row's (the model
    table, joined as ``m``, may have columns of the same names)."""
    if isinstance(node, sqlexpr.Array):
        raise InputError(f"{what}: a feature is an ARRAY", hint="train the model again to record them")
    return sqlexpr.to_sql(node, lambda name: qualifier + sess.ident(name), sess.literal, function_schema="pg_catalog")


def _score_sql(sess: Session, model: Model, x: str) -> tuple[str, bool]:
    """SQL of the model's value for a row (``m.`` the model row, ``x`` the features), and
    whether it is a probability (the prediction is then value >= 0.5, as logregr_predict)."""
    algo = model.algorithm
    if algo in LINEAR:
        return "indb_ml.linregr_predict(m.coef, " + x + ")", False
    if algo in LOGISTIC:
        return "indb_ml.logregr_predict_prob(m.coef, " + x + ")", True
    if algo == "glm":
        from indb_ml.core.params import parse_params
        from indb_ml.kernels.glm import family
        fp = parse_params(model.row["parameters"].get("family_params"), {"family": (str, None), "link": (str, None)},
                          "family_params")
        fam = family(fp["family"], fp["link"])
        return "indb_ml.glm_predict(m.coef, " + x + ", " + sess.literal(fam.link) + ")", fam.name == "binomial"
    if algo == "elastic_net":
        fam = sess.one("SELECT family FROM " + model.table + " LIMIT 1")
        if fam is not None and fam["family"] == "binomial":
            return "indb_ml.elastic_net_binomial_prob(m.coef_all, m.intercept, " + x + ")", True
        return "indb_ml.elastic_net_gaussian_predict(m.coef_all, m.intercept, " + x + ")", False
    raise InputError(f"indb_ml.predict cannot score model {model.name}: algorithm {algo}",
                     hint="the algorithm's own predict function, with the model table", sqlstate="0A000")


@dataclass(frozen=True)
class Categories:
    """How a category model is scored: ``models`` the SQL of its rows as ``m`` (one per group),
    ``probs`` the ``float8[]`` of every category's probability, ``labels`` the categories in
    that order (SQL array), ``numeric`` whether they are numbers (the prediction is then the
    category itself, else its rank in cat_order)."""

    models: str
    probs: str
    labels: str
    numeric: bool


def _categories(sess: Session, model: Model, x: str) -> Categories | None:
    """multinom, mlogregr (and their robust and clustered variants): the category rows of a group
    aggregated as multinom_predict does, the reference category first; ordinal: the thresholds
    and features, categories in cat_order. None for other models."""
    params = model.row["parameters"]
    if model.algorithm in MULTINOMIAL:
        groups = [sess.ident(g) for g in model.row["grouping_cols"] or []]
        keys = "".join(g + ", " for g in groups)
        models = ("(SELECT " + keys + "pg_catalog.array_agg(coef ORDER BY category) AS coef, "
                  "pg_catalog.array_agg(category ORDER BY category) AS cats FROM " + model.table
                  + (" GROUP BY " + ", ".join(groups) if groups else "") + ")")
        probs = "indb_ml.multinom_predict_prob(m.coef, " + x + ")"
        if model.algorithm == "multinom":  # categories of any type, as text (varchar); the reference from the summary
            ref, cats = _multinom_reference(sess, model)
            models = models.replace("array_agg(category ORDER BY", "array_agg((category)::text ORDER BY")
            numeric = all(_is_number(c) for c in cats)
            return Categories(models, probs, "(ARRAY[" + sess.literal(ref) + "]::text[] || m.cats)", numeric)
        ref = params.get("ref_category")
        ref = 0 if ref is None else int(ref)
        return Categories(models, probs, "(ARRAY[" + str(ref) + "]::integer[] || m.cats)", True)
    if model.algorithm == "ordinal":
        cats = [c.strip() for c in str(params.get("cat_order") or "").split(",")]
        link = (params.get("link_func") or "logit").strip().lower()
        labels = "ARRAY[" + ", ".join(sess.literal(c) for c in cats) + "]::text[]"
        return Categories(model.table, "indb_ml.ordinal_predict_prob(m.coef_threshold, m.coef_feature, " + x + ", "
                          + sess.literal(link) + ")", labels, False)
    return None


def _multinom_reference(sess: Session, model: Model) -> tuple[str, list[str]]:
    """A multinom model's reference category and every category, as text: the reference from its
    ``_summary`` (``ref_category``, MADlib's varchar; NULL in the call means the first category),
    the others from the model table."""
    summary = sess.one(
        "SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname || '_summary') AS q "
        "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.oid = $1 AND pg_catalog.to_regclass(pg_catalog.quote_ident(n.nspname) || '.' "
        "|| pg_catalog.quote_ident(c.relname || '_summary')) IS NOT NULL", [model.row["output_oid"]], ["oid"])
    ref = model.row["parameters"].get("ref_category")
    if summary is not None:
        ref = sess.one("SELECT (ref_category)::text AS r FROM " + summary["q"] + " LIMIT 1")["r"]
    ref = "0" if ref is None else str(ref)
    cats = [r["c"] for r in sess.execute("SELECT DISTINCT (category)::text AS c FROM " + model.table)]
    return ref, [ref, *cats]


# A number as PostgreSQL's float8 input reads it (Python's float() also takes '1_0' and ' 1 ').
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(inf(inity)?|nan)", re.I)


def _is_number(text: str) -> bool:
    return _NUMBER.fullmatch(text) is not None


def _id_sql(sess: Session, id_column: str | None) -> str:
    if id_column is None or not id_column.strip():
        raise InputError("id_column must not be empty", hint="the column that identifies a row, e.g. 'id'")
    names = sqlexpr.parse_name_list(id_column)
    if len(names) != 1:
        raise InputError(f"id_column {id_column!r} must be one column", hint="e.g. 'id'")
    return "s." + sess.ident(names[0])


def _group_join(sess: Session, model: Model, models: str | None = None) -> str:
    """The model row(s) of each source row: on the grouping columns (NULL groups matched too).
    ``models``: the SQL of the model's rows, by default its table."""
    models = models or model.table
    groups = model.row["grouping_cols"] or []
    if not groups:
        return " LEFT JOIN " + models + " m ON true"
    nulls = " OR ".join("m." + sess.ident(g) + " IS NULL" for g in groups)
    has_null = sess.one("SELECT EXISTS (SELECT FROM " + model.table + " m WHERE " + nulls + ") AS n")["n"]
    equal = " IS NOT DISTINCT FROM " if has_null else " = "
    on = " AND ".join("s." + sess.ident(g) + equal + "m." + sess.ident(g) for g in groups)
    return " LEFT JOIN " + models + " m ON " + on


@sql_entry
def predict_sql(sess: Session, model_name: str, source_table: str, id_column: str, version: int | None = None) -> str:
    """The query ``indb_ml.predict`` runs: ``(id text, prediction float8, probability float8,
    category text)`` per source row. A row with a NULL feature, or of a group without a model,
    gets NULL. Category models (multinom, mlogregr, ordinal): the most probable category (the
    first in the model's order on a tie, as multinom_predict), its probability, and as
    prediction the category (multinom, mlogregr: integers; a multinom model's categories when every one is a
    number) or its rank (ordinal: in cat_order; multinom with other categories: 1 the reference, then the model's
    categories in sorted order)."""
    model = resolve(sess, model_name, version)
    source = resolve_source(sess, source_table, "source")
    for g in model.row["grouping_cols"] or []:
        _types(sess, source, [sess.ident(g)], f"grouping column {g} of model {model.name}")
    x, ok = _features_sql(sess, model, source)
    ident = _id_sql(sess, id_column)
    _types(sess, source, [ident[2:]], f"id_column {id_column!r}")
    head = "SELECT (" + ident + ")::text, "
    cats = _categories(sess, model, x)
    if cats is not None:  # the probabilities are used three times: computed once (OFFSET 0)
        probs = "CASE WHEN " + ok + " THEN " + cats.probs + " END"
        best = "(" + cats.labels + ")[k.o]"
        outputs = ((best + "::pg_catalog.float8" if cats.numeric else "k.o::pg_catalog.float8")
                   + ", v.v[k.o], " + best + "::text")
        return (head + outputs + " FROM " + source.sql(sess) + " s" + _group_join(sess, model, cats.models)
                + " CROSS JOIN LATERAL (SELECT " + probs + " AS v OFFSET 0) v"
                + " CROSS JOIN LATERAL (SELECT (SELECT u.o FROM pg_catalog.unnest(v.v) WITH ORDINALITY AS u(p, o) "
                "ORDER BY u.p DESC, u.o LIMIT 1) AS o) k")
    score, is_prob = _score_sql(sess, model, x)
    value = "CASE WHEN " + ok + " THEN " + score + " END"
    if is_prob:  # the value is used twice: computed once (OFFSET 0 keeps the subquery apart)
        outputs, keep = "(v.v >= 0.5)::integer::pg_catalog.float8, v.v", " OFFSET 0"
    else:
        outputs, keep = "v.v, NULL::pg_catalog.float8", ""
    return (head + outputs + ", NULL::text FROM " + source.sql(sess) + " s"
            + _group_join(sess, model) + " CROSS JOIN LATERAL (SELECT " + value + " AS v" + keep + ") v")


# --------------------------------------------------------------------------- coefficients

def _columns(sess: Session, model: Model) -> set:
    rows = sess.execute("SELECT a.attname FROM pg_catalog.pg_attribute a WHERE a.attrelid = $1 AND a.attnum > 0 "
                        "AND NOT a.attisdropped", [model.row["output_oid"]], ["oid"])
    return {r["attname"] for r in rows}


def _first(cols: set, *names: str) -> str:
    for n in names:
        if n in cols:
            return "m." + n
    return "NULL::pg_catalog.float8[]"


def _text_array(sess: Session, values: list) -> str:
    return "ARRAY[" + ", ".join(sess.literal(v) for v in values) + "]::text[]" if values else "NULL::text[]"


def _odds(model: Model, cols: set) -> bool:
    """Whether exp(coef) is an odds ratio: logistic links."""
    if model.algorithm in LOGISTIC or model.algorithm in MULTINOMIAL:
        return True
    fp = (model.row["parameters"].get("family_params") or "").replace(" ", "").lower()
    if model.algorithm == "glm":
        return "family=binomial" in fp and "link=probit" not in fp
    return model.algorithm == "elastic_net" and "binomial" in str(model.row["parameters"].get("regress_family", ""))


@sql_entry
def coefficients_sql(sess: Session, model_name: str, version: int | None = None, strict: bool = True) -> str:
    """The query of ``indb_ml.model_coefficients``: one row per group, category and term.
    Not strict (the views): a model whose coefficients are not known gives no rows."""
    try:
        model = resolve(sess, model_name, version)
    except InputError:
        if strict:
            raise
        return _EMPTY
    cols = _columns(sess, model)
    groups = [g for g in (model.row["grouping_cols"] or []) if g in cols]
    names = model.row["feature_names"] or []
    gkey = "(" + group_key_sql(sess, groups, "m.") + ")::jsonb"
    category = _category_sql(model, cols)
    odds = "pg_catalog.exp(u.c)" if _odds(model, cols) else "NULL::pg_catalog.float8"
    parts = []
    if "coef_feature" in cols:  # ordinal: features, then the thresholds between categories
        parts.append(_unnest(sess, model, gkey, category, names, "m.coef_feature", "m.std_err_feature",
                             "m.z_stats_feature", "m.p_values_feature", odds, 0))
        cats = [c.strip() for c in str(model.row["parameters"].get("cat_order") or "").split(",")]
        cuts = ["threshold " + a + "|" + b for a, b in zip(cats, cats[1:])]
        parts.append(_unnest(sess, model, gkey, category, cuts, "m.coef_threshold", "m.std_err_threshold",
                             "m.z_stats_threshold", "m.p_values_threshold", "NULL::pg_catalog.float8",
                             "pg_catalog.cardinality(m.coef_feature)"))
    elif "coef_all" in cols:  # elastic net: the intercept is a column
        parts.append("SELECT " + gkey + ", NULL::text, 0, 'intercept'::text, m.intercept, NULL::pg_catalog.float8, "
                     "NULL::pg_catalog.float8, NULL::pg_catalog.float8, "
                     + odds.replace("u.c", "m.intercept") + " FROM " + model.table + " m")
        parts.append(_unnest(sess, model, gkey, category, names, "m.coef_all", "NULL::pg_catalog.float8[]",
                             "NULL::pg_catalog.float8[]", "NULL::pg_catalog.float8[]", odds, 0))
    elif "coef" in cols:
        parts.append(_unnest(sess, model, gkey, category, names, "m.coef", _first(cols, "std_err"),
                             _first(cols, "t_stats", "z_stats"), _first(cols, "p_values"), odds, 0))
    elif strict:
        raise InputError(f"model {model.name} ({model.algorithm}) has no coefficients", sqlstate="0A000")
    else:
        return _EMPTY
    return ("SELECT * FROM (" + " UNION ALL ".join(parts) + ") q(" + ", ".join(COEFFICIENT_COLUMNS)
            + ") ORDER BY q.group_key::text, " + _CATEGORY_ORDER + ", q.category, q.term_index")


def _category_sql(model: Model, cols: set) -> str:
    """The coefficients' category column, as text: a multinom model's categories are MADlib's
    varchar and may be words ('low', 'mid'); mlogregr's are integers, shown as their digits."""
    if "category" not in cols:
        return "NULL::text"
    return "(m.category)::text"


def _unnest(sess, model, gkey, category, names, coef, se, stat, p, odds, offset) -> str:
    return ("SELECT " + gkey + ", " + category + ", (u.i + " + str(offset) + ")::integer, "
            "COALESCE((" + _text_array(sess, names) + ")[u.i], 'coef[' || u.i || ']'), u.c, u.se, u.st, u.p, "
            + odds + " FROM " + model.table + " m CROSS JOIN LATERAL ROWS FROM ("
            + ", ".join("pg_catalog.unnest(" + a + ")" for a in (coef, se, stat, p))
            + ") WITH ORDINALITY AS u(c, se, st, p, i)")


COEFFICIENT_COLUMNS = ("group_key", "category", "term_index", "term", "coef", "std_err", "statistic", "p_value",
                       "odds_ratio")
# Categories that are numbers sort as numbers ('2' before '10'), before any that are words.
_CATEGORY_ORDER = "(CASE WHEN q.category ~ '^-?[0-9]{1,30}$' THEN (q.category)::numeric END)"
_EMPTY = ("SELECT NULL::jsonb, NULL::text, NULL::integer, NULL::text, NULL::pg_catalog.float8, "
          "NULL::pg_catalog.float8, NULL::pg_catalog.float8, NULL::pg_catalog.float8, NULL::pg_catalog.float8 "
          "WHERE false")
