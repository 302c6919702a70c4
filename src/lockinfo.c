/*-------------------------------------------------------------------------
 *
 * lockinfo.c
 *	  Lock facts and lock plans: what a lock mode blocks, which table a lock
 *	  counts for, and the primitives that
 *	  build a statement's lock plan (a relation's lock, the tables its
 *	  foreign keys reference, its indexes, the tables using a domain).
 *	  Which locks each statement type requests is lockinfo_stmt.c's.
 *
 *	  Locks on other relations that matter for queueing are added here:
 *	  the referenced table of a foreign key (SHARE ROW EXCLUSIVE to add one,
 *	  ACCESS EXCLUSIVE to drop one, because its triggers live on that
 *	  table), a table's indexes, the tables using a domain.
 *
 *	  Names are resolved without locking, exactly like the rules do: the
 *	  guard must never make the statement queue longer.  A relation that
 *	  does not exist is left out (PostgreSQL reports it, or IF EXISTS skips
 *	  it).
 *
 * IDENTIFICATION
 *	  src/lockinfo.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/catalog.h"
#include "catalog/heap.h"
#include "catalog/index.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/objectaddress.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_tablespace.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/tablecmds.h"
#include "commands/tablespace.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_type.h"
#include "storage/lock.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "lockinfo.h"
#include "relfacts.h"

/*
 * Locks that conflict with ROW EXCLUSIVE, the lock of INSERT, UPDATE,
 * DELETE and MERGE: SHARE, SHARE ROW EXCLUSIVE, EXCLUSIVE and ACCESS
 * EXCLUSIVE.  A statement waiting for one of them in the lock queue makes
 * every later writer (and, for ACCESS EXCLUSIVE, every reader) wait too.
 */
bool
mg_lock_blocks_reads_or_writes(LOCKMODE mode)
{
	return mode != NoLock && DoLockModesConflict(mode, RowExclusiveLock);
}

/*
 * The table a lock on a relation counts for: an index counts as its table,
 * so that locks on a table and on its indexes count once.
 */
Oid
mg_lock_owning_table(Oid relid, char relkind)
{
	if (relkind == RELKIND_INDEX || relkind == RELKIND_PARTITIONED_INDEX)
	{
		Oid			heap = IndexGetRelation(relid, true);

		if (OidIsValid(heap))
			return heap;
	}
	return relid;
}

/*
 * The first lock that the lock_timeout rule concerns: one that blocks reads
 * or writes, on a relation other sessions use.  Composite types hold no
 * rows, so nobody queues on them.
 */
MGRelLock *
mg_plan_guarded_lock(const MGLockPlan *plan)
{
	ListCell   *lc;
	MGRelLock  *best = NULL;

	if (plan == NULL || plan->nowait)
		return NULL;
	foreach(lc, plan->locks)
	{
		MGRelLock  *l = lfirst(lc);

		if (!l->shared || l->relkind == RELKIND_COMPOSITE_TYPE ||
			!mg_lock_blocks_reads_or_writes(l->mode))
			continue;
		if (best == NULL || l->mode > best->mode)
			best = l;
	}
	return best;
}

/* Does the plan take ACCESS EXCLUSIVE on a relation others use? */
bool
mg_plan_takes_exclusive(const MGLockPlan *plan)
{
	ListCell   *lc;

	foreach(lc, plan->locks)
	{
		if (mg_lock_is_exclusive_on_shared(lfirst(lc)))
			return true;
	}
	return false;
}

/* A lock of the plan, by relation (MGLockPlan.by_relid). */
typedef struct PlannedLock
{
	Oid			relid;			/* hash key: must be first */
	MGRelLock  *lock;
} PlannedLock;

