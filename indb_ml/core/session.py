"""The one adapter between indb_ml and PL/Python's ``plpy``.

Everything that runs SQL inside the server goes through :class:`Session`: it is
the project's single quoting path for identifiers and literals
(``plpy.quote_ident`` / ``plpy.quote_literal``), runs statements with bound
parameters through cached prepared plans, and turns :class:`InputError` into a
PostgreSQL ERROR with SQLSTATE, detail and hint.

It is also where a cancel, a ``statement_timeout`` or a ``pg_terminate_backend`` reaches
Python: :meth:`Session.check_interrupts` (called inside every long loop) lets PostgreSQL act
on them, and an error that must end the statement as it is (57014 query_canceled, a lock
timeout, a missing privilege, out of memory, ...: :func:`passes_through`) leaves every
statement as :class:`PassThrough`, which no ``except sess.spi_error`` (nor ``except
Exception``) catches, and leaves the SQL function as the original error with its SQLSTATE.
"""

from __future__ import annotations

import contextlib
import functools
import time
import traceback
from typing import Any, Callable, Iterator, Sequence

from indb_ml.errors import InputError
from indb_ml.kernels import interrupts

# SQLSTATE classes and codes that end the statement unchanged: a driver may not turn them into
# another error or fall back from them. 57: operator intervention (57014 cancel and
# statement_timeout, 57P01 terminate); 53: insufficient resources; 58: system error (I/O);
# 40: transaction rollback (deadlock, serialization); 55P03: lock_timeout; 42501: permission.
PASS_THROUGH_CLASSES = ("57", "53", "58", "40")
PASS_THROUGH_CODES = ("55P03", "42501")

# Seconds between two checks for interrupts: a check is one SPI call (tens of microseconds),
# so at this rate it costs under 0.5% of a loop, and a cancel is acted on within this delay
# plus one iteration.
CHECK_INTERVAL = 0.02

_CHECK_SQL = "SELECT indb_ml._check_interrupts()"


class PassThrough(BaseException):
    """An error of PostgreSQL's that must end the call unchanged (:func:`passes_through`).

    A ``BaseException`` (like ``KeyboardInterrupt``), so the drivers' ``except
    sess.spi_error`` and ``except Exception`` clauses never catch it; :func:`sql_entry`
    raises the original error (``.error``) again, so PostgreSQL reports its SQLSTATE,
    message, detail and hint."""

    def __init__(self, error: BaseException):
        super().__init__(str(error))
        self.error = error


def passes_through(sqlstate: str | None) -> bool:
    """Whether an error with this SQLSTATE must end the statement unchanged.

    >>> passes_through("57014"), passes_through("42501"), passes_through("22P02")
    (True, True, False)
    """
    return bool(sqlstate) and (sqlstate[:2] in PASS_THROUGH_CLASSES or sqlstate in PASS_THROUGH_CODES)


# How many sql_entry calls are active in this Python call stack since the last SPI call: 1 in
# an entry called from SQL, more when a driver calls another entry directly. It is 0 again
# inside every statement run through SPI, where a PL/Python function starts anew.
_depth = 0

# Whether this backend has loaded indb_ml's C module (whose error hook turns PL/Python's
# "plpy.Error: ..." and traceback into a clean message, src/clean_errors.c). The Python
# interpreter and a loaded library both live as long as the backend, so one C call in the
# first entry of a backend is enough; afterwards the check is one global lookup.
_library_loaded = False


