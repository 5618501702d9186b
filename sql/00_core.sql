-- core: schema, version, server checks, shared helpers

-- A member of the extension, so DROP EXTENSION removes it with everything in it.
CREATE SCHEMA indb_ml;
COMMENT ON SCHEMA indb_ml IS 'indb_ml: machine learning inside PostgreSQL';

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
