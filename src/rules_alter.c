/*-------------------------------------------------------------------------
 *
 * rules_alter.c
 *	  The ALTER TABLE dispatcher: builds the statement context, refuses to
 *	  judge what PostgreSQL refuses anyway, and hands each subcommand (and
 *	  each constraint, inline or not) to the rule families that judge it.
 *	  It is the layer above the families (dispatch): it is the one place
 *	  that calls them, and no family calls another.
 *
 * IDENTIFICATION
 *	  src/rules_alter.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "commands/tablecmds.h"
#include "utils/lsyscache.h"

#include "alterfacts.h"
#include "relfacts.h"
#include "rules_alter.h"
#include "rules_design.h"
#include "rules_drop.h"
#include "rules_values.h"
#include "statement.h"

/* ---------------------------------------------------------------------
 * Constraints, each to the family of its kind
 * ---------------------------------------------------------------------
 */

/* ALTER TABLE ... ADD CONSTRAINT */
static void
check_add_constraint(MGAlterContext *ctx, Constraint *con)
{
	bool		enforced = compat_constraint_enforced(con);
	ListCell   *lc;

	if (mg_constraint_refused(ctx, con))
		return;

	switch (con->contype)
	{
		case CONSTR_CHECK:
			mg_check_add_check(ctx, con, NULL, enforced);
			break;
		case CONSTR_FOREIGN:
			if (enforced)
				mg_check_fk_index(ctx, con, NULL);
			mg_check_add_fk(ctx, con, NULL, enforced && !con->skip_validation);
			break;
		case CONSTR_UNIQUE:
		case CONSTR_PRIMARY:
			mg_check_add_unique_or_pk(ctx, con, NULL);
			break;
		case CONSTR_EXCLUSION:
			mg_check_add_exclusion(ctx, con);
			break;
		case CONSTR_NOTNULL:
			/* ADD CONSTRAINT ... NOT NULL col (PostgreSQL 18) */
			if (con->skip_validation)
				break;
			foreach(lc, con->keys)
				mg_check_add_not_null(ctx, strVal(lfirst(lc)));
			break;
		default:
			break;
	}
}

/*
 * Constraints written inline in ADD COLUMN.  A NOT ENFORCED attribute
 * (PostgreSQL 18) arrives as its own list item after the constraint.
 */
static void
check_column_constraints(MGAlterContext *ctx, ColumnDef *def)
{
	int			n = list_length(def->constraints);

	for (int i = 0; i < n; i++)
	{
		Constraint *con = list_nth_node(Constraint, def->constraints, i);
		bool		enforced = true;

		if (mg_constraint_refused(ctx, con))
			continue;

#ifdef MG_HAVE_NOT_ENFORCED
		for (int j = i + 1; j < n; j++)
		{
			Constraint *attr = list_nth_node(Constraint, def->constraints, j);

			if (attr->contype == CONSTR_ATTR_NOT_ENFORCED)
				enforced = false;
			else if (attr->contype == CONSTR_ATTR_ENFORCED)
				enforced = true;
			else if (attr->contype != CONSTR_ATTR_DEFERRABLE &&
					 attr->contype != CONSTR_ATTR_NOT_DEFERRABLE &&
					 attr->contype != CONSTR_ATTR_DEFERRED &&
					 attr->contype != CONSTR_ATTR_IMMEDIATE)
				break;
		}
#endif
		switch (con->contype)
		{
			case CONSTR_CHECK:
				mg_check_add_check(ctx, con, def, enforced);
				break;
			case CONSTR_FOREIGN:
				if (enforced)
					mg_check_fk_index(ctx, con, def);
				mg_check_add_fk(ctx, con, def, enforced && mg_column_def_has_default(def));
				break;
			case CONSTR_UNIQUE:
			case CONSTR_PRIMARY:
				mg_check_add_unique_or_pk(ctx, con, def);
				break;
			default:
				break;
		}
	}
}

/* ---------------------------------------------------------------------
 * Subcommands
 * ---------------------------------------------------------------------
 */

/* Tables, as opposed to materialized views and indexes. */
static bool
is_table_relkind(char relkind)
{
	return relkind == RELKIND_RELATION || relkind == RELKIND_PARTITIONED_TABLE ||
		relkind == RELKIND_FOREIGN_TABLE;
}

/* Does one ALTER TABLE change the type of a column twice?  PostgreSQL refuses. */
static bool
alters_column_type_twice(AlterTableStmt *stmt)
{
	List	   *seen = NIL;
	ListCell   *lc;

	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);
		ListCell   *ls;

		if (cmd->subtype != AT_AlterColumnType || cmd->name == NULL)
			continue;
		foreach(ls, seen)
		{
			if (strcmp(strVal(lfirst(ls)), cmd->name) == 0)
				return true;
		}
		seen = lappend(seen, makeString(cmd->name));
	}
	return false;
}

/*
 * Builds the statement context.  False when the statement is not judged:
 * not a relation these rules concern, or one PostgreSQL refuses (then its
 * own error must reach the user, and no finding must come first).
 */
