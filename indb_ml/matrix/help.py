"""Usage texts of the matrix functions: ``SELECT indb_ml.matrix_mult()`` or ``matrix_mult('usage')``.

MADlib gives every matrix function two help overloads, ``matrix_xxx()`` and
``matrix_xxx(message text)``; ``sql/25_matrix_help.sql`` declares them and calls
:func:`matrix_help`. Each text gives the signature as our SQL declares it (names,
types, defaults), what each argument means, the output, and an example that runs as
shown (``tests/test_matrix_help.py`` runs every example and checks its result).

>>> "out_args" in matrix_help("matrix_mult") and matrix_help("matrix_mult") == matrix_help("matrix_mult", "usage")
True
>>> matrix_help("matrix_add", "bogus").splitlines()[0]
"indb_ml.matrix_add: message 'bogus' is not recognized; pass 'usage' or nothing. The usage:"
"""

from __future__ import annotations

# ---- shared sections --------------------------------------------------------------------------------

IN_ARGS = """\
Matrix arguments (in_args; a_args and b_args for two inputs): 'name=value' pairs separated by
commas, e.g. 'row=row_id, val=row_vec, trans=true'. NULL or '' keeps every default.
    row    the row index column, 1-based (default row_num)
    col    the column index column, sparse format only (default col_num)
    val    the values column: one array per matrix row in the dense format (float8[], any
           numeric array, or a pgvector vector), one number per entry in the sparse format
           (default val)
    trans  true: use the transpose of this matrix (default false)
    fmt    dense, sparse or tiles: the table's format (default: detected from its columns)
    dims   MxN, sparse format only: the stored shape (default: the largest indices)
Column names that are not lower-case identifiers are double-quoted: 'row="Row Id"'."""

OUT_ARGS = """\
Output arguments (out_args): the same 'name=value' pairs; NULL or '' keeps every default.
    row, col, val  the output table's column names (default: those of the first input matrix)
    fmt    dense, sparse or tiles: the format to write (default: see Output above)
    block  the tile side when writing tiles, 1 to 10000 (default 1000)
    op     the physical operator: memory, blocks or tiles (join for matrix_mult); default chosen
           from the formats and sizes (see the table of operators in the documentation's planner page)"""

OUT_ARGS_MULT = OUT_ARGS + """
           For matrix_mult, see Operators below."""

OUT_ARGS_NEW = """\
Output arguments (out_args): 'name=value' pairs separated by commas; NULL or '' keeps every default.
    row, col, val  the output table's column names (default row, col and val, as in MADlib)
    fmt    dense, sparse or tiles: the format to write (default: see Output above)
    block  the tile side when writing tiles, 1 to 10000 (default 1000)"""

FORMATS = """\
Formats (an input's format is detected from its columns unless its arguments say fmt=):
    dense   (row, val): one table row per matrix row, row ids 1..m without gaps or
            duplicates, every val an array of the same length n
    sparse  (row, col, val): one table row per entry, 1-based, no duplicates; the largest
            row and col give the shape, so keep an explicit 0 at (m, n) when the last row or
            column is all zeros (every sparse output does)
    tiles   (row_block, col_block, nrows, ncols, layout, codec, data): blocks of up to
            block x block values numbered from 0, data = the block's float64 values,
            little-endian, row by row (matrix_reblock writes them)"""

MEMORY = "Loads the whole matrix into memory, capped by indb_ml.matrix_memory_mb (default 512)."
STREAMED = ("Streams dense and tile tables piece by piece (memory: one block of rows or one tile); a\n"
            "sparse table is loaded, capped by indb_ml.matrix_memory_mb (default 512).")
ELEMENTWISE = ("Two tile tables tiled alike stream tile by tile; two dense tables stream in blocks of rows\n"
               "when loading both would exceed indb_ml.matrix_memory_mb; otherwise both are loaded under\n"
               "that cap. out_args op=memory|blocks|tiles forces the operator.")
UNARY_STREAMED = ("Tiles stream tile by tile into tiles; anything with whole rows to read (dense rows, tiles,\n"
                  "the transposed read of tiles) streams in blocks of rows; a sparse table is loaded under\n"
                  "indb_ml.matrix_memory_mb. out_args op=memory|blocks|tiles forces the operator.")

RESULT = "indb_ml.matrix_result (output_table text): the name of the table written"

# ---- example tables ---------------------------------------------------------------------------------

A = [  # the dense 2 x 2 matrix [[1, 2], [3, 4]]
    "CREATE TABLE mat_a (row_id integer, row_vec float8[])",
    "INSERT INTO mat_a VALUES (1, '{1,2}'), (2, '{3,4}')",
]
A_ARGS = "'row=row_id, val=row_vec'"
S = [  # the sparse 2 x 3 matrix [[1, 0, 0], [0, 0, 5]]
    "CREATE TABLE mat_s (row_id integer, col_id integer, value float8)",
    "INSERT INTO mat_s VALUES (1, 1, 1), (2, 3, 5)",
]
S_ARGS = "'row=row_id, col=col_id, val=value'"


def _dense(name: str, rows: list) -> list:
    values = ", ".join(f"({i}, '{{{','.join(map(str, r))}}}')" for i, r in enumerate(rows, start=1))
    return [f"CREATE TABLE {name} (row_id integer, row_vec float8[])", f"INSERT INTO {name} VALUES {values}"]


# ---- the functions ----------------------------------------------------------------------------------
# args: (name, declared type and default, meaning); example: statements, the last one a query whose
# rows are `result`.


def _binary(what: str, output: str, **extra) -> dict:
    return dict(
        summary=what,
        args=[
            ("matrix_a", "text", "the first matrix: a table or view name"),
            ("a_args", "text", "matrix arguments of matrix_a (in_args, below)"),
            ("matrix_b", "text", "the second matrix"),
            ("b_args", "text", "matrix arguments of matrix_b (in_args, below)"),
            ("matrix_out", "text", "the table to create (it must not exist)"),
            ("out_args", "text DEFAULT NULL", "output arguments (out_args, below)"),
        ],
        returns=RESULT,
        output=output,
        **{"sections": [IN_ARGS, OUT_ARGS, FORMATS], **extra},
    )


