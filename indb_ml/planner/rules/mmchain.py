"""t(X) %*% (X %*% v) and t(X) %*% (w * (X %*% v)) as one pass over X (SystemDS's mmchain).

Each block of X's rows gives Xb v, then Xbᵀ (wb * Xb v): X is read once instead of twice,
which is what an iteration of conjugate gradient or IRLS costs.
"""

from __future__ import annotations

from indb_ml.planner import ir

NAME = "mmchain"


def rewrite(node: ir.Node) -> ir.Node | None:
    if not (isinstance(node, ir.MatMul) and isinstance(node.a, ir.Transpose)):
        return None
    x, inner = node.a.a, node.b
    if isinstance(inner, ir.MatMul) and inner.a == x and inner.b.shape[1] == 1:
        return ir.MMChain(x, inner.b)
    if isinstance(inner, ir.Elementwise) and inner.op == "*":
        for w, xv in ((inner.a, inner.b), (inner.b, inner.a)):
            if (isinstance(xv, ir.MatMul) and xv.a == x and xv.b.shape[1] == 1 and not w.scalar
                    and w.shape == xv.shape):
                return ir.MMChain(x, xv.b, w)
    return None
