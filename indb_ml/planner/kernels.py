"""numpy kernels of the IR's operations on in-memory values (2-D float64 arrays).

``evaluate(node, child_values)`` computes one node from its children's values; the
executor uses it for everything that fits in memory and constant folding uses it at
plan time. Scalars are 1 x 1 arrays.
"""

from __future__ import annotations

import numpy as np

from indb_ml.errors import InputError
from indb_ml.planner import ir


def _norm(a: np.ndarray, kind: str) -> float:
    from indb_ml.matrix.reduce import norm_of

    return norm_of(a, {"inf": "infinity", "i": "infinity", "o": "one", "m": "max", "f": "frobenius",
                       "fro": "frobenius", "s": "spectral", "2": "frobenius"}.get(kind, kind))


def sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)) without overflow for large |x|."""
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    e = np.exp(x[~pos])
    out[~pos] = e / (1.0 + e)
    return out


UNARY = {"neg": np.negative, "exp": np.exp, "log": np.log, "sigmoid": sigmoid, "abs": np.abs, "sqrt": np.sqrt}
BINARY = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}


def evaluate(node: ir.Node, values: list) -> np.ndarray:
    """``node`` computed from its children's values (in ``node.children()`` order)."""
    v = [np.atleast_2d(np.asarray(x, dtype=np.float64)) for x in values]
    if isinstance(node, ir.MatMul):
        return v[0] @ v[1]
    if isinstance(node, ir.Transpose):
        return v[0].T
    if isinstance(node, ir.Elementwise):
        a = v[0][0, 0] if node.a.scalar else v[0]
        b = v[1][0, 0] if node.b.scalar else v[1]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.atleast_2d(BINARY[node.op](a, b))
    if isinstance(node, ir.Unary):
        with np.errstate(divide="ignore", invalid="ignore"):
            return UNARY[node.fn](v[0])
    if isinstance(node, ir.Where):
        return np.atleast_2d(np.where(v[0] != 0, v[1], v[2]))
    if isinstance(node, ir.Sum):
        return np.atleast_2d(v[0].sum()) if node.axis is None else (
            v[0].sum(axis=0, keepdims=True) if node.axis == 0 else v[0].sum(axis=1, keepdims=True))
    if isinstance(node, ir.Mean):
        return np.atleast_2d(v[0].mean()) if node.axis is None else (
            v[0].mean(axis=0, keepdims=True) if node.axis == 0 else v[0].mean(axis=1, keepdims=True))
    if isinstance(node, ir.Norm):
        return np.atleast_2d(_norm(v[0], node.kind))
    if isinstance(node, ir.Trace):
        return np.atleast_2d(np.trace(v[0]))
    if isinstance(node, ir.Diag):
        return np.diag(v[0][:, 0]) if v[0].shape[1] == 1 else np.diag(v[0])[:, None]
    if isinstance(node, ir.Solve):
        try:
            return np.linalg.inv(v[0]) if len(v) == 1 else np.linalg.solve(v[0], v[1])
        except np.linalg.LinAlgError:
            raise InputError("solve: the matrix is singular", sqlstate="22000",
                             hint="solve needs a square matrix of full rank: drop dependent columns, or "
                                  "add a ridge term to the diagonal") from None
    if isinstance(node, ir.Slice):
        return v[0][node.r0:node.r1, node.c0:node.c1]
    if isinstance(node, ir.Gram):
        return v[0].T @ v[0]
    if isinstance(node, ir.JoinCrossprod):
        return v[0].T @ v[1]
    if isinstance(node, ir.MMChain):
        xv = v[0] @ v[1]
        return v[0].T @ (xv if len(v) == 2 else v[2] * xv)
    raise TypeError(f"no kernel for {type(node).__name__}")


def evaluate_tree(node: ir.Node, leaf) -> np.ndarray:
    """The whole tree in memory; ``leaf(node)`` gives a Table's value. Shared subtrees once."""
    memo: dict = {}
    for n in node.walk():
        if isinstance(n, ir.Const):
            memo[n] = n.value
        elif isinstance(n, (ir.Table, ir.KeyJoin)):
            memo[n] = leaf(n)
        else:
            memo[n] = evaluate(n, [memo[c] for c in n.children()])
    return memo[node]
