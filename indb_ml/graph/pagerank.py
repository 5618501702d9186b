"""``indb_ml.pagerank``: MADlib's pagerank, computed as networkx defines it.

The edges are loaded once (:mod:`indb_ml.graph.edges`) and the power iteration runs over a CSR
matrix in scipy (:func:`indb_ml.kernels.graph.pagerank`); above the memory budget the same
iteration runs as joins (:func:`indb_ml.graph.relational.pagerank`). Definition: with damping d,
``x' = d * P^T x + d * (rank of dangling vertices) * p + (1 - d) * p``, where P is the out-weight
normalised adjacency and p the uniform (or personalization) distribution, so ranks sum to 1 and
equal networkx's ``pagerank`` on a MultiDiGraph. MADlib 2.1 instead lets dangling rank leak
away and leaves vertices without edges out of the output: ``madlib21_compat => true``; with
personalization vertices that flag runs MADlib 2.1's own personalized iteration
(:func:`indb_ml.kernels.graph.pagerank_madlib21_personalized`); not on Citus distributed edges.
"""

from __future__ import annotations

import numpy as np

from indb_ml.core import progress
from indb_ml.core.flags import session_flag
from indb_ml.core.model_tables import write_models
from indb_ml.core.relations import ensure_absent, new_table, summary_of
from indb_ml.core.session import sql_entry
from indb_ml.errors import InputError
from indb_ml.graph import plan, relational
from indb_ml.graph.edges import load_graphs, resolve_graph, write_vertex_table
from indb_ml.kernels.graph import pagerank as pagerank_kernel
from indb_ml.kernels.graph import pagerank_madlib21_personalized as madlib_personalized

USAGE = """\
pagerank: PageRank of every vertex, MADlib-compatible (networkx's definition).

SELECT indb_ml.pagerank(
    vertex_table,             -- table with the vertices
    vertex_id,                -- vertex id column (NULL: 'id'); integer or text ids
    edge_table,               -- table with the edges
    edge_args,                -- 'src=col, dest=col[, weight=col]' (defaults src, dest; weight optional)
    out_table,                -- table to create
    damping_factor,           -- optional, default 0.85
    max_iter,                 -- optional, default 100
    threshold,                -- optional, default 1e-3 / number of vertices: stop when no rank moves more
    grouping_cols,            -- optional: edge table columns, one graph per group
    personalization_vertices, -- optional: ARRAY[ids]; teleports and dangling rank go to these only
    madlib21_compat           -- optional, default false: MADlib 2.1's variant (see below)
);

out_table: [grouping columns], <vertex_id>, pagerank float8 -- every vertex of the vertex table, in
every group; ranks sum to 1 per group. out_table_summary: [grouping columns], __iterations__.
Dangling vertices (no out-edges) spread their rank over all vertices (or the personalization set),
as networkx does. Parallel edges count as separate links (their weights add up); self-loops are kept.
personalization_vertices is bigint[] as in MADlib ('{2,4}' or ARRAY[2, 4]); for text ids, or to set
madlib21_compat, use the 11-argument form (ARRAY['a', 'b'], false); a NULL there must be typed
(NULL::int[]). madlib21_compat => true: dangling rank leaks away (ranks sum to less than 1) and
vertices without edges are left out, as MADlib 2.1 does; with personalization_vertices it runs MADlib
2.1's personalized iteration (not on Citus distributed edges): teleports of 1 - damping to each personalization
vertex, a fixed rank for vertices without in-edges, ranks divided by the number of personalization
vertices at the end (they need not sum to 1); a vertex listed twice is an error there, as in MADlib
2.1 (without the flag a repeated vertex counts once).
Plans: SET indb_ml.graph_plan = auto | memory | relational (auto: by indb_ml.matrix_memory_mb).
"""


@sql_entry
def pagerank(sess, vertex_table, vertex_id, edge_table, edge_args, out_table, damping_factor=0.85, max_iter=100,
             threshold=None, grouping_cols=None, personalization_vertices=None, madlib21_compat=False) -> None:
    damping = 0.85 if damping_factor is None else float(damping_factor)
    max_iter = 100 if max_iter is None else int(max_iter)
    if not 0 <= damping <= 1:
        raise InputError(f"pagerank: damping_factor must be between 0 and 1, not {damping}")
    if max_iter < 1:
        raise InputError(f"pagerank: max_iter must be at least 1, not {max_iter}")
    if threshold is not None and not (np.isfinite(threshold) and threshold >= 0):
        raise InputError(f"pagerank: threshold must be a number >= 0 (0 runs all max_iter iterations), "
                         f"not {threshold}")
    if out_table is None:
        raise InputError("pagerank: out_table must not be NULL", hint="SELECT indb_ml.pagerank() shows the usage")
    spec = resolve_graph(sess, vertex_table, vertex_id, edge_table, edge_args, grouping_cols, None, "pagerank",
                         reserved=["pagerank", "__iterations__"])
    out = new_table(sess, out_table)
    summary = summary_of(out)
    ensure_absent(sess, summary, "summary table")
    if madlib21_compat is None:  # MADlib's signatures, or NULL: the session's setting
        madlib21_compat = session_flag(sess, "indb_ml.madlib_pagerank")
    leak = bool(madlib21_compat)
    pers = _personalization(spec, personalization_vertices, leak)
    prog = progress.start(sess, "pagerank", max_iter=max_iter)
    if plan.choose(sess, spec, "pagerank", on_shards=True) == "relational":
        if pers is not None:
            _check_personalization(sess, spec, pers)
        iterations = relational.pagerank(sess, spec, out, damping, max_iter, threshold, pers, leak)
    else:
        values, iterations = {}, {}
        for g in load_graphs(sess, spec):
            sess.check_interrupts()
            p = None
            if pers is not None:
                pos = [g.position(v) for v in pers]
                if None in pos:
                    raise _unknown_vertex(spec, pers[pos.index(None)])
                p = np.zeros(g.n)
                p[pos] = 1.0
            tol = threshold if threshold is not None else 1e-3 / g.n
            ids = g.ids
            if leak and p is not None:  # MADlib 2.1's own personalized iteration (see the kernel)
                _check_madlib_personalization(spec, g, pers, pos)
                rank, present, it = madlib_personalized(g.adjacency(), p > 0, damping, max_iter, tol,
                                                        grouped=bool(spec.group_cols), n_vertices=g.n)
                keep = np.flatnonzero(present)
                ids, rank = g.ids_at(keep), rank[keep]
                values[g.key], iterations[g.key] = (ids, [rank]), it
                continue
            if leak and spec.group_cols:  # MADlib 2.1: a group's vertices are the ends of its edges (N = their number)
                keep = np.flatnonzero(g.touched())
                rank, it = pagerank_kernel(g.adjacency()[keep][:, keep], damping, max_iter, tol, leak_dangling=True,
                                           norm="max")
                values[g.key], iterations[g.key] = (g.ids_at(keep), [rank]), it
                continue
            rank, it = pagerank_kernel(g.adjacency(), damping, max_iter, tol, p, leak_dangling=leak, norm="max")
            if leak:  # MADlib 2.1 leaves out vertices without edges
                keep = np.flatnonzero(g.touched())
                ids, rank = g.ids_at(keep), rank[keep]
            values[g.key], iterations[g.key] = (ids, [rank]), it
        write_vertex_table(sess, spec, out, (("pagerank", "float8"),), values)
    prog.done()
    write_models(sess, spec.edge, summary, spec.group_cols, (("__iterations__", "integer"),),
                 {k: [v] for k, v in iterations.items()})


