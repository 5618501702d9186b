"""Citus distributed tables: where outputs live, and how operations between distributed inputs run.

Citus (distributed PostgreSQL) keeps a distributed table's rows in shards on the workers; the
coordinator's table of the same name is an empty shell. This module holds the few rules every
function follows when an input is distributed (docs/reference/cluster.md):

**Outputs** (:func:`distribute_like`). A large output (per-row predictions, per-vertex scores,
matrix results, kNN results) is created as a plain table, and, when an input is a hash-distributed
table, distributed right away (while empty) by its key column: colocated with the first input
whose distribution column has the key's type (same shard for the same key, so later joins
between them stay on the shards), else distributed on its own. A ``_summary`` table, a model table
and the model catalog never go through it: they stay plain tables on the coordinator.

**Joins between distributed operands** (:func:`join_strategy`). Citus runs a join of two hash-
distributed tables on the shards only when they are colocated and joined on their distribution
columns. Otherwise the function chooses, from the operand sizes, between

- ``broadcast``: copy the smaller operand once into a *reference table* (a full copy on every
  node, :func:`reference_copy`) so that the join and the aggregate run shard by shard and the
  result is written shard by shard, nothing pulled through the coordinator; network
  ``|B| * workers``;
- ``repartition``: Citus's repartition join (``citus.enable_repartition_joins``, set for the
  statement only, :func:`repartition_joins`): both operands are re-hashed between the workers
  on the join key and the per-group partial states are merged on the coordinator; network about
  ``|A| + |B|`` plus the partial results.

Broadcast wins when ``|B| * workers <= |A| + |B| + 2 |C|`` (``C`` the result), e.g. a tall matrix
times a small one; square products over many workers repartition.

**Errors** (:func:`citus_errors`): where Citus cannot run a statement (its planner's "cannot push
down", "complex joins", "requires repartitioning" and other unsupported-feature errors), the
function fails with an error naming the function, the Citus feature and what to do, SQLSTATE
0A000 (feature_not_supported), never with Citus's internal error alone.

**Work tables** (:func:`work_table`): plans that iterate on the shards (the graph functions'
relational plans) keep their state in distributed tables, which cannot be temporary in Citus;
they are created in the output's schema under names unique to the backend and dropped before the
call returns (an error rolls them back with everything else).
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
from dataclasses import dataclass
from typing import Iterable, Iterator

from indb_ml.core.relations import Relation
from indb_ml.core.session import Session
from indb_ml.errors import InputError

FEATURE_NOT_SUPPORTED = "0A000"
# Citus's planner errors that mean "this statement shape is not supported on distributed tables".
CITUS_LIMITS = (
    "cannot push down", "complex joins are only supported", "requires repartitioning",
    "repartition", "not supported", "unsupported", "cannot perform distributed planning",
    "could not run distributed query", "cannot pushdown",
)

_names = itertools.count(1)


@dataclass(frozen=True)
class Distribution:
    """How Citus stores a table: ``method`` 'h' (hash), 'n' (reference or single shard), 'a', 'r';
    for hash tables the distribution ``column`` and its type oid."""

    method: str
    column: str | None
    type_oid: int | None
    colocation: int

    @property
    def hashed(self) -> bool:
        return self.method == "h" and self.column is not None


def citus_present(sess: Session) -> bool:
    """The citus extension exists in this database (its metadata tables are there)."""
    row = sess.one("SELECT pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL AS present")
    return bool(row["present"])


def distribution(sess: Session, rel: Relation) -> Distribution | None:
    """Citus's metadata for ``rel``, None for a plain table (or without Citus)."""
    if not citus_present(sess):
        return None
    row = sess.one(
        "SELECT p.partmethod::text AS method, p.colocationid AS coloc, c.col, a.atttypid::int8 AS typ "
        "FROM pg_catalog.pg_dist_partition p "
        "LEFT JOIN LATERAL (SELECT CASE WHEN p.partkey IS NOT NULL "
        "THEN pg_catalog.column_to_column_name(p.logicalrelid, p.partkey) END AS col) c ON true "
        "LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = p.logicalrelid AND a.attname = c.col "
        "WHERE p.logicalrelid = $1::regclass", [rel.sql(sess)], ["text"])
    if row is None:
        return None
    return Distribution(row["method"], row["col"], row["typ"], int(row["coloc"]))


def is_hash_distributed(sess: Session, rel: Relation) -> bool:
    d = distribution(sess, rel)
    return d is not None and d.hashed


def distributed_by(sess: Session, rel: Relation, column: str) -> bool:
    """``rel`` is hash-distributed by exactly ``column``."""
    d = distribution(sess, rel)
    return d is not None and d.hashed and d.column == column


def any_distributed(sess: Session, rels: Iterable[Relation]) -> bool:
    """Some relation is a Citus table (hash-distributed, reference or single-shard)."""
    return any(distribution(sess, r) is not None for r in rels if r is not None)


