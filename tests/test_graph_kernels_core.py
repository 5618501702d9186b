"""The graph kernels in-process (no database): pagerank, hits, components, degrees, array decoding,
against the independent oracles of tests/test_graph_data.py, on many seeded graphs and edge cases."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from indb_ml.kernels.graph import (
    FLOAT8_OID,
    INT4_OID,
    INT8_OID,
    adjacency,
    array_from_body,
    degrees,
    hits,
    pagerank,
    wcc_labels,
)
from tests.test_graph_data import components_py, hits_eig, pagerank_solve, random_graph


@pytest.mark.parametrize("seed", range(8))
def test_pagerank_matches_solve(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 60))
    src, dst, w = random_graph(n + 5, int(rng.integers(0, 4 * n)), seed)
    damping = float(rng.uniform(0.05, 0.95))
    pers = set(rng.choice(n + 5, size=3).tolist()) if seed % 2 else None
    p = None
    if pers:
        p = np.zeros(n + 5)
        p[list(pers)] = 1
    for weight in (None, w):
        x, it = pagerank(adjacency(n + 5, src, dst, weight), damping, 10_000, 1e-15, p, norm="max")
        np.testing.assert_allclose(x, pagerank_solve(n + 5, src, dst, weight, damping, pers), rtol=1e-9, atol=1e-14)
        assert x.sum() == pytest.approx(1.0, abs=1e-12) and it < 10_000


def test_pagerank_edge_cases():
    assert pagerank(adjacency(0, np.array([], int), np.array([], int)))[0].size == 0
    x, _ = pagerank(adjacency(4, np.array([], int), np.array([], int)), tol=1e-15)  # all dangling: uniform
    np.testing.assert_allclose(x, 0.25)
    x, it = pagerank(adjacency(3, np.array([0, 1]), np.array([1, 2])), max_iter=5, tol=0.0)
    assert it == 5  # tol 0 runs every iteration
    x, _ = pagerank(adjacency(3, np.array([0, 1]), np.array([1, 2])), 0.85, 200, 1e-15, leak_dangling=True)
    np.testing.assert_allclose(x, pagerank_solve(3, np.array([0, 1]), np.array([1, 2]), leak=True), rtol=1e-12)
    assert x.sum() < 1


@pytest.mark.parametrize("seed", range(4))
def test_hits_matches_eigenvectors(seed):
    n = 40
    src, dst, _ = random_graph(n, 200, seed, isolated=0)
    src, dst = np.concatenate([src, np.arange(n)]), np.concatenate([dst, (np.arange(n) + 1) % n])
    auth, hub, it = hits(adjacency(n, src, dst), 10_000, 1e-14)
    ref_auth, ref_hub = hits_eig(n, src, dst)
    np.testing.assert_allclose(auth, ref_auth, atol=1e-9)
    np.testing.assert_allclose(hub, ref_hub, atol=1e-9)
    assert np.linalg.norm(auth) == pytest.approx(1) and it > 1
    assert hits(adjacency(0, np.array([], int), np.array([], int)))[2] == 0


@pytest.mark.parametrize("seed", range(6))
def test_components_and_degrees(seed):
    n = 100
    src, dst, _ = random_graph(n, 60 + 20 * seed, seed)
    assert wcc_labels(n, src, dst).tolist() == components_py(n, src, dst)
    indeg, outdeg = degrees(n, src, dst)
    assert indeg.tolist() == [int((dst == v).sum()) for v in range(n)]
    assert outdeg.tolist() == [int((src == v).sum()) for v in range(n)]
    assert wcc_labels(0, np.array([], int), np.array([], int)).size == 0


def _body(oid: int, fmt: str, values, ndim: int = 1, nulls: bool = False) -> bytes:
    header = struct.pack("<iiI", ndim, 28 if nulls else 0, oid) + (struct.pack("<ii", len(values), 1) if ndim else b"")
    pad = b"\0" * (((4 + len(header) + 7) // 8) * 8 - 4 - len(header))
    return header + pad + struct.pack("<" + fmt * len(values), *values)


def test_array_from_body():
    assert array_from_body(_body(INT8_OID, "q", [1, -2, 2**40]), INT8_OID).tolist() == [1, -2, 2**40]
    assert array_from_body(_body(INT4_OID, "i", [7, 8, 9]), INT4_OID).tolist() == [7, 8, 9]
    assert array_from_body(_body(FLOAT8_OID, "d", [0.5]), FLOAT8_OID).tolist() == [0.5]
    assert array_from_body(None, INT8_OID).size == 0
    assert array_from_body(_body(INT8_OID, "q", [], ndim=0), INT8_OID).size == 0
    with pytest.raises(ValueError, match="type oid 20"):
        array_from_body(_body(INT4_OID, "i", [1]), INT8_OID)
    with pytest.raises(ValueError, match="NULL"):
        array_from_body(_body(INT8_OID, "q", [1], nulls=True), INT8_OID)
