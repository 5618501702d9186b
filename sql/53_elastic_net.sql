-- elastic net: elastic_net_train (gaussian, binomial) and MADlib's predict functions

CREATE FUNCTION indb_ml.elastic_net_train(tbl_source text, tbl_result text, col_dep_var text, col_ind_var text,
                                          regress_family text, alpha float8, lambda_value float8,
                                          standardize boolean DEFAULT true, grouping_col text DEFAULT NULL,
                                          optimizer text DEFAULT 'fista', optimizer_params text DEFAULT NULL,
                                          excluded text DEFAULT NULL, max_iter integer DEFAULT 1000,
                                          tolerance float8 DEFAULT 0.000001,
                                          OUT model_name text, OUT version integer, OUT tables text[])
RETURNS record LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.elastic_net import elastic_net_train
return elastic_net_train(plpy, tbl_source, tbl_result, col_dep_var, col_ind_var, regress_family, alpha, lambda_value,
                         standardize, grouping_col, optimizer, optimizer_params, excluded, max_iter, tolerance)
$$;
COMMENT ON FUNCTION indb_ml.elastic_net_train(text, text, text, text, text, float8, float8, boolean, text, text, text, text, integer, float8) IS
'Elastic net (MADlib elastic_net_train), gaussian or binomial, glmnet''s objective 1/(2n)||y - b - Xw||² (or -loglik/n) + lambda (alpha |w|_1 + (1-alpha)/2 |w|²) with an unpenalized intercept: optimizer fista (the default) and igd are MADlib''s FISTA and IGD pass for pass (igd: one C per-row pass in scan order per iteration), cd is coordinate descent to the exact minimizer (gaussian: on the moments from one scan). tbl_result: family, features, features_selected, coef_nonzero, coef_all, intercept, log_likelihood (minus the objective), standardize, iteration_run.';

CREATE FUNCTION indb_ml.elastic_net_gaussian_predict(coefficients float8[], intercept float8, ind_var float8[])
RETURNS float8 LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT CASE WHEN pg_catalog.array_position(ind_var, NULL) IS NULL
            THEN intercept + indb_ml._model_dot(coefficients, ind_var, 'elastic_net predict') END $$;
COMMENT ON FUNCTION indb_ml.elastic_net_gaussian_predict(float8[], float8, float8[]) IS
'intercept + coefficients . ind_var (MADlib elastic_net_gaussian_predict; use coef_all); NULL when ind_var has a NULL element; IMMUTABLE, PARALLEL SAFE.';

CREATE FUNCTION indb_ml.elastic_net_binomial_prob(coefficients float8[], intercept float8, ind_var float8[])
RETURNS float8 LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT CASE WHEN pg_catalog.array_position(ind_var, NULL) IS NULL
            THEN indb_ml.logregr_predict_prob(ARRAY[intercept] || coefficients, ARRAY[1::float8] || ind_var) END $$;
COMMENT ON FUNCTION indb_ml.elastic_net_binomial_prob(float8[], float8, float8[]) IS
'The probability of the positive class (MADlib elastic_net_binomial_prob); NULL when ind_var has a NULL element; IMMUTABLE, PARALLEL SAFE.';

CREATE FUNCTION indb_ml.elastic_net_binomial_predict(coefficients float8[], intercept float8, ind_var float8[])
RETURNS boolean LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT indb_ml.elastic_net_binomial_prob(coefficients, intercept, ind_var) >= 0.5 $$;
COMMENT ON FUNCTION indb_ml.elastic_net_binomial_predict(float8[], float8, float8[]) IS
'The predicted class, probability >= 0.5 (MADlib elastic_net_binomial_predict); IMMUTABLE, PARALLEL SAFE.';

CREATE FUNCTION indb_ml.elastic_net_train() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.elastic_net import elastic_net_help
return elastic_net_help()
$$;
COMMENT ON FUNCTION indb_ml.elastic_net_train() IS 'Usage of indb_ml.elastic_net_train, its optimizer_params and the predict functions.';

CREATE FUNCTION indb_ml.elastic_net_train(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.elastic_net import elastic_net_help
return elastic_net_help()
$$;
COMMENT ON FUNCTION indb_ml.elastic_net_train(text) IS 'Usage of indb_ml.elastic_net_train (''usage'', ''predict'' or any text).';

CREATE FUNCTION indb_ml.elastic_net_predict(tbl_model text, tbl_new_source text, col_id text, tbl_predict text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.elastic_net import elastic_net_predict
return elastic_net_predict(plpy, tbl_model, tbl_new_source, col_id, tbl_predict)
$$;
COMMENT ON FUNCTION indb_ml.elastic_net_predict(text, text, text, text) IS
'Predictions of an elastic_net_train model for every row of tbl_new_source, written to tbl_predict (col_id, prediction) by one CREATE TABLE AS over elastic_net_gaussian_predict (float8) or elastic_net_binomial_predict (boolean), joined to the row''s group model when the model is grouped (MADlib elastic_net_predict; usable with cross_validation_general).';

CREATE FUNCTION indb_ml.elastic_net_predict() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.elastic_net import elastic_net_help
return elastic_net_help()
$$;
COMMENT ON FUNCTION indb_ml.elastic_net_predict() IS 'Usage of indb_ml.elastic_net_predict (with elastic_net_train''s).';

CREATE FUNCTION indb_ml._enet_igd_step(state bytea, x float8[], y float8, prev float8[], lambda float8, alpha float8,
                                       stepsize float8, total_rows int8, mean float8[], scale float8[],
                                       step_decay float8, family integer)
RETURNS bytea AS 'MODULE_PATHNAME', 'indb_ml_enet_igd_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._enet_igd_step(bytea, float8[], float8, float8[], float8, float8, float8, int8, float8[], float8[], float8, integer) IS
'Internal: transition step of indb_ml._enet_igd (C: one row of MADlib''s elastic-net IGD: the mirror-descent step on theta, the l1 threshold, coef = link(theta), the intercept and the running loss; prev is the previous pass''s [stepsize, lambda, loglikelihood, intercept, theta, coef] or NULL; family 0 gaussian, 1 binomial).';

-- No COMBINEFUNC, and the aggregate PARALLEL UNSAFE (its step alone is safe): the per-row steps are sequential, so the rows must come in
-- scan order from one process, as MADlib's (unlabelled, so parallel unsafe) aggregates take them on
-- PostgreSQL. Without a combine step PostgreSQL would still put a Gather over a parallel scan below
-- a parallel safe aggregate, and the workers' rows would arrive interleaved.
CREATE AGGREGATE indb_ml._enet_igd(float8[], float8, float8[], float8, float8, float8, int8, float8[], float8[],
                                   float8, integer) (
    SFUNC = indb_ml._enet_igd_step,
    STYPE = bytea,
    PARALLEL = UNSAFE
);
COMMENT ON AGGREGATE indb_ml._enet_igd(float8[], float8, float8[], float8, float8, float8, int8, float8[], float8[], float8, integer) IS
'Internal: one pass of MADlib''s elastic-net IGD over a group''s rows in scan order (elastic_net_train with optimizer ''igd''); the final step is Python.';
