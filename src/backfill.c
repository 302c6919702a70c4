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
 * IDENTIFICATION
 *	  src/backfill.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "pgstat.h"
#include "storage/itemptr.h"
#include "storage/latch.h"
#include "storage/lock.h"
#include "tcop/tcopprot.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/backend_status.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "migration_guard.h"
#include "backfill.h"
#include "stats.h"

PG_FUNCTION_INFO_V1(mg_backfill);

/* A lock timeout is retried this often at one batch size, then halved. */
#define MG_BF_TRIES_PER_SIZE	3
#define MG_BF_BACKOFF_MS		100.0
#define MG_BF_BACKOFF_MAX_MS	5000.0
/* Held and paused jobs re-check this often. */
#define MG_BF_RECHECK_MS		1000.0
/* Replication lag is read at most this often. */
#define MG_BF_LAG_CHECK_MS		250.0
/* A NOTICE at most this often, or at every 10% step. */
#define MG_BF_NOTICE_MS			10000.0

typedef struct BackfillOptions
{
	int			batch_size;		/* the first batch */
	int			min_batch_size;
	int			max_batch_size;
	double		target_ms;		/* 0: fixed batch size */
	double		pause_ms;
	int64		max_rows;		/* 0: no limit */
	double		lock_timeout_ms;
	double		max_lag_ms;		/* < 0: do not check */
	bool		dry_run;
} BackfillOptions;

typedef struct BackfillRun
{
	char	   *name;
	MGBackfillPlan *plan;
	BackfillOptions opt;
	MGBackfillCursor cur;
	MemoryContext runcxt;		/* the CALL */
	MemoryContext curcxt;		/* the cursor's key values */
	MemoryContext batchcxt;		/* one batch */
	int			batch_size;
	double		tuples_per_page;	/* ctid */
	int64		rows_done;		/* all runs */
	int64		keys_done;
	int64		batches;
	int64		total_estimate;
	int64		rows_this_call;
	int			passes;			/* this pass over the key range: 1, 2, ... */
	double		active_seconds; /* all runs, up to this one */
	double		percent;
	bool		percent_null;
	TimestampTz call_start;
	TimestampTz last_account;
	TimestampTz last_notice;
	double		last_notice_percent;
	TimestampTz last_lag_check;
} BackfillRun;

typedef struct BatchResult
{
	bool		done;			/* the range reached the upper bound */
	int64		rows;			/* rows updated */
	int64		keys;			/* rows the range covered */
	Datum	   *end;			/* keyset: last key of the range */
	BlockNumber end_page;		/* ctid: first page after the range */
	double		ms;
	bool		waiters;		/* other sessions waited for our row locks */
} BatchResult;

/* ---------- small helpers ---------- */

static double
interval_ms(Interval *iv)
{
	return iv->time / 1000.0 + (iv->day + iv->month * 30.0) * 86400000.0;
}

static double
ms_since(TimestampTz start)
{
	return (GetCurrentTimestamp() - start) / 1000.0;
}

/* Seconds of this CALL not yet added to the job's active_seconds. */
static double
account(BackfillRun *run)
{
	TimestampTz now = GetCurrentTimestamp();
	double		s = (now - run->last_account) / 1000000.0;

	run->last_account = now;
	run->active_seconds += s;
	return s;
}

/* Sleeps, waking for interrupts (cancel, terminate) at once. */
static void
bf_sleep(double ms)
{
	TimestampTz end = GetCurrentTimestamp() + (TimestampTz) (ms * 1000.0);

	for (;;)
	{
		double		left = (end - GetCurrentTimestamp()) / 1000.0;

		CHECK_FOR_INTERRUPTS();
		if (left <= 0)
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 (long) Max(1.0, Min(left, MG_BF_RECHECK_MS)), PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

static char *
format_ms(double ms)
{
	if (ms < 1000)
		return psprintf("%.0f ms", ms);
	return psprintf("%.1f s", ms / 1000.0);
}

/*
 * SPI leaves the caller in its procedure context; come back.  Shared by
 * the batches and the check before done (backfill_verify.c).
 */
void
mg_bf_exec_plan(SPIPlanPtr p, Datum *values, long count)
{
	MemoryContext cxt = CurrentMemoryContext;
	int			rc = SPI_execute_plan(p, values, NULL, false, count);

	MemoryContextSwitchTo(cxt);
	if (rc < 0)
		elog(ERROR, "backfill statement failed: %s", SPI_result_code_string(rc));
}

/* Commits the batch's transaction and stays in the caller's context. */
void
mg_bf_commit(void)
{
	MemoryContext cxt = CurrentMemoryContext;

	SPI_commit();
	MemoryContextSwitchTo(cxt);
}

static Datum
page_array(BlockNumber page)
{
	Datum		elem = CStringGetTextDatum(psprintf("%u", page));

	return PointerGetDatum(construct_array(&elem, 1, TEXTOID, -1, false, TYPALIGN_INT));
}

static BlockNumber
array_page(Datum array)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;

	deconstruct_array(DatumGetArrayTypeP(array), TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, &n);
	if (n != 1 || nulls[0])
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("backfill job has an invalid page cursor")));
	return (BlockNumber) strtoul(TextDatumGetCString(elems[0]), NULL, 10);
}

/* ---------- arguments ---------- */

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

/* ---------- progress ---------- */

