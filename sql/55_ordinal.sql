-- ordinal regression: ordinal (cumulative logit or probit)

CREATE FUNCTION indb_ml.ordinal(source_table text, model_table text, dependent_varname text,
                                independent_varname text, cat_order text, link_func text DEFAULT 'logit',
                                grouping_col text DEFAULT NULL, verbose boolean DEFAULT false)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.ordinal import ordinal
return ordinal(plpy, source_table, model_table, dependent_varname, independent_varname, cat_order, link_func,
               grouping_col, verbose)
$$;
COMMENT ON FUNCTION indb_ml.ordinal(text, text, text, text, text, text, text, boolean) IS
'Ordinal regression (MADlib ordinal): P(y <= j) = F(threshold_j - x''beta), link_func logit or probit, cat_order ''mild, moderate, severe''; independent_varname without an intercept. model_table: coef_threshold, std_err_threshold, z_stats_threshold, p_values_threshold, log_likelihood, coef_feature, std_err_feature, z_stats_feature, p_values_feature, num_rows_processed, num_rows_skipped, iteration.';

CREATE FUNCTION indb_ml.ordinal_predict_prob(coef_threshold float8[], coef_feature float8[], col_ind_var float8[],
                                             link_func text) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    xb float8 := indb_ml._model_dot(coef_feature, col_ind_var, 'ordinal_predict_prob');
    n int := pg_catalog.array_length(coef_threshold, 1);
    cum float8[] := pg_catalog.array_fill(1::float8, ARRAY[n + 1]);
    p float8[] := pg_catalog.array_fill(0::float8, ARRAY[n + 1]);
    g float8;
BEGIN
    FOR i IN 1..n LOOP
        g := coef_threshold[i] - xb;
        CASE pg_catalog.lower(link_func)
            WHEN 'logit' THEN cum[i] := CASE WHEN g > 700 THEN 1 WHEN g < -700 THEN 0
                                             ELSE 1 / (1 + pg_catalog.exp(-g)) END;
            WHEN 'probit' THEN cum[i] := indb_ml._normal_cdf(g);
            ELSE RAISE EXCEPTION 'ordinal_predict_prob: unknown link %', link_func USING ERRCODE = '22023',
                HINT = 'logit or probit';
        END CASE;
    END LOOP;
    p[1] := cum[1];
    FOR i IN 2..n + 1 LOOP
        p[i] := cum[i] - cum[i - 1];
    END LOOP;
    RETURN p;
END
$$;
COMMENT ON FUNCTION indb_ml.ordinal_predict_prob(float8[], float8[], float8[], text) IS
'Ordinal model probabilities of every category (in cat_order) for one row: P(y <= j) = F(threshold_j - x''beta), logit or probit; IMMUTABLE and PARALLEL SAFE for views.';

CREATE FUNCTION indb_ml.ordinal_predict(model_table text, predict_table_input text, output_table text,
                                        predict_type text DEFAULT 'probability', verbose boolean DEFAULT false)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.category_predict import ordinal_predict
return ordinal_predict(plpy, model_table, predict_table_input, output_table, predict_type, verbose)
$$;
COMMENT ON FUNCTION indb_ml.ordinal_predict(text, text, text, text, boolean) IS
'Predictions of an ordinal model for a table with an id column (MADlib ordinal_predict): predict_type ''probability'' (default) writes (one column per category named by it, id), ''response'' writes (id, category); grouped models join on the grouping columns.';
