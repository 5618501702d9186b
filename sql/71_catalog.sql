-- catalog: the model catalog (indb_ml.models), deployment, incremental linear regression and model_refresh

-- One row per trained model version. Every training function registers its row in the
-- caller's transaction (indb_ml/models/catalog.py), so a failed training leaves none.
-- Marked as extension configuration below: pg_dump keeps the rows.
--
-- Security. Ordinary roles may only read the catalog, and only the rows of models whose
-- output table they can read (metrics and lineage hold the model's data: group keys, per-group
-- statistics, row counts). They never write it: trainers, model_deploy, model_rollback and
-- model_refresh file a request in indb_ml.model_requests, and the request's trigger (SECURITY
-- DEFINER, owned by the extension owner) writes the catalog. The requesting role is the
-- column default CURRENT_USER, which no role may set (no INSERT privilege on that column);
-- the trigger derives the model's name, version, id, creator and tables itself.
CREATE SEQUENCE indb_ml.models_id_seq;
CREATE TABLE indb_ml.models (
    id bigint PRIMARY KEY DEFAULT pg_catalog.nextval('indb_ml.models_id_seq'),
    name text NOT NULL,
    version integer NOT NULL CHECK (version >= 1),
    algorithm text NOT NULL,
    parameters jsonb NOT NULL DEFAULT '{}',
    source_table text,
    source_filter text,
    num_rows bigint,
    lineage jsonb NOT NULL DEFAULT '{}',
    output_table text NOT NULL,
    output_tables text[] NOT NULL,
    output_oid oid,
    metrics jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_by name NOT NULL DEFAULT CURRENT_USER,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'deployed', 'retired')),
    deployed_at timestamptz,
    refreshed_at timestamptz,
    num_refreshes integer NOT NULL DEFAULT 0,
    dependent_varname text,
    independent_varname text,
    feature_names text[],
    feature_exprs text[],
    grouping_cols text[],
    CONSTRAINT models_name_version_key UNIQUE (name, version)
);
ALTER SEQUENCE indb_ml.models_id_seq OWNED BY indb_ml.models.id;
CREATE INDEX models_algorithm_idx ON indb_ml.models (algorithm);
CREATE INDEX models_created_at_idx ON indb_ml.models (created_at);
CREATE INDEX models_output_table_idx ON indb_ml.models (output_table);
-- At most one deployed version per model name.
CREATE UNIQUE INDEX models_deployed_key ON indb_ml.models (name) WHERE status = 'deployed';
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