def _column_type(sess: Session, rel: Relation, column: str) -> int:
    row = sess.one("SELECT a.atttypid::int8 AS typ FROM pg_catalog.pg_attribute a WHERE a.attrelid = $1::regclass "
                   "AND a.attname = $2 AND NOT a.attisdropped", [rel.sql(sess), column], ["text", "text"])
    if row is None:
        raise InputError(f"{rel.schema}.{rel.name} has no column {column!r}")
    return int(row["typ"])


def distribute_like(sess: Session, out: Relation, key_col: str, like) -> bool:
    """Distribute the new, still empty table ``out`` by ``key_col`` when an input is distributed.

    ``like``: the inputs (a :class:`Relation`, or several in order of preference; None entries are
    skipped). ``out`` is colocated with the first hash-distributed input whose distribution column
    has ``key_col``'s type; if hash-distributed inputs exist but none has that type, ``out`` is
    distributed by ``key_col`` in its own colocation group. Without a hash-distributed input (plain
    tables, reference tables, no Citus) ``out`` stays a plain coordinator table. Returns whether
    ``out`` was distributed. ``_summary`` and model tables are never passed here.
    """
    candidates = [like] if isinstance(like, Relation) else [r for r in (like or ()) if r is not None]
    if not candidates or not citus_present(sess) or _temporary(sess, out):
        return False
    hashed = [(r, d) for r in candidates for d in [distribution(sess, r)] if d is not None and d.hashed]
    if not hashed:
        return False
    key_type = _column_type(sess, out, key_col)
    for rel, d in hashed:
        if d.type_oid == key_type:
            sess.execute("SELECT pg_catalog.create_distributed_table($1::regclass, $2, colocate_with => $3)",
                         [out.sql(sess), key_col, rel.sql(sess)], ["text", "text", "text"])
            sess.debug(f"{out.name}: distributed by {key_col}, colocated with {rel.name}")
            return True
    sess.execute("SELECT pg_catalog.create_distributed_table($1::regclass, $2)", [out.sql(sess), key_col],
                 ["text", "text"])
    sess.debug(f"{out.name}: distributed by {key_col} (no input distributed by that type)")
    return True


def _temporary(sess: Session, rel: Relation) -> bool:
    """A temporary table (Citus distributes none: it stays on the coordinator)."""
    row = sess.one("SELECT c.relpersistence = 't' AS temp FROM pg_catalog.pg_class c WHERE c.oid = $1::regclass",
                   [rel.sql(sess)], ["text"])
    return bool(row and row["temp"])


def create_table_as(sess: Session, out: Relation, query: str, key_col: str, like, what: str = "") -> bool:
    """``CREATE TABLE out AS query`` for a large per-row output (predictions): when an input in
    ``like`` is hash-distributed, ``out`` is created empty (``WITH NO DATA``), distributed by
    ``key_col`` (:func:`distribute_like`: colocated with that input when the types match), and filled
    by ``INSERT INTO out query``, which Citus runs on the shards (pushed down when the rows' key is the
    input's distribution column, re-partitioned between the workers otherwise; nothing through the
    coordinator). Plain inputs: one ``CREATE TABLE AS``. Citus's "not supported" errors become
    :func:`citus_errors`'s, naming ``what``. Returns whether ``out`` was distributed."""
    candidates = [like] if isinstance(like, Relation) else [r for r in (like or ()) if r is not None]
    if not any(is_hash_distributed(sess, r) for r in candidates):
        sess.execute("CREATE TABLE " + out.sql(sess) + " AS " + query)
        return False
    with citus_errors(sess, what or out.name, candidates):
        sess.execute("CREATE TABLE " + out.sql(sess) + " AS " + query + " WITH NO DATA")
        done = distribute_like(sess, out, key_col, candidates)
        try:
            sess.execute("INSERT INTO " + out.sql(sess) + " " + query)
        except sess.spi_error as exc:
            text = str(exc.args[0] if exc.args else exc).lower()
            if done and "partition column" in text and "null" in text:
                raise InputError(f"{what or out.name}: a row of the distributed input has a NULL {key_col}, which "
                                 f"cannot be stored in the distribution column of {out.schema}.{out.name}",
                                 hint=f"give every row a {key_col}, or predict a local copy of the rows",
                                 sqlstate="22004") from None
            raise
    return done


def worker_count(sess: Session) -> int:
    return int(sess.one("SELECT pg_catalog.count(*) AS n FROM pg_catalog.citus_get_active_worker_nodes()")["n"])


def join_strategy(sess: Session, left_rows_by_key: bool, right: Relation, bytes_a: float, bytes_b: float,
                  bytes_c: float) -> str:
    """'broadcast' or 'repartition' for ``A op B`` when an operand is distributed.

    ``left_rows_by_key``: A is hash-distributed by the key of the result's rows (a tile table by
    ``row_block``, untransposed; a sparse table by its row column), so with B on every node each
    shard of A makes its own rows of the result. Broadcast when that holds, B is a distributed
    table, and ``|B| * workers <= |A| + |B| + 2 |C|`` (sizes in bytes)."""
    if not left_rows_by_key or not is_hash_distributed(sess, right):
        return "repartition"
    return "broadcast" if bytes_b * worker_count(sess) <= bytes_a + bytes_b + 2 * bytes_c else "repartition"


