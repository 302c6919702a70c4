/*-------------------------------------------------------------------------
 *
 * backfill.c
 *	  Batched backfills: CALL migration_guard.backfill(...) updates a big
 *	  live table in small committed batches, resumable, throttled and
 *	  exactly once.
 *
 *	  The procedure is written in C so that it can commit: called at top
 *	  level (a non-atomic CallContext) it connects SPI non-atomically and
 *	  commits after every batch.  Each batch is one transaction holding:
 *	    - one UPDATE of the key range (cursor, end] (or of a page range),
 *	      under a short lock_timeout, inside a subtransaction so that a lock
 *	      timeout can be retried without losing the procedure, and
 *	    - the job row's new cursor and counters (backfill_job.c).
 *	  A crash, cancel or restart therefore loses at most the batch in
 *	  flight and never applies one twice: the cursor moves only with the
 *	  rows it covers.
 *
 *	  Between batches, with no locks held, the loop obeys
 *	  backfill_pause/backfill_cancel, holds while replicas lag, adapts the
 *	  batch size to a target batch time, backs off when its row locks made
 *	  other sessions wait, and reports progress.
 *
 *	  This file owns the entry point: the SQL-callable procedure, the
 *	  checks of its arguments and the set-up of a run.  The job itself is
 *	  run by backfill_run.c.
 *
 * IDENTIFICATION
 *	  src/backfill.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "backfill.h"
#include "backfill_run.h"

PG_FUNCTION_INFO_V1(mg_backfill);

/* ---------- arguments ---------- */

static double
interval_ms(Interval *iv)
{
	return iv->time / 1000.0 + (iv->day + iv->month * 30.0) * 86400000.0;
}

static int
positive_int_arg(FunctionCallInfo fcinfo, int argno, const char *argname)
{
	int			v;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", argname)));
	v = PG_GETARG_INT32(argno);
	if (v <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be greater than zero", argname),
				 errdetail("The value given is %d.", v)));
	return v;
}

/* An interval argument in ms; null_ms if NULL (a "no limit" default). */
static double
interval_arg(FunctionCallInfo fcinfo, int argno, const char *argname, double null_ms)
{
	double		ms;

	if (PG_ARGISNULL(argno))
		return null_ms;
	ms = interval_ms(PG_GETARG_INTERVAL_P(argno));
	if (ms < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be negative", argname)));
	/* the range of the millisecond settings (lock_timeout, ...) */
	if (ms > INT_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s is out of range", argname),
				 errdetail("The largest value accepted is %d milliseconds (about 24 days).", INT_MAX)));
	return ms;
}

/* An argument whose NULL has no documented meaning (e.g. lock_timeout). */
static void
not_null_arg(FunctionCallInfo fcinfo, int argno, const char *argname)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", argname)));
}

static void
read_options(FunctionCallInfo fcinfo, BackfillOptions *opt)
{
	/* only where_clause, max_rows and max_replication_lag mean something NULL */
	not_null_arg(fcinfo, 7, "target_batch_time");
	not_null_arg(fcinfo, 8, "pause");
	not_null_arg(fcinfo, 10, "lock_timeout");
	not_null_arg(fcinfo, 12, "dry_run");
	opt->batch_size = positive_int_arg(fcinfo, 4, "batch_size");
	opt->min_batch_size = positive_int_arg(fcinfo, 5, "min_batch_size");
	opt->max_batch_size = positive_int_arg(fcinfo, 6, "max_batch_size");
	if (opt->min_batch_size > opt->max_batch_size)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_batch_size (%d) must not exceed max_batch_size (%d)",
						opt->min_batch_size, opt->max_batch_size)));
	/* The first batch size is the caller's; the clamps bound adaptation. */
	opt->min_batch_size = Min(opt->min_batch_size, opt->batch_size);
	opt->max_batch_size = Max(opt->max_batch_size, opt->batch_size);
	opt->target_ms = interval_arg(fcinfo, 7, "target_batch_time", 0);
	opt->pause_ms = interval_arg(fcinfo, 8, "pause", 0);
	opt->max_rows = 0;
	if (!PG_ARGISNULL(9))
	{
		opt->max_rows = PG_GETARG_INT64(9);
		if (opt->max_rows <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("max_rows must be greater than zero"),
					 errhint("Pass NULL for no limit.")));
	}
	opt->lock_timeout_ms = interval_arg(fcinfo, 10, "lock_timeout", 0);
	/* below a millisecond, lock_timeout would round to 0: wait forever */
	if (opt->lock_timeout_ms > 0 && opt->lock_timeout_ms < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lock_timeout must be at least 1 millisecond"),
				 errdetail("PostgreSQL's lock_timeout counts whole milliseconds; a shorter one would mean no timeout.")));
	opt->max_lag_ms = interval_arg(fcinfo, 11, "max_replication_lag", -1);
	opt->dry_run = PG_GETARG_BOOL(12);
}

