"""Where the kernels' loops let a cancel in, without knowing about PostgreSQL.

Kernels are pure numpy and never see a session, yet one of their loops (power iteration,
Newton steps, coordinate descent sweeps, label propagation) can run for minutes, and
PostgreSQL acts on a cancel, a ``statement_timeout`` or a ``pg_terminate_backend`` only where
something calls ``CHECK_FOR_INTERRUPTS()``. So every kernel loop calls :func:`check` once per
iteration. It does nothing unless a caller installed a check: every SQL entry point
(:func:`indb_ml.core.session.sql_entry`) installs its session's, which is rate-limited and
raises when the statement is to end. A kernel called from the client runs unchecked.

>>> calls = []
>>> check()  # nothing installed: a no-op
>>> with installed(lambda: calls.append(1)):
...     check()
>>> check(), calls
(None, [1])
"""

from __future__ import annotations

import contextlib
from typing import Callable, Iterator

_current: Callable[[], None] | None = None
_reporter: Callable[[int | None, float | None, object], None] | None = None


def check() -> None:
    """Call the installed check (it raises to end the call), if any."""
    if _current is not None:
        _current()


@contextlib.contextmanager
def installed(fn: Callable[[], None] | None) -> Iterator[None]:
    """:func:`check` calls ``fn`` inside the block; the previous check is back after it."""
    global _current
    saved, _current = _current, fn
    try:
        yield
    finally:
        _current = saved


def current() -> Callable[[], None] | None:
    """The check installed now (an SQL entry's session's), or None."""
    return _current


def report(iteration: int | None, loss: float | None = None, group: object = None) -> None:
    """An iteration of a kernel loop is done (``iteration`` None: the group's next one): the
    installed reporter (:mod:`indb_ml.core.progress`, which also lets a cancel in) hears of
    it, or else :func:`check` runs. ``group`` tells apart fits run side by side."""
    if _reporter is not None:
        _reporter(iteration, loss, group)
    else:
        check()


def set_reporter(fn: Callable[[int | None, float | None, object], None] | None) -> None:
    """Install the callback of :func:`report` (once, by :mod:`indb_ml.core.progress`)."""
    global _reporter
    _reporter = fn
