/*-------------------------------------------------------------------------
 *
 * tablecensus.c
 *	  The census of tables that schema- and database-wide maintenance
 *	  commands (VACUUM FULL, CLUSTER, REINDEX SCHEMA/DATABASE) process one
 *	  at a time, read from pg_class, with the largest of them.  Which
 *	  tables matter is the caller's policy, passed in as a filter.
 *
 * IDENTIFICATION
 *	  src/tablecensus.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/skey.h"
#include "access/table.h"
#include "catalog/catalog.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"

#include "relfacts.h"
#include "tablecensus.h"

/*
 * Adds the table to *tables unless exempt leaves it out, and keeps
 * *largest the biggest table added so far (*largest_bytes its size; a table
 * whose size cannot be read stands in only while there is no other).
 */
static void
add_large_table(List **tables, Oid relid, MGRelFilter exempt, Oid *largest,
				int64 *largest_bytes)
{
	int64		bytes;

	if (exempt != NULL && exempt(relid))
		return;
	*tables = lappend_oid(*tables, relid);
	if (mg_rel_size(relid, &bytes) && bytes > *largest_bytes)
	{
		*largest_bytes = bytes;
		*largest = relid;
	}
	else if (!OidIsValid(*largest))
		*largest = relid;
}

/*
 * The plain tables and materialized views of a schema (or of the whole
 * database when nspid is InvalidOid) that exempt does not leave out (the
 * rules pass the size-threshold policy: existing tables at or above it).  This
 * is what a schema- or database-wide maintenance command blocks, one table
 * at a time.  Temporary tables of other sessions are never processed by
 * those commands and are skipped; system catalogs only when asked.
 * *largest is set to the biggest of them.
 */
List *
mg_maintained_tables(Oid nspid, bool include_catalogs, MGRelFilter exempt,
					 Oid *largest)
{
	Relation	pg_class_rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tuple;
	List	   *result = NIL;
	int64		largest_bytes = -1;

	*largest = InvalidOid;
	ScanKeyInit(&key, Anum_pg_class_relnamespace, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(nspid));
	pg_class_rel = table_open(RelationRelationId, AccessShareLock);
	scan = systable_beginscan(pg_class_rel, InvalidOid, false, NULL,
							  OidIsValid(nspid) ? 1 : 0, &key);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_class cls = (Form_pg_class) GETSTRUCT(tuple);
		Oid			relid = cls->oid;

		if (cls->relkind != RELKIND_RELATION && cls->relkind != RELKIND_MATVIEW)
			continue;
		if (cls->relpersistence == RELPERSISTENCE_TEMP &&
			!isTempNamespace(cls->relnamespace))
			continue;
		if (!include_catalogs && IsCatalogRelationOid(relid))
			continue;
		add_large_table(&result, relid, exempt, largest, &largest_bytes);
	}
	systable_endscan(scan);
	table_close(pg_class_rel, AccessShareLock);
	return result;
}

/*
 * The same census over a list the caller found (the tables CLUSTER
 * without a table re-clusters): those exempt does not leave out, and
 * *largest the biggest of them.
 */
List *
mg_tables_among(List *relids, MGRelFilter exempt, Oid *largest)
{
	List	   *result = NIL;
	int64		largest_bytes = -1;
	ListCell   *lc;

	*largest = InvalidOid;
	foreach(lc, relids)
		add_large_table(&result, lfirst_oid(lc), exempt, largest, &largest_bytes);
	return result;
}
