/*-------------------------------------------------------------------------
 *
 * rellist.h
 *	  Lists of relation names as they appear inside a message's detail
 *	  (rellist.c).
 *
 * IDENTIFICATION
 *	  src/rellist.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_RELLIST_H
#define MG_RELLIST_H

#include "nodes/pg_list.h"

/* "public.a, public.b, and 3 more" (relation OIDs, at most max_listed named) */
extern char *mg_rel_list_serial(List *relids, int max_listed);

/* "public.a, public.b and 3 more" */

extern char *mg_rel_list_text(List *relids, int max_shown);

#endif							/* MG_RELLIST_H */
