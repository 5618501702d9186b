-- logistic regression: logregr_train (IRLS over blocks packed once), predict functions, usage

CREATE FUNCTION indb_ml.logregr_train(source_table text, out_table text, dependent_varname text,
                                      independent_varname text, grouping_cols text DEFAULT NULL,
                                      max_iter integer DEFAULT 20, optimizer text DEFAULT 'irls',
                                      tolerance float8 DEFAULT 0.0001, verbose boolean DEFAULT false)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.logregr import logregr_train
return logregr_train(plpy, source_table, out_table, dependent_varname, independent_varname, grouping_cols,
                     max_iter, optimizer, tolerance, verbose)
$$;
COMMENT ON FUNCTION indb_ml.logregr_train(text, text, text, text, text, integer, text, float8, boolean) IS
'Logistic regression (MADlib logregr_train): IRLS (or cg, igd) over the rows packed once by a chunked scan (streamed tiles above indb_ml.matrix_memory_mb), iterating in numpy; writes out_table (coef, log_likelihood, std_err, z_stats, p_values, odds_ratios, condition_no, num_rows_processed, num_missing_rows_skipped, num_iterations, variance_covariance, status) and out_table_summary. SELECT indb_ml.logregr_train() shows the usage.';

CREATE FUNCTION indb_ml.logregr_train() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.logregr import logregr_help
return logregr_help()
$$;
COMMENT ON FUNCTION indb_ml.logregr_train() IS 'Usage of indb_ml.logregr_train.';

CREATE FUNCTION indb_ml.logregr_train(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.logregr import logregr_help
return logregr_help()
$$;
COMMENT ON FUNCTION indb_ml.logregr_train(text) IS 'Usage of indb_ml.logregr_train (any message, as MADlib''s ''usage'').';

CREATE FUNCTION indb_ml._model_dot(coef float8[], features float8[], caller text) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
BEGIN
    IF pg_catalog.cardinality(coef) <> pg_catalog.cardinality(features) THEN
        RAISE EXCEPTION '%: % coefficients but % features', caller, pg_catalog.cardinality(coef),
            pg_catalog.cardinality(features) USING ERRCODE = '2202E',
            HINT = 'pass the features in the order and number used to train';
    END IF;
    RETURN indb_ml.array_dot(coef, features);  -- NULL elements are an error there, named
END
$$;
COMMENT ON FUNCTION indb_ml._model_dot(float8[], float8[], text) IS
'Internal: coef . features for the predict functions, with an error naming the caller when the lengths differ.';

CREATE FUNCTION indb_ml.logregr_predict_prob(coef float8[], col_ind_var float8[]) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    dot float8 := indb_ml._model_dot(coef, col_ind_var, 'logregr_predict');
BEGIN
    -- PostgreSQL's exp() raises on underflow and overflow where the probability is just 0 or 1.
    IF dot > 700 THEN
        RETURN 1;
    ELSIF dot < -700 THEN
        RETURN 0;
    END IF;
    RETURN 1 / (1 + pg_catalog.exp(-dot));
END
$$;
COMMENT ON FUNCTION indb_ml.logregr_predict_prob(float8[], float8[]) IS
'The probability 1 / (1 + exp(-coef . x)) of the positive class (MADlib logregr_predict_prob); no Python; IMMUTABLE and PARALLEL SAFE for views; arrays of different lengths are an error.';

CREATE FUNCTION indb_ml.logregr_predict(coef float8[], col_ind_var float8[]) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT indb_ml.logregr_predict_prob(coef, col_ind_var) >= 0.5 $$;
COMMENT ON FUNCTION indb_ml.logregr_predict(float8[], float8[]) IS
'The predicted class, probability >= 0.5 (MADlib logregr_predict); SQL, IMMUTABLE and PARALLEL SAFE.';
