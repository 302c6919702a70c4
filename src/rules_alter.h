/*-------------------------------------------------------------------------
 *
 * rules_alter.h
 *	  Private interface between the ALTER TABLE dispatcher (rules_alter.c)
 *	  and the rule families it calls for each subcommand.  The statement
 *	  context and the facts the families share are in alterfacts.h.
 *
 * IDENTIFICATION
 *	  src/rules_alter.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_RULES_ALTER_H
#define MG_RULES_ALTER_H

#include "alterfacts.h"
#include "statement.h"
#include "words.h"

/* rules_column_type.c */
extern void mg_check_alter_column_type(MGAlterContext *ctx, AlterTableCmd *cmd);

/* rules_add_column.c */
extern void mg_check_add_column_rewrite(MGAlterContext *ctx, ColumnDef *def);

/* rules_storage.c */
extern void mg_check_set_logged(MGAlterContext *ctx, bool logged);
extern void mg_check_set_tablespace(MGAlterContext *ctx, const char *tblspc);

/* rules_partition.c */
extern void mg_check_attach_partition(MGAlterContext *ctx, PartitionCmd *pc);
extern void mg_check_detach_partition(MGAlterContext *ctx, PartitionCmd *pc);

/* rules_constraints.c */
extern void mg_check_set_not_null(MGAlterContext *ctx, const char *colname);
extern void mg_check_add_not_null(MGAlterContext *ctx, const char *colname);
extern void mg_check_add_check(MGAlterContext *ctx, Constraint *con,
							   ColumnDef *coldef, bool enforced);
extern void mg_check_validate_constraint(MGAlterContext *ctx, const char *conname);

/* rules_foreign_key.c */
extern void mg_check_fk_index(MGAlterContext *ctx, Constraint *con, ColumnDef *coldef);
extern void mg_check_add_fk(MGAlterContext *ctx, Constraint *con, ColumnDef *coldef,
							bool validated);

/* rules_unique.c */
extern void mg_check_add_unique_or_pk(MGAlterContext *ctx, Constraint *con,
									  ColumnDef *coldef);
extern void mg_check_add_exclusion(MGAlterContext *ctx, Constraint *con);

/* rules_newforms.c: subcommands new in 17 and 18 */
#ifdef MG_HAVE_SET_EXPRESSION
extern void mg_check_set_expression(MGAlterContext *ctx, const char *colname);
#endif
#ifdef MG_HAVE_ALTER_CONSTRAINT_ENFORCED
extern void mg_check_alter_constraint(MGAlterContext *ctx, ATAlterConstraint * cmd);
#endif

extern void mg_check_alter_table_stmt(MGStatement *st, AlterTableStmt *stmt);

#endif							/* MG_RULES_ALTER_H */
