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
