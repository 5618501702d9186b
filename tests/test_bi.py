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
import warnings
from contextlib import contextmanager

import numpy as np
import psycopg
import pytest
import statsmodels.api as sm
from psycopg import sql

from tests.test_madlib_numbers import (
    HOUSES,
    HOUSES_BY_BEDROOM,
    HOUSES_LINREGR,
    PATIENTS,
    PATIENTS_LOGREGR,
    relative_error,
)


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


@pytest.mark.parametrize("plan", ["aggregate", "memory"])
def test_logregr_fit_on_both_plans_read_only(db, roles, plan):
    """MADlib's patients example (logistic.sql_in) fitted read-only by aggregate passes (parallel
    workers allowed) and from rows packed in memory: MADlib's numbers, statsmodels' optimum."""
    (analyst,) = roles("analyst")
    with as_role(db, analyst):
        load_patients(db)
        db.execute("SELECT set_config('indb_ml.training_plan', %s, false)", [plan])
        db.execute("SET parallel_setup_cost = 0")
        db.execute("SET parallel_tuple_cost = 0")
        db.execute("SET min_parallel_table_scan_size = 0")
        with read_only(db):
            (row,) = fetch(db, "SELECT * FROM indb_ml.logregr_fit('patients', 'second_attack', "
                               "'ARRAY[1, treatment, trait_anxiety]')")
    assert (row["num_iterations"], row["status"], row["num_rows_processed"]) == (5, "converged", 20)
    assert relative_error(row["coef"], PATIENTS_LOGREGR["coef"]) < 1e-10  # logistic.sql_in
    assert relative_error(row["log_likelihood"], PATIENTS_LOGREGR["log_likelihood"]) < 1e-10
    data = np.array([r for r in PATIENTS if None not in r], float)
    ref = sm.Logit(data[:, 1], np.column_stack([np.ones(len(data)), data[:, 2], data[:, 3]])).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(row["coef"], ref.params, rtol=1e-8)
    np.testing.assert_allclose(row["std_err"], ref.bse, rtol=1e-8)


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


def test_fits_refuse_what_would_write(db, roles):
    """The options that write (elastic net's validation table) are refused up front with the way
    out; nothing is left behind either way. igd (MADlib's per-row passes, no temporary tables
    since it became a C aggregate) fits in a read-only transaction, as logregr_train's igd."""
    (analyst,) = roles("analyst")
    with as_role(db, analyst):
        load_houses(db)
        before = tables(db)
        with db.transaction():
            db.execute("SET TRANSACTION READ ONLY")
            fit = db.execute("SELECT coef, num_iterations FROM indb_ml.logregr_fit('houses', 'price > 250000', "
                             "'ARRAY[1, size]', NULL, 20, 'igd')").fetchone()
        db.execute("SELECT indb_ml.logregr_train('houses', 'igd_t', 'price > 250000', 'ARRAY[1, size]', NULL, 20, "
                   "'igd')")
        assert db.execute("SELECT coef, num_iterations FROM igd_t").fetchone() == fit
        db.execute("DROP TABLE igd_t, igd_t_summary")
        with pytest.raises(psycopg.errors.FeatureNotSupported, match="validation_result"):
            db.execute("SELECT * FROM indb_ml.elastic_net_fit('houses', 'price', 'ARRAY[tax, size]', 'gaussian', "
                       "0.5, 0.1, optimizer_params => 'n_folds=3, validation_result=cv_out')")
        with pytest.raises(psycopg.errors.UndefinedColumn):  # the trainer's own checks, as they are
            db.execute("SELECT * FROM indb_ml.linregr_fit('houses', 'price', 'ARRAY[1, no_such]')")
        assert tables(db) == before


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


# --------------------------------------------------------------------------- finding 2: scoring by name

def _grant_reader(db, owner, model, reader):
    """The owner grants the model to indb_ml_reader, and indb_ml_reader to the dashboard's role."""
    with as_role(db, owner):
        db.execute("SELECT indb_ml.model_grant(%s, 'indb_ml_reader')", [model])
    db.execute(sql.SQL("GRANT indb_ml_reader TO {}").format(sql.Identifier(reader)))


def test_predict_by_name_equals_linregr_predict_typed_by_hand(db, roles):
    """A dashboard role scores the deployed grouped model by name: the same numbers as
    linregr_predict with the features typed by hand (the old way), and statsmodels'."""
    alice, dash = roles("alice", "dash")
    data, x, y = houses_arrays()
    bedroom = data[:, 2]
    with as_role(db, alice):
        load_houses(db)
        db.execute("SET indb_ml.model_name = 'house_prices'")
        db.execute("SELECT indb_ml.linregr_train('houses', 'houses_lr', 'price', 'ARRAY[1, tax, bath, size]', "
                   "'bedroom')")
        db.execute("SELECT indb_ml.model_deploy('house_prices')")
        db.execute(sql.SQL("GRANT SELECT ON houses TO {}").format(sql.Identifier(dash)))
        by_hand = dict(db.execute("SELECT h.id::text, indb_ml.linregr_predict(m.coef, ARRAY[1, tax, bath, size]) "
                                  "FROM houses h JOIN houses_lr m USING (bedroom)").fetchall())
    _grant_reader(db, alice, "house_prices", dash)
    with as_role(db, dash), read_only(db):
        rows = db.execute("SELECT * FROM indb_ml.predict('house_prices', 'houses', 'id') ORDER BY id::int").fetchall()
        # score: predict under a name SQL-rewriting BI tools leave alone, the same rows
        assert db.execute("SELECT * FROM indb_ml.score('house_prices', 'houses', 'id') ORDER BY id::int").fetchall() \
            == rows
        assert db.execute("SELECT * FROM indb_ml.score('house_prices', 'houses', 'id', 1) ORDER BY id::int") \
            .fetchall() == rows
    assert len(rows) == len(HOUSES) == len(by_hand)
    assert all(p is None and c is None for _, _, p, c in rows)  # no probability, no category: a linear model
    for rid, pred, _, _ in rows:
        assert pred == pytest.approx(by_hand[rid], rel=1e-12), rid
    oracle = np.empty(len(y))
    for b in np.unique(bedroom):
        with warnings.catch_warnings():  # bedroom 4 has one row: the minimum-norm solution, as linregr's
            warnings.simplefilter("ignore")
            fit = sm.OLS(y[bedroom == b], x[bedroom == b]).fit()
        oracle[bedroom == b] = fit.predict(x[bedroom == b])
    np.testing.assert_allclose([r[1] for r in rows], oracle, rtol=1e-8)


