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

#include "access/xact.h"

#include "nodes/pg_list.h"

#include "statement.h"

extern void mg_heads_init(void);
extern void mg_heads_note_writes(List *perms);
extern void mg_heads_check_statement(MGStatement *st);

extern void mg_heads_xact_event(XactEvent event);
extern void mg_heads_subxact_event(SubXactEvent event, SubTransactionId mySubid,
								   SubTransactionId parentSubid);

#endif							/* MG_HEADS_H */
