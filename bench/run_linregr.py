"""Benchmark linear regression in indb_ml against the scan floor and client-side numpy.

    .venv/bin/python bench/run_linregr.py [--dsn DSN] [--rows 1000000] [--widths 10,50]
                                          [--agg-rows 100000] [--repeat 3]

Without --dsn it starts the embedded server in $INDB_ML_BENCH_DATA (default
/var/lib/indb_ml/bench). Tables ``bench_<rows>x<k>`` are created once and reused.
Prints one table per width and writes bench/results/linregr-<timestamp>.json.
No timed assertions: this measures, it does not judge.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import psycopg
from psycopg import sql

RESULTS_DIR = Path(__file__).resolve().parent / "results"
OUT_TABLE = "bench_linregr_out"
COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
COPY_FLUSH_BYTES = 16 << 20  # parse the binary COPY stream in pieces of about this size
SEED = 0.42


# -- helpers -------------------------------------------------------------------------


def feature_names(k: int) -> list[str]:
    return [f"x{i}" for i in range(1, k + 1)]


def feature_list(k: int) -> sql.Composed:
    """``"x1", "x2", ...`` as SQL."""
    return sql.SQL(", ").join(map(sql.Identifier, feature_names(k)))


def true_coef(k: int) -> list[float]:
    """Intercept, then one coefficient per feature: deterministic, mixed signs and sizes."""
    return [2.0] + [round(((j % 7) - 3) * 0.5 + j * 0.01, 4) for j in range(1, k + 1)]


def timed(fn: Callable[[], object], repeat: int) -> tuple[list[float], object]:
    """Run fn repeat times; return the wall-clock seconds of each run and the last result."""
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return times, result


def summarize(times: list[float]) -> dict:
    return {"min_s": min(times), "median_s": statistics.median(times), "runs_s": times}


def max_rel_diff(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


def workers_planned(conn: psycopg.Connection, query: sql.Composable) -> int:
    """Workers Planned in EXPLAIN (0 if the plan has no Gather)."""
    plan = conn.execute(sql.SQL("EXPLAIN (FORMAT JSON) {}").format(query)).fetchone()[0]

    def walk(node: dict) -> int:
        own = node.get("Workers Planned", 0)
        return max([own] + [walk(child) for child in node.get("Plans", [])])

    return walk(plan[0]["Plan"])


def set_all(conn: psycopg.Connection, settings: dict[str, str]) -> None:
    for name, value in settings.items():
        conn.execute("SELECT set_config(%s, %s, false)", (name, value))


# -- data ---------------------------------------------------------------------------


def ensure_table(conn: psycopg.Connection, rows: int, k: int) -> tuple[str, float | None]:
    """Create bench_<rows>x<k> unless it exists with the right shape; return (name, seconds to create)."""
    name = f"bench_{rows}x{k}"
    table = sql.Identifier(name)
    xs = feature_names(k)
    if conn.execute("SELECT to_regclass(%s)", (name,)).fetchone()[0] is not None:
        cols = [r[0] for r in conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
            "AND NOT attisdropped ORDER BY attnum", (name,))]
        count = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(table)).fetchone()[0]
        if cols == ["id", "y", *xs] and count == rows:
            return name, None
        conn.execute(sql.SQL("DROP TABLE {}").format(table))
    coef = true_coef(k)
    y = sql.SQL(" + ").join([sql.Literal(coef[0])] + [
        sql.SQL("{} * {}").format(sql.Literal(c), sql.Identifier(x)) for c, x in zip(coef[1:], xs)
    ])
    draws = sql.SQL(", ").join(sql.SQL("random() AS {}").format(sql.Identifier(x)) for x in xs)
    print(f"creating {name} ...", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    with conn.transaction():
        conn.execute("SELECT setseed(%s)", (SEED,))
        # random() is volatile, so the subquery is not flattened: each x is drawn once per row.
        conn.execute(sql.SQL(
            "CREATE TABLE {table} AS SELECT id, {y} + (random() - 0.5) AS y, {xs} FROM ("
            "SELECT g::bigint AS id, {draws} FROM generate_series(1, {rows}) g) s"
        ).format(table=table, y=y, xs=feature_list(k), draws=draws, rows=sql.Literal(int(rows))))
    conn.execute(sql.SQL("VACUUM ANALYZE {}").format(table))
    return name, time.perf_counter() - t0


# -- methods -------------------------------------------------------------------------


def train_timed(conn: psycopg.Connection, table: str, k: int, repeat: int) -> tuple[list[float], list[float]]:
    """Each call in its own transaction (commit included in the time); outputs dropped between runs, untimed."""
    features = sql.SQL("ARRAY[1, {}]").format(feature_list(k)).as_string(conn)  # MADlib's expression text
    out, summary = sql.Identifier(OUT_TABLE), sql.Identifier(OUT_TABLE + "_summary")
    drop = sql.SQL("DROP TABLE IF EXISTS {}, {}").format(out, summary)
    times = []
    for _ in range(repeat):
        conn.execute(drop)
        t0 = time.perf_counter()
        with conn.transaction():
            conn.execute("SELECT indb_ml.linregr_train(%s, %s, 'y', %s)", (table, OUT_TABLE, features))
        times.append(time.perf_counter() - t0)
    coef = conn.execute(sql.SQL("SELECT coef FROM {}").format(out)).fetchone()[0]
    conn.execute(drop)
    return times, coef


def copy_to_numpy(conn: psycopg.Connection, table: str, k: int, rows: int) -> np.ndarray:
    """COPY (SELECT y, x1..xk) in binary format into an (n, k+1) float64 array [y, x1..xk].

    The stream is parsed with a structured dtype over whole rows (int16 field
    count, then an int32 length and a big-endian float8 per column), a few MB
    at a time: no Python per row.
    """
    ncols = k + 1
    row_dtype = np.dtype([("n", ">i2"), ("f", [("len", ">i4"), ("v", ">f8")], (ncols,))])
    rowsize = row_dtype.itemsize
    out = np.empty((rows, ncols))
    filled = 0
    pending: list[bytes] = []
    pending_bytes = 0
    header_done = False

    def parse(buf: bytes, final: bool) -> bytes:
        nonlocal filled, header_done
        pos = 0
        if not header_done:
            if len(buf) < 19:
                return buf
            if buf[:11] != COPY_SIGNATURE:
                raise RuntimeError("not a binary COPY stream")
            pos = 19 + int.from_bytes(buf[15:19], "big")  # signature, flags, header extension
            header_done = True
        nfull = (len(buf) - pos) // rowsize
        if final:
            trailer = buf[pos + nfull * rowsize:]
            if trailer != b"\xff\xff":
                raise RuntimeError(f"unexpected end of COPY stream: {trailer[:8]!r}")
        if nfull:
            recs = np.frombuffer(buf, dtype=row_dtype, count=nfull, offset=pos)
            if (recs["n"] != ncols).any() or (recs["f"]["len"] != 8).any():
                raise RuntimeError("unexpected field count or NULL in COPY stream")
            if filled + nfull > rows:
                raise RuntimeError("COPY returned more rows than expected")
            out[filled:filled + nfull] = recs["f"]["v"]
            filled += nfull
        return buf[pos + nfull * rowsize:]

    query = sql.SQL("COPY (SELECT y, {} FROM {}) TO STDOUT (FORMAT BINARY)").format(
        feature_list(k), sql.Identifier(table)
    )
    with conn.cursor() as cur, cur.copy(query) as copy:
        while data := copy.read():
            pending.append(bytes(data))  # joining bytes is faster than joining memoryviews
            pending_bytes += len(data)
            if pending_bytes >= COPY_FLUSH_BYTES:
                rest = parse(b"".join(pending), final=False)
                pending, pending_bytes = [rest], len(rest)
    parse(b"".join(pending), final=True)
    if filled != rows:
        raise RuntimeError(f"COPY returned {filled} rows, expected {rows}")
    return out


def lstsq(data: np.ndarray) -> np.ndarray:
    """OLS of column 0 on [1, columns 1..k] with numpy (building X is part of the cost)."""
    n, ncols = data.shape
    X = np.empty((n, ncols))
    X[:, 0] = 1.0
    X[:, 1:] = data[:, 1:]
    return np.linalg.lstsq(X, data[:, 0], rcond=None)[0]


# -- one width -----------------------------------------------------------------------


def bench_width(conn: psycopg.Connection, args: argparse.Namespace, k: int, force_parallel: str) -> dict:
    rows, repeat = args.rows, args.repeat
    table, create_s = ensure_table(conn, rows, k)
    agg_rows = min(args.agg_rows, rows)
    size = conn.execute("SELECT pg_total_relation_size(%s::regclass)", (table,)).fetchone()[0]
    print(f"benchmarking {table} ({size / 2**20:.0f} MiB) ...", file=sys.stderr, flush=True)
    res: dict = {"table": table, "rows": rows, "features": k, "table_bytes": size,
                 "create_s": create_s, "agg_rows": agg_rows, "methods": {}}
    m = res["methods"]

    floor_q = sql.SQL("SELECT sum(x1) FROM {}").format(sql.Identifier(table))
    conn.execute(floor_q).fetchone()  # warm the cache, untimed
    m["floor_parallel"] = summarize(timed(lambda: conn.execute(floor_q).fetchone(), repeat)[0])
    m["floor_parallel"]["workers_planned"] = workers_planned(conn, floor_q)
    conn.execute("SET max_parallel_workers_per_gather = 0")
    m["floor_serial"] = summarize(timed(lambda: conn.execute(floor_q).fetchone(), repeat)[0])
    m["floor_serial"]["workers_planned"] = workers_planned(conn, floor_q)
    conn.execute("RESET ALL")

    times, train_coef = train_timed(conn, table, k, repeat)
    m["linregr_train"] = summarize(times)

    agg_q = sql.SQL("SELECT (indb_ml.linregr(y, ARRAY[1, {}])).coef FROM {} WHERE id <= {}").format(
        feature_list(k), sql.Identifier(table), sql.Literal(agg_rows)
    )
    scale = rows / agg_rows
    for label, settings in (("agg", {}), ("agg_parallel", {
        force_parallel: "on", "parallel_setup_cost": "0", "parallel_tuple_cost": "0",
        "min_parallel_table_scan_size": "0", "max_parallel_workers_per_gather": "2",
    })):
        set_all(conn, settings)
        times, agg_coef = timed(lambda: conn.execute(agg_q).fetchone()[0], repeat)
        m[label] = summarize(times)
        m[label]["workers_planned"] = workers_planned(conn, agg_q)
        m[label]["settings"] = settings
        m[label]["coef_on_subset"] = list(agg_coef)
        m[label]["s_per_1M_rows_extrapolated"] = min(times) * 1e6 / agg_rows
        m[label + "_extrapolated"] = {
            "min_s": min(times) * scale, "median_s": statistics.median(times) * scale,
            "extrapolated_from_rows": agg_rows, "to_rows": rows,
        }
        conn.execute("RESET ALL")

    loaded: list[np.ndarray] = []

    def export() -> None:
        loaded.clear()  # free the previous copy before reading the next
        loaded.append(copy_to_numpy(conn, table, k, rows))

    export_times, _ = timed(export, repeat)
    lstsq_times, client_coef = timed(lambda: lstsq(loaded[0]), repeat)
    m["copy_export"] = summarize(export_times)
    m["copy_lstsq_total"] = {"min_s": min(export_times) + min(lstsq_times),
                             "median_s": statistics.median(export_times) + statistics.median(lstsq_times),
                             "note": "export + in-memory lstsq"}
    m["numpy_in_memory"] = summarize(lstsq_times)

    res["coef_train"] = list(train_coef)
    res["coef_client_lstsq"] = client_coef.tolist()
    res["coef_true"] = true_coef(k)
    res["max_rel_diff_train_vs_lstsq"] = max_rel_diff(train_coef, client_coef)
    loaded.clear()
    return res


LABELS = [
    ("floor_parallel", "scan floor sum(x1), default settings"),
    ("floor_serial", "scan floor sum(x1), serial"),
    ("linregr_train", "indb_ml.linregr_train"),
    ("agg", "linregr aggregate, measured on {agg_rows} rows"),
    ("agg_extrapolated", "linregr aggregate, EXTRAPOLATED to {rows} rows"),
    ("agg_parallel", "linregr aggregate, forced parallel, measured on {agg_rows} rows"),
    ("agg_parallel_extrapolated", "linregr aggregate, forced parallel, EXTRAPOLATED to {rows} rows"),
    ("copy_export", "client: binary COPY into numpy"),
    ("copy_lstsq_total", "client: COPY + numpy lstsq, total"),
    ("numpy_in_memory", "client: numpy lstsq in memory"),
]


def print_table(res: dict) -> None:
    m = res["methods"]
    floor, serial = m["floor_parallel"]["min_s"], m["floor_serial"]["min_s"]
    labels = [(key, text.format(**res)) for key, text in LABELS]
    width = max(len(text) for _, text in labels)
    print(f"\n{res['table']}: {res['rows']} rows x {res['features']} features, "
          f"{res['table_bytes'] / 2**20:.0f} MiB")
    print(f"{'method':<{width}}  {'min s':>9}  {'median s':>9}  {'x floor':>8}  {'x serial':>8}")
    for key, text in labels:
        r = m[key]
        # A time measured on fewer rows is not comparable with a full-table scan.
        measured_on_subset = key in ("agg", "agg_parallel") and res["agg_rows"] != res["rows"]
        ratios = ("-", "-") if measured_on_subset else (f"{r['min_s'] / floor:.1f}", f"{r['min_s'] / serial:.1f}")
        print(f"{text:<{width}}  {r['min_s']:9.3f}  {r['median_s']:9.3f}  {ratios[0]:>8}  {ratios[1]:>8}")
    print(f"workers planned: floor {m['floor_parallel']['workers_planned']}, "
          f"aggregate forced parallel {m['agg_parallel']['workers_planned']}")
    print(f"max relative difference of coef, linregr_train vs client lstsq: {res['max_rel_diff_train_vs_lstsq']:.2e}")


# -- main --------------------------------------------------------------------------


def machine_info(conn: psycopg.Connection) -> dict:
    def proc_field(path: str, key: str) -> str | None:
        try:
            text = Path(path).read_text()
        except OSError:
            return None
        return next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith(key)), None)

    cpu = proc_field("/proc/cpuinfo", "model name")
    mem = proc_field("/proc/meminfo", "MemTotal")
    settings = {name: conn.execute("SELECT current_setting(%s)", (name,)).fetchone()[0] for name in (
        "shared_buffers", "work_mem", "max_parallel_workers_per_gather", "max_parallel_workers", "jit")}
    return {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": cpu,
        "mem_total": mem,
        "platform": platform.platform(),
        "client_python": platform.python_version(),
        "client_numpy": np.__version__,
        "client_psycopg": psycopg.__version__,
        "postgresql": conn.execute("SELECT version()").fetchone()[0],
        "server_version_num": conn.info.server_version,
        "server_settings": settings,
        "indb_ml_server_info": conn.execute("SELECT indb_ml.server_info()").fetchone()[0],
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dsn", help="database with the indb_ml extension (default: start the embedded server)")
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--widths", default="10,50", help="comma-separated feature counts")
    p.add_argument("--agg-rows", type=int, default=100_000,
                   help="rows (id <= N) for the per-row aggregate, which is extrapolated to --rows")
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args(argv)
    widths = [int(w) for w in args.widths.split(",") if w.strip()]
    if args.rows < 1 or args.agg_rows < 1 or args.repeat < 1 or not widths or min(widths) < 1:
        p.error("--rows, --agg-rows, --repeat and widths must be positive")

    dsn = args.dsn
    if dsn is None:
        from indb_ml.cli.server import EmbeddedServer

        dsn = EmbeddedServer(Path(os.environ.get("INDB_ML_BENCH_DATA", "/var/lib/indb_ml/bench"))).start()

    started = datetime.now(UTC)
    with psycopg.connect(dsn, autocommit=True) as conn:
        force_parallel = "debug_parallel_query" if conn.info.server_version >= 160000 else "force_parallel_mode"
        report = {"started_utc": started.isoformat(), "args": vars(args), "machine": machine_info(conn),
                  "results": []}
        for k in widths:
            res = bench_width(conn, args, k, force_parallel)
            report["results"].append(res)
            print_table(res)

    info = report["machine"]
    print(f"\nnproc {info['nproc']}, {info['postgresql'].split(' on ')[0]}, "
          f"server numpy {info['indb_ml_server_info'].get('numpy')} / {info['indb_ml_server_info'].get('blas')}")
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"linregr-{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
