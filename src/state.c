/*
 * state.c: allocation and validation of aggregate states, and argument checks shared by
 * every C function of indb_ml.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/memutils.h"

#include "indb_ml.h"

PG_MODULE_MAGIC;

int64
indb_state_slots(int kind, int width)
{
	int64		w = width;

	switch (kind)
	{
		case INDB_COMOMENT:		/* means, packed co-moments, row buffer (comoment.c) */
			return w + indb_tri_size(w) + 1 + 8 * w;
		case INDB_LOGIT:		/* log-likelihood, gradient, packed Hessian */
		case INDB_MLOGIT:
		case INDB_ORDINAL:
			return 1 + w + indb_tri_size(w);
		case INDB_SANDWICH:		/* a d-vector and a packed d x d matrix */
			return w + indb_tri_size(w);
		case INDB_SCORE:		/* a d-vector */
		case INDB_MARGINS:		/* width counts every slot */
			return w;
		case INDB_GLM:			/* 4 sums, X'Wz, packed X'WX */
			return 4 + w + indb_tri_size(w);
		case INDB_ENET_IGD:		/* 11 scalars, then 6 k-vectors (enet_igd.c) */
			return 11 + 6 * w;
		case INDB_LOGIT_IGD:	/* step size, log-likelihood, coef, prev, packed X'AX (logregr_igd.c) */
			return 2 + 2 * w + indb_tri_size(w);
		default:
			return -1;
	}
}

/* bytes in MB, rounded up: a size just above the budget never reads as equal to it */
static int64
mb_up(int64 bytes)
{
	return bytes <= 0 ? 0 : (bytes - 1) / (1024 * 1024) + 1;
}

IndbState *
indb_state_new(FunctionCallInfo fcinfo, int kind, int width, int32 param, const char *fname)
{
	int64		slots;
	int64		bytes;
	int64		budget;
	IndbState  *state;

	if (width < 0 || width > INDB_MAX_WIDTH)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s: %d columns is outside the supported range 0 to %d",
						fname, width, INDB_MAX_WIDTH),
				 errhint("use fewer features, or the tile operators for wide matrices")));
	slots = indb_state_slots(kind, width);
	if (slots < 0)
		elog(ERROR, "%s: unknown state kind %d", fname, kind);
	bytes = (int64) INDB_STATE_HEADER + slots * (int64) sizeof(double);
	budget = indb_state_budget_bytes();
	if (bytes > budget || !AllocSizeIsValid(bytes))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s: the state for %d columns needs " INT64_FORMAT " MB, above the memory budget of "
						INT64_FORMAT " MB (indb_ml.matrix_memory_mb, at most indb_ml.max_memory_mb)",
						fname, width, mb_up(bytes), budget / (1024 * 1024)),
				 errhint("use fewer features, or raise SET indb_ml.matrix_memory_mb (a superuser sets the "
						 "ceiling indb_ml.max_memory_mb)")));

	/*
	 * Allocated in the current (per-row) context: the executor copies a new transition
	 * value into the aggregate's context once, and later rows update that copy in place.
	 */
	state = (IndbState *) palloc0(bytes);
	SET_VARSIZE(state, bytes);
	state->magic = INDB_STATE_MAGIC;
	state->version = INDB_STATE_VERSION;
	state->kind = (uint16) kind;
	state->width = width;
	state->param = param;
	(void) fcinfo;
	return state;
}

void
indb_check_alloc(int64 bytes, const char *fname, const char *what)
{
	int64		budget = indb_state_budget_bytes();

	if (bytes < 0 || bytes > budget || !AllocSizeIsValid(bytes))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s: %s needs " INT64_FORMAT " MB, above the memory budget of " INT64_FORMAT
						" MB (indb_ml.matrix_memory_mb, at most indb_ml.max_memory_mb) or the 1 GB limit of one value",
						fname, what, mb_up(bytes), budget / (1024 * 1024)),
				 errhint("use fewer features, or raise SET indb_ml.matrix_memory_mb (a superuser sets the "
						 "ceiling indb_ml.max_memory_mb)")));
}

