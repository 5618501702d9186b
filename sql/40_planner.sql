-- planner: R-like matrix expressions, rewritten and planned over matrix tables (indb_ml/planner)

CREATE FUNCTION indb_ml.la_value(expr text, bindings jsonb DEFAULT '{}', rules_off text[] DEFAULT NULL,
                                 memory_mb integer DEFAULT NULL)
RETURNS float8[] LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.planner.entry import la_value
return la_value(plpy, expr, bindings, rules_off, memory_mb)
$$;
COMMENT ON FUNCTION indb_ml.la_value(text, jsonb, text[], integer) IS
'Evaluate an R-like matrix expression (t(X) %*% X, solve(A, b), colSums(X), ...) over the tables and constants named in bindings ({"X": "table" or {"table": ..., "args": "row=..., val=..."}, "lambda": 0.1, "v": [1, 2]}); returns the result as a 2-D float8[] (a scalar is {{x}}), loaded under indb_ml.matrix_memory_mb. rules_off names rewrite rules to skip; memory_mb is the planner''s budget: intermediates up to that size stay in memory, bigger ones go to temporary tables (default indb_ml.la_memory_kb, else indb_ml.matrix_memory_mb).';

CREATE FUNCTION indb_ml.la_eval(expr text, bindings jsonb, out_table text, out_args text DEFAULT NULL,
                                rules_off text[] DEFAULT NULL, memory_mb integer DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.planner.entry import la_eval
return la_eval(plpy, expr, bindings, out_table, out_args, rules_off, memory_mb)
$$;
COMMENT ON FUNCTION indb_ml.la_eval(text, jsonb, text, text, text[], integer) IS
'Evaluate an R-like matrix expression like la_value and write the result to out_table (dense rows row_num, val unless out_args says otherwise: row=, val=, fmt=dense|sparse|tiles). Big intermediates live in temporary tables, small ones in memory.';

CREATE FUNCTION indb_ml.la_explain(expr text, bindings jsonb DEFAULT '{}', rules_off text[] DEFAULT NULL,
                                   memory_mb integer DEFAULT NULL)
RETURNS SETOF text LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.planner.entry import la_explain
return la_explain(plpy, expr, bindings, rules_off, memory_mb)
$$;
COMMENT ON FUNCTION indb_ml.la_explain(text, jsonb, text[], integer) IS
'The plan of an R-like matrix expression: the logical plan, the rewrite rules that fired, the optimized plan with shapes, estimated non-zeros, where each value lives and the operator that computes it.';

CREATE FUNCTION indb_ml.la_shape(expr text, bindings jsonb DEFAULT '{}')
RETURNS integer[] LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.planner.entry import la_shape
return la_shape(plpy, expr, bindings)
$$;
COMMENT ON FUNCTION indb_ml.la_shape(text, jsonb) IS
'The shape {rows, columns} of an R-like matrix expression''s result, from table statistics; nothing is computed.';

CREATE FUNCTION indb_ml.lm_cg(source_table text, out_table text, dependent_varname text, independent_varname text,
                              lambda_value float8 DEFAULT 0, max_iter integer DEFAULT 100,
                              tolerance float8 DEFAULT 1e-10)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.planner.lm_cg import lm_cg
return lm_cg(plpy, source_table, out_table, dependent_varname, independent_varname, lambda_value, max_iter, tolerance)
$$;
COMMENT ON FUNCTION indb_ml.lm_cg(text, text, text, text, float8, integer, float8) IS
'Ridge linear regression (X''X + lambda I) w = X''y by conjugate gradient, written with the planner: X (MADlib''s independent_varname, e.g. ARRAY[1, x1, x2]; rows with a NULL skipped) is packed once into a temporary table, reblocked into tiles when max_iter makes that pay, and each iteration is one pass over it (mmchain). out_table: coef, lambda, iterations, converged, residual_norm, num_rows_processed, num_rows_skipped, x_format (dense or tiles), x_table_bytes, exec_time_ms.';
