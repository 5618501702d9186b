"""Issue 15, BI tools: Apache Superset for real, against the embedded PostgreSQL with indb_ml.

A Superset 6.1 server (tests/superset_conftest.py) registers the test database through its REST
API under a login role that is not a superuser: it may read the data and the models and execute
indb_ml's functions, nothing else. Then, as an analyst would in SQL Lab and in charts:

- scoring: ``linregr_predict`` typed by hand and ``indb_ml.score`` by model name (``predict``
  under a name sqlglot leaves alone) give the same values, which are statsmodels' fitted values;
- a dataset and a scatter chart of actual against predicted price, and a table chart of the
  coefficients from ``indb_ml.model_coefficients`` (MADlib's houses example): the values
  Superset's chart API returns are checked against statsmodels and MADlib's documented numbers;
- training from SQL Lab: ``SELECT indb_ml.linregr_train(...)`` is rolled back by Superset (the
  finding stands), the same call in a ``DO`` block is committed, and the read-only ``linregr_fit``
  works on any connection;
- screenshots by headless Chromium, logged in, of SQL Lab's results and both charts, saved in
  tests/artifacts/superset/ (git-ignored).

Everything Superset returns is checked by value, not only by status code.
"""

from __future__ import annotations

import json
import secrets
import struct
import urllib.parse

import numpy as np
import psycopg
import pytest
import statsmodels.api as sm
from psycopg import sql

from tests.superset_conftest import ARTIFACTS, running_superset
from tests.test_madlib_numbers import HOUSES, HOUSES_LINREGR, relative_error

DATA = np.array(HOUSES, float)  # id, tax, bedroom, bath, price, size, lot
IDS, TAX, BATH, PRICE, SIZE = DATA[:, 0].astype(int), DATA[:, 1], DATA[:, 3], DATA[:, 4], DATA[:, 5]
ONES = np.ones(len(DATA))
# The model of the scoring query, and MADlib's houses example (linear.sql_in).
SIZE_BATH = sm.OLS(PRICE, np.column_stack([ONES, SIZE, BATH])).fit()
MADLIB_EXAMPLE = sm.OLS(PRICE, np.column_stack([ONES, TAX, BATH, SIZE])).fit()

SCORING_BY_HAND = ("SELECT id, price, indb_ml.linregr_predict(m.coef, ARRAY[1, size, bath]) AS predicted "
                   "FROM houses, houses_model m ORDER BY id")
# indb_ml.score, as written: "FROM indb_ml.predict(a, b, c)" is not sent as written, since Superset
# re-renders every query with sqlglot, which reads it as BigQuery ML's "PREDICT(MODEL a, TABLE b, c)"
# (see test_scoring_by_name_in_sql_lab).
SCORING_BY_NAME = ("SELECT s.id::int AS id, s.prediction AS predicted "
                   "FROM indb_ml.score('houses_model', 'houses', 'id') s ORDER BY 1")
SCORED_DATASET = ("SELECT h.id, h.price AS actual, s.prediction AS predicted "
                  "FROM houses h JOIN indb_ml.score('houses_model', 'houses', 'id') s ON s.id = h.id::text")
# predict() works in a subquery's select list, its columns taken from the composite.
PREDICT_IN_SELECT_LIST = ("SELECT (s.p).id::int AS id, (s.p).prediction AS predicted "
                          "FROM (SELECT indb_ml.predict('houses_model', 'houses', 'id') AS p) s ORDER BY 1")
COEFFICIENTS_DATASET = ("SELECT term_index, term, coef, std_err, statistic, p_value "
                        "FROM indb_ml.model_coefficients('houses_linregr')")
SHOTS = ARTIFACTS / "superset"


# --------------------------------------------------------------------------- Superset and its database

@pytest.fixture(scope="module")
def superset():
    with running_superset() as app:
        yield app


