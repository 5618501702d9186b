"""Regression tests of the C review of the 7-argument ``_ordinal_step`` (src/ordinal.c): the
expected (Fisher) information summed per row, marked by flag 8 in the state's param.

Each hostile call returns a state or a clean SQLSTATE (never XX000; a malformed state is XX001,
the C module's convention for forged states) and the server survives (the ``alive`` fixture: the
postmaster did not restart). The legitimate calls are checked against an independent numpy
oracle that builds every category's full derivative vector d pi_j / d(theta, beta) and sums
their outer products, so a slot written at a wrong place of the packed triangle shows.

- Forged states (bytea parameters and bytea literals as a user aggregate's INITCOND): every one of
  the 16 flag combinations in param, widths that match and do not, lengths off by a byte or a
  slot, other versions, kinds, magics, huge width claims, negative and saturated row counts.
  A state is used only when its param is exactly the one the call computes: a flag-8 state fed
  to the 6-argument form, an observed-information state fed to the 7-argument form, a flag-8
  state without the hessian flag, are all refused (22023) before a slot is written.
- The combine of the two kinds (direct calls, a user aggregate over stored states, rows of both
  kinds in one parallel aggregate) is refused (22023); a skipped-rows-only state merges with either.
- The state is held to the memory budget (indb_ml.matrix_memory_mb) before it is allocated, and
  to 10000 parameters; every argument is validated (NULLs, lengths, NaN/Infinity, categories).
- Probabilities near 0 and 1, unordered thresholds (a category's probability negative, floored at
  1e-300 as documented) and extreme features give the oracle's finite numbers, never a division
  by zero; a NaN coefficient gives a NaN sum (the driver stops on non-finite sums).
- In-place updates stay in their own state: direct calls do not change a stored state, a running
  window frame's earlier outputs do not change, a spilling hash aggregate over thousands of groups
  and forced parallel query (partial aggregates merged by the combine) give the serial results.
"""

from __future__ import annotations

import struct

import numpy as np
import psycopg
import pytest
from scipy import special

from indb_ml.kernels import cstate

HEADER = cstate.HEADER
INT_MAX = 2**31 - 1
INT_MIN = -(2**31)
I64_MAX = 2**63 - 1
FLOOR = 1e-300  # PROB_FLOOR of src/ordinal.c and the numpy kernel

# a valid row of K = 3 categories and k = 2 features: width d = 4
ROW = "1, '{1, 2}', '{-0.5, 0.5, 0.1, 0.2}', 3"
_ROW_F = ROW.replace("{", "{{").replace("}", "}}")  # ROW inside a str.format template
STEP7 = "SELECT indb_ml._ordinal_transition(%s, " + _ROW_F + ", {link}, {hessian}, {expected})"
STEP6 = "SELECT indb_ml._ordinal_transition(%s, " + _ROW_F + ", {link}, {hessian})"


def _param(ncat: int, link: int, hessian: bool, expected: bool) -> int:
    return ncat * 16 + 8 * expected + 4 * hessian + link


def _forge(width: int, param: int, n: int = 1, skipped: int = 0, fill: float = 0.5, kind: int = cstate.ORDINAL,
           version: int = cstate.VERSION, magic: int = cstate.MAGIC, reserved: int = 0) -> bytes:
    head = HEADER.pack(magic, version, kind, width, param, reserved, n, skipped)
    count = cstate.slots(cstate.ORDINAL, width)
    return head + struct.pack(f"<{count}d", *([fill] * count))


def _call(conn, query: str, args=()) -> tuple[str, object]:
    """('ok', the value) or (SQLSTATE, the error); an internal error (XX000) fails the test."""
    try:
        with conn.transaction():
            got = conn.execute(query, args).fetchone()[0]
        return "ok", got
    except psycopg.Error as e:
        assert (e.sqlstate or "") != "XX000", (query, e)
        return e.sqlstate or "", e


def _code(conn, query: str, args=()) -> str:
    return _call(conn, query, args)[0]


# ---------------------------------------------------------------- the independent oracle

def _cdf_pdf(z: np.ndarray, link: int):
    if link == 0:
        return special.expit(z), special.expit(z) * special.expit(-z)
    return special.ndtr(z), np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)


