-- BI tools: fits that write nothing (*_fit), models by name (predict, model_coefficients), typed views, read access

-- Fits that return the model as rows. Each runs its trainer's code (same checks, plans and numbers) with the
-- writes captured, inside a read-only subtransaction that is rolled back: no table, summary or catalog row is
-- made, so they work in a read-only transaction (a BI tool's SQL editor) and in CREATE TABLE ... AS.
-- indb_ml/regress/fit_rows.py. The group of each row is group_key (jsonb; NULL without grouping).

CREATE FUNCTION indb_ml.linregr_fit(source_table text, dependent_varname text, independent_varname text,
                                    grouping_cols text DEFAULT NULL, heteroskedasticity_option boolean DEFAULT false)
RETURNS TABLE (group_key jsonb, coef float8[], r2 float8, std_err float8[], t_stats float8[], p_values float8[],
               condition_no float8, num_rows_processed bigint, num_missing_rows_skipped bigint,
               variance_covariance float8[], bp_stats float8, bp_p_value float8)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
from indb_ml.regress.fit_rows import linregr_fit
return linregr_fit(plpy, source_table, dependent_varname, independent_varname, grouping_cols,
                   heteroskedasticity_option)
$$;
COMMENT ON FUNCTION indb_ml.linregr_fit(text, text, text, text, boolean) IS
'linregr_train''s model returned as rows (one per group), nothing written: works in a read-only transaction and in CREATE TABLE AS. bp_stats and bp_p_value are NULL unless heteroskedasticity_option.';

CREATE FUNCTION indb_ml.logregr_fit(source_table text, dependent_varname text, independent_varname text,
                                    grouping_cols text DEFAULT NULL, max_iter integer DEFAULT 20,
                                    optimizer text DEFAULT 'irls', tolerance float8 DEFAULT 0.0001,
                                    verbose boolean DEFAULT false)
RETURNS TABLE (group_key jsonb, coef float8[], log_likelihood float8, std_err float8[], z_stats float8[],
               p_values float8[], odds_ratios float8[], condition_no float8, num_rows_processed bigint,
               num_missing_rows_skipped bigint, num_iterations integer, variance_covariance float8[], status text)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
from indb_ml.regress.fit_rows import logregr_fit
return logregr_fit(plpy, source_table, dependent_varname, independent_varname, grouping_cols, max_iter, optimizer,
                   tolerance, verbose)
$$;
COMMENT ON FUNCTION indb_ml.logregr_fit(text, text, text, text, integer, text, float8, boolean) IS
'logregr_train''s model returned as rows (one per group), nothing written: works in a read-only transaction and in CREATE TABLE AS (optimizer igd, which streams through temporary tables, is refused).';

CREATE FUNCTION indb_ml.glm_fit(source_table text, dependent_varname text, independent_varname text,
                                family_params text, grouping_col text DEFAULT NULL, optim_params text DEFAULT NULL,
                                verbose boolean DEFAULT false)
RETURNS TABLE (group_key jsonb, coef float8[], log_likelihood float8, std_err float8[], t_stats float8[],
               z_stats float8[], p_values float8[], dispersion float8, num_rows_processed bigint,
               num_rows_skipped bigint, num_iterations integer, status text)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
from indb_ml.regress.fit_rows import glm_fit
return glm_fit(plpy, source_table, dependent_varname, independent_varname, family_params, grouping_col,
               optim_params, verbose)
$$;
COMMENT ON FUNCTION indb_ml.glm_fit(text, text, text, text, text, text, boolean) IS
'glm''s model returned as rows (one per group), nothing written: works in a read-only transaction and in CREATE TABLE AS. t_stats (families with a dispersion) or z_stats (binomial, poisson) is set, the other NULL.';

CREATE FUNCTION indb_ml.mlogregr_fit(source_table text, dependent_varname text, independent_varname text,
                                     ref_category integer DEFAULT 0, optimizer_params text DEFAULT NULL)
RETURNS TABLE (category integer, coef float8[], log_likelihood float8, std_err float8[], z_stats float8[],
               p_values float8[], odds_ratios float8[], condition_no float8, num_iterations integer,
               num_rows_processed bigint, num_rows_skipped bigint, variance_covariance float8[], status text)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
from indb_ml.regress.fit_rows import mlogregr_fit
return mlogregr_fit(plpy, source_table, dependent_varname, independent_varname, ref_category, optimizer_params)
$$;
COMMENT ON FUNCTION indb_ml.mlogregr_fit(text, text, text, integer, text) IS
'mlogregr_train''s model returned as rows (one per non-reference category), nothing written.';

CREATE FUNCTION indb_ml.multinom_fit(source_table text, dependent_varname text, independent_varname text,
                                     ref_category integer DEFAULT 0, link_func text DEFAULT 'logit',
                                     grouping_col text DEFAULT NULL, optim_params text DEFAULT NULL,
                                     verbose boolean DEFAULT false)
RETURNS TABLE (group_key jsonb, category integer, coef float8[], log_likelihood float8, std_err float8[],
               z_stats float8[], p_values float8[], num_rows_processed bigint, num_rows_skipped bigint,
               num_iterations integer, status text)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
from indb_ml.regress.fit_rows import multinom_fit
return multinom_fit(plpy, source_table, dependent_varname, independent_varname, ref_category, link_func,
                    grouping_col, optim_params, verbose)
$$;
COMMENT ON FUNCTION indb_ml.multinom_fit(text, text, text, integer, text, text, text, boolean) IS
'multinom''s model returned as rows (one per group and non-reference category), nothing written.';

CREATE FUNCTION indb_ml.ordinal_fit(source_table text, dependent_varname text, independent_varname text,
                                    cat_order text, link_func text DEFAULT 'logit', grouping_col text DEFAULT NULL,
                                    verbose boolean DEFAULT false)
RETURNS TABLE (group_key jsonb, coef_threshold float8[], std_err_threshold float8[], z_stats_threshold float8[],
               p_values_threshold float8[], log_likelihood float8, coef_feature float8[], std_err_feature float8[],
               z_stats_feature float8[], p_values_feature float8[], num_rows_processed bigint, num_rows_skipped bigint,
               iteration integer)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
from indb_ml.regress.fit_rows import ordinal_fit
return ordinal_fit(plpy, source_table, dependent_varname, independent_varname, cat_order, link_func, grouping_col,
                   verbose)
$$;
COMMENT ON FUNCTION indb_ml.ordinal_fit(text, text, text, text, text, text, boolean) IS
'ordinal''s model returned as rows (one per group), nothing written.';

CREATE FUNCTION indb_ml.elastic_net_fit(tbl_source text, col_dep_var text, col_ind_var text, regress_family text,
                                        alpha float8, lambda_value float8, standardize boolean DEFAULT true,
                                        grouping_col text DEFAULT NULL, optimizer text DEFAULT 'fista',
                                        optimizer_params text DEFAULT NULL, excluded text DEFAULT NULL,
                                        max_iter integer DEFAULT 1000, tolerance float8 DEFAULT 0.000001)
RETURNS TABLE (group_key jsonb, family text, features text[], features_selected text[], coef_nonzero float8[],
               coef_all float8[], intercept float8, log_likelihood float8, iteration_run integer)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
from indb_ml.regress.fit_rows import elastic_net_fit
return elastic_net_fit(plpy, tbl_source, col_dep_var, col_ind_var, regress_family, alpha, lambda_value, standardize,
                       grouping_col, optimizer, optimizer_params, excluded, max_iter, tolerance)
$$;
COMMENT ON FUNCTION indb_ml.elastic_net_fit(text, text, text, text, float8, float8, boolean, text, text, text, text, integer, float8) IS
'elastic_net_train''s model returned as rows (one per group), nothing written (optimizer_params validation_result, a table, is refused).';

CREATE FUNCTION indb_ml.robust_variance_linregr_fit(source_table text, dependent_varname text,
                                                    independent_varname text, grouping_cols text DEFAULT NULL)
RETURNS TABLE (group_key jsonb, coef float8[], std_err float8[], t_stats float8[], p_values float8[],
               num_rows_processed bigint, num_missing_rows_skipped bigint)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
from indb_ml.regress.fit_rows import robust_variance_fit
return robust_variance_fit(plpy, "linregr", source_table, dependent_varname, independent_varname, grouping_cols)
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_linregr_fit(text, text, text, text) IS
'robust_variance_linregr''s model returned as rows (one per group), nothing written.';

CREATE FUNCTION indb_ml.robust_variance_logregr_fit(source_table text, dependent_varname text,
                                                    independent_varname text, grouping_cols text DEFAULT NULL,
                                                    max_iter integer DEFAULT 20, optimizer text DEFAULT 'irls',
                                                    tolerance float8 DEFAULT 0.0001)
RETURNS TABLE (group_key jsonb, coef float8[], std_err float8[], z_stats float8[], p_values float8[],
               num_rows_processed bigint, num_missing_rows_skipped bigint)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
from indb_ml.regress.fit_rows import robust_variance_fit
return robust_variance_fit(plpy, "logregr", source_table, dependent_varname, independent_varname, grouping_cols,
                           max_iter, optimizer, tolerance)
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_logregr_fit(text, text, text, text, integer, text, float8) IS
'robust_variance_logregr''s model returned as rows (one per group), nothing written.';

CREATE FUNCTION indb_ml.robust_variance_mlogregr_fit(source_table text, dependent_varname text,
                                                     independent_varname text, ref_category integer DEFAULT 0,
                                                     grouping_cols text DEFAULT NULL,
                                                     optimizer_params text DEFAULT NULL)
RETURNS TABLE (group_key jsonb, category integer, coef float8[], std_err float8[], z_stats float8[],
               p_values float8[], num_rows_processed bigint, num_missing_rows_skipped bigint)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
from indb_ml.regress.fit_rows import robust_variance_fit
return robust_variance_fit(plpy, "mlogregr", source_table, dependent_varname, independent_varname, ref_category,
                           grouping_cols, optimizer_params)
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_mlogregr_fit(text, text, text, integer, text, text) IS
'robust_variance_mlogregr''s model returned as rows (one per group and non-reference category), nothing written.';

CREATE FUNCTION indb_ml.clustered_variance_linregr_fit(source_table text, dependent_varname text,
                                                       independent_varname text, clustervar text)
RETURNS TABLE (coef float8[], std_err float8[], t_stats float8[], p_values float8[], num_clusters integer,
               num_rows_processed bigint, num_missing_rows_skipped bigint)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 1
AS $$
from indb_ml.regress.fit_rows import clustered_variance_fit
return clustered_variance_fit(plpy, "linregr", source_table, dependent_varname, independent_varname, clustervar)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_linregr_fit(text, text, text, text) IS
'clustered_variance_linregr''s model returned as a row, nothing written.';

CREATE FUNCTION indb_ml.clustered_variance_logregr_fit(source_table text, dependent_varname text,
                                                       independent_varname text, clustervar text,
                                                       max_iter integer DEFAULT 20, optimizer text DEFAULT 'irls',
                                                       tolerance float8 DEFAULT 0.0001)
RETURNS TABLE (coef float8[], std_err float8[], z_stats float8[], p_values float8[], num_clusters integer,
               num_rows_processed bigint, num_missing_rows_skipped bigint)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 1
AS $$
from indb_ml.regress.fit_rows import clustered_variance_fit
return clustered_variance_fit(plpy, "logregr", source_table, dependent_varname, independent_varname, clustervar,
                              max_iter, optimizer, tolerance)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_logregr_fit(text, text, text, text, integer, text, float8) IS
'clustered_variance_logregr''s model returned as a row, nothing written.';

CREATE FUNCTION indb_ml.clustered_variance_mlogregr_fit(source_table text, dependent_varname text,
                                                        independent_varname text, clustervar text,
                                                        ref_category integer DEFAULT 0,
                                                        optimizer_params text DEFAULT NULL)
RETURNS TABLE (category integer, coef float8[], std_err float8[], z_stats float8[], p_values float8[],
               num_clusters integer, num_rows_processed bigint, num_missing_rows_skipped bigint)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
from indb_ml.regress.fit_rows import clustered_variance_fit
return clustered_variance_fit(plpy, "mlogregr", source_table, dependent_varname, independent_varname, clustervar,
                              ref_category, optimizer_params)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_mlogregr_fit(text, text, text, text, integer, text) IS
'clustered_variance_mlogregr''s model returned as rows (one per non-reference category), nothing written.';
