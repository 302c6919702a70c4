/*-------------------------------------------------------------------------
 *
 * lockinfo_stmt.c
 *	  Which relation locks a utility statement will request, and at which
 *	  level, by statement type, read from the raw parse tree before the
 *	  statement runs (mg_statement_lock_plan).
 *
 *	  The levels are PostgreSQL's own: ALTER TABLE asks the server
 *	  (AlterTableGetLockLevel is exported), everything else mirrors the
 *	  lock the command's implementation requests (utility.c, tablecmds.c,
 *	  trigger.c, policy.c, rewriteDefine.c, matview.c, sequence.c, lockcmds.c,
 *	  vacuum.c, cluster.c, indexcmds.c).  The tests compare every form with
 *	  pg_locks.  Locks on other relations that matter for queueing are
 *	  included: the referenced table of a foreign key, the partition being
 *	  attached or detached, the parent of a new partition, the tables
 *	  TRUNCATE/DROP ... CASCADE reaches through foreign keys, the tables
 *	  using a domain ALTER DOMAIN validates, the indexes REINDEX rebuilds.
 *	  The plan is built with lockinfo.c's primitives; forms that reach
 *	  relations through a dependency, a type or a default partition are
 *	  added by mg_cascade_lock_plan().
 *
 *	  Names are resolved without locking, exactly like the rules do: the
 *	  guard must never make the statement queue longer.  A relation that
 *	  does not exist is left out (PostgreSQL reports it, or IF EXISTS skips
 *	  it).
 *
 * IDENTIFICATION
 *	  src/lockinfo_stmt.c
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
#include "lockplan_cascade.h"
#include "relfacts.h"


static Oid
lookup_relation(RangeVar *rv)
{
	if (rv == NULL)
		return InvalidOid;
	return RangeVarGetRelid(rv, NoLock, true);
}

/* DROP TRIGGER/RULE/POLICY name ON table: the name list ends with the object. */
static void
add_lock_relobject(MGLockPlan *plan, List *names, LOCKMODE mode)
{
	List	   *relname;

	if (list_length(names) < 2)
		return;
	relname = list_truncate(list_copy(names), list_length(names) - 1);
	mg_lock_plan_add_rv(plan, makeRangeVarFromNameList(relname), mode, NULL);
}

static void
plan_alter_table(MGLockPlan *plan, AlterTableStmt *stmt)
{
	Oid			relid = lookup_relation(stmt->relation);
	ListCell   *lc;

	if (!OidIsValid(relid))
		return;
	mg_lock_plan_add(plan, relid, AlterTableGetLockLevel(stmt->cmds), NULL);

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		switch (cmd->subtype)
		{
			case AT_AddConstraint:
				mg_lock_plan_add_fk_constraint(plan, cmd->def);
				break;
			case AT_AddColumn:
				mg_lock_plan_add_fk_of_column(plan, cmd->def);
				break;
			case AT_DropConstraint:
				mg_lock_plan_add_fk_target(plan,
										   get_relation_constraint_oid(relid, cmd->name, true));
				break;
			case AT_AttachPartition:
				/* ATExecAttachPartition(Idx) lock the partition (index) so */
				mg_lock_plan_add_rv(plan, ((PartitionCmd *) cmd->def)->name,
									AccessExclusiveLock,
									stmt->objtype == OBJECT_INDEX ? "the index being attached" :
									"the partition being attached");
				break;
			case AT_DetachPartition:
				{
					PartitionCmd *pc = (PartitionCmd *) cmd->def;

					mg_lock_plan_add_rv(plan, pc->name,
										pc->concurrent ? ShareUpdateExclusiveLock : AccessExclusiveLock,
										"the partition being detached");
					if (pc->concurrent)
						plan->subxact_ok = false;
				}
				break;
			default:
				break;
		}
	}
}

