/*-------------------------------------------------------------------------
 *
 * heads.c
 *	  Migration-head enforcement: reads the migration tool's version table,
 *	  compares it with the release's expected head, and refuses commits
 *	  that move the head where the release does not expect.
 *
 *	  Writes to the migration table are noticed in ExecutorCheckPerms_hook
 *	  (every INSERT, UPDATE, DELETE, MERGE and COPY FROM passes there with
 *	  its write permissions) and in the utility hook (TRUNCATE, DROP,
 *	  renames).  At pre-commit the head is read twice, as the transaction
 *	  found it and as it leaves it, and the guard decides: a head beyond
 *	  the expected one, an unknown revision or a downgrade from the
 *	  expected head makes the commit fail, so the migration's DDL and its
 *	  version row roll back together.  A change of the head is recorded in
 *	  head_history in the same transaction.
 *
 *	  Schema freeze: DDL is noticed in the utility hook but judged at
 *	  pre-commit, because tools write their version row after the DDL in
 *	  the same transaction (Alembic, Flyway, Rails...): only at commit is
 *	  it known whether the DDL was part of a migration.  Statements that
 *	  commit internally (CREATE INDEX CONCURRENTLY, ...) cannot be part of
 *	  a migration's transaction and are judged before they run.
 *
 *	  Cost: an ordinary statement pays a scan of its permission list
 *	  against a cached array of candidate table OIDs.  The cache is rebuilt
 *	  after a pg_class or pg_namespace invalidation or a change of the
 *	  table/tool settings.  SPI runs only at the commit of a transaction
 *	  that wrote the migration table (and before a TRUNCATE, DROP or
 *	  rename of it), for head() and assert_head(), and for DDL while
 *	  freeze_at_head is on.
 *
 * IDENTIFICATION
 *	  src/heads.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/parallel.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "migration_guard.h"
#include "deprecation.h"
#include "heads.h"
#include "heads_expected.h"
#include "heads_guard.h"
#include "heads_read.h"
#include "relfacts.h"

static ExecutorCheckPerms_hook_type prev_check_perms_hook = NULL;

/* ---------- candidate migration tables, cached ---------- */

static Oid *candidate_relids = NULL;
static int	candidate_count = 0;
static bool candidates_valid = false;
static char *candidates_tool = NULL;	/* settings the cache was built for */
static char *candidates_table = NULL;
static const MGTool *candidate_tool = NULL;	/* the tool, if one candidate */

/* ---------- per-transaction state ---------- */

typedef struct HeadsXactState
{
	bool		written;		/* the migration table was written */
	CommandId	first_write_cid;	/* command of the first write */
	bool		before_read;	/* "before" was read at a utility write */
	MGHeadReading *before;		/* in TopTransactionContext */
	bool		table_ddl;		/* DDL changed the migration table (heads_guard.c) */
	bool		ddl;			/* schema DDL ran (for freeze_at_head) */
	SubTransactionId ddl_subid; /* subtransaction that first ran DDL */
	const char *ddl_tag;		/* its command tag, for the message */
} HeadsXactState;

static HeadsXactState xs;
static bool in_guard_query = false; /* our own SPI is running */

/*
 * For the other hooks: the queries of the guard's own SPI are no
 * statements of the migration (locks.c).
 */
bool
mg_heads_own_query_running(void)
{
	return in_guard_query;
}

/*
 * For rules_dml.c: did this transaction write the migration table (so it
 * is a migration)?
 */
bool
mg_heads_migration_table_written(void)
{
	return xs.written;
}

static void
invalidate_candidates(Datum arg, int cacheid, uint32 hashvalue)
{
	candidates_valid = false;
}

/*
 * A relcache invalidation of a guarded relation: an inheritance link to it
 * may have changed (heads_guard.c sends one), which changes no pg_class
 * row of it when it already had children.
 */
static void
invalidate_candidates_rel(Datum arg, Oid relid)
{
	if (!OidIsValid(relid))
	{
		candidates_valid = false;
		return;
	}
	for (int i = 0; i < candidate_count; i++)
		if (candidate_relids[i] == relid)
			candidates_valid = false;
}

static bool
setting_changed(const char *cached, const char *current)
{
	return cached == NULL || strcmp(cached, current ? current : "") != 0;
}

