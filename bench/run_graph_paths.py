"""Benchmark graph_sssp and graph_bfs (both plans) against scipy in the client, in one run.

    .venv/bin/python bench/run_graph_paths.py [--dsn DSN] [--vertices 100000] [--edges 1000000] [--repeat 3]
                                             [--no-relational] [--no-paths] [--no-measures]

The graph is seeded: sources uniform, destinations Zipf-distributed (in-degree ~ 1/rank, so a
few vertices have huge in-degree, like web links), weights uniform in [1, 10); it is created once
as bench_graph_<V>_<E>_v / _e. Times, best of --repeat, each call its own transaction with
its commit: the scan floor (``SELECT sum(weight)`` over the edges); the edge load alone (one
``load_graphs`` call in a DO block: the validated one-scan load into numpy); graph_sssp and
graph_bfs in memory; the same with ``indb_ml.graph_plan = 'relational'`` (one run); and in
the client: exporting the edges (binary COPY parsed by numpy) plus scipy.sparse.csgraph
(Dijkstra, unweighted BFS levels) on the same data, and networkx when it is installed.
Answers are compared (distances to 1e-9, BFS levels exactly).

Measures (unless --no-measures): graph_kcore in memory and relational, graph_triangle_count
relational (its in-memory product A @ A would need sum(deg^2) = 6.6e9 entries on this graph,
so auto picks the relational plan too, which is timed as well), against the client: scipy
triangles on the degree-oriented adjacency U (``(U @ U) .* U`` and ``(U.T @ U) .* U``, every
triangle once) and networkx ``core_number``; answers compared exactly. Prints a table and writes
bench/results/graph_paths-<timestamp>.json. No timed assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import psycopg
import scipy.sparse as sp
from scipy.sparse import csgraph

RESULTS_DIR = Path(__file__).resolve().parent / "results"
SOURCE = 0


def best(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def ensure_graph(conn, n: int, m: int, seed: int = 2026) -> str:
    name = f"bench_graph_{n}_{m}_zipf1"
    if conn.execute("SELECT to_regclass(%s) IS NOT NULL", [name + "_e"]).fetchone()[0]:
        return name
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n, size=m)
    p = 1.0 / np.arange(1, n + 1)  # Zipf (s = 1) over the n vertices in a random order: in-degree ~ 1 / rank
    dst = rng.permutation(n)[rng.choice(n, size=m, p=p / p.sum())]
    w = rng.uniform(1.0, 10.0, size=m)
    with conn.transaction():
        conn.execute(f"CREATE TABLE {name}_v (id bigint)")
        conn.execute(f"INSERT INTO {name}_v SELECT generate_series(0, {n - 1})")
        conn.execute(f"CREATE TABLE {name}_e (src bigint, dest bigint, weight float8)")
        with conn.cursor().copy(f"COPY {name}_e FROM STDIN") as copy:
            for i in range(0, m, 100_000):
                copy.write("".join(f"{a}\t{b}\t{c!r}\n" for a, b, c in zip(src[i:i + 100_000].tolist(),
                                                                          dst[i:i + 100_000].tolist(),
                                                                          w[i:i + 100_000].tolist())))
    conn.execute(f"VACUUM ANALYZE {name}_v")
    conn.execute(f"VACUUM ANALYZE {name}_e")
    return name


def export(conn, table: str):
    """src, dst, weight by binary COPY parsed with a numpy structured dtype."""
    dtype = np.dtype([("n", ">i2"), ("l0", ">i4"), ("s", ">i8"), ("l1", ">i4"), ("d", ">i8"), ("l2", ">i4"),
                      ("w", ">f8")])
    chunks = []
    with conn.cursor().copy(f"COPY (SELECT src, dest, weight FROM {table}) TO STDOUT (FORMAT binary)") as copy:
        for data in copy:
            chunks.append(bytes(data))
    rows = np.frombuffer(b"".join(chunks)[19:-2], dtype=dtype)
    return rows["s"].astype(np.int64), rows["d"].astype(np.int64), rows["w"].astype(np.float64)


def call(conn, sql: str, drop: str, plan: str = "memory"):
    def run():
        conn.execute(f"DROP TABLE IF EXISTS {drop}, {drop}_summary")
        with conn.transaction():
            conn.execute("SELECT set_config('indb_ml.graph_plan', %s, true)", [plan])
            conn.execute(sql)
    return run


def fetch(conn, sql: str) -> np.ndarray:
    return np.array([r[0] if r[0] is not None else -1 for r in conn.execute(sql).fetchall()], dtype=np.float64)


def by_id(conn, sql: str, n: int, missing: float) -> np.ndarray:
    """``sql`` gives (id, value) for the reached vertices only (MADlib's output): a value per vertex."""
    out = np.full(n, missing)
    rows = conn.execute(sql).fetchall()
    out[[r[0] for r in rows]] = [r[1] for r in rows]
    return out


def client_triangles(n: int, s: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Triangles per vertex of the simple undirected graph, in scipy: edges oriented from the
    lower (degree, id) rank to the higher, so each triangle (i < j < k in rank) appears once as
    (U @ U)[i, k] .* U[i, k]; i and k collect it from that product's rows and columns, j from
    (U.T @ U) .* U. Independent of the server's kernel (which forms A @ A)."""
    keep = s != d
    a, b = np.minimum(s[keep], d[keep]), np.maximum(s[keep], d[keep])
    key = np.unique(a * n + b)
    a, b = key // n, key % n
    deg = np.bincount(a, minlength=n) + np.bincount(b, minlength=n)
    rank = np.empty(n, dtype=np.int64)
    rank[np.lexsort((np.arange(n), deg))] = np.arange(n)
    lo = np.where(rank[a] < rank[b], a, b)
    hi = np.where(rank[a] < rank[b], b, a)
    u = sp.csr_matrix((np.ones(len(lo)), (lo, hi)), shape=(n, n))
    c1 = (u @ u).multiply(u)
    c2 = (u.T @ u).multiply(u)
    return (np.asarray(c1.sum(axis=1)).ravel() + np.asarray(c1.sum(axis=0)).ravel()
            + np.asarray(c2.sum(axis=1)).ravel()).astype(np.int64)


def measures(conn, v: str, e: str, n: int, rep: int, res: dict) -> None:
    """graph_kcore and graph_triangle_count in the server, both plans, against the client."""
    kc = f"SELECT indb_ml.graph_kcore('{v}', 'id', '{e}', NULL, 'bench_kc')"
    tri = f"SELECT indb_ml.graph_triangle_count('{v}', 'id', '{e}', NULL, 'bench_tri')"
    res["kcore_memory_s"], _ = best(call(conn, kc, "bench_kc"), rep)
    res["kcore_relational_s"], _ = best(call(conn, kc.replace("bench_kc", "bench_kc_r"), "bench_kc_r",
                                             "relational"), 1)
    res["triangles_relational_s"], _ = best(call(conn, tri.replace("bench_tri", "bench_tri_r"), "bench_tri_r",
                                                 "relational"), 1)
    res["triangles_auto_s"], _ = best(call(conn, tri, "bench_tri", "auto"), 1)
    res["triangles_auto_plan"] = conn.execute("SELECT plan FROM bench_tri_summary").fetchone()[0]
    ours_core = fetch(conn, "SELECT core_number FROM bench_kc ORDER BY id")
    rel_core = fetch(conn, "SELECT core_number FROM bench_kc_r ORDER BY id")
    ours_tri = fetch(conn, "SELECT triangles FROM bench_tri_r ORDER BY id")
    auto_tri = fetch(conn, "SELECT triangles FROM bench_tri ORDER BY id")
    res["num_triangles"], res["max_core"] = int(ours_tri.sum() // 3), int(ours_core.max())
    s, d, _ = export(conn, e)
    res["client_triangles_scipy_s"], ref_tri = best(lambda: client_triangles(n, s, d), rep)
    res["triangles_match_client"] = bool(np.array_equal(ref_tri, ours_tri) and np.array_equal(auto_tri, ours_tri))
    res["kcore_relational_matches_memory"] = bool(np.array_equal(rel_core, ours_core))
    try:
        import networkx as nx

        g = nx.Graph()
        g.add_nodes_from(range(n))
        g.add_edges_from((a, b) for a, b in zip(s.tolist(), d.tolist()) if a != b)
        res["networkx_core_number_s"], ref = best(lambda: nx.core_number(g), 1)
        res["kcore_matches_networkx"] = bool(np.array_equal(np.array([ref[i] for i in range(n)]), ours_core))
    except ImportError:
        res["networkx_core_number_s"] = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn")
    parser.add_argument("--vertices", type=int, default=100_000)
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-relational", action="store_true")
    parser.add_argument("--no-paths", action="store_true")
    parser.add_argument("--no-measures", action="store_true")
    opts = parser.parse_args()
    server = None
    dsn = opts.dsn
    if dsn is None:
        from indb_ml.cli.server import EmbeddedServer

        server = EmbeddedServer(Path(os.environ.get("INDB_ML_BENCH_DATA", "/var/lib/indb_ml/bench")))
        if server.status()["running"]:
            server = None  # someone else's: leave it running
            dsn = EmbeddedServer(Path(os.environ.get("INDB_ML_BENCH_DATA", "/var/lib/indb_ml/bench"))).start()
        else:
            dsn = server.start()
    started = datetime.now(timezone.utc)
    n, m, rep = opts.vertices, opts.edges, opts.repeat
    res: dict = {"vertices": n, "edges": m, "repeat": rep, "source": SOURCE}
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            name = ensure_graph(conn, n, m)
            v, e = name + "_v", name + "_e"
            res["scan_floor_s"], _ = best(lambda: conn.execute(f"SELECT sum(weight) FROM {e}").fetchone(), rep)
            load_sql = ("DO $$\nfrom indb_ml.graph.edges import load_graphs\n"
                        "from indb_ml.core.session import Session\n"
                        f"load_graphs(Session(plpy), '{v}', 'id', '{e}', None, None, True)\n$$ LANGUAGE plpython3u")
            res["edge_load_s"], _ = best(lambda: conn.execute(load_sql), rep)
            if not opts.no_measures:
                measures(conn, v, e, n, rep, res)
            if not opts.no_paths:
                sssp = f"SELECT indb_ml.graph_sssp('{v}', 'id', '{e}', NULL, {SOURCE}, 'bench_sssp')"
                bfs = f"SELECT indb_ml.graph_bfs('{v}', 'id', '{e}', NULL, {SOURCE}, 'bench_bfs', NULL, true)"
                bfs_u = f"SELECT indb_ml.graph_bfs('{v}', 'id', '{e}', NULL, {SOURCE}, 'bench_bfsu')"
                res["sssp_memory_s"], _ = best(call(conn, sssp, "bench_sssp"), rep)
                res["bfs_directed_memory_s"], _ = best(call(conn, bfs, "bench_bfs"), rep)
                res["bfs_undirected_memory_s"], _ = best(call(conn, bfs_u, "bench_bfsu"), rep)
                ours_d = by_id(conn, "SELECT id, weight FROM bench_sssp", n, np.inf)
                ours_l = by_id(conn, "SELECT id, dist FROM bench_bfs", n, -1)
                ours_lu = by_id(conn, "SELECT id, dist FROM bench_bfsu", n, -1)
                if not opts.no_relational:
                    res["sssp_relational_s"], _ = best(call(conn, sssp.replace("bench_sssp", "bench_sssp_r"),
                                                            "bench_sssp_r", "relational"), 1)
                    res["bfs_directed_relational_s"], _ = best(call(conn, bfs.replace("bench_bfs", "bench_bfs_r"),
                                                                    "bench_bfs_r", "relational"), 1)
                    rel_d = by_id(conn, "SELECT id, weight FROM bench_sssp_r", n, np.inf)
                    rel_l = by_id(conn, "SELECT id, dist FROM bench_bfs_r", n, -1)
                    res["relational_matches_memory"] = bool(np.allclose(rel_d, ours_d, atol=1e-9, rtol=0)
                                                            and np.array_equal(rel_l, ours_l))
                res["client_export_s"], (s, d, w) = best(lambda: export(conn, e), 1)
                t0 = time.perf_counter()
                order = np.lexsort((w, s * n + d))  # duplicate edges: keep the lightest, as ours does
                k = s[order] * n + d[order]
                first = np.r_[True, k[1:] != k[:-1]]
                a = sp.csr_matrix((w[order][first], (s[order][first], d[order][first])), shape=(n, n))
                res["client_csr_build_s"] = time.perf_counter() - t0
                res["scipy_dijkstra_s"], ref_d = best(lambda: csgraph.dijkstra(a, indices=SOURCE), rep)
                res["scipy_bfs_directed_s"], ref_l = best(
                    lambda: csgraph.shortest_path(a, indices=SOURCE, unweighted=True), rep)
                res["scipy_bfs_undirected_s"], ref_lu = best(
                    lambda: csgraph.shortest_path(a, directed=False, indices=SOURCE, unweighted=True), rep)
                res["sssp_matches_scipy"] = bool(np.allclose(np.where(np.isinf(ref_d), np.inf, ref_d), ours_d,
                                                             atol=1e-9, rtol=0))
                res["bfs_matches_scipy"] = bool(np.array_equal(np.where(np.isinf(ref_l), -1, ref_l), ours_l)
                                                and np.array_equal(np.where(np.isinf(ref_lu), -1, ref_lu), ours_lu))
                res["reached_sssp"] = int(np.isfinite(ours_d).sum())
                res["reached_bfs_undirected"] = int((ours_lu >= 0).sum())
                try:
                    import networkx as nx

                    g = nx.DiGraph()
                    g.add_weighted_edges_from(zip(s.tolist(), d.tolist(), w.tolist()))
                    res["networkx_dijkstra_s"], _ = best(lambda: nx.single_source_dijkstra_path_length(g, SOURCE), 1)
                except ImportError:
                    res["networkx_dijkstra_s"] = None
    finally:
        if server is not None:
            server.stop()
    for key, val in res.items():
        shown = f"{val:.3f}" if isinstance(val, float) else str(val)
        ratio = f"   ({val / res['scan_floor_s']:.1f}x floor)" if key.endswith("_s") and isinstance(val, float) \
            and key != "scan_floor_s" else ""
        print(f"{key:28} {shown}{ratio}")
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"graph_paths-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps({"started": started.isoformat(), "results": res}, indent=2) + "\n")
    print(f"results: {path}")


if __name__ == "__main__":
    main()
