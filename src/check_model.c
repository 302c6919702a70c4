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
 *	  At the end of a model transaction the ACCESS EXCLUSIVE locks its
 *	  statements took (lock_held_across_statements,
 *	  multiple_exclusive_locks), its constraints added NOT VALID
 *	  (validate_same_transaction) and the once-per-transaction flags end;
 *	  what it committed (tables, columns, validated constraints) stays, in
 *	  check_facts.c, where the facts layer reads it.
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
#include "tcop/cmdtag.h"
#include "tcop/utility.h"

#include "check.h"
#include "check_facts.h"
#include "lockinfo.h"
#include "relfacts.h"

/*
 * An ACCESS EXCLUSIVE lock a statement of the script takes on a table other
 * sessions use.  Nothing of the kind is run by check(), so the lock rules
 * that follow the locks a transaction actually holds see none of them;
 * check() follows them through the script itself, from each statement's
 * lock plan (lockinfo.c).
 */
typedef struct ScriptLock
{
	Oid			relid;			/* the table (an index counts as its table) */
	char	   *relname;
	char		relkind;
	int			stmtno;
	char	   *stmt_quote;		/* the statement that took it, on one line */
} ScriptLock;

/* ---------- where the model's transactions end ---------- */

/* The model's transaction ends: its locks and NOT VALID constraints with it. */
static void
end_transaction(CheckState *cs)
{
	cs->exclusive = NIL;
	cs->held_reported = false;
	cs->multiple_reported = false;
	mg_script_facts_end_transaction();
}

/*
 * After a statement other than transaction control: with 'statement', and
 * with 'as_written' outside the script's BEGIN ... COMMIT, it was a
 * transaction of its own.
 */
void
check_model_statement_done(CheckState *cs, Node *stmt)
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
	return cs->exclusive != NIL && !cs->held_reported;
}

/* ---------- what judged-only statements leave behind ---------- */

/*
 * ALTER TABLE existing ADD CONSTRAINT, VALIDATE CONSTRAINT, ADD COLUMN,
 * judged without being run: the catalog never shows them, so the facts
 * later statements need go to check_facts.c.
 */
static void
remember_alter_table(AlterTableStmt *stmt)
{
	Oid			relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	ListCell   *lc;

	if (!OidIsValid(relid))
		return;
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);
		Constraint *con = (Constraint *) cmd->def;

		switch (cmd->subtype)
		{
			case AT_AddConstraint:
				if (!IsA(con, Constraint) || con->conname == NULL ||
					(con->contype != CONSTR_CHECK && con->contype != CONSTR_FOREIGN &&
					 con->contype != CONSTR_NOTNULL))
					break;
				mg_script_facts_add_constraint(relid, con->conname, con->contype,
											   con->skip_validation,
											   con->contype == CONSTR_CHECK ? con->raw_expr : NULL);
				break;
			case AT_ValidateConstraint:
				mg_script_facts_validate(relid, cmd->name);
				break;
			case AT_AddColumn:
				if (IsA(cmd->def, ColumnDef) && ((ColumnDef *) cmd->def)->colname != NULL)
					mg_script_facts_add_column(relid, ((ColumnDef *) cmd->def)->colname);
				break;
			default:
				break;
		}
	}
}

/*
 * What a statement judged without being run would have left behind, for
 * the statements after it: constraints, validations, added and renamed
 * columns.
 */
void
check_model_remember_judged_only(CheckState *cs, Node *stmt)
{
	if (IsA(stmt, RenameStmt) && ((RenameStmt *) stmt)->renameType == OBJECT_COLUMN)
	{
		RenameStmt *rename = (RenameStmt *) stmt;
		Oid			relid = RangeVarGetRelid(rename->relation, NoLock, true);

		if (OidIsValid(relid) && rename->newname != NULL)
			mg_script_facts_add_column(relid, rename->newname);
	}
	else if (IsA(stmt, AlterTableStmt))
		remember_alter_table((AlterTableStmt *) stmt);
}

/* ---------- ACCESS EXCLUSIVE locks the model's transaction holds ---------- */

