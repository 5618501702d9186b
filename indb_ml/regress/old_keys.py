"""MADlib's old ``optimizer_params`` keys: ``max_num_iterations`` for ``max_iter`` and
``precision`` for ``tolerance``.

MADlib's multinomial functions (robust_variance_mlogregr, margins_mlogregr) still accept
the names of its first releases (regress/test/robust.sql_in calls
``'max_num_iterations=20, optimizer=irls, precision=0.0001'``); they are renamed here before
the string reaches :func:`indb_ml.core.params.parse_params`, which then validates it as usual.
"""

from __future__ import annotations

OLD_KEYS = {"max_num_iterations": "max_iter", "precision": "tolerance"}


def renamed(optimizer_params: str | None) -> str | None:
    """``optimizer_params`` with the old keys renamed; anything else is left to the parser."""
    if not optimizer_params or "=" not in optimizer_params:
        return optimizer_params
    pieces = []
    for piece in optimizer_params.split(","):
        key, sep, value = piece.partition("=")
        name = key.strip().lower()
        pieces.append(OLD_KEYS[name] + sep + value if sep and name in OLD_KEYS else piece)
    return ",".join(pieces)
