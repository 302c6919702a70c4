/*-------------------------------------------------------------------------
 *
 * heads_history.h
 *	  Recording a move of the head in head_history (heads_history.c).
 *
 * IDENTIFICATION
 *	  src/heads_history.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_HEADS_HISTORY_H
#define MG_HEADS_HISTORY_H

#include "heads_types.h"

extern void mg_heads_record_history(const MGHeadReading *before,
									const MGHeadReading *after,
									MGHeadState state);

#endif							/* MG_HEADS_HISTORY_H */
