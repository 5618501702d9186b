"""``indb_ml.cross_validate``: k-fold cross-validation of the regression models, typed.

A row's fold is ``indb_ml.cv_fold(y, x, n_folds, seed)``, a seeded hash of its values
(:mod:`indb_ml.regress.score_passes`), so the folds are the same on every plan and kind of
source. Each fold trains on the others with the model's kernel and is scored on its own
rows: mean squared error for linregr and the gaussian elastic net, log-loss and accuracy
for logregr and the binomial elastic net, mean squared error of the mean response for glm.
No table is written per fold; the result is one row per fold and metric.

* linregr and the gaussian elastic net: one aggregate statement gives every fold's
  co-moments; a fold's training moments are the exact merge of the other folds', and its
  squared error is a quadratic form in its own moments.
* logregr, glm, the binomial elastic net: one aggregate statement per iteration for every
  fold still iterating (rows joined with the folds' coefficients on ``fold <> row fold``),
  then one scoring statement; or, on a plain local table (``indb_ml.training_plan =
  auto``), the rows packed once in memory with their fold and iterated in numpy.

Progress (``indb_ml.progress``, ``SET indb_ml.show_progress = on``), as ``cross_validation``: a
step before each statement or fold, so the view shows what runs. The co-moment and in-memory
plans: the pass that reads the rows (phase ``pass`` or ``load``), then one ``fold`` step per fold
with the mean test score of the folds done so far as the loss; the lockstep plan: one ``pass``
step per statement, labelled with the number of folds it serves, with the training rows' mean
log-loss at the point the pass starts from (logistic models); every plan ends with a
``finish`` step carrying the mean test score (mean squared error or log-loss). The kernels'
own reports (the elastic net's sweeps) are not shown: they would count against the folds.
"""

from __future__ import annotations

import contextlib
import dataclasses

import numpy as np
from scipy import special

from indb_ml.core import progress
from indb_ml.core.features import resolve_features, with_intercept_sql
from indb_ml.core.packed import packed_groups
from indb_ml.core.params import parse_params
from indb_ml.core.plan_choice import use_aggregate_passes
from indb_ml.core.relations import resolve_source
from indb_ml.core.session import sql_entry
from indb_ml.errors import InputError
from indb_ml.kernels import interrupts
from indb_ml.kernels.comoment import comoment_from_cstate, comoment_merge
from indb_ml.kernels.elastic_net import (
    WEIGHT_FLOOR,
    enet_binomial,
    enet_binomial_steps,
    enet_gaussian,
)
from indb_ml.kernels.glm import (
    FAMILY_CODES,
    LINK_CODES,
    LINKS,
    GlmSums,
    check_response,
    family,
    glm_irls,
    glm_steps,
    glm_sums_from_cstate,
)
from indb_ml.kernels.linregr import linregr_finalize
from indb_ml.kernels.logregr import irls, irls_steps, logit_sums_from_cstate
from indb_ml.regress import lockstep
from indb_ml.regress.logregr import MEMORY_FASTER
from indb_ml.regress.score_passes import COMPLETE, fold_pass, fold_sql, folds_newton_pass

METHODS = ("linregr", "logregr", "glm", "elastic_net")


def _binary(y):
    return None if np.all((y == 0) | (y == 1)) else "the dependent variable must be boolean or 0/1"


def squared_error(moments, coef: np.ndarray, intercept: float = 0.0) -> float:
    """Σ (y - intercept - x·coef)² over the rows of co-moments of ``[y, x]``: with
    ``a = [1, -coef]`` it is ``aᵀCa + n (a·mean - intercept)²``."""
    a = np.concatenate([[1.0], -np.asarray(coef, dtype=float)])
    mean_e = float(a @ moments.mean) - intercept
    return float(a @ moments.comoment @ a) + moments.n * mean_e**2


def _too_few(n: int, n_folds: int) -> InputError:
    return InputError(f"cross_validate: {n} rows cannot make {n_folds} folds (every fold needs a row)",
                      sqlstate=InputError.NO_DATA)


def _score_of(metrics: dict) -> float:
    """The fold's loss for the progress reports: its mean squared error or log-loss."""
    return metrics["mse"] if "mse" in metrics else metrics["log_loss"]


