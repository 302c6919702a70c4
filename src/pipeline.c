/*-------------------------------------------------------------------------
 *
 * pipeline.c
 *	  The one ProcessUtility hook: every utility statement's way through
 *	  the guard, in one place.
 *
 *	    classify      does anything concern this statement?  Most utility
 *	                  statements (SET, SHOW, BEGIN, ...) go straight down
 *	                  the chain: a test of the type is all they pay.
 *	    judge         privileges first, then the rule families (judge.c),
 *	                  the lock policy and the cross-statement rules
 *	                  (xact_rules.c), the migration head (heads.c)
 *	    lock policy   the automatic lock_timeout, retries (lock_retry.c)
 *	    execute       down the rest of the hook chain (chain_next())
 *	    after-effects lock tracing (lock_trace.c); what the transaction now
 *	                  holds and did (xact_state.c)
 *
 *	  Before all that, for every statement (also those nothing else
 *	  concerns), lock_held_across_statements: the statement starts while
 *	  the transaction holds an ACCESS EXCLUSIVE lock an earlier statement
 *	  took; tested only when the transaction's state has such a lock.
 *
 *	  The statement's state lives in one MGStatementRun on this hook's
 *	  stack; the statement stays current (mg_current_statement) while it
 *	  executes, so that checks made during execution (the table_rewrite
 *	  backstop, commit-time checks) see its directives and predictions.
 *	  Statements nest (a DO block's EXECUTE runs inside the DO): the outer
 *	  one is restored afterwards, with the nesting depth the executor hook
 *	  reads, in the one PG_FINALLY.
 *
 *	  Statements are judged in every context (top level, functions, DO
 *	  blocks, procedures), so wrapping DDL in EXECUTE is no way around the
 *	  guard, except PROCESS_UTILITY_SUBCOMMAND: those are internal steps of
 *	  a statement that was judged already.
 *
 * IDENTIFICATION
 *	  src/pipeline.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/xact.h"
#include "miscadmin.h"

#include "audit.h"
#include "deprecation.h"
#include "guc.h"
#include "heads.h"
#include "if_not_exists.h"
#include "judge.h"
#include "lock_policy.h"
#include "lockinfo.h"
#include "pipeline.h"
#include "privileges.h"
#include "rules.h"
#include "rules_dml.h"
#include "statement.h"
#include "stats.h"
#include "xact_rules.h"
#include "xact_state.h"

/* One statement on its way through the pipeline. */
typedef struct MGStatementRun
{
	MGStatement st;				/* what is judged: parse tree, text, lock
								 * plan, predicted rewrites */
	MGUtilityCall call;			/* the ProcessUtility call, to run it */
	const char *tag;			/* command tag, read before it runs */
	List	   *trace;			/* lock tracing: the state before it */
} MGStatementRun;

static ProcessUtility_hook_type prev_ProcessUtility = NULL;

static void mg_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
							  bool readOnlyTree, ProcessUtilityContext context,
							  ParamListInfo params, QueryEnvironment *queryEnv,
							  DestReceiver *dest, QueryCompletion *qc);

void
mg_install_hooks(void)
{
	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = mg_ProcessUtility;
}

/* ---------- execute: the rest of the hook chain ---------- */

/*
 * The one place the chain is called.  Inline, with the hook's own
 * arguments, for the path of every statement nothing concerns.
 */
static inline void
chain_next(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
		   ProcessUtilityContext context, ParamListInfo params,
		   QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	if (prev_ProcessUtility)
		prev_ProcessUtility(pstmt, queryString, readOnlyTree, context,
							params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);
}

/* The same for a judged statement's call (and the lock policy's retries). */
void
mg_call_next_ProcessUtility(MGUtilityCall *call)
{
	chain_next(call->pstmt, call->queryString, call->readOnlyTree,
			   call->context, call->params, call->queryEnv, call->dest,
			   call->qc);
}

/* ---------- classify ---------- */

/*
 * Would PostgreSQL refuse this statement at once for running inside a
 * transaction block or a function (PreventInTransactionBlock)?  Then its
 * own error is the right one to see, not a rule's.
 */
static bool
refused_in_transaction_block(Node *parsetree, ProcessUtilityContext context)
{
	if (context == PROCESS_UTILITY_TOPLEVEL && !IsTransactionBlock() &&
		!IsSubTransaction())
		return false;
	return mg_statement_needs_own_transaction(parsetree);
}

/*
 * Is the statement judged?  Not statements that migration_guard.check()
 * runs in its throwaway subtransaction (check() judged them already), nor
 * internal steps of a judged statement, nor types no rule concerns.
 */
static inline bool
statement_is_judged(Node *parsetree, ProcessUtilityContext context)
{
	return !IsBinaryUpgrade &&
		!mg_check_simulating &&
		context != PROCESS_UTILITY_SUBCOMMAND &&
		mg_statement_may_concern_us(parsetree) &&
		!IsAbortedTransactionBlockState() &&
		!refused_in_transaction_block(parsetree, context) &&
		!mg_statement_is_noop(parsetree);
}