def work_table(sess: Session, schema: str, purpose: str) -> Relation:
    """A name for a transient table in ``schema``, unique to this backend (dropped by the caller)."""
    return Relation(schema, f"_indb_ml_{os.getpid()}_{next(_names)}_{purpose}")


def drop(sess: Session, *rels: Relation) -> None:
    for rel in rels:
        sess.execute("DROP TABLE IF EXISTS " + rel.sql(sess))


@contextlib.contextmanager
def reference_copy(sess: Session, rel: Relation, schema: str) -> Iterator[Relation]:
    """A copy of ``rel`` as a Citus reference table (on every node), dropped afterwards."""
    copy = work_table(sess, schema, "bcast")
    sess.execute("CREATE TABLE " + copy.sql(sess) + " AS SELECT * FROM " + rel.sql(sess) + " WITH NO DATA")
    sess.execute("SELECT pg_catalog.create_reference_table($1::regclass)", [copy.sql(sess)], ["text"])
    sess.execute("INSERT INTO " + copy.sql(sess) + " SELECT * FROM " + rel.sql(sess))
    try:
        yield copy
    finally:
        drop(sess, copy)


def repartition_joins(sess: Session, *rels: Relation):
    """``citus.enable_repartition_joins = on`` for the statements inside when an operand is a Citus
    table (restored afterwards); a no-op otherwise."""
    if not any_distributed(sess, rels):
        return contextlib.nullcontext()
    return sess.settings({"citus.enable_repartition_joins": "on"})


_SETTING = re.compile(r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?")


@contextlib.contextmanager
def worker_settings(sess: Session, values: dict) -> Iterator[None]:
    """:meth:`Session.settings` that also reach the workers: ``SET LOCAL`` statements under
    ``citus.propagate_set_commands = local``, which Citus sends on every connection of the
    transaction (the shards' planners see e.g. ``enable_seqscan`` or ``hnsw.ef_search``); the old
    values are set back the same way afterwards."""
    if not values:
        yield
        return
    with sess.settings({"citus.propagate_set_commands": "local"}):
        old = {}
        for name, value in values.items():
            if not _SETTING.fullmatch(name):
                raise ValueError(f"not a setting name: {name!r}")
            old[name] = sess.one("SELECT pg_catalog.current_setting($1, true) AS v", [name], ["text"])["v"]
            sess.execute("SET LOCAL " + name + " = " + sess.literal(str(value)))
        try:
            yield
        finally:
            for name, value in old.items():
                sess.execute("RESET " + name if value is None else "SET LOCAL " + name + " = " + sess.literal(value))


@contextlib.contextmanager
def per_shard_limits(sess: Session) -> Iterator[None]:
    """Settings under which Citus runs a ``LATERAL (... ORDER BY ... LIMIT k)`` subquery over a
    distributed table once per shard, as written (``citus.subquery_pushdown``), so each shard
    returns its own top k. Only for statements whose result is merged afterwards (kNN); the
    NOTICE Citus prints when the setting is turned on is silenced (only while turning it on)."""
    stack = contextlib.ExitStack()
    with sess.settings({"client_min_messages": "warning"}):
        stack.enter_context(sess.settings({"citus.subquery_pushdown": "on"}))
    with stack:
        yield


def _is_citus_limit(exc) -> bool:
    message = (getattr(exc, "args", None) or [""])[0]
    text = str(message).lower()
    state = getattr(exc, "sqlstate", None)
    return state in (FEATURE_NOT_SUPPORTED, "XX000") and any(k in text for k in CITUS_LIMITS)


@contextlib.contextmanager
def citus_errors(sess: Session, what: str, rels: Iterable[Relation] = ()) -> Iterator[None]:
    """Turn Citus's "not supported on distributed tables" planner errors raised inside into an
    :class:`InputError` naming ``what``, the feature and a way out (SQLSTATE 0A000)."""
    try:
        yield
    except sess.spi_error as exc:
        if not _is_citus_limit(exc):
            raise
        detail = getattr(exc, "detail", None)
        names = ", ".join(f"{r.schema}.{r.name}" for r in rels if r is not None and distribution(sess, r))
        raise InputError(
            f"{what}: Citus cannot run this operation on distributed tables"
            + (f" ({names})" if names else "") + f": {exc.args[0] if exc.args else exc}"
            + (f" ({detail})" if detail else ""),
            hint="copy the inputs into local tables (CREATE TABLE ... AS SELECT), or distribute them colocated "
                 "on the join key (create_distributed_table(..., colocate_with => ...))",
            sqlstate=FEATURE_NOT_SUPPORTED) from None
