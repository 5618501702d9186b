/*
 * indb_ml.h: the aggregate states of indb_ml's C module and the checks every C function
 * makes on its arguments.
 *
 * The C module holds only per-row work: aggregate transition, combine and cheap final
 * functions, and per-row prediction. Everything else (drivers, statistics, planning) is
 * Python. A state is a bytea that starts with a fixed header (magic, version, kind,
 * width, row counts) followed by float8 slots whose number is a function of the kind and
 * width, so a state from anywhere (a parallel worker, a Citus shard, a bytea literal) is
 * checked before it is read: a corrupted or foreign state is an error, never a crash.
 */
#ifndef INDB_ML_H
#define INDB_ML_H

#include "postgres.h"

#include <math.h>

#include "common/int.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"

/*
 * The co-moment fold (the hot loop of linregr, gram and every least-squares pass) gets a
 * second build for x86-64 machines with AVX2 and FMA (x86-64-v3), chosen when the module loads (GCC's
 * target_clones, through an ifunc): the binary still runs on any x86-64. 50 features:
 * the co-moment pass 0.76 s -> 0.59 s over 1M rows.
 */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define INDB_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define INDB_CLONES
#endif

#define INDB_STATE_MAGIC	0x534C4D49	/* "IMLS" read as a little-endian uint32 */
#define INDB_STATE_VERSION	1

/* Widths above this are refused whatever the memory budget says (k^2 doubles). */
#define INDB_MAX_WIDTH		10000

typedef enum IndbStateKind
{
	INDB_COMOMENT = 1,			/* count, means, centred co-moments of z (linregr, gram, xty) */
	INDB_LOGIT = 2,				/* log-likelihood, gradient, Hessian of logistic regression */
	INDB_GLM = 3,				/* one IRLS step of a GLM: sums, X'Wz, X'WX */
	/*
	 * Newton states over d parameters (width = d; param: the number of categories K): the
	 * log-likelihood, its gradient and its packed Hessian, 1 + d + d(d+1)/2 slots.
	 * Multinomial logit: d = (K-1) k. Ordinal: d = (K-1) thresholds + k.
	 */
	INDB_MLOGIT = 4,
	INDB_ORDINAL = 5,
	/* sums for variances and margins (width = d): a d-vector and a packed d x d matrix */
	INDB_SANDWICH = 6,
	INDB_SCORE = 7,				/* a d-vector of sums (per-cluster score sums; width = d) */
	/* margins (width = all slots, param = k): min and max of x (2k), then summed effects and Jacobians */
	INDB_MARGINS = 8,
	/* rows packed for Python (pack.c: width = columns, n rows of float8 follow; never read by C) */
	INDB_PACKED_ROWS = 9,
	/* MADlib's elastic-net IGD (enet_igd.c: width = k, param = family * 2 + standardized) */
	INDB_ENET_IGD = 10,
	/* MADlib's logistic IGD (logregr_igd.c: width = k, param = 1 when the previous coefficients are given) */
	INDB_LOGIT_IGD = 11,
	INDB_KIND_LIMIT = 16		/* kinds below this are reserved for the C module */
} IndbStateKind;

/*
 * The header of every state, 40 bytes so that data[] is 8-byte aligned whenever the
 * varlena itself is (palloc'd states always are; indb_state_arg copies the others).
 */
typedef struct IndbState
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	uint32		magic;			/* INDB_STATE_MAGIC */
	uint16		version;		/* INDB_STATE_VERSION */
	uint16		kind;			/* IndbStateKind */
	int32		width;			/* columns the state is about (k, or k+1 with y); 0: none seen yet */
	int32		param;			/* kind-specific small integer (GLM: family * 16 + link) */
	int32		reserved;		/* zero */
	int64		n;				/* rows folded in */
	int64		skipped;		/* rows skipped for a NULL */
	double		data[FLEXIBLE_ARRAY_MEMBER];	/* kind-specific slots */
} IndbState;

#define INDB_STATE_HEADER	offsetof(IndbState, data)

