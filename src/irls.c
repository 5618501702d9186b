/*
 * irls.c: the Newton / IRLS state family. One pass of an iterative trainer at the current
 * coefficients, passed as an argument (the same for every row of a group):
 *
 * - _logregr_step(y, x, coef): logistic regression's log-likelihood, gradient X'(y - p) and
 *   Hessian X' diag(p(1-p)) X (kind INDB_LOGIT, 1 + k + k(k+1)/2 slots);
 * - _glm_step(y, x, coef, family, link, ymean): one IRLS step of a GLM (MADlib's start or
 *   statsmodels'), X'WX and X'Wz with the working weights and response, Pearson's chi2 and the sums the
 *   log-likelihood needs once the dispersion is known (kind INDB_GLM, 4 + k + k(k+1)/2 slots).
 *
 * Both are sums over rows, so the combine step adds two states slot by slot. The solve,
 * the convergence rule and the statistics are per group and per iteration: Python
 * (indb_ml/kernels/logregr.py, indb_ml/kernels/glm.py).
 *
 * Rows with a NULL dependent, a NULL array or a NULL element are skipped and counted (as
 * linregr does); NaN or Infinity in y or x is an error, and so is a dependent variable the
 * family cannot take. The coefficients are the driver's: they are not required to be
 * finite (a diverging fit yields NaN sums, which the driver reports as a status).
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"
#include "utils/array.h"

#include "indb_ml.h"

/* data[] of an INDB_GLM state: these four sums, then X'Wz (k), then X'WX packed */
#define GLM_PEARSON		0			/* sum (y - mu)^2 / V(mu) */
#define GLM_LL_A		1			/* family-specific log-likelihood sums (below) */
#define GLM_LL_B		2
#define GLM_SUM_Y		3			/* sum y: the mean of cross_validate's first iteration */
#define GLM_SUMS		4

/* Families and links as numbered by indb_ml/kernels/glm.py (FAMILY_CODES, LINK_CODES). */
typedef enum GlmFamily
{
	FAM_GAUSSIAN = 1, FAM_BINOMIAL, FAM_POISSON, FAM_GAMMA, FAM_INVERSE_GAUSSIAN
} GlmFamily;

typedef enum GlmLink
{
	LNK_IDENTITY = 1, LNK_LOG, LNK_INVERSE, LNK_SQR_INVERSE, LNK_LOGIT, LNK_PROBIT, LNK_SQRT
} GlmLink;

#define FAMILY_LIMIT	6
#define LINK_LIMIT		8

/* links each family takes (MADlib's list, as kernels/glm.py FAMILIES) */
static const int family_links[FAMILY_LIMIT][5] = {
	{0},
	{LNK_IDENTITY, LNK_LOG, LNK_INVERSE, 0},	/* gaussian */
	{LNK_LOGIT, LNK_PROBIT, 0},	/* binomial */
	{LNK_LOG, LNK_IDENTITY, LNK_SQRT, 0},	/* poisson */
	{LNK_INVERSE, LNK_IDENTITY, LNK_LOG, 0},	/* gamma */
	{LNK_SQR_INVERSE, LNK_LOG, LNK_IDENTITY, LNK_INVERSE},	/* inverse_gaussian */
};

/*
 * p = expit(eta) and log(1 + e^eta), without overflow, from one exp(): as scipy's expit
 * and numpy's logaddexp(0, eta).
 */
static inline double
expit_log1pexp(double eta, double *log1pexp)
{
	double		e;

	if (eta >= 0)
	{
		e = exp(-eta);
		*log1pexp = eta == 0.0 ? M_LN2 : eta + log1p(e);
		return 1.0 / (1.0 + e);
	}
	if (eta < 0)
	{
		e = exp(eta);
		*log1pexp = log1p(e);
		return e / (1.0 + e);
	}
	*log1pexp = eta;			/* NaN */
	return eta;
}

