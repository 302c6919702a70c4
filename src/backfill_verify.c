/*-------------------------------------------------------------------------
 *
 * backfill_verify.c
 *	  The check before a backfill says done: the rows of the job's range
 *	  that still match its where_clause (its idempotency predicate).
 *
 *	  A pass over the key range does not meet a row whose key the
 *	  application moved behind the cursor, nor (ctid jobs) a row an update
 *	  carried past the pages counted at the start.  Before a job with a
 *	  where_clause is marked done, these functions count what is left, in
 *	  chunks, each in its own transaction (the procedure's SPI connection is
 *	  non-atomic), so the check holds no snapshot or lock for long: about
 *	  one more read of the range, by index ranges for keyset jobs.
 *
 * IDENTIFICATION
 *	  src/backfill_verify.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/itemptr.h"

#include "backfill.h"

/*
 * The rows of a keyset job's range (keys up to its upper bound, from the
 * smallest there is now) that still match its where_clause, counted in
 * chunks of `chunk` keys (the job's max_batch_size), each in its own
 * transaction.  *first gets the first such key.
 */
int64
mg_bf_rows_left_keyset(MGBackfillPlan *plan, Datum *hi, int chunk, char **first)
{
	int			n = plan->nkeys;
	Datum	   *values = palloc(sizeof(Datum) * (2 * n + 1));
	Datum	   *lo = NULL;
	int64		left = 0;

	for (;;)
	{
		Datum	   *end = hi;
		bool		last = false;
		int			k;

		CHECK_FOR_INTERRUPTS();
		for (k = 0; k < n; k++)
		{
			values[k] = lo ? lo[k] : hi[k];
			values[n + k] = hi[k];
		}
		values[2 * n] = Int64GetDatum((int64) chunk - 1);
		mg_bf_exec_plan(lo ? plan->end_after : plan->end_from_start, values, 1);
		if (SPI_processed == 1)
			end = mg_bf_copy_keys(plan, SPI_tuptable->vals[0], SPI_tuptable->tupdesc);
		else
			last = true;
		SPI_freetuptable(SPI_tuptable);
		for (k = 0; k < n; k++)
			values[n + k] = end[k];
		mg_bf_exec_plan(lo ? plan->verify_after : plan->verify_from_start, values, 0);
		if (SPI_processed > 0 && left == 0)
			*first = mg_bf_keys_to_string(plan, mg_bf_copy_keys(plan, SPI_tuptable->vals[0],
																SPI_tuptable->tupdesc));
		left += SPI_processed;
		SPI_freetuptable(SPI_tuptable);
		mg_bf_commit();
		if (last)
			break;
		lo = end;
	}
	return left;
}

/*
 * The rows of a ctid job's table that still match its where_clause: all
 * its pages now, since an updated row can move past the page count taken
 * at the start.  Counted in chunks of pages, each in its own transaction.
 */
int64
mg_bf_rows_left_ctid(MGBackfillPlan *plan, int chunk, double tuples_per_page, char **first)
{
	BlockNumber pages = mg_bf_relation_pages(plan->relid);
	BlockNumber step = (BlockNumber) Max(1.0, chunk / tuples_per_page);
	int64		left = 0;

	for (BlockNumber p = 0; p < pages; p += step)
	{
		ItemPointerData lo;
		ItemPointerData hi;
		Datum		values[2];

		CHECK_FOR_INTERRUPTS();
		ItemPointerSet(&lo, p, 0);
		ItemPointerSet(&hi, Min(p + step, pages), 0);
		values[0] = PointerGetDatum(&lo);
		values[1] = PointerGetDatum(&hi);
		mg_bf_exec_plan(plan->verify_ctid, values, 0);
		if (SPI_processed > 0 && left == 0)
			*first = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		left += SPI_processed;
		SPI_freetuptable(SPI_tuptable);
		mg_bf_commit();
		if (p + step < p)
			break;				/* no wraparound past the last block */
	}
	return left;
}
