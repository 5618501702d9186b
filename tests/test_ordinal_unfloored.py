"""The C aggregate's pass without the probability floor: ``_ordinal_step(y, x, coef, K, link,
hessian, expected, prob_floor)`` with ``prob_floor`` false (src/ordinal.c), MADlib's arithmetic
at thresholds that do not increase (glm/Ordinal_impl.hpp), which ordinal's aggregate plan takes
under ``SET indb_ml.madlib_statistics = on``.

Oracles: MADlib's own formulation replayed row by row in numpy (tests/test_ordinal_madlib_first_step.py's
``madlib_pass``: ``Gᵀ V⁻¹ G`` with V built from the raw, possibly negative, probabilities) for the
gradient and the expected information, and ``Σ log π_y`` computed here for the state's
log-likelihood (NaN for a negative probability, -inf for 0); the rows-in-memory pass of the
numpy kernel without the floor (``_pass(..., floor=-inf)``) to 1e-12, the two plans' numbers.

C review: every argument checked (a NULL prob_floor 22004, prob_floor false without expected
22023, also for a NULL row and a forged state); the flag ORDINAL_UNFLOORED (2^24) is part of
param, so a state is used only by a call of exactly its kind and floored and unfloored states
never combine (22023), in a transition, a combine, a user aggregate over stored states or a
parallel aggregate; prob_floor true is the 7-argument form bit for bit; a skipped-only state
takes either kind; every call returns a state or a clean SQLSTATE and the server survives.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from indb_ml.kernels import cstate
from indb_ml.kernels.ordinal import _pass
from tests.test_c_review_ordinal import (
    _ROW_F,
    COEF,
    HEADER,
    ROW,
    _call,
    _code,
    _forge,
    _load,
    _parallel,
    _param,
    _unpack,
)
from tests.test_ordinal_madlib_first_step import madlib_pass

UNFLOORED = 1 << 24
LINKS = {0: "logit", 1: "probit"}
STEP8 = "SELECT indb_ml._ordinal_transition(%s, " + _ROW_F + ", {link}, {hessian}, {expected}, {floor})"


def _param8(ncat: int, link: int, floored: bool) -> int:
    return _param(ncat, link, True, True) + (0 if floored else UNFLOORED)


def _state(conn, coef, ncat, link, rows, tail=", true, true, false"):
    conn.execute("DROP TABLE IF EXISTS r")
    conn.execute("CREATE TABLE r (i int, y float8, x float8[])")
    for i, (y, x) in enumerate(rows):
        conn.execute("INSERT INTO r VALUES (%s, %s, %s)", [i, float(y), list(map(float, x))])
    return conn.execute("SELECT indb_ml._ordinal_step(y, x, %s, %s, %s" + tail + " ORDER BY i) FROM r",
                        [list(map(float, coef)), ncat, link]).fetchone()[0]


def _kernel(coef, ncat, rows, link):
    """The numpy memory-plan pass without the floor, thresholds first as the state."""
    nt = ncat - 1
    coef = np.asarray(coef, float)
    x = np.array([r[1] for r in rows], float)
    y = np.array([r[0] for r in rows], float)
    with np.errstate(all="ignore"):
        e = _pass(lambda: iter([(x, y)]), coef[nt:], coef[:nt], LINKS[link], True, True, -np.inf)
    k = coef.size - nt
    order = list(range(k, k + nt)) + list(range(k))
    return e.ll, np.concatenate([e.g_theta, e.g_beta]), e.information[np.ix_(order, order)]


def _log_likelihood(coef, ncat, rows, link):
    """Σ log π_y without the floor: the observed category's probability of each row."""
    nt = ncat - 1
    total = 0.0
    for y, x in rows:
        eta = np.dot(coef[nt:], x)
        cdf = special.expit if link == 0 else special.ndtr
        upper = 1.0 if y == nt else cdf(coef[y] - eta)
        lower = 0.0 if y == 0 else cdf(coef[y - 1] - eta)
        with np.errstate(invalid="ignore", divide="ignore"):
            total += np.log(upper - lower)
    return total


