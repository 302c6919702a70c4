/*-------------------------------------------------------------------------
 *
 * check_run.c
 *	  Judging, and where that is safe running, each statement of the script
 *	  migration_guard.check() is given.
 *
 *	  Statements that depend on earlier ones (CREATE TABLE t, then CREATE
 *	  INDEX ON t) must be judged as the script would run them, so the whole
 *	  check runs inside a subtransaction that is always rolled back, and a
 *	  statement is also *run* there when check_actions.c says running it
 *	  cannot disturb the live database.  Each statement runs in its own
 *	  inner subtransaction, so one that fails becomes a row saying so, and
 *	  the check goes on.  Each statement is judged by the same code the
 *	  ProcessUtility hook runs (mg_judge_statement), with mg_collector set
 *	  so findings are collected instead of raised; the transaction model
 *	  (check_model.c) is told where each statement ends.
 *
 * IDENTIFICATION
 *	  src/check_run.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/xact.h"
#include "catalog/objectaccess.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "miscadmin.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"

#include "check.h"
#include "check_facts.h"
#include "judge.h"
#include "lockinfo.h"
#include "privileges.h"
#include "report.h"
#include "statement.h"
#include "usercode.h"
#include "words.h"
#include "xact_rules.h"
#include "xact_state.h"


/* The check running in this backend, for the object access hook. */
static CheckState *current_check = NULL;


/* Is a check() running in this backend? */
bool
check_running(void)
{
	return current_check != NULL;
}

/* ---------- objects the statements check() runs create ---------- */

/*
 * Called by the object access hook (object_access.c) while check() runs a
 * statement: the relations and constraints it creates (or, for a
 * constraint, changes) belong to the model's current transaction
 * (check_facts.c).  Kept per statement, and handed over only once the
 * statement succeeded.
 */
void
check_note_object_access(ObjectAccessType access, Oid classId, Oid objectId,
						 int subId)
{
	if (current_check == NULL || subId != 0 ||
		(classId != RelationRelationId && classId != ConstraintRelationId))
		return;
	if (access == OAT_POST_CREATE)
		current_check->stmt_created = lappend_oid(lappend_oid(current_check->stmt_created,
															  classId), objectId);
	else if (access == OAT_POST_ALTER && classId == ConstraintRelationId)
		current_check->stmt_altered = lappend_oid(current_check->stmt_altered, objectId);
}

/* The statement succeeded: what it created is the model transaction's. */
static void
hand_over_objects(CheckState *cs)
{
	ListCell   *lc;

	for (int i = 0; i + 1 < list_length(cs->stmt_created); i += 2)
		mg_script_facts_created(list_nth_oid(cs->stmt_created, i),
								list_nth_oid(cs->stmt_created, i + 1));
	foreach(lc, cs->stmt_altered)
		mg_script_facts_altered(ConstraintRelationId, lfirst_oid(lc));
	cs->stmt_created = NIL;
	cs->stmt_altered = NIL;
}

/* ---------- judging and running one statement ---------- */

/*
 * Opens a GUC nesting level in which nothing waits for a lock and notices
 * of the statements check() runs are not sent to the client.  Closed by
 * AtEOXact_GUC(true, level), or by the subtransaction's abort.
 */
