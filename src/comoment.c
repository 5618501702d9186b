/*
 * comoment.c: the co-moment state family. Row count, column means and the centred
 * co-moment matrix C = sum((z - mean)(z - mean)^T) of rows z, updated per row with
 * Welford's recurrence (as PostgreSQL's float8_regr_accum does for two columns) and
 * merged with Chan, Golub and LeVeque's pairwise formula. Centred moments keep
 * ill-conditioned data (Longley: cond(X) ~ 5e9) accurate in float64.
 *
 * One state serves linregr(y, x) (z = [y, x]), gram(x) (z = x: X'X = C + n mean mean^T),
 * xty(x, y) (z = [y, x]: X'y = C[0, 1:] + n mean_y mean_x) and column statistics.
 * Layout of data[]: mean[w], then C's upper triangle packed row-major.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/lsyscache.h"

#include "indb_ml.h"

#define STACK_WIDTH 256

/*
 * Layout of data[] for width w: mean[w], C's upper triangle packed row-major, the number
 * of pending rows, then up to COMOMENT_BLOCK pending rows of w values. Rows are buffered
 * and folded COMOMENT_BLOCK at a time: each element of C is then loaded and stored once
 * per block instead of once per row, which is what bounds a rank-1 update per row
 * (about 3x faster at 50 features), and the block is merged exactly (Chan et al.).
 */
#define COMOMENT_BLOCK 8

static inline double *
com_matrix(IndbState *s)
{
	return s->data + s->width;
}

static inline double *
com_pending(IndbState *s)
{
	return s->data + s->width + indb_tri_size(s->width);
}

static inline double *
com_buffer(IndbState *s)
{
	return com_pending(s) + 1;
}

/*
 * The number of buffered rows, checked: a state from elsewhere may say anything. A full
 * buffer is folded at once, so a state holds at most COMOMENT_BLOCK - 1 of them: a count of
 * COMOMENT_BLOCK would make the next row be written past the end of the state.
 */
static int
pending_rows(IndbState *s, const char *fname)
{
	double		p = *com_pending(s);

	if (!(p >= 0 && p < COMOMENT_BLOCK) || p != (double) (int) p)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("%s: invalid aggregate state: corrupted row buffer", fname),
				 errhint("states are written by indb_ml's own aggregate functions of the same version; "
						 "do not pass other bytea values")));
	return (int) p;
}

/* A checked co-moment state argument (see indb_state_arg), its row buffer checked too. */
static IndbState *
comoment_arg(FunctionCallInfo fcinfo, int argno, bool for_update, const char *fname)
{
	IndbState  *s = indb_state_arg(fcinfo, argno, INDB_COMOMENT, for_update, fname);

	if (s != NULL)
		(void) pending_rows(s, fname);
	return s;
}

/*
 * Fold m rows (row-major m x w, m <= COMOMENT_BLOCK) into the state: the block's mean and
 * centred co-moments, merged with the state by Chan's update, in one pass over C.
 */
