"""Reading the ``bytea`` aggregate states written by indb_ml's C module (``src/indb_ml.h``).

A state is a 40-byte header (magic ``IMLS``, version, kind, width, a kind-specific
parameter, rows used, rows skipped) followed by float64 slots. The C transition and
combine functions do the per-row work; the final steps (statistics, solves) run here in
numpy once per group, so this module is the one place that knows the layout on the
Python side. Symmetric matrices are stored as their upper triangle, packed row-major.

>>> import struct
>>> raw = struct.pack("<IHHiiiqq", MAGIC, VERSION, LOGIT, 1, 0, 0, 3, 1) + struct.pack("<3d", -2.0, 0.5, 8.0)
>>> s = parse_state(raw, LOGIT)
>>> (s.width, s.n, s.skipped, s.data.tolist())
(1, 3, 1, [-2.0, 0.5, 8.0])
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

MAGIC = 0x534C4D49
VERSION = 1
COMOMENT, LOGIT, GLM, MLOGIT, ORDINAL, SANDWICH, SCORE, MARGINS = 1, 2, 3, 4, 5, 6, 7, 8
PACKED_ROWS = 9  # indb_ml._pack_rows (src/pack.c): n rows of width float8 after the header
ENET_IGD = 10  # indb_ml._enet_igd (src/enet_igd.c): 11 scalars and 6 width-vectors
LOGIT_IGD = 11  # indb_ml._logregr_igd (src/logregr_igd.c): step size, log-likelihood, coef, prev, packed X'AX
COMOMENT_BLOCK = 8  # rows a co-moment state buffers before folding them (src/comoment.c)
# The header after the varlena length word, which SQL clients and PL/Python never see:
# magic, version, kind, width, param, reserved, n, skipped (36 bytes; slots follow).
HEADER = struct.Struct("<IHHiiiqq")


def slots(kind: int, width: int) -> int:
    tri = width * (width + 1) // 2
    newton = 1 + width + tri  # log-likelihood, gradient, packed Hessian
    # co-moments: means, packed C, the number of buffered rows and COMOMENT_BLOCK rows (comoment.c)
    return {COMOMENT: width + tri + 1 + COMOMENT_BLOCK * width, LOGIT: newton, GLM: 4 + width + tri,
            MLOGIT: newton, ORDINAL: newton, SANDWICH: width + tri, SCORE: width, MARGINS: width,
            ENET_IGD: 11 + 6 * width, LOGIT_IGD: 2 + 2 * width + tri}[kind]


@dataclass(frozen=True)
class CState:
    kind: int
    width: int
    param: int
    n: int
    skipped: int
    data: np.ndarray  # float64 slots


def parse_state(raw: bytes | memoryview | None, kind: int) -> CState | None:
    """The checked state (the ``bytea`` value as PL/Python or psycopg hands it over), or
    None for SQL NULL."""
    if raw is None:
        return None
    raw = bytes(raw)
    if len(raw) < HEADER.size:
        raise ValueError("invalid aggregate state: too short")
    magic, version, k, width, param, reserved, n, skipped = HEADER.unpack_from(raw, 0)
    if magic != MAGIC or version != VERSION or k != kind or reserved != 0 or width < 0:
        raise ValueError("invalid aggregate state: not an indb_ml state of this kind and version")
    count = slots(kind, width)
    if len(raw) != HEADER.size + 8 * count:
        raise ValueError("invalid aggregate state: length does not match its width")
    return CState(kind, width, param, n, skipped, np.frombuffer(raw, dtype=np.float64, offset=HEADER.size))


# Bytes between the header and the values of a _pack_rows result: a Python bytes object's payload
# starts 32 bytes into it, so after the 36-byte header and this pad the values are 8-byte aligned
# and used in place (src/pack.c).
PACK_PAD = 4


def packed_rows(raw: bytes | memoryview | None) -> tuple[np.ndarray, int, bool]:
    """The rows of an ``indb_ml._pack_rows`` result as an n x width array, the number of rows
    skipped for a NULL, and whether every value is finite (``(0 x 0, 0, True)`` for SQL NULL:
    the chunk had no rows). The values are stored column by column, so the array is a
    Fortran-ordered view: ``rows[:, j]`` and ``rows[:, 1:].T`` are contiguous, no copy.

    >>> raw = struct.pack("<IHHiiiqq4x4d", MAGIC, VERSION, PACKED_ROWS, 2, 0, 0, 2, 3, 1, 2, 3, 4)
    >>> rows, skipped, finite = packed_rows(raw)
    >>> rows.tolist(), skipped, finite, rows[:, 1:].T.flags.c_contiguous
    ([[1.0, 3.0], [2.0, 4.0]], 3, True, True)
    """
    if raw is None:
        return np.empty((0, 0)), 0, True
    raw = bytes(raw)
    if len(raw) < HEADER.size:
        raise ValueError("invalid packed rows: too short")
    magic, version, kind, width, nonfinite, reserved, n, skipped = HEADER.unpack_from(raw, 0)
    if (magic != MAGIC or version != VERSION or kind != PACKED_ROWS or reserved != 0 or width < 1 or n < 0
            or nonfinite not in (0, 1)):
        raise ValueError("invalid packed rows: not an indb_ml._pack_rows value")
    if len(raw) != HEADER.size + PACK_PAD + 8 * n * width:
        raise ValueError("invalid packed rows: length does not match rows x width")
    columns = np.frombuffer(raw, dtype=np.float64, offset=HEADER.size + PACK_PAD).reshape(width, n)
    if not columns.flags.aligned:  # the pad aligns them in CPython's bytes; numpy's fast loops and BLAS need it
        columns = columns.copy()
    return columns.T, int(skipped), not nonfinite


def unpack_symmetric(packed: np.ndarray, width: int) -> np.ndarray:
    """The full symmetric matrix from its packed upper triangle (row-major, i <= j)."""
    full = np.zeros((width, width))
    rows, cols = np.triu_indices(width)
    full[rows, cols] = packed
    full[cols, rows] = packed
    return full
