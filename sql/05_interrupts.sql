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