static void
plan_rename(MGLockPlan *plan, RenameStmt *stmt)
{
	Oid			relid;

	switch (stmt->renameType)
	{
		case OBJECT_TABLE:
		case OBJECT_VIEW:
		case OBJECT_MATVIEW:
		case OBJECT_SEQUENCE:
		case OBJECT_FOREIGN_TABLE:
		case OBJECT_INDEX:
			relid = lookup_relation(stmt->relation);
			if (!OidIsValid(relid))
				return;

			/*
			 * RenameRelation: ALTER INDEX ... RENAME of an index takes SHARE
			 * UPDATE EXCLUSIVE; everything else ACCESS EXCLUSIVE.
			 */
			if (stmt->renameType == OBJECT_INDEX &&
				(get_rel_relkind(relid) == RELKIND_INDEX ||
				 get_rel_relkind(relid) == RELKIND_PARTITIONED_INDEX))
				mg_lock_plan_add(plan, relid, ShareUpdateExclusiveLock, NULL);
			else
				mg_lock_plan_add(plan, relid, AccessExclusiveLock, NULL);
			break;
		case OBJECT_COLUMN:
		case OBJECT_TABCONSTRAINT:
		case OBJECT_TRIGGER:
		case OBJECT_POLICY:
		case OBJECT_RULE:

			/*
			 * renameatt, rename_constraint, renametrig, rename_policy,
			 * RenameRewriteRule
			 */
			mg_lock_plan_add_rv(plan, stmt->relation, AccessExclusiveLock, NULL);
			break;
		default:
			break;
	}
}

static bool
option_is_true(List *options, const char *name)
{
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *opt = lfirst(lc);

		if (strcmp(opt->defname, name) == 0)
			return defGetBoolean(opt);
	}
	return false;
}

static void
plan_reindex(MGLockPlan *plan, ReindexStmt *stmt)
{
	bool		concurrently = option_is_true(stmt->params, "concurrently");
	Oid			relid;

	if (concurrently)
		plan->subxact_ok = false;
	switch (stmt->kind)
	{
		case REINDEX_OBJECT_INDEX:
			relid = lookup_relation(stmt->relation);
			if (!OidIsValid(relid))
				return;

			/*
			 * reindex_index: SHARE on the table, ACCESS EXCLUSIVE on the
			 * index
			 */
			mg_lock_plan_add(plan, IndexGetRelation(relid, true),
							 concurrently ? ShareUpdateExclusiveLock : ShareLock, NULL);
			mg_lock_plan_add(plan, relid,
							 concurrently ? ShareUpdateExclusiveLock : AccessExclusiveLock, NULL);
			break;
		case REINDEX_OBJECT_TABLE:
			relid = lookup_relation(stmt->relation);
			if (!OidIsValid(relid))
				return;
			if (get_rel_relkind(relid) == RELKIND_PARTITIONED_TABLE)
			{
				/* ReindexPartitions: one transaction per partition */
				ListCell   *lc;

				plan->subxact_ok = false;
				plan->own_transactions = true;
				foreach(lc, find_all_inheritors(relid, NoLock, NULL))
				{
					if (get_rel_relkind(lfirst_oid(lc)) == RELKIND_RELATION)
						mg_lock_plan_add(plan, lfirst_oid(lc),
										 concurrently ? ShareUpdateExclusiveLock : ShareLock,
										 "a partition REINDEX rebuilds");
				}
				return;
			}
			mg_lock_plan_add(plan, relid,
							 concurrently ? ShareUpdateExclusiveLock : ShareLock, NULL);

			/*
			 * reindex_relation: ACCESS EXCLUSIVE on each index it rebuilds,
			 * which stops every query that plans with the table
			 */
			if (!concurrently)
				mg_lock_plan_add_indexes(plan, relid, AccessExclusiveLock);
			break;
		default:
			/* SCHEMA, SYSTEM, DATABASE: one transaction per table */
			plan->subxact_ok = false;
			plan->own_transactions = true;
			break;
	}
}

static void
plan_drop(MGLockPlan *plan, DropStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->objects)
	{
		List	   *names = lfirst(lc);
		Oid			relid;

		switch (stmt->removeType)
		{
			case OBJECT_TABLE:
			case OBJECT_VIEW:
			case OBJECT_MATVIEW:
			case OBJECT_SEQUENCE:
			case OBJECT_FOREIGN_TABLE:
				relid = lookup_relation(makeRangeVarFromNameList(names));
				mg_lock_plan_add(plan, relid, AccessExclusiveLock, NULL);
				if (OidIsValid(relid) && stmt->removeType == OBJECT_TABLE)
				{
					mg_lock_plan_add_fk_targets_of(plan, relid);

					/*
					 * CASCADE drops the foreign keys that reference it, which
					 * locks their tables (RemoveConstraintById).
					 */
					if (stmt->behavior == DROP_CASCADE)
					{
						ListCell   *lc2;

						foreach(lc2, heap_truncate_find_FKs(list_make1_oid(relid)))
							mg_lock_plan_add(plan, lfirst_oid(lc2), AccessExclusiveLock,
											 "a table whose foreign key CASCADE drops");
					}
				}
				break;
			case OBJECT_INDEX:
				{
					LOCKMODE	mode = stmt->concurrent ? ShareUpdateExclusiveLock :
						AccessExclusiveLock;

					/* RangeVarCallbackForDropRelation locks the table first */
					relid = lookup_relation(makeRangeVarFromNameList(names));
					if (!OidIsValid(relid))
						break;
					mg_lock_plan_add(plan, IndexGetRelation(relid, true), mode, NULL);
					mg_lock_plan_add(plan, relid, mode, NULL);
				}
				break;
			case OBJECT_TRIGGER:
			case OBJECT_RULE:
			case OBJECT_POLICY:
				add_lock_relobject(plan, names, AccessExclusiveLock);
				break;
			default:
				break;
		}
	}
	if (stmt->removeType == OBJECT_INDEX && stmt->concurrent)
		plan->subxact_ok = false;
}

