"""``indb_ml.graph_vertex_degrees``: in- and out-degree of every vertex (MADlib's measure).

MADlib 2.1's definition: the degrees count the edge rows that are not self-loops (parallel edges
count separately; rows with a NULL end, or a NULL grouping value, are skipped), and the output
lists the vertices of those edges, in each group (isolated vertices, and vertices with only
self-loops, have no row); an edge end outside the vertex table is counted like any other. The
weight column is accepted and ignored, as in MADlib.
"""

from __future__ import annotations

import numpy as np

from indb_ml.core.relations import new_table
from indb_ml.core.session import sql_entry
from indb_ml.errors import InputError
from indb_ml.graph import plan, relational
from indb_ml.graph.edges import load_graphs, resolve_graph, write_vertex_table
from indb_ml.kernels.graph import degrees

USAGE = """\
graph_vertex_degrees: in- and out-degree of every vertex (MADlib-compatible).

SELECT indb_ml.graph_vertex_degrees(
    vertex_table,   -- table with the vertices
    vertex_id,      -- vertex id column (NULL: 'id'); integer or text ids
    edge_table,     -- table with the edges
    edge_args,      -- 'src=col, dest=col[, weight=col]' (defaults src, dest; weight is ignored)
    out_table,      -- table to create
    grouping_cols   -- optional: edge table columns, one graph per group
);

out_table: [grouping columns], <vertex_id>, indegree bigint, outdegree bigint; a row for every
end of an edge (of the group) that is not a self-loop, as MADlib. Parallel edges count
separately; self-loops do not count.
"""

COLUMNS = (("indegree", "bigint"), ("outdegree", "bigint"))


@sql_entry
def graph_vertex_degrees(sess, vertex_table, vertex_id, edge_table, edge_args, out_table, grouping_cols=None):
    if out_table is None:
        raise InputError("graph_vertex_degrees: out_table must not be NULL",
                         hint="SELECT indb_ml.graph_vertex_degrees() shows the usage")
    spec = resolve_graph(sess, vertex_table, vertex_id, edge_table, edge_args, grouping_cols, False,
                         "graph_vertex_degrees", reserved=[c for c, _ in COLUMNS])
    out = new_table(sess, out_table)
    if plan.choose(sess, spec, "graph_vertex_degrees") == "relational":
        relational.vertex_degrees(sess, spec, out)
        return
    values = {}
    for g in load_graphs(sess, spec, vertices="union"):
        sess.check_interrupts()
        loop = g.src == g.dst
        indeg, outdeg = degrees(g.n, g.src[~loop], g.dst[~loop])
        listed = np.flatnonzero(indeg + outdeg > 0)
        values[g.key] = (g.ids_at(listed), [indeg[listed], outdeg[listed]])
    write_vertex_table(sess, spec, out, COLUMNS, values)


def graph_vertex_degrees_help() -> str:
    return USAGE
