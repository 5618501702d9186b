"""Fuzzing the C module (src/): hostile states and arguments are errors, never crashes.

Every C function of the extension is found in ``pg_proc`` (so functions added later are
fuzzed too) and called thousands of times from a PL/pgSQL loop, one subtransaction per
call: random ``bytea`` states, valid states cut short or with a corrupted header field
(magic, version, kind, width, n, skipped, reserved; with and without a length that matches
the forged width), arrays with NULL elements, 2-D, empty, non-1 lower bounds, huge, NaN
and Infinity, mismatched lengths, NULL arguments. Each call must return or raise a clean
error: any SQLSTATE but XX000 (internal error; XX001 data_corrupted is the documented
error for a foreign state) and no lost connection, and the postmaster must not restart.
The aggregates built on C transition functions run over random groups the same way, also
with forged initial states. Every state a C function returns must be well formed.

Also here: linregr and gram with parallel workers equal serial, moving window frames
equal numpy, and one aggregate over millions of rows runs in constant backend memory.
"""

from __future__ import annotations

import math
import struct
import threading
import time
from pathlib import Path

import numpy as np
import psycopg
import pytest
from psycopg import sql

from indb_ml.kernels import cstate

SEED = 20240612
CALLS_PER_FUNCTION = 400  # per round
ROUNDS = 3
HEADER = cstate.HEADER  # the state as SQL clients see it: no varlena length word
INT32 = (-(2**31), -1, 0, 1, 2**31 - 1)
INT64 = (-(2**63), -1, 0, 1, 2**62, 2**63 - 2, 2**63 - 1)
LINKS = ("identity", "log", "inverse", "sqr_inverse", "sqrt", "logit", "probit")
# The C functions this file is known to cover; new ones are fuzzed as found in pg_proc.
KNOWN = {"_linregr_transition", "_xty_transition", "_gram_transition", "_comoment_combine", "_gram_final",
         "_xty_final", "_model_dot", "linregr_predict", "logregr_predict", "logregr_predict_prob", "glm_predict"}
CLEAN_XX = {"XX001"}  # data_corrupted: a forged or foreign state
CLEAN_KINDS = {"valid", "normal", "link", "small", "bool"}  # the input classes of a call that should work


def _clean(code: str) -> bool:
    return code == "00000" or not code.startswith("XX") or code in CLEAN_XX


# -- inputs -----------------------------------------------------------------------------------

def _f(v: float) -> str:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return repr(float(v))


def _lit(values) -> str:
    """A float8[] literal of a (possibly nested) list; None is NULL."""
    if isinstance(values, list):
        return "{" + ",".join(_lit(v) for v in values) + "}"
    return "NULL" if values is None else _f(values)


HUGE = object()  # a 1M-element array, filled in on the server
TOO_WIDE = ["{" + ",".join(["1"] * n) + "}" for n in (10001, 20000)]


