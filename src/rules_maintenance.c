/*-------------------------------------------------------------------------
 *
 * rules_maintenance.c
 *	  Rules about maintenance commands that rewrite or empty tables under
 *	  ACCESS EXCLUSIVE: vacuum_full, cluster, truncate, refresh_matview.
 *
 * IDENTIFICATION
 *	  src/rules_maintenance.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "migration_guard.h"

void
mg_check_maintenance_stmt(MGStatement *st, Node *stmt)
{
}
