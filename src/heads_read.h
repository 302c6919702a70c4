/*-------------------------------------------------------------------------
 *
 * heads_read.h
 *	  Reading migration tables safely (heads_read.c): name resolution
 *	  independent of the session's search_path, the relkind and ownership
 *	  checks, and the identity the read runs under.
 *
 * IDENTIFICATION
 *	  src/heads_read.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_HEADS_READ_H
#define MG_HEADS_READ_H

#include "heads_types.h"


extern List *mg_heads_relations_named(const char *relname, bool tables_only);
extern List *mg_heads_resolve_table(const char *setting);
extern char *mg_heads_check_readable(Oid relid, Oid *owner);
extern void mg_heads_enter_as(MGOwnQuery *q, Oid role);
extern Oid	mg_heads_history_table(Oid *owner);

extern void mg_heads_leave_own_query(const MGOwnQuery *q);

#endif							/* MG_HEADS_READ_H */