@pytest.fixture(scope="module")
def warehouse(indb_cluster):
    """A database of the test cluster with indb_ml, MADlib's houses, two models, and two login roles:
    ``reader`` (SELECT on houses, the models through indb_ml_reader, indb_ml's functions as every
    role has them) and ``analyst`` (the same plus CREATE in schema sandbox, for the training check).
    The data and the models belong to the cluster's superuser, as an administrator would set up."""
    suffix = secrets.token_hex(4)
    info = {
        "host": indb_cluster.host, "port": int(indb_cluster.port), "dbname": f"superset_{suffix}",
        "reader": f"superset_reader_{suffix}", "analyst": f"superset_analyst_{suffix}",
        "password": secrets.token_urlsafe(18),
    }
    admin = {"host": info["host"], "port": info["port"], "user": indb_cluster.user, "password": indb_cluster.password}
    with psycopg.connect(**admin, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(info["dbname"]), sql.Identifier(indb_cluster.template_dbname)))
        for role in (info["reader"], info["analyst"]):
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(info["password"])))
    conn = psycopg.connect(**admin, dbname=info["dbname"], autocommit=True)
    try:
        conn.execute("CREATE TABLE houses (id int, tax int, bedroom int, bath float8, price int, size int, lot int)")
        with conn.cursor().copy("COPY houses FROM STDIN") as copy:
            for row in HOUSES:
                copy.write_row(row)
        conn.execute("CREATE TABLE houses_private AS SELECT id, price FROM houses")  # granted to nobody
        conn.execute("SELECT indb_ml.linregr_train('houses', 'houses_model', 'price', 'ARRAY[1, size, bath]')")
        conn.execute("SELECT indb_ml.linregr_train('houses', 'houses_linregr', 'price', 'ARRAY[1, tax, bath, size]')")
        conn.execute("CREATE SCHEMA sandbox")
        for model in ("public.houses_model", "public.houses_linregr"):
            conn.execute("SELECT indb_ml.model_grant(%s, 'indb_ml_reader')", [model])
        for role in (info["reader"], info["analyst"]):
            conn.execute(sql.SQL("GRANT SELECT ON houses TO {}").format(sql.Identifier(role)))
            conn.execute(sql.SQL("GRANT indb_ml_reader TO {}").format(sql.Identifier(role)))
        conn.execute(sql.SQL("GRANT USAGE, CREATE ON SCHEMA sandbox TO {}").format(sql.Identifier(info["analyst"])))
        info["conn"] = conn
        yield info
    finally:
        conn.close()
        with psycopg.connect(**admin, dbname="postgres", autocommit=True) as admin_conn:
            admin_conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(info["dbname"])))
            for role in (info["reader"], info["analyst"]):
                admin_conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def _uri(info: dict, role: str) -> str:
    return "postgresql+psycopg2://{}:{}@{}:{}/{}".format(
        urllib.parse.quote(info[role], safe=""), urllib.parse.quote(info["password"], safe=""),
        info["host"], info["port"], urllib.parse.quote(info["dbname"], safe=""))


def register(superset, info: dict, role: str, **options) -> int:
    """POST /api/v1/database/ as the UI's "Connect a database" does; returns the new id."""
    body = {"database_name": f"indb_ml ({role})", "sqlalchemy_uri": _uri(info, role), "expose_in_sqllab": True,
            "allow_run_async": False, **options}
    test = superset.request("POST", "/api/v1/database/test_connection/",
                            {k: body[k] for k in ("database_name", "sqlalchemy_uri")})
    assert test == {"message": "OK"}
    return superset.request("POST", "/api/v1/database/", body, expect=201)["id"]


@pytest.fixture(scope="module")
def reader_db(superset, warehouse):
    """The dashboards' connection: the read-only login role, DML not allowed (Superset's default)."""
    return register(superset, warehouse, "reader")


@pytest.fixture(scope="module")
def analyst_db(superset, warehouse):
    """An analyst's connection with DML allowed and a schema to create tables in."""
    return register(superset, warehouse, "analyst", allow_dml=True)


def rows(answer: dict) -> list[dict]:
    return answer["data"]


def array(value) -> np.ndarray:
    """SQL Lab sends float8[] as JSON text ('[1.0, 2.0]')."""
    return np.array(json.loads(value) if isinstance(value, str) else value, float)


# --------------------------------------------------------------------------- the connection

