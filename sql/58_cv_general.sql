-- cross_validation_general: MADlib's generic k-fold driver and its helper functions

CREATE FUNCTION indb_ml.cross_validation_general(
    modelling_func text, modelling_params text[], modelling_params_type text[],
    param_explored text, explore_values text[],
    predict_func text, predict_params text[], predict_params_type text[],
    metric_func text, metric_params text[], metric_params_type text[],
    data_tbl text, data_id text, id_is_random boolean, validation_result text,
    data_cols text[] DEFAULT NULL, fold_num integer DEFAULT 10)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.cv_general import cross_validation_general
return cross_validation_general(plpy, modelling_func, modelling_params, modelling_params_type, param_explored,
                                explore_values, predict_func, predict_params, predict_params_type, metric_func,
                                metric_params, metric_params_type, data_tbl, data_id, id_is_random,
                                validation_result, data_cols, fold_num)
$$;
COMMENT ON FUNCTION indb_ml.cross_validation_general(text, text[], text[], text, text[], text, text[], text[], text, text[], text[], text, text, boolean, text, text[], integer) IS
'k-fold cross-validation of any train/predict/metric functions (MADlib cross_validation_general): for each fold and explore value it calls modelling_func, predict_func and metric_func with %data%, %model%, %prediction%, %error% and %id% filled in by temporary tables it creates and drops; functions are looked up in the catalog and called with bound parameters cast to the declared types. validation_result: param_explored, <metric>_avg, <metric>_stddev. SELECT indb_ml.cross_validation_general() for usage.';

CREATE FUNCTION indb_ml.cross_validation_general() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.cv_general import cv_help
return cv_help()
$$;
COMMENT ON FUNCTION indb_ml.cross_validation_general() IS 'Usage of indb_ml.cross_validation_general and its helper functions.';

CREATE FUNCTION indb_ml.cv_linregr_train(tbl_source text, col_ind_var text, col_dep_var text, tbl_result text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.cv_general import cv_linregr_train
return cv_linregr_train(plpy, tbl_source, col_ind_var, col_dep_var, tbl_result)
$$;
COMMENT ON FUNCTION indb_ml.cv_linregr_train(text, text, text, text) IS
'linregr_train with the argument order of MADlib''s cv_linregr_train (for cross_validation_general).';

CREATE FUNCTION indb_ml.cv_linregr_predict(tbl_model text, tbl_newdata text, col_ind_var text, col_id text,
                                           tbl_predict text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.cv_general import cv_predict
return cv_predict(plpy, 'linregr', tbl_model, tbl_newdata, col_ind_var, col_id, tbl_predict)
$$;
COMMENT ON FUNCTION indb_ml.cv_linregr_predict(text, text, text, text, text) IS
'tbl_predict (col_id, prediction) with linregr_predict(coef, col_ind_var) of a linregr model, one CREATE TABLE AS (MADlib cv_linregr_predict).';

CREATE FUNCTION indb_ml.cv_logregr_predict(tbl_model text, tbl_newdata text, col_ind_var text, col_id text,
                                           tbl_predict text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.cv_general import cv_predict
return cv_predict(plpy, 'logregr', tbl_model, tbl_newdata, col_ind_var, col_id, tbl_predict)
$$;
COMMENT ON FUNCTION indb_ml.cv_logregr_predict(text, text, text, text, text) IS
'tbl_predict (col_id, prediction boolean) with logregr_predict(coef, col_ind_var) of a logregr model, one CREATE TABLE AS (MADlib cv_logregr_predict).';

CREATE FUNCTION indb_ml.mse_error(tbl_prediction text, tbl_actual text, id_actual text, values_actual text,
                                  tbl_error text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.cv_general import cv_metric
return cv_metric(plpy, 'mse_error', tbl_prediction, tbl_actual, id_actual, values_actual, tbl_error)
$$;
COMMENT ON FUNCTION indb_ml.mse_error(text, text, text, text, text) IS
'tbl_error (mean_squared_error): avg((prediction - values_actual)^2) over the rows joined on id_actual (MADlib mse_error).';

CREATE FUNCTION indb_ml.misclassification_avg(tbl_prediction text, tbl_actual text, id_actual text,
                                              values_actual text, tbl_error text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.cv_general import cv_metric
return cv_metric(plpy, 'misclassification_avg', tbl_prediction, tbl_actual, id_actual, values_actual, tbl_error)
$$;
COMMENT ON FUNCTION indb_ml.misclassification_avg(text, text, text, text, text) IS
'tbl_error (error_rate): the share of rows joined on id_actual whose prediction differs from values_actual (MADlib misclassification_avg).';

CREATE FUNCTION indb_ml.cv_logregr_accuracy(tbl_predict text, tbl_source text, col_id text, col_dep_var text,
                                            tbl_accuracy text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.cv_general import cv_metric
return cv_metric(plpy, 'cv_logregr_accuracy', tbl_predict, tbl_source, col_id, col_dep_var, tbl_accuracy)
$$;
COMMENT ON FUNCTION indb_ml.cv_logregr_accuracy(text, text, text, text, text) IS
'tbl_accuracy (accuracy): the share of rows joined on col_id whose prediction equals col_dep_var (MADlib cv_logregr_accuracy).';
