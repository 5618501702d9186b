"""``indb_ml.mlogregr_train``: MADlib's multinomial logistic regression (Newton's method).

Two physical plans (:mod:`indb_ml.core.plan_choice`), the same Newton iterations
(:func:`indb_ml.kernels.mlogregr.newton_groups`):

- **aggregate passes**: one statement per Newton step,
  ``SELECT g, indb_ml._mlogit_step(y, x, coef, K) FROM source GROUP BY g`` with every
  still-iterating group's coefficients joined from a ``VALUES`` list; the per-row work is
  C (``src/mlogit.c``), so it runs on views, partitioned and foreign tables, in parallel
  workers and on Citus shards. Before it, one ``GROUP BY y`` statement lists the
  categories (and checks that they are integers). The robust (HC0) meat is one more pass
  (``_mlogit_meat``), the clustered meat one two-level statement (score sums per cluster,
  then the sum of their outer products, both C aggregates).
- **rows in memory**: the rows are packed once (:mod:`indb_ml.core.packed`, below
  ``indb_ml.matrix_memory_mb``; above it the aggregate plan runs) and every step is numpy
  over the blocks; only for plain local tables, and by default only where it
  was measured faster (``MEMORY_FASTER``: the HC0 variance).

The dependent is an integer category; ``ref_category`` (default 0) is the baseline. One
output row per non-reference category. ``multinom`` (MADlib's GLM-module multinomial) runs the
same passes but iterates, stops and counts as MADlib's multinom
(:func:`indb_ml.kernels.mlogregr.glm_newton_groups`).
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from indb_ml import sqlexpr
from indb_ml.core import passes, progress
from indb_ml.core.features import resolve_features
from indb_ml.core.model_tables import write_models, write_summary
from indb_ml.core.packed import TooBig, packed_groups
from indb_ml.core.packing import dimension_error
from indb_ml.core.params import parse_params
from indb_ml.core.plan_choice import use_aggregate_passes
from indb_ml.core.relations import ensure_absent, new_table, resolve_source, summary_of
from indb_ml.core.session import sql_entry
from indb_ml.errors import InputError
from indb_ml.kernels.mlogregr import (
    NotFinite,
    block_pass,
    glm_newton_groups,
    meat_from_state,
    mlogit_newton,
    newton_groups,
    sandwich,
    skipped_of,
    step_from_state,
)
from indb_ml.models.catalog import registers
from indb_ml.regress import madlib_failures as mf
from indb_ml.regress.madlib_statistics import madlib_statistics
from indb_ml.regress.old_keys import renamed

# Whether rows packed in memory beat aggregate passes on a plain local table, per trainer:
# bench/run_category_plans.py, 1M rows x (1 + 10) features, serial, both plans in the same run
# (docs/reference/glm.md). Newton needs 3 to 4 steps there and a C pass
# costs 1.75x (K=3) to 1.96x (K=4) the input floor; the packed rows win serially, by a
# little: mlogregr_train K=3 1.79 s packed against 2.25 s (1.82 s with two workers), K=4
# 2.89 s against 3.04 s (1.74 s); the HC0 variance 2.11 s against 2.79 s. The clustered
# variance's memory plan keeps one block list per cluster and loses: 35.9 s against 3.1 s
# with 500 clusters.
MEMORY_FASTER = {"mlogregr_train": True, "multinom": True, "robust_variance_mlogregr": True,
                 "clustered_variance_mlogregr": False}
COLUMNS = (
    ("category", "integer"), ("ref_category", "integer"), ("coef", "float8[]"), ("log_likelihood", "float8"),
    ("std_err", "float8[]"), ("z_stats", "float8[]"), ("p_values", "float8[]"), ("odds_ratios", "float8[]"),
    ("condition_no", "float8"), ("num_iterations", "integer"), ("num_rows_processed", "bigint"),
    ("num_rows_skipped", "bigint"), ("variance_covariance", "float8[]"), ("status", "text"),
)
MAX_CATEGORIES = 100
SCAN_CATEGORIES = 10001  # the C states' limit: (K-1) k parameters <= 10000


def _integers(y: np.ndarray) -> str | None:
    return None if np.all(y == np.floor(y)) else "the dependent variable must be an integer category"


class NoRows(InputError):
    """No row without a NULL to train on: an error for ``mlogregr_train``; MADlib's old-form
    ``mlogregr`` returns NULL instead (its aggregate's final step returns NULL for no rows)."""


class AggregatePlan:
    """The aggregate passes of one multinomial model over ``source`` (per group of
    ``features.group_cols``): categories first, then Newton steps, meats."""

    def __init__(self, sess, source, features, what: str, scanned: tuple | None = None):
        """``scanned``: ``(categories, feature count)`` when the caller's own statement listed
        them (multinom's), so no second scan runs."""
        self.sess, self.source, self.features, self.what = sess, source, features, what
        self.categories, self.k = scanned if scanned is not None else self._scan()
        self.order: list = []

    def _scan(self):
        """The sorted distinct dependent values of the complete rows, and the feature count:
        one ``GROUP BY y`` statement (parallel, partition-wise), checked as the packed rows are."""
        sess, f = self.sess, self.features
        query = ("SELECT y, pg_catalog.min(pg_catalog.cardinality(x)) AS kmin, "
                 "pg_catalog.max(pg_catalog.cardinality(x)) AS kmax FROM (SELECT " + f.y_sql + " AS y, "
                 + f.x_sql + " AS x FROM " + self.source.sql(sess) + " s) t WHERE y IS NOT NULL AND x IS NOT NULL "
                 "AND pg_catalog.array_position(x, NULL) IS NULL GROUP BY y LIMIT " + str(SCAN_CATEGORIES + 1))
        try:
            rows = sess.execute(query)
        except sess.spi_error as exc:
            raise passes.pass_error(exc) from None
        values = np.array([float(r["y"]) for r in rows])
        if not np.isfinite(values).all():
            raise InputError("row(s) contain NaN or Infinity in the dependent or an independent variable",
                             hint="exclude them, e.g. with a view: WHERE y <> 'NaN' AND abs(x) <> 'Infinity'",
                             sqlstate="22P02")
        widths = {int(r["kmin"]) for r in rows} | {int(r["kmax"]) for r in rows}
        if len(widths) > 1:
            raise dimension_error(f" ({min(widths)} and {max(widths)})")
        problem = _integers(values)
        if problem:
            raise InputError(f"{self.what}: {problem}", hint="check dependent_varname",
                             sqlstate=InputError.DATATYPE_MISMATCH)
        if len(values) > SCAN_CATEGORIES:
            raise InputError(f"{self.what}: the dependent variable has more than {SCAN_CATEGORIES - 1} categories",
                             hint="the dependent must be an integer category")
        return sorted(values.tolist()), (widths.pop() if widths else None)

    def _index_sql(self) -> str:
        """The dependent as its category index, reference 0 (``self.order``); a value the
        categories statement did not see (a row added since) becomes -1, an error in C."""
        y = self.features.y_sql
        if self.order == [float(i) for i in range(len(self.order))]:
            return y
        return ("COALESCE(pg_catalog.array_position(" + passes.float8_array_sql(self.sess, self.order)
                + ", " + y + ") - 1, " + y + " * 0 - 1)")

    def _call(self, aggregate: str, coef_sql: str) -> str:
        return ("indb_ml." + aggregate + "(" + self._index_sql() + ", " + self.features.x_sql + ", " + coef_sql
                + ", " + str(int(len(self.order))) + ")")

    def fit(self, ref, max_iter: int, tolerance: float, group_cols=None, multinom_lagged: bool | None = None,
            terminate: bool = False):
        """``({group: MlogitFit}, {group: rows skipped})``: Newton for every group at once,
        one statement per step (the first at zero coefficients needs no join); with
        ``multinom_lagged`` not None, MADlib's multinom iteration (:func:`glm_newton_groups`)
        with its ``lagged`` statistics."""
        sess, source = self.sess, self.source
        group_cols = self.features.group_cols if group_cols is None else group_cols
        self.order = [float(ref)] + [c for c in self.categories if c != ref]
        m, k = len(self.order) - 1, self.k
        rows = passes.run_pass(sess, source, group_cols, self._call("_mlogit_step", passes.float8_array_sql(
            sess, [0.0] * (m * k))))
        skipped = {g: skipped_of(r["state"]) for g, r in rows.items()}
        start = {g: step for g, r in rows.items() if (step := step_from_state(r["state"], m, k)) is not None}
        first, calls = [True], [0]

        def evaluate(asks: dict) -> dict:
            if first[0]:
                first[0] = False
                return {g: start[g] for g in asks}
            calls[0] += 1
            got = passes.run_pass(sess, source, group_cols, self._call("_mlogit_step", "indb_ml_c.coef"),
                                  coef_by_group={g: b.ravel() for g, b in asks.items()})
            match = passes.match_keys(sess, source, group_cols, asks, got)
            out = {match[g]: step_from_state(r["state"], m, k) for g, r in got.items()}
            return {g: out[g] for g in asks}

        if multinom_lagged is None:
            fits = newton_groups(evaluate, list(start), k, self.categories, float(ref), max_iter, tolerance,
                                 terminate)
        else:
            fits = glm_newton_groups(evaluate, list(start), k, self.categories, float(ref), max_iter, tolerance,
                                     multinom_lagged, terminate)
        sess.debug(f"{self.what}: {1 + calls[0]} Newton statements for {len(start)} group(s)")
        return fits, skipped

    def hc0_meats(self, fits: dict) -> dict:
        """``{group: meat}``: one ``_mlogit_meat`` pass at every group's fitted coefficients."""
        m, k = len(self.order) - 1, self.k
        group_cols = self.features.group_cols
        got = passes.run_pass(self.sess, self.source, group_cols, self._call("_mlogit_meat", "indb_ml_c.coef"),
                              coef_by_group={g: f.coef.ravel() for g, f in fits.items()})
        match = passes.match_keys(self.sess, self.source, group_cols, fits, got)
        return {match[g]: meat_from_state(r["state"], m, k, kronecker=True)[0] for g, r in got.items()}

    def cluster_meat(self, fit, cluster_cols) -> tuple:
        """``(meat, clusters with rows)`` at the fit's coefficients in one statement: score sums
        per cluster (inner ``GROUP BY``, ``_mlogit_score_sum``), the sum of their outer products
        (outer aggregate ``_cluster_meat``); both C."""
        sess = self.sess
        m, k = len(self.order) - 1, self.k
        inner = ("SELECT " + self._call("_mlogit_score_sum", passes.float8_array_sql(sess, fit.coef.ravel()))
                 + " AS state FROM " + self.source.sql(sess) + " s GROUP BY "
                 + ", ".join("s." + sess.ident(c) for c in cluster_cols))
        try:
            row = sess.one("SELECT indb_ml._cluster_meat(c.state) AS state, pg_catalog.count(*) FILTER (WHERE "
                           "indb_ml._score_rows(c.state) > 0) AS clusters FROM (" + inner + ") c")
        except sess.spi_error as exc:
            raise passes.pass_error(exc) from None
        meat, _, _ = meat_from_state(row["state"], m, k, kronecker=False)
        return meat, int(row["clusters"])


def _packed(sess, source, features, what: str):
    """``({group: [blocks]}, {group: rows skipped})`` when the rows are to be packed in memory
    (plan choice, :mod:`indb_ml.core.plan_choice`), None for aggregate passes: on anything but
    a plain local table, where the memory plan was not measured faster, and when the rows
    exceed ``indb_ml.matrix_memory_mb``. Says which in a DEBUG2 message."""
    where = f"{source.schema}.{source.name}"
    if use_aggregate_passes(sess, source, memory_faster=MEMORY_FASTER[what]):
        sess.debug(f"{what}: aggregate passes over {where}")
        return None
    try:
        packed = packed_groups(sess, source, features, _integers, what)
    except TooBig:
        sess.debug(f"{what}: the rows exceed indb_ml.matrix_memory_mb; aggregate passes over {where}")
        return None
    sess.debug(f"{what}: rows packed in memory from {where}")
    return packed


def _block_source(parts: list):
    """The ``blocks()`` of a list of packed ``[y, x...]`` arrays, as the kernels take them."""
    return lambda: ((b[:, 1:], b[:, 0]) for b in parts)


@sql_entry
@registers("mlogregr")
def mlogregr_train(sess, source_table, output_table, dependent_varname, independent_varname, ref_category=0,
                   optimizer_params=None) -> None:
    for name, value in (("source_table", source_table), ("output_table", output_table),
                        ("dependent_varname", dependent_varname), ("independent_varname", independent_varname)):
        if value is None:
            raise InputError(f"mlogregr_train: {name} must not be NULL")
    op = parse_params(renamed(optimizer_params), {"max_iter": (int, 20), "optimizer": (str, "irls"),
                                                  "tolerance": (float, 1e-4)}, "optimizer_params")
    if op["optimizer"] not in ("irls", "newton"):
        raise InputError(f"mlogregr_train: optimizer {op['optimizer']!r} is not available", hint="use irls")
    if op["max_iter"] < 1 or not np.isfinite(op["tolerance"]) or op["tolerance"] < 0:
        raise InputError("mlogregr_train: max_iter must be at least 1 and tolerance a finite number >= 0")
    ref = 0 if ref_category is None else int(ref_category)
    source = resolve_source(sess, source_table)
    out = new_table(sess, output_table, "output_table")
    summary = summary_of(out)
    ensure_absent(sess, summary, "summary table")
    features = resolve_features(sess, source, dependent_varname, independent_varname, [])
    failures = mf.madlib_failures(sess)  # a pass that is not finite is MADlib's error
    prog = progress.start(sess, "mlogregr", max_iter=op["max_iter"])  # the kernel reports each Newton step
    packed = _packed(sess, source, features, "mlogregr_train")
    if packed is None:
        plan = AggregatePlan(sess, source, features, "mlogregr_train")
        categories = plan.categories
        if not categories:
            prog.done()
            raise NoRows("mlogregr_train: no rows to train on", sqlstate=InputError.NO_DATA)
        _check_categories(categories, ref)
        fits, skipped = _raising(lambda: plan.fit(float(ref), op["max_iter"], op["tolerance"], terminate=failures))
        fit = fits[None]
    else:
        groups, skipped = packed
        parts = groups.get(None)
        if not parts:
            prog.done()
            raise NoRows("mlogregr_train: no rows to train on", sqlstate=InputError.NO_DATA)
        categories = _categories([parts])
        _check_categories(categories, ref)
        fit = _raising(lambda: mlogit_newton(_block_source(parts), parts[0].shape[1] - 1, categories, float(ref),
                                             op["max_iter"], op["tolerance"], failures))
    if fit.status != "converged":
        sess.warning(f"mlogregr_train: {fit.status} after {fit.num_iterations} iterations")
    written = {(None, int(category)): [
        int(category), ref, fit.coef[j].tolist(), fit.log_likelihood, fit.std_err[j].tolist(), fit.z_stats[j].tolist(),
        fit.p_values[j].tolist(), np.exp(fit.coef[j]).tolist(), fit.condition_no, fit.num_iterations, fit.num_rows,
        skipped.get(None, 0), fit.variance_covariance.tolist(), fit.status]
        for j, category in enumerate(fit.categories)}
    _write_per_category(sess, source, out, (), written, COLUMNS)
    write_summary(sess, summary, (
        ("method", "text", "mlogregr"), ("source_table", "text", source.sql(sess)),
        ("output_table", "text", out.sql(sess)), ("dependent_varname", "text", dependent_varname),
        ("independent_varname", "text", independent_varname), ("ref_category", "integer", ref),
        ("num_categories", "integer", len(categories)),
        ("optimizer_params", "text", f"max_iter={op['max_iter']}, optimizer=irls, tolerance={op['tolerance']:g}"),
        ("num_rows_processed", "bigint", fit.num_rows), ("num_rows_skipped", "bigint", skipped.get(None, 0))))
    prog.done()


def _raising(fit: Callable):
    """``fit()``, MADlib's error in place of :class:`NotFinite` (``SET indb_ml.madlib_failures
    = on``: mlogregr_train raises where MADlib's final step throws)."""
    try:
        return fit()
    except NotFinite as exc:
        raise InputError("mlogregr_train: " + str(exc), sqlstate="22003",
                         hint="SET indb_ml.madlib_failures = off keeps the coefficients reached") from None


def _check_categories(categories: list, ref: int) -> None:
    if len(categories) < 2 or len(categories) > MAX_CATEGORIES:
        raise InputError(f"mlogregr_train: the dependent variable has {len(categories)} categories",
                         hint=f"it needs 2 to {MAX_CATEGORIES}")
    if float(ref) not in categories:
        raise InputError(f"mlogregr_train: ref_category {ref} is not one of the categories "
                         f"{[int(c) for c in categories][:10]}")


MULTINOM_COLUMNS = (
    ("category", "varchar"), ("coef", "float8[]"), ("log_likelihood", "float8"), ("std_err", "float8[]"),
    ("z_stats", "float8[]"), ("p_values", "float8[]"), ("num_rows_processed", "bigint"),
    ("num_rows_skipped", "bigint"), ("num_iterations", "integer"), ("status", "text"),
)


def multinom_categories(sess, source, dependent_varname: str, x_sql: str, ref_category) -> tuple[list[str], int]:
    """MADlib's category list (glm/multinom.py_in, ``__multinom_validate_args``): the distinct
    dependent values of the complete rows in the column's own sort order, as text; the reference
    (``ref_category``, NULL for the first) swapped into the first place, where MADlib puts it.
    With the feature count (checked equal on every row, as :meth:`AggregatePlan._scan` does).
    One ``GROUP BY`` statement; a dependent of any type with a text form."""
    raw_y = sqlexpr.to_sql(sqlexpr.parse(dependent_varname), sess.ident, sess.literal, function_schema="pg_catalog")
    query = ("SELECT (y)::text AS c, pg_catalog.min(pg_catalog.cardinality(x)) AS kmin, "
             "pg_catalog.max(pg_catalog.cardinality(x)) AS kmax FROM (SELECT " + raw_y + " AS y, " + x_sql
             + " AS x FROM " + source.sql(sess) + " s) t WHERE y IS NOT NULL AND x IS NOT NULL "
             "AND pg_catalog.array_position(x, NULL) IS NULL GROUP BY y ORDER BY y LIMIT " + str(SCAN_CATEGORIES + 1))
    try:
        rows = sess.execute(query)
    except sess.spi_error as exc:
        raise passes.pass_error(exc) from None
    categories = [r["c"] for r in rows]
    widths = {int(r["kmin"]) for r in rows} | {int(r["kmax"]) for r in rows}
    if len(widths) > 1:
        raise dimension_error(f" ({min(widths)} and {max(widths)})")
    if not categories:
        raise InputError("multinom: no rows to train on (no row has a dependent and every feature)",
                         sqlstate=InputError.NO_DATA)
    if len(categories) > SCAN_CATEGORIES - 1:
        raise InputError(f"multinom: the dependent variable has more than {SCAN_CATEGORIES - 1} categories",
                         hint="check dependent_varname: it is the category of each row")
    if len(set(categories)) != len(categories):  # two values with one text form (e.g. of a float type)
        raise InputError("multinom: two distinct dependent values have the same text form",
                         hint="cast the dependent to a type whose values print distinctly, e.g. 'cat::text'",
                         sqlstate=InputError.DATATYPE_MISMATCH)
    if len(categories) < 2:
        raise InputError(f"multinom: the dependent variable has one category ({_shown(categories[0])}); "
                         "it needs two or more", sqlstate=InputError.NO_DATA)
    ref = categories[0] if ref_category is None else str(ref_category)
    if ref not in categories:
        shown = ", ".join(_shown(c) for c in categories[:10]) + (", ..." if len(categories) > 10 else "")
        raise InputError(f"multinom: ref_category {_shown(ref)} is not one of the categories ({shown})",
                         hint="pass one of the dependent's values as text, or NULL for the first",
                         sqlstate="22023")
    i = categories.index(ref)
    categories[0], categories[i] = categories[i], categories[0]
    return categories, widths.pop()


def _shown(value: str) -> str:
    """A category in a message: quoted, long ones cut."""
    return repr(value if len(value) <= 40 else value[:37] + "...")


@sql_entry
@registers("multinom")
def multinom(sess, source_table, model_table, dependent_varname, independent_varname, ref_category=None,
             link_func="logit", grouping_col=None, optim_params=None, verbose=False) -> None:
    """MADlib's GLM-style multinomial regression: the same model as mlogregr_train, grouping,
    one row per group and non-reference category. The categories are the dependent's values as
    text (:func:`multinom_categories`); the rows pass their position in that list (0, the
    reference, to K - 1) to the C steps or the packed rows, mapped in SQL."""
    for name, value in (("source_table", source_table), ("model_table", model_table),
                        ("dependent_varname", dependent_varname), ("independent_varname", independent_varname)):
        if value is None:
            raise InputError(f"multinom: {name} must not be NULL")
    if (link_func or "logit").strip().lower() != "logit":
        raise InputError(f"multinom: link_func {link_func!r} is not available", hint="use logit")
    op = parse_params(optim_params, {"max_iter": (int, 100), "optimizer": (str, "irls"),
                                     "tolerance": (float, 1e-6)}, "optim_params")
    if op["optimizer"] not in ("irls", "newton") or op["max_iter"] < 1 or op["tolerance"] < 0:
        raise InputError("multinom: optim_params needs optimizer=irls, max_iter >= 1 and tolerance >= 0")
    source = resolve_source(sess, source_table)
    out = new_table(sess, model_table, "model_table")
    summary = summary_of(out)
    ensure_absent(sess, summary, "summary table")
    grouping = sqlexpr.parse_name_list(grouping_col) if grouping_col and grouping_col.strip() else []
    checked = resolve_features(sess, source, dependent_varname, independent_varname, grouping, categories=[])
    labels, k = multinom_categories(sess, source, dependent_varname, checked.x_sql, ref_category)
    features = resolve_features(sess, source, dependent_varname, independent_varname, grouping, categories=labels)
    ref = 0.0
    lagged = madlib_statistics(sess)  # MADlib's statistics, from the last pass (glm_newton_groups)
    # SET indb_ml.madlib_failures = on: groups with NaN or Infinity get MADlib's NULL rows
    failures = mf.madlib_failures(sess)  # and a pass that is not finite ends the group as MADlib's
    fit_source, bad, drop = mf.prepare(sess, source, features) if failures else (source, {}, None)
    prog = progress.start(sess, "multinom", max_iter=op["max_iter"])
    packed = _packed(sess, fit_source, features, "multinom")  # a view without the non-finite rows: aggregate
    if packed is None:
        plan = AggregatePlan(sess, fit_source, features, "multinom", ([float(i) for i in range(len(labels))], k))
        categories = plan.categories
        fits, skipped = plan.fit(ref, op["max_iter"], op["tolerance"], multinom_lagged=lagged, terminate=failures)
    else:
        groups, skipped = packed
        groups = {g: parts for g, parts in groups.items() if parts}
        if not groups and not bad:
            raise InputError("multinom: no rows to train on", sqlstate=InputError.NO_DATA)
        categories = _categories(groups.values())
        others = [c for c in categories if c != ref]
        width = next(iter(groups.values()))[0].shape[1] - 1
        runs = {g: block_pass(_block_source(parts), others, width) for g, parts in groups.items()}
        fits = glm_newton_groups(lambda asks: {g: runs[g](b) for g, b in asks.items()},
                                 [g for g in skipped if g in groups], width, categories, ref, op["max_iter"],
                                 op["tolerance"], lagged, failures)
    if not bad and (ref not in categories or len(categories) < 2):  # rows changed since the categories were listed
        raise InputError("multinom: the dependent's values changed while training", hint="run it again")
    written: dict = {}
    for gkey in skipped:
        fit = fits.get(gkey)
        if fit is None or gkey in bad:
            continue
        if verbose:
            sess.plpy.notice(f"multinom{' group ' + gkey if gkey else ''}: {fit.num_iterations} iterations, "
                             f"log-likelihood {fit.log_likelihood:.10g}")
        if fit.status == "terminated":  # MADlib's warning (MultiResponseGLM_impl.hpp, apply)
            mf.warn(sess, "Hessian or gradient is not finite.", gkey,
                    "the coefficients stay those of the pass; standard errors from its information, not inverted")
        elif fit.status != "converged":
            sess.warning(f"multinom{' in group ' + gkey if gkey else ''}: {fit.status}")
        for j, category in enumerate(fit.categories):
            key = (gkey, int(category))
            written[key] = [labels[int(category)], fit.coef[j].tolist(), fit.log_likelihood,
                            fit.std_err[j].tolist(), fit.z_stats[j].tolist(), fit.p_values[j].tolist(),
                            fit.num_rows, skipped[gkey], fit.num_iterations, fit.status]
    for gkey, group in sorted(bad.items(), key=lambda kv: kv[0] or ""):
        mf.warn(sess, mf.DESIGN, gkey, f"{group.bad} row(s) with NaN or Infinity; the group's values are NULL")
        written.update(multinom_failed_rows(gkey, labels, group.num_rows, op["max_iter"]))
    if bad:
        drop()
    _write_per_category(sess, source, out, features.group_cols, written)
    statuses = {gkey: values[-1] for (gkey, _), values in written.items() if values[1] is not None}
    all_groups = set(skipped) | set(bad)
    # MADlib's summary (glm/multinom.py_in): its columns, order and types; its code names the
    # model table's column out_table
    write_summary(sess, summary, (
        ("method", "varchar", "multinom"), ("source_table", "varchar", source.sql(sess)),
        ("out_table", "varchar", out.sql(sess)), ("dependent_varname", "varchar", dependent_varname),
        ("independent_varname", "varchar", independent_varname), ("ref_category", "varchar", labels[0]),
        ("category_list", "varchar", ",".join(labels)), ("link_func", "varchar", "logit"),
        ("grouping_col", "varchar", grouping_col),
        ("optimizer_params", "varchar",
         f"optimizer=irls, max_iter={op['max_iter']}, tolerance={op['tolerance']:g}"),
        ("num_all_groups", "integer", len(all_groups)),
        ("num_failed_groups", "integer", len(all_groups) - len(statuses)),  # groups without coef, as MADlib counts
        ("total_rows_processed", "bigint", sum({g: v[6] for (g, _), v in written.items()}.values())),
        ("total_rows_skipped", "bigint", sum(n for g, n in skipped.items() if g not in bad)
         + sum(group.num_rows for group in bad.values()))))
    prog.done()


def multinom_failed_rows(gkey, labels: list, num_rows: int, max_iter: int) -> dict:
    """MADlib's multinom rows for a group with NaN or Infinity in a feature (glm/multinom.py_in,
    MultiResponseGLM_impl.hpp: the transition warns "Design matrix is not finite." and ends
    the group, its final step returns NULL): one per non-reference category with the
    category's label and every value NULL, 0 rows processed, every row of the group
    (``count(*)``) skipped, and ``max_iter`` iterations (the group never stops before it)."""
    return {(gkey, j): [labels[j], None, None, None, None, None, 0, num_rows, max_iter, mf.STATUS]
            for j in range(1, len(labels))}


def _categories(block_lists) -> list:
    """The sorted distinct dependent values over every group's packed blocks."""
    return sorted({float(c) for parts in block_lists for b in parts for c in np.unique(b[:, 0])})


def _write_per_category(sess, source, out, group_cols, written: dict, columns: tuple = MULTINOM_COLUMNS) -> None:
    """Rows keyed by (group key, category): the grouped writer takes one row per key, so the
    category rows are written group by group."""
    by_group: dict = {}
    for (gkey, _), values in sorted(written.items(), key=lambda kv: (kv[0][0] or "", kv[0][1])):
        by_group.setdefault(gkey, []).append(values)
    first = True
    for gkey, rows in by_group.items():
        for values in rows:
            write_models(sess, source, out, group_cols, columns, {gkey: values}, create=first)
            first = False


@sql_entry
@registers("robust_variance_mlogregr")
def robust_variance_mlogregr(sess, source_table, out_table, dependent_varname, independent_varname, ref_category=0,
                             grouping_cols=None, optimizer_params=None) -> None:
    """Multinomial logit with Huber-White (HC0) standard errors (MADlib robust_variance_mlogregr)."""
    from indb_ml.kernels.robust import robust_mlogit

    for name, value in (("source_table", source_table), ("out_table", out_table),
                        ("dependent_varname", dependent_varname), ("independent_varname", independent_varname)):
        if value is None:
            raise InputError(f"robust_variance_mlogregr: {name} must not be NULL")
    op = parse_params(renamed(optimizer_params), {"max_iter": (int, 20), "optimizer": (str, "irls"),
                                                  "tolerance": (float, 1e-4)}, "optimizer_params")
    ref = 0 if ref_category is None else int(ref_category)
    source = resolve_source(sess, source_table)
    out = new_table(sess, out_table)
    grouping = sqlexpr.parse_name_list(grouping_cols) if grouping_cols and grouping_cols.strip() else []
    features = resolve_features(sess, source, dependent_varname, independent_varname, grouping)
    written: dict = {}
    prog = progress.start(sess, "mlogregr", max_iter=op["max_iter"])
    packed = _packed(sess, source, features, "robust_variance_mlogregr")
    if packed is None:
        plan = AggregatePlan(sess, source, features, "robust_variance_mlogregr")
        if not plan.categories:
            raise InputError("robust_variance_mlogregr: no rows to train on", sqlstate=InputError.NO_DATA)
        if float(ref) not in plan.categories:
            raise InputError(f"robust_variance_mlogregr: ref_category {ref} is not one of the categories")
        fits, skipped = plan.fit(float(ref), op["max_iter"], op["tolerance"])
        meats = plan.hc0_meats(fits)
        for gkey, fit in fits.items():
            robust = sandwich(fit, meats[gkey])
            for j, category in enumerate(fit.categories):
                written[(gkey, int(category))] = [
                    int(category), ref, robust.coef[j].tolist(), robust.std_err[j].tolist(),
                    robust.stats[j].tolist(), robust.p_values[j].tolist(), fit.num_rows, skipped.get(gkey, 0)]
        _write_per_category(sess, source, out, features.group_cols, written, ROBUST_COLUMNS)
        prog.done()
        return
    groups, skipped = packed
    if not any(groups.values()):
        raise InputError("robust_variance_mlogregr: no rows to train on", sqlstate=InputError.NO_DATA)
    categories = _categories(groups.values())
    if float(ref) not in categories:
        raise InputError(f"robust_variance_mlogregr: ref_category {ref} is not one of the categories")
    for gkey, parts in groups.items():
        if not parts:
            continue
        fit = mlogit_newton(_block_source(parts), parts[0].shape[1] - 1, categories, float(ref), op["max_iter"],
                            op["tolerance"])
        robust = robust_mlogit([parts], fit)
        for j, category in enumerate(fit.categories):
            written[(gkey, int(category))] = [
                int(category), ref, robust.coef[j].tolist(), robust.std_err[j].tolist(), robust.stats[j].tolist(),
                robust.p_values[j].tolist(), fit.num_rows, skipped.get(gkey, 0)]
    _write_per_category(sess, source, out, features.group_cols, written, ROBUST_COLUMNS)
    prog.done()


ROBUST_COLUMNS = (
    ("category", "integer"), ("ref_category", "integer"), ("coef", "float8[]"), ("std_err", "float8[]"),
    ("z_stats", "float8[]"), ("p_values", "float8[]"), ("num_rows_processed", "bigint"),
    ("num_missing_rows_skipped", "bigint"),
)


def earlier_form(grouping_cols, optimizer_params) -> tuple:
    """``(grouping_cols, optimizer_params)`` of a ``clustered_variance_mlogregr`` call: indb_ml's
    earlier form had ``optimizer_params`` 7th, where MADlib has ``grouping_cols``; ``key=value``
    pairs there (which no column list contains) are taken as ``optimizer_params``."""
    if grouping_cols is not None and "=" in grouping_cols and optimizer_params is None:
        return None, grouping_cols
    return grouping_cols, optimizer_params


@sql_entry
@registers("clustered_variance_mlogregr")
def clustered_variance_mlogregr(sess, source_table, out_table, dependent_varname, independent_varname, clustervar,
                                ref_category=0, optimizer_params=None, grouping_cols=None, verbose=False) -> None:
    """Multinomial logit with cluster-robust standard errors (MADlib clustered_variance_mlogregr).

    MADlib's 7th argument is ``grouping_cols`` (accepted, not implemented: NULL only); see
    :func:`earlier_form` for indb_ml's earlier form with ``optimizer_params`` there."""
    from indb_ml.kernels.robust import robust_mlogit
    from indb_ml.regress.robust import no_grouping

    no_grouping("clustered_variance_mlogregr", grouping_cols)
    for name, value in (("source_table", source_table), ("out_table", out_table), ("clustervar", clustervar),
                        ("dependent_varname", dependent_varname), ("independent_varname", independent_varname)):
        if value is None:
            raise InputError(f"clustered_variance_mlogregr: {name} must not be NULL")
    op = parse_params(optimizer_params, {"max_iter": (int, 20), "optimizer": (str, "irls"),
                                         "tolerance": (float, 1e-4)}, "optimizer_params")
    ref = 0 if ref_category is None else int(ref_category)
    source = resolve_source(sess, source_table)
    out = new_table(sess, out_table)
    cluster_cols = sqlexpr.parse_name_list(clustervar)
    features = resolve_features(sess, source, dependent_varname, independent_varname, cluster_cols)
    prog = progress.start(sess, "mlogregr", max_iter=op["max_iter"])
    packed = _packed(sess, source, features, "clustered_variance_mlogregr")
    if packed is None:
        plan = AggregatePlan(sess, source, dataclasses.replace(features, group_cols=()),
                             "clustered_variance_mlogregr")
        if not plan.categories:
            raise InputError("clustered_variance_mlogregr: no rows to train on", sqlstate=InputError.NO_DATA)
        if float(ref) not in plan.categories:
            raise InputError(f"clustered_variance_mlogregr: ref_category {ref} is not one of the categories")
        fits, skipped = plan.fit(float(ref), op["max_iter"], op["tolerance"])
        fit = fits[None]
        meat, n_clusters = plan.cluster_meat(fit, cluster_cols)
        if n_clusters < 2:
            raise InputError("clustered_variance_mlogregr: the data have one cluster; it needs two or more")
        robust = sandwich(fit, meat, n_clusters)
        total_skipped = sum(skipped.values())
    else:
        by_cluster, skipped = packed
        clusters = [parts for parts in by_cluster.values() if parts]
        every = [b for parts in clusters for b in parts]
        if not every:
            raise InputError("clustered_variance_mlogregr: no rows to train on", sqlstate=InputError.NO_DATA)
        if len(clusters) < 2:
            raise InputError("clustered_variance_mlogregr: the data have one cluster; it needs two or more")
        categories = _categories([every])
        if float(ref) not in categories:
            raise InputError(f"clustered_variance_mlogregr: ref_category {ref} is not one of the categories")
        fit = mlogit_newton(_block_source(every), every[0].shape[1] - 1, categories, float(ref), op["max_iter"],
                            op["tolerance"])
        robust = robust_mlogit(clusters, fit)
        n_clusters, total_skipped = len(clusters), sum(skipped.values())
    written = {(None, int(category)): [
        int(category), ref, robust.coef[j].tolist(), robust.std_err[j].tolist(), robust.stats[j].tolist(),
        robust.p_values[j].tolist(), n_clusters, fit.num_rows, total_skipped]
        for j, category in enumerate(fit.categories)}
    _write_per_category(sess, source, out, (), written, CLUSTERED_COLUMNS)
    prog.done()


CLUSTERED_COLUMNS = (
    ("category", "integer"), ("ref_category", "integer"), ("coef", "float8[]"), ("std_err", "float8[]"),
    ("z_stats", "float8[]"), ("p_values", "float8[]"), ("num_clusters", "integer"), ("num_rows_processed", "bigint"),
    ("num_missing_rows_skipped", "bigint"),
)