CASES = [
    # unordered: the middle category's probability negative in every row; rows in it: NaN
    ([1.0, -1.0, 0.5], [0.2, 0.3], [(0, [0.0, 0.0]), (1, [1.0, -1.0]), (2, [2.0, 5.0]), (3, [-1.0, 0.5])]),
    # unordered, but no row in the negative category: a finite log-likelihood
    ([1.0, -1.0, 0.5], [0.2, 0.3], [(0, [0.0, 0.0]), (2, [1.0, -1.0]), (3, [2.0, 5.0]), (0, [-1.0, 0.5])]),
    # MADlib's first step on ordinal's narrow data: (0.99, -0.04, -1.06)
    ([0.99087755, -0.04412245, -1.05578912], [0.91881955],
     [(i % 4, [v]) for i, v in enumerate(np.linspace(-2.0, 2.0, 9))]),
]


@pytest.mark.parametrize("link", [0, 1])
@pytest.mark.parametrize("theta, beta, rows", CASES)
def test_unfloored_pass_equals_madlib_and_the_memory_plan(postgresql, alive, link, theta, beta, rows):
    """Gradient and expected information against MADlib's ``Gᵀ V⁻¹ G`` (1e-9 relative), all three
    against the numpy pass without the floor (1e-12), the log-likelihood ``Σ log π_y`` (NaN with
    a row in a category of negative probability); the floored state of the same rows differs."""
    ncat, coef = len(theta) + 1, np.array(theta + beta)
    d = coef.size
    raw = _state(postgresql, coef, ncat, link, rows)
    s, ll, grad, info = _unpack(raw, d)
    assert (s.n, s.skipped, s.param) == (len(rows), 0, _param8(ncat, link, False))
    x = np.array([r[1] for r in rows], float)
    y = np.array([r[0] for r in rows])
    _, want_grad, want_info = madlib_pass(x, y, coef, ncat - 1, LINKS[link])
    np.testing.assert_allclose(grad, want_grad, rtol=1e-9, atol=1e-12 * np.abs(want_grad).max())
    np.testing.assert_allclose(info, want_info, rtol=1e-9, atol=1e-12 * np.abs(want_info).max())
    want_ll = _log_likelihood(coef, ncat, rows, link)
    assert (np.isnan(ll) and np.isnan(want_ll)) or ll == pytest.approx(want_ll, rel=1e-12)
    negative = {j for j in range(1, ncat - 1) if theta[j] < theta[j - 1]}  # F(θ_j) - F(θ_{j-1}) < 0
    assert np.isnan(ll) == any(r[0] in negative for r in rows)
    k_ll, k_grad, k_info = _kernel(coef, ncat, rows, link)
    np.testing.assert_allclose(ll, k_ll, rtol=1e-12)  # NaN where the kernel's is
    np.testing.assert_allclose(grad, k_grad, rtol=1e-12, atol=1e-14 * np.abs(k_grad).max())
    np.testing.assert_allclose(info, k_info, rtol=1e-12, atol=1e-14 * np.abs(k_info).max())
    floored = cstate.parse_state(_state(postgresql, coef, ncat, link, rows, ", true, true"), cstate.ORDINAL)
    assert floored.param == _param8(ncat, link, True)
    assert not np.allclose(floored.data[1:], s.data[1:], rtol=1e-3)
    alive()


@pytest.mark.parametrize("link", [0, 1])
def test_ordered_thresholds_same_numbers_either_way(postgresql, link):
    """Ordered thresholds, no probability near the floor: the unfloored state's slots equal the
    floored one's bit for bit; only param differs."""
    rows = [(i % 3, [np.sin(i), np.cos(i)]) for i in range(12)]
    a = cstate.parse_state(_state(postgresql, COEF[:2] + COEF[3:], 3, link, rows), cstate.ORDINAL)
    b = cstate.parse_state(_state(postgresql, COEF[:2] + COEF[3:], 3, link, rows, ", true, true"), cstate.ORDINAL)
    assert np.array_equal(a.data, b.data) and (a.param, b.param) == (_param8(3, link, False), _param8(3, link, True))


