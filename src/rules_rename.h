/*-------------------------------------------------------------------------
 *
 * rules_rename.h
 *	  The rename rule family (rules_rename.c): renaming and moving objects
 *	  running code names.
 *
 * IDENTIFICATION
 *	  src/rules_rename.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_RULES_RENAME_H
#define MG_RULES_RENAME_H

#include "statement.h"

extern void mg_check_rename_stmt(MGStatement *st, RenameStmt *stmt);

extern void mg_check_alter_object_schema_stmt(MGStatement *st,
											  AlterObjectSchemaStmt *stmt);

#endif							/* MG_RULES_RENAME_H */