void
indb_check_final_step(int width, const char *fname)
{
	int64		budget = indb_state_budget_bytes();
	int64		bytes;

	if (width < 0 || width > INDB_MAX_WIDTH)
		return;
	bytes = (int64) INDB_FINAL_STEP_COPIES * (int64) sizeof(double) * width * width;
	if (bytes > budget)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s: the fit over %d columns needs " INT64_FORMAT " MB in its final step (%d %d x %d "
						"float64 matrices), above the memory budget of " INT64_FORMAT
						" MB (indb_ml.matrix_memory_mb, at most indb_ml.max_memory_mb)",
						fname, width, mb_up(bytes), INDB_FINAL_STEP_COPIES, width, width,
						budget / (1024 * 1024)),
				 errhint("use fewer features, or raise SET indb_ml.matrix_memory_mb (a superuser sets the "
						 "ceiling indb_ml.max_memory_mb)")));
}

static void
bad_state(const char *fname, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("%s: invalid aggregate state: %s", fname, why),
			 errhint("states are written by indb_ml's own aggregate functions of the same version; "
					 "do not pass other bytea values")));
}

IndbState *
indb_state_arg(FunctionCallInfo fcinfo, int argno, int kind, bool for_update, const char *fname)
{
	struct varlena *raw;
	IndbState  *state;
	Size		size;
	int64		slots;

	if (PG_ARGISNULL(argno))
		return NULL;
	raw = PG_DETOAST_DATUM(PG_GETARG_DATUM(argno));
	size = VARSIZE_ANY(raw);
	if (size < INDB_STATE_HEADER)
		bad_state(fname, "too short");
	state = (IndbState *) raw;

	/*
	 * The transition value of an aggregate (argument 0) belongs to the executor and may be
	 * updated in place, as float8_accum does. Anything else is copied before an update, and
	 * a value that is not 8-byte aligned (read straight from a tuple, where bytea is only
	 * 4-byte aligned) is copied before any field is read: n and the slots are 8-byte wide.
	 */
	if ((for_update && !(argno == 0 && AggCheckCallContext(fcinfo, NULL)))
		|| ((uintptr_t) state % MAXIMUM_ALIGNOF) != 0)
	{
		IndbState  *copy = (IndbState *) palloc(size);

		memcpy(copy, raw, size);
		state = copy;
	}
	if (state->magic != INDB_STATE_MAGIC)
		bad_state(fname, "not an indb_ml state");
	if (state->version != INDB_STATE_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("%s: aggregate state of version %d, this module reads version %d",
						fname, (int) state->version, INDB_STATE_VERSION),
				 errhint("states from another version of indb_ml cannot be merged; recompute them")));
	if (state->kind != kind)
		bad_state(fname, "a state of another aggregate");
	if (state->width < 0 || state->width > INDB_MAX_WIDTH)
		bad_state(fname, "width out of range");
	if (state->reserved != 0 || state->n < 0 || state->skipped < 0 || (state->width == 0 && state->n != 0))
		bad_state(fname, "corrupted header");
	slots = indb_state_slots(kind, state->width);
	if ((int64) size != (int64) INDB_STATE_HEADER + slots * (int64) sizeof(double))
		bad_state(fname, "length does not match its width");
	return state;
}

void
indb_state_check_same(const IndbState *a, const IndbState *b, const char *fname)
{
	if (a->width != b->width)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s: partial results over arrays of different lengths (%d and %d)",
						fname, a->width, b->width),
				 errhint("every row must have the same number of features")));
	if (a->param != b->param)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: partial results computed with different parameters", fname)));
}

