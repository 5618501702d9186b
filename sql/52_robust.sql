-- Huber-White (HC0) robust variances for linear and logistic regression (MADlib robust_variance_*)

CREATE FUNCTION indb_ml.robust_variance_linregr(source_table text, out_table text, dependent_varname text,
                                                independent_varname text, grouping_cols text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.robust import robust_variance_linregr
return robust_variance_linregr(plpy, source_table, out_table, dependent_varname, independent_varname, grouping_cols)
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_linregr(text, text, text, text, text) IS
'OLS with Huber-White (HC0) standard errors (MADlib robust_variance_linregr): out_table has coef, std_err, t_stats, p_values (normal, as statsmodels), num_rows_processed, num_missing_rows_skipped.';

CREATE FUNCTION indb_ml.robust_variance_logregr(source_table text, out_table text, dependent_varname text,
                                                independent_varname text, grouping_cols text DEFAULT NULL,
                                                max_iter integer DEFAULT 20, optimizer text DEFAULT 'irls',
                                                tolerance float8 DEFAULT 0.0001)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.robust import robust_variance_logregr
return robust_variance_logregr(plpy, source_table, out_table, dependent_varname, independent_varname, grouping_cols,
                               max_iter, optimizer, tolerance)
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_logregr(text, text, text, text, text, integer, text, float8) IS
'Logistic regression with Huber-White (HC0) standard errors (MADlib robust_variance_logregr): out_table has coef, std_err, z_stats, p_values, num_rows_processed, num_missing_rows_skipped.';

CREATE FUNCTION indb_ml.clustered_variance_linregr(source_table text, out_table text, dependent_varname text,
                                                   independent_varname text, clustervar text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.robust import clustered_variance_linregr
return clustered_variance_linregr(plpy, source_table, out_table, dependent_varname, independent_varname, clustervar)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_linregr(text, text, text, text, text) IS
'OLS with cluster-robust standard errors (MADlib clustered_variance_linregr; clustervar: ''col1, col2''); statsmodels'' small-sample factor; out_table: coef, std_err, t_stats, p_values (normal), num_clusters, num_rows_processed, num_missing_rows_skipped.';

CREATE FUNCTION indb_ml.clustered_variance_logregr(source_table text, out_table text, dependent_varname text,
                                                   independent_varname text, clustervar text,
                                                   max_iter integer DEFAULT 20, optimizer text DEFAULT 'irls',
                                                   tolerance float8 DEFAULT 0.0001)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.robust import clustered_variance_logregr
return clustered_variance_logregr(plpy, source_table, out_table, dependent_varname, independent_varname, clustervar,
                                  max_iter, optimizer, tolerance)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_logregr(text, text, text, text, text, integer, text, float8) IS
'Logistic regression with cluster-robust standard errors (MADlib clustered_variance_logregr); out_table: coef, std_err, z_stats, p_values, num_clusters, num_rows_processed, num_missing_rows_skipped.';
