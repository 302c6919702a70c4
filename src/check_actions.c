/*-------------------------------------------------------------------------
 *
 * check_actions.c
 *	  Which statements migration_guard.check() runs as well as judges.
 *
 *	  A statement is run in check()'s throwaway subtransaction only when
 *	  running it cannot disturb the live database: it creates new objects,
 *	  or touches only objects the script created, and takes no lock
 *	  stronger than ACCESS SHARE on anything that existed before.
 *	  Everything else is judged only.  The rule is an allow-list; the lock
 *	  planner (lockinfo.c) gives a second opinion.  docs/check.md gives the
 *	  reasoning.
 *
 * IDENTIFICATION
 *	  src/check_actions.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/builtins.h"
#include "utils/rel.h"
#include "utils/relcache.h"

#include "check.h"
#include "lockinfo.h"
#include "relfacts.h"

/*
 * Is the relation private to this check: created by a statement check()
 * ran, or temporary?  Then running statements on it disturbs nobody,
 * whichever transaction of the model created it.  (mg_rel_created_in_xact
 * answers for the model, where a table an earlier transaction created is
 * no longer new.)
 */
static bool
created_by_check(Oid relid)
{
	return mg_rel_created_in_real_xact(relid);
}

static bool
is_existing_relation(RangeVar *rv)
{
	Oid			relid;

	if (rv == NULL)
		return false;
	relid = RangeVarGetRelid(rv, NoLock, true);
	return OidIsValid(relid) && !created_by_check(relid);
}

/* A foreign key to an existing table: creating it locks that table. */
static bool
is_foreign_key_to_existing(Node *node)
{
	Constraint *con = (Constraint *) node;

	return IsA(node, Constraint) && con->contype == CONSTR_FOREIGN &&
		is_existing_relation(con->pktable);
}

/* Constraint attributes (DEFERRABLE, ...) modify the constraint before them. */
static bool
is_constraint_attribute(Node *node)
{
	if (!IsA(node, Constraint))
		return false;
	switch (((Constraint *) node)->contype)
	{
		case CONSTR_ATTR_DEFERRABLE:
		case CONSTR_ATTR_NOT_DEFERRABLE:
		case CONSTR_ATTR_DEFERRED:
		case CONSTR_ATTR_IMMEDIATE:
			return true;
		default:
#ifdef MG_HAVE_NOT_ENFORCED
			return ((Constraint *) node)->contype == CONSTR_ATTR_ENFORCED ||
				((Constraint *) node)->contype == CONSTR_ATTR_NOT_ENFORCED;
#else
			return false;
#endif
	}
}

/*
 * Removes the foreign keys that reference existing tables from a column's
 * constraint list, with the attribute items that follow each of them.
 */
static List *
without_foreign_keys_to_existing(List *constraints, bool *removed)
{
	List	   *kept = NIL;
	bool		dropping = false;
	ListCell   *lc;

	foreach(lc, constraints)
	{
		Node	   *con = lfirst(lc);

		if (is_foreign_key_to_existing(con))
		{
			dropping = true;
			*removed = true;
			continue;
		}
		if (dropping && is_constraint_attribute(con))
			continue;
		dropping = false;
		kept = lappend(kept, con);
	}
	return kept;
}

/*
 * CREATE TABLE ... REFERENCES existing_table would take SHARE ROW EXCLUSIVE
 * on existing_table, blocking its writers for as long as check() runs.  The
 * table is created without those foreign keys instead: its columns, types
 * and indexes, which is what later statements are judged against, are the
 * same.
 */
static void
strip_foreign_keys_to_existing(CreateStmt *stmt)
{
	List	   *elts = NIL;
	bool		removed = false;
	ListCell   *lc;

	foreach(lc, stmt->tableElts)
	{
		Node	   *elt = lfirst(lc);

		if (is_foreign_key_to_existing(elt))
			continue;
		if (IsA(elt, ColumnDef))
			((ColumnDef *) elt)->constraints =
				without_foreign_keys_to_existing(((ColumnDef *) elt)->constraints, &removed);
		elts = lappend(elts, elt);
	}
	stmt->tableElts = elts;
	stmt->constraints = without_foreign_keys_to_existing(stmt->constraints, &removed);
}