def test_prob_floor_true_is_the_seven_argument_form(postgresql):
    """prob_floor true, with every (hessian, expected) form, gives the 7-argument state byte for
    byte, at ordered and unordered thresholds (where the floor is taken)."""
    conn = postgresql
    for coef in ("'{-0.5, 0.5, 0.1, 0.2}'", "'{0.5, -0.5, 0.1, 0.2}'", "'{30, -30, 1, 1}'"):
        for h, e in ((False, False), (True, False), (True, True)):
            call = f"indb_ml._ordinal_transition(NULL, 1, '{{1, 2}}', {coef}, 3, 1, {h}, {e}"
            seven, eight = conn.execute(f"SELECT {call}), {call}, true)").fetchone()
            assert bytes(seven) == bytes(eight), (coef, h, e)


@pytest.mark.parametrize("hessian, expected, floor, code", [
    ("true", "true", "false", "ok"), ("true", "true", "true", "ok"), ("true", "false", "true", "ok"),
    ("false", "false", "true", "ok"), ("true", "false", "false", "22023"), ("false", "false", "false", "22023"),
    ("false", "true", "false", "22023"), ("true", "true", "NULL", "22004"), ("true", "NULL", "false", "22004"),
    ("NULL", "true", "false", "22004"),
])
def test_flag_arguments(postgresql, alive, hessian, expected, floor, code):
    """prob_floor false needs expected (and expected hessian); NULL flags are errors, also
    with a NULL row (which would otherwise only be counted) and with a forged state."""
    conn = postgresql
    for state, y in ((None, "1"), (None, "NULL"), (_forge(4, _param8(3, 0, False)), "1")):
        q = (f"SELECT indb_ml._ordinal_transition(%s, {y}, '{{1, 2}}', '{{-0.5, 0.5, 0.1, 0.2}}', 3, 0, "
             f"{hessian}::boolean, {expected}::boolean, {floor}::boolean)")
        got = _code(conn, q, [state])
        if code == "ok" and state is not None and floor != "false":
            assert got == "22023", q  # the forged state is an unfloored one
        else:
            assert got == code, (q, state)
    alive()


def test_floored_and_unfloored_states_never_meet(postgresql, alive):
    """A state is used only by a call of exactly its param: forged states with every flag
    combination and the unfloored bit, states made by either kind, in transitions (22023, the
    stored state unchanged), direct combines both ways and a user aggregate over stored states
    (22023); two of one kind combine to the sum; a skipped-only state takes either kind."""
    conn = postgresql
    calls = {(link, floor): STEP8.format(link=link, hessian="true", expected="true", floor=floor)
             for link in (0, 1) for floor in ("true", "false")}
    params = ([3 * 16 + f + u for f in range(16) for u in (0, UNFLOORED)]
              + [UNFLOORED, UNFLOORED + 2 * 16 + 12, UNFLOORED + 4 * 16 + 12, 3 * 16 + 12 + (1 << 23),
                 3 * 16 + 12 + (1 << 25), -(3 * 16 + 12)])
    for (link, floor), q in calls.items():
        want = _param8(3, link, floor == "true")
        for param in params:
            code, got = _call(conn, q, [_forge(4, param, n=5, skipped=2)])
            assert code == ("ok" if param == want else "22023"), (q, param, code)
            if code == "ok":
                s = cstate.parse_state(got, cstate.ORDINAL)
                assert (s.param, s.n, s.skipped) == (want, 6, 2)
    conn.execute("CREATE TABLE st (kind text, i int, s bytea)")
    for i in range(1, 4):
        for kind, floor in (("floored", "true"), ("unfloored", "false")):
            conn.execute("INSERT INTO st SELECT %s, %s, indb_ml._ordinal_transition(NULL, %s, '{1, 2}', "
                         "'{0.5, -0.5, 0.1, 0.2}', 3, 0, true, true, " + floor + ")", [kind, i, float(i % 3)])
    conn.execute("INSERT INTO st SELECT 'skip', 0, indb_ml._ordinal_transition(NULL, NULL, '{1}', '{0}', 3, 0, "
                 "true, true, false)")
    f1, u1, skip = conn.execute("SELECT (SELECT s FROM st WHERE kind = 'floored' AND i = 1), "
                                "(SELECT s FROM st WHERE kind = 'unfloored' AND i = 1), "
                                "(SELECT s FROM st WHERE kind = 'skip')").fetchone()
    assert _code(conn, calls[0, "false"], [f1]) == "22023"
    assert _code(conn, calls[0, "true"], [u1]) == "22023"
    assert _code(conn, "SELECT indb_ml._ordinal_transition(s, " + ROW + ", 0, true, true) FROM st "
                 "WHERE kind = 'unfloored' AND i = 1") == "22023"
    assert _code(conn, "SELECT indb_ml._ordinal_transition(s, " + ROW + ", 0, true, true, false) FROM st "
                 "WHERE kind = 'unfloored' AND i = 1") == "ok"
    assert bytes(conn.execute("SELECT s FROM st WHERE kind = 'unfloored' AND i = 1").fetchone()[0]) == bytes(u1)
    for a, b in ((f1, u1), (u1, f1)):
        assert _code(conn, "SELECT indb_ml._ordinal_combine(%s, %s)", [a, b]) == "22023"
    conn.execute("CREATE AGGREGATE comb(bytea) (SFUNC = indb_ml._ordinal_combine, STYPE = bytea)")
    assert _code(conn, "SELECT comb(s ORDER BY i, kind) FROM st") == "22023"
    for kind in ("floored", "unfloored"):
        raw = conn.execute("SELECT comb(s ORDER BY i) FROM st WHERE kind IN (%s, 'skip')", [kind]).fetchone()[0]
        got = cstate.parse_state(raw, cstate.ORDINAL)
        parts = [cstate.parse_state(r[0], cstate.ORDINAL)
                 for r in conn.execute("SELECT s FROM st WHERE kind = %s", [kind]).fetchall()]
        assert (got.n, got.skipped, got.param) == (3, 1, parts[0].param)
        np.testing.assert_allclose(got.data, sum(p.data for p in parts), rtol=1e-14)
    for floor in ("true", "false"):
        code, got = _call(conn, calls[1, floor], [skip])
        s = cstate.parse_state(got, cstate.ORDINAL)
        assert code == "ok" and (s.param, s.n, s.skipped) == (_param8(3, 1, floor == "true"), 1, 1)
    alive()


