"""Iterative programs over the planner: loop-invariant operands reblocked once, when it pays.

An iterative method (CG, IRLS, gradient descent) evaluates expressions over the same
data every iteration. :class:`Program` holds the bindings, evaluates expressions through
the planner, and decides for each loop-invariant dense table whether to reblock it into
a temporary tile table first, from the number of passes the loop will make:

    reblocking costs about REBLOCK_PASSES dense passes; a pass over tiles costs about
    TILE_PASS of a dense pass; so reblock when passes * (1 - TILE_PASS) > REBLOCK_PASSES.

(The constants come from bench/run_planner.py and bench/run_matrix.py on 2 cores:
reblocking 1M x 50 costs about four unordered dense scans, and a tile scan about half.)
"""

from __future__ import annotations

import itertools
import json

import numpy as np

from indb_ml.core.session import Session
from indb_ml.matrix import ops, pieces
from indb_ml.planner.entry import Evaluation

REBLOCK_PASSES = 4.0
TILE_PASS = 0.5
_temps = itertools.count()


class Program:
    def __init__(self, sess: Session, bindings: dict):
        self.sess = sess
        self.bindings = dict(bindings)
        self.temps: list = []
        self.reblocked: list = []  # names of the bindings now read from tiles

    def invariant(self, name: str, passes: int) -> bool:
        """Reblock binding ``name`` (a dense matrix table) into tiles if ``passes`` make it pay."""
        binding = self.bindings[name]
        table, args = (binding, "") if isinstance(binding, str) else (binding["table"], binding.get("args", ""))
        src = pieces.open_source(self.sess, table, args, f"binding {name}")
        if src.fmt != "dense" or src.args.trans or passes * (1.0 - TILE_PASS) <= REBLOCK_PASSES:
            return False
        tiles = f"pg_temp.indb_ml_prog_{next(_temps)}"
        ops.matrix_reblock(self.sess.plpy, table, args, tiles, "block=1000")
        self.temps.append(tiles)
        self.bindings[name] = {"table": tiles, "args": ""}
        self.reblocked.append(name)
        return True

    def value(self, expr: str, **consts) -> np.ndarray:
        """Evaluate ``expr`` with the program's bindings plus ``consts`` (numbers or arrays)."""
        bindings = dict(self.bindings)
        for key, v in consts.items():
            bindings[key] = np.asarray(v, dtype=np.float64).tolist() if isinstance(v, np.ndarray) else float(v)
        run = Evaluation(self.sess, expr, json.dumps(bindings))
        try:
            return run.executor.load(run.value)
        finally:
            run.close()

    def close(self) -> None:
        for name in self.temps:
            self.sess.execute("DROP TABLE IF EXISTS " + name)
        self.temps = []