/*
 * TRUNCATE ... CASCADE also truncates, under ACCESS EXCLUSIVE, every table
 * whose foreign keys reference a truncated table, transitively, as
 * ExecuteTruncate finds them.
 */
static void
plan_truncate(MGLockPlan *plan, TruncateStmt *stmt)
{
	List	   *relids = NIL;
	ListCell   *lc;

	foreach(lc, stmt->relations)
	{
		Oid			relid = lookup_relation(lfirst(lc));

		mg_lock_plan_add(plan, relid, AccessExclusiveLock, NULL);
		if (OidIsValid(relid))
			relids = list_append_unique_oid(relids, relid);
	}
	if (stmt->behavior != DROP_CASCADE)
		return;
	for (;;)
	{
		List	   *referencing = heap_truncate_find_FKs(relids);
		bool		added = false;

		foreach(lc, referencing)
		{
			if (list_member_oid(relids, lfirst_oid(lc)))
				continue;
			relids = lappend_oid(relids, lfirst_oid(lc));
			mg_lock_plan_add(plan, lfirst_oid(lc), AccessExclusiveLock,
							 "a table TRUNCATE ... CASCADE empties too");
			added = true;
		}
		if (!added)
			break;
	}
}

static void
plan_vacuum(MGLockPlan *plan, VacuumStmt *stmt)
{
	bool		full = stmt->is_vacuumcmd && option_is_true(stmt->options, "full");
	ListCell   *lc;

	/* VACUUM commits internally and refuses to run in a transaction block */
	if (stmt->is_vacuumcmd)
	{
		plan->subxact_ok = false;
		plan->own_transactions = true;
	}
	foreach(lc, stmt->rels)
	{
		VacuumRelation *vrel = lfirst_node(VacuumRelation, lc);

		mg_lock_plan_add_rv(plan, vrel->relation,
							full ? AccessExclusiveLock : ShareUpdateExclusiveLock, NULL);
	}
}

static void
plan_create(MGLockPlan *plan, CreateStmt *stmt)
{
	ListCell   *lc;

	/* DefineRelation: a new partition locks its parent ACCESS EXCLUSIVE */
	foreach(lc, stmt->inhRelations)
		mg_lock_plan_add_rv(plan, lfirst(lc),
							stmt->partbound != NULL ? AccessExclusiveLock : ShareUpdateExclusiveLock,
							stmt->partbound != NULL ? "the parent of the new partition" :
							"a parent of the new table");
	foreach(lc, stmt->tableElts)
	{
		mg_lock_plan_add_fk_constraint(plan, lfirst(lc));
		mg_lock_plan_add_fk_of_column(plan, lfirst(lc));
	}
	foreach(lc, stmt->constraints)
		mg_lock_plan_add_fk_constraint(plan, lfirst(lc));
}

/*
 * ALTER DOMAIN checks existing data under SHARE on every table using the
 * domain: SET NOT NULL, ADD CONSTRAINT (CHECK, unless NOT VALID) and
 * VALIDATE CONSTRAINT.
 */
