/*
 * sandwich.c: per-row scores of linear and logistic models at given coefficients, summed
 * into the states that robust and clustered variances, the aggregate path of logistic fits
 * for them, cross-validation and the binomial elastic net need.
 *
 * A row (y, x) at coefficients c has eta = x.c and a residual r and a weight w:
 *   linear:   r = y - eta,                 w = 1
 *   logistic: r = y - p, p = 1/(1+e^-eta), w = p (1 - p)
 * and its score is s = r x. The states are sums over rows (so the combine step adds):
 *   SANDWICH (HC0):  v = sum s, M = sum s s^T = sum r^2 x x^T         (the meat)
 *   SCORE:           v = sum s                                         (one cluster's score)
 *   SANDWICH over SCORE states (clustered): v = sum s_g, M = sum s_g s_g^T
 *   LOGIT (Newton):  log-likelihood, gradient sum r x, Hessian sum max(w, floor) x x^T
 * Symmetric matrices are packed upper triangles (indb_ml.h). Rows with a NULL y, x or x
 * element are skipped and counted; NaN or Infinity in y or x is an error; a logistic y
 * must be 0 or 1; coef must have one element per feature.
 */
#include "postgres.h"

#include <math.h>

#include "miscadmin.h"
#include "utils/array.h"

#include "indb_ml.h"

#define MODEL_LINEAR	0
#define MODEL_LOGIT		1

/* log(1 + e^eta) without overflow */
static inline double
log1pexp(double eta)
{
	return eta > 0 ? eta + log1p(exp(-eta)) : log1p(exp(eta));
}

/*
 * Arguments (state, y, x, coef): false when the row is skipped for a NULL; otherwise y, x,
 * coef and k are set and checked (lengths, finiteness, a 0/1 y for the logistic model).
 */
static bool
read_row(FunctionCallInfo fcinfo, int model, const char *fname, double *y, const double **x,
		 const double **coef, int *k)
{
	int			kc;
	bool		has_null,
				coef_null;

	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: coef must not be NULL", fname)));
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		return false;
	*x = indb_vector_arg(fcinfo, 2, k, &has_null, fname, "the independent variable");
	if (has_null)
		return false;
	indb_check_not_empty(*k, fname);
	*coef = indb_vector_arg(fcinfo, 3, &kc, &coef_null, fname, "coef");
	if (coef_null || kc != *k)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s: %d coefficients for %d features, or NULL coefficients", fname, kc, *k)));
	*y = PG_GETARG_FLOAT8(1);
	if (isnan(*y) || isinf(*y) || !indb_all_finite(*x, *k))
		indb_error_nonfinite(fname);
	if (model == MODEL_LOGIT)
		indb_check_binary(*y, fname);
	return true;
}

/* eta = x.coef, and the row's residual r and weight w for the model */
static inline double
row_score(int model, double y, const double *x, const double *coef, int k, double *eta_out, double *w)
{
	double		eta = indb_dot(x, coef, k);

	*eta_out = eta;
	if (model == MODEL_LINEAR)
	{
		*w = 1.0;
		return y - eta;
	}
	else
	{
		double		p = indb_expit(eta);

		*w = p * (1.0 - p);
		return y - p;
	}
}

/* v += a x; M += c x x^T (M packed upper triangle, k x k) */
static void
fold_row(double *restrict v, double *restrict m, int k, double a, double c, const double *restrict x)
{
	int			i;

	if (v != NULL)
		for (i = 0; i < k; i++)
			v[i] += a * x[i];
	if (m != NULL)
		indb_packed_rank1(m, x, k, c);
}

/* HC0 meat: SANDWICH state, v = sum r x, M = sum r^2 x x^T */
static Datum
hc0_transition(FunctionCallInfo fcinfo, int model, const char *fname)
{
	IndbState  *s = indb_state_arg(fcinfo, 0, INDB_SANDWICH, true, fname);
	const double *x,
			   *coef;
	double		y,
				r,
				eta,
				w;
	int			k;

	if (!read_row(fcinfo, model, fname, &y, &x, &coef, &k))
		PG_RETURN_BYTEA_P(indb_sum_count_skipped(fcinfo, s, INDB_SANDWICH, model, fname));
	s = indb_sum_state_for_row(fcinfo, s, INDB_SANDWICH, k, model, fname, "independent variable");
	r = row_score(model, y, x, coef, k, &eta, &w);
	s->n = indb_add_count(s->n, 1);
	fold_row(s->data, s->data + k, k, r, r * r, x);
	PG_RETURN_BYTEA_P(s);
}

PG_FUNCTION_INFO_V1(indb_ml_hc0_linear_trans);
Datum
indb_ml_hc0_linear_trans(PG_FUNCTION_ARGS)
{
	return hc0_transition(fcinfo, MODEL_LINEAR, "robust variance (linear)");
}

PG_FUNCTION_INFO_V1(indb_ml_hc0_logit_trans);
Datum
indb_ml_hc0_logit_trans(PG_FUNCTION_ARGS)
{
	return hc0_transition(fcinfo, MODEL_LOGIT, "robust variance (logistic)");
}

