"""Regression tests of the C review of ``_logregr_igd_step`` / ``_logregr_igd`` (src/logregr_igd.c):
MADlib's logistic IGD, one row per call, the state (kind INDB_LOGIT_IGD: step size, log-likelihood,
coef(k), prev(k), packed X'AX) updated in place.

Each hostile call returns a state or a clean SQLSTATE (never XX000; a malformed state is XX001, the
C module's convention for forged states) and the server survives (the ``alive`` fixture: the
postmaster did not restart). Legitimate calls are checked against an independent replay of MADlib's
``logregr_igd_step_transition`` written here (coef += step sigma(-y x.c) y x; X'AX and the
log-likelihood at prev).

- Forged states: every header field (magic, version, kind, width, param, reserved, n, skipped),
  lengths off by a byte or a slot, truncated and oversized, huge or negative widths, an
  INDB_ENET_IGD state fed to this step and a logregr-igd state fed to the elastic-net step, width 0
  with n != 0, params outside 0/1, a non-finite step size; also with a NULL row (which would
  otherwise only be counted).
- NULL in every argument position on the first row and with a state; empty, 2-D and wrong-length
  x and prev; k = 1; k = 2048 (the widest the default 512 MB budget admits: its final step needs
  16 k^2 doubles) accepted, k = 2049 and k = 10001 refused (54000) before allocating; rows of
  another width in one aggregate.
- Extreme values (1e308, denormals, negative zero): a state of exact length or a clean error.
- In-place updates stay in their own state: direct calls do not change a stored state; a forged
  INITCOND shared by many groups; a running and a moving window frame; a spilling hash aggregate
  over 3000 groups; forced parallel (no Gather: no combine function, PARALLEL UNSAFE); a wide
  aggregate cancelled by statement_timeout.
"""

from __future__ import annotations

import struct

import numpy as np
import pytest

from indb_ml.kernels import cstate
from tests.test_c_review_enet_igd import _call, _code  # the review harness: SQLSTATE or the value, never XX000

HEADER = cstate.HEADER
INT_MAX = 2**31 - 1
INT_MIN = -(2**31)
KIND = cstate.LOGIT_IGD

BASE = dict(state="NULL", y="1", x="'{1,2}'::float8[]", prev="NULL")
STEP = "SELECT indb_ml._logregr_igd_step({state}, {y}, {x}, {prev})"
ENET = ("SELECT indb_ml._enet_igd_step(%s::bytea, '{1,2}'::float8[], 1, NULL, 0.1, 0.5, 0.01, 10, "
        "'{0,0,0}'::float8[], NULL, 0, 0)")


def _q(**kw) -> str:
    return STEP.format(**dict(BASE, **kw))


def _forge(width: int, param: int = 1, n: int = 1, skipped: int = 0, fill: float = 0.5, kind: int = KIND,
           version: int = cstate.VERSION, magic: int = cstate.MAGIC, reserved: int = 0, step: float = 0.01,
           slots: int | None = None) -> bytes:
    head = HEADER.pack(magic, version, kind, width, param, reserved, n, skipped)
    count = cstate.slots(KIND, max(width, 0)) if slots is None else slots
    data = [fill] * count
    if count:
        data[0] = step
    return head + struct.pack(f"<{count}d", *data)


def _parse(raw):
    return cstate.parse_state(raw, KIND)


def _arr(v) -> str:
    return "'{" + ",".join(repr(float(t)) for t in v) + "}'::float8[]"


def _sigma(v):
    return 1.0 / (1.0 + np.exp(-v))


def _oracle(rows, prev):
    """MADlib's per-row transition from the pass's start: (coef, ll, packed X'AX)."""
    k = len(rows[0][0])
    step = 0.0 if prev is None else 0.01
    p = np.zeros(k) if prev is None else np.asarray(prev, float)
    c, ll, xax = p.copy(), 0.0, np.zeros((k, k))
    for x, y01 in rows:
        x = np.asarray(x, float)
        y = 1.0 if y01 > 0 else -1.0
        c = c + step * _sigma(-(x @ c) * y) * y * x
        if prev is not None:
            pxc = x @ p
            xax += _sigma(pxc) * _sigma(-pxc) * np.outer(x, x)
            ll -= np.log(1.0 + np.exp(-y * pxc))
    return c, ll, xax[np.triu_indices(k)]