def test_database_registered_as_a_non_superuser(superset, warehouse, reader_db):
    """The registered connection is the reader role, no superuser: it reads houses and the models,
    not a table it was not granted, and it cannot create tables."""
    got = superset.request("GET", f"/api/v1/database/{reader_db}")["result"]
    assert got["database_name"] == "indb_ml (reader)"
    assert got["backend"] == "postgresql" and got["expose_in_sqllab"] and not got["allow_dml"]
    assert warehouse["password"] not in json.dumps(got)  # Superset masks it

    # SQL Lab refuses the system catalogs and current_user; SHOW and CURRENT_ROLE pass.
    (me,) = rows(superset.sql(reader_db, "SELECT CURRENT_ROLE AS role"))
    assert me == {"role": warehouse["reader"]}
    assert rows(superset.sql(reader_db, "SHOW is_superuser")) == [{"is_superuser": "off"}]
    (may,) = rows(superset.sql(reader_db, """
        SELECT has_table_privilege('houses', 'SELECT') AS read_data,
               has_table_privilege('houses_model', 'SELECT') AS read_model,
               has_function_privilege('indb_ml.linregr_predict(float8[], float8[])', 'EXECUTE') AS score,
               has_table_privilege('houses_private', 'SELECT') AS read_private,
               has_schema_privilege('public', 'CREATE') AS create_tables"""))
    assert may == {"read_data": True, "read_model": True, "score": True, "read_private": False,
                   "create_tables": False}
    (count,) = rows(superset.sql(reader_db, "SELECT count(*) AS n FROM houses"))
    assert count["n"] == len(HOUSES)
    assert "permission denied for table houses_private" in superset.sql_error(reader_db, "SELECT * FROM houses_private")
    # SQL Lab itself refuses DDL on a connection without allow_dml, before PostgreSQL sees it.
    assert "does not allow for DDL/DML" in superset.sql_error(reader_db, "CREATE TABLE t AS SELECT 1 AS x")


# --------------------------------------------------------------------------- scoring in SQL Lab

def test_scoring_by_hand_in_sql_lab(superset, reader_db):
    """The issue's query: linregr_predict with the model's coef, typed by hand; statsmodels' values."""
    got = rows(superset.sql(reader_db, SCORING_BY_HAND))
    assert [r["id"] for r in got] == IDS.tolist()
    assert [r["price"] for r in got] == PRICE.astype(int).tolist()
    np.testing.assert_allclose([r["predicted"] for r in got], SIZE_BATH.fittedvalues, rtol=1e-9)


def test_scoring_by_name_in_sql_lab(superset, reader_db):
    """indb_ml.score by model name, plainly in FROM, gives exactly linregr_predict's values, and
    statsmodels'. ``FROM indb_ml.predict(...)`` fails in SQL Lab: Superset 6.1 rewrites every query
    through sqlglot, which reads predict(...) in FROM as BigQuery ML's PREDICT(MODEL ..., TABLE ...)
    and sends that to PostgreSQL; predict in a subquery's select list is not rewritten."""
    by_hand = {r["id"]: r["predicted"] for r in rows(superset.sql(reader_db, SCORING_BY_HAND))}
    by_name = rows(superset.sql(reader_db, SCORING_BY_NAME))
    assert [r["id"] for r in by_name] == IDS.tolist()
    for r in by_name:
        assert r["predicted"] == pytest.approx(by_hand[r["id"]], rel=1e-12), r
    np.testing.assert_allclose([r["predicted"] for r in by_name], SIZE_BATH.fittedvalues, rtol=1e-9)
    everything = rows(superset.sql(reader_db, "SELECT * FROM indb_ml.score('houses_model', 'houses', 'id')"))
    assert sorted(int(r["id"]) for r in everything) == sorted(IDS.tolist())
    assert all(r["probability"] is None for r in everything)  # a linear model: no probability
    assert rows(superset.sql(reader_db, PREDICT_IN_SELECT_LIST)) == by_name

    error = superset.sql_error(reader_db, "SELECT * FROM indb_ml.predict('houses_model', 'houses', 'id')")
    assert 'syntax error' in error and '"TABLE"' in error, error


# --------------------------------------------------------------------------- charts

def _dataset(superset, database_id: int, name: str, query: str) -> int:
    made = superset.request("POST", "/api/v1/dataset/",
                            {"database": database_id, "schema": "public", "table_name": name, "sql": query},
                            expect=201)
    return made["id"]


