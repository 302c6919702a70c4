/*-------------------------------------------------------------------------
 *
 * rules_alter.h
 *	  Private interface between the ALTER TABLE dispatcher (rules_alter.c)
 *	  and the constraint rules (rules_constraints.c).
 *
 * IDENTIFICATION
 *	  src/rules_alter.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_RULES_ALTER_H
#define MG_RULES_ALTER_H

#include "migration_guard.h"
#include "words.h"

/* One ALTER TABLE statement, as the rules of each subcommand see it. */
typedef struct MGAlterContext
{
	MGStatement *st;
	AlterTableStmt *stmt;
	Oid			relid;
	char		relkind;
	LOCKMODE	lockmode;		/* AlterTableGetLockLevel(stmt->cmds) */
	List	   *added_columns;	/* names (String) of columns ADD COLUMN adds */
} MGAlterContext;

extern bool mg_alter_rel_has_storage_rules(const MGAlterContext *ctx);
extern bool mg_column_def_has_default(ColumnDef *def);

/* rules_constraints.c */
extern void mg_check_add_constraint(MGAlterContext *ctx, Constraint *con);
extern void mg_check_column_constraints(MGAlterContext *ctx, ColumnDef *def);
extern void mg_check_set_not_null(MGAlterContext *ctx, const char *colname);
extern void mg_check_validate_constraint(MGAlterContext *ctx, const char *conname);

/* rules_newforms.c: subcommands new in 17 and 18 */
#ifdef MG_HAVE_SET_EXPRESSION
extern void mg_check_set_expression(MGAlterContext *ctx, const char *colname);
#endif
#ifdef MG_HAVE_ALTER_CONSTRAINT_ENFORCED
extern void mg_check_alter_constraint(MGAlterContext *ctx, ATAlterConstraint *cmd);
#endif

#endif							/* MG_RULES_ALTER_H */
