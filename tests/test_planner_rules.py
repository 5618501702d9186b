"""Planner rewrites preserve results: random expression trees, with all rules and with each
rule switched off, evaluated in memory, against numpy applied directly in the test."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indb_ml.planner import ir
from indb_ml.planner.kernels import evaluate_tree
from indb_ml.planner.parse import ParseError, parse
from indb_ml.planner.rewrite import optimize
from indb_ml.planner.rules import RULES


@st.composite
def expressions(draw, shape, depth=3):
    """``(node, value, env)``: an IR tree of ``shape`` and numpy's value for it."""
    env = draw(st.just({}))
    return _expr(draw, shape, depth, env) + (env,)


def _leaf(draw, shape, env):
    name = f"T{len(env)}"
    value = np.round(np.random.default_rng(draw(st.integers(0, 10**6))).normal(size=shape), 2)
    env[name] = value
    return ir.Table(name, "", shape), value


def _expr(draw, shape, depth, env):
    m, n = shape
    kinds = ["leaf"] if depth == 0 else ["leaf", "t", "mm", "add", "sub", "mul", "scale", "neg"]
    if depth and shape == (1, 1):
        kinds += ["sum", "trace"]
    if depth and m == 1:
        kinds.append("colsums")
    if depth and n == 1:
        kinds += ["rowsums", "mmchain", "mmchain_w"]
    if depth and m == n:
        kinds.append("gram")
    kind = draw(st.sampled_from(kinds))
    sub = lambda s: _expr(draw, s, depth - 1, env)  # noqa: E731
    k = draw(st.integers(1, 4))
    if kind == "leaf":
        return _leaf(draw, shape, env)
    if kind == "t":
        a, av = sub((n, m))
        return ir.Transpose(a), av.T
    if kind == "mm":
        (a, av), (b, bv) = sub((m, k)), sub((k, n))
        return ir.MatMul(a, b), av @ bv
    if kind in ("add", "sub", "mul"):
        (a, av), (b, bv) = sub(shape), sub(shape)
        op, fn = {"add": ("+", np.add), "sub": ("-", np.subtract), "mul": ("*", np.multiply)}[kind]
        return ir.Elementwise(op, a, b), fn(av, bv)
    if kind == "scale":
        c = draw(st.sampled_from([0.0, 1.0, 2.5]))
        a, av = sub(shape)
        return ir.Elementwise("*", ir.scalar(c), a), c * av
    if kind == "neg":
        a, av = sub(shape)
        return ir.Unary("neg", a), -av
    if kind == "sum":
        a, av = sub((draw(st.integers(1, 4)), k))
        return ir.Sum(a), np.array([[av.sum()]])
    if kind == "trace":
        (a, av), (b, bv) = sub((k, k + 1)), sub((k + 1, k))
        return ir.Trace(ir.MatMul(a, b)), np.array([[np.trace(av @ bv)]])
    if kind == "colsums":
        a, av = sub((k, n))
        return ir.Sum(a, 0), av.sum(axis=0, keepdims=True)
    if kind == "rowsums":
        a, av = sub((m, k))
        return ir.Sum(a, 1), av.sum(axis=1, keepdims=True)
    if kind == "gram":
        x, xv = _leaf(draw, (k, n), env)
        return ir.MatMul(ir.Transpose(x), x), xv.T @ xv
    x, xv = _leaf(draw, (k, m), env)
    v2, v2v = _expr(draw, (m, 1), 0, env)
    if kind == "mmchain":
        return ir.MatMul(ir.Transpose(x), ir.MatMul(x, v2)), xv.T @ (xv @ v2v)
    w, wv = _leaf(draw, (k, 1), env)
    return ir.MatMul(ir.Transpose(x), ir.Elementwise("*", w, ir.MatMul(x, v2))), xv.T @ (wv * (xv @ v2v))


SHAPES = st.tuples(st.integers(1, 4), st.integers(1, 4))


@settings(max_examples=300, deadline=None)
@given(data=st.data(), shape=SHAPES, off=st.sampled_from([None] + [r.NAME for r in RULES]))
def test_rewrites_preserve_results(data, shape, off):
    node, expected, env = data.draw(expressions(shape))
    plan = optimize(node, disabled=(off,) if off else ())
    got = evaluate_tree(plan.node, lambda t: env[t.name])
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)
    assert plan.node.shape == node.shape


def _plan(text, **shapes):
    tables = {k: ir.Table(k, "", s) for k, s in shapes.items()}
    return optimize(parse(text, tables.__getitem__))


def test_each_rule_fires_where_it_should():
    assert type(_plan("t(X) %*% X", X=(100, 5)).node) is ir.Gram
    assert type(_plan("t(X) %*% (X %*% v)", X=(100, 5), v=(5, 1)).node) is ir.MMChain
    chain = _plan("t(X) %*% X %*% v", X=(100, 5), v=(5, 1))  # the natural order forms the 5 x 5 Gram
    assert type(chain.node) is ir.MMChain and chain.fired == ["chain", "mmchain"]
    w = _plan("t(X) %*% (w * (X %*% v))", X=(100, 5), v=(5, 1), w=(100, 1)).node
    assert type(w) is ir.MMChain and w.w == ir.Table("w", "", (100, 1))
    assert _plan("t(t(X))", X=(3, 2)).node == ir.Table("X", "", (3, 2))
    assert _plan("t(A %*% B)", A=(3, 2), B=(2, 4)).node == ir.MatMul(ir.Transpose(ir.Table("B", "", (2, 4))),
                                                                    ir.Transpose(ir.Table("A", "", (3, 2))))
    assert _plan("sum(t(X))", X=(3, 2)).node == ir.Sum(ir.Table("X", "", (3, 2)))
    assert type(_plan("colSums(t(X))", X=(3, 2)).node) is ir.Transpose
    assert _plan("X * 1 + 0", X=(3, 2)).node == ir.Table("X", "", (3, 2))
    assert _plan("trace(A %*% B)", A=(3, 2), B=(2, 3)).fired == ["simplify"]
    folded = _plan("2 * 3 + X", X=(2, 2)).node
    assert isinstance(folded.a, ir.Const) and folded.a.value[0, 0] == 6.0
    # A %*% B %*% v with big A, B: multiply the vector first.
    abv = _plan("A %*% B %*% v", A=(1000, 1000), B=(1000, 1000), v=(1000, 1)).node
    assert abv.b == ir.MatMul(ir.Table("B", "", (1000, 1000)), ir.Table("v", "", (1000, 1)))


@pytest.mark.parametrize("text, message", [
    ("X %*%", "unexpected"), ("foo(X)", "unknown function 'foo'"), ("X; DROP TABLE x", "unexpected '; DROP"),
    ("sum(X, X)", "sum takes 1 arguments"), ("X ^ 3", "only \\^2"), ("norm(X, 'drop')", "unexpected string"),
    ("", "empty"), ("X[0, 1]", "positive integer"),
])
def test_parse_errors_name_the_problem(text, message):
    with pytest.raises(ParseError, match=message):
        parse(text, {"X": ir.Table("X", "", (3, 3))}.__getitem__)


def test_shape_errors():
    with pytest.raises(ir.ShapeError, match="inner dimensions"):
        parse("X %*% X", {"X": ir.Table("X", "", (3, 2))}.__getitem__)
    with pytest.raises(ir.ShapeError, match="differ in shape"):
        parse("X + t(X)", {"X": ir.Table("X", "", (3, 2))}.__getitem__)