/*
 * Number of float8 slots after the header for a kind and width (-1 if the kind is unknown).
 * Width 0 is a state that has only counted skipped rows: no row has fixed its width yet.
 */
extern int64 indb_state_slots(int kind, int width);

/* Packed upper triangle (row-major, i <= j) of a w x w symmetric matrix. */
static inline int64
indb_tri_size(int64 w)
{
	return w * (w + 1) / 2;
}

static inline int64
indb_tri_row(int64 w, int64 i)
{
	/* offset of element (i, i): rows 0..i-1 hold w, w-1, ..., w-i+1 elements */
	return i * w - i * (i - 1) / 2;
}

/*
 * A new zeroed state in the aggregate's memory context (or the current one when not
 * called as an aggregate). Checks the width against INDB_MAX_WIDTH and the size against
 * the memory budget before allocating. fname names the SQL function in errors.
 */
extern IndbState *indb_state_new(FunctionCallInfo fcinfo, int kind, int width, int32 param,
								 const char *fname);

/*
 * The state in argument argno, checked (magic, version, kind, width bounds, exact length),
 * or NULL when the argument is NULL. With for_update, the result may be modified: it is
 * the aggregate's own transition value when called as an aggregate, a copy otherwise.
 */
extern IndbState *indb_state_arg(FunctionCallInfo fcinfo, int argno, int kind, bool for_update,
								 const char *fname);

/*
 * The memory budget in bytes (guc.c): min(indb_ml.matrix_memory_mb, indb_ml.max_memory_mb),
 * the figure the Python side reads through indb_ml._memory_budget_bytes(). States and C
 * results are checked against indb_state_budget_bytes(), the same figure except that
 * matrix_memory_mb = 0 (every trainer on its aggregate passes) leaves them the default cap.
 */
extern int64 indb_budget_bytes(void);
extern int64 indb_state_budget_bytes(void);

/* clean_errors.c: indb_ml.clean_errors and the emit_log_hook it governs (installed by _PG_init) */
extern bool indb_clean_errors;
extern void indb_install_clean_errors(void);

/*
 * Errors unless a result buffer of this many bytes (a k x k matrix from a final function)
 * fits the memory budget and one allocation: call it before allocating.
 */
extern void indb_check_alloc(int64 bytes, const char *fname, const char *what);

/*
 * Errors unless the final step of a fit over a state of this width fits the memory budget:
 * the numpy step that finalizes linregr's co-moments holds about INDB_FINAL_STEP_COPIES
 * width x width float64 matrices (12.7 measured at 9,000 features), many times the packed
 * state. Called when a transition starts a state, so a fit that cannot finish fails at its
 * first row, not after the scan (the Python final step, in parallel mode, cannot read the
 * budget itself). Widths outside 0..INDB_MAX_WIDTH are left to indb_state_new.
 */
#define INDB_FINAL_STEP_COPIES	16
extern void indb_check_final_step(int width, const char *fname);

/* Merge-time check that two states describe the same problem. */
extern void indb_state_check_same(const IndbState *a, const IndbState *b, const char *fname);

/*
 * Summed states (every slot a sum over rows: irls.c, sandwich.c, mlogit.c, ordinal.c).
 *
 * indb_sum_state_for_row: the state to fold a row into: s itself when its width and param
 * match, a new one of this kind (keeping s's skipped count) when s is NULL or has only
 * counted skipped rows, an error otherwise (what names the array whose length differs).
 * indb_sum_count_skipped: s (or a new width-0 state with this param) with one more skipped row.
 * indb_sum_combine: the combine step: slot-wise sum, row and skip counts added; a width-0
 * state adds its skipped count only.
 */
extern IndbState *indb_sum_state_for_row(FunctionCallInfo fcinfo, IndbState *s, int kind, int width,
										 int32 param, const char *fname, const char *what);
extern IndbState *indb_sum_count_skipped(FunctionCallInfo fcinfo, IndbState *s, int kind, int32 param,
										 const char *fname);
extern Datum indb_sum_combine(FunctionCallInfo fcinfo, int kind, const char *fname);