static void
refresh_candidates(void)
{
	List	   *tools;
	List	   *relids;
	int			n;
	ListCell   *lc;
	Oid		   *array;

	/*
	 * Valid from now on: an invalidation arriving while the catalogs are
	 * read below clears the flag again, and the next call rebuilds.  An
	 * error leaves the old list, which must not pass for current.
	 */
	candidates_valid = true;
	PG_TRY();
	{
		relids = mg_heads_find_candidates(mg_migration_tool, mg_migration_table, &tools);
		/* the rows of children and partitions are read with the table */
		relids = mg_heads_guard_expand(relids);
	}
	PG_CATCH();
	{
		candidates_valid = false;
		PG_RE_THROW();
	}
	PG_END_TRY();
	n = list_length(relids);
	array = MemoryContextAlloc(TopMemoryContext, sizeof(Oid) * Max(n, 1));
	n = 0;
	foreach(lc, relids)
		array[n++] = lfirst_oid(lc);

	if (candidate_relids)
		pfree(candidate_relids);
	candidate_relids = array;
	candidate_count = n;
	candidate_tool = n == 1 ? linitial(tools) : NULL;
	if (candidates_tool)
		pfree(candidates_tool);
	if (candidates_table)
		pfree(candidates_table);
	candidates_tool = MemoryContextStrdup(TopMemoryContext, mg_migration_tool ? mg_migration_tool : "");
	candidates_table = MemoryContextStrdup(TopMemoryContext, mg_migration_table ? mg_migration_table : "");
}

/* Rebuilds the candidate list if invalidated or built for other settings. */
static void
ensure_candidates(void)
{
	if (!candidates_valid ||
		setting_changed(candidates_tool, mg_migration_tool) ||
		setting_changed(candidates_table, mg_migration_table))
		refresh_candidates();
}

/* Is relid (possibly) the migration table?  Cheap once the cache is built. */
static bool
is_migration_table(Oid relid)
{
	ensure_candidates();
	for (int i = 0; i < candidate_count; i++)
		if (candidate_relids[i] == relid)
			return true;
	return false;
}

/*
 * The single migration table the guard detected, and its tool (for the
 * bookkeeping exemptions of heads_txmode.c).  False with none or several.
 */
bool
mg_heads_detected(Oid *relid, const MGTool **tool)
{
	ensure_candidates();
	if (candidate_count != 1 || candidate_tool == NULL)
		return false;
	*relid = candidate_relids[0];
	*tool = candidate_tool;
	return true;
}

/* The expected head comes from set_expected_head() or the GUC. */
static bool
expected_head_set(void)
{
	const char *e = mg_heads_expected_setting();

	return e != NULL && e[0] != '\0';
}

static bool
extension_installed(void)
{
	return OidIsValid(get_extension_oid("migration_guard", true));
}

/* ---------- reading ---------- */

/* Reads the head, with our own SPI marked so our hooks ignore it. */
static MGHeadReading *
read_head(void)
{
	MGHeadReading *r;
	bool		was = in_guard_query;

	in_guard_query = true;
	PG_TRY();
	{
		r = mg_heads_read(mg_migration_tool, mg_migration_table);
	}
	PG_FINALLY();
	{
		in_guard_query = was;
	}
	PG_END_TRY();
	return r;
}

/*
 * Reads the head as this transaction leaves it: every command so far
 * made visible, under a fresh snapshot.
 */
static MGHeadReading *
read_head_at_commit(void)
{
	MGHeadReading *r;

	CommandCounterIncrement();
	PushActiveSnapshot(GetTransactionSnapshot());
	r = read_head();
	PopActiveSnapshot();
	return r;
}

/* "a, b" in quotes, or "none" */
static char *
heads_text(List *heads)
{
	StringInfoData buf;
	ListCell   *lc;

	if (heads == NIL)
		return pstrdup("none (base)");
	initStringInfo(&buf);
	foreach(lc, heads)
		appendStringInfo(&buf, "%s\"%s\"", buf.len ? ", " : "", (char *) lfirst(lc));
	return buf.data;
}

/*
 * Where a reading stands, for the commit messages: its heads, and the
 * versions of failed or unfinished rows (a golang-migrate dirty row, a
 * Prisma row not yet finished) which are where the tool is going.
 */
