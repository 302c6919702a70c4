/*-------------------------------------------------------------------------
 *
 * tablecensus.h
 *	  The tables a schema- or database-wide maintenance command processes,
 *	  one at a time, and the largest of them (tablecensus.c).
 *
 * IDENTIFICATION
 *	  src/tablecensus.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_TABLECENSUS_H
#define MG_TABLECENSUS_H

#include "nodes/pg_list.h"

/* A policy that leaves a table out (such as the size-threshold policy). */
typedef bool (*MGRelFilter) (Oid relid);

/*
 * The plain tables and materialized views of a schema (InvalidOid: of the
 * database) that such a command processes and that exempt does not leave
 * out; *largest is the biggest of them.
 */
extern List *mg_maintained_tables(Oid nspid, bool include_catalogs,
								  MGRelFilter exempt, Oid *largest);

/* The same over the given relation OIDs. */
extern List *mg_tables_among(List *relids, MGRelFilter exempt, Oid *largest);

#endif							/* MG_TABLECENSUS_H */
