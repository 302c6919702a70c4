/*-------------------------------------------------------------------------
 *
 * backfill_exec.c
 *	  The SPI steps of the backfill procedure, which commits as it goes:
 *	  executing one prepared statement and committing a batch, each
 *	  returning to the caller's memory context.  The bottom of the
 *	  backfill files: the batches, the job and the check before done
 *	  (backfill_verify.c) all run their statements through here.
 *
 * IDENTIFICATION
 *	  src/backfill_exec.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "executor/spi.h"

#include "backfill.h"

/*
 * SPI leaves the caller in its procedure context; come back.  Shared by
 * the batches and the check before done (backfill_verify.c).
 */
void
mg_bf_exec_plan(SPIPlanPtr p, Datum *values, long count)
{
	MemoryContext cxt = CurrentMemoryContext;
	int			rc = SPI_execute_plan(p, values, NULL, false, count);

	MemoryContextSwitchTo(cxt);
	if (rc < 0)
		elog(ERROR, "backfill statement failed: %s", SPI_result_code_string(rc));
}

/* Commits the batch's transaction and stays in the caller's context. */
void
mg_bf_commit(void)
{
	MemoryContext cxt = CurrentMemoryContext;

	SPI_commit();
	MemoryContextSwitchTo(cxt);
}
