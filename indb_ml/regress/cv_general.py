"""``indb_ml.cross_validation_general``: MADlib's generic k-fold driver, and its helper functions.

The driver calls three user-named SQL functions per fold and explored value: the modelling
function (trains on ``%data%`` = the fold's training rows into ``%model%``), the prediction
function (``%model%`` and ``%data%`` = the held-out rows into ``%prediction%``) and the metric
function (``%prediction%`` against ``%data%`` into ``%error%``); ``%id%`` is the row id column.
The placeholders become the names of temporary tables that the driver creates and drops.

Safety: a function name is split by ``parse_ident`` and looked up in ``pg_proc`` (an unknown name,
or no overload taking that many arguments, is an error naming it); it is called as
``schema.name(CAST($1 AS t1), ...)`` with both names quoted, each type resolved by ``to_regtype``
and written back as ``format_type`` of the type found, and each parameter a bound text value cast
to its declared type. Nothing the user passes is pasted into SQL.

Folds (MADlib's contiguous ranges of a random row rank): with ``id_is_random`` the rank is the
row's position in ``data_id`` order; otherwise rank ``r = perm[i]`` where ``i`` is the row's
position in ``data_id`` order (physical order without ``data_id``) and ``perm =
np.random.default_rng(0).permutation(n) + 1``; with ``m = n // fold_num`` the row is held out in
fold ``min((r - 1) // m, fold_num - 1)`` (0-based).
"""

from __future__ import annotations

import itertools

import numpy as np

from indb_ml import sqlexpr
from indb_ml.core import distributed, progress
from indb_ml.core.relations import Relation, new_table, resolve_source
from indb_ml.core.session import Session, sql_entry
from indb_ml.errors import InputError

PLACEHOLDERS = ("%data%", "%model%", "%id%", "%prediction%", "%error%")
_counter = itertools.count(1)


def _temp(sess: Session, stem: str) -> Relation:
    """A not-yet-existing temporary table name of ours (``pg_temp.indb_ml_cv_<stem>_<n>``)."""
    while True:
        rel = Relation("pg_temp", f"indb_ml_cv_{stem}_{next(_counter)}")
        if sess.one("SELECT to_regclass($1) IS NULL AS free", [rel.sql(sess)], ["text"])["free"]:
            return rel


def _drop(sess: Session, *rels: Relation) -> None:
    """Drop the driver's own tables that exist: a DROP of a missing one would NOTICE the client."""
    for rel in rels:
        for r in (rel, Relation(rel.schema, rel.name + "_summary")):
            if sess.one("SELECT to_regclass($1) IS NOT NULL AS e", [r.sql(sess)], ["text"])["e"]:
                sess.execute("DROP TABLE " + r.sql(sess))


def _function(sess: Session, text: str, n_args: int, what: str) -> str:
    """``schema.name`` (quoted) of an existing SQL function that has an overload taking n_args."""
    try:
        parts = sess.one("SELECT pg_catalog.parse_ident($1) AS p", [text], ["text"])["p"]
    except sess.spi_error as exc:
        raise InputError(f"cross_validation_general: {what} {text!r} is not a function name: {exc}",
                         hint="e.g. 'indb_ml.elastic_net_train'", sqlstate=InputError.SYNTAX) from None
    if len(parts) > 2:
        raise InputError(f"cross_validation_general: {what} {text!r} has too many dotted parts")
    schema, name = (None, parts[0]) if len(parts) == 1 else parts
    rows = sess.execute(
        "SELECT n.nspname, p.pronargs, p.pronargdefaults, p.provariadic <> 0 AS variadic "
        "FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
        "WHERE p.proname = $2 AND p.prokind = 'f' AND CASE WHEN $1::text IS NULL "
        "THEN pg_catalog.pg_function_is_visible(p.oid) ELSE n.nspname = $1 END "
        "ORDER BY pg_catalog.array_position(pg_catalog.current_schemas(true), n.nspname)",
        [schema, name], ["text", "text"])
    if not len(rows):
        raise InputError(f"cross_validation_general: {what} {text!r} does not exist",
                         hint="check the name and the search_path; qualify it, e.g. 'indb_ml.linregr_train'",
                         sqlstate="42883")
    fits = [r for r in rows if r["pronargs"] - r["pronargdefaults"] <= n_args <= r["pronargs"] or r["variadic"]]
    if not fits:
        counts = sorted({r["pronargs"] for r in rows})
        raise InputError(f"cross_validation_general: {what} {text!r} takes {', '.join(map(str, counts))} "
                         f"argument(s), not the {n_args} given", hint="check the params and params_type arrays",
                         sqlstate="42883")
    return sess.qualified(fits[0]["nspname"], name)


