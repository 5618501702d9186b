"""The one adapter between indb_ml and PL/Python's ``plpy``.

Everything that runs SQL inside the server goes through :class:`Session`: it is
the project's single quoting path for identifiers and literals
(``plpy.quote_ident`` / ``plpy.quote_literal``), runs statements with bound
parameters through cached prepared plans, and turns :class:`InputError` into a
PostgreSQL ERROR with SQLSTATE, detail and hint.
"""

from __future__ import annotations

import contextlib
import functools
from typing import Any, Callable, Iterator, Sequence

from indb_ml.errors import InputError


class Session:
    def __init__(self, plpy: Any):
        self.plpy = plpy
        self._plans: dict[tuple, Any] = {}

    def ident(self, name: str) -> str:
        """Quote one identifier (a column, table or schema name)."""
        return self.plpy.quote_ident(name)

    def qualified(self, schema: str, name: str) -> str:
        return self.ident(schema) + "." + self.ident(name)

    def literal(self, value: str) -> str:
        return self.plpy.quote_literal(value)

    def execute(self, query: str, params: Sequence = (), types: Sequence[str] = ()):
        """Run a statement; ``params`` are bound, never pasted into ``query``."""
        if not params:
            return self.plpy.execute(query)
        key = (query, tuple(types))
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self.plpy.prepare(query, list(types))
        return self.plpy.execute(plan, list(params))

    def cursor(self, query: str, params: Sequence = (), types: Sequence[str] = ()):
        plan = self.plpy.prepare(query, list(types))
        return self.plpy.cursor(plan, list(params))

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

    def debug(self, message: str) -> None:
        """A DEBUG2 message (plpy.debug): which operator ran, for ``SET client_min_messages = debug2``."""
        self.plpy.debug(message)

    def warning(self, message: str) -> None:
        self.plpy.warning(message)

    @property
    def spi_error(self):
        return self.plpy.SPIError


def sql_entry(func: Callable) -> Callable:
    """Decorate a driver entry point called as ``func(plpy, ...)`` from SQL.

    The driver gets a :class:`Session`; an :class:`InputError` it raises becomes
    ``plpy.error`` with the message, hint and SQLSTATE it carries.
    """

    @functools.wraps(func)
    def wrapper(plpy, *args, **kwargs):
        try:
            return func(Session(plpy), *args, **kwargs)
        except InputError as exc:
            extra = {"hint": exc.hint} if exc.hint else {}
            plpy.error(exc.message, sqlstate=exc.sqlstate, **extra)

    return wrapper
