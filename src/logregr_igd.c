/*
 * logregr_igd.c: MADlib's incremental gradient for logistic regression, one pass over the
 * rows (logregr_train with optimizer 'igd'), as logregr_igd_step_transition of MADlib's
 * src/modules/regress/logistic.cpp: each row, in scan order, moves the coefficients by
 * stepsize sigma(-y x.c) y x (y in {-1, 1}); X'AX and the log-likelihood are taken at the
 * previous pass's coefficients. MADlib's first pass has no previous state: its state starts
 * zeroed, so its step size is 0 and it only counts the rows; later passes start from the
 * previous coefficients with the hard-coded step size 0.01. No combine function: the
 * aggregate runs serially, in the order the driver gives (ORDER BY ctid), as MADlib's does
 * on PostgreSQL. The statistics and the driver are Python (indb_ml/regress/logregr_igd.py).
 *
 * _logregr_igd_step(state, y, x, prev)
 *   y: 0 or 1; prev: the previous pass's coefficients (k), or NULL on the first pass.
 * Rows with a NULL dependent, array or element are skipped and counted.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"
#include "utils/array.h"

#include "indb_ml.h"

/* data[] of an INDB_LOGIT_IGD state (param 1: prev given, 0: MADlib's first pass) */
#define LIGD_STEPSIZE	0
#define LIGD_LL			1
#define LIGD_SCALARS	2
#define LIGD_COEF(s)	((s)->data + LIGD_SCALARS)
#define LIGD_PREV(s)	((s)->data + LIGD_SCALARS + (s)->width)
#define LIGD_XAX(s)		((s)->data + LIGD_SCALARS + 2 * (s)->width)	/* packed upper triangle */

#define LIGD_MADLIB_STEPSIZE	0.01	/* MADlib's reset(): "stepsize is hard-coded here now" */

static double
sigma(double x)
{
	return 1. / (1. + exp(-x));
}

/* A new state of width k for the pass's first row (keeping the rows skipped before it). */
static IndbState *
start_state(FunctionCallInfo fcinfo, int k, int64 skipped, const char *fname)
{
	IndbState  *s;
	const double *prev = NULL;

	if (k < 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s: the independent variable is an empty array", fname),
				 errhint("give at least one feature, e.g. ARRAY[1, x]")));
	if (!PG_ARGISNULL(3))
	{
		int			got;
		bool		has_null;

		prev = indb_vector_arg(fcinfo, 3, &got, &has_null, fname, "prev");
		if (has_null || got != k || !indb_all_finite(prev, k))
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("%s: prev must have %d finite elements (found %d%s)", fname, k, got,
							has_null ? ", some NULL" : ""),
					 errhint("_logregr_igd is called by logregr_train with optimizer 'igd'; call that instead")));
	}
	/* the Python final step (pseudo-inverse of X'AX) must fit too; indb_state_new checks the
	 * width and the state's size against the budget before allocating */
	indb_check_final_step(k, fname);
	s = indb_state_new(fcinfo, INDB_LOGIT_IGD, k, prev != NULL ? 1 : 0, fname);
	s->skipped = skipped;
	if (prev != NULL)
	{
		memcpy(LIGD_COEF(s), prev, sizeof(double) * k);
		memcpy(LIGD_PREV(s), prev, sizeof(double) * k);
		s->data[LIGD_STEPSIZE] = LIGD_MADLIB_STEPSIZE;
	}
	return s;
}

/* One row: MADlib's transition after the state is set up. */
static void
igd_row(IndbState *s, const double *x, double y01)
{
	int			k = s->width;
	double	   *coef = LIGD_COEF(s);
	double		y = y01 > 0 ? 1. : -1.;
	double		xc = 0.0,
				scale;
	int			i,
				j;

	for (i = 0; i < k; i++)
		xc += x[i] * coef[i];
	scale = s->data[LIGD_STEPSIZE] * sigma(-xc * y) * y;
	for (i = 0; i < k; i++)
		coef[i] += scale * x[i];
	if (s->param == 1)
	{
		const double *prev = LIGD_PREV(s);
		double	   *xax = LIGD_XAX(s);
		double		pxc = 0.0,
					a;

		for (i = 0; i < k; i++)
			pxc += x[i] * prev[i];
		a = sigma(pxc) * sigma(-pxc);
		for (i = 0; i < k; i++)
		{
			double		axi = a * x[i];
			double	   *row = xax + indb_tri_row(k, i) - i;

			CHECK_FOR_INTERRUPTS();	/* O(k^2) per row: a wide row is long */
			for (j = i; j < k; j++)
				row[j] += axi * x[j];
		}
		s->data[LIGD_LL] -= log(1. + exp(-y * pxc));
	}
}

PG_FUNCTION_INFO_V1(indb_ml_logregr_igd_trans);
Datum
indb_ml_logregr_igd_trans(PG_FUNCTION_ARGS)
{
	const char *fname = "logregr_train";
	IndbState  *s;
	const double *x;
	double		y;
	int			k;
	bool		has_null;

	if (PG_NARGS() != 4)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: _logregr_igd_step takes 4 arguments", fname)));
	s = indb_state_arg(fcinfo, 0, INDB_LOGIT_IGD, true, fname);
	/* start_state writes param 0 or 1, and width 0 only for a state that has counted skipped rows */
	if (s != NULL && (s->param < 0 || s->param > 1 || (s->width == 0 && s->n != 0)))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("%s: invalid aggregate state: width %d, parameter %d, %lld rows",
						fname, s->width, s->param, (long long) s->n),
				 errhint("states are written by indb_ml's own aggregate functions of the same version; "
						 "do not pass other bytea values")));
	if (s != NULL && !isfinite(s->data[LIGD_STEPSIZE]))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("%s: invalid aggregate state: step size not finite", fname)));
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (s == NULL)
			s = indb_state_new(fcinfo, INDB_LOGIT_IGD, 0, 0, fname);
		s->skipped = indb_add_count(s->skipped, 1);
		PG_RETURN_BYTEA_P(s);
	}
	x = indb_vector_arg(fcinfo, 2, &k, &has_null, fname, "the independent variable");
	if (has_null)
	{
		if (s == NULL)
			s = indb_state_new(fcinfo, INDB_LOGIT_IGD, 0, 0, fname);
		s->skipped = indb_add_count(s->skipped, 1);
		PG_RETURN_BYTEA_P(s);
	}
	y = PG_GETARG_FLOAT8(1);
	/* the row's values first: nothing is allocated for a row that is refused */
	if (!isfinite(y) || !indb_all_finite(x, k))
		indb_error_nonfinite(fname);
	indb_check_binary(y, fname);
	if (s == NULL || s->width == 0)
		s = start_state(fcinfo, k, s == NULL ? 0 : s->skipped, fname);
	else if (s->width != k)
		indb_error_width(fname, "the independent variable", s->width, k);
	igd_row(s, x, y);
	s->n = indb_add_count(s->n, 1);
	PG_RETURN_BYTEA_P(s);
}
