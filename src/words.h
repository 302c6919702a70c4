/*-------------------------------------------------------------------------
 *
 * words.h
 *	  The words messages use for lock modes and relation kinds, in one
 *	  place, so that every message names a lock and what it blocks alike.
 *
 * IDENTIFICATION
 *	  src/words.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_WORDS_H
#define MG_WORDS_H

#include "storage/lockdefs.h"

/* "ACCESS EXCLUSIVE": the lock mode as the LOCK command spells it. */
extern const char *mg_lockmode_name(LOCKMODE mode);

/* What a lock of this mode blocks: "every read and write" (translated). */
extern const char *mg_lock_blocks_what(LOCKMODE mode);

/* The same as a clause: "which blocks all reads and writes" (translated). */
extern const char *mg_lock_blocks(LOCKMODE mode);

/* "table", "index", "materialized view", ... (translated). */
extern const char *mg_relkind_word(char relkind);

#endif							/* MG_WORDS_H */
