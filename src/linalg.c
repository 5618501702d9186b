/*
 * linalg.c: two pieces of MADlib's linalg module that only C can do right.
 *
 * deconstruct_2d_array returns SETOF record, and MADlib's C version fills the caller's
 * column definition list from the left, leaving trailing columns NULL (its AnyType
 * conversion pads a short tuple; a longer one is an error). PL/pgSQL and PL/Python cannot
 * see that list, so a 2 x 1 array read AS k(id int, a float8, b float8), which MADlib's
 * linalg test does, can only be answered here.
 *
 * The compose steps are the transitions of MADlib's __matrix_dense_inverse and
 * __matrix_sparse_inverse aggregates (matrix_ops.sql_in; matrix_decomp.cpp): a 2-D float8[]
 * state, num_rows x width zeros at the first row, into which every row (or element) is
 * copied at its 0-based position. The state is modified in place, so an n x m matrix costs
 * O(n m) copies, not O(n^2 m); the inverse itself is numpy's (indb_ml/matrix/mem.py).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "indb_ml.h"

/* ------------------------------------------------------------------ deconstruct_2d_array */

PG_FUNCTION_INFO_V1(indb_ml_deconstruct_2d_array);

Datum
indb_ml_deconstruct_2d_array(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	TupleDesc	desc;
	int			ndim = ARR_NDIM(arr);
	int			nrows;
	int			ncols;
	const double *data;
	Datum	   *values;
	bool	   *nulls;

	if (ARR_ELEMTYPE(arr) != FLOAT8OID)
		ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
						errmsg("deconstruct_2d_array: expected a float8[]")));
	if (ndim > 2)
		ereport(ERROR, (errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
						errmsg("deconstruct_2d_array: expected a 1-D or 2-D array, got %d dimensions", ndim)));
	if (ARR_HASNULL(arr) && array_contains_nulls(arr))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("deconstruct_2d_array: in_array has NULL elements"),
						errhint("replace them (coalesce) or drop those rows first")));

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	desc = rsinfo->setDesc;
	if (ndim == 0)
		PG_RETURN_NULL();		/* an empty array has no rows */
	nrows = ndim == 2 ? ARR_DIMS(arr)[0] : 1;	/* a 1-D array is one row, as in MADlib */
	ncols = ndim == 2 ? ARR_DIMS(arr)[1] : ARR_DIMS(arr)[0];

	/* MADlib's rule: an id and ncols values, then NULL for any further columns. */
	if (desc->natts < ncols + 1)
		ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
						errmsg("deconstruct_2d_array: the column list has %d column(s); the array's rows need %d",
							   desc->natts, ncols + 1),
						errhint("list an integer id and one float8 per array column, e.g. AS k(id integer, a float8, b float8)")));
	for (int j = 0; j < desc->natts; j++)
	{
		Oid			want = j == 0 ? INT4OID : FLOAT8OID;

		if (TupleDescAttr(desc, j)->atttypid != want)
			ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
							errmsg("deconstruct_2d_array: column %d of the column list is %s; it must be %s",
								   j + 1, format_type_be(TupleDescAttr(desc, j)->atttypid),
								   j == 0 ? "integer (the row number)" : "float8")));
	}

	values = palloc(sizeof(Datum) * desc->natts);
	nulls = palloc(sizeof(bool) * desc->natts);
	data = (const double *) ARR_DATA_PTR(arr);
	for (int i = 0; i < nrows; i++)
	{
		CHECK_FOR_INTERRUPTS();
		values[0] = Int32GetDatum(i + 1);
		nulls[0] = false;
		for (int j = 1; j < desc->natts; j++)
		{
			nulls[j] = j > ncols;
			values[j] = nulls[j] ? (Datum) 0 : Float8GetDatum(data[(int64) i * ncols + j - 1]);
		}
		tuplestore_putvalues(rsinfo->setResult, desc, values, nulls);
	}
	PG_RETURN_NULL();
}

/* ------------------------------------------------------------------ compose steps */

/*
 * The first call: a num_rows x num_cols float8[] of zeros, in the per-call context: the
 * executor copies a new state pointer into the aggregate's context itself, then passes
 * that copy back on the next rows, which change it in place.
 */
static ArrayType *
zero_matrix(FunctionCallInfo fcinfo, int32 num_rows, int32 num_cols, const char *fname)
{
	ArrayType  *state;
	int			dims[2];
	int			lbs[2] = {1, 1};
	Size		nbytes;

	if (!AggCheckCallContext(fcinfo, NULL))
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("%s is an aggregate step; call the aggregate", fname)));
	if (num_rows < 1 || num_cols < 1)
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("%s: the matrix is %d x %d; both dimensions must be positive", fname, num_rows, num_cols)));
	if ((double) num_rows * num_cols * sizeof(float8) + ARR_OVERHEAD_NONULLS(2) > MaxAllocSize)
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						errmsg("%s: a %d x %d matrix does not fit one value (1 GB)", fname, num_rows, num_cols)));
	dims[0] = num_rows;
	dims[1] = num_cols;
	nbytes = ARR_OVERHEAD_NONULLS(2) + (Size) num_rows * num_cols * sizeof(float8);

	/*
	 * Review fix: the state is held to the memory budget (guc.c) like every other C state,
	 * before it is allocated; the 1 GB check above alone let a 968 MB matrix through at the
	 * default budget of 512 MB (and no overflow reaches here: the size is below 1 GB).
	 */
	indb_check_alloc((int64) nbytes, fname, "the matrix");
	state = (ArrayType *) palloc0(nbytes);
	SET_VARSIZE(state, nbytes);
	state->ndim = 2;
	state->dataoffset = 0;
	state->elemtype = FLOAT8OID;
	memcpy(ARR_DIMS(state), dims, sizeof(dims));
	memcpy(ARR_LBOUND(state), lbs, sizeof(lbs));
	return state;
}

