/*
 * guc.c: the memory budget of indb_ml, the one figure every allocation driven by input is
 * checked against before it is made (C states and results here, numpy arrays, loaded
 * matrices and planner intermediates in Python, which reads it through
 * indb_ml._memory_budget_bytes()).
 *
 * Two settings make it:
 * - indb_ml.matrix_memory_mb (any role, default 512): a custom placeholder read as text,
 *   as it always was (values that are not a plain number of MB mean the default);
 * - indb_ml.max_memory_mb (superuser only, default 4096): the hard ceiling, defined here
 *   when the module loads. An ordinary role cannot raise it, and since PostgreSQL 15 a
 *   value it set as a placeholder before the module loaded is dropped (with a WARNING)
 *   when the real setting is defined.
 * The budget is min(matrix_memory_mb, max_memory_mb).
 *
 * _PG_init also defines indb_ml.clean_errors and installs the error hook it governs
 * (clean_errors.c).
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "indb_ml.h"

#define DEFAULT_MATRIX_MB	512
#define DEFAULT_MAX_MB		4096

static int	max_memory_mb = DEFAULT_MAX_MB;

void		_PG_init(void);

void
_PG_init(void)
{
	DefineCustomIntVariable("indb_ml.max_memory_mb",
							"Hard ceiling on indb_ml's memory budget (superuser only).",
							"The budget every allocation driven by input is checked against is "
							"min(indb_ml.matrix_memory_mb, indb_ml.max_memory_mb); ordinary roles "
							"may lower indb_ml.matrix_memory_mb but cannot go above this.",
							&max_memory_mb,
							DEFAULT_MAX_MB,
							1,
							PG_INT32_MAX,
							PGC_SUSET,
							GUC_UNIT_MB,
							NULL, NULL, NULL);
	DefineCustomBoolVariable("indb_ml.clean_errors",
							 "Report indb_ml's errors without PL/Python's exception-class prefix and traceback.",
							 "On: a message reads as its text (no \"plpy.Error: \"), CONTEXT keeps no Python "
							 "traceback (it goes to the server log at DEBUG2). Off: PL/Python's own format.",
							 &indb_clean_errors,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);
	indb_install_clean_errors();
}

/*
 * indb_ml.matrix_memory_mb in MB: a plain non-negative decimal number (leading zeros and
 * all), else the default, as the Python side always read it. Digits beyond INT_MAX
 * saturate: the ceiling is below anyway.
 */
static int64
matrix_memory_mb(void)
{
	const char *value = GetConfigOption("indb_ml.matrix_memory_mb", true, false);
	int64		mb = 0;
	const char *p;

	if (value == NULL || value[0] == '\0')
		return DEFAULT_MATRIX_MB;
	for (p = value; *p; p++)
	{
		if (*p < '0' || *p > '9')
			return DEFAULT_MATRIX_MB;
		if (mb < PG_INT32_MAX)
			mb = mb * 10 + (*p - '0');
	}
	return mb;
}

int64
indb_budget_bytes(void)
{
	int64		mb = matrix_memory_mb();

	if (mb > max_memory_mb)
		mb = max_memory_mb;
	return mb * 1024 * 1024;
}

int64
indb_state_budget_bytes(void)
{
	int64		mb = matrix_memory_mb();

	/*
	 * 0 is how a session sends every trainer to its aggregate passes (no rows held in
	 * memory); the passes' own states then keep the default cap, under the ceiling.
	 */
	if (mb == 0)
		mb = DEFAULT_MATRIX_MB;
	if (mb > max_memory_mb)
		mb = max_memory_mb;
	return mb * 1024 * 1024;
}

/* indb_ml._memory_budget_bytes(): the budget in bytes, for the Python side */
PG_FUNCTION_INFO_V1(indb_ml_memory_budget_bytes);
Datum
indb_ml_memory_budget_bytes(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(indb_budget_bytes());
}

/* indb_ml._state_budget_bytes(): that of aggregate states and their final steps */
PG_FUNCTION_INFO_V1(indb_ml_state_budget_bytes);
Datum
indb_ml_state_budget_bytes(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(indb_state_budget_bytes());
}
