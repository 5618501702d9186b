"""Chunked scans that hand blocks of rows to numpy (docs/design.md, section 3, strategy 2).

A heap table is walked in ranges of pages by one statement: a
``generate_series`` of block numbers, laterally joined to an aggregate over
``ctid >= (start,0) AND ctid < (start+step,0)`` (a TID Range Scan per range).
Each range is packed in C into one bytea per group and handed to Python as raw
bytes through a cursor: ``indb_ml._pack_rows(y, x1, ..., xk)`` (src/pack.c)
when the features are listed one by one (no array is built per row: half the
cost of the other way), else ``array_agg`` of the packed row array. So Python
runs once per chunk and group, never per row, and the whole scan sees one
snapshot. Partitioned tables are walked the same way (the ctid
ranges apply to every partition). Relations without a ctid (views, foreign
tables) are numbered with ``row_number()`` and grouped into blocks instead.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from indb_ml.core.features import Features
from indb_ml.core.relations import HEAP_KINDS, Relation
from indb_ml.core.session import Session
from indb_ml.errors import InputError
from indb_ml.kernels.arraybytes import float8_array_with_nulls
from indb_ml.kernels.cstate import packed_rows

CHUNK_PAGES = 128  # 1 MB of heap per chunk; SET indb_ml.chunk_pages to change
CHUNK_ROWS = 10_000  # rows per block when there is no ctid; SET indb_ml.chunk_rows
PACK_ARGS = 99  # indb_ml._pack_rows takes y and the features as arguments: at most 100 with its state


def dimension_error(detail: str = "") -> InputError:
    return InputError(
        "independent variable arrays have different lengths across rows" + detail,
        hint="every row must have the same number of features",
        sqlstate=InputError.ARRAY_DIMENSIONS,
    )


def scan_blocks(sess: Session, source: Relation, f: Features,
                finite: bool = False) -> Iterator[tuple[str | None, int, np.ndarray]]:
    """Yield ``(group key json, rows skipped, block)`` with block = m x (1+k) float64 rows
    (Fortran-ordered when packed from the columns). ``finite``: a block with NaN or
    Infinity is an error (:func:`nonfinite_error`); ``_pack_rows`` says whether it saw one,
    so packed blocks are not scanned again."""
    if _has_ctid(sess, source):
        query, params, types = _ctid_scan(sess, source, f)
    else:
        query, params, types = _numbered_scan(sess, source, f)
    decode = packed_rows if _by_column(f) else _decode
    try:
        for row in sess.cursor(query, params, types):
            block, dropped, clean = decode(row["data"])
            if finite and not (clean or np.isfinite(block).all()):
                raise nonfinite_error(block)
            yield row["gkey"], int(row["skipped"]) + dropped, block
    except sess.spi_error as exc:
        raise _scan_error(exc) from None


def nonfinite_error(block: np.ndarray) -> InputError:
    """The error for a block of rows with NaN or Infinity in them."""
    bad = int((~np.isfinite(block)).any(axis=1).sum())
    return InputError(
        f"{bad} row(s) contain NaN or Infinity in the dependent or an independent variable",
        hint="exclude them, e.g. with a view: WHERE y <> 'NaN' AND abs(x) <> 'Infinity'",
        sqlstate="22P02",
    )


def _by_column(f: Features) -> bool:
    """Whether rows are packed from their columns by ``indb_ml._pack_rows``."""
    return f.listed(PACK_ARGS) is not None


def _setting(sess: Session, name: str, default: int) -> int:
    """A positive integer from the custom setting ``name`` (unset: ``default``)."""
    value = sess.one("SELECT pg_catalog.current_setting($1, true) AS v", [name], ["text"])["v"]
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise InputError(f"{name} must be a positive integer, not {value!r}")
    return int(value)


# The relation and every descendant (partitions or inheritance children): ctid ranges apply to
# each of them, so they are sized by the largest and must all be heap relations.
_TREE = ("WITH RECURSIVE t(c) AS (SELECT $1::regclass::oid UNION ALL SELECT i.inhrelid FROM "
         "pg_catalog.pg_inherits i JOIN t ON i.inhparent = t.c) ")


def _has_ctid(sess: Session, source: Relation) -> bool:
    from indb_ml.core.plan_choice import is_distributed

    if source.kind not in HEAP_KINDS and source.kind != "p":
        return False
    if is_distributed(sess, source):  # shards elsewhere: the numbered scan reads them through Citus
        return False
    kinds = sess.execute(
        _TREE + "SELECT DISTINCT c.relkind FROM t JOIN pg_catalog.pg_class c ON c.oid = t.c WHERE c.relkind <> 'p'",
        [source.sql(sess)],
        ["text"],
    )
    return all(r["relkind"] in HEAP_KINDS for r in kinds)


def _chunk_select(sess: Session, f: Features, from_sql: str, where: str = "", block: str | None = None) -> str:
    """Per group: rows skipped and the packed rows' bytes. Subquery columns are our own aliases."""
    aliases = ["indb_ml_g" + str(i) for i in range(len(f.group_cols))]
    inner = [sess.ident(g) + " AS " + a for g, a in zip(f.group_cols, aliases)]
    columns = ["indb_ml_c" + str(i) for i in range(len(f.row_items))] if _by_column(f) else []
    if columns:
        inner.extend(item + " AS " + c for item, c in zip(f.row_items, columns))
    else:
        inner.append(f.row_sql + " AS indb_ml_z")
    if f.ok_sql is not None:
        inner.append("(" + f.ok_sql + ") AS indb_ml_ok")
    keys = aliases + (["indb_ml_b"] if block else [])
    if block:
        inner.append(block + " AS indb_ml_b")
    if f.group_cols:
        pairs = ", ".join(sess.literal(g) + ", " + a for g, a in zip(f.group_cols, aliases))
        gkey = "pg_catalog.jsonb_build_object(" + pairs + ")::text"
    else:
        gkey = "NULL::text"
    if columns:  # rows with a NULL are counted in the packed value's header
        aggs = "0 AS skipped, indb_ml._pack_rows(" + ", ".join(columns) + ") AS data"
    elif f.ok_sql is None:
        aggs = "0 AS skipped, indb_ml._float8_array_bytes(pg_catalog.array_agg(indb_ml_z), ''::bytea) AS data"
    else:
        aggs = ("pg_catalog.count(*) FILTER (WHERE NOT indb_ml_ok) AS skipped, indb_ml._float8_array_bytes("
                "pg_catalog.array_agg(indb_ml_z) FILTER (WHERE indb_ml_ok), ''::bytea) AS data")
    group_by = " GROUP BY " + ", ".join(keys) if keys else ""
    return ("SELECT " + gkey + " AS gkey, " + aggs + " FROM (SELECT " + ", ".join(inner) + " FROM " + from_sql
            + where + ") s" + group_by)


