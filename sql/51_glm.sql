-- generalized linear models: glm (IRLS by aggregate passes, or over rows packed once), its C step, glm_predict, usage

CREATE FUNCTION indb_ml.glm(source_table text, model_table text, dependent_varname text, independent_varname text,
                            family_params text, grouping_col text DEFAULT NULL, optim_params text DEFAULT NULL,
                            verbose boolean DEFAULT false,
                            OUT model_name text, OUT version integer, OUT tables text[])
RETURNS record LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.glm import glm
return glm(plpy, source_table, model_table, dependent_varname, independent_varname, family_params, grouping_col,
           optim_params, verbose)
$$;
COMMENT ON FUNCTION indb_ml.glm(text, text, text, text, text, text, text, boolean) IS
'Generalized linear model (MADlib glm): family_params ''family=poisson, link=log'' (gaussian, binomial, poisson, gamma, inverse_gaussian with their links), optim_params ''max_iter=100, optimizer=irls, tolerance=1e-6''; each IRLS iteration is one aggregate statement indb_ml._glm_step over the source, or on plain local tables the rows are packed once in memory (indb_ml.training_plan = auto|aggregate|memory). SELECT indb_ml.glm() shows the usage.';

CREATE FUNCTION indb_ml.glm() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.glm import glm_help
return glm_help()
$$;
COMMENT ON FUNCTION indb_ml.glm() IS 'Usage of indb_ml.glm.';