def _chart(superset, dataset_id: int, name: str, form: dict, queries: list[dict]) -> tuple[int, dict]:
    """POST /api/v1/chart/ with the form data the explore view keeps and the query context it
    sends to /api/v1/chart/data; returns the chart's id and that query context."""
    form = {"datasource": f"{dataset_id}__table", **form}
    context = {"datasource": {"id": dataset_id, "type": "table"}, "force": True, "queries": queries,
               "form_data": form, "result_format": "json", "result_type": "full"}
    made = superset.request("POST", "/api/v1/chart/", {
        "slice_name": name, "viz_type": form["viz_type"], "datasource_id": dataset_id, "datasource_type": "table",
        "params": json.dumps(form), "query_context": json.dumps(context),
    }, expect=201)
    return made["id"], context


@pytest.fixture(scope="module")
def scatter_chart(superset, reader_db):
    """Actual against predicted price: a virtual dataset scoring houses by model name, a scatter."""
    dataset = _dataset(superset, reader_db, "houses_scored", SCORED_DATASET)
    metric = {"expressionType": "SQL", "sqlExpression": "MAX(predicted)", "label": "predicted"}
    form = {"viz_type": "echarts_timeseries_scatter", "x_axis": "actual", "metrics": [metric], "groupby": [],
            "row_limit": 1000, "adhoc_filters": [], "x_axis_title": "actual price", "y_axis_title": "predicted price",
            "y_axis_title_margin": 50, "x_axis_title_margin": 30, "show_legend": True}
    queries = [{"columns": ["actual"], "metrics": [metric], "orderby": [["actual", True]], "row_limit": 1000,
                "filters": []}]
    return _chart(superset, dataset, "houses: actual vs predicted price", form, queries)


@pytest.fixture(scope="module")
def coefficient_chart(superset, reader_db):
    """MADlib's houses model as a table of terms, from indb_ml.model_coefficients."""
    dataset = _dataset(superset, reader_db, "houses_linregr_coefficients", COEFFICIENTS_DATASET)
    columns = ["term", "coef", "std_err", "statistic", "p_value"]
    form = {"viz_type": "table", "query_mode": "raw", "all_columns": columns,
            "order_by_cols": [json.dumps(["term_index", True])], "row_limit": 100, "adhoc_filters": [],
            "show_cell_bars": False}
    queries = [{"columns": columns, "orderby": [["term_index", True]], "row_limit": 100, "filters": []}]
    return _chart(superset, dataset, "houses_linregr: coefficients", form, queries)


def _chart_rows(superset, chart_id: int, context: dict) -> list[dict]:
    """The chart's data both ways: POST /api/v1/chart/data with its query context, and the
    saved chart's GET /api/v1/chart/<id>/data/; they must agree."""
    (posted,) = superset.request("POST", "/api/v1/chart/data", context)["result"]
    assert posted["status"] == "success" and posted["error"] is None, posted
    (saved,) = superset.request("GET", f"/api/v1/chart/{chart_id}/data/")["result"]
    assert saved["data"] == posted["data"]
    return posted["data"]


def test_chart_of_actual_against_predicted(superset, scatter_chart):
    """Every house once, at its actual price, with statsmodels' fitted value as predicted."""
    chart_id, context = scatter_chart
    data = _chart_rows(superset, chart_id, context)
    order = np.argsort(PRICE)
    assert [r["actual"] for r in data] == PRICE[order].astype(int).tolist()
    np.testing.assert_allclose([r["predicted"] for r in data], SIZE_BATH.fittedvalues[order], rtol=1e-9)
    got = superset.request("GET", f"/api/v1/chart/{chart_id}")["result"]
    assert got["viz_type"] == "echarts_timeseries_scatter"


def test_coefficient_chart(superset, coefficient_chart):
    """model_coefficients through a Superset table chart: MADlib's numbers for its houses example
    (linear.sql_in, "SELECT * FROM houses_linregr") and statsmodels'."""
    chart_id, context = coefficient_chart
    data = _chart_rows(superset, chart_id, context)
    assert [r["term"] for r in data] == ["intercept", "tax", "bath", "size"]
    coef, std_err = [r["coef"] for r in data], [r["std_err"] for r in data]
    t_stats, p_values = [r["statistic"] for r in data], [r["p_value"] for r in data]
    for got, key in ((coef, "coef"), (std_err, "std_err"), (t_stats, "t_stats"), (p_values, "p_values")):
        assert relative_error(got, HOUSES_LINREGR[key]) < 1e-9, key
    np.testing.assert_allclose(coef, MADLIB_EXAMPLE.params, rtol=1e-9)
    np.testing.assert_allclose(std_err, MADLIB_EXAMPLE.bse, rtol=1e-9)
    np.testing.assert_allclose(t_stats, MADLIB_EXAMPLE.tvalues, rtol=1e-9)
    np.testing.assert_allclose(p_values, MADLIB_EXAMPLE.pvalues, rtol=1e-8)


