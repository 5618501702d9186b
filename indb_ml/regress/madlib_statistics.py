"""``SET indb_ml.madlib_statistics = on``: the statistics as MADlib's code computes them where
it leaves the standard definition (docs/madlib-migration.md, Deviations).

One setting for every trainer that has such a case, read here so the trainers share it:
logregr_train, glm and multinom take the statistics (log-likelihood, standard errors, ...,
condition_no, dispersion) from the last iteration's pass, a step behind the coefficients,
instead of a pass at the coefficients reported; glm, linregr_train and the linregr aggregate
take n - k residual degrees of freedom whatever the rank, and linregr MADlib's always-centred
r2 (indb_ml.kernels.linregr); margins lists constant columns too. The coefficients are the same.
"""

from __future__ import annotations

from indb_ml.core.flags import session_flag


def madlib_statistics(sess) -> bool:
    """Whether ``indb_ml.madlib_statistics`` is on for this call (default off)."""
    return session_flag(sess, "indb_ml.madlib_statistics")