def _unary(what: str, output: str, example: list, result: list, out_name: str = "matrix_out",
           out_meaning: str = "the table to create (it must not exist)", notes: str = "", returns=RESULT) -> dict:
    return dict(
        summary=what,
        args=[
            ("matrix_in", "text", "the matrix: a table or view name"),
            ("in_args", "text", "matrix arguments of matrix_in (in_args, below)"),
            (out_name, "text", out_meaning),
            ("out_args", "text DEFAULT NULL", "output arguments (out_args, below)"),
        ],
        returns=returns,
        output=output,
        notes=notes,
        sections=[IN_ARGS, OUT_ARGS, FORMATS],
        example=example,
        result=result,
    )


def _reader(what: str, returns: str, extra_args: list, example: list, result: list, notes: str = "") -> dict:
    """Functions that read a matrix and return a value (no output table, no out_args)."""
    return dict(
        summary=what,
        args=[
            ("matrix_in", "text", "the matrix: a table or view name"),
            ("in_args", "text", "matrix arguments of matrix_in (in_args, below)"),
            *extra_args,
        ],
        returns=returns,
        notes=notes,
        sections=[IN_ARGS, FORMATS],
        example=example,
        result=result,
    )


def _extremum(kind: str, word: str, example: list, result: list) -> dict:
    return dict(
        summary=f"the {word} value of each column or of each row (MADlib matrix_{kind})",
        args=[
            ("matrix_in", "text", "the matrix: a table or view name"),
            ("in_args", "text", "matrix arguments of matrix_in (in_args, below)"),
            ("dim", "integer", f"1: the {word} of each column; 2: the {word} of each row"),
            ("matrix_out", "text", "the table to create (it must not exist)"),
            ("fetch_index", "boolean DEFAULT false", "true: also write where each value is"),
        ],
        returns=RESULT,
        output=(f"matrix_out has one row: {kind} float8[] (one value per column for dim=1, per row for dim=2)\n"
                "and, with fetch_index, before it index bigint[]: the 1-based position of the first occurrence\n"
                "of each value (its row for dim=1, its column for dim=2)."),
        notes=STREAMED,
        sections=[IN_ARGS, FORMATS],
        example=example,
        result=result,
    )


def _creator(what: str, args: list, output: str, example: list, result: list, notes: str = "") -> dict:
    return dict(summary=what, args=args, returns=RESULT, output=output, notes=notes,
                sections=[OUT_ARGS_NEW, FORMATS], example=example, result=result)


_OUT_LIKE_A = ("matrix_out, in the format of matrix_a unless out_args says fmt=, with the column\n"
               "names of a_args unless out_args names them.")
_OUT_LIKE_IN = ("matrix_out, in the format of matrix_in unless out_args says fmt=, with the column\n"
                "names of in_args unless out_args names them.")
_OUT_NEW = ("matrix_out in the sparse format (row, col, val) unless out_args says fmt=dense\n"
            "(row, val) or fmt=tiles; columns row, col, val unless out_args names them.")
_OUT_NEW_SPARSE = _OUT_NEW + ("\nA sparse output holds the non-zero entries, plus a 0 at (m, n) when that entry\n"
                              "is zero, to keep the shape.")
_FACTORS = ("Factors are written dense unless out_args says fmt=, with the column names of in_args\n"
            "unless out_args names them.")
_FACTORS_RESULT = "indb_ml.matrix_result (output_table text): a note naming the tables written"

