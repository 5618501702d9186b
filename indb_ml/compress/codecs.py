"""Tile codecs: pure functions from a float64 tile to self-describing bytes and back.

Every encoded tile starts with a 24-byte little-endian header, so that :func:`decode`
needs nothing but the bytes (and :func:`header` reads size and error from the first 24
bytes alone, which is all ``matrix_info`` fetches from TOAST)::

    magic 'IMZ1' | codec id u8 | flags u8 | reserved u16 | nrows u32 | ncols u32 | max_error f64

Codecs (``max_error`` is 0 for the lossless ones, else the largest ``|x - decode(x)|``):

- ``zlib``, ``lz4``, ``zstd``: the tile's float64 buffer, byte-shuffled (byte k of every
  value together, as Blosc does: exponents repeat, mantissas do not), then compressed with
  zlib or with the LZ4-frame / ZSTD codecs Arrow IPC uses for its buffers (pyarrow, imported
  only when those codecs are used: the client's Python need not have it);
- ``csr``: non-zero values (by bit pattern, so ``-0.0`` survives) with per-row counts and
  in-row column deltas, both bit-packed at the width their largest value needs;
- ``coo``: the same values with delta-encoded, bit-packed flat positions (best when a tile
  has fewer entries than rows);
- ``dict``: the distinct values (at most 65,536, by bit pattern) and bit-packed codes (1, 2,
  4, 8 or 16 bits: byte-aligned groups decode by table lookup); :func:`dict_matvec` multiplies
  such a tile by a vector from the codes;
- lossy, opt-in: ``float32``, ``bfloat16`` (round to nearest even) and ``int8`` (symmetric,
  one scale per tile: error at most scale / 2).

>>> x = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 2.5]])
>>> [bool(np.array_equal(decode(encode(x, c)), x)) for c in ("zlib", "csr", "coo", "dict")]
[True, True, True, True]
>>> header(encode(x, "int8")).codec, header(encode(x, "int8")).max_error <= 2.5 / 254
('int8', True)
"""

from __future__ import annotations

import struct
import zlib
from typing import NamedTuple

import numpy as np

MAGIC = b"IMZ1"
HEADER = struct.Struct("<4sBBHIId")
HEADER_BYTES = HEADER.size  # 24
SHUFFLED = 1  # flags bit: bytes were shuffled before the general-purpose codec
CODEC_IDS = {"zlib": 1, "lz4": 2, "zstd": 3, "csr": 4, "coo": 5, "dict": 6, "float32": 7, "bfloat16": 8, "int8": 9}
CODEC_NAMES = {v: k for k, v in CODEC_IDS.items()}
LOSSLESS = ("zlib", "lz4", "zstd", "csr", "coo", "dict")
LOSSY = ("float32", "bfloat16", "int8")
SPARSE = ("csr", "coo")
DICT_MAX = 65536
ZLIB_LEVEL = 6
ZSTD_LEVEL = 3
CHUNK_CODES = 65536  # dict_matvec: codes per bincount


class CodecError(ValueError):
    """A tile cannot be encoded with the codec asked for, or its bytes are not a valid encoding."""


class Header(NamedTuple):
    codec: str
    nrows: int
    ncols: int
    max_error: float
    flags: int


# -- the header -------------------------------------------------------------------------

def header(data: bytes) -> Header:
    """The header of an encoded tile (only its first 24 bytes are read)."""
    if len(data) < HEADER_BYTES:
        raise CodecError(f"an encoded tile has at least {HEADER_BYTES} bytes of header; this one has {len(data)}")
    magic, cid, flags, _, nrows, ncols, err = HEADER.unpack_from(bytes(data[:HEADER_BYTES]))
    if magic != MAGIC:
        raise CodecError("not an encoded tile: the header does not start with 'IMZ1'")
    if cid not in CODEC_NAMES:
        raise CodecError(f"an encoded tile names codec id {cid}, which this version does not know")
    return Header(CODEC_NAMES[cid], nrows, ncols, err, flags)


def _head(codec: str, shape: tuple[int, int], max_error: float = 0.0, flags: int = 0) -> bytes:
    return HEADER.pack(MAGIC, CODEC_IDS[codec], flags, 0, shape[0], shape[1], max_error)


# -- bit packing ----------------------------------------------------------------------

def bit_width(top: int) -> int:
    """Bits needed for unsigned values up to ``top`` (0 for all zeros)."""
    return int(top).bit_length()