INDB_CLONES static void
comoment_fold(IndbState *s, const double *rows, int m)
{
	int			w = s->width;
	double	   *mean = s->data;
	double	   *com = com_matrix(s);
	int64		count = indb_add_count(s->n, m);	/* checked before anything changes */
	double		n0 = (double) s->n;
	double		n = (double) count;
	double		f = n0 * m / n;
	double		stack[STACK_WIDTH * (COMOMENT_BLOCK + 2)];
	double	   *scratch;
	double	   *bmean;
	double	   *delta;
	double	   *e;
	int			i,
				j,
				b;

	if (m <= 0)
		return;
	scratch = w <= STACK_WIDTH ? stack : (double *) palloc(sizeof(double) * w * (COMOMENT_BLOCK + 2));
	bmean = scratch;
	delta = scratch + w;
	e = scratch + 2 * w;		/* m x w, rows centred on the block mean */
	for (j = 0; j < w; j++)
	{
		double		sum = 0.0;

		for (b = 0; b < m; b++)
			sum += rows[b * w + j];
		bmean[j] = sum / m;
		delta[j] = bmean[j] - mean[j];
	}
	for (b = 0; b < m; b++)
		for (j = 0; j < w; j++)
			e[b * w + j] = rows[b * w + j] - bmean[j];
	for (i = 0; i < w; i++)
	{
		double	   *row = com + indb_tri_row(w, i) - i;	/* row[j] is C[i][j] for j >= i */
		double		fi = f * delta[i];

		if (w > STACK_WIDTH)
			CHECK_FOR_INTERRUPTS(); /* a wide row is up to 8e8 multiply-adds */
		if (m == COMOMENT_BLOCK)
		{
			/* eight streams, j innermost and contiguous: the compiler vectorizes it */
			const double *e0 = e, *e1 = e + w, *e2 = e + 2 * w, *e3 = e + 3 * w;
			const double *e4 = e + 4 * w, *e5 = e + 5 * w, *e6 = e + 6 * w, *e7 = e + 7 * w;
			double		a0 = e0[i], a1 = e1[i], a2 = e2[i], a3 = e3[i];
			double		a4 = e4[i], a5 = e5[i], a6 = e6[i], a7 = e7[i];

			for (j = i; j < w; j++)
				row[j] += fi * delta[j] + a0 * e0[j] + a1 * e1[j] + a2 * e2[j] + a3 * e3[j]
					+ a4 * e4[j] + a5 * e5[j] + a6 * e6[j] + a7 * e7[j];
		}
		else
		{
			for (j = i; j < w; j++)
				row[j] += fi * delta[j];
			for (b = 0; b < m; b++)
			{
				const double *eb = e + b * w;
				double		ab = eb[i];

				for (j = i; j < w; j++)
					row[j] += ab * eb[j];
			}
		}
	}
	for (j = 0; j < w; j++)
		mean[j] += delta[j] * (m / n);
	s->n = count;
	if (scratch != stack)
		pfree(scratch);
}

/* Fold the buffered rows (before a merge or a final step reads the moments). */
static void
comoment_flush(IndbState *s)
{
	int			m = (int) *com_pending(s);

	if (s->width == 0 || m == 0)
		return;
	comoment_fold(s, com_buffer(s), m);
	*com_pending(s) = 0;
}

/* Buffer one row z = [y (if has_y), x[0..k-1]]; fold the buffer when it is full. */
static void
comoment_add(IndbState *s, bool has_y, double y, const double *x, int k)
{
	int			w = s->width;
	int			m = (int) *com_pending(s);
	double	   *slot = com_buffer(s) + (int64) m * w;
	int			off = has_y ? 1 : 0;

	if (has_y)
		slot[0] = y;
	memcpy(slot + off, x, sizeof(double) * k);
	m++;
	if (m == COMOMENT_BLOCK)
	{
		comoment_fold(s, com_buffer(s), m);
		m = 0;
	}
	*com_pending(s) = m;
}

/*
 * The state of a final function with its buffered rows folded in: a copy when there are
 * any (a final function must leave the transition value as it found it).
 */
static IndbState *
comoment_final_arg(FunctionCallInfo fcinfo, const char *fname)
{
	IndbState  *s = comoment_arg(fcinfo, 0, false, fname);

	if (s != NULL && s->width > 0 && *com_pending(s) > 0)
	{
		IndbState  *copy = (IndbState *) palloc(VARSIZE(s));

		memcpy(copy, s, VARSIZE(s));
		comoment_flush(copy);
		s = copy;
	}
	return s;
}

/* Rows a state holds: folded and buffered (checked: n may be anything up to 2^63 - 1). */
static int64
comoment_rows(IndbState *s)
{
	return s->width == 0 ? s->n : indb_add_count(s->n, (int64) *com_pending(s));
}

/* Merge b into a (both checked, same width, a modifiable, b read-only). */
static void
comoment_merge(IndbState *a, IndbState *b)
{
	int			w = a->width;
	int64		tri = indb_tri_size(w);
	int64		count;
	double		na,
				nb,
				n,
				scale;
	double		stack[STACK_WIDTH];
	double	   *delta;
	int			i,
				j;
	int64		t;

	comoment_flush(a);
	if (b->n > 0)
	{
		count = indb_add_count(a->n, b->n);
		na = (double) a->n;
		nb = (double) b->n;
		n = (double) count;
		scale = na * nb / n;
		delta = w <= STACK_WIDTH ? stack : (double *) palloc(w * sizeof(double));
		for (i = 0; i < w; i++)
		{
			delta[i] = b->data[i] - a->data[i];
			a->data[i] += delta[i] * (nb / n);
		}
		for (t = 0; t < tri; t++)
			a->data[w + t] += b->data[w + t];
		for (i = 0; i < w; i++)
		{
			double	   *row = a->data + w + indb_tri_row(w, i) - i;

			CHECK_FOR_INTERRUPTS();
			for (j = i; j < w; j++)
				row[j] += delta[i] * delta[j] * scale;
		}
		a->n = count;
		if (delta != stack)
			pfree(delta);
	}
	/* b's buffered rows, folded into a as one block */
	comoment_fold(a, com_buffer(b), (int) *com_pending(b));
}

