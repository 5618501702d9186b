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
