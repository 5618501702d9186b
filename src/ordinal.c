/*
 * ordinal.c: the ordinal (cumulative link) state family.
 *
 * P(y <= j) = F(theta_j - x^T beta) for ordered categories 0 .. K-1 (K-1 thresholds
 * theta, k coefficients beta, no intercept in x), F the logistic or the standard normal
 * CDF. Parameters are laid out thresholds first: coef = [theta_0 .. theta_{K-2},
 * beta_0 .. beta_{k-1}], d = (K-1) + k.
 *
 * _ordinal_step(y, x, coef, K, link, hessian [, expected]): state INDB_ORDINAL, width d,
 *   param = K * 16 + 8 * expected + 4 * hessian + link (link 0 logit, 1 probit): the
 *   log-likelihood, its gradient in (theta, beta) and, when hessian is true, the
 *   observed information (minus the Hessian of the log-likelihood) as a packed upper
 *   triangle, or with expected (7-argument form; needs hessian) the expected (Fisher)
 *   information, sum_j (d pi_j)(d pi_j)^T / pi_j over every category j of the row, as
 *   MADlib's ordinal sums for its Fisher scoring; without hessian those slots stay zero
 *   and a row costs O(k) instead of O(k^2). The flag is part of param, so states of the
 *   two informations never combine (indb_sum_combine compares param).
 *
 * _ordinal_step(y, x, coef, K, link, hessian, expected, prob_floor) (8-argument form):
 *   prob_floor false (which needs expected) computes the pass without the probability floor
 *   below, as MADlib's ordinal does (glm/Ordinal_impl.hpp) at thresholds that do not
 *   increase: a negative probability enters the gradient and the expected information as it
 *   is, and the log-likelihood takes its log (NaN; log 0 is -inf). Its states carry
 *   ORDINAL_UNFLOORED in param, so they never combine with floored ones; prob_floor true
 *   is the 7-argument form, bit for bit.
 *
 * A row's probability is F(u) - F(l) with u = theta_y - eta, l = theta_{y-1} - eta
 * (u = +inf for the last category, l = -inf for the first), floored at 1e-300 as the
 * numpy kernel (indb_ml/kernels/ordinal.py) does, so both paths give the same numbers.
 *
 * ordinal_predict_prob(theta, beta, x, link): the K category probabilities of one row.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "category.h"

#define LINK_LOGIT	0
#define LINK_PROBIT	1
#define PROB_FLOOR	1e-300
/* param flag of a pass without PROB_FLOOR; above K * 16 + 15 for every K <= INDB_MAX_WIDTH + 1 */
#define ORDINAL_UNFLOORED	(1 << 24)

/* A category's probability from the difference of two CDF values: floored, or as it is */
static inline double
category_prob(double diff, bool floored)
{
	return floored ? fmax(diff, PROB_FLOOR) : diff;
}

static inline double
link_cdf(int link, double z)
{
	return link == LINK_LOGIT ? indb_expit(z) : 0.5 * erfc(-z / M_SQRT2);
}

static inline double
link_pdf(int link, double z)
{
	if (link == LINK_LOGIT)
		return indb_expit(z) * indb_expit(-z);
	return exp(-0.5 * z * z) / sqrt(2.0 * M_PI);
}

/* the derivative of the density: f (1 - 2 F) for the logit, -z f for the probit */
static inline double
link_dpdf(int link, double z, double f)
{
	return link == LINK_LOGIT ? f * (1.0 - 2.0 * indb_expit(z)) : -z * f;
}

/*
 * _ordinal_transition(state, y, x, coef, ncat, link, hessian [, expected [, prob_floor]]).
 * Rows with a NULL y, x or x element are skipped and counted; NULL coef, ncat, link,
 * hessian, expected or prob_floor, expected without hessian, prob_floor false without
 * expected, coef of the wrong length or with NULL elements, NaN or Infinity in y or x, and
 * a y that is not a category index are errors.
 */

/*
 * Adds one row's expected information to the packed triangle tri (width d = nt + k):
 * with F_j = F(theta_j - eta), f_j its density (F_{-1} = 0, F_nt = 1, f_{-1} = f_nt = 0)
 * and pi_j = F_j - F_{j-1} (floored at PROB_FLOOR when floored), d pi_j / d theta_m = f_j [m = j]
 * - f_{j-1} [m = j-1] and d pi_j / d beta = -(f_j - f_{j-1}) x, so
 *   I[theta_m, theta_m] = f_m^2 (1/pi_m + 1/pi_{m+1}),
 *   I[theta_m, theta_{m+1}] = -f_m f_{m+1} / pi_{m+1},
 *   I[theta_m, beta] = -f_m ((f_m - f_{m-1})/pi_m - (f_{m+1} - f_m)/pi_{m+1}) x,
 *   I[beta, beta] = sum_j (f_j - f_{j-1})^2 / pi_j x x^T,
 * computed over a sliding window of three thresholds (no allocation per row).
 */
