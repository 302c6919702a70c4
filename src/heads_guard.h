/*-------------------------------------------------------------------------
 *
 * heads_guard.h
 *	  The version table guarded as a whole and the freeze's backstop
 *	  (heads_guard.c), and what heads_guard.c needs from heads.c.
 *
 * IDENTIFICATION
 *	  src/heads_guard.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_HEADS_GUARD_H
#define MG_HEADS_GUARD_H

#include "nodes/pg_list.h"

/* heads_guard.c */
extern void mg_heads_guard_init(void);
extern void mg_heads_guard_statement(Node *parsetree);
extern bool mg_heads_guard_created_objects(void);
extern void mg_heads_guard_reset(void);
extern List *mg_heads_guard_expand(List *relids);

/* heads.c */
extern bool mg_heads_guard_active(void);
extern const Oid *mg_heads_guarded_relids(int *n, bool refresh);
extern void mg_heads_take_before_reading(void);
extern bool mg_heads_before_reading_taken(void);
extern void mg_heads_note_table_change(void);
extern bool mg_heads_freeze_undecided(void);
extern void mg_heads_note_schema_change(const char *tag);

#endif							/* MG_HEADS_GUARD_H */
