/*-------------------------------------------------------------------------
 *
 * heads.c
 *	  The entry points of migration-head enforcement: the transaction
 *	  callbacks (mg_heads_init() registers them), what the executor's
 *	  permission check (executor.c) and the utility hook (pipeline.c) tell
 *	  it about each query and statement.  They decide when; heads_enforce.c
 *	  decides whether.
 *
 *	  Writes to the migration table are noticed in the permission check
 *	  (every INSERT, UPDATE, DELETE, MERGE and COPY FROM passes there with
 *	  its write permissions, mg_heads_note_writes()) and in the utility hook
 *	  (TRUNCATE; DROP, renames and other DDL through heads_guard.c).  At pre-commit the head
 *	  is read twice, as the transaction found it and as it leaves it, and
 *	  the guard decides: a head beyond the expected one, an unknown
 *	  revision or a downgrade from the expected head makes the commit
 *	  fail, so the migration's DDL and its version row roll back together.
 *
 *	  Schema freeze: DDL is noticed in the utility hook but judged at
 *	  pre-commit, because tools write their version row after the DDL in
 *	  the same transaction (Alembic, Flyway, Rails...): only at commit is
 *	  it known whether the DDL was part of a migration.  Statements that
 *	  commit internally (CREATE INDEX CONCURRENTLY, ...) cannot be part of
 *	  a migration's transaction and are judged before they run.
 *
 *	  Cost: an ordinary statement pays a scan of its permission list
 *	  against a cached array of candidate table OIDs (heads_candidates.c).
 *	  SPI runs only at the commit of a transaction that wrote the migration
 *	  table (and before a TRUNCATE, DROP or rename of it), for head() and
 *	  assert_head(), and for DDL while freeze_at_head is on.
 *
 * IDENTIFICATION
 *	  src/heads.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/parallel.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"

#include "deprecation.h"
#include "heads.h"
#include "heads_candidates.h"
#include "heads_enforce.h"
#include "heads_expected.h"
#include "heads_guard.h"
#include "heads_settings.h"
#include "heads_state.h"
#include "heads_types.h"
#include "heads_xact.h"
#include "statement.h"

/* ---------- noticing writes ---------- */

/*
 * Called by the executor's permission check (executor.c) for every query
 * that passed it: does it write a candidate migration table?
 */
void
mg_heads_note_writes(List *perms)
{
	ListCell   *lc;

	/* check()'s simulated statements roll back: nothing to note */
	if (mg_heads_migration_table_written() || mg_heads_own_query_running() ||
		mg_check_simulating || IsParallelWorker() || !IsTransactionState() ||
		IsBinaryUpgrade)
		return;

	foreach(lc, perms)
	{
		MGPermEntry *perm = (MGPermEntry *) lfirst(lc);

		/*
		 * SELECT ... FOR UPDATE also requires UPDATE, but updates no column:
		 * only a real write makes a transaction a migration.
		 */
		if (((perm->requiredPerms & (ACL_INSERT | ACL_DELETE)) ||
			 ((perm->requiredPerms & ACL_UPDATE) && !bms_is_empty(perm->updatedCols))) &&
			OidIsValid(perm->relid) &&
			mg_heads_is_candidate(perm->relid))
		{
			mg_heads_note_migration_table_write(false);
			break;
		}
	}
}

static bool
rangevar_is_migration_table(RangeVar *rv)
{
	Oid			relid = RangeVarGetRelid(rv, NoLock, true);

	return OidIsValid(relid) && mg_heads_is_candidate(relid);
}

/*
 * TRUNCATE (golang-migrate's SetVersion) writes the rows as surely as a
 * DELETE: it makes the transaction a migration.  DROP, renames, SET SCHEMA
 * and every other DDL on the table are changes of it too, but no
 * migration: heads_guard.c notices them.
 */
static void
note_utility_writes(Node *parsetree)
{
	ListCell   *lc;

	if (IsA(parsetree, TruncateStmt))
		foreach(lc, ((TruncateStmt *) parsetree)->relations)
			if (rangevar_is_migration_table(lfirst(lc)))
			mg_heads_note_migration_table_write(true);
}

/* ---------- schema changes ---------- */

static bool
rangevar_is_temp(RangeVar *rv)
{
	Oid			relid;

	if (rv == NULL)
		return false;
	if (rv->relpersistence == RELPERSISTENCE_TEMP ||
		(rv->schemaname && strcmp(rv->schemaname, "pg_temp") == 0))
		return true;
	relid = RangeVarGetRelid(rv, NoLock, true);
	return OidIsValid(relid) && isAnyTempNamespace(get_rel_namespace(relid));
}