class Gen:
    """Random arguments by type; each value comes with the name of its input class."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.pool: dict[int, dict[int, list[bytes]]] = {}  # states the C functions returned, by kind and width
        self.kinds: set[int] = set()  # the kinds the function being fuzzed returns or accepts
        self.learned: dict[str, set[int]] = {}  # those kinds, by function
        self.wide: list[bytes] = []  # a few states of width 300

    def add(self, state: bytes) -> None:
        same = self.pool.setdefault(_kind(state), {}).setdefault(_width(state), [])
        if len(same) < 50:
            same.append(state)
        else:
            same[int(self.rng.integers(len(same)))] = state

    def pick(self, choices):
        return choices[int(self.rng.integers(len(choices)))]

    def float8(self):
        r = self.rng.random()
        if r < 0.6:
            return "normal", float(self.rng.normal() * 10)
        if r < 0.65:
            return "null", None
        return "special", self.pick([0.0, -0.0, math.nan, math.inf, -math.inf, 1e308, -1e308, 5e-324, 1e-300])

    def array(self, length: int):
        rng, r = self.rng, self.rng.random()
        vals = rng.normal(size=length).tolist()
        if r < 0.45:
            return "valid", _lit(vals)
        if r < 0.50:
            return "null", None
        if r < 0.55:
            return "empty", "{}"
        if r < 0.60:
            other = max(0, length + int(self.pick([-3, -2, -1, 1, 2, 3])))
            return "len_mismatch", _lit(rng.normal(size=other).tolist())
        if r < 0.66:
            for i in rng.choice(length, size=int(rng.integers(1, length + 1)), replace=False):
                vals[i] = None
            return "null_elem", _lit(vals)
        if r < 0.72:
            for i in rng.choice(length, size=int(rng.integers(1, length + 1)), replace=False):
                vals[i] = self.pick([math.nan, math.inf, -math.inf, 1e308])
            return "nan_inf", _lit(vals)
        if r < 0.77:
            rows = int(rng.integers(1, 4))
            return "2d", _lit(rng.normal(size=(rows, length)).tolist())
        if r < 0.79:
            return "3d", _lit(rng.normal(size=(2, 1, length)).tolist())
        if r < 0.83:
            lo = int(rng.integers(-5, 3))
            return "lbound", f"[{lo}:{lo + length - 1}]=" + _lit(vals)
        if r < 0.88:  # wider than the C functions' stack buffers
            return "long", "{" + ",".join(map(repr, rng.normal(size=int(self.pick([257, 300, 1000]))).tolist())) + "}"
        if r < 0.90:  # (10000 itself is allowed: a 400 MB state, too slow to fuzz)
            return "too_wide", TOO_WIDE[int(rng.integers(2))]
        if r < 0.901:
            return "huge", HUGE
        return "valid", _lit(vals)

    def int_array(self, length: int):
        rng, r = self.rng, self.rng.random()
        vals = rng.integers(-1, 4, size=length).tolist()
        if r < 0.5:
            return "valid", "{" + ",".join(map(str, vals)) + "}"
        if r < 0.55:
            return "null", None
        if r < 0.60:
            return "empty", "{}"
        if r < 0.70:
            vals[int(rng.integers(length))] = None
            return "null_elem", "{" + ",".join("NULL" if v is None else str(v) for v in vals) + "}"
        if r < 0.80:
            return "2d", "{{" + ",".join(map(str, vals)) + "},{" + ",".join(map(str, vals)) + "}}"
        if r < 0.90:
            other = rng.integers(-(2**31), 2**31, size=int(rng.integers(0, 3 * length + 2)))
            return "len_mismatch", "{" + ",".join(map(str, other.tolist())) + "}"
        vals[int(rng.integers(length))] = int(self.pick(INT32))
        return "extreme", "{" + ",".join(map(str, vals)) + "}"

    def text(self):
        r = self.rng.random()
        if r < 0.6:
            name = self.pick(LINKS)
            return "link", name.upper() if self.rng.random() < 0.2 else name
        if r < 0.65:
            return "null", None
        return "junk", self.pick(["", "bogus", "%s%n%s%n", "x" * 10000, "logit ", "ΣΣΣ", "identity\\"])

    def integer(self, wide: bool):
        if self.rng.random() < 0.3:
            return "extreme", int(self.pick(INT64 if wide else INT32))
        if self.rng.random() < 0.05:
            return "null", None
        return "small", int(self.rng.integers(-2, 8))

    def state(self, length: int):
        """A hostile or valid state, grown from a state a C function returned."""
        rng = self.rng
        own = [k for k in self.kinds if k in self.pool]
        kind = self.pick(own) if own and rng.random() < 0.8 else self.pick(list(self.pool))  # mostly its own kind
        by_width = self.pool[kind]
        fits = [w for w in (length, length + 1) if w in by_width]
        states = by_width[self.pick(fits) if fits and rng.random() < 0.8 else self.pick(list(by_width))]
        if self.wide and length > 8:  # wider than the C functions' stack buffers
            states = [s for s in self.wide if _width(s) in (length, length + 1)] or self.wide
        base = bytearray(self.pick(states))
        r = rng.random()
        if r < 0.25:
            return "valid", bytes(base)
        if r < 0.30:
            return "null", None
        if r < 0.35:
            return "random", rng.bytes(int(rng.integers(0, 200)))
        if r < 0.40:
            return "truncated", bytes(base[: int(rng.integers(0, len(base)))])
        if r < 0.43:
            return "extended", bytes(base) + rng.bytes(int(rng.integers(1, 17)))
        if r < 0.46:
            fields = list(HEADER.unpack_from(base, 0))
            return "random_body", HEADER.pack(*fields) + rng.bytes(int(rng.integers(0, 200)))
        if r < 0.56 and len(base) > HEADER.size:
            # a slot forged with an integer or a non-number: counters kept in the slots (such as a
            # co-moment state's number of buffered rows) are read back as sizes
            slot = (len(base) - HEADER.size) // 8
            i = int(rng.integers(slot))
            if _kind(base) == cstate.COMOMENT and rng.random() < 0.6:
                w = _width(base)
                i = w + w * (w + 1) // 2  # the number of buffered rows
            value = self.pick([-1.0, 0.0, 1.0, 7.0, 8.0, 8.0, 9.0, 16.0, 64.0, 2.0**31, -(2.0**31), 0.5,
                               math.nan, math.inf, 1e300])
            struct.pack_into("<d", base, HEADER.size + 8 * i, value)
            return "slot", bytes(base)
        # one header field forged: (name, offset, struct format, candidate values)
        field = self.pick([
            ("magic", 0, "<I", [0, 0x534C4D48, 0xFFFFFFFF]),
            ("version", 4, "<H", [0, 2, 0xFFFF]),
            ("kind", 6, "<H", [0, 2, 3, 4, 15, 16, 0xFFFF]),
            ("width", 8, "<i", [*INT32, 2, 3, 10000, 10001, _width(base) + 1, _width(base) - 1]),
            ("param", 12, "<i", list(INT32)),
            ("reserved", 16, "<i", [1, -1]),
            ("n", 20, "<q", list(INT64)),
            ("skipped", 28, "<q", list(INT64)),
        ])
        name, offset, fmt, values = field
        value = int(self.pick(values))
        if name == "width" and rng.random() < 0.5 and 0 <= value <= 1000:
            # a forged width with the length to match: passes the header checks
            slots = _slots(_kind(base), value)
            body = rng.normal(size=slots) if rng.random() < 0.5 else np.full(slots, self.pick([0.0, math.nan, 1e300]))
            out = bytearray(base[: HEADER.size]) + bytearray(body.astype("<f8").tobytes())
            struct.pack_into("<i", out, 8, value)
            return "width_len", bytes(out)
        if len(base) >= offset + struct.calcsize(fmt):
            struct.pack_into(fmt, base, offset, value & ((1 << 8 * struct.calcsize(fmt)) - 1)
                             if fmt[1].isupper() else value)
        if rng.random() < 0.2 and len(base) > HEADER.size:  # and garbage in the slots
            i = int(rng.integers(HEADER.size, len(base)))
            base[i] ^= 1 << int(rng.integers(8))
        return name, bytes(base)

    def arg(self, typ: str, length: int, clean: bool = False):
        kind, value = self.any_arg(typ, length)
        while clean and kind not in CLEAN_KINDS and not (typ == "bytea" and kind == "null"):
            kind, value = self.any_arg(typ, length)
        return kind, value

    def any_arg(self, typ: str, length: int):
        if typ == "bytea":
            return self.state(length)
        if typ == "double precision":
            return self.float8()
        if typ == "double precision[]":
            return self.array(length)
        if typ == "text":
            return self.text()
        if typ in ("integer", "smallint", "bigint"):
            kind, v = self.integer(typ == "bigint")
            if typ == "smallint":
                v = max(-32768, min(32767, v))
            return kind, v
        if typ == "integer[]":
            return self.int_array(length)
        if typ == "boolean":
            return "bool", self.pick([True, False, None])
        raise AssertionError(f"test_c_fuzz has no generator for arguments of type {typ}: add one")


def _width(state: bytes) -> int:
    return struct.unpack_from("<i", state, 8)[0] if len(state) >= 12 else -1


def _kind(state: bytes) -> int:
    return struct.unpack_from("<H", state, 6)[0] if len(state) >= 8 else -1


def _slots(kind: int, width: int) -> int:
    try:
        return cstate.slots(kind, width)
    except KeyError:  # a kind this file's copy of the layout does not know
        return 0


def _check_state(raw: bytes, fname: str) -> None:
    """A state a C function returned: the header and length the C module itself checks."""
    assert len(raw) >= HEADER.size, fname
    magic, version, kind, width, _param, reserved, n, skipped = HEADER.unpack_from(raw, 0)
    assert (magic, version, reserved) == (cstate.MAGIC, cstate.VERSION, 0), (fname, raw[:36].hex())
    assert 0 < kind < 16 and 0 <= width <= 10000 and n >= 0 and skipped >= 0, (fname, raw[:36].hex())
    if _slots(kind, width):
        assert len(raw) == HEADER.size + 8 * _slots(kind, width), (fname, width, len(raw))


# -- running calls on the server ----------------------------------------------------------------

def _c_functions(conn) -> list[tuple[str, list[str], str, bool]]:
    """(name, argument types, result type, returns a set) of every C function in schema indb_ml."""
    rows = conn.execute(
        "SELECT p.proname, coalesce(array_agg(format_type(t.typ, NULL) ORDER BY t.ord) "
        "  FILTER (WHERE t.typ IS NOT NULL), '{}'), format_type(p.prorettype, NULL), p.proretset "
        "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "JOIN pg_language l ON l.oid = p.prolang "
        "LEFT JOIN LATERAL unnest(p.proargtypes::oid[]) WITH ORDINALITY AS t(typ, ord) ON true "
        "WHERE n.nspname = 'indb_ml' AND l.lanname = 'c' AND p.prokind = 'f' "
        "GROUP BY p.oid, p.proname, p.prorettype, p.proretset ORDER BY p.proname").fetchall()
    # internal arguments cannot come from SQL; a function without arguments has no input to fuzz;
    # the VARIADIC "any" column forms have their own misuse tests (test_column_aggregates.py)
    return [(name, list(args), ret, retset) for name, args, ret, retset in rows
            if "internal" not in args and args and '"any"' not in args]


def _runner(conn, table: str, call: str, ret: str) -> str:
    """A PL/pgSQL function that makes one call per row of table, each in its own subtransaction."""
    shown = "cardinality(res)::text" if ret.endswith("[]") else "res::text"
    keep = "outb := res;" if ret == "bytea" else f"outs := left({shown}, 200);"
    if ret == "void":  # a procedure-like function: call it, keep nothing
        ret, keep, call = "int", "", "0; PERFORM " + call
    conn.execute(sql.SQL("""
        CREATE FUNCTION {fn}() RETURNS TABLE(rid int, code text, msg text, outb bytea, outs text)
        LANGUAGE plpgsql AS $f$
        DECLARE r record; res {ret};
        BEGIN
          FOR r IN SELECT * FROM {tab} ORDER BY id LOOP
            rid := r.id; code := '00000'; msg := NULL; outb := NULL; outs := NULL;
            BEGIN
              res := {call};
              {keep}
            EXCEPTION WHEN OTHERS THEN
              code := SQLSTATE; msg := SQLERRM;
            END;
            RETURN NEXT;
          END LOOP;
        END $f$""").format(fn=sql.Identifier("run_" + table), ret=sql.SQL(ret), tab=sql.Identifier(table),
                           call=sql.SQL(call), keep=sql.SQL(keep)))
    return "run_" + table


def _load(conn, table: str, types: list[str], rows: list[list]) -> None:
    cols = [f"a{i}" for i in range(len(types))]
    conn.execute(sql.SQL("CREATE TABLE {} (id int, {})").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.SQL(f"{c} {t}") for c, t in zip(cols, types))))
    huge: dict[str, list[int]] = {}
    with conn.cursor().copy(sql.SQL("COPY {} FROM STDIN").format(sql.Identifier(table))) as copy:
        for rid, row in enumerate(rows):
            for c, v in zip(cols, row):
                if v is HUGE:
                    huge.setdefault(c, []).append(rid)
            copy.write_row([rid, *(None if v is HUGE else v for v in row)])
    for c, ids in huge.items():
        conn.execute(sql.SQL("UPDATE {} SET {} = array_fill(1.5::float8, ARRAY[1000000]) WHERE id = ANY(%s)").format(
            sql.Identifier(table), sql.Identifier(c)), [ids])


def _run_calls(conn, gen: Gen, name: str, types: list[str], ret: str, table: str, n: int, stats: dict,
               retset: bool = False):
    """n fuzzed calls of one function; returns (calls, failures with an unclean SQLSTATE)."""
    gen.kinds = gen.learned.setdefault(name, set())
    rows, labels = [], []
    for _ in range(n):
        length = 300 if gen.rng.random() < 0.03 else int(gen.pick([1, 1, 2, 3, 4, 5, 6, 8]))
        clean = gen.rng.random() < 0.3  # every argument valid at once: the paths past the checks
        args = [gen.arg(t, length, clean) for t in types]
        labels.append([k for k, _ in args])
        rows.append([v for _, v in args])
    _load(conn, table, types, rows)
    call = f"indb_ml.{name}(" + ", ".join(f"r.a{i}" for i in range(len(types))) + ")"
    if retset:  # a set (deconstruct_2d_array's SETOF record, read with a column list): count its rows
        call, ret = f"(SELECT count(*) FROM {call} AS k(id int, a float8, b float8))", "bigint"
    results = conn.execute(sql.SQL("SELECT * FROM {}()").format(
        sql.Identifier(_runner(conn, table, call, ret)))).fetchall()
    assert len(results) == n
    bad = []
    for rid, code, msg, outb, _outs in results:
        for pos, label in enumerate(labels[rid]):
            key = (name, f"a{pos}:{label}")
            ok, err = stats.get(key, (0, 0))
            stats[key] = (ok + (code == "00000"), err + (code != "00000"))
        if not _clean(code):
            bad.append((name, labels[rid], code, msg))
        if code == "00000":  # the kinds of state this function takes
            gen.kinds.update(_kind(v) for t, v in zip(types, rows[rid]) if t == "bytea" and v is not None)
        if outb is not None:
            _check_state(bytes(outb), name)
            gen.kinds.add(_kind(bytes(outb)))
            if len(outb) < 100_000:
                gen.add(bytes(outb))
    return bad


def _seed_pool(conn, gen: Gen) -> None:
    """Valid states of widths 1 to 8 (and 300), from real rows, as the fuzzed states' parents."""
    for w in (1, 2, 3, 4, 5, 6, 8, 300):
        x = f"ARRAY(SELECT random() FROM generate_series(1, {w}))::float8[]"
        for query in (f"SELECT indb_ml._linregr_transition(NULL, 1.5, {x})",
                      f"SELECT indb_ml._gram_transition(NULL, {x})",
                      f"SELECT indb_ml._linregr_state(random(), {x}) FROM generate_series(1, 5)",
                      f"SELECT indb_ml._linregr_state(random(), {x}) FROM generate_series(1, 20)",
                      f"SELECT indb_ml._linregr_transition(NULL, NULL, {x})"):
            state = bytes(conn.execute(query).fetchone()[0])
            if w > 8:
                gen.wide.append(state)
            else:
                gen.add(state)




