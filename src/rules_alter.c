/*-------------------------------------------------------------------------
 *
 * rules_alter.c
 *	  ALTER TABLE and ALTER DOMAIN: dispatches each subcommand to the rules
 *	  that concern it.
 *
 * IDENTIFICATION
 *	  src/rules_alter.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "migration_guard.h"

void
mg_check_alter_table_stmt(MGStatement *st, AlterTableStmt *stmt)
{
}

void
mg_check_alter_domain_stmt(MGStatement *st, AlterDomainStmt *stmt)
{
}
