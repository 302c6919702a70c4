/*-------------------------------------------------------------------------
 *
 * locks.c
 *	  Lock safety: the lock_timeout rule, the automatic lock_timeout,
 *	  retries on lock timeouts, lock tracing, and the rules about locks held
 *	  too long or on too many tables.
 *
 *	  The outage this file exists to prevent is the lock queue: a statement
 *	  waiting for ACCESS EXCLUSIVE behind one long transaction makes every
 *	  later reader and writer of the table wait behind it.  So a statement
 *	  that will request a lock blocking reads or writes on a table other
 *	  sessions use must run with a short lock_timeout: the guard refuses it
 *	  otherwise (lock_timeout rule), or applies migration_guard.lock_timeout
 *	  to that statement itself, and retries it in a subtransaction when the
 *	  timeout fires (migration_guard.lock_retries).
 *
 *	  Which locks a statement takes is lockinfo.c's business; this file
 *	  decides what to do about them.  State that lives for a transaction
 *	  (which ACCESS EXCLUSIVE locks earlier statements took) is reset by a
 *	  transaction callback, and ordinary DML pays one test of a static
 *	  pointer when no DDL ran in its transaction.
 *
 * IDENTIFICATION
 *	  src/locks.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/parallel.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_namespace.h"
#include "common/pg_prng.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "parser/parser.h"
#include "storage/latch.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "migration_guard.h"
#include "heads.h"
#include "lockinfo.h"
#include "relfacts.h"
#include "stats.h"
#include "rules_dml.h"

/* Longest statement text quoted in messages. */
/* Most blocking sessions listed in a retry message. */
#define MAX_BLOCKERS_LISTED 5

/*
 * The plan of the statement hook.c just judged, kept for its execution,
 * which follows at once.  Matched by statement and parse tree, so that a
 * stale entry (a statement whose judging raised an error) is never used.
 */
static struct
{
	MGStatement *st;
	Node	   *parsetree;
	MGLockPlan *plan;
	bool		apply_timeout;
} judged;

/* An ACCESS EXCLUSIVE lock a finished statement of this transaction took. */
typedef struct HeldExclusive
{
	Oid			relid;
	char		relkind;
	char	   *relname;
	char	   *statement;		/* the statement that took it */
} HeldExclusive;

/* Transaction state, allocated in TopTransactionContext. */
static List *held_exclusive = NIL;
static bool held_reported = false;
static bool multiple_reported = false;

/* Utility statements executing in this backend, nested. */
static int	utility_depth = 0;

/* The guard's own SPI query is running: not a statement of the migration. */
static bool running_own_query = false;

static ProcessUtility_hook_type prev_ProcessUtility = NULL;
static ExecutorStart_hook_type prev_ExecutorStart = NULL;

static void locks_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
								 bool readOnlyTree, ProcessUtilityContext context,
								 ParamListInfo params, QueryEnvironment *queryEnv,
								 DestReceiver *dest, QueryCompletion *qc);
static void locks_ExecutorStart(QueryDesc *queryDesc, int eflags);
static void locks_xact_callback(XactEvent event, void *arg);
static void locks_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
								   SubTransactionId parentSubid, void *arg);

/* ---------- small helpers ---------- */

/* Does this backend hold mode, or a stronger mode, on relid? */
static bool
holds_lock_or_stronger(Oid relid, LOCKMODE mode)
{
	LOCKTAG		tag;

	SET_LOCKTAG_RELATION(tag, MyDatabaseId, relid);
	for (LOCKMODE m = mode; m <= AccessExclusiveLock; m++)
	{
		if (compat_LockHeldByMe(&tag, m))
			return true;
	}
	return false;
}

/* A setting as SHOW prints it, with its unit: "5s", "1min". */
static char *
show_setting(const char *name)
{
	return GetConfigOptionByName(name, NULL, false);
}

static const char *
command_name(Node *parsetree)
{
	return CreateCommandName(parsetree);
}

/* lock_timeout is set, and not above migration_guard.max_lock_timeout. */
static bool
lock_timeout_within_limit(void)
{
	return LockTimeout > 0 && LockTimeout <= mg_max_lock_timeout;
}

/*
 * migration_guard.lock_timeout applies unless migration_guard.allow names
 * the lock_timeout rule: a transaction that accepts the rule deliberately
 * (a maintenance window) waits as long as its own setting says.
 */
static bool
automatic_timeout_configured(void)
{
	return mg_lock_timeout_ms > 0 &&
		!mg_rule_allowed_by_setting(MG_RULE_LOCK_TIMEOUT);
}

/* ---------- initialization and transaction state ---------- */

