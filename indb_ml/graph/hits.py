"""``indb_ml.hits``: Kleinberg's hubs and authorities (MADlib's hits).

Power iteration from all-ones vectors, both scores scaled to unit L2 norm after every step, as
MADlib does; the edges are loaded once and the iteration runs on a CSR matrix
(:func:`indb_ml.kernels.graph.hits`), or as joins above the memory budget
(:func:`indb_ml.graph.relational.hits`). Parallel edges count separately; weights are ignored
(MADlib's hits reads none either). As MADlib, the output lists the vertices that are an end of
an edge (of the group), and stops when no score moves by more than the threshold.
"""

from __future__ import annotations

import numpy as np

from indb_ml.core import progress
from indb_ml.core.model_tables import write_models
from indb_ml.core.relations import ensure_absent, new_table, summary_of
from indb_ml.core.session import sql_entry
from indb_ml.errors import InputError
from indb_ml.graph import plan, relational
from indb_ml.graph.edges import load_graphs, resolve_graph, write_vertex_table
from indb_ml.kernels.graph import hits as hits_kernel

USAGE = """\
hits: HITS authority and hub scores of every vertex (MADlib-compatible).

SELECT indb_ml.hits(
    vertex_table,   -- table with the vertices
    vertex_id,      -- vertex id column (NULL: 'id'); integer or text ids
    edge_table,     -- table with the edges
    edge_args,      -- 'src=col, dest=col' (defaults src, dest)
    out_table,      -- table to create
    max_iter,       -- optional, default 100
    threshold,      -- optional, default 1e-3 / number of vertices: stop when no score moves more
    grouping_cols   -- optional: edge table columns, one graph per group
);
out_table: [grouping columns], <vertex_id>, authority float8, hub float8 (each scaled to unit L2
norm per group; networkx's nx.hits scales to sum 1 instead, a constant factor) of every vertex that
is an end of an edge (of the group), as MADlib. out_table_summary: [grouping columns], __iterations__.
"""


@sql_entry
def hits(sess, vertex_table, vertex_id, edge_table, edge_args, out_table, max_iter=100, threshold=None,
         grouping_cols=None) -> None:
    max_iter = 100 if max_iter is None else int(max_iter)
    if max_iter < 1:
        raise InputError(f"hits: max_iter must be at least 1, not {max_iter}")
    if threshold is not None and not (np.isfinite(threshold) and threshold >= 0):
        raise InputError(f"hits: threshold must be a number >= 0 (0 runs all max_iter iterations), "
                         f"not {threshold}")
    if out_table is None:
        raise InputError("hits: out_table must not be NULL", hint="SELECT indb_ml.hits() shows the usage")
    spec = resolve_graph(sess, vertex_table, vertex_id, edge_table, edge_args, grouping_cols, False, "hits",
                         reserved=["authority", "hub", "__iterations__"])
    out = new_table(sess, out_table)
    summary = summary_of(out)
    ensure_absent(sess, summary, "summary table")
    prog = progress.start(sess, "hits", max_iter=max_iter)
    if plan.choose(sess, spec, "hits") == "relational":
        n = int(sess.one("SELECT pg_catalog.count(*) AS n FROM " + spec.vertex.sql(sess))["n"])
        tol = threshold if threshold is not None else 1e-3 / max(n, 1)
        iterations = relational.hits(sess, spec, out, max_iter, tol)
    else:
        values, iterations = {}, {}
        for g in load_graphs(sess, spec):
            sess.check_interrupts()
            tol = threshold if threshold is not None else 1e-3 / g.n
            auth, hub, it = hits_kernel(g.adjacency(weighted=False), max_iter, tol)
            on_edges = np.flatnonzero(g.touched())  # MADlib lists the vertices that are an end of an edge
            values[g.key], iterations[g.key] = (g.ids_at(on_edges), [auth[on_edges], hub[on_edges]]), it
        write_vertex_table(sess, spec, out, (("authority", "float8"), ("hub", "float8")), values)
    prog.done()
    write_models(sess, spec.edge, summary, spec.group_cols, (("__iterations__", "integer"),),
                 {k: [v] for k, v in iterations.items()})


def hits_help() -> str:
    return USAGE
