/*-------------------------------------------------------------------------
 *
 * rules_rename.c
 *	  Rules about renames that break code running now: rename_column
 *	  (ALTER TABLE ... RENAME COLUMN) and rename_table (a relation renamed
 *	  or moved to another schema, a schema renamed).
 *
 *	  A deploy runs the old release against the new schema for a while
 *	  (rolling restarts, long-lived workers, a rollback).  The safe way to
 *	  change a name or remove something is expand -> migrate -> contract:
 *	  add the new thing beside the old, move the code over, and remove the
 *	  old thing only when no running code uses it.  These rules catch the
 *	  steps that skip ahead, whatever the table's size; only objects created
 *	  in this transaction (or temporary ones) are exempt, since no running
 *	  code can know them.
 *
 * IDENTIFICATION
 *	  src/rules_rename.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "nodes/makefuncs.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "applies.h"
#include "commit_checks.h"
#include "deprecation.h"
#include "finding.h"
#include "objfacts.h"
#include "relfacts.h"
#include "rellist.h"
#include "report.h"
#include "rules_rename.h"
#include "statement.h"

/* How many relations a message names before "and N more". */
#define MAX_LISTED		5

/* ---------- rename_column, rename_table ---------- */

static void
report_rename_column(Oid relid, const char *oldname, const char *newname)
{
	char		relkind = get_rel_relkind(relid);
	char	   *relname = get_rel_name(relid);
	MGFinding	f = {0};
	HeapTuple	tup;
	Form_pg_attribute att;
	bool		renamed_elsewhere;
	Oid			atttype;
	int32		atttypmod;
	AttrNumber	attnum;

	if (relname == NULL || strcmp(oldname, newname) == 0 ||
		get_attnum(relid, newname) != InvalidAttrNumber)
		return;					/* PostgreSQL reports the error */
	tup = SearchSysCacheAttName(relid, oldname);
	if (!HeapTupleIsValid(tup))
		return;					/* missing or dropped: PostgreSQL says so */
	att = (Form_pg_attribute) GETSTRUCT(tup);

	/*
	 * PostgreSQL refuses to rename a system column, and an inherited column
	 * is renamed through its parent, never directly.
	 */
	renamed_elsewhere = att->attnum <= 0 || att->attinhcount > 0;
	atttype = att->atttypid;
	atttypmod = att->atttypmod;
	attnum = att->attnum;
	ReleaseSysCache(tup);
	if (renamed_elsewhere)
		return;

	f.rule = MG_RULE_RENAME_COLUMN;
	f.relid = relid;
	f.column = oldname;
	f.lockmode = AccessExclusiveLock;
	mg_finding_message(&f, "renaming column \"%s\" of %s \"%s\" breaks queries of the running release",
					   oldname, mg_relkind_noun(relkind), relname);
	mg_finding_detail(&f, "The release running now still names \"%s\"; once this commits its queries fail with \"column does not exist\" until every instance runs the new code.  Views, indexes and constraints follow the rename; application queries and function bodies written as text do not.",
					  oldname);
	if (relkind == RELKIND_MATVIEW)
		mg_finding_hint(&f, "Expand, migrate, contract: a materialized view cannot be replaced in place, so create a new one with the column named \"%s\" beside %s, deploy code that reads it, then drop the old one.",
						newname, mg_rel_name(relid));
	else if (relkind == RELKIND_VIEW)
		mg_finding_hint(&f, "Expand, migrate, contract: CREATE OR REPLACE VIEW %s with the column under both names (the new one appended as \"%s\"), deploy code that uses \"%s\", then drop the old name.",
						mg_rel_name(relid), newname, newname);
	else
	{
		const char *qold = quote_identifier(oldname);
		const char *qnew = quote_identifier(newname);

		mg_finding_hint(&f, "Expand, migrate, contract: ALTER TABLE %s ADD COLUMN %s %s; keep it in step with %s by a trigger on INSERT and UPDATE; backfill existing rows in batches with CALL migration_guard.backfill(%s, %s, %s, %s); deploy code that uses %s; then drop %s.",
						mg_rel_name(relid), qnew,
						format_type_with_typemod(atttype, atttypmod),
						qold, quote_literal_cstr(psprintf("rename_%s", newname)),
						quote_literal_cstr(mg_rel_name(relid)),
						quote_literal_cstr(psprintf("%s = %s", qnew, qold)),
						quote_literal_cstr(psprintf("%s IS DISTINCT FROM %s", qnew, qold)),
						qnew, qold);
	}
	/* a deprecated column unused for the quiet period may go */
	if (mg_deprecation_judge(&f, relid, attnum))
		return;
	mg_report(&f);
}