def pack_uints(values: np.ndarray, width: int) -> bytes:
    """``values`` (unsigned, each < 2**width) at ``width`` bits each, least significant bit first.

    >>> unpack_uints(pack_uints(np.array([5, 0, 3]), 3), 3, 3).tolist()
    [5, 0, 3]
    """
    values = np.asarray(values, dtype=np.uint64)
    if width == 0 or values.size == 0:
        return b""
    if width in (8, 16, 32, 64):  # byte-aligned: the packed bits are the little-endian integers
        return values.astype(f"<u{width // 8}").tobytes()
    bits = ((values[:, None] >> np.arange(width, dtype=np.uint64)) & np.uint64(1)).astype(np.uint8)
    return np.packbits(bits.ravel(), bitorder="little").tobytes()


def unpack_uints(buf: bytes, count: int, width: int) -> np.ndarray:
    """The inverse of :func:`pack_uints` (as int64)."""
    if width == 0 or count == 0:
        return np.zeros(count, dtype=np.int64)
    need = (count * width + 7) // 8
    if len(buf) < need:
        raise CodecError(f"packed integers are truncated: {len(buf)} bytes for {count} values of {width} bits")
    if width in (8, 16, 32, 64):
        return np.frombuffer(buf, dtype=f"<u{width // 8}", count=count).astype(np.int64)
    if width in (1, 2, 4):  # several values per byte: one table lookup per byte
        return _LUT[width][np.frombuffer(buf, dtype=np.uint8, count=need)].ravel()[:count].astype(np.intp)
    bits = np.unpackbits(np.frombuffer(buf, dtype=np.uint8, count=need), bitorder="little")[: count * width]
    bits = bits.reshape(count, width)
    if width < 8:  # repack each value's bits into one byte: no int64 arithmetic per bit
        return np.packbits(bits, axis=1, bitorder="little").ravel().astype(np.intp)
    weights = (np.uint64(1) << np.arange(width, dtype=np.uint64)).astype(np.int64)
    return bits.astype(np.int64) @ weights


