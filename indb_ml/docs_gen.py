"""The documentation's function signatures, generated from the installed catalog.

Why: a hand-copied signature drifts from the SQL the moment someone adds an argument or
relabels a function PARALLEL SAFE. So the reference pages in ``docs/`` hold the prose and
the examples, and only *name* the functions they describe with a marker line::

    <!-- catalog: linregr_train -->
    <!-- catalog: array_add, array_sub, array_mult -->
    <!-- catalog-columns: models -->

``make docs`` runs this module first: it starts a throwaway embedded server (or reads
``--dsn``), creates the extension, reads ``pg_proc`` (argument names and defaults, result,
kind, volatility, parallel safety, strictness, ``COMMENT``) and the columns of the
relations and composite types of schema indb_ml into ``build/docs/catalog.json``, and
fails when a user-facing function (a name not starting with ``_``) is on no page, or a
page names a function that does not exist. ``mkdocs build`` then loads this same file as
a hook (``hooks:`` in mkdocs.yml), which replaces every marker with the overloads of the
names it lists, rendered from that JSON. Nothing in the pages can therefore disagree with
``pg_proc``.

    python -m indb_ml.docs_gen                 # temporary server, writes build/docs/catalog.json
    python -m indb_ml.docs_gen --dsn DSN       # an existing database with the extension
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

SCHEMA = "indb_ml"
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DOCS = ROOT / "docs"
DEFAULT_CATALOG = ROOT / "build" / "docs" / "catalog.json"

# One marker per line: the function names (or, for catalog-columns, relation / type names).
MARKER = re.compile(r"^<!--\s*catalog(-columns)?:\s*([A-Za-z0-9_,\s]+?)\s*-->[ \t]*$", re.M)

_FUNCTIONS_SQL = """
SELECT p.proname AS name,
       pg_get_function_arguments(p.oid) AS arguments,
       pg_get_function_identity_arguments(p.oid) AS identity,
       pg_get_function_result(p.oid) AS result,
       p.prokind AS kind, p.provolatile AS volatility, p.proparallel AS parallel,
       p.proisstrict AS strict, p.prosecdef AS security_definer, p.proretset AS returns_set,
       a.aggcombinefn <> 0 AS combine,
       obj_description(p.oid, 'pg_proc') AS comment
FROM pg_proc p
LEFT JOIN pg_aggregate a ON a.aggfnoid = p.oid
WHERE p.pronamespace = %s::regnamespace AND left(p.proname, 1) <> '_'
ORDER BY p.proname, p.pronargs, pg_get_function_identity_arguments(p.oid)
"""

_COLUMNS_SQL = """
SELECT c.relname AS name, c.relkind AS kind, a.attname AS column_name,
       format_type(a.atttypid, a.atttypmod) AS type, col_description(c.oid, a.attnum) AS comment,
       obj_description(c.oid, 'pg_class') AS relation_comment
FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
WHERE c.relnamespace = %s::regnamespace AND c.relkind IN ('r', 'v', 'c', 'p', 'm')
  AND a.attnum > 0 AND NOT a.attisdropped AND left(c.relname, 1) <> '_'
