/*-------------------------------------------------------------------------
 *
 * backfill_run.h
 *	  The state of one CALL of migration_guard.backfill(), shared by the
 *	  files that run it, from the top down:
 *	    backfill.c           the procedure and its arguments
 *	    backfill_run.c       the job: start, resume, steps, passes, done
 *	    backfill_describe.c  the plan and throttling said, EXPLAIN
 *	    backfill_batch.c     one batch, its retries and the next size
 *	    backfill_throttle.c  between batches: control, replication lag
 *	    backfill_progress.c  clock, percent done and progress reports
 *	  Private to those files.
 *
 * IDENTIFICATION
 *	  src/backfill_run.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_BACKFILL_RUN_H
#define MG_BACKFILL_RUN_H

#include "backfill.h"

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

/* backfill_run.c */
extern void mg_bf_run_job_locked(BackfillRun *run);
extern void mg_bf_dry_run(BackfillRun *run);

/* backfill_describe.c */
extern char *mg_bf_explain_next_batch(BackfillRun *run, int size);
extern int	mg_bf_errmsg_plan(BackfillRun *run, bool dry_run);
extern int	mg_bf_errdetail_throttle(BackfillRun *run);

/* backfill_batch.c */
extern void mg_bf_run_batch(BackfillRun *run, BatchResult *res);
extern void mg_bf_adapt_batch_size(BackfillRun *run, BatchResult *res);

/* backfill_throttle.c */
extern void mg_bf_sleep(double ms);
extern bool mg_bf_obey_control(BackfillRun *run);
extern void mg_bf_hold_for_replication(BackfillRun *run);

/* backfill_progress.c */
extern double mg_bf_ms_since(TimestampTz start);
extern double mg_bf_account(BackfillRun *run);
extern char *mg_bf_format_ms(double ms);
extern void mg_bf_compute_percent(BackfillRun *run);
extern double mg_bf_rows_per_second(BackfillRun *run);
extern void mg_bf_report_activity(BackfillRun *run, const char *state);
extern void mg_bf_maybe_notice(BackfillRun *run);
extern int	mg_bf_errdetail_progress(BackfillRun *run);

#endif							/* MG_BACKFILL_RUN_H */