static char *
position_text(const MGHeadReading *r)
{
	List	   *failed = NIL;
	ListCell   *lc;

	foreach(lc, r->keys)
	{
		MGKeyHeads *kh = lfirst(lc);
		ListCell   *fc;

		if (r->tool && r->tool->pointer)
			continue;			/* a pointer tool's heads include them */
		foreach(fc, kh->failed)
			failed = lappend(failed, r->tool && r->tool->keyed
							 ? psprintf("%s:%s", kh->key, (char *) lfirst(fc))
							 : lfirst(fc));
	}
	if (failed == NIL)
		return heads_text(mg_heads_current(r));
	return psprintf("%s (with %s failed or unfinished)",
					heads_text(mg_heads_current(r)), heads_text(failed));
}

/* A reading's heads and failed markers, to tell whether the head moved. */
static char *
reading_signature(const MGHeadReading *r)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	if (r == NULL)
		return buf.data;
	appendStringInfo(&buf, "%u|%s|", r->relid, r->problem ? r->problem : "");
	foreach(lc, r->keys)
	{
		MGKeyHeads *kh = lfirst(lc);

		appendStringInfo(&buf, "%s{%s}{%s}", kh->key,
						 mg_heads_join(kh->applied), mg_heads_join(kh->failed));
	}
	return buf.data;
}

/* ---------- noticing writes ---------- */

/*
 * Reads the head as this transaction found it: with a fresh snapshot, so
 * that other transactions' committed migrations count, but blind to this
 * transaction's own commands from its first write to the table on.  Two
 * concurrent runs of the same migration therefore never see, nor record,
 * each other's change as their own.
 */
static MGHeadReading *
read_head_before_own_writes(void)
{
	MGHeadReading *r;

	PushCopiedSnapshot(GetTransactionSnapshot());
	GetActiveSnapshot()->curcid = xs.written ? xs.first_write_cid
		: GetCurrentCommandId(false);
	r = read_head();
	PopActiveSnapshot();
	return r;
}

/*
 * Reads the head before a utility statement that writes the migration
 * table runs.  The statement then takes ACCESS EXCLUSIVE on the table and
 * its indexes: the ACCESS SHARE locks of the read (the parser, the planner
 * and the executor take them, on the table and on its indexes), kept to
 * the end of the transaction, would make that a lock upgrade, and two
 * sessions upgrading deadlock where PostgreSQL alone queues them.  What
 * was read is a copy, so the read runs under a resource owner of its own
 * whose locks are released right after: locks the transaction held before
 * belong to other owners and stay.
 */
static MGHeadReading *
read_head_before_utility_write(void)
{
	ResourceOwner saved_owner = CurrentResourceOwner;
	ResourceOwner read_owner = ResourceOwnerCreate(saved_owner,
												   "migration_guard head read");
	MGHeadReading *r;

	CurrentResourceOwner = read_owner;
	PG_TRY();
	{
		r = read_head_before_own_writes();
	}
	PG_FINALLY();
	{
		CurrentResourceOwner = saved_owner;
	}
	PG_END_TRY();

	ResourceOwnerRelease(read_owner, RESOURCE_RELEASE_BEFORE_LOCKS, false, false);
	ResourceOwnerRelease(read_owner, RESOURCE_RELEASE_LOCKS, false, false);
	ResourceOwnerRelease(read_owner, RESOURCE_RELEASE_AFTER_LOCKS, false, false);
	ResourceOwnerDelete(read_owner);
	return r;
}

/*
 * Notes a write to the migration table.  DML only records its command id
 * (no SPI on the statement's path); the head before it is read at commit.
 * TRUNCATE, DROP and renames cannot be seen past (their effect is not
 * under MVCC), so for those the head is read now, before they run.
 */
static void
note_migration_table_write(bool utility)
{
	MemoryContext old;

	if (!xs.written)
	{
		xs.written = true;
		xs.first_write_cid = GetCurrentCommandId(false);
	}
	if (!utility || xs.before_read ||
		(!expected_head_set() && !extension_installed()))
		return;
	old = MemoryContextSwitchTo(TopTransactionContext);
	xs.before = read_head_before_utility_write();
	xs.before_read = true;
	MemoryContextSwitchTo(old);
}

