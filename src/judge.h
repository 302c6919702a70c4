/*-------------------------------------------------------------------------
 *
 * judge.h
 *	  Dispatch from statement type to the rule families' judges (judge.c).
 *
 *	  mg_judge_statement() and mg_statement_may_concern_us() are declared in
 *	  migration_guard.h, where check.c finds them.  The inline test below is
 *	  the same one, for the pipeline's fast path: every utility statement
 *	  pays for it, so it is compiled into the hook (bench/hook_overhead.sh).
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

/* Is the statement's type one judge_list.h lists? */
static inline bool
mg_statement_type_judged(Node *parsetree)
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

extern bool mg_statement_may_concern_us(Node *parsetree);
extern void mg_judge_statement(MGStatement *st);

#endif							/* MG_JUDGE_H */
