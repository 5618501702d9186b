"""Physical planning and execution of an optimized IR tree inside the server.

Every node's value lives either in memory (a numpy array, when its estimated size is
within ``indb_ml.matrix_memory_mb``) or in a table (a source table, or a temporary
table the plan writes). The operator for a node follows from where its operands live:

- all operands in memory: numpy (:mod:`indb_ml.planner.kernels`);
- ``Gram(X)``, ``MMChain(X, v[, w])`` with X in a table: one pass over X's row blocks;
- a table times an in-memory matrix (either side), element-wise operations and functions
  of one table and in-memory operands: row blocks (or pieces) of the table through numpy;
- two tables: the matrix functions' own operators (tiles, join, blocks or memory), into
  a temporary table;
- transposing a table is free (its ``trans=true``); sums, means and norms of a table stream.

Shared subtrees are computed once (common subexpression elimination: IR nodes are
values, so the memo is keyed by the node).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from indb_ml.core import budget, distributed
from indb_ml.core.relations import new_table, resolve_source
from indb_ml.core.session import Session
from indb_ml.matrix import ops, pieces, reduce, storage, writer
from indb_ml.matrix.args import parse_args
from indb_ml.planner import factorized, ir
from indb_ml.planner.kernels import evaluate

_names = itertools.count()
TEMP_ARGS = "row=row_num, col=col_num, val=val, fmt=dense"
# Bytes per value of a result la_value returns: the array (8), Python's list of floats (32)
# and the float8[] built from it (8).
RETURNED_BYTES = 48


@dataclass(frozen=True)
class Tab:
    """A matrix in a table: the name and args as the matrix functions take them, and trans."""

    name: str
    args: str
    trans: bool = False

    def args_text(self) -> str:
        base = ", ".join(p for p in (self.args.strip(), "trans=true" if self.trans else "") if p)
        return base

    def flipped(self) -> Tab:
        return Tab(self.name, self.args, not self.trans)


def _without_trans(args: str) -> tuple[str, bool]:
    """The argument string without ``trans=`` (names re-quoted, so commas in them survive), and trans."""
    parsed, given = parse_args(args)
    if "trans" not in given:
        return args, False
    parts = ['{}="{}"'.format(k, getattr(parsed, k).replace('"', '""')) for k in ("row", "col", "val") if k in given]
    if "fmt" in given:
        parts.append("fmt=" + parsed.fmt)
    if "dims" in given:
        parts.append(f"dims={parsed.dims[0]}x{parsed.dims[1]}")
    return ", ".join(parts), parsed.trans


def _placement_budget(sess: Session) -> int:
    """Bytes up to which an intermediate is kept in memory: ``indb_ml.la_memory_kb`` when set
    (0 sends every intermediate that can live in a table to one), else the memory cap."""
    value = sess.one("SELECT pg_catalog.current_setting('indb_ml.la_memory_kb', true) AS v")["v"]
    if value and value.isdigit():
        return min(int(value) * 1024, storage.limit_bytes(sess))
    return storage.limit_bytes(sess)


def _temp_limit_bytes(sess: Session) -> int | None:
    """PostgreSQL's ``temp_file_limit`` in bytes, or None when it is -1 (no limit)."""
    kb = sess.one("SELECT setting::bigint AS kb FROM pg_catalog.pg_settings WHERE name = 'temp_file_limit'")["kb"]
    return None if kb is None or kb < 0 else int(kb) * 1024


def _transposed(node: ir.Node) -> bool:
    """Whether a table operand reaches the executor with ``trans`` set (an odd number of
    transposes over a source table whose args may say ``trans=true``; computed tables are not)."""
    flips = 0
    while isinstance(node, ir.Transpose):
        node, flips = node.a, flips + 1
    if isinstance(node, ir.Table):
        flips += _without_trans(node.args)[1]
    return flips % 2 == 1