def test_a_reordered_retrain_does_not_change_the_old_versions_predictions(db, roles):
    """The finding: version 2 lists the features in another order. Typed by hand in version 1's
    order against version 2's coefficients, predictions are silently wrong; by name, each version
    computes its own features, so version 1 scores as before and version 2 the same model."""
    (alice,) = roles("alice")
    with as_role(db, alice):
        load_houses(db)
        db.execute("SET indb_ml.model_name = 'house_prices'")
        db.execute("SELECT indb_ml.linregr_train('houses', 'lr_v1', 'price', 'ARRAY[1, tax, bath, size]')")
        v1_before = db.execute("SELECT id, prediction FROM indb_ml.predict('house_prices', 'houses', 'id') "
                               "ORDER BY id::int").fetchall()
        db.execute("SELECT indb_ml.linregr_train('houses', 'lr_v2', 'price', 'ARRAY[1, size, bath, tax]')")
        assert db.execute("SELECT max(version) FROM indb_ml.models WHERE name = 'house_prices'").fetchone()[0] == 2
        v1_after = db.execute("SELECT id, prediction FROM indb_ml.predict('house_prices', 'houses', 'id', 1) "
                              "ORDER BY id::int").fetchall()
        v2 = db.execute("SELECT id, prediction FROM indb_ml.predict('house_prices', 'houses', 'id') "
                        "ORDER BY id::int").fetchall()  # no version deployed: the latest
        wrong = [r[0] for r in db.execute("SELECT indb_ml.linregr_predict(m.coef, ARRAY[1, tax, bath, size]) "
                                          "FROM houses h, lr_v2 m ORDER BY h.id")]
    assert v1_after == v1_before
    np.testing.assert_allclose([p for _, p in v2], [p for _, p in v1_before], rtol=1e-9)
    assert max(abs(a - b) for a, (_, b) in zip(wrong, v1_before)) > 1000  # the hand-typed order was wrong


def test_predict_logistic_glm_and_elastic_net_by_name(db, roles):
    """Probabilities and predictions by name equal the C predict functions with the features typed
    by hand, and statsmodels' (MADlib's patients example: logistic.sql_in)."""
    (alice,) = roles("alice")
    with as_role(db, alice):
        load_patients(db)
        load_houses(db)
        db.execute("SELECT indb_ml.logregr_train('patients', 'pat_lr', 'second_attack', "
                   "'ARRAY[1, treatment, trait_anxiety]')")
        got = db.execute("SELECT p.id::int, p.prediction, p.probability, "
                         "indb_ml.logregr_predict_prob(m.coef, ARRAY[1, treatment, trait_anxiety]), "
                         "indb_ml.logregr_predict(m.coef, ARRAY[1, treatment, trait_anxiety]) "
                         "FROM indb_ml.predict('pat_lr', 'patients', 'id') p JOIN patients t ON t.id::text = p.id, "
                         "pat_lr m WHERE treatment IS NOT NULL AND trait_anxiety IS NOT NULL ORDER BY 1").fetchall()
        missing = db.execute("SELECT p.id::int, p.prediction, p.probability FROM indb_ml.predict('pat_lr', "
                             "'patients', 'id') p JOIN patients t ON t.id::text = p.id "
                             "WHERE treatment IS NULL OR trait_anxiety IS NULL ORDER BY 1").fetchall()
        db.execute("SELECT indb_ml.glm('houses', 'h_pois', 'bedroom', 'ARRAY[1, size / 1000.0]', "
                   "'family=poisson, link=log')")
        pois = db.execute("SELECT p.prediction, p.probability, indb_ml.glm_predict(m.coef, ARRAY[1, size / 1000.0], "
                          "'log') FROM indb_ml.predict('h_pois', 'houses', 'id') p JOIN houses h ON h.id::text = p.id, "
                          "h_pois m ORDER BY h.id").fetchall()
        db.execute("SELECT indb_ml.elastic_net_train('houses', 'h_en', 'price', 'ARRAY[tax, bath, size]', "
                   "'gaussian', 0.5, 0.1)")
        enet = db.execute("SELECT p.prediction, indb_ml.elastic_net_gaussian_predict(m.coef_all, m.intercept, "
                          "ARRAY[tax, bath, size]) FROM indb_ml.predict('h_en', 'houses', 'id') p "
                          "JOIN houses h ON h.id::text = p.id, h_en m").fetchall()
    data = np.array([r for r in PATIENTS if None not in r], float)
    ref = sm.Logit(data[:, 1], np.column_stack([np.ones(len(data)), data[:, 2], data[:, 3]])).fit(disp=0, tol=1e-12)
    oracle = dict(zip(data[:, 0].astype(int), ref.predict(np.column_stack([np.ones(len(data)), data[:, 2:4]]))))
    assert len(got) == len(PATIENTS) - 2 and missing == [(21, None, None), (22, None, None)]
    for rid, pred, prob, by_hand, label in got:
        assert prob == pytest.approx(by_hand, rel=1e-12) and pred == float(label)
        if rid in oracle:
            assert prob == pytest.approx(oracle[rid], rel=1e-6)
    hd = np.array(HOUSES, float)
    ref = sm.GLM(hd[:, 2], np.column_stack([np.ones(len(hd)), hd[:, 5] / 1000]), family=sm.families.Poisson()).fit()
    np.testing.assert_allclose([r[0] for r in pois], ref.predict(), rtol=1e-6)
    assert all(r[1] is None and r[0] == pytest.approx(r[2], rel=1e-12) for r in pois)
    assert all(a == pytest.approx(b, rel=1e-12) for a, b in enet)


