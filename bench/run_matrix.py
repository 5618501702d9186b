"""Benchmark matrix operations over tables against numpy/scipy in memory (SLAB-style).

    .venv/bin/python bench/run_matrix.py [--dsn DSN] [--n 1000] [--tall 10000] [--wide 1000]
                                         [--sparse 20000] [--density 0.001] [--repeat 3]

Times, in one run: GMM (n x n matmul) between dense-row tables, between tiles
(tiles out), and numpy in memory; TRANS, ADD, NORM, GRM (XᵀX), MVM on a dense
tall x wide table (default operator, and op=blocks where it applies), the same on tiles, and
numpy; GMM on a sparse matrix (sparse out) and scipy; SLAB's TRANS, NORM, MVM, ADD on a
sparse --slab x --slab matrix at --density, and scipy. Prints seconds and ratios to
numpy/scipy. No timed assertions.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import psycopg
from psycopg import sql
from scipy import sparse
from scipy.sparse import linalg as _sparse_linalg  # noqa: F401 (sparse.linalg.norm)

DENSE = "row=row_id, val=row_vec"
SPARSE = "row=row_id, col=col_id, val=val"


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def dense_table(conn, name: str, m: np.ndarray) -> None:
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(name)))
    conn.execute(sql.SQL("CREATE TABLE {} (row_id int, row_vec float8[])").format(sql.Identifier(name)))
    with conn.cursor().copy(sql.SQL("COPY {} FROM STDIN").format(sql.Identifier(name))) as copy:
        for i, row in enumerate(m, start=1):
            copy.write_row([i, row.tolist()])


def sparse_table(conn, name: str, m) -> None:
    """Binary COPY of the entries, built by numpy in one buffer (10M entries take seconds)."""
    m = sparse.coo_array(m)
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(name)))
    conn.execute(sql.SQL("CREATE TABLE {} (row_id int, col_id int, val float8)").format(sql.Identifier(name)))
    rows, cols, vals = m.row + 1, m.col + 1, m.data
    if not ((rows == m.shape[0]) & (cols == m.shape[1])).any():
        rows, cols, vals = np.append(rows, m.shape[0]), np.append(cols, m.shape[1]), np.append(vals, 0.0)
    tuples = np.empty(rows.size, dtype=[("nf", ">i2"), ("l1", ">i4"), ("r", ">i4"), ("l2", ">i4"), ("c", ">i4"),
                                        ("l3", ">i4"), ("v", ">f8")])
    tuples["nf"], tuples["l1"], tuples["l2"], tuples["l3"] = 3, 4, 4, 8
    tuples["r"], tuples["c"], tuples["v"] = rows, cols, vals
    body = b"PGCOPY\n\xff\r\n\x00" + bytes(8) + tuples.tobytes() + b"\xff\xff"
    with conn.cursor().copy(sql.SQL("COPY {} FROM STDIN (FORMAT binary)").format(sql.Identifier(name))) as copy:
        copy.write(body)
    conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(name)))


def call(conn, fn: str, args: list, drop: str | None = None):
    """One indb_ml call in its own transaction; the output table is dropped first."""
    def run():
        with conn.transaction():
            if drop:
                conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(drop)))
            placeholders = sql.SQL(", ").join(sql.Placeholder() * len(args))
            return conn.execute(sql.SQL("SELECT indb_ml.{}({})").format(sql.Identifier(fn), placeholders),
                                args).fetchone()
    return run


def slab_sparse(conn, rng, opts) -> list:
    """SLAB's sparse operations that have an output of sane size (GMM and GRM of a 100k^2 matrix at
    density 0.001 have about 1e9 non-zeros, tens of GB as a table; GMM is timed at --sparse instead)."""
    n, rows = opts.slab, []
    s = sparse.random_array((n, n), density=opts.density, rng=rng, format="csr")
    t0 = time.perf_counter()
    sparse_table(conn, "bm_slab", s)
    t1 = time.perf_counter()
    # The documented advice (docs/reference/matrix.md): a key on (row, col) spares every operation a duplicate scan.
    conn.execute("ALTER TABLE bm_slab ADD PRIMARY KEY (row_id, col_id)")
    print(f"loaded {s.nnz} entries of a {n}x{n} sparse matrix in {t1 - t0:.1f} s, primary key "
          f"{time.perf_counter() - t1:.1f} s")
    label = f"{n}^2 sparse (density {opts.density})"
    rows.append((f"TRANS {label}", timed(call(conn, "matrix_trans", ["bm_slab", SPARSE, "bm_slt", None], "bm_slt"),
                                         opts.repeat), timed(lambda: s.T.tocsr(), opts.repeat)))
    rows.append((f"NORM (fro) {label}", timed(call(conn, "matrix_norm", ["bm_slab", SPARSE, "fro"]), opts.repeat),
                 timed(lambda: sparse.linalg.norm(s), opts.repeat)))
    v = rng.random(n)
    rows.append((f"MVM {label}", timed(call(conn, "matrix_vec_mult", ["bm_slab", SPARSE, v.tolist()]), opts.repeat),
                 timed(lambda: s @ v, opts.repeat)))
    rows.append((f"ADD {label}", timed(call(conn, "matrix_add", ["bm_slab", SPARSE, "bm_slab", SPARSE, "bm_sla",
                                                                  None], "bm_sla"), opts.repeat),
                 timed(lambda: s + s, opts.repeat)))
    return rows


def report(rows: list) -> None:
    print(f"{'operation':58} {'indb_ml s':>10} {'numpy s':>9} {'ratio':>7}")
    for name, ours, base in rows:
        print(f"{name:58} {ours:10.3f} {base:9.4f} {ours / base:7.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--tall", type=int, default=10000)
    parser.add_argument("--wide", type=int, default=1000)
    parser.add_argument("--sparse", type=int, default=20000)
    parser.add_argument("--density", type=float, default=0.001)
    parser.add_argument("--slab", type=int, default=100000, help="side of SLAB's sparse matrix (0: skip)")
    parser.add_argument("--slab-only", action="store_true", help="run only the SLAB sparse part")
    parser.add_argument("--repeat", type=int, default=3)
    opts = parser.parse_args()
    dsn = opts.dsn
    if dsn is None:
        from indb_ml.cli.server import EmbeddedServer

        dsn = EmbeddedServer(Path(os.environ.get("INDB_ML_BENCH_DATA", "/var/lib/indb_ml/bench"))).start()
    rng = np.random.default_rng(0)
    rows = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        if opts.slab_only:
            report(slab_sparse(conn, rng, opts))
            return
        a, b = rng.random((opts.n, opts.n)), rng.random((opts.n, opts.n))
        dense_table(conn, "bm_a", a)
        dense_table(conn, "bm_b", b)
        numpy_gmm = timed(lambda: a @ b, opts.repeat)
        rows.append((f"GMM {opts.n}x{opts.n} dense rows -> dense rows",
                     timed(call(conn, "matrix_mult", ["bm_a", DENSE, "bm_b", DENSE, "bm_r", None], "bm_r"),
                           opts.repeat), numpy_gmm))
        for src, dst in (("bm_a", "bm_ta"), ("bm_b", "bm_tb")):
            call(conn, "matrix_reblock", [src, DENSE, dst, "block=1000"], dst)()
        rows.append((f"GMM {opts.n}x{opts.n} tiles -> tiles",
                     timed(call(conn, "matrix_mult", ["bm_ta", "", "bm_tb", "", "bm_tr", None], "bm_tr"),
                           opts.repeat), numpy_gmm))
        got = np.frombuffer(conn.execute("SELECT data FROM bm_tr WHERE row_block = 0 AND col_block = 0")
                            .fetchone()[0]).reshape(min(opts.n, 1000), -1)
        print("max relative difference, tile (0,0) vs numpy:",
              float(np.max(np.abs(got - (a @ b)[:1000, :1000]) / np.abs(a @ b)[:1000, :1000])))

        x = rng.random((opts.tall, opts.wide))
        dense_table(conn, "bm_x", x)
        label = f"{opts.tall}x{opts.wide} dense rows"
        rows.append((f"TRANS {label}", timed(call(conn, "matrix_trans", ["bm_x", DENSE, "bm_xt", None], "bm_xt"),
                                             opts.repeat), timed(lambda: np.ascontiguousarray(x.T), opts.repeat)))
        rows.append((f"ADD {label}", timed(call(conn, "matrix_add", ["bm_x", DENSE, "bm_x", DENSE, "bm_xa", None],
                                                "bm_xa"), opts.repeat), timed(lambda: x + x, opts.repeat)))
        rows.append((f"NORM (fro) {label}", timed(call(conn, "matrix_norm", ["bm_x", DENSE, "fro"]), opts.repeat),
                     timed(lambda: np.linalg.norm(x), opts.repeat)))
        rows.append((f"GRM (XᵀX via trans=true) {label}",
                     timed(call(conn, "matrix_mult", ["bm_x", DENSE + ", trans=true", "bm_x", DENSE, "bm_g", None],
                                "bm_g"), opts.repeat), timed(lambda: x.T @ x, opts.repeat)))
        v = rng.random(opts.wide)
        rows.append((f"MVM {label}", timed(call(conn, "matrix_vec_mult", ["bm_x", DENSE, v.tolist()]),
                                           opts.repeat), timed(lambda: x @ v, opts.repeat)))
        rows.append((f"ADD {label}, op=blocks",
                     timed(call(conn, "matrix_add", ["bm_x", DENSE, "bm_x", DENSE, "bm_xa", "op=blocks"], "bm_xa"),
                           opts.repeat), timed(lambda: x + x, opts.repeat)))
        y = rng.random((opts.wide, 10))
        dense_table(conn, "bm_y", y)
        rows.append((f"GMM {label} x {opts.wide}x10, op=blocks",
                     timed(call(conn, "matrix_mult", ["bm_x", DENSE, "bm_y", DENSE, "bm_xy", "op=blocks"], "bm_xy"),
                           opts.repeat), timed(lambda: x @ y, opts.repeat)))
        rows.append((f"GMM {label} x {opts.wide}x10, op=memory",
                     timed(call(conn, "matrix_mult", ["bm_x", DENSE, "bm_y", DENSE, "bm_xy", "op=memory"], "bm_xy"),
                           opts.repeat), timed(lambda: x @ y, opts.repeat)))

        call(conn, "matrix_reblock", ["bm_x", DENSE, "bm_xtiles", "block=1000"], "bm_xtiles")()
        tl = f"{opts.tall}x{opts.wide} tiles"
        rows.append((f"TRANS {tl}", timed(call(conn, "matrix_trans", ["bm_xtiles", "", "bm_xtt", None], "bm_xtt"),
                                          opts.repeat), timed(lambda: np.ascontiguousarray(x.T), opts.repeat)))
        rows.append((f"ADD {tl}", timed(call(conn, "matrix_add", ["bm_xtiles", "", "bm_xtiles", "", "bm_xta", None],
                                             "bm_xta"), opts.repeat), timed(lambda: x + x, opts.repeat)))
        rows.append((f"NORM (fro) {tl}", timed(call(conn, "matrix_norm", ["bm_xtiles", "", "fro"]), opts.repeat),
                     timed(lambda: np.linalg.norm(x), opts.repeat)))
        rows.append((f"GRM (XᵀX, trans=true tiles) {tl}",
                     timed(call(conn, "matrix_mult", ["bm_xtiles", "trans=true", "bm_xtiles", "", "bm_xg", None],
                                "bm_xg"), opts.repeat), timed(lambda: x.T @ x, opts.repeat)))
        rows.append((f"MVM {tl}", timed(call(conn, "matrix_vec_mult", ["bm_xtiles", "", v.tolist()]), opts.repeat),
                     timed(lambda: x @ v, opts.repeat)))
        s = sparse.random_array((opts.sparse, opts.sparse), density=opts.density, rng=rng, format="csr")
        sparse_table(conn, "bm_s", s)
        rows.append((f"GMM {opts.sparse}^2 sparse (density {opts.density}) -> sparse",
                     timed(call(conn, "matrix_mult", ["bm_s", SPARSE, "bm_s", SPARSE, "bm_sr", "fmt=sparse"],
                                "bm_sr"), opts.repeat), timed(lambda: s @ s, opts.repeat)))
        if opts.slab:
            rows += slab_sparse(conn, rng, opts)
        info = conn.execute("SELECT version()").fetchone()[0].split(" on ")[0]
    report(rows)
    print(f"nproc {os.cpu_count()}, {info}; times are best of {opts.repeat} "
          "ratio = indb_ml / in-memory numpy or scipy")


if __name__ == "__main__":
    main()
