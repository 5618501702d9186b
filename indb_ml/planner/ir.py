"""The planner's logical IR: immutable operation nodes that know their shape and sparsity.

Every node is a frozen dataclass, so equal subtrees are equal values: hashing them is
common subexpression elimination for free, and a rewrite is a function from a node to a
node. ``shape`` is ``(rows, cols)`` (a scalar is ``(1, 1)`` with ``scalar=True``);
``nnz`` estimates the non-zeros and is propagated with the usual worst-case rules
(SystemDS's): a product's density is ``1 - (1 - da*db)^k``, a sum's is ``da + db``.

>>> x = Table("x", "", (100, 5), nnz_stat=500)
>>> g = MatMul(Transpose(x), x)
>>> g.shape, g.nnz
((5, 5), 25)
>>> Sum(x, axis=None).scalar
True
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Iterator

import numpy as np


class Node:
    """Base of the IR. Subclasses are frozen dataclasses whose Node-typed fields are children."""

    shape: tuple[int, int]

    @property
    def nnz(self) -> int:
        return self.shape[0] * self.shape[1]

    @property
    def scalar(self) -> bool:
        return False

    @property
    def density(self) -> float:
        cells = self.shape[0] * self.shape[1]
        return min(1.0, self.nnz / cells) if cells else 0.0

    def children(self) -> tuple[Node, ...]:
        return tuple(getattr(self, f.name) for f in fields(self) if isinstance(getattr(self, f.name), Node))

    def replace_children(self, new: tuple[Node, ...]) -> Node:
        if not new:
            return self
        it = iter(new)
        values = {f.name: (next(it) if isinstance(getattr(self, f.name), Node) else getattr(self, f.name))
                  for f in fields(self) if f.init}
        return type(self)(**values)

    def walk(self) -> Iterator[Node]:
        """Every node, children before parents, each distinct subtree once."""
        seen: set = set()

        def visit(node):
            if node in seen:
                return
            seen.add(node)
            for child in node.children():
                yield from visit(child)
            yield node

        yield from visit(self)


def _cells(shape) -> int:
    return shape[0] * shape[1]


# ---- sources ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table(Node):
    """A matrix table: name, MADlib argument string, shape and non-zeros from its statistics."""

    name: str
    args: str
    shape: tuple[int, int]
    nnz_stat: int | None = None
    fmt: str = "dense"

    @property
    def nnz(self) -> int:
        return _cells(self.shape) if self.nnz_stat is None else self.nnz_stat


@dataclass(frozen=True)
class KeyJoin(Node):
    """The features of a fact table joined to a dimension table on a key / foreign key,
    ``[fact columns | dimension columns]`` per matching fact row, not materialized.

    ``t(X) %*% X`` over it is computed factorized (Morpheus, LMFAO): the fact columns'
    Gram in one scan, per-key sums of the fact columns and key counts in one GROUP BY,
    and the dimension rows once; other consumers read a temporary view of the join.
    """

    fact: str
    fact_columns: tuple
    fk: str
    dim: str
    pk: str
    dim_columns: tuple
    shape: tuple[int, int]

    def same_rows(self, other: Node) -> bool:
        """Both read the same join (so their rows correspond one to one)."""
        return isinstance(other, KeyJoin) and (self.fact, self.fk, self.dim, self.pk) == (
            other.fact, other.fk, other.dim, other.pk)


@dataclass(frozen=True, eq=False)
class Const(Node):
    """A constant matrix (a number is a 1 x 1 constant with ``is_scalar``)."""

    value: np.ndarray = field(repr=False)
    is_scalar: bool = False

    def __post_init__(self):
        object.__setattr__(self, "value", np.atleast_2d(np.asarray(self.value, dtype=np.float64)))

    @property
    def shape(self) -> tuple[int, int]:
        return self.value.shape

    @property
    def nnz(self) -> int:
        return int(np.count_nonzero(self.value))

    @property
    def scalar(self) -> bool:
        return self.is_scalar

    def __eq__(self, other):
        return (isinstance(other, Const) and self.is_scalar == other.is_scalar
                and self.value.shape == other.value.shape and bool(np.array_equal(self.value, other.value)))

    def __hash__(self):
        return hash((self.is_scalar, self.value.shape, self.value.tobytes()))


def scalar(x: float) -> Const:
    return Const(np.array([[float(x)]]), is_scalar=True)


def is_number(node: Node, value: float | None = None) -> bool:
    return isinstance(node, Const) and node.is_scalar and (value is None or float(node.value[0, 0]) == value)


# ---- operations ---------------------------------------------------------------------------


class ShapeError(ValueError):
    """Operands whose shapes do not fit the operation (a user error)."""


@dataclass(frozen=True)
class MatMul(Node):
    a: Node
    b: Node

    def __post_init__(self):
        if self.a.shape[1] != self.b.shape[0]:
            raise ShapeError(f"%*%: {self.a.shape[0]} x {self.a.shape[1]} times {self.b.shape[0]} x "
                             f"{self.b.shape[1]}: the inner dimensions differ")

    @property
    def shape(self):
        return (self.a.shape[0], self.b.shape[1])

    @property
    def nnz(self) -> int:
        k = self.a.shape[1]
        d = 1.0 - (1.0 - self.a.density * self.b.density) ** k
        return int(round(d * _cells(self.shape)))


@dataclass(frozen=True)
class Transpose(Node):
    a: Node

    @property
    def shape(self):
        return (self.a.shape[1], self.a.shape[0])

    @property
    def nnz(self) -> int:
        return self.a.nnz

    @property
    def scalar(self) -> bool:
        return self.a.scalar


ELEMENTWISE = ("+", "-", "*", "/")


@dataclass(frozen=True)
class Elementwise(Node):
    """``a op b`` element by element; a scalar operand broadcasts, as in R."""

    op: str
    a: Node
    b: Node

    def __post_init__(self):
        if self.op not in ELEMENTWISE:
            raise ValueError(f"unknown element-wise operator {self.op}")
        if not (self.a.scalar or self.b.scalar) and self.a.shape != self.b.shape:
            raise ShapeError(f"{self.op}: {self.a.shape[0]} x {self.a.shape[1]} and {self.b.shape[0]} x "
                             f"{self.b.shape[1]} differ in shape")

    @property
    def shape(self):
        return self.b.shape if self.a.scalar else self.a.shape

    @property
    def scalar(self) -> bool:
        return self.a.scalar and self.b.scalar

    @property
    def nnz(self) -> int:
        cells = _cells(self.shape)
        if self.op == "*":
            return min(self.a.nnz if not self.a.scalar else cells, self.b.nnz if not self.b.scalar else cells)
        if self.op == "/" or self.a.scalar or self.b.scalar:
            return cells
        return min(cells, self.a.nnz + self.b.nnz)


UNARY = ("neg", "exp", "log", "sigmoid", "abs", "sqrt")


@dataclass(frozen=True)
class Unary(Node):
    """An element-wise function: neg, exp, log, sigmoid, abs, sqrt."""

    fn: str
    a: Node

    def __post_init__(self):
        if self.fn not in UNARY:
            raise ValueError(f"unknown function {self.fn}")

    @property
    def shape(self):
        return self.a.shape

    @property
    def scalar(self) -> bool:
        return self.a.scalar

    @property
    def nnz(self) -> int:
        return self.a.nnz if self.fn in ("neg", "abs", "sqrt") else _cells(self.shape)


@dataclass(frozen=True)
class Where(Node):
    """``where(cond, a, b)``: a where cond is non-zero, else b (scalars broadcast)."""

    cond: Node
    a: Node
    b: Node

    @property
    def shape(self):
        for node in (self.cond, self.a, self.b):
            if not node.scalar:
                return node.shape
        return (1, 1)

    @property
    def scalar(self) -> bool:
        return self.cond.scalar and self.a.scalar and self.b.scalar


@dataclass(frozen=True)
class Sum(Node):
    """``sum`` (axis None, a scalar), ``colSums`` (axis 0, 1 x n) or ``rowSums`` (axis 1, m x 1)."""

    a: Node
    axis: int | None = None

    @property
    def shape(self):
        m, n = self.a.shape
        return (1, 1) if self.axis is None else (1, n) if self.axis == 0 else (m, 1)

    @property
    def scalar(self) -> bool:
        return self.axis is None


@dataclass(frozen=True)
class Mean(Node):
    a: Node
    axis: int | None = None

    @property
    def shape(self):
        return Sum(self.a, self.axis).shape

    @property
    def scalar(self) -> bool:
        return self.axis is None


@dataclass(frozen=True)
class Norm(Node):
    """A matrix norm named as matrix_norm names them (default Frobenius)."""

    a: Node
    kind: str = "fro"
    shape: tuple[int, int] = (1, 1)

    @property
    def scalar(self) -> bool:
        return True


@dataclass(frozen=True)
class Trace(Node):
    a: Node
    shape: tuple[int, int] = (1, 1)

    def __post_init__(self):
        if self.a.shape[0] != self.a.shape[1]:
            raise ShapeError(f"trace: the matrix is {self.a.shape[0]} x {self.a.shape[1]}, not square")

    @property
    def scalar(self) -> bool:
        return True


@dataclass(frozen=True)
class Diag(Node):
    """R's ``diag``: a column vector becomes a diagonal matrix; a matrix gives its diagonal as a column."""

    a: Node

    @property
    def shape(self):
        m, n = self.a.shape
        return (m, m) if n == 1 else (min(m, n), 1)

    @property
    def nnz(self) -> int:
        return min(self.a.nnz, self.shape[0])


