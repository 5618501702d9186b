-- ordinal regression: ordinal (cumulative logit or probit)

CREATE FUNCTION indb_ml.ordinal(source_table text, model_table text, dependent_varname text,
                                independent_varname text, cat_order text DEFAULT NULL, link_func text DEFAULT 'logit',
                                grouping_col text DEFAULT NULL, optim_params text DEFAULT NULL,
                                verbose boolean DEFAULT false,
                                OUT model_name text, OUT version integer, OUT tables text[])
RETURNS record LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.ordinal import ordinal
return ordinal(plpy, source_table, model_table, dependent_varname, independent_varname, cat_order, link_func,
               grouping_col, verbose, optim_params=optim_params)
$$;
COMMENT ON FUNCTION indb_ml.ordinal(text, text, text, text, text, text, text, text, boolean) IS
'Ordinal regression (MADlib ordinal): P(y <= j) = F(threshold_j - x''beta), link_func logit or probit, cat_order lowest first as MADlib writes it (''0<1<2'') or as a comma list (''mild, moderate, severe''), NULL: the values sorted as text; optim_params ''max_iter=100, optimizer=irls, tolerance=1e-6'' (MADlib''s: Fisher scoring stops when the log-likelihood changes by less than tolerance, relative); independent_varname without an intercept. model_table: coef_threshold, std_err_threshold, z_stats_threshold, p_values_threshold, log_likelihood, coef_feature, std_err_feature, z_stats_feature, p_values_feature, num_rows_processed, num_rows_skipped, num_iterations. SELECT indb_ml.ordinal() for usage.';

CREATE FUNCTION indb_ml.ordinal(source_table text, model_table text, dependent_varname text,
                                independent_varname text, cat_order text, link_func text, grouping_col text,
                                verbose boolean,
                                OUT model_name text, OUT version integer, OUT tables text[])
RETURNS record LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.ordinal import ordinal
return ordinal(plpy, source_table, model_table, dependent_varname, independent_varname, cat_order, link_func,
               grouping_col, verbose)
$$;
COMMENT ON FUNCTION indb_ml.ordinal(text, text, text, text, text, text, text, boolean) IS
'indb_ml.ordinal with verbose as the 8th argument (no optim_params), the form of indb_ml before MADlib''s optim_params was taken.';

