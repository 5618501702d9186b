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
