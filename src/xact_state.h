/*-------------------------------------------------------------------------
 *
 * xact_state.h
 *	  The transaction-state model (xact_state.c): what a transaction did
 *	  that later statements' rules depend on.  The run-time path feeds the
 *	  real transaction's; migration_guard.check() feeds a simulated one for
 *	  the script's transaction and pushes it while it judges, so that the
 *	  cross-statement rules (xact_rules.c) are written once and read
 *	  whichever is current.
 *
 * IDENTIFICATION
 *	  src/xact_state.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_XACT_STATE_H
#define MG_XACT_STATE_H

#include "access/xact.h"

#include "nodes/pg_list.h"
#include "storage/lockdefs.h"

#include "lockinfo.h"
#include "statement.h"

/* An ACCESS EXCLUSIVE lock a finished statement took on a relation others use. */
typedef struct MGHeldLock
{
	Oid			relid;			/* the relation locked */
	char		relkind;
	char	   *relname;
	int			stmtno;			/* check(): the script's statement that took
								 * it; 0 at run time */
	char	   *statement;		/* that statement, quoted on one line
								 * (mg_quote_statement) */
} MGHeldLock;

/* A constraint added NOT VALID, or validated, by a statement. */
typedef struct MGXactConstraint
{
	Oid			relid;
	char	   *conname;
	char		contype;		/* CONSTR_CHECK, CONSTR_FOREIGN,
								 * CONSTR_NOTNULL; 0 for a validation */
	int			stmtno;			/* check(): the script's statement; 0 at run
								 * time */
} MGXactConstraint;

/* A column a statement added to, or renamed in, an existing table. */
typedef struct MGXactColumn
{
	Oid			relid;
	char	   *colname;
} MGXactColumn;

typedef struct MGXactState
{
	bool		simulated;		/* check()'s model of a script's transaction */
	MemoryContext cxt;			/* where its lists are allocated */
	int			stmtno;			/* check(): number of the statement being
								 * judged, recorded with what it does */

	/* what the transaction's COMMIT or ROLLBACK ends */
	List	   *held_locks;		/* of MGHeldLock *, in the order taken */
	bool		held_reported;	/* lock_held_across_statements reported */
	bool		multiple_reported;	/* multiple_exclusive_locks reported */
	List	   *not_valid;		/* of MGXactConstraint *: added NOT VALID */

	/* what stays after it (check(): the script's later transactions see it) */
	List	   *validated;		/* of MGXactConstraint *: VALIDATE CONSTRAINT */
	List	   *added_columns;	/* of MGXactColumn *: added or renamed by
								 * statements judged but not run (check) */
} MGXactState;

/*
 * This real transaction's state, or NULL while nothing was noted (the
 * usual case: ordinary statements pay one test of this pointer).
 */
extern MGXactState *mg_xact_run_state;

/* The state rules read: check()'s simulated one while it runs, else this transaction's. */
extern MGXactState *mg_xact_current(void);

/* check(): a fresh simulated state in the current memory context. */
extern MGXactState *mg_xact_new_simulated(void);
extern void mg_xact_push_simulated(MGXactState *xs);
extern void mg_xact_pop_simulated(void);

/* What COMMIT or ROLLBACK resets: locks, reported flags, NOT VALID list. */
extern void mg_xact_end_transaction(MGXactState *xs);

/*
 * After a statement: the ACCESS EXCLUSIVE locks its plan takes on
 * relations others use (at run time only those this backend now holds).
 */
extern void mg_xact_note_locks(MGStatement *st, MGLockPlan *plan);

/* Is the remembered lock still held?  Run time asks the lock manager. */
extern bool mg_xact_held_lock_still_held(MGXactState *xs, const MGHeldLock *h);

/* The first remembered lock still held, or NULL. */
extern MGHeldLock *mg_xact_first_held_lock(MGXactState *xs);

/*
 * After a statement: the constraints an ALTER TABLE adds NOT VALID and
 * those it validates; when judged_only (check() judged it without running
 * it), also the columns it adds or renames (ALTER TABLE, RENAME COLUMN).
 */
extern void mg_xact_note_statement(Node *parsetree, bool judged_only);

extern MGXactConstraint *mg_xact_find_not_valid(Oid relid, const char *conname);
extern bool mg_xact_was_validated(Oid relid, const char *conname);
extern bool mg_xact_column_added(Oid relid, const char *colname);

/* Does the real transaction hold a noted lock not yet reported? */
static inline bool
mg_xact_has_unreported_locks(void)
{
	return mg_xact_run_state != NULL && mg_xact_run_state->held_locks != NIL &&
		!mg_xact_run_state->held_reported;
}

extern void mg_xact_state_xact_event(XactEvent event);
extern void mg_xact_state_subxact_event(SubXactEvent event, SubTransactionId mySubid,
										SubTransactionId parentSubid);

#endif							/* MG_XACT_STATE_H */
