"""Group keys: the grouping values of a chunk, as SQL sees them equal.

The scans return each group's values as ``jsonb`` text, which is exact but not
canonical: numeric ``1.0`` and ``1.00``, or strings equal under a
nondeterministic collation, are one group to SQL but two texts, and may come
from different chunks. :func:`canonical_keys` lets PostgreSQL decide, with the
columns' own equality, which texts are one group.
"""

from __future__ import annotations

from indb_ml.core.relations import Relation
from indb_ml.core.session import Session


def canonical_keys(sess: Session, source: Relation, group_cols: tuple, keys) -> dict:
    """Map every key to one representative key per group (keys of SQL-equal values share it)."""
    keys = list(keys)
    if not group_cols or len(keys) < 2:
        return {k: k for k in keys}
    partition = ", ".join("r." + sess.ident(g) for g in group_cols)
    rows = sess.execute(
        "SELECT k, pg_catalog.first_value(k) OVER (PARTITION BY " + partition + " ORDER BY k) AS canon "
        "FROM pg_catalog.unnest($1::text[]) AS k, "
        "pg_catalog.jsonb_populate_record(NULL::" + source.sql(sess) + ", k::jsonb) AS r",
        [keys],
        ["text[]"],
    )
    return {r["k"]: r["canon"] for r in rows}