/*
 * CREATE TABLE: run it unless it inherits from, or is a partition of, an
 * existing table (PARTITION OF takes ACCESS EXCLUSIVE on the parent, and
 * INHERITS takes SHARE UPDATE EXCLUSIVE).
 */
static CheckAction
create_table_action(CreateStmt *stmt, char **why)
{
	ListCell   *lc;

	foreach(lc, stmt->inhRelations)
	{
		RangeVar   *parent = lfirst(lc);

		if (is_existing_relation(parent))
		{
			*why = psprintf("judged, not run: creating it locks the existing table %s, so later statements are judged without this table",
							quote_identifier(parent->relname));
			return ACTION_JUDGE_ONLY_NOTE;
		}
	}
	return ACTION_RUN;
}

/* The relation, other than the target, that an ALTER TABLE subcommand locks. */
static RangeVar *
subcommand_other_relation(AlterTableCmd *cmd)
{
	switch (cmd->subtype)
	{
		case AT_AddConstraint:
			if (IsA(cmd->def, Constraint) && ((Constraint *) cmd->def)->contype == CONSTR_FOREIGN)
				return ((Constraint *) cmd->def)->pktable;
			return NULL;
		case AT_AddColumn:
		case AT_AddColumnToView:
			{
				ListCell   *lc;

				foreach(lc, ((ColumnDef *) cmd->def)->constraints)
				{
					if (is_foreign_key_to_existing(lfirst(lc)))
						return ((Constraint *) lfirst(lc))->pktable;
				}
				return NULL;
			}
		case AT_AttachPartition:
		case AT_DetachPartition:
		case AT_DetachPartitionFinalize:
			return ((PartitionCmd *) cmd->def)->name;
		case AT_AddInherit:
		case AT_DropInherit:
			return (RangeVar *) cmd->def;
		default:
			return NULL;
	}
}

static CheckAction
alter_table_action(AlterTableStmt *stmt, char **why)
{
	ListCell   *lc;

	if (is_existing_relation(stmt->relation))
		return ACTION_JUDGE_ONLY;
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst(lc);
		RangeVar   *other;

		if (cmd->subtype == AT_DetachPartition && ((PartitionCmd *) cmd->def)->concurrent)
		{
			*why = pstrdup("judged, not run: DETACH PARTITION CONCURRENTLY cannot run inside a transaction block; the migration must run it on its own");
			return ACTION_JUDGE_ONLY_NOTE;
		}
		other = subcommand_other_relation(cmd);
		if (is_existing_relation(other))
		{
			*why = psprintf("judged, not run: it would lock the existing table %s, so later statements are judged without its changes",
							quote_identifier(other->relname));
			return ACTION_JUDGE_ONLY_NOTE;
		}
	}
	return ACTION_RUN;
}

static bool
is_relation_object_type(ObjectType type)
{
	switch (type)
	{
		case OBJECT_TABLE:
		case OBJECT_INDEX:
		case OBJECT_VIEW:
		case OBJECT_MATVIEW:
		case OBJECT_SEQUENCE:
		case OBJECT_FOREIGN_TABLE:
			return true;
		default:
			return false;
	}
}

/* DROP of relations the script created (or that do not exist) is run. */
static CheckAction
drop_action(DropStmt *stmt, char **why)
{
	ListCell   *lc;

	if (stmt->concurrent)
	{
		*why = pstrdup("judged, not run: DROP INDEX CONCURRENTLY cannot run inside a transaction block; the migration must run it on its own");
		return ACTION_JUDGE_ONLY_NOTE;
	}
	if (!is_relation_object_type(stmt->removeType))
		return ACTION_JUDGE_ONLY;
	foreach(lc, stmt->objects)
	{
		if (is_existing_relation(makeRangeVarFromNameList(lfirst(lc))))
			return ACTION_JUDGE_ONLY;
	}
	return ACTION_RUN;
}