static void
report_rename_relation(Oid relid, const char *newname)
{
	char		relkind = get_rel_relkind(relid);
	const char *noun = mg_relkind_noun(relkind);
	char	   *oldname = get_rel_name(relid);
	char	   *nspname = get_namespace_name(get_rel_namespace(relid));
	MGFinding	f = {0};

	if (oldname == NULL || strcmp(oldname, newname) == 0 ||
		OidIsValid(get_relname_relid(newname, get_rel_namespace(relid))))
		return;					/* PostgreSQL reports the error */
	/* queries read partitions through their parent; naming them is upkeep */
	if (get_rel_relispartition(relid))
		return;

	f.rule = MG_RULE_RENAME_TABLE;
	f.relid = relid;
	f.lockmode = AccessExclusiveLock;
	mg_finding_message(&f, "renaming %s \"%s\" to \"%s\" breaks queries of the running release",
					   noun, oldname, newname);
	mg_finding_detail(&f, "The release running now still names %s; once this commits its queries fail with \"relation does not exist\" until every instance runs the new code.  Views, foreign keys and indexes follow the rename; application queries and function bodies written as text do not.",
					  mg_rel_name(relid));
	if (relkind == RELKIND_RELATION || relkind == RELKIND_PARTITIONED_TABLE)
		mg_finding_hint(&f, "Keep the old name working through the deploy: in one transaction, ALTER TABLE %s RENAME TO %s and CREATE VIEW %s AS SELECT * FROM %s (a simple view accepts INSERT, UPDATE and DELETE); deploy code that uses the new name; then drop the view.",
						mg_rel_name(relid), quote_identifier(newname),
						mg_rel_name(relid), quote_qualified_identifier(nspname, newname));
	else
		mg_finding_hint(&f, "Keep the old name working through the deploy: create the %s under the new name beside the old one, deploy code that uses the new name, then drop the old one.",
						noun);
	/* a deprecated relation unused for the quiet period may go */
	if (mg_deprecation_judge(&f, relid, 0))
		return;
	/* a view under the old name, created before commit, makes it safe */
	if (mg_defer_rename_until_commit(&f, get_rel_namespace(relid), oldname))
		return;
	mg_report(&f);
}

/*
 * ALTER SCHEMA ... RENAME TO: breaks every query that names a table or
 * view of the schema.  Quiet when the schema holds none that existed
 * before this transaction.
 */
static void
report_rename_schema(const char *oldname, const char *newname)
{
	Oid			nspid = get_namespace_oid(oldname, true);
	List	   *relids;
	MGFinding	f = {0};

	if (!OidIsValid(nspid) || strcmp(oldname, newname) == 0 ||
		OidIsValid(get_namespace_oid(newname, true)))
		return;					/* PostgreSQL's error, or a no-op */
	relids = mg_schema_shared_relations(nspid, false);
	if (relids == NIL)
		return;

	f.rule = MG_RULE_RENAME_TABLE;
	mg_finding_message(&f, "renaming schema \"%s\" to \"%s\" breaks queries of the running release",
					   oldname, newname);
	mg_finding_detail_plural(&f, "Schema %s holds %d table or view: %s.  Queries that name them with the schema, and sessions whose search_path names the schema, fail once this commits.",
							 "Schema %s holds %d tables or views: %s.  Queries that name them with the schema, and sessions whose search_path names the schema, fail once this commits.",
							 list_length(relids),
							 quote_identifier(oldname), list_length(relids),
							 mg_rel_list_serial(relids, MAX_LISTED));
	mg_finding_hint(&f, "Keep the old name working through the deploy: create schema %s, move new code to it (or give it a view per table), deploy, and retire %s when nothing uses it; or put both schemas on the search_path during the switch.",
					quote_identifier(newname), quote_identifier(oldname));
	mg_report(&f);
}

