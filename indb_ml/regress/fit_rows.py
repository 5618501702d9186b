"""The ``*_fit`` functions: a trainer's model returned as rows, nothing written.

A BI tool's SQL editor runs plain SELECTs, often in a read-only transaction that it rolls
back: ``SELECT indb_ml.linregr_train(...)`` cannot keep its table there.
``SELECT * FROM indb_ml.linregr_fit('houses', 'price', 'ARRAY[1, size, bath]')`` runs the
trainer's own code (same checks, same plans, same numbers) with its writes captured
(:func:`indb_ml.core.model_tables.captured`): the model's rows come back as the result, one
per group (and category), with the group as ``group_key`` jsonb, and no table, summary or
catalog row is made. The whole fit runs in a read-only subtransaction that is always rolled
back (:meth:`Session.read_only_attempt`), so a write on any path would be an error, not a
leftover; it works in ``SET TRANSACTION READ ONLY``, and in
``CREATE TABLE ... AS SELECT * FROM indb_ml.linregr_fit(...)``.
"""

from __future__ import annotations

import inspect
from typing import Callable

from indb_ml.core.model_tables import captured
from indb_ml.core.session import Session, sql_entry
from indb_ml.errors import InputError
from indb_ml.models.catalog import noting_metrics

# The output name handed to the trainer: a temporary table's name the trainer checks (it must
# not exist) and never creates, since its writes are captured.
SCRATCH = 'pg_temp."indb_ml fit output"'


class _Row(dict):
    """A result row: the columns a trainer does not write (glm's t_stats or z_stats) are NULL."""

    def __missing__(self, key):
        return None


def fit_rows(sess: Session, trainer: Callable, source_table: str, *args) -> list:
    """Run ``trainer(sess, source_table, <out>, *args)`` without writing; its model's rows.

    ``trainer`` is the SQL entry (``linregr_train``): it is run undecorated, so it neither
    registers a model nor checks a model name, and its writes are captured."""
    train = inspect.unwrap(trainer)
    # noting_metrics: what the trainer notes for the catalog stays here (a fit inside another training)
    with captured() as written, noting_metrics(), sess.read_only_attempt():
        train(sess, source_table, SCRATCH, *args)
    rows = []
    for _, cols, by_group in written:
        names = [c for c, _ in cols]
        for gkey in sorted(by_group, key=lambda g: g or ""):
            row = _Row(zip(names, by_group[gkey]))
            row["group_key"] = gkey
            rows.append(row)
    return rows


@sql_entry
def linregr_fit(sess, source_table, dependent_varname, independent_varname, grouping_cols=None,
                heteroskedasticity_option=False):
    from indb_ml.regress.linregr import linregr_train
    return fit_rows(sess, linregr_train, source_table, dependent_varname, independent_varname, grouping_cols,
                    heteroskedasticity_option)


@sql_entry
def logregr_fit(sess, source_table, dependent_varname, independent_varname, grouping_cols=None, max_iter=20,
                optimizer="irls", tolerance=1e-4, verbose=False):
    from indb_ml.regress.logregr import logregr_train
    return fit_rows(sess, logregr_train, source_table, dependent_varname, independent_varname, grouping_cols,
                    max_iter, optimizer, tolerance, verbose)


@sql_entry
def glm_fit(sess, source_table, dependent_varname, independent_varname, family_params, grouping_col=None,
            optim_params=None, verbose=False):
    from indb_ml.regress.glm import glm
    return fit_rows(sess, glm, source_table, dependent_varname, independent_varname, family_params, grouping_col,
                    optim_params, verbose)


@sql_entry
def mlogregr_fit(sess, source_table, dependent_varname, independent_varname, ref_category=0,
                 optimizer_params=None):
    from indb_ml.regress.mlogregr import mlogregr_train
    return fit_rows(sess, mlogregr_train, source_table, dependent_varname, independent_varname, ref_category,
                    optimizer_params)


@sql_entry
def multinom_fit(sess, source_table, dependent_varname, independent_varname, ref_category=None, link_func="logit",
                 grouping_col=None, optim_params=None, verbose=False):
    from indb_ml.regress.mlogregr import multinom
    return fit_rows(sess, multinom, source_table, dependent_varname, independent_varname, ref_category, link_func,
                    grouping_col, optim_params, verbose)


@sql_entry
def ordinal_fit(sess, source_table, dependent_varname, independent_varname, cat_order, link_func="logit",
                grouping_col=None, verbose=False):
    from indb_ml.regress.ordinal import ordinal
    return fit_rows(sess, ordinal, source_table, dependent_varname, independent_varname, cat_order, link_func,
                    grouping_col, verbose)


@sql_entry
def elastic_net_fit(sess, tbl_source, col_dep_var, col_ind_var, regress_family, alpha, lambda_value,
                    standardize=True, grouping_col=None, optimizer="fista", optimizer_params=None, excluded=None,
                    max_iter=1000, tolerance=1e-6):
    from indb_ml.regress import elastic_net_cv
    from indb_ml.regress.elastic_net import elastic_net_train
    params = elastic_net_cv.parse_optimizer_params(optimizer_params, (optimizer or "fista").strip().lower())
    if params.validation_result:
        raise InputError("elastic_net_fit: validation_result names a table to write, and a fit writes nothing",
                         hint="leave validation_result out of optimizer_params, or use elastic_net_train",
                         sqlstate="0A000")
    return fit_rows(sess, elastic_net_train, tbl_source, col_dep_var, col_ind_var, regress_family, alpha,
                    lambda_value, standardize, grouping_col, optimizer, optimizer_params, excluded, max_iter,
                    tolerance)


@sql_entry
def robust_variance_fit(sess, kind, source_table, dependent_varname, independent_varname, *args):
    """``robust_variance_linregr_fit``, ``robust_variance_logregr_fit`` and ``robust_variance_mlogregr_fit``."""
    from indb_ml.regress import mlogregr, robust
    trainer = {"linregr": robust.robust_variance_linregr, "logregr": robust.robust_variance_logregr,
               "mlogregr": mlogregr.robust_variance_mlogregr}[kind]
    return fit_rows(sess, trainer, source_table, dependent_varname, independent_varname, *args)


@sql_entry
def clustered_variance_fit(sess, kind, source_table, dependent_varname, independent_varname, clustervar, *args):
    """``clustered_variance_linregr_fit``, ``..._logregr_fit`` and ``..._mlogregr_fit``."""
    from indb_ml.regress import mlogregr, robust
    trainer = {"linregr": robust.clustered_variance_linregr, "logregr": robust.clustered_variance_logregr,
               "mlogregr": mlogregr.clustered_variance_mlogregr}[kind]
    return fit_rows(sess, trainer, source_table, dependent_varname, independent_varname, clustervar, *args)