static void
ordinal_expected_information(double *tri, int d, int nt, int k, int link, const double *theta,
							 double eta, const double *x, bool floored)
{
	double		f_prev = 0.0,
				cdf_prev = 0.0,
				f_cur,
				cdf_cur,
				pi_cur,
				w = 0.0;
	int			m,
				a;

	cdf_cur = link_cdf(link, theta[0] - eta);
	f_cur = link_pdf(link, theta[0] - eta);
	pi_cur = category_prob(cdf_cur - cdf_prev, floored);
	for (m = 0; m < nt; m++)
	{
		double		f_next = 0.0,
					cdf_next = 1.0,
					pi_next,
					c,
				   *row = tri + indb_tri_row(d, m) - m;

		if (m + 1 < nt)
		{
			cdf_next = link_cdf(link, theta[m + 1] - eta);
			f_next = link_pdf(link, theta[m + 1] - eta);
		}
		pi_next = category_prob(cdf_next - cdf_cur, floored);
		row[m] += f_cur * (f_cur / pi_cur) + f_cur * (f_cur / pi_next);
		if (m + 1 < nt)
			row[m + 1] -= f_cur * (f_next / pi_next);
		c = -f_cur * ((f_cur - f_prev) / pi_cur - (f_next - f_cur) / pi_next);
		for (a = 0; a < k; a++)
			row[nt + a] += c * x[a];
		w += (f_cur - f_prev) * ((f_cur - f_prev) / pi_cur);
		if (m + 1 == nt)
			w += f_cur * (f_cur / pi_next);	/* the last category: (0 - f_{nt-1})^2 / pi_nt */
		f_prev = f_cur;
		cdf_prev = cdf_cur;
		f_cur = f_next;
		cdf_cur = cdf_next;
		pi_cur = pi_next;
		if (nt > 256 && (m & 255) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	for (a = 0; a < k; a++)
	{
		int64		r = (int64) nt + a;
		double	   *row = tri + indb_tri_row(d, r) - r + nt;	/* row[b] is I[nt+a][nt+b] */
		double		xa = w * x[a];
		int			b;

		if (k > 256 && (a & 255) == 0)
			CHECK_FOR_INTERRUPTS();
		for (b = a; b < k; b++)
			row[b] += xa * x[b];
	}
}
PG_FUNCTION_INFO_V1(indb_ml_ordinal_trans);
Datum
indb_ml_ordinal_trans(PG_FUNCTION_ARGS)
{
	const char *fname = "ordinal step";
	IndbState  *s = indb_state_arg(fcinfo, 0, INDB_ORDINAL, true, fname);
	int			ncat = indb_ncat_arg(fcinfo, 4, fname);
	int			nt = ncat - 1;
	int			link;
	bool		hessian,
				expected = false,
				floored = true;
	int32		param;
	const double *x;
	const double *coef;
	const double *theta;
	const double *beta;
	double		y,
				eta = 0.0,
				u = 0.0,
				l = 0.0,
				fu = 0.0,
				fl = 0.0,
				prob,
				ga,
				gb;
	int			k,
				kc,
				yi,
				d,
				a,
				b;
	bool		has_null,
				coef_null,
				has_u,
				has_l;
	double	   *grad;

	if (PG_ARGISNULL(3) || PG_ARGISNULL(5) || PG_ARGISNULL(6))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: coef, link and hessian must not be NULL", fname)));
	link = PG_GETARG_INT32(5);
	if (link != LINK_LOGIT && link != LINK_PROBIT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: link %d is neither 0 (logit) nor 1 (probit)", fname, link)));
	hessian = PG_GETARG_BOOL(6);
	if (PG_NARGS() > 7)
	{
		if (PG_ARGISNULL(7))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s: expected must not be NULL", fname)));
		expected = PG_GETARG_BOOL(7);
		if (expected && !hessian)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: the expected information needs hessian true", fname)));
	}
	if (PG_NARGS() > 8)
	{
		if (PG_ARGISNULL(8))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s: prob_floor must not be NULL", fname)));
		floored = PG_GETARG_BOOL(8);
		if (!floored && !expected)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: a pass without the probability floor needs expected true", fname),
					 errhint("prob_floor false is MADlib's Fisher scoring pass: hessian and expected true")));
	}
	param = ncat * 16 + (expected ? 8 : 0) + (hessian ? 4 : 0) + link + (floored ? 0 : ORDINAL_UNFLOORED);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_BYTEA_P(indb_sum_count_skipped(fcinfo, s, INDB_ORDINAL, 0, fname));
	x = indb_vector_arg(fcinfo, 2, &k, &has_null, fname, "the independent variable");
	if (has_null)
		PG_RETURN_BYTEA_P(indb_sum_count_skipped(fcinfo, s, INDB_ORDINAL, 0, fname));
	if (k == 0)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s: the independent variable array is empty", fname),
				 errhint("pass at least one feature, e.g. ARRAY[x1, x2] (no intercept)")));
	if ((int64) nt + k > INDB_MAX_WIDTH)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s: %d thresholds and %d features are above the limit of %d parameters",
						fname, nt, k, INDB_MAX_WIDTH)));
	d = nt + k;
	coef = indb_vector_arg(fcinfo, 3, &kc, &coef_null, fname, "coef");
	if (coef_null)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: coef contains NULL elements", fname)));
	if (kc != d)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s: %d coefficients for %d thresholds and %d features (expected %d: thresholds first)",
						fname, kc, nt, k, d)));
	y = PG_GETARG_FLOAT8(1);
	if (isnan(y) || isinf(y) || !indb_all_finite(x, k))
		indb_error_nonfinite(fname);
	yi = indb_category_index(y, ncat, fname);
	s = indb_sum_state_for_row(fcinfo, s, INDB_ORDINAL, d, param, fname, "coefficient");

	theta = coef;
	beta = coef + nt;
	for (a = 0; a < k; a++)
		eta += beta[a] * x[a];
	has_u = yi < nt;
	has_l = yi > 0;
	prob = 1.0;
	if (has_u)
	{
		u = theta[yi] - eta;
		fu = link_pdf(link, u);
	}
	if (has_l)
	{
		l = theta[yi - 1] - eta;
		fl = link_pdf(link, l);
	}
	prob = (has_u ? link_cdf(link, u) : 1.0) - (has_l ? link_cdf(link, l) : 0.0);
	if (floored && prob < PROB_FLOOR)
		prob = PROB_FLOOR;
	ga = fu / prob;				/* d loglik / du */
	gb = -fl / prob;			/* d loglik / dl */

	s->data[0] += log(prob);
	grad = s->data + 1;
	if (has_u)
		grad[yi] += ga;
	if (has_l)
		grad[yi - 1] += gb;
	for (a = 0; a < k; a++)
		grad[nt + a] -= (ga + gb) * x[a];

	if (expected)
		ordinal_expected_information(s->data + 1 + d, d, nt, k, link, theta, eta, x, floored);
	else if (hessian)
	{
		double	   *tri = s->data + 1 + d;
		double		A = (has_u ? link_dpdf(link, u, fu) / prob : 0.0) - ga * ga;	/* d2/du2 */
		double		B = (has_l ? -link_dpdf(link, l, fl) / prob : 0.0) - gb * gb;	/* d2/dl2 */
		double		C = -ga * gb;	/* d2/du dl */
		double		bb = -(A + 2.0 * C + B);

		/* minus the Hessian; theta_y and theta_{y-1} enter u and l with +1, beta with -x */
		if (has_u)
		{
			double	   *row = tri + indb_tri_row(d, yi) - yi;

			row[yi] += -A;
			for (a = 0; a < k; a++)
				row[nt + a] += (A + C) * x[a];
		}
		if (has_l)
		{
			double	   *row = tri + indb_tri_row(d, yi - 1) - (yi - 1);

			row[yi - 1] += -B;
			if (has_u)
				row[yi] += -C;
			for (a = 0; a < k; a++)
				row[nt + a] += (B + C) * x[a];
		}
		for (a = 0; a < k; a++)
		{
			int64		r = (int64) nt + a;
			double	   *row = tri + indb_tri_row(d, r) - r + nt;	/* row[b] is H[nt+a][nt+b] */
			double		xa = bb * x[a];

			if (k > 256 && (a & 255) == 0)
				CHECK_FOR_INTERRUPTS();
			for (b = a; b < k; b++)
				row[b] += xa * x[b];
		}
	}
	s->n = indb_add_count(s->n, 1);
	PG_RETURN_BYTEA_P(s);
}