def _oracle(coef, ncat: int, rows, link: int):
    """Log-likelihood, gradient and expected information summed over rows (y, x): for each
    category j the full vector g_j = d pi_j / d(theta, beta), I = sum_j g_j g_j^T / pi_j, with
    pi_j floored at 1e-300; the gradient is g_y / pi_y."""
    nt = ncat - 1
    coef = np.asarray(coef, dtype=float)
    d = coef.size
    theta, beta = coef[:nt], coef[nt:]
    ll, grad, info = 0.0, np.zeros(d), np.zeros((d, d))
    for y, x in rows:
        x = np.asarray(x, dtype=float)
        F, f = _cdf_pdf(theta - x @ beta, link)
        Fe, fe = np.concatenate([[0.0], F, [1.0]]), np.concatenate([[0.0], f, [0.0]])
        for j in range(ncat):
            pi = max(Fe[j + 1] - Fe[j], FLOOR)
            g = np.zeros(d)
            if j < nt:
                g[j] += f[j]
            if j > 0:
                g[j - 1] -= f[j - 1]
            g[nt:] = -(fe[j + 1] - fe[j]) * x
            info += np.outer(g, g) / pi
            if j == y:
                ll += np.log(pi)
                grad += g / pi
    return ll, grad, info


def _unpack(raw, d: int):
    s = cstate.parse_state(raw, cstate.ORDINAL)
    assert s.width == d
    return s, s.data[0], s.data[1:1 + d], cstate.unpack_symmetric(s.data[1 + d:], d)


@pytest.mark.parametrize("link", [0, 1])
@pytest.mark.parametrize("theta, beta, xs", [
    ([-1.0, 0.3, 2.0], [0.4, -0.7], [[1.0, 2.0], [0.5, -1.0], [-2.0, 0.1], [3.0, 3.0], [0.0, 0.0]]),
    # probabilities near 0 and 1: |theta - eta| up to ~40 (logit: 1 - F ~ 1e-17) and beyond 700
    ([-30.0, 30.0], [1.0, 1.0], [[20.0, 20.0], [-35.0, 0.0], [0.0, 0.0], [400.0, 400.0], [-400.0, -400.0]]),
    # unordered thresholds: the middle category's probability is negative, floored at 1e-300
    ([1.0, -1.0, 0.5], [0.2, 0.3], [[0.0, 0.0], [1.0, -1.0], [2.0, 5.0]]),
    ([0.0], [1.0, -1.0], [[1.0, 0.0], [0.0, 1.0], [-3.0, 2.0]]),  # two categories: one threshold
])
def test_expected_information_equals_the_oracle(postgresql, alive, link, theta, beta, xs):
    """Every slot of the 7-argument state against the oracle, one row per category in turn; the
    log-likelihood and gradient are those of the 6-argument form's state (same pass)."""
    ncat, coef = len(theta) + 1, theta + beta
    d = len(coef)
    rows = [(i % ncat, x) for i, x in enumerate(xs)]
    conn = postgresql
    conn.execute("CREATE TABLE r (i int, y float8, x float8[])")
    for i, (y, x) in enumerate(rows):
        conn.execute("INSERT INTO r VALUES (%s, %s, %s)", [i, float(y), x])
    q = "SELECT indb_ml._ordinal_step(y, x, %s, %s, %s, true{} ORDER BY i) FROM r"
    raw7 = conn.execute(q.format(", true"), [coef, ncat, link]).fetchone()[0]
    raw6 = conn.execute(q.format(""), [coef, ncat, link]).fetchone()[0]
    s, ll, grad, info = _unpack(raw7, d)
    assert (s.n, s.skipped, s.param) == (len(rows), 0, _param(ncat, link, True, True))
    want_ll, want_grad, want_info = _oracle(coef, ncat, rows, link)
    assert np.all(np.isfinite(info)), info
    np.testing.assert_allclose(ll, want_ll, rtol=1e-12)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-9, atol=1e-12 * np.abs(want_grad).max())
    np.testing.assert_allclose(info, want_info, rtol=1e-9, atol=1e-12 * np.abs(want_info).max())
    s6, ll6, grad6, _ = _unpack(raw6, d)
    assert s6.param == _param(ncat, link, True, False)
    assert ll6 == ll and np.array_equal(grad6, grad)
    alive()


