"""The relational graph plans on Citus: every iteration's joins run on the shards.

Used by the relational plan (``SET indb_ml.graph_plan = relational``, or ``auto`` above the memory
budget) of pagerank, weakly_connected_components, graph_sssp and graph_bfs when the edge table is
a Citus hash-distributed table. The plain relational plan (:mod:`indb_ml.graph.relational`) copies
the edges into temporary tables, which Citus cannot distribute, so it would pull every edge to the
coordinator; here the edges and the per-vertex state stay in distributed work tables instead
(:func:`indb_ml.core.distributed.work_table`), all distributed by a vertex id and colocated:

- ``vids (id)``, ``v (gkey, id)``: the vertices (of every group), by ``id``;
- ``e (gkey, s, t, w)``: the edges, by their source ``s``;
- the state (ranks, labels, distances) by ``id``; ``msg (gkey, id, ...)`` by the receiving ``id``.

One iteration is then:

1. messages: ``INSERT INTO msg SELECT e.gkey, e.t, f(state, e) FROM e JOIN state ON state.id = e.s``:
   a colocated join on every shard, whose rows Citus re-hashes by ``e.t`` straight between the
   workers (INSERT ... SELECT by repartitioning; nothing goes through the coordinator). An edge
   whose ends live on the same shard stays there, so the bytes moved are about
   ``(edges crossing shards) * (message size)`` (only the changed vertices send in WCC, the
   frontier in SSSP and BFS);
2. the new state: ``INSERT INTO state' SELECT ... FROM state LEFT JOIN (SELECT id, agg(m) FROM msg
   GROUP BY id)``, colocated on ``id`` (an ``UPDATE ... FROM`` in place for SSSP and BFS);
3. convergence: one small aggregate per group (partial aggregates on the shards, a few bytes each
   to the coordinator).

The coordinator handles only per-group scalars (dangling rank, changes, convergence), never rows.
Answers, iteration counts and messages equal the plain relational plan's (same definitions and
stopping rules; the tests compare them with local tables). The output table is distributed by
the vertex id, colocated with the vertex table (or the edge table), as
:func:`indb_ml.graph.edges.create_vertex_table` does for every graph output.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from indb_ml.core import distributed, progress
from indb_ml.core.relations import Relation
from indb_ml.core.session import Session
from indb_ml.errors import InputError
from indb_ml.graph.edges import GraphSpec, component_type, create_vertex_table, edge_filter, group_key_sql


def edges_distributed(sess: Session, spec: GraphSpec) -> bool:
    """The graph's edge table is a Citus hash-distributed table: run the plans of this module."""
    return distributed.is_hash_distributed(sess, spec.edge)


@dataclass
class ShardedGraph:
    """A validated graph in distributed work tables (see the module's docstring)."""

    sess: Session
    spec: GraphSpec
    schema: str
    idt: str  # 'int8' or 'text': the work tables' id type
    coll: str  # ' COLLATE "C"' for text ids (the order the memory plan uses), else ''
    groups: list = field(default_factory=list)
    n: int = 0
    tables: list = field(default_factory=list)
    vids: Relation | None = None
    v: Relation | None = None
    e: Relation | None = None
    ends: Relation | None = None

    def table(self, purpose: str, columns: str, key: str = "id") -> Relation:
        """A new work table distributed by ``key`` and colocated with the others."""
        sess = self.sess
        rel = distributed.work_table(sess, self.schema, purpose)
        sess.execute("CREATE TABLE " + rel.sql(sess) + " (" + columns + ")")
        if self.tables:
            sess.execute("SELECT pg_catalog.create_distributed_table($1::regclass, $2, colocate_with => $3)",
                         [rel.sql(sess), key, self.tables[0].sql(sess)], ["text", "text", "text"])
        else:
            sess.execute("SELECT pg_catalog.create_distributed_table($1::regclass, $2)", [rel.sql(sess), key],
                         ["text", "text"])
        self.tables.append(rel)
        return rel

    def q(self, rel: Relation) -> str:
        return rel.sql(self.sess)

    def analyze(self, *rels: Relation) -> None:
        """Statistics on the shards (Citus propagates ANALYZE): fresh tables have none, and the
        joins on the workers need them."""
        for rel in rels:
            self.sess.execute("ANALYZE " + self.q(rel))

    def close(self) -> None:
        distributed.drop(self.sess, *reversed(self.tables))
        self.tables = []

    def group_values(self, alias: str = "x") -> list[str]:
        """The grouping columns, typed as the edge table's, from the group key (jsonb text)."""
        sess = self.sess
        return ["(pg_catalog.jsonb_populate_record(NULL::" + self.spec.edge.sql(sess) + ", " + alias
                + ".gkey::jsonb))." + sess.ident(g) for g in self.spec.group_cols]

    def gkey_sql(self) -> str:
        if not self.spec.group_cols:
            return "''::text"
        pairs = ", ".join(self.sess.literal(c) + ", e." + self.sess.ident(c) for c in self.spec.group_cols)
        return "pg_catalog.jsonb_build_object(" + pairs + ")::text"


