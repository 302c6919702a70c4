/*-------------------------------------------------------------------------
 *
 * lockplan_cascade.c
 *	  Lock facts: the relations a statement locks beyond its own target,
 *	  through a dependency (DROP ... CASCADE, DROP OWNED), a type (ALTER
 *	  TYPE ... CASCADE on typed tables) or a default partition (a new or
 *	  attached partition), for the statement's lock plan (lockinfo.c
 *	  adds them; this file does not call back into it).
 *
 * IDENTIFICATION
 *	  src/lockplan_cascade.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "commands/tablecmds.h"
#include "nodes/makefuncs.h"
#include "utils/lsyscache.h"

#include "depends.h"
#include "lockplan_cascade.h"
#include "objfacts.h"

/* Adds one lock to the list of locks the statement takes. */
static void
add_lock(List **locks, Oid relid, LOCKMODE mode, const char *role)
{
	MGCascadeLock *lock = palloc(sizeof(MGCascadeLock));

	lock->relid = relid;
	lock->mode = mode;
	lock->role = role;
	*locks = lappend(*locks, lock);
}

static void
lock_dependents(List **locks, List *deps, const char *role)
{
	ListCell   *lc;

	foreach(lc, deps)
	{
		MGDependent *dep = lfirst(lc);
		Oid			relid = mg_object_relation(&dep->address);

		if (OidIsValid(relid))
			add_lock(locks, relid, AccessExclusiveLock, role);
	}
}

static void
lock_typed_tables(List **locks, RangeVar *rv, LOCKMODE mode)
{
	Oid			typid = mg_composite_type_of(rv);
	ListCell   *lc;

	if (!OidIsValid(typid))
		return;
	foreach(lc, mg_typed_tables_recursive(typid))
		add_lock(locks, lfirst_oid(lc), mode, "a typed table of the type");
}

/*
 * The DEFAULT partition of the parent a new partition joins: DefineRelation
 * and ATExecAttachPartition lock it ACCESS EXCLUSIVE and scan it for rows
 * of the new bound.
 */
static void
lock_default_partition(List **locks, RangeVar *parent)
{
	Oid			parentid = RangeVarGetRelid(parent, NoLock, true);
	Oid			defpart;

	if (!OidIsValid(parentid) || get_rel_relkind(parentid) != RELKIND_PARTITIONED_TABLE)
		return;
	defpart = get_default_partition_oid(parentid);
	if (OidIsValid(defpart))
		add_lock(locks, defpart, AccessExclusiveLock,
				 "the default partition of the parent, scanned for rows of the new bound");
}

/*
 * For mg_statement_lock_plan() (lockinfo.c, through mg_cascade_lock_plan()
 * in lockplan_cascade.h): the relations the statement locks through a
 * dependency, a type or a default partition, as MGCascadeLock *.
 */
List *
mg_cascade_locks(Node *parsetree)
{
	List	   *result = NIL;
	List	  **locks = &result;

	switch (nodeTag(parsetree))
	{
		case T_DropStmt:
			{
				DropStmt   *stmt = (DropStmt *) parsetree;
				ListCell   *lc;

				if (stmt->behavior != DROP_CASCADE)
					break;
				if (stmt->removeType == OBJECT_SCHEMA)
				{
					foreach(lc, stmt->objects)
					{
						Oid			nspid = get_namespace_oid(strVal(lfirst(lc)), true);
						ListCell   *lc2;

						if (!OidIsValid(nspid))
							continue;
						foreach(lc2, mg_schema_shared_relations(nspid, true))
							add_lock(locks, lfirst_oid(lc2), AccessExclusiveLock,
									 "a relation of the schema");
					}
				}
				else if (mg_cascade_drop_kind(stmt->removeType))
				{
					List	   *targets = mg_drop_targets(stmt);

					if (targets != NIL)
						lock_dependents(locks, mg_dependents(targets, NIL, true),
										"a relation CASCADE drops from or changes");
				}
			}
			break;
		case T_DropOwnedStmt:
			{
				DropOwnedStmt *stmt = (DropOwnedStmt *) parsetree;
				List	   *targets = mg_drop_owned_targets(stmt, NULL);
				ListCell   *lc;

				foreach(lc, targets)
				{
					ObjectAddress *addr = lfirst(lc);

					if (addr->classId == RelationRelationId)
						add_lock(locks, addr->objectId, AccessExclusiveLock,
								 "a relation the role owns");
				}
				if (stmt->behavior == DROP_CASCADE && targets != NIL)
					lock_dependents(locks, mg_dependents(targets, NIL, true),
									"a relation CASCADE drops from or changes");
			}
			break;
		case T_AlterTableStmt:
			{
				AlterTableStmt *stmt = (AlterTableStmt *) parsetree;
				ListCell   *lc;

				bool		cascade = false;

				foreach(lc, stmt->cmds)
				{
					AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

					if (cmd->subtype == AT_AttachPartition && stmt->objtype != OBJECT_INDEX)
						lock_default_partition(locks, stmt->relation);
					cascade |= cmd->behavior == DROP_CASCADE;
				}

				/*
				 * without CASCADE PostgreSQL refuses a type that has typed
				 * tables
				 */
				if (stmt->objtype == OBJECT_TYPE && cascade)
					lock_typed_tables(locks, stmt->relation, AlterTableGetLockLevel(stmt->cmds));
			}
			break;
		case T_RenameStmt:
			{
				RenameStmt *stmt = (RenameStmt *) parsetree;

				if (stmt->renameType == OBJECT_ATTRIBUTE && stmt->behavior == DROP_CASCADE)
					lock_typed_tables(locks, stmt->relation, AccessExclusiveLock);
			}
			break;
		case T_CreateStmt:
			{
				CreateStmt *stmt = (CreateStmt *) parsetree;

				if (stmt->partbound != NULL && list_length(stmt->inhRelations) == 1)
					lock_default_partition(locks, linitial(stmt->inhRelations));
			}
			break;
		default:
			break;
	}
	return result;
}