PG_FUNCTION_INFO_V1(indb_ml_ordinal_combine);
Datum
indb_ml_ordinal_combine(PG_FUNCTION_ARGS)
{
	return indb_sum_combine(fcinfo, INDB_ORDINAL, "ordinal combine");
}

/*
 * The standard normal CDF by Hart's algorithm 5666 as given by West (2005), the same
 * arithmetic as indb_ml._normal_cdf (PL/pgSQL), so predictions did not change when
 * ordinal_predict_prob moved to C.
 */
static double
hart_normal_cdf(double x)
{
	double		a = fabs(x);
	double		c;

	if (a > 37)
		c = 0;
	else
	{
		double		e = exp(-a * a / 2);

		if (a < 7.07106781186547)
		{
			double		num = ((((((3.52624965998911e-02 * a + 0.700383064443688) * a + 6.37396220353165) * a
								  + 33.912866078383) * a + 112.079291497871) * a + 221.213596169931) * a
							   + 220.206867912376);
			double		den = (((((((8.83883476483184e-02 * a + 1.75566716318264) * a + 16.064177579207) * a
								   + 86.7807322029461) * a + 296.564248779674) * a + 637.333633378831) * a
								+ 793.826512519948) * a + 440.413735824752);

			c = e * num / den;
		}
		else
			c = e / (a + 1 / (a + 2 / (a + 3 / (a + 4 / (a + 0.65))))) / 2.506628274631;
	}
	return x > 0 ? 1 - c : c;
}