/* Is lock_held_across_statements to be judged as this statement starts? */
static inline bool
lock_check_due(Node *parsetree, ProcessUtilityContext context)
{
	return mg_xact_has_unreported_locks() &&
		context != PROCESS_UTILITY_SUBCOMMAND &&
		mg_xact_lock_check_due() &&
		!IsAbortedTransactionBlockState();
}

/* ---------- judge ---------- */

static void
judge(MGStatementRun *run)
{
	MGStatement *st = &run->st;

	/* PostgreSQL's permission error comes before any rule's finding */
	mg_check_privileges_first(st->parsetree);
	/* a big UPDATE earlier in the transaction is now one of a migration */
	mg_dml_note_ddl();
	if (mg_mode != MG_SEV_OFF || mg_audit_mode_off_in_session())
	{
		mg_stats_count_judged();
		mg_judge_statement(st);
		mg_xact_judge_multiple_exclusive(st, st->lock_plan);
	}
	mg_heads_check_statement(st);
	/* a deprecated column's row follows it to its new name */
	mg_deprecation_follow_rename(st->parsetree);
}

/* ---------- lock policy, execute, after-effects ---------- */

/*
 * After the statement ran: what the transaction now holds and did, for the
 * rules of later statements, and the lock trace.  A statement that commits
 * internally (VACUUM) may leave no transaction to note anything in.
 */
static void
after_effects(MGStatementRun *run, bool takes_exclusive)
{
	MGStatement *st = &run->st;

	if (!IsTransactionState())
		return;
	if (takes_exclusive && !st->lock_plan->own_transactions)
		mg_xact_note_locks(st, st->lock_plan);
	mg_xact_note_statement(st->parsetree, false);
	if (mg_trace_locks)
		mg_lock_trace_after(run->tag, run->trace);
}

static void
execute(MGStatementRun *run)
{
	MGStatement *st = &run->st;
	bool		takes_exclusive;

	/* not judged (mode off): the lock policy still applies */
	if (st->lock_plan == NULL)
	{
		st->lock_plan = mg_statement_lock_plan(st->parsetree);
		st->apply_timeout = mg_lock_timeout_applies(st->lock_plan);
	}
	takes_exclusive = mg_plan_takes_exclusive(st->lock_plan);
	if (mg_plan_guarded_lock(st->lock_plan) == NULL && !takes_exclusive &&
		!mg_trace_locks)
	{
		mg_call_next_ProcessUtility(&run->call);
		after_effects(run, false);
		return;
	}

	/* the parse tree may be gone after execution: read it now */
	run->tag = CreateCommandName(st->parsetree);
	if (mg_trace_locks)
		run->trace = mg_lock_trace_before(st->lock_plan);

	mg_lock_policy_execute(&run->call, run->tag, st->lock_plan,
						   st->apply_timeout, mg_call_next_ProcessUtility);
	after_effects(run, takes_exclusive);
}

/* ---------- the hook ---------- */

static void
mg_ProcessUtility(PlannedStmt *pstmt, const char *queryString,
				  bool readOnlyTree, ProcessUtilityContext context,
				  ParamListInfo params, QueryEnvironment *queryEnv,
				  DestReceiver *dest, QueryCompletion *qc)
{
	Node	   *parsetree = pstmt->utilityStmt;
	MGStatement *saved_statement = mg_current_statement;
	MGStatementRun run;
	bool		judged;

	if (lock_check_due(parsetree, context))
	{
		MGStatement starting = {0};

		/* directives in the statement that starts now apply to the finding */
		starting.parsetree = parsetree;
		starting.query_string = queryString;
		starting.location = pstmt->stmt_location;
		starting.length = pstmt->stmt_len;
		mg_xact_judge_lock_held_across(&starting);
	}

	judged = statement_is_judged(parsetree, context);
	if (judged)
	{
		run.call.pstmt = pstmt;
		run.call.queryString = queryString;
		run.call.readOnlyTree = readOnlyTree;
		run.call.context = context;
		run.call.params = params;
		run.call.queryEnv = queryEnv;
		run.call.dest = dest;
		run.call.qc = qc;
		memset(&run.st, 0, sizeof(run.st));
		run.st.parsetree = parsetree;
		run.st.query_string = queryString;
		run.st.location = pstmt->stmt_location;
		run.st.length = pstmt->stmt_len;
		run.st.context = context;
		run.tag = NULL;
		run.trace = NIL;
		mg_current_statement = &run.st;
	}

	mg_utility_depth++;
	PG_TRY();
	{
		if (judged)
		{
			judge(&run);
			execute(&run);
		}
		else
			chain_next(pstmt, queryString, readOnlyTree, context, params,
					   queryEnv, dest, qc);
	}
	PG_FINALLY();
	{
		mg_utility_depth--;
		mg_current_statement = saved_statement;
	}
	PG_END_TRY();
}
