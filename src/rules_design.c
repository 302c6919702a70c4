/*-------------------------------------------------------------------------
 *
 * rules_design.c
 *	  Schema design rules (warnings by default): prefer_bigint,
 *	  prefer_identity, prefer_text, prefer_timestamptz, prefer_jsonb and
 *	  ban_char.
 *
 * IDENTIFICATION
 *	  src/rules_design.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "migration_guard.h"

void
mg_check_create_stmt(MGStatement *st, CreateStmt *stmt)
{
}

void
mg_check_column_design(MGStatement *st, Oid relid, ColumnDef *def)
{
}

void
mg_check_column_type_design(MGStatement *st, Oid relid,
							const char *colname, TypeName *typeName)
{
}
