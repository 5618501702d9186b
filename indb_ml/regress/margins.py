"""``indb_ml.margins``: MADlib's marginal effects for linregr_train, logregr_train and
mlogregr_train models, with MADlib's ``x_design`` for interaction and indicator terms.

Average marginal effects (statsmodels' ``get_margeff(at='overall')``, extended to
interactions by :mod:`indb_ml.kernels.margins`): for a linear model the mean slope, for
the logit the mean ``dp/dx``, for the multinomial logit the mean ``dP_j/dx`` of every
non-reference category; indicators get the discrete change. Standard errors are the delta
method's with the model's variance-covariance. Constant basis columns (the intercept)
have no margin and are left out (statsmodels and Stata leave them out too); MADlib lists
them with the effect of their coefficient, which ``SET indb_ml.madlib_statistics = on`` and
the deprecated margins_logregr / margins_mlogregr give. The model's ``_summary`` names the
source, the expressions and the grouping. One aggregate statement over the source sums
every row's effects and their exact gradients in the coefficients per group, at the
group's coefficients (C, ``indb_ml._margins_state``): views, partitioned, foreign and
distributed tables and parallel workers alike. A grouped model gives one output row per
group, as MADlib's does.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from indb_ml import sqlexpr
from indb_ml.core import passes
from indb_ml.core.features import resolve_features
from indb_ml.core.model_tables import write_models
from indb_ml.core.relations import new_table, resolve_source, summary_of
from indb_ml.core.session import sql_entry
from indb_ml.errors import InputError
from indb_ml.kernels.margins import Basis, Design, average_margins, encode_design, margin_sums_from_cstate, parse_design
from indb_ml.regress.madlib_statistics import madlib_statistics

METHODS = {"linregr": "linear", "logregr": "logit", "mlogregr": "mlogit"}


OUT_COLUMNS = (("variables", "int4[]"), ("margins", "float8[]"), ("std_err", "float8[]"), ("z_stats", "float8[]"),
               ("p_values", "float8[]"))


@sql_entry
def margins(sess, model_table, output_table, x_design=None, source_table=None, marginal_vars=None,
            keep_constant=False) -> None:
    """``keep_constant``: constant columns (the intercept) get ``beta_j``'s average effect too, as
    MADlib's deprecated margins_logregr / margins_mlogregr report them (:mod:`.margins_old`)."""
    if model_table is None or output_table is None:
        raise InputError("margins: model_table and output_table must not be NULL")
    keep_constant = keep_constant or madlib_statistics(sess)  # MADlib's margins list every basis variable
    model = resolve_source(sess, model_table, "model_table")
    summary = summary_of(model)
    info = sess.one("SELECT * FROM " + summary.sql(sess))
    if info is None or info.get("method") not in METHODS:
        raise InputError(f"margins: {model.schema}.{model.name} is not a linregr_train, logregr_train or "
                         "mlogregr_train model", hint="its _summary table names the method")
    kind = METHODS[info["method"]]
    grouping_text = info.get("grouping_col") or info.get("grouping_cols")
    grouping = sqlexpr.parse_name_list(grouping_text) if grouping_text and grouping_text.strip() else []
    k = _width(sess, model)
    try:
        design = (parse_design(x_design, k) if x_design and x_design.strip()
                  else Design([Basis(i, str(i + 1)) for i in range(k)], []))
    except ValueError as exc:
        raise InputError(f"margins: {exc}", hint="x_design lists one term per coefficient, e.g. "
                         "'1, age, i.female, female*age'") from None
    if isinstance(marginal_vars, str):
        marginal_vars = _positions_of_names(design, marginal_vars)
    out = new_table(sess, output_table, "output_table")
    source = resolve_source(sess, source_table or info["source_table"])
    features = resolve_features(sess, source, info["dependent_varname"], info["independent_varname"], grouping,
                                allow_bool=kind == "logit")
    if features.n_features is not None and features.n_features != k:
        raise InputError(f"margins: the model has {k} coefficients but the source gives {features.n_features} "
                         "features")
    if kind == "mlogit":
        beta, vcov, ref = _mlogit_model(sess, model)
        models = {None: (beta, vcov)}
        features = dataclasses.replace(features, group_cols=())
    else:
        models = _models_by_group(sess, model, features.group_cols)
    candidates = [b for b in design.basis if not b.reference]
    if not candidates:
        raise InputError("margins: no variable to compute a marginal effect for")
    m = next(iter(models.values()))[0].shape[0]
    code = encode_design(design, candidates, kind, m, k)
    call = ("indb_ml._margins_state(" + features.x_sql + ", indb_ml_c.coef, "
            + sess.literal("{" + ",".join(str(int(v)) for v in code) + "}") + "::pg_catalog.int4[])"
            # the model's sample: rows whose dependent variable is NULL were not used in the fit
            + " FILTER (WHERE " + features.y_sql + " IS NOT NULL)")
    rows = passes.run_pass(sess, source, features.group_cols, call,
                           coef_by_group={g: beta.ravel() for g, (beta, _) in models.items()})
    match = passes.match_keys(sess, source, features.group_cols, models, rows)
    sums = {}
    for raw, row in rows.items():
        got = margin_sums_from_cstate(row["state"], len(candidates), m, k)
        if got is not None and got.n > 0 and match[raw] in models:
            sums[match[raw]] = got
    if not sums:
        raise InputError("margins: the source has no rows" if kind == "mlogit" or not rows
                         else "margins: no group of the source has a fitted model", sqlstate=InputError.NO_DATA)
    if kind == "mlogit":
        targets = _targets(sess, design, sums[None], marginal_vars, keep_constant)
        _write_mlogit(sess, out, ref, [b.position + 1 for b in targets],
                      average_margins(sums[None], [candidates.index(b) for b in targets], models[None][1]))
        return
    out_rows = {}
    for gkey, got in sums.items():
        targets = _targets(sess, design, got, marginal_vars, keep_constant)
        mg = average_margins(got, [candidates.index(b) for b in targets], models[gkey][1])
        out_rows[gkey] = [[b.position + 1 for b in targets], mg.margins[0].tolist(), mg.std_err[0].tolist(),
                          mg.z_stats[0].tolist(), mg.p_values[0].tolist()]
    write_models(sess, source, out, features.group_cols, OUT_COLUMNS, out_rows)