static bool
heads_check_perms(MG_CHECK_PERMS_PARAMS)
{
	bool		ok = true;
	ListCell   *lc;

	if (prev_check_perms_hook)
		ok = prev_check_perms_hook(MG_CHECK_PERMS_ARGS);
	/* usage of deprecated objects (usage_tracking.c) */
	if (ok)
		mg_usage_check_perms(MG_PERMS_LIST);
	/* check()'s simulated statements roll back: nothing to note */
	if (!ok || xs.written || in_guard_query || mg_check_simulating ||
		IsParallelWorker() || !IsTransactionState() || IsBinaryUpgrade)
		return ok;

	foreach(lc, MG_PERMS_LIST)
	{
		MGPermEntry *perm = (MGPermEntry *) lfirst(lc);

		/*
		 * SELECT ... FOR UPDATE also requires UPDATE, but updates no
		 * column: only a real write makes a transaction a migration.
		 */
		if (((perm->requiredPerms & (ACL_INSERT | ACL_DELETE)) ||
			 ((perm->requiredPerms & ACL_UPDATE) && !bms_is_empty(perm->updatedCols))) &&
			OidIsValid(perm->relid) &&
			is_migration_table(perm->relid))
		{
			note_migration_table_write(false);
			break;
		}
	}
	return ok;
}

static bool
rangevar_is_migration_table(RangeVar *rv)
{
	Oid			relid = RangeVarGetRelid(rv, NoLock, true);

	return OidIsValid(relid) && is_migration_table(relid);
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
				note_migration_table_write(true);
}

/* ---------- schema freeze ---------- */

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

static List *
expected_heads(void)
{
	return mg_heads_parse_list(mg_heads_expected_setting());
}

static List *
known_heads(void)
{
	return mg_heads_parse_list(mg_heads_known_setting());
}

/*
 * For tools that record a migration after its DDL's transaction, a refusal
 * at commit would come after the DDL committed.  While the database is at
 * or beyond the expected head, any schema change can only belong to a
 * migration past the head or to a downgrade: refuse it before it runs.
 */
static void
check_head_before_ddl(MGStatement *st)
{
	MGHeadReading *r;
	MGHeadJudgement j;
	const char *tag = CreateCommandName(st->parsetree);

	if (mg_allow_downgrade || xs.written ||
		mg_check_head_before_ddl == MG_BEFORE_DDL_OFF)
		return;
	/* updating an extension (this one included) is the DBA's, not a migration */
	if (creating_extension || IsA(st->parsetree, AlterExtensionStmt))
		return;
	ensure_candidates();
	if (candidate_count == 0 ||
		(mg_check_head_before_ddl == MG_BEFORE_DDL_AUTO &&
		 !mg_heads_check_before_ddl_applies(candidate_tool)))
		return;
	r = read_head();
	if (r->tool == NULL || !mg_heads_check_before_ddl_applies(r->tool))
		return;
	j = mg_heads_judge(r, expected_heads(), known_heads(), true);
	if (j.state != MG_HEAD_AT_HEAD && j.state != MG_HEAD_AHEAD)
		return;
	if (mg_tool_records_in_ddl_transaction(r->tool))
		ereport(ERROR,
				(errcode(ERRCODE_MG_SCHEMA_FROZEN),
				 errmsg("schema change refused before it ran: the database is %s the expected migration head",
						j.state == MG_HEAD_AT_HEAD ? "at" : "beyond"),
				 errdetail("The database is at %s (%s, table %s); the expected head is %s. \"migration_guard.check_head_before_ddl\" is on, so %s runs only while the database is behind the expected head.",
						   heads_text(mg_heads_current(r)), r->tool->name, r->table,
						   heads_text(expected_heads()), tag),
				 errhint("Nothing of this statement was applied. Declare the next release's head first (migration_guard.set_expected_head), or, for a deliberate downgrade, set \"migration_guard.allow_downgrade\" = on for the migrating role.")));
	ereport(ERROR,
			(errcode(ERRCODE_MG_SCHEMA_FROZEN),
			 errmsg("schema change refused before it ran: the database is %s the expected migration head",
					j.state == MG_HEAD_AT_HEAD ? "at" : "beyond"),
			 errdetail("The database is at %s (%s, table %s); the expected head is %s. %s records a migration in a transaction after its DDL, so %s here can only belong to a migration past the expected head or to a downgrade, and a refusal at commit would come after the DDL committed.",
					   heads_text(mg_heads_current(r)), r->tool->name, r->table,
					   heads_text(expected_heads()), r->tool->name, tag),
			 errhint("Nothing of this statement was applied. Declare the next release's head first (migration_guard.set_expected_head), or, for a deliberate downgrade, set \"migration_guard.allow_downgrade\" = on for the migrating role (docs/poolers.md).")));
}