# ---------------------------------------------------------------- legitimate calls vs the oracle

@pytest.mark.parametrize("k, with_prev", [(1, False), (1, True), (3, True), (300, True)])
def test_chained_direct_steps_match_the_oracle(postgresql, alive, k, with_prev):
    """Rows chained through direct calls (each a copy, not in place): every slot against the replay,
    k = 1 (the triangle is one slot) to k = 300 (past the 256 of the interrupt check)."""
    rng = np.random.default_rng(k)
    rows = [(list(rng.normal(size=k)), float(rng.random() < 0.5)) for _ in range(3)]
    prev = list(rng.normal(size=k) * 0.3) if with_prev else None
    state = None
    for i, (x, y) in enumerate(rows):
        q = _q(state="%s::bytea", y=repr(y), x=_arr(x), prev=_arr(prev) if with_prev else "NULL")
        code, state = _call(postgresql, q, (state,))
        assert code == "ok"
        st = _parse(state)
        assert (st.width, st.n, st.param, st.skipped) == (k, i + 1, int(with_prev), 0)
        assert len(st.data) == 2 + 2 * k + k * (k + 1) // 2
        c, ll, tri = _oracle(rows[:i + 1], prev)
        np.testing.assert_allclose(st.data[2:2 + k], c, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(st.data[2 + k:2 + 2 * k], prev if with_prev else np.zeros(k))
        np.testing.assert_allclose(st.data[2 + 2 * k:], tri, rtol=1e-12, atol=1e-15)
        assert st.data[1] == pytest.approx(ll, rel=1e-12)
        assert st.data[0] == (0.01 if with_prev else 0.0)
    alive()


def test_widest_state_at_the_budget(postgresql, alive):
    """k = 2048 is accepted (its final step fits 512 MB exactly) and fills every triangle slot;
    k = 2049 and k = 10001 are refused (54000) before the state is allocated, also with a state
    that has only counted skipped rows."""
    k = 2048
    code, raw = _call(postgresql, _q(x=f"array_fill(0.5::float8, ARRAY[{k}])",
                                     prev=f"array_fill(0::float8, ARRAY[{k}])"))
    assert code == "ok"
    st = _parse(raw)
    assert st.width == k and len(raw) == HEADER.size + 8 * (2 + 2 * k + k * (k + 1) // 2)
    # a = sigma(0) sigma(0) = 1/4: every X'AX slot is 0.25 * 0.5 * 0.5 (the last one too)
    np.testing.assert_array_equal(st.data[2 + 2 * k:], np.full(k * (k + 1) // 2, 0.0625))
    skipped_only = _call(postgresql, _q(y="NULL"))[1]
    for wide in (2049, 10001, 54000):
        for state in (None, skipped_only):
            assert _code(postgresql, _q(state="%s::bytea", x=f"array_fill(1::float8, ARRAY[{wide}])"),
                         (state,)) == "54000"
    alive()


# ---------------------------------------------------------------- forged states

def test_malformed_states_are_refused(postgresql, alive):
    """Every header field, lengths off by a byte or a slot, truncated and oversized, other kinds
    (an elastic-net state among them), params other than 0/1, a non-finite step size: XX001,
    also when the row is NULL and would only be counted."""
    good = _forge(2)
    assert _code(postgresql, _q(state="%s::bytea"), (good,)) == "ok"
    enet = _call(postgresql, "SELECT indb_ml._enet_igd_step(NULL, '{1,2}'::float8[], 1, NULL, 0.1, 0.5, 0.01, 10, "
                             "'{0,0,0}'::float8[], NULL, 0, 0)")[1]
    bad = [
        b"", b"\x00", good[:HEADER.size - 1], good[:HEADER.size], good[:-1], good[:-8], good + b"\x00",
        good + b"\x00" * 8, good + b"\x00" * 8 * 3, bytes(enet),
        _forge(2, magic=0x12345678), _forge(2, version=2), _forge(2, version=0),
        _forge(2, kind=cstate.ENET_IGD), _forge(2, kind=cstate.LOGIT), _forge(2, kind=cstate.PACKED_ROWS),
        _forge(2, kind=0), _forge(2, kind=12), _forge(2, kind=65535),
        _forge(2, reserved=1), _forge(2, n=-1), _forge(2, skipped=-1), _forge(2, n=-(2**63)),
        _forge(3, slots=cstate.slots(KIND, 2)), _forge(2, slots=cstate.slots(KIND, 3)), _forge(-1, slots=2),
        _forge(10001, slots=2), _forge(INT_MAX, slots=2), _forge(INT_MIN, slots=2),
        _forge(10000, slots=cstate.slots(KIND, 9999)), _forge(1 << 30, slots=8),
        _forge(0, n=1), _forge(0, n=5, skipped=3),
        _forge(2, param=2), _forge(2, param=-1), _forge(2, param=INT_MAX), _forge(2, param=INT_MIN),
        _forge(0, param=7, n=0),
        _forge(2, step=float("nan")), _forge(2, step=float("inf")), _forge(2, step=float("-inf")),
        _forge(0, n=0, step=float("nan")),
        _forge(2, param=0, step=float("nan")), _forge(2, param=0, step=float("inf")),  # review finding 3
    ]
    for raw in bad:
        for x in ("'{1,2}'::float8[]", "NULL", "'{}'::float8[]", "'{1,NULL}'::float8[]"):
            assert _code(postgresql, _q(state="%s::bytea", x=x), (raw,)) == "XX001", (raw[:40].hex(), len(raw), x)
        assert _code(postgresql, _q(state="%s::bytea", y="NULL"), (raw,)) == "XX001"
    # and the other way round: a logregr-igd state is not an elastic-net one
    assert _code(postgresql, ENET, (good,)) == "XX001"
    alive()


def test_valid_forged_states(postgresql, alive):
    """Width 0 with n = 0 (rows skipped only) starts a state keeping its skipped count; param 0
    (MADlib's first pass) leaves X'AX and the log-likelihood alone; a finite step size is used."""
    code, raw = _call(postgresql, _q(state="%s::bytea"), (_forge(0, param=0, n=0, skipped=4),))
    st = _parse(raw)
    assert code == "ok" and (st.width, st.n, st.skipped, st.param) == (2, 1, 4, 0)
    code, raw = _call(postgresql, _q(state="%s::bytea"), (_forge(2, param=0, n=3, step=0.0),))
    st = _parse(raw)
    assert code == "ok" and st.n == 4 and list(st.data[1:]) == [0.5] * (len(st.data) - 1)
    code, raw = _call(postgresql, _q(state="%s::bytea"), (_forge(2, param=1, step=1e308, fill=1e308),))
    assert code == "ok" and len(raw) == HEADER.size + 8 * cstate.slots(KIND, 2)
    alive()


def test_saturated_counts(postgresql, alive):
    """n and skipped at INT64_MAX: one more row or NULL row is a clean overflow error (22003)."""
    full = _forge(2, n=2**63 - 1, skipped=2**63 - 1)
    assert _code(postgresql, _q(state="%s::bytea"), (full,)) == "22003"
    assert _code(postgresql, _q(state="%s::bytea", x="NULL"), (full,)) == "22003"
    alive()


def test_direct_calls_do_not_change_a_stored_state(postgresql, alive):
    """A stored state handed to the step (not as an aggregate) is copied before the update."""
    conn = postgresql
    conn.execute("CREATE TABLE st AS SELECT %s::bytea AS s, %s::bytea AS z", (_forge(4), _forge(0, n=0)))
    before = conn.execute("SELECT s, z FROM st").fetchone()
    x4 = "'{1,2,3,4}'::float8[]"
    for _ in range(3):
        got = conn.execute(_q(state="(SELECT s FROM st)", x=x4)).fetchone()[0]
        assert bytes(got) != bytes(before[0])
        got = conn.execute(_q(state="s", x=x4) + " FROM st").fetchone()[0]
        assert _parse(got).n == 2
        got = conn.execute(_q(state="z", y="NULL") + " FROM st").fetchone()[0]  # short-header bytea
        assert _parse(got).skipped == 1
    assert tuple(bytes(v) for v in conn.execute("SELECT s, z FROM st").fetchone()) == tuple(map(bytes, before))
    alive()


def test_forged_initcond_is_copied_per_group(postgresql, alive):
    """A user aggregate whose INITCOND is a valid forged state: every group starts from its own copy;
    a bad INITCOND is XX001."""
    conn = postgresql
    conn.execute(f"CREATE AGGREGATE my_igd(float8, float8[], float8[]) (SFUNC = indb_ml._logregr_igd_step, "
                 f"STYPE = bytea, INITCOND = '\\x{_forge(2, n=0).hex()}')")
    rows = conn.execute("SELECT g, my_igd((i % 2)::float8, ARRAY[i, 1]::float8[], NULL ORDER BY i) "
                        "FROM generate_series(1, 6) i, generate_series(1, 50) g GROUP BY g").fetchall()
    assert len(rows) == 50 and len({bytes(r[1]) for r in rows}) == 1 and _parse(rows[0][1]).n == 6
    conn.execute(f"CREATE AGGREGATE bad_igd(float8, float8[], float8[]) (SFUNC = indb_ml._logregr_igd_step, "
                 f"STYPE = bytea, INITCOND = '\\x{_forge(2, param=3).hex()}')")
    assert _code(conn, "SELECT bad_igd(1, ARRAY[1, 2]::float8[], NULL)") == "XX001"
    alive()


# ---------------------------------------------------------------- arguments

@pytest.mark.parametrize("kw, code", [
    (dict(x="NULL"), "skip"), (dict(y="NULL"), "skip"), (dict(x="'{1,NULL}'::float8[]"), "skip"),
    (dict(x="NULL", y="NULL", prev="'{}'::float8[]"), "skip"), (dict(prev="NULL"), "ok"),
    (dict(x="'{}'::float8[]"), "2202E"), (dict(x="'{{1,2},{3,4}}'::float8[]"), "2202E"),
    (dict(x="'{{1,2}}'::float8[]"), "2202E"), (dict(x="'[0:1]={1,2}'::float8[]"), "ok"),
    (dict(x="'{1}'::float8[]"), "ok"),
    (dict(prev="'{}'::float8[]"), "2202E"), (dict(prev="'{{0.5,0.5}}'::float8[]"), "2202E"),
    (dict(prev="'{0.5}'::float8[]"), "2202E"), (dict(prev="'{0.5,0.5,0.5}'::float8[]"), "2202E"),
    (dict(prev="'{0.5,NULL}'::float8[]"), "2202E"), (dict(prev="'{0.5,NaN}'::float8[]"), "2202E"),
    (dict(prev="'{0.5,-Infinity}'::float8[]"), "2202E"), (dict(prev="'{1e308,-1e308}'::float8[]"), "ok"),
    (dict(prev="'{5e-324,-0}'::float8[]"), "ok"),
    (dict(y="2"), "42804"), (dict(y="-1"), "42804"), (dict(y="0.5"), "42804"), (dict(y="'NaN'"), "22P02"),
    (dict(y="'Infinity'"), "22P02"), (dict(y="-0"), "ok"), (dict(y="5e-324"), "42804"),
    (dict(x="'{1,NaN}'::float8[]"), "22P02"), (dict(x="'{1,Infinity}'::float8[]"), "22P02"),
    (dict(x="'{1e308,-1e308}'::float8[]", prev="'{1e308,1e308}'::float8[]"), "ok"),
    (dict(x="'{5e-324,-5e-324}'::float8[]", prev="'{5e-324,5e-324}'::float8[]"), "ok"),
    (dict(x="'{-0,0}'::float8[]", y="-0", prev="'{-0,-0}'::float8[]"), "ok"),
])
def test_first_row_arguments(postgresql, alive, kw, code):
    """Every argument of the row that starts the state: NULL, empty, 2-D, wrong lengths, non-finite
    and out-of-range values; a NULL row gives a width-0 state counting it."""
    got, val = _call(postgresql, _q(**kw))
    if code == "skip":
        st = _parse(val)
        assert got == "ok" and (st.width, st.n, st.skipped) == (0, 0, 1)
    else:
        assert got == code, (kw, val)
    if got == "ok" and code == "ok":
        st = _parse(val)
        assert st.n == 1 and len(bytes(val)) == HEADER.size + 8 * cstate.slots(KIND, st.width)
    alive()


def test_later_rows_validate_the_row_only(postgresql, alive):
    """With a state, prev is the state's: a hostile prev on a later row is not read; the row is
    still checked (width, NaN, 0/1)."""
    st = _call(postgresql, _q(prev="'{0.1,0.2}'::float8[]"))[1]
    for prev in ("'{}'::float8[]", "'{{1}}'::float8[]", "'{NaN,NULL,3}'::float8[]"):
        code, raw = _call(postgresql, _q(state="%s::bytea", prev=prev), (st,))
        assert code == "ok" and _parse(raw).n == 2 and list(_parse(raw).data[4:6]) == [0.1, 0.2]
    for kw, want in ((dict(x="'{1,2,3}'::float8[]"), "2202E"), (dict(x="'{}'::float8[]"), "2202E"),
                     (dict(x="'{{1,2}}'::float8[]"), "2202E"), (dict(y="'NaN'"), "22P02"), (dict(y="3"), "42804"),
                     (dict(x="array_fill(1::float8, ARRAY[10001])"), "2202E")):
        assert _code(postgresql, _q(state="%s::bytea", **kw), (st,)) == want
    raw = _call(postgresql, _q(state="%s::bytea", x="NULL"), (st,))[1]
    assert (_parse(raw).n, _parse(raw).skipped) == (1, 1)
    alive()


def test_extreme_rows_in_an_aggregate(postgresql, alive):
    """Rows of 1e308 and denormals through many steps from an extreme prev: a state of exact length
    (non-finite results stay inside the slots) or a clean error, never a crash."""
    q = ("SELECT indb_ml._logregr_igd((i % 2)::float8, ARRAY[v, -v, i]::float8[], '{1e308,-1e308,5e-324}') "
         "FROM (SELECT i, (CASE WHEN i % 3 = 0 THEN 1e308 WHEN i % 3 = 1 THEN 5e-324 ELSE -0 END)::float8 AS v "
         "FROM generate_series(1, 100) i) t")
    code, raw = _call(postgresql, q)
    assert code == "ok" and len(raw) == HEADER.size + 8 * cstate.slots(KIND, 3) and _parse(raw).n == 100
    alive()


# ---------------------------------------------------------------- aggregate contexts

AGG = "indb_ml._logregr_igd(y, x, '{0.1,-0.2}')"


@pytest.fixture
def table(postgresql):
    conn = postgresql
    conn.execute("CREATE TABLE t AS SELECT i, i % 3000 AS g, ARRAY[sin(i), cos(i)]::float8[] AS x, "
                 "(i % 3 = 0)::int::float8 AS y FROM generate_series(1, 12000) i ORDER BY i")
    conn.execute("ANALYZE t")
    return conn


def test_aggregate_matches_the_oracle(table, alive):
    """One group's aggregate (in place, ORDER BY i) is the replay of its rows in order."""
    conn = table
    raw = conn.execute("SELECT indb_ml._logregr_igd(y, x, '{0.1,-0.2}' ORDER BY i) FROM t WHERE g = 7").fetchone()[0]
    rows = [(list(x), y) for x, y in conn.execute("SELECT x, y FROM t WHERE g = 7 ORDER BY i").fetchall()]
    c, ll, tri = _oracle(rows, [0.1, -0.2])
    st = _parse(raw)
    np.testing.assert_allclose(st.data[2:4], c, rtol=1e-12)
    np.testing.assert_allclose(st.data[6:], tri, rtol=1e-12)
    assert st.data[1] == pytest.approx(ll, rel=1e-12)
    alive()


def test_spilling_hash_aggregate_keeps_each_group_apart(table, alive):
    """3000 groups in a hash aggregate with work_mem = 64kB (it spills): each group's state is the
    one of its own rows (the same aggregate sorted per group)."""
    conn = table
    want = {g: bytes(s) for g, s in conn.execute(
        "SELECT g, indb_ml._logregr_igd(y, x, '{0.1,-0.2}' ORDER BY i) FROM t GROUP BY g").fetchall()}
    q = f"SELECT g, {AGG} FROM t GROUP BY g"
    with conn.transaction():
        conn.execute("SET LOCAL work_mem = '64kB'")
        conn.execute("SET LOCAL enable_sort = off")
        conn.execute("SET LOCAL enable_hashagg = on")
        plan = "\n".join(r[0] for r in conn.execute("EXPLAIN (ANALYZE, COSTS OFF) " + q).fetchall())
        got = {g: bytes(s) for g, s in conn.execute(q).fetchall()}
    assert "HashAggregate" in plan and ("Disk Usage" in plan or "Batches: 1 " not in plan), plan
    assert got == want and len(got) == 3000
    alive()


def test_forced_parallel_stays_serial(table, alive):
    """No combine function and PARALLEL UNSAFE: with parallel query forced the plan has no Gather,
    and the one state takes every row."""
    conn = table
    q = f"SELECT {AGG} FROM t"
    with conn.transaction():
        for s in ("force_parallel_mode = on", "parallel_setup_cost = 0", "parallel_tuple_cost = 0",
                  "min_parallel_table_scan_size = 0", "max_parallel_workers_per_gather = 2"):
            conn.execute("SET LOCAL " + s)
        plan = "\n".join(r[0] for r in conn.execute("EXPLAIN (COSTS OFF) " + q).fetchall())
        code, par = _call(conn, q)
    assert "Gather" not in plan and "Partial" not in plan, plan
    assert code == "ok" and (_parse(par).n, _parse(par).width) == (12000, 2)
    assert np.isfinite(_parse(par).data).all()
    alive()


def test_window_frames(table, alive):
    """The state updated in place inside a window: each row's output is the aggregate of the rows up
    to it; a moving frame restarts (3 rows each)."""
    conn = table
    rows = conn.execute(f"SELECT i, {AGG} OVER (ORDER BY i) FROM t WHERE i <= 40").fetchall()
    for i, s in rows[::7]:
        want = conn.execute("SELECT indb_ml._logregr_igd(y, x, '{0.1,-0.2}' ORDER BY i) FROM t WHERE i <= %s",
                            (i,)).fetchone()[0]
        assert bytes(s) == bytes(want) and _parse(s).n == i
    moving = conn.execute(f"SELECT {AGG} OVER (ORDER BY i ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) "
                          "FROM t WHERE i <= 20").fetchall()
    assert [_parse(r[0]).n for r in moving] == [1, 2] + [3] * 18
    alive()


def test_mixing_widths_and_groups(table, alive):
    """Rows of another width in one aggregate (2202E); NULL rows before the first row are counted
    (a group of only NULL rows gives a width-0 state)."""
    conn = table
    conn.execute("CREATE TABLE w AS SELECT i, CASE WHEN i = 5 THEN ARRAY[1, 2, 3] ELSE ARRAY[1, i] END::float8[] "
                 "AS x, (i % 2)::float8 AS y FROM generate_series(1, 10) i")
    assert _code(conn, "SELECT indb_ml._logregr_igd(y, x, NULL) FROM w") == "2202E"
    assert _code(conn, "SELECT indb_ml._logregr_igd(y, x, '{0,0}') FROM w") == "2202E"
    got = conn.execute("SELECT indb_ml._logregr_igd(y, x, '{0,0}') FROM (VALUES (NULL::float8[], 1::float8), "
                       "('{1,2}', NULL), ('{1,NULL}', 1), ('{1,2}', 1)) v(x, y)").fetchone()[0]
    assert (_parse(got).n, _parse(got).skipped, _parse(got).width) == (1, 3, 2)
    got = conn.execute("SELECT indb_ml._logregr_igd(y, x, NULL) FROM (VALUES (NULL::float8[], 1::float8)) v(x, y)"
                       ).fetchone()[0]
    assert (_parse(got).n, _parse(got).skipped, _parse(got).width) == (0, 1, 0)
    alive()


def test_wide_aggregate_is_cancelled(postgresql, alive):
    """k = 2048 with prev (X'AX: 2.1M multiply-adds per row) over many rows stops at
    statement_timeout (57014), not after the whole scan."""
    conn = postgresql
    with conn.transaction():
        conn.execute("SET LOCAL statement_timeout = '500ms'")
        code = _code(conn, "SELECT indb_ml._logregr_igd(1, array_fill(i::float8, ARRAY[2048]), "
                           "array_fill(0::float8, ARRAY[2048])) FROM generate_series(1, 1000000) i")
    assert code == "57014"
    alive()
