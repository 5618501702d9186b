"""MADlib's parameter strings: ``'family=poisson, link=log'``, ``'max_iter=100, tolerance=1e-6'``.

Parsed into a dict of typed values with defaults; an unknown key, a repeated key, a value
of the wrong type or text that is not ``key=value`` pairs is an error that names it.

>>> parse_params("max_iter = 50, optimizer=IRLS", {"max_iter": (int, 100), "optimizer": (str, "irls"),
...              "tolerance": (float, 1e-6)}, "optim_params")
{'max_iter': 50, 'optimizer': 'irls', 'tolerance': 1e-06}
"""

from __future__ import annotations

import re

from indb_ml.errors import InputError

_PAIR = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*([A-Za-z0-9_.+\-]+)\s*(?:,|$)")  # words and numbers


def parse_params(text: str | None, spec: dict, what: str) -> dict:
    """``spec``: name -> (type, default). Strings are lower-cased."""
    values = {name: default for name, (_, default) in spec.items()}
    if text is None or not text.strip():
        return values
    seen, pos = set(), 0
    while pos < len(text):
        m = _PAIR.match(text, pos)
        if not m or m.end() == pos:
            raise InputError(f"cannot parse {what} {text!r} at position {pos + 1}",
                             hint="use 'name=value, name=value' with: " + ", ".join(spec))
        key, raw = m.group(1).lower(), m.group(2).strip()
        if key not in spec:
            raise InputError(f"unknown parameter {key!r} in {what}", hint="known: " + ", ".join(spec))
        if key in seen:
            raise InputError(f"parameter {key!r} is given twice in {what}")
        seen.add(key)
        kind = spec[key][0]
        try:
            values[key] = raw.lower() if kind is str else kind(raw)
        except ValueError:
            raise InputError(f"{what}: {key}={raw!r} is not a valid {kind.__name__}") from None
        pos = m.end()
    return values
