"""graph_triangle_count: triangles through every vertex and its local clustering coefficient.

Not in MADlib; same conventions as its graph functions (vertex/edge tables, edge_args,
grouping_cols, an output row for every vertex of every group, ``out_table_summary``). The
graph is taken as simple and undirected: edge direction is ignored, duplicate edges count
once and self-loops are dropped (so the numbers are networkx's ``triangles`` and
``clustering`` on ``nx.Graph``). Two plans (:func:`indb_ml.graph.plan.choose`, the rule of
every graph function): in memory as ``rowsum((A @ A) .* A) / 2``
(:mod:`indb_ml.kernels.graph_measures`), or for graphs above the memory budget as SQL joins
(:mod:`indb_ml.graph.measures_relational`); both give the same numbers. ``A @ A`` grows with
the wedges (sum of deg^2), so ``auto`` also goes relational when those do not fit.
"""

from __future__ import annotations

import numpy as np

from indb_ml.core.model_tables import write_models
from indb_ml.core.session import Session, sql_entry
from indb_ml.errors import InputError
from indb_ml.graph import plan as graph_plan
from indb_ml.graph.edges import GraphSpec, load_graphs, resolve_graph, write_vertex_table
from indb_ml.graph.paths import check_names, graph_summary, outputs
from indb_ml.kernels import graph_measures as gm
from indb_ml.matrix.storage import limit_bytes

# The in-memory kernel's products (on the degree-oriented graph) have up to
# gm.oriented_wedges entries; scipy's product holds int64 indices and values plus its row
# work arrays: about 24 bytes an entry.
WEDGE_BYTES = 24


def _wedge_check(sess: Session, simple: list, what: str) -> str:
    """The in-memory kernel's products grow with the oriented wedges (O(m^1.5), not sum(deg^2)).
    When they do not fit ``indb_ml.matrix_memory_mb``, ``auto`` switches to the relational
    plan (whose degree-ordered join lists each triangle once) and an explicit ``memory`` is an error."""
    wedges = max((gm.oriented_wedges(a) for _, a in simple), default=0.0)
    need = WEDGE_BYTES * wedges
    if need <= limit_bytes(sess):
        return "memory"
    if graph_plan.requested(sess) == "memory":
        raise InputError(f"{what}: the graph has {wedges:.3g} paths of two edges (~{int(need) >> 20} MB for the "
                         "in-memory product), above indb_ml.matrix_memory_mb",
                         hint="SET indb_ml.graph_plan = auto (or relational), or raise indb_ml.matrix_memory_mb",
                         sqlstate="54000")
    sess.debug(f"{what}: {wedges:.3g} wedges, ~{int(need) >> 20} MB in memory: relational plan")
    return "relational"


def write_group_summary(sess: Session, spec: GraphSpec, summary, args: list, cols: list, rows: dict) -> None:
    """``out_table_summary``: one row per group (grouping columns typed as the edge table's),
    the call's arguments and the per-group ``cols`` = (name, type) with ``rows[key]`` values."""
    arg_cols = [(n, t) for n, t, _ in args]
    arg_vals = [v for _, _, v in args]
    write_models(sess, spec.edge, summary, spec.group_cols, tuple(arg_cols + cols),
                 {k: arg_vals + list(v) for k, v in rows.items()})


@sql_entry
def graph_triangle_count(sess: Session, vertex_table, vertex_id, edge_table, edge_args, out_table, grouping_cols=None):
    what = "graph_triangle_count"
    out, summary = outputs(sess, out_table)
    spec = resolve_graph(sess, vertex_table, vertex_id, edge_table, edge_args, grouping_cols, weighted=False,
                         what=what, reserved=("triangles", "clustering_coef", "degree"))
    check_names(spec, what, ("triangles", "clustering_coef", "degree"))
    plan = graph_plan.choose(sess, spec, what)
    simple = []
    if plan == "memory":
        simple = [(g, gm.undirected_simple(g.n, g.src, g.dst)) for g in load_graphs(sess, spec)]
        plan = _wedge_check(sess, simple, what)
    if plan == "relational":
        from indb_ml.graph import measures_relational
        simple = []
        per_group = measures_relational.triangles(sess, spec, out)
    else:
        values, per_group = {}, {}
        for g, a in simple:
            sess.check_interrupts()
            tri = gm.triangles(a)
            cc = gm.local_clustering(a, tri)
            deg = np.diff(a.indptr).astype(np.int64)
            values[g.key] = (g.ids, [tri.astype(np.int64), cc, deg])
            pairs = float((deg * (deg - 1)).sum())
            per_group[g.key] = (int(tri.sum() // 3), float(cc.mean()) if g.n else None,
                                2.0 * float(tri.sum()) / pairs if pairs else 0.0)  # 3T / (pairs / 2)
        write_vertex_table(sess, spec, out, [("triangles", "bigint"), ("clustering_coef", "float8"),
                                             ("degree", "bigint")], values)
    write_group_summary(sess, spec, summary,
                        graph_summary(spec, vertex_table, vertex_id, edge_table, edge_args, out_table, grouping_cols)
                        + [("plan", "text", plan)],
                        [("num_triangles", "bigint"), ("average_clustering", "float8"), ("transitivity", "float8")],
                        per_group)


def usage() -> str:
    return """indb_ml.graph_triangle_count(vertex_table, vertex_id, edge_table, edge_args, out_table [, grouping_cols])
Triangles through every vertex of the simple undirected graph (direction ignored, duplicate edges
once, self-loops dropped). out_table: grouping columns, <vertex_id>, triangles, clustering_coef
(2 T / (deg (deg - 1)), 0 below degree 2), degree. out_table_summary, one row per group:
the arguments, num_triangles, average_clustering (mean over all vertices), transitivity
(3 x triangles / connected triples), plan. SET indb_ml.graph_plan = auto | memory | relational
chooses the physical plan (auto: in memory when the graph fits indb_ml.matrix_memory_mb, else
SQL joins); both give the same numbers."""
