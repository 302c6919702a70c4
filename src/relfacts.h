/*-------------------------------------------------------------------------
 *
 * relfacts.h
 *	  What the catalog and relcache know about a relation, answered cheaply
 *	  for the rules: no table scans and no SPI.
 *
 * IDENTIFICATION
 *	  src/relfacts.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_RELFACTS_H
#define MG_RELFACTS_H

extern bool mg_rel_created_in_xact(Oid relid);
extern bool mg_rel_size(Oid relid, int64 *bytes);
extern double mg_rel_estimated_rows(Oid relid);
extern bool mg_rel_exempt_from_size_rules(Oid relid);
extern char *mg_rel_name(Oid relid);
extern char *mg_rel_describe(Oid relid);

#endif							/* MG_RELFACTS_H */
