"""MADlib's creation operations: matrix_zeros, matrix_ones, matrix_identity, matrix_diag, matrix_random.

As in MADlib, a new matrix is written in the sparse format unless ``out_args`` asks for
``fmt=dense`` (or ``fmt=tiles``); a sparse zero matrix holds only the ``(m, n, 0)`` entry
that keeps its shape. ``matrix_random`` is the exception: dense by default, like MADlib's.
The output columns are named ``row``, ``col`` and ``val`` unless ``out_args`` names them
(MADlib's defaults for these functions, not ``row_num``/``col_num``).

``matrix_random`` takes MADlib's ``in_args`` options: ``seed`` and, per distribution,
``min``/``max`` (uniform), ``mu``/``sigma`` (normal), ``prob``/``pos_val``/``neg_val`` (bernoulli).

>>> random_values((2, 3), "uniform", "seed=7, min=-1, max=1").shape
(2, 3)
>>> bool((random_values((2, 2), "norm", "seed=3") == random_values((2, 2), "normal", "seed=3")).all())
True
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy import sparse

from indb_ml.core import budget
from indb_ml.core.session import Session, sql_entry
from indb_ml.errors import InputError
from indb_ml.matrix import storage, writer
from indb_ml.matrix.args import parse_args

CREATED_NAMES = {"row": "row", "col": "col", "val": "val"}
# Bytes per entry of a sparse output while it is built and written: the coordinates and value
# in numpy (coo, 24), the writer's int64 copies and bytes (48), their copies as bytea
# parameters and float8[] arrays in the server (48).
SPARSE_ENTRY_BYTES = 128
DISTRIBUTIONS = {
    "uniform": {"min": 0.0, "max": 1.0},
    "normal": {"mu": 0.0, "sigma": 1.0},
    "bernoulli": {"prob": 0.5, "pos_val": 1.0, "neg_val": 0.0},
}


def _check_dims(op: str, **dims) -> None:
    for name, value in dims.items():
        if value is None or value < 1:
            raise InputError(f"{op}: {name} is {'NULL' if value is None else value}; it must be at least 1")


def _write(sess: Session, matrix_out, out_args, make, shape: tuple[int, int], entries: int,
           default_fmt: str = "sparse", op: str = "matrix_out") -> list:
    """Check the output against the memory budget, then build it (``make()``) and write it:
    a sparse output by its ``entries``, a dense or tiled one by its ``shape``."""
    rel, args, fmt = storage.create_new(sess, matrix_out, out_args, default_fmt)
    given = parse_args(out_args)[1]
    args = replace(args, **{k: v for k, v in CREATED_NAMES.items() if k not in given})
    if fmt == "sparse":
        what = f"{op}: the {shape[0]} x {shape[1]} output ({entries} entries, sparse)"
        budget.check_bytes(sess, SPARSE_ENTRY_BYTES * entries, what)
        budget.check_one_value(8 * entries, what)
    else:
        storage.check_size(sess, shape[0], shape[1], op)
    writer.store(sess, rel, args, fmt, make())
    return [matrix_out]


def _diagonal(values: np.ndarray):
    n = np.arange(values.size)
    return sparse.coo_array((values, (n, n)), shape=(values.size, values.size))


@sql_entry
def matrix_zeros(sess, row_dim, col_dim, matrix_out, out_args=None) -> list:
    _check_dims("matrix_zeros", row_dim=row_dim, col_dim=col_dim)
    return _write(sess, matrix_out, out_args, lambda: sparse.coo_array((row_dim, col_dim)), (row_dim, col_dim), 1,
                  op="matrix_zeros")


@sql_entry
def matrix_ones(sess, row_dim, col_dim, matrix_out, out_args=None) -> list:
    _check_dims("matrix_ones", row_dim=row_dim, col_dim=col_dim)
    storage.check_size(sess, row_dim, col_dim, "matrix_ones")
    return _write(sess, matrix_out, out_args, lambda: np.ones((row_dim, col_dim)), (row_dim, col_dim),
                  row_dim * col_dim, op="matrix_ones")


@sql_entry
def matrix_identity(sess, row_dim, matrix_out, out_args=None) -> list:
    _check_dims("matrix_identity", row_dim=row_dim)
    return _write(sess, matrix_out, out_args, lambda: _diagonal(np.ones(row_dim)), (row_dim, row_dim), row_dim,
                  op="matrix_identity")


@sql_entry
def matrix_diag(sess, diag_elements, matrix_out, out_args=None) -> list:
    if not diag_elements:
        raise InputError("matrix_diag: diag_elements is NULL or empty", hint="pass e.g. ARRAY[9, 6, 3]")
    if any(v is None for v in diag_elements):
        raise InputError("matrix_diag: diag_elements contains NULL")
    n = len(diag_elements)
    return _write(sess, matrix_out, out_args, lambda: _diagonal(np.asarray(diag_elements, dtype=np.float64)),
                  (n, n), n, op="matrix_diag")


def _distribution(name: str | None) -> str:
    text = (name or "").strip().lower()
    if not text:
        return "uniform"
    for known in DISTRIBUTIONS:
        if known.startswith(text):
            return known
    raise InputError(f"matrix_random: unknown distribution {name!r}",
                     hint="use 'uniform', 'normal' or 'bernoulli' (or a prefix of one)")


def _options(text: str | None, dist: str) -> tuple[dict, int | None]:
    values, seed = dict(DISTRIBUTIONS[dist]), None
    for part in (text or "").split(","):
        if not part.strip():
            continue
        key, sep, value = (s.strip() for s in part.partition("="))
        key = key.lower()
        if not sep or key not in values and key != "seed":
            raise InputError(f"matrix_random: cannot use {part.strip()!r} in in_args for the {dist} distribution",
                             hint="known: seed, " + ", ".join(DISTRIBUTIONS[dist]))
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        if key == "seed":
            if not number.is_integer() or number < 0:
                raise InputError(f"matrix_random: seed={value!r} must be a non-negative integer")
            seed = int(number)
        elif not np.isfinite(number):
            raise InputError(f"matrix_random: {key}={value!r} must be a finite number")
        else:
            values[key] = number
    return values, seed


def random_values(shape: tuple[int, int], distribution: str | None, in_args: str | None) -> np.ndarray:
    """Draw the matrix; the same ``seed``, shape and options always give the same values."""
    dist = _distribution(distribution)
    opts, seed = _options(in_args, dist)
    rng = np.random.default_rng(seed)
    if dist == "uniform":
        if opts["min"] > opts["max"]:
            raise InputError(f"matrix_random: min={opts['min']} is above max={opts['max']}")
        return rng.uniform(opts["min"], opts["max"], size=shape)
    if dist == "normal":
        if opts["sigma"] < 0:
            raise InputError(f"matrix_random: sigma={opts['sigma']} must not be negative")
        return rng.normal(opts["mu"], opts["sigma"], size=shape)
    if not 0 <= opts["prob"] <= 1:
        raise InputError(f"matrix_random: prob={opts['prob']} must be between 0 and 1")
    return np.where(rng.random(size=shape) < opts["prob"], opts["pos_val"], opts["neg_val"])


@sql_entry
def matrix_random(sess, row_dim, col_dim, in_args, distribution, matrix_out, out_args=None) -> list:
    _check_dims("matrix_random", row_dim=row_dim, col_dim=col_dim)
    storage.check_size(sess, row_dim, col_dim, "matrix_random")
    random_values((1, 1), distribution, in_args)  # the options are checked before the size of the output
    return _write(sess, matrix_out, out_args, lambda: random_values((row_dim, col_dim), distribution, in_args),
                  (row_dim, col_dim), row_dim * col_dim, default_fmt="dense", op="matrix_random")