# -- the tests ----------------------------------------------------------------------------------------

def test_fuzz_every_c_function(postgresql, alive):
    conn = postgresql
    conn.execute("SET statement_timeout = '120s'")
    functions = _c_functions(conn)
    names = {f[0] for f in functions}
    assert KNOWN <= names, KNOWN - names
    gen = Gen(np.random.default_rng(SEED))
    _seed_pool(conn, gen)
    stats: dict = {}
    bad = []
    calls = 0
    for rnd in range(ROUNDS):  # later rounds feed on the states the earlier ones returned
        for i, (name, types, ret, retset) in enumerate(functions):
            bad += _run_calls(conn, gen, name, types, ret, f"fz{rnd}_{i}", CALLS_PER_FUNCTION, stats, retset)
            calls += CALLS_PER_FUNCTION
        conn.commit()
        alive()
    assert not bad, bad[:20]
    # Every input class reached every function, and each function failed; those this file knows
    # also succeeded (others may need inputs that random ones rarely satisfy, such as a design).
    for name, types, _, _ in functions:
        per = {k[1]: v for k, v in stats.items() if k[0] == name}
        assert sum(err for _, err in per.values()) > 0, name
        assert name not in KNOWN or sum(ok for ok, _ in per.values()) > 0, name
        if "bytea" in types:
            assert {"a0:valid", "a0:random", "a0:truncated", "a0:width_len", "a0:n", "a0:kind",
                    "a0:slot"} <= set(per), name
    _report(stats, calls)
    alive()


