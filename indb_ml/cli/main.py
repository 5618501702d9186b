"""``indb-ml``: the embedded server, extension install and the demo.

    indb-ml server start|stop|status|dsn|psql [--data-dir DIR]
    indb-ml cluster start [--workers N]|stop|status|dsn|psql [--data-dir DIR]
    indb-ml install --dsn DSN [--upgrade]
    indb-ml demo [--dsn DSN] [--data-dir DIR]

Expected failures (a missing package, a refused connection) print one line
on stderr and exit 1; a traceback would bury the fix the message names.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from indb_ml.cli import CliError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="indb-ml", description="Machine learning inside PostgreSQL."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    server = commands.add_parser("server", help="a private PostgreSQL server on 127.0.0.1")
    server.add_argument("action", choices=["start", "stop", "status", "dsn", "psql"])
    server.add_argument(
        "--data-dir",
        type=Path,
        help="cluster directory (default: $INDB_ML_DATA or the user data dir)",
    )
    server.add_argument(
        "--no-extension", action="store_true", help="start without creating the extension"
    )

    cluster = commands.add_parser(
        "cluster", help="a local Citus cluster (coordinator and workers) on 127.0.0.1"
    )
    cluster.add_argument("action", choices=["start", "stop", "status", "dsn", "psql"])
    cluster.add_argument(
        "--workers", type=int, help="number of workers (default: as before, else 2)"
    )
    cluster.add_argument(
        "--data-dir",
        type=Path,
        help="cluster directory (default: $INDB_ML_CLUSTER_DATA or the user data dir)",
    )

    install = commands.add_parser("install", help="create or upgrade the extension in a database")
    install.add_argument("--dsn", required=True, help="postgresql://user:password@host:port/dbname")
    install.add_argument("--upgrade", action="store_true", help="ALTER EXTENSION indb_ml UPDATE")

    demo = commands.add_parser("demo", help="train models on small real datasets and show them")
    demo.add_argument(
        "--dsn", help="database to use (default: the embedded server, started if needed)"
    )
    demo.add_argument("--data-dir", type=Path, help="embedded server directory, when no --dsn")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = {"server": _server, "cluster": _cluster, "install": _install, "demo": _demo}[
        args.command
    ]
    try:
        return handler(args)
    except CliError as exc:
        print(f"indb-ml: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        message = _expected_error(exc)
        if message is None:
            raise
        print(f"indb-ml: error: {message}", file=sys.stderr)
        return 1


def _expected_error(exc: Exception) -> str | None:
    """One line for failures of the user's environment (not bugs), else None for a traceback."""
    if isinstance(exc, ModuleNotFoundError) and exc.name == "psycopg":
        return "the client library psycopg is missing: pip install 'psycopg[binary]'"
    psycopg = sys.modules.get("psycopg")
    if psycopg is not None and isinstance(exc, psycopg.Error):
        lines = str(exc).strip().splitlines()
        return lines[0] if lines else type(exc).__name__
    return None


def _server(args: argparse.Namespace) -> int:
    from indb_ml.cli.server import EmbeddedServer

    srv = EmbeddedServer(args.data_dir)
    if args.action == "start":
        print(srv.start(create_extension=not args.no_extension))
    elif args.action == "stop":
        print("stopped" if srv.stop() else f"not running ({srv.data_dir})")
    elif args.action == "status":
        for key, value in srv.status().items():
            print(f"{key}: {'' if value is None else value}")
    elif args.action == "dsn":
        print(srv.dsn())
    else:
        _exec_psql(srv)
    return 0


def _cluster(args: argparse.Namespace) -> int:
    from indb_ml.cli.cluster import LocalCluster

    cluster = LocalCluster(args.data_dir)
    if args.workers is not None and args.action != "start":
        raise CliError("--workers goes with `indb-ml cluster start`")
    if args.action == "start":
        print(cluster.start(workers=args.workers))
    elif args.action == "stop":
        print("stopped" if cluster.stop() else f"not running ({cluster.data_dir})")
    elif args.action == "status":
        for key, value in cluster.status().items():
            if isinstance(value, list):
                value = ", ".join(value)
            print(f"{key}: {'' if value is None else value}")
    elif args.action == "dsn":
        print(cluster.dsn())
    else:
        cluster.dsn()  # fails with a hint when there is no cluster
        _exec_psql(cluster.coordinator)
    return 0


def _exec_psql(srv) -> None:
    """Replace this process with psql, so the terminal and signals behave as in plain psql."""
    if not srv.status()["running"]:
        raise CliError(f"the server in {srv.data_dir} is not running: run `indb-ml server start`")
    psql = shutil.which("psql") or str(srv.bindir / "psql")
    if not os.path.exists(psql):
        raise CliError("psql not found: install the postgresql-client package")
    sys.stdout.flush()
    os.execv(psql, [psql, srv.dsn()])


def _install(args: argparse.Namespace) -> int:
    from indb_ml.cli.install import install

    print(install(args.dsn, upgrade=args.upgrade))
    return 0


def _demo(args: argparse.Namespace) -> int:
    dsn = args.dsn
    if not dsn:
        from indb_ml.cli.server import EmbeddedServer

        dsn = EmbeddedServer(args.data_dir).start()
    from indb_ml.cli.demo import run_demo

    run_demo(dsn)
    return 0


if __name__ == "__main__":
    sys.exit(main())