def test_forced_parallel_query(postgresql, alive):
    """Partial unfloored states of parallel workers merged by the combine equal the serial
    ones (1e-10) and MADlib's arithmetic; rows of both kinds in one aggregate: a clean 22023."""
    conn = postgresql
    g, x, y = _load(conn, 4, 5000)
    coef = [1.0, 0.2, -0.5, 0.3, -0.4]  # decreasing thresholds: categories 1 and 2 of negative probability
    q = "SELECT g, indb_ml._ordinal_step(y, x, %s, 4, 0, true, true, false) FROM p GROUP BY g ORDER BY g"

    def states() -> dict:
        return {gg: cstate.parse_state(raw, cstate.ORDINAL) for gg, raw in conn.execute(q, [coef]).fetchall()}

    serial = states()
    _parallel(conn)
    assert {"Gather", "Partial"} <= set(" ".join(r[0] for r in conn.execute("EXPLAIN " + q, [coef])).split())
    par = states()
    assert sorted(par) == sorted(serial) == [0, 1, 2, 3]
    assert {(p.n, p.skipped, p.param) for p in par.values()} == {(s.n, s.skipped, _param8(4, 0, False))
                                                                 for s in serial.values()}
    np.testing.assert_allclose(np.stack([par[i].data for i in range(4)]),
                               np.stack([serial[i].data for i in range(4)]), rtol=1e-10)
    keep = (g == 1) & (np.arange(len(y)) % 97 != 5)
    _, want_grad, want_info = madlib_pass(x[keep], y[keep].astype(int), np.array(coef), 3, "logit")
    ll, grad, info = par[1].data[0], par[1].data[1:6], cstate.unpack_symmetric(par[1].data[6:], 5)
    assert np.isnan(ll)  # rows in the categories of negative probability
    np.testing.assert_allclose(grad, want_grad, rtol=1e-8, atol=1e-9 * np.abs(want_grad).max())
    np.testing.assert_allclose(info, want_info, rtol=1e-8, atol=1e-9 * np.abs(want_info).max())
    mixed = "SELECT indb_ml._ordinal_step(y, x, %s, 4, 0, true, true, i >= 10000) FROM p"
    assert _code(conn, mixed, [coef]) == "22023"
    assert _code(conn, mixed.replace("i >= 10000) FROM p", "i %% 2 = 0) FROM p GROUP BY g"), [coef]) == "22023"
    assert _code(conn, mixed + " GROUP BY g", [coef]) == "ok"  # groups 0, 1 of one kind, 2, 3 of the other
    alive()


