"""Build ``migrations/indb_ml--X.Y.Z.sql`` (and the upgrade to it) from the sources in ``sql/``.

The sources are plain SQL grouped by area (``sql/NN_area.sql``), concatenated in
name order behind the ``\\echo ... \\quit`` guard that stops psql users from
running the script by hand. ``--check`` fails when a committed script is stale.

Upgrades: for each ``sql/upgrade/A--X.Y.Z.sql`` (X.Y.Z the current version) this writes
``migrations/indb_ml--A--X.Y.Z.sql``, which ``ALTER EXTENSION indb_ml UPDATE`` runs in one
transaction. The source is hand-written SQL for the catalog's data tables (the tables that
hold users' rows are altered, never dropped) with two markers the build fills in:

``-- @drop-members``
    a DO block dropping every member of the extension that version A created except the
    schema, the tables and sequences named by ``-- @keep`` and the types X.Y.Z defines as A
    did (users' tables may have columns of them): functions, aggregates, operators, casts,
    views and changed types are then created again as X.Y.Z defines them.
``-- @install-script``
    every statement of X.Y.Z's install script except those creating a kept object (the
    schema, ``CREATE TABLE``/``SEQUENCE`` of a kept one, ``ALTER SEQUENCE ... OWNED BY``, its
    indexes and the unchanged types that A's install script already creates).

So a later edit of ``sql/`` reaches the upgrade when this runs again; only a change to a kept
table needs a line in the upgrade source (the test compares an upgraded database with a
fresh install). Install scripts of released versions are frozen (never regenerated).

    python -m indb_ml.build_sql --write | --check
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUARD = '\\echo Use "CREATE EXTENSION indb_ml CASCADE" to load this file. \\quit\n'


def version(root: Path = ROOT) -> str:
    control = (root / "indb_ml.control").read_text()
    return re.search(r"^default_version\s*=\s*'([^']+)'", control, re.M).group(1)


def render(root: Path = ROOT) -> str:
    parts = [
        f"-- indb_ml {version(root)}: generated from sql/*.sql by `make build-sql`; do not edit.\n",
        GUARD,
    ]
    for src in sorted((root / "sql").glob("*.sql")):
        parts.append(f"\n-- ---- {src.name} ----\n")
        parts.append(src.read_text())
    return "".join(parts)


def target(root: Path = ROOT) -> Path:
    return root / "migrations" / f"indb_ml--{version(root)}.sql"


def statements(text: str) -> list[str]:
    """Split SQL text into statements, each with the comments before it and its ``;``.

    Knows what the sources use: ``--`` comments, ``/* */`` comments, quoted literals and
    identifiers (``''`` and ``""`` inside them, backslashes in ``E'...'``) and dollar
    quoting (``$$``, ``$tag$``). Trailing text without a ``;`` (comments) is the last item."""
    out, start, i, n = [], 0, 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("--", i):
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif c in "'\"":
            escapes = c == "'" and i > 0 and text[i - 1] in "eE" and not (text[i - 2:i - 1].isalnum())
            j = i + 1
            while j < n:
                if escapes and text[j] == "\\":
                    j += 2
                    continue
                if text[j] == c:
                    if text[j + 1:j + 2] == c:
                        j += 2
                        continue
                    break
                j += 1
            i = j + 1
        elif c == "$" and (m := _DOLLAR.match(text, i)) and not (text[i - 1:i].isalnum() or text[i - 1:i] == "_"):
            j = text.find(m.group(0), m.end())
            i = n if j < 0 else j + len(m.group(0))
        elif c == ";":
            out.append(text[start:i + 1])
            start = i = i + 1
        else:
            i += 1
    if text[start:].strip():
        out.append(text[start:])
    return out


_DOLLAR = re.compile(r"\$(?:[A-Za-z_][A-Za-z_0-9]*)?\$")


def _code(statement: str) -> str:
    """A statement without its comments, whitespace collapsed (to compare statements)."""
    lines = [line for line in statement.splitlines() if not line.lstrip().startswith("--")]
    return " ".join(" ".join(lines).split())


def _creates_kept(code: str, kept: list[str], old_codes: set[str]) -> bool:
    """Whether statement ``code`` creates the schema or a kept table, sequence or (old) index."""
    if re.match(r"CREATE SCHEMA indb_ml\b", code, re.I):
        return True
    for name in kept:
        q = re.escape(name)
        if re.match(rf"CREATE (?:TYPE|DOMAIN) {q}\b(?!\.)", code, re.I) and code in old_codes:
            return True
        if re.match(rf"CREATE (?:UNLOGGED )?(?:TABLE|SEQUENCE) (?:IF NOT EXISTS )?{q}\b(?!\.)", code, re.I):
            return True
        if re.match(rf"ALTER SEQUENCE {q} OWNED BY\b", code, re.I):
            return True
        if re.match(rf"CREATE (?:UNIQUE )?INDEX \S+ ON (?:ONLY )?{q}\b(?!\.)", code, re.I) and code in old_codes:
            return True
    return False


# Grants and revokes made on the old version's routines since it was installed (their ACL against
# pg_init_privs) are not carried over: GRANTs in an extension script would be recorded as the
# extension's initial privileges, which pg_dump then leaves out. The update lists them (a WARNING).
CHANGED_GRANTS = """DO $indb_ml_upgrade$
DECLARE
    v_statements text;
