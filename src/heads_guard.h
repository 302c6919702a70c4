/*-------------------------------------------------------------------------
 *
 * heads_guard.h
 *	  The version table guarded as a whole and the freeze's backstop
 *	  (heads_guard.c); and, for it, the state it notes (heads_state.c).
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

/* heads_guard.c */
extern void mg_heads_guard_object_access(ObjectAccessType access, Oid classId,
										 Oid objectId, int subId, void *arg);
extern void mg_heads_guard_statement(Node *parsetree);
extern bool mg_heads_guard_created_objects(void);
extern void mg_heads_guard_reset(void);
extern bool mg_heads_guard_active(void);
extern bool mg_heads_freeze_undecided(void);

/* heads_state.c */
extern bool mg_heads_before_reading_taken(void);
extern void mg_heads_note_table_change(void);
extern void mg_heads_note_schema_change(const char *tag);

/*
 * heads_candidates.c: mg_heads_guarded_relids() (heads_candidates.h);
 * heads_xact.c: mg_heads_take_before_reading() (heads_xact.h)
 */

#endif							/* MG_HEADS_GUARD_H */
