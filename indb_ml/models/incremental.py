"""Incremental linear regression: per-partition moment states and ``model_refresh``.

``linregr_train_incremental`` fits exactly what ``linregr_train`` fits and also keeps,
in ``<out_table>_state``, the mergeable moments (:mod:`indb_ml.kernels.comoment`) of
every leaf partition of the source (a plain table is one partition) and group.
``model_refresh`` merges the stored states of unchanged partitions with states
computed only for what changed, and rewrites the model tables: Chan's merge is
exact, so the result equals a full retrain up to float rounding.

The states are those of the C aggregate ``indb_ml._linregr_state`` (``src/comoment.c``),
stored as its bytes: training is one aggregate statement ``GROUP BY tableoid, <groups>``
over the source (partition-wise, parallel workers allowed), appended rows are one such
statement over the new tuples of a partition, and two states of a partition are merged by
the C combine step; the fit merges every partition's states with
:func:`indb_ml.kernels.comoment.comoment_merge`.

Which partitions changed (the rule the refresh applies to each leaf partition):

* not in the state table: new, scanned whole;
* in the state table but no longer a partition (dropped, detached): its state is removed;
* ``count(*)`` equal to the stored count and no visible tuple written since the state was
  computed: unchanged, its state is reused;
* every difference is rows appended since (count = stored count + new tuples): only the new
  tuples are scanned and their moments merged into the partition's state;
* anything else (rows updated or deleted): the partition is scanned whole again.

"Written since" compares each tuple's ``xmin`` with the snapshot ``xmin`` recorded when the
state was computed (``age(xmin) <= age(recorded)``): a tuple inserted or updated after the
state was computed always passes, so no committed change is missed; tuples that were
already counted may pass too, which only costs a rescan. The check is one ``count(*)``
scan per partition, in C, with no Python per row; the refresh holds a SHARE lock on the
source so that no write lands between the check and the scans.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from indb_ml import sqlexpr
from indb_ml.core import packing, passes
from indb_ml.core.features import resolve_features
from indb_ml.core.groups import canonical_keys
from indb_ml.core.relations import Relation, derived, ensure_absent, new_table, resolve_source, summary_of
from indb_ml.core.session import Session, sql_entry
from indb_ml.errors import InputError
from indb_ml.kernels.comoment import comoment_from_cstate, comoment_merge
from indb_ml.kernels.linregr import linregr_finalize
from indb_ml.models.catalog import (
    _tables_exist,
    check_may_manage,
    find_model,
    noting_metrics,
    output_metrics,
    registers,
)
from indb_ml.regress.linregr import BP_COLUMNS, OUTPUT_COLUMNS, _write_output, _write_summary

XID_SAFE_AGE = 2**31 - 10_000_000  # older states cannot be compared by age(): rescan their partitions

USAGE = """\
linregr_train_incremental: linregr_train that can be refreshed from only the changed data.

SELECT indb_ml.linregr_train_incremental(
    source_table,          -- a table or a partitioned table (declarative partitioning)
    out_table,             -- as linregr_train: out_table and out_table_summary
    dependent_varname,     -- 'price'
    independent_varname,   -- 'ARRAY[1, tax, bath, size]' or a float8[] column
    grouping_cols          -- optional: one model per group
);
Also creates out_table_state: one row per leaf partition and group with its moments
(row count, means, co-moment matrix), and registers the model in indb_ml.models.

SELECT * FROM indb_ml.model_refresh('out_table');   -- or the model's catalog name
  After rows arrive (a new partition, rows appended to a partition, updates, deletes),
  refits from the stored states plus only what changed, and rewrites out_table and
  out_table_summary in place. Returns: model, version, partitions, partitions_recomputed,
  partitions_appended, partitions_dropped, rows_scanned, num_rows_processed.
  The result equals linregr_train over the current data (up to float rounding).

