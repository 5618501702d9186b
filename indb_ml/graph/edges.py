"""Graphs from a vertex table and an edge table: validated, loaded in one scan, written back.

Shared by every graph function (pagerank, wcc, hits, degrees, sssp, bfs, apsp, ...). The API::

    from indb_ml.graph.edges import resolve_graph, load_graphs, write_vertex_table, group_label

    spec = resolve_graph(sess, vertex_table, vertex_id, edge_table, edge_args,
                         grouping_cols=None, weighted=False, what="pagerank",
                         reserved=("pagerank",))          # output column names grouping may not use
    graphs = load_graphs(sess, spec)                      # [Graph], one per group (one without grouping)
    for g in graphs:
        g.key        # group key: jsonb text of the grouping values (None without grouping)
        g.n          # number of vertices: every vertex of the vertex table, in every group
        g.ids        # vertex ids in a stable order (ascending): int64 array, or a list of str
        g.src, g.dst # int64 arrays: positions (0..n-1, into g.ids) of each edge's ends
        g.weight     # float64 array per edge, or None when not weighted
        g.adjacency()            # scipy.sparse CSR n x n, A[i, j] = count / total weight of i -> j
        g.position(vertex_id)    # position of one id (for a source vertex), or None
        g.ids_at(positions)      # the ids at some positions (e.g. parents, component labels)
    out_rel = new_table(sess, out_table)                  # indb_ml.core.relations
    write_vertex_table(sess, spec, out_rel, [("pagerank", "float8")],
                       {g.key: (g.ids, [ranks_of_g]) for g in graphs})   # grouping cols, id, columns

``load_graphs(sess, vertex_table, vertex_id, edge_table, edge_args, grouping_cols, weighted)``
also accepts the raw arguments and resolves them first. ``create_vertex_table`` makes the empty
output table alone (for code that fills it with SQL, as the relational plan does). Which plan to
run: :func:`indb_ml.graph.plan.choose`; the relational plan's validated temp tables:
:func:`indb_ml.graph.relational.prepare`.

Rules (documented for users in docs/reference/graph.md):

* ``edge_args`` is MADlib's ``'src=col, dest=col, weight=col'``; the defaults are the columns
  ``src``, ``dest`` and ``weight``; an unknown or repeated key is an error; a key without a value
  (``'src=a, dest'``, as MADlib's tests write it) keeps the default. Values are column names,
  plain (case-folded, as SQL does) or double-quoted.
* Vertex ids are integers (smallint, integer, bigint) or text (text, varchar, char); the vertex
  column and both edge columns must be of the same kind. MADlib's multi-column ids
  (``vertex_id => '[a, b]'``, ``edge_args => 'src=[s1, s2], dest=[d1, d2]'``) become one ``bigint[]``
  id named ``id`` (``src``, ``dest`` in the edge table), as MADlib names them: the columns are
  copied once into temporary tables (dropped at commit) that the algorithms read instead.
  Such ids are handled like text ids (ordered by their text form).
* An empty vertex table, duplicate vertex ids, NULL vertex ids and non-finite weights are errors
  that say how many. Edges with a NULL ``src`` or ``dest`` (or a NULL weight, where weights are
  read), and with grouping, a NULL grouping value, are skipped, as MADlib's joins skip them.
  ``vertices="table"`` (the default): edges whose ends are not in the vertex table are an error;
  ``vertices="union"`` (the path functions, whose MADlib versions take their vertices from the
  edges): the graph's ids are the vertex table's and every edge end (``Graph.in_table`` tells
  which are the vertex table's). Text ids are ordered bytewise (``COLLATE "C"``).
* Duplicate edges are kept as parallel edges (weights add up in ``adjacency()``) and self-loops
  are kept; each algorithm documents what that means for it.
* ``grouping_cols`` are columns of the edge table: one graph per distinct value, over all the
  vertices (each algorithm decides, MADlib's way, which of them its group's output lists).
* The load is one statement over the vertex table and one over the edge table: integer ids come
  back as raw ``int8[]`` bodies decoded by ``np.frombuffer`` and matched to positions with
  ``np.searchsorted``; text ids are matched to positions by a hash join in SQL. Python never
  runs per row.
* Output tables are created and filled inside the caller's statement, so an error anywhere
  leaves nothing behind (the whole call rolls back).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from indb_ml import sqlexpr
from indb_ml.core.distributed import distribute_like
from indb_ml.core.plan_choice import is_distributed
from indb_ml.core.relations import Relation, resolve_source
from indb_ml.core.session import Session
from indb_ml.errors import InputError
from indb_ml.kernels.graph import FLOAT8_OID, INT4_OID, INT8_OID, adjacency, array_from_body

EDGE_DEFAULTS = {"src": "src", "dest": "dest", "weight": "weight"}
INTEGER_TYPES = {"int2", "int4", "int8"}
NUMERIC_TYPES = {"int2", "int4", "int8", "float4", "float8", "numeric"}
MULTI_ID_TYPE = "bigint[]"  # MADlib's type for multi-column vertex ids
MADLIB_ROW_ID = "_indb_ml_madlib_row_id"  # the packed vertex table's MADlib row number (_composite)
# relkinds whose rows have a ctid that is unique in the relation (a partitioned table's partitions
# each number their blocks from 0, so two rows may share one)
_HAS_CTID = ("r", "m", "t")

_IDENT = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)'
_VALUE = _IDENT + r"|\[\s*" + _IDENT + r"(?:\s*,\s*" + _IDENT + r")*\s*\]"
_PAIR = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:=\s*(" + _VALUE + r")?)?\s*(,|$)")
_names = itertools.count(1)


def _name(raw: str) -> str:
    return raw[1:-1].replace('""', '"') if raw.startswith('"') else raw.lower()


def _value(raw: str):
    """A column name, or a tuple of names for MADlib's ``[a, b]`` (multi-column ids)."""
    if raw.startswith("["):
        return tuple(_name(m.group(0)) for m in re.finditer(_IDENT, raw[1:-1]))
    return _name(raw)