def test_wide_thresholds_and_features_fill_the_right_slots(postgresql, alive):
    """300 thresholds and 300 features (past the 256 of the interrupt checks): the packed
    triangle of width 600 against the oracle."""
    rng = np.random.default_rng(5)
    ncat, k = 301, 300
    theta = np.sort(rng.normal(scale=3, size=ncat - 1))
    beta = rng.normal(scale=0.05, size=k)
    rows = [(int(rng.integers(ncat)), rng.normal(size=k)) for _ in range(3)]
    coef = np.concatenate([theta, beta])
    raw = None
    for y, x in rows:
        raw = postgresql.execute("SELECT indb_ml._ordinal_transition(%s, %s, %s, %s, %s, 1, true, true)",
                                 [raw, float(y), x.tolist(), coef.tolist(), ncat]).fetchone()[0]
    _, ll, grad, info = _unpack(raw, ncat - 1 + k)
    want_ll, want_grad, want_info = _oracle(coef, ncat, rows, 1)
    np.testing.assert_allclose(ll, want_ll, rtol=1e-10)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-8, atol=1e-10 * np.abs(want_grad).max())
    np.testing.assert_allclose(info, want_info, rtol=1e-8, atol=1e-10 * np.abs(want_info).max())
    alive()


# ---------------------------------------------------------------- forged states and flags

@pytest.mark.parametrize("form", ["6", "7"])
def test_every_flag_combination_in_a_forged_state(postgresql, alive, form):
    """Width 4 states with each of the 16 flags (and hostile params) handed to every (link,
    hessian, expected) form: used only when the param is exactly the call's, else 22023; the
    returned state has that param and one more row."""
    conn = postgresql
    forms = [(link, h, e) for link in (0, 1) for h in (False, True) for e in ((False,) if form == "6" else
                                                                              (False, True))]
    params = [3 * 16 + f for f in range(16)] + [2 * 16 + 12, 4 * 16 + 12, 8, 12, 0, -1, INT_MIN, INT_MAX]
    seen = {"ok": 0, "22023": 0}
    for link, h, e in forms:
        if e and not h:
            continue  # refused before any state is read (below)
        query = (STEP6 if form == "6" else STEP7).format(link=link, hessian=h, expected=e)
        want = _param(3, link, h, e)
        for param in params:
            for fill in (0.5, float("nan")):
                code, got = _call(conn, query, [_forge(4, param, n=5, skipped=2, fill=fill)])
                assert code == ("ok" if param == want else "22023"), (query, param, code)
                seen[code] += 1
                if code == "ok":
                    s = cstate.parse_state(got, cstate.ORDINAL)
                    assert (s.width, s.param, s.n, s.skipped) == (4, want, 6, 2)
    assert seen["ok"] >= 8 and seen["22023"] > 100, seen
    alive()


@pytest.mark.parametrize("link, hessian, expected, code", [
    ("0", True, True, "ok"), ("0", False, True, "22023"), ("0", True, None, "22004"), ("0", None, True, "22004"),
    (None, True, True, "22004"), ("2", True, True, "22023"), ("-1", True, True, "22023"),
    ("(-2147483647 - 1)", True, True, "22023"),
])
def test_flag_arguments(postgresql, alive, link, hessian, expected, code):
    """expected needs hessian; NULL flags and unknown links are errors, also with a NULL row
    (which would otherwise only be counted) and with a forged state."""
    def lit(v):
        return "NULL" if v is None else str(v).lower()
    for state, y in ((None, "1"), (None, "NULL"), (_forge(4, _param(3, 0, True, True)), "1")):
        query = (f"SELECT indb_ml._ordinal_transition(%s, {y}, '{{1, 2}}', '{{-0.5, 0.5, 0.1, 0.2}}', 3, "
                 f"{lit(link)}, {lit(hessian)}, {lit(expected)}::boolean)")
        assert _code(postgresql, query, [state]) == code, (query, state)
    alive()


def test_mixed_kind_states_are_refused_both_ways(postgresql, alive):
    """A flag-8 state fed to the 6-argument form (and to the 7-argument form without expected),
    an observed-information state fed to the 7-argument form, a gradient-only state to either:
    22023, and the state is not changed. A flag-8 state without flag 4 (no call writes it) fits
    no call."""
    conn = postgresql
    expected_state = conn.execute(STEP7.format(link=0, hessian="true", expected="true"), [None]).fetchone()[0]
    observed_state = conn.execute(STEP6.format(link=0, hessian="true"), [None]).fetchone()[0]
    grad_state = conn.execute(STEP6.format(link=0, hessian="false"), [None]).fetchone()[0]
    calls = {
        "expected": STEP7.format(link=0, hessian="true", expected="true"),
        "observed6": STEP6.format(link=0, hessian="true"),
        "observed7": STEP7.format(link=0, hessian="true", expected="false"),
        "grad6": STEP6.format(link=0, hessian="false"),
    }
    states = {"expected": expected_state, "observed6": observed_state, "observed7": observed_state,
              "grad6": grad_state}
    for name, query in calls.items():
        for other, state in states.items():
            code = _code(conn, query, [state])
            assert code == ("ok" if states[name] == state else "22023"), (name, other, code)
    conn.execute("CREATE TABLE st AS SELECT %s::bytea AS s", [expected_state])
    assert _code(conn, STEP6.format(link=0, hessian="true").replace("%s", "s") + " FROM st") == "22023"
    assert _code(conn, "SELECT indb_ml._ordinal_transition(s, " + ROW + ", 0, true, true) FROM st") == "ok"
    assert bytes(conn.execute("SELECT s FROM st").fetchone()[0]) == bytes(expected_state)  # not updated in place
    no_hessian = _forge(4, 3 * 16 + 8)
    for query in calls.values():
        assert _code(conn, query, [no_hessian]) == "22023"
    alive()


