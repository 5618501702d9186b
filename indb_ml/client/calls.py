"""Client methods for the SQL functions whose result is a table: multinom, ordinal, robust and
clustered variance, margins, incremental least squares, lm_cg, cross_validate, the graph
functions (and the measures over their kept tables), knn, predict and la_value.

Each method takes MADlib's arguments in MADlib's order as typed keywords, quotes column names
with ``psycopg.sql.Identifier`` (the server parses the quoted names back), sends every value as a
bound parameter, and returns a :class:`TableResult`: the output table as a pandas DataFrame and
its ``_summary`` table (when the function writes one) as a dict. Like the trainers in
:mod:`indb_ml.client.connection`, the output goes to a temporary table dropped before returning
unless ``out_table`` names one to keep, and the keyword ``progress=False`` turns off the call's
progress bar (:class:`~indb_ml.client.connection.Database`).

>>> r = TableResult(table=None, summary={"__iterations__": 13})
>>> r.summary["__iterations__"]
13
"""

from __future__ import annotations

import math
import numbers
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg
from psycopg import sql
from psycopg.rows import tuple_row

_PLAIN = re.compile(r"[a-z_][a-z0-9_$]*")


@dataclass(frozen=True, eq=False)
class TableResult:
    """An output table (``table``, a pandas DataFrame) and its summary row (``summary``, a dict, or
    None when the function writes no ``_summary`` table). ``out_table`` is the kept table's name,
    None when it was temporary."""

    table: Any
    summary: dict | None = None
    out_table: str | None = None

    def to_arrow(self):
        """The output table as a ``pyarrow.Table``."""
        try:
            import pyarrow as pa
        except ImportError:
            raise ImportError("TableResult.to_arrow() needs pyarrow: pip install pyarrow") from None
        return pa.Table.from_pandas(self.table, preserve_index=False)