SPECS: dict[str, dict] = {
    "matrix_mult": _binary(
        "the matrix product matrix_out = matrix_a * matrix_b (MADlib matrix_mult)",
        "matrix_out = the m x p product of the m x n matrix_a and the n x p matrix_b (each after its\n"
        "trans=), dense unless out_args says fmt=, with the column names of a_args unless out_args\n"
        "names them.",
        notes="""\
Operators (out_args op= forces one; by default it is chosen from the formats and sizes;
SET client_min_messages = debug2 shows the choice):
    tiles   tiles times tiles into tiles (trans=true allowed, e.g. AᵀA): a join of the tiles
            and one indb_ml.tile_mm aggregate per output tile, memory a few tiles (the default
            for two tile tables when out_args has no fmt= or fmt=tiles)
    join    sparse times sparse into sparse: a join and GROUP BY run by PostgreSQL, out of core
            (the default for fmt=sparse when the inputs and the worst-case product exceed
            indb_ml.matrix_memory_mb)
    blocks  matrix_a streamed in blocks of whole rows (indb_ml.row_block_mb, default 32),
            times matrix_b held in memory, written block by block (the default when the
            in-memory operator would exceed indb_ml.matrix_memory_mb)
    memory  any formats: both operands loaded and multiplied with numpy/scipy, capped by
            indb_ml.matrix_memory_mb (default 512); the default in every other case""",
        sections=[IN_ARGS, OUT_ARGS_MULT, FORMATS],
        example=A + [
            "SELECT indb_ml.matrix_mult('mat_a', 'row=row_id, val=row_vec', "
            "'mat_a', 'row=row_id, val=row_vec, trans=true', 'mat_r')",
            "SELECT * FROM mat_r ORDER BY row_id",
        ],
        result=[(1, [5, 11]), (2, [11, 25])],
    ),
    "matrix_add": _binary(
        "the sum matrix_out = matrix_a + matrix_b of two matrices of the same shape (MADlib matrix_add)",
        _OUT_LIKE_A,
        notes=ELEMENTWISE,
        example=A + [
            f"SELECT indb_ml.matrix_add('mat_a', {A_ARGS}, 'mat_a', {A_ARGS}, 'mat_r')",
            "SELECT * FROM mat_r ORDER BY row_id",
        ],
        result=[(1, [2, 4]), (2, [6, 8])],
    ),
    "matrix_sub": _binary(
        "the difference matrix_out = matrix_a - matrix_b of two matrices of the same shape (MADlib matrix_sub)",
        _OUT_LIKE_A,
        notes=ELEMENTWISE + " The two inputs may have different formats.",
        example=A + [
            "CREATE TABLE mat_i (row_id integer, col_id integer, val float8)",
            "INSERT INTO mat_i VALUES (1, 1, 1), (2, 2, 1)",
            f"SELECT indb_ml.matrix_sub('mat_a', {A_ARGS}, 'mat_i', 'row=row_id, col=col_id, val=val', 'mat_r')",
            "SELECT * FROM mat_r ORDER BY row_id",
        ],
        result=[(1, [0, 2]), (2, [3, 3])],
    ),
    "matrix_elem_mult": _binary(
        "the element-wise (Hadamard) product of two matrices of the same shape (MADlib matrix_elem_mult)",
        _OUT_LIKE_A,
        notes=ELEMENTWISE,
        example=A + [
            f"SELECT indb_ml.matrix_elem_mult('mat_a', {A_ARGS}, 'mat_a', {A_ARGS}, 'mat_r')",
            "SELECT * FROM mat_r ORDER BY row_id",
        ],
        result=[(1, [1, 4]), (2, [9, 16])],
    ),
    "matrix_scalar_mult": dict(
        summary="matrix_out = scalar * matrix_in (MADlib matrix_scalar_mult)",
        args=[
            ("matrix_in", "text", "the matrix: a table or view name"),
            ("in_args", "text", "matrix arguments of matrix_in (in_args, below)"),
            ("scalar", "float8", "the factor, a finite number"),
            ("matrix_out", "text", "the table to create (it must not exist)"),
            ("out_args", "text DEFAULT NULL", "output arguments (out_args, below)"),
        ],
        returns=RESULT,
        output=_OUT_LIKE_IN,
        notes=UNARY_STREAMED,
        sections=[IN_ARGS, OUT_ARGS, FORMATS],
        example=A + [
            f"SELECT indb_ml.matrix_scalar_mult('mat_a', {A_ARGS}, 0.5, 'mat_r')",
            "SELECT * FROM mat_r ORDER BY row_id",
        ],
        result=[(1, [0.5, 1]), (2, [1.5, 2])],
    ),
    "matrix_vec_mult": _reader(
        "the matrix-vector product matrix_in * vector (MADlib matrix_vec_mult)",
        "float8[]: the product, one value per row of matrix_in",
        [("vector", "float8[]", "one value per column of matrix_in, no NULLs")],
        A + [f"SELECT indb_ml.matrix_vec_mult('mat_a', {A_ARGS}, ARRAY[1, 1])"],
        [([3, 7],)],
        notes=STREAMED,
    ),
    "matrix_trans": _unary(
        "the transpose of a matrix (MADlib matrix_trans)",
        _OUT_LIKE_IN,
        A + [
            f"SELECT indb_ml.matrix_trans('mat_a', {A_ARGS}, 'mat_r')",
            "SELECT * FROM mat_r ORDER BY row_id",
        ],
        [(1, [1, 3]), (2, [2, 4])],
        notes="Tiles transpose tile by tile; a tile table read with trans=true, or a sparse table, streams\n"
              "into other formats; dense rows into dense rows need the whole matrix, under\n"
              "indb_ml.matrix_memory_mb (reblock to tiles above it).",
    ),
    "matrix_densify": _unary(
        "the same matrix in the dense format (MADlib matrix_densify)",
        "matrix_out in the dense format (row, val float8[]), with the row and val names of in_args\n"
        "unless out_args names them.",
        S + [
            f"SELECT indb_ml.matrix_densify('mat_s', {S_ARGS}, 'mat_r')",
            "SELECT * FROM mat_r ORDER BY row_id",
        ],
        [(1, [1, 0, 0]), (2, [0, 0, 5])],
        notes=UNARY_STREAMED,
    ),
    "matrix_sparsify": _unary(
        "the same matrix in the sparse format (MADlib matrix_sparsify)",
        "matrix_out in the sparse format (row, col, val float8): the non-zero entries, plus a 0 at\n"
        "(m, n) when that entry is zero; column names of in_args unless out_args names them.",
        A + [
            f"SELECT indb_ml.matrix_sparsify('mat_a', {A_ARGS}, 'mat_r', 'col=col_id, val=value')",
            "SELECT * FROM mat_r ORDER BY row_id, col_id",
        ],
        [(1, 1, 1), (1, 2, 2), (2, 1, 3), (2, 2, 4)],
        notes=UNARY_STREAMED,
    ),
    "matrix_reblock": _unary(
        "the same matrix cut into tiles of block x block values (indb_ml; MADlib has no tile format)",
        "matrix_out in the tiles format (row_block, col_block, nrows, ncols, layout, codec, data bytea),\n"
        "tiles of out_args block= values a side (default 1000); out_args fmt=dense or fmt=sparse\n"
        "converts tiles back. Tile tables are what matrix_mult multiplies without loading them.",
        A + [
            f"SELECT indb_ml.matrix_reblock('mat_a', {A_ARGS}, 'mat_t', 'block=1')",
            "SELECT row_block, col_block, nrows, ncols FROM mat_t ORDER BY 1, 2",
        ],
        [(0, 0, 1, 1), (0, 1, 1, 1), (1, 0, 1, 1), (1, 1, 1, 1)],
        notes=UNARY_STREAMED,
    ),
    "matrix_ndims": _reader(
        "the number of rows and columns of a matrix (MADlib matrix_ndims)",
        "integer[]: {rows, columns}",
        [],
        S + [f"SELECT indb_ml.matrix_ndims('mat_s', {S_ARGS})"],
        [([2, 3],)],
    ),
    "matrix_extract_row": _reader(
        "one row of a matrix (MADlib matrix_extract_row)",
        "float8[]: the row, one value per column",
        [("index", "integer", "the row number, 1-based")],
        A + [f"SELECT indb_ml.matrix_extract_row('mat_a', {A_ARGS}, 2)"],
        [([3, 4],)],
        notes=STREAMED,
    ),
    "matrix_extract_col": _reader(
        "one column of a matrix (MADlib matrix_extract_col)",
        "float8[]: the column, one value per row",
        [("index", "integer", "the column number, 1-based")],
        A + [f"SELECT indb_ml.matrix_extract_col('mat_a', {A_ARGS}, 2)"],
        [([2, 4],)],
        notes=STREAMED,
    ),
    "matrix_extract_diag": _reader(
        "the main diagonal of a matrix (MADlib matrix_extract_diag)",
        "float8[]: the values at (1, 1), (2, 2), ..., min(rows, columns) of them",
        [],
        A + [f"SELECT indb_ml.matrix_extract_diag('mat_a', {A_ARGS})"],
        [([1, 4],)],
        notes=STREAMED,
    ),
    "matrix_max": _extremum(
        "max", "largest",
        A + [
            f"SELECT indb_ml.matrix_max('mat_a', {A_ARGS}, 2, 'mat_r', true)",
            "SELECT index, max FROM mat_r",
        ],
        [([2, 2], [2, 4])],
    ),
    "matrix_min": _extremum(
        "min", "smallest",
        A + [
            f"SELECT indb_ml.matrix_min('mat_a', {A_ARGS}, 1, 'mat_r', true)",
            "SELECT index, min FROM mat_r",
        ],
        [([1, 1], [1, 2])],
    ),
    "matrix_sum": _reader(
        "the sum of each column or of each row (MADlib matrix_sum)",
        "float8[]: one sum per column (dim=1) or per row (dim=2)",
        [("dim", "integer DEFAULT 1", "1: sum each column; 2: sum each row")],
        A + [f"SELECT indb_ml.matrix_sum('mat_a', {A_ARGS})"],
        [([4, 6],)],
        notes=STREAMED,
    ),
    "matrix_mean": _reader(
        "the mean of each column or of each row (MADlib matrix_mean)",
        "float8[]: one mean per column (dim=1) or per row (dim=2)",
        [("dim", "integer DEFAULT 1", "1: the mean of each column; 2: of each row")],
        A + [f"SELECT indb_ml.matrix_mean('mat_a', {A_ARGS}, 2)"],
        [([1.5, 3.5],)],
        notes=STREAMED,
    ),
    "matrix_norm": _reader(
        "a norm of a matrix (MADlib matrix_norm)",
        "float8: the norm",
        [("norm_type", "text DEFAULT 'fro'", "which norm (below); NULL or '' is 'fro'")],
        A + [f"SELECT indb_ml.matrix_norm('mat_a', {A_ARGS}, 'one')"],
        [(6,)],
        notes="""\
Norms (norm_type, or any prefix of the name):
    one (o)        the largest column sum of absolute values
    infinity (i)   the largest row sum of absolute values
    max (m)        the largest absolute value
    frobenius (f)  sqrt of the sum of squares (the default)
    spectral (s)   the largest singular value
    p, a number > 0: the element-wise p-norm (sum |a|^p)^(1/p), so '2' is the Frobenius norm
All but spectral stream dense and tile tables piece by piece; spectral loads the whole matrix,
capped by indb_ml.matrix_memory_mb (default 512).""",
    ),
    "matrix_rank": _reader(
        "the rank of a matrix (MADlib matrix_rank)",
        "bigint: the number of singular values above max(rows, columns) * eps * the largest one",
        [],
        A + [f"SELECT indb_ml.matrix_rank('mat_a', {A_ARGS})"],
        [(2,)],
        notes=MEMORY + " Computed with an SVD (LAPACK).",
    ),
    "matrix_nuclear_norm": _reader(
        "the nuclear norm of a matrix, the sum of its singular values (MADlib matrix_nuclear_norm)",
        "float8: the nuclear norm",
        [],
        _dense("mat_c", [[3, 0], [4, 0]]) + [f"SELECT indb_ml.matrix_nuclear_norm('mat_c', {A_ARGS})"],
        [(5,)],
        notes=MEMORY + " Computed with an SVD (LAPACK).",
    ),
    "matrix_ones": _creator(
        "a row_dim x col_dim matrix of ones (MADlib matrix_ones)",
        [
            ("row_dim", "integer", "the number of rows, at least 1"),
            ("col_dim", "integer", "the number of columns, at least 1"),
            ("matrix_out", "text", "the table to create (it must not exist)"),
            ("out_args", "text DEFAULT NULL", "output arguments (out_args, below)"),
        ],
        _OUT_NEW,
        ["SELECT indb_ml.matrix_ones(2, 3, 'mat_r', 'fmt=dense')", "SELECT * FROM mat_r ORDER BY 1"],
        [(1, [1, 1, 1]), (2, [1, 1, 1])],
    ),
    "matrix_zeros": _creator(
        "a row_dim x col_dim matrix of zeros (MADlib matrix_zeros)",
        [
            ("row_dim", "integer", "the number of rows, at least 1"),
            ("col_dim", "integer", "the number of columns, at least 1"),
            ("matrix_out", "text", "the table to create (it must not exist)"),
            ("out_args", "text DEFAULT NULL", "output arguments (out_args, below)"),
        ],
        _OUT_NEW + "\nA sparse zero matrix is one row: a 0 at (row_dim, col_dim), which keeps the shape.",
        ["SELECT indb_ml.matrix_zeros(2, 3, 'mat_r')", "SELECT * FROM mat_r"],
        [(2, 3, 0)],
    ),
    "matrix_identity": _creator(
        "the row_dim x row_dim identity matrix (MADlib matrix_identity)",
        [
            ("row_dim", "integer", "the number of rows and columns, at least 1"),
            ("matrix_out", "text", "the table to create (it must not exist)"),
            ("out_args", "text DEFAULT NULL", "output arguments (out_args, below)"),
        ],
        _OUT_NEW_SPARSE,
        ["SELECT indb_ml.matrix_identity(2, 'mat_r')", "SELECT * FROM mat_r ORDER BY 1, 2"],
        [(1, 1, 1), (2, 2, 1)],
    ),
    "matrix_diag": _creator(
        "the square diagonal matrix with the given diagonal (MADlib matrix_diag)",
        [
            ("diag_elements", "float8[]", "the diagonal, no NULLs; its length is the matrix size"),
            ("matrix_out", "text", "the table to create (it must not exist)"),
            ("out_args", "text DEFAULT NULL", "output arguments (out_args, below)"),
        ],
        _OUT_NEW_SPARSE,
        ["SELECT indb_ml.matrix_diag(ARRAY[9, 6, 3], 'mat_r', 'fmt=dense')", "SELECT * FROM mat_r ORDER BY 1"],
        [(1, [9, 0, 0]), (2, [0, 6, 0]), (3, [0, 0, 3])],
    ),
    "matrix_random": _creator(
        "a row_dim x col_dim matrix of random values (MADlib matrix_random)",
        [
            ("row_dim", "integer", "the number of rows, at least 1"),
            ("col_dim", "integer", "the number of columns, at least 1"),
            ("in_args", "text", "the distribution's options, 'name=value' pairs (below)"),
            ("distribution", "text", "'uniform' (NULL or ''), 'normal' or 'bernoulli', or a prefix"),
            ("matrix_out", "text", "the table to create (it must not exist)"),
            ("out_args", "text DEFAULT NULL", "output arguments (out_args, below)"),
        ],
        "matrix_out in the dense format (row, val float8[]) unless out_args says fmt=sparse or\n"
        "fmt=tiles; columns row, col, val unless out_args names them.",
        ["SELECT indb_ml.matrix_random(2, 3, 'seed=42, min=-1, max=1', 'uniform', 'mat_r')",
         "SELECT indb_ml.matrix_ndims('mat_r', 'row=row, val=val')"],
        [([2, 3],)],
        notes="""\
Shorter forms, with the distribution's default options and no seed:
    indb_ml.matrix_random(row_dim integer, col_dim integer, distribution text, matrix_out text)
    indb_ml.matrix_random(row_dim integer, col_dim integer, matrix_out text)   -- uniform on [0, 1)

Distribution options (in_args; NULL or '' keeps the defaults):
    seed       a non-negative integer: the same seed, shape and options give the same matrix
               (numpy's PCG64, so not MADlib's numbers); without it every call draws anew
    uniform    min, max (default 0, 1)
    normal     mu, sigma (default 0, 1)
    bernoulli  prob (default 0.5): pos_val (default 1) with probability prob, else neg_val (default 0)
Loads the whole matrix into memory, capped by indb_ml.matrix_memory_mb (default 512).""",
    ),
    "matrix_inverse": _unary(
        "the inverse of a square matrix (MADlib matrix_inverse)",
        "matrix_out = the inverse, dense unless out_args says fmt=, with the column names of in_args\n"
        "unless out_args names them. A singular matrix is an error: matrix_pinv takes any matrix.",
        A + [
            f"SELECT indb_ml.matrix_inverse('mat_a', {A_ARGS}, 'mat_r')",
            "SELECT * FROM mat_r ORDER BY row_id",
        ],
        [(1, [-2, 1]), (2, [1.5, -0.5])],
        notes=MEMORY + " Computed with LAPACK.",
    ),
    "matrix_pinv": _unary(
        "the Moore-Penrose pseudo-inverse of a matrix of any shape (MADlib matrix_pinv)",
        "matrix_out = the n x m pseudo-inverse of the m x n matrix_in, dense unless out_args says\n"
        "fmt=, with the column names of in_args unless out_args names them.",
        _dense("mat_c", [[3, 0], [4, 0]]) + [
            f"SELECT indb_ml.matrix_pinv('mat_c', {A_ARGS}, 'mat_r')",
            "SELECT * FROM mat_r ORDER BY row_id",
        ],
        [(1, [0.12, 0.16]), (2, [0, 0])],
        notes=MEMORY + " Computed with an SVD (LAPACK).",
    ),
    "matrix_eigen": _unary(
        "the eigenvalues of a square matrix (MADlib matrix_eigen)",
        "matrix_out has one row per eigenvalue, with multiplicity, largest real part first: the row\n"
        "column (named as in in_args) and eigen_values indb_ml.complex (real float8, imag float8),\n"
        "or the name out_args gives as val=. out_args fmt= other than dense is an error.",
        _dense("mat_e", [[2, 1], [1, 2]]) + [
            f"SELECT indb_ml.matrix_eigen('mat_e', {A_ARGS}, 'mat_r')",
            "SELECT row_id, (eigen_values).real, (eigen_values).imag FROM mat_r ORDER BY row_id",
        ],
        [(1, 3, 0), (2, 1, 0)],
        notes=MEMORY + " Computed with LAPACK.",
    ),
    "matrix_cholesky": _unary(
        "the pivoted Cholesky (LDL') decomposition of a symmetric positive definite matrix "
        "(MADlib matrix_cholesky, as Eigen's LDLT)",
        "Three tables: <prefix>_p (the permutation P), <prefix>_l (L, unit lower triangular) and\n"
        "<prefix>_d (D, diagonal), with P A P' = L D L'. Only the lower triangle of matrix_in is read.\n"
        + _FACTORS,
        _dense("mat_f", [[4, 2], [2, 2]]) + [
            f"SELECT indb_ml.matrix_cholesky('mat_f', {A_ARGS}, 'fac')",
            "SELECT * FROM fac_l ORDER BY row_id",
        ],
        [(1, [1, 0]), (2, [0.5, 1])],
        out_name="matrix_out_prefix",
        out_meaning="the prefix of the tables to create",
        returns=_FACTORS_RESULT,
        notes=MEMORY,
    ),
    "matrix_qr": _unary(
        "the QR decomposition A = Q R of a matrix of any shape (MADlib matrix_qr)",
        "Two tables: <prefix>_q (Q, m x m orthogonal) and <prefix>_r (R, m x n upper triangular),\n"
        "with A = Q R (LAPACK Householder).\n" + _FACTORS,
        _dense("mat_c", [[3, 1], [4, 2]]) + [
            f"SELECT indb_ml.matrix_qr('mat_c', {A_ARGS}, 'fac')",
            "SELECT * FROM fac_r ORDER BY row_id",
        ],
        [(1, [-5, -2.2]), (2, [0, 0.4])],
        out_name="matrix_out_prefix",
        out_meaning="the prefix of the tables to create",
        returns=_FACTORS_RESULT,
        notes=MEMORY,
    ),
    "matrix_lu": _unary(
        "the LU decomposition with full pivoting P A Q = L U (MADlib matrix_lu, as Eigen's FullPivLU)",
        "Four tables: <prefix>_p (P, m x m), <prefix>_l (L, m x m unit lower triangular),\n"
        "<prefix>_u (U, m x n upper triangular) and <prefix>_q (Q, n x n), with P A Q = L U.\n" + _FACTORS,
        A + [
            f"SELECT indb_ml.matrix_lu('mat_a', {A_ARGS}, 'fac')",
            "SELECT * FROM fac_u ORDER BY row_id",
        ],
        [(1, [4, 3]), (2, [0, -0.5])],
        out_name="matrix_out_prefix",
        out_meaning="the prefix of the tables to create",
        returns=_FACTORS_RESULT,
        notes=MEMORY,
    ),
}


