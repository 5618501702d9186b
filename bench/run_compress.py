"""Benchmark tile compression: ratio, scan and matrix-vector speed per codec, against raw tiles.

    .venv/bin/python bench/run_compress.py [--dsn DSN] [--rows 50000] [--cols 100] [--block 1000]
                                           [--density 0.01] [--repeat 3] [--codecs auto,zstd,...]

Three matrices of --rows x --cols: dense (standard normal), sparse (--density non-zeros,
normal values) and low-cardinality (five distinct values). Each is written once as raw tiles
(matrix_reblock, the baseline) and once per codec (matrix_compress). Per table, in the same
run: stored bytes (pg_total_relation_size, heap + TOAST + indexes) and the ratio raw /
compressed, the time to compress, a full scan (matrix_sum over the tiles, which decodes every
tile in Python), a matrix-vector product (matrix_vec_mult, which validates the table first,
then runs the tile_mv aggregate) and the tile_mv aggregate alone, on the stored tiles (dict
tiles multiply from their codes) and on every tile decoded first; each the best of --repeat.
Lossy codecs also report their largest error. Without --dsn the embedded server is started
in $INDB_ML_BENCH_DATA (default /var/lib/indb_ml/bench); the benchmark uses its own
database (indb_ml_bench_compress), created afresh with the extension as installed, and drops
it at the end. Writes bench/results/compress-<timestamp>.json. No timed assertions: this
measures, it does not judge.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import psycopg
from psycopg import sql

RESULTS_DIR = Path(__file__).resolve().parent / "results"
DATABASE = "indb_ml_bench_compress"
DENSE = "row=row_id, val=row_vec"
CODECS = ("auto", "zstd", "lz4", "zlib", "csr", "coo", "dict", "float32", "bfloat16", "int8")
LOSSY = ("float32", "bfloat16", "int8")


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def data(kind: str, rows: int, cols: int, density: float, rng) -> np.ndarray:
    if kind == "dense":
        return rng.normal(size=(rows, cols))
    if kind == "sparse":
        return np.where(rng.random((rows, cols)) < density, rng.normal(size=(rows, cols)), 0.0)
    return rng.choice([0.0, 0.5, 1.0, 2.0, -1.0], size=(rows, cols))


def dense_table(conn, name: str, m: np.ndarray) -> None:
    """Binary COPY of (row_id int, row_vec float8[]) built by numpy in one buffer."""
    t = sql.Identifier(name)
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(t))
    conn.execute(sql.SQL("CREATE TABLE {} (row_id int, row_vec float8[])").format(t))
    n = m.shape[1]
    # array binary format: ndim, has-null flag, element oid (float8 = 701), dim, lower bound, then (len, value)*
    array_len = 20 + 12 * n
    tuples = np.empty(m.shape[0], dtype=[("nf", ">i2"), ("l1", ">i4"), ("id", ">i4"), ("l2", ">i4"),
                                         ("ndim", ">i4"), ("nulls", ">i4"), ("oid", ">i4"), ("dim", ">i4"),
                                         ("lb", ">i4"), ("vals", [("len", ">i4"), ("v", ">f8")], (n,))])
    tuples["nf"], tuples["l1"], tuples["l2"] = 2, 4, array_len
    tuples["id"] = np.arange(1, m.shape[0] + 1)
    tuples["ndim"], tuples["nulls"], tuples["oid"], tuples["dim"], tuples["lb"] = 1, 0, 701, n, 1
    tuples["vals"]["len"], tuples["vals"]["v"] = 8, m
    body = b"PGCOPY\n\xff\r\n\x00" + bytes(8) + tuples.tobytes() + b"\xff\xff"
    with conn.cursor().copy(sql.SQL("COPY {} FROM STDIN (FORMAT binary)").format(t)) as copy:
        copy.write(body)
    conn.execute(sql.SQL("ALTER TABLE {} ADD PRIMARY KEY (row_id)").format(t))
    conn.execute(sql.SQL("ANALYZE {}").format(t))


def size(conn, name: str) -> int:
    return conn.execute("SELECT pg_total_relation_size(%s::regclass)", [name]).fetchone()[0]


def measure(conn, name: str, args: str, v: list, repeat: int) -> dict:
    scan = timed(lambda: conn.execute("SELECT indb_ml.matrix_sum(%s, %s, 1)", [name, args]).fetchone(), repeat)
    mv = timed(lambda: conn.execute("SELECT indb_ml.matrix_vec_mult(%s, %s, %s)", [name, args, v]).fetchone(),
               repeat)
    return {"bytes": size(conn, name), "scan_s": scan, "mv_s": mv}


def kernel_times(conn, name: str, v: np.ndarray, repeat: int) -> dict:
    """The tile_mv aggregate alone (no validation of the table, which matrix_vec_mult does first):
    on the stored tiles (dict tiles multiplied from their codes) and on every tile decoded first
    by tile_decode (the plain float64 kernel): the dict kernel is measured against the latter."""
    widths = [r[0] for r in conn.execute(sql.SQL("SELECT max(ncols) FROM {} GROUP BY col_block ORDER BY col_block")
                                         .format(sql.Identifier(name))).fetchall()]
    params = [np.concatenate([[0], np.cumsum(widths)[:-1]]).astype(int).tolist(),
              np.ascontiguousarray(v, "<f8").tobytes()]
    stored = sql.SQL("SELECT row_block, indb_ml.tile_mv(data, codec, nrows, ncols, (%s::int4[])[col_block + 1], %s) "
                     "FROM {} GROUP BY row_block").format(sql.Identifier(name))
    decoded = sql.SQL("SELECT row_block, indb_ml.tile_mv(indb_ml.tile_decode(data, codec, nrows, ncols), nrows, "
                      "ncols, (%s::int4[])[col_block + 1], %s) FROM {} GROUP BY row_block").format(sql.Identifier(name))
    return {"mv_kernel_s": timed(lambda: conn.execute(stored, params).fetchall(), repeat),
            "mv_decoded_s": timed(lambda: conn.execute(decoded, params).fetchall(), repeat)}


def run_kind(conn, kind: str, opts, rng) -> list:
    m = data(kind, opts.rows, opts.cols, opts.density, rng)
    v = rng.normal(size=opts.cols)
    src = f"bench_{kind}"
    dense_table(conn, src, m)
    want = m @ v
    out = []
    row = {"kind": kind, "table": "dense rows", **measure(conn, src, DENSE, v.tolist(), opts.repeat)}
    out.append(row)
    t0 = time.perf_counter()
    conn.execute("DROP TABLE IF EXISTS bench_raw")
    conn.execute("SELECT indb_ml.matrix_reblock(%s, %s, 'bench_raw', %s)", [src, DENSE, f"block={opts.block}"])
    raw = {"kind": kind, "table": "raw tiles", "build_s": time.perf_counter() - t0,
           **measure(conn, "bench_raw", "", v.tolist(), opts.repeat), **kernel_times(conn, "bench_raw", v, opts.repeat)}
    out.append(raw)
    for codec in opts.codecs:
        name = f"bench_{codec}"
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(name)))
        extra = ", lossy=true" if codec in LOSSY else ""
        t0 = time.perf_counter()
        try:
            conn.execute("SELECT indb_ml.matrix_compress(%s, %s, %s, %s)",
                         [src, DENSE, name, f"codec={codec}, block={opts.block}{extra}"])
        except psycopg.Error as exc:
            out.append({"kind": kind, "table": codec, "error": str(exc).splitlines()[0]})
            continue
        build = time.perf_counter() - t0
        res = {"kind": kind, "table": codec, "build_s": build, **measure(conn, name, "", v.tolist(), opts.repeat)}
        info = conn.execute("SELECT array_agg(DISTINCT codec), max(max_error) FROM indb_ml.matrix_info(%s, '')",
                            [name]).fetchone()
        res["codecs"], res["max_error"] = info[0], info[1]
        res.update(kernel_times(conn, name, v, opts.repeat))
        got = np.array(conn.execute("SELECT indb_ml.matrix_vec_mult(%s, '', %s)", [name, v.tolist()]).fetchone()[0])
        res["mv_max_abs_diff"] = float(np.abs(got - want).max())
        res["ratio"] = raw["bytes"] / res["bytes"]
        res["scan_vs_raw"] = res["scan_s"] / raw["scan_s"]
        res["mv_vs_raw"] = res["mv_s"] / raw["mv_s"]
        out.append(res)
    for r in out:
        print(f"{r['kind']:8s} {r['table']:11s} " + ("ERROR " + r["error"] if "error" in r else
              f"{r['bytes'] / 2**20:8.2f} MB  ratio {raw['bytes'] / r['bytes']:6.2f}  "
              f"build {r.get('build_s', 0):6.2f}s  scan {r['scan_s']:6.3f}s  mv {r['mv_s']:6.3f}s  "
              f"tile_mv {r.get('mv_kernel_s', float('nan')):6.3f}s  "
              f"decoded {r.get('mv_decoded_s', float('nan')):6.3f}s  "
              f"err {r.get('max_error', 0) or 0:.2e}"), flush=True)
    return out


def main(argv: list | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dsn", help="a server with the indb_ml extension installed (default: the embedded server)")
    p.add_argument("--rows", type=int, default=50_000)
    p.add_argument("--cols", type=int, default=100)
    p.add_argument("--block", type=int, default=1000)
    p.add_argument("--density", type=float, default=0.01)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--kinds", default="dense,sparse,lowcard")
    p.add_argument("--codecs", default=",".join(CODECS))
    opts = p.parse_args(argv)
    opts.codecs = [c.strip() for c in opts.codecs.split(",") if c.strip()]
    dsn = opts.dsn
    if dsn is None:
        from indb_ml.cli.server import EmbeddedServer

        dsn = EmbeddedServer(Path(os.environ.get("INDB_ML_BENCH_DATA", "/var/lib/indb_ml/bench"))).start(
            create_extension=False)
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(DATABASE)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    info = psycopg.conninfo.conninfo_to_dict(dsn)
    info["dbname"] = DATABASE
    started = datetime.now(UTC)
    report = {"benchmark": "compress", "started": started.isoformat(), "machine": platform.platform(),
              "cpus": os.cpu_count(), "options": {k: v for k, v in vars(opts).items() if k != "dsn"}, "results": []}
    try:
        with psycopg.connect(psycopg.conninfo.make_conninfo(**info), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION indb_ml CASCADE")
            rng = np.random.default_rng(0)
            for kind in opts.kinds.split(","):
                report["results"].extend(run_kind(conn, kind.strip(), opts, rng))
    finally:
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(DATABASE)))
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"compress-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
