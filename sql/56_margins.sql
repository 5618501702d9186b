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
