"""R-like matrix expressions (``t(X) %*% X %*% p + lambda * p``) parsed into the IR.

The grammar is R's, with R's precedence (high to low): ``^``, unary minus, ``%*%``,
``* /``, ``+ -``. Names are looked up through ``resolve`` (tables and constants bound by
the caller); numbers are scalars; functions are a fixed list. Anything else is an error
that names the position, so no text from the expression ever reaches SQL.

>>> import numpy as np
>>> names = {"X": Const(np.ones((3, 2))), "v": Const(np.ones((2, 1)))}
>>> e = parse("t(X) %*% (X %*% v) + 2 * v", names.__getitem__)
>>> type(e).__name__, e.shape
('Elementwise', (2, 1))
"""

from __future__ import annotations

import re
from typing import Callable

from indb_ml.planner import ir
from indb_ml.planner.ir import Const, Node

_TOKEN = re.compile(r"\s*(?:(?P<num>\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)"
                    r"|(?P<name>[A-Za-z_][A-Za-z0-9_.]*)|(?P<str>'[^']*'|\"[^\"]*\")|(?P<op>%\*%|[-+*/^(),\[\]:]))")


class ParseError(ValueError):
    """A syntax error in an expression, with its position (1-based)."""


def tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m:
            raise ParseError(f"unexpected {text[pos:].strip()[:10]!r} at position {pos + 1}")
        kind = m.lastgroup
        tokens.append((kind, m.group(kind), m.start(kind) + 1))
        pos = m.end()
    tokens.append(("end", "", len(text) + 1))
    return tokens


def _unary(fn):
    return lambda args: ir.Unary(fn, args[0])


FUNCTIONS: dict[str, tuple[int, int, Callable]] = {  # name: (min args, max args, builder)
    "t": (1, 1, lambda a: ir.Transpose(a[0])),
    "sum": (1, 1, lambda a: ir.Sum(a[0])),
    "colSums": (1, 1, lambda a: ir.Sum(a[0], 0)),
    "rowSums": (1, 1, lambda a: ir.Sum(a[0], 1)),
    "mean": (1, 1, lambda a: ir.Mean(a[0])),
    "colMeans": (1, 1, lambda a: ir.Mean(a[0], 0)),
    "rowMeans": (1, 1, lambda a: ir.Mean(a[0], 1)),
    "norm": (1, 2, lambda a: ir.Norm(a[0], a[1] if len(a) > 1 else "fro")),
    "solve": (1, 2, lambda a: ir.Solve(a[0], a[1] if len(a) > 1 else None)),
    "diag": (1, 1, lambda a: ir.Diag(a[0])),
    "trace": (1, 1, lambda a: ir.Trace(a[0])),
    "where": (3, 3, lambda a: ir.Where(a[0], a[1], a[2])),
    "exp": (1, 1, _unary("exp")),
    "log": (1, 1, _unary("log")),
    "sigmoid": (1, 1, _unary("sigmoid")),
    "abs": (1, 1, _unary("abs")),
    "sqrt": (1, 1, _unary("sqrt")),
}
NORM_KINDS = ("fro", "one", "inf", "max", "spectral", "o", "i", "m", "f", "s", "2")