IndbState *
indb_sum_state_for_row(FunctionCallInfo fcinfo, IndbState *s, int kind, int width, int32 param,
					   const char *fname, const char *what)
{
	IndbState  *fresh;

	if (s != NULL && s->width != 0)
	{
		if (s->width != width)
			indb_error_width(fname, what, s->width, width);
		if (s->param != param)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: rows of one aggregate were computed with different parameters "
							"(model, family, link or number of categories)", fname)));
		return s;
	}
	fresh = indb_state_new(fcinfo, kind, width, param, fname);
	if (s != NULL)
		fresh->skipped = s->skipped;
	return fresh;
}

IndbState *
indb_sum_count_skipped(FunctionCallInfo fcinfo, IndbState *s, int kind, int32 param, const char *fname)
{
	if (s == NULL)
		s = indb_state_new(fcinfo, kind, 0, param, fname);
	s->skipped = indb_add_count(s->skipped, 1);
	return s;
}

Datum
indb_sum_combine(FunctionCallInfo fcinfo, int kind, const char *fname)
{
	IndbState  *a = indb_state_arg(fcinfo, 0, kind, true, fname);
	IndbState  *b = indb_state_arg(fcinfo, 1, kind, false, fname);
	int64		n,
				skipped,
				slots,
				t;

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_BYTEA_P(a);
	}
	if (a == NULL)
		PG_RETURN_BYTEA_P(b);
	/* both counts are checked before a is changed, so an error leaves a as it was */
	n = indb_add_count(a->n, b->n);
	skipped = indb_add_count(a->skipped, b->skipped);
	if (b->width == 0)
	{
		a->skipped = skipped;
		PG_RETURN_BYTEA_P(a);
	}
	if (a->width == 0)
	{
		IndbState  *copy = (IndbState *) palloc(VARSIZE(b));

		memcpy(copy, b, VARSIZE(b));
		copy->skipped = skipped;
		PG_RETURN_BYTEA_P(copy);
	}
	indb_state_check_same(a, b, fname);
	slots = indb_state_slots(kind, a->width);
	for (t = 0; t < slots; t++)
	{
		if ((t & 0xFFFF) == 0xFFFF)
			CHECK_FOR_INTERRUPTS();
		a->data[t] += b->data[t];
	}
	a->n = n;
	a->skipped = skipped;
	PG_RETURN_BYTEA_P(a);
}

const double *
indb_vector_arg(FunctionCallInfo fcinfo, int argno, int *len, bool *has_null,
				const char *fname, const char *what)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(argno);
	int			ndim = ARR_NDIM(arr);

	*has_null = false;
	if (ARR_ELEMTYPE(arr) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s: %s must be a float8[] array", fname, what)));
	if (ndim == 0)
	{
		*len = 0;
		return NULL;
	}
	if (ndim != 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s: %s must be a one-dimensional array, not %d-dimensional", fname, what, ndim),
				 errhint("pass one row of features per call, e.g. ARRAY[1, x1, x2]")));
	*len = ARR_DIMS(arr)[0];
	if (ARR_HASNULL(arr) && array_contains_nulls(arr))
	{
		*has_null = true;
		return NULL;
	}
	return (const double *) ARR_DATA_PTR(arr);
}

void
indb_error_nonfinite(const char *fname)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("%s: NaN or Infinity in the dependent or an independent variable", fname),
			 errhint("exclude such rows, e.g. with a view: WHERE y <> 'NaN' AND abs(x) <> 'Infinity'")));
}

void
indb_error_empty(const char *fname)
{
	ereport(ERROR,
			(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
			 errmsg("%s: the independent variable array is empty", fname),
			 errhint("pass at least one feature, e.g. ARRAY[1, x]")));
}

void
indb_error_not_binary(const char *fname, double y)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("%s: the dependent variable must be boolean or 0/1; found %g", fname, y),
			 errhint("check dependent_varname, e.g. 'y > 0' or a boolean column")));
}

void
indb_error_width(const char *fname, const char *what, int expected, int got)
{
	ereport(ERROR,
			(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
			 errmsg("%s: %s arrays have different lengths (%d and %d)", fname, what, expected, got),
			 errhint("every row must have the same number of features")));
}
