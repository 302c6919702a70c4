/*-------------------------------------------------------------------------
 *
 * rules_design.h
 *	  The design rule family (rules_design.c): types and shapes of new
 *	  tables and columns.
 *
 * IDENTIFICATION
 *	  src/rules_design.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_RULES_DESIGN_H
#define MG_RULES_DESIGN_H

#include "statement.h"

extern void mg_check_create_stmt(MGStatement *st, CreateStmt *stmt);

extern void mg_check_create_schema_stmt(MGStatement *st, CreateSchemaStmt *stmt);

extern void mg_check_column_design(MGStatement *st, Oid relid, ColumnDef *def);

extern void mg_check_column_type_design(MGStatement *st, Oid relid,
										const char *colname, TypeName *typeName);

#endif							/* MG_RULES_DESIGN_H */
