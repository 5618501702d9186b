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
