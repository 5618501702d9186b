"""The memory budget: the one figure every allocation driven by input is checked against.

Sizes that come from the data (dimensions, feature counts, tile headers, products, planner
intermediates) are checked here *before* the array is made or the table written, so a
request that cannot fit fails with SQLSTATE 54000 (program_limit_exceeded), naming the
size, instead of getting the backend killed by the kernel's OOM killer.

The budget is ``min(indb_ml.matrix_memory_mb, indb_ml.max_memory_mb)``: any role may set
the first (default 512), only a superuser the second (default 4096, the hard ceiling,
defined by the C module in ``src/guc.c``). It is read through the C function
``indb_ml._memory_budget_bytes()``, which the C states use too, and whose call loads the
module, so the ceiling is defined before it is read.

>>> size_text(7.2e11), size_text(1536), size_text(3 * 2**20)
('671 GB', '1.5 kB', '3.0 MB')
"""

from __future__ import annotations

from indb_ml.core.session import Session
from indb_ml.errors import InputError

MB = 2**20
ONE_VALUE = 2**30 - 1  # PostgreSQL's MaxAllocSize: the largest value (bytea, array) it builds
PROGRAM_LIMIT = "54000"
HINT = ("raise SET indb_ml.matrix_memory_mb (at most indb_ml.max_memory_mb, which a superuser sets), "
        "or make the request smaller")


class OverBudget(InputError):
    """A request whose size is above the memory budget (or above one PostgreSQL value)."""

    def __init__(self, message: str, hint: str | None = HINT):
        super().__init__(message, hint=hint, sqlstate=PROGRAM_LIMIT)


def budget_bytes(sess: Session) -> int:
    """The budget in bytes (0 when ``indb_ml.matrix_memory_mb = 0``: nothing is kept in memory)."""
    return int(sess.one("SELECT indb_ml._memory_budget_bytes() AS b")["b"])


def state_budget_bytes(sess: Session) -> int:
    """The budget of aggregate states and of the final steps that read them: the same, except
    that ``matrix_memory_mb = 0`` (every trainer on its aggregate passes) means the default."""
    return int(sess.one("SELECT indb_ml._state_budget_bytes() AS b")["b"])


def size_text(nbytes: float) -> str:
    """A size as PostgreSQL prints memory settings (kB, MB, GB, TB of 1024)."""
    for unit, scale in (("TB", 2**40), ("GB", 2**30), ("MB", 2**20), ("kB", 2**10)):
        if nbytes >= scale:
            value = nbytes / scale
            return f"{value:.0f} {unit}" if value >= 10 else f"{value:.1f} {unit}"
    return f"{int(nbytes)} bytes"


def describe(sess: Session, budget: int) -> str:
    """Which setting the budget comes from, for messages."""
    ceiling = sess.one("SELECT pg_catalog.current_setting('indb_ml.max_memory_mb', true) AS v")["v"]
    if ceiling and budget >= _setting_bytes(ceiling):
        return f"indb_ml.max_memory_mb ({size_text(budget)}, the superuser's ceiling on indb_ml.matrix_memory_mb)"
    return f"indb_ml.matrix_memory_mb ({size_text(budget)})"


def _setting_bytes(text: str) -> int:
    """'4GB', '512MB', '4096' (MB) as bytes; a value we cannot read counts as no ceiling."""
    units = {"TB": 2**40, "GB": 2**30, "MB": 2**20, "kB": 2**10}
    for unit, scale in units.items():
        if text.endswith(unit) and text[: -len(unit)].strip().isdigit():
            return int(text[: -len(unit)]) * scale
    return int(text) * MB if text.isdigit() else 2**62


def check_bytes(sess: Session, need: int, what: str, hint: str | None = HINT, budget: int | None = None) -> None:
    """Errors (54000) unless ``need`` bytes fit the budget; ``what`` names the request, e.g.
    ``"matrix_identity: 1000000000 diagonal entries"``."""
    budget = budget_bytes(sess) if budget is None else budget
    if need > budget:
        raise OverBudget(f"{what} needs {size_text(need)}, above {describe(sess, budget)}", hint=hint)


def check_one_value(need: int, what: str, hint: str | None = None) -> None:
    """Errors (54000) unless ``need`` bytes fit one PostgreSQL value (1 GB), whatever the budget."""
    if need > ONE_VALUE:
        raise OverBudget(f"{what} needs {size_text(need)}, above the 1 GB PostgreSQL allows in one value",
                         hint=hint or "make the request smaller, or write the result to a table")


# C states that hold a k x k matrix (co-moments, Newton and GLM steps, sandwiches), which a
# final step in numpy expands and factors, and how many k x k float64 arrays that step holds
# at its peak: linregr's finalize measured 12.7 at k = 9000 (the full matrix, its scaled
# copy, eigenvectors, the pseudo-inverse, the covariance, LAPACK's work space). The C module
# makes the same check when linregr's transition starts a state (INDB_FINAL_STEP_COPIES).
SQUARE_STATE_KINDS = (1, 2, 3, 4, 5, 6)
FINAL_STEP_COPIES = 16


def state_width(raw) -> int:
    """The width of a C state of one of :data:`SQUARE_STATE_KINDS` (0 for anything else:
    a state is checked in full where it is parsed, :mod:`indb_ml.kernels.cstate`)."""
    from indb_ml.kernels.cstate import HEADER, MAGIC

    if not isinstance(raw, (bytes, bytearray, memoryview)) or len(raw) < HEADER.size:
        return 0
    magic, _, kind, width = HEADER.unpack_from(bytes(raw[:HEADER.size]), 0)[:4]
    return width if magic == MAGIC and kind in SQUARE_STATE_KINDS and width > 0 else 0


def check_final_step(sess: Session, states, what: str) -> None:
    """Errors (54000) unless the final step over the widest of ``states`` (C aggregate states,
    bytea) fits the budget: ``FINAL_STEP_COPIES`` k x k float64 matrices. The C module caps a
    state at the budget, but the state is a packed triangle, and the numpy step that finalizes
    it needs many times that (three rows of 9,000 features: 8 GB)."""
    k = max((state_width(s) for s in states), default=0)
    if k:
        check_bytes(sess, FINAL_STEP_COPIES * 8 * k * k,
                    f"{what}: the final step over {k} columns ({FINAL_STEP_COPIES} {k} x {k} float64 matrices)",
                    hint="use fewer features (or categories), or raise SET indb_ml.matrix_memory_mb "
                         "(at most indb_ml.max_memory_mb, which a superuser sets)",
                    budget=state_budget_bytes(sess))