def _report(stats: dict, calls: int) -> None:
    by_fn: dict[str, tuple[int, int]] = {}
    for (name, label), (ok, err) in stats.items():
        if label.startswith("a0:"):
            o, e = by_fn.get(name, (0, 0))
            by_fn[name] = (o + ok, e + err)
    print(f"\nC fuzz: {calls} calls, {len(stats)} function x argument-class cells")
    for name, (ok, err) in sorted(by_fn.items()):
        print(f"  {name}: {ok} returned, {err} clean errors")


def test_fuzz_matrix_memory_setting(postgresql, alive):
    """indb_ml.matrix_memory_mb of any spelling: a state or a clean error, never an overflow."""
    conn = postgresql
    for value in ("0", "-1", "1", "abc", "1e9", "", "9223372036854775807", "99999999999999999999", "8796093022208"):
        conn.execute("SELECT set_config('indb_ml.matrix_memory_mb', %s, false)", [value])
        with conn.transaction():
            got = conn.execute("SELECT indb_ml.gram(ARRAY[x, 1]) FROM generate_series(1, 3) x").fetchone()[0]
        assert got == [[14, 6], [6, 3]], value
    conn.execute("SET indb_ml.matrix_memory_mb = 1")
    with pytest.raises(psycopg.errors.ProgramLimitExceeded, match="matrix_memory_mb"), conn.transaction():
        conn.execute("SELECT indb_ml.gram(array_fill(1.0::float8, ARRAY[500]))")
    # the k x k result of gram is twice its state: it is checked too
    with pytest.raises(psycopg.errors.ProgramLimitExceeded, match="k x k result"), conn.transaction():
        conn.execute("SELECT indb_ml.gram(array_fill(1.0::float8, ARRAY[400]))")
    alive()