class _Folds:
    """The progress steps of a cross-validation (see the module's docstring)."""

    def __init__(self, prog: progress.Progress, n_folds: int):
        self.prog, self.n_folds, self.losses = prog, n_folds, []

    def read(self, phase: str) -> None:
        """Before the one pass that reads the rows (co-moments, or the rows packed in memory)."""
        self.prog.step(1, phase=phase, max_iter=1)

    def fold(self, fold: int) -> None:
        """Before fold ``fold`` is trained and scored."""
        self.prog.step(fold, self._mean(), phase="fold", max_iter=self.n_folds)

    def scored(self, metrics: dict) -> None:
        self.losses.append(_score_of(metrics))

    def lockstep(self, folds: int, sums: dict | None = None, what: str = "folds") -> None:
        """Before a statement of the lockstep plan serving ``folds`` folds; ``sums``: the
        previous pass's :class:`LogitSums` per fold, whose mean log-loss is the loss."""
        loss = None
        if sums:
            n = sum(v.n for v in sums.values())
            loss = -sum(v.log_likelihood for v in sums.values()) / n if n else None
        self.prog.step(phase="pass", loss=loss, label=f"{folds} of {self.n_folds} {what}")

    def finish(self, scores: dict) -> None:
        self.losses = [_score_of(metrics) for _, _, metrics in scores.values()]
        self.prog.step(self.n_folds, self._mean(), phase="finish", max_iter=self.n_folds)

    def _mean(self) -> float | None:
        return float(np.mean(self.losses)) if self.losses else None


def _moment_scores(sess, source, features, kind, params, n_folds, seed, steps: _Folds) -> dict:
    """linregr / gaussian elastic net: ``{fold: (train rows, test rows, {metric: value})}`` from
    one statement of per-fold co-moments."""
    steps.read("pass")
    rows = fold_pass(sess, source, features, n_folds, seed, ["indb_ml._linregr_state(s.y, s.x)"])
    moments = {f: comoment_from_cstate(r["state"])[0] for f, r in rows.items()}
    total = sum(m.n for m in moments.values() if m is not None)
    if any(moments.get(f) is None for f in range(1, n_folds + 1)):
        raise _too_few(total, n_folds)
    out = {}
    for fold, test in sorted(moments.items()):
        steps.fold(fold)
        train = None
        for other, m in moments.items():
            if other != fold:
                train = comoment_merge(train, m)
        if kind == "linregr":
            coef, intercept = linregr_finalize(train).coef, 0.0
        else:
            fit = enet_gaussian(train.n, train.mean, train.comoment, params["alpha"], params["lambda"],
                                params["standardize"], params["max_iter"], params["tolerance"])
            coef, intercept = fit.coef, fit.intercept
        out[fold] = (train.n, test.n, {"mse": squared_error(test, coef, intercept) / test.n})
        steps.scored(out[fold][2])
    return out


def _scores(kind: str, fam, train: np.ndarray, test: np.ndarray, params: dict) -> dict:
    """The in-memory plan: one fold's model trained on ``train`` rows ``[y, x...]``, scored on ``test``."""
    xt, yt, xv, yv = train[:, 1:], train[:, 0], test[:, 1:], test[:, 0]
    k = xt.shape[1]
    if kind == "glm":
        fit = glm_irls(lambda: iter([(xt, yt)]), k, fam, params["max_iter"], params["tolerance"])
        mu = LINKS[fam.link][1](xv @ fit.coef)
        return {"mse": float(np.mean((yv - mu) ** 2))}
    if kind == "logregr":
        eta = xv @ irls(lambda: iter([(xt, yt)]), k, params["max_iter"], params["tolerance"]).coef
    else:
        fit = enet_binomial(lambda: iter([(xt, yt)]), k, params["alpha"], params["lambda"], params["standardize"],
                            params["max_iter"], params["tolerance"])
        eta = fit.intercept + xv @ fit.coef
    return _binary_metrics(-float(np.sum(yv * eta - np.logaddexp(0.0, eta))), yv.size,
                           float(np.mean((special.expit(eta) >= 0.5) == (yv == 1))))


def _binary_metrics(neg_loglik: float, n: int, accuracy: float) -> dict:
    return {"log_loss": neg_loglik / n, "accuracy": accuracy}


