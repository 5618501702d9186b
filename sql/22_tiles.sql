-- tiles: aggregates that work on whole tiles (docs/design.md, section 3, strategy 3)

-- The transition steps run in parallel workers too, where PL/Python cannot query the memory
-- budget: a SQL wrapper passes it to the PL/Python step, which only the owner may call.
CREATE FUNCTION indb_ml._tile_mm_step(state bytea, a bytea, a_rows integer, a_cols integer, a_trans boolean,
                                      b bytea, b_rows integer, b_cols integer, b_trans boolean, budget bigint)
RETURNS bytea LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.tile_ops import tile_mm_transition
return tile_mm_transition(plpy, state, a, a_rows, a_cols, b, b_rows, b_cols, a_trans, b_trans, budget)
$$;
REVOKE ALL ON FUNCTION indb_ml._tile_mm_step(bytea, bytea, integer, integer, boolean, bytea, integer, integer,
                                             boolean, bigint) FROM PUBLIC;
COMMENT ON FUNCTION indb_ml._tile_mm_step(bytea, bytea, integer, integer, boolean, bytea, integer, integer, boolean,
                                          bigint) IS
'Internal, not for users: the transition step of indb_ml.tile_mm under a memory budget in bytes (the product of a pair of tiles must fit it).';

CREATE FUNCTION indb_ml._tile_mm_transition(state bytea, a bytea, a_rows integer, a_cols integer,
                                            b bytea, b_rows integer, b_cols integer) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT indb_ml._tile_mm_step(state, a, a_rows, a_cols, false, b, b_rows, b_cols, false,
                                   indb_ml._memory_budget_bytes()) $$;
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

CREATE FUNCTION indb_ml._tile_mm_transition(state bytea, a bytea, a_rows integer, a_cols integer, a_trans boolean,
                                            b bytea, b_rows integer, b_cols integer, b_trans boolean) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$ SELECT indb_ml._tile_mm_step(state, a, a_rows, a_cols, a_trans, b, b_rows, b_cols, b_trans,
                                   indb_ml._memory_budget_bytes()) $$;
COMMENT ON FUNCTION indb_ml._tile_mm_transition(bytea, bytea, integer, integer, boolean, bytea, integer, integer, boolean) IS
'Internal: transition step of indb_ml.tile_mm with transposed operands (state + op(A) @ op(B); nrows, ncols as stored).';

CREATE AGGREGATE indb_ml.tile_mm(bytea, integer, integer, boolean, bytea, integer, integer, boolean) (
    SFUNC = indb_ml._tile_mm_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._tile_mm_combine,
    FINALFUNC = indb_ml._tile_mm_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml.tile_mm(bytea, integer, integer, boolean, bytea, integer, integer, boolean) IS
'Sum of op(A)_ik @ op(B)_kj, where op transposes a tile whose flag is true (nrows, ncols as stored): one output tile of a tiled product with transposed operands, such as the Gram matrix AᵀA.';

CREATE FUNCTION indb_ml._tile_mv_transition(state bytea, data bytea, nrows integer, ncols integer,
                                            col_offset integer, v bytea) RETURNS bytea
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.tile_ops import tile_mv_transition
return tile_mv_transition(plpy, state, data, nrows, ncols, col_offset, v)
$$;
COMMENT ON FUNCTION indb_ml._tile_mv_transition(bytea, bytea, integer, integer, integer, bytea) IS
'Internal: transition step of indb_ml.tile_mv (state + tile @ v[col_offset : col_offset + ncols]).';

CREATE FUNCTION indb_ml._tile_mv_combine(a bytea, b bytea) RETURNS bytea
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.tile_ops import tile_mv_combine
return tile_mv_combine(plpy, a, b)
$$;
COMMENT ON FUNCTION indb_ml._tile_mv_combine(bytea, bytea) IS 'Internal: merge step of indb_ml.tile_mv (vector addition).';

CREATE AGGREGATE indb_ml.tile_mv(bytea, integer, integer, integer, bytea) (
    SFUNC = indb_ml._tile_mv_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._tile_mv_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml.tile_mv(bytea, integer, integer, integer, bytea) IS
'Sum over the tiles of one block row of tile @ v-segment (data, nrows, ncols, col_offset, v as float64 bytes): a block of a tiled matrix-vector product, as float64 bytes. Used by matrix_vec_mult on tiles; GROUP BY row_block.';

CREATE FUNCTION indb_ml.tile_op(op text, a bytea, b bytea, nrows integer, ncols integer, k float8) RETURNS bytea
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.tile_ops import tile_op
return tile_op(plpy, op, a, b, nrows, ncols, k)
$$;
COMMENT ON FUNCTION indb_ml.tile_op(text, bytea, bytea, integer, integer, float8) IS
'One tile of an operation on tiles (data as float64 bytes, nrows x ncols): op = add | sub | mul (element-wise with tile b), scale (by k) or trans. Used by matrix_add/sub/elem_mult/scalar_mult/trans when inputs and output are tiles.';
