"""``indb-ml demo``: the Longley data, fitted by least squares inside PostgreSQL.

Loads the packaged CSV into a table ``longley`` (replacing it), calls
``indb_ml.linregr_train`` through the Python client, keeps the model in
``longley_linregr`` and prints it as a coefficient table, then shows the SQL to
explore it in psql.
"""

from __future__ import annotations

import shlex
from importlib import resources

import psycopg
from psycopg import sql

from indb_ml.cli import CliError
from indb_ml.client import Database, IndbMlError
from indb_ml.client.models import format_table

TABLE = "longley"
OUT = "longley_linregr"
FEATURES = "ARRAY[1, gnpdefl, gnp, unemp, armed, pop, year]"
COLUMNS = (
    ("totemp", "float8"), ("gnpdefl", "float8"), ("gnp", "float8"), ("unemp", "float8"),
    ("armed", "float8"), ("pop", "float8"), ("year", "int"),
)


def run_demo(dsn: str) -> None:
    """Train the Longley regression in the database at ``dsn`` and print it."""
    with Database.connect(dsn) as db:
        try:
            _load_longley(db.connection)
            model = db.linregr_train(TABLE, "totemp", FEATURES, out_table=OUT)
        except IndbMlError as exc:
            raise CliError(_explain(exc)) from None
    print("Longley data (US economy 1947-1962, 16 rows): employment on six regressors, fitted in PostgreSQL by")
    print(f"  SELECT indb_ml.linregr_train('{TABLE}', '{OUT}', 'totemp',")
    print(f"                               '{FEATURES}');")
    print()
    print(format_table(model))
    print()
    print("Try it yourself:")
    print(f"  psql {shlex.quote(dsn)}")
    print(f"  SELECT r2, coef, p_values FROM {OUT};")
    print(f"  SELECT year, totemp, indb_ml.linregr_predict(coef, {FEATURES}) AS fitted")
    print(f"    FROM {TABLE}, {OUT} ORDER BY year;")


def _load_longley(conn: psycopg.Connection) -> None:
    """(Re)create table ``longley`` from the packaged CSV and drop earlier demo outputs."""
    data = resources.files("indb_ml").joinpath("data", "longley.csv").read_bytes()
    table = sql.Identifier(TABLE)
    columns = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(type_)) for name, type_ in COLUMNS
    )
    try:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute(
                sql.SQL("DROP TABLE IF EXISTS {}, {}, {}").format(
                    sql.Identifier(OUT), sql.Identifier(OUT + "_summary"), table
                )
            )
            cur.execute(sql.SQL("CREATE TABLE {} ({})").format(table, columns))
            with cur.copy(sql.SQL("COPY {} FROM STDIN WITH (FORMAT csv, HEADER true)").format(table)) as copy:
                copy.write(data)
    except psycopg.Error as exc:
        raise IndbMlError.from_psycopg(exc) from exc


def _explain(exc: IndbMlError) -> str:
    if exc.sqlstate in ("3F000", "42883"):  # no schema indb_ml / no function: not installed
        return f"{exc.message}: is the extension installed? Run `indb-ml install --dsn DSN`"
    return exc.message + (f" ({exc.hint})" if exc.hint else "")
