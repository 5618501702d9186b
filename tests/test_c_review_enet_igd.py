"""Regression tests of the C review of ``_enet_igd_step`` / ``_enet_igd`` (src/enet_igd.c): MADlib's
elastic-net IGD, one row per call, the state updated in place.

Each hostile call returns a state or a clean SQLSTATE (never XX000; a malformed state is XX001,
the C module's convention for forged states) and the server survives (the ``alive`` fixture: the
postmaster did not restart). The legitimate calls are checked against an independent replay of
MADlib's per-row step written here from MADlib's igd_transition (mirror-descent step on theta,
the l1 threshold step, coef = link(theta), the intercept and the running loss).

- Forged states: every header field (magic, version, kind, width, param, reserved, n, skipped),
  lengths off by a byte or a slot, truncated and oversized, huge or negative widths; also with a
  NULL row (which would otherwise only be counted). A state of width 0 or 1 or a param outside
  family * 2 + standardized (0..3) is refused (XX001): start_state never writes one (the review's
  one change to src/enet_igd.c).
- NULL in every argument position on the first row and with a state; empty, 2-D and wrong-length
  x / mean / scale / prev arrays; NaN, Infinity and out-of-range stepsize, lambda, alpha,
  step_decay, total_rows, family; k = 10000 (accepted), k = 10001 and k = 1 (refused before the
  state is allocated); rows of another width in one aggregate.
- Extreme values (1e308, denormals, negative zero) give a state or a clean error, never a crash;
  negative zero is the same row as zero.
- In-place updates stay in their own state: direct calls do not change a stored state; a forged
  INITCOND shared by many groups; a running window frame; a hash aggregate spilling to disk over
  thousands of groups gives each group the state of its rows in scan order; forced parallel
  query (the aggregate has no combine function) feeds one valid state; a wide aggregate is
  cancelled by statement_timeout.
- Not memory but found here, and fixed: under a parallel plan the rows reached the aggregate in
  worker order (now PARALLEL UNSAFE), and with many small groups the driver's hash join on the
  per-group vectors handed each group's rows over in reverse scan order (now ORDER BY ctid in
  the aggregate); the last two tests keep the igd fit the scan-order one MADlib computes.
- skip_row (a NULL row divides the step once the state exists): against the replay, leading NULL
  rows leave no state, thousands of NULL rows take the step through the denormals to 0, forged
  steps are only divided, stored states and INITCONDs are copied first. Fixed here: a forged
  non-finite or negative step_decay is refused (XX001), and a previous pass's step of 0 (the decay
  underflowed it) is taken as MADlib takes it instead of failing the next pass (22023).
"""

from __future__ import annotations

import math
import struct

import numpy as np
import psycopg
import pytest

from indb_ml.kernels import cstate
from tests.test_elastic_net_igd_counts import _load as load_rows
from tests.test_elastic_net_igd_counts import _rows, madlib_igd_rows
from tests.test_elastic_net_igd_counts import _train as train_rows
from tests.test_enet_igd import _data, _load, _train, madlib_igd

HEADER = cstate.HEADER
INT_MAX = 2**31 - 1
INT_MIN = -(2**31)
DENORM = 5e-324
SIG = ("bytea, float8[], float8, float8[], float8, float8, float8, int8, float8[], float8[], float8, integer")

# argument order: state, x, y, prev, lambda, alpha, stepsize, total_rows, mean, scale, step_decay, family
BASE = dict(state="NULL", x="'{1,2}'::float8[]", y="1", prev="NULL", lam="0.1", alpha="0.5", step="0.01",
            n="10", mean="'{0.5,0,0}'::float8[]", scale="NULL", decay="0", fam="0")
STEP = ("SELECT indb_ml._enet_igd_step({state}, {x}, {y}, {prev}, {lam}, {alpha}, {step}, {n}::int8, "
        "{mean}, {scale}, {decay}, {fam})")


def _q(**kw) -> str:
    return STEP.format(**dict(BASE, **kw))


def _call(conn, query: str, args=()) -> tuple[str, object]:
    """('ok', the value) or (SQLSTATE, the error); an internal error (XX000) fails the test."""
    try:
        with conn.transaction():
            got = conn.execute(query, args or None).fetchone()[0]
        return "ok", got
    except psycopg.Error as e:
        assert (e.sqlstate or "") != "XX000", (query, e)
        return e.sqlstate or "", e


def _code(conn, query: str, args=()) -> str:
    return _call(conn, query, args)[0]


def _forge(width: int, param: int = 0, n: int = 1, skipped: int = 0, fill: float = 0.5, kind: int = cstate.ENET_IGD,
           version: int = cstate.VERSION, magic: int = cstate.MAGIC, reserved: int = 0,
           slots: int | None = None, step: float = 0.01, decay: float = 0.0) -> bytes:
    head = HEADER.pack(magic, version, kind, width, param, reserved, n, skipped)
    count = cstate.slots(cstate.ENET_IGD, max(width, 0)) if slots is None else slots
    data = [fill] * count
    if count >= 11:  # scalars a driver would write: stepsize, lambda, alpha, total, ..., p, q, decay
        p = 2 * math.log(max(width, 2))
        data[:11] = [step, 0.1, 0.5, 10.0, 0.0, 0.0, 0.0, p, p / (p - 1), decay, 0.0]
        lo, hi = 11 + 4 * max(width, 0), 11 + 5 * max(width, 0)
        data[lo:hi] = [1.0] * len(data[lo:hi])  # xscale (not past a forged short length)
    return head + struct.pack(f"<{count}d", *data)


def _parse(raw):
    return cstate.parse_state(raw, cstate.ENET_IGD)


# ---------------------------------------------------------------- the independent oracle