/* One cluster's score sum: SCORE state, v = sum r x */
static Datum
score_transition(FunctionCallInfo fcinfo, int model, const char *fname)
{
	IndbState  *s = indb_state_arg(fcinfo, 0, INDB_SCORE, true, fname);
	const double *x,
			   *coef;
	double		y,
				r,
				eta,
				w;
	int			k;

	if (!read_row(fcinfo, model, fname, &y, &x, &coef, &k))
		PG_RETURN_BYTEA_P(indb_sum_count_skipped(fcinfo, s, INDB_SCORE, model, fname));
	s = indb_sum_state_for_row(fcinfo, s, INDB_SCORE, k, model, fname, "independent variable");
	r = row_score(model, y, x, coef, k, &eta, &w);
	s->n = indb_add_count(s->n, 1);
	fold_row(s->data, NULL, k, r, 0.0, x);
	PG_RETURN_BYTEA_P(s);
}

PG_FUNCTION_INFO_V1(indb_ml_scores_linear_trans);
Datum
indb_ml_scores_linear_trans(PG_FUNCTION_ARGS)
{
	return score_transition(fcinfo, MODEL_LINEAR, "cluster scores (linear)");
}

PG_FUNCTION_INFO_V1(indb_ml_scores_logit_trans);
Datum
indb_ml_scores_logit_trans(PG_FUNCTION_ARGS)
{
	return score_transition(fcinfo, MODEL_LOGIT, "cluster scores (logistic)");
}

/*
 * Newton state of the logistic log-likelihood at coef: LOGIT state (log-likelihood,
 * gradient sum (y - p) x, Hessian sum max(p (1 - p), floor) x x^T). Argument 4 is the
 * weight floor (0 for the exact Hessian; the elastic net's proximal Newton uses 1e-5).
 */