static void
compute_percent(BackfillRun *run)
{
	MGBackfillPlan *plan = run->plan;
	MGBackfillCursor *cur = &run->cur;

	run->percent_null = false;
	if (cur->empty)
		run->percent = 100;
	else if (plan->method == MG_BF_CTID)
		run->percent = cur->end_page > 0 ? 100.0 * cur->next_page / cur->end_page : 100;
	else if (!cur->started)
		run->percent = 0;
	else if (plan->int_key)
	{
		double		first = mg_bf_key_as_int64(plan, cur->first[0]);
		double		hi = mg_bf_key_as_int64(plan, cur->hi[0]);
		double		lo = mg_bf_key_as_int64(plan, cur->lo[0]);

		run->percent = 100.0 * (lo - first + 1) / (hi - first + 1);
	}
	else if (run->total_estimate > 0)
		run->percent = Min(99.9, 100.0 * run->keys_done / run->total_estimate);
	else
		run->percent_null = true;
	if (!run->percent_null)
		run->percent = Max(0.0, Min(100.0, run->percent));
}

static char *
progress_text(BackfillRun *run)
{
	double		secs = run->active_seconds;
	char	   *pct = run->percent_null ? "?" : psprintf("%.1f", run->percent);

	return psprintf("%s%% done, %lld rows updated in %lld batches, %.0f rows/s, batch size %d",
					pct, (long long) run->rows_done, (long long) run->batches,
					secs > 0 ? run->rows_done / secs : 0, run->batch_size);
}

static void
report_activity(BackfillRun *run, const char *state)
{
	pgstat_report_activity(STATE_RUNNING,
						   psprintf("migration_guard.backfill \"%s\" on %s: %s, %s",
									run->name, run->plan->reldisplay, state,
									progress_text(run)));
}

static void
maybe_notice(BackfillRun *run)
{
	bool		step = !run->percent_null &&
		floor(run->percent / 10) > floor(run->last_notice_percent / 10);

	if (!step && ms_since(run->last_notice) < MG_BF_NOTICE_MS)
		return;
	run->last_notice = GetCurrentTimestamp();
	if (!run->percent_null)
		run->last_notice_percent = run->percent;
	ereport(NOTICE,
			(errmsg("backfill \"%s\": %s", run->name, progress_text(run))));
}

/* ---------- one batch ---------- */

static bool
others_wait_for(TransactionId xid)
{
	LOCKTAG		tag;

	if (!TransactionIdIsValid(xid))
		return false;
	SET_LOCKTAG_TRANSACTION(tag, xid);
	return LockHasWaiters(&tag, ExclusiveLock, false);
}

static void
set_batch_lock_timeout(BackfillRun *run)
{
	(void) set_config_option("lock_timeout",
							 psprintf("%.0f", run->opt.lock_timeout_ms),
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL,
							 true, 0, false);
}

/* The keyset batch: find the range's last key, then update the range. */
static void
keyset_batch(BackfillRun *run, int size, BatchResult *res)
{
	MGBackfillPlan *plan = run->plan;
	MGBackfillCursor *cur = &run->cur;
	int			n = plan->nkeys;
	Datum	   *values = palloc(sizeof(Datum) * (2 * n + 1));
	int			i;

	for (i = 0; i < n; i++)
	{
		/* unused by the "from start" statements, but typed all the same */
		values[i] = cur->started ? cur->lo[i] : cur->hi[i];
		values[n + i] = cur->hi[i];
	}
	values[2 * n] = Int64GetDatum((int64) size - 1);

	mg_bf_exec_plan(cur->started ? plan->end_after : plan->end_from_start, values, 1);
	if (SPI_processed == 1)
	{
		res->end = mg_bf_copy_keys(plan, SPI_tuptable->vals[0], SPI_tuptable->tupdesc);
		res->keys = size;
		res->done = false;
	}
	else
	{
		res->end = cur->hi;
		res->done = true;
	}
	SPI_freetuptable(SPI_tuptable);

	for (i = 0; i < n; i++)
		values[n + i] = res->end[i];
	mg_bf_exec_plan(cur->started ? plan->update_after : plan->update_from_start, values, 0);
	res->rows = SPI_processed;
	if (res->done)
		res->keys = res->rows;
}

static void
ctid_batch(BackfillRun *run, int size, BatchResult *res)
{
	MGBackfillCursor *cur = &run->cur;
	BlockNumber pages = (BlockNumber) Max(1.0, ceil(size / run->tuples_per_page));
	BlockNumber last = cur->next_page + Min(pages, cur->end_page - cur->next_page);
	ItemPointerData *lo = palloc(sizeof(ItemPointerData));
	ItemPointerData *hi = palloc(sizeof(ItemPointerData));
	Datum		values[2];

	ItemPointerSet(lo, cur->next_page, 0);
	ItemPointerSet(hi, last, 0);
	values[0] = PointerGetDatum(lo);
	values[1] = PointerGetDatum(hi);
	mg_bf_exec_plan(run->plan->update_ctid, values, 0);
	res->rows = SPI_processed;
	res->keys = (int64) ((last - cur->next_page) * run->tuples_per_page);
	res->end_page = last;
	res->done = last >= cur->end_page;
	/* learn the page density when the statistics had none */
	if (res->rows > 0 && last > cur->next_page)
		run->tuples_per_page = Max(run->tuples_per_page,
								   (double) res->rows / (last - cur->next_page));
}

