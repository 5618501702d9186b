"""Algebraic simplification: identities and aggregate distribution.

X * 1, 1 * X, X / 1, X + 0, 0 + X, X - 0 -> X; -(-X) -> X; sum(X + Y) -> sum(X) + sum(Y)
(and -); trace(X %*% Y) -> sum(X * t(Y)), which never forms the product.
"""

from __future__ import annotations

from indb_ml.planner import ir

NAME = "simplify"


def rewrite(node: ir.Node) -> ir.Node | None:
    if isinstance(node, ir.Elementwise):
        a, b, op = node.a, node.b, node.op
        if op == "*" and ir.is_number(b, 1.0) and node.shape == a.shape:
            return a
        if op == "*" and ir.is_number(a, 1.0) and node.shape == b.shape:
            return b
        if op == "/" and ir.is_number(b, 1.0):
            return a
        if op in ("+", "-") and ir.is_number(b, 0.0) and node.shape == a.shape:
            return a
        if op == "+" and ir.is_number(a, 0.0) and node.shape == b.shape:
            return b
    if isinstance(node, ir.Unary) and node.fn == "neg" and isinstance(node.a, ir.Unary) and node.a.fn == "neg":
        return node.a.a
    if (isinstance(node, ir.Sum) and node.axis is None and isinstance(node.a, ir.Elementwise)
            and node.a.op in ("+", "-") and not node.a.a.scalar and not node.a.b.scalar):
        return ir.Elementwise(node.a.op, ir.Sum(node.a.a), ir.Sum(node.a.b))
    if isinstance(node, ir.Trace) and isinstance(node.a, ir.MatMul):
        x, y = node.a.a, node.a.b
        return ir.Sum(ir.Elementwise("*", x, y.a if isinstance(y, ir.Transpose) else ir.Transpose(y)))
    return None
