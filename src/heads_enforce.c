/*-------------------------------------------------------------------------
 *
 * heads_enforce.c
 *	  The refusals of head enforcement, each judged from a reading of the
 *	  head (heads_xact.c) against the expected head (heads_judge.c):
 *
 *	  - at commit, a transaction that moved the head beyond the expected
 *		head, to a revision the release does not know, or back from the
 *		expected head fails, so the migration's DDL and its version row
 *		roll back together; a move that passes is recorded in head_history;
 *	  - for tools that record a migration after its DDL's transaction, DDL
 *		while the database is at or beyond the expected head is refused
 *		before it runs (check_head_before_ddl);
 *	  - while freeze_at_head is on, DDL outside a migration is refused
 *		while the database is at the expected head.
 *
 *	  Judging layer: the hooks (heads.c) decide when; this file decides
 *	  whether, and says why.
 *
 * IDENTIFICATION
 *	  src/heads_enforce.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "commands/extension.h"
#include "lib/stringinfo.h"
#include "tcop/utility.h"

#include "heads_candidates.h"
#include "heads_enforce.h"
#include "heads_expected.h"
#include "heads_history.h"
#include "heads_judge.h"
#include "heads_query.h"
#include "heads_settings.h"
#include "heads_state.h"
#include "heads_types.h"
#include "heads_versions.h"
#include "heads_xact.h"
#include "statement.h"

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
		return mg_heads_text(mg_heads_current(r));
	return psprintf(MGH_("%s (with %s failed or unfinished)"),
					mg_heads_text(mg_heads_current(r)), mg_heads_text(failed));
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

/* ---------- the commit check ---------- */

/*
 * The detail of a refused move: where the transaction moves the head,
 * what is expected, why the new head is refused and, if the expected head
 * is written another way than the tool writes versions, that too.
 */
static char *
move_detail(const MGHeadReading *before, const MGHeadReading *after,
			List *expected, const char *table, const char *tool,
			const char *why)
{
	StringInfoData buf;
	char	   *note = mg_heads_format_note(after, expected);

	initStringInfo(&buf);
	if (mg_heads_expected_declared())
		appendStringInfo(&buf, MGH_("The transaction moves %s (%s) from %s to %s; the head declared by set_expected_head() is %s."),
						 table, tool, position_text(before), position_text(after),
						 mg_heads_text(expected));
	else
		appendStringInfo(&buf, MGH_("The transaction moves %s (%s) from %s to %s; \"migration_guard.expected_head\" is %s."),
						 table, tool, position_text(before), position_text(after),
						 mg_heads_text(expected));
	if (why)
		appendStringInfo(&buf, " %s", why);
	if (note)
		appendStringInfo(&buf, " %s", note);
	return buf.data;
}

/*
 * The hint of a refused move.  Whether the migration's DDL rolls back
 * with it depends on the tool (heads_txmode.c).
 */
static int
move_hint(bool unknown, bool in_ddl_transaction, const char *tool)
{
	if (in_ddl_transaction && !unknown)
		return errhint("Declare the head of the release being deployed before migrating (migration_guard.set_expected_head); nothing of this migration was applied.");
	if (in_ddl_transaction)
		return errhint("Declare the head of the release being deployed before migrating (migration_guard.set_expected_head), and list its revisions in \"migration_guard.known_heads\"; nothing of this migration was applied.");
	if (!unknown)
		return errhint("Declare the head of the release being deployed before migrating (migration_guard.set_expected_head). This transaction's writes were rolled back, but %s runs a migration's DDL in an earlier transaction: DDL of this migration that ran before may have been committed (\"migration_guard.check_head_before_ddl\" refuses it before it runs unless it is off).",
					   tool);
	return errhint("Declare the head of the release being deployed before migrating (migration_guard.set_expected_head), and list its revisions in \"migration_guard.known_heads\". This transaction's writes were rolled back, but %s runs a migration's DDL in an earlier transaction: DDL of this migration that ran before may have been committed (\"migration_guard.check_head_before_ddl\" refuses it before it runs unless it is off).",
				   tool);
}

/*
 * Judges, at pre-commit, the head this transaction leaves against the
 * head it found, and records a move in head_history.
 */