# ---- compression (indb_ml/compress, sql/70_compress.sql) ---------------------------------------------

OUT_ARGS_COMPRESS = """\
Output arguments (out_args): 'name=value' pairs separated by commas; NULL or '' keeps every default.
    codec      auto (default: per tile the smallest lossless encoding, raw when nothing is smaller);
               lossless: zstd, lz4 (Arrow's buffer codecs), zlib (all on byte-shuffled float64),
               csr, coo (non-zeros with delta-encoded, bit-packed indices), dict (at most 65536
               distinct values per tile, bit-packed codes; matrix_vec_mult works on the codes);
               lossy: float32, bfloat16, int8 (one scale per tile)
    lossy      true: allow a lossy codec (default false: asking for one is an error)
    max_error  with a lossy codec: the largest absolute error allowed in any tile (an error if
               a tile is off by more; matrix_info reports each tile's error)
    block      the tile side, 1 to 10000 (default: an untransposed tile input keeps its tiles,
               anything else 1000)"""

COMPRESS_SPECS = {
    "matrix_compress": dict(
        summary="a matrix written as a tile table with compressed tiles (indb_ml; MADlib has none)",
        args=[
            ("matrix_in", "text", "the matrix: a table or view name (dense, sparse or tiles)"),
            ("in_args", "text", "matrix arguments of matrix_in (in_args, below)"),
            ("matrix_out", "text", "the tile table to create (it must not exist)"),
            ("out_args", "text DEFAULT NULL", "output arguments (out_args, below): codec=, lossy=, ..."),
        ],
        returns=RESULT,
        output=("matrix_out in the tiles format (row_block, col_block, nrows, ncols, layout, codec, data bytea):\n"
                "codec names each tile's encoding (raw: plain float64), layout is sparse for csr/coo tiles.\n"
                "Every matrix operation reads it (outputs are raw tiles); indb_ml.matrix_info reports the\n"
                "codec, sizes, ratio and error of each tile. Stored out of line without pglz (EXTERNAL)."),
        notes=("Streams dense and tile inputs (memory: one block of rows); a sparse input is loaded under\n"
               "indb_ml.matrix_memory_mb. codec=auto tries every lossless codec on every tile: slower to write."),
        sections=[IN_ARGS, OUT_ARGS_COMPRESS, FORMATS],
        example=A + [
            f"SELECT indb_ml.matrix_compress('mat_a', {A_ARGS}, 'mat_z', 'codec=dict')",
            "SELECT indb_ml.matrix_extract_row('mat_z', '', 2)",
        ],
        result=[([3, 4],)],
    ),
    "matrix_info": dict(
        summary="the codec, sizes, ratio and error of every tile of a tile table (indb_ml)",
        args=[
            ("matrix_in", "text", "a tile table (matrix_compress, matrix_reblock, ...)"),
            ("in_args", "text", "matrix arguments: NULL or '' (only fmt=tiles applies)"),
        ],
        returns=("a set of rows, one per tile: row_block, col_block, codec, raw_bytes (8 nrows ncols),\n"
                 "stored_bytes (pg_column_size of data), ratio (raw / stored), max_error (0 unless lossy)"),
        notes="Reads each tile's 24-byte header, not the tile.",
        sections=[IN_ARGS, FORMATS],
        example=A + [
            f"SELECT indb_ml.matrix_compress('mat_a', {A_ARGS}, 'mat_z', 'codec=int8, lossy=true')",
            "SELECT row_block, col_block, codec, raw_bytes, max_error < 0.02 FROM indb_ml.matrix_info('mat_z', '')",
        ],
        result=[(0, 0, "int8", 32, True)],
    ),
}
SPECS.update(COMPRESS_SPECS)


