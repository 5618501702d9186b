"""A lazy matrix on the client: operators build an expression, the server plans and runs it.

``db.matrix("x", "row=row_id, val=row_vec")`` names a matrix table; ``@``, ``.T``, ``+ - * /``,
``sum``, ``solve``, slices and the element-wise functions build R-like text with
bindings (table names and numpy constants, sent as JSON). Nothing runs until
``.to_numpy()`` (``indb_ml.la_value``), ``.compute(out_table)`` (``indb_ml.la_eval``) or
``.explain()`` (``indb_ml.la_explain``): the same planner serves psql and Python.
``to_numpy`` and ``compute`` draw the client's progress bar on a long call
(``progress=False``: none); ``explain`` and ``shape`` only plan.

>>> m = Matrix(None, "X", {"X": "x"})
>>> e = m.T @ m @ np.ones(3) + 2 * m.T.sum(axis=1)
>>> e.expr.replace(next(k for k in e.bindings if k != "X"), "c")
'(((t(X) %*% X) %*% c) + (2.0 * rowSums(t(X))))'
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import numpy as np

_NAMES = itertools.count()


def fresh_name(prefix: str) -> str:
    """A binding name unique in this process, so that combined expressions never clash."""
    return f"{prefix}{next(_NAMES)}"


class Matrix:
    """An expression over matrix tables; immutable, combined with operators."""

    def __init__(self, db: Any, expr: str, bindings: dict):
        self.db = db
        self.expr = expr
        self.bindings = dict(bindings)

    # ---- building -------------------------------------------------------------------------

    def _operand(self, other: Any) -> tuple[str, dict]:
        if isinstance(other, Matrix):
            clash = {k for k in other.bindings if k in self.bindings and self.bindings[k] != other.bindings[k]}
            if clash:
                raise ValueError(f"two different sources are both bound to {sorted(clash)[0]!r}")
            return other.expr, other.bindings
        if isinstance(other, (int, float, np.integer, np.floating)) and not isinstance(other, bool):
            return repr(float(other)), {}
        array = np.asarray(other, dtype=np.float64)
        if array.ndim == 1:
            array = array[:, None]
        if array.ndim != 2:
            raise ValueError("constants must be numbers, vectors or 2-D arrays")
        name = fresh_name("c")
        return name, {name: array.tolist()}

    def _binary(self, op: str, other: Any, reverse: bool = False) -> Matrix:
        text, binds = self._operand(other)
        left, right = (text, self.expr) if reverse else (self.expr, text)
        return Matrix(self.db, f"({left} {op} {right})", {**self.bindings, **binds})

    def _call(self, fn: str, *extra: str) -> Matrix:
        return Matrix(self.db, f"{fn}({', '.join((self.expr,) + extra)})", self.bindings)

    def __matmul__(self, other):
        return self._binary("%*%", other)

    def __rmatmul__(self, other):
        return self._binary("%*%", other, reverse=True)

    def __add__(self, other):
        return self._binary("+", other)

    def __radd__(self, other):
        return self._binary("+", other, reverse=True)

    def __sub__(self, other):
        return self._binary("-", other)

    def __rsub__(self, other):
        return self._binary("-", other, reverse=True)

    def __mul__(self, other):
        return self._binary("*", other)

    def __rmul__(self, other):
        return self._binary("*", other, reverse=True)

    def __truediv__(self, other):
        return self._binary("/", other)

    def __rtruediv__(self, other):
        return self._binary("/", other, reverse=True)

    def __neg__(self):
        return Matrix(self.db, f"(-{self.expr})", self.bindings)

    @property
    def T(self) -> Matrix:  # noqa: N802 (numpy's name)
        return self._call("t")

    def sum(self, axis: int | None = None) -> Matrix:
        return self._call({None: "sum", 0: "colSums", 1: "rowSums"}[axis])

    def mean(self, axis: int | None = None) -> Matrix:
        return self._call({None: "mean", 0: "colMeans", 1: "rowMeans"}[axis])

    def norm(self, kind: str = "fro") -> Matrix:
        if kind not in ("fro", "one", "inf", "max", "spectral"):
            raise ValueError("kind is one of fro, one, inf, max, spectral")
        return self._call("norm", f"'{kind}'")

    def solve(self, b: Any = None) -> Matrix:
        """``self⁻¹ b`` (``self⁻¹`` without b)."""
        if b is None:
            return self._call("solve")
        text, binds = self._operand(b)
        return Matrix(self.db, f"solve({self.expr}, {text})", {**self.bindings, **binds})

    def inv(self) -> Matrix:
        return self.solve()

    def diag(self) -> Matrix:
        return self._call("diag")

    def trace(self) -> Matrix:
        return self._call("trace")

    def sigmoid(self) -> Matrix:
        return self._call("sigmoid")

    def exp(self) -> Matrix:
        return self._call("exp")

    def log(self) -> Matrix:
        return self._call("log")

    def __getitem__(self, key) -> Matrix:
        """Row and column slices, 0-based and end-exclusive as in numpy: ``X[0:10, :]``."""
        if not isinstance(key, tuple) or len(key) != 2:
            raise IndexError("index with two slices: X[rows, cols]")
        parts = []
        for s in key:
            if isinstance(s, int):
                s = slice(s, s + 1)
            if not isinstance(s, slice) or s.step not in (None, 1):
                raise IndexError("only slices with step 1 and integers")
            if s.start is None and s.stop is None:
                parts.append("")
            else:
                if s.start is None or s.stop is None or s.start < 0 or s.stop <= s.start:
                    raise IndexError("give both ends of a slice, 0 <= start < stop")
                parts.append(f"{s.start + 1}:{s.stop}")
        return Matrix(self.db, f"{self.expr}[{parts[0]}, {parts[1]}]", self.bindings)

    # ---- running --------------------------------------------------------------------------

    def _json(self) -> str:
        return json.dumps(self.bindings)

    def to_numpy(self, rules_off: list | None = None, *, progress: bool = True) -> np.ndarray:
        return self.db.la_value(self.expr, self.bindings, rules_off=rules_off, progress=progress)

    def compute(self, out_table: str, out_args: str | None = None, *, progress: bool = True) -> str:
        with self.db._calling(progress) as cur:
            cur.execute("SELECT indb_ml.la_eval(%s, %s, %s, %s)", [self.expr, self._json(), out_table, out_args])
        return out_table

    def explain(self) -> str:
        rows = self.db.execute("SELECT indb_ml.la_explain(%s, %s)", [self.expr, self._json()]).fetchall()
        return "\n".join(r[0] for r in rows)

    @property
    def shape(self) -> tuple[int, int]:
        row = self.db.execute("SELECT indb_ml.la_shape(%s, %s)", [self.expr, self._json()]).fetchone()
        return tuple(row[0])

    def __repr__(self) -> str:
        return f"Matrix({self.expr})"


def where(cond: Matrix, a: Any, b: Any) -> Matrix:
    """Element-wise ``a`` where ``cond`` is non-zero, else ``b``."""
    a_text, a_binds = cond._operand(a)
    b_text, b_binds = cond._operand(b)
    return Matrix(cond.db, f"where({cond.expr}, {a_text}, {b_text})", {**cond.bindings, **a_binds, **b_binds})