def _types(sess: Session, types: list, what: str) -> list:
    """Each declared type name resolved by the catalog and written as format_type() gives it."""
    out = []
    for t in types:
        if t is None or not str(t).strip():
            raise InputError(f"cross_validation_general: {what} has an empty type")
        try:
            row = sess.one("SELECT pg_catalog.format_type(pg_catalog.to_regtype($1), NULL) AS t",
                           [str(t).strip().strip('"')], ["text"])
        except sess.spi_error as exc:
            raise InputError(f"cross_validation_general: {what}: {t!r} is not a type name: {exc}",
                             sqlstate=InputError.SYNTAX) from None
        if row["t"] is None:
            raise InputError(f"cross_validation_general: {what}: type {t!r} does not exist",
                             sqlstate="42704")
        out.append(row["t"])
    return out


class _Call:
    """One user function, its parameter list and types, called with placeholders filled in."""

    def __init__(self, sess: Session, func: str, params: list, types: list, what: str):
        if params is None or types is None:
            raise InputError(f"cross_validation_general: {what}_params and {what}_params_type must not be NULL")
        if len(params) != len(types):
            raise InputError(f"cross_validation_general: {what}_params has {len(params)} values but "
                             f"{what}_params_type has {len(types)} types")
        self.sess, self.what, self.params = sess, what, list(params)
        self.types = _types(sess, list(types), what + "_params_type")
        self.name = _function(sess, func, len(params), what + "_func")
        self.sql = ("SELECT " + self.name + "(" + ", ".join(f"CAST(${i + 1} AS {t})" for i, t in enumerate(self.types))
                    + ")")

    def placeholders(self) -> set:
        return {p.strip() for p in self.params if p and p.strip() in PLACEHOLDERS}

    def run(self, tables: dict, explore: tuple | None, where: str) -> None:
        values = []
        for p in self.params:
            key = p.strip() if p is not None else None
            if p is None or key.upper() == "NULL":
                values.append(None)
            elif key in PLACEHOLDERS:
                if key not in tables:
                    raise InputError(f"cross_validation_general: {key} has no meaning in {self.what}_params")
                values.append(tables[key])
            elif explore is not None and key == explore[0]:
                values.append(explore[1])
            elif explore is not None and "%explore%" in p:
                values.append(p.replace("%explore%", explore[1]))
            else:
                values.append(p)
        try:
            self.sess.execute(self.sql, values, ["text"] * len(values))
        except self.sess.spi_error as exc:
            raise InputError(f"cross_validation_general: the {self.what} function failed {where}: {exc}",
                             hint=f"check {self.what}_params", sqlstate=getattr(exc, "sqlstate", None)
                             or InputError.INVALID_PARAMETER) from None


def _columns(sess: Session, rel: Relation) -> list:
    return [r["attname"] for r in sess.execute(
        "SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 "
        "AND NOT attisdropped ORDER BY attnum", [rel.sql(sess)], ["text"])]


def _ranks(n: int, random_ids: bool) -> list:
    """Row rank by position (see the module docstring): identity, or a seeded permutation."""
    return list(range(1, n + 1)) if random_ids else (np.random.default_rng(0).permutation(n) + 1).tolist()