ORDER BY c.relname, a.attnum
"""


class DocsError(Exception):
    """The pages and the catalog disagree, or the catalog could not be read."""


# -- reading the catalog ---------------------------------------------------------------


def read_catalog(conn) -> dict:
    """Every user-facing function and relation of schema indb_ml, as plain JSON data."""
    with conn.cursor() as cur:
        cur.execute("SELECT extversion FROM pg_extension WHERE extname = %s", (SCHEMA,))
        row = cur.fetchone()
        if row is None:
            raise DocsError(f"extension {SCHEMA} is not installed in this database")
        version = row[0]
        cur.execute(_FUNCTIONS_SQL, (SCHEMA,))
        names = [d.name for d in cur.description]
        functions = [dict(zip(names, r)) for r in cur.fetchall()]
        cur.execute(_COLUMNS_SQL, (SCHEMA,))
        relations: dict[str, dict] = {}
        for name, kind, column, typ, comment, rel_comment in cur.fetchall():
            rel = relations.setdefault(name, {"kind": kind, "comment": rel_comment, "columns": []})
            rel["columns"].append({"name": column, "type": typ, "comment": comment})
    return {"extension_version": version, "functions": functions, "relations": relations}


def catalog_from_server() -> dict:
    """Start a private server in a temporary directory, read the catalog, stop it."""
    import psycopg

    from indb_ml.cli.server import EmbeddedServer

    base = Path(tempfile.mkdtemp(prefix="indb_ml_docs_", dir="/tmp"))
    base.chmod(0o755)  # as root the server runs as postgres, which must enter it
    server = EmbeddedServer(base / "server")
    try:
        dsn = server.start(create_extension=True)
        with psycopg.connect(dsn) as conn:
            return read_catalog(conn)
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


def catalog_from_dsn(dsn: str) -> dict:
    import psycopg

    with psycopg.connect(dsn) as conn:
        return read_catalog(conn)


# -- the pages' markers ----------------------------------------------------------------


def _names(text: str) -> list[str]:
    return [n for n in re.split(r"[\s,]+", text) if n]


def markers(docs_dir: Path = DEFAULT_DOCS) -> dict[str, list[tuple[str, str]]]:
    """Function names named by catalog markers: {name: [(page, kind), ...]}."""
    found: dict[str, list[tuple[str, str]]] = {}
    for page in sorted(docs_dir.rglob("*.md")):
        rel = str(page.relative_to(docs_dir))
        for m in MARKER.finditer(page.read_text(encoding="utf-8")):
            kind = "columns" if m.group(1) else "function"
            for name in _names(m.group(2)):
                found.setdefault(name, []).append((rel, kind))
    return found


def coverage_problems(catalog: dict, docs_dir: Path = DEFAULT_DOCS) -> list[str]:
    """What is wrong between the pages and the catalog (empty when nothing is)."""
    functions = {f["name"] for f in catalog["functions"]}
    relations = set(catalog["relations"])
    named = markers(docs_dir)
    problems = []
    on_pages = {n for n, where in named.items() if any(k == "function" for _, k in where)}
    missing = sorted(functions - on_pages)
    if missing:
        problems.append(
            f"{len(missing)} function(s) of schema {SCHEMA} are on no page of {docs_dir} "
            f"(add them under a '<!-- catalog: name -->' marker): {', '.join(missing)}"
        )
    for name, where in sorted(named.items()):
        for page, kind in where:
            if kind == "function" and name not in functions:
                problems.append(f"{page}: '<!-- catalog: {name} -->' names no function of schema {SCHEMA}")
            if kind == "columns" and name not in relations:
                problems.append(f"{page}: '<!-- catalog-columns: {name} -->' names no table, view or type of {SCHEMA}")
    return problems


# -- rendering ---------------------------------------------------------------------------

_VOLATILITY = {"i": "IMMUTABLE", "s": "STABLE", "v": "VOLATILE"}
_PARALLEL = {"s": "PARALLEL SAFE", "r": "PARALLEL RESTRICTED", "u": "PARALLEL UNSAFE"}


def _split_arguments(arguments: str) -> list[str]:
    """pg_get_function_arguments' list, split at top-level commas (defaults may hold commas)."""
    parts, depth, quote, start = [], 0, False, 0
    for i, ch in enumerate(arguments):
        if ch == "'":
            quote = not quote
        elif not quote and ch in "([":
            depth += 1
        elif not quote and ch in ")]":
            depth -= 1
        elif not quote and depth == 0 and ch == ",":
            parts.append(arguments[start:i].strip())
            start = i + 1
    if arguments.strip():
        parts.append(arguments[start:].strip())
    return parts


def render_signature(fn: dict) -> str:
    """One overload as SQL: the name, one argument per line when there are several."""
    head = "AGGREGATE " if fn["kind"] == "a" else ("PROCEDURE " if fn["kind"] == "p" else "")
    args = [a for a in _split_arguments(fn["arguments"]) if not a.startswith("OUT ")]
    outs = [a[4:] for a in _split_arguments(fn["arguments"]) if a.startswith("OUT ")]
    returns = "" if fn["kind"] == "p" else f" RETURNS {fn['result']}"
    if outs:  # OUT parameters: a record (one row) or SETOF record with these columns
        returns += f"  -- ({', '.join(outs)})"
    if len(args) <= 2 and len(", ".join(args)) <= 60:
        return f"{head}{SCHEMA}.{fn['name']}({', '.join(args)}){returns}"
    inner = ",\n".join(f"    {a}" for a in args)
    return f"{head}{SCHEMA}.{fn['name']}(\n{inner}\n){returns}"


def render_labels(fn: dict) -> str:
    labels = []
    if fn["kind"] == "a":
        labels.append("aggregate" + (" with a combine step (partial, parallel and Citus aggregation)"
                                     if fn["combine"] else " without a combine step"))
    labels.append(_VOLATILITY[fn["volatility"]])
    labels.append(_PARALLEL[fn["parallel"]])
    if fn["kind"] != "a":
        labels.append("STRICT" if fn["strict"] else "CALLED ON NULL INPUT")
    if fn["security_definer"]:
        labels.append("SECURITY DEFINER")
    return " · ".join(labels)


