-- indb_ml 0.1.0 -> 0.2.0: generated from sql/upgrade/0.1.0--0.2.0.sql and sql/*.sql by `make build-sql`; do not edit.
\echo Use "ALTER EXTENSION indb_ml UPDATE TO '0.2.0'" to load this file. \quit
-- indb_ml 0.1.0 -> 0.2.0 (ALTER EXTENSION indb_ml UPDATE): the source of
-- migrations/indb_ml--0.1.0--0.2.0.sql, built by `make build-sql` (indb_ml/build_sql.py).
--
-- 0.1.0 is the install script of commit 6b8b459, frozen as migrations/indb_ml--0.1.0.sql (the last
-- commit whose install script was its sql/ before issue 16's catalog security changes, f1c1d04).
-- PostgreSQL runs the whole update in one transaction: an error anywhere leaves 0.1.0 as it was.
--
-- The model catalog holds users' rows, so it is altered here and never dropped. Everything else
-- the extension owns (functions, aggregates, views, types) is dropped by the block the build puts
-- at @drop-members and created again from 0.2.0's sql/*.sql at @install-script. The server's
-- Python package must already be 0.2.0's (the backfill at the end imports it).
-- @keep indb_ml.models indb_ml.models_id_seq

-- 0.2.0's SQL needs 0.2.0's Python package (or later): stop before changing anything if the server's is older.
DO $indb_ml_upgrade$
import indb_ml
found = tuple(int(p) for p in indb_ml.__version__.split(".")[:3] if p.isdigit())
if found < (0, 2, 0):
    plpy.error("indb_ml 0.2.0 needs the server's Python package indb_ml 0.2.0 or later; it has "
               + indb_ml.__version__, hint="install it first (make setup-server-python in the new source tree), "
               "then run ALTER EXTENSION indb_ml UPDATE again; nothing was changed", sqlstate="55000")
$indb_ml_upgrade$ LANGUAGE plpython3u;

DO $indb_ml_upgrade$
DECLARE
    v_statements text;
BEGIN
    WITH routine AS (
        SELECT pg_catalog.format('%I.%I(%s)', n.nspname, p.proname,
                                 pg_catalog.pg_get_function_identity_arguments(p.oid)) AS f,
               pg_catalog.aclexplode(COALESCE(p.proacl, pg_catalog.acldefault('f', p.proowner))) AS now,
               p.oid, p.proowner
        FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid
         AND d.deptype = 'e' AND d.refobjid = (SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname = 'indb_ml')
    ), acls AS (
        SELECT r.f, (r.now).grantee, (r.now).privilege_type, (r.now).is_grantable, 'now' AS side FROM routine r
        UNION ALL
        SELECT DISTINCT r.f, (a).grantee, (a).privilege_type, (a).is_grantable, 'init'
        FROM routine r CROSS JOIN LATERAL (SELECT pg_catalog.aclexplode(COALESCE(
            (SELECT i.initprivs FROM pg_catalog.pg_init_privs i
              WHERE i.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND i.objoid = r.oid AND i.objsubid = 0),
            pg_catalog.acldefault('f', r.proowner))) AS a) x
    ), delta AS (
        SELECT f, grantee, privilege_type, is_grantable, side FROM acls
        GROUP BY f, grantee, privilege_type, is_grantable, side
        HAVING NOT EXISTS (SELECT FROM acls o WHERE o.f = acls.f AND o.grantee = acls.grantee
                           AND o.privilege_type = acls.privilege_type AND o.is_grantable = acls.is_grantable
                           AND o.side <> acls.side)
    )
    SELECT pg_catalog.string_agg(
               CASE WHEN side = 'now'
                    THEN pg_catalog.format('GRANT %s ON ROUTINE %s TO %s%s;', privilege_type, f,
                                           CASE WHEN grantee = 0 THEN 'PUBLIC'
                                                ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(grantee)) END,
                                           CASE WHEN is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
                    ELSE pg_catalog.format('REVOKE %s ON ROUTINE %s FROM %s;', privilege_type, f,
                                           CASE WHEN grantee = 0 THEN 'PUBLIC'
                                                ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(grantee)) END)
               END, E'\n' ORDER BY side DESC, f, grantee)
      INTO v_statements FROM delta;
    IF v_statements IS NOT NULL THEN
        -- a WARNING: an extension script runs with client_min_messages at least warning
        RAISE WARNING 'indb_ml: privileges changed on its functions since it was installed are reset by the update'
            USING DETAIL = v_statements,
                  HINT = 'To keep them, run the statements in DETAIL after ALTER EXTENSION indb_ml UPDATE.';
    END IF;
END
$indb_ml_upgrade$;

DO $indb_ml_upgrade$
-- Every member of the extension from the old version, except the schema and the kept tables,
-- is dropped here and created again below as the new version defines it. A drop that fails
-- because another member depends on the object is retried after the others; one that fails
-- because an object outside the extension (a view of the user's) depends on it stops the update.
DECLARE
    kept text[] := ARRAY['indb_ml.models', 'indb_ml.models_id_seq', 'indb_ml.linregr_result', 'indb_ml.matrix_result', 'indb_ml.complex', 'indb_ml.closest_column_result', 'indb_ml.closest_columns_result']::text[];
    m record;
    progress boolean := true;
    pending integer;
    v_state text;
    v_detail text;
    v_details text[];
BEGIN
    WHILE progress LOOP
        progress := false;
        pending := 0;
        v_details := '{}';
        FOR m IN
            SELECT x.type, x.identity FROM pg_catalog.jsonb_to_recordset(pg_catalog.to_jsonb(ARRAY(
                SELECT pg_catalog.jsonb_build_object('type', i.type, 'identity', i.identity)
                FROM pg_catalog.pg_depend d
                CROSS JOIN LATERAL pg_catalog.pg_identify_object(d.classid, d.objid, d.objsubid) i
                WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.deptype = 'e'
                  AND d.refobjid = (SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname = 'indb_ml')
                  AND i.type <> 'schema' AND NOT (i.identity = ANY (kept))
                ORDER BY CASE i.type WHEN 'view' THEN 0 WHEN 'materialized view' THEN 0 WHEN 'aggregate' THEN 1
                                     WHEN 'cast' THEN 2 WHEN 'operator' THEN 3 WHEN 'function' THEN 5
                                     WHEN 'procedure' THEN 5 ELSE 9 END, i.identity))) AS x(type text, identity text)
        LOOP
            BEGIN
                EXECUTE pg_catalog.format('DROP %s %s',
                    CASE m.type WHEN 'composite type' THEN 'TYPE' ELSE pg_catalog.upper(m.type) END, m.identity);
                progress := true;
            EXCEPTION WHEN dependent_objects_still_exist THEN
                pending := pending + 1;
                GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_detail = PG_EXCEPTION_DETAIL;
                IF NOT v_detail = ANY (v_details) THEN
                    v_details := v_details || v_detail;
                END IF;
            END;
        END LOOP;
    END LOOP;
    IF pending > 0 THEN
        RAISE EXCEPTION 'indb_ml cannot be updated: objects outside the extension depend on its objects'
            USING ERRCODE = v_state, DETAIL = pg_catalog.array_to_string(v_details, E'
'),
                  HINT = 'Nothing was changed. Drop the objects DETAIL names, run ALTER EXTENSION indb_ml UPDATE, '
                         'then create them again.';
    END IF;
END
$indb_ml_upgrade$;

-- The catalog becomes read only for ordinary roles (issue 16): 0.1.0 let every role insert and
-- update its own rows and draw ids from the sequence; 0.2.0 writes it through
-- indb_ml.model_requests' SECURITY DEFINER trigger only. 0.2.0's models_read policy and its
-- SELECT grant are created below with the rest of the 0.2.0 script. Grants an administrator
-- made to named roles are left as they are.
DROP POLICY models_read ON indb_ml.models;
DROP POLICY models_insert ON indb_ml.models;
DROP POLICY models_update ON indb_ml.models;
REVOKE ALL ON indb_ml.models FROM PUBLIC;
REVOKE ALL ON SEQUENCE indb_ml.models_id_seq FROM PUBLIC;

-- Each model's terms (the names and expressions of its coefficients, for scoring by name),
-- filled in for the models 0.1.0 trained at the end of this script.
ALTER TABLE indb_ml.models
    ADD COLUMN dependent_varname text,
    ADD COLUMN independent_varname text,
    ADD COLUMN feature_names text[],
    ADD COLUMN feature_exprs text[],
    ADD COLUMN grouping_cols text[];


-- ---- 00_core.sql ----

-- (kept from 0.1.0: CREATE SCHEMA indb_ml;)
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

-- ---- 05_interrupts.sql ----
-- interrupts: cancel, statement_timeout and terminate reach the Python drivers

-- The drivers' loops call this every few tens of milliseconds (indb_ml/core/session.py,
-- Session.check_interrupts): PostgreSQL acts on a pending cancel, timeout or terminate only at
-- CHECK_FOR_INTERRUPTS(), which Python computing between two statements never reaches.
-- VOLATILE so that it is called every time; every role may call it (it only lets PostgreSQL
-- act on signals already sent to this backend).
CREATE FUNCTION indb_ml._check_interrupts() RETURNS void
AS 'MODULE_PATHNAME', 'indb_ml_check_interrupts'
LANGUAGE C STABLE PARALLEL SAFE;  -- writes nothing; STABLE still runs at every call
COMMENT ON FUNCTION indb_ml._check_interrupts() IS
'Internal: CHECK_FOR_INTERRUPTS() (C): a pending cancel or statement_timeout raises SQLSTATE 57014 here, a pg_terminate_backend ends the backend; called by the Python drivers inside their loops.';

-- ---- 06_progress.sql ----
-- progress: how far a running indb_ml call is (src/progress.c, indb_ml/core/progress.py)

-- The drivers call this once per iteration or phase (instead of _check_interrupts, which it
-- also does). It writes this backend's progress slots of PostgreSQL's command progress
-- reporting under a private command code that core's pg_stat_progress_* views never show.
-- PARALLEL UNSAFE: a parallel worker has its own slot, which nobody reads as the call's progress.
CREATE FUNCTION indb_ml._progress_report(func int, phase int, iteration bigint, max_iter bigint,
    rows_done bigint, rows_total bigint, loss float8) RETURNS void
AS 'MODULE_PATHNAME', 'indb_ml_progress_report'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION indb_ml._progress_report(int, int, bigint, bigint, bigint, bigint, float8) IS
'Internal: publish this backend''s progress in a running indb_ml call (function and phase codes of indb_ml.progress, iteration of max_iter, rows done of total, loss; NULL means unknown), then CHECK_FOR_INTERRUPTS().';

CREATE FUNCTION indb_ml._progress_end() RETURNS void
AS 'MODULE_PATHNAME', 'indb_ml_progress_end'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION indb_ml._progress_end() IS
'Internal: this backend no longer reports indb_ml progress (called at the end of each call; an error ends it too).';

CREATE FUNCTION indb_ml._progress_rows(OUT pid int, OUT datid oid, OUT userid oid,
    OUT func int, OUT phase int, OUT iteration bigint, OUT max_iter bigint,
    OUT rows_done bigint, OUT rows_total bigint, OUT loss float8, OUT started timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'indb_ml_progress_rows'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION indb_ml._progress_rows() IS
'Internal: every backend reporting indb_ml progress; the values after userid are NULL unless the caller has the privileges of the backend''s role or of pg_read_all_stats (as in pg_stat_progress_*).';

-- Keep these codes equal to FUNCTIONS and PHASES in indb_ml/core/progress.py
-- (tests/test_progress.py checks it).
CREATE VIEW indb_ml.progress AS
SELECT r.pid, a.usename, a.datname, f.name AS function, ph.name AS phase,
       r.iteration, r.max_iter, r.rows_done, r.rows_total, r.loss,
       r.started, clock_timestamp() - r.started AS elapsed
FROM indb_ml._progress_rows() r
LEFT JOIN pg_stat_activity a ON a.pid = r.pid
LEFT JOIN (VALUES (1, 'logregr'), (2, 'glm'), (3, 'multinom'), (4, 'ordinal'),
                  (5, 'mlogregr'), (6, 'elastic_net'), (7, 'lm_cg'), (8, 'pagerank'),
                  (9, 'hits'), (10, 'wcc'), (11, 'graph_sssp'), (12, 'compress'),
                  (13, 'cross_validation'), (14, 'linregr'), (15, 'knn'), (16, 'svd'),
                  (17, 'planner')) AS f(code, name) ON f.code = r.func
LEFT JOIN (VALUES (1, 'iterate'), (2, 'pass'), (3, 'fold'), (4, 'reblock'),
                  (5, 'finish'), (6, 'load'), (7, 'decompose'), (8, 'write'),
                  (9, 'index'), (10, 'search'), (11, 'evaluate')) AS ph(code, name) ON ph.code = r.phase;
COMMENT ON VIEW indb_ml.progress IS
'Running indb_ml calls: one row per backend, with function, phase, iteration of max_iter, rows done of total, current loss (log-likelihood, residual) and elapsed time. Values are NULL for other roles'' calls unless you have their privileges or pg_read_all_stats.';
GRANT SELECT ON indb_ml.progress TO PUBLIC;

-- ---- 10_linregr.sql ----
-- linregr: linear regression (MADlib-compatible names, arguments and outputs)

CREATE FUNCTION indb_ml.linregr_train(
    source_table text,
    out_table text,
    dependent_varname text,
    independent_varname text,
    grouping_cols text DEFAULT NULL,
    heteroskedasticity_option boolean DEFAULT FALSE,
    OUT model_name text, OUT version integer, OUT tables text[]
) RETURNS record
LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.regress.linregr import linregr_train
return linregr_train(plpy, source_table, out_table, dependent_varname, independent_varname,
                     grouping_cols, heteroskedasticity_option)
$$;
COMMENT ON FUNCTION indb_ml.linregr_train(text, text, text, text, text, boolean) IS
'Ordinary least squares over a table, written to out_table and out_table_summary (MADlib linregr_train). SELECT indb_ml.linregr_train() for usage.';

CREATE FUNCTION indb_ml.linregr_train() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.linregr import linregr_help
return linregr_help()
$$;
COMMENT ON FUNCTION indb_ml.linregr_train() IS 'Usage of indb_ml.linregr_train.';

CREATE FUNCTION indb_ml.linregr_train(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.linregr import linregr_help
return linregr_help()
$$;
COMMENT ON FUNCTION indb_ml.linregr_train(text) IS 'Usage of indb_ml.linregr_train (''usage'' or any text).';

CREATE FUNCTION indb_ml.linregr_predict(coef float8[], col_ind_var float8[]) RETURNS float8
AS 'MODULE_PATHNAME', 'indb_ml_linregr_predict'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml.linregr_predict(float8[], float8[]) IS
'Prediction of a linear model: the dot product of coef and the features (MADlib linregr_predict). C; different lengths and NULL elements are errors.';

CREATE FUNCTION indb_ml.linregr_predict(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("linregr_predict", message)
$$;
COMMENT ON FUNCTION indb_ml.linregr_predict(text) IS 'Usage of indb_ml.linregr_predict (''usage'' or any text; MADlib linregr_predict(message)).';

CREATE FUNCTION indb_ml.linregr_predict() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("linregr_predict", None)
$$;
COMMENT ON FUNCTION indb_ml.linregr_predict() IS 'Usage of indb_ml.linregr_predict (MADlib linregr_predict()).';
-- (kept from 0.1.0: CREATE TYPE indb_ml.linregr_result AS )
COMMENT ON TYPE indb_ml.linregr_result IS 'Result of the indb_ml.linregr aggregate (MADlib linregr_result).';

CREATE FUNCTION indb_ml._linregr_transition(state bytea, y float8, x float8[]) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_linregr_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._linregr_transition(bytea, float8, float8[]) IS
'Internal: transition step of indb_ml.linregr (C: Welford update of the co-moments of [y, x], in place; rows with a NULL are counted as skipped).';

CREATE FUNCTION indb_ml._comoment_combine(a bytea, b bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_comoment_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._comoment_combine(bytea, bytea) IS
'Internal: merge step of the co-moment aggregates (linregr, gram, xty, training passes): Chan''s exact pairwise update, in C.';

CREATE FUNCTION indb_ml._linregr_finalize(state bytea, madlib_statistics text) RETURNS indb_ml.linregr_result
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.linregr_agg import linregr_final
return linregr_final(plpy, state, madlib_statistics)
$$;
COMMENT ON FUNCTION indb_ml._linregr_finalize(bytea, text) IS 'Internal: the fit of a linregr state (once per group, in numpy); madlib_statistics: the text of the indb_ml.madlib_statistics setting.';

-- The setting is read here, in SQL: PL/Python can run no SQL in a parallel worker, where the final step may run.
CREATE FUNCTION indb_ml._linregr_final(state bytea) RETURNS indb_ml.linregr_result
LANGUAGE sql STABLE PARALLEL SAFE
RETURN indb_ml._linregr_finalize(state, pg_catalog.current_setting('indb_ml.madlib_statistics', true));
COMMENT ON FUNCTION indb_ml._linregr_final(bytea) IS 'Internal: final step of indb_ml.linregr (STABLE: with MADlib''s formulas under SET indb_ml.madlib_statistics = on).';

CREATE AGGREGATE indb_ml.linregr(float8, float8[]) (
    SFUNC = indb_ml._linregr_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._comoment_combine,
    FINALFUNC = indb_ml._linregr_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml.linregr(float8, float8[]) IS
'Linear regression as an aggregate: (indb_ml.linregr(y, ARRAY[1, x1, x2])).*. C per-row steps with a combine step: runs in parallel workers, per partition and on Citus shards.';

-- MADlib's linregr state functions under their own names, for code that folds states by hand
-- (MADlib's regress/test/linear.sql_in does). MADlib's state type is bytea8 and its initial state
-- the empty bytea; here the empty bytea stands for the aggregate's NULL initial state.
CREATE DOMAIN indb_ml.bytea8 AS bytea;
COMMENT ON DOMAIN indb_ml.bytea8 IS 'MADlib''s name for the linregr state type (a bytea; the empty value is the initial state).';

CREATE FUNCTION indb_ml.linregr_transition(state indb_ml.bytea8, y float8, x float8[]) RETURNS indb_ml.bytea8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN COALESCE(indb_ml._linregr_transition(NULLIF(state, ''::bytea), y, x), ''::bytea);
COMMENT ON FUNCTION indb_ml.linregr_transition(indb_ml.bytea8, float8, float8[]) IS
'MADlib''s linregr_transition: one row folded into a linregr state (the C step of indb_ml.linregr); start from ''''::indb_ml.bytea8.';

CREATE FUNCTION indb_ml.linregr_merge_states(state1 indb_ml.bytea8, state2 indb_ml.bytea8) RETURNS indb_ml.bytea8
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN COALESCE(indb_ml._comoment_combine(NULLIF(state1, ''::bytea),
                                            NULLIF(state2, ''::bytea)), ''::bytea);
COMMENT ON FUNCTION indb_ml.linregr_merge_states(indb_ml.bytea8, indb_ml.bytea8) IS
'MADlib''s linregr_merge_states: two linregr states merged (Chan''s exact update, in C); the empty state is neutral.';

CREATE FUNCTION indb_ml.linregr_final(state indb_ml.bytea8) RETURNS indb_ml.linregr_result
LANGUAGE sql STABLE PARALLEL SAFE
RETURN indb_ml._linregr_final(NULLIF(state, ''::bytea));
COMMENT ON FUNCTION indb_ml.linregr_final(indb_ml.bytea8) IS
'MADlib''s linregr_final: the linregr_result of a state (NULL for the empty state).';

CREATE AGGREGATE indb_ml._linregr_state(float8, float8[]) (
    SFUNC = indb_ml._linregr_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._comoment_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._linregr_state(float8, float8[]) IS
'Internal: the co-moments state of [y, x] (the linregr aggregate without its final step): one pass of linregr_train per group, finalized by the driver.';

CREATE FUNCTION indb_ml._linregr_cols_transition(state bytea, VARIADIC "any") RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_linregr_cols_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._linregr_cols_transition(bytea, "any") IS
'Internal: transition step of indb_ml._linregr_cols (C: linregr''s co-moments of [y, x1, ..., xk] from float8 arguments, in place; rows with a NULL are counted as skipped).';

CREATE AGGREGATE indb_ml._linregr_cols(VARIADIC "any") (
    SFUNC = indb_ml._linregr_cols_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._comoment_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._linregr_cols("any") IS
'Internal: indb_ml._linregr_state with the row as float8 arguments (y, x1, ..., xk; at most 98 features) instead of an array, which PostgreSQL would build per row: linregr_train''s pass when the features are listed.';

CREATE FUNCTION indb_ml._residual_transition(state bytea, y float8, x float8[], coef float8[]) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_residual_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._residual_transition(bytea, float8, float8[], float8[]) IS
'Internal: transition step of indb_ml._residual_state (C: co-moments of [(y - x.coef)^2, x]).';

CREATE AGGREGATE indb_ml._residual_state(float8, float8[], float8[]) (
    SFUNC = indb_ml._residual_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._comoment_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._residual_state(float8, float8[], float8[]) IS
'Internal: the co-moments state of the squared residuals and the features given coefficients: the second pass of linregr_train''s Breusch-Pagan test.';

-- ---- 20_matrix.sql ----

-- (kept from 0.1.0: CREATE TYPE indb_ml.matrix_result AS )
COMMENT ON TYPE indb_ml.matrix_result IS 'Result of the matrix operations: the name of the table they wrote (MADlib matrix_result).';

CREATE FUNCTION indb_ml.matrix_mult(matrix_a text, a_args text, matrix_b text, b_args text, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.ops import matrix_mult
return matrix_mult(plpy, matrix_a, a_args, matrix_b, b_args, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_mult(text, text, text, text, text, text) IS
'Writes matrix_out = matrix_a * matrix_b (matrix product); trans=true in a_args or b_args transposes an operand (MADlib matrix_mult); formats dense, sparse or tiles; out_args fmt= chooses the output format.';

CREATE FUNCTION indb_ml.matrix_add(matrix_a text, a_args text, matrix_b text, b_args text, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.ops import matrix_add
return matrix_add(plpy, matrix_a, a_args, matrix_b, b_args, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_add(text, text, text, text, text, text) IS
'Writes matrix_out = matrix_a + matrix_b (MADlib matrix_add); formats dense, sparse or tiles; out_args fmt= chooses the output format.';

CREATE FUNCTION indb_ml.matrix_sub(matrix_a text, a_args text, matrix_b text, b_args text, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.ops import matrix_sub
return matrix_sub(plpy, matrix_a, a_args, matrix_b, b_args, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_sub(text, text, text, text, text, text) IS
'Writes matrix_out = matrix_a - matrix_b (MADlib matrix_sub); formats dense, sparse or tiles; out_args fmt= chooses the output format.';

CREATE FUNCTION indb_ml.matrix_elem_mult(matrix_a text, a_args text, matrix_b text, b_args text, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.ops import matrix_elem_mult
return matrix_elem_mult(plpy, matrix_a, a_args, matrix_b, b_args, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_elem_mult(text, text, text, text, text, text) IS
'Writes matrix_out = element-wise product of matrix_a and matrix_b (MADlib matrix_elem_mult); formats dense, sparse or tiles; out_args fmt= chooses the output format.';

CREATE FUNCTION indb_ml.matrix_trans(matrix_in text, in_args text, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.ops import matrix_trans
return matrix_trans(plpy, matrix_in, in_args, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_trans(text, text, text, text) IS
'Writes matrix_out = the transpose of matrix_in.';

CREATE FUNCTION indb_ml.matrix_densify(matrix_in text, in_args text, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.ops import matrix_densify
return matrix_densify(plpy, matrix_in, in_args, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_densify(text, text, text, text) IS
'Writes matrix_out = matrix_in in dense format (row, val float8[]).';

CREATE FUNCTION indb_ml.matrix_sparsify(matrix_in text, in_args text, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.ops import matrix_sparsify
return matrix_sparsify(plpy, matrix_in, in_args, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_sparsify(text, text, text, text) IS
'Writes matrix_out = matrix_in in sparse format (row, col, val).';

CREATE FUNCTION indb_ml.matrix_reblock(matrix_in text, in_args text, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.ops import matrix_reblock
return matrix_reblock(plpy, matrix_in, in_args, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_reblock(text, text, text, text) IS
'Writes matrix_out = matrix_in cut into tiles (row_block, col_block, nrows, ncols, layout, codec, data bytea); out_args block= sets the tile side (default 1000), fmt=dense or fmt=sparse converts tiles back.';

CREATE FUNCTION indb_ml.matrix_scalar_mult(matrix_in text, in_args text, scalar float8, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.ops import matrix_scalar_mult
return matrix_scalar_mult(plpy, matrix_in, in_args, scalar, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_scalar_mult(text, text, float8, text, text) IS
'Writes matrix_out = scalar * matrix_in (MADlib matrix_scalar_mult).';

CREATE FUNCTION indb_ml.matrix_vec_mult(matrix_in text, in_args text, vector float8[])
RETURNS float8[] LANGUAGE plpython3u STABLE PARALLEL UNSAFE
AS $$
from indb_ml.matrix.ops import matrix_vec_mult
return matrix_vec_mult(plpy, matrix_in, in_args, vector)
$$;
COMMENT ON FUNCTION indb_ml.matrix_vec_mult(text, text, float8[]) IS
'matrix_in * vector as a float8[] (MADlib matrix_vec_mult).';

CREATE FUNCTION indb_ml.matrix_ndims(matrix_in text, in_args text)
RETURNS integer[] LANGUAGE plpython3u STABLE PARALLEL UNSAFE
AS $$
from indb_ml.matrix.ops import matrix_ndims
return matrix_ndims(plpy, matrix_in, in_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_ndims(text, text) IS
'{rows, columns} of matrix_in (MADlib matrix_ndims).';

-- ---- 21_matrix_more.sql ----

-- (kept from 0.1.0: CREATE TYPE indb_ml.complex AS )
COMMENT ON TYPE indb_ml.complex IS 'A complex number (real, imag): the eigenvalues written by matrix_eigen (MADlib complex).';

-- extraction and reductions (indb_ml/matrix/reduce.py)

CREATE FUNCTION indb_ml.matrix_extract_row(matrix_in text, in_args text, index integer)
RETURNS float8[] LANGUAGE plpython3u STABLE PARALLEL UNSAFE
AS $$
from indb_ml.matrix.reduce import matrix_extract_row
return matrix_extract_row(plpy, matrix_in, in_args, index)
$$;
COMMENT ON FUNCTION indb_ml.matrix_extract_row(text, text, integer) IS
'Row number index (1-based) of matrix_in as a float8[] (MADlib matrix_extract_row); formats dense, sparse or tiles.';

CREATE FUNCTION indb_ml.matrix_extract_col(matrix_in text, in_args text, index integer)
RETURNS float8[] LANGUAGE plpython3u STABLE PARALLEL UNSAFE
AS $$
from indb_ml.matrix.reduce import matrix_extract_col
return matrix_extract_col(plpy, matrix_in, in_args, index)
$$;
COMMENT ON FUNCTION indb_ml.matrix_extract_col(text, text, integer) IS
'Column number index (1-based) of matrix_in as a float8[] (MADlib matrix_extract_col); formats dense, sparse or tiles.';

CREATE FUNCTION indb_ml.matrix_extract_diag(matrix_in text, in_args text)
RETURNS float8[] LANGUAGE plpython3u STABLE PARALLEL UNSAFE
AS $$
from indb_ml.matrix.reduce import matrix_extract_diag
return matrix_extract_diag(plpy, matrix_in, in_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_extract_diag(text, text) IS
'Main diagonal of matrix_in, min(rows, columns) values, as a float8[] (MADlib matrix_extract_diag).';

CREATE FUNCTION indb_ml.matrix_max(matrix_in text, in_args text, dim integer, matrix_out text, fetch_index boolean DEFAULT false)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.reduce import matrix_max
return matrix_max(plpy, matrix_in, in_args, dim, matrix_out, fetch_index)
$$;
COMMENT ON FUNCTION indb_ml.matrix_max(text, text, integer, text, boolean) IS
'Writes matrix_out, one row: max float8[] = the largest value of each column (dim=1) or of each row (dim=2), and with fetch_index also index bigint[] = the 1-based position of its first occurrence (MADlib matrix_max).';

CREATE FUNCTION indb_ml.matrix_min(matrix_in text, in_args text, dim integer, matrix_out text, fetch_index boolean DEFAULT false)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.reduce import matrix_min
return matrix_min(plpy, matrix_in, in_args, dim, matrix_out, fetch_index)
$$;
COMMENT ON FUNCTION indb_ml.matrix_min(text, text, integer, text, boolean) IS
'Writes matrix_out, one row: min float8[] = the smallest value of each column (dim=1) or of each row (dim=2), and with fetch_index also index bigint[] = the 1-based position of its first occurrence (MADlib matrix_min).';

CREATE FUNCTION indb_ml.matrix_sum(matrix_in text, in_args text, dim integer DEFAULT 1)
RETURNS float8[] LANGUAGE plpython3u STABLE PARALLEL UNSAFE
AS $$
from indb_ml.matrix.reduce import matrix_sum
return matrix_sum(plpy, matrix_in, in_args, dim)
$$;
COMMENT ON FUNCTION indb_ml.matrix_sum(text, text, integer) IS
'Sums of each column (dim=1, the default) or of each row (dim=2) of matrix_in (MADlib matrix_sum).';

CREATE FUNCTION indb_ml.matrix_mean(matrix_in text, in_args text, dim integer DEFAULT 1)
RETURNS float8[] LANGUAGE plpython3u STABLE PARALLEL UNSAFE
AS $$
from indb_ml.matrix.reduce import matrix_mean
return matrix_mean(plpy, matrix_in, in_args, dim)
$$;
COMMENT ON FUNCTION indb_ml.matrix_mean(text, text, integer) IS
'Means of each column (dim=1, the default) or of each row (dim=2) of matrix_in (MADlib matrix_mean).';

CREATE FUNCTION indb_ml.matrix_norm(matrix_in text, in_args text, norm_type text DEFAULT 'fro')
RETURNS float8 LANGUAGE plpython3u STABLE PARALLEL UNSAFE
AS $$
from indb_ml.matrix.reduce import matrix_norm
return matrix_norm(plpy, matrix_in, in_args, norm_type)
$$;
COMMENT ON FUNCTION indb_ml.matrix_norm(text, text, text) IS
'Norm of matrix_in (MADlib matrix_norm): ''one''/''o'' (largest column sum of |a|), ''inf''/''i'' (largest row sum), ''max''/''m'' (largest |a|), ''fro''/''f'' (Frobenius, the default), ''spectral''/''s'' (largest singular value), or a number p > 0 for the element-wise p-norm (sum |a|^p)^(1/p), so ''2'' is the Frobenius norm.';

-- creation (indb_ml/matrix/create.py)

CREATE FUNCTION indb_ml.matrix_zeros(row_dim integer, col_dim integer, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.create import matrix_zeros
return matrix_zeros(plpy, row_dim, col_dim, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_zeros(integer, integer, text, text) IS
'Writes matrix_out = a row_dim x col_dim matrix of zeros (MADlib matrix_zeros); sparse by default (only the (row_dim, col_dim, 0) entry), columns row, col, val unless out_args names them; fmt=dense or fmt=tiles in out_args.';

CREATE FUNCTION indb_ml.matrix_ones(row_dim integer, col_dim integer, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.create import matrix_ones
return matrix_ones(plpy, row_dim, col_dim, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_ones(integer, integer, text, text) IS
'Writes matrix_out = a row_dim x col_dim matrix of ones (MADlib matrix_ones); sparse by default, columns row, col, val unless out_args names them; fmt=dense or fmt=tiles in out_args.';

CREATE FUNCTION indb_ml.matrix_identity(row_dim integer, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.create import matrix_identity
return matrix_identity(plpy, row_dim, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_identity(integer, text, text) IS
'Writes matrix_out = the row_dim x row_dim identity matrix (MADlib matrix_identity); sparse by default, columns row, col, val unless out_args names them.';

CREATE FUNCTION indb_ml.matrix_diag(diag_elements float8[], matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.create import matrix_diag
return matrix_diag(plpy, diag_elements, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_diag(float8[], text, text) IS
'Writes matrix_out = the square diagonal matrix with diag_elements on its diagonal (MADlib matrix_diag); sparse by default, columns row, col, val unless out_args names them.';

CREATE FUNCTION indb_ml.matrix_random(row_dim integer, col_dim integer, in_args text, distribution text, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.create import matrix_random
return matrix_random(plpy, row_dim, col_dim, in_args, distribution, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_random(integer, integer, text, text, text, text) IS
'Writes matrix_out = a row_dim x col_dim matrix drawn from distribution ''uniform'' (default; in_args min=0, max=1), ''normal'' (mu=0, sigma=1) or ''bernoulli'' (prob=0.5, pos_val=1, neg_val=0) (MADlib matrix_random); dense by default. in_args seed=N makes it reproducible: the same seed, shape and options give the same matrix (numpy PCG64, so not MADlib''s numbers); without a seed every call draws anew.';

CREATE FUNCTION indb_ml.matrix_random(row_dim integer, col_dim integer, distribution text, matrix_out text)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.create import matrix_random
return matrix_random(plpy, row_dim, col_dim, None, distribution, matrix_out, None)
$$;
COMMENT ON FUNCTION indb_ml.matrix_random(integer, integer, text, text) IS
'Writes matrix_out = a row_dim x col_dim random matrix from distribution with its default parameters and no seed (MADlib matrix_random).';

CREATE FUNCTION indb_ml.matrix_random(row_dim integer, col_dim integer, matrix_out text)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.create import matrix_random
return matrix_random(plpy, row_dim, col_dim, None, None, matrix_out, None)
$$;
COMMENT ON FUNCTION indb_ml.matrix_random(integer, integer, text) IS
'Writes matrix_out = a row_dim x col_dim matrix of uniform [0, 1) random values, without a seed (MADlib matrix_random).';

-- decompositions: the whole matrix in memory, capped by indb_ml.matrix_memory_mb (indb_ml/matrix/decompose.py)

CREATE FUNCTION indb_ml.matrix_inverse(matrix_in text, in_args text, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.decompose import matrix_inverse
return matrix_inverse(plpy, matrix_in, in_args, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_inverse(text, text, text, text) IS
'Writes matrix_out = the inverse of the square matrix matrix_in (MADlib matrix_inverse); computed in memory (LAPACK), dense unless out_args says fmt=; a singular matrix is an error (use matrix_pinv).';

CREATE FUNCTION indb_ml.matrix_pinv(matrix_in text, in_args text, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.decompose import matrix_pinv
return matrix_pinv(plpy, matrix_in, in_args, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_pinv(text, text, text, text) IS
'Writes matrix_out = the Moore-Penrose pseudo-inverse of matrix_in, any shape (MADlib matrix_pinv); computed in memory (SVD), dense unless out_args says fmt=.';

CREATE FUNCTION indb_ml.matrix_eigen(matrix_in text, in_args text, matrix_out text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.decompose import matrix_eigen
return matrix_eigen(plpy, matrix_in, in_args, matrix_out, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_eigen(text, text, text, text) IS
'Writes matrix_out with one row per eigenvalue of the square matrix matrix_in (with multiplicity, largest real part first): the row column and eigen_values indb_ml.complex (real, imag) unless out_args names it val= (MADlib matrix_eigen); computed in memory (LAPACK).';

CREATE FUNCTION indb_ml.matrix_cholesky(matrix_in text, in_args text, matrix_out_prefix text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.decompose import matrix_cholesky
return matrix_cholesky(plpy, matrix_in, in_args, matrix_out_prefix, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_cholesky(text, text, text, text) IS
'Pivoted Cholesky (LDL'') of a symmetric positive definite matrix_in (MADlib matrix_cholesky, Eigen''s LDLT): writes <prefix>_p, <prefix>_l, <prefix>_d with P A P'' = L D L'', L unit lower triangular, D diagonal; only the lower triangle of matrix_in is read; computed in memory, dense unless out_args says fmt=; returns a note naming the tables.';

CREATE FUNCTION indb_ml.matrix_qr(matrix_in text, in_args text, matrix_out_prefix text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.decompose import matrix_qr
return matrix_qr(plpy, matrix_in, in_args, matrix_out_prefix, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_qr(text, text, text, text) IS
'QR decomposition A = Q R of an m x n matrix_in (MADlib matrix_qr): writes <prefix>_q (m x m orthogonal) and <prefix>_r (m x n upper triangular); computed in memory (LAPACK Householder), dense unless out_args says fmt=; returns a note naming the tables.';

CREATE FUNCTION indb_ml.matrix_lu(matrix_in text, in_args text, matrix_out_prefix text, out_args text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.decompose import matrix_lu
return matrix_lu(plpy, matrix_in, in_args, matrix_out_prefix, out_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_lu(text, text, text, text) IS
'LU decomposition with full pivoting P A Q = L U of an m x n matrix_in (MADlib matrix_lu, Eigen''s FullPivLU): writes <prefix>_p (m x m), <prefix>_l (m x m unit lower triangular), <prefix>_u (m x n upper triangular), <prefix>_q (n x n); computed in memory, dense unless out_args says fmt=; returns a note naming the tables.';

CREATE FUNCTION indb_ml.matrix_rank(matrix_in text, in_args text)
RETURNS bigint LANGUAGE plpython3u STABLE PARALLEL UNSAFE
AS $$
from indb_ml.matrix.decompose import matrix_rank
return matrix_rank(plpy, matrix_in, in_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_rank(text, text) IS
'Rank of matrix_in: singular values above max(m, n) * eps * the largest (MADlib matrix_rank); computed in memory (SVD).';

CREATE FUNCTION indb_ml.matrix_nuclear_norm(matrix_in text, in_args text)
RETURNS float8 LANGUAGE plpython3u STABLE PARALLEL UNSAFE
AS $$
from indb_ml.matrix.decompose import matrix_nuclear_norm
return matrix_nuclear_norm(plpy, matrix_in, in_args)
$$;
COMMENT ON FUNCTION indb_ml.matrix_nuclear_norm(text, text) IS
'Nuclear norm of matrix_in, the sum of its singular values (MADlib matrix_nuclear_norm); computed in memory (SVD).';

-- ---- 22_tiles.sql ----
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

-- ---- 23_matrix_aggregates.sql ----
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

-- ---- 24_svd.sql ----
-- svd: MADlib's singular value decomposition, in memory, capped by indb_ml.matrix_memory_mb (indb_ml/matrix/svd.py)

CREATE FUNCTION indb_ml.svd(source_table text, output_table_prefix text, row_id text, k integer, n_iterations integer DEFAULT NULL, result_summary_table text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.svd import svd
return svd(plpy, source_table, output_table_prefix, row_id, k, n_iterations, result_summary_table)
$$;
COMMENT ON FUNCTION indb_ml.svd(text, text, text, integer, integer, text) IS
'Singular value decomposition A ~ U S V'' of a dense matrix with its k largest singular values (MADlib svd): source_table has row_id numbered 1..m and either one array column (any numeric array or pgvector vector) or numeric columns, one per matrix column; writes <prefix>_u and <prefix>_v (row_id integer, row_vec float8[]: m x k and n x k), <prefix>_s (row_id, col_id, value: (i, i, sigma_i), descending) and, if named, result_summary_table (rows_used, "exec_time (ms)", iter, recon_error, relative_recon_error). Exact (LAPACK), whatever n_iterations (checked to lie in [k, min(m, n)]); signs: the largest-magnitude entry of each column of U is positive; zero singular values are dropped with a warning. SELECT indb_ml.svd() for usage.';

CREATE FUNCTION indb_ml.svd_sparse(source_table text, output_table_prefix text, row_id text, col_id text, value text, row_dim integer, col_dim integer, k integer, n_iterations integer DEFAULT NULL, result_summary_table text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.svd import svd_sparse
return svd_sparse(plpy, source_table, output_table_prefix, row_id, col_id, value, row_dim, col_dim, k, n_iterations, result_summary_table)
$$;
COMMENT ON FUNCTION indb_ml.svd_sparse(text, text, text, text, text, integer, integer, integer, integer, text) IS
'Singular value decomposition of a row_dim x col_dim sparse matrix given as (row_id, col_id, value) entries, 1-based, without duplicates or NULLs (MADlib svd_sparse), k largest singular values; outputs as indb_ml.svd. ARPACK on the sparse matrix (never densified, fixed start vector) when k < min(row_dim, col_dim) - 1, else LAPACK on the densified matrix; n_iterations is only checked to lie in [k, min(row_dim, col_dim)].';

CREATE FUNCTION indb_ml.svd_sparse_native(source_table text, output_table_prefix text, row_id text, col_id text, value text, row_dim integer, col_dim integer, k integer, n_iterations integer DEFAULT NULL, result_summary_table text DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE
AS $$
from indb_ml.matrix.svd import svd_sparse_native
return svd_sparse_native(plpy, source_table, output_table_prefix, row_id, col_id, value, row_dim, col_dim, k, n_iterations, result_summary_table)
$$;
COMMENT ON FUNCTION indb_ml.svd_sparse_native(text, text, text, text, text, integer, integer, integer, integer, text) IS
'MADlib svd_sparse_native: the same computation and outputs as indb_ml.svd_sparse (which already keeps the matrix sparse).';

CREATE FUNCTION indb_ml.svd() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.svd import svd_help
return svd_help()
$$;
COMMENT ON FUNCTION indb_ml.svd() IS 'Usage of indb_ml.svd, svd_sparse and svd_sparse_native.';

CREATE FUNCTION indb_ml.svd(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.matrix.svd import svd_help
return svd_help(message)
$$;
COMMENT ON FUNCTION indb_ml.svd(text) IS 'Usage of indb_ml.svd, svd_sparse and svd_sparse_native (''usage'' or any text).';

-- ---- 25_matrix_help.sql ----
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

-- ---- 26_matrix_madlib.sql ----
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

-- ---- 30_array_ops.sql ----
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
-- (kept from 0.1.0: CREATE TYPE indb_ml.closest_column_result AS )
COMMENT ON TYPE indb_ml.closest_column_result IS 'Result of indb_ml.closest_column (MADlib closest_column_result).';
-- (kept from 0.1.0: CREATE TYPE indb_ml.closest_columns_result AS )
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


-- ---- 31_array_aggregates.sql ----
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

-- ---- 40_planner.sql ----
-- planner: R-like matrix expressions, rewritten and planned over matrix tables (indb_ml/planner)

CREATE FUNCTION indb_ml.la_value(expr text, bindings jsonb DEFAULT '{}', rules_off text[] DEFAULT NULL,
                                 memory_mb integer DEFAULT NULL)
RETURNS float8[] LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.planner.entry import la_value
return la_value(plpy, expr, bindings, rules_off, memory_mb)
$$;
COMMENT ON FUNCTION indb_ml.la_value(text, jsonb, text[], integer) IS
'Evaluate an R-like matrix expression (t(X) %*% X, solve(A, b), colSums(X), ...) over the tables and constants named in bindings ({"X": "table" or {"table": ..., "args": "row=..., val=..."}, "lambda": 0.1, "v": [1, 2]}); returns the result as a 2-D float8[] (a scalar is {{x}}), loaded under indb_ml.matrix_memory_mb. rules_off names rewrite rules to skip; memory_mb is the planner''s budget: intermediates up to that size stay in memory, bigger ones go to temporary tables (default indb_ml.la_memory_kb, else indb_ml.matrix_memory_mb).';

CREATE FUNCTION indb_ml.la_eval(expr text, bindings jsonb, out_table text, out_args text DEFAULT NULL,
                                rules_off text[] DEFAULT NULL, memory_mb integer DEFAULT NULL)
RETURNS indb_ml.matrix_result LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.planner.entry import la_eval
return la_eval(plpy, expr, bindings, out_table, out_args, rules_off, memory_mb)
$$;
COMMENT ON FUNCTION indb_ml.la_eval(text, jsonb, text, text, text[], integer) IS
'Evaluate an R-like matrix expression like la_value and write the result to out_table (dense rows row_num, val unless out_args says otherwise: row=, val=, fmt=dense|sparse|tiles). Big intermediates live in temporary tables, small ones in memory.';

CREATE FUNCTION indb_ml.la_explain(expr text, bindings jsonb DEFAULT '{}', rules_off text[] DEFAULT NULL,
                                   memory_mb integer DEFAULT NULL)
RETURNS SETOF text LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.planner.entry import la_explain
return la_explain(plpy, expr, bindings, rules_off, memory_mb)
$$;
COMMENT ON FUNCTION indb_ml.la_explain(text, jsonb, text[], integer) IS
'The plan of an R-like matrix expression: the logical plan, the rewrite rules that fired, the optimized plan with shapes, estimated non-zeros, where each value lives and the operator that computes it.';

CREATE FUNCTION indb_ml.la_shape(expr text, bindings jsonb DEFAULT '{}')
RETURNS integer[] LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.planner.entry import la_shape
return la_shape(plpy, expr, bindings)
$$;
COMMENT ON FUNCTION indb_ml.la_shape(text, jsonb) IS
'The shape {rows, columns} of an R-like matrix expression''s result, from table statistics; nothing is computed.';

CREATE FUNCTION indb_ml.lm_cg(source_table text, out_table text, dependent_varname text, independent_varname text,
                              lambda_value float8 DEFAULT 0, max_iter integer DEFAULT 100,
                              tolerance float8 DEFAULT 1e-10)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.planner.lm_cg import lm_cg
return lm_cg(plpy, source_table, out_table, dependent_varname, independent_varname, lambda_value, max_iter, tolerance)
$$;
COMMENT ON FUNCTION indb_ml.lm_cg(text, text, text, text, float8, integer, float8) IS
'Ridge linear regression (X''X + lambda I) w = X''y by conjugate gradient, written with the planner: X (MADlib''s independent_varname, e.g. ARRAY[1, x1, x2]; rows with a NULL skipped) is packed once into a temporary table, reblocked into tiles when max_iter makes that pay, and each iteration is one pass over it (mmchain). out_table: coef, lambda, iterations, converged, residual_norm, num_rows_processed, num_rows_skipped, x_format (dense or tiles), x_table_bytes, exec_time_ms.';

-- ---- 50_logregr.sql ----
-- logistic regression: logregr_train (IRLS by aggregate passes, or over rows packed once), its C step, predict functions, usage

CREATE FUNCTION indb_ml.logregr_train(source_table text, out_table text, dependent_varname text,
                                      independent_varname text, grouping_cols text DEFAULT NULL,
                                      max_iter integer DEFAULT 20, optimizer text DEFAULT 'irls',
                                      tolerance float8 DEFAULT 0.0001, verbose boolean DEFAULT false,
                                      OUT model_name text, OUT version integer, OUT tables text[])
RETURNS record LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.logregr import logregr_train
return logregr_train(plpy, source_table, out_table, dependent_varname, independent_varname, grouping_cols,
                     max_iter, optimizer, tolerance, verbose)
$$;
COMMENT ON FUNCTION indb_ml.logregr_train(text, text, text, text, text, integer, text, float8, boolean) IS
'Logistic regression (MADlib logregr_train): IRLS (or cg, igd); each iteration is one aggregate statement indb_ml._logregr_step over the source (views, foreign, partitioned and distributed tables, parallel workers), or on plain local tables the rows packed once in memory and iterated in numpy (indb_ml.training_plan = auto|aggregate|memory); writes out_table (coef, log_likelihood, std_err, z_stats, p_values, odds_ratios, condition_no, num_rows_processed, num_missing_rows_skipped, num_iterations, variance_covariance, status) and out_table_summary. SELECT indb_ml.logregr_train() shows the usage.';

CREATE FUNCTION indb_ml.logregr_train() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.logregr import logregr_help
return logregr_help()
$$;
COMMENT ON FUNCTION indb_ml.logregr_train() IS 'Usage of indb_ml.logregr_train.';

CREATE FUNCTION indb_ml.logregr_train(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.logregr import logregr_help
return logregr_help()
$$;
COMMENT ON FUNCTION indb_ml.logregr_train(text) IS 'Usage of indb_ml.logregr_train (any message, as MADlib''s ''usage'').';

CREATE FUNCTION indb_ml._model_dot(coef float8[], features float8[], caller text) RETURNS float8
AS 'MODULE_PATHNAME', 'indb_ml_model_dot'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._model_dot(float8[], float8[], text) IS
'Internal: coef . features for the predict functions, with an error naming the caller when the lengths differ.';

CREATE FUNCTION indb_ml.logregr_predict_prob(coef float8[], col_ind_var float8[]) RETURNS float8
AS 'MODULE_PATHNAME', 'indb_ml_logregr_predict_prob'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml.logregr_predict_prob(float8[], float8[]) IS
'The probability 1 / (1 + exp(-coef . x)) of the positive class (MADlib logregr_predict_prob); C, IMMUTABLE and PARALLEL SAFE for views; arrays of different lengths and NULL elements are errors.';

CREATE FUNCTION indb_ml.logregr_predict(coef float8[], col_ind_var float8[]) RETURNS boolean
AS 'MODULE_PATHNAME', 'indb_ml_logregr_predict'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml.logregr_predict(float8[], float8[]) IS
'The predicted class, probability >= 0.5 (MADlib logregr_predict); C, IMMUTABLE and PARALLEL SAFE.';

CREATE FUNCTION indb_ml.logregr_predict(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("logregr_predict", message)
$$;
COMMENT ON FUNCTION indb_ml.logregr_predict(text) IS 'Usage of indb_ml.logregr_predict (''usage'' or any text; MADlib logregr_predict(message)).';

CREATE FUNCTION indb_ml.logregr_predict() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("logregr_predict", None)
$$;
COMMENT ON FUNCTION indb_ml.logregr_predict() IS 'Usage of indb_ml.logregr_predict (MADlib logregr_predict()).';

CREATE FUNCTION indb_ml.logregr_predict_prob(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("logregr_predict_prob", message)
$$;
COMMENT ON FUNCTION indb_ml.logregr_predict_prob(text) IS 'Usage of indb_ml.logregr_predict_prob (''usage'' or any text; MADlib logregr_predict_prob(message)).';

CREATE FUNCTION indb_ml.logregr_predict_prob() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("logregr_predict_prob", None)
$$;
COMMENT ON FUNCTION indb_ml.logregr_predict_prob() IS 'Usage of indb_ml.logregr_predict_prob (MADlib logregr_predict_prob()).';

CREATE FUNCTION indb_ml._logregr_step_transition(state bytea, y float8, x float8[], coef float8[]) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_logregr_step_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._logregr_step_transition(bytea, float8, float8[], float8[]) IS
'Internal: transition step of indb_ml._logregr_step (C: at eta = x.coef adds y eta - log(1 + e^eta), x (y - p) and p (1 - p) x x^T, in place; rows with a NULL are counted as skipped; y must be 0 or 1).';

CREATE FUNCTION indb_ml._logregr_step_cols_transition(state bytea, coef float8[], VARIADIC "any") RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_logregr_step_cols_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._logregr_step_cols_transition(bytea, float8[], "any") IS
'Internal: transition step of indb_ml._logregr_step_cols (C: _logregr_step''s sums with the row as float8 arguments y, x1, ..., xk).';

CREATE FUNCTION indb_ml._logregr_step_combine(a bytea, b bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_logregr_step_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._logregr_step_combine(bytea, bytea) IS
'Internal: merge step of indb_ml._logregr_step (C: the log-likelihood, gradient and Hessian of two partial states add).';

CREATE AGGREGATE indb_ml._logregr_step(float8, float8[], float8[]) (
    SFUNC = indb_ml._logregr_step_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._logregr_step_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._logregr_step(float8, float8[], float8[]) IS
'Internal: one pass of logregr_train at coefficients coef (y, x, coef): the log-likelihood, gradient and packed Hessian of logistic regression as a bytea state, parsed by the driver. C per-row steps with a combine step: runs in parallel workers, per partition and on Citus shards.';

CREATE AGGREGATE indb_ml._logregr_step_cols(float8[], VARIADIC "any") (
    SFUNC = indb_ml._logregr_step_cols_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._logregr_step_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._logregr_step_cols(float8[], "any") IS
'Internal: indb_ml._logregr_step with the row as float8 arguments (coef, y, x1, ..., xk; at most 97 features) instead of an array built per row: logregr_train''s pass when the features are listed.';

CREATE FUNCTION indb_ml._logregr_igd_step(state bytea, y float8, x float8[], prev float8[]) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_logregr_igd_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._logregr_igd_step(bytea, float8, float8[], float8[]) IS
'Internal: transition step of indb_ml._logregr_igd (C: one row of MADlib''s logistic IGD: coef += 0.01 sigma(-y x.coef) y x with y in {-1, 1}, and X''AX and the log-likelihood at prev, the previous pass''s coefficients; prev NULL is MADlib''s first pass, step size 0; rows with a NULL are counted as skipped; y must be 0 or 1).';

-- No COMBINEFUNC, and the aggregate PARALLEL UNSAFE (its step alone is safe): the per-row steps are
-- sequential, so the rows must come in order from one process, as MADlib's aggregates take them on
-- PostgreSQL (see indb_ml._enet_igd).
CREATE AGGREGATE indb_ml._logregr_igd(float8, float8[], float8[]) (
    SFUNC = indb_ml._logregr_igd_step,
    STYPE = bytea,
    PARALLEL = UNSAFE
);
COMMENT ON AGGREGATE indb_ml._logregr_igd(float8, float8[], float8[]) IS
'Internal: one pass of MADlib''s logistic IGD over a group''s rows in order (logregr_train with optimizer ''igd''); the statistics are Python.';

-- ---- 51_glm.sql ----
-- generalized linear models: glm (IRLS by aggregate passes, or over rows packed once), its C step, glm_predict, usage

CREATE FUNCTION indb_ml.glm(source_table text, model_table text, dependent_varname text, independent_varname text,
                            family_params text, grouping_col text DEFAULT NULL, optim_params text DEFAULT NULL,
                            verbose boolean DEFAULT false,
                            OUT model_name text, OUT version integer, OUT tables text[])
RETURNS record LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.glm import glm
return glm(plpy, source_table, model_table, dependent_varname, independent_varname, family_params, grouping_col,
           optim_params, verbose)
$$;
COMMENT ON FUNCTION indb_ml.glm(text, text, text, text, text, text, text, boolean) IS
'Generalized linear model (MADlib glm): family_params ''family=poisson, link=log'' (gaussian, binomial, poisson, gamma, inverse_gaussian with their links), optim_params ''max_iter=100, optimizer=irls, tolerance=1e-6''; each IRLS iteration is one aggregate statement indb_ml._glm_step over the source, or on plain local tables the rows are packed once in memory (indb_ml.training_plan = auto|aggregate|memory). SELECT indb_ml.glm() shows the usage.';

CREATE FUNCTION indb_ml.glm() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.glm import glm_help
return glm_help()
$$;
COMMENT ON FUNCTION indb_ml.glm() IS 'Usage of indb_ml.glm.';

CREATE FUNCTION indb_ml.glm(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.glm import glm_help
return glm_help()
$$;
COMMENT ON FUNCTION indb_ml.glm(text) IS 'Usage of indb_ml.glm (''usage'' or any text; MADlib glm(message)).';

CREATE FUNCTION indb_ml.glm_predict(coef float8[], col_ind_var float8[], link text) RETURNS float8
AS 'MODULE_PATHNAME', 'indb_ml_glm_predict'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml.glm_predict(float8[], float8[], text) IS
'The mean g⁻¹(coef . x) for a link (MADlib glm_predict); C, IMMUTABLE and PARALLEL SAFE for views.';

CREATE FUNCTION indb_ml._normal_cdf(x float8) RETURNS float8
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
AS $$
DECLARE
    a float8 := abs(x);
    e float8;
    num float8;
    den float8;
    c float8;
BEGIN
    -- Hart's algorithm 5666 as given by West (2005): absolute error about 1e-16, no Python per row.
    IF a > 37 THEN
        c := 0;
    ELSE
        e := pg_catalog.exp(-a * a / 2);
        IF a < 7.07106781186547 THEN
            num := ((((((3.52624965998911e-02 * a + 0.700383064443688) * a + 6.37396220353165) * a
                   + 33.912866078383) * a + 112.079291497871) * a + 221.213596169931) * a + 220.206867912376);
            den := (((((((8.83883476483184e-02 * a + 1.75566716318264) * a + 16.064177579207) * a
                   + 86.7807322029461) * a + 296.564248779674) * a + 637.333633378831) * a + 793.826512519948) * a
                   + 440.413735824752);
            c := e * num / den;
        ELSE
            c := e / (a + 1 / (a + 2 / (a + 3 / (a + 4 / (a + 0.65))))) / 2.506628274631;
        END IF;
    END IF;
    RETURN CASE WHEN x > 0 THEN 1 - c ELSE c END;
END
$$;
COMMENT ON FUNCTION indb_ml._normal_cdf(float8) IS
'Internal: the standard normal CDF in PL/pgSQL (Hart 5666; absolute error about 1e-16), for the probit links of the predict functions.';

CREATE FUNCTION indb_ml.glm_predict_poisson(coef float8[], col_ind_var float8[], link text) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT pg_catalog.round(indb_ml.glm_predict(coef, col_ind_var, link)) $$;
COMMENT ON FUNCTION indb_ml.glm_predict_poisson(float8[], float8[], text) IS
'The predicted count: glm_predict rounded to the nearest integer (MADlib glm_predict_poisson); IMMUTABLE, PARALLEL SAFE.';

CREATE FUNCTION indb_ml.glm_predict_binomial(coef float8[], col_ind_var float8[], link text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT indb_ml.glm_predict(coef, col_ind_var, link) >= 0.5 $$;
COMMENT ON FUNCTION indb_ml.glm_predict_binomial(float8[], float8[], text) IS
'The predicted class: glm_predict >= 0.5 (MADlib glm_predict_binomial); IMMUTABLE, PARALLEL SAFE.';

CREATE FUNCTION indb_ml.glm_predict(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("glm_predict", message)
$$;
COMMENT ON FUNCTION indb_ml.glm_predict(text) IS 'Usage of indb_ml.glm_predict (''usage'' or any text; MADlib glm_predict(message)).';

CREATE FUNCTION indb_ml.glm_predict() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("glm_predict", None)
$$;
COMMENT ON FUNCTION indb_ml.glm_predict() IS 'Usage of indb_ml.glm_predict (MADlib glm_predict()).';

CREATE FUNCTION indb_ml.glm_predict_poisson(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("glm_predict_poisson", message)
$$;
COMMENT ON FUNCTION indb_ml.glm_predict_poisson(text) IS 'Usage of indb_ml.glm_predict_poisson (''usage'' or any text; MADlib glm_predict_poisson(message)).';

CREATE FUNCTION indb_ml.glm_predict_binomial(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("glm_predict_binomial", message)
$$;
COMMENT ON FUNCTION indb_ml.glm_predict_binomial(text) IS 'Usage of indb_ml.glm_predict_binomial (''usage'' or any text; MADlib glm_predict_binomial(message)).';

CREATE FUNCTION indb_ml._glm_step_transition(state bytea, y float8, x float8[], coef float8[], family integer,
                                             link integer, ymean float8) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_glm_step_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._glm_step_transition(bytea, float8, float8[], float8[], integer, integer, float8) IS
'Internal: transition step of indb_ml._glm_step (C: one IRLS step at coef; with coef and ymean NULL MADlib''s start mu = init(y) of the link (glm''s first iteration); with coef NULL and ymean given statsmodels'' start mu = (y + ymean) / 2; rows with a NULL are counted as skipped; the dependent is checked for the family).';

CREATE FUNCTION indb_ml._glm_step_combine(a bytea, b bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_glm_step_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._glm_step_combine(bytea, bytea) IS
'Internal: merge step of indb_ml._glm_step (C: the sums of two partial states add; the family and link must agree).';

CREATE AGGREGATE indb_ml._glm_step(float8, float8[], float8[], integer, integer, float8) (
    SFUNC = indb_ml._glm_step_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._glm_step_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._glm_step(float8, float8[], float8[], integer, integer, float8) IS
'Internal: one IRLS pass of glm (y, x, coef, family, link, ymean; families and links numbered as indb_ml.kernels.glm): X''WX, X''Wz, Pearson chi2 and the log-likelihood sums as a bytea state, parsed by the driver. C per-row steps with a combine step: runs in parallel workers, per partition and on Citus shards.';

CREATE FUNCTION indb_ml.create_indicator_variables(source_table text, out_table text, categorical_cols text,
                                                   keep_null boolean DEFAULT false) RETURNS void
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.indicator_variables import create_indicator_variables
create_indicator_variables(plpy, source_table, out_table, categorical_cols, keep_null)
$$;
COMMENT ON FUNCTION indb_ml.create_indicator_variables(text, text, text, boolean) IS
'Dummy coding (MADlib create_indicator_variables): out_table gets every source column plus one integer column <column>_<value> per distinct non-NULL value of each categorical column (1 where equal, else 0); a NULL value gives NULL indicators, or with keep_null 0 and a column <column>_NULL. One CREATE TABLE AS.';

CREATE FUNCTION indb_ml.create_indicator_variables(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.indicator_variables import indicator_variables_help
return indicator_variables_help(message)
$$;
COMMENT ON FUNCTION indb_ml.create_indicator_variables(text) IS 'Usage of indb_ml.create_indicator_variables.';

CREATE FUNCTION indb_ml.create_indicator_variables() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.indicator_variables import indicator_variables_help
return indicator_variables_help()
$$;
COMMENT ON FUNCTION indb_ml.create_indicator_variables() IS 'Usage of indb_ml.create_indicator_variables.';

-- ---- 52_robust.sql ----
-- Huber-White (HC0) robust variances for linear and logistic regression (MADlib robust_variance_*)

CREATE FUNCTION indb_ml.robust_variance_linregr(source_table text, out_table text, dependent_varname text,
                                                independent_varname text, grouping_cols text DEFAULT NULL,
                                                verbose_mode boolean DEFAULT false,
                                                OUT model_name text, OUT version integer, OUT tables text[])
RETURNS record LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.robust import robust_variance_linregr
return robust_variance_linregr(plpy, source_table, out_table, dependent_varname, independent_varname, grouping_cols)
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_linregr(text, text, text, text, text, boolean) IS
'OLS with Huber-White (HC0) standard errors (MADlib robust_variance_linregr): out_table has coef, std_err, t_stats, p_values (normal, as statsmodels), num_rows_processed, num_missing_rows_skipped. verbose_mode is MADlib''s argument and is accepted (indb_ml reports its warnings either way). SELECT indb_ml.robust_variance_linregr() shows the usage.';

CREATE FUNCTION indb_ml.robust_variance_linregr() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("robust_variance_linregr")
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_linregr() IS 'Usage of indb_ml.robust_variance_linregr.';

CREATE FUNCTION indb_ml.robust_variance_linregr(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("robust_variance_linregr", message)
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_linregr(text) IS 'Usage of indb_ml.robust_variance_linregr (any message, as MADlib''s ''usage'').';

CREATE FUNCTION indb_ml.robust_variance_logregr(source_table text, out_table text, dependent_varname text,
                                                independent_varname text, grouping_cols text DEFAULT NULL,
                                                max_iter integer DEFAULT 20, optimizer text DEFAULT 'irls',
                                                tolerance float8 DEFAULT 0.0001, verbose_mode boolean DEFAULT false,
                                                OUT model_name text, OUT version integer, OUT tables text[])
RETURNS record LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.robust import robust_variance_logregr
return robust_variance_logregr(plpy, source_table, out_table, dependent_varname, independent_varname, grouping_cols,
                               max_iter, optimizer, tolerance)
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_logregr(text, text, text, text, text, integer, text, float8, boolean) IS
'Logistic regression with Huber-White (HC0) standard errors (MADlib robust_variance_logregr): out_table has coef, std_err, z_stats, p_values, num_rows_processed, num_missing_rows_skipped. verbose_mode is MADlib''s argument and is accepted (indb_ml reports its warnings either way). SELECT indb_ml.robust_variance_logregr() shows the usage.';

CREATE FUNCTION indb_ml.robust_variance_logregr() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("robust_variance_logregr")
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_logregr() IS 'Usage of indb_ml.robust_variance_logregr.';

CREATE FUNCTION indb_ml.robust_variance_logregr(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("robust_variance_logregr", message)
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_logregr(text) IS 'Usage of indb_ml.robust_variance_logregr (any message, as MADlib''s ''usage'').';

CREATE FUNCTION indb_ml.clustered_variance_linregr(source_table text, out_table text, dependent_varname text,
                                                   independent_varname text, clustervar text,
                                                   grouping_col text DEFAULT NULL,
                                                   OUT model_name text, OUT version integer, OUT tables text[])
RETURNS record LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.robust import clustered_variance_linregr
return clustered_variance_linregr(plpy, source_table, out_table, dependent_varname, independent_varname, clustervar,
                                  grouping_col)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_linregr(text, text, text, text, text, text) IS
'OLS with cluster-robust standard errors (MADlib clustered_variance_linregr; clustervar: ''col1, col2''; grouping_col as in MADlib, which does not implement it: NULL only); MADlib''s and statsmodels'' small-sample factor G/(G-1) (N-1)/(N-K); out_table: coef, std_err, t_stats, p_values (Student t with N-K degrees of freedom, as MADlib), num_clusters, num_rows_processed, num_missing_rows_skipped.';

CREATE FUNCTION indb_ml.clustered_variance_linregr(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("clustered_variance_linregr", message)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_linregr(text) IS 'Usage of indb_ml.clustered_variance_linregr (''usage'' or any text; MADlib clustered_variance_linregr(message)).';

CREATE FUNCTION indb_ml.clustered_variance_linregr() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("clustered_variance_linregr", None)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_linregr() IS 'Usage of indb_ml.clustered_variance_linregr (MADlib clustered_variance_linregr()).';

CREATE FUNCTION indb_ml.clustered_variance_logregr(source_table text, out_table text, dependent_varname text,
                                                   independent_varname text, clustervar text,
                                                   grouping_col text DEFAULT NULL, max_iter integer DEFAULT 20,
                                                   optimizer text DEFAULT 'irls', tolerance float8 DEFAULT 0.0001,
                                                   verbose_mode boolean DEFAULT false,
                                                   OUT model_name text, OUT version integer, OUT tables text[])
RETURNS record LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.robust import clustered_variance_logregr
return clustered_variance_logregr(plpy, source_table, out_table, dependent_varname, independent_varname, clustervar,
                                  max_iter, optimizer, tolerance, grouping_col=grouping_col, verbose=verbose_mode)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_logregr(text, text, text, text, text, text, integer, text, float8, boolean) IS
'Logistic regression with cluster-robust standard errors (MADlib clustered_variance_logregr, MADlib''s argument order: clustervar, grouping_col (NULL only, as MADlib does not implement it), max_iter, optimizer, tolerance, verbose_mode); out_table: coef, std_err, z_stats, p_values, num_clusters, num_rows_processed, num_missing_rows_skipped.';

CREATE FUNCTION indb_ml.clustered_variance_logregr(source_table text, out_table text, dependent_varname text,
                                                   independent_varname text, clustervar text, max_iter integer,
                                                   optimizer text DEFAULT 'irls', tolerance float8 DEFAULT 0.0001,
                                                   OUT model_name text, OUT version integer, OUT tables text[])
RETURNS record LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.robust import clustered_variance_logregr
return clustered_variance_logregr(plpy, source_table, out_table, dependent_varname, independent_varname, clustervar,
                                  max_iter, optimizer, tolerance)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_logregr(text, text, text, text, text, integer, text, float8) IS
'indb_ml.clustered_variance_logregr with max_iter right after clustervar (no grouping_col): the form of indb_ml before MADlib''s order was taken.';

CREATE FUNCTION indb_ml.clustered_variance_logregr(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("clustered_variance_logregr", message)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_logregr(text) IS 'Usage of indb_ml.clustered_variance_logregr (''usage'' or any text; MADlib clustered_variance_logregr(message)).';

CREATE FUNCTION indb_ml.clustered_variance_logregr() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("clustered_variance_logregr", None)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_logregr() IS 'Usage of indb_ml.clustered_variance_logregr (MADlib clustered_variance_logregr()).';

-- Per-row C steps (src/sandwich.c): sums of scores at given coefficients, one aggregate pass each.

CREATE FUNCTION indb_ml._hc0_linear_transition(state bytea, y float8, x float8[], coef float8[]) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_hc0_linear_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._hc0_linear_transition(bytea, float8, float8[], float8[]) IS
'Internal: transition step of indb_ml._hc0_linear (C: sums of e x and e^2 x x^T with e = y - x.coef; rows with a NULL are counted as skipped).';

CREATE FUNCTION indb_ml._hc0_logit_transition(state bytea, y float8, x float8[], coef float8[]) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_hc0_logit_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._hc0_logit_transition(bytea, float8, float8[], float8[]) IS
'Internal: transition step of indb_ml._hc0_logit (C: sums of (y - p) x and (y - p)^2 x x^T, p the logistic of x.coef; y must be 0 or 1).';

CREATE FUNCTION indb_ml._sandwich_combine(a bytea, b bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_sandwich_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._sandwich_combine(bytea, bytea) IS
'Internal: merge step of the sandwich aggregates (_hc0_linear, _hc0_logit, _cluster_meat): the sums add up, in C.';

CREATE AGGREGATE indb_ml._hc0_linear(float8, float8[], float8[]) (
    SFUNC = indb_ml._hc0_linear_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._sandwich_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._hc0_linear(float8, float8[], float8[]) IS
'Internal: the HC0 meat of a linear model at coef (sum of e^2 x x^T) and its score sum, per group: one pass of robust_variance_linregr.';

CREATE AGGREGATE indb_ml._hc0_logit(float8, float8[], float8[]) (
    SFUNC = indb_ml._hc0_logit_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._sandwich_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._hc0_logit(float8, float8[], float8[]) IS
'Internal: the HC0 meat of a logistic model at coef (sum of (y - p)^2 x x^T) and its score sum, per group: a pass of robust_variance_logregr.';

CREATE FUNCTION indb_ml._scores_linear_transition(state bytea, y float8, x float8[], coef float8[]) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_scores_linear_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._scores_linear_transition(bytea, float8, float8[], float8[]) IS
'Internal: transition step of indb_ml._scores_linear (C: the sum of e x, e = y - x.coef).';

CREATE FUNCTION indb_ml._scores_logit_transition(state bytea, y float8, x float8[], coef float8[]) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_scores_logit_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._scores_logit_transition(bytea, float8, float8[], float8[]) IS
'Internal: transition step of indb_ml._scores_logit (C: the sum of (y - p) x, p the logistic of x.coef).';

CREATE FUNCTION indb_ml._score_combine(a bytea, b bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_score_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._score_combine(bytea, bytea) IS
'Internal: merge step of the score-sum aggregates (_scores_linear, _scores_logit): the sums add up, in C.';

CREATE AGGREGATE indb_ml._scores_linear(float8, float8[], float8[]) (
    SFUNC = indb_ml._scores_linear_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._score_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._scores_linear(float8, float8[], float8[]) IS
'Internal: one cluster''s score sum of a linear model at coef (the inner aggregate of clustered_variance_linregr, GROUP BY the cluster columns).';

CREATE AGGREGATE indb_ml._scores_logit(float8, float8[], float8[]) (
    SFUNC = indb_ml._scores_logit_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._score_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._scores_logit(float8, float8[], float8[]) IS
'Internal: one cluster''s score sum of a logistic model at coef (the inner aggregate of clustered_variance_logregr).';

CREATE FUNCTION indb_ml._score_rows(state bytea) RETURNS bigint
AS 'MODULE_PATHNAME', 'indb_ml_score_rows'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._score_rows(bytea) IS
'Internal: the rows folded into a score-sum state (0 for NULL): counts the clusters that have rows.';

CREATE FUNCTION indb_ml._cluster_meat_transition(state bytea, scores bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_cluster_meat_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._cluster_meat_transition(bytea, bytea) IS
'Internal: transition step of indb_ml._cluster_meat (C: adds one cluster''s score sum s and s s^T).';

CREATE AGGREGATE indb_ml._cluster_meat(bytea) (
    SFUNC = indb_ml._cluster_meat_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._sandwich_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._cluster_meat(bytea) IS
'Internal: the clustered meat, the sum of the outer products of the clusters'' score sums (the outer aggregate over _scores_linear / _scores_logit per cluster).';

CREATE FUNCTION indb_ml._logit_newton_transition(state bytea, y float8, x float8[], coef float8[],
                                                 weight_floor float8) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_logit_newton_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._logit_newton_transition(bytea, float8, float8[], float8[], float8) IS
'Internal: transition step of indb_ml._logit_newton (C: log-likelihood, gradient and Hessian of the logistic model at coef, the weights p(1-p) floored at weight_floor).';

CREATE FUNCTION indb_ml._logit_newton_combine(a bytea, b bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_logit_newton_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._logit_newton_combine(bytea, bytea) IS
'Internal: merge step of indb_ml._logit_newton: the sums add up, in C.';

CREATE AGGREGATE indb_ml._logit_newton(float8, float8[], float8[], float8) (
    SFUNC = indb_ml._logit_newton_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._logit_newton_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._logit_newton(float8, float8[], float8[], float8) IS
'Internal: one Newton pass of the logistic log-likelihood at coef per group (robust and clustered logistic variances, cross-validation, the binomial elastic net on the aggregate path).';

CREATE FUNCTION indb_ml._logit_newton_folds_transition(state bytea, y float8, x float8[], fold integer,
                                                       coefs float8[], weight_floor float8) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_logit_newton_folds_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._logit_newton_folds_transition(bytea, float8, float8[], integer, float8[], float8) IS
'Internal: transition step of indb_ml._logit_newton_folds (C: the row is added to the logistic Newton sums of every fold''s model but its own fold''s, at that model''s coefficients).';

CREATE AGGREGATE indb_ml._logit_newton_folds(float8, float8[], integer, float8[], float8) (
    SFUNC = indb_ml._logit_newton_folds_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._score_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._logit_newton_folds(float8, float8[], integer, float8[], float8) IS
'Internal: one Newton pass of every cross-validation fold''s logistic model (each trained on the other folds) in one scan: (y, x, the row''s fold, the folds'' coefficients one block each, NaN-led blocks skipped, weight floor).';

-- MADlib's robust_linregr aggregate: indb_ml/regress/robust_agg.py
CREATE TYPE indb_ml.robust_linregr_result AS (
    coef float8[],
    std_err float8[],
    t_stats float8[],
    p_values float8[]
);
COMMENT ON TYPE indb_ml.robust_linregr_result IS 'Result of the indb_ml.robust_linregr aggregate (MADlib robust_linregr_result).';

CREATE TYPE indb_ml._robust_linregr_state AS (moments bytea, meat bytea, coef float8[]);
COMMENT ON TYPE indb_ml._robust_linregr_state IS 'Internal: state of indb_ml.robust_linregr: co-moments of [y, x], the HC0 meat at coef, and coef.';

CREATE FUNCTION indb_ml._robust_linregr_transition(state indb_ml._robust_linregr_state, y float8, x float8[],
                                                   coef float8[])
RETURNS indb_ml._robust_linregr_state LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT ROW(indb_ml._linregr_transition(state.moments, y, x),
           indb_ml._hc0_linear_transition(state.meat, y, x, coef),
           coalesce(state.coef, coef))::indb_ml._robust_linregr_state
$$;
COMMENT ON FUNCTION indb_ml._robust_linregr_transition(indb_ml._robust_linregr_state, float8, float8[], float8[]) IS
'Internal: transition step of indb_ml.robust_linregr: the C steps of linregr (co-moments) and of the HC0 meat at coef.';

CREATE FUNCTION indb_ml._robust_linregr_combine(a indb_ml._robust_linregr_state, b indb_ml._robust_linregr_state)
RETURNS indb_ml._robust_linregr_state LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT ROW(indb_ml._comoment_combine(a.moments, b.moments), indb_ml._sandwich_combine(a.meat, b.meat),
           coalesce(a.coef, b.coef))::indb_ml._robust_linregr_state
$$;
COMMENT ON FUNCTION indb_ml._robust_linregr_combine(indb_ml._robust_linregr_state, indb_ml._robust_linregr_state) IS
'Internal: merge step of indb_ml.robust_linregr (the C merges of the co-moments and of the meat).';

CREATE FUNCTION indb_ml._robust_linregr_final(state indb_ml._robust_linregr_state) RETURNS indb_ml.robust_linregr_result
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.robust_agg import robust_linregr_final
return robust_linregr_final(plpy, state)
$$;
COMMENT ON FUNCTION indb_ml._robust_linregr_final(indb_ml._robust_linregr_state) IS 'Internal: final step of indb_ml.robust_linregr (once per group, in numpy).';

CREATE AGGREGATE indb_ml.robust_linregr(float8, float8[], float8[]) (
    SFUNC = indb_ml._robust_linregr_transition,
    STYPE = indb_ml._robust_linregr_state,
    COMBINEFUNC = indb_ml._robust_linregr_combine,
    FINALFUNC = indb_ml._robust_linregr_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml.robust_linregr(float8, float8[], float8[]) IS
'Huber-White (HC0) standard errors of a linear model as an aggregate (MADlib robust_linregr): (indb_ml.robust_linregr(y, ARRAY[1, x1, x2], coef)).* gives coef, std_err, t_stats, p_values; coef is usually (indb_ml.linregr(y, x)).coef.';

-- ---- 53_elastic_net.sql ----
-- elastic net: elastic_net_train (gaussian, binomial) and MADlib's predict functions

CREATE FUNCTION indb_ml.elastic_net_train(tbl_source text, tbl_result text, col_dep_var text, col_ind_var text,
                                          regress_family text, alpha float8, lambda_value float8,
                                          standardize boolean DEFAULT true, grouping_col text DEFAULT NULL,
                                          optimizer text DEFAULT 'fista', optimizer_params text DEFAULT NULL,
                                          excluded text DEFAULT NULL, max_iter integer DEFAULT 1000,
                                          tolerance float8 DEFAULT 0.000001,
                                          OUT model_name text, OUT version integer, OUT tables text[])
RETURNS record LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.elastic_net import elastic_net_train
return elastic_net_train(plpy, tbl_source, tbl_result, col_dep_var, col_ind_var, regress_family, alpha, lambda_value,
                         standardize, grouping_col, optimizer, optimizer_params, excluded, max_iter, tolerance)
$$;
COMMENT ON FUNCTION indb_ml.elastic_net_train(text, text, text, text, text, float8, float8, boolean, text, text, text, text, integer, float8) IS
'Elastic net (MADlib elastic_net_train), gaussian or binomial, glmnet''s objective 1/(2n)||y - b - Xw||² (or -loglik/n) + lambda (alpha |w|_1 + (1-alpha)/2 |w|²) with an unpenalized intercept: optimizer fista (the default) and igd are MADlib''s FISTA and IGD pass for pass (igd: one C per-row pass in scan order per iteration), cd is coordinate descent to the exact minimizer (gaussian: on the moments from one scan). tbl_result: family, features, features_selected, coef_nonzero, coef_all, intercept, log_likelihood (minus the objective), standardize, iteration_run.';

CREATE FUNCTION indb_ml.elastic_net_gaussian_predict(coefficients float8[], intercept float8, ind_var float8[])
RETURNS float8 LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT CASE WHEN pg_catalog.array_position(ind_var, NULL) IS NULL
            THEN intercept + indb_ml._model_dot(coefficients, ind_var, 'elastic_net predict') END $$;
COMMENT ON FUNCTION indb_ml.elastic_net_gaussian_predict(float8[], float8, float8[]) IS
'intercept + coefficients . ind_var (MADlib elastic_net_gaussian_predict; use coef_all); NULL when ind_var has a NULL element; IMMUTABLE, PARALLEL SAFE.';

CREATE FUNCTION indb_ml.elastic_net_binomial_prob(coefficients float8[], intercept float8, ind_var float8[])
RETURNS float8 LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT CASE WHEN pg_catalog.array_position(ind_var, NULL) IS NULL
            THEN indb_ml.logregr_predict_prob(ARRAY[intercept] || coefficients, ARRAY[1::float8] || ind_var) END $$;
COMMENT ON FUNCTION indb_ml.elastic_net_binomial_prob(float8[], float8, float8[]) IS
'The probability of the positive class (MADlib elastic_net_binomial_prob); NULL when ind_var has a NULL element; IMMUTABLE, PARALLEL SAFE.';

CREATE FUNCTION indb_ml.elastic_net_binomial_predict(coefficients float8[], intercept float8, ind_var float8[])
RETURNS boolean LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT indb_ml.elastic_net_binomial_prob(coefficients, intercept, ind_var) >= 0.5 $$;
COMMENT ON FUNCTION indb_ml.elastic_net_binomial_predict(float8[], float8, float8[]) IS
'The predicted class, probability >= 0.5 (MADlib elastic_net_binomial_predict); IMMUTABLE, PARALLEL SAFE.';

CREATE FUNCTION indb_ml.elastic_net_train() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.elastic_net import elastic_net_help
return elastic_net_help()
$$;
COMMENT ON FUNCTION indb_ml.elastic_net_train() IS 'Usage of indb_ml.elastic_net_train, its optimizer_params and the predict functions.';

CREATE FUNCTION indb_ml.elastic_net_train(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.elastic_net import elastic_net_help
return elastic_net_help()
$$;
COMMENT ON FUNCTION indb_ml.elastic_net_train(text) IS 'Usage of indb_ml.elastic_net_train (''usage'', ''predict'' or any text).';

CREATE FUNCTION indb_ml.elastic_net_predict(tbl_model text, tbl_new_source text, col_id text, tbl_predict text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.elastic_net import elastic_net_predict
return elastic_net_predict(plpy, tbl_model, tbl_new_source, col_id, tbl_predict)
$$;
COMMENT ON FUNCTION indb_ml.elastic_net_predict(text, text, text, text) IS
'Predictions of an elastic_net_train model for every row of tbl_new_source, written to tbl_predict (col_id, prediction) by one CREATE TABLE AS over elastic_net_gaussian_predict (float8) or elastic_net_binomial_predict (boolean), joined to the row''s group model when the model is grouped (MADlib elastic_net_predict; usable with cross_validation_general).';

CREATE FUNCTION indb_ml.elastic_net_predict() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.elastic_net import elastic_net_help
return elastic_net_help()
$$;
COMMENT ON FUNCTION indb_ml.elastic_net_predict() IS 'Usage of indb_ml.elastic_net_predict (with elastic_net_train''s).';

CREATE FUNCTION indb_ml._enet_igd_step(state bytea, x float8[], y float8, prev float8[], lambda float8, alpha float8,
                                       stepsize float8, total_rows int8, mean float8[], scale float8[],
                                       step_decay float8, family integer)
RETURNS bytea AS 'MODULE_PATHNAME', 'indb_ml_enet_igd_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._enet_igd_step(bytea, float8[], float8, float8[], float8, float8, float8, int8, float8[], float8[], float8, integer) IS
'Internal: transition step of indb_ml._enet_igd (C: one row of MADlib''s elastic-net IGD: the mirror-descent step on theta, the l1 threshold, coef = link(theta), the intercept and the running loss; prev is the previous pass''s [stepsize, lambda, loglikelihood, intercept, theta, coef] or NULL; family 0 gaussian, 1 binomial).';

-- No COMBINEFUNC, and the aggregate PARALLEL UNSAFE (its step alone is safe): the per-row steps are sequential, so the rows must come in
-- scan order from one process, as MADlib's (unlabelled, so parallel unsafe) aggregates take them on
-- PostgreSQL. Without a combine step PostgreSQL would still put a Gather over a parallel scan below
-- a parallel safe aggregate, and the workers' rows would arrive interleaved.
CREATE AGGREGATE indb_ml._enet_igd(float8[], float8, float8[], float8, float8, float8, int8, float8[], float8[],
                                   float8, integer) (
    SFUNC = indb_ml._enet_igd_step,
    STYPE = bytea,
    PARALLEL = UNSAFE
);
COMMENT ON AGGREGATE indb_ml._enet_igd(float8[], float8, float8[], float8, float8, float8, int8, float8[], float8[], float8, integer) IS
'Internal: one pass of MADlib''s elastic-net IGD over a group''s rows in scan order (elastic_net_train with optimizer ''igd''); the final step is Python.';

-- ---- 54_mlogregr.sql ----
-- multinomial logistic regression: mlogregr_train and mlogregr_predict

CREATE FUNCTION indb_ml.mlogregr_train(source_table text, output_table text, dependent_varname text,
                                       independent_varname text, ref_category integer DEFAULT 0,
                                       optimizer_params text DEFAULT NULL,
                                       OUT model_name text, OUT version integer, OUT tables text[])
RETURNS record LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.mlogregr import mlogregr_train
return mlogregr_train(plpy, source_table, output_table, dependent_varname, independent_varname, ref_category,
                      optimizer_params)
$$;
COMMENT ON FUNCTION indb_ml.mlogregr_train(text, text, text, text, integer, text) IS
'Multinomial logistic regression (MADlib mlogregr_train): integer categories, ref_category the baseline, optimizer_params ''max_iter=20, optimizer=irls, tolerance=1e-4''; one output row per other category (category, ref_category, coef, log_likelihood, std_err, z_stats, p_values, odds_ratios, condition_no, num_iterations, num_rows_processed, num_rows_skipped, variance_covariance, status) and output_table_summary.';

CREATE FUNCTION indb_ml.mlogregr_train(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("mlogregr_train", message)
$$;
COMMENT ON FUNCTION indb_ml.mlogregr_train(text) IS 'Usage of indb_ml.mlogregr_train (''usage'' or any text; MADlib mlogregr_train(message)).';

CREATE FUNCTION indb_ml.mlogregr_train() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("mlogregr_train", None)
$$;
COMMENT ON FUNCTION indb_ml.mlogregr_train() IS 'Usage of indb_ml.mlogregr_train (MADlib mlogregr_train()).';

CREATE FUNCTION indb_ml.multinom(source_table text, model_table text, dependent_varname text,
                                 independent_varname text, ref_category text DEFAULT NULL,
                                 link_func text DEFAULT 'logit', grouping_col text DEFAULT NULL,
                                 optim_params text DEFAULT NULL, verbose boolean DEFAULT false,
                                 OUT model_name text, OUT version integer, OUT tables text[])
RETURNS record LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.mlogregr import multinom
return multinom(plpy, source_table, model_table, dependent_varname, independent_varname, ref_category, link_func,
                grouping_col, optim_params, verbose)
$$;
COMMENT ON FUNCTION indb_ml.multinom(text, text, text, text, text, text, text, text, boolean) IS
'Multinomial logistic regression in MADlib''s GLM style (multinom): the dependent of any type with a text form (its categories are its distinct values as text, in the column''s sort order); ref_category (text, as MADlib''s varchar) the reference, NULL for the first category; link_func logit, grouping_col, optim_params ''max_iter=100, optimizer=irls, tolerance=1e-6''; model_table: [grouping columns], category (varchar), coef, log_likelihood, std_err, z_stats, p_values, num_rows_processed, num_rows_skipped, num_iterations, status; model_table_summary with ref_category and category_list (varchar, the reference first) as MADlib''s.';

CREATE FUNCTION indb_ml.multinom(source_table text, model_table text, dependent_varname text,
                                 independent_varname text, ref_category integer,
                                 link_func text DEFAULT 'logit', grouping_col text DEFAULT NULL,
                                 optim_params text DEFAULT NULL, verbose boolean DEFAULT false,
                                 OUT model_name text, OUT version integer, OUT tables text[])
RETURNS record LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $$
SELECT * FROM indb_ml.multinom($1, $2, $3, $4, $5::text, $6, $7, $8, $9)
$$;
COMMENT ON FUNCTION indb_ml.multinom(text, text, text, text, integer, text, text, text, boolean) IS
'indb_ml''s earlier form of multinom with an integer ref_category (multinom(..., 0, ...)): the same as passing it as text (''0'').';

CREATE FUNCTION indb_ml.multinom(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("multinom", message)
$$;
COMMENT ON FUNCTION indb_ml.multinom(text) IS 'Usage of indb_ml.multinom (''usage'' or any text; MADlib multinom(message)).';

CREATE FUNCTION indb_ml.multinom() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("multinom", None)
$$;
COMMENT ON FUNCTION indb_ml.multinom() IS 'Usage of indb_ml.multinom (MADlib multinom()).';

CREATE FUNCTION indb_ml.robust_variance_mlogregr(source_table text, out_table text, dependent_varname text,
                                                 independent_varname text, ref_category integer DEFAULT 0,
                                                 grouping_cols text DEFAULT NULL, optimizer_params text DEFAULT NULL,
                                                 verbose_mode boolean DEFAULT false,
                                                 OUT model_name text, OUT version integer, OUT tables text[])
RETURNS record LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.mlogregr import robust_variance_mlogregr
return robust_variance_mlogregr(plpy, source_table, out_table, dependent_varname, independent_varname, ref_category,
                                grouping_cols, optimizer_params)
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_mlogregr(text, text, text, text, integer, text, text, boolean) IS
'Multinomial logistic regression with Huber-White (HC0) standard errors (MADlib robust_variance_mlogregr); one row per non-reference category (and group, with grouping_cols): [grouping columns], category, ref_category, coef, std_err, z_stats, p_values, num_rows_processed, num_missing_rows_skipped. optimizer_params also takes MADlib''s old keys max_num_iterations and precision; verbose_mode is accepted (indb_ml reports its warnings either way). SELECT indb_ml.robust_variance_mlogregr() shows the usage.';

CREATE FUNCTION indb_ml.robust_variance_mlogregr(source_table text, out_table text, dependent_varname text,
                                                 independent_varname text, ref_category integer, grouping_cols text,
                                                 max_iter integer, optimizer text DEFAULT 'irls',
                                                 tolerance float8 DEFAULT 0.0001, verbose_mode boolean DEFAULT false,
                                                 OUT model_name text, OUT version integer, OUT tables text[])
RETURNS record LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $$
SELECT * FROM indb_ml.robust_variance_mlogregr(source_table, out_table, dependent_varname, independent_varname,
    ref_category, grouping_cols,
    'max_iter=' || coalesce(max_iter::text, '20') || ', optimizer=' || coalesce(optimizer, 'irls')
    || ', tolerance=' || coalesce(tolerance::text, '0.0001'), verbose_mode)
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_mlogregr(text, text, text, text, integer, text, integer, text, float8, boolean) IS
'MADlib''s old form of robust_variance_mlogregr, with max_iter, optimizer and tolerance as arguments instead of optimizer_params; same output.';

CREATE FUNCTION indb_ml.robust_variance_mlogregr() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("robust_variance_mlogregr")
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_mlogregr() IS 'Usage of indb_ml.robust_variance_mlogregr.';

CREATE FUNCTION indb_ml.robust_variance_mlogregr(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("robust_variance_mlogregr", message)
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_mlogregr(text) IS 'Usage of indb_ml.robust_variance_mlogregr (any message, as MADlib''s ''usage'').';

CREATE FUNCTION indb_ml.clustered_variance_mlogregr(source_table text, out_table text, dependent_varname text,
                                                    independent_varname text, clustervar text,
                                                    ref_category integer DEFAULT 0, grouping_cols text DEFAULT NULL,
                                                    optimizer_params text DEFAULT NULL,
                                                    verbose_mode boolean DEFAULT false,
                                                    OUT model_name text, OUT version integer, OUT tables text[])
RETURNS record LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.mlogregr import clustered_variance_mlogregr, earlier_form
grouping, params = earlier_form(grouping_cols, optimizer_params)
return clustered_variance_mlogregr(plpy, source_table, out_table, dependent_varname, independent_varname, clustervar,
                                   ref_category, params, grouping_cols=grouping, verbose=verbose_mode)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_mlogregr(text, text, text, text, text, integer, text, text, boolean) IS
'Multinomial logistic regression with cluster-robust standard errors (MADlib clustered_variance_mlogregr, MADlib''s argument order: clustervar, ref_category, grouping_cols (NULL only, as MADlib does not implement it), optimizer_params ''max_iter=20, optimizer=irls, tolerance=1e-4'', verbose_mode; a 7th argument of key=value pairs is taken as optimizer_params, the earlier indb_ml form); MADlib''s small-sample factor; one row per non-reference category with num_clusters.';

CREATE FUNCTION indb_ml.clustered_variance_mlogregr(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("clustered_variance_mlogregr", message)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_mlogregr(text) IS 'Usage of indb_ml.clustered_variance_mlogregr (''usage'' or any text; MADlib clustered_variance_mlogregr(message)).';

CREATE FUNCTION indb_ml.clustered_variance_mlogregr() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("clustered_variance_mlogregr", None)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_mlogregr() IS 'Usage of indb_ml.clustered_variance_mlogregr (MADlib clustered_variance_mlogregr()).';

CREATE FUNCTION indb_ml.multinom_predict_prob(coef float8[], col_ind_var float8[]) RETURNS float8[]
AS 'MODULE_PATHNAME', 'indb_ml_multinom_predict_prob'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml.multinom_predict_prob(float8[], float8[]) IS
'Multinomial logit probabilities for one row: coef is 2-D (one row per non-reference category, in category order), the result lists the reference category first, then the others. C, IMMUTABLE and PARALLEL SAFE for views; a coef that is not 2-D or of another width is an error (2202E), so is a NULL feature (22004).';

CREATE FUNCTION indb_ml.multinom_predict(model_table text, predict_table_input text, output_table text,
                                         predict_type text DEFAULT 'response', verbose boolean DEFAULT false,
                                         id_column text DEFAULT 'id')
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.category_predict import multinom_predict
return multinom_predict(plpy, model_table, predict_table_input, output_table, predict_type, verbose, id_column)
$$;
COMMENT ON FUNCTION indb_ml.multinom_predict(text, text, text, text, boolean, text) IS
'Predictions of a multinom or mlogregr_train model for a table (MADlib multinom_predict): predict_type ''response'' writes (id, category), category text for a multinom model as MADlib''s (integer for mlogregr_train), ''probability'' writes (id, one float8 column per category named by its value, in the summary''s category_list order); grouped models join on the grouping columns. id_column may be an expression over the table''s columns (checked and re-rendered), written as the column multinom_predict_id as in MADlib. One CREATE TABLE AS over multinom_predict_prob.';

CREATE FUNCTION indb_ml.multinom_predict(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("multinom_predict", message)
$$;
COMMENT ON FUNCTION indb_ml.multinom_predict(text) IS 'Usage of indb_ml.multinom_predict (''usage'' or any text; MADlib multinom_predict(message)).';

CREATE FUNCTION indb_ml.multinom_predict() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("multinom_predict", None)
$$;
COMMENT ON FUNCTION indb_ml.multinom_predict() IS 'Usage of indb_ml.multinom_predict (MADlib multinom_predict()).';

-- The aggregate passes of the multinomial logit (C: src/mlogit.c). Categories are indices
-- 0 .. K-1 with 0 the reference; coef has (K-1) k values, category-major.

CREATE FUNCTION indb_ml._mlogit_transition(state bytea, y float8, x float8[], coef float8[], ncat integer)
RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_mlogit_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._mlogit_transition(bytea, float8, float8[], float8[], integer) IS
'Internal: transition step of indb_ml._mlogit_step (C, in place): log-likelihood, gradient and information of the multinomial logit at coef; rows with a NULL are counted as skipped, a y that is not a category index 0..ncat-1 is an error.';

CREATE FUNCTION indb_ml._mlogit_combine(a bytea, b bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_mlogit_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._mlogit_combine(bytea, bytea) IS
'Internal: merge step of indb_ml._mlogit_step (C): the sums add up.';

CREATE AGGREGATE indb_ml._mlogit_step(float8, float8[], float8[], integer) (
    SFUNC = indb_ml._mlogit_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._mlogit_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._mlogit_step(float8, float8[], float8[], integer) IS
'Internal: one Newton step of the multinomial logit, _mlogit_step(category index, x, coef, number of categories): a bytea state (kind 4, width (K-1) k) with the log-likelihood, gradient and information matrix at coef (its distinct symmetric category blocks, src/mlogit.c); one pass of mlogregr_train / multinom per group.';

CREATE FUNCTION indb_ml._mlogit_meat_transition(state bytea, y float8, x float8[], coef float8[], ncat integer)
RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_mlogit_meat_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._mlogit_meat_transition(bytea, float8, float8[], float8[], integer) IS
'Internal: transition step of indb_ml._mlogit_meat (C, in place): adds the row''s score s and s s^T at coef.';

CREATE AGGREGATE indb_ml._mlogit_meat(float8, float8[], float8[], integer) (
    SFUNC = indb_ml._mlogit_meat_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._sandwich_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._mlogit_meat(float8, float8[], float8[], integer) IS
'Internal: the HC0 meat of the multinomial logit at coef, _mlogit_meat(category index, x, coef, number of categories): a sandwich state (kind 6) with the score sum and the sum of score outer products, stored as its distinct symmetric category blocks (src/mlogit.c; robust_variance_mlogregr).';

CREATE FUNCTION indb_ml._mlogit_scores_transition(state bytea, y float8, x float8[], coef float8[], ncat integer)
RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_mlogit_scores_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._mlogit_scores_transition(bytea, float8, float8[], float8[], integer) IS
'Internal: transition step of indb_ml._mlogit_score_sum (C, in place): adds the row''s score at coef.';

CREATE AGGREGATE indb_ml._mlogit_score_sum(float8, float8[], float8[], integer) (
    SFUNC = indb_ml._mlogit_scores_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._score_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._mlogit_score_sum(float8, float8[], float8[], integer) IS
'Internal: the score sum of a set of rows (one cluster) at coef: a score state (kind 7), the inner level of clustered_variance_mlogregr''s statement (the outer level is indb_ml._cluster_meat).';

-- MADlib's deprecated mlogregr: indb_ml/regress/mlogregr_old.py
CREATE TYPE indb_ml.mlogregr_result AS (
    ref_category integer,
    coef float8[],
    log_likelihood float8,
    std_err float8[],
    z_stats float8[],
    p_values float8[],
    odds_ratios float8[],
    condition_no float8,
    num_iterations integer,
    num_processed bigint,
    variance_covariance float8[]
);
COMMENT ON TYPE indb_ml.mlogregr_result IS 'Result of the deprecated indb_ml.mlogregr (MADlib mlogregr_result): the non-reference categories'' coefficients as one array, feature-major.';

CREATE FUNCTION indb_ml.mlogregr(source text, depvar text, indepvar text, max_num_iterations integer DEFAULT 20,
                                 optimizer text DEFAULT 'irls', "precision" float8 DEFAULT 0.0001,
                                 ref_category integer DEFAULT 0)
RETURNS indb_ml.mlogregr_result LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.mlogregr_old import mlogregr
return mlogregr(plpy, source, depvar, indepvar, max_num_iterations, optimizer, precision, ref_category)
$$;
COMMENT ON FUNCTION indb_ml.mlogregr(text, text, text, integer, text, float8, integer) IS
'MADlib''s deprecated mlogregr: mlogregr_train into a temporary table, returned as one mlogregr_result (ref_category, coef, log_likelihood, std_err, z_stats, p_values, odds_ratios, condition_no, num_iterations, num_processed, variance_covariance); the arrays hold every non-reference category''s coefficients feature-major, as MADlib orders them.';

CREATE FUNCTION indb_ml.mlogregr_predict(model text, source text, id_col_name text, output text,
                                         pred_type text DEFAULT 'response')
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.mlogregr_old import mlogregr_predict
return mlogregr_predict(plpy, model, source, id_col_name, output, pred_type)
$$;
COMMENT ON FUNCTION indb_ml.mlogregr_predict(text, text, text, text, text) IS
'MADlib''s mlogregr_predict for an mlogregr_train model: output has the id column and, for pred_type ''response'' (default), "estimated_<dependent>" (the most probable category); for ''prob'', one column "estimated_prob_<category>" per category. The features are the model''s independent_varname evaluated on source; id_col_name is a column of source, or an expression over its columns (checked and re-rendered; MADlib''s test passes ''ARRAY[1, feat1, feat2]''), then the output column is mlogregr_predict_id as in MADlib.';

CREATE FUNCTION indb_ml.mlogregr_predict(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("mlogregr_predict", message)
$$;
COMMENT ON FUNCTION indb_ml.mlogregr_predict(text) IS 'Usage of indb_ml.mlogregr_predict (''usage'' or any text; MADlib mlogregr_predict(message)).';

-- ---- 55_ordinal.sql ----
-- ordinal regression: ordinal (cumulative logit or probit)

CREATE FUNCTION indb_ml.ordinal(source_table text, model_table text, dependent_varname text,
                                independent_varname text, cat_order text DEFAULT NULL, link_func text DEFAULT 'logit',
                                grouping_col text DEFAULT NULL, optim_params text DEFAULT NULL,
                                verbose boolean DEFAULT false,
                                OUT model_name text, OUT version integer, OUT tables text[])
RETURNS record LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.ordinal import ordinal
return ordinal(plpy, source_table, model_table, dependent_varname, independent_varname, cat_order, link_func,
               grouping_col, verbose, optim_params=optim_params)
$$;
COMMENT ON FUNCTION indb_ml.ordinal(text, text, text, text, text, text, text, text, boolean) IS
'Ordinal regression (MADlib ordinal): P(y <= j) = F(threshold_j - x''beta), link_func logit or probit, cat_order lowest first as MADlib writes it (''0<1<2'') or as a comma list (''mild, moderate, severe''), NULL: the values sorted as text; optim_params ''max_iter=100, optimizer=irls, tolerance=1e-6'' (MADlib''s: Fisher scoring stops when the log-likelihood changes by less than tolerance, relative); independent_varname without an intercept. model_table: coef_threshold, std_err_threshold, z_stats_threshold, p_values_threshold, log_likelihood, coef_feature, std_err_feature, z_stats_feature, p_values_feature, num_rows_processed, num_rows_skipped, num_iterations. SELECT indb_ml.ordinal() for usage.';

CREATE FUNCTION indb_ml.ordinal(source_table text, model_table text, dependent_varname text,
                                independent_varname text, cat_order text, link_func text, grouping_col text,
                                verbose boolean,
                                OUT model_name text, OUT version integer, OUT tables text[])
RETURNS record LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.ordinal import ordinal
return ordinal(plpy, source_table, model_table, dependent_varname, independent_varname, cat_order, link_func,
               grouping_col, verbose)
$$;
COMMENT ON FUNCTION indb_ml.ordinal(text, text, text, text, text, text, text, boolean) IS
'indb_ml.ordinal with verbose as the 8th argument (no optim_params), the form of indb_ml before MADlib''s optim_params was taken.';

CREATE FUNCTION indb_ml.ordinal(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("ordinal", message)
$$;
COMMENT ON FUNCTION indb_ml.ordinal(text) IS 'Usage of indb_ml.ordinal (''usage'' or any text; MADlib ordinal(message)).';

CREATE FUNCTION indb_ml.ordinal() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("ordinal", None)
$$;
COMMENT ON FUNCTION indb_ml.ordinal() IS 'Usage of indb_ml.ordinal (MADlib ordinal()).';

CREATE FUNCTION indb_ml.ordinal_predict_prob(coef_threshold float8[], coef_feature float8[], col_ind_var float8[],
                                             link_func text) RETURNS float8[]
AS 'MODULE_PATHNAME', 'indb_ml_ordinal_predict_prob'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml.ordinal_predict_prob(float8[], float8[], float8[], text) IS
'Ordinal model probabilities of every category (in cat_order) for one row: P(y <= j) = F(threshold_j - x''beta), logit or probit. C, IMMUTABLE and PARALLEL SAFE for views; lengths that differ are an error (2202E), so are NULL elements (22004) and an unknown link (22023).';

CREATE FUNCTION indb_ml.ordinal_predict(model_table text, predict_table_input text, output_table text,
                                        predict_type text DEFAULT 'probability', verbose boolean DEFAULT false)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.category_predict import ordinal_predict
return ordinal_predict(plpy, model_table, predict_table_input, output_table, predict_type, verbose)
$$;
COMMENT ON FUNCTION indb_ml.ordinal_predict(text, text, text, text, boolean) IS
'Predictions of an ordinal model for a table with an id column (MADlib ordinal_predict): predict_type ''probability'' (default) writes (one column per category named by it, id), ''response'' writes (id, category); grouped models join on the grouping columns.';

CREATE FUNCTION indb_ml.ordinal_predict(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("ordinal_predict", message)
$$;
COMMENT ON FUNCTION indb_ml.ordinal_predict(text) IS 'Usage of indb_ml.ordinal_predict (MADlib ordinal_predict(message)).';

CREATE FUNCTION indb_ml.ordinal_predict() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("ordinal_predict", None)
$$;
COMMENT ON FUNCTION indb_ml.ordinal_predict() IS 'Usage of indb_ml.ordinal_predict (MADlib ordinal_predict()).';

-- The aggregate pass of ordinal regression (C: src/ordinal.c). Categories are indices
-- 0 .. K-1 in cat_order; coef = [K-1 thresholds, k feature coefficients].

CREATE FUNCTION indb_ml._ordinal_transition(state bytea, y float8, x float8[], coef float8[], ncat integer,
                                            link integer, hessian boolean) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_ordinal_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._ordinal_transition(bytea, float8, float8[], float8[], integer, integer, boolean) IS
'Internal: transition step of indb_ml._ordinal_step (C, in place): log-likelihood and gradient (and with hessian the observed information) of the cumulative logit (link 0) or probit (link 1) at coef; rows with a NULL are counted as skipped.';

CREATE FUNCTION indb_ml._ordinal_combine(a bytea, b bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_ordinal_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._ordinal_combine(bytea, bytea) IS
'Internal: merge step of indb_ml._ordinal_step (C): the sums add up.';

CREATE AGGREGATE indb_ml._ordinal_step(float8, float8[], float8[], integer, integer, boolean) (
    SFUNC = indb_ml._ordinal_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._ordinal_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._ordinal_step(float8, float8[], float8[], integer, integer, boolean) IS
'Internal: one evaluation of the ordinal model, _ordinal_step(category index, x, [thresholds, beta], number of categories, link 0 logit / 1 probit, with the information matrix): a bytea state (kind 5, width K-1+k, param K*16 + 4*hessian + link) per group; the passes of ordinal.';

CREATE FUNCTION indb_ml._ordinal_transition(state bytea, y float8, x float8[], coef float8[], ncat integer,
                                            link integer, hessian boolean, expected boolean) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_ordinal_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._ordinal_transition(bytea, float8, float8[], float8[], integer, integer, boolean, boolean) IS
'Internal: transition step of the 7-argument indb_ml._ordinal_step (C, in place): as the 6-argument aggregate''s transition, and with expected (which needs hessian) the expected (Fisher) information instead of the observed one, as MADlib''s ordinal Fisher scoring sums it.';

CREATE AGGREGATE indb_ml._ordinal_step(float8, float8[], float8[], integer, integer, boolean, boolean) (
    SFUNC = indb_ml._ordinal_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._ordinal_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._ordinal_step(float8, float8[], float8[], integer, integer, boolean, boolean) IS
'Internal: one Fisher scoring pass of ordinal, _ordinal_step(category index, x, [thresholds, beta], number of categories, link 0 logit / 1 probit, hessian, expected): with expected the information slots hold the expected information (param K*16 + 8*expected + 4*hessian + link).';

CREATE FUNCTION indb_ml._ordinal_transition(state bytea, y float8, x float8[], coef float8[], ncat integer,
                                            link integer, hessian boolean, expected boolean,
                                            prob_floor boolean) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_ordinal_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._ordinal_transition(bytea, float8, float8[], float8[], integer, integer, boolean, boolean, boolean) IS
'Internal: transition step of the 8-argument indb_ml._ordinal_step (C, in place): as the 7-argument form''s with prob_floor true; with prob_floor false (which needs expected) the probabilities are not floored at 1e-300, as MADlib''s ordinal takes them at thresholds that do not increase: a negative one enters the gradient and the expected information as it is and the log-likelihood takes its log (NaN).';

CREATE AGGREGATE indb_ml._ordinal_step(float8, float8[], float8[], integer, integer, boolean, boolean, boolean) (
    SFUNC = indb_ml._ordinal_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._ordinal_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._ordinal_step(float8, float8[], float8[], integer, integer, boolean, boolean, boolean) IS
'Internal: one Fisher scoring pass of ordinal, _ordinal_step(category index, x, [thresholds, beta], number of categories, link, hessian, expected, prob_floor): prob_floor false is MADlib''s pass at unordered thresholds, its probabilities not floored (param K*16 + 12 + link + 2^24; such states never combine with floored ones).';

-- ---- 56_margins.sql ----
-- marginal effects of linear, logistic and multinomial logistic models (MADlib margins)

CREATE FUNCTION indb_ml.margins(model_table text, output_table text, x_design text DEFAULT NULL,
                                source_table text DEFAULT NULL, marginal_vars integer[] DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.margins import margins
return margins(plpy, model_table, output_table, x_design, source_table, marginal_vars)
$$;
COMMENT ON FUNCTION indb_ml.margins(text, text, text, text, integer[]) IS
'Average marginal effects of a linregr_train, logregr_train or mlogregr_train model (MADlib margins) over its source (or source_table); x_design names interaction and indicator terms (''1, age, i.female, female*age''). output_table has variables (1-based positions of basis terms; constant columns such as the intercept are left out), margins, std_err (delta method), z_stats, p_values; for mlogregr one row per non-reference category with category and ref_category; a grouped model gives one row per group, led by its grouping columns.';

CREATE FUNCTION indb_ml.margins(model_table text, output_table text, x_design text, source_table text,
                                marginal_vars text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.margins import margins
return margins(plpy, model_table, output_table, x_design, source_table, marginal_vars)
$$;
COMMENT ON FUNCTION indb_ml.margins(text, text, text, text, text) IS
'MADlib''s margins with marginal_vars as text: comma-separated identifiers of x_design''s basis terms (''3, 2'', ''tre''; without x_design the terms are named 1..k), NULL for every varying term. Same output as margins(..., integer[]). Five arguments and no defaults, so shorter calls keep resolving to the array form; a NULL or string literal in fifth place resolves here.';

CREATE FUNCTION indb_ml.margins(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("margins", message)
$$;
COMMENT ON FUNCTION indb_ml.margins(text) IS 'Usage of indb_ml.margins (''usage'' or any text; MADlib margins(message)).';

CREATE FUNCTION indb_ml.margins() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.usage import usage
return usage("margins", None)
$$;
COMMENT ON FUNCTION indb_ml.margins() IS 'Usage of indb_ml.margins (MADlib margins()).';

CREATE FUNCTION indb_ml._margins_transition(state bytea, x float8[], coef float8[], design integer[]) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_margins_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._margins_transition(bytea, float8[], float8[], integer[]) IS
'Internal: transition step of indb_ml._margins_state (C: each target term''s marginal effect at coef and its exact gradient in coef, summed; the minimum and maximum of every feature; rows with a NULL are counted as skipped).';

CREATE FUNCTION indb_ml._margins_combine(a bytea, b bytea) RETURNS bytea
AS 'MODULE_PATHNAME', 'indb_ml_margins_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION indb_ml._margins_combine(bytea, bytea) IS
'Internal: merge step of indb_ml._margins_state (minimum and maximum of the features, sums of the effects and gradients), in C.';

CREATE AGGREGATE indb_ml._margins_state(float8[], float8[], integer[]) (
    SFUNC = indb_ml._margins_transition,
    STYPE = bytea,
    COMBINEFUNC = indb_ml._margins_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE indb_ml._margins_state(float8[], float8[], integer[]) IS
'Internal: one pass of margins per group: (x, coefficients, the design written by indb_ml.margins) to the summed effects and delta-method Jacobians, finalized by the driver.';

-- MADlib's deprecated one-call forms (train, then margins): indb_ml/regress/margins_old.py
CREATE FUNCTION indb_ml.margins_logregr(source_table text, output_table text, dependent_variable text,
                                        independent_variable text, grouping_cols text DEFAULT NULL,
                                        marginal_vars integer[] DEFAULT NULL, max_iter integer DEFAULT 20,
                                        optimizer text DEFAULT 'irls', tolerance float8 DEFAULT 0.0001,
                                        verbose_mode boolean DEFAULT false)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.margins_old import margins_logregr
return margins_logregr(plpy, source_table, output_table, dependent_variable, independent_variable, grouping_cols,
                       marginal_vars, max_iter, optimizer, tolerance, verbose_mode)
$$;
COMMENT ON FUNCTION indb_ml.margins_logregr(text, text, text, text, text, integer[], integer, text, float8, boolean) IS
'MADlib''s deprecated margins_logregr: logregr_train into a temporary table, then the average marginal effects of every element of the independent array (the intercept included, as MADlib reports it) or of marginal_vars (1-based indices). output_table: margins, std_err, z_stats, p_values; output_table_summary: logregr_train''s summary. grouping_cols is ignored (as in MADlib) with a warning.';

CREATE FUNCTION indb_ml.margins_logregr() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.margins_old import usage
return usage("margins_logregr")
$$;
COMMENT ON FUNCTION indb_ml.margins_logregr() IS 'Usage of indb_ml.margins_logregr.';

CREATE FUNCTION indb_ml.margins_logregr(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.margins_old import usage
return usage("margins_logregr")
$$;
COMMENT ON FUNCTION indb_ml.margins_logregr(text) IS 'Usage of indb_ml.margins_logregr (any message, as MADlib''s ''usage'').';

CREATE FUNCTION indb_ml.margins_mlogregr(source_table text, output_table text, dependent_varname text,
                                         independent_varname text, ref_category integer DEFAULT 0,
                                         grouping_cols text DEFAULT NULL, marginal_vars integer[] DEFAULT NULL,
                                         optimizer_params text DEFAULT NULL, verbose_mode boolean DEFAULT false)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.margins_old import margins_mlogregr
return margins_mlogregr(plpy, source_table, output_table, dependent_varname, independent_varname, ref_category,
                        grouping_cols, marginal_vars, optimizer_params, verbose_mode)
$$;
COMMENT ON FUNCTION indb_ml.margins_mlogregr(text, text, text, text, integer, text, integer[], text, boolean) IS
'MADlib''s deprecated margins_mlogregr: mlogregr_train (ref_category, optimizer_params) into a temporary table, then the average marginal effects of every element of the independent array (the intercept included) or of marginal_vars (1-based indices). output_table: category, ref_category, margins, std_err, z_stats, p_values, one row per non-reference category; output_table_summary: mlogregr_train''s summary. grouping_cols is ignored (as in MADlib) with a warning.';

CREATE FUNCTION indb_ml.margins_mlogregr() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.margins_old import usage
return usage("margins_mlogregr")
$$;
COMMENT ON FUNCTION indb_ml.margins_mlogregr() IS 'Usage of indb_ml.margins_mlogregr.';

CREATE FUNCTION indb_ml.margins_mlogregr(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.margins_old import usage
return usage("margins_mlogregr")
$$;
COMMENT ON FUNCTION indb_ml.margins_mlogregr(text) IS 'Usage of indb_ml.margins_mlogregr (any message, as MADlib''s ''usage'').';

-- ---- 57_cross_validation.sql ----
-- k-fold cross-validation of the regression models (a typed signature)

CREATE FUNCTION indb_ml.cross_validate(method text, source_table text, dependent_varname text,
                                       independent_varname text, n_folds integer DEFAULT 5, params text DEFAULT NULL,
                                       seed integer DEFAULT 0)
RETURNS TABLE (fold integer, train_rows bigint, test_rows bigint, metric text, value float8)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.cross_validation import cross_validate
return cross_validate(plpy, method, source_table, dependent_varname, independent_varname, n_folds, params, seed)
$$;
COMMENT ON FUNCTION indb_ml.cross_validate(text, text, text, text, integer, text, integer) IS
'k-fold cross-validation (method linregr, logregr, glm or elastic_net; params ''family=poisson, link=log, alpha=0.5, lambda=0.1, standardize=true, max_iter=100, tolerance=1e-8''): a row''s fold is indb_ml.cv_fold(y, x, n_folds, seed); each fold is trained on the other folds and scored on its rows: mse, or log_loss and accuracy for binary models. Linear models: one aggregate pass of per-fold co-moments (a fold''s training moments are the merge of the others''); iterative models: one aggregate pass per iteration for every fold, or rows packed in memory on plain local tables. One row per fold and metric.';

CREATE FUNCTION indb_ml.cv_fold(y float8, x float8[], n_folds integer, seed integer DEFAULT 0) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT (((pg_catalog.hash_array_extended(pg_catalog.array_prepend(y, x), seed::pg_catalog.int8) % n_folds)
         + n_folds) % n_folds)::integer + 1
$$;
COMMENT ON FUNCTION indb_ml.cv_fold(float8, float8[], integer, integer) IS
'The cross-validation fold (1..n_folds) of a row with dependent y and features x: a seeded hash of the values, so every plan, source kind and run puts the row in the same fold (cross_validate, elastic_net_train''s n_folds). Rows with equal values share a fold.';

-- ---- 58_cv_general.sql ----
-- cross_validation_general: MADlib's generic k-fold driver and its helper functions

CREATE FUNCTION indb_ml.cross_validation_general(
    modelling_func text, modelling_params text[], modelling_params_type text[],
    param_explored text, explore_values text[],
    predict_func text, predict_params text[], predict_params_type text[],
    metric_func text, metric_params text[], metric_params_type text[],
    data_tbl text, data_id text, id_is_random boolean, validation_result text,
    data_cols text[] DEFAULT NULL, fold_num integer DEFAULT 10)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.cv_general import cross_validation_general
return cross_validation_general(plpy, modelling_func, modelling_params, modelling_params_type, param_explored,
                                explore_values, predict_func, predict_params, predict_params_type, metric_func,
                                metric_params, metric_params_type, data_tbl, data_id, id_is_random,
                                validation_result, data_cols, fold_num)
$$;
COMMENT ON FUNCTION indb_ml.cross_validation_general(text, text[], text[], text, text[], text, text[], text[], text, text[], text[], text, text, boolean, text, text[], integer) IS
'k-fold cross-validation of any train/predict/metric functions (MADlib cross_validation_general): for each fold and explore value it calls modelling_func, predict_func and metric_func with %data%, %model%, %prediction%, %error% and %id% filled in by temporary tables it creates and drops; functions are looked up in the catalog and called with bound parameters cast to the declared types. validation_result: param_explored, <metric>_avg, <metric>_stddev. SELECT indb_ml.cross_validation_general() for usage.';

CREATE FUNCTION indb_ml.cross_validation_general() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.regress.cv_general import cv_help
return cv_help()
$$;
COMMENT ON FUNCTION indb_ml.cross_validation_general() IS 'Usage of indb_ml.cross_validation_general and its helper functions.';

CREATE FUNCTION indb_ml.cv_linregr_train(tbl_source text, col_ind_var text, col_dep_var text, tbl_result text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.cv_general import cv_linregr_train
return cv_linregr_train(plpy, tbl_source, col_ind_var, col_dep_var, tbl_result)
$$;
COMMENT ON FUNCTION indb_ml.cv_linregr_train(text, text, text, text) IS
'linregr_train with the argument order of MADlib''s cv_linregr_train (for cross_validation_general).';

CREATE FUNCTION indb_ml.cv_linregr_predict(tbl_model text, tbl_newdata text, col_ind_var text, col_id text,
                                           tbl_predict text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.cv_general import cv_predict
return cv_predict(plpy, 'linregr', tbl_model, tbl_newdata, col_ind_var, col_id, tbl_predict)
$$;
COMMENT ON FUNCTION indb_ml.cv_linregr_predict(text, text, text, text, text) IS
'tbl_predict (col_id, prediction) with linregr_predict(coef, col_ind_var) of a linregr model, one CREATE TABLE AS (MADlib cv_linregr_predict).';

CREATE FUNCTION indb_ml.cv_logregr_predict(tbl_model text, tbl_newdata text, col_ind_var text, col_id text,
                                           tbl_predict text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.cv_general import cv_predict
return cv_predict(plpy, 'logregr', tbl_model, tbl_newdata, col_ind_var, col_id, tbl_predict)
$$;
COMMENT ON FUNCTION indb_ml.cv_logregr_predict(text, text, text, text, text) IS
'tbl_predict (col_id, prediction boolean) with logregr_predict(coef, col_ind_var) of a logregr model, one CREATE TABLE AS (MADlib cv_logregr_predict).';

CREATE FUNCTION indb_ml.mse_error(tbl_prediction text, tbl_actual text, id_actual text, values_actual text,
                                  tbl_error text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.cv_general import cv_metric
return cv_metric(plpy, 'mse_error', tbl_prediction, tbl_actual, id_actual, values_actual, tbl_error)
$$;
COMMENT ON FUNCTION indb_ml.mse_error(text, text, text, text, text) IS
'tbl_error (mean_squared_error): avg((prediction - values_actual)^2) over the rows joined on id_actual (MADlib mse_error).';

CREATE FUNCTION indb_ml.misclassification_avg(tbl_prediction text, tbl_actual text, id_actual text,
                                              values_actual text, tbl_error text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.cv_general import cv_metric
return cv_metric(plpy, 'misclassification_avg', tbl_prediction, tbl_actual, id_actual, values_actual, tbl_error)
$$;
COMMENT ON FUNCTION indb_ml.misclassification_avg(text, text, text, text, text) IS
'tbl_error (error_rate): the share of rows joined on id_actual whose prediction differs from values_actual (MADlib misclassification_avg).';

CREATE FUNCTION indb_ml.cv_logregr_accuracy(tbl_predict text, tbl_source text, col_id text, col_dep_var text,
                                            tbl_accuracy text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.regress.cv_general import cv_metric
return cv_metric(plpy, 'cv_logregr_accuracy', tbl_predict, tbl_source, col_id, col_dep_var, tbl_accuracy)
$$;
COMMENT ON FUNCTION indb_ml.cv_logregr_accuracy(text, text, text, text, text) IS
'tbl_accuracy (accuracy): the share of rows joined on col_id whose prediction equals col_dep_var (MADlib cv_logregr_accuracy).';

-- ---- 60_graph.sql ----
-- graph: pagerank, weakly connected components (+ helpers), hits, graph_vertex_degrees
-- (loading and plans in indb_ml/graph/; the kernels in indb_ml/kernels/graph.py)

-- Raw body of an int8[] as bytea (byteacat copies the varlena body), decoded with np.frombuffer.
CREATE FUNCTION indb_ml._int8_array_bytes(int8[], bytea) RETURNS bytea
LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE
AS 'byteacat';
COMMENT ON FUNCTION indb_ml._int8_array_bytes(int8[], bytea) IS
'Internal: the ArrayType body of an int8[] as bytea (call with ''''::bytea), for decoding without a per-element step.';

-- The reverse direction, as float8_array_from_bytes does it: byteacat(header, data) typed int8[],
-- callable only through the wrapper that builds the header from the data's length.
CREATE FUNCTION indb_ml._int8_array_unchecked(bytea, bytea) RETURNS int8[]
LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE
AS 'byteacat';
REVOKE ALL ON FUNCTION indb_ml._int8_array_unchecked(bytea, bytea) FROM PUBLIC;
COMMENT ON FUNCTION indb_ml._int8_array_unchecked(bytea, bytea) IS
'Internal, not for users: concatenates an ArrayType header and int8 data into an int8[]; see _int8_array_from_bytes.';

CREATE FUNCTION indb_ml._int8_array_from_bytes(data bytea) RETURNS int8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n int := pg_catalog.length(data) / 8;
BEGIN
    IF pg_catalog.length(data) % 8 <> 0 THEN
        RAISE EXCEPTION '_int8_array_from_bytes: % bytes is not a whole number of int64 values', pg_catalog.length(data)
            USING ERRCODE = '22023';
    END IF;
    IF n = 0 THEN
        RETURN '{}'::int8[];
    END IF;
    RETURN indb_ml._int8_array_unchecked(
        pg_catalog.overlay(
            pg_catalog.substr(indb_ml._int8_array_bytes(ARRAY[0]::int8[], ''::bytea), 1, 20),
            pg_catalog.substr(indb_ml._int4_array_bytes(ARRAY[n], ''::bytea), 21, 4),
            13, 4),
        data);
END
$$;
COMMENT ON FUNCTION indb_ml._int8_array_from_bytes(bytea) IS
'Internal: an int8[] from native-order int64 bytes (numpy''s tobytes()); how the graph functions write vertex ids without a text conversion per element.';

-- pagerank ------------------------------------------------------------------------------------

-- MADlib's signature takes personalization_vertices bigint[] (so '{2,4}' and ARRAY[2,4] work as in
-- its examples); text ids and the MADlib 2.1 option take the 11-argument form with anyarray. PL/Python
-- cannot take anyarray, so the public functions are SQL wrappers handing the ids to _pagerank as text[].
CREATE FUNCTION indb_ml._pagerank(vertex_table text, vertex_id text, edge_table text, edge_args text, out_table text,
                                  damping_factor float8, max_iter integer, threshold float8, grouping_cols text,
                                  personalization_vertices text[], madlib21_compat boolean)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.pagerank import pagerank
return pagerank(plpy, vertex_table, vertex_id, edge_table, edge_args, out_table, damping_factor, max_iter, threshold,
                grouping_cols, personalization_vertices, madlib21_compat)
$$;
COMMENT ON FUNCTION indb_ml._pagerank(text, text, text, text, text, float8, integer, float8, text, text[], boolean) IS
'Internal: the body of indb_ml.pagerank (personalization ids as text).';

CREATE FUNCTION indb_ml.pagerank(vertex_table text, vertex_id text, edge_table text, edge_args text, out_table text,
                                 damping_factor float8 DEFAULT 0.85, max_iter integer DEFAULT 100,
                                 threshold float8 DEFAULT NULL, grouping_cols text DEFAULT NULL)
RETURNS void LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $$ SELECT indb_ml._pagerank($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL::text[], NULL::boolean) $$;
COMMENT ON FUNCTION indb_ml.pagerank(text, text, text, text, text, float8, integer, float8, text) IS
'PageRank of every vertex (MADlib pagerank; networkx''s definition: dangling rank is spread, ranks sum to 1; SET indb_ml.madlib_pagerank = on: MADlib 2.1''s, as madlib21_compat => true). out_table (grouping columns, vertex id, pagerank) and out_table_summary (grouping columns, __iterations__). Sparse power iteration in memory, or joins per iteration above indb_ml.matrix_memory_mb (SET indb_ml.graph_plan). SELECT indb_ml.pagerank() shows the usage.';

CREATE FUNCTION indb_ml.pagerank(vertex_table text, vertex_id text, edge_table text, edge_args text, out_table text,
                                 damping_factor float8, max_iter integer, threshold float8, grouping_cols text,
                                 personalization_vertices bigint[])
RETURNS void LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $$ SELECT indb_ml._pagerank($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text[], NULL::boolean) $$;
COMMENT ON FUNCTION indb_ml.pagerank(text, text, text, text, text, float8, integer, float8, text, bigint[]) IS
'Personalized PageRank (MADlib pagerank with personalization_vertices): teleports and dangling rank go to these vertices. SELECT indb_ml.pagerank() shows the usage.';

CREATE FUNCTION indb_ml.pagerank(vertex_table text, vertex_id text, edge_table text, edge_args text, out_table text,
                                 damping_factor float8, max_iter integer, threshold float8, grouping_cols text,
                                 personalization_vertices anyarray, madlib21_compat boolean)
RETURNS void LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $$ SELECT indb_ml._pagerank($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::text[], $11) $$;
COMMENT ON FUNCTION indb_ml.pagerank(text, text, text, text, text, float8, integer, float8, text, anyarray, boolean) IS
'pagerank with personalization ids of any type (e.g. ARRAY[''a'', ''b''] for text ids; a NULL must be typed, NULL::int[]) and madlib21_compat (NULL: the setting indb_ml.madlib_pagerank, default off): true reproduces MADlib 2.1 (dangling rank leaks away, vertices without edges left out, a group''s vertices are the ends of its edges; with personalization_vertices MADlib 2.1''s personalized iteration, ranks divided by their number). SELECT indb_ml.pagerank() shows the usage.';

CREATE FUNCTION indb_ml.pagerank() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.pagerank import pagerank_help
return pagerank_help()
$$;
COMMENT ON FUNCTION indb_ml.pagerank() IS 'Usage of indb_ml.pagerank.';

CREATE FUNCTION indb_ml.pagerank(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.pagerank import pagerank_help
return pagerank_help()
$$;
COMMENT ON FUNCTION indb_ml.pagerank(text) IS 'Usage of indb_ml.pagerank (''usage'' or any text; MADlib pagerank(message)).';

-- weakly connected components and their helpers -----------------------------------------------

CREATE FUNCTION indb_ml.weakly_connected_components(vertex_table text, vertex_id text, edge_table text, edge_args text,
                                                    out_table text, grouping_cols text DEFAULT NULL,
                                                    iteration_limit integer DEFAULT NULL, warm_start boolean DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.wcc import weakly_connected_components
return weakly_connected_components(plpy, vertex_table, vertex_id, edge_table, edge_args, out_table, grouping_cols,
                                   iteration_limit, warm_start)
$$;
COMMENT ON FUNCTION indb_ml.weakly_connected_components(text, text, text, text, text, text, integer, boolean) IS
'Weakly connected components (MADlib): out_table (vertex id, component_id = the smallest vertex id of the component, bigint for integer ids; for multi-column ids MADlib''s bigint from the rows'' ctids; then the grouping columns, as MADlib orders them) for every vertex of the vertex table, with grouping for the ends of each group''s edges (MADlib''s), and out_table_summary for the graph_wcc_* helpers. iteration_limit stops after that many iterations (MADlib''s count) and keeps out_table_message; warm_start continues such a run. SELECT indb_ml.weakly_connected_components() shows the usage.';

CREATE FUNCTION indb_ml.weakly_connected_components() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.wcc import wcc_help
return wcc_help()
$$;
COMMENT ON FUNCTION indb_ml.weakly_connected_components() IS 'Usage of indb_ml.weakly_connected_components and the graph_wcc_* helpers.';

CREATE FUNCTION indb_ml.weakly_connected_components(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.wcc import wcc_help
return wcc_help()
$$;
COMMENT ON FUNCTION indb_ml.weakly_connected_components(text) IS 'Usage of indb_ml.weakly_connected_components and the graph_wcc_* helpers (''usage'' or any text; MADlib weakly_connected_components(message)).';

CREATE FUNCTION indb_ml.graph_wcc_largest_cpt(wcc_table text, largest_cpt_table text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.wcc import largest_cpt
return largest_cpt(plpy, wcc_table, largest_cpt_table)
$$;
COMMENT ON FUNCTION indb_ml.graph_wcc_largest_cpt(text, text) IS
'The largest weakly connected component(s) per group of a weakly_connected_components output: (grouping columns, component_id, num_vertices); ties give one row each.';

CREATE FUNCTION indb_ml.graph_wcc_histogram(wcc_table text, histogram_table text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.wcc import histogram
return histogram(plpy, wcc_table, histogram_table)
$$;
COMMENT ON FUNCTION indb_ml.graph_wcc_histogram(text, text) IS
'Vertices per component of a weakly_connected_components output: (grouping columns, component_id, num_vertices).';

CREATE FUNCTION indb_ml.graph_wcc_vertex_check(wcc_table text, vertex_pair bigint[], pair_table text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.wcc import vertex_check
return vertex_check(plpy, wcc_table, vertex_pair, pair_table)
$$;
COMMENT ON FUNCTION indb_ml.graph_wcc_vertex_check(text, bigint[], text) IS
'Whether two vertices (integer ids) are in the same weakly connected component: pair_table (grouping columns, component_id), a row per group where they are.';

-- MADlib declares vertex_pair BIGINT[] yet its docs and tests pass '14,15': this text overload
-- takes every untyped literal ('14,15', '{14,15}', the 2-D '{{1,1},{5,5}}' of multi-column ids).
CREATE FUNCTION indb_ml.graph_wcc_vertex_check(wcc_table text, vertex_pair text, pair_table text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.wcc import vertex_check_text
return vertex_check_text(plpy, wcc_table, vertex_pair, pair_table)
$$;
COMMENT ON FUNCTION indb_ml.graph_wcc_vertex_check(text, text, text) IS
'graph_wcc_vertex_check with the pair as a literal: MADlib''s ''14,15'', or an array literal (''{14,15}'', ''{{1,1},{5,5}}'' for multi-column ids).';

-- Text ids get their own arity.
CREATE FUNCTION indb_ml.graph_wcc_vertex_check(wcc_table text, vertex_a text, vertex_b text, pair_table text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.wcc import vertex_check
return vertex_check(plpy, wcc_table, [vertex_a, vertex_b], pair_table)
$$;
COMMENT ON FUNCTION indb_ml.graph_wcc_vertex_check(text, text, text, text) IS
'graph_wcc_vertex_check with the two vertex ids as text (for text ids): pair_table (grouping columns, component_id), a row per group where both are in one component.';

CREATE FUNCTION indb_ml.graph_wcc_reachable_vertices(wcc_table text, src bigint, reachable_vertices_table text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.wcc import reachable_vertices
return reachable_vertices(plpy, wcc_table, src, reachable_vertices_table)
$$;
COMMENT ON FUNCTION indb_ml.graph_wcc_reachable_vertices(text, bigint, text) IS
'Vertices in the same weakly connected component as src (integer ids): (grouping columns, component_id, dest), src itself excluded.';

CREATE FUNCTION indb_ml.graph_wcc_reachable_vertices(wcc_table text, src text, reachable_vertices_table text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.wcc import reachable_vertices
return reachable_vertices(plpy, wcc_table, src, reachable_vertices_table)
$$;
COMMENT ON FUNCTION indb_ml.graph_wcc_reachable_vertices(text, text, text) IS
'graph_wcc_reachable_vertices for text vertex ids: (grouping columns, component_id, dest), src itself excluded.';

CREATE FUNCTION indb_ml.graph_wcc_reachable_vertices(wcc_table text, src bigint[], reachable_vertices_table text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.wcc import reachable_vertices
return reachable_vertices(plpy, wcc_table, src, reachable_vertices_table)
$$;
COMMENT ON FUNCTION indb_ml.graph_wcc_reachable_vertices(text, bigint[], text) IS
'graph_wcc_reachable_vertices for MADlib''s multi-column vertex ids (src as an array, e.g. ''{0,0}''::bigint[]).';

CREATE FUNCTION indb_ml.graph_wcc_num_cpts(wcc_table text, count_table text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.wcc import num_cpts
return num_cpts(plpy, wcc_table, count_table)
$$;
COMMENT ON FUNCTION indb_ml.graph_wcc_num_cpts(text, text) IS
'Number of weakly connected components per group of a weakly_connected_components output: (grouping columns, num_components).';

-- hits ----------------------------------------------------------------------------------------

CREATE FUNCTION indb_ml.hits(vertex_table text, vertex_id text, edge_table text, edge_args text, out_table text,
                             max_iter integer DEFAULT 100, threshold float8 DEFAULT NULL, grouping_cols text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.hits import hits
return hits(plpy, vertex_table, vertex_id, edge_table, edge_args, out_table, max_iter, threshold, grouping_cols)
$$;
COMMENT ON FUNCTION indb_ml.hits(text, text, text, text, text, integer, float8, text) IS
'HITS authority and hub scores (MADlib hits, unit L2 norm) of the vertices on an edge (of the group), as MADlib: out_table (grouping columns, vertex id, authority, hub) and out_table_summary (grouping columns, __iterations__). SELECT indb_ml.hits() shows the usage.';

CREATE FUNCTION indb_ml.hits() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.hits import hits_help
return hits_help()
$$;
COMMENT ON FUNCTION indb_ml.hits() IS 'Usage of indb_ml.hits.';

CREATE FUNCTION indb_ml.hits(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.hits import hits_help
return hits_help()
$$;
COMMENT ON FUNCTION indb_ml.hits(text) IS 'Usage of indb_ml.hits (''usage'' or any text; MADlib hits(message)).';

-- vertex degrees ------------------------------------------------------------------------------

CREATE FUNCTION indb_ml.graph_vertex_degrees(vertex_table text, vertex_id text, edge_table text, edge_args text,
                                             out_table text, grouping_cols text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.degrees import graph_vertex_degrees
return graph_vertex_degrees(plpy, vertex_table, vertex_id, edge_table, edge_args, out_table, grouping_cols)
$$;
COMMENT ON FUNCTION indb_ml.graph_vertex_degrees(text, text, text, text, text, text) IS
'In- and out-degree (MADlib graph_vertex_degrees): out_table (grouping columns, vertex id, indegree, outdegree) for the ends of the edges that are not self-loops, which alone count, as MADlib. SELECT indb_ml.graph_vertex_degrees() shows the usage.';

CREATE FUNCTION indb_ml.graph_vertex_degrees() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.degrees import graph_vertex_degrees_help
return graph_vertex_degrees_help()
$$;
COMMENT ON FUNCTION indb_ml.graph_vertex_degrees() IS 'Usage of indb_ml.graph_vertex_degrees.';

CREATE FUNCTION indb_ml.graph_vertex_degrees(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.degrees import graph_vertex_degrees_help
return graph_vertex_degrees_help()
$$;
COMMENT ON FUNCTION indb_ml.graph_vertex_degrees(text) IS 'Usage of indb_ml.graph_vertex_degrees (''usage'' or any text; MADlib graph_vertex_degrees(message)).';

-- ---- 61_graph_paths.sql ----
-- graph paths: graph_sssp (Bellman-Ford), graph_bfs, graph_apsp and their path retrieval
-- (drivers in indb_ml/graph/paths.py and path_relational.py; kernels in indb_ml/kernels/graph_paths.py)

-- graph_sssp ----------------------------------------------------------------------------------

CREATE FUNCTION indb_ml.graph_sssp(vertex_table text, vertex_id text, edge_table text, edge_args text,
                                   source_vertex bigint, out_table text, grouping_cols text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.paths import graph_sssp
return graph_sssp(plpy, vertex_table, vertex_id, edge_table, edge_args, source_vertex, out_table, grouping_cols)
$$;
COMMENT ON FUNCTION indb_ml.graph_sssp(text, text, text, text, bigint, text, text) IS
'Single-source shortest paths (MADlib graph_sssp; Bellman-Ford, Dijkstra when no weight is negative; a negative cycle is an error, with grouping its group is left out with a warning): out_table (grouping columns, vertex id, <weight column> = path weight, parent) for every reached vertex, as MADlib, and out_table_summary. In memory, or joins per iteration above indb_ml.matrix_memory_mb (SET indb_ml.graph_plan). SELECT indb_ml.graph_sssp() shows the usage.';

CREATE FUNCTION indb_ml.graph_sssp(vertex_table text, vertex_id text, edge_table text, edge_args text,
                                   source_vertex bigint[], out_table text, grouping_cols text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.paths import graph_sssp
return graph_sssp(plpy, vertex_table, vertex_id, edge_table, edge_args, source_vertex, out_table, grouping_cols)
$$;
COMMENT ON FUNCTION indb_ml.graph_sssp(text, text, text, text, bigint[], text, text) IS
'graph_sssp for MADlib''s multi-column vertex ids (vertex_id ''[a, b]'', edge_args ''src=[s1, s2], dest=[d1, d2]''): the source as an array, e.g. ARRAY[0, 0]; the output''s id and parent are bigint[].';

CREATE FUNCTION indb_ml.graph_sssp(vertex_table text, vertex_id text, edge_table text, edge_args text,
                                   source_vertex text, out_table text, grouping_cols text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.paths import graph_sssp
return graph_sssp(plpy, vertex_table, vertex_id, edge_table, edge_args, source_vertex, out_table, grouping_cols)
$$;
COMMENT ON FUNCTION indb_ml.graph_sssp(text, text, text, text, text, text, text) IS
'graph_sssp for text vertex ids (the source given as text). SELECT indb_ml.graph_sssp() shows the usage.';

CREATE FUNCTION indb_ml.graph_sssp() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.paths import usage
return usage("graph_sssp")
$$;
COMMENT ON FUNCTION indb_ml.graph_sssp() IS 'Usage of indb_ml.graph_sssp and indb_ml.graph_sssp_get_path.';

CREATE FUNCTION indb_ml.graph_sssp(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.paths import usage
return usage("graph_sssp")
$$;
COMMENT ON FUNCTION indb_ml.graph_sssp(text) IS 'Usage of indb_ml.graph_sssp and indb_ml.graph_sssp_get_path (''usage'' or any text; MADlib graph_sssp(message)).';

CREATE FUNCTION indb_ml.graph_sssp_get_path(sssp_table text, dest_vertex bigint, path_table text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.paths import graph_sssp_get_path
return graph_sssp_get_path(plpy, sssp_table, dest_vertex, path_table)
$$;
COMMENT ON FUNCTION indb_ml.graph_sssp_get_path(text, bigint, text) IS
'The shortest path {source, ..., dest_vertex} from a graph_sssp output: path_table (grouping columns, path), a row for each group where dest_vertex is reached (MADlib''s; an error when it is reached in none).';

CREATE FUNCTION indb_ml.graph_sssp_get_path(sssp_table text, dest_vertex text, path_table text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.paths import graph_sssp_get_path
return graph_sssp_get_path(plpy, sssp_table, dest_vertex, path_table)
$$;
COMMENT ON FUNCTION indb_ml.graph_sssp_get_path(text, text, text) IS
'graph_sssp_get_path for text vertex ids.';

CREATE FUNCTION indb_ml.graph_sssp_get_path(sssp_table text, dest_vertex bigint[], path_table text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.paths import graph_sssp_get_path
return graph_sssp_get_path(plpy, sssp_table, dest_vertex, path_table)
$$;
COMMENT ON FUNCTION indb_ml.graph_sssp_get_path(text, bigint[], text) IS
'graph_sssp_get_path for multi-column vertex ids (dest_vertex as an array); the path is a 2-D bigint array, one row per vertex.';

-- graph_bfs -----------------------------------------------------------------------------------

CREATE FUNCTION indb_ml.graph_bfs(vertex_table text, vertex_id text, edge_table text, edge_args text,
                                  source_vertex bigint, out_table text, max_distance integer DEFAULT NULL,
                                  directed boolean DEFAULT NULL, grouping_cols text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.paths import graph_bfs
return graph_bfs(plpy, vertex_table, vertex_id, edge_table, edge_args, source_vertex, out_table, max_distance,
                 directed, grouping_cols)
$$;
COMMENT ON FUNCTION indb_ml.graph_bfs(text, text, text, text, bigint, text, integer, boolean, text) IS
'Breadth-first search (MADlib graph_bfs; undirected unless directed): out_table (grouping columns, vertex id, dist = hops, parent = the smallest-id vertex of the previous level; the source is its own parent) for every reached vertex, as MADlib (no rows when the source is on no edge), and out_table_summary. In memory, or one join + GROUP BY per level above indb_ml.matrix_memory_mb (SET indb_ml.graph_plan). SELECT indb_ml.graph_bfs() shows the usage.';

CREATE FUNCTION indb_ml.graph_bfs(vertex_table text, vertex_id text, edge_table text, edge_args text,
                                  source_vertex text, out_table text, max_distance integer DEFAULT NULL,
                                  directed boolean DEFAULT NULL, grouping_cols text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.paths import graph_bfs
return graph_bfs(plpy, vertex_table, vertex_id, edge_table, edge_args, source_vertex, out_table, max_distance,
                 directed, grouping_cols)
$$;
COMMENT ON FUNCTION indb_ml.graph_bfs(text, text, text, text, text, text, integer, boolean, text) IS
'graph_bfs for text vertex ids (the source given as text). SELECT indb_ml.graph_bfs() shows the usage.';

CREATE FUNCTION indb_ml.graph_bfs() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.paths import usage
return usage("graph_bfs")
$$;
COMMENT ON FUNCTION indb_ml.graph_bfs() IS 'Usage of indb_ml.graph_bfs.';

CREATE FUNCTION indb_ml.graph_bfs(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.paths import usage
return usage("graph_bfs")
$$;
COMMENT ON FUNCTION indb_ml.graph_bfs(text) IS 'Usage of indb_ml.graph_bfs (''usage'' or any text; MADlib graph_bfs(message)).';

-- graph_apsp ----------------------------------------------------------------------------------

CREATE FUNCTION indb_ml.graph_apsp(vertex_table text, vertex_id text, edge_table text, edge_args text,
                                   out_table text, grouping_cols text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.paths import graph_apsp
return graph_apsp(plpy, vertex_table, vertex_id, edge_table, edge_args, out_table, grouping_cols)
$$;
COMMENT ON FUNCTION indb_ml.graph_apsp(text, text, text, text, text, text) IS
'All-pairs shortest paths (MADlib graph_apsp; Dijkstra from every vertex, Johnson when a weight is negative; a negative cycle is an error, with grouping its group is left out with a warning): out_table (grouping columns, <src>, <dest>, <weight> = path weight, parent = the vertex before dest, dest itself for a direct edge) with a row per pair of edge ends with a path, as MADlib, and out_table_summary (with the plan). In memory when the n^2 pairs fit indb_ml.matrix_memory_mb, else relational (Bellman-Ford from every source at once, one UPDATE per iteration on the pair table); indb_ml.graph_plan forces one. SELECT indb_ml.graph_apsp() shows the usage.';

CREATE FUNCTION indb_ml.graph_apsp() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.paths import usage
return usage("graph_apsp")
$$;
COMMENT ON FUNCTION indb_ml.graph_apsp() IS 'Usage of indb_ml.graph_apsp and indb_ml.graph_apsp_get_path.';

CREATE FUNCTION indb_ml.graph_apsp(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.paths import usage
return usage("graph_apsp")
$$;
COMMENT ON FUNCTION indb_ml.graph_apsp(text) IS 'Usage of indb_ml.graph_apsp and indb_ml.graph_apsp_get_path (''usage'' or any text; MADlib graph_apsp(message)).';

CREATE FUNCTION indb_ml.graph_apsp_get_path(apsp_table text, source_vertex bigint, dest_vertex bigint, path_table text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.paths import graph_apsp_get_path
return graph_apsp_get_path(plpy, apsp_table, source_vertex, dest_vertex, path_table)
$$;
COMMENT ON FUNCTION indb_ml.graph_apsp_get_path(text, bigint, bigint, text) IS
'The shortest path {source_vertex, ..., dest_vertex} from a graph_apsp output: path_table (grouping columns, path), a row for each group with a path (MADlib''s; an error when there is none).';

CREATE FUNCTION indb_ml.graph_apsp_get_path(apsp_table text, source_vertex text, dest_vertex text, path_table text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.paths import graph_apsp_get_path
return graph_apsp_get_path(plpy, apsp_table, source_vertex, dest_vertex, path_table)
$$;
COMMENT ON FUNCTION indb_ml.graph_apsp_get_path(text, text, text, text) IS
'graph_apsp_get_path for text vertex ids.';

CREATE FUNCTION indb_ml.graph_apsp_get_path(apsp_table text, source_vertex bigint[], dest_vertex bigint[],
                                            path_table text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.paths import graph_apsp_get_path
return graph_apsp_get_path(plpy, apsp_table, source_vertex, dest_vertex, path_table)
$$;
COMMENT ON FUNCTION indb_ml.graph_apsp_get_path(text, bigint[], bigint[], text) IS
'graph_apsp_get_path for multi-column vertex ids (the vertices as arrays); the path is a 2-D bigint array, one row per vertex.';

-- ---- 62_graph_measures.sql ----
-- graph measures: graph_closeness, graph_diameter, graph_avg_path_length (over a graph_apsp table),
-- graph_triangle_count (with the local clustering coefficient) and graph_kcore
-- (drivers in indb_ml/graph/measures.py, triangles.py, kcore.py; kernels in indb_ml/kernels/graph_measures.py)

CREATE FUNCTION indb_ml.graph_closeness(apsp_table text, out_table text, vertex_filter_expr text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.measures import graph_closeness
return graph_closeness(plpy, apsp_table, out_table, vertex_filter_expr)
$$;
COMMENT ON FUNCTION indb_ml.graph_closeness(text, text, text) IS
'Closeness measures of every source vertex of a graph_apsp output (MADlib graph_closeness): out_table (grouping columns, <src>, inverse_sum_dist, inverse_avg_dist, sum_inverse_dist, k_degree) over the vertices each source reaches; vertex_filter_expr: comparisons joined by AND/OR. One GROUP BY over the APSP table. SELECT indb_ml.graph_closeness() shows the usage.';

CREATE FUNCTION indb_ml.graph_closeness() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.measures import usage
return usage("graph_closeness")
$$;
COMMENT ON FUNCTION indb_ml.graph_closeness() IS 'Usage of indb_ml.graph_closeness.';

CREATE FUNCTION indb_ml.graph_closeness(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.measures import usage
return usage("graph_closeness")
$$;
COMMENT ON FUNCTION indb_ml.graph_closeness(text) IS 'Usage of indb_ml.graph_closeness (''usage'' or any text; MADlib graph_closeness(message)).';

CREATE FUNCTION indb_ml.graph_diameter(apsp_table text, out_table text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.measures import graph_diameter
return graph_diameter(plpy, apsp_table, out_table)
$$;
COMMENT ON FUNCTION indb_ml.graph_diameter(text, text) IS
'Diameter per group of a graph_apsp output (MADlib graph_diameter): out_table (grouping columns, diameter = the largest finite distance, diameter_end_vertices = every {src, dest} pair at that distance). SELECT indb_ml.graph_diameter() shows the usage.';

CREATE FUNCTION indb_ml.graph_diameter() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.measures import usage
return usage("graph_diameter")
$$;
COMMENT ON FUNCTION indb_ml.graph_diameter() IS 'Usage of indb_ml.graph_diameter.';

CREATE FUNCTION indb_ml.graph_diameter(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.measures import usage
return usage("graph_diameter")
$$;
COMMENT ON FUNCTION indb_ml.graph_diameter(text) IS 'Usage of indb_ml.graph_diameter (''usage'' or any text; MADlib graph_diameter(message)).';

CREATE FUNCTION indb_ml.graph_avg_path_length(apsp_table text, out_table text)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.measures import graph_avg_path_length
return graph_avg_path_length(plpy, apsp_table, out_table)
$$;
COMMENT ON FUNCTION indb_ml.graph_avg_path_length(text, text) IS
'Average shortest-path length per group of a graph_apsp output (MADlib graph_avg_path_length): the finite distances between distinct vertices summed over all n(n-1) ordered pairs of the group''s n vertices (an unreachable pair counts 0, as MADlib documents and tests). SELECT indb_ml.graph_avg_path_length() shows the usage.';

CREATE FUNCTION indb_ml.graph_avg_path_length() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.measures import usage
return usage("graph_avg_path_length")
$$;
COMMENT ON FUNCTION indb_ml.graph_avg_path_length() IS 'Usage of indb_ml.graph_avg_path_length.';

CREATE FUNCTION indb_ml.graph_avg_path_length(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.measures import usage
return usage("graph_avg_path_length")
$$;
COMMENT ON FUNCTION indb_ml.graph_avg_path_length(text) IS 'Usage of indb_ml.graph_avg_path_length (''usage'' or any text; MADlib graph_avg_path_length(message)).';

CREATE FUNCTION indb_ml.graph_triangle_count(vertex_table text, vertex_id text, edge_table text, edge_args text,
                                             out_table text, grouping_cols text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.triangles import graph_triangle_count
return graph_triangle_count(plpy, vertex_table, vertex_id, edge_table, edge_args, out_table, grouping_cols)
$$;
COMMENT ON FUNCTION indb_ml.graph_triangle_count(text, text, text, text, text, text) IS
'Triangles through every vertex of the simple undirected graph and its local clustering coefficient (networkx triangles/clustering): out_table (grouping columns, vertex id, triangles, clustering_coef, degree) and out_table_summary (per group: num_triangles, average_clustering, transitivity, plan). In memory, or SQL joins above indb_ml.matrix_memory_mb (indb_ml.graph_plan). SELECT indb_ml.graph_triangle_count() shows the usage.';

CREATE FUNCTION indb_ml.graph_triangle_count() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.triangles import usage
return usage()
$$;
COMMENT ON FUNCTION indb_ml.graph_triangle_count() IS 'Usage of indb_ml.graph_triangle_count.';

CREATE FUNCTION indb_ml.graph_kcore(vertex_table text, vertex_id text, edge_table text, edge_args text,
                                    out_table text, grouping_cols text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.graph.kcore import graph_kcore
return graph_kcore(plpy, vertex_table, vertex_id, edge_table, edge_args, out_table, grouping_cols)
$$;
COMMENT ON FUNCTION indb_ml.graph_kcore(text, text, text, text, text, text) IS
'k-core decomposition of the simple undirected graph (networkx core_number): out_table (grouping columns, vertex id, core_number) and out_table_summary (per group: max_core, max_core_size, plan). In memory, or peeling with one SQL UPDATE per round above indb_ml.matrix_memory_mb (indb_ml.graph_plan). SELECT indb_ml.graph_kcore() shows the usage.';

CREATE FUNCTION indb_ml.graph_kcore() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.graph.kcore import usage
return usage()
$$;
COMMENT ON FUNCTION indb_ml.graph_kcore() IS 'Usage of indb_ml.graph_kcore.';

CREATE FUNCTION indb_ml.triangle_count(vertex_table text, vertex_id text, edge_table text, edge_args text,
                                       out_table text, grouping_cols text DEFAULT NULL)
RETURNS void LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $$ SELECT indb_ml.graph_triangle_count(vertex_table, vertex_id, edge_table, edge_args, out_table, grouping_cols) $$;
COMMENT ON FUNCTION indb_ml.triangle_count(text, text, text, text, text, text) IS
'The issue''s name for indb_ml.graph_triangle_count: triangles, local clustering coefficient and degree per vertex.';

CREATE FUNCTION indb_ml.kcore(vertex_table text, vertex_id text, edge_table text, edge_args text,
                              out_table text, grouping_cols text DEFAULT NULL)
RETURNS void LANGUAGE sql VOLATILE PARALLEL UNSAFE
AS $$ SELECT indb_ml.graph_kcore(vertex_table, vertex_id, edge_table, edge_args, out_table, grouping_cols) $$;
COMMENT ON FUNCTION indb_ml.kcore(text, text, text, text, text, text) IS
'Another name for indb_ml.graph_kcore: the k-core decomposition (core number per vertex).';

-- ---- 70_compress.sql ----
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

-- ---- 71_catalog.sql ----

-- (kept from 0.1.0: CREATE SEQUENCE indb_ml.models_id_seq;)
-- (kept from 0.1.0: CREATE TABLE indb_ml.models )
-- (kept from 0.1.0: ALTER SEQUENCE indb_ml.models_id_seq OWNED BY indb_ml.models.id;)
-- (kept from 0.1.0: CREATE INDEX models_algorithm_idx ON indb_ml.models )
-- (kept from 0.1.0: CREATE INDEX models_created_at_idx ON indb_ml.models )
-- (kept from 0.1.0: CREATE INDEX models_output_table_idx ON indb_ml.models )
-- (kept from 0.1.0: CREATE UNIQUE INDEX models_deployed_key ON indb_ml.models )
SELECT pg_catalog.pg_extension_config_dump('indb_ml.models', '');
SELECT pg_catalog.pg_extension_config_dump('indb_ml.models_id_seq', '');
-- Read only, and no privilege on the sequence (ids and versions are never the caller's to choose).
GRANT SELECT ON indb_ml.models TO PUBLIC;
-- A row is visible to a role that can read the model's output table, or that has the privileges of
-- the role that created it (the table dropped, its metrics stay its creator's). A creator role that
-- was dropped matches no role (the subquery is NULL), so it breaks nothing.
ALTER TABLE indb_ml.models ENABLE ROW LEVEL SECURITY;
CREATE POLICY models_read ON indb_ml.models FOR SELECT USING (
    COALESCE(pg_catalog.has_table_privilege(output_oid, 'SELECT'), false)
    OR COALESCE(pg_catalog.pg_has_role((SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = created_by),
                                       'USAGE'), false));
COMMENT ON TABLE indb_ml.models IS
'Model catalog: one row per trained model version (name = the output table, or SET indb_ml.model_name), with algorithm, parameters, source, lineage (partitions and row counts at training time), output tables, metrics and status (active, deployed, retired). A role sees the rows of models whose output table it can read; it writes through the training, deploy, rollback and refresh functions only.';
COMMENT ON COLUMN indb_ml.models.name IS 'Model name: the output table''s qualified name unless the setting indb_ml.model_name was set at training. A name belongs to the role that registered it first (see indb_ml.model_owner).';
COMMENT ON COLUMN indb_ml.models.lineage IS 'Source relation kind, its partitions with their row counts, and the training transaction''s snapshot.';
COMMENT ON COLUMN indb_ml.models.output_oid IS 'OID of the output table at training: a table dropped and recreated under the same name is not this version''s.';
COMMENT ON COLUMN indb_ml.models.created_by IS 'The role that registered this version, by name (a dropped role''s name stays).';
COMMENT ON COLUMN indb_ml.models.feature_names IS 'The name of each coefficient, in order: ''intercept'' for the constant 1, a column''s name, or the expression (x[1], x[2], ... for an array column).';
COMMENT ON COLUMN indb_ml.models.feature_exprs IS 'The expression of each feature as the trainer computed it (parsed from independent_varname; NULL for an array column, used whole), for indb_ml.predict: read again by indb_ml''s expression parser whenever used, never run as stored.';
COMMENT ON COLUMN indb_ml.models.grouping_cols IS 'The grouping columns: one model per group (NULL without grouping).';

-- The owner of a model name: the creator of its lowest version whose role still exists, so a
-- name passes to the next registrant when its first one is dropped, and is free again (the next
-- registration claims it) when every role that registered a version of it is gone.
CREATE FUNCTION indb_ml.model_owner(model_name text, OUT known boolean, OUT owner name, OUT owner_oid oid)
RETURNS record
LANGUAGE sql STABLE STRICT SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT EXISTS (SELECT FROM indb_ml.models m WHERE m.name = $1), o.rolname, o.oid
FROM (SELECT) one LEFT JOIN LATERAL (
    SELECT r.rolname, r.oid FROM indb_ml.models m JOIN pg_catalog.pg_roles r ON r.rolname = m.created_by
    WHERE m.name = $1 ORDER BY m.version LIMIT 1) o ON true
$$;
COMMENT ON FUNCTION indb_ml.model_owner(text) IS
'Whether model_name is in indb_ml.models, and the role that owns the name: the creator of its lowest version whose role still exists (NULL when none does: the next registration claims it). Names and owners are not secret, like table names in pg_class.';

-- The naming rule of registrations, in one place: the trigger below checks it at registration,
-- the trainers before they start (indb_ml/models/catalog.py).
CREATE FUNCTION indb_ml._model_name_check(model_name text, registrant name, output_table text) RETURNS void
LANGUAGE plpgsql STABLE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    o record;
    parts text[];
    v_owner oid;
BEGIN
    SELECT * INTO o FROM indb_ml.model_owner(model_name);
    IF o.owner_oid IS NOT NULL THEN
        IF NOT pg_catalog.pg_has_role(registrant, o.owner_oid, 'USAGE') THEN
            RAISE EXCEPTION 'permission denied to add a version to model %: the name belongs to role %', model_name, o.owner
                USING ERRCODE = '42501',
                      HINT = 'SET indb_ml.model_name to a name of your own, or RESET it to name the model after its output table';
        END IF;
    ELSIF model_name IS DISTINCT FROM output_table THEN
        -- A free name spelled as a table's qualified name is that table's owner's: nobody claims
        -- another role's table name, nor one for a table that does not exist yet.
        BEGIN
            parts := pg_catalog.parse_ident(model_name);
        EXCEPTION WHEN OTHERS THEN
            parts := NULL;
        END;
        IF pg_catalog.array_length(parts, 1) = 2
           AND model_name = pg_catalog.quote_ident(parts[1]) || '.' || pg_catalog.quote_ident(parts[2]) THEN
            SELECT c.relowner INTO v_owner FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = parts[1] AND c.relname = parts[2];
            IF v_owner IS NULL OR NOT pg_catalog.pg_has_role(registrant, v_owner, 'USAGE') THEN
                RAISE EXCEPTION 'permission denied to name a model %: that is the name of a table role % does not own',
                                model_name, registrant
                    USING ERRCODE = '42501',
                          HINT = 'name the model without a schema (SET indb_ml.model_name = ''houses''), or after a table you own';
            END IF;
        END IF;
    END IF;
END
$$;
COMMENT ON FUNCTION indb_ml._model_name_check(text, name, text) IS
'Internal: raises 42501 unless role registrant may register a model named model_name whose output table is output_table (qualified): the name is free or belongs to a role whose privileges registrant has, and a free name spelled schema.table names a table registrant owns (or the output table itself).';

-- Requests to write the catalog. A row is never stored: the BEFORE trigger carries the request out
-- and drops the row (and CHECK (false) refuses it should the trigger ever not run).
CREATE TABLE indb_ml.model_requests (
    requested_by name NOT NULL DEFAULT CURRENT_USER,
    action text NOT NULL CHECK (action IN ('register', 'deploy', 'rollback', 'refresh')),
    model_name text,
    version integer,
    model_id bigint,
    output_oid oid,
    companion_suffixes text[],
    algorithm text,
    parameters jsonb,
    source_table text,
    source_filter text,
    num_rows bigint,
    lineage jsonb,
    metrics jsonb,
    dependent_varname text,
    independent_varname text,
    feature_names text[],
    feature_exprs text[],
    grouping_cols text[],
    CONSTRAINT model_requests_never_stored CHECK (false)
);
-- Every column but requested_by: the requesting role is always CURRENT_USER at the INSERT.
GRANT INSERT (action, model_name, version, model_id, output_oid, companion_suffixes, algorithm, parameters,
              source_table, source_filter, num_rows, lineage, metrics, dependent_varname, independent_varname,
              feature_names, feature_exprs, grouping_cols) ON indb_ml.model_requests TO PUBLIC;
COMMENT ON TABLE indb_ml.model_requests IS
'Internal: how the training, deploy, rollback and refresh functions write indb_ml.models. An INSERT is carried out by a trigger as the requesting role (CURRENT_USER) is allowed; no row is ever stored.';

CREATE FUNCTION indb_ml._model_request() RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    who name := NEW.requested_by;
    v_name text;
    o record;
    t record;
    v_row record;
    v_cur record;
    listed text[];
    suffix text;
    v_q text;
    v_version integer;
BEGIN
    IF NEW.action = 'register' THEN
        SELECT c.oid, c.relowner, c.relpersistence, c.relnamespace, c.relname, n.nspname,
               pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) AS q
          INTO t
          FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE c.oid = NEW.output_oid;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'indb_ml.models: there is no table with OID % to register', NEW.output_oid
                USING ERRCODE = '42P01';
        END IF;
        IF t.relpersistence = 't' THEN
            RAISE EXCEPTION 'indb_ml.models: % is a temporary table; models in temporary tables are not registered', t.q
                USING ERRCODE = '22023';
        END IF;
        IF NOT pg_catalog.pg_has_role(who, t.relowner, 'USAGE') THEN
            RAISE EXCEPTION 'permission denied to register % in indb_ml.models: role % does not own it', t.q, who
                USING ERRCODE = '42501';
        END IF;
        v_name := COALESCE(NULLIF(pg_catalog.btrim(pg_catalog.current_setting('indb_ml.model_name', true)), ''), t.q);
        PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('indb_ml.models'), pg_catalog.hashtext(v_name));
        PERFORM indb_ml._model_name_check(v_name, who, t.q);
        listed := ARRAY[t.q];
        FOREACH suffix IN ARRAY COALESCE(NEW.companion_suffixes, '{}'::text[]) LOOP
            v_q := NULL;
            SELECT pg_catalog.quote_ident(t.nspname) || '.' || pg_catalog.quote_ident(c.relname) INTO v_q
              FROM pg_catalog.pg_class c
             WHERE c.relnamespace = t.relnamespace AND c.relname = t.relname || suffix AND c.relowner = t.relowner
               AND c.oid <> t.oid;
            IF v_q IS NOT NULL THEN
                listed := listed || v_q;
            END IF;
        END LOOP;
        -- Versions whose output table no longer exists (or was replaced by this one) are retired.
        UPDATE indb_ml.models m SET status = 'retired'
         WHERE m.name = v_name AND m.status <> 'retired'
           AND (m.output_oid = t.oid OR NOT EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid = m.output_oid));
        SELECT COALESCE(pg_catalog.max(m.version), 0) + 1 INTO v_version FROM indb_ml.models m WHERE m.name = v_name;
        INSERT INTO indb_ml.models (name, version, algorithm, parameters, source_table, source_filter, num_rows,
                                    lineage, output_table, output_tables, output_oid, metrics, created_by,
                                    dependent_varname, independent_varname, feature_names, feature_exprs,
                                    grouping_cols)
        VALUES (v_name, v_version, NEW.algorithm, COALESCE(NEW.parameters, '{}'), NEW.source_table, NEW.source_filter,
                NEW.num_rows, COALESCE(NEW.lineage, '{}'), t.q, listed, t.oid, COALESCE(NEW.metrics, '{}'), who,
                NEW.dependent_varname, NEW.independent_varname, NEW.feature_names, NEW.feature_exprs,
                NEW.grouping_cols);
        RETURN NULL;
    END IF;

    -- deploy, rollback, refresh: a member of the name's owner only.
    IF NEW.action = 'refresh' THEN
        SELECT x.name INTO v_name FROM indb_ml.models x WHERE x.id = NEW.model_id;
    ELSE
        v_name := NEW.model_name;
    END IF;
    IF v_name IS NULL THEN
        RAISE EXCEPTION 'model % is not in indb_ml.models', COALESCE(pg_catalog.quote_literal(NEW.model_name), 'NULL')
            USING ERRCODE = '42P01', HINT = 'SELECT name, version FROM indb_ml.models';
    END IF;
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('indb_ml.models'), pg_catalog.hashtext(v_name));
    SELECT * INTO o FROM indb_ml.model_owner(v_name);
    IF NOT o.known THEN
        RAISE EXCEPTION 'model % is not in indb_ml.models', pg_catalog.quote_literal(v_name)
            USING ERRCODE = '42P01', HINT = 'SELECT name, version FROM indb_ml.models';
    END IF;
    IF o.owner_oid IS NULL THEN
        RAISE EXCEPTION 'permission denied to % model %: every role that registered it was dropped', NEW.action, v_name
            USING ERRCODE = '42501', HINT = 'train a new version under this name to claim it';
    END IF;
    IF NOT pg_catalog.pg_has_role(who, o.owner_oid, 'USAGE') THEN
        RAISE EXCEPTION 'permission denied to % model %: it belongs to role %, which created it', NEW.action, v_name, o.owner
            USING ERRCODE = '42501', HINT = pg_catalog.format('only %s and its members can deploy, roll back or refresh it',
                                                              o.owner);
    END IF;

    IF NEW.action = 'refresh' THEN
        UPDATE indb_ml.models x SET metrics = COALESCE(NEW.metrics, '{}'), num_rows = NEW.num_rows,
               lineage = COALESCE(NEW.lineage, '{}'), refreshed_at = pg_catalog.now(),
               num_refreshes = x.num_refreshes + 1
         WHERE x.id = NEW.model_id;
    ELSIF NEW.action = 'deploy' THEN
        IF NEW.version IS NULL THEN
            SELECT * INTO v_row FROM indb_ml.models x WHERE x.name = v_name ORDER BY x.version DESC LIMIT 1;
        ELSE
            SELECT * INTO v_row FROM indb_ml.models x WHERE x.name = v_name AND x.version = NEW.version;
        END IF;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'model % version % is not in indb_ml.models', pg_catalog.quote_literal(v_name), NEW.version
                USING ERRCODE = '42P01', HINT = 'SELECT name, version FROM indb_ml.models';
        END IF;
        IF v_row.status = 'retired' OR pg_catalog.to_regclass(v_row.output_table)::oid IS DISTINCT FROM v_row.output_oid THEN
            RAISE EXCEPTION 'model % version % cannot be deployed: its output table % was dropped or replaced',
                            v_name, v_row.version, v_row.output_table
                USING ERRCODE = '22023', HINT = 'deploy another version';
        END IF;
        IF v_row.status <> 'deployed' THEN
            UPDATE indb_ml.models x SET status = 'active' WHERE x.name = v_name AND x.status = 'deployed';
            UPDATE indb_ml.models x SET status = 'deployed', deployed_at = pg_catalog.now() WHERE x.id = v_row.id;
        END IF;
    ELSE  -- rollback
        SELECT * INTO v_cur FROM indb_ml.models x WHERE x.name = v_name AND x.status = 'deployed';
        IF NOT FOUND THEN
            RAISE EXCEPTION 'model % has no deployed version to roll back', v_name
                USING ERRCODE = '22023', HINT = 'deploy one first: SELECT indb_ml.model_deploy(name, version)';
        END IF;
        FOR v_row IN SELECT * FROM indb_ml.models x WHERE x.name = v_name AND x.version < v_cur.version
                 AND x.status <> 'retired' ORDER BY x.version DESC LOOP
            IF pg_catalog.to_regclass(v_row.output_table)::oid IS NOT DISTINCT FROM v_row.output_oid THEN
                UPDATE indb_ml.models x SET status = 'retired' WHERE x.id = v_cur.id;
                UPDATE indb_ml.models x SET status = 'deployed', deployed_at = pg_catalog.now() WHERE x.id = v_row.id;
                RETURN NULL;
            END IF;
        END LOOP;
        RAISE EXCEPTION 'model %: no earlier version than % can be deployed', v_name, v_cur.version
            USING ERRCODE = '22023', HINT = 'its earlier versions were retired or their tables dropped';
    END IF;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION indb_ml._model_request() FROM PUBLIC;
COMMENT ON FUNCTION indb_ml._model_request() IS
'Internal (trigger of indb_ml.model_requests): registers a model version, deploys, rolls back, or records a refresh, as the requesting role is allowed: it registers only tables it owns, under names it owns (or free names), and deploys, rolls back or refreshes only models whose name its role owns.';
CREATE TRIGGER model_requests_apply BEFORE INSERT ON indb_ml.model_requests
    FOR EACH ROW EXECUTE FUNCTION indb_ml._model_request();

CREATE VIEW indb_ml.deployed_models WITH (security_invoker = true) AS
SELECT name, version, algorithm, output_table, output_tables, parameters, metrics, num_rows, source_table,
       created_at, created_by, deployed_at, refreshed_at, dependent_varname, independent_varname, feature_names,
       grouping_cols
FROM indb_ml.models
WHERE status = 'deployed' AND COALESCE(pg_catalog.has_table_privilege(output_oid, 'SELECT'), false);
GRANT SELECT ON indb_ml.deployed_models TO PUBLIC;
COMMENT ON VIEW indb_ml.deployed_models IS 'The deployed version of each model (indb_ml.model_deploy, indb_ml.model_rollback) whose table the querying role can read (indb_ml.model_grant).';

CREATE FUNCTION indb_ml.model_deploy(model_name text, version integer DEFAULT NULL) RETURNS indb_ml.models
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.models.catalog import model_deploy
return model_deploy(plpy, model_name, version)
$$;
COMMENT ON FUNCTION indb_ml.model_deploy(text, integer) IS
'Mark one version of a model as deployed (NULL version: the latest); the previously deployed version becomes active. Returns the catalog row.';

CREATE FUNCTION indb_ml.model_deploy() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.models.catalog import catalog_help
return catalog_help()
$$;
COMMENT ON FUNCTION indb_ml.model_deploy() IS 'Usage of the model catalog functions.';

CREATE FUNCTION indb_ml.model_rollback(model_name text) RETURNS indb_ml.models
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.models.catalog import model_rollback
return model_rollback(plpy, model_name)
$$;
COMMENT ON FUNCTION indb_ml.model_rollback(text) IS
'Deploy the previous version of a model (the highest version below the deployed one whose tables still exist); the rolled-back version is retired. Returns the catalog row.';

CREATE FUNCTION indb_ml.model_rollback() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.models.catalog import catalog_help
return catalog_help()
$$;
COMMENT ON FUNCTION indb_ml.model_rollback() IS 'Usage of the model catalog functions.';

CREATE FUNCTION indb_ml.linregr_train_incremental(
    source_table text,
    out_table text,
    dependent_varname text,
    independent_varname text,
    grouping_cols text DEFAULT NULL,
    OUT model_name text, OUT version integer, OUT tables text[]
) RETURNS record
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.models.incremental import linregr_train_incremental
return linregr_train_incremental(plpy, source_table, out_table, dependent_varname, independent_varname, grouping_cols)
$$;
COMMENT ON FUNCTION indb_ml.linregr_train_incremental(text, text, text, text, text) IS
'linregr_train that also keeps per-partition moment states in out_table_state, so indb_ml.model_refresh(out_table) refits from only the changed partitions. SELECT indb_ml.linregr_train_incremental() for usage.';

CREATE FUNCTION indb_ml.linregr_train_incremental() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.models.incremental import incremental_help
return incremental_help()
$$;
COMMENT ON FUNCTION indb_ml.linregr_train_incremental() IS 'Usage of indb_ml.linregr_train_incremental and indb_ml.model_refresh.';

CREATE FUNCTION indb_ml.linregr_train_incremental(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.models.incremental import incremental_help
return incremental_help()
$$;
COMMENT ON FUNCTION indb_ml.linregr_train_incremental(text) IS
'Usage of indb_ml.linregr_train_incremental (''usage'' or any text).';

CREATE FUNCTION indb_ml.model_refresh(model_name text) RETURNS TABLE (
    model text,
    version integer,
    partitions integer,
    partitions_recomputed integer,
    partitions_appended integer,
    partitions_dropped integer,
    rows_scanned bigint,
    num_rows_processed bigint
)
LANGUAGE plpython3u VOLATILE STRICT PARALLEL UNSAFE
AS $$
from indb_ml.models.incremental import model_refresh
return model_refresh(plpy, model_name)
$$;
COMMENT ON FUNCTION indb_ml.model_refresh(text) IS
'Refit an incremental model (linregr_train_incremental) from its stored per-partition states: only new or changed partitions are scanned (rows appended to a partition: only those rows). The result equals a full retrain.';

CREATE FUNCTION indb_ml.model_refresh() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.models.incremental import incremental_help
return incremental_help()
$$;
COMMENT ON FUNCTION indb_ml.model_refresh() IS 'Usage of indb_ml.model_refresh.';

-- ---- 72_knn.sql ----
-- k-nearest neighbours (MADlib knn) over pgvector: a LATERAL top-k join per test point, served by an
-- HNSW or IVFFlat index when one matches, exact otherwise

CREATE FUNCTION indb_ml.knn(point_source text, point_column_name text, point_id text, label_column_name text,
                            test_source text, test_column_name text, test_id text, output_table text,
                            k integer DEFAULT 1, output_neighbors boolean DEFAULT true,
                            fn_dist text DEFAULT 'squared_dist_norm2', weighted_avg boolean DEFAULT false,
                            algorithm text DEFAULT 'brute_force', algorithm_params text DEFAULT NULL)
RETURNS void LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.neighbors.knn import knn
return knn(plpy, point_source, point_column_name, point_id, label_column_name, test_source, test_column_name,
           test_id, output_table, k, output_neighbors, fn_dist, weighted_avg, algorithm, algorithm_params)
$$;
COMMENT ON FUNCTION indb_ml.knn(text, text, text, text, text, text, text, text, integer, boolean, text, boolean, text, text) IS
'k-nearest neighbours (MADlib knn): classification by majority vote (boolean, integer, text labels; a tie goes to the label whose nearest member ranks first), regression by the mean (real, float8, numeric), or neighbours only (label_column_name NULL); weighted_avg weights by 1/distance. fn_dist squared_dist_norm2 (default), dist_norm2, dist_norm1, dist_angle, dist_tanimoto, on pgvector (float4), or the name of a function (float8[], float8[]) RETURNS float8 you may execute (exact search in SQL). algorithm brute_force (the default, exact, as MADlib), auto (an HNSW/IVFFlat index when one matches and the planner prefers it, else exact), hnsw or ivfflat (builds the index on point_source if none matches, and keeps it), kd_tree (MADlib''s approximate kd-tree search); algorithm_params ''ef_search=100, probes=5, m=16, ef_construction=64, lists=20'' or, for kd_tree, ''depth=3, leaf_nodes=2''. Writes output_table (id, <test_column_name>, prediction, k_nearest_neighbours, distance) and, as MADlib, no summary table (SET client_min_messages = debug2 shows the search and its plan). SELECT indb_ml.knn() shows the usage.';

CREATE FUNCTION indb_ml.knn() RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.neighbors.knn import knn_help
return knn_help()
$$;
COMMENT ON FUNCTION indb_ml.knn() IS 'Usage of indb_ml.knn.';

CREATE FUNCTION indb_ml.knn(message text) RETURNS text
LANGUAGE plpython3u IMMUTABLE PARALLEL SAFE
AS $$
from indb_ml.neighbors.knn import knn_help
return knn_help()
$$;
COMMENT ON FUNCTION indb_ml.knn(text) IS 'Usage of indb_ml.knn (MADlib''s knn(''usage'') / knn(''help'')).';

-- ---- 73_bi.sql ----
-- BI tools: fits that write nothing (*_fit), models by name (predict, model_coefficients), typed views, read access

-- Fits that return the model as rows. Each runs its trainer's code (same checks, plans and numbers) with the
-- writes captured, inside a read-only subtransaction that is rolled back: no table, summary or catalog row is
-- made, so they work in a read-only transaction (a BI tool's SQL editor) and in CREATE TABLE ... AS.
-- indb_ml/regress/fit_rows.py. The group of each row is group_key (jsonb; NULL without grouping).

CREATE FUNCTION indb_ml.linregr_fit(source_table text, dependent_varname text, independent_varname text,
                                    grouping_cols text DEFAULT NULL, heteroskedasticity_option boolean DEFAULT false)
RETURNS TABLE (group_key jsonb, coef float8[], r2 float8, std_err float8[], t_stats float8[], p_values float8[],
               condition_no float8, num_rows_processed bigint, num_missing_rows_skipped bigint,
               variance_covariance float8[], bp_stats float8, bp_p_value float8)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
from indb_ml.regress.fit_rows import linregr_fit
return linregr_fit(plpy, source_table, dependent_varname, independent_varname, grouping_cols,
                   heteroskedasticity_option)
$$;
COMMENT ON FUNCTION indb_ml.linregr_fit(text, text, text, text, boolean) IS
'linregr_train''s model returned as rows (one per group), nothing written: works in a read-only transaction and in CREATE TABLE AS. bp_stats and bp_p_value are NULL unless heteroskedasticity_option.';

CREATE FUNCTION indb_ml.logregr_fit(source_table text, dependent_varname text, independent_varname text,
                                    grouping_cols text DEFAULT NULL, max_iter integer DEFAULT 20,
                                    optimizer text DEFAULT 'irls', tolerance float8 DEFAULT 0.0001,
                                    verbose boolean DEFAULT false)
RETURNS TABLE (group_key jsonb, coef float8[], log_likelihood float8, std_err float8[], z_stats float8[],
               p_values float8[], odds_ratios float8[], condition_no float8, num_rows_processed bigint,
               num_missing_rows_skipped bigint, num_iterations integer, variance_covariance float8[], status text)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
from indb_ml.regress.fit_rows import logregr_fit
return logregr_fit(plpy, source_table, dependent_varname, independent_varname, grouping_cols, max_iter, optimizer,
                   tolerance, verbose)
$$;
COMMENT ON FUNCTION indb_ml.logregr_fit(text, text, text, text, integer, text, float8, boolean) IS
'logregr_train''s model returned as rows (one per group), nothing written: works in a read-only transaction and in CREATE TABLE AS (optimizer igd, which streams through temporary tables, is refused).';

CREATE FUNCTION indb_ml.glm_fit(source_table text, dependent_varname text, independent_varname text,
                                family_params text, grouping_col text DEFAULT NULL, optim_params text DEFAULT NULL,
                                verbose boolean DEFAULT false)
RETURNS TABLE (group_key jsonb, coef float8[], log_likelihood float8, std_err float8[], t_stats float8[],
               z_stats float8[], p_values float8[], dispersion float8, num_rows_processed bigint,
               num_rows_skipped bigint, num_iterations integer, status text)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
from indb_ml.regress.fit_rows import glm_fit
return glm_fit(plpy, source_table, dependent_varname, independent_varname, family_params, grouping_col,
               optim_params, verbose)
$$;
COMMENT ON FUNCTION indb_ml.glm_fit(text, text, text, text, text, text, boolean) IS
'glm''s model returned as rows (one per group), nothing written: works in a read-only transaction and in CREATE TABLE AS. t_stats (families with a dispersion) or z_stats (binomial, poisson) is set, the other NULL.';

CREATE FUNCTION indb_ml.mlogregr_fit(source_table text, dependent_varname text, independent_varname text,
                                     ref_category integer DEFAULT 0, optimizer_params text DEFAULT NULL)
RETURNS TABLE (category integer, coef float8[], log_likelihood float8, std_err float8[], z_stats float8[],
               p_values float8[], odds_ratios float8[], condition_no float8, num_iterations integer,
               num_rows_processed bigint, num_rows_skipped bigint, variance_covariance float8[], status text)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
from indb_ml.regress.fit_rows import mlogregr_fit
return mlogregr_fit(plpy, source_table, dependent_varname, independent_varname, ref_category, optimizer_params)
$$;
COMMENT ON FUNCTION indb_ml.mlogregr_fit(text, text, text, integer, text) IS
'mlogregr_train''s model returned as rows (one per non-reference category), nothing written.';

CREATE FUNCTION indb_ml.multinom_fit(source_table text, dependent_varname text, independent_varname text,
                                     ref_category text DEFAULT NULL, link_func text DEFAULT 'logit',
                                     grouping_col text DEFAULT NULL, optim_params text DEFAULT NULL,
                                     verbose boolean DEFAULT false)
RETURNS TABLE (group_key jsonb, category varchar, coef float8[], log_likelihood float8, std_err float8[],
               z_stats float8[], p_values float8[], num_rows_processed bigint, num_rows_skipped bigint,
               num_iterations integer, status text)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
from indb_ml.regress.fit_rows import multinom_fit
return multinom_fit(plpy, source_table, dependent_varname, independent_varname, ref_category, link_func,
                    grouping_col, optim_params, verbose)
$$;
COMMENT ON FUNCTION indb_ml.multinom_fit(text, text, text, text, text, text, text, boolean) IS
'multinom''s model returned as rows (one per group and non-reference category, category varchar as multinom writes it), nothing written.';

CREATE FUNCTION indb_ml.multinom_fit(source_table text, dependent_varname text, independent_varname text,
                                     ref_category integer, link_func text DEFAULT 'logit',
                                     grouping_col text DEFAULT NULL, optim_params text DEFAULT NULL,
                                     verbose boolean DEFAULT false)
RETURNS TABLE (group_key jsonb, category varchar, coef float8[], log_likelihood float8, std_err float8[],
               z_stats float8[], p_values float8[], num_rows_processed bigint, num_rows_skipped bigint,
               num_iterations integer, status text)
LANGUAGE sql VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
SELECT * FROM indb_ml.multinom_fit($1, $2, $3, $4::text, $5, $6, $7, $8)
$$;
COMMENT ON FUNCTION indb_ml.multinom_fit(text, text, text, integer, text, text, text, boolean) IS
'multinom_fit with an integer ref_category (indb_ml''s earlier form): the same as passing it as text.';

CREATE FUNCTION indb_ml.ordinal_fit(source_table text, dependent_varname text, independent_varname text,
                                    cat_order text, link_func text DEFAULT 'logit', grouping_col text DEFAULT NULL,
                                    verbose boolean DEFAULT false)
RETURNS TABLE (group_key jsonb, coef_threshold float8[], std_err_threshold float8[], z_stats_threshold float8[],
               p_values_threshold float8[], log_likelihood float8, coef_feature float8[], std_err_feature float8[],
               z_stats_feature float8[], p_values_feature float8[], num_rows_processed bigint, num_rows_skipped bigint,
               num_iterations integer)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
from indb_ml.regress.fit_rows import ordinal_fit
return ordinal_fit(plpy, source_table, dependent_varname, independent_varname, cat_order, link_func, grouping_col,
                   verbose)
$$;
COMMENT ON FUNCTION indb_ml.ordinal_fit(text, text, text, text, text, text, boolean) IS
'ordinal''s model returned as rows (one per group), nothing written.';

CREATE FUNCTION indb_ml.elastic_net_fit(tbl_source text, col_dep_var text, col_ind_var text, regress_family text,
                                        alpha float8, lambda_value float8, standardize boolean DEFAULT true,
                                        grouping_col text DEFAULT NULL, optimizer text DEFAULT 'fista',
                                        optimizer_params text DEFAULT NULL, excluded text DEFAULT NULL,
                                        max_iter integer DEFAULT 1000, tolerance float8 DEFAULT 0.000001)
RETURNS TABLE (group_key jsonb, family text, features text[], features_selected text[], coef_nonzero float8[],
               coef_all float8[], intercept float8, log_likelihood float8, iteration_run integer)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
from indb_ml.regress.fit_rows import elastic_net_fit
return elastic_net_fit(plpy, tbl_source, col_dep_var, col_ind_var, regress_family, alpha, lambda_value, standardize,
                       grouping_col, optimizer, optimizer_params, excluded, max_iter, tolerance)
$$;
COMMENT ON FUNCTION indb_ml.elastic_net_fit(text, text, text, text, float8, float8, boolean, text, text, text, text, integer, float8) IS
'elastic_net_train''s model returned as rows (one per group), nothing written (optimizer_params validation_result, a table, is refused).';

CREATE FUNCTION indb_ml.robust_variance_linregr_fit(source_table text, dependent_varname text,
                                                    independent_varname text, grouping_cols text DEFAULT NULL)
RETURNS TABLE (group_key jsonb, coef float8[], std_err float8[], t_stats float8[], p_values float8[],
               num_rows_processed bigint, num_missing_rows_skipped bigint)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
from indb_ml.regress.fit_rows import robust_variance_fit
return robust_variance_fit(plpy, "linregr", source_table, dependent_varname, independent_varname, grouping_cols)
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_linregr_fit(text, text, text, text) IS
'robust_variance_linregr''s model returned as rows (one per group), nothing written.';

CREATE FUNCTION indb_ml.robust_variance_logregr_fit(source_table text, dependent_varname text,
                                                    independent_varname text, grouping_cols text DEFAULT NULL,
                                                    max_iter integer DEFAULT 20, optimizer text DEFAULT 'irls',
                                                    tolerance float8 DEFAULT 0.0001)
RETURNS TABLE (group_key jsonb, coef float8[], std_err float8[], z_stats float8[], p_values float8[],
               num_rows_processed bigint, num_missing_rows_skipped bigint)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
from indb_ml.regress.fit_rows import robust_variance_fit
return robust_variance_fit(plpy, "logregr", source_table, dependent_varname, independent_varname, grouping_cols,
                           max_iter, optimizer, tolerance)
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_logregr_fit(text, text, text, text, integer, text, float8) IS
'robust_variance_logregr''s model returned as rows (one per group), nothing written.';

CREATE FUNCTION indb_ml.robust_variance_mlogregr_fit(source_table text, dependent_varname text,
                                                     independent_varname text, ref_category integer DEFAULT 0,
                                                     grouping_cols text DEFAULT NULL,
                                                     optimizer_params text DEFAULT NULL)
RETURNS TABLE (group_key jsonb, category integer, coef float8[], std_err float8[], z_stats float8[],
               p_values float8[], num_rows_processed bigint, num_missing_rows_skipped bigint)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
from indb_ml.regress.fit_rows import robust_variance_fit
return robust_variance_fit(plpy, "mlogregr", source_table, dependent_varname, independent_varname, ref_category,
                           grouping_cols, optimizer_params)
$$;
COMMENT ON FUNCTION indb_ml.robust_variance_mlogregr_fit(text, text, text, integer, text, text) IS
'robust_variance_mlogregr''s model returned as rows (one per group and non-reference category), nothing written.';

CREATE FUNCTION indb_ml.clustered_variance_linregr_fit(source_table text, dependent_varname text,
                                                       independent_varname text, clustervar text)
RETURNS TABLE (coef float8[], std_err float8[], t_stats float8[], p_values float8[], num_clusters integer,
               num_rows_processed bigint, num_missing_rows_skipped bigint)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 1
AS $$
from indb_ml.regress.fit_rows import clustered_variance_fit
return clustered_variance_fit(plpy, "linregr", source_table, dependent_varname, independent_varname, clustervar)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_linregr_fit(text, text, text, text) IS
'clustered_variance_linregr''s model returned as a row, nothing written.';

CREATE FUNCTION indb_ml.clustered_variance_logregr_fit(source_table text, dependent_varname text,
                                                       independent_varname text, clustervar text,
                                                       max_iter integer DEFAULT 20, optimizer text DEFAULT 'irls',
                                                       tolerance float8 DEFAULT 0.0001)
RETURNS TABLE (coef float8[], std_err float8[], z_stats float8[], p_values float8[], num_clusters integer,
               num_rows_processed bigint, num_missing_rows_skipped bigint)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 1
AS $$
from indb_ml.regress.fit_rows import clustered_variance_fit
return clustered_variance_fit(plpy, "logregr", source_table, dependent_varname, independent_varname, clustervar,
                              max_iter, optimizer, tolerance)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_logregr_fit(text, text, text, text, integer, text, float8) IS
'clustered_variance_logregr''s model returned as a row, nothing written.';

CREATE FUNCTION indb_ml.clustered_variance_mlogregr_fit(source_table text, dependent_varname text,
                                                        independent_varname text, clustervar text,
                                                        ref_category integer DEFAULT 0,
                                                        optimizer_params text DEFAULT NULL)
RETURNS TABLE (category integer, coef float8[], std_err float8[], z_stats float8[], p_values float8[],
               num_clusters integer, num_rows_processed bigint, num_missing_rows_skipped bigint)
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE ROWS 10
AS $$
from indb_ml.regress.fit_rows import clustered_variance_fit
return clustered_variance_fit(plpy, "mlogregr", source_table, dependent_varname, independent_varname, clustervar,
                              ref_category, optimizer_params)
$$;
COMMENT ON FUNCTION indb_ml.clustered_variance_mlogregr_fit(text, text, text, text, integer, text) IS
'clustered_variance_mlogregr''s model returned as rows (one per non-reference category), nothing written.';

-- Models by name (indb_ml/models/by_name.py): the feature expressions and grouping stored with each version in
-- indb_ml.models are parsed again and rendered into one query, which PL/pgSQL runs as the caller; the per-row
-- work is the C predict functions.

CREATE FUNCTION indb_ml._predict_sql(model_name text, source text, id_column text, version integer) RETURNS text
LANGUAGE plpython3u STABLE PARALLEL UNSAFE
AS $$
from indb_ml.models.by_name import predict_sql
return predict_sql(plpy, model_name, source, id_column, version)
$$;
COMMENT ON FUNCTION indb_ml._predict_sql(text, text, text, integer) IS
'Internal: the query of indb_ml.predict, built from the catalog''s feature expressions (parsed again, quoted by indb_ml).';

CREATE FUNCTION indb_ml.predict(model_name text, source text, id_column text, version integer DEFAULT NULL)
RETURNS TABLE (id text, prediction float8, probability float8, category text)
LANGUAGE plpgsql STABLE PARALLEL UNSAFE
AS $$
BEGIN
    RETURN QUERY EXECUTE indb_ml._predict_sql(model_name, source, id_column, version);
END
$$;
COMMENT ON FUNCTION indb_ml.predict(text, text, text, integer) IS
'Score every row of source (a table or view) with a model by name: version NULL is the deployed version (else the latest not retired). The features are computed from the expressions stored with that version, in its order; id is id_column as text. linregr and elastic_net gaussian: prediction; logregr, glm binomial, elastic_net binomial: probability and prediction (probability >= 0.5, as 1 or 0); other glm families: the mean response; multinom, mlogregr_train and ordinal: the most probable category as category (text), its probability, and as prediction the category (multinom, mlogregr: integers) or its rank 1..K in cat_order (ordinal); category is NULL for the other models. A row with a NULL feature, or of a group without a model, gets NULL. The model''s tables must be readable by the caller (indb_ml.model_grant).';

-- The same under a name no SQL parser reads as something else: sqlglot (inside Apache Superset, which re-renders
-- every query) takes "FROM predict(...)" for BigQuery ML's PREDICT(MODEL ..., TABLE ...) and rewrites it.
CREATE FUNCTION indb_ml.score(model_name text, source text, id_column text, version integer DEFAULT NULL)
RETURNS TABLE (id text, prediction float8, probability float8, category text)
LANGUAGE plpgsql STABLE PARALLEL UNSAFE
AS $$
BEGIN
    RETURN QUERY EXECUTE indb_ml._predict_sql(model_name, source, id_column, version);
END
$$;
COMMENT ON FUNCTION indb_ml.score(text, text, text, integer) IS
'indb_ml.predict under another name, same arguments and rows: for BI tools that parse SQL (Apache Superset re-renders every query with sqlglot, which rewrites "FROM predict(...)" as BigQuery ML''s PREDICT and breaks it); SELECT * FROM indb_ml.score(''houses_model'', ''houses'', ''id'') works there as written.';

CREATE FUNCTION indb_ml._coefficients_sql(model_name text, version integer, strict boolean) RETURNS text
LANGUAGE plpython3u STABLE PARALLEL UNSAFE
AS $$
from indb_ml.models.by_name import coefficients_sql
return coefficients_sql(plpy, model_name, version, strict)
$$;
COMMENT ON FUNCTION indb_ml._coefficients_sql(text, integer, boolean) IS
'Internal: the query of indb_ml.model_coefficients (not strict: no rows instead of an error, for the views).';

CREATE FUNCTION indb_ml.model_coefficients(model_name text, version integer DEFAULT NULL)
RETURNS TABLE (group_key jsonb, category text, term_index integer, term text, coef float8, std_err float8,
               statistic float8, p_value float8, odds_ratio float8)
LANGUAGE plpgsql STABLE PARALLEL UNSAFE
AS $$
BEGIN
    RETURN QUERY EXECUTE indb_ml._coefficients_sql(model_name, version, true);
END
$$;
COMMENT ON FUNCTION indb_ml.model_coefficients(text, integer) IS
'One row per coefficient of a model by name (version NULL: the deployed one, else the latest not retired): its group (jsonb), category (multinomial models; text, as MADlib''s multinom categories are varchar: ''2'' or ''high''), position, term name (''intercept'' for the constant 1, the column or the expression), coef, std_err, statistic (t or z), p_value, and odds_ratio = exp(coef) for logistic models. Ordinal models list their thresholds after the features; elastic net its intercept first.';

CREATE FUNCTION indb_ml._model_coefficients(model_name text, version integer)
RETURNS TABLE (group_key jsonb, category text, term_index integer, term text, coef float8, std_err float8,
               statistic float8, p_value float8, odds_ratio float8)
LANGUAGE plpgsql STABLE PARALLEL UNSAFE
AS $$
BEGIN
    RETURN QUERY EXECUTE indb_ml._coefficients_sql(model_name, version, false);
END
$$;
COMMENT ON FUNCTION indb_ml._model_coefficients(text, integer) IS
'Internal: model_coefficients for the views, no rows for a model the caller cannot use.';

CREATE FUNCTION indb_ml._group_label(group_key jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.string_agg(e.key || '=' || COALESCE(e.value, 'NULL'), ', ' ORDER BY e.key)
      FROM pg_catalog.jsonb_each_text($1) e $$;
COMMENT ON FUNCTION indb_ml._group_label(jsonb) IS
'Internal: a group key as text for dashboards, ''bedroom=3, zone=east'' (NULL without grouping).';

-- Typed views for BI tools: scalar columns only (no arrays, composites or jsonb to be read as text), rows of the
-- models whose tables the querying role can read.
CREATE VIEW indb_ml.deployed_coefficients WITH (security_invoker = true) AS
SELECT d.name AS model_name, d.version, d.algorithm, indb_ml._group_label(c.group_key) AS group_label,
       c.category, c.term_index, c.term, c.coef, c.std_err, c.statistic, c.p_value, c.odds_ratio
FROM indb_ml.deployed_models d
CROSS JOIN LATERAL indb_ml._model_coefficients(d.name, d.version) c;
GRANT SELECT ON indb_ml.deployed_coefficients TO PUBLIC;
COMMENT ON VIEW indb_ml.deployed_coefficients IS
'One typed row per coefficient of every deployed model the querying role can read: model_name, version, algorithm, group_label (''zone=east''), category, term_index, term, coef, std_err, statistic, p_value, odds_ratio.';

CREATE VIEW indb_ml.model_metrics WITH (security_invoker = true) AS
SELECT m.name AS model_name, m.version, m.algorithm, m.status AS model_status,
       indb_ml._group_label(g.group_key) AS group_label, g.num_rows, g.r2, g.log_likelihood,
       CASE WHEN m.algorithm <> 'elastic_net' THEN 2 * k.k - 2 * g.log_likelihood END AS aic,
       CASE WHEN m.algorithm <> 'elastic_net' AND g.num_rows > 0
            THEN k.k * pg_catalog.ln(g.num_rows) - 2 * g.log_likelihood END AS bic,
       k.k AS num_parameters, g.iterations, g.status, g.condition_no
FROM indb_ml.models m
CROSS JOIN LATERAL (
    SELECT x.group_key, pg_catalog.count(*) AS equations,
           pg_catalog.max((x.r ->> 'num_rows_processed')::bigint) AS num_rows,
           pg_catalog.max((x.r ->> 'r2')::float8) AS r2,
           pg_catalog.max((x.r ->> 'log_likelihood')::float8) AS log_likelihood,
           pg_catalog.max(COALESCE(x.r ->> 'num_iterations', x.r ->> 'iteration', x.r ->> 'iteration_run')::integer)
               AS iterations,
           pg_catalog.max(x.r ->> 'status') AS status,
           pg_catalog.max((x.r ->> 'condition_no')::float8) AS condition_no
    FROM (SELECT e.r, (SELECT pg_catalog.jsonb_object_agg(c.c, e.r -> c.c)
                       FROM pg_catalog.unnest(m.grouping_cols) c(c)) AS group_key
          FROM pg_catalog.jsonb_array_elements(CASE WHEN m.metrics ? 'rows' THEN m.metrics -> 'rows'
                                                    ELSE pg_catalog.jsonb_build_array(m.metrics) END) e(r)) x
    GROUP BY x.group_key) g
CROSS JOIN LATERAL (
    SELECT (CASE WHEN m.algorithm = 'ordinal'
                 THEN pg_catalog.cardinality(m.feature_names)
                      + pg_catalog.cardinality(pg_catalog.string_to_array(m.parameters ->> 'cat_order', ',')) - 1
                 ELSE pg_catalog.cardinality(m.feature_names) * g.equations END)::integer AS k) k;
GRANT SELECT ON indb_ml.model_metrics TO PUBLIC;
COMMENT ON VIEW indb_ml.model_metrics IS
'One typed row per model version and group (of the models whose tables the querying role can read): num_rows, r2 (linear models), log_likelihood, aic = 2k - 2 log_likelihood and bic = k ln(num_rows) - 2 log_likelihood where a likelihood is known (k = num_parameters, the coefficients: statsmodels'' convention; R''s AIC(lm) also counts the variance, aic + 2, BIC(lm) bic + ln(num_rows)); linear models (linregr_train, linregr_train_incremental): the Gaussian log-likelihood at the ML scale RSS/n, as glm gaussian and statsmodels'' OLS; elastic net: NULL; iterations, status, condition_no. Read from indb_ml.models.metrics (the first 200 groups of a model).';

-- Read access: the model's owner grants its tables; indb_ml_reader is the role for dashboards.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'indb_ml_reader') THEN
        CREATE ROLE indb_ml_reader NOLOGIN;
    END IF;
END
$$;

-- No SET search_path: a table name is resolved in the caller's search_path ('houses_lr' finds public.houses_lr), as
-- model_deploy and predict resolve it; every name in the body is schema-qualified, and it runs as the caller.
CREATE FUNCTION indb_ml.model_grant(model_name text, role_name text) RETURNS text[]
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
AS $$
DECLARE
    v_name text := model_name;
    o record;
    t record;
    grantee text;
    granted text[] := '{}';
BEGIN
    IF v_name IS NULL OR role_name IS NULL THEN
        RAISE EXCEPTION 'model_grant: model_name and role_name must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF NOT (indb_ml.model_owner(v_name)).known THEN  -- a table name: its model's name
        SELECT m.name INTO v_name FROM indb_ml.models m
         WHERE m.output_oid = pg_catalog.to_regclass(model_name) ORDER BY m.version DESC LIMIT 1;
    END IF;
    SELECT * INTO o FROM indb_ml.model_owner(COALESCE(v_name, model_name));
    IF NOT o.known THEN
        RAISE EXCEPTION 'model % is not in indb_ml.models', pg_catalog.quote_literal(model_name)
            USING ERRCODE = '42P01', HINT = 'SELECT name, version FROM indb_ml.models';
    END IF;
    IF o.owner_oid IS NULL OR NOT pg_catalog.pg_has_role(o.owner_oid, 'USAGE') THEN
        RAISE EXCEPTION 'permission denied to grant model %: it belongs to role %', v_name, COALESCE(o.owner, '(dropped)')
            USING ERRCODE = '42501', HINT = pg_catalog.format('only %s and its members can grant it', o.owner);
    END IF;
    IF pg_catalog.lower(role_name) = 'public' THEN
        grantee := 'PUBLIC';
    ELSIF EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.rolname = role_name) THEN
        grantee := pg_catalog.quote_ident(role_name);
    ELSE
        RAISE EXCEPTION 'role % does not exist', pg_catalog.quote_ident(role_name) USING ERRCODE = '42704';
    END IF;
    -- Every version whose tables are still the registered ones: the model, summary and state tables together.
    FOR t IN SELECT c.oid, c.relowner, c.relnamespace, n.nspname,
                    pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) AS q
               FROM indb_ml.models m
               CROSS JOIN LATERAL pg_catalog.unnest(m.output_tables) AS l(name)
               JOIN pg_catalog.pg_class c ON c.oid = pg_catalog.to_regclass(l.name)
               JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
              WHERE m.name = v_name AND m.status <> 'retired'
                AND pg_catalog.to_regclass(m.output_table) = m.output_oid
              GROUP BY c.oid, c.relowner, c.relnamespace, n.nspname, c.relname ORDER BY 5 LOOP
        IF NOT pg_catalog.pg_has_role(t.relowner, 'USAGE') THEN
            RAISE EXCEPTION 'permission denied to grant model %: table % belongs to another role', v_name, t.q
                USING ERRCODE = '42501';
        END IF;
        EXECUTE pg_catalog.format('GRANT SELECT ON %s TO %s', t.q, grantee);
        granted := granted || t.q;
        IF grantee <> 'PUBLIC' AND NOT pg_catalog.has_schema_privilege(role_name, t.relnamespace, 'USAGE') THEN
            RAISE WARNING 'role % cannot use schema %, so it cannot read %', role_name, t.nspname, t.q
                USING HINT = pg_catalog.format('GRANT USAGE ON SCHEMA %I TO %s', t.nspname, grantee);
        END IF;
    END LOOP;
    IF pg_catalog.cardinality(granted) = 0 THEN
        RAISE EXCEPTION 'model %: no version has its tables any more', v_name USING ERRCODE = '42P01';
    END IF;
    RETURN granted;
END
$$;
COMMENT ON FUNCTION indb_ml.model_grant(text, text) IS
'Let a role (or PUBLIC) read a model (model_name: a catalog name, or an output table name as the caller spells it, ''houses_lr'' finding public.houses_lr in the search_path, as model_deploy): SELECT on the tables of its versions (model, summary and state tables together), so it can use indb_ml.predict, model_coefficients and see the model in the catalog and its views. Only the model''s owner and its members may grant. Returns the tables granted. The role indb_ml_reader (NOLOGIN, made by CREATE EXTENSION) is meant for dashboards: grant it the models, and it to the dashboards'' login roles.';


-- The models trained by 0.1.0 get the terms 0.2.0's trainers record, from the arguments 0.1.0
-- kept in their parameters (a model whose output table is gone gets its variables only).
DO $indb_ml_upgrade$
from indb_ml.models.upgrade import backfill_terms
backfill_terms(plpy)
$indb_ml_upgrade$ LANGUAGE plpython3u;
