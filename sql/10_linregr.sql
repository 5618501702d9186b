-- linregr: linear regression (MADlib-compatible names, arguments and outputs)

CREATE FUNCTION indb_ml.linregr_train(
    source_table text,
    out_table text,
    dependent_varname text,
    independent_varname text,
    grouping_cols text DEFAULT NULL,
    heteroskedasticity_option boolean DEFAULT FALSE,
    OUT model_name text, OUT version integer, OUT tables text[]
) RETURNS record
LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.regress.linregr import linregr_train
return linregr_train(plpy, source_table, out_table, dependent_varname, independent_varname,
                     grouping_cols, heteroskedasticity_option)
$$;
COMMENT ON FUNCTION indb_ml.linregr_train(text, text, text, text, text, boolean) IS
'Ordinary least squares over a table, written to out_table and out_table_summary (MADlib linregr_train). SELECT indb_ml.linregr_train() for usage.';

CREATE FUNCTION indb_ml.linregr_train() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.linregr import linregr_help
return linregr_help()
$$;
COMMENT ON FUNCTION indb_ml.linregr_train() IS 'Usage of indb_ml.linregr_train.';

CREATE FUNCTION indb_ml.linregr_train(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.linregr import linregr_help
return linregr_help()
$$;
COMMENT ON FUNCTION indb_ml.linregr_train(text) IS 'Usage of indb_ml.linregr_train (''usage'' or any text).';

CREATE FUNCTION indb_ml.linregr_predict(coef float8[], col_ind_var float8[]) RETURNS float8
AS 'MODULE_PATHNAME', 'indb_ml_linregr_predict'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml.linregr_predict(float8[], float8[]) IS
'Prediction of a linear model: the dot product of coef and the features (MADlib linregr_predict). C; different lengths and NULL elements are errors.';

CREATE FUNCTION indb_ml.linregr_predict(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("linregr_predict", message)
$$;
COMMENT ON FUNCTION indb_ml.linregr_predict(text) IS 'Usage of indb_ml.linregr_predict (''usage'' or any text; MADlib linregr_predict(message)).';

CREATE FUNCTION indb_ml.linregr_predict() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("linregr_predict", None)
$$;
COMMENT ON FUNCTION indb_ml.linregr_predict() IS 'Usage of indb_ml.linregr_predict (MADlib linregr_predict()).';

CREATE TYPE indb_ml.linregr_result AS (
    coef float8[],
    r2 float8,
    std_err float8[],
    t_stats float8[],
    p_values float8[],
    condition_no float8,
    num_rows_processed bigint,
    num_missing_rows_skipped bigint,
    variance_covariance float8[]
);
COMMENT ON TYPE indb_ml.linregr_result IS 'Result of the indb_ml.linregr aggregate (MADlib linregr_result).';

CREATE FUNCTION indb_ml._linregr_transition(state bytea, y float8, x float8[]) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_linregr_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._linregr_transition(bytea, float8, float8[]) IS
'Internal: transition step of indb_ml.linregr (C: Welford update of the co-moments of [y, x], in place; rows with a NULL are counted as skipped).';

CREATE FUNCTION indb_ml._comoment_combine(a bytea, b bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_comoment_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._comoment_combine(bytea, bytea) IS
'Internal: merge step of the co-moment aggregates (linregr, gram, xty, training passes): Chan''s exact pairwise update, in C.';

CREATE FUNCTION indb_ml._linregr_finalize(state bytea, madlib_statistics text) RETURNS indb_ml.linregr_result
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.linregr_agg import linregr_final
return linregr_final(plpy, state, madlib_statistics)
$$;
COMMENT ON FUNCTION indb_ml._linregr_finalize(bytea, text) IS 'Internal: the fit of a linregr state (once per group, in numpy); madlib_statistics: the text of the indb_ml.madlib_statistics setting.';

-- The setting is read here, in SQL: PL/Python can run no SQL in a parallel worker, where the final step may run.
CREATE FUNCTION indb_ml._linregr_final(state bytea) RETURNS indb_ml.linregr_result
LANGUAGE sql STABLE PARALLEL SAFE
RETURN indb_ml._linregr_finalize(state, pg_catalog.current_setting('indb_ml.madlib_statistics', true));
COMMENT ON FUNCTION indb_ml._linregr_final(bytea) IS 'Internal: final step of indb_ml.linregr (STABLE: with MADlib''s formulas under SET indb_ml.madlib_statistics = on).';

CREATE AGGREGATE indb_ml.linregr(float8, float8[]) (
    SFUNC = indb_ml._linregr_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._comoment_combine,
    FINALFUNC = indb_ml._linregr_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml.linregr(float8, float8[]) IS
'Linear regression as an aggregate: (indb_ml.linregr(y, ARRAY[1, x1, x2])).*. C per-row steps with a combine step: runs in parallel workers, per partition and on Citus shards.';

-- MADlib's linregr state functions under their own names, for code that folds states by hand
-- (MADlib's regress/test/linear.sql_in does). MADlib's state type is bytea8 and its initial state
-- the empty bytea; here the empty bytea stands for the aggregate's NULL initial state.
CREATE DOMAIN indb_ml.bytea8 AS bytea;
COMMENT ON DOMAIN indb_ml.bytea8 IS 'MADlib''s name for the linregr state type (a bytea; the empty value is the initial state).';

CREATE FUNCTION indb_ml.linregr_transition(state indb_ml.bytea8, y float8, x float8[]) RETURNS indb_ml.bytea8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN COALESCE(indb_ml._linregr_transition(NULLIF(state, ''::bytea), y, x), ''::bytea);
COMMENT ON FUNCTION indb_ml.linregr_transition(indb_ml.bytea8, float8, float8[]) IS
'MADlib''s linregr_transition: one row folded into a linregr state (the C step of indb_ml.linregr); start from ''''::indb_ml.bytea8.';

CREATE FUNCTION indb_ml.linregr_merge_states(state1 indb_ml.bytea8, state2 indb_ml.bytea8) RETURNS indb_ml.bytea8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN COALESCE(indb_ml._comoment_combine(NULLIF(state1, ''::bytea),
                                            NULLIF(state2, ''::bytea)), ''::bytea);
COMMENT ON FUNCTION indb_ml.linregr_merge_states(indb_ml.bytea8, indb_ml.bytea8) IS
'MADlib''s linregr_merge_states: two linregr states merged (Chan''s exact update, in C); the empty state is neutral.';

CREATE FUNCTION indb_ml.linregr_final(state indb_ml.bytea8) RETURNS indb_ml.linregr_result
LANGUAGE sql STABLE PARALLEL SAFE
RETURN indb_ml._linregr_final(NULLIF(state, ''::bytea));
COMMENT ON FUNCTION indb_ml.linregr_final(indb_ml.bytea8) IS
'MADlib''s linregr_final: the linregr_result of a state (NULL for the empty state).';

CREATE AGGREGATE indb_ml._linregr_state(float8, float8[]) (
    SFUNC = indb_ml._linregr_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._comoment_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._linregr_state(float8, float8[]) IS
'Internal: the co-moments state of [y, x] (the linregr aggregate without its final step): one pass of linregr_train per group, finalized by the driver.';

CREATE FUNCTION indb_ml._linregr_cols_transition(state bytea, VARIADIC "any") RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_linregr_cols_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._linregr_cols_transition(bytea, "any") IS
'Internal: transition step of indb_ml._linregr_cols (C: linregr''s co-moments of [y, x1, ..., xk] from float8 arguments, in place; rows with a NULL are counted as skipped).';

CREATE AGGREGATE indb_ml._linregr_cols(VARIADIC "any") (
    SFUNC = indb_ml._linregr_cols_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._comoment_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._linregr_cols("any") IS
'Internal: indb_ml._linregr_state with the row as float8 arguments (y, x1, ..., xk; at most 98 features) instead of an array, which PostgreSQL would build per row: linregr_train''s pass when the features are listed.';

CREATE FUNCTION indb_ml._residual_transition(state bytea, y float8, x float8[], coef float8[]) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_residual_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._residual_transition(bytea, float8, float8[], float8[]) IS
'Internal: transition step of indb_ml._residual_state (C: co-moments of [(y - x.coef)^2, x]).';

CREATE AGGREGATE indb_ml._residual_state(float8, float8[], float8[]) (
    SFUNC = indb_ml._residual_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._comoment_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._residual_state(float8, float8[], float8[]) IS
'Internal: the co-moments state of the squared residuals and the features given coefficients: the second pass of linregr_train''s Breusch-Pagan test.';
