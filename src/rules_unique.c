/*-------------------------------------------------------------------------
 *
 * rules_unique.c
 *	  Index-backed constraint rules of ALTER TABLE: add_unique_constraint,
 *	  add_primary_key and add_exclusion_constraint.  Without USING INDEX
 *	  the index is built under the statement's strong lock; a primary key
 *	  may also scan for NULLs.
 *
 * IDENTIFICATION
 *	  src/rules_unique.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_index.h"
#include "catalog/pg_partitioned_table.h"
#include "commands/defrem.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/syscache.h"

#include "alterfacts.h"
#include "applies.h"
#include "finding.h"
#include "relfacts.h"
#include "relopen.h"
#include "report.h"
#include "rules.h"
#include "rules_alter.h"
#include "words.h"

/* ---------------------------------------------------------------------
 * add_unique_constraint, add_primary_key, add_exclusion_constraint
 * ---------------------------------------------------------------------
 */

/* Columns of an existing index that SET NOT NULL would scan for. */
static List *
index_columns_needing_scan(MGAlterContext *ctx, const char *indexname)
{
	Oid			indexoid = get_relname_relid(indexname, get_rel_namespace(ctx->relid));
	HeapTuple	tuple;
	List	   *result = NIL;

	if (!OidIsValid(indexoid))
		return NIL;
	tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
	if (!HeapTupleIsValid(tuple))
		return NIL;
	for (int i = 0; i < ((Form_pg_index) GETSTRUCT(tuple))->indnkeyatts; i++)
	{
		AttrNumber	attnum = ((Form_pg_index) GETSTRUCT(tuple))->indkey.values[i];
		char	   *colname = attnum > 0 ? get_attname(ctx->relid, attnum, true) : NULL;
		Oid			invalid_conoid;

		if (colname != NULL && mg_not_null_scans(ctx->relid, colname, &invalid_conoid))
			result = lappend(result, makeString(colname));
	}
	ReleaseSysCache(tuple);
	return result;
}

/*
 * Columns of a new PRIMARY KEY that are nullable now, so get scanned (in
 * any partition, for a partitioned table).
 */
static List *
key_columns_needing_scan(MGAlterContext *ctx, List *cols)
{
	List	   *result = NIL;
	List	   *tables = mg_tables_with_rows(ctx->relid);
	ListCell   *lc;

	foreach(lc, cols)
	{
		ListCell   *lt;

		foreach(lt, tables)
		{
			Oid			invalid_conoid;

			if (get_attnum(lfirst_oid(lt), strVal(lfirst(lc))) != InvalidAttrNumber &&
				mg_not_null_scans(lfirst_oid(lt), strVal(lfirst(lc)), &invalid_conoid))
			{
				result = lappend(result, lfirst(lc));
				break;
			}
		}
	}
	return result;
}

/*
 * Does the partition have a valid unique index on exactly these columns, in
 * this order, that a constraint already uses?  DefineIndex() then attaches
 * it to the new parent index instead of building one (it requires the
 * constraint when the parent index is for a constraint).
 */
static bool
partition_has_constraint_index(Oid partid, List *cols)
{
	List	   *indexes;
	ListCell   *lc;
	Relation	rel = mg_rel_open_nowait(partid);
	bool		found = false;

	if (rel == NULL)
		return false;
	indexes = RelationGetIndexList(rel);
	mg_rel_close_nowait(rel);
	foreach(lc, indexes)
	{
		Oid			indexoid = lfirst_oid(lc);
		HeapTuple	tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
		Form_pg_index index;
		bool		match;

		if (!HeapTupleIsValid(tuple))
			continue;
		index = (Form_pg_index) GETSTRUCT(tuple);
		match = index->indisunique && index->indisvalid &&
			index->indnkeyatts == list_length(cols) &&
			heap_attisnull(tuple, Anum_pg_index_indexprs, NULL) &&
			heap_attisnull(tuple, Anum_pg_index_indpred, NULL);
		for (int i = 0; match && i < index->indnkeyatts; i++)
			match = index->indkey.values[i] == get_attnum(partid, strVal(list_nth(cols, i)));
		ReleaseSysCache(tuple);
		/* It must not belong to another partitioned index already. */
		if (match && !get_rel_relispartition(indexoid) &&
			OidIsValid(get_index_constraint(indexoid)))
		{
			found = true;
			break;
		}
	}
	return found;
}