def test_predict_null_features_groups_without_model_and_bad_input(db, roles):
    """A row with a NULL feature or of a group without a model scores NULL (linregr_predict by
    hand raised on the NULL); wrong ids, sources and models are clear errors."""
    (alice,) = roles("alice")
    with as_role(db, alice):
        load_houses(db)
        db.execute("SELECT indb_ml.linregr_train('houses', 'h_lr', 'price', 'ARRAY[1, tax, size]', 'bedroom')")
        db.execute("CREATE TABLE new_houses AS SELECT * FROM houses")
        db.execute("UPDATE new_houses SET tax = NULL WHERE id = 1")
        db.execute("UPDATE new_houses SET bedroom = 7 WHERE id = 2")
        got = dict((r[0], r[1]) for r in db.execute("SELECT * FROM indb_ml.predict('h_lr', 'new_houses', 'id')"))
        assert got["1"] is None and got["2"] is None
        assert sum(v is not None for v in got.values()) == len(HOUSES) - 2
        with pytest.raises(psycopg.errors.NullValueNotAllowed):
            db.execute("SELECT indb_ml.linregr_predict(m.coef, ARRAY[1, tax, size]) FROM new_houses h "
                       "JOIN h_lr m USING (bedroom) WHERE h.id = 1")
        for call, err, match in (
                ("'h_lr', 'houses', 'nope'", psycopg.errors.UndefinedColumn, "nope"),
                ("'h_lr', 'no_such_table', 'id'", psycopg.errors.UndefinedTable, "no_such_table"),
                ("'no_model', 'houses', 'id'", psycopg.errors.UndefinedTable, "not in indb_ml.models"),
                ("'h_lr', 'houses', 'id', 9", psycopg.errors.UndefinedTable, "version 9"),
                ("'h_lr', 'houses', 'id); DROP TABLE houses; --'", psycopg.errors.SyntaxError, "single expression")):
            with pytest.raises(err, match=match):
                db.execute("SELECT * FROM indb_ml.predict(" + call + ")")
        db.execute("CREATE TABLE no_size AS SELECT id, tax, bedroom FROM houses")
        with pytest.raises(psycopg.errors.UndefinedColumn, match="size"):
            db.execute("SELECT * FROM indb_ml.predict('h_lr', 'no_size', 'id')")
        assert db.execute("SELECT count(*) FROM houses").fetchone()[0] == len(HOUSES)


def _category_data(seed: int = 15, n: int = 240):
    """Two groups, two features, an ordered outcome of three levels from a latent logistic model."""
    rng = np.random.default_rng(seed)
    g = rng.integers(0, 2, n)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    latent = 1.2 * x1 - 0.8 * x2 + 0.5 * g + rng.logistic(size=n)
    level = np.digitize(latent, [-0.7, 0.9])  # 0, 1, 2
    return np.arange(1, n + 1), g, x1, x2, level


