/*-------------------------------------------------------------------------
 *
 * lockinfo.h
 *	  Which relation locks a utility statement will request, at the levels
 *	  PostgreSQL itself uses, worked out from the raw parse tree before the
 *	  statement runs and without taking any lock.
 *
 * IDENTIFICATION
 *	  src/lockinfo.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_LOCKINFO_H
#define MG_LOCKINFO_H

#include "nodes/pg_list.h"
#include "storage/lockdefs.h"
#include "words.h"

/* One relation lock the statement will request. */
typedef struct MGRelLock
{
	Oid			relid;
	LOCKMODE	mode;			/* strongest mode requested on it */
	char		relkind;
	bool		shared;			/* others can use it: not created in this
								 * transaction, not temporary */
	char	   *relname;		/* schema-qualified, read before the statement */
	const char *role;			/* why it is locked when it is not the
								 * statement's target, or NULL */
} MGRelLock;

/* Everything the lock-safety features need to know about one statement. */
typedef struct MGLockPlan
{
	List	   *locks;			/* of MGRelLock *, in the order requested */
	bool		nowait;			/* LOCK ... NOWAIT: never waits in a queue */
	bool		subxact_ok;		/* may run inside a (sub)transaction, so it
								 * can be retried in a subtransaction */
	bool		own_transactions;	/* commits internally (VACUUM) */
	struct HTAB *by_relid;		/* MGRelLock * of locks by relation, built
								 * with the first lock: a statement naming
								 * thousands of relations is planned in linear
								 * time */
} MGLockPlan;

extern MGLockPlan *mg_statement_lock_plan(Node *parsetree);
extern bool mg_lock_blocks_reads_or_writes(LOCKMODE mode);
extern Oid	mg_lock_owning_table(Oid relid, char relkind);
extern MGRelLock *mg_plan_guarded_lock(const MGLockPlan *plan);
extern List *mg_table_index_oids(Oid relid);
extern List *mg_tables_using_domain(Oid domainoid);
extern bool mg_lock_held_by_me(Oid relid, LOCKMODE mode);
extern bool mg_lock_is_exclusive_on_shared(const MGRelLock *l);
extern bool mg_plan_takes_exclusive(const MGLockPlan *plan);

/*
 * The lock plan judging made for the statement being judged, or NULL
 * (statement.c; the plan is the statement's MGStatement.lock_plan).
 */
extern MGLockPlan *mg_judged_lock_plan(void);

extern void mg_lock_plan_add(MGLockPlan *plan, Oid relid, LOCKMODE mode,
							 const char *role);

/* Plan primitives for lockinfo_stmt.c (lockinfo.c) */
struct RangeVar;
extern void mg_lock_plan_add_rv(MGLockPlan *plan, struct RangeVar *rv,
								LOCKMODE mode, const char *role);
extern void mg_lock_plan_add_fk_target(MGLockPlan *plan, Oid conoid);
extern void mg_lock_plan_add_fk_targets_of(MGLockPlan *plan, Oid relid);
extern void mg_lock_plan_add_fk_constraint(MGLockPlan *plan, Node *node);
extern void mg_lock_plan_add_fk_of_column(MGLockPlan *plan, Node *node);
extern void mg_lock_plan_add_indexes(MGLockPlan *plan, Oid relid, LOCKMODE mode);

#endif							/* MG_LOCKINFO_H */