@sql_entry
def cross_validation_general(sess, modelling_func, modelling_params, modelling_params_type, param_explored,
                             explore_values, predict_func, predict_params, predict_params_type, metric_func,
                             metric_params, metric_params_type, data_tbl, data_id, id_is_random, validation_result,
                             data_cols=None, fold_num=10) -> None:
    for name, value in (("modelling_func", modelling_func), ("predict_func", predict_func),
                        ("metric_func", metric_func), ("data_tbl", data_tbl),
                        ("validation_result", validation_result), ("fold_num", fold_num)):
        if value is None:
            raise InputError(f"cross_validation_general: {name} must not be NULL",
                             hint="SELECT indb_ml.cross_validation_general() shows the usage")
    if fold_num < 2:
        raise InputError("cross_validation_general: fold_num must be at least 2")
    if data_id is not None and id_is_random is None:
        raise InputError("cross_validation_general: id_is_random must be TRUE or FALSE when data_id is given")
    source = resolve_source(sess, data_tbl, "data_tbl")
    out = new_table(sess, validation_result, "validation_result")
    calls = [_Call(sess, modelling_func, modelling_params, modelling_params_type, "modelling"),
             _Call(sess, predict_func, predict_params, predict_params_type, "predict"),
             _Call(sess, metric_func, metric_params, metric_params_type, "metric")]
    if "%error%" not in calls[2].placeholders():
        raise InputError("cross_validation_general: metric_params must contain %error% (the metric's output table)")
    explore = list(explore_values or [])
    explore_type = "text"
    if explore:
        if not param_explored or not param_explored.strip():
            raise InputError("cross_validation_general: param_explored is empty but explore_values are given")
        hits = [i for i, p in enumerate(calls[0].params) if p is not None and p.strip() == param_explored]
        if hits:
            explore_type = calls[0].types[hits[0]]
        elif not any(p and "%explore%" in p for p in calls[0].params):
            raise InputError(f"cross_validation_general: param_explored {param_explored!r} is not one of "
                             "modelling_params", hint="put the name (or %explore% inside a value) in modelling_params")
        if any(v is None for v in explore):
            raise InputError("cross_validation_general: explore_values must not contain NULL")
    table_cols = _columns(sess, source)
    data_id = _unquote(data_id)
    cols = [_unquote(c) for c in data_cols] if data_cols else list(table_cols)
    missing = [c for c in cols + ([data_id] if data_id else []) if c not in table_cols]
    if missing:
        raise InputError(f"cross_validation_general: column {missing[0]!r} is not in {source.schema}.{source.name}",
                         sqlstate=InputError.UNDEFINED_COLUMN)
    if data_id and data_id not in cols:
        cols.insert(0, data_id)
    id_col = data_id or "indb_ml_cv_id"
    n = sess.one("SELECT pg_catalog.count(*) AS n FROM " + source.sql(sess))["n"]
    if n <= fold_num:
        raise InputError(f"cross_validation_general: {n} rows cannot make {fold_num} folds",
                         sqlstate=InputError.NO_DATA)
    order = sess.ident(data_id) if data_id else ("ctid" if source.kind in ("r", "m", "t") else "NULL")
    every = _temp(sess, "rows")
    m = n // fold_num
    select = ", ".join(sess.ident(c) for c in cols)
    sess.execute("CREATE TEMPORARY TABLE " + sess.ident(every.name) + " AS SELECT LEAST((r - 1) / $2, "
                 "$3 - 1) AS indb_ml_cv_fold, " + ("" if data_id else "r AS indb_ml_cv_id, ") + select
                 + " FROM (SELECT ($1::bigint[])[pg_catalog.row_number() OVER (ORDER BY " + order + ")] AS r, "
                 + select + " FROM " + source.sql(sess) + ") s",
                 [_ranks(n, bool(data_id and id_is_random)), m, fold_num], ["bigint[]", "bigint", "bigint"])
    keep = ", ".join(sess.ident(c) for c in ([] if data_id else [id_col]) + cols)
    train, valid, model, pred, err = (_temp(sess, s) for s in ("train", "valid", "model", "prediction", "error"))
    fit_tables = {"%data%": train.sql(sess), "%id%": sess.ident(id_col), "%model%": model.sql(sess)}
    predict_tables = dict(fit_tables, **{"%data%": valid.sql(sess), "%prediction%": pred.sql(sess)})
    metric_tables = dict(predict_tables, **{"%error%": err.sql(sess)})
    scores: dict = {}
    metric_names = None
    prog = progress.start(sess, "cross_validation", max_iter=fold_num)
    for fold in range(fold_num):
        prog.step(fold + 1, phase="fold")
        _drop(sess, train, valid)
        for rel, op in ((train, "<>"), (valid, "=")):
            sess.execute("CREATE TEMPORARY TABLE " + sess.ident(rel.name) + " AS SELECT " + keep + " FROM "
                         + every.sql(sess) + " WHERE indb_ml_cv_fold " + op + " $1", [fold], ["bigint"])
        for value in explore or [None]:
            where = f"in fold {fold + 1}" + (f" with {param_explored} = {value}" if value is not None else "")
            pair = (param_explored.strip(), value) if value is not None else None
            _drop(sess, model, pred, err)
            for call, tables in zip(calls, (fit_tables, predict_tables, metric_tables)):
                call.run(tables, pair, where)
            res = _read_error(sess, err, where)
            if metric_names is None:
                metric_names = res[0]
            elif res[0] != metric_names:
                raise InputError("cross_validation_general: the metric tables' columns differ between runs")
            scores.setdefault(value, []).extend(res[1])
    _drop(sess, train, valid, model, pred, err, every)
    _write(sess, out, param_explored if explore else None, explore_type, explore, metric_names, scores)
    prog.done()


