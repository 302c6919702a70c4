/*-------------------------------------------------------------------------
 *
 * relestimate.c
 *	  A table's row count for messages when pg_class has none.
 *
 *	  pg_class.reltuples is -1 until the table is first vacuumed or
 *	  analyzed, and PostgreSQL 18 also resets it when a rewrite (ALTER
 *	  COLUMN TYPE, VACUUM FULL, CLUSTER) gives the table new storage.  The
 *	  planner does not give up then: it estimates the rows from the number
 *	  of pages and the width of a row (estimate_rel_size and
 *	  table_block_relation_estimate_size).  We do the same, so a finding
 *	  still says how many rows a scan or rewrite would touch.
 *
 *	  Unlike the planner we take the pages as they are (no "at least 10
 *	  pages" for a table never vacuumed): an empty table has no rows.
 *
 * IDENTIFICATION
 *	  src/relestimate.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "optimizer/plancat.h"
#include "storage/bufmgr.h"
#include "storage/bufpage.h"
#include "storage/itemid.h"
#include "utils/rel.h"

#include "relfacts.h"
#include "relopen.h"

/*
 * Rows of a table (or materialized view) estimated from its main fork's
 * pages, as the planner does for a relation without statistics; -1 when
 * it cannot be read without waiting for a lock, or has no heap storage.
 */
double
mg_rel_rows_from_pages(Oid relid)
{
	Relation	rel;
	BlockNumber pages;
	double		rows = -1;

	rel = mg_rel_open_nowait(relid);
	if (rel == NULL)
		return -1;
	if ((rel->rd_rel->relkind == RELKIND_RELATION ||
		 rel->rd_rel->relkind == RELKIND_MATVIEW) &&
		rel->rd_rel->relam == HEAP_TABLE_AM_OID)
	{
		pages = RelationGetNumberOfBlocks(rel);
		if (pages == 0)
			rows = 0;
		else
		{
			/* Width of the data plus each tuple's header and line pointer. */
			int32		width = get_rel_data_width(rel, NULL) +
				MAXALIGN(SizeofHeapTupleHeader) + sizeof(ItemIdData);
			double		usable = (double) (BLCKSZ - SizeOfPageHeaderData) *
				RelationGetFillFactor(rel, HEAP_DEFAULT_FILLFACTOR) / 100.0;
			double		density = floor(usable / width);

			rows = rint(Max(density, 1.0) * pages);
		}
	}
	mg_rel_close_nowait(rel);
	return rows;
}