BEGIN
    WITH routine AS (
        SELECT pg_catalog.format('%I.%I(%s)', n.nspname, p.proname,
                                 pg_catalog.pg_get_function_identity_arguments(p.oid)) AS f,
               pg_catalog.aclexplode(COALESCE(p.proacl, pg_catalog.acldefault('f', p.proowner))) AS now,
               p.oid, p.proowner
        FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid
         AND d.deptype = 'e' AND d.refobjid = (SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname = 'indb_ml')
    ), acls AS (
        SELECT r.f, (r.now).grantee, (r.now).privilege_type, (r.now).is_grantable, 'now' AS side FROM routine r
        UNION ALL
        SELECT DISTINCT r.f, (a).grantee, (a).privilege_type, (a).is_grantable, 'init'
        FROM routine r CROSS JOIN LATERAL (SELECT pg_catalog.aclexplode(COALESCE(
            (SELECT i.initprivs FROM pg_catalog.pg_init_privs i
              WHERE i.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND i.objoid = r.oid AND i.objsubid = 0),
            pg_catalog.acldefault('f', r.proowner))) AS a) x
    ), delta AS (
        SELECT f, grantee, privilege_type, is_grantable, side FROM acls
        GROUP BY f, grantee, privilege_type, is_grantable, side
        HAVING NOT EXISTS (SELECT FROM acls o WHERE o.f = acls.f AND o.grantee = acls.grantee
                           AND o.privilege_type = acls.privilege_type AND o.is_grantable = acls.is_grantable
                           AND o.side <> acls.side)
    )
    SELECT pg_catalog.string_agg(
               CASE WHEN side = 'now'
                    THEN pg_catalog.format('GRANT %s ON ROUTINE %s TO %s%s;', privilege_type, f,
                                           CASE WHEN grantee = 0 THEN 'PUBLIC'
                                                ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(grantee)) END,
                                           CASE WHEN is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
                    ELSE pg_catalog.format('REVOKE %s ON ROUTINE %s FROM %s;', privilege_type, f,
                                           CASE WHEN grantee = 0 THEN 'PUBLIC'
                                                ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(grantee)) END)
               END, E'\\n' ORDER BY side DESC, f, grantee)
      INTO v_statements FROM delta;
    IF v_statements IS NOT NULL THEN
        -- a WARNING: an extension script runs with client_min_messages at least warning
        RAISE WARNING 'indb_ml: privileges changed on its functions since it was installed are reset by the update'
            USING DETAIL = v_statements,
                  HINT = 'To keep them, run the statements in DETAIL after ALTER EXTENSION indb_ml UPDATE.';
    END IF;
END
$indb_ml_upgrade$;