class _Parser:
    def __init__(self, text: str, resolve: Callable[[str], Node]):
        self.tokens = tokenize(text)
        self.i = 0
        self.resolve = resolve

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i]

    def take(self, value: str | None = None) -> tuple[str, str, int]:
        tok = self.tokens[self.i]
        if value is not None and tok[1] != value:
            raise ParseError(f"expected {value!r} at position {tok[2]}, found {tok[1] or 'the end'!r}")
        self.i += 1
        return tok

    def at(self, *values: str) -> bool:
        kind, value, _ = self.peek()
        return kind == "op" and value in values

    def parse(self) -> Node:
        node = self.add()
        kind, value, pos = self.peek()
        if kind != "end":
            raise ParseError(f"unexpected {value!r} at position {pos}")
        return node

    def add(self) -> Node:
        node = self.mul()
        while self.at("+", "-"):
            op = self.take()[1]
            node = ir.Elementwise(op, node, self.mul())
        return node

    def mul(self) -> Node:
        node = self.matmul()
        while self.at("*", "/"):
            op = self.take()[1]
            node = ir.Elementwise(op, node, self.matmul())
        return node

    def matmul(self) -> Node:
        node = self.unary()
        while self.at("%*%"):
            self.take()
            node = ir.MatMul(node, self.unary())
        return node

    def unary(self) -> Node:
        if self.at("-"):
            self.take()
            return ir.Unary("neg", self.unary())
        if self.at("+"):
            self.take()
            return self.unary()
        return self.power()

    def power(self) -> Node:
        node = self.postfix()
        if self.at("^"):
            _, _, pos = self.take()
            exponent = self.unary()
            if not ir.is_number(exponent) or float(exponent.value[0, 0]) != 2.0:
                raise ParseError(f"only ^2 is supported (position {pos}); write exp(p * log(x)) otherwise")
            node = ir.Elementwise("*", node, node)
        return node

    def postfix(self) -> Node:
        node = self.primary()
        while self.at("["):
            node = self.index(node)
        return node

    def index(self, node: Node) -> Node:
        self.take("[")
        rows = self.range_(node.shape[0])
        self.take(",")
        cols = self.range_(node.shape[1])
        self.take("]")
        return ir.Slice(node, rows[0], rows[1], cols[0], cols[1])

    def range_(self, size: int) -> tuple[int, int]:
        """``i``, ``i:j`` (1-based, inclusive, as R) or nothing (everything)."""
        if self.at(",", "]"):
            return 0, size
        lo = self._int()
        hi = self._int() if self.at(":") and self.take() else lo
        return lo - 1, hi

    def _int(self) -> int:
        kind, value, pos = self.take()
        if kind != "num" or not value.isdigit() or int(value) < 1:
            raise ParseError(f"expected a positive integer index at position {pos}, found {value!r}")
        return int(value)

    def primary(self) -> Node:
        kind, value, pos = self.take()
        if kind == "num":
            return ir.scalar(float(value))
        if kind == "op" and value == "(":
            node = self.add()
            self.take(")")
            return node
        if kind == "name":
            if self.at("("):
                return self.call(value, pos)
            return self.resolve(value)
        raise ParseError(f"unexpected {value or 'end of expression'!r} at position {pos}")

    def call(self, name: str, pos: int) -> Node:
        if name not in FUNCTIONS:
            raise ParseError(f"unknown function {name!r} at position {pos}; known: {', '.join(sorted(FUNCTIONS))}")
        lo, hi, build = FUNCTIONS[name]
        self.take("(")
        args: list = []
        while not self.at(")"):
            if args:
                self.take(",")
            kind, value, p = self.peek()
            if kind == "str":
                self.take()
                if name != "norm" or value[1:-1] not in NORM_KINDS:
                    raise ParseError(f"unexpected string {value} at position {p}")
                args.append(value[1:-1])
            else:
                args.append(self.add())
        self.take(")")
        if not lo <= len(args) <= hi:
            raise ParseError(f"{name} takes {lo if lo == hi else f'{lo} to {hi}'} arguments, got {len(args)} "
                             f"(position {pos})")
        return build(args)


def parse(text: str, resolve: Callable[[str], Node]) -> Node:
    if text is None or not text.strip():
        raise ParseError("the expression is empty")
    return _Parser(text, resolve).parse()


__all__ = ["Const", "ParseError", "parse", "tokenize"]


def render(node: Node) -> str:
    """The R-like text of an IR tree (tables by name, constants as numbers when scalar):
    ``parse(render(n), names) == n`` for trees made of tables, scalars and operations."""
    if isinstance(node, ir.Table):
        return node.name
    if isinstance(node, ir.Const):
        if not node.scalar:
            raise ValueError("a constant matrix has no text; bind it to a name")
        return repr(float(node.value[0, 0]))
    if isinstance(node, ir.MatMul):
        return f"({render(node.a)} %*% {render(node.b)})"
    if isinstance(node, ir.Elementwise):
        return f"({render(node.a)} {node.op} {render(node.b)})"
    if isinstance(node, ir.Unary):
        return f"(-{render(node.a)})" if node.fn == "neg" else f"{node.fn}({render(node.a)})"
    simple = {ir.Transpose: "t", ir.Diag: "diag", ir.Trace: "trace"}
    if type(node) in simple:
        return f"{simple[type(node)]}({render(node.a)})"
    if isinstance(node, (ir.Sum, ir.Mean)):
        base = "sum" if isinstance(node, ir.Sum) else "mean"
        fn = {None: base, 0: "col" + base.capitalize() + "s", 1: "row" + base.capitalize() + "s"}[node.axis]
        return f"{fn}({render(node.a)})"
    if isinstance(node, ir.Norm):
        return f"norm({render(node.a)}, '{node.kind}')"
    if isinstance(node, ir.Solve):
        return f"solve({render(node.a)})" if node.b is None else f"solve({render(node.a)}, {render(node.b)})"
    if isinstance(node, ir.Where):
        return f"where({render(node.cond)}, {render(node.a)}, {render(node.b)})"
    if isinstance(node, ir.Slice):
        return f"{render(node.a)}[{node.r0 + 1}:{node.r1}, {node.c0 + 1}:{node.c1}]"
    raise ValueError(f"{type(node).__name__} has no R syntax (it is made by rewrites)")
