/*-------------------------------------------------------------------------
 *
 * executor.c
 *	  The executor hooks: the permission check and ExecutorStart.
 *
 *	  The permission check sees, for every query that passed it, which
 *	  tables it reads and writes: usage tracking counts reads of deprecated
 *	  objects (usage_tracking.c), and head enforcement notices writes of
 *	  the migration table (heads.c).
 *
 *	  ExecutorStart sees the queries of a migration as the executor starts
 *	  them.  Two rules look at them: unbatched_data_change (big
 *	  UPDATE / DELETE / MERGE, rules_dml.c), and lock_held_across_statements
 *	  (a query of the migration runs while its transaction holds an ACCESS
 *	  EXCLUSIVE lock an earlier statement took, xact_rules.c).
 *
 *	  Ordinary queries pay a test of the command type (rules_dml.c) and one
 *	  test of a pointer when no statement of their transaction took such a
 *	  lock.
 *
 * IDENTIFICATION
 *	  src/executor.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/parallel.h"
#include "executor/executor.h"
#include "tcop/tcopprot.h"

#include "deprecation.h"
#include "heads.h"
#include "heads_candidates.h"
#include "heads_settings.h"
#include "pipeline.h"
#include "rules_dml.h"
#include "statement.h"
#include "xact_rules.h"
#include "xact_state.h"

static ExecutorStart_hook_type prev_ExecutorStart = NULL;
static ExecutorCheckPerms_hook_type prev_ExecutorCheckPerms = NULL;

static void mg_ExecutorStart(QueryDesc *queryDesc, int eflags);
static bool mg_ExecutorCheckPerms(MG_CHECK_PERMS_PARAMS);

void
mg_executor_init(void)
{
	prev_ExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = mg_ExecutorStart;
	prev_ExecutorCheckPerms = ExecutorCheckPerms_hook;
	ExecutorCheckPerms_hook = mg_ExecutorCheckPerms;
}

/*
 * Only a query that passed the check is looked at: one refused never
 * reads or writes anything.
 */
static bool
mg_ExecutorCheckPerms(MG_CHECK_PERMS_PARAMS)
{
	bool		ok = true;

	if (prev_ExecutorCheckPerms)
		ok = prev_ExecutorCheckPerms(MG_CHECK_PERMS_ARGS);
	if (ok)
	{
		mg_usage_check_perms(MG_PERMS_LIST);
		mg_heads_note_writes(MG_PERMS_LIST);
	}
	return ok;
}

/*
 * Migration tools record the migration in their version table in the same
 * transaction as its DDL (Rails, Django, Alembic, Flyway, ...): a query that
 * touches nothing but that table is part of the migration's bookkeeping,
 * not more work under the lock.
 */
static bool
only_migration_table(QueryDesc *queryDesc)
{
	List	   *tools;
	List	   *tables = NIL;
	ListCell   *lc;
	bool		any = false;

	foreach(lc, queryDesc->plannedstmt->rtable)
	{
		RangeTblEntry *rte = lfirst(lc);

		if (rte->rtekind != RTE_RELATION)
			continue;
		if (tables == NIL)
		{
			tables = mg_heads_find_candidates(mg_migration_tool, mg_migration_table, &tools);
			if (tables == NIL)
				return false;
		}
		if (!list_member_oid(tables, rte->relid))
			return false;
		any = true;
	}
	return any;
}

/*
 * A query of the migration: not one PostgreSQL runs internally, like the
 * foreign-key checks at COMMIT.  A query is the migration's when it is the
 * client's statement itself, or runs inside a utility statement (DO, CALL).
 */
static bool
query_of_the_migration(QueryDesc *queryDesc, int eflags)
{
	return !(eflags & EXEC_FLAG_EXPLAIN_ONLY) &&
		!IsParallelWorker() &&
		queryDesc->sourceText != NULL &&
		(mg_utility_depth > 0 ||
		 (debug_query_string != NULL &&
		  (queryDesc->sourceText == debug_query_string ||
		   strcmp(queryDesc->sourceText, debug_query_string) == 0))) &&
		!only_migration_table(queryDesc);
}

static void
mg_ExecutorStart(QueryDesc *queryDesc, int eflags)
{
	/* unbatched_data_change: a test of the command type first */
	mg_dml_executor_start(queryDesc, eflags, mg_utility_depth > 0);

	if (mg_xact_has_unreported_locks() && mg_xact_lock_check_due() &&
		query_of_the_migration(queryDesc, eflags))
	{
		MGStatement st = {0};

		st.query_string = queryDesc->sourceText;
		st.location = queryDesc->plannedstmt->stmt_location;
		st.length = queryDesc->plannedstmt->stmt_len;
		mg_xact_judge_lock_held_across(&st);
	}

	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
}