def _fail(message: str, hint: str | None = None, sqlstate: str = InputError.INVALID_PARAMETER) -> InputError:
    return InputError(message, hint=hint, sqlstate=sqlstate)


def prepare(sess: Session, spec: GraphSpec, schema: str, style: str = "graph", source=None,
            what: str = "graph", weighted: bool = True) -> ShardedGraph:
    """Validate the graph with the messages of the plain relational plan (``style`` 'graph' as
    :func:`indb_ml.graph.relational.prepare`, 'path' as :func:`indb_ml.graph.path_relational.validate`,
    which also checks ``source``) and load it into distributed work tables (no rows reach Python)."""
    idt = "int8" if spec.id_kind == "int" else "text"
    g = ShardedGraph(sess, spec, schema, idt, ' COLLATE "C"' if spec.id_kind == "text" else "")
    vid, vt = sess.ident(spec.vertex_id), spec.vertex_label()
    row = sess.one("SELECT pg_catalog.count(*) FILTER (WHERE " + vid + " IS NULL) AS nulls, pg_catalog.count(*) AS n "
                   "FROM " + spec.vertex.sql(sess))
    if row["nulls"]:
        raise _fail(f"vertex table {vt} has {row['nulls']} NULL ids in column {spec.vertex_id}",
                    "delete them or filter them out in a view", "23502")
    if not row["n"] and style == "graph":
        raise _fail(f"vertex table {vt} has no vertices", sqlstate=InputError.NO_DATA)
    g.vids = g.table("vids", "id " + idt)
    sess.execute("INSERT INTO " + g.q(g.vids) + " SELECT " + vid + "::" + idt + " FROM " + spec.vertex.sql(sess))
    dup = sess.one("SELECT pg_catalog.sum(c - 1) AS dups, pg_catalog.min(id" + g.coll + ")::text AS ex FROM "
                   "(SELECT id, pg_catalog.count(*) AS c FROM " + g.q(g.vids) + " GROUP BY id "
                   "HAVING pg_catalog.count(*) > 1) d")
    if dup["dups"]:
        example = f"e.g. {dup['ex']!r}, " if style == "graph" else ""
        raise _fail(f"vertex table {vt} has duplicate ids in column {spec.vertex_id} ({example}{dup['dups']} "
                    "duplicates)", "vertex ids must be unique", "23505")
    if style == "path":
        try:
            found = sess.one("SELECT EXISTS (SELECT 1 FROM " + g.q(g.vids) + " WHERE id = $1::text::" + spec.id_type
                             + "::" + idt + ") AS f", [str(source)], ["text"])["f"]
        except sess.spi_error:  # not even of the id type, e.g. 'abc' for integer ids
            found = False
        if not found:
            raise _fail(f"{what}: source_vertex {source!r} is not a vertex of {vt}",
                        "pass an id from the vertex table's " + spec.vertex_id + " column")
    s, t = "e." + sess.ident(spec.src), "e." + sess.ident(spec.dest)
    w = "e." + sess.ident(spec.weight) + "::float8" if (spec.weight and weighted) else "1::float8"
    keep = edge_filter(sess, spec, weighted=weighted)  # NULL ends, weights and groups are skipped, as MADlib
    bad = sess.one("SELECT pg_catalog.count(*) FILTER (WHERE " + w + " IN ('NaN'::float8, 'Infinity'::float8, "
                   "'-Infinity'::float8)) AS nonfinite FROM " + spec.edge.sql(sess) + " e WHERE " + keep)
    if bad["nonfinite"]:
        raise _fail(f"edge table {spec.label()} has a weight that is NaN or infinite")
    g.e = g.table("e", "gkey text, s " + idt + ", t " + idt + ", w float8", key="s")
    sess.execute("INSERT INTO " + g.q(g.e) + " SELECT " + g.gkey_sql() + ", " + s + "::" + idt + ", " + t + "::" + idt
                 + ", " + w + " FROM " + spec.edge.sql(sess) + " e WHERE " + keep)
    # Edge ends missing from the vertex table: sources by a colocated anti-join, destinations after
    # one re-hash by id (kept: pagerank's MADlib 2.1 variant asks which vertices have in-edges).
    g.ends = g.table("ends", "gkey text, id " + idt)
    sess.execute("INSERT INTO " + g.q(g.ends) + " SELECT gkey, t FROM " + g.q(g.e))
    missing = [] if style == "path" else [  # the path functions take their vertices from the edges (MADlib's)
        sess.one("SELECT pg_catalog.count(*) AS n, pg_catalog.min(x." + col + g.coll + ")::text AS ex FROM "
                 + g.q(rel) + " x LEFT JOIN " + g.q(g.vids) + " i ON i.id = x." + col + " WHERE i.id IS NULL")
        for rel, col in ((g.e, "s"), (g.ends, "id"))]
    count = sum(m["n"] for m in missing)
    if count:
        examples = [m["ex"] for m in missing if m["ex"] is not None]
        example = min(examples, key=(lambda x: int(x)) if spec.id_kind == "int" else None)
        raise _fail(f"edge table {spec.label()} has {count} edge ends that are not in vertex table {vt} "
                    f"(e.g. vertex {example})", "add the missing vertices or delete those edges", "23503")
    if spec.group_cols:
        g.groups = [r["gkey"] for r in sess.execute("SELECT gkey FROM " + g.q(g.e) + " GROUP BY gkey ORDER BY 1")]
    else:
        g.groups = [""]
    g.v = g.table("v", "gkey text, id " + idt)
    sess.execute("INSERT INTO " + g.q(g.v) + " SELECT k.gkey, i.id FROM " + g.q(g.vids)
                 + " i CROSS JOIN pg_catalog.unnest($1::text[]) AS k(gkey)", [g.groups], ["text[]"])
    g.n = int(row["n"])
    g.analyze(g.e, g.v)
    return g