def given_edge_args(text: str | None, keys: Sequence[str] = ("src", "dest", "weight")) -> dict:
    """The keys ``edge_args`` names, with their values (None for a key without a value)."""
    given: dict = {}
    if text is None or not text.strip():
        return given
    pos = 0
    while pos < len(text):
        m = _PAIR.match(text, pos)
        if not m or m.end() == pos:
            raise InputError(f"cannot parse edge_args {text!r} at position {pos + 1}",
                             hint="use 'src=column, dest=column' with keys: " + ", ".join(keys),
                             sqlstate=InputError.SYNTAX)
        key, raw = m.group(1).lower(), m.group(2)
        if key not in keys:
            raise InputError(f"unknown key {key!r} in edge_args", hint="known: " + ", ".join(keys))
        if key in given:
            raise InputError(f"key {key!r} is given twice in edge_args")
        given[key] = None if raw is None else _value(raw)
        pos = m.end()
        if m.group(3) == "," and not text[pos:].strip():
            raise InputError(f"edge_args {text!r} ends with a comma", sqlstate=InputError.SYNTAX)
    return given


def parse_edge_args(text: str | None, keys: Sequence[str] = ("src", "dest", "weight"),
                    defaults: dict | None = None) -> dict:
    """MADlib's ``edge_args``: ``'src=a, dest="B b", weight=w'`` -> ``{'src': 'a', 'dest': 'B b', ...}``;
    a key without a value keeps its default; ``[a, b]`` gives a tuple (multi-column ids).

    >>> parse_edge_args('src = from_id, dest="To"')
    {'src': 'from_id', 'dest': 'To', 'weight': 'weight'}
    >>> parse_edge_args('src=[a, "B"], dest')
    {'src': ('a', 'B'), 'dest': 'dest', 'weight': 'weight'}
    """
    values = {k: (defaults or EDGE_DEFAULTS).get(k) for k in keys}
    for key, value in given_edge_args(text, keys).items():
        if value is not None:
            values[key] = value
    return values


@dataclass(frozen=True)
class GraphSpec:
    """A validated graph definition: relations, column names (unquoted) and the id kind."""

    vertex: Relation
    vertex_id: str
    edge: Relation
    src: str
    dest: str
    weight: str | None  # None: unweighted
    group_cols: tuple
    id_kind: str  # 'int' or 'text' (multi-column ids are handled as text)
    id_type: str  # format_type of the vertex id column, e.g. 'integer', 'text', 'bigint[]'
    shown: tuple = ()  # (vertex table, edge table) as the user named them, when the relations are copies
    weight_type: str = "double precision"  # format_type of the weight column (MADlib's path weights keep it)

    def label(self) -> str:
        return self.shown[1] if self.shown else f"{self.edge.schema}.{self.edge.name}"

    def vertex_label(self) -> str:
        return self.shown[0] if self.shown else f"{self.vertex.schema}.{self.vertex.name}"

    @property
    def multi(self) -> bool:
        """MADlib's multi-column ids (``'[a, b]'``): one bigint[] id per vertex."""
        return self.id_type == MULTI_ID_TYPE and bool(self.shown)


