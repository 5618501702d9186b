"""graph_kcore: the k-core number of every vertex (its largest k such that it lies in a k-core).

Not in MADlib; MADlib's graph conventions (vertex/edge tables, edge_args, grouping_cols, an
output row for every vertex of every group, ``out_table_summary``). On the simple undirected
graph, as networkx's ``core_number`` (direction ignored, duplicates once, no self-loops).
Vectorised peeling in memory (:func:`indb_ml.kernels.graph_measures.core_numbers`), or for
graphs above the memory budget the same peeling as one SQL ``UPDATE`` per round
(:func:`indb_ml.graph.measures_relational.kcore`); the plan is chosen as for every graph
function (:func:`indb_ml.graph.plan.choose`).
"""

from __future__ import annotations

from indb_ml.core.session import Session, sql_entry
from indb_ml.graph import plan as graph_plan
from indb_ml.graph.edges import load_graphs, resolve_graph, write_vertex_table
from indb_ml.graph.paths import check_names, graph_summary, outputs
from indb_ml.graph.triangles import write_group_summary
from indb_ml.kernels import graph_measures as gm


@sql_entry
def graph_kcore(sess: Session, vertex_table, vertex_id, edge_table, edge_args, out_table, grouping_cols=None):
    what = "graph_kcore"
    out, summary = outputs(sess, out_table)
    spec = resolve_graph(sess, vertex_table, vertex_id, edge_table, edge_args, grouping_cols, weighted=False,
                         what=what, reserved=("core_number",))
    check_names(spec, what, ("core_number",))
    plan = graph_plan.choose(sess, spec, what)
    if plan == "relational":
        from indb_ml.graph import measures_relational
        per_group = measures_relational.kcore(sess, spec, out)
    else:
        values, per_group = {}, {}
        for g in load_graphs(sess, spec):
            sess.check_interrupts()
            core = gm.core_numbers(gm.undirected_simple(g.n, g.src, g.dst))
            values[g.key] = (g.ids, [core])
            top = int(core.max()) if g.n else 0
            per_group[g.key] = (top, int((core == top).sum()))
        write_vertex_table(sess, spec, out, [("core_number", "integer")], values)
    write_group_summary(sess, spec, summary,
                        graph_summary(spec, vertex_table, vertex_id, edge_table, edge_args, out_table, grouping_cols)
                        + [("plan", "text", plan)],
                        [("max_core", "integer"), ("max_core_size", "bigint")], per_group)


def usage() -> str:
    return """indb_ml.graph_kcore(vertex_table, vertex_id, edge_table, edge_args, out_table [, grouping_cols])
k-core decomposition of the simple undirected graph (direction ignored, duplicate edges once,
self-loops dropped). out_table: grouping columns, <vertex_id>, core_number (the largest k whose
k-core contains the vertex; 0 for an isolated vertex). The k-core is
SELECT ... WHERE core_number >= k. out_table_summary, one row per group: the arguments,
max_core and max_core_size (vertices in the innermost core), plan. SET indb_ml.graph_plan =
auto | memory | relational chooses the physical plan (auto: in memory when the graph fits
indb_ml.matrix_memory_mb, else one SQL UPDATE per peeling round); both give the same numbers."""