def _write(g: ShardedGraph, out: Relation, select_sql: str, cols: list[str], params=(), types=()) -> None:
    """``INSERT INTO out`` (already created) the rows of ``select_sql`` (gkey, id, then ``cols``)."""
    exprs = g.group_values() + ["x.id"] + ["x." + c for c in cols]
    g.sess.execute("INSERT INTO " + out.sql(g.sess) + " SELECT " + ", ".join(exprs) + " FROM (" + select_sql + ") x",
                   list(params), list(types))


def pagerank(sess: Session, spec: GraphSpec, out: Relation, damping: float, max_iter: int, threshold: float | None,
             personalization: list | None, leak: bool) -> dict:
    """:func:`indb_ml.graph.relational.pagerank` on the shards: one message per edge and iteration."""
    g = prepare(sess, spec, out.schema)
    pe = g.table("pe", "gkey text, s " + g.idt + ", t " + g.idt + ", p float8", key="s")
    # Transition weights: duplicates summed, each source's out-weights normalised (all by source: on its shard).
    sess.execute("INSERT INTO " + g.q(pe) + " SELECT gkey, s, t, pg_catalog.sum(w) / pg_catalog.sum(pg_catalog.sum(w)) "
                 "OVER (PARTITION BY gkey, s) FROM " + g.q(g.e) + " GROUP BY gkey, s, t")
    n = g.n
    if personalization:
        tele = "CASE WHEN v.id = ANY($1::" + g.idt + "[]) THEN 1.0 / $2 ELSE 0 END"
        tparams = [personalization, len(personalization)]
    else:
        tele, tparams = "1.0 / $2", [None, n]
    r0 = g.table("r0", "gkey text, id " + g.idt + ", rank float8, prev float8, tele float8, dangling boolean, "
                 "linked boolean")
    r1 = g.table("r1", "gkey text, id " + g.idt + ", rank float8, prev float8, tele float8, dangling boolean, "
                 "linked boolean")
    msg = g.table("msg", "gkey text, id " + g.idt + ", s float8")
    sess.execute("INSERT INTO " + g.q(r0) + " SELECT v.gkey, v.id, 1.0::float8 / " + str(int(n)) + ", 0, (" + tele
                 + ")::float8, o.s IS NULL, o.s IS NOT NULL OR i.id IS NOT NULL FROM " + g.q(g.v) + " v LEFT JOIN "
                 "(SELECT gkey, s FROM " + g.q(pe) + " GROUP BY gkey, s) o ON o.gkey = v.gkey AND o.s = v.id "
                 "LEFT JOIN (SELECT gkey, id FROM " + g.q(g.ends) + " GROUP BY gkey, id) i ON i.gkey = v.gkey "
                 "AND i.id = v.id", tparams, ["text[]", "float8"])
    if leak and spec.group_cols and not personalization:
        # MADlib 2.1 with grouping: a group's vertices are the ends of its edges, N their number
        counts = {r["gkey"]: r["n"] for r in sess.execute("SELECT gkey, pg_catalog.count(*) AS n FROM " + g.q(r0)
                                                          + " WHERE linked GROUP BY gkey")}
        keys = list(counts)
        sess.execute("UPDATE " + g.q(r0) + " SET rank = 1.0 / ($2::float8[])[pg_catalog.array_position($1::text[], "
                     "gkey)], tele = 1.0 / ($2::float8[])[pg_catalog.array_position($1::text[], gkey)] WHERE gkey = "
                     "ANY($1)", [keys, [float(counts[k]) for k in keys]], ["text[]", "float8[]"])
    g.analyze(pe, r0)
    active, iterations = list(g.groups), {k: 0 for k in g.groups}
    tol = threshold if threshold is not None else 1e-3 / max(n, 1)
    for it in range(1, max_iter + 1):
        progress.step(sess, it)
        if not active:
            break
        dangling = {} if leak else {r["gkey"]: r["s"] for r in sess.execute(
            "SELECT gkey, pg_catalog.sum(rank) AS s FROM " + g.q(r0) + " WHERE dangling AND gkey = ANY($1) "
            "GROUP BY gkey", [active], ["text[]"])}
        keys = list(dangling)
        sess.execute("INSERT INTO " + g.q(msg) + " SELECT e.gkey, e.t, r.rank * e.p FROM " + g.q(pe) + " e JOIN "
                     + g.q(r0) + " r ON r.id = e.s AND r.gkey = e.gkey WHERE e.gkey = ANY($1)", [active], ["text[]"])
        dangling_term = ("" if leak else " + $2 * COALESCE(($4::float8[])[pg_catalog.array_position($3::text[], "
                         "r.gkey)], 0) * r.tele")
        sess.execute(
            "INSERT INTO " + g.q(r1) + " SELECT r.gkey, r.id, CASE WHEN r.gkey = ANY($1) THEN $2 * COALESCE(c.s, 0) "
            "+ (1 - $2) * r.tele" + dangling_term + " ELSE r.rank END, r.rank, r.tele, r.dangling, r.linked FROM "
            + g.q(r0) + " r LEFT JOIN (SELECT gkey, id, pg_catalog.sum(s) AS s FROM " + g.q(msg)
            + " GROUP BY gkey, id) c ON c.gkey = r.gkey AND c.id = r.id",
            [active, damping, keys, [dangling[k] for k in keys]], ["text[]", "float8", "text[]", "float8[]"])
        rows = sess.execute("SELECT gkey, pg_catalog.max(pg_catalog.abs(rank - prev)) AS diff FROM " + g.q(r1)
                            + " WHERE gkey = ANY($1) GROUP BY gkey", [active], ["text[]"])
        sess.execute("TRUNCATE " + g.q(r0) + ", " + g.q(msg))
        r0, r1 = r1, r0
        for r in rows:
            iterations[r["gkey"]] = it
        active = [r["gkey"] for r in rows if r["diff"] >= tol]
    create_vertex_table(sess, spec, out, (("pagerank", "float8"),))
    keep = " WHERE linked" if leak else ""  # MADlib 2.1 leaves out vertices without edges
    _write(g, out, "SELECT gkey, id, rank AS pagerank FROM " + g.q(r0) + keep, ["pagerank"])
    g.close()
    return {(k if spec.group_cols else None): v for k, v in iterations.items()}


