/*-------------------------------------------------------------------------
 *
 * heads_judge.h
 *	  Judging a head reading against the expected head (heads_judge.c).
 *
 * IDENTIFICATION
 *	  src/heads_judge.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_HEADS_JUDGE_H
#define MG_HEADS_JUDGE_H

#include "heads_types.h"

extern const char *mg_head_state_name(MGHeadState state);
extern MGHeadJudgement mg_heads_judge(const MGHeadReading *r, List *expected,
									  List *known, bool position_only);

#endif							/* MG_HEADS_JUDGE_H */
