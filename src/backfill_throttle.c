/*-------------------------------------------------------------------------
 *
 * backfill_throttle.c
 *	  What a backfill run does between batches, holding no locks: obeys
 *	  backfill_pause()/backfill_cancel(), holds while replicas lag, and
 *	  sleeps (waking at once for a cancel or shutdown).
 *
 * IDENTIFICATION
 *	  src/backfill_throttle.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "backfill.h"
#include "backfill_run.h"

/* ---------- sleeping ---------- */

/* Sleeps, waking for interrupts (cancel, terminate) at once. */
void
mg_bf_sleep(double ms)
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

/* ---------- between batches ---------- */

static void
cancel_job(BackfillRun *run)
{
	mg_bf_job_set_state(run->name, "cancelled", "cancelled by backfill_cancel()", mg_bf_account(run));
	mg_bf_commit();
	ereport(ERROR,
			(errcode(ERRCODE_MG_BACKFILL_CANCELLED),
			 errmsg("backfill \"%s\" was cancelled", run->name),
			 mg_bf_errdetail_progress(run),
			 errhint("Every committed batch stays applied. To run it again, remove the job with migration_guard.backfill_forget(%s).",
					 quote_literal_cstr(run->name))));
}

/*
 * Obeys backfill_pause / backfill_cancel; waits while paused.  Returns
 * whether it paused (the job's state is "running" again afterwards).
 */
bool
mg_bf_obey_control(BackfillRun *run)
{
	char	   *control = mg_bf_job_read_control(run->name);

	if (control == NULL)
		return false;
	if (strcmp(control, "cancel") == 0)
		cancel_job(run);
	if (strcmp(control, "pause") != 0)
		return false;

	mg_bf_job_set_state(run->name, "paused", "paused by backfill_pause()", mg_bf_account(run));
	mg_bf_commit();
	mg_bf_report_activity(run, "paused");
	ereport(NOTICE,
			(errmsg("backfill \"%s\" is paused", run->name),
			 mg_bf_errdetail_progress(run),
			 errhint("It continues after migration_guard.backfill_resume(%s), or stops after backfill_cancel().",
					 quote_literal_cstr(run->name))));
	for (;;)
	{
		mg_bf_sleep(MG_BF_RECHECK_MS);
		control = mg_bf_job_read_control(run->name);
		mg_bf_commit();
		if (control != NULL && strcmp(control, "cancel") == 0)
			cancel_job(run);
		if (control == NULL || strcmp(control, "pause") != 0)
			break;
	}
	mg_bf_job_set_state(run->name, "running", NULL, mg_bf_account(run));
	mg_bf_commit();
	ereport(NOTICE, (errmsg("backfill \"%s\" resumed", run->name)));
	return true;
}

/* Holds (sleeps and re-checks) while a replica's replay lag is too high. */
void
mg_bf_hold_for_replication(BackfillRun *run)
{
	bool		held = false;

	if (run->opt.max_lag_ms < 0 || mg_bf_ms_since(run->last_lag_check) < MG_BF_LAG_CHECK_MS)
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
			const char *replica = standby ? standby : "?";
			char	   *lag_text = mg_bf_format_ms(lag);
			char	   *max_text = mg_bf_format_ms(run->opt.max_lag_ms);

			/* the job table's state_reason: data, in the words of the NOTICE */
			mg_bf_job_set_state(run->name, "held",
								psprintf("replica \"%s\" replay lag %s exceeds max_replication_lag %s",
										 replica, lag_text, max_text),
								mg_bf_account(run));
			mg_bf_commit();
			mg_bf_report_activity(run, "held");
			ereport(NOTICE,
					(errmsg("backfill \"%s\" held: replica \"%s\" replay lag %s exceeds max_replication_lag %s",
							run->name, replica, lag_text, max_text)));
			held = true;
		}
		else
			mg_bf_commit();
		mg_bf_sleep(MG_BF_RECHECK_MS);
		if (mg_bf_obey_control(run))
			held = false;		/* report the hold again */
	}
	if (held)
	{
		mg_bf_job_set_state(run->name, "running", NULL, mg_bf_account(run));
		mg_bf_commit();
		ereport(NOTICE, (errmsg("backfill \"%s\" continues: replicas caught up", run->name)));
	}
}
