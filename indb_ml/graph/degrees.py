"""``indb_ml.graph_vertex_degrees``: in- and out-degree of every vertex (MADlib's measure).

Every vertex of the vertex table gets a row in every group, isolated ones with 0 (MADlib 2.1
leaves them out). Each edge row counts once: parallel edges count separately and a self-loop
adds one to both degrees of its vertex. The weight column is accepted and ignored, as in MADlib.
"""

from __future__ import annotations

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
vertex of the vertex table in every group (isolated vertices have 0, 0). Parallel edges count
separately; a self-loop counts once in each degree.
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
    for g in load_graphs(sess, spec):
        sess.check_interrupts()
        indeg, outdeg = degrees(g.n, g.src, g.dst)
        values[g.key] = (g.ids, [indeg, outdeg])
    write_vertex_table(sess, spec, out, COLUMNS, values)


def graph_vertex_degrees_help() -> str:
    return USAGE
