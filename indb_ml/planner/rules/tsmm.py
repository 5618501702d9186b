"""t(X) %*% X as one pass over X (the Gram matrix, SystemDS's tsmm)."""

from __future__ import annotations

from indb_ml.planner import ir

NAME = "tsmm"


def rewrite(node: ir.Node) -> ir.Node | None:
    if isinstance(node, ir.MatMul) and isinstance(node.a, ir.Transpose) and node.a.a == node.b:
        return ir.Gram(node.b)
    return None
