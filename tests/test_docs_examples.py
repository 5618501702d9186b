"""Every example in docs/ runs, and prints what its page shows (issue 17: documentation that runs).

The convention, in the spirit of doctest:

- A fenced block tagged ``sql`` is run; so is one tagged ``python``. Blocks tagged anything
  else (``postgresql`` for SQL that is shown but not run, ``sh``, ``text`` on its own) are
  not.
- A ``text`` block right after a run block (blank lines between are fine) is that block's
  expected output, as psql prints it: result tables in psql's aligned format with their
  ``(N rows)`` footer (``\\x`` on a line of its own switches to psql's expanded format,
  as in psql), ``NOTICE:``/``WARNING:`` lines, and errors as ``ERROR:  SQLSTATE: message``
  (psql's ``\\set VERBOSITY verbose``) followed by any ``DETAIL:`` and ``HINT:`` lines.
  Command tags (``CREATE TABLE``, ``INSERT 0 3``) are not printed (psql ``-q``). Python
  blocks print what the code writes to stdout.
- The comparison ignores alignment (runs of spaces and the widths of the ``---+---`` rules)
  and compares numbers with rtol 1e-6 (atol 1e-10), so the last digits of a float may vary;
  ``...`` in the expected text matches anything (a timestamp, an OID).
- A run block without a text block after it must succeed; its output is not compared.
- Each page runs top to bottom in one session (autocommit, as psql) on a fresh database
  with the extension created, so ``SET`` carries over and a page creates its own data. In
  Python blocks the page's connection string is ``dsn``.

To write or refresh a page's outputs from a real server (the outputs on the pages are real
output, never typed in)::

    .venv/bin/python tests/test_docs_examples.py --dsn "$(.venv/bin/indb-ml server dsn)" docs/reference/regression.md
    # --insert also adds a text block after every run block that prints something
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import math
import re
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
RTOL, ATOL = 1e-6, 1e-10
RUN_LANGS = {"sql", "python"}

# -- reading pages -------------------------------------------------------------------------

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[\w+-]*)[^\n]*$")


@dataclass
class Block:
    lang: str
    code: str
    line: int  # 1-based line of the opening fence
    indent: str = ""
    expected: str | None = None
    # the expected block's lines [start, end) in the page, the fences included
    expected_span: tuple[int, int] | None = None
    end: int = 0  # the line after the run block's closing fence (0-based index)


def _fences(lines: list[str]) -> list[tuple[str, str, int, int, str]]:
    """(lang, body, first line, line after the close, indent) of every fenced block."""
    out, i = [], 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, lang = m.group("indent"), m.group("fence"), m.group("lang")
        j = i + 1
        while j < len(lines):
            s = lines[j]
            if s.startswith(indent) and s[len(indent):].rstrip().startswith(fence) \
                    and set(s[len(indent):].rstrip()) == {fence[0]}:
                break
            j += 1
        body = [ln[len(indent):] if ln.startswith(indent) else ln.lstrip() for ln in lines[i + 1:j]]
        out.append((lang, "\n".join(body), i, j + 1, indent))
        i = j + 1
    return out


def parse_page(text: str) -> list[Block]:
    lines = text.split("\n")
    fences = _fences(lines)
    blocks = []
    for n, (lang, body, start, end, indent) in enumerate(fences):
        if lang not in RUN_LANGS:
            continue
        block = Block(lang, body, start + 1, indent, end=end)
        if n + 1 < len(fences):
            nlang, nbody, nstart, nend, _ = fences[n + 1]
            between = lines[end:nstart]
            if nlang == "text" and all(not ln.strip() for ln in between):
                block.expected, block.expected_span = nbody, (nstart, nend)
        blocks.append(block)
    return blocks


def pages_with_examples() -> list[Path]:
    return [p for p in sorted(DOCS.rglob("*.md")) if parse_page(p.read_text(encoding="utf-8"))]


# -- splitting SQL into statements ------------------------------------------------------------


def split_sql(code: str) -> list[str]:
    """Statements and psql meta-command lines, in order (quotes, $$ bodies and comments respected)."""
    out, buf, i, n = [], [], 0, len(code)
    at_line_start = True
    while i < n:
        ch = code[i]
        if at_line_start and not "".join(buf).strip() and code[i:].lstrip(" \t").startswith("\\"):
            end = code.find("\n", i)
            end = n if end < 0 else end
            out.append(code[i:end].strip())
            buf, i = [], end + 1
            continue
        at_line_start = ch == "\n"
        if ch == "-" and code.startswith("--", i):
            end = code.find("\n", i)
            end = n if end < 0 else end
            buf.append(code[i:end])
            i = end
            continue
        if ch == "/" and code.startswith("/*", i):
            end = code.find("*/", i + 2)
            end = n if end < 0 else end + 2
            buf.append(code[i:end])
            i = end
            continue
        if ch in "'\"":
            j = i + 1
            while j < n:
                if code[j] == ch:
                    if j + 1 < n and code[j + 1] == ch:
                        j += 2
                        continue
                    break
                j += 1
            buf.append(code[i:j + 1])
            i = j + 1
            continue
        if ch == "$":
            m = re.match(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$", code[i:])
            if m:
                tag = m.group(0)
                end = code.find(tag, i + len(tag))
                end = n if end < 0 else end + len(tag)
                buf.append(code[i:end])
                i = end
                continue
        if ch == ";":
            stmt = "".join(buf).strip()
            if _has_code(stmt):
                out.append(stmt)
            buf, i = [], i + 1
            continue
        buf.append(ch)
        i += 1
    stmt = "".join(buf).strip()
    if _has_code(stmt):
        out.append(stmt)
    return out


def _has_code(stmt: str) -> bool:
    no_comments = re.sub(r"--[^\n]*|/\*.*?\*/", "", stmt, flags=re.S)
    return bool(no_comments.strip())


# -- printing results as psql does -------------------------------------------------------------

# psql right-aligns these types (print.c: column_type_alignment)
_RIGHT = {20, 21, 23, 26, 28, 29, 700, 701, 790, 1700, 5069}


def _cell_lines(value: str | None) -> list[str]:
    return [""] if value is None else value.split("\n")


def format_aligned(names: list[str], oids: list[int], rows: list[list[str | None]]) -> str:
    """psql's aligned format (border 1), multi-line cells marked with '+' as psql marks them."""
    ncol = len(names)
    cells = [[_cell_lines(v) for v in row] for row in rows]
    widths = [len(nm) for nm in names]
    for row in cells:
        for c, ls in enumerate(row):
            widths[c] = max(widths[c], *(len(s) for s in ls))
    out = []
    head = []
    for c, nm in enumerate(names):
        pad = widths[c] - len(nm)
        left = pad // 2
        cell = " " * left + nm + " " * (pad - left)
        head.append(cell)
    out.append(" " + " | ".join(head).rstrip() if ncol else "")
    out.append("+".join("-" * (w + 2) for w in widths) if ncol else "--")
    for row in cells:
        height = max(len(ls) for ls in row) if row else 1
        for k in range(height):
            parts = []
            for c in range(ncol):
                ls = row[c]
                text = ls[k] if k < len(ls) else ""
                right = oids[c] in _RIGHT
                cell = text.rjust(widths[c]) if right else text.ljust(widths[c])
                more = k < len(ls) - 1
                last = c == ncol - 1
                parts.append(" " + cell + ("+" if more else ("" if last else " ")))
            line = "|".join(parts)
            out.append(line if line.endswith("+") else line.rstrip())
    n = len(rows)
    out.append(f"({n} row{'' if n == 1 else 's'})")
    return "\n".join(out)


