"""Hostile inputs for the C functions of the category models (src/mlogit.c, src/ordinal.c):
errors with a clean SQLSTATE, never a crash, and well-formed states when they return.

Each function is called a few thousand times from a PL/pgSQL loop, one subtransaction per
call, with arguments drawn to reach both the valid path (matching lengths, small category
counts, integral categories) and every check: NULL arguments and elements, 2-D and empty
arrays, NaN and Infinity, wrong lengths, category indices out of range or fractional,
category counts from -2^31 to 2^31-1, link codes out of range, and states that are valid,
random, truncated, extended, of another kind or with one forged header field. A call may
return or raise any SQLSTATE but XX000 (XX001, data_corrupted, is the documented error for
a forged state), and the postmaster must not restart.
"""

from __future__ import annotations

import math
import struct

import numpy as np
from psycopg import sql

from indb_ml.kernels import cstate

CALLS = 3000
INT32 = (-(2**31), -1, 0, 1, 2**31 - 1, 10001, 10002)


def _lit(values) -> str | None:
    if values is None:
        return None
    if isinstance(values, list):
        return "{" + ",".join(_lit(v) if v is not None else "NULL" for v in values) + "}"
    if math.isnan(values):
        return "NaN"
    if math.isinf(values):
        return "Infinity" if values > 0 else "-Infinity"
    return repr(float(values))


class Gen:
    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)
        self.pool: list[bytes] = []

    def pick(self, seq):
        return seq[int(self.rng.integers(len(seq)))]

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def vector(self, n: int):
        """A float8[] literal of n values, mostly valid."""
        rng, r = self.rng, self.rng.random()
        vals = rng.normal(size=n).tolist()
        if r < 0.7:
            return _lit(vals)
        if r < 0.74:
            return None
        if r < 0.78:
            return "{}"
        if r < 0.83:
            vals[int(rng.integers(n))] = None
            return _lit(vals)
        if r < 0.88:
            vals[int(rng.integers(n))] = self.pick([math.nan, math.inf, -math.inf, 1e308])
            return _lit(vals)
        if r < 0.92:
            return _lit([vals, vals])
        if r < 0.95:
            lo = int(rng.integers(-3, 3))
            return f"[{lo}:{lo + n}]=" + _lit(vals + [0.5])
        return _lit(rng.normal(size=max(0, n + int(self.pick([-2, -1, 1, 2, 30])))).tolist())

    def category(self, ncat: int):
        r = self.rng.random()
        if r < 0.75:
            return float(self.rng.integers(0, max(ncat, 1)))
        if r < 0.8:
            return None
        return self.pick([-1.0, float(ncat), 0.5, math.nan, math.inf, -0.0, 1e300, -1e300])

    def ncat(self):
        return int(self.rng.integers(2, 6)) if self.chance(0.85) else int(self.pick(INT32))

    def state(self):
        """A state from the pool, valid or with damage."""
        if not self.pool or self.chance(0.3):
            return None
        base = bytearray(self.pick(self.pool))
        r = self.rng.random()
        if r < 0.5:
            return bytes(base)
        if r < 0.55:
            return self.rng.bytes(int(self.rng.integers(0, 120)))
        if r < 0.62:
            return bytes(base[: int(self.rng.integers(0, len(base)))])
        if r < 0.67:
            return bytes(base) + self.rng.bytes(8)
        name, offset, fmt, values = self.pick([
            ("magic", 0, "<I", [0, 0xFFFFFFFF]), ("version", 4, "<H", [0, 2]),
            ("kind", 6, "<H", [1, 2, 4, 5, 6, 7, 15, 16]), ("width", 8, "<i", [-1, 0, 1, 3, 10001, 2**31 - 1]),
            ("param", 12, "<i", [-1, 0, 3, 2**31 - 1, 1 << 24, (1 << 24) + 4 * 16 + 12]), ("reserved", 16, "<i", [1]),
            ("n", 20, "<q", [-1, 0, 2**63 - 1]), ("skipped", 28, "<q", [-1, 2**63 - 1]),
        ])
        if len(base) >= offset + struct.calcsize(fmt):
            struct.pack_into(fmt, base, offset, int(self.pick(values)))
        return bytes(base)


