/*-------------------------------------------------------------------------
 *
 * backfill_control.c
 *	  The SQL-callable functions that control a backfill job from another
 *	  session: backfill_pause, backfill_resume, backfill_cancel and
 *	  backfill_forget, and assert_backfill_done, which a migration calls to
 *	  refuse to run before its backfill is done.  Who may control a job
 *	  and in which states; the job table itself is written by
 *	  backfill_job.c.
 *
 * IDENTIFICATION
 *	  src/backfill_control.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include <limits.h>

#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"

#include "backfill.h"

PG_FUNCTION_INFO_V1(mg_backfill_pause);
PG_FUNCTION_INFO_V1(mg_backfill_resume);
PG_FUNCTION_INFO_V1(mg_backfill_cancel);
PG_FUNCTION_INFO_V1(mg_backfill_forget);
PG_FUNCTION_INFO_V1(mg_assert_backfill_done);

/* ---------- control from another session ---------- */

static MGBackfillJob *
load_job_or_error(const char *name)
{
	MGBackfillJob *job = mg_bf_job_load(name);

	if (!job->exists)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("backfill \"%s\" does not exist", name),
				 errhint("migration_guard.backfills lists the backfill jobs of this database.")));
	return job;
}

static void
check_may_control(MGBackfillJob *job)
{
	if (!has_privs_of_role(GetUserId(), job->owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to control backfill \"%s\"", job->name),
				 errdetail("Only roles with the privileges of role \"%s\", which started it, may control it.",
						   GetUserNameFromId(job->owner, false))));
}

static bool
state_is(MGBackfillJob *job, const char *state)
{
	return job->state && strcmp(job->state, state) == 0;
}

typedef enum ControlAction
{
	CONTROL_PAUSE,
	CONTROL_RESUME,
	CONTROL_CANCEL,
	CONTROL_FORGET
} ControlAction;

/* A done or cancelled job takes no more control: one sentence per case. */
static void
check_not_finished(MGBackfillJob *job, ControlAction action)
{
	bool		done = state_is(job, "done");

	if (!done && !state_is(job, "cancelled"))
		return;
	switch (action)
	{
		case CONTROL_PAUSE:
			if (done)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("cannot pause backfill \"%s\": it is done", job->name)));
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("cannot pause backfill \"%s\": it is cancelled", job->name)));
			break;
		case CONTROL_RESUME:
			if (done)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("cannot resume backfill \"%s\": it is done", job->name)));
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("cannot resume backfill \"%s\": it is cancelled", job->name)));
			break;
		case CONTROL_CANCEL:
			/* cancelling a cancelled job again changes nothing */
			if (done)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("cannot cancel backfill \"%s\": it is done", job->name)));
			break;
		case CONTROL_FORGET:
			break;				/* a finished job may always be forgotten */
	}
}

/* The job name, the first argument of the control functions. */
static char *
backfill_name_arg(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("backfill name must not be null")));
	return text_to_cstring(PG_GETARG_TEXT_PP(0));
}

static void
control_job(FunctionCallInfo fcinfo, ControlAction action)
{
	char	   *name;
	MGBackfillJob *job;
	bool		running;

	name = backfill_name_arg(fcinfo);

	SPI_connect();
	job = load_job_or_error(name);
	check_may_control(job);

	switch (action)
	{
		case CONTROL_PAUSE:
			check_not_finished(job, CONTROL_PAUSE);
			running = mg_bf_job_is_running(name);
			mg_bf_job_set_control(name, "pause", running ? NULL : "paused",
								  "paused by backfill_pause()");
			break;
		case CONTROL_RESUME:
			check_not_finished(job, CONTROL_RESUME);
			running = mg_bf_job_is_running(name);
			mg_bf_job_set_control(name, NULL,
								  (!running && state_is(job, "paused")) ? "running" : NULL, NULL);
			break;
		case CONTROL_CANCEL:
			check_not_finished(job, CONTROL_CANCEL);
			running = mg_bf_job_is_running(name);
			mg_bf_job_set_control(name, "cancel", running ? NULL : "cancelled",
								  "cancelled by backfill_cancel()");
			break;
		case CONTROL_FORGET:
			/* refuses a job that is running */
			mg_bf_job_forget(name);
			break;
	}
	SPI_finish();
}

/*
 * backfill_pause(name): the running procedure finishes its batch, reports
 * "paused" and waits for backfill_resume or backfill_cancel.  A job that is
 * not running is marked paused; its next CALL waits the same way.
 */
Datum
mg_backfill_pause(PG_FUNCTION_ARGS)
{
	control_job(fcinfo, CONTROL_PAUSE);
	PG_RETURN_VOID();
}

