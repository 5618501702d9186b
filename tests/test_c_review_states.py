"""Regression tests of the C review of the state families not covered by the first one
(src/irls.c, src/sandwich.c, src/margins.c, src/mlogit.c, src/ordinal.c).

Each test feeds the C functions hand-built inputs that random fuzzing (tests/test_c_fuzz.py,
tests/test_category_c_fuzz.py) rarely or never builds: a margins design that changes from row
to row, states whose header is well formed and whose length matches but whose param or width
belongs to another aggregate, and states of one family handed to another family's functions.
Each call must return a state or raise a clean error (no XX000), and the server must not
restart: a second connection and pg_postmaster_start_time() witness that, as in test_c_fuzz.
"""

from __future__ import annotations

import struct

import psycopg

from indb_ml.kernels import cstate

HEADER = cstate.HEADER




def _forge(kind: int, width: int, param: int, n: int = 1, skipped: int = 0, fill: float = 0.5) -> bytes:
    """A well-formed state: right magic, version and length for (kind, width)."""
    head = HEADER.pack(cstate.MAGIC, cstate.VERSION, kind, width, param, 0, n, skipped)
    return head + struct.pack(f"<{cstate.slots(kind, width)}d", *([fill] * cstate.slots(kind, width)))


def _call(conn, query: str, args=()) -> str:
    """'ok' or the SQLSTATE of the error; an internal error (XX000) fails the test."""
    try:
        with conn.transaction():
            conn.execute(query, args).fetchall()
        return "ok"
    except psycopg.Error as e:
        code = e.sqlstate or ""
        assert code != "XX000", (query, e)
        return code


def test_margins_design_changing_per_row_keeps_memory_flat(postgresql, alive):
    """The parsed margins design is cached per call site: a design that differs on every row
    used to leave every parsed copy (its scratch is O(k)) in the query's memory until the
    statement ended; now a new design replaces the old one and memory stays flat."""
    conn = postgresql
    conn.execute("SET max_parallel_workers_per_gather = 0")
    # memory in use by this backend, read once per row (a volatile function is not folded)
    conn.execute("CREATE FUNCTION pg_temp.used(g int) RETURNS numeric LANGUAGE plpgsql VOLATILE AS "
                  "$$BEGIN RETURN (SELECT sum(used_bytes) FROM pg_backend_memory_contexts); END$$")
    k, rows = 1000, 2000
    # linear model, k features, one target (position g % k, an indicator with 999 siblings)
    query = f"""
        SELECT indb_ml._margins_state(v.x, v.c, ARRAY[0, {k}, 1, 0, 1, g % {k}, 1, {k - 1}] || s.sibs),
               max(used) - min(used)
        FROM (SELECT array_agg(i) AS sibs FROM generate_series(1, {k - 1}) i) s,
             (SELECT array_fill(0.5::float8, ARRAY[{k}]) AS x, array_fill(0.1::float8, ARRAY[{k}]) AS c) v,
             LATERAL (SELECT g, pg_temp.used(g) AS used
                      FROM generate_series(1, {rows}) g) r
    """
    state, growth = conn.execute(query).fetchone()
    parsed = cstate.parse_state(state, cstate.MARGINS)
    assert (parsed.n, parsed.param, parsed.width) == (rows, k, 2 * k + 1 + k)
    # each parsed design held ~35 kB: 2000 of them were ~70 MB
    assert growth < 8 * 1024 * 1024, growth
    alive()


