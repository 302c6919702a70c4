/*-------------------------------------------------------------------------
 *
 * lock_retry.c
 *	  Running a statement under the lock policy: with the automatic
 *	  lock_timeout that judging decided on (lock_policy.c), retried in a
 *	  subtransaction after a backoff when the timeout fires
 *	  (migration_guard.lock_retries), and a lock timeout explained: which
 *	  lock on which table, who held it, what to do.
 *
 *	  The timeout, retries and explanations work in every mode: "off"
 *	  silences the rules, not the safety net a DBA configured on purpose.
 *	  The statement runs down the hook chain through the function the
 *	  pipeline passes (MGChainFunction).
 *
 * IDENTIFICATION
 *	  src/lock_retry.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/xact.h"
#include "common/pg_prng.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "guc.h"
#include "lock_policy.h"
#include "lockinfo.h"
#include "report.h"
#include "statement.h"
#include "stats.h"
#include "words.h"

/* Most blocking sessions listed in a retry message. */
#define MAX_BLOCKERS_LISTED 5

/* A setting as SHOW prints it, with its unit: "5s", "1min". */
static char *
show_setting(const char *name)
{
	return GetConfigOptionByName(name, NULL, false);
}

/*
 * The first lock of the plan, in the order the statement requests them,
 * that this backend does not hold: the one the statement was waiting for
 * when its lock timeout fired.  Must be called before the failed
 * (sub)transaction is rolled back.
 */
static MGRelLock *
lock_not_granted(MGLockPlan *plan, MGRelLock *guarded)
{
	ListCell   *lc;

	foreach(lc, plan->locks)
	{
		MGRelLock  *l = lfirst(lc);

		if (l->shared && !mg_lock_held_by_me(l->relid, l->mode))
			return l;
	}
	return guarded;
}

/*
 * Sessions holding locks on relid that conflict with mode, with what they
 * run, for the retry message: "PID 123 (idle in transaction for 12.3 s):
 * SELECT ...".  Read from pg_locks and pg_stat_activity after our own wait
 * ended, so these are the sessions that held the lock when it timed out,
 * unless they finished meanwhile.
 */
static char *
describe_blockers(Oid relid, LOCKMODE mode)
{
	StringInfoData modes;
	StringInfoData result;
	char	   *sql;
	uint64		n;
	volatile int ret = 0;

	initStringInfo(&result);
	initStringInfo(&modes);
	for (LOCKMODE m = AccessShareLock; m <= AccessExclusiveLock; m++)
	{
		if (DoLockModesConflict(m, mode))
			appendStringInfo(&modes, "%s'%s'", modes.len > 0 ? ", " : "",
							 GetLockmodeName(DEFAULT_LOCKMETHOD, m));
	}
	sql = psprintf("SELECT l.pid, coalesce(a.state, 'unknown'),"
				   " coalesce(round(extract(epoch FROM pg_catalog.clock_timestamp() - a.xact_start)::numeric, 1)::text, '?'),"
				   " coalesce(a.query, '')"
				   " FROM pg_catalog.pg_locks l"
				   " LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid"
				   " WHERE l.locktype = 'relation' AND l.granted"
				   " AND l.database = %u AND l.relation = %u"
				   " AND l.pid <> pg_catalog.pg_backend_pid()"
				   " AND l.mode IN (%s)"
				   " GROUP BY 1, 2, 3, 4, a.xact_start ORDER BY a.xact_start NULLS LAST, 1",
				   MyDatabaseId, relid, modes.data);

	if (SPI_connect() != SPI_OK_CONNECT)
		return pstrdup("unknown");
	mg_guard_query_running = true;
	PG_TRY();
	{
		/*
		 * Unqualified functions and operators of the query resolve in
		 * pg_catalog, whatever the caller's search_path puts first
		 * (docs/security-review.md).
		 */
		int			nestlevel = NewGUCNestLevel();

		(void) set_config_option("search_path", "pg_catalog, pg_temp",
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
								 true, 0, false);
		ret = SPI_execute(sql, false, 0);
		AtEOXact_GUC(true, nestlevel);
	}
	PG_FINALLY();
	{
		mg_guard_query_running = false;
	}
	PG_END_TRY();

	n = ret == SPI_OK_SELECT ? SPI_processed : 0;
	for (uint64 i = 0; i < n && i < MAX_BLOCKERS_LISTED; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;

		appendStringInfo(&result, "%sPID %s (%s, transaction open %s s): %s",
						 i > 0 ? "; " : "",
						 SPI_getvalue(tup, desc, 1), SPI_getvalue(tup, desc, 2),
						 SPI_getvalue(tup, desc, 3),
						 mg_quote_statement(SPI_getvalue(tup, desc, 4)));
	}
	if (n > MAX_BLOCKERS_LISTED)
		appendStringInfo(&result, "; and %llu more",
						 (unsigned long long) (n - MAX_BLOCKERS_LISTED));
	if (n == 0)
		appendStringInfoString(&result, "none any more");
	SPI_finish();
	return result.data;
}