/*
 * A one-dimensional float8 array argument: its elements, or NULL with *has_null set when
 * an element is NULL. A multi-dimensional array is an error; '{}' gives *len = 0.
 */
extern const double *indb_vector_arg(FunctionCallInfo fcinfo, int argno, int *len, bool *has_null,
									 const char *fname, const char *what);

/*
 * Rows given as separate float8 arguments (VARIADIC "any"; row_args.c): at most
 * INDB_ROW_ARGS of them (PostgreSQL passes at most 100 arguments, one is the state).
 * indb_check_row_args: errors unless arguments first.. are float8 passed one by one, at
 * least min_values of them (checked once per call site, remembered in fn_extra: callers
 * must not use fn_extra otherwise). indb_row_args: those arguments into row[], false if
 * one is NULL.
 */
#define INDB_ROW_ARGS	99
extern void indb_check_row_args(FunctionCallInfo fcinfo, int first, int min_values, const char *fname);
extern bool indb_row_args(FunctionCallInfo fcinfo, int first, int min_values, double *row, const char *fname);
/* Errors with the SQLSTATEs the Python drivers use, naming the problem and the fix. */
extern void indb_error_nonfinite(const char *fname) pg_attribute_noreturn();
extern void indb_error_width(const char *fname, const char *what, int expected, int got) pg_attribute_noreturn();
extern void indb_error_empty(const char *fname) pg_attribute_noreturn();
extern void indb_error_not_binary(const char *fname, double y) pg_attribute_noreturn();

/* a + b for row counts, with an error instead of an overflow (only a forged state can reach it) */
static inline int64
indb_add_count(int64 a, int64 b)
{
	int64		sum;

	if (pg_add_s64_overflow(a, b, &sum))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("aggregate state: row count out of range")));
	return sum;
}

/* Errors unless the independent variable array has an element. */
static inline void
indb_check_not_empty(int k, const char *fname)
{
	if (k == 0)
		indb_error_empty(fname);
}

/* Errors unless a logistic dependent variable is 0 or 1 (a boolean is cast to one). */
static inline void
indb_check_binary(double y, const char *fname)
{
	if (y != 0.0 && y != 1.0)
		indb_error_not_binary(fname, y);
}

/* The logistic function 1 / (1 + e^-eta) without overflow (scipy's expit). */
static inline double
indb_expit(double eta)
{
	if (eta >= 0)
		return 1.0 / (1.0 + exp(-eta));
	else
	{
		double		e = exp(eta);

		return e / (1.0 + e);
	}
}

/* x . c with two accumulators (the products' order differs from numpy's by rounding only) */
static inline double
indb_dot(const double *restrict x, const double *restrict c, int k)
{
	double		s0 = 0.0,
				s1 = 0.0;
	int			i;

	for (i = 0; i + 1 < k; i += 2)
	{
		s0 += x[i] * c[i];
		s1 += x[i + 1] * c[i + 1];
	}
	if (i < k)
		s0 += x[i] * c[i];
	return s0 + s1;
}

/*
 * m += w x x^T on a packed upper triangle (k x k). Its rows are consecutive, so one
 * pointer walks them; restrict lets the compiler vectorize the axpy.
 */
static inline void
indb_packed_rank1(double *restrict m, const double *restrict x, int k, double w)
{
	int			i,
				j;

	for (i = 0; i < k; i++)
	{
		const double *restrict xr = x + i;
		double		xi = w * x[i];
		int			len = k - i;

		if (k > 256)
			CHECK_FOR_INTERRUPTS(); /* a wide row is up to 5e7 multiply-adds */
		for (j = 0; j < len; j++)
			m[j] += xi * xr[j];
		m += len;
	}
}

/* True when every value is finite (no NaN, no +-Infinity). */
static inline bool
indb_all_finite(const double *v, int n)
{
	double		acc = 0.0;
	int			i;

	/* v * 0 is 0 for finite v and NaN otherwise: one NaN test for the whole vector */
	for (i = 0; i < n; i++)
		acc += v[i] * 0.0;
	return acc == 0.0;
}

#endif							/* INDB_ML_H */
