"""Benchmark model_refresh against a full retrain: N rows, then 1% new rows.

    .venv/bin/python bench/run_refresh.py [--dsn DSN] [--rows 10000000] [--features 10]
                                          [--partitions 10] [--new-frac 0.01] [--keep]

Without --dsn it starts an embedded server in $INDB_ML_BENCH_DATA (default
/var/lib/indb_ml/bench_refresh) and stops it at the end. The source is range-partitioned
on ``id`` (even ids, so odd ids can later land in existing partitions). Timed, in one run:

* ``count_floor``: ``SELECT count(*)`` over the source (the scan floor, in C);
* ``train_incremental``: ``linregr_train_incremental`` from scratch (N rows);
* ``refresh_unchanged``: a refresh with nothing new (the change check alone);
* ``refresh_new_partition``: after a new partition with new-frac x N rows;
* ``refresh_appended``: after new-frac x N rows inserted into the existing partitions;
* ``full_retrain``: ``linregr_train`` over the final table (what a refresh replaces).

The refreshed model is compared with the full retrain (max relative difference of coef
and std_err). Writes bench/results/refresh-<timestamp>.json. Measures, does not judge.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import psycopg
from psycopg import sql

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def timed(conn: psycopg.Connection, query: str, params=None) -> tuple[float, list]:
    t0 = time.perf_counter()
    rows = conn.execute(query, params).fetchall()
    return time.perf_counter() - t0, rows


def build(conn: psycopg.Connection, rows: int, k: int, parts: int) -> float:
    """``src(id, y, x1..xk)``, range-partitioned on id, ids 0, 2, 4, ... (2 x rows)."""
    t0 = time.perf_counter()
    conn.execute("DROP TABLE IF EXISTS src CASCADE")
    xs = ", ".join(f"x{j} float8" for j in range(1, k + 1))
    conn.execute(f"CREATE TABLE src (id bigint, y float8, {xs}) PARTITION BY RANGE (id)")
    width = -(-2 * rows // parts)
    for p in range(parts):
        conn.execute(f"CREATE TABLE src_{p} PARTITION OF src FOR VALUES FROM ({p * width}) TO ({(p + 1) * width})")
    insert_rows(conn, 0, rows, k, step=2)
    conn.execute("VACUUM ANALYZE src")
    return time.perf_counter() - t0


def insert_rows(conn: psycopg.Connection, first: int, n: int, k: int, step: int) -> None:
    """n rows with ids first, first + step, ...; y = 2 + sum(j-dependent coef * xj) + noise, in SQL."""
    cols = ", ".join(f"x{j}" for j in range(1, k + 1))
    gen = ", ".join(f"random() * {j} - 0.5" for j in range(1, k + 1))
    lin = " + ".join(f"{((j % 7) - 3) * 0.5} * x{j}" for j in range(1, k + 1))
    chunk = 1_000_000
    for lo in range(0, n, chunk):
        m = min(chunk, n - lo)
        conn.execute(f"INSERT INTO src (id, y, {cols}) SELECT id, 2 + {lin} + (random() - 0.5), {cols} FROM "
                     f"(SELECT {first} + {step}::bigint * (g + {lo}) AS id, {gen} FROM generate_series(0, {m - 1}) g) "
                     f"s(id, {cols})")


def compare(conn: psycopg.Connection) -> dict:
    got = conn.execute("SELECT coef, std_err, num_rows_processed FROM inc").fetchone()
    want = conn.execute("SELECT coef, std_err, num_rows_processed FROM full_lr").fetchone()

    def rel(a, b):
        a, b = np.asarray(a, float), np.asarray(b, float)
        return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))

    def scaled(a, b):  # relative to the largest coefficient: true coefficients of 0 make rel() noisy
        a, b = np.asarray(a, float), np.asarray(b, float)
        return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))

    return {"coef_max_rel_diff": rel(got[0], want[0]), "coef_max_diff_scaled": scaled(got[0], want[0]),
            "std_err_max_rel_diff": rel(got[1], want[1]),
            "rows_refreshed": got[2], "rows_full": want[2]}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dsn")
    p.add_argument("--rows", type=int, default=10_000_000)
    p.add_argument("--features", type=int, default=10)
    p.add_argument("--partitions", type=int, default=10)
    p.add_argument("--new-frac", type=float, default=0.01)
    p.add_argument("--keep", action="store_true", help="reuse src (its base rows) if it has --rows of them")
    args = p.parse_args(argv)
    server = None
    dsn = args.dsn
    if dsn is None:
        from indb_ml.cli.server import EmbeddedServer

        server = EmbeddedServer(Path(os.environ.get("INDB_ML_BENCH_DATA", "/var/lib/indb_ml/bench_refresh")))
        dsn = server.start()
    k, n_new = args.features, int(args.rows * args.new_frac)
    started = datetime.now(timezone.utc)
    res: dict = {"started_utc": started.isoformat(), "args": vars(args), "timings_s": {}, "refresh": {}}
    t = res["timings_s"]
    feats = "ARRAY[1, " + ", ".join(f"x{j}" for j in range(1, k + 1)) + "]"
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            res["postgresql"] = conn.execute("SELECT version()").fetchone()[0].split(" on ")[0]
            res["nproc"] = os.cpu_count()
            have = conn.execute("SELECT to_regclass('src') IS NOT NULL").fetchone()[0]
            if args.keep and have:  # back to the base rows: no new partition, no odd ids
                conn.execute("DROP TABLE IF EXISTS src_new")
                conn.execute("DELETE FROM src WHERE id % 2 = 1")
                conn.execute("VACUUM ANALYZE src")
            if args.keep and have and conn.execute("SELECT count(*) FROM src").fetchone()[0] == args.rows:
                t["build"] = None
            else:
                t["build"] = build(conn, args.rows, k, args.partitions)
                print(f"built {args.rows} rows x {k} features in {t['build']:.1f} s", flush=True)
            conn.execute("DROP TABLE IF EXISTS inc, inc_summary, inc_state, full_lr, full_lr_summary")
            conn.execute("DELETE FROM indb_ml.models")
            conn.execute("DROP TABLE IF EXISTS src_new")
            res["table_bytes"] = conn.execute("SELECT sum(pg_total_relation_size(relid))::bigint "
                                              "FROM pg_partition_tree('src')").fetchone()[0]
            t["count_floor"], _ = timed(conn, "SELECT count(*) FROM src")
            t["train_incremental"], _ = timed(
                conn, "SELECT indb_ml.linregr_train_incremental('src', 'inc', 'y', %s)", [feats])
            print(f"train_incremental {t['train_incremental']:.2f} s", flush=True)

            def refresh(label: str) -> None:
                t0 = time.perf_counter()
                cur = conn.execute("SELECT * FROM indb_ml.model_refresh('inc')")
                res["refresh"][label] = dict(zip([d.name for d in cur.description], cur.fetchone()))
                t[label] = secs = time.perf_counter() - t0
                print(f"{label} {secs:.2f} s {res['refresh'][label]}", flush=True)

            refresh("refresh_unchanged")
            top = 2 * args.rows
            conn.execute(sql.SQL("CREATE TABLE src_new PARTITION OF src FOR VALUES FROM ({}) TO ({})").format(
                sql.Literal(top), sql.Literal(top + 2 * n_new)))
            insert_rows(conn, top, n_new, k, step=2)
            conn.execute("ANALYZE src_new")
            refresh("refresh_new_partition")
            insert_rows(conn, 1, n_new, k, step=2 * max(args.rows // max(n_new, 1), 1))  # odd ids, in every partition
            refresh("refresh_appended")
            t["full_retrain"], _ = timed(conn, "SELECT indb_ml.linregr_train('src', 'full_lr', 'y', %s)", [feats])
            print(f"full_retrain {t['full_retrain']:.2f} s", flush=True)
            res["check"] = compare(conn)
            print(res["check"])
            res["speedup"] = {label: t["full_retrain"] / t[label]
                              for label in ("refresh_unchanged", "refresh_new_partition", "refresh_appended")}
            print({k2: round(v, 1) for k2, v in res["speedup"].items()})
    finally:
        if server is not None:
            server.stop()
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"refresh-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(res, indent=2, default=str) + "\n")
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