def test_predict_category_models_by_name(db, roles):
    """predict and score for multinom (grouped), mlogregr_train (reference category 1) and ordinal:
    a row per id with the most probable category, its probability, and as prediction the category
    (multinom, mlogregr) or its rank in cat_order (ordinal). Oracles: the probabilities from each
    model's own coefficients in numpy, multinom_predict / ordinal_predict's tables, and statsmodels'
    MNLogit and OrderedModel fits."""
    from statsmodels.miscmodels.ordinal_model import OrderedModel
    (alice,) = roles("alice")
    ids, g, x1, x2, level = _category_data()
    names = np.array(["low", "mid", "high"])
    with as_role(db, alice):
        db.execute("CREATE TABLE cats (id int, g int, x1 float8, x2 float8, level int, grade text)")
        with db.cursor().copy("COPY cats FROM STDIN") as copy:
            for row in zip(ids.tolist(), g.tolist(), x1.tolist(), x2.tolist(), level.tolist(), names[level].tolist()):
                copy.write_row(row)
        db.execute("SELECT indb_ml.multinom('cats', 'c_mn', 'level', 'ARRAY[1, x1, x2]', 0, 'logit', 'g', "
                   "'tolerance=1e-12')")
        db.execute("SELECT indb_ml.mlogregr_train('cats', 'c_ml', 'level', 'ARRAY[1, x1, x2]', 1, "
                   "'tolerance=1e-12')")
        db.execute("SELECT indb_ml.ordinal('cats', 'c_ord', 'grade', 'ARRAY[x1, x2]', 'low, mid, high')")
        db.execute("CREATE TABLE cats_new AS SELECT * FROM cats")
        db.execute("UPDATE cats_new SET x2 = NULL WHERE id = 1")
        got = {m: fetch(db, "SELECT * FROM indb_ml.predict(%s, 'cats_new', 'id') ORDER BY id::int", [m])
               for m in ("c_mn", "c_ml", "c_ord")}
        for m in got:
            assert fetch(db, "SELECT * FROM indb_ml.score(%s, 'cats_new', 'id') ORDER BY id::int", [m]) == got[m]
        mn = {r["g"]: np.array(r["coef"]) for r in fetch(db, "SELECT g, array_agg(coef ORDER BY category) AS coef "
                                                             "FROM c_mn GROUP BY g")}
        ml = np.array(db.execute("SELECT array_agg(coef ORDER BY category) FROM c_ml").fetchone()[0])
        ml_cats = [r[0] for r in db.execute("SELECT category FROM c_ml ORDER BY category")]
        thresholds, beta = db.execute("SELECT coef_threshold, coef_feature FROM c_ord").fetchone()
        db.execute("SELECT indb_ml.multinom_predict('c_mn', 'cats', 'c_mn_resp', 'response')")
        db.execute("SELECT indb_ml.ordinal_predict('c_ord', 'cats', 'c_ord_resp', 'response')")
        mn_resp = dict(db.execute("SELECT id::text, category FROM c_mn_resp").fetchall())
        ord_resp = dict(db.execute("SELECT id::text, category FROM c_ord_resp").fetchall())
    x = np.column_stack([np.ones(len(ids)), x1, x2])
    assert ml_cats == [0, 2]  # reference 1 first in the probabilities, then 0, 2

    def softmax(rest):  # the reference category's linear predictor is 0
        z = np.column_stack([np.zeros(len(rest)), rest])
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    mn_prob = np.empty((len(ids), 3))
    for grp, coef in mn.items():
        mn_prob[g == grp] = softmax(x[g == grp] @ coef.T)  # categories 0 (reference), 1, 2
    ml_prob = softmax(x @ ml.T)[:, [1, 0, 2]]  # columns ref 1, 0, 2 -> categories 0, 1, 2
    cum = 1 / (1 + np.exp(-(np.array(thresholds)[None, :] - (x[:, 1:] @ np.array(beta))[:, None])))
    ord_prob = np.diff(np.column_stack([np.zeros(len(ids)), cum, np.ones(len(ids))]), axis=1)
    for name, prob, rows, label in (("c_mn", mn_prob, got["c_mn"], lambda k: str(k)),
                                    ("c_ml", ml_prob, got["c_ml"], lambda k: str(k)),
                                    ("c_ord", ord_prob, got["c_ord"], lambda k: names[k])):
        assert [r["id"] for r in rows] == [str(i) for i in ids], name
        assert rows[0]["prediction"] is None and rows[0]["probability"] is None and rows[0]["category"] is None
        best = prob.argmax(axis=1)
        for r, k, p in zip(rows[1:], best[1:], prob[1:]):
            assert r["category"] == label(k), (name, r)
            assert r["probability"] == pytest.approx(p[k], rel=1e-12), (name, r)
            assert r["prediction"] == (k if name != "c_ord" else k + 1), (name, r)
    assert all(r["category"] == str(mn_resp[r["id"]]) for r in got["c_mn"][1:])
    assert all(r["category"] == ord_resp[r["id"]] for r in got["c_ord"][1:])

    # The fits are statsmodels': MNLogit per group and for mlogregr, OrderedModel (logit).
    for grp in (0, 1):
        ref = sm.MNLogit(level[g == grp], x[g == grp]).fit(disp=0, method="newton", tol=1e-12, maxiter=100)
        np.testing.assert_allclose(mn_prob[g == grp], ref.predict(x[g == grp]), rtol=1e-7, atol=1e-10)
    ref = sm.MNLogit(level, x).fit(disp=0, method="newton", tol=1e-12, maxiter=100)
    np.testing.assert_allclose(ml_prob, ref.predict(x), rtol=1e-7, atol=1e-10)
    ordered = OrderedModel(level, x[:, 1:], distr="logit").fit(method="bfgs", disp=0, gtol=1e-10, maxiter=2000)
    np.testing.assert_allclose(ord_prob, ordered.predict(x[:, 1:]), rtol=1e-5, atol=1e-8)


def test_predict_features_named_as_model_columns(db, roles):
    """Features named like the model table's columns (coef, r2) and expressions over them are the
    source's columns: the same predictions as typed by hand."""
    (alice,) = roles("alice")
    with as_role(db, alice):
        load_houses(db)
        db.execute("CREATE TABLE odd AS SELECT id AS \"Id\", price, size AS coef, tax AS r2, bedroom FROM houses")
        db.execute("SELECT indb_ml.linregr_train('odd', 'odd_lr', 'price', 'ARRAY[1, coef, ln(r2), coef * r2 / 1e6]', "
                   "'bedroom')")
        got = db.execute("SELECT p.prediction, indb_ml.linregr_predict(m.coef, ARRAY[1, o.coef, ln(o.r2), "
                         "o.coef * o.r2 / 1e6]) FROM indb_ml.predict('odd_lr', 'odd', '\"Id\"') p "
                         "JOIN odd o ON o.\"Id\"::text = p.id JOIN odd_lr m USING (bedroom)").fetchall()
        names = db.execute("SELECT term FROM indb_ml.model_coefficients('odd_lr') WHERE group_key = "
                           "'{\"bedroom\": 3}'").fetchall()
    assert len(got) == len(HOUSES) and all(a == pytest.approx(b, rel=1e-12) for a, b in got)
    assert [n for (n,) in names] == ["intercept", "coef", "ln(r2)", "((coef * r2) / 1e6)"]


def test_predict_an_array_column_model(db, roles):
    """A model of a float8[] column scores the column whole (its length checked by the C
    function), its coefficients named x[1], x[2], ..."""
    (alice,) = roles("alice")
    with as_role(db, alice):
        load_houses(db)
        db.execute("CREATE TABLE arr AS SELECT id, price, bedroom, ARRAY[1, tax, size]::float8[] AS x FROM houses")
        db.execute("SELECT indb_ml.linregr_train('arr', 'arr_lr', 'price', 'x', 'bedroom')")
        got = db.execute("SELECT p.prediction, indb_ml.linregr_predict(m.coef, a.x) FROM indb_ml.predict('arr_lr', "
                         "'arr', 'id') p JOIN arr a ON a.id::text = p.id JOIN arr_lr m USING (bedroom)").fetchall()
        terms = db.execute("SELECT feature_names, feature_exprs FROM indb_ml.models").fetchone()
        db.execute("UPDATE arr SET x = x || 1::float8 WHERE id = 1")
        with pytest.raises(psycopg.errors.Error, match="3 coefficients but 4 features"):
            db.execute("SELECT * FROM indb_ml.predict('arr_lr', 'arr', 'id')")
    assert len(got) == len(HOUSES) and all(a == pytest.approx(b, rel=1e-12) for a, b in got)
    assert terms == (["x[1]", "x[2]", "x[3]"], None)


