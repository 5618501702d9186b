/*
 * margins.c: the per-row work of average marginal effects (MADlib's margins) for linear,
 * logistic and multinomial logistic models, in one aggregate pass at the fitted coefficients.
 *
 * _margins_state(x, coef, design) sums, over the rows, for every target term t and every
 * modelled category j (m of them: 1, or K-1 for the multinomial logit), the row's marginal
 * effect e_tj and its gradient in the coefficients d e_tj / d beta (the Jacobian of the
 * delta method, exact instead of finite differences), and keeps the minimum and maximum of
 * every feature (a constant column has no margin). The driver divides by n.
 *
 * With eta_j = x . beta_j, F the mean (eta; the logistic; the softmax against a reference at
 * 0) and G_jl = dF_j / d eta_l:
 *   continuous basis term b: g = d x / d x_b (1 at b, the partial derivatives of the
 *     interaction columns that contain b), slope_j = g . beta_j,
 *     e_j = sum_l G_jl slope_l,  d e_j / d beta_li = A_jl x_i + G_jl g_i,  A_jl = sum_q
 *     (d G_jq / d eta_l) slope_q;
 *   indicator term b: hi and lo are x with b set to 1 and 0 (its category's other indicators
 *     at 0, interactions recomputed): e_j = F_j(hi) - F_j(lo),
 *     d e_j / d beta_li = G_jl(hi) hi_i - G_jl(lo) lo_i.
 *
 * design is an int4[]: model (0 linear, 1 logit, 2 mlogit), k, m, the number of
 * interactions and each as (position, factors, (basis position, power) per factor), the
 * number of targets and each as (position, indicator 0/1, siblings, sibling positions...).
 * State (INDB_MARGINS, param k, width 2k + T m (1 + m k)): min x, max x, sum e, sum de/dbeta.
 * Rows with a NULL x or x element are skipped and counted; NaN or Infinity is an error.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/memutils.h"

#include "indb_ml.h"

#define MODEL_LINEAR	0
#define MODEL_LOGIT		1
#define MODEL_MLOGIT	2

typedef struct Interaction
{
	int			pos;
	int			nf;
	int		   *basis;
	int		   *power;
} Interaction;

typedef struct Target
{
	int			pos;
	bool		indicator;
	int			ns;
	int		   *sib;
} Target;

/*
 * The parsed design and per-row scratch, cached in fn_extra for the statement and keyed by
 * the design's elements. Everything lives in the design's own memory context, deleted when
 * another design replaces it: a design that changed on every row kept every parsed copy
 * (O(k) scratch each) until the statement ended.
 */
typedef struct Design
{
	MemoryContext cxt;
	int			model,
				k,
				m,
				ni,
				nt;
	int64		width;
	Interaction *inter;
	Target	   *tgt;
	int			rawlen;
	int32	   *raw;
	/* scratch */
	double	   *g,
			   *hi,
			   *lo,
			   *eta,
			   *p,
			   *gmat,
			   *gmat2,
			   *slope,
			   *amat,
			   *fhi;
	bool	   *changed;
} Design;

static void
bad_design(const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("margins: invalid design: %s", why),
			 errhint("the design array is written by indb_ml.margins")));
}

static int
next_int(const int32 *raw, int len, int *at)
{
	if (*at >= len)
		bad_design("too short");
	return raw[(*at)++];
}

static int
position(const int32 *raw, int len, int *at, int k)
{
	int			v = next_int(raw, len, at);

	if (v < 0 || v >= k)
		bad_design("a position out of range");
	return v;
}