/*
 * Checks the deferred constraints the batch's UPDATE queued, as SET
 * CONSTRAINTS ALL IMMEDIATE would.  Their violation would otherwise surface
 * only at the batch's COMMIT, where it cannot be caught: the job would be
 * left "running" without its error instead of "failed" with it.
 */
static void
check_deferred_constraints(void)
{
	ConstraintsSetStmt *stmt = makeNode(ConstraintsSetStmt);

	stmt->constraints = NIL;
	stmt->deferred = false;
	PushActiveSnapshot(GetTransactionSnapshot());
	AfterTriggerSetState(stmt);
	PopActiveSnapshot();
}

typedef struct BatchErrorContext
{
	BackfillRun *run;
	int			size;
} BatchErrorContext;

static void
batch_error_callback(void *arg)
{
	BatchErrorContext *ctx = arg;
	BackfillRun *run = ctx->run;

	if (run->plan->method == MG_BF_KEYSET)
		errcontext("backfill \"%s\", batch %lld of up to %d rows after key %s",
				   run->name, (long long) run->batches + 1, ctx->size,
				   run->cur.started ? mg_bf_keys_to_string(run->plan, run->cur.lo) : "(start)");
	else
		errcontext("backfill \"%s\", batch %lld from page %u",
				   run->name, (long long) run->batches + 1, run->cur.next_page);
}

/*
 * Runs one batch in a subtransaction.  On an error other than an
 * interrupt, rolls the subtransaction back and returns false with the
 * error; the procedure's transaction stays usable.
 */
static bool
try_batch(BackfillRun *run, int size, BatchResult *res, ErrorData **edata)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	BatchErrorContext ectx = {run, size};
	ErrorContextCallback callback;
	TimestampTz start = GetCurrentTimestamp();
	bool		ok = true;

	memset(res, 0, sizeof(BatchResult));
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);

	callback.callback = batch_error_callback;
	callback.arg = &ectx;
	callback.previous = error_context_stack;
	error_context_stack = &callback;

	PG_TRY();
	{
		set_batch_lock_timeout(run);
		if (run->plan->method == MG_BF_KEYSET)
			keyset_batch(run, size, res);
		else
			ctid_batch(run, size, res);
		check_deferred_constraints();
		res->ms = ms_since(start);
		res->waiters = others_wait_for(GetCurrentTransactionIdIfAny()) ||
			others_wait_for(GetTopTransactionIdIfAny());

		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		*edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;

		/* A cancel or shutdown ends the CALL; the batch is rolled back. */
		if ((*edata)->sqlerrcode == ERRCODE_QUERY_CANCELED ||
			(*edata)->sqlerrcode == ERRCODE_ADMIN_SHUTDOWN)
		{
			error_context_stack = callback.previous;
			ReThrowError(*edata);
		}
		ok = false;
	}
	PG_END_TRY();
	error_context_stack = callback.previous;
	return ok;
}

static bool
error_is_retryable(ErrorData *edata)
{
	return edata->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE ||
		edata->sqlerrcode == ERRCODE_T_R_DEADLOCK_DETECTED ||
		edata->sqlerrcode == ERRCODE_T_R_SERIALIZATION_FAILURE;
}

/* Records the failure with the job, commits that, and raises the error. */
static void
fail_job(BackfillRun *run, ErrorData *edata)
{
	mg_bf_job_fail(run->name, edata, account(run));
	mg_bf_commit();
	ReThrowError(edata);
}

/*
 * A batch, retried on lock timeouts and deadlocks: MG_BF_TRIES_PER_SIZE
 * tries with exponential backoff at each size, halving the size down to
 * min_batch_size.  Any other error, or the last failure, fails the job.
 */
static void
run_batch(BackfillRun *run, BatchResult *res)
{
	int			tries = 0;
	double		backoff = MG_BF_BACKOFF_MS;

	for (;;)
	{
		ErrorData  *edata = NULL;

		if (try_batch(run, run->batch_size, res, &edata))
			return;
		if (!error_is_retryable(edata))
			fail_job(run, edata);
		if (++tries < MG_BF_TRIES_PER_SIZE)
		{
			bf_sleep(backoff);
			backoff = Min(backoff * 2, MG_BF_BACKOFF_MAX_MS);
			continue;
		}
		if (run->batch_size <= run->opt.min_batch_size)
			fail_job(run, edata);
		run->batch_size = Max(run->opt.min_batch_size, run->batch_size / 2);
		tries = 0;
		ereport(NOTICE,
				(errmsg("backfill \"%s\": %s; retrying with batch size %d",
						run->name, edata->message, run->batch_size)));
		bf_sleep(backoff);
		FreeErrorData(edata);
	}
}

/*
 * The next batch size: halve if our locks made others wait; otherwise
 * move toward target_batch_time, growing at most x1.2 and shrinking at most
 * by half per batch; clamp to [min_batch_size, max_batch_size].
 */
static void
adapt_batch_size(BackfillRun *run, BatchResult *res)
{
	double		size = run->batch_size;
	double		target = run->opt.target_ms;

	if (res->waiters)
		size /= 2;
	else if (target > 0 && !res->done)
	{
		double		ms = Max(res->ms, 0.1);

		if (ms < 0.9 * target)
			size *= Min(1.2, target / ms);
		else if (ms > 1.1 * target)
			size *= Max(0.5, target / ms);
	}
	else
		return;
	size = Max(size, run->opt.min_batch_size);
	size = Min(size, run->opt.max_batch_size);
	run->batch_size = (int) size;
}

