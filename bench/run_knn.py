"""Benchmark indb_ml.knn: query time without an index (exact) and with HNSW / IVFFlat indexes, with recall.

    .venv/bin/python bench/run_knn.py [--dsn DSN] [--points 20000] [--dim 32] [--queries 1000] [--k 10]
                                      [--repeat 3]

A seeded table bench_knn_<points>x<dim> (id, v vector(dim), label) of uniform random points in
[0, 1]^dim (float4-exact) and a query table bench_knn_q_<queries>x<dim>, created when missing.
One run times, best of --repeat, each knn call in its own transaction (output tables dropped
between calls):

- exact search, ``algorithm => 'brute_force'`` (LATERAL ... ORDER BY v <-> q, id LIMIT k: a
  sequential scan and a top-k sort per query point), which is also the recall reference;
- numpy brute force on the same arrays in the client (the in-memory floor, data already loaded);
- building an HNSW index (pgvector's defaults m=16, ef_construction=64), then ``'auto'``
  with ef_search 40 (pgvector's default), 100 (knn's default) and 200: time and recall@k;
- building an IVFFlat index (lists = points/1000, knn's default), then probes sqrt(lists)
  (knn's default) and lists/2: time and recall@k.

Recall@k = |approximate ∩ exact| / k averaged over the query points. Results, plus machine info,
go to bench/results/knn-<UTC time>.json (git-ignored). It measures and does not assert.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import psycopg


def ensure_tables(conn, n: int, d: int, m: int) -> tuple[str, str, np.ndarray, np.ndarray]:
    pts, qs = f"bench_knn_{n}x{d}", f"bench_knn_q_{m}x{d}"
    # separate streams, so the query table (named by m and d only) does not depend on n
    X = np.random.default_rng(20261126).uniform(size=(n, d)).astype(np.float32)
    Q = np.random.default_rng(20261127).uniform(size=(m, d)).astype(np.float32)
    for name, A, labels in ((pts, X, True), (qs, Q, False)):
        if conn.execute("SELECT to_regclass(%s) IS NOT NULL", [name]).fetchone()[0]:
            continue
        conn.execute(f"CREATE TABLE {name} (id integer PRIMARY KEY, v vector({d})"
                     + (", label integer)" if labels else ")"))
        with conn.cursor().copy(f"COPY {name} FROM STDIN") as copy:
            for i, x in enumerate(A):
                row = [i + 1, "[" + ",".join(repr(float(e)) for e in x) + "]"]
                copy.write_row(row + [i % 5] if labels else row)
        conn.execute(f"VACUUM ANALYZE {name}")
    return pts, qs, X.astype(np.float64), Q.astype(np.float64)


def drop_vector_indexes(conn, table: str) -> None:
    for (name,) in conn.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s AND "
                                "(indexdef LIKE '%%USING hnsw%%' OR indexdef LIKE '%%USING ivfflat%%')",
                                [table]).fetchall():
        conn.execute(f'DROP INDEX "{name}"')


def run_knn(conn, pts: str, qs: str, k: int, algorithm: str, params: str | None) -> tuple[float, dict, str]:
    conn.execute("DROP TABLE IF EXISTS bench_knn_out")
    messages = []
    conn.add_notice_handler(lambda diag: messages.append(diag.message_primary or ""))
    conn.execute("SET client_min_messages = debug2")  # knn says how it searched (as MADlib, no summary table)
    t0 = time.perf_counter()
    with conn.transaction():
        conn.execute("SELECT indb_ml.knn(%s, 'v', 'id', 'label', %s, 'v', 'id', 'bench_knn_out', %s, true, "
                     "'dist_norm2', false, %s, %s)", [pts, qs, k, algorithm, params])
    elapsed = time.perf_counter() - t0
    conn.execute("RESET client_min_messages")
    got = dict(conn.execute("SELECT id, k_nearest_neighbours FROM bench_knn_out").fetchall())
    search = [m for m in messages if m.startswith("knn: ")][-1].split()[1]
    return elapsed, got, search


def line(label: str, seconds: float, extra: str = "") -> None:
    print(f"{label:<50s}{seconds:8.3f} s  {extra}")


def best(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        t, *out = fn()
        times.append(t)
    return min(times), out


def recall(got: dict, exact: dict, k: int) -> float:
    return float(np.mean([len(set(got[i]) & set(exact[i])) / k for i in exact]))


def numpy_exact(X: np.ndarray, Q: np.ndarray, k: int) -> tuple[float, np.ndarray]:
    t0 = time.perf_counter()
    out = []
    sq = (X ** 2).sum(1)
    for s in range(0, len(Q), 256):  # blocks of queries: |q|^2 - 2 q.x + |x|^2 with BLAS
        q = Q[s:s + 256]
        D = sq[None, :] - 2 * q @ X.T
        part = np.argpartition(D, k - 1, axis=1)[:, :k]
        order = np.take_along_axis(D, part, 1).argsort(1)
        out.append(np.take_along_axis(part, order, 1))
    return time.perf_counter() - t0, np.vstack(out) + 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dsn")
    parser.add_argument("--points", type=int, default=20_000)
    parser.add_argument("--dim", type=int, default=32)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    opts = parser.parse_args()
    dsn = opts.dsn
    if dsn is None:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from indb_ml.cli.server import EmbeddedServer

        dsn = EmbeddedServer(Path(os.environ.get("INDB_ML_BENCH_DATA", "/var/lib/indb_ml/bench"))).start()
    n, d, m, k, r = opts.points, opts.dim, opts.queries, opts.k, opts.repeat
    rows = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        pts, qs, X, Q = ensure_tables(conn, n, d, m)
        drop_vector_indexes(conn, pts)
        t_np, (ref,) = best(lambda: numpy_exact(X, Q, k), r)
        t_exact, (exact, search) = best(lambda: run_knn(conn, pts, qs, k, "brute_force", None), r)
        ref_recall = float(np.mean([len(set(exact[i + 1]) & set(ref[i].tolist())) / k for i in range(m)]))
        rows.append(("exact (brute_force, no index)", t_exact, 1.0, search, None))
        print(f"knn: {n} points x {d} dims (uniform), {m} queries, k={k}, dist_norm2; best of {r}")
        line("numpy brute force in the client (data loaded)", t_np)
        line("exact, algorithm='brute_force' (no index)", t_exact,
             f"({search}; agreement with numpy {ref_recall:.4f})")

        t0 = time.perf_counter()
        conn.execute(f"CREATE INDEX ON {pts} USING hnsw (v vector_l2_ops)")
        build = time.perf_counter() - t0
        line("build HNSW index (m=16, ef_construction=64)", build)
        for ef in (40, 100, 200):
            t, (got, search) = best(lambda ef=ef: run_knn(conn, pts, qs, k, "auto", f"ef_search={ef}"), r)
            rec = recall(got, exact, k)
            rows.append((f"hnsw ef_search={ef}", t, rec, search, build))
            line(f"auto, HNSW ef_search={ef}", t, f"({search}) recall@{k} {rec:.4f}, {t_exact / t:5.1f}x faster")
        t, (got, search) = best(lambda: run_knn(conn, pts, qs, k, "brute_force", None), r)
        rows.append(("exact (brute_force, HNSW index present)", t, recall(got, exact, k), search, None))
        line("exact, algorithm='brute_force' (index present)", t, f"({search})")
        drop_vector_indexes(conn, pts)

        lists = max(1, n // 1000)
        t0 = time.perf_counter()
        conn.execute(f"CREATE INDEX ON {pts} USING ivfflat (v vector_l2_ops) WITH (lists = {lists})")
        build = time.perf_counter() - t0
        line(f"build IVFFlat index (lists={lists})", build)
        for probes in sorted({max(1, math.ceil(math.sqrt(lists))), max(1, lists // 2)}):
            t, (got, search) = best(lambda p=probes: run_knn(conn, pts, qs, k, "auto", f"probes={p}"), r)
            rec = recall(got, exact, k)
            rows.append((f"ivfflat lists={lists} probes={probes}", t, rec, search, build))
            line(f"auto, IVFFlat probes={probes}", t, f"({search}) recall@{k} {rec:.4f}, {t_exact / t:5.1f}x faster")
        drop_vector_indexes(conn, pts)
        conn.execute("DROP TABLE IF EXISTS bench_knn_out")
        server = conn.execute("SELECT version(), (SELECT extversion FROM pg_extension WHERE extname = 'vector')"
                              ).fetchone()
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    result = {"points": n, "dim": d, "queries": m, "k": k, "repeat": r, "numpy_s": t_np,
              "runs": [{"what": w, "seconds": t, "recall": rec, "search": s, "index_build_s": b}
                       for w, t, rec, s, b in rows],
              "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "postgres": server[0],
                          "pgvector": server[1]}}
    (out / f"knn-{stamp}.json").write_text(json.dumps(result, indent=2))
    print(f"wrote bench/results/knn-{stamp}.json")


if __name__ == "__main__":
    main()