def test_forged_feature_expressions_never_run(db, roles):
    """Security: a role files a registration request for its own table with SQL as its
    'features' and grants the model; when another role scores it, the stored text is parsed
    again and refused: nothing of it runs in the victim's session."""
    mallory, victim = roles("mallory", "victim")
    with as_role(db, mallory):
        load_houses(db)
        db.execute("SELECT indb_ml.linregr_train('houses', 'bait', 'price', 'ARRAY[1, size]')")
        db.execute("DROP TABLE bait_summary")
        db.execute("ALTER TABLE bait RENAME TO bait_old")
        db.execute("CREATE TABLE bait AS SELECT * FROM bait_old")
        db.execute("SET indb_ml.model_name = 'bait_model'")
        db.execute("INSERT INTO indb_ml.model_requests (action, output_oid, algorithm, feature_exprs, "
                   "independent_varname, parameters) VALUES ('register', 'bait'::regclass, 'linregr', "
                   "ARRAY['1', 'size) FROM houses; CREATE TABLE pwned AS SELECT 1 AS x; SELECT (1'], 'x', '{}')")
        db.execute("INSERT INTO indb_ml.model_requests (action, output_oid, algorithm, feature_exprs, parameters) "
                   "VALUES ('register', 'bait'::regclass, 'linregr', ARRAY['1', 'pg_sleep(5)'], '{}')")
        db.execute(sql.SQL("GRANT SELECT ON houses TO {}").format(sql.Identifier(victim)))
        db.execute("SELECT indb_ml.model_grant('bait_model', %s)", [victim])
    with as_role(db, victim):
        for version in (1, 2):
            with pytest.raises(psycopg.errors.SyntaxError):
                db.execute("SELECT * FROM indb_ml.predict('bait_model', 'houses', 'id', %s)", [version])
    assert db.execute("SELECT to_regclass('pwned')").fetchone()[0] is None


# --------------------------------------------------------------------------- findings 3 and 4: tidy, typed

def test_model_coefficients_one_row_per_term(db, roles):
    """MADlib's numbers (linear.sql_in, logistic.sql_in) as a tidy table: term names from the
    expressions ('intercept' for the constant 1), grouped models one set per group, the
    logistic odds ratios MADlib reports."""
    (alice,) = roles("alice")
    with as_role(db, alice):
        load_houses(db)
        load_patients(db)
        db.execute("SELECT indb_ml.linregr_train('houses', 'h_lr', 'price', 'ARRAY[1, tax, bath, size]')")
        db.execute("SELECT indb_ml.linregr_train('houses', 'h_lrg', 'price', 'ARRAY[1, tax, bath, size]', "
                   "'bedroom')")
        db.execute("SELECT indb_ml.logregr_train('patients', 'p_lr', 'second_attack', "
                   "'ARRAY[1, treatment, trait_anxiety]')")
        with read_only(db):
            lin = fetch(db, "SELECT * FROM indb_ml.model_coefficients('h_lr')")
            grouped = fetch(db, "SELECT * FROM indb_ml.model_coefficients('public.h_lrg', 1)")
            logit = fetch(db, "SELECT * FROM indb_ml.model_coefficients('p_lr')")
    assert [r["term"] for r in lin] == ["intercept", "tax", "bath", "size"]
    assert [r["term_index"] for r in lin] == [1, 2, 3, 4]
    assert all(r["group_key"] is None and r["odds_ratio"] is None for r in lin)
    for key, col in (("coef", "coef"), ("std_err", "std_err"), ("t_stats", "statistic"), ("p_values", "p_value")):
        assert relative_error([r[col] for r in lin], HOUSES_LINREGR[key]) < 1e-9, key
    for b, want in HOUSES_BY_BEDROOM.items():
        rows = [r for r in grouped if r["group_key"] == {"bedroom": b}]
        assert [r["term"] for r in rows] == ["intercept", "tax", "bath", "size"]
        assert relative_error([r["coef"] for r in rows], want["coef"]) < 1e-9
    assert len(grouped) == 12
    assert [r["term"] for r in logit] == ["intercept", "treatment", "trait_anxiety"]
    for key, col in (("coef", "coef"), ("z_stats", "statistic"), ("odds_ratios", "odds_ratio")):
        assert relative_error([r[col] for r in logit], PATIENTS_LOGREGR[key]) < 1e-5, key


