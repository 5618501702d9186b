-- generalized linear models: glm (IRLS over rows packed once), glm_predict, usage

CREATE FUNCTION indb_ml.glm(source_table text, model_table text, dependent_varname text, independent_varname text,
                            family_params text, grouping_col text DEFAULT NULL, optim_params text DEFAULT NULL,
                            verbose boolean DEFAULT false)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.server.glm import glm
return glm(plpy, source_table, model_table, dependent_varname, independent_varname, family_params, grouping_col,
           optim_params, verbose)
$$;
COMMENT ON FUNCTION indb_ml.glm(text, text, text, text, text, text, text, boolean) IS
'Generalized linear model (MADlib glm): family_params ''family=poisson, link=log'' (gaussian, binomial, poisson, gamma, inverse_gaussian with their links), optim_params ''max_iter=100, optimizer=irls, tolerance=1e-6''; IRLS over the rows packed once. SELECT indb_ml.glm() shows the usage.';

CREATE FUNCTION indb_ml.glm() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.server.glm import glm_help
return glm_help()
$$;
COMMENT ON FUNCTION indb_ml.glm() IS 'Usage of indb_ml.glm.';

CREATE FUNCTION indb_ml.glm_predict(coef float8[], col_ind_var float8[], link text) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    eta float8 := indb_ml._model_dot(coef, col_ind_var, 'glm_predict');
BEGIN
    CASE pg_catalog.lower(link)
        WHEN 'identity' THEN RETURN eta;
        WHEN 'log' THEN RETURN pg_catalog.exp(LEAST(eta, 709));
        WHEN 'inverse' THEN RETURN 1 / eta;
        WHEN 'sqr_inverse' THEN RETURN 1 / pg_catalog.sqrt(eta);
        WHEN 'sqrt' THEN RETURN eta * eta;
        WHEN 'logit' THEN RETURN CASE WHEN eta > 700 THEN 1 WHEN eta < -700 THEN 0 ELSE 1 / (1 + pg_catalog.exp(-eta)) END;
        WHEN 'probit' THEN RETURN CASE WHEN eta > 38 THEN 1 WHEN eta < -38 THEN 0
                                       ELSE 0.5 * (1 + indb_ml._erf(eta / pg_catalog.sqrt(2))) END;
        ELSE RAISE EXCEPTION 'glm_predict: unknown link %', link USING ERRCODE = '22023',
            HINT = 'identity, log, inverse, sqr_inverse, sqrt, logit or probit';
    END CASE;
END
$$;
COMMENT ON FUNCTION indb_ml.glm_predict(float8[], float8[], text) IS
'The mean g⁻¹(coef . x) for a link (MADlib glm_predict); PL/pgSQL, IMMUTABLE and PARALLEL SAFE for views.';

CREATE FUNCTION indb_ml._erf(x float8) RETURNS float8
LANGUAGE plpython3u IMMUTABLE STRICT PARALLEL SAFE
AS $$
import math
return math.erf(x)
$$;
COMMENT ON FUNCTION indb_ml._erf(float8) IS 'Internal: the error function, for glm_predict''s probit link.';

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
