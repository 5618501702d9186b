"""Rewrites for empty operands: an all-zero constant makes products and scalings zero, and
adding zeros is a no-op, so the other operand is never read.

A %*% 0 -> 0; 0 %*% B -> 0; 0 * X -> 0 (scalar or matrix zeros); X + 0, 0 + X, X - 0 -> X
(zeros of X's shape). Zeros are materialized only up to ``MAX_CELLS``; bigger results keep
their operation. Like SystemDS, this assumes finite values: numpy would give NaN for
``0 * inf``, and these rewrites give 0.
"""

from __future__ import annotations

import numpy as np

from indb_ml.planner import ir

NAME = "empty"
MAX_CELLS = 1_000_000


def _zero(node: ir.Node) -> bool:
    return isinstance(node, ir.Const) and not np.any(node.value)


def _zeros(shape) -> ir.Node | None:
    return ir.Const(np.zeros(shape)) if shape[0] * shape[1] <= MAX_CELLS else None


def rewrite(node: ir.Node) -> ir.Node | None:
    if isinstance(node, ir.MatMul) and (_zero(node.a) or _zero(node.b)):
        return _zeros(node.shape)
    if isinstance(node, ir.Elementwise):
        a, b = node.a, node.b
        if node.op == "*" and (_zero(a) or _zero(b)):
            return ir.scalar(0.0) if node.scalar else _zeros(node.shape)
        if node.op in ("+", "-") and _zero(b) and not b.scalar and b.shape == a.shape:
            return a
        if node.op == "+" and _zero(a) and not a.scalar and a.shape == b.shape:
            return b
    return None
