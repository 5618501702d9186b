"""graph_closeness, graph_diameter, graph_avg_path_length: MADlib's measures over a graph_apsp table.

As in MADlib these read the APSP output (and its ``_summary``, for the column names), not the
graph: each measure is one ``GROUP BY`` over the pair table, so PostgreSQL computes it in C,
in parallel and out of core, whatever the size of the APSP table. Definitions (MADlib's),
over the *reachable* targets of each source, the source itself excluded:

- ``inverse_sum_dist`` = 1 / sum of distances (NULL when nothing is reachable or the sum is 0),
- ``inverse_avg_dist`` = k / sum of distances, ``sum_inverse_dist`` = sum of 1 / distance
  (a 0 distance adds 0), ``k_degree`` = k, the number of reachable targets;
- diameter = the largest finite distance, with every ``{src, dest}`` pair that attains it;
- average path length = the sum of the finite distances between distinct vertices over the
  n (n - 1) ordered pairs of the group's n vertices: an unreachable pair counts 0. That is
  MADlib's documented and tested value (2.01785714 = 113 / 56 on its 8-vertex example, 14 / 30
  in its second group); on a strongly connected graph it is networkx's
  ``average_shortest_path_length``.

Closeness and diameter ignore unreachable pairs (distance ``Infinity``, or no row, in an APSP
output), which is what MADlib gets by leaving them out of its table.
"""

from __future__ import annotations

import re

from indb_ml import sqlexpr
from indb_ml.core.relations import Relation, new_table, resolve_source, summary_of
from indb_ml.core.session import Session, sql_entry
from indb_ml.errors import InputError
from indb_ml.graph.edges import parse_edge_args

INF = "'Infinity'::float8"


def _apsp(sess: Session, apsp_table, what: str) -> tuple[Relation, dict, list[str]]:
    """The APSP table, its column names (src, dest, weight) and its grouping columns."""
    rel = resolve_source(sess, apsp_table, "apsp_table")
    summ = summary_of(rel)
    row = None
    if sess.one("SELECT to_regclass($1) IS NOT NULL AS e", [summ.sql(sess)], ["text"])["e"]:
        cols = {r["attname"] for r in sess.execute(
            "SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 "
            "AND NOT attisdropped", [summ.sql(sess)], ["text"])}
        if {"edge_args", "grouping_cols", "vertex_id"} <= cols:
            row = sess.one("SELECT edge_args, grouping_cols FROM " + summ.sql(sess))
    if row is None:
        raise InputError(f"{what}: {rel.schema}.{rel.name} is not a graph_apsp output (no summary table "
                         f"{summ.name} with edge_args and grouping_cols)", hint="run indb_ml.graph_apsp first",
                         sqlstate=InputError.UNDEFINED_TABLE)
    args = parse_edge_args(row["edge_args"])
    groups = sqlexpr.parse_name_list(row["grouping_cols"]) if row["grouping_cols"] else []
    have = {r["attname"] for r in sess.execute(
        "SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 "
        "AND NOT attisdropped", [rel.sql(sess)], ["text"])}
    missing = [c for c in [args["src"], args["dest"], args["weight"], *groups] if c not in have]
    if missing:
        raise InputError(f"{what}: apsp_table {rel.schema}.{rel.name} has no column {missing[0]!r}",
                         hint="pass the out_table of graph_apsp unchanged", sqlstate=InputError.UNDEFINED_COLUMN)
    return rel, args, groups


_BOOL = re.compile(r"\s+(and|or)\s+", re.I)


def vertex_filter(sess: Session, text: str | None) -> str:
    """MADlib's ``vertex_filter_expr`` as safe SQL: comparisons (the project's expression
    grammar) joined by AND / OR. Each part is parsed and re-rendered with quoted identifiers,
    so nothing of the text reaches the query unparsed."""
    if text is None or not text.strip():
        return "true"
    parts = _BOOL.split(text)
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(part.upper())
        else:
            out.append("(" + sqlexpr.to_sql(sqlexpr.parse(part), sess.ident, sess.literal, "pg_catalog") + ")")
    return " ".join(out)


def _gsel(sess: Session, groups: list[str], alias: str = "") -> str:
    return "".join(alias + sess.ident(g) + ", " for g in groups)