def test_views_are_typed_rows(db, roles):
    """Finding 4: the BI views have scalar columns only (a dashboard sums and filters them), and
    their numbers are MADlib's and statsmodels' (log-likelihood, AIC, BIC of the patients logit)."""
    (alice,) = roles("alice")
    with as_role(db, alice):
        load_houses(db)
        load_patients(db)
        db.execute("SELECT indb_ml.linregr_train('houses', 'h_lrg', 'price', 'ARRAY[1, tax, bath, size]', "
                   "'bedroom')")
        db.execute("SELECT indb_ml.logregr_train('patients', 'p_lr', 'second_attack', "
                   "'ARRAY[1, treatment, trait_anxiety]')")
        db.execute("SELECT indb_ml.model_deploy('h_lrg')")
        db.execute("SELECT indb_ml.model_deploy('p_lr')")
        coefs = fetch(db, "SELECT * FROM indb_ml.deployed_coefficients ORDER BY model_name, group_label, term_index")
        metrics = {(r["model_name"], r["group_label"]): r for r in fetch(db, "SELECT * FROM indb_ml.model_metrics")}
        total = db.execute("SELECT model_name, sum(coef) FROM indb_ml.deployed_coefficients "
                           "WHERE term = 'intercept' GROUP BY 1 ORDER BY 1").fetchall()
    types = dict(db.execute("SELECT c.table_name || '.' || c.column_name, c.data_type "
                            "FROM information_schema.columns c WHERE c.table_schema = 'indb_ml' "
                            "AND c.table_name IN ('deployed_coefficients', 'model_metrics')").fetchall())
    assert len(types) > 20
    assert not [c for c, t in types.items() if t in ("ARRAY", "jsonb", "USER-DEFINED", "record")], types
    assert [r["term"] for r in coefs if r["model_name"] == "public.p_lr"] == ["intercept", "treatment",
                                                                             "trait_anxiety"]
    by_bedroom = [r for r in coefs if r["model_name"] == "public.h_lrg" and r["group_label"] == "bedroom=3"]
    assert relative_error([r["coef"] for r in by_bedroom], HOUSES_BY_BEDROOM[3]["coef"]) < 1e-9
    assert total[1][1] == pytest.approx(PATIENTS_LOGREGR["coef"][0], rel=1e-9)
    assert metrics[("public.h_lrg", "bedroom=2")]["r2"] == pytest.approx(HOUSES_BY_BEDROOM[2]["r2"], rel=1e-9)
    data, x, y = houses_arrays()
    two = data[:, 2] == 2
    ols = sm.OLS(y[two], x[two]).fit()  # linregr's AIC and BIC: statsmodels' OLS, per group
    lrg = metrics[("public.h_lrg", "bedroom=2")]
    assert lrg["log_likelihood"] == pytest.approx(ols.llf, rel=1e-9)
    assert lrg["aic"] == pytest.approx(ols.aic, rel=1e-9) and lrg["bic"] == pytest.approx(ols.bic, rel=1e-9)
    logit = metrics[("public.p_lr", None)]
    data = np.array([r for r in PATIENTS if None not in r], float)
    ref = sm.Logit(data[:, 1], np.column_stack([np.ones(len(data)), data[:, 2], data[:, 3]])).fit(disp=0, tol=1e-12)
    assert logit["log_likelihood"] == pytest.approx(PATIENTS_LOGREGR["log_likelihood"], rel=1e-9)
    assert logit["aic"] == pytest.approx(ref.aic, rel=1e-9) and logit["bic"] == pytest.approx(ref.bic, rel=1e-9)
    assert (logit["num_parameters"], logit["num_rows"], logit["iterations"], logit["status"]) == (3, 20, 5,
                                                                                                 "converged")


# --------------------------------------------------------------------------- finding 5: read access

def test_model_grant_and_the_reader_role(db, roles):
    """Before a grant another role sees nothing and scoring is a 42501 naming the owner and the
    grant; only the owner grants; after model_grant to indb_ml_reader, a member of it scores,
    explains and lists the model (model, summary and state tables together)."""
    alice, bob, dash = roles("alice", "bob", "dash")
    assert db.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'indb_ml_reader'").fetchone() == (False,)
    with as_role(db, alice):
        load_houses(db)
        db.execute(sql.SQL("GRANT SELECT ON houses TO {}, {}").format(sql.Identifier(bob), sql.Identifier(dash)))
        db.execute("SET indb_ml.model_name = 'prices'")
        db.execute("SELECT indb_ml.linregr_train_incremental('houses', 'prices_inc', 'price', 'ARRAY[1, size]')")
        db.execute("SELECT indb_ml.model_deploy('prices')")
        db.execute("CREATE TABLE private_houses AS SELECT * FROM houses")
    db.execute(sql.SQL("GRANT indb_ml_reader TO {}").format(sql.Identifier(dash)))
    with as_role(db, dash):
        assert db.execute("SELECT count(*) FROM indb_ml.deployed_models").fetchone()[0] == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="cannot read its tables") as err:
            db.execute("SELECT * FROM indb_ml.predict('prices', 'houses', 'id')")
        assert f"its owner {alice}" in err.value.diag.message_hint and "model_grant" in err.value.diag.message_hint
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            db.execute("SELECT * FROM indb_ml.model_coefficients('prices')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match=f"belongs to role {alice}"):
            db.execute("SELECT indb_ml.model_grant('prices', %s)", [dash])
    with as_role(db, bob):
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match=f"belongs to role {alice}"):
            db.execute("SELECT indb_ml.model_grant('prices', 'indb_ml_reader')")
    with as_role(db, alice):
        with pytest.raises(psycopg.errors.UndefinedObject):
            db.execute("SELECT indb_ml.model_grant('prices', 'no_such_role_x')")
        granted = db.execute("SELECT indb_ml.model_grant('prices', 'indb_ml_reader')").fetchone()[0]
    assert granted == ["public.prices_inc", "public.prices_inc_state", "public.prices_inc_summary"]
    with as_role(db, dash), read_only(db):
        assert db.execute("SELECT name FROM indb_ml.deployed_models").fetchall() == [("prices",)]
        assert db.execute("SELECT count(*) FROM indb_ml.predict('prices', 'houses', 'id')").fetchone()[0] == len(HOUSES)
        assert [r[0] for r in db.execute("SELECT term FROM indb_ml.deployed_coefficients")] == ["intercept", "size"]
        db.execute("SELECT count(*) FROM prices_inc_summary, prices_inc_state")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="private_houses"):  # the data: not granted
            db.execute("SELECT * FROM indb_ml.predict('prices', 'private_houses', 'id')")
    with as_role(db, bob):  # not a member of indb_ml_reader: still nothing
        assert db.execute("SELECT count(*) FROM indb_ml.deployed_models").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM indb_ml.deployed_coefficients").fetchone()[0] == 0
    db.execute(sql.SQL("GRANT CREATE ON DATABASE {} TO {}").format(sql.Identifier(db.info.dbname),
                                                                    sql.Identifier(alice)))
    notices = []
    db.add_notice_handler(lambda d: notices.append(d.message_primary))
    with as_role(db, alice):  # PUBLIC; and a schema the grantee cannot use is named in a warning
        assert len(db.execute("SELECT indb_ml.model_grant('prices', 'PUBLIC')").fetchone()[0]) == 3
        db.execute("CREATE SCHEMA alices")
        db.execute("SELECT indb_ml.linregr_train('houses', 'alices.lr', 'price', 'ARRAY[1, size]')")
        db.execute("SELECT indb_ml.model_grant('alices.lr', 'indb_ml_reader')")
    assert any("cannot use schema alices" in n for n in notices), notices
    with as_role(db, alice):  # the short name, resolved in the caller's search_path as model_deploy resolves it
        db.execute("SELECT indb_ml.linregr_train('houses', 'short_lr', 'price', 'ARRAY[1, size]')")
        assert db.execute("SELECT indb_ml.model_grant('short_lr', %s)", [dash]).fetchone()[0] == \
            ["public.short_lr", "public.short_lr_summary"]
        db.execute("SET search_path = alices, public")
        assert db.execute("SELECT indb_ml.model_grant('lr', %s)", [dash]).fetchone()[0] == \
            ["alices.lr", "alices.lr_summary"]
        assert db.execute("SELECT indb_ml.model_grant('prices_inc', %s)", [dash]).fetchone()[0] == granted
        with pytest.raises(psycopg.errors.UndefinedTable, match="'no_such_lr' is not in indb_ml.models"):
            db.execute("SELECT indb_ml.model_grant('no_such_lr', %s)", [dash])
        db.execute("RESET search_path")
    with as_role(db, dash), read_only(db):
        assert db.execute("SELECT count(*) FROM indb_ml.predict('short_lr', 'houses', 'id')").fetchone()[0] \
            == len(HOUSES)
    with as_role(db, bob):
        assert db.execute("SELECT name FROM indb_ml.deployed_models").fetchall() == [("prices",)]
    db.execute("DROP SCHEMA alices CASCADE")