def wcc(sess: Session, spec: GraphSpec, out: Relation, steps: int | None, start: Relation | None = None,
        message: Relation | None = None) -> tuple[int, int]:
    """:func:`indb_ml.graph.relational.wcc` on the shards; only the vertices whose label changed in
    the previous step send it (the others' neighbours have it already), so the labels, the steps
    and the vertices still changing are those of the plain relational plan."""
    g = prepare(sess, spec, out.schema, weighted=False)
    we = g.table("we", "gkey text, a " + g.idt + ", b " + g.idt, key="a")
    both = g.table("we2", "gkey text, a " + g.idt + ", b " + g.idt, key="a")
    sess.execute("INSERT INTO " + g.q(both) + " SELECT gkey, s, t FROM " + g.q(g.e) + " WHERE s <> t")
    sess.execute("INSERT INTO " + g.q(both) + " SELECT gkey, t, s FROM " + g.q(g.e) + " WHERE s <> t")
    sess.execute("INSERT INTO " + g.q(we) + " SELECT gkey, a, b FROM " + g.q(both) + " GROUP BY gkey, a, b")
    state = "gkey text, id " + g.idt + ", label " + g.idt + ", moved boolean"
    l0, l1 = g.table("l0", state), g.table("l1", state)
    msg = g.table("msg", "gkey text, id " + g.idt + ", label " + g.idt)
    if spec.group_cols:  # a group's vertices are its edges' ends (MADlib's): the sources, then the rest by id
        sess.execute("INSERT INTO " + g.q(l0) + " SELECT gkey, s, s, true FROM " + g.q(g.e) + " GROUP BY gkey, s")
        sess.execute("INSERT INTO " + g.q(l0) + " SELECT x.gkey, x.id, x.id, true FROM (SELECT gkey, id FROM "
                     + g.q(g.ends) + " GROUP BY gkey, id) x WHERE NOT EXISTS (SELECT 1 FROM " + g.q(l0)
                     + " y WHERE y.id = x.id AND y.gkey = x.gkey)")
    else:
        sess.execute("INSERT INTO " + g.q(l0) + " SELECT gkey, id, id, true FROM " + g.q(g.v))
    if start is not None:  # warm start: the earlier labels, re-hashed by id into a work table
        old = g.table("old", "gkey text, id " + g.idt + ", label " + g.idt)
        gkey = "''::text" if not spec.group_cols else group_key_sql(sess, spec, "o")
        sess.execute("INSERT INTO " + g.q(old) + " SELECT " + gkey + ", o." + sess.ident(spec.vertex_id) + "::"
                     + g.idt + ", o.component_id::" + g.idt + " FROM " + start.sql(sess) + " o")
        sess.execute("UPDATE " + g.q(l0) + " l SET label = o.label FROM " + g.q(old) + " o WHERE o.id = l.id AND "
                     "o.gkey = l.gkey")
    g.analyze(we, l0)
    it, changed = 0, int(sess.one("SELECT pg_catalog.count(*) AS n FROM " + g.q(l0))["n"])
    while changed and (steps is None or it < steps):
        progress.step(sess, it + 1)
        it += 1
        sess.execute("INSERT INTO " + g.q(msg) + " SELECT e.gkey, e.b, l.label FROM " + g.q(we) + " e JOIN " + g.q(l0)
                     + " l ON l.id = e.a AND l.gkey = e.gkey WHERE l.moved")
        sess.execute("INSERT INTO " + g.q(l1) + " SELECT l.gkey, l.id, CASE WHEN m.label < l.label" + g.coll
                     + " THEN m.label ELSE l.label END, COALESCE(m.label < l.label" + g.coll + ", false) FROM "
                     + g.q(l0) + " l LEFT JOIN (SELECT gkey, id, pg_catalog.min(label" + g.coll + ") AS label FROM "
                     + g.q(msg) + " GROUP BY gkey, id) m ON m.gkey = l.gkey AND m.id = l.id")
        changed = int(sess.one("SELECT pg_catalog.count(*) AS n FROM " + g.q(l1) + " WHERE moved")["n"])
        sess.execute("TRUNCATE " + g.q(l0) + ", " + g.q(msg))
        l0, l1 = l1, l0
    label = "label::" + spec.id_type  # labels are vertex ids
    if start is None:
        create_vertex_table(sess, spec, out, (("component_id", component_type(spec)),))
    else:
        sess.execute("DELETE FROM " + out.sql(sess))
    _write(g, out, "SELECT gkey, id, " + label + " AS component_id FROM " + g.q(l0), ["component_id"])
    if changed and message is not None:
        if sess.one("SELECT to_regclass($1) IS NOT NULL AS e", [message.sql(sess)], ["text"])["e"]:
            sess.execute("DELETE FROM " + message.sql(sess))
        else:
            sess.execute("CREATE TABLE " + message.sql(sess) + " AS SELECT * FROM " + out.sql(sess) + " WITH NO DATA")
        _write(g, message, "SELECT gkey, id, " + label + " AS component_id FROM " + g.q(l0) + " WHERE moved",
               ["component_id"])
    g.close()
    return it, changed