# ---- array matrices and MADlib's block format (sql/26_matrix_madlib.sql) -------------------------------

BLOCK_IN_ARGS = """\
Matrix arguments (in_args; a_args and b_args for two inputs): 'name=value' pairs separated by
commas, e.g. 'row=row_id, col=col_id, val=block'. NULL or '' keeps every default.
    row    the block row index column, an integer from 1 (default row_num)
    col    the block column index column, an integer from 1 (default col_num)
    val    the block column: a 2-D numeric array (default val)
Only row=, col= and val= apply to a block matrix (trans=, fmt=, dims= are errors)."""

def _block_out_args(names: str, default: str) -> str:
    return ("Output arguments (out_args): 'name=value' pairs separated by commas; NULL or '' keeps every default.\n"
            f"    {names:<13}  the output table's column names (default: {default})")


BLOCK_OUT_ARGS = _block_out_args("row, col, val", "those of in_args, or of a_args for two inputs")

DENSE_IN_ARGS = """\
Matrix arguments (in_args): 'name=value' pairs separated by commas, e.g. 'row=row_id, val=row_vec'.
NULL or '' keeps every default. The input is a dense matrix: one table row per matrix row.
    row    the row index column, 1-based, ids 1..m without gaps or duplicates (default row_num)
    val    the values column, one numeric array of n values per row (default val)
Only row= and val= apply (col=, trans=, fmt=, dims= are errors)."""