static Design *
parse_design(FunctionCallInfo fcinfo, ArrayType *arr)
{
	Design	   *d = (Design *) fcinfo->flinfo->fn_extra;
	MemoryContext mcxt;
	const int32 *raw;
	int			len,
				at = 0,
				i,
				j;
	int64		per_target;

	if (ARR_ELEMTYPE(arr) != INT4OID || ARR_NDIM(arr) != 1 || ARR_HASNULL(arr))
		bad_design("not a one-dimensional int4 array without NULLs");
	len = ARR_DIMS(arr)[0];
	raw = (const int32 *) ARR_DATA_PTR(arr);
	if (d != NULL && d->rawlen == len && memcmp(d->raw, raw, len * sizeof(int32)) == 0)
		return d;

	/* a child of fn_mcxt: if parsing fails, it goes with the statement's memory */
	mcxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "indb_ml margins design", ALLOCSET_DEFAULT_SIZES);
	d = (Design *) MemoryContextAllocZero(mcxt, sizeof(Design));
	d->cxt = mcxt;
	d->model = next_int(raw, len, &at);
	d->k = next_int(raw, len, &at);
	d->m = next_int(raw, len, &at);
	if (d->model < MODEL_LINEAR || d->model > MODEL_MLOGIT)
		bad_design("unknown model");
	if (d->k < 1 || d->k > INDB_MAX_WIDTH || d->m < 1 || d->m > INDB_MAX_WIDTH
		|| (d->model != MODEL_MLOGIT && d->m != 1) || (int64) d->m * d->k > INDB_MAX_WIDTH)
		bad_design("sizes out of range");
	d->ni = next_int(raw, len, &at);
	if (d->ni < 0 || d->ni > d->k)
		bad_design("interaction count out of range");
	d->inter = (Interaction *) MemoryContextAllocZero(mcxt, sizeof(Interaction) * (d->ni + 1));
	for (i = 0; i < d->ni; i++)
	{
		Interaction *it = &d->inter[i];

		it->pos = position(raw, len, &at, d->k);
		it->nf = next_int(raw, len, &at);
		if (it->nf < 1 || it->nf > d->k)
			bad_design("factor count out of range");
		it->basis = (int *) MemoryContextAlloc(mcxt, sizeof(int) * it->nf);
		it->power = (int *) MemoryContextAlloc(mcxt, sizeof(int) * it->nf);
		for (j = 0; j < it->nf; j++)
		{
			it->basis[j] = position(raw, len, &at, d->k);
			it->power[j] = next_int(raw, len, &at);
			if (it->power[j] < 1 || it->power[j] > 64)
				bad_design("a power out of range");
		}
	}
	d->nt = next_int(raw, len, &at);
	if (d->nt < 1 || d->nt > d->k)
		bad_design("target count out of range");
	d->tgt = (Target *) MemoryContextAllocZero(mcxt, sizeof(Target) * d->nt);
	for (i = 0; i < d->nt; i++)
	{
		Target	   *t = &d->tgt[i];

		t->pos = position(raw, len, &at, d->k);
		t->indicator = next_int(raw, len, &at) != 0;
		t->ns = next_int(raw, len, &at);
		if (t->ns < 0 || t->ns > d->k)
			bad_design("sibling count out of range");
		t->sib = (int *) MemoryContextAlloc(mcxt, sizeof(int) * (t->ns + 1));
		for (j = 0; j < t->ns; j++)
			t->sib[j] = position(raw, len, &at, d->k);
	}
	if (at != len)
		bad_design("trailing elements");
	per_target = (int64) d->m * (1 + (int64) d->m * d->k);
	d->width = 2 * (int64) d->k + d->nt * per_target;
	if (d->width > INDB_MAX_WIDTH)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("margins: %d terms of %d coefficients need " INT64_FORMAT " sums, above the limit of %d",
						d->nt, d->m * d->k, d->width, INDB_MAX_WIDTH),
				 errhint("ask for fewer terms with marginal_vars")));
	d->rawlen = len;
	d->raw = (int32 *) MemoryContextAlloc(mcxt, sizeof(int32) * (len + 1));
	memcpy(d->raw, raw, sizeof(int32) * len);
	d->g = (double *) MemoryContextAllocZero(mcxt, sizeof(double) * d->k);
	d->hi = (double *) MemoryContextAlloc(mcxt, sizeof(double) * d->k);
	d->lo = (double *) MemoryContextAlloc(mcxt, sizeof(double) * d->k);
	d->eta = (double *) MemoryContextAlloc(mcxt, sizeof(double) * d->m);
	d->p = (double *) MemoryContextAlloc(mcxt, sizeof(double) * d->m);
	d->fhi = (double *) MemoryContextAlloc(mcxt, sizeof(double) * d->m);
	d->slope = (double *) MemoryContextAlloc(mcxt, sizeof(double) * d->m);
	d->gmat = (double *) MemoryContextAlloc(mcxt, sizeof(double) * d->m * d->m);
	d->gmat2 = (double *) MemoryContextAlloc(mcxt, sizeof(double) * d->m * d->m);
	d->amat = (double *) MemoryContextAlloc(mcxt, sizeof(double) * d->m * d->m);
	d->changed = (bool *) MemoryContextAllocZero(mcxt, sizeof(bool) * d->k);
	if (fcinfo->flinfo->fn_extra != NULL)
		MemoryContextDelete(((Design *) fcinfo->flinfo->fn_extra)->cxt);
	fcinfo->flinfo->fn_extra = d;
	return d;
}

