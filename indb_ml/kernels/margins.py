"""Average marginal effects with interaction and indicator terms (MADlib's ``margins``).

MADlib's ``x_design`` names what each element of ``independent_varname`` is: a basis
variable (``age``, or ``2`` by position), an indicator (``i.female``, ``i.2.color`` with its
category ``color``, ``ir.1.color`` for the category's reference), or an interaction, a
product of powers of basis variables (``age^2``, ``female*age``). The marginal effect of a
continuous basis variable averages ``dF/dx`` over the rows, the derivative running through
every interaction that contains it; that of an indicator is the discrete change
``F(set) - F(unset)`` with its category's siblings at 0, as MADlib computes it. Standard
errors are the delta method's. The per-row effects and their exact gradients in the
coefficients are summed by the C aggregate ``indb_ml._margins_state`` (``src/margins.c``)
from the design this module parses and encodes; :func:`average_margins` finalizes them.

>>> d = parse_design("1, age, i.female, female*age", 4)
>>> [t.name for t in d.basis], d.interactions[0].powers
(['1', 'age', 'female'], {2: 1, 1: 1})
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

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


MODELS = {"linear": 0, "logit": 1, "mlogit": 2}


def siblings(design: Design, b: Basis) -> list:
    """The other indicators of an indicator term's category (set to 0 with it)."""
    if not b.indicator:
        return []
    return [o.position for o in design.basis if o.indicator and o.category and o.category == b.category
            and o is not b]


def encode_design(design: Design, targets: list, kind: str, m: int, k: int) -> list:
    """The ``int4[]`` the C aggregate ``indb_ml._margins_state`` reads (``src/margins.c``)."""
    out = [MODELS[kind], k, m, len(design.interactions)]
    for it in design.interactions:
        out += [it.position, len(it.powers)]
        for pos, power in it.powers.items():
            out += [pos, power]
    out.append(len(targets))
    for b in targets:
        sib = siblings(design, b)
        out += [b.position, int(b.indicator), len(sib)] + sib
    return out


@dataclass
class MarginSums:
    """A margins state: rows, each feature's minimum and maximum, the summed effects
    (targets x m) and their summed gradients in the coefficients ((targets m) x (m k))."""

    n: int
    skipped: int
    xmin: np.ndarray
    xmax: np.ndarray
    effects: np.ndarray
    jacobian: np.ndarray


def margin_sums_from_cstate(raw, n_targets: int, m: int, k: int) -> MarginSums | None:
    from indb_ml.kernels.cstate import MARGINS, parse_state

    state = parse_state(raw, MARGINS)
    if state is None:
        return None
    if state.width != 2 * k + n_targets * m * (1 + m * k) or state.param != k:
        raise ValueError("invalid aggregate state: a margins state of another design")
    d = state.data
    eff = d[2 * k:2 * k + n_targets * m].reshape(n_targets, m)
    jac = d[2 * k + n_targets * m:].reshape(n_targets * m, m * k)
    return MarginSums(state.n, state.skipped, d[:k].copy(), d[k:2 * k].copy(), eff.copy(), jac.copy())


@dataclass
class Margins:
    margins: np.ndarray  # m x T
    std_err: np.ndarray
    z_stats: np.ndarray
    p_values: np.ndarray


def average_margins(sums: MarginSums, chosen: list, vcov: np.ndarray) -> Margins:
    """Average effects of the targets at indices ``chosen`` (of the pass's targets) and their
    delta-method statistics; ``vcov`` is over the coefficients flattened row-major."""
    m = sums.effects.shape[1]
    effects = sums.effects[chosen].T / sums.n  # m x T
    rows = [t * m + j for j in range(m) for t in chosen]  # (j, t) order, as effects.ravel()
    jac = sums.jacobian[rows] / sums.n
    se = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", jac, vcov, jac), 0, None)).reshape(effects.shape)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = effects / se
    return Margins(effects, se, z, 2 * stats.norm.sf(np.abs(z)))