/*
 * Exponential backoff with "equal jitter": the delay doubles with each
 * retry up to migration_guard.lock_retry_max_delay, and half of it is
 * random, so that migrations retrying against the same table spread out.
 */
static int
retry_delay_ms(int attempt)
{
	int64		delay = mg_lock_retry_delay;

	for (int i = 0; i < attempt && delay < mg_lock_retry_max_delay; i++)
		delay *= 2;
	delay = Min(delay, (int64) mg_lock_retry_max_delay);
	if (delay <= 1)
		return (int) delay;
	return (int) (delay / 2 +
				  (int64) pg_prng_uint64_range(&pg_global_prng_state, 0, delay - delay / 2));
}

/* Sleeps, staying responsive to cancel and postmaster death. */
static void
sleep_ms(int ms)
{
	TimestampTz end = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), ms);

	for (;;)
	{
		long		remaining = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), end);

		CHECK_FOR_INTERRUPTS();
		if (remaining <= 0)
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 remaining, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

/*
 * Adds what PostgreSQL's "canceling statement due to lock timeout" does not
 * say: which lock on which table, and what to do.  Returns the error to
 * raise.
 */
static ErrorData *
explain_lock_timeout(ErrorData *edata, const char *tag, MGRelLock *l, int attempts)
{
	if (edata->detail == NULL)
	{
		if (attempts > 1)
			edata->detail = psprintf(dgettext(TEXTDOMAIN, "%s waited %s for %s lock on %s \"%s\" %d times and gave up each time, so that the sessions queued behind it were not blocked any longer."),
									 tag, show_setting("lock_timeout"),
									 mg_lockmode_name(l->mode), mg_relkind_word(l->relkind),
									 l->relname, attempts);
		else
			edata->detail = psprintf(dgettext(TEXTDOMAIN, "%s waited %s for %s lock on %s \"%s\" and gave up, so that the sessions queued behind it were not blocked any longer."),
									 tag, show_setting("lock_timeout"),
									 mg_lockmode_name(l->mode), mg_relkind_word(l->relkind),
									 l->relname);
	}
	if (edata->hint == NULL)
	{
		if (attempts > 1)
			edata->hint = pstrdup(dgettext(TEXTDOMAIN, "Other sessions kept conflicting locks through every attempt; pg_locks and pg_stat_activity show which.  Run the migration again when they have finished, or raise \"migration_guard.lock_retries\"."));
		else
			edata->hint = pstrdup(dgettext(TEXTDOMAIN, "Another session holds or awaits a conflicting lock; pg_locks and pg_stat_activity show which.  Run the statement again, or have the DBA set \"migration_guard.lock_retries\" so that the guard retries it."));
	}
	return edata;
}

/*
 * Runs the statement once; a lock timeout error gets the explanation above.
 * Nothing touches the database between catching and re-raising the error,
 * so no subtransaction is needed.
 */
