"""Usage texts of the regression functions: MADlib's ``fn()`` and ``fn('usage')`` overloads.

MADlib gives most of its regression functions a help overload: ``fn()`` (a summary) and
``fn(message)`` (``'usage'``, ``'help'`` or ``'?'``: the arguments and the output). indb_ml
keeps those overloads so that a MADlib user's habit works; the texts live here, one per
function, and name the ``indb_ml`` schema. Any message gives the usage text (MADlib's
summary is a pointer to it), so there is nothing to choose between.
"""

from __future__ import annotations

_ORDINAL = """\
SELECT indb_ml.ordinal(
    source_table,         -- name of the input table
    model_table,          -- name of the model table to create (and <model_table>_summary)
    dependent_varname,    -- the ordered response
    independent_varname,  -- features, without an intercept: 'ARRAY[x1, x2]'
    cat_order,            -- categories lowest first: '0<1<2' (or 'mild, moderate, severe');
                          -- NULL: the values sorted as text
    link_func,            -- optional, 'logit' (default) or 'probit'
    grouping_col,         -- optional, default NULL: one model per group
    optim_params,         -- optional, 'max_iter=100, optimizer=irls, tolerance=1e-8'
    verbose               -- optional, default false
);
model_table: <grouping columns>, coef_threshold, std_err_threshold, z_stats_threshold,
p_values_threshold, log_likelihood, coef_feature, std_err_feature, z_stats_feature,
p_values_feature, num_rows_processed, num_rows_skipped, iteration."""

_ORDINAL_PREDICT = """\
SELECT indb_ml.ordinal_predict(
    model_table,          -- the model table of indb_ml.ordinal
    predict_table_input,  -- rows to predict, with an id column
    output_table,         -- name of the table to create
    predict_type,         -- optional, 'probability' (default: one column per category)
                          -- or 'response' (id, category)
    verbose               -- optional, default false
);"""

TEXTS = {
    "ordinal": _ORDINAL,
    "ordinal_predict": _ORDINAL_PREDICT,
}


def usage(function: str, message: str | None = None) -> str:
    """The usage text of ``indb_ml.<function>`` (any ``message``, NULL included)."""
    return TEXTS[function]
