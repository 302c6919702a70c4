/*-------------------------------------------------------------------------
 *
 * heads_state.h
 *	  The per-backend state of head enforcement (heads_state.c): whether
 *	  the guard's own query is running, and what this transaction did to
 *	  the migration table and the schema.
 *
 * IDENTIFICATION
 *	  src/heads_state.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_HEADS_STATE_H
#define MG_HEADS_STATE_H

#include "heads_types.h"

#include "access/xact.h"


extern bool mg_heads_set_own_query(bool running);
extern void mg_heads_note_written(void);
extern CommandId mg_heads_first_write_cid(void);
extern MGHeadReading *mg_heads_before_reading(void);
extern bool mg_heads_before_reading_taken(void);
extern void mg_heads_set_before_reading(MGHeadReading *before);
extern bool mg_heads_table_changed(void);
extern const char *mg_heads_schema_change(void);
extern void mg_heads_state_subxact(SubXactEvent event, SubTransactionId mySubid,
								   SubTransactionId parentSubid);
extern void mg_heads_state_reset(void);

extern bool mg_heads_own_query_running(void);
extern bool mg_heads_migration_table_written(void);

extern void mg_heads_note_table_change(void);
extern void mg_heads_note_schema_change(const char *tag);

#endif							/* MG_HEADS_STATE_H */
