"""Benchmark logregr_train (IRLS) and glm (poisson) on their two plans, in one run.

    .venv/bin/python bench/run_irls_plans.py --dsn DSN [--rows 1000000] [--k 10] [--repeat 3]

Creates the seeded table ``irls_<rows>x<k>`` when missing (features uniform on [0, 1), a
binary ``yb`` drawn from a logistic model and counts ``cnt`` that grow with x1). Times, best
of --repeat, serial (``max_parallel_workers_per_gather = 0``) unless the label says
parallel, each trainer in its own transaction with the commit:

- the scan floor ``SELECT sum(x1)`` and the input floor ``SELECT sum(cardinality(ARRAY[1,
  x1, ..., xk]))``;
- one aggregate pass: ``indb_ml._logregr_step`` (over ``ARRAY[...]``), its column form
  ``_logregr_step_cols`` (what the aggregate plan runs when the features are listed) and
  ``indb_ml._glm_step`` at fixed coefficients (the per-iteration cost of the aggregate plan);
- ``logregr_train`` IRLS to tolerance 1e-8 and ``glm`` poisson on ``indb_ml.training_plan =
  memory`` (rows packed once, numpy passes) and ``= aggregate`` (one C aggregate statement
  per iteration), serial and with 2 parallel workers;
- above the memory cap (``indb_ml.matrix_memory_mb = 0``): what logregr_train does now
  (aggregate passes) and the streamed temporary tiles it used before, run through the same
  kernel from a DO block.

Prints the times and their ratios to the floors, and the largest relative difference between
the coefficients of the two plans. No timed assertions.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import psycopg


def best(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def ensure_table(conn, rows: int, k: int) -> str:
    name = f"irls_{rows}x{k}"
    if conn.execute("SELECT to_regclass(%s)", [name]).fetchone()[0] is None:
        xs = ", ".join(f"random() AS x{i + 1}" for i in range(k))
        coefs = [1.0, -1.0, 0.5, -0.5, 0.8, 0.3, 0.3, -0.4, 0.2, -0.1]
        eta = "-1.5 + " + " + ".join(f"{coefs[i % 10]} * x{i + 1}" for i in range(k))
        conn.execute("SELECT setseed(0.42)")
        conn.execute(f"CREATE TABLE {name} AS SELECT id, {', '.join(f'x{i + 1}' for i in range(k))}, "
                     f"(random() < 1 / (1 + exp(-({eta}))))::int AS yb, "
                     f"floor(-ln(1 - random()) * exp(0.2 + 0.3 * x1 - 0.2 * x2))::int AS cnt "
                     f"FROM (SELECT i AS id, {xs} FROM generate_series(1, {rows}) i) s")
        conn.execute(f"VACUUM ANALYZE {name}")
    return name


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    conn = psycopg.connect(args.dsn, autocommit=True, prepare_threshold=None)  # plans follow the settings
    table = ensure_table(conn, args.rows, args.k)
    feats = "ARRAY[1, " + ", ".join(f"x{i + 1}" for i in range(args.k)) + "]"
    zeros = "'{" + ",".join(["0.01"] * (args.k + 1)) + "}'::float8[]"
    conn.execute("SET max_parallel_workers_per_gather = 0")
    out = []

    def timed(label, sql, params=(), settings=(), repeat=args.repeat):
        def run():
            conn.execute("DROP TABLE IF EXISTS bench_out, bench_out_summary")
            with conn.transaction():
                for name, value in settings:
                    conn.execute("SELECT set_config(%s, %s, true)", [name, value])
                return conn.execute(sql, params).fetchone()
        t, _ = best(run, repeat)
        out.append((label, t))
        print(f"{label:58s} {t:8.3f} s", flush=True)
        return t

    scan = timed("scan floor: sum(x1)", f"SELECT sum(x1) FROM {table}")
    inp = timed("input floor: sum(cardinality(ARRAY[1, x...]))", f"SELECT sum(cardinality({feats})) FROM {table}")
    timed("one pass: _logregr_step", f"SELECT indb_ml._logregr_step(yb::float8, {feats}, {zeros}) FROM {table}")
    listed = "yb::float8, 1::float8, " + ", ".join(f"x{i + 1}::float8" for i in range(args.k))
    timed("one pass: _logregr_step_cols (the row as arguments)",
          f"SELECT indb_ml._logregr_step_cols({zeros}, {listed}) FROM {table}")
    timed("one pass: _glm_step (poisson, log)",
          f"SELECT indb_ml._glm_step(cnt::float8, {feats}, {zeros}, 3, 2, NULL) FROM {table}")
    logregr = "SELECT indb_ml.logregr_train(%s, 'bench_out', 'yb', %s, NULL, 50, 'irls', 1e-8)"
    glm = ("SELECT indb_ml.glm(%s, 'bench_out', 'cnt', %s, 'family=poisson, link=log', NULL, "
           "'max_iter=50, tolerance=1e-8')")
    coefs = {}
    for what, sql in (("logregr_train IRLS 1e-8", logregr), ("glm poisson 1e-8", glm)):
        for plan, workers in (("memory", "0"), ("aggregate", "0"), ("aggregate", "2")):
            label = f"{what}: {plan}" + (" (2 parallel workers)" if workers != "0" else "")
            timed(label, sql, [table, feats], [("indb_ml.training_plan", plan),
                                               ("max_parallel_workers_per_gather", workers)])
            conn.execute("DROP TABLE IF EXISTS bench_out, bench_out_summary")
            with conn.transaction():
                conn.execute("SELECT set_config('indb_ml.training_plan', %s, true)", [plan])
                conn.execute(sql, [table, feats])
                coef, iters = conn.execute("SELECT coef, num_iterations FROM bench_out").fetchone()
                coefs[(what, plan)] = np.array(coef)
            print(f"{'':58s} {iters} iterations")
    timed("logregr_train IRLS 1e-8 above the cap: aggregate passes", logregr, [table, feats],
          [("indb_ml.matrix_memory_mb", "0")])
    kernel = (
        "DO $$\n"
        "from indb_ml.core.session import Session\n"
        "from indb_ml.core.relations import resolve_source\n"
        "from indb_ml.core.features import resolve_features\n"
        "from indb_ml.core.packed import training_rows\n"
        "from indb_ml.kernels.logregr import irls\n"
        "from indb_ml.regress.logregr import _binary\n"
        "sess = Session(plpy)\n"
        f"src = resolve_source(sess, '{table}')\n"
        f"f = resolve_features(sess, src, 'yb', '{feats}', [], allow_bool=True)\n"
        "groups, skipped, close = training_rows(sess, src, f, _binary, 'bench')\n"
        "for d in groups.values():\n"
        "    irls(d.blocks, d.width, 50, 1e-8)\n"
        "close()\n"
        "$$ LANGUAGE plpython3u"
    )

    def tiles():
        with conn.transaction():
            conn.execute("SELECT set_config('indb_ml.matrix_memory_mb', '0', true)")
            conn.execute(kernel)
    t_tiles, _ = best(tiles, 1)
    print(f"{'logregr_train IRLS 1e-8 above the cap: streamed tiles (before)':58s} {t_tiles:8.3f} s")
    out.append(("tiles", t_tiles))
    print()
    print(f"floors: scan {scan:.3f} s, input {inp:.3f} s")
    for label, t in out:
        print(f"{label:58s} {t / scan:6.1f}x scan {t / inp:6.2f}x input")
    for what in ("logregr_train IRLS 1e-8", "glm poisson 1e-8"):
        a, b = coefs[(what, "memory")], coefs[(what, "aggregate")]
        print(f"{what}: max relative coefficient difference memory vs aggregate "
              f"{float(np.max(np.abs(a - b) / np.abs(a))):.1e}")


if __name__ == "__main__":
    main()
