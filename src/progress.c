/*
 * progress.c: how far a running indb_ml call is, visible from other sessions.
 *
 * PostgreSQL's command progress reporting (pg_stat_progress_*) keeps, in every backend's
 * PgBackendStatus entry in shared memory, a command code and PGSTAT_NUM_PROGRESS_PARAM int64
 * slots that the backend writes without locks (the changecount protocol) and any session
 * reads. indb_ml reports under a private command code, INDB_ML_PROGRESS_COMMAND, outside
 * core's ProgressCommandType values: core's pg_stat_get_progress_info(cmd) only returns
 * backends reporting the command asked for, and none of the core names maps to this code,
 * so the pg_stat_progress_* views never show it. No shared_preload_libraries, no shared
 * memory of ours, no global state: the slots belong to this backend's status entry.
 *
 * Slots: 0 function code, 1 phase code, 2 iteration, 3 max_iter, 4 rows_done, 5 rows_total,
 * 6 loss (the double's bits copied into an int64), 7 started (TimestampTz of the first
 * report of this function).
 *
 * A command this call runs that reports its own progress (CREATE INDEX, ANALYZE, COPY)
 * replaces ours and ends it; the next report starts ours again. At the end of a call the
 * driver calls _progress_end(); on error AbortTransaction ends it (pgstat_progress_end_command).
 * When track_activities is off nothing is reported (as for core's commands).
 */
#include "postgres.h"

#include <math.h>
#include <string.h>

#include "catalog/pg_authid.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/acl.h"
#include "utils/backend_progress.h"
#include "utils/backend_status.h"
#include "utils/float.h"
#include "utils/timestamp.h"

#include "indb_ml.h"

#define INDB_ML_PROGRESS_COMMAND	((ProgressCommandType) 0x1D5B)
#define N_SLOTS		8
#define N_COLUMNS	11

/* Same visibility rule as pg_stat_get_progress_info (pgstatfuncs.c, HAS_PGSTAT_PERMISSIONS). */
static bool
may_see(Oid role)
{
	return has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS) ||
		has_privs_of_role(GetUserId(), role);
}

/*
 * indb_ml._progress_report(func int, phase int, iteration bigint, max_iter bigint,
 * rows_done bigint, rows_total bigint, loss float8): publish this backend's progress, then
 * CHECK_FOR_INTERRUPTS(). NULL loss is stored as NaN; other NULLs as -1 (unknown).
 */
PG_FUNCTION_INFO_V1(indb_ml_progress_report);
Datum
indb_ml_progress_report(PG_FUNCTION_ARGS)
{
	const int	index[N_SLOTS] = {0, 1, 2, 3, 4, 5, 6, 7};
	int64		val[N_SLOTS];
	double		loss;
	volatile PgBackendStatus *me = MyBEEntry;
	int			i;

	if (PG_NARGS() != 7)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("indb_ml._progress_report takes 7 arguments, got %d", PG_NARGS())));
	for (i = 0; i < 6; i++)
		val[i] = -1;
	if (!PG_ARGISNULL(0))
		val[0] = PG_GETARG_INT32(0);
	if (!PG_ARGISNULL(1))
		val[1] = PG_GETARG_INT32(1);
	for (i = 2; i < 6; i++)
		if (!PG_ARGISNULL(i))
			val[i] = PG_GETARG_INT64(i);
	if (val[0] < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("indb_ml._progress_report: the function code must be a non-negative integer")));
	loss = PG_ARGISNULL(6) ? get_float8_nan() : PG_GETARG_FLOAT8(6);
	StaticAssertStmt(sizeof(double) == sizeof(int64), "double is 64 bits");
	memcpy(&val[6], &loss, sizeof(int64));

	if (me != NULL && pgstat_track_activities)
	{
		if (me->st_progress_command != INDB_ML_PROGRESS_COMMAND ||
			me->st_progress_param[0] != val[0])
		{
			/* clears every slot; started is the time of this first report */
			pgstat_progress_start_command(INDB_ML_PROGRESS_COMMAND, InvalidOid);
			val[7] = GetCurrentTimestamp();
		}
		else
			val[7] = me->st_progress_param[7];
		pgstat_progress_update_multi_param(N_SLOTS, index, val);
	}
	CHECK_FOR_INTERRUPTS();
	PG_RETURN_VOID();
}

/* indb_ml._progress_end(): this backend reports no indb_ml progress any more. */
PG_FUNCTION_INFO_V1(indb_ml_progress_end);
Datum
indb_ml_progress_end(PG_FUNCTION_ARGS)
{
	volatile PgBackendStatus *me = MyBEEntry;

	if (me != NULL && me->st_progress_command == INDB_ML_PROGRESS_COMMAND)
		pgstat_progress_end_command();
	CHECK_FOR_INTERRUPTS();
	PG_RETURN_VOID();
}

/*
 * indb_ml._progress_rows(): one row per backend reporting indb_ml progress: pid, datid,
 * userid, func, phase, iteration, max_iter, rows_done, rows_total, loss, started. The values
 * after userid are NULL for backends of roles the caller has not the privileges of.
 */
PG_FUNCTION_INFO_V1(indb_ml_progress_rows);
Datum
indb_ml_progress_rows(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			n;
	int			b;

	InitMaterializedSRF(fcinfo, 0);
	n = pgstat_fetch_stat_numbackends();
	for (b = 1; b <= n; b++)
	{
		LocalPgBackendStatus *local = pgstat_fetch_stat_local_beentry(b);
		PgBackendStatus *be;
		Datum		values[N_COLUMNS];
		bool		nulls[N_COLUMNS];
		int			i;

		if (local == NULL)
			continue;
		be = &local->backendStatus;
		if (be->st_progress_command != INDB_ML_PROGRESS_COMMAND)
			continue;
		memset(nulls, 0, sizeof(nulls));
		values[0] = Int32GetDatum(be->st_procpid);
		values[1] = ObjectIdGetDatum(be->st_databaseid);
		values[2] = ObjectIdGetDatum(be->st_userid);
		if (may_see(be->st_userid))
		{
			double		loss;

			values[3] = Int32GetDatum((int32) be->st_progress_param[0]);
			values[4] = Int32GetDatum((int32) be->st_progress_param[1]);
			for (i = 2; i < 6; i++)
			{
				values[i + 3] = Int64GetDatum(be->st_progress_param[i]);
				nulls[i + 3] = be->st_progress_param[i] < 0;
			}
			memcpy(&loss, &be->st_progress_param[6], sizeof(double));
			values[9] = Float8GetDatum(loss);
			nulls[9] = isnan(loss);
			values[10] = TimestampTzGetDatum((TimestampTz) be->st_progress_param[7]);
			nulls[10] = be->st_progress_param[7] == 0;
		}
		else
			for (i = 3; i < N_COLUMNS; i++)
				nulls[i] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
