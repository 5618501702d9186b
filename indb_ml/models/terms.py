"""A model's terms: the name and expression of each coefficient, kept with it in the catalog.

MADlib keeps ``independent_varname = 'ARRAY[1, size, bath]'`` as text in a summary table;
a dashboard that scores the model retypes that list, in training order, by hand. At
registration the text is parsed (:mod:`indb_ml.sqlexpr`) into one entry per coefficient:
its name (``'intercept'`` for the constant 1, a column's own name, otherwise the
expression) and its expression, rendered back through the session's quoting. The
expressions are data: whoever uses them (:mod:`indb_ml.models.by_name`) parses them again,
so a catalog row can never carry SQL of its own into another role's query.

>>> class _S:  # the session's quoting, for the example
...     ident = staticmethod(lambda n: n if n.islower() else '"' + n + '"')
...     literal = staticmethod(lambda v: "'" + v + "'")
>>> t = model_terms(_S(), "price", 'ARRAY[1, size, "Tax", log(lot)]', "zone")
>>> t.names, t.exprs, t.grouping
(['intercept', 'size', 'Tax', 'log(lot)'], ['1', 'size', '"Tax"', 'log(lot)'], ['zone'])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from indb_ml import sqlexpr
from indb_ml.errors import InputError

# The trainers' names for their grouping argument (clustervar is not one: one model for all clusters).
GROUPING_ARGS = ("grouping_cols", "grouping_col")


@dataclass(frozen=True)
class Terms:
    dependent: str | None
    independent: str | None
    names: list | None  # one per coefficient; None when not known (an array column of unknown width)
    exprs: list | None  # the SQL of each feature, as data (parse again before use); None: an array column
    grouping: list | None


def model_terms(sess, dependent: str | None, independent: str | None, grouping: str | None,
                width: Callable[[], int | None] | None = None) -> Terms:
    """The terms of a model trained with these arguments; ``width()``: the number of
    coefficients, asked only for an array column, to name its elements (``x[1]``, ``x[2]``, ...)."""
    groups = sqlexpr.parse_name_list(grouping) if grouping and grouping.strip() else None
    try:
        node = sqlexpr.parse(independent) if independent else None
    except InputError:
        node = None
    names = exprs = None
    if isinstance(node, sqlexpr.Array):
        exprs = [render(sess, item) for item in node.items]
        names = [label(item, expr) for item, expr in zip(node.items, exprs)]
    elif node is not None and width is not None:  # an array column: scored whole (its length checked)
        k = width()
        if k:
            whole = render(sess, node)
            names = [whole + "[" + str(i) + "]" for i in range(1, k + 1)]
    return Terms(dependent, independent, names, exprs, groups)


def render(sess, node) -> str:
    """An expression as the user reads it: identifiers quoted only where needed."""
    return sqlexpr.to_sql(node, sess.ident, sess.literal)


def label(node, expr: str) -> str:
    """A coefficient's name: 'intercept' for the constant 1, a column's name, else the expression."""
    if isinstance(node, sqlexpr.Num) and float(node.text) == 1.0:
        return "intercept"
    if isinstance(node, sqlexpr.Col):
        return node.name
    return expr


def grouping_argument(parameters: dict) -> str | None:
    for name in GROUPING_ARGS:
        if parameters.get(name):
            return parameters[name]
    return None
