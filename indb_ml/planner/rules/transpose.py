"""Transpose elimination and pushdown.

t(t(X)) -> X; t(A %*% B) -> t(B) %*% t(A); sum(t(X)) -> sum(X); colSums(t(X)) -> t(rowSums(X));
rowSums(t(X)) -> t(colSums(X)); t(s) -> s for a scalar. Pushing transposes down to the
sources makes them free (a table's trans=true) and exposes t(X) %*% X to tsmm.
"""

from __future__ import annotations

from indb_ml.planner import ir

NAME = "transpose"


def rewrite(node: ir.Node) -> ir.Node | None:
    if isinstance(node, ir.Transpose):
        a = node.a
        if isinstance(a, ir.Transpose):
            return a.a
        if a.scalar:
            return a
        if isinstance(a, ir.MatMul):
            return ir.MatMul(_t(a.b), _t(a.a))
    if isinstance(node, (ir.Sum, ir.Mean)) and isinstance(node.a, ir.Transpose):
        if node.axis is None:
            return type(node)(node.a.a)
        return ir.Transpose(type(node)(node.a.a, 1 - node.axis))
    return None


def _t(node: ir.Node) -> ir.Node:
    return node.a if isinstance(node, ir.Transpose) else node if node.scalar else ir.Transpose(node)