void
mg_locks_init(void)
{
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = locks_ProcessUtility;
	prev_ExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = locks_ExecutorStart;
	RegisterXactCallback(locks_xact_callback, NULL);
	RegisterSubXactCallback(locks_subxact_callback, NULL);
}

static void
locks_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			/* the list lived in TopTransactionContext, which goes now */
			held_exclusive = NIL;
			held_reported = false;
			multiple_reported = false;
			judged.st = NULL;
			judged.plan = NULL;
			break;
		default:
			break;
	}
}

/*
 * An error between judging a statement and executing it (a later check
 * refused it) leaves the judged plan behind, allocated in memory that is
 * about to be reset.  When a savepoint catches that error, the transaction
 * goes on: forget the plan, so that a later statement that happens to sit
 * at the same addresses never picks it up.
 */
static void
locks_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		judged.st = NULL;
		judged.plan = NULL;
	}
}

/* The first remembered ACCESS EXCLUSIVE lock this transaction still holds. */
static HeldExclusive *
first_held_exclusive(void)
{
	ListCell   *lc;

	foreach(lc, held_exclusive)
	{
		HeldExclusive *h = lfirst(lc);

		/* a rolled-back savepoint released it */
		if (holds_lock_or_stronger(h->relid, AccessExclusiveLock))
			return h;
	}
	return NULL;
}

static bool
counts_as_exclusive(const MGRelLock *l)
{
	return l->mode == AccessExclusiveLock && l->shared &&
		l->relkind != RELKIND_COMPOSITE_TYPE;
}

/* Does the statement take ACCESS EXCLUSIVE on a relation others use? */
static bool
plan_takes_exclusive(const MGLockPlan *plan)
{
	ListCell   *lc;

	foreach(lc, plan->locks)
	{
		if (counts_as_exclusive(lfirst(lc)))
			return true;
	}
	return false;
}

/*
 * After a statement finished: remember the ACCESS EXCLUSIVE locks it took
 * on relations other sessions use, for lock_held_across_statements and
 * multiple_exclusive_locks.
 */
static void
remember_exclusive_locks(MGStatement *st, MGLockPlan *plan)
{
	ListCell   *lc;
	MemoryContext oldcxt;
	char	   *text = NULL;

	if (plan->own_transactions || !IsTransactionState())
		return;
	foreach(lc, plan->locks)
	{
		MGRelLock  *l = lfirst(lc);
		ListCell   *lc2;
		bool		known = false;
		HeldExclusive *h;

		if (!counts_as_exclusive(l) || !holds_lock_or_stronger(l->relid, AccessExclusiveLock))
			continue;
		foreach(lc2, held_exclusive)
		{
			if (((HeldExclusive *) lfirst(lc2))->relid == l->relid)
				known = true;
		}
		if (known)
			continue;

		oldcxt = MemoryContextSwitchTo(TopTransactionContext);
		if (text == NULL)
			text = mg_quote_statement(mg_statement_text(st));
		h = palloc(sizeof(HeldExclusive));
		h->relid = l->relid;
		h->relkind = l->relkind;
		h->relname = pstrdup(l->relname);
		h->statement = text;
		held_exclusive = lappend(held_exclusive, h);
		MemoryContextSwitchTo(oldcxt);
	}
}

/* ---------- lock_held_across_statements ---------- */

/*
 * The lock_held_across_statements finding for the ACCESS EXCLUSIVE lock on
 * relid.  taken_by completes "The lock ..." with the statement that took
 * it: the running guard quotes the statement it saw, check() names the
 * statement of the script.
 */
void
mg_lock_held_across_finding(MGFinding *f, Oid relid, char relkind,
							const char *relname, const char *taken_by)
{
	f->rule = MG_RULE_LOCK_HELD_ACROSS_STATEMENTS;
	f->relid = relid;
	f->lockmode = AccessExclusiveLock;
	f->message = psprintf("this transaction goes on running statements while it holds ACCESS EXCLUSIVE lock on %s \"%s\"",
						  mg_relkind_word(relkind), relname);
	f->detail = psprintf("The lock %s  Until the transaction ends, every read and write of \"%s\" waits, for as long as the statements that follow take.",
						 taken_by, relname);
	f->hint = pstrdup("Commit right after the statement that takes ACCESS EXCLUSIVE, and run the statements that follow in their own transactions.");
}

/*
 * A statement starts while this transaction holds ACCESS EXCLUSIVE on a
 * table that an earlier statement locked: every reader and writer of that
 * table now also waits for this statement.  Reported once per transaction.
 */
