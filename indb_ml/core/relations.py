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


@dataclass(frozen=True)
class Relation:
    schema: str
    name: str
    kind: str = "r"

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
    rel = Relation(schema, names[-1])
    ensure_absent(sess, rel, arg)
    return rel


def ensure_absent(sess: Session, rel: Relation, arg: str) -> None:
    exists = sess.one("SELECT to_regclass($1) IS NOT NULL AS e", [rel.sql(sess)], ["text"])["e"]
    if exists:
        raise InputError(
            f"{arg} {rel.schema}.{rel.name} already exists",
            hint="drop it first or choose another name",
            sqlstate=InputError.DUPLICATE_TABLE,
        )


def summary_of(rel: Relation) -> Relation:
    """MADlib's companion table: ``<out_table>_summary`` in the same schema."""
    return Relation(rel.schema, rel.name + "_summary")