/* ---------- between batches ---------- */

static void
cancel_job(BackfillRun *run)
{
	mg_bf_job_set_state(run->name, "cancelled", "cancelled by backfill_cancel()", account(run));
	mg_bf_commit();
	ereport(ERROR,
			(errcode(ERRCODE_MG_BACKFILL_CANCELLED),
			 errmsg("backfill \"%s\" was cancelled", run->name),
			 errdetail("%s.", progress_text(run)),
			 errhint("Every committed batch stays applied. To run it again, remove the job with migration_guard.backfill_forget(%s).",
					 quote_literal_cstr(run->name))));
}

/*
 * Obeys backfill_pause / backfill_cancel; waits while paused.  Returns
 * whether it paused (the job's state is "running" again afterwards).
 */
static bool
obey_control(BackfillRun *run)
{
	char	   *control = mg_bf_job_read_control(run->name);

	if (control == NULL)
		return false;
	if (strcmp(control, "cancel") == 0)
		cancel_job(run);
	if (strcmp(control, "pause") != 0)
		return false;

	mg_bf_job_set_state(run->name, "paused", "paused by backfill_pause()", account(run));
	mg_bf_commit();
	report_activity(run, "paused");
	ereport(NOTICE,
			(errmsg("backfill \"%s\" is paused", run->name),
			 errdetail("%s.", progress_text(run)),
			 errhint("It continues after migration_guard.backfill_resume(%s), or stops after backfill_cancel().",
					 quote_literal_cstr(run->name))));
	for (;;)
	{
		bf_sleep(MG_BF_RECHECK_MS);
		control = mg_bf_job_read_control(run->name);
		mg_bf_commit();
		if (control != NULL && strcmp(control, "cancel") == 0)
			cancel_job(run);
		if (control == NULL || strcmp(control, "pause") != 0)
			break;
	}
	mg_bf_job_set_state(run->name, "running", NULL, account(run));
	mg_bf_commit();
	ereport(NOTICE, (errmsg("backfill \"%s\" resumed", run->name)));
	return true;
}

/* Holds (sleeps and re-checks) while a replica's replay lag is too high. */
static void
hold_for_replication(BackfillRun *run)
{
	bool		held = false;

	if (run->opt.max_lag_ms < 0 || ms_since(run->last_lag_check) < MG_BF_LAG_CHECK_MS)
		return;
	for (;;)
	{
		char	   *standby = NULL;
		double		lag = mg_bf_replication_lag_ms(&standby);

		run->last_lag_check = GetCurrentTimestamp();
		if (lag <= run->opt.max_lag_ms)
			break;
		if (!held)
		{
			char	   *reason = psprintf("replica \"%s\" replay lag %s exceeds max_replication_lag %s",
										  standby ? standby : "?", format_ms(lag),
										  format_ms(run->opt.max_lag_ms));

			mg_bf_job_set_state(run->name, "held", reason, account(run));
			mg_bf_commit();
			report_activity(run, "held");
			ereport(NOTICE, (errmsg("backfill \"%s\" held: %s", run->name, reason)));
			held = true;
		}
		else
			mg_bf_commit();
		bf_sleep(MG_BF_RECHECK_MS);
		if (obey_control(run))
			held = false;		/* report the hold again */
	}
	if (held)
	{
		mg_bf_job_set_state(run->name, "running", NULL, account(run));
		mg_bf_commit();
		ereport(NOTICE, (errmsg("backfill \"%s\" continues: replicas caught up", run->name)));
	}
}

/* ---------- the job ---------- */

static bool
same_text(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/*
 * The job's relation is gone, or a relation of the same name stands in
 * its place: the table was dropped (and re-created) since the job began,
 * and neither its cursor nor its rows done mean anything for this one.
 */
static void
check_relation_recreated(BackfillRun *run, MGBackfillJob *job)
{
	char	   *recorded = mg_bf_recorded_relation(job->key_facts);
	bool		gone = get_rel_name(job->relid) == NULL;

	if (!gone && (recorded == NULL ||
				  strncmp(recorded, run->plan->reldisplay, strlen(run->plan->reldisplay)) != 0 ||
				  recorded[strlen(run->plan->reldisplay)] != ' '))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_MG_BACKFILL_CURSOR_CHANGED),
			 errmsg("backfill \"%s\" cannot resume: its relation was dropped or replaced since it began", run->name),
			 recorded ?
			 errdetail("The job's relation was %s when it began; %s is relation %u now.",
					   recorded, run->plan->reldisplay, run->plan->relid) :
			 errdetail("The job's relation, OID %u, no longer exists; %s is relation %u.",
					   job->relid, run->plan->reldisplay, run->plan->relid),
			 errhint("Start a new job under another name for the new table, then remove this one with migration_guard.backfill_forget(%s).",
					 quote_literal_cstr(run->name))));
}

/*
 * The facts the cursor's meaning depends on (backfill_facts.c) must be
 * those recorded when the job began.  A job begun before 1.1 has none: they
 * are recorded at its first resume, which cannot see what changed before.
 */
