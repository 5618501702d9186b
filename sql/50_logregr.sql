-- logistic regression: logregr_train (IRLS by aggregate passes, or over rows packed once), its C step, predict functions, usage

CREATE FUNCTION indb_ml.logregr_train(source_table text, out_table text, dependent_varname text,
                                      independent_varname text, grouping_cols text DEFAULT NULL,
                                      max_iter integer DEFAULT 20, optimizer text DEFAULT 'irls',
                                      tolerance float8 DEFAULT 0.0001, verbose boolean DEFAULT false,
                                      OUT model_name text, OUT version integer, OUT tables text[])
RETURNS record LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.logregr import logregr_train
return logregr_train(plpy, source_table, out_table, dependent_varname, independent_varname, grouping_cols,
                     max_iter, optimizer, tolerance, verbose)
$$;
COMMENT ON FUNCTION indb_ml.logregr_train(text, text, text, text, text, integer, text, float8, boolean) IS
'Logistic regression (MADlib logregr_train): IRLS (or cg, igd); each iteration is one aggregate statement indb_ml._logregr_step over the source (views, foreign, partitioned and distributed tables, parallel workers), or on plain local tables the rows packed once in memory and iterated in numpy (indb_ml.training_plan = auto|aggregate|memory); writes out_table (coef, log_likelihood, std_err, z_stats, p_values, odds_ratios, condition_no, num_rows_processed, num_missing_rows_skipped, num_iterations, variance_covariance, status) and out_table_summary. SELECT indb_ml.logregr_train() shows the usage.';

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
AS 'MODULE_PATHNAME', 'indb_ml_model_dot'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._model_dot(float8[], float8[], text) IS
'Internal: coef . features for the predict functions, with an error naming the caller when the lengths differ.';

CREATE FUNCTION indb_ml.logregr_predict_prob(coef float8[], col_ind_var float8[]) RETURNS float8
AS 'MODULE_PATHNAME', 'indb_ml_logregr_predict_prob'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml.logregr_predict_prob(float8[], float8[]) IS
'The probability 1 / (1 + exp(-coef . x)) of the positive class (MADlib logregr_predict_prob); C, IMMUTABLE and PARALLEL SAFE for views; arrays of different lengths and NULL elements are errors.';

CREATE FUNCTION indb_ml.logregr_predict(coef float8[], col_ind_var float8[]) RETURNS boolean
AS 'MODULE_PATHNAME', 'indb_ml_logregr_predict'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml.logregr_predict(float8[], float8[]) IS
'The predicted class, probability >= 0.5 (MADlib logregr_predict); C, IMMUTABLE and PARALLEL SAFE.';

CREATE FUNCTION indb_ml.logregr_predict(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("logregr_predict", message)
$$;
COMMENT ON FUNCTION indb_ml.logregr_predict(text) IS 'Usage of indb_ml.logregr_predict (''usage'' or any text; MADlib logregr_predict(message)).';

CREATE FUNCTION indb_ml.logregr_predict() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("logregr_predict", None)
$$;
COMMENT ON FUNCTION indb_ml.logregr_predict() IS 'Usage of indb_ml.logregr_predict (MADlib logregr_predict()).';

CREATE FUNCTION indb_ml.logregr_predict_prob(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("logregr_predict_prob", message)
$$;
COMMENT ON FUNCTION indb_ml.logregr_predict_prob(text) IS 'Usage of indb_ml.logregr_predict_prob (''usage'' or any text; MADlib logregr_predict_prob(message)).';

CREATE FUNCTION indb_ml.logregr_predict_prob() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("logregr_predict_prob", None)
$$;
COMMENT ON FUNCTION indb_ml.logregr_predict_prob() IS 'Usage of indb_ml.logregr_predict_prob (MADlib logregr_predict_prob()).';

CREATE FUNCTION indb_ml._logregr_step_transition(state bytea, y float8, x float8[], coef float8[]) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_logregr_step_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._logregr_step_transition(bytea, float8, float8[], float8[]) IS
'Internal: transition step of indb_ml._logregr_step (C: at eta = x.coef adds y eta - log(1 + e^eta), x (y - p) and p (1 - p) x x^T, in place; rows with a NULL are counted as skipped; y must be 0 or 1).';

CREATE FUNCTION indb_ml._logregr_step_cols_transition(state bytea, coef float8[], VARIADIC "any") RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_logregr_step_cols_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._logregr_step_cols_transition(bytea, float8[], "any") IS
'Internal: transition step of indb_ml._logregr_step_cols (C: _logregr_step''s sums with the row as float8 arguments y, x1, ..., xk).';

CREATE FUNCTION indb_ml._logregr_step_combine(a bytea, b bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_logregr_step_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._logregr_step_combine(bytea, bytea) IS
'Internal: merge step of indb_ml._logregr_step (C: the log-likelihood, gradient and Hessian of two partial states add).';

CREATE AGGREGATE indb_ml._logregr_step(float8, float8[], float8[]) (
    SFUNC = indb_ml._logregr_step_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._logregr_step_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._logregr_step(float8, float8[], float8[]) IS
'Internal: one pass of logregr_train at coefficients coef (y, x, coef): the log-likelihood, gradient and packed Hessian of logistic regression as a bytea state, parsed by the driver. C per-row steps with a combine step: runs in parallel workers, per partition and on Citus shards.';

CREATE AGGREGATE indb_ml._logregr_step_cols(float8[], VARIADIC "any") (
    SFUNC = indb_ml._logregr_step_cols_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._logregr_step_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._logregr_step_cols(float8[], "any") IS
'Internal: indb_ml._logregr_step with the row as float8 arguments (coef, y, x1, ..., xk; at most 97 features) instead of an array built per row: logregr_train''s pass when the features are listed.';

CREATE FUNCTION indb_ml._logregr_igd_step(state bytea, y float8, x float8[], prev float8[]) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_logregr_igd_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._logregr_igd_step(bytea, float8, float8[], float8[]) IS
'Internal: transition step of indb_ml._logregr_igd (C: one row of MADlib''s logistic IGD: coef += 0.01 sigma(-y x.coef) y x with y in {-1, 1}, and X''AX and the log-likelihood at prev, the previous pass''s coefficients; prev NULL is MADlib''s first pass, step size 0; rows with a NULL are counted as skipped; y must be 0 or 1).';

-- No COMBINEFUNC, and the aggregate PARALLEL UNSAFE (its step alone is safe): the per-row steps are
-- sequential, so the rows must come in order from one process, as MADlib's aggregates take them on
-- PostgreSQL (see indb_ml._enet_igd).
CREATE AGGREGATE indb_ml._logregr_igd(float8, float8[], float8[]) (
    SFUNC = indb_ml._logregr_igd_step,
    STYPE = bytea,
    PARALLEL = UNSAFE
);
COMMENT ON AGGREGATE indb_ml._logregr_igd(float8, float8[], float8[]) IS
'Internal: one pass of MADlib''s logistic IGD over a group''s rows in order (logregr_train with optimizer ''igd''); the statistics are Python.';
