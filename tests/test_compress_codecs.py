"""Tile codecs in process (no database): exact round trips, stated errors, corrupt bytes.

lz4 and zstd need pyarrow, which the server's Python has and the test venv may not: they
are round-tripped here when pyarrow imports, and always through SQL in test_compress.py.
"""

from __future__ import annotations

import importlib.util
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from indb_ml.compress import codecs as C

HAVE_ARROW = importlib.util.find_spec("pyarrow") is not None
IN_PROCESS = [c for c in C.LOSSLESS if HAVE_ARROW or c not in ("lz4", "zstd")]


def bits(x: np.ndarray) -> np.ndarray:
    """Bit patterns: an exact round trip keeps NaN payloads and the sign of zero."""
    return np.ascontiguousarray(x, dtype="<f8").view(np.uint64)


shapes = hnp.array_shapes(min_dims=2, max_dims=2, min_side=0, max_side=12)
any_floats = hnp.arrays(np.float64, shapes, elements=st.floats(allow_nan=True, allow_infinity=True, width=64))
few_values = hnp.arrays(np.float64, shapes, elements=st.sampled_from([0.0, -0.0, 1.5, -2.25, 1e300, np.nan]))
mostly_zero = hnp.arrays(np.float64, shapes, elements=st.one_of(
    st.just(0.0), st.just(0.0), st.just(0.0), st.floats(allow_nan=True, allow_infinity=True)))


@pytest.mark.parametrize("codec", IN_PROCESS)
@settings(max_examples=150, deadline=None)
@given(x=st.one_of(any_floats, few_values, mostly_zero))
def test_lossless_codecs_round_trip_bit_exact(codec, x):
    data = C.encode(x, codec)
    h = C.header(data)
    assert (h.codec, h.nrows, h.ncols, h.max_error) == (codec, x.shape[0], x.shape[1], 0.0)
    y = C.decode(data)
    assert y.shape == x.shape and y.dtype == np.float64
    assert np.array_equal(bits(y), bits(x)), codec


@settings(max_examples=200, deadline=None)
@given(width=st.integers(0, 64), data=st.data())
def test_bit_packing_round_trips_at_every_width(width, data):
    top = 2**width - 1
    values = data.draw(st.lists(st.integers(0, top), max_size=50))
    packed = C.pack_uints(np.array(values, dtype=np.uint64), width)
    assert len(packed) == (len(values) * width + 7) // 8
    if width < 64:  # int64 holds the result below 2**63
        assert C.unpack_uints(packed, len(values), width).tolist() == values


finite = hnp.arrays(np.float64, shapes, elements=st.floats(-1e30, 1e30, allow_nan=False, width=64))


@settings(max_examples=150, deadline=None)
@given(x=finite)
def test_lossy_codecs_stay_within_their_stated_error(x):
    """Each codec's header states its true max error, and that error is within the codec's bound:
    float32 and bfloat16 round to nearest (half an ulp: 2^-24 and 2^-8 relative, plus float32's
    subnormal spacing), int8 to half its per-tile scale max|x| / 127 (plus the subnormal spacing
    where that scale is subnormal: a tile of 5e-324 has scale 5e-324, not 0)."""
    top = float(np.abs(x).max(initial=0.0))
    bounds = {"float32": lambda a: np.abs(a) * 2.0**-24 + 2.0**-150,
              "bfloat16": lambda a: np.abs(a) * 2.0**-8 + 2.0**-134,
              "int8": lambda a: np.full_like(a, top / 254 * (1 + 1e-12) + 2.0**-1074)}
    for codec, bound in bounds.items():
        data = C.encode(x, codec)
        y = C.decode(data)
        err = np.abs(y - x)
        assert C.header(data).max_error == float(err.max(initial=0.0)), codec
        assert np.all(err <= bound(x)), (codec, float(err.max(initial=0)))


def test_int8_keeps_subnormal_tiles():
    """top / 127 underflows to 0 below 127 * 2**-1074: the scale is rounded up instead, so the
    smallest subnormal survives and nothing clips (hypothesis found 5e-324 decoding to 0)."""
    for x in (np.array([[5e-324]]), np.array([[-5e-324, 0.0, 1e-322]]), np.array([[2.2e-308, -1e-310]])):
        y = C.decode(C.encode(x, "int8"))
        top = float(np.abs(x).max())
        assert np.all(np.abs(y - x) <= top / 254 * (1 + 1e-12) + 2.0**-1074), (x, y)
        assert np.sign(y[np.abs(x) == top]).tolist() == np.sign(x[np.abs(x) == top]).tolist()


def test_lossy_codecs_edge_values():
    x = np.array([[np.nan, np.inf, -np.inf, -0.0, 1.0]])
    for codec in ("float32", "bfloat16"):
        y = C.decode(C.encode(x, codec))
        assert np.isnan(y[0, 0]) and y[0, 1] == np.inf and y[0, 2] == -np.inf and y[0, 4] == 1.0
        assert C.header(C.encode(x, codec)).max_error == 0.0
    with pytest.raises(C.CodecError, match="int8 cannot hold"):
        C.encode(x, "int8")
    with pytest.raises(C.CodecError, match="beyond its range"):
        C.encode(np.array([[1e300]]), "float32")
    # bfloat16 rounds to nearest even: 1 + 2^-8 is a tie between 1 and 1 + 2^-7
    assert C.decode(C.encode(np.array([[1 + 2.0**-8, 1 + 3 * 2.0**-8]]), "bfloat16")).tolist() == [
        [1.0, 1 + 2 * 2.0**-7]]
    assert C.decode(C.encode(np.zeros((2, 2)), "int8")).tolist() == [[0.0, 0.0], [0.0, 0.0]]


