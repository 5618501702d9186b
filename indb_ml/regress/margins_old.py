"""MADlib's deprecated ``margins_logregr`` and ``margins_mlogregr``: train, then margins.

MADlib kept these one-call forms after ``margins(model_table, ...)`` replaced them: they fit
``logregr_train`` / ``mlogregr_train`` into a temporary table, write its ``_summary`` as
``<out_table>_summary`` and the average marginal effects of the independent array's
elements (no ``x_design``: every element is its own variable, the intercept included, as
MADlib's ``marginal_logregr`` aggregate reports it) as ``out_table``: ``margins, std_err,
z_stats, p_values`` (for mlogregr one row per non-reference category, led by ``category,
ref_category``). Both warn that they are deprecated, as MADlib's do. Grouping is not
implemented in MADlib (its documentation: any non-NULL value is ignored); here a
non-NULL ``grouping_cols`` is ignored with a warning.
"""

from __future__ import annotations

import uuid

from indb_ml.core.relations import Relation, ensure_absent, new_table, summary_of
from indb_ml.core.session import sql_entry
from indb_ml.errors import InputError
from indb_ml.regress.logregr import logregr_train
from indb_ml.regress.margins import margins
from indb_ml.regress.mlogregr import mlogregr_train

_LOGREGR_USAGE = """\
SELECT indb_ml.margins_logregr(   -- deprecated in MADlib: use logregr_train, then margins
    source_table,          -- name of the data table
    output_table,          -- name of the result table (and <output_table>_summary)
    dependent_variable,    -- the 0/1 (or boolean) response
    independent_variable,  -- features, an array expression: 'ARRAY[1, x1, x2]'
    grouping_cols,         -- optional, default NULL (ignored, as in MADlib)
    marginal_vars,         -- optional, integer[] of 1-based indices (default: all)
    max_iter,              -- optional, default 20
    optimizer,             -- optional, 'irls' (default, also 'newton'), 'cg' or 'igd'
    tolerance,             -- optional, default 0.0001
    verbose_mode           -- optional, default false
);
output_table: margins, std_err, z_stats, p_values (float8[], one entry per marginal variable);
<output_table>_summary: the summary table of logregr_train."""

_MLOGREGR_USAGE = """\
SELECT indb_ml.margins_mlogregr(  -- deprecated in MADlib: use mlogregr_train, then margins
    source_table,          -- name of the data table
    output_table,          -- name of the result table (and <output_table>_summary)
    dependent_varname,     -- the integer category
    independent_varname,   -- features, an array expression: 'ARRAY[1, x1, x2]'
    ref_category,          -- optional, default 0
    grouping_cols,         -- optional, default NULL (ignored, as in MADlib)
    marginal_vars,         -- optional, integer[] of 1-based indices (default: all)
    optimizer_params,      -- optional, 'max_iter=20, optimizer=irls, tolerance=0.0001'
    verbose_mode           -- optional, default false
);
output_table: category, ref_category, margins, std_err, z_stats, p_values (one row per
non-reference category); <output_table>_summary: the summary table of mlogregr_train."""


def usage(function: str) -> str:
    return _LOGREGR_USAGE if function == "margins_logregr" else _MLOGREGR_USAGE


@sql_entry
def margins_logregr(sess, source_table, output_table, dependent_variable, independent_variable, grouping_cols=None,
                    marginal_vars=None, max_iter=20, optimizer="irls", tolerance=1e-4, verbose_mode=False) -> None:
    _check(sess, "margins_logregr", source_table, output_table, dependent_variable, independent_variable,
           grouping_cols)
    if optimizer is not None and optimizer.strip().lower() == "newton":
        optimizer = "irls"

    def train(model):
        logregr_train.__wrapped__(sess, source_table, model, dependent_variable, independent_variable, None,
                                  max_iter, optimizer, tolerance, verbose_mode)
    _run(sess, output_table, train, source_table, marginal_vars, "")


@sql_entry
def margins_mlogregr(sess, source_table, output_table, dependent_varname, independent_varname, ref_category=0,
                     grouping_cols=None, marginal_vars=None, optimizer_params=None, verbose_mode=False) -> None:
    _check(sess, "margins_mlogregr", source_table, output_table, dependent_varname, independent_varname,
           grouping_cols)

    def train(model):
        mlogregr_train.__wrapped__(sess, source_table, model, dependent_varname, independent_varname,
                                   0 if ref_category is None else ref_category, optimizer_params)
    _run(sess, output_table, train, source_table, marginal_vars, "category, ref_category, ")


def _check(sess, fn, source_table, output_table, dependent, independent, grouping_cols) -> None:
    sess.warning(f"{fn} is deprecated (as in MADlib): train the model, then call indb_ml.margins")
    for name, value in (("source_table", source_table), ("output_table", output_table),
                        ("dependent variable", dependent), ("independent variable", independent)):
        if value is None or not value.strip():
            raise InputError(f"{fn}: {name} must not be NULL or empty",
                             hint=f"SELECT indb_ml.{fn}('usage') shows the arguments")
    if grouping_cols is not None and grouping_cols.strip():
        sess.warning(f"{fn}: grouping_cols is not implemented (as in MADlib) and is ignored")


def _run(sess, output_table, train, source_table, marginal_vars, lead: str) -> None:
    out = new_table(sess, output_table, "output_table")
    summary = summary_of(out)
    ensure_absent(sess, summary, "output summary table")
    tag = uuid.uuid4().hex[:16]
    model, effects = Relation("pg_temp", "indb_ml_mm_" + tag), Relation("pg_temp", "indb_ml_me_" + tag)
    train(model.sql(sess))
    margins.__wrapped__(sess, model.sql(sess), effects.sql(sess), None, source_table,
                        list(marginal_vars) if marginal_vars else None, keep_constant=True)
    sess.execute("CREATE TABLE " + out.sql(sess) + " AS SELECT " + lead + "margins, std_err, z_stats, p_values FROM "
                 + effects.sql(sess) + (" ORDER BY category" if lead else ""))
    sess.execute("CREATE TABLE " + summary.sql(sess) + " AS SELECT * FROM " + summary_of(model).sql(sess))
    column = "out_table" if not lead else "output_table"
    sess.execute("UPDATE " + summary.sql(sess) + " SET " + sess.ident(column) + " = $1", [out.sql(sess)], ["text"])
    for rel in (effects, summary_of(model), model):
        sess.execute("DROP TABLE " + rel.sql(sess))
