"""A matrix above PostgreSQL's 1 GB value limit, end to end through tiles, with the backend's peak memory.

    .venv/bin/python bench/run_large.py [--dsn DSN] [--n 12000]

Builds an n x n dense-row table in SQL (n = 12000: 1.15 GB of float64, more than one
PostgreSQL value can hold, which is where MADlib's matrix functions fail), reblocks it
to tiles, then runs NORM, MVM, TRANS and a row sum on the tiles and NORM on the dense
rows. For each step it prints the seconds and the backend's peak resident memory
(VmHWM from /proc, so it must run on the database's machine), next to the matrix's size.
The in-memory baseline is numpy on the same values, read back through the tiles.
No timed assertions.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import psycopg


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn")
    parser.add_argument("--n", type=int, default=12000)
    opts = parser.parse_args()
    dsn = opts.dsn
    if dsn is None:
        from indb_ml.cli.server import EmbeddedServer

        dsn = EmbeddedServer(Path(os.environ.get("INDB_ML_BENCH_DATA", "/var/lib/indb_ml/bench"))).start()
    n = opts.n
    print(f"{n} x {n} float64 = {8 * n * n / 2**30:.2f} GB (PostgreSQL's largest value is 1 GB)")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS big_dense, big_tiles, big_t")
        conn.execute("SET indb_ml.matrix_memory_mb = 256")  # the matrix is 4.5x the cap
        t0 = time.perf_counter()
        conn.execute("CREATE TABLE big_dense AS SELECT i AS row_id, ARRAY(SELECT pg_catalog.random() + 0 * i "
                     "FROM pg_catalog.generate_series(1, %s)) AS row_vec FROM pg_catalog.generate_series(1, %s) i",
                     [n, n])
        print(f"built big_dense in SQL: {time.perf_counter() - t0:.1f} s")

        def step(label: str, query: str, params=()):
            with psycopg.connect(dsn, autocommit=True) as c:  # a fresh backend: its own peak memory
                c.execute("SET indb_ml.matrix_memory_mb = 256")
                pid = c.execute("SELECT pg_backend_pid()").fetchone()[0]
                base = peak_mb(pid)
                t = time.perf_counter()
                out = c.execute(query, params).fetchone()[0]
                print(f"{label:44} {time.perf_counter() - t:7.1f} s   backend peak {peak_mb(pid):6.0f} MB "
                      f"(idle {base:.0f} MB)")
                return out

        step("reblock dense rows -> tiles (block=1000)",
             "SELECT indb_ml.matrix_reblock('big_dense', 'row=row_id, val=row_vec', 'big_tiles', 'block=1000')")
        fro = step("NORM (fro) on tiles", "SELECT indb_ml.matrix_norm('big_tiles', '', 'fro')")
        fro_dense = step("NORM (fro) on dense rows",
                         "SELECT indb_ml.matrix_norm('big_dense', 'row=row_id, val=row_vec', 'fro')")
        v = np.random.default_rng(0).random(n)
        mv = step("MVM on tiles (tile_mv aggregate)", "SELECT indb_ml.matrix_vec_mult('big_tiles', '', %s)",
                  [v.tolist()])
        step("TRANS on tiles", "SELECT indb_ml.matrix_trans('big_tiles', '', 'big_t')")
        sums = step("row sums on tiles", "SELECT indb_ml.matrix_sum('big_tiles', '', 2)")
        sizes = conn.execute("SELECT pg_total_relation_size('big_dense'), "
                             "pg_total_relation_size('big_tiles')").fetchone()
        print(f"table sizes: dense {sizes[0] / 2**30:.2f} GB, tiles {sizes[1] / 2**30:.2f} GB")
        # The check: numpy on the same values, assembled in the client from the tiles.
        x = np.zeros((n, n))
        t = time.perf_counter()
        for i, j, h, w, data in conn.execute("SELECT row_block, col_block, nrows, ncols, data FROM big_tiles"):
            x[i * 1000:i * 1000 + h, j * 1000:j * 1000 + w] = np.frombuffer(data).reshape(h, w)
        print(f"client export of the tiles: {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        ref_fro, ref_mv, ref_sums = np.linalg.norm(x), x @ v, x.sum(axis=1)
        print(f"numpy in memory (norm + mvm + row sums): {time.perf_counter() - t:.2f} s")
        print("relative differences: fro tiles", abs(fro - ref_fro) / ref_fro, "fro dense", abs(fro_dense - ref_fro)
              / ref_fro, "mvm", float(np.max(np.abs(np.array(mv) - ref_mv) / np.abs(ref_mv))),
              "row sums", float(np.max(np.abs(np.array(sums) - ref_sums) / np.abs(ref_sums))))
        conn.execute("DROP TABLE big_dense, big_tiles, big_t")


if __name__ == "__main__":
    main()