static void
check_key_facts(BackfillRun *run, MGBackfillJob *job)
{
	if (strcmp(job->state, "done") == 0 || strcmp(job->state, "cancelled") == 0)
		return;					/* nothing to resume */
	if (mg_bf_check_key_facts(run->name, run->plan, job->key_facts))
		return;
	mg_bf_job_record_facts(run->name, run->plan);
	ereport(NOTICE,
			(errmsg("backfill \"%s\" began before migration_guard 1.1: its key facts are recorded now", run->name),
			 errdetail("From now on a resume refuses if the key's columns, types, collations or index change; changes made before this call cannot be detected."),
			 errhint("If the key of %s changed since the job began, cancel it and start a new job under another name.",
					 run->plan->reldisplay)));
}

/* A resumed job must be the same job. */
static void
check_same_job(BackfillRun *run, MGBackfillJob *job)
{
	MGBackfillPlan *plan = run->plan;
	const char *what = NULL;

	if (job->relid != plan->relid)
		check_relation_recreated(run, job);
	if (job->relid != plan->relid)
		what = "relation";
	else if (!same_text(job->set_clause, plan->set_clause))
		what = "set_clause";
	else if (!same_text(job->where_clause, plan->where_clause))
		what = "where_clause";
	else if (!same_text(job->method, mg_bf_method_name(plan->method)) ||
			 !same_text(job->key_columns,
						OidOutputFunctionCall(F_ARRAY_OUT, mg_bf_key_names_array(plan))))
		what = "batching key";
	if (what)
		ereport(ERROR,
				(errcode(ERRCODE_MG_BACKFILL_ARGS_DIFFER),
				 errmsg("backfill \"%s\" already exists with a different %s", run->name, what),
				 errdetail("A backfill with the same name resumes the existing job, whose relation is %s, set_clause is \"%s\" and where_clause is %s%s%s.",
						   DatumGetCString(DirectFunctionCall1(regclassout, ObjectIdGetDatum(job->relid))),
						   job->set_clause,
						   job->where_clause ? "\"" : "",
						   job->where_clause ? job->where_clause : "NULL",
						   job->where_clause ? "\"" : ""),
				 strcmp(what, "batching key") == 0 ?
				 errhint("The table's key changed since the job began, so its cursor no longer applies. Remove the job with migration_guard.backfill_forget(%s) and start it again, with a where_clause that skips the rows it already updated.",
						 quote_literal_cstr(run->name)) :
				 errhint("Call it with the same arguments to resume it, or choose another name.")));
	check_key_facts(run, job);
}

static void
load_cursor(BackfillRun *run, MGBackfillJob *job)
{
	MGBackfillPlan *plan = run->plan;
	MGBackfillCursor *cur = &run->cur;
	MemoryContext old = MemoryContextSwitchTo(run->runcxt);

	cur->empty = job->upper_null;
	cur->started = !job->cursor_null;
	if (plan->method == MG_BF_KEYSET)
	{
		if (!cur->empty)
		{
			cur->first = mg_bf_text_array_to_keys(plan, job->lower_bound);
			cur->hi = mg_bf_text_array_to_keys(plan, job->upper_bound);
		}
		MemoryContextSwitchTo(run->curcxt);
		if (cur->started)
			cur->lo = mg_bf_text_array_to_keys(plan, job->cursor);
	}
	else
	{
		cur->end_page = job->upper_null ? 0 : array_page(job->upper_bound);
		cur->next_page = job->cursor_null ? 0 : array_page(job->cursor);
		cur->empty = cur->end_page == 0;
	}
	MemoryContextSwitchTo(old);
}

/* Bounds of a new job, captured once: rows inserted later are not ours. */
static void
capture_bounds(BackfillRun *run)
{
	MGBackfillPlan *plan = run->plan;
	MGBackfillCursor *cur = &run->cur;
	MemoryContext old;

	cur->started = false;
	if (plan->method == MG_BF_CTID)
	{
		cur->end_page = mg_bf_relation_pages(plan->relid);
		cur->next_page = 0;
		cur->empty = cur->end_page == 0;
		return;
	}
	mg_bf_exec_plan(plan->bound_first, NULL, 1);
	cur->empty = SPI_processed == 0;
	old = MemoryContextSwitchTo(run->runcxt);
	if (!cur->empty)
		cur->first = mg_bf_copy_keys(plan, SPI_tuptable->vals[0], SPI_tuptable->tupdesc);
	MemoryContextSwitchTo(old);
	SPI_freetuptable(SPI_tuptable);
	if (cur->empty)
		return;
	mg_bf_exec_plan(plan->bound_last, NULL, 1);
	old = MemoryContextSwitchTo(run->runcxt);
	cur->hi = mg_bf_copy_keys(plan, SPI_tuptable->vals[0], SPI_tuptable->tupdesc);
	MemoryContextSwitchTo(old);
	SPI_freetuptable(SPI_tuptable);
}

