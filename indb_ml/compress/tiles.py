"""The one place where a stored tile becomes a float64 array, whatever its codec.

Every matrix reader (:mod:`indb_ml.matrix.storage`, :mod:`indb_ml.matrix.pieces`) and the
SQL tile aggregates go through :func:`tile_array`, so every matrix operation accepts a
compressed tile table. A table's ``codec`` column names the codec of each tile: ``raw``
(the float64 buffer, no header: the format every writer produces) or one of
:data:`indb_ml.compress.codecs.CODEC_IDS`, whose self-describing header must agree with
the row's ``codec``, ``nrows`` and ``ncols``.

>>> import numpy as np
>>> from indb_ml.compress.codecs import encode
>>> tile_array(encode(np.eye(2), "csr"), 2, 2, "csr").tolist()
[[1.0, 0.0], [0.0, 1.0]]
"""

from __future__ import annotations

import numpy as np

from indb_ml.compress import codecs
from indb_ml.core.budget import ONE_VALUE, OverBudget, size_text
from indb_ml.errors import InputError
from indb_ml.kernels.tiles import decode_tile

KNOWN = ("raw",) + tuple(codecs.CODEC_IDS)
SPARSE_LAYOUT = "sparse"  # the layout column of csr/coo tiles; every other codec is 'dense'


def layout_of(codec: str) -> str:
    return SPARSE_LAYOUT if codec in codecs.SPARSE else "dense"


def corrupt(message: str) -> InputError:
    return InputError(message, hint="recreate the tile table (matrix_compress from the uncompressed matrix)",
                      sqlstate="XX001")


def coded(data, nrows: int, ncols: int, codec: str) -> codecs.Header:
    """The header of an encoded tile, checked against its row."""
    try:
        h = codecs.header(bytes(data[:codecs.HEADER_BYTES]))
    except codecs.CodecError as exc:
        raise corrupt(f"a tile with codec {codec} is corrupt: {exc}") from exc
    if (h.codec, h.nrows, h.ncols) != (codec, nrows, ncols):
        raise corrupt(f"a tile's row says codec {codec}, {nrows} x {ncols}, but its data holds "
                      f"{h.codec}, {h.nrows} x {h.ncols}")
    return h


def tile_array(data, nrows: int, ncols: int, codec: str | None = "raw", cap: int = ONE_VALUE) -> np.ndarray:
    """A stored tile as an ``nrows x ncols`` float64 array (read-only for raw tiles).

    An encoded tile is decoded only when its ``nrows x ncols`` float64 values fit ``cap``
    bytes (the caller's memory budget; at most 1 GB, the largest raw tile PostgreSQL can
    store): a few bytes whose header claims gigabytes are refused before anything is made.
    A raw tile is a view of bytes already in memory."""
    if codec in (None, "raw"):
        try:
            return decode_tile(data, nrows, ncols)
        except ValueError as exc:
            raise corrupt(f"a raw tile is corrupt: {exc}") from exc
    if codec not in codecs.CODEC_IDS:
        raise InputError(f"a tile has codec {codec!r}, which this version does not read",
                         hint="known codecs: " + ", ".join(KNOWN))
    coded(data, nrows, ncols, codec)
    check_decoded(nrows, ncols, codec, cap)
    try:
        return codecs.decode(data)
    except codecs.CodecError as exc:
        raise corrupt(f"a tile with codec {codec} is corrupt: {exc}") from exc


def check_decoded(nrows: int, ncols: int, codec: str, cap: int) -> None:
    """Errors (54000) unless an encoded tile's ``nrows x ncols`` float64 values fit ``cap`` bytes
    and one PostgreSQL value."""
    need = 8 * nrows * ncols
    if need > min(cap, ONE_VALUE):
        where = (f"the memory budget of {size_text(cap)} (indb_ml.matrix_memory_mb, at most indb_ml.max_memory_mb)"
                 if cap < ONE_VALUE else "the 1 GB PostgreSQL allows in one value")
        raise OverBudget(f"a tile with codec {codec} of {nrows} x {ncols} decodes to {size_text(need)}, above {where}",
                         hint="tiles are at most 10000 x 10000 when indb_ml writes them; recreate the tile table "
                              "(matrix_compress), or raise SET indb_ml.matrix_memory_mb")


def tile_times_vector(data, nrows: int, ncols: int, codec: str, v: np.ndarray, cap: int = ONE_VALUE) -> np.ndarray:
    """``tile @ v``; a dict tile is multiplied from its codes (:func:`codecs.dict_matvec`), which
    hold one code per value: its size is checked against ``cap`` as a decoded tile's is."""
    if codec == "dict":
        coded(data, nrows, ncols, codec)
        check_decoded(nrows, ncols, codec, cap)
        try:
            return codecs.dict_matvec(data, v)
        except codecs.CodecError as exc:
            raise corrupt(f"a tile with codec dict is corrupt: {exc}") from exc
    return tile_array(data, nrows, ncols, codec, cap) @ v


def data_sql(alias: str = "") -> str:
    """SQL for a tile's float64 bytes, decoding in the server only the tiles that are not raw
    (``alias``: a table alias we chose, such as ``a``)."""
    p = alias + "." if alias else ""
    return (f"CASE WHEN {p}codec = 'raw' THEN {p}data ELSE indb_ml.tile_decode({p}data, {p}codec, {p}nrows, "
            f"{p}ncols) END")