def _path_state(sess: Session, spec: GraphSpec, out: Relation, source, what: str, weighted: bool,
                undirected: bool) -> tuple[ShardedGraph, Relation, Relation, Relation, list]:
    """:func:`indb_ml.graph.path_relational` 's setup on the shards: edges ``pe (gkey, s, t, w)``
    (self-loops dropped, parallel edges as the lightest), the state ``st (gkey, id, d, parent, it)``
    over the same vertices as the plain relational plan (the vertex table's for SSSP without
    grouping: messages to other vertices find no state row and are dropped, so those edges are not
    followed; else each group's edge ends), the message table, and the groups left out for a
    negative self-loop."""
    g = prepare(sess, spec, out.schema, style="path", source=source, what=what, weighted=weighted)
    negative = []
    if weighted:
        negative = [r["gkey"] for r in sess.execute("SELECT DISTINCT gkey FROM " + g.q(g.e) + " WHERE w < 0 AND s = t")]
        if negative and not spec.group_cols:
            from indb_ml.graph.paths import negative_cycle
            raise negative_cycle(spec, None, "graph_sssp")
    pe = g.table("pe", "gkey text, s " + g.idt + ", t " + g.idt + ", w float8", key="s")
    sess.execute("INSERT INTO " + g.q(pe) + " SELECT gkey, s, t, pg_catalog.min(w) FROM " + g.q(g.e)
                 + " WHERE s <> t AND NOT (gkey = ANY($1::text[])) GROUP BY gkey, s, t", [negative], ["text[]"])
    if undirected:
        sess.execute("INSERT INTO " + g.q(pe) + " SELECT gkey, t, s, pg_catalog.min(w) FROM " + g.q(g.e)
                     + " WHERE s <> t GROUP BY gkey, s, t")
    st = g.table("st", "gkey text, id " + g.idt + ", d float8, parent " + g.idt + ", it integer")
    src = "$1::text::" + spec.id_type + "::" + g.idt
    starts = g.groups
    if not weighted:  # BFS starts where the source is an end of an edge (directed: a source of one)
        starts = [r["gkey"] for r in sess.execute("SELECT DISTINCT gkey FROM " + g.q(g.e) + " WHERE s = " + src
                                                  + (" OR t = " + src if undirected else ""), [str(source)], ["text"])]
    start = "x.id = " + src + " AND x.gkey = ANY($3::text[])"
    row = ("SELECT x.gkey, x.id, CASE WHEN " + start + " THEN 0::float8 ELSE 'Infinity'::float8 END, CASE WHEN "
           + start + " THEN x.id END, CASE WHEN " + start + " THEN 0 ELSE -1 END FROM ")
    params, types = [str(source), negative, starts], ["text", "text[]", "text[]"]
    if weighted and not spec.group_cols:  # the vertex table's vertices
        sess.execute("INSERT INTO " + g.q(st) + " " + row + "(SELECT ''::text AS gkey, id FROM " + g.q(g.vids)
                     + ") x WHERE NOT (x.gkey = ANY($2::text[]))", params, types)
    else:  # each group's edge ends: the sources from the edges' own shards, then the destinations by id
        sess.execute("INSERT INTO " + g.q(st) + " " + row + "(SELECT gkey, s AS id FROM " + g.q(g.e)
                     + " GROUP BY gkey, s) x WHERE NOT (x.gkey = ANY($2::text[]))", params, types)
        sess.execute("INSERT INTO " + g.q(st) + " " + row + "(SELECT gkey, id FROM " + g.q(g.ends)
                     + " GROUP BY gkey, id) x WHERE NOT (x.gkey = ANY($2::text[])) AND NOT EXISTS (SELECT 1 FROM "
                     + g.q(st) + " y WHERE y.id = x.id AND y.gkey = x.gkey)", params, types)
    msg = g.table("msg", "gkey text, id " + g.idt + ", d float8, p " + g.idt)
    g.n = int(sess.one("SELECT pg_catalog.count(*) AS n FROM " + g.q(st))["n"])
    g.analyze(pe, st)
    return g, pe, st, msg, negative