/* The statement and parameters of the next batch, for EXPLAIN. */
static char *
explain_next_batch(BackfillRun *run, int size)
{
	MGBackfillPlan *plan = run->plan;
	MGBackfillCursor *cur = &run->cur;
	StringInfoData buf;
	const char *sql;
	int			nargs;
	Oid		   *types;
	Datum	   *values;
	uint64		i;
	MemoryContext cxt;
	int			rc;

	if (plan->method == MG_BF_KEYSET)
	{
		int			n = plan->nkeys;
		Datum	   *end = cur->hi;
		int			k;

		values = palloc(sizeof(Datum) * (2 * n + 1));
		types = palloc(sizeof(Oid) * 2 * n);
		for (k = 0; k < n; k++)
		{
			values[k] = cur->started ? cur->lo[k] : cur->hi[k];
			values[n + k] = cur->hi[k];
			types[k] = types[n + k] = plan->keytypes[k];
		}
		values[2 * n] = Int64GetDatum((int64) size - 1);
		mg_bf_exec_plan(cur->started ? plan->end_after : plan->end_from_start, values, 1);
		if (SPI_processed == 1)
			end = mg_bf_copy_keys(plan, SPI_tuptable->vals[0], SPI_tuptable->tupdesc);
		SPI_freetuptable(SPI_tuptable);
		for (k = 0; k < n; k++)
			values[n + k] = end[k];
		sql = cur->started ? plan->update_sql_after : plan->update_sql_from_start;
		nargs = 2 * n;
	}
	else
	{
		BlockNumber pages = (BlockNumber) Max(1.0, ceil(size / run->tuples_per_page));
		ItemPointerData *lo = palloc(sizeof(ItemPointerData));
		ItemPointerData *hi = palloc(sizeof(ItemPointerData));

		ItemPointerSet(lo, cur->next_page, 0);
		ItemPointerSet(hi, Min(cur->next_page + pages, Max(cur->end_page, 1)), 0);
		types = palloc(sizeof(Oid) * 2);
		values = palloc(sizeof(Datum) * 2);
		types[0] = types[1] = TIDOID;
		values[0] = PointerGetDatum(lo);
		values[1] = PointerGetDatum(hi);
		sql = plan->update_sql_ctid;
		nargs = 2;
	}

	cxt = CurrentMemoryContext;
	rc = SPI_execute_with_args(psprintf("EXPLAIN %s", sql), nargs, types, values, NULL,
							   false, 0);
	MemoryContextSwitchTo(cxt);
	if (rc < 0)
		elog(ERROR, "EXPLAIN of the backfill batch failed: %s", SPI_result_code_string(rc));
	initStringInfo(&buf);
	for (i = 0; i < SPI_processed; i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? "\n" : "",
						 SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));
	SPI_freetuptable(SPI_tuptable);
	return buf.data;
}

static char *
describe_plan(BackfillRun *run)
{
	MGBackfillPlan *plan = run->plan;
	MGBackfillCursor *cur = &run->cur;
	char	   *rows = run->total_estimate >= 0 ?
		psprintf("about %lld rows", (long long) run->total_estimate) : "rows not estimated (never analyzed)";

	if (plan->method == MG_BF_CTID)
		return psprintf("ctid ranges over pages 0 .. %u (no usable key), %s", cur->end_page, rows);
	if (cur->empty)
		return psprintf("keyset on (%s); the table is empty", plan->keylist);
	return psprintf("keyset on (%s) from %s to %s, %s", plan->keylist,
					mg_bf_keys_to_string(plan, cur->first),
					mg_bf_keys_to_string(plan, cur->hi), rows);
}

static char *
describe_throttle(BackfillRun *run)
{
	BackfillOptions *o = &run->opt;
	char	   *sizing = o->target_ms > 0 ?
		psprintf("Batches start at %d rows and adapt toward %s each within %d .. %d rows",
				 o->batch_size, format_ms(o->target_ms), o->min_batch_size, o->max_batch_size) :
		psprintf("Batches of %d rows", o->batch_size);

	return psprintf("%s; lock_timeout %s per batch; pause %s between batches; %s%s.",
					sizing, format_ms(o->lock_timeout_ms), format_ms(o->pause_ms),
					o->max_lag_ms >= 0 ?
					psprintf("holds while a replica's replay lag exceeds %s", format_ms(o->max_lag_ms)) :
					"no replication lag check",
					o->max_rows > 0 ? psprintf("; stops after %lld rows", (long long) o->max_rows) : "");
}

static void
dry_run(BackfillRun *run)
{
	capture_bounds(run);
	run->total_estimate = mg_bf_estimate_rows(run->plan->relid);
	ereport(NOTICE,
			(errmsg("backfill \"%s\" (dry run) on %s: %s", run->name,
					run->plan->reldisplay, describe_plan(run)),
			 errdetail("%s", describe_throttle(run))));
	if (run->cur.empty)
		return;
	ereport(NOTICE,
			(errmsg("first batch:\n%s",
					explain_next_batch(run, run->opt.batch_size)),
			 errdetail("Each batch runs, in its own transaction:\n%s",
					   run->plan->method == MG_BF_KEYSET ?
					   run->plan->update_sql_from_start : run->plan->update_sql_ctid)));
}

static void
finish_job(BackfillRun *run, bool verified)
{
	run->percent = 100;
	run->percent_null = false;
	mg_bf_job_finish(run->name, account(run), verified);
	mg_bf_commit();
	ereport(NOTICE,
			(errmsg("backfill \"%s\" is done: %lld rows updated in %lld batches",
					run->name, (long long) run->rows_done, (long long) run->batches),
			 verified ?
			 errdetail("This call updated %lld rows in %.1f s. No row of the job's range matches its where_clause any more.",
					   (long long) run->rows_this_call,
					   ms_since(run->call_start) / 1000.0) :
			 errdetail("This call updated %lld rows in %.1f s. Done is unverified: without a where_clause no check can tell whether a row was missed.",
					   (long long) run->rows_this_call,
					   ms_since(run->call_start) / 1000.0)));
}