/*
 * lgamma(y + 1) for a count y: from a table of the first LGAMMA_TABLE values, filled once
 * per aggregate call site (fn_extra), else lgamma() (the same values either way).
 */
#define LGAMMA_TABLE	1024

static double
log_factorial(FunctionCallInfo fcinfo, double y)
{
	double	   *table = (double *) fcinfo->flinfo->fn_extra;

	if (y < 0.0 || y >= LGAMMA_TABLE)
		return lgamma(y + 1.0);
	if (table == NULL)
	{
		int			i;

		table = (double *) MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, LGAMMA_TABLE * sizeof(double));
		for (i = 0; i < LGAMMA_TABLE; i++)
			table[i] = lgamma((double) i + 1.0);
		fcinfo->flinfo->fn_extra = table;
	}
	return table[(int) y];
}

/* The standard normal CDF as scipy's ndtr (Cephes). */
static double
ndtr(double a)
{
	double		x = a * M_SQRT1_2;
	double		z = fabs(x);
	double		y;

	if (isnan(a))
		return a;
	if (z < M_SQRT1_2)
		return 0.5 + 0.5 * erf(x);
	y = 0.5 * erfc(z);
	return x > 0 ? 1.0 - y : y;
}

/*
 * The standard normal quantile: Wichura's AS241 (relative error about 1e-16), as
 * CPython's statistics.NormalDist.inv_cdf; -Infinity at 0, Infinity at 1, NaN outside.
 */
static double
ndtri(double p)
{
	double		q,
				r,
				num,
				den,
				x;

	if (isnan(p) || p < 0.0 || p > 1.0)
		return NAN;
	if (p == 0.0)
		return -INFINITY;
	if (p == 1.0)
		return INFINITY;
	q = p - 0.5;
	if (fabs(q) <= 0.425)
	{
		r = 0.180625 - q * q;
		num = (((((((2.5090809287301226727e+3 * r + 3.3430575583588128105e+4) * r
					+ 6.7265770927008700853e+4) * r + 4.5921953931549871457e+4) * r
				  + 1.3731693765509461125e+4) * r + 1.9715909503065514427e+3) * r
				+ 1.3314166789178437745e+2) * r + 3.3871328727963666080e+0) * q;
		den = (((((((5.2264952788528545610e+3 * r + 2.8729085735721942674e+4) * r
					+ 3.9307895800092710610e+4) * r + 2.1213794301586595867e+4) * r
				  + 5.3941960214247511077e+3) * r + 6.8718700749205790830e+2) * r
				+ 4.2313330701600911252e+1) * r + 1.0);
		return num / den;
	}
	r = q <= 0.0 ? p : 1.0 - p;
	r = sqrt(-log(r));
	if (r <= 5.0)
	{
		r -= 1.6;
		num = (((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r
					+ 2.41780725177450611770e-1) * r + 1.27045825245236838258e+0) * r
				  + 3.64784832476320460504e+0) * r + 5.76949722146069140550e+0) * r
				+ 4.63033784615654529590e+0) * r + 1.42343711074968357734e+0);
		den = (((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r
					+ 1.51986665636164571966e-2) * r + 1.48103976427480074590e-1) * r
				  + 6.89767334985100004550e-1) * r + 1.67638483018380384940e+0) * r
				+ 2.05319162663775882187e+0) * r + 1.0);
	}
	else
	{
		r -= 5.0;
		num = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r
					+ 1.24266094738807843860e-3) * r + 2.65321895265761230930e-2) * r
				  + 2.96560571828504891230e-1) * r + 1.78482653991729133580e+0) * r
				+ 5.46378491116411436990e+0) * r + 6.65790464350110377720e+0);
		den = (((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r
					+ 1.84631831751005468180e-5) * r + 7.86869131145613259100e-4) * r
				  + 1.48753612908506148525e-2) * r + 1.36929880922735805310e-1) * r
				+ 5.99832206555887937690e-1) * r + 1.0);
	}
	x = num / den;
	return q < 0.0 ? -x : x;
}

