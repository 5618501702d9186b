"""The graph kernels in-process (no database): pagerank, hits, components, degrees and array
decoding, against networkx (tests/test_graph_data.py) on the karate club and on many seeded
random graphs: directed and undirected, weighted, disconnected, with dangling and isolated
vertices, a duplicate edge and (directed) a self-loop. networkx has no counterpart of MADlib
2.1's leaking PageRank or of the stopping rule, so those edge cases are checked by hand."""

from __future__ import annotations

import struct

import networkx as nx
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
from tests.test_graph_data import edge_rows, karate, nx_components, nx_hits, nx_pagerank, random_graph

EMPTY = np.array([], int)


@pytest.mark.parametrize("directed", [True, False])
@pytest.mark.parametrize("seed", range(8))
def test_pagerank_matches_networkx(seed, directed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(8, 65))
    g = random_graph(n, int(rng.integers(0, 4 * n)), seed, directed=directed, isolated=int(rng.integers(0, 4)))
    src, dst, w = edge_rows(g)
    damping = float(rng.uniform(0.05, 0.95))
    pers = set(rng.choice(n, size=3).tolist()) if seed % 2 else None
    p = None
    if pers:
        p = np.zeros(n)
        p[list(pers)] = 1
    for weighted in (False, True):
        x, it = pagerank(adjacency(n, src, dst, w if weighted else None), damping, 10_000, 1e-15, p, norm="max")
        np.testing.assert_allclose(x, nx_pagerank(g, damping, pers, weighted), rtol=1e-9, atol=1e-14)
        assert x.sum() == pytest.approx(1.0, abs=1e-12) and it < 10_000


@pytest.mark.parametrize("weighted", [False, True])
def test_pagerank_karate(weighted):
    g = karate()
    src, dst, w = edge_rows(g)
    x, _ = pagerank(adjacency(34, src, dst, w if weighted else None), 0.85, 10_000, 1e-15, norm="max")
    np.testing.assert_allclose(x, nx_pagerank(g, weighted=weighted), rtol=1e-9, atol=1e-14)


def test_pagerank_edge_cases():
    assert pagerank(adjacency(0, EMPTY, EMPTY))[0].size == 0
    x, _ = pagerank(adjacency(4, EMPTY, EMPTY), tol=1e-15)  # all dangling
    np.testing.assert_allclose(x, nx_pagerank(nx.empty_graph(4, create_using=nx.DiGraph)), rtol=1e-12)
    x, it = pagerank(adjacency(3, np.array([0, 1]), np.array([1, 2])), max_iter=5, tol=0.0)
    assert it == 5  # tol 0 runs every iteration
    # MADlib 2.1's variant (networkx has none): the dangling rank leaks away; on the path 0->1->2
    # the fixed point is x0 = (1-d)/n, x1 = x0 + d x0, x2 = x0 + d x1.
    x, _ = pagerank(adjacency(3, np.array([0, 1]), np.array([1, 2])), 0.85, 200, 1e-15, leak_dangling=True)
    base = 0.15 / 3
    np.testing.assert_allclose(x, [base, base + 0.85 * base, base + 0.85 * (base + 0.85 * base)], rtol=1e-12)
    assert x.sum() < 1


@pytest.mark.parametrize("seed", range(4))
def test_hits_matches_networkx(seed):
    n = 40
    g = random_graph(n, 200, seed, components=2, isolated=3)  # disconnected: one block dominates
    src, dst, _ = edge_rows(g)
    auth, hub, it = hits(adjacency(n, src, dst), 10_000, 1e-14)
    ref_auth, ref_hub = nx_hits(g)
    np.testing.assert_allclose(auth, ref_auth, atol=1e-9)
    np.testing.assert_allclose(hub, ref_hub, atol=1e-9)
    assert np.linalg.norm(auth) == pytest.approx(1) and it > 1
    assert hits(adjacency(0, EMPTY, EMPTY))[2] == 0


def test_hits_karate_undirected():
    g = karate()
    src, dst, _ = edge_rows(g)
    auth, hub, _ = hits(adjacency(34, src, dst), 10_000, 1e-14)
    ref_auth, ref_hub = nx_hits(g)
    np.testing.assert_allclose(auth, ref_auth, atol=1e-9)
    np.testing.assert_allclose(hub, ref_hub, atol=1e-9)


@pytest.mark.parametrize("directed", [True, False])
@pytest.mark.parametrize("seed", range(6))
def test_components_and_degrees(seed, directed):
    n = 100
    g = random_graph(n, 60 + 20 * seed, seed, directed=directed, components=4)
    src, dst, _ = edge_rows(g)
    ref = nx_components(g)
    assert wcc_labels(n, src, dst).tolist() == ref and len(set(ref)) > 5  # isolated vertices + blocks
    indeg, outdeg = degrees(n, src, dst)
    if directed:
        assert indeg.tolist() == [g.in_degree(v) for v in range(n)]
        assert outdeg.tolist() == [g.out_degree(v) for v in range(n)]
    else:  # both-ways rows: each undirected edge is one in- and one out-edge
        assert indeg.tolist() == outdeg.tolist() == [g.degree(v) for v in range(n)]
    assert wcc_labels(0, EMPTY, EMPTY).size == 0


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
