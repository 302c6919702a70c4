/*-------------------------------------------------------------------------
 *
 * heads_xact.h
 *	  The head at the moments of a transaction (heads_xact.c).
 *
 * IDENTIFICATION
 *	  src/heads_xact.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_HEADS_XACT_H
#define MG_HEADS_XACT_H

#include "heads_types.h"

extern MGHeadReading *mg_heads_read_now(void);
extern MGHeadReading *mg_heads_read_at_commit(void);
extern MGHeadReading *mg_heads_read_before_own_writes(void);
extern void mg_heads_take_before_reading(void);
extern void mg_heads_note_migration_table_write(bool utility);

#endif							/* MG_HEADS_XACT_H */
