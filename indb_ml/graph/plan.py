"""Which physical plan a graph function runs: sparse in memory, or relational.

``SET indb_ml.graph_plan = 'auto' | 'memory' | 'relational'`` (unset: auto). ``auto`` keeps the
graph in memory when its estimated footprint fits ``indb_ml.matrix_memory_mb`` (default
512 MB, about 3M edges); above that, every iteration runs as a join + ``GROUP BY`` in PostgreSQL, which spills to
disk instead of running out of memory. Both plans give the same answers (the tests force each).

**Distributed edges (Citus).** The memory plan pulls every edge through the coordinator; for
``pagerank``, ``weakly_connected_components``, ``graph_sssp`` and ``graph_bfs`` the relational plan
runs on the shards instead (:mod:`indb_ml.graph.shards`: the edges never leave the workers, the
work spreads over them, the coordinator only plans statements). On a hash-distributed edge table
these functions' ``auto`` (``choose(..., on_shards=True)``) keeps the memory plan only while the
graph's estimated in-memory footprint (the same estimate as above) is within
``indb_ml.graph_pull_mb`` (default 64 MB, about 400k edges) *and* ``indb_ml.matrix_memory_mb``:
such a graph is pulled in well under a second, less than the relational plan's fixed cost of a few
distributed statements per iteration. Above it the relational plan on the shards runs, whatever
the memory budget, so the coordinator's memory and network stop bounding the graph. The other
graph functions' relational plans read the edges through the coordinator anyway, so for them
``auto`` stays the memory-budget rule.
"""

from __future__ import annotations

from indb_ml.core import distributed
from indb_ml.core.session import Session
from indb_ml.errors import InputError
from indb_ml.matrix.storage import limit_bytes

PLANS = ("auto", "memory", "relational")
# Peak growth of the backend measured while loading 1M edges and running pagerank: ~147 MB (the
# arrays array_agg builds, their bytes in Python, int64 positions, the CSR matrix and its transpose).
BYTES_PER_EDGE = 160
BYTES_PER_VERTEX = 64  # ids, ranks, degrees, CSR row pointers
PULL_MB = 64  # default indb_ml.graph_pull_mb: ~400k edges pulled from a distributed edge table


def requested(sess: Session) -> str:
    value = sess.one("SELECT pg_catalog.current_setting('indb_ml.graph_plan', true) AS v")["v"]
    plan = (value or "auto").strip().lower()
    if plan not in PLANS:
        raise InputError(f"indb_ml.graph_plan is {value!r}",
                         hint="SET indb_ml.graph_plan to auto, memory or relational")
    return plan


def pull_limit_bytes(sess: Session) -> int:
    """``indb_ml.graph_pull_mb`` in bytes (default :data:`PULL_MB`): the largest graph ``auto`` pulls
    from a distributed edge table to the coordinator when a plan on the shards exists."""
    value = sess.one("SELECT pg_catalog.current_setting('indb_ml.graph_pull_mb', true) AS v")["v"]
    if value is None or not value.strip():
        return PULL_MB << 20
    try:
        mb = float(value)
    except ValueError:
        mb = -1.0
    if not mb >= 0:
        raise InputError(f"indb_ml.graph_pull_mb is {value!r}", hint="SET indb_ml.graph_pull_mb to a number of MB >= 0")
    return int(mb * (1 << 20))


def choose(sess: Session, spec, what: str, on_shards: bool = False) -> str:
    """'memory' or 'relational' for ``spec`` (a GraphSpec); says which in a DEBUG2 message.

    ``on_shards``: the function has a relational plan that runs on the shards of a distributed edge
    table (:mod:`indb_ml.graph.shards`); when the edge table is hash-distributed, ``auto`` pulls the
    graph only within :func:`pull_limit_bytes` (the module's docstring)."""
    plan = requested(sess)
    if plan == "auto":
        edges, vertices = _estimate(sess, spec.edge), _estimate(sess, spec.vertex)
        need = edges * BYTES_PER_EDGE + vertices * BYTES_PER_VERTEX
        limit, why = limit_bytes(sess), "indb_ml.matrix_memory_mb"
        if on_shards and distributed.is_hash_distributed(sess, spec.edge):
            pull = pull_limit_bytes(sess)
            if pull < limit:
                limit, why = pull, "indb_ml.graph_pull_mb (distributed edges: relational plan on the shards above)"
        plan = "memory" if need <= limit else "relational"
        sess.debug(f"{what}: ~{edges} edges, ~{vertices} vertices, ~{need >> 20} MB in memory, "
                   f"limit {limit >> 20} MB from {why}: {plan} plan")
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