void
mg_heads_check_commit(void)
{
	MGHeadReading *before;
	MGHeadReading *after;
	List	   *expected;
	List	   *known;
	MGHeadJudgement ja;
	MGHeadJudgement jb;
	const MGTool *t;
	const char *tool;
	const char *table;
	bool		in_ddl_transaction;

	if (!mg_heads_watching())
		return;
	after = mg_heads_read_at_commit();
	before = mg_heads_before_reading();
	if (before == NULL)
		before = mg_heads_read_before_own_writes();
	expected = mg_heads_expected_list();
	known = mg_heads_known_list();

	/*
	 * A write to a candidate table that cannot be judged (two candidates,
	 * wrong shape) is refused even if nothing seems to move: it cannot be
	 * told whether it moved the release's head.
	 */
	if (expected != NIL && after->problem)
		ereport(ERROR,
				(errcode(ERRCODE_MG_HEAD_CONFIG),
				 errmsg("cannot check the migration head at commit"),
				 errdetail_internal("%s", after->problem),
				 errhint("Set \"migration_guard.migration_table\" (and \"migration_guard.migration_tool\") to the release's migration table; nothing of this transaction was applied.")));

	if (strcmp(reading_signature(before), reading_signature(after)) == 0)
		return;					/* the head did not move */

	ja = mg_heads_judge(after, expected, known, true);
	if (expected == NIL)
	{
		mg_heads_record_history(before, after,
								mg_heads_judge(after, expected, known, false).state);
		return;
	}

	t = after->tool ? after->tool : before->tool;
	tool = t ? t->name : MGH_("unknown tool");
	table = after->table ? after->table
		: before->table ? before->table : MGH_("the migration table");
	in_ddl_transaction = mg_tool_records_in_ddl_transaction(t);

	if (ja.state == MG_HEAD_AHEAD || ja.state == MG_HEAD_UNKNOWN)
		ereport(ERROR,
				(errcode(ERRCODE_MG_HEAD_MOVE_REFUSED),
				 ja.state == MG_HEAD_AHEAD
				 ? errmsg("migration would move the head beyond the expected head")
				 : errmsg("migration would move the head to a revision this release does not know"),
				 errdetail_internal("%s", move_detail(before, after, expected,
													  table, tool, ja.detail)),
				 move_hint(ja.state == MG_HEAD_UNKNOWN, in_ddl_transaction, tool)));

	if ((ja.state == MG_HEAD_BEHIND || ja.state == MG_HEAD_NO_TABLE) &&
		!mg_allow_downgrade)
	{
		jb = mg_heads_judge(before, expected, known, true);
		if (jb.state == MG_HEAD_AT_HEAD)
			ereport(ERROR,
					(errcode(ERRCODE_MG_HEAD_DOWNGRADE),
					 errmsg("migration would move the head back from the expected head"),
					 errdetail("The database was at the expected head %s; the transaction moves %s (%s) to %s.",
							   mg_heads_text(mg_heads_current(before)), table, tool,
							   position_text(after)),
					 in_ddl_transaction
					 ? errhint("Nothing of this transaction was applied. Migrations are forward-only at the expected head. To roll back deliberately, set \"migration_guard.allow_downgrade\" = on for the downgrade (docs/poolers.md).")
					 : errhint("This transaction's writes were rolled back, but %s runs a migration's DDL in another transaction, which may have been committed. Migrations are forward-only at the expected head. To roll back deliberately, set \"migration_guard.allow_downgrade\" = on for the downgrade (docs/poolers.md).", tool)));
	}
	mg_heads_record_history(before, after,
							mg_heads_judge(after, expected, known, false).state);
}

/* ---------- DDL before it runs ---------- */

/*
 * For tools that record a migration after its DDL's transaction, a refusal
 * at commit would come after the DDL committed.  While the database is at
 * or beyond the expected head, any schema change can only belong to a
 * migration past the head or to a downgrade: refuse it before it runs.
 */