CREATE FUNCTION indb_ml.ordinal(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("ordinal", message)
$$;
COMMENT ON FUNCTION indb_ml.ordinal(text) IS 'Usage of indb_ml.ordinal (''usage'' or any text; MADlib ordinal(message)).';

CREATE FUNCTION indb_ml.ordinal() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("ordinal", None)
$$;
COMMENT ON FUNCTION indb_ml.ordinal() IS 'Usage of indb_ml.ordinal (MADlib ordinal()).';

CREATE FUNCTION indb_ml.ordinal_predict_prob(coef_threshold float8[], coef_feature float8[], col_ind_var float8[],
                                             link_func text) RETURNS float8[]
AS 'MODULE_PATHNAME', 'indb_ml_ordinal_predict_prob'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml.ordinal_predict_prob(float8[], float8[], float8[], text) IS
'Ordinal model probabilities of every category (in cat_order) for one row: P(y <= j) = F(threshold_j - x''beta), logit or probit. C, IMMUTABLE and PARALLEL SAFE for views; lengths that differ are an error (2202E), so are NULL elements (22004) and an unknown link (22023).';

CREATE FUNCTION indb_ml.ordinal_predict(model_table text, predict_table_input text, output_table text,
                                        predict_type text DEFAULT 'probability', verbose boolean DEFAULT false)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.category_predict import ordinal_predict
return ordinal_predict(plpy, model_table, predict_table_input, output_table, predict_type, verbose)
$$;
COMMENT ON FUNCTION indb_ml.ordinal_predict(text, text, text, text, boolean) IS
'Predictions of an ordinal model for a table with an id column (MADlib ordinal_predict): predict_type ''probability'' (default) writes (one column per category named by it, id), ''response'' writes (id, category); grouped models join on the grouping columns.';

CREATE FUNCTION indb_ml.ordinal_predict(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("ordinal_predict", message)
$$;
COMMENT ON FUNCTION indb_ml.ordinal_predict(text) IS 'Usage of indb_ml.ordinal_predict (MADlib ordinal_predict(message)).';

CREATE FUNCTION indb_ml.ordinal_predict() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("ordinal_predict", None)
$$;
COMMENT ON FUNCTION indb_ml.ordinal_predict() IS 'Usage of indb_ml.ordinal_predict (MADlib ordinal_predict()).';

-- The aggregate pass of ordinal regression (C: src/ordinal.c). Categories are indices
-- 0 .. K-1 in cat_order; coef = [K-1 thresholds, k feature coefficients].

CREATE FUNCTION indb_ml._ordinal_transition(state bytea, y float8, x float8[], coef float8[], ncat integer,
                                            link integer, hessian boolean) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_ordinal_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._ordinal_transition(bytea, float8, float8[], float8[], integer, integer, boolean) IS
'Internal: transition step of indb_ml._ordinal_step (C, in place): log-likelihood and gradient (and with hessian the observed information) of the cumulative logit (link 0) or probit (link 1) at coef; rows with a NULL are counted as skipped.';

CREATE FUNCTION indb_ml._ordinal_combine(a bytea, b bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_ordinal_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._ordinal_combine(bytea, bytea) IS
'Internal: merge step of indb_ml._ordinal_step (C): the sums add up.';

CREATE AGGREGATE indb_ml._ordinal_step(float8, float8[], float8[], integer, integer, boolean) (
    SFUNC = indb_ml._ordinal_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._ordinal_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._ordinal_step(float8, float8[], float8[], integer, integer, boolean) IS
'Internal: one evaluation of the ordinal model, _ordinal_step(category index, x, [thresholds, beta], number of categories, link 0 logit / 1 probit, with the information matrix): a bytea state (kind 5, width K-1+k, param K*16 + 4*hessian + link) per group; the passes of ordinal.';

CREATE FUNCTION indb_ml._ordinal_transition(state bytea, y float8, x float8[], coef float8[], ncat integer,
                                            link integer, hessian boolean, expected boolean) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_ordinal_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._ordinal_transition(bytea, float8, float8[], float8[], integer, integer, boolean, boolean) IS
'Internal: transition step of the 7-argument indb_ml._ordinal_step (C, in place): as the 6-argument aggregate''s transition, and with expected (which needs hessian) the expected (Fisher) information instead of the observed one, as MADlib''s ordinal Fisher scoring sums it.';

CREATE AGGREGATE indb_ml._ordinal_step(float8, float8[], float8[], integer, integer, boolean, boolean) (
    SFUNC = indb_ml._ordinal_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._ordinal_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._ordinal_step(float8, float8[], float8[], integer, integer, boolean, boolean) IS
'Internal: one Fisher scoring pass of ordinal, _ordinal_step(category index, x, [thresholds, beta], number of categories, link 0 logit / 1 probit, hessian, expected): with expected the information slots hold the expected information (param K*16 + 8*expected + 4*hessian + link).';

CREATE FUNCTION indb_ml._ordinal_transition(state bytea, y float8, x float8[], coef float8[], ncat integer,
                                            link integer, hessian boolean, expected boolean,
                                            prob_floor boolean) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_ordinal_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._ordinal_transition(bytea, float8, float8[], float8[], integer, integer, boolean, boolean, boolean) IS
'Internal: transition step of the 8-argument indb_ml._ordinal_step (C, in place): as the 7-argument form''s with prob_floor true; with prob_floor false (which needs expected) the probabilities are not floored at 1e-300, as MADlib''s ordinal takes them at thresholds that do not increase: a negative one enters the gradient and the expected information as it is and the log-likelihood takes its log (NaN).';

CREATE AGGREGATE indb_ml._ordinal_step(float8, float8[], float8[], integer, integer, boolean, boolean, boolean) (
    SFUNC = indb_ml._ordinal_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._ordinal_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._ordinal_step(float8, float8[], float8[], integer, integer, boolean, boolean, boolean) IS
'Internal: one Fisher scoring pass of ordinal, _ordinal_step(category index, x, [thresholds, beta], number of categories, link, hessian, expected, prob_floor): prob_floor false is MADlib''s pass at unordered thresholds, its probabilities not floored (param K*16 + 12 + link + 2^24; such states never combine with floored ones).';