@sql_entry
def graph_closeness(sess: Session, apsp_table, out_table, vertex_filter_expr=None):
    what = "graph_closeness"
    rel, a, groups = _apsp(sess, apsp_table, what)
    out = new_table(sess, out_table)
    src, dest, w = sess.ident(a["src"]), sess.ident(a["dest"]), sess.ident(a["weight"])
    g = _gsel(sess, groups)
    sess.execute(
        "CREATE TABLE " + out.sql(sess) + " AS SELECT " + g + src + ", 1.0::float8 / NULLIF(sum_dist, 0) AS "
        "inverse_sum_dist, k_degree::float8 / NULLIF(sum_dist, 0) AS inverse_avg_dist, sum_inverse_dist, k_degree "
        "FROM (SELECT " + g + src + ", pg_catalog.sum(" + w + ") FILTER (WHERE " + w + " <> " + INF + " AND " + src
        + " <> " + dest + ") AS sum_dist, COALESCE(pg_catalog.sum(CASE WHEN " + w + " = 0 THEN 0 ELSE 1.0 / "
        + w + " END) FILTER (WHERE " + w + " <> " + INF + "), 0)::float8 AS sum_inverse_dist, pg_catalog.count(*) "
        "FILTER (WHERE " + w + " <> " + INF + " AND " + src + " <> " + dest + ") AS k_degree FROM " + rel.sql(sess)
        + " WHERE " + vertex_filter(sess, vertex_filter_expr) + " GROUP BY " + g + src + ") q ORDER BY " + g + src)


@sql_entry
def graph_diameter(sess: Session, apsp_table, out_table):
    what = "graph_diameter"
    rel, a, groups = _apsp(sess, apsp_table, what)
    out = new_table(sess, out_table)
    src, dest, w = sess.ident(a["src"]), sess.ident(a["dest"]), sess.ident(a["weight"])
    g, ga = _gsel(sess, groups), _gsel(sess, groups, "p.")
    on = "".join(" AND p." + sess.ident(c) + " IS NOT DISTINCT FROM m." + sess.ident(c) for c in groups)
    sess.execute(
        "CREATE TABLE " + out.sql(sess) + " AS SELECT " + ga + "m.d AS diameter, pg_catalog.array_agg(ARRAY[p." + src
        + ", p." + dest + "] ORDER BY p." + src + ", p." + dest + ") AS diameter_end_vertices FROM " + rel.sql(sess)
        + " p JOIN (SELECT " + g + "pg_catalog.max(" + w + ") AS d FROM " + rel.sql(sess) + " WHERE " + w + " <> "
        + INF + (" GROUP BY " + g.rstrip(", ") if groups else "") + ") m ON p." + w + " = m.d" + on
        + " GROUP BY " + ga + "m.d ORDER BY " + ga + "m.d")


@sql_entry
def graph_avg_path_length(sess: Session, apsp_table, out_table):
    what = "graph_avg_path_length"
    rel, a, groups = _apsp(sess, apsp_table, what)
    out = new_table(sess, out_table)
    src, dest, w = sess.ident(a["src"]), sess.ident(a["dest"]), sess.ident(a["weight"])
    # MADlib's documented and tested value: the finite distances summed over all n (n - 1)
    # ordered pairs of the group's n vertices (the ends of its pairs), an unreachable pair
    # counting 0. Each row is read twice (as src and as dest) to count the vertices in one pass.
    n = "pg_catalog.count(DISTINCT x.vertex)"
    gp = _gsel(sess, groups, "p.")
    sess.execute(
        "CREATE TABLE " + out.sql(sess) + " AS SELECT " + gp + "CASE WHEN " + n + " > 1 THEN "
        "COALESCE(pg_catalog.sum(p." + w + "::float8) FILTER (WHERE x.side = 1 AND p." + src + " <> p." + dest
        + " AND p." + w + " <> " + INF + "), 0) / (" + n + " * (" + n + " - 1)) END AS avg_path_length FROM "
        + rel.sql(sess) + " p CROSS JOIN LATERAL (VALUES (1, p." + src + "), (2, p." + dest + ")) AS x(side, vertex)"
        + (" GROUP BY " + gp.rstrip(", ") + " ORDER BY " + gp.rstrip(", ") if groups else ""))


USAGE = {
    "graph_closeness": """indb_ml.graph_closeness(apsp_table, out_table [, vertex_filter_expr])
MADlib's closeness measures of every source vertex of a graph_apsp output, over the vertices it
reaches (itself excluded): inverse_sum_dist = 1 / sum of distances, inverse_avg_dist =
k_degree / sum, sum_inverse_dist = sum of 1 / distance, k_degree = number reached.
vertex_filter_expr: comparisons on the APSP table's columns joined by AND / OR
(e.g. 'src >= 0 AND src <= 5').""",
    "graph_diameter": """indb_ml.graph_diameter(apsp_table, out_table)
The longest finite shortest path per group of a graph_apsp output: diameter and
diameter_end_vertices (every {src, dest} pair that attains it).""",
    "graph_avg_path_length": """indb_ml.graph_avg_path_length(apsp_table, out_table)
The average shortest-path distance between distinct vertices, per group, of a graph_apsp output,
as MADlib documents and tests it: the finite distances summed over all n (n - 1) ordered pairs
of the group's n vertices (an unreachable pair counts 0).""",
}


def usage(name: str) -> str:
    return USAGE[name]

