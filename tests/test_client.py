"""The Python client against a real database: connecting, training, results, errors."""

from __future__ import annotations

import secrets
from importlib import resources

import numpy as np
import pandas as pd
import psycopg
import pytest
import sqlalchemy as sa
from psycopg import sql
from psycopg.conninfo import make_conninfo
from psycopg.pq import TransactionStatus
from statsmodels.stats.diagnostic import het_breuschpagan

import indb_ml
from indb_ml.client import Database, IndbMlError, LinregrModel
from tests.helpers import load_table, ols

LONGLEY_COLS = ["gnpdefl", "gnp", "unemp", "armed", "pop", "year"]


def assert_ols(model: LinregrModel, y: np.ndarray, X: np.ndarray, rtol: float, what: str = "") -> None:
    ref = ols(y, X)
    for name, got, want in (
        ("coef", model.coef, ref.params), ("std_err", model.std_err, ref.bse),
        ("t_stats", model.t_stats, ref.tvalues), ("p_values", model.p_values, ref.pvalues),
        ("r2", model.r2, ref.rsquared), ("variance_covariance", model.variance_covariance, ref.cov_params()),
    ):
        np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-300, err_msg=f"{what} {name}")
    assert model.num_rows_processed == len(y), what


@pytest.fixture
def data(postgresql):
    """A seeded table ``pts``: three groups, three features, moderate t statistics."""
    rng = np.random.default_rng(20240607)
    n = 600
    X = rng.normal(size=(n, 3)) * [1.0, 5.0, 0.2] + [0.0, 10.0, -1.0]
    g = np.array(["a", "b", "c"])[np.arange(n) % 3]
    shift = np.select([g == "a", g == "b"], [0.0, 2.0], 5.0)
    y = 1.5 + shift + X @ [0.3, -0.2, 2.0] + rng.normal(scale=2.0, size=n)
    load_table(postgresql, "pts", {"g": g, "x1": X[:, 0], "x2": X[:, 1], "Tax Rate": X[:, 2], "y": y}, {"g": "text"})
    postgresql.commit()
    return g, X, y


@pytest.fixture
def longley(postgresql):
    frame = pd.read_csv(resources.files("indb_ml").joinpath("data", "longley.csv"))
    load_table(postgresql, "longley", {c: frame[c].to_numpy(float) for c in frame.columns})
    postgresql.commit()
    return frame


def design(X: np.ndarray) -> np.ndarray:
    return np.column_stack([np.ones(len(X)), X])


def features_list() -> list:
    return [1, "x1", "x2", "Tax Rate"]


# -- connecting -----------------------------------------------------------------------


def test_connect_with_dsn(dsn, data):
    _, X, y = data
    with indb_ml.connect(dsn) as db:
        assert db.connection.autocommit is False
        model = db.linregr_train("pts", "y", features_list())
        assert_ols(model, y, design(X), 1e-8)
    assert db.connection.closed


def test_connect_with_psycopg_connection_leaves_it_open(postgresql, data):
    _, X, y = data
    db = Database.connect(postgresql)
    model = db.linregr_train("pts", "y", features_list())
    assert_ols(model, y, design(X), 1e-8)
    db.close()
    assert not postgresql.closed
    assert postgresql.info.transaction_status == TransactionStatus.IDLE


def sa_url(postgresql, driver: str = "psycopg") -> sa.URL:
    info = postgresql.info
    return sa.URL.create(f"postgresql+{driver}", username=info.user, password=info.password,
                         host=info.host, port=info.port, database=info.dbname)


def test_connect_with_sqlalchemy_engine_and_connection(postgresql, data):
    _, X, y = data
    engine = sa.create_engine(sa_url(postgresql))
    try:
        with indb_ml.connect(engine) as db:
            assert_ols(db.linregr_train("pts", "y", features_list()), y, design(X), 1e-8, "engine")
        assert engine.pool.checkedout() == 0
        with engine.connect() as conn:
            db = indb_ml.connect(conn)
            assert_ols(db.linregr_train("pts", "y", features_list()), y, design(X), 1e-8, "connection")
            db.close()
            assert conn.execute(sa.text("SELECT 1")).scalar() == 1
    finally:
        engine.dispose()


def test_connect_refuses_other_drivers_and_types(dsn):
    with pytest.raises(ValueError, match=r"postgresql\+psycopg"):
        indb_ml.connect(sa.create_engine("sqlite://"))
    with pytest.raises(ValueError, match=r"postgresql\+psycopg"):
        indb_ml.connect("postgresql+psycopg2://u@localhost/db")
    with pytest.raises(TypeError, match="DSN string"):
        indb_ml.connect(42)