/*
 * ordinal_predict_prob(coef_threshold, coef_feature, x, link): P(y = j) for every category
 * in order, from P(y <= j) = F(threshold_j - x.beta). Errors: lengths 2202E, NULL elements
 * 22004, an unknown link 22023.
 */
PG_FUNCTION_INFO_V1(indb_ml_ordinal_predict_prob);
Datum
indb_ml_ordinal_predict_prob(PG_FUNCTION_ARGS)
{
	const char *fname = "ordinal_predict_prob";
	char	   *link_name = text_to_cstring(PG_GETARG_TEXT_PP(3));
	const double *theta;
	const double *beta;
	const double *x;
	int			n,
				k,
				kx,
				i,
				link;
	bool		null_theta,
				null_beta,
				null_x;
	double		xb = 0.0,
				prev = 0.0;
	Datum	   *elems;
	int			dims[1];
	int			lbs[1] = {1};

	beta = indb_vector_arg(fcinfo, 1, &k, &null_beta, fname, "coef_feature");
	x = indb_vector_arg(fcinfo, 2, &kx, &null_x, fname, "the features");
	if (k != kx)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s: %d coefficients but %d features", fname, k, kx),
				 errhint("pass the features in the order and number used to train")));
	if (null_beta || null_x)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: %s contains NULL elements", fname, null_beta ? "coef_feature" : "the feature array"),
				 errhint("fill or skip rows with missing features, e.g. WHERE array_position(x, NULL) IS NULL")));
	if (pg_strcasecmp(link_name, "logit") == 0)
		link = LINK_LOGIT;
	else if (pg_strcasecmp(link_name, "probit") == 0)
		link = LINK_PROBIT;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: unknown link %s", fname, quote_literal_cstr(link_name)),
				 errhint("logit or probit")));
	theta = indb_vector_arg(fcinfo, 0, &n, &null_theta, fname, "coef_threshold");
	if (null_theta)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: coef_threshold contains NULL elements", fname)));
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s: coef_threshold is empty", fname),
				 errhint("a model of K categories has K-1 thresholds")));
	for (i = 0; i < k; i++)
		xb += beta[i] * x[i];
	elems = (Datum *) palloc(sizeof(Datum) * ((Size) n + 1));
	for (i = 0; i < n; i++)
	{
		double		g = theta[i] - xb;
		double		cum;

		if (link == LINK_LOGIT)
			cum = g > 700 ? 1.0 : g < -700 ? 0.0 : 1.0 / (1.0 + exp(-g));
		else
			cum = hart_normal_cdf(g);
		elems[i] = Float8GetDatum(cum - prev);
		prev = cum;
	}
	elems[n] = Float8GetDatum(1.0 - prev);
	dims[0] = n + 1;
	PG_RETURN_ARRAYTYPE_P(construct_md_array(elems, NULL, 1, dims, lbs, FLOAT8OID, sizeof(double),
											 FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}
