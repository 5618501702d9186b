"""Benchmark indb_ml on a local Citus cluster: the same calls on a local table and on its distributed copy.

    .venv/bin/python bench/run_citus.py [--data-dir DIR | --dsn DSN] [--rows 4000000] [--width 10]
                                        [--vertices 1000000] [--edges 4000000] [--shards 8]
                                        [--quick] [--no-local-relational] [--stop]

Without ``--dsn`` it starts (or reuses) a cluster of a coordinator and 2 workers with ``indb-ml
cluster``'s code in ``--data-dir`` (default ``$INDB_ML_BENCH_CLUSTER`` or
/tmp/indb_ml_bench_cluster) and leaves it running for the next run (``--stop`` stops it). All
nodes run on this machine, on the same cores: near parity with the local table is expected; the
point is correctness (the distributed results are compared with the local ones), pushdown
(EXPLAIN shows partial aggregates on the shards) and the bytes each pass moves between nodes.

Data (created once per size, then reused): ``bench_reg_{local,dist}_<rows>x<k>`` (id, y, yb,
x1..xk; y linear in the x's plus noise, yb a logistic draw), the distributed copy by ``id`` over
``--shards`` shards; a graph ``bench_v_*`` / ``bench_e_*`` with uniform sources and zipf
destinations (as bench/run_graph.py), vertices distributed by id, edges by src. ``--quick``
divides every size by 20.

Timed, one call each in its own transaction (its output written): linregr_train; logregr_train
(local with the default plan, rows packed in memory, and with the aggregate plan, as the
distributed table takes); pagerank with the in-memory plan (on the distributed table it loads
every edge through the coordinator) and with the relational plan (local: joins on the
coordinator; distributed: joins on the shards, messages re-hashed between workers).

Bytes per pass: the training calls run with ``citus.log_remote_commands``; the commands sent to
the shards are grouped into passes, and one pass's commands are run again on the shards
(``run_command_on_shards``) to measure what each shard sends back (its partial state, as text).
For pagerank on the shards, the messages of one iteration are one row per distinct edge, of
which those whose ends live on different workers cross the network (counted from Citus's shard
ranges with ``worker_hash``); a message row is about 31 bytes in Citus's binary intermediate
format. Results go to bench/results/citus-<UTC time>.json. No timed assertions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import re
import sys
import time
from pathlib import Path

import numpy as np
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
MESSAGE_ROW_BYTES = 31  # gkey '' (1) + id int8 (8) + float8 (8), 3 field lengths (12), field count (2)


def timed(conn, query: str, params=()) -> float:
    t0 = time.perf_counter()
    conn.execute(query, params)
    return time.perf_counter() - t0


def drop(conn, *tables: str) -> None:
    for t in tables:
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}, {}").format(sql.Identifier(t), sql.Identifier(t + "_summary")))


def exists(conn, table: str) -> bool:
    return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()[0]


def distribute_copy(conn, local: str, dist: str, column: str, shards: int) -> None:
    conn.execute(sql.SQL("CREATE TABLE {} (LIKE {})").format(sql.Identifier(dist), sql.Identifier(local)))
    conn.execute("SELECT create_distributed_table(%s, %s, shard_count => %s)", (dist, column, shards))
    conn.execute(sql.SQL("INSERT INTO {} SELECT * FROM {}").format(sql.Identifier(dist), sql.Identifier(local)))
    conn.execute(sql.SQL("VACUUM ANALYZE {}").format(sql.Identifier(dist)))


def ensure_regression(conn, rows: int, k: int, shards: int) -> tuple[str, str]:
    local, dist = f"bench_reg_local_{rows}x{k}", f"bench_reg_dist_{rows}x{k}_s{shards}"
    xs = [f"x{j}" for j in range(1, k + 1)]
    if not exists(conn, local):
        print(f"creating {local} ...", flush=True)
        beta = np.random.default_rng(20261205).normal(size=k + 1).round(3)
        eta = " + ".join([str(beta[0])] + [f"{beta[j]} * x{j}" for j in range(1, k + 1)])
        conn.execute(sql.SQL("CREATE TABLE {} (id bigint, y float8, yb boolean, {})").format(
            sql.Identifier(local), sql.SQL(", ").join(sql.SQL("{} float8").format(sql.Identifier(x)) for x in xs)))
        conn.execute("SELECT setseed(0.1205)")
        draws = ", ".join(f"random() * 2 - 1 AS x{j}" for j in range(1, k + 1))
        conn.execute(sql.SQL(
            "INSERT INTO {t} SELECT i, {eta} + (random() - 0.5), random() < 1 / (1 + exp(-({eta}))), {xs} "
            "FROM (SELECT i, {draws} FROM generate_series(1, %s) i) s").format(
                t=sql.Identifier(local), eta=sql.SQL(eta), xs=sql.SQL(", ".join(xs)), draws=sql.SQL(draws)), (rows,))
        conn.execute(sql.SQL("VACUUM ANALYZE {}").format(sql.Identifier(local)))
    if not exists(conn, dist):
        print(f"creating {dist} ...", flush=True)
        distribute_copy(conn, local, dist, "id", shards)
    return local, dist


def ensure_graph(conn, n: int, m: int, shards: int) -> tuple[tuple[str, str], tuple[str, str]]:
    v, e = f"bench_v_local_{n}", f"bench_e_local_{n}_{m}"
    vd, ed = f"bench_v_dist_{n}_s{shards}", f"bench_e_dist_{n}_{m}_s{shards}"
    if not (exists(conn, v) and exists(conn, e)):
        print(f"creating {v}, {e} ...", flush=True)
        rng = np.random.default_rng(20261126)
        perm = rng.permutation(n)
        src = rng.integers(0, n, m)
        dst = perm[(rng.zipf(1.3, m) - 1) % n]
        drop(conn, v, e)
        conn.execute(sql.SQL("CREATE TABLE {} (id integer PRIMARY KEY)").format(sql.Identifier(v)))
        conn.execute(sql.SQL("CREATE TABLE {} (src integer, dest integer)").format(sql.Identifier(e)))
        for table, cols in ((v, [np.arange(n)]), (e, [src, dst])):
            buf = io.StringIO()
            np.savetxt(buf, np.column_stack(cols), fmt="%d", delimiter="\t")
            with conn.cursor().copy(sql.SQL("COPY {} FROM STDIN").format(sql.Identifier(table))) as copy:
                copy.write(buf.getvalue())
            conn.execute(sql.SQL("VACUUM ANALYZE {}").format(sql.Identifier(table)))
    for local, dist, col in ((v, vd, "id"), (e, ed, "src")):
        if not exists(conn, dist):
            print(f"creating {dist} ...", flush=True)
            distribute_copy(conn, local, dist, col, shards)
    return (v, e), (vd, ed)


class RemoteLog:
    """The commands the coordinator sends to the workers during a call (citus.log_remote_commands)."""

    def __init__(self, conn):
        self.conn, self.sent = conn, []

    def _handler(self, d):
        message = d.message_primary or ""
        if message.startswith("issuing "):
            self.sent.append(message[len("issuing "):])

    def __enter__(self):
        self.conn.add_notice_handler(self._handler)
        self.conn.execute("SET citus.log_remote_commands = on")
        self.conn.execute("SET client_min_messages = log")
        return self

    def __exit__(self, *exc):
        self.conn.execute("SET client_min_messages = warning")
        self.conn.execute("RESET citus.log_remote_commands")
        self.conn.remove_notice_handler(self._handler)


def passes(sent: list[str], table: str) -> list[list[str]]:
    """The partial-aggregate scans of ``table``'s shards, grouped into passes (same command up to the shard id)."""
    shard = re.compile(r"\b" + re.escape(table) + r"_\d+\b")
    groups: dict[str, list[str]] = {}
    for c in sent:
        if shard.search(c) and "worker_partial_agg" in c:
            groups.setdefault(shard.sub(table + "_SHARD", c), []).append(c)
    return list(groups.values())