def _mlogit_row(gen: Gen):
    k = int(gen.rng.integers(1, 5))
    ncat = gen.ncat()
    d = (ncat - 1) * k if 2 <= ncat <= 6 else k
    return [gen.state(), gen.category(ncat), gen.vector(k), gen.vector(d) if gen.chance(0.95) else None, ncat
            if gen.chance(0.97) else None]


def _ordinal_row(gen: Gen):
    k = int(gen.rng.integers(1, 5))
    ncat = gen.ncat()
    d = ncat - 1 + k if 2 <= ncat <= 6 else k
    link = int(gen.rng.integers(0, 2)) if gen.chance(0.9) else int(gen.pick(INT32))
    return [gen.state(), gen.category(ncat), gen.vector(k), gen.vector(d) if gen.chance(0.95) else None, ncat,
            link if gen.chance(0.97) else None, gen.pick([True, False, True, None])]


def _ordinal_expected_row(gen: Gen):
    return _ordinal_row(gen) + [gen.pick([True, False, True, None])]


def _ordinal_unfloored_row(gen: Gen):
    """prob_floor mostly false (MADlib's pass, which needs expected): thresholds drawn at random
    are unordered half the time, so probabilities go negative or 0 without the floor."""
    return _ordinal_expected_row(gen) + [gen.pick([False, True, False, None])]


def _combine_row(gen: Gen):
    return [gen.state(), gen.state()]


def _multinom_row(gen: Gen):
    m, k = int(gen.rng.integers(1, 4)), int(gen.rng.integers(1, 4))
    coef = gen.rng.normal(size=(m, k)) * gen.pick([1.0, 1.0, 1000.0])
    c = _lit(coef.tolist()) if gen.chance(0.8) else gen.vector(k)
    return [c, gen.vector(k if gen.chance(0.8) else k + 1)]


def _ordinal_predict_row(gen: Gen):
    k = int(gen.rng.integers(1, 4))
    return [gen.vector(int(gen.rng.integers(1, 4))), gen.vector(k), gen.vector(k),
            gen.pick(["logit", "probit", "PROBIT", "cloglog", "", None])]


FUNCTIONS = [
    ("_mlogit_transition", ["bytea", "float8", "float8[]", "float8[]", "int4"], _mlogit_row),
    ("_mlogit_meat_transition", ["bytea", "float8", "float8[]", "float8[]", "int4"], _mlogit_row),
    ("_mlogit_scores_transition", ["bytea", "float8", "float8[]", "float8[]", "int4"], _mlogit_row),
    ("_mlogit_combine", ["bytea", "bytea"], _combine_row),
    ("_ordinal_transition", ["bytea", "float8", "float8[]", "float8[]", "int4", "int4", "boolean"], _ordinal_row),
    ("_ordinal_transition", ["bytea", "float8", "float8[]", "float8[]", "int4", "int4", "boolean", "boolean"],
     _ordinal_expected_row),
    ("_ordinal_transition", ["bytea", "float8", "float8[]", "float8[]", "int4", "int4", "boolean", "boolean",
                             "boolean"], _ordinal_unfloored_row),
    ("_ordinal_combine", ["bytea", "bytea"], _combine_row),
    ("multinom_predict_prob", ["float8[]", "float8[]"], _multinom_row),
    ("ordinal_predict_prob", ["float8[]", "float8[]", "float8[]", "text"], _ordinal_predict_row),
]


