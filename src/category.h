/*
 * category.h: helpers shared by the summed states of the category models (mlogit.c,
 * ordinal.c). These states are plain sums over rows (log-likelihood, gradient, packed
 * Hessian, score outer products), so merging two of them is adding their slots.
 */
#ifndef INDB_ML_CATEGORY_H
#define INDB_ML_CATEGORY_H

#include "indb_ml.h"

/* a + b for row counts, with an error instead of an overflow (only a forged state can reach it) */
extern int64 indb_add_count(int64 a, int64 b);

/*
 * The state to fold a row into: s itself when its width and param match, a new one of
 * this kind (keeping s's skipped count) when s is NULL or has only counted skipped rows,
 * an error otherwise (what names the argument whose length differs).
 */
extern IndbState *indb_sum_state_for_row(FunctionCallInfo fcinfo, IndbState *s, int kind, int width,
										 int32 param, const char *fname, const char *what);

/* s (or a new width-0 state of this kind) with one more skipped row */
extern IndbState *indb_sum_count_skipped(FunctionCallInfo fcinfo, IndbState *s, int kind, const char *fname);

/* The combine step of a summed state: slot-wise sum, row and skip counts added. */
extern Datum indb_sum_combine(FunctionCallInfo fcinfo, int kind, const char *fname);

/* The dependent as a category index: an integral value in 0 .. ncat-1, else an error naming it. */
extern int	indb_category_index(double y, int ncat, const char *fname);

/* The number-of-categories argument: not NULL, 2 .. INDB_MAX_WIDTH + 1. */
extern int	indb_ncat_arg(FunctionCallInfo fcinfo, int argno, const char *fname);

#endif							/* INDB_ML_CATEGORY_H */
