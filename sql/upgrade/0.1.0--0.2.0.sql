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

-- @drop-members

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

-- @install-script

-- The models trained by 0.1.0 get the terms 0.2.0's trainers record, from the arguments 0.1.0
-- kept in their parameters (a model whose output table is gone gets its variables only).
DO $indb_ml_upgrade$
from indb_ml.models.upgrade import backfill_terms
backfill_terms(plpy)
$indb_ml_upgrade$ LANGUAGE plpython3u;
