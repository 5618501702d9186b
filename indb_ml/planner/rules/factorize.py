"""t(A) %*% B over one key / foreign-key join, computed without materializing the join.

Matches ``Gram(J)`` (what tsmm made of ``t(J) %*% J``) and ``t(A) %*% B`` where A and B
read the same join (say X's features and the label y), and leaves
:class:`~indb_ml.planner.ir.JoinCrossprod`, which :mod:`indb_ml.planner.factorized`
computes from the fact table and per-key aggregates (Morpheus, LMFAO).
"""

from __future__ import annotations

from indb_ml.planner import ir

NAME = "factorize"


def rewrite(node: ir.Node) -> ir.Node | None:
    if isinstance(node, ir.Gram) and isinstance(node.a, ir.KeyJoin):
        return ir.JoinCrossprod(node.a, node.a)
    if (isinstance(node, ir.MatMul) and isinstance(node.a, ir.Transpose) and isinstance(node.a.a, ir.KeyJoin)
            and node.a.a.same_rows(node.b)):
        return ir.JoinCrossprod(node.a.a, node.b)
    return None
