"""``indb_ml.knn``: MADlib's k-nearest neighbours, as one SQL statement over pgvector.

Every test point gets its k neighbours from a ``CROSS JOIN LATERAL (SELECT ... FROM
point_source ORDER BY point <op> test LIMIT k)``: PostgreSQL runs the top-k per test
point in C (pgvector's distance operators), with an HNSW or IVFFlat index scan when
one matches the column and the operator, and a sequential scan with a top-k sort
(exact search) otherwise. Votes, averages and neighbour lists are plain SQL
aggregates over those rows: no Python per row or per test point.

Why pgvector and not float8 arithmetic: the index scans need the ``vector`` type
and its operators, and exact search through the same operators is ~1 us per pair
in C (a PL/pgSQL distance per pair is several times slower). The price is float4:
points are rounded to float4 when cast, and distances accumulate in float4
(relative error ~1e-7 x dimension), which reorders neighbours only when their
distances agree to about that precision.

Ties, made deterministic: neighbours are ranked by (distance, point_id); exact
search also breaks a tie at the k-th place by the smaller point_id. A vote tie between labels
is MADlib's: the smallest label (its ``mode()``), or with ``weighted_avg`` the largest label among
the equal weight sums (its ``last_value`` ordered by sum and label).

MADlib's ``algorithm => 'kd_tree'`` (an approximate search inside kd-tree regions) is
:mod:`indb_ml.neighbors.kdtree`. Like MADlib, knn writes no ``_summary`` table; how the search ran
(exact, an index, the plan) is a DEBUG2 message (``SET client_min_messages = debug2``).

On Citus, a distributed ``point_source`` is searched shard by shard: the test points
are sent once to every worker (a CTE, which Citus broadcasts), each shard returns its
own top k per test point (the same LATERAL, run on every shard as written, with the
shard's copy of the vector index if any), and the k * shards candidates are merged
by (distance, point_id) on the coordinator, which gives exactly the global top k.
The output is distributed like ``test_source`` when that is distributed.

Progress (``indb_ml.progress``, ``SET indb_ml.show_progress = on``), as ``knn``: a step before
each phase, so the view shows the one that runs: ``index`` (the plan looked at, a vector
index built if asked for) then ``search`` (the one statement that finds the neighbours and
writes the output); kd_tree: ``load`` (the points copied with their region), ``index`` (the
tree split), ``search``.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import math
import re
from dataclasses import dataclass

from indb_ml import sqlexpr
from indb_ml.core import distributed, progress
from indb_ml.core.features import NUMERIC_ARRAYS, _types
from indb_ml.core.flags import session_flag
from indb_ml.core.params import parse_params
from indb_ml.core.relations import Relation, name_too_long, new_table, resolve_source
from indb_ml.core.session import Session, sql_entry
from indb_ml.errors import InputError
from indb_ml.neighbors import kdtree

USAGE = """\
knn: k-nearest neighbours classification and regression, MADlib-compatible, over pgvector.