static inline double
normal_pdf(double x)
{
	return exp(-0.5 * x * x) / sqrt(2.0 * M_PI);
}

/* g(mu), g^-1(eta) and g'(mu) of kernels/glm.py LINKS */
static double
link_g(int link, double mu)
{
	switch (link)
	{
		case LNK_IDENTITY:
			return mu;
		case LNK_LOG:
			return log(mu);
		case LNK_INVERSE:
			return 1.0 / mu;
		case LNK_SQR_INVERSE:
			return 1.0 / (mu * mu);
		case LNK_LOGIT:
			return log(mu / (1.0 - mu));
		case LNK_PROBIT:
			return ndtri(mu);
		case LNK_SQRT:
			return sqrt(mu);
	}
	return NAN;
}

static double
link_inverse(int link, double eta)
{
	switch (link)
	{
		case LNK_IDENTITY:
			return eta;
		case LNK_LOG:
			return exp(eta);
		case LNK_INVERSE:
			return 1.0 / eta;
		case LNK_SQR_INVERSE:
			return 1.0 / sqrt(eta);
		case LNK_LOGIT:
			return indb_expit(eta);
		case LNK_PROBIT:
			return ndtr(eta);
		case LNK_SQRT:
			return eta * eta;
	}
	return NAN;
}

static double
link_derivative(int link, double mu)
{
	switch (link)
	{
		case LNK_IDENTITY:
			return 1.0;
		case LNK_LOG:
			return 1.0 / mu;
		case LNK_INVERSE:
			return -1.0 / (mu * mu);
		case LNK_SQR_INVERSE:
			return -2.0 / (mu * mu * mu);
		case LNK_LOGIT:
			return 1.0 / (mu * (1.0 - mu));
		case LNK_PROBIT:
			return 1.0 / normal_pdf(ndtri(mu));
		case LNK_SQRT:
			return 1.0 / (2.0 * sqrt(mu));
	}
	return NAN;
}

/*
 * MADlib's start mu = init(y) of each link (its src/modules/glm/link.hpp, as
 * kernels/glm.py LINK_INIT): the first pass of glm when no coefficients are given.
 */
static double
link_init(int link, double y)
{
	switch (link)
	{
		case LNK_IDENTITY:
			return y + 0.1;
		case LNK_LOG:
			return y > 0.1 ? y : 0.1;
		case LNK_SQRT:
			return y > 0.0 ? y : 0.0;
		case LNK_INVERSE:
		case LNK_SQR_INVERSE:
			return y == 0.0 ? 0.1 : y + 0.1;
		case LNK_LOGIT:
		case LNK_PROBIT:
			return (y + 0.5) / 2.0;
	}
	return NAN;
}

/* V(mu) of kernels/glm.py FAMILIES */
static double
variance(int family, double mu)
{
	switch (family)
	{
		case FAM_GAUSSIAN:
			return 1.0;
		case FAM_BINOMIAL:
			return mu * (1.0 - mu);
		case FAM_POISSON:
			return mu;
		case FAM_GAMMA:
			return mu * mu;
		case FAM_INVERSE_GAUSSIAN:
			return mu * mu * mu;
	}
	return NAN;
}

/* x log(y) with 0 log(0) = 0, and x log(1 + y) likewise (scipy's xlogy, xlog1py) */
static inline double
xlogy(double x, double y)
{
	return x == 0.0 && !isnan(y) ? 0.0 : x * log(y);
}

static inline double
xlog1py(double x, double y)
{
	return x == 0.0 && !isnan(y) ? 0.0 : x * log1p(y);
}

