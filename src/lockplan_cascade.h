/*-------------------------------------------------------------------------
 *
 * lockplan_cascade.h
 *	  The relations a statement locks through a dependency, a type or a
 *	  default partition, beyond its own target (lockplan_cascade.c).
 *
 * IDENTIFICATION
 *	  src/lockplan_cascade.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_LOCKPLAN_CASCADE_H
#define MG_LOCKPLAN_CASCADE_H

#include "nodes/nodes.h"
#include "nodes/pg_list.h"
#include "storage/lockdefs.h"

#include "lockinfo.h"

/* One relation a statement locks beyond its own target. */
typedef struct MGCascadeLock
{
	Oid			relid;
	LOCKMODE	mode;
	const char *role;			/* why it is locked */
} MGCascadeLock;

extern List *mg_cascade_locks(Node *parsetree);

/*
 * Adds them to the plan.  Inline so that it is compiled into the caller
 * (lockinfo.c): lockplan_cascade.c computes, lockinfo.c owns the plan, and
 * neither .c file calls the other back.
 */
static inline void
mg_cascade_lock_plan(MGLockPlan *plan, Node *parsetree)
{
	ListCell   *lc;

	foreach(lc, mg_cascade_locks(parsetree))
	{
		MGCascadeLock *lock = (MGCascadeLock *) lfirst(lc);

		mg_lock_plan_add(plan, lock->relid, lock->mode, lock->role);
	}
}

#endif							/* MG_LOCKPLAN_CASCADE_H */