Rule: a partition with as many rows as stored and no tuple written since its state was
computed is reused; one whose only change is appended rows has just those rows scanned;
any other change (update, delete) rescans that partition. Train and refresh in
transactions of their own, after the data are committed; the refresh takes a SHARE lock
on the source (writers wait, readers do not).
Not available: heteroskedasticity_option (the Breusch-Pagan test needs every residual).
"""


def incremental_help() -> str:
    return USAGE


@sql_entry
@registers("linregr", tables=("_summary", "_state"))
def linregr_train_incremental(sess: Session, source_table: str, out_table: str, dependent_varname: str,
                              independent_varname: str, grouping_cols: str | None = None) -> None:
    for name, value in (("source_table", source_table), ("out_table", out_table),
                        ("dependent_varname", dependent_varname), ("independent_varname", independent_varname)):
        if value is None:
            raise InputError(f"{name} must not be NULL",
                             hint="SELECT indb_ml.linregr_train_incremental() shows the usage")
    since = _snapshot_xmin(sess)  # before any scan: every tuple the scans miss is newer than this
    source = resolve_source(sess, source_table)
    if source.kind not in ("r", "p"):
        raise InputError(f"linregr_train_incremental: source_table {source.schema}.{source.name} must be a table or "
                         "a partitioned table", hint="views have no row versions to tell new rows from old; "
                         "use linregr_train, or train from the table the view reads")
    out = new_table(sess, out_table)
    summary, state = summary_of(out), derived(out, "_state")
    ensure_absent(sess, summary, "summary table")
    ensure_absent(sess, state, "state table")
    grouping = sqlexpr.parse_name_list(grouping_cols) if grouping_cols and grouping_cols.strip() else []
    clash = set(grouping) & {c for c, _ in OUTPUT_COLUMNS + BP_COLUMNS}
    if clash:
        raise InputError(f"grouping column {sorted(clash)[0]!r} clashes with an output column name")
    features = resolve_features(sess, source, dependent_varname, independent_varname, grouping)
    leaves = _leaves(sess, source)
    scanned = _scan(sess, source.sql(sess), features, source.kind == "p")
    parts = {leaf.oid: scanned.get(leaf.oid, _Part(leaf.name, {}, {}, 0)) for leaf in leaves}
    for leaf in leaves:
        parts[leaf.oid].name = leaf.name
    sess.execute("CREATE TABLE " + state.sql(sess) + " (partition_oid oid NOT NULL, partition_name text NOT NULL, "
                 "group_key text, num_rows bigint NOT NULL, num_skipped bigint NOT NULL, state bytea, "
                 "partition_rows bigint NOT NULL, since xid8 NOT NULL)")
    _store(sess, state, parts, since)
    _fit_and_write(sess, source, out, summary, features, parts, dependent_varname, independent_varname,
                   grouping_cols, create=True)


@dataclass
class _Leaf:
    oid: int
    name: str
    rel: Relation


@dataclass
class _Part:
    """One partition's states: group key -> C state bytes (groups with rows used), group key ->
    rows skipped (every group seen), and the partition's row count."""

    name: str
    states: dict
    skipped: dict
    rows: int


def _snapshot_xmin(sess: Session) -> int:
    return int(sess.one("SELECT pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())::text AS x")["x"])


