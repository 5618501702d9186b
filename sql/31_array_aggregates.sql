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