def _personalization(spec, values, madlib21: bool = False) -> list | None:
    """The personalization ids as the graph's id kind (deduplicated), or None.

    With ``madlib21`` a vertex listed twice is refused, as MADlib 2.1 refuses it
    (graph/pagerank.py_in, ``validate_personaliztion_vertices``: the count of distinct listed
    vertices that are ends of an edge must equal the list's length), so no duplicate reaches its
    division by the number of personalization vertices."""
    if values is None or len(values) == 0:
        return None
    if any(v is None for v in values):
        raise InputError("pagerank: personalization_vertices contains NULL")
    if spec.multi:  # MADlib's multi-column ids: a 2-D array, one row per vertex ('{{1,1},{3,3}}')
        bad = InputError("pagerank: with multi-column vertex ids, personalization_vertices is a 2-D array with a "
                         "row per vertex", hint="e.g. '{{1,1},{3,3}}'", sqlstate=InputError.DATATYPE_MISMATCH)
        if not all(isinstance(v, list) and v for v in values):
            raise bad
        try:  # the elements arrive as text (the SQL wrappers pass text[])
            values = ["{" + ",".join(str(int(x)) for x in v) + "}" for v in values]
        except (TypeError, ValueError):
            raise bad from None
    elif any(isinstance(v, list) for v in values):  # '{{1,2},{3,4}}' for single-column ids
        raise InputError("pagerank: personalization_vertices is a 1-D array of vertex ids for this graph, "
                         "not a multi-dimensional array", hint="e.g. ARRAY[2, 4] or '{2,4}'",
                         sqlstate=InputError.DATATYPE_MISMATCH)
    elif spec.id_kind == "int":
        try:
            values = [str(int(v)) for v in values]
        except ValueError:
            raise InputError("pagerank: personalization_vertices must be integer ids for this graph",
                             sqlstate=InputError.DATATYPE_MISMATCH) from None
    unique = sorted(set(values), key=values.index)
    if madlib21 and len(unique) != len(values):
        twice = next(v for i, v in enumerate(values) if v in values[:i])
        raise InputError(f"pagerank: with madlib21_compat, personalization vertex {twice} is listed more than once; "
                         "MADlib 2.1 requires personalization vertices without duplicates",
                         hint="list each vertex once, or leave madlib21_compat off (duplicates are then ignored)")
    return unique


def _check_personalization(sess, spec, pers: list) -> None:
    cast = "::int8" if spec.id_kind == "int" else "::text"
    vid = "v." + sess.ident(spec.vertex_id) + cast
    # Uncorrelated, so that it also runs on a Citus distributed vertex table (the filter on the shards).
    row = sess.one("SELECT pg_catalog.min(p) AS missing FROM pg_catalog.unnest($1::text[]) p WHERE p NOT IN (SELECT "
                   + vid + "::text FROM " + spec.vertex.sql(sess) + " v WHERE " + vid + " = ANY($1" + cast + "[]))",
                   [pers], ["text[]"])
    if row["missing"] is not None:
        raise _unknown_vertex(spec, row["missing"])


def _check_madlib_personalization(spec, g, pers: list, pos: list) -> None:
    """MADlib 2.1 refuses personalization vertices that are not an end of an edge (of every group)."""
    touched = g.touched()
    for v, i in zip(pers, pos):
        if not touched[i]:
            where = f" in group {g.key}" if spec.group_cols else ""
            raise InputError(f"pagerank: with madlib21_compat, personalization vertex {v} must be an end of an edge"
                             f"{where}, as MADlib 2.1 requires",
                             hint="list vertices that have edges (in every group), or leave madlib21_compat off")


def _unknown_vertex(spec, v) -> InputError:
    return InputError(f"pagerank: personalization vertex {v} is not in vertex table "
                      f"{spec.vertex_label()}", hint="list ids of existing vertices")


def pagerank_help() -> str:
    return USAGE
