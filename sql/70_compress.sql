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

-- Per-tile functions run inside statements, in parallel workers too, where PL/Python cannot
-- query the memory budget: a SQL wrapper passes it (indb_ml._memory_budget_bytes()) to the
-- PL/Python step, which no role but the owner may call with a budget of its own choosing.
CREATE FUNCTION indb_ml._tile_decode(data bytea, codec text, nrows integer, ncols integer, budget bigint) RETURNS bytea
LANGUAGE plpython3u IMMUTABLE STRICT PARALLEL SAFE
AS $$
from indb_ml.compress.entry import tile_decode
return tile_decode(plpy, data, codec, nrows, ncols, budget)
$$;
REVOKE ALL ON FUNCTION indb_ml._tile_decode(bytea, text, integer, integer, bigint) FROM PUBLIC;
COMMENT ON FUNCTION indb_ml._tile_decode(bytea, text, integer, integer, bigint) IS
'Internal, not for users: tile_decode under a memory budget in bytes (an encoded tile is decoded only when its nrows x ncols float64 values fit).';

CREATE FUNCTION indb_ml.tile_decode(data bytea, codec text, nrows integer, ncols integer) RETURNS bytea
LANGUAGE sql STABLE STRICT PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT indb_ml._tile_decode(data, codec, nrows, ncols, indb_ml._memory_budget_bytes()) $$;
COMMENT ON FUNCTION indb_ml.tile_decode(bytea, text, integer, integer) IS
'A stored tile (data, codec, nrows, ncols) as nrows x ncols little-endian float64 bytes: what the tile operators read from compressed tiles; a corrupt tile or an unknown codec is an error, and so (54000) is a tile whose values do not fit the memory budget (indb_ml.matrix_memory_mb, at most indb_ml.max_memory_mb) or 1 GB.';

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

CREATE FUNCTION indb_ml._tile_mv_coded_step(state bytea, data bytea, codec text, nrows integer, ncols integer,
                                            col_offset integer, v bytea, budget bigint) RETURNS bytea
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.compress.entry import tile_mv_transition
return tile_mv_transition(plpy, state, data, codec, nrows, ncols, col_offset, v, budget)
$$;
REVOKE ALL ON FUNCTION indb_ml._tile_mv_coded_step(bytea, bytea, text, integer, integer, integer, bytea, bigint)
FROM PUBLIC;
COMMENT ON FUNCTION indb_ml._tile_mv_coded_step(bytea, bytea, text, integer, integer, integer, bytea, bigint) IS
'Internal, not for users: _tile_mv_coded_transition under a memory budget in bytes.';

CREATE FUNCTION indb_ml._tile_mv_coded_transition(state bytea, data bytea, codec text, nrows integer, ncols integer,
                                                  col_offset integer, v bytea) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT indb_ml._tile_mv_coded_step(state, data, codec, nrows, ncols, col_offset, v,
                                         indb_ml._memory_budget_bytes()) $$;
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