def test_skipped_only_states_take_either_kind(postgresql, alive):
    """A width-0 state (rows skipped for a NULL, param 0 or anything) becomes a state of the
    call's kind keeping its skipped count; a width-0 state with rows is corrupt (XX001)."""
    conn = postgresql
    skip = conn.execute("SELECT indb_ml._ordinal_transition(NULL, NULL, '{1, 2}', '{0, 0, 0, 0}', 3, 0, true, true)"
                        ).fetchone()[0]
    assert cstate.parse_state(skip, cstate.ORDINAL).skipped == 1
    for state in (skip, _forge(0, 3 * 16 + 12, n=0, skipped=7), _forge(0, INT_MIN, n=0, skipped=7)):
        for e in (True, False):
            code, got = _call(conn, STEP7.format(link=1, hessian="true", expected=e), [state])
            s = cstate.parse_state(got, cstate.ORDINAL)
            assert code == "ok" and (s.width, s.param, s.n) == (4, _param(3, 1, True, e), 1)
            assert s.skipped == cstate.parse_state(state, cstate.ORDINAL).skipped
    assert _code(conn, STEP7.format(link=1, hessian="true", expected="true"), [_forge(0, 0, n=1)]) == "XX001"
    alive()


def test_malformed_states(postgresql, alive):
    """Lengths off by a byte or a slot, huge or negative width claims, other versions, kinds
    and magics, a nonzero reserved field, negative counts: XX001 before a slot is read; row
    counts at the int64 limit: 22003 (no overflow)."""
    conn = postgresql
    good = _forge(4, _param(3, 0, True, True))
    bad = {
        "truncated by a byte": good[:-1], "truncated by a slot": good[:-8], "a byte more": good + b"\0",
        "a slot more": good + bytes(8), "header only": good[:HEADER.size], "half a header": good[:20],
        "empty": b"", "width 10001": good[:8] + struct.pack("<i", 10001) + good[12:],
        "width INT_MAX": good[:8] + struct.pack("<i", INT_MAX) + good[12:],
        "width -1": good[:8] + struct.pack("<i", -1) + good[12:],
        "width 5 with 4's slots": good[:8] + struct.pack("<i", 5) + good[12:],
        "width 3 with 4's slots": good[:8] + struct.pack("<i", 3) + good[12:],
        "version 0": _forge(4, 60, version=0), "version 2": _forge(4, 60, version=2),
        "mlogit kind": _forge(4, 60, kind=cstate.MLOGIT), "logit kind": _forge(4, 60, kind=cstate.LOGIT),
        "magic": _forge(4, 60, magic=0x12345678), "reserved": _forge(4, 60, reserved=8),
        "n < 0": _forge(4, 60, n=-1), "skipped < 0": _forge(4, 60, skipped=-5),
    }
    queries = [STEP7.format(link=0, hessian="true", expected="true"), STEP6.format(link=0, hessian="true"),
               "SELECT indb_ml._ordinal_combine(%s, %s)", "SELECT indb_ml._ordinal_combine(%s, NULL)"]
    for name, state in bad.items():
        for query in queries:
            args = [state, good] if query.count("%s") == 2 else [state]
            code = _code(conn, query, args)
            assert code == "XX001", (name, query, code)
            if query.count("%s") == 2:
                assert _code(conn, query, [good, state]) == "XX001", (name, query)
    # bytea literals, as a user could type them
    assert _code(conn, "SELECT indb_ml._ordinal_transition('\\x00'::bytea, " + ROW + ", 0, true, true)") == "XX001"
    assert _code(conn, "SELECT indb_ml._ordinal_transition('\\x" + good[:-8].hex() + "'::bytea, " + ROW
                 + ", 0, true, true)") == "XX001"
    for n, skipped, code in ((I64_MAX, 0, "22003"), (0, I64_MAX, "ok")):
        assert _code(conn, STEP7.format(link=0, hessian="true", expected="true"),
                     [_forge(4, 60, n=n, skipped=skipped)]) == code
    # a skipped row on a saturated skip count, and a combine that would overflow
    assert _code(conn, "SELECT indb_ml._ordinal_transition(%s, NULL, '{1, 2}', '{0, 0, 0, 0}', 3, 0, true, true)",
                 [_forge(4, 60, skipped=I64_MAX)]) == "22003"
    assert _code(conn, "SELECT indb_ml._ordinal_combine(%s, %s)", [_forge(4, 60, n=I64_MAX), good]) == "22003"
    alive()


