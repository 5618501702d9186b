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
