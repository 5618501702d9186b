-- indb_ml 0.1.0: the 0.1.0 release's install script, frozen; never edit or regenerate it.
-- PostgreSQL keeps every released install script so that CREATE EXTENSION indb_ml VERSION '0.1.0'
-- still works and ALTER EXTENSION indb_ml UPDATE has a path from it (indb_ml--0.1.0--0.2.0.sql).
-- It is this repository's migrations/indb_ml--0.1.0.sql at commit 6b8b459 (2026-12-05 00:28 UTC):
-- the last commit whose install script was exactly its sql/ (build_sql --check passes there) before
-- the catalog security changes of issue 16 began (f1c1d04: read-only catalog, request table with a
-- SECURITY DEFINER trigger, model name ownership). Below is that file, byte for byte.
-- indb_ml 0.1.0: generated from sql/*.sql by `make build-sql`; do not edit.
\echo Use "CREATE EXTENSION indb_ml CASCADE" to load this file. \quit

-- ---- 00_core.sql ----
-- core: schema, version, server checks, shared helpers

-- A member of the extension, so DROP EXTENSION removes it with everything in it.
CREATE SCHEMA indb_ml;
COMMENT ON SCHEMA indb_ml IS 'indb_ml: machine learning inside PostgreSQL';
-- Every role may call the functions (EXECUTE is PUBLIC by default); internals are revoked below.
GRANT USAGE ON SCHEMA indb_ml TO PUBLIC;

CREATE FUNCTION indb_ml.version() RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT '0.1.0'::text $$;
COMMENT ON FUNCTION indb_ml.version() IS 'Version of the indb_ml SQL objects installed in this database.';

CREATE FUNCTION indb_ml.server_info() RETURNS jsonb
LANGUAGE plpython3u STABLE PARALLEL SAFE
AS $$
from indb_ml.core.info import server_info
return server_info()
$$;
COMMENT ON FUNCTION indb_ml.server_info() IS
'What the server''s Python runs: versions of indb_ml, numpy, pyarrow and scipy, and the BLAS numpy uses.';

-- Raw body of a float8[] as bytea: byteacat(arr, '') copies the varlena body
-- unchanged. The chunked scans decode it with np.frombuffer (indb_ml/kernels/arraybytes.py).
CREATE FUNCTION indb_ml._float8_array_bytes(float8[], bytea) RETURNS bytea
LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE
AS 'byteacat';
COMMENT ON FUNCTION indb_ml._float8_array_bytes(float8[], bytea) IS
'Internal: the ArrayType body of a float8[] as bytea (call with ''''::bytea), for decoding without a per-element step.';

-- Rows of float8 columns packed into one bytea for the in-memory plans (src/pack.c):
-- the columns are separate arguments, so no array is built per row.
CREATE FUNCTION indb_ml._pack_rows_step(internal, VARIADIC "any") RETURNS internal
AS 'MODULE_PATHNAME', 'indb_ml_pack_rows_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._pack_rows_step(internal, "any") IS
'Internal: transition step of indb_ml._pack_rows (C: appends one row of float8 arguments to a buffer; a row with a NULL is counted as skipped).';

CREATE FUNCTION indb_ml._pack_rows_final(internal) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_pack_rows_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._pack_rows_final(internal) IS
'Internal: final step of indb_ml._pack_rows (C: the 40-byte state header, kind 9, then the packed rows).';

CREATE AGGREGATE indb_ml._pack_rows(VARIADIC "any") (
    SFUNC = indb_ml._pack_rows_step,
    STYPE = internal,
    FINALFUNC = indb_ml._pack_rows_final
);
COMMENT ON AGGREGATE indb_ml._pack_rows("any") IS
'Internal: float8 columns (y, x1, ..., xk) of the rows as one bytea, row-major after a state header, with the count of rows skipped for a NULL; read by indb_ml/core/packing.py. No combine step: it runs in one process, over one chunk of a heap.';

CREATE FUNCTION indb_ml._int4_array_bytes(int4[], bytea) RETURNS bytea
LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE
AS 'byteacat';
COMMENT ON FUNCTION indb_ml._int4_array_bytes(int4[], bytea) IS
'Internal: the ArrayType body of an int4[] as bytea (call with ''''::bytea); gives native-order int4 bytes.';

-- The reverse direction: byteacat(header, data) declared as returning float8[]. Only
-- safe with a header that matches the data, so it is not callable by users; the
-- SECURITY DEFINER wrapper below builds the header itself from the data's length.
CREATE FUNCTION indb_ml._float8_array_unchecked(bytea, bytea) RETURNS float8[]
LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE
AS 'byteacat';
REVOKE ALL ON FUNCTION indb_ml._float8_array_unchecked(bytea, bytea) FROM PUBLIC;
COMMENT ON FUNCTION indb_ml._float8_array_unchecked(bytea, bytea) IS
'Internal, not for users: concatenates an ArrayType header and float8 data into a float8[]; see float8_array_from_bytes.';

CREATE FUNCTION indb_ml.float8_array_from_bytes(data bytea) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n int := pg_catalog.length(data) / 8;
BEGIN
    IF pg_catalog.length(data) % 8 <> 0 THEN
        RAISE EXCEPTION 'float8_array_from_bytes: % bytes is not a whole number of float64 values', pg_catalog.length(data)
            USING ERRCODE = '22023';
    END IF;
    IF n = 0 THEN
        RETURN '{}'::float8[];
    END IF;
    -- The header of a 1-element float8[] (native byte order), its length patched to n.
    RETURN indb_ml._float8_array_unchecked(
        pg_catalog.overlay(
            pg_catalog.substr(indb_ml._float8_array_bytes(ARRAY[0]::float8[], ''::bytea), 1, 20),
            pg_catalog.substr(indb_ml._int4_array_bytes(ARRAY[n], ''::bytea), 21, 4),
            13, 4),
        data);
END
$$;
COMMENT ON FUNCTION indb_ml.float8_array_from_bytes(bytea) IS
'A float8[] from native-order float64 bytes (numpy''s tobytes()); the length must be a multiple of 8. The fast way to hand numbers from Python to SQL without a text conversion per element.';

-- ---- 10_linregr.sql ----
-- linregr: linear regression (MADlib-compatible names, arguments and outputs)

CREATE FUNCTION indb_ml.linregr_train(
    source_table text,
    out_table text,
    dependent_varname text,
    independent_varname text,
    grouping_cols text DEFAULT NULL,
    heteroskedasticity_option boolean DEFAULT FALSE
) RETURNS void
LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.regress.linregr import linregr_train
linregr_train(plpy, source_table, out_table, dependent_varname, independent_varname,
              grouping_cols, heteroskedasticity_option)
$$;
COMMENT ON FUNCTION indb_ml.linregr_train(text, text, text, text, text, boolean) IS
'Ordinary least squares over a table, written to out_table and out_table_summary (MADlib linregr_train). SELECT indb_ml.linregr_train() for usage.';

CREATE FUNCTION indb_ml.linregr_train() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.linregr import linregr_help
return linregr_help()
$$;
COMMENT ON FUNCTION indb_ml.linregr_train() IS 'Usage of indb_ml.linregr_train.';

CREATE FUNCTION indb_ml.linregr_train(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.linregr import linregr_help
return linregr_help()
$$;
COMMENT ON FUNCTION indb_ml.linregr_train(text) IS 'Usage of indb_ml.linregr_train (''usage'' or any text).';

CREATE FUNCTION indb_ml.linregr_predict(coef float8[], col_ind_var float8[]) RETURNS float8
AS 'MODULE_PATHNAME', 'indb_ml_linregr_predict'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml.linregr_predict(float8[], float8[]) IS
'Prediction of a linear model: the dot product of coef and the features (MADlib linregr_predict). C; different lengths and NULL elements are errors.';

CREATE TYPE indb_ml.linregr_result AS (
    coef float8[],
    r2 float8,
    std_err float8[],
    t_stats float8[],
    p_values float8[],
    condition_no float8,
    num_rows_processed bigint,
    num_missing_rows_skipped bigint,
    variance_covariance float8[]
);
COMMENT ON TYPE indb_ml.linregr_result IS 'Result of the indb_ml.linregr aggregate (MADlib linregr_result).';

CREATE FUNCTION indb_ml._linregr_transition(state bytea, y float8, x float8[]) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_linregr_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._linregr_transition(bytea, float8, float8[]) IS
'Internal: transition step of indb_ml.linregr (C: Welford update of the co-moments of [y, x], in place; rows with a NULL are counted as skipped).';

CREATE FUNCTION indb_ml._comoment_combine(a bytea, b bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_comoment_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._comoment_combine(bytea, bytea) IS
'Internal: merge step of the co-moment aggregates (linregr, gram, xty, training passes): Chan''s exact pairwise update, in C.';

CREATE FUNCTION indb_ml._linregr_final(state bytea) RETURNS indb_ml.linregr_result
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.linregr_agg import linregr_final
return linregr_final(plpy, state)
$$;
COMMENT ON FUNCTION indb_ml._linregr_final(bytea) IS 'Internal: final step of indb_ml.linregr (once per group, in numpy).';

CREATE AGGREGATE indb_ml.linregr(float8, float8[]) (
    SFUNC = indb_ml._linregr_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._comoment_combine,
    FINALFUNC = indb_ml._linregr_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml.linregr(float8, float8[]) IS
'Linear regression as an aggregate: (indb_ml.linregr(y, ARRAY[1, x1, x2])).*. C per-row steps with a combine step: runs in parallel workers, per partition and on Citus shards.';

CREATE AGGREGATE indb_ml._linregr_state(float8, float8[]) (
    SFUNC = indb_ml._linregr_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._comoment_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._linregr_state(float8, float8[]) IS
'Internal: the co-moments state of [y, x] (the linregr aggregate without its final step): one pass of linregr_train per group, finalized by the driver.';

CREATE FUNCTION indb_ml._linregr_cols_transition(state bytea, VARIADIC "any") RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_linregr_cols_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._linregr_cols_transition(bytea, "any") IS
'Internal: transition step of indb_ml._linregr_cols (C: linregr''s co-moments of [y, x1, ..., xk] from float8 arguments, in place; rows with a NULL are counted as skipped).';

CREATE AGGREGATE indb_ml._linregr_cols(VARIADIC "any") (
    SFUNC = indb_ml._linregr_cols_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._comoment_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._linregr_cols("any") IS
'Internal: indb_ml._linregr_state with the row as float8 arguments (y, x1, ..., xk; at most 98 features) instead of an array, which PostgreSQL would build per row: linregr_train''s pass when the features are listed.';

CREATE FUNCTION indb_ml._residual_transition(state bytea, y float8, x float8[], coef float8[]) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_residual_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._residual_transition(bytea, float8, float8[], float8[]) IS
'Internal: transition step of indb_ml._residual_state (C: co-moments of [(y - x.coef)^2, x]).';

CREATE AGGREGATE indb_ml._residual_state(float8, float8[], float8[]) (
    SFUNC = indb_ml._residual_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._comoment_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._residual_state(float8, float8[], float8[]) IS
'Internal: the co-moments state of the squared residuals and the features given coefficients: the second pass of linregr_train''s Breusch-Pagan test.';

-- ---- 20_matrix.sql ----
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

-- ---- 21_matrix_more.sql ----
-- matrix: MADlib's extraction, reduction, creation and decomposition operations (in-memory operator)

CREATE TYPE indb_ml.complex AS (real float8, imag float8);
COMMENT ON TYPE indb_ml.complex IS 'A complex number (real, imag): the eigenvalues written by matrix_eigen (MADlib complex).';

-- extraction and reductions (indb_ml/matrix/reduce.py)

CREATE FUNCTION indb_ml.matrix_extract_row(matrix_in text, in_args text, index integer)
RETURNS float8[] LANGUAGE plpython3u STABLE PARALLEL UNSAFE
AS $$
from indb_ml.matrix.reduce import matrix_extract_row
return matrix_extract_row(plpy, matrix_in, in_args, index)
$$;
COMMENT ON FUNCTION indb_ml.matrix_extract_row(text, text, integer) IS
'Row number index (1-based) of matrix_in as a float8[] (MADlib matrix_extract_row); formats dense, sparse or tiles.';

CREATE FUNCTION indb_ml.matrix_extract_col(matrix_in text, in_args text, index integer)
RETURNS float8[] LANGUAGE plpython3u STABLE PARALLEL UNSAFE
AS $$
from indb_ml.matrix.reduce import matrix_extract_col
return matrix_extract_col(plpy, matrix_in, in_args, index)
$$;
COMMENT ON FUNCTION indb_ml.matrix_extract_col(text, text, integer) IS
'Column number index (1-based) of matrix_in as a float8[] (MADlib matrix_extract_col); formats dense, sparse or tiles.';

CREATE FUNCTION indb_ml.matrix_extract_diag(matrix_in text, in_args text)
RETURNS float8[] LANGUAGE plpython3u STABLE PARALLEL UNSAFE
AS $$
from indb_ml.matrix.reduce import matrix_extract_diag
return matrix_extract_diag(plpy, matrix_in, in_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_extract_diag(text, text) IS
'Main diagonal of matrix_in, min(rows, columns) values, as a float8[] (MADlib matrix_extract_diag).';

CREATE FUNCTION indb_ml.matrix_max(matrix_in text, in_args text, dim integer, matrix_out text, fetch_index boolean DEFAULT false)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.reduce import matrix_max
return matrix_max(plpy, matrix_in, in_args, dim, matrix_out, fetch_index)
$$;
COMMENT ON FUNCTION indb_ml.matrix_max(text, text, integer, text, boolean) IS
'Writes matrix_out, one row: max float8[] = the largest value of each column (dim=1) or of each row (dim=2), and with fetch_index also index bigint[] = the 1-based position of its first occurrence (MADlib matrix_max).';

CREATE FUNCTION indb_ml.matrix_min(matrix_in text, in_args text, dim integer, matrix_out text, fetch_index boolean DEFAULT false)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.reduce import matrix_min
return matrix_min(plpy, matrix_in, in_args, dim, matrix_out, fetch_index)
$$;
COMMENT ON FUNCTION indb_ml.matrix_min(text, text, integer, text, boolean) IS
'Writes matrix_out, one row: min float8[] = the smallest value of each column (dim=1) or of each row (dim=2), and with fetch_index also index bigint[] = the 1-based position of its first occurrence (MADlib matrix_min).';

CREATE FUNCTION indb_ml.matrix_sum(matrix_in text, in_args text, dim integer DEFAULT 1)
RETURNS float8[] LANGUAGE plpython3u STABLE PARALLEL UNSAFE
AS $$
from indb_ml.matrix.reduce import matrix_sum
return matrix_sum(plpy, matrix_in, in_args, dim)
$$;
COMMENT ON FUNCTION indb_ml.matrix_sum(text, text, integer) IS
'Sums of each column (dim=1, the default) or of each row (dim=2) of matrix_in (MADlib matrix_sum).';

CREATE FUNCTION indb_ml.matrix_mean(matrix_in text, in_args text, dim integer DEFAULT 1)
RETURNS float8[] LANGUAGE plpython3u STABLE PARALLEL UNSAFE
AS $$
from indb_ml.matrix.reduce import matrix_mean
return matrix_mean(plpy, matrix_in, in_args, dim)
$$;
COMMENT ON FUNCTION indb_ml.matrix_mean(text, text, integer) IS
'Means of each column (dim=1, the default) or of each row (dim=2) of matrix_in (MADlib matrix_mean).';

CREATE FUNCTION indb_ml.matrix_norm(matrix_in text, in_args text, norm_type text DEFAULT 'fro')
RETURNS float8 LANGUAGE plpython3u STABLE PARALLEL UNSAFE
AS $$
from indb_ml.matrix.reduce import matrix_norm
return matrix_norm(plpy, matrix_in, in_args, norm_type)
$$;
COMMENT ON FUNCTION indb_ml.matrix_norm(text, text, text) IS
'Norm of matrix_in (MADlib matrix_norm): ''one''/''o'' (largest column sum of |a|), ''inf''/''i'' (largest row sum), ''max''/''m'' (largest |a|), ''fro''/''f'' (Frobenius, the default), ''spectral''/''s'' (largest singular value), or a number p > 0 for the element-wise p-norm (sum |a|^p)^(1/p), so ''2'' is the Frobenius norm.';

-- creation (indb_ml/matrix/create.py)

CREATE FUNCTION indb_ml.matrix_zeros(row_dim integer, col_dim integer, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.create import matrix_zeros
return matrix_zeros(plpy, row_dim, col_dim, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_zeros(integer, integer, text, text) IS
'Writes matrix_out = a row_dim x col_dim matrix of zeros (MADlib matrix_zeros); sparse by default (only the (row_dim, col_dim, 0) entry), columns row, col, val unless out_args names them; fmt=dense or fmt=tiles in out_args.';

CREATE FUNCTION indb_ml.matrix_ones(row_dim integer, col_dim integer, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.create import matrix_ones
return matrix_ones(plpy, row_dim, col_dim, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_ones(integer, integer, text, text) IS
'Writes matrix_out = a row_dim x col_dim matrix of ones (MADlib matrix_ones); sparse by default, columns row, col, val unless out_args names them; fmt=dense or fmt=tiles in out_args.';

CREATE FUNCTION indb_ml.matrix_identity(row_dim integer, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.create import matrix_identity
return matrix_identity(plpy, row_dim, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_identity(integer, text, text) IS
'Writes matrix_out = the row_dim x row_dim identity matrix (MADlib matrix_identity); sparse by default, columns row, col, val unless out_args names them.';

CREATE FUNCTION indb_ml.matrix_diag(diag_elements float8[], matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.create import matrix_diag
return matrix_diag(plpy, diag_elements, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_diag(float8[], text, text) IS
'Writes matrix_out = the square diagonal matrix with diag_elements on its diagonal (MADlib matrix_diag); sparse by default, columns row, col, val unless out_args names them.';

CREATE FUNCTION indb_ml.matrix_random(row_dim integer, col_dim integer, in_args text, distribution text, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.create import matrix_random
return matrix_random(plpy, row_dim, col_dim, in_args, distribution, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_random(integer, integer, text, text, text, text) IS
'Writes matrix_out = a row_dim x col_dim matrix drawn from distribution ''uniform'' (default; in_args min=0, max=1), ''normal'' (mu=0, sigma=1) or ''bernoulli'' (prob=0.5, pos_val=1, neg_val=0) (MADlib matrix_random); dense by default. in_args seed=N makes it reproducible: the same seed, shape and options give the same matrix (numpy PCG64, so not MADlib''s numbers); without a seed every call draws anew.';

CREATE FUNCTION indb_ml.matrix_random(row_dim integer, col_dim integer, distribution text, matrix_out text)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.create import matrix_random
return matrix_random(plpy, row_dim, col_dim, None, distribution, matrix_out, None)
$$;
COMMENT ON FUNCTION indb_ml.matrix_random(integer, integer, text, text) IS
'Writes matrix_out = a row_dim x col_dim random matrix from distribution with its default parameters and no seed (MADlib matrix_random).';

CREATE FUNCTION indb_ml.matrix_random(row_dim integer, col_dim integer, matrix_out text)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.create import matrix_random
return matrix_random(plpy, row_dim, col_dim, None, None, matrix_out, None)
$$;
COMMENT ON FUNCTION indb_ml.matrix_random(integer, integer, text) IS
'Writes matrix_out = a row_dim x col_dim matrix of uniform [0, 1) random values, without a seed (MADlib matrix_random).';

-- decompositions: the whole matrix in memory, capped by indb_ml.matrix_memory_mb (indb_ml/matrix/decompose.py)

CREATE FUNCTION indb_ml.matrix_inverse(matrix_in text, in_args text, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.decompose import matrix_inverse
return matrix_inverse(plpy, matrix_in, in_args, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_inverse(text, text, text, text) IS
'Writes matrix_out = the inverse of the square matrix matrix_in (MADlib matrix_inverse); computed in memory (LAPACK), dense unless out_args says fmt=; a singular matrix is an error (use matrix_pinv).';

CREATE FUNCTION indb_ml.matrix_pinv(matrix_in text, in_args text, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.decompose import matrix_pinv
return matrix_pinv(plpy, matrix_in, in_args, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_pinv(text, text, text, text) IS
'Writes matrix_out = the Moore-Penrose pseudo-inverse of matrix_in, any shape (MADlib matrix_pinv); computed in memory (SVD), dense unless out_args says fmt=.';

CREATE FUNCTION indb_ml.matrix_eigen(matrix_in text, in_args text, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.decompose import matrix_eigen
return matrix_eigen(plpy, matrix_in, in_args, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_eigen(text, text, text, text) IS
'Writes matrix_out with one row per eigenvalue of the square matrix matrix_in (with multiplicity, largest real part first): the row column and eigen_values indb_ml.complex (real, imag) unless out_args names it val= (MADlib matrix_eigen); computed in memory (LAPACK).';

CREATE FUNCTION indb_ml.matrix_cholesky(matrix_in text, in_args text, matrix_out_prefix text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.decompose import matrix_cholesky
return matrix_cholesky(plpy, matrix_in, in_args, matrix_out_prefix, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_cholesky(text, text, text, text) IS
'Pivoted Cholesky (LDL'') of a symmetric positive definite matrix_in (MADlib matrix_cholesky, Eigen''s LDLT): writes <prefix>_p, <prefix>_l, <prefix>_d with P A P'' = L D L'', L unit lower triangular, D diagonal; only the lower triangle of matrix_in is read; computed in memory, dense unless out_args says fmt=; returns a note naming the tables.';

CREATE FUNCTION indb_ml.matrix_qr(matrix_in text, in_args text, matrix_out_prefix text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.decompose import matrix_qr
return matrix_qr(plpy, matrix_in, in_args, matrix_out_prefix, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_qr(text, text, text, text) IS
'QR decomposition A = Q R of an m x n matrix_in (MADlib matrix_qr): writes <prefix>_q (m x m orthogonal) and <prefix>_r (m x n upper triangular); computed in memory (LAPACK Householder), dense unless out_args says fmt=; returns a note naming the tables.';

CREATE FUNCTION indb_ml.matrix_lu(matrix_in text, in_args text, matrix_out_prefix text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.decompose import matrix_lu
return matrix_lu(plpy, matrix_in, in_args, matrix_out_prefix, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_lu(text, text, text, text) IS
'LU decomposition with full pivoting P A Q = L U of an m x n matrix_in (MADlib matrix_lu, Eigen''s FullPivLU): writes <prefix>_p (m x m), <prefix>_l (m x m unit lower triangular), <prefix>_u (m x n upper triangular), <prefix>_q (n x n); computed in memory, dense unless out_args says fmt=; returns a note naming the tables.';

CREATE FUNCTION indb_ml.matrix_rank(matrix_in text, in_args text)
RETURNS bigint LANGUAGE plpython3u STABLE PARALLEL UNSAFE
AS $$
from indb_ml.matrix.decompose import matrix_rank
return matrix_rank(plpy, matrix_in, in_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_rank(text, text) IS
'Rank of matrix_in: singular values above max(m, n) * eps * the largest (MADlib matrix_rank); computed in memory (SVD).';

CREATE FUNCTION indb_ml.matrix_nuclear_norm(matrix_in text, in_args text)
RETURNS float8 LANGUAGE plpython3u STABLE PARALLEL UNSAFE
AS $$
from indb_ml.matrix.decompose import matrix_nuclear_norm
return matrix_nuclear_norm(plpy, matrix_in, in_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_nuclear_norm(text, text) IS
'Nuclear norm of matrix_in, the sum of its singular values (MADlib matrix_nuclear_norm); computed in memory (SVD).';

-- ---- 22_tiles.sql ----
-- tiles: aggregates that work on whole tiles (docs/design.md, section 3, strategy 3)

CREATE FUNCTION indb_ml._tile_mm_transition(state bytea, a bytea, a_rows integer, a_cols integer,
                                            b bytea, b_rows integer, b_cols integer) RETURNS bytea
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.tile_ops import tile_mm_transition
return tile_mm_transition(plpy, state, a, a_rows, a_cols, b, b_rows, b_cols)
$$;
COMMENT ON FUNCTION indb_ml._tile_mm_transition(bytea, bytea, integer, integer, bytea, integer, integer) IS
'Internal: transition step of indb_ml.tile_mm (state + A @ B, one BLAS call per pair of tiles).';

CREATE FUNCTION indb_ml._tile_mm_combine(a bytea, b bytea) RETURNS bytea
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.tile_ops import tile_mm_combine
return tile_mm_combine(plpy, a, b)
$$;
COMMENT ON FUNCTION indb_ml._tile_mm_combine(bytea, bytea) IS 'Internal: merge step of indb_ml.tile_mm (tile addition).';

CREATE FUNCTION indb_ml._tile_mm_final(state bytea) RETURNS bytea
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.tile_ops import tile_mm_final
return tile_mm_final(plpy, state)
$$;
COMMENT ON FUNCTION indb_ml._tile_mm_final(bytea) IS 'Internal: final step of indb_ml.tile_mm (the tile''s float64 bytes).';

CREATE AGGREGATE indb_ml.tile_mm(bytea, integer, integer, bytea, integer, integer) (
    SFUNC = indb_ml._tile_mm_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._tile_mm_combine,
    FINALFUNC = indb_ml._tile_mm_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml.tile_mm(bytea, integer, integer, bytea, integer, integer) IS
'Sum of A_ik @ B_kj over pairs of tiles (data, nrows, ncols): one output tile of a tiled matrix product. Used by matrix_mult on tiles; GROUP BY the output block.';

CREATE FUNCTION indb_ml._tile_mm_transition(state bytea, a bytea, a_rows integer, a_cols integer, a_trans boolean,
                                            b bytea, b_rows integer, b_cols integer, b_trans boolean) RETURNS bytea
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.tile_ops import tile_mm_transition
return tile_mm_transition(plpy, state, a, a_rows, a_cols, b, b_rows, b_cols, a_trans, b_trans)
$$;
COMMENT ON FUNCTION indb_ml._tile_mm_transition(bytea, bytea, integer, integer, boolean, bytea, integer, integer, boolean) IS
'Internal: transition step of indb_ml.tile_mm with transposed operands (state + op(A) @ op(B); nrows, ncols as stored).';

CREATE AGGREGATE indb_ml.tile_mm(bytea, integer, integer, boolean, bytea, integer, integer, boolean) (
    SFUNC = indb_ml._tile_mm_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._tile_mm_combine,
    FINALFUNC = indb_ml._tile_mm_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml.tile_mm(bytea, integer, integer, boolean, bytea, integer, integer, boolean) IS
'Sum of op(A)_ik @ op(B)_kj, where op transposes a tile whose flag is true (nrows, ncols as stored): one output tile of a tiled product with transposed operands, such as the Gram matrix AᵀA.';

CREATE FUNCTION indb_ml._tile_mv_transition(state bytea, data bytea, nrows integer, ncols integer,
                                            col_offset integer, v bytea) RETURNS bytea
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.tile_ops import tile_mv_transition
return tile_mv_transition(plpy, state, data, nrows, ncols, col_offset, v)
$$;
COMMENT ON FUNCTION indb_ml._tile_mv_transition(bytea, bytea, integer, integer, integer, bytea) IS
'Internal: transition step of indb_ml.tile_mv (state + tile @ v[col_offset : col_offset + ncols]).';

CREATE FUNCTION indb_ml._tile_mv_combine(a bytea, b bytea) RETURNS bytea
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.tile_ops import tile_mv_combine
return tile_mv_combine(plpy, a, b)
$$;
COMMENT ON FUNCTION indb_ml._tile_mv_combine(bytea, bytea) IS 'Internal: merge step of indb_ml.tile_mv (vector addition).';

CREATE AGGREGATE indb_ml.tile_mv(bytea, integer, integer, integer, bytea) (
    SFUNC = indb_ml._tile_mv_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._tile_mv_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml.tile_mv(bytea, integer, integer, integer, bytea) IS
'Sum over the tiles of one block row of tile @ v-segment (data, nrows, ncols, col_offset, v as float64 bytes): a block of a tiled matrix-vector product, as float64 bytes. Used by matrix_vec_mult on tiles; GROUP BY row_block.';

CREATE FUNCTION indb_ml.tile_op(op text, a bytea, b bytea, nrows integer, ncols integer, k float8) RETURNS bytea
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.tile_ops import tile_op
return tile_op(plpy, op, a, b, nrows, ncols, k)
$$;
COMMENT ON FUNCTION indb_ml.tile_op(text, bytea, bytea, integer, integer, float8) IS
'One tile of an operation on tiles (data as float64 bytes, nrows x ncols): op = add | sub | mul (element-wise with tile b), scale (by k) or trans. Used by matrix_add/sub/elem_mult/scalar_mult/trans when inputs and output are tiles.';

-- ---- 23_matrix_aggregates.sql ----
-- matrix aggregates: matrix_agg, gram (XᵀX), xty (Xᵀy)

CREATE AGGREGATE indb_ml.matrix_agg(float8[]) (
    SFUNC = pg_catalog.array_agg_array_transfn,
    STYPE = internal,
    FINALFUNC = pg_catalog.array_agg_array_finalfn,
    FINALFUNC_EXTRA,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml.matrix_agg(float8[]) IS
'Stacks 1-D rows into a 2-D float8[] (MADlib matrix_agg); row order is aggregation order, so use ORDER BY. Built on array_agg''s C functions: order-dependent, so it has no combine step and is never split across parallel workers.';

CREATE FUNCTION indb_ml._gram_transition(state bytea, x float8[]) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_gram_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._gram_transition(bytea, float8[]) IS 'Internal: transition step of indb_ml.gram (C: co-moments of x, in place).';

CREATE FUNCTION indb_ml._xty_transition(state bytea, x float8[], y float8) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_xty_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._xty_transition(bytea, float8[], float8) IS 'Internal: transition step of indb_ml.xty (C: co-moments of [y, x], in place).';

CREATE FUNCTION indb_ml._gram_final(state bytea) RETURNS float8[]
AS 'MODULE_PATHNAME', 'indb_ml_gram_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._gram_final(bytea) IS 'Internal: final step of indb_ml.gram (the k x k matrix C + n mean meanᵀ).';

CREATE FUNCTION indb_ml._xty_final(state bytea) RETURNS float8[]
AS 'MODULE_PATHNAME', 'indb_ml_xty_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._xty_final(bytea) IS 'Internal: final step of indb_ml.xty (the k-vector Xᵀy).';

CREATE AGGREGATE indb_ml.gram(float8[]) (
    SFUNC = indb_ml._gram_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._comoment_combine,
    FINALFUNC = indb_ml._gram_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml.gram(float8[]) IS
'XᵀX of the rows x, as a 2-D float8[]; NULL rows are skipped, NULL elements are an error, NaN and Infinity propagate as in numpy. C per-row steps with a combine step (parallel workers, partitions, Citus shards).';

CREATE AGGREGATE indb_ml.xty(float8[], float8) (
    SFUNC = indb_ml._xty_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._comoment_combine,
    FINALFUNC = indb_ml._xty_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml.xty(float8[], float8) IS
'Xᵀy of rows (x, y), as a float8[]; rows with a NULL are skipped, NULL elements are an error, NaN and Infinity propagate. C per-row steps with a combine step.';

CREATE FUNCTION indb_ml._column_norms_transition(state float8[], x float8[], p float8) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    n int;
BEGIN
    IF x IS NULL THEN
        RETURN state;
    END IF;
    IF p IS NULL OR p = 'NaN' OR p <= 0 THEN  -- PostgreSQL's NaN equals itself
        RAISE EXCEPTION 'column_norms: p is %; it must be a positive number or ''Infinity''', p
            USING ERRCODE = '22023', HINT = 'p = 2 gives Euclidean column norms, 1 sums of absolute values, ''Infinity'' the largest absolute value';
    END IF;
    IF pg_catalog.array_ndims(x) IS DISTINCT FROM 1 THEN
        RAISE EXCEPTION 'column_norms: rows must be one-dimensional, non-empty arrays' USING ERRCODE = '2202E';
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'column_norms: a row has NULL elements' USING ERRCODE = '22004',
            HINT = 'skip or fill such rows; NULL rows themselves are skipped';
    END IF;
    n := pg_catalog.cardinality(x);
    IF state IS NULL THEN
        state := ARRAY[p] || pg_catalog.array_fill(0::float8, ARRAY[n]);
    ELSIF state[1] <> p THEN
        RAISE EXCEPTION 'column_norms: p changed from % to % within one aggregate', state[1], p USING ERRCODE = '22023';
    ELSIF pg_catalog.cardinality(state) <> n + 1 THEN
        RAISE EXCEPTION 'column_norms: rows have % and % elements', pg_catalog.cardinality(state) - 1, n
            USING ERRCODE = '2202E';
    END IF;
    IF p = 'Infinity' THEN
        FOR i IN 1 .. n LOOP
            state[i + 1] := GREATEST(state[i + 1], pg_catalog.abs(x[i]));
        END LOOP;
    ELSE
        FOR i IN 1 .. n LOOP
            state[i + 1] := state[i + 1] + pg_catalog.abs(x[i]) ^ p;
        END LOOP;
    END IF;
    RETURN state;
END
$$;
COMMENT ON FUNCTION indb_ml._column_norms_transition(float8[], float8[], float8) IS
'Internal: transition step of indb_ml.column_norms: state = [p, per-column sums of |x|^p (or maxima of |x|)].';

CREATE FUNCTION indb_ml._column_norms_combine(a float8[], b float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
    IF a IS NULL OR b IS NULL THEN
        RETURN COALESCE(a, b);
    END IF;
    IF pg_catalog.cardinality(a) <> pg_catalog.cardinality(b) OR a[1] <> b[1] THEN
        RAISE EXCEPTION 'column_norms: partial results of different widths or p' USING ERRCODE = '2202E';
    END IF;
    IF a[1] = 'Infinity' THEN
        FOR i IN 2 .. pg_catalog.cardinality(a) LOOP
            a[i] := GREATEST(a[i], b[i]);
        END LOOP;
        RETURN a;
    END IF;
    RETURN ARRAY[a[1]] || indb_ml.array_add(a[2:], b[2:]);
END
$$;
COMMENT ON FUNCTION indb_ml._column_norms_combine(float8[], float8[]) IS 'Internal: merge step of indb_ml.column_norms.';

CREATE FUNCTION indb_ml._column_norms_final(state float8[]) RETURNS float8[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
SELECT CASE WHEN state[1] = 'Infinity' THEN state[2:] ELSE indb_ml.array_pow(state[2:], 1 / state[1]) END
$$;
COMMENT ON FUNCTION indb_ml._column_norms_final(float8[]) IS 'Internal: final step of indb_ml.column_norms.';

CREATE AGGREGATE indb_ml.column_norms(float8[], float8) (
    SFUNC = indb_ml._column_norms_transition,
    STYPE = float8[],
    COMBINEFUNC = indb_ml._column_norms_combine,
    FINALFUNC = indb_ml._column_norms_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml.column_norms(float8[], float8) IS
'Per-column p-norms of the rows x: (sum |x_ij|^p)^(1/p) for each column j, or max |x_ij| for p = ''Infinity''; NULL rows are skipped. PL/pgSQL per row, no Python; parallel with a combine step. |x|^p is not rescaled, so it overflows (an error) above about 1e308^(1/p); matrix_norm rescales.';

-- ---- 24_svd.sql ----
-- svd: MADlib's singular value decomposition, in memory, capped by indb_ml.matrix_memory_mb (indb_ml/matrix/svd.py)

CREATE FUNCTION indb_ml.svd(source_table text, output_table_prefix text, row_id text, k integer, n_iterations integer DEFAULT NULL, result_summary_table text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.svd import svd
return svd(plpy, source_table, output_table_prefix, row_id, k, n_iterations, result_summary_table)
$$;
COMMENT ON FUNCTION indb_ml.svd(text, text, text, integer, integer, text) IS
'Singular value decomposition A ~ U S V'' of a dense matrix with its k largest singular values (MADlib svd): source_table has row_id numbered 1..m and either one array column (any numeric array or pgvector vector) or numeric columns, one per matrix column; writes <prefix>_u and <prefix>_v (row_id integer, row_vec float8[]: m x k and n x k), <prefix>_s (row_id, col_id, value: (i, i, sigma_i), descending) and, if named, result_summary_table (rows_used, "exec_time (ms)", iter, recon_error, relative_recon_error). Exact (LAPACK), whatever n_iterations (checked to lie in [k, min(m, n)]); signs: the largest-magnitude entry of each column of U is positive; zero singular values are dropped with a warning. SELECT indb_ml.svd() for usage.';

CREATE FUNCTION indb_ml.svd_sparse(source_table text, output_table_prefix text, row_id text, col_id text, value text, row_dim integer, col_dim integer, k integer, n_iterations integer DEFAULT NULL, result_summary_table text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.svd import svd_sparse
return svd_sparse(plpy, source_table, output_table_prefix, row_id, col_id, value, row_dim, col_dim, k, n_iterations, result_summary_table)
$$;
COMMENT ON FUNCTION indb_ml.svd_sparse(text, text, text, text, text, integer, integer, integer, integer, text) IS
'Singular value decomposition of a row_dim x col_dim sparse matrix given as (row_id, col_id, value) entries, 1-based, without duplicates or NULLs (MADlib svd_sparse), k largest singular values; outputs as indb_ml.svd. ARPACK on the sparse matrix (never densified, fixed start vector) when k < min(row_dim, col_dim) - 1, else LAPACK on the densified matrix; n_iterations is only checked to lie in [k, min(row_dim, col_dim)].';

CREATE FUNCTION indb_ml.svd_sparse_native(source_table text, output_table_prefix text, row_id text, col_id text, value text, row_dim integer, col_dim integer, k integer, n_iterations integer DEFAULT NULL, result_summary_table text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.svd import svd_sparse_native
return svd_sparse_native(plpy, source_table, output_table_prefix, row_id, col_id, value, row_dim, col_dim, k, n_iterations, result_summary_table)
$$;
COMMENT ON FUNCTION indb_ml.svd_sparse_native(text, text, text, text, text, integer, integer, integer, integer, text) IS
'MADlib svd_sparse_native: the same computation and outputs as indb_ml.svd_sparse (which already keeps the matrix sparse).';

CREATE FUNCTION indb_ml.svd() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.svd import svd_help
return svd_help()
$$;
COMMENT ON FUNCTION indb_ml.svd() IS 'Usage of indb_ml.svd, svd_sparse and svd_sparse_native.';

CREATE FUNCTION indb_ml.svd(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.svd import svd_help
return svd_help(message)
$$;
COMMENT ON FUNCTION indb_ml.svd(text) IS 'Usage of indb_ml.svd, svd_sparse and svd_sparse_native (''usage'' or any text).';

-- ---- 25_matrix_help.sql ----
-- matrix help: MADlib's usage overloads matrix_xxx() and matrix_xxx(message text) for every matrix
-- function; the texts are in indb_ml/matrix/help.py. No real matrix function takes fewer than two
-- arguments, so these never make a call ambiguous.

CREATE FUNCTION indb_ml.matrix_mult() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_mult')
$$;
COMMENT ON FUNCTION indb_ml.matrix_mult() IS 'Usage of indb_ml.matrix_mult: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_mult(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_mult', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_mult(text) IS 'Usage of indb_ml.matrix_mult: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_add() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_add')
$$;
COMMENT ON FUNCTION indb_ml.matrix_add() IS 'Usage of indb_ml.matrix_add: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_add(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_add', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_add(text) IS 'Usage of indb_ml.matrix_add: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_sub() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_sub')
$$;
COMMENT ON FUNCTION indb_ml.matrix_sub() IS 'Usage of indb_ml.matrix_sub: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_sub(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_sub', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_sub(text) IS 'Usage of indb_ml.matrix_sub: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_elem_mult() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_elem_mult')
$$;
COMMENT ON FUNCTION indb_ml.matrix_elem_mult() IS 'Usage of indb_ml.matrix_elem_mult: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_elem_mult(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_elem_mult', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_elem_mult(text) IS 'Usage of indb_ml.matrix_elem_mult: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_scalar_mult() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_scalar_mult')
$$;
COMMENT ON FUNCTION indb_ml.matrix_scalar_mult() IS 'Usage of indb_ml.matrix_scalar_mult: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_scalar_mult(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_scalar_mult', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_scalar_mult(text) IS 'Usage of indb_ml.matrix_scalar_mult: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_vec_mult() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_vec_mult')
$$;
COMMENT ON FUNCTION indb_ml.matrix_vec_mult() IS 'Usage of indb_ml.matrix_vec_mult: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_vec_mult(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_vec_mult', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_vec_mult(text) IS 'Usage of indb_ml.matrix_vec_mult: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_trans() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_trans')
$$;
COMMENT ON FUNCTION indb_ml.matrix_trans() IS 'Usage of indb_ml.matrix_trans: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_trans(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_trans', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_trans(text) IS 'Usage of indb_ml.matrix_trans: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_densify() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_densify')
$$;
COMMENT ON FUNCTION indb_ml.matrix_densify() IS 'Usage of indb_ml.matrix_densify: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_densify(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_densify', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_densify(text) IS 'Usage of indb_ml.matrix_densify: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_sparsify() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_sparsify')
$$;
COMMENT ON FUNCTION indb_ml.matrix_sparsify() IS 'Usage of indb_ml.matrix_sparsify: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_sparsify(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_sparsify', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_sparsify(text) IS 'Usage of indb_ml.matrix_sparsify: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_reblock() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_reblock')
$$;
COMMENT ON FUNCTION indb_ml.matrix_reblock() IS 'Usage of indb_ml.matrix_reblock: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_reblock(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_reblock', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_reblock(text) IS 'Usage of indb_ml.matrix_reblock: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_ndims() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_ndims')
$$;
COMMENT ON FUNCTION indb_ml.matrix_ndims() IS 'Usage of indb_ml.matrix_ndims: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_ndims(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_ndims', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_ndims(text) IS 'Usage of indb_ml.matrix_ndims: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_extract_row() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_extract_row')
$$;
COMMENT ON FUNCTION indb_ml.matrix_extract_row() IS 'Usage of indb_ml.matrix_extract_row: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_extract_row(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_extract_row', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_extract_row(text) IS 'Usage of indb_ml.matrix_extract_row: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_extract_col() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_extract_col')
$$;
COMMENT ON FUNCTION indb_ml.matrix_extract_col() IS 'Usage of indb_ml.matrix_extract_col: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_extract_col(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_extract_col', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_extract_col(text) IS 'Usage of indb_ml.matrix_extract_col: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_extract_diag() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_extract_diag')
$$;
COMMENT ON FUNCTION indb_ml.matrix_extract_diag() IS 'Usage of indb_ml.matrix_extract_diag: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_extract_diag(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_extract_diag', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_extract_diag(text) IS 'Usage of indb_ml.matrix_extract_diag: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_max() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_max')
$$;
COMMENT ON FUNCTION indb_ml.matrix_max() IS 'Usage of indb_ml.matrix_max: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_max(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_max', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_max(text) IS 'Usage of indb_ml.matrix_max: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_min() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_min')
$$;
COMMENT ON FUNCTION indb_ml.matrix_min() IS 'Usage of indb_ml.matrix_min: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_min(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_min', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_min(text) IS 'Usage of indb_ml.matrix_min: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_sum() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_sum')
$$;
COMMENT ON FUNCTION indb_ml.matrix_sum() IS 'Usage of indb_ml.matrix_sum: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_sum(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_sum', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_sum(text) IS 'Usage of indb_ml.matrix_sum: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_mean() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_mean')
$$;
COMMENT ON FUNCTION indb_ml.matrix_mean() IS 'Usage of indb_ml.matrix_mean: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_mean(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_mean', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_mean(text) IS 'Usage of indb_ml.matrix_mean: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_norm() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_norm')
$$;
COMMENT ON FUNCTION indb_ml.matrix_norm() IS 'Usage of indb_ml.matrix_norm: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_norm(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_norm', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_norm(text) IS 'Usage of indb_ml.matrix_norm: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_rank() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_rank')
$$;
COMMENT ON FUNCTION indb_ml.matrix_rank() IS 'Usage of indb_ml.matrix_rank: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_rank(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_rank', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_rank(text) IS 'Usage of indb_ml.matrix_rank: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_nuclear_norm() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_nuclear_norm')
$$;
COMMENT ON FUNCTION indb_ml.matrix_nuclear_norm() IS 'Usage of indb_ml.matrix_nuclear_norm: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_nuclear_norm(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_nuclear_norm', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_nuclear_norm(text) IS 'Usage of indb_ml.matrix_nuclear_norm: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_ones() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_ones')
$$;
COMMENT ON FUNCTION indb_ml.matrix_ones() IS 'Usage of indb_ml.matrix_ones: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_ones(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_ones', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_ones(text) IS 'Usage of indb_ml.matrix_ones: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_zeros() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_zeros')
$$;
COMMENT ON FUNCTION indb_ml.matrix_zeros() IS 'Usage of indb_ml.matrix_zeros: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_zeros(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_zeros', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_zeros(text) IS 'Usage of indb_ml.matrix_zeros: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_identity() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_identity')
$$;
COMMENT ON FUNCTION indb_ml.matrix_identity() IS 'Usage of indb_ml.matrix_identity: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_identity(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_identity', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_identity(text) IS 'Usage of indb_ml.matrix_identity: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_diag() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_diag')
$$;
COMMENT ON FUNCTION indb_ml.matrix_diag() IS 'Usage of indb_ml.matrix_diag: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_diag(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_diag', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_diag(text) IS 'Usage of indb_ml.matrix_diag: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_random() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_random')
$$;
COMMENT ON FUNCTION indb_ml.matrix_random() IS 'Usage of indb_ml.matrix_random: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_random(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_random', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_random(text) IS 'Usage of indb_ml.matrix_random: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_inverse() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_inverse')
$$;
COMMENT ON FUNCTION indb_ml.matrix_inverse() IS 'Usage of indb_ml.matrix_inverse: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_inverse(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_inverse', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_inverse(text) IS 'Usage of indb_ml.matrix_inverse: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_pinv() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_pinv')
$$;
COMMENT ON FUNCTION indb_ml.matrix_pinv() IS 'Usage of indb_ml.matrix_pinv: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_pinv(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_pinv', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_pinv(text) IS 'Usage of indb_ml.matrix_pinv: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_eigen() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_eigen')
$$;
COMMENT ON FUNCTION indb_ml.matrix_eigen() IS 'Usage of indb_ml.matrix_eigen: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_eigen(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_eigen', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_eigen(text) IS 'Usage of indb_ml.matrix_eigen: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_cholesky() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_cholesky')
$$;
COMMENT ON FUNCTION indb_ml.matrix_cholesky() IS 'Usage of indb_ml.matrix_cholesky: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_cholesky(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_cholesky', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_cholesky(text) IS 'Usage of indb_ml.matrix_cholesky: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_qr() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_qr')
$$;
COMMENT ON FUNCTION indb_ml.matrix_qr() IS 'Usage of indb_ml.matrix_qr: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_qr(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_qr', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_qr(text) IS 'Usage of indb_ml.matrix_qr: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_lu() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_lu')
$$;
COMMENT ON FUNCTION indb_ml.matrix_lu() IS 'Usage of indb_ml.matrix_lu: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_lu(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_lu', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_lu(text) IS 'Usage of indb_ml.matrix_lu: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

-- ---- 30_array_ops.sql ----
-- array_ops: MADlib's array operations (array_ops) and vector norms and distances (linalg), for float8[] and pgvector vector

-- Every function here runs once per row in BI queries, so none is PL/Python:
--   * float8[] functions are PL/pgSQL loops (measured on 1M rows of 10-element arrays:
--     array_dot ~1.9 us and array_add ~2.5 us per call above a 0.19 us scan; a LANGUAGE sql
--     body over unnest() costs ~3x more, because a function with a subquery is never inlined
--     and runs the executor on every call);
--   * vector overloads have SQL-standard bodies (RETURN ...) around pgvector's C functions:
--     PostgreSQL inlines them into the query (as fast as the operators themselves), and the
--     body is bound at CREATE EXTENSION time, so neither pgvector's schema nor the caller's
--     search_path matters;
--   * built-ins called from PL/pgSQL are written pg_catalog.f() (PL/pgSQL resolves names
--     with the caller's search_path).
--
-- Semantics: MADlib's where it is defined; each function's COMMENT states its edge cases.
--   * Arrays are float8[]; integer, numeric and real arrays are cast implicitly, and results
--     are float8 / float8[] (MADlib returns the input's element type).
--   * Element-wise functions, sums, extrema, mean and stddev accept 1-D and N-D arrays (MADlib:
--     "work with 2-D arrays"); operands must have the same shape. Index functions, norms,
--     distances and normalize take 1-D arrays only.
--   * Arrays of different lengths: SQLSTATE 2202E, naming both lengths. Too many dimensions:
--     2202E. NULL elements: 22004 where MADlib rejects them; the sums, extrema, mean and
--     stddev skip NULL and NaN elements, as MADlib does.
--   * Empty arrays: element-wise results are empty, sums and norms are 0, and what is undefined
--     (mean, stddev of fewer than 2 values, min, max, their indexes) is NULL, as for
--     PostgreSQL's avg/stddev_samp/min/max over no rows (MADlib returns 0 with a WARNING).
--   * Division by zero, square roots of negatives and overflow raise errors (MADlib and
--     PostgreSQL float8 arithmetic); Infinity and NaN elements propagate.
--   * Element-wise results keep x's subscripts when x and y have the same lower bound and are
--     1-based otherwise; N-D element-wise results are 1-based (array_fill keeps x's subscripts).
--   * '{1,2}' literals are ambiguous between the float8[] and vector overloads of the norms
--     and distances (as pgvector's own functions): write '{1,2}'::float8[] or ARRAY[1, 2].

-- ---------------------------------------------------------------- internal helpers

CREATE FUNCTION indb_ml._array_null_error(fn text, argname text, x anyarray) RETURNS void
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    p int := pg_catalog.array_position(x, NULL);
BEGIN
    IF p IS NOT NULL THEN
        RAISE EXCEPTION '%: %[%] is NULL; these arrays must not contain NULLs', fn, argname, p
            USING ERRCODE = '22004',
                  HINT = 'Replace them first, e.g. pg_catalog.array_replace(' || argname
                      || ', NULL, 0), or skip such rows with NOT indb_ml.array_contains_null('
                      || argname || ').';
    END IF;
END
$$;
COMMENT ON FUNCTION indb_ml._array_null_error(text, text, anyarray) IS
'Internal: raises 22004 naming the first NULL element of a 1-D array, if there is one.';

CREATE FUNCTION indb_ml._array_check_shape(fn text, x float8[], y float8[]) RETURNS void
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
BEGIN
    IF pg_catalog.array_ndims(x) IS DISTINCT FROM pg_catalog.array_ndims(y) THEN
        RAISE EXCEPTION '%: x has dimensions % but y has %', fn,
            coalesce(pg_catalog.array_dims(x), '(empty)'), coalesce(pg_catalog.array_dims(y), '(empty)')
            USING ERRCODE = '2202E';
    END IF;
    FOR d IN 1..pg_catalog.array_ndims(x) LOOP
        IF pg_catalog.array_length(x, d) <> pg_catalog.array_length(y, d) THEN
            RAISE EXCEPTION '%: x has dimensions % but y has %', fn,
                pg_catalog.array_dims(x), pg_catalog.array_dims(y)
                USING ERRCODE = '2202E';
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION indb_ml._array_check_shape(text, float8[], float8[]) IS
'Internal: raises 2202E unless x and y have the same number of dimensions and the same length in each.';

CREATE FUNCTION indb_ml._array_flatten(x float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    r float8[] := '{}';
    a float8;
BEGIN
    FOREACH a IN ARRAY x LOOP
        r := pg_catalog.array_append(r, a);
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml._array_flatten(float8[]) IS
'Internal: the elements of an N-D array as a 1-D array, in storage (row-major) order.';

CREATE FUNCTION indb_ml._array_reshape_like(flat float8[], template float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    nd int := pg_catalog.array_ndims(template);
    cur float8[] := flat;
    c int;
BEGIN
    IF nd IS NULL OR nd <= 1 THEN
        RETURN flat;
    END IF;
    -- Group the leading dimension into blocks of the template's d-th length, from the last
    -- dimension to the second: 1-D -> 2-D -> ... -> N-D (array_agg of k-D slices is (k+1)-D).
    FOR d IN REVERSE nd..2 LOOP
        c := pg_catalog.array_length(template, d);
        cur := (SELECT pg_catalog.array_agg(cur[(g - 1) * c + 1 : g * c] ORDER BY g)
                FROM pg_catalog.generate_series(1, pg_catalog.array_length(cur, 1) / c) AS g);
    END LOOP;
    RETURN cur;
END
$$;
COMMENT ON FUNCTION indb_ml._array_reshape_like(float8[], float8[]) IS
'Internal: a 1-D array reshaped to the dimensions of template (1-based), in row-major order.';

-- ---------------------------------------------------------------- element-wise, two arrays

CREATE FUNCTION indb_ml.array_add(x float8[], y float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    n int := pg_catalog.cardinality(x);
    r float8[];
BEGIN
    IF pg_catalog.array_ndims(x) > 1 OR pg_catalog.array_ndims(y) > 1 THEN
        PERFORM indb_ml._array_check_shape('array_add', x, y);
        RETURN indb_ml._array_reshape_like(
            indb_ml.array_add(indb_ml._array_flatten(x), indb_ml._array_flatten(y)), x);
    END IF;
    IF n <> pg_catalog.cardinality(y) THEN
        RAISE EXCEPTION 'array_add: x has % elements but y has %', n, pg_catalog.cardinality(y)
            USING ERRCODE = '2202E';
    END IF;
    IF n = 0 THEN
        RETURN x;
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL OR pg_catalog.array_position(y, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('array_add', 'x', x);
        PERFORM indb_ml._array_null_error('array_add', 'y', y);
    END IF;
    IF pg_catalog.array_lower(x, 1) <> pg_catalog.array_lower(y, 1) THEN
        x := x[:];
        y := y[:];
    END IF;
    r := x;
    FOR i IN pg_catalog.array_lower(x, 1)..pg_catalog.array_upper(x, 1) LOOP
        r[i] := x[i] + y[i];
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml.array_add(float8[], float8[]) IS
'Element-wise sum x + y of two arrays of the same shape; NULL elements are an error (MADlib array_add).';

CREATE FUNCTION indb_ml.array_sub(x float8[], y float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    n int := pg_catalog.cardinality(x);
    r float8[];
BEGIN
    IF pg_catalog.array_ndims(x) > 1 OR pg_catalog.array_ndims(y) > 1 THEN
        PERFORM indb_ml._array_check_shape('array_sub', x, y);
        RETURN indb_ml._array_reshape_like(
            indb_ml.array_sub(indb_ml._array_flatten(x), indb_ml._array_flatten(y)), x);
    END IF;
    IF n <> pg_catalog.cardinality(y) THEN
        RAISE EXCEPTION 'array_sub: x has % elements but y has %', n, pg_catalog.cardinality(y)
            USING ERRCODE = '2202E';
    END IF;
    IF n = 0 THEN
        RETURN x;
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL OR pg_catalog.array_position(y, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('array_sub', 'x', x);
        PERFORM indb_ml._array_null_error('array_sub', 'y', y);
    END IF;
    IF pg_catalog.array_lower(x, 1) <> pg_catalog.array_lower(y, 1) THEN
        x := x[:];
        y := y[:];
    END IF;
    r := x;
    FOR i IN pg_catalog.array_lower(x, 1)..pg_catalog.array_upper(x, 1) LOOP
        r[i] := x[i] - y[i];
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml.array_sub(float8[], float8[]) IS
'Element-wise difference x - y of two arrays of the same shape; NULL elements are an error (MADlib array_sub).';

CREATE FUNCTION indb_ml.array_mult(x float8[], y float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    n int := pg_catalog.cardinality(x);
    r float8[];
BEGIN
    IF pg_catalog.array_ndims(x) > 1 OR pg_catalog.array_ndims(y) > 1 THEN
        PERFORM indb_ml._array_check_shape('array_mult', x, y);
        RETURN indb_ml._array_reshape_like(
            indb_ml.array_mult(indb_ml._array_flatten(x), indb_ml._array_flatten(y)), x);
    END IF;
    IF n <> pg_catalog.cardinality(y) THEN
        RAISE EXCEPTION 'array_mult: x has % elements but y has %', n, pg_catalog.cardinality(y)
            USING ERRCODE = '2202E';
    END IF;
    IF n = 0 THEN
        RETURN x;
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL OR pg_catalog.array_position(y, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('array_mult', 'x', x);
        PERFORM indb_ml._array_null_error('array_mult', 'y', y);
    END IF;
    IF pg_catalog.array_lower(x, 1) <> pg_catalog.array_lower(y, 1) THEN
        x := x[:];
        y := y[:];
    END IF;
    r := x;
    FOR i IN pg_catalog.array_lower(x, 1)..pg_catalog.array_upper(x, 1) LOOP
        r[i] := x[i] * y[i];
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml.array_mult(float8[], float8[]) IS
'Element-wise (Hadamard) product of two arrays of the same shape; NULL elements are an error (MADlib array_mult).';

CREATE FUNCTION indb_ml.array_div(x float8[], y float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    n int := pg_catalog.cardinality(x);
    r float8[];
BEGIN
    IF pg_catalog.array_ndims(x) > 1 OR pg_catalog.array_ndims(y) > 1 THEN
        PERFORM indb_ml._array_check_shape('array_div', x, y);
        RETURN indb_ml._array_reshape_like(
            indb_ml.array_div(indb_ml._array_flatten(x), indb_ml._array_flatten(y)), x);
    END IF;
    IF n <> pg_catalog.cardinality(y) THEN
        RAISE EXCEPTION 'array_div: x has % elements but y has %', n, pg_catalog.cardinality(y)
            USING ERRCODE = '2202E';
    END IF;
    IF n = 0 THEN
        RETURN x;
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL OR pg_catalog.array_position(y, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('array_div', 'x', x);
        PERFORM indb_ml._array_null_error('array_div', 'y', y);
    END IF;
    IF 0::float8 = ANY (y) THEN
        RAISE EXCEPTION 'array_div: division by zero: y[%] is 0', pg_catalog.array_position(y, 0::float8)
            USING ERRCODE = '22012';
    END IF;
    IF pg_catalog.array_lower(x, 1) <> pg_catalog.array_lower(y, 1) THEN
        x := x[:];
        y := y[:];
    END IF;
    r := x;
    FOR i IN pg_catalog.array_lower(x, 1)..pg_catalog.array_upper(x, 1) LOOP
        r[i] := x[i] / y[i];
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml.array_div(float8[], float8[]) IS
'Element-wise quotient x / y of two arrays of the same shape; a zero in y is a division-by-zero error (22012) and NULL elements are an error (MADlib array_div).';

CREATE FUNCTION indb_ml.array_dot(x float8[], y float8[]) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    n int := pg_catalog.cardinality(x);
    s float8 := 0;
BEGIN
    IF pg_catalog.array_ndims(x) > 1 OR pg_catalog.array_ndims(y) > 1 THEN
        PERFORM indb_ml._array_check_shape('array_dot', x, y);
        RETURN indb_ml.array_dot(indb_ml._array_flatten(x), indb_ml._array_flatten(y));
    END IF;
    IF n <> pg_catalog.cardinality(y) THEN
        RAISE EXCEPTION 'array_dot: x has % elements but y has %', n, pg_catalog.cardinality(y)
            USING ERRCODE = '2202E';
    END IF;
    IF pg_catalog.array_lower(x, 1) <> 1 OR pg_catalog.array_lower(y, 1) <> 1 THEN
        x := x[:];
        y := y[:];
    END IF;
    FOR i IN 1..n LOOP
        s := s + x[i] * y[i];
    END LOOP;
    IF s IS NULL THEN  -- a NULL element makes the sum NULL: name it
        PERFORM indb_ml._array_null_error('array_dot', 'x', x);
        PERFORM indb_ml._array_null_error('array_dot', 'y', y);
    END IF;
    RETURN s;
END
$$;
COMMENT ON FUNCTION indb_ml.array_dot(float8[], float8[]) IS
'Dot product sum(x[i] * y[i]) of two arrays of the same shape (N-D: the Frobenius inner product); 0 for empty arrays; NULL elements are an error (MADlib array_dot).';

CREATE FUNCTION indb_ml.array_contains(x float8[], y float8[]) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    n int := pg_catalog.cardinality(x);
BEGIN
    IF pg_catalog.array_ndims(x) > 1 OR pg_catalog.array_ndims(y) > 1 THEN
        PERFORM indb_ml._array_check_shape('array_contains', x, y);
        RETURN indb_ml.array_contains(indb_ml._array_flatten(x), indb_ml._array_flatten(y));
    END IF;
    IF n <> pg_catalog.cardinality(y) THEN
        RAISE EXCEPTION 'array_contains: x has % elements but y has %', n, pg_catalog.cardinality(y)
            USING ERRCODE = '2202E';
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL OR pg_catalog.array_position(y, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('array_contains', 'x', x);
        PERFORM indb_ml._array_null_error('array_contains', 'y', y);
    END IF;
    IF pg_catalog.array_lower(x, 1) <> 1 OR pg_catalog.array_lower(y, 1) <> 1 THEN
        x := x[:];
        y := y[:];
    END IF;
    FOR i IN 1..n LOOP
        IF y[i] <> 0 AND y[i] <> x[i] THEN
            RETURN false;
        END IF;
    END LOOP;
    RETURN true;
END
$$;
COMMENT ON FUNCTION indb_ml.array_contains(float8[], float8[]) IS
'True if every non-zero element of y equals the element of x at the same position (MADlib array_contains); arrays of the same shape, no NULL elements.';

-- ---------------------------------------------------------------- element-wise, one array

CREATE FUNCTION indb_ml.array_scalar_mult(x float8[], k float8) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    r float8[];
BEGIN
    IF pg_catalog.array_ndims(x) > 1 THEN
        RETURN indb_ml._array_reshape_like(indb_ml.array_scalar_mult(indb_ml._array_flatten(x), k), x);
    END IF;
    IF pg_catalog.cardinality(x) = 0 THEN
        RETURN x;
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('array_scalar_mult', 'x', x);
    END IF;
    r := x;
    FOR i IN pg_catalog.array_lower(x, 1)..pg_catalog.array_upper(x, 1) LOOP
        r[i] := x[i] * k;
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml.array_scalar_mult(float8[], float8) IS
'Every element of x multiplied by the scalar k (MADlib array_scalar_mult); NULL elements are an error.';

CREATE FUNCTION indb_ml.array_scalar_add(x float8[], k float8) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    r float8[];
BEGIN
    IF pg_catalog.array_ndims(x) > 1 THEN
        RETURN indb_ml._array_reshape_like(indb_ml.array_scalar_add(indb_ml._array_flatten(x), k), x);
    END IF;
    IF pg_catalog.cardinality(x) = 0 THEN
        RETURN x;
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('array_scalar_add', 'x', x);
    END IF;
    r := x;
    FOR i IN pg_catalog.array_lower(x, 1)..pg_catalog.array_upper(x, 1) LOOP
        r[i] := x[i] + k;
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml.array_scalar_add(float8[], float8) IS
'Every element of x plus the scalar k (MADlib array_scalar_add); NULL elements are an error.';

CREATE FUNCTION indb_ml.array_abs(x float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    r float8[];
BEGIN
    IF pg_catalog.array_ndims(x) > 1 THEN
        RETURN indb_ml._array_reshape_like(indb_ml.array_abs(indb_ml._array_flatten(x)), x);
    END IF;
    IF pg_catalog.cardinality(x) = 0 THEN
        RETURN x;
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('array_abs', 'x', x);
    END IF;
    r := x;
    FOR i IN pg_catalog.array_lower(x, 1)..pg_catalog.array_upper(x, 1) LOOP
        r[i] := pg_catalog.abs(x[i]);
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml.array_abs(float8[]) IS
'Absolute value of every element (MADlib array_abs); NULL elements are an error.';

CREATE FUNCTION indb_ml.array_sqrt(x float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    r float8[];
BEGIN
    IF pg_catalog.array_ndims(x) > 1 THEN
        RETURN indb_ml._array_reshape_like(indb_ml.array_sqrt(indb_ml._array_flatten(x)), x);
    END IF;
    IF pg_catalog.cardinality(x) = 0 THEN
        RETURN x;
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('array_sqrt', 'x', x);
    END IF;
    IF 0::float8 > ANY (x) THEN
        RAISE EXCEPTION 'array_sqrt: cannot take the square root of a negative number: x[%] is %',
            (SELECT i FROM pg_catalog.generate_subscripts(x, 1) AS i WHERE x[i] < 0 ORDER BY i LIMIT 1),
            (SELECT x[i] FROM pg_catalog.generate_subscripts(x, 1) AS i WHERE x[i] < 0 ORDER BY i LIMIT 1)
            USING ERRCODE = '2201F';
    END IF;
    r := x;
    FOR i IN pg_catalog.array_lower(x, 1)..pg_catalog.array_upper(x, 1) LOOP
        r[i] := pg_catalog.sqrt(x[i]);
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml.array_sqrt(float8[]) IS
'Square root of every element (MADlib array_sqrt); a negative element is an error (2201F), as are NULL elements.';

CREATE FUNCTION indb_ml.array_square(x float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    r float8[];
BEGIN
    IF pg_catalog.array_ndims(x) > 1 THEN
        RETURN indb_ml._array_reshape_like(indb_ml.array_square(indb_ml._array_flatten(x)), x);
    END IF;
    IF pg_catalog.cardinality(x) = 0 THEN
        RETURN x;
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('array_square', 'x', x);
    END IF;
    r := x;
    FOR i IN pg_catalog.array_lower(x, 1)..pg_catalog.array_upper(x, 1) LOOP
        r[i] := x[i] * x[i];
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml.array_square(float8[]) IS
'Square of every element (MADlib array_square); NULL elements are an error.';

CREATE FUNCTION indb_ml.array_pow(x float8[], y float8) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    r float8[];
BEGIN
    IF pg_catalog.array_ndims(x) > 1 THEN
        RETURN indb_ml._array_reshape_like(indb_ml.array_pow(indb_ml._array_flatten(x), y), x);
    END IF;
    IF pg_catalog.cardinality(x) = 0 THEN
        RETURN x;
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('array_pow', 'x', x);
    END IF;
    r := x;
    FOR i IN pg_catalog.array_lower(x, 1)..pg_catalog.array_upper(x, 1) LOOP
        r[i] := pg_catalog.power(x[i], y);
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml.array_pow(float8[], float8) IS
'Every element raised to the power y (MADlib array_pow), with PostgreSQL''s power(): 0 to a negative power and a negative number to a non-integer power are errors (2201F).';

CREATE FUNCTION indb_ml.array_cos(x float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    r float8[];
BEGIN
    IF pg_catalog.array_ndims(x) > 1 THEN
        RETURN indb_ml._array_reshape_like(indb_ml.array_cos(indb_ml._array_flatten(x)), x);
    END IF;
    IF pg_catalog.cardinality(x) = 0 THEN
        RETURN x;
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('array_cos', 'x', x);
    END IF;
    r := x;
    FOR i IN pg_catalog.array_lower(x, 1)..pg_catalog.array_upper(x, 1) LOOP
        r[i] := pg_catalog.cos(x[i]);
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml.array_cos(float8[]) IS
'Cosine of every element, in radians (MADlib array_cos); NULL elements are an error.';

CREATE FUNCTION indb_ml.array_cum_sum(x float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    r float8[];
    s float8 := 0;
BEGIN
    IF pg_catalog.array_ndims(x) > 1 THEN
        RETURN indb_ml._array_reshape_like(indb_ml.array_cum_sum(indb_ml._array_flatten(x)), x);
    END IF;
    IF pg_catalog.cardinality(x) = 0 THEN
        RETURN x;
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('array_cum_sum', 'x', x);
    END IF;
    r := x;
    FOR i IN pg_catalog.array_lower(x, 1)..pg_catalog.array_upper(x, 1) LOOP
        s := s + x[i];
        r[i] := s;
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml.array_cum_sum(float8[]) IS
'Cumulative sum: element i is x[1] + ... + x[i], in storage order for N-D arrays (MADlib array_cum_sum); NULL elements are an error.';

CREATE FUNCTION indb_ml.array_cum_prod(x float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    r float8[];
    p float8 := 1;
BEGIN
    IF pg_catalog.array_ndims(x) > 1 THEN
        RETURN indb_ml._array_reshape_like(indb_ml.array_cum_prod(indb_ml._array_flatten(x)), x);
    END IF;
    IF pg_catalog.cardinality(x) = 0 THEN
        RETURN x;
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('array_cum_prod', 'x', x);
    END IF;
    r := x;
    FOR i IN pg_catalog.array_lower(x, 1)..pg_catalog.array_upper(x, 1) LOOP
        p := p * x[i];
        r[i] := p;
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml.array_cum_prod(float8[]) IS
'Cumulative product: element i is x[1] * ... * x[i], in storage order for N-D arrays (MADlib array_cum_prod); NULL elements are an error.';

CREATE FUNCTION indb_ml.array_fill(x float8[], k float8) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    dims int[] := '{}';
    lbs int[] := '{}';
BEGIN
    IF pg_catalog.cardinality(x) = 0 THEN
        RETURN x;
    END IF;
    FOR d IN 1..pg_catalog.array_ndims(x) LOOP
        dims := pg_catalog.array_append(dims, pg_catalog.array_length(x, d));
        lbs := pg_catalog.array_append(lbs, pg_catalog.array_lower(x, d));
    END LOOP;
    RETURN pg_catalog.array_fill(k, dims, lbs);
END
$$;
COMMENT ON FUNCTION indb_ml.array_fill(float8[], float8) IS
'An array of the shape and subscripts of x with every element set to k (MADlib array_fill; the values of x, NULLs included, are ignored). Call it qualified: pg_catalog.array_fill(value, dims) is PostgreSQL''s own.';

CREATE FUNCTION indb_ml.array_of_float(k integer) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
BEGIN
    IF k < 1 OR k > 10000000 THEN
        RAISE EXCEPTION 'array_of_float: invalid array length %; it must be between 1 and 10000000', k
            USING ERRCODE = '22023';
    END IF;
    RETURN pg_catalog.array_fill(0::float8, ARRAY[k]);
END
$$;
COMMENT ON FUNCTION indb_ml.array_of_float(integer) IS
'A float8 array of k zeros, 1 <= k <= 10^7 (MADlib array_of_float).';

CREATE FUNCTION indb_ml.array_of_bigint(k integer) RETURNS bigint[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
BEGIN
    IF k < 1 OR k > 10000000 THEN
        RAISE EXCEPTION 'array_of_bigint: invalid array length %; it must be between 1 and 10000000', k
            USING ERRCODE = '22023';
    END IF;
    RETURN pg_catalog.array_fill(0::bigint, ARRAY[k]);
END
$$;
COMMENT ON FUNCTION indb_ml.array_of_bigint(integer) IS
'A bigint array of k zeros, 1 <= k <= 10^7 (MADlib array_of_bigint).';

CREATE FUNCTION indb_ml.array_filter(x float8[], k float8, op text) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    r float8[] := '{}';
    a float8;
BEGIN
    IF pg_catalog.array_ndims(x) > 1 THEN
        RAISE EXCEPTION 'array_filter: x must be a one-dimensional array, got % dimensions', pg_catalog.array_ndims(x)
            USING ERRCODE = '2202E';
    END IF;
    IF op NOT IN ('!=', '<>', '=', '==', '>', '>=', '<', '<=') THEN
        RAISE EXCEPTION 'array_filter: operator "%" is not supported', op
            USING ERRCODE = '22023', HINT = 'Use one of !=, <>, =, ==, >, >=, <, <=.';
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('array_filter', 'x', x);
    END IF;
    FOREACH a IN ARRAY x LOOP
        IF (CASE op
                WHEN '!=' THEN a <> k
                WHEN '<>' THEN a <> k
                WHEN '=' THEN a = k
                WHEN '==' THEN a = k
                WHEN '>' THEN a > k
                WHEN '>=' THEN a >= k
                WHEN '<' THEN a < k
                ELSE a <= k
            END) THEN
            r := pg_catalog.array_append(r, a);
        END IF;
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml.array_filter(float8[], float8, text) IS
'The elements a of the 1-D array x for which "a op k" holds, op one of != <> = == > >= < <= (MADlib array_filter). Comparisons are PostgreSQL''s: NaN equals NaN and is greater than every number.';

CREATE FUNCTION indb_ml.array_filter(x float8[], k float8) RETURNS float8[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN indb_ml.array_filter(x, k, '!=');
COMMENT ON FUNCTION indb_ml.array_filter(float8[], float8) IS
'The 1-D array x without the elements equal to k (MADlib array_filter).';

CREATE FUNCTION indb_ml.array_filter(x float8[]) RETURNS float8[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN indb_ml.array_filter(x, 0::float8, '!=');
COMMENT ON FUNCTION indb_ml.array_filter(float8[]) IS
'The 1-D array x without its zeros (MADlib array_filter).';

CREATE FUNCTION indb_ml.normalize(x float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    s float8 := 0;
    a float8;
    r float8[];
BEGIN
    IF pg_catalog.array_ndims(x) > 1 THEN
        RAISE EXCEPTION 'normalize: x must be a one-dimensional array, got % dimensions', pg_catalog.array_ndims(x)
            USING ERRCODE = '2202E';
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('normalize', 'x', x);
    END IF;
    FOREACH a IN ARRAY x LOOP
        s := s + a * a;
    END LOOP;
    IF s = 0 THEN  -- the zero vector (and the empty array) is returned unchanged, as in MADlib
        RETURN x;
    END IF;
    s := pg_catalog.sqrt(s);
    r := x;
    FOR i IN pg_catalog.array_lower(x, 1)..pg_catalog.array_upper(x, 1) LOOP
        r[i] := x[i] / s;
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml.normalize(float8[]) IS
'x divided by its 2-norm, a unit vector (MADlib normalize); a zero or empty vector is returned unchanged, NULL elements and N-D arrays are errors. Always write indb_ml.normalize(x): unqualified normalize(...) is PostgreSQL''s Unicode normalization.';

-- ---------------------------------------------------------------- reductions (skip NULL and NaN, as MADlib)

CREATE FUNCTION indb_ml.array_sum(x float8[]) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    s float8 := 0;
    a float8;
BEGIN
    FOREACH a IN ARRAY x LOOP
        IF a <> 'NaN'::float8 THEN  -- false for NULL and NaN
            s := s + a;
        END IF;
    END LOOP;
    RETURN s;
END
$$;
COMMENT ON FUNCTION indb_ml.array_sum(float8[]) IS
'Sum of the elements, skipping NULL and NaN; 0 for an empty array (MADlib array_sum).';

CREATE FUNCTION indb_ml.array_sum_big(x float8[]) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN indb_ml.array_sum(x);
COMMENT ON FUNCTION indb_ml.array_sum_big(float8[]) IS
'Sum of the elements as float8, skipping NULL and NaN (MADlib array_sum_big; the same as indb_ml.array_sum, which already sums in float8).';

CREATE FUNCTION indb_ml.array_abs_sum(x float8[]) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    s float8 := 0;
    a float8;
BEGIN
    FOREACH a IN ARRAY x LOOP
        IF a <> 'NaN'::float8 THEN
            s := s + pg_catalog.abs(a);
        END IF;
    END LOOP;
    RETURN s;
END
$$;
COMMENT ON FUNCTION indb_ml.array_abs_sum(float8[]) IS
'Sum of the absolute values of the elements, skipping NULL and NaN; 0 for an empty array (MADlib array_abs_sum).';

CREATE FUNCTION indb_ml.array_mean(x float8[]) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    s float8 := 0;
    n bigint := 0;
    a float8;
BEGIN
    FOREACH a IN ARRAY x LOOP
        IF a <> 'NaN'::float8 THEN
            s := s + a;
            n := n + 1;
        END IF;
    END LOOP;
    IF n = 0 THEN
        RETURN NULL;
    END IF;
    RETURN s / n;
END
$$;
COMMENT ON FUNCTION indb_ml.array_mean(float8[]) IS
'Mean of the elements, skipping NULL and NaN (MADlib array_mean); NULL when no element is left, as avg() over no rows (MADlib: 0 with a WARNING).';

CREATE FUNCTION indb_ml.array_stddev(x float8[]) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    s float8 := 0;
    n bigint := 0;
    a float8;
    m float8;
BEGIN
    FOREACH a IN ARRAY x LOOP
        IF a <> 'NaN'::float8 THEN
            s := s + a;
            n := n + 1;
        END IF;
    END LOOP;
    IF n < 2 THEN
        RETURN NULL;
    END IF;
    m := s / n;
    s := 0;
    FOREACH a IN ARRAY x LOOP  -- two passes: the sum of squared deviations, not sum(x^2) - n*mean^2
        IF a <> 'NaN'::float8 THEN
            s := s + (a - m) * (a - m);
        END IF;
    END LOOP;
    RETURN pg_catalog.sqrt(s / (n - 1));
END
$$;
COMMENT ON FUNCTION indb_ml.array_stddev(float8[]) IS
'Sample standard deviation (divisor n - 1) of the elements, skipping NULL and NaN (MADlib array_stddev); NULL for fewer than 2 elements, as stddev_samp() (MADlib: 0).';

CREATE FUNCTION indb_ml.array_max(x float8[]) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    m float8;
    a float8;
BEGIN
    FOREACH a IN ARRAY x LOOP
        IF a <> 'NaN'::float8 AND (m IS NULL OR a > m) THEN
            m := a;
        END IF;
    END LOOP;
    RETURN m;
END
$$;
COMMENT ON FUNCTION indb_ml.array_max(float8[]) IS
'Largest element, skipping NULL and NaN (MADlib array_max); NULL when no element is left.';

CREATE FUNCTION indb_ml.array_min(x float8[]) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    m float8;
    a float8;
BEGIN
    FOREACH a IN ARRAY x LOOP
        IF a <> 'NaN'::float8 AND (m IS NULL OR a < m) THEN
            m := a;
        END IF;
    END LOOP;
    RETURN m;
END
$$;
COMMENT ON FUNCTION indb_ml.array_min(float8[]) IS
'Smallest element, skipping NULL and NaN (MADlib array_min); NULL when no element is left.';

CREATE FUNCTION indb_ml.array_max_index(x float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    m float8;
    k int;
BEGIN
    IF pg_catalog.array_ndims(x) > 1 THEN
        RAISE EXCEPTION 'array_max_index: x must be a one-dimensional array, got % dimensions', pg_catalog.array_ndims(x)
            USING ERRCODE = '2202E';
    END IF;
    IF pg_catalog.cardinality(x) = 0 THEN
        RETURN NULL;
    END IF;
    FOR i IN pg_catalog.array_lower(x, 1)..pg_catalog.array_upper(x, 1) LOOP
        IF x[i] <> 'NaN'::float8 AND (m IS NULL OR x[i] > m) THEN
            m := x[i];
            k := i;
        END IF;
    END LOOP;
    IF k IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN ARRAY[m, k::float8];
END
$$;
COMMENT ON FUNCTION indb_ml.array_max_index(float8[]) IS
'{max, subscript} of the largest element of a 1-D array, the first one on ties, skipping NULL and NaN (MADlib array_max_index); NULL when no element is left.';

CREATE FUNCTION indb_ml.array_min_index(x float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    m float8;
    k int;
BEGIN
    IF pg_catalog.array_ndims(x) > 1 THEN
        RAISE EXCEPTION 'array_min_index: x must be a one-dimensional array, got % dimensions', pg_catalog.array_ndims(x)
            USING ERRCODE = '2202E';
    END IF;
    IF pg_catalog.cardinality(x) = 0 THEN
        RETURN NULL;
    END IF;
    FOR i IN pg_catalog.array_lower(x, 1)..pg_catalog.array_upper(x, 1) LOOP
        IF x[i] <> 'NaN'::float8 AND (m IS NULL OR x[i] < m) THEN
            m := x[i];
            k := i;
        END IF;
    END LOOP;
    IF k IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN ARRAY[m, k::float8];
END
$$;
COMMENT ON FUNCTION indb_ml.array_min_index(float8[]) IS
'{min, subscript} of the smallest element of a 1-D array, the first one on ties, skipping NULL and NaN (MADlib array_min_index); NULL when no element is left.';

CREATE FUNCTION indb_ml.array_contains_null(x anyarray) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
BEGIN
    IF pg_catalog.array_ndims(x) > 1 THEN
        RETURN EXISTS (SELECT FROM pg_catalog.unnest(x) AS e WHERE e IS NULL);
    END IF;
    RETURN pg_catalog.array_position(x, NULL) IS NOT NULL;
END
$$;
COMMENT ON FUNCTION indb_ml.array_contains_null(anyarray) IS
'True if the array has a NULL element, of any type and dimensions (MADlib array_contains_null).';

CREATE FUNCTION indb_ml.array_unnest_2d_to_1d(x anyarray, OUT unnest_row_id integer, OUT unnest_result anyarray)
RETURNS SETOF record
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE ROWS 100
AS $$
BEGIN
    IF pg_catalog.array_ndims(x) IS NULL THEN  -- empty: no rows
        RETURN;
    END IF;
    IF pg_catalog.array_ndims(x) <> 2 THEN
        RAISE EXCEPTION 'array_unnest_2d_to_1d: x must be a two-dimensional array, got % dimension(s)', pg_catalog.array_ndims(x)
            USING ERRCODE = '2202E';
    END IF;
    unnest_row_id := pg_catalog.array_lower(x, 1) - 1;
    FOREACH unnest_result SLICE 1 IN ARRAY x LOOP
        unnest_row_id := unnest_row_id + 1;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION indb_ml.array_unnest_2d_to_1d(anyarray) IS
'The rows of a 2-D array of any type as 1-D arrays: one row (unnest_row_id = the first subscript, unnest_result) per matrix row (MADlib array_unnest_2d_to_1d). SELECT (indb_ml.array_unnest_2d_to_1d(m)).* FROM t.';

-- ---------------------------------------------------------------- norms and distances, float8[] (MADlib linalg)

CREATE FUNCTION indb_ml.norm1(x float8[]) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    s float8 := 0;
    a float8;
BEGIN
    IF pg_catalog.array_ndims(x) > 1 THEN
        RAISE EXCEPTION 'norm1: x must be a one-dimensional array, got % dimensions', pg_catalog.array_ndims(x)
            USING ERRCODE = '2202E';
    END IF;
    FOREACH a IN ARRAY x LOOP
        s := s + pg_catalog.abs(a);
    END LOOP;
    IF s IS NULL THEN
        PERFORM indb_ml._array_null_error('norm1', 'x', x);
    END IF;
    RETURN s;
END
$$;
COMMENT ON FUNCTION indb_ml.norm1(float8[]) IS
'1-norm sum(|x[i]|) of a vector (MADlib norm1); 0 for an empty array, NULL elements are an error.';

CREATE FUNCTION indb_ml.norm2(x float8[]) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    s float8 := 0;
    a float8;
BEGIN
    IF pg_catalog.array_ndims(x) > 1 THEN
        RAISE EXCEPTION 'norm2: x must be a one-dimensional array, got % dimensions', pg_catalog.array_ndims(x)
            USING ERRCODE = '2202E';
    END IF;
    FOREACH a IN ARRAY x LOOP
        s := s + a * a;
    END LOOP;
    IF s IS NULL THEN
        PERFORM indb_ml._array_null_error('norm2', 'x', x);
    END IF;
    RETURN pg_catalog.sqrt(s);
END
$$;
COMMENT ON FUNCTION indb_ml.norm2(float8[]) IS
'2-norm (Euclidean length) sqrt(sum(x[i]^2)) of a vector (MADlib norm2); 0 for an empty array, NULL elements are an error.';

CREATE FUNCTION indb_ml.squared_dist_norm2(x float8[], y float8[]) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    n int := pg_catalog.cardinality(x);
    s float8 := 0;
    d float8;
BEGIN
    IF pg_catalog.array_ndims(x) > 1 OR pg_catalog.array_ndims(y) > 1 THEN
        RAISE EXCEPTION 'squared_dist_norm2: x and y must be one-dimensional arrays, got % and % dimensions',
            pg_catalog.array_ndims(x), pg_catalog.array_ndims(y) USING ERRCODE = '2202E';
    END IF;
    IF n <> pg_catalog.cardinality(y) THEN
        RAISE EXCEPTION 'squared_dist_norm2: x has % elements but y has %', n, pg_catalog.cardinality(y)
            USING ERRCODE = '2202E';
    END IF;
    IF pg_catalog.array_lower(x, 1) <> 1 OR pg_catalog.array_lower(y, 1) <> 1 THEN
        x := x[:];
        y := y[:];
    END IF;
    FOR i IN 1..n LOOP
        d := x[i] - y[i];
        s := s + d * d;
    END LOOP;
    IF s IS NULL THEN
        PERFORM indb_ml._array_null_error('squared_dist_norm2', 'x', x);
        PERFORM indb_ml._array_null_error('squared_dist_norm2', 'y', y);
    END IF;
    RETURN s;
END
$$;
COMMENT ON FUNCTION indb_ml.squared_dist_norm2(float8[], float8[]) IS
'Squared Euclidean distance sum((x[i] - y[i])^2) (MADlib squared_dist_norm2); vectors of the same length, no NULL elements.';

CREATE FUNCTION indb_ml.dist_norm2(x float8[], y float8[]) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    n int := pg_catalog.cardinality(x);
    s float8 := 0;
    d float8;
BEGIN
    IF pg_catalog.array_ndims(x) > 1 OR pg_catalog.array_ndims(y) > 1 THEN
        RAISE EXCEPTION 'dist_norm2: x and y must be one-dimensional arrays, got % and % dimensions',
            pg_catalog.array_ndims(x), pg_catalog.array_ndims(y) USING ERRCODE = '2202E';
    END IF;
    IF n <> pg_catalog.cardinality(y) THEN
        RAISE EXCEPTION 'dist_norm2: x has % elements but y has %', n, pg_catalog.cardinality(y)
            USING ERRCODE = '2202E';
    END IF;
    IF pg_catalog.array_lower(x, 1) <> 1 OR pg_catalog.array_lower(y, 1) <> 1 THEN
        x := x[:];
        y := y[:];
    END IF;
    FOR i IN 1..n LOOP
        d := x[i] - y[i];
        s := s + d * d;
    END LOOP;
    IF s IS NULL THEN
        PERFORM indb_ml._array_null_error('dist_norm2', 'x', x);
        PERFORM indb_ml._array_null_error('dist_norm2', 'y', y);
    END IF;
    RETURN pg_catalog.sqrt(s);
END
$$;
COMMENT ON FUNCTION indb_ml.dist_norm2(float8[], float8[]) IS
'Euclidean distance ||x - y||_2 (MADlib dist_norm2); vectors of the same length, no NULL elements.';

CREATE FUNCTION indb_ml.dist_norm1(x float8[], y float8[]) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    n int := pg_catalog.cardinality(x);
    s float8 := 0;
BEGIN
    IF pg_catalog.array_ndims(x) > 1 OR pg_catalog.array_ndims(y) > 1 THEN
        RAISE EXCEPTION 'dist_norm1: x and y must be one-dimensional arrays, got % and % dimensions',
            pg_catalog.array_ndims(x), pg_catalog.array_ndims(y) USING ERRCODE = '2202E';
    END IF;
    IF n <> pg_catalog.cardinality(y) THEN
        RAISE EXCEPTION 'dist_norm1: x has % elements but y has %', n, pg_catalog.cardinality(y)
            USING ERRCODE = '2202E';
    END IF;
    IF pg_catalog.array_lower(x, 1) <> 1 OR pg_catalog.array_lower(y, 1) <> 1 THEN
        x := x[:];
        y := y[:];
    END IF;
    FOR i IN 1..n LOOP
        s := s + pg_catalog.abs(x[i] - y[i]);
    END LOOP;
    IF s IS NULL THEN
        PERFORM indb_ml._array_null_error('dist_norm1', 'x', x);
        PERFORM indb_ml._array_null_error('dist_norm1', 'y', y);
    END IF;
    RETURN s;
END
$$;
COMMENT ON FUNCTION indb_ml.dist_norm1(float8[], float8[]) IS
'Manhattan distance ||x - y||_1 = sum(|x[i] - y[i]|) (MADlib dist_norm1); vectors of the same length, no NULL elements.';

CREATE FUNCTION indb_ml.dist_inf_norm(x float8[], y float8[]) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    n int := pg_catalog.cardinality(x);
    m float8 := 0;
    d float8;
BEGIN
    IF pg_catalog.array_ndims(x) > 1 OR pg_catalog.array_ndims(y) > 1 THEN
        RAISE EXCEPTION 'dist_inf_norm: x and y must be one-dimensional arrays, got % and % dimensions',
            pg_catalog.array_ndims(x), pg_catalog.array_ndims(y) USING ERRCODE = '2202E';
    END IF;
    IF n <> pg_catalog.cardinality(y) THEN
        RAISE EXCEPTION 'dist_inf_norm: x has % elements but y has %', n, pg_catalog.cardinality(y)
            USING ERRCODE = '2202E';
    END IF;
    IF pg_catalog.array_lower(x, 1) <> 1 OR pg_catalog.array_lower(y, 1) <> 1 THEN
        x := x[:];
        y := y[:];
    END IF;
    FOR i IN 1..n LOOP
        d := pg_catalog.abs(x[i] - y[i]);
        IF d IS NULL THEN
            PERFORM indb_ml._array_null_error('dist_inf_norm', 'x', x);
            PERFORM indb_ml._array_null_error('dist_inf_norm', 'y', y);
        END IF;
        IF d > m THEN  -- PostgreSQL orders NaN above every number: a NaN element gives NaN
            m := d;
        END IF;
    END LOOP;
    RETURN m;
END
$$;
COMMENT ON FUNCTION indb_ml.dist_inf_norm(float8[], float8[]) IS
'Chebyshev distance ||x - y||_inf = max(|x[i] - y[i]|) (MADlib dist_inf_norm); 0 for empty arrays; vectors of the same length, no NULL elements.';

CREATE FUNCTION indb_ml.dist_pnorm(x float8[], y float8[], p float8) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    n int := pg_catalog.cardinality(x);
    s float8 := 0;
BEGIN
    IF NOT p > 0 OR p = 'NaN'::float8 THEN
        RAISE EXCEPTION 'dist_pnorm: p must be positive, got %', p USING ERRCODE = '22023';
    END IF;
    IF p = 'Infinity'::float8 THEN
        RETURN indb_ml.dist_inf_norm(x, y);
    END IF;
    IF pg_catalog.array_ndims(x) > 1 OR pg_catalog.array_ndims(y) > 1 THEN
        RAISE EXCEPTION 'dist_pnorm: x and y must be one-dimensional arrays, got % and % dimensions',
            pg_catalog.array_ndims(x), pg_catalog.array_ndims(y) USING ERRCODE = '2202E';
    END IF;
    IF n <> pg_catalog.cardinality(y) THEN
        RAISE EXCEPTION 'dist_pnorm: x has % elements but y has %', n, pg_catalog.cardinality(y)
            USING ERRCODE = '2202E';
    END IF;
    IF pg_catalog.array_lower(x, 1) <> 1 OR pg_catalog.array_lower(y, 1) <> 1 THEN
        x := x[:];
        y := y[:];
    END IF;
    FOR i IN 1..n LOOP
        s := s + pg_catalog.power(pg_catalog.abs(x[i] - y[i]), p);
    END LOOP;
    IF s IS NULL THEN
        PERFORM indb_ml._array_null_error('dist_pnorm', 'x', x);
        PERFORM indb_ml._array_null_error('dist_pnorm', 'y', y);
    END IF;
    RETURN pg_catalog.power(s, 1 / p);
END
$$;
COMMENT ON FUNCTION indb_ml.dist_pnorm(float8[], float8[], float8) IS
'Minkowski distance ||x - y||_p = (sum(|x[i] - y[i]|^p))^(1/p) for p > 0, p = Infinity giving dist_inf_norm (MADlib dist_pnorm); vectors of the same length, no NULL elements.';

CREATE FUNCTION indb_ml._cosine_similarity(x float8[], y float8[], fn text) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    n int := pg_catalog.cardinality(x);
    xy float8 := 0;
    xx float8 := 0;
    yy float8 := 0;
    c float8;
BEGIN
    IF pg_catalog.array_ndims(x) > 1 OR pg_catalog.array_ndims(y) > 1 THEN
        RAISE EXCEPTION '%: x and y must be one-dimensional arrays, got % and % dimensions',
            fn, pg_catalog.array_ndims(x), pg_catalog.array_ndims(y) USING ERRCODE = '2202E';
    END IF;
    IF n <> pg_catalog.cardinality(y) THEN
        RAISE EXCEPTION '%: x has % elements but y has %', fn, n, pg_catalog.cardinality(y)
            USING ERRCODE = '2202E';
    END IF;
    IF pg_catalog.array_lower(x, 1) <> 1 OR pg_catalog.array_lower(y, 1) <> 1 THEN
        x := x[:];
        y := y[:];
    END IF;
    FOR i IN 1..n LOOP
        xy := xy + x[i] * y[i];
        xx := xx + x[i] * x[i];
        yy := yy + y[i] * y[i];
    END LOOP;
    IF xy IS NULL THEN
        PERFORM indb_ml._array_null_error(fn, 'x', x);
        PERFORM indb_ml._array_null_error(fn, 'y', y);
    END IF;
    IF xx = 0 OR yy = 0 THEN  -- undefined for a zero vector: MADlib returns -1
        RETURN -1;
    END IF;
    c := xy / (pg_catalog.sqrt(xx) * pg_catalog.sqrt(yy));
    IF c = 'NaN'::float8 THEN  -- NaN elements: NaN (the clamp below would turn it into 1)
        RETURN c;
    END IF;
    RETURN pg_catalog.float8smaller(pg_catalog.float8larger(c, -1), 1);
END
$$;
COMMENT ON FUNCTION indb_ml._cosine_similarity(float8[], float8[], text) IS
'Internal: cosine similarity of two vectors for cosine_similarity and dist_angle (fn names the caller in errors).';

CREATE FUNCTION indb_ml.cosine_similarity(x float8[], y float8[]) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN indb_ml._cosine_similarity(x, y, 'cosine_similarity');
COMMENT ON FUNCTION indb_ml.cosine_similarity(float8[], float8[]) IS
'Cosine similarity x.y / (||x|| ||y||), clamped to [-1, 1] (MADlib cosine_similarity); -1 when either vector is zero or empty, as in MADlib.';

CREATE FUNCTION indb_ml.dist_angle(x float8[], y float8[]) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.acos(indb_ml._cosine_similarity(x, y, 'dist_angle'));
COMMENT ON FUNCTION indb_ml.dist_angle(float8[], float8[]) IS
'Angle between two vectors in radians, arccos of their cosine similarity (MADlib dist_angle); pi when either vector is zero or empty, as in MADlib.';

CREATE FUNCTION indb_ml.dist_tanimoto(x float8[], y float8[]) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    n int := pg_catalog.cardinality(x);
    xy float8 := 0;
    t float8 := 0;
BEGIN
    IF pg_catalog.array_ndims(x) > 1 OR pg_catalog.array_ndims(y) > 1 THEN
        RAISE EXCEPTION 'dist_tanimoto: x and y must be one-dimensional arrays, got % and % dimensions',
            pg_catalog.array_ndims(x), pg_catalog.array_ndims(y) USING ERRCODE = '2202E';
    END IF;
    IF n <> pg_catalog.cardinality(y) THEN
        RAISE EXCEPTION 'dist_tanimoto: x has % elements but y has %', n, pg_catalog.cardinality(y)
            USING ERRCODE = '2202E';
    END IF;
    IF pg_catalog.array_lower(x, 1) <> 1 OR pg_catalog.array_lower(y, 1) <> 1 THEN
        x := x[:];
        y := y[:];
    END IF;
    FOR i IN 1..n LOOP
        xy := xy + x[i] * y[i];
        t := t + x[i] * x[i] + y[i] * y[i];
    END LOOP;
    IF xy IS NULL THEN
        PERFORM indb_ml._array_null_error('dist_tanimoto', 'x', x);
        PERFORM indb_ml._array_null_error('dist_tanimoto', 'y', y);
    END IF;
    IF t = xy THEN  -- only when both vectors are zero (or empty): 0/0, NaN as in MADlib
        RETURN 'NaN'::float8;
    END IF;
    RETURN (t - 2 * xy) / (t - xy);
END
$$;
COMMENT ON FUNCTION indb_ml.dist_tanimoto(float8[], float8[]) IS
'Tanimoto distance 1 - x.y / (||x||^2 + ||y||^2 - x.y) (MADlib dist_tanimoto); NaN when both vectors are zero, as in MADlib.';

CREATE FUNCTION indb_ml.dist_jaccard(x text[], y text[]) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    n_both bigint;
    n_any bigint;
BEGIN
    IF pg_catalog.array_ndims(x) > 1 OR pg_catalog.array_ndims(y) > 1 THEN
        RAISE EXCEPTION 'dist_jaccard: x and y must be one-dimensional arrays, got % and % dimensions',
            pg_catalog.array_ndims(x), pg_catalog.array_ndims(y) USING ERRCODE = '2202E';
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL OR pg_catalog.array_position(y, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('dist_jaccard', 'x', x);
        PERFORM indb_ml._array_null_error('dist_jaccard', 'y', y);
    END IF;
    IF pg_catalog.cardinality(x) = 0 OR pg_catalog.cardinality(y) = 0 THEN
        -- as MADlib: two empty sets are at distance 0, one empty set is at distance 1
        RETURN CASE WHEN pg_catalog.cardinality(x) = pg_catalog.cardinality(y) THEN 0 ELSE 1 END;
    END IF;
    -- Elements compare byte-wise (COLLATE "C"), as MADlib's std::string sets.
    SELECT pg_catalog.count(*) FILTER (WHERE in_x AND in_y), pg_catalog.count(*)
      INTO n_both, n_any
      FROM (SELECT pg_catalog.bool_or(src) AS in_x, pg_catalog.bool_or(NOT src) AS in_y
              FROM (SELECT e COLLATE "C" AS e, true AS src FROM pg_catalog.unnest(x) AS e
                    UNION ALL
                    SELECT e COLLATE "C", false FROM pg_catalog.unnest(y) AS e) AS u
             GROUP BY e) AS g;
    RETURN 1 - n_both::float8 / n_any;
END
$$;
COMMENT ON FUNCTION indb_ml.dist_jaccard(text[], text[]) IS
'Jaccard distance 1 - |x n y| / |x u y| of two text arrays taken as sets (MADlib dist_jaccard); 0 for two empty arrays, 1 when only one is empty; NULL elements are an error.';

-- ---------------------------------------------------------------- closest columns (MADlib linalg)

CREATE TYPE indb_ml.closest_column_result AS (
    column_id integer,
    distance float8
);
COMMENT ON TYPE indb_ml.closest_column_result IS 'Result of indb_ml.closest_column (MADlib closest_column_result).';

CREATE TYPE indb_ml.closest_columns_result AS (
    column_ids integer[],
    distances float8[]
);
COMMENT ON TYPE indb_ml.closest_columns_result IS 'Result of indb_ml.closest_columns (MADlib closest_columns_result).';

CREATE FUNCTION indb_ml._closest_distances(m float8[], x float8[], dist text, fn text) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    f regprocedure;
    metric int;
    call text;
    r float8[] := '{}';
    v float8[];
    d float8;
BEGIN
    IF pg_catalog.array_ndims(m) IS DISTINCT FROM 2 THEN
        RAISE EXCEPTION '%: m must be a two-dimensional array (one candidate per row), got % dimensions',
            fn, coalesce(pg_catalog.array_ndims(m), 0) USING ERRCODE = '2202E';
    END IF;
    IF pg_catalog.array_ndims(x) IS DISTINCT FROM 1 THEN
        RAISE EXCEPTION '%: x must be a non-empty one-dimensional array, got % dimensions',
            fn, coalesce(pg_catalog.array_ndims(x), 0) USING ERRCODE = '2202E';
    END IF;
    IF pg_catalog.array_length(m, 2) <> pg_catalog.cardinality(x) THEN
        RAISE EXCEPTION '%: the rows of m have % elements but x has %', fn,
            pg_catalog.array_length(m, 2), pg_catalog.cardinality(x) USING ERRCODE = '2202E';
    END IF;
    -- MADlib's metric names (madlib.dist_norm2) map onto ours; bare names find ours first.
    IF dist ~* '^\s*madlib\s*\.' THEN
        dist := pg_catalog.regexp_replace(dist, '^\s*madlib\s*\.', 'indb_ml.', 'i');
    END IF;
    IF pg_catalog.strpos(dist, '.') = 0 THEN
        f := pg_catalog.to_regprocedure('indb_ml.' || dist || '(float8[], float8[])');
    END IF;
    f := coalesce(f, pg_catalog.to_regprocedure(dist || '(float8[], float8[])'));
    IF f IS NULL THEN
        RAISE EXCEPTION '%: no distance function %(float8[], float8[])', fn, dist
            USING ERRCODE = '42883',
                  HINT = 'Name a function of two float8[] returning float8, e.g. squared_dist_norm2, dist_norm2, dist_norm1, dist_angle, dist_tanimoto.';
    END IF;
    metric := CASE f
        WHEN 'indb_ml.squared_dist_norm2(float8[], float8[])'::regprocedure THEN 1
        WHEN 'indb_ml.dist_norm2(float8[], float8[])'::regprocedure THEN 2
        WHEN 'indb_ml.dist_norm1(float8[], float8[])'::regprocedure THEN 3
        WHEN 'indb_ml.dist_angle(float8[], float8[])'::regprocedure THEN 4
        WHEN 'indb_ml.dist_tanimoto(float8[], float8[])'::regprocedure THEN 5
        WHEN 'indb_ml.dist_inf_norm(float8[], float8[])'::regprocedure THEN 6
    END;
    -- This function is IMMUTABLE and PARALLEL SAFE, so the distance it calls must be too.
    IF metric IS NULL AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_proc AS p WHERE p.oid = f
                                       AND p.provolatile = 'i' AND p.proparallel = 's') THEN
        RAISE EXCEPTION '%: the distance function % must be IMMUTABLE and PARALLEL SAFE', fn, f
            USING ERRCODE = '22023';
    END IF;
    IF metric IS NULL THEN
        SELECT pg_catalog.format('SELECT %I.%I($1, $2)', n.nspname, p.proname) INTO call
          FROM pg_catalog.pg_proc AS p JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
         WHERE p.oid = f;
    END IF;
    FOREACH v SLICE 1 IN ARRAY m LOOP
        d := CASE metric
            WHEN 1 THEN indb_ml.squared_dist_norm2(v, x)
            WHEN 2 THEN indb_ml.dist_norm2(v, x)
            WHEN 3 THEN indb_ml.dist_norm1(v, x)
            WHEN 4 THEN indb_ml.dist_angle(v, x)
            WHEN 5 THEN indb_ml.dist_tanimoto(v, x)
            WHEN 6 THEN indb_ml.dist_inf_norm(v, x)
        END;
        IF metric IS NULL THEN
            EXECUTE call INTO d USING v, x;
        END IF;
        r := pg_catalog.array_append(r, d);
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml._closest_distances(float8[], float8[], text, text) IS
'Internal: the distances from x to every row of the 2-D array m under the named metric (for closest_column and closest_columns).';

CREATE FUNCTION indb_ml.closest_column(m float8[], x float8[], dist text DEFAULT 'squared_dist_norm2')
RETURNS indb_ml.closest_column_result
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    ds float8[];
    best int;
BEGIN
    IF indb_ml.array_contains_null(m) OR indb_ml.array_contains_null(x) THEN
        RETURN NULL;  -- as MADlib: no distance, no answer, for this row
    END IF;
    ds := indb_ml._closest_distances(m, x, dist, 'closest_column');
    FOR i IN 1..pg_catalog.cardinality(ds) LOOP
        IF best IS NULL OR ds[i] < ds[best] THEN
            best := i;
        END IF;
    END LOOP;
    RETURN ROW(best - 1, ds[best])::indb_ml.closest_column_result;
END
$$;
COMMENT ON FUNCTION indb_ml.closest_column(float8[], float8[], text) IS
'The row of the 2-D array m closest to the vector x: (column_id, 0-based as in MADlib; distance), first on ties; dist names a metric f(float8[], float8[]) (default squared_dist_norm2; MADlib''s madlib.* names are accepted). NULL when m or x has a NULL element, as in MADlib closest_column.';

CREATE FUNCTION indb_ml.closest_columns(m float8[], x float8[], num integer, dist text DEFAULT 'squared_dist_norm2')
RETURNS indb_ml.closest_columns_result
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    ds float8[];
    result indb_ml.closest_columns_result;
BEGIN
    IF num < 0 THEN
        RAISE EXCEPTION 'closest_columns: num must not be negative, got %', num USING ERRCODE = '22023';
    END IF;
    IF indb_ml.array_contains_null(m) OR indb_ml.array_contains_null(x) THEN
        RETURN NULL;
    END IF;
    ds := indb_ml._closest_distances(m, x, dist, 'closest_columns');
    SELECT coalesce(pg_catalog.array_agg(i - 1 ORDER BY d, i), '{}'),
           coalesce(pg_catalog.array_agg(d ORDER BY d, i), '{}')
      INTO result.column_ids, result.distances
      FROM (SELECT i, ds[i] AS d FROM pg_catalog.generate_subscripts(ds, 1) AS i
            ORDER BY d, i LIMIT num) AS s;
    RETURN result;
END
$$;
COMMENT ON FUNCTION indb_ml.closest_columns(float8[], float8[], integer, text) IS
'The num rows of the 2-D array m closest to the vector x, nearest first (column_ids 0-based as in MADlib, distances); fewer when m has fewer rows. NULL when m or x has a NULL element, as in MADlib closest_columns.';

-- ---------------------------------------------------------------- pgvector overloads
-- SQL-standard bodies: bound to pgvector's functions when the extension is created, and
-- inlined by the planner, so each call is one pgvector C call. pgvector accumulates in
-- float4 (relative error ~1e-7 x dimension); vectors of different dimensions raise
-- pgvector's own error (22000, "different vector dimensions"). Where pgvector has no C
-- function, the vector is converted to float8[] and the float8[] function computes in float8.

CREATE FUNCTION indb_ml.norm1(x vector) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN l1_distance(x, vector_sub(x, x));
COMMENT ON FUNCTION indb_ml.norm1(vector) IS '1-norm of a pgvector vector (pgvector l1_distance from the zero vector).';

CREATE FUNCTION indb_ml.norm2(x vector) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN vector_norm(x);
COMMENT ON FUNCTION indb_ml.norm2(vector) IS '2-norm of a pgvector vector (pgvector vector_norm).';

CREATE FUNCTION indb_ml.dist_norm1(x vector, y vector) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN l1_distance(x, y);
COMMENT ON FUNCTION indb_ml.dist_norm1(vector, vector) IS 'Manhattan distance of two pgvector vectors (pgvector l1_distance, the <+> operator).';

CREATE FUNCTION indb_ml.dist_norm2(x vector, y vector) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN l2_distance(x, y);
COMMENT ON FUNCTION indb_ml.dist_norm2(vector, vector) IS 'Euclidean distance of two pgvector vectors (pgvector l2_distance, the <-> operator).';

CREATE FUNCTION indb_ml.squared_dist_norm2(x vector, y vector) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN vector_l2_squared_distance(x, y);
COMMENT ON FUNCTION indb_ml.squared_dist_norm2(vector, vector) IS 'Squared Euclidean distance of two pgvector vectors (pgvector vector_l2_squared_distance).';

-- pgvector's cosine_distance is NaN for a zero vector; float8smaller(NaN, 2) = 2 (PostgreSQL
-- orders NaN last), which maps it to MADlib's -1 (and pi for the angle) with strict
-- functions only, so the call still inlines.
CREATE FUNCTION indb_ml.cosine_similarity(x vector, y vector) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN 1 - pg_catalog.float8smaller(cosine_distance(x, y), 2);
COMMENT ON FUNCTION indb_ml.cosine_similarity(vector, vector) IS 'Cosine similarity of two pgvector vectors, 1 - (x <=> y); -1 when either is zero, as MADlib.';

CREATE FUNCTION indb_ml.dist_angle(x vector, y vector) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.acos(1 - pg_catalog.float8smaller(cosine_distance(x, y), 2));
COMMENT ON FUNCTION indb_ml.dist_angle(vector, vector) IS 'Angle in radians between two pgvector vectors, acos(1 - (x <=> y)); pi when either is zero, as MADlib.';

CREATE FUNCTION indb_ml.dist_inf_norm(x vector, y vector) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN indb_ml.dist_inf_norm(x::real[]::float8[], y::real[]::float8[]);
COMMENT ON FUNCTION indb_ml.dist_inf_norm(vector, vector) IS 'Chebyshev distance of two pgvector vectors (computed as float8[]: pgvector has no such function).';

CREATE FUNCTION indb_ml.dist_pnorm(x vector, y vector, p float8) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN indb_ml.dist_pnorm(x::real[]::float8[], y::real[]::float8[], p);
COMMENT ON FUNCTION indb_ml.dist_pnorm(vector, vector, float8) IS 'Minkowski p-distance of two pgvector vectors (computed as float8[]; for p = 1 and 2 dist_norm1/dist_norm2 are faster).';

CREATE FUNCTION indb_ml.dist_tanimoto(x vector, y vector) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN indb_ml.dist_tanimoto(x::real[]::float8[], y::real[]::float8[]);
COMMENT ON FUNCTION indb_ml.dist_tanimoto(vector, vector) IS 'Tanimoto distance of two pgvector vectors (computed as float8[], NaN when both are zero, as MADlib).';

-- ---- 31_array_aggregates.sql ----
-- array aggregates: element-wise sum and mean of array rows (MADlib sum(anyarray), avg(anyarray))

CREATE AGGREGATE indb_ml.sum(float8[]) (
    SFUNC = indb_ml.array_add,
    STYPE = float8[],
    COMBINEFUNC = indb_ml.array_add,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml.sum(float8[]) IS
'Element-wise sum of array rows (MADlib sum(anyarray)); NULL rows are skipped, arrays of different shapes or with NULL elements are an error. PL/pgSQL per row, no Python; parallel with a combine step.';

CREATE FUNCTION indb_ml._array_avg_transition(state float8[], x float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
    IF x IS NULL THEN
        RETURN state;
    END IF;
    IF pg_catalog.cardinality(x) = 0 AND (state IS NULL OR pg_catalog.cardinality(state) = 1) THEN
        RETURN ARRAY[COALESCE(state[1], 0) + 1]::float8[];  -- empty rows average to '{}', as sum gives '{}'
    END IF;
    IF pg_catalog.array_ndims(x) IS DISTINCT FROM 1 THEN
        RAISE EXCEPTION 'avg: arrays must be one-dimensional' USING ERRCODE = '2202E';
    END IF;
    IF state IS NULL THEN
        RETURN ARRAY[1]::float8[] || indb_ml.array_add(x, pg_catalog.array_fill(0::float8, ARRAY[pg_catalog.cardinality(x)]));
    END IF;
    RETURN ARRAY[state[1] + 1] || indb_ml.array_add(state[2:], x);
END
$$;
COMMENT ON FUNCTION indb_ml._array_avg_transition(float8[], float8[]) IS
'Internal: transition step of indb_ml.avg(float8[]): state = [count, sums...].';

CREATE FUNCTION indb_ml._array_avg_combine(a float8[], b float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
    IF a IS NULL OR b IS NULL THEN
        RETURN COALESCE(a, b);
    END IF;
    RETURN ARRAY[a[1] + b[1]] || indb_ml.array_add(a[2:], b[2:]);
END
$$;
COMMENT ON FUNCTION indb_ml._array_avg_combine(float8[], float8[]) IS 'Internal: merge step of indb_ml.avg(float8[]).';

CREATE FUNCTION indb_ml._array_avg_final(state float8[]) RETURNS float8[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT indb_ml.array_scalar_mult(state[2:], 1 / state[1]) $$;
COMMENT ON FUNCTION indb_ml._array_avg_final(float8[]) IS 'Internal: final step of indb_ml.avg(float8[]).';

CREATE AGGREGATE indb_ml.avg(float8[]) (
    SFUNC = indb_ml._array_avg_transition,
    STYPE = float8[],
    COMBINEFUNC = indb_ml._array_avg_combine,
    FINALFUNC = indb_ml._array_avg_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml.avg(float8[]) IS
'Element-wise mean of 1-D array rows (MADlib avg(anyarray)); NULL rows are skipped. PL/pgSQL per row, no Python; parallel with a combine step.';

-- ---- 40_planner.sql ----
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

-- ---- 50_logregr.sql ----
-- logistic regression: logregr_train (IRLS by aggregate passes, or over rows packed once), its C step, predict functions, usage

CREATE FUNCTION indb_ml.logregr_train(source_table text, out_table text, dependent_varname text,
                                      independent_varname text, grouping_cols text DEFAULT NULL,
                                      max_iter integer DEFAULT 20, optimizer text DEFAULT 'irls',
                                      tolerance float8 DEFAULT 0.0001, verbose boolean DEFAULT false)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.logregr import logregr_train
return logregr_train(plpy, source_table, out_table, dependent_varname, independent_varname, grouping_cols,
                     max_iter, optimizer, tolerance, verbose)
$$;
COMMENT ON FUNCTION indb_ml.logregr_train(text, text, text, text, text, integer, text, float8, boolean) IS
'Logistic regression (MADlib logregr_train): IRLS (or cg, igd); each iteration is one aggregate statement indb_ml._logregr_step over the source (views, foreign, partitioned and distributed tables, parallel workers), or on plain local tables the rows packed once in memory and iterated in numpy (indb_ml.training_plan = auto|aggregate|memory); writes out_table (coef, log_likelihood, std_err, z_stats, p_values, odds_ratios, condition_no, num_rows_processed, num_missing_rows_skipped, num_iterations, variance_covariance, status) and out_table_summary. SELECT indb_ml.logregr_train() shows the usage.';

CREATE FUNCTION indb_ml.logregr_train() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.logregr import logregr_help
return logregr_help()
$$;
COMMENT ON FUNCTION indb_ml.logregr_train() IS 'Usage of indb_ml.logregr_train.';

CREATE FUNCTION indb_ml.logregr_train(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.logregr import logregr_help
return logregr_help()
$$;
COMMENT ON FUNCTION indb_ml.logregr_train(text) IS 'Usage of indb_ml.logregr_train (any message, as MADlib''s ''usage'').';

CREATE FUNCTION indb_ml._model_dot(coef float8[], features float8[], caller text) RETURNS float8
AS 'MODULE_PATHNAME', 'indb_ml_model_dot'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._model_dot(float8[], float8[], text) IS
'Internal: coef . features for the predict functions, with an error naming the caller when the lengths differ.';

CREATE FUNCTION indb_ml.logregr_predict_prob(coef float8[], col_ind_var float8[]) RETURNS float8
AS 'MODULE_PATHNAME', 'indb_ml_logregr_predict_prob'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml.logregr_predict_prob(float8[], float8[]) IS
'The probability 1 / (1 + exp(-coef . x)) of the positive class (MADlib logregr_predict_prob); C, IMMUTABLE and PARALLEL SAFE for views; arrays of different lengths and NULL elements are errors.';

CREATE FUNCTION indb_ml.logregr_predict(coef float8[], col_ind_var float8[]) RETURNS boolean
AS 'MODULE_PATHNAME', 'indb_ml_logregr_predict'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml.logregr_predict(float8[], float8[]) IS
'The predicted class, probability >= 0.5 (MADlib logregr_predict); C, IMMUTABLE and PARALLEL SAFE.';

CREATE FUNCTION indb_ml._logregr_step_transition(state bytea, y float8, x float8[], coef float8[]) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_logregr_step_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._logregr_step_transition(bytea, float8, float8[], float8[]) IS
'Internal: transition step of indb_ml._logregr_step (C: at eta = x.coef adds y eta - log(1 + e^eta), x (y - p) and p (1 - p) x x^T, in place; rows with a NULL are counted as skipped; y must be 0 or 1).';

CREATE FUNCTION indb_ml._logregr_step_cols_transition(state bytea, coef float8[], VARIADIC "any") RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_logregr_step_cols_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._logregr_step_cols_transition(bytea, float8[], "any") IS
'Internal: transition step of indb_ml._logregr_step_cols (C: _logregr_step''s sums with the row as float8 arguments y, x1, ..., xk).';

CREATE FUNCTION indb_ml._logregr_step_combine(a bytea, b bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_logregr_step_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._logregr_step_combine(bytea, bytea) IS
'Internal: merge step of indb_ml._logregr_step (C: the log-likelihood, gradient and Hessian of two partial states add).';

CREATE AGGREGATE indb_ml._logregr_step(float8, float8[], float8[]) (
    SFUNC = indb_ml._logregr_step_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._logregr_step_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._logregr_step(float8, float8[], float8[]) IS
'Internal: one pass of logregr_train at coefficients coef (y, x, coef): the log-likelihood, gradient and packed Hessian of logistic regression as a bytea state, parsed by the driver. C per-row steps with a combine step: runs in parallel workers, per partition and on Citus shards.';

CREATE AGGREGATE indb_ml._logregr_step_cols(float8[], VARIADIC "any") (
    SFUNC = indb_ml._logregr_step_cols_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._logregr_step_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._logregr_step_cols(float8[], "any") IS
'Internal: indb_ml._logregr_step with the row as float8 arguments (coef, y, x1, ..., xk; at most 97 features) instead of an array built per row: logregr_train''s pass when the features are listed.';
-- ---- 51_glm.sql ----
-- generalized linear models: glm (IRLS by aggregate passes, or over rows packed once), its C step, glm_predict, usage

CREATE FUNCTION indb_ml.glm(source_table text, model_table text, dependent_varname text, independent_varname text,
                            family_params text, grouping_col text DEFAULT NULL, optim_params text DEFAULT NULL,
                            verbose boolean DEFAULT false)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.glm import glm
return glm(plpy, source_table, model_table, dependent_varname, independent_varname, family_params, grouping_col,
           optim_params, verbose)
$$;
COMMENT ON FUNCTION indb_ml.glm(text, text, text, text, text, text, text, boolean) IS
'Generalized linear model (MADlib glm): family_params ''family=poisson, link=log'' (gaussian, binomial, poisson, gamma, inverse_gaussian with their links), optim_params ''max_iter=100, optimizer=irls, tolerance=1e-6''; each IRLS iteration is one aggregate statement indb_ml._glm_step over the source, or on plain local tables the rows are packed once in memory (indb_ml.training_plan = auto|aggregate|memory). SELECT indb_ml.glm() shows the usage.';

CREATE FUNCTION indb_ml.glm() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.glm import glm_help
return glm_help()
$$;
COMMENT ON FUNCTION indb_ml.glm() IS 'Usage of indb_ml.glm.';

CREATE FUNCTION indb_ml.glm_predict(coef float8[], col_ind_var float8[], link text) RETURNS float8
AS 'MODULE_PATHNAME', 'indb_ml_glm_predict'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml.glm_predict(float8[], float8[], text) IS
'The mean g⁻¹(coef . x) for a link (MADlib glm_predict); C, IMMUTABLE and PARALLEL SAFE for views.';

CREATE FUNCTION indb_ml._normal_cdf(x float8) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    a float8 := abs(x);
    e float8;
    num float8;
    den float8;
    c float8;
BEGIN
    -- Hart's algorithm 5666 as given by West (2005): absolute error about 1e-16, no Python per row.
    IF a > 37 THEN
        c := 0;
    ELSE
        e := pg_catalog.exp(-a * a / 2);
        IF a < 7.07106781186547 THEN
            num := ((((((3.52624965998911e-02 * a + 0.700383064443688) * a + 6.37396220353165) * a
                   + 33.912866078383) * a + 112.079291497871) * a + 221.213596169931) * a + 220.206867912376);
            den := (((((((8.83883476483184e-02 * a + 1.75566716318264) * a + 16.064177579207) * a
                   + 86.7807322029461) * a + 296.564248779674) * a + 637.333633378831) * a + 793.826512519948) * a
                   + 440.413735824752);
            c := e * num / den;
        ELSE
            c := e / (a + 1 / (a + 2 / (a + 3 / (a + 4 / (a + 0.65))))) / 2.506628274631;
        END IF;
    END IF;
    RETURN CASE WHEN x > 0 THEN 1 - c ELSE c END;
END
$$;
COMMENT ON FUNCTION indb_ml._normal_cdf(float8) IS
'Internal: the standard normal CDF in PL/pgSQL (Hart 5666; absolute error about 1e-16), for the probit links of the predict functions.';

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

CREATE FUNCTION indb_ml._glm_step_transition(state bytea, y float8, x float8[], coef float8[], family integer,
                                             link integer, ymean float8) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_glm_step_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._glm_step_transition(bytea, float8, float8[], float8[], integer, integer, float8) IS
'Internal: transition step of indb_ml._glm_step (C: one IRLS step at coef, or at the start mu = (y + ymean) / 2 when coef is NULL, or only n and sum y when both are NULL; rows with a NULL are counted as skipped; the dependent is checked for the family).';

CREATE FUNCTION indb_ml._glm_step_combine(a bytea, b bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_glm_step_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._glm_step_combine(bytea, bytea) IS
'Internal: merge step of indb_ml._glm_step (C: the sums of two partial states add; the family and link must agree).';

CREATE AGGREGATE indb_ml._glm_step(float8, float8[], float8[], integer, integer, float8) (
    SFUNC = indb_ml._glm_step_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._glm_step_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._glm_step(float8, float8[], float8[], integer, integer, float8) IS
'Internal: one IRLS pass of glm (y, x, coef, family, link, ymean; families and links numbered as indb_ml.kernels.glm): X''WX, X''Wz, Pearson chi2 and the log-likelihood sums as a bytea state, parsed by the driver. C per-row steps with a combine step: runs in parallel workers, per partition and on Citus shards.';

-- ---- 52_robust.sql ----
-- Huber-White (HC0) robust variances for linear and logistic regression (MADlib robust_variance_*)

CREATE FUNCTION indb_ml.robust_variance_linregr(source_table text, out_table text, dependent_varname text,
                                                independent_varname text, grouping_cols text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.robust import robust_variance_linregr
return robust_variance_linregr(plpy, source_table, out_table, dependent_varname, independent_varname, grouping_cols)
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_linregr(text, text, text, text, text) IS
'OLS with Huber-White (HC0) standard errors (MADlib robust_variance_linregr): out_table has coef, std_err, t_stats, p_values (normal, as statsmodels), num_rows_processed, num_missing_rows_skipped.';

CREATE FUNCTION indb_ml.robust_variance_logregr(source_table text, out_table text, dependent_varname text,
                                                independent_varname text, grouping_cols text DEFAULT NULL,
                                                max_iter integer DEFAULT 20, optimizer text DEFAULT 'irls',
                                                tolerance float8 DEFAULT 0.0001)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.robust import robust_variance_logregr
return robust_variance_logregr(plpy, source_table, out_table, dependent_varname, independent_varname, grouping_cols,
                               max_iter, optimizer, tolerance)
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_logregr(text, text, text, text, text, integer, text, float8) IS
'Logistic regression with Huber-White (HC0) standard errors (MADlib robust_variance_logregr): out_table has coef, std_err, z_stats, p_values, num_rows_processed, num_missing_rows_skipped.';

CREATE FUNCTION indb_ml.clustered_variance_linregr(source_table text, out_table text, dependent_varname text,
                                                   independent_varname text, clustervar text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.robust import clustered_variance_linregr
return clustered_variance_linregr(plpy, source_table, out_table, dependent_varname, independent_varname, clustervar)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_linregr(text, text, text, text, text) IS
'OLS with cluster-robust standard errors (MADlib clustered_variance_linregr; clustervar: ''col1, col2''); statsmodels'' small-sample factor; out_table: coef, std_err, t_stats, p_values (normal), num_clusters, num_rows_processed, num_missing_rows_skipped.';

CREATE FUNCTION indb_ml.clustered_variance_logregr(source_table text, out_table text, dependent_varname text,
                                                   independent_varname text, clustervar text,
                                                   max_iter integer DEFAULT 20, optimizer text DEFAULT 'irls',
                                                   tolerance float8 DEFAULT 0.0001)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.robust import clustered_variance_logregr
return clustered_variance_logregr(plpy, source_table, out_table, dependent_varname, independent_varname, clustervar,
                                  max_iter, optimizer, tolerance)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_logregr(text, text, text, text, text, integer, text, float8) IS
'Logistic regression with cluster-robust standard errors (MADlib clustered_variance_logregr); out_table: coef, std_err, z_stats, p_values, num_clusters, num_rows_processed, num_missing_rows_skipped.';

-- Per-row C steps (src/sandwich.c): sums of scores at given coefficients, one aggregate pass each.

CREATE FUNCTION indb_ml._hc0_linear_transition(state bytea, y float8, x float8[], coef float8[]) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_hc0_linear_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._hc0_linear_transition(bytea, float8, float8[], float8[]) IS
'Internal: transition step of indb_ml._hc0_linear (C: sums of e x and e^2 x x^T with e = y - x.coef; rows with a NULL are counted as skipped).';

CREATE FUNCTION indb_ml._hc0_logit_transition(state bytea, y float8, x float8[], coef float8[]) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_hc0_logit_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._hc0_logit_transition(bytea, float8, float8[], float8[]) IS
'Internal: transition step of indb_ml._hc0_logit (C: sums of (y - p) x and (y - p)^2 x x^T, p the logistic of x.coef; y must be 0 or 1).';

CREATE FUNCTION indb_ml._sandwich_combine(a bytea, b bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_sandwich_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._sandwich_combine(bytea, bytea) IS
'Internal: merge step of the sandwich aggregates (_hc0_linear, _hc0_logit, _cluster_meat): the sums add up, in C.';

CREATE AGGREGATE indb_ml._hc0_linear(float8, float8[], float8[]) (
    SFUNC = indb_ml._hc0_linear_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._sandwich_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._hc0_linear(float8, float8[], float8[]) IS
'Internal: the HC0 meat of a linear model at coef (sum of e^2 x x^T) and its score sum, per group: one pass of robust_variance_linregr.';

CREATE AGGREGATE indb_ml._hc0_logit(float8, float8[], float8[]) (
    SFUNC = indb_ml._hc0_logit_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._sandwich_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._hc0_logit(float8, float8[], float8[]) IS
'Internal: the HC0 meat of a logistic model at coef (sum of (y - p)^2 x x^T) and its score sum, per group: a pass of robust_variance_logregr.';

CREATE FUNCTION indb_ml._scores_linear_transition(state bytea, y float8, x float8[], coef float8[]) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_scores_linear_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._scores_linear_transition(bytea, float8, float8[], float8[]) IS
'Internal: transition step of indb_ml._scores_linear (C: the sum of e x, e = y - x.coef).';

CREATE FUNCTION indb_ml._scores_logit_transition(state bytea, y float8, x float8[], coef float8[]) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_scores_logit_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._scores_logit_transition(bytea, float8, float8[], float8[]) IS
'Internal: transition step of indb_ml._scores_logit (C: the sum of (y - p) x, p the logistic of x.coef).';

CREATE FUNCTION indb_ml._score_combine(a bytea, b bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_score_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._score_combine(bytea, bytea) IS
'Internal: merge step of the score-sum aggregates (_scores_linear, _scores_logit): the sums add up, in C.';

CREATE AGGREGATE indb_ml._scores_linear(float8, float8[], float8[]) (
    SFUNC = indb_ml._scores_linear_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._score_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._scores_linear(float8, float8[], float8[]) IS
'Internal: one cluster''s score sum of a linear model at coef (the inner aggregate of clustered_variance_linregr, GROUP BY the cluster columns).';

CREATE AGGREGATE indb_ml._scores_logit(float8, float8[], float8[]) (
    SFUNC = indb_ml._scores_logit_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._score_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._scores_logit(float8, float8[], float8[]) IS
'Internal: one cluster''s score sum of a logistic model at coef (the inner aggregate of clustered_variance_logregr).';

CREATE FUNCTION indb_ml._score_rows(state bytea) RETURNS bigint
AS 'MODULE_PATHNAME', 'indb_ml_score_rows'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._score_rows(bytea) IS
'Internal: the rows folded into a score-sum state (0 for NULL): counts the clusters that have rows.';

CREATE FUNCTION indb_ml._cluster_meat_transition(state bytea, scores bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_cluster_meat_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._cluster_meat_transition(bytea, bytea) IS
'Internal: transition step of indb_ml._cluster_meat (C: adds one cluster''s score sum s and s s^T).';

CREATE AGGREGATE indb_ml._cluster_meat(bytea) (
    SFUNC = indb_ml._cluster_meat_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._sandwich_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._cluster_meat(bytea) IS
'Internal: the clustered meat, the sum of the outer products of the clusters'' score sums (the outer aggregate over _scores_linear / _scores_logit per cluster).';

CREATE FUNCTION indb_ml._logit_newton_transition(state bytea, y float8, x float8[], coef float8[],
                                                 weight_floor float8) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_logit_newton_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._logit_newton_transition(bytea, float8, float8[], float8[], float8) IS
'Internal: transition step of indb_ml._logit_newton (C: log-likelihood, gradient and Hessian of the logistic model at coef, the weights p(1-p) floored at weight_floor).';

CREATE FUNCTION indb_ml._logit_newton_combine(a bytea, b bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_logit_newton_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._logit_newton_combine(bytea, bytea) IS
'Internal: merge step of indb_ml._logit_newton: the sums add up, in C.';

CREATE AGGREGATE indb_ml._logit_newton(float8, float8[], float8[], float8) (
    SFUNC = indb_ml._logit_newton_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._logit_newton_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._logit_newton(float8, float8[], float8[], float8) IS
'Internal: one Newton pass of the logistic log-likelihood at coef per group (robust and clustered logistic variances, cross-validation, the binomial elastic net on the aggregate path).';

CREATE FUNCTION indb_ml._logit_newton_folds_transition(state bytea, y float8, x float8[], fold integer,
                                                       coefs float8[], weight_floor float8) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_logit_newton_folds_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._logit_newton_folds_transition(bytea, float8, float8[], integer, float8[], float8) IS
'Internal: transition step of indb_ml._logit_newton_folds (C: the row is added to the logistic Newton sums of every fold''s model but its own fold''s, at that model''s coefficients).';

CREATE AGGREGATE indb_ml._logit_newton_folds(float8, float8[], integer, float8[], float8) (
    SFUNC = indb_ml._logit_newton_folds_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._score_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._logit_newton_folds(float8, float8[], integer, float8[], float8) IS
'Internal: one Newton pass of every cross-validation fold''s logistic model (each trained on the other folds) in one scan: (y, x, the row''s fold, the folds'' coefficients one block each, NaN-led blocks skipped, weight floor).';

-- ---- 53_elastic_net.sql ----
-- elastic net: elastic_net_train (gaussian, binomial) and MADlib's predict functions

CREATE FUNCTION indb_ml.elastic_net_train(tbl_source text, tbl_result text, col_dep_var text, col_ind_var text,
                                          regress_family text, alpha float8, lambda_value float8,
                                          standardize boolean DEFAULT true, grouping_col text DEFAULT NULL,
                                          optimizer text DEFAULT 'fista', optimizer_params text DEFAULT NULL,
                                          excluded text DEFAULT NULL, max_iter integer DEFAULT 1000,
                                          tolerance float8 DEFAULT 0.000001)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.elastic_net import elastic_net_train
return elastic_net_train(plpy, tbl_source, tbl_result, col_dep_var, col_ind_var, regress_family, alpha, lambda_value,
                         standardize, grouping_col, optimizer, optimizer_params, excluded, max_iter, tolerance)
$$;
COMMENT ON FUNCTION indb_ml.elastic_net_train(text, text, text, text, text, float8, float8, boolean, text, text, text, text, integer, float8) IS
'Elastic net (MADlib elastic_net_train), gaussian or binomial, glmnet''s objective 1/(2n)||y - b - Xw||² (or -loglik/n) + lambda (alpha |w|_1 + (1-alpha)/2 |w|²) with an unpenalized intercept, by coordinate descent (gaussian: on the moments from one scan). tbl_result: family, features, features_selected, coef_nonzero, coef_all, intercept, log_likelihood (minus the objective), standardize, iteration_run.';

CREATE FUNCTION indb_ml.elastic_net_gaussian_predict(coefficients float8[], intercept float8, ind_var float8[])
RETURNS float8 LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT intercept + indb_ml._model_dot(coefficients, ind_var, 'elastic_net predict') $$;
COMMENT ON FUNCTION indb_ml.elastic_net_gaussian_predict(float8[], float8, float8[]) IS
'intercept + coefficients . ind_var (MADlib elastic_net_gaussian_predict; use coef_all); IMMUTABLE, PARALLEL SAFE.';

CREATE FUNCTION indb_ml.elastic_net_binomial_prob(coefficients float8[], intercept float8, ind_var float8[])
RETURNS float8 LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT indb_ml.logregr_predict_prob(ARRAY[intercept] || coefficients, ARRAY[1::float8] || ind_var) $$;
COMMENT ON FUNCTION indb_ml.elastic_net_binomial_prob(float8[], float8, float8[]) IS
'The probability of the positive class (MADlib elastic_net_binomial_prob); IMMUTABLE, PARALLEL SAFE.';

CREATE FUNCTION indb_ml.elastic_net_binomial_predict(coefficients float8[], intercept float8, ind_var float8[])
RETURNS boolean LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT indb_ml.elastic_net_binomial_prob(coefficients, intercept, ind_var) >= 0.5 $$;
COMMENT ON FUNCTION indb_ml.elastic_net_binomial_predict(float8[], float8, float8[]) IS
'The predicted class, probability >= 0.5 (MADlib elastic_net_binomial_predict); IMMUTABLE, PARALLEL SAFE.';

CREATE FUNCTION indb_ml.elastic_net_train() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.elastic_net import elastic_net_help
return elastic_net_help()
$$;
COMMENT ON FUNCTION indb_ml.elastic_net_train() IS 'Usage of indb_ml.elastic_net_train, its optimizer_params and the predict functions.';

CREATE FUNCTION indb_ml.elastic_net_train(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.elastic_net import elastic_net_help
return elastic_net_help()
$$;
COMMENT ON FUNCTION indb_ml.elastic_net_train(text) IS 'Usage of indb_ml.elastic_net_train (''usage'', ''predict'' or any text).';

CREATE FUNCTION indb_ml.elastic_net_predict(tbl_model text, tbl_new_source text, col_id text, tbl_predict text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.elastic_net import elastic_net_predict
return elastic_net_predict(plpy, tbl_model, tbl_new_source, col_id, tbl_predict)
$$;
COMMENT ON FUNCTION indb_ml.elastic_net_predict(text, text, text, text) IS
'Predictions of an elastic_net_train model for every row of tbl_new_source, written to tbl_predict (col_id, prediction) by one CREATE TABLE AS over elastic_net_gaussian_predict (float8) or elastic_net_binomial_predict (boolean), joined to the row''s group model when the model is grouped (MADlib elastic_net_predict; usable with cross_validation_general).';

CREATE FUNCTION indb_ml.elastic_net_predict() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.elastic_net import elastic_net_help
return elastic_net_help()
$$;
COMMENT ON FUNCTION indb_ml.elastic_net_predict() IS 'Usage of indb_ml.elastic_net_predict (with elastic_net_train''s).';

-- ---- 54_mlogregr.sql ----
-- multinomial logistic regression: mlogregr_train and mlogregr_predict

CREATE FUNCTION indb_ml.mlogregr_train(source_table text, output_table text, dependent_varname text,
                                       independent_varname text, ref_category integer DEFAULT 0,
                                       optimizer_params text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.mlogregr import mlogregr_train
return mlogregr_train(plpy, source_table, output_table, dependent_varname, independent_varname, ref_category,
                      optimizer_params)
$$;
COMMENT ON FUNCTION indb_ml.mlogregr_train(text, text, text, text, integer, text) IS
'Multinomial logistic regression (MADlib mlogregr_train): integer categories, ref_category the baseline, optimizer_params ''max_iter=20, optimizer=irls, tolerance=1e-4''; one output row per other category (category, ref_category, coef, log_likelihood, std_err, z_stats, p_values, odds_ratios, condition_no, num_iterations, num_rows_processed, num_rows_skipped, variance_covariance, status) and output_table_summary.';

CREATE FUNCTION indb_ml.multinom(source_table text, model_table text, dependent_varname text,
                                 independent_varname text, ref_category integer DEFAULT 0,
                                 link_func text DEFAULT 'logit', grouping_col text DEFAULT NULL,
                                 optim_params text DEFAULT NULL, verbose boolean DEFAULT false)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.mlogregr import multinom
return multinom(plpy, source_table, model_table, dependent_varname, independent_varname, ref_category, link_func,
                grouping_col, optim_params, verbose)
$$;
COMMENT ON FUNCTION indb_ml.multinom(text, text, text, text, integer, text, text, text, boolean) IS
'Multinomial logistic regression in MADlib''s GLM style (multinom): link_func logit, grouping_col, optim_params ''max_iter=100, optimizer=irls, tolerance=1e-6''; model_table: [grouping columns], category, coef, log_likelihood, std_err, z_stats, p_values, num_rows_processed, num_rows_skipped, num_iterations, status.';

CREATE FUNCTION indb_ml.robust_variance_mlogregr(source_table text, out_table text, dependent_varname text,
                                                 independent_varname text, ref_category integer DEFAULT 0,
                                                 grouping_cols text DEFAULT NULL, optimizer_params text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.mlogregr import robust_variance_mlogregr
return robust_variance_mlogregr(plpy, source_table, out_table, dependent_varname, independent_varname, ref_category,
                                grouping_cols, optimizer_params)
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_mlogregr(text, text, text, text, integer, text, text) IS
'Multinomial logistic regression with Huber-White (HC0) standard errors (MADlib robust_variance_mlogregr); one row per non-reference category (and group, with grouping_cols): [grouping columns], category, ref_category, coef, std_err, z_stats, p_values, num_rows_processed, num_missing_rows_skipped.';

CREATE FUNCTION indb_ml.clustered_variance_mlogregr(source_table text, out_table text, dependent_varname text,
                                                    independent_varname text, clustervar text,
                                                    ref_category integer DEFAULT 0, optimizer_params text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.mlogregr import clustered_variance_mlogregr
return clustered_variance_mlogregr(plpy, source_table, out_table, dependent_varname, independent_varname, clustervar,
                                   ref_category, optimizer_params)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_mlogregr(text, text, text, text, text, integer, text) IS
'Multinomial logistic regression with cluster-robust standard errors (MADlib clustered_variance_mlogregr; statsmodels'' small-sample factor); one row per non-reference category with num_clusters.';

CREATE FUNCTION indb_ml.multinom_predict_prob(coef float8[], col_ind_var float8[]) RETURNS float8[]
AS 'MODULE_PATHNAME', 'indb_ml_multinom_predict_prob'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml.multinom_predict_prob(float8[], float8[]) IS
'Multinomial logit probabilities for one row: coef is 2-D (one row per non-reference category, in category order), the result lists the reference category first, then the others. C, IMMUTABLE and PARALLEL SAFE for views; a coef that is not 2-D or of another width is an error (2202E), so is a NULL feature (22004).';

CREATE FUNCTION indb_ml.multinom_predict(model_table text, predict_table_input text, output_table text,
                                         predict_type text DEFAULT 'response', verbose boolean DEFAULT false,
                                         id_column text DEFAULT 'id')
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.category_predict import multinom_predict
return multinom_predict(plpy, model_table, predict_table_input, output_table, predict_type, verbose, id_column)
$$;
COMMENT ON FUNCTION indb_ml.multinom_predict(text, text, text, text, boolean, text) IS
'Predictions of a multinom or mlogregr_train model for a table (MADlib multinom_predict): predict_type ''response'' writes (id, category), ''probability'' writes (id, one column per category named by its value); grouped models join on the grouping columns. One CREATE TABLE AS over multinom_predict_prob.';

-- The aggregate passes of the multinomial logit (C: src/mlogit.c). Categories are indices
-- 0 .. K-1 with 0 the reference; coef has (K-1) k values, category-major.

CREATE FUNCTION indb_ml._mlogit_transition(state bytea, y float8, x float8[], coef float8[], ncat integer)
RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_mlogit_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._mlogit_transition(bytea, float8, float8[], float8[], integer) IS
'Internal: transition step of indb_ml._mlogit_step (C, in place): log-likelihood, gradient and information of the multinomial logit at coef; rows with a NULL are counted as skipped, a y that is not a category index 0..ncat-1 is an error.';

CREATE FUNCTION indb_ml._mlogit_combine(a bytea, b bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_mlogit_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._mlogit_combine(bytea, bytea) IS
'Internal: merge step of indb_ml._mlogit_step (C): the sums add up.';

CREATE AGGREGATE indb_ml._mlogit_step(float8, float8[], float8[], integer) (
    SFUNC = indb_ml._mlogit_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._mlogit_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._mlogit_step(float8, float8[], float8[], integer) IS
'Internal: one Newton step of the multinomial logit, _mlogit_step(category index, x, coef, number of categories): a bytea state (kind 4, width (K-1) k) with the log-likelihood, gradient and information matrix at coef (its distinct symmetric category blocks, src/mlogit.c); one pass of mlogregr_train / multinom per group.';

CREATE FUNCTION indb_ml._mlogit_meat_transition(state bytea, y float8, x float8[], coef float8[], ncat integer)
RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_mlogit_meat_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._mlogit_meat_transition(bytea, float8, float8[], float8[], integer) IS
'Internal: transition step of indb_ml._mlogit_meat (C, in place): adds the row''s score s and s s^T at coef.';

CREATE AGGREGATE indb_ml._mlogit_meat(float8, float8[], float8[], integer) (
    SFUNC = indb_ml._mlogit_meat_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._sandwich_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._mlogit_meat(float8, float8[], float8[], integer) IS
'Internal: the HC0 meat of the multinomial logit at coef, _mlogit_meat(category index, x, coef, number of categories): a sandwich state (kind 6) with the score sum and the sum of score outer products, stored as its distinct symmetric category blocks (src/mlogit.c; robust_variance_mlogregr).';

CREATE FUNCTION indb_ml._mlogit_scores_transition(state bytea, y float8, x float8[], coef float8[], ncat integer)
RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_mlogit_scores_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._mlogit_scores_transition(bytea, float8, float8[], float8[], integer) IS
'Internal: transition step of indb_ml._mlogit_score_sum (C, in place): adds the row''s score at coef.';

CREATE AGGREGATE indb_ml._mlogit_score_sum(float8, float8[], float8[], integer) (
    SFUNC = indb_ml._mlogit_scores_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._score_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._mlogit_score_sum(float8, float8[], float8[], integer) IS
'Internal: the score sum of a set of rows (one cluster) at coef: a score state (kind 7), the inner level of clustered_variance_mlogregr''s statement (the outer level is indb_ml._cluster_meat).';

-- ---- 55_ordinal.sql ----
-- ordinal regression: ordinal (cumulative logit or probit)

CREATE FUNCTION indb_ml.ordinal(source_table text, model_table text, dependent_varname text,
                                independent_varname text, cat_order text, link_func text DEFAULT 'logit',
                                grouping_col text DEFAULT NULL, verbose boolean DEFAULT false)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.ordinal import ordinal
return ordinal(plpy, source_table, model_table, dependent_varname, independent_varname, cat_order, link_func,
               grouping_col, verbose)
$$;
COMMENT ON FUNCTION indb_ml.ordinal(text, text, text, text, text, text, text, boolean) IS
'Ordinal regression (MADlib ordinal): P(y <= j) = F(threshold_j - x''beta), link_func logit or probit, cat_order ''mild, moderate, severe''; independent_varname without an intercept. model_table: coef_threshold, std_err_threshold, z_stats_threshold, p_values_threshold, log_likelihood, coef_feature, std_err_feature, z_stats_feature, p_values_feature, num_rows_processed, num_rows_skipped, iteration.';

CREATE FUNCTION indb_ml.ordinal_predict_prob(coef_threshold float8[], coef_feature float8[], col_ind_var float8[],
                                             link_func text) RETURNS float8[]
AS 'MODULE_PATHNAME', 'indb_ml_ordinal_predict_prob'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml.ordinal_predict_prob(float8[], float8[], float8[], text) IS
'Ordinal model probabilities of every category (in cat_order) for one row: P(y <= j) = F(threshold_j - x''beta), logit or probit. C, IMMUTABLE and PARALLEL SAFE for views; lengths that differ are an error (2202E), so are NULL elements (22004) and an unknown link (22023).';

CREATE FUNCTION indb_ml.ordinal_predict(model_table text, predict_table_input text, output_table text,
                                        predict_type text DEFAULT 'probability', verbose boolean DEFAULT false)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.category_predict import ordinal_predict
return ordinal_predict(plpy, model_table, predict_table_input, output_table, predict_type, verbose)
$$;
COMMENT ON FUNCTION indb_ml.ordinal_predict(text, text, text, text, boolean) IS
'Predictions of an ordinal model for a table with an id column (MADlib ordinal_predict): predict_type ''probability'' (default) writes (one column per category named by it, id), ''response'' writes (id, category); grouped models join on the grouping columns.';

-- The aggregate pass of ordinal regression (C: src/ordinal.c). Categories are indices
-- 0 .. K-1 in cat_order; coef = [K-1 thresholds, k feature coefficients].

CREATE FUNCTION indb_ml._ordinal_transition(state bytea, y float8, x float8[], coef float8[], ncat integer,
                                            link integer, hessian boolean) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_ordinal_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._ordinal_transition(bytea, float8, float8[], float8[], integer, integer, boolean) IS
'Internal: transition step of indb_ml._ordinal_step (C, in place): log-likelihood and gradient (and with hessian the observed information) of the cumulative logit (link 0) or probit (link 1) at coef; rows with a NULL are counted as skipped.';

CREATE FUNCTION indb_ml._ordinal_combine(a bytea, b bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_ordinal_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._ordinal_combine(bytea, bytea) IS
'Internal: merge step of indb_ml._ordinal_step (C): the sums add up.';

CREATE AGGREGATE indb_ml._ordinal_step(float8, float8[], float8[], integer, integer, boolean) (
    SFUNC = indb_ml._ordinal_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._ordinal_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._ordinal_step(float8, float8[], float8[], integer, integer, boolean) IS
'Internal: one evaluation of the ordinal model, _ordinal_step(category index, x, [thresholds, beta], number of categories, link 0 logit / 1 probit, with the information matrix): a bytea state (kind 5, width K-1+k, param K*16 + 4*hessian + link) per group; the passes of ordinal.';

-- ---- 56_margins.sql ----
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

CREATE FUNCTION indb_ml._margins_transition(state bytea, x float8[], coef float8[], design integer[]) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_margins_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._margins_transition(bytea, float8[], float8[], integer[]) IS
'Internal: transition step of indb_ml._margins_state (C: each target term''s marginal effect at coef and its exact gradient in coef, summed; the minimum and maximum of every feature; rows with a NULL are counted as skipped).';

CREATE FUNCTION indb_ml._margins_combine(a bytea, b bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_margins_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._margins_combine(bytea, bytea) IS
'Internal: merge step of indb_ml._margins_state (minimum and maximum of the features, sums of the effects and gradients), in C.';

CREATE AGGREGATE indb_ml._margins_state(float8[], float8[], integer[]) (
    SFUNC = indb_ml._margins_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._margins_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._margins_state(float8[], float8[], integer[]) IS
'Internal: one pass of margins per group: (x, coefficients, the design written by indb_ml.margins) to the summed effects and delta-method Jacobians, finalized by the driver.';

-- ---- 57_cross_validation.sql ----
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

-- ---- 58_cv_general.sql ----
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

-- ---- 60_graph.sql ----
-- graph: pagerank, weakly connected components (+ helpers), hits, graph_vertex_degrees
-- (loading and plans in indb_ml/graph/; the kernels in indb_ml/kernels/graph.py)

-- Raw body of an int8[] as bytea (byteacat copies the varlena body), decoded with np.frombuffer.
CREATE FUNCTION indb_ml._int8_array_bytes(int8[], bytea) RETURNS bytea
LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE
AS 'byteacat';
COMMENT ON FUNCTION indb_ml._int8_array_bytes(int8[], bytea) IS
'Internal: the ArrayType body of an int8[] as bytea (call with ''''::bytea), for decoding without a per-element step.';

-- The reverse direction, as float8_array_from_bytes does it: byteacat(header, data) typed int8[],
-- callable only through the wrapper that builds the header from the data's length.
CREATE FUNCTION indb_ml._int8_array_unchecked(bytea, bytea) RETURNS int8[]
LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE
AS 'byteacat';
REVOKE ALL ON FUNCTION indb_ml._int8_array_unchecked(bytea, bytea) FROM PUBLIC;
COMMENT ON FUNCTION indb_ml._int8_array_unchecked(bytea, bytea) IS
'Internal, not for users: concatenates an ArrayType header and int8 data into an int8[]; see _int8_array_from_bytes.';

CREATE FUNCTION indb_ml._int8_array_from_bytes(data bytea) RETURNS int8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n int := pg_catalog.length(data) / 8;
BEGIN
    IF pg_catalog.length(data) % 8 <> 0 THEN
        RAISE EXCEPTION '_int8_array_from_bytes: % bytes is not a whole number of int64 values', pg_catalog.length(data)
            USING ERRCODE = '22023';
    END IF;
    IF n = 0 THEN
        RETURN '{}'::int8[];
    END IF;
    RETURN indb_ml._int8_array_unchecked(
        pg_catalog.overlay(
            pg_catalog.substr(indb_ml._int8_array_bytes(ARRAY[0]::int8[], ''::bytea), 1, 20),
            pg_catalog.substr(indb_ml._int4_array_bytes(ARRAY[n], ''::bytea), 21, 4),
            13, 4),
        data);
END
$$;
COMMENT ON FUNCTION indb_ml._int8_array_from_bytes(bytea) IS
'Internal: an int8[] from native-order int64 bytes (numpy''s tobytes()); how the graph functions write vertex ids without a text conversion per element.';

-- pagerank ------------------------------------------------------------------------------------

-- MADlib's signature takes personalization_vertices bigint[] (so '{2,4}' and ARRAY[2,4] work as in
-- its examples); text ids and the MADlib 2.1 option take the 11-argument form with anyarray. PL/Python
-- cannot take anyarray, so the public functions are SQL wrappers handing the ids to _pagerank as text[].
CREATE FUNCTION indb_ml._pagerank(vertex_table text, vertex_id text, edge_table text, edge_args text, out_table text,
                                  damping_factor float8, max_iter integer, threshold float8, grouping_cols text,
                                  personalization_vertices text[], madlib21_compat boolean)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.pagerank import pagerank
return pagerank(plpy, vertex_table, vertex_id, edge_table, edge_args, out_table, damping_factor, max_iter, threshold,
                grouping_cols, personalization_vertices, madlib21_compat)
$$;
COMMENT ON FUNCTION indb_ml._pagerank(text, text, text, text, text, float8, integer, float8, text, text[], boolean) IS
'Internal: the body of indb_ml.pagerank (personalization ids as text).';

CREATE FUNCTION indb_ml.pagerank(vertex_table text, vertex_id text, edge_table text, edge_args text, out_table text,
                                 damping_factor float8 DEFAULT 0.85, max_iter integer DEFAULT 100,
                                 threshold float8 DEFAULT NULL, grouping_cols text DEFAULT NULL)
RETURNS void LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $$ SELECT indb_ml._pagerank($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL::text[], false) $$;
COMMENT ON FUNCTION indb_ml.pagerank(text, text, text, text, text, float8, integer, float8, text) IS
'PageRank of every vertex (MADlib pagerank; networkx''s definition: dangling rank is spread, ranks sum to 1). out_table (grouping columns, vertex id, pagerank) and out_table_summary (grouping columns, __iterations__). Sparse power iteration in memory, or joins per iteration above indb_ml.matrix_memory_mb (SET indb_ml.graph_plan). SELECT indb_ml.pagerank() shows the usage.';

CREATE FUNCTION indb_ml.pagerank(vertex_table text, vertex_id text, edge_table text, edge_args text, out_table text,
                                 damping_factor float8, max_iter integer, threshold float8, grouping_cols text,
                                 personalization_vertices bigint[])
RETURNS void LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $$ SELECT indb_ml._pagerank($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text[], false) $$;
COMMENT ON FUNCTION indb_ml.pagerank(text, text, text, text, text, float8, integer, float8, text, bigint[]) IS
'Personalized PageRank (MADlib pagerank with personalization_vertices): teleports and dangling rank go to these vertices. SELECT indb_ml.pagerank() shows the usage.';

CREATE FUNCTION indb_ml.pagerank(vertex_table text, vertex_id text, edge_table text, edge_args text, out_table text,
                                 damping_factor float8, max_iter integer, threshold float8, grouping_cols text,
                                 personalization_vertices anyarray, madlib21_compat boolean)
RETURNS void LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $$ SELECT indb_ml._pagerank($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text[], $11) $$;
COMMENT ON FUNCTION indb_ml.pagerank(text, text, text, text, text, float8, integer, float8, text, anyarray, boolean) IS
'pagerank with personalization ids of any type (e.g. ARRAY[''a'', ''b''] for text ids; a NULL must be typed, NULL::int[]) and madlib21_compat: true reproduces MADlib 2.1 (dangling rank leaks away, vertices without edges left out). SELECT indb_ml.pagerank() shows the usage.';

CREATE FUNCTION indb_ml.pagerank() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.pagerank import pagerank_help
return pagerank_help()
$$;
COMMENT ON FUNCTION indb_ml.pagerank() IS 'Usage of indb_ml.pagerank.';

-- weakly connected components and their helpers -----------------------------------------------

CREATE FUNCTION indb_ml.weakly_connected_components(vertex_table text, vertex_id text, edge_table text, edge_args text,
                                                    out_table text, grouping_cols text DEFAULT NULL,
                                                    iteration_limit integer DEFAULT NULL, warm_start boolean DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.wcc import weakly_connected_components
return weakly_connected_components(plpy, vertex_table, vertex_id, edge_table, edge_args, out_table, grouping_cols,
                                   iteration_limit, warm_start)
$$;
COMMENT ON FUNCTION indb_ml.weakly_connected_components(text, text, text, text, text, text, integer, boolean) IS
'Weakly connected components (MADlib): out_table (grouping columns, vertex id, component_id = the smallest vertex id of the component) for every vertex, and out_table_summary for the graph_wcc_* helpers. SELECT indb_ml.weakly_connected_components() shows the usage.';

CREATE FUNCTION indb_ml.weakly_connected_components() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.wcc import wcc_help
return wcc_help()
$$;
COMMENT ON FUNCTION indb_ml.weakly_connected_components() IS 'Usage of indb_ml.weakly_connected_components and the graph_wcc_* helpers.';

CREATE FUNCTION indb_ml.graph_wcc_largest_cpt(wcc_table text, largest_cpt_table text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.wcc import largest_cpt
return largest_cpt(plpy, wcc_table, largest_cpt_table)
$$;
COMMENT ON FUNCTION indb_ml.graph_wcc_largest_cpt(text, text) IS
'The largest weakly connected component(s) per group of a weakly_connected_components output: (grouping columns, component_id, num_vertices); ties give one row each.';

CREATE FUNCTION indb_ml.graph_wcc_histogram(wcc_table text, histogram_table text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.wcc import histogram
return histogram(plpy, wcc_table, histogram_table)
$$;
COMMENT ON FUNCTION indb_ml.graph_wcc_histogram(text, text) IS
'Vertices per component of a weakly_connected_components output: (grouping columns, component_id, num_vertices).';

CREATE FUNCTION indb_ml.graph_wcc_vertex_check(wcc_table text, vertex_pair bigint[], pair_table text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.wcc import vertex_check
return vertex_check(plpy, wcc_table, vertex_pair, pair_table)
$$;
COMMENT ON FUNCTION indb_ml.graph_wcc_vertex_check(text, bigint[], text) IS
'Whether two vertices (integer ids) are in the same weakly connected component: pair_table (grouping columns, component_id), a row per group where they are.';

-- Text ids get their own arity: a text[] overload of the 3-argument form would make MADlib's
-- '{14,15}' literal ambiguous.
CREATE FUNCTION indb_ml.graph_wcc_vertex_check(wcc_table text, vertex_a text, vertex_b text, pair_table text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.wcc import vertex_check
return vertex_check(plpy, wcc_table, [vertex_a, vertex_b], pair_table)
$$;
COMMENT ON FUNCTION indb_ml.graph_wcc_vertex_check(text, text, text, text) IS
'graph_wcc_vertex_check with the two vertex ids as text (for text ids): pair_table (grouping columns, component_id), a row per group where both are in one component.';

CREATE FUNCTION indb_ml.graph_wcc_reachable_vertices(wcc_table text, src bigint, reachable_vertices_table text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.wcc import reachable_vertices
return reachable_vertices(plpy, wcc_table, src, reachable_vertices_table)
$$;
COMMENT ON FUNCTION indb_ml.graph_wcc_reachable_vertices(text, bigint, text) IS
'Vertices in the same weakly connected component as src (integer ids): (grouping columns, component_id, dest), src itself excluded.';

CREATE FUNCTION indb_ml.graph_wcc_reachable_vertices(wcc_table text, src text, reachable_vertices_table text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.wcc import reachable_vertices
return reachable_vertices(plpy, wcc_table, src, reachable_vertices_table)
$$;
COMMENT ON FUNCTION indb_ml.graph_wcc_reachable_vertices(text, text, text) IS
'graph_wcc_reachable_vertices for text vertex ids: (grouping columns, component_id, dest), src itself excluded.';

CREATE FUNCTION indb_ml.graph_wcc_num_cpts(wcc_table text, count_table text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.wcc import num_cpts
return num_cpts(plpy, wcc_table, count_table)
$$;
COMMENT ON FUNCTION indb_ml.graph_wcc_num_cpts(text, text) IS
'Number of weakly connected components per group of a weakly_connected_components output: (grouping columns, num_components).';

-- hits ----------------------------------------------------------------------------------------

CREATE FUNCTION indb_ml.hits(vertex_table text, vertex_id text, edge_table text, edge_args text, out_table text,
                             max_iter integer DEFAULT 100, threshold float8 DEFAULT NULL, grouping_cols text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.hits import hits
return hits(plpy, vertex_table, vertex_id, edge_table, edge_args, out_table, max_iter, threshold, grouping_cols)
$$;
COMMENT ON FUNCTION indb_ml.hits(text, text, text, text, text, integer, float8, text) IS
'HITS authority and hub scores (MADlib hits, unit L2 norm): out_table (grouping columns, vertex id, authority, hub) and out_table_summary (grouping columns, __iterations__). SELECT indb_ml.hits() shows the usage.';

CREATE FUNCTION indb_ml.hits() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.hits import hits_help
return hits_help()
$$;
COMMENT ON FUNCTION indb_ml.hits() IS 'Usage of indb_ml.hits.';

-- vertex degrees ------------------------------------------------------------------------------

CREATE FUNCTION indb_ml.graph_vertex_degrees(vertex_table text, vertex_id text, edge_table text, edge_args text,
                                             out_table text, grouping_cols text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.degrees import graph_vertex_degrees
return graph_vertex_degrees(plpy, vertex_table, vertex_id, edge_table, edge_args, out_table, grouping_cols)
$$;
COMMENT ON FUNCTION indb_ml.graph_vertex_degrees(text, text, text, text, text, text) IS
'In- and out-degree of every vertex (MADlib graph_vertex_degrees): out_table (grouping columns, vertex id, indegree, outdegree), isolated vertices included with 0. SELECT indb_ml.graph_vertex_degrees() shows the usage.';

CREATE FUNCTION indb_ml.graph_vertex_degrees() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.degrees import graph_vertex_degrees_help
return graph_vertex_degrees_help()
$$;
COMMENT ON FUNCTION indb_ml.graph_vertex_degrees() IS 'Usage of indb_ml.graph_vertex_degrees.';

-- ---- 61_graph_paths.sql ----
-- graph paths: graph_sssp (Bellman-Ford), graph_bfs, graph_apsp and their path retrieval
-- (drivers in indb_ml/graph/paths.py and path_relational.py; kernels in indb_ml/kernels/graph_paths.py)

-- graph_sssp ----------------------------------------------------------------------------------

CREATE FUNCTION indb_ml.graph_sssp(vertex_table text, vertex_id text, edge_table text, edge_args text,
                                   source_vertex bigint, out_table text, grouping_cols text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.paths import graph_sssp
return graph_sssp(plpy, vertex_table, vertex_id, edge_table, edge_args, source_vertex, out_table, grouping_cols)
$$;
COMMENT ON FUNCTION indb_ml.graph_sssp(text, text, text, text, bigint, text, text) IS
'Single-source shortest paths (MADlib graph_sssp; Bellman-Ford, Dijkstra when no weight is negative; a negative cycle is an error, with grouping its group is left out with a warning): out_table (grouping columns, vertex id, <weight column> = path weight, parent) for every reached vertex, as MADlib, and out_table_summary. In memory, or joins per iteration above indb_ml.matrix_memory_mb (SET indb_ml.graph_plan). SELECT indb_ml.graph_sssp() shows the usage.';

CREATE FUNCTION indb_ml.graph_sssp(vertex_table text, vertex_id text, edge_table text, edge_args text,
                                   source_vertex bigint[], out_table text, grouping_cols text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.paths import graph_sssp
return graph_sssp(plpy, vertex_table, vertex_id, edge_table, edge_args, source_vertex, out_table, grouping_cols)
$$;
COMMENT ON FUNCTION indb_ml.graph_sssp(text, text, text, text, bigint[], text, text) IS
'graph_sssp for MADlib''s multi-column vertex ids (vertex_id ''[a, b]'', edge_args ''src=[s1, s2], dest=[d1, d2]''): the source as an array, e.g. ARRAY[0, 0]; the output''s id and parent are bigint[].';

CREATE FUNCTION indb_ml.graph_sssp(vertex_table text, vertex_id text, edge_table text, edge_args text,
                                   source_vertex text, out_table text, grouping_cols text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.paths import graph_sssp
return graph_sssp(plpy, vertex_table, vertex_id, edge_table, edge_args, source_vertex, out_table, grouping_cols)
$$;
COMMENT ON FUNCTION indb_ml.graph_sssp(text, text, text, text, text, text, text) IS
'graph_sssp for text vertex ids (the source given as text). SELECT indb_ml.graph_sssp() shows the usage.';

CREATE FUNCTION indb_ml.graph_sssp() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.paths import usage
return usage("graph_sssp")
$$;
COMMENT ON FUNCTION indb_ml.graph_sssp() IS 'Usage of indb_ml.graph_sssp and indb_ml.graph_sssp_get_path.';

CREATE FUNCTION indb_ml.graph_sssp_get_path(sssp_table text, dest_vertex bigint, path_table text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.paths import graph_sssp_get_path
return graph_sssp_get_path(plpy, sssp_table, dest_vertex, path_table)
$$;
COMMENT ON FUNCTION indb_ml.graph_sssp_get_path(text, bigint, text) IS
'The shortest path {source, ..., dest_vertex} from a graph_sssp output: path_table (grouping columns, path), a row for each group where dest_vertex is reached (MADlib''s; an error when it is reached in none).';

CREATE FUNCTION indb_ml.graph_sssp_get_path(sssp_table text, dest_vertex text, path_table text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.paths import graph_sssp_get_path
return graph_sssp_get_path(plpy, sssp_table, dest_vertex, path_table)
$$;
COMMENT ON FUNCTION indb_ml.graph_sssp_get_path(text, text, text) IS
'graph_sssp_get_path for text vertex ids.';

CREATE FUNCTION indb_ml.graph_sssp_get_path(sssp_table text, dest_vertex bigint[], path_table text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.paths import graph_sssp_get_path
return graph_sssp_get_path(plpy, sssp_table, dest_vertex, path_table)
$$;
COMMENT ON FUNCTION indb_ml.graph_sssp_get_path(text, bigint[], text) IS
'graph_sssp_get_path for multi-column vertex ids (dest_vertex as an array); the path is a 2-D bigint array, one row per vertex.';

-- graph_bfs -----------------------------------------------------------------------------------

CREATE FUNCTION indb_ml.graph_bfs(vertex_table text, vertex_id text, edge_table text, edge_args text,
                                  source_vertex bigint, out_table text, max_distance integer DEFAULT NULL,
                                  directed boolean DEFAULT NULL, grouping_cols text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.paths import graph_bfs
return graph_bfs(plpy, vertex_table, vertex_id, edge_table, edge_args, source_vertex, out_table, max_distance,
                 directed, grouping_cols)
$$;
COMMENT ON FUNCTION indb_ml.graph_bfs(text, text, text, text, bigint, text, integer, boolean, text) IS
'Breadth-first search (MADlib graph_bfs; undirected unless directed): out_table (grouping columns, vertex id, dist = hops, parent = the smallest-id vertex of the previous level; the source is its own parent) for every reached vertex, as MADlib (no rows when the source is on no edge), and out_table_summary. In memory, or one join + GROUP BY per level above indb_ml.matrix_memory_mb (SET indb_ml.graph_plan). SELECT indb_ml.graph_bfs() shows the usage.';

CREATE FUNCTION indb_ml.graph_bfs(vertex_table text, vertex_id text, edge_table text, edge_args text,
                                  source_vertex text, out_table text, max_distance integer DEFAULT NULL,
                                  directed boolean DEFAULT NULL, grouping_cols text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.paths import graph_bfs
return graph_bfs(plpy, vertex_table, vertex_id, edge_table, edge_args, source_vertex, out_table, max_distance,
                 directed, grouping_cols)
$$;
COMMENT ON FUNCTION indb_ml.graph_bfs(text, text, text, text, text, text, integer, boolean, text) IS
'graph_bfs for text vertex ids (the source given as text). SELECT indb_ml.graph_bfs() shows the usage.';

CREATE FUNCTION indb_ml.graph_bfs() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.paths import usage
return usage("graph_bfs")
$$;
COMMENT ON FUNCTION indb_ml.graph_bfs() IS 'Usage of indb_ml.graph_bfs.';

-- graph_apsp ----------------------------------------------------------------------------------

CREATE FUNCTION indb_ml.graph_apsp(vertex_table text, vertex_id text, edge_table text, edge_args text,
                                   out_table text, grouping_cols text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.paths import graph_apsp
return graph_apsp(plpy, vertex_table, vertex_id, edge_table, edge_args, out_table, grouping_cols)
$$;
COMMENT ON FUNCTION indb_ml.graph_apsp(text, text, text, text, text, text) IS
'All-pairs shortest paths (MADlib graph_apsp; Dijkstra from every vertex, Johnson when a weight is negative; a negative cycle is an error, with grouping its group is left out with a warning): out_table (grouping columns, <src>, <dest>, <weight> = path weight, parent = the vertex before dest, dest itself for a direct edge) with a row per pair of edge ends with a path, as MADlib, and out_table_summary (with the plan). In memory when the n^2 pairs fit indb_ml.matrix_memory_mb, else relational (Bellman-Ford from every source at once, one UPDATE per iteration on the pair table); indb_ml.graph_plan forces one. SELECT indb_ml.graph_apsp() shows the usage.';

CREATE FUNCTION indb_ml.graph_apsp() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.paths import usage
return usage("graph_apsp")
$$;
COMMENT ON FUNCTION indb_ml.graph_apsp() IS 'Usage of indb_ml.graph_apsp and indb_ml.graph_apsp_get_path.';

CREATE FUNCTION indb_ml.graph_apsp_get_path(apsp_table text, source_vertex bigint, dest_vertex bigint, path_table text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.paths import graph_apsp_get_path
return graph_apsp_get_path(plpy, apsp_table, source_vertex, dest_vertex, path_table)
$$;
COMMENT ON FUNCTION indb_ml.graph_apsp_get_path(text, bigint, bigint, text) IS
'The shortest path {source_vertex, ..., dest_vertex} from a graph_apsp output: path_table (grouping columns, path), a row for each group with a path (MADlib''s; an error when there is none).';

CREATE FUNCTION indb_ml.graph_apsp_get_path(apsp_table text, source_vertex text, dest_vertex text, path_table text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.paths import graph_apsp_get_path
return graph_apsp_get_path(plpy, apsp_table, source_vertex, dest_vertex, path_table)
$$;
COMMENT ON FUNCTION indb_ml.graph_apsp_get_path(text, text, text, text) IS
'graph_apsp_get_path for text vertex ids.';

CREATE FUNCTION indb_ml.graph_apsp_get_path(apsp_table text, source_vertex bigint[], dest_vertex bigint[],
                                            path_table text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.paths import graph_apsp_get_path
return graph_apsp_get_path(plpy, apsp_table, source_vertex, dest_vertex, path_table)
$$;
COMMENT ON FUNCTION indb_ml.graph_apsp_get_path(text, bigint[], bigint[], text) IS
'graph_apsp_get_path for multi-column vertex ids (the vertices as arrays); the path is a 2-D bigint array, one row per vertex.';

-- ---- 62_graph_measures.sql ----
-- graph measures: graph_closeness, graph_diameter, graph_avg_path_length (over a graph_apsp table),
-- graph_triangle_count (with the local clustering coefficient) and graph_kcore
-- (drivers in indb_ml/graph/measures.py, triangles.py, kcore.py; kernels in indb_ml/kernels/graph_measures.py)

CREATE FUNCTION indb_ml.graph_closeness(apsp_table text, out_table text, vertex_filter_expr text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.measures import graph_closeness
return graph_closeness(plpy, apsp_table, out_table, vertex_filter_expr)
$$;
COMMENT ON FUNCTION indb_ml.graph_closeness(text, text, text) IS
'Closeness measures of every source vertex of a graph_apsp output (MADlib graph_closeness): out_table (grouping columns, <src>, inverse_sum_dist, inverse_avg_dist, sum_inverse_dist, k_degree) over the vertices each source reaches; vertex_filter_expr: comparisons joined by AND/OR. One GROUP BY over the APSP table. SELECT indb_ml.graph_closeness() shows the usage.';

CREATE FUNCTION indb_ml.graph_closeness() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.measures import usage
return usage("graph_closeness")
$$;
COMMENT ON FUNCTION indb_ml.graph_closeness() IS 'Usage of indb_ml.graph_closeness.';

CREATE FUNCTION indb_ml.graph_diameter(apsp_table text, out_table text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.measures import graph_diameter
return graph_diameter(plpy, apsp_table, out_table)
$$;
COMMENT ON FUNCTION indb_ml.graph_diameter(text, text) IS
'Diameter per group of a graph_apsp output (MADlib graph_diameter): out_table (grouping columns, diameter = the largest finite distance, diameter_end_vertices = every {src, dest} pair at that distance). SELECT indb_ml.graph_diameter() shows the usage.';

CREATE FUNCTION indb_ml.graph_diameter() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.measures import usage
return usage("graph_diameter")
$$;
COMMENT ON FUNCTION indb_ml.graph_diameter() IS 'Usage of indb_ml.graph_diameter.';

CREATE FUNCTION indb_ml.graph_avg_path_length(apsp_table text, out_table text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.measures import graph_avg_path_length
return graph_avg_path_length(plpy, apsp_table, out_table)
$$;
COMMENT ON FUNCTION indb_ml.graph_avg_path_length(text, text) IS
'Average shortest-path length per group of a graph_apsp output (MADlib graph_avg_path_length): the mean finite distance between distinct vertices. SELECT indb_ml.graph_avg_path_length() shows the usage.';

CREATE FUNCTION indb_ml.graph_avg_path_length() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.measures import usage
return usage("graph_avg_path_length")
$$;
COMMENT ON FUNCTION indb_ml.graph_avg_path_length() IS 'Usage of indb_ml.graph_avg_path_length.';

CREATE FUNCTION indb_ml.graph_triangle_count(vertex_table text, vertex_id text, edge_table text, edge_args text,
                                             out_table text, grouping_cols text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.triangles import graph_triangle_count
return graph_triangle_count(plpy, vertex_table, vertex_id, edge_table, edge_args, out_table, grouping_cols)
$$;
COMMENT ON FUNCTION indb_ml.graph_triangle_count(text, text, text, text, text, text) IS
'Triangles through every vertex of the simple undirected graph and its local clustering coefficient (networkx triangles/clustering): out_table (grouping columns, vertex id, triangles, clustering_coef, degree) and out_table_summary (per group: num_triangles, average_clustering, transitivity, plan). In memory, or SQL joins above indb_ml.matrix_memory_mb (indb_ml.graph_plan). SELECT indb_ml.graph_triangle_count() shows the usage.';

CREATE FUNCTION indb_ml.graph_triangle_count() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.triangles import usage
return usage()
$$;
COMMENT ON FUNCTION indb_ml.graph_triangle_count() IS 'Usage of indb_ml.graph_triangle_count.';

CREATE FUNCTION indb_ml.graph_kcore(vertex_table text, vertex_id text, edge_table text, edge_args text,
                                    out_table text, grouping_cols text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.kcore import graph_kcore
return graph_kcore(plpy, vertex_table, vertex_id, edge_table, edge_args, out_table, grouping_cols)
$$;
COMMENT ON FUNCTION indb_ml.graph_kcore(text, text, text, text, text, text) IS
'k-core decomposition of the simple undirected graph (networkx core_number): out_table (grouping columns, vertex id, core_number) and out_table_summary (per group: max_core, max_core_size, plan). In memory, or peeling with one SQL UPDATE per round above indb_ml.matrix_memory_mb (indb_ml.graph_plan). SELECT indb_ml.graph_kcore() shows the usage.';

CREATE FUNCTION indb_ml.graph_kcore() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.kcore import usage
return usage()
$$;
COMMENT ON FUNCTION indb_ml.graph_kcore() IS 'Usage of indb_ml.graph_kcore.';

CREATE FUNCTION indb_ml.triangle_count(vertex_table text, vertex_id text, edge_table text, edge_args text,
                                       out_table text, grouping_cols text DEFAULT NULL)
RETURNS void LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $$ SELECT indb_ml.graph_triangle_count(vertex_table, vertex_id, edge_table, edge_args, out_table, grouping_cols) $$;
COMMENT ON FUNCTION indb_ml.triangle_count(text, text, text, text, text, text) IS
'The issue''s name for indb_ml.graph_triangle_count: triangles, local clustering coefficient and degree per vertex.';

CREATE FUNCTION indb_ml.kcore(vertex_table text, vertex_id text, edge_table text, edge_args text,
                              out_table text, grouping_cols text DEFAULT NULL)
RETURNS void LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $$ SELECT indb_ml.graph_kcore(vertex_table, vertex_id, edge_table, edge_args, out_table, grouping_cols) $$;
COMMENT ON FUNCTION indb_ml.kcore(text, text, text, text, text, text) IS
'Another name for indb_ml.graph_kcore: the k-core decomposition (core number per vertex).';

-- ---- 70_compress.sql ----
-- compress: tile codecs, matrix_compress and matrix_info (indb_ml/compress/)

CREATE FUNCTION indb_ml.matrix_compress(matrix_in text, in_args text, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.compress.entry import matrix_compress
return matrix_compress(plpy, matrix_in, in_args, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_compress(text, text, text, text) IS
'Writes matrix_in (dense, sparse or tiles) as a tile table with compressed tiles; out_args codec=auto (smallest lossless per tile) | zstd | lz4 | zlib | csr | coo | dict | float32 | bfloat16 | int8 (lossy codecs need lossy=true; max_error= bounds them), block= the tile side. Every matrix operation reads the result.';

CREATE FUNCTION indb_ml.matrix_info(matrix_in text, in_args text)
RETURNS TABLE (row_block integer, col_block integer, codec text, raw_bytes bigint, stored_bytes bigint,
               ratio float8, max_error float8)
LANGUAGE plpython3u STABLE PARALLEL UNSAFE
AS $$
from indb_ml.compress.entry import matrix_info
return matrix_info(plpy, matrix_in, in_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_info(text, text) IS
'One row per tile of a tile table: row_block, col_block, codec, raw_bytes (8 * nrows * ncols), stored_bytes (pg_column_size), ratio (raw / stored) and max_error (0 unless a lossy codec). Reads only each tile''s 24-byte header.';

CREATE FUNCTION indb_ml.tile_decode(data bytea, codec text, nrows integer, ncols integer) RETURNS bytea
LANGUAGE plpython3u IMMUTABLE STRICT PARALLEL SAFE
AS $$
from indb_ml.compress.entry import tile_decode
return tile_decode(plpy, data, codec, nrows, ncols)
$$;
COMMENT ON FUNCTION indb_ml.tile_decode(bytea, text, integer, integer) IS
'A stored tile (data, codec, nrows, ncols) as nrows x ncols little-endian float64 bytes: what the tile operators read from compressed tiles; a corrupt tile or an unknown codec is an error.';

CREATE FUNCTION indb_ml.tile_encode(data bytea, nrows integer, ncols integer, codec text) RETURNS bytea
LANGUAGE plpython3u IMMUTABLE STRICT PARALLEL SAFE
AS $$
from indb_ml.compress.entry import tile_encode
return tile_encode(plpy, data, nrows, ncols, codec)
$$;
COMMENT ON FUNCTION indb_ml.tile_encode(bytea, integer, integer, text) IS
'nrows x ncols little-endian float64 bytes encoded with codec (raw, zstd, lz4, zlib, csr, coo, dict, float32, bfloat16, int8): the bytes of one compressed tile, with its self-describing 24-byte header.';

CREATE FUNCTION indb_ml.tile_header(data bytea, OUT codec text, OUT nrows integer, OUT ncols integer,
                                    OUT max_error float8)
LANGUAGE plpython3u IMMUTABLE STRICT PARALLEL SAFE
AS $$
from indb_ml.compress.entry import tile_header
return tile_header(plpy, data)
$$;
COMMENT ON FUNCTION indb_ml.tile_header(bytea) IS
'The header of a compressed tile: its codec, shape and maximum absolute error (0 for lossless codecs).';

CREATE FUNCTION indb_ml._tile_mv_coded_transition(state bytea, data bytea, codec text, nrows integer, ncols integer,
                                                  col_offset integer, v bytea) RETURNS bytea
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.compress.entry import tile_mv_transition
return tile_mv_transition(plpy, state, data, codec, nrows, ncols, col_offset, v)
$$;
COMMENT ON FUNCTION indb_ml._tile_mv_coded_transition(bytea, bytea, text, integer, integer, integer, bytea) IS
'Internal: transition step of indb_ml.tile_mv with a codec (state + tile @ v-segment; dict tiles are multiplied from their codes).';

CREATE AGGREGATE indb_ml.tile_mv(bytea, text, integer, integer, integer, bytea) (
    SFUNC = indb_ml._tile_mv_coded_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._tile_mv_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml.tile_mv(bytea, text, integer, integer, integer, bytea) IS
'Sum over the tiles of one block row of tile @ v-segment (data, codec, nrows, ncols, col_offset, v as float64 bytes), for raw or compressed tiles: a block of a tiled matrix-vector product. Used by matrix_vec_mult; GROUP BY row_block.';

CREATE FUNCTION indb_ml.matrix_compress() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_compress')
$$;
COMMENT ON FUNCTION indb_ml.matrix_compress() IS 'Usage of indb_ml.matrix_compress: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_compress(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_compress', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_compress(text) IS 'Usage of indb_ml.matrix_compress: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_info() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_info')
$$;
COMMENT ON FUNCTION indb_ml.matrix_info() IS 'Usage of indb_ml.matrix_info: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_info(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_info', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_info(text) IS 'Usage of indb_ml.matrix_info: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

-- ---- 71_catalog.sql ----
-- catalog: the model catalog (indb_ml.models), deployment, incremental linear regression and model_refresh

-- One row per trained model version. Every training function inserts its row in the
-- caller's transaction (indb_ml/models/catalog.py), so a failed training leaves none.
-- Marked as extension configuration below: pg_dump keeps the rows.
CREATE SEQUENCE indb_ml.models_id_seq;
CREATE TABLE indb_ml.models (
    id bigint PRIMARY KEY DEFAULT pg_catalog.nextval('indb_ml.models_id_seq'),
    name text NOT NULL,
    version integer NOT NULL CHECK (version >= 1),
    algorithm text NOT NULL,
    parameters jsonb NOT NULL DEFAULT '{}',
    source_table text,
    source_filter text,
    num_rows bigint,
    lineage jsonb NOT NULL DEFAULT '{}',
    output_table text NOT NULL,
    output_tables text[] NOT NULL,
    output_oid oid,
    metrics jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by name NOT NULL DEFAULT CURRENT_USER,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deployed', 'retired')),
    deployed_at timestamptz,
    refreshed_at timestamptz,
    num_refreshes integer NOT NULL DEFAULT 0,
    CONSTRAINT models_name_version_key UNIQUE (name, version)
);
ALTER SEQUENCE indb_ml.models_id_seq OWNED BY indb_ml.models.id;
CREATE INDEX models_algorithm_idx ON indb_ml.models (algorithm);
CREATE INDEX models_created_at_idx ON indb_ml.models (created_at);
CREATE INDEX models_output_table_idx ON indb_ml.models (output_table);
-- At most one deployed version per model name.
CREATE UNIQUE INDEX models_deployed_key ON indb_ml.models (name) WHERE status = 'deployed';
SELECT pg_catalog.pg_extension_config_dump('indb_ml.models', '');
SELECT pg_catalog.pg_extension_config_dump('indb_ml.models_id_seq', '');
GRANT SELECT, INSERT, UPDATE ON indb_ml.models TO PUBLIC;
GRANT USAGE, SELECT ON SEQUENCE indb_ml.models_id_seq TO PUBLIC;
-- Trainers run as the caller, so every role may insert; row-level security keeps a role to its own
-- rows: it inserts rows as itself, and updates (deploy, rollback, refresh) rows created by a role it is
-- a member of. Everyone may read the catalog.
ALTER TABLE indb_ml.models ENABLE ROW LEVEL SECURITY;
CREATE POLICY models_read ON indb_ml.models FOR SELECT USING (true);
CREATE POLICY models_insert ON indb_ml.models FOR INSERT WITH CHECK (created_by = CURRENT_USER);
CREATE POLICY models_update ON indb_ml.models FOR UPDATE USING (pg_catalog.pg_has_role(created_by, 'MEMBER'))
    WITH CHECK (pg_catalog.pg_has_role(created_by, 'MEMBER'));
COMMENT ON TABLE indb_ml.models IS
'Model catalog: one row per trained model version (name = the output table, or SET indb_ml.model_name), with algorithm, parameters, source, lineage (partitions and row counts at training time), output tables, metrics and status (active, deployed, retired).';
COMMENT ON COLUMN indb_ml.models.name IS 'Model name: the output table''s qualified name unless the setting indb_ml.model_name was set at training.';
COMMENT ON COLUMN indb_ml.models.lineage IS 'Source relation kind, its partitions with their row counts, and the training transaction''s snapshot.';
COMMENT ON COLUMN indb_ml.models.output_oid IS 'OID of the output table at training: a table dropped and recreated under the same name is not this version''s.';

CREATE VIEW indb_ml.deployed_models AS
SELECT name, version, algorithm, output_table, output_tables, parameters, metrics, num_rows, source_table,
       created_at, created_by, deployed_at, refreshed_at
FROM indb_ml.models
WHERE status = 'deployed';
GRANT SELECT ON indb_ml.deployed_models TO PUBLIC;
COMMENT ON VIEW indb_ml.deployed_models IS 'The deployed version of each model (indb_ml.model_deploy, indb_ml.model_rollback).';

CREATE FUNCTION indb_ml.model_deploy(model_name text, version integer DEFAULT NULL) RETURNS indb_ml.models
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.models.catalog import model_deploy
return model_deploy(plpy, model_name, version)
$$;
COMMENT ON FUNCTION indb_ml.model_deploy(text, integer) IS
'Mark one version of a model as deployed (NULL version: the latest); the previously deployed version becomes active. Returns the catalog row.';

CREATE FUNCTION indb_ml.model_deploy() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.models.catalog import catalog_help
return catalog_help()
$$;
COMMENT ON FUNCTION indb_ml.model_deploy() IS 'Usage of the model catalog functions.';

CREATE FUNCTION indb_ml.model_rollback(model_name text) RETURNS indb_ml.models
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.models.catalog import model_rollback
return model_rollback(plpy, model_name)
$$;
COMMENT ON FUNCTION indb_ml.model_rollback(text) IS
'Deploy the previous version of a model (the highest version below the deployed one whose tables still exist); the rolled-back version is retired. Returns the catalog row.';

CREATE FUNCTION indb_ml.model_rollback() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.models.catalog import catalog_help
return catalog_help()
$$;
COMMENT ON FUNCTION indb_ml.model_rollback() IS 'Usage of the model catalog functions.';

CREATE FUNCTION indb_ml.linregr_train_incremental(
    source_table text,
    out_table text,
    dependent_varname text,
    independent_varname text,
    grouping_cols text DEFAULT NULL
) RETURNS void
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.models.incremental import linregr_train_incremental
linregr_train_incremental(plpy, source_table, out_table, dependent_varname, independent_varname, grouping_cols)
$$;
COMMENT ON FUNCTION indb_ml.linregr_train_incremental(text, text, text, text, text) IS
'linregr_train that also keeps per-partition moment states in out_table_state, so indb_ml.model_refresh(out_table) refits from only the changed partitions. SELECT indb_ml.linregr_train_incremental() for usage.';

CREATE FUNCTION indb_ml.linregr_train_incremental() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.models.incremental import incremental_help
return incremental_help()
$$;
COMMENT ON FUNCTION indb_ml.linregr_train_incremental() IS 'Usage of indb_ml.linregr_train_incremental and indb_ml.model_refresh.';

CREATE FUNCTION indb_ml.linregr_train_incremental(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.models.incremental import incremental_help
return incremental_help()
$$;
COMMENT ON FUNCTION indb_ml.linregr_train_incremental(text) IS
'Usage of indb_ml.linregr_train_incremental (''usage'' or any text).';

CREATE FUNCTION indb_ml.model_refresh(model_name text) RETURNS TABLE (
    model text,
    version integer,
    partitions integer,
    partitions_recomputed integer,
    partitions_appended integer,
    partitions_dropped integer,
    rows_scanned bigint,
    num_rows_processed bigint
)
LANGUAGE plpython3u VOLATILE STRICT PARALLEL UNSAFE
AS $$
from indb_ml.models.incremental import model_refresh
return model_refresh(plpy, model_name)
$$;
COMMENT ON FUNCTION indb_ml.model_refresh(text) IS
'Refit an incremental model (linregr_train_incremental) from its stored per-partition states: only new or changed partitions are scanned (rows appended to a partition: only those rows). The result equals a full retrain.';

CREATE FUNCTION indb_ml.model_refresh() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.models.incremental import incremental_help
return incremental_help()
$$;
COMMENT ON FUNCTION indb_ml.model_refresh() IS 'Usage of indb_ml.model_refresh.';

-- ---- 72_knn.sql ----
-- k-nearest neighbours (MADlib knn) over pgvector: a LATERAL top-k join per test point, served by an
-- HNSW or IVFFlat index when one matches, exact otherwise

CREATE FUNCTION indb_ml.knn(point_source text, point_column_name text, point_id text, label_column_name text,
                            test_source text, test_column_name text, test_id text, output_table text,
                            k integer DEFAULT 1, output_neighbors boolean DEFAULT true,
                            fn_dist text DEFAULT 'squared_dist_norm2', weighted_avg boolean DEFAULT false,
                            algorithm text DEFAULT 'auto', algorithm_params text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.neighbors.knn import knn
return knn(plpy, point_source, point_column_name, point_id, label_column_name, test_source, test_column_name,
           test_id, output_table, k, output_neighbors, fn_dist, weighted_avg, algorithm, algorithm_params)
$$;
COMMENT ON FUNCTION indb_ml.knn(text, text, text, text, text, text, text, text, integer, boolean, text, boolean, text, text) IS
'k-nearest neighbours (MADlib knn): classification by majority vote (boolean, integer, text labels; a tie goes to the label whose nearest member ranks first), regression by the mean (real, float8, numeric), or neighbours only (label_column_name NULL); weighted_avg weights by 1/distance. fn_dist squared_dist_norm2 (default), dist_norm2, dist_norm1, dist_angle, dist_tanimoto, on pgvector (float4). algorithm auto (an HNSW/IVFFlat index when one matches, else exact), brute_force (exact), hnsw or ivfflat (builds the index on point_source if none matches, and keeps it), kd_tree (MADlib''s approximate kd-tree search); algorithm_params ''ef_search=100, probes=5, m=16, ef_construction=64, lists=20'' or, for kd_tree, ''depth=3, leaf_nodes=2''. Writes output_table (id, <test_column_name>, prediction, k_nearest_neighbours, distance) and, as MADlib, no summary table (SET client_min_messages = debug2 shows the search and its plan). SELECT indb_ml.knn() shows the usage.';

CREATE FUNCTION indb_ml.knn() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.neighbors.knn import knn_help
return knn_help()
$$;
COMMENT ON FUNCTION indb_ml.knn() IS 'Usage of indb_ml.knn.';

CREATE FUNCTION indb_ml.knn(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.neighbors.knn import knn_help
return knn_help()
$$;
COMMENT ON FUNCTION indb_ml.knn(text) IS 'Usage of indb_ml.knn (MADlib''s knn(''usage'') / knn(''help'')).';