def test_forged_initcond_in_user_aggregates(postgresql, alive):
    """A user's own aggregates over the 7-argument transition with a hand-made INITCOND (a
    bytea literal): a malformed one XX001 at the first row, one of the other kind 22023, one of
    the right param used (its sums and counts carried) in every group, groups independent."""
    conn = postgresql
    good = _forge(4, _param(3, 0, True, True), n=2, skipped=1, fill=1.0)
    inits = {"a_ok": good, "a_observed": _forge(4, _param(3, 0, True, False)), "a_short": good[:-8],
             "a_flag8_only": _forge(4, 3 * 16 + 8), "a_version": _forge(4, 60, version=9),
             "a_width0": _forge(0, 12345, n=0, skipped=4)}
    for name, init in inits.items():
        conn.execute(f"CREATE AGGREGATE {name}(float8, float8[], float8[], int, int, boolean, boolean) "
                     f"(SFUNC = indb_ml._ordinal_transition, STYPE = bytea, INITCOND = '\\x{init.hex()}')")
    conn.execute("CREATE TABLE t AS SELECT g, (i % 3)::float8 AS y, ARRAY[i / 10.0, (g - i) / 7.0] AS x "
                 "FROM generate_series(1, 5) g, generate_series(1, 30) i")
    q = "SELECT g, {}(y, x, '{{-0.5, 0.5, 0.1, 0.2}}', 3, 0, true, true) FROM t GROUP BY g ORDER BY g"
    assert _code(conn, q.format("a_short")) == "XX001"
    assert _code(conn, q.format("a_version")) == "XX001"
    assert _code(conn, q.format("a_observed")) == "22023"
    assert _code(conn, q.format("a_flag8_only")) == "22023"
    plain = dict(conn.execute(q.format("indb_ml._ordinal_step")).fetchall())
    for name, extra_n, extra_skipped, extra in (("a_ok", 2, 1, 1.0), ("a_width0", 0, 4, 0.0)):
        for g, raw in conn.execute(q.format(name)).fetchall():
            s, p = cstate.parse_state(raw, cstate.ORDINAL), cstate.parse_state(plain[g], cstate.ORDINAL)
            assert (s.n, s.skipped) == (p.n + extra_n, p.skipped + extra_skipped)
            np.testing.assert_allclose(s.data, p.data + extra, rtol=1e-12)
    alive()


# ---------------------------------------------------------------- combine of mixed kinds

def test_combine_of_mixed_kinds(postgresql, alive):
    """_ordinal_combine of an expected- and an observed-information state (either order,
    directly or through a user aggregate over stored states): 22023; two of one kind: the sum;
    a skipped-only state merges with either kind."""
    conn = postgresql
    conn.execute("CREATE TABLE s (kind text, i int, s bytea)")
    for i in range(1, 4):
        for kind, e in (("expected", True), ("observed", False)):
            conn.execute("INSERT INTO s SELECT %s, %s, indb_ml._ordinal_transition(NULL, %s, '{1, 2}', "
                         "'{-0.5, 0.5, 0.1, 0.2}', 3, 0, true, %s)", [kind, i, float(i % 3), e])
    conn.execute("INSERT INTO s SELECT 'skip', 0, indb_ml._ordinal_transition(NULL, NULL, '{1}', '{0}', 3, 0, "
                 "true, true)")
    conn.execute("CREATE AGGREGATE comb(bytea) (SFUNC = indb_ml._ordinal_combine, STYPE = bytea)")
    e1, o1 = conn.execute("SELECT (SELECT s FROM s WHERE kind = 'expected' AND i = 1), "
                          "(SELECT s FROM s WHERE kind = 'observed' AND i = 1)").fetchone()
    assert _code(conn, "SELECT indb_ml._ordinal_combine(%s, %s)", [e1, o1]) == "22023"
    assert _code(conn, "SELECT indb_ml._ordinal_combine(%s, %s)", [o1, e1]) == "22023"
    assert _code(conn, "SELECT comb(s ORDER BY i, kind) FROM s") == "22023"
    assert _code(conn, "SELECT comb(s ORDER BY kind DESC) FROM s") == "22023"
    for kind in ("expected", "observed"):
        raw = conn.execute("SELECT comb(s ORDER BY i) FROM s WHERE kind IN (%s, 'skip')", [kind]).fetchone()[0]
        got = cstate.parse_state(raw, cstate.ORDINAL)
        parts = [cstate.parse_state(r[0], cstate.ORDINAL) for r in conn.execute(
            "SELECT s FROM s WHERE kind = %s", [kind]).fetchall()]
        assert (got.n, got.skipped, got.param) == (3, 1, parts[0].param)
        np.testing.assert_allclose(got.data, sum(p.data for p in parts), rtol=1e-14)
    alive()


