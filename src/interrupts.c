/*
 * interrupts.c: a way for the Python drivers to notice a cancel, a statement timeout or a
 * terminate while they compute.
 *
 * PostgreSQL's signal handlers only set flags (QueryCancelPending, ProcDiePending); the flags
 * are acted upon at CHECK_FOR_INTERRUPTS(), which the executor calls often but which Python
 * running numpy between two statements never reaches. The drivers call this function through
 * SPI every few tens of milliseconds (indb_ml/core/session.py, Session.check_interrupts), so a
 * pending cancel or timeout becomes an ERROR (SQLSTATE 57014) that PL/Python hands to Python
 * as an exception, and a terminate ends the backend with FATAL (57P01) right there.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"

#include "indb_ml.h"

/* indb_ml._check_interrupts(): CHECK_FOR_INTERRUPTS(), nothing else; takes no arguments. */
PG_FUNCTION_INFO_V1(indb_ml_check_interrupts);
Datum
indb_ml_check_interrupts(PG_FUNCTION_ARGS)
{
	if (PG_NARGS() != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("indb_ml._check_interrupts takes no arguments")));
	CHECK_FOR_INTERRUPTS();
	PG_RETURN_VOID();
}