/* Refuses the DDL if the database sits at the expected head. */
static void
check_freeze(const char *tag, bool at_commit)
{
	MGHeadReading *r;
	MGHeadJudgement j;

	r = at_commit ? read_head_at_commit() : read_head();

	/*
	 * Fails closed: a head that cannot be read (two candidate tables, a
	 * view, an empty version) may be the expected one.
	 */
	if (r->problem)
		ereport(ERROR,
				(errcode(ERRCODE_MG_HEAD_CONFIG),
				 errmsg("cannot tell whether the schema is frozen at the expected migration head"),
				 errdetail("\"migration_guard.freeze_at_head\" is on and %s would change the schema, but the migration head cannot be read: %s",
						   tag, r->problem),
				 errhint("Set \"migration_guard.migration_table\" (and \"migration_guard.migration_tool\") to the release's migration table, or have a superuser SET migration_guard.freeze_at_head = off for a deliberate change.")));
	j = mg_heads_judge(r, expected_heads(), known_heads(), false);
	if (j.state != MG_HEAD_AT_HEAD)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_MG_SCHEMA_FROZEN),
			 errmsg("schema is frozen at the expected migration head"),
			 errdetail("The database is at the expected head %s (%s, table %s) and \"migration_guard.freeze_at_head\" is on; %s outside a migration would change the schema%s.",
					   heads_text(mg_heads_current(r)), r->tool->name, r->table, tag,
					   at_commit ? ", and this transaction did not change the migration table" : ""),
			 errhint("Ship the change as a migration of the next release (set the new expected head, then migrate), or have a superuser SET migration_guard.freeze_at_head = off for a deliberate hotfix.")));
}

static void
note_ddl(MGStatement *st)
{
	if (!expected_head_set() || !statement_changes_schema(st->parsetree))
		return;
	check_head_before_ddl(st);
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
		check_freeze(CreateCommandName(st->parsetree), false);
		return;
	}
	if (!xs.ddl)
	{
		xs.ddl = true;
		xs.ddl_subid = GetCurrentSubTransactionId();
		xs.ddl_tag = CreateCommandName(st->parsetree);
	}
}

void
mg_heads_check_statement(MGStatement *st)
{
	if (IsBinaryUpgrade || in_guard_query)
		return;
	mg_heads_guard_statement(st->parsetree);
	note_utility_writes(st->parsetree);
	note_ddl(st);
}

/* ---------- for heads_guard.c ---------- */

/* Is head enforcement or the history on, and is this no guard query? */
bool
mg_heads_guard_active(void)
{
	if (IsBinaryUpgrade || in_guard_query || mg_check_simulating)
		return false;
	return expected_head_set() || extension_installed();
}

/*
 * The candidate tables and their descendants.  refresh: rebuild the cache
 * if it is stale; the object access hook passes false, so that a statement
 * that renames the table is judged against the set it started with.
 */
const Oid *
mg_heads_guarded_relids(int *n, bool refresh)
{
	if (refresh || candidate_relids == NULL)
		ensure_candidates();
	*n = candidate_count;
	return candidate_relids;
}

/* Reads the head now, before a statement that may change the table. */
void
mg_heads_take_before_reading(void)
{
	MemoryContext old;

	if (xs.before_read)
		return;
	old = MemoryContextSwitchTo(TopTransactionContext);
	xs.before = read_head_before_utility_write();
	xs.before_read = true;
	MemoryContextSwitchTo(old);
}

bool
mg_heads_before_reading_taken(void)
{
	return xs.before_read;
}

void
mg_heads_note_table_change(void)
{
	xs.table_ddl = true;
}

/* Is the freeze on, and has this transaction run no frozen DDL yet? */
bool
mg_heads_freeze_undecided(void)
{
	return mg_freeze_at_head && !xs.ddl && !xs.written && expected_head_set();
}

void
mg_heads_note_schema_change(const char *tag)
{
	if (xs.ddl)
		return;
	xs.ddl = true;
	xs.ddl_subid = GetCurrentSubTransactionId();
	xs.ddl_tag = tag;
}

/* ---------- the commit check ---------- */

static Datum
heads_array(List *heads)
{
	Datum	   *elems;
	int			n = 0;
	ListCell   *lc;

	if (heads == NIL)
		return PointerGetDatum(construct_empty_array(TEXTOID));
	elems = palloc(sizeof(Datum) * list_length(heads));
	foreach(lc, heads)
		elems[n++] = CStringGetTextDatum((char *) lfirst(lc));
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * Records the change in migration_guard.head_history, in this
 * transaction, as the table's owner (the migrating role need not be able
 * to write the history; heads_read.c).  Skipped where the extension is
 * not installed.
 */
