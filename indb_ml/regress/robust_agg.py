"""``indb_ml.robust_linregr(y, x, coef)``: MADlib's Huber-White aggregate for linear regression.

The state (``indb_ml._robust_linregr_state``) holds the co-moments of ``[y, x]`` (C, as the
``linregr`` aggregate keeps them), the HC0 meat at ``coef`` (C, as ``robust_variance_linregr``'s
pass keeps it) and ``coef``; both steps are C per row, merged in parallel workers. The final
step (once per group, numpy) gives MADlib's ``robust_linregr_result``: ``coef`` (the given
coefficients), ``std_err`` (HC0, ``(XᵀX)⁻¹ M (XᵀX)⁻¹``), ``t_stats``, ``p_values`` (normal, as
robust_variance_linregr).
"""

from __future__ import annotations

import numpy as np

from indb_ml.core.session import sql_entry
from indb_ml.errors import state_errors
from indb_ml.kernels.comoment import comoment_from_cstate
from indb_ml.kernels.robust import sandwich
from indb_ml.regress.score_passes import sandwich_from_cstate


@sql_entry
@state_errors("robust_linregr_final")
def robust_linregr_final(sess, state: dict | None) -> dict | None:
    if state is None or state.get("coef") is None:
        return None
    moments, _ = comoment_from_cstate(state["moments"])
    meat = sandwich_from_cstate(state["meat"])
    if moments is None or meat is None or meat[2] == 0:
        return None
    xtx = moments.comoment[1:, 1:] + moments.n * np.outer(moments.mean[1:], moments.mean[1:])
    coef = np.asarray(state["coef"], dtype=float)
    fit = sandwich(coef, np.linalg.pinv(xtx), meat[1], int(moments.n))
    return {"coef": coef.tolist(), "std_err": fit.std_err.tolist(), "t_stats": fit.stats.tolist(),
            "p_values": fit.p_values.tolist()}
