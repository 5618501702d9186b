-- Run once by the official image's entrypoint when the cluster is first created.
CREATE EXTENSION IF NOT EXISTS indb_ml CASCADE;
SELECT indb_ml.server_info();
