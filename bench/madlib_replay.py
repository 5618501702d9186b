"""Replay Apache MADlib's own test files against indb_ml and count what passes.

    .venv/bin/python bench/madlib_replay.py --dsn DSN [--only MODULE] [--file NAME] [--madlib-compat]
                                            [--timeout 300] [--out bench/results/madlib_replay.txt]

The files are MADlib's install-check (``*.ic.sql_in``) and dev-check (``*.sql_in``) tests,
stored unchanged under tests/fixtures/madlib_checks/<module>/ (see the NOTICE there). This
is how issue 14 measures conformance: the statements MADlib's own suite runs, with the
schema name switched from ``madlib`` to ``indb_ml``.

Per file the harness
- expands the m4 the files use as MADlib's PostgreSQL build would: ``m4_include`` is
  dropped, ``m4_ifdef(`X', `A', `B')`` gives ``A`` only for ``__POSTGRESQL__`` (every
  Greenplum/HAWQ/version switch is undefined), ``m4_changequote`` is honoured,
  ``MADLIB_SCHEMA`` becomes ``indb_ml`` and ``MADLIB_TEST_SCHEMA`` the scratch schema;
- applies psql's ``\\set`` variables (``:name``) and ``COPY ... FROM stdin`` data blocks;
  other psql meta-commands are skipped (they are not SQL);
- runs every statement in a fresh schema (``search_path`` = scratch, indb_ml, public, as
  MADlib's runner puts its own schema on the path), one savepoint per statement, so a
  failure neither stops the file nor leaves a broken transaction;
- classifies each failure: ``missing function`` (SQLSTATE 42883, with the function's
  name), ``assertion`` (MADlib's ``assert()`` raised: the statement ran but a number or a
  shape disagreed), ``missing relation`` (42P01, nearly always a consequence of an earlier
  failure in the same file), ``timeout``, or ``other`` (SQLSTATE + first message line).

MADlib's tests call two of MADlib's test utilities, ``assert`` and ``relative_error``.
They are not part of indb_ml's surface, so when indb_ml lacks them the harness creates
them in the scratch schema, mirroring MADlib's definitions (utilities.sql_in):
``assert(cond, msg)`` raises 'Failed assertion: msg' when cond is false;
``relative_error(a, b)`` is abs((a - b) / b) for numbers and
``dist_norm2(a, b) / norm2(b)`` for arrays.

``--madlib-compat`` runs the whole replay with indb_ml's MADlib-compatibility settings on
for the session (``COMPAT_SETTINGS``: ``SET indb_ml.madlib_linalg = on`` and the other
``indb_ml.madlib_*`` settings): where indb_ml deviates from MADlib because MADlib leaves the standard definition
(docs/madlib-migration.md), these give MADlib's behaviour instead, e.g. the block square
of a non-square block table.

A statement "passes" when it runs without error; results are not compared except
through MADlib's own ``assert`` calls. Run it against a scratch database: MADlib's tests
create tables with common names (the harness drops its scratch schemas as it goes).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "madlib_checks"
DEFINED_MACROS = {"__POSTGRESQL__"}
# --madlib-compat: indb_ml's settings that give MADlib's behaviour where it deviates.
COMPAT_SETTINGS = ("indb_ml.madlib_linalg", "indb_ml.madlib_statistics", "indb_ml.madlib_pagerank",
                   "indb_ml.madlib_knn", "indb_ml.madlib_failures")

# MADlib's test utilities (src/ports/postgres/modules/utilities/utilities.sql_in), created
# in the scratch schema only when indb_ml has no function of that name.
HELPERS = {
    "assert": [
        """CREATE FUNCTION {s}.assert(condition boolean, msg varchar) RETURNS void AS $f$
BEGIN
    IF NOT condition THEN
        RAISE EXCEPTION 'Failed assertion: %', msg USING ERRCODE = 'P0004';
    END IF;
