/*-------------------------------------------------------------------------
 *
 * backfill_describe.c
 *	  What a backfill run will do, said before it does it: the plan (which
 *	  key or page ranges, how many rows), the throttling (batch sizes,
 *	  lock_timeout, pause, replication lag, max_rows) and the EXPLAIN of
 *	  the next batch, which also checks the privileges and the plan of the
 *	  batch statement before the job is written.  Each sentence is a whole
 *	  format string per case, raised inside the caller's ereport.
 *
 * IDENTIFICATION
 *	  src/backfill_describe.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "storage/itemptr.h"

#include "backfill.h"
#include "backfill_run.h"

/* The statement and parameters of the next batch, for EXPLAIN. */
char *
mg_bf_explain_next_batch(BackfillRun *run, int size)
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

/*
 * The plan of the run as the message of a NOTICE (called inside ereport):
 * one sentence per method and estimate, with and without "(dry run)".
 */
int
mg_bf_errmsg_plan(BackfillRun *run, bool dry_run)
{
	MGBackfillPlan *plan = run->plan;
	MGBackfillCursor *cur = &run->cur;
	bool		estimated = run->total_estimate >= 0;
	long long	rows = (long long) run->total_estimate;
	unsigned long n = (unsigned long) Min(Max(run->total_estimate, 0), (int64) LONG_MAX);

	if (dry_run)
	{
		if (plan->method == MG_BF_CTID && estimated)
			return errmsg_plural("backfill \"%s\" (dry run) on %s: ctid ranges over pages 0 .. %u (no usable key), about %lld row",
								 "backfill \"%s\" (dry run) on %s: ctid ranges over pages 0 .. %u (no usable key), about %lld rows",
								 n, run->name, plan->reldisplay, cur->end_page, rows);
		if (plan->method == MG_BF_CTID)
			return errmsg("backfill \"%s\" (dry run) on %s: ctid ranges over pages 0 .. %u (no usable key), rows not estimated (never analyzed)",
						  run->name, plan->reldisplay, cur->end_page);
		if (cur->empty)
			return errmsg("backfill \"%s\" (dry run) on %s: keyset on (%s); the table is empty",
						  run->name, plan->reldisplay, plan->keylist);
		if (estimated)
			return errmsg_plural("backfill \"%s\" (dry run) on %s: keyset on (%s) from %s to %s, about %lld row",
								 "backfill \"%s\" (dry run) on %s: keyset on (%s) from %s to %s, about %lld rows",
								 n, run->name, plan->reldisplay, plan->keylist,
								 mg_bf_keys_to_string(plan, cur->first),
								 mg_bf_keys_to_string(plan, cur->hi), rows);
		return errmsg("backfill \"%s\" (dry run) on %s: keyset on (%s) from %s to %s, rows not estimated (never analyzed)",
					  run->name, plan->reldisplay, plan->keylist,
					  mg_bf_keys_to_string(plan, cur->first),
					  mg_bf_keys_to_string(plan, cur->hi));
	}
	if (plan->method == MG_BF_CTID && estimated)
		return errmsg_plural("backfill \"%s\" on %s: ctid ranges over pages 0 .. %u (no usable key), about %lld row",
							 "backfill \"%s\" on %s: ctid ranges over pages 0 .. %u (no usable key), about %lld rows",
							 n, run->name, plan->reldisplay, cur->end_page, rows);
	if (plan->method == MG_BF_CTID)
		return errmsg("backfill \"%s\" on %s: ctid ranges over pages 0 .. %u (no usable key), rows not estimated (never analyzed)",
					  run->name, plan->reldisplay, cur->end_page);
	if (cur->empty)
		return errmsg("backfill \"%s\" on %s: keyset on (%s); the table is empty",
					  run->name, plan->reldisplay, plan->keylist);
	if (estimated)
		return errmsg_plural("backfill \"%s\" on %s: keyset on (%s) from %s to %s, about %lld row",
							 "backfill \"%s\" on %s: keyset on (%s) from %s to %s, about %lld rows",
							 n, run->name, plan->reldisplay, plan->keylist,
							 mg_bf_keys_to_string(plan, cur->first),
							 mg_bf_keys_to_string(plan, cur->hi), rows);
	return errmsg("backfill \"%s\" on %s: keyset on (%s) from %s to %s, rows not estimated (never analyzed)",
				  run->name, plan->reldisplay, plan->keylist,
				  mg_bf_keys_to_string(plan, cur->first),
				  mg_bf_keys_to_string(plan, cur->hi));
}

/*
 * The throttling of the run as the detail of a NOTICE (called inside
 * ereport): one sentence per combination of adaptive sizing, replication
 * lag check and max_rows.
 */
int
mg_bf_errdetail_throttle(BackfillRun *run)
{
	BackfillOptions *o = &run->opt;
	char	   *target = mg_bf_format_ms(o->target_ms);
	char	   *timeout = mg_bf_format_ms(o->lock_timeout_ms);
	char	   *pause = mg_bf_format_ms(o->pause_ms);
	char	   *lag = mg_bf_format_ms(Max(o->max_lag_ms, 0));
	long long	max_rows = (long long) o->max_rows;
	bool		checks_lag = o->max_lag_ms >= 0;
	bool		stops = o->max_rows > 0;

	if (o->target_ms > 0)
	{
		if (checks_lag && stops)
			return errdetail("Batches start at %d rows and adapt toward %s each within %d .. %d rows; lock_timeout %s per batch; pause %s between batches; holds while a replica's replay lag exceeds %s; stops after %lld rows.",
							 o->batch_size, target, o->min_batch_size, o->max_batch_size, timeout, pause, lag, max_rows);
		if (checks_lag && !stops)
			return errdetail("Batches start at %d rows and adapt toward %s each within %d .. %d rows; lock_timeout %s per batch; pause %s between batches; holds while a replica's replay lag exceeds %s.",
							 o->batch_size, target, o->min_batch_size, o->max_batch_size, timeout, pause, lag);
		if (!checks_lag && stops)
			return errdetail("Batches start at %d rows and adapt toward %s each within %d .. %d rows; lock_timeout %s per batch; pause %s between batches; no replication lag check; stops after %lld rows.",
							 o->batch_size, target, o->min_batch_size, o->max_batch_size, timeout, pause, max_rows);
		if (!checks_lag && !stops)
			return errdetail("Batches start at %d rows and adapt toward %s each within %d .. %d rows; lock_timeout %s per batch; pause %s between batches; no replication lag check.",
							 o->batch_size, target, o->min_batch_size, o->max_batch_size, timeout, pause);
	}
	else
	{
		if (checks_lag && stops)
			return errdetail("Batches of %d rows; lock_timeout %s per batch; pause %s between batches; holds while a replica's replay lag exceeds %s; stops after %lld rows.",
							 o->batch_size, timeout, pause, lag, max_rows);
		if (checks_lag && !stops)
			return errdetail("Batches of %d rows; lock_timeout %s per batch; pause %s between batches; holds while a replica's replay lag exceeds %s.",
							 o->batch_size, timeout, pause, lag);
		if (!checks_lag && stops)
			return errdetail("Batches of %d rows; lock_timeout %s per batch; pause %s between batches; no replication lag check; stops after %lld rows.",
							 o->batch_size, timeout, pause, max_rows);
		if (!checks_lag && !stops)
			return errdetail("Batches of %d rows; lock_timeout %s per batch; pause %s between batches; no replication lag check.",
							 o->batch_size, timeout, pause);
	}
	pg_unreachable();
	return 0;
}
