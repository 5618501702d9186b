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