def test_deployed_models_lists_only_readable_tables(db, roles):
    """Finding 5: deployed_models listed tables the reader could not read (its creator's rows
    after a revoke, a table replaced); now only tables the caller can read."""
    (alice,) = roles("alice")
    with as_role(db, alice):
        load_houses(db)
        db.execute("SELECT indb_ml.linregr_train('houses', 'h_lr', 'price', 'ARRAY[1, size]')")
        db.execute("SELECT indb_ml.model_deploy('h_lr')")
        assert db.execute("SELECT count(*) FROM indb_ml.deployed_models").fetchone()[0] == 1
        db.execute(sql.SQL("REVOKE SELECT ON h_lr FROM {}").format(sql.Identifier(alice)))
        assert db.execute("SELECT count(*) FROM indb_ml.models").fetchone()[0] == 1  # her row, as its creator
        assert db.execute("SELECT count(*) FROM indb_ml.deployed_models").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM indb_ml.deployed_coefficients").fetchone()[0] == 0


@pytest.mark.parametrize("name", sorted(FIT_PAIRS))
def test_coefficients_of_every_trainer(db, roles, name):
    """model_coefficients of every trainer's model: the table's arrays, one row per group,
    category and term, named from the expressions; odds ratios for logistic models only; MADlib's
    summary numbers (metrics) typed in model_metrics."""
    (analyst,) = roles("analyst")
    train, _ = FIT_PAIRS[name]
    with as_role(db, analyst):
        load_houses(db)
        load_patients(db)
        db.execute("ALTER TABLE houses ADD COLUMN zone text")
        db.execute("UPDATE houses SET zone = CASE WHEN bath > 2 THEN 'east' ELSE 'west' END")
        db.execute("SET client_min_messages = error")
        db.execute("SELECT " + train)
        table = fetch(db, "SELECT * FROM t")
        coefs = fetch(db, "SELECT * FROM indb_ml.model_coefficients('t')")
        metrics = fetch(db, "SELECT * FROM indb_ml.model_metrics WHERE model_name = 'public.t'")
        terms = db.execute("SELECT feature_names, grouping_cols FROM indb_ml.models WHERE name = 'public.t'").fetchone()
    names, grouping = terms
    assert grouping in (None, ["bedroom"], ["zone"])
    logistic = any(k in name for k in ("logregr", "mlogregr", "multinom"))
    for row in table:
        key = {g: row[g] for g in grouping} if grouping else None
        category = row.get("category")  # multinom's varchar (MADlib's), mlogregr's integer: text there
        mine = [c for c in coefs if c["group_key"] == key
                and c["category"] == (None if category is None else str(category))]
        if "coef_feature" in row:  # ordinal: features, then thresholds
            want, terms_want = row["coef_feature"] + row["coef_threshold"], names + ["threshold 2|3", "threshold 3|4"]
        elif "coef_all" in row:  # elastic net: the intercept first
            want, terms_want = [row["intercept"]] + row["coef_all"], ["intercept"] + names
        else:
            want, terms_want = row["coef"], names
        if want is None or None in want:
            continue
        assert [c["term"] for c in mine] == terms_want, (name, key)
        np.testing.assert_allclose([c["coef"] for c in mine], want, rtol=1e-14, err_msg=name)
        stats = row.get("t_stats") or row.get("z_stats")
        if stats is not None:
            np.testing.assert_allclose([c["statistic"] for c in mine], stats, rtol=1e-14, err_msg=name)
        if logistic:
            np.testing.assert_allclose([c["odds_ratio"] for c in mine], np.exp(want), rtol=1e-12, err_msg=name)
        else:
            assert all(c["odds_ratio"] is None for c in mine), name
    assert len(metrics) == len({str({g: r[g] for g in grouping or []}) for r in table}), name
    for m in metrics:
        assert m["num_rows"] is None or m["num_rows"] > 0
        if m["log_likelihood"] is not None and m["aic"] is not None:
            assert m["aic"] == pytest.approx(2 * m["num_parameters"] - 2 * m["log_likelihood"])