@settings(max_examples=100, deadline=None)
@given(x=hnp.arrays(np.float64, shapes, elements=st.sampled_from([0.0, -0.0, 1.0, -3.5, 0.25, 7.0])),
       seed=st.integers(0, 2**32 - 1))
def test_dict_matvec_from_codes_equals_the_product(x, seed):
    v = np.random.default_rng(seed).normal(size=x.shape[1])
    got = C.dict_matvec(C.encode(x, "dict"), v)
    np.testing.assert_allclose(got, x @ v, rtol=1e-12, atol=1e-12)


def test_dict_matvec_on_a_large_low_cardinality_tile():
    rng = np.random.default_rng(3)
    x = rng.choice([0.0, 0.5, 2.0, -1.0, 9.5], size=(700, 900))
    v = rng.normal(size=900)
    np.testing.assert_allclose(C.dict_matvec(C.encode(x, "dict"), v), x @ v, rtol=1e-11, atol=1e-11)
    with pytest.raises(C.CodecError, match="needs a dict tile"):
        C.dict_matvec(C.encode(x, "zlib"), v)
    with pytest.raises(C.CodecError, match="a vector of 3"):
        C.dict_matvec(C.encode(x, "dict"), np.ones(3))


def test_sparse_codecs_store_only_the_nonzeros():
    rng = np.random.default_rng(1)
    x = np.where(rng.random((1000, 1000)) < 0.01, rng.normal(size=(1000, 1000)), 0.0)
    nnz = np.count_nonzero(x)
    for codec in ("csr", "coo"):
        data = C.encode(x, codec)
        # values plus at most 3 bytes of packed index per entry (and csr's 1000 row counts)
        assert len(data) < nnz * (8 + 3) + 1000 * 2 + 64, codec
        assert np.array_equal(C.decode(data), x)


def test_smallest_picks_the_codec_that_fits_the_data():
    rng = np.random.default_rng(2)
    sparse = np.where(rng.random((200, 200)) < 0.01, rng.normal(size=(200, 200)), 0.0)
    few = rng.choice([1.0, 2.0, 3.0], size=(200, 200))
    assert C.smallest(sparse)[0] in ("csr", "coo")
    assert C.smallest(few)[0] == "dict"
    # nothing beats 8 bytes per value of random noise in a tiny tile: stored raw
    assert C.smallest(rng.normal(size=(1, 2))) == ("raw", None)
    name, data = C.smallest(few, candidates=("zlib", "csr"))
    assert name == "zlib" and np.array_equal(C.decode(data), few)


def test_dict_refuses_too_many_distinct_values():
    with pytest.raises(C.CodecError, match="65536"):
        C.encode(np.arange(70000.0).reshape(700, 100), "dict")


def test_unknown_codec_and_bad_shapes():
    with pytest.raises(C.CodecError, match="unknown codec 'snappy'"):
        C.encode(np.eye(2), "snappy")
    with pytest.raises(C.CodecError, match="2-d"):
        C.encode(np.ones(3), "zlib")


@pytest.mark.parametrize("codec", IN_PROCESS + list(C.LOSSY))
def test_corrupt_bytes_are_a_clear_error(codec):
    x = np.random.default_rng(4).choice([0.0, 1.0, 2.5], size=(6, 7))
    data = C.encode(x, codec)
    with pytest.raises(C.CodecError, match="header|truncated|corrupt"):
        C.decode(data[:10])  # no whole header
    with pytest.raises(C.CodecError, match="IMZ1"):
        C.decode(b"XXXX" + data[4:])
    with pytest.raises(C.CodecError, match="codec id 200"):
        C.decode(data[:4] + bytes([200]) + data[5:])
    with pytest.raises(C.CodecError, match="truncated|corrupt|expected"):
        C.decode(data[:-1])  # one byte short
    with pytest.raises(C.CodecError, match="after its payload|corrupt|expected"):
        C.decode(data + b"\0")
    big = data[:8] + struct.pack("<II", 1 << 20, 1 << 20) + data[16:]
    with pytest.raises(C.CodecError, match="corrupt|truncated|expected"):
        C.decode(big)


def test_corrupt_indices_are_caught():
    x = np.zeros((4, 4))
    x[3, 3] = 5.0
    data = bytearray(C.encode(x, "coo"))
    # coo payload: width u8, nnz u32, packed deltas: push the flat position past the tile
    data[C.HEADER_BYTES] = 8
    data = bytes(data[:C.HEADER_BYTES + 5]) + bytes([250]) + bytes(data[-8:])
    with pytest.raises(C.CodecError, match="outside"):
        C.decode(data)
    d = bytearray(C.encode(np.array([[1.0, 2.0]]), "dict"))
    d[-1] = 0xFF  # a code beyond a 2-entry dictionary? width is 1 bit, so make the dictionary 1 entry
    d[C.HEADER_BYTES:C.HEADER_BYTES + 4] = struct.pack("<I", 1)
    with pytest.raises(C.CodecError):
        C.decode(bytes(d))


def test_doctests():
    import doctest

    from indb_ml.compress import entry, tiles

    for module in (C, tiles, entry):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__


@settings(max_examples=80, deadline=None)
@given(x=st.one_of(any_floats, few_values, mostly_zero))
def test_smallest_is_the_smallest_lossless_encoding(x):
    sizes = {}
    for codec in C.LOSSLESS:
        try:
            sizes[codec] = len(C.encode(x, codec))
        except C.CodecError:  # dict beyond its limit, lz4/zstd without pyarrow
            pass
    name, data = C.smallest(x)
    best = min(sizes.values(), default=8 * x.size)
    if name == "raw":
        assert data is None and best >= 8 * x.size
    else:
        assert len(data) == best < 8 * x.size and sizes[name] == best
        assert np.array_equal(bits(C.decode(data)), bits(x))
