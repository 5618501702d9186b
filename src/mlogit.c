/*
 * mlogit.c: the multinomial logit state family, and the argument helpers that the
 * category models share (category.h).
 *
 * Categories are indices 0 .. K-1 with 0 the reference (the drivers map the dependent's
 * values to them); the other m = K-1 categories have coefficient vectors of k values,
 * laid out category-major in coef[(K-1) k] (coef[j k + a]: category j+1, feature a).
 *
 * _mlogit_step(y, x, coef, K): one Newton step's sums at coef (state INDB_MLOGIT, width
 *   d = (K-1) k, param K): the log-likelihood, the gradient sum_i (1[y_i = j] - p_ij) x_i
 *   and the information matrix sum_i x_i x_i^T p_ij (delta_jl - p_il).
 * _mlogit_meat(y, x, coef, K): the HC0 meat sum_i s_i s_i^T of the per-row scores
 *   s_i = (1[y_i = j] - p_ij) x_i at coef (state INDB_SANDWICH: the score sum, then the
 *   packed matrix).
 * _mlogit_score_sum(y, x, coef, K): the score sum of a set of rows (one cluster; state
 *   INDB_SCORE), the inner level of the clustered meat; the outer level is sandwich.c's
 *   _cluster_meat, and both merge with sandwich.c's combine steps (states that add up).
 *
 * Both d x d matrices per row have the Kronecker form W (x) x x^T with W symmetric m x m,
 * so the matrix is made of m(m+1)/2 distinct k x k blocks (j <= l), each symmetric. The
 * state's tri(d) matrix slots hold those blocks, pair-major (j <= l, row-major), each as its
 * packed upper triangle of k(k+1)/2 values, then zeros up to tri(d)
 * (indb_ml/kernels/mlogregr.py unpack_kronecker rebuilds the d x d matrix). A row then
 * costs k(k+1)/2 products x_a x_b once and one contiguous axpy of them per block.
 *
 * multinom_predict_prob(coef[m][k], x): the K probabilities of one row (reference first).
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"

#include "category.h"

#define STACK_CATS 64
#define XX_STACK	2080		/* k(k+1)/2 for k <= 64 */

/* ---- helpers shared with ordinal.c (category.h) ----------------------------------------- */

int
indb_category_index(double y, int ncat, const char *fname)
{
	if (isnan(y) || isinf(y))
		indb_error_nonfinite(fname);
	if (y != floor(y) || y < 0 || y > (double) (ncat - 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: the dependent value %.17g is not a category index 0 to %d", fname, y, ncat - 1),
				 errhint("the dependent must be an integer category; the drivers map category values to indices")));
	return (int) y;
}

int
indb_ncat_arg(FunctionCallInfo fcinfo, int argno, const char *fname)
{
	int32		ncat;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: the number of categories must not be NULL", fname)));
	ncat = PG_GETARG_INT32(argno);
	if (ncat < 2 || ncat > INDB_MAX_WIDTH + 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: %d categories is outside the supported range 2 to %d", fname, ncat,
						INDB_MAX_WIDTH + 1)));
	return ncat;
}

/* ---- the multinomial logit ------------------------------------------------------------ */

typedef enum MlogitOutput
{
	MLOGIT_NEWTON,				/* INDB_MLOGIT: log-likelihood, gradient, information */
	MLOGIT_MEAT,				/* INDB_SANDWICH: score sum, sum of score outer products */
	MLOGIT_SCORES				/* INDB_SCORE: score sum */
} MlogitOutput;

/*
 * The row's probabilities p[0..m-1] of the non-reference categories (p[j]: category j+1),
 * and its log-likelihood log p_y. Shifted by the largest linear predictor, as scipy's
 * logsumexp, so that no exp overflows.
 */
static double
mlogit_probs(const double *x, int k, const double *coef, int m, int yi, double *p)
{
	double		top = 0.0;		/* the reference category's predictor */
	double		total;
	double		lse;
	double		eta_y = 0.0;
	int			j,
				a;

	for (j = 0; j < m; j++)
	{
		const double *c = coef + (int64) j * k;
		double		e = 0.0;

		for (a = 0; a < k; a++)
			e += c[a] * x[a];
		p[j] = e;
		if (e > top)
			top = e;
	}
	total = exp(-top);
	for (j = 0; j < m; j++)
		total += exp(p[j] - top);
	lse = top + log(total);
	if (yi > 0)
		eta_y = p[yi - 1];
	for (j = 0; j < m; j++)
		p[j] = exp(p[j] - lse);
	return eta_y - lse;
}