def _parallel(conn) -> None:
    force = "force_parallel_mode" if conn.info.server_version < 160000 else "debug_parallel_query"
    for setting in (f"{force} = on", "parallel_setup_cost = 0", "parallel_tuple_cost = 0",
                    "min_parallel_table_scan_size = 0", "max_parallel_workers_per_gather = 2"):
        conn.execute("SET " + setting)


def _load(conn, groups: int, per_group: int, seed: int = 11):
    rng = np.random.default_rng(seed)
    n = groups * per_group
    g = np.repeat(np.arange(groups), per_group)
    x = rng.normal(size=(n, 2))
    y = rng.integers(0, 4, size=n).astype(float)
    conn.execute("CREATE TABLE p (i int, g int, y float8, x float8[])")
    with conn.cursor().copy("COPY p FROM STDIN") as copy:
        for i in range(n):
            copy.write_row((i, int(g[i]), None if i % 97 == 5 else y[i], x[i].tolist()))
    conn.execute("ANALYZE p")
    return g, x, y


COEF = [-1.0, 0.2, 1.5, 0.3, -0.4]  # K = 4: three thresholds, two features


def test_forced_parallel_query(postgresql, alive):
    """Under forced parallel query the partial states of the workers meet in the combine: the
    results equal the serial ones and the oracle; rows of both kinds in one aggregate are a
    clean 22023 wherever they meet (a worker's transition or the leader's combine)."""
    conn = postgresql
    g, x, y = _load(conn, 4, 5000)
    q = "SELECT g, indb_ml._ordinal_step(y, x, %s, 4, 1, true, true) FROM p GROUP BY g ORDER BY g"
    serial = {gg: bytes(raw) for gg, raw in conn.execute(q, [COEF]).fetchall()}
    _parallel(conn)
    plan = "\n".join(r[0] for r in conn.execute("EXPLAIN " + q, [COEF]).fetchall())
    assert "Gather" in plan and "Partial" in plan, plan
    par = {gg: bytes(raw) for gg, raw in conn.execute(q, [COEF]).fetchall()}
    assert set(par) == set(serial)
    for gg in serial:
        s, p = cstate.parse_state(serial[gg], cstate.ORDINAL), cstate.parse_state(par[gg], cstate.ORDINAL)
        assert (p.n, p.skipped, p.param) == (s.n, s.skipped, s.param)
        np.testing.assert_allclose(p.data, s.data, rtol=1e-10)
    keep = (g == 2) & (np.arange(len(y)) % 97 != 5)
    want_ll, want_grad, want_info = _oracle(COEF, 4, list(zip(y[keep].astype(int), x[keep])), 1)
    _, ll, grad, info = _unpack(par[2], 5)
    np.testing.assert_allclose(ll, want_ll, rtol=1e-10)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(info, want_info, rtol=1e-10)
    # every row of half the table of the other kind
    mixed = "SELECT indb_ml._ordinal_step(y, x, %s, 4, 1, true, i >= 10000) FROM p"
    assert _code(conn, mixed, [COEF]) == "22023"
    # per group: groups 0, 1 all of one kind and 2, 3 all of the other are fine; rows alternating are not
    assert _code(conn, mixed.replace("FROM p", "FROM p GROUP BY g"), [COEF]) == "ok"
    assert _code(conn, mixed.replace("i >= 10000) FROM p", "i %% 2 = 0) FROM p GROUP BY g"), [COEF]) == "22023"
    assert _code(conn, "SELECT indb_ml._ordinal_step(y, x, %s, 4, 1, i < 0, true) FROM p", [COEF]) == "22023"
    alive()