/* A state made by zero_matrix (by this aggregate): anything else is refused, never written. */
static ArrayType *
existing_state(FunctionCallInfo fcinfo, const char *fname)
{
	ArrayType  *state;

	if (!AggCheckCallContext(fcinfo, NULL))
		ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						errmsg("%s is an aggregate step; call the aggregate", fname)));
	state = (ArrayType *) PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	/*
	 * Review fix (defence in depth): the length must be that of the dims, so a state whose
	 * header and body disagree is refused before a row is written by the dims.
	 */
	if ((Pointer) state != DatumGetPointer(PG_GETARG_DATUM(0)) || ARR_NDIM(state) != 2 ||
		ARR_HASNULL(state) || ARR_ELEMTYPE(state) != FLOAT8OID ||
		ARR_DIMS(state)[0] < 1 || ARR_DIMS(state)[1] < 1 ||
		VARSIZE(state) != ARR_OVERHEAD_NONULLS(2) + (double) ARR_DIMS(state)[0] * ARR_DIMS(state)[1] * sizeof(float8))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("%s: the state is not a matrix this aggregate built", fname)));
	return state;
}

static void
check_index(int32 index, int32 dim, const char *what, const char *fname)
{
	if (index < 0 || index >= dim)
		ereport(ERROR, (errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
						errmsg("%s: %s %d is outside 0..%d", fname, what, index, dim - 1),
						errhint("MADlib's matrix aggregates count rows and columns from 0: pass %s - 1", what)));
}

PG_FUNCTION_INFO_V1(indb_ml_matrix_compose_dense_step);

/* (state, num_rows, row_id, x float8[]): row row_id (from 0) of the matrix is x. */
Datum
indb_ml_matrix_compose_dense_step(PG_FUNCTION_ARGS)
{
	const char *fname = "__matrix_dense_inverse";
	ArrayType  *state;
	ArrayType  *x;
	int32		num_rows;
	int32		row_id;
	int			width;

	/* MADlib's step is STRICT with an initial state: a row with a NULL argument is skipped. */
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	num_rows = PG_GETARG_INT32(1);
	row_id = PG_GETARG_INT32(2);
	x = PG_GETARG_ARRAYTYPE_P(3);
	if (ARR_NDIM(x) != 1 || ARR_ELEMTYPE(x) != FLOAT8OID)
		ereport(ERROR, (errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
						errmsg("%s: row %d is not a 1-D float8[]", fname, row_id)));
	if (ARR_HASNULL(x) && array_contains_nulls(x))
		ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						errmsg("%s: row %d has NULL elements", fname, row_id)));
	width = ARR_DIMS(x)[0];
	state = PG_ARGISNULL(0) ? zero_matrix(fcinfo, num_rows, width, fname) : existing_state(fcinfo, fname);
	if (ARR_DIMS(state)[0] != num_rows || ARR_DIMS(state)[1] != width)
		ereport(ERROR, (errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
						errmsg("%s: row %d has %d values and num_rows %d; earlier rows made a %d x %d matrix",
							   fname, row_id, width, num_rows, ARR_DIMS(state)[0], ARR_DIMS(state)[1])));
	check_index(row_id, num_rows, "row_id", fname);
	memcpy((double *) ARR_DATA_PTR(state) + (int64) row_id * width, ARR_DATA_PTR(x), sizeof(double) * width);
	PG_RETURN_ARRAYTYPE_P(state);
}

PG_FUNCTION_INFO_V1(indb_ml_matrix_compose_sparse_step);

/* (state, num_rows, num_cols, row_id, col_id, x float8): element (row_id, col_id), from 0, is x. */
Datum
indb_ml_matrix_compose_sparse_step(PG_FUNCTION_ARGS)
{
	const char *fname = "__matrix_sparse_inverse";
	ArrayType  *state;
	int32		num_rows;
	int32		num_cols;
	int32		row_id;
	int32		col_id;

	for (int i = 1; i <= 5; i++)
		if (PG_ARGISNULL(i))
		{
			if (PG_ARGISNULL(0))
				PG_RETURN_NULL();
			PG_RETURN_DATUM(PG_GETARG_DATUM(0));
		}
	num_rows = PG_GETARG_INT32(1);
	num_cols = PG_GETARG_INT32(2);
	row_id = PG_GETARG_INT32(3);
	col_id = PG_GETARG_INT32(4);
	state = PG_ARGISNULL(0) ? zero_matrix(fcinfo, num_rows, num_cols, fname) : existing_state(fcinfo, fname);
	if (ARR_DIMS(state)[0] != num_rows || ARR_DIMS(state)[1] != num_cols)
		ereport(ERROR, (errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
						errmsg("%s: num_rows x num_cols is %d x %d; earlier rows said %d x %d",
							   fname, num_rows, num_cols, ARR_DIMS(state)[0], ARR_DIMS(state)[1])));
	check_index(row_id, num_rows, "row_id", fname);
	check_index(col_id, num_cols, "col_id", fname);
	((double *) ARR_DATA_PTR(state))[(int64) row_id * num_cols + col_id] = PG_GETARG_FLOAT8(5);
	PG_RETURN_ARRAYTYPE_P(state);
}