class Session:
    def __init__(self, plpy: Any):
        self.plpy = plpy
        self._plans: dict[tuple, Any] = {}
        self._check_plan = None
        self._next_check = 0.0

    @contextlib.contextmanager
    def _spi(self) -> Iterator[None]:
        """Around every call into SPI: errors that pass through become :class:`PassThrough`."""
        global _depth
        saved, _depth = _depth, 0
        try:
            yield
        except self.plpy.SPIError as exc:
            if passes_through(getattr(exc, "sqlstate", None)):
                raise PassThrough(exc) from None
            raise
        finally:
            _depth = saved

    def check_interrupts(self) -> None:
        """Let PostgreSQL act on a pending cancel, statement_timeout or terminate.

        Call it inside every loop that can run longer than ~100 ms without running SQL (an
        iteration, a pass over blocks, a loop over groups, folds or tiles). It is cheap to call
        often: it runs ``indb_ml._check_interrupts()`` at most every CHECK_INTERVAL seconds.
        A cancel or timeout raises :class:`PassThrough` (SQLSTATE 57014); a terminate ends the
        backend there."""
        now = time.monotonic()
        if now < self._next_check:
            return
        self._next_check = now + CHECK_INTERVAL
        with self._spi():
            if self._check_plan is None:
                self._check_plan = self.plpy.prepare(_CHECK_SQL)
            self.plpy.execute(self._check_plan)

    def ident(self, name: str) -> str:
        """Quote one identifier (a column, table or schema name)."""
        return self.plpy.quote_ident(name)

    def qualified(self, schema: str, name: str) -> str:
        return self.ident(schema) + "." + self.ident(name)

    def literal(self, value: str) -> str:
        return self.plpy.quote_literal(value)

    def execute(self, query: str, params: Sequence = (), types: Sequence[str] = ()):
        """Run a statement; ``params`` are bound, never pasted into ``query``."""
        with self._spi():
            if not params:
                return self.plpy.execute(query)
            key = (query, tuple(types))
            plan = self._plans.get(key)
            if plan is None:
                plan = self._plans[key] = self.plpy.prepare(query, list(types))
            return self.plpy.execute(plan, list(params))

    def cursor(self, query: str, params: Sequence = (), types: Sequence[str] = ()) -> Iterator[dict]:
        """The rows of ``query``, fetched one by one as they are iterated."""
        with self._spi():
            plan = self.plpy.prepare(query, list(types))
            cursor = self.plpy.cursor(plan, list(params))
        return self._fetch(iter(cursor))

    def _fetch(self, rows: Iterator) -> Iterator[dict]:
        end = object()
        while True:
            with self._spi():
                row = next(rows, end)
            if row is end:
                return
            yield row

    def one(self, query: str, params: Sequence = (), types: Sequence[str] = ()) -> dict | None:
        rows = self.execute(query, params, types)
        return rows[0] if len(rows) else None

    @contextlib.contextmanager
    def settings(self, values: dict) -> Iterator[None]:
        """Set PostgreSQL settings for the statements inside, then put the old values back
        (``set_config(..., is_local => true)``: an error rolls them back with the transaction)."""
        old = {}
        for name, value in values.items():
            old[name] = self.one("SELECT pg_catalog.current_setting($1) AS v", [name], ["text"])["v"]
            self.execute("SELECT pg_catalog.set_config($1, $2, true)", [name, value], ["text", "text"])
        try:
            yield
        finally:
            for name, value in old.items():
                self.execute("SELECT pg_catalog.set_config($1, $2, true)", [name, value], ["text", "text"])

    @contextlib.contextmanager
    def read_only_attempt(self) -> Iterator[None]:
        """Run the statements inside in a read-only subtransaction that is always rolled back.

        For work that must leave nothing behind (the ``*_fit`` functions): any write inside
        fails with 25006, and whatever the statements changed (settings, locks) is undone.
        An error inside leaves with the error; results kept in Python survive."""

        class _Done(Exception):
            pass

        try:
            with self.plpy.subtransaction():
                self.execute("SELECT pg_catalog.set_config('transaction_read_only', 'on', true)")
                yield
                raise _Done
        except _Done:
            pass

    def debug(self, message: str) -> None:
        """A DEBUG2 message (plpy.debug): which operator ran, for ``SET client_min_messages = debug2``."""
        self.plpy.debug(message)

    def info(self, message: str) -> None:
        """An INFO message (plpy.info): always sent to the client, as MADlib's verbose lines."""
        self.plpy.info(message)

    def warning(self, message: str) -> None:
        self.plpy.warning(message)

    @property
    def spi_error(self):
        return self.plpy.SPIError