def test_wide_unordered_thresholds(postgresql, alive):
    """300 unordered thresholds and 300 features (past the 256 of the interrupt checks): every
    slot equals the numpy pass without the floor."""
    rng = np.random.default_rng(9)
    ncat, k = 301, 300
    coef = np.concatenate([rng.normal(scale=3, size=ncat - 1), rng.normal(scale=0.05, size=k)])
    rows = [(int(rng.integers(ncat)), rng.normal(size=k)) for _ in range(3)]
    _, ll, grad, info = _unpack(_state(postgresql, coef, ncat, 1, rows), ncat - 1 + k)
    k_ll, k_grad, k_info = _kernel(coef, ncat, rows, 1)
    assert np.isnan(ll) == np.isnan(k_ll)
    np.testing.assert_allclose(grad, k_grad, rtol=1e-9, atol=1e-11 * np.abs(k_grad).max())
    np.testing.assert_allclose(info, k_info, rtol=1e-9, atol=1e-11 * np.abs(k_info).max())
    alive()


def test_forged_unfloored_states_of_the_wrong_shape(postgresql, alive):
    """Forged states carrying the unfloored param: a width other than the row's is 2202E, a
    length that does not match the width, a width past the limit or a negative count is XX001
    (before any slot is read), a width-0 state with that param (nothing folded in) takes the
    row's kind either way; the combine refuses them the same way."""
    conn = postgresql
    q = STEP8.format(link=0, hessian="true", expected="true", floor="false")
    p = _param8(3, 0, False)
    for width, code in ((3, "2202E"), (5, "2202E"), (1, "2202E"), (10000, "2202E")):
        if width == 10000:  # a header claiming the limit with a length of 4: the length check
            assert _code(conn, q, [_forge(4, p)[:8] + (10000).to_bytes(4, "little") + _forge(4, p)[12:]]) == "XX001"
            continue
        assert _code(conn, q, [_forge(width, p)]) == code, width
    good = _forge(4, p)
    for cut in (good[:-8], good + b"\0" * 8, good[:30]):
        assert _code(conn, q, [cut]) == "XX001"
    assert _code(conn, q, [_forge(4, p, n=-1)]) == "XX001"
    assert _code(conn, q, [_forge(10001, p)[:64]]) == "XX001"  # width past the limit
    for floor in ("true", "false"):
        code, got = _call(conn, STEP8.format(link=0, hessian="true", expected="true", floor=floor),
                          [_forge(0, p, n=0, skipped=3)])
        s = cstate.parse_state(got, cstate.ORDINAL)
        assert code == "ok" and (s.width, s.n, s.skipped, s.param) == (4, 1, 3, _param8(3, 0, floor == "true"))
    assert _code(conn, "SELECT indb_ml._ordinal_combine(%s, %s)", [_forge(3, p), good]) == "2202E"
    assert _code(conn, "SELECT indb_ml._ordinal_combine(%s, %s)", [good[:-8], good]) == "XX001"
    alive()


@pytest.mark.parametrize("ncat, k, code", [(10001, 1, "54000"), (10002, 1, "22023"), (2**31 - 1, 1, "22023"),
                                           (10000, 1, "ok"), (9999, 3, "54000"), (9999, 2, "ok")])
