"""SQL entry points of the planner: ``la_eval``, ``la_value`` and ``la_explain``.

``expr`` is R-like text (:mod:`indb_ml.planner.parse`), ``bindings`` a JSON object naming
the tables and constants it uses (:mod:`indb_ml.planner.bindings`). The expression is
parsed, rewritten (:mod:`indb_ml.planner.rewrite`) and run (:mod:`indb_ml.planner.execute`);
nothing of its text reaches SQL.

Progress (``indb_ml.progress``, ``SET indb_ml.show_progress = on``), as ``planner``, for
``la_eval`` and ``la_value``: a step before each operator of the plan (phase ``evaluate``,
labelled with the operator's node), then ``write`` (la_eval's output table) or ``load`` (la_value's
result read back). Evaluations inside an iterative program (:mod:`indb_ml.planner.program`)
report nothing of their own: the program's iterations are its progress.
"""

from __future__ import annotations

import numpy as np

from indb_ml.core import progress
from indb_ml.core.relations import new_table
from indb_ml.core.session import Session, sql_entry
from indb_ml.errors import InputError
from indb_ml.matrix import pieces, writer
from indb_ml.matrix.args import parse_args
from indb_ml.planner import ir
from indb_ml.planner.bindings import Resolver
from indb_ml.planner.execute import Executor, Tab
from indb_ml.planner.parse import ParseError, parse
from indb_ml.planner.rewrite import Plan, optimize


def compile_expr(sess: Session, expr: str, bindings, disabled: tuple = (),
                 call: str = "la_eval") -> tuple[Plan, Resolver]:
    """Parse and rewrite ``expr``; ``call`` (the SQL function the user called) names it in errors."""
    resolver = Resolver(sess, bindings)
    try:
        node = parse(expr, resolver)
    except ParseError as exc:
        raise InputError(f"{call}: {exc}", hint="R syntax: t(X) %*% X, solve(A, b), colSums(X), ...") from None
    except ir.ShapeError as exc:
        raise InputError(f"{call}: {exc}", sqlstate=InputError.ARRAY_DIMENSIONS) from None
    return optimize(node, disabled=disabled), resolver


def _budget(memory_mb) -> int | None:
    """The placement budget argument: intermediates up to this size stay in memory (None: the settings)."""
    if memory_mb is None:
        return None
    if memory_mb < 0:
        raise InputError(f"memory_mb is {memory_mb}; it must be 0 or more",
                         hint="0 keeps every intermediate that can live in a table in one")
    return int(memory_mb) * 2**20


def _disabled(rules_off) -> tuple:
    from indb_ml.planner.rules import RULES

    names = tuple(r.strip() for r in (rules_off or []) if r and r.strip())
    known = [r.NAME for r in RULES]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise InputError(f"unknown rewrite rule {unknown[0]!r}", hint="rules: " + ", ".join(known))
    return names


class Evaluation:
    """One expression compiled and run; :meth:`close` drops its temporary tables and views."""

    def __init__(self, sess: Session, expr: str, bindings, rules_off=None, memory_mb=None, returned: bool = False,
                 report: bool = False):
        """``report``: the call's progress (``self.prog``) steps through the plan's operators
        and keeps one last step for the caller (its ``write`` or ``load``)."""
        call = "la_value" if returned else "la_eval"
        self.plan, self.resolver = compile_expr(sess, expr, bindings, _disabled(rules_off), call)
        self.executor = Executor(sess, _budget(memory_mb))
        try:
            self.executor.check_plan(self.plan.node, returned, call)
        except InputError:
            self.resolver.drop_views()
            raise
        self.prog = None
        if report:
            self.prog = progress.start(sess, "planner", max_iter=len(self.executor.operators(self.plan.node)) + 1)
            self.executor.prog = self.prog
        self.value = self.executor.run(self.plan.node, self.resolver)

    def last_step(self, phase: str) -> None:
        """Before the caller's last phase (``write`` or ``load``)."""
        if self.prog is not None:
            self.prog.step(self.prog.max_iter, phase=phase)

    def close(self) -> None:
        self.executor.drop_temps()
        self.resolver.drop_views()
        if self.prog is not None:
            self.prog.done()


@sql_entry
def la_value(sess, expr, bindings, rules_off=None, memory_mb=None) -> list:
    """The result as a 2-D float8[] (a scalar is {{x}}), loaded under the memory budget: a
    result that cannot be returned is refused before anything runs."""
    run = Evaluation(sess, expr, bindings, rules_off, memory_mb, returned=True, report=True)
    try:
        run.last_step("load")
        return run.executor.load(run.value).tolist()
    finally:
        run.close()