@dataclass
class Graph:
    """One group's graph. ``ids`` ascending; ``src``/``dst`` are positions into ``ids``."""

    key: str | None
    ids: object  # np.ndarray[int64] or list[str]
    src: np.ndarray
    dst: np.ndarray
    weight: np.ndarray | None = None
    in_table: np.ndarray | None = None  # bool per id: in the vertex table (vertices="union"; else all are)
    _index: dict | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def id_kind(self) -> str:
        return "int" if isinstance(self.ids, np.ndarray) else "text"

    def adjacency(self, weighted: bool = True):
        """CSR ``n x n``: ``A[i, j]`` = number of edges i -> j (total weight if weighted)."""
        return adjacency(self.n, self.src, self.dst, self.weight if weighted else None)

    def position(self, vertex_id) -> int | None:
        """Position of ``vertex_id`` (int or str, as the ids are), None if it is not a vertex."""
        if isinstance(self.ids, np.ndarray):
            try:
                v = int(vertex_id)
            except (TypeError, ValueError):
                return None
            i = int(np.searchsorted(self.ids, v))
            return i if i < self.n and self.ids[i] == v else None
        if self._index is None:
            self._index = {v: i for i, v in enumerate(self.ids)}
        return self._index.get(str(vertex_id))

    def ids_at(self, positions: np.ndarray):
        """The vertex ids at ``positions`` (int64 array or list of str)."""
        if isinstance(self.ids, np.ndarray):
            return self.ids[positions]
        return [self.ids[i] for i in positions.tolist()]

    def touched(self) -> np.ndarray:
        """bool per id: an end of one of this graph's edges (MADlib's vertices of a group)."""
        mask = np.zeros(self.n, dtype=bool)
        mask[self.src] = True
        mask[self.dst] = True
        return mask


def resolve_graph(sess: Session, vertex_table: str, vertex_id: str | None, edge_table: str, edge_args: str | None,
                  grouping_cols: str | None = None, weighted: bool | None = False, what: str = "graph",
                  reserved: Sequence[str] = (), edge_keys: Sequence[str] | None = None,
                  row_ids: bool = False) -> GraphSpec:
    """Check the tables and columns; ``weighted``: True needs a weight column, None uses one only
    when ``edge_args`` names it, False ignores it. ``reserved``: output column names. ``row_ids``:
    with multi-column ids, the packed vertex table also gets MADlib's bigint per row
    (:data:`MADLIB_ROW_ID`, see :func:`_composite`)."""
    if vertex_table is None or edge_table is None:
        raise InputError(f"{what}: vertex_table and edge_table must not be NULL",
                         hint=f"SELECT indb_ml.{what}() shows the usage")
    vertex = resolve_source(sess, vertex_table, "vertex_table")
    edge = resolve_source(sess, edge_table, "edge_table")
    vid = _id_columns(vertex_id if vertex_id and vertex_id.strip() else "id")
    keys = tuple(edge_keys) if edge_keys else ("src", "dest", "weight")  # MADlib accepts weight= everywhere
    args = parse_edge_args(edge_args, keys)
    if isinstance(args.get("weight"), tuple):
        raise InputError(f"{what}: weight in edge_args {edge_args!r} must name one column")
    named_weight = "weight" in given_edge_args(edge_args, keys)
    weight = args.get("weight") if (weighted or (weighted is None and named_weight)) else None
    groups = tuple(sqlexpr.parse_name_list(grouping_cols)) if grouping_cols and grouping_cols.strip() else ()
    vcols = _columns(sess, vertex)
    ecols = _columns(sess, edge)
    shown: tuple = ()
    if any(isinstance(x, tuple) for x in (vid, args["src"], args["dest"])):  # MADlib's '[a, b]' ids
        shown = (f"{vertex.schema}.{vertex.name}", f"{edge.schema}.{edge.name}")
        vertex, edge = _composite(sess, vertex, vcols, vid, edge, ecols, args, what, row_ids)
        vid, args["src"], args["dest"] = "id", "src", "dest"
        vcols, ecols = _columns(sess, vertex), _columns(sess, edge)
    vtype = _need(vcols, vid, vertex, "vertex_id")
    stype = _need(ecols, args["src"], edge, "src column")
    dtype = _need(ecols, args["dest"], edge, "dest column")
    kinds = {_kind(t) for t in (vtype, stype, dtype)}
    if shown:
        kinds = {"text"}  # bigint[] ids: compared, hashed and ordered by their text form
    if None in kinds or len(kinds) > 1:
        raise InputError(
            f"{what}: vertex ids must all be integers or all text: vertex_id {vid} is {vtype[1]}, "
            f"src {args['src']} is {stype[1]}, dest {args['dest']} is {dtype[1]}",
            hint="use smallint/integer/bigint or text/varchar for the vertex id and both edge columns",
            sqlstate=InputError.DATATYPE_MISMATCH)
    wtype = ("float8", "double precision")
    if weight is not None:
        wtype = _need(ecols, weight, edge, "weight column")
        if wtype[0] not in NUMERIC_TYPES:
            raise InputError(f"{what}: weight column {weight} is {wtype[1]}, not a number",
                             sqlstate=InputError.DATATYPE_MISMATCH)
    for g in groups:
        _need(ecols, g, edge, "grouping column")
    if len(set(groups)) < len(groups):
        raise InputError(f"{what}: a grouping column is listed twice in {grouping_cols!r}")
    clash = set(groups) & ({vid} | set(reserved))
    if clash:
        raise InputError(f"{what}: grouping column {sorted(clash)[0]!r} clashes with an output column name",
                         hint="rename the column in a view over the edge table")
    return GraphSpec(vertex, vid, edge, args["src"], args["dest"], weight, groups, kinds.pop(), vtype[1], shown,
                     wtype[1])


