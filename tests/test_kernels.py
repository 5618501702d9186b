"""Pure kernels, in-process: doctests, and merge/accumulate identities against numpy."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import indb_ml.kernels.arraybytes
import indb_ml.kernels.comoment
import indb_ml.kernels.linregr
import indb_ml.sqlexpr
from indb_ml.kernels.comoment import (
    comoment_accumulate,
    comoment_add_row,
    comoment_from_bytes,
    comoment_merge,
    comoment_to_bytes,
)


@pytest.mark.parametrize("module", [indb_ml.kernels.arraybytes, indb_ml.kernels.comoment,
                                    indb_ml.kernels.linregr, indb_ml.sqlexpr])
def test_doctests(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


def test_blocks_rows_and_merges_agree():
    z = np.random.default_rng(0).normal(size=(1000, 5)) * 100 + 1e6  # large mean: cancellation-prone
    whole = comoment_accumulate(None, z)
    merged = None
    for part in np.array_split(z, 7):
        merged = comoment_merge(merged, comoment_accumulate(None, part))
    by_row = None
    for row in z:
        by_row = comoment_add_row(by_row, row)
    centred = z - z.mean(axis=0)
    expected = centred.T @ centred
    for state in (whole, merged, by_row):
        assert state.n == 1000
        np.testing.assert_allclose(state.mean, z.mean(axis=0), rtol=1e-14)
        np.testing.assert_allclose(state.comoment, expected, rtol=1e-9)


def test_serialization_round_trip():
    state = comoment_accumulate(None, np.arange(12.0).reshape(4, 3))
    back, skipped = comoment_from_bytes(comoment_to_bytes(state, skipped=3))
    assert skipped == 3 and back.n == 4
    np.testing.assert_array_equal(back.comoment, state.comoment)
    assert comoment_from_bytes(comoment_to_bytes(None, 2)) == (None, 2)
