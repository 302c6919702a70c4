/*-------------------------------------------------------------------------
 *
 * alterfacts.h
 *	  The ALTER TABLE statement context and the facts the ALTER TABLE and
 *	  constraint rule families share (alterfacts.c, constraintfacts.c).
 *	  Facts layer: nothing declared here reports a finding.
 *
 * IDENTIFICATION
 *	  src/alterfacts.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_ALTERFACTS_H
#define MG_ALTERFACTS_H

#include "finding.h"
#include "rules.h"
#include "statement.h"

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

/* alterfacts.c */
extern bool mg_alter_rel_has_storage_rules(const MGAlterContext *ctx);
extern bool mg_column_def_has_default(ColumnDef *def);
extern char *mg_list_names(List *names);
extern void mg_alter_finding_init(MGFinding *f, const MGAlterContext *ctx,
								  MGRuleId rule);
extern bool mg_type_stored_in_columns(Oid typid, int depth);
extern bool mg_rowtype_stored_elsewhere(Oid relid);
extern bool mg_column_type_can_change(MGAlterContext *ctx, AttrNumber attnum);
extern bool mg_generation_columns_exist(const MGAlterContext *ctx, ColumnDef *def);

/* constraintfacts.c */
extern char *mg_quoted_column_list(List *names);
extern char *mg_default_constraint_name(MGAlterContext *ctx, Constraint *con,
										List *cols, const char *suffix);
extern List *mg_constraint_columns(Constraint *con, ColumnDef *coldef);
extern bool mg_not_null_scans(Oid relid, const char *colname, Oid *invalid_conoid);
extern char *mg_not_null_hint(Oid relid, const char *colname, Oid invalid_conoid);
extern List *mg_tables_with_rows(Oid relid);
extern bool mg_constraint_refused(MGAlterContext *ctx, Constraint *con);

extern const char *mg_serial_type_name(TypeName *typeName);

#endif							/* MG_ALTERFACTS_H */