def format_expanded(names: list[str], rows: list[list[str | None]]) -> str:
    """psql's expanded format (\\x): a '-[ RECORD n ]' header, then 'name | value' lines."""
    if not rows:
        return "(0 rows)"
    wname = max(len(nm) for nm in names)
    wval = max([len(s) for row in rows for v in row for s in _cell_lines(v)] + [0])
    multiline = any(v is not None and "\n" in v for row in rows for v in row)
    # psql widens the data column so that a row is as wide as the '-[ RECORD n ]' line
    rwidth = 1 + int(math.log10(len(rows))) + 12
    wval = max(wval, rwidth - wname - 3 - int(multiline))
    out = []
    for r, row in enumerate(rows, 1):
        out.append(_record_rule(r, wname, wval))
        for nm, v in zip(names, row):
            ls = _cell_lines(v)
            for k, s in enumerate(ls):
                head = nm.ljust(wname) if k == 0 else " " * wname
                out.append(f"{head} | {s.ljust(wval)}+" if k < len(ls) - 1 else f"{head} | {s}".rstrip())
    return "\n".join(out)


def _record_rule(record: int, hwidth: int, dwidth: int) -> str:
    """psql's '-[ RECORD n ]---+---' line (print.c: print_aligned_vertical_line, border 1)."""
    label = f"[ RECORD {record} ]"
    line, reclen = "-" + label, len(label) + 1
    line += "-" * max(0, hwidth - reclen)
    reclen -= hwidth
    for ch in "-+-":
        if reclen <= 0:
            line += ch
        reclen -= 1
    reclen = max(reclen, 0)
    return line + "-" * max(0, dwidth - reclen)


