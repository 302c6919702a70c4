/*-------------------------------------------------------------------------
 *
 * backfill_run.c
 *	  One backfill job, from start or resume to done: checks that a resumed
 *	  job is the same job, captures and loads the cursor, runs the steps
 *	  (a batch committed with the job's row), completes a pass with the
 *	  check before done; and the dry run, which reports the plan
 *	  backfill_describe.c words.
 *
 * IDENTIFICATION
 *	  src/backfill_run.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "math.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/itemptr.h"
#include "tcop/tcopprot.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/backend_status.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "backfill.h"
#include "backfill_run.h"
#include "stats.h"

/* ---------- the page cursor of a ctid job ---------- */

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

/* Which argument of a resumed job differs from the job's own. */
typedef enum JobDifference
{
	SAME_JOB,
	DIFFERENT_RELATION,
	DIFFERENT_SET_CLAUSE,
	DIFFERENT_WHERE_CLAUSE,
	DIFFERENT_KEY
} JobDifference;

/*
 * What the existing job is, as the detail of the message (called inside
 * ereport): one sentence with a where_clause, one without.
 */
static int
errdetail_existing_job(MGBackfillJob *job)
{
	char	   *relation = DatumGetCString(DirectFunctionCall1(regclassout,
															   ObjectIdGetDatum(job->relid)));

	if (job->where_clause == NULL)
		return errdetail("A backfill with the same name resumes the existing job, whose relation is %s, set_clause is \"%s\" and where_clause is NULL.",
						 relation, job->set_clause);
	return errdetail("A backfill with the same name resumes the existing job, whose relation is %s, set_clause is \"%s\" and where_clause is \"%s\".",
					 relation, job->set_clause, job->where_clause);
}

/* The way out when the arguments differ (called inside ereport). */
static int
errhint_same_arguments(void)
{
	return errhint("Call it with the same arguments to resume it, or choose another name.");
}

