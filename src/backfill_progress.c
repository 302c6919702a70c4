/*-------------------------------------------------------------------------
 *
 * backfill_progress.c
 *	  How far a backfill run stands and how it says so: the clock of the
 *	  run (active seconds, milliseconds), the percentage done, the
 *	  activity shown in pg_stat_activity and the periodic NOTICE.
 *
 * IDENTIFICATION
 *	  src/backfill_progress.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "math.h"
#include "pgstat.h"
#include "utils/backend_status.h"
#include "utils/timestamp.h"

#include "backfill.h"
#include "backfill_run.h"

/* ---------- clock ---------- */

double
mg_bf_ms_since(TimestampTz start)
{
	return (GetCurrentTimestamp() - start) / 1000.0;
}

/* Seconds of this CALL not yet added to the job's active_seconds. */
double
mg_bf_account(BackfillRun *run)
{
	TimestampTz now = GetCurrentTimestamp();
	double		s = (now - run->last_account) / 1000000.0;

	run->last_account = now;
	run->active_seconds += s;
	return s;
}

char *
mg_bf_format_ms(double ms)
{
	if (ms < 1000)
		return psprintf("%.0f ms", ms);
	return psprintf("%.1f s", ms / 1000.0);
}

/* ---------- progress ---------- */

void
mg_bf_compute_percent(BackfillRun *run)
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

/* Rows updated per second of the job's active time, 0 before any. */
double
mg_bf_rows_per_second(BackfillRun *run)
{
	double		secs = run->active_seconds;

	return secs > 0 ? run->rows_done / secs : 0;
}

/*
 * The progress for pg_stat_activity's query column: not a message, so
 * built here, untranslated, like the statement text it stands in for.
 */
static char *
activity_progress(BackfillRun *run)
{
	char	   *pct = run->percent_null ? "?" : psprintf("%.1f", run->percent);

	return psprintf("%s%% done, %lld rows updated in %lld batches, %.0f rows/s, batch size %d",
					pct, (long long) run->rows_done, (long long) run->batches,
					mg_bf_rows_per_second(run), run->batch_size);
}

void
mg_bf_report_activity(BackfillRun *run, const char *state)
{
	pgstat_report_activity(STATE_RUNNING,
						   psprintf("migration_guard.backfill \"%s\" on %s: %s, %s",
									run->name, run->plan->reldisplay, state,
									activity_progress(run)));
}

void
mg_bf_maybe_notice(BackfillRun *run)
{
	bool		step = !run->percent_null &&
		floor(run->percent / 10) > floor(run->last_notice_percent / 10);

	if (!step && mg_bf_ms_since(run->last_notice) < MG_BF_NOTICE_MS)
		return;
	run->last_notice = GetCurrentTimestamp();
	if (!run->percent_null)
		run->last_notice_percent = run->percent;
	if (run->percent_null)
		ereport(NOTICE,
				(errmsg("backfill \"%s\": ?%% done, %lld rows updated in %lld batches, %.0f rows/s, batch size %d",
						run->name, (long long) run->rows_done,
						(long long) run->batches, mg_bf_rows_per_second(run),
						run->batch_size)));
	else
		ereport(NOTICE,
				(errmsg("backfill \"%s\": %.1f%% done, %lld rows updated in %lld batches, %.0f rows/s, batch size %d",
						run->name, run->percent, (long long) run->rows_done,
						(long long) run->batches, mg_bf_rows_per_second(run),
						run->batch_size)));
}

/*
 * The progress of the run as the detail of a message (called inside
 * ereport), in the words of the periodic NOTICE.
 */
int
mg_bf_errdetail_progress(BackfillRun *run)
{
	if (run->percent_null)
		return errdetail("?%% done, %lld rows updated in %lld batches, %.0f rows/s, batch size %d.",
						 (long long) run->rows_done, (long long) run->batches,
						 mg_bf_rows_per_second(run), run->batch_size);
	return errdetail("%.1f%% done, %lld rows updated in %lld batches, %.0f rows/s, batch size %d.",
					 run->percent, (long long) run->rows_done,
					 (long long) run->batches, mg_bf_rows_per_second(run),
					 run->batch_size);
}