/*
 * The state to add a row of width w to: a new one when there is none (or when the state
 * so far only counted skipped rows), the same one when the width matches, an error if not.
 */
static IndbState *
state_for_row(FunctionCallInfo fcinfo, IndbState *s, int w, const char *fname, const char *what, int off)
{
	if (s != NULL && s->width == w)
		return s;
	if (s != NULL && s->width != 0)
		indb_error_width(fname, what, s->width - off, w - off);
	{
		IndbState  *fresh = indb_state_new(fcinfo, INDB_COMOMENT, w, 0, fname);

		if (s != NULL)
			fresh->skipped = s->skipped;
		return fresh;
	}
}

/* A state that counts one more skipped row (width 0 if no row has fixed the width yet). */
static IndbState *
count_skipped(FunctionCallInfo fcinfo, IndbState *s, const char *fname)
{
	if (s == NULL)
		s = indb_state_new(fcinfo, INDB_COMOMENT, 0, 0, fname);
	s->skipped = indb_add_count(s->skipped, 1);
	return s;
}

/*
 * Shared transition of linregr(y, x) and xty(x, y): z = [y, x]. For linregr a NULL
 * anywhere skips the row (counted); for xty NULL rows are skipped and NULL elements are
 * an error, as MADlib's array functions do.
 */
static Datum
yx_transition(FunctionCallInfo fcinfo, int yarg, int xarg, bool null_elements_skip, const char *fname)
{
	IndbState  *s = comoment_arg(fcinfo, 0, true, fname);
	const double *x;
	double		y;
	int			k;
	bool		has_null;

	if (PG_ARGISNULL(yarg) || PG_ARGISNULL(xarg))
		PG_RETURN_BYTEA_P(count_skipped(fcinfo, s, fname));
	y = PG_GETARG_FLOAT8(yarg);
	x = indb_vector_arg(fcinfo, xarg, &k, &has_null, fname, "the independent variable");
	if (has_null)
	{
		if (null_elements_skip)
			PG_RETURN_BYTEA_P(count_skipped(fcinfo, s, fname));
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: the array contains NULL elements", fname),
				 errhint("skip or fill such rows; NULL rows themselves are skipped")));
	}
	indb_check_not_empty(k, fname);
	/* linregr rejects NaN and Infinity (documented); xty lets them propagate, as numpy does */
	if (null_elements_skip && (isnan(y) || isinf(y) || !indb_all_finite(x, k)))
		indb_error_nonfinite(fname);
	if (null_elements_skip && (s == NULL || s->width == 0))
		indb_check_final_step(k + 1, fname);	/* linregr's fit is finalized in numpy */
	s = state_for_row(fcinfo, s, k + 1, fname, "independent variable", 1);
	comoment_add(s, true, y, x, k);
	PG_RETURN_BYTEA_P(s);
}

/* linregr(y, x) transition: rows with a NULL anywhere are skipped and counted */
PG_FUNCTION_INFO_V1(indb_ml_linregr_trans);
Datum
indb_ml_linregr_trans(PG_FUNCTION_ARGS)
{
	return yx_transition(fcinfo, 1, 2, true, "linregr");
}

/*
 * _linregr_cols(y, x1, ..., xk) transition: linregr's co-moments of z = [y, x] with the
 * row given as separate float8 arguments (no array built per row; the driver lists the
 * features). A NULL anywhere skips the row (counted); NaN and Infinity are errors.
 */
