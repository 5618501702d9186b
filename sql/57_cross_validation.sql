-- k-fold cross-validation of the regression models (a typed signature)

CREATE FUNCTION indb_ml.cross_validate(method text, source_table text, dependent_varname text,
                                       independent_varname text, n_folds integer DEFAULT 5, params text DEFAULT NULL,
                                       seed integer DEFAULT 0)
RETURNS TABLE (fold integer, train_rows bigint, test_rows bigint, metric text, value float8)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.cross_validation import cross_validate
return cross_validate(plpy, method, source_table, dependent_varname, independent_varname, n_folds, params, seed)
$$;
COMMENT ON FUNCTION indb_ml.cross_validate(text, text, text, text, integer, text, integer) IS
'k-fold cross-validation (method linregr, logregr, glm or elastic_net; params ''family=poisson, link=log, alpha=0.5, lambda=0.1, standardize=true, max_iter=100, tolerance=1e-8''): a row''s fold is indb_ml.cv_fold(y, x, n_folds, seed); each fold is trained on the other folds and scored on its rows: mse, or log_loss and accuracy for binary models. Linear models: one aggregate pass of per-fold co-moments (a fold''s training moments are the merge of the others''); iterative models: one aggregate pass per iteration for every fold, or rows packed in memory on plain local tables. One row per fold and metric.';

CREATE FUNCTION indb_ml.cv_fold(y float8, x float8[], n_folds integer, seed integer DEFAULT 0) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT (((pg_catalog.hash_array_extended(pg_catalog.array_prepend(y, x), seed::pg_catalog.int8) % n_folds)
         + n_folds) % n_folds)::integer + 1
$$;
COMMENT ON FUNCTION indb_ml.cv_fold(float8, float8[], integer, integer) IS
'The cross-validation fold (1..n_folds) of a row with dependent y and features x: a seeded hash of the values, so every plan, source kind and run puts the row in the same fold (cross_validate, elastic_net_train''s n_folds). Rows with equal values share a fold.';