Datum
mg_backfill_resume(PG_FUNCTION_ARGS)
{
	control_job(fcinfo, CONTROL_RESUME);
	PG_RETURN_VOID();
}

/* The running procedure stops after its batch and raises MG024. */
Datum
mg_backfill_cancel(PG_FUNCTION_ARGS)
{
	control_job(fcinfo, CONTROL_CANCEL);
	PG_RETURN_VOID();
}

/* Deletes a job that is not running, so its name can be used again. */
Datum
mg_backfill_forget(PG_FUNCTION_ARGS)
{
	control_job(fcinfo, CONTROL_FORGET);
	PG_RETURN_VOID();
}

/*
 * Where a job that is not done stands, as the detail of a message (called
 * inside ereport): one sentence per state, plural by the batches.
 */
static int
errdetail_not_done(const char *state, int64 rows, int64 batches)
{
	unsigned long n = (unsigned long) Min(batches, (int64) LONG_MAX);

	if (strcmp(state, "running") == 0)
		return errdetail_plural("It is running after %lld rows in %lld batch.",
								"It is running after %lld rows in %lld batches.",
								n, (long long) rows, (long long) batches);
	if (strcmp(state, "held") == 0)
		return errdetail_plural("It is held after %lld rows in %lld batch.",
								"It is held after %lld rows in %lld batches.",
								n, (long long) rows, (long long) batches);
	if (strcmp(state, "paused") == 0)
		return errdetail_plural("It is paused after %lld rows in %lld batch.",
								"It is paused after %lld rows in %lld batches.",
								n, (long long) rows, (long long) batches);
	if (strcmp(state, "failed") == 0)
		return errdetail_plural("It failed after %lld rows in %lld batch.",
								"It failed after %lld rows in %lld batches.",
								n, (long long) rows, (long long) batches);
	if (strcmp(state, "cancelled") == 0)
		return errdetail_plural("It was cancelled after %lld rows in %lld batch.",
								"It was cancelled after %lld rows in %lld batches.",
								n, (long long) rows, (long long) batches);
	if (strcmp(state, "interrupted") == 0)
		return errdetail_plural("It was interrupted after %lld rows in %lld batch.",
								"It was interrupted after %lld rows in %lld batches.",
								n, (long long) rows, (long long) batches);
	/* a state of a later version: its name is all there is to say */
	return errdetail_plural("Its state is \"%s\" after %lld rows in %lld batch.",
							"Its state is \"%s\" after %lld rows in %lld batches.",
							n, state, (long long) rows, (long long) batches);
}

/*
 * assert_backfill_done(name): a later migration (the contract step) calls it
 * before it drops what the backfill replaced.
 */
Datum
mg_assert_backfill_done(PG_FUNCTION_ARGS)
{
	char	   *name;
	MGBackfillJob *job;

	name = backfill_name_arg(fcinfo);

	SPI_connect();
	job = mg_bf_job_load(name);
	if (!job->exists)
		ereport(ERROR,
				(errcode(ERRCODE_MG_BACKFILL_NOT_DONE),
				 errmsg("backfill \"%s\" has not run in this database", name),
				 errhint("Run CALL migration_guard.backfill(%s, ...) to completion before this migration.",
						 quote_literal_cstr(name))));
	if (!state_is(job, "done"))
	{
		const char *state = job->state;

		if ((state_is(job, "running") || state_is(job, "held")) && !mg_bf_job_is_running(name))
			state = "interrupted";
		ereport(ERROR,
				(errcode(ERRCODE_MG_BACKFILL_NOT_DONE),
				 errmsg("backfill \"%s\" is not done", name),
				 errdetail_not_done(state, job->rows_done, job->batches),
				 state_is(job, "cancelled") ?
				 errhint("It was cancelled. Remove it with migration_guard.backfill_forget(%s) and run the backfill again to completion before this migration.",
						 quote_literal_cstr(name)) :
				 errhint("Let it finish before this migration: CALL migration_guard.backfill(%s, ...) with the same arguments resumes it.",
						 quote_literal_cstr(name))));
	}
	if (job->verified_null || !job->verified)
		ereport(NOTICE,
				(errmsg("backfill \"%s\" is done, but unverified", name),
				 job->where_clause == NULL ?
				 errdetail("It has no where_clause, so no check can tell whether a row was missed (for example one whose key the application moved behind its cursor).") :
				 errdetail("It finished before migration_guard 1.1, which checks that no row still matches the where_clause."),
				 errhint("Check the data yourself before the contract step, or run the backfill with an idempotency predicate in where_clause, which makes done verified.")));
	SPI_finish();
	PG_RETURN_VOID();
}
