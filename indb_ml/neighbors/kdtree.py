"""MADlib's ``algorithm => 'kd_tree'`` for knn: an approximate search inside kd-tree regions.

MADlib 2.1 splits the training points ``depth`` times at the median (``percentile_disc(0.5)``)
of one coordinate per level (level ``l`` splits on coordinate ``l mod dimension + 1``; a point
goes left when its coordinate is below the cutoff), which gives ``2^depth`` regions numbered by
their path (left = 0, right = 1, most significant first, the order in which MADlib lists its
leaves). A test point is then compared only with the points of

- its own region, when ``leaf_nodes = 1``;
- the ``leaf_nodes`` regions whose centres (the mean of their points) are nearest to it by
  ``fn_dist``, otherwise;

so a test point may get fewer than k neighbours (and none, and then no output row, when its
region is empty), exactly as in MADlib.

Everything runs in SQL on two temporary tables, the training points ``(pid, v, label, x,
region)`` and, for ``leaf_nodes = 1``, the test points ``(tid, x, region)``, where ``x`` is the
point as float8[]: per level, one ``GROUP BY`` computes every node's cutoff and one ``UPDATE``
moves the points one level down (``region = 2 region + (x[j] >= cutoff)``). A test point whose
node has no training point gets a NULL region, as MADlib's ``CASE`` gives it.
"""

from __future__ import annotations

import itertools

from indb_ml.core.params import parse_params
from indb_ml.core.session import Session
from indb_ml.errors import InputError

DEFAULT_DEPTH = 3  # MADlib's defaults
DEFAULT_LEAF_NODES = 2
MAX_DEPTH = 30  # 2^30 regions: beyond any useful tree; keeps region numbers in an integer
_names = itertools.count(1)


def parse_kd_params(text: str | None) -> tuple[int, int]:
    """``'depth=2, leaf_nodes=1'`` -> (depth, leaf_nodes), with MADlib's checks."""
    p = parse_params(text, {"depth": (int, DEFAULT_DEPTH), "leaf_nodes": (int, DEFAULT_LEAF_NODES)},
                     "algorithm_params")
    depth, leaves = p["depth"], p["leaf_nodes"]
    if depth <= 0:
        raise InputError(f"knn: depth={depth} is an invalid value, must be greater than 0")
    if leaves <= 0:
        raise InputError(f"knn: leaf_nodes={leaves} is an invalid value, must be greater than 0")
    if depth > MAX_DEPTH:
        raise InputError(f"knn: depth={depth} is larger than {MAX_DEPTH}",
                         hint="a deeper tree has more regions than any table has points")
    if 2 ** depth <= leaves:
        raise InputError(f"knn: depth={depth}, leaf_nodes={leaves} is not valid: leaf_nodes must be lower than "
                         "2^depth", hint="raise depth or lower leaf_nodes")
    return depth, leaves


def temp_names() -> tuple[str, str, str]:
    """Names (in pg_temp) of the point table, the cutoff table and the test-region table of one call."""
    n = next(_names)
    return f"_indb_ml_kd_points_{n}", f"_indb_ml_kd_cuts_{n}", f"_indb_ml_kd_test_{n}"


def split(sess: Session, points: str, cuts: str, depth: int, dim: int) -> None:
    """Label every row of ``points`` (columns ``x float8[]``, ``region int`` = 0) with its leaf, and
    keep each level's cutoffs in ``cuts (level, node, cut)``."""
    sess.execute("CREATE TEMPORARY TABLE " + cuts + " (level int, node int, cut float8)")
    for level in range(depth):
        j = str(level % dim + 1)
        sess.execute("INSERT INTO " + cuts + " SELECT $1, region, pg_catalog.percentile_disc(0.5) WITHIN GROUP "
                     "(ORDER BY x[" + j + "]) FROM " + points + " GROUP BY region", [level], ["int4"])
        sess.execute("UPDATE " + points + " p SET region = 2 * p.region + CASE WHEN p.x[" + j + "] >= c.cut THEN 1 "
                     "ELSE 0 END FROM " + cuts + " c WHERE c.level = $1 AND c.node = p.region", [level], ["int4"])


def place(sess: Session, tests: str, cuts: str, depth: int, dim: int) -> None:
    """The leaf of every row of ``tests`` (columns ``x float8[]``, ``region int`` = 0) in the tree
    of ``cuts``; NULL when a node on the way has no cutoff (no training point)."""
    for level in range(depth):
        j = str(level % dim + 1)
        sess.execute("UPDATE " + tests + " t SET region = (SELECT CASE WHEN t.x[" + j + "] < c.cut THEN 2 * t.region "
                     "WHEN t.x[" + j + "] >= c.cut THEN 2 * t.region + 1 END FROM " + cuts + " c WHERE c.level = $1 "
                     "AND c.node = t.region) WHERE t.region IS NOT NULL", [level], ["int4"])
