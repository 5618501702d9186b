"""Matrix-multiplication chain ordering by dynamic programming on estimated sizes.

A maximal tree of %*% is flattened to its factors A1..An and re-parenthesized to
minimize the estimated cost: for (A @ B) the work is m*k*n scaled by the operands'
densities (sparse operands cost their non-zeros), the classic O(n³) DP (Cormen et al.,
15.2) with SystemDS's sparsity-aware cost. A chain already in its best order is left
alone, so the rule reaches a fixpoint.
"""

from __future__ import annotations

from indb_ml.planner import ir

NAME = "chain"
TOP_DOWN = True  # order the whole chain before tsmm or mmchain fuse part of it


def _factors(node: ir.Node) -> list:
    if isinstance(node, ir.MatMul):
        return _factors(node.a) + _factors(node.b)
    return [node]


def _cost(m: int, k: int, n: int, da: float, db: float) -> float:
    return m * k * n * max(da * db, 1e-9) + m * n  # multiply-adds plus writing the result


def order(factors: list) -> ir.Node:
    """The cheapest parenthesization of ``factors`` as a MatMul tree."""
    n = len(factors)
    dims = [f.shape[0] for f in factors] + [factors[-1].shape[1]]
    cost = [[0.0] * n for _ in range(n)]
    best = [[None] * n for _ in range(n)]
    dens = [[f.density if i == j else 1.0 for j in range(n)] for i, f in enumerate(factors)]
    for length in range(2, n + 1):
        for i in range(n - length + 1):
            j = i + length - 1
            cost[i][j] = float("inf")
            for s in range(i, j):
                c = cost[i][s] + cost[s + 1][j] + _cost(dims[i], dims[s + 1], dims[j + 1], dens[i][s], dens[s + 1][j])
                if c < cost[i][j]:
                    cost[i][j], best[i][j] = c, s
            k = dims[best[i][j] + 1]
            dens[i][j] = 1.0 - (1.0 - dens[i][best[i][j]] * dens[best[i][j] + 1][j]) ** k

    def build(i, j):
        return factors[i] if i == j else ir.MatMul(build(i, best[i][j]), build(best[i][j] + 1, j))

    return build(0, n - 1)


def chain_cost(node: ir.Node) -> float:
    if not isinstance(node, ir.MatMul):
        return 0.0
    a, b = node.a, node.b
    return chain_cost(a) + chain_cost(b) + _cost(a.shape[0], a.shape[1], b.shape[1], a.density, b.density)


def rewrite(node: ir.Node) -> ir.Node | None:
    if not isinstance(node, ir.MatMul):
        return None
    factors = _factors(node)
    if len(factors) < 3:
        return None
    better = order(factors)
    return better if better != node and chain_cost(better) < chain_cost(node) else None