/* RENAME of a relation the script created, or of something on one, is run. */
static CheckAction
rename_action(RenameStmt *stmt)
{
	switch (stmt->renameType)
	{
		case OBJECT_COLUMN:
		case OBJECT_TABCONSTRAINT:
		case OBJECT_TRIGGER:
		case OBJECT_POLICY:
		case OBJECT_RULE:
			break;
		default:
			if (!is_relation_object_type(stmt->renameType))
				return ACTION_JUDGE_ONLY;
			break;
	}
	return stmt->relation && !is_existing_relation(stmt->relation) ?
		ACTION_RUN : ACTION_JUDGE_ONLY;
}

/* CREATE SCHEMA runs unless one of its tables would lock an existing one. */
static CheckAction
create_schema_action(CreateSchemaStmt *stmt, char **why)
{
	ListCell   *lc;

	foreach(lc, stmt->schemaElts)
	{
		Node	   *elt = lfirst(lc);

		if (IsA(elt, CreateStmt))
		{
			CreateStmt *cstmt = (CreateStmt *) elt;
			CreateStmt *stripped = copyObject(cstmt);

			if (create_table_action(cstmt, why) != ACTION_RUN)
				return ACTION_JUDGE_ONLY_NOTE;
			strip_foreign_keys_to_existing(stripped);
			if (!equal(stripped, cstmt))
			{
				*why = pstrdup("judged, not run: a table it creates references an existing table, which creating the foreign key would lock");
				return ACTION_JUDGE_ONLY_NOTE;
			}
		}
	}
	return ACTION_RUN;
}

/* Relations listed in CREATE STATISTICS ... FROM: all must be new. */
static CheckAction
create_stats_action(CreateStatsStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->relations)
	{
		Node	   *rel = lfirst(lc);

		if (!IsA(rel, RangeVar) || is_existing_relation((RangeVar *) rel))
			return ACTION_JUDGE_ONLY;
	}
	return ACTION_RUN;
}

/*
 * Decides whether a judged statement is also run in the throwaway
 * subtransaction (see the file header and docs/check.md).  May modify the
 * statement so that it can run safely (foreign keys to existing tables, the
 * data of CREATE TABLE AS).  The default is to judge only: a statement type
 * not listed here is never run.
 */
