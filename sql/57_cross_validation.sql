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
'k-fold cross-validation (method linregr, logregr, glm or elastic_net; params ''family=poisson, link=log, alpha=0.5, lambda=0.1, standardize=true, max_iter=100, tolerance=1e-8''): the rows are packed once, split by a seeded permutation, and each fold is trained with the model''s kernel and scored on its rows: mse, or log_loss and accuracy for binary models. One row per fold and metric.';