/* eta = beta x (m values), the mean F in p and G = dF/deta (m x m, row-major) */
static void
mean_and_slope(const Design *d, const double *x, const double *beta, double *p, double *gmat)
{
	int			m = d->m,
				k = d->k,
				j,
				l,
				i;

	for (j = 0; j < m; j++)
	{
		double		s = 0.0;

		for (i = 0; i < k; i++)
			s += beta[j * k + i] * x[i];
		d->eta[j] = s;
	}
	if (d->model == MODEL_LINEAR)
	{
		p[0] = d->eta[0];
		gmat[0] = 1.0;
	}
	else if (d->model == MODEL_LOGIT)
	{
		p[0] = indb_expit(d->eta[0]);
		gmat[0] = p[0] * (1.0 - p[0]);
	}
	else
	{
		double		top = 0.0,
					total;

		for (j = 0; j < m; j++)
			if (d->eta[j] > top)
				top = d->eta[j];
		total = exp(-top);		/* the reference category, eta 0 */
		for (j = 0; j < m; j++)
		{
			p[j] = exp(d->eta[j] - top);
			total += p[j];
		}
		for (j = 0; j < m; j++)
			p[j] /= total;
		for (j = 0; j < m; j++)
			for (l = 0; l < m; l++)
				gmat[j * m + l] = p[j] * ((j == l ? 1.0 : 0.0) - p[l]);
	}
}

/* out = x with the changed basis columns set, and the interactions that use them recomputed */
static void
recompute_interactions(const Design *d, double *out)
{
	int			i,
				f,
				r;

	for (i = 0; i < d->ni; i++)
	{
		const Interaction *it = &d->inter[i];
		bool		touched = false;
		double		col = 1.0;

		CHECK_FOR_INTERRUPTS();
		for (f = 0; f < it->nf; f++)
			touched |= d->changed[it->basis[f]];
		if (!touched)
			continue;
		for (f = 0; f < it->nf; f++)
			for (r = 0; r < it->power[f]; r++)
				col *= out[it->basis[f]];
		out[it->pos] = col;
	}
}