class TableCalls:
    """Mixed into :class:`~indb_ml.client.connection.Database` (which provides ``_conn`` and
    ``_calling``, the one place a call's transaction, notices and progress bar are set up)."""

    _conn: psycopg.Connection

    # ---- regression trainers with a model table ---------------------------------------------

    def multinom(self, source: str, target: str, features, *, ref_category: Any = None, link_func: str = "logit",
                 grouping: str | Sequence[str] | None = None, max_iter: int = 100, tolerance: float = 1e-6,
                 verbose: bool = False, out_table: str | None = None, progress: bool = True) -> TableResult:
        """Multinomial logistic regression in MADlib's GLM style (``indb_ml.multinom``): one row per
        non-reference category (and group) with coef, std_err, z_stats, p_values. ``target`` may hold
        categories of any type (text, numbers); ``ref_category`` is one of them (``"a"``, ``0``), None for
        the first in sort order, as MADlib's."""
        params = _optim(max_iter=max_iter, optimizer="irls", tolerance=tolerance)
        ref = None if ref_category is None else str(ref_category)
        return self._table_call("multinom", lambda out: [
            source, out, self._ident(target), self._features(features), ref, _word(link_func),
            self._grouping(grouping), params, bool(verbose)], out_table, progress=progress)

    def ordinal(self, source: str, target: str, features, cat_order: Sequence[Any], *, link_func: str = "logit",
                grouping: str | Sequence[str] | None = None, verbose: bool = False,
                out_table: str | None = None, progress: bool = True) -> TableResult:
        """Ordinal regression (``indb_ml.ordinal``): ``cat_order`` lists the categories from lowest to
        highest (``["mild", "moderate", "severe"]``); ``features`` without an intercept."""
        if isinstance(cat_order, str):
            order = cat_order
        else:
            texts = [str(c) for c in cat_order]
            if any("," in t for t in texts):
                raise ValueError("ordinal: a category in cat_order contains a comma, which separates categories")
            order = ", ".join(texts)
        return self._table_call("ordinal", lambda out: [
            source, out, self._ident(target), self._features(features), order, _word(link_func),
            self._grouping(grouping), bool(verbose)], out_table, progress=progress)

    def robust_variance_linregr(self, source: str, target: str, features, *,
                                grouping: str | Sequence[str] | None = None,
                                out_table: str | None = None, progress: bool = True) -> TableResult:
        """Huber-White (HC0) standard errors of least squares (``indb_ml.robust_variance_linregr``)."""
        return self._table_call("robust_variance_linregr", lambda out: [
            source, out, self._ident(target), self._features(features), self._grouping(grouping)],
            out_table, progress=progress)

    def robust_variance_logregr(self, source: str, target: str, features, *,
                                grouping: str | Sequence[str] | None = None, max_iter: int = 20,
                                optimizer: str = "irls", tolerance: float = 1e-4,
                                out_table: str | None = None, progress: bool = True) -> TableResult:
        """Huber-White standard errors of logistic regression (``indb_ml.robust_variance_logregr``)."""
        return self._table_call("robust_variance_logregr", lambda out: [
            source, out, self._ident(target), self._features(features), self._grouping(grouping), int(max_iter),
            _word(optimizer), float(tolerance)], out_table, progress=progress)

    def robust_variance_mlogregr(self, source: str, target: str, features, *, ref_category: int = 0,
                                 grouping: str | Sequence[str] | None = None, max_iter: int = 20,
                                 tolerance: float = 1e-4,
                                 out_table: str | None = None, progress: bool = True) -> TableResult:
        """Huber-White standard errors of multinomial logistic regression (``indb_ml.robust_variance_mlogregr``)."""
        return self._table_call("robust_variance_mlogregr", lambda out: [
            source, out, self._ident(target), self._features(features), int(ref_category), self._grouping(grouping),
            _optim(max_iter=max_iter, optimizer="irls", tolerance=tolerance)], out_table, progress=progress)

    def clustered_variance_linregr(self, source: str, target: str, features, clustervar: str | Sequence[str], *,
                                   out_table: str | None = None, progress: bool = True) -> TableResult:
        """Cluster-robust standard errors of least squares (``indb_ml.clustered_variance_linregr``)."""
        return self._table_call("clustered_variance_linregr", lambda out: [
            source, out, self._ident(target), self._features(features), self._grouping(clustervar)],
            out_table, progress=progress)

    def clustered_variance_logregr(self, source: str, target: str, features, clustervar: str | Sequence[str], *,
                                   max_iter: int = 20, optimizer: str = "irls", tolerance: float = 1e-4,
                                   out_table: str | None = None, progress: bool = True) -> TableResult:
        """Cluster-robust standard errors of logistic regression (``indb_ml.clustered_variance_logregr``)."""
        return self._table_call("clustered_variance_logregr", lambda out: [
            source, out, self._ident(target), self._features(features), self._grouping(clustervar), int(max_iter),
            _word(optimizer), float(tolerance)], out_table, progress=progress)

    def clustered_variance_mlogregr(self, source: str, target: str, features, clustervar: str | Sequence[str], *,
                                    ref_category: int = 0, max_iter: int = 20, tolerance: float = 1e-4,
                                    out_table: str | None = None, progress: bool = True) -> TableResult:
        """Cluster-robust standard errors of multinomial logistic regression
        (``indb_ml.clustered_variance_mlogregr``)."""
        return self._table_call("clustered_variance_mlogregr", lambda out: [
            source, out, self._ident(target), self._features(features), self._grouping(clustervar),
            int(ref_category), _optim(max_iter=max_iter, optimizer="irls", tolerance=tolerance)],
            out_table, progress=progress)

    def margins(self, model_table: str, *, x_design: str | None = None, source_table: str | None = None,
                marginal_vars: Sequence[int] | None = None,
                out_table: str | None = None, progress: bool = True) -> TableResult:
        """Average marginal effects of a kept logregr / mlogregr model (``indb_ml.margins``):
        ``model_table`` is an ``out_table`` given to one of those trainers."""
        mv = None if marginal_vars is None else [int(v) for v in marginal_vars]
        return self._table_call("margins", lambda out: [model_table, out, x_design, source_table, mv], out_table,
                                cast={4: "integer[]"}, progress=progress)

    def linregr_train_incremental(self, source: str, target: str, features, *,
                                  grouping: str | Sequence[str] | None = None,
                                  out_table: str, progress: bool = True) -> TableResult:
        """Least squares kept up to date as rows arrive (``indb_ml.linregr_train_incremental``): the
        model table must be kept, so ``out_table`` is required."""
        return self._table_call("linregr_train_incremental", lambda out: [
            source, out, self._ident(target), self._features(features), self._grouping(grouping)],
            out_table, progress=progress)

    def lm_cg(self, source: str, target: str, features, *, lambda_value: float = 0.0, max_iter: int = 100,
              tolerance: float = 1e-10, out_table: str | None = None, progress: bool = True) -> TableResult:
        """Ridge / least squares by conjugate gradients over the table (``indb_ml.lm_cg``)."""
        return self._table_call("lm_cg", lambda out: [
            source, out, self._ident(target), self._features(features), float(lambda_value), int(max_iter),
            float(tolerance)], out_table, progress=progress)

    def cross_validate(self, method: str, source: str, target: str, features, *, n_folds: int = 5,
                       params: str | None = None, seed: int = 0, progress: bool = True):
        """k-fold cross-validation of a trainer (``indb_ml.cross_validate``): a DataFrame of
        ``fold, train_rows, test_rows, metric, value``."""
        args = [_word(method), source, self._ident(target), self._features(features), int(n_folds), params, int(seed)]
        with self._calling(progress) as cur:
            cur.execute("SELECT * FROM indb_ml.cross_validate(%s, %s, %s, %s, %s, %s::text, %s)", args)
            return _frame(cur)

    # ---- graph ------------------------------------------------------------------------------

    def pagerank(self, vertex_table: str, vertex_id: str, edge_table: str, *, src: str = "src",
                 dest: str = "dest", damping_factor: float = 0.85, max_iter: int = 100,
                 threshold: float | None = None, grouping: str | Sequence[str] | None = None,
                 out_table: str | None = None, progress: bool = True) -> TableResult:
        """PageRank (``indb_ml.pagerank``): columns ``vertex_id, pagerank``; summary ``__iterations__``."""
        return self._table_call("pagerank", lambda out: [
            vertex_table, self._ident(vertex_id), edge_table, self._edges(src, dest), out, float(damping_factor),
            int(max_iter), _opt_float(threshold), self._grouping(grouping)], out_table, progress=progress)

    def hits(self, vertex_table: str, vertex_id: str, edge_table: str, *, src: str = "src", dest: str = "dest",
             max_iter: int = 100, threshold: float | None = None, grouping: str | Sequence[str] | None = None,
             out_table: str | None = None, progress: bool = True) -> TableResult:
        """HITS hub and authority scores (``indb_ml.hits``)."""
        return self._table_call("hits", lambda out: [
            vertex_table, self._ident(vertex_id), edge_table, self._edges(src, dest), out, int(max_iter),
            _opt_float(threshold), self._grouping(grouping)], out_table, progress=progress)

    def weakly_connected_components(self, vertex_table: str, vertex_id: str, edge_table: str, *, src: str = "src",
                                    dest: str = "dest", grouping: str | Sequence[str] | None = None,
                                    iteration_limit: int | None = None,
                                    out_table: str | None = None, progress: bool = True) -> TableResult:
        """Weakly connected components (``indb_ml.weakly_connected_components``): ``vertex_id, component_id``."""
        return self._table_call("weakly_connected_components", lambda out: [
            vertex_table, self._ident(vertex_id), edge_table, self._edges(src, dest), out, self._grouping(grouping),
            None if iteration_limit is None else int(iteration_limit)], out_table, cast={6: "integer"},
            progress=progress)

    def graph_sssp(self, vertex_table: str, vertex_id: str, edge_table: str, source_vertex: int, *,
                   src: str = "src", dest: str = "dest", weight: str = "weight",
                   grouping: str | Sequence[str] | None = None,
                   out_table: str | None = None, progress: bool = True) -> TableResult:
        """Single-source shortest paths (``indb_ml.graph_sssp``): ``vertex_id, <weight>, parent``."""
        return self._table_call("graph_sssp", lambda out: [
            vertex_table, self._ident(vertex_id), edge_table, self._edges(src, dest, weight), int(source_vertex), out,
            self._grouping(grouping)], out_table, progress=progress)

    def graph_apsp(self, vertex_table: str, vertex_id: str, edge_table: str, *, src: str = "src",
                   dest: str = "dest", weight: str = "weight", grouping: str | Sequence[str] | None = None,
                   out_table: str | None = None, progress: bool = True) -> TableResult:
        """All-pairs shortest paths (``indb_ml.graph_apsp``): ``src, dest, <weight>, parent``."""
        return self._table_call("graph_apsp", lambda out: [
            vertex_table, self._ident(vertex_id), edge_table, self._edges(src, dest, weight), out,
            self._grouping(grouping)], out_table, progress=progress)

    def graph_bfs(self, vertex_table: str, vertex_id: str, edge_table: str, source_vertex: int, *,
                  src: str = "src", dest: str = "dest", max_distance: int | None = None,
                  directed: bool | None = None, grouping: str | Sequence[str] | None = None,
                  out_table: str | None = None, progress: bool = True) -> TableResult:
        """Breadth-first search (``indb_ml.graph_bfs``): ``vertex_id, dist, parent``."""
        return self._table_call("graph_bfs", lambda out: [
            vertex_table, self._ident(vertex_id), edge_table, self._edges(src, dest), int(source_vertex), out,
            None if max_distance is None else int(max_distance), None if directed is None else bool(directed),
            self._grouping(grouping)], out_table, cast={6: "integer", 7: "boolean"}, progress=progress)

    def graph_vertex_degrees(self, vertex_table: str, vertex_id: str, edge_table: str, *, src: str = "src",
                             dest: str = "dest", grouping: str | Sequence[str] | None = None,
                             out_table: str | None = None, progress: bool = True) -> TableResult:
        """In- and out-degree of every vertex with an edge (``indb_ml.graph_vertex_degrees``)."""
        return self._table_call("graph_vertex_degrees", lambda out: [
            vertex_table, self._ident(vertex_id), edge_table, self._edges(src, dest), out,
            self._grouping(grouping)], out_table, progress=progress)

    def kcore(self, vertex_table: str, vertex_id: str, edge_table: str, *, src: str = "src", dest: str = "dest",
              grouping: str | Sequence[str] | None = None,
              out_table: str | None = None, progress: bool = True) -> TableResult:
        """Core number of every vertex, edges undirected (``indb_ml.kcore``)."""
        return self._table_call("kcore", lambda out: [
            vertex_table, self._ident(vertex_id), edge_table, self._edges(src, dest), out,
            self._grouping(grouping)], out_table, progress=progress)

    def triangle_count(self, vertex_table: str, vertex_id: str, edge_table: str, *, src: str = "src",
                       dest: str = "dest", grouping: str | Sequence[str] | None = None,
                       out_table: str | None = None, progress: bool = True) -> TableResult:
        """Triangles, clustering coefficient and degree per vertex (``indb_ml.triangle_count``)."""
        return self._table_call("triangle_count", lambda out: [
            vertex_table, self._ident(vertex_id), edge_table, self._edges(src, dest), out,
            self._grouping(grouping)], out_table, progress=progress)

    def graph_closeness(self, apsp_table: str, *, vertex_filter_expr: str | None = None,
                        out_table: str | None = None, progress: bool = True) -> TableResult:
        """Closeness centralities from a kept ``graph_apsp`` table (``indb_ml.graph_closeness``)."""
        return self._table_call("graph_closeness", lambda out: [apsp_table, out, vertex_filter_expr], out_table,
                                cast={2: "text"}, progress=progress)

    def graph_diameter(self, apsp_table: str, *, out_table: str | None = None, progress: bool = True) -> TableResult:
        """The diameter and its end points from a kept ``graph_apsp`` table (``indb_ml.graph_diameter``)."""
        return self._table_call("graph_diameter", lambda out: [apsp_table, out], out_table, progress=progress)

    def graph_avg_path_length(self, apsp_table: str, *,
                              out_table: str | None = None, progress: bool = True) -> TableResult:
        """Average shortest-path length from a kept ``graph_apsp`` table (``indb_ml.graph_avg_path_length``)."""
        return self._table_call("graph_avg_path_length", lambda out: [apsp_table, out], out_table, progress=progress)

    def graph_wcc_histogram(self, wcc_table: str, *,
                            out_table: str | None = None, progress: bool = True) -> TableResult:
        """Vertices per component of a kept components table (``indb_ml.graph_wcc_histogram``)."""
        return self._table_call("graph_wcc_histogram", lambda out: [wcc_table, out], out_table, progress=progress)

    def graph_wcc_largest_cpt(self, wcc_table: str, *,
                              out_table: str | None = None, progress: bool = True) -> TableResult:
        """The largest component of a kept components table (``indb_ml.graph_wcc_largest_cpt``)."""
        return self._table_call("graph_wcc_largest_cpt", lambda out: [wcc_table, out], out_table, progress=progress)

    def graph_wcc_num_cpts(self, wcc_table: str, *, out_table: str | None = None, progress: bool = True) -> TableResult:
        """The number of components of a kept components table (``indb_ml.graph_wcc_num_cpts``)."""
        return self._table_call("graph_wcc_num_cpts", lambda out: [wcc_table, out], out_table, progress=progress)

    # ---- neighbours, prediction, the planner -------------------------------------------------

    def knn(self, point_source: str, point_column_name: str, point_id: str, label_column_name: str | None,
            test_source: str, test_column_name: str, test_id: str, *, k: int = 1, output_neighbors: bool = True,
            fn_dist: str = "squared_dist_norm2", weighted_avg: bool = False, algorithm: str = "brute_force",
            algorithm_params: str | None = None, out_table: str | None = None, progress: bool = True) -> TableResult:
        """k nearest neighbours (``indb_ml.knn``): ``label_column_name`` None for the neighbours only."""
        return self._table_call("knn", lambda out: [
            point_source, self._ident(point_column_name), self._ident(point_id),
            None if label_column_name is None else self._ident(label_column_name), test_source,
            self._ident(test_column_name), self._ident(test_id), out, int(k), bool(output_neighbors),
            _word(fn_dist, dotted=True), bool(weighted_avg), _word(algorithm), algorithm_params], out_table,
            cast={3: "text", 13: "text"}, progress=progress)

    def predict(self, model_name: str, source: str, id_column: str, *, version: int | None = None,
                progress: bool = True):
        """A catalogued model's predictions for ``source`` (``indb_ml.predict``): a DataFrame of
        ``id, prediction, probability, category`` (category: multinomial and ordinal models)."""
        args = [model_name, source, self._ident(id_column), version]
        with self._calling(progress) as cur:
            cur.execute("SELECT * FROM indb_ml.predict(%s, %s, %s, %s::integer)", args)
            return _frame(cur)

    def la_value(self, expr: str, bindings: dict | None = None, *, rules_off: Sequence[str] | None = None,
                 memory_mb: int | None = None, progress: bool = True) -> np.ndarray:
        """Evaluate a matrix expression with the planner (``indb_ml.la_value``) as a numpy array;
        ``bindings`` maps names in ``expr`` to tables (MADlib ``args`` in a dict) or constants."""
        from psycopg.types.json import Jsonb

        with self._calling(progress, row_factory=tuple_row) as cur:
            row = cur.execute("SELECT indb_ml.la_value(%s, %s, %s::text[], %s::integer)",
                              [expr, Jsonb(bindings or {}), None if rules_off is None else list(rules_off),
                               memory_mb]).fetchone()
        return np.array(row[0], dtype=np.float64)

    def svd(self, source_table: str, row_id: str, k: int, *, n_iterations: int | None = None,
            out_prefix: str | None = None, progress: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The truncated SVD of a matrix table (``indb_ml.svd``): ``(U, s, V)`` with ``U`` m x k,
        ``s`` the k singular values (largest first) and ``V`` n x k, so ``A ~ U @ diag(s) @ V.T``.
        The ``<prefix>_u/_s/_v`` tables are temporary unless ``out_prefix`` names them."""
        prefix = out_prefix if out_prefix is not None else "pg_temp.indb_ml_tmp_" + uuid.uuid4().hex
        args = [source_table, prefix, self._ident(row_id), int(k), None if n_iterations is None else int(n_iterations)]
        with self._calling(progress, row_factory=tuple_row) as cur:
            cur.execute("SELECT indb_ml.svd(%s, %s, %s, %s, %s::integer)", args)
            *schema, name = cur.execute("SELECT parse_ident(%s)", [prefix]).fetchone()[0]
            schema = schema or [cur.execute("SELECT current_schema()").fetchone()[0]]
            tables = {s: sql.Identifier(*schema, f"{name}_{s}") for s in ("u", "s", "v")}
            u, v = (np.array([r[0] for r in cur.execute(
                sql.SQL("SELECT row_vec FROM {} ORDER BY row_id").format(tables[s]))], dtype=np.float64)
                for s in ("u", "v"))
            values = np.array([r[0] for r in cur.execute(
                sql.SQL("SELECT value FROM {} ORDER BY row_id").format(tables["s"]))], dtype=np.float64)
            if out_prefix is None:
                cur.execute(sql.SQL("DROP TABLE {}, {}, {}").format(*tables.values()))
        return u, values, v

    # ---- plumbing ---------------------------------------------------------------------------

    def _ident(self, name: str) -> str:
        """A column name as SQL text, quoted exactly when PostgreSQL's ``quote_ident`` would: the
        server names output columns after the text it gets (knn's test column), so a plain name
        stays plain."""
        if not isinstance(name, str) or not name:
            raise TypeError(f"a column name must be a non-empty string, not {name!r}")
        if _PLAIN.fullmatch(name) and name not in self._keywords():
            return name
        return sql.Identifier(name).as_string(self._conn)

    def _keywords(self) -> frozenset:
        """PostgreSQL's keywords that a bare column name cannot be (read once per session)."""
        words = getattr(self, "_indb_ml_keywords", None)
        if words is None:
            with self._conn.transaction():
                rows = self._conn.execute("SELECT word FROM pg_catalog.pg_get_keywords() WHERE catcode <> 'U'")
                words = frozenset(r[0] for r in rows.fetchall())
            self._indb_ml_keywords = words
        return words

    def _features(self, features) -> str:
        from indb_ml.client.connection import _features_sql

        return _features_sql(features, self._conn)[0]

    def _grouping(self, grouping) -> str | None:
        from indb_ml.client.connection import _grouping_sql

        return _grouping_sql(grouping, self._conn)

    def _edges(self, src: str, dest: str, weight: str | None = None) -> str:
        """MADlib's ``edge_args`` with quoted column names: ``src="a", dest="b", weight="w"``."""
        text = f"src={self._ident(src)}, dest={self._ident(dest)}"
        return text + (f", weight={self._ident(weight)}" if weight is not None else "")

    def _table_call(self, function: str, params, out_table: str | None, cast: dict | None = None, *,
                    progress: bool = True) -> TableResult:
        """Call ``indb_ml.<function>`` with bound positional arguments (``params(out)``), then read
        the output table and its ``_summary`` (if any) in the same transaction; drop both unless
        ``out_table`` was given. ``cast`` types arguments that may be NULL; ``progress``: the bar."""
        from indb_ml.client.connection import _output_names

        out = out_table if out_table is not None else "pg_temp.indb_ml_tmp_" + uuid.uuid4().hex
        args = params(out)
        holders = [sql.SQL("%s::" + cast[i]) if cast and i in cast else sql.Placeholder() for i in range(len(args))]
        call = sql.SQL("SELECT indb_ml.{}({})").format(sql.Identifier(function), sql.SQL(", ").join(holders))
        with self._calling(progress) as cur:
            cur.execute(call, args)
            table, summary = _output_names(cur, out)
            frame = _frame(cur, sql.SQL("SELECT * FROM {}").format(table))
            exists = cur.execute("SELECT to_regclass(%s) IS NOT NULL AS e",
                                 [summary.as_string(self._conn)]).fetchone()["e"]
            summary_row = cur.execute(sql.SQL("SELECT * FROM {}").format(summary)).fetchone() if exists else None
            if out_table is None:
                cur.execute(sql.SQL("DROP TABLE IF EXISTS {}, {}").format(table, summary))
        return TableResult(table=frame, summary=dict(summary_row) if summary_row is not None else None,
                           out_table=out_table)


def _frame(cur: psycopg.Cursor, query=None):
    """The rows of ``query`` (or of the cursor's last statement) as a pandas DataFrame, one
    column per output column (arrays stay Python lists)."""
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("indb_ml's table results are pandas DataFrames: pip install indb_ml[client]") from None
    if query is not None:
        cur.execute(query)
    names = [c.name for c in cur.description]
    rows = cur.fetchall()
    if rows and isinstance(rows[0], dict):
        rows = [tuple(r.values()) for r in rows]
    return pd.DataFrame.from_records(rows, columns=names)


def _word(value: str, dotted: bool = False) -> str:
    """An option word (a link, an optimizer, a distance function): letters, digits, underscores
    (and dots for a schema-qualified function), so it cannot add options to a parameter string."""
    allowed = "_." if dotted else "_"
    if not isinstance(value, str) or not value or not all(c.isalnum() or c in allowed for c in value):
        raise ValueError(f"{value!r} is not an option name (letters, digits and underscores)")
    return value


def _opt_float(value: float | None) -> float | None:
    if value is None:
        return None
    if not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{value!r} is not a finite number")
    return float(value)


def _optim(*, max_iter: int, optimizer: str, tolerance: float) -> str:
    """MADlib's ``optim_params`` text from typed values (int() and float() make each a number)."""
    return f"max_iter={int(max_iter)}, optimizer={_word(optimizer)}, tolerance={float(tolerance)!r}"
