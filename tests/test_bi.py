"""Issue 15, BI tools: an analyst's plain SELECTs fit, score and explain models.

Each finding is reproduced as an ordinary role (``SET ROLE``, as tests/test_catalog_security.py
does), in the transactions a BI tool runs (read-only, rolled back):

1. training from a SQL editor was lost on rollback: the ``*_fit`` functions return the model
   as rows and write nothing (``SET TRANSACTION READ ONLY`` works), the trainers refuse a
   read-only transaction naming the fit, and return their catalog row instead of void;
2. scoring by model name (``indb_ml.predict``) from the feature expressions stored with each
   version, not retyped: a reordered retrain does not change the old version's predictions;
3. a tidy coefficient table with term names (``indb_ml.model_coefficients``);
4. typed views instead of arrays and jsonb (``deployed_coefficients``, ``model_metrics``);
5. read access: ``indb_ml.model_grant``, the ``indb_ml_reader`` role, ``deployed_models``
   showing only what the caller can read, clean 42501 errors.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager

import numpy as np
import psycopg
import pytest
import statsmodels.api as sm
from psycopg import sql

from tests.test_madlib_numbers import HOUSES, HOUSES_BY_BEDROOM, HOUSES_LINREGR, PATIENTS, relative_error


@pytest.fixture
def db(postgresql):
    postgresql.autocommit = True
    return postgresql


@pytest.fixture
def roles(db):
    """``roles("alice", "bob")``: ordinary roles (unique in the cluster) that may create tables in
    public; dropped with everything they own after the test."""
    made = []

    def make(*names):
        out = []
        for name in names:
            role = f"bi_{name}_{uuid.uuid4().hex[:8]}"
            db.execute(sql.SQL("CREATE ROLE {}").format(sql.Identifier(role)))
            db.execute(sql.SQL("GRANT USAGE, CREATE ON SCHEMA public TO {}").format(sql.Identifier(role)))
            made.append(role)
            out.append(role)
        return out

    yield make
    db.execute("RESET ROLE")
    for role in made:
        if db.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
            db.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            db.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


@contextmanager
def as_role(conn, role):
    conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
    try:
        yield
    finally:
        conn.execute("RESET ROLE")
        conn.execute("RESET indb_ml.model_name")


@contextmanager
def read_only(conn):
    """A BI tool's transaction: read-only, rolled back at the end."""
    conn.execute("BEGIN")
    conn.execute("SET TRANSACTION READ ONLY")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")


