"""Build ``migrations/indb_ml--X.Y.Z.sql`` from the sources in ``sql/``.

The sources are plain SQL grouped by area (``sql/NN_area.sql``), concatenated in
name order behind the ``\\echo ... \\quit`` guard that stops psql users from
running the script by hand. ``--check`` fails when the committed script is stale.

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    text, out = render(), target()
    if args.check:
        if not out.exists() or out.read_text() != text:
            print(f"{out.relative_to(ROOT)} is out of date: run `make build-sql`", file=sys.stderr)
            return 1
        return 0
    out.write_text(text)
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