def _read_error(sess: Session, err: Relation, where: str) -> tuple:
    if sess.one("SELECT to_regclass($1) IS NULL AS missing", [err.sql(sess)], ["text"])["missing"]:
        raise InputError(f"cross_validation_general: the metric function did not create %error% {where}",
                         hint="the metric function must create the table named by %error%")
    res = sess.execute("SELECT * FROM " + err.sql(sess))
    names = list(res.colnames())
    rows = []
    for r in res:
        try:
            rows.append([None if r[c] is None else float(r[c]) for c in names])
        except (TypeError, ValueError):
            raise InputError(f"cross_validation_general: the metric table {where} has a non-numeric column",
                             sqlstate=InputError.DATATYPE_MISMATCH) from None
    return names, rows


def _write(sess: Session, out: Relation, param: str | None, ptype: str, explore: list, names: list,
           scores: dict) -> None:
    defs = ([sess.ident(param.strip()) + " " + ptype] if param else [])
    for c in names:
        defs += [sess.ident(c + "_avg") + " float8", sess.ident(c + "_stddev") + " float8"]
    sess.execute("CREATE TABLE " + out.sql(sess) + " (" + ", ".join(defs) + ")")
    k = len(defs)
    insert = ("INSERT INTO " + out.sql(sess) + " VALUES (" + ", ".join(
        (f"CAST($1 AS {ptype})" if param and i == 0 else f"${i + 1}::float8") for i in range(k)) + ")")
    for value in explore or [None]:
        rows = np.array(scores[value], dtype=float).reshape(-1, len(names))
        stats = []
        for j in range(len(names)):
            col = rows[:, j][~np.isnan(rows[:, j])]
            stats += [float(col.mean()) if col.size else None,
                      float(col.std(ddof=1)) if col.size > 1 else None]
        vals = ([value] if param else []) + stats
        sess.execute(insert, vals, ["text"] * bool(param) + ["float8"] * len(stats))


# ---- MADlib's helper functions for cross_validation_general -----------------------------------------


def _unquote(name):
    """A column name as given (MADlib passes it unquoted) or double-quoted ('"Id"') for a mixed case."""
    if name is None:
        return None
    name = name.strip()
    if len(name) >= 2 and name[0] == name[-1] == '"':
        return name[1:-1].replace('""', '"')
    return name


def _id_node(text: str, arg: str) -> str:
    node = sqlexpr.parse(text)
    if not isinstance(node, sqlexpr.Col):
        raise InputError(f"{arg} {text!r} must be a column name")
    return node.name


def _expr(sess: Session, text: str) -> str:
    return sqlexpr.to_sql(sqlexpr.parse(text), sess.ident, sess.literal, function_schema="pg_catalog")


def _create(sess: Session, what: str, query: str, params=(), types=()) -> None:
    try:
        sess.execute(query, params, types)
    except sess.spi_error as exc:
        raise InputError(f"{what}: {exc}", sqlstate=getattr(exc, "sqlstate", None) or InputError.INVALID_PARAMETER,
                         hint="check the table and column names") from None


@sql_entry
def cv_linregr_train(sess, tbl_source, col_ind_var, col_dep_var, tbl_result) -> None:
    """MADlib's wrapper: linregr_train with the argument order the CV examples use."""
    _create(sess, "cv_linregr_train", "SELECT indb_ml.linregr_train($1, $2, $3, $4)",
            [tbl_source, tbl_result, col_dep_var, col_ind_var], ["text"] * 4)