def fetch(conn, query, params=None) -> list[dict]:
    cur = conn.execute(query, params)
    names = [d.name for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def load_houses(conn, name="houses"):
    conn.execute(sql.SQL("CREATE TABLE {} (id int, tax int, bedroom int, bath float8, price int, size int, "
                         "lot int)").format(sql.Identifier(name)))
    with conn.cursor().copy(sql.SQL("COPY {} FROM STDIN").format(sql.Identifier(name))) as copy:
        for row in HOUSES:
            copy.write_row(row)


def load_patients(conn):
    conn.execute("CREATE TABLE patients (id int, second_attack int, treatment int, trait_anxiety int)")
    with conn.cursor().copy("COPY patients FROM STDIN") as copy:
        for row in PATIENTS:
            copy.write_row(row)


def houses_arrays():
    data = np.array(HOUSES, float)
    x = np.column_stack([np.ones(len(data)), data[:, 1], data[:, 3], data[:, 5]])  # 1, tax, bath, size
    return data, x, data[:, 4]


def tables(conn) -> set:
    return {r[0] for r in conn.execute("SELECT oid::regclass::text FROM pg_class WHERE relnamespace = "
                                       "'public'::regnamespace OR relpersistence = 't'")}


# --------------------------------------------------------------------------- finding 1: fit without writing

def test_linregr_fit_in_a_read_only_transaction(db, roles):
    """MADlib's houses example (linear.sql_in) fitted in a read-only, rolled-back transaction as an
    ordinary role: MADlib's numbers and statsmodels', one row per group, nothing written."""
    (analyst,) = roles("analyst")
    _, x, y = houses_arrays()
    bedroom = np.array(HOUSES, float)[:, 2]
    with as_role(db, analyst):
        load_houses(db)
        before, models = tables(db), db.execute("SELECT count(*) FROM indb_ml.models").fetchone()[0]
        with read_only(db):
            whole = fetch(db, "SELECT * FROM indb_ml.linregr_fit('houses', 'price', 'ARRAY[1, tax, bath, size]')")
            grouped = fetch(db, "SELECT * FROM indb_ml.linregr_fit('houses', 'price', 'ARRAY[1, tax, bath, size]', "
                                "grouping_cols => 'bedroom')")
        assert tables(db) == before
        assert db.execute("SELECT count(*) FROM indb_ml.models").fetchone()[0] == models
    assert len(whole) == 1 and whole[0]["group_key"] is None
    for key, value in HOUSES_LINREGR.items():  # linear.sql_in, "SELECT * FROM houses_linregr"
        assert relative_error(whole[0][key], value) < 1e-9, key
    ref = sm.OLS(y, x).fit()
    np.testing.assert_allclose(whole[0]["coef"], ref.params, rtol=1e-9)
    np.testing.assert_allclose(whole[0]["std_err"], ref.bse, rtol=1e-9)
    assert whole[0]["bp_stats"] is None
    by_group = {r["group_key"]["bedroom"]: r for r in grouped}
    assert sorted(by_group) == [2, 3, 4]
    for b, want in HOUSES_BY_BEDROOM.items():  # linear.sql_in, "... houses_linregr_bedroom ORDER BY bedroom"
        for key, value in want.items():
            assert relative_error(by_group[b][key], value) < 1e-9, (b, key)
        np.testing.assert_allclose(by_group[b]["coef"], sm.OLS(y[bedroom == b], x[bedroom == b]).fit().params,
                                   rtol=1e-9)


def test_training_in_a_read_only_transaction_names_the_fit(db, roles):
    """The finding: SELECT indb_ml.linregr_train(...) in a BI tool's transaction. In a read-only
    one it is refused before any work (25006) and the hint names linregr_fit."""
    (analyst,) = roles("analyst")
    with as_role(db, analyst):
        load_houses(db)
        for call, fit in (("indb_ml.linregr_train('houses', 'h_lr', 'price', 'ARRAY[1, size]')", "linregr_fit"),
                          ("indb_ml.glm('houses', 'h_glm', 'price', 'ARRAY[1, size]', 'family=gaussian')", "glm_fit"),
                          ("indb_ml.linregr_train_incremental('houses', 'h_inc', 'price', 'ARRAY[1, size]')",
                           "linregr_fit")):
            with read_only(db):
                with pytest.raises(psycopg.errors.ReadOnlySqlTransaction, match="read-only") as err:
                    db.execute("SELECT " + call)
            assert f"indb_ml.{fit}(" in err.value.diag.message_hint


def test_trainers_return_their_catalog_row(db, roles):
    """SELECT indb_ml.linregr_train(...) shows what was made (a row, where MADlib returns void:
    a SELECT of either works the same), and the row is the catalog's."""
    (analyst,) = roles("analyst")
    with as_role(db, analyst):
        load_houses(db)
        row = fetch(db, "SELECT * FROM indb_ml.linregr_train('houses', 'h_lr', 'price', 'ARRAY[1, size]')")[0]
        assert row == {"model_name": "public.h_lr", "version": 1, "tables": ["public.h_lr", "public.h_lr_summary"]}
        db.execute("SET indb_ml.model_name = 'houses_price'")
        (made,) = db.execute("SELECT indb_ml.logregr_train('houses', 'h_lg', 'price > 250000', 'ARRAY[1, size]')"
                             ).fetchone()  # an anonymous record: psycopg reads its fields as text
        assert made == ("houses_price", "1", "{public.h_lg,public.h_lg_summary}")
        db.execute("RESET indb_ml.model_name")
        temp = fetch(db, "SELECT * FROM indb_ml.linregr_train('houses', 'pg_temp.h_tmp', 'price', 'ARRAY[1, size]')")[0]
        assert temp["model_name"] is None and temp["version"] is None and len(temp["tables"]) == 2


def test_fit_into_create_table_as(db, roles):
    """CREATE TABLE ... AS SELECT * FROM a fit keeps the model (the fit's read-only
    subtransaction does not make the outer statement read-only)."""
    (analyst,) = roles("analyst")
    with as_role(db, analyst):
        load_houses(db)
        db.execute("CREATE TABLE kept AS SELECT * FROM indb_ml.linregr_fit('houses', 'price', "
                   "'ARRAY[1, tax, bath, size]', 'bedroom')")
        db.execute("INSERT INTO kept SELECT * FROM indb_ml.linregr_fit('houses', 'price', 'ARRAY[1, tax, bath, size]')")
        assert db.execute("SELECT count(*) FROM kept").fetchone()[0] == 4
        got = db.execute("SELECT coef FROM kept WHERE group_key IS NULL").fetchone()[0]
        assert relative_error(got, HOUSES_LINREGR["coef"]) < 1e-9


# Every trainer with a table form and its fit: (trainer call writing table t, fit call), same arguments.
FIT_PAIRS = {
    "linregr": ("indb_ml.linregr_train('houses', 't', 'price', 'ARRAY[1, tax, bath, size]', 'bedroom', true)",
                "indb_ml.linregr_fit('houses', 'price', 'ARRAY[1, tax, bath, size]', 'bedroom', true)"),
    "logregr": ("indb_ml.logregr_train('patients', 't', 'second_attack', 'ARRAY[1, treatment, trait_anxiety]')",
                "indb_ml.logregr_fit('patients', 'second_attack', 'ARRAY[1, treatment, trait_anxiety]')"),
    "logregr_cg": ("indb_ml.logregr_train('houses', 't', 'price > 200000', 'ARRAY[1, size / 1000.0]', 'zone', "
                   "30, 'cg', 1e-8)",
                   "indb_ml.logregr_fit('houses', 'price > 200000', 'ARRAY[1, size / 1000.0]', 'zone', 30, 'cg', "
                   "1e-8)"),
    "glm": ("indb_ml.glm('houses', 't', 'bedroom', 'ARRAY[1, size / 1000.0]', 'family=poisson, link=log', 'zone')",
            "indb_ml.glm_fit('houses', 'bedroom', 'ARRAY[1, size / 1000.0]', 'family=poisson, link=log', 'zone')"),
    "glm_gamma": ("indb_ml.glm('houses', 't', 'price', 'ARRAY[1, size]', 'family=gamma, link=log')",
                  "indb_ml.glm_fit('houses', 'price', 'ARRAY[1, size]', 'family=gamma, link=log')"),
    "mlogregr": ("indb_ml.mlogregr_train('houses', 't', 'bedroom - 2', 'ARRAY[1, size / 1000.0]')",
                 "indb_ml.mlogregr_fit('houses', 'bedroom - 2', 'ARRAY[1, size / 1000.0]')"),
    "multinom": ("indb_ml.multinom('houses', 't', 'bedroom - 2', 'ARRAY[1, size / 1000.0]', 0, 'logit', 'zone')",
                 "indb_ml.multinom_fit('houses', 'bedroom - 2', 'ARRAY[1, size / 1000.0]', 0, 'logit', 'zone')"),
    "ordinal": ("indb_ml.ordinal('houses', 't', 'bedroom', 'ARRAY[size / 1000.0]', '2, 3, 4')",
                "indb_ml.ordinal_fit('houses', 'bedroom', 'ARRAY[size / 1000.0]', '2, 3, 4')"),
    "elastic_net": ("indb_ml.elastic_net_train('houses', 't', 'price', 'ARRAY[tax, bath, size]', 'gaussian', 0.5, "
                    "0.1, true, 'bedroom')",
                    "indb_ml.elastic_net_fit('houses', 'price', 'ARRAY[tax, bath, size]', 'gaussian', 0.5, 0.1, true, "
                    "'bedroom')"),
    "robust_linregr": ("indb_ml.robust_variance_linregr('houses', 't', 'price', 'ARRAY[1, tax, size]', 'zone')",
                       "indb_ml.robust_variance_linregr_fit('houses', 'price', 'ARRAY[1, tax, size]', 'zone')"),
    "robust_logregr": ("indb_ml.robust_variance_logregr('patients', 't', 'second_attack', "
                       "'ARRAY[1, treatment, trait_anxiety]')",
                       "indb_ml.robust_variance_logregr_fit('patients', 'second_attack', "
                       "'ARRAY[1, treatment, trait_anxiety]')"),
    "robust_mlogregr": ("indb_ml.robust_variance_mlogregr('houses', 't', 'bedroom - 2', 'ARRAY[1, size / 1000.0]')",
                        "indb_ml.robust_variance_mlogregr_fit('houses', 'bedroom - 2', 'ARRAY[1, size / 1000.0]')"),
    "clustered_linregr": ("indb_ml.clustered_variance_linregr('houses', 't', 'price', 'ARRAY[1, size]', 'bedroom')",
                          "indb_ml.clustered_variance_linregr_fit('houses', 'price', 'ARRAY[1, size]', 'bedroom')"),
    "clustered_logregr": ("indb_ml.clustered_variance_logregr('patients', 't', 'second_attack', "
                          "'ARRAY[1, treatment, trait_anxiety]', 'treatment')",
                          "indb_ml.clustered_variance_logregr_fit('patients', 'second_attack', "
                          "'ARRAY[1, treatment, trait_anxiety]', 'treatment')"),
    "clustered_mlogregr": ("indb_ml.clustered_variance_mlogregr('houses', 't', 'bedroom - 2', "
                           "'ARRAY[1, size / 1000.0]', 'bath')",
                           "indb_ml.clustered_variance_mlogregr_fit('houses', 'bedroom - 2', "
                           "'ARRAY[1, size / 1000.0]', 'bath')"),
}


def _same(a, b, what):
    if isinstance(a, list) and a and isinstance(a[0], str):
        assert a == b, what
    elif isinstance(a, list) or isinstance(b, list):
        np.testing.assert_allclose(np.array(a, float), np.array(b, float), rtol=1e-12, err_msg=what)
    elif isinstance(a, float) or isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-12, nan_ok=True), what
    else:
        assert a == b, what


