"""The C aggregate core (issue "one aggregate per pass") against its floors, in one run.

    .venv/bin/python bench/run_aggregates.py [--dsn DSN] [--rows 1000000] [--parallel-rows 4000000]
                                             [--widths 10,50,200] [--repeat 3]

Floors, measured in the same run on the same table: the scan floor ``SELECT sum(x1)`` and
the input floor ``SELECT sum(cardinality(ARRAY[1, x1, ..., xk]))`` (deforming k columns and
building the argument array, which every aggregate over ``ARRAY[...]`` pays before any
arithmetic). Then, serial unless said: the ``linregr`` and ``gram`` aggregates,
``linregr_train``, ``linregr_predict`` against the same prediction written as plain
arithmetic, and ``linregr`` on ``--parallel-rows`` rows serial and with 2 workers.
Tables ``bench_<rows>x<k>`` are shared with run_linregr.py. Prints ratios; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_linregr import RESULTS_DIR, ensure_table, feature_list, feature_names, set_all, timed  # noqa: E402

SERIAL = {"max_parallel_workers_per_gather": "0"}
PARALLEL2 = {"max_parallel_workers_per_gather": "2", "parallel_setup_cost": "0", "parallel_tuple_cost": "0",
             "min_parallel_table_scan_size": "0"}


def best(conn, query, repeat: int) -> float:
    conn.execute(query).fetchall()  # warm: caches, the Python import of a final function
    return min(timed(lambda: conn.execute(query).fetchall(), repeat)[0])


def array_of(k: int) -> sql.Composed:
    return sql.SQL("ARRAY[1, {}]").format(feature_list(k))


def bench_width(conn, table: str, k: int, repeat: int) -> dict:
    t = sql.Identifier(table)
    arr = array_of(k)
    q = {
        "scan floor sum(x1)": sql.SQL("SELECT sum(x1) FROM {}").format(t),
        "input floor sum(cardinality(ARRAY[...]))": sql.SQL("SELECT sum(cardinality({})) FROM {}").format(arr, t),
        "linregr aggregate": sql.SQL("SELECT (indb_ml.linregr(y, {})).coef FROM {}").format(arr, t),
        "gram aggregate": sql.SQL("SELECT cardinality(indb_ml.gram({})) FROM {}").format(arr, t),
    }
    coef = sql.Literal([float(i % 5) - 2 for i in range(k + 1)])
    plain = sql.SQL(" + ").join([sql.SQL("({} * 1)").format(sql.Literal(-2.0))] + [
        sql.SQL("({}::float8 * {})").format(sql.Literal(float((i + 1) % 5) - 2), sql.Identifier(x))
        for i, x in enumerate(feature_names(k))])
    q["linregr_predict"] = sql.SQL("SELECT sum(indb_ml.linregr_predict({}::float8[], {})) FROM {}").format(coef, arr, t)
    q["plain arithmetic prediction"] = sql.SQL("SELECT sum({}) FROM {}").format(plain, t)
    set_all(conn, SERIAL)
    out = {name: best(conn, query, repeat) for name, query in q.items()}
    train = sql.SQL("SELECT indb_ml.linregr_train({}, 'bench_agg_out', 'y', {})").format(
        sql.Literal(table), sql.Literal("ARRAY[1, " + ", ".join(feature_names(k)) + "]"))

    def run_train():
        with conn.transaction():
            conn.execute(train)
            conn.execute("DROP TABLE bench_agg_out, bench_agg_out_summary")

    for label, settings in (("linregr_train (serial)", SERIAL), ("linregr_train (default settings)", {
            "max_parallel_workers_per_gather": "2"})):
        set_all(conn, settings)
        run_train()
        out[label] = min(timed(run_train, repeat)[0])
    set_all(conn, {"max_parallel_workers_per_gather": "2"})
    out["scan floor sum(x1) (default settings)"] = best(conn, q["scan floor sum(x1)"], repeat)
    return out


def bench_parallel(conn, table: str, k: int, repeat: int) -> dict:
    query = sql.SQL("SELECT (indb_ml.linregr(y, {})).coef FROM {}").format(array_of(k), sql.Identifier(table))
    set_all(conn, SERIAL)
    serial = best(conn, query, repeat)
    set_all(conn, PARALLEL2)
    plan = "\n".join(r[0] for r in conn.execute(sql.SQL("EXPLAIN {}").format(query)))
    parallel = best(conn, query, repeat)
    return {"serial": serial, "2 workers": parallel, "speed-up": serial / parallel,
            "plan has Partial Aggregate": "Partial Aggregate" in plan}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dsn")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--parallel-rows", type=int, default=4_000_000)
    ap.add_argument("--widths", default="10,50,200")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    dsn = args.dsn
    server = None
    if dsn is None:
        from indb_ml.cli.server import EmbeddedServer

        server = EmbeddedServer(Path(os.environ.get("INDB_ML_BENCH_DATA", "/var/lib/indb_ml/bench")))
        dsn = server.start(create_extension=True)
    results: dict = {"rows": args.rows, "widths": {}}
    # prepare_threshold=None: a statement psycopg prepares keeps its plan when settings change
    # (serial vs parallel), so every query here is planned afresh.
    with psycopg.connect(dsn, autocommit=True, prepare_threshold=None) as conn:
        for k in (int(w) for w in args.widths.split(",")):
            rows = args.rows if k <= 50 else args.rows // 5  # k^2 per row: fewer rows for wide data
            table, _ = ensure_table(conn, rows, k)
            res = bench_width(conn, table, k, args.repeat)
            results["widths"][k] = {"rows": rows, **res}
            scan, inp = res["scan floor sum(x1)"], res["input floor sum(cardinality(ARRAY[...]))"]
            print(f"\n{rows} rows x {k} features (serial unless said), best of {args.repeat}")
            for name, s in res.items():
                print(f"  {name:<44} {s:8.3f} s  {s / scan:6.2f}x scan  {s / inp:6.2f}x input")
            ratio = res["linregr_predict"] / res["plain arithmetic prediction"]
            print(f"  linregr_predict / plain arithmetic: {ratio:.2f}x")
        table, _ = ensure_table(conn, args.parallel_rows, 10)
        par = bench_parallel(conn, table, 10, args.repeat)
        results["parallel"] = {"rows": args.parallel_rows, **par}
        print(f"\nlinregr aggregate, {args.parallel_rows} rows x 10: serial {par['serial']:.3f} s, 2 workers "
              f"{par['2 workers']:.3f} s ({par['speed-up']:.2f}x; Partial Aggregate in plan: "
              f"{par['plan has Partial Aggregate']})")
    if server is not None:
        server.stop()
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"aggregates-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(results, indent=2, default=float))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
