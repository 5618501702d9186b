"""Average marginal effects with interaction and indicator terms (MADlib's ``margins``).

MADlib's ``x_design`` names what each element of ``independent_varname`` is: a basis
variable (``age``, or ``2`` by position), an indicator (``i.female``, ``i.2.color`` with its
category ``color``, ``ir.1.color`` for the category's reference), or an interaction, a
product of powers of basis variables (``age^2``, ``female*age``). The marginal effect of a
continuous basis variable averages ``dF/dx`` over the rows, the derivative running through
every interaction that contains it; that of an indicator is the discrete change
``F(set) - F(unset)`` with its category's siblings at 0, as MADlib computes it. Standard
errors are the delta method's, with the Jacobian in the coefficients taken by central
differences (as statsmodels does for ``get_margeff``).

>>> d = parse_design("1, age, i.female, female*age", 4)
>>> [t.name for t in d.basis], d.interactions[0].powers
(['1', 'age', 'female'], {2: 1, 1: 1})
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
from scipy import special, stats

_SPLIT = re.compile(r'((?:[^,"]|"[^"]*")+)')
_PRODUCT = re.compile(r'((?:[^*"]|"[^"]*")+)')
_POWER = re.compile(r'((?:[^\^"]|"[^"]*")+)')
_PARTS = re.compile(r'"[^"]*"|[^.]+')


@dataclass(frozen=True)
class Basis:
    position: int  # 0-based element of the independent array
    name: str
    indicator: bool = False
    category: str = ""
    reference: bool = False


@dataclass(frozen=True)
class Interaction:
    position: int
    powers: dict = field(default_factory=dict)  # basis position -> power


@dataclass(frozen=True)
class Design:
    basis: list
    interactions: list

    def by_name(self, name: str) -> Basis | None:
        return next((b for b in self.basis if b.name == name), None)


def _split(regex: re.Pattern, text: str) -> list[str]:
    return [t.strip() for t in regex.split(text)[1::2]]


def _identifier(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text.startswith('"') and text.endswith('"'):
        return text[1:-1]
    if not re.fullmatch(r"\w+", text):
        raise ValueError(f"x_design: {text!r} is not an identifier (double-quote names with other characters)")
    return text.lower()


def _basis(term: str, position: int) -> Basis:
    parts = _PARTS.findall(term)
    if len(parts) == 1:
        return Basis(position, _identifier(parts[0]))
    prefix = parts[0].strip()
    if prefix not in ("i", "ir", "ib") or len(parts) > 3:
        raise ValueError(f"x_design: {term!r} is not a term (indicators are i.name, i.name.category or "
                         "ir.name.category for the reference)")
    return Basis(position, _identifier(parts[1]), True, parts[2].strip() if len(parts) > 2 else "",
                 prefix in ("ir", "ib"))


def parse_design(text: str, n_terms: int) -> Design:
    """Parse ``x_design``; it must have one term per coefficient (``n_terms``)."""
    terms = _split(_SPLIT, text or "")
    if len(terms) != n_terms or any(not t for t in terms):
        raise ValueError(f"x_design has {len(terms)} terms but the model has {n_terms} coefficients")
    basis, pending = [], []
    for position, term in enumerate(terms):
        if re.search(r'[*^](?=(?:[^"]*"[^"]*")*[^"]*$)', term):
            pending.append((position, term))
            continue
        b = _basis(term, position)
        if any(o.name == b.name for o in basis):
            raise ValueError(f"x_design names {b.name!r} twice")
        basis.append(b)
    by_name = {b.name: b for b in basis}
    references = [b.category for b in basis if b.reference]
    if len(references) != len(set(references)):
        raise ValueError("x_design has two reference terms for one category")
    interactions = []
    for position, term in pending:
        powers: dict = {}
        for factor in _split(_PRODUCT, term):
            pieces = _split(_POWER, factor)
            if len(pieces) not in (1, 2) or not pieces[0]:
                raise ValueError(f"x_design: {term!r} is not a product of powers")
            parts = _PARTS.findall(pieces[0])  # 'i.female' and 'i.2.color' name female and 2
            name = _identifier(parts[1] if len(parts) > 1 else parts[0])
            if name not in by_name:
                raise ValueError(f"x_design: interaction {term!r} uses {name!r}, which is not a basis term")
            try:
                power = int(pieces[1]) if len(pieces) == 2 else 1
            except ValueError:
                raise ValueError(f"x_design: the power in {factor!r} is not an integer") from None
            if power < 1:
                raise ValueError(f"x_design: the power in {factor!r} must be at least 1")
            pos = by_name[name].position
            powers[pos] = powers.get(pos, 0) + power
        interactions.append(Interaction(position, powers))
    return Design(basis, interactions)


def _with_basis(design: Design, x: np.ndarray, values: dict) -> np.ndarray:
    """``x`` with basis columns set to ``values`` and the interactions that use them recomputed."""
    out = x.copy()
    for pos, v in values.items():
        out[:, pos] = v
    for it in design.interactions:
        if any(p in values for p in it.powers):
            col = np.ones(x.shape[0])
            for p, power in it.powers.items():
                col *= out[:, p] ** power
            out[:, it.position] = col
    return out


def _gradient_columns(design: Design, x: np.ndarray, b: Basis) -> np.ndarray:
    """``d(row of x)/d x_b`` for every row: 1 at b, the interactions' partial derivatives."""
    g = np.zeros_like(x)
    g[:, b.position] = 1.0
    for it in design.interactions:
        power = it.powers.get(b.position, 0)
        if power:
            col = power * x[:, b.position] ** (power - 1)
            for p, pw in it.powers.items():
                if p != b.position:
                    col = col * x[:, p] ** pw
            g[:, it.position] = col
    return g