@sql_entry
def la_shape(sess, expr, bindings) -> list:
    """The result's shape, from the plan alone (nothing is computed)."""
    plan, resolver = compile_expr(sess, expr, bindings, call="la_shape")
    resolver.drop_views()
    return list(plan.node.shape)


@sql_entry
def la_eval(sess, expr, bindings, out_table, out_args=None, rules_off=None, memory_mb=None) -> list:
    """The result written to ``out_table`` (dense rows unless out_args says fmt=)."""
    args, _ = parse_args(out_args)
    rel = new_table(sess, out_table, "out_table")
    run = Evaluation(sess, expr, bindings, rules_off, memory_mb, report=True)
    executor, value = run.executor, run.value
    fmt = args.fmt or "dense"
    run.last_step("write")
    if isinstance(value, np.ndarray):
        writer.store(sess, rel, args, fmt, value)
    else:
        src = executor.source(value)
        if not pieces.has_row_pieces(src):
            writer.store(sess, rel, args, fmt, executor.load(value))
        else:
            w = writer.Writer(sess, rel, args, fmt, src.shape)
            for r0, block in pieces.row_pieces(sess, src):
                w.write(r0, block)
            w.close()
    run.close()
    return [out_table]


def describe(node: ir.Node, executor: Executor | None = None, indent: int = 0, sources: dict | None = None) -> list:
    """The tree, one node per line, with shape, estimated non-zeros and (if given) the operator."""
    pad = "  " * indent
    if isinstance(node, ir.Table):
        label = f"Table {node.name}" + (f" [{node.args}]" if node.args else "")
    elif isinstance(node, ir.KeyJoin):
        label = (f"KeyJoin {node.fact}({', '.join(node.fact_columns)}) ⋈ {node.dim}({', '.join(node.dim_columns)}) "
                 f"on {node.fk} = {node.pk}")
    elif isinstance(node, ir.Const):
        label = f"Const {float(node.value[0, 0]):g}" if node.scalar else "Const matrix"
    else:
        extra = {ir.Elementwise: lambda n: f" {n.op}", ir.Unary: lambda n: f" {n.fn}",
                 ir.Sum: lambda n: "" if n.axis is None else f" axis={n.axis}",
                 ir.Mean: lambda n: "" if n.axis is None else f" axis={n.axis}",
                 ir.Norm: lambda n: f" {n.kind}"}.get(type(node), lambda n: "")(node)
        label = type(node).__name__ + extra
    line = f"{pad}{label}  ({node.shape[0]} x {node.shape[1]}, nnz ~{node.nnz})"
    if executor is not None and not isinstance(node, (ir.Table, ir.Const)):
        line += f"  -> {executor.location(node)}: {executor.operator(node)}"
    lines = [line]
    if executor is not None and sources is not None:
        lines += [f"{pad}    SQL: {q}" for q in executor.statements(node, sources)]
    for child in node.children():
        lines += describe(child, executor, indent + 1, sources)
    return lines


@sql_entry
def la_explain(sess, expr, bindings, rules_off=None, memory_mb=None) -> list:
    plan, resolver = compile_expr(sess, expr, bindings, _disabled(rules_off), "la_explain")
    executor = Executor(sess, _budget(memory_mb))
    shared = _shared(plan.node)
    lines = ["expression: " + expr.strip(), "logical plan:"] + describe(plan.before, indent=1)
    lines += ["rewrites fired: " + (", ".join(plan.fired) if plan.fired else "none"), "optimized plan:"]
    lines += describe(plan.node, executor, indent=1, sources=resolver.sources)
    if shared:
        lines.append(f"shared subexpressions (computed once): {len(shared)}")
    lines.append(f"memory budget: {executor.budget // 2**20} MB (indb_ml.matrix_memory_mb)")
    for returned, calls in ((False, "la_eval and la_value refuse"), (True, "la_value refuses")):
        try:
            executor.check_plan(plan.node, returned, "la_value" if returned else "la_eval")
        except InputError as exc:
            lines.append(f"{calls} this plan before it runs: {exc.message}")
            break
    resolver.drop_views()
    return lines


def _shared(node: ir.Node) -> list:
    counts: dict = {}

    def visit(n):
        counts[n] = counts.get(n, 0) + 1
        if counts[n] == 1:
            for c in n.children():
                visit(c)

    visit(node)
    return [n for n, c in counts.items() if c > 1 and not isinstance(n, (ir.Table, ir.Const))]


__all__ = ["la_eval", "la_explain", "la_value", "Tab"]