void
mg_heads_check_before_ddl(MGStatement *st)
{
	MGHeadReading *r;
	MGHeadJudgement j;
	List	   *expected;
	const MGTool *single_tool;
	const char *tag = CreateCommandName(st->parsetree);
	bool		at;

	if (mg_allow_downgrade || mg_heads_migration_table_written() ||
		mg_check_head_before_ddl == MG_BEFORE_DDL_OFF)
		return;
	/* updating an extension (this one included) is the DBA's, not a migration */
	if (creating_extension || IsA(st->parsetree, AlterExtensionStmt))
		return;
	if (mg_heads_candidate_count(&single_tool) == 0 ||
		(mg_check_head_before_ddl == MG_BEFORE_DDL_AUTO &&
		 !mg_heads_check_before_ddl_applies(single_tool)))
		return;
	r = mg_heads_read_now();
	if (r->tool == NULL || !mg_heads_check_before_ddl_applies(r->tool))
		return;
	expected = mg_heads_expected_list();
	j = mg_heads_judge(r, expected, mg_heads_known_list(), true);
	if (j.state != MG_HEAD_AT_HEAD && j.state != MG_HEAD_AHEAD)
		return;
	at = j.state == MG_HEAD_AT_HEAD;
	if (mg_tool_records_in_ddl_transaction(r->tool))
		ereport(ERROR,
				(errcode(ERRCODE_MG_SCHEMA_FROZEN),
				 at
				 ? errmsg("schema change refused before it ran: the database is at the expected migration head")
				 : errmsg("schema change refused before it ran: the database is beyond the expected migration head"),
				 errdetail("The database is at %s (%s, table %s); the expected head is %s. \"migration_guard.check_head_before_ddl\" is on, so %s runs only while the database is behind the expected head.",
						   mg_heads_text(mg_heads_current(r)), r->tool->name, r->table,
						   mg_heads_text(expected), tag),
				 errhint("Nothing of this statement was applied. Declare the next release's head first (migration_guard.set_expected_head), or, for a deliberate downgrade, set \"migration_guard.allow_downgrade\" = on for the migrating role.")));
	ereport(ERROR,
			(errcode(ERRCODE_MG_SCHEMA_FROZEN),
			 at
			 ? errmsg("schema change refused before it ran: the database is at the expected migration head")
			 : errmsg("schema change refused before it ran: the database is beyond the expected migration head"),
			 errdetail("The database is at %s (%s, table %s); the expected head is %s. %s records a migration in a transaction after its DDL, so %s here can only belong to a migration past the expected head or to a downgrade, and a refusal at commit would come after the DDL committed.",
					   mg_heads_text(mg_heads_current(r)), r->tool->name, r->table,
					   mg_heads_text(expected), r->tool->name, tag),
			 errhint("Nothing of this statement was applied. Declare the next release's head first (migration_guard.set_expected_head), or, for a deliberate downgrade, set \"migration_guard.allow_downgrade\" = on for the migrating role (docs/poolers.md).")));
}

/* ---------- the schema freeze ---------- */

/*
 * Refuses the DDL if the database sits at the expected head.  at_commit:
 * judged at pre-commit, for DDL of a transaction that wrote no version.
 */
void
mg_heads_check_freeze(const char *tag, bool at_commit)
{
	MGHeadReading *r;
	MGHeadJudgement j;

	r = at_commit ? mg_heads_read_at_commit() : mg_heads_read_now();

	/*
	 * Fails closed: a head that cannot be read (two candidate tables, a view,
	 * an empty version) may be the expected one.
	 */
	if (r->problem)
		ereport(ERROR,
				(errcode(ERRCODE_MG_HEAD_CONFIG),
				 errmsg("cannot tell whether the schema is frozen at the expected migration head"),
				 errdetail("\"migration_guard.freeze_at_head\" is on and %s would change the schema, but the migration head cannot be read: %s",
						   tag, r->problem),
				 errhint("Set \"migration_guard.migration_table\" (and \"migration_guard.migration_tool\") to the release's migration table, or have a superuser SET migration_guard.freeze_at_head = off for a deliberate change.")));
	j = mg_heads_judge(r, mg_heads_expected_list(), mg_heads_known_list(), false);
	if (j.state != MG_HEAD_AT_HEAD)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_MG_SCHEMA_FROZEN),
			 errmsg("schema is frozen at the expected migration head"),
			 at_commit
			 ? errdetail("The database is at the expected head %s (%s, table %s) and \"migration_guard.freeze_at_head\" is on; %s outside a migration would change the schema, and this transaction did not change the migration table.",
						 mg_heads_text(mg_heads_current(r)), r->tool->name, r->table, tag)
			 : errdetail("The database is at the expected head %s (%s, table %s) and \"migration_guard.freeze_at_head\" is on; %s outside a migration would change the schema.",
						 mg_heads_text(mg_heads_current(r)), r->tool->name, r->table, tag),
			 errhint("Ship the change as a migration of the next release (set the new expected head, then migrate), or have a superuser SET migration_guard.freeze_at_head = off for a deliberate hotfix.")));
}