/*
 * blocks += W (x) x x^T in the block layout of the file comment: xx (k(k+1)/2 scratch
 * values) gets the products x_a x_b (a <= b), then block (j, l) += W_jl xx for j <= l,
 * with W_jl = p_j (delta_jl - p_l) (the information) or p_j p_l (the meat, p the
 * residuals). W is formed per block: an m x m buffer was up to 800 MB per row (K = 10001).
 */
static void
kronecker_update(double *blocks, int m, int k, const double *x, const double *p, bool information,
				 double *xx)
{
	int64		t = 0;
	int64		size = (int64) k * (k + 1) / 2;
	int			j,
				l,
				a,
				b;

	for (a = 0; a < k; a++)
	{
		double		xa = x[a];

		for (b = a; b < k; b++)
			xx[t++] = xa * x[b];
	}
	for (j = 0; j < m; j++)
	{
		if (size * m > 4096)
			CHECK_FOR_INTERRUPTS(); /* a wide row is up to 5e7 multiply-adds */
		for (l = j; l < m; l++)
		{
			double		wjl = information ? p[j] * ((j == l ? 1.0 : 0.0) - p[l]) : p[j] * p[l];
			double	   *dst = blocks;

			blocks += size;
			if (wjl == 0.0)
				continue;
			for (t = 0; t < size; t++)
				dst[t] += wjl * xx[t];
		}
	}
}

/*
 * Shared transition: (state, y, x, coef, ncat). Rows with a NULL y, x or x element are
 * skipped and counted; a NULL coef or ncat, a coef of the wrong length or with NULL
 * elements, NaN or Infinity in y or x, and a y that is not a category index are errors.
 */
static Datum
mlogit_transition(FunctionCallInfo fcinfo, MlogitOutput out, const char *fname)
{
	int			kind = out == MLOGIT_NEWTON ? INDB_MLOGIT : out == MLOGIT_MEAT ? INDB_SANDWICH : INDB_SCORE;
	IndbState  *s = indb_state_arg(fcinfo, 0, kind, true, fname);
	int			ncat = indb_ncat_arg(fcinfo, 4, fname);
	int			m = ncat - 1;
	const double *x;
	const double *coef;
	double		y;
	int			k,
				kc,
				yi,
				d,
				j,
				a;
	bool		has_null,
				coef_null;
	double		pstack[STACK_CATS];
	double		xxstack[XX_STACK];
	double	   *p;
	double		ll;
	double	   *grad;

	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: coef must not be NULL", fname)));
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_BYTEA_P(indb_sum_count_skipped(fcinfo, s, kind, 0, fname));
	x = indb_vector_arg(fcinfo, 2, &k, &has_null, fname, "the independent variable");
	if (has_null)
		PG_RETURN_BYTEA_P(indb_sum_count_skipped(fcinfo, s, kind, 0, fname));
	indb_check_not_empty(k, fname);
	if ((int64) m * k > INDB_MAX_WIDTH)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s: %d categories of %d features is " INT64_FORMAT " parameters, above the limit of %d",
						fname, ncat, k, (int64) m * k, INDB_MAX_WIDTH),
				 errhint("use fewer features or categories")));
	d = m * k;
	coef = indb_vector_arg(fcinfo, 3, &kc, &coef_null, fname, "coef");
	if (coef_null)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: coef contains NULL elements", fname)));
	if (kc != d)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s: %d coefficients for %d categories of %d features (expected %d, category-major)",
						fname, kc, ncat, k, d)));
	y = PG_GETARG_FLOAT8(1);
	if (isnan(y) || isinf(y) || !indb_all_finite(x, k))
		indb_error_nonfinite(fname);
	yi = indb_category_index(y, ncat, fname);
	s = indb_sum_state_for_row(fcinfo, s, kind, d, ncat, fname, "coefficient");

	p = m <= STACK_CATS ? pstack : (double *) palloc(sizeof(double) * m);
	ll = mlogit_probs(x, k, coef, m, yi, p);
	/* from here on p holds the residuals 1[y = j+1] - p_j (the score is r (x) x) */
	if (out != MLOGIT_NEWTON)
	{
		for (j = 0; j < m; j++)
			p[j] = (yi == j + 1 ? 1.0 : 0.0) - p[j];
	}
	grad = s->data + (out == MLOGIT_NEWTON ? 1 : 0);
	if (out == MLOGIT_NEWTON)
	{
		s->data[0] += ll;
		for (j = 0; j < m; j++)
		{
			double		r = (yi == j + 1 ? 1.0 : 0.0) - p[j];

			for (a = 0; a < k; a++)
				grad[(int64) j * k + a] += r * x[a];
		}
	}
	else
	{
		for (j = 0; j < m; j++)
			for (a = 0; a < k; a++)
				grad[(int64) j * k + a] += p[j] * x[a];
	}
	if (out != MLOGIT_SCORES)
	{
		int64		size = (int64) k * (k + 1) / 2;
		double	   *xx = size <= XX_STACK ? xxstack : (double *) palloc(sizeof(double) * size);

		kronecker_update(grad + d, m, k, x, p, out == MLOGIT_NEWTON, xx);
		if (xx != xxstack)
			pfree(xx);
	}
	if (p != pstack)
		pfree(p);
	s->n = indb_add_count(s->n, 1);
	PG_RETURN_BYTEA_P(s);
}