/* The coefficients argument: NULL when allowed and NULL, else k values (NULL elements: error). */
static const double *
coef_arg(FunctionCallInfo fcinfo, int argno, int k, bool allow_null, const char *fname)
{
	const double *coef;
	int			kc;
	bool		has_null;

	if (PG_ARGISNULL(argno))
	{
		if (allow_null)
			return NULL;
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: coef must not be NULL", fname)));
	}
	coef = indb_vector_arg(fcinfo, argno, &kc, &has_null, fname, "coef");
	if (has_null)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: coef contains NULL elements", fname)));
	if (kc != k)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s: independent variable arrays have different lengths (%d coefficients, a row of %d features)",
						fname, kc, k),
				 errhint("every row must have the same number of features")));
	return coef;
}

/*
 * One row of a logistic pass: checks y (finite, 0 or 1) and x (finite, k > 0), then at
 * eta = x.coef (coef in argument coefarg) adds y eta - log(1 + e^eta), x (y - p) and
 * p (1 - p) x x^T to s (made or checked for width k).
 */
static IndbState *
logit_row(FunctionCallInfo fcinfo, IndbState *s, double y, const double *x, int k, int coefarg,
		  const char *fname)
{
	const double *coef;
	double		eta,
				p,
				r,
				softplus;
	int			i;
	int64		count;

	indb_check_not_empty(k, fname);
	if (isnan(y) || isinf(y) || !indb_all_finite(x, k))
		indb_error_nonfinite(fname);
	indb_check_binary(y, fname);
	s = indb_sum_state_for_row(fcinfo, s, INDB_LOGIT, k, 0, fname, "independent variable");
	coef = coef_arg(fcinfo, coefarg, k, false, fname);
	count = indb_add_count(s->n, 1);	/* checked before anything changes */

	eta = indb_dot(x, coef, k);
	p = expit_log1pexp(eta, &softplus);
	r = y - p;
	s->data[0] += y * eta - softplus;
	for (i = 0; i < k; i++)
		s->data[1 + i] += x[i] * r;
	indb_packed_rank1(s->data + 1 + k, x, k, p * (1.0 - p));
	s->n = count;
	return s;
}

/*
 * _logregr_step(y, x, coef) transition: at eta = x.coef, p = expit(eta), add
 * y eta - log(1 + e^eta) to the log-likelihood, x (y - p) to the gradient and
 * p (1 - p) x x^T to the Hessian. y must be 0 or 1 (a boolean dependent is cast).
 */
PG_FUNCTION_INFO_V1(indb_ml_logregr_step_trans);
Datum
indb_ml_logregr_step_trans(PG_FUNCTION_ARGS)
{
	const char *fname = "logregr_train";
	IndbState  *s = indb_state_arg(fcinfo, 0, INDB_LOGIT, true, fname);
	const double *x;
	int			k;
	bool		has_null;

	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: coef must not be NULL", fname)));
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_BYTEA_P(indb_sum_count_skipped(fcinfo, s, INDB_LOGIT, 0, fname));
	x = indb_vector_arg(fcinfo, 2, &k, &has_null, fname, "the independent variable");
	if (has_null)
		PG_RETURN_BYTEA_P(indb_sum_count_skipped(fcinfo, s, INDB_LOGIT, 0, fname));
	PG_RETURN_BYTEA_P(logit_row(fcinfo, s, PG_GETARG_FLOAT8(1), x, k, 3, fname));
}

/*
 * _logregr_step_cols(coef, y, x1, ..., xk) transition: _logregr_step with the row given
 * as separate float8 arguments (no array built per row; the driver lists the features).
 */
PG_FUNCTION_INFO_V1(indb_ml_logregr_step_cols_trans);
Datum
indb_ml_logregr_step_cols_trans(PG_FUNCTION_ARGS)
{
	const char *fname = "logregr_train";
	IndbState  *s = indb_state_arg(fcinfo, 0, INDB_LOGIT, true, fname);
	double		z[INDB_ROW_ARGS];

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: coef must not be NULL", fname)));
	if (!indb_row_args(fcinfo, 2, 2, z, fname))
		PG_RETURN_BYTEA_P(indb_sum_count_skipped(fcinfo, s, INDB_LOGIT, 0, fname));
	PG_RETURN_BYTEA_P(logit_row(fcinfo, s, z[0], z + 1, fcinfo->nargs - 3, 1, fname));
}