END
$f$ LANGUAGE plpgsql IMMUTABLE""",
    ],
    "relative_error": [
        """CREATE FUNCTION {s}.relative_error(approx double precision, value double precision)
RETURNS double precision AS $f$ SELECT abs(($1 - $2) / $2) $f$ LANGUAGE sql""",
        """CREATE FUNCTION {s}.relative_error(approx double precision[], value double precision[])
RETURNS double precision AS $f$
    SELECT sqrt(sum((a - b) ^ 2)) / sqrt(sum(b ^ 2))
    FROM unnest($1, $2) AS t(a, b)
$f$ LANGUAGE sql""",
    ],
}


# --------------------------------------------------------------------------- m4


def _m4_args(text: str, start: int, lq: str, rq: str) -> tuple[list[str], int]:
    """Split the argument list of an m4 call whose '(' is at text[start]; quotes nest."""
    args, cur, depth, qdepth, i = [], [], 0, 0, start + 1
    while i < len(text):
        if text.startswith(lq, i):
            if qdepth:
                cur.append(lq)
            qdepth += 1
            i += len(lq)
            continue
        if qdepth and text.startswith(rq, i):
            qdepth -= 1
            if qdepth:
                cur.append(rq)
            i += len(rq)
            continue
        c = text[i]
        if not qdepth:
            if c == "(":
                depth += 1
            elif c == ")":
                if depth == 0:
                    args.append("".join(cur))
                    return [a.strip() if a.strip() == "" else a.lstrip() for a in args], i + 1
                depth -= 1
            elif c == "," and depth == 0:
                args.append("".join(cur))
                cur = []
                i += 1
                continue
        cur.append(c)
        i += 1
    raise ValueError("unterminated m4 call")


def expand_m4(text: str) -> str:
    """Expand the few m4 constructs MADlib's test files use (see the module docstring)."""
    lq, rq = "`", "'"
    out, i = [], 0
    macro = re.compile(r"m4_(include|ifdef|ifelse|changequote|dnl)\b")
    while True:
        m = macro.search(text, i)
        if not m:
            out.append(text[i:])
            break
        out.append(text[i : m.start()])
        name, j = m.group(1), m.end()
        if name == "dnl":
            nl = text.find("\n", j)
            i = len(text) if nl < 0 else nl + 1
            continue
        if j >= len(text) or text[j] != "(":
            i = j
            continue
        args, end = _m4_args(text, j, lq, rq)
        if name == "changequote":
            lq, rq = (args[0].strip(), args[1].strip()) if len(args) >= 2 else ("`", "'")
            replacement = ""
        elif name == "include":
            replacement = ""
        elif name == "ifdef":
            macro_name = args[0].strip()
            chosen = args[1] if macro_name in DEFINED_MACROS else (args[2] if len(args) > 2 else "")
            replacement = expand_m4(chosen) if "m4_" in chosen else chosen
        else:  # ifelse(a, b, then, else): compare literally
            a = args[0].strip()
            b = args[1].strip() if len(args) > 1 else ""
            chosen = args[2] if a == b and len(args) > 2 else (args[3] if len(args) > 3 else "")
            replacement = chosen
        out.append(replacement)
        # a line left holding only the macro's own trailing '--' comment or ';' is kept
        i = end
    return "".join(out)


# ---------------------------------------------------------------------- splitting


@dataclass
class Statement:
    sql: str
    line: int
    copy_data: str | None = None


@dataclass
class FileResult:
    module: str
    name: str
    statements: int = 0
    passed: int = 0
    # (class, key, full first message line, statement); key is the function name for
    # missing functions and the message otherwise
    failures: list[tuple[str, str, str, Statement]] = field(default_factory=list)