def test_spilling_hash_aggregate(postgresql, alive):
    """4000 groups under a 64 kB work_mem: the hash aggregate spills to disk; every group's
    state equals that of a sorted group aggregate (the in-place updates stayed in their group)."""
    conn = postgresql
    conn.execute("SET max_parallel_workers_per_gather = 0")
    _load(conn, 4000, 5)
    q = "SELECT g, indb_ml._ordinal_step(y, x, %s, 4, 0, true, true) FROM p GROUP BY g"
    conn.execute("SET enable_hashagg = off")
    sorted_ = {gg: cstate.parse_state(raw, cstate.ORDINAL) for gg, raw in conn.execute(q, [COEF]).fetchall()}
    conn.execute("RESET enable_hashagg")
    conn.execute("SET work_mem = '64kB'")
    conn.execute("SET enable_sort = off")
    plan = "\n".join(r[0] for r in conn.execute("EXPLAIN (ANALYZE, COSTS OFF) " + q, [COEF]).fetchall())
    assert "HashAggregate" in plan and "Disk Usage" in plan, plan
    hashed = {gg: cstate.parse_state(raw, cstate.ORDINAL) for gg, raw in conn.execute(q, [COEF]).fetchall()}
    assert set(hashed) == set(sorted_) and len(hashed) == 4000
    for gg, s in sorted_.items():
        h = hashed[gg]
        assert (h.n, h.skipped, h.param) == (s.n, s.skipped, s.param)
        np.testing.assert_allclose(h.data, s.data, rtol=1e-12, atol=1e-12)
    alive()


def test_running_window_frame_and_stored_states(postgresql, alive):
    """A running window frame: row i's output counts i rows and does not change when later
    rows update the state in place."""
    conn = postgresql
    conn.execute("CREATE TABLE w AS SELECT i, (i % 4)::float8 AS y, ARRAY[i / 5.0, 1 - i / 9.0] AS x "
                 "FROM generate_series(1, 40) i")
    rows = conn.execute("SELECT i, indb_ml._ordinal_step(y, x, %s, 4, 0, true, true) OVER (ORDER BY i) "
                        "FROM w ORDER BY i", [COEF]).fetchall()
    data = conn.execute("SELECT y, x FROM w ORDER BY i").fetchall()
    for i, raw in rows:
        s = cstate.parse_state(raw, cstate.ORDINAL)
        assert s.n == i
        if i in (1, 17, 40):
            want_ll, _, want_info = _oracle(COEF, 4, [(int(y), x) for y, x in data[:i]], 0)
            np.testing.assert_allclose(s.data[0], want_ll, rtol=1e-12)
            np.testing.assert_allclose(cstate.unpack_symmetric(s.data[6:], 5), want_info, rtol=1e-10)
    alive()


# ---------------------------------------------------------------- sizes and arguments

def test_sizes_are_checked_before_allocating(postgresql, alive):
    """K - 1 + k above 10000 parameters: 54000; a state above the memory budget (a 5000 x 5000
    threshold-and-feature problem is 400 MB, a 2001-wide one just over 16 MB): 54000 before it is
    allocated; categories outside 2 .. 10001: 22023."""
    conn = postgresql
    q = ("SELECT indb_ml._ordinal_transition(NULL, 0, array_fill(0.5::float8, ARRAY[%s::int]), "
         "array_fill(0.1::float8, ARRAY[%s::int]), %s::int, 0, true, true)")
    assert _code(conn, q, [1, 10001, 10001]) == "54000"
    conn.execute("SET indb_ml.matrix_memory_mb = 64")
    for x_len, ncat in ((5000, 5001), (5000, 5000)):  # 10000 and 9999 parameters: within the limit, ~400 MB
        code, err = _call(conn, q, [x_len, ncat - 1 + x_len, ncat])
        assert code == "54000" and "memory budget of 64 MB" in str(err), err
    conn.execute("SET indb_ml.matrix_memory_mb = 16")
    code, err = _call(conn, q, [1, 2047, 2047])  # 2047 parameters: 16,785,448 bytes, just above 16 MB
    assert code == "54000" and "memory budget of 16 MB" in str(err), err
    code, raw = _call(conn, q, [1, 2046, 2046])  # 2046: 16,769,064 bytes, just below
    assert code == "ok" and cstate.parse_state(raw, cstate.ORDINAL).width == 2046
    for ncat in (1, 0, -1, 10002, INT_MAX, INT_MIN):
        assert _code(conn, q, [1, 1, ncat]) == "22023", ncat
    alive()


