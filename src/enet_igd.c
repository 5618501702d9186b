/*
 * enet_igd.c: MADlib's elastic-net IGD, one pass over the rows (elastic_net_train with
 * optimizer 'igd'). Each row makes one stochastic step on the mirror-descent dual vector
 * theta (p-norm link, p = 2 ln k), then the l1 threshold step, then coef = link(theta)
 * and the intercept update, exactly as MADlib's Igd<Model>::igd_transition
 * (src/modules/elastic_net/elastic_net_optimizer_igd.hpp, elastic_net_gaussian_igd.cpp,
 * elastic_net_binomial_igd.cpp). The steps are sequential: the aggregate has no combine
 * function, so PostgreSQL runs it serially in scan order, as MADlib does on PostgreSQL.
 * The final step (intercept, log-likelihood, theta from coef) and the driver are Python
 * (indb_ml/kernels/elastic_net_igd.py, indb_ml/regress/elastic_net_igd.py).
 *
 * _enet_igd_step(state, x, y, prev, lambda, alpha, stepsize, total_rows, mean, scale,
 *                step_decay, family)
 *   prev: the previous pass's [stepsize, lambda, loglikelihood, intercept, theta(k), coef(k)]
 *         (NULL on the first pass); mean: [y mean, x means (k)]; scale: the features'
 *         standard deviations (k) when standardizing, else NULL; family 0 gaussian, 1 binomial.
 * Rows with a NULL dependent, array or element are skipped and counted (the step still decays on
 * them once the state exists, as MADlib's).
 */
#include "postgres.h"

#include <float.h>
#include <math.h>

#include "miscadmin.h"
#include "utils/array.h"

#include "indb_ml.h"

/* data[] of an INDB_ENET_IGD state: these scalars, then six k-vectors */
#define IGD_STEPSIZE	0
#define IGD_LAMBDA		1
#define IGD_ALPHA		2
#define IGD_TOTAL		3			/* MADlib's totalRows: the group's row count */
#define IGD_INTERCEPT	4
#define IGD_YMEAN		5			/* IGD's ymean (0 when standardized) */
#define IGD_LL			6			/* MADlib's running loglikelihood (carried from prev) */
#define IGD_P			7
#define IGD_Q			8
#define IGD_DECAY		9
#define IGD_YSHIFT		10			/* subtracted from y (gaussian, standardized), else 0 */
#define IGD_SCALARS		11
/* vectors: xmean, coef, theta, xshift, xscale, the row's scaled x (scratch) */
#define IGD_XMEAN(s)	((s)->data + IGD_SCALARS)
#define IGD_COEF(s)		((s)->data + IGD_SCALARS + (s)->width)
#define IGD_THETA(s)	((s)->data + IGD_SCALARS + 2 * (s)->width)
#define IGD_XSHIFT(s)	((s)->data + IGD_SCALARS + 3 * (s)->width)
#define IGD_XSCALE(s)	((s)->data + IGD_SCALARS + 4 * (s)->width)
#define IGD_ROW(s)		((s)->data + IGD_SCALARS + 5 * (s)->width)

#define PREV_SCALARS	4

static double
sign_of(double x)
{
	return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0);
}

/* MADlib's sparse_dot: sum of coef_i x_i over coef_i != 0, in order */
static double
sparse_dot(const double *coef, const double *x, int k)
{
	double		sum = 0.0;
	int			i;

	for (i = 0; i < k; i++)
		if (coef[i] != 0)
			sum += coef[i] * x[i];
	return sum;
}

/* MADlib's link_fn: w = grad of (1/2)||theta||_p^2, zero where theta is (sub)denormal-small */
static void
link_fn(const double *theta, double *w, int k, double p)
{
	double		sum = 0.0;
	double		norm,
				denominator;
	int			i;

	for (i = 0; i < k; i++)
		if (theta[i] != 0)
			sum += pow(fabs(theta[i]), p);
	norm = pow(sum, 1.0 / p);
	if (fabs(norm) <= DBL_TRUE_MIN)
	{
		for (i = 0; i < k; i++)
			w[i] = 0.0;
		return;
	}
	denominator = pow(norm, p - 2);
	for (i = 0; i < k; i++)
		w[i] = fabs(theta[i]) <= DBL_TRUE_MIN ? 0.0
			: sign_of(theta[i]) * pow(fabs(theta[i]), p - 1) / denominator;
}