class Executor:
    def __init__(self, sess: Session, budget_bytes: int | None = None):
        self.sess = sess
        self.limit = storage.limit_bytes(sess)  # the memory budget: nothing in memory above it
        self.budget = _placement_budget(sess) if budget_bytes is None else min(budget_bytes, self.limit)
        self.temps: list = []
        self.steps: list = []  # (node, operator) in execution order, for EXPLAIN
        self.view_rows: dict = {}  # the bindings' feature views -> (table, row SQL), set by run()
        self.prog = None  # la_eval's / la_value's progress: run() steps before each operator

    # ---- planning --------------------------------------------------------------------------

    def location(self, node: ir.Node) -> str:
        """Where the node's value will live: 'table' for sources and results above the budget."""
        if isinstance(node, (ir.Table, ir.KeyJoin)):
            return "table"
        if isinstance(node, ir.Transpose) and self.location(node.a) == "table":
            return "table"
        return "memory" if 8 * node.shape[0] * node.shape[1] <= self.budget else "table"

    # ---- the plan check: what must be in memory, before anything runs ------------------------

    def check_plan(self, root: ir.Node, returned: bool, call: str = "la_eval") -> None:
        """Errors (54000) when the plan is certain to fail on memory, before a step runs (a step
        may write a temporary table of any size first: ``X %*% t(X)`` over 300,000 rows is a
        671 GB table before its load fails). Every value an operator makes in memory, every
        table it loads whole and, when ``returned`` (la_value), the result as a ``float8[]``
        must fit the memory budget; ``call`` names the SQL function in the message."""
        kinds: dict = {}
        disk = _temp_limit_bytes(self.sess)
        for node in root.walk():
            kind, loaded = self._predicted(node, [kinds[c] for c in node.children()])
            kinds[node] = kind
            if kind == "memory":
                self._refuse_above(call, node, 8, f"the value of {type(node).__name__}")
            elif disk is not None and not isinstance(node, (ir.Table, ir.KeyJoin, ir.Transpose)):
                self._refuse_temp(call, node, disk)
            for child in loaded:
                self._refuse_above(call, child, 8, f"{type(child).__name__}, loaded whole for {type(node).__name__},")
        if returned:
            self._refuse_above(call, root, RETURNED_BYTES, "the result, returned as float8[],")

    def _refuse_temp(self, call: str, node: ir.Node, disk: int) -> None:
        """An intermediate the plan writes to a temporary table counts as a temporary file: it
        must fit PostgreSQL's ``temp_file_limit`` (a superuser's setting) when that is set."""
        m, n = node.shape
        if 8 * m * n > disk:
            raise budget.OverBudget(
                f"{call}: the intermediate {type(node).__name__} is {m} x {n} and needs "
                f"{budget.size_text(8 * m * n)} in a temporary table, above temp_file_limit "
                f"({budget.size_text(disk)}); refused before anything runs",
                hint="reduce it in the expression (colSums before the product, t(X) %*% X instead of X %*% t(X)), "
                     "or ask a superuser to raise temp_file_limit")

    def _refuse_above(self, call: str, node: ir.Node, per_value: int, what: str) -> None:
        m, n = node.shape
        need = per_value * m * n
        if need <= self.limit and (per_value == 8 or 8 * m * n <= budget.ONE_VALUE):
            return
        over = (f"above {budget.describe(self.sess, self.limit)}" if need > self.limit
                else "above the 1 GB PostgreSQL allows in one value")
        values = "" if per_value == 8 else f" for {budget.size_text(8 * m * n)} of float64 values"
        raise budget.OverBudget(
            f"{call}: {what} is {m} x {n} and needs {budget.size_text(need)}{values}, {over}; "
            "refused before anything runs",
            hint="reduce it in the expression (colSums, a slice, t(X) %*% X), write it to a table with la_eval, "
                 "or raise SET indb_ml.matrix_memory_mb (at most indb_ml.max_memory_mb)")

    def _predicted(self, node: ir.Node, kinds: list) -> tuple[str, list]:
        """Where :meth:`_one` will leave ``node``'s value ('memory' or 'table') given where its
        children's are, and the children it loads whole (mirrors :meth:`_one`'s dispatch)."""
        children = node.children()
        if isinstance(node, (ir.Table, ir.KeyJoin)):
            return "table", []
        if isinstance(node, (ir.Const, ir.JoinCrossprod)) or all(k == "memory" for k in kinds):
            return "memory", []
        if isinstance(node, ir.Transpose):
            return "table", []
        if isinstance(node, ir.MMChain):
            return "memory", [c for c, k in zip(children[1:], kinds[1:]) if k == "table"]
        if isinstance(node, (ir.Gram, ir.Sum, ir.Mean, ir.Norm, ir.Trace, ir.Slice)):
            return "memory", []
        tables = kinds.count("table")
        if tables == 2 and isinstance(node, (ir.MatMul, ir.Elementwise)) and not (
                isinstance(node, ir.Elementwise) and node.op == "/"):
            return self.location(node), []
        if isinstance(node, ir.MatMul) and tables == 1 and (kinds[1] == "table" or _transposed(children[0])):
            return "memory", []
        if isinstance(node, (ir.MatMul, ir.Elementwise, ir.Unary)) and tables == 1:
            return self.location(node), []
        return "memory", [c for c, k in zip(children, kinds) if k == "table"]

    def operator(self, node: ir.Node) -> str:
        locs = [self.location(c) for c in node.children()]
        if isinstance(node, (ir.Table, ir.Const, ir.KeyJoin)):
            return "constant" if isinstance(node, ir.Const) else "scan"
        if isinstance(node, ir.JoinCrossprod):
            return ("factorized over the join: FᵀF in one scan of the fact table, per-key sums and counts "
                    "in one GROUP BY, the dimension rows once (the join is not materialized)")
        if "table" not in locs:
            return "numpy in memory"
        if isinstance(node, ir.Transpose):
            return "trans=true on the table (free)"
        if isinstance(node, (ir.Gram, ir.MMChain)):
            return "one pass over the table's row blocks (numpy per block)"
        if isinstance(node, (ir.Sum, ir.Mean, ir.Norm, ir.Trace)):
            return "streamed reduction over the table (matrix_sum / matrix_norm)"
        if isinstance(node, ir.Slice):
            return "the table's pieces that overlap the slice (memory: the slice)"
        if (isinstance(node, ir.MatMul) and isinstance(node.a, ir.Transpose) and locs == ["table", "table"]
                and self.location(node) == "memory"):
            return "one pass over both tables' aligned row blocks (dense), else indb_ml.matrix_mult"
        if locs.count("table") == 2 and isinstance(node, (ir.MatMul, ir.Elementwise)) and not (
                isinstance(node, ir.Elementwise) and node.op == "/"):
            name = "matrix_mult" if isinstance(node, ir.MatMul) else {
                "+": "matrix_add", "-": "matrix_sub", "*": "matrix_elem_mult"}[node.op]
            return f"indb_ml.{name} into a temporary table (it picks tiles, join, blocks or memory)"
        if isinstance(node, ir.MatMul) and locs == ["table", "memory"] and isinstance(node.a, ir.Transpose):
            return "one pass over the table's row blocks, summing Xbᵀ B (numpy per block)"
        if isinstance(node, (ir.MatMul, ir.Elementwise, ir.Unary)) and locs.count("table") == 1:
            return "row blocks of the table through numpy, result " + self.location(node)
        return "load the table into memory (capped by indb_ml.matrix_memory_mb), then numpy"

    def statements(self, node: ir.Node, sources: dict) -> list:
        """The SQL the node's operator runs (for EXPLAIN): the scan that streams its table operand,
        or the matrix function it calls. In-memory nodes run none."""
        children = node.children()
        tables = [c for c in children if self.location(c) == "table"]
        if not tables or isinstance(node, ir.Transpose) or isinstance(node, (ir.Table, ir.Const)):
            return []
        if len(tables) == 2 and isinstance(node, (ir.MatMul, ir.Elementwise)):
            fn = "matrix_mult" if isinstance(node, ir.MatMul) else {
                "+": "matrix_add", "-": "matrix_sub", "*": "matrix_elem_mult", "/": "?"}[node.op]
            a, b = (self._tab_of(t) for t in tables)
            if a is None or b is None:
                return []
            lit = self.sess.literal
            return [f"SELECT indb_ml.{fn}({lit(a.name)}, {lit(a.args_text())}, {lit(b.name)}, "
                    f"{lit(b.args_text())}, 'pg_temp.indb_ml_la_N', {lit(TEMP_ARGS)})"]
        tab = self._tab_of(tables[0])
        if tab is None:
            return []
        if isinstance(node, ir.MatMul) and tab.trans:  # t(X) %*% B reads X by rows
            tab = tab.flipped()
        try:
            return [pieces.scan_query(self.sess, self.source(tab))]
        except Exception:  # a table made by an earlier step does not exist before the run
            return []

    def _tab_of(self, node: ir.Node):
        if isinstance(node, ir.Table):
            args, trans = _without_trans(node.args)
            return Tab(node.name, args, trans)
        if isinstance(node, ir.Transpose):
            inner = self._tab_of(node.a)
            return None if inner is None else inner.flipped()
        return None

    # ---- execution -------------------------------------------------------------------------

    @staticmethod
    def operators(node: ir.Node) -> list:
        """The nodes :meth:`run` computes (not the tables and constants it only names), in order."""
        return [n for n in node.walk() if _computed(n)]

    def run(self, node: ir.Node, resolver):
        """The value of ``node``: an ndarray or a :class:`Tab`."""
        memo: dict = {}
        self.view_rows = dict(getattr(resolver, "view_rows", None) or {})
        done = 0
        for n in node.walk():
            if self.prog is not None and _computed(n):
                done += 1
                self.prog.step(done, phase="evaluate", label=type(n).__name__)
            values = [memo[c] for c in n.children()]
            if not isinstance(n, ir.JoinCrossprod):
                values = [Tab(resolver.join_view(v), "row=row_num, val=val") if isinstance(v, ir.KeyJoin) else v
                          for v in values]
            memo[n] = self._one(n, values, resolver)
            self.steps.append((n, self.operator(n)))
        return memo[node]

    def _one(self, node, values, resolver):
        if isinstance(node, ir.KeyJoin):
            return node  # read factorized by Gram, else through a view of the join (run())
        if isinstance(node, ir.JoinCrossprod):
            return factorized.crossprod(self.sess, node.a, node.b)
        if isinstance(node, ir.Const):
            return node.value
        if isinstance(node, ir.Table):
            args, trans = _without_trans(node.args)
            return Tab(node.name, args, trans)
        if all(isinstance(v, np.ndarray) for v in values):
            return self._checked(evaluate(node, values), node)
        if isinstance(node, ir.Transpose):
            return values[0].flipped()
        if isinstance(node, ir.Gram):
            return self._gram(values[0], node)
        if isinstance(node, ir.MMChain):
            return self._mmchain(node, *values)
        if isinstance(node, (ir.Sum, ir.Mean)):
            return self._sums(node, values[0])
        if isinstance(node, ir.Norm):
            return np.array([[reduce.matrix_norm(self.sess.plpy, values[0].name, values[0].args_text(),
                                                 node.kind)]])
        if isinstance(node, ir.Trace):
            diag = reduce.matrix_extract_diag(self.sess.plpy, values[0].name, values[0].args_text())
            return np.array([[float(np.sum(diag))]])
        if isinstance(node, ir.Slice):
            return self._slice(node, values[0])
        tables = [v for v in values if isinstance(v, Tab)]
        if len(tables) == 2 and isinstance(node, (ir.MatMul, ir.Elementwise)) and not (
                isinstance(node, ir.Elementwise) and node.op == "/"):
            return self._two_tables(node, *values)
        if isinstance(node, ir.MatMul) and isinstance(values[1], Tab) and len(tables) == 1:
            return self._mem_times_table(node, values[0], values[1])
        if isinstance(node, ir.MatMul) and isinstance(values[0], Tab) and values[0].trans:
            return self._table_t_times_mem(node, values[0].flipped(), values[1])
        if isinstance(node, (ir.MatMul, ir.Elementwise, ir.Unary)) and len(tables) == 1:
            return self._blocks(node, values)
        return self._checked(evaluate(node, [self.load(v) for v in values]), node)

    def _checked(self, value: np.ndarray, node: ir.Node) -> np.ndarray:
        storage.check_size(self.sess, value.shape[0], value.shape[1], f"the value of {type(node).__name__}")
        return value

    def source(self, tab: Tab) -> pieces.Source:
        return pieces.open_source(self.sess, tab.name, tab.args_text(), "matrix")

    def load(self, value) -> np.ndarray:
        if isinstance(value, np.ndarray):
            return value
        loaded = pieces.load(self.sess, self.source(value)).value
        if sparse.issparse(loaded):
            storage.check_size(self.sess, loaded.shape[0], loaded.shape[1], f"{value.name} (densified)")
            return loaded.toarray()
        return np.asarray(loaded)

    def _rows(self, tab: Tab):
        src = self.source(tab)
        if not pieces.has_row_pieces(src):  # a transposed dense table: its rows are columns
            return src, [(0, self.load(tab))]
        return src, pieces.row_pieces(self.sess, src)

    def _gram(self, tab: Tab, node) -> np.ndarray:
        k = node.shape[0]
        storage.check_size(self.sess, k, k, "the Gram matrix")
        on_shards = self._gram_on_shards(tab)
        if on_shards is not None:
            return on_shards
        out = np.zeros((k, k))
        for block in self._unordered(tab):
            gram = block.T @ block
            out += gram.toarray() if sparse.issparse(gram) else gram
        return out

    def _gram_on_shards(self, tab: Tab) -> np.ndarray | None:
        """XᵀX of a Citus hash-distributed dense table, or of a feature binding over one, as one
        ``indb_ml.gram`` aggregate over the table itself: Citus runs it as partial aggregates on
        the shards and merges the k x k states on the coordinator (no row leaves a worker; the
        streamed blocks would pull every row). None for other tables (they stream as before)."""
        if tab.trans or not distributed.citus_present(self.sess):
            return None
        if tab.name in self.view_rows:
            rel, row_sql = self.view_rows[tab.name]
            if not distributed.is_hash_distributed(self.sess, rel):
                return None
        else:
            if not distributed.is_hash_distributed(self.sess, resolve_source(self.sess, tab.name, "matrix")):
                return None
            src = self.source(tab)
            if src.fmt != "dense" or src.args.trans:
                return None
            rel, row_sql = src.rel, storage.dense_columns(self.sess, src.rel, src.cols, src.args, src.arg_name)[1]
        with distributed.citus_errors(self.sess, "la_value: t(X) %*% X", (rel,)):
            value = self.sess.one("SELECT indb_ml.gram(" + row_sql + ") AS g FROM " + rel.sql(self.sess))["g"]
        if value is None:
            return None
        return np.asarray(value, dtype=np.float64)

    def _unordered(self, tab: Tab):
        """Whole rows in any order (fastest scan), for sums over rows such as XᵀX."""
        src = self.source(tab)
        if not pieces.has_row_pieces(src):
            return [self.load(tab)]
        return pieces.unordered_rows(self.sess, src)

    def _mmchain(self, node, tab, v, w=None) -> np.ndarray:
        if not isinstance(tab, Tab):
            tab_value = tab
            xv = tab_value @ v
            return tab_value.T @ (xv if w is None else self.load(w) * xv)
        v = self.load(v)
        w = None if w is None else self.load(w)
        out = np.zeros((node.shape[0], v.shape[1]))
        if w is None:  # no row weights: any order of rows will do
            for block in self._unordered(tab):
                out += np.asarray(block.T @ (block @ v))
            return out
        for r0, block in self._rows(tab)[1]:
            out += np.asarray(block.T @ (w[r0:r0 + block.shape[0]] * (block @ v)))
        return out

    def _sums(self, node, tab: Tab) -> np.ndarray:
        src = self.source(tab)
        m, n = src.shape
        axis = 0 if node.axis is None else node.axis
        sums = reduce._any_sums(self.sess, src, axis)
        if node.axis is None:
            total = np.array([[sums.sum()]])
            return total / (m * n) if isinstance(node, ir.Mean) else total
        out = sums[None, :] if axis == 0 else sums[:, None]
        return out / src.shape[axis] if isinstance(node, ir.Mean) else out

    def _temp(self) -> tuple:
        name = f"pg_temp.indb_ml_la_{next(_names)}"
        self.sess.execute("DROP TABLE IF EXISTS " + name)
        self.temps.append(name)
        return name

    def _two_tables(self, node, a: Tab, b: Tab):
        if isinstance(node, ir.MatMul) and a.trans and not b.trans and self.location(node) == "memory":
            crossed = self._crossprod(node, a.flipped(), b)
            if crossed is not None:
                return crossed
        out = self._temp()
        if isinstance(node, ir.MatMul):
            ops.matrix_mult(self.sess.plpy, a.name, a.args_text(), b.name, b.args_text(), out, TEMP_ARGS)
        else:
            fn = {"+": ops.matrix_add, "-": ops.matrix_sub, "*": ops.matrix_elem_mult}[node.op]
            fn(self.sess.plpy, a.name, a.args_text(), b.name, b.args_text(), out, TEMP_ARGS)
        result = Tab(out, "row=row_num, val=val")
        return self.load(result) if self.location(node) == "memory" else result

    def _crossprod(self, node, a: Tab, b: Tab):
        """``t(A) %*% B`` for two dense tables with the same rows: one pass over aligned row
        blocks (a join on the row id), summing ``Abᵀ Bb``; None when they are not both dense."""
        on_shards = self._crossprod_on_shards(node, a, b)
        if on_shards is not None:
            return on_shards
        src_a, src_b = self.source(a), self.source(b)
        if src_a.fmt != "dense" or src_b.fmt != "dense" or src_a.shape[0] != src_b.shape[0]:
            return None
        out = np.zeros(node.shape)
        rows = pieces.block_rows(self.sess, src_a.shape[1] + src_b.shape[1])
        for _, xa, xb in pieces.paired_dense_blocks(self.sess, src_a, src_b, rows):
            out += xa.T @ xb
        return out

    def _crossprod_on_shards(self, node, a: Tab, b: Tab) -> np.ndarray | None:
        """``t(A) %*% B`` for two feature bindings of one Citus distributed table (X and y of the
        same rows): the off-diagonal block of one ``indb_ml.gram`` of the rows ``A || B``, partial
        aggregates on the shards (the row numbers, a window over the whole table, are not needed
        since each row pairs with itself). None otherwise."""
        if a.trans or b.trans or a.name not in self.view_rows or b.name not in self.view_rows:
            return None
        (rel_a, row_a), (rel_b, row_b) = self.view_rows[a.name], self.view_rows[b.name]
        if rel_a.sql(self.sess) != rel_b.sql(self.sess) or not distributed.is_hash_distributed(self.sess, rel_a):
            return None
        ka, kb = node.shape
        with distributed.citus_errors(self.sess, "la_value: t(X) %*% Y", (rel_a,)):
            value = self.sess.one("SELECT indb_ml.gram((" + row_a + ") || (" + row_b + ")) AS g FROM "
                                  + rel_a.sql(self.sess))["g"]
        if value is None:
            return None
        return np.asarray(value, dtype=np.float64)[:ka, ka:ka + kb]

    def _slice(self, node, tab: Tab) -> np.ndarray:
        """Rows r0:r1, columns c0:c1 of a table, read through its key: only the tiles (or rows)
        that overlap are fetched (memory: the slice)."""
        storage.check_size(self.sess, node.shape[0], node.shape[1], "the slice")
        return pieces.window(self.sess, self.source(tab), node.r0, node.r1, node.c0, node.c1)

    def _table_t_times_mem(self, node, tab: Tab, b: np.ndarray) -> np.ndarray:
        """``t(X) %*% B`` with X in a table: one pass over X's row blocks, summing ``Xbᵀ B[rows]``
        (reading X by columns would hold whole tile columns)."""
        storage.check_size(self.sess, node.shape[0], node.shape[1], "the product")
        out = np.zeros(node.shape)
        for r0, block in self._rows(tab)[1]:
            out += np.asarray(block.T @ b[r0:r0 + block.shape[0]])
        return out

    def _mem_times_table(self, node, a: np.ndarray, b: Tab) -> np.ndarray:
        """``A @ B`` with B in a table: B's pieces, each contributing ``A[:, rows] @ piece``."""
        storage.check_size(self.sess, node.shape[0], node.shape[1], "the product")
        out = np.zeros(node.shape)
        for r0, c0, piece in pieces.pieces(self.sess, self.source(b)):
            out[:, c0:c0 + piece.shape[1]] += np.asarray(a[:, r0:r0 + piece.shape[0]] @ piece)
        return out

    def _blocks(self, node, values):
        """One table streamed in row blocks; the other operands are in memory (sliced by rows
        when they have the table's shape)."""
        index = next(i for i, v in enumerate(values) if isinstance(v, Tab))
        src, blocks = self._rows(values[index])
        to_memory = self.location(node) == "memory"
        out = np.zeros(node.shape) if to_memory else None
        w = None
        if not to_memory:
            name = self._temp()
            rel = new_table(self.sess, name, "la_eval")
            w = writer.Writer(self.sess, rel, parse_args(None)[0], "dense", node.shape)
        children = node.children()
        for r0, block in blocks:
            block = block.toarray() if sparse.issparse(block) else block
            h = block.shape[0]
            parts = []
            for i, (child, v) in enumerate(zip(children, values)):
                if i == index:
                    parts.append(block)
                elif child.scalar or isinstance(node, ir.MatMul):
                    parts.append(v)
                else:
                    parts.append(v[r0:r0 + h])
            result = evaluate(node, parts)
            if to_memory:
                out[r0:r0 + h] = result
            else:
                w.write(r0, result)
        if to_memory:
            return out
        w.close()
        return Tab(name, "row=row_num, val=val")

    def drop_temps(self) -> None:
        for name in self.temps:
            self.sess.execute("DROP TABLE IF EXISTS " + name)
        self.temps = []


def _computed(node: ir.Node) -> bool:
    """A node :meth:`Executor.run` computes, as opposed to a table or constant it only names
    (the progress count of :meth:`Executor.operators` and the steps of ``run`` agree by it)."""
    return not isinstance(node, (ir.Table, ir.Const, ir.KeyJoin))