@pytest.mark.parametrize("name", sorted(FIT_PAIRS))
def test_every_fit_equals_its_trainer(db, roles, name):
    """Each fit in a read-only transaction returns the rows its trainer writes: the same
    columns (group columns as group_key), the same numbers, in the same order."""
    (analyst,) = roles("analyst")
    train, fit = FIT_PAIRS[name]
    with as_role(db, analyst):
        load_houses(db)
        load_patients(db)
        db.execute("ALTER TABLE houses ADD COLUMN zone text")
        db.execute("UPDATE houses SET zone = CASE WHEN bath > 2 THEN 'east' ELSE 'west' END")
        db.execute("SET client_min_messages = error")  # non-converged groups warn the same in both
        db.execute("SELECT " + train)
        written = fetch(db, "SELECT * FROM t")
        before = tables(db)
        with read_only(db):
            got = fetch(db, "SELECT * FROM " + fit)
        assert tables(db) == before
    assert len(got) == len(written) > 0
    unwritten = {c for c in set(got[0]) - set(written[0]) - {"group_key"} if all(g[c] is None for g in got)}
    assert unwritten <= {"t_stats", "z_stats", "bp_stats", "bp_p_value"}, name  # glm's other statistic
    fit_cols = set(got[0]) - {"group_key"} - unwritten
    arguments = {"ref_category", "standardize"}  # columns of the table that are arguments of the fit
    group_cols = [c for c in written[0] if c not in fit_cols | arguments]
    assert set(written[0]) == fit_cols | set(group_cols) | (arguments & set(written[0])), name
    assert group_cols == [] or "group_key" in got[0]

    def order(r, keys):
        return str([keys(r).get(c) for c in group_cols] + [r.get("category")])

    for w, g in zip(sorted(written, key=lambda r: order(r, lambda r: r)),
                    sorted(got, key=lambda r: order(r, lambda r: r.get("group_key") or {}))):
        for c in group_cols:
            assert g["group_key"][c] == w[c], (name, c)
        for c in fit_cols:
            _same(g[c], w[c], (name, c))