/* Errors unless family and link are one of the pairs kernels/glm.py allows. */
static void
check_family_link(int family, int link, const char *fname)
{
	int			i;

	if (family >= 1 && family < FAMILY_LIMIT && link >= 1 && link < LINK_LIMIT)
		for (i = 0; i < (int) lengthof(family_links[0]); i++)
			if (family_links[family][i] == link)
				return;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s: family %d with link %d is not a supported pair", fname, family, link),
			 errhint("families and links are numbered as in indb_ml.kernels.glm")));
}

/* Why y is not a response of the family (NULL if it is one), as kernels/glm.py check_response. */
static const char *
bad_response(int family, double y)
{
	switch (family)
	{
		case FAM_BINOMIAL:
			if (y != 0.0 && y != 1.0)
				return "binomial needs a boolean or 0/1 dependent variable";
			break;
		case FAM_POISSON:
			if (y < 0.0 || y != floor(y))
				return "poisson needs non-negative integer counts";
			break;
		case FAM_GAMMA:
			if (y <= 0.0)
				return "gamma needs a positive dependent variable";
			break;
		case FAM_INVERSE_GAUSSIAN:
			if (y <= 0.0)
				return "inverse_gaussian needs a positive dependent variable";
			break;
	}
	return NULL;
}

/*
 * _glm_step(y, x, coef, family, link, ymean) transition: one IRLS step of kernels/glm.py
 * glm_irls. With coef, eta = x.coef and mu = g^-1(eta); with coef and ymean NULL (glm's
 * first iteration) MADlib's start mu = init(y) (link_init), eta = g(mu) and z = eta; with
 * coef NULL and ymean given (cross_validate's first iteration) statsmodels' start
 * mu = (y + ymean) / 2, binomial (y + 0.5) / 2, and eta = g(mu). Then with g' = g'(mu),
 * the weight 1 / (V(mu) g'^2) and (but at MADlib's start) z = eta + (y - mu) g', it adds
 * w x x^T to X'WX, w z x to X'Wz, (y - mu)^2 / V(mu) to Pearson's chi2 and per family:
 *   binomial, poisson: A = the log-likelihood;   gaussian: A = sum (y - mu)^2;
 *   gamma: A = sum (log(y/mu) - y/mu), B = sum log y;
 *   inverse_gaussian: A = sum (y - mu)^2 / (y mu^2), B = sum log y;
 * from which Python forms the log-likelihood once it knows the dispersion.
 */
