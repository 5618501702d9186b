"""``SET indb_ml.madlib_linalg = on``: the block matrix functions as MADlib's SQL runs them,
where that leaves the standard definition (docs/madlib-migration.md, Matrices and arrays).

Read here so the block functions share it. Off (the default), ``matrix_block_mult`` checks
that the blocks line up, ``matrix_block_square`` that the matrix is square, and they and
``matrix_block_trans`` that the blocks tile the matrix. On, those three check only what MADlib's
``_validate_block`` does (the columns exist, the table has blocks; here also integer indexes
and 2-D blocks without NULLs) and join whatever block indexes match, as MADlib's
``matrix_block_mult`` does (matrix_ops.py_in): squaring MADlib's 5 x 2 test table gives the
matrix times its top block. A pair of blocks that does not multiply is still an error, as in
MADlib's ``matrix_mem_mult``. ``matrix_unblockize`` and ``svd_block`` still need blocks that
tile the matrix (their output is a matrix), and ``normalized_avg`` is MADlib's either way.
"""

from __future__ import annotations

from indb_ml.core.flags import session_flag


def madlib_linalg(sess) -> bool:
    """Whether ``indb_ml.madlib_linalg`` is on for this call (default off)."""
    return session_flag(sess, "indb_ml.madlib_linalg")