def pass_bytes(conn, table: str, commands: list[str]) -> dict:
    """Bytes of one pass: the commands' text (coordinator -> shards) and their results as text (shards ->
    coordinator), measured by running the pass's command once more on every shard."""
    template = re.sub(r"\b\S*" + re.escape(table) + r"_\d+\b", "%s", commands[0], count=1)
    measure = "SELECT coalesce(sum(octet_length(q.state::text)), 0) FROM (" + template + ") q"
    rows = conn.execute("SELECT success, result FROM run_command_on_shards(%s, %s)", (table, measure)).fetchall()
    if not all(ok for ok, _ in rows):
        raise RuntimeError(f"measuring the pass failed: {rows}")
    return {"tasks": len(commands), "sent_bytes": sum(len(c.encode()) for c in commands),
            "received_bytes": sum(int(r) for _, r in rows), "per_shard_state_bytes": int(rows[0][1])}


def explain(conn, query: str) -> list[str]:
    return [r[0] for r in conn.execute("EXPLAIN (VERBOSE, COSTS OFF) " + query)]


def train(conn, fn: str, source: str, out: str, y: str, x: str, plan: str | None = None) -> float:
    drop(conn, out)
    if plan:
        conn.execute("SET indb_ml.training_plan = " + plan)
    try:
        return timed(conn, f"SELECT indb_ml.{fn}(%s, %s, %s, %s)", (source, out, y, x))
    finally:
        conn.execute("RESET indb_ml.training_plan")