def sql_entry(func: Callable) -> Callable:
    """Decorate a driver entry point called as ``func(plpy, ...)`` from SQL.

    The driver gets a :class:`Session`; an :class:`InputError` it raises becomes
    ``plpy.error`` with the message, hint and SQLSTATE it carries. While it runs, the kernels'
    loops check for interrupts through the session (:mod:`indb_ml.kernels.interrupts`). A
    :class:`PassThrough` leaves the SQL function as the error it carries (57014 for a cancel or
    timeout), and Python's own limits get a SQLSTATE instead of 38000: RecursionError (an
    expression nested too deeply) 54001, MemoryError 53200.

    PL/Python reports an error leaving Python as ``plpy.Error: <message>`` with the Python
    traceback in CONTEXT; the C module's error hook (src/clean_errors.c, ``indb_ml.clean_errors``)
    reports the errors of these entries as the message alone, so the first entry of a backend
    loads the module (one C call), and the traceback is logged here at DEBUG2 instead.
    """

    # The name of this inner function is how the C module's error hook (src/clean_errors.c)
    # recognises indb_ml's errors: their PL/Python traceback has a frame "in indb_ml_sql_entry".
    @functools.wraps(func)
    def indb_ml_sql_entry(plpy, *args, **kwargs):
        global _depth, _library_loaded
        _depth += 1
        sess = Session(plpy)
        try:
            if not _library_loaded and not _in_parallel_mode():
                sess.check_interrupts()  # loads the C module, so its error hook is in place
                _library_loaded = True
            with interrupts.installed(sess.check_interrupts):
                return func(sess, *args, **kwargs)
        except InputError as exc:
            _log_traceback(plpy, func)
            extra = {"hint": exc.hint} if exc.hint else {}
            if getattr(exc, "detail", None):
                extra["detail"] = exc.detail
            plpy.error(exc.message, sqlstate=exc.sqlstate, **extra)
        except PassThrough as exc:
            if _depth > 1:  # a driver called this entry directly: the outermost one re-raises
                raise
            _log_traceback(plpy, func)
            raise exc.error from None
        except RecursionError:
            plpy.error(f"{func.__name__}: an argument is nested too deeply to be read",
                       sqlstate="54001", hint="use fewer levels of parentheses or nested calls")
        except MemoryError:
            plpy.error(f"{func.__name__}: out of memory in the server's Python", sqlstate="53200",
                       hint="lower the size of the input, or raise the server's memory limits")
        except Exception:
            _log_traceback(plpy, func)
            raise
        finally:
            _depth -= 1

    return indb_ml_sql_entry


def _in_parallel_mode() -> bool:
    """Whether the backend is in parallel mode (a parallel worker, or a leader running a parallel
    plan), where PL/Python can run no SQL at all: ``plpy.execute`` fails with 25000 "cannot start
    subtransactions during a parallel operation", an error Python cannot catch.

    PL/Python has no way to ask, so this calls PostgreSQL's own ``IsInParallelMode()`` (exported
    by the server executable, as to every extension) through ctypes: a read of one field, no
    error possible. Where it cannot be found, the answer is "yes" (never run SQL there); the only
    cost is then that errors may keep PL/Python's format until the module is loaded otherwise.
    A worker has the module whenever its leader had (PostgreSQL loads the leader's libraries
    into each worker), and an error of a worker is reported again by the leader."""
    global _parallel_mode_fn
    if _parallel_mode_fn is None:
        try:
            import ctypes

            fn = ctypes.CDLL(None).IsInParallelMode
            fn.argtypes, fn.restype = [], ctypes.c_bool
        except (OSError, AttributeError):
            fn = _always
        _parallel_mode_fn = fn
    return bool(_parallel_mode_fn())


def _always() -> bool:
    return True


_parallel_mode_fn: Callable[[], bool] | None = None


def _log_traceback(plpy, func: Callable) -> None:
    """Send the traceback of the exception being handled to the server log at DEBUG2.

    The C module's error hook takes it out of the error's CONTEXT (clients get the message,
    SQLSTATE, detail and hint only); with ``log_min_messages = debug2`` the log has it here,
    just before the error. Only the outermost entry logs (a nested one's error passes
    through it), and only while an error is handled, so this costs nothing on success."""
    if _depth > 1:
        return
    try:
        text = traceback.format_exc().rstrip()
        plpy.debug(f"indb_ml: {func.__name__} failed; the Python traceback of the error that follows:\n{text}")
    except Exception:  # the error being reported matters more than its traceback
        pass