def _diag_lines(diag, severity: str) -> list[str]:
    out = [f"{severity}:  {diag.sqlstate}: {diag.message_primary}"]
    if diag.message_detail:
        out.append(f"DETAIL:  {diag.message_detail}")
    if diag.message_hint:
        out.append(f"HINT:  {diag.message_hint}")
    return out


def _notice_lines(diag) -> list[str]:
    out = [f"{diag.severity}:  {diag.message_primary}"]
    if diag.message_detail:
        out.append(f"DETAIL:  {diag.message_detail}")
    if diag.message_hint:
        out.append(f"HINT:  {diag.message_hint}")
    return out


# -- running a page ----------------------------------------------------------------------------


@dataclass
class Session:
    conn: psycopg.Connection
    dsn: str
    expanded: bool = False
    notices: list[str] = field(default_factory=list)
    namespace: dict = field(default_factory=dict)

    def __post_init__(self):
        self.conn.add_notice_handler(lambda d: self.notices.extend(_notice_lines(d)))
        self.namespace = {"dsn": self.dsn, "__name__": "__docs_example__"}


def run_sql(session: Session, code: str) -> tuple[str, bool]:
    """Run a block's statements; return what psql would print and whether any statement failed."""
    outputs, failed = [], False
    for stmt in split_sql(code):
        if stmt.startswith("\\"):
            arg = stmt[2:].strip() if stmt.startswith("\\x") else None
            if arg is None or arg not in ("", "on", "off"):
                raise ValueError(f"unsupported psql meta-command in a docs example: {stmt!r}")
            session.expanded = (not session.expanded) if arg == "" else arg == "on"
            continue
        session.notices.clear()
        pieces: list[str] = []
        try:
            with session.conn.cursor() as cur:
                cur.execute(stmt.encode("utf-8"), prepare=False)
                res = cur.pgresult
                if cur.description is not None and res is not None:
                    names = [d.name for d in cur.description]
                    oids = [d.type_code for d in cur.description]
                    rows = [[None if res.get_value(r, c) is None else res.get_value(r, c).decode("utf-8")
                             for c in range(res.nfields)] for r in range(res.ntuples)]
                    table = format_expanded(names, rows) if session.expanded else format_aligned(names, oids, rows)
                    pieces.append(table)
        except psycopg.Error as exc:
            failed = True
            pieces.append("\n".join(_diag_lines(exc.diag, "ERROR")))
        text = "\n".join(session.notices + pieces)
        if text:
            outputs.append(text)
    return "\n\n".join(outputs), failed


def run_python(session: Session, code: str) -> tuple[str, bool]:
    buf, failed = io.StringIO(), False
    with contextlib.redirect_stdout(buf):
        try:
            exec(compile(code, "<docs example>", "exec"), session.namespace)  # the page's own code
        except Exception as exc:  # shown like the last line of a traceback, and the block fails
            print(f"Traceback (most recent call last):\n{type(exc).__name__}: {exc}")
            failed = True
    return buf.getvalue().rstrip("\n"), failed


def run_block(session: Session, block: Block) -> tuple[str, bool]:
    return run_sql(session, block.code) if block.lang == "sql" else run_python(session, block.code)


# -- comparing -------------------------------------------------------------------------------

_NUMBER = r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?"
_TOKEN = re.compile(rf"(?P<ell>\.\.\.)|(?<![\w.])(?P<num>{_NUMBER})(?![\w])|(?P<other>\S)")


def _normalize(text: str) -> str:
    lines = []
    for line in text.split("\n"):
        s = line.strip()
        if not s:
            continue
        if re.fullmatch(r"[-+]+", s):
            s = "---"
        elif re.fullmatch(r"-\[ RECORD \d+ \]-*\+?-*", s):
            s = re.sub(r"^-(\[ RECORD \d+ \])-*\+?-*$", r"\1", s)
        lines.append(" ".join(s.split()))
    return "\n".join(lines)


