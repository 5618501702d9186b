"""Rewrite rules, one per module, applied in the order of :data:`RULES` (see :mod:`indb_ml.planner.rewrite`).

Each module has ``NAME`` and ``rewrite(node) -> Node | None``: a rewrite of ``node`` itself
(not its children) when the rule matches, else None. Every rule preserves results; the
tests run each expression with and without each rule against numpy.
"""

from indb_ml.planner.rules import chain, empty, factorize, fold, mmchain, simplify, transpose, tsmm

RULES = (transpose, simplify, empty, fold, chain, tsmm, mmchain, factorize)