def _memory_scores(sess, source, features, kind, fam, params, n_folds, seed, check, steps: _Folds) -> dict:
    """Rows packed once with their fold in front; each fold trained and scored in numpy."""
    steps.read("load")
    with_fold = dataclasses.replace(
        features, row_sql="(ARRAY[(" + fold_sql(features, n_folds, seed) + ")::pg_catalog.float8] || "
        + features.row_sql + ")")
    groups, _ = packed_groups(sess, source, with_fold, lambda y: None, "cross_validate")
    blocks = groups.get(None, [])
    rows = np.vstack(blocks) if blocks else np.empty((0, 2))
    problem = check(rows[:, 1]) if rows.shape[0] else None
    if problem:
        raise InputError(f"cross_validate: {problem}", hint="check dependent_varname and the family",
                         sqlstate=InputError.DATATYPE_MISMATCH)
    fold_of = rows[:, 0].astype(int)
    if any(not np.any(fold_of == f) for f in range(1, n_folds + 1)):
        raise _too_few(rows.shape[0], n_folds)
    out = {}
    for fold in range(1, n_folds + 1):
        steps.fold(fold)
        test, train = rows[fold_of == fold, 1:], rows[fold_of != fold, 1:]
        out[fold] = (train.shape[0], test.shape[0], _scores(kind, fam, train, test, params))
        steps.scored(out[fold][2])
    return out


def _aggregate_scores(sess, source, features, kind, fam, params, n_folds, seed, steps: _Folds) -> dict:
    """Every fold's model by aggregate passes in lockstep (one statement per iteration for the
    folds still iterating), then one scoring statement over the folds' own rows."""
    folds = list(range(1, n_folds + 1))
    k = lockstep.feature_count(sess, source, features)
    enet = kind == "elastic_net"
    if kind == "glm":
        fits, train_rows = _glm_folds(sess, source, features, fam, params, n_folds, seed, k, steps)
        coefs = {f: fit.coef for f, fit in fits.items()}
    else:
        width = k + 1 if enet else k
        floor = WEIGHT_FLOOR if enet else 0.0

        last: dict = {}

        def newton(pending: dict) -> dict:
            steps.lockstep(len(pending), last)
            last.clear()
            last.update(folds_newton_pass(sess, source, features, n_folds, seed, pending, width, floor, enet))
            return dict(last)

        start = newton({f: np.zeros(width) for f in folds})
        if any(f not in start for f in folds):
            raise _too_few(0, n_folds)
        train_rows = {f: s.n for f, s in start.items()}
        if enet:
            steps.lockstep(n_folds, what="folds' moments")
            moments = _fold_moments(sess, source, features, n_folds, seed)
            gens = {f: enet_binomial_steps(moments[f], params["alpha"], params["lambda"], params["standardize"],
                                           params["max_iter"], params["tolerance"]) for f in folds}
        else:
            gens = {f: irls_steps(k, params["max_iter"], params["tolerance"]) for f in folds}
        fits = _run_folds(gens, start, newton)
        coefs = {f: (np.concatenate([[fit.intercept], fit.coef]) if enet else fit.coef) for f, fit in fits.items()}
    if kind == "glm":
        link = sess.literal(fam.link)
        calls = ["pg_catalog.avg((s.y - indb_ml.glm_predict(indb_ml_c.coef, s.x, " + link + "))^2)" + COMPLETE,
                 "pg_catalog.count(s.y * s.x[1])" + COMPLETE]
    else:
        x_sql = with_intercept_sql("s.x") if enet else "s.x"
        calls = ["indb_ml._logit_newton(s.y, " + x_sql + ", indb_ml_c.coef, 0)",
                 "pg_catalog.avg((indb_ml.logregr_predict(indb_ml_c.coef, " + x_sql + ") = (s.y = 1))::integer)"
                 + COMPLETE]
    steps.lockstep(n_folds, what="folds scored")
    scored = fold_pass(sess, source, features, n_folds, seed, calls, coefs, train=False)
    total = sum(train_rows.values()) // max(n_folds - 1, 1)
    out = {}
    for f in folds:
        if f not in scored:
            raise _too_few(total, n_folds)
        r = scored[f]
        if kind == "glm":
            out[f] = (train_rows[f], int(r["state1"]), {"mse": float(r["state"])})
        else:
            sums = logit_sums_from_cstate(r["state"])[0]
            out[f] = (train_rows[f], sums.n, _binary_metrics(-sums.log_likelihood, sums.n, float(r["state1"])))
    return out


def _run_folds(gens: dict, first_answers: dict, evaluate) -> dict:
    """Start every fold's generator, answer its first request with ``first_answers`` and run
    the folds in lockstep."""
    pending, fits = {}, {}
    for f, gen in gens.items():
        next(gen)
        try:
            pending[f] = gen.send(first_answers[f])
        except StopIteration as stop:
            fits[f] = stop.value
    fits.update(lockstep.run_lockstep(gens, pending, evaluate))
    return fits


