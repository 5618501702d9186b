"""Which physical plan a graph function runs: sparse in memory, or relational.

``SET indb_ml.graph_plan = 'auto' | 'memory' | 'relational'`` (unset: auto). ``auto`` keeps the
graph in memory when its estimated footprint fits ``indb_ml.matrix_memory_mb`` (default
512 MB, about 3M edges); above that, every iteration runs as a join + ``GROUP BY`` in PostgreSQL, which spills to
disk instead of running out of memory. Both plans give the same answers (the tests force each).
"""

from __future__ import annotations

from indb_ml.core.session import Session
from indb_ml.errors import InputError
from indb_ml.matrix.storage import limit_bytes

PLANS = ("auto", "memory", "relational")
# Peak growth of the backend measured while loading 1M edges and running pagerank: ~147 MB (the
# arrays array_agg builds, their bytes in Python, int64 positions, the CSR matrix and its transpose).
BYTES_PER_EDGE = 160
BYTES_PER_VERTEX = 64  # ids, ranks, degrees, CSR row pointers


def requested(sess: Session) -> str:
    value = sess.one("SELECT pg_catalog.current_setting('indb_ml.graph_plan', true) AS v")["v"]
    plan = (value or "auto").strip().lower()
    if plan not in PLANS:
        raise InputError(f"indb_ml.graph_plan is {value!r}",
                         hint="SET indb_ml.graph_plan to auto, memory or relational")
    return plan


def choose(sess: Session, spec, what: str) -> str:
    """'memory' or 'relational' for ``spec`` (a GraphSpec); says which in a DEBUG2 message."""
    plan = requested(sess)
    if plan == "auto":
        edges, vertices = _estimate(sess, spec.edge), _estimate(sess, spec.vertex)
        need = edges * BYTES_PER_EDGE + vertices * BYTES_PER_VERTEX
        plan = "memory" if need <= limit_bytes(sess) else "relational"
        sess.debug(f"{what}: ~{edges} edges, ~{vertices} vertices, ~{need >> 20} MB in memory: {plan} plan")
    else:
        sess.debug(f"{what}: {plan} plan (indb_ml.graph_plan)")
    return plan


def _estimate(sess: Session, rel) -> int:
    """Rows of a relation: the planner's statistics for analysed tables, else a count."""
    row = sess.one("SELECT c.reltuples::int8 AS n FROM pg_catalog.pg_class c WHERE c.oid = $1::regclass",
                   [rel.sql(sess)], ["text"])
    if row and row["n"] is not None and row["n"] > 0:
        return int(row["n"])
    return int(sess.one("SELECT pg_catalog.count(*) AS n FROM " + rel.sql(sess))["n"])
