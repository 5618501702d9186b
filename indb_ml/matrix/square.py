"""MADlib's ``matrix_square``: ``A * A`` for a square matrix table, through ``matrix_mult``.

MADlib keeps the input's format (a sparse square stays sparse, where its ``matrix_mult``
defaults to a dense product), so unless ``out_args`` names a ``fmt=`` the input's format
is passed on; everything else (operator choice, memory cap, output columns defaulting
to the input's) is :func:`indb_ml.matrix.ops.matrix_mult`'s.
"""

from __future__ import annotations

from indb_ml.core.session import sql_entry
from indb_ml.errors import InputError
from indb_ml.matrix import ops, pieces
from indb_ml.matrix.args import parse_args


@sql_entry
def matrix_square(sess, matrix_in, in_args, out, out_args) -> list:
    src = pieces.open_source(sess, matrix_in, in_args, "matrix_in")
    m, n = src.shape
    if m != n:
        raise InputError(f"matrix_square: matrix_in is {m} x {n}; the square A * A is only defined for square "
                         "matrices", hint="use matrix_mult with trans=true for A'A or AA'",
                         sqlstate=InputError.ARRAY_DIMENSIONS)
    _, given = parse_args(out_args)
    if "fmt" not in given:
        out_args = (out_args.strip() + ", " if out_args and out_args.strip() else "") + "fmt=" + src.fmt
    return ops.matrix_mult.__wrapped__(sess, matrix_in, in_args, matrix_in, in_args, out, out_args)
