/*-------------------------------------------------------------------------
 *
 * rules_breaking.c
 *	  Rules about changes that break code running now: renames, required
 *	  columns, and drops of columns and tables something still references.
 *
 * IDENTIFICATION
 *	  src/rules_breaking.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "migration_guard.h"

void
mg_check_drop_stmt(MGStatement *st, DropStmt *stmt)
{
}

void
mg_check_rename_stmt(MGStatement *st, RenameStmt *stmt)
{
}

void
mg_check_drop_column(MGStatement *st, Oid relid, AlterTableCmd *cmd)
{
}

void
mg_check_add_column_required(MGStatement *st, Oid relid, ColumnDef *def)
{
}
