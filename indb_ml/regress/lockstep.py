"""Iterative trainers on the aggregate plan: every group's iteration advances in lockstep.

An iteration kernel (:func:`indb_ml.kernels.logregr.irls_steps`,
:func:`indb_ml.kernels.glm.glm_steps`) is a generator per group that yields the
coefficients it needs a pass at and receives the sums of that pass. Here one aggregate
statement per round (:func:`indb_ml.core.passes.run_pass`) answers the requests of every
group still iterating: their coefficients reach the rows through the ``VALUES`` join of
``coef_by_group`` (or, when every group of the source asks for the same point, as one
constant); groups that have finished drop out of later statements.
"""

from __future__ import annotations

from typing import Callable, Generator

import numpy as np

from indb_ml.core import passes
from indb_ml.core.session import Session
from indb_ml.errors import InputError
from indb_ml.kernels import interrupts


def coef_pass(sess: Session, source, group_cols, call: Callable[[str], str], coefs: dict,
              reference: list | None = None) -> dict:
    """``{reference key: result row}`` of one aggregate statement at per-group coefficients.

    ``call(coef_sql)`` is the aggregate call given the SQL of the coefficients. ``coefs``
    maps reference keys (the first pass's) to float arrays; when it covers every group of
    ``reference`` (or ``reference`` is None: the first pass, over every group) with one
    value, that value is a constant and no join is made."""
    values = list(coefs.values())
    same = all(np.array_equal(values[0], v) for v in values[1:])
    if same and (reference is None or len(coefs) == len(reference)):
        rows = passes.run_pass(sess, source, group_cols, call(passes.float8_array_sql(sess, values[0])))
    else:
        rows = passes.run_pass(sess, source, group_cols, call("indb_ml_c.coef"), coef_by_group=coefs)
    if reference is None:
        return rows
    match = passes.match_keys(sess, source, group_cols, reference, rows)
    return {match[key]: row for key, row in rows.items()}


def run_lockstep(gens: dict, requests: dict, evaluate: Callable[[dict], dict]) -> dict:
    """Advance every generator of ``gens`` ({key: generator}) from its pending request
    (``requests``: {key: request}) to its result: ``evaluate({key: request})`` answers all
    pending requests of one round at once ({key: answer}). Returns {key: result}."""
    results = {}
    pending = dict(requests)
    while pending:
        interrupts.check()
        answers = evaluate(pending)
        following = {}
        for key in pending:
            gen: Generator = gens[key]
            try:
                following[key] = gen.send(answers[key])
            except StopIteration as stop:
                results[key] = stop.value
        pending = following
    return results


def vanished(what: str, gkey) -> InputError:
    """A group that had rows in the first pass and none in a later one: the source changed."""
    where = f" group {gkey}" if gkey else ""
    return InputError(
        f"{what}: the rows of{where or ' the source'} changed between passes",
        hint="train inside a REPEATABLE READ transaction, or from a table that is not being modified",
        sqlstate="40001",
    )


def feature_count(sess: Session, source, features) -> int:
    """k: from the ARRAY[...] expression, or from one row of an array column (1 when no
    row has an array: every row is then skipped anyway)."""
    if features.n_features is not None:
        return features.n_features
    row = sess.one("SELECT pg_catalog.cardinality(" + features.x_sql + ") AS k FROM " + source.sql(sess)
                   + " WHERE (" + features.x_sql + ") IS NOT NULL LIMIT 1")
    return max(int(row["k"]), 1) if row is not None and row["k"] is not None else 1