PG_FUNCTION_INFO_V1(indb_ml_linregr_cols_trans);
Datum
indb_ml_linregr_cols_trans(PG_FUNCTION_ARGS)
{
	const char *fname = "linregr";
	IndbState  *s = comoment_arg(fcinfo, 0, true, fname);
	double		z[INDB_ROW_ARGS];
	int			w = fcinfo->nargs - 1;

	if (!indb_row_args(fcinfo, 1, 2, z, fname))
		PG_RETURN_BYTEA_P(count_skipped(fcinfo, s, fname));
	if (!indb_all_finite(z, w))
		indb_error_nonfinite(fname);
	if (s == NULL || s->width == 0)
		indb_check_final_step(w, fname);
	s = state_for_row(fcinfo, s, w, fname, "independent variable", 1);
	comoment_add(s, true, z[0], z + 1, w - 1);
	PG_RETURN_BYTEA_P(s);
}

/*
 * _residual_state(y, x, coef) transition: co-moments of [(y - x.coef)^2, x], the auxiliary
 * regression of the Breusch-Pagan test. Rows with a NULL are skipped, as in linregr.
 */
PG_FUNCTION_INFO_V1(indb_ml_residual_trans);
Datum
indb_ml_residual_trans(PG_FUNCTION_ARGS)
{
	const char *fname = "linregr residuals";
	IndbState  *s = comoment_arg(fcinfo, 0, true, fname);
	const double *x;
	const double *coef;
	double		e;
	int			k,
				kc,
				i;
	bool		has_null,
				coef_null;

	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: coef must not be NULL", fname)));
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_BYTEA_P(count_skipped(fcinfo, s, fname));
	x = indb_vector_arg(fcinfo, 2, &k, &has_null, fname, "the independent variable");
	if (has_null)
		PG_RETURN_BYTEA_P(count_skipped(fcinfo, s, fname));
	coef = indb_vector_arg(fcinfo, 3, &kc, &coef_null, fname, "coef");
	if (coef_null || kc != k)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s: %d coefficients for %d features, or NULL coefficients", fname, kc, k)));
	indb_check_not_empty(k, fname);
	e = PG_GETARG_FLOAT8(1);
	for (i = 0; i < k; i++)
		e -= x[i] * coef[i];
	if (isnan(e) || isinf(e) || !indb_all_finite(x, k))
		indb_error_nonfinite(fname);
	s = state_for_row(fcinfo, s, k + 1, fname, "independent variable", 1);
	comoment_add(s, true, e * e, x, k);
	PG_RETURN_BYTEA_P(s);
}

/* xty(x, y) transition: z = [y, x] */
PG_FUNCTION_INFO_V1(indb_ml_xty_trans);
Datum
indb_ml_xty_trans(PG_FUNCTION_ARGS)
{
	return yx_transition(fcinfo, 2, 1, false, "xty");
}

/* gram(x) transition (and column statistics): z = x; NULL rows are skipped, NaN propagates */
PG_FUNCTION_INFO_V1(indb_ml_gram_trans);
Datum
indb_ml_gram_trans(PG_FUNCTION_ARGS)
{
	const char *fname = "gram";
	IndbState  *s = comoment_arg(fcinfo, 0, true, fname);
	const double *x;
	int			k;
	bool		has_null;

	if (PG_ARGISNULL(1))
		PG_RETURN_BYTEA_P(count_skipped(fcinfo, s, fname));
	x = indb_vector_arg(fcinfo, 1, &k, &has_null, fname, "the row");
	if (has_null)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: the array contains NULL elements", fname),
				 errhint("skip or fill such rows; NULL rows themselves are skipped")));
	if (k == 0)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s: the row array is empty", fname)));
	s = state_for_row(fcinfo, s, k, fname, "row", 0);
	comoment_add(s, false, 0.0, x, k);
	PG_RETURN_BYTEA_P(s);
}