def _link(theta, p):
    s = sum(abs(t) ** p for t in theta if t != 0)
    norm = s ** (1.0 / p)
    if abs(norm) <= DENORM:
        return [0.0] * len(theta)
    den = norm ** (p - 2)
    return [0.0 if abs(t) <= DENORM else math.copysign(abs(t) ** (p - 1), t) / den for t in theta]


def _sdot(c, x):
    return sum(a * b for a, b in zip(c, x) if a != 0)


def _oracle(rows, gaussian, lam, alpha, step, total, mean, scale=None, decay=0.0):
    """MADlib's igd_transition over ``rows`` from the first pass's initial state: (coef, theta,
    intercept, loss). A row ``(None, None)`` is skipped: once a row was taken it still decays the
    step (MADlib divides before it reads the row); before that MADlib sets the state up again."""
    k = len(next(r[0] for r in rows if r[0] is not None))
    p = 2 * math.log(k)
    std = scale is not None
    shift = mean[1:] if std else [0.0] * k
    sc = scale if std else [1.0] * k
    xmean = [0.0] * k if std else mean[1:]
    yshift = mean[0] if (std and gaussian) else 0.0
    ymean = 0.0 if (std or not gaussian) else mean[0]
    theta, coef = [0.0] * k, [0.0] * k
    b0 = ymean if gaussian else 0.0
    ll, stepsize = 0.0, step * math.exp(decay)
    taken = False
    for xin, yin in rows:
        if xin is None:
            if taken:
                stepsize /= math.exp(decay)
            continue
        taken = True
        x = [(v - s) / c for v, s, c in zip(xin, shift, sc)]
        y = (yin - yshift) if gaussian else (1.0 if yin > 0 else -1.0)
        stepsize /= math.exp(decay)
        if gaussian:
            r = _sdot(coef, x) + b0 - y
        else:
            r = b0 + _sdot(coef, x)
            u = -1 / (1 + math.exp(r)) if y > 0 else 1 / (1 + math.exp(-r))
        a, b = stepsize / total, stepsize * alpha * lam / total
        for i in range(k):
            g = x[i] * u if not gaussian else r * (x[i] - xmean[i]) + (1 - alpha) * lam * coef[i]
            theta[i] -= a * g
            s1 = math.copysign(1.0, theta[i]) if theta[i] else 0.0
            theta[i] -= b * s1
            if s1 != (math.copysign(1.0, theta[i]) if theta[i] else 0.0):
                theta[i] = 0.0
        coef = _link(theta, p)
        if gaussian:
            b0 = ymean - _sdot(coef, xmean)
            ll += (y - b0 - _sdot(coef, x)) ** 2
        else:
            r = b0 + _sdot(coef, x)
            u = -1 / (1 + math.exp(r)) if y > 0 else 1 / (1 + math.exp(-r))
            b0 -= stepsize * u
            r = b0 + _sdot(coef, x)
            ll += math.log(1 + math.exp(-r)) if y > 0 else math.log(1 + math.exp(r))
    return coef, theta, b0, ll


def _pieces(st):
    k, d = st.width, st.data
    return d[11 + k:11 + 2 * k], d[11 + 2 * k:11 + 3 * k], d[4], d[6]


def _arr(v) -> str:
    return "'{" + ",".join(repr(float(t)) for t in v) + "}'::float8[]"


# ---------------------------------------------------------------- legitimate calls vs the oracle