PG_FUNCTION_INFO_V1(indb_ml_logit_newton_trans);
Datum
indb_ml_logit_newton_trans(PG_FUNCTION_ARGS)
{
	const char *fname = "logistic Newton step";
	IndbState  *s = indb_state_arg(fcinfo, 0, INDB_LOGIT, true, fname);
	const double *x,
			   *coef;
	double		y,
				r,
				eta,
				w,
				floor_w;
	int			k;

	if (PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: the weight floor must not be NULL", fname)));
	floor_w = PG_GETARG_FLOAT8(4);
	if (!(floor_w >= 0.0 && floor_w <= 0.25))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: the weight floor must be in [0, 0.25], not %g", fname, floor_w)));
	if (!read_row(fcinfo, MODEL_LOGIT, fname, &y, &x, &coef, &k))
		PG_RETURN_BYTEA_P(indb_sum_count_skipped(fcinfo, s, INDB_LOGIT, 0, fname));
	s = indb_sum_state_for_row(fcinfo, s, INDB_LOGIT, k, 0, fname, "independent variable");
	r = row_score(MODEL_LOGIT, y, x, coef, k, &eta, &w);
	if (w < floor_w)
		w = floor_w;
	s->n = indb_add_count(s->n, 1);
	s->data[0] += y * eta - log1pexp(eta);
	fold_row(s->data + 1, s->data + 1 + k, k, r, w, x);
	PG_RETURN_BYTEA_P(s);
}

/*
 * Clustered meat: folds one cluster's SCORE state s_g into a SANDWICH state (v += s_g,
 * M += s_g s_g^T; rows used and skipped add up). NULL and all-skipped clusters add counts only.
 */
PG_FUNCTION_INFO_V1(indb_ml_cluster_meat_trans);
Datum
indb_ml_cluster_meat_trans(PG_FUNCTION_ARGS)
{
	const char *fname = "clustered variance";
	IndbState  *s = indb_state_arg(fcinfo, 0, INDB_SANDWICH, true, fname);
	IndbState  *g = indb_state_arg(fcinfo, 1, INDB_SCORE, false, fname);
	int64		n,
				skipped;

	if (g == NULL)
	{
		if (s == NULL)
			PG_RETURN_NULL();
		PG_RETURN_BYTEA_P(s);
	}
	if (g->width == 0 || g->n == 0)
	{
		if (s == NULL)
			s = indb_state_new(fcinfo, INDB_SANDWICH, 0, g->param, fname);
		s->skipped = indb_add_count(s->skipped, g->skipped);
		PG_RETURN_BYTEA_P(s);
	}
	s = indb_sum_state_for_row(fcinfo, s, INDB_SANDWICH, g->width, g->param, fname, "independent variable");
	n = indb_add_count(s->n, g->n);
	skipped = indb_add_count(s->skipped, g->skipped);
	fold_row(s->data, s->data + g->width, g->width, 1.0, 1.0, g->data);
	s->n = n;
	s->skipped = skipped;
	PG_RETURN_BYTEA_P(s);
}

/* Rows folded into a SCORE state (0 for NULL): clusters with rows are counted with it. */
PG_FUNCTION_INFO_V1(indb_ml_score_rows);
Datum
indb_ml_score_rows(PG_FUNCTION_ARGS)
{
	IndbState  *g = indb_state_arg(fcinfo, 0, INDB_SCORE, false, "cluster scores");

	PG_RETURN_INT64(g == NULL ? 0 : g->n);
}

PG_FUNCTION_INFO_V1(indb_ml_sandwich_combine);
Datum
indb_ml_sandwich_combine(PG_FUNCTION_ARGS)
{
	return indb_sum_combine(fcinfo, INDB_SANDWICH, "sandwich combine");
}

PG_FUNCTION_INFO_V1(indb_ml_score_combine);
Datum
indb_ml_score_combine(PG_FUNCTION_ARGS)
{
	return indb_sum_combine(fcinfo, INDB_SCORE, "score combine");
}

PG_FUNCTION_INFO_V1(indb_ml_logit_newton_combine);
Datum
indb_ml_logit_newton_combine(PG_FUNCTION_ARGS)
{
	return indb_sum_combine(fcinfo, INDB_LOGIT, "logistic Newton combine");
}

/*
 * _logit_newton_folds(y, x, fold, coefs, weight_floor): the logistic Newton sums of every
 * cross-validation fold's model in one pass, without a join. coefs holds F blocks of k
 * coefficients (fold f's model at block f-1; a block whose first value is NaN is not
 * asked for); a row of fold f is added to every asked-for block but its own. State
 * INDB_SCORE (the sums add up on merge), param k, F blocks of [rows, log-likelihood,
 * gradient (k), packed Hessian (k(k+1)/2)]; the header counts the rows read and skipped.
 */
PG_FUNCTION_INFO_V1(indb_ml_logit_newton_folds_trans);
Datum
indb_ml_logit_newton_folds_trans(PG_FUNCTION_ARGS)
{
	const char *fname = "logistic Newton step per fold";
	IndbState  *s = indb_state_arg(fcinfo, 0, INDB_SCORE, true, fname);
	const double *x,
			   *coefs;
	double		y,
				floor_w;
	int			k,
				kc,
				folds,
				fold,
				f,
				i;
	int64		block;
	bool		has_null,
				coef_null;

	if (PG_ARGISNULL(3) || PG_ARGISNULL(4) || PG_ARGISNULL(5))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: the fold, the coefficients and the weight floor must not be NULL", fname)));
	floor_w = PG_GETARG_FLOAT8(5);
	if (!(floor_w >= 0.0 && floor_w <= 0.25))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: the weight floor must be in [0, 0.25], not %g", fname, floor_w)));
	fold = PG_GETARG_INT32(3);
	coefs = indb_vector_arg(fcinfo, 4, &kc, &coef_null, fname, "coefs");
	if (coef_null)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: coefs must not contain NULL", fname)));
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		x = NULL, k = 0, has_null = true;
	else
		x = indb_vector_arg(fcinfo, 2, &k, &has_null, fname, "the independent variable");
	if (has_null)
	{
		if (s == NULL)
			s = indb_state_new(fcinfo, INDB_SCORE, 0, 0, fname);
		s->skipped = indb_add_count(s->skipped, 1);
		PG_RETURN_BYTEA_P(s);
	}
	if (k == 0 || kc == 0 || kc % k != 0)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s: %d coefficients are not whole blocks of %d features", fname, kc, k)));
	folds = kc / k;
	if (fold < 1 || fold > folds)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: fold %d is outside 1..%d", fname, fold, folds)));
	y = PG_GETARG_FLOAT8(1);
	if (isnan(y) || isinf(y) || !indb_all_finite(x, k))
		indb_error_nonfinite(fname);
	indb_check_binary(y, fname);
	block = 2 + k + indb_tri_size(k);
	if ((int64) folds * block > INDB_MAX_WIDTH)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s: %d folds of %d features need more than %d sums", fname, folds, k, INDB_MAX_WIDTH),
				 errhint("use fewer folds or features")));
	if (s == NULL || s->width == 0)
	{
		IndbState  *fresh = indb_state_new(fcinfo, INDB_SCORE, (int) (folds * block), k, fname);

		if (s != NULL)
			fresh->skipped = s->skipped;
		s = fresh;
	}
	else if (s->width != folds * block || s->param != k)
		indb_error_width(fname, "independent variable", s->param, k);
	s->n = indb_add_count(s->n, 1);
	for (f = 0; f < folds; f++)
	{
		const double *c = coefs + (int64) f * k;
		double	   *b = s->data + f * block;
		double		eta = 0.0,
					p,
					w;

		if (f == fold - 1 || isnan(c[0]))
			continue;
		for (i = 0; i < k; i++)
			eta += x[i] * c[i];
		p = indb_expit(eta);
		w = p * (1.0 - p);
		if (w < floor_w)
			w = floor_w;
		b[0] += 1.0;
		b[1] += y * eta - log1pexp(eta);
		fold_row(b + 2, b + 2 + k, k, y - p, w, x);
	}
	PG_RETURN_BYTEA_P(s);
}
