"""Chunked scans that hand blocks of rows to numpy (DESIGN.md section 4, strategy 1).

A heap table is walked in ranges of pages (``WHERE ctid >= $1 AND ctid < $2``, a
TID Range Scan). Each range is aggregated in C into one float8[] per group
(``array_agg(ARRAY[y, x...])``) and returned as raw bytes, so Python runs once
per chunk and per group, never per row. Relations without a ctid (views, foreign
and partitioned tables) are streamed through a cursor in numbered blocks instead.
"""

from __future__ import annotations

import json
from typing import Iterator

import numpy as np

from indb_ml.errors import InputError
from indb_ml.kernels.arraybytes import float8_array_with_nulls
from indb_ml.server.features import Features
from indb_ml.server.relations import HEAP_KINDS, Relation
from indb_ml.server.session import Session

CHUNK_PAGES = 512  # 4 MB of heap per query; SET indb_ml.chunk_pages to change
CHUNK_ROWS = 50_000  # rows per block when there is no ctid; SET indb_ml.chunk_rows


def _setting(sess: Session, name: str, default: int) -> int:
    """A positive integer from the custom setting ``name`` (unset: ``default``)."""
    value = sess.one("SELECT current_setting($1, true) AS v", [name], ["text"])["v"]
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise InputError(f"{name} must be a positive integer, not {value!r}")
    return int(value)


def _select(sess: Session, f: Features, source_sql: str, where: str, block_col: str = "") -> str:
    """One chunk's query: per group, the skipped-row count and the packed rows' bytes."""
    keep = list(f.group_cols) + ([block_col] if block_col else [])
    if f.group_cols:
        keys = ", ".join(sess.literal(_unquote(c)) + ", " + c for c in f.group_cols)
        gkey = "jsonb_build_object(" + keys + ")::text"
    else:
        gkey = "NULL::text"
    group_by = " GROUP BY " + ", ".join(keep) if keep else ""
    if f.ok_sql is None:
        inner = ", ".join(keep + [f.row_sql + " AS indb_ml_z"])
        aggs = "0 AS skipped, indb_ml._float8_array_bytes(array_agg(indb_ml_z), ''::bytea) AS data "
    else:
        inner = ", ".join(keep + [f.row_sql + " AS indb_ml_z", "(" + f.ok_sql + ") AS indb_ml_ok"])
        aggs = ("count(*) FILTER (WHERE NOT indb_ml_ok) AS skipped, "
                "indb_ml._float8_array_bytes(array_agg(indb_ml_z) FILTER (WHERE indb_ml_ok), ''::bytea) AS data ")
    inner_query = "(SELECT " + inner + " FROM " + source_sql + where + ") s"
    return "SELECT " + gkey + " AS gkey, " + aggs + "FROM " + inner_query + group_by


def _unquote(quoted: str) -> str:
    if quoted.startswith('"'):
        return quoted[1:-1].replace('""', '"')
    return quoted


def scan_blocks(sess: Session, source: Relation, f: Features) -> Iterator[tuple[str | None, int, np.ndarray]]:
    """Yield ``(group key json, rows skipped, block)`` with block = m x (1+k) float64 rows."""
    for part in _leaves(sess, source):
        rows = _tid_chunks(sess, part, f) if part.kind in HEAP_KINDS else _cursor_chunks(sess, part, f)
        for row in rows:
            block, dropped = _decode(row["data"])
            yield row["gkey"], int(row["skipped"]) + dropped, block


def _leaves(sess: Session, source: Relation) -> list[Relation]:
    """A partitioned table is scanned partition by partition, each in TID ranges."""
    if source.kind != "p":
        return [source]
    rows = sess.execute(
        "SELECT n.nspname, c.relname, c.relkind FROM pg_partition_tree(to_regclass($1)) t "
        "JOIN pg_catalog.pg_class c ON c.oid = t.relid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE t.isleaf ORDER BY t.relid",
        [source.sql(sess)],
        ["text"],
    )
    return [Relation(r["nspname"], r["relname"], r["relkind"]) for r in rows]


def _tid_chunks(sess: Session, source: Relation, f: Features):
    pages = sess.one(
        "SELECT (pg_relation_size(to_regclass($1)) / current_setting('block_size')::int)::int AS p",
        [source.sql(sess)],
        ["text"],
    )["p"]
    step = _setting(sess, "indb_ml.chunk_pages", CHUNK_PAGES)
    bounded = _select(sess, f, source.sql(sess), " WHERE ctid >= $1 AND ctid < $2")
    last = _select(sess, f, source.sql(sess), " WHERE ctid >= $1")
    for start in range(0, max(pages, 1), step):
        lo = f"({start},0)"
        end = start + step
        try:
            if end >= pages:
                yield from sess.execute(last, [lo], ["tid"])
            else:
                yield from sess.execute(bounded, [lo, f"({end},0)"], ["tid", "tid"])
        except sess.spi_error as exc:
            raise _scan_error(exc) from None


def _cursor_chunks(sess: Session, source: Relation, f: Features):
    rows = _setting(sess, "indb_ml.chunk_rows", CHUNK_ROWS)
    numbered = "(SELECT *, (row_number() OVER ()) / " + str(rows) + " AS indb_ml_block FROM " + source.sql(sess) + ") n"
    query = _select(sess, f, numbered, "", "indb_ml_block")
    try:
        cur = sess.cursor(query)
        while True:
            rows = cur.fetch(64)
            if not len(rows):
                break
            yield from rows
    except sess.spi_error as exc:
        raise _scan_error(exc) from None


def _scan_error(exc) -> InputError:
    text = str(exc)
    if "different dimensions" in text or "different dimensionality" in text or "empty arrays" in text:
        return InputError(
            "independent variable arrays have different lengths across rows (or are empty)",
            hint="every row must have the same number of features",
            sqlstate=InputError.ARRAY_DIMENSIONS,
        )
    return InputError("scanning the source failed: " + text)


def _decode(data: bytes | None) -> tuple[np.ndarray, int]:
    """The block of complete rows, and how many rows had a NULL and were dropped."""
    if data is None:
        return np.empty((0, 0)), 0
    block, present = float8_array_with_nulls(data)
    if block.ndim == 1:
        block = block.reshape(1, -1)
        present = None if present is None else present.reshape(1, -1)
    if present is None:
        return block, 0
    complete = present.all(axis=1)
    return block[complete], int(block.shape[0] - complete.sum())


def group_values(gkey: str | None) -> dict:
    return json.loads(gkey) if gkey else {}
