"""The final step of the ``indb_ml.linregr(y, x)`` aggregate.

The transition and combine steps are C (``src/comoment.c``: Welford's per-row update
and Chan's merge of a co-moments state), so the aggregate runs at scan speed, in
parallel workers, per partition and on Citus shards. The final step runs once per
group: it reads the C state and finalizes the fit in numpy
(:mod:`indb_ml.kernels.linregr`), the same code ``linregr_train`` uses, with MADlib's
formulas under ``SET indb_ml.madlib_statistics = on`` as ``linregr_train`` (which is why
the final step is STABLE, not IMMUTABLE; a SQL wrapper reads the setting and passes it in,
since PL/Python can run no SQL in a parallel worker).
"""

from __future__ import annotations

from indb_ml.core.flags import setting_is_on
from indb_ml.core.session import sql_entry
from indb_ml.errors import state_errors
from indb_ml.kernels.comoment import comoment_from_cstate
from indb_ml.kernels.linregr import linregr_finalize


@sql_entry
@state_errors("linregr_final")
def linregr_final(sess, state: bytes | None, madlib: str | None = None) -> dict | None:
    """``madlib``: the text of ``indb_ml.madlib_statistics``."""
    moments, skipped = comoment_from_cstate(state)
    if moments is None:
        return None
    fit = linregr_finalize(moments, setting_is_on(madlib))
    return {
        "coef": fit.coef.tolist(),
        "r2": fit.r2,
        "std_err": fit.std_err.tolist(),
        "t_stats": fit.t_stats.tolist(),
        "p_values": fit.p_values_or_none,
        "condition_no": fit.condition_no,
        "num_rows_processed": fit.num_rows_processed,
        "num_missing_rows_skipped": skipped,
        "variance_covariance": fit.variance_covariance.tolist(),
    }