def _id_columns(text: str):
    """``'id'`` -> 'id'; MADlib's ``'[id1, id2]'`` -> ('id1', 'id2')."""
    stripped = text.strip()
    if stripped.startswith("[") and stripped.endswith("]"):
        try:
            return tuple(sqlexpr.parse_name_list(stripped[1:-1]))
        except InputError as exc:
            raise InputError(f"vertex_id {text!r} is not a list of column names: {exc.message}") from None
    return _one_name(text, "vertex_id")


def _composite(sess: Session, vertex: Relation, vcols: dict, vid, edge: Relation, ecols: dict, args: dict,
               what: str, row_ids: bool = False) -> tuple[Relation, Relation]:
    """MADlib's multi-column ids: copies of the tables (temporary, dropped at commit) with the id
    columns packed into one bigint[] each (``id``; ``src`` and ``dest``), as MADlib's views do,
    and the edge table's other columns (weight, grouping) as they are.

    ``row_ids``: the vertex copy also gets :data:`MADLIB_ROW_ID`, the bigint MADlib 2.1's
    weakly_connected_components derives from each vertex row's ``ctid`` (block, offset) to name
    components (graph/wcc.py_in, its vertex view: ``num_segments * (offset * (max_block + 1) +
    block) + segment``; on PostgreSQL one segment, number 0). It is a row's physical position, so
    it is what MADlib computes on this table as stored. A view has no ctid (MADlib's query fails
    there), and the ctids of a partitioned table's partitions or a Citus table's shards repeat
    (MADlib's numbers would name two components alike): their rows are numbered in id order instead."""
    parts = {"vertex_id": vid, "src": args["src"], "dest": args["dest"]}
    lists = {k: (v if isinstance(v, tuple) else (v,)) for k, v in parts.items()}
    if len({len(v) for v in lists.values()}) != 1:
        raise InputError(f"{what}: vertex_id {vid!r}, src {args['src']!r} and dest {args['dest']!r} must list "
                         "the same number of columns",
                         hint="e.g. vertex_id '[a, b]' with 'src=[s1, s2], dest=[d1, d2]'")
    for key, names in lists.items():
        cols, rel = (vcols, vertex) if key == "vertex_id" else (ecols, edge)
        for name in names:
            if _kind(_need(cols, name, rel, key + " column")) != "int" or cols[name][0] not in INTEGER_TYPES:
                raise InputError(f"{what}: multi-column vertex ids must be integers: {name} is {cols[name][1]}",
                                 sqlstate=InputError.DATATYPE_MISMATCH)
    n = next(_names)
    vname, ename = f"_indb_ml_graph_ids_{n}", f"_indb_ml_graph_edges_{n}"

    def packed(alias: str, names: tuple) -> str:
        return "ARRAY[" + ", ".join(alias + "." + sess.ident(c) for c in names) + "]::int8[]"

    vnames = lists["vertex_id"]
    source, extra = vertex.sql(sess) + " v", ""
    if row_ids and vertex.kind in _HAS_CTID and not is_distributed(sess, vertex):  # shards repeat ctids too
        source = ("(SELECT " + ", ".join("x." + sess.ident(c) for c in vnames) + ", x.ctid::text::point AS p FROM "
                  + vertex.sql(sess) + " x) v")
        extra = (", (v.p[1]::int8 * ((pg_catalog.max(v.p[0]) OVER ())::int8 + 1) + v.p[0]::int8) AS "
                 + sess.ident(MADLIB_ROW_ID))
    elif row_ids:
        extra = (", pg_catalog.row_number() OVER (ORDER BY " + packed("v", vnames) + ") AS "
                 + sess.ident(MADLIB_ROW_ID))
    sess.execute("CREATE TEMPORARY TABLE " + sess.ident(vname) + " ON COMMIT DROP AS SELECT "
                 + packed("v", vnames) + " AS id" + extra + " FROM " + source)
    others = [c for c in ecols if c not in ("src", "dest")]
    sess.execute("CREATE TEMPORARY TABLE " + sess.ident(ename) + " ON COMMIT DROP AS SELECT "
                 + packed("e", lists["src"]) + " AS src, " + packed("e", lists["dest"]) + " AS dest"
                 + "".join(", e." + sess.ident(c) for c in others) + " FROM " + edge.sql(sess) + " e")
    return (resolve_source(sess, "pg_temp." + sess.ident(vname), "vertex_table"),
            resolve_source(sess, "pg_temp." + sess.ident(ename), "edge_table"))