/* Fold one row's effects and Jacobian rows into effects[T m] and jac[T m][m k]. */
static void
add_row(Design *d, const double *x, const double *beta, double *effects, double *jac)
{
	int			m = d->m,
				k = d->k,
				mk = m * k,
				t,
				j,
				l,
				i,
				f;

	for (t = 0; t < d->nt; t++)
	{
		const Target *tg = &d->tgt[t];
		double	   *eff = effects + (int64) t * m;
		double	   *jt = jac + (int64) t * m * mk;

		CHECK_FOR_INTERRUPTS();	/* with many long interactions one row can take seconds */
		if (tg->indicator)
		{
			memcpy(d->hi, x, sizeof(double) * k);
			memcpy(d->lo, x, sizeof(double) * k);
			memset(d->changed, 0, sizeof(bool) * k);
			for (i = 0; i < tg->ns; i++)
			{
				d->hi[tg->sib[i]] = d->lo[tg->sib[i]] = 0.0;
				d->changed[tg->sib[i]] = true;
			}
			d->hi[tg->pos] = 1.0;
			d->lo[tg->pos] = 0.0;
			d->changed[tg->pos] = true;
			recompute_interactions(d, d->hi);
			recompute_interactions(d, d->lo);
			mean_and_slope(d, d->hi, beta, d->fhi, d->gmat2);
			mean_and_slope(d, d->lo, beta, d->p, d->gmat);
			for (j = 0; j < m; j++)
			{
				eff[j] += d->fhi[j] - d->p[j];
				for (l = 0; l < m; l++)
				{
					double		gh = d->gmat2[j * m + l],
								gl = d->gmat[j * m + l];
					double	   *row = jt + (int64) j * mk + (int64) l * k;

					for (i = 0; i < k; i++)
						row[i] += gh * d->hi[i] - gl * d->lo[i];
				}
			}
			continue;
		}
		/* continuous: g = d x / d x_b (nonzero at b and at interactions containing b) */
		memset(d->g, 0, sizeof(double) * k);
		d->g[tg->pos] = 1.0;
		for (i = 0; i < d->ni; i++)
		{
			const Interaction *it = &d->inter[i];
			int			power = 0;
			double		col = 1.0;

			CHECK_FOR_INTERRUPTS();
			for (f = 0; f < it->nf; f++)
				if (it->basis[f] == tg->pos)
					power += it->power[f];
			if (power == 0)
				continue;
			col = power;
			for (f = 1; f < power; f++)
				col *= x[tg->pos];
			for (f = 0; f < it->nf; f++)
			{
				int			r;

				if (it->basis[f] == tg->pos)
					continue;
				for (r = 0; r < it->power[f]; r++)
					col *= x[it->basis[f]];
			}
			d->g[it->pos] = col;
		}
		mean_and_slope(d, x, beta, d->p, d->gmat);
		for (j = 0; j < m; j++)
		{
			double		s = 0.0;

			for (i = 0; i < k; i++)
				s += d->g[i] * beta[j * k + i];
			d->slope[j] = s;
		}
		/* A_jl = sum_q dG_jq/deta_l slope_q */
		if (d->model == MODEL_LINEAR)
			d->amat[0] = 0.0;
		else if (d->model == MODEL_LOGIT)
			d->amat[0] = d->gmat[0] * (1.0 - 2.0 * d->p[0]) * d->slope[0];
		else
		{
			double		sbar = 0.0;

			for (j = 0; j < m; j++)
				sbar += d->p[j] * d->slope[j];
			for (j = 0; j < m; j++)
				for (l = 0; l < m; l++)
					d->amat[j * m + l] = d->p[j] * ((j == l ? 1.0 : 0.0) - d->p[l]) * (d->slope[j] - sbar)
						- d->p[j] * d->p[l] * (d->slope[l] - sbar);
		}
		for (j = 0; j < m; j++)
		{
			double		e = 0.0;

			for (l = 0; l < m; l++)
			{
				double		a = d->amat[j * m + l],
							gm = d->gmat[j * m + l];
				double	   *row = jt + (int64) j * mk + (int64) l * k;

				e += gm * d->slope[l];
				for (i = 0; i < k; i++)
					row[i] += a * x[i] + gm * d->g[i];
			}
			eff[j] += e;
		}
	}
}

