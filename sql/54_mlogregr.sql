-- multinomial logistic regression: mlogregr_train and mlogregr_predict

CREATE FUNCTION indb_ml.mlogregr_train(source_table text, output_table text, dependent_varname text,
                                       independent_varname text, ref_category integer DEFAULT 0,
                                       optimizer_params text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.server.mlogregr import mlogregr_train
return mlogregr_train(plpy, source_table, output_table, dependent_varname, independent_varname, ref_category,
                      optimizer_params)
$$;
COMMENT ON FUNCTION indb_ml.mlogregr_train(text, text, text, text, integer, text) IS
'Multinomial logistic regression (MADlib mlogregr_train): integer categories, ref_category the baseline, optimizer_params ''max_iter=20, optimizer=irls, tolerance=1e-4''; one output row per other category (category, ref_category, coef, log_likelihood, std_err, z_stats, p_values, odds_ratios, condition_no, num_iterations, num_rows_processed, num_rows_skipped, variance_covariance, status) and output_table_summary.';

CREATE FUNCTION indb_ml.multinom(source_table text, model_table text, dependent_varname text,
                                 independent_varname text, ref_category integer DEFAULT 0,
                                 link_func text DEFAULT 'logit', grouping_col text DEFAULT NULL,
                                 optim_params text DEFAULT NULL, verbose boolean DEFAULT false)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.server.mlogregr import multinom
return multinom(plpy, source_table, model_table, dependent_varname, independent_varname, ref_category, link_func,
                grouping_col, optim_params, verbose)
$$;
COMMENT ON FUNCTION indb_ml.multinom(text, text, text, text, integer, text, text, text, boolean) IS
'Multinomial logistic regression in MADlib''s GLM style (multinom): link_func logit, grouping_col, optim_params ''max_iter=100, optimizer=irls, tolerance=1e-6''; model_table: [grouping columns], category, coef, log_likelihood, std_err, z_stats, p_values, num_rows_processed, num_rows_skipped, num_iterations, status.';

CREATE FUNCTION indb_ml.robust_variance_mlogregr(source_table text, out_table text, dependent_varname text,
                                                 independent_varname text, ref_category integer DEFAULT 0,
                                                 grouping_cols text DEFAULT NULL, optimizer_params text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.server.mlogregr import robust_variance_mlogregr
return robust_variance_mlogregr(plpy, source_table, out_table, dependent_varname, independent_varname, ref_category,
                                grouping_cols, optimizer_params)
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_mlogregr(text, text, text, text, integer, text, text) IS
'Multinomial logistic regression with Huber-White (HC0) standard errors (MADlib robust_variance_mlogregr); one row per non-reference category: category, ref_category, coef, std_err, z_stats, p_values, num_rows_processed, num_missing_rows_skipped.';

CREATE FUNCTION indb_ml.clustered_variance_mlogregr(source_table text, out_table text, dependent_varname text,
                                                    independent_varname text, clustervar text,
                                                    ref_category integer DEFAULT 0, optimizer_params text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.server.mlogregr import clustered_variance_mlogregr
return clustered_variance_mlogregr(plpy, source_table, out_table, dependent_varname, independent_varname, clustervar,
                                   ref_category, optimizer_params)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_mlogregr(text, text, text, text, text, integer, text) IS
'Multinomial logistic regression with cluster-robust standard errors (MADlib clustered_variance_mlogregr; statsmodels'' small-sample factor); one row per non-reference category with num_clusters.';