# --------------------------------------------------------------------------- training from SQL Lab

def test_training_from_sql_lab(superset, warehouse, reader_db, analyst_db):
    """The finding: ``SELECT indb_ml.linregr_train(...)`` in SQL Lab shows its result row, and
    Superset rolls the transaction back (it commits only what it parses as DML or DDL), so the
    model is lost. What happens now, on each kind of connection:

    - the dashboards' read-only role: an error naming the missing privilege (nothing to lose);
    - an analyst's connection allowed to write: still lost (Superset's doing: sqlglot parses a
      SELECT as not mutating); the same call in ``DO $$ BEGIN PERFORM ...; END $$``, which Superset
      takes as mutating (it does not parse an anonymous block), is committed: model table, summary
      and catalog row, MADlib's numbers, scored by name afterwards;
    - any connection: ``linregr_fit`` returns the model as rows and writes nothing, and keeping it is
      ``CREATE TABLE ... AS SELECT * FROM indb_ml.linregr_fit(...)``, which Superset commits."""
    conn = warehouse["conn"]
    train = "SELECT indb_ml.linregr_train('houses', 'sandbox.houses_lr', 'price', 'ARRAY[1, tax, bath, size]')"

    error = superset.sql_error(reader_db, train)
    assert "permission denied for schema sandbox" in error, error

    models_before = conn.execute("SELECT count(*) FROM indb_ml.models").fetchone()[0]
    (shown,) = rows(superset.sql(analyst_db, train))
    assert "sandbox.houses_lr" in str(shown["linregr_train"])  # SQL Lab shows the catalog row ...
    assert conn.execute("SELECT to_regclass('sandbox.houses_lr')").fetchone()[0] is None  # ... rolled back
    assert conn.execute("SELECT count(*) FROM indb_ml.models").fetchone()[0] == models_before

    # The same call in an anonymous block: Superset 6.1's SQLStatement.is_mutating() takes every
    # PostgreSQL DO as mutating, so SQL Lab commits it. The block returns no rows.
    in_block = f"DO $$ BEGIN PERFORM {train.removeprefix('SELECT ')}; END $$"
    assert "does not allow for DDL/DML" in superset.sql_error(reader_db, in_block)  # refused before PostgreSQL
    answer = superset.sql(analyst_db, in_block)
    assert not answer.get("data"), answer
    login = {k: warehouse[k] for k in ("host", "port", "dbname", "password")}
    with psycopg.connect(**login, user=warehouse["analyst"]) as fresh:  # a new session: only committed work is seen
        owner = fresh.execute("SELECT tableowner FROM pg_tables WHERE schemaname = 'sandbox' "
                              "AND tablename = 'houses_lr'").fetchone()
        assert owner == (warehouse["analyst"],)  # made by SQL Lab's connection, kept
        assert fresh.execute("SELECT to_regclass('sandbox.houses_lr_summary') IS NOT NULL").fetchone() == (True,)
        trained = fresh.execute("SELECT coef, r2, std_err, t_stats, p_values, num_rows_processed "
                                "FROM sandbox.houses_lr").fetchall()
        catalog = fresh.execute("SELECT name, version, algorithm, created_by FROM indb_ml.models "
                                "WHERE output_table = 'sandbox.houses_lr'").fetchall()
    assert conn.execute("SELECT count(*) FROM indb_ml.models").fetchone()[0] == models_before + 1
    assert catalog == [("sandbox.houses_lr", 1, "linregr", warehouse["analyst"])]
    ((coef, r2, std_err, t_stats, p_values, n),) = trained
    assert n == len(HOUSES)
    for got, key in ((coef, "coef"), (std_err, "std_err"), (t_stats, "t_stats"), (p_values, "p_values")):
        assert relative_error(got, HOUSES_LINREGR[key]) < 1e-9, key  # linear.sql_in, houses_linregr
    assert relative_error(r2, HOUSES_LINREGR["r2"]) < 1e-9
    np.testing.assert_allclose(coef, MADLIB_EXAMPLE.params, rtol=1e-9)
    lstsq = np.linalg.lstsq(np.column_stack([ONES, TAX, BATH, SIZE]), PRICE, rcond=None)[0]
    np.testing.assert_allclose(coef, lstsq, rtol=1e-9)
    # In the catalog, so SQL Lab scores it by name.
    scored = rows(superset.sql(analyst_db, "SELECT s.id::int AS id, s.prediction AS p "
                                           "FROM indb_ml.score('sandbox.houses_lr', 'houses', 'id') s ORDER BY 1"))
    assert [r["id"] for r in scored] == IDS.tolist()
    np.testing.assert_allclose([r["p"] for r in scored], MADLIB_EXAMPLE.fittedvalues, rtol=1e-9)

    fit = "SELECT * FROM indb_ml.linregr_fit('houses', 'price', 'ARRAY[1, tax, bath, size]')"
    (model,) = rows(superset.sql(reader_db, fit))  # read-only role: fitting writes nothing
    assert model["num_rows_processed"] == len(HOUSES)
    for key in ("coef", "std_err", "t_stats", "p_values"):  # linear.sql_in, "SELECT * FROM houses_linregr"
        assert relative_error(array(model[key]), HOUSES_LINREGR[key]) < 1e-9, key
    assert relative_error(model["r2"], HOUSES_LINREGR["r2"]) < 1e-9
    np.testing.assert_allclose(array(model["coef"]), MADLIB_EXAMPLE.params, rtol=1e-9)

    superset.sql(analyst_db, "CREATE TABLE sandbox.houses_fit AS " + fit)
    kept = conn.execute("SELECT coef, r2 FROM sandbox.houses_fit").fetchall()
    assert len(kept) == 1
    np.testing.assert_allclose(kept[0][0], MADLIB_EXAMPLE.params, rtol=1e-9)
    assert kept[0][1] == pytest.approx(MADLIB_EXAMPLE.rsquared, rel=1e-9)
    (scored,) = rows(superset.sql(analyst_db, "SELECT indb_ml.linregr_predict(f.coef, ARRAY[1, tax, bath, size]) "
                                              "AS p FROM houses, sandbox.houses_fit f WHERE id = 1"))
    assert scored["p"] == pytest.approx(MADLIB_EXAMPLE.fittedvalues[0], rel=1e-9)