/*
 * A pass reached the end of the job's range.  Before the job says done it
 * checks that no row of the range still matches its where_clause: a row
 * whose key the application moved behind the cursor, or that an update
 * carried past a ctid job's pages, was never met.  If some are left, the
 * job is paused with their count, and its next CALL makes another pass
 * (never this one by itself: a where_clause that stays true once a row is
 * done would have set_clause applied twice).
 */
static void
complete_pass(BackfillRun *run)
{
	MGBackfillPlan *plan = run->plan;
	char	   *first = NULL;
	int64		left = 0;
	char	   *reason;

	if (plan->where_clause == NULL)
	{
		finish_job(run, false);
		return;
	}
	report_activity(run, "verifying");
	if (plan->method == MG_BF_CTID)
		left = mg_bf_rows_left_ctid(plan, run->opt.max_batch_size,
									run->tuples_per_page, &first);
	else if (!run->cur.empty)
		left = mg_bf_rows_left_keyset(plan, run->cur.hi, run->opt.max_batch_size,
									  &first);
	if (left == 0)
	{
		finish_job(run, true);
		return;
	}

	reason = left == 1 ?
		psprintf("1 row of its range still matches where_clause after pass %d", run->passes) :
		psprintf("%lld rows of its range still match where_clause after pass %d",
				 (long long) left, run->passes);
	mg_bf_job_rows_left(run->name, left, reason,
						plan->method == MG_BF_CTID ?
						page_array(mg_bf_relation_pages(plan->relid)) : (Datum) 0,
						plan->method != MG_BF_CTID, account(run));
	mg_bf_commit();
	ereport(WARNING,
			(errcode(ERRCODE_MG_BACKFILL_NOT_DONE),
			 errmsg_plural("backfill \"%s\" is not done: %lld row of its range still matches where_clause",
						   "backfill \"%s\" is not done: %lld rows of its range still match where_clause",
						   (unsigned long) Min(left, (int64) ULONG_MAX),
						   run->name, (long long) left),
			 errdetail("Pass %d ended; the first of them is at %s %s. A pass does not meet rows whose key the application moved behind its cursor, nor rows an update carried past the pages of a ctid job.",
					   run->passes, plan->method == MG_BF_CTID ? "ctid" : "key", first),
			 errhint("CALL the backfill again with the same arguments: pass %d goes over the whole range and updates only the rows that still match. If where_clause stays true once a row is done, it cannot tell; cancel the job instead.",
					 run->passes + 1)));
}

static void
advance_cursor(BackfillRun *run, BatchResult *res)
{
	MGBackfillCursor *cur = &run->cur;

	if (run->plan->method == MG_BF_KEYSET)
	{
		MemoryContext old;
		int			i;

		/* res->end lives in the batch context (or is the upper bound) */
		MemoryContextReset(run->curcxt);
		old = MemoryContextSwitchTo(run->curcxt);
		cur->lo = palloc(sizeof(Datum) * run->plan->nkeys);
		for (i = 0; i < run->plan->nkeys; i++)
			cur->lo[i] = datumCopy(res->end[i], run->plan->keybyval[i], run->plan->keylens[i]);
		MemoryContextSwitchTo(old);
	}
	else
		cur->next_page = res->end_page;
	cur->started = true;
}

static Datum
cursor_array(BackfillRun *run)
{
	if (run->plan->method == MG_BF_KEYSET)
		return mg_bf_keys_to_text_array(run->plan, run->cur.lo);
	return page_array(run->cur.next_page);
}

/*
 * Picks up an existing job where its cursor stands.  Returns false if
 * there is nothing to do (it is done already).
 */
static bool
resume_job(BackfillRun *run, MGBackfillJob *job)
{
	MGBackfillPlan *plan = run->plan;

	if (!has_privs_of_role(GetUserId(), job->owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to resume backfill \"%s\"", run->name),
				 errdetail("Only roles with the privileges of role \"%s\", which started it, may resume it.",
						   GetUserNameFromId(job->owner, false))));
	check_same_job(run, job);
	if (strcmp(job->state, "done") == 0)
	{
		ereport(NOTICE,
				(errmsg("backfill \"%s\" is already done: %lld rows updated in %lld batches",
						run->name, (long long) job->rows_done, (long long) job->batches)));
		return false;
	}
	if (strcmp(job->state, "cancelled") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_MG_BACKFILL_CANCELLED),
				 errmsg("backfill \"%s\" was cancelled", run->name),
				 errhint("To run it again, remove the job with migration_guard.backfill_forget(%s).",
						 quote_literal_cstr(run->name))));
	load_cursor(run, job);
	run->rows_done = job->rows_done;
	run->keys_done = job->keys_done;
	run->batches = job->batches;
	run->passes = Max(job->passes, 1);
	run->total_estimate = job->total_estimate > 0 ? job->total_estimate : -1;
	run->active_seconds = job->active_seconds;
	compute_percent(run);
	if (!run->cur.empty)
		(void) explain_next_batch(run, run->batch_size);	/* privileges, plan */
	mg_bf_job_start_run(run->name, "running");
	mg_bf_commit();
	ereport(NOTICE,
			(errmsg("resuming backfill \"%s\" on %s after %lld rows in %lld batches",
					run->name, plan->reldisplay, (long long) job->rows_done,
					(long long) job->batches),
			 run->cur.started && plan->method == MG_BF_KEYSET ?
			 errdetail("It continues after key %s.", mg_bf_keys_to_string(plan, run->cur.lo)) :
			 run->cur.started ? errdetail("It continues at page %u.", run->cur.next_page) : 0));
	return true;
}

