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

#include "catalog/pg_class.h"
#include "utils/relcache.h"

extern bool mg_rel_class_row(Oid relid, FormData_pg_class *row);
extern char mg_rel_persistence(Oid relid);
extern bool mg_relkind_queried_by_name(char relkind);
extern const char *mg_relkind_noun(char relkind);
extern bool mg_rel_created_in_xact(Oid relid);
extern bool mg_rel_created_in_real_xact(Oid relid);
extern bool mg_rel_size(Oid relid, int64 *bytes);
extern double mg_rel_estimated_rows(Oid relid);
extern double mg_rel_rows_from_pages(Oid relid);	/* relestimate.c */
extern char *mg_rel_name(Oid relid);
extern char *mg_rel_describe(Oid relid);

/* Catalog facts for the ALTER TABLE rules (rules_alter.c, rules_constraints.c) */
extern bool mg_rel_not_null_proven(Relation rel, AttrNumber attnum);
extern bool mg_rel_has_index_leading(Oid relid, const int16 *attnums, int natts);
extern bool mg_constraint_created_in_xact(Oid conoid);
extern bool mg_column_not_null_validated(Oid relid, AttrNumber attnum, Oid *invalid_conoid);
extern List *mg_type_dependents(Oid typid);

/* Does a statement name things that exist?  (PostgreSQL reports it if not.) */
extern bool mg_rel_is_protected_catalog(Oid relid);
extern bool mg_caller_owns_relation(Oid relid);
extern bool mg_column_exists(Oid relid, const char *colname, List *extra);
extern bool mg_columns_exist(Oid relid, List *names, List *extra);
extern bool mg_expr_columns_exist(Oid relid, Node *raw_expr, List *extra);
extern bool mg_expr_user_columns_exist(Oid relid, Node *raw_expr, List *extra);

#endif							/* MG_RELFACTS_H */