static void
check_lock_held_across(Node *parsetree, const char *query, int location, int length)
{
	HeldExclusive *h = first_held_exclusive();
	MGStatement current = {0};
	MGStatement *saved = mg_current_statement;
	MGFinding	f = {0};

	if (h == NULL)
		return;
	if (!mg_rule_applies(MG_RULE_LOCK_HELD_ACROSS_STATEMENTS, h->relid))
	{
		held_reported = true;
		return;
	}

	mg_lock_held_across_finding(&f, h->relid, h->relkind, h->relname,
								psprintf("was taken by: %s", h->statement));

	/* directives in the statement that starts now apply to this finding */
	current.parsetree = parsetree;
	current.query_string = query;
	current.location = location;
	current.length = length;
	mg_current_statement = &current;
	PG_TRY();
	{
		mg_report(&f);
	}
	PG_FINALLY();
	{
		mg_current_statement = saved;
	}
	PG_END_TRY();

	/*
	 * Only a finding that let the statement through was reported: after a
	 * refusal rolled back to a savepoint, the next statement still is one
	 * under the lock.
	 */
	held_reported = true;
}

/* Statements that do not prolong a lock worth mentioning. */
static bool
statement_continues_transaction(Node *parsetree)
{
	switch (nodeTag(parsetree))
	{
		case T_TransactionStmt:
		case T_VariableSetStmt:
		case T_VariableShowStmt:
			return false;
		default:
			return true;
	}
}

static bool
lock_tracking_active(void)
{
	return held_exclusive != NIL && !held_reported && !running_own_query &&
		!mg_heads_own_query_running() &&
		mg_mode != MG_SEV_OFF && !mg_check_simulating && mg_collector == NULL;
}

/*
 * Outermost ProcessUtility hook: sees every utility statement, also those
 * no rule concerns, so that it can tell when a transaction goes on after an
 * ACCESS EXCLUSIVE lock, and counts nesting for the ExecutorStart hook.
 */
static void
locks_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
					 bool readOnlyTree, ProcessUtilityContext context,
					 ParamListInfo params, QueryEnvironment *queryEnv,
					 DestReceiver *dest, QueryCompletion *qc)
{
	if (lock_tracking_active() &&
		context != PROCESS_UTILITY_SUBCOMMAND &&
		statement_continues_transaction(pstmt->utilityStmt) &&
		!IsAbortedTransactionBlockState())
		check_lock_held_across(pstmt->utilityStmt, queryString,
							   pstmt->stmt_location, pstmt->stmt_len);

	utility_depth++;
	PG_TRY();
	{
		if (prev_ProcessUtility)
			prev_ProcessUtility(pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);
		else
			standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
									params, queryEnv, dest, qc);
	}
	PG_FINALLY();
	{
		utility_depth--;
	}
	PG_END_TRY();
}

/*
 * Migration tools record the migration in their version table in the same
 * transaction as its DDL (Rails, Django, Alembic, Flyway, ...): a query that
 * touches nothing but that table is part of the migration's bookkeeping,
 * not more work under the lock.
 */
static bool
only_migration_table(QueryDesc *queryDesc)
{
	List	   *tools;
	List	   *tables = NIL;
	ListCell   *lc;
	bool		any = false;

	foreach(lc, queryDesc->plannedstmt->rtable)
	{
		RangeTblEntry *rte = lfirst(lc);

		if (rte->rtekind != RTE_RELATION)
			continue;
		if (tables == NIL)
		{
			tables = mg_heads_find_candidates(mg_migration_tool, mg_migration_table, &tools);
			if (tables == NIL)
				return false;
		}
		if (!list_member_oid(tables, rte->relid))
			return false;
		any = true;
	}
	return any;
}

/*
 * ExecutorStart hook: a query of the migration (not one PostgreSQL runs
 * internally, like the foreign-key checks at COMMIT) after an ACCESS
 * EXCLUSIVE lock.  A query is the migration's when it is the client's
 * statement itself, or runs inside a utility statement (DO, CALL).
 */
static void
locks_ExecutorStart(QueryDesc *queryDesc, int eflags)
{
	/* unbatched_data_change (rules_dml.c): a test of the command type first */
	mg_dml_executor_start(queryDesc, eflags, utility_depth > 0);

	if (lock_tracking_active() &&
		!(eflags & EXEC_FLAG_EXPLAIN_ONLY) &&
		!IsParallelWorker() &&
		queryDesc->sourceText != NULL &&
		(utility_depth > 0 ||
		 (debug_query_string != NULL &&
		  (queryDesc->sourceText == debug_query_string ||
		   strcmp(queryDesc->sourceText, debug_query_string) == 0))) &&
		!only_migration_table(queryDesc))
		check_lock_held_across(NULL, queryDesc->sourceText,
							   queryDesc->plannedstmt->stmt_location,
							   queryDesc->plannedstmt->stmt_len);

	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
}

/* ---------- judging: lock_timeout and multiple_exclusive_locks ---------- */

