-- BI tools: fits that write nothing (*_fit), models by name (predict, model_coefficients), typed views, read access

-- Fits that return the model as rows. Each runs its trainer's code (same checks, plans and numbers) with the
-- writes captured, inside a read-only subtransaction that is rolled back: no table, summary or catalog row is
-- made, so they work in a read-only transaction (a BI tool's SQL editor) and in CREATE TABLE ... AS.
-- indb_ml/regress/fit_rows.py. The group of each row is group_key (jsonb; NULL without grouping).

CREATE FUNCTION indb_ml.linregr_fit(source_table text, dependent_varname text, independent_varname text,
                                    grouping_cols text DEFAULT NULL, heteroskedasticity_option boolean DEFAULT false)
RETURNS TABLE (group_key jsonb, coef float8[], r2 float8, std_err float8[], t_stats float8[], p_values float8[],
               condition_no float8, num_rows_processed bigint, num_missing_rows_skipped bigint,
               variance_covariance float8[], bp_stats float8, bp_p_value float8)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
from indb_ml.regress.fit_rows import linregr_fit
return linregr_fit(plpy, source_table, dependent_varname, independent_varname, grouping_cols,
                   heteroskedasticity_option)
$$;
COMMENT ON FUNCTION indb_ml.linregr_fit(text, text, text, text, boolean) IS
'linregr_train''s model returned as rows (one per group), nothing written: works in a read-only transaction and in CREATE TABLE AS. bp_stats and bp_p_value are NULL unless heteroskedasticity_option.';

CREATE FUNCTION indb_ml.logregr_fit(source_table text, dependent_varname text, independent_varname text,
                                    grouping_cols text DEFAULT NULL, max_iter integer DEFAULT 20,
                                    optimizer text DEFAULT 'irls', tolerance float8 DEFAULT 0.0001,
                                    verbose boolean DEFAULT false)
RETURNS TABLE (group_key jsonb, coef float8[], log_likelihood float8, std_err float8[], z_stats float8[],
               p_values float8[], odds_ratios float8[], condition_no float8, num_rows_processed bigint,
               num_missing_rows_skipped bigint, num_iterations integer, variance_covariance float8[], status text)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
from indb_ml.regress.fit_rows import logregr_fit
return logregr_fit(plpy, source_table, dependent_varname, independent_varname, grouping_cols, max_iter, optimizer,
                   tolerance, verbose)
$$;
COMMENT ON FUNCTION indb_ml.logregr_fit(text, text, text, text, integer, text, float8, boolean) IS
'logregr_train''s model returned as rows (one per group), nothing written: works in a read-only transaction and in CREATE TABLE AS (optimizer igd, which streams through temporary tables, is refused).';

CREATE FUNCTION indb_ml.glm_fit(source_table text, dependent_varname text, independent_varname text,
                                family_params text, grouping_col text DEFAULT NULL, optim_params text DEFAULT NULL,
                                verbose boolean DEFAULT false)
RETURNS TABLE (group_key jsonb, coef float8[], log_likelihood float8, std_err float8[], t_stats float8[],
               z_stats float8[], p_values float8[], dispersion float8, num_rows_processed bigint,
               num_rows_skipped bigint, num_iterations integer, status text)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
from indb_ml.regress.fit_rows import glm_fit
return glm_fit(plpy, source_table, dependent_varname, independent_varname, family_params, grouping_col,
               optim_params, verbose)
$$;
COMMENT ON FUNCTION indb_ml.glm_fit(text, text, text, text, text, text, boolean) IS
'glm''s model returned as rows (one per group), nothing written: works in a read-only transaction and in CREATE TABLE AS. t_stats (families with a dispersion) or z_stats (binomial, poisson) is set, the other NULL.';

CREATE FUNCTION indb_ml.mlogregr_fit(source_table text, dependent_varname text, independent_varname text,
                                     ref_category integer DEFAULT 0, optimizer_params text DEFAULT NULL)
RETURNS TABLE (category integer, coef float8[], log_likelihood float8, std_err float8[], z_stats float8[],
               p_values float8[], odds_ratios float8[], condition_no float8, num_iterations integer,
               num_rows_processed bigint, num_rows_skipped bigint, variance_covariance float8[], status text)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
from indb_ml.regress.fit_rows import mlogregr_fit
return mlogregr_fit(plpy, source_table, dependent_varname, independent_varname, ref_category, optimizer_params)
$$;
COMMENT ON FUNCTION indb_ml.mlogregr_fit(text, text, text, integer, text) IS
'mlogregr_train''s model returned as rows (one per non-reference category), nothing written.';

CREATE FUNCTION indb_ml.multinom_fit(source_table text, dependent_varname text, independent_varname text,
                                     ref_category text DEFAULT NULL, link_func text DEFAULT 'logit',
                                     grouping_col text DEFAULT NULL, optim_params text DEFAULT NULL,
                                     verbose boolean DEFAULT false)
RETURNS TABLE (group_key jsonb, category varchar, coef float8[], log_likelihood float8, std_err float8[],
               z_stats float8[], p_values float8[], num_rows_processed bigint, num_rows_skipped bigint,
               num_iterations integer, status text)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
from indb_ml.regress.fit_rows import multinom_fit
return multinom_fit(plpy, source_table, dependent_varname, independent_varname, ref_category, link_func,
                    grouping_col, optim_params, verbose)
$$;
COMMENT ON FUNCTION indb_ml.multinom_fit(text, text, text, text, text, text, text, boolean) IS
'multinom''s model returned as rows (one per group and non-reference category, category varchar as multinom writes it), nothing written.';

CREATE FUNCTION indb_ml.multinom_fit(source_table text, dependent_varname text, independent_varname text,
                                     ref_category integer, link_func text DEFAULT 'logit',
                                     grouping_col text DEFAULT NULL, optim_params text DEFAULT NULL,
                                     verbose boolean DEFAULT false)
RETURNS TABLE (group_key jsonb, category varchar, coef float8[], log_likelihood float8, std_err float8[],
               z_stats float8[], p_values float8[], num_rows_processed bigint, num_rows_skipped bigint,
               num_iterations integer, status text)
LANGUAGE sql VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
SELECT * FROM indb_ml.multinom_fit($1, $2, $3, $4::text, $5, $6, $7, $8)
$$;
COMMENT ON FUNCTION indb_ml.multinom_fit(text, text, text, integer, text, text, text, boolean) IS
'multinom_fit with an integer ref_category (indb_ml''s earlier form): the same as passing it as text.';

CREATE FUNCTION indb_ml.ordinal_fit(source_table text, dependent_varname text, independent_varname text,
                                    cat_order text, link_func text DEFAULT 'logit', grouping_col text DEFAULT NULL,
                                    verbose boolean DEFAULT false)
RETURNS TABLE (group_key jsonb, coef_threshold float8[], std_err_threshold float8[], z_stats_threshold float8[],
               p_values_threshold float8[], log_likelihood float8, coef_feature float8[], std_err_feature float8[],
               z_stats_feature float8[], p_values_feature float8[], num_rows_processed bigint, num_rows_skipped bigint,
               num_iterations integer)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
from indb_ml.regress.fit_rows import ordinal_fit
return ordinal_fit(plpy, source_table, dependent_varname, independent_varname, cat_order, link_func, grouping_col,
                   verbose)
$$;
COMMENT ON FUNCTION indb_ml.ordinal_fit(text, text, text, text, text, text, boolean) IS
'ordinal''s model returned as rows (one per group), nothing written.';

CREATE FUNCTION indb_ml.elastic_net_fit(tbl_source text, col_dep_var text, col_ind_var text, regress_family text,
                                        alpha float8, lambda_value float8, standardize boolean DEFAULT true,
                                        grouping_col text DEFAULT NULL, optimizer text DEFAULT 'fista',
                                        optimizer_params text DEFAULT NULL, excluded text DEFAULT NULL,
                                        max_iter integer DEFAULT 1000, tolerance float8 DEFAULT 0.000001)
RETURNS TABLE (group_key jsonb, family text, features text[], features_selected text[], coef_nonzero float8[],
               coef_all float8[], intercept float8, log_likelihood float8, iteration_run integer)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
from indb_ml.regress.fit_rows import elastic_net_fit
return elastic_net_fit(plpy, tbl_source, col_dep_var, col_ind_var, regress_family, alpha, lambda_value, standardize,
                       grouping_col, optimizer, optimizer_params, excluded, max_iter, tolerance)
$$;
COMMENT ON FUNCTION indb_ml.elastic_net_fit(text, text, text, text, float8, float8, boolean, text, text, text, text, integer, float8) IS
'elastic_net_train''s model returned as rows (one per group), nothing written (optimizer_params validation_result, a table, is refused).';

CREATE FUNCTION indb_ml.robust_variance_linregr_fit(source_table text, dependent_varname text,
                                                    independent_varname text, grouping_cols text DEFAULT NULL)
RETURNS TABLE (group_key jsonb, coef float8[], std_err float8[], t_stats float8[], p_values float8[],
               num_rows_processed bigint, num_missing_rows_skipped bigint)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
from indb_ml.regress.fit_rows import robust_variance_fit
return robust_variance_fit(plpy, "linregr", source_table, dependent_varname, independent_varname, grouping_cols)
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_linregr_fit(text, text, text, text) IS
'robust_variance_linregr''s model returned as rows (one per group), nothing written.';

CREATE FUNCTION indb_ml.robust_variance_logregr_fit(source_table text, dependent_varname text,
                                                    independent_varname text, grouping_cols text DEFAULT NULL,
                                                    max_iter integer DEFAULT 20, optimizer text DEFAULT 'irls',
                                                    tolerance float8 DEFAULT 0.0001)
RETURNS TABLE (group_key jsonb, coef float8[], std_err float8[], z_stats float8[], p_values float8[],
               num_rows_processed bigint, num_missing_rows_skipped bigint)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
from indb_ml.regress.fit_rows import robust_variance_fit
return robust_variance_fit(plpy, "logregr", source_table, dependent_varname, independent_varname, grouping_cols,
                           max_iter, optimizer, tolerance)
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_logregr_fit(text, text, text, text, integer, text, float8) IS
'robust_variance_logregr''s model returned as rows (one per group), nothing written.';

CREATE FUNCTION indb_ml.robust_variance_mlogregr_fit(source_table text, dependent_varname text,
                                                     independent_varname text, ref_category integer DEFAULT 0,
                                                     grouping_cols text DEFAULT NULL,
                                                     optimizer_params text DEFAULT NULL)
RETURNS TABLE (group_key jsonb, category integer, coef float8[], std_err float8[], z_stats float8[],
               p_values float8[], num_rows_processed bigint, num_missing_rows_skipped bigint)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
from indb_ml.regress.fit_rows import robust_variance_fit
return robust_variance_fit(plpy, "mlogregr", source_table, dependent_varname, independent_varname, ref_category,
                           grouping_cols, optimizer_params)
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_mlogregr_fit(text, text, text, integer, text, text) IS
'robust_variance_mlogregr''s model returned as rows (one per group and non-reference category), nothing written.';

CREATE FUNCTION indb_ml.clustered_variance_linregr_fit(source_table text, dependent_varname text,
                                                       independent_varname text, clustervar text)
RETURNS TABLE (coef float8[], std_err float8[], t_stats float8[], p_values float8[], num_clusters integer,
               num_rows_processed bigint, num_missing_rows_skipped bigint)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 1
AS $$
from indb_ml.regress.fit_rows import clustered_variance_fit
return clustered_variance_fit(plpy, "linregr", source_table, dependent_varname, independent_varname, clustervar)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_linregr_fit(text, text, text, text) IS
'clustered_variance_linregr''s model returned as a row, nothing written.';

CREATE FUNCTION indb_ml.clustered_variance_logregr_fit(source_table text, dependent_varname text,
                                                       independent_varname text, clustervar text,
                                                       max_iter integer DEFAULT 20, optimizer text DEFAULT 'irls',
                                                       tolerance float8 DEFAULT 0.0001)
RETURNS TABLE (coef float8[], std_err float8[], z_stats float8[], p_values float8[], num_clusters integer,
               num_rows_processed bigint, num_missing_rows_skipped bigint)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 1
AS $$
from indb_ml.regress.fit_rows import clustered_variance_fit
return clustered_variance_fit(plpy, "logregr", source_table, dependent_varname, independent_varname, clustervar,
                              max_iter, optimizer, tolerance)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_logregr_fit(text, text, text, text, integer, text, float8) IS
'clustered_variance_logregr''s model returned as a row, nothing written.';

CREATE FUNCTION indb_ml.clustered_variance_mlogregr_fit(source_table text, dependent_varname text,
                                                        independent_varname text, clustervar text,
                                                        ref_category integer DEFAULT 0,
                                                        optimizer_params text DEFAULT NULL)
RETURNS TABLE (category integer, coef float8[], std_err float8[], z_stats float8[], p_values float8[],
               num_clusters integer, num_rows_processed bigint, num_missing_rows_skipped bigint)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
from indb_ml.regress.fit_rows import clustered_variance_fit
return clustered_variance_fit(plpy, "mlogregr", source_table, dependent_varname, independent_varname, clustervar,
                              ref_category, optimizer_params)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_mlogregr_fit(text, text, text, text, integer, text) IS
'clustered_variance_mlogregr''s model returned as rows (one per non-reference category), nothing written.';

-- Models by name (indb_ml/models/by_name.py): the feature expressions and grouping stored with each version in
-- indb_ml.models are parsed again and rendered into one query, which PL/pgSQL runs as the caller; the per-row
-- work is the C predict functions.

CREATE FUNCTION indb_ml._predict_sql(model_name text, source text, id_column text, version integer) RETURNS text
LANGUAGE plpython3u STABLE PARALLEL UNSAFE
AS $$
from indb_ml.models.by_name import predict_sql
return predict_sql(plpy, model_name, source, id_column, version)
$$;
COMMENT ON FUNCTION indb_ml._predict_sql(text, text, text, integer) IS
'Internal: the query of indb_ml.predict, built from the catalog''s feature expressions (parsed again, quoted by indb_ml).';

CREATE FUNCTION indb_ml.predict(model_name text, source text, id_column text, version integer DEFAULT NULL)
RETURNS TABLE (id text, prediction float8, probability float8, category text)
LANGUAGE plpgsql STABLE PARALLEL UNSAFE
AS $$
BEGIN
    RETURN QUERY EXECUTE indb_ml._predict_sql(model_name, source, id_column, version);
END
$$;
COMMENT ON FUNCTION indb_ml.predict(text, text, text, integer) IS
'Score every row of source (a table or view) with a model by name: version NULL is the deployed version (else the latest not retired). The features are computed from the expressions stored with that version, in its order; id is id_column as text. linregr and elastic_net gaussian: prediction; logregr, glm binomial, elastic_net binomial: probability and prediction (probability >= 0.5, as 1 or 0); other glm families: the mean response; multinom, mlogregr_train and ordinal: the most probable category as category (text), its probability, and as prediction the category (multinom, mlogregr: integers) or its rank 1..K in cat_order (ordinal); category is NULL for the other models. A row with a NULL feature, or of a group without a model, gets NULL. The model''s tables must be readable by the caller (indb_ml.model_grant).';

-- The same under a name no SQL parser reads as something else: sqlglot (inside Apache Superset, which re-renders
-- every query) takes "FROM predict(...)" for BigQuery ML's PREDICT(MODEL ..., TABLE ...) and rewrites it.
CREATE FUNCTION indb_ml.score(model_name text, source text, id_column text, version integer DEFAULT NULL)
RETURNS TABLE (id text, prediction float8, probability float8, category text)
LANGUAGE plpgsql STABLE PARALLEL UNSAFE
AS $$
BEGIN
    RETURN QUERY EXECUTE indb_ml._predict_sql(model_name, source, id_column, version);
END
$$;
COMMENT ON FUNCTION indb_ml.score(text, text, text, integer) IS
'indb_ml.predict under another name, same arguments and rows: for BI tools that parse SQL (Apache Superset re-renders every query with sqlglot, which rewrites "FROM predict(...)" as BigQuery ML''s PREDICT and breaks it); SELECT * FROM indb_ml.score(''houses_model'', ''houses'', ''id'') works there as written.';

CREATE FUNCTION indb_ml._coefficients_sql(model_name text, version integer, strict boolean) RETURNS text
LANGUAGE plpython3u STABLE PARALLEL UNSAFE
AS $$
from indb_ml.models.by_name import coefficients_sql
return coefficients_sql(plpy, model_name, version, strict)
$$;
COMMENT ON FUNCTION indb_ml._coefficients_sql(text, integer, boolean) IS
'Internal: the query of indb_ml.model_coefficients (not strict: no rows instead of an error, for the views).';

CREATE FUNCTION indb_ml.model_coefficients(model_name text, version integer DEFAULT NULL)
RETURNS TABLE (group_key jsonb, category text, term_index integer, term text, coef float8, std_err float8,
               statistic float8, p_value float8, odds_ratio float8)
LANGUAGE plpgsql STABLE PARALLEL UNSAFE
AS $$
BEGIN
    RETURN QUERY EXECUTE indb_ml._coefficients_sql(model_name, version, true);
END
$$;
COMMENT ON FUNCTION indb_ml.model_coefficients(text, integer) IS
'One row per coefficient of a model by name (version NULL: the deployed one, else the latest not retired): its group (jsonb), category (multinomial models; text, as MADlib''s multinom categories are varchar: ''2'' or ''high''), position, term name (''intercept'' for the constant 1, the column or the expression), coef, std_err, statistic (t or z), p_value, and odds_ratio = exp(coef) for logistic models. Ordinal models list their thresholds after the features; elastic net its intercept first.';

CREATE FUNCTION indb_ml._model_coefficients(model_name text, version integer)
RETURNS TABLE (group_key jsonb, category text, term_index integer, term text, coef float8, std_err float8,
               statistic float8, p_value float8, odds_ratio float8)
LANGUAGE plpgsql STABLE PARALLEL UNSAFE
AS $$
BEGIN
    RETURN QUERY EXECUTE indb_ml._coefficients_sql(model_name, version, false);
END
$$;
COMMENT ON FUNCTION indb_ml._model_coefficients(text, integer) IS
'Internal: model_coefficients for the views, no rows for a model the caller cannot use.';

CREATE FUNCTION indb_ml._group_label(group_key jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.string_agg(e.key || '=' || COALESCE(e.value, 'NULL'), ', ' ORDER BY e.key)
      FROM pg_catalog.jsonb_each_text($1) e $$;
COMMENT ON FUNCTION indb_ml._group_label(jsonb) IS
'Internal: a group key as text for dashboards, ''bedroom=3, zone=east'' (NULL without grouping).';

-- Typed views for BI tools: scalar columns only (no arrays, composites or jsonb to be read as text), rows of the
-- models whose tables the querying role can read.
CREATE VIEW indb_ml.deployed_coefficients WITH (security_invoker = true) AS
SELECT d.name AS model_name, d.version, d.algorithm, indb_ml._group_label(c.group_key) AS group_label,
       c.category, c.term_index, c.term, c.coef, c.std_err, c.statistic, c.p_value, c.odds_ratio
FROM indb_ml.deployed_models d
CROSS JOIN LATERAL indb_ml._model_coefficients(d.name, d.version) c;
GRANT SELECT ON indb_ml.deployed_coefficients TO PUBLIC;
COMMENT ON VIEW indb_ml.deployed_coefficients IS
'One typed row per coefficient of every deployed model the querying role can read: model_name, version, algorithm, group_label (''zone=east''), category, term_index, term, coef, std_err, statistic, p_value, odds_ratio.';

CREATE VIEW indb_ml.model_metrics WITH (security_invoker = true) AS
SELECT m.name AS model_name, m.version, m.algorithm, m.status AS model_status,
       indb_ml._group_label(g.group_key) AS group_label, g.num_rows, g.r2, g.log_likelihood,
       CASE WHEN m.algorithm <> 'elastic_net' THEN 2 * k.k - 2 * g.log_likelihood END AS aic,
       CASE WHEN m.algorithm <> 'elastic_net' AND g.num_rows > 0
            THEN k.k * pg_catalog.ln(g.num_rows) - 2 * g.log_likelihood END AS bic,
       k.k AS num_parameters, g.iterations, g.status, g.condition_no
FROM indb_ml.models m
CROSS JOIN LATERAL (
    SELECT x.group_key, pg_catalog.count(*) AS equations,
           pg_catalog.max((x.r ->> 'num_rows_processed')::bigint) AS num_rows,
           pg_catalog.max((x.r ->> 'r2')::float8) AS r2,
           pg_catalog.max((x.r ->> 'log_likelihood')::float8) AS log_likelihood,
           pg_catalog.max(COALESCE(x.r ->> 'num_iterations', x.r ->> 'iteration', x.r ->> 'iteration_run')::integer)
               AS iterations,
           pg_catalog.max(x.r ->> 'status') AS status,
           pg_catalog.max((x.r ->> 'condition_no')::float8) AS condition_no
    FROM (SELECT e.r, (SELECT pg_catalog.jsonb_object_agg(c.c, e.r -> c.c)
                       FROM pg_catalog.unnest(m.grouping_cols) c(c)) AS group_key
          FROM pg_catalog.jsonb_array_elements(CASE WHEN m.metrics ? 'rows' THEN m.metrics -> 'rows'
                                                    ELSE pg_catalog.jsonb_build_array(m.metrics) END) e(r)) x
    GROUP BY x.group_key) g
CROSS JOIN LATERAL (
    SELECT (CASE WHEN m.algorithm = 'ordinal'
                 THEN pg_catalog.cardinality(m.feature_names)
                      + pg_catalog.cardinality(pg_catalog.string_to_array(m.parameters ->> 'cat_order', ',')) - 1
                 ELSE pg_catalog.cardinality(m.feature_names) * g.equations END)::integer AS k) k;
GRANT SELECT ON indb_ml.model_metrics TO PUBLIC;
COMMENT ON VIEW indb_ml.model_metrics IS
'One typed row per model version and group (of the models whose tables the querying role can read): num_rows, r2 (linear models), log_likelihood, aic = 2k - 2 log_likelihood and bic = k ln(num_rows) - 2 log_likelihood where a likelihood is known (k = num_parameters, the coefficients: statsmodels'' convention; R''s AIC(lm) also counts the variance, aic + 2, BIC(lm) bic + ln(num_rows)); linear models (linregr_train, linregr_train_incremental): the Gaussian log-likelihood at the ML scale RSS/n, as glm gaussian and statsmodels'' OLS; elastic net: NULL; iterations, status, condition_no. Read from indb_ml.models.metrics (the first 200 groups of a model).';

-- Read access: the model's owner grants its tables; indb_ml_reader is the role for dashboards.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'indb_ml_reader') THEN
        CREATE ROLE indb_ml_reader NOLOGIN;
    END IF;
END
$$;

-- No SET search_path: a table name is resolved in the caller's search_path ('houses_lr' finds public.houses_lr), as
-- model_deploy and predict resolve it; every name in the body is schema-qualified, and it runs as the caller.
CREATE FUNCTION indb_ml.model_grant(model_name text, role_name text) RETURNS text[]
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $$
DECLARE
    v_name text := model_name;
    o record;
    t record;
    grantee text;
    granted text[] := '{}';
BEGIN
    IF v_name IS NULL OR role_name IS NULL THEN
        RAISE EXCEPTION 'model_grant: model_name and role_name must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF NOT (indb_ml.model_owner(v_name)).known THEN  -- a table name: its model's name
        SELECT m.name INTO v_name FROM indb_ml.models m
         WHERE m.output_oid = pg_catalog.to_regclass(model_name) ORDER BY m.version DESC LIMIT 1;
    END IF;
    SELECT * INTO o FROM indb_ml.model_owner(COALESCE(v_name, model_name));
    IF NOT o.known THEN
        RAISE EXCEPTION 'model % is not in indb_ml.models', pg_catalog.quote_literal(model_name)
            USING ERRCODE = '42P01', HINT = 'SELECT name, version FROM indb_ml.models';
    END IF;
    IF o.owner_oid IS NULL OR NOT pg_catalog.pg_has_role(o.owner_oid, 'USAGE') THEN
        RAISE EXCEPTION 'permission denied to grant model %: it belongs to role %', v_name, COALESCE(o.owner, '(dropped)')
            USING ERRCODE = '42501', HINT = pg_catalog.format('only %s and its members can grant it', o.owner);
    END IF;
    IF pg_catalog.lower(role_name) = 'public' THEN
        grantee := 'PUBLIC';
    ELSIF EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.rolname = role_name) THEN
        grantee := pg_catalog.quote_ident(role_name);
    ELSE
        RAISE EXCEPTION 'role % does not exist', pg_catalog.quote_ident(role_name) USING ERRCODE = '42704';
    END IF;
    -- Every version whose tables are still the registered ones: the model, summary and state tables together.
    FOR t IN SELECT c.oid, c.relowner, c.relnamespace, n.nspname,
                    pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) AS q
               FROM indb_ml.models m
               CROSS JOIN LATERAL pg_catalog.unnest(m.output_tables) AS l(name)
               JOIN pg_catalog.pg_class c ON c.oid = pg_catalog.to_regclass(l.name)
               JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              WHERE m.name = v_name AND m.status <> 'retired'
                AND pg_catalog.to_regclass(m.output_table) = m.output_oid
              GROUP BY c.oid, c.relowner, c.relnamespace, n.nspname, c.relname ORDER BY 5 LOOP
        IF NOT pg_catalog.pg_has_role(t.relowner, 'USAGE') THEN
            RAISE EXCEPTION 'permission denied to grant model %: table % belongs to another role', v_name, t.q
                USING ERRCODE = '42501';
        END IF;
        EXECUTE pg_catalog.format('GRANT SELECT ON %s TO %s', t.q, grantee);
        granted := granted || t.q;
        IF grantee <> 'PUBLIC' AND NOT pg_catalog.has_schema_privilege(role_name, t.relnamespace, 'USAGE') THEN
            RAISE WARNING 'role % cannot use schema %, so it cannot read %', role_name, t.nspname, t.q
                USING HINT = pg_catalog.format('GRANT USAGE ON SCHEMA %I TO %s', t.nspname, grantee);
        END IF;
    END LOOP;
    IF pg_catalog.cardinality(granted) = 0 THEN
        RAISE EXCEPTION 'model %: no version has its tables any more', v_name USING ERRCODE = '42P01';
    END IF;
    RETURN granted;
END
$$;
COMMENT ON FUNCTION indb_ml.model_grant(text, text) IS
'Let a role (or PUBLIC) read a model (model_name: a catalog name, or an output table name as the caller spells it, ''houses_lr'' finding public.houses_lr in the search_path, as model_deploy): SELECT on the tables of its versions (model, summary and state tables together), so it can use indb_ml.predict, model_coefficients and see the model in the catalog and its views. Only the model''s owner and its members may grant. Returns the tables granted. The role indb_ml_reader (NOLOGIN, made by CREATE EXTENSION) is meant for dashboards: grant it the models, and it to the dashboards'' login roles.';
