"""Resolve the table names users pass as text, PostgreSQL's way.

``source_table`` is resolved with ``to_regclass`` (so ``'houses'``,
``'public.houses'`` and ``'"My Houses"'`` mean what they mean in SQL and follow
the search_path); ``out_table`` is split with ``parse_ident``. Both are bound
parameters; the names that come back are quoted by the session when used.
"""

from __future__ import annotations

from dataclasses import dataclass

from indb_ml.core.session import Session
from indb_ml.errors import InputError

# Relation kinds that have a ctid and can be scanned in TID ranges.
HEAP_KINDS = ("r", "m", "t")
# PostgreSQL's longest name, in bytes (NAMEDATALEN - 1): longer ones are silently truncated.
MAX_NAME_BYTES = 63


def name_too_long(schema: str | None, name: str) -> str | None:
    """The part of ``schema.name`` longer than PostgreSQL keeps, or None.

    Bytes are counted in UTF-8 (the server encoding of nearly every database; in a
    single-byte encoding this refuses some names PostgreSQL would keep whole)."""
    for part in (schema, name):
        if part is not None and len(part.encode("utf-8")) > MAX_NAME_BYTES:
            return part
    return None


@dataclass(frozen=True)
class Relation:
    """A table by schema and name. Every table name indb_ml writes, including the derived
    ones (``<out>_summary``, ``<out>_state``, ``<out>_message``), is made here, so a name
    PostgreSQL would truncate (and so collide with another) is refused before any work."""

    schema: str
    name: str
    kind: str = "r"

    def __post_init__(self) -> None:
        part = name_too_long(self.schema, self.name)
        if part is not None:
            raise InputError(
                f"table name {self.schema}.{self.name} is too long: {part!r} is "
                f"{len(part.encode('utf-8'))} bytes, and PostgreSQL keeps at most {MAX_NAME_BYTES} "
                "(NAMEDATALEN - 1); a longer name would be truncated and could name another table",
                hint="choose a shorter output table name: indb_ml adds suffixes such as _summary (8 bytes), "
                     "_state or _message to it",
                sqlstate=InputError.NAME_TOO_LONG,
            )

    def sql(self, sess: Session) -> str:
        return sess.qualified(self.schema, self.name)


def resolve_source(sess: Session, text: str, arg: str = "source_table") -> Relation:
    """The existing table or view named by ``text``, or a clear error."""
    if not text or not text.strip():
        raise InputError(f"{arg} is empty", hint="pass the name of a table or view")
    try:
        row = sess.one(
            "SELECT n.nspname, c.relname, c.relkind FROM pg_catalog.pg_class c "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1)",
            [text],
            ["text"],
        )
    except sess.spi_error as exc:
        raise InputError(f"{arg} {text!r} is not a valid table name: {exc}") from None
    if row is None:
        raise InputError(
            f"{arg} {text!r} does not exist",
            hint="check the name and the search_path; quote mixed-case names, e.g. '\"MyTable\"'",
            sqlstate=InputError.UNDEFINED_TABLE,
        )
    return Relation(row["nspname"], row["relname"], row["relkind"])


def new_table(sess: Session, text: str, arg: str = "out_table") -> Relation:
    """The not-yet-existing table named by ``text`` (schema defaults to current_schema())."""
    if not text or not text.strip():
        raise InputError(f"{arg} is empty", hint="pass the name of a table to create")
    try:
        parts = sess.one("SELECT parse_ident($1) AS p, current_schema() AS s", [text], ["text"])
    except sess.spi_error as exc:
        raise InputError(f"{arg} {text!r} is not a valid table name: {exc}") from None
    names, schema = parts["p"], parts["s"]
    if len(names) > 2:
        raise InputError(f"{arg} {text!r} has too many dotted parts", hint="use table or schema.table")
    if len(names) == 2:
        schema = names[0]
    if schema is None:
        raise InputError(f"{arg} {text!r}: no schema to create it in", hint="qualify it as schema.table")
    part = name_too_long(schema, names[-1])
    if part is not None:
        raise InputError(f"{arg} {text!r} is too long: {part!r} is {len(part.encode('utf-8'))} bytes, and "
                         f"PostgreSQL keeps at most {MAX_NAME_BYTES} (NAMEDATALEN - 1)",
                         hint="choose a shorter name: indb_ml adds suffixes such as _summary (8 bytes) to it",
                         sqlstate=InputError.NAME_TOO_LONG)
    rel = Relation(schema, names[-1])
    ensure_absent(sess, rel, arg)
    return rel


# Key space of the advisory locks below (ASCII 'indb'), so they never meet a user's one-key locks.
_OUTPUT_LOCK_SPACE = 0x696E6462


def ensure_absent(sess: Session, rel: Relation, arg: str) -> None:
    """Refuse an existing output with 42P07, and hold its name until this transaction ends.

    The transaction-scoped advisory lock on the name makes a second session writing the same
    output wait here until the first commits or rolls back, and then see the table (42P07) or
    not; without it both pass the check and the loser's CREATE TABLE fails on pg_type's unique
    index with 23505 instead. The lock and the check are two statements, so the check's
    snapshot is taken after the wait."""
    sess.execute("SELECT pg_catalog.pg_advisory_xact_lock($1, pg_catalog.hashtext($2))",
                 [_OUTPUT_LOCK_SPACE, rel.sql(sess)], ["int4", "text"])
    exists = sess.one("SELECT to_regclass($1) IS NOT NULL AS e", [rel.sql(sess)], ["text"])["e"]
    if exists:
        raise InputError(
            f"{arg} {rel.schema}.{rel.name} already exists",
            hint="drop it first or choose another name",
            sqlstate=InputError.DUPLICATE_TABLE,
        )


def derived(rel: Relation, suffix: str) -> Relation:
    """A companion table ``<rel><suffix>`` in the same schema (refused if too long)."""
    return Relation(rel.schema, rel.name + suffix)


def summary_of(rel: Relation) -> Relation:
    """MADlib's companion table: ``<out_table>_summary`` in the same schema."""
    return derived(rel, "_summary")
