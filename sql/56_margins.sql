-- marginal effects of linear, logistic and multinomial logistic models (MADlib margins)

CREATE FUNCTION indb_ml.margins(model_table text, output_table text, x_design text DEFAULT NULL,
                                source_table text DEFAULT NULL, marginal_vars integer[] DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.margins import margins
return margins(plpy, model_table, output_table, x_design, source_table, marginal_vars)
$$;
COMMENT ON FUNCTION indb_ml.margins(text, text, text, text, integer[]) IS
'Average marginal effects of a linregr_train, logregr_train or mlogregr_train model (MADlib margins) over its source (or source_table); x_design names interaction and indicator terms (''1, age, i.female, female*age''). output_table has variables (1-based positions of basis terms; constant columns such as the intercept are left out), margins, std_err (delta method), z_stats, p_values; for mlogregr one row per non-reference category with category and ref_category; a grouped model gives one row per group, led by its grouping columns.';

CREATE FUNCTION indb_ml.margins(model_table text, output_table text, x_design text, source_table text,
                                marginal_vars text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.margins import margins
return margins(plpy, model_table, output_table, x_design, source_table, marginal_vars)
$$;
COMMENT ON FUNCTION indb_ml.margins(text, text, text, text, text) IS
'MADlib''s margins with marginal_vars as text: comma-separated identifiers of x_design''s basis terms (''3, 2'', ''tre''; without x_design the terms are named 1..k), NULL for every varying term. Same output as margins(..., integer[]). Five arguments and no defaults, so shorter calls keep resolving to the array form; a NULL or string literal in fifth place resolves here.';

CREATE FUNCTION indb_ml.margins(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("margins", message)
$$;
COMMENT ON FUNCTION indb_ml.margins(text) IS 'Usage of indb_ml.margins (''usage'' or any text; MADlib margins(message)).';

CREATE FUNCTION indb_ml.margins() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("margins", None)
$$;
COMMENT ON FUNCTION indb_ml.margins() IS 'Usage of indb_ml.margins (MADlib margins()).';

CREATE FUNCTION indb_ml._margins_transition(state bytea, x float8[], coef float8[], design integer[]) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_margins_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._margins_transition(bytea, float8[], float8[], integer[]) IS
'Internal: transition step of indb_ml._margins_state (C: each target term''s marginal effect at coef and its exact gradient in coef, summed; the minimum and maximum of every feature; rows with a NULL are counted as skipped).';

CREATE FUNCTION indb_ml._margins_combine(a bytea, b bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_margins_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._margins_combine(bytea, bytea) IS
'Internal: merge step of indb_ml._margins_state (minimum and maximum of the features, sums of the effects and gradients), in C.';

CREATE AGGREGATE indb_ml._margins_state(float8[], float8[], integer[]) (
    SFUNC = indb_ml._margins_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._margins_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._margins_state(float8[], float8[], integer[]) IS
'Internal: one pass of margins per group: (x, coefficients, the design written by indb_ml.margins) to the summed effects and delta-method Jacobians, finalized by the driver.';

-- MADlib's deprecated one-call forms (train, then margins): indb_ml/regress/margins_old.py
CREATE FUNCTION indb_ml.margins_logregr(source_table text, output_table text, dependent_variable text,
                                        independent_variable text, grouping_cols text DEFAULT NULL,
                                        marginal_vars integer[] DEFAULT NULL, max_iter integer DEFAULT 20,
                                        optimizer text DEFAULT 'irls', tolerance float8 DEFAULT 0.0001,
                                        verbose_mode boolean DEFAULT false)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.margins_old import margins_logregr
return margins_logregr(plpy, source_table, output_table, dependent_variable, independent_variable, grouping_cols,
                       marginal_vars, max_iter, optimizer, tolerance, verbose_mode)
$$;
COMMENT ON FUNCTION indb_ml.margins_logregr(text, text, text, text, text, integer[], integer, text, float8, boolean) IS
'MADlib''s deprecated margins_logregr: logregr_train into a temporary table, then the average marginal effects of every element of the independent array (the intercept included, as MADlib reports it) or of marginal_vars (1-based indices). output_table: margins, std_err, z_stats, p_values; output_table_summary: logregr_train''s summary. grouping_cols is ignored (as in MADlib) with a warning.';

CREATE FUNCTION indb_ml.margins_logregr() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.margins_old import usage
return usage("margins_logregr")
$$;
COMMENT ON FUNCTION indb_ml.margins_logregr() IS 'Usage of indb_ml.margins_logregr.';

CREATE FUNCTION indb_ml.margins_logregr(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.margins_old import usage
return usage("margins_logregr")
$$;
COMMENT ON FUNCTION indb_ml.margins_logregr(text) IS 'Usage of indb_ml.margins_logregr (any message, as MADlib''s ''usage'').';

CREATE FUNCTION indb_ml.margins_mlogregr(source_table text, output_table text, dependent_varname text,
                                         independent_varname text, ref_category integer DEFAULT 0,
                                         grouping_cols text DEFAULT NULL, marginal_vars integer[] DEFAULT NULL,
                                         optimizer_params text DEFAULT NULL, verbose_mode boolean DEFAULT false)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.margins_old import margins_mlogregr
return margins_mlogregr(plpy, source_table, output_table, dependent_varname, independent_varname, ref_category,
                        grouping_cols, marginal_vars, optimizer_params, verbose_mode)
$$;
COMMENT ON FUNCTION indb_ml.margins_mlogregr(text, text, text, text, integer, text, integer[], text, boolean) IS
'MADlib''s deprecated margins_mlogregr: mlogregr_train (ref_category, optimizer_params) into a temporary table, then the average marginal effects of every element of the independent array (the intercept included) or of marginal_vars (1-based indices). output_table: category, ref_category, margins, std_err, z_stats, p_values, one row per non-reference category; output_table_summary: mlogregr_train''s summary. grouping_cols is ignored (as in MADlib) with a warning.';

CREATE FUNCTION indb_ml.margins_mlogregr() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.margins_old import usage
return usage("margins_mlogregr")
$$;
COMMENT ON FUNCTION indb_ml.margins_mlogregr() IS 'Usage of indb_ml.margins_mlogregr.';

CREATE FUNCTION indb_ml.margins_mlogregr(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.margins_old import usage
return usage("margins_mlogregr")
$$;
COMMENT ON FUNCTION indb_ml.margins_mlogregr(text) IS 'Usage of indb_ml.margins_mlogregr (any message, as MADlib''s ''usage'').';