"""

DROP_MEMBERS = """DO $indb_ml_upgrade$
-- Every member of the extension from the old version, except the schema and the kept tables,
-- is dropped here and created again below as the new version defines it. A drop that fails
-- because another member depends on the object is retried after the others; one that fails
-- because an object outside the extension (a view of the user's) depends on it stops the update.
DECLARE
    kept text[] := %(kept)s;
    m record;
    progress boolean := true;
    pending integer;
    v_state text;
    v_detail text;
    v_details text[];
BEGIN
    WHILE progress LOOP
        progress := false;
        pending := 0;
        v_details := '{}';
        FOR m IN
            SELECT x.type, x.identity FROM pg_catalog.jsonb_to_recordset(pg_catalog.to_jsonb(ARRAY(
                SELECT pg_catalog.jsonb_build_object('type', i.type, 'identity', i.identity)
                FROM pg_catalog.pg_depend d
                CROSS JOIN LATERAL pg_catalog.pg_identify_object(d.classid, d.objid, d.objsubid) i
                WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.deptype = 'e'
                  AND d.refobjid = (SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname = 'indb_ml')
                  AND i.type <> 'schema' AND NOT (i.identity = ANY (kept))
                ORDER BY CASE i.type WHEN 'view' THEN 0 WHEN 'materialized view' THEN 0 WHEN 'aggregate' THEN 1
                                     WHEN 'cast' THEN 2 WHEN 'operator' THEN 3 WHEN 'function' THEN 5
                                     WHEN 'procedure' THEN 5 ELSE 9 END, i.identity))) AS x(type text, identity text)
        LOOP
            BEGIN
                EXECUTE pg_catalog.format('DROP %%s %%s',
                    CASE m.type WHEN 'composite type' THEN 'TYPE' ELSE pg_catalog.upper(m.type) END, m.identity);
                progress := true;
            EXCEPTION WHEN dependent_objects_still_exist THEN
                pending := pending + 1;
                GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_detail = PG_EXCEPTION_DETAIL;
                IF NOT v_detail = ANY (v_details) THEN
                    v_details := v_details || v_detail;
                END IF;
            END;
        END LOOP;
    END LOOP;
    IF pending > 0 THEN
        RAISE EXCEPTION 'indb_ml cannot be updated: objects outside the extension depend on its objects'
            USING ERRCODE = v_state, DETAIL = pg_catalog.array_to_string(v_details, E'\n'),
                  HINT = 'Nothing was changed. Drop the objects DETAIL names, run ALTER EXTENSION indb_ml UPDATE, '
                         'then create them again.';
    END IF;
END
$indb_ml_upgrade$;
"""


def upgrade_sources(root: Path = ROOT) -> list[Path]:
    """The upgrade sources to the current version: ``sql/upgrade/A--<version>.sql``."""
    return sorted((root / "sql" / "upgrade").glob(f"*--{version(root)}.sql"))


def render_upgrade(source: Path, root: Path = ROOT) -> str:
    """The upgrade script from ``source`` (``sql/upgrade/A--X.Y.Z.sql``): see the module docstring."""
    old, new = source.stem.split("--")
    text = source.read_text()
    kept = [name for line in re.findall(r"^-- @keep (.+)$", text, re.M) for name in line.split()]
    if "-- @drop-members\n" not in text or "-- @install-script\n" not in text:
        raise SystemExit(f"{source}: needs the lines '-- @drop-members' and '-- @install-script'")
    old_script = root / "migrations" / f"indb_ml--{old}.sql"
    old_codes = {_code(s) for s in statements(old_script.read_text())}
    sources = sorted((root / "sql").glob("*.sql"))
    # Types the new version defines as the old one did stay: users' tables may have columns of
    # them (matrix_eigen's eigen_values indb_ml.complex), which would stop their drop.
    for src in sources:
        for statement in statements(src.read_text()):
            code = _code(statement)
            m = re.match(r"CREATE (?:TYPE|DOMAIN) (indb_ml\.\w+)", code)
            if m and code in old_codes and m.group(1) not in kept:
                kept.append(m.group(1))
    body = []
    for src in sources:
        body.append(f"\n-- ---- {src.name} ----\n")
        for statement in statements(src.read_text()):
            code = _code(statement)
            if code and _creates_kept(code, kept, old_codes):
                body.append(f"\n-- (kept from {old}: {code.split('(')[0][:100]})")
            else:
                body.append(statement)
        body.append("\n")
    kept_literal = "ARRAY[" + ", ".join("'" + k.replace("'", "''") + "'" for k in kept) + "]::text[]"
    text = text.replace("-- @drop-members\n", CHANGED_GRANTS + DROP_MEMBERS % {"kept": kept_literal})
    text = text.replace("-- @install-script\n", "".join(body) + "\n")
    return "".join([
        f"-- indb_ml {old} -> {new}: generated from sql/upgrade/{source.name} and sql/*.sql by `make build-sql`;"
        " do not edit.\n",
        f'\\echo Use "ALTER EXTENSION indb_ml UPDATE TO \'{new}\'" to load this file. \\quit\n',
        text,
    ])


def outputs(root: Path = ROOT) -> list[tuple[Path, str]]:
    """Every generated script with its text: the install script and the upgrades to it."""
    result = [(target(root), render(root))]
    for source in upgrade_sources(root):
        result.append((root / "migrations" / f"indb_ml--{source.stem}.sql", render_upgrade(source, root)))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    stale = 0
    for out, text in outputs():
        if args.check:
            if not out.exists() or out.read_text() != text:
                print(f"{out.relative_to(ROOT)} is out of date: run `make build-sql`", file=sys.stderr)
                stale += 1
            continue
        out.write_text(text)
        print(f"wrote {out.relative_to(ROOT)}")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