/* A new job: captures its bounds and writes its row. */
static void
start_job(BackfillRun *run)
{
	MGBackfillPlan *plan = run->plan;
	MGBackfillCursor *cur = &run->cur;

	capture_bounds(run);
	run->passes = 1;
	run->total_estimate = mg_bf_estimate_rows(plan->relid);
	compute_percent(run);
	if (!cur->empty)
		(void) explain_next_batch(run, run->batch_size);	/* privileges, plan */
	if (plan->method == MG_BF_KEYSET)
		mg_bf_job_insert(run->name, plan,
						 cur->empty ? (Datum) 0 : mg_bf_keys_to_text_array(plan, cur->first),
						 cur->empty,
						 cur->empty ? (Datum) 0 : mg_bf_keys_to_text_array(plan, cur->hi),
						 cur->empty,
						 run->total_estimate, run->batch_size, "running");
	else
		mg_bf_job_insert(run->name, plan, page_array(0), false,
						 page_array(cur->end_page), false,
						 run->total_estimate, run->batch_size, "running");
	mg_bf_commit();
	ereport(NOTICE,
			(errmsg("backfill \"%s\" on %s: %s", run->name, plan->reldisplay,
					describe_plan(run)),
			 errdetail("%s", describe_throttle(run))));
}

/* Stops this CALL after max_rows, leaving the job paused to resume later. */
static void
stop_after_max_rows(BackfillRun *run)
{
	mg_bf_job_set_state(run->name, "paused",
						psprintf("max_rows (%lld) reached", (long long) run->opt.max_rows),
						account(run));
	mg_bf_commit();
	ereport(NOTICE,
			(errmsg("backfill \"%s\" stopped after max_rows: %s", run->name,
					progress_text(run)),
			 errhint("Call it again with the same arguments to continue.")));
}

/*
 * One step of the job: obeys control and holds, runs a batch and commits
 * it with the job's row, then throttles.  Returns false when this CALL is
 * over (the job is done, or max_rows reached).  Allocates in the batch
 * context, which the caller resets.
 */
static bool
job_step(BackfillRun *run)
{
	BatchResult res;
	const char *state = "running";
	const char *reason = NULL;

	CHECK_FOR_INTERRUPTS();
	(void) obey_control(run);
	hold_for_replication(run);

	run_batch(run, &res);
	advance_cursor(run, &res);
	run->rows_done += res.rows;
	run->rows_this_call += res.rows;
	run->keys_done += res.keys;
	run->batches++;
	compute_percent(run);
	if (res.done)
	{
		run->percent = 100;
		run->percent_null = false;
	}
	adapt_batch_size(run, &res);
	if (res.waiters)
	{
		state = "held";
		reason = "other sessions waited for this job's row locks";
	}
	mg_bf_job_record_batch(run->name, cursor_array(run), res.rows, res.keys,
						   run->batch_size, res.ms, account(run),
						   run->percent, run->percent_null, state, reason);
	mg_bf_commit();
	mg_stats_count_backfill_batch(res.rows);
	report_activity(run, state);

	if (res.done)
	{
		complete_pass(run);
		return false;
	}
	maybe_notice(run);
	if (run->opt.max_rows > 0 && run->rows_this_call >= run->opt.max_rows)
	{
		stop_after_max_rows(run);
		return false;
	}
	/* Let the sessions we made wait go first: at most one batch's time. */
	if (res.waiters)
		bf_sleep(Min(res.ms, MG_BF_RECHECK_MS));
	if (run->opt.pause_ms > 0)
		bf_sleep(run->opt.pause_ms);
	return true;
}

static void
run_job(BackfillRun *run)
{
	MGBackfillJob *job = mg_bf_job_load(run->name);
	bool		more;

	if (!job->exists)
		start_job(run);
	else if (!resume_job(run, job))
		return;					/* already done */

	do
	{
		MemoryContext old;

		if (run->cur.empty || (run->plan->method == MG_BF_CTID &&
							   run->cur.next_page >= run->cur.end_page))
		{
			complete_pass(run);
			return;
		}
		MemoryContextReset(run->batchcxt);
		old = MemoryContextSwitchTo(run->batchcxt);
		more = job_step(run);
		MemoryContextSwitchTo(old);
	} while (more);
}

/* The job, holding its lock: one runner per job. */
static void
run_job_locked(BackfillRun *run)
{
	mg_bf_lock_job(run->name);
	PG_TRY();
	{
		run_job(run);
	}
	PG_FINALLY();
	{
		mg_bf_unlock_job(run->name);
		pgstat_report_activity(STATE_RUNNING, debug_query_string);
	}
	PG_END_TRY();
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
			dry_run(run);
		else
			run_job_locked(run);
	}
	PG_FINALLY();
	{
		mg_bf_plan_free(plan);
	}
	PG_END_TRY();

	SPI_finish();
	PG_RETURN_VOID();
}