/*
 * Does the statement keep the transaction going, so that a lock taken
 * earlier is held while it runs?  As the lock rules decide at run time.
 */
static bool
continues_transaction(Node *stmt)
{
	return !IsA(stmt, TransactionStmt) && !IsA(stmt, VariableSetStmt) &&
		!IsA(stmt, VariableShowStmt);
}

/*
 * lock_held_across_statements: the statement starts while an earlier
 * statement of the same transaction holds ACCESS EXCLUSIVE on a table
 * others use.  Once per transaction, as at run time.  Called while the
 * statement's findings are being collected.
 */
void
check_model_judge_lock_held_across(CheckState *cs, Node *stmt)
{
	ScriptLock *held;
	MGFinding	f = {0};

	if (cs->exclusive == NIL || cs->held_reported || !continues_transaction(stmt))
		return;
	cs->held_reported = true;
	held = linitial(cs->exclusive);
	if (!mg_rule_applies(MG_RULE_LOCK_HELD_ACROSS_STATEMENTS, held->relid))
		return;
	mg_lock_held_across_finding(&f, held->relid, held->relkind, held->relname,
								psprintf("is taken by statement %d of the script: %s",
										 held->stmtno, held->stmt_quote));
	mg_report(&f);
}

static ScriptLock *
find_script_lock(CheckState *cs, Oid relid)
{
	ListCell   *lc;

	foreach(lc, cs->exclusive)
	{
		ScriptLock *l = lfirst(lc);

		if (l->relid == relid)
			return l;
	}
	return NULL;
}

/*
 * The statement's ACCESS EXCLUSIVE locks on tables others use: added to
 * the transaction's, and multiple_exclusive_locks when that makes two
 * tables or more (once per transaction, as at run time).  Called while the
 * statement's findings are being collected.
 */
void
check_model_track_exclusive_locks(CheckState *cs, Node *stmt, int stmtno, const char *stmt_text)
{
	MGLockPlan *plan = mg_statement_lock_plan(stmt);
	int			before = list_length(cs->exclusive);
	ScriptLock *first_new = NULL;
	ListCell   *lc;

	foreach(lc, plan->locks)
	{
		MGRelLock  *l = lfirst(lc);
		Oid			table;
		ScriptLock *sl;

		if (l->mode != AccessExclusiveLock || !l->shared ||
			l->relkind == RELKIND_COMPOSITE_TYPE)
			continue;
		table = mg_lock_owning_table(l->relid, l->relkind);
		if (find_script_lock(cs, table) != NULL)
			continue;
		sl = palloc(sizeof(ScriptLock));
		sl->relid = table;
		sl->relname = table == l->relid ? pstrdup(l->relname) : mg_rel_name(table);
		sl->relkind = table == l->relid ? l->relkind : RELKIND_RELATION;
		sl->stmtno = stmtno;
		sl->stmt_quote = mg_quote_statement(stmt_text);
		cs->exclusive = lappend(cs->exclusive, sl);
		if (first_new == NULL)
			first_new = sl;
	}

	if (first_new != NULL && list_length(cs->exclusive) >= 2 && !cs->multiple_reported)
	{
		List	   *names = NIL;
		ScriptLock *earlier = before > 0 ? linitial(cs->exclusive) : NULL;
		MGFinding	f = {0};

		cs->multiple_reported = true;
		if (!mg_rule_applies(MG_RULE_MULTIPLE_EXCLUSIVE_LOCKS, InvalidOid))
			return;
		foreach(lc, cs->exclusive)
			names = lappend(names, ((ScriptLock *) lfirst(lc))->relname);
		mg_multiple_exclusive_locks_finding(&f, first_new->relid, CreateCommandName(stmt),
											names,
											earlier ? earlier->relname : NULL,
											earlier ? psprintf("is taken by statement %d of the script: %s",
															   earlier->stmtno, earlier->stmt_quote) : NULL);
		mg_report(&f);
	}
}

/* The script's COMMIT or ROLLBACK: its transaction's locks end there. */