def load_graphs(sess: Session, spec_or_vertex_table, vertex_id: str | None = None, edge_table: str | None = None,
                edge_args: str | None = None, grouping_cols: str | None = None,
                weighted: bool | None = False, vertices: str = "table") -> list[Graph]:
    """Every group's :class:`Graph` (sorted by group key; one graph without grouping). ``vertices``:
    'table' (ids = the vertex table's; an edge to a missing vertex is an error) or 'union' (ids =
    the vertex table's and every edge end; ``Graph.in_table`` marks the vertex table's)."""
    if isinstance(spec_or_vertex_table, GraphSpec):
        spec = spec_or_vertex_table
    else:
        spec = resolve_graph(sess, spec_or_vertex_table, vertex_id, edge_table, edge_args, grouping_cols, weighted)
    table_ids = _load_vertices(sess, spec)
    ids, in_table = table_ids, None
    if vertices == "union" and spec.id_kind == "int":  # the edges' raw ids give the union in numpy
        rows = _load_edges(sess, spec, ids)
        ends = [array_from_body(r[k], INT8_OID) for r in rows for k in ("src", "dst")]
        ids = np.unique(np.concatenate([table_ids] + ends)) if ends else table_ids
        in_table = np.isin(ids, table_ids, assume_unique=True)
    else:
        if vertices == "union":
            ids, in_table = _union_ids(sess, spec, table_ids)
        rows = _load_edges(sess, spec, ids)
    graphs = []
    for r in rows:
        sess.check_interrupts()
        if r["nulls"]:
            sess.debug(f"graph: {r['nulls']} edges of {spec.label()}{_in_group(r['gkey'])} with a NULL end"
                       + (" or weight" if spec.weight else "") + " skipped")
        if spec.id_kind == "int":
            ends = np.concatenate([array_from_body(r["src"], INT8_OID), array_from_body(r["dst"], INT8_OID)])
            src, dst = np.split(_positions(spec, ids, ends, r["gkey"]), 2)
        else:
            if r["missing"]:
                raise _missing_error(spec, r["missing"], r["example"], r["gkey"])
            src = array_from_body(r["src"], INT4_OID).astype(np.int64)
            dst = array_from_body(r["dst"], INT4_OID).astype(np.int64)
        weight = array_from_body(r["w"], FLOAT8_OID) if spec.weight else None
        if weight is not None and not np.isfinite(weight).all():
            raise InputError(f"edge table {spec.label()} has a weight that is NaN or infinite" + _in_group(r["gkey"]),
                             sqlstate=InputError.INVALID_PARAMETER)
        graphs.append(Graph(r["gkey"], ids, src, dst, weight, in_table))
    if not graphs and not spec.group_cols:
        empty = np.empty(0, dtype=np.int64)
        graphs.append(Graph(None, ids, empty, empty.copy(), np.empty(0) if spec.weight else None, in_table))
    return graphs


def _union_ids(sess: Session, spec: GraphSpec, table_ids):
    """Text ids: the vertex table's ids and every (usable) edge end, sorted bytewise; and which are
    the table's (integer ids take theirs from the loaded edges, in numpy)."""
    s, d = "e." + sess.ident(spec.src), "e." + sess.ident(spec.dest)
    keep = edge_filter(sess, spec)
    rows = sess.execute("SELECT DISTINCT x FROM (SELECT " + s + "::text AS x FROM " + spec.edge.sql(sess) + " e WHERE "
                        + keep + " UNION ALL SELECT " + d + "::text FROM " + spec.edge.sql(sess) + " e WHERE " + keep
                        + ") q WHERE NOT (x = ANY($1::text[]))", [table_ids], ["text[]"])
    extra = [r["x"] for r in rows]
    if not extra:
        return table_ids, np.ones(len(table_ids), dtype=bool)
    # Bytewise order, as COLLATE "C" sorts (the loader's order): UTF-8 bytes compare like code points.
    ids = sorted(table_ids + extra, key=lambda v: v.encode())
    known = set(table_ids)
    return ids, np.array([v in known for v in ids], dtype=bool)


def edge_filter(sess: Session, spec: GraphSpec, alias: str = "e", weighted: bool | None = None) -> str:
    """The edges an algorithm reads, MADlib's way: both ends (and the weight, when read) not NULL,
    and with grouping, no NULL grouping value (MADlib's joins on the groups skip those)."""
    a = alias + "."
    test = [a + sess.ident(spec.src) + " IS NOT NULL", a + sess.ident(spec.dest) + " IS NOT NULL"]
    if spec.weight and (weighted is None or weighted):
        test.append(a + sess.ident(spec.weight) + " IS NOT NULL")
    test += [a + sess.ident(g) + " IS NOT NULL" for g in spec.group_cols]
    return "(" + " AND ".join(test) + ")"


