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

_ROBUST_LINREGR = """\
SELECT indb_ml.robust_variance_linregr(
    source_table,         -- name of the input table
    out_table,            -- name of the table to create (and <out_table>_summary)
    dependent_varname,    -- the response
    independent_varname,  -- features, an array expression: 'ARRAY[1, x1, x2]'
    grouping_cols,        -- optional, default NULL: one model per group
    verbose_mode          -- optional, default false (accepted; warnings are reported either way)
);
out_table: [grouping columns], coef, std_err, t_stats, p_values (Huber-White HC0),
num_rows_processed, num_missing_rows_skipped."""

_ROBUST_LOGREGR = """\
SELECT indb_ml.robust_variance_logregr(
    source_table,         -- name of the input table
    out_table,            -- name of the table to create (and <out_table>_summary)
    dependent_varname,    -- the 0/1 (or boolean) response
    independent_varname,  -- features, an array expression: 'ARRAY[1, x1, x2]'
    grouping_cols,        -- optional, default NULL: one model per group
    max_iter,             -- optional, default 20
    optimizer,            -- optional, 'irls' (default) or 'newton'
    tolerance,            -- optional, default 0.0001
    verbose_mode          -- optional, default false (accepted; warnings are reported either way)
);
out_table: [grouping columns], coef, std_err, z_stats, p_values (Huber-White HC0),
num_rows_processed, num_missing_rows_skipped."""

_ROBUST_MLOGREGR = """\
SELECT indb_ml.robust_variance_mlogregr(
    source_table,         -- name of the input table
    out_table,            -- name of the table to create (and <out_table>_summary)
    dependent_varname,    -- the integer category
    independent_varname,  -- features, an array expression: 'ARRAY[1, x1, x2]'
    ref_category,         -- optional, default 0
    grouping_cols,        -- optional, default NULL: one model per group
    optimizer_params,     -- optional, 'max_iter=20, optimizer=irls, tolerance=0.0001'
                          -- (MADlib's old keys max_num_iterations and precision work too)
    verbose_mode          -- optional, default false (accepted; warnings are reported either way)
);
-- MADlib's old form: ..., ref_category, grouping_cols, max_iter, optimizer, tolerance, verbose_mode
out_table: [grouping columns], category, ref_category, coef, std_err, z_stats, p_values,
num_rows_processed, num_missing_rows_skipped (one row per non-reference category)."""

_LINREGR_PREDICT = """\
SELECT indb_ml.linregr_predict(
    coef,                 -- float8[], the coef column of a linregr_train out_table
    col_ind_var           -- float8[], the features in the order of training: ARRAY[1, x1, x2]
);
Returns float8: the dot product coef . col_ind_var (arrays of different lengths are an error).
Example: SELECT id, indb_ml.linregr_predict(m.coef, ARRAY[1, tax, bath, size])
         FROM houses, houses_linregr m;"""

_LOGREGR_PREDICT = """\
SELECT indb_ml.logregr_predict(
    coef,                 -- float8[], the coef column of a logregr_train out_table
    col_ind_var           -- float8[], the features in the order of training: ARRAY[1, x1, x2]
);
Returns boolean: the predicted class, true when 1 / (1 + exp(-coef . col_ind_var)) >= 0.5.
Example: SELECT id, indb_ml.logregr_predict(m.coef, ARRAY[1, treatment, trait_anxiety])
         FROM patients, patients_logregr m;"""

_LOGREGR_PREDICT_PROB = """\
SELECT indb_ml.logregr_predict_prob(
    coef,                 -- float8[], the coef column of a logregr_train out_table
    col_ind_var           -- float8[], the features in the order of training: ARRAY[1, x1, x2]
);
Returns float8: the probability 1 / (1 + exp(-coef . col_ind_var)) of the true class.
Example: SELECT id, indb_ml.logregr_predict_prob(m.coef, ARRAY[1, treatment, trait_anxiety])
         FROM patients, patients_logregr m;"""

_GLM_PREDICT = """\
SELECT indb_ml.glm_predict(
    coef,                 -- float8[], the coef column of a glm model table
    col_ind_var,          -- float8[], the features in the order of training: ARRAY[1, x1, x2]
    link                  -- text, the link of training: identity, log, sqrt, inverse, sqr_inverse,
                          -- logit or probit
);
Returns float8: the mean g^-1(coef . col_ind_var).
Related: glm_predict_poisson (the mean rounded to a count), glm_predict_binomial (mean >= 0.5)."""