def _write_paths(g: ShardedGraph, out: Relation, st: Relation, cols: list[tuple[str, str, str]]) -> None:
    """``out`` from the reached rows of the state table, as :func:`indb_ml.graph.path_relational._write`
    makes it."""
    sess, spec = g.sess, g.spec
    sel = [expr + " AS " + sess.ident(name) for expr, name in zip(g.group_values(), spec.group_cols)]
    sel.append("x.id::" + spec.id_type + " AS " + sess.ident(spec.vertex_id))
    sel += [expr + "::" + typ + " AS " + sess.ident(name) for expr, name, typ in cols]
    select = "SELECT " + ", ".join(sel) + " FROM " + g.q(st) + " x WHERE x.it >= 0"
    sess.execute("CREATE TABLE " + out.sql(sess) + " AS " + select + " WITH NO DATA")
    distributed.distribute_like(sess, out, spec.vertex_id, (spec.vertex, spec.edge))
    sess.execute("INSERT INTO " + out.sql(sess) + " " + select)


def sssp(sess: Session, spec: GraphSpec, source, out: Relation, what: str) -> bool:
    """Frontier Bellman-Ford as :func:`indb_ml.graph.path_relational.sssp`: the vertices improved in
    the previous iteration send ``d + w`` along their out-edges; each target keeps its best
    candidate (smallest distance, then smallest parent) if it improves. Returns False (nothing
    written) when every group has a negative cycle."""
    from indb_ml.graph.paths import negative_cycle, negative_groups
    g, pe, st, msg, negative = _path_state(sess, spec, out, source, what, weighted=True, undirected=False)
    relax = ("UPDATE " + g.q(st) + " t SET d = c.d, parent = c.p, it = $1 FROM (SELECT DISTINCT ON (gkey, id) gkey, "
             "id, d, p FROM " + g.q(msg) + " ORDER BY gkey, id, d, p) c WHERE t.gkey = c.gkey AND t.id = c.id "
             "AND c.d < t.d RETURNING t.gkey")
    send = ("INSERT INTO " + g.q(msg) + " SELECT e.gkey, e.t, x.d + e.w, e.s FROM " + g.q(st) + " x JOIN " + g.q(pe)
            + " e ON e.s = x.id AND e.gkey = x.gkey WHERE x.it = $1 - 1")
    k = 1
    while True:
        progress.step(sess, k)
        sess.execute(send, [k], ["int4"])
        changed = {r["gkey"] for r in sess.execute(relax, [k], ["int4"])}
        sess.execute("TRUNCATE " + g.q(msg))
        if not changed:
            break
        if k >= g.n:  # a shortest path has at most n - 1 edges; still improving means a negative cycle
            if not spec.group_cols:
                raise negative_cycle(spec, None, "graph_sssp")
            negative += sorted(changed)
            break
        k += 1
    sess.debug(f"{what}: relational Bellman-Ford on the shards, {k} iterations")
    if negative:
        negative_groups(sess, spec, negative, what)
        sess.execute("DELETE FROM " + g.q(st) + " WHERE gkey = ANY($1::text[])", [negative], ["text[]"])
        if not sess.one("SELECT EXISTS (SELECT 1 FROM " + g.q(st) + " WHERE it >= 0) AS e")["e"]:
            g.close()
            return False
    _write_paths(g, out, st, [("x.d", spec.weight, spec.weight_type), ("x.parent", "parent", spec.id_type)])
    g.close()
    return True