def group_label(key: str | None) -> str:
    """`` in group {"g": 1}`` for messages, or nothing without grouping."""
    return _in_group(key)


def write_vertex_table(sess: Session, spec: GraphSpec, out: Relation, columns: Sequence[tuple[str, str]],
                       values: dict, id_column: str | None = None) -> None:
    """Create ``out`` (grouping columns typed as the edge table's, the vertex id column typed as the
    vertex table's, then ``columns`` = (name, SQL type)) and fill it: ``values`` maps each group key to
    ``(ids, [column arrays])``. ``ids`` is a Graph's ``ids`` (or a subset, as int64 array / list of str);
    a column is a float array (NaN becomes NULL), an int array, or a list of str/None for any type
    (sent as text[] and cast to the column's SQL type, e.g. text vertex ids, or '{1,2}' for int[]).
    """
    create_vertex_table(sess, spec, out, columns, id_column)
    fill_vertex_table(sess, spec, out, columns, values)


def fill_vertex_table(sess: Session, spec: GraphSpec, out: Relation, columns: Sequence[tuple[str, str]],
                      values: dict) -> None:
    """Insert ``values`` (as :func:`write_vertex_table` takes them) into an existing table of that shape."""
    for key in sorted(values, key=lambda k: k or ""):
        ids, cols = values[key]
        _insert(sess, spec, out, key, ids, list(zip(columns, cols)))


def create_vertex_table(sess: Session, spec: GraphSpec, out: Relation, columns: Sequence[tuple[str, str]],
                        id_column: str | None = None) -> None:
    """The empty output table: grouping columns, the vertex id column (named ``id_column`` or as the
    vertex table's, same type), then ``columns``; types come from the tables (``WITH NO DATA``).
    When the vertex or edge table is a Citus distributed table, the output is distributed by the
    vertex id, colocated with the vertex table if its distribution column has that type, else with
    the edge table's (:func:`indb_ml.core.distributed.distribute_like`)."""
    select = ["e." + sess.ident(g) for g in spec.group_cols]
    select.append("v." + sess.ident(spec.vertex_id) + " AS " + sess.ident(id_column or spec.vertex_id))
    select += ["NULL::" + t + " AS " + sess.ident(c) for c, t in columns]
    sess.execute("CREATE TABLE " + out.sql(sess) + " AS SELECT " + ", ".join(select) + " FROM "
                 + spec.edge.sql(sess) + " e CROSS JOIN " + spec.vertex.sql(sess) + " v WITH NO DATA")
    distribute_like(sess, out, id_column or spec.vertex_id, (spec.vertex, spec.edge))


def _insert(sess: Session, spec: GraphSpec, out: Relation, key, ids, cols) -> None:
    params, types, exprs = [], [], []

    def add(value, sqltype):
        params.append(value)
        types.append(sqltype)
        return "$" + str(len(params))

    grouped = bool(spec.group_cols)
    kref = add(key, "text") if grouped else None
    unnest = [_array_param(ids, add)]
    for _, value in cols:
        unnest.append(_array_param(value, add))
    names = ["c" + str(i) for i in range(len(unnest))]
    exprs = ["r." + sess.ident(g) for g in spec.group_cols]
    exprs.append("u.c0" if spec.id_kind == "int" else "u.c0::" + spec.id_type)  # text ids travel as text[]
    for i, ((_, sqltype), value) in enumerate(cols, start=1):
        ref = "u.c" + str(i)
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            ref = "NULLIF(" + ref + ", 'NaN'::float8)"
        exprs.append(ref + "::" + sqltype)
    query = ("INSERT INTO " + out.sql(sess) + " SELECT " + ", ".join(exprs) + " FROM ROWS FROM ("
             + ", ".join("pg_catalog.unnest(" + a + ")" for a in unnest) + ") AS u(" + ", ".join(names) + ")")
    if grouped:
        query += (" CROSS JOIN pg_catalog.jsonb_populate_record(NULL::" + spec.edge.sql(sess) + ", " + kref
                  + "::jsonb) r")
    sess.execute(query, params, types)