static void
plan_alter_domain(MGLockPlan *plan, AlterDomainStmt *stmt)
{
	Oid			domainoid;
	bool		validates = false;

	switch (stmt->subtype)
	{
		case 'O':				/* SET NOT NULL */
		case 'V':				/* VALIDATE CONSTRAINT */
			validates = true;
			break;
		case 'C':				/* ADD CONSTRAINT */
			validates = stmt->def != NULL && IsA(stmt->def, Constraint) &&
				!((Constraint *) stmt->def)->skip_validation;
			break;
		default:
			break;
	}
	if (!validates)
		return;
	domainoid = LookupTypeNameOid(NULL, makeTypeNameFromNameList(stmt->typeName), true);
	if (OidIsValid(domainoid) && get_typtype(domainoid) == TYPTYPE_DOMAIN)
	{
		ListCell   *lc;

		foreach(lc, mg_tables_using_domain(domainoid))
			mg_lock_plan_add(plan, lfirst_oid(lc), ShareLock,
							 "a table with a column of the domain");
	}
}

static void
plan_lock(MGLockPlan *plan, LockStmt *stmt)
{
	ListCell   *lc;

	plan->nowait = stmt->nowait;
	foreach(lc, stmt->relations)
		mg_lock_plan_add_rv(plan, lfirst(lc), (LOCKMODE) stmt->mode, NULL);
}

static void
plan_alter_schema(MGLockPlan *plan, AlterObjectSchemaStmt *stmt)
{
	switch (stmt->objectType)
	{
		case OBJECT_TABLE:
		case OBJECT_VIEW:
		case OBJECT_MATVIEW:
		case OBJECT_SEQUENCE:
		case OBJECT_FOREIGN_TABLE:
			/* AlterTableNamespace */
			mg_lock_plan_add_rv(plan, stmt->relation, AccessExclusiveLock, NULL);
			break;
		default:
			break;
	}
}

/*
 * ALTER TABLE/INDEX/MATERIALIZED VIEW ALL IN TABLESPACE: every relation of
 * that kind in the tablespace, ACCESS EXCLUSIVE each (AlterTableMoveAll
 * walks pg_class the same way; OWNED BY is not applied here, so the list
 * may be longer than what moves).
 */
static void
plan_move_all(MGLockPlan *plan, AlterTableMoveAllStmt *stmt)
{
	Oid			spcoid = get_tablespace_oid(stmt->orig_tablespacename, true);
	Oid			newoid = get_tablespace_oid(stmt->new_tablespacename, true);
	Relation	classrel;
	TableScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	List	   *relids = NIL;
	ListCell   *lc;

	plan->nowait = stmt->nowait;
	if (!OidIsValid(spcoid) || spcoid == GLOBALTABLESPACE_OID)
		return;
	if (spcoid == MyDatabaseTableSpace)
		spcoid = InvalidOid;
	if (newoid == MyDatabaseTableSpace)
		newoid = InvalidOid;
	if (spcoid == newoid)
		return;					/* nothing moves */
	ScanKeyInit(&key, Anum_pg_class_reltablespace, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(spcoid));
	classrel = table_open(RelationRelationId, AccessShareLock);
	scan = table_beginscan_catalog(classrel, 1, &key);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		Form_pg_class cls = (Form_pg_class) GETSTRUCT(tup);
		bool		kind_matches;

		if (IsCatalogNamespace(cls->relnamespace) ||
			isAnyTempNamespace(cls->relnamespace) ||
			IsToastNamespace(cls->relnamespace))
			continue;
		switch (stmt->objtype)
		{
			case OBJECT_TABLE:
				kind_matches = cls->relkind == RELKIND_RELATION ||
					cls->relkind == RELKIND_PARTITIONED_TABLE;
				break;
			case OBJECT_INDEX:
				kind_matches = cls->relkind == RELKIND_INDEX ||
					cls->relkind == RELKIND_PARTITIONED_INDEX;
				break;
			case OBJECT_MATVIEW:
				kind_matches = cls->relkind == RELKIND_MATVIEW;
				break;
			default:
				kind_matches = false;
				break;
		}
		if (kind_matches)
			relids = lappend_oid(relids, cls->oid);
	}
	table_endscan(scan);
	table_close(classrel, AccessShareLock);

	foreach(lc, relids)
		mg_lock_plan_add(plan, lfirst_oid(lc), AccessExclusiveLock, NULL);
}

/*
 * The relation locks a utility statement will request, strongest mode per
 * relation, in the order it requests them.  Statements that lock no
 * existing relation get an empty plan.
 */
