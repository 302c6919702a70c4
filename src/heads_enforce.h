/*-------------------------------------------------------------------------
 *
 * heads_enforce.h
 *	  The refusals of head enforcement (heads_enforce.c).
 *
 * IDENTIFICATION
 *	  src/heads_enforce.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_HEADS_ENFORCE_H
#define MG_HEADS_ENFORCE_H

#include "statement.h"

extern void mg_heads_check_commit(void);
extern void mg_heads_check_before_ddl(MGStatement *st);
extern void mg_heads_check_freeze(const char *tag, bool at_commit);

#endif							/* MG_HEADS_ENFORCE_H */
