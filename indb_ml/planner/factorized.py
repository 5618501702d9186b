"""XᵀX over a key / foreign-key join without materializing the join (Morpheus, LMFAO).

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

from indb_ml.kernels.arraybytes import float8_array_from_body
from indb_ml.planner import ir
from indb_ml.server.features import Features
from indb_ml.server.packing import scan_blocks
from indb_ml.server.relations import Relation
from indb_ml.server.session import Session


def gram(sess: Session, j: ir.KeyJoin) -> np.ndarray:
    ident = sess.ident
    kf, kd = len(j.fact_columns), len(j.dim_columns)
    fact_row = "ARRAY[" + ", ".join("(" + ident(c) + ")::float8" for c in j.fact_columns) + "]"
    matched = ident(j.fk) + " IN (SELECT " + ident(j.pk) + " FROM " + j.dim + ")"
    schema, name = _split(sess, j.fact)
    ftf = np.zeros((kf, kf))
    for _, _, block in scan_blocks(sess, Relation(schema, name, "r"), Features(fact_row, matched, (), kf)):
        if block.size:
            block = block.reshape(-1, kf)
            ftf += block.T @ block
    sums = ", ".join("pg_catalog.sum((f." + ident(c) + ")::float8)" for c in j.fact_columns)
    dims = "ARRAY[" + ", ".join("(d." + ident(c) + ")::float8" for c in j.dim_columns) + "]"
    row = sess.one(
        "SELECT indb_ml._float8_array_bytes(pg_catalog.array_agg(a.c::float8 ORDER BY a.k), ''::bytea) AS c, "
        "indb_ml._float8_array_bytes(pg_catalog.array_agg(a.s ORDER BY a.k), ''::bytea) AS s, "
        "indb_ml._float8_array_bytes(pg_catalog.array_agg(" + dims + " ORDER BY a.k), ''::bytea) AS d "
        "FROM (SELECT f." + ident(j.fk) + " AS k, pg_catalog.count(*) AS c, ARRAY[" + sums + "] AS s FROM "
        + j.fact + " f GROUP BY 1) a JOIN " + j.dim + " d ON a.k = d." + ident(j.pk)
    )
    counts = float8_array_from_body(row["c"])
    s = float8_array_from_body(row["s"]).reshape(-1, kf)
    dm = float8_array_from_body(row["d"]).reshape(-1, kd)
    out = np.empty((kf + kd, kf + kd))
    out[:kf, :kf] = ftf
    out[:kf, kf:] = s.T @ dm
    out[kf:, :kf] = out[:kf, kf:].T
    out[kf:, kf:] = dm.T @ (counts[:, None] * dm)
    return out


def _split(sess: Session, qualified: str) -> tuple[str, str]:
    """The (schema, name) of a relation we resolved and quoted ourselves."""
    row = sess.one("SELECT n.nspname AS s, c.relname AS r FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
                   "ON n.oid = c.relnamespace WHERE c.oid = $1::regclass", [qualified], ["text"])
    return row["s"], row["r"]
