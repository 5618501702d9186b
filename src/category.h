/*
 * category.h: argument helpers shared by the category models (mlogit.c, ordinal.c). Their
 * states are plain sums over rows, built and merged by indb_ml.h's indb_sum_* helpers.
 */
#ifndef INDB_ML_CATEGORY_H
#define INDB_ML_CATEGORY_H

#include "indb_ml.h"

/* The dependent as a category index: an integral value in 0 .. ncat-1, else an error naming it. */
extern int	indb_category_index(double y, int ncat, const char *fname);

/* The number-of-categories argument: not NULL, 2 .. INDB_MAX_WIDTH + 1. */
extern int	indb_ncat_arg(FunctionCallInfo fcinfo, int argno, const char *fname);

#endif							/* INDB_ML_CATEGORY_H */