@pytest.mark.parametrize("width", [2, 1000])
def test_forged_row_buffer_count(postgresql, alive, width):
    """A co-moment state keeps the number of rows it buffers in a float8 slot: any value but
    0 to COMOMENT_BLOCK - 1 is a forged state (a full buffer is folded at once), and the next
    row must not be written past the state's end (it was, for a count of COMOMENT_BLOCK)."""
    conn = postgresql
    x = f"array_fill(0.5::float8, ARRAY[{width}])"
    state = bytearray(conn.execute(f"SELECT indb_ml._linregr_state(1.0, {x}) FROM generate_series(1, 3)").fetchone()[0])
    w = _width(state)
    assert w == width + 1 and _kind(state) == cstate.COMOMENT
    at = HEADER.size + 8 * (w + w * (w + 1) // 2)  # mean[w], packed C, then the buffered-row count
    assert struct.unpack_from("<d", state, at)[0] == 3.0
    block = cstate.COMOMENT_BLOCK
    for count in (-1.0, 0.5, block - 1.0, float(block), block + 1.0, 2.0**31, math.nan, math.inf):
        struct.pack_into("<d", state, at, count)
        for query in (f"SELECT indb_ml._linregr_transition(%s, 2.0, {x})",
                      "SELECT indb_ml._comoment_combine(%s, %s)",
                      "SELECT indb_ml._xty_final(%s)"):
            args = [bytes(state)] * query.count("%s")
            if count in range(block):
                with conn.transaction():
                    assert conn.execute(query, args).fetchone()[0] is not None
            else:
                with pytest.raises(psycopg.errors.DataCorrupted, match="row buffer"), conn.transaction():
                    conn.execute(query, args)
    alive()


def _c_aggregates(conn) -> list[tuple[str, list[str], str, str | None]]:
    """(name, argument types, transition, combine function) of the aggregates with a C transition."""
    rows = conn.execute(
        "SELECT p.proname, (SELECT array_agg(format_type(t, NULL) ORDER BY o) "
        "  FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY u(t, o)), tf.proname, "
        "  nullif(a.aggcombinefn, 0)::regproc::text "
        "FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid JOIN pg_proc tf ON tf.oid = a.aggtransfn "
        "JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = tf.prolang "
        "WHERE n.nspname = 'indb_ml' AND l.lanname = 'c' ORDER BY 1").fetchall()
    # _pack_rows (VARIADIC "any", an internal state that never leaves its process) has its own
    # fuzz round in tests/test_pack_rows.py
    return [(name, list(args), trans, combine) for name, args, trans, combine in rows if '"any"' not in args]


def _run_groups(conn, expr: str, groups: int) -> list[tuple[str, str, str]]:
    """(SQLSTATE, message, result as text) of expr for r.g in 0..groups-1, each in a subtransaction."""
    conn.execute(sql.SQL("""
        CREATE OR REPLACE FUNCTION run_groups() RETURNS TABLE(code text, msg text, res text) LANGUAGE plpgsql AS $f$
        DECLARE r record;
        BEGIN
          FOR r IN SELECT generate_series(0, {groups} - 1) AS g LOOP
            code := '00000'; msg := NULL; res := NULL;
            BEGIN
              res := {expr}::text;
            EXCEPTION WHEN OTHERS THEN code := SQLSTATE; msg := SQLERRM;
            END;
            RETURN NEXT;
          END LOOP;
        END $f$""").format(groups=sql.Literal(groups), expr=sql.SQL(expr)))
    return conn.execute("SELECT * FROM run_groups()").fetchall()




def test_fuzz_aggregates_over_random_groups(postgresql, alive):
    """The aggregates themselves (the executor's transition value updated in place), per random
    group of rows; also from a forged INITCOND, and each combine function as the transition of
    an aggregate over hostile states."""
    conn = postgresql
    conn.execute("SET statement_timeout = '120s'")
    gen = Gen(np.random.default_rng(SEED + 1))
    _seed_pool(conn, gen)
    aggregates = _c_aggregates(conn)
    assert {"linregr", "gram", "xty"} <= {a[0] for a in aggregates}
    groups, evaluations, bad = 150, 0, []
    combine_kinds: dict[str, set[int]] = {}
    for i, (name, types, trans, combine) in enumerate(aggregates):
        rows = []
        for g in range(groups):
            length = int(gen.pick([1, 2, 3, 5]))
            clean = g % 3 == 0  # a third of the groups are clean rows only
            for _ in range(int(gen.rng.integers(0, 12))):
                args = [gen.arg(t, length, clean)[1] for t in types]
                rows.append([g, *args])
        table = f"ag_{i}"
        _load(conn, table, ["int", *types], rows)
        conn.execute(f"CREATE INDEX ON {table} (a0)")
        conn.execute(f"ANALYZE {table}")
        argl = ", ".join(f"a{j + 1}" for j in range(len(types)))
        queries = [(f"(SELECT indb_ml.{name}({argl}) FROM {table} WHERE a0 = r.g)", None)]
        # the transition function from a forged initial state (updated in place by the executor)
        gen.kinds = {cstate.COMOMENT} if trans in ("_linregr_transition", "_gram_transition") else set()
        stype = conn.execute("SELECT format_type(aggtranstype, NULL) FROM pg_aggregate "
                             "WHERE aggfnoid = %s::regprocedure",  # by signature: overloads (_ordinal_step)
                             [f"indb_ml.{name}({', '.join(types)})"]).fetchone()[0]
        if stype == "double precision[]":  # a 2-D array state (MADlib's matrix aggregates): forged arrays
            for j, init in enumerate(("{{1,2},{3,4}}", "{1,2}", "{{1,NULL},{3,4}}", "[0:1][5:6]={{1,2},{3,4}}")):
                conn.execute(sql.SQL("CREATE AGGREGATE {}({}) (SFUNC = indb_ml.{}, STYPE = float8[], INITCOND = {})")
                             .format(sql.Identifier(f"init_{i}_{j}"), sql.SQL(", ".join(types)),
                                     sql.Identifier(trans), sql.Literal(init)))
                queries.append((f"(SELECT init_{i}_{j}({argl}) FROM {table} WHERE a0 = r.g)", None))
        for j in range(4 if stype == "bytea" else 0):
            _, init = gen.state(int(gen.pick([1, 2, 3, 5])))
            if init is None:
                continue
            conn.execute(sql.SQL("CREATE AGGREGATE {}({}) (SFUNC = indb_ml.{}, STYPE = bytea, INITCOND = {})")
                         .format(sql.Identifier(f"init_{i}_{j}"), sql.SQL(", ".join(types)),
                                 sql.Identifier(trans), sql.Literal("\\x" + init.hex())))
            queries.append((f"(SELECT init_{i}_{j}({argl}) FROM {table} WHERE a0 = r.g)", init))
        for q, init in queries:
            for code, msg, res in _run_groups(conn, q, groups):
                evaluations += 1
                if not _clean(code):
                    bad.append((name, q, code, msg))
                if res is not None and res.startswith("\\x"):  # a state: well formed, and kept
                    state = bytes.fromhex(res[2:])
                    if state == init:  # a group without rows: the INITCOND itself, never checked
                        continue
                    _check_state(state, name)
                    gen.add(state)
                    if combine:
                        combine_kinds.setdefault(combine, set()).add(_kind(state))
    # each combine function as the transition of an aggregate over hostile states of its kinds
    for c, (combine, kinds) in enumerate(sorted(combine_kinds.items())):
        gen.kinds = kinds
        states = [gen.state(int(gen.pick([1, 2, 3])))[1] for _ in range(600)]
        _load(conn, f"hostile_{c}", ["int", "bytea"], [[k % 60, v] for k, v in enumerate(states)])
        conn.execute(f"CREATE AGGREGATE merge_{c}(bytea) (SFUNC = {combine}, STYPE = bytea)")
        for expr in (f"(SELECT merge_{c}(a1 ORDER BY id) FROM hostile_{c} WHERE a0 = r.g AND id % 7 <> 0)",
                     f"(SELECT merge_{c}(a1 ORDER BY id) FROM hostile_{c} WHERE a0 = r.g AND a1 IS NOT NULL)"):
            for code, msg, res in _run_groups(conn, expr, 60):
                evaluations += 1
                if not _clean(code):
                    bad.append((combine, expr, code, msg))
                if res is not None:
                    _check_state(bytes.fromhex(res[2:]), combine)
    assert not bad, bad[:20]
    print(f"\nC fuzz: {evaluations} aggregate evaluations over {len(aggregates)} aggregates "
          f"and {len(combine_kinds)} combine functions")
    alive()


# -- parallel workers, windows ------------------------------------------------------------------

def _force_parallel(conn) -> None:
    conn.execute("SET force_parallel_mode = on" if conn.info.server_version < 160000 else
                 "SET debug_parallel_query = on")
    for setting in ("parallel_setup_cost = 0", "parallel_tuple_cost = 0", "min_parallel_table_scan_size = 0",
                    "max_parallel_workers_per_gather = 2"):
        conn.execute("SET " + setting)


def _plan_value(plan: dict, key: str):
    if key in plan:
        return plan[key]
    for child in plan.get("Plans", []):
        found = _plan_value(child, key)
        if found is not None:
            return found
    return None


def test_linregr_and_gram_parallel_equal_serial(postgresql):
    conn = postgresql
    rng = np.random.default_rng(SEED + 2)
    n = 60_000
    X = rng.normal(size=(n, 3)) * [1, 100, 1e-3] + [0, 1e4, 0]
    y = X @ [2.0, -0.5, 300.0] + rng.normal(size=n)
    g = rng.integers(0, 4, size=n)
    rows = [[int(g[i]), float(y[i]), *map(float, X[i])] for i in range(n)]
    rows += [[4, None, 1.0, 2.0, 3.0]] * 50 + [[1, None, 1.0, 1.0, 1.0]] * 7  # an all-NULL group; skipped rows
    conn.execute("CREATE TABLE t (g int, y float8, x1 float8, x2 float8, x3 float8) WITH (parallel_workers = 2)")
    with conn.cursor().copy("COPY t FROM STDIN") as copy:
        for r in rows:
            copy.write_row(r)
    conn.execute("ANALYZE t")
    conn.commit()
    queries = [
        "SELECT (indb_ml.linregr(y, ARRAY[1, x1, x2, x3])).coef FROM t",
        "SELECT g, (r).coef, (r).num_rows_processed, (r).num_missing_rows_skipped "
        "FROM (SELECT g, indb_ml.linregr(y, ARRAY[1, x1, x2, x3]) r FROM t GROUP BY g) s ORDER BY g",
        "SELECT indb_ml.gram(ARRAY[x1, x2, x3]) FROM t",
        "SELECT g, indb_ml.gram(CASE WHEN y IS NOT NULL THEN ARRAY[1, x1, x2] END) FROM t GROUP BY g ORDER BY g",
        "SELECT g, indb_ml.xty(ARRAY[x1, x2], y) FROM t GROUP BY g ORDER BY g",
    ]
    serial = [conn.execute(q).fetchall() for q in queries]
    _force_parallel(conn)
    for q, expected in zip(queries, serial):
        plan = conn.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + q).fetchone()[0][0]["Plan"]
        assert "'Partial Mode': 'Partial'" in str(plan), q
        # the leader's partial state and at least one worker's: the combine function merges them
        assert _plan_value(plan, "Workers Launched") >= 1, (q, plan)
        got = conn.execute(q).fetchall()
        assert len(got) == len(expected), q
        for a, b in zip(got, expected):
            for u, v in zip(a, b):
                if u is None or isinstance(u, int):
                    assert u == v, q
                else:
                    np.testing.assert_allclose(np.array(u, dtype=float), np.array(v, dtype=float),
                                               rtol=1e-9, atol=1e-9, err_msg=q)
    # and numpy agrees (gram also sees the rows whose y is NULL)
    X_all = np.vstack([X, [[1.0, 2.0, 3.0]] * 50, [[1.0, 1.0, 1.0]] * 7])
    np.testing.assert_allclose(serial[2][0][0], X_all.T @ X_all, rtol=1e-10)
    np.testing.assert_allclose(serial[0][0][0], np.linalg.lstsq(np.column_stack([np.ones(n), X]), y, rcond=None)[0],
                               rtol=1e-8)
    assert serial[1][-1] == (4, None, None, None)  # only skipped rows: no fit


