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
