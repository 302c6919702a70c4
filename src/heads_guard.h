/*-------------------------------------------------------------------------
 *
 * heads_guard.h
 *	  The version table guarded as a whole and the freeze's backstop
 *	  (heads_guard.c).
 *
 * IDENTIFICATION
 *	  src/heads_guard.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_HEADS_GUARD_H
#define MG_HEADS_GUARD_H

#include "catalog/objectaccess.h"
#include "nodes/pg_list.h"

extern void mg_heads_guard_object_access(ObjectAccessType access, Oid classId,
										 Oid objectId, int subId, void *arg);
extern void mg_heads_guard_statement(Node *parsetree);
extern bool mg_heads_guard_created_objects(void);
extern void mg_heads_guard_reset(void);


#endif							/* MG_HEADS_GUARD_H */
