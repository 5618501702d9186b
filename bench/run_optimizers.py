"""MADlib's iterative optimizers (issue 14) against the scan floor, in one run.

    .venv/bin/python bench/run_optimizers.py [--dsn DSN] [--rows 200000] [--k 10] [--repeat 2]

``elastic_net_train`` with ``'fista'`` (MADlib's default, now MADlib's FISTA pass for pass),
``'igd'`` (MADlib's per-row IGD, a C aggregate taking the rows in order) and ``'cd'``
(indb_ml's coordinate descent to the exact minimizer), gaussian and binomial, on a plain
table and through a view; ``logregr_train`` with ``'irls'``, ``'cg'`` and ``'igd'``. Each
time is divided by the scan floor ``SELECT sum(x1)`` of the same table, measured in the same
run, and by the number of passes the fit reports (``iteration_run`` / ``num_iterations``),
so a pass's cost can be compared with one scan. Tables ``bench_<rows>x<k>`` are shared with
run_linregr.py (``y`` is gaussian; the binomial fits use ``y > 0``). Prints; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_linregr import ensure_table, feature_names, set_all, timed  # noqa: E402

SERIAL = {"max_parallel_workers_per_gather": "0"}


def fit_time(conn, query: sql.Composable, out: str, repeat: int, passes_sql: str) -> tuple[float, int]:
    """Best wall time of ``repeat`` fits (the output dropped between them) and the passes reported."""
    def once():
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}, {}").format(sql.Identifier(out),
                                                                   sql.Identifier(out + "_summary")))
        conn.execute(query)
    once()  # warm: the Python imports of the first call
    times, _ = timed(once, repeat)
    passes = conn.execute(sql.SQL(passes_sql).format(sql.Identifier(out))).fetchone()[0]
    return min(times), int(passes)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dsn", default=os.environ.get("INDB_ML_DSN"))
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=2)
    a = ap.parse_args(argv)
    if not a.dsn:
        ap.error("--dsn (or INDB_ML_DSN) is required")
    with psycopg.connect(a.dsn, autocommit=True) as conn:
        conn.execute("SET client_min_messages = warning")
        set_all(conn, SERIAL)
        table, _ = ensure_table(conn, a.rows, a.k)
        view = table + "_v"
        conn.execute(sql.SQL("CREATE OR REPLACE VIEW {} AS SELECT * FROM {}").format(
            sql.Identifier(view), sql.Identifier(table)))
        scan = min(timed(lambda: conn.execute(sql.SQL("SELECT sum(x1) FROM {}").format(
            sql.Identifier(table))).fetchall(), 3)[0])
        x = "ARRAY[" + ", ".join(feature_names(a.k)) + "]"
        print(f"{a.rows} rows x {a.k} features, serial; scan floor SELECT sum(x1): {scan:.4f} s")
        print(f"{'fit':52s} {'time':>9s} {'passes':>7s} {'x scan':>8s} {'per pass':>9s}")
        runs = []
        for src in (table, view):
            for fam, dep in (("gaussian", "y"), ("binomial", "y > 0")):
                for opt in ("fista", "igd", "cd"):
                    q = sql.SQL("SELECT indb_ml.elastic_net_train({}, 'bench_opt', {}, {}, {}, 0.5, 0.01, true, "
                                "NULL, {}, NULL, NULL, 100, 1e-6)").format(
                        sql.Literal(src), sql.Literal(dep), sql.Literal(x), sql.Literal(fam), sql.Literal(opt))
                    runs.append((f"elastic_net {fam:8s} {opt:5s} on {'view' if src == view else 'table'}", q,
                                 "SELECT max(iteration_run) FROM {}"))
        for opt in ("irls", "cg", "igd"):
            q = sql.SQL("SELECT indb_ml.logregr_train({}, 'bench_opt', 'y > 0', {}, NULL, 100, {}, 1e-6)").format(
                sql.Literal(table), sql.Literal("ARRAY[1, " + ", ".join(feature_names(a.k)) + "]"), sql.Literal(opt))
            runs.append((f"logregr_train {opt:5s} on table", q, "SELECT max(num_iterations) FROM {}"))
        for name, q, passes_sql in runs:
            t, passes = fit_time(conn, q, "bench_opt", a.repeat, passes_sql)
            print(f"{name:52s} {t:8.3f}s {passes:7d} {t / scan:7.1f}x {t / max(passes, 1) / scan:8.2f}x")
        conn.execute(sql.SQL("DROP TABLE IF EXISTS bench_opt, bench_opt_summary; DROP VIEW {}").format(
            sql.Identifier(view)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