def test_sqlalchemy_style_dsn_string(postgresql, data):
    url = sa_url(postgresql).render_as_string(hide_password=False)
    with indb_ml.connect(url) as db:
        assert db.execute("SELECT 1").fetchone() == (1,)


# -- results against statsmodels --------------------------------------------------------


def test_linregr_matches_statsmodels(dsn, data):
    _, X, y = data
    with indb_ml.connect(dsn) as db:
        model = db.linregr_train("pts", "y", features_list())
    assert_ols(model, y, design(X), 1e-8)
    assert model.feature_names == ("1", "x1", "x2", "Tax Rate")
    assert model.group is None and model.bp_stats is None
    assert model.num_missing_rows_skipped == 0
    assert model.condition_no == pytest.approx(np.linalg.cond(design(X)), rel=1e-6)  # MADlib's: cond(X)


def test_longley_matches_statsmodels_and_nist(dsn, longley):
    y = longley["totemp"].to_numpy(float)
    X = design(longley[LONGLEY_COLS].to_numpy(float))
    with indb_ml.connect(dsn) as db:
        model = db.linregr_train("longley", "totemp", [1, *LONGLEY_COLS])
    assert_ols(model, y, X, 1e-6, "longley")
    # NIST StRD certified values for Longley.
    nist = [-3482258.63459582, 15.0618722713733, -0.358191792925910e-01, -2.02022980381683,
            -1.03322686717359, -0.511041056535807e-01, 1829.15146461355]
    np.testing.assert_allclose(model.coef, nist, rtol=1e-7)
    assert model.r2 == pytest.approx(0.995479004577296, rel=1e-9)


def test_expression_string_is_madlib_independent_varname(dsn, longley):
    with indb_ml.connect(dsn) as db:
        model = db.linregr_train("longley", "totemp", "ARRAY[1, gnpdefl, gnp, unemp, armed, pop, year]")
        logged = db.linregr_train("longley", "totemp", "ARRAY[1, ln(gnp), year - 1947]")
    assert model.feature_names == ("1", *LONGLEY_COLS)
    assert logged.feature_names == ("1", "ln(gnp)", "year - 1947")
    y = longley["totemp"].to_numpy(float)
    X = design(np.column_stack([np.log(longley["gnp"]), longley["year"] - 1947]))
    assert_ols(logged, y, X, 1e-8, "expression")


def test_grouped_training_returns_one_model_per_group(dsn, data):
    g, X, y = data
    with indb_ml.connect(dsn) as db:
        models = db.linregr_train("pts", "y", features_list(), grouping=["g"])
        same = db.linregr_train("pts", "y", features_list(), grouping="g")
    assert set(models) == {("a",), ("b",), ("c",)}
    for key, model in models.items():
        mask = g == key[0]
        assert model.group == {"g": key[0]}
        assert_ols(model, y[mask], design(X[mask]), 1e-8, f"group {key}")
        np.testing.assert_array_equal(same[key].coef, model.coef)


def test_heteroskedasticity_matches_statsmodels(dsn, data):
    _, X, y = data
    with indb_ml.connect(dsn) as db:
        model = db.linregr_train("pts", "y", features_list(), heteroskedasticity=True)
    lm, lm_p, _, _ = het_breuschpagan(ols(y, design(X)).resid, design(X))
    assert model.bp_stats == pytest.approx(lm, rel=1e-8)
    assert model.bp_p_value == pytest.approx(lm_p, rel=1e-6)


# -- output tables and transactions ------------------------------------------------------


def tables_like(postgresql, pattern: str) -> set[str]:
    postgresql.rollback()
    rows = postgresql.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE %s", [pattern]).fetchall()
    return {r[0] for r in rows}


def test_temporary_output_is_dropped_and_named_output_is_kept(dsn, postgresql, data):
    with indb_ml.connect(dsn) as db:
        db.linregr_train("pts", "y", features_list())
        assert tables_like(postgresql, "indb_ml_tmp_%") == set()
        model = db.linregr_train("pts", "y", features_list(), out_table="pts_fit")
    # Committed: another connection sees both tables.
    assert tables_like(postgresql, "pts_fit%") == {"pts_fit", "pts_fit_summary"}
    coef = postgresql.execute("SELECT coef FROM pts_fit").fetchone()[0]
    np.testing.assert_array_equal(coef, model.coef)


