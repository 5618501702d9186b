"""Progress of a long call: seen by other sessions in ``indb_ml.progress``, and printed as one
INFO line per iteration or phase with ``SET indb_ml.show_progress = on``.

A driver makes one :class:`Progress` per call (:func:`start`), calls :meth:`Progress.step` at
each iteration or phase (in place of ``sess.check_interrupts()``: a step also lets PostgreSQL
act on a cancel) and :meth:`Progress.done` at the end. A step publishes the values through
``indb_ml._progress_report`` (src/progress.c: this backend's slots of PostgreSQL's command
progress reporting) at most every ``CHECK_INTERVAL`` seconds, so it costs what
``check_interrupts`` costs; the INFO line, asked for, is printed at every step. Nothing is done
per row.

Calls nest (cross_validation trains logregr per fold): the inner call's progress is shown while
it runs and the outer one's again after it is done.
"""
from __future__ import annotations

import math
import time

from indb_ml.core import session as _session
from indb_ml.core.session import CHECK_INTERVAL, Session
from indb_ml.kernels import interrupts

# Codes published to the C slots; the view indb_ml.progress (sql/06_progress.sql) maps them
# back to these names. tests/test_progress.py checks that both lists agree.
FUNCTIONS = {"logregr": 1, "glm": 2, "multinom": 3, "ordinal": 4, "mlogregr": 5, "elastic_net": 6,
             "lm_cg": 7, "pagerank": 8, "hits": 9, "wcc": 10, "graph_sssp": 11, "compress": 12,
             "cross_validation": 13, "linregr": 14, "knn": 15, "svd": 16, "planner": 17}
PHASES = {"iterate": 1, "pass": 2, "fold": 3, "reblock": 4, "finish": 5, "load": 6, "decompose": 7, "write": 8,
          "index": 9, "search": 10, "evaluate": 11}

# Prefix of the INFO lines; indb_ml/client parses lines that start with it.
PREFIX = "indb_ml progress: "

_REPORT_SQL = "SELECT indb_ml._progress_report($1, $2, $3, $4, $5, $6, $7)"
_REPORT_TYPES = ["int4", "int4", "int8", "int8", "int8", "int8", "float8"]
_TRUE = {"on", "true", "yes", "1", "t", "y"}

# The Progress objects of the calls running in this backend, outermost first.
_active: list[Progress] = []


def verbose_setting(sess: Session) -> bool:
    """``indb_ml.show_progress`` (a custom placeholder setting, default off; not ``indb_ml.verbose``:
    VERBOSE is an SQL keyword, so ``SET indb_ml.verbose = on`` is a syntax error)."""
    row = sess.one("SELECT current_setting('indb_ml.show_progress', true) AS v")
    return bool(row) and str(row["v"] or "").strip().lower() in _TRUE


