/*-------------------------------------------------------------------------
 *
 * xact_state.c
 *	  The transaction-state model: what a transaction did that later
 *	  statements' rules depend on (ACCESS EXCLUSIVE locks it holds on
 *	  relations others use, whether the lock rules already reported,
 *	  constraints added NOT VALID or validated, columns added by
 *	  statements check() judged without running).  Facts only: the rules
 *	  that read it are xact_rules.c's.
 *
 *	  Two kinds of state, one shape.  The real transaction's lives in
 *	  TopTransactionContext, is created by the first note and forgotten by
 *	  the transaction callback, so a transaction that noted nothing costs
 *	  nothing.  migration_guard.check() keeps a simulated one for the
 *	  script's transaction and pushes it while it judges a statement:
 *	  mg_xact_current() then returns it, and the same rules run on it.
 *
 *	  A rolled-back savepoint releases locks the model still lists: at run
 *	  time mg_xact_held_lock_still_held() asks the lock manager.
 *
 * IDENTIFICATION
 *	  src/xact_state.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "utils/memutils.h"

#include "lockinfo.h"
#include "report.h"
#include "statement.h"
#include "xact_state.h"

MGXactState *mg_xact_run_state = NULL;

/* check()'s simulated states, innermost first */
typedef struct PushedState
{
	MGXactState *xs;
	SubTransactionId subid;		/* the subtransaction that pushed it */
} PushedState;

static List *simulated_stack = NIL;


void
mg_xact_state_xact_event(XactEvent event)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			/* it lived in TopTransactionContext, which goes now */
			mg_xact_run_state = NULL;
			/* an error that ended check() left its states behind */
			list_free_deep(simulated_stack);
			simulated_stack = NIL;
			break;
		default:
			break;
	}
}

/*
 * An error that ended check() inside a savepoint left its states pushed,
 * in memory that is gone now: forget those pushed by the subtransaction
 * rolled back or by its children (whose ids are higher).
 */
void
mg_xact_state_subxact_event(SubXactEvent event, SubTransactionId mySubid,
							SubTransactionId parentSubid)
{
	if (event != SUBXACT_EVENT_ABORT_SUB)
		return;
	while (simulated_stack != NIL &&
		   ((PushedState *) linitial(simulated_stack))->subid >= mySubid)
	{
		pfree(linitial(simulated_stack));
		simulated_stack = list_delete_first(simulated_stack);
	}
}

/* ---------- which state ---------- */

MGXactState *
mg_xact_current(void)
{
	if (simulated_stack != NIL)
		return ((PushedState *) linitial(simulated_stack))->xs;
	if (mg_xact_run_state == NULL)
	{
		MGXactState *xs = MemoryContextAllocZero(TopTransactionContext,
												 sizeof(MGXactState));

		xs->cxt = TopTransactionContext;
		mg_xact_run_state = xs;
	}
	return mg_xact_run_state;
}

MGXactState *
mg_xact_new_simulated(void)
{
	MGXactState *xs = palloc0(sizeof(MGXactState));

	xs->simulated = true;
	xs->cxt = CurrentMemoryContext;
	return xs;
}

void
mg_xact_push_simulated(MGXactState *xs)
{
	MemoryContext oldcxt = MemoryContextSwitchTo(TopMemoryContext);
	PushedState *p = palloc(sizeof(PushedState));

	p->xs = xs;
	p->subid = GetCurrentSubTransactionId();
	simulated_stack = lcons(p, simulated_stack);
	MemoryContextSwitchTo(oldcxt);
}

void
mg_xact_pop_simulated(void)
{
	if (simulated_stack != NIL)
	{
		pfree(linitial(simulated_stack));
		simulated_stack = list_delete_first(simulated_stack);
	}
}

void
mg_xact_end_transaction(MGXactState *xs)
{
	xs->held_locks = NIL;
	xs->held_reported = false;
	xs->multiple_reported = false;
	xs->not_valid = NIL;
}

/* ---------- locks ---------- */

bool
mg_xact_held_lock_still_held(MGXactState *xs, const MGHeldLock *h)
{
	if (xs->simulated)
		return true;
	return mg_lock_held_by_me(h->relid, AccessExclusiveLock);
}

MGHeldLock *
mg_xact_first_held_lock(MGXactState *xs)
{
	ListCell   *lc;

	foreach(lc, xs->held_locks)
	{
		MGHeldLock *h = lfirst(lc);

		if (mg_xact_held_lock_still_held(xs, h))
			return h;
	}
	return NULL;
}

static MGHeldLock *
find_held_lock(MGXactState *xs, Oid relid)
{
	ListCell   *lc;

	foreach(lc, xs->held_locks)
	{
		MGHeldLock *h = lfirst(lc);

		if (h->relid == relid)
			return h;
	}
	return NULL;
}