def bfs(sess: Session, spec: GraphSpec, source, out: Relation, max_distance, directed: bool, what: str) -> None:
    """Level-synchronous BFS as :func:`indb_ml.graph.path_relational.bfs`: level k is every vertex not
    reached yet with an edge from level k - 1; its parent is the smallest such vertex id."""
    g, pe, st, msg, _ = _path_state(sess, spec, out, source, what, weighted=False, undirected=not directed)
    send = ("INSERT INTO " + g.q(msg) + " SELECT e.gkey, e.t, 0, e.s FROM " + g.q(st) + " x JOIN " + g.q(pe)
            + " e ON e.s = x.id AND e.gkey = x.gkey WHERE x.it = $1 - 1")
    level = ("UPDATE " + g.q(st) + " t SET d = $1, parent = c.p, it = $1 FROM (SELECT gkey, id, pg_catalog.min(p"
             + g.coll + ") AS p FROM " + g.q(msg) + " GROUP BY gkey, id) c WHERE t.gkey = c.gkey AND t.id = c.id "
             "AND t.it < 0")
    k = 1
    while max_distance is None or k <= max_distance:
        progress.step(sess, k)
        sess.execute(send, [k], ["int4"])
        reached = sess.execute(level, [k], ["int4"]).nrows()
        sess.execute("TRUNCATE " + g.q(msg))
        if not reached:
            break
        k += 1
    sess.debug(f"{what}: relational BFS on the shards, {k - 1} levels")
    _write_paths(g, out, st, [("x.d", "dist", "integer"), ("x.parent", "parent", spec.id_type)])
    g.close()
