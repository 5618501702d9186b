"""The model catalog under ordinary (non-superuser) roles: nobody writes another role's models.

Each test reproduces an attack or breakage of issue 16 (and issue 15's deploy by a role that
did not create the model) as ordinary roles (``SET ROLE``, as tests/test_catalog.py does) and
checks that it is now refused with a clear error while the owner's own work goes on:

* catalog poisoning: a version under another role's model name, pointing at one's own data;
* catalog denial of service: rows with chosen ids or versions, the sequence read or moved;
* data leak: grouping values and per-group statistics of an unreadable table in ``metrics``;
* a dropped creator role: others' trainings into its names failed with 42704;
* deploy / rollback / refresh by another role: a TypeError (38000) instead of 42501.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager

import psycopg
import pytest
from psycopg import sql

N = 200


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
            role = f"sec_{name}_{uuid.uuid4().hex[:8]}"
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


def source(conn, name, slope=2.0, offset=0.0):
    """A table of N rows, y = 1 + slope * x (+ offset), with a text group column."""
    conn.execute(sql.SQL("CREATE TABLE {} AS SELECT i AS id, CASE WHEN i % 2 = 0 THEN 'even' ELSE 'odd' END AS g, "
                         "i::float8 / 10 AS x, 1 + {} * i::float8 / 10 + {} + sin(i) AS y "
                         "FROM generate_series(1, {}) i").format(
        sql.Identifier(name), sql.Literal(slope), sql.Literal(offset), sql.Literal(N)))


def catalog(conn, name):
    return conn.execute("SELECT version, created_by, source_table, status FROM indb_ml.models WHERE name = %s "
                        "ORDER BY version", [name]).fetchall()


def test_no_version_under_another_roles_name(db, roles):
    """Finding 3: bob cannot add a version (pointing at his data) to alice's model, by the setting,
    by a forged request, or by writing the table; alice's refresh and deploy use only her data."""
    alice, bob = roles("alice", "bob")
    with as_role(db, alice):
        source(db, "alice_d")
        db.execute("SET indb_ml.model_name = 'houses'")
        db.execute("SELECT indb_ml.linregr_train_incremental('alice_d', 'alice_lr', 'y', 'ARRAY[1, x]')")
    with as_role(db, bob):
        source(db, "bob_d", slope=-50, offset=1000)  # the poisoned data
        db.execute("SET indb_ml.model_name = 'houses'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match=f"belongs to role {alice}"):
            db.execute("SELECT indb_ml.linregr_train_incremental('bob_d', 'bob_lr', 'y', 'ARRAY[1, x]')")
        assert db.execute("SELECT to_regclass('bob_lr') IS NULL").fetchone()[0]
        # alice's table name is hers as a model name too, and so is a table name nobody has yet;
        # refused before any work: before the trainer finds that column y2 does not exist
        for stolen in ("houses", "public.alice_lr", "public.not_yet_a_table"):
            db.execute("SELECT set_config('indb_ml.model_name', %s, false)", [stolen])
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                db.execute("SELECT indb_ml.linregr_train('bob_d', 'bob_lr', 'y2', 'ARRAY[1, x]')")
        db.execute("RESET indb_ml.model_name")
        db.execute("SELECT indb_ml.linregr_train('bob_d', 'bob_lr', 'y', 'ARRAY[1, x]')")  # his own name: fine
        bob_oid, alice_oid = db.execute("SELECT 'bob_lr'::regclass::oid, 'alice_lr'::regclass::oid").fetchone()
        # writing the catalog directly, or a request in alice's name or for alice's table
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            db.execute("INSERT INTO indb_ml.models (name, version, algorithm, output_table, output_tables, "
                       "output_oid, created_by, status, parameters) VALUES ('houses', 2, 'linregr', 'public.bob_lr', "
                       "'{public.bob_lr}', %s, %s, 'deployed', "
                       "'{\"trainer\": \"linregr_train_incremental\"}')", [bob_oid, alice])
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            db.execute("INSERT INTO indb_ml.model_requests (requested_by, action, output_oid, algorithm) "
                       "VALUES (%s, 'register', %s, 'linregr')", [alice, bob_oid])
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="does not own"):
            db.execute("INSERT INTO indb_ml.model_requests (action, output_oid, algorithm) "
                       "VALUES ('register', %s, 'linregr')", [alice_oid])
        db.execute("SET indb_ml.model_name = 'houses'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match=f"belongs to role {alice}"):
            db.execute("INSERT INTO indb_ml.model_requests (action, output_oid, algorithm) "
                       "VALUES ('register', %s, 'linregr')", [bob_oid])
        db.execute("SET indb_ml.model_name = 'public.not_yet_a_table'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="name of a table"):
            db.execute("INSERT INTO indb_ml.model_requests (action, output_oid, algorithm) "
                       "VALUES ('register', %s, 'linregr')", [bob_oid])
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match=f"belongs to role {alice}"):
            db.execute("INSERT INTO indb_ml.model_requests (action, model_name) VALUES ('deploy', 'houses')")
    assert catalog(db, "houses") == [(1, alice, "public.alice_d", "active")]
    with as_role(db, alice):
        db.execute("INSERT INTO alice_d SELECT i, 'odd', i::float8 / 10, 1 + 2 * i::float8 / 10 "
                   "FROM generate_series(1001, 1010) i")
        refreshed = db.execute("SELECT num_rows_processed FROM indb_ml.model_refresh('houses')").fetchone()[0]
        assert refreshed == N + 10
        coef = db.execute("SELECT coef FROM alice_lr").fetchone()[0]
        assert coef[1] == pytest.approx(2.0, abs=0.1)  # alice's slope, not bob's -50
        deployed = db.execute("SELECT (indb_ml.model_deploy('houses')).created_by").fetchone()[0]
        assert deployed == alice
        assert db.execute("SELECT source_table FROM indb_ml.deployed_models WHERE name = 'houses'"
                          ).fetchall() == [("public.alice_d",)]


def test_ids_versions_and_the_sequence_are_not_the_callers(db, roles):
    """Finding 4: no role can take the next ids (23505 for everyone) or the last version (22003):
    the sequence is private and ids and versions come from the catalog's trigger."""
    alice, bob = roles("alice", "bob")
    with as_role(db, bob):
        source(db, "bob_d")
        for query in ("SELECT last_value FROM indb_ml.models_id_seq", "SELECT nextval('indb_ml.models_id_seq')",
                      "SELECT setval('indb_ml.models_id_seq', 1000)"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                db.execute(query)
        for query in ("INSERT INTO indb_ml.models (id, name, version, algorithm, output_table, output_tables) "
                      "VALUES (1, 'x', 1, 'linregr', 'x', '{x}')",
                      "INSERT INTO indb_ml.models (name, version, algorithm, output_table, output_tables) "
                      "VALUES ('alice_name', 2147483647, 'linregr', 'x', '{x}')",
                      "UPDATE indb_ml.models SET version = 2147483647",
                      "DELETE FROM indb_ml.models"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                db.execute(query)
        db.execute("SELECT indb_ml.linregr_train('bob_d', 'bob_lr', 'y', 'ARRAY[1, x]')")
        # a request's own id, version or name are not used: the trigger numbers the model
        db.execute("INSERT INTO indb_ml.model_requests (action, model_id, version, model_name, output_oid, algorithm) "
                   "VALUES ('register', 1, 2147483647, 'alice_name', 'bob_lr'::regclass, 'linregr')")
        assert [v for v, *_ in catalog(db, "public.bob_lr")] == [1, 2]
        assert catalog(db, "alice_name") == []
    with as_role(db, alice):
        source(db, "alice_d")
        db.execute("SET indb_ml.model_name = 'alice_name'")
        for i in (1, 2, 3):
            db.execute(f"SELECT indb_ml.linregr_train('alice_d', 'alice_lr{i}', 'y', 'ARRAY[1, x]')")
    assert [v for v, *_ in catalog(db, "alice_name")] == [1, 2, 3]
    ids = [r[0] for r in db.execute("SELECT id FROM indb_ml.models")]
    assert len(ids) == len(set(ids)) == 5


def test_metrics_of_tables_a_role_cannot_read_are_hidden(db, roles):
    """Finding 5: the group keys and per-group statistics of alice's private table do not reach
    bob through the catalog (nor deployed_models) until he may read the model's table."""
    alice, bob = roles("alice", "bob")
    with as_role(db, alice):
        db.execute("CREATE TABLE secret AS SELECT CASE WHEN i % 2 = 0 THEN 'ACME-SECRET-CORP' ELSE 'OTHER-CO' END "
                   "AS company, i::float8 AS x, 3 * i + sin(i) AS y FROM generate_series(1, 100) i")
        db.execute("SELECT indb_ml.linregr_train('secret', 'secret_lr', 'y', 'ARRAY[1, x]', 'company')")
        db.execute("SELECT indb_ml.model_deploy('secret_lr')")
    leaked = ("SELECT count(*) FROM indb_ml.models m WHERE m::text LIKE '%ACME-SECRET%' "
              "OR m.name = 'public.secret_lr'")
    assert db.execute(leaked).fetchone()[0] == 1  # the superuser sees it: the test looks at the right row
    with as_role(db, bob):
        assert db.execute("SELECT count(*) FROM indb_ml.models").fetchone()[0] == 0
        assert db.execute(leaked).fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM indb_ml.deployed_models").fetchone()[0] == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            db.execute("SELECT company FROM secret_lr")
        # deploying or refreshing it is a permission error naming alice, not "not in the catalog"
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match=f"belongs to role {alice}"):
            db.execute("SELECT indb_ml.model_deploy('secret_lr')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match=f"refresh model public.secret_lr: it belongs "
                                                                      f"to role {alice}"):
            db.execute("SELECT * FROM indb_ml.model_refresh('secret_lr')")
    with as_role(db, alice):
        db.execute(sql.SQL("GRANT SELECT ON secret_lr TO {}").format(sql.Identifier(bob)))
    with as_role(db, bob):  # a role that can read the model's table sees its row
        metrics = db.execute("SELECT metrics FROM indb_ml.models WHERE name = 'public.secret_lr'").fetchone()[0]
        assert sorted(r["company"] for r in metrics["rows"]) == ["ACME-SECRET-CORP", "OTHER-CO"]
        assert db.execute("SELECT count(*) FROM indb_ml.deployed_models").fetchone()[0] == 1


def test_a_dropped_creator_role_breaks_nobodys_training(db, roles):
    """Finding 7: after DROP ROLE of a model's creator, other roles train, read and deploy as
    before; the dropped role's names pass to the next registrant."""
    carol, bob, erin = roles("carol", "bob", "erin")
    with as_role(db, carol):
        source(db, "carol_d")
        db.execute("SET indb_ml.model_name = 'shared'")
        db.execute("SELECT indb_ml.linregr_train('carol_d', 'carol_lr', 'y', 'ARRAY[1, x]')")
        db.execute("RESET indb_ml.model_name")
        db.execute("SELECT indb_ml.linregr_train('carol_d', 'carol_lr2', 'y', 'ARRAY[1, x]')")
    db.execute(sql.SQL("DROP OWNED BY {0}; DROP ROLE {0}").format(sql.Identifier(carol)))
    with as_role(db, bob):
        source(db, "bob_d")
        assert db.execute("SELECT count(*) FROM indb_ml.models").fetchone()[0] == 0
        db.execute("SELECT indb_ml.linregr_train('bob_d', 'bob_lr', 'y', 'ARRAY[1, x]')")  # a name of his own
        db.execute("SET indb_ml.model_name = 'shared'")  # carol's name: free again, bob claims it
        db.execute("SELECT indb_ml.linregr_train('bob_d', 'bob_shared', 'y', 'ARRAY[1, x]')")
        db.execute("RESET indb_ml.model_name")
        db.execute("SELECT indb_ml.linregr_train('bob_d', 'carol_lr2', 'y', 'ARRAY[1, x]')")  # her table name too
        assert db.execute("SELECT (indb_ml.model_deploy('shared')).version").fetchone()[0] == 2
        assert db.execute("SELECT owner FROM indb_ml.model_owner('shared')").fetchone()[0] == bob
    assert catalog(db, "shared") == [(1, carol, "public.carol_d", "retired"), (2, bob, "public.bob_d", "deployed")]
    assert [r[:2] for r in catalog(db, "public.carol_lr2")] == [(1, carol), (2, bob)]
    with as_role(db, erin):  # now bob's
        source(db, "erin_d")
        db.execute("SET indb_ml.model_name = 'shared'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match=f"belongs to role {bob}"):
            db.execute("SELECT indb_ml.linregr_train('erin_d', 'erin_lr', 'y', 'ARRAY[1, x]')")


def test_the_name_passes_to_a_member_when_its_first_owner_is_dropped(db, roles):
    """A member of the owner adds versions; when the owner is dropped the member owns the name."""
    alice, erin, bob = roles("alice", "erin", "bob")
    db.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(alice), sql.Identifier(erin)))
    with as_role(db, alice):
        source(db, "alice_d")
        db.execute("SET indb_ml.model_name = 'team'")
        db.execute("SELECT indb_ml.linregr_train('alice_d', 'alice_lr', 'y', 'ARRAY[1, x]')")
    with as_role(db, erin):
        source(db, "erin_d")
        db.execute("SET indb_ml.model_name = 'team'")
        db.execute("SELECT indb_ml.linregr_train('erin_d', 'erin_lr', 'y', 'ARRAY[1, x]')")
        db.execute("SELECT indb_ml.model_deploy('team', 1)")  # alice's version, as her member
    assert db.execute("SELECT owner FROM indb_ml.model_owner('team')").fetchone()[0] == alice
    db.execute(sql.SQL("DROP OWNED BY {0}; DROP ROLE {0}").format(sql.Identifier(alice)))
    assert db.execute("SELECT owner FROM indb_ml.model_owner('team')").fetchone()[0] == erin
    with as_role(db, bob):
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match=f"belongs to role {erin}"):
            db.execute("SELECT indb_ml.model_rollback('team')")
    with as_role(db, erin):
        assert db.execute("SELECT (indb_ml.model_deploy('team')).version").fetchone()[0] == 2