def _is_usage(fn: dict) -> bool:
    """MADlib's help overloads: name() and name(message text), returning the usage text."""
    return fn["result"] == "text" and fn["kind"] == "f" and fn["identity"] in ("", "message text")


def render_function(name: str, catalog: dict) -> str:
    overloads = [f for f in catalog["functions"] if f["name"] == name]
    if not overloads:
        raise DocsError(f"'<!-- catalog: {name} -->': no function {SCHEMA}.{name} in the catalog")
    usage = [f for f in overloads if _is_usage(f)] if len(overloads) > 1 else []
    out = []
    for fn in overloads:
        if fn in usage:
            continue
        comment = (fn["comment"] or "").strip()
        out.append(f"```sql\n{render_signature(fn)}\n```\n")
        out.append(f"<small>**{render_labels(fn)}**</small>" + (f"<br>\n{_escape(comment)}" if comment else ""))
        out.append("")
    if usage:
        calls = ", ".join(f"`{SCHEMA}.{fn['name']}({fn['arguments']})`" for fn in usage)
        labels = sorted({render_labels(fn) for fn in usage})
        out.append(f"<small>Usage: {calls} return the usage text (**{'; '.join(labels)}**).</small>")
        out.append("")
    return "\n".join(out)


def render_columns(name: str, catalog: dict) -> str:
    rel = catalog["relations"].get(name)
    if rel is None:
        raise DocsError(f"'<!-- catalog-columns: {name} -->': no relation or type {SCHEMA}.{name}")
    kind = {"r": "table", "p": "table", "v": "view", "m": "materialized view", "c": "type"}[rel["kind"]]
    lines = [f"`{SCHEMA}.{name}` ({kind})", "", "| column | type |", "| --- | --- |"]
    lines += [f"| `{c['name']}` | `{c['type']}` |" for c in rel["columns"]]
    return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    """A COMMENT as one Markdown paragraph (no stray HTML or emphasis)."""
    text = " ".join(text.split())
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("*", r"\*").replace("_", r"\_")


def expand(markdown: str, catalog: dict) -> str:
    """The page with every marker replaced by its generated text."""

    def replace(m: re.Match) -> str:
        render = render_columns if m.group(1) else render_function
        return "\n".join(render(n, catalog) for n in _names(m.group(2)))

    return MARKER.sub(replace, markdown)


# -- the mkdocs hook (hooks: [indb_ml/docs_gen.py] in mkdocs.yml) ----------------------------

_hook_catalog: dict | None = None


def on_config(config, **_):
    """Load the catalog written by ``python -m indb_ml.docs_gen`` (``make docs`` runs it first)."""
    global _hook_catalog
    from mkdocs.exceptions import PluginError

    path = Path(os.environ.get("INDB_ML_DOCS_CATALOG", DEFAULT_CATALOG))
    if not path.is_file():
        raise PluginError(f"{path} is missing: build the docs with `make docs`, which generates it first")
    _hook_catalog = json.loads(path.read_text(encoding="utf-8"))
    problems = coverage_problems(_hook_catalog, Path(config["docs_dir"]))
    if problems:
        raise PluginError("\n".join(problems))
    return config


def on_page_markdown(markdown, page, **_):
    from mkdocs.exceptions import PluginError

    try:
        return expand(markdown, _hook_catalog)
    except DocsError as exc:
        raise PluginError(f"{page.file.src_path}: {exc}") from exc


# -- command line ------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m indb_ml.docs_gen", description=__doc__.split("\n\n")[0])
    ap.add_argument("--dsn", help="a database with the extension (default: a temporary embedded server)")
    ap.add_argument("--out", type=Path, default=DEFAULT_CATALOG, help="where to write the catalog JSON")
    ap.add_argument("--docs", type=Path, default=DEFAULT_DOCS, help="the pages to check")
    args = ap.parse_args(argv)
    catalog = catalog_from_dsn(args.dsn) if args.dsn else catalog_from_server()
    problems = coverage_problems(catalog, args.docs)
    if problems:
        for p in problems:
            print(f"docs_gen: {p}", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(catalog, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"docs_gen: {len(catalog['functions'])} functions ({len({f['name'] for f in catalog['functions']})} names) "
          f"of {SCHEMA} {catalog['extension_version']}, all on a page; wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