@dataclass(frozen=True)
class Solve(Node):
    """``solve(a, b)`` = a⁻¹ b; ``solve(a)`` (b None) = a⁻¹."""

    a: Node
    b: Node | None = None

    def __post_init__(self):
        if self.a.shape[0] != self.a.shape[1]:
            raise ShapeError(f"solve: the matrix is {self.a.shape[0]} x {self.a.shape[1]}, not square")
        if self.b is not None and self.b.shape[0] != self.a.shape[0]:
            raise ShapeError(f"solve: the matrix has {self.a.shape[0]} rows and the right-hand side "
                             f"{self.b.shape[0]}")

    def children(self):
        return (self.a,) if self.b is None else (self.a, self.b)

    def replace_children(self, new):
        return Solve(new[0], new[1] if len(new) > 1 else None)

    @property
    def shape(self):
        return self.a.shape if self.b is None else (self.a.shape[0], self.b.shape[1])


@dataclass(frozen=True)
class Slice(Node):
    """Rows ``r0:r1`` and columns ``c0:c1`` (0-based, end exclusive)."""

    a: Node
    r0: int
    r1: int
    c0: int
    c1: int

    def __post_init__(self):
        m, n = self.a.shape
        if not (0 <= self.r0 < self.r1 <= m and 0 <= self.c0 < self.c1 <= n):
            raise ShapeError(f"index [{self.r0 + 1}:{self.r1}, {self.c0 + 1}:{self.c1}] is outside {m} x {n}")

    @property
    def shape(self):
        return (self.r1 - self.r0, self.c1 - self.c0)


# ---- fused physical-leaning nodes that rewrites introduce ------------------------------------


@dataclass(frozen=True)
class Gram(Node):
    """``t(X) %*% X`` in one pass over X (tsmm)."""

    a: Node

    @property
    def shape(self):
        return (self.a.shape[1], self.a.shape[1])


@dataclass(frozen=True)
class MMChain(Node):
    """``t(X) %*% (X %*% v)`` or, with ``w``, ``t(X) %*% (w * (X %*% v))`` in one pass over X."""

    x: Node
    v: Node
    w: Node | None = None

    def children(self):
        return (self.x, self.v) if self.w is None else (self.x, self.v, self.w)

    def replace_children(self, new):
        return MMChain(new[0], new[1], new[2] if len(new) > 2 else None)

    @property
    def shape(self):
        return (self.x.shape[1], self.v.shape[1])


@dataclass(frozen=True)
class JoinCrossprod(Node):
    """``t(A) %*% B`` for two column sets of one key / foreign-key join, computed factorized."""

    a: KeyJoin
    b: KeyJoin

    @property
    def shape(self):
        return (self.a.shape[1], self.b.shape[1])