static void
bad_arg(const char *fname, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s: %s", fname, what),
			 errhint("_enet_igd is called by elastic_net_train with optimizer 'igd'; call that instead")));
}

static double
finite_arg(FunctionCallInfo fcinfo, int argno, const char *fname, const char *what)
{
	double		v;

	if (PG_ARGISNULL(argno))
		bad_arg(fname, what);
	v = PG_GETARG_FLOAT8(argno);
	if (!isfinite(v))
		bad_arg(fname, what);
	return v;
}

/* A float8[] argument of exactly len elements, none NULL and all finite. */
static const double *
exact_vector(FunctionCallInfo fcinfo, int argno, int len, const char *fname, const char *what)
{
	const double *v;
	int			got;
	bool		has_null;

	if (PG_ARGISNULL(argno))
		bad_arg(fname, what);
	v = indb_vector_arg(fcinfo, argno, &got, &has_null, fname, what);
	if (has_null || got != len || (len > 0 && !indb_all_finite(v, len)))
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s: %s must have %d finite elements (found %d%s)", fname, what, len, got,
						has_null ? ", some NULL" : "")));
	return v;
}

/*
 * The state of the pass's first row: every argument checked, then filled from prev or, on
 * the first pass, as MADlib's transition initializes it.
 */
static IndbState *
start_state(FunctionCallInfo fcinfo, int k, int64 skipped, const char *fname)
{
	double		lambda = finite_arg(fcinfo, 4, fname, "lambda must be a finite number");
	double		alpha = finite_arg(fcinfo, 5, fname, "alpha must be a finite number");
	double		stepsize = finite_arg(fcinfo, 6, fname, "stepsize must be a finite number");
	double		decay = finite_arg(fcinfo, 10, fname, "step_decay must be a finite number");
	int64		total;
	int32		family;
	bool		standardized = !PG_ARGISNULL(9);
	const double *mean;
	const double *scale = NULL;
	IndbState  *s;
	double	   *xmean;
	int			i;

	if (PG_ARGISNULL(7) || PG_GETARG_INT64(7) < 1)
		bad_arg(fname, "total_rows must be a positive row count");
	total = PG_GETARG_INT64(7);
	if (PG_ARGISNULL(11) || (PG_GETARG_INT32(11) != 0 && PG_GETARG_INT32(11) != 1))
		bad_arg(fname, "family must be 0 (gaussian) or 1 (binomial)");
	family = PG_GETARG_INT32(11);
	if (!(stepsize > 0) || decay < 0 || lambda < 0 || alpha < 0 || alpha > 1)
		bad_arg(fname, "stepsize must be > 0, step_decay and lambda >= 0, alpha in [0, 1]");
	if (k < 2 || k > INDB_MAX_WIDTH)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s: optimizer 'igd' needs 2 to %d features, found %d", fname, INDB_MAX_WIDTH, k),
				 errhint("MADlib's mirror map p = 2 ln k is degenerate for one feature: use optimizer 'fista'")));
	/* the arrays are checked before the state is allocated */
	mean = exact_vector(fcinfo, 8, k + 1, fname, "mean");
	if (standardized)
	{
		scale = exact_vector(fcinfo, 9, k, fname, "scale");
		for (i = 0; i < k; i++)
			if (!(scale[i] > 0))
				bad_arg(fname, "scale must be positive");
	}
	if (!PG_ARGISNULL(3))
		(void) exact_vector(fcinfo, 3, PREV_SCALARS + 2 * k, fname, "prev");

	s = indb_state_new(fcinfo, INDB_ENET_IGD, k, family * 2 + (standardized ? 1 : 0), fname);
	s->skipped = skipped;
	xmean = IGD_XMEAN(s);
	s->data[IGD_ALPHA] = alpha;
	s->data[IGD_TOTAL] = (double) total;
	s->data[IGD_DECAY] = decay;
	s->data[IGD_P] = 2 * log((double) k);
	s->data[IGD_Q] = s->data[IGD_P] / (s->data[IGD_P] - 1);
	for (i = 0; i < k; i++)
	{
		/* standardized: x' = (x - mean) / scale, whose mean IGD takes as 0 (MADlib's _normalize_data) */
		IGD_XSHIFT(s)[i] = standardized ? mean[1 + i] : 0.0;
		IGD_XSCALE(s)[i] = standardized ? scale[i] : 1.0;
		xmean[i] = standardized ? 0.0 : mean[1 + i];
	}
	s->data[IGD_YSHIFT] = (standardized && family == 0) ? mean[0] : 0.0;
	s->data[IGD_YMEAN] = (standardized || family == 1) ? 0.0 : mean[0];
	if (PG_ARGISNULL(3))
	{
		s->data[IGD_STEPSIZE] = stepsize * exp(decay);
		s->data[IGD_LAMBDA] = lambda;
		/* theta = 0, so coef = link(theta) = 0; gaussian: intercept = ymean - coef . xmean */
		s->data[IGD_INTERCEPT] = family == 0 ? s->data[IGD_YMEAN] : 0.0;
	}
	else
	{
		const double *prev = exact_vector(fcinfo, 3, PREV_SCALARS + 2 * k, fname, "prev");

		s->data[IGD_STEPSIZE] = prev[0];
		s->data[IGD_LAMBDA] = prev[1];
		s->data[IGD_LL] = prev[2];
		s->data[IGD_INTERCEPT] = prev[3];
		memcpy(IGD_THETA(s), prev + PREV_SCALARS, sizeof(double) * k);
		memcpy(IGD_COEF(s), prev + PREV_SCALARS + k, sizeof(double) * k);
		/* 0 is a previous pass's own step once the decay underflowed it: MADlib goes on with it */
		if (!(prev[0] >= 0))
			bad_arg(fname, "prev's stepsize must be >= 0");
	}
	if (s->data[IGD_LAMBDA] != lambda)	/* the warm-up moved on: the step size restarts */
	{
		s->data[IGD_LAMBDA] = lambda;
		s->data[IGD_STEPSIZE] = stepsize * exp(decay);
	}
	return s;
}