def _tokens(text: str) -> list[tuple[str, object]]:
    out = []
    for m in _TOKEN.finditer(_normalize(text)):
        if m.group("ell"):
            out.append(("...", None))
        elif m.group("num") is not None:
            out.append(("num", float(m.group("num"))))
        else:
            out.append(("chr", m.group("other")))
    return out


def _same(a: tuple[str, object], b: tuple[str, object]) -> bool:
    if a[0] != b[0]:
        return False
    if a[0] == "num":
        x, y = a[1], b[1]
        return math.isclose(x, y, rel_tol=RTOL, abs_tol=ATOL)
    return a[1] == b[1]


def outputs_match(expected: str, actual: str) -> bool:
    """Equal up to alignment and rtol 1e-6 on numbers; '...' in expected matches anything."""
    exp, act = _tokens(expected), _tokens(actual)
    memo: dict[tuple[int, int], bool] = {}

    def match(i: int, j: int) -> bool:
        key = (i, j)
        if key in memo:
            return memo[key]
        if i == len(exp):
            res = j == len(act)
        elif exp[i][0] == "...":
            res = any(match(i + 1, k) for k in range(j, len(act) + 1))
        else:
            res = j < len(act) and _same(exp[i], act[j]) and match(i + 1, j + 1)
        memo[key] = res
        return res

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 4 * (len(exp) + len(act)) + 1000))
    return match(0, 0)


def first_difference(expected: str, actual: str) -> str:
    """The first pair of lines that differ (alignment and rtol aside), to point at in a failure."""
    exp, act = _normalize(expected).split("\n"), _normalize(actual).split("\n")
    for i in range(max(len(exp), len(act))):
        e, a = (exp[i] if i < len(exp) else "<end>"), (act[i] if i < len(act) else "<end>")
        if "..." not in e and not outputs_match(e, a):
            return f", first at\n  page:   {e}\n  actual: {a}"
    return ""


# -- the test ------------------------------------------------------------------------------------


def run_page(page: Path, dsn: str) -> list[tuple[Block, str, bool]]:
    """Run every block of a page in one session; (block, output, failed) for each."""
    blocks = parse_page(page.read_text(encoding="utf-8"))
    results = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        session = Session(conn, dsn)
        try:
            for block in blocks:
                out, failed = run_block(session, block)
                results.append((block, out, failed))
        finally:  # close what the Python examples opened (their connections) before the database goes
            session.namespace.clear()
            gc.collect()
    return results


def _pages():
    pages = pages_with_examples()
    return [pytest.param(p, id=str(p.relative_to(DOCS))) for p in pages]


@pytest.mark.parametrize("page", _pages())
def test_page_examples(page, dsn):
    """Each page's examples, in order in one fresh database, print what the page shows."""
    started = time.monotonic()
    problems = []
    for block, out, failed in run_page(page, dsn):
        where = f"{page.relative_to(ROOT)}:{block.line}"
        if block.expected is None:
            if failed:
                problems.append(f"{where}: the example failed (and its page shows no error):\n{out}")
        elif not outputs_match(block.expected, out):
            problems.append(f"{where}: output differs from the page{first_difference(block.expected, out)}\n"
                            f"--- page\n{block.expected}\n--- actual\n{out}")
    refresh = f"(refresh with: python tests/test_docs_examples.py --dsn DSN {page.relative_to(ROOT)})"
    assert not problems, "\n\n".join(problems) + "\n" + refresh
    assert time.monotonic() - started < 120, "a page's examples should run in seconds"


def test_conventions_are_checked():
    """The parser and the comparison do what the docstring says (so a broken page cannot pass)."""
    page = textwrap.dedent("""\
        ```sql
        SELECT 1; -- a comment; with a semicolon
        SELECT 'a;b', $x$ ; $x$;
        ```

        ```text
         ?column?
        ----------
                1
        (1 row)
        ```
        ```postgresql
        SELECT not run;
        ```
        ```sql
        SELECT 2
        ```
        """)
    blocks = parse_page(page)
    assert [b.lang for b in blocks] == ["sql", "sql"]
    assert blocks[0].expected.startswith(" ?column?") and blocks[1].expected is None
    assert split_sql(blocks[0].code) == ["SELECT 1", "-- a comment; with a semicolon\nSELECT 'a;b', $x$ ; $x$"]
    assert outputs_match("x | {1.0000001,2}\n(1 row)", "x   |   {1.0000000,2}\n(1 row)")
    assert not outputs_match("x | {1.00001,2}", "x | {1.0,2}")
    assert not outputs_match("x | 1", "x | 1\n(1 row)")
    assert outputs_match("created ... by alice", "created 2026-12-05 10:00 by alice")
    assert not outputs_match("x1 | 2", "x2 | 2")


