"""Tiles: a matrix cut into blocks of ``block x block`` values, one bytea per block.

A tile's ``data`` is the block's values as little-endian float64 in C order
(``layout = 'dense'``, ``codec = 'raw'``): ``np.frombuffer(data).reshape(nrows, ncols)``.
Tile ``(i, j)`` (0-based ``row_block``, ``col_block``) holds rows
``i*block .. i*block+nrows-1`` and columns ``j*block .. j*block+ncols-1``.

>>> m = np.arange(6.0).reshape(2, 3)
>>> tiles = list(split_tiles(m, 2))
>>> [(i, j, t.shape) for i, j, t in tiles]
[(0, 0, (2, 2)), (0, 1, (2, 1))]
>>> decode_tile(encode_tile(tiles[1][2]), 2, 1).tolist()
[[2.0], [5.0]]
"""

from __future__ import annotations

from typing import Iterator

import numpy as np


def split_tiles(m: np.ndarray, block: int) -> Iterator[tuple[int, int, np.ndarray]]:
    for i in range(0, m.shape[0], block):
        for j in range(0, m.shape[1], block):
            yield i // block, j // block, m[i : i + block, j : j + block]


def encode_tile(tile: np.ndarray) -> bytes:
    return np.ascontiguousarray(tile, dtype="<f8").tobytes()


def decode_tile(data: bytes, nrows: int, ncols: int) -> np.ndarray:
    if len(data) != 8 * nrows * ncols:
        raise ValueError(f"tile of {nrows} x {ncols} has {len(data)} bytes, expected {8 * nrows * ncols}")
    return np.frombuffer(data, dtype="<f8").reshape(nrows, ncols)


def encode_state(tile: np.ndarray) -> bytes:
    """An aggregate state: int64 ``[nrows, ncols]`` then the tile's float64 values."""
    return np.array(tile.shape, dtype="<i8").tobytes() + encode_tile(tile)


def decode_state(state: bytes) -> np.ndarray:
    """The tile of a state, a view of its bytes: the header must match the length exactly."""
    if len(state) < 16:
        raise ValueError(f"a tile state has at least 16 bytes; this one has {len(state)}")
    nrows, ncols = np.frombuffer(state, dtype="<i8", count=2).tolist()
    if nrows < 0 or ncols < 0 or 16 + 8 * nrows * ncols != len(state):
        raise ValueError(f"a tile state says {nrows} x {ncols} but holds {len(state) - 16} bytes of values")
    return np.frombuffer(state, dtype="<f8", offset=16).reshape(nrows, ncols)


def product_bytes(a_shape: tuple, b_shape: tuple) -> int:
    """Memory :func:`tile_mm_accumulate` needs for ``a @ b``: the product, the sum and its bytes.

    >>> product_bytes((40000, 1), (1, 40000))
    38400000000
    """
    return 3 * 8 * a_shape[0] * b_shape[1]


def tile_mm_accumulate(state: bytes | None, a: np.ndarray, b: np.ndarray) -> bytes:
    """``state + a @ b``: one partial product of a tiled matrix multiplication (the caller
    checks :func:`product_bytes` against its budget first)."""
    if a.shape[1] != b.shape[0]:
        raise ValueError(f"tile shapes {a.shape} and {b.shape} do not multiply")
    if state is not None:
        _same_shape(decode_state(state).shape, (a.shape[0], b.shape[1]))
    product = a @ b
    return encode_state(product if state is None else decode_state(state) + product)


def _same_shape(s: tuple, t: tuple) -> None:
    """Tiles are added only when their shapes are equal: numpy would broadcast a 1 x n and an
    m x 1 tile into an m x n one."""
    if s != t:
        raise ValueError(f"tiles of {s[0]} x {s[1]} and {t[0]} x {t[1]} cannot be added")


def tile_add_states(a: bytes | None, b: bytes | None) -> bytes | None:
    if a is None or b is None:
        return a if b is None else b
    left, right = decode_state(a), decode_state(b)
    _same_shape(left.shape, right.shape)
    return encode_state(left + right)


def tile_mv_accumulate(state: bytes | None, tile: np.ndarray, v: np.ndarray) -> bytes:
    """``state + tile @ v``: one tile's share of a tiled matrix-vector product (float64 bytes)."""
    if tile.shape[1] != v.shape[0]:
        raise ValueError(f"tile of {tile.shape[1]} columns and a vector segment of {v.shape[0]}")
    part = tile @ v
    if state is not None and len(state) != 8 * part.size:
        raise ValueError(f"a partial product of {len(state) // 8} values and a tile of {part.size} rows")
    return (part if state is None else np.frombuffer(state, dtype="<f8") + part).astype("<f8").tobytes()


def vector_add_bytes(a: bytes | None, b: bytes | None) -> bytes | None:
    if a is None or b is None:
        return a if b is None else b
    if len(a) != len(b):
        raise ValueError(f"partial products of {len(a) // 8} and {len(b) // 8} values cannot be added")
    return (np.frombuffer(a, dtype="<f8") + np.frombuffer(b, dtype="<f8")).tobytes()
