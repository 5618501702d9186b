/*
 * row_args.c: a row given as separate float8 arguments (VARIADIC "any"), for the
 * transition functions whose driver lists the features one by one.
 *
 * An aggregate over ARRAY[y, x1, ..., xk] pays for building that array on every row (the
 * "input floor", about 2.5x a plain scan at ten features); the drivers know the columns,
 * so the column forms (_pack_rows, _linregr_cols, _logregr_step_cols) take them as
 * arguments; this file checks them and reads them into a buffer on the stack.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"

#include "indb_ml.h"

/*
 * Errors unless arguments first..nargs-1 are float8 passed one by one (not a VARIADIC
 * array), and there are at least min_values and at most INDB_ROW_ARGS of them. The check walks the call's
 * expression, so it is made once per call site and remembered in fn_extra: a function that
 * calls this must not use fn_extra for anything else.
 */
void
indb_check_row_args(FunctionCallInfo fcinfo, int first, int min_values, const char *fname)
{
	static const char checked = 1;	/* fn_extra marker: a constant, never written */
	int			i;

	if (fcinfo->flinfo->fn_extra == &checked)
		return;
	if (get_fn_expr_variadic(fcinfo->flinfo))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s takes its columns as separate arguments, not as a VARIADIC array", fname)));
	if (fcinfo->nargs <= first)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s needs at least one column", fname)));
	if (min_values > 0 && fcinfo->nargs - first < min_values)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s needs the dependent variable and at least one feature", fname),
				 errhint("list them as separate arguments: y, x1, ..., xk")));
	if (fcinfo->nargs - first > INDB_ROW_ARGS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s takes at most %d columns", fname, INDB_ROW_ARGS)));
	for (i = first; i < fcinfo->nargs; i++)
	{
		Oid			type = get_fn_expr_argtype(fcinfo->flinfo, i);

		if (type != FLOAT8OID)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("%s: argument %d has type %s; every column must be float8", fname, i,
							type == InvalidOid ? "unknown" : format_type_be(type)),
					 errhint("cast it, e.g. (col)::float8")));
	}
	fcinfo->flinfo->fn_extra = (void *) &checked;
}

/*
 * Arguments first..nargs-1 into row[] (room for INDB_ROW_ARGS values); false when one is
 * NULL (the row is then skipped by the caller). The number of values is nargs - first.
 */
bool
indb_row_args(FunctionCallInfo fcinfo, int first, int min_values, double *row, const char *fname)
{
	int			i;

	indb_check_row_args(fcinfo, first, min_values, fname);
	/* checked once per call site above; again here, so row[] is safe whatever the caller */
	if (unlikely(fcinfo->nargs - first > INDB_ROW_ARGS))
		elog(ERROR, "%s: %d columns, more than %d", fname, fcinfo->nargs - first, INDB_ROW_ARGS);
	for (i = first; i < fcinfo->nargs; i++)
	{
		if (PG_ARGISNULL(i))
			return false;
		row[i - first] = PG_GETARG_FLOAT8(i);
	}
	return true;
}