CREATE FUNCTION indb_ml.glm(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.glm import glm_help
return glm_help()
$$;
COMMENT ON FUNCTION indb_ml.glm(text) IS 'Usage of indb_ml.glm (''usage'' or any text; MADlib glm(message)).';

CREATE FUNCTION indb_ml.glm_predict(coef float8[], col_ind_var float8[], link text) RETURNS float8
AS 'MODULE_PATHNAME', 'indb_ml_glm_predict'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml.glm_predict(float8[], float8[], text) IS
'The mean g⁻¹(coef . x) for a link (MADlib glm_predict); C, IMMUTABLE and PARALLEL SAFE for views.';

CREATE FUNCTION indb_ml._normal_cdf(x float8) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    a float8 := abs(x);
    e float8;
    num float8;
    den float8;
    c float8;
BEGIN
    -- Hart's algorithm 5666 as given by West (2005): absolute error about 1e-16, no Python per row.
    IF a > 37 THEN
        c := 0;
    ELSE
        e := pg_catalog.exp(-a * a / 2);
        IF a < 7.07106781186547 THEN
            num := ((((((3.52624965998911e-02 * a + 0.700383064443688) * a + 6.37396220353165) * a
                   + 33.912866078383) * a + 112.079291497871) * a + 221.213596169931) * a + 220.206867912376);
            den := (((((((8.83883476483184e-02 * a + 1.75566716318264) * a + 16.064177579207) * a
                   + 86.7807322029461) * a + 296.564248779674) * a + 637.333633378831) * a + 793.826512519948) * a
                   + 440.413735824752);
            c := e * num / den;
        ELSE
            c := e / (a + 1 / (a + 2 / (a + 3 / (a + 4 / (a + 0.65))))) / 2.506628274631;
        END IF;
    END IF;
    RETURN CASE WHEN x > 0 THEN 1 - c ELSE c END;
END
$$;
COMMENT ON FUNCTION indb_ml._normal_cdf(float8) IS
'Internal: the standard normal CDF in PL/pgSQL (Hart 5666; absolute error about 1e-16), for the probit links of the predict functions.';

CREATE FUNCTION indb_ml.glm_predict_poisson(coef float8[], col_ind_var float8[], link text) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT pg_catalog.round(indb_ml.glm_predict(coef, col_ind_var, link)) $$;
COMMENT ON FUNCTION indb_ml.glm_predict_poisson(float8[], float8[], text) IS
'The predicted count: glm_predict rounded to the nearest integer (MADlib glm_predict_poisson); IMMUTABLE, PARALLEL SAFE.';

CREATE FUNCTION indb_ml.glm_predict_binomial(coef float8[], col_ind_var float8[], link text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT indb_ml.glm_predict(coef, col_ind_var, link) >= 0.5 $$;
COMMENT ON FUNCTION indb_ml.glm_predict_binomial(float8[], float8[], text) IS
'The predicted class: glm_predict >= 0.5 (MADlib glm_predict_binomial); IMMUTABLE, PARALLEL SAFE.';

CREATE FUNCTION indb_ml.glm_predict(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("glm_predict", message)
$$;
COMMENT ON FUNCTION indb_ml.glm_predict(text) IS 'Usage of indb_ml.glm_predict (''usage'' or any text; MADlib glm_predict(message)).';

CREATE FUNCTION indb_ml.glm_predict() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("glm_predict", None)
$$;
COMMENT ON FUNCTION indb_ml.glm_predict() IS 'Usage of indb_ml.glm_predict (MADlib glm_predict()).';

CREATE FUNCTION indb_ml.glm_predict_poisson(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("glm_predict_poisson", message)
$$;
COMMENT ON FUNCTION indb_ml.glm_predict_poisson(text) IS 'Usage of indb_ml.glm_predict_poisson (''usage'' or any text; MADlib glm_predict_poisson(message)).';

CREATE FUNCTION indb_ml.glm_predict_binomial(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("glm_predict_binomial", message)
$$;
COMMENT ON FUNCTION indb_ml.glm_predict_binomial(text) IS 'Usage of indb_ml.glm_predict_binomial (''usage'' or any text; MADlib glm_predict_binomial(message)).';

CREATE FUNCTION indb_ml._glm_step_transition(state bytea, y float8, x float8[], coef float8[], family integer,
                                             link integer, ymean float8) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_glm_step_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._glm_step_transition(bytea, float8, float8[], float8[], integer, integer, float8) IS
'Internal: transition step of indb_ml._glm_step (C: one IRLS step at coef; with coef and ymean NULL MADlib''s start mu = init(y) of the link (glm''s first iteration); with coef NULL and ymean given statsmodels'' start mu = (y + ymean) / 2; rows with a NULL are counted as skipped; the dependent is checked for the family).';

CREATE FUNCTION indb_ml._glm_step_combine(a bytea, b bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_glm_step_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._glm_step_combine(bytea, bytea) IS
'Internal: merge step of indb_ml._glm_step (C: the sums of two partial states add; the family and link must agree).';

CREATE AGGREGATE indb_ml._glm_step(float8, float8[], float8[], integer, integer, float8) (
    SFUNC = indb_ml._glm_step_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._glm_step_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._glm_step(float8, float8[], float8[], integer, integer, float8) IS
'Internal: one IRLS pass of glm (y, x, coef, family, link, ymean; families and links numbered as indb_ml.kernels.glm): X''WX, X''Wz, Pearson chi2 and the log-likelihood sums as a bytea state, parsed by the driver. C per-row steps with a combine step: runs in parallel workers, per partition and on Citus shards.';

CREATE FUNCTION indb_ml.create_indicator_variables(source_table text, out_table text, categorical_cols text,
                                                   keep_null boolean DEFAULT false) RETURNS void
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.indicator_variables import create_indicator_variables
create_indicator_variables(plpy, source_table, out_table, categorical_cols, keep_null)
$$;
COMMENT ON FUNCTION indb_ml.create_indicator_variables(text, text, text, boolean) IS
'Dummy coding (MADlib create_indicator_variables): out_table gets every source column plus one integer column <column>_<value> per distinct non-NULL value of each categorical column (1 where equal, else 0); a NULL value gives NULL indicators, or with keep_null 0 and a column <column>_NULL. One CREATE TABLE AS.';

CREATE FUNCTION indb_ml.create_indicator_variables(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.indicator_variables import indicator_variables_help
return indicator_variables_help(message)
$$;
COMMENT ON FUNCTION indb_ml.create_indicator_variables(text) IS 'Usage of indb_ml.create_indicator_variables.';

CREATE FUNCTION indb_ml.create_indicator_variables() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.indicator_variables import indicator_variables_help
return indicator_variables_help()
$$;
COMMENT ON FUNCTION indb_ml.create_indicator_variables() IS 'Usage of indb_ml.create_indicator_variables.';
