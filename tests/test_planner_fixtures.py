"""One fixture file per rule (tests/fixtures/rules/<rule>.txt): the input expression, the
expected optimized plan, and both plans executed in memory on random values, which must agree."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indb_ml.planner import ir
from indb_ml.planner.kernels import evaluate_tree
from indb_ml.planner.parse import parse
from indb_ml.planner.rewrite import optimize
from indb_ml.planner.rules import RULES

FIXTURES = Path(__file__).parent / "fixtures" / "rules"


def load(path: Path) -> tuple[str, dict, str]:
    text = path.read_text()
    fields = {}
    for line in text.splitlines():
        if line.startswith(("input:", "shapes:")):
            key, value = line.split(":", 1)
            fields[key] = value.strip()
    names = {}
    for spec in fields["shapes"].split():
        name, shape = spec.split("=")
        kind, _, dims = shape.rpartition(":")
        m, n = (int(x) for x in dims.split("x"))
        if kind == "zeros":
            names[name] = ir.Const(np.zeros((m, n)))
        elif kind == "join":  # columns of one fact-dimension join; the fixtures' joins are all the same
            names[name] = ir.KeyJoin("fact", tuple(f"{name}{i}" for i in range(n)), "fk", "dim", "pk", (), (m, n))
        else:
            names[name] = ir.Table(name, "", (m, n))
    return fields["input"], names, text.split("expected:\n", 1)[1]


def outline(node: ir.Node, indent: int = 0) -> str:
    label = {ir.Table: lambda n: f"Table {n.name}", ir.KeyJoin: lambda n: f"KeyJoin {','.join(n.fact_columns)}",
             ir.Const: lambda n: f"Const {float(n.value[0, 0]):g}" if n.scalar else "Const matrix",
             ir.Elementwise: lambda n: f"Elementwise {n.op}"}.get(type(node), lambda n: type(n).__name__)(node)
    lines = ["  " * indent + f"{label}  ({node.shape[0]} x {node.shape[1]})"]
    return "\n".join(lines + [outline(c, indent + 1) for c in node.children()])


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.txt")), ids=lambda p: p.stem)
def test_rule_fixture(path):
    expr, names, expected = load(path)
    rule = path.stem
    assert rule in [r.NAME for r in RULES], f"{path.name} names no rule"
    node = parse(expr, names.__getitem__)
    plan = optimize(node)
    assert rule in plan.fired
    assert outline(plan.node) + "\n" == expected
    rng = np.random.default_rng(0)
    values = {t: rng.normal(size=t.shape) for t in names.values() if isinstance(t, (ir.Table, ir.KeyJoin))}
    want = evaluate_tree(node, values.__getitem__)
    for optimized in (plan.node, optimize(node, disabled=(rule,)).node):
        np.testing.assert_allclose(evaluate_tree(optimized, values.__getitem__), want, rtol=1e-10, atol=1e-12)


def test_every_rule_has_a_fixture():
    assert {r.NAME for r in RULES} == {p.stem for p in FIXTURES.glob("*.txt")}