def _run(conn, name: str, types: list[str], rows: list[list]) -> list[tuple]:
    table = "fz_" + name.strip("_")
    cols = [f"a{i}" for i in range(len(types))]
    conn.execute(sql.SQL("CREATE TEMP TABLE {} (id int, {})").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.SQL(f"{c} {t}") for c, t in zip(cols, types))))
    with conn.cursor().copy(sql.SQL("COPY {} FROM STDIN").format(sql.Identifier(table))) as copy:
        for i, row in enumerate(rows):
            copy.write_row([i, *row])
    ret = "bytea" if types[0] == "bytea" else "float8[]"
    call = f"indb_ml.{name}(" + ", ".join(f"r.a{i}" for i in range(len(types))) + ")"
    conn.execute(sql.SQL("""
        CREATE FUNCTION pg_temp.{fn}() RETURNS TABLE(rid int, code text, msg text, res {ret})
        LANGUAGE plpgsql AS $f$
        DECLARE r record;
        BEGIN
          FOR r IN SELECT * FROM {tab} ORDER BY id LOOP
            rid := r.id; code := '00000'; msg := NULL; res := NULL;
            BEGIN
              res := {call};
            EXCEPTION WHEN OTHERS THEN
              code := SQLSTATE; msg := SQLERRM;
            END;
            RETURN NEXT;
          END LOOP;
        END $f$""").format(fn=sql.Identifier("run_" + table), ret=sql.SQL(ret), tab=sql.Identifier(table),
                           call=sql.SQL(call)))
    return conn.execute(sql.SQL("SELECT * FROM pg_temp.{}()").format(sql.Identifier("run_" + table))).fetchall()


def test_fuzz_category_c_functions(postgresql):
    conn = postgresql
    conn.execute("SET statement_timeout = '300s'")
    started = conn.execute("SELECT pg_postmaster_start_time()").fetchone()[0]
    gen = Gen(20240613)
    for x in ("ARRAY[1, 0.5]", "ARRAY[0.3]", "ARRAY[1, 2, 3]"):  # valid states to damage
        for q in (f"SELECT indb_ml._mlogit_step(1, {x}, array_fill(0.1::float8, ARRAY[2 * cardinality({x})]), 3)",
                  f"SELECT indb_ml._mlogit_meat(0, {x}, array_fill(0.1::float8, ARRAY[cardinality({x})]), 2)",
                  f"SELECT indb_ml._ordinal_step(2, {x}, array_fill(0.1::float8, ARRAY[3 + cardinality({x})]), 4, "
                  "1, true)",
                  f"SELECT indb_ml._ordinal_step(1, {x}, ARRAY[-1, 0.5, 2] || array_fill(0.1::float8, "
                  f"ARRAY[cardinality({x})]), 4, 0, true, true)",
                  f"SELECT indb_ml._ordinal_step(1, {x}, ARRAY[2, 0.5, -1] || array_fill(0.1::float8, "
                  f"ARRAY[cardinality({x})]), 4, 1, true, true, false)"):
            gen.pool.append(bytes(conn.execute(q).fetchone()[0]))
    summary = {}
    for _ in range(2):  # the second round feeds on the states of the first
        for name, types, make in FUNCTIONS:
            rows = [make(gen) for _ in range(CALLS // 2)]
            results = _run(conn, name, types, rows)
            conn.execute("DROP TABLE pg_temp.fz_" + name.strip("_") + " CASCADE")
            conn.execute("DROP FUNCTION pg_temp.run_fz_" + name.strip("_"))
            unclean = [(code, msg, rows[rid]) for rid, code, msg, _ in results
                       if code.startswith("XX") and code != "XX001"]
            assert not unclean, (name, unclean[:5])
            ok = errors = 0
            for _rid, code, _, res in results:
                ok, errors = ok + (code == "00000"), errors + (code != "00000")
                if code == "00000" and types[0] == "bytea" and res is not None:
                    raw = bytes(res)
                    kind = struct.unpack_from("<H", raw, 6)[0]
                    assert kind in (cstate.MLOGIT, cstate.ORDINAL, cstate.SANDWICH, cstate.SCORE), name
                    s = cstate.parse_state(raw, kind)  # checks magic, version, length
                    assert s.n >= 0 and s.skipped >= 0 and (s.width > 0 or s.n == 0), name
                    if len(raw) < 20000:
                        gen.pool.append(raw)
            key = (name, len(types))  # each form of _ordinal_transition on its own
            summary[key] = (summary.get(key, (0, 0))[0] + ok, summary.get(key, (0, 0))[1] + errors)
        assert conn.execute("SELECT pg_postmaster_start_time()").fetchone()[0] == started, "the server restarted"
    assert len(summary) == len(FUNCTIONS)
    for key, (ok, errors) in summary.items():  # every function both returned and refused
        assert ok > 50 and errors > 50, (key, ok, errors)