/* One row: MADlib's igd_transition after the state is set up. */
static void
igd_row(IndbState *s, const double *xin, double yin)
{
	int			k = s->width;
	bool		binomial = (s->param >> 1) == 1;
	double	   *x = IGD_ROW(s);
	double	   *coef = IGD_COEF(s);
	double	   *theta = IGD_THETA(s);
	double	   *xmean = IGD_XMEAN(s);
	double		lambda = s->data[IGD_LAMBDA];
	double		alpha = s->data[IGD_ALPHA];
	double		total = s->data[IGD_TOTAL];
	double		y,
				r,
				u = 0.0,
				a,
				b;
	int			i;

	for (i = 0; i < k; i++)
		x[i] = (xin[i] - IGD_XSHIFT(s)[i]) / IGD_XSCALE(s)[i];
	y = binomial ? (yin > 0 ? 1.0 : -1.0) : yin - s->data[IGD_YSHIFT];
	s->data[IGD_STEPSIZE] = s->data[IGD_STEPSIZE] / exp(s->data[IGD_DECAY]);

	if (binomial)
	{
		r = s->data[IGD_INTERCEPT] + sparse_dot(coef, x, k);
		u = y > 0 ? -1.0 / (1.0 + exp(r)) : 1.0 / (1.0 + exp(-r));
	}
	else
		r = sparse_dot(coef, x, k) + s->data[IGD_INTERCEPT] - y;
	a = s->data[IGD_STEPSIZE] / total;
	b = s->data[IGD_STEPSIZE] * alpha * lambda / total;
	for (i = 0; i < k; i++)
	{
		double		g = binomial ? x[i] * u : r * (x[i] - xmean[i]) + (1 - alpha) * lambda * coef[i];
		double		step1_sign;

		theta[i] -= a * g;
		step1_sign = sign_of(theta[i]);
		theta[i] -= b * sign_of(theta[i]);
		if (step1_sign != sign_of(theta[i]))
			theta[i] = 0;
	}
	link_fn(theta, coef, k, s->data[IGD_P]);

	if (binomial)
	{
		r = s->data[IGD_INTERCEPT] + sparse_dot(coef, x, k);
		u = y > 0 ? -1.0 / (1.0 + exp(r)) : 1.0 / (1.0 + exp(-r));
		s->data[IGD_INTERCEPT] -= s->data[IGD_STEPSIZE] * u;
		r = s->data[IGD_INTERCEPT] + sparse_dot(coef, x, k);
		s->data[IGD_LL] += y > 0 ? log(1 + exp(-r)) : log(1 + exp(r));
	}
	else
	{
		double		e;

		s->data[IGD_INTERCEPT] = s->data[IGD_YMEAN] - sparse_dot(coef, xmean, k);
		e = y - s->data[IGD_INTERCEPT] - sparse_dot(coef, x, k);
		s->data[IGD_LL] += pow(e, 2);
	}
}

