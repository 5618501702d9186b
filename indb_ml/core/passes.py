"""One aggregate statement per pass over the source (docs/design.md, section 3, strategy 1).

A training pass is ``SELECT <group key>, indb_ml.<state>(y, x[, coef]) FROM source
GROUP BY <group cols>``: the per-row work is a C transition function and the states
merge with a C combine function, so the same statement runs on tables, views, foreign
tables, partitioned tables (partition-wise aggregation), in parallel workers and on
Citus shards. Python runs once per group and pass, to finalize or to take a step.

Statements are run as plain text through ``plpy.execute``: PostgreSQL plans a query
prepared with ``plpy.prepare`` without parallel workers (SPI_prepare), so the values a
pass needs (coefficients) are inlined as quoted ``float8[]`` literals through the one
quoting path (:meth:`Session.literal`), never pasted from user input.

Per-group coefficients reach the rows through a join with a ``VALUES`` list of
``(group key, coef)``, typed by the source's own row type, so SQL-equal group values
meet with the columns' own equality; a hash join when no group value is NULL.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence

from indb_ml.core.budget import check_final_step
from indb_ml.core.groups import canonical_keys
from indb_ml.core.relations import Relation
from indb_ml.core.session import Session
from indb_ml.errors import InputError


def float8_text(value: float) -> str:
    """A float in PostgreSQL's input syntax that reads back to the same double."""
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


def float8_array_sql(sess: Session, values: Iterable[float]) -> str:
    """``'{...}'::float8[]`` for values we computed (coefficients), through the quoting path."""
    return sess.literal("{" + ",".join(float8_text(v) for v in values) + "}") + "::pg_catalog.float8[]"


def group_key_sql(sess: Session, group_cols: Sequence[str], qualifier: str = "") -> str:
    """The group's values as jsonb text, the key every driver uses (NULL without groups)."""
    if not group_cols:
        return "NULL::text"
    pairs = ", ".join(sess.literal(g) + ", " + qualifier + sess.ident(g) for g in group_cols)
    return "pg_catalog.jsonb_build_object(" + pairs + ")::text"


def listed_args(sess: Session, source: Relation, features, room: int) -> tuple | None:
    """y and the features as separate float8 arguments for the column forms of the C
    aggregates (no array built per row), or None to pass the array: when the features are
    not listed one by one or exceed ``room``, and on Citus distributed tables, whose partial
    aggregation (``worker_partial_agg``) cannot check VARIADIC "any" argument types (in a
    database with Citus, views and foreign tables, which may read distributed tables, pass
    the array too)."""
    from indb_ml.core.plan_choice import citus_present, is_distributed
    from indb_ml.core.relations import HEAP_KINDS

    listed = features.listed(room)
    if listed is None or not citus_present(sess):
        return listed
    if source.kind not in HEAP_KINDS and source.kind != "p":
        return None
    return None if is_distributed(sess, source) else listed


def run_pass(sess: Session, source: Relation, group_cols: Sequence[str], call_sql: str,
             coef_by_group: dict | None = None, extra_sql: Sequence[str] = ()) -> dict:
    """``{group key: state}`` from one aggregate statement.

    ``call_sql`` is the aggregate call over the source's columns, built by the driver
    from checked feature SQL (e.g. ``indb_ml._linregr_state(y, x)``); where it names
    ``indb_ml_c.coef`` the rows are joined with ``coef_by_group`` ({group key: coef}).
    ``extra_sql`` are further aggregate expressions, returned under their position
    (``state1``, ...).
    """
    cols = [sess.ident(g) for g in group_cols]
    select = [group_key_sql(sess, group_cols, "s.") + " AS gkey", call_sql + " AS state"]
    select += [e + " AS state" + str(i + 1) for i, e in enumerate(extra_sql)]
    from_sql = source.sql(sess) + " s"
    if coef_by_group is not None:
        from_sql += _coef_join(sess, source, group_cols, coef_by_group)
    query = "SELECT " + ", ".join(select) + " FROM " + from_sql
    if cols:
        query += " GROUP BY " + ", ".join("s." + c for c in cols)
    # A partitioned source aggregates per partition (partial states merged by the C combine
    # step): PostgreSQL leaves that off by default because of its planning cost.
    settings = {"enable_partitionwise_aggregate": "on"} if source.kind == "p" else {}
    try:
        with sess.settings(settings):
            rows = sess.execute(query)
    except sess.spi_error as exc:
        raise pass_error(exc) from None
    # The states' k x k matrices are finalized in numpy: checked against the budget first.
    check_final_step(sess, (v for r in rows for key, v in r.items() if key.startswith("state")), "the model")
    return {r["gkey"]: r for r in rows}


def _coef_join(sess: Session, source: Relation, group_cols: Sequence[str], coef_by_group: dict) -> str:
    """`` JOIN (VALUES (key, coef), ...) `` typed by the source's row type, on the group columns."""
    if not group_cols:
        (coef,) = coef_by_group.values()
        return " CROSS JOIN (SELECT " + float8_array_sql(sess, coef) + " AS coef) indb_ml_c"
    values = ", ".join("(" + sess.literal(k) + ", " + float8_array_sql(sess, c) + ")"
                       for k, c in coef_by_group.items())
    typed = ", ".join("r." + sess.ident(g) for g in group_cols)
    has_null = any(_has_null_value(k) for k in coef_by_group)
    equal = " IS NOT DISTINCT FROM " if has_null else " = "
    on = " AND ".join("s." + sess.ident(g) + equal + "indb_ml_c." + sess.ident(g) for g in group_cols)
    return (" JOIN (SELECT " + typed + ", v.coef FROM (VALUES " + values + ") AS v(k, coef), "
            "pg_catalog.jsonb_populate_record(NULL::" + source.sql(sess) + ", v.k::jsonb) AS r) indb_ml_c ON " + on)


def _has_null_value(key: str) -> bool:
    return any(v is None for v in json.loads(key).values())


def match_keys(sess: Session, source: Relation, group_cols: Sequence[str], reference: Iterable[str],
               keys: Iterable[str]) -> dict:
    """Map each key of a later pass to the reference key (first pass) of the same SQL group.

    Most keys match as text; numeric ``1.0`` against ``1.00`` (or a nondeterministic
    collation) is settled by PostgreSQL with the columns' own equality."""
    reference, keys = list(reference), list(keys)
    known = set(reference)
    if all(k in known for k in keys):
        return {k: k for k in keys}
    canon = canonical_keys(sess, source, tuple(group_cols), set(reference) | set(keys))
    by_canon = {canon[r]: r for r in reference}
    return {k: by_canon.get(canon[k], k) for k in keys}


def pass_error(exc) -> InputError:
    """An error of a pass, with its SQLSTATE: the C functions' messages already name the
    problem and the fix (lengths, NaN, limits), so they are passed on as they are."""
    text = str(exc)
    for prefix in ("ERROR:  ", "plpy.SPIError: "):
        if text.startswith(prefix):
            text = text[len(prefix):]
    state = getattr(exc, "sqlstate", None) or "XX000"
    spidata = getattr(exc, "spidata", None)  # PL/Python: (sqlerrcode, detail, hint, query, position, ...)
    hint = spidata[2] if isinstance(spidata, tuple) and len(spidata) > 2 else None
    detail = spidata[1] if isinstance(spidata, tuple) and len(spidata) > 1 else None
    return InputError(text, hint=hint, sqlstate=state, detail=detail)
