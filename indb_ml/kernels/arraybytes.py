"""Decode a PostgreSQL float8[] value from its raw bytes, without a per-element step.

The chunked scans aggregate rows with ``array_agg(ARRAY[y, x1, ...])`` (C code)
and hand the result to Python through ``indb_ml._float8_array_bytes``, which
returns the array's varlena body as ``bytea``. That body is PostgreSQL's
``ArrayType`` layout (``src/include/utils/array.h``)::

    int32 ndim, int32 dataoffset (0: no NULL bitmap), uint32 elemtype,
    int32 dims[ndim], int32 lbound[ndim], padding to 8 bytes, float8 data[]

so the data is one ``np.frombuffer`` away. Compared with ``array_send`` (one
send call per element) this is ~3x faster on the whole scan. Arrays with NULL
elements carry a bitmap (bit set = present) after the dimensions, and only the
present values are stored; :func:`float8_array_with_nulls` expands them, which
lets the scans leave NULL checks to numpy instead of evaluating them per row.
"""

from __future__ import annotations

import numpy as np

FLOAT8_OID = 701
_HEADER = np.dtype([("ndim", "<i4"), ("dataoffset", "<i4"), ("elemtype", "<u4")])


def float8_array_with_nulls(body: bytes) -> tuple[np.ndarray, np.ndarray | None]:
    """``(values, present)``: the array as float64 (NULLs as NaN) and a mask, None if no NULLs.

    >>> import struct
    >>> body = struct.pack("<iiIiiB", 1, 32, 701, 3, 1, 0b101) + b"\\0" * 7 + struct.pack("<dd", 1.5, 2.5)
    >>> values, present = float8_array_with_nulls(body)
    >>> values.tolist(), present.tolist()
    ([1.5, nan, 2.5], [True, False, True])
    """
    ndim, dataoffset, elemtype = np.frombuffer(body, dtype=_HEADER, count=1)[0].tolist()
    if dataoffset == 0:
        return float8_array_from_body(body), None
    if elemtype != FLOAT8_OID:
        raise ValueError(f"expected a float8[] body, got element type oid {elemtype}")
    dims = tuple(np.frombuffer(body, dtype="<i4", count=ndim, offset=12).tolist())
    count = int(np.prod(dims))
    bits = np.frombuffer(body, dtype=np.uint8, count=(count + 7) // 8, offset=12 + 8 * ndim)
    present = np.unpackbits(bits, bitorder="little", count=count).astype(bool)
    values = np.full(count, np.nan)
    values[present] = np.frombuffer(body, dtype="<f8", count=int(present.sum()), offset=dataoffset - 4)
    return values.reshape(dims), present.reshape(dims)


def float8_array_from_body(body: bytes) -> np.ndarray:
    """Return an array without NULLs as a C-ordered float64 ndarray (a view on ``body``).

    >>> import struct
    >>> body = struct.pack("<iiIii", 1, 0, 701, 2, 1) + struct.pack("<dd", 1.5, 2.5)
    >>> float8_array_from_body(body).tolist()
    [1.5, 2.5]
    """
    ndim, dataoffset, elemtype = np.frombuffer(body, dtype=_HEADER, count=1)[0].tolist()
    if elemtype != FLOAT8_OID:
        raise ValueError(f"expected a float8[] body, got element type oid {elemtype}")
    if dataoffset != 0:
        raise ValueError("array has NULL elements; filter NULL rows before packing")
    if ndim == 0:
        return np.empty(0)
    dims = np.frombuffer(body, dtype="<i4", count=ndim, offset=12)
    # Header (with the 4-byte varlena length word) is MAXALIGNed to 8 bytes.
    start = ((4 + 12 + 8 * ndim + 7) // 8) * 8 - 4
    count = int(np.prod(dims))
    return np.frombuffer(body, dtype="<f8", count=count, offset=start).reshape(tuple(dims))
