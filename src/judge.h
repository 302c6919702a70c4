/*-------------------------------------------------------------------------
 *
 * judge.h
 *	  Dispatch from statement type to the rule families' judges (judge.c).
 *
 *	  The test "may this statement concern the guard" is inline: every
 *	  utility statement pays for it in the pipeline's fast path
 *	  (bench/hook_overhead.sh), and check() applies the same test.
 *
 * IDENTIFICATION
 *	  src/judge.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_JUDGE_H
#define MG_JUDGE_H

#include "nodes/nodes.h"

#include "statement.h"

/*
 * Statement types that some rule, lock policy or the migration-head check
 * may concern: those judge_list.h lists.  Everything else (SET, SHOW,
 * BEGIN, COMMIT, CALL, ...) goes straight down the chain.
 */
static inline bool
mg_statement_may_concern_us(Node *parsetree)
{
	switch (nodeTag(parsetree))
	{
#define MG_STATEMENT_TYPE(tag, judge) case tag:
#include "judge_list.h"
#undef MG_STATEMENT_TYPE
			return true;
		default:
			return false;
	}
}

extern void mg_judge_statement(MGStatement *st);

#endif							/* MG_JUDGE_H */
