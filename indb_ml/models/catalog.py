"""The model catalog ``indb_ml.models``: every training function registers its model here.

A trainer is decorated with :func:`registers` (one line per trainer): after it has
written its output tables, :func:`register_model` inserts the catalog row in the
same transaction, so a training that fails leaves neither tables nor a row. The
model's name is its output table's qualified name, or the value of the setting
``indb_ml.model_name`` when set: training ``houses_lr_v1`` and ``houses_lr_v2``
under one ``SET indb_ml.model_name = 'houses'`` makes them versions 1 and 2 of
one model, which :func:`model_deploy` and :func:`model_rollback` switch between.

Lineage records what the model was trained from: the source relation, for a
partitioned source every leaf partition with its row count (one counting scan,
in C), and the training transaction's snapshot.

The code here runs as the caller and never writes ``indb_ml.models``: it files a
request in ``indb_ml.model_requests`` (one INSERT), whose SECURITY DEFINER trigger
(``sql/71_catalog.sql``) checks the requesting role and writes the catalog. A model
name belongs to the role that registered it first (``indb_ml.model_owner``): only
that role and its members add versions to it, deploy, roll back or refresh it.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import json
import math
from typing import Callable, Iterator

from indb_ml.core.session import Session, sql_entry
from indb_ml.errors import InputError
from indb_ml.models.terms import grouping_argument, model_terms

MAX_METRIC_ROWS = 200  # output rows whose scalar columns are copied into metrics
# Output columns that are not metrics: the per-row categories of multinomial models.
_PER_CATEGORY = ("category",)

USAGE = """\
Model catalog: every training function registers a row in indb_ml.models.

SELECT * FROM indb_ml.models;                 -- name, version, algorithm, parameters,
                                              -- source_table, num_rows, lineage, output_tables,
                                              -- metrics, created_at, created_by, status
SELECT * FROM indb_ml.deployed_models;        -- the deployed version of each model
SELECT indb_ml.model_deploy(model_name, version);   -- version NULL: the latest
SELECT indb_ml.model_rollback(model_name);    -- deploy the previous version
SELECT * FROM indb_ml.model_refresh(model_name);    -- models of linregr_train_incremental
SELECT * FROM indb_ml.model_owner(model_name);      -- the role that owns a model name
SELECT * FROM indb_ml.predict(model_name, source, id_column [, version]);  -- score by name
SELECT * FROM indb_ml.score(model_name, source, id_column [, version]);    -- the same (for BI tools)
SELECT * FROM indb_ml.model_coefficients(model_name [, version]);          -- one row per term
SELECT * FROM indb_ml.model_metrics;          -- r2, log-likelihood, AIC, BIC per model and group
SELECT indb_ml.model_grant(model_name, role); -- let a role (indb_ml_reader) read a model
SELECT * FROM indb_ml.linregr_fit(source, dependent, independent);  -- fit without writing
                                              -- (every trainer has a _fit twin)

A role sees the models whose output table it can read. A model name belongs to the role
that registered it first: only that role and its members add versions to it, deploy,
roll back or refresh it.

The name of a model is its output table ('public.houses_lr'), unless set with
  SET indb_ml.model_name = 'houses';
