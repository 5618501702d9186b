-- Huber-White (HC0) robust variances for linear and logistic regression (MADlib robust_variance_*)

CREATE FUNCTION indb_ml.robust_variance_linregr(source_table text, out_table text, dependent_varname text,
                                                independent_varname text, grouping_cols text DEFAULT NULL,
                                                verbose_mode boolean DEFAULT false,
                                                OUT model_name text, OUT version integer, OUT tables text[])
RETURNS record LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.robust import robust_variance_linregr
return robust_variance_linregr(plpy, source_table, out_table, dependent_varname, independent_varname, grouping_cols)
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_linregr(text, text, text, text, text, boolean) IS
'OLS with Huber-White (HC0) standard errors (MADlib robust_variance_linregr): out_table has coef, std_err, t_stats, p_values (normal, as statsmodels), num_rows_processed, num_missing_rows_skipped. verbose_mode is MADlib''s argument and is accepted (indb_ml reports its warnings either way). SELECT indb_ml.robust_variance_linregr() shows the usage.';

CREATE FUNCTION indb_ml.robust_variance_linregr() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("robust_variance_linregr")
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_linregr() IS 'Usage of indb_ml.robust_variance_linregr.';

CREATE FUNCTION indb_ml.robust_variance_linregr(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("robust_variance_linregr", message)
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_linregr(text) IS 'Usage of indb_ml.robust_variance_linregr (any message, as MADlib''s ''usage'').';

CREATE FUNCTION indb_ml.robust_variance_logregr(source_table text, out_table text, dependent_varname text,
                                                independent_varname text, grouping_cols text DEFAULT NULL,
                                                max_iter integer DEFAULT 20, optimizer text DEFAULT 'irls',
                                                tolerance float8 DEFAULT 0.0001, verbose_mode boolean DEFAULT false,
                                                OUT model_name text, OUT version integer, OUT tables text[])
RETURNS record LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.robust import robust_variance_logregr
return robust_variance_logregr(plpy, source_table, out_table, dependent_varname, independent_varname, grouping_cols,
                               max_iter, optimizer, tolerance)
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_logregr(text, text, text, text, text, integer, text, float8, boolean) IS
'Logistic regression with Huber-White (HC0) standard errors (MADlib robust_variance_logregr): out_table has coef, std_err, z_stats, p_values, num_rows_processed, num_missing_rows_skipped. verbose_mode is MADlib''s argument and is accepted (indb_ml reports its warnings either way). SELECT indb_ml.robust_variance_logregr() shows the usage.';

CREATE FUNCTION indb_ml.robust_variance_logregr() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("robust_variance_logregr")
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_logregr() IS 'Usage of indb_ml.robust_variance_logregr.';

CREATE FUNCTION indb_ml.robust_variance_logregr(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("robust_variance_logregr", message)
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_logregr(text) IS 'Usage of indb_ml.robust_variance_logregr (any message, as MADlib''s ''usage'').';

CREATE FUNCTION indb_ml.clustered_variance_linregr(source_table text, out_table text, dependent_varname text,
                                                   independent_varname text, clustervar text,
                                                   grouping_col text DEFAULT NULL,
                                                   OUT model_name text, OUT version integer, OUT tables text[])
RETURNS record LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.robust import clustered_variance_linregr
return clustered_variance_linregr(plpy, source_table, out_table, dependent_varname, independent_varname, clustervar,
                                  grouping_col)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_linregr(text, text, text, text, text, text) IS
'OLS with cluster-robust standard errors (MADlib clustered_variance_linregr; clustervar: ''col1, col2''; grouping_col as in MADlib, which does not implement it: NULL only); MADlib''s and statsmodels'' small-sample factor G/(G-1) (N-1)/(N-K); out_table: coef, std_err, t_stats, p_values (Student t with N-K degrees of freedom, as MADlib), num_clusters, num_rows_processed, num_missing_rows_skipped.';

CREATE FUNCTION indb_ml.clustered_variance_linregr(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("clustered_variance_linregr", message)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_linregr(text) IS 'Usage of indb_ml.clustered_variance_linregr (''usage'' or any text; MADlib clustered_variance_linregr(message)).';

CREATE FUNCTION indb_ml.clustered_variance_linregr() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("clustered_variance_linregr", None)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_linregr() IS 'Usage of indb_ml.clustered_variance_linregr (MADlib clustered_variance_linregr()).';

CREATE FUNCTION indb_ml.clustered_variance_logregr(source_table text, out_table text, dependent_varname text,
                                                   independent_varname text, clustervar text,
                                                   grouping_col text DEFAULT NULL, max_iter integer DEFAULT 20,
                                                   optimizer text DEFAULT 'irls', tolerance float8 DEFAULT 0.0001,
                                                   verbose_mode boolean DEFAULT false,
                                                   OUT model_name text, OUT version integer, OUT tables text[])
RETURNS record LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.robust import clustered_variance_logregr
return clustered_variance_logregr(plpy, source_table, out_table, dependent_varname, independent_varname, clustervar,
                                  max_iter, optimizer, tolerance, grouping_col=grouping_col, verbose=verbose_mode)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_logregr(text, text, text, text, text, text, integer, text, float8, boolean) IS
'Logistic regression with cluster-robust standard errors (MADlib clustered_variance_logregr, MADlib''s argument order: clustervar, grouping_col (NULL only, as MADlib does not implement it), max_iter, optimizer, tolerance, verbose_mode); out_table: coef, std_err, z_stats, p_values, num_clusters, num_rows_processed, num_missing_rows_skipped.';

CREATE FUNCTION indb_ml.clustered_variance_logregr(source_table text, out_table text, dependent_varname text,
                                                   independent_varname text, clustervar text, max_iter integer,
                                                   optimizer text DEFAULT 'irls', tolerance float8 DEFAULT 0.0001,
                                                   OUT model_name text, OUT version integer, OUT tables text[])
RETURNS record LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.robust import clustered_variance_logregr
return clustered_variance_logregr(plpy, source_table, out_table, dependent_varname, independent_varname, clustervar,
                                  max_iter, optimizer, tolerance)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_logregr(text, text, text, text, text, integer, text, float8) IS
'indb_ml.clustered_variance_logregr with max_iter right after clustervar (no grouping_col): the form of indb_ml before MADlib''s order was taken.';

CREATE FUNCTION indb_ml.clustered_variance_logregr(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("clustered_variance_logregr", message)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_logregr(text) IS 'Usage of indb_ml.clustered_variance_logregr (''usage'' or any text; MADlib clustered_variance_logregr(message)).';

CREATE FUNCTION indb_ml.clustered_variance_logregr() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("clustered_variance_logregr", None)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_logregr() IS 'Usage of indb_ml.clustered_variance_logregr (MADlib clustered_variance_logregr()).';

-- Per-row C steps (src/sandwich.c): sums of scores at given coefficients, one aggregate pass each.

CREATE FUNCTION indb_ml._hc0_linear_transition(state bytea, y float8, x float8[], coef float8[]) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_hc0_linear_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._hc0_linear_transition(bytea, float8, float8[], float8[]) IS
'Internal: transition step of indb_ml._hc0_linear (C: sums of e x and e^2 x x^T with e = y - x.coef; rows with a NULL are counted as skipped).';

CREATE FUNCTION indb_ml._hc0_logit_transition(state bytea, y float8, x float8[], coef float8[]) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_hc0_logit_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._hc0_logit_transition(bytea, float8, float8[], float8[]) IS
'Internal: transition step of indb_ml._hc0_logit (C: sums of (y - p) x and (y - p)^2 x x^T, p the logistic of x.coef; y must be 0 or 1).';

CREATE FUNCTION indb_ml._sandwich_combine(a bytea, b bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_sandwich_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._sandwich_combine(bytea, bytea) IS
'Internal: merge step of the sandwich aggregates (_hc0_linear, _hc0_logit, _cluster_meat): the sums add up, in C.';

CREATE AGGREGATE indb_ml._hc0_linear(float8, float8[], float8[]) (
    SFUNC = indb_ml._hc0_linear_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._sandwich_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._hc0_linear(float8, float8[], float8[]) IS
'Internal: the HC0 meat of a linear model at coef (sum of e^2 x x^T) and its score sum, per group: one pass of robust_variance_linregr.';

CREATE AGGREGATE indb_ml._hc0_logit(float8, float8[], float8[]) (
    SFUNC = indb_ml._hc0_logit_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._sandwich_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._hc0_logit(float8, float8[], float8[]) IS
'Internal: the HC0 meat of a logistic model at coef (sum of (y - p)^2 x x^T) and its score sum, per group: a pass of robust_variance_logregr.';

CREATE FUNCTION indb_ml._scores_linear_transition(state bytea, y float8, x float8[], coef float8[]) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_scores_linear_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._scores_linear_transition(bytea, float8, float8[], float8[]) IS
'Internal: transition step of indb_ml._scores_linear (C: the sum of e x, e = y - x.coef).';

CREATE FUNCTION indb_ml._scores_logit_transition(state bytea, y float8, x float8[], coef float8[]) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_scores_logit_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._scores_logit_transition(bytea, float8, float8[], float8[]) IS
'Internal: transition step of indb_ml._scores_logit (C: the sum of (y - p) x, p the logistic of x.coef).';

CREATE FUNCTION indb_ml._score_combine(a bytea, b bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_score_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._score_combine(bytea, bytea) IS
'Internal: merge step of the score-sum aggregates (_scores_linear, _scores_logit): the sums add up, in C.';

CREATE AGGREGATE indb_ml._scores_linear(float8, float8[], float8[]) (
    SFUNC = indb_ml._scores_linear_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._score_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._scores_linear(float8, float8[], float8[]) IS
'Internal: one cluster''s score sum of a linear model at coef (the inner aggregate of clustered_variance_linregr, GROUP BY the cluster columns).';

CREATE AGGREGATE indb_ml._scores_logit(float8, float8[], float8[]) (
    SFUNC = indb_ml._scores_logit_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._score_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._scores_logit(float8, float8[], float8[]) IS
'Internal: one cluster''s score sum of a logistic model at coef (the inner aggregate of clustered_variance_logregr).';

CREATE FUNCTION indb_ml._score_rows(state bytea) RETURNS bigint
AS 'MODULE_PATHNAME', 'indb_ml_score_rows'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._score_rows(bytea) IS
'Internal: the rows folded into a score-sum state (0 for NULL): counts the clusters that have rows.';

CREATE FUNCTION indb_ml._cluster_meat_transition(state bytea, scores bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_cluster_meat_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._cluster_meat_transition(bytea, bytea) IS
'Internal: transition step of indb_ml._cluster_meat (C: adds one cluster''s score sum s and s s^T).';

CREATE AGGREGATE indb_ml._cluster_meat(bytea) (
    SFUNC = indb_ml._cluster_meat_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._sandwich_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._cluster_meat(bytea) IS
'Internal: the clustered meat, the sum of the outer products of the clusters'' score sums (the outer aggregate over _scores_linear / _scores_logit per cluster).';

CREATE FUNCTION indb_ml._logit_newton_transition(state bytea, y float8, x float8[], coef float8[],
                                                 weight_floor float8) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_logit_newton_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._logit_newton_transition(bytea, float8, float8[], float8[], float8) IS
'Internal: transition step of indb_ml._logit_newton (C: log-likelihood, gradient and Hessian of the logistic model at coef, the weights p(1-p) floored at weight_floor).';

CREATE FUNCTION indb_ml._logit_newton_combine(a bytea, b bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_logit_newton_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._logit_newton_combine(bytea, bytea) IS
'Internal: merge step of indb_ml._logit_newton: the sums add up, in C.';

CREATE AGGREGATE indb_ml._logit_newton(float8, float8[], float8[], float8) (
    SFUNC = indb_ml._logit_newton_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._logit_newton_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._logit_newton(float8, float8[], float8[], float8) IS
'Internal: one Newton pass of the logistic log-likelihood at coef per group (robust and clustered logistic variances, cross-validation, the binomial elastic net on the aggregate path).';

CREATE FUNCTION indb_ml._logit_newton_folds_transition(state bytea, y float8, x float8[], fold integer,
                                                       coefs float8[], weight_floor float8) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_logit_newton_folds_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._logit_newton_folds_transition(bytea, float8, float8[], integer, float8[], float8) IS
'Internal: transition step of indb_ml._logit_newton_folds (C: the row is added to the logistic Newton sums of every fold''s model but its own fold''s, at that model''s coefficients).';

CREATE AGGREGATE indb_ml._logit_newton_folds(float8, float8[], integer, float8[], float8) (
    SFUNC = indb_ml._logit_newton_folds_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._score_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._logit_newton_folds(float8, float8[], integer, float8[], float8) IS
'Internal: one Newton pass of every cross-validation fold''s logistic model (each trained on the other folds) in one scan: (y, x, the row''s fold, the folds'' coefficients one block each, NaN-led blocks skipped, weight floor).';

-- MADlib's robust_linregr aggregate: indb_ml/regress/robust_agg.py
CREATE TYPE indb_ml.robust_linregr_result AS (
    coef float8[],
    std_err float8[],
    t_stats float8[],
    p_values float8[]
);
COMMENT ON TYPE indb_ml.robust_linregr_result IS 'Result of the indb_ml.robust_linregr aggregate (MADlib robust_linregr_result).';

CREATE TYPE indb_ml._robust_linregr_state AS (moments bytea, meat bytea, coef float8[]);
COMMENT ON TYPE indb_ml._robust_linregr_state IS 'Internal: state of indb_ml.robust_linregr: co-moments of [y, x], the HC0 meat at coef, and coef.';

CREATE FUNCTION indb_ml._robust_linregr_transition(state indb_ml._robust_linregr_state, y float8, x float8[],
                                                   coef float8[])
RETURNS indb_ml._robust_linregr_state LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT ROW(indb_ml._linregr_transition(state.moments, y, x),
           indb_ml._hc0_linear_transition(state.meat, y, x, coef),
           coalesce(state.coef, coef))::indb_ml._robust_linregr_state
$$;
COMMENT ON FUNCTION indb_ml._robust_linregr_transition(indb_ml._robust_linregr_state, float8, float8[], float8[]) IS
'Internal: transition step of indb_ml.robust_linregr: the C steps of linregr (co-moments) and of the HC0 meat at coef.';

CREATE FUNCTION indb_ml._robust_linregr_combine(a indb_ml._robust_linregr_state, b indb_ml._robust_linregr_state)
RETURNS indb_ml._robust_linregr_state LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT ROW(indb_ml._comoment_combine(a.moments, b.moments), indb_ml._sandwich_combine(a.meat, b.meat),
           coalesce(a.coef, b.coef))::indb_ml._robust_linregr_state
$$;
COMMENT ON FUNCTION indb_ml._robust_linregr_combine(indb_ml._robust_linregr_state, indb_ml._robust_linregr_state) IS
'Internal: merge step of indb_ml.robust_linregr (the C merges of the co-moments and of the meat).';

CREATE FUNCTION indb_ml._robust_linregr_final(state indb_ml._robust_linregr_state) RETURNS indb_ml.robust_linregr_result
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.robust_agg import robust_linregr_final
return robust_linregr_final(plpy, state)
$$;
COMMENT ON FUNCTION indb_ml._robust_linregr_final(indb_ml._robust_linregr_state) IS 'Internal: final step of indb_ml.robust_linregr (once per group, in numpy).';

CREATE AGGREGATE indb_ml.robust_linregr(float8, float8[], float8[]) (
    SFUNC = indb_ml._robust_linregr_transition,
    STYPE = indb_ml._robust_linregr_state,
    COMBINEFUNC = indb_ml._robust_linregr_combine,
    FINALFUNC = indb_ml._robust_linregr_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml.robust_linregr(float8, float8[], float8[]) IS
'Huber-White (HC0) standard errors of a linear model as an aggregate (MADlib robust_linregr): (indb_ml.robust_linregr(y, ARRAY[1, x1, x2], coef)).* gives coef, std_err, t_stats, p_values; coef is usually (indb_ml.linregr(y, x)).coef.';