/*
 * CALL migration_guard.backfill(name, relation, set_clause, where_clause,
 *     batch_size, min_batch_size, max_batch_size, target_batch_time, pause,
 *     max_rows, lock_timeout, max_replication_lag, dry_run)
 */
Datum
mg_backfill(PG_FUNCTION_ARGS)
{
	bool		nonatomic = fcinfo->context &&
		IsA(fcinfo->context, CallContext) &&
		!castNode(CallContext, fcinfo->context)->atomic;
	BackfillRun *run;
	char	   *name;
	Oid			relid;
	char	   *set_clause;
	char	   *where_clause;
	BackfillOptions opt;
	MGBackfillPlan *plan;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null",
						PG_ARGISNULL(0) ? "name" : PG_ARGISNULL(1) ? "relation" : "set_clause")));
	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (name[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("backfill name must not be empty")));
	relid = PG_GETARG_OID(1);
	set_clause = text_to_cstring(PG_GETARG_TEXT_PP(2));
	where_clause = PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3));
	read_options(fcinfo, &opt);

	if (!nonatomic && !opt.dry_run)
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("migration_guard.backfill must be called at top level, outside a transaction block"),
				 errdetail("It commits after every batch, which is impossible inside a transaction block or a function, or when called from a procedure that is SECURITY DEFINER or has a SET clause."),
				 errhint("Run the CALL as its own statement in autocommit mode: in psql outside BEGIN/COMMIT; in Alembic inside op.get_context().autocommit_block(); in Django in a migration with atomic = False; in Rails after disable_ddl_transaction!.")));

	SPI_connect_ext(nonatomic ? SPI_OPT_NONATOMIC : 0);

	run = palloc0(sizeof(BackfillRun));
	run->name = name;
	run->opt = opt;
	run->batch_size = opt.batch_size;
	run->runcxt = CurrentMemoryContext;
	run->curcxt = AllocSetContextCreate(run->runcxt, "backfill cursor", ALLOCSET_SMALL_SIZES);
	run->batchcxt = AllocSetContextCreate(run->runcxt, "backfill batch", ALLOCSET_DEFAULT_SIZES);
	run->call_start = run->last_account = run->last_notice = GetCurrentTimestamp();
	run->last_lag_check = 0;
	run->total_estimate = -1;

	/* Everything that can be wrong with the arguments fails here. */
	plan = mg_bf_plan_create(relid, set_clause, where_clause);
	run->plan = plan;
	PG_TRY();
	{
		mg_bf_plan_prepare(plan);
		if (plan->method == MG_BF_CTID)
			run->tuples_per_page = mg_bf_tuples_per_page(relid);
		if (opt.dry_run)
			mg_bf_dry_run(run);
		else
			mg_bf_run_job_locked(run);
	}
	PG_FINALLY();
	{
		mg_bf_plan_free(plan);
	}
	PG_END_TRY();

	SPI_finish();
	PG_RETURN_VOID();
}
