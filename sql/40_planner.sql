-- planner: R-like matrix expressions, rewritten and planned over matrix tables (indb_ml/planner)

CREATE FUNCTION indb_ml.la_value(expr text, bindings jsonb DEFAULT '{}', rules_off text[] DEFAULT NULL)
RETURNS float8[] LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.planner.entry import la_value
return la_value(plpy, expr, bindings, rules_off)
$$;
COMMENT ON FUNCTION indb_ml.la_value(text, jsonb, text[]) IS
'Evaluate an R-like matrix expression (t(X) %*% X, solve(A, b), colSums(X), ...) over the tables and constants named in bindings ({"X": "table" or {"table": ..., "args": "row=..., val=..."}, "lambda": 0.1, "v": [1, 2]}); returns the result as a 2-D float8[] (a scalar is {{x}}), loaded under indb_ml.matrix_memory_mb. rules_off names rewrite rules to skip.';

CREATE FUNCTION indb_ml.la_eval(expr text, bindings jsonb, out_table text, out_args text DEFAULT NULL,
                                rules_off text[] DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.planner.entry import la_eval
return la_eval(plpy, expr, bindings, out_table, out_args, rules_off)
$$;
COMMENT ON FUNCTION indb_ml.la_eval(text, jsonb, text, text, text[]) IS
'Evaluate an R-like matrix expression like la_value and write the result to out_table (dense rows row_num, val unless out_args says otherwise: row=, val=, fmt=dense|sparse|tiles). Big intermediates live in temporary tables, small ones in memory.';

CREATE FUNCTION indb_ml.la_explain(expr text, bindings jsonb DEFAULT '{}', rules_off text[] DEFAULT NULL)
RETURNS SETOF text LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.planner.entry import la_explain
return la_explain(plpy, expr, bindings, rules_off)
$$;
COMMENT ON FUNCTION indb_ml.la_explain(text, jsonb, text[]) IS
'The plan of an R-like matrix expression: the logical plan, the rewrite rules that fired, the optimized plan with shapes, estimated non-zeros, where each value lives and the operator that computes it.';

CREATE FUNCTION indb_ml.la_shape(expr text, bindings jsonb DEFAULT '{}')
RETURNS integer[] LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.planner.entry import la_shape
return la_shape(plpy, expr, bindings)
$$;
COMMENT ON FUNCTION indb_ml.la_shape(text, jsonb) IS
'The shape {rows, columns} of an R-like matrix expression''s result, from table statistics; nothing is computed.';
