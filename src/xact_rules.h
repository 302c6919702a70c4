/*-------------------------------------------------------------------------
 *
 * xact_rules.h
 *	  The rules that look across the statements of a transaction
 *	  (xact_rules.c), written once over the transaction-state model
 *	  (xact_state.h): the pipeline runs them on the real transaction,
 *	  check() on its simulated one.
 *
 * IDENTIFICATION
 *	  src/xact_rules.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_XACT_RULES_H
#define MG_XACT_RULES_H

#include "finding.h"
#include "xact_state.h"

/*
 * Run time: is the statement starting now one of the migration, to be
 * judged by lock_held_across_statements against the real transaction?
 * (Not the guard's own queries, not check()'s simulation, not mode off.)
 * Call after mg_xact_has_unreported_locks(), the cheap test.
 */
extern bool mg_xact_lock_check_due(void);

/*
 * lock_held_across_statements: st starts while the transaction holds an
 * ACCESS EXCLUSIVE lock an earlier statement took.  st is made the current
 * statement while reporting (its directives apply); its parse tree may be
 * NULL (a query seen by the executor hook).  Once per transaction.
 */
extern void mg_xact_judge_lock_held_across(MGStatement *st);

/*
 * multiple_exclusive_locks: st, whose lock plan is plan, would leave the
 * transaction holding ACCESS EXCLUSIVE on two tables or more.  Judged
 * before it runs.  Once per transaction.
 */
extern void mg_xact_judge_multiple_exclusive(MGStatement *st, MGLockPlan *plan);

#endif							/* MG_XACT_RULES_H */