@sql_entry
def cv_predict(sess, kind, tbl_model, tbl_newdata, col_ind_var, col_id, tbl_predict) -> None:
    """``tbl_predict (col_id, prediction)`` from a linregr/logregr model's ``coef``, one statement."""
    what = f"cv_{kind}_predict"
    model = resolve_source(sess, tbl_model, "tbl_model")
    data = resolve_source(sess, tbl_newdata, "tbl_newdata")
    out = new_table(sess, tbl_predict, "tbl_predict")
    idn = _id_node(col_id, "col_id")
    func = "indb_ml.linregr_predict" if kind == "linregr" else "indb_ml.logregr_predict"
    query = ("SELECT s." + sess.ident(idn) + ", " + func + "(m.coef, s.indb_ml_x) AS prediction FROM (SELECT "
             + sess.ident(idn) + ", (" + _expr(sess, col_ind_var) + ")::float8[] AS indb_ml_x FROM "
             + data.sql(sess) + ") s CROSS JOIN " + model.sql(sess) + " m")
    try:  # a distributed tbl_newdata: the output distributed by col_id like it, filled on the shards
        distributed.create_table_as(sess, out, query, idn, data, what)
    except sess.spi_error as exc:
        raise InputError(f"{what}: {exc}", sqlstate=getattr(exc, "sqlstate", None) or InputError.INVALID_PARAMETER,
                         hint="check the table and column names") from None


@sql_entry
def cv_metric(sess, kind, tbl_prediction, tbl_actual, id_actual, values_actual, tbl_error) -> None:
    """One-row table of a metric of ``prediction`` against ``values_actual``, joined on the id."""
    pred = resolve_source(sess, tbl_prediction, "tbl_prediction")
    actual = resolve_source(sess, tbl_actual, "tbl_actual")
    out = new_table(sess, tbl_error, "tbl_error")
    idn = sess.ident(_id_node(id_actual, "id_actual"))
    agg = {"mse_error": "pg_catalog.avg((p.prediction - a.indb_ml_v) ^ 2)::float8 AS mean_squared_error",
           "misclassification_avg": "pg_catalog.avg(CASE WHEN p.prediction = a.indb_ml_v THEN 0 ELSE 1 END)"
                                    "::float8 AS error_rate",
           # a boolean or an int 0/1 dependent: both sides compared as int
           "cv_logregr_accuracy": "pg_catalog.avg(CASE WHEN (p.prediction)::int = (a.indb_ml_v)::int THEN 1 ELSE 0 END)"
                                  "::float8 AS accuracy"}[kind]
    _create(sess, kind, "CREATE TABLE " + out.sql(sess) + " AS SELECT " + agg + " FROM " + pred.sql(sess)
            + " p JOIN (SELECT " + idn + ", (" + _expr(sess, values_actual) + ") AS indb_ml_v FROM "
            + actual.sql(sess) + ") a ON p." + idn + " = a." + idn)


USAGE = """cross_validation_general: MADlib's generic k-fold cross-validation driver.

SELECT indb_ml.cross_validation_general(
    'modelling_func', '{params}'::text[], '{types}'::text[],
    'param_explored', '{values}'::text[],
    'predict_func', '{params}'::text[], '{types}'::text[],
    'metric_func', '{params}'::text[], '{types}'::text[],
    'data_tbl', 'data_id' | NULL, id_is_random, 'validation_result',
    data_cols := NULL, fold_num := 10);

Placeholders in the params arrays: %data% (the fold's training rows for the modelling function,
its held-out rows for the others), %model%, %prediction%, %error% (temporary tables the driver
names, creates and drops), %id% (data_id, or the generated id column indb_ml_cv_id).
The element equal to param_explored (or '%explore%' inside an element) takes each explore value.
validation_result: param_explored, then <metric column>_avg and <metric column>_stddev.

Helpers: cv_linregr_train(tbl_source, col_ind_var, col_dep_var, tbl_result),
cv_linregr_predict / cv_logregr_predict(tbl_model, tbl_newdata, col_ind_var, col_id, tbl_predict),
elastic_net_predict(tbl_model, tbl_new_source, col_id, tbl_predict),
mse_error / misclassification_avg / cv_logregr_accuracy(tbl_prediction, tbl_actual, id_actual,
values_actual, tbl_error).
"""


def cv_help() -> str:
    return USAGE
