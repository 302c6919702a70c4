/*-------------------------------------------------------------------------
 *
 * rules_storage.c
 *	  Rules set_logged and set_tablespace: ALTER TABLE ... SET LOGGED |
 *	  UNLOGGED, ALTER TABLE | INDEX | MATERIALIZED VIEW ... SET TABLESPACE and
 *	  ALTER ... ALL IN TABLESPACE, which copy a relation's files under an
 *	  ACCESS EXCLUSIVE lock.
 *
 * IDENTIFICATION
 *	  src/rules_storage.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/catalog.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_tablespace.h"
#include "commands/tablespace.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"

#include "alterfacts.h"
#include "applies.h"
#include "finding.h"
#include "relfacts.h"
#include "report.h"
#include "rules_alter.h"
#include "rules_storage.h"
#include "statement.h"
#include "words.h"

/* ---------------------------------------------------------------------
 * set_logged, set_tablespace
 * ---------------------------------------------------------------------
 */

/*
 * Would ATPrepChangePersistence refuse the change?  SET LOGGED: a foreign
 * key of the table references an unlogged table.  SET UNLOGGED: a
 * permanent table references this one.  Self-references do not count.
 */
static bool
persistence_change_refused(Oid relid, bool logged)
{
	Relation	conRel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	bool		refused = false;

	conRel = table_open(ConstraintRelationId, AccessShareLock);
	ScanKeyInit(&key, logged ? Anum_pg_constraint_conrelid : Anum_pg_constraint_confrelid,
				BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
	scan = systable_beginscan(conRel, InvalidOid, false, NULL, 1, &key);
	while (!refused && HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_constraint con = (Form_pg_constraint) GETSTRUCT(tuple);
		Oid			other = logged ? con->confrelid : con->conrelid;

		if (con->contype != CONSTRAINT_FOREIGN || other == relid)
			continue;
		refused = logged ? mg_rel_persistence(other) == RELPERSISTENCE_UNLOGGED :
			mg_rel_persistence(other) == RELPERSISTENCE_PERMANENT;
	}
	systable_endscan(scan);
	table_close(conRel, AccessShareLock);
	return refused;
}

void
mg_check_set_logged(MGAlterContext *ctx, bool logged)
{
	char		persistence = mg_rel_persistence(ctx->relid);
	MGFinding	f = {0};

	/* Partitioned tables have no data; no change means no rewrite. */
	if (ctx->relkind != RELKIND_RELATION)
		return;
	if (persistence == (logged ? RELPERSISTENCE_PERMANENT : RELPERSISTENCE_UNLOGGED))
		return;
	if (!mg_rule_applies(MG_RULE_SET_LOGGED, ctx->relid))
		return;
	if (persistence_change_refused(ctx->relid, logged))
		return;					/* PostgreSQL reports the foreign key */

	mg_alter_finding_init(&f, ctx, MG_RULE_SET_LOGGED);
	f.rewrites = true;
	if (logged)
	{
		mg_finding_message(&f, "SET LOGGED would rewrite table \"%s\"",
						   get_rel_name(ctx->relid));
		mg_finding_detail(&f, "Changing persistence copies the table and its indexes into new files and writes all of it to the WAL while holding an %s lock, %s.",
						  mg_lockmode_name(ctx->lockmode), mg_lock_blocks(ctx->lockmode));
	}
	else
	{
		mg_finding_message(&f, "SET UNLOGGED would rewrite table \"%s\"",
						   get_rel_name(ctx->relid));
		mg_finding_detail(&f, "Changing persistence copies the table and its indexes into new files while holding an %s lock, %s.",
						  mg_lockmode_name(ctx->lockmode), mg_lock_blocks(ctx->lockmode));
	}
	mg_finding_add_detail_text(&f, mg_rel_describe(ctx->relid));
	mg_finding_hint(&f, "There is no online form.  Create a new table with the wanted persistence, copy the rows in batches while a trigger keeps it in sync, and swap the names in one short transaction; or run it in a maintenance window.");
	mg_report(&f);
}

/* For errdetail: "Index public.i is 16 kB; table public.t is ..." */
static char *
describe_index(Oid indexoid)
{
	int64		bytes;
	Oid			tableoid = IndexGetRelation(indexoid, true);
	char	   *size;

	const char *table = OidIsValid(tableoid) ? mg_rel_name(tableoid) : "?";

	if (!mg_rel_size(indexoid, &bytes))
		return psprintf(dgettext(TEXTDOMAIN, "Index %s is of unknown size (its lock was not free), on table %s."),
						mg_rel_name(indexoid), table);
	size = text_to_cstring(DatumGetTextPP(DirectFunctionCall1(pg_size_pretty, Int64GetDatum(bytes))));
	return psprintf(dgettext(TEXTDOMAIN, "Index %s is %s, on table %s."), mg_rel_name(indexoid), size, table);
}

void
mg_check_set_tablespace(MGAlterContext *ctx, const char *tblspc)
{
	Oid			newspc;
	Oid			oldspc;
	MGFinding	f = {0};
	bool		is_index;

	/* Partitioned relations only change the default for new partitions. */
	if (ctx->relkind != RELKIND_RELATION && ctx->relkind != RELKIND_MATVIEW &&
		ctx->relkind != RELKIND_INDEX)
		return;
	newspc = get_tablespace_oid(tblspc, true);
	if (!OidIsValid(newspc) || newspc == GLOBALTABLESPACE_OID)
		return;					/* PostgreSQL reports it (pg_global is for
								 * shared relations) */
	oldspc = get_rel_tablespace(ctx->relid);
	if (!OidIsValid(oldspc))
		oldspc = MyDatabaseTableSpace;
	if (newspc == oldspc || (newspc == MyDatabaseTableSpace && oldspc == MyDatabaseTableSpace))
		return;					/* nothing moves */
	if (!mg_rule_applies(MG_RULE_SET_TABLESPACE, ctx->relid))
		return;

	is_index = ctx->relkind == RELKIND_INDEX;
	mg_alter_finding_init(&f, ctx, MG_RULE_SET_TABLESPACE);
	if (is_index)
	{
		mg_finding_message(&f, "SET TABLESPACE would copy index \"%s\" under an %s lock",
						   get_rel_name(ctx->relid), mg_lockmode_name(ctx->lockmode));
		mg_finding_detail(&f, "Every block is copied to tablespace \"%s\" while the lock is held, %s; queries on the table wait for it, because planning opens every index.",
						  tblspc, mg_lock_blocks(ctx->lockmode));
		mg_finding_add_detail_text(&f, describe_index(ctx->relid));
		mg_finding_hint(&f, "Move it without blocking: REINDEX (TABLESPACE %s) INDEX CONCURRENTLY %s, outside a transaction block.",
						quote_identifier(tblspc), mg_rel_name(ctx->relid));
		mg_report(&f);
		return;
	}
	if (ctx->relkind == RELKIND_MATVIEW)
		mg_finding_message(&f, "SET TABLESPACE would copy materialized view \"%s\" under an %s lock",
						   get_rel_name(ctx->relid), mg_lockmode_name(ctx->lockmode));
	else
		mg_finding_message(&f, "SET TABLESPACE would copy table \"%s\" under an %s lock",
						   get_rel_name(ctx->relid), mg_lockmode_name(ctx->lockmode));
	mg_finding_detail(&f, "Every block is copied to tablespace \"%s\" while the lock is held, %s.",
					  tblspc, mg_lock_blocks(ctx->lockmode));
	mg_finding_add_detail_text(&f, mg_rel_describe(ctx->relid));
	mg_finding_hint(&f, "Move the indexes with REINDEX (TABLESPACE ...) INDEX CONCURRENTLY; move the table itself with a copy-and-swap (for example pg_repack --tablespace) or in a maintenance window.");
	mg_report(&f);
}

/*
 * ALTER TABLE | INDEX | MATERIALIZED VIEW ALL IN TABLESPACE ... SET
 * TABLESPACE: the relations AlterTableMoveAll() would move, chosen as it
 * chooses them, that are not exempt by size.
 */
static List *
move_all_relations(AlterTableMoveAllStmt *stmt, Oid origspc)
{
	Relation	pg_class;
	SysScanDesc scan;
	HeapTuple	tuple;
	List	   *roles = NIL;
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, stmt->roles)
	{
		Oid			role = get_rolespec_oid(lfirst(lc), true);

		if (!OidIsValid(role))
			return NIL;			/* PostgreSQL reports it */
		roles = lappend_oid(roles, role);
	}

	pg_class = table_open(RelationRelationId, AccessShareLock);
	scan = systable_beginscan(pg_class, InvalidOid, false, NULL, 0, NULL);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_class rel = (Form_pg_class) GETSTRUCT(tuple);
		char		want = stmt->objtype == OBJECT_INDEX ? RELKIND_INDEX :
			stmt->objtype == OBJECT_MATVIEW ? RELKIND_MATVIEW : RELKIND_RELATION;

		/* Partitioned relations are moved too, but copy nothing. */
		if (rel->reltablespace != origspc || rel->relkind != want ||
			IsCatalogNamespace(rel->relnamespace) || rel->relisshared ||
			isAnyTempNamespace(rel->relnamespace) || IsToastNamespace(rel->relnamespace))
			continue;
		if (roles != NIL && !list_member_oid(roles, rel->relowner))
			continue;
		if (mg_rule_applies(MG_RULE_SET_TABLESPACE, rel->oid))
			result = lappend_oid(result, rel->oid);
	}
	systable_endscan(scan);
	table_close(pg_class, AccessShareLock);
	return result;
}