PG_FUNCTION_INFO_V1(indb_ml_mlogit_trans);
Datum
indb_ml_mlogit_trans(PG_FUNCTION_ARGS)
{
	return mlogit_transition(fcinfo, MLOGIT_NEWTON, "mlogit step");
}

PG_FUNCTION_INFO_V1(indb_ml_mlogit_combine);
Datum
indb_ml_mlogit_combine(PG_FUNCTION_ARGS)
{
	return indb_sum_combine(fcinfo, INDB_MLOGIT, "mlogit combine");
}

PG_FUNCTION_INFO_V1(indb_ml_mlogit_meat_trans);
Datum
indb_ml_mlogit_meat_trans(PG_FUNCTION_ARGS)
{
	return mlogit_transition(fcinfo, MLOGIT_MEAT, "mlogit meat");
}

PG_FUNCTION_INFO_V1(indb_ml_mlogit_scores_trans);
Datum
indb_ml_mlogit_scores_trans(PG_FUNCTION_ARGS)
{
	return mlogit_transition(fcinfo, MLOGIT_SCORES, "mlogit score sum");
}

/* ---- prediction ------------------------------------------------------------------------- */

/*
 * multinom_predict_prob(coef, x): coef is 2-D, one row of k coefficients per non-reference
 * category in category order; the result lists the reference category's probability first,
 * then the others'. Errors as the PL/pgSQL version had them: 2202E for shapes, 22004 for NULLs.
 */
PG_FUNCTION_INFO_V1(indb_ml_multinom_predict_prob);
Datum
indb_ml_multinom_predict_prob(PG_FUNCTION_ARGS)
{
	const char *fname = "multinom_predict_prob";
	ArrayType  *carr = PG_GETARG_ARRAYTYPE_P(0);
	ArrayType  *xarr = PG_GETARG_ARRAYTYPE_P(1);
	int			m,
				k,
				i,
				j;
	const double *coef;
	const double *x;
	double	   *p;
	double		top = 0.0,
				total = 0.0;
	Datum	   *elems;
	int			dims[1];
	int			lbs[1] = {1};

	if (ARR_ELEMTYPE(carr) != FLOAT8OID || ARR_ELEMTYPE(xarr) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s: coef and the features must be float8[] arrays", fname)));
	if (ARR_NDIM(carr) != 2)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s: coef must be a 2-D array (one row per non-reference category)", fname),
				 errhint("SELECT array_agg(coef ORDER BY category) FROM the model table")));
	m = ARR_DIMS(carr)[0];
	k = ARR_DIMS(carr)[1];
	if (ARR_NDIM(xarr) != 1 || ARR_DIMS(xarr)[0] != k)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s: %d coefficients per category but %d features", fname, k,
						ARR_NDIM(xarr) == 1 ? ARR_DIMS(xarr)[0] : 0)));
	if (ARR_HASNULL(xarr) && array_contains_nulls(xarr))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: a feature is NULL", fname)));
	if (ARR_HASNULL(carr) && array_contains_nulls(carr))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: a coefficient is NULL", fname)));
	coef = (const double *) ARR_DATA_PTR(carr);
	x = (const double *) ARR_DATA_PTR(xarr);
	p = (double *) palloc(sizeof(double) * (m + 1));
	p[0] = 0.0;
	for (i = 0; i < m; i++)
	{
		const double *c = coef + (int64) i * k;
		double		e = 0.0;

		for (j = 0; j < k; j++)
			e += c[j] * x[j];
		p[i + 1] = e;
		if (e > top)			/* GREATEST(top, e): NaN does not win */
			top = e;
	}
	for (i = 0; i <= m; i++)
	{
		p[i] = exp(p[i] - top);
		total += p[i];
	}
	elems = (Datum *) palloc(sizeof(Datum) * (m + 1));
	for (i = 0; i <= m; i++)
		elems[i] = Float8GetDatum(p[i] / total);
	dims[0] = m + 1;
	PG_RETURN_ARRAYTYPE_P(construct_md_array(elems, NULL, 1, dims, lbs, FLOAT8OID, sizeof(double),
											 FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}