def split_sql(text: str) -> tuple[list[Statement], int]:
    """Split SQL into statements, honouring quotes, $$ bodies, comments and psql lines.

    Returns the statements and the number of psql meta-commands skipped. ``\\set``
    variables are substituted into later statements; ``COPY ... FROM stdin`` picks up
    its data block up to ``\\.``.
    """
    variables: dict[str, str] = {}
    stmts: list[Statement] = []
    skipped = 0
    buf: list[str] = []
    start_line = 1
    i, n, line = 0, len(text), 1
    at_line_start = True

    def flush(end_i: int):
        nonlocal buf
        sql = "".join(buf).strip()
        buf = []
        if sql and sql != ";":
            stmts.append(Statement(_subst(sql, variables), start_line))

    while i < n:
        c = text[i]
        if at_line_start and not "".join(buf).strip() and c == "\\":
            nl = text.find("\n", i)
            nl = n if nl < 0 else nl
            cmd = text[i:nl].strip()
            m = re.match(r"\\set\s+(\w+)\s*(.*)$", cmd)
            if m:
                variables[m.group(1)] = m.group(2).strip().strip("'")
            else:
                skipped += 1
            i, line, at_line_start = nl + 1, line + 1, True
            continue
        if not "".join(buf).strip():
            start_line = line
        if c == "\n":
            buf.append(c)
            line += 1
            i += 1
            at_line_start = True
            continue
        at_line_start = False
        if text.startswith("--", i):
            nl = text.find("\n", i)
            i = n if nl < 0 else nl  # comments are dropped: a commented COPY is no COPY
            continue
        if text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            line += text.count("\n", i, j)
            if "".join(buf).strip():
                buf.append(" ")
            i = j
            continue
        if c == "'" or c == '"':
            escape = c == "'" and i > 0 and text[i - 1] in "eE" and (i < 2 or not text[i - 2].isalnum())
            j = i + 1
            while j < n:
                if escape and text[j] == "\\":
                    j += 2
                    continue
                if text[j] == c:
                    if j + 1 < n and text[j + 1] == c:
                        j += 2
                        continue
                    break
                j += 1
            buf.append(text[i : j + 1])
            line += text.count("\n", i, j + 1)
            i = j + 1
            continue
        if c == "$":
            m = re.match(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$", text[i:])
            if m and not (i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_")):
                tag = m.group(0)
                end = text.find(tag, i + len(tag))
                end = n if end < 0 else end + len(tag)
                buf.append(text[i:end])
                line += text.count("\n", i, end)
                i = end
                continue
        if c == ";":
            buf.append(";")
            sql_so_far = "".join(buf)
            flush(i)
            i += 1
            if re.search(r"\bCOPY\b.*\bFROM\s+stdin\b", sql_so_far, re.I | re.S):
                nl = text.find("\n", i)
                data_start = n if nl < 0 else nl + 1
                end = text.find("\n\\.", data_start - 1)
                end = n if end < 0 else end
                stmts[-1].copy_data = text[data_start : end + 1]
                line += text.count("\n", i, end + 3)
                i = end + 3
                nl2 = text.find("\n", i)
                i = n if nl2 < 0 else nl2 + 1
                line += 1
                at_line_start = True
            continue
        buf.append(c)
        i += 1
    flush(n)
    return stmts, skipped


def _subst(sql: str, variables: dict[str, str]) -> str:
    """psql's :name and :'name' substitution, outside string literals (good enough here)."""
    if not variables:
        return sql

    def rep(m):
        name = m.group(2)
        if name not in variables:
            return m.group(0)
        val = variables[name]
        return "'" + val.replace("'", "''") + "'" if m.group(1) else val

    return re.sub(r"(?<!:):('?)([A-Za-z_]\w*)\1(?!:)", rep, sql)


# ------------------------------------------------------------------------ running


def classify(err: psycopg.Error) -> tuple[str, str]:
    state = err.sqlstate or "?"
    msg = (err.diag.message_primary or str(err)).splitlines()[0] if err else ""
    if state == "42883":
        m = re.search(r"function (?:[\w\"]+\.)?\"?([\w]+)\"?\(", msg)
        if not m:
            m = re.search(r"operator does not exist: (.*)", msg)
            return "missing function", f"operator {m.group(1) if m else msg}"
        return "missing function", m.group(1)
    if state == "P0004" or msg.startswith("Failed assertion"):
        return "assertion", msg
    if state == "42P01":
        return "missing relation", msg
    if state == "57014":
        return "timeout", msg
    return "other", f"{state} {msg}"


def indb_functions(conn, names) -> set[str]:
    rows = conn.execute(
        "SELECT DISTINCT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'indb_ml' AND p.proname = ANY(%s)",
        [list(names)],
    ).fetchall()
    return {r[0] for r in rows}


def run_file(conn, path: Path, module: str, timeout_s: int, verbose: bool) -> FileResult:
    scratch = "madlib_replay_" + re.sub(r"\W", "_", path.name.split(".sql_in")[0]).lower()
    have = indb_functions(conn, HELPERS)
    text = expand_m4(path.read_text())
    for helper in HELPERS:
        if helper not in have:  # MADLIB_SCHEMA.assert(...) -> the scratch schema's helper
            text = re.sub(rf"\bMADLIB_SCHEMA\.{helper}\s*\(", f"{helper}(", text)
    text = text.replace("MADLIB_TEST_SCHEMA", scratch).replace("MADLIB_SCHEMA", "indb_ml")
    stmts, _ = split_sql(text)
    res = FileResult(module, path.name, statements=len(stmts))
    conn.execute(f'DROP SCHEMA IF EXISTS "{scratch}" CASCADE')
    conn.execute(f'CREATE SCHEMA "{scratch}"')
    for fname, ddl in HELPERS.items():
        if fname not in have:
            for d in ddl:
                conn.execute(d.format(s=f'"{scratch}"'))
    conn.commit()
    conn.execute(f'SET search_path TO "{scratch}", indb_ml, public')
    conn.execute(f"SET statement_timeout = '{int(timeout_s)}s'")
    conn.execute("SET client_min_messages = warning")
    conn.commit()
    for st in stmts:
        t0 = time.perf_counter()
        try:
            with conn.transaction():
                with conn.cursor() as cur:
                    if st.copy_data is not None:
                        with cur.copy(st.sql) as cp:
                            cp.write(st.copy_data)
                    else:
                        cur.execute(st.sql, prepare=False)
                        if cur.description is not None:
                            cur.fetchall()
            res.passed += 1
            ok = "ok"
        except psycopg.Error as err:
            cls, detail = classify(err)
            msg = (err.diag.message_primary or str(err)).splitlines()[0]
            res.failures.append((cls, detail, msg, st))
            ok = f"FAIL {cls}: {msg}"
        if verbose:
            first = " ".join(st.sql.split())[:90]
            print(f"  {path.name}:{st.line} {time.perf_counter() - t0:6.2f}s {ok} | {first}", flush=True)
    conn.execute("RESET search_path")
    conn.execute(f'DROP SCHEMA IF EXISTS "{scratch}" CASCADE')
    conn.commit()
    return res


def report(results: list[FileResult], dsn_note: str) -> str:
    lines = [f"MADlib test-file replay against indb_ml ({dsn_note})", ""]
    classes = ["missing function", "assertion", "missing relation", "timeout", "other"]
    hdr = f"{'file':<44}{'stmts':>6}{'pass':>6}{'fail':>6}{'mfunc':>7}{'assert':>7}{'norel':>7}{'tmout':>7}{'other':>7}"
    lines.append(hdr)
    lines.append("-" * len(hdr))
    tot = Counter()
    for r in results:
        by = Counter(c for c, _, _, _ in r.failures)
        name = f"{r.module}/{r.name}"
        lines.append(
            f"{name:<44}{r.statements:>6}{r.passed:>6}{len(r.failures):>6}"
            + "".join(f"{by[c]:>7}" for c in classes)
        )
        tot["stmts"] += r.statements
        tot["pass"] += r.passed
        tot["fail"] += len(r.failures)
        for c in classes:
            tot[c] += by[c]
    lines.append("-" * len(hdr))
    lines.append(
        f"{'TOTAL':<44}{tot['stmts']:>6}{tot['pass']:>6}{tot['fail']:>6}"
        + "".join(f"{tot[c]:>7}" for c in classes)
    )
    clean = sum(1 for r in results if not r.failures)
    pct = 100.0 * tot["pass"] / tot["stmts"] if tot["stmts"] else 0.0
    lines += [
        "",
        f"{tot['pass']} of {tot['stmts']} statements pass ({pct:.1f}%); {clean} of {len(results)} files clean.",
        "",
        "Missing functions (distinct name: failing statements):",
    ]
    missing = Counter(d for r in results for c, d, _, _ in r.failures if c == "missing function")
    for name, cnt in missing.most_common():
        lines.append(f"  {cnt:>4}  {name}")
    lines += ["", "Other errors (SQLSTATE + first line: count):"]
    other = Counter(d for r in results for c, d, _, _ in r.failures if c == "other")
    for d, cnt in other.most_common():
        lines.append(f"  {cnt:>4}  {d[:160]}")
    lines += ["", "Assertion failures (message: count):"]
    asserts = Counter(d for r in results for c, d, _, _ in r.failures if c == "assertion")
    for d, cnt in asserts.most_common():
        lines.append(f"  {cnt:>4}  {d[:160]}")
    lines += ["", "Every failure (file:line class: detail | statement start):"]
    for r in results:
        for c, _, msg, st in r.failures:
            first = " ".join(st.sql.split())[:100]
            lines.append(f"  {r.module}/{r.name}:{st.line} {c}: {msg[:160]} | {first}")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--only", help="module directory name (linalg, regress, glm, ...)")
    ap.add_argument("--file", help="run only files whose name starts with this")
    ap.add_argument("--timeout", type=int, default=300, help="per-statement timeout, seconds")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "madlib_replay.txt"))
    ap.add_argument("-v", "--verbose", action="store_true", help="print every statement")
    ap.add_argument("--dump", help="print the split statements of this fixture file and exit")
    ap.add_argument("--madlib-compat", action="store_true",
                    help="SET every indb_ml.madlib_* setting on for the session (COMPAT_SETTINGS)")
    a = ap.parse_args(argv)
    if a.dump:
        text = expand_m4(Path(a.dump).read_text()).replace("MADLIB_SCHEMA", "indb_ml")
        for st in split_sql(text)[0]:
            print(f"-- line {st.line}{' (COPY data)' if st.copy_data is not None else ''}\n{st.sql}\n")
        return 0
    files = sorted(p for p in FIXTURES.glob("*/*.sql_in") if not a.only or p.parent.name == a.only)
    if a.file:
        files = [p for p in files if p.name.startswith(a.file)]
    results = []
    with psycopg.connect(a.dsn, autocommit=False) as conn:
        version = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'indb_ml'").fetchone()
        for setting in COMPAT_SETTINGS if a.madlib_compat else ():
            conn.execute(f"SET {setting} = on")  # session-wide: committed below, kept by every file
        conn.commit()
        for p in files:
            t0 = time.perf_counter()
            r = run_file(conn, p, p.parent.name, a.timeout, a.verbose)
            print(
                f"{p.parent.name}/{p.name}: {r.passed}/{r.statements} passed "
                f"({time.perf_counter() - t0:.1f}s)",
                flush=True,
            )
            results.append(r)
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    compat = ", " + " + ".join(f"{s} = on" for s in COMPAT_SETTINGS) if a.madlib_compat else ""
    text = report(results, f"indb_ml {version[0] if version else '?'}, {stamp}{compat}")
    print(text)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