void
mg_check_alter_table_move_all(MGStatement *st, AlterTableMoveAllStmt *stmt)
{
	Oid			origspc;
	Oid			newspc;
	List	   *rels;
	List	   *names = NIL;
	ListCell   *lc;
	MGFinding	f = {0};

	if (!mg_rule_applies(MG_RULE_SET_TABLESPACE, InvalidOid))
		return;
	origspc = get_tablespace_oid(stmt->orig_tablespacename, true);
	newspc = get_tablespace_oid(stmt->new_tablespacename, true);
	if (!OidIsValid(origspc) || !OidIsValid(newspc))
		return;					/* PostgreSQL reports it */
	if (origspc == MyDatabaseTableSpace)
		origspc = InvalidOid;
	if (newspc == MyDatabaseTableSpace)
		newspc = InvalidOid;
	if (origspc == newspc)
		return;

	rels = move_all_relations(stmt, origspc);
	if (rels == NIL)
		return;
	foreach(lc, rels)
		names = lappend(names, mg_rel_name(lfirst_oid(lc)));

	f.rule = MG_RULE_SET_TABLESPACE;
	f.relid = linitial_oid(rels);
	f.lockmode = AccessExclusiveLock;
	if (stmt->objtype == OBJECT_INDEX)
		mg_finding_message_plural(&f, "ALTER INDEX ALL IN TABLESPACE would copy %d relation under ACCESS EXCLUSIVE locks",
								  "ALTER INDEX ALL IN TABLESPACE would copy %d relations under ACCESS EXCLUSIVE locks",
								  list_length(rels), list_length(rels));
	else if (stmt->objtype == OBJECT_MATVIEW)
		mg_finding_message_plural(&f, "ALTER MATERIALIZED VIEW ALL IN TABLESPACE would copy %d relation under ACCESS EXCLUSIVE locks",
								  "ALTER MATERIALIZED VIEW ALL IN TABLESPACE would copy %d relations under ACCESS EXCLUSIVE locks",
								  list_length(rels), list_length(rels));
	else
		mg_finding_message_plural(&f, "ALTER TABLE ALL IN TABLESPACE would copy %d relation under ACCESS EXCLUSIVE locks",
								  "ALTER TABLE ALL IN TABLESPACE would copy %d relations under ACCESS EXCLUSIVE locks",
								  list_length(rels), list_length(rels));
	mg_finding_detail(&f, "Every relation it moves (%s) is locked ACCESS EXCLUSIVE, which blocks all reads and writes, and copied block by block to tablespace \"%s\"; the locks are held until the transaction ends, so the first relation stays blocked until the last one is copied.",
					  mg_list_names(names), stmt->new_tablespacename);
	mg_finding_add_detail_text(&f, stmt->objtype == OBJECT_INDEX ?
							   describe_index(linitial_oid(rels)) :
							   mg_rel_describe(linitial_oid(rels)));
	mg_finding_hint(&f, "Move the relations one at a time, each in its own transaction: indexes without blocking with REINDEX (TABLESPACE ...) INDEX CONCURRENTLY, tables with a copy-and-swap (for example pg_repack --tablespace) or in a maintenance window.");
	mg_report(&f);
}