# --------------------------------------------------------------------------- what a person sees

def _png_size(path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


def test_screenshots(superset, reader_db, scatter_chart, coefficient_chart):
    """Headless Chromium logs in through the form, runs the by-name scoring in SQL Lab and opens
    both charts; the pages show the values and the PNGs are kept in tests/artifacts/superset/."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    first = float(SIZE_BATH.fittedvalues[0])
    sqllab = "/sqllab/?" + urllib.parse.urlencode({"dbid": reader_db, "sql": SCORING_BY_NAME, "name": "scoring"})
    shots = superset.screenshots([
        {"path": sqllab, "run": True, "wait_text": ["15 rows", "predicted", repr(first)[:8]],
         "out": str(SHOTS / "sqllab_scoring.png")},
        {"path": f"/explore/?slice_id={scatter_chart[0]}", "wait_css": ".chart-container canvas, canvas",
         "wait_text": ["public.houses_scored", "15 rows"], "settle": 2.5,
         "out": str(SHOTS / "chart_actual_vs_predicted.png")},
        {"path": f"/explore/?slice_id={coefficient_chart[0]}",
         "wait_text": ["intercept", "tax", "bath", "size", str(HOUSES_LINREGR["coef"][0])[:11]],
         "out": str(SHOTS / "chart_coefficients.png")},
    ])
    sql_shot, scatter_shot, coef_shot = shots
    assert set(sql_shot["found"]) == {"15 rows", "predicted", repr(first)[:8]}, sql_shot["text"][-1500:]
    assert len(scatter_shot["found"]) == 2, scatter_shot["text"][-1500:]
    assert len(coef_shot["found"]) == 5, coef_shot["text"][-1500:]
    for shot in shots:
        path = SHOTS / shot["out"].rsplit("/", 1)[1]
        width, height = _png_size(path)
        assert width == 1400 and height > 600, (path, width, height)  # the window, less what headless keeps
        assert path.stat().st_size > 20_000, f"{path} looks blank ({path.stat().st_size} bytes)"