def _prob(kind: str, eta: np.ndarray) -> np.ndarray:
    """The mean: eta (linear), expit (logit), softmax with the reference at 0 (mlogit; n x m)."""
    if kind == "linear":
        return eta
    if kind == "logit":
        return special.expit(eta)
    full = np.column_stack([np.zeros(eta.shape[0]), eta])
    return np.exp(full - special.logsumexp(full, axis=1, keepdims=True))[:, 1:]


def _effects(kind: str, design: Design, x: np.ndarray, beta: np.ndarray, targets: list) -> np.ndarray:
    """Average marginal effects, ``m x len(targets)``; ``beta`` is m x k (one row unless mlogit)."""
    eta = x @ beta.T  # n x m
    out = np.empty((beta.shape[0], len(targets)))
    for t, b in enumerate(targets):
        if b.indicator:
            siblings = {o.position: 0.0 for o in design.basis if o.indicator and o.category and
                        o.category == b.category and o is not b}
            hi = _with_basis(design, x, {**siblings, b.position: 1.0}) @ beta.T
            lo = _with_basis(design, x, {**siblings, b.position: 0.0}) @ beta.T
            out[:, t] = (_prob(kind, hi) - _prob(kind, lo)).mean(axis=0)
            continue
        slope = _gradient_columns(design, x, b) @ beta.T  # d eta / d x_b, n x m
        if kind == "linear":
            out[:, t] = slope.mean(axis=0)
        elif kind == "logit":
            p = special.expit(eta)
            out[:, t] = (p * (1 - p) * slope).mean(axis=0)
        else:
            p = _prob(kind, eta)
            out[:, t] = (p * (slope - (p * slope).sum(axis=1, keepdims=True))).mean(axis=0)
    return out


@dataclass
class Margins:
    margins: np.ndarray  # m x T
    std_err: np.ndarray
    z_stats: np.ndarray
    p_values: np.ndarray


def average_margins(kind: str, design: Design, x: np.ndarray, beta: np.ndarray, vcov: np.ndarray,
                    targets: list) -> Margins:
    """Margins and delta-method statistics; ``vcov`` is over ``beta`` flattened row-major."""
    beta = np.atleast_2d(np.asarray(beta, dtype=float))
    effects = _effects(kind, design, x, beta, targets)
    flat = beta.ravel()
    jac = np.empty((effects.size, flat.size))
    for i in range(flat.size):
        h = 1e-6 * max(1.0, abs(flat[i]))
        up, down = flat.copy(), flat.copy()
        up[i] += h
        down[i] -= h
        jac[:, i] = (_effects(kind, design, x, up.reshape(beta.shape), targets)
                     - _effects(kind, design, x, down.reshape(beta.shape), targets)).ravel() / (2 * h)
    se = np.sqrt(np.clip(np.diag(jac @ vcov @ jac.T), 0, None)).reshape(effects.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = effects / se
    return Margins(effects, se, z, 2 * stats.norm.sf(np.abs(z)))
