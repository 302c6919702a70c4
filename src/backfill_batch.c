/*-------------------------------------------------------------------------
 *
 * backfill_batch.c
 *	  One batch of a backfill run: the UPDATE of the next key or page
 *	  range in a subtransaction under a short lock_timeout, its retries on
 *	  lock timeouts and deadlocks (halving the size), the failure of the
 *	  job on any other error, and the size of the next batch.
 *
 * IDENTIFICATION
 *	  src/backfill_batch.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/xact.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "math.h"
#include "nodes/parsenodes.h"
#include "storage/itemptr.h"
#include "storage/lock.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "backfill.h"
#include "backfill_run.h"

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

	if (run->plan->method == MG_BF_KEYSET && run->cur.started)
		errcontext("backfill \"%s\", batch %lld of up to %d rows after key %s",
				   run->name, (long long) run->batches + 1, ctx->size,
				   mg_bf_keys_to_string(run->plan, run->cur.lo));
	else if (run->plan->method == MG_BF_KEYSET)
		errcontext("backfill \"%s\", batch %lld of up to %d rows from the start",
				   run->name, (long long) run->batches + 1, ctx->size);
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
		res->ms = mg_bf_ms_since(start);
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
	mg_bf_job_fail(run->name, edata, mg_bf_account(run));
	mg_bf_commit();
	ReThrowError(edata);
}

/*
 * A batch, retried on lock timeouts and deadlocks: MG_BF_TRIES_PER_SIZE
 * tries with exponential backoff at each size, halving the size down to
 * min_batch_size.  Any other error, or the last failure, fails the job.
 */
void
mg_bf_run_batch(BackfillRun *run, BatchResult *res)
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
			mg_bf_sleep(backoff);
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
		mg_bf_sleep(backoff);
		FreeErrorData(edata);
	}
}

/*
 * The next batch size: halve if our locks made others wait; otherwise
 * move toward target_batch_time, growing at most x1.2 and shrinking at most
 * by half per batch; clamp to [min_batch_size, max_batch_size].
 */
void
mg_bf_adapt_batch_size(BackfillRun *run, BatchResult *res)
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