# Calls of every C function of the reviewed families with a state argument: %s is the forged
# state, the other arguments make a valid row whose state width and param are listed in
# WIDTHS and PARAMS, so a forged header can match them exactly.
KIND_CALLS = {
    cstate.LOGIT: [
        "SELECT indb_ml._logregr_step_transition(%s, 1, '{1, 2}', '{0.1, 0.2}')",
        "SELECT indb_ml._logit_newton_transition(%s, 0, '{1, 2}', '{0.1, 0.2}', 0.0)",
    ],
    cstate.GLM: [
        "SELECT indb_ml._glm_step_transition(%s, 2, '{1, 2}', '{0.1, 0.2}', 3, 2, NULL)",  # poisson, log: 50
        "SELECT indb_ml._glm_step_transition(%s, 2, '{1, 2}', NULL, 3, 2, 1.5)",
    ],
    cstate.SANDWICH: [
        "SELECT indb_ml._hc0_linear_transition(%s, 1, '{1, 2}', '{0.1, 0.2}')",
        "SELECT indb_ml._hc0_logit_transition(%s, 1, '{1, 2}', '{0.1, 0.2}')",
        "SELECT indb_ml._mlogit_meat_transition(%s, 2, '{1, 2}', '{0.1, 0.2, 0.3, 0.4}', 3)",
        "SELECT indb_ml._cluster_meat_transition(%s, indb_ml._scores_linear_transition(NULL, 1, '{1, 2}', '{0, 0}'))",
    ],
    cstate.SCORE: [
        "SELECT indb_ml._scores_linear_transition(%s, 1, '{1, 2}', '{0.1, 0.2}')",
        "SELECT indb_ml._scores_logit_transition(%s, 1, '{1, 2}', '{0.1, 0.2}')",
        "SELECT indb_ml._mlogit_scores_transition(%s, 2, '{1, 2}', '{0.1, 0.2, 0.3, 0.4}', 3)",
        "SELECT indb_ml._logit_newton_folds_transition(%s, 1, '{1}', 2, '{0.1, 0.2}', 0.0)",  # 2 blocks of 4
        "SELECT indb_ml._cluster_meat_transition(NULL, %s)",
        "SELECT indb_ml._score_rows(%s)",
    ],
    cstate.MLOGIT: ["SELECT indb_ml._mlogit_transition(%s, 2, '{1, 2}', '{0.1, 0.2, 0.3, 0.4}', 3)"],
    cstate.ORDINAL: [
        "SELECT indb_ml._ordinal_transition(%s, 1, '{1, 2}', '{-0.5, 0.5, 0.1, 0.2}', 3, 0, true)",  # 52
        "SELECT indb_ml._ordinal_transition(%s, 2, '{1, 2}', '{-0.5, 0.5, 0.1, 0.2}', 3, 1, false)",  # 49
    ],
    # linear model, k = 2, one continuous target at position 0: width 2k + (1 + k) = 7, param 2
    cstate.MARGINS: ["SELECT indb_ml._margins_transition(%s, '{1, 2}', '{0.1, 0.2}', '{0, 2, 1, 0, 1, 0, 0, 0}')"],
}
COMBINES = {
    cstate.LOGIT: ["_logregr_step_combine", "_logit_newton_combine"],
    cstate.GLM: ["_glm_step_combine"],
    cstate.SANDWICH: ["_sandwich_combine"],
    cstate.SCORE: ["_score_combine"],
    cstate.MLOGIT: ["_mlogit_combine"],
    cstate.ORDINAL: ["_ordinal_combine"],
    cstate.MARGINS: ["_margins_combine"],
}
WIDTHS = (0, 1, 2, 3, 4, 7, 8)
PARAMS = (-(2**31), -1, 0, 1, 2, 3, 49, 50, 52, 2**31 - 1)


def _forged_states(kind: int):
    for width in WIDTHS:
        for param in PARAMS:
            for n in ((0,) if width == 0 else (1, 2**63 - 1)):
                for fill in (0.5, float("nan")):
                    yield _forge(kind, width, param, n=n, skipped=n, fill=fill)


def test_forged_states_with_matching_lengths(postgresql, alive):
    """States whose header is well formed and whose length matches their width, with every
    width and param the valid rows of these calls use (and hostile ones), handed to every
    transition and combine function of their kind, including those of another family that
    share the kind (sandwich.c and mlogit.c both write SANDWICH and SCORE states): a state
    or a clean error, and every returned state well formed."""
    conn = postgresql
    conn.execute("SET statement_timeout = '60s'")
    codes: dict[str, int] = {}
    for kind, queries in KIND_CALLS.items():
        valid = []
        for query in queries:  # a valid state of each call, to combine with the forged ones
            got = conn.execute(query.replace("%s", "NULL")).fetchone()[0]
            if isinstance(got, bytes | memoryview):
                valid.append(bytes(got))
        combines = [f"SELECT indb_ml.{fn}(%s, %s)" for fn in COMBINES[kind]]
        for state in _forged_states(kind):
            calls = [(q, [state]) for q in queries]
            for c in combines:
                calls += [(c, [state, v]) for v in valid] + [(c, [v, state]) for v in valid] + [(c, [state, state])]
            for query, args in calls:
                try:
                    with conn.transaction():
                        got = conn.execute(query, args).fetchone()[0]
                    code = "ok"
                    if isinstance(got, bytes | memoryview):
                        returned = HEADER.unpack_from(bytes(got), 0)[2]
                        assert cstate.parse_state(got, returned) is not None, query
                except psycopg.Error as e:
                    code = e.sqlstate or ""
                    assert code != "XX000", (query, e)
                codes[code] = codes.get(code, 0) + 1
    alive()
    # both outcomes were reached: forged states that match are used, the others refused
    assert codes.get("ok", 0) > 100 and codes.get("XX001", 0) + codes.get("22023", 0) > 100, codes