static void
record_history(const MGHeadReading *before, const MGHeadReading *after,
			   MGHeadState state)
{
	MGOwnQuery	own;
	const char *role = GetUserNameFromId(GetUserId(), true);
	const char *session_role = GetUserNameFromId(GetSessionUserId(), true);
	const char *appname = GetConfigOption("application_name", true, false);
	Oid			argtypes[8] = {TEXTOID, TEXTOID, TEXTARRAYOID, TEXTARRAYOID,
	TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	Datum		values[8];
	char		nulls[8] = "        ";
	Oid			relid;
	Oid			owner;
	int			rc;
	const MGTool *tool;
	const char *table;

	relid = mg_heads_history_table(&owner);
	if (!OidIsValid(relid))
		return;

	/* a dropped table is named by the reading before the drop */
	tool = after->tool ? after->tool : before ? before->tool : NULL;
	table = after->table ? after->table : before ? before->table : NULL;
	values[0] = tool ? CStringGetTextDatum(tool->name) : (Datum) 0;
	nulls[0] = tool ? ' ' : 'n';
	values[1] = table ? CStringGetTextDatum(table) : (Datum) 0;
	nulls[1] = table ? ' ' : 'n';
	values[2] = heads_array(before ? mg_heads_current(before) : NIL);
	values[3] = heads_array(mg_heads_current(after));
	values[4] = CStringGetTextDatum(mg_head_state_name(state));
	values[5] = CStringGetTextDatum(role ? role : "");
	values[6] = CStringGetTextDatum(session_role ? session_role : "");
	values[7] = appname ? CStringGetTextDatum(appname) : (Datum) 0;
	nulls[7] = appname ? ' ' : 'n';

	in_guard_query = true;
	mg_heads_enter_as(&own, owner);
	PushActiveSnapshot(GetTransactionSnapshot());
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = SPI_execute_with_args(psprintf("INSERT INTO %s"
										" (tool, migration_table, from_heads, to_heads, state,"
										" role_name, session_role, application_name, txid)"
										" VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
										" pg_catalog.pg_current_xact_id())",
										mg_rel_name(relid)),
							   8, argtypes, values, nulls, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "recording the head change failed: %s", SPI_result_code_string(rc));
	SPI_finish();
	PopActiveSnapshot();
	mg_heads_leave_own_query(&own);
	in_guard_query = false;
}

static void
check_migration_commit(void)
{
	MGHeadReading *before;
	MGHeadReading *after;
	List	   *expected;
	List	   *known;
	MGHeadJudgement ja;
	MGHeadJudgement jb;

	if (!expected_head_set() && !extension_installed())
		return;
	after = read_head_at_commit();
	before = xs.before_read ? xs.before : read_head_before_own_writes();
	expected = expected_heads();
	known = known_heads();

	/*
	 * A write to a candidate table that cannot be judged (two candidates,
	 * wrong shape) is refused even if nothing seems to move: it cannot be
	 * told whether it moved the release's head.
	 */
	if (expected != NIL && after->problem)
		ereport(ERROR,
				(errcode(ERRCODE_MG_HEAD_CONFIG),
				 errmsg("cannot check the migration head at commit"),
				 errdetail("%s", after->problem),
				 errhint("Set \"migration_guard.migration_table\" (and \"migration_guard.migration_tool\") to the release's migration table; nothing of this transaction was applied.")));

	if (strcmp(reading_signature(before), reading_signature(after)) == 0)
		return;					/* the head did not move */

	ja = mg_heads_judge(after, expected, known, true);
	if (expected != NIL)
	{
		const MGTool *t = after->tool ? after->tool : before->tool;
		const char *tool = t ? t->name : "unknown tool";
		const char *table = after->table ? after->table
			: before->table ? before->table : "the migration table";
		if (ja.state == MG_HEAD_AHEAD || ja.state == MG_HEAD_UNKNOWN)
		{
			char	   *note = mg_heads_format_note(after, expected);

			ereport(ERROR,
					(errcode(ERRCODE_MG_HEAD_MOVE_REFUSED),
					 errmsg(ja.state == MG_HEAD_AHEAD
							? "migration would move the head beyond the expected head"
							: "migration would move the head to a revision this release does not know"),
					 errdetail("The transaction moves %s (%s) from %s to %s; %s is %s. %s%s%s",
							   table, tool,
							   position_text(before),
							   position_text(after),
							   mg_heads_expected_origin(),
							   heads_text(expected), ja.detail ? ja.detail : "",
							   note ? " " : "", note ? note : ""),
					 mg_tool_records_in_ddl_transaction(t)
					 ? errhint("Declare the head of the release being deployed before migrating (migration_guard.set_expected_head)%s; nothing of this migration was applied.",
							   ja.state == MG_HEAD_UNKNOWN ? ", and list its revisions in \"migration_guard.known_heads\"" : "")
					 : errhint("Declare the head of the release being deployed before migrating (migration_guard.set_expected_head)%s. This transaction's writes were rolled back, but %s runs a migration's DDL in an earlier transaction: DDL of this migration that ran before may have been committed (\"migration_guard.check_head_before_ddl\" refuses it before it runs unless it is off).",
							   ja.state == MG_HEAD_UNKNOWN ? ", and list its revisions in \"migration_guard.known_heads\"" : "",
							   tool)));
		}
		if ((ja.state == MG_HEAD_BEHIND || ja.state == MG_HEAD_NO_TABLE) &&
			!mg_allow_downgrade)
		{
			jb = mg_heads_judge(before, expected, known, true);
			if (jb.state == MG_HEAD_AT_HEAD)
				ereport(ERROR,
						(errcode(ERRCODE_MG_HEAD_DOWNGRADE),
						 errmsg("migration would move the head back from the expected head"),
						 errdetail("The database was at the expected head %s; the transaction moves %s (%s) to %s.",
								   heads_text(mg_heads_current(before)), table, tool,
								   position_text(after)),
						 mg_tool_records_in_ddl_transaction(t)
						 ? errhint("Nothing of this transaction was applied. Migrations are forward-only at the expected head. To roll back deliberately, set \"migration_guard.allow_downgrade\" = on for the downgrade (docs/poolers.md).")
						 : errhint("This transaction's writes were rolled back, but %s runs a migration's DDL in another transaction, which may have been committed. Migrations are forward-only at the expected head. To roll back deliberately, set \"migration_guard.allow_downgrade\" = on for the downgrade (docs/poolers.md).", tool)));
		}
	}
	record_history(before, after,
				   mg_heads_judge(after, expected, known, false).state);
}

/*
 * A transaction that wrote the version table's rows is a migration: the
 * head it leaves is judged.  DDL on the table (heads_guard.c) is judged
 * the same way, but makes no migration: the freeze still applies to it.
 */
static void
heads_pre_commit(void)
{
	if (xs.written || xs.table_ddl)
		check_migration_commit();
	if (xs.written || !mg_freeze_at_head || !expected_head_set())
		return;
	if (!xs.ddl && mg_heads_guard_created_objects())
		mg_heads_note_schema_change("a statement");
	if (xs.ddl)
		check_freeze(xs.ddl_tag, true);
}

static void
reset_xact_state(void)
{
	memset(&xs, 0, sizeof(xs));
	mg_heads_guard_reset();
	in_guard_query = false;
}

static void
heads_xact_callback(XactEvent event, void *arg)
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

/*
 * DDL of a rolled-back subtransaction did not happen; DDL of a committed
 * one now belongs to its parent.
 */
static void
heads_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	if (!xs.ddl || xs.ddl_subid != mySubid)
		return;
	if (event == SUBXACT_EVENT_ABORT_SUB)
		xs.ddl = false;
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
		xs.ddl_subid = parentSubid;
}

