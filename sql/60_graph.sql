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