BLOCK_FORMAT = """\
Block format (MADlib's; not the tiles of matrix_reblock): a table (row, col, val) with one row
per block, val the block as a 2-D array, block indexes from 1. The blocks must tile the matrix:
every (row, col) present once, one height per block row and one width per block column (the
last block row and column may be smaller), no NULL elements; each is checked, with an error
naming the problem. matrix_blockize writes this format from dense rows, matrix_unblockize
reads it back."""

ARRAY_MATRIX = """\
A matrix here is a 2-D array: '{{1,2},{3,4}}' or ARRAY[[1, 2], [3, 4]] (float8[]; other numeric
arrays are cast). Its subscripts are ignored (the result's start at 1). A non-2-D array is an
error (SQLSTATE 2202E), so is a NULL element (22004); a NULL argument gives NULL (STRICT)."""

B = [  # the 3 x 3 matrix [[1, 2, 5], [3, 4, 6], [7, 8, 9]] in 2 x 2 blocks (the last row and column of 1)
    "CREATE TABLE mat_b (row_id integer, col_id integer, block float8[])",
    "INSERT INTO mat_b VALUES (1, 1, '{{1,2},{3,4}}'), (1, 2, '{{5},{6}}'), (2, 1, '{{7,8}}'), (2, 2, '{{9}}')",
]
B_ARGS = "'row=row_id, col=col_id, val=block'"
_BLOCK_OUT = ("matrix_out, a block matrix (row, col, val float8[]), block indexes from 1, with the column\n"
              "names of {args} unless out_args names them.")
