/*-------------------------------------------------------------------------
 *
 * check_model.c
 *	  migration_guard.check()'s transaction model: where the script's
 *	  transactions begin and end, and what lasts only until then.
 *
 *	  check() runs the whole script inside one throwaway subtransaction;
 *	  only the model's transaction boundaries move, chosen by check()'s
 *	  transactions argument:
 *
 *	  'script'		one transaction for the whole script, as migration tools
 *					run a migration; the script's BEGIN is ignored, its
 *					COMMIT or ROLLBACK ends the transaction and the
 *					statements after it form the next one
 *	  'statement'	each statement its own transaction, as psql runs a file
 *					without BEGIN; the script's BEGIN and COMMIT are ignored
 *	  'as_written'	the script's own BEGIN ... COMMIT, and each statement
 *					outside them its own transaction, as psql -f runs it
 *
 *	  check() feeds the transaction-state model the run time feeds
 *	  (xact_state.c), with a simulated state pushed for the whole check,
 *	  so that the cross-statement rules (xact_rules.c) are the run time's.
 *	  At the end of a model transaction the ACCESS EXCLUSIVE locks its
 *	  statements took, its constraints added NOT VALID and the
 *	  once-per-transaction flags end; what it committed (tables, columns,
 *	  validated constraints) stays (xact_state.c, check_facts.c).
 *
 * IDENTIFICATION
 *	  src/check_model.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "catalog/namespace.h"
#include "catalog/pg_class.h"

#include "check.h"
#include "check_facts.h"
#include "xact_state.h"

/* ---------- where the model's transactions end ---------- */

/*
 * The model's transaction ends: its locks, its NOT VALID constraints and
 * the once-per-transaction flags with it (xact_state.c), and the objects
 * it created are committed (check_facts.c).
 */
static void
end_transaction(CheckState *cs)
{
	mg_xact_end_transaction(cs->xact);
	mg_script_facts_end_transaction();
}

/*
 * After a statement other than transaction control: with 'statement', and
 * with 'as_written' outside the script's BEGIN ... COMMIT, it was a
 * transaction of its own.
 */
void
check_model_statement_done(CheckState *cs)
{
	if (cs->txmodel == CHECK_TX_STATEMENT ||
		(cs->txmodel == CHECK_TX_AS_WRITTEN && !cs->in_block))
		end_transaction(cs);
}

/* 'script': BEGIN is ignored, COMMIT and ROLLBACK end the transaction. */
static char *
script_model(CheckState *cs, TransactionStmt *ts)
{
	switch (ts ? ts->kind : TRANS_STMT_BEGIN)
	{
		case TRANS_STMT_COMMIT:
		case TRANS_STMT_PREPARE:
			end_transaction(cs);
			return pstrdup("ends the script's transaction: any statements after it are judged as one more transaction, as a migration tool that meets a COMMIT runs them");
		case TRANS_STMT_ROLLBACK:
			end_transaction(cs);
			return pstrdup("ends the script's transaction: any statements after it are judged as one more transaction (check() does not undo what the rollback would)");
		default:
			return pstrdup("ignored: check() judges the whole script as one transaction, as migration tools run a migration");
	}
}

/* 'as_written': the script's own transaction blocks, autocommit outside them. */
static char *
as_written_model(CheckState *cs, TransactionStmt *ts)
{
	if (ts == NULL)
		return pstrdup("ignored: it changes how a transaction runs, not where it ends");
	switch (ts->kind)
	{
		case TRANS_STMT_BEGIN:
		case TRANS_STMT_START:
			if (cs->in_block)
				return pstrdup("ignored: a transaction is already in progress (PostgreSQL warns and goes on)");
			cs->in_block = true;
			return pstrdup("begins a transaction: the statements up to its COMMIT or ROLLBACK are judged as one transaction");
		case TRANS_STMT_COMMIT:
		case TRANS_STMT_PREPARE:
		case TRANS_STMT_ROLLBACK:
			if (!cs->in_block)
				return pstrdup("ignored: no transaction is in progress (PostgreSQL warns and goes on)");
			end_transaction(cs);
			if (ts->chain)
				return pstrdup("ends the transaction and begins the next one: the statements up to the next COMMIT or ROLLBACK are judged as one transaction");
			cs->in_block = false;
			if (ts->kind == TRANS_STMT_ROLLBACK)
				return pstrdup("ends the transaction (check() does not undo what the rollback would): each statement after it is its own transaction until the next BEGIN");
			return pstrdup("ends the transaction: each statement after it is its own transaction until the next BEGIN");
		default:
			return pstrdup("ignored: check() does not follow savepoints or prepared transactions");
	}
}

/*
 * A transaction control statement of the script (BEGIN, COMMIT, SET
 * TRANSACTION, ...): applies it to the model and returns the note saying
 * what the model did with it.
 */
char *
check_model_transaction_control(CheckState *cs, Node *stmt)
{
	TransactionStmt *ts = IsA(stmt, TransactionStmt) ? (TransactionStmt *) stmt : NULL;

	switch (cs->txmodel)
	{
		case CHECK_TX_SCRIPT:
			return script_model(cs, ts);
		case CHECK_TX_STATEMENT:
			return pstrdup("ignored: with transactions => 'statement' every statement is its own transaction, as psql runs a file without BEGIN");
		case CHECK_TX_AS_WRITTEN:
			return as_written_model(cs, ts);
	}
	return NULL;				/* keep compiler quiet */
}

/* Does the model's current transaction hold a lock worth telling about? */
bool
check_model_locks_held(CheckState *cs)
{
	return cs->xact->held_locks != NIL && !cs->xact->held_reported;
}

/* ---------- what statements leave behind ---------- */

/*
 * The CHECK constraints a judged-only ALTER TABLE adds to an existing
 * table, with their expressions, and the ones it validates: a validated
 * CHECK (c IS NOT NULL) lets a later SET NOT NULL skip its scan, which
 * the facts layer proves from the expressions (check_facts.c).
 */
static void
remember_checks(AlterTableStmt *stmt)
{
	Oid			relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	ListCell   *lc;

	if (!OidIsValid(relid))
		return;
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);
		Constraint *con = (Constraint *) cmd->def;

		if (cmd->subtype == AT_AddConstraint && IsA(con, Constraint) &&
			con->contype == CONSTR_CHECK && con->conname != NULL)
			mg_script_facts_add_check(relid, con->conname, con->skip_validation,
									  con->raw_expr);
		else if (cmd->subtype == AT_ValidateConstraint)
			mg_script_facts_validate(relid, cmd->name);
	}
}

/*
 * After a statement was judged (and perhaps run): what it did, in the
 * transaction-state model (xact_state.c: constraints added NOT VALID and
 * validated; for a statement judged without running, the columns it adds
 * or renames) and in check_facts.c (CHECK expressions).
 */
void
check_model_remember(Node *stmt, bool judged_only)
{
	mg_xact_note_statement(stmt, judged_only);
	if (judged_only && IsA(stmt, AlterTableStmt))
		remember_checks((AlterTableStmt *) stmt);
}
