"""Benchmark the planner: each expression optimized, unoptimized (rules off) and numpy, in one run.

    .venv/bin/python bench/run_planner.py [--dsn DSN] [--rows 1000000] [--cols 50] [--n 2000] [--iters 20]

- a chain ``A %*% B %*% v`` written in the bad natural order (n x n tables): the chain rule
  multiplies the vector first; with ``rules_off => {chain}`` the n x n product is formed;
- ``t(X) %*% X`` on a rows x cols dense-row table: tsmm (one pass, numpy per block) against
  rules off (a self-join of row blocks), the scan floor ``SELECT sum(val[1])``, client export
  of X + numpy, and numpy in memory;
- ``lm_cg`` with ``--iters`` iterations (tolerance 0) on the same X, against the same
  iterations of CG in numpy in memory and ``np.linalg.solve`` of the normal equations;
- ``t(X) %*% X`` over a fact table (rows x 5 columns) joined on a foreign key to a dimension
  table (1000 x 20): factorized, against materializing the join into a table first, and
  numpy on the joined matrix in memory.

Times are best of ``--repeat`` (the slow ones once); ratios are to the numpy baselines.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import psycopg

from indb_ml.kernels.arraybytes import float8_array_from_body


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def value(conn, expr: str, bindings: dict, rules_off=None):
    row = conn.execute("SELECT indb_ml.la_value(%s, %s, %s)", [expr, json.dumps(bindings), rules_off]).fetchone()
    return np.array(row[0])


def make_dense(conn, name: str, rows: int, cols: int, seed: int) -> None:
    """A seeded dense-row table built in SQL (random() after setseed)."""
    if conn.execute("SELECT to_regclass(%s)", [name]).fetchone()[0] is not None:
        return
    conn.execute("SELECT setseed(%s)", [seed / 1000])
    conn.execute(f"CREATE TABLE {name} AS SELECT i AS row_id, ARRAY(SELECT random() - 0.5 + 0 * i FROM "
                 f"generate_series(1, {cols})) AS val, random() AS y FROM generate_series(1, {rows}) i")
    conn.execute(f"ALTER TABLE {name} ADD PRIMARY KEY (row_id)")
    conn.execute(f"VACUUM ANALYZE {name}")


def export(conn, name: str, cols: int) -> tuple[np.ndarray, np.ndarray]:
    body, y = conn.execute(f"SELECT indb_ml._float8_array_bytes(array_agg(val ORDER BY row_id), ''::bytea), "
                           f"indb_ml._float8_array_bytes(array_agg(y ORDER BY row_id), ''::bytea) FROM {name}"
                           ).fetchone()
    return float8_array_from_body(body).reshape(-1, cols), float8_array_from_body(y)


def numpy_cg(x, y, lam, iters):
    r = -(x.T @ y)
    p, w, nr2 = -r, np.zeros_like(r), float(r @ r)
    for _ in range(iters):
        q = x.T @ (x @ p) + lam * p
        alpha = nr2 / float(p @ q)
        w, r = w + alpha * p, r + alpha * q
        old, nr2 = nr2, float(r @ r)
        p = -r + nr2 / old * p
    return w


def factorized_case(conn, m: int, repeat: int) -> list:
    kf, kd, nd = 5, 20, 1000
    fact, dim = f"pl_fact_{m}", f"pl_dim_{nd}"
    if conn.execute("SELECT to_regclass(%s)", [fact]).fetchone()[0] is None:
        conn.execute("SELECT setseed(0.4)")
        conn.execute(f"CREATE TABLE {dim} AS SELECT i AS id, " + ", ".join(f"random() AS d{c}" for c in range(kd))
                     + f" FROM generate_series(1, {nd}) i")
        conn.execute(f"CREATE TABLE {fact} AS SELECT 1 + (random() * {nd - 1})::int AS fk, "
                     + ", ".join(f"random() AS f{c}" for c in range(kf)) + f" FROM generate_series(1, {m})")
        conn.execute(f"VACUUM ANALYZE {fact}")
    cols_f, cols_d = [f"f{c}" for c in range(kf)], [f"d{c}" for c in range(kd)]
    binding = {"X": {"table": fact, "columns": cols_f, "join": {"table": dim, "on": ["fk", "id"], "columns": cols_d}}}
    t_fact, got = timed(lambda: value(conn, "t(X) %*% X", binding), repeat)

    def materialized():
        conn.execute("DROP TABLE IF EXISTS pl_joined")
        conn.execute("CREATE TABLE pl_joined AS SELECT row_number() OVER ()::int AS row_id, ARRAY["
                     + ", ".join(["f." + c for c in cols_f] + ["d." + c for c in cols_d])
                     + f"] AS val FROM {fact} f JOIN {dim} d ON f.fk = d.id")
        return value(conn, "t(X) %*% X", {"X": {"table": "pl_joined", "args": "row=row_id, val=val"}})

    t_mat, want = timed(materialized, 1)
    body = conn.execute("SELECT indb_ml._float8_array_bytes(array_agg(val), ''::bytea) FROM pl_joined").fetchone()[0]
    x = float8_array_from_body(body).reshape(-1, kf + kd)
    t_np, gram = timed(lambda: x.T @ x, repeat)
    conn.execute("DROP TABLE pl_joined")
    rel = float(np.max(np.abs(got - gram)) / np.max(np.abs(gram)))
    return [(f"t(X) %*% X over {m} facts x {kf} joined to {nd} x {kd}: factorized", t_fact, t_np, rel),
            ("  same, join materialized into a table, then tsmm", t_mat, t_np,
             float(np.max(np.abs(want - gram)) / np.max(np.abs(gram))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cols", type=int, default=50)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--iters", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    opts = parser.parse_args()
    dsn = opts.dsn
    if dsn is None:
        from indb_ml.cli.server import EmbeddedServer

        dsn = EmbeddedServer(Path(os.environ.get("INDB_ML_BENCH_DATA", "/var/lib/indb_ml/bench"))).start()
    rows = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        n = opts.n
        make_dense(conn, f"pl_a_{n}", n, n, 1)
        make_dense(conn, f"pl_b_{n}", n, n, 2)
        a, _ = export(conn, f"pl_a_{n}", n)
        b, _ = export(conn, f"pl_b_{n}", n)
        v = np.linspace(-1, 1, n)
        binds = {"A": {"table": f"pl_a_{n}", "args": "row=row_id, val=val"},
                 "B": {"table": f"pl_b_{n}", "args": "row=row_id, val=val"}, "v": v.tolist()}
        t_opt, got = timed(lambda: value(conn, "A %*% B %*% v", binds), opts.repeat)
        t_off, got_off = timed(lambda: value(conn, "A %*% B %*% v", binds, ["chain"]), 1)
        t_np_bad, want = timed(lambda: a @ b @ v, opts.repeat)
        t_np_good, _ = timed(lambda: a @ (b @ v), opts.repeat)
        err = float(np.max(np.abs(got[:, 0] - want)) / np.max(np.abs(want)))
        rows += [(f"A %*% B %*% v, {n}^2 tables: planner (chain rule)", t_opt, t_np_good, err),
                 ("  same, rules_off chain ((A B) v)", t_off, t_np_bad,
                  float(np.max(np.abs(got_off[:, 0] - want)) / np.max(np.abs(want))))]

        m, k = opts.rows, opts.cols
        name = f"pl_x_{m}x{k}"
        t0 = time.perf_counter()
        make_dense(conn, name, m, k, 3)
        print(f"{name}: built in {time.perf_counter() - t0:.1f} s (reused when present)")
        xb = {"X": {"table": name, "args": "row=row_id, val=val"}}
        floor, _ = timed(lambda: conn.execute(f"SELECT sum(val[1]) FROM {name}").fetchone(), opts.repeat)
        t_export, (x, y) = timed(lambda: export(conn, name, k), 1)
        t_np, gram = timed(lambda: x.T @ x, opts.repeat)
        t_tsmm, got = timed(lambda: value(conn, "t(X) %*% X", xb), opts.repeat)
        t_tsmm_off, got_off = timed(lambda: value(conn, "t(X) %*% X", xb, ["tsmm"]), 1)
        rel = float(np.max(np.abs(got - gram)) / np.max(np.abs(gram)))
        rows += [(f"t(X) %*% X, {m} x {k}: planner (tsmm, one pass)", t_tsmm, t_np, rel),
                 ("  same, rules_off tsmm (self-join of row blocks)", t_tsmm_off, t_np,
                  float(np.max(np.abs(got_off - gram)) / np.max(np.abs(gram)))),
                 ("  scan floor SELECT sum(val[1])", floor, t_np, float("nan")),
                 ("  client export of X and y + numpy", t_export + t_np, t_np, float("nan"))]

        conn.execute("DROP TABLE IF EXISTS pl_cg_out")
        t_cg, _ = timed(lambda: conn.execute("SELECT indb_ml.lm_cg(%s, 'pl_cg_out', 'y', 'val', 0.1, %s, 0)",
                                             [name, opts.iters]), 1)
        coef, iters, size = conn.execute("SELECT coef, iterations, x_table_bytes FROM pl_cg_out").fetchone()
        t_np_cg, w = timed(lambda: numpy_cg(x, y, 0.1, opts.iters), 1)
        t_solve, exact = timed(lambda: np.linalg.solve(x.T @ x + 0.1 * np.eye(k), x.T @ y), 1)
        rows += [(f"lm_cg, {iters} iterations on {m} x {k} (X as tiles: {size / 2**20:.0f} MB)", t_cg, t_np_cg,
                  float(np.max(np.abs(np.array(coef) - w)) / np.max(np.abs(w)))),
                 ("  numpy solve of the normal equations (in memory)", t_solve, t_np_cg,
                  float(np.max(np.abs(np.array(coef) - exact)) / np.max(np.abs(exact))))]
        rows += factorized_case(conn, m, opts.repeat)
        info = conn.execute("SELECT version()").fetchone()[0].split(" on ")[0]
    print(f"{'operation':66} {'s':>8} {'numpy s':>8} {'ratio':>7} {'max rel diff':>12}")
    for label, ours, base, diff in rows:
        print(f"{label:66} {ours:8.3f} {base:8.3f} {ours / base:7.1f} {diff:12.1e}")
    print(f"nproc {os.cpu_count()}, {info}")


if __name__ == "__main__":
    main()