/* A resumed job must be the same job. */
static void
check_same_job(BackfillRun *run, MGBackfillJob *job)
{
	MGBackfillPlan *plan = run->plan;
	JobDifference diff = SAME_JOB;

	if (job->relid != plan->relid)
		check_relation_recreated(run, job);
	if (job->relid != plan->relid)
		diff = DIFFERENT_RELATION;
	else if (!same_text(job->set_clause, plan->set_clause))
		diff = DIFFERENT_SET_CLAUSE;
	else if (!same_text(job->where_clause, plan->where_clause))
		diff = DIFFERENT_WHERE_CLAUSE;
	else if (!same_text(job->method, mg_bf_method_name(plan->method)) ||
			 !same_text(job->key_columns,
						OidOutputFunctionCall(F_ARRAY_OUT, mg_bf_key_names_array(plan))))
		diff = DIFFERENT_KEY;

	switch (diff)
	{
		case SAME_JOB:
			break;
		case DIFFERENT_RELATION:
			ereport(ERROR,
					(errcode(ERRCODE_MG_BACKFILL_ARGS_DIFFER),
					 errmsg("backfill \"%s\" already exists with a different relation", run->name),
					 errdetail_existing_job(job),
					 errhint_same_arguments()));
			break;
		case DIFFERENT_SET_CLAUSE:
			ereport(ERROR,
					(errcode(ERRCODE_MG_BACKFILL_ARGS_DIFFER),
					 errmsg("backfill \"%s\" already exists with a different set_clause", run->name),
					 errdetail_existing_job(job),
					 errhint_same_arguments()));
			break;
		case DIFFERENT_WHERE_CLAUSE:
			ereport(ERROR,
					(errcode(ERRCODE_MG_BACKFILL_ARGS_DIFFER),
					 errmsg("backfill \"%s\" already exists with a different where_clause", run->name),
					 errdetail_existing_job(job),
					 errhint_same_arguments()));
			break;
		case DIFFERENT_KEY:
			ereport(ERROR,
					(errcode(ERRCODE_MG_BACKFILL_ARGS_DIFFER),
					 errmsg("backfill \"%s\" already exists with a different batching key", run->name),
					 errdetail_existing_job(job),
					 errhint("The table's key changed since the job began, so its cursor no longer applies. Remove the job with migration_guard.backfill_forget(%s) and start it again, with a where_clause that skips the rows it already updated.",
							 quote_literal_cstr(run->name))));
			break;
	}
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

void
mg_bf_dry_run(BackfillRun *run)
{
	capture_bounds(run);
	run->total_estimate = mg_bf_estimate_rows(run->plan->relid);
	ereport(NOTICE,
			(mg_bf_errmsg_plan(run, true),
			 mg_bf_errdetail_throttle(run)));
	if (run->cur.empty)
		return;
	ereport(NOTICE,
			(errmsg("first batch:\n%s",
					mg_bf_explain_next_batch(run, run->opt.batch_size)),
			 errdetail("Each batch runs, in its own transaction:\n%s",
					   run->plan->method == MG_BF_KEYSET ?
					   run->plan->update_sql_from_start : run->plan->update_sql_ctid)));
}

static void
finish_job(BackfillRun *run, bool verified)
{
	run->percent = 100;
	run->percent_null = false;
	mg_bf_job_finish(run->name, mg_bf_account(run), verified);
	mg_bf_commit();
	ereport(NOTICE,
			(errmsg("backfill \"%s\" is done: %lld rows updated in %lld batches",
					run->name, (long long) run->rows_done, (long long) run->batches),
			 verified ?
			 errdetail("This call updated %lld rows in %.1f s. No row of the job's range matches its where_clause any more.",
					   (long long) run->rows_this_call,
					   mg_bf_ms_since(run->call_start) / 1000.0) :
			 errdetail("This call updated %lld rows in %.1f s. Done is unverified: without a where_clause no check can tell whether a row was missed.",
					   (long long) run->rows_this_call,
					   mg_bf_ms_since(run->call_start) / 1000.0)));
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
	mg_bf_report_activity(run, "verifying");
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
						plan->method != MG_BF_CTID, mg_bf_account(run));
	mg_bf_commit();
	ereport(WARNING,
			(errcode(ERRCODE_MG_BACKFILL_NOT_DONE),
			 errmsg_plural("backfill \"%s\" is not done: %lld row of its range still matches where_clause",
						   "backfill \"%s\" is not done: %lld rows of its range still match where_clause",
						   (unsigned long) Min(left, (int64) LONG_MAX),
						   run->name, (long long) left),
			 plan->method == MG_BF_CTID ?
			 errdetail("Pass %d ended; the first of them is at ctid %s. A pass does not meet rows whose key the application moved behind its cursor, nor rows an update carried past the pages of a ctid job.",
					   run->passes, first) :
			 errdetail("Pass %d ended; the first of them is at key %s. A pass does not meet rows whose key the application moved behind its cursor, nor rows an update carried past the pages of a ctid job.",
					   run->passes, first),
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
	mg_bf_compute_percent(run);
	if (!run->cur.empty)
		(void) mg_bf_explain_next_batch(run, run->batch_size);	/* privileges, plan */
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
	mg_bf_compute_percent(run);
	if (!cur->empty)
		(void) mg_bf_explain_next_batch(run, run->batch_size);	/* privileges, plan */
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
			(mg_bf_errmsg_plan(run, false),
			 mg_bf_errdetail_throttle(run)));
}

/* Stops this CALL after max_rows, leaving the job paused to resume later. */
static void
stop_after_max_rows(BackfillRun *run)
{
	mg_bf_job_set_state(run->name, "paused",
						psprintf("max_rows (%lld) reached", (long long) run->opt.max_rows),
						mg_bf_account(run));
	mg_bf_commit();
	if (run->percent_null)
		ereport(NOTICE,
				(errmsg("backfill \"%s\" stopped after max_rows: ?%% done, %lld rows updated in %lld batches, %.0f rows/s, batch size %d",
						run->name, (long long) run->rows_done,
						(long long) run->batches,
						mg_bf_rows_per_second(run),
						run->batch_size),
				 errhint("Call it again with the same arguments to continue.")));
	else
		ereport(NOTICE,
				(errmsg("backfill \"%s\" stopped after max_rows: %.1f%% done, %lld rows updated in %lld batches, %.0f rows/s, batch size %d",
						run->name, run->percent, (long long) run->rows_done,
						(long long) run->batches,
						mg_bf_rows_per_second(run),
						run->batch_size),
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
	(void) mg_bf_obey_control(run);
	mg_bf_hold_for_replication(run);

	mg_bf_run_batch(run, &res);
	advance_cursor(run, &res);
	run->rows_done += res.rows;
	run->rows_this_call += res.rows;
	run->keys_done += res.keys;
	run->batches++;
	mg_bf_compute_percent(run);
	if (res.done)
	{
		run->percent = 100;
		run->percent_null = false;
	}
	mg_bf_adapt_batch_size(run, &res);
	if (res.waiters)
	{
		state = "held";
		reason = "other sessions waited for this job's row locks";
	}
	mg_bf_job_record_batch(run->name, cursor_array(run), res.rows, res.keys,
						   run->batch_size, res.ms, mg_bf_account(run),
						   run->percent, run->percent_null, state, reason);
	mg_bf_commit();
	mg_stats_count_backfill_batch(res.rows);
	mg_bf_report_activity(run, state);

	if (res.done)
	{
		complete_pass(run);
		return false;
	}
	mg_bf_maybe_notice(run);
	if (run->opt.max_rows > 0 && run->rows_this_call >= run->opt.max_rows)
	{
		stop_after_max_rows(run);
		return false;
	}
	/* Let the sessions we made wait go first: at most one batch's time. */
	if (res.waiters)
		mg_bf_sleep(Min(res.ms, MG_BF_RECHECK_MS));
	if (run->opt.pause_ms > 0)
		mg_bf_sleep(run->opt.pause_ms);
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
void
mg_bf_run_job_locked(BackfillRun *run)
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