def test_gram_over_moving_window_frames(postgresql):
    """Window frames restart the aggregate and call the final step on a live state."""
    conn = postgresql
    rng = np.random.default_rng(SEED + 3)
    X = rng.normal(size=(40, 3))
    _load(conn, "w", ["double precision[]"], [[_lit(r.tolist())] for r in X])
    got = conn.execute("SELECT indb_ml.gram(a0) OVER (ORDER BY id ROWS BETWEEN 3 PRECEDING AND CURRENT ROW), "
                       "indb_ml.gram(a0) OVER (ORDER BY id) FROM w ORDER BY id").fetchall()
    for i, (moving, running) in enumerate(got):
        np.testing.assert_allclose(moving, X[max(0, i - 3):i + 1].T @ X[max(0, i - 3):i + 1], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(running, X[:i + 1].T @ X[:i + 1], rtol=1e-10, atol=1e-12)


# -- memory -----------------------------------------------------------------------------------

ROWS = 10_000_000  # about 1.2 s per aggregate on one core


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _peak_rss_during(conn, pid: int, query: str) -> tuple[int, int, float]:
    """(RSS before, peak RSS while query runs, seconds), sampling /proc every 10 ms."""
    before, peak, done = _rss_kb(pid), [0], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], _rss_kb(pid))
            time.sleep(0.01)

    thread = threading.Thread(target=sample)
    thread.start()
    t0 = time.perf_counter()
    try:
        conn.execute(query).fetchall()
    finally:
        done.set()
        thread.join()
    return before, max(peak[0], _rss_kb(pid)), time.perf_counter() - t0