_MADLIB_JOIN = ("\nSET indb_ml.madlib_linalg = on: MADlib's join instead, of whatever block indexes match\n"
                "(a.col = b.row), without the tiling and shape checks; pairs must still multiply.")
_BLOCK_NOTES = ("One SQL statement over the blocks (out of core): a join on the block indexes and, per output\n"
                "block, the sum of the block products with numpy (the tile_mm aggregate).")


def _block_unary(what: str, output: str, example: list, result: list, notes: str,
                 out_args: str = BLOCK_OUT_ARGS) -> dict:
    return dict(
        summary=what,
        args=[
            ("matrix_in", "text", "the block matrix: a table or view name"),
            ("in_args", "text", "matrix arguments of matrix_in (in_args, below)"),
            ("matrix_out", "text", "the table to create (it must not exist)"),
            ("out_args", "text DEFAULT NULL", "output arguments (out_args, below)"),
        ],
        returns=RESULT,
        output=output,
        notes=notes,
        sections=[BLOCK_IN_ARGS, out_args, BLOCK_FORMAT],
        example=example,
        result=result,
    )


MADLIB_ARRAY_SPECS = {
    "matrix_column": dict(
        summary="vector number col, counted from 0, of a 2-D array read column-major as MADlib reads it "
                "(MADlib matrix_column)",
        args=[
            ("matrix", "float8[]", "the matrix, a 2-D array"),
            ("col", "integer", "MADlib's column number, from 0: the array's row col + 1"),
        ],
        returns="float8[]: the array's row col + 1, the same as get_row(matrix, col + 1)",
        notes="MADlib reads the array column-major, so its columns are the array's rows. An index outside\n"
              "0..rows-1 is an error (2202E; MADlib does not check).\n" + ARRAY_MATRIX,
        sections=[],
        example=["SELECT indb_ml.matrix_column('{{1,2},{3,4}}', 1)"],
        result=[([3, 4],)],
    ),
    "matrix_mem_mult": dict(
        summary="the product of two matrices held as 2-D arrays, matrix_a * matrix_b or matrix_a * matrix_b' "
                "(MADlib matrix_mem_mult)",
        args=[
            ("matrix_a", "float8[]", "the left factor, an m x n 2-D array"),
            ("matrix_b", "float8[]", "the right factor, n x p (p x n when trans_b)"),
            ("trans_b", "boolean DEFAULT false", "true: multiply by the transpose of matrix_b"),
        ],
        returns="float8[]: the m x p product, a 2-D array",
        notes="Inner dimensions that differ are an error (2202E); so is overflow. PL/pgSQL loops up to 512\n"
              "multiply-adds, numpy (BLAS) above: the same results either way.\n" + ARRAY_MATRIX,
        sections=[],
        example=["SELECT indb_ml.matrix_mem_mult('{{1,2,3},{4,5,6}}', '{{1,4},{2,5},{3,6}}')"],
        result=[([[14, 32], [32, 77]],)],
    ),
    "matrix_mem_trans": dict(
        summary="the transpose of a matrix held as a 2-D array (MADlib matrix_mem_trans)",
        args=[("matrix", "float8[]", "the matrix, an m x n 2-D array")],
        returns="float8[]: the n x m transpose, a 2-D array",
        notes="PL/pgSQL up to 256 elements, numpy above.\n" + ARRAY_MATRIX + "\n"
              "Help: only indb_ml.matrix_mem_trans() (no message overload): a text overload would take\n"
              "calls with an array literal, matrix_mem_trans('{{1,2},{3,4}}'), away from the function.",
        sections=[],
        example=["SELECT indb_ml.matrix_mem_trans('{{1,2,3},{4,5,6}}')"],
        result=[([[1, 4], [2, 5], [3, 6]],)],
    ),
    "matrix_square": _unary(
        "the square matrix_out = matrix_in * matrix_in of a square matrix (MADlib matrix_square)",
        "matrix_out, in the format of matrix_in (a sparse square stays sparse, as in MADlib) unless\n"
        "out_args says fmt=, with the column names of in_args unless out_args names them.",
        A + [
            f"SELECT indb_ml.matrix_square('mat_a', {A_ARGS}, 'mat_r')",
            "SELECT * FROM mat_r ORDER BY row_id",
        ],
        [(1, [7, 10]), (2, [15, 22])],
        notes="Runs as indb_ml.matrix_mult (its operators and memory cap; out_args op= forces one). A matrix\n"
              "that is not square is an error (2202E): matrix_mult with trans=true gives A'A or AA'.",
    ),
    "matrix_blockize": dict(
        summary="a dense matrix cut into rsize x csize blocks, written in MADlib's block format "
                "(MADlib matrix_blockize)",
        args=[
            ("matrix_in", "text", "the matrix in the dense format (row, val array): a table or view name"),
            ("in_args", "text", "matrix arguments of matrix_in: row= and val= only (in_args, below)"),
            ("rsize", "integer", "the number of rows of each block, at least 1"),
            ("csize", "integer", "the number of columns of each block, at least 1"),
            ("matrix_out", "text", "the table to create (it must not exist)"),
            ("out_args", "text DEFAULT NULL", "output arguments (out_args, below)"),
        ],
        returns=RESULT,
        output="matrix_out (row bigint, col integer, val float8[] 2-D): one row per block, block indexes\n"
               "from 1; the last block row and column are smaller when rsize and csize do not divide the\n"
               "shape. row and val are named as in in_args, col is col_num, unless out_args names them.",
        notes="One SQL statement (GROUP BY), out of core. A block may hold at most PostgreSQL's 1 GB array.",
        sections=[DENSE_IN_ARGS, _block_out_args("row, col, val", "row and val of in_args, col_num"),
                  BLOCK_FORMAT],
        example=_dense("mat_c", [[1, 2, 5], [3, 4, 6], [7, 8, 9]]) + [
            f"SELECT indb_ml.matrix_blockize('mat_c', {A_ARGS}, 2, 2, 'mat_r')",
            "SELECT * FROM mat_r ORDER BY 1, 2",
        ],
        result=[(1, 1, [[1, 2], [3, 4]]), (1, 2, [[5], [6]]), (2, 1, [[7, 8]]), (2, 2, [[9]])],
    ),
    "matrix_unblockize": _block_unary(
        "a block matrix back in the dense format (MADlib matrix_unblockize)",
        "matrix_out (row bigint, row_vec float8[]) in the dense format: row named as in in_args, the\n"
        "values column row_vec as in MADlib; out_args row= and val= rename them.",
        B + [
            f"SELECT indb_ml.matrix_unblockize('mat_b', {B_ARGS}, 'mat_r')",
            "SELECT * FROM mat_r ORDER BY row_id",
        ],
        [(1, [1, 2, 5]), (2, [3, 4, 6]), (3, [7, 8, 9])],
        notes="One SQL statement over the blocks (out of core).",
        out_args=_block_out_args("row, val", "row of in_args, row_vec"),
    ),
    "matrix_block_mult": dict(
        summary="the product matrix_out = matrix_a * matrix_b of two block matrices, as a block matrix "
                "(MADlib matrix_block_mult)",
        args=[
            ("matrix_a", "text", "the first block matrix: a table or view name"),
            ("a_args", "text", "matrix arguments of matrix_a (in_args, below)"),
            ("matrix_b", "text", "the second block matrix"),
            ("b_args", "text", "matrix arguments of matrix_b (in_args, below)"),
            ("matrix_out", "text", "the table to create (it must not exist)"),
            ("out_args", "text DEFAULT NULL", "output arguments (out_args, below)"),
        ],
        returns=RESULT,
        output=_BLOCK_OUT.format(args="a_args") + "\nmatrix_a's block widths must equal matrix_b's block "
                                                   "heights (2202E otherwise)." + _MADLIB_JOIN,
        notes=_BLOCK_NOTES,
        sections=[BLOCK_IN_ARGS, BLOCK_OUT_ARGS, BLOCK_FORMAT],
        example=B + [
            "CREATE TABLE vec_b (row_id integer, col_id integer, block float8[])",
            "INSERT INTO vec_b VALUES (1, 1, '{{1},{1}}'), (2, 1, '{{1}}')",
            f"SELECT indb_ml.matrix_block_mult('mat_b', {B_ARGS}, 'vec_b', {B_ARGS}, 'mat_r')",
            "SELECT * FROM mat_r ORDER BY 1, 2",
        ],
        result=[(1, 1, [[8], [13]]), (2, 1, [[24]])],
    ),
    "matrix_block_square": _block_unary(
        "the square matrix_out = matrix_in * matrix_in of a square block matrix, as a block matrix "
        "(MADlib matrix_block_square)",
        _BLOCK_OUT.format(args="in_args") + "\nThe matrix must be square with block widths equal to its "
                                             "block heights (2202E otherwise)." + _MADLIB_JOIN,
        B + [
            f"SELECT indb_ml.matrix_block_square('mat_b', {B_ARGS}, 'mat_r')",
            "SELECT * FROM mat_r ORDER BY 1, 2",
        ],
        [(1, 1, [[42, 50], [57, 70]]), (1, 2, [[62], [93]]), (2, 1, [[94, 118]]), (2, 2, [[164]])],
        notes=_BLOCK_NOTES,
    ),
    "matrix_block_trans": _block_unary(
        "the transpose of a block matrix, as a block matrix (MADlib matrix_block_trans)",
        "matrix_out: block (i, j) of matrix_in, transposed, is block (j, i). The columns come in\n"
        "MADlib's order (col, row, val), named as in in_args unless out_args names them.",
        B + [
            f"SELECT indb_ml.matrix_block_trans('mat_b', {B_ARGS}, 'mat_r')",
            "SELECT row_id, col_id, block FROM mat_r ORDER BY 1, 2",
        ],
        [(1, 1, [[1, 3], [2, 4]]), (1, 2, [[7], [8]]), (2, 1, [[5, 6]]), (2, 2, [[9]])],
        notes="One SQL statement: each block transposed with matrix_mem_trans (out of core).\n"
              "SET indb_ml.madlib_linalg = on: any blocks, as MADlib (no tiling check).",
    ),
}
SPECS.update(MADLIB_ARRAY_SPECS)