/* combine step of every co-moment aggregate: Chan's exact pairwise merge */
PG_FUNCTION_INFO_V1(indb_ml_comoment_combine);
Datum
indb_ml_comoment_combine(PG_FUNCTION_ARGS)
{
	const char *fname = "comoment combine";
	IndbState  *a = comoment_arg(fcinfo, 0, true, fname);
	IndbState  *b = comoment_arg(fcinfo, 1, false, fname);
	int64		skipped;

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_BYTEA_P(a);
	}
	if (a == NULL)
		PG_RETURN_BYTEA_P(b);
	if (b->width == 0 || comoment_rows(b) == 0)
	{
		if (b->width != 0 && a->width != 0)
			indb_state_check_same(a, b, fname);
		a->skipped = indb_add_count(a->skipped, b->skipped);
		PG_RETURN_BYTEA_P(a);
	}
	if (a->width == 0 || comoment_rows(a) == 0)
	{
		IndbState  *copy;

		if (a->width != 0)
			indb_state_check_same(a, b, fname);
		skipped = indb_add_count(a->skipped, b->skipped);
		copy = (IndbState *) palloc(VARSIZE(b));
		memcpy(copy, b, VARSIZE(b));
		copy->skipped = skipped;
		PG_RETURN_BYTEA_P(copy);
	}
	indb_state_check_same(a, b, fname);
	/* both counts are checked before a is changed, so an error leaves a as it was */
	(void) indb_add_count(comoment_rows(a), comoment_rows(b));
	skipped = indb_add_count(a->skipped, b->skipped);
	comoment_merge(a, b);
	a->skipped = skipped;
	PG_RETURN_BYTEA_P(a);
}

/* Uncentred sums of products: S = C + n mean mean^T, for rows r0.. and columns c0.. of z. */
static double
raw_product(const IndbState *s, int i, int j)
{
	int			w = s->width;
	int			lo = i < j ? i : j;
	int			hi = i < j ? j : i;
	const double *com = s->data + w + indb_tri_row(w, lo) - lo;

	return com[hi] + (double) s->n * s->data[i] * s->data[j];
}

static ArrayType *
float8_array(double *values, int ndim, int *dims)
{
	int			lbs[2] = {1, 1};
	int			total = ndim == 1 ? dims[0] : dims[0] * dims[1];
	Datum	   *elems = (Datum *) palloc(total * sizeof(Datum));
	int			i;

	for (i = 0; i < total; i++)
		elems[i] = Float8GetDatum(values[i]);
	return construct_md_array(elems, NULL, ndim, dims, lbs, FLOAT8OID, sizeof(double), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

/* gram final: the k x k matrix X'X as a 2-D float8[]; NULL when no row was folded in */
PG_FUNCTION_INFO_V1(indb_ml_gram_final);
Datum
indb_ml_gram_final(PG_FUNCTION_ARGS)
{
	IndbState  *s = comoment_final_arg(fcinfo, "gram");
	int64		k,
				i,
				j;
	int64		nbytes;
	ArrayType  *result;
	double	   *out;

	if (s == NULL || s->n == 0)
		PG_RETURN_NULL();
	k = s->width;

	/*
	 * The k x k result is twice the size of the state (8 k^2 bytes, 800 MB at the width
	 * limit): checked against indb_ml.matrix_memory_mb like the state, and written straight
	 * into the array (no Datum[] and no second copy, which tripled the peak).
	 */
	nbytes = ARR_OVERHEAD_NONULLS(2) + k * k * (int64) sizeof(double);
	indb_check_alloc(nbytes, "gram", "the k x k result");
	result = (ArrayType *) palloc(nbytes);
	memset(result, 0, ARR_OVERHEAD_NONULLS(2));
	SET_VARSIZE(result, nbytes);
	result->ndim = 2;
	result->dataoffset = 0;
	result->elemtype = FLOAT8OID;
	ARR_DIMS(result)[0] = (int) k;
	ARR_DIMS(result)[1] = (int) k;
	ARR_LBOUND(result)[0] = 1;
	ARR_LBOUND(result)[1] = 1;
	out = (double *) ARR_DATA_PTR(result);
	for (i = 0; i < k; i++)
	{
		CHECK_FOR_INTERRUPTS();
		for (j = 0; j < k; j++)
			out[i * k + j] = raw_product(s, (int) i, (int) j);
	}
	PG_RETURN_ARRAYTYPE_P(result);
}

/* xty final: X'y as a float8[] (the state holds z = [y, x]) */
PG_FUNCTION_INFO_V1(indb_ml_xty_final);
Datum
indb_ml_xty_final(PG_FUNCTION_ARGS)
{
	IndbState  *s = comoment_final_arg(fcinfo, "xty");
	int			k,
				i;
	double	   *out;

	if (s == NULL || s->n == 0)
		PG_RETURN_NULL();
	k = s->width - 1;
	out = (double *) palloc(sizeof(double) * (k > 0 ? k : 1));
	for (i = 0; i < k; i++)
		out[i] = raw_product(s, 0, i + 1);
	PG_RETURN_ARRAYTYPE_P(float8_array(out, 1, &k));
}