def test_deploy_rollback_refresh_by_another_role_is_a_permission_error(db, roles):
    """Issue 15 item 7: deploy / rollback by a role that did not create the model raised
    TypeError (38000); now 42501 naming the creating role, and nothing changes."""
    alice, bob, erin = roles("alice", "bob", "erin")
    db.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(alice), sql.Identifier(erin)))
    with as_role(db, alice):
        source(db, "alice_d")
        db.execute("SELECT indb_ml.linregr_train('alice_d', 'alice_m', 'y', 'ARRAY[1, x]')")
        db.execute("SELECT indb_ml.linregr_train_incremental('alice_d', 'alice_inc', 'y', 'ARRAY[1, x]')")
        db.execute(sql.SQL("GRANT SELECT ON alice_d, alice_m, alice_inc, alice_inc_summary, alice_inc_state TO {}")
                   .format(sql.Identifier(bob)))
    with as_role(db, bob):
        assert db.execute("SELECT count(*) FROM indb_ml.models").fetchone()[0] == 2  # he may read them
        for call in ("SELECT indb_ml.model_deploy('alice_m')", "SELECT indb_ml.model_deploy('alice_m', 1)",
                     "SELECT indb_ml.model_rollback('alice_m')", "SELECT * FROM indb_ml.model_refresh('alice_inc')"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match=f"belongs to role {alice}") as err:
                db.execute(call)
            assert err.value.diag.sqlstate == "42501" and alice in (err.value.diag.message_hint or "")
    assert db.execute("SELECT count(*) FROM indb_ml.models WHERE status <> 'active' OR num_refreshes > 0"
                      ).fetchone()[0] == 0
    with as_role(db, erin):  # a member of alice may
        assert db.execute("SELECT (indb_ml.model_deploy('alice_m')).status").fetchone()[0] == "deployed"
        assert db.execute("SELECT partitions FROM indb_ml.model_refresh('alice_inc')").fetchone()[0] == 1