def _fold_moments(sess, source, features, n_folds, seed) -> dict:
    """Each fold's training ``(n, mean, variance)`` of the features, from the co-moments of
    ``[y, x]`` (the merge of the other folds')."""
    rows = fold_pass(sess, source, features, n_folds, seed, ["indb_ml._linregr_state(s.y, s.x)"])
    own = {f: comoment_from_cstate(r["state"])[0] for f, r in rows.items()}
    out = {}
    for f in range(1, n_folds + 1):
        train = None
        for other, m in own.items():
            if other != f:
                train = comoment_merge(train, m)
        out[f] = (train.n, train.mean[1:], np.diag(train.comoment)[1:] / train.n)
    return out


def _glm_folds(sess, source, features, fam, params, n_folds, seed, k, steps: _Folds) -> tuple[dict, dict]:
    """Every fold's GLM by IRLS, one ``indb_ml._glm_step`` statement per iteration (as glm's
    aggregate plan, with folds for groups), from glm's start (MADlib's mu = init(y) of the
    link), so each fold's model is the one glm fits on the fold's training rows."""
    folds = list(range(1, n_folds + 1))
    codes = str(FAMILY_CODES[fam.name]) + ", " + str(LINK_CODES[fam.link])
    iterate = "indb_ml._glm_step(s.y, s.x, indb_ml_c.coef, " + codes + ", NULL::pg_catalog.float8)"
    start = "indb_ml._glm_step(s.y, s.x, NULL::pg_catalog.float8[], " + codes + ", NULL::pg_catalog.float8)"
    steps.lockstep(n_folds)
    own = {f: glm_sums_from_cstate(r["state"])[0]
           for f, r in fold_pass(sess, source, features, n_folds, seed, [start]).items()}
    total_n = sum(s.n for s in own.values() if s is not None)
    if any(own.get(f) is None for f in folds):
        raise _too_few(total_n, n_folds)
    # the start's sums take mu from each row's y alone, so a fold's training start is the sum of
    # the other folds' own sums: no second pass
    starts = {f: _glm_sums_total([own[g] for g in folds if g != f]) for f in folds}
    gens = {f: glm_steps(k, fam, params["max_iter"], params["tolerance"]) for f in folds}
    for gen in gens.values():
        next(gen)  # the start

    def evaluate(pending: dict) -> dict:
        answers = {f: starts[f] for f, w in pending.items() if w is None}
        moving = {f: w for f, w in pending.items() if w is not None}
        if moving:
            steps.lockstep(len(moving))
            rows = fold_pass(sess, source, features, n_folds, seed, [iterate], moving)
            answers.update({f: glm_sums_from_cstate(rows[f]["state"])[0] for f in moving})
        return answers

    fits = lockstep.run_lockstep(gens, {f: None for f in folds}, evaluate)
    return fits, {f: total_n - own[f].n for f in folds}


def _glm_sums_total(parts: list) -> GlmSums:
    """Sums of IRLS passes over disjoint rows, added field by field (every field is a sum)."""
    return GlmSums(*(sum(getattr(p, f.name) for p in parts) for f in dataclasses.fields(GlmSums)))


def _kernels_unreported(sess) -> contextlib.AbstractContextManager:
    """The kernels' reports (the elastic net's sweeps, per fold) only check for a cancel:
    :func:`indb_ml.core.progress._from_kernel` steps a call only under its session's own check."""
    return interrupts.installed(lambda: sess.check_interrupts())


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
    # only complete rows take part (NULLs are left out, not counted)
    features = dataclasses.replace(features, group_cols=())
    seed = int(seed or 0)
    moments = kind == "linregr" or (kind == "elastic_net" and not binary)
    lockstep_plan = not moments and use_aggregate_passes(sess, source, MEMORY_FASTER)
    # the lockstep plan's number of passes is not known in advance
    steps = _Folds(progress.start(sess, "cross_validation", max_iter=None if lockstep_plan else n_folds), n_folds)
    with _kernels_unreported(sess):
        if moments:
            scores = _moment_scores(sess, source, features, kind, p, n_folds, seed, steps)
        elif lockstep_plan:
            scores = _aggregate_scores(sess, source, features, kind, fam, p, n_folds, seed, steps)
        else:
            check = _binary if binary else (lambda y: check_response(fam, y))
            scores = _memory_scores(sess, source, features, kind, fam, p, n_folds, seed, check, steps)
    steps.finish(scores)
    steps.prog.done()
    out = []
    for fold in sorted(scores):
        train_rows, test_rows, metrics = scores[fold]
        for metric, value in metrics.items():
            out.append({"fold": fold, "train_rows": int(train_rows), "test_rows": int(test_rows), "metric": metric,
                        "value": value})
    return out