def _array_param(value, add) -> str:
    """A column for unnest(): numbers travel as raw bytes, anything else as a typed array."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return "indb_ml.float8_array_from_bytes(" + add(np.ascontiguousarray(value, "<f8").tobytes(), "bytea") + ")"
    if isinstance(value, np.ndarray) and value.dtype.kind in "iub":
        return "indb_ml._int8_array_from_bytes(" + add(np.ascontiguousarray(value, "<i8").tobytes(), "bytea") + ")"
    items = value.tolist() if isinstance(value, np.ndarray) else list(value)
    return add([None if v is None else str(v) for v in items], "text[]")  # cast to the column's type in SELECT


def _one_name(text: str, what: str) -> str:
    try:
        names = sqlexpr.parse_name_list(text)
    except InputError as exc:
        raise InputError(f"{what} {text!r} is not a column name: {exc.message}") from None
    if len(names) != 1:
        raise InputError(f"{what} {text!r} must name one column")
    return names[0]


def _columns(sess: Session, rel: Relation) -> dict:
    """column name -> (base type name, format_type) for the relation's columns."""
    rows = sess.execute(
        "SELECT a.attname, bt.typname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS shown "
        "FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
        "JOIN pg_catalog.pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END "
        "WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        [rel.sql(sess)], ["text"])
    return {r["attname"]: (r["typname"], r["shown"]) for r in rows}


def _need(cols: dict, name: str, rel: Relation, what: str) -> tuple:
    if name not in cols:
        raise InputError(f"{what} {name!r} is not a column of {rel.schema}.{rel.name}",
                         hint="its columns: " + ", ".join(sorted(cols)) + "; name others in edge_args "
                         "('src=col, dest=col, weight=col') or vertex_id; quote mixed-case names, e.g. '\"Src\"'",
                         sqlstate=InputError.UNDEFINED_COLUMN)
    return cols[name]


def _kind(t: tuple) -> str | None:
    if t[0] in INTEGER_TYPES:
        return "int"
    if t[0] in ("text", "varchar", "bpchar", "name"):
        return "text"
    return None


def component_type(spec: GraphSpec) -> str:
    """weakly_connected_components' component_id type: bigint for integer ids (MADlib 2.1 casts its
    labels to BIGINT, graph/wcc.py_in), the ids' type for text ids; multi-column ids are named by
    a bigint as well, but the plans label them with their bigint[] ids first (graph/wcc.py)."""
    return "bigint" if spec.id_kind == "int" else spec.id_type


def _in_group(key: str | None) -> str:
    return f" in group {key}" if key else ""


def _load_vertices(sess: Session, spec: GraphSpec):
    """Sorted ids; NULL and duplicate ids are errors."""
    v = sess.ident(spec.vertex_id)
    if spec.id_kind == "int":
        row = sess.one("SELECT pg_catalog.count(*) FILTER (WHERE " + v + " IS NULL) AS nulls, "
                       "indb_ml._int8_array_bytes("
                       "pg_catalog.array_agg(" + v + "::int8 ORDER BY " + v + ") FILTER (WHERE " + v + " IS NOT NULL), "
                       "''::bytea) AS ids FROM " + spec.vertex.sql(sess))
        ids = array_from_body(row["ids"], INT8_OID).copy()
        dup = ids[1:][ids[1:] == ids[:-1]]
        dup_example = str(dup[0]) if len(dup) else None
        n_dup = len(dup)
    else:
        row = sess.one("SELECT pg_catalog.count(*) FILTER (WHERE " + v + " IS NULL) AS nulls, "
                       "pg_catalog.array_agg(" + v + "::text ORDER BY " + v + "::text COLLATE \"C\") FILTER (WHERE "
                       + v + " IS NOT NULL) AS ids FROM " + spec.vertex.sql(sess))
        ids = list(row["ids"] or [])
        dups = [a for a, b in zip(ids[1:], ids[:-1]) if a == b] if len(set(ids)) < len(ids) else []
        dup_example, n_dup = (dups[0] if dups else None), len(dups)
    if row["nulls"]:
        raise InputError(f"vertex table {spec.vertex_label()} has {row['nulls']} NULL ids "
                         f"in column {spec.vertex_id}", hint="delete them or filter them out in a view",
                         sqlstate="23502")
    if len(ids) == 0:
        raise InputError(f"vertex table {spec.vertex_label()} has no vertices",
                         sqlstate=InputError.NO_DATA)
    if n_dup:
        raise InputError(f"vertex table {spec.vertex_label()} has duplicate ids in column "
                         f"{spec.vertex_id} (e.g. {dup_example!r}, {n_dup} duplicates)",
                         hint="vertex ids must be unique", sqlstate="23505")
    return ids


def group_key_sql(sess: Session, spec: GraphSpec, alias: str = "e") -> str:
    """The group key of a row of ``alias`` (a table with the grouping columns): jsonb text, as the
    loader keys its graphs (``Graph.key``); NULL::text without grouping."""
    return _group_key_sql(sess, spec, alias)


def _group_key_sql(sess: Session, spec: GraphSpec, alias: str = "e") -> str:
    if not spec.group_cols:
        return "NULL::text"
    pairs = ", ".join(sess.literal(g) + ", " + alias + "." + sess.ident(g) for g in spec.group_cols)
    return "pg_catalog.jsonb_build_object(" + pairs + ")::text"


def _load_edges(sess: Session, spec: GraphSpec, ids):
    """One statement over the edge table: per group, NULL counts and the packed edge arrays."""
    s, d = "e." + sess.ident(spec.src), "e." + sess.ident(spec.dest)
    ok = edge_filter(sess, spec)
    null_test = "NOT " + ok
    group_by = (" GROUP BY " + ", ".join("e." + sess.ident(g) for g in spec.group_cols)) if spec.group_cols else ""
    if spec.group_cols:  # edges of a NULL group belong to no group (MADlib's joins on the groups skip them)
        group_by = " WHERE " + " AND ".join("e." + sess.ident(g) + " IS NOT NULL" for g in spec.group_cols) + group_by

    def w(keep: str) -> str:
        if not spec.weight:
            return "NULL::bytea AS w"
        return ("indb_ml._float8_array_bytes(pg_catalog.array_agg(e." + sess.ident(spec.weight) + "::float8) "
                "FILTER (WHERE " + keep + "), ''::bytea) AS w")

    gkey = _group_key_sql(sess, spec)
    if spec.id_kind == "int":
        query = ("SELECT " + gkey + " AS gkey, pg_catalog.count(*) FILTER (WHERE " + null_test + ") AS nulls, "
                 "indb_ml._int8_array_bytes(pg_catalog.array_agg(" + s + "::int8) FILTER (WHERE " + ok + "), "
                 "''::bytea) AS src, indb_ml._int8_array_bytes(pg_catalog.array_agg(" + d + "::int8) FILTER (WHERE "
                 + ok + "), ''::bytea) AS dst, " + w(ok) + " FROM " + spec.edge.sql(sess) + " e" + group_by
                 + " ORDER BY 1")
        rows = sess.execute(query)
    else:
        # Positions by hash join against the ids as loaded (so they agree with ids' order).
        ok_join = ok + " AND vs.pos IS NOT NULL AND vd.pos IS NOT NULL"
        miss = ok + " AND (vs.pos IS NULL OR vd.pos IS NULL)"
        query = ("WITH v AS (SELECT u.id, (u.k - 1)::int4 AS pos FROM pg_catalog.unnest($1::text[]) WITH ORDINALITY "
                 "AS u(id, k)) SELECT " + gkey + " AS gkey, pg_catalog.count(*) FILTER (WHERE " + null_test
                 + ") AS nulls, pg_catalog.count(*) FILTER (WHERE " + miss + ") AS missing, "
                 "pg_catalog.min(CASE WHEN vs.pos IS NULL THEN " + s + "::text ELSE " + d + "::text END) FILTER (WHERE "
                 + miss + ") AS example, "
                 "indb_ml._int4_array_bytes(pg_catalog.array_agg(vs.pos) FILTER (WHERE " + ok_join + "), ''::bytea) "
                 "AS src, indb_ml._int4_array_bytes(pg_catalog.array_agg(vd.pos) FILTER (WHERE " + ok_join + "), "
                 "''::bytea) AS dst, " + w(ok_join)
                 + " FROM " + spec.edge.sql(sess) + " e LEFT JOIN v vs ON vs.id = " + s + "::text LEFT JOIN v vd "
                 "ON vd.id = " + d + "::text" + group_by + " ORDER BY 1")
        rows = sess.execute(query, [ids], ["text[]"])
    return list(rows)


def _positions(spec: GraphSpec, ids: np.ndarray, values: np.ndarray, gkey) -> np.ndarray:
    """Positions of integer ids (``ids`` sorted); an id not in the vertex table is an error.

    Ids that fill a range densely (the usual 0..n-1 or 1..n, or up to 4 slots per vertex) are
    looked up in a table indexed by ``id - min`` (one gather); others by binary search."""
    n = len(ids)
    if n == 0:
        pos, bad = np.zeros(len(values), dtype=np.int64), np.ones(len(values), dtype=bool)
    elif int(ids[-1]) - int(ids[0]) < 4 * n + 1024:
        lo, span = int(ids[0]), int(ids[-1]) - int(ids[0]) + 1
        table = np.full(span, -1, dtype=np.int64)
        table[ids - lo] = np.arange(n)
        offset = values - lo
        inside = (offset >= 0) & (offset < span)
        pos = np.full(len(values), -1, dtype=np.int64)
        pos[inside] = table[offset[inside]]
        bad = pos < 0
    else:
        pos = np.searchsorted(ids, values)
        pos[pos >= n] = 0
        bad = ids[pos] != values
    if bad.any():
        raise _missing_error(spec, int(bad.sum()), str(values[bad][0]), gkey)
    return pos.astype(np.int64, copy=False)


def _missing_error(spec: GraphSpec, count: int, example, gkey) -> InputError:
    return InputError(f"edge table {spec.label()} has {count} edge ends that are not in vertex table "
                      f"{spec.vertex_label()} (e.g. vertex {example})" + _in_group(gkey),
                      hint="add the missing vertices or delete those edges", sqlstate="23503")