@pytest.mark.parametrize("row, code", [
    ("NULL, '{1, 2}', '{-0.5, 0.5, 0.1, 0.2}', 3", "skip"),
    ("1, NULL, '{-0.5, 0.5, 0.1, 0.2}', 3", "skip"),
    ("1, '{1, NULL}', '{-0.5, 0.5, 0.1, 0.2}', 3", "skip"),
    ("1, '{1, 2}', NULL, 3", "22004"),
    ("1, '{1, 2}', '{-0.5, NULL, 0.1, 0.2}', 3", "22004"),
    ("1, '{1, 2}', '{-0.5, 0.5, 0.1, 0.2}', NULL", "22004"),
    ("1, '{1, 2}', '{-0.5, 0.5, 0.1}', 3", "2202E"),
    ("1, '{1, 2}', '{-0.5, 0.5, 0.1, 0.2, 0.3}', 3", "2202E"),
    ("1, '{1, 2}', '{{-0.5, 0.5}, {0.1, 0.2}}', 3", "2202E"),
    ("1, '{{1, 2}}', '{-0.5, 0.5, 0.1, 0.2}', 3", "2202E"),
    ("1, '{}', '{-0.5, 0.5}', 3", "2202E"),
    ("1, '{1, 2}', '{}', 3", "2202E"),
    ("'NaN', '{1, 2}', '{-0.5, 0.5, 0.1, 0.2}', 3", "22P02"),
    ("'Infinity', '{1, 2}', '{-0.5, 0.5, 0.1, 0.2}', 3", "22P02"),
    ("1, '{1, NaN}', '{-0.5, 0.5, 0.1, 0.2}', 3", "22P02"),
    ("1, '{-Infinity, 2}', '{-0.5, 0.5, 0.1, 0.2}', 3", "22P02"),
    ("3, '{1, 2}', '{-0.5, 0.5, 0.1, 0.2}', 3", "22023"),
    ("-1, '{1, 2}', '{-0.5, 0.5, 0.1, 0.2}', 3", "22023"),
    ("0.5, '{1, 2}', '{-0.5, 0.5, 0.1, 0.2}', 3", "22023"),
    ("1e300, '{1, 2}', '{-0.5, 0.5, 0.1, 0.2}', 3", "22023"),
    ("2147483648, '{1, 2}', '{-0.5, 0.5, 0.1, 0.2}', 3", "22023"),
    ("'-0', '{1, 2}', '{-0.5, 0.5, 0.1, 0.2}', 3", "ok"),
    ("2, '[5:6]={1, 2}', '[0:3]={-0.5, 0.5, 0.1, 0.2}', 3", "ok"),  # lower bounds do not matter
    ("2, '{1e300, -1e300}', '{-0.5, 0.5, 1e10, 1e10}', 3", "ok"),  # extreme: floored, no trap
])
def test_row_arguments(postgresql, alive, row, code):
    for state in (None, _forge(4, 60, n=3, skipped=1)):
        got_code, got = _call(postgresql, f"SELECT indb_ml._ordinal_transition(%s, {row}, 0, true, true)", [state])
        if code == "skip":
            s = cstate.parse_state(got, cstate.ORDINAL)
            assert got_code == "ok" and s.skipped == (1 if state is None else 2)
            assert s.n == (0 if state is None else 3)
        else:
            assert got_code == code, (row, got)
    alive()


def test_nonfinite_coefficients_give_nonfinite_sums(postgresql, alive):
    """The coefficients are the driver's, not the data's: NaN or Infinity in them is not an
    error, it gives a non-finite sum, which the Fisher scoring loop treats as the end
    (indb_ml/kernels/ordinal.py). No slot is written out of place and nothing traps."""
    conn = postgresql
    for coef, ll in (("'{NaN, 0.5, 0.1, 0.2}'", None), ("'{-0.5, 0.5, NaN, NaN}'", None),
                     ("'{-0.5, 0.5, Infinity, 0.2}'", np.log(FLOOR)),  # eta = +Infinity: P(y = 1) = 0, floored
                     ("'{-Infinity, Infinity, 0.1, 0.2}'", 0.0)):  # P(y = 1) = 1
        for link in (0, 1):
            code, raw = _call(conn, f"SELECT indb_ml._ordinal_transition(NULL, 1, '{{1, 0}}', {coef}, 3, {link}, "
                              "true, true)")
            s = cstate.parse_state(raw, cstate.ORDINAL)
            assert code == "ok" and s.n == 1 and s.width == 4
            if ll is None:
                assert np.isnan(s.data[0]), (coef, s.data)
            else:
                assert s.data[0] == pytest.approx(ll, rel=1e-12), (coef, s.data)
                assert np.all(np.isfinite(s.data)), (coef, s.data)  # densities 0 at +-Infinity: no 0/0
    alive()
