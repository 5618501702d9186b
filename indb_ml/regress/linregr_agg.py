"""The ``indb_ml.linregr(y, x)`` aggregate: transition, combine and final steps.

PostgreSQL calls the transition step once per row, and only C can make that
cheap; indb_ml has no C, so this form costs a PL/Python call per row and is
meant for small groups and ad-hoc SQL. ``linregr_train`` is the fast path (one
Python call per block of rows). The state is the same mergeable moments state
(:mod:`indb_ml.kernels.comoment`) serialized as ``bytea``, so the combine step
lets PostgreSQL run the aggregate in parallel workers.
"""

from __future__ import annotations

import numpy as np

from indb_ml.core.session import sql_entry
from indb_ml.errors import InputError
from indb_ml.kernels.comoment import comoment_add_row, comoment_from_bytes, comoment_merge, comoment_to_bytes
from indb_ml.kernels.linregr import linregr_finalize


def _row(y, x) -> np.ndarray | None:
    if y is None or x is None or any(v is None for v in x):
        return None
    if any(isinstance(v, list) for v in x):
        raise InputError("linregr: the independent variable must be a one-dimensional array",
                         sqlstate=InputError.ARRAY_DIMENSIONS)
    return np.array([y, *x], dtype=np.float64)


@sql_entry
def linregr_transition(sess, state: bytes | None, y, x) -> bytes:
    moments, skipped = comoment_from_bytes(state)
    row = _row(y, x)
    if row is None:
        return comoment_to_bytes(moments, skipped + 1)
    if not np.isfinite(row).all():
        raise InputError("linregr: NaN or Infinity in the dependent or an independent variable",
                         hint="filter such rows out with a WHERE clause", sqlstate="22P02")
    if moments is not None and moments.width != row.size:
        raise InputError(
            f"linregr: independent variable arrays have different lengths ({moments.width - 1} and {row.size - 1})",
            sqlstate=InputError.ARRAY_DIMENSIONS,
        )
    if row.size < 2:
        raise InputError("linregr: the independent variable array is empty", sqlstate=InputError.ARRAY_DIMENSIONS)
    return comoment_to_bytes(comoment_add_row(moments, row), skipped)


@sql_entry
def linregr_combine(sess, a: bytes | None, b: bytes | None) -> bytes | None:
    if a is None or b is None:
        return a if b is None else b
    ma, sa = comoment_from_bytes(a)
    mb, sb = comoment_from_bytes(b)
    if ma is not None and mb is not None and ma.width != mb.width:
        raise InputError("linregr: independent variable arrays have different lengths",
                         sqlstate=InputError.ARRAY_DIMENSIONS)
    return comoment_to_bytes(comoment_merge(ma, mb), sa + sb)


@sql_entry
def linregr_final(sess, state: bytes | None) -> dict | None:
    moments, skipped = comoment_from_bytes(state)
    if moments is None:
        return None
    fit = linregr_finalize(moments)
    return {
        "coef": fit.coef.tolist(),
        "r2": fit.r2,
        "std_err": fit.std_err.tolist(),
        "t_stats": fit.t_stats.tolist(),
        "p_values": fit.p_values.tolist(),
        "condition_no": fit.condition_no,
        "num_rows_processed": fit.num_rows_processed,
        "num_missing_rows_skipped": skipped,
        "variance_covariance": fit.variance_covariance.tolist(),
    }
