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
