-- matrix: MADlib's matrix operations over dense, sparse and tiled tables (in-memory operator)

CREATE TYPE indb_ml.matrix_result AS (output_table text);
COMMENT ON TYPE indb_ml.matrix_result IS 'Result of the matrix operations: the name of the table they wrote (MADlib matrix_result).';

CREATE FUNCTION indb_ml.matrix_mult(matrix_a text, a_args text, matrix_b text, b_args text, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.ops import matrix_mult
return matrix_mult(plpy, matrix_a, a_args, matrix_b, b_args, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_mult(text, text, text, text, text, text) IS
'Writes matrix_out = matrix_a * matrix_b (matrix product); trans=true in a_args or b_args transposes an operand (MADlib matrix_mult); formats dense, sparse or tiles; out_args fmt= chooses the output format.';

CREATE FUNCTION indb_ml.matrix_add(matrix_a text, a_args text, matrix_b text, b_args text, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.ops import matrix_add
return matrix_add(plpy, matrix_a, a_args, matrix_b, b_args, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_add(text, text, text, text, text, text) IS
'Writes matrix_out = matrix_a + matrix_b (MADlib matrix_add); formats dense, sparse or tiles; out_args fmt= chooses the output format.';

CREATE FUNCTION indb_ml.matrix_sub(matrix_a text, a_args text, matrix_b text, b_args text, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.ops import matrix_sub
return matrix_sub(plpy, matrix_a, a_args, matrix_b, b_args, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_sub(text, text, text, text, text, text) IS
'Writes matrix_out = matrix_a - matrix_b (MADlib matrix_sub); formats dense, sparse or tiles; out_args fmt= chooses the output format.';

CREATE FUNCTION indb_ml.matrix_elem_mult(matrix_a text, a_args text, matrix_b text, b_args text, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.ops import matrix_elem_mult
return matrix_elem_mult(plpy, matrix_a, a_args, matrix_b, b_args, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_elem_mult(text, text, text, text, text, text) IS
'Writes matrix_out = element-wise product of matrix_a and matrix_b (MADlib matrix_elem_mult); formats dense, sparse or tiles; out_args fmt= chooses the output format.';

CREATE FUNCTION indb_ml.matrix_trans(matrix_in text, in_args text, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.ops import matrix_trans
return matrix_trans(plpy, matrix_in, in_args, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_trans(text, text, text, text) IS
'Writes matrix_out = the transpose of matrix_in.';

CREATE FUNCTION indb_ml.matrix_densify(matrix_in text, in_args text, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.ops import matrix_densify
return matrix_densify(plpy, matrix_in, in_args, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_densify(text, text, text, text) IS
'Writes matrix_out = matrix_in in dense format (row, val float8[]).';

CREATE FUNCTION indb_ml.matrix_sparsify(matrix_in text, in_args text, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.ops import matrix_sparsify
return matrix_sparsify(plpy, matrix_in, in_args, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_sparsify(text, text, text, text) IS
'Writes matrix_out = matrix_in in sparse format (row, col, val).';

CREATE FUNCTION indb_ml.matrix_reblock(matrix_in text, in_args text, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.ops import matrix_reblock
return matrix_reblock(plpy, matrix_in, in_args, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_reblock(text, text, text, text) IS
'Writes matrix_out = matrix_in cut into tiles (row_block, col_block, nrows, ncols, layout, codec, data bytea); out_args block= sets the tile side (default 1000), fmt=dense or fmt=sparse converts tiles back.';

CREATE FUNCTION indb_ml.matrix_scalar_mult(matrix_in text, in_args text, scalar float8, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.ops import matrix_scalar_mult
return matrix_scalar_mult(plpy, matrix_in, in_args, scalar, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_scalar_mult(text, text, float8, text, text) IS
'Writes matrix_out = scalar * matrix_in (MADlib matrix_scalar_mult).';

CREATE FUNCTION indb_ml.matrix_vec_mult(matrix_in text, in_args text, vector float8[])
RETURNS float8[] LANGUAGE plpython3u STABLE PARALLEL UNSAFE
AS $$
from indb_ml.matrix.ops import matrix_vec_mult
return matrix_vec_mult(plpy, matrix_in, in_args, vector)
$$;
COMMENT ON FUNCTION indb_ml.matrix_vec_mult(text, text, float8[]) IS
'matrix_in * vector as a float8[] (MADlib matrix_vec_mult).';

CREATE FUNCTION indb_ml.matrix_ndims(matrix_in text, in_args text)
RETURNS integer[] LANGUAGE plpython3u STABLE PARALLEL UNSAFE
AS $$
from indb_ml.matrix.ops import matrix_ndims
return matrix_ndims(plpy, matrix_in, in_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_ndims(text, text) IS
'{rows, columns} of matrix_in (MADlib matrix_ndims).';