/*
 * Does the statement change the schema?  Maintenance (VACUUM, REINDEX,
 * CLUSTER, REFRESH), locking, TRUNCATE and privileges do not, nor does
 * anything about temporary objects.
 */
static bool
statement_changes_schema(Node *parsetree)
{
	switch (nodeTag(parsetree))
	{
		case T_VacuumStmt:
		case T_ClusterStmt:
		case T_ReindexStmt:
		case T_LockStmt:
		case T_TruncateStmt:
		case T_RefreshMatViewStmt:
		case T_GrantStmt:
			return false;
		case T_CreateStmt:
			return !rangevar_is_temp(((CreateStmt *) parsetree)->relation);
		case T_CreateTableAsStmt:
			return !rangevar_is_temp(((CreateTableAsStmt *) parsetree)->into->rel);
		case T_ViewStmt:
			return !rangevar_is_temp(((ViewStmt *) parsetree)->view);
		case T_CreateSeqStmt:
			return !rangevar_is_temp(((CreateSeqStmt *) parsetree)->sequence);
		case T_IndexStmt:
			return !rangevar_is_temp(((IndexStmt *) parsetree)->relation);
		case T_AlterTableStmt:
			return !rangevar_is_temp(((AlterTableStmt *) parsetree)->relation);
		case T_DropStmt:
			{
				DropStmt   *drop = (DropStmt *) parsetree;
				ListCell   *lc;

				if (drop->removeType != OBJECT_TABLE &&
					drop->removeType != OBJECT_INDEX &&
					drop->removeType != OBJECT_SEQUENCE &&
					drop->removeType != OBJECT_VIEW)
					return true;
				foreach(lc, drop->objects)
					if (!rangevar_is_temp(makeRangeVarFromNameList(lfirst(lc))))
					return true;
				return false;
			}
		default:
			return true;
	}
}

static void
note_ddl(MGStatement *st)
{
	if (!mg_heads_expected_set() || !statement_changes_schema(st->parsetree))
		return;
	mg_heads_check_before_ddl(st);
	if (!mg_freeze_at_head)
		return;

	/*
	 * Everything else is judged at commit: even a statement sent alone may
	 * share its transaction with a version write (a multi-statement query
	 * string, a pipeline of extended-protocol messages before one Sync).
	 */

	/*
	 * A statement that refuses a transaction block commits on its own: no
	 * version row can share its transaction, and a refusal at commit would
	 * come after its first internal commit.  (VACUUM, CLUSTER and REINDEX,
	 * the others that refuse one, do not change the schema.)
	 */
	if (mg_statement_needs_own_transaction(st->parsetree))
	{
		mg_heads_check_freeze(CreateCommandName(st->parsetree), false);
		return;
	}
	mg_heads_note_schema_change(CreateCommandName(st->parsetree));
}

/* Called by the utility hook for each statement, before it runs. */
void
mg_heads_check_statement(MGStatement *st)
{
	if (IsBinaryUpgrade || mg_heads_own_query_running())
		return;
	mg_heads_guard_statement(st->parsetree);
	note_utility_writes(st->parsetree);
	note_ddl(st);
}

/* ---------- the transaction ---------- */

/*
 * A transaction that wrote the version table's rows is a migration: the
 * head it leaves is judged.  DDL on the table (heads_guard.c) is judged
 * the same way, but makes no migration: the freeze still applies to it.
 */
static void
heads_pre_commit(void)
{
	const char *ddl_tag;

	if (mg_heads_migration_table_written() || mg_heads_table_changed())
		mg_heads_check_commit();
	if (mg_heads_migration_table_written() || !mg_freeze_at_head ||
		!mg_heads_expected_set())
		return;
	if (mg_heads_schema_change() == NULL && mg_heads_guard_created_objects())
		mg_heads_note_schema_change(MGH_("a statement"));
	ddl_tag = mg_heads_schema_change();
	if (ddl_tag)
		mg_heads_check_freeze(ddl_tag, true);
}

static void
reset_xact_state(void)
{
	mg_heads_state_reset();
	mg_heads_guard_reset();
}

void
mg_heads_xact_event(XactEvent event)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			heads_pre_commit();
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
			reset_xact_state();
			break;
		default:
			break;
	}
}

void
mg_heads_subxact_event(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid)
{
	mg_heads_state_subxact(event, mySubid, parentSubid);
}

void
mg_heads_init(void)
{
	mg_heads_candidates_init();
	mg_heads_expected_init();
}
