-- matrix help: MADlib's usage overloads matrix_xxx() and matrix_xxx(message text) for every matrix
-- function; the texts are in indb_ml/matrix/help.py. Every real matrix function but one takes at
-- least two arguments, so these never make a call ambiguous. The exception, matrix_mem_trans(matrix
-- float8[]), gets only matrix_mem_trans(): PostgreSQL prefers text for an untyped literal, so a
-- message overload would answer matrix_mem_trans('{{1,2},{3,4}}') with the usage.

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

-- sql/26_matrix_madlib.sql's array and block-format functions
CREATE FUNCTION indb_ml.matrix_column() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_column')
$$;
COMMENT ON FUNCTION indb_ml.matrix_column() IS 'Usage of indb_ml.matrix_column: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_column(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_column', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_column(text) IS 'Usage of indb_ml.matrix_column: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_mem_mult() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_mem_mult')
$$;
COMMENT ON FUNCTION indb_ml.matrix_mem_mult() IS 'Usage of indb_ml.matrix_mem_mult: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_mem_mult(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_mem_mult', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_mem_mult(text) IS 'Usage of indb_ml.matrix_mem_mult: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_mem_trans() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_mem_trans')
$$;
COMMENT ON FUNCTION indb_ml.matrix_mem_trans() IS 'Usage of indb_ml.matrix_mem_trans: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_square() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_square')
$$;
COMMENT ON FUNCTION indb_ml.matrix_square() IS 'Usage of indb_ml.matrix_square: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_square(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_square', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_square(text) IS 'Usage of indb_ml.matrix_square: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_blockize() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_blockize')
$$;
COMMENT ON FUNCTION indb_ml.matrix_blockize() IS 'Usage of indb_ml.matrix_blockize: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_blockize(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_blockize', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_blockize(text) IS 'Usage of indb_ml.matrix_blockize: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_unblockize() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_unblockize')
$$;
COMMENT ON FUNCTION indb_ml.matrix_unblockize() IS 'Usage of indb_ml.matrix_unblockize: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_unblockize(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_unblockize', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_unblockize(text) IS 'Usage of indb_ml.matrix_unblockize: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_block_mult() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_block_mult')
$$;
COMMENT ON FUNCTION indb_ml.matrix_block_mult() IS 'Usage of indb_ml.matrix_block_mult: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_block_mult(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_block_mult', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_block_mult(text) IS 'Usage of indb_ml.matrix_block_mult: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_block_square() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_block_square')
$$;
COMMENT ON FUNCTION indb_ml.matrix_block_square() IS 'Usage of indb_ml.matrix_block_square: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_block_square(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_block_square', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_block_square(text) IS 'Usage of indb_ml.matrix_block_square: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';

CREATE FUNCTION indb_ml.matrix_block_trans() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_block_trans')
$$;
COMMENT ON FUNCTION indb_ml.matrix_block_trans() IS 'Usage of indb_ml.matrix_block_trans: its arguments, output and an example.';

CREATE FUNCTION indb_ml.matrix_block_trans(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.help import matrix_help
return matrix_help('matrix_block_trans', message)
$$;
COMMENT ON FUNCTION indb_ml.matrix_block_trans(text) IS 'Usage of indb_ml.matrix_block_trans: ''usage'' (also ''help'', ''?'', '''' or NULL) gives it; any other message is reported as not recognized, then the usage.';