SELECT indb_ml.knn(
    point_source,       -- table or view with the training points
    point_column_name,  -- their vectors: a vector, float8[] (or other numeric array) column or expression
    point_id,           -- column with unique ids of the training points
    label_column_name,  -- column with labels (boolean/integer/text: classification by majority vote)
                        --   or values (real/float8/numeric: regression by the mean); NULL: neighbours only
    test_source,        -- table or view with the points to classify
    test_column_name,   -- their vectors (same dimension)
    test_id,            -- column with unique ids of the test points
    output_table,       -- table to create
    k,                  -- optional, default 1: number of neighbours
    output_neighbors,   -- optional, default true: add k_nearest_neighbours and distance arrays
    fn_dist,            -- optional, default 'squared_dist_norm2'; also dist_norm2, dist_norm1,
                        --   dist_angle, dist_tanimoto ('madlib.' or 'indb_ml.' prefixes accepted), or
                        --   a function (float8[], float8[]) RETURNS float8 (exact search, no index)
    weighted_avg,       -- optional, default false: weight each neighbour by 1/distance
    algorithm,          -- optional, default 'brute_force' (MADlib's): always exact; 'auto': an
                        --   HNSW/IVFFlat index when one matches, else exact; 'hnsw' / 'ivfflat': use such an index,
                        --   building one on point_source if none matches (the index is kept);
                        --   'kd_tree': MADlib's kd-tree (approximate: only the points of the test
                        --   point's region, or of the leaf_nodes regions with the nearest centres)
    algorithm_params    -- optional: 'ef_search=100' (HNSW, default max(100, 2k)), 'probes=5' (IVFFlat,
                        --   default ceil(sqrt(lists))); when building: 'm=16, ef_construction=64' (hnsw),
                        --   'lists=20' (ivfflat, default rows/1000, at least 1);
                        --   'depth=3, leaf_nodes=2' (kd_tree, MADlib's defaults)
);

output_table: id, <test_column_name>, prediction (no prediction without a label column),
k_nearest_neighbours (point ids, nearest first), distance (their fn_dist distances).
No summary table (as MADlib); SET client_min_messages = debug2 shows the search used and its plan.
Distances are computed by pgvector in float4. Operators: dist_norm2 and squared_dist_norm2 <->,
dist_norm1 <+> (HNSW only), dist_angle <=>; dist_tanimoto has no operator and is always exact.
"""

ALGORITHMS = ("auto", "brute_force", "hnsw", "ivfflat", "kd_tree")
CLASS_TYPES = {"bool", "int2", "int4", "int8", "text", "varchar", "bpchar"}
VALUE_TYPES = {"float4", "float8", "numeric"}
ZERO_DISTANCE_WEIGHT = 1e107  # MADlib's weight for a neighbour at distance 0
_candidates = itertools.count(1)  # names of the per-shard candidate tables (Citus)


@dataclass(frozen=True)
class Metric:
    """How one of MADlib's distance functions runs on pgvector."""

    op: str | None  # pgvector ordering operator; None: no operator (exact only)
    opclass: str | None  # operator class for an index
    ivfflat: bool  # IVFFlat has this operator class
    dist: str  # the reported distance, {p} and {t} being vectors, {v} pgvector's schema
    user: str | None = None  # a user-defined fn_dist: the function's quoted qualified name (on float8[])


METRICS = {  # pgvector's C functions (NaN of a zero vector's cosine -> MADlib's pi, via float8smaller)
    "squared_dist_norm2": Metric("<->", "vector_l2_ops", True, "{v}.vector_l2_squared_distance({p}, {t})"),
    "dist_norm2": Metric("<->", "vector_l2_ops", True, "{v}.l2_distance({p}, {t})"),
    "dist_norm1": Metric("<+>", "vector_l1_ops", False, "{v}.l1_distance({p}, {t})"),
    "dist_angle": Metric("<=>", "vector_cosine_ops", True,
                         "pg_catalog.acos(1 - pg_catalog.float8smaller({v}.cosine_distance({p}, {t}), 2))"),
    # 1 - x.y / (|x|^2 + |y|^2 - x.y) with pgvector's C functions (NaN when both are zero, as MADlib)
    "dist_tanimoto": Metric(None, None, False,
                            "COALESCE(1 - {v}.inner_product({p}, {t}) / NULLIF({v}.vector_norm({p}) ^ 2 "
                            "+ {v}.vector_norm({t}) ^ 2 - {v}.inner_product({p}, {t}), 0), 'NaN'::float8)"),
}


@dataclass(frozen=True)
class Side:
    """One input table: its vector expression (as a pgvector vector) and what was checked."""

    rel: Relation
    text: str  # the user's column name or expression
    cast: str  # "" for a vector(d) column, else "::<schema>.vector(d)"
    rows: int
    dim: int
    is_vector: bool = False  # a pgvector column or expression (else a numeric array)

    def vec(self, sess: Session, alias: str | None) -> str:
        """The vector over ``alias``'s columns (None: unqualified, as an index key)."""
        return "((" + _expr(sess, self.text, alias) + ")" + self.cast + ")"

    def float8s(self, sess: Session, alias: str) -> str:
        """The point as float8[] (the kd-tree's coordinates)."""
        return "((" + _expr(sess, self.text, alias) + ")" + ("::real[]" if self.is_vector else "") + "::float8[])"


def metric_of(fn_dist: str | None) -> tuple[str, Metric | None]:
    """MADlib's fn_dist name (with or without a 'madlib.' / 'indb_ml.' schema) -> its metric; None for
    any other name, which :func:`user_distance` resolves as a user-defined function."""
    name = (fn_dist or "").strip().lower() or "squared_dist_norm2"
    for prefix in ("madlib.", "indb_ml."):
        if name.startswith(prefix):
            name = name[len(prefix):]
    if name not in METRICS:
        return (fn_dist or "").strip(), None
    return name, METRICS[name]


def user_distance(sess: Session, fn_dist: str) -> tuple[str, Metric]:
    """A user-defined fn_dist (MADlib's "DOUBLE PRECISION[] x, DOUBLE PRECISION[] y -> DOUBLE PRECISION"):
    resolved by the catalog (to_regprocedure with exactly that signature, the name a bound parameter),
    checked (a plain function returning one float8, EXECUTE privilege) and called by its quoted
    qualified name from pg_proc, never by the user's text. The distance runs on float8[] points."""
    sig = "(double precision[], double precision[]) returning double precision"
    shown = fn_dist if len(fn_dist) <= 80 else fn_dist[:80] + "..."
    hint = ("fn_dist is one of " + ", ".join(METRICS) + ", or the name of a function with the signature "
            "(double precision[], double precision[]) RETURNS double precision")
    not_a_name = InputError(f"knn: fn_dist {shown!r} is not one of MADlib's distance functions nor the name of a "
                            f"function {sig}", hint=hint, sqlstate="42883")
    try:  # split as PostgreSQL reads a name (the same path as new_table's), then quoted again
        parts = sess.one("SELECT pg_catalog.parse_ident($1) AS p", [fn_dist], ["text"])["p"]
    except sess.spi_error:
        raise not_a_name from None
    if not 1 <= len(parts) <= 2 or name_too_long(*([None] + parts)[-2:]) is not None:
        raise not_a_name
    row = sess.one(
        "SELECT n.nspname, p.proname, p.prokind, p.proretset, "
        "p.prorettype = 'pg_catalog.float8'::pg_catalog.regtype AS float8_result, "
        "pg_catalog.has_function_privilege(p.oid, 'EXECUTE') AS can_execute "
        "FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
        "WHERE p.oid = pg_catalog.to_regprocedure($1 || '(pg_catalog.float8[], pg_catalog.float8[])')",
        [sess.qualified(*parts) if len(parts) == 2 else sess.ident(parts[0])], ["text"])
    if row is None:
        args = sig[:sig.index(" returning")]
        raise InputError(f"knn: unknown fn_dist {shown!r}: no function {fn_dist.strip()}{args} is visible",
                         hint=hint, sqlstate="42883")
    name = row["nspname"] + "." + row["proname"]
    if row["prokind"] != "f" or row["proretset"] or not row["float8_result"]:
        raise InputError(f"knn: fn_dist {name} is not a plain function {sig}", hint=hint, sqlstate="42883")
    if not row["can_execute"]:
        raise InputError(f"knn: permission denied to execute fn_dist {name}",
                         hint="GRANT EXECUTE ON FUNCTION ... TO the role calling knn", sqlstate="42501")
    call = sess.qualified(row["nspname"], row["proname"]).replace("{", "{{").replace("}", "}}")
    # {p} and {t}: vectors (the kd-tree's, rounded to float4) as float8[]; the exact search passes
    # the points' own float8[] through Metric.user.
    as_f8 = "::pg_catalog.float4[]::pg_catalog.float8[]"
    fn = sess.qualified(row["nspname"], row["proname"])
    return name, Metric(None, None, False, call + "(({p})" + as_f8 + ", ({t})" + as_f8 + ")", fn)


def _expr(sess: Session, text: str, alias: str | None, arg: str = "expression") -> str:
    """The user's column or expression, with every column qualified by ``alias``."""
    try:
        node = sqlexpr.parse(text)
    except InputError as exc:
        raise InputError(f"knn: {arg} {text!r}: {exc.message}", hint=exc.hint, sqlstate=exc.sqlstate) from None
    quote = sess.ident if alias is None else (lambda n: alias + "." + sess.ident(n))
    return sqlexpr.to_sql(node, quote, sess.literal, function_schema="pg_catalog")


def _column(sess: Session, rel: Relation, text: str | None, arg: str) -> str:
    """One plain column of ``rel`` (quoted), or an error naming ``arg``."""
    if text is None or not text.strip():
        raise InputError(f"knn: {arg} must not be empty", hint="SELECT indb_ml.knn() shows the usage")
    try:
        names = sqlexpr.parse_name_list(text)
    except InputError as exc:
        raise InputError(f"knn: {arg} {text!r}: {exc.message}", hint=exc.hint, sqlstate=exc.sqlstate) from None
    if len(names) != 1:
        raise InputError(f"knn: {arg} {text!r} must name one column")
    _types(sess, rel, [sess.ident(names[0])], f"{arg} {text!r}")
    return sess.ident(names[0])


def _vector_schema(sess: Session) -> str:
    row = sess.one("SELECT e.extnamespace::regnamespace::text AS s FROM pg_catalog.pg_extension e "
                   "WHERE e.extname = 'vector'")
    if row is None:
        raise InputError("knn needs the pgvector extension", hint="CREATE EXTENSION vector")
    # Load pgvector's library so that its settings (hnsw.ef_search, ...) exist in this backend.
    sess.execute("SELECT '[1]'::" + sess.ident(row["s"]) + ".vector")
    return row["s"]


def _side(sess: Session, rel: Relation, text: str, arg: str, id_sql: str, vs: str, label_sql: str | None,
          dim: int | None) -> Side:
    """Check one table's vectors (type, NULLs, dimension, finiteness), ids and labels in one scan."""
    if text is None or not text.strip():
        raise InputError(f"knn: {arg} must not be empty", hint="name a vector or numeric array column")
    bare = _expr(sess, text, None, arg)
    (typ,) = _types(sess, rel, [bare], f"{arg} {text!r}")
    expr = _expr(sess, text, "x")
    if typ.typname == "vector":
        null_vec, dims, multi, nonfinite = expr + " IS NULL", vs + ".vector_dims(" + expr + ")", "false", "false"
    elif typ.typname in NUMERIC_ARRAYS:
        arr = "(" + expr + ")::float8[]"
        null_vec = expr + " IS NULL OR pg_catalog.array_position(" + arr + ", NULL) IS NOT NULL"
        dims = "pg_catalog.cardinality(" + expr + ")"
        multi = "pg_catalog.array_ndims(" + expr + ") > 1"
        nonfinite = ("'NaN'::float8 = ANY(" + arr + ") OR 'Infinity'::float8 = ANY(" + arr
                     + ") OR '-Infinity'::float8 = ANY(" + arr + ")")
    else:
        raise InputError(
            f"knn: {arg} {text!r} has type {typ.name}; it must be a pgvector vector or a numeric array",
            hint="e.g. a float8[] or vector(32) column, or 'ARRAY[x1, x2, x3]'",
            sqlstate=InputError.DATATYPE_MISMATCH)
    label_check = ", count(*) FILTER (WHERE x." + label_sql + " IS NULL) AS null_labels" if label_sql else ""
    stats = sess.one(
        "SELECT count(*) AS n, count(*) FILTER (WHERE x." + id_sql + " IS NULL) AS null_ids, count(DISTINCT x."
        + id_sql + ") AS ids, count(*) FILTER (WHERE " + null_vec + ") AS null_vecs, count(*) FILTER (WHERE "
        + multi + ") AS multi, count(*) FILTER (WHERE " + nonfinite + ") AS nonfinite, min(" + dims
        + ") AS dmin, max(" + dims + ") AS dmax" + label_check + " FROM " + rel.sql(sess) + " x")
    where = f"{rel.schema}.{rel.name}"
    if stats["n"] == 0:
        raise InputError(f"knn: {where} has no rows", sqlstate=InputError.NO_DATA)
    if stats["null_vecs"]:
        raise InputError(f"knn: {arg} {text!r} is NULL or has NULL elements in {stats['null_vecs']} rows of {where}",
                         hint="fill them or filter them out (a view with WHERE ... IS NOT NULL)", sqlstate="22004")
    if stats["null_ids"] or stats["ids"] != stats["n"]:
        raise InputError(f"knn: the ids of {where} must be unique and not NULL "
                         f"({stats['null_ids']} NULL, {stats['n'] - stats['null_ids'] - stats['ids']} repeated)")
    if stats["multi"]:
        raise InputError(f"knn: {arg} {text!r} has multi-dimensional arrays in {where}",
                         sqlstate=InputError.ARRAY_DIMENSIONS)
    if stats["nonfinite"]:
        raise InputError(f"knn: {arg} {text!r} has NaN or infinite elements in {stats['nonfinite']} rows of {where}",
                         hint="pgvector stores finite numbers only")
    if stats["dmin"] != stats["dmax"] or stats["dmin"] == 0:
        raise InputError(f"knn: {arg} {text!r} has vectors of {stats['dmin']} to {stats['dmax']} elements in {where}",
                         hint="every vector must have the same number (at least 1) of elements",
                         sqlstate=InputError.ARRAY_DIMENSIONS)
    if dim is not None and stats["dmin"] != dim:
        raise InputError(f"knn: the test vectors have {stats['dmin']} elements but the points have {dim}",
                         hint="point_column_name and test_column_name must have the same dimension",
                         sqlstate=InputError.ARRAY_DIMENSIONS)
    if label_sql and stats["null_labels"]:
        raise InputError(f"knn: label_column_name is NULL in {stats['null_labels']} rows of {where}",
                         hint="filter them out with a view", sqlstate="22004")
    d = int(stats["dmin"])
    typmod = _vector_typmod(sess, rel, bare) if typ.typname == "vector" else -1
    # A vector(d) column is used as it is (an index on the column serves it); anything else is cast to
    # vector(d), which an expression index on exactly that cast serves.
    return Side(rel, text, "" if typmod == d else "::" + vs + ".vector(" + str(d) + ")", int(stats["n"]), d,
                typ.typname == "vector")


def _vector_typmod(sess: Session, rel: Relation, bare: str) -> int:
    res = sess.execute("SELECT " + bare + " FROM " + rel.sql(sess) + " LIMIT 0")
    return int(res.coltypmods()[0])


def _algorithm_params(text: str | None, algorithm: str, k: int, n: int) -> dict:
    if algorithm == "kd_tree":
        depth, leaf_nodes = kdtree.parse_kd_params(text)
        return {"depth": depth, "leaf_nodes": leaf_nodes, "ef_search": None, "probes": None}
    p = parse_params(text, {"ef_search": (int, None), "probes": (int, None), "m": (int, None),
                            "ef_construction": (int, None), "lists": (int, None)}, "algorithm_params")
    builds = {"hnsw": ("m", "ef_construction"), "ivfflat": ("lists",)}
    for key in ("m", "ef_construction", "lists"):
        if p[key] is not None and key not in builds.get(algorithm, ()):
            raise InputError(f"knn: algorithm_params {key} applies only when algorithm builds that index",
                             hint="m and ef_construction with algorithm='hnsw', lists with algorithm='ivfflat'")
    if algorithm == "brute_force" and (p["ef_search"] is not None or p["probes"] is not None):
        raise InputError("knn: ef_search and probes do not apply to algorithm='brute_force'")
    p["m"] = 16 if p["m"] is None else p["m"]
    p["ef_construction"] = 64 if p["ef_construction"] is None else p["ef_construction"]
    if p["lists"] is None:  # pgvector's advice: rows / 1000 up to 1M rows, sqrt(rows) above
        p["lists"] = max(1, n // 1000) if n <= 1_000_000 else int(math.sqrt(n))
    if p["ef_search"] is None:
        p["ef_search"] = min(1000, max(100, 2 * k))
    limits = {"ef_search": (1, 1000), "probes": (1, 32768), "m": (2, 100), "ef_construction": (4, 1000),
              "lists": (1, 32768)}
    for key, (lo, hi) in limits.items():
        if p[key] is not None and not lo <= p[key] <= hi:
            raise InputError(f"knn: algorithm_params {key}={p[key]} is out of range [{lo}, {hi}]")
    if algorithm == "hnsw" and p["ef_construction"] < 2 * p["m"]:
        raise InputError("knn: ef_construction must be at least 2 * m (pgvector)")
    return p


def _neighbours_sql(sess: Session, points: Side, test: Side, metric: Metric, vs: str, k: int, exact: bool,
                    pid: str, label: str | None, tid: str, layout: str = "local") -> str:
    """The LATERAL top-k join: one row per (test point, neighbour). ``exact`` adds point_id as a second
    sort key (ties at the k-th place go to the smaller id), which also keeps index scans out.

    ``layout`` (Citus): 'local' as is; 'test_cte' reads the test rows through a materialized CTE
    (a distributed test_source is pulled once); 'per_shard' also ends with the outer LIMIT that
    :func:`indb_ml.core.distributed.per_shard_limits` needs, and returns every shard's top k."""
    p, t = points.vec(sess, "p"), test.vec(sess, "t")
    dist = metric.dist.format(p=p, t=t, v=vs)
    order = dist if metric.op is None else p + " OPERATOR(" + vs + "." + metric.op + ") " + t
    sort, dist_out = order, dist + " AS dist"
    if metric.user is not None:  # the user's function on the points as float8[] (no float4 rounding),
        # called once per pair (sorted by its output name): a volatile function gives one value
        order = metric.user + "(" + points.float8s(sess, "p") + ", " + test.float8s(sess, "t") + ")"
        sort, dist_out = "ord", "NULL::pg_catalog.float8 AS dist"
    source = test.rel.sql(sess) + " t" if layout == "local" else "tq t"
    query = ("SELECT t." + tid + " AS tid, n.pid, n.ord, " + ("n.ord AS dist" if metric.user else "n.dist")
             + (", n.label" if label else "")
             + " FROM " + source + " CROSS JOIN LATERAL (SELECT p." + pid + " AS pid, " + order
             + " AS ord, " + dist_out + (", " + label + " AS label" if label else "") + " FROM "
             + points.rel.sql(sess) + " p ORDER BY " + sort + (", p." + pid if exact else "") + " LIMIT "
             + str(int(k)) + ") n")
    if layout == "local":
        return query
    query = "WITH tq AS MATERIALIZED (SELECT * FROM " + test.rel.sql(sess) + ") " + query
    return query + (" LIMIT 9223372036854775807" if layout == "per_shard" else "")


def _plan(sess: Session, query: str) -> tuple[str, list[str]]:
    """EXPLAIN text (for the summary), and the names of the indexes the plan scans (from the JSON form)."""
    text = "\n".join(r["QUERY PLAN"] for r in sess.execute("EXPLAIN " + query))
    tree = json.loads(sess.one("EXPLAIN (FORMAT JSON) " + query)["QUERY PLAN"])
    names, todo = [], [(node, False) for node in tree]
    while todo:  # every nested plan, also the shards' plans inside a Citus plan ("Remote Plan")
        node, remote = todo.pop()
        if isinstance(node, dict):
            if "Index Name" in node:  # a shard's index is named <index>_<shard id>
                names.append(re.sub(r"_\d+$", "", node["Index Name"]) if remote else node["Index Name"])
            todo.extend((value, remote or key == "Remote Plan") for key, value in node.items())
        elif isinstance(node, list):
            todo.extend((value, remote) for value in node)
    return text, names


def _vector_index(sess: Session, points: Side, names: list[str]) -> tuple[str, str, str] | None:
    """(name, access method, reloptions) of the HNSW/IVFFlat index on point_source (or a partition) among ``names``."""
    if not names:
        return None
    row = sess.one(
        "SELECT c.relname, a.amname, pg_catalog.array_to_string(c.reloptions, ',') AS opts "
        "FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid "
        "JOIN pg_catalog.pg_am a ON a.oid = c.relam "
        "WHERE (i.indrelid = $1::regclass "
        "OR i.indrelid IN (SELECT relid FROM pg_catalog.pg_partition_tree($1::regclass))) "
        "AND c.relname = ANY($2) AND a.amname IN ('hnsw', 'ivfflat') ORDER BY c.relname LIMIT 1",
        [points.rel.sql(sess), names], ["text", "text[]"])
    return None if row is None else (row["relname"], row["amname"], row["opts"] or "")


def _build_index(sess: Session, points: Side, metric: Metric, algorithm: str, params: dict, vs: str) -> None:
    """CREATE INDEX on point_source over exactly the expression the query orders by (kept afterwards)."""
    if points.rel.kind not in ("r", "m", "p"):
        raise InputError(f"knn: algorithm={algorithm!r} cannot build an index on {points.rel.name}, which is not "
                         "a table", hint="index the underlying table, or use algorithm='auto' / 'brute_force'")
    with_ = (f"m = {int(params['m'])}, ef_construction = {int(params['ef_construction'])}" if algorithm == "hnsw"
             else f"lists = {int(params['lists'])}")
    sess.execute("CREATE INDEX ON " + points.rel.sql(sess) + " USING " + algorithm + " (" + points.vec(sess, None)
                 + " " + vs + "." + metric.opclass + ") WITH (" + with_ + ")")


def _output_sql(sess: Session, neighbours: str, test: Side, tid: str, label_kind: str | None, weighted: bool,
                neighbours_out: bool, top: int | None = None) -> str:
    """Votes or averages and the neighbour arrays over the LATERAL rows, joined back to the test rows.

    Neighbours are ranked by (distance, point_id); weights are 1/distance (MADlib's, with 1e107 at
    distance 0); a vote tie goes to the smallest label (MADlib's ``mode()``), a weighted one to the
    largest label among the equal sums (MADlib's ``last_value`` ordered by sum, label). ``top``:
    keep the ``top`` first per test point (merging the shards' candidates)."""
    w = f"CASE WHEN dist = 0 THEN {ZERO_DISTANCE_WEIGHT:g}::float8 ELSE 1 / dist END"
    cols = ["t." + tid + " AS id", _expr(sess, test.text, "t") + " AS " + sess.ident(test.text.strip())]
    agg, joins = ["tid"], ""
    if label_kind == "class":
        score = "sum(w)" if weighted else "count(*)"
        joins = (" JOIN (SELECT DISTINCT ON (tid) tid, label FROM (SELECT tid, label, " + score
                 + " AS score FROM ranked GROUP BY tid, label) g ORDER BY tid, score DESC NULLS LAST, label"
                 + (" DESC" if weighted else "") + ") v ON v.tid = a.tid")
        cols.append("v.label AS prediction")
    elif label_kind == "value":
        agg.append(("sum(label * w) / sum(w)" if weighted else "avg(label)") + " AS prediction")
        cols.append("a.prediction")
    if neighbours_out:
        agg += ["array_agg(pid ORDER BY r) AS k_nearest_neighbours", "array_agg(dist ORDER BY r) AS distance"]
        cols += ["a.k_nearest_neighbours", "a.distance"]
    ranked = "SELECT nb.*, row_number() OVER (PARTITION BY tid ORDER BY ord, pid) AS r, " + w + " AS w FROM nb"
    if top is not None:
        ranked = "SELECT * FROM (" + ranked + ") x WHERE r <= " + str(int(top))
    return ("WITH nb AS MATERIALIZED (" + neighbours + "), ranked AS MATERIALIZED (" + ranked + "), "
            "a AS (SELECT " + ", ".join(agg) + " FROM ranked GROUP BY tid) "
            "SELECT " + ", ".join(cols) + " FROM a JOIN " + test.rel.sql(sess) + " t ON t." + tid + " = a.tid"
            + joins + " ORDER BY 1")


@sql_entry
def knn(sess, point_source, point_column_name, point_id, label_column_name, test_source, test_column_name,
        test_id, output_table, k=1, output_neighbors=True, fn_dist=None, weighted_avg=False, algorithm=None,
        algorithm_params=None) -> None:
    for name, value in (("point_source", point_source), ("point_column_name", point_column_name),
                        ("point_id", point_id), ("test_source", test_source), ("test_column_name", test_column_name),
                        ("test_id", test_id), ("output_table", output_table)):
        if value is None:
            raise InputError(f"knn: {name} must not be NULL", hint="SELECT indb_ml.knn() shows the usage")
    k = 1 if k is None else int(k)
    output_neighbors = True if output_neighbors is None else bool(output_neighbors)
    if k < 1:
        raise InputError(f"knn: k={k} must be at least 1", hint="k is the number of neighbours")
    has_label = label_column_name is not None and label_column_name.strip() != ""
    if not has_label and not output_neighbors:
        raise InputError("knn: with no label_column_name and output_neighbors false there is nothing to output",
                         hint="pass a label column, or output_neighbors => true")
    fn_name, metric = metric_of(fn_dist)
    if metric is None:
        fn_name, metric = user_distance(sess, fn_name)
    algorithm = _algorithm(algorithm, fn_name, metric)
    if metric.user is None and algorithm == "brute_force" and session_flag(sess, "indb_ml.madlib_knn"):
        # MADlib's arithmetic: the distance in float8 on the points' own values (indb_ml's function of
        # the same name), not pgvector's float4; exact, as MADlib's brute force, and slower
        fn_name, metric = user_distance(sess, "indb_ml." + fn_name)
    if test_column_name.strip() in ("id", "prediction", "k_nearest_neighbours", "distance"):
        raise InputError(f"knn: test_column_name {test_column_name!r} clashes with an output column name",
                         hint="rename it in a view")

    points_rel = resolve_source(sess, point_source, "point_source")
    test_rel = resolve_source(sess, test_source, "test_source")
    out = new_table(sess, output_table, "output_table")
    vs = sess.ident(_vector_schema(sess))
    pid = _column(sess, points_rel, point_id, "point_id")
    tid = _column(sess, test_rel, test_id, "test_id")
    label_kind, label_col, label_expr = None, None, None
    if has_label:
        label_col = _column(sess, points_rel, label_column_name, "label_column_name")
        label_kind, label_expr = _label(sess, points_rel, label_col, label_column_name)
    points = _side(sess, points_rel, point_column_name, "point_column_name", pid, vs, label_col, None)
    test = _side(sess, test_rel, test_column_name, "test_column_name", tid, vs, None, points.dim)
    if k > points.rows:
        raise InputError(f"knn: k={k} is larger than the {points.rows} rows of point_source")
    params = _algorithm_params(algorithm_params, algorithm, k, points.rows)
    if algorithm == "kd_tree":
        prog = progress.start(sess, "knn", max_iter=3)
        _kd_tree_knn(sess, points, test, metric, vs, k, pid, label_expr, tid, params, out, label_kind,
                     bool(weighted_avg), output_neighbors, test_rel, points_rel, prog)
        prog.done()
        return
    prog = progress.start(sess, "knn", max_iter=2)

    # Citus: a distributed point_source is searched per shard (merged below), a distributed
    # test_source read once through a CTE.
    sharded = distributed.is_hash_distributed(sess, points_rel)
    layout = "per_shard" if sharded else "test_cte" if distributed.is_hash_distributed(sess, test_rel) else "local"
    approx = _neighbours_sql(sess, points, test, metric, vs, k, False, pid, label_expr, tid, layout)
    exact = _neighbours_sql(sess, points, test, metric, vs, k, True, pid, label_expr, tid, layout)
    shard_limits = functools.partial(distributed.per_shard_limits, sess) if sharded else contextlib.nullcontext
    search_settings = functools.partial(distributed.worker_settings if sharded else Session.settings, sess)
    with search_settings(_settings(algorithm, params)):
        prog.step(1, phase="index")
        with shard_limits():
            index, built, plan = _choose_index(sess, points, metric, algorithm, params, vs, approx)
        probes = None
        if index is not None and index[1] == "ivfflat":
            lists = re.search(r"lists=(\d+)", index[2])
            probes = params["probes"] or max(1, math.ceil(math.sqrt(int(lists.group(1)) if lists else 100)))
        query = exact if index is None else approx
        prog.step(2, phase="search")
        with search_settings({"ivfflat.probes": str(probes)} if probes else {}):
            with shard_limits():
                if index is None:
                    plan, _ = _plan(sess, query)
                if sharded:  # every shard's top k per test point, merged by _output_sql(top=k)
                    candidates = "pg_temp._indb_ml_knn_" + str(next(_candidates))
                    sess.execute("CREATE TEMPORARY TABLE " + candidates.split(".", 1)[1] + " AS " + query)
                    query = "SELECT * FROM " + candidates
            output = _output_sql(sess, query, test, tid, label_kind, bool(weighted_avg), output_neighbors,
                                 top=k if sharded else None)
            with distributed.citus_errors(sess, "knn", (points_rel, test_rel)):
                if distributed.is_hash_distributed(sess, test_rel):
                    sess.execute("CREATE TABLE " + out.sql(sess) + " AS " + output + " WITH NO DATA")
                    distributed.distribute_like(sess, out, "id", test_rel)
                    sess.execute("INSERT INTO " + out.sql(sess) + " " + output)
                else:
                    sess.execute("CREATE TABLE " + out.sql(sess) + " AS " + output)
    if sharded:
        sess.execute("DROP TABLE " + candidates)
    search = "exact" if index is None else index[1]
    detail = "" if index is None else (f", index {index[0]}" + (" (built now)" if built else "")
                                       + (f", ef_search {params['ef_search']}" if search == "hnsw" else "")
                                       + (f", probes {probes}" if probes else ""))
    sess.debug(f"knn: {search} search{detail}, {fn_name}, k {k}, {points.rows} points of dimension {points.dim}, "
               f"{test.rows} test points; plan:\n{plan}")
    prog.done()


def _kd_tree_knn(sess: Session, points: Side, test: Side, metric: Metric, vs: str, k: int, pid: str,
                 label: str | None, tid: str, params: dict, out: Relation, label_kind: str | None, weighted: bool,
                 neighbours_out: bool, test_rel: Relation, points_rel: Relation, prog: progress.Progress) -> None:
    """MADlib's kd-tree search (:mod:`indb_ml.neighbors.kdtree`): the points and the test points are
    copied once into temporary tables with their region, and each test point's top k is searched
    among the points of its candidate regions only."""
    depth, leaves = params["depth"], params["leaf_nodes"]
    pts, cuts, tst = kdtree.temp_names()
    pts_q, cuts_q, tst_q = ("pg_temp." + n for n in (pts, cuts, tst))
    prog.step(1, phase="load")
    sess.execute("CREATE TEMPORARY TABLE " + pts + " AS SELECT p." + pid + " AS pid, " + points.vec(sess, "p")
                 + " AS v, " + (label + " AS label, " if label else "") + points.float8s(sess, "p")
                 + " AS x, 0 AS region FROM " + points.rel.sql(sess) + " p")
    sess.execute("CREATE TEMPORARY TABLE " + tst + " AS SELECT t." + tid + " AS tid, " + test.vec(sess, "t")
                 + " AS v, " + test.float8s(sess, "t") + " AS x, 0 AS region FROM " + test.rel.sql(sess) + " t")
    prog.step(2, phase="index")
    kdtree.split(sess, pts_q, cuts_q, depth, points.dim)
    sess.execute("ANALYZE " + pts_q)
    if leaves == 1:  # the test point's own region (NULL when a node on its way is empty: no neighbours)
        kdtree.place(sess, tst_q, cuts_q, depth, points.dim)
        regions = "SELECT ARRAY[t.region] AS regions"
    else:  # the regions of the leaf_nodes nearest centres (the mean of each region's points)
        sess.execute("CREATE TEMPORARY TABLE " + cuts + "_c AS SELECT region, " + vs + ".avg(v) AS centre FROM "
                     + pts_q + " GROUP BY region")
        centre_dist = metric.dist.format(p="c.centre", t="t.v", v=vs)
        regions = ("SELECT pg_catalog.array_agg(q.region) AS regions FROM (SELECT c.region FROM " + cuts_q
                   + "_c c ORDER BY " + centre_dist + ", c.region LIMIT " + str(int(leaves)) + ") q")
    dist = metric.dist.format(p="k.v", t="t.v", v=vs)
    neighbours = ("SELECT t.tid, n.pid, n.ord, n.dist" + (", n.label" if label else "") + " FROM " + tst_q
                  + " t CROSS JOIN LATERAL (" + regions + ") r CROSS JOIN LATERAL (SELECT k.pid, " + dist + " AS ord, "
                  + dist + " AS dist" + (", k.label" if label else "") + " FROM " + pts_q + " k WHERE k.region = "
                  "ANY(r.regions) ORDER BY 2, 1 LIMIT " + str(int(k)) + ") n")
    output = _output_sql(sess, neighbours, test, tid, label_kind, weighted, neighbours_out)
    prog.step(3, phase="search")
    with distributed.citus_errors(sess, "knn", (points_rel, test_rel)):
        if distributed.is_hash_distributed(sess, test_rel):
            sess.execute("CREATE TABLE " + out.sql(sess) + " AS " + output + " WITH NO DATA")
            distributed.distribute_like(sess, out, "id", test_rel)
            sess.execute("INSERT INTO " + out.sql(sess) + " " + output)
        else:
            sess.execute("CREATE TABLE " + out.sql(sess) + " AS " + output)
    sess.execute("DROP TABLE " + pts_q + ", " + cuts_q + ", " + tst_q + (", " + cuts_q + "_c" if leaves > 1 else ""))
    sess.debug(f"knn: kd_tree search, depth {depth}, leaf_nodes {leaves}, {points.rows} points, {test.rows} test "
               "points")


def _settings(algorithm: str, params: dict) -> dict:
    """Settings local to the call: pgvector's search parameters, and the planner switches that force
    (or forbid) the index."""
    settings = {"hnsw.ef_search": str(params["ef_search"]), "hnsw.iterative_scan": "strict_order",
                "ivfflat.iterative_scan": "relaxed_order"}
    if algorithm in ("hnsw", "ivfflat"):
        # The index, even where the planner would rather sort; the disabled scans' huge costs
        # would also switch JIT compilation on for a query that gains nothing from it.
        settings.update(enable_seqscan="off", jit="off")
    elif algorithm == "brute_force":
        settings.update(enable_indexscan="off", enable_bitmapscan="off")
    return settings


def _choose_index(sess: Session, points: Side, metric: Metric, algorithm: str, params: dict, vs: str,
                  approx: str) -> tuple[tuple[str, str, str] | None, bool, str | None]:
    """(the vector index the plan scans or None for exact search, whether it was built now, the plan)."""
    if algorithm == "brute_force" or metric.op is None:
        return None, False, None
    plan, names = _plan(sess, approx)
    index = _vector_index(sess, points, names)
    if algorithm not in ("hnsw", "ivfflat") or (index is not None and index[1] == algorithm):
        return index, False, plan
    _build_index(sess, points, metric, algorithm, params, vs)
    plan, names = _plan(sess, approx)
    index = _vector_index(sess, points, names)
    if index is None or index[1] != algorithm:
        raise InputError(f"knn: the {algorithm} index built on point_source is not used by the plan",
                         hint="another vector index on the same expression may be preferred: drop it "
                         "or use algorithm='auto'. The plan:\n" + plan)
    return index, True, plan


def _algorithm(algorithm: str | None, fn_name: str, metric: Metric) -> str:
    name = (algorithm or "brute_force").strip().lower()  # MADlib's default: exact
    prefixed = [a for a in ALGORITHMS if a.startswith(name)] if name else []
    if name not in ALGORITHMS and len(prefixed) == 1:  # MADlib's short forms: 'b', 'brute', 'kd', ...
        name = prefixed[0]
    if name not in ALGORITHMS:
        raise InputError(f"knn: unknown algorithm {algorithm!r}", hint="use one of " + ", ".join(ALGORITHMS))
    if metric.op is None and name in ("hnsw", "ivfflat"):
        raise InputError(f"knn: {fn_name} has no pgvector operator, so no index can serve it",
                         hint="use algorithm='auto' or 'brute_force'")
    if name == "ivfflat" and not metric.ivfflat:
        raise InputError(f"knn: pgvector's IVFFlat has no operator class for {fn_name}", hint="use algorithm='hnsw'")
    return name


def _label(sess: Session, rel: Relation, label_col: str, text: str) -> tuple[str, str]:
    """('class' or 'value', the label as selected in the LATERAL): booleans vote as 0/1 integers (MADlib)."""
    (ltype,) = _types(sess, rel, [label_col], f"label_column_name {text!r}")
    if ltype.typname in CLASS_TYPES:
        return "class", ("(p." + label_col + ")::integer" if ltype.typname == "bool" else "p." + label_col)
    if ltype.typname in VALUE_TYPES:
        return "value", "(p." + label_col + ")::float8"
    raise InputError(f"knn: label_column_name {text!r} has type {ltype.name}",
                     hint="boolean, integer or text labels are classified, real/float8/numeric values are averaged",
                     sqlstate=InputError.DATATYPE_MISMATCH)


def knn_help() -> str:
    return USAGE
