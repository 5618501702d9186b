"""Constant folding: an operation whose operands are all constants becomes a constant.

Only up to ``MAX_CELLS`` values: folding runs while planning, before the plan is checked
against the memory budget, and a few constants can describe a huge result (``v %*% t(v)``
of a 300,000-vector is 671 GB). Bigger results keep their operation, which the executor
computes under the budget (or refuses before anything runs).

>>> from indb_ml.planner import ir
>>> import numpy as np
>>> v, row = ir.Const(np.ones((2000, 1))), ir.Const(np.ones((1, 2000)))
>>> rewrite(ir.MatMul(row, v)).value.tolist()
[[2000.0]]
>>> rewrite(ir.MatMul(v, row)) is None
True
"""

from __future__ import annotations

from indb_ml.planner import ir

NAME = "fold"
MAX_CELLS = 1_000_000  # as the empty-operand rule's materialized zeros (8 MB)


def rewrite(node: ir.Node) -> ir.Node | None:
    children = node.children()
    if isinstance(node, ir.Const) or not children or not all(isinstance(c, ir.Const) for c in children):
        return None
    if node.shape[0] * node.shape[1] > MAX_CELLS:
        return None
    from indb_ml.planner.kernels import evaluate

    value = evaluate(node, [c.value for c in children])
    return ir.Const(value, is_scalar=node.scalar)
