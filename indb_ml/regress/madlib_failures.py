"""``SET indb_ml.madlib_failures = on``: MADlib's outcome where its fit of a group fails, for
``logregr_train`` and ``glm`` (docs/madlib-migration.md, Deviations: "Bad input" and
"Failures are rows").

By default a NaN or Infinity in the dependent variable or a feature is an error (22P02) and
a failed fit keeps the coefficients it reached, with its ``status``. MADlib's transition
steps instead warn and end the group, and its drivers write that group's row with NULL
values (regress/logistic.cpp and logistic.py_in: state status TERMINATED, ``CASE WHEN
(result).status = 1 ... ELSE NULL``; glm/GLM_impl.hpp and glm.cpp: ``terminated``, the
final step returns NULL). The C steps here still refuse such rows, so under the setting one
aggregate statement first finds the groups that have them (:func:`nonfinite_groups`), the
other groups are fitted over a temporary view without those groups (:func:`finite_view`),
and the drivers write MADlib's rows for them (:func:`logregr_row`, :func:`glm_row`).

MADlib's outcome depends on the scan order in one case, and the rule taken here does not:
a logregr group (any optimizer) with a non-finite row is ended, as MADlib ends it whenever
the row comes after one of the group's finite rows. MADlib's state, still empty before the
group's first finite row, is reset by that row, so a non-finite row read first is skipped
instead; here it ends the group wherever it is. A group whose rows are all non-finite (or
NULL) is MADlib's empty group either way.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from indb_ml.core.flags import session_flag
from indb_ml.core.passes import group_key_sql
from indb_ml.core.relations import resolve_source

FLAG = "indb_ml.madlib_failures"
NONFINITE = "'{NaN,Infinity,-Infinity}'::pg_catalog.float8[]"
_views = itertools.count(1)

# MADlib's warnings, word for word (regress/logistic.cpp, glm/GLM_impl.hpp).
DESIGN = "Design matrix is not finite."
DEPENDENT = "Dependent variables are not finite."
LOGREGR_FAILED = {  # the optimizer's TERMINATED warning
    "irls": "Over- or underflow in intermediate calculation. Input data is likely of poor numerical condition.",
    "irls_step": "Over- or underflow in Newton step, while updating coefficients.Input data is likely of "
                 "poor numerical condition.",
    "cg": "Over- or underflow in conjugate-gradient step, while updating coefficients. Input data is likely "
          "of poor numerical condition.",
    "igd": "Overflow or underflow in incremental-gradient iteration. Inputdata is likely of poor numerical "
           "condition.",
}
# logregr statuses that are MADlib's TERMINATED: its row is NULL (max_iter, separation and
# singular are not: MADlib marks max_iter COMPLETED and solves by a pseudo-inverse).
LOGREGR_TERMINATED = ("overflow", "diverged")
STATUS = "nonfinite"  # the status column of a group ended by a non-finite row


def madlib_failures(sess) -> bool:
    """Whether ``indb_ml.madlib_failures`` is on for this call (default off)."""
    return session_flag(sess, FLAG)


@dataclass(frozen=True)
class BadGroup:
    """A group with rows that have no NULL but a NaN or Infinity."""

    num_rows: int  # every row of the group, as MADlib's count(*)
    bad: int  # rows with a non-finite value (and no NULL)
    bad_y: int  # of those, rows whose dependent variable is not finite
    finite: int  # rows with no NULL and all values finite

    @property
    def warning(self) -> str:
        """MADlib's warning for the group (glm tests y first; logregr's y is boolean there)."""
        return DEPENDENT if self.bad_y else DESIGN


def _tests(features) -> tuple[str, str, str]:
    """SQL of three row tests: no NULL (the fit skips and counts such rows), a NaN or
    +-Infinity (and no NULL), and a non-finite dependent variable.

    With the features listed one by one the row's values are summed times 0: Infinity * 0
    and NaN are NaN (float8 NaN = NaN in PostgreSQL), a NULL makes the sum NULL, so one
    cheap expression answers both (1M rows x 4 features, 4 groups, 2 shared cores: the
    setting adds about 0.2 s to a 0.35 s logregr_train, 0.5 s with an array built per row).
    An array column takes ``&&`` against the three values."""
    listed = features.listed(1 << 16)
    if listed is not None:
        zero = "(" + " + ".join("(" + item + ") * 0" for item in listed) + ")"
        return zero + " IS NOT NULL", zero + " = 'NaN'::pg_catalog.float8", "(" + listed[0] + ") * 0 = 'NaN'"
    ok = features.ok_sql or ("pg_catalog.array_position(" + features.row_sql + ", NULL) IS NULL")
    bad = "(" + ok + " AND (" + features.row_sql + ") OPERATOR(pg_catalog.&&) " + NONFINITE + ")"
    return ok, bad, "(" + features.y_sql + ") = ANY(" + NONFINITE + ")"


def nonfinite_groups(sess, source, features) -> dict:
    """``{group key: BadGroup}`` of the groups with non-finite rows: one aggregate statement."""
    ok, bad, y_bad = _tests(features)
    cols = [sess.ident(g) for g in features.group_cols]
    query = ("SELECT " + group_key_sql(sess, features.group_cols, "s.") + " AS gkey, pg_catalog.count(*) AS n, "
             "pg_catalog.count(*) FILTER (WHERE " + bad + ") AS bad, "
             "pg_catalog.count(*) FILTER (WHERE " + bad + " AND " + y_bad + ") AS bad_y, "
             "pg_catalog.count(*) FILTER (WHERE " + ok + " AND NOT " + bad + ") AS finite "
             "FROM " + source.sql(sess) + " s")
    if cols:
        query += " GROUP BY " + ", ".join("s." + c for c in cols)
    query += " HAVING pg_catalog.count(*) FILTER (WHERE " + bad + ") > 0"
    return {r["gkey"]: BadGroup(int(r["n"]), int(r["bad"]), int(r["bad_y"]), int(r["finite"]))
            for r in sess.execute(query)}


# Up to this many failed groups the view compares each row's group columns with each group's
# values, computed once (an InitPlan per value): 1M rows, 4 groups, logregr irls over the view
# 0.46 s, against 1.6 s with the group's jsonb key built per row (the form taken above it).
KEYS_AS_VALUES = 64


def finite_view(sess, source, features, bad_keys):
    """A temporary view of ``source`` without the rows of the groups ``bad_keys`` (MADlib's
    fit of those groups ends; the others are fitted as they are): ``(relation, drop)``. The
    keys are those of :func:`nonfinite_groups`; each is a literal, read back into the group
    columns' own types by ``jsonb_populate_record`` and compared with IS NOT DISTINCT FROM
    (NULL group values included)."""
    name = "_indb_ml_finite_" + str(next(_views))
    cols = features.group_cols
    if not cols:
        where = "false"  # the one group is ended
    elif len(bad_keys) <= KEYS_AS_VALUES:
        where = "NOT (" + " OR ".join(_group_is(sess, source, cols, k) for k in bad_keys) + ")"
    else:
        keys = "ARRAY[" + ", ".join(sess.literal(k) for k in bad_keys) + "]::pg_catalog.text[]"
        where = "NOT (" + group_key_sql(sess, cols, "s.") + " = ANY(" + keys + "))"
    sess.execute("CREATE TEMPORARY VIEW " + sess.ident(name) + " AS SELECT s.* FROM " + source.sql(sess)
                 + " s WHERE " + where)
    view = resolve_source(sess, "pg_temp." + sess.ident(name))
    return view, lambda: sess.execute("DROP VIEW " + view.sql(sess))


def _group_is(sess, source, cols, key: str) -> str:
    """The row (alias ``s``) is in the group of ``key`` (a jsonb text of its column values)."""
    record = ("pg_catalog.jsonb_populate_record(NULL::" + source.sql(sess) + ", " + sess.literal(key)
              + "::pg_catalog.jsonb) r")
    return "(" + " AND ".join("s." + sess.ident(g) + " IS NOT DISTINCT FROM (SELECT r." + sess.ident(g) + " FROM "
                              + record + ")" for g in cols) + ")"


def prepare(sess, source, features):
    """Under the setting: ``(source to fit, {group key: BadGroup}, drop)``, the source itself
    when no row is non-finite."""
    bad = nonfinite_groups(sess, source, features)
    if not bad:
        return source, {}, lambda: None
    view, drop = finite_view(sess, source, features, list(bad))
    return view, bad, drop


def warn(sess, text: str, gkey: str | None, detail: str) -> None:
    """MADlib's WARNING ``text``, with the group and what happened as its DETAIL."""
    where = f"group {gkey}: " if gkey else ""
    sess.plpy.warning(text, detail=where + detail)


def logregr_row(group: BadGroup) -> list:
    """MADlib's logregr row for a group with non-finite rows: TERMINATED after its first
    iteration (every value NULL, num_rows_processed and num_missing_rows_skipped too), or,
    with no finite row, the empty group's (0 rows processed, all of them skipped)."""
    if group.finite:
        return [None] * 7 + [None, None, 1, None, STATUS]
    return [None] * 7 + [0, group.num_rows, 1, None, STATUS]


def logregr_terminated(fit) -> list:
    """MADlib's row for a logregr fit it ends (TERMINATED): NULL values, its iteration count."""
    return [None] * 7 + [None, None, fit.num_iterations, None, fit.status]


def glm_row(group: BadGroup, max_iter: int) -> list:
    """MADlib's glm row for a group with non-finite rows: its final step returned NULL, so the
    values are NULL, 0 rows processed and all the group's rows skipped. The group never
    converges, so MADlib's loop runs to ``max_iter`` and reports it."""
    return [None] * 6 + [0, group.num_rows, max_iter, STATUS]