PG_FUNCTION_INFO_V1(indb_ml_glm_step_trans);
Datum
indb_ml_glm_step_trans(PG_FUNCTION_ARGS)
{
	const char *fname = "glm";
	IndbState  *s;
	const double *x;
	const double *coef;
	const char *problem;
	double		y,
				eta,
				mu,
				gp,
				var,
				wgt,
				wz,
				resid;
	double	   *sums;
	int			k,
				i,
				family,
				link;
	int32		param;
	bool		has_null;
	int64		count;

	if (PG_ARGISNULL(4) || PG_ARGISNULL(5))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: family and link must not be NULL", fname)));
	family = PG_GETARG_INT32(4);
	link = PG_GETARG_INT32(5);
	check_family_link(family, link, fname);
	param = family * 16 + link;
	s = indb_state_arg(fcinfo, 0, INDB_GLM, true, fname);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_BYTEA_P(indb_sum_count_skipped(fcinfo, s, INDB_GLM, param, fname));
	x = indb_vector_arg(fcinfo, 2, &k, &has_null, fname, "the independent variable");
	if (has_null)
		PG_RETURN_BYTEA_P(indb_sum_count_skipped(fcinfo, s, INDB_GLM, param, fname));
	indb_check_not_empty(k, fname);
	y = PG_GETARG_FLOAT8(1);
	if (isnan(y) || isinf(y) || !indb_all_finite(x, k))
		indb_error_nonfinite(fname);
	problem = bad_response(family, y);
	if (problem != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s: %s; found %g", fname, problem, y),
				 errhint("check dependent_varname and the family")));
	s = indb_sum_state_for_row(fcinfo, s, INDB_GLM, k, param, fname, "independent variable");
	coef = coef_arg(fcinfo, 3, k, true, fname);
	count = indb_add_count(s->n, 1);	/* checked before anything changes */
	sums = s->data;

	if (coef == NULL && PG_ARGISNULL(6))
	{
		/*
		 * MADlib's start: mu = init(y), eta = g(mu), the working response eta itself; a
		 * zero count of the sqrt link (mu = 0) takes the weight's limit G'(eta)^2 / V(mu) = 4
		 */
		mu = link_init(link, y);
		eta = link_g(link, mu);
		resid = y - mu;
		if (link == LNK_SQRT && mu == 0.0)
		{
			gp = 0.0;
			var = 1.0;
			wgt = 4.0;
		}
		else
		{
			gp = link_derivative(link, mu);
			var = variance(family, mu);
			wgt = 1.0 / (var * gp * gp);
		}
		wz = wgt * eta;
	}
	else
	{
		if (coef == NULL)
		{
			double		ymean = PG_GETARG_FLOAT8(6);

			if (isnan(ymean) || isinf(ymean))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s: the mean of the dependent variable must be finite", fname)));
			mu = family == FAM_BINOMIAL ? (y + 0.5) / 2.0 : (y + ymean) / 2.0;
			eta = link_g(link, mu);
		}
		else
		{
			eta = indb_dot(x, coef, k);
			mu = link_inverse(link, eta);
		}
		gp = link_derivative(link, mu);
		var = variance(family, mu);
		wgt = 1.0 / (var * gp * gp);
		resid = y - mu;
		wz = wgt * (eta + resid * gp);
	}

	sums[GLM_PEARSON] += resid * resid / var;
	switch (family)
	{
		case FAM_BINOMIAL:
			sums[GLM_LL_A] += xlogy(y, mu) + xlog1py(1.0 - y, -mu);
			break;
		case FAM_POISSON:
			sums[GLM_LL_A] += xlogy(y, mu) - mu - log_factorial(fcinfo, y);
			break;
		case FAM_GAUSSIAN:
			sums[GLM_LL_A] += resid * resid;
			break;
		case FAM_GAMMA:
			{
				double		ratio = y / mu;

				sums[GLM_LL_A] += log(ratio) - ratio;
				sums[GLM_LL_B] += log(y);
				break;
			}
		case FAM_INVERSE_GAUSSIAN:
			sums[GLM_LL_A] += resid * resid / (y * mu * mu);
			sums[GLM_LL_B] += log(y);
			break;
	}
	sums[GLM_SUM_Y] += y;
	for (i = 0; i < k; i++)
		sums[GLM_SUMS + i] += wz * x[i];
	indb_packed_rank1(sums + GLM_SUMS + k, x, k, wgt);
	s->n = count;
	PG_RETURN_BYTEA_P(s);
}

PG_FUNCTION_INFO_V1(indb_ml_logregr_step_combine);
Datum
indb_ml_logregr_step_combine(PG_FUNCTION_ARGS)
{
	return indb_sum_combine(fcinfo, INDB_LOGIT, "logregr_train combine");
}

PG_FUNCTION_INFO_V1(indb_ml_glm_step_combine);
Datum
indb_ml_glm_step_combine(PG_FUNCTION_ARGS)
{
	return indb_sum_combine(fcinfo, INDB_GLM, "glm combine");
}