class Progress:
    def __init__(self, sess: Session, function: str, max_iter: int | None, rows_total: int | None,
                 verbose: bool):
        if function not in FUNCTIONS:
            raise ValueError(f"progress: unknown function {function!r}")
        self.sess, self.function, self.verbose = sess, function, verbose
        self.phase, self.iteration, self.max_iter = "iterate", 0, max_iter
        self.rows_done, self.rows_total, self.loss = None, rows_total, None
        self._next = 0.0
        self._plan = None
        # the kernels' reports (interrupts.report) count here, per (group_format, group)
        self.group_format, self.counts = "group {}", {}

    def step(self, iteration: int | None = None, loss: float | None = None, *, phase: str | None = None,
             max_iter: int | None = None, rows_done: int | None = None, label: str = "") -> None:
        """Iteration ``iteration`` (default: the previous one + 1) of this call is done."""
        if phase is not None and phase != self.phase:
            if phase not in PHASES:
                raise ValueError(f"progress: unknown phase {phase!r}")
            self.phase, self._next = phase, 0.0
        self.iteration = self.iteration + 1 if iteration is None else int(iteration)
        if max_iter is not None:
            self.max_iter = int(max_iter)
        if rows_done is not None:
            self.rows_done = int(rows_done)
        self.loss = None if loss is None or not math.isfinite(loss) else float(loss)
        if self.verbose:
            self.sess.info(PREFIX + self.line(label))
        self._publish(force=False)

    def stage(self, phase: str = "iterate", group_format: str = "group {}") -> None:
        """The kernels' reports from now on are of ``phase``, their group shown by
        ``group_format`` (cross-validation: ``'fold {}'``, each fold counted on its own)."""
        if phase not in PHASES:
            raise ValueError(f"progress: unknown phase {phase!r}")
        self.phase, self.group_format, self._next = phase, group_format, 0.0

    def line(self, label: str = "") -> str:
        """``logregr iterate iteration 3 of 20 (17 left) loss -12.5`` (the INFO line's text)."""
        text = f"{self.function}{' ' + label if label else ''} {self.phase} iteration {self.iteration}"
        if self.max_iter is not None:
            text += f" of {self.max_iter} ({max(self.max_iter - self.iteration, 0)} left)"
        if self.rows_total is not None:
            text += f" rows {self.rows_done or 0} of {self.rows_total}"
        if self.loss is not None:
            text += f" loss {self.loss:.12g}"
        return text

    def reporter(self, label: str | None = None):
        """A ``report(iteration, loss)`` callback for the kernels' ``report`` argument."""
        return lambda i, loss: self.step(i, loss, label=label or "")

    def _publish(self, force: bool) -> None:
        now = time.monotonic()
        if not force and now < self._next:
            return
        self._next = now + CHECK_INTERVAL
        if _active and _active[-1] is not self:
            return  # an inner call is showing its progress
        self.sess.execute(_REPORT_SQL, [FUNCTIONS[self.function], PHASES[self.phase], self.iteration,
                                        self.max_iter, self.rows_done, self.rows_total, self.loss], _REPORT_TYPES)

    def done(self) -> None:
        """The call is over: its row leaves ``indb_ml.progress`` (the outer call's comes back)."""
        if self in _active:
            del _active[_active.index(self):]
        if _active:
            _active[-1]._publish(force=True)
        else:
            self.sess.execute("SELECT indb_ml._progress_end()")


def start(sess: Session, function: str, max_iter: int | None = None, rows_total: int | None = None,
          verbose: bool = False) -> Progress:
    """The Progress of a call that starts now; ``verbose`` (MADlib's argument) or
    ``indb_ml.show_progress`` print the INFO lines. An error ends the reporting with the
    transaction (PostgreSQL's AbortTransaction); what an error left in ``_active`` is dropped
    by the next call started from SQL (an outermost entry)."""
    global _active
    if _session._depth <= 1:
        _active = []
    prog = Progress(sess, function, max_iter, rows_total, bool(verbose) or verbose_setting(sess))
    _active.append(prog)
    prog._publish(force=True)
    return prog


def current() -> Progress | None:
    """The Progress of the innermost call running (for helpers not handed it), or None."""
    return _active[-1] if _active else None


def _from_kernel(iteration: int | None, loss: float | None, group: object) -> None:
    """What a kernel loop's ``interrupts.report`` does: a step of the innermost call, if that
    call was started by the SQL entry the kernel runs in (its session's check is installed): a
    trainer that reports nothing, called from SQL inside a reporting one, must not move the
    outer call's count, nor a kernel move the Progress an earlier failed call left. Iteration
    None: the next one of ``(group_format, group)``, so the solves of a warm-started path
    add up as the trainer's ``num_iterations`` does."""
    prog = _active[-1] if _active else None
    # the running entry installed its session's check; a call that failed left its Progress
    if prog is None or interrupts.current() != prog.sess.check_interrupts:
        interrupts.check()
        return
    key = (prog.group_format, group)
    iteration = prog.counts.get(key, 0) + 1 if iteration is None else int(iteration)
    prog.counts[key] = iteration
    prog.step(iteration, loss, label="" if group is None else prog.group_format.format(group))


interrupts.set_reporter(_from_kernel)


def step(sess: Session, iteration: int | None = None, loss: float | None = None, **kwargs) -> None:
    """:meth:`Progress.step` of the innermost call running, for loops in helper modules that
    are not handed the Progress (``sess.check_interrupts()`` when none is running)."""
    if _active:
        _active[-1].step(iteration, loss, **kwargs)
    else:
        sess.check_interrupts()