before training: trainings into different output tables under one name become
versions 1, 2, ... of that model. Retraining into the same table name after
dropping it also makes a new version (the old one is retired).
"""


def catalog_help() -> str:
    return USAGE


def registers(algorithm: str, tables: tuple = ("_summary",)) -> Callable:
    """Decorate a trainer ``f(sess, source, out, ...)``: register its model after it returns.

    ``tables``: suffixes of companion tables (``<out>_summary``) listed with the model when
    they exist. The trainer's arguments, by name, are the model's parameters.
    """

    def wrap(func: Callable) -> Callable:
        signature = inspect.signature(func)

        @functools.wraps(func)
        def wrapper(sess: Session, *args, **kwargs):
            bound = signature.bind(sess, *args, **kwargs)
            bound.apply_defaults()
            names = list(bound.arguments)[1:]
            values = [bound.arguments[n] for n in names]
            check_writable(sess, func.__name__)
            check_name_owner(sess, values[1])  # before any work: a name of another role's is refused
            with noting_metrics() as noted:
                func(sess, *args, **kwargs)
            params = {n: v for n, v in zip(names[2:], values[2:])}
            params["trainer"] = func.__name__
            # MADlib's order: source, output, dependent, independent (terms: indb_ml.models.terms)
            return register_model(sess, algorithm, values[0], values[1], params, tables,
                                  terms=(values[2], values[3], grouping_argument(params)), noted=noted)

        return wrapper

    return wrap


# Metrics a trainer computes but does not write (MADlib's output tables have no column for them:
# linregr's log-likelihood), by group key, for the training being registered (innermost last).
_noted: list = []


@contextlib.contextmanager
def noting_metrics() -> Iterator[dict]:
    """Inside, :func:`note_metrics` files metrics in the dict yielded (group key -> {name: value})."""
    noted: dict = {}
    _noted.append(noted)
    try:
        yield noted
    finally:
        _noted.remove(noted)


def note_metrics(by_group: dict) -> None:
    """A trainer's metrics that are not columns of its output table, ``{group key: {name: value}}``
    (the group key as ``write_models`` takes it: jsonb text, None without groups). They join the
    output row's scalars in the catalog's ``metrics`` (:func:`output_metrics`), so ``model_metrics``
    can give AIC and BIC. A no-op outside a registered training."""
    if _noted:
        for gkey, values in by_group.items():
            _noted[-1].setdefault(gkey, {}).update(values)


def _merge_noted(scalars: list, noted: dict | None) -> None:
    """Add each group's noted metrics to its output rows (matched on the group columns' values),
    never over a column the table has."""
    if not noted or not scalars:
        return
    keys = [json.loads(g) if g else {} for g in noted]
    cols = sorted(keys[0])

    def key(values: dict) -> str:
        return json.dumps([values.get(c) for c in cols])

    by_key = {key(k): v for k, v in zip(keys, noted.values())}
    for row in scalars:
        for name, value in by_key.get(key(row), {}).items():
            if value is not None and row.get(name) is None:
                row[name] = value


def fit_function(trainer: str) -> str:
    """The ``*_fit`` function that returns as rows the model ``trainer`` writes.

    >>> fit_function("linregr_train"), fit_function("glm"), fit_function("linregr_train_incremental")
    ('linregr_fit', 'glm_fit', 'linregr_fit')
    """
    base = trainer.removesuffix("_incremental").removesuffix("_train")
    return base + "_fit"


def check_writable(sess: Session, trainer: str) -> None:
    """Refuse at once a training in a read-only transaction (a BI tool's SQL editor), whose tables
    could not be written, and name the function that returns the model without writing."""
    if sess.one("SELECT pg_catalog.current_setting('transaction_read_only') = 'on' AS ro")["ro"]:
        raise InputError(f"{trainer} writes its model to tables, and this transaction is read-only",
                         hint=f"SELECT * FROM indb_ml.{fit_function(trainer)}(...) (the same arguments without the "
                              "output table) returns the model as rows and writes nothing",
                         sqlstate="25006")  # read_only_sql_transaction


def _catalog_installed(sess: Session) -> bool:
    """False in a database whose indb_ml SQL objects predate the catalog's request table (the
    package was upgraded, ``ALTER EXTENSION indb_ml UPDATE`` not yet run): it trains without
    registering."""
    return bool(sess.one("SELECT pg_catalog.to_regclass('indb_ml.model_requests') IS NOT NULL AS e")["e"])


def _owner(sess: Session, name: str) -> dict:
    """``known`` (some version has this name), ``owner`` (role name or None), ``allowed`` (the
    current role has the owner's privileges, or the name is free)."""
    return dict(sess.one(
        "SELECT o.known, o.owner, o.owner_oid IS NULL OR pg_catalog.pg_has_role(o.owner_oid, 'USAGE') AS allowed "
        "FROM indb_ml.model_owner($1) o", [name], ["text"]))


def _setting_name(sess: Session) -> str:
    return (sess.one("SELECT pg_catalog.current_setting('indb_ml.model_name', true) AS v")["v"] or "").strip()


def check_name_owner(sess: Session, out_table: str | None) -> None:
    """Refuse, before a trainer does any work, a model name the caller may not register under
    (another role's, or a free name spelled as a table the caller does not own).

    The name is the setting ``indb_ml.model_name`` or the output table's qualified name;
    output tables that will not be registered (temporary ones, names the trainer will
    reject) are left to the trainer. The rule is ``indb_ml._model_name_check``, which the
    catalog's trigger applies again at registration."""
    if not out_table or not _catalog_installed(sess):
        return
    try:
        parts = sess.one("SELECT pg_catalog.parse_ident($1) AS p, pg_catalog.current_schema() AS s",
                         [out_table], ["text"])
    except sess.spi_error:
        return
    names = parts["p"] or []
    schema = names[0] if len(names) == 2 else parts["s"]
    if len(names) not in (1, 2) or schema is None or schema.startswith("pg_temp"):
        return
    out_q = sess.qualified(schema, names[-1])
    sess.execute("SELECT indb_ml._model_name_check($1, CURRENT_USER, $2)", [_setting_name(sess) or out_q, out_q],
                 ["text", "text"])


def register_model(sess: Session, algorithm: str, source_table: str, out_table: str, parameters: dict,
                   tables: tuple = ("_summary",), terms: tuple = (None, None, None), noted: dict | None = None) -> dict:
    """Register the model whose output table ``out_table`` was just written (a request the
    catalog's trigger carries out: it names, numbers and lists the model's tables itself).
    ``terms``: the dependent and independent variables and the grouping columns as given, kept
    parsed with the model (:mod:`indb_ml.models.terms`) for scoring and naming by name;
    ``noted``: metrics the trainer computed without writing them (:func:`note_metrics`).

    Returns what the trainer returns to its caller: ``model_name``, ``version`` and ``tables``
    (name and version None for a model that is not registered: a temporary output table)."""
    if not _catalog_installed(sess):
        sess.debug("register_model: indb_ml.model_requests does not exist (extension objects older than the package)")
        return _unregistered(sess, out_table, tables)
    out = sess.one(
        "SELECT c.oid, pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) AS q, "
        "c.relpersistence FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.oid = pg_catalog.to_regclass($1)", [out_table], ["text"])
    if out["relpersistence"] == "t":  # cross-validation folds and other scratch models vanish with the session
        sess.debug(f"register_model: {out['q']} is a temporary table, not registered")
        return _unregistered(sess, out_table, tables)
    src = sess.one(
        "SELECT c.oid, c.relkind, pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) AS q,"
        " CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid) END AS def "
        "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.oid = pg_catalog.to_regclass($1)", [source_table], ["text"])
    metrics, num_rows = output_metrics(sess, out["q"], noted)
    lineage = source_lineage(sess, src, num_rows)
    dependent, independent, grouping = terms
    found = model_terms(sess, dependent, independent, grouping, lambda: coef_width(sess, out["q"]))
    sess.execute(
        "INSERT INTO indb_ml.model_requests (action, output_oid, companion_suffixes, algorithm, parameters, "
        "source_table, source_filter, num_rows, lineage, metrics, dependent_varname, independent_varname, "
        "feature_names, feature_exprs, grouping_cols) "
        "VALUES ('register', $1, $2, $3, $4::jsonb, $5, $6, $7, $8::jsonb, $9::jsonb, $10, $11, $12, $13, $14)",
        [out["oid"], list(tables), algorithm, json.dumps(_jsonable(parameters)), src["q"] if src else source_table,
         src["def"] if src else None, num_rows, json.dumps(lineage), json.dumps(metrics), found.dependent,
         found.independent, found.names, found.exprs, found.grouping],
        ["oid", "text[]", "text", "text", "text", "text", "int8", "text", "text", "text", "text", "text[]", "text[]",
         "text[]"])
    row = sess.one("SELECT name AS model_name, version, output_tables AS tables FROM indb_ml.models "
                   "WHERE output_oid = $1 ORDER BY id DESC LIMIT 1", [out["oid"]], ["oid"])
    return dict(row) if row is not None else _unregistered(sess, out_table, tables)


def _unregistered(sess: Session, out_table: str, tables: tuple) -> dict:
    """The trainer's result for a model not in the catalog: the tables it wrote."""
    out = sess.one("SELECT c.relname, c.relnamespace FROM pg_catalog.pg_class c "
                   "WHERE c.oid = pg_catalog.to_regclass($1)", [out_table], ["text"])
    if out is None:
        return {"model_name": None, "version": None, "tables": []}
    rows = sess.execute(
        "SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) AS q "
        "FROM pg_catalog.unnest($1::text[]) WITH ORDINALITY AS u(name, i) "
        "JOIN pg_catalog.pg_class c ON c.relname = u.name AND c.relnamespace = $2 "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace ORDER BY u.i",
        [[out["relname"] + suffix for suffix in ("",) + tuple(tables)], out["relnamespace"]], ["text[]", "oid"])
    return {"model_name": None, "version": None, "tables": [r["q"] for r in rows]}


def coef_width(sess: Session, out_q: str) -> int | None:
    """The number of coefficients in the output table's first row (coef, coef_all or coef_feature)."""
    row = sess.one("SELECT pg_catalog.to_jsonb(t)::text AS j FROM " + out_q + " t LIMIT 1")
    values = json.loads(row["j"]) if row is not None else {}
    for key in ("coef", "coef_all", "coef_feature"):
        if isinstance(values.get(key), list):
            return len(values[key])
    return None


def output_metrics(sess: Session, out_q: str, noted: dict | None = None) -> tuple[dict, int | None]:
    """Scalar columns of the output table's rows (r2, log_likelihood, status, group keys, ...)
    with the trainer's ``noted`` metrics, and the rows processed: one metrics object per output
    row, rows of one group counted once."""
    rows = sess.execute("SELECT pg_catalog.to_jsonb(t)::text AS j FROM " + out_q + " t LIMIT "
                        + str(MAX_METRIC_ROWS + 1))
    scalars = []
    for r in rows:
        values = json.loads(r["j"])
        scalars.append({k: v for k, v in values.items() if not isinstance(v, (list, dict))})
    _merge_noted(scalars, noted)
    per_group = {json.dumps({k: v for k, v in s.items() if k not in _PER_CATEGORY}, sort_keys=True): s
                 for s in scalars[:MAX_METRIC_ROWS]}
    counts = [s.get("num_rows_processed") for s in map(json.loads, per_group)]
    num_rows = sum(c for c in counts if c is not None) if any(c is not None for c in counts) else None
    if len(scalars) == 1:
        return scalars[0], num_rows
    metrics = {"rows": scalars[:MAX_METRIC_ROWS]}
    if len(scalars) > MAX_METRIC_ROWS:
        metrics["truncated"] = True
        num_rows = None
    return metrics, num_rows


def source_lineage(sess: Session, src: dict | None, num_rows: int | None) -> dict:
    """Source kind, leaf partitions with their exact row counts (partitioned sources), snapshot."""
    snap = sess.one("SELECT pg_catalog.pg_current_snapshot()::text AS s")["s"]
    if src is None:
        return {"snapshot": snap}
    lineage = {"relation": src["q"], "kind": src["relkind"], "snapshot": snap}
    if src["relkind"] == "p":
        lineage["partitions"] = partition_counts(sess, src["q"])
        lineage["rows"] = sum(p["rows"] for p in lineage["partitions"])
    elif num_rows is not None:
        lineage["rows_processed"] = num_rows
    else:  # the trainer reports no row count (elastic_net_train): count the source
        lineage["rows"] = int(sess.one("SELECT pg_catalog.count(*) AS n FROM " + src["q"])["n"])
    return lineage


def partition_counts(sess: Session, source_q: str) -> list:
    """Every leaf partition of ``source_q`` with its row count (0 for empty ones), in one scan."""
    rows = sess.execute(
        "SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) AS name, "
        "COALESCE(k.n, 0) AS n FROM pg_catalog.pg_partition_tree($1::regclass) t "
        "JOIN pg_catalog.pg_class c ON c.oid = t.relid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "LEFT JOIN (SELECT tableoid, pg_catalog.count(*) AS n FROM " + source_q + " GROUP BY tableoid) k "
        "ON k.tableoid = t.relid WHERE t.isleaf ORDER BY 1", [source_q], ["text"])
    return [{"name": r["name"], "rows": int(r["n"])} for r in rows]


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def find_model(sess: Session, model_name: str, version: int | None = None, action: str = "use") -> dict:
    """The catalog row of ``model_name`` (a model name or an output table name), latest version
    by default, as the caller may see it. A model of another role's whose tables the caller
    cannot read is a permission error naming its owner, not a missing model."""
    if model_name is None or not model_name.strip():
        raise InputError("model_name must not be empty", hint="SELECT name, version FROM indb_ml.models")
    name = _model_name(sess, model_name)
    if version is None:
        row = sess.one("SELECT * FROM indb_ml.models WHERE name = $1 ORDER BY version DESC LIMIT 1",
                       [name], ["text"])
    else:
        row = sess.one("SELECT * FROM indb_ml.models WHERE name = $1 AND version = $2", [name, version],
                       ["text", "int4"])
    if row is None:
        owner = _owner(sess, name)
        if owner["known"] and not owner["allowed"]:
            raise not_owner(name, owner["owner"], action)
        what = f"model {model_name!r}" + ("" if version is None else f" version {version}")
        raise InputError(f"{what} is not in indb_ml.models", hint="SELECT name, version FROM indb_ml.models",
                         sqlstate=InputError.UNDEFINED_TABLE)
    return dict(row)


def not_owner(name: str, owner: str | None, action: str) -> InputError:
    if owner is None:
        return InputError(f"permission denied to {action} model {name}: every role that registered it was dropped",
                          hint="train a new version under this name to claim it",
                          sqlstate=InputError.INSUFFICIENT_PRIVILEGE)
    return InputError(f"permission denied to {action} model {name}: it belongs to role {owner}, which created it",
                      hint=f"only {owner} and its members can deploy, roll back or refresh it",
                      sqlstate=InputError.INSUFFICIENT_PRIVILEGE)


def check_may_manage(sess: Session, name: str, action: str) -> None:
    """Refuse up front when the current role may not deploy, roll back or refresh ``name``."""
    owner = _owner(sess, name)
    if owner["known"] and (owner["owner"] is None or not owner["allowed"]):
        raise not_owner(name, owner["owner"], action)


def _model_name(sess: Session, text: str) -> str:
    """``text`` as a catalog name: itself if some model has it, else the name of the model
    of the output table it names (``'houses_lr'`` -> ``public.houses_lr``)."""
    if sess.one("SELECT (indb_ml.model_owner($1)).known AS k", [text], ["text"])["k"]:
        return text
    try:  # a table name as the user spells it: the catalog spells it schema-qualified
        row = sess.one(
            "SELECT (SELECT m.name FROM indb_ml.models m WHERE m.output_oid = c.oid ORDER BY m.version DESC LIMIT 1) "
            "AS name, pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) AS q "
            "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.oid = pg_catalog.to_regclass($1)", [text], ["text"])
    except sess.spi_error:  # not a valid table name: then it is just an unknown model name
        row = None
    if row is None:
        return text
    return row["name"] or row["q"]


def _tables_exist(sess: Session, row: dict) -> bool:
    return bool(sess.one("SELECT pg_catalog.to_regclass($1) = $2::oid AS ok", [row["output_table"],
                                                                             row["output_oid"]],
                         ["text", "oid"])["ok"])


def _request(sess: Session, action: str, name: str, version: int | None = None) -> dict | None:
    """File a deploy or rollback request; the deployed row afterwards (None if the caller cannot see it)."""
    sess.execute("INSERT INTO indb_ml.model_requests (action, model_name, version) VALUES ($1, $2, $3)",
                 [action, name, version], ["text", "text", "int4"])
    row = sess.one("SELECT * FROM indb_ml.models WHERE name = $1 AND status = 'deployed'", [name], ["text"])
    return dict(row) if row is not None else None


@sql_entry
def model_deploy(sess: Session, model_name: str, version: int | None = None) -> dict | None:
    if model_name is None or not model_name.strip():
        raise InputError("model_name must not be empty", hint="SELECT name, version FROM indb_ml.models")
    return _request(sess, "deploy", _model_name(sess, model_name), version)


@sql_entry
def model_rollback(sess: Session, model_name: str) -> dict | None:
    if model_name is None or not model_name.strip():
        raise InputError("model_name must not be empty", hint="SELECT name, version FROM indb_ml.models")
    return _request(sess, "rollback", _model_name(sess, model_name))
