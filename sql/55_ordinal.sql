-- ordinal regression: ordinal (cumulative logit or probit)

CREATE FUNCTION indb_ml.ordinal(source_table text, model_table text, dependent_varname text,
                                independent_varname text, cat_order text, link_func text DEFAULT 'logit',
                                grouping_col text DEFAULT NULL, verbose boolean DEFAULT false)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.server.ordinal import ordinal
return ordinal(plpy, source_table, model_table, dependent_varname, independent_varname, cat_order, link_func,
               grouping_col, verbose)
$$;
COMMENT ON FUNCTION indb_ml.ordinal(text, text, text, text, text, text, text, boolean) IS
'Ordinal regression (MADlib ordinal): P(y <= j) = F(threshold_j - x''beta), link_func logit or probit, cat_order ''mild, moderate, severe''; independent_varname without an intercept. model_table: coef_threshold, std_err_threshold, z_stats_threshold, p_values_threshold, log_likelihood, coef_feature, std_err_feature, z_stats_feature, p_values_feature, num_rows_processed, num_rows_skipped, iteration.';