_GLM_PREDICT_POISSON = """\
SELECT indb_ml.glm_predict_poisson(
    coef,                 -- float8[], the coef column of a poisson glm model table
    col_ind_var,          -- float8[], the features in the order of training
    link                  -- text, the link of training: log, identity or sqrt
);
Returns float8: glm_predict rounded to the nearest integer, the predicted count."""

_GLM_PREDICT_BINOMIAL = """\
SELECT indb_ml.glm_predict_binomial(
    coef,                 -- float8[], the coef column of a binomial glm model table
    col_ind_var,          -- float8[], the features in the order of training
    link                  -- text, the link of training: logit or probit
);
Returns boolean: the predicted class, glm_predict >= 0.5."""

_MLOGREGR_TRAIN = """\
SELECT indb_ml.mlogregr_train(
    source_table,         -- name of the input table
    output_table,         -- name of the table to create (and <output_table>_summary)
    dependent_varname,    -- the integer category
    independent_varname,  -- features, an array expression: 'ARRAY[1, x1, x2]'
    ref_category,         -- optional, default 0: the baseline category
    optimizer_params      -- optional, 'max_iter=20, optimizer=irls, tolerance=1e-4'
);
output_table (one row per category other than ref_category): category, ref_category, coef,
log_likelihood, std_err, z_stats, p_values, odds_ratios, condition_no, num_iterations,
num_rows_processed, num_rows_skipped, variance_covariance, status.
Related: mlogregr_predict, multinom_predict, margins, robust_variance_mlogregr."""

_MLOGREGR_PREDICT = """\
SELECT indb_ml.mlogregr_predict(
    model,                -- the output_table of indb_ml.mlogregr_train
    source,               -- rows to predict; the model's independent_varname is evaluated on them
    id_col_name,          -- an id column of source (or an expression over its columns, written
                          -- as the column mlogregr_predict_id)
    output,               -- name of the table to create
    pred_type             -- optional, 'response' (default) or 'prob'
);
output: the id column and, for 'response', "estimated_<dependent>" (the most probable
category); for 'prob', one column "estimated_prob_<category>" per category."""

_CLUSTERED_LINREGR = """\
SELECT indb_ml.clustered_variance_linregr(
    source_table,         -- name of the input table
    out_table,            -- name of the table to create
    dependent_varname,    -- the response
    independent_varname,  -- features, an array expression: 'ARRAY[1, x1, x2]'
    clustervar,           -- the cluster columns: 'col1, col2'
    grouping_col          -- optional, default NULL (as MADlib, which does not implement it: NULL only)
);
out_table: coef, std_err, t_stats, p_values (Student t with N-K degrees of freedom, as MADlib),
num_clusters, num_rows_processed, num_missing_rows_skipped. Small-sample factor
G/(G-1) (N-1)/(N-K), as MADlib and statsmodels."""

_CLUSTERED_LOGREGR = """\
SELECT indb_ml.clustered_variance_logregr(
    source_table,         -- name of the input table
    out_table,            -- name of the table to create
    dependent_varname,    -- the 0/1 (or boolean) response
    independent_varname,  -- features, an array expression: 'ARRAY[1, x1, x2]'
    clustervar,           -- the cluster columns: 'col1, col2'
    grouping_col,         -- optional, default NULL (as MADlib, which does not implement it: NULL only)
    max_iter,             -- optional, default 20
    optimizer,            -- optional, 'irls' (default) or 'newton'
    tolerance,            -- optional, default 0.0001
    verbose_mode          -- optional, default false
);
-- indb_ml's earlier form: ..., clustervar, max_iter, optimizer, tolerance (no grouping_col)
out_table: coef, std_err, z_stats, p_values, num_clusters, num_rows_processed,
num_missing_rows_skipped."""