@pytest.mark.parametrize("gaussian, std", [(True, False), (True, True), (False, False), (False, True)])
def test_chained_direct_steps_match_the_oracle(postgresql, alive, gaussian, std):
    """Three rows chained through direct calls (each a copy, not in place): every state against the replay."""
    rng = np.random.default_rng(3)
    k = 3
    rows = [(list(rng.normal(size=k)), float(rng.normal()) if gaussian else float(rng.random() < 0.5))
            for _ in range(3)]
    mean = [0.3, 0.1, -0.2, 0.4]
    scale = [1.5, 0.5, 2.0] if std else None
    state = None
    for i, (x, y) in enumerate(rows):
        q = _q(state="%s::bytea", x=_arr(x), y=repr(y), n="50", mean=_arr(mean), step="0.5",
               scale=_arr(scale) if std else "NULL", fam="0" if gaussian else "1", lam="0.2", alpha="0.3")
        code, state = _call(postgresql, q, (state,))
        assert code == "ok"
        st = _parse(state)
        assert (st.width, st.n, st.param) == (k, i + 1, (0 if gaussian else 2) + std)
        coef, theta, b0, ll = _oracle(rows[:i + 1], gaussian, 0.2, 0.3, 0.5, 50, mean, scale)
        got = _pieces(st)
        np.testing.assert_allclose(got[0], coef, rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(got[1], theta, rtol=1e-12, atol=1e-300)
        assert got[2] == pytest.approx(b0, rel=1e-12, abs=1e-15)
        assert got[3] == pytest.approx(ll, rel=1e-12)
    alive()


def test_wide_rows_fill_the_right_slots(postgresql, alive):
    """k = 300 (past the 256 of the interrupt check; the state is then its own malloc block),
    three rows in one aggregate against the replay, and k = 10000, the widest, accepted."""
    rng = np.random.default_rng(9)
    k = 300
    rows = [(list(rng.normal(size=k)), float(rng.normal())) for _ in range(3)]
    mean = [0.1] + [0.0] * k
    vals = ", ".join(f"({i}, {_arr(x)}, {y!r}::float8)" for i, (x, y) in enumerate(rows))
    q = (f"SELECT indb_ml._enet_igd(x, y, NULL, 0.05, 0.5, 3, 3, {_arr(mean)}, NULL, 0, 0 ORDER BY i) "
         f"FROM (VALUES {vals}) v(i, x, y)")
    code, raw = _call(postgresql, q)
    assert code == "ok"
    coef, theta, b0, ll = _oracle(rows, True, 0.05, 0.5, 3.0, 3, mean)
    got = _pieces(_parse(raw))
    np.testing.assert_allclose(got[0], coef, rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(got[1], theta, rtol=1e-10, atol=1e-300)
    assert got[3] == pytest.approx(ll, rel=1e-10)
    wide = 10000
    code, raw = _call(postgresql, _q(x=f"array_fill(0.5::float8, ARRAY[{wide}])",
                                     mean=f"array_fill(0::float8, ARRAY[{wide + 1}])"))
    assert code == "ok" and len(raw) == HEADER.size + 8 * (11 + 6 * wide) and _parse(raw).width == wide
    alive()


# ---------------------------------------------------------------- forged states

def test_malformed_states_are_refused(postgresql, alive):
    """Every header field, lengths off by a byte or a slot, truncated and oversized: XX001 (a
    version mismatch too), also when the row is NULL and would only be counted."""
    good = _forge(2)
    assert _code(postgresql, _q(state="%s::bytea"), (good,)) == "ok"
    bad = [
        b"", b"\x00", good[:HEADER.size - 1], good[:HEADER.size], good[:-1], good[:-8], good + b"\x00",
        good + b"\x00" * 8, good + b"\x00" * 8 * 6,
        _forge(2, magic=0x12345678), _forge(2, version=2), _forge(2, version=0),
        _forge(2, kind=cstate.COMOMENT), _forge(2, kind=cstate.PACKED_ROWS), _forge(2, kind=11), _forge(2, kind=0),
        _forge(2, reserved=1), _forge(2, n=-1), _forge(2, skipped=-1), _forge(2, n=-(2**63)),
        _forge(3, slots=11 + 12), _forge(2, slots=11 + 18), _forge(-1, slots=11), _forge(10001, slots=11 + 12),
        _forge(INT_MAX, slots=11), _forge(INT_MIN, slots=11), _forge(10000, slots=11 + 6 * 9999),
        # widths and params start_state never writes (the review's added check)
        _forge(0, n=0), _forge(0, n=0, skipped=3), _forge(1), _forge(2, param=4), _forge(2, param=-1),
        _forge(2, param=INT_MAX), _forge(2, param=INT_MIN),
    ]
    for raw in bad:
        for x in ("'{1,2}'::float8[]", "NULL", "'{}'::float8[]", "'{1,NULL}'::float8[]"):
            assert _code(postgresql, _q(state="%s::bytea", x=x), (raw,)) == "XX001", (raw[:40].hex(), len(raw), x)
        assert _code(postgresql, _q(state="%s::bytea", y="NULL"), (raw,)) == "XX001"
    alive()


@pytest.mark.parametrize("param", [0, 1, 2, 3])
def test_every_valid_param_is_used(postgresql, alive, param):
    """A forged state of each family/standardize param takes a row and keeps its param; a
    binomial one checks y is 0/1 (22P02-like 42804) whatever the family argument says."""
    code, raw = _call(postgresql, _q(state="%s::bytea", fam="0"), (_forge(2, param=param, n=5, skipped=2),))
    assert code == "ok"
    st = _parse(raw)
    assert (st.param, st.n, st.skipped, st.width) == (param, 6, 2, 2)
    binomial = param >> 1
    assert _code(postgresql, _q(state="%s::bytea", y="0.5"), (_forge(2, param=param),)) == (
        "42804" if binomial else "ok")
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
    conn.execute("CREATE TABLE st AS SELECT %s::bytea AS s", (_forge(4),))
    before = conn.execute("SELECT s FROM st").fetchone()[0]
    x4 = "'{1,2,3,4}'::float8[]"
    for _ in range(3):
        got = conn.execute(_q(state="(SELECT s FROM st)", x=x4)).fetchone()[0]
        assert bytes(got) != bytes(before)
        got = conn.execute(_q(state="s", x=x4) + " FROM st").fetchone()[0]
        assert _parse(got).n == 2
    assert bytes(conn.execute("SELECT s FROM st").fetchone()[0]) == bytes(before)
    alive()


def test_forged_initcond_is_copied_per_group(postgresql, alive):
    """A user aggregate whose INITCOND is a valid forged state: every group starts from its own
    copy (the same rows give the same state in every group); a bad INITCOND is XX001."""
    conn = postgresql
    init = "\\x" + _forge(2, n=0).hex()
    conn.execute(f"CREATE AGGREGATE my_igd(float8[], float8, float8[], float8, float8, float8, int8, float8[], "
                 f"float8[], float8, integer) (SFUNC = indb_ml._enet_igd_step, STYPE = bytea, "
                 f"INITCOND = '{init}')")
    rows = conn.execute("SELECT g, my_igd(ARRAY[i, 1]::float8[], i::float8, NULL, 0.1, 0.5, 0.01, 10, "
                        "'{0,0,0}', NULL, 0, 0 ORDER BY i) FROM generate_series(1, 6) i, generate_series(1, 50) g "
                        "GROUP BY g").fetchall()
    assert len(rows) == 50 and len({bytes(r[1]) for r in rows}) == 1 and _parse(rows[0][1]).n == 6
    conn.execute("CREATE AGGREGATE bad_igd(float8[], float8, float8[], float8, float8, float8, int8, float8[], "
                 "float8[], float8, integer) (SFUNC = indb_ml._enet_igd_step, STYPE = bytea, "
                 f"INITCOND = '\\x{_forge(1).hex()}')")
    assert _code(conn, "SELECT bad_igd(ARRAY[1]::float8[], 1, NULL, 0.1, 0.5, 0.01, 10, '{0,0}', NULL, 0, 0)") \
        == "XX001"
    alive()


# ---------------------------------------------------------------- arguments

@pytest.mark.parametrize("kw, code", [
    (dict(x="NULL"), "null"), (dict(y="NULL"), "null"), (dict(x="'{1,NULL}'::float8[]"), "null"),
    (dict(prev="NULL"), "ok"), (dict(scale="NULL"), "ok"),
    (dict(lam="NULL"), "22023"), (dict(alpha="NULL"), "22023"), (dict(step="NULL"), "22023"),
    (dict(n="NULL"), "22023"), (dict(mean="NULL"), "22023"), (dict(decay="NULL"), "22023"),
    (dict(fam="NULL"), "22023"),
    # empty, 2-D, wrong-length arrays
    (dict(x="'{}'::float8[]"), "2202E"), (dict(x="'{{1,2},{3,4}}'::float8[]"), "2202E"),
    (dict(x="'{1}'::float8[]", mean="'{0,0}'::float8[]"), "2202E"),
    (dict(x="array_fill(1::float8, ARRAY[10001])", mean="array_fill(0::float8, ARRAY[10002])"), "2202E"),
    (dict(x="'[0:1]={1,2}'::float8[]"), "ok"),
    (dict(mean="'{}'::float8[]"), "2202E"), (dict(mean="'{{0,0,0}}'::float8[]"), "2202E"),
    (dict(mean="'{0,0}'::float8[]"), "2202E"), (dict(mean="'{0,0,0,0}'::float8[]"), "2202E"),
    (dict(mean="'{0,Infinity,0}'::float8[]"), "2202E"), (dict(mean="'{0,0,NULL}'::float8[]"), "2202E"),
    (dict(scale="'{}'::float8[]"), "2202E"), (dict(scale="'{{1,1}}'::float8[]"), "2202E"),
    (dict(scale="'{1}'::float8[]"), "2202E"), (dict(scale="'{1,1,1}'::float8[]"), "2202E"),
    (dict(scale="'{1,0}'::float8[]"), "22023"), (dict(scale="'{1,-0}'::float8[]"), "22023"),
    (dict(scale="'{1,-1}'::float8[]"), "22023"), (dict(scale="'{1,NaN}'::float8[]"), "2202E"),
    (dict(scale="'{1,5e-324}'::float8[]"), "ok"),
    (dict(prev="'{}'::float8[]"), "2202E"), (dict(prev="'{{1,0,0,0,0,0,0,0}}'::float8[]"), "2202E"),
    (dict(prev="'{1,0,0,0,0,0,0}'::float8[]"), "2202E"), (dict(prev="'{1,0,0,0,0,0,0,0,0}'::float8[]"), "2202E"),
    (dict(prev="'{1,0,0,0,0,0,0,NULL}'::float8[]"), "2202E"), (dict(prev="'{1,0,0,0,0,0,0,NaN}'::float8[]"), "2202E"),
    (dict(prev="'{0,0,0,0,0,0,0,0}'::float8[]"), "ok"), (dict(prev="'{-1,0,0,0,0,0,0,0}'::float8[]"), "22023"),
    (dict(prev="'{1,0.1,0,0,1e308,-1e308,1e308,-0}'::float8[]"), "ok"),
    # scalars at and past their ranges
    (dict(step="0"), "22023"), (dict(step="-0.01"), "22023"), (dict(step="'NaN'"), "22023"),
    (dict(step="'Infinity'"), "22023"), (dict(step="1e308"), "ok"), (dict(step="5e-324"), "ok"),
    (dict(lam="-1"), "22023"), (dict(lam="'NaN'"), "22023"), (dict(lam="0"), "ok"), (dict(lam="1e308"), "ok"),
    (dict(alpha="-0.01"), "22023"), (dict(alpha="1.01"), "22023"), (dict(alpha="'NaN'"), "22023"),
    (dict(alpha="0"), "ok"), (dict(alpha="1"), "ok"), (dict(alpha="-0"), "ok"),
    (dict(decay="-1"), "22023"), (dict(decay="'Infinity'"), "22023"), (dict(decay="1000"), "ok"),
    (dict(n="0"), "22023"), (dict(n="-1"), "22023"), (dict(n="9223372036854775807"), "ok"),
    (dict(fam="-1"), "22023"), (dict(fam="2"), "22023"), (dict(fam="2147483647"), "22023"),
    (dict(fam="1", y="2"), "42804"), (dict(fam="1", y="0"), "ok"),
    # extreme values in the row
    (dict(x="'{1e308,-1e308}'::float8[]", y="1e308"), "ok"), (dict(x="'{5e-324,-5e-324}'::float8[]"), "ok"),
    (dict(x="'{-0,0}'::float8[]", y="-0"), "ok"), (dict(x="'{1,NaN}'::float8[]"), "22P02"),
    (dict(y="'-Infinity'"), "22P02"), (dict(x="'{1e308,1e308}'::float8[]", scale="'{5e-324,5e-324}'"), "ok"),
])
def test_first_row_arguments(postgresql, alive, kw, code):
    """Every argument of the row that starts the state: NULL, empty, 2-D, wrong lengths,
    non-finite and out-of-range values (checked before the state is allocated)."""
    got, val = _call(postgresql, _q(**kw))
    if code == "null":
        assert got == "ok" and val is None
    else:
        assert got == code, (kw, val)
    if got == "ok" and val is not None:
        assert _parse(val).n == 1
    alive()


def test_later_rows_validate_the_row_only(postgresql, alive):
    """With a state, the pass's parameters are the state's: NULL or hostile parameters on a later
    row are not read; the row itself is still checked (width, NaN, 0/1)."""
    st = _call(postgresql, _q())[1]
    for kw in (dict(lam="NULL", alpha="NULL", step="NULL", n="NULL", mean="NULL", decay="NULL", fam="NULL",
                    prev="'{}'::float8[]", scale="'{{1}}'::float8[]"), dict(fam="7", step="-1")):
        code, raw = _call(postgresql, _q(state="%s::bytea", **kw), (st,))
        assert code == "ok" and _parse(raw).n == 2
    for kw, want in ((dict(x="'{1,2,3}'::float8[]"), "2202E"), (dict(x="'{}'::float8[]"), "2202E"),
                     (dict(x="'{{1,2}}'::float8[]"), "2202E"), (dict(y="'NaN'"), "22P02"),
                     (dict(x="array_fill(1::float8, ARRAY[10001])"), "2202E")):
        assert _code(postgresql, _q(state="%s::bytea", **kw), (st,)) == want
    raw = _call(postgresql, _q(state="%s::bytea", x="NULL"), (st,))[1]
    assert (_parse(raw).n, _parse(raw).skipped) == (1, 1)
    alive()


def test_negative_zero_is_zero(postgresql, alive):
    """A row of -0 gives the state of the row of +0, bit for bit (sign_of(-0) = 0)."""
    a = _call(postgresql, _q(x="'{-0,1}'::float8[]", y="-0"))[1]
    b = _call(postgresql, _q(x="'{0,1}'::float8[]", y="0"))[1]
    assert np.array_equal(_parse(a).data, _parse(b).data)
    alive()


def test_extreme_rows_in_an_aggregate(postgresql, alive):
    """Rows of 1e308 and denormals through many steps: a state or a clean error, never a crash;
    non-finite intermediate results stay inside the state's slots (its length is exact)."""
    q = ("SELECT indb_ml._enet_igd(ARRAY[v, -v, i]::float8[], v, NULL, 0.1, 0.5, 1e300, 100, "
         "'{0,0,0,0}', NULL, 0, {fam}) FROM (SELECT i, (CASE WHEN i % 2 = 0 THEN 1e308 ELSE 5e-324 END)"
         "::float8 AS v FROM generate_series(1, 100) i) t")
    code, raw = _call(postgresql, q.replace("{fam}", "0"))
    assert code == "ok" and len(raw) == HEADER.size + 8 * (11 + 18) and _parse(raw).n == 100
    code = _code(postgresql, q.replace("{fam}", "1").replace("v, NULL", "(v > 1)::int::float8, NULL"))
    assert code in ("ok", "22003")
    alive()


# ---------------------------------------------------------------- aggregate contexts

def _agg(cols="x, y", group="g"):
    return (f"SELECT {group}, indb_ml._enet_igd({cols}, NULL, 0.1, 0.5, 0.5, 4, '{{0,0,0}}', NULL, 0, 0) "
            f"FROM t GROUP BY {group}")


@pytest.fixture
def table(postgresql):
    conn = postgresql
    conn.execute("CREATE TABLE t AS SELECT i, i % 3000 AS g, ARRAY[sin(i), cos(i)]::float8[] AS x, "
                 "(i % 7)::float8 AS y FROM generate_series(1, 12000) i ORDER BY i")
    conn.execute("ANALYZE t")
    return conn


def test_spilling_hash_aggregate_keeps_each_group_apart(table, alive):
    """3000 groups in a hash aggregate with work_mem = 64kB (it spills): each group's state is the
    one of its own rows in scan order (the aggregate with ORDER BY i, sorted per group)."""
    conn = table
    want = {g: bytes(s) for g, s in conn.execute(
        "SELECT g, indb_ml._enet_igd(x, y, NULL, 0.1, 0.5, 0.5, 4, '{0,0,0}', NULL, 0, 0 ORDER BY i) "
        "FROM t GROUP BY g").fetchall()}
    with conn.transaction():
        conn.execute("SET LOCAL work_mem = '64kB'")
        conn.execute("SET LOCAL enable_sort = off")
        conn.execute("SET LOCAL enable_hashagg = on")
        plan = "\n".join(r[0] for r in conn.execute("EXPLAIN (ANALYZE, COSTS OFF) " + _agg()).fetchall())
        got = {g: bytes(s) for g, s in conn.execute(_agg()).fetchall()}
    assert "HashAggregate" in plan and ("Disk Usage" in plan or "Batches: 1 " not in plan), plan
    assert got == want and len(got) == 3000
    alive()


def test_forced_parallel_feeds_one_state(table, alive):
    """No combine function and PARALLEL UNSAFE: with parallel query forced the plan stays serial
    (no Gather, no partial aggregate); the one state takes every row (a valid state of 12000 rows)."""
    conn = table
    q = "SELECT indb_ml._enet_igd(x, y, NULL, 0.1, 0.5, 0.5, 4, '{0,0,0}', NULL, 0, 0) FROM t"
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


def test_parallel_scan_keeps_the_fit_of_scan_order(postgresql, alive):
    """elastic_net_train with optimizer 'igd' under parallel-friendly costs gives the serial fit."""
    conn = postgresql
    conn.execute("CREATE TABLE big AS SELECT i, (i % 7)::float8 + sin(i) AS y, ARRAY[sin(i), cos(i * 3), i % 5]"
                 "::float8[] AS x FROM generate_series(1, 200000) i ORDER BY i")
    conn.execute("ANALYZE big")
    q = "SELECT indb_ml.elastic_net_train('big', %s, 'y', 'x', 'gaussian', 0.5, 0.1, true, NULL, 'igd', NULL, NULL, 3)"
    conn.execute(q, ["m0"])
    serial = conn.execute("SELECT coef_all, intercept FROM m0").fetchone()
    conn.execute("SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;"
                 " SET max_parallel_workers_per_gather = 2")
    for i in (1, 2):
        conn.execute(q, [f"m{i}"])
        coef, intercept = conn.execute(f"SELECT coef_all, intercept FROM m{i}").fetchone()
        # the IGD passes are serial and in ctid order; the standardizing moments may come from a
        # parallel (partial) aggregate, which rounds differently: equal to rounding, not bitwise
        np.testing.assert_allclose(coef, serial[0], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(intercept, serial[1], rtol=1e-12)
    alive()


def test_many_small_groups_keep_scan_order(postgresql, alive):
    """300 groups of 4 rows, grouped igd: each group's fit is MADlib's over its rows in scan order."""
    G, per = 300, 4
    X, y = _data(11, G * per, 3, True)
    g, y, X = _load(postgresql, "t", X, y, True, np.arange(G * per) % G)
    got = _train(postgresql, "t", "m", "gaussian", 0.5, 0.1, True, "g", None, 3, 1e-12)
    for row in got[:10]:
        coef, b, _, _ = madlib_igd(X[g == row[4]], y[g == row[4]], True, 0.5, [0.1], True, 3, 1e-12)
        np.testing.assert_allclose(row[0], coef, rtol=1e-10, atol=1e-12)
    alive()


def test_running_window_frame(table, alive):
    """The state updated in place inside a window: each row's output is the aggregate of the
    rows up to it (earlier outputs are not changed by later rows)."""
    conn = table
    rows = conn.execute("SELECT i, indb_ml._enet_igd(x, y, NULL, 0.1, 0.5, 0.5, 4, '{0,0,0}', NULL, 0, 0) "
                        "OVER (ORDER BY i) FROM t WHERE i <= 40").fetchall()
    for i, s in rows[::7]:
        want = conn.execute("SELECT indb_ml._enet_igd(x, y, NULL, 0.1, 0.5, 0.5, 4, '{0,0,0}', NULL, 0, 0 "
                            "ORDER BY i) FROM t WHERE i <= %s", (i,)).fetchone()[0]
        assert bytes(s) == bytes(want) and _parse(s).n == i
    moving = conn.execute("SELECT indb_ml._enet_igd(x, y, NULL, 0.1, 0.5, 0.5, 4, '{0,0,0}', NULL, 0, 0) "
                          "OVER (ORDER BY i ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM t WHERE i <= 20").fetchall()
    assert [_parse(r[0]).n for r in moving] == [1, 2] + [3] * 18
    alive()


def test_mixing_widths_and_groups(table, alive):
    """Rows of another width in one group (2202E); a state of one group handed to another group's
    rows of another width (2202E); NULL rows before the first row give a state from the first
    row on (a group of only NULL rows gives NULL)."""
    conn = table
    conn.execute("CREATE TABLE w AS SELECT i, CASE WHEN i = 5 THEN ARRAY[1, 2, 3] ELSE ARRAY[1, i] END::float8[] "
                 "AS x, i::float8 AS y FROM generate_series(1, 10) i")
    assert _code(conn, "SELECT indb_ml._enet_igd(x, y, NULL, 0.1, 0.5, 0.5, 4, '{0,0,0}', NULL, 0, 0) FROM w") \
        == "2202E"
    st = conn.execute("SELECT indb_ml._enet_igd(x, y, NULL, 0.1, 0.5, 0.5, 4, '{0,0,0}', NULL, 0, 0) FROM t "
                      "WHERE g = 1").fetchone()[0]
    assert _code(conn, _q(state="%s::bytea", x="'{1,2,3}'::float8[]"), (st,)) == "2202E"
    got = conn.execute("SELECT indb_ml._enet_igd(x, y, NULL, 0.1, 0.5, 0.5, 4, '{0,0,0}', NULL, 0, 0) FROM "
                       "(VALUES (NULL::float8[], 1::float8), ('{1,2}', NULL), ('{1,2}', 3)) v(x, y)").fetchone()[0]
    assert _parse(got).n == 1
    assert conn.execute("SELECT indb_ml._enet_igd(x, y, NULL, 0.1, 0.5, 0.5, 4, '{0,0,0}', NULL, 0, 0) FROM "
                        "(VALUES (NULL::float8[], 1::float8)) v(x, y)").fetchone()[0] is None
    alive()


def test_wide_aggregate_is_cancelled(postgresql, alive):
    """k = 10000 over many rows stops at statement_timeout (57014), not after the whole scan."""
    conn = postgresql
    with conn.transaction():
        conn.execute("SET LOCAL statement_timeout = '300ms'")
        code = _code(conn, "SELECT indb_ml._enet_igd(array_fill(i::float8, ARRAY[10000]), 1, NULL, 0.1, 0.5, 0.5, "
                           "4, array_fill(0::float8, ARRAY[10001]), NULL, 0, 0) FROM generate_series(1, 1000000) i")
    assert code == "57014"
    alive()



@pytest.mark.parametrize("kind", ["view", "partitioned"])
def test_other_sources_keep_each_groups_rows_in_order(postgresql, kind, alive):
    """A view (no ctid: the driver turns hash joins off, so the rows stay in scan order) and a
    partitioned table (ORDER BY tableoid, ctid: each partition's rows in turn) give every small
    group the fit of MADlib's per-row replay over its rows in order."""
    G, per = 120, 4
    X, y = _data(13, G * per, 3, True)
    g, y, X = _load(postgresql, "t", X, y, True, np.arange(G * per) % G)
    if kind == "view":
        postgresql.execute("CREATE VIEW src AS SELECT * FROM t")
    else:  # one partition: rows in insertion order, as in t
        postgresql.execute("CREATE TABLE src (LIKE t) PARTITION BY RANGE (g)")
        postgresql.execute("CREATE TABLE src_all PARTITION OF src FOR VALUES FROM (MINVALUE) TO (MAXVALUE)")
        postgresql.execute("INSERT INTO src SELECT * FROM t ORDER BY ctid")
    got = _train(postgresql, "src", "m", "gaussian", 0.5, 0.1, True, "g", None, 3, 1e-12)
    for row in got[:10]:
        coef, b, _, _ = madlib_igd(X[g == row[4]], y[g == row[4]], True, 0.5, [0.1], True, 3, 1e-12)
        np.testing.assert_allclose(row[0], coef, rtol=1e-10, atol=1e-12)
    alive()


# ---------------------------------------------------------------- skipped rows decay the step (skip_row)

NULL_ROWS = ("(NULL::float8[], 1::float8)", "('{1,2}'::float8[], NULL::float8)", "('{1,NULL}'::float8[], 2::float8)")


def _values(rows) -> str:
    """``rows`` as a VALUES list in order: ``None`` is the next of the three kinds of NULL row."""
    out, j = [], 0
    for r in rows:
        if r is None:
            out.append(NULL_ROWS[j % 3])
            j += 1
        else:
            out.append(f"({_arr(r[0])}, {r[1]!r}::float8)")
    return ", ".join(f"({i}, {v[1:-1]})" for i, v in enumerate(out))


def _igd_agg(rows, decay, step=0.5, prev="NULL", fam=0, mean="'{0.3,0.1,-0.2}'::float8[]") -> str:
    return (f"SELECT indb_ml._enet_igd(x, y, {prev}, 0.2, 0.3, {step}, 50, {mean}, NULL, {decay}, {fam} ORDER BY i) "
            f"FROM (VALUES {_values(rows)}) v(i, x, y)")


def _decayed(step: float, decay: float, times: int) -> float:
    """The step size after ``times`` divisions by exp(decay) from start_state's step * exp(decay)."""
    s = step * math.exp(decay)
    for _ in range(times):
        s /= math.exp(decay)
    return s


@pytest.mark.parametrize("fam", [0, 1])
def test_skipped_rows_decay_the_step(postgresql, alive, fam):
    """NULL rows of each kind (NULL array, NULL y, NULL element) between complete rows divide the step
    once each; the NULL rows before the first complete row leave no state (MADlib sets it up again),
    so they neither decay nor count. Against the replay, and the step slot to the last bit."""
    rng = np.random.default_rng(21)
    full = [(list(rng.normal(size=2)), float(rng.random() < 0.5) if fam else float(rng.normal())) for _ in range(4)]
    rows = [None, None, full[0], None, None, None, full[1], None, full[2], full[3], None, None]
    code, raw = _call(postgresql, _igd_agg(rows, 0.3, fam=fam))
    assert code == "ok"
    st = _parse(raw)
    assert (st.n, st.skipped, st.width) == (4, 6, 2)
    assert st.data[0] == _decayed(0.5, 0.3, 10)  # 4 taken rows and 6 skipped ones after the first
    oracle = [(None, None) if r is None else r for r in rows]
    coef, theta, b0, ll = _oracle(oracle, not fam, 0.2, 0.3, 0.5, 50, [0.3, 0.1, -0.2], decay=0.3)
    got = _pieces(st)
    np.testing.assert_allclose(got[0], coef, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(got[1], theta, rtol=1e-12, atol=1e-300)
    assert got[2] == pytest.approx(b0, rel=1e-12, abs=1e-15) and got[3] == pytest.approx(ll, rel=1e-12)
    # the replay has teeth: without the decay on skipped rows the coefficients differ
    other = _oracle([r for r in rows if r is not None], not fam, 0.2, 0.3, 0.5, 50, [0.3, 0.1, -0.2], decay=0.3)
    assert np.max(np.abs(np.asarray(got[0]) - other[0])) > 1e-9
    alive()


def test_null_rows_before_the_first_row(postgresql, alive):
    """Leading NULL rows (first pass and later passes, with prev): the state is the one of the
    complete rows alone, bit for bit; a group of only NULL rows stays NULL whatever the decay."""
    rows = [(list(v), y) for v, y in (((1.0, 2.0), 1.5), ((0.5, -1.0), -0.5))]
    prev = "'{0.25,0.2,-3,0.1,0.01,-0.02,0.3,-0.4}'::float8[]"
    for kw in (dict(), dict(prev=prev)):
        want = _call(postgresql, _igd_agg(rows, 0.7, **kw))[1]
        got = _call(postgresql, _igd_agg([None] * 5 + rows, 0.7, **kw))[1]
        assert bytes(got) == bytes(want) and _parse(got).skipped == 0
    assert _call(postgresql, _igd_agg([None] * 6, 0.7))[1] is None
    assert _call(postgresql, _igd_agg([None] * 6, 0.7, prev=prev))[1] is None
    alive()


@pytest.mark.parametrize("nulls", [100, 700, 735, 740, 746, 2000])
def test_many_null_rows_underflow_the_step(postgresql, alive, nulls):
    """Step decay 1 over many NULL rows takes the step through the denormals to 0: the state stays
    finite and of its exact length, the step slot is the replay's, a complete row after a step of 0
    moves nothing (theta and coef as after the first row) and adds its loss."""
    rows = [([1.0, 2.0], 1.5)] + [None] * nulls + [([0.5, -1.0], -0.5)]
    code, raw = _call(postgresql, _igd_agg(rows, 1.0, step=0.01))
    assert code == "ok" and len(raw) == HEADER.size + 8 * (11 + 12)
    st = _parse(raw)
    assert (st.n, st.skipped) == (2, nulls) and np.isfinite(st.data).all()
    assert st.data[0] == _decayed(0.01, 1.0, nulls + 2)
    oracle = [(None, None) if r is None else r for r in rows]
    coef, theta, b0, ll = _oracle(oracle, True, 0.2, 0.3, 0.01, 50, [0.3, 0.1, -0.2], decay=1.0)
    got = _pieces(st)
    np.testing.assert_allclose(got[0], coef, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(got[1], theta, rtol=1e-12, atol=1e-300)
    assert got[3] == pytest.approx(ll, rel=1e-12)
    if nulls >= 746:  # the step is 0: the second row moved nothing
        assert st.data[0] == 0.0
        first = _pieces(_parse(_call(postgresql, _igd_agg(rows[:1], 1.0, step=0.01))[1]))
        assert np.array_equal(got[0], first[0]) and np.array_equal(got[1], first[1])
    alive()


@pytest.mark.parametrize("family", ["gaussian", "binomial"])
def test_train_after_the_step_underflowed(postgresql, alive, family):
    """elastic_net_train whose step reaches 0 within a pass (step_decay = 300: the fourth division,
    skipped rows included): the later passes start from a step of 0 and move nothing, as MADlib's
    (its transition takes the previous pass's step as it is); same fit as MADlib's replay."""
    gaussian = family == "gaussian"
    back = load_rows(postgresql, _rows(7, 120, gaussian, [(7, 11, 13)]), gaussian)
    rows = [(y, x) for _, y, x in back]
    params = "stepsize = 0.5, step_decay = 300"
    coef, b, it, ll, _ = madlib_igd_rows(rows, gaussian, 0.5, 0.05, True, 6, 1e-12, stepsize=0.5, step_decay=300)
    ((_, got_coef, got_b, got_it, got_ll),) = train_rows(postgresql, family, 0.5, 0.05, True, None, params, 6, 1e-12)
    assert got_it == it
    np.testing.assert_allclose(got_coef, coef, rtol=1e-10, atol=1e-12)
    assert got_b == pytest.approx(b, rel=1e-10, abs=1e-12) and got_ll == pytest.approx(ll, rel=1e-10)
    alive()


@pytest.mark.parametrize("decay", [math.nan, math.inf, -math.inf, -1.0, -1e-300, -DENORM])
def test_forged_decay_is_refused(postgresql, alive, decay):
    """A state whose step_decay start_state could not have written (non-finite or negative: it checks
    step_decay >= 0 and finite) is refused (XX001) on a NULL row as on a complete one."""
    raw = _forge(2, param=0, n=3, decay=decay)
    for kw in (dict(x="NULL"), dict(y="NULL"), dict(x="'{1,NULL}'::float8[]"), dict()):
        assert _code(postgresql, _q(state="%s::bytea", **kw), (raw,)) == "XX001", (decay, kw)
    alive()


@pytest.mark.parametrize("decay, step", [(-0.0, 0.01), (0.0, 0.01), (1e308, 0.01), (800.0, 0.01), (0.5, math.nan),
                                         (0.5, math.inf), (0.5, -math.inf), (0.5, 0.0), (0.5, -1.0), (0.5, DENORM),
                                         (1e308, math.inf)])
def test_forged_step_on_null_rows(postgresql, alive, decay, step):
    """A finite decay >= 0 is the state's own (-0 too; exp(1e308) = Infinity turns the step to 0);
    any step size, even one no pass writes, is only divided: NULL rows give a state of exact length
    whose step is step / exp(decay) each time (IEEE: Infinity / Infinity is NaN), the counts move,
    and a complete row after them gives a state or a clean error."""
    raw = _forge(2, param=0, n=3, skipped=1, step=step, decay=decay)
    fresh, want = _parse(raw).data.tolist(), step
    for i, kw in enumerate((dict(x="NULL"), dict(y="NULL"), dict(x="'{1,NULL}'::float8[]"))):
        code, raw = _call(postgresql, _q(state="%s::bytea", **kw), (raw,))
        assert code == "ok" and len(raw) == HEADER.size + 8 * (11 + 12)
        st = _parse(raw)
        with np.errstate(over="ignore", invalid="ignore"):
            want = want / np.exp(decay)
        assert (st.n, st.skipped) == (3, 2 + i)
        assert st.data[0] == want or (math.isnan(want) and math.isnan(st.data[0]))
        assert st.data[9] == decay and st.data[1:9].tolist() == fresh[1:9]
    code, raw = _call(postgresql, _q(state="%s::bytea"), (raw,))
    assert code == "ok" and _parse(raw).n == 4
    alive()


def test_null_rows_on_a_stored_state_leave_it(postgresql, alive):
    """The NULL-row path writes the step too: a stored state handed to it directly is copied first
    (the stored value keeps its step and count); in an aggregate over a forged INITCOND every group
    decays its own copy (groups of the same rows end equal, with the replay's step)."""
    conn = postgresql
    conn.execute("CREATE TABLE st AS SELECT %s::bytea AS s", (_forge(2, decay=0.5),))
    before = bytes(conn.execute("SELECT s FROM st").fetchone()[0])
    for _ in range(3):
        got = _parse(conn.execute(_q(state="s", x="NULL") + " FROM st").fetchone()[0])
        assert (got.skipped, got.data[0]) == (1, 0.01 / math.exp(0.5))
        got = _parse(conn.execute(_q(state="(SELECT s FROM st)", y="NULL")).fetchone()[0])
        assert got.skipped == 1
    assert bytes(conn.execute("SELECT s FROM st").fetchone()[0]) == before
    init = "\\x" + _forge(2, n=0, decay=0.5).hex()
    conn.execute(f"CREATE AGGREGATE my_igd(float8[], float8, float8[], float8, float8, float8, int8, float8[], "
                 f"float8[], float8, integer) (SFUNC = indb_ml._enet_igd_step, STYPE = bytea, "
                 f"INITCOND = '{init}')")
    rows = conn.execute("SELECT g, my_igd(CASE WHEN i % 3 = 0 THEN NULL ELSE ARRAY[i, 1] END::float8[], i::float8, "
                        "NULL, 0.1, 0.5, 0.01, 10, '{0,0,0}', NULL, 0, 0 ORDER BY i) "
                        "FROM generate_series(1, 9) i, generate_series(1, 40) g GROUP BY g").fetchall()
    assert len(rows) == 40 and len({bytes(r[1]) for r in rows}) == 1
    st = _parse(rows[0][1])
    assert (st.n, st.skipped) == (6, 3)
    s = 0.01
    for _ in range(9):
        s /= math.exp(0.5)
    assert st.data[0] == s
    alive()
