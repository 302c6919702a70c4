/*-------------------------------------------------------------------------
 *
 * xact_rules.c
 *	  The rules that look across the statements of a transaction, written
 *	  once over the transaction-state model (xact_state.c), whichever state
 *	  is current: the real transaction's at run time (the pipeline and the
 *	  executor hook call them), check()'s simulated one while it judges a
 *	  script.
 *
 *	  lock_held_across_statements: a statement starts while the
 *	  transaction holds ACCESS EXCLUSIVE on a table an earlier statement
 *	  locked: every reader and writer of that table now also waits for this
 *	  statement.  multiple_exclusive_locks: a statement would leave the
 *	  transaction holding ACCESS EXCLUSIVE on two tables or more.  Each is
 *	  reported once per transaction.
 *
 * IDENTIFICATION
 *	  src/xact_rules.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/xact.h"
#include "catalog/pg_class.h"
#include "lib/stringinfo.h"

#include "applies.h"
#include "finding.h"
#include "guc.h"
#include "heads_state.h"
#include "lockinfo.h"
#include "relfacts.h"
#include "report.h"
#include "rules.h"
#include "statement.h"
#include "words.h"
#include "xact_rules.h"
#include "xact_state.h"

/* Statements that do not prolong a lock worth mentioning (SET, SHOW, BEGIN, COMMIT, ...). */
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

bool
mg_xact_lock_check_due(void)
{
	return mg_xact_has_unreported_locks() && !mg_guard_query_running &&
		!mg_heads_own_query_running() &&
		mg_mode != MG_SEV_OFF && !mg_check_simulating && mg_collector == NULL;
}

/* ---------- lock_held_across_statements ---------- */

static void
lock_held_finding(MGFinding *f, const MGHeldLock *h)
{
	f->rule = MG_RULE_LOCK_HELD_ACROSS_STATEMENTS;
	f->relid = h->relid;
	f->lockmode = AccessExclusiveLock;
	mg_finding_message(f, "this transaction goes on running statements while it holds ACCESS EXCLUSIVE lock on %s \"%s\"",
					   mg_relkind_word(h->relkind), h->relname);
	if (h->stmtno > 0)
		mg_finding_detail(f, "The lock is taken by statement %d of the script: %s  Until the transaction ends, every read and write of \"%s\" waits, for as long as the statements that follow take.",
						  h->stmtno, h->statement, h->relname);
	else
		mg_finding_detail(f, "The lock was taken by: %s  Until the transaction ends, every read and write of \"%s\" waits, for as long as the statements that follow take.",
						  h->statement, h->relname);
	mg_finding_hint(f, "Commit right after the statement that takes ACCESS EXCLUSIVE, and run the statements that follow in their own transactions.");
}

void
mg_xact_judge_lock_held_across(MGStatement *st)
{
	MGXactState *xs = mg_xact_current();
	MGHeldLock *h;
	MGStatement *saved = mg_current_statement;
	MGFinding	f = {0};

	if (xs->held_locks == NIL || xs->held_reported ||
		(st->parsetree != NULL && !statement_continues_transaction(st->parsetree)))
		return;
	if ((h = mg_xact_first_held_lock(xs)) == NULL)
		return;
	if (!mg_rule_applies(MG_RULE_LOCK_HELD_ACROSS_STATEMENTS, h->relid))
	{
		xs->held_reported = true;
		return;
	}
	lock_held_finding(&f, h);

	/* directives in the statement that starts now apply to this finding */
	mg_current_statement = st;
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
	xs->held_reported = true;
}

/* ---------- multiple_exclusive_locks ---------- */

static void
multiple_exclusive_message(MGFinding *f, Oid new_table, const char *command,
						   List *names)
{
	StringInfoData list;
	ListCell   *lc;

	initStringInfo(&list);
	foreach(lc, names)
		appendStringInfo(&list, "%s\"%s\"", list.len > 0 ? ", " : "",
						 (char *) lfirst(lc));
	f->rule = MG_RULE_MULTIPLE_EXCLUSIVE_LOCKS;
	f->relid = new_table;
	f->lockmode = AccessExclusiveLock;
	mg_finding_message_plural(f, "%s would leave this transaction holding ACCESS EXCLUSIVE locks on %d table: %s",
							  "%s would leave this transaction holding ACCESS EXCLUSIVE locks on %d tables: %s",
							  list_length(names),
							  command, list_length(names), list.data);
	mg_finding_detail(f, "Every read and write of each of them waits until the transaction ends, and locking several tables this strongly can deadlock with application transactions that use them in another order.");
	mg_finding_hint(f, "Change one table per transaction: commit after the statements that lock each table.");
}

static void
multiple_exclusive_finding(MGFinding *f, Oid new_table,
						   const char *command, List *names,
						   const MGHeldLock *earlier)
{
	multiple_exclusive_message(f, new_table, command, names);
	if (earlier == NULL)
		return;
	if (earlier->stmtno > 0)
		mg_finding_add_detail(f, "The lock on \"%s\" is taken by statement %d of the script: %s",
							  earlier->relname, earlier->stmtno, earlier->statement);
	else
		mg_finding_add_detail(f, "The lock on \"%s\" was taken by: %s",
							  earlier->relname, earlier->statement);
}

void
mg_xact_judge_multiple_exclusive(MGStatement *st, MGLockPlan *plan)
{
	MGXactState *xs;
	List	   *tables = NIL;
	List	   *names = NIL;
	int			before;
	ListCell   *lc;
	Oid			new_table = InvalidOid;
	MGHeldLock *earlier = NULL;
	MGFinding	f = {0};

	if (plan == NULL || !mg_plan_takes_exclusive(plan))
		return;
	xs = mg_xact_current();

	/*
	 * check() judging without a model of its script: not the real state's
	 * business
	 */
	if (xs->multiple_reported || (mg_collector != NULL && !xs->simulated) ||
		!mg_rule_applies(MG_RULE_MULTIPLE_EXCLUSIVE_LOCKS, InvalidOid))
		return;

	foreach(lc, xs->held_locks)
	{
		MGHeldLock *h = lfirst(lc);
		Oid			table;

		if (!mg_xact_held_lock_still_held(xs, h))
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

		if (!mg_lock_is_exclusive_on_shared(l))
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

	multiple_exclusive_finding(&f, new_table, CreateCommandName(st->parsetree),
							   names, earlier);
	mg_report(&f);
	/* not before: a refusal rolled back to a savepoint must not count */
	xs->multiple_reported = true;
}
