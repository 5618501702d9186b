"""Constant folding: an operation whose operands are all constants becomes a constant."""

from __future__ import annotations

from indb_ml.planner import ir

NAME = "fold"


def rewrite(node: ir.Node) -> ir.Node | None:
    children = node.children()
    if isinstance(node, ir.Const) or not children or not all(isinstance(c, ir.Const) for c in children):
        return None
    from indb_ml.planner.kernels import evaluate

    value = evaluate(node, [c.value for c in children])
    return ir.Const(value, is_scalar=node.scalar)
