-- multinomial logistic regression: mlogregr_train and mlogregr_predict

CREATE FUNCTION indb_ml.mlogregr_train(source_table text, output_table text, dependent_varname text,
                                       independent_varname text, ref_category integer DEFAULT 0,
                                       optimizer_params text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.mlogregr import mlogregr_train
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
from indb_ml.regress.mlogregr import multinom
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
from indb_ml.regress.mlogregr import robust_variance_mlogregr
return robust_variance_mlogregr(plpy, source_table, out_table, dependent_varname, independent_varname, ref_category,
                                grouping_cols, optimizer_params)
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_mlogregr(text, text, text, text, integer, text, text) IS
'Multinomial logistic regression with Huber-White (HC0) standard errors (MADlib robust_variance_mlogregr); one row per non-reference category (and group, with grouping_cols): [grouping columns], category, ref_category, coef, std_err, z_stats, p_values, num_rows_processed, num_missing_rows_skipped.';

CREATE FUNCTION indb_ml.clustered_variance_mlogregr(source_table text, out_table text, dependent_varname text,
                                                    independent_varname text, clustervar text,
                                                    ref_category integer DEFAULT 0, optimizer_params text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.mlogregr import clustered_variance_mlogregr
return clustered_variance_mlogregr(plpy, source_table, out_table, dependent_varname, independent_varname, clustervar,
                                   ref_category, optimizer_params)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_mlogregr(text, text, text, text, text, integer, text) IS
'Multinomial logistic regression with cluster-robust standard errors (MADlib clustered_variance_mlogregr; statsmodels'' small-sample factor); one row per non-reference category with num_clusters.';

CREATE FUNCTION indb_ml.multinom_predict_prob(coef float8[], col_ind_var float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    m int := pg_catalog.array_length(coef, 1);
    k int := pg_catalog.array_length(coef, 2);
    p float8[];
    top float8 := 0;
    total float8 := 0;
    e float8;
BEGIN
    IF pg_catalog.array_ndims(coef) IS DISTINCT FROM 2 THEN
        RAISE EXCEPTION 'multinom_predict_prob: coef must be a 2-D array (one row per non-reference category)'
            USING ERRCODE = '2202E', HINT = 'SELECT array_agg(coef ORDER BY category) FROM the model table';
    END IF;
    IF k IS DISTINCT FROM pg_catalog.array_length(col_ind_var, 1) OR pg_catalog.array_ndims(col_ind_var) <> 1 THEN
        RAISE EXCEPTION 'multinom_predict_prob: % coefficients per category but % features', k,
            pg_catalog.array_length(col_ind_var, 1) USING ERRCODE = '2202E';
    END IF;
    IF pg_catalog.array_position(col_ind_var, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'multinom_predict_prob: a feature is NULL' USING ERRCODE = '22004';
    END IF;
    p := pg_catalog.array_fill(0::float8, ARRAY[m + 1]);
    FOR i IN 1..m LOOP
        e := 0;
        FOR j IN 1..k LOOP
            e := e + coef[i][j] * col_ind_var[j];
        END LOOP;
        p[i + 1] := e;
        top := GREATEST(top, e);
    END LOOP;
    FOR i IN 1..m + 1 LOOP
        p[i] := pg_catalog.exp(p[i] - top);
        total := total + p[i];
    END LOOP;
    FOR i IN 1..m + 1 LOOP
        p[i] := p[i] / total;
    END LOOP;
    RETURN p;
END
$$;
COMMENT ON FUNCTION indb_ml.multinom_predict_prob(float8[], float8[]) IS
'Multinomial logit probabilities for one row: coef is 2-D (one row per non-reference category, in category order), the result lists the reference category first, then the others; IMMUTABLE and PARALLEL SAFE for views.';

CREATE FUNCTION indb_ml.multinom_predict(model_table text, predict_table_input text, output_table text,
                                         predict_type text DEFAULT 'response', verbose boolean DEFAULT false,
                                         id_column text DEFAULT 'id')
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.category_predict import multinom_predict
return multinom_predict(plpy, model_table, predict_table_input, output_table, predict_type, verbose, id_column)
$$;
COMMENT ON FUNCTION indb_ml.multinom_predict(text, text, text, text, boolean, text) IS
'Predictions of a multinom or mlogregr_train model for a table (MADlib multinom_predict): predict_type ''response'' writes (id, category), ''probability'' writes (id, one column per category named by its value); grouped models join on the grouping columns. One CREATE TABLE AS over multinom_predict_prob.';