void
mg_heads_init(void)
{
	prev_check_perms_hook = ExecutorCheckPerms_hook;
	ExecutorCheckPerms_hook = heads_check_perms;
	RegisterXactCallback(heads_xact_callback, NULL);
	RegisterSubXactCallback(heads_subxact_callback, NULL);
	mg_heads_guard_init();
	CacheRegisterSyscacheCallback(RELNAMENSP, invalidate_candidates, (Datum) 0);
	CacheRegisterSyscacheCallback(NAMESPACEOID, invalidate_candidates, (Datum) 0);
	mg_heads_expected_init();
	CacheRegisterRelcacheCallback(invalidate_candidates_rel, (Datum) 0);
}

/* ---------- SQL functions ---------- */

PG_FUNCTION_INFO_V1(mg_head);

/*
 * migration_guard.head(): tool, table, current head(s), expected head(s),
 * state and a sentence explaining it.
 */
Datum
mg_head(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[6];
	bool		nulls[6] = {0};
	MGHeadReading *r;
	MGHeadJudgement j;
	List	   *expected = expected_heads();

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");

	r = read_head();
	j = mg_heads_judge(r, expected, known_heads(), false);
	if (j.state == MG_HEAD_AHEAD || j.state == MG_HEAD_BEHIND)
	{
		char	   *note = mg_heads_format_note(r, expected);

		if (note)
			j.detail = j.detail ? psprintf("%s %s", j.detail, note) : note;
	}

	values[0] = r->tool ? CStringGetTextDatum(r->tool->name) : (Datum) 0;
	nulls[0] = r->tool == NULL;
	values[1] = r->table ? CStringGetTextDatum(r->table) : (Datum) 0;
	nulls[1] = r->table == NULL;
	values[2] = heads_array(mg_heads_current(r));
	values[3] = heads_array(expected);
	values[4] = CStringGetTextDatum(mg_head_state_name(j.state));
	values[5] = j.detail ? CStringGetTextDatum(j.detail) : (Datum) 0;
	nulls[5] = j.detail == NULL;

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

PG_FUNCTION_INFO_V1(mg_assert_head);

/*
 * migration_guard.assert_head(): fails unless the database is at the
 * expected head.  Applications call it at start-up or in their readiness
 * probe, so that a release never runs against the wrong schema.
 */
Datum
mg_assert_head(PG_FUNCTION_ARGS)
{
	MGHeadReading *r = read_head();
	List	   *expected = expected_heads();
	MGHeadJudgement j = mg_heads_judge(r, expected, known_heads(), false);
	const char *where;
	int			code = 0;
	const char *msg = NULL;
	const char *hint = NULL;

	if (j.state == MG_HEAD_AT_HEAD)
		PG_RETURN_VOID();
	if (j.state == MG_HEAD_AHEAD || j.state == MG_HEAD_BEHIND)
	{
		char	   *note = mg_heads_format_note(r, expected);

		if (note)
			j.detail = j.detail ? psprintf("%s %s", j.detail, note) : note;
	}

	where = r->tool && r->table
		? psprintf("The database is at %s (%s, table %s); the release expects %s.",
				   heads_text(mg_heads_current(r)), r->tool->name, r->table,
				   expected ? heads_text(expected) : "no particular head")
		: "";

	switch (j.state)
	{
		case MG_HEAD_BEHIND:
			code = ERRCODE_MG_HEAD_BEHIND;
			msg = "database is behind the expected migration head";
			hint = "Run the release's migrations before starting it.";
			break;
		case MG_HEAD_AHEAD:
			code = ERRCODE_MG_HEAD_AHEAD;
			msg = "database is beyond the expected migration head";
			hint = "The schema belongs to a newer release: deploy that release, or set \"migration_guard.expected_head\" to the head this database is at.";
			break;
		case MG_HEAD_UNKNOWN:
			code = r->problem ? ERRCODE_MG_HEAD_CONFIG : ERRCODE_MG_HEAD_UNKNOWN;
			msg = r->problem ? "cannot tell which migration head the database is at"
				: "database is at a migration head this release does not know";
			hint = r->problem ? "Set \"migration_guard.migration_table\" (and \"migration_guard.migration_tool\") to the release's migration table."
				: "Check that the release and the database belong together; list the release's revisions in \"migration_guard.known_heads\".";
			break;
		case MG_HEAD_FAILED:
			code = ERRCODE_MG_HEAD_FAILED;
			msg = "the last migration failed";
			hint = "Repair the failed migration with the migration tool (for example flyway repair, migrate force, prisma migrate resolve), then migrate again.";
			break;
		case MG_HEAD_NO_TABLE:
			code = ERRCODE_MG_HEAD_NO_TABLE;
			msg = "no migration table found";
			hint = "Run the release's migrations, or set \"migration_guard.migration_table\" to the table the migration tool uses.";
			break;
		case MG_HEAD_UNSET:
			code = ERRCODE_MG_HEAD_UNSET;
			msg = "no expected migration head is set";
			hint = "Declare the release's head with SELECT migration_guard.set_expected_head('<head>').";
			break;
		case MG_HEAD_AT_HEAD:
			break;
	}
	ereport(ERROR,
			(errcode(code),
			 errmsg("%s", msg),
			 (where[0] || j.detail) ?
			 errdetail("%s%s%s", where, where[0] && j.detail ? " " : "", j.detail ? j.detail : "") : 0,
			 errhint("%s", hint)));
	PG_RETURN_VOID();
}
