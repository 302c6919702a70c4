/*-------------------------------------------------------------------------
 *
 * heads.h
 *	  The entry points of migration-head enforcement (heads.c): the hooks
 *	  it installs and the check the pipeline runs on each statement.  The
 *	  family's types are in heads_types.h, each file's functions in its
 *	  own header.
 *
 * IDENTIFICATION
 *	  src/heads.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_HEADS_H
#define MG_HEADS_H

#include "statement.h"

extern void mg_heads_init(void);
extern void mg_heads_check_statement(MGStatement *st);

#endif							/* MG_HEADS_H */
