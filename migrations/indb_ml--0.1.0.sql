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
from indb_ml.server.info import server_info
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
from indb_ml.server.linregr import linregr_train
linregr_train(plpy, source_table, out_table, dependent_varname, independent_varname,
              grouping_cols, heteroskedasticity_option)
$$;
COMMENT ON FUNCTION indb_ml.linregr_train(text, text, text, text, text, boolean) IS
'Ordinary least squares over a table, written to out_table and out_table_summary (MADlib linregr_train). SELECT indb_ml.linregr_train() for usage.';

CREATE FUNCTION indb_ml.linregr_train() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.server.linregr import linregr_help
return linregr_help()
$$;
COMMENT ON FUNCTION indb_ml.linregr_train() IS 'Usage of indb_ml.linregr_train.';

CREATE FUNCTION indb_ml.linregr_train(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.server.linregr import linregr_help
return linregr_help()
$$;
COMMENT ON FUNCTION indb_ml.linregr_train(text) IS 'Usage of indb_ml.linregr_train (''usage'' or any text).';

CREATE FUNCTION indb_ml.linregr_predict(coef float8[], col_ind_var float8[]) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    s float8 := 0;
    n int := cardinality(coef);
BEGIN
    IF n <> cardinality(col_ind_var) THEN
        RAISE EXCEPTION 'linregr_predict: coef has % elements but col_ind_var has %', n, cardinality(col_ind_var)
            USING ERRCODE = '2202E', HINT = 'pass the same features, in the same order, as at training';
    END IF;
    FOR i IN 1..n LOOP
        s := s + coef[i] * col_ind_var[i];
    END LOOP;
    RETURN s;
END
$$;
COMMENT ON FUNCTION indb_ml.linregr_predict(float8[], float8[]) IS
'Prediction of a linear model: the dot product of coef and the features (MADlib linregr_predict).';

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
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.server.linregr_agg import linregr_transition
return linregr_transition(plpy, state, y, x)
$$;
COMMENT ON FUNCTION indb_ml._linregr_transition(bytea, float8, float8[]) IS
'Internal: transition step of indb_ml.linregr (one PL/Python call per row).';

CREATE FUNCTION indb_ml._linregr_combine(a bytea, b bytea) RETURNS bytea
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.server.linregr_agg import linregr_combine
return linregr_combine(plpy, a, b)
$$;
COMMENT ON FUNCTION indb_ml._linregr_combine(bytea, bytea) IS 'Internal: merge step of indb_ml.linregr.';

CREATE FUNCTION indb_ml._linregr_final(state bytea) RETURNS indb_ml.linregr_result
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.server.linregr_agg import linregr_final
return linregr_final(plpy, state)
$$;
COMMENT ON FUNCTION indb_ml._linregr_final(bytea) IS 'Internal: final step of indb_ml.linregr.';

CREATE AGGREGATE indb_ml.linregr(float8, float8[]) (
    SFUNC = indb_ml._linregr_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._linregr_combine,
    FINALFUNC = indb_ml._linregr_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml.linregr(float8, float8[]) IS
'Linear regression as an aggregate: (indb_ml.linregr(y, ARRAY[1, x1, x2])).*. Parallel-safe with a combine step, but it makes one PL/Python call per row; for tables use indb_ml.linregr_train, which processes rows in blocks.';

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
RETURNS float8[] LANGUAGE plpython3u STABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.ops import matrix_vec_mult
return matrix_vec_mult(plpy, matrix_in, in_args, vector)
$$;
COMMENT ON FUNCTION indb_ml.matrix_vec_mult(text, text, float8[]) IS
'matrix_in * vector as a float8[] (MADlib matrix_vec_mult).';

CREATE FUNCTION indb_ml.matrix_ndims(matrix_in text, in_args text)
RETURNS integer[] LANGUAGE plpython3u STABLE PARALLEL SAFE
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
RETURNS float8[] LANGUAGE plpython3u STABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.reduce import matrix_extract_row
return matrix_extract_row(plpy, matrix_in, in_args, index)
$$;
COMMENT ON FUNCTION indb_ml.matrix_extract_row(text, text, integer) IS
'Row number index (1-based) of matrix_in as a float8[] (MADlib matrix_extract_row); formats dense, sparse or tiles.';

CREATE FUNCTION indb_ml.matrix_extract_col(matrix_in text, in_args text, index integer)
RETURNS float8[] LANGUAGE plpython3u STABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.reduce import matrix_extract_col
return matrix_extract_col(plpy, matrix_in, in_args, index)
$$;
COMMENT ON FUNCTION indb_ml.matrix_extract_col(text, text, integer) IS
'Column number index (1-based) of matrix_in as a float8[] (MADlib matrix_extract_col); formats dense, sparse or tiles.';

CREATE FUNCTION indb_ml.matrix_extract_diag(matrix_in text, in_args text)
RETURNS float8[] LANGUAGE plpython3u STABLE PARALLEL SAFE
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
RETURNS float8[] LANGUAGE plpython3u STABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.reduce import matrix_sum
return matrix_sum(plpy, matrix_in, in_args, dim)
$$;
COMMENT ON FUNCTION indb_ml.matrix_sum(text, text, integer) IS
'Sums of each column (dim=1, the default) or of each row (dim=2) of matrix_in (MADlib matrix_sum).';

CREATE FUNCTION indb_ml.matrix_mean(matrix_in text, in_args text, dim integer DEFAULT 1)
RETURNS float8[] LANGUAGE plpython3u STABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.reduce import matrix_mean
return matrix_mean(plpy, matrix_in, in_args, dim)
$$;
COMMENT ON FUNCTION indb_ml.matrix_mean(text, text, integer) IS
'Means of each column (dim=1, the default) or of each row (dim=2) of matrix_in (MADlib matrix_mean).';

CREATE FUNCTION indb_ml.matrix_norm(matrix_in text, in_args text, norm_type text DEFAULT 'fro')
RETURNS float8 LANGUAGE plpython3u STABLE PARALLEL SAFE
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
RETURNS bigint LANGUAGE plpython3u STABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.decompose import matrix_rank
return matrix_rank(plpy, matrix_in, in_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_rank(text, text) IS
'Rank of matrix_in: singular values above max(m, n) * eps * the largest (MADlib matrix_rank); computed in memory (SVD).';

CREATE FUNCTION indb_ml.matrix_nuclear_norm(matrix_in text, in_args text)
RETURNS float8 LANGUAGE plpython3u STABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.decompose import matrix_nuclear_norm
return matrix_nuclear_norm(plpy, matrix_in, in_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_nuclear_norm(text, text) IS
'Nuclear norm of matrix_in, the sum of its singular values (MADlib matrix_nuclear_norm); computed in memory (SVD).';

-- ---- 22_tiles.sql ----
-- tiles: aggregates that work on whole tiles (DESIGN.md section 4, strategy 3)

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
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.aggregates import gram_transition
return gram_transition(plpy, state, x)
$$;
COMMENT ON FUNCTION indb_ml._gram_transition(bytea, float8[]) IS 'Internal: transition step of indb_ml.gram (one PL/Python call per row).';

CREATE FUNCTION indb_ml._xty_transition(state bytea, x float8[], y float8) RETURNS bytea
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.aggregates import xty_transition
return xty_transition(plpy, state, x, y)
$$;
COMMENT ON FUNCTION indb_ml._xty_transition(bytea, float8[], float8) IS 'Internal: transition step of indb_ml.xty (one PL/Python call per row).';

CREATE FUNCTION indb_ml._sum_combine(a bytea, b bytea) RETURNS bytea
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.aggregates import sum_combine
return sum_combine(plpy, a, b)
$$;
COMMENT ON FUNCTION indb_ml._sum_combine(bytea, bytea) IS 'Internal: merge step of indb_ml.gram and indb_ml.xty (adds the sums).';

CREATE FUNCTION indb_ml._gram_final(state bytea) RETURNS float8[]
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.aggregates import gram_final
return gram_final(plpy, state)
$$;
COMMENT ON FUNCTION indb_ml._gram_final(bytea) IS 'Internal: final step of indb_ml.gram (the k x k matrix).';

CREATE FUNCTION indb_ml._xty_final(state bytea) RETURNS float8[]
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.aggregates import xty_final
return xty_final(plpy, state)
$$;
COMMENT ON FUNCTION indb_ml._xty_final(bytea) IS 'Internal: final step of indb_ml.xty (the k-vector).';

CREATE AGGREGATE indb_ml.gram(float8[]) (
    SFUNC = indb_ml._gram_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._sum_combine,
    FINALFUNC = indb_ml._gram_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml.gram(float8[]) IS
'XᵀX of the rows x, as a 2-D float8[]; NULL rows are skipped. Parallel-safe with a combine step, but one PL/Python call per row.';

CREATE AGGREGATE indb_ml.xty(float8[], float8) (
    SFUNC = indb_ml._xty_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._sum_combine,
    FINALFUNC = indb_ml._xty_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml.xty(float8[], float8) IS
'Xᵀy of rows (x, y), as a float8[]; rows with a NULL are skipped. Parallel-safe with a combine step, but one PL/Python call per row.';
