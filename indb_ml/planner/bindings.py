"""Names in an expression bound to tables or constants: ``{"X": "houses_x", "lambda": 0.1}``.

A binding is a table name (text), ``{"table": ..., "args": "row=..., val=..."}``, a number
(a scalar) or a nested list of numbers (a constant matrix; a flat list is a column
vector). Tables are resolved and validated like every matrix function's input, and
their shape and non-zeros become the IR's statistics.
"""

from __future__ import annotations

import json

import numpy as np

from indb_ml.errors import InputError
from indb_ml.matrix import pieces
from indb_ml.planner import ir
from indb_ml.server.session import Session


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
            return ir.scalar(float(value))
        if isinstance(value, list):
            try:
                array = np.asarray(value, dtype=np.float64)
            except (TypeError, ValueError):
                raise InputError(f"binding {name!r} is not a list of numbers (or of rows of numbers)") from None
            if array.ndim == 1:
                array = array[:, None]
            if array.ndim != 2 or array.size == 0:
                raise InputError(f"binding {name!r} must be a non-empty vector or matrix of numbers")
            return ir.Const(array)
        if isinstance(value, str):
            table, args = value, ""
        elif isinstance(value, dict) and isinstance(value.get("table"), str):
            table, args = value["table"], value.get("args") or ""
            if not isinstance(args, str):
                raise InputError(f"binding {name!r}: args must be a text such as 'row=row_id, val=row_vec'")
        else:
            raise InputError(f"binding {name!r} must be a table name, {{\"table\": ..., \"args\": ...}}, a number "
                             "or a list of numbers")
        src = pieces.open_source(self.sess, table, args, f"binding {name}")
        node = ir.Table(table, args, src.shape, nnz_stat=src.entries if src.fmt == "sparse" else None, fmt=src.fmt)
        self.sources[node] = src
        return node