/* Would every partition's existing index be attached, so nothing is built? */
static bool
partitions_have_indexes(MGAlterContext *ctx, List *cols)
{
	List	   *leaves = mg_tables_with_rows(ctx->relid);
	ListCell   *lc;

	if (ctx->relkind != RELKIND_PARTITIONED_TABLE || leaves == NIL)
		return false;
	foreach(lc, leaves)
	{
		if (!partition_has_constraint_index(lfirst_oid(lc), cols))
			return false;
	}
	return true;
}

/* Has the table a primary key constraint already?  (pg_constraint) */
static bool
rel_has_primary_key(Oid relid)
{
	Relation	conRel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	bool		found = false;

	conRel = table_open(ConstraintRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_constraint_conrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	scan = systable_beginscan(conRel, ConstraintRelidTypidNameIndexId, true, NULL, 1, &key);
	while (!found && HeapTupleIsValid(tuple = systable_getnext(scan)))
		found = ((Form_pg_constraint) GETSTRUCT(tuple))->contype == CONSTRAINT_PRIMARY;
	systable_endscan(scan);
	table_close(conRel, AccessShareLock);
	return found;
}

/*
 * On a partitioned table, does a unique key include every partition key
 * column, and has the table no foreign partition?  DefineIndex refuses the
 * constraint otherwise.
 */
static bool
partitioned_unique_key_allowed(MGAlterContext *ctx, List *cols)
{
	HeapTuple	tuple;
	Form_pg_partitioned_table form;
	bool		ok = true;
	ListCell   *lc;

	if (ctx->relkind != RELKIND_PARTITIONED_TABLE)
		return true;
	tuple = SearchSysCache1(PARTRELID, ObjectIdGetDatum(ctx->relid));
	if (!HeapTupleIsValid(tuple))
		return false;
	form = (Form_pg_partitioned_table) GETSTRUCT(tuple);
	for (int i = 0; ok && i < form->partnatts; i++)
	{
		AttrNumber	attnum = form->partattrs.values[i];
		char	   *attname = attnum > 0 ? get_attname(ctx->relid, attnum, true) : NULL;

		ok = attname != NULL && mg_column_exists(InvalidOid, attname, cols);
	}
	ReleaseSysCache(tuple);
	foreach(lc, mg_tables_with_rows(ctx->relid))
	{
		if (get_rel_relkind(lfirst_oid(lc)) == RELKIND_FOREIGN_TABLE)
			ok = false;
	}
	return ok;
}

static void unique_hint(MGFinding *f, MGAlterContext *ctx, ColumnDef *coldef, List *cols,
						List *nullable, const char *kind, const char *table,
						const char *conname);

void
mg_check_add_unique_or_pk(MGAlterContext *ctx, Constraint *con, ColumnDef *coldef)
{
	bool		pk = con->contype == CONSTR_PRIMARY;
	MGRuleId	rule = pk ? MG_RULE_ADD_PRIMARY_KEY : MG_RULE_ADD_UNIQUE_CONSTRAINT;
	const char *kind = pk ? "PRIMARY KEY" : "UNIQUE";
	List	   *cols = mg_constraint_columns(con, coldef);
	List	   *nullable;
	char	   *table = mg_rel_name(ctx->relid);
	const char *conname;
	MGFinding	f;

	if (!mg_rule_applies(rule, ctx->relid))
		return;
	/* Statements PostgreSQL refuses get its own error. */
	if (pk && rel_has_primary_key(ctx->relid))
		return;
	if (con->indexname == NULL &&
		(!mg_columns_exist(ctx->relid, cols, ctx->added_columns) ||
		 !mg_columns_exist(ctx->relid, con->including, ctx->added_columns) ||
		 !partitioned_unique_key_allowed(ctx, cols)))
		return;
	conname = quote_identifier(mg_default_constraint_name(ctx, con, cols, pk ? "pkey" : "key"));
	mg_alter_finding_init(&f, ctx, rule);

	if (con->indexname != NULL)
	{
		/* USING INDEX: no build; a primary key may still need SET NOT NULL. */
		if (!pk)
			return;
		nullable = index_columns_needing_scan(ctx, con->indexname);
		if (nullable == NIL)
			return;
		mg_finding_message(&f, "ADD PRIMARY KEY USING INDEX would scan table \"%s\" to set NOT NULL on column \"%s\"",
						   get_rel_name(ctx->relid), strVal(linitial(nullable)));
		mg_finding_detail(&f, "The index needs no build, but nullable column %s is not proven NOT NULL by a validated CHECK (... IS NOT NULL), so PostgreSQL runs SET NOT NULL, reading every row under an %s lock, %s.",
						  mg_quoted_column_list(nullable), mg_lockmode_name(ctx->lockmode),
						  mg_lock_blocks(ctx->lockmode));
		mg_finding_add_detail_text(&f, mg_rel_describe(ctx->relid));
		mg_finding_hint(&f, "Make each column NOT NULL without a scan first: %s  Then add the primary key USING INDEX.",
						mg_not_null_hint(ctx->relid, strVal(linitial(nullable)), InvalidOid));
		mg_report(&f);
		return;
	}

	nullable = pk && coldef == NULL ? key_columns_needing_scan(ctx, cols) : NIL;
	if (coldef == NULL && partitions_have_indexes(ctx, cols))
	{
		/* Nothing is built; a primary key may still scan for NULLs. */
		if (nullable == NIL)
			return;
		mg_finding_message(&f, "ADD PRIMARY KEY would scan table \"%s\" to set NOT NULL on column \"%s\"",
						   get_rel_name(ctx->relid), strVal(linitial(nullable)));
		mg_finding_detail(&f, "Every partition's unique index is attached, not built, but nullable column %s is not proven NOT NULL by a validated CHECK (... IS NOT NULL) in every partition, so PostgreSQL runs SET NOT NULL, reading their rows under an %s lock, %s.",
						  mg_quoted_column_list(nullable), mg_lockmode_name(ctx->lockmode),
						  mg_lock_blocks(ctx->lockmode));
		mg_finding_add_detail_text(&f, mg_rel_describe(ctx->relid));
		mg_finding_hint(&f, "Make each column NOT NULL without a scan in every partition first: %s  Then add the primary key.",
						mg_not_null_hint(ctx->relid, strVal(linitial(nullable)), InvalidOid));
		mg_report(&f);
		return;
	}
	/* kind is an SQL keyword (PRIMARY KEY or UNIQUE), never translated. */
	if (coldef != NULL)
		mg_finding_message(&f, "ADD COLUMN \"%s\" %s would build an index on table \"%s\" under an %s lock",
						   coldef->colname, kind, get_rel_name(ctx->relid),
						   mg_lockmode_name(ctx->lockmode));
	else
		mg_finding_message(&f, "ADD CONSTRAINT \"%s\" %s would build an index on table \"%s\" under an %s lock",
						   mg_default_constraint_name(ctx, con, cols, pk ? "pkey" : "key"), kind,
						   get_rel_name(ctx->relid), mg_lockmode_name(ctx->lockmode));
	if (pk)
		mg_finding_detail(&f, "Without USING INDEX the primary key index is built while the lock is held, %s, for the whole build.",
						  mg_lock_blocks(ctx->lockmode));
	else
		mg_finding_detail(&f, "Without USING INDEX the unique index is built while the lock is held, %s, for the whole build.",
						  mg_lock_blocks(ctx->lockmode));
	if (nullable != NIL)
		mg_finding_add_detail(&f, "Column %s is nullable, so SET NOT NULL also reads every row.",
							  mg_quoted_column_list(nullable));
	mg_finding_add_detail_text(&f, mg_rel_describe(ctx->relid));
	unique_hint(&f, ctx, coldef, cols, nullable, kind, table, conname);
	mg_report(&f);
}

/*
 * The safe way to add the constraint: its index built CONCURRENTLY first,
 * then attached.  nullable columns (only ever of an ADD CONSTRAINT, never
 * of an ADD COLUMN) are made NOT NULL without a scan in between.
 */
static void
unique_hint(MGFinding *f, MGAlterContext *ctx, ColumnDef *coldef, List *cols,
			List *nullable, const char *kind, const char *table, const char *conname)
{
	char	   *collist = mg_quoted_column_list(cols);

	if (ctx->relkind == RELKIND_PARTITIONED_TABLE && coldef == NULL)
	{
		if (nullable != NIL)
			mg_finding_hint(f, "A partitioned table takes no USING INDEX.  In each partition, CREATE UNIQUE INDEX CONCURRENTLY on (%s) and ALTER TABLE partition ADD CONSTRAINT ... %s USING INDEX; make %s NOT NULL without a scan (a validated CHECK (... IS NOT NULL) first); then ALTER TABLE %s ADD CONSTRAINT %s %s (%s) attaches those indexes instead of building.",
							collist, kind, mg_quoted_column_list(nullable),
							table, conname, kind, collist);
		else
			mg_finding_hint(f, "A partitioned table takes no USING INDEX.  In each partition, CREATE UNIQUE INDEX CONCURRENTLY on (%s) and ALTER TABLE partition ADD CONSTRAINT ... %s USING INDEX; then ALTER TABLE %s ADD CONSTRAINT %s %s (%s) attaches those indexes instead of building.",
							collist, kind, table, conname, kind, collist);
	}
	else if (coldef != NULL)
		mg_finding_hint(f, "Add the column without the constraint, then: CREATE UNIQUE INDEX CONCURRENTLY %s ON %s (%s); then ALTER TABLE %s ADD CONSTRAINT %s %s USING INDEX %s, which needs only a brief lock.",
						conname, table, collist, table, conname, kind, conname);
	else if (nullable != NIL)
		mg_finding_hint(f, "CREATE UNIQUE INDEX CONCURRENTLY %s ON %s (%s); then make %s NOT NULL without a scan (a validated CHECK (... IS NOT NULL) first), and ALTER TABLE %s ADD CONSTRAINT %s %s USING INDEX %s, which needs only a brief lock.",
						conname, table, collist, mg_quoted_column_list(nullable),
						table, conname, kind, conname);
	else
		mg_finding_hint(f, "CREATE UNIQUE INDEX CONCURRENTLY %s ON %s (%s); then ALTER TABLE %s ADD CONSTRAINT %s %s USING INDEX %s, which needs only a brief lock.",
						conname, table, collist, table, conname, kind, conname);
}

void
mg_check_add_exclusion(MGAlterContext *ctx, Constraint *con)
{
	MGFinding	f;
	ListCell   *lc;
	List	   *cols = NIL;

	if (!mg_rule_applies(MG_RULE_ADD_EXCLUSION_CONSTRAINT, ctx->relid))
		return;
	/* Statements PostgreSQL refuses get its own error. */
#ifndef MG_HAVE_PARTITIONED_EXCLUSION
	if (ctx->relkind == RELKIND_PARTITIONED_TABLE)
		return;
#endif
	if (con->access_method != NULL && !OidIsValid(get_index_am_oid(con->access_method, true)))
		return;
	foreach(lc, con->exclusions)
	{
		List	   *pair = (List *) lfirst(lc);
		IndexElem  *elem = (IndexElem *) linitial(pair);

		if (!IsA(elem, IndexElem) ||
			(elem->name != NULL && !mg_column_exists(ctx->relid, elem->name, ctx->added_columns)) ||
			(elem->expr != NULL && !mg_expr_columns_exist(ctx->relid, elem->expr, ctx->added_columns)))
			return;
		if (elem->name != NULL)
			cols = lappend(cols, makeString(elem->name));
	}
	/* On a partitioned table the partition key must be among the columns. */
	if (!partitioned_unique_key_allowed(ctx, cols))
		return;
	if (con->where_clause != NULL &&
		!mg_expr_columns_exist(ctx->relid, con->where_clause, ctx->added_columns))
		return;
	mg_alter_finding_init(&f, ctx, MG_RULE_ADD_EXCLUSION_CONSTRAINT);
	if (con->conname != NULL)
		mg_finding_message(&f, "ADD CONSTRAINT \"%s\" EXCLUDE would build an index on table \"%s\" under an %s lock",
						   con->conname, get_rel_name(ctx->relid), mg_lockmode_name(ctx->lockmode));
	else
		mg_finding_message(&f, "ADD CONSTRAINT EXCLUDE would build an index on table \"%s\" under an %s lock",
						   get_rel_name(ctx->relid), mg_lockmode_name(ctx->lockmode));
	mg_finding_detail(&f, "The exclusion constraint's index is built and every row checked while the lock is held, %s, for the whole build.",
					  mg_lock_blocks(ctx->lockmode));
	mg_finding_add_detail_text(&f, mg_rel_describe(ctx->relid));
	mg_finding_hint(&f, "PostgreSQL cannot attach an exclusion constraint to an index built CONCURRENTLY.  Add it while the table is still small, or in a maintenance window with a short lock_timeout; where plain equality is enough, use CREATE UNIQUE INDEX CONCURRENTLY and ADD CONSTRAINT ... UNIQUE USING INDEX instead.");
	mg_report(&f);
}
