-- matrix_madlib: the rest of MADlib's linear algebra (linalg.sql_in: get_row, get_col, matrix_column,
-- index_2d_array, deconstruct_2d_array, array_to_1d/2d, normalized_avg) and matrix functions
-- (matrix_ops.sql_in, svd.sql_in: matrix_square, matrix_mem_mult/trans, the block format, svd_block)
--
-- The array functions run once per row in queries, so they are PL/pgSQL, not PL/Python (a
-- PL/Python call costs ~10 us). matrix_mem_mult and matrix_mem_trans loop in PL/pgSQL on small
-- matrices and hand larger ones to numpy as raw bytes (indb_ml/matrix/mem.py): measured per call,
-- the loops win below ~500 multiply-adds (2x2: 37 us loops, ~100 us numpy; 100x100: 124 ms
-- loops, ~2 ms numpy). A matrix here is a 2-D float8[] ('{{1,2},{3,4}}'); other numeric arrays
-- are cast implicitly. Indexes count from 1 whatever the array's own subscripts (as MADlib, which
-- ignores lower bounds), except matrix_column's, which counts from 0 as in MADlib.

-- ---------------------------------------------------------------- internal helpers

CREATE FUNCTION indb_ml._matrix_has_null(m float8[]) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
BEGIN
    -- An array with a NULL element carries a null bitmap: a nonzero dataoffset (bytes 5..8 of
    -- its body). A slice of such an array can keep the bitmap without NULLs, so look then (a
    -- separate statement: an expression with a subquery is never PL/pgSQL's fast path).
    IF pg_catalog.substr(indb_ml._float8_array_bytes(m, ''::bytea), 5, 4) = pg_catalog.decode('00000000', 'hex') THEN
        RETURN false;
    END IF;
    RETURN EXISTS (SELECT 1 FROM pg_catalog.unnest(m) AS e WHERE e IS NULL);
END
$$;
COMMENT ON FUNCTION indb_ml._matrix_has_null(float8[]) IS
'Internal: true if the array has a NULL element, of any dimensions (constant time for arrays without a null bitmap).';

CREATE FUNCTION indb_ml._matrix_check(fn text, argname text, m float8[]) RETURNS void
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
BEGIN
    IF pg_catalog.array_ndims(m) IS DISTINCT FROM 2 THEN
        RAISE EXCEPTION '%: % must be a two-dimensional array (a matrix), got %', fn, argname,
            CASE WHEN pg_catalog.array_ndims(m) IS NULL THEN 'an empty array'
                 ELSE pg_catalog.array_ndims(m) || ' dimension(s)' END
            USING ERRCODE = '2202E', HINT = 'write a matrix as ARRAY[[1, 2], [3, 4]] or ''{{1,2},{3,4}}''.';
    END IF;
    IF indb_ml._matrix_has_null(m) THEN
        RAISE EXCEPTION '%: % has NULL elements; a matrix must not contain NULLs (as in MADlib)', fn, argname
            USING ERRCODE = '22004',
                  HINT = 'replace them first, e.g. pg_catalog.array_replace(' || argname || ', NULL, 0).';
    END IF;
END
$$;
COMMENT ON FUNCTION indb_ml._matrix_check(text, text, float8[]) IS
'Internal: raises 2202E unless m is a 2-D array, 22004 if it has NULL elements; fn and argname name the caller in the message.';

CREATE FUNCTION indb_ml._matrix_vector(fn text, m float8[], index integer, dim integer, base integer)
RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    r float8[] := '{}';
    x float8;
    k int;
    n int;
BEGIN
    -- The checks of _matrix_check, inline for speed on the common path (this runs once per row).
    IF pg_catalog.array_ndims(m) IS DISTINCT FROM 2
       OR pg_catalog.substr(indb_ml._float8_array_bytes(m, ''::bytea), 5, 4) <> pg_catalog.decode('00000000', 'hex') THEN
        PERFORM indb_ml._matrix_check(fn, CASE WHEN fn = 'matrix_column' THEN 'matrix' ELSE 'in_2d_array' END, m);
    END IF;
    n := pg_catalog.array_length(m, dim);
    IF index < base OR index > n - 1 + base THEN
        RAISE EXCEPTION '%: index % is out of range: the matrix has % % (indexes % to %)', fn, index, n,
            CASE WHEN dim = 1 THEN 'rows' ELSE 'columns' END, base, n - 1 + base
            USING ERRCODE = '2202E';
    END IF;
    k := pg_catalog.array_lower(m, dim) + index - base;
    IF dim = 1 THEN
        FOREACH r SLICE 1 IN ARRAY m[k:k] LOOP
            RETURN r;
        END LOOP;
    END IF;
    FOREACH x IN ARRAY m[pg_catalog.array_lower(m, 1):pg_catalog.array_upper(m, 1)][k:k] LOOP
        r := r || x;
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml._matrix_vector(text, float8[], integer, integer, integer) IS
'Internal: row (dim 1) or column (dim 2) number index of a 2-D array as a 1-D array; index counts from base (0 or 1) over the array''s positions, whatever its subscripts.';

CREATE FUNCTION indb_ml._float8_matrix_from_bytes(data bytea, nrows integer, ncols integer) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF nrows < 1 OR ncols < 1 OR pg_catalog.length(data) <> 8 * nrows::bigint * ncols THEN
        RAISE EXCEPTION '_float8_matrix_from_bytes: % bytes are not % x % float64 values', pg_catalog.length(data), nrows, ncols
            USING ERRCODE = '22023';
    END IF;
    -- The 28-byte body header of a 1 x 1 float8[] (native byte order), its dimensions patched.
    RETURN indb_ml._float8_array_unchecked(
        pg_catalog.overlay(
            pg_catalog.substr(indb_ml._float8_array_bytes(ARRAY[[0]]::float8[], ''::bytea), 1, 28),
            pg_catalog.substr(indb_ml._int4_array_bytes(ARRAY[nrows, ncols], ''::bytea), 21, 8),
            13, 8),
        data);
END
$$;
COMMENT ON FUNCTION indb_ml._float8_matrix_from_bytes(bytea, integer, integer) IS
'Internal: an nrows x ncols float8[] from native-order float64 bytes in row-major order (numpy''s tobytes()); the length must be 8 * nrows * ncols.';

-- ---------------------------------------------------------------- linear-algebra utilities (linalg.sql_in)

CREATE FUNCTION indb_ml.get_row(in_2d_array float8[], index integer) RETURNS float8[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT indb_ml._matrix_vector('get_row', in_2d_array, index, 1, 1) $$;
COMMENT ON FUNCTION indb_ml.get_row(float8[], integer) IS
'Row number index (1-based) of a matrix (2-D array) as a 1-D array (MADlib get_row): get_row(''{{4,5},{3,5},{9,0}}'', 2) = {3,5}. An index outside 1..rows, a non-2-D array or NULL elements are errors (2202E, 22004).';

CREATE FUNCTION indb_ml.index_2d_array(in_2d_array float8[], index integer) RETURNS float8[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT indb_ml._matrix_vector('index_2d_array', in_2d_array, index, 1, 1) $$;
COMMENT ON FUNCTION indb_ml.index_2d_array(float8[], integer) IS
'Row number index (1-based) of a 2-D array as a 1-D array; the same as get_row (MADlib index_2d_array).';

CREATE FUNCTION indb_ml.get_col(in_2d_array float8[], index integer) RETURNS float8[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT indb_ml._matrix_vector('get_col', in_2d_array, index, 2, 1) $$;
COMMENT ON FUNCTION indb_ml.get_col(float8[], integer) IS
'Column number index (1-based) of a matrix (2-D array) as a 1-D array (MADlib get_col): get_col(''{{4,5},{3,5},{9,0}}'', 1) = {4,3,9}. An index outside 1..columns, a non-2-D array or NULL elements are errors.';

CREATE FUNCTION indb_ml.matrix_column(matrix float8[], col integer) RETURNS float8[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT indb_ml._matrix_vector('matrix_column', matrix, col, 1, 0) $$;
COMMENT ON FUNCTION indb_ml.matrix_column(float8[], integer) IS
'MADlib matrix_column: vector number col, counted from 0, of a 2-D array read as MADlib reads it (column-major, so its columns are the array''s rows): matrix_column(''{{1,2},{3,4}}'', 1) = {3,4}, the same as get_row(matrix, col + 1). An index outside 0..rows-1 is an error (MADlib does not check).';

-- C (src/linalg.c): only C sees the caller's column list, which MADlib fills from the left,
-- leaving trailing columns NULL (its linalg test reads a 2 x 1 array AS k(id, a, b)).
CREATE FUNCTION indb_ml.deconstruct_2d_array(in_array float8[]) RETURNS SETOF record
AS 'MODULE_PATHNAME', 'indb_ml_deconstruct_2d_array'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION indb_ml.deconstruct_2d_array(float8[]) IS
'One row per row of a 2-D array (MADlib deconstruct_2d_array): the 1-based row number and the row''s values, as columns named by the caller: SELECT * FROM indb_ml.deconstruct_2d_array(''{{1,2},{5,6}}'') AS k(id integer, a float8, b float8). A 1-D array is one row; an empty array gives no rows. The column list is an integer and float8s; as in MADlib, columns beyond the array''s are NULL and fewer columns than the array''s is an error; NULL elements are an error.';

CREATE FUNCTION indb_ml.array_to_1d(in_array float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
BEGIN
    IF pg_catalog.array_ndims(in_array) IS NULL OR pg_catalog.array_ndims(in_array) = 1 THEN
        RETURN in_array;
    END IF;
    IF pg_catalog.array_ndims(in_array) <> 2 THEN
        RAISE EXCEPTION 'array_to_1d: in_array must have 1 or 2 dimensions, got %', pg_catalog.array_ndims(in_array)
            USING ERRCODE = '2202E';
    END IF;
    PERFORM indb_ml._matrix_check('array_to_1d', 'in_array', in_array);
    RETURN ARRAY[pg_catalog.array_length(in_array, 1), pg_catalog.array_length(in_array, 2)]::float8[]
        || ARRAY(SELECT pg_catalog.unnest(in_array));
END
$$;
COMMENT ON FUNCTION indb_ml.array_to_1d(float8[]) IS
'MADlib array_to_1d: a 2-D array as a 1-D one, [rows, columns, values in row-major order...]; 1-D and empty arrays are returned unchanged. array_to_2d reverses it.';

CREATE FUNCTION indb_ml.array_to_2d(in_array float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    m int;
    n int;
    lo int := pg_catalog.array_lower(in_array, 1);
BEGIN
    IF pg_catalog.array_ndims(in_array) IS NULL THEN
        RETURN in_array;
    END IF;
    IF pg_catalog.array_ndims(in_array) <> 1 OR pg_catalog.array_position(in_array, NULL) IS NOT NULL
       OR pg_catalog.cardinality(in_array) < 3 OR in_array[lo] <> pg_catalog.trunc(in_array[lo])
       OR in_array[lo + 1] <> pg_catalog.trunc(in_array[lo + 1]) OR in_array[lo] < 1 OR in_array[lo + 1] < 1
       OR in_array[lo] * in_array[lo + 1] + 2 <> pg_catalog.cardinality(in_array) THEN
        RAISE EXCEPTION 'array_to_2d: in_array is not [rows, columns, rows * columns values] (dimension mismatch in the encoded input array)'
            USING ERRCODE = '2202E', HINT = 'encode a matrix with indb_ml.array_to_1d.';
    END IF;
    m := in_array[lo];
    n := in_array[lo + 1];
    RETURN (SELECT pg_catalog.array_agg(in_array[lo + 2 + (i - 1) * n : lo + 1 + i * n] ORDER BY i)
            FROM pg_catalog.generate_series(1, m) AS i);
END
$$;
COMMENT ON FUNCTION indb_ml.array_to_2d(float8[]) IS
'MADlib array_to_2d: the rows x columns matrix encoded by array_to_1d ([rows, columns, values...]); an empty array is returned unchanged, an inconsistent encoding is an error.';

-- normalized_avg: the mean of the rows' unit vectors, itself scaled to unit length.
-- State: [rows counted, sum of x / ||x|| ...]. A zero vector has no direction: MADlib adds
-- x.normalized() (Eigen 3.2: x / ||x|| = 0 / 0, NaN) and returns NaN, IEEE's value for the
-- undefined, so that is the default; SET indb_ml.strict_linalg = on refuses it instead.
-- STABLE: the step reads that setting (only when it meets a zero vector).

CREATE FUNCTION indb_ml._normalized_avg_transition(state float8[], x float8[]) RETURNS float8[]
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
    n int;
    s float8 := 0;
    a float8;
    lo int;
BEGIN
    IF x IS NULL THEN
        RETURN state;
    END IF;
    IF pg_catalog.array_ndims(x) > 1 THEN
        RAISE EXCEPTION 'normalized_avg: rows must be one-dimensional arrays, got % dimensions', pg_catalog.array_ndims(x)
            USING ERRCODE = '2202E';
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL THEN
        RETURN state;  -- MADlib skips NULL rows and rows with NULL elements
    END IF;
    n := pg_catalog.cardinality(x);
    IF state IS NULL THEN
        state := pg_catalog.array_fill(0::float8, ARRAY[n + 1]);
    ELSIF pg_catalog.cardinality(state) - 1 <> n THEN
        RAISE EXCEPTION 'normalized_avg: a row has % elements but earlier rows have %', n, pg_catalog.cardinality(state) - 1
            USING ERRCODE = '2202E', HINT = 'all the vectors must have the same length.';
    END IF;
    FOREACH a IN ARRAY x LOOP
        s := s + a * a;
    END LOOP;
    IF s = 0 AND n > 0 THEN
        IF pg_catalog.lower(pg_catalog.btrim(COALESCE(pg_catalog.current_setting('indb_ml.strict_linalg', true), '')))
               IN ('on', 'true', 'yes', '1')
           AND pg_catalog.lower(pg_catalog.btrim(COALESCE(pg_catalog.current_setting('indb_ml.madlib_linalg', true), '')))
               NOT IN ('on', 'true', 'yes', '1') THEN
            RAISE EXCEPTION 'normalized_avg: a row is the zero vector, which has no direction'
                USING ERRCODE = '22023',
                      HINT = 'skip such rows: WHERE indb_ml.norm2(x) > 0; with indb_ml.strict_linalg off (the default) the result is NaN, as MADlib''s.';
        END IF;
        state[1] := state[1] + 1;  -- MADlib: x / ||x|| = 0 / 0 = NaN, so every sum is NaN
        FOR i IN 2..n + 1 LOOP
            state[i] := 'NaN'::float8;
        END LOOP;
        RETURN state;
    END IF;
    s := pg_catalog.sqrt(s);
    lo := pg_catalog.array_lower(x, 1) - 2;
    state[1] := state[1] + 1;
    FOR i IN 2..n + 1 LOOP
        state[i] := state[i] + x[lo + i] / s;
    END LOOP;
    RETURN state;
END
$$;
COMMENT ON FUNCTION indb_ml._normalized_avg_transition(float8[], float8[]) IS
'Internal: transition step of indb_ml.normalized_avg: state = [count, sum of unit vectors...]; a zero vector makes the sums NaN (as MADlib) or, with indb_ml.strict_linalg on, is an error. STABLE: reads that setting.';

CREATE FUNCTION indb_ml._normalized_avg_combine(a float8[], b float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
    IF a IS NULL OR b IS NULL THEN
        RETURN COALESCE(a, b);
    END IF;
    IF pg_catalog.cardinality(a) <> pg_catalog.cardinality(b) THEN
        RAISE EXCEPTION 'normalized_avg: rows have % and % elements', pg_catalog.cardinality(a) - 1, pg_catalog.cardinality(b) - 1
            USING ERRCODE = '2202E', HINT = 'all the vectors must have the same length.';
    END IF;
    FOR i IN 1..pg_catalog.cardinality(a) LOOP
        a[i] := a[i] + b[i];
    END LOOP;
    RETURN a;
END
$$;
COMMENT ON FUNCTION indb_ml._normalized_avg_combine(float8[], float8[]) IS 'Internal: merge step of indb_ml.normalized_avg.';

CREATE FUNCTION indb_ml._normalized_avg_final(state float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    n int := pg_catalog.cardinality(state) - 1;
    s float8 := 0;
    r float8[];
BEGIN
    IF n = 0 THEN
        RETURN '{}'::float8[];
    END IF;
    r := state[2:];
    FOR i IN 1..n LOOP
        r[i] := r[i] / state[1];
        s := s + r[i] * r[i];
    END LOOP;
    s := pg_catalog.sqrt(s);  -- zero when the unit vectors cancel: 0 / 0 = NaN, as MADlib
    FOR i IN 1..n LOOP
        r[i] := CASE WHEN s = 0 THEN 'NaN'::float8 ELSE r[i] / s END;
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml._normalized_avg_final(float8[]) IS 'Internal: final step of indb_ml.normalized_avg.';

CREATE AGGREGATE indb_ml.normalized_avg(float8[]) (
    SFUNC = indb_ml._normalized_avg_transition,
    STYPE = float8[],
    COMBINEFUNC = indb_ml._normalized_avg_combine,
    FINALFUNC = indb_ml._normalized_avg_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml.normalized_avg(float8[]) IS
'MADlib normalized_avg: the average of the rows'' unit vectors x / ||x||, scaled to unit length (a mean direction): {4,3}, {8,6}, {12,9} give {0.8,0.6}. NULL rows and rows with NULL elements are skipped (as MADlib); rows of different lengths and N-D arrays are errors; a zero vector (no direction) or unit vectors that cancel give NaN (as MADlib), and SET indb_ml.strict_linalg = on makes a zero vector an error (22023); no rows give NULL. PL/pgSQL per row; parallel with a combine step.';

-- ---------------------------------------------------------------- in-memory matrices (matrix_ops.sql_in)

CREATE FUNCTION indb_ml._matrix_mem_mult_bytes(a bytea, b bytea, trans_b boolean) RETURNS bytea
LANGUAGE plpython3u IMMUTABLE STRICT PARALLEL SAFE
AS $$
from indb_ml.matrix.mem import mult_bytes
return mult_bytes(plpy, a, b, trans_b)
$$;
COMMENT ON FUNCTION indb_ml._matrix_mem_mult_bytes(bytea, bytea, boolean) IS
'Internal: the product of two float8[] matrices given as array bodies (_float8_array_bytes), as row-major float64 bytes (numpy).';

CREATE FUNCTION indb_ml._matrix_mem_trans_bytes(m bytea) RETURNS bytea
LANGUAGE plpython3u IMMUTABLE STRICT PARALLEL SAFE
AS $$
from indb_ml.matrix.mem import trans_bytes
return trans_bytes(plpy, m)
$$;
COMMENT ON FUNCTION indb_ml._matrix_mem_trans_bytes(bytea) IS
'Internal: the transpose of a float8[] matrix given as an array body, as row-major float64 bytes (numpy).';

CREATE FUNCTION indb_ml.matrix_mem_mult(matrix_a float8[], matrix_b float8[], trans_b boolean DEFAULT false)
RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    m int;
    n int;
    p int;
    inner_b int;
    a1 int;
    a2 int;
    b1 int;
    b2 int;
    s float8;
    r float8[];
BEGIN
    PERFORM indb_ml._matrix_check('matrix_mem_mult', 'matrix_a', matrix_a);
    PERFORM indb_ml._matrix_check('matrix_mem_mult', 'matrix_b', matrix_b);
    m := pg_catalog.array_length(matrix_a, 1);
    n := pg_catalog.array_length(matrix_a, 2);
    p := pg_catalog.array_length(matrix_b, CASE WHEN trans_b THEN 1 ELSE 2 END);
    inner_b := pg_catalog.array_length(matrix_b, CASE WHEN trans_b THEN 2 ELSE 1 END);
    IF n <> inner_b THEN
        RAISE EXCEPTION 'matrix_mem_mult: matrix_a is % x % and matrix_b% is % x %; the inner dimensions differ',
            m, n, CASE WHEN trans_b THEN ' transposed' ELSE '' END, inner_b, p
            USING ERRCODE = '2202E';
    END IF;
    IF m::bigint * n * p > 512 THEN
        RETURN indb_ml._float8_matrix_from_bytes(
            indb_ml._matrix_mem_mult_bytes(indb_ml._float8_array_bytes(matrix_a, ''::bytea),
                                           indb_ml._float8_array_bytes(matrix_b, ''::bytea), trans_b),
            m, p);
    END IF;
    a1 := pg_catalog.array_lower(matrix_a, 1) - 1;
    a2 := pg_catalog.array_lower(matrix_a, 2) - 1;
    b1 := pg_catalog.array_lower(matrix_b, 1) - 1;
    b2 := pg_catalog.array_lower(matrix_b, 2) - 1;
    r := pg_catalog.array_fill(0::float8, ARRAY[m, p]);
    FOR i IN 1..m LOOP
        FOR k IN 1..p LOOP
            s := 0;
            IF trans_b THEN
                FOR j IN 1..n LOOP
                    s := s + matrix_a[a1 + i][a2 + j] * matrix_b[b1 + k][b2 + j];
                END LOOP;
            ELSE
                FOR j IN 1..n LOOP
                    s := s + matrix_a[a1 + i][a2 + j] * matrix_b[b1 + j][b2 + k];
                END LOOP;
            END IF;
            r[i][k] := s;
        END LOOP;
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml.matrix_mem_mult(float8[], float8[], boolean) IS
'MADlib matrix_mem_mult: the product of two matrices held as 2-D arrays, matrix_a * matrix_b, or matrix_a * matrix_b'' when trans_b: matrix_mem_mult(''{{1,2,3},{4,5,6}}'', ''{{1,4},{2,5},{3,6}}'') = {{14,32},{32,77}}. Inner dimensions that differ, non-2-D arrays and NULL elements are errors. PL/pgSQL loops up to 512 multiply-adds, numpy (BLAS) above; overflow is an error on both paths.';

CREATE FUNCTION indb_ml.matrix_mem_trans(matrix float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    m int;
    n int;
    r1 int;
    r2 int;
    r float8[];
BEGIN
    PERFORM indb_ml._matrix_check('matrix_mem_trans', 'matrix', matrix);
    m := pg_catalog.array_length(matrix, 1);
    n := pg_catalog.array_length(matrix, 2);
    IF m::bigint * n > 256 THEN
        RETURN indb_ml._float8_matrix_from_bytes(
            indb_ml._matrix_mem_trans_bytes(indb_ml._float8_array_bytes(matrix, ''::bytea)), n, m);
    END IF;
    r1 := pg_catalog.array_lower(matrix, 1) - 1;
    r2 := pg_catalog.array_lower(matrix, 2) - 1;
    r := pg_catalog.array_fill(0::float8, ARRAY[n, m]);
    FOR i IN 1..m LOOP
        FOR j IN 1..n LOOP
            r[j][i] := matrix[r1 + i][r2 + j];
        END LOOP;
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml.matrix_mem_trans(float8[]) IS
'MADlib matrix_mem_trans: the transpose of a matrix held as a 2-D array: matrix_mem_trans(''{{1,2,3},{4,5,6}}'') = {{1,4},{2,5},{3,6}}. Non-2-D arrays and NULL elements are errors. PL/pgSQL up to 256 elements, numpy above.';

-- ---------------------------------------------------------------- matrix tables (matrix_ops.sql_in, svd.sql_in)

CREATE FUNCTION indb_ml.matrix_square(matrix_in text, in_args text, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.square import matrix_square
return matrix_square(plpy, matrix_in, in_args, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_square(text, text, text, text) IS
'Writes matrix_out = matrix_in * matrix_in for a square matrix (MADlib matrix_square); the output has the input''s format (dense, sparse or tiles) unless out_args fmt= says otherwise; runs as indb_ml.matrix_mult. A matrix that is not square is an error.';

-- MADlib's block format: a table (row, col, val) of 2-D array blocks, block indexes from 1
-- (indb_ml/matrix/blocks.py). Not the tile tables of matrix_reblock.

CREATE FUNCTION indb_ml._matrix_unnest_block(block float8[]) RETURNS SETOF float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE ROWS 100
AS $$
DECLARE
    r float8[];
BEGIN
    FOREACH r SLICE 1 IN ARRAY block LOOP
        RETURN NEXT r;
    END LOOP;
END
$$;
COMMENT ON FUNCTION indb_ml._matrix_unnest_block(float8[]) IS
'Internal: the rows of a 2-D block as 1-D arrays, in order (MADlib __matrix_unnest_block); used by matrix_unblockize.';

CREATE AGGREGATE indb_ml._array_cat_agg(float8[]) (
    SFUNC = pg_catalog.array_cat,
    STYPE = float8[],
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._array_cat_agg(float8[]) IS
'Internal: the 1-D arrays concatenated in aggregation order (use ORDER BY); order-dependent, so no combine step. Used by matrix_unblockize.';

CREATE FUNCTION indb_ml.matrix_blockize(matrix_in text, in_args text, rsize integer, csize integer, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.blocks import matrix_blockize
return matrix_blockize(plpy, matrix_in, in_args, rsize, csize, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_blockize(text, text, integer, integer, text, text) IS
'MADlib matrix_blockize: cuts a dense matrix (row, val array) into rsize x csize blocks and writes them as MADlib''s block format, matrix_out (row bigint, col integer, val float8[] 2-D): block indexes from 1, the last block row and column smaller when rsize, csize do not divide the shape. out_args names the columns: row and val default to in_args'' names, col to col_num. One SQL statement (GROUP BY), out of core.';

CREATE FUNCTION indb_ml.matrix_unblockize(matrix_in text, in_args text, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.blocks import matrix_unblockize
return matrix_unblockize(plpy, matrix_in, in_args, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_unblockize(text, text, text, text) IS
'MADlib matrix_unblockize: a block matrix (row, col, val 2-D array) back to a dense one, matrix_out (row bigint, row_vec float8[]): row defaults to in_args'' row, the value column is row_vec as in MADlib (val= in out_args renames it). The blocks must tile the matrix: every (row, col) from 1, the same height along a block row and width along a block column.';

CREATE FUNCTION indb_ml.matrix_block_mult(matrix_a text, a_args text, matrix_b text, b_args text, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.blocks import matrix_block_mult
return matrix_block_mult(plpy, matrix_a, a_args, matrix_b, b_args, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_block_mult(text, text, text, text, text, text) IS
'MADlib matrix_block_mult: the product of two block matrices, as a block matrix (out_args names default to a_args''): one SQL join of the blocks on a.col = b.row and, per output block, the sum of block products with numpy (the tile_mm aggregate): memory a few blocks, out of core. matrix_a''s block widths must equal matrix_b''s block heights; SET indb_ml.madlib_linalg = on joins whatever block indexes match, as MADlib.';

CREATE FUNCTION indb_ml.matrix_block_square(matrix_in text, in_args text, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.blocks import matrix_block_square
return matrix_block_square(plpy, matrix_in, in_args, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_block_square(text, text, text, text) IS
'MADlib matrix_block_square: matrix_in * matrix_in for a square block matrix whose block widths equal its block heights, as a block matrix (see matrix_block_mult). SET indb_ml.madlib_linalg = on: MADlib''s matrix_block_mult(matrix_in, matrix_in) whatever the shape (blocks joined where indexes match; a tall matrix times its top block row).';

CREATE FUNCTION indb_ml.matrix_block_trans(matrix_in text, in_args text, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.blocks import matrix_block_trans
return matrix_block_trans(plpy, matrix_in, in_args, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_block_trans(text, text, text, text) IS
'MADlib matrix_block_trans: the transpose of a block matrix: block (i, j) becomes block (j, i), transposed (matrix_mem_trans). The output columns are (col, row, val) in that order, as MADlib writes them, named by out_args (default: in_args''). One SQL statement. The blocks must tile the matrix unless SET indb_ml.madlib_linalg = on (MADlib: any blocks).';

CREATE FUNCTION indb_ml.svd_block(source_table text, output_table_prefix text, k integer, n_iterations integer DEFAULT NULL, result_summary_table text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.blocks import svd_block
return svd_block(plpy, source_table, output_table_prefix, k, n_iterations, result_summary_table)
$$;
COMMENT ON FUNCTION indb_ml.svd_block(text, text, integer, integer, text) IS
'MADlib svd_block: the singular value decomposition of a block matrix whose columns are row_id, col_id and block (2-D arrays), with its k largest singular values; outputs as indb_ml.svd (<prefix>_u, <prefix>_s, <prefix>_v and the optional summary). Exact (LAPACK) in memory, capped by indb_ml.matrix_memory_mb.';

-- ---------------------------------------------------------------- MADlib's internal inverse aggregates
-- __matrix_dense_inverse / __matrix_sparse_inverse are internal to MADlib (matrix_ops.sql_in:
-- matrix_inverse builds on them), but MADlib's own linalg tests call them. The steps copy each
-- row or element into a 2-D float8[] state in place (C, src/linalg.c); the final step inverts it
-- with numpy (indb_ml/matrix/mem.py), as matrix_inverse does. Row and column ids count from 0.

CREATE FUNCTION indb_ml._matrix_compose_dense_step(state float8[], num_rows integer, row_id integer, x float8[])
RETURNS float8[]
AS 'MODULE_PATHNAME', 'indb_ml_matrix_compose_dense_step'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._matrix_compose_dense_step(float8[], integer, integer, float8[]) IS
'Internal: transition of __matrix_dense_inverse (C: row row_id, from 0, of a num_rows x length(x) matrix is x; the state is changed in place).';

CREATE FUNCTION indb_ml._matrix_compose_sparse_step(state float8[], num_rows integer, num_cols integer, row_id integer, col_id integer, x float8)
RETURNS float8[]
AS 'MODULE_PATHNAME', 'indb_ml_matrix_compose_sparse_step'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._matrix_compose_sparse_step(float8[], integer, integer, integer, integer, float8) IS
'Internal: transition of __matrix_sparse_inverse (C: element (row_id, col_id), from 0, of a num_rows x num_cols matrix is x; the state is changed in place).';

CREATE FUNCTION indb_ml._matrix_inverse_bytes(m bytea, op text) RETURNS bytea
LANGUAGE plpython3u IMMUTABLE STRICT PARALLEL SAFE
AS $$
from indb_ml.matrix.mem import inverse_bytes
return inverse_bytes(plpy, m, op)
$$;
COMMENT ON FUNCTION indb_ml._matrix_inverse_bytes(bytea, text) IS
'Internal: the inverse of a square float8[] matrix given as an array body (_float8_array_bytes), as row-major float64 bytes (numpy); op names the caller in errors.';

CREATE FUNCTION indb_ml._matrix_inverse_final(state float8[]) RETURNS float8[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
SELECT indb_ml._float8_matrix_from_bytes(
    indb_ml._matrix_inverse_bytes(indb_ml._float8_array_bytes(state, ''::bytea), 'matrix inverse'),
    pg_catalog.array_length(state, 2), pg_catalog.array_length(state, 1))
$$;
COMMENT ON FUNCTION indb_ml._matrix_inverse_final(float8[]) IS
'Internal: final step of __matrix_dense_inverse and __matrix_sparse_inverse: the inverse of the collected matrix (a singular or non-square one is an error).';

CREATE AGGREGATE indb_ml.__matrix_dense_inverse(num_rows integer, row_id integer, x float8[]) (
    SFUNC = indb_ml._matrix_compose_dense_step,
    STYPE = float8[],
    FINALFUNC = indb_ml._matrix_inverse_final,
    PARALLEL = SAFE  -- no combine step: the whole matrix is collected in one process
);
COMMENT ON AGGREGATE indb_ml.__matrix_dense_inverse(integer, integer, float8[]) IS
'MADlib''s internal __matrix_dense_inverse, for MADlib''s tests: the inverse, as a 2-D float8[], of the num_rows x length(x) matrix whose row row_id (counted from 0) is x. Rows not given are zero; a row with a NULL argument is skipped (as MADlib''s strict step does); a singular or non-square matrix is an error. For tables use matrix_inverse.';

CREATE AGGREGATE indb_ml.__matrix_sparse_inverse(num_rows integer, num_cols integer, row_id integer, col_id integer, x float8) (
    SFUNC = indb_ml._matrix_compose_sparse_step,
    STYPE = float8[],
    FINALFUNC = indb_ml._matrix_inverse_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml.__matrix_sparse_inverse(integer, integer, integer, integer, float8) IS
'MADlib''s internal __matrix_sparse_inverse, for MADlib''s tests: the inverse, as a 2-D float8[], of the num_rows x num_cols matrix whose element (row_id, col_id), counted from 0, is x; elements not given are zero; a row with a NULL argument is skipped; a singular or non-square matrix is an error. For tables use matrix_inverse.';