def _ctid_scan(sess: Session, source: Relation, f: Features):
    size = "(" + _TREE + "SELECT pg_catalog.max(pg_catalog.pg_relation_size(t.c)) FROM t)"
    where = (" WHERE ctid >= pg_catalog.format('(%s,0)', b.start)::tid"
             " AND ctid < pg_catalog.format('(%s,0)', b.start + $2)::tid")
    query = (
        "SELECT c.gkey, c.skipped, c.data FROM pg_catalog.generate_series(0, (" + size
        + " / pg_catalog.current_setting('block_size')::int)::int - 1, $2) AS b(start) CROSS JOIN LATERAL ("
        # the source gets an alias of its own: a table named b would hide the block numbers' b.start
        + _chunk_select(sess, f, source.sql(sess) + " AS indb_ml_src", where) + ") c"
    )
    step = _setting(sess, "indb_ml.chunk_pages", CHUNK_PAGES)
    return query, [source.sql(sess), step], ["text", "int4"]


def _numbered_scan(sess: Session, source: Relation, f: Features):
    rows = _setting(sess, "indb_ml.chunk_rows", CHUNK_ROWS)
    block = "(pg_catalog.row_number() OVER ()) / " + str(rows)
    return _chunk_select(sess, f, source.sql(sess), "", block), [], []


def _scan_error(exc) -> InputError:
    text = str(exc)
    if "different dimensions" in text or "different dimensionality" in text or "empty arrays" in text:
        return dimension_error(" (or some are empty)")
    return InputError("scanning the source failed: " + text, sqlstate=getattr(exc, "sqlstate", None) or "XX000")


def _decode(data: bytes | None) -> tuple[np.ndarray, int, bool]:
    """The block of complete rows, how many rows had a NULL and were dropped, and False
    (whether the values are finite is not known)."""
    if data is None:
        return np.empty((0, 0)), 0, True
    block, present = float8_array_with_nulls(data)
    if block.ndim == 1:
        block = block.reshape(1, -1)
        present = None if present is None else present.reshape(1, -1)
    if present is None:
        return block, 0, False
    complete = present.all(axis=1)
    return block[complete], int(block.shape[0] - complete.sum()), False
