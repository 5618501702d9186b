"""Model output tables: one row per group, grouping columns first, typed as the source's.

Shared by the trainers (linregr_train, logregr_train): the table is created from the
source's grouping columns (``CREATE TABLE ... AS SELECT ... WITH NO DATA`` keeps their
types) plus the model's columns, and each group's key (jsonb text from the scan) is
turned back into typed values by ``jsonb_populate_record``.

Inside :func:`captured` nothing is written: the rows are kept for the ``*_fit`` functions,
which return the model as rows (:mod:`indb_ml.regress.fit_rows`).
"""

from __future__ import annotations

import contextlib
from typing import Iterator

from indb_ml.core.relations import Relation
from indb_ml.core.session import Session

_captures: list = []  # the open captures, innermost last


@contextlib.contextmanager
def captured() -> Iterator[list]:
    """Inside, :func:`write_models` and :func:`write_summary` write nothing: every call of
    ``write_models`` appends ``(group_cols, cols, rows)`` to the list yielded, in order."""
    rows: list = []
    _captures.append(rows)
    try:
        yield rows
    finally:
        _captures.remove(rows)


def write_models(sess: Session, source: Relation, out: Relation, group_cols: tuple, cols: tuple,
                 rows: dict, create: bool = True) -> None:
    """``rows``: group key (None without grouping) -> the values of ``cols`` (name, type) in order;
    ``create=False`` appends to a table an earlier call created."""
    if _captures:
        _captures[-1].append((tuple(group_cols), tuple(cols), dict(rows)))
        return
    group_select = ["s." + sess.ident(c) for c in group_cols]
    stats_select = ["NULL::" + t + " AS " + sess.ident(c) for c, t in cols]
    if create:
        sess.execute(
            "CREATE TABLE " + out.sql(sess) + " AS SELECT " + ", ".join(group_select + stats_select)
            + " FROM " + source.sql(sess) + " s WITH NO DATA"
        )
    grouped = bool(group_cols)
    params = ", ".join("$" + str(i + 1 + grouped) for i in range(len(cols)))
    if grouped:
        keys = ", ".join("r." + sess.ident(c) for c in group_cols)
        insert = ("INSERT INTO " + out.sql(sess) + " SELECT " + keys + ", " + params
                  + " FROM pg_catalog.jsonb_populate_record(NULL::" + out.sql(sess) + ", $1::jsonb) r")
    else:
        insert = "INSERT INTO " + out.sql(sess) + " VALUES (" + params + ")"
    types = ["text"] * grouped + [t for _, t in cols]
    for gkey in sorted(rows, key=lambda g: g or ""):
        sess.execute(insert, [gkey] * grouped + list(rows[gkey]), types)


def write_summary(sess: Session, summary: Relation, fields: tuple) -> None:
    """A one-row ``_summary`` table from ``fields`` = ((name, SQL type, value), ...), values bound."""
    if _captures:
        return
    sess.execute("CREATE TABLE " + summary.sql(sess) + " ("
                 + ", ".join(sess.ident(n) + " " + t for n, t, _ in fields) + ")")
    sess.execute("INSERT INTO " + summary.sql(sess) + " VALUES ("
                 + ", ".join("$" + str(i + 1) for i in range(len(fields))) + ")",
                 [v for _, _, v in fields], [t for _, t, _ in fields])