def _context_bytes(conn) -> int:
    return int(conn.execute("SELECT sum(total_bytes) FROM pg_backend_memory_contexts").fetchone()[0])


@pytest.mark.parametrize("agg", [
    "indb_ml.gram(ARRAY[x, x * 2])",
    "indb_ml._linregr_state(x, ARRAY[1, x, NULLIF(x - 3 * floor(x / 3), 0)])",  # a third of the rows skipped
])
def test_transition_memory_is_constant(postgresql, agg):
    conn = postgresql
    pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not cmdline.exists() or b"postgres" not in cmdline.read_bytes():
        pytest.skip("the server is not on this machine")
    # one backend (no workers) and no JIT: loading LLVM maps ~50 MB of libraries into the backend
    conn.execute("SET max_parallel_workers_per_gather = 0")
    conn.execute("SET jit = off")
    # a target-list SRF streams: no tuplestore of the rows
    query = f"SELECT {agg} FROM (SELECT generate_series(1, %d)::float8 AS x) s"
    conn.execute(query % 1000).fetchall()  # load the module, warm the caches
    ctx0 = _context_bytes(conn)
    small = _peak_rss_during(conn, pid, query % (ROWS // 10))
    big = _peak_rss_during(conn, pid, query % ROWS)
    ctx1 = _context_bytes(conn)
    print(f"\n{agg}: RSS before/peak {small[0]}/{small[1]} kB over {ROWS // 10} rows ({small[2]:.2f} s), "
          f"{big[0]}/{big[1]} kB over {ROWS} rows ({big[2]:.2f} s); contexts {ctx0} -> {ctx1} B")
    assert big[1] - big[0] < 4 * 1024, big  # a few MB, whatever the row count
    assert big[1] - small[1] < 2 * 1024, (small, big)
    assert ctx1 - ctx0 < 1024 * 1024
