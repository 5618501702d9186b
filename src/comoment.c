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
#include "common/int.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/lsyscache.h"

#include "indb_ml.h"

#define STACK_WIDTH 256

/* a + b for row counts; a state with a count near 2^63 can only be a forged one */
static int64
add_count(int64 a, int64 b)
{
	int64		sum;

	if (pg_add_s64_overflow(a, b, &sum))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("aggregate state: row count out of range")));
	return sum;
}

/* Fold one row z = [y (if has_y), x[0..k-1]] into the state. */
static void
comoment_add(IndbState *s, bool has_y, double y, const double *x, int k)
{
	int			w = s->width;
	double	   *mean = s->data;
	double	   *com = s->data + w;
	double		stack[STACK_WIDTH];
	int64		count = add_count(s->n, 1);	/* checked before anything changes */
	double	   *d = w <= STACK_WIDTH ? stack : (double *) palloc(w * sizeof(double));
	double		n = (double) count;
	double		inv = 1.0 / n;
	double		shrink = (n - 1.0) * inv;
	int			off = has_y ? 1 : 0;
	int			i,
				j;

	if (has_y)
		d[0] = y - mean[0];
	for (i = 0; i < k; i++)
		d[i + off] = x[i] - mean[i + off];
	for (i = 0; i < w; i++)
		mean[i] += d[i] * inv;
	/* C += (n-1)/n d d^T, upper triangle; the inner loop is an axpy the compiler vectorizes */
	for (i = 0; i < w; i++)
	{
		double		di = d[i] * shrink;
		double	   *row = com + indb_tri_row(w, i) - i;	/* row[j] is C[i][j] for j >= i */

		if (w > STACK_WIDTH)
			CHECK_FOR_INTERRUPTS(); /* a wide row is up to 5e7 multiply-adds */
		for (j = i; j < w; j++)
			row[j] += di * d[j];
	}
	s->n = count;
	if (d != stack)
		pfree(d);
}

/* Merge b into a (both checked, same width, a modifiable). */
static void
comoment_merge(IndbState *a, const IndbState *b)
{
	int			w = a->width;
	int64		tri = indb_tri_size(w);
	double		na = (double) a->n;
	double		nb = (double) b->n;
	double		n = na + nb;
	double		stack[STACK_WIDTH];
	double	   *delta = w <= STACK_WIDTH ? stack : (double *) palloc(w * sizeof(double));
	double		scale = na * nb / n;
	int			i,
				j;
	int64		t;

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
	a->n += b->n;
	if (delta != stack)
		pfree(delta);
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
	s->skipped = add_count(s->skipped, 1);
	return s;
}

static void
check_not_empty(int k, const char *fname)
{
	if (k == 0)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s: the independent variable array is empty", fname),
				 errhint("pass at least one feature, e.g. ARRAY[1, x]")));
}

/*
 * Shared transition of linregr(y, x) and xty(x, y): z = [y, x]. For linregr a NULL
 * anywhere skips the row (counted); for xty NULL rows are skipped and NULL elements are
 * an error, as MADlib's array functions do.
 */
static Datum
yx_transition(FunctionCallInfo fcinfo, int yarg, int xarg, bool null_elements_skip, const char *fname)
{
	IndbState  *s = indb_state_arg(fcinfo, 0, INDB_COMOMENT, true, fname);
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
	check_not_empty(k, fname);
	/* linregr rejects NaN and Infinity (documented); xty lets them propagate, as numpy does */
	if (null_elements_skip && (isnan(y) || isinf(y) || !indb_all_finite(x, k)))
		indb_error_nonfinite(fname);
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
 * _residual_state(y, x, coef) transition: co-moments of [(y - x.coef)^2, x], the auxiliary
 * regression of the Breusch-Pagan test. Rows with a NULL are skipped, as in linregr.
 */
PG_FUNCTION_INFO_V1(indb_ml_residual_trans);
Datum
indb_ml_residual_trans(PG_FUNCTION_ARGS)
{
	const char *fname = "linregr residuals";
	IndbState  *s = indb_state_arg(fcinfo, 0, INDB_COMOMENT, true, fname);
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
	check_not_empty(k, fname);
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
	IndbState  *s = indb_state_arg(fcinfo, 0, INDB_COMOMENT, true, fname);
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
	IndbState  *a = indb_state_arg(fcinfo, 0, INDB_COMOMENT, true, fname);
	IndbState  *b = indb_state_arg(fcinfo, 1, INDB_COMOMENT, false, fname);
	int64		skipped;

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_BYTEA_P(a);
	}
	if (a == NULL)
		PG_RETURN_BYTEA_P(b);
	if (b->width == 0 || b->n == 0)
	{
		if (b->width != 0 && a->width != 0)
			indb_state_check_same(a, b, fname);
		a->skipped = add_count(a->skipped, b->skipped);
		PG_RETURN_BYTEA_P(a);
	}
	if (a->width == 0 || a->n == 0)
	{
		IndbState  *copy;

		if (a->width != 0)
			indb_state_check_same(a, b, fname);
		skipped = add_count(a->skipped, b->skipped);
		copy = (IndbState *) palloc(VARSIZE(b));
		memcpy(copy, b, VARSIZE(b));
		copy->skipped = skipped;
		PG_RETURN_BYTEA_P(copy);
	}
	indb_state_check_same(a, b, fname);
	/* both counts are checked before a is changed, so an error leaves a as it was */
	(void) add_count(a->n, b->n);
	skipped = add_count(a->skipped, b->skipped);
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
	IndbState  *s = indb_state_arg(fcinfo, 0, INDB_COMOMENT, false, "gram");
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
	IndbState  *s = indb_state_arg(fcinfo, 0, INDB_COMOMENT, false, "xty");
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
