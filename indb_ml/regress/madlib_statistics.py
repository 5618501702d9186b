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


def madlib_statistics(sess) -> bool:
    """Whether ``indb_ml.madlib_statistics`` is on for this call (default off)."""
    return setting_is_on(sess.one("SELECT pg_catalog.current_setting('indb_ml.madlib_statistics', true) AS v")["v"])


def setting_is_on(value: str | None) -> bool:
    """The setting's text as a boolean. PL/Python can run no SQL in a parallel worker, so an
    aggregate's final step gets the text as an argument from a SQL wrapper and reads it here."""
    return (value or "off").strip().lower() in ("on", "true", "yes", "1")