CheckAction
check_choose_action(Node *stmt, char **why)
{
	switch (nodeTag(stmt))
	{
		case T_CreateStmt:
			if (create_table_action((CreateStmt *) stmt, why) != ACTION_RUN)
				return ACTION_JUDGE_ONLY_NOTE;
			strip_foreign_keys_to_existing((CreateStmt *) stmt);
			return ACTION_RUN;
		case T_CreateForeignTableStmt:
			if (create_table_action(&((CreateForeignTableStmt *) stmt)->base, why) != ACTION_RUN)
				return ACTION_JUDGE_ONLY_NOTE;
			strip_foreign_keys_to_existing(&((CreateForeignTableStmt *) stmt)->base);
			return ACTION_RUN;
		case T_IndexStmt:
			if (((IndexStmt *) stmt)->concurrent)
			{
				*why = pstrdup("judged, not run: CREATE INDEX CONCURRENTLY cannot run inside a transaction block; the migration must run it on its own");
				return ACTION_JUDGE_ONLY_NOTE;
			}
			return is_existing_relation(((IndexStmt *) stmt)->relation) ?
				ACTION_JUDGE_ONLY : ACTION_RUN;
		case T_AlterTableStmt:
			return alter_table_action((AlterTableStmt *) stmt, why);
		case T_DropStmt:
			return drop_action((DropStmt *) stmt, why);
		case T_RenameStmt:
			return rename_action((RenameStmt *) stmt);
		case T_CreateTableAsStmt:
			{
				CreateTableAsStmt *ctas = (CreateTableAsStmt *) stmt;

				/* The columns matter to later statements, the rows do not. */
				if (ctas->into)
					ctas->into->skipData = true;
				return ACTION_RUN;
			}
		case T_ViewStmt:
			{
				ViewStmt   *view = (ViewStmt *) stmt;

				/* CREATE OR REPLACE VIEW of an existing view locks it. */
				return view->replace && is_existing_relation(view->view) ?
					ACTION_JUDGE_ONLY : ACTION_RUN;
			}
		case T_AlterSeqStmt:
			return is_existing_relation(((AlterSeqStmt *) stmt)->sequence) ?
				ACTION_JUDGE_ONLY : ACTION_RUN;
		case T_CreateTrigStmt:
			{
				CreateTrigStmt *trig = (CreateTrigStmt *) stmt;

				return is_existing_relation(trig->relation) ||
					is_existing_relation(trig->constrrel) ?
					ACTION_JUDGE_ONLY : ACTION_RUN;
			}
		case T_CreatePolicyStmt:
			return is_existing_relation(((CreatePolicyStmt *) stmt)->table) ?
				ACTION_JUDGE_ONLY : ACTION_RUN;
		case T_AlterPolicyStmt:
			return is_existing_relation(((AlterPolicyStmt *) stmt)->table) ?
				ACTION_JUDGE_ONLY : ACTION_RUN;
		case T_RuleStmt:
			return is_existing_relation(((RuleStmt *) stmt)->relation) ?
				ACTION_JUDGE_ONLY : ACTION_RUN;
		case T_CreateStatsStmt:
			return create_stats_action((CreateStatsStmt *) stmt);
		case T_CreateSchemaStmt:
			return create_schema_action((CreateSchemaStmt *) stmt, why);
		case T_VariableSetStmt:

			/*
			 * SET and RESET: lock_timeout, search_path, role, the guard's own
			 * settings
			 */
		case T_CreateSeqStmt:
		case T_CreateFunctionStmt:
		case T_CreateDomainStmt:
		case T_CompositeTypeStmt:
		case T_CreateEnumStmt:
		case T_CreateRangeStmt:
		case T_DefineStmt:
		case T_CreateCastStmt:
		case T_CreateConversionStmt:
		case T_CreateOpClassStmt:
		case T_CreateOpFamilyStmt:
		case T_CreateTransformStmt:
		case T_CreateExtensionStmt:
		case T_CreateFdwStmt:
		case T_CreateForeignServerStmt:
		case T_CreateUserMappingStmt:
		case T_CreateRoleStmt:
			return ACTION_RUN;
		case T_VacuumStmt:
			if (((VacuumStmt *) stmt)->is_vacuumcmd)
			{
				*why = pstrdup("judged, not run: VACUUM cannot run inside a transaction block; the migration must run it on its own");
				return ACTION_JUDGE_ONLY_NOTE;
			}
			return ACTION_JUDGE_ONLY;
		case T_ReindexStmt:
			{
				ListCell   *lc;

				foreach(lc, ((ReindexStmt *) stmt)->params)
				{
					if (strcmp(((DefElem *) lfirst(lc))->defname, "concurrently") == 0)
					{
						*why = pstrdup("judged, not run: REINDEX CONCURRENTLY cannot run inside a transaction block; the migration must run it on its own");
						return ACTION_JUDGE_ONLY_NOTE;
					}
				}
				return ACTION_JUDGE_ONLY;
			}
		case T_CreatedbStmt:
		case T_DropdbStmt:
		case T_CreateTableSpaceStmt:
		case T_DropTableSpaceStmt:
		case T_AlterSystemStmt:
		case T_CreateSubscriptionStmt:
		case T_DropSubscriptionStmt:
			*why = pstrdup("judged, not run: this statement cannot run inside a transaction block; the migration must run it on its own");
			return ACTION_JUDGE_ONLY_NOTE;
		default:
			return ACTION_JUDGE_ONLY;
	}
}

/*
 * A second opinion on ACTION_RUN from the lock planner (lockinfo.c), which
 * knows the lock level PostgreSQL takes on every relation a statement
 * touches: the first lock stronger than ACCESS SHARE on a relation other
 * sessions use, or NULL.
 */
MGRelLock *
check_strong_lock_on_shared_relation(Node *stmt)
{
	MGLockPlan *plan = mg_statement_lock_plan(stmt);
	ListCell   *lc;

	foreach(lc, plan->locks)
	{
		MGRelLock  *l = lfirst(lc);

		if (l->shared && l->mode > AccessShareLock && !created_by_check(l->relid))
			return l;
	}
	return NULL;
}