_LUT = {w: ((np.arange(256)[:, None] >> (np.arange(8 // w) * w)) & ((1 << w) - 1)).astype(np.uint8)
        for w in (1, 2, 4)}  # byte -> the 8 / w values it holds, first value in the low bits


def aligned_width(top: int) -> int:
    """Bits per dictionary code: rounded up to 1, 2, 4, 8, 16 so codes unpack by table lookup or
    as whole bytes (a little space for much faster decoding, which dict_matvec does per call)."""
    w = bit_width(top)
    return next(a for a in (0, 1, 2, 4, 8, 16, 32) if a >= w)


class _Reader:
    """Reads consecutive parts of a payload, with an error when it runs short."""

    def __init__(self, buf: bytes, at: int = HEADER_BYTES):
        self.buf, self.at = buf, at

    def take(self, n: int) -> bytes:
        if n < 0 or self.at + n > len(self.buf):
            raise CodecError("an encoded tile is truncated or corrupt")
        out = self.buf[self.at:self.at + n]
        self.at += n
        return out

    def struct(self, fmt: str) -> tuple:
        s = struct.Struct(fmt)
        return s.unpack(self.take(s.size))

    def values(self, count: int, dtype: str = "<f8") -> np.ndarray:
        size = np.dtype(dtype).itemsize
        return np.frombuffer(self.take(count * size), dtype=dtype, count=count)

    def done(self) -> None:
        if self.at != len(self.buf):
            raise CodecError(f"an encoded tile has {len(self.buf) - self.at} bytes after its payload")


# -- general-purpose codecs ---------------------------------------------------------------

def shuffle(x: np.ndarray) -> bytes:
    return np.ascontiguousarray(x, dtype="<f8").view(np.uint8).reshape(-1, 8).T.tobytes()


def unshuffle(buf: bytes, count: int) -> np.ndarray:
    if len(buf) != 8 * count:
        raise CodecError(f"an encoded tile decompressed to {len(buf)} bytes, expected {8 * count}")
    return np.frombuffer(buf, dtype=np.uint8).reshape(8, count).T.copy().view("<f8").ravel()


def _arrow(name: str):
    try:
        import pyarrow as pa
    except ImportError as exc:  # the server's Python has pyarrow (`make setup-server-python`)
        raise CodecError(f"codec {name} needs pyarrow, which this Python cannot import") from exc
    return pa, pa.Codec(name, compression_level=ZSTD_LEVEL if name == "zstd" else None)


def _compress(codec: str, raw: bytes) -> bytes:
    if codec == "zlib":
        return zlib.compress(raw, ZLIB_LEVEL)
    _, c = _arrow(codec)
    return c.compress(raw, asbytes=True)


def _decompress(codec: str, payload: bytes, size: int) -> bytes:
    try:
        if codec == "zlib":
            z = zlib.decompressobj()
            out = z.decompress(payload, size + 1)
            if not z.eof or z.unused_data or z.unconsumed_tail:
                raise CodecError(f"a zlib tile is corrupt: its stream is truncated or has {len(z.unused_data)} "
                                 "bytes after it")
        else:
            _, c = _arrow(codec)
            out = c.decompress(payload, decompressed_size=size, asbytes=True)
    except CodecError:
        raise
    except Exception as exc:  # zlib.error, pyarrow's ArrowIOError / OSError ...
        raise CodecError(f"a {codec} tile is corrupt: {exc}") from exc
    return out


# -- sparse codecs ------------------------------------------------------------------------

def _nonzero(x: np.ndarray):
    """Positions and values of entries whose bit pattern is not +0.0 (so -0.0 is kept)."""
    bits = np.ascontiguousarray(x, dtype="<f8").view(np.uint64)
    rows, cols = np.nonzero(bits)
    return rows, cols, np.ascontiguousarray(x[rows, cols], dtype="<f8")


def _encode_csr(x: np.ndarray) -> bytes:
    rows, cols, vals = _nonzero(x)
    counts = np.bincount(rows, minlength=x.shape[0]).astype(np.int64)
    deltas = np.diff(cols, prepend=0).astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])[counts > 0]
    deltas[starts] = cols[starts]
    wc, wd = bit_width(counts.max(initial=0)), bit_width(deltas.max(initial=0))
    return (struct.pack("<BBI", wc, wd, vals.size) + pack_uints(counts, wc) + pack_uints(deltas, wd)
            + vals.tobytes())


def _decode_csr(r: _Reader, nrows: int, ncols: int) -> np.ndarray:
    wc, wd, nnz = r.struct("<BBI")
    counts = unpack_uints(r.take((nrows * wc + 7) // 8), nrows, wc)
    deltas = unpack_uints(r.take((nnz * wd + 7) // 8), nnz, wd)
    vals = r.values(nnz)
    r.done()
    if counts.sum() != nnz:
        raise CodecError("a csr tile is corrupt: its row counts do not add up to its entries")
    rows = np.repeat(np.arange(nrows), counts)
    running = np.cumsum(deltas)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    before = np.zeros(nrows, dtype=np.int64)
    later = (starts > 0) & (counts > 0)
    before[later] = running[starts[later] - 1]
    cols = running - np.repeat(before, counts)
    return _scatter(rows, cols, vals, nrows, ncols, "csr")


def _encode_coo(x: np.ndarray) -> bytes:
    rows, cols, vals = _nonzero(x)
    flat = rows.astype(np.int64) * x.shape[1] + cols
    deltas = np.diff(flat, prepend=0)
    w = bit_width(deltas.max(initial=0))
    return struct.pack("<BI", w, vals.size) + pack_uints(deltas, w) + vals.tobytes()


def _decode_coo(r: _Reader, nrows: int, ncols: int) -> np.ndarray:
    w, nnz = r.struct("<BI")
    flat = np.cumsum(unpack_uints(r.take((nnz * w + 7) // 8), nnz, w))
    vals = r.values(nnz)
    r.done()
    return _scatter(flat // max(ncols, 1), flat % max(ncols, 1), vals, nrows, ncols, "coo")


def _scatter(rows, cols, vals, nrows, ncols, codec) -> np.ndarray:
    if rows.size and (rows.max() >= nrows or cols.min() < 0 or cols.max() >= ncols):
        raise CodecError(f"a {codec} tile is corrupt: an entry lies outside its {nrows} x {ncols} shape")
    out = np.zeros((nrows, ncols))
    out[rows, cols] = vals
    return out


# -- dictionary codec ---------------------------------------------------------------------

def _encode_dict(x: np.ndarray) -> bytes:
    bits = np.ascontiguousarray(x, dtype="<f8").view(np.uint64).ravel()
    values, codes = np.unique(bits, return_inverse=True)
    if values.size > DICT_MAX:
        raise CodecError(f"codec dict: the tile has {values.size} distinct values, more than {DICT_MAX}")
    w = aligned_width(values.size - 1)
    return struct.pack("<IB", values.size, w) + values.astype("<u8").tobytes() + pack_uints(codes.ravel(), w)


def _dict_parts(r: _Reader, nrows: int, ncols: int) -> tuple[np.ndarray, np.ndarray]:
    """The dictionary (float64) and the codes (nrows x ncols)."""
    k, w = r.struct("<IB")
    values = r.values(k)
    count = nrows * ncols
    codes = unpack_uints(r.take((count * w + 7) // 8), count, w)
    r.done()
    if count and (k == 0 or codes.max() >= k):
        raise CodecError("a dict tile is corrupt: a code lies outside its dictionary")
    return values, codes.reshape(nrows, ncols)


# -- lossy codecs -------------------------------------------------------------------------

def _error(x: np.ndarray, y: np.ndarray) -> float:
    """Largest |x - y| over entries, NaN where both are NaN counting as exact."""
    with np.errstate(invalid="ignore"):
        diff = np.abs(x - y)
    same = (x == y) | (np.isnan(x) & np.isnan(y))
    diff = np.where(same, 0.0, diff)
    return float(diff.max(initial=0.0))


def _finite_range(x: np.ndarray, y: np.ndarray, codec: str) -> None:
    if np.any(np.isfinite(x) & ~np.isfinite(y)):
        raise CodecError(f"codec {codec}: the tile has values beyond its range (|x| > {_LIMITS[codec]:.3g})")


_LIMITS = {"float32": float(np.finfo(np.float32).max), "bfloat16": 3.3895e38}


def _to_bfloat16(x: np.ndarray) -> np.ndarray:
    """The upper 16 bits of float32, rounded to nearest even (NaN stays a quiet NaN)."""
    with np.errstate(over="ignore", invalid="ignore"):
        u = x.astype(np.float32).view(np.uint32).astype(np.uint64)
    rounded = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    return np.where(np.isnan(x), np.uint16(0x7FC0), rounded).astype("<u2")


def _from_bfloat16(h: np.ndarray) -> np.ndarray:
    return (h.astype(np.uint32) << 16).view(np.float32).astype(np.float64)


def _encode_lossy(x: np.ndarray, codec: str) -> tuple[bytes, float]:
    if codec == "float32":
        with np.errstate(over="ignore"):
            payload = x.astype("<f4")
        back = payload.astype(np.float64)
        _finite_range(x, back, codec)
        return payload.tobytes(), _error(x, back)
    if codec == "bfloat16":
        payload = _to_bfloat16(x)
        back = _from_bfloat16(payload)
        _finite_range(x, back, codec)
        return payload.tobytes(), _error(x, back)
    if not np.all(np.isfinite(x)):
        raise CodecError("codec int8: the tile has NaN or infinite values, which int8 cannot hold",
                         )
    top = float(np.abs(x).max(initial=0.0))
    scale = top / 127.0 if top > 0 else 1.0
    while scale * 127.0 < top:  # rounded down (to 0 for a tile below 127 * 2**-1074): no value may clip
        scale = float(np.nextafter(scale, np.inf))
    q = np.clip(np.rint(x / scale), -127, 127).astype(np.int8)
    return struct.pack("<d", scale) + q.tobytes(), _error(x, q.astype(np.float64) * scale)


def _decode_lossy(r: _Reader, codec: str, nrows: int, ncols: int) -> np.ndarray:
    count = nrows * ncols
    if codec == "float32":
        out = r.values(count, "<f4").astype(np.float64)
    elif codec == "bfloat16":
        out = _from_bfloat16(r.values(count, "<u2"))
    else:
        (scale,) = r.struct("<d")
        out = r.values(count, "i1").astype(np.float64) * scale
    r.done()
    return out.reshape(nrows, ncols)


# -- the interface ------------------------------------------------------------------------

def _as_tile(x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise CodecError(f"a tile is a 2-d array; this one has {x.ndim} dimensions")
    if x.shape[0] >= 2**32 or x.shape[1] >= 2**32:
        raise CodecError("a tile has fewer than 2**32 rows and columns")
    return x


def encode(x, codec: str) -> bytes:
    """``x`` (2-d, float64) as an encoded tile (header + payload)."""
    x = _as_tile(x)
    if codec in ("zlib", "lz4", "zstd"):
        return _head(codec, x.shape, flags=SHUFFLED) + _compress(codec, shuffle(x))
    if codec == "csr":
        return _head(codec, x.shape) + _encode_csr(x)
    if codec == "coo":
        return _head(codec, x.shape) + _encode_coo(x)
    if codec == "dict":
        return _head(codec, x.shape) + _encode_dict(x)
    if codec in LOSSY:
        payload, err = _encode_lossy(x, codec)
        return _head(codec, x.shape, err) + payload
    raise CodecError(f"unknown codec {codec!r}")


def decode(data: bytes) -> np.ndarray:
    """An encoded tile back as a float64 array (its shape from the header)."""
    data = bytes(data)
    h = header(data)
    nrows, ncols = h.nrows, h.ncols
    if 8 * nrows * ncols > 2**34:
        raise CodecError(f"an encoded tile claims {nrows} x {ncols} values; the header is corrupt")
    r = _Reader(data)
    if h.codec in ("zlib", "lz4", "zstd"):
        raw = _decompress(h.codec, data[HEADER_BYTES:], 8 * nrows * ncols)
        return unshuffle(raw, nrows * ncols).reshape(nrows, ncols)
    if h.codec == "csr":
        return _decode_csr(r, nrows, ncols)
    if h.codec == "coo":
        return _decode_coo(r, nrows, ncols)
    if h.codec == "dict":
        values, codes = _dict_parts(r, nrows, ncols)
        return values[codes]
    return _decode_lossy(r, h.codec, nrows, ncols)


def dict_matvec(data: bytes, v: np.ndarray) -> np.ndarray:
    """``decode(data) @ v`` for a dict tile, from its codes: the values are never materialized.

    As compressed linear algebra does: row i's result is ``sum_k d[k] * s[i, k]`` where
    ``s[i, k]`` sums the ``v[j]`` whose code at ``(i, j)`` is ``k``. The sums ``s`` come from
    one ``bincount`` over the codes; the dictionary is applied once per row and distinct
    value, not once per entry. With more
    distinct values than columns those sums would be larger than the tile, so such a tile is
    multiplied through its gathered values instead.

    >>> x = np.array([[1.0, 0.0, 1.0], [2.0, 2.0, 0.0]])
    >>> dict_matvec(encode(x, "dict"), np.array([1.0, 2.0, 3.0])).tolist()
    [4.0, 6.0]
    """
    data = bytes(data)
    h = header(data)
    if h.codec != "dict":
        raise CodecError(f"dict_matvec needs a dict tile, not {h.codec}")
    values, codes = _dict_parts(_Reader(data), h.nrows, h.ncols)
    v = np.asarray(v, dtype=np.float64)
    if v.shape != (h.ncols,):
        raise CodecError(f"a dict tile of {h.ncols} columns and a vector of {v.size}")
    k = values.size
    if k == 0 or h.nrows == 0:
        return np.zeros(h.nrows)
    if k > h.ncols:  # the per-row sums would outgrow the tile itself: gather the values instead
        return values[codes] @ v
    vals = np.where(values != 0, values, 0.0)  # +0.0 and -0.0 contribute nothing
    # Rows in chunks of about 64K codes: the index arrays stay in cache and memory stays small.
    step = max(1, CHUNK_CODES // max(h.ncols, 1))
    base = (np.arange(step) * k)[:, None]
    out = np.empty(h.nrows)
    for r0 in range(0, h.nrows, step):
        part = codes[r0:r0 + step]
        flat = (part + base[:part.shape[0]]).ravel()
        weights = np.broadcast_to(v, part.shape).ravel()
        sums = np.bincount(flat, weights=weights, minlength=part.shape[0] * k).reshape(part.shape[0], k)
        out[r0:r0 + part.shape[0]] = sums @ vals
    return out


def dictionary_size(x: np.ndarray) -> int:
    """Distinct values of ``x`` by bit pattern (what the dict codec would store)."""
    return int(np.unique(np.ascontiguousarray(x, dtype="<f8").view(np.uint64)).size)


def smallest(x, candidates=LOSSLESS) -> tuple[str, bytes | None]:
    """The candidate codec giving the fewest bytes, or ``('raw', None)`` when none beats the
    raw float64 buffer. Codecs that cannot take the tile (dict beyond 65,536 values, or
    lz4/zstd without pyarrow) are skipped."""
    x = _as_tile(x)
    best, best_bytes = "raw", None
    nonzeros = int(np.count_nonzero(np.ascontiguousarray(x, dtype="<f8").view(np.uint64)))
    for codec in candidates:
        limit = 8 * x.size if best_bytes is None else len(best_bytes)
        if codec in SPARSE and HEADER_BYTES + 8 * nonzeros >= limit:
            continue  # its values alone would not be smaller
        try:
            data = encode(x, codec)
        except CodecError:
            continue
        if len(data) < limit:
            best, best_bytes = codec, data
    return best, best_bytes
