/*-------------------------------------------------------------------------
 *
 * lockplan_cascade.c
 *	  Lock facts: the relations a statement locks beyond its own target,
 *	  through a dependency (DROP ... CASCADE, DROP OWNED), a type (ALTER
 *	  TYPE ... CASCADE on typed tables) or a default partition (a new or
 *	  attached partition), added to the statement's lock plan
 *	  (lockinfo.c).
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
#include "lockinfo.h"
#include "lockplan_cascade.h"
#include "objfacts.h"

static void
lock_dependents(MGLockPlan *plan, List *deps, const char *role)
{
	ListCell   *lc;

	foreach(lc, deps)
	{
		MGDependent *dep = lfirst(lc);
		Oid			relid = mg_object_relation(&dep->address);

		if (OidIsValid(relid))
			mg_lock_plan_add(plan, relid, AccessExclusiveLock, role);
	}
}

static void
lock_typed_tables(MGLockPlan *plan, RangeVar *rv, LOCKMODE mode)
{
	Oid			typid = mg_composite_type_of(rv);
	ListCell   *lc;

	if (!OidIsValid(typid))
		return;
	foreach(lc, mg_typed_tables_recursive(typid))
		mg_lock_plan_add(plan, lfirst_oid(lc), mode, "a typed table of the type");
}

/*
 * The DEFAULT partition of the parent a new partition joins: DefineRelation
 * and ATExecAttachPartition lock it ACCESS EXCLUSIVE and scan it for rows
 * of the new bound.
 */
static void
lock_default_partition(MGLockPlan *plan, RangeVar *parent)
{
	Oid			parentid = RangeVarGetRelid(parent, NoLock, true);
	Oid			defpart;

	if (!OidIsValid(parentid) || get_rel_relkind(parentid) != RELKIND_PARTITIONED_TABLE)
		return;
	defpart = get_default_partition_oid(parentid);
	if (OidIsValid(defpart))
		mg_lock_plan_add(plan, defpart, AccessExclusiveLock,
						 "the default partition of the parent, scanned for rows of the new bound");
}

/*
 * Called by mg_statement_lock_plan() (lockinfo.c): the relations the
 * statement locks through a dependency, a type or a default partition.
 */
void
mg_cascade_lock_plan(MGLockPlan *plan, Node *parsetree)
{
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
							mg_lock_plan_add(plan, lfirst_oid(lc2), AccessExclusiveLock,
											 "a relation of the schema");
					}
				}
				else if (mg_cascade_drop_kind(stmt->removeType))
				{
					List	   *targets = mg_drop_targets(stmt);

					if (targets != NIL)
						lock_dependents(plan, mg_dependents(targets, NIL, true),
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
						mg_lock_plan_add(plan, addr->objectId, AccessExclusiveLock,
										 "a relation the role owns");
				}
				if (stmt->behavior == DROP_CASCADE && targets != NIL)
					lock_dependents(plan, mg_dependents(targets, NIL, true),
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
						lock_default_partition(plan, stmt->relation);
					cascade |= cmd->behavior == DROP_CASCADE;
				}
				/* without CASCADE PostgreSQL refuses a type that has typed tables */
				if (stmt->objtype == OBJECT_TYPE && cascade)
					lock_typed_tables(plan, stmt->relation, AlterTableGetLockLevel(stmt->cmds));
			}
			break;
		case T_RenameStmt:
			{
				RenameStmt *stmt = (RenameStmt *) parsetree;

				if (stmt->renameType == OBJECT_ATTRIBUTE && stmt->behavior == DROP_CASCADE)
					lock_typed_tables(plan, stmt->relation, AccessExclusiveLock);
			}
			break;
		case T_CreateStmt:
			{
				CreateStmt *stmt = (CreateStmt *) parsetree;

				if (stmt->partbound != NULL && list_length(stmt->inhRelations) == 1)
					lock_default_partition(plan, linitial(stmt->inhRelations));
			}
			break;
		default:
			break;
	}
}