/*
 * Plans the statement being judged, and keeps the plan for its execution,
 * which follows at once in the same hook call.  Statements judged by
 * check() are not executed by the hook: their plans are not kept.
 */
static MGLockPlan *
plan_for_statement(MGStatement *st)
{
	MGLockPlan *plan = mg_statement_lock_plan(st->parsetree);

	judged.st = NULL;
	if (mg_collector == NULL && !mg_check_simulating)
	{
		judged.st = st;
		judged.parsetree = st->parsetree;
		judged.plan = plan;
		judged.apply_timeout = false;
	}
	return plan;
}

static void
report_lock_timeout(MGStatement *st, MGLockPlan *plan, MGRelLock *l)
{
	ListCell   *lc;
	MGFinding	f = {0};
	const char *tag = command_name(st->parsetree);
	const char *kind = mg_relkind_word(l->relkind);
	StringInfoData detail;

	f.rule = MG_RULE_LOCK_TIMEOUT;
	f.relid = l->relid;
	f.lockmode = l->mode;
	if (LockTimeout == 0)
		f.message = psprintf("%s would wait for %s lock on %s \"%s\" without a lock timeout",
							 tag, mg_lockmode_name(l->mode), kind, l->relname);
	else
		f.message = psprintf("%s would wait up to %s for %s lock on %s \"%s\"",
							 tag, show_setting("lock_timeout"),
							 mg_lockmode_name(l->mode), kind, l->relname);

	initStringInfo(&detail);
	appendStringInfo(&detail,
					 "While it waits behind a transaction that uses \"%s\", %s %s \"%s\" that comes after it waits too.",
					 l->relname, mg_lock_blocks_what(l->mode),
					 l->mode == AccessExclusiveLock ? "of" : "on", l->relname);
	if (l->role != NULL)
		appendStringInfo(&detail, "  \"%s\" is %s.", l->relname, l->role);
	foreach(lc, plan->locks)
	{
		MGRelLock  *other = lfirst(lc);

		if (other == l || !other->shared || other->relkind == RELKIND_COMPOSITE_TYPE ||
			!mg_lock_blocks_reads_or_writes(other->mode))
			continue;
		appendStringInfo(&detail, "  It also needs %s lock on %s \"%s\"%s%s.",
						 mg_lockmode_name(other->mode), mg_relkind_word(other->relkind),
						 other->relname, other->role ? ", " : "",
						 other->role ? other->role : "");
	}
	if (LockTimeout == 0)
		appendStringInfoString(&detail, "  \"lock_timeout\" is 0, so it would wait for as long as that transaction lasts.");
	else
		appendStringInfo(&detail, "  \"lock_timeout\" is %s, above \"migration_guard.max_lock_timeout\" (%s).",
						 show_setting("lock_timeout"),
						 show_setting("migration_guard.max_lock_timeout"));
	f.detail = detail.data;
	f.hint = psprintf("Set a short lock timeout and retry the statement when it times out: SET lock_timeout = '%s'.  Or have the DBA set \"migration_guard.lock_timeout\" (and \"migration_guard.lock_retries\"), which applies the timeout and retries for you.",
					  show_setting("migration_guard.max_lock_timeout"));
	mg_report(&f);
}

/*
 * The multiple_exclusive_locks finding: command would leave the transaction
 * holding ACCESS EXCLUSIVE on the tables named (new_table the first one it
 * adds).  earlier_taken_by, unless NULL, completes "The lock on ..." for
 * earlier_name, the first table locked before it.
 */
void
mg_multiple_exclusive_locks_finding(MGFinding *f, Oid new_table,
									const char *command, List *names,
									const char *earlier_name,
									const char *earlier_taken_by)
{
	StringInfoData list;
	ListCell   *lc;
	const char *why = "Every read and write of each of them waits until the transaction ends, and locking several tables this strongly can deadlock with application transactions that use them in another order.";

	initStringInfo(&list);
	foreach(lc, names)
		appendStringInfo(&list, "%s\"%s\"", list.len > 0 ? ", " : "",
						 (char *) lfirst(lc));
	f->rule = MG_RULE_MULTIPLE_EXCLUSIVE_LOCKS;
	f->relid = new_table;
	f->lockmode = AccessExclusiveLock;
	f->message = psprintf("%s would leave this transaction holding ACCESS EXCLUSIVE locks on %d tables: %s",
						  command, list_length(names), list.data);
	if (earlier_taken_by != NULL)
		f->detail = psprintf("%s  The lock on \"%s\" %s", why, earlier_name,
							 earlier_taken_by);
	else
		f->detail = pstrdup(why);
	f->hint = pstrdup("Change one table per transaction: commit after the statements that lock each table.");
}