static bool
alter_context_init(MGAlterContext *ctx, MGStatement *st, AlterTableStmt *stmt)
{
	ListCell   *lc;

	ctx->st = st;
	ctx->stmt = stmt;
	ctx->relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	if (!OidIsValid(ctx->relid))
		return false;			/* PostgreSQL reports the missing relation */
	ctx->relkind = get_rel_relkind(ctx->relid);
	if (!is_table_relkind(ctx->relkind) && ctx->relkind != RELKIND_MATVIEW &&
		ctx->relkind != RELKIND_INDEX && ctx->relkind != RELKIND_PARTITIONED_INDEX)
		return false;
	if (mg_rel_is_protected_catalog(ctx->relid))
		return false;			/* PostgreSQL refuses to alter a system
								 * catalog */
	if (!mg_caller_owns_relation(ctx->relid))
		return false;			/* PostgreSQL reports "must be owner" */
	if (alters_column_type_twice(stmt))
		return false;			/* PostgreSQL refuses it */
	ctx->lockmode = AlterTableGetLockLevel(stmt->cmds);
	ctx->added_columns = NIL;
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		if (cmd->subtype == AT_AddColumn && IsA(cmd->def, ColumnDef))
		{
			char	   *colname = ((ColumnDef *) cmd->def)->colname;

			/*
			 * A column that exists (or is added twice): PostgreSQL refuses
			 * it.
			 */
			if (!cmd->missing_ok &&
				mg_column_exists(ctx->relid, colname, ctx->added_columns))
				return false;
			ctx->added_columns = lappend(ctx->added_columns, makeString(colname));
		}
		/* A type change PostgreSQL refuses fails the whole statement. */
		if (cmd->subtype == AT_AlterColumnType && cmd->name != NULL &&
			mg_alter_rel_has_storage_rules(ctx))
		{
			AttrNumber	attnum = get_attnum(ctx->relid, cmd->name);

			if (attnum > 0 && !mg_column_type_can_change(ctx, attnum))
				return false;
		}
	}
	return true;
}

/* One subcommand, to the rule families that judge it. */
static void
dispatch_subcommand(MGAlterContext *ctx, AlterTableCmd *cmd)
{
	switch (cmd->subtype)
	{
		case AT_AddColumn:
			if (!is_table_relkind(ctx->relkind) || !IsA(cmd->def, ColumnDef))
				break;
			/* ADD COLUMN IF NOT EXISTS of an existing column does nothing. */
			if (cmd->missing_ok &&
				get_attnum(ctx->relid, ((ColumnDef *) cmd->def)->colname) != InvalidAttrNumber)
				break;
			mg_check_add_column_required(ctx->st, ctx->relid, (ColumnDef *) cmd->def);
			mg_check_column_design(ctx->st, ctx->relid, (ColumnDef *) cmd->def);

			/*
			 * A generation expression naming a missing column: PostgreSQL
			 * reports it.
			 */
			if (mg_alter_rel_has_storage_rules(ctx) &&
				mg_generation_columns_exist(ctx, (ColumnDef *) cmd->def))
			{
				mg_check_add_column_rewrite(ctx, (ColumnDef *) cmd->def);
				check_column_constraints(ctx, (ColumnDef *) cmd->def);
			}
			break;
		case AT_DropColumn:
			if (is_table_relkind(ctx->relkind))
				mg_check_drop_column(ctx->st, ctx->relid, cmd);
			break;
		case AT_AlterColumnType:
			if (!is_table_relkind(ctx->relkind) || !IsA(cmd->def, ColumnDef))
				break;
			mg_check_column_type_design(ctx->st, ctx->relid, cmd->name,
										((ColumnDef *) cmd->def)->typeName);
			mg_check_alter_column_type(ctx, cmd);
			break;
		case AT_SetNotNull:
			if (mg_alter_rel_has_storage_rules(ctx))
				mg_check_set_not_null(ctx, cmd->name);
			break;
		case AT_AddConstraint:
			if (mg_alter_rel_has_storage_rules(ctx) && IsA(cmd->def, Constraint))
				check_add_constraint(ctx, (Constraint *) cmd->def);
			break;
		case AT_ValidateConstraint:
			if (mg_alter_rel_has_storage_rules(ctx))
				mg_check_validate_constraint(ctx, cmd->name);
			break;
		case AT_SetLogged:
		case AT_SetUnLogged:
			mg_check_set_logged(ctx, cmd->subtype == AT_SetLogged);
			break;
		case AT_SetTableSpace:
			mg_check_set_tablespace(ctx, cmd->name);
			break;
		case AT_AttachPartition:
			mg_check_attach_partition(ctx, castNode(PartitionCmd, cmd->def));
			break;
		case AT_DetachPartition:
			mg_check_detach_partition(ctx, castNode(PartitionCmd, cmd->def));
			break;
#ifdef MG_HAVE_SET_EXPRESSION
		case AT_SetExpression:
			mg_check_set_expression(ctx, cmd->name);
			break;
#endif
#ifdef MG_HAVE_ALTER_CONSTRAINT_ENFORCED
		case AT_AlterConstraint:
			if (IsA(cmd->def, ATAlterConstraint))
				mg_check_alter_constraint(ctx, (ATAlterConstraint *) cmd->def);
			break;
#endif
		default:
			break;
	}
}

void
mg_check_alter_table_stmt(MGStatement *st, AlterTableStmt *stmt)
{
	MGAlterContext ctx;
	ListCell   *lc;

	if (!alter_context_init(&ctx, st, stmt))
		return;
	foreach(lc, stmt->cmds)
		dispatch_subcommand(&ctx, lfirst_node(AlterTableCmd, lc));
}