def test_category_counts_at_the_limit_with_the_flag(postgresql, alive, ncat, k, code):
    """Category counts at and past the width limit with prob_floor false: a clean error (the
    width limit or the category range), or at the limit (width 10000, equal thresholds: every
    middle probability 0) a state of the full length whose param is K * 16 + 12 + 2^24, not
    an overflowed one."""
    conn = postgresql
    q = ("SELECT length(s), substring(s FROM 13 FOR 4) FROM (SELECT indb_ml._ordinal_transition(NULL, 1, "
         "array_fill(0.5::float8, ARRAY[%s]), array_fill(0.1::float8, ARRAY[%s]), %s, 0, true, true, false) "
         "AS s) t")
    got = _code(conn, q, [k, max(1, min(ncat - 1 + k, 20000)), ncat])
    assert got == code
    if code == "ok":
        length, param = conn.execute(q, [k, ncat - 1 + k, ncat]).fetchone()
        d = ncat - 1 + k
        assert length == HEADER.size + 8 * cstate.slots(cstate.ORDINAL, d)
        assert int.from_bytes(bytes(param), "little", signed=True) == ncat * 16 + 12 + UNFLOORED
    alive()


def test_many_categories_unfloored_param(postgresql, alive):
    """1500 categories, unordered thresholds: the param is K * 16 + 12 + link + 2^24 (no int32
    overflow for any K the width allows: 10001 * 16 + 15 < 2^24) and the slots equal the numpy pass."""
    rng = np.random.default_rng(3)
    ncat, k = 1500, 1
    assert 10001 * 16 + 15 + UNFLOORED < 2**31
    coef = np.concatenate([rng.normal(scale=2, size=ncat - 1), [0.3]])
    rows = [(int(rng.integers(ncat)), [rng.normal()]) for _ in range(2)]
    s, ll, grad, info = _unpack(_state(postgresql, coef, ncat, 0, rows), ncat - 1 + k)
    assert s.param == _param8(ncat, 0, False) == ncat * 16 + 12 + UNFLOORED
    k_ll, k_grad, k_info = _kernel(coef, ncat, rows, 0)
    assert np.isnan(ll) == np.isnan(k_ll)
    np.testing.assert_allclose(grad, k_grad, rtol=1e-9, atol=1e-11 * np.abs(k_grad).max())
    np.testing.assert_allclose(info, k_info, rtol=1e-9, atol=1e-11 * np.abs(k_info[np.isfinite(k_info)]).max())
    alive()


@pytest.mark.parametrize("link", [0, 1])
@pytest.mark.parametrize("coef", [
    [0.5, 0.5, 0.1, 0.2],  # equal thresholds: the middle category's probability exactly 0
    [np.nan, 0.5, 0.1, 0.2], [0.5, np.inf, 0.1, 0.2], [-np.inf, 0.5, 0.1, 0.2],
    [0.5, -0.5, np.inf, 0.2], [0.5, -0.5, 0.1, np.nan], [np.inf, -np.inf, 0.1, 0.2],
])
def test_zero_and_nonfinite_probabilities_unfloored(postgresql, alive, link, coef):
    """Without the floor a probability of 0 (equal thresholds) or a NaN/Inf coefficient gives
    NaN or +-inf slots only: a state of the right shape and counts, every category's row, and
    each slot NaN exactly where the numpy pass without the floor is NaN, finite values equal."""
    conn = postgresql
    rows = [(0, [1.0, 2.0]), (1, [1.0, 2.0]), (2, [-0.5, 0.25]), (1, [0.0, 0.0])]
    s, ll, grad, info = _unpack(_state(conn, coef, 3, link, rows), 4)
    assert (s.n, s.skipped, s.param) == (4, 0, _param8(3, link, False))
    k_ll, k_grad, k_info = _kernel(coef, 3, rows, link)
    for got, want in ((np.array([ll]), np.array([k_ll])), (grad, k_grad), (info, k_info)):
        assert np.array_equal(np.isnan(got), np.isnan(want)), (coef, got, want)
        fin = np.isfinite(want)
        assert np.array_equal(np.isfinite(got), fin), (coef, got, want)
        np.testing.assert_allclose(got[fin], want[fin], rtol=1e-12, atol=1e-14)
        np.testing.assert_array_equal(got[np.isinf(want)], want[np.isinf(want)])
    if coef[0] == coef[1]:
        assert ll == -np.inf  # log 0 for the rows in the middle category
    assert _code(conn, "SELECT indb_ml._ordinal_combine(%s, %s)", [_state(conn, coef, 3, link, rows)] * 2) == "ok"
    alive()
