"""What ``ALTER EXTENSION indb_ml UPDATE`` computes in Python (sql/upgrade/*.sql).

0.1.0's catalog rows have no terms (0.2.0's ``dependent_varname``, ``independent_varname``,
``feature_names``, ``feature_exprs`` and ``grouping_cols``): 0.1.0 kept the trainer's
arguments in ``parameters`` only. They are parsed here the way registration parses them
(:func:`indb_ml.models.terms.model_terms`), one UPDATE per model version (the catalog is
small; no user rows are read but each output table's first row, for an array column's width).
"""

from __future__ import annotations

import json

from indb_ml.core.session import Session
from indb_ml.errors import InputError
from indb_ml.models.catalog import coef_width, grouping_argument
from indb_ml.models.terms import model_terms

# The trainers' names for their dependent and independent arguments (elastic_net_train: col_*).
DEPENDENT_ARGS = ("dependent_varname", "col_dep_var")
INDEPENDENT_ARGS = ("independent_varname", "col_ind_var")


def _first(parameters: dict, names: tuple) -> str | None:
    for name in names:
        if isinstance(parameters.get(name), str):
            return parameters[name]
    return None


def backfill_terms(plpy) -> int:
    """Fill in the terms of every catalog row that has none; returns how many were filled in."""
    sess = Session(plpy)
    # 0.1.0 let any role write rows, so nothing in them is pasted into SQL: an output table is
    # named from pg_class by its OID, and read only when the row's creator owns it.
    rows = sess.execute(
        "SELECT m.id, m.parameters::text AS p, pg_catalog.quote_ident(n.nspname) || '.' || "
        "pg_catalog.quote_ident(c.relname) AS q FROM indb_ml.models m "
        "LEFT JOIN (pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace) "
        "ON c.oid = m.output_oid AND c.relkind IN ('r', 'p') AND EXISTS (SELECT FROM pg_catalog.pg_roles r "
        "WHERE r.rolname = m.created_by AND pg_catalog.pg_has_role(r.oid, c.relowner, 'USAGE')) "
        "WHERE m.dependent_varname IS NULL AND m.independent_varname IS NULL AND m.feature_names IS NULL "
        "ORDER BY m.id")
    filled = 0
    for row in rows:
        parameters = json.loads(row["p"] or "{}")
        dependent, independent = _first(parameters, DEPENDENT_ARGS), _first(parameters, INDEPENDENT_ARGS)
        if dependent is None and independent is None:
            continue
        width = (lambda t=row["q"]: coef_width(sess, t)) if row["q"] else None
        try:
            terms = model_terms(sess, dependent, independent, grouping_argument(parameters), width)
        except InputError:  # a grouping list 0.2.0 would not parse: the terms without it
            terms = model_terms(sess, dependent, independent, None, width)
        sess.execute("UPDATE indb_ml.models SET dependent_varname = $2, independent_varname = $3, "
                     "feature_names = $4, feature_exprs = $5, grouping_cols = $6 WHERE id = $1",
                     [row["id"], terms.dependent, terms.independent, terms.names, terms.exprs, terms.grouping],
                     ["int8", "text", "text", "text[]", "text[]", "text[]"])
        filled += 1
    return filled
