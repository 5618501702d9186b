"""``indb_ml.elastic_net_train``: MADlib's elastic net (gaussian and binomial).

Gaussian: one chunked scan folds every block into the centred moments of ``[y, x]`` per
group (:mod:`indb_ml.kernels.comoment`, as linregr_train), then coordinate descent runs on
the k x k moments. Binomial: the rows are packed once (:mod:`indb_ml.server.packed`) and
proximal Newton iterates over them. Both minimize glmnet's objective, which MADlib's
optimizers (fista, igd) minimize too; the ``optimizer`` argument is accepted and recorded,
and coordinate descent computes the minimizer.
"""

from __future__ import annotations

import numpy as np

from indb_ml import sqlexpr
from indb_ml.errors import InputError
from indb_ml.kernels.elastic_net import enet_binomial, enet_gaussian
from indb_ml.server.features import resolve_features
from indb_ml.server.linregr import moments_by_group
from indb_ml.server.model_tables import write_models
from indb_ml.server.packed import packed_groups
from indb_ml.server.relations import new_table, resolve_source
from indb_ml.server.session import sql_entry

OUTPUT_COLUMNS = (
    ("family", "text"), ("features", "text[]"), ("features_selected", "text[]"), ("coef_nonzero", "float8[]"),
    ("coef_all", "float8[]"), ("intercept", "float8"), ("log_likelihood", "float8"), ("standardize", "boolean"),
    ("iteration_run", "integer"),
)
FAMILIES = ("gaussian", "binomial")
OPTIMIZERS = ("fista", "igd", "cd")


def _feature_names(independent: str, k: int) -> list:
    node = sqlexpr.parse(independent)
    if isinstance(node, sqlexpr.Array) and len(node.items) == k:
        return [sqlexpr.to_sql(item, lambda s: s, repr) for item in node.items]
    return [f"{independent.strip()}[{i}]" for i in range(1, k + 1)]


@sql_entry
def elastic_net_train(sess, tbl_source, tbl_result, col_dep_var, col_ind_var, regress_family, alpha, lambda_value,
                      standardize=True, grouping_col=None, optimizer="fista", optimizer_params=None, excluded=None,
                      max_iter=1000, tolerance=1e-6) -> None:
    for name, value in (("tbl_source", tbl_source), ("tbl_result", tbl_result), ("col_dep_var", col_dep_var),
                        ("col_ind_var", col_ind_var), ("regress_family", regress_family), ("alpha", alpha),
                        ("lambda_value", lambda_value)):
        if value is None:
            raise InputError(f"elastic_net_train: {name} must not be NULL")
    fam = regress_family.strip().lower()
    if fam not in FAMILIES:
        raise InputError(f"elastic_net_train: regress_family {regress_family!r} must be gaussian or binomial")
    if not 0 <= alpha <= 1:
        raise InputError(f"elastic_net_train: alpha is {alpha}; it must be in [0, 1] (1 is the lasso)")
    if not np.isfinite(lambda_value) or lambda_value < 0:
        raise InputError("elastic_net_train: lambda_value must be a finite number >= 0")
    opt = (optimizer or "fista").strip().lower()
    if opt not in OPTIMIZERS:
        raise InputError(f"elastic_net_train: optimizer {optimizer!r} is not known", hint="fista, igd or cd")
    if excluded:
        raise InputError("elastic_net_train: excluded is only for '*' feature lists, which are not supported",
                         hint="list the features in col_ind_var as ARRAY[...]")
    max_iter = 1000 if max_iter is None else max_iter
    tolerance = 1e-6 if tolerance is None else tolerance
    if max_iter < 1 or not np.isfinite(tolerance) or tolerance < 0:
        raise InputError("elastic_net_train: max_iter must be at least 1 and tolerance a finite number >= 0")
    standardize = True if standardize is None else bool(standardize)
    source = resolve_source(sess, tbl_source)
    out = new_table(sess, tbl_result, "tbl_result")
    grouping = sqlexpr.parse_name_list(grouping_col) if grouping_col and grouping_col.strip() else []
    features = resolve_features(sess, source, col_dep_var, col_ind_var, grouping, allow_bool=fam == "binomial")
    rows = {}
    if fam == "gaussian":
        states, skipped, _ = moments_by_group(sess, source, features)
        fits = {g: enet_gaussian(s.n, s.mean, s.comoment, alpha, lambda_value, standardize, max_iter, tolerance)
                for g, s in states.items()}
    else:
        def binary(y):
            return None if np.all((y == 0) | (y == 1)) else "binomial needs a boolean or 0/1 dependent variable"

        groups, skipped = packed_groups(sess, source, features, binary, "elastic_net_train")
        fits = {g: enet_binomial(lambda parts=parts: ((b[:, 1:], b[:, 0]) for b in parts), parts[0].shape[1] - 1,
                                 alpha, lambda_value, standardize, max_iter, tolerance)
                for g, parts in groups.items() if parts}
    if not fits:
        raise InputError("elastic_net_train: no rows to train on", sqlstate=InputError.NO_DATA)
    for gkey in skipped:
        fit = fits.get(gkey)
        if fit is None:
            continue
        names = _feature_names(col_ind_var, fit.coef.size)
        keep = np.flatnonzero(fit.coef != 0)
        if not fit.converged:
            sess.warning(f"elastic_net_train{' in group ' + gkey if gkey else ''}: not converged after "
                         f"{fit.iterations} iterations (raise max_iter or tolerance)")
        rows[gkey] = [fam, names, [names[i] for i in keep], fit.coef[keep].tolist(), fit.coef.tolist(),
                      fit.intercept, -fit.objective, standardize, fit.iterations]
    write_models(sess, source, out, features.group_cols, OUTPUT_COLUMNS, rows)
