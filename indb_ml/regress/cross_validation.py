"""``indb_ml.cross_validate``: k-fold cross-validation of the regression models, typed.

The rows are packed once (:mod:`indb_ml.core.packed`) and split into ``n_folds`` folds by
a seeded permutation; each fold trains on the others with the same numpy kernel as the
model's SQL function and is scored on its own rows: mean squared error for linregr and the
gaussian elastic net, log-loss and accuracy for logregr and the binomial elastic net,
mean deviance-free squared error and log-likelihood per row for glm. No table is written
per fold; the result is one row per fold and metric.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from indb_ml.core.features import resolve_features
from indb_ml.core.packed import packed_groups
from indb_ml.core.params import parse_params
from indb_ml.core.relations import resolve_source
from indb_ml.core.session import sql_entry
from indb_ml.errors import InputError
from indb_ml.kernels.comoment import comoment_accumulate
from indb_ml.kernels.elastic_net import enet_binomial, enet_gaussian
from indb_ml.kernels.glm import LINKS, check_response, family, glm_irls
from indb_ml.kernels.logregr import irls

METHODS = ("linregr", "logregr", "glm", "elastic_net")


def _binary(y):
    return None if np.all((y == 0) | (y == 1)) else "the dependent variable must be boolean or 0/1"


def _scores(kind: str, fam, train: np.ndarray, test: np.ndarray, params: dict) -> dict:
    xt, yt, xv, yv = train[:, 1:], train[:, 0], test[:, 1:], test[:, 0]
    k = xt.shape[1]
    if kind == "linregr":
        coef = np.linalg.lstsq(xt, yt, rcond=None)[0]
        return {"mse": float(np.mean((yv - xv @ coef) ** 2))}
    if kind == "logregr" or (kind == "elastic_net" and params["family"] == "binomial"):
        if kind == "logregr":
            eta = xv @ irls(lambda: iter([(xt, yt)]), k, params["max_iter"], params["tolerance"]).coef
        else:
            fit = enet_binomial(lambda: iter([(xt, yt)]), k, params["alpha"], params["lambda"], params["standardize"],
                                params["max_iter"], params["tolerance"])
            eta = fit.intercept + xv @ fit.coef
        p = special.expit(eta)
        return {"log_loss": float(-np.mean(yv * np.log(np.maximum(p, 1e-300))
                                           + (1 - yv) * np.log(np.maximum(1 - p, 1e-300)))),
                "accuracy": float(np.mean((p >= 0.5) == (yv == 1)))}
    if kind == "elastic_net":
        st = comoment_accumulate(None, train)
        fit = enet_gaussian(st.n, st.mean, st.comoment, params["alpha"], params["lambda"], params["standardize"],
                            params["max_iter"], params["tolerance"])
        return {"mse": float(np.mean((yv - fit.intercept - xv @ fit.coef) ** 2))}
    fit = glm_irls(lambda: iter([(xt, yt)]), k, fam, params["max_iter"], params["tolerance"])
    mu = LINKS[fam.link][1](xv @ fit.coef)
    return {"mse": float(np.mean((yv - mu) ** 2))}


@sql_entry
def cross_validate(sess, method, source_table, dependent_varname, independent_varname, n_folds=5, params=None,
                   seed=0) -> list:
    kind = (method or "").strip().lower()
    if kind not in METHODS:
        raise InputError(f"cross_validate: method {method!r} must be one of {', '.join(METHODS)}")
    if n_folds is None or n_folds < 2:
        raise InputError("cross_validate: n_folds must be at least 2")
    spec = {"max_iter": (int, 100), "tolerance": (float, 1e-8), "family": (str, "gaussian"), "link": (str, None),
            "alpha": (float, 1.0), "lambda": (float, 0.1), "standardize": (str, "true")}
    p = parse_params(params, spec, "params")
    p["standardize"] = p["standardize"] in ("true", "t", "1", "yes", "on")
    fam = None
    if kind == "glm":
        try:
            fam = family(p["family"], p["link"])
        except ValueError as exc:
            raise InputError(f"cross_validate: {exc}") from None
    if kind == "elastic_net" and p["family"] not in ("gaussian", "binomial"):
        raise InputError("cross_validate: the elastic net's family is gaussian or binomial")
    source = resolve_source(sess, source_table)
    binary = kind == "logregr" or (kind == "elastic_net" and p["family"] == "binomial")
    features = resolve_features(sess, source, dependent_varname, independent_varname, [], allow_bool=binary)
    check = _binary if binary else (lambda y: check_response(fam, y)) if fam else (lambda y: None)
    groups, _ = packed_groups(sess, source, features, check, "cross_validate")
    blocks = groups.get(None, [])
    rows = np.vstack(blocks) if blocks else np.empty((0, 0))
    if rows.shape[0] < n_folds:
        raise InputError(f"cross_validate: {rows.shape[0]} rows cannot make {n_folds} folds",
                         sqlstate=InputError.NO_DATA)
    fold_of = np.random.default_rng(seed).permutation(rows.shape[0]) % n_folds
    out = []
    for fold in range(n_folds):
        test, train = rows[fold_of == fold], rows[fold_of != fold]
        for metric, value in _scores(kind, fam, train, test, p).items():
            out.append({"fold": fold + 1, "train_rows": int(train.shape[0]), "test_rows": int(test.shape[0]),
                        "metric": metric, "value": value})
    return out
