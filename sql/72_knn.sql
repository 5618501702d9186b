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
