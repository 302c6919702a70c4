/*-------------------------------------------------------------------------
 *
 * heads_candidates.h
 *	  Which tables may be the migration table (heads_candidates.c).
 *
 * IDENTIFICATION
 *	  src/heads_candidates.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_HEADS_CANDIDATES_H
#define MG_HEADS_CANDIDATES_H

#include "heads_types.h"


extern void mg_heads_candidates_init(void);
extern bool mg_heads_is_candidate(Oid relid);
extern int	mg_heads_candidate_count(const MGTool **single_tool);
extern const Oid *mg_heads_guarded_relids(int *n, bool refresh);

extern List *mg_heads_find_candidates(const char *tool_setting, const char *table_setting,
									  List **tools);
extern bool mg_heads_detected(Oid *relid, const MGTool **tool);

#endif							/* MG_HEADS_CANDIDATES_H */
