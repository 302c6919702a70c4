/*-------------------------------------------------------------------------
 *
 * heads_query.h
 *	  Reading the head from the migration table (heads_query.c).
 *
 * IDENTIFICATION
 *	  src/heads_query.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_HEADS_QUERY_H
#define MG_HEADS_QUERY_H

#include "heads_types.h"

extern MGHeadReading *mg_heads_read(const char *tool_setting, const char *table_setting);
extern List *mg_heads_current(const MGHeadReading *r);

#endif							/* MG_HEADS_QUERY_H */