static int
begin_quiet_nowait(void)
{
	int			level = NewGUCNestLevel();

	(void) set_config_option("lock_timeout", CHECK_LOCK_TIMEOUT,
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("client_min_messages", "error",
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	return level;
}

/* Parse analysis, as the server does before the hook sees the statement. */
static Query *
analyse_statement(CheckState *cs, RawStmt *raw)
{
	int			level = begin_quiet_nowait();
	List	   *queries;

	queries = pg_analyze_and_rewrite_fixedparams(copyObject(raw), cs->script,
												 NULL, 0, NULL);
	AtEOXact_GUC(true, level);
	if (list_length(queries) != 1 ||
		((Query *) linitial(queries))->commandType != CMD_UTILITY)
		elog(ERROR, "utility statement analysed into something else");
	return linitial(queries);
}

/*
 * Runs the (possibly adjusted) statement through ProcessUtility, which the
 * guard's own hook lets straight through while mg_check_simulating is set:
 * check() has judged it already.  SET runs as written, so that the script's
 * own lock_timeout and search_path apply to the statements after it;
 * everything else runs without waiting for locks.
 */
static void
run_statement(CheckState *cs, Query *query)
{
	PlannedStmt *pstmt = makeNode(PlannedStmt);
	bool		is_set = IsA(query->utilityStmt, VariableSetStmt);
	int			level = is_set ? -1 : begin_quiet_nowait();

	pstmt->commandType = CMD_UTILITY;
	pstmt->canSetTag = false;
	pstmt->utilityStmt = query->utilityStmt;
	pstmt->stmt_location = query->stmt_location;
	pstmt->stmt_len = query->stmt_len;

	cs->stmt_created = NIL;
	cs->stmt_altered = NIL;
	mg_check_simulating = true;
	PG_TRY();
	{
		ProcessUtility(pstmt, cs->script, false, PROCESS_UTILITY_QUERY,
					   NULL, NULL, None_Receiver, NULL);
	}
	PG_FINALLY();
	{
		mg_check_simulating = false;
	}
	PG_END_TRY();
	hand_over_objects(cs);
	if (level >= 0)
		AtEOXact_GUC(true, level);
	CommandCounterIncrement();
}

/*
 * The statement becomes the current one, as in the pipeline, with its
 * findings collected; what every statement gets judged on comes first:
 * does it run while the transaction holds a lock an earlier one took?
 */
static void
begin_judging(CheckState *cs, MGStatement *st, Node *stmt, RawStmt *raw,
			  int stmtno, MGCollector *collector)
{
	st->parsetree = stmt;
	st->query_string = cs->script;
	st->location = raw->stmt_location;
	st->length = raw->stmt_len;
	st->context = PROCESS_UTILITY_TOPLEVEL;
	mg_current_statement = st;
	mg_collector = collector;
	cs->xact->stmtno = stmtno;
	mg_xact_judge_lock_held_across(st);
}

/* The statement's findings become rows of check()'s result. */
static void
end_judging(CheckState *cs, int stmtno, char *stmt_text, MGCollector *collector)
{
	mg_collector = NULL;
	check_add_findings(cs, stmtno, stmt_text, collector->findings);
	mg_current_statement = NULL;
}

/*
 * Judges one schema statement and, where that is safe, runs it.  Runs in
 * the statement's own subtransaction; errors propagate to the caller.
 */
static void
judge_and_run(CheckState *cs, RawStmt *raw, int stmtno, char *stmt_text)
{
	Query	   *query;
	Node	   *stmt;
	MGStatement st = {0};
	MGCollector collector = {NIL};
	char	   *why = NULL;
	CheckAction action;

	PushActiveSnapshot(GetTransactionSnapshot());
	query = analyse_statement(cs, raw);
	stmt = query->utilityStmt;

	begin_judging(cs, &st, stmt, raw, stmtno, &collector);
	if (mg_statement_may_concern_us(stmt))
	{
		/* a statement the role may not run fails as it would in the script */
		mg_check_privileges_first(stmt);
		/* judging plans its locks (mg_check_lock_timeout) */
		mg_judge_statement(&st);
		/* the cross-statement lock rules and the model, as at run time */
		mg_xact_judge_multiple_exclusive(&st, st.lock_plan);
		mg_xact_note_locks(&st, st.lock_plan);
	}
	end_judging(cs, stmtno, stmt_text, &collector);

	action = check_choose_action(stmt, &why);
	if (action == ACTION_RUN)
	{
		MGRelLock  *strong = check_strong_lock_on_shared_relation(stmt);

		if (strong != NULL)
		{
			action = ACTION_JUDGE_ONLY_NOTE;
			why = psprintf("judged, not run: it would take %s on %s, which other sessions use, so later statements are judged without its effects",
						   mg_lockmode_name(strong->mode), strong->relname);
		}
	}
	/* SET changes no data, so it runs in a read-only transaction too. */
	if (action == ACTION_RUN && !cs->can_run && !IsA(stmt, VariableSetStmt))
	{
		action = ACTION_JUDGE_ONLY;
		check_add_note(cs, stmtno, stmt_text,
					   pstrdup("judged, not run: the transaction is read-only, so later statements are judged without its effects"));
	}
	else if (action == ACTION_RUN)
		run_statement(cs, query);
	else if (action == ACTION_JUDGE_ONLY_NOTE)
		check_add_note(cs, stmtno, stmt_text, why);
	/* what it did, for the statements after it (not if running it failed) */
	check_model_remember(stmt, action != ACTION_RUN);
	PopActiveSnapshot();
}

/*
 * A statement check() does not analyse (UPDATE, DO, ...) still runs while
 * the script's transaction holds its locks: lock_held_across_statements.
 */
static void
judge_locks_only(CheckState *cs, RawStmt *raw, int stmtno, char *stmt_text)
{
	MGStatement st = {0};
	MGCollector collector = {NIL};

	begin_judging(cs, &st, raw->stmt, raw, stmtno, &collector);
	end_judging(cs, stmtno, stmt_text, &collector);
}

/* The row for a statement whose judging or running failed. */
static void
add_error_note(CheckState *cs, int stmtno, char *stmt_text, ErrorData *edata)
{
	if (edata->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE)
		check_add_note(cs, stmtno, stmt_text,
					   psprintf("judged, not run: a lock it needs is held by another session (check() waits %s at most), so later statements are judged without its effects",
								CHECK_LOCK_TIMEOUT));
	else
		check_add_note(cs, stmtno, stmt_text,
					   psprintf("fails: %s (SQLSTATE %s)", edata->message,
								unpack_sql_state(edata->sqlerrcode)));
}

typedef void (*CheckStep) (CheckState *cs, RawStmt *raw, int stmtno, char *stmt_text);

/*
 * In PG_CATCH: takes the error, rolls back the subtransaction it happened
 * in and returns to the caller's memory context and resource owner.
 */
static ErrorData *
abort_subtransaction(MemoryContext oldcontext, ResourceOwner oldowner)
{
	ErrorData  *edata;

	mg_check_simulating = false;
	MemoryContextSwitchTo(oldcontext);
	edata = CopyErrorData();
	FlushErrorState();
	RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(oldcontext);
	CurrentResourceOwner = oldowner;
	return edata;
}

/*
 * One statement's step in its own subtransaction, so that a failure is
 * reported as a row and leaves the earlier statements' effects in place.
 * A cancel or statement_timeout ends the whole check.
 */
static void
in_subtransaction(CheckStep step, CheckState *cs, RawStmt *raw, int stmtno, char *stmt_text)
{
	MemoryContext oldcontext = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	MGCollector *saved_collector = mg_collector;
	MGStatement *saved_statement = mg_current_statement;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcontext);
	PG_TRY();
	{
		step(cs, raw, stmtno, stmt_text);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		mg_collector = saved_collector;
		mg_current_statement = saved_statement;
		edata = abort_subtransaction(oldcontext, oldowner);
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
			ReThrowError(edata);
		add_error_note(cs, stmtno, stmt_text, edata);
	}
	PG_END_TRY();
	mg_collector = saved_collector;
	mg_current_statement = saved_statement;
}

static void
check_statement(CheckState *cs, RawStmt *raw, int stmtno)
{
	char	   *stmt_text = check_statement_text(cs->script, raw);
	const char *reason;

	check_statement_position(cs->script, raw, &cs->cur_line, &cs->cur_col);

	if (check_is_transaction_control(raw->stmt))
	{
		check_add_note(cs, stmtno, stmt_text,
					   check_model_transaction_control(cs, raw->stmt));
		return;
	}
	if ((reason = check_not_analysed_reason(raw->stmt)) != NULL)
	{
		if (check_model_locks_held(cs))
			in_subtransaction(judge_locks_only, cs, raw, stmtno, stmt_text);
		check_add_note(cs, stmtno, stmt_text, pstrdup(reason));
	}
	else
		in_subtransaction(judge_and_run, cs, raw, stmtno, stmt_text);
	check_model_statement_done(cs);
}

/*
 * Every statement inside one subtransaction that is always rolled back:
 * nothing the script creates, and no setting it changes, survives.
 */
void
check_run_script(CheckState *cs, List *stmts)
{
	MemoryContext oldcontext = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	volatile int stmtno = 0;

	BeginInternalSubTransaction("migration_guard.check");
	MemoryContextSwitchTo(oldcontext);
	current_check = cs;
	cs->xact = mg_xact_new_simulated();
	mg_xact_push_simulated(cs->xact);
	mg_script_facts_begin();
	/* judging and running call no user-written function (usercode.c) */
	mg_forbid_user_code(true);
	PG_TRY();
	{
		ListCell   *lc;

		foreach(lc, stmts)
			check_statement(cs, lfirst_node(RawStmt, lc), ++stmtno);
		mg_forbid_user_code(false);
		mg_script_facts_end();
		mg_xact_pop_simulated();
		current_check = NULL;
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		mg_forbid_user_code(false);
		mg_script_facts_end();
		mg_xact_pop_simulated();
		current_check = NULL;
		ReThrowError(abort_subtransaction(oldcontext, oldowner));
	}
	PG_END_TRY();
}
