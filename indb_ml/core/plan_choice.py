"""Which physical plan an iterative trainer uses: aggregate passes or rows packed in memory.

Aggregate passes (:mod:`indb_ml.core.passes`, one C aggregate statement per iteration)
run on anything PostgreSQL can scan: views, foreign tables, partitioned tables, parallel
workers, Citus distributed tables. Packing the rows once into memory
(:mod:`indb_ml.core.packed`) and iterating in numpy is faster for IRLS-like methods that
make many passes, but it scans by ctid ranges, so it is kept only for plain local heap
tables (and materialized views), and only where a benchmark showed it faster.

``SET indb_ml.training_plan = auto | aggregate | memory`` overrides the choice (tests use
it to run both plans on the same data); ``memory`` on a source without a ctid is an error.
"""

from __future__ import annotations

from indb_ml.core.relations import Relation
from indb_ml.core.session import Session
from indb_ml.errors import InputError

PLANS = ("auto", "aggregate", "memory")
_LOCAL_HEAP_KINDS = ("r", "m")


def training_plan(sess: Session) -> str:
    """The ``indb_ml.training_plan`` setting (``auto`` when unset)."""
    value = sess.one("SELECT pg_catalog.current_setting('indb_ml.training_plan', true) AS v")["v"] or "auto"
    value = value.strip().lower()
    if value not in PLANS:
        raise InputError(f"indb_ml.training_plan must be one of {', '.join(PLANS)}, not {value!r}",
                         sqlstate="22023")
    return value


def citus_present(sess: Session) -> bool:
    """Whether this database has Citus (its catalog of distributed tables)."""
    return bool(sess.one("SELECT pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL AS present")
                ["present"])


def is_distributed(sess: Session, source: Relation) -> bool:
    """A Citus distributed or reference table: its rows live on the workers' shards, and the
    coordinator's table of the same name is empty, so ctid ranges would read nothing."""
    if not citus_present(sess):
        return False
    row = sess.one("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition WHERE logicalrelid = "
                   "$1::regclass) AS distributed", [source.sql(sess)], ["text"])
    return bool(row["distributed"])


def is_local_heap(sess: Session, source: Relation) -> bool:
    """A plain table or materialized view with its rows here: not partitioned, not a view or
    foreign table, and not a Citus distributed table."""
    return source.kind in _LOCAL_HEAP_KINDS and not is_distributed(sess, source)


def use_aggregate_passes(sess: Session, source: Relation, memory_faster: bool = True) -> bool:
    """True when the trainer should run one aggregate statement per pass.

    ``memory_faster`` is the trainer's measured verdict for local heaps (True for IRLS-like
    methods that make many passes); with ``auto`` a local heap then takes the memory plan."""
    plan = training_plan(sess)
    local = is_local_heap(sess, source)
    if plan == "memory":
        if not local:
            raise InputError(
                f"indb_ml.training_plan = memory needs a plain local table; {source.schema}.{source.name} "
                "is a view, foreign, partitioned or distributed table",
                hint="SET indb_ml.training_plan = auto (or aggregate)", sqlstate="22023")
        return False
    if plan == "aggregate":
        return True
    return not (local and memory_faster)