MGLockPlan *
mg_statement_lock_plan(Node *parsetree)
{
	MGLockPlan *plan = palloc0(sizeof(MGLockPlan));

	plan->subxact_ok = true;

	switch (nodeTag(parsetree))
	{
		case T_AlterTableStmt:
			plan_alter_table(plan, (AlterTableStmt *) parsetree);
			break;
		case T_RenameStmt:
			plan_rename(plan, (RenameStmt *) parsetree);
			break;
		case T_AlterDomainStmt:
			plan_alter_domain(plan, (AlterDomainStmt *) parsetree);
			break;
		case T_IndexStmt:
			{
				IndexStmt  *stmt = (IndexStmt *) parsetree;

				mg_lock_plan_add_rv(plan, stmt->relation,
									stmt->concurrent ? ShareUpdateExclusiveLock : ShareLock, NULL);
				if (stmt->concurrent)
					plan->subxact_ok = false;
			}
			break;
		case T_ReindexStmt:
			plan_reindex(plan, (ReindexStmt *) parsetree);
			break;
		case T_DropStmt:
			plan_drop(plan, (DropStmt *) parsetree);
			break;
		case T_TruncateStmt:
			plan_truncate(plan, (TruncateStmt *) parsetree);
			break;
		case T_VacuumStmt:
			plan_vacuum(plan, (VacuumStmt *) parsetree);
			break;
		case T_ClusterStmt:
			{
				ClusterStmt *stmt = (ClusterStmt *) parsetree;

				if (stmt->relation == NULL)
				{
					plan->subxact_ok = false;
					plan->own_transactions = true;
				}
				mg_lock_plan_add_rv(plan, stmt->relation, AccessExclusiveLock, NULL);
			}
			break;
		case T_RefreshMatViewStmt:
			{
				RefreshMatViewStmt *stmt = (RefreshMatViewStmt *) parsetree;

				mg_lock_plan_add_rv(plan, stmt->relation,
									stmt->concurrent ? ExclusiveLock : AccessExclusiveLock, NULL);
			}
			break;
		case T_CreateTrigStmt:
			mg_lock_plan_add_rv(plan, ((CreateTrigStmt *) parsetree)->relation,
								ShareRowExclusiveLock, NULL);
			break;
		case T_RuleStmt:
			mg_lock_plan_add_rv(plan, ((RuleStmt *) parsetree)->relation,
								AccessExclusiveLock, NULL);
			break;
		case T_CreatePolicyStmt:
			mg_lock_plan_add_rv(plan, ((CreatePolicyStmt *) parsetree)->table,
								AccessExclusiveLock, NULL);
			break;
		case T_AlterPolicyStmt:
			mg_lock_plan_add_rv(plan, ((AlterPolicyStmt *) parsetree)->table,
								AccessExclusiveLock, NULL);
			break;
		case T_LockStmt:
			plan_lock(plan, (LockStmt *) parsetree);
			break;
		case T_AlterObjectSchemaStmt:
			plan_alter_schema(plan, (AlterObjectSchemaStmt *) parsetree);
			break;
		case T_CreateStmt:
			plan_create(plan, (CreateStmt *) parsetree);
			break;
		case T_CreateForeignTableStmt:
			plan_create(plan, &((CreateForeignTableStmt *) parsetree)->base);
			break;
		case T_ViewStmt:
			{
				ViewStmt   *stmt = (ViewStmt *) parsetree;

				/* DefineView: OR REPLACE of an existing view */
				if (stmt->replace)
					mg_lock_plan_add_rv(plan, stmt->view, AccessExclusiveLock, NULL);
			}
			break;
		case T_CreateSchemaStmt:
			{
				/*
				 * its elements run as subcommands: CREATE TABLE ...
				 * REFERENCES
				 */
				ListCell   *lc;

				foreach(lc, ((CreateSchemaStmt *) parsetree)->schemaElts)
				{
					MGLockPlan *element = mg_statement_lock_plan(lfirst(lc));
					ListCell   *lc2;

					foreach(lc2, element->locks)
					{
						MGRelLock  *l = lfirst(lc2);

						mg_lock_plan_add(plan, l->relid, l->mode, l->role);
					}
				}
			}
			break;
		case T_AlterTableMoveAllStmt:
			plan_move_all(plan, (AlterTableMoveAllStmt *) parsetree);
			break;
		case T_AlterSeqStmt:
			/* AlterSequence: conflicts with nextval()'s ROW EXCLUSIVE */
			mg_lock_plan_add_rv(plan, ((AlterSeqStmt *) parsetree)->sequence,
								ShareRowExclusiveLock, NULL);
			break;
		default:
			break;
	}
	/* locks reached through a dependency, a type or a default partition */
	mg_cascade_lock_plan(plan, parsetree);
	return plan;
}