_CLUSTERED_MLOGREGR = """\
SELECT indb_ml.clustered_variance_mlogregr(
    source_table,         -- name of the input table
    out_table,            -- name of the table to create
    dependent_varname,    -- the integer category
    independent_varname,  -- features, an array expression: 'ARRAY[1, x1, x2]'
    clustervar,           -- the cluster columns: 'col1, col2'
    ref_category,         -- optional, default 0
    grouping_cols,        -- optional, default NULL (as MADlib, which does not implement it: NULL only)
    optimizer_params,     -- optional, 'max_iter=20, optimizer=irls, tolerance=1e-4'
    verbose_mode          -- optional, default false
);
out_table (one row per category other than ref_category): category, ref_category, coef,
std_err, z_stats, p_values, num_clusters, num_rows_processed, num_missing_rows_skipped."""

_MARGINS = """\
SELECT indb_ml.margins(
    model_table,          -- the out_table of linregr_train, logregr_train or mlogregr_train
    output_table,         -- name of the table to create
    x_design,             -- optional, NULL: one basis term per feature; else one term per
                          -- element of the independent array: '1, age, i.female, female*age, age^2'
    source_table,         -- optional, NULL: the model's source table
    marginal_vars         -- optional, NULL: every varying basis term; else their 1-based
                          -- positions, integer[] (ARRAY[2, 3]) or text ('2, 3' or term names)
);
output_table: [grouping columns], [category, ref_category for mlogregr_train models],
variables (1-based positions of the basis terms), margins, std_err (delta method), z_stats,
p_values. Average marginal effects over the rows; constant terms (the intercept) are left
out unless SET indb_ml.madlib_statistics = on."""

_MULTINOM = """\
SELECT indb_ml.multinom(
    source_table,         -- name of the input table
    model_table,          -- name of the table to create (and <model_table>_summary)
    dependent_varname,    -- the category, of any type (its distinct values, as text)
    independent_varname,  -- features, an array expression: 'ARRAY[1, x1, x2]'
    ref_category,         -- optional, text ('0', 'car'), NULL (default): the first category
    link_func,            -- optional, 'logit' (default)
    grouping_col,         -- optional, default NULL: one model per group
    optim_params,         -- optional, 'max_iter=100, optimizer=irls, tolerance=1e-6'
    verbose               -- optional, default false
);
model_table (one row per group and category other than ref_category): [grouping columns],
category, coef, log_likelihood, std_err, z_stats, p_values, num_rows_processed,
num_rows_skipped, num_iterations, status; <model_table>_summary has ref_category and
category_list (the reference first)."""

_MULTINOM_PREDICT = """\
SELECT indb_ml.multinom_predict(
    model_table,          -- the model_table of indb_ml.multinom (or of indb_ml.mlogregr_train)
    predict_table_input,  -- rows to predict
    output_table,         -- name of the table to create
    predict_type,         -- optional, 'response' (default) or 'probability'
    verbose,              -- optional, default false
    id_column             -- optional, default 'id' (or an expression over the table's columns,
                          -- written as the column multinom_predict_id)
);
output_table: 'response': id, category; 'probability': id and one float8 column per category,
named by its value, the reference category first."""

TEXTS = {
    "clustered_variance_linregr": _CLUSTERED_LINREGR,
    "clustered_variance_logregr": _CLUSTERED_LOGREGR,
    "clustered_variance_mlogregr": _CLUSTERED_MLOGREGR,
    "glm_predict": _GLM_PREDICT,
    "glm_predict_poisson": _GLM_PREDICT_POISSON,
    "glm_predict_binomial": _GLM_PREDICT_BINOMIAL,
    "linregr_predict": _LINREGR_PREDICT,
    "logregr_predict": _LOGREGR_PREDICT,
    "logregr_predict_prob": _LOGREGR_PREDICT_PROB,
    "margins": _MARGINS,
    "mlogregr_predict": _MLOGREGR_PREDICT,
    "mlogregr_train": _MLOGREGR_TRAIN,
    "multinom": _MULTINOM,
    "multinom_predict": _MULTINOM_PREDICT,
    "ordinal": _ORDINAL,
    "ordinal_predict": _ORDINAL_PREDICT,
    "robust_variance_linregr": _ROBUST_LINREGR,
    "robust_variance_logregr": _ROBUST_LOGREGR,
    "robust_variance_mlogregr": _ROBUST_MLOGREGR,
}


def usage(function: str, message: str | None = None) -> str:
    """The usage text of ``indb_ml.<function>`` (any ``message``, NULL included)."""
    return TEXTS[function]