# Functions whose only real overload takes one argument of a type an untyped literal also fits:
# a message overload would win the call matrix_mem_trans('{{1,2},{3,4}}') (PostgreSQL prefers
# text for an unknown literal), so they get only the name() help overload.
NO_MESSAGE_OVERLOAD = frozenset({"matrix_mem_trans"})


# ---- rendering --------------------------------------------------------------------------------------


def _value(v) -> str:
    if isinstance(v, (list, tuple)):
        return "{" + ",".join(_value(x) for x in v) + "}"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return format(v, ".6g") if isinstance(v, float) else str(v)


def _signature(name: str, args: list) -> str:
    decls = [f"{arg} {decl}" for arg, decl, _ in args]
    width = max(len(d) for d in decls) + 1
    lines = [f"SELECT indb_ml.{name}("]
    for i, (decl, (_, _, meaning)) in enumerate(zip(decls, args)):
        lines.append(f"    {(decl + (',' if i < len(args) - 1 else '')):<{width}}  -- {meaning}")
    lines.append(");")
    return "\n".join(lines)


def _render(name: str, spec: dict) -> str:
    parts = [f"indb_ml.{name}: {spec['summary']}.", "Usage:\n" + _signature(name, spec["args"]),
             f"Returns {spec['returns']}."]
    if spec.get("output"):
        parts.append("Output: " + spec["output"])
    if spec.get("notes"):
        parts.append(spec["notes"])
    parts.extend(spec["sections"])
    example = "\n".join(f"    {stmt};" for stmt in spec["example"])
    shown = "\n".join("    -- " + " | ".join(_value(v) for v in row) for row in spec["result"])
    parts.append("Example:\n" + example + "\n" + shown)
    return "\n\n".join(parts) + "\n"


HELP: dict[str, str] = {name: _render(name, spec) for name, spec in SPECS.items()}
USAGE_WORDS = ("usage", "help", "?")  # MADlib's words for the usage


def matrix_help(name: str, message: str | None = None) -> str:
    """The usage of ``indb_ml.<name>``; a message other than 'usage' (or NULL or '') is reported first."""
    text = HELP[name]
    if message is None or message.strip().lower() in ("", *USAGE_WORDS):
        return text
    return f"indb_ml.{name}: message {message!r} is not recognized; pass 'usage' or nothing. The usage:\n\n" + text