void
mg_check_rename_stmt(MGStatement *st, RenameStmt *stmt)
{
	Oid			relid;

	switch (stmt->renameType)
	{
		case OBJECT_COLUMN:
			if (stmt->relationType != OBJECT_TABLE && stmt->relationType != OBJECT_VIEW &&
				stmt->relationType != OBJECT_MATVIEW &&
				stmt->relationType != OBJECT_FOREIGN_TABLE)
				return;
			if (!mg_rule_applies(MG_RULE_RENAME_COLUMN, InvalidOid))
				return;
			relid = RangeVarGetRelid(stmt->relation, NoLock, true);
			/* ALTER TABLE also renames the columns of an expression index */
			if (!OidIsValid(relid) || !mg_relkind_queried_by_name(get_rel_relkind(relid)) ||
				mg_rel_private_to_xact(relid))
				return;
			report_rename_column(relid, stmt->subname, stmt->newname);
			break;

		case OBJECT_TABLE:
		case OBJECT_VIEW:
		case OBJECT_MATVIEW:
		case OBJECT_FOREIGN_TABLE:
		case OBJECT_INDEX:		/* ALTER INDEX ... RENAME renames any relation */
		case OBJECT_SEQUENCE:
			if (!mg_rule_applies(MG_RULE_RENAME_TABLE, InvalidOid))
				return;
			relid = RangeVarGetRelid(stmt->relation, NoLock, true);

			/*
			 * ALTER TABLE may rename a view, an index or a sequence; only
			 * relations queries name are ours.
			 */
			if (!OidIsValid(relid) || !mg_relkind_queried_by_name(get_rel_relkind(relid)) ||
				mg_rel_private_to_xact(relid))
				return;
			report_rename_relation(relid, stmt->newname);
			break;

		case OBJECT_SCHEMA:
			if (!mg_rule_applies(MG_RULE_RENAME_TABLE, InvalidOid))
				return;
			report_rename_schema(stmt->subname, stmt->newname);
			break;

		default:
			break;
	}
}

/* ALTER TABLE / VIEW / MATERIALIZED VIEW / FOREIGN TABLE ... SET SCHEMA */
void
mg_check_alter_object_schema_stmt(MGStatement *st, AlterObjectSchemaStmt *stmt)
{
	Oid			relid;
	Oid			nspid;
	char		relkind;
	char	   *relname;
	MGFinding	f = {0};

	switch (stmt->objectType)
	{
		case OBJECT_TABLE:
		case OBJECT_VIEW:
		case OBJECT_MATVIEW:
		case OBJECT_FOREIGN_TABLE:
			break;
		default:
			return;
	}
	if (!mg_rule_applies(MG_RULE_RENAME_TABLE, InvalidOid) || stmt->relation == NULL)
		return;
	relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	if (!OidIsValid(relid) || mg_rel_private_to_xact(relid))
		return;
	relkind = get_rel_relkind(relid);
	relname = get_rel_name(relid);
	if (!mg_relkind_queried_by_name(relkind) || relname == NULL)
		return;
	nspid = get_namespace_oid(stmt->newschema, true);
	if (!OidIsValid(nspid) || nspid == get_rel_namespace(relid) ||
		OidIsValid(get_relname_relid(relname, nspid)))
		return;					/* a no-op, or PostgreSQL's error */
	if (get_rel_relispartition(relid))
		return;					/* read through its parent */

	f.rule = MG_RULE_RENAME_TABLE;
	f.relid = relid;
	f.lockmode = AccessExclusiveLock;
	mg_finding_message(&f, "moving %s \"%s\" to schema \"%s\" breaks queries of the running release",
					   mg_relkind_noun(relkind), relname, stmt->newschema);
	mg_finding_detail(&f, "The release running now finds it as %s; once this commits its queries fail with \"relation does not exist\" unless the new schema is on their search_path.",
					  mg_rel_name(relid));
	mg_finding_hint(&f, "Keep the old name working through the deploy: move it and, in the same transaction, CREATE VIEW %s AS SELECT * FROM %s; deploy code that uses the new schema; then drop the view.",
					mg_rel_name(relid),
					quote_qualified_identifier(stmt->newschema, relname));
	if (mg_defer_rename_until_commit(&f, get_rel_namespace(relid), relname))
		return;
	mg_report(&f);
}
