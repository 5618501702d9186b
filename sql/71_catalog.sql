-- catalog: the model catalog (indb_ml.models), deployment, incremental linear regression and model_refresh

-- One row per trained model version. Every training function inserts its row in the
-- caller's transaction (indb_ml/models/catalog.py), so a failed training leaves none.
-- Marked as extension configuration below: pg_dump keeps the rows.
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
GRANT SELECT, INSERT, UPDATE ON indb_ml.models TO PUBLIC;
GRANT USAGE, SELECT ON SEQUENCE indb_ml.models_id_seq TO PUBLIC;
-- Trainers run as the caller, so every role may insert; row-level security keeps a role to its own
-- rows: it inserts rows as itself, and updates (deploy, rollback, refresh) rows created by a role it is
-- a member of. Everyone may read the catalog.
ALTER TABLE indb_ml.models ENABLE ROW LEVEL SECURITY;
CREATE POLICY models_read ON indb_ml.models FOR SELECT USING (true);
CREATE POLICY models_insert ON indb_ml.models FOR INSERT WITH CHECK (created_by = CURRENT_USER);
CREATE POLICY models_update ON indb_ml.models FOR UPDATE USING (pg_catalog.pg_has_role(created_by, 'MEMBER'))
    WITH CHECK (pg_catalog.pg_has_role(created_by, 'MEMBER'));
COMMENT ON TABLE indb_ml.models IS
'Model catalog: one row per trained model version (name = the output table, or SET indb_ml.model_name), with algorithm, parameters, source, lineage (partitions and row counts at training time), output tables, metrics and status (active, deployed, retired).';
COMMENT ON COLUMN indb_ml.models.name IS 'Model name: the output table''s qualified name unless the setting indb_ml.model_name was set at training.';
COMMENT ON COLUMN indb_ml.models.lineage IS 'Source relation kind, its partitions with their row counts, and the training transaction''s snapshot.';
COMMENT ON COLUMN indb_ml.models.output_oid IS 'OID of the output table at training: a table dropped and recreated under the same name is not this version''s.';

CREATE VIEW indb_ml.deployed_models AS
SELECT name, version, algorithm, output_table, output_tables, parameters, metrics, num_rows, source_table,
       created_at, created_by, deployed_at, refreshed_at
FROM indb_ml.models
WHERE status = 'deployed';
GRANT SELECT ON indb_ml.deployed_models TO PUBLIC;
COMMENT ON VIEW indb_ml.deployed_models IS 'The deployed version of each model (indb_ml.model_deploy, indb_ml.model_rollback).';

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
    grouping_cols text DEFAULT NULL
) RETURNS void
LANGUAGE plpython3u VOLATILE PARALLEL UNSAFE
AS $$
from indb_ml.models.incremental import linregr_train_incremental
linregr_train_incremental(plpy, source_table, out_table, dependent_varname, independent_varname, grouping_cols)
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
