"""Names in an expression bound to tables or constants: ``{"X": "houses_x", "lambda": 0.1}``.

A binding is a table name (text), ``{"table": ..., "args": "row=..., val=..."}``, a feature
table's numeric columns ``{"table": ..., "columns": ["x1", "x2"]}`` or its array / pgvector
column ``{"table": ..., "column": "features"}`` (rows numbered in physical order), a number
(a scalar) or a nested list of numbers (a constant matrix; a flat list is a column
vector). Tables are resolved and validated like every matrix function's input, and
their shape and non-zeros become the IR's statistics.
"""

from __future__ import annotations

import itertools
import json

import numpy as np

from indb_ml.core import distributed
from indb_ml.core.relations import HEAP_KINDS, resolve_source
from indb_ml.core.session import Session
from indb_ml.errors import InputError
from indb_ml.matrix import pieces, storage
from indb_ml.matrix.args import parse_args
from indb_ml.planner import ir

_views = itertools.count()


class Resolver:
    """Turns names into IR leaves, remembering each table's :class:`pieces.Source`."""

    def __init__(self, sess: Session, bindings):
        self.sess = sess
        if isinstance(bindings, str):
            try:
                bindings = json.loads(bindings)
            except ValueError as exc:
                raise InputError(f"bindings are not valid JSON: {exc}") from None
        if bindings is None:
            bindings = {}
        if not isinstance(bindings, dict):
            raise InputError("bindings must be a JSON object: {\"X\": \"table\", \"lambda\": 0.1, ...}")
        self.bindings = bindings
        self.sources: dict = {}
        self.cache: dict = {}
        self.views: list = []  # temporary views over feature tables, dropped by drop_views()
        self.view_rows: dict = {}  # feature view -> (its table, the row as float8[] SQL): order-free reads

    def __call__(self, name: str) -> ir.Node:
        if name not in self.cache:
            self.cache[name] = self._resolve(name)
        return self.cache[name]

    def _resolve(self, name: str) -> ir.Node:
        if name not in self.bindings:
            raise InputError(f"the expression uses {name!r}, which bindings do not define",
                             hint='bind it: \'{"' + name + '": "my_table"}\'')
        value = self.bindings[name]
        if isinstance(value, bool):
            raise InputError(f"binding {name!r} is a boolean; bind a table name, a number or a list of numbers")
        if isinstance(value, (int, float)):
            try:
                return ir.scalar(float(value))
            except OverflowError:
                raise InputError(f"binding {name!r} is beyond the range of float8", sqlstate="22003") from None
        if isinstance(value, list):
            try:
                array = np.asarray(value, dtype=np.float64)
            except OverflowError:
                raise InputError(f"binding {name!r} has a number beyond the range of float8",
                                 sqlstate="22003") from None
            except (TypeError, ValueError):
                raise InputError(f"binding {name!r} is not a list of numbers (or of rows of numbers)") from None
            if array.ndim == 1:
                array = array[:, None]
            if array.ndim != 2 or array.size == 0:
                raise InputError(f"binding {name!r} must be a non-empty vector or matrix of numbers")
            return ir.Const(array)
        if isinstance(value, dict) and isinstance(value.get("join"), dict):
            return self._key_join(name, value)
        if isinstance(value, dict) and isinstance(value.get("table"), str) and "columns" in value:
            table, args = self._feature_view(name, value["table"], value["columns"]), "row=row_num, val=val"
        elif isinstance(value, dict) and isinstance(value.get("table"), str) and "column" in value:
            table, args = self._feature_view(name, value["table"], value["column"], array=True), "row=row_num, val=val"
        elif isinstance(value, str):
            table, args = value, ""
        elif isinstance(value, dict) and isinstance(value.get("table"), str):
            table, args = value["table"], value.get("args") or ""
            if not isinstance(args, str):
                raise InputError(f"binding {name!r}: args must be a text such as 'row=row_id, val=row_vec'")
        else:
            raise InputError(f"binding {name!r} must be a table name, {{\"table\": ..., \"args\": ...}}, a number "
                             "or a list of numbers")
        if table in self.view_rows and distributed.is_hash_distributed(self.sess, self.view_rows[table][0]):
            src = self._sharded_view_source(name, table, args)
        else:
            src = pieces.open_source(self.sess, table, args, f"binding {name}")
        node = ir.Table(table, args, src.shape, nnz_stat=src.entries if src.fmt == "sparse" else None, fmt=src.fmt)
        self.sources[node] = src
        return node

    def _key_join(self, name: str, value: dict) -> ir.Node:
        """``{"table": fact, "columns": [...], "join": {"table": dim, "on": ["fk", "pk"], "columns": [...]}}``."""
        join = value["join"]
        on = join.get("on")
        if not (isinstance(value.get("table"), str) and isinstance(join.get("table"), str) and isinstance(on, list)
                and len(on) == 2 and all(isinstance(c, str) for c in on)):
            raise InputError(f"binding {name!r}: a join is {{\"table\": fact, \"columns\": [...], \"join\": "
                             "{\"table\": dimension, \"on\": [\"fact_key\", \"dimension_key\"], \"columns\": [...]}}")
        fact = resolve_source(self.sess, value["table"], f"binding {name}")
        dim = resolve_source(self.sess, join["table"], f"binding {name} (join)")
        fact_cols = self._numeric_columns(name, fact, value.get("columns"), allow_empty=True)
        dim_cols = self._numeric_columns(name, dim, join.get("columns"), allow_empty=True)
        if not fact_cols and not dim_cols:
            raise InputError(f"binding {name!r}: the join has no columns", hint="name fact or dimension columns")
        kinds_f, kinds_d = storage.columns(self.sess, fact), storage.columns(self.sess, dim)
        if on[0] not in kinds_f or on[1] not in kinds_d:
            raise InputError(f"binding {name!r}: the join columns {on[0]!r} / {on[1]!r} do not exist",
                             sqlstate=InputError.UNDEFINED_COLUMN)
        for rel, cols in ((fact, list(fact_cols) + [on[0]]), (dim, list(dim_cols) + [on[1]])):
            if self.sess.one("SELECT 1 AS n FROM " + rel.sql(self.sess) + " WHERE "
                             + " OR ".join(self.sess.ident(c) + " IS NULL" for c in cols) + " LIMIT 1"):
                raise InputError(f"binding {name!r}: {rel.schema}.{rel.name} has NULLs in {', '.join(cols)}",
                                 hint="filter them out in a view, or fill them", sqlstate=InputError.NO_DATA)
        pk = self.sess.ident(on[1])
        if self.sess.one("SELECT 1 AS d FROM " + dim.sql(self.sess) + " GROUP BY " + pk
                         + " HAVING pg_catalog.count(*) > 1 LIMIT 1"):
            raise InputError(f"binding {name!r}: {on[1]!r} is not a key of {dim.schema}.{dim.name} (it repeats)",
                             hint="a key / foreign-key join needs unique dimension keys")
        rows = self.sess.one("SELECT pg_catalog.count(*) AS n FROM " + fact.sql(self.sess) + " f JOIN "
                             + dim.sql(self.sess) + " d ON f." + self.sess.ident(on[0]) + " = d." + pk)["n"]
        if rows == 0:
            raise InputError(f"binding {name!r}: the join has no rows", sqlstate=InputError.NO_DATA)
        return ir.KeyJoin(fact.sql(self.sess), tuple(fact_cols), on[0], dim.sql(self.sess), on[1], tuple(dim_cols),
                          (int(rows), len(fact_cols) + len(dim_cols)))

    def _numeric_columns(self, name: str, rel, columns, allow_empty: bool = False) -> list:
        if allow_empty and columns is None:
            columns = []
        if (not isinstance(columns, list) or not (columns or allow_empty)
                or not all(isinstance(c, str) for c in columns)):
            raise InputError(f"binding {name!r}: columns must be a non-empty list of column names")
        kinds = storage.columns(self.sess, rel)
        for col in columns:
            if col not in kinds:
                raise InputError(f"binding {name!r}: {rel.schema}.{rel.name} has no column {col!r}",
                                 sqlstate=InputError.UNDEFINED_COLUMN)
            if kinds[col] not in storage.NUMERIC:
                raise InputError(f"binding {name!r}: column {col!r} has type {kinds[col]}, not a number",
                                 sqlstate=InputError.DATATYPE_MISMATCH)
        return columns

    def join_view(self, node: ir.KeyJoin) -> str:
        """The join as a temporary view in the dense format (for consumers that are not factorized)."""
        view = f"pg_temp.indb_ml_la_view_{next(_views)}"
        ident = self.sess.ident
        values = ", ".join(["(f." + ident(c) + ")::float8" for c in node.fact_columns]
                           + ["(d." + ident(c) + ")::float8" for c in node.dim_columns])
        self.sess.execute("CREATE TEMPORARY VIEW " + view.split(".", 1)[1] + " AS SELECT (pg_catalog.row_number() "
                          "OVER (ORDER BY f.ctid))::integer AS row_num, ARRAY[" + values + "] AS val FROM "
                          + node.fact + " f JOIN " + node.dim + " d ON f." + ident(node.fk) + " = d." + ident(node.pk))
        self.views.append(view)
        return view

    def _feature_view(self, name: str, table: str, columns, array: bool = False) -> str:
        """A temporary view numbering a feature table's rows 1..m (physical order, one snapshot
        per statement; on a Citus distributed table by the distribution column, then the physical
        order within the shard) with its columns as a float8[]: the dense matrix format."""
        rel = resolve_source(self.sess, table, f"binding {name}")
        if rel.kind not in HEAP_KINDS:
            raise InputError(f"binding {name!r}: {rel.schema}.{rel.name} is not a table, so its rows have no "
                             "stable order", hint="bind a matrix table (row id, array) instead")
        if array:
            value = self._array_column(name, rel, columns)
        else:
            self._numeric_columns(name, rel, columns)
            value = "ARRAY[" + ", ".join("(" + self.sess.ident(c) + ")::float8" for c in columns) + "]"
        view = f"pg_temp.indb_ml_la_view_{next(_views)}"
        # A Citus hash-distributed table has one ctid sequence per shard, so ctid alone does not order
        # its rows (two views of the same table, X and y, would pair different rows): its rows are
        # numbered by the distribution column, then ctid (rows of one key share a shard).
        dist = distributed.distribution(self.sess, rel)
        order = (self.sess.ident(dist.column) + ", ctid") if dist is not None and dist.hashed else "ctid"
        self.sess.execute("CREATE TEMPORARY VIEW " + view.split(".", 1)[1] + " AS SELECT (pg_catalog.row_number() "
                          "OVER (ORDER BY " + order + "))::integer AS row_num, " + value + " AS val FROM "
                          + rel.sql(self.sess))
        self.views.append(view)
        self.view_rows[view] = (rel, value)
        return view

    def _sharded_view_source(self, name: str, view: str, args_text: str) -> pieces.Source:
        """The dense source of a feature view over a Citus distributed table, checked by aggregates
        over the table itself (pushed to the shards) instead of over the view, whose row numbers
        are a window over the whole table (Citus would pull every row to the coordinator for it).
        The row ids are 1..n by construction; rows and elements must be non-NULL, of one length."""
        rel, value = self.view_rows[view]
        where = f"binding {name}: {rel.schema}.{rel.name}"
        stats = self.sess.one(
            "SELECT pg_catalog.count(*) AS n, pg_catalog.min(pg_catalog.cardinality(v)) AS kmin, "
            "pg_catalog.max(pg_catalog.cardinality(v)) AS kmax, pg_catalog.max(pg_catalog.array_ndims(v)) AS ndims, "
            "pg_catalog.bool_or(v IS NULL OR pg_catalog.array_position(v, NULL) IS NOT NULL) AS nulls "
            "FROM (SELECT " + value + " AS v FROM " + rel.sql(self.sess) + ") s")
        if stats["n"] == 0:
            raise InputError(f"{where} is empty", sqlstate=InputError.NO_DATA)
        if stats["nulls"]:
            raise InputError(f"{where} has NULL values", hint="a dense matrix has no NULLs",
                             sqlstate=InputError.NO_DATA)
        if (stats["ndims"] or 1) > 1 or not stats["kmin"] or stats["kmin"] != stats["kmax"]:
            raise InputError(f"{where}: rows must be one-dimensional and of one non-zero length "
                             f"({stats['kmin']} to {stats['kmax']} values)", sqlstate=InputError.ARRAY_DIMENSIONS)
        view_rel = resolve_source(self.sess, view, f"binding {name}")
        args, _ = parse_args(args_text)
        shape = (int(stats["n"]), int(stats["kmax"]))
        return pieces.Source(view_rel, args, "dense", storage.columns(self.sess, view_rel), shape, f"binding {name}",
                             shape[0] * shape[1])

    def _array_column(self, name: str, rel, column) -> str:
        """A numeric array or pgvector column of a feature table, as float8[] SQL."""
        kinds = storage.columns(self.sess, rel)
        if not isinstance(column, str) or column not in kinds:
            raise InputError(f"binding {name!r}: {rel.schema}.{rel.name} has no column {column!r}",
                             sqlstate=InputError.UNDEFINED_COLUMN)
        if kinds[column] == "vector":
            return "(" + self.sess.ident(column) + ")::real[]::float8[]"
        if kinds[column].startswith("_") and kinds[column][1:] in storage.NUMERIC:
            return "(" + self.sess.ident(column) + ")::float8[]"
        raise InputError(f"binding {name!r}: column {column!r} has type {kinds[column]}; it must be a numeric array "
                         "or a vector", sqlstate=InputError.DATATYPE_MISMATCH)

    def drop_views(self) -> None:
        for view in self.views:
            self.sess.execute("DROP VIEW IF EXISTS " + view)
        self.views = []
