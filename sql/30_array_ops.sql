-- array_ops: MADlib's array operations (array_ops) and vector norms and distances (linalg), for float8[] and pgvector vector

-- Every function here runs once per row in BI queries, so none is PL/Python:
--   * float8[] functions are PL/pgSQL loops (measured on 1M rows of 10-element arrays:
--     array_dot ~1.9 us and array_add ~2.5 us per call above a 0.19 us scan; a LANGUAGE sql
--     body over unnest() costs ~3x more, because a function with a subquery is never inlined
--     and runs the executor on every call);
--   * vector overloads have SQL-standard bodies (RETURN ...) around pgvector's C functions:
--     PostgreSQL inlines them into the query (as fast as the operators themselves), and the
--     body is bound at CREATE EXTENSION time, so neither pgvector's schema nor the caller's
--     search_path matters;
--   * built-ins called from PL/pgSQL are written pg_catalog.f() (PL/pgSQL resolves names
--     with the caller's search_path).
--
-- Semantics: MADlib's where it is defined; each function's COMMENT states its edge cases.
--   * Arrays are float8[]; integer, numeric and real arrays are cast implicitly, and results
--     are float8 / float8[] (MADlib returns the input's element type).
--   * Element-wise functions, sums, extrema, mean and stddev accept 1-D and N-D arrays (MADlib:
--     "work with 2-D arrays"); operands must have the same shape. Index functions, norms,
--     distances and normalize take 1-D arrays only.
--   * Arrays of different lengths: SQLSTATE 2202E, naming both lengths. Too many dimensions:
--     2202E. NULL elements: 22004 where MADlib rejects them; the sums, extrema, mean and
--     stddev skip NULL and NaN elements, as MADlib does.
--   * Empty arrays: element-wise results are empty, sums and norms are 0, and what is undefined
--     (mean, stddev of fewer than 2 values, min, max, their indexes) is NULL, as for
--     PostgreSQL's avg/stddev_samp/min/max over no rows (MADlib returns 0 with a WARNING).
--   * Division by zero, square roots of negatives and overflow raise errors (MADlib and
--     PostgreSQL float8 arithmetic); Infinity and NaN elements propagate.
--   * Element-wise results keep x's subscripts when x and y have the same lower bound and are
--     1-based otherwise; N-D element-wise results are 1-based (array_fill keeps x's subscripts).
--   * '{1,2}' literals are ambiguous between the float8[] and vector overloads of the norms
--     and distances (as pgvector's own functions): write '{1,2}'::float8[] or ARRAY[1, 2].

-- ---------------------------------------------------------------- internal helpers

CREATE FUNCTION indb_ml._array_null_error(fn text, argname text, x anyarray) RETURNS void
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    p int := pg_catalog.array_position(x, NULL);
BEGIN
    IF p IS NOT NULL THEN
        RAISE EXCEPTION '%: %[%] is NULL; these arrays must not contain NULLs', fn, argname, p
            USING ERRCODE = '22004',
                  HINT = 'Replace them first, e.g. pg_catalog.array_replace(' || argname
                      || ', NULL, 0), or skip such rows with NOT indb_ml.array_contains_null('
                      || argname || ').';
    END IF;
END
$$;
COMMENT ON FUNCTION indb_ml._array_null_error(text, text, anyarray) IS
'Internal: raises 22004 naming the first NULL element of a 1-D array, if there is one.';

CREATE FUNCTION indb_ml._array_check_shape(fn text, x float8[], y float8[]) RETURNS void
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
BEGIN
    IF pg_catalog.array_ndims(x) IS DISTINCT FROM pg_catalog.array_ndims(y) THEN
        RAISE EXCEPTION '%: x has dimensions % but y has %', fn,
            coalesce(pg_catalog.array_dims(x), '(empty)'), coalesce(pg_catalog.array_dims(y), '(empty)')
            USING ERRCODE = '2202E';
    END IF;
    FOR d IN 1..pg_catalog.array_ndims(x) LOOP
        IF pg_catalog.array_length(x, d) <> pg_catalog.array_length(y, d) THEN
            RAISE EXCEPTION '%: x has dimensions % but y has %', fn,
                pg_catalog.array_dims(x), pg_catalog.array_dims(y)
                USING ERRCODE = '2202E';
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION indb_ml._array_check_shape(text, float8[], float8[]) IS
'Internal: raises 2202E unless x and y have the same number of dimensions and the same length in each.';

CREATE FUNCTION indb_ml._array_flatten(x float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    r float8[] := '{}';
    a float8;
BEGIN
    FOREACH a IN ARRAY x LOOP
        r := pg_catalog.array_append(r, a);
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml._array_flatten(float8[]) IS
'Internal: the elements of an N-D array as a 1-D array, in storage (row-major) order.';

CREATE FUNCTION indb_ml._array_reshape_like(flat float8[], template float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    nd int := pg_catalog.array_ndims(template);
    cur float8[] := flat;
    c int;
BEGIN
    IF nd IS NULL OR nd <= 1 THEN
        RETURN flat;
    END IF;
    -- Group the leading dimension into blocks of the template's d-th length, from the last
    -- dimension to the second: 1-D -> 2-D -> ... -> N-D (array_agg of k-D slices is (k+1)-D).
    FOR d IN REVERSE nd..2 LOOP
        c := pg_catalog.array_length(template, d);
        cur := (SELECT pg_catalog.array_agg(cur[(g - 1) * c + 1 : g * c] ORDER BY g)
                FROM pg_catalog.generate_series(1, pg_catalog.array_length(cur, 1) / c) AS g);
    END LOOP;
    RETURN cur;
END
$$;
COMMENT ON FUNCTION indb_ml._array_reshape_like(float8[], float8[]) IS
'Internal: a 1-D array reshaped to the dimensions of template (1-based), in row-major order.';

-- ---------------------------------------------------------------- element-wise, two arrays

CREATE FUNCTION indb_ml.array_add(x float8[], y float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    n int := pg_catalog.cardinality(x);
    r float8[];
BEGIN
    IF pg_catalog.array_ndims(x) > 1 OR pg_catalog.array_ndims(y) > 1 THEN
        PERFORM indb_ml._array_check_shape('array_add', x, y);
        RETURN indb_ml._array_reshape_like(
            indb_ml.array_add(indb_ml._array_flatten(x), indb_ml._array_flatten(y)), x);
    END IF;
    IF n <> pg_catalog.cardinality(y) THEN
        RAISE EXCEPTION 'array_add: x has % elements but y has %', n, pg_catalog.cardinality(y)
            USING ERRCODE = '2202E';
    END IF;
    IF n = 0 THEN
        RETURN x;
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL OR pg_catalog.array_position(y, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('array_add', 'x', x);
        PERFORM indb_ml._array_null_error('array_add', 'y', y);
    END IF;
    IF pg_catalog.array_lower(x, 1) <> pg_catalog.array_lower(y, 1) THEN
        x := x[:];
        y := y[:];
    END IF;
    r := x;
    FOR i IN pg_catalog.array_lower(x, 1)..pg_catalog.array_upper(x, 1) LOOP
        r[i] := x[i] + y[i];
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml.array_add(float8[], float8[]) IS
'Element-wise sum x + y of two arrays of the same shape; NULL elements are an error (MADlib array_add).';

CREATE FUNCTION indb_ml.array_sub(x float8[], y float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    n int := pg_catalog.cardinality(x);
    r float8[];
BEGIN
    IF pg_catalog.array_ndims(x) > 1 OR pg_catalog.array_ndims(y) > 1 THEN
        PERFORM indb_ml._array_check_shape('array_sub', x, y);
        RETURN indb_ml._array_reshape_like(
            indb_ml.array_sub(indb_ml._array_flatten(x), indb_ml._array_flatten(y)), x);
    END IF;
    IF n <> pg_catalog.cardinality(y) THEN
        RAISE EXCEPTION 'array_sub: x has % elements but y has %', n, pg_catalog.cardinality(y)
            USING ERRCODE = '2202E';
    END IF;
    IF n = 0 THEN
        RETURN x;
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL OR pg_catalog.array_position(y, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('array_sub', 'x', x);
        PERFORM indb_ml._array_null_error('array_sub', 'y', y);
    END IF;
    IF pg_catalog.array_lower(x, 1) <> pg_catalog.array_lower(y, 1) THEN
        x := x[:];
        y := y[:];
    END IF;
    r := x;
    FOR i IN pg_catalog.array_lower(x, 1)..pg_catalog.array_upper(x, 1) LOOP
        r[i] := x[i] - y[i];
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml.array_sub(float8[], float8[]) IS
'Element-wise difference x - y of two arrays of the same shape; NULL elements are an error (MADlib array_sub).';

CREATE FUNCTION indb_ml.array_mult(x float8[], y float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    n int := pg_catalog.cardinality(x);
    r float8[];
BEGIN
    IF pg_catalog.array_ndims(x) > 1 OR pg_catalog.array_ndims(y) > 1 THEN
        PERFORM indb_ml._array_check_shape('array_mult', x, y);
        RETURN indb_ml._array_reshape_like(
            indb_ml.array_mult(indb_ml._array_flatten(x), indb_ml._array_flatten(y)), x);
    END IF;
    IF n <> pg_catalog.cardinality(y) THEN
        RAISE EXCEPTION 'array_mult: x has % elements but y has %', n, pg_catalog.cardinality(y)
            USING ERRCODE = '2202E';
    END IF;
    IF n = 0 THEN
        RETURN x;
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL OR pg_catalog.array_position(y, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('array_mult', 'x', x);
        PERFORM indb_ml._array_null_error('array_mult', 'y', y);
    END IF;
    IF pg_catalog.array_lower(x, 1) <> pg_catalog.array_lower(y, 1) THEN
        x := x[:];
        y := y[:];
    END IF;
    r := x;
    FOR i IN pg_catalog.array_lower(x, 1)..pg_catalog.array_upper(x, 1) LOOP
        r[i] := x[i] * y[i];
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml.array_mult(float8[], float8[]) IS
'Element-wise (Hadamard) product of two arrays of the same shape; NULL elements are an error (MADlib array_mult).';

CREATE FUNCTION indb_ml.array_div(x float8[], y float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    n int := pg_catalog.cardinality(x);
    r float8[];
BEGIN
    IF pg_catalog.array_ndims(x) > 1 OR pg_catalog.array_ndims(y) > 1 THEN
        PERFORM indb_ml._array_check_shape('array_div', x, y);
        RETURN indb_ml._array_reshape_like(
            indb_ml.array_div(indb_ml._array_flatten(x), indb_ml._array_flatten(y)), x);
    END IF;
    IF n <> pg_catalog.cardinality(y) THEN
        RAISE EXCEPTION 'array_div: x has % elements but y has %', n, pg_catalog.cardinality(y)
            USING ERRCODE = '2202E';
    END IF;
    IF n = 0 THEN
        RETURN x;
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL OR pg_catalog.array_position(y, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('array_div', 'x', x);
        PERFORM indb_ml._array_null_error('array_div', 'y', y);
    END IF;
    IF 0::float8 = ANY (y) THEN
        RAISE EXCEPTION 'array_div: division by zero: y[%] is 0', pg_catalog.array_position(y, 0::float8)
            USING ERRCODE = '22012';
    END IF;
    IF pg_catalog.array_lower(x, 1) <> pg_catalog.array_lower(y, 1) THEN
        x := x[:];
        y := y[:];
    END IF;
    r := x;
    FOR i IN pg_catalog.array_lower(x, 1)..pg_catalog.array_upper(x, 1) LOOP
        r[i] := x[i] / y[i];
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml.array_div(float8[], float8[]) IS
'Element-wise quotient x / y of two arrays of the same shape; a zero in y is a division-by-zero error (22012) and NULL elements are an error (MADlib array_div).';

CREATE FUNCTION indb_ml.array_dot(x float8[], y float8[]) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    n int := pg_catalog.cardinality(x);
    s float8 := 0;
BEGIN
    IF pg_catalog.array_ndims(x) > 1 OR pg_catalog.array_ndims(y) > 1 THEN
        PERFORM indb_ml._array_check_shape('array_dot', x, y);
        RETURN indb_ml.array_dot(indb_ml._array_flatten(x), indb_ml._array_flatten(y));
    END IF;
    IF n <> pg_catalog.cardinality(y) THEN
        RAISE EXCEPTION 'array_dot: x has % elements but y has %', n, pg_catalog.cardinality(y)
            USING ERRCODE = '2202E';
    END IF;
    IF pg_catalog.array_lower(x, 1) <> 1 OR pg_catalog.array_lower(y, 1) <> 1 THEN
        x := x[:];
        y := y[:];
    END IF;
    FOR i IN 1..n LOOP
        s := s + x[i] * y[i];
    END LOOP;
    IF s IS NULL THEN  -- a NULL element makes the sum NULL: name it
        PERFORM indb_ml._array_null_error('array_dot', 'x', x);
        PERFORM indb_ml._array_null_error('array_dot', 'y', y);
    END IF;
    RETURN s;
END
$$;
COMMENT ON FUNCTION indb_ml.array_dot(float8[], float8[]) IS
'Dot product sum(x[i] * y[i]) of two arrays of the same shape (N-D: the Frobenius inner product); 0 for empty arrays; NULL elements are an error (MADlib array_dot).';

CREATE FUNCTION indb_ml.array_contains(x float8[], y float8[]) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    n int := pg_catalog.cardinality(x);
BEGIN
    IF pg_catalog.array_ndims(x) > 1 OR pg_catalog.array_ndims(y) > 1 THEN
        PERFORM indb_ml._array_check_shape('array_contains', x, y);
        RETURN indb_ml.array_contains(indb_ml._array_flatten(x), indb_ml._array_flatten(y));
    END IF;
    IF n <> pg_catalog.cardinality(y) THEN
        RAISE EXCEPTION 'array_contains: x has % elements but y has %', n, pg_catalog.cardinality(y)
            USING ERRCODE = '2202E';
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL OR pg_catalog.array_position(y, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('array_contains', 'x', x);
        PERFORM indb_ml._array_null_error('array_contains', 'y', y);
    END IF;
    IF pg_catalog.array_lower(x, 1) <> 1 OR pg_catalog.array_lower(y, 1) <> 1 THEN
        x := x[:];
        y := y[:];
    END IF;
    FOR i IN 1..n LOOP
        IF y[i] <> 0 AND y[i] <> x[i] THEN
            RETURN false;
        END IF;
    END LOOP;
    RETURN true;
END
$$;
COMMENT ON FUNCTION indb_ml.array_contains(float8[], float8[]) IS
'True if every non-zero element of y equals the element of x at the same position (MADlib array_contains); arrays of the same shape, no NULL elements.';

-- ---------------------------------------------------------------- element-wise, one array

CREATE FUNCTION indb_ml.array_scalar_mult(x float8[], k float8) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    r float8[];
BEGIN
    IF pg_catalog.array_ndims(x) > 1 THEN
        RETURN indb_ml._array_reshape_like(indb_ml.array_scalar_mult(indb_ml._array_flatten(x), k), x);
    END IF;
    IF pg_catalog.cardinality(x) = 0 THEN
        RETURN x;
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('array_scalar_mult', 'x', x);
    END IF;
    r := x;
    FOR i IN pg_catalog.array_lower(x, 1)..pg_catalog.array_upper(x, 1) LOOP
        r[i] := x[i] * k;
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml.array_scalar_mult(float8[], float8) IS
'Every element of x multiplied by the scalar k (MADlib array_scalar_mult); NULL elements are an error.';

CREATE FUNCTION indb_ml.array_scalar_add(x float8[], k float8) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    r float8[];
BEGIN
    IF pg_catalog.array_ndims(x) > 1 THEN
        RETURN indb_ml._array_reshape_like(indb_ml.array_scalar_add(indb_ml._array_flatten(x), k), x);
    END IF;
    IF pg_catalog.cardinality(x) = 0 THEN
        RETURN x;
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('array_scalar_add', 'x', x);
    END IF;
    r := x;
    FOR i IN pg_catalog.array_lower(x, 1)..pg_catalog.array_upper(x, 1) LOOP
        r[i] := x[i] + k;
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml.array_scalar_add(float8[], float8) IS
'Every element of x plus the scalar k (MADlib array_scalar_add); NULL elements are an error.';

CREATE FUNCTION indb_ml.array_abs(x float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    r float8[];
BEGIN
    IF pg_catalog.array_ndims(x) > 1 THEN
        RETURN indb_ml._array_reshape_like(indb_ml.array_abs(indb_ml._array_flatten(x)), x);
    END IF;
    IF pg_catalog.cardinality(x) = 0 THEN
        RETURN x;
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('array_abs', 'x', x);
    END IF;
    r := x;
    FOR i IN pg_catalog.array_lower(x, 1)..pg_catalog.array_upper(x, 1) LOOP
        r[i] := pg_catalog.abs(x[i]);
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml.array_abs(float8[]) IS
'Absolute value of every element (MADlib array_abs); NULL elements are an error.';

CREATE FUNCTION indb_ml.array_sqrt(x float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    r float8[];
BEGIN
    IF pg_catalog.array_ndims(x) > 1 THEN
        RETURN indb_ml._array_reshape_like(indb_ml.array_sqrt(indb_ml._array_flatten(x)), x);
    END IF;
    IF pg_catalog.cardinality(x) = 0 THEN
        RETURN x;
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('array_sqrt', 'x', x);
    END IF;
    IF 0::float8 > ANY (x) THEN
        RAISE EXCEPTION 'array_sqrt: cannot take the square root of a negative number: x[%] is %',
            (SELECT i FROM pg_catalog.generate_subscripts(x, 1) AS i WHERE x[i] < 0 ORDER BY i LIMIT 1),
            (SELECT x[i] FROM pg_catalog.generate_subscripts(x, 1) AS i WHERE x[i] < 0 ORDER BY i LIMIT 1)
            USING ERRCODE = '2201F';
    END IF;
    r := x;
    FOR i IN pg_catalog.array_lower(x, 1)..pg_catalog.array_upper(x, 1) LOOP
        r[i] := pg_catalog.sqrt(x[i]);
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml.array_sqrt(float8[]) IS
'Square root of every element (MADlib array_sqrt); a negative element is an error (2201F), as are NULL elements.';

CREATE FUNCTION indb_ml.array_square(x float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    r float8[];
BEGIN
    IF pg_catalog.array_ndims(x) > 1 THEN
        RETURN indb_ml._array_reshape_like(indb_ml.array_square(indb_ml._array_flatten(x)), x);
    END IF;
    IF pg_catalog.cardinality(x) = 0 THEN
        RETURN x;
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('array_square', 'x', x);
    END IF;
    r := x;
    FOR i IN pg_catalog.array_lower(x, 1)..pg_catalog.array_upper(x, 1) LOOP
        r[i] := x[i] * x[i];
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml.array_square(float8[]) IS
'Square of every element (MADlib array_square); NULL elements are an error.';

CREATE FUNCTION indb_ml.array_pow(x float8[], y float8) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    r float8[];
BEGIN
    IF pg_catalog.array_ndims(x) > 1 THEN
        RETURN indb_ml._array_reshape_like(indb_ml.array_pow(indb_ml._array_flatten(x), y), x);
    END IF;
    IF pg_catalog.cardinality(x) = 0 THEN
        RETURN x;
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('array_pow', 'x', x);
    END IF;
    r := x;
    FOR i IN pg_catalog.array_lower(x, 1)..pg_catalog.array_upper(x, 1) LOOP
        r[i] := pg_catalog.power(x[i], y);
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml.array_pow(float8[], float8) IS
'Every element raised to the power y (MADlib array_pow), with PostgreSQL''s power(): 0 to a negative power and a negative number to a non-integer power are errors (2201F).';

CREATE FUNCTION indb_ml.array_cos(x float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    r float8[];
BEGIN
    IF pg_catalog.array_ndims(x) > 1 THEN
        RETURN indb_ml._array_reshape_like(indb_ml.array_cos(indb_ml._array_flatten(x)), x);
    END IF;
    IF pg_catalog.cardinality(x) = 0 THEN
        RETURN x;
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('array_cos', 'x', x);
    END IF;
    r := x;
    FOR i IN pg_catalog.array_lower(x, 1)..pg_catalog.array_upper(x, 1) LOOP
        r[i] := pg_catalog.cos(x[i]);
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml.array_cos(float8[]) IS
'Cosine of every element, in radians (MADlib array_cos); NULL elements are an error.';

CREATE FUNCTION indb_ml.array_cum_sum(x float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    r float8[];
    s float8 := 0;
BEGIN
    IF pg_catalog.array_ndims(x) > 1 THEN
        RETURN indb_ml._array_reshape_like(indb_ml.array_cum_sum(indb_ml._array_flatten(x)), x);
    END IF;
    IF pg_catalog.cardinality(x) = 0 THEN
        RETURN x;
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('array_cum_sum', 'x', x);
    END IF;
    r := x;
    FOR i IN pg_catalog.array_lower(x, 1)..pg_catalog.array_upper(x, 1) LOOP
        s := s + x[i];
        r[i] := s;
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml.array_cum_sum(float8[]) IS
'Cumulative sum: element i is x[1] + ... + x[i], in storage order for N-D arrays (MADlib array_cum_sum); NULL elements are an error.';

CREATE FUNCTION indb_ml.array_cum_prod(x float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    r float8[];
    p float8 := 1;
BEGIN
    IF pg_catalog.array_ndims(x) > 1 THEN
        RETURN indb_ml._array_reshape_like(indb_ml.array_cum_prod(indb_ml._array_flatten(x)), x);
    END IF;
    IF pg_catalog.cardinality(x) = 0 THEN
        RETURN x;
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('array_cum_prod', 'x', x);
    END IF;
    r := x;
    FOR i IN pg_catalog.array_lower(x, 1)..pg_catalog.array_upper(x, 1) LOOP
        p := p * x[i];
        r[i] := p;
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml.array_cum_prod(float8[]) IS
'Cumulative product: element i is x[1] * ... * x[i], in storage order for N-D arrays (MADlib array_cum_prod); NULL elements are an error.';

CREATE FUNCTION indb_ml.array_fill(x float8[], k float8) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    dims int[] := '{}';
    lbs int[] := '{}';
BEGIN
    IF pg_catalog.cardinality(x) = 0 THEN
        RETURN x;
    END IF;
    FOR d IN 1..pg_catalog.array_ndims(x) LOOP
        dims := pg_catalog.array_append(dims, pg_catalog.array_length(x, d));
        lbs := pg_catalog.array_append(lbs, pg_catalog.array_lower(x, d));
    END LOOP;
    RETURN pg_catalog.array_fill(k, dims, lbs);
END
$$;
COMMENT ON FUNCTION indb_ml.array_fill(float8[], float8) IS
'An array of the shape and subscripts of x with every element set to k (MADlib array_fill; the values of x, NULLs included, are ignored). Call it qualified: pg_catalog.array_fill(value, dims) is PostgreSQL''s own.';

CREATE FUNCTION indb_ml.array_of_float(k integer) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
BEGIN
    IF k < 1 OR k > 10000000 THEN
        RAISE EXCEPTION 'array_of_float: invalid array length %; it must be between 1 and 10000000', k
            USING ERRCODE = '22023';
    END IF;
    RETURN pg_catalog.array_fill(0::float8, ARRAY[k]);
END
$$;
COMMENT ON FUNCTION indb_ml.array_of_float(integer) IS
'A float8 array of k zeros, 1 <= k <= 10^7 (MADlib array_of_float).';

CREATE FUNCTION indb_ml.array_of_bigint(k integer) RETURNS bigint[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
BEGIN
    IF k < 1 OR k > 10000000 THEN
        RAISE EXCEPTION 'array_of_bigint: invalid array length %; it must be between 1 and 10000000', k
            USING ERRCODE = '22023';
    END IF;
    RETURN pg_catalog.array_fill(0::bigint, ARRAY[k]);
END
$$;
COMMENT ON FUNCTION indb_ml.array_of_bigint(integer) IS
'A bigint array of k zeros, 1 <= k <= 10^7 (MADlib array_of_bigint).';

CREATE FUNCTION indb_ml.array_filter(x float8[], k float8, op text) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    r float8[] := '{}';
    a float8;
BEGIN
    IF pg_catalog.array_ndims(x) > 1 THEN
        RAISE EXCEPTION 'array_filter: x must be a one-dimensional array, got % dimensions', pg_catalog.array_ndims(x)
            USING ERRCODE = '2202E';
    END IF;
    IF op NOT IN ('!=', '<>', '=', '==', '>', '>=', '<', '<=') THEN
        RAISE EXCEPTION 'array_filter: operator "%" is not supported', op
            USING ERRCODE = '22023', HINT = 'Use one of !=, <>, =, ==, >, >=, <, <=.';
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('array_filter', 'x', x);
    END IF;
    FOREACH a IN ARRAY x LOOP
        IF (CASE op
                WHEN '!=' THEN a <> k
                WHEN '<>' THEN a <> k
                WHEN '=' THEN a = k
                WHEN '==' THEN a = k
                WHEN '>' THEN a > k
                WHEN '>=' THEN a >= k
                WHEN '<' THEN a < k
                ELSE a <= k
            END) THEN
            r := pg_catalog.array_append(r, a);
        END IF;
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml.array_filter(float8[], float8, text) IS
'The elements a of the 1-D array x for which "a op k" holds, op one of != <> = == > >= < <= (MADlib array_filter). Comparisons are PostgreSQL''s: NaN equals NaN and is greater than every number.';

CREATE FUNCTION indb_ml.array_filter(x float8[], k float8) RETURNS float8[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN indb_ml.array_filter(x, k, '!=');
COMMENT ON FUNCTION indb_ml.array_filter(float8[], float8) IS
'The 1-D array x without the elements equal to k (MADlib array_filter).';

CREATE FUNCTION indb_ml.array_filter(x float8[]) RETURNS float8[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN indb_ml.array_filter(x, 0::float8, '!=');
COMMENT ON FUNCTION indb_ml.array_filter(float8[]) IS
'The 1-D array x without its zeros (MADlib array_filter).';

CREATE FUNCTION indb_ml.normalize(x float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    s float8 := 0;
    a float8;
    r float8[];
BEGIN
    IF pg_catalog.array_ndims(x) > 1 THEN
        RAISE EXCEPTION 'normalize: x must be a one-dimensional array, got % dimensions', pg_catalog.array_ndims(x)
            USING ERRCODE = '2202E';
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('normalize', 'x', x);
    END IF;
    FOREACH a IN ARRAY x LOOP
        s := s + a * a;
    END LOOP;
    IF s = 0 THEN  -- the zero vector (and the empty array) is returned unchanged, as in MADlib
        RETURN x;
    END IF;
    s := pg_catalog.sqrt(s);
    r := x;
    FOR i IN pg_catalog.array_lower(x, 1)..pg_catalog.array_upper(x, 1) LOOP
        r[i] := x[i] / s;
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml.normalize(float8[]) IS
'x divided by its 2-norm, a unit vector (MADlib normalize); a zero or empty vector is returned unchanged, NULL elements and N-D arrays are errors. Always write indb_ml.normalize(x): unqualified normalize(...) is PostgreSQL''s Unicode normalization.';

-- ---------------------------------------------------------------- reductions (skip NULL and NaN, as MADlib)

CREATE FUNCTION indb_ml.array_sum(x float8[]) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    s float8 := 0;
    a float8;
BEGIN
    FOREACH a IN ARRAY x LOOP
        IF a <> 'NaN'::float8 THEN  -- false for NULL and NaN
            s := s + a;
        END IF;
    END LOOP;
    RETURN s;
END
$$;
COMMENT ON FUNCTION indb_ml.array_sum(float8[]) IS
'Sum of the elements, skipping NULL and NaN; 0 for an empty array (MADlib array_sum).';

CREATE FUNCTION indb_ml.array_sum_big(x float8[]) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN indb_ml.array_sum(x);
COMMENT ON FUNCTION indb_ml.array_sum_big(float8[]) IS
'Sum of the elements as float8, skipping NULL and NaN (MADlib array_sum_big; the same as indb_ml.array_sum, which already sums in float8).';

CREATE FUNCTION indb_ml.array_abs_sum(x float8[]) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    s float8 := 0;
    a float8;
BEGIN
    FOREACH a IN ARRAY x LOOP
        IF a <> 'NaN'::float8 THEN
            s := s + pg_catalog.abs(a);
        END IF;
    END LOOP;
    RETURN s;
END
$$;
COMMENT ON FUNCTION indb_ml.array_abs_sum(float8[]) IS
'Sum of the absolute values of the elements, skipping NULL and NaN; 0 for an empty array (MADlib array_abs_sum).';

CREATE FUNCTION indb_ml.array_mean(x float8[]) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    s float8 := 0;
    n bigint := 0;
    a float8;
BEGIN
    FOREACH a IN ARRAY x LOOP
        IF a <> 'NaN'::float8 THEN
            s := s + a;
            n := n + 1;
        END IF;
    END LOOP;
    IF n = 0 THEN
        RETURN NULL;
    END IF;
    RETURN s / n;
END
$$;
COMMENT ON FUNCTION indb_ml.array_mean(float8[]) IS
'Mean of the elements, skipping NULL and NaN (MADlib array_mean); NULL when no element is left, as avg() over no rows (MADlib: 0 with a WARNING).';

CREATE FUNCTION indb_ml.array_stddev(x float8[]) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    s float8 := 0;
    n bigint := 0;
    a float8;
    m float8;
BEGIN
    FOREACH a IN ARRAY x LOOP
        IF a <> 'NaN'::float8 THEN
            s := s + a;
            n := n + 1;
        END IF;
    END LOOP;
    IF n < 2 THEN
        RETURN NULL;
    END IF;
    m := s / n;
    s := 0;
    FOREACH a IN ARRAY x LOOP  -- two passes: the sum of squared deviations, not sum(x^2) - n*mean^2
        IF a <> 'NaN'::float8 THEN
            s := s + (a - m) * (a - m);
        END IF;
    END LOOP;
    RETURN pg_catalog.sqrt(s / (n - 1));
END
$$;
COMMENT ON FUNCTION indb_ml.array_stddev(float8[]) IS
'Sample standard deviation (divisor n - 1) of the elements, skipping NULL and NaN (MADlib array_stddev); NULL for fewer than 2 elements, as stddev_samp() (MADlib: 0).';

CREATE FUNCTION indb_ml.array_max(x float8[]) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    m float8;
    a float8;
BEGIN
    FOREACH a IN ARRAY x LOOP
        IF a <> 'NaN'::float8 AND (m IS NULL OR a > m) THEN
            m := a;
        END IF;
    END LOOP;
    RETURN m;
END
$$;
COMMENT ON FUNCTION indb_ml.array_max(float8[]) IS
'Largest element, skipping NULL and NaN (MADlib array_max); NULL when no element is left.';

CREATE FUNCTION indb_ml.array_min(x float8[]) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    m float8;
    a float8;
BEGIN
    FOREACH a IN ARRAY x LOOP
        IF a <> 'NaN'::float8 AND (m IS NULL OR a < m) THEN
            m := a;
        END IF;
    END LOOP;
    RETURN m;
END
$$;
COMMENT ON FUNCTION indb_ml.array_min(float8[]) IS
'Smallest element, skipping NULL and NaN (MADlib array_min); NULL when no element is left.';

CREATE FUNCTION indb_ml.array_max_index(x float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    m float8;
    k int;
BEGIN
    IF pg_catalog.array_ndims(x) > 1 THEN
        RAISE EXCEPTION 'array_max_index: x must be a one-dimensional array, got % dimensions', pg_catalog.array_ndims(x)
            USING ERRCODE = '2202E';
    END IF;
    IF pg_catalog.cardinality(x) = 0 THEN
        RETURN NULL;
    END IF;
    FOR i IN pg_catalog.array_lower(x, 1)..pg_catalog.array_upper(x, 1) LOOP
        IF x[i] <> 'NaN'::float8 AND (m IS NULL OR x[i] > m) THEN
            m := x[i];
            k := i;
        END IF;
    END LOOP;
    IF k IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN ARRAY[m, k::float8];
END
$$;
COMMENT ON FUNCTION indb_ml.array_max_index(float8[]) IS
'{max, subscript} of the largest element of a 1-D array, the first one on ties, skipping NULL and NaN (MADlib array_max_index); NULL when no element is left.';

CREATE FUNCTION indb_ml.array_min_index(x float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    m float8;
    k int;
BEGIN
    IF pg_catalog.array_ndims(x) > 1 THEN
        RAISE EXCEPTION 'array_min_index: x must be a one-dimensional array, got % dimensions', pg_catalog.array_ndims(x)
            USING ERRCODE = '2202E';
    END IF;
    IF pg_catalog.cardinality(x) = 0 THEN
        RETURN NULL;
    END IF;
    FOR i IN pg_catalog.array_lower(x, 1)..pg_catalog.array_upper(x, 1) LOOP
        IF x[i] <> 'NaN'::float8 AND (m IS NULL OR x[i] < m) THEN
            m := x[i];
            k := i;
        END IF;
    END LOOP;
    IF k IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN ARRAY[m, k::float8];
END
$$;
COMMENT ON FUNCTION indb_ml.array_min_index(float8[]) IS
'{min, subscript} of the smallest element of a 1-D array, the first one on ties, skipping NULL and NaN (MADlib array_min_index); NULL when no element is left.';

CREATE FUNCTION indb_ml.array_contains_null(x anyarray) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
BEGIN
    IF pg_catalog.array_ndims(x) > 1 THEN
        RETURN EXISTS (SELECT FROM pg_catalog.unnest(x) AS e WHERE e IS NULL);
    END IF;
    RETURN pg_catalog.array_position(x, NULL) IS NOT NULL;
END
$$;
COMMENT ON FUNCTION indb_ml.array_contains_null(anyarray) IS
'True if the array has a NULL element, of any type and dimensions (MADlib array_contains_null).';

CREATE FUNCTION indb_ml.array_unnest_2d_to_1d(x anyarray, OUT unnest_row_id integer, OUT unnest_result anyarray)
RETURNS SETOF record
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE ROWS 100
AS $$
BEGIN
    IF pg_catalog.array_ndims(x) IS NULL THEN  -- empty: no rows
        RETURN;
    END IF;
    IF pg_catalog.array_ndims(x) <> 2 THEN
        RAISE EXCEPTION 'array_unnest_2d_to_1d: x must be a two-dimensional array, got % dimension(s)', pg_catalog.array_ndims(x)
            USING ERRCODE = '2202E';
    END IF;
    unnest_row_id := pg_catalog.array_lower(x, 1) - 1;
    FOREACH unnest_result SLICE 1 IN ARRAY x LOOP
        unnest_row_id := unnest_row_id + 1;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION indb_ml.array_unnest_2d_to_1d(anyarray) IS
'The rows of a 2-D array of any type as 1-D arrays: one row (unnest_row_id = the first subscript, unnest_result) per matrix row (MADlib array_unnest_2d_to_1d). SELECT (indb_ml.array_unnest_2d_to_1d(m)).* FROM t.';

-- MADlib's help overload (array_ops.sql_in); plain SQL like every function of this file.
CREATE FUNCTION indb_ml.array_unnest_2d_to_1d() RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
SELECT $usage$SELECT (indb_ml.array_unnest_2d_to_1d(x)).* FROM input_table;
    x                     -- a two-dimensional array of any element type
Returns one row per row of x: unnest_row_id (integer, the row's first subscript in x: 1, 2, ...
for an array that starts at 1) and unnest_result (the row as a one-dimensional array of x's type).
Without .* each row is one composite (unnest_row_id, unnest_result). An empty array gives no
rows; an array that is not two-dimensional is an error.
Example: SELECT id, (indb_ml.array_unnest_2d_to_1d(val)).*
         FROM (SELECT 1 AS id, ARRAY[[1.3, 2.0, 3.2], [10.3, 20.0, 32.2]]::float8[] AS val) t;$usage$::text
$$;
COMMENT ON FUNCTION indb_ml.array_unnest_2d_to_1d() IS 'Usage of indb_ml.array_unnest_2d_to_1d (MADlib array_unnest_2d_to_1d()).';

-- ---------------------------------------------------------------- norms and distances, float8[] (MADlib linalg)

CREATE FUNCTION indb_ml.norm1(x float8[]) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    s float8 := 0;
    a float8;
BEGIN
    FOREACH a IN ARRAY x LOOP
        s := s + pg_catalog.abs(a);
    END LOOP;
    IF s IS NULL THEN
        PERFORM indb_ml._array_null_error('norm1', 'x', indb_ml._array_flatten(x));
    END IF;
    RETURN s;
END
$$;
COMMENT ON FUNCTION indb_ml.norm1(float8[]) IS
'1-norm sum(|x[i]|) of a vector (MADlib norm1); 0 for an empty array, NULL elements are an error.';

CREATE FUNCTION indb_ml.norm2(x float8[]) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    s float8 := 0;
    a float8;
BEGIN
    FOREACH a IN ARRAY x LOOP
        s := s + a * a;
    END LOOP;
    IF s IS NULL THEN
        PERFORM indb_ml._array_null_error('norm2', 'x', indb_ml._array_flatten(x));
    END IF;
    RETURN pg_catalog.sqrt(s);
END
$$;
COMMENT ON FUNCTION indb_ml.norm2(float8[]) IS
'2-norm (Euclidean length) sqrt(sum(x[i]^2)) of a vector (MADlib norm2); 0 for an empty array, NULL elements are an error.';

CREATE FUNCTION indb_ml.squared_dist_norm2(x float8[], y float8[]) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    n int := pg_catalog.cardinality(x);
    s float8 := 0;
    d float8;
BEGIN
    -- As MADlib, an N-D array is read as its elements in storage order (a 1 x n slice is a vector).
    IF pg_catalog.array_ndims(x) > 1 THEN
        x := indb_ml._array_flatten(x);
    END IF;
    IF pg_catalog.array_ndims(y) > 1 THEN
        y := indb_ml._array_flatten(y);
    END IF;
    IF n <> pg_catalog.cardinality(y) THEN
        RAISE EXCEPTION 'squared_dist_norm2: x has % elements but y has %', n, pg_catalog.cardinality(y)
            USING ERRCODE = '2202E';
    END IF;
    IF pg_catalog.array_lower(x, 1) <> 1 OR pg_catalog.array_lower(y, 1) <> 1 THEN
        x := x[:];
        y := y[:];
    END IF;
    FOR i IN 1..n LOOP
        d := x[i] - y[i];
        s := s + d * d;
    END LOOP;
    IF s IS NULL THEN
        PERFORM indb_ml._array_null_error('squared_dist_norm2', 'x', x);
        PERFORM indb_ml._array_null_error('squared_dist_norm2', 'y', y);
    END IF;
    RETURN s;
END
$$;
COMMENT ON FUNCTION indb_ml.squared_dist_norm2(float8[], float8[]) IS
'Squared Euclidean distance sum((x[i] - y[i])^2) (MADlib squared_dist_norm2); vectors of the same length, no NULL elements.';

CREATE FUNCTION indb_ml.dist_norm2(x float8[], y float8[]) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    n int := pg_catalog.cardinality(x);
    s float8 := 0;
    d float8;
BEGIN
    -- As MADlib, an N-D array is read as its elements in storage order (a 1 x n slice is a vector).
    IF pg_catalog.array_ndims(x) > 1 THEN
        x := indb_ml._array_flatten(x);
    END IF;
    IF pg_catalog.array_ndims(y) > 1 THEN
        y := indb_ml._array_flatten(y);
    END IF;
    IF n <> pg_catalog.cardinality(y) THEN
        RAISE EXCEPTION 'dist_norm2: x has % elements but y has %', n, pg_catalog.cardinality(y)
            USING ERRCODE = '2202E';
    END IF;
    IF pg_catalog.array_lower(x, 1) <> 1 OR pg_catalog.array_lower(y, 1) <> 1 THEN
        x := x[:];
        y := y[:];
    END IF;
    FOR i IN 1..n LOOP
        d := x[i] - y[i];
        s := s + d * d;
    END LOOP;
    IF s IS NULL THEN
        PERFORM indb_ml._array_null_error('dist_norm2', 'x', x);
        PERFORM indb_ml._array_null_error('dist_norm2', 'y', y);
    END IF;
    RETURN pg_catalog.sqrt(s);
END
$$;
COMMENT ON FUNCTION indb_ml.dist_norm2(float8[], float8[]) IS
'Euclidean distance ||x - y||_2 (MADlib dist_norm2); vectors of the same length, no NULL elements.';

CREATE FUNCTION indb_ml.dist_norm1(x float8[], y float8[]) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    n int := pg_catalog.cardinality(x);
    s float8 := 0;
BEGIN
    -- As MADlib, an N-D array is read as its elements in storage order (a 1 x n slice is a vector).
    IF pg_catalog.array_ndims(x) > 1 THEN
        x := indb_ml._array_flatten(x);
    END IF;
    IF pg_catalog.array_ndims(y) > 1 THEN
        y := indb_ml._array_flatten(y);
    END IF;
    IF n <> pg_catalog.cardinality(y) THEN
        RAISE EXCEPTION 'dist_norm1: x has % elements but y has %', n, pg_catalog.cardinality(y)
            USING ERRCODE = '2202E';
    END IF;
    IF pg_catalog.array_lower(x, 1) <> 1 OR pg_catalog.array_lower(y, 1) <> 1 THEN
        x := x[:];
        y := y[:];
    END IF;
    FOR i IN 1..n LOOP
        s := s + pg_catalog.abs(x[i] - y[i]);
    END LOOP;
    IF s IS NULL THEN
        PERFORM indb_ml._array_null_error('dist_norm1', 'x', x);
        PERFORM indb_ml._array_null_error('dist_norm1', 'y', y);
    END IF;
    RETURN s;
END
$$;
COMMENT ON FUNCTION indb_ml.dist_norm1(float8[], float8[]) IS
'Manhattan distance ||x - y||_1 = sum(|x[i] - y[i]|) (MADlib dist_norm1); vectors of the same length, no NULL elements.';

CREATE FUNCTION indb_ml.dist_inf_norm(x float8[], y float8[]) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    n int := pg_catalog.cardinality(x);
    m float8 := 0;
    d float8;
BEGIN
    -- As MADlib, an N-D array is read as its elements in storage order (a 1 x n slice is a vector).
    IF pg_catalog.array_ndims(x) > 1 THEN
        x := indb_ml._array_flatten(x);
    END IF;
    IF pg_catalog.array_ndims(y) > 1 THEN
        y := indb_ml._array_flatten(y);
    END IF;
    IF n <> pg_catalog.cardinality(y) THEN
        RAISE EXCEPTION 'dist_inf_norm: x has % elements but y has %', n, pg_catalog.cardinality(y)
            USING ERRCODE = '2202E';
    END IF;
    IF pg_catalog.array_lower(x, 1) <> 1 OR pg_catalog.array_lower(y, 1) <> 1 THEN
        x := x[:];
        y := y[:];
    END IF;
    FOR i IN 1..n LOOP
        d := pg_catalog.abs(x[i] - y[i]);
        IF d IS NULL THEN
            PERFORM indb_ml._array_null_error('dist_inf_norm', 'x', x);
            PERFORM indb_ml._array_null_error('dist_inf_norm', 'y', y);
        END IF;
        IF d > m THEN  -- PostgreSQL orders NaN above every number: a NaN element gives NaN
            m := d;
        END IF;
    END LOOP;
    RETURN m;
END
$$;
COMMENT ON FUNCTION indb_ml.dist_inf_norm(float8[], float8[]) IS
'Chebyshev distance ||x - y||_inf = max(|x[i] - y[i]|) (MADlib dist_inf_norm); 0 for empty arrays; vectors of the same length, no NULL elements.';

CREATE FUNCTION indb_ml.dist_pnorm(x float8[], y float8[], p float8) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    n int := pg_catalog.cardinality(x);
    s float8 := 0;
BEGIN
    IF NOT p > 0 OR p = 'NaN'::float8 THEN
        RAISE EXCEPTION 'dist_pnorm: p must be positive, got %', p USING ERRCODE = '22023';
    END IF;
    IF p = 'Infinity'::float8 THEN
        RETURN indb_ml.dist_inf_norm(x, y);
    END IF;
    -- As MADlib, an N-D array is read as its elements in storage order (a 1 x n slice is a vector).
    IF pg_catalog.array_ndims(x) > 1 THEN
        x := indb_ml._array_flatten(x);
    END IF;
    IF pg_catalog.array_ndims(y) > 1 THEN
        y := indb_ml._array_flatten(y);
    END IF;
    IF n <> pg_catalog.cardinality(y) THEN
        RAISE EXCEPTION 'dist_pnorm: x has % elements but y has %', n, pg_catalog.cardinality(y)
            USING ERRCODE = '2202E';
    END IF;
    IF pg_catalog.array_lower(x, 1) <> 1 OR pg_catalog.array_lower(y, 1) <> 1 THEN
        x := x[:];
        y := y[:];
    END IF;
    FOR i IN 1..n LOOP
        s := s + pg_catalog.power(pg_catalog.abs(x[i] - y[i]), p);
    END LOOP;
    IF s IS NULL THEN
        PERFORM indb_ml._array_null_error('dist_pnorm', 'x', x);
        PERFORM indb_ml._array_null_error('dist_pnorm', 'y', y);
    END IF;
    RETURN pg_catalog.power(s, 1 / p);
END
$$;
COMMENT ON FUNCTION indb_ml.dist_pnorm(float8[], float8[], float8) IS
'Minkowski distance ||x - y||_p = (sum(|x[i] - y[i]|^p))^(1/p) for p > 0, p = Infinity giving dist_inf_norm (MADlib dist_pnorm); vectors of the same length, no NULL elements.';

CREATE FUNCTION indb_ml._cosine_similarity(x float8[], y float8[], fn text) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    n int := pg_catalog.cardinality(x);
    xy float8 := 0;
    xx float8 := 0;
    yy float8 := 0;
    c float8;
BEGIN
    -- As MADlib, an N-D array is read as its elements in storage order (a 1 x n slice is a vector).
    IF pg_catalog.array_ndims(x) > 1 THEN
        x := indb_ml._array_flatten(x);
    END IF;
    IF pg_catalog.array_ndims(y) > 1 THEN
        y := indb_ml._array_flatten(y);
    END IF;
    IF n <> pg_catalog.cardinality(y) THEN
        RAISE EXCEPTION '%: x has % elements but y has %', fn, n, pg_catalog.cardinality(y)
            USING ERRCODE = '2202E';
    END IF;
    IF pg_catalog.array_lower(x, 1) <> 1 OR pg_catalog.array_lower(y, 1) <> 1 THEN
        x := x[:];
        y := y[:];
    END IF;
    FOR i IN 1..n LOOP
        xy := xy + x[i] * y[i];
        xx := xx + x[i] * x[i];
        yy := yy + y[i] * y[i];
    END LOOP;
    IF xy IS NULL THEN
        PERFORM indb_ml._array_null_error(fn, 'x', x);
        PERFORM indb_ml._array_null_error(fn, 'y', y);
    END IF;
    IF xx = 0 OR yy = 0 THEN  -- undefined for a zero vector: MADlib returns -1
        RETURN -1;
    END IF;
    c := xy / (pg_catalog.sqrt(xx) * pg_catalog.sqrt(yy));
    IF c = 'NaN'::float8 THEN  -- NaN elements: NaN (the clamp below would turn it into 1)
        RETURN c;
    END IF;
    RETURN pg_catalog.float8smaller(pg_catalog.float8larger(c, -1), 1);
END
$$;
COMMENT ON FUNCTION indb_ml._cosine_similarity(float8[], float8[], text) IS
'Internal: cosine similarity of two vectors for cosine_similarity and dist_angle (fn names the caller in errors).';

CREATE FUNCTION indb_ml.cosine_similarity(x float8[], y float8[]) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN indb_ml._cosine_similarity(x, y, 'cosine_similarity');
COMMENT ON FUNCTION indb_ml.cosine_similarity(float8[], float8[]) IS
'Cosine similarity x.y / (||x|| ||y||), clamped to [-1, 1] (MADlib cosine_similarity); -1 when either vector is zero or empty, as in MADlib.';

CREATE FUNCTION indb_ml.dist_angle(x float8[], y float8[]) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.acos(indb_ml._cosine_similarity(x, y, 'dist_angle'));
COMMENT ON FUNCTION indb_ml.dist_angle(float8[], float8[]) IS
'Angle between two vectors in radians, arccos of their cosine similarity (MADlib dist_angle); pi when either vector is zero or empty, as in MADlib.';

CREATE FUNCTION indb_ml.dist_tanimoto(x float8[], y float8[]) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    n int := pg_catalog.cardinality(x);
    xy float8 := 0;
    t float8 := 0;
BEGIN
    -- As MADlib, an N-D array is read as its elements in storage order (a 1 x n slice is a vector).
    IF pg_catalog.array_ndims(x) > 1 THEN
        x := indb_ml._array_flatten(x);
    END IF;
    IF pg_catalog.array_ndims(y) > 1 THEN
        y := indb_ml._array_flatten(y);
    END IF;
    IF n <> pg_catalog.cardinality(y) THEN
        RAISE EXCEPTION 'dist_tanimoto: x has % elements but y has %', n, pg_catalog.cardinality(y)
            USING ERRCODE = '2202E';
    END IF;
    IF pg_catalog.array_lower(x, 1) <> 1 OR pg_catalog.array_lower(y, 1) <> 1 THEN
        x := x[:];
        y := y[:];
    END IF;
    FOR i IN 1..n LOOP
        xy := xy + x[i] * y[i];
        t := t + x[i] * x[i] + y[i] * y[i];
    END LOOP;
    IF xy IS NULL THEN
        PERFORM indb_ml._array_null_error('dist_tanimoto', 'x', x);
        PERFORM indb_ml._array_null_error('dist_tanimoto', 'y', y);
    END IF;
    IF t = xy THEN  -- only when both vectors are zero (or empty): 0/0, NaN as in MADlib
        RETURN 'NaN'::float8;
    END IF;
    RETURN (t - 2 * xy) / (t - xy);
END
$$;
COMMENT ON FUNCTION indb_ml.dist_tanimoto(float8[], float8[]) IS
'Tanimoto distance 1 - x.y / (||x||^2 + ||y||^2 - x.y) (MADlib dist_tanimoto); NaN when both vectors are zero, as in MADlib.';

CREATE FUNCTION indb_ml.dist_jaccard(x text[], y text[]) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    n_both bigint;
    n_any bigint;
BEGIN
    IF pg_catalog.array_ndims(x) > 1 OR pg_catalog.array_ndims(y) > 1 THEN
        RAISE EXCEPTION 'dist_jaccard: x and y must be one-dimensional arrays, got % and % dimensions',
            pg_catalog.array_ndims(x), pg_catalog.array_ndims(y) USING ERRCODE = '2202E';
    END IF;
    IF pg_catalog.array_position(x, NULL) IS NOT NULL OR pg_catalog.array_position(y, NULL) IS NOT NULL THEN
        PERFORM indb_ml._array_null_error('dist_jaccard', 'x', x);
        PERFORM indb_ml._array_null_error('dist_jaccard', 'y', y);
    END IF;
    IF pg_catalog.cardinality(x) = 0 OR pg_catalog.cardinality(y) = 0 THEN
        -- as MADlib: two empty sets are at distance 0, one empty set is at distance 1
        RETURN CASE WHEN pg_catalog.cardinality(x) = pg_catalog.cardinality(y) THEN 0 ELSE 1 END;
    END IF;
    -- Elements compare byte-wise (COLLATE "C"), as MADlib's std::string sets.
    SELECT pg_catalog.count(*) FILTER (WHERE in_x AND in_y), pg_catalog.count(*)
      INTO n_both, n_any
      FROM (SELECT pg_catalog.bool_or(src) AS in_x, pg_catalog.bool_or(NOT src) AS in_y
              FROM (SELECT e COLLATE "C" AS e, true AS src FROM pg_catalog.unnest(x) AS e
                    UNION ALL
                    SELECT e COLLATE "C", false FROM pg_catalog.unnest(y) AS e) AS u
             GROUP BY e) AS g;
    RETURN 1 - n_both::float8 / n_any;
END
$$;
COMMENT ON FUNCTION indb_ml.dist_jaccard(text[], text[]) IS
'Jaccard distance 1 - |x n y| / |x u y| of two text arrays taken as sets (MADlib dist_jaccard); 0 for two empty arrays, 1 when only one is empty; NULL elements are an error.';

-- ---------------------------------------------------------------- closest columns (MADlib linalg)

CREATE TYPE indb_ml.closest_column_result AS (
    column_id integer,
    distance float8
);
COMMENT ON TYPE indb_ml.closest_column_result IS 'Result of indb_ml.closest_column (MADlib closest_column_result).';

CREATE TYPE indb_ml.closest_columns_result AS (
    column_ids integer[],
    distances float8[]
);
COMMENT ON TYPE indb_ml.closest_columns_result IS 'Result of indb_ml.closest_columns (MADlib closest_columns_result).';

CREATE FUNCTION indb_ml._closest_distances(m float8[], x float8[], dist text, fn text) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    f regprocedure;
    metric int;
    call text;
    r float8[] := '{}';
    v float8[];
    d float8;
BEGIN
    IF pg_catalog.array_ndims(m) IS DISTINCT FROM 2 THEN
        RAISE EXCEPTION '%: m must be a two-dimensional array (one candidate per row), got % dimensions',
            fn, coalesce(pg_catalog.array_ndims(m), 0) USING ERRCODE = '2202E';
    END IF;
    IF pg_catalog.array_ndims(x) IS DISTINCT FROM 1 THEN
        RAISE EXCEPTION '%: x must be a non-empty one-dimensional array, got % dimensions',
            fn, coalesce(pg_catalog.array_ndims(x), 0) USING ERRCODE = '2202E';
    END IF;
    IF pg_catalog.array_length(m, 2) <> pg_catalog.cardinality(x) THEN
        RAISE EXCEPTION '%: the rows of m have % elements but x has %', fn,
            pg_catalog.array_length(m, 2), pg_catalog.cardinality(x) USING ERRCODE = '2202E';
    END IF;
    -- MADlib's metric names (madlib.dist_norm2) map onto ours; bare names find ours first.
    IF dist ~* '^\s*madlib\s*\.' THEN
        dist := pg_catalog.regexp_replace(dist, '^\s*madlib\s*\.', 'indb_ml.', 'i');
    END IF;
    IF pg_catalog.strpos(dist, '.') = 0 THEN
        f := pg_catalog.to_regprocedure('indb_ml.' || dist || '(float8[], float8[])');
    END IF;
    f := coalesce(f, pg_catalog.to_regprocedure(dist || '(float8[], float8[])'));
    IF f IS NULL THEN
        RAISE EXCEPTION '%: no distance function %(float8[], float8[])', fn, dist
            USING ERRCODE = '42883',
                  HINT = 'Name a function of two float8[] returning float8, e.g. squared_dist_norm2, dist_norm2, dist_norm1, dist_angle, dist_tanimoto.';
    END IF;
    metric := CASE f
        WHEN 'indb_ml.squared_dist_norm2(float8[], float8[])'::regprocedure THEN 1
        WHEN 'indb_ml.dist_norm2(float8[], float8[])'::regprocedure THEN 2
        WHEN 'indb_ml.dist_norm1(float8[], float8[])'::regprocedure THEN 3
        WHEN 'indb_ml.dist_angle(float8[], float8[])'::regprocedure THEN 4
        WHEN 'indb_ml.dist_tanimoto(float8[], float8[])'::regprocedure THEN 5
        WHEN 'indb_ml.dist_inf_norm(float8[], float8[])'::regprocedure THEN 6
    END;
    -- This function is IMMUTABLE and PARALLEL SAFE, so the distance it calls must be too.
    IF metric IS NULL AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_proc AS p WHERE p.oid = f
                                       AND p.provolatile = 'i' AND p.proparallel = 's') THEN
        RAISE EXCEPTION '%: the distance function % must be IMMUTABLE and PARALLEL SAFE', fn, f
            USING ERRCODE = '22023';
    END IF;
    IF metric IS NULL THEN
        SELECT pg_catalog.format('SELECT %I.%I($1, $2)', n.nspname, p.proname) INTO call
          FROM pg_catalog.pg_proc AS p JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
         WHERE p.oid = f;
    END IF;
    FOREACH v SLICE 1 IN ARRAY m LOOP
        d := CASE metric
            WHEN 1 THEN indb_ml.squared_dist_norm2(v, x)
            WHEN 2 THEN indb_ml.dist_norm2(v, x)
            WHEN 3 THEN indb_ml.dist_norm1(v, x)
            WHEN 4 THEN indb_ml.dist_angle(v, x)
            WHEN 5 THEN indb_ml.dist_tanimoto(v, x)
            WHEN 6 THEN indb_ml.dist_inf_norm(v, x)
        END;
        IF metric IS NULL THEN
            EXECUTE call INTO d USING v, x;
        END IF;
        r := pg_catalog.array_append(r, d);
    END LOOP;
    RETURN r;
END
$$;
COMMENT ON FUNCTION indb_ml._closest_distances(float8[], float8[], text, text) IS
'Internal: the distances from x to every row of the 2-D array m under the named metric (for closest_column and closest_columns).';

CREATE FUNCTION indb_ml.closest_column(m float8[], x float8[], dist text DEFAULT 'squared_dist_norm2')
RETURNS indb_ml.closest_column_result
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    ds float8[];
    best int;
BEGIN
    IF indb_ml.array_contains_null(m) OR indb_ml.array_contains_null(x) THEN
        RETURN NULL;  -- as MADlib: no distance, no answer, for this row
    END IF;
    ds := indb_ml._closest_distances(m, x, dist, 'closest_column');
    FOR i IN 1..pg_catalog.cardinality(ds) LOOP
        IF best IS NULL OR ds[i] < ds[best] THEN
            best := i;
        END IF;
    END LOOP;
    RETURN ROW(best - 1, ds[best])::indb_ml.closest_column_result;
END
$$;
COMMENT ON FUNCTION indb_ml.closest_column(float8[], float8[], text) IS
'The row of the 2-D array m closest to the vector x: (column_id, 0-based as in MADlib; distance), first on ties; dist names a metric f(float8[], float8[]) (default squared_dist_norm2; MADlib''s madlib.* names are accepted). NULL when m or x has a NULL element, as in MADlib closest_column.';

CREATE FUNCTION indb_ml.closest_columns(m float8[], x float8[], num integer, dist text DEFAULT 'squared_dist_norm2')
RETURNS indb_ml.closest_columns_result
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    ds float8[];
    result indb_ml.closest_columns_result;
BEGIN
    IF num < 0 THEN
        RAISE EXCEPTION 'closest_columns: num must not be negative, got %', num USING ERRCODE = '22023';
    END IF;
    IF indb_ml.array_contains_null(m) OR indb_ml.array_contains_null(x) THEN
        RETURN NULL;
    END IF;
    ds := indb_ml._closest_distances(m, x, dist, 'closest_columns');
    SELECT coalesce(pg_catalog.array_agg(i - 1 ORDER BY d, i), '{}'),
           coalesce(pg_catalog.array_agg(d ORDER BY d, i), '{}')
      INTO result.column_ids, result.distances
      FROM (SELECT i, ds[i] AS d FROM pg_catalog.generate_subscripts(ds, 1) AS i
            ORDER BY d, i LIMIT num) AS s;
    RETURN result;
END
$$;
COMMENT ON FUNCTION indb_ml.closest_columns(float8[], float8[], integer, text) IS
'The num rows of the 2-D array m closest to the vector x, nearest first (column_ids 0-based as in MADlib, distances); fewer when m has fewer rows. NULL when m or x has a NULL element, as in MADlib closest_columns.';

-- MADlib's signatures take the distance as REGPROC ('squared_dist_norm2'::regproc), plus a
-- dist_dn text it uses on Greenplum (accepted and ignored here).
CREATE FUNCTION indb_ml.closest_column(m float8[], x float8[], dist regproc, dist_dn text DEFAULT 'squared_dist_norm2')
RETURNS indb_ml.closest_column_result
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN indb_ml.closest_column(m, x, dist::text);
COMMENT ON FUNCTION indb_ml.closest_column(float8[], float8[], regproc, text) IS
'closest_column with the distance as REGPROC, as MADlib (closest_column(m, x, ''squared_dist_norm2''::regproc)); dist_dn is accepted and ignored.';

CREATE FUNCTION indb_ml.closest_columns(m float8[], x float8[], num integer, dist regproc, dist_dn text DEFAULT 'squared_dist_norm2')
RETURNS indb_ml.closest_columns_result
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN indb_ml.closest_columns(m, x, num, dist::text);
COMMENT ON FUNCTION indb_ml.closest_columns(float8[], float8[], integer, regproc, text) IS
'closest_columns with the distance as REGPROC, as MADlib (closest_columns(m, x, 2, ''dist_norm1''::regproc)); dist_dn is accepted and ignored.';

-- ---------------------------------------------------------------- pgvector vectors
-- No vector overloads of the MADlib names: MADlib passes its distances as REGPROC
-- ('squared_dist_norm2'::regproc), which resolves only when one function has the name.
-- A pgvector column reaches these functions as real[] (v::real[], coerced to float8[]), and
-- pgvector's own operators and functions (<->, <+>, <=>, l2_distance, vector_norm, ...)
-- compute the float4 distances in C.
