"""Errors that describe bad input to the user.

Drivers raise :class:`InputError` with a message that names the problem and a
hint that says what to do; the PL/Python adapter turns it into a PostgreSQL
ERROR with the same text and a SQLSTATE, so clients can match on the code.
"""


class InputError(ValueError):
    """Bad input from the user: the message says what, the hint says how to fix it."""

    # SQLSTATE codes used across the project (PostgreSQL's own where one fits).
    INVALID_PARAMETER = "22023"
    UNDEFINED_TABLE = "42P01"
    UNDEFINED_COLUMN = "42703"
    DUPLICATE_TABLE = "42P07"
    DATATYPE_MISMATCH = "42804"
    ARRAY_DIMENSIONS = "2202E"
    NO_DATA = "22000"  # data_exception: nothing to train on
    SYNTAX = "42601"
    INSUFFICIENT_PRIVILEGE = "42501"
    NAME_TOO_LONG = "42622"

    def __init__(self, message: str, hint: str | None = None, sqlstate: str = INVALID_PARAMETER,
                 detail: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.sqlstate = sqlstate
        self.detail = detail  # DETAIL of an error passed on from PostgreSQL (core.passes.pass_error)


def state_errors(what: str):
    """Decorator for the internal steps that read binary states and tiles (aggregate
    transition, combine and final functions): a malformed state or a NULL / negative size,
    which only a hand-written call can pass, is reported as a clean ERROR (SQLSTATE XX001,
    data_corrupted, as the C steps do) naming the step, not as a raw Python exception."""
    import functools

    def wrap(fn):
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except InputError:
                raise
            except (ValueError, TypeError) as e:
                raise InputError(f"{what}: malformed state or tile argument ({e})",
                                 "this internal step takes only what indb_ml's aggregates pass it",
                                 "XX001") from None
        return inner
    return wrap
