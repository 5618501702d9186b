"""Benchmark the multinomial and ordinal trainers on their two plans, in one run.

    .venv/bin/python bench/run_category_plans.py --dsn DSN [--rows 1000000] [--k 10] [--repeat 2]
                                                 [--only PREFIXES] [--server-pythonpath DIR]

Creates the seeded table ``cat_<rows>x<k>`` when missing: features uniform on [0, 1),
``y3`` and ``y4`` drawn from multinomial logit models with 3 and 4 categories, and ``grade``
(0..3) from a cumulative logit model. Times, best of --repeat, serial
(``max_parallel_workers_per_gather = 0``) unless the label says parallel, each trainer in
its own transaction:

- the scan floor ``SELECT sum(x1)`` and the input floor ``SELECT sum(cardinality(ARRAY[1,
  x1, ..., xk]))``;
- one aggregate pass at fixed coefficients: ``indb_ml._mlogit_step`` (K = 3, 4) and
  ``indb_ml._ordinal_step`` without and with the information matrix (the per-iteration
  cost of the aggregate plan);
- ``mlogregr_train`` (K = 3, 4; default tolerance 1e-4), ``robust_variance_mlogregr``,
  ``clustered_variance_mlogregr`` (500 clusters) and ``ordinal`` (logit) on
  ``indb_ml.training_plan = memory`` (rows packed once, numpy passes) and ``= aggregate``
  (one C aggregate statement per Newton step or line-search trial), serial and with 2 parallel
  workers;
- ``multinom_predict_prob`` and ``ordinal_predict_prob`` (C) over every row against the
  PL/pgSQL bodies they replaced (created here as ``pg_temp`` functions).

Prints the times, their ratios to the floors, and the largest relative difference between
the two plans' coefficients. No timed assertions. ``--server-pythonpath DIR`` puts DIR first
on the server's Python path in the benchmark's own session before indb_ml is imported there
(e.g. ``git archive HEAD indb_ml | tar -x -C DIR``, readable by the server): another
revision's Python drivers timed in the same run, without reinstalling the server's package.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import psycopg

OLD_MULTINOM = """
CREATE FUNCTION pg_temp.old_multinom_prob(coef float8[], col_ind_var float8[]) RETURNS float8[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    m int := pg_catalog.array_length(coef, 1);
    k int := pg_catalog.array_length(coef, 2);
    p float8[];
    top float8 := 0;
    total float8 := 0;
    e float8;
BEGIN
    p := pg_catalog.array_fill(0::float8, ARRAY[m + 1]);
    FOR i IN 1..m LOOP
        e := 0;
        FOR j IN 1..k LOOP
            e := e + coef[i][j] * col_ind_var[j];
        END LOOP;
        p[i + 1] := e;
        top := GREATEST(top, e);
    END LOOP;
    FOR i IN 1..m + 1 LOOP
        p[i] := pg_catalog.exp(p[i] - top);
        total := total + p[i];
    END LOOP;
    FOR i IN 1..m + 1 LOOP
        p[i] := p[i] / total;
    END LOOP;
    RETURN p;
END $$"""


def best(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def ensure_table(conn, rows: int, k: int) -> str:
    name = f"cat_{rows}x{k}"
    if conn.execute("SELECT to_regclass(%s)", [name]).fetchone()[0] is None:
        xs = ", ".join(f"random() AS x{i + 1}" for i in range(k))
        rng = np.random.default_rng(3)
        b = rng.normal(size=(3, k + 1)).round(2)

        def eta(j):
            return f"({b[j, 0]} + " + " + ".join(f"{b[j, i + 1]} * x{i + 1}" for i in range(k)) + ")"

        e = [eta(j) for j in range(3)]
        conn.execute("SELECT setseed(0.42)")
        conn.execute(f"CREATE TABLE {name} AS SELECT id, {', '.join(f'x{i + 1}' for i in range(k))}, "
                     f"CASE WHEN u3 * t3 < 1 THEN 0 WHEN u3 * t3 < 1 + exp({e[0]}) THEN 1 ELSE 2 END AS y3, "
                     f"CASE WHEN u4 * t4 < 1 THEN 0 WHEN u4 * t4 < 1 + exp({e[0]}) THEN 1 "
                     f"WHEN u4 * t4 < 1 + exp({e[0]}) + exp({e[1]}) THEN 2 ELSE 3 END AS y4, "
                     f"width_bucket({e[2]} + ln(uo / (1 - uo)), ARRAY[-1.0, 0.0, 1.0]) AS grade "
                     f"FROM (SELECT *, 1 + exp({e[0]}) + exp({e[1]}) AS t3, 1 + exp({e[0]}) + exp({e[1]}) "
                     f"+ exp({e[2]}) AS t4 FROM (SELECT i AS id, {xs}, random() AS u3, random() AS u4, "
                     f"random() AS uo FROM generate_series(1, {rows}) i) s) s")
        conn.execute(f"VACUUM ANALYZE {name}")
    if conn.execute("SELECT 1 FROM pg_attribute WHERE attrelid = %s::regclass AND attname = 'firm'",
                    [name]).fetchone() is None:  # 500 clusters, for clustered_variance_mlogregr
        conn.execute(f"ALTER TABLE {name} ADD COLUMN firm int")
        conn.execute(f"UPDATE {name} SET firm = id % 500")
        conn.execute(f"VACUUM ANALYZE {name}")
    return name


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--only", default="", help="comma-separated labels' prefixes to run (default: all)")
    ap.add_argument("--server-pythonpath", default="",
                    help="a directory holding another indb_ml package, first on this session's server path")
    args = ap.parse_args()
    conn = psycopg.connect(args.dsn, autocommit=True, prepare_threshold=None)  # plans follow the settings
    if args.server_pythonpath:
        path = args.server_pythonpath
        conn.execute("DO $$\nimport sys\nsys.path.insert(0, " + repr(path) + ")\nimport indb_ml\n"
                     "assert indb_ml.__file__.startswith(" + repr(path) + "), indb_ml.__file__\n$$ LANGUAGE plpython3u")
    table = ensure_table(conn, args.rows, args.k)
    k = args.k
    xcols = ", ".join(f"x{i + 1}" for i in range(k))
    feats = "ARRAY[1, " + xcols + "]"
    conn.execute("SET max_parallel_workers_per_gather = 0")
    only = [p.strip() for p in args.only.split(",") if p.strip()]
    out: list = []

    def timed(label, sql, params=(), settings=(), repeat=args.repeat, result=None, iterations=None):
        if only and not any(label.startswith(p) for p in only) and not label.startswith("floor"):
            return None

        def run():
            conn.execute("DROP TABLE IF EXISTS bench_out, bench_out_summary")
            with conn.transaction():
                for name, value in settings:
                    conn.execute("SELECT set_config(%s, %s, true)", [name, value])
                conn.execute(sql, params)
                got = conn.execute(result).fetchall() if result else None
                its = conn.execute(iterations).fetchone()[0] if iterations else None
                return got, its
        t, (got, its) = best(run, repeat)
        out.append((label, t))
        print(f"{label:58s} {t:8.3f} s" + (f"  ({its} iterations)" if its is not None else ""), flush=True)
        return got

    timed("floor: scan SELECT sum(x1)", f"SELECT sum(x1) FROM {table}")
    timed("floor: input sum(cardinality(ARRAY[1, x...]))", f"SELECT sum(cardinality({feats})) FROM {table}")
    for ncat in (3, 4):
        coef = "'{" + ",".join(["0.01"] * ((ncat - 1) * (k + 1))) + "}'::float8[]"
        timed(f"pass: _mlogit_step K={ncat}", f"SELECT indb_ml._mlogit_step(y{ncat}, {feats}, {coef}, {ncat}) "
              f"FROM {table}")
    ocoef = "'{" + ",".join(["-1", "0", "1"] + ["0.01"] * k) + "}'::float8[]"
    oy = "grade"
    ofeats = "ARRAY[" + xcols + "]"
    for hess in ("false", "true"):
        timed(f"pass: _ordinal_step hessian={hess}", f"SELECT indb_ml._ordinal_step({oy}, {ofeats}, {ocoef}, 4, 0, "
              f"{hess}) FROM {table}")

    def plans(label, sql, result, parallel=True, iterations=None):
        mem = timed(f"{label} memory", sql, settings=[("indb_ml.training_plan", "memory")], result=result,
                    iterations=iterations)
        agg = timed(f"{label} aggregate", sql, settings=[("indb_ml.training_plan", "aggregate")], result=result,
                    iterations=iterations)
        if parallel:
            timed(f"{label} aggregate, 2 workers", sql, settings=[
                ("indb_ml.training_plan", "aggregate"), ("max_parallel_workers_per_gather", "2")], result=result,
                iterations=iterations)
        if mem and agg:
            a = np.array([np.concatenate([np.ravel(v) for v in r]) for r in mem], dtype=float)
            b = np.array([np.concatenate([np.ravel(v) for v in r]) for r in agg], dtype=float)
            print(f"{'':58s} plans differ by {np.max(np.abs(a - b) / np.maximum(np.abs(a), 1e-12)):.1e} "
                  "(relative, coefficients)", flush=True)

    for ncat in (3, 4):
        plans(f"mlogregr_train K={ncat}", f"SELECT indb_ml.mlogregr_train('{table}', 'bench_out', 'y{ncat}', "
              f"'{feats}')", "SELECT coef FROM bench_out ORDER BY category",
              iterations="SELECT max(num_iterations) FROM bench_out")
    plans("robust_variance_mlogregr K=3", f"SELECT indb_ml.robust_variance_mlogregr('{table}', 'bench_out', 'y3', "
          f"'{feats}')", "SELECT coef, std_err FROM bench_out ORDER BY category", parallel=False)
    plans("clustered_variance_mlogregr K=3", f"SELECT indb_ml.clustered_variance_mlogregr('{table}', 'bench_out', "
          f"'y3', '{feats}', 'firm')", "SELECT coef, std_err FROM bench_out ORDER BY category", parallel=False)
    plans("ordinal logit K=4", f"SELECT indb_ml.ordinal('{table}', 'bench_out', 'grade', '{ofeats}', "
          "'0, 1, 2, 3', 'logit')", "SELECT coef_threshold, coef_feature FROM bench_out",
          iterations="SELECT num_iterations FROM bench_out")

    conn.execute(OLD_MULTINOM)
    coefs = "'{" + ",".join("{" + ",".join(["0.1"] * (k + 1)) + "}" for _ in range(3)) + "}'::float8[]"
    timed("predict: multinom_predict_prob (C), K=4",
          f"SELECT sum((indb_ml.multinom_predict_prob({coefs}, {feats}))[2]) FROM {table}")
    timed("predict: PL/pgSQL multinom_predict_prob (before), K=4",
          f"SELECT sum((pg_temp.old_multinom_prob({coefs}, {feats}))[2]) FROM {table}", repeat=1)
    timed("predict: ordinal_predict_prob (C), probit",
          f"SELECT sum((indb_ml.ordinal_predict_prob('{{-1,0,1}}', '{{{','.join(['0.1'] * k)}}}', {ofeats}, "
          f"'probit'))[2]) FROM {table}")

    floors = dict(out[:2])
    scan, inp = floors["floor: scan SELECT sum(x1)"], floors["floor: input sum(cardinality(ARRAY[1, x...]))"]
    print()
    print(f"{'':58s} {'seconds':>8s} {'/scan':>7s} {'/input':>7s}")
    for label, t in out:
        print(f"{label:58s} {t:8.3f} {t / scan:7.1f} {t / inp:7.2f}")


if __name__ == "__main__":
    main()
