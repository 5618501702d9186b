-- core: schema, version, server checks, shared helpers

-- A member of the extension, so DROP EXTENSION removes it with everything in it.
CREATE SCHEMA indb_ml;
COMMENT ON SCHEMA indb_ml IS 'indb_ml: machine learning inside PostgreSQL';
-- Every role may call the functions (EXECUTE is PUBLIC by default); internals are revoked below.
GRANT USAGE ON SCHEMA indb_ml TO PUBLIC;

CREATE FUNCTION indb_ml.version() RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT '0.2.0'::text $$;
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
    FINALFUNC = indb_ml._pack_rows_final,
    -- the final step copies the whole buffer: refused as a window aggregate (a copy per row)
    FINALFUNC_MODIFY = READ_WRITE,
    PARALLEL = SAFE  -- no combine step: the whole aggregate runs in one process, leader or worker
);
COMMENT ON AGGREGATE indb_ml._pack_rows("any") IS
'Internal: float8 columns (y, x1, ..., xk) of the rows as one bytea, row-major after a state header, with the count of rows skipped for a NULL; read by indb_ml/core/packing.py. No combine step: it runs in one process, over one chunk of a heap.';

-- The memory budget (src/guc.c): min(indb_ml.matrix_memory_mb, indb_ml.max_memory_mb) in
-- bytes. The Python side reads it here, which also loads the C module, so the superuser-only
-- ceiling indb_ml.max_memory_mb is defined before it is read.
CREATE FUNCTION indb_ml._memory_budget_bytes() RETURNS bigint
AS 'MODULE_PATHNAME', 'indb_ml_memory_budget_bytes'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._memory_budget_bytes() IS
'Internal: the memory budget every allocation driven by input is checked against, in bytes: min(indb_ml.matrix_memory_mb, indb_ml.max_memory_mb) (matrix_memory_mb: any role, default 512; max_memory_mb: superuser only, default 4096).';

CREATE FUNCTION indb_ml._state_budget_bytes() RETURNS bigint
AS 'MODULE_PATHNAME', 'indb_ml_state_budget_bytes'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._state_budget_bytes() IS
'Internal: the memory budget of aggregate states and of the final steps that read them, in bytes: as _memory_budget_bytes(), except that matrix_memory_mb = 0 (every trainer on its aggregate passes) means the default 512 MB.';

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