/*
 * multiple_exclusive_locks: the statement would leave this transaction
 * holding ACCESS EXCLUSIVE on two or more tables other sessions use.
 * Judged before the statement runs, so that enforce refuses it before it
 * queues.
 */
static void
check_multiple_exclusive_locks(MGStatement *st, MGLockPlan *plan)
{
	List	   *tables = NIL;
	List	   *names = NIL;
	int			before;
	ListCell   *lc;
	Oid			new_table = InvalidOid;
	HeldExclusive *earlier = NULL;
	MGFinding	f = {0};

	if (multiple_reported || mg_collector != NULL ||
		!mg_rule_applies(MG_RULE_MULTIPLE_EXCLUSIVE_LOCKS, InvalidOid))
		return;

	foreach(lc, held_exclusive)
	{
		HeldExclusive *h = lfirst(lc);
		Oid			table;

		if (!holds_lock_or_stronger(h->relid, AccessExclusiveLock))
			continue;
		table = mg_lock_owning_table(h->relid, h->relkind);
		if (!list_member_oid(tables, table))
		{
			tables = lappend_oid(tables, table);
			names = lappend(names, h->relname);
			if (earlier == NULL)
				earlier = h;
		}
	}
	before = list_length(tables);
	foreach(lc, plan->locks)
	{
		MGRelLock  *l = lfirst(lc);
		Oid			table;

		if (!counts_as_exclusive(l))
			continue;
		table = mg_lock_owning_table(l->relid, l->relkind);
		if (!list_member_oid(tables, table))
		{
			tables = lappend_oid(tables, table);
			names = lappend(names, table == l->relid ? l->relname : mg_rel_name(table));
			if (!OidIsValid(new_table))
				new_table = table;
		}
	}
	if (list_length(tables) < 2 || list_length(tables) == before)
		return;

	mg_multiple_exclusive_locks_finding(&f, new_table, command_name(st->parsetree),
										names,
										earlier ? earlier->relname : NULL,
										earlier ? psprintf("was taken by: %s", earlier->statement) : NULL);
	mg_report(&f);
	/* not before: a refusal rolled back to a savepoint must not count */
	multiple_reported = true;
}

/*
 * The lock the lock_timeout rule judges: the plan's guarded lock, or, when
 * the rule does not apply to that relation (a migration tool's bookkeeping
 * table), the strongest guarded lock on one it applies to.  A statement on
 * a bookkeeping table can also queue for other tables (a foreign key to a
 * production table, LOCK TABLE of a list): those are judged.
 */
static MGRelLock *
lock_timeout_judged_lock(MGLockPlan *plan, MGRelLock *guarded)
{
	ListCell   *lc;
	MGRelLock  *best = NULL;

	if (mg_rule_applies(MG_RULE_LOCK_TIMEOUT, guarded->relid))
		return guarded;
	foreach(lc, plan->locks)
	{
		MGRelLock  *l = lfirst(lc);

		if (l == guarded || !l->shared || l->relkind == RELKIND_COMPOSITE_TYPE ||
			!mg_lock_blocks_reads_or_writes(l->mode) ||
			!mg_rule_applies(MG_RULE_LOCK_TIMEOUT, l->relid))
			continue;
		if (best == NULL || l->mode > best->mode)
			best = l;
	}
	return best;
}

/*
 * Called by hook.c while it judges a statement (also from check()).
 */
void
mg_check_lock_timeout(MGStatement *st)
{
	MGLockPlan *plan = plan_for_statement(st);
	MGRelLock  *guarded = mg_plan_guarded_lock(plan);

	if (guarded != NULL && !lock_timeout_within_limit())
	{
		if (automatic_timeout_configured())
			judged.apply_timeout = judged.st == st;
		else if ((guarded = lock_timeout_judged_lock(plan, guarded)) != NULL)
			report_lock_timeout(st, plan, guarded);
	}
	if (plan_takes_exclusive(plan))
		check_multiple_exclusive_locks(st, plan);
}

/* ---------- execution: timeouts, retries ---------- */

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

		if (l->shared && !holds_lock_or_stronger(l->relid, l->mode))
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
	running_own_query = true;
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
		running_own_query = false;
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
			edata->detail = psprintf("%s waited %s for %s lock on %s \"%s\" %d times and gave up each time, so that the sessions queued behind it were not blocked any longer.",
									 tag, show_setting("lock_timeout"),
									 mg_lockmode_name(l->mode), mg_relkind_word(l->relkind),
									 l->relname, attempts);
		else
			edata->detail = psprintf("%s waited %s for %s lock on %s \"%s\" and gave up, so that the sessions queued behind it were not blocked any longer.",
									 tag, show_setting("lock_timeout"),
									 mg_lockmode_name(l->mode), mg_relkind_word(l->relkind),
									 l->relname);
	}
	if (edata->hint == NULL)
	{
		if (attempts > 1)
			edata->hint = pstrdup("Other sessions kept conflicting locks through every attempt; pg_locks and pg_stat_activity show which.  Run the migration again when they have finished, or raise \"migration_guard.lock_retries\".");
		else
			edata->hint = pstrdup("Another session holds or awaits a conflicting lock; pg_locks and pg_stat_activity show which.  Run the statement again, or have the DBA set \"migration_guard.lock_retries\" so that the guard retries it.");
	}
	return edata;
}