/*
 * A row with a NULL once the state exists: counted as skipped, and the step still decays, as
 * MADlib's igd_transition divides the step size by exp(step_decay) before it reads the row
 * (a NULL is caught after that). Rows before the pass's first complete row leave no state.
 */
static void
skip_row(IndbState *s)
{
	s->skipped = indb_add_count(s->skipped, 1);
	s->data[IGD_STEPSIZE] = s->data[IGD_STEPSIZE] / exp(s->data[IGD_DECAY]);
}

PG_FUNCTION_INFO_V1(indb_ml_enet_igd_trans);
Datum
indb_ml_enet_igd_trans(PG_FUNCTION_ARGS)
{
	const char *fname = "elastic_net_train";
	IndbState  *s = indb_state_arg(fcinfo, 0, INDB_ENET_IGD, true, fname);
	const double *x;
	double		y;
	int			k;
	bool		has_null;

	if (PG_NARGS() != 12)
		bad_arg(fname, "_enet_igd_step takes 12 arguments");
	/*
	 * start_state writes only 2 to INDB_MAX_WIDTH features, param = family * 2 + standardized and
	 * a finite step_decay >= 0 (every row, skipped ones too, divides the step by its exp)
	 */
	if (s != NULL && (s->width < 2 || s->param < 0 || s->param > 3
					  || !(s->data[IGD_DECAY] >= 0) || !isfinite(s->data[IGD_DECAY])))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("%s: invalid aggregate state: width %d, parameter %d or step_decay %g out of range",
						fname, s->width, s->param, s->data[IGD_DECAY]),
				 errhint("states are written by indb_ml's own aggregate functions of the same version; "
						 "do not pass other bytea values")));
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (s == NULL)
			PG_RETURN_NULL();	/* no row yet: the next row starts the state */
		skip_row(s);
		PG_RETURN_BYTEA_P(s);
	}
	x = indb_vector_arg(fcinfo, 1, &k, &has_null, fname, "the independent variable");
	if (has_null)
	{
		if (s == NULL)
			PG_RETURN_NULL();
		skip_row(s);
		PG_RETURN_BYTEA_P(s);
	}
	y = PG_GETARG_FLOAT8(2);
	if (s == NULL)
		s = start_state(fcinfo, k, 0, fname);
	else if (s->width != k)
		indb_error_width(fname, "the independent variable", s->width, k);
	if (!isfinite(y) || !indb_all_finite(x, k))
		indb_error_nonfinite(fname);
	if ((s->param >> 1) == 1)
		indb_check_binary(y, fname);
	if (k > 256)
		CHECK_FOR_INTERRUPTS();
	igd_row(s, x, y);
	s->n = indb_add_count(s->n, 1);
	PG_RETURN_BYTEA_P(s);
}
