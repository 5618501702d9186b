"""XᵀX and Xᵀy over a key / foreign-key join without materializing the join (Morpheus, LMFAO).

With X = [F | D[fk]] (fact columns F, dimension columns D repeated per matching fact row)::

    XᵀX = [[FᵀF,         Sᵀ Dm          ],
           [Dmᵀ S,        Dmᵀ diag(c) Dm ]]

where, per dimension key j, ``S_j`` sums the fact columns of its rows, ``c_j`` counts them
and ``Dm_j`` is the dimension row. FᵀF is one chunked scan of the fact table (rows whose
key has no dimension row are filtered out, as the inner join drops them); S, c and Dm
come from one GROUP BY of the fact table joined to the dimension table on the key, so
the work over the fact table is independent of the dimension's width.
"""

from __future__ import annotations

import numpy as np

from indb_ml.core.features import Features
from indb_ml.core.packing import scan_blocks
from indb_ml.core.relations import Relation
from indb_ml.core.session import Session
from indb_ml.kernels.arraybytes import float8_array_from_body
from indb_ml.planner import ir


def crossprod(sess: Session, a: ir.KeyJoin, b: ir.KeyJoin) -> np.ndarray:
    """``t(A) %*% B`` for A = [Fa | Da], B = [Fb | Db] over the same join:
    ``[[FaᵀFb, SaᵀDb], [DaᵀSb, Daᵀ diag(c) Db]]``, with S the per-key sums of the fact columns."""
    ident = sess.ident
    fa, fb, da, db = list(a.fact_columns), list(b.fact_columns), list(a.dim_columns), list(b.dim_columns)
    facts = list(dict.fromkeys(fa + fb))  # each fact column read once
    dims = list(dict.fromkeys(da + db))
    out = np.zeros((len(fa) + len(da), len(fb) + len(db)))
    if fa and fb:
        row = "ARRAY[" + ", ".join("(" + ident(c) + ")::float8" for c in facts) + "]"
        matched = ident(a.fk) + " IN (SELECT " + ident(a.pk) + " FROM " + a.dim + ")"
        schema, name = _split(sess, a.fact)
        ia, ib = [facts.index(c) for c in fa], [facts.index(c) for c in fb]
        for _, _, block in scan_blocks(sess, Relation(schema, name, "r"), Features(row, matched, (), len(facts))):
            if block.size:
                block = block.reshape(-1, len(facts))
                out[:len(fa), :len(fb)] += block[:, ia].T @ block[:, ib]
    if not (da or db):
        return out
    sums = "ARRAY[" + ", ".join(["0::float8"] + ["pg_catalog.sum((f." + ident(c) + ")::float8)" for c in facts]) + "]"
    dvec = "ARRAY[" + ", ".join(["0::float8"] + ["(d." + ident(c) + ")::float8" for c in dims]) + "]"
    row = sess.one(
        "SELECT indb_ml._float8_array_bytes(pg_catalog.array_agg(a.c::float8 ORDER BY a.k), ''::bytea) AS c, "
        "indb_ml._float8_array_bytes(pg_catalog.array_agg(a.s ORDER BY a.k), ''::bytea) AS s, "
        "indb_ml._float8_array_bytes(pg_catalog.array_agg(" + dvec + " ORDER BY a.k), ''::bytea) AS d "
        "FROM (SELECT f." + ident(a.fk) + " AS k, pg_catalog.count(*) AS c, " + sums + " AS s FROM "
        + a.fact + " f GROUP BY 1) a JOIN " + a.dim + " d ON a.k = d." + ident(a.pk)
    )
    counts = float8_array_from_body(row["c"])
    s = float8_array_from_body(row["s"]).reshape(-1, len(facts) + 1)[:, 1:]  # column 0 pads empty lists
    dm = float8_array_from_body(row["d"]).reshape(-1, len(dims) + 1)[:, 1:]
    sa, sb = s[:, [facts.index(c) for c in fa]], s[:, [facts.index(c) for c in fb]]
    dma, dmb = dm[:, [dims.index(c) for c in da]], dm[:, [dims.index(c) for c in db]]
    out[:len(fa), len(fb):] = sa.T @ dmb
    out[len(fa):, :len(fb)] = dma.T @ sb
    out[len(fa):, len(fb):] = dma.T @ (counts[:, None] * dmb)
    return out


def _split(sess: Session, qualified: str) -> tuple[str, str]:
    """The (schema, name) of a relation we resolved and quoted ourselves."""
    row = sess.one("SELECT n.nspname AS s, c.relname AS r FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
                   "ON n.oid = c.relnamespace WHERE c.oid = $1::regclass", [qualified], ["text"])
    return row["s"], row["r"]