/* Adds a lock on relid, keeping the strongest mode asked for it. */
static void
add_lock_oid(MGLockPlan *plan, Oid relid, LOCKMODE mode, const char *role)
{
	PlannedLock *entry;
	MGRelLock  *l;
	char		relkind;
	bool		found;

	if (!OidIsValid(relid) || mode == NoLock)
		return;
	if (plan->by_relid == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(PlannedLock);
		ctl.hcxt = CurrentMemoryContext;
		plan->by_relid = hash_create("migration_guard lock plan", 64, &ctl,
									 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	entry = hash_search(plan->by_relid, &relid, HASH_FIND, NULL);
	if (entry != NULL)
	{
		if (mode > entry->lock->mode)
			entry->lock->mode = mode;
		return;
	}
	relkind = get_rel_relkind(relid);
	if (relkind == '\0')
		return;					/* dropped concurrently */

	l = palloc0(sizeof(MGRelLock));
	l->relid = relid;
	l->mode = mode;
	l->relkind = relkind;
	l->shared = mg_rel_persistence(relid) != RELPERSISTENCE_TEMP &&
		!mg_rel_created_in_xact(relid);
	l->relname = mg_rel_name(relid);
	l->role = role;
	plan->locks = lappend(plan->locks, l);
	entry = hash_search(plan->by_relid, &relid, HASH_ENTER, &found);
	entry->lock = l;
}

/* add_lock_oid for the statement forms of other files (rules_cascade.c). */
void
mg_lock_plan_add(MGLockPlan *plan, Oid relid, LOCKMODE mode, const char *role)
{
	add_lock_oid(plan, relid, mode, role);
}

void
mg_lock_plan_add_rv(MGLockPlan *plan, RangeVar *rv, LOCKMODE mode, const char *role)
{
	add_lock_oid(plan, rv ? RangeVarGetRelid(rv, NoLock, true) : InvalidOid, mode, role);
}

/*
 * Dropping a foreign key drops its action triggers, which live on the
 * referenced table: RemoveTriggerById locks that table ACCESS EXCLUSIVE.
 */
void
mg_lock_plan_add_fk_target(MGLockPlan *plan, Oid conoid)
{
	HeapTuple	tup = SearchSysCache1(CONSTROID, ObjectIdGetDatum(conoid));

	if (!HeapTupleIsValid(tup))
		return;
	if (((Form_pg_constraint) GETSTRUCT(tup))->contype == CONSTRAINT_FOREIGN)
		add_lock_oid(plan, ((Form_pg_constraint) GETSTRUCT(tup))->confrelid,
					 AccessExclusiveLock, "the table its foreign key references");
	ReleaseSysCache(tup);
}

/* The referenced tables of every foreign key of relid (DROP TABLE). */
void
mg_lock_plan_add_fk_targets_of(MGLockPlan *plan, Oid relid)
{
	Relation	conrel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	List	   *fks = NIL;
	ListCell   *lc;

	conrel = table_open(ConstraintRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_constraint_conrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	scan = systable_beginscan(conrel, ConstraintRelidTypidNameIndexId, true,
							  NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tup);

		if (con->contype == CONSTRAINT_FOREIGN && con->confrelid != relid)
			fks = lappend_oid(fks, con->confrelid);
	}
	systable_endscan(scan);
	table_close(conrel, AccessShareLock);

	foreach(lc, fks)
		add_lock_oid(plan, lfirst_oid(lc), AccessExclusiveLock,
					 "a table a dropped foreign key references");
}

/* FOREIGN KEY constraints lock the referenced table SHARE ROW EXCLUSIVE. */
void
mg_lock_plan_add_fk_constraint(MGLockPlan *plan, Node *node)
{
	Constraint *con;

	if (node == NULL || !IsA(node, Constraint))
		return;
	con = (Constraint *) node;
	if (con->contype == CONSTR_FOREIGN)
		mg_lock_plan_add_rv(plan, con->pktable, ShareRowExclusiveLock,
							"the table the foreign key references");
}

void
mg_lock_plan_add_fk_of_column(MGLockPlan *plan, Node *node)
{
	ListCell   *lc;

	if (node == NULL || !IsA(node, ColumnDef))
		return;
	foreach(lc, ((ColumnDef *) node)->constraints)
		mg_lock_plan_add_fk_constraint(plan, lfirst(lc));
}

/*
 * The OIDs of a table's indexes, read from pg_index: unlike
 * RelationGetIndexList this needs no lock on the table, which the
 * statement has not taken yet.
 */
List *
mg_table_index_oids(Oid relid)
{
	Relation	indrel = table_open(IndexRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	List	   *indexes = NIL;

	ScanKeyInit(&key, Anum_pg_index_indrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	scan = systable_beginscan(indrel, IndexIndrelidIndexId, true, NULL, 1, &key);
	while (HeapTupleIsValid(tup = systable_getnext(scan)))
		indexes = lappend_oid(indexes, ((Form_pg_index) GETSTRUCT(tup))->indexrelid);
	systable_endscan(scan);
	table_close(indrel, AccessShareLock);
	return indexes;
}

void
mg_lock_plan_add_indexes(MGLockPlan *plan, Oid relid, LOCKMODE mode)
{
	ListCell   *lc;

	foreach(lc, mg_table_index_oids(relid))
		add_lock_oid(plan, lfirst_oid(lc), mode, NULL);
}

/*
 * Appends to *relids the tables and materialized views with a column of
 * the domain or of a domain over it, as get_rels_with_domain (typecmds.c)
 * finds them from pg_depend: what ALTER DOMAIN checks, under SHARE.
 */
static void
collect_tables_using_domain(Oid domainoid, List **relids, int depth)
{
	List	   *rels = NIL;
	List	   *subdomains = NIL;
	ListCell   *lc;

	if (depth > 16)
		return;
	foreach(lc, mg_type_dependents(domainoid))
	{
		ObjectAddress *dep = lfirst(lc);

		if (dep->classId == TypeRelationId && get_typtype(dep->objectId) == TYPTYPE_DOMAIN)
			subdomains = lappend_oid(subdomains, dep->objectId);
		else if (dep->classId == RelationRelationId && dep->objectSubId > 0)
			rels = list_append_unique_oid(rels, dep->objectId);
	}

	/* only tables and materialized views keep the lock: others are released */
	foreach(lc, rels)
	{
		char		relkind = get_rel_relkind(lfirst_oid(lc));

		if (relkind == RELKIND_RELATION || relkind == RELKIND_MATVIEW)
			*relids = list_append_unique_oid(*relids, lfirst_oid(lc));
	}
	foreach(lc, subdomains)
		collect_tables_using_domain(lfirst_oid(lc), relids, depth + 1);
}

List *
mg_tables_using_domain(Oid domainoid)
{
	List	   *relids = NIL;

	collect_tables_using_domain(domainoid, &relids, 0);
	return relids;
}