void
mg_xact_note_locks(MGStatement *st, MGLockPlan *plan)
{
	MGXactState *xs = mg_xact_current();
	char	   *quote = NULL;
	ListCell   *lc;
	MemoryContext oldcxt;

	oldcxt = MemoryContextSwitchTo(xs->cxt);
	foreach(lc, plan->locks)
	{
		MGRelLock  *l = lfirst(lc);
		MGHeldLock *h;

		if (!mg_lock_is_exclusive_on_shared(l) ||
			find_held_lock(xs, l->relid) != NULL)
			continue;
		/* the statement may have failed to take it, or taken it elsewhere */
		if (!xs->simulated && !mg_lock_held_by_me(l->relid, AccessExclusiveLock))
			continue;
		if (quote == NULL)
			quote = mg_quote_statement(mg_statement_text(st));
		h = palloc(sizeof(MGHeldLock));
		h->relid = l->relid;
		h->relkind = l->relkind;
		h->relname = pstrdup(l->relname);
		h->stmtno = xs->stmtno;
		h->statement = quote;
		xs->held_locks = lappend(xs->held_locks, h);
	}
	MemoryContextSwitchTo(oldcxt);
}

/* ---------- constraints, columns, tables ---------- */

static MGXactConstraint *
find_constraint(List *list, Oid relid, const char *conname)
{
	ListCell   *lc;

	foreach(lc, list)
	{
		MGXactConstraint *c = lfirst(lc);

		if (c->relid == relid && strcmp(c->conname, conname) == 0)
			return c;
	}
	return NULL;
}

static MGXactConstraint *
new_constraint(MGXactState *xs, Oid relid, const char *conname, char contype)
{
	MGXactConstraint *c = MemoryContextAlloc(xs->cxt, sizeof(MGXactConstraint));

	c->relid = relid;
	c->conname = MemoryContextStrdup(xs->cxt, conname);
	c->contype = contype;
	c->stmtno = xs->stmtno;
	return c;
}

static void
note_not_valid(Oid relid, const char *conname, char contype)
{
	MGXactState *xs = mg_xact_current();
	MemoryContext oldcxt = MemoryContextSwitchTo(xs->cxt);

	xs->not_valid = lappend(xs->not_valid,
							new_constraint(xs, relid, conname, contype));
	MemoryContextSwitchTo(oldcxt);
}

static void
note_validated(Oid relid, const char *conname)
{
	MGXactState *xs = mg_xact_current();
	MemoryContext oldcxt = MemoryContextSwitchTo(xs->cxt);

	xs->validated = lappend(xs->validated, new_constraint(xs, relid, conname, 0));
	MemoryContextSwitchTo(oldcxt);
}

MGXactConstraint *
mg_xact_find_not_valid(Oid relid, const char *conname)
{
	return find_constraint(mg_xact_current()->not_valid, relid, conname);
}

bool
mg_xact_was_validated(Oid relid, const char *conname)
{
	return find_constraint(mg_xact_current()->validated, relid, conname) != NULL;
}

static void
note_column_added(Oid relid, const char *colname)
{
	MGXactState *xs = mg_xact_current();
	MemoryContext oldcxt = MemoryContextSwitchTo(xs->cxt);
	MGXactColumn *c = palloc(sizeof(MGXactColumn));

	c->relid = relid;
	c->colname = pstrdup(colname);
	xs->added_columns = lappend(xs->added_columns, c);
	MemoryContextSwitchTo(oldcxt);
}

/*
 * Does a statement judged but not run add this column to this table?
 * Only check()'s simulated state knows of such statements: the real
 * transaction's columns are in the catalog.
 */
bool
mg_xact_column_added(Oid relid, const char *colname)
{
	ListCell   *lc;

	if (simulated_stack == NIL)
		return false;
	foreach(lc, mg_xact_current()->added_columns)
	{
		MGXactColumn *c = lfirst(lc);

		if (c->relid == relid && strcmp(c->colname, colname) == 0)
			return true;
	}
	return false;
}

/* ---------- what a statement did, from its parse tree ---------- */

static void
note_alter_table(AlterTableStmt *stmt, bool judged_only)
{
	Oid			relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	ListCell   *lc;

	if (!OidIsValid(relid))
		return;
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);

		if (cmd->subtype == AT_AddConstraint && IsA(cmd->def, Constraint))
		{
			Constraint *con = (Constraint *) cmd->def;

			if (con->skip_validation && con->conname != NULL &&
				(con->contype == CONSTR_CHECK || con->contype == CONSTR_FOREIGN ||
				 con->contype == CONSTR_NOTNULL))
				note_not_valid(relid, con->conname, con->contype);
		}
		else if (cmd->subtype == AT_ValidateConstraint && cmd->name != NULL)
			note_validated(relid, cmd->name);
		else if (judged_only && cmd->subtype == AT_AddColumn &&
				 IsA(cmd->def, ColumnDef) && ((ColumnDef *) cmd->def)->colname != NULL)
			note_column_added(relid, ((ColumnDef *) cmd->def)->colname);
	}
}

void
mg_xact_note_statement(Node *parsetree, bool judged_only)
{
	if (IsA(parsetree, AlterTableStmt))
		note_alter_table((AlterTableStmt *) parsetree, judged_only);
	else if (judged_only && IsA(parsetree, RenameStmt) &&
			 ((RenameStmt *) parsetree)->renameType == OBJECT_COLUMN &&
			 ((RenameStmt *) parsetree)->newname != NULL)
	{
		RenameStmt *rename = (RenameStmt *) parsetree;
		Oid			relid = RangeVarGetRelid(rename->relation, NoLock, true);

		if (OidIsValid(relid))
			note_column_added(relid, rename->newname);
	}
}
