/*-------------------------------------------------------------------------
 *
 * backfill.c
 *	  Batched backfills: migration_guard.backfill() updates a big live table
 *	  in small committed batches, resumable, throttled and exactly once.
 *
 * IDENTIFICATION
 *	  src/backfill.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "migration_guard.h"

void
mg_backfill_init(void)
{
}