def test_model_metrics_of_linear_models_are_statsmodels_ols(db, roles):
    """AIC and BIC of linear models (were NULL: MADlib's linregr table has no log-likelihood):
    the Gaussian log-likelihood at the ML scale RSS/n, k the coefficients, as statsmodels' OLS
    (llf, aic, bic) and as glm gaussian reports for the same model. R's AIC(lm) also counts the
    variance: it is aic + 2, BIC(lm) bic + ln(n). linregr_train_incremental and its refresh too;
    an exact fit (RSS 0) has no finite likelihood: NULL."""
    (alice,) = roles("alice")
    data, x, y = houses_arrays()
    ols = sm.OLS(y, x).fit()
    with as_role(db, alice):
        load_houses(db)
        db.execute("SELECT indb_ml.linregr_train('houses', 'h_lin', 'price', 'ARRAY[1, tax, bath, size]')")
        db.execute("SELECT indb_ml.glm('houses', 'h_gauss', 'price', 'ARRAY[1, tax, bath, size]', "
                   "'family=gaussian, link=identity', NULL, 'tolerance=1e-12')")
        db.execute("SELECT indb_ml.linregr_train_incremental('houses', 'h_inc', 'price', 'ARRAY[1, tax, bath, size]')")
        db.execute("CREATE TABLE exact AS SELECT g AS id, g::float8 AS x, 2 * g + 1.0 AS y "
                   "FROM generate_series(1, 5) g")
        db.execute("SELECT indb_ml.linregr_train('exact', 'exact_lr', 'y', 'ARRAY[1, x]')")
        got = {r["model_name"]: r for r in fetch(db, "SELECT * FROM indb_ml.model_metrics")}
    for name in ("public.h_lin", "public.h_gauss", "public.h_inc"):
        m = got[name]
        assert m["log_likelihood"] == pytest.approx(ols.llf, rel=1e-9), name
        assert m["aic"] == pytest.approx(ols.aic, rel=1e-9), name
        assert m["bic"] == pytest.approx(ols.bic, rel=1e-9), name
        assert m["num_parameters"] == 4 and m["num_rows"] == len(y), name
    n, rss = len(y), float(np.sum(ols.resid ** 2))  # the formula, by hand, and R's convention
    llf = -n / 2 * (np.log(2 * np.pi * rss / n) + 1)
    assert got["public.h_lin"]["log_likelihood"] == pytest.approx(llf, rel=1e-12)
    assert got["public.h_lin"]["aic"] + 2 == pytest.approx(-2 * llf + 2 * (4 + 1), rel=1e-12)
    assert got["public.h_lin"]["bic"] + np.log(n) == pytest.approx(-2 * llf + np.log(n) * (4 + 1), rel=1e-12)
    assert got["public.exact_lr"]["r2"] == pytest.approx(1.0)
    assert got["public.exact_lr"]["log_likelihood"] is None and got["public.exact_lr"]["aic"] is None
    with as_role(db, alice):  # a refresh with more rows: the new fit's likelihood
        db.execute("INSERT INTO houses SELECT id + 100, tax, bedroom, bath, price * 1.1, size + 10, lot FROM houses")
        db.execute("SELECT * FROM indb_ml.model_refresh('h_inc')")
        m = fetch(db, "SELECT * FROM indb_ml.model_metrics WHERE model_name = 'public.h_inc'")[0]
    both = db.execute("SELECT price, tax, bath, size FROM houses").fetchall()
    b = np.array(both, float)
    ref = sm.OLS(b[:, 0], np.column_stack([np.ones(len(b)), b[:, 1:]])).fit()
    assert m["num_rows"] == 2 * len(y)
    assert m["aic"] == pytest.approx(ref.aic, rel=1e-9) and m["bic"] == pytest.approx(ref.bic, rel=1e-9)


def test_model_metrics_of_a_poisson_glm_are_statsmodels(db, roles):
    """AIC and BIC of a GLM without a dispersion are statsmodels' (aic, bic_llf); iterations and
    status are typed."""
    (alice,) = roles("alice")
    with as_role(db, alice):
        load_houses(db)
        db.execute("SELECT indb_ml.glm('houses', 'h_pois', 'bedroom', 'ARRAY[1, size / 1000.0, bath]', "
                   "'family=poisson, link=log', NULL, 'tolerance=1e-12')")
        m = fetch(db, "SELECT * FROM indb_ml.model_metrics WHERE model_name = 'public.h_pois'")[0]
    hd = np.array(HOUSES, float)
    ref = sm.GLM(hd[:, 2], np.column_stack([np.ones(len(hd)), hd[:, 5] / 1000, hd[:, 3]]),
                 family=sm.families.Poisson()).fit(tol=1e-12)
    assert m["log_likelihood"] == pytest.approx(ref.llf, rel=1e-9)
    assert m["aic"] == pytest.approx(ref.aic, rel=1e-9)
    assert m["bic"] == pytest.approx(ref.bic_llf, rel=1e-9)
    assert (m["num_parameters"], m["num_rows"], m["status"]) == (3, len(HOUSES), "converged")
    assert isinstance(m["iterations"], int) and m["iterations"] > 1