def _leaves(sess: Session, source: Relation) -> list:
    """The leaf partitions of ``source`` (a plain table is its own one partition)."""
    if source.kind != "p":
        oid = sess.one("SELECT $1::regclass::oid::int8 AS o", [source.sql(sess)], ["text"])["o"]
        return [_Leaf(int(oid), source.sql(sess), Relation(source.schema, source.name, "r"))]
    rows = sess.execute(
        "SELECT t.relid::oid::int8 AS oid, n.nspname, c.relname, c.relkind "
        "FROM pg_catalog.pg_partition_tree($1::regclass) t JOIN pg_catalog.pg_class c ON c.oid = t.relid "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE t.isleaf ORDER BY t.relid", [source.sql(sess)], ["text"])
    leaves = []
    for r in rows:
        if r["relkind"] != "r":
            raise InputError(f"partition {r['nspname']}.{r['relname']} is not a heap table (relkind {r['relkind']})",
                             hint="incremental models need row versions (xmin): foreign partitions have none")
        leaves.append(_Leaf(int(r["oid"]), sess.qualified(r["nspname"], r["relname"]),
                            Relation(r["nspname"], r["relname"], "r")))
    return leaves


def _scan(sess: Session, from_sql: str, features, partitioned: bool = False, where: str = "") -> dict:
    """``{partition oid: _Part}`` from one aggregate statement over ``from_sql``, per partition
    (``tableoid``) and group: the C co-moment state and the row count (NULL rows included)."""
    gkey = passes.group_key_sql(sess, features.group_cols, "s.")
    query = ("SELECT s.tableoid::pg_catalog.int8 AS part, " + gkey + " AS gkey, indb_ml._linregr_state("
             + features.y_sql + ", " + features.x_sql + ") AS state, pg_catalog.count(*) AS n FROM " + from_sql
             + " s" + where + " GROUP BY s.tableoid" + "".join(", s." + sess.ident(g) for g in features.group_cols))
    try:
        with sess.settings({"enable_partitionwise_aggregate": "on"} if partitioned else {}):
            rows = sess.execute(query)
    except sess.spi_error as exc:
        raise passes.pass_error(exc) from None
    parts: dict = {}
    for r in rows:
        part = parts.setdefault(int(r["part"]), _Part("", {}, {}, 0))
        part.rows += int(r["n"])
        moments, part.skipped[r["gkey"]] = comoment_from_cstate(r["state"])
        if moments is not None:
            part.states[r["gkey"]] = bytes(r["state"])
    return parts


def _append(sess: Session, leaf, features, part: _Part, since: int) -> int:
    """Fold the tuples of ``leaf`` written since the snapshot xmin ``since`` into ``part``
    (the C combine step merges each group's state); returns the rows read."""
    where = (" WHERE pg_catalog.age(s.xmin) <= pg_catalog.age(" + sess.literal(str(since % 2**32)) + "::xid)")
    new = _scan(sess, "ONLY " + leaf.rel.sql(sess), features, where=where).get(leaf.oid)
    if new is None:
        return 0
    part.rows += new.rows
    for gkey, n in new.skipped.items():
        part.skipped[gkey] = part.skipped.get(gkey, 0) + n
    for gkey, state in new.states.items():
        if gkey in part.states:
            state = sess.one("SELECT indb_ml._comoment_combine($1, $2) AS s", [part.states[gkey], state],
                             ["bytea", "bytea"])["s"]
        part.states[gkey] = bytes(state)
    return new.rows


def _store(sess: Session, state: Relation, parts: dict, since: int) -> None:
    insert = ("INSERT INTO " + state.sql(sess) + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text::xid8)")
    types = ["oid", "text", "text", "int8", "int8", "bytea", "int8", "text"]
    for oid, part in parts.items():
        keys = set(part.skipped) | set(part.states)
        if not keys:  # an empty partition: a row all the same, so that it is not "new" next time
            sess.execute(insert, [oid, part.name, None, 0, 0, None, part.rows, str(since)], types)
        for gkey in sorted(keys, key=lambda k: k or ""):
            raw = part.states.get(gkey)
            moments = comoment_from_cstate(raw)[0] if raw is not None else None
            n = moments.n if moments is not None else 0
            sess.execute(insert, [oid, part.name, gkey, n, part.skipped.get(gkey, 0), raw, part.rows, str(since)],
                         types)


def _fit_and_write(sess, source, out, summary, features, parts, dependent, independent, grouping_cols,
                   create: bool) -> None:
    """Merge every partition's states per group and write the model as linregr_train writes it."""
    states: dict = {}
    skipped: dict = {}
    for part in parts.values():
        for gkey, n in part.skipped.items():
            skipped[gkey] = skipped.get(gkey, 0) + n
        for gkey, raw in part.states.items():
            skipped.setdefault(gkey, 0)
            states[gkey] = _merge(states.get(gkey), comoment_from_cstate(raw)[0])
    keymap = canonical_keys(sess, source, features.group_cols, skipped)
    merged, merged_skipped = {}, {}
    for raw, canon in keymap.items():
        merged_skipped[canon] = merged_skipped.get(canon, 0) + skipped[raw]
        if raw in states:
            merged[canon] = _merge(merged.get(canon), states[raw])
    total_rows = sum(s.n for s in merged.values())
    total_skipped = sum(merged_skipped.values())
    if total_rows == 0:
        raise InputError(f"no rows to train on: {source.schema}.{source.name} has no row without a NULL",
                         sqlstate=InputError.NO_DATA)
    fits = {g: linregr_finalize(s) for g, s in merged.items()}
    for g, fit in fits.items():
        if fit.collinear:
            sess.warning(f"linregr_train_incremental: the independent variables are collinear"
                         f"{' in group ' + g if g else ''} (rank {fit.rank} of {fit.coef.size})")
    if create:
        _write_output(sess, source, out, features, fits, merged_skipped, {}, False)
        _write_summary(sess, summary, out, source, dependent, independent, grouping_cols, total_rows, total_skipped)
        return
    # A refresh keeps the tables (their OIDs, grants and the views on them): rows are replaced.
    tmp_out, tmp_summary = Relation("pg_temp", "indb_ml_refresh_out"), Relation("pg_temp", "indb_ml_refresh_summary")
    sess.execute("DROP TABLE IF EXISTS " + tmp_out.sql(sess) + ", " + tmp_summary.sql(sess))
    _write_output(sess, source, tmp_out, features, fits, merged_skipped, {}, False)
    _write_summary(sess, tmp_summary, out, source, dependent, independent, grouping_cols, total_rows, total_skipped)
    for real, tmp in ((out, tmp_out), (summary, tmp_summary)):
        sess.execute("DELETE FROM " + real.sql(sess))
        sess.execute("INSERT INTO " + real.sql(sess) + " SELECT * FROM " + tmp.sql(sess))
    sess.execute("DROP TABLE " + tmp_out.sql(sess) + ", " + tmp_summary.sql(sess))


def _load_states(sess: Session, state: Relation) -> dict:
    """partition oid -> (_Part, stored partition row count, since)."""
    loaded: dict = {}
    for r in sess.execute("SELECT partition_oid::int8 AS oid, partition_name, group_key, num_skipped, state, "
                          "partition_rows, since::text AS since FROM " + state.sql(sess)):
        oid = int(r["oid"])
        if oid not in loaded:
            loaded[oid] = (_Part(r["partition_name"], {}, {}, int(r["partition_rows"])), int(r["partition_rows"]),
                           int(r["since"]))
        part = loaded[oid][0]
        if r["group_key"] is not None or r["state"] is not None or r["num_skipped"]:  # not an empty-partition row
            part.skipped[r["group_key"]] = int(r["num_skipped"])
            if r["state"] is not None:
                try:
                    comoment_from_cstate(r["state"])
                except ValueError:  # a state written before the C aggregate: rescan its partition
                    loaded[oid] = (part, -1, loaded[oid][2])
                    continue
                part.states[r["group_key"]] = bytes(r["state"])
    return loaded


def _merge(a, b):
    """Chan's merge of two partitions' moments (states of different widths are an error)."""
    if a is not None and b is not None and a.width != b.width:
        raise packing.dimension_error(f" ({a.width - 1} and {b.width - 1})")
    return comoment_merge(a, b)


@sql_entry
def model_refresh(sess: Session, model_name: str) -> list:
    row = find_model(sess, model_name, action="refresh")
    check_may_manage(sess, row["name"], "refresh")  # before any work; the catalog's trigger checks again
    params = row["parameters"] if isinstance(row["parameters"], dict) else json.loads(row["parameters"])
    if params.get("trainer") != "linregr_train_incremental":
        raise InputError(f"model {row['name']} (version {row['version']}, {row['algorithm']}) keeps no partition "
                         "states, so it cannot be refreshed", hint="train it with indb_ml.linregr_train_incremental")
    if not _tables_exist(sess, row):
        raise InputError(f"model {row['name']}: its output table {row['output_table']} was dropped or replaced")
    sess.execute("SELECT pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtext('indb_ml.models'), "
                 "pg_catalog.hashtext($1))", [row["name"]], ["text"])
    source = resolve_source(sess, row["source_table"])
    out_q = sess.one("SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
                     "ON n.oid = c.relnamespace WHERE c.oid = $1", [row["output_oid"]], ["oid"])
    out = Relation(out_q["nspname"], out_q["relname"])
    summary, state = summary_of(out), derived(out, "_state")
    for rel in (summary, state):
        if not sess.one("SELECT pg_catalog.to_regclass($1) IS NOT NULL AS e", [rel.sql(sess)], ["text"])["e"]:
            raise InputError(f"model {row['name']}: table {rel.schema}.{rel.name} is missing",
                             hint="retrain with indb_ml.linregr_train_incremental")
    # Writers wait until the refresh commits: the check and the scans see the same rows.
    sess.execute("LOCK TABLE " + source.sql(sess) + " IN SHARE MODE")
    since = _snapshot_xmin(sess)
    features = resolve_features(sess, source, params["dependent_varname"], params["independent_varname"],
                                sqlexpr.parse_name_list(params["grouping_cols"])
                                if params.get("grouping_cols") and params["grouping_cols"].strip() else [])
    loaded = _load_states(sess, state)
    leaves = _leaves(sess, source)
    parts, recomputed, appended, scanned = _refresh_parts(sess, features, leaves, loaded)
    dropped = len(set(loaded) - {leaf.oid for leaf in leaves})
    sess.execute("DELETE FROM " + state.sql(sess))
    _store(sess, state, parts, since)
    with noting_metrics() as noted:  # the log-likelihood, which the output table has no column for
        _fit_and_write(sess, source, out, summary, features, parts, params["dependent_varname"],
                       params["independent_varname"], params.get("grouping_cols"), create=False)
    metrics, num_rows = output_metrics(sess, row["output_table"], noted)
    lineage = {"relation": source.sql(sess), "kind": source.kind,
               "snapshot": sess.one("SELECT pg_catalog.pg_current_snapshot()::text AS s")["s"],
               "partitions": sorted(({"name": p.name, "rows": p.rows} for p in parts.values()),
                                    key=lambda p: p["name"])}
    lineage["rows"] = sum(p["rows"] for p in lineage["partitions"])
    sess.execute("INSERT INTO indb_ml.model_requests (action, model_id, metrics, num_rows, lineage) "
                 "VALUES ('refresh', $1, $2::jsonb, $3, $4::jsonb)",
                 [row["id"], json.dumps(metrics), num_rows, json.dumps(lineage)], ["int8", "text", "int8", "text"])
    return [{"model": row["name"], "version": row["version"], "partitions": len(leaves),
             "partitions_recomputed": recomputed, "partitions_appended": appended, "partitions_dropped": dropped,
             "rows_scanned": scanned, "num_rows_processed": num_rows}]


def _refresh_parts(sess: Session, features, leaves: list, loaded: dict):
    """Each current partition's states: reused, appended to, or rescanned (the module's rule)."""
    counts = _check(sess, leaves, loaded)
    parts: dict = {}
    recomputed = appended = scanned = 0
    for leaf in leaves:
        old = loaded.get(leaf.oid)
        n, fresh = counts.get(leaf.oid, (-1, 0))
        if old is not None and n == old[1] and fresh == 0:
            parts[leaf.oid] = old[0]
            old[0].name = leaf.name
        elif old is not None and fresh > 0 and n == old[1] + fresh:
            parts[leaf.oid] = old[0]
            old[0].name = leaf.name
            scanned += _append(sess, leaf, features, old[0], old[2])
            appended += 1
        else:
            part = _scan(sess, "ONLY " + leaf.rel.sql(sess), features).get(leaf.oid, _Part("", {}, {}, 0))
            part.name = leaf.name
            parts[leaf.oid] = part
            recomputed += 1
            scanned += part.rows
    return parts, recomputed, appended, scanned


def _check(sess: Session, leaves: list, loaded: dict) -> dict:
    """``{partition oid: (count(*), tuples written since its state's snapshot xmin)}`` for every
    partition with a state; ``(-1, 0)`` (rescan) when the state is too old to compare by ``age()``.

    One statement per partition, without bound parameters so that SPI may run it with parallel
    workers (measured: faster than one ``GROUP BY tableoid`` over the parent, which is not parallel).
    """
    counts: dict = {}
    current = int(sess.one("SELECT pg_catalog.pg_current_xact_id()::text AS x")["x"]) if loaded else 0
    for leaf in leaves:
        if leaf.oid not in loaded:
            continue
        since = loaded[leaf.oid][2]
        if current - since > XID_SAFE_AGE:
            counts[leaf.oid] = (-1, 0)
            continue
        r = sess.one("SELECT pg_catalog.count(*) AS n, pg_catalog.count(*) FILTER (WHERE pg_catalog.age(xmin) <= "
                     "pg_catalog.age(" + sess.literal(str(since % 2**32)) + "::xid)) AS fresh FROM ONLY "
                     + leaf.rel.sql(sess))
        counts[leaf.oid] = (int(r["n"]), int(r["fresh"]))
    return counts
