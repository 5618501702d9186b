-- marginal effects of linear and logistic models (MADlib margins)

CREATE FUNCTION indb_ml.margins(model_table text, output_table text, x_design text DEFAULT NULL,
                                source_table text DEFAULT NULL, marginal_vars integer[] DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.server.margins import margins
return margins(plpy, model_table, output_table, x_design, source_table, marginal_vars)
$$;
COMMENT ON FUNCTION indb_ml.margins(text, text, text, text, integer[]) IS
'Average marginal effects of a linregr_train or logregr_train model (MADlib margins) over its source (or source_table): output_table has variables (1-based feature indices; constant columns such as the intercept are left out), margins, std_err (delta method), z_stats, p_values. x_design (interaction terms) and grouped models are not supported yet.';
