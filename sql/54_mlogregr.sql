-- multinomial logistic regression: mlogregr_train and mlogregr_predict

CREATE FUNCTION indb_ml.mlogregr_train(source_table text, output_table text, dependent_varname text,
                                       independent_varname text, ref_category integer DEFAULT 0,
                                       optimizer_params text DEFAULT NULL,
                                       OUT model_name text, OUT version integer, OUT tables text[])
RETURNS record LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.mlogregr import mlogregr_train
return mlogregr_train(plpy, source_table, output_table, dependent_varname, independent_varname, ref_category,
                      optimizer_params)
$$;
COMMENT ON FUNCTION indb_ml.mlogregr_train(text, text, text, text, integer, text) IS
'Multinomial logistic regression (MADlib mlogregr_train): integer categories, ref_category the baseline, optimizer_params ''max_iter=20, optimizer=irls, tolerance=1e-4''; one output row per other category (category, ref_category, coef, log_likelihood, std_err, z_stats, p_values, odds_ratios, condition_no, num_iterations, num_rows_processed, num_rows_skipped, variance_covariance, status) and output_table_summary.';

CREATE FUNCTION indb_ml.mlogregr_train(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("mlogregr_train", message)
$$;
COMMENT ON FUNCTION indb_ml.mlogregr_train(text) IS 'Usage of indb_ml.mlogregr_train (''usage'' or any text; MADlib mlogregr_train(message)).';

CREATE FUNCTION indb_ml.mlogregr_train() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("mlogregr_train", None)
$$;
COMMENT ON FUNCTION indb_ml.mlogregr_train() IS 'Usage of indb_ml.mlogregr_train (MADlib mlogregr_train()).';

CREATE FUNCTION indb_ml.multinom(source_table text, model_table text, dependent_varname text,
                                 independent_varname text, ref_category text DEFAULT NULL,
                                 link_func text DEFAULT 'logit', grouping_col text DEFAULT NULL,
                                 optim_params text DEFAULT NULL, verbose boolean DEFAULT false,
                                 OUT model_name text, OUT version integer, OUT tables text[])
RETURNS record LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.mlogregr import multinom
return multinom(plpy, source_table, model_table, dependent_varname, independent_varname, ref_category, link_func,
                grouping_col, optim_params, verbose)
$$;
COMMENT ON FUNCTION indb_ml.multinom(text, text, text, text, text, text, text, text, boolean) IS
'Multinomial logistic regression in MADlib''s GLM style (multinom): the dependent of any type with a text form (its categories are its distinct values as text, in the column''s sort order); ref_category (text, as MADlib''s varchar) the reference, NULL for the first category; link_func logit, grouping_col, optim_params ''max_iter=100, optimizer=irls, tolerance=1e-6''; model_table: [grouping columns], category (varchar), coef, log_likelihood, std_err, z_stats, p_values, num_rows_processed, num_rows_skipped, num_iterations, status; model_table_summary with ref_category and category_list (varchar, the reference first) as MADlib''s.';

CREATE FUNCTION indb_ml.multinom(source_table text, model_table text, dependent_varname text,
                                 independent_varname text, ref_category integer,
                                 link_func text DEFAULT 'logit', grouping_col text DEFAULT NULL,
                                 optim_params text DEFAULT NULL, verbose boolean DEFAULT false,
                                 OUT model_name text, OUT version integer, OUT tables text[])
RETURNS record LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $$
SELECT * FROM indb_ml.multinom($1, $2, $3, $4, $5::text, $6, $7, $8, $9)
$$;
COMMENT ON FUNCTION indb_ml.multinom(text, text, text, text, integer, text, text, text, boolean) IS
'indb_ml''s earlier form of multinom with an integer ref_category (multinom(..., 0, ...)): the same as passing it as text (''0'').';

CREATE FUNCTION indb_ml.multinom(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("multinom", message)
$$;
COMMENT ON FUNCTION indb_ml.multinom(text) IS 'Usage of indb_ml.multinom (''usage'' or any text; MADlib multinom(message)).';

CREATE FUNCTION indb_ml.multinom() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("multinom", None)
$$;
COMMENT ON FUNCTION indb_ml.multinom() IS 'Usage of indb_ml.multinom (MADlib multinom()).';

CREATE FUNCTION indb_ml.robust_variance_mlogregr(source_table text, out_table text, dependent_varname text,
                                                 independent_varname text, ref_category integer DEFAULT 0,
                                                 grouping_cols text DEFAULT NULL, optimizer_params text DEFAULT NULL,
                                                 verbose_mode boolean DEFAULT false,
                                                 OUT model_name text, OUT version integer, OUT tables text[])
RETURNS record LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.mlogregr import robust_variance_mlogregr
return robust_variance_mlogregr(plpy, source_table, out_table, dependent_varname, independent_varname, ref_category,
                                grouping_cols, optimizer_params)
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_mlogregr(text, text, text, text, integer, text, text, boolean) IS
'Multinomial logistic regression with Huber-White (HC0) standard errors (MADlib robust_variance_mlogregr); one row per non-reference category (and group, with grouping_cols): [grouping columns], category, ref_category, coef, std_err, z_stats, p_values, num_rows_processed, num_missing_rows_skipped. optimizer_params also takes MADlib''s old keys max_num_iterations and precision; verbose_mode is accepted (indb_ml reports its warnings either way). SELECT indb_ml.robust_variance_mlogregr() shows the usage.';

CREATE FUNCTION indb_ml.robust_variance_mlogregr(source_table text, out_table text, dependent_varname text,
                                                 independent_varname text, ref_category integer, grouping_cols text,
                                                 max_iter integer, optimizer text DEFAULT 'irls',
                                                 tolerance float8 DEFAULT 0.0001, verbose_mode boolean DEFAULT false,
                                                 OUT model_name text, OUT version integer, OUT tables text[])
RETURNS record LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $$
SELECT * FROM indb_ml.robust_variance_mlogregr(source_table, out_table, dependent_varname, independent_varname,
    ref_category, grouping_cols,
    'max_iter=' || coalesce(max_iter::text, '20') || ', optimizer=' || coalesce(optimizer, 'irls')
    || ', tolerance=' || coalesce(tolerance::text, '0.0001'), verbose_mode)
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_mlogregr(text, text, text, text, integer, text, integer, text, float8, boolean) IS
'MADlib''s old form of robust_variance_mlogregr, with max_iter, optimizer and tolerance as arguments instead of optimizer_params; same output.';

CREATE FUNCTION indb_ml.robust_variance_mlogregr() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("robust_variance_mlogregr")
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_mlogregr() IS 'Usage of indb_ml.robust_variance_mlogregr.';

CREATE FUNCTION indb_ml.robust_variance_mlogregr(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("robust_variance_mlogregr", message)
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_mlogregr(text) IS 'Usage of indb_ml.robust_variance_mlogregr (any message, as MADlib''s ''usage'').';

CREATE FUNCTION indb_ml.clustered_variance_mlogregr(source_table text, out_table text, dependent_varname text,
                                                    independent_varname text, clustervar text,
                                                    ref_category integer DEFAULT 0, grouping_cols text DEFAULT NULL,
                                                    optimizer_params text DEFAULT NULL,
                                                    verbose_mode boolean DEFAULT false,
                                                    OUT model_name text, OUT version integer, OUT tables text[])
RETURNS record LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.mlogregr import clustered_variance_mlogregr, earlier_form
grouping, params = earlier_form(grouping_cols, optimizer_params)
return clustered_variance_mlogregr(plpy, source_table, out_table, dependent_varname, independent_varname, clustervar,
                                   ref_category, params, grouping_cols=grouping, verbose=verbose_mode)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_mlogregr(text, text, text, text, text, integer, text, text, boolean) IS
'Multinomial logistic regression with cluster-robust standard errors (MADlib clustered_variance_mlogregr, MADlib''s argument order: clustervar, ref_category, grouping_cols (NULL only, as MADlib does not implement it), optimizer_params ''max_iter=20, optimizer=irls, tolerance=1e-4'', verbose_mode; a 7th argument of key=value pairs is taken as optimizer_params, the earlier indb_ml form); MADlib''s small-sample factor; one row per non-reference category with num_clusters.';

CREATE FUNCTION indb_ml.clustered_variance_mlogregr(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("clustered_variance_mlogregr", message)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_mlogregr(text) IS 'Usage of indb_ml.clustered_variance_mlogregr (''usage'' or any text; MADlib clustered_variance_mlogregr(message)).';

CREATE FUNCTION indb_ml.clustered_variance_mlogregr() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("clustered_variance_mlogregr", None)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_mlogregr() IS 'Usage of indb_ml.clustered_variance_mlogregr (MADlib clustered_variance_mlogregr()).';

CREATE FUNCTION indb_ml.multinom_predict_prob(coef float8[], col_ind_var float8[]) RETURNS float8[]
AS 'MODULE_PATHNAME', 'indb_ml_multinom_predict_prob'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml.multinom_predict_prob(float8[], float8[]) IS
'Multinomial logit probabilities for one row: coef is 2-D (one row per non-reference category, in category order), the result lists the reference category first, then the others. C, IMMUTABLE and PARALLEL SAFE for views; a coef that is not 2-D or of another width is an error (2202E), so is a NULL feature (22004).';

CREATE FUNCTION indb_ml.multinom_predict(model_table text, predict_table_input text, output_table text,
                                         predict_type text DEFAULT 'response', verbose boolean DEFAULT false,
                                         id_column text DEFAULT 'id')
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.category_predict import multinom_predict
return multinom_predict(plpy, model_table, predict_table_input, output_table, predict_type, verbose, id_column)
$$;
COMMENT ON FUNCTION indb_ml.multinom_predict(text, text, text, text, boolean, text) IS
'Predictions of a multinom or mlogregr_train model for a table (MADlib multinom_predict): predict_type ''response'' writes (id, category), category text for a multinom model as MADlib''s (integer for mlogregr_train), ''probability'' writes (id, one float8 column per category named by its value, in the summary''s category_list order); grouped models join on the grouping columns. id_column may be an expression over the table''s columns (checked and re-rendered), written as the column multinom_predict_id as in MADlib. One CREATE TABLE AS over multinom_predict_prob.';

CREATE FUNCTION indb_ml.multinom_predict(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("multinom_predict", message)
$$;
COMMENT ON FUNCTION indb_ml.multinom_predict(text) IS 'Usage of indb_ml.multinom_predict (''usage'' or any text; MADlib multinom_predict(message)).';

CREATE FUNCTION indb_ml.multinom_predict() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("multinom_predict", None)
$$;
COMMENT ON FUNCTION indb_ml.multinom_predict() IS 'Usage of indb_ml.multinom_predict (MADlib multinom_predict()).';

-- The aggregate passes of the multinomial logit (C: src/mlogit.c). Categories are indices
-- 0 .. K-1 with 0 the reference; coef has (K-1) k values, category-major.

CREATE FUNCTION indb_ml._mlogit_transition(state bytea, y float8, x float8[], coef float8[], ncat integer)
RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_mlogit_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._mlogit_transition(bytea, float8, float8[], float8[], integer) IS
'Internal: transition step of indb_ml._mlogit_step (C, in place): log-likelihood, gradient and information of the multinomial logit at coef; rows with a NULL are counted as skipped, a y that is not a category index 0..ncat-1 is an error.';

CREATE FUNCTION indb_ml._mlogit_combine(a bytea, b bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_mlogit_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._mlogit_combine(bytea, bytea) IS
'Internal: merge step of indb_ml._mlogit_step (C): the sums add up.';

CREATE AGGREGATE indb_ml._mlogit_step(float8, float8[], float8[], integer) (
    SFUNC = indb_ml._mlogit_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._mlogit_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._mlogit_step(float8, float8[], float8[], integer) IS
'Internal: one Newton step of the multinomial logit, _mlogit_step(category index, x, coef, number of categories): a bytea state (kind 4, width (K-1) k) with the log-likelihood, gradient and information matrix at coef (its distinct symmetric category blocks, src/mlogit.c); one pass of mlogregr_train / multinom per group.';

CREATE FUNCTION indb_ml._mlogit_meat_transition(state bytea, y float8, x float8[], coef float8[], ncat integer)
RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_mlogit_meat_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._mlogit_meat_transition(bytea, float8, float8[], float8[], integer) IS
'Internal: transition step of indb_ml._mlogit_meat (C, in place): adds the row''s score s and s s^T at coef.';

CREATE AGGREGATE indb_ml._mlogit_meat(float8, float8[], float8[], integer) (
    SFUNC = indb_ml._mlogit_meat_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._sandwich_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._mlogit_meat(float8, float8[], float8[], integer) IS
'Internal: the HC0 meat of the multinomial logit at coef, _mlogit_meat(category index, x, coef, number of categories): a sandwich state (kind 6) with the score sum and the sum of score outer products, stored as its distinct symmetric category blocks (src/mlogit.c; robust_variance_mlogregr).';

CREATE FUNCTION indb_ml._mlogit_scores_transition(state bytea, y float8, x float8[], coef float8[], ncat integer)
RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_mlogit_scores_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._mlogit_scores_transition(bytea, float8, float8[], float8[], integer) IS
'Internal: transition step of indb_ml._mlogit_score_sum (C, in place): adds the row''s score at coef.';

CREATE AGGREGATE indb_ml._mlogit_score_sum(float8, float8[], float8[], integer) (
    SFUNC = indb_ml._mlogit_scores_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._score_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._mlogit_score_sum(float8, float8[], float8[], integer) IS
'Internal: the score sum of a set of rows (one cluster) at coef: a score state (kind 7), the inner level of clustered_variance_mlogregr''s statement (the outer level is indb_ml._cluster_meat).';

-- MADlib's deprecated mlogregr: indb_ml/regress/mlogregr_old.py
CREATE TYPE indb_ml.mlogregr_result AS (
    ref_category integer,
    coef float8[],
    log_likelihood float8,
    std_err float8[],
    z_stats float8[],
    p_values float8[],
    odds_ratios float8[],
    condition_no float8,
    num_iterations integer,
    num_processed bigint,
    variance_covariance float8[]
);
COMMENT ON TYPE indb_ml.mlogregr_result IS 'Result of the deprecated indb_ml.mlogregr (MADlib mlogregr_result): the non-reference categories'' coefficients as one array, feature-major.';

CREATE FUNCTION indb_ml.mlogregr(source text, depvar text, indepvar text, max_num_iterations integer DEFAULT 20,
                                 optimizer text DEFAULT 'irls', "precision" float8 DEFAULT 0.0001,
                                 ref_category integer DEFAULT 0)
RETURNS indb_ml.mlogregr_result LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.mlogregr_old import mlogregr
return mlogregr(plpy, source, depvar, indepvar, max_num_iterations, optimizer, precision, ref_category)
$$;
COMMENT ON FUNCTION indb_ml.mlogregr(text, text, text, integer, text, float8, integer) IS
'MADlib''s deprecated mlogregr: mlogregr_train into a temporary table, returned as one mlogregr_result (ref_category, coef, log_likelihood, std_err, z_stats, p_values, odds_ratios, condition_no, num_iterations, num_processed, variance_covariance); the arrays hold every non-reference category''s coefficients feature-major, as MADlib orders them.';

CREATE FUNCTION indb_ml.mlogregr_predict(model text, source text, id_col_name text, output text,
                                         pred_type text DEFAULT 'response')
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.mlogregr_old import mlogregr_predict
return mlogregr_predict(plpy, model, source, id_col_name, output, pred_type)
$$;
COMMENT ON FUNCTION indb_ml.mlogregr_predict(text, text, text, text, text) IS
'MADlib''s mlogregr_predict for an mlogregr_train model: output has the id column and, for pred_type ''response'' (default), "estimated_<dependent>" (the most probable category); for ''prob'', one column "estimated_prob_<category>" per category. The features are the model''s independent_varname evaluated on source; id_col_name is a column of source, or an expression over its columns (checked and re-rendered; MADlib''s test passes ''ARRAY[1, feat1, feat2]''), then the output column is mlogregr_predict_id as in MADlib.';

CREATE FUNCTION indb_ml.mlogregr_predict(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("mlogregr_predict", message)
$$;
COMMENT ON FUNCTION indb_ml.mlogregr_predict(text) IS 'Usage of indb_ml.mlogregr_predict (''usage'' or any text; MADlib mlogregr_predict(message)).';