def test_temporary_output_needs_no_create_privilege(dsn, postgresql, data):
    """A user who may only read the data can train: the default output lives in pg_temp."""
    _, X, y = data
    role, password = "indb_ml_reader_" + secrets.token_hex(4), secrets.token_hex(16)
    for statement in (
        "CREATE ROLE {} LOGIN PASSWORD {}",
        "GRANT USAGE ON SCHEMA indb_ml TO {}",
        "GRANT SELECT ON pts TO {}",
    ):
        postgresql.execute(sql.SQL(statement).format(sql.Identifier(role), sql.Literal(password)))
    postgresql.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")  # PostgreSQL 15's default, made explicit
    postgresql.commit()
    try:
        with indb_ml.connect(make_conninfo(dsn, user=role, password=password)) as db:
            assert not db.execute("SELECT has_schema_privilege(current_schema(), 'CREATE')").fetchone()[0]
            assert_ols(db.linregr_train("pts", "y", features_list()), y, design(X), 1e-8, "pg_temp output")
            left = db.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'indb_ml_tmp_%'").fetchone()[0]
            assert left == 0, "temporary output tables were not dropped"
            with pytest.raises(IndbMlError, match="permission denied"):
                db.linregr_train("pts", "y", features_list(), out_table="pts_fit")
    finally:
        postgresql.rollback()
        postgresql.execute(sql.SQL("DROP OWNED BY {0}; DROP ROLE {0}").format(sql.Identifier(role)))
        postgresql.commit()


def test_server_error_carries_sqlstate_and_session_stays_usable(dsn, data):
    _, X, y = data
    with indb_ml.connect(dsn) as db:
        with pytest.raises(IndbMlError) as info:
            db.linregr_train("no_such_table", "y", features_list())
        assert info.value.sqlstate == "42P01"
        assert info.value.message.startswith("source_table 'no_such_table'"), info.value.message
        assert info.value.hint
        assert "HINT" in str(info.value)
        assert db.connection.info.transaction_status == TransactionStatus.IDLE
        assert db.execute("SELECT 1").fetchone() == (1,)
        assert_ols(db.linregr_train("pts", "y", features_list()), y, design(X), 1e-8)
        with pytest.raises(IndbMlError) as info:
            db.execute("SELECT * FROM missing_too")
        assert info.value.sqlstate == "42P01"


def test_names_are_quoted_not_pasted(dsn, postgresql, data):
    with indb_ml.connect(dsn) as db:
        with pytest.raises(IndbMlError) as info:
            db.linregr_train("pts", "y", [1, "x1]); DROP TABLE pts; --"])
        assert info.value.sqlstate == "42703"
        with pytest.raises(IndbMlError) as info:
            db.linregr_train("pts", "y", [1, "tax rate"])  # the column is "Tax Rate"
        assert info.value.sqlstate == "42703"
    assert tables_like(postgresql, "pts") == {"pts"}


def test_server_warnings_become_python_warnings(dsn, data):
    with indb_ml.connect(dsn) as db:
        db.execute("CREATE TABLE dup AS SELECT x1, 2 * x1 AS x1b, y FROM pts")
        with pytest.warns(RuntimeWarning, match="collinear") as record:
            model = db.linregr_train("dup", "y", [1, "x1", "x1b"])
    assert record[0].filename == __file__
    assert model.coef.shape == (3,)


def test_bad_feature_items_are_refused_before_the_server(dsn):
    with indb_ml.connect(dsn) as db:
        for bad in ([], [1, True], [1, float("nan")], [1, None]):
            with pytest.raises(TypeError):
                db.linregr_train("pts", "y", bad)


def test_caller_transaction_becomes_a_savepoint(postgresql, data):
    postgresql.execute("CREATE TABLE marker (i int)")  # opens a transaction
    db = Database.connect(postgresql)
    db.linregr_train("pts", "y", features_list(), out_table="in_txn")
    assert postgresql.info.transaction_status == TransactionStatus.INTRANS
    postgresql.rollback()
    assert tables_like(postgresql, "in_txn%") == set()
    assert tables_like(postgresql, "marker") == set()


# -- the model object ---------------------------------------------------------------------


def test_to_pandas_predict_and_str(dsn, data):
    _, X, y = data
    with indb_ml.connect(dsn) as db:
        model = db.linregr_train("pts", "y", features_list())
    frame = model.to_pandas()
    assert frame.shape == (4, 4)
    assert list(frame.index) == ["1", "x1", "x2", "Tax Rate"]
    assert list(frame.columns) == ["coef", "std_err", "t_stats", "p_values"]
    np.testing.assert_array_equal(frame["coef"].to_numpy(), model.coef)
    np.testing.assert_array_equal(model.predict(design(X)), design(X) @ model.coef)
    with pytest.raises(ValueError, match="4 features"):
        model.predict(X)
    text = str(model)
    assert "Tax Rate" in text and "R-squared" in text and "600" in text
    with pytest.raises(ValueError):
        model.coef[0] = 1.0  # read-only


def test_psycopg_errors_are_not_leaked(dsn):
    with indb_ml.connect(dsn) as db:
        with pytest.raises(IndbMlError) as info:
            db.linregr_train("pts", "y", [1, "x1"])
    assert isinstance(info.value.__cause__, psycopg.Error)
