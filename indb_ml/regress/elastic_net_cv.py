"""elastic_net_train's ``optimizer_params``: MADlib's warm-up and cross-validation, in numpy.

MADlib's string is ``'name = value, ...'`` where a value may be a list (``alpha = {0, 0.5, 1}``,
``[...]`` works too), so :func:`parse_optimizer_params` splits on top-level commas only and
types every known key; an unknown key or a value of the wrong type is an error that names it.

Cross-validation (``n_folds >= 2`` with a list of lambda and/or alpha values): a row's fold
is ``indb_ml.cv_fold(y, x, n_folds, seed)`` (a seeded hash of its values, ``seed`` 0 unless
given; the same on every plan and source). Gaussian: one aggregate statement gives every
fold's co-moments, a fold's training moments are the merge of the others'. Binomial: one
statement per proximal Newton step for every fold at once, or on a plain local table the
rows packed once with their fold. Every (alpha, lambda) pair is solved along decreasing
lambdas with warm starts. The score
is MADlib's: the negative root mean squared error of the held-out fold (gaussian), the share of
correctly classified held-out rows (binomial); the best pair has the highest mean score.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np
from scipy import special

from indb_ml.errors import InputError
from indb_ml.kernels.comoment import comoment_merge_all
from indb_ml.kernels.elastic_net import (
    WEIGHT_FLOOR,
    EnetFit,
    enet_binomial,
    enet_binomial_steps,
    enet_gaussian,
    lambda_path,
)

COMMON = {
    "warmup": "bool", "warmup_lambdas": "list", "warmup_lambda_no": "int", "warmup_tolerance": "float",
    "n_folds": "int", "validation_result": "name", "lambda_value": "list", "n_lambdas": "int", "alpha": "list",
    "seed": "int",
}
FISTA = {"max_stepsize": "float", "eta": "float", "use_active_set": "bool", "activeset_tolerance": "float",
         "random_stepsize": "bool", "state_digits": "int", "madlib_grouping": "grouping"}
# state_digits, madlib_grouping: indb_ml's, to reproduce MADlib's FISTA outputs (and its grouped IGD):
# madlib_grouping is '' (f), 't' (MADlib 2.1's grouped code) or '1x' (FISTA: MADlib's documented grouped example)
IGD = {"stepsize": "float", "step_decay": "float", "threshold": "float", "parallel": "bool",
       "madlib_grouping": "grouping"}
_TRUE, _FALSE = ("true", "t", "yes", "y", "on", "1"), ("false", "f", "no", "n", "off", "0")
_PAIR = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*", re.S)
_LIST = re.compile(r"^[\[{(](.*)[\]})]$", re.S)
VALIDATION_COLUMNS = (("alpha", "float8"), ("lambda_value", "float8"), ("mean_score", "float8"),
                      ("std_dev_score", "float8"))


@dataclass
class EnetParams:
    warmup: bool = False
    warmup_lambdas: Optional[list] = None
    warmup_lambda_no: int = 15
    warmup_tolerance: Optional[float] = None
    n_folds: int = 0
    validation_result: Optional[str] = None
    lambda_value: Optional[list] = None
    n_lambdas: int = 15
    alpha: Optional[list] = None
    seed: int = 0
    max_stepsize: float = 2.0  # FISTA's (MADlib's defaults), used by optimizer 'fista'
    eta: float = 1.2
    use_active_set: bool = False
    activeset_tolerance: Optional[float] = None
    random_stepsize: bool = False
    state_digits: int = 0
    madlib_grouping: str = ""  # '', 't' or '1x' (see FISTA above)
    stepsize: float = 0.01  # IGD's (MADlib's _igd_params_parser defaults), used by optimizer 'igd'
    step_decay: float = 0.0
    threshold: float = 1e-10
    parallel: bool = True  # accepted; PostgreSQL runs MADlib's IGD serially either way
    given: set = field(default_factory=set)


def _split(text: str) -> list:
    """Top-level comma-separated pieces (commas inside ``{}``, ``[]``, ``()`` or quotes stay)."""
    text = re.sub(r"--[^\n]*", "", text)  # MADlib's examples put SQL comments inside the string
    pieces, depth, quoted, cur = [], 0, False, []
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in "{[(":
            depth += 1
        elif not quoted and ch in "}])":
            depth -= 1
            if depth < 0:
                raise InputError(f"optimizer_params {text!r}: unbalanced {ch!r}")
        if ch == "," and depth == 0 and not quoted:
            pieces.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    if depth or quoted:
        raise InputError(f"optimizer_params {text!r}: an unclosed bracket or quote")
    pieces.append("".join(cur))
    return [p for p in pieces if p.strip()]


def _value(key: str, kind: str, raw: str):
    bad = InputError(f"optimizer_params: {key}={raw!r} is not a valid {'list of numbers' if kind == 'list' else kind}",
                     hint="lists are written {0.1, 0.2} or [0.1, 0.2]")
    if kind == "name":
        if not raw or raw.lower() == "null":
            return None
        return raw
    if kind == "list":
        if raw.lower() == "null":
            return None
        m = _LIST.match(raw)
        items = m.group(1).split(",") if m else [raw]
        try:
            out = [float(i) for i in items if i.strip()]
        except ValueError:
            raise bad from None
        if not all(np.isfinite(out)):
            raise bad
        return out or None
    low = raw.lower()
    if kind == "grouping":
        if low != "1x" and low not in _TRUE + _FALSE:
            raise InputError(f"optimizer_params: {key}={raw!r} is not t, f or 1x")
        return "1x" if low == "1x" else "t" if low in _TRUE else ""
    if kind == "bool":
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise bad
    try:
        value = int(raw) if kind == "int" else float(raw)
    except ValueError:
        raise bad from None
    if kind == "float" and not np.isfinite(value):
        raise bad
    return value


def _unwrap(text: str) -> str:
    """The list inside an outer ``{...}`` wrapper, or ``text`` itself.

    MADlib's own elastic-net test passes ``'{eta = 2, max_stepsize = 0.5, use_active_set = f
    }    1'`` (tests/fixtures/madlib_checks/elastic_net/elastic_net.ic.sql_in): MADlib's parser
    (utilities.py_in, preprocess_keyvalue_params) picks the ``name = value`` pairs out of the
    string with a regular expression and skips everything else, so the braces and the stray
    ``1`` are ignored there. Here the wrapper is removed and text after its closing brace is
    ignored only when it holds no ``name = value`` (anything else stays an error)."""
    body = text.strip()
    if not body.startswith("{"):
        return text
    depth = 0
    for i, ch in enumerate(body):
        depth += ch == "{"
        depth -= ch == "}"
        if depth == 0:
            inner, rest = body[1:i], body[i + 1:]
            if "=" not in inner:
                return text  # a bare list such as '{1, 2}' is not a parameter list
            if "=" in rest:
                raise InputError(f"optimizer_params {text!r}: parameters after the closing brace",
                                 hint="put every name = value inside the braces, or drop the braces")
            return inner
    return text  # unbalanced: _split reports it


def parse_optimizer_params(text: Optional[str], optimizer: str) -> EnetParams:
    """The typed parameters. FISTA's are used by optimizer 'fista'
    (:mod:`indb_ml.kernels.elastic_net_fista`); IGD's by optimizer 'igd'
    (:mod:`indb_ml.regress.elastic_net_igd`).
    An outer ``{...}`` around the whole list is accepted (:func:`_unwrap`)."""
    spec = dict(COMMON)
    spec.update(FISTA if optimizer == "fista" else IGD if optimizer == "igd" else {})
    params = EnetParams()
    if text is None or not text.strip():
        return params
    text = _unwrap(re.sub(r"--[^\n]*", "", text))
    for piece in _split(text):
        m = _PAIR.fullmatch(piece)
        if not m:
            raise InputError(f"cannot parse optimizer_params near {piece.strip()!r}",
                             hint="use 'name = value, name = {v1, v2}' with: " + ", ".join(spec))
        key, raw = m.group(1).lower(), m.group(2).strip()
        if key not in spec:
            other = " (it belongs to another optimizer)" if key in FISTA or key in IGD else ""
            raise InputError(f"unknown parameter {key!r} in optimizer_params for optimizer {optimizer}{other}",
                             hint="known: " + ", ".join(spec))
        if key in params.given:
            raise InputError(f"parameter {key!r} is given twice in optimizer_params")
        params.given.add(key)
        value = _value(key, spec[key], raw)
        if key == "madlib_grouping" and value == "1x" and optimizer != "fista":
            raise InputError("optimizer_params: madlib_grouping = 1x applies to fista only",
                             hint="use madlib_grouping = t (MADlib's grouped IGD)")
        if key == "eta" and value < 1:  # MADlib's check (__fista_params_parser)
            raise InputError("optimizer_params: eta must be larger than 1 (or 1: the step then never shrinks)")
        if key in ("max_stepsize", "activeset_tolerance", "stepsize") and value <= 0:
            raise InputError(f"optimizer_params: {key} must be positive")
        if hasattr(params, key):
            setattr(params, key, value)
        elif spec[key] == "float" and value < 0:
            raise InputError(f"optimizer_params: {key} must be >= 0")
    if not 0 <= params.state_digits <= 17:
        raise InputError("optimizer_params: state_digits must be between 0 (exact) and 17",
                         hint="12 reproduces MADlib 1.x, whose FISTA state went through Python 2's str()")
    for key in ("warmup_lambda_no", "n_lambdas"):
        if getattr(params, key) < 0:
            raise InputError(f"optimizer_params: {key} must be >= 0")
    if params.step_decay < 0 or params.threshold < 0:  # MADlib's _igd_params_parser checks
        raise InputError("optimizer_params: step_decay and threshold must be >= 0")
    if not _finite_product(params.stepsize, params.step_decay):
        # IGD starts a pass at stepsize * exp(step_decay); MADlib's state would be Infinity and
        # its coefficients NaN, and the next pass here could only refuse its NaN state
        raise InputError(f"optimizer_params: stepsize * exp(step_decay) overflows ({params.stepsize!r} * "
                         f"exp({params.step_decay!r}))", hint="lower stepsize or step_decay")
    if params.warmup_tolerance is not None and params.warmup_tolerance < 0:
        raise InputError("optimizer_params: warmup_tolerance must be >= 0")
    for key in ("alpha", "lambda_value", "warmup_lambdas"):
        values = getattr(params, key) or []
        if key == "alpha" and any(not 0 <= a <= 1 for a in values):
            raise InputError("optimizer_params: every alpha must be in [0, 1]")
        if any(v < 0 for v in values):
            raise InputError(f"optimizer_params: {key} values must be >= 0")
    return params


def cv_grid(params: EnetParams, alpha: float, lam: float) -> Optional[tuple]:
    """``(alphas, lambdas)`` to cross-validate, or None to train once (MADlib's rules: with
    n_folds >= 2 the lambdas are the given list, else ``n_lambdas`` values from 1e5 down to
    lambda_value; the alphas are the given list, else the alpha argument)."""
    alphas = params.alpha or [alpha]
    if params.n_folds < 2:
        if len(params.alpha or []) > 1 or len(params.lambda_value or []) > 1:
            raise InputError("elastic_net_train: a list of alpha or lambda_value values needs n_folds >= 2",
                             hint="add n_folds = 5 to optimizer_params, or give one value")
        return None
    if params.lambda_value:
        lambdas = params.lambda_value
    else:
        lambdas = lambda_path(lam, params.n_lambdas) if params.n_lambdas else [lam]
    if len(alphas) < 2 and len(lambdas) < 2:
        return None
    return alphas, lambdas


def warmup_lambdas(params: EnetParams, lam: float) -> list:
    """The decreasing warm-up path that ends at ``lam`` (given, or MADlib's generated one)."""
    if params.warmup_lambdas:
        seq = params.warmup_lambdas
        if seq[-1] != lam:
            raise InputError(f"optimizer_params: the last of warmup_lambdas must be lambda_value ({lam})")
        if any(a <= b for a, b in zip(seq, seq[1:])):
            raise InputError("optimizer_params: warmup_lambdas must be strictly decreasing")
        return list(seq)
    return lambda_path(lam, params.warmup_lambda_no)


def warm_path(solve: Callable, lambdas: list, warm_tol: float, tol: float) -> tuple:
    """Solve along ``lambdas`` (decreasing), each solve started at the previous one's answer;
    the last solve uses ``tol``. Returns the last fit and the iterations of all solves."""
    fit: Optional[EnetFit] = None
    total = 0
    for i, lam in enumerate(lambdas):
        last = i == len(lambdas) - 1
        fit = solve(lam, tol if last else warm_tol, None if fit is None else fit.w,
                    0.0 if fit is None else fit.intercept)
        total += fit.iterations
    return fit, total


def _path_scores(alphas: list, lambdas: list, folds: list, solve, score) -> list:
    """``[(alpha, lambda, mean_score, std_dev_score)]`` in grid order (alpha outer, lambda
    inner). ``solve(alpha, lambda, {fold: previous fit or None})`` fits every fold at one
    grid point (warm-started along decreasing lambdas, from the sparsest solution down);
    ``score({fold: fit})`` scores them on their held-out rows."""
    scores = {(a, lam): [] for a in alphas for lam in lambdas}
    order = sorted(set(lambdas), reverse=True)
    for a in set(alphas):
        fits: dict = {f: None for f in folds}
        for lam in order:
            fits = solve(a, lam, fits)
            got = score(fits)
            scores[(a, lam)] = [got[f] for f in folds]
    out = []
    for a in alphas:
        for lam in lambdas:
            v = np.array(scores[(a, lam)])
            out.append((float(a), float(lam), float(v.mean()), float(v.std(ddof=1))))
    return out


def training_moments(fold_moments: dict) -> dict:
    """Each fold's training co-moments: the merge of every other fold's."""
    return {f: comoment_merge_all(m for g, m in fold_moments.items() if g != f) for f in fold_moments}


def cross_validate_moments(fold_moments: dict, alphas: list, lambdas: list, standardize: bool, max_iter: int,
                           tol: float, solver: Optional[Callable] = None) -> list:
    """Gaussian: every fold trained on the merge of the other folds' co-moments of ``[y, x]``
    and scored (negative RMSE) from its own: no pass over rows beyond the one that gave them.
    ``solver(fold, moments, alpha, lambda)``: the fold's fit with MADlib's optimizer; by default
    coordinate descent to the minimizer, warm-started along the lambdas."""
    from indb_ml.regress.cross_validation import squared_error

    folds = sorted(fold_moments)
    train = training_moments(fold_moments)

    def solve(a, lam, fits):
        if solver is not None:
            return {f: solver(f, train[f], a, lam) for f in folds}
        return {f: enet_gaussian(train[f].n, train[f].mean, train[f].comoment, a, lam, standardize, max_iter, tol,
                                 None if fits[f] is None else fits[f].w, f) for f in folds}

    def score(fits):
        return {f: -float(np.sqrt(squared_error(fold_moments[f], fits[f].coef, fits[f].intercept)
                                  / fold_moments[f].n)) for f in folds}

    return _path_scores(alphas, lambdas, folds, solve, score)


def cross_validate(rows: np.ndarray, fold_of: np.ndarray, alphas: list, lambdas: list, standardize: bool,
                   max_iter: int, tol: float, solver: Optional[Callable] = None) -> list:
    """Binomial over rows ``[y, x...]`` packed in memory with their fold (``fold_of``).
    ``solver(fold, train_rows, alpha, lambda)``: the fold's fit with MADlib's optimizer; by
    default proximal Newton to the minimizer, warm-started along the lambdas."""
    folds = sorted(set(fold_of.tolist()))
    k = rows.shape[1] - 1
    parts = {f: (rows[fold_of != f], rows[fold_of == f]) for f in folds}

    def solve(a, lam, fits):
        if solver is not None:
            return {f: solver(f, parts[f][0], a, lam) for f in folds}
        out = {}
        for f in folds:
            train = parts[f][0]
            prev = fits[f]
            out[f] = enet_binomial(lambda train=train: iter([(train[:, 1:], train[:, 0])]), k, a, lam, standardize,
                                   max_iter, tol, None if prev is None else prev.w,
                                   0.0 if prev is None else prev.intercept, f)
        return out

    def score(fits):
        out = {}
        for f in folds:
            test = parts[f][1]
            p = special.expit(fits[f].intercept + test[:, 1:] @ fits[f].coef)
            out[f] = float(np.mean((p >= 0.5) == (test[:, 0] == 1)))
        return out

    return _path_scores(alphas, lambdas, folds, solve, score)


def cross_validate_passes(sess, source, features, fold_moments: dict, alphas: list, lambdas: list, n_folds: int,
                          seed: int, standardize: bool, max_iter: int, tol: float,
                          solver: Optional[Callable] = None) -> list:
    """Binomial by aggregate passes: at every grid point the folds' proximal Newton steps run in
    lockstep (one statement per step, rows joined on ``fold <> row fold``), then one statement
    scores every fold's model on its own rows. ``solver(fold, None, alpha, lambda)``: the fold's
    fit with MADlib's optimizer instead."""
    from indb_ml.core.features import with_intercept_sql
    from indb_ml.regress import lockstep
    from indb_ml.regress.elastic_net import feature_moments
    from indb_ml.regress.score_passes import COMPLETE, fold_pass, folds_newton_pass

    folds = sorted(fold_moments)
    moments = {f: feature_moments(m) for f, m in training_moments(fold_moments).items()}
    width = fold_moments[folds[0]].width  # [y, x]: the intercept and k coefficients

    def evaluate(pending: dict) -> dict:
        return folds_newton_pass(sess, source, features, n_folds, seed, pending, width, WEIGHT_FLOOR, True)

    def solve(a, lam, fits):
        if solver is not None:
            return {f: solver(f, None, a, lam) for f in folds}
        gens = {f: enet_binomial_steps(moments[f], a, lam, standardize, max_iter, tol,
                                       None if fits[f] is None else fits[f].w,
                                       0.0 if fits[f] is None else fits[f].intercept, f) for f in folds}
        return lockstep.run_lockstep(gens, {f: next(g) for f, g in gens.items()}, evaluate)

    def score(fits):
        coefs = {f: np.concatenate([[fits[f].intercept], fits[f].coef]) for f in folds}
        rows = fold_pass(sess, source, features, n_folds, seed,
                         ["pg_catalog.avg((indb_ml.logregr_predict(indb_ml_c.coef, " + with_intercept_sql("s.x")
                          + ") = (s.y = 1))::integer)" + COMPLETE], coefs, train=False)
        return {f: float(rows[f]["state"]) for f in folds}

    return _path_scores(alphas, lambdas, folds, solve, score)


def _finite_product(stepsize: float, decay: float) -> bool:
    """Whether ``stepsize * exp(decay)`` is a finite float (``math.exp`` raises on overflow)."""
    try:
        return math.isfinite(stepsize * math.exp(decay))
    except OverflowError:
        return False


def best(results: list) -> tuple:
    """The (alpha, lambda) with the highest mean score (the first in grid order on ties)."""
    i = int(np.argmax([r[2] for r in results]))
    return results[i][0], results[i][1]
