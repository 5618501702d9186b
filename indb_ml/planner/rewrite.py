"""Apply the rules in order to a fixpoint, and record which fired.

Rules marked ``TOP_DOWN`` (chain ordering) see a node before its children are rewritten;
the others apply bottom-up, after the children.

>>> import numpy as np
>>> from indb_ml.planner.parse import parse
>>> x = ir.Table("x", "", (1000, 10))
>>> p = ir.Table("p", "", (10, 1))
>>> plan = optimize(parse("t(t(X)) %*% p", {"X": x, "p": p}.__getitem__))
>>> type(plan.node).__name__, plan.fired
('MatMul', ['transpose'])
"""

from __future__ import annotations

from dataclasses import dataclass, field

from indb_ml.planner import ir
from indb_ml.planner.rules import RULES

MAX_PASSES = 20


@dataclass
class Plan:
    before: ir.Node
    node: ir.Node
    fired: list = field(default_factory=list)


def optimize(node: ir.Node, rules=RULES, disabled: tuple = ()) -> Plan:
    """Rewrite ``node`` with ``rules`` (minus those named in ``disabled``)."""
    active = [r for r in rules if r.NAME not in disabled]
    fired: list = []
    current = node
    for _ in range(MAX_PASSES):
        new = _pass(current, active, fired)
        if new == current:
            break
        current = new
    return Plan(node, current, fired)


def _pass(node: ir.Node, rules, fired: list) -> ir.Node:
    memo: dict = {}

    def apply(n: ir.Node, chosen) -> ir.Node:
        for rule in chosen:
            new = rule.rewrite(n)
            if new is not None and new != n:
                if rule.NAME not in fired:
                    fired.append(rule.NAME)
                n = new
        return n

    top_down = [r for r in rules if getattr(r, "TOP_DOWN", False)]
    bottom_up = [r for r in rules if not getattr(r, "TOP_DOWN", False)]

    def visit(n: ir.Node) -> ir.Node:
        if n in memo:
            return memo[n]
        out = apply(n, top_down)  # e.g. chain ordering sees a whole chain before its parts are fused
        children = out.children()
        out = out.replace_children(tuple(visit(c) for c in children)) if children else out
        out = apply(out, bottom_up)
        memo[n] = out
        return out

    return visit(node)