static void
execute_explaining_timeout(MGUtilityCall *call, MGChainFunction chain,
						   const char *tag, MGLockPlan *plan, MGRelLock *guarded)
{
	MemoryContext oldcxt = CurrentMemoryContext;

	PG_TRY();
	{
		chain(call);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		if (edata->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
			PG_RE_THROW();
		mg_stats_count_lock_timeout();
		edata = explain_lock_timeout(edata, tag, lock_not_granted(plan, guarded), 1);
		FlushErrorState();
		ReThrowError(edata);
	}
	PG_END_TRY();
}

static void
report_retry(const char *tag, MGRelLock *l, int retry, int delay)
{
	char	   *blockers = describe_blockers(l->relid, l->mode);
	char	   *timeout = show_setting("lock_timeout");

	/* the client's migration log, and the server log for the DBA */
	ereport(NOTICE,
			(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
			 errmsg("%s timed out waiting for %s lock on %s \"%s\", retrying (%d of %d)",
					tag, mg_lockmode_name(l->mode), mg_relkind_word(l->relkind),
					l->relname, retry, mg_lock_retries),
			 errdetail("\"lock_timeout\" is %s.  Next attempt in %d ms.  Sessions holding conflicting locks: %s.",
					   timeout, delay, blockers)));
	ereport(LOG_SERVER_ONLY,
			(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
			 errmsg("migration_guard: %s timed out waiting for %s lock on %s \"%s\", retrying (%d of %d)",
					tag, mg_lockmode_name(l->mode), mg_relkind_word(l->relkind),
					l->relname, retry, mg_lock_retries),
			 errdetail("\"lock_timeout\" is %s.  Next attempt in %d ms.  Sessions holding conflicting locks: %s.",
					   timeout, delay, blockers),
			 errhidestmt(true)));
}

/*
 * Runs the statement in a subtransaction, as PL/pgSQL runs a block with an
 * EXCEPTION clause, and runs it again after a backoff when it fails with
 * lock_not_available, up to migration_guard.lock_retries times.  Between
 * attempts the statement holds none of its locks, so the sessions queued
 * behind it proceed.  Works inside a transaction block and in the implicit
 * transaction of a single statement.  Any other error, or the last lock
 * timeout, is raised after the subtransaction is rolled back.
 *
 * The parse tree is executed more than once, so it is passed down as
 * read-only: standard_ProcessUtility then works on a copy.
 */
static void
execute_with_retries(MGUtilityCall *call, MGChainFunction chain,
					 const char *tag, MGLockPlan *plan, MGRelLock *guarded)
{
	MGUtilityCall again = *call;

	again.readOnlyTree = true;
	for (int attempt = 0;; attempt++)
	{
		MemoryContext oldcxt = CurrentMemoryContext;
		ResourceOwner oldowner = CurrentResourceOwner;
		ErrorData  *edata = NULL;
		MGRelLock  *volatile waited = NULL;
		int			delay;

		BeginInternalSubTransaction(NULL);
		MemoryContextSwitchTo(oldcxt);
		PG_TRY();
		{
			chain(&again);
			ReleaseCurrentSubTransaction();
			MemoryContextSwitchTo(oldcxt);
			CurrentResourceOwner = oldowner;
		}
		PG_CATCH();
		{
			MemoryContextSwitchTo(oldcxt);
			edata = CopyErrorData();
			FlushErrorState();
			if (edata->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE)
				waited = lock_not_granted(plan, guarded);
			RollbackAndReleaseCurrentSubTransaction();
			MemoryContextSwitchTo(oldcxt);
			CurrentResourceOwner = oldowner;
		}
		PG_END_TRY();

		if (edata == NULL)
		{
			if (attempt > 0)
				mg_stats_count_lock_retry_succeeded();
			return;
		}
		if (waited == NULL)
			ReThrowError(edata);
		mg_stats_count_lock_timeout();
		if (attempt >= mg_lock_retries)
			ReThrowError(explain_lock_timeout(edata, tag, waited, attempt + 1));

		delay = retry_delay_ms(attempt);
		report_retry(tag, waited, attempt + 1, delay);
		mg_stats_count_lock_retry();
		FreeErrorData(edata);
		sleep_ms(delay);
	}
}

/*
 * Runs the statement with the guard's lock_timeout set directly in the
 * variable: VACUUM commits internally, which would end a GUC nesting level
 * opened here.  Nothing in VACUUM sets lock_timeout, and the session's
 * value is put back whatever happens.
 */
static void
execute_with_variable_timeout(MGUtilityCall *call, MGChainFunction chain,
							  const char *tag, MGLockPlan *plan, MGRelLock *guarded)
{
	int			saved = LockTimeout;

	LockTimeout = mg_lock_timeout_ms;
	PG_TRY();
	{
		execute_explaining_timeout(call, chain, tag, plan, guarded);
	}
	PG_FINALLY();
	{
		LockTimeout = saved;
	}
	PG_END_TRY();
}

/*
 * Runs the statement through chain: under the automatic lock_timeout when
 * judging decided so, retried on lock timeouts.
 */
void
mg_lock_policy_execute(MGUtilityCall *call, const char *tag, MGLockPlan *plan,
					   bool apply_timeout, MGChainFunction chain)
{
	MGRelLock  *guarded = mg_plan_guarded_lock(plan);
	int			nest_level = -1;

	if (guarded == NULL)
	{
		chain(call);
		return;
	}
	if (apply_timeout && plan->own_transactions)
	{
		execute_with_variable_timeout(call, chain, tag, plan, guarded);
		return;
	}

	/*
	 * Like a function's SET clause: the saved value comes back at
	 * AtEOXact_GUC, or when the (sub)transaction aborts on error, and a SET
	 * LOCAL the user made before the statement is what comes back.
	 */
	if (apply_timeout)
	{
		nest_level = NewGUCNestLevel();
		(void) set_config_option("lock_timeout", psprintf("%d", mg_lock_timeout_ms),
								 PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
	}
	if (mg_lock_retries > 0 && plan->subxact_ok && LockTimeout > 0)
		execute_with_retries(call, chain, tag, plan, guarded);
	else if (LockTimeout > 0)
		execute_explaining_timeout(call, chain, tag, plan, guarded);
	else
		chain(call);
	if (apply_timeout)
		AtEOXact_GUC(true, nest_level);
}