PG_FUNCTION_INFO_V1(indb_ml_margins_trans);
Datum
indb_ml_margins_trans(PG_FUNCTION_ARGS)
{
	const char *fname = "margins";
	IndbState  *s = indb_state_arg(fcinfo, 0, INDB_MARGINS, true, fname);
	Design	   *d;
	const double *x,
			   *coef;
	int			k,
				kc,
				i;
	bool		has_null,
				coef_null;

	if (PG_ARGISNULL(2) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: coef and the design must not be NULL", fname)));
	d = parse_design(fcinfo, PG_GETARG_ARRAYTYPE_P(3));
	if (s == NULL)
		s = indb_state_new(fcinfo, INDB_MARGINS, (int) d->width, d->k, fname);
	else if (s->width != d->width || s->param != d->k)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: the state was started with another design", fname)));
	if (PG_ARGISNULL(1))
	{
		s->skipped = indb_add_count(s->skipped, 1);
		PG_RETURN_BYTEA_P(s);
	}
	x = indb_vector_arg(fcinfo, 1, &k, &has_null, fname, "the independent variable");
	if (has_null)
	{
		s->skipped = indb_add_count(s->skipped, 1);
		PG_RETURN_BYTEA_P(s);
	}
	if (k != d->k)
		indb_error_width(fname, "the model's and the row's feature", d->k, k);
	coef = indb_vector_arg(fcinfo, 2, &kc, &coef_null, fname, "coef");
	if (coef_null || kc != d->m * d->k)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s: %d coefficients for %d x %d, or NULL coefficients", fname, kc, d->m, d->k)));
	if (!indb_all_finite(x, k))
		indb_error_nonfinite(fname);
	if (s->n == 0)
		for (i = 0; i < k; i++)
			s->data[i] = s->data[k + i] = x[i];
	else
		for (i = 0; i < k; i++)
		{
			if (x[i] < s->data[i])
				s->data[i] = x[i];
			if (x[i] > s->data[k + i])
				s->data[k + i] = x[i];
		}
	s->n = indb_add_count(s->n, 1);
	add_row(d, x, coef, s->data + 2 * k, s->data + 2 * k + (int64) d->nt * d->m);
	PG_RETURN_BYTEA_P(s);
}

/* combine: minimum and maximum of the first 2k slots, sums of the others */
PG_FUNCTION_INFO_V1(indb_ml_margins_combine);
Datum
indb_ml_margins_combine(PG_FUNCTION_ARGS)
{
	const char *fname = "margins combine";
	IndbState  *a = indb_state_arg(fcinfo, 0, INDB_MARGINS, true, fname);
	IndbState  *b = indb_state_arg(fcinfo, 1, INDB_MARGINS, false, fname);
	int64		n,
				skipped,
				t;
	int			k;

	if (b == NULL)
	{
		if (a == NULL)
			PG_RETURN_NULL();
		PG_RETURN_BYTEA_P(a);
	}
	if (a == NULL)
		PG_RETURN_BYTEA_P(b);
	indb_state_check_same(a, b, fname);
	k = a->param;
	if (k < 1 || 2 * (int64) k > a->width)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("%s: invalid aggregate state: corrupted header", fname)));
	n = indb_add_count(a->n, b->n);
	skipped = indb_add_count(a->skipped, b->skipped);
	if (b->n > 0)
	{
		if (a->n == 0)
			memcpy(a->data, b->data, sizeof(double) * 2 * k);
		else
			for (t = 0; t < k; t++)
			{
				if (b->data[t] < a->data[t])
					a->data[t] = b->data[t];
				if (b->data[k + t] > a->data[k + t])
					a->data[k + t] = b->data[k + t];
			}
		for (t = 2 * k; t < a->width; t++)
		{
			if ((t & 0xFFFF) == 0)
				CHECK_FOR_INTERRUPTS();
			a->data[t] += b->data[t];
		}
	}
	a->n = n;
	a->skipped = skipped;
	PG_RETURN_BYTEA_P(a);
}