def test_psql_formats(dsn):
    """The formatter prints what psql prints (checked against psql itself when it is installed)."""
    import shutil
    import subprocess

    psql = shutil.which("psql")
    if psql is None:
        pytest.skip("psql is not installed")
    query = ("SELECT 1 AS n, 'ab'::text AS t, NULL::float8 AS f, '{1,2}'::int[] AS a, E'x\\ny' AS multi, "
             "2.5::numeric AS longer_name UNION ALL SELECT 100, 'a long text value', 0.5, NULL, E'z\\n\\nlast', -1")
    for expanded in (False, True):
        with psycopg.connect(dsn, autocommit=True) as conn:
            ours, failed = run_sql(Session(conn, dsn, expanded=expanded), query)
        assert not failed
        theirs = subprocess.run([psql, "-X", "-q", *(["-x"] if expanded else []), dsn, "-c", query],
                                capture_output=True, text=True, check=True).stdout
        assert ours == "\n".join(ln.rstrip() for ln in theirs.rstrip().split("\n")), (ours, theirs)


def test_every_function_is_on_a_page(postgresql):
    """docs_gen's check, on the test database: each user-facing function is on some page."""
    from indb_ml.docs_gen import coverage_problems, read_catalog

    problems = coverage_problems(read_catalog(postgresql), DOCS)
    assert not problems, "\n".join(problems)


def test_every_function_has_a_worked_example(postgresql):
    """Each user-facing function is called by some example that runs (a call of any overload,
    or a name passed as a string, as cross_validation_general takes them)."""
    from indb_ml.docs_gen import read_catalog

    names = {f["name"] for f in read_catalog(postgresql)["functions"]}
    code = "\n".join(b.code for p in sorted(DOCS.rglob("*.md")) for b in parse_page(p.read_text(encoding="utf-8")))
    called = {n for n in names
              if re.search(rf"(?<![\w.])(indb_ml\.)?{re.escape(n)}\s*\(", code)
              or re.search(rf"'(indb_ml\.)?{re.escape(n)}'", code)}
    assert not names - called, f"functions without a worked example in docs/: {sorted(names - called)}"


# -- writing the outputs into a page -------------------------------------------------------------


def update_page(page: Path, dsn: str, insert: bool) -> tuple[int, float]:
    """Run the page in a fresh database and write the real outputs into its text blocks."""
    dbname = "docs_" + re.sub(r"\W", "_", str(page.relative_to(DOCS)))[:50].lower()
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    page_dsn = psycopg.conninfo.make_conninfo(dsn, dbname=dbname)
    try:
        with psycopg.connect(page_dsn, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION indb_ml CASCADE")
        started = time.monotonic()
        results = run_page(page, page_dsn)
        elapsed = time.monotonic() - started
    finally:
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))
    lines = page.read_text(encoding="utf-8").split("\n")
    changed = 0
    for block, out, failed in reversed(results):
        if failed and block.expected is None and not insert:
            print(f"{page}:{block.line}: failed:\n{out}", file=sys.stderr)
        ind = block.indent
        new = [f"{ind}```text", *[(ind + ln) if ln else "" for ln in out.split("\n")], f"{ind}```"]
        if block.expected_span is not None:
            s, e = block.expected_span
            if block.expected != out:
                lines[s:e] = new
                changed += 1
        elif insert and out:
            lines[block.end:block.end] = ["", *new]
            changed += 1
    page.write_text("\n".join(lines), encoding="utf-8")
    return changed, elapsed


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description="Write the real outputs of docs examples into the pages.")
    ap.add_argument("--dsn", required=True, help="a server where this role may create databases")
    ap.add_argument("--insert", action="store_true", help="add a text block after every block that prints")
    ap.add_argument("pages", nargs="+", type=Path)
    args = ap.parse_args()
    for p in args.pages:
        n, secs = update_page(p.resolve(), args.dsn, args.insert)
        print(f"{p}: {n} output block(s) written, examples ran in {secs:.1f} s")