def _width(sess, model) -> int:
    row = sess.one("SELECT pg_catalog.max(pg_catalog.cardinality(coef)) AS k FROM " + model.sql(sess))
    if row is None or not row["k"]:
        raise InputError("margins: the model has no coefficients")
    return int(row["k"])


def _models_by_group(sess, model, group_cols: tuple) -> dict:
    """``{group key: (beta 1 x k, vcov)}`` of the model's rows with coefficients, keyed as the
    aggregate passes key the source's groups (the model table has the source's column types)."""
    rows = sess.execute("SELECT " + passes.group_key_sql(sess, group_cols, "m.") + " AS k, m.coef, "
                        "m.variance_covariance FROM " + model.sql(sess) + " m")
    if not group_cols and len(rows) != 1:
        raise InputError("margins: an ungrouped model must have exactly one row")
    return {r["k"]: (np.asarray(r["coef"], dtype=float)[None, :], np.asarray(r["variance_covariance"], dtype=float))
            for r in rows if r["coef"] is not None}


def _write_mlogit(sess, out, ref: dict, variables: list, m) -> None:
    sess.execute("CREATE TABLE " + out.sql(sess) + " (category integer, ref_category integer, variables integer[], "
                 "margins float8[], std_err float8[], z_stats float8[], p_values float8[])")
    for j, category in enumerate(ref["categories"]):
        sess.execute("INSERT INTO " + out.sql(sess) + " VALUES ($1, $2, $3, $4, $5, $6, $7)",
                     [category, ref["ref"], variables, m.margins[j].tolist(), m.std_err[j].tolist(),
                      m.z_stats[j].tolist(), m.p_values[j].tolist()],
                     ["int4", "int4", "int4[]", "float8[]", "float8[]", "float8[]", "float8[]"])


def _mlogit_model(sess, model):
    """``(beta m x k, vcov, {categories, ref})`` from an mlogregr_train model table."""
    rows = sess.execute("SELECT category, ref_category, coef, variance_covariance FROM " + model.sql(sess)
                        + " ORDER BY category")
    if not rows or any(r["coef"] is None for r in rows):
        raise InputError("margins: the mlogregr model has no coefficients")
    beta = np.array([r["coef"] for r in rows], dtype=float)
    return beta, np.asarray(rows[0]["variance_covariance"], dtype=float), {
        "categories": [r["category"] for r in rows], "ref": rows[0]["ref_category"]}


def _positions_of_names(design: Design, text: str) -> list | None:
    """MADlib's text ``marginal_vars`` (``'3, 2'``, ``'tre'``): comma-separated identifiers of
    x_design's basis terms (without x_design they are ``1..k``), as 1-based positions; a bare
    integer that names no term is taken as a position, so ``'{3,2}'`` means what the array does."""
    names = [t.strip() for t in text.strip().strip("{}").split(",") if t.strip()]
    if not names:
        return None
    by_name = {b.name: b.position + 1 for b in design.basis}
    out = []
    for name in names:
        if name in by_name:
            out.append(by_name[name])
        elif name.isdigit():
            out.append(int(name))
        else:
            raise InputError(f"margins: marginal_vars names {name!r}, which is no basis term of x_design",
                             hint="use the identifiers of x_design, e.g. 'tre, tra', or 1-based positions")
    return out


def _targets(sess, design: Design, sums, marginal_vars, keep_constant: bool = False) -> list:
    """The basis terms to report: ``marginal_vars`` (1-based positions of basis terms), or every
    basis term that varies; reference indicators have no margin of their own (MADlib warns)."""
    constant = set() if keep_constant else {
        b.position for b in design.basis if not b.indicator and sums.xmin[b.position] == sums.xmax[b.position]}
    by_pos = {b.position: b for b in design.basis}
    if marginal_vars:
        wanted = [int(v) - 1 for v in marginal_vars]
        bad = [v + 1 for v in wanted if v not in by_pos or v in constant]
        if bad:
            raise InputError(f"margins: marginal_vars {bad} are constant columns, interaction terms or out of "
                             f"range 1..{sums.xmin.size}", hint="list positions of varying basis terms")
        chosen = [by_pos[v] for v in wanted]
    else:
        chosen = [b for b in design.basis if b.position not in constant]
    refs = [b for b in chosen if b.reference]
    if refs:
        sess.warning("margins: reference terms " + ", ".join(b.name for b in refs) + " have no marginal effect "
                     "of their own and are left out")
    chosen = [b for b in chosen if not b.reference]
    if not chosen:
        raise InputError("margins: no variable to compute a marginal effect for")
    return chosen
