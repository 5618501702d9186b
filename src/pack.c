/*
 * pack.c: rows of float8 columns packed into one bytea, for the trainers that hold a
 * table's rows in memory (indb_ml/core/packing.py).
 *
 * The in-memory plan scans a heap in ctid-range chunks and hands every chunk to numpy
 * as raw bytes. Packing through array_agg(ARRAY[y, x1, ..., xk]) builds an array per row
 * and copies it twice more (the aggregate's result, then bytea); this aggregate takes the
 * columns as separate arguments (VARIADIC "any", so no array is built per call) and
 * appends them to one buffer. A row with a NULL is counted as skipped, not packed.
 *
 * Result: the 40-byte IndbState header (kind INDB_PACKED_ROWS, width = columns, n = rows
 * packed, skipped = rows with a NULL, param = 1 when a packed value is NaN or +-Infinity,
 * else 0) followed by n * width float8 values stored column by column (column j's n values,
 * then column j + 1's), after 4 bytes of padding: the in-memory passes run over columns (a
 * weight per row is a stride-1 loop there), and a chunk is transposed here while it is in
 * cache instead of by numpy afterwards. PL/Python hands the value over as a Python bytes
 * object, whose payload starts 32 bytes into it (CPython), so without the padding the values
 * would sit 4 bytes off an 8-byte boundary and numpy would have to copy every chunk (96 MB
 * of fresh pages for 1M x 12: about 0.05 s) before BLAS could use it; with it they are used
 * in place. Here the values are unaligned and written with memcpy. The result is never read
 * back by C (it has no combine function), only by Python (indb_ml/kernels/cstate.py,
 * packed_rows).
 */
#include <math.h>

#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "indb_ml.h"

#define PACK_FNAME	"indb_ml._pack_rows"
#define PACK_PAD	4			/* bytes between the header and the values (see above) */

typedef struct PackState
{
	int			width;			/* float8 arguments per row */
	int64		n;				/* rows packed */
	int64		skipped;		/* rows with a NULL argument */
	int64		capacity;		/* rows the buffer holds */
	bool		nonfinite;		/* a packed value is NaN or +-Infinity */
	double	   *rows;			/* n * width values, row-major */
} PackState;

/*
 * Room for one more row: the buffer grows by doubling in the aggregate's context, from about
 * 64 kB (a hash aggregate counts every group's buffer), up to a cap: the final step copies the
 * rows into the result while the buffer still exists, so buffer and result together must fit
 * the memory budget (each gets half), and the result must fit one value (1 GB).
 */
static void
reserve_row(PackState *s, MemoryContext context)
{
	int64		row_bytes = (int64) 8 * s->width;	/* width <= INDB_ROW_ARGS: no overflow */
	int64		cap_bytes;
	int64		cap;
	int64		capacity;

	if (likely(s->n < s->capacity))
		return;
	cap_bytes = Min(indb_state_budget_bytes() / 2, (int64) MaxAllocSize - INDB_STATE_HEADER - PACK_PAD);
	cap = cap_bytes / row_bytes;
	if (cap <= s->n)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s: more than " INT64_FORMAT " rows of %d columns in one group: the packed rows "
						"and their copy in the result would exceed the memory budget of " INT64_FORMAT
						" MB (indb_ml.matrix_memory_mb, at most indb_ml.max_memory_mb) or 1 GB", PACK_FNAME,
						s->n, s->width, indb_state_budget_bytes() / (1024 * 1024)),
				 errhint("pack fewer rows per group (SET indb_ml.chunk_pages or indb_ml.chunk_rows lower), "
						 "or raise indb_ml.matrix_memory_mb")));
	capacity = s->capacity == 0 ? Max(8, 65536 / row_bytes) : s->capacity * 2;
	capacity = Min(capacity, cap);
	if (s->rows == NULL)
		s->rows = MemoryContextAlloc(context, capacity * row_bytes);
	else
		s->rows = repalloc(s->rows, capacity * row_bytes);
	s->capacity = capacity;
}

PG_FUNCTION_INFO_V1(indb_ml_pack_rows_trans);
Datum
indb_ml_pack_rows_trans(PG_FUNCTION_ARGS)
{
	MemoryContext context;
	PackState  *s;
	double	   *row;
	int			i;

	if (!AggCheckCallContext(fcinfo, &context))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s_step can only be called as the aggregate %s", PACK_FNAME, PACK_FNAME)));
	if (PG_ARGISNULL(0))
	{
		indb_check_row_args(fcinfo, 1, 1, PACK_FNAME);
		s = MemoryContextAllocZero(context, sizeof(PackState));
		s->width = fcinfo->nargs - 1;
	}
	else
		s = (PackState *) PG_GETARG_POINTER(0);
	if (s->width != fcinfo->nargs - 1)	/* one aggregate call site: only a forged plan differs */
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("%s: %d columns in a state of %d", PACK_FNAME, fcinfo->nargs - 1, s->width)));
	for (i = 1; i <= s->width; i++)
	{
		if (PG_ARGISNULL(i))
		{
			s->skipped = indb_add_count(s->skipped, 1);
			PG_RETURN_POINTER(s);
		}
	}
	reserve_row(s, context);
	row = s->rows + s->n * s->width;
	for (i = 1; i <= s->width; i++)
	{
		row[i - 1] = PG_GETARG_FLOAT8(i);
		s->nonfinite |= !isfinite(row[i - 1]);
	}
	s->n++;
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(indb_ml_pack_rows_final);
Datum
indb_ml_pack_rows_final(PG_FUNCTION_ARGS)
{
	PackState  *s;
	IndbState  *out;
	int64		values;
	int64		size;
	int64		i;
	int			j;

	if (!AggCheckCallContext(fcinfo, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s_final can only be called as the aggregate %s", PACK_FNAME, PACK_FNAME)));
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (PackState *) PG_GETARG_POINTER(0);
	values = s->n * s->width;	/* bounded by reserve_row: half the budget, under 1 GB */
	size = INDB_STATE_HEADER + PACK_PAD + values * 8;
	out = (IndbState *) palloc(size);
	SET_VARSIZE(out, size);
	out->magic = INDB_STATE_MAGIC;
	out->version = INDB_STATE_VERSION;
	out->kind = INDB_PACKED_ROWS;
	out->width = s->width;
	out->param = s->nonfinite ? 1 : 0;
	out->reserved = 0;
	out->n = s->n;
	out->skipped = s->skipped;
	memset(out->data, 0, PACK_PAD);
	/* value j of row i goes to slot j * n + i after the pad; no rows: s->rows is NULL, not read */
	for (j = 0; s->n > 0 && j < s->width; j++)
	{
		const double *from = s->rows + j;
		char	   *column = (char *) out->data + PACK_PAD + (int64) j * s->n * 8;

		for (i = 0; i < s->n; i++)
		{
			if ((i & 65535) == 0)
				CHECK_FOR_INTERRUPTS();
			memcpy(column + i * 8, &from[i * s->width], 8);
		}
	}
	PG_RETURN_BYTEA_P(out);
}