/*
 * Runs the statement once; a lock timeout error gets the explanation above.
 * Nothing touches the database between catching and re-raising the error,
 * so no subtransaction is needed.
 */
static void
execute_explaining_timeout(MGUtilityCall *call, const char *tag, MGLockPlan *plan,
						   MGRelLock *guarded)
{
	MemoryContext oldcxt = CurrentMemoryContext;

	PG_TRY();
	{
		mg_call_next_ProcessUtility(call);
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
	char	   *message = psprintf("%s timed out waiting for %s lock on %s \"%s\", retrying (%d of %d)",
								   tag, mg_lockmode_name(l->mode), mg_relkind_word(l->relkind),
								   l->relname, retry, mg_lock_retries);
	char	   *detail = psprintf("\"lock_timeout\" is %s.  Next attempt in %d ms.  Sessions holding conflicting locks: %s.",
								  show_setting("lock_timeout"), delay, blockers);

	/* the client's migration log, and the server log for the DBA */
	ereport(NOTICE,
			(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
			 errmsg("%s", message),
			 errdetail("%s", detail)));
	ereport(LOG_SERVER_ONLY,
			(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
			 errmsg("migration_guard: %s", message),
			 errdetail("%s", detail),
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
execute_with_retries(MGUtilityCall *call, const char *tag, MGLockPlan *plan,
					 MGRelLock *guarded)
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
			mg_call_next_ProcessUtility(&again);
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
execute_with_variable_timeout(MGUtilityCall *call, const char *tag,
							  MGLockPlan *plan, MGRelLock *guarded)
{
	int			saved = LockTimeout;

	LockTimeout = mg_lock_timeout_ms;
	PG_TRY();
	{
		execute_explaining_timeout(call, tag, plan, guarded);
	}
	PG_FINALLY();
	{
		LockTimeout = saved;
	}
	PG_END_TRY();
}

/* ---------- trace_locks ---------- */

typedef struct TracedRel
{
	Oid			relid;
	LOCKMASK	held;			/* modes this backend holds */
	Oid			relfilenode;
	char		relkind;
	char	   *relname;
	bool		known_before;	/* existed before the statement */
	bool		hidden;			/* TOAST: part of its table's storage */
} TracedRel;

static TracedRel *
traced_find(List *rels, Oid relid)
{
	ListCell   *lc;

	foreach(lc, rels)
	{
		TracedRel  *t = lfirst(lc);

		if (t->relid == relid)
			return t;
	}
	return NULL;
}

static TracedRel *
traced_add(List **rels, Oid relid)
{
	TracedRel  *t = traced_find(*rels, relid);
	HeapTuple	tup;

	if (t != NULL)
		return t;
	t = palloc0(sizeof(TracedRel));
	t->relid = relid;
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (HeapTupleIsValid(tup))
	{
		Form_pg_class cls = (Form_pg_class) GETSTRUCT(tup);

		t->relfilenode = cls->relfilenode;
		t->relkind = cls->relkind;
		t->known_before = true;
		t->hidden = cls->relnamespace == PG_TOAST_NAMESPACE;
		ReleaseSysCache(tup);
		t->relname = mg_rel_name(relid);
	}
	*rels = lappend(*rels, t);
	return t;
}

/*
 * This backend's locks on user relations of this database.  Reads the
 * whole lock table (GetLockStatusData), which is why it runs only when
 * migration_guard.trace_locks is on.
 */
static void
add_own_relation_locks(List **rels, bool before)
{
	LockData   *data = GetLockStatusData();

	for (int i = 0; i < data->nelements; i++)
	{
		LockInstanceData *inst = &data->locks[i];
		TracedRel  *t;

		if (inst->pid != MyProcPid || inst->holdMask == 0 ||
			inst->locktag.locktag_type != LOCKTAG_RELATION ||
			inst->locktag.locktag_field1 != MyDatabaseId ||
			inst->locktag.locktag_field2 < FirstNormalObjectId)
			continue;
		if (before)
			t = traced_add(rels, inst->locktag.locktag_field2);
		else
		{
			t = traced_find(*rels, inst->locktag.locktag_field2);
			if (t == NULL)
			{
				t = palloc0(sizeof(TracedRel));
				t->relid = inst->locktag.locktag_field2;
				*rels = lappend(*rels, t);
			}
		}
		t->held |= inst->holdMask;
	}
}

static void
add_indexes_of(List **rels, Oid relid)
{
	ListCell   *lc;

	foreach(lc, mg_table_index_oids(relid))
		traced_add(rels, lfirst_oid(lc));
}

/*
 * Before the statement: the locks this backend holds, and the relfilenode
 * of every relation the statement may lock or rewrite (its relations,
 * their partitions, indexes and TOAST tables).
 */
static List *
trace_before(MGLockPlan *plan)
{
	List	   *rels = NIL;
	ListCell   *lc;

	add_own_relation_locks(&rels, true);
	foreach(lc, plan->locks)
	{
		MGRelLock  *l = lfirst(lc);
		List	   *family = find_all_inheritors(l->relid, NoLock, NULL);
		ListCell   *lc2;

		foreach(lc2, family)
		{
			Oid			relid = lfirst_oid(lc2);
			Oid			toast = InvalidOid;
			HeapTuple	tup;

			traced_add(&rels, relid);
			add_indexes_of(&rels, relid);
			tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
			if (HeapTupleIsValid(tup))
			{
				toast = ((Form_pg_class) GETSTRUCT(tup))->reltoastrelid;
				ReleaseSysCache(tup);
			}
			if (OidIsValid(toast))
			{
				traced_add(&rels, toast);
				add_indexes_of(&rels, toast);
			}
		}
	}
	return rels;
}

static int
compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* "ACCESS EXCLUSIVE, ACCESS SHARE": the modes in mask, strongest first. */
static char *
lockmask_names(LOCKMASK mask)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (LOCKMODE m = AccessExclusiveLock; m >= AccessShareLock; m--)
	{
		if (mask & LOCKBIT_ON(m))
			appendStringInfo(&buf, "%s%s", buf.len > 0 ? ", " : "", mg_lockmode_name(m));
	}
	return buf.data;
}

/*
 * After the statement: one NOTICE listing the relation locks it newly
 * acquired and the relations whose relfilenode changed (rewritten).
 */
static void
trace_after(const char *tag, List *before)
{
	List	   *after = NIL;
	List	   *lines = NIL;
	ListCell   *lc;
	char	  **sorted;
	int			n = 0;
	StringInfoData detail;

	/* copy the "before" view; locks are read fresh */
	foreach(lc, before)
	{
		TracedRel  *t = palloc(sizeof(TracedRel));

		*t = *(TracedRel *) lfirst(lc);
		t->held = 0;
		after = lappend(after, t);
	}
	add_own_relation_locks(&after, false);

	foreach(lc, after)
	{
		TracedRel  *t = lfirst(lc);
		TracedRel  *old = traced_find(before, t->relid);
		LOCKMASK	newly = t->held & ~(old ? old->held : 0);
		HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(t->relid));
		const char *state = NULL;
		char	   *name = t->relname;
		char		relkind = t->relkind;

		if (HeapTupleIsValid(tup))
		{
			Form_pg_class cls = (Form_pg_class) GETSTRUCT(tup);

			relkind = cls->relkind;
			if (cls->relnamespace == PG_TOAST_NAMESPACE)
				t->hidden = true;
			if (!t->known_before)
				state = "new";
			else if (cls->relfilenode != t->relfilenode)
				state = "rewritten";
			ReleaseSysCache(tup);
			if (name == NULL)
				name = mg_rel_name(t->relid);
		}
		else if (t->known_before)
			state = "dropped";
		else
			continue;			/* created and dropped within the statement */
		if (name == NULL)
			name = psprintf("relation %u", t->relid);

		if (t->hidden)
			continue;
		if (newly == 0 && (state == NULL || strcmp(state, "rewritten") != 0))
			continue;
		lines = lappend(lines,
						psprintf("%s (%s): %s%s%s", name, mg_relkind_word(relkind),
								 newly ? lockmask_names(newly) :
								 t->held ? "lock held before" : "lock already released",
								 state ? ", " : "", state ? state : ""));
	}

	if (lines == NIL)
	{
		ereport(NOTICE,
				(errmsg("%s locked or rewrote no relation", tag)));
		return;
	}
	sorted = palloc(sizeof(char *) * list_length(lines));
	foreach(lc, lines)
		sorted[n++] = lfirst(lc);
	qsort(sorted, n, sizeof(char *), compare_strings);
	initStringInfo(&detail);
	for (int i = 0; i < n; i++)
		appendStringInfo(&detail, "%s%s", i > 0 ? "\n" : "", sorted[i]);
	ereport(NOTICE,
			(errmsg_plural("%s locked or rewrote %d relation",
						   "%s locked or rewrote %d relations",
						   n, tag, n),
			 errdetail_internal("%s", detail.data)));
}

/* ---------- execution entry point ---------- */

/*
 * Runs the statement through the rest of the hook chain: under the
 * automatic lock_timeout when judging decided so, retried on lock
 * timeouts, traced; then remembers the ACCESS EXCLUSIVE locks it holds.
 */
void
mg_locks_execute(MGStatement *st, MGUtilityCall *call)
{
	MGLockPlan *plan;
	MGRelLock  *guarded;
	bool		apply_timeout;
	bool		takes_exclusive;
	const char *tag;
	List	   *trace = NIL;

	/*
	 * The timeout, retries and tracing work in every mode: "off" silences
	 * the rules, not the safety net a DBA configured on purpose.
	 */
	if (judged.st == st && judged.parsetree == st->parsetree && judged.plan != NULL)
	{
		plan = judged.plan;
		apply_timeout = judged.apply_timeout;
	}
	else
	{
		plan = mg_statement_lock_plan(st->parsetree);
		apply_timeout = mg_plan_guarded_lock(plan) != NULL &&
			!lock_timeout_within_limit() && automatic_timeout_configured();
	}
	judged.st = NULL;
	judged.plan = NULL;

	guarded = mg_plan_guarded_lock(plan);
	takes_exclusive = plan_takes_exclusive(plan);
	if (guarded == NULL && !takes_exclusive && !mg_trace_locks)
	{
		mg_call_next_ProcessUtility(call);
		return;
	}

	/* the parse tree may be gone after execution: read it now */
	tag = command_name(st->parsetree);
	if (mg_trace_locks)
		trace = trace_before(plan);

	if (guarded == NULL)
		mg_call_next_ProcessUtility(call);
	else if (apply_timeout && plan->own_transactions)
		execute_with_variable_timeout(call, tag, plan, guarded);
	else
	{
		int			nest_level = -1;

		/*
		 * Like a function's SET clause: the saved value comes back at
		 * AtEOXact_GUC, or when the (sub)transaction aborts on error, and a
		 * SET LOCAL the user made before the statement is what comes back.
		 */
		if (apply_timeout)
		{
			nest_level = NewGUCNestLevel();
			(void) set_config_option("lock_timeout", psprintf("%d", mg_lock_timeout_ms),
									 PGC_USERSET, PGC_S_SESSION,
									 GUC_ACTION_SAVE, true, 0, false);
		}
		if (mg_lock_retries > 0 && plan->subxact_ok && LockTimeout > 0)
			execute_with_retries(call, tag, plan, guarded);
		else if (LockTimeout > 0)
			execute_explaining_timeout(call, tag, plan, guarded);
		else
			mg_call_next_ProcessUtility(call);
		if (apply_timeout)
			AtEOXact_GUC(true, nest_level);
	}

	if (takes_exclusive)
		remember_exclusive_locks(st, plan);
	if (mg_trace_locks && IsTransactionState())
		trace_after(tag, trace);
}

/* ---------- SQL: migration_guard.statement_locks(sql) ---------- */

PG_FUNCTION_INFO_V1(mg_statement_locks);

/*
 * The relation locks each statement of a script would request, as the
 * guard predicts them, without running anything.
 */
Datum
mg_statement_locks(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *sql;
	List	   *stmts;
	ListCell   *lc;
	int			number = 0;

	/* no rows would read as "takes no locks" */
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the script passed to migration_guard.statement_locks() must not be null")));
	sql = text_to_cstring(PG_GETARG_TEXT_PP(0));

	InitMaterializedSRF(fcinfo, 0);
	stmts = raw_parser(sql, RAW_PARSE_DEFAULT);
	foreach(lc, stmts)
	{
		RawStmt    *raw = lfirst_node(RawStmt, lc);
		MGLockPlan *plan = mg_statement_lock_plan(raw->stmt);
		ListCell   *lc2;

		number++;
		foreach(lc2, plan->locks)
		{
			MGRelLock  *l = lfirst(lc2);
			Datum		values[5];
			bool		nulls[5] = {0};

			values[0] = Int32GetDatum(number);
			values[1] = ObjectIdGetDatum(l->relid);
			values[2] = CStringGetTextDatum(mg_lockmode_name(l->mode));
			values[3] = CStringGetTextDatum(mg_lock_blocks_reads_or_writes(l->mode) ?
											mg_lock_blocks_what(l->mode) : "no reads or writes");
			values[4] = BoolGetDatum(!plan->nowait && l->shared &&
									 l->relkind != RELKIND_COMPOSITE_TYPE &&
									 mg_lock_blocks_reads_or_writes(l->mode));
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	return (Datum) 0;
}