def coef(conn, table: str) -> np.ndarray:
    return np.array(conn.execute(sql.SQL("SELECT coef FROM {}").format(sql.Identifier(table))).fetchone()[0])


def crossing_edges(conn, e_local: str, shards: int) -> dict:
    """Distinct edges, and those whose ends hash to shards on different workers, for the work tables
    of the relational plan (int8 ids, ``shards`` shards, placed as every table of that colocation)."""
    probe = "bench_shard_probe"
    conn.execute(f"DROP TABLE IF EXISTS {probe}")
    conn.execute(f"CREATE TABLE {probe} (id int8)")
    conn.execute("SELECT create_distributed_table(%s, 'id', shard_count => %s)", (probe, shards))
    row = conn.execute(sql.SQL(
        "WITH r AS (SELECT s.shardminvalue::int AS lo, s.shardmaxvalue::int AS hi, n.groupid AS node "
        "FROM pg_dist_shard s JOIN pg_dist_placement p USING (shardid) JOIN pg_dist_node n USING (groupid) "
        "WHERE s.logicalrelid = {p}::regclass), "
        "e AS (SELECT DISTINCT src::int8 AS s, dest::int8 AS t FROM {e}) "
        "SELECT count(*), count(*) FILTER (WHERE a.node <> b.node), count(*) FILTER (WHERE a.lo <> b.lo) FROM e "
        "JOIN r a ON worker_hash(e.s) BETWEEN a.lo AND a.hi JOIN r b ON worker_hash(e.t) BETWEEN b.lo AND b.hi"
    ).format(p=sql.Literal(probe), e=sql.Identifier(e_local))).fetchone()
    conn.execute(f"DROP TABLE {probe}")
    return {"distinct_edges": row[0], "crossing_workers": row[1], "crossing_shards": row[2]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dsn", help="a running Citus coordinator (default: start a local cluster)")
    parser.add_argument("--data-dir", default=os.environ.get("INDB_ML_BENCH_CLUSTER", "/tmp/indb_ml_bench_cluster"))
    parser.add_argument("--rows", type=int, default=4_000_000)
    parser.add_argument("--width", type=int, default=10)
    parser.add_argument("--vertices", type=int, default=1_000_000)
    parser.add_argument("--edges", type=int, default=4_000_000)
    parser.add_argument("--shards", type=int, default=8, help="shards per distributed table (4 per worker)")
    parser.add_argument("--quick", action="store_true", help="every size divided by 20")
    parser.add_argument("--no-local-relational", action="store_true",
                        help="skip pagerank's relational plan on the local table (slow)")
    parser.add_argument("--stop", action="store_true", help="stop the local cluster afterwards")
    opts = parser.parse_args()
    if opts.quick:
        opts.rows, opts.vertices, opts.edges = opts.rows // 20, opts.vertices // 20, opts.edges // 20
    sys.path.insert(0, str(ROOT))
    cluster = None
    dsn = opts.dsn
    if dsn is None:
        from indb_ml.cli.cluster import LocalCluster

        base = Path(opts.data_dir)
        base.mkdir(parents=True, exist_ok=True)
        base.chmod(0o755)  # as root the nodes run as postgres
        cluster = LocalCluster(base / "cluster")
        dsn = cluster.start(workers=2)
    k, results = opts.width, {}
    x = "ARRAY[1, " + ", ".join(f"x{j}" for j in range(1, k + 1)) + "]"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET client_min_messages = warning")
        workers = conn.execute("SELECT count(*) FROM citus_get_active_worker_nodes()").fetchone()[0]
        reg_local, reg_dist = ensure_regression(conn, opts.rows, k, opts.shards)
        (v_local, e_local), (v_dist, e_dist) = ensure_graph(conn, opts.vertices, opts.edges, opts.shards)
        sizes = {t: conn.execute("SELECT citus_table_size(%s)", (t,)).fetchone()[0] for t in (reg_dist, e_dist)}
        scan = {t: timed(conn, sql.SQL("SELECT count(*), sum(id) FROM {}").format(sql.Identifier(t)).as_string(conn))
                for t in (reg_local, reg_dist)}

        # -- linregr_train: one pass ------------------------------------------------------------
        lin = {"local": train(conn, "linregr_train", reg_local, "bench_lin_local", "y", x)}
        with RemoteLog(conn) as log:
            lin["dist"] = train(conn, "linregr_train", reg_dist, "bench_lin_dist", "y", x)
        lin_passes = passes(log.sent, reg_dist)
        lin["passes"] = len(lin_passes)
        lin["pass_bytes"] = pass_bytes(conn, reg_dist, lin_passes[0])
        lin["max_rel_coef_diff"] = float(np.max(np.abs(coef(conn, "bench_lin_dist") - coef(conn, "bench_lin_local"))
                                                / np.abs(coef(conn, "bench_lin_local"))))
        results["linregr_train"] = lin

        # -- logregr_train: one pass per IRLS iteration ---------------------------------------
        log_r = {"local_memory_plan": train(conn, "logregr_train", reg_local, "bench_log_local", "yb", x),
                 "local_aggregate_plan": train(conn, "logregr_train", reg_local, "bench_log_local_agg", "yb", x,
                                               "aggregate")}
        with RemoteLog(conn) as log:
            log_r["dist"] = train(conn, "logregr_train", reg_dist, "bench_log_dist", "yb", x)
        log_passes = passes(log.sent, reg_dist)
        log_r["passes"] = len(log_passes)
        log_r["pass_bytes"] = pass_bytes(conn, reg_dist, log_passes[-1])
        log_r["iterations"] = conn.execute("SELECT num_iterations FROM bench_log_dist").fetchone()[0]
        log_r["max_rel_coef_diff"] = float(np.max(np.abs(coef(conn, "bench_log_dist") - coef(conn, "bench_log_local"))
                                                  / np.abs(coef(conn, "bench_log_local"))))
        results["logregr_train"] = log_r

        plans = {
            "linregr aggregate": explain(conn, f"SELECT indb_ml.linregr(y, {x}) FROM {reg_dist}"),
            "logregr IRLS pass": explain(conn, f"SELECT indb_ml._logregr_step(yb::integer::float8, {x}, "
                                               f"array_fill(0::float8, ARRAY[{k + 1}])) FROM {reg_dist}"),
        }
        results["explain"] = plans

        # -- pagerank ------------------------------------------------------------------------
        pr = {}
        call = "SELECT indb_ml.pagerank(%s, 'id', %s, 'src=src, dest=dest', %s)"
        for plan_name in ("memory", "relational"):
            conn.execute("SET indb_ml.graph_plan = " + plan_name)
            for kind, v, e in (("local", v_local, e_local), ("dist", v_dist, e_dist)):
                if kind == "local" and plan_name == "relational" and opts.no_local_relational:
                    continue
                out = f"bench_pr_{plan_name}_{kind}"
                drop(conn, out)
                print(f"pagerank {plan_name} {kind} ...", flush=True)
                pr[f"{plan_name}_{kind}"] = timed(conn, call, (v, e, out))
                pr[f"{plan_name}_{kind}_iterations"] = conn.execute(
                    sql.SQL("SELECT __iterations__ FROM {}").format(sql.Identifier(out + "_summary"))).fetchone()[0]
        conn.execute("RESET indb_ml.graph_plan")
        want = np.array([r for (r,) in conn.execute("SELECT pagerank FROM bench_pr_memory_local ORDER BY id")])
        for name in ("memory_dist", "relational_dist", "relational_local"):
            if name in pr:
                got = np.array([r for (r,) in conn.execute(
                    sql.SQL("SELECT pagerank FROM {} ORDER BY id").format(sql.Identifier("bench_pr_" + name)))])
                pr[name + "_max_abs_diff"] = float(np.abs(got - want).max())
        pr["messages"] = crossing_edges(conn, e_local, opts.shards)
        pr["message_bytes_per_iteration_crossing_workers"] = pr["messages"]["crossing_workers"] * MESSAGE_ROW_BYTES
        results["pagerank"] = pr
        drop(conn, *[f"bench_pr_{p}_{k2}" for p in ("memory", "relational") for k2 in ("local", "dist")],
             "bench_lin_local", "bench_lin_dist", "bench_log_local", "bench_log_local_agg", "bench_log_dist")

    results["setup"] = {"rows": opts.rows, "width": k, "vertices": opts.vertices, "edges": opts.edges,
                        "shards": opts.shards, "workers": workers, "table_bytes": sizes, "scan_seconds": scan,
                        "machine": platform.platform(), "cpus": os.cpu_count()}
    print(f"\n{opts.rows} rows x {k} features; graph {opts.vertices} vertices, {opts.edges} edges; "
          f"{workers} workers, {opts.shards} shards (all nodes on this machine, {os.cpu_count()} cores)")
    print(f"scan floor count(*): local {scan[reg_local]:.2f} s, distributed {scan[reg_dist]:.2f} s; "
          f"distributed table {sizes[reg_dist] / 2**20:.0f} MiB")
    b = lin["pass_bytes"]
    print(f"linregr_train   local {lin['local']:7.2f} s   distributed {lin['dist']:7.2f} s   "
          f"{lin['passes']} pass: {b['tasks']} tasks, {b['received_bytes']} B of states back "
          f"({b['per_shard_state_bytes']} B per shard), {b['sent_bytes']} B of commands; "
          f"max rel coef diff {lin['max_rel_coef_diff']:.1e}")
    b = log_r["pass_bytes"]
    print(f"logregr_train   local {log_r['local_memory_plan']:7.2f} s (rows in memory), "
          f"{log_r['local_aggregate_plan']:7.2f} s (aggregate passes)   distributed {log_r['dist']:7.2f} s   "
          f"{log_r['passes']} passes ({log_r['iterations']} iterations): per pass {b['received_bytes']} B back, "
          f"{b['sent_bytes']} B sent; max rel coef diff {log_r['max_rel_coef_diff']:.1e}")
    m = pr["messages"]
    for plan_name in ("memory", "relational"):
        loc = pr.get(f"{plan_name}_local")
        print(f"pagerank {plan_name:10s} local " + (f"{loc:7.2f} s" if loc is not None else "   (skipped)")
              + f"   distributed {pr[plan_name + '_dist']:7.2f} s   ({pr[plan_name + '_dist_iterations']} iterations;"
              f" max |diff| vs local memory plan {pr[plan_name + '_dist_max_abs_diff']:.1e})")
    print(f"pagerank on the shards, per iteration: {m['distinct_edges']} messages, {m['crossing_workers']} cross "
          f"workers (~{pr['message_bytes_per_iteration_crossing_workers'] / 2**20:.1f} MiB), "
          f"{m['crossing_shards']} cross shards")
    for name, lines in plans.items():
        print(f"\nEXPLAIN {name}:")
        for line in lines:
            if any(w in line for w in ("Aggregate", "Custom Scan", "Task Count", "Query:", "worker_partial_agg",
                                       "coord_combine_agg", "Seq Scan")):
                print("  " + line.strip()[:160])
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = ROOT / "bench" / "results" / f"citus-{stamp}.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str))
    print(f"\nwritten {path}")
    if cluster is not None and opts.stop:
        cluster.stop()


if __name__ == "__main__":
    main()
