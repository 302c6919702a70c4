/*-------------------------------------------------------------------------
 *
 * rules_maintenance.c
 *	  Rules about maintenance commands that rewrite or empty tables under
 *	  ACCESS EXCLUSIVE: vacuum_full, cluster, truncate, refresh_matview.
 *	  Database-wide forms are judged by the census of large tables
 *	  (tablecensus.c).
 *
 * IDENTIFICATION
 *	  src/rules_maintenance.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/skey.h"
#include "access/table.h"
#include "catalog/catalog.h"
#include "catalog/heap.h"
#include "catalog/index.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_inherits.h"
#include "commands/defrem.h"
#include "lib/stringinfo.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "applies.h"
#include "finding.h"
#include "relfacts.h"
#include "rellist.h"
#include "report.h"
#include "rules_maintenance.h"
#include "statement.h"
#include "tablecensus.h"

/* ---------- vacuum_full ---------- */

static bool
vacuum_is_full(VacuumStmt *stmt)
{
	ListCell   *lc;
	bool		full = false;

	if (!stmt->is_vacuumcmd)
		return false;			/* ANALYZE */
	foreach(lc, stmt->options)
	{
		DefElem    *opt = (DefElem *) lfirst(lc);

		if (strcmp(opt->defname, "full") == 0)
			full = defGetBoolean(opt);
	}
	return full;
}

/* Does VACUUM have the ANALYZE option (VACUUM ANALYZE, or (ANALYZE))? */
static bool
vacuum_has_analyze(VacuumStmt *stmt)
{
	ListCell   *lc;
	bool		analyze = false;

	foreach(lc, stmt->options)
	{
		DefElem    *opt = (DefElem *) lfirst(lc);

		if (strcmp(opt->defname, "analyze") == 0)
			analyze = defGetBoolean(opt);
	}
	return analyze;
}

/*
 * Does VACUUM know every option (of any supported PostgreSQL version), and
 * is FULL not combined with PARALLEL?  ExecVacuum refuses it otherwise.
 */
static bool
vacuum_options_valid(VacuumStmt *stmt)
{
	static const char *const known[] = {
		"verbose", "skip_locked", "analyze", "freeze", "full",
		"disable_page_skipping", "process_toast", "process_main", "truncate",
		"index_cleanup", "parallel", "buffer_usage_limit",
		"skip_database_stats", "only_database_stats"
	};
	ListCell   *lc;

	foreach(lc, stmt->options)
	{
		DefElem    *opt = (DefElem *) lfirst(lc);
		bool		found = false;

		for (int i = 0; i < lengthof(known); i++)
		{
			if (strcmp(opt->defname, known[i]) == 0)
				found = true;
		}
		if (!found || strcmp(opt->defname, "parallel") == 0)
			return false;		/* unknown, or PARALLEL (never with FULL) */
	}
	return true;
}

static void
add_vacuum_full_hint(MGFinding *f)
{
	mg_finding_hint(f, "Reclaim the space online with pg_repack or pg_squeeze, which hold ACCESS EXCLUSIVE only for a moment at the end; or run plain VACUUM, which blocks neither reads nor writes and makes the space reusable by the table.");
}

static void
check_vacuum_full_table(MGStatement *st, Oid relid)
{
	MGFinding	f = {0};

	if (!mg_rule_applies(MG_RULE_VACUUM_FULL, relid))
		return;
	f.rule = MG_RULE_VACUUM_FULL;
	f.relid = relid;
	f.lockmode = AccessExclusiveLock;
	f.rewrites = true;
	mg_finding_message(&f, "VACUUM FULL of table \"%s\" would block all reads and writes while it rewrites the table",
					   get_rel_name(relid));
	mg_finding_detail(&f, "VACUUM FULL copies the whole table and rebuilds its indexes under an ACCESS EXCLUSIVE lock, which blocks every query of the table until it finishes, and needs free disk space for the copy.");
	mg_finding_add_detail_text(&f, mg_rel_describe(relid));
	add_vacuum_full_hint(&f);
	mg_report(&f);
}

/*
 * vacuum_full: VACUUM (FULL) of the listed tables, or with no list, of
 * every table of the database, one at a time (catalogs included).  Only
 * tables at or above the threshold count; a database-wide VACUUM FULL is
 * one finding naming them.  VACUUM cannot run in a transaction block, so
 * no table can be new here.
 */
static void
check_vacuum(MGStatement *st, VacuumStmt *stmt)
{
	ListCell   *lc;
	List	   *tables;
	Oid			largest;
	MGFinding	f = {0};

	if (!vacuum_is_full(stmt))
		return;

	if (!vacuum_options_valid(stmt))
		return;					/* PostgreSQL reports the option */

	/*
	 * A column list without ANALYZE, or a missing table: PostgreSQL refuses
	 * it.
	 */
	foreach(lc, stmt->rels)
	{
		VacuumRelation *vrel = (VacuumRelation *) lfirst(lc);

		if (vrel->va_cols != NIL && !vacuum_has_analyze(stmt))
			return;
		if (vrel->relation != NULL &&
			!OidIsValid(RangeVarGetRelid(vrel->relation, NoLock, true)))
			return;
	}
	foreach(lc, stmt->rels)
	{
		VacuumRelation *vrel = (VacuumRelation *) lfirst(lc);
		Oid			relid;
		char		relkind;

		if (vrel->relation == NULL)
			continue;
		relid = RangeVarGetRelid(vrel->relation, NoLock, true);
		if (!OidIsValid(relid))
			continue;
		/* Views, foreign tables, sequences: VACUUM skips them with a warning. */
		relkind = get_rel_relkind(relid);
		if (relkind == RELKIND_RELATION || relkind == RELKIND_MATVIEW ||
			relkind == RELKIND_PARTITIONED_TABLE || relkind == RELKIND_TOASTVALUE)
			check_vacuum_full_table(st, relid);
	}
	if (stmt->rels != NIL)
		return;

	if (!mg_rule_applies(MG_RULE_VACUUM_FULL, InvalidOid))
		return;
	tables = mg_maintained_tables(InvalidOid, true, mg_rel_exempt_from_size_rules, &largest);
	if (tables == NIL)
		return;
	f.rule = MG_RULE_VACUUM_FULL;
	f.relid = largest;
	f.lockmode = AccessExclusiveLock;
	f.rewrites = true;
	mg_finding_message_plural(&f, "VACUUM FULL of the whole database would block all reads and writes of %d large table, one at a time",
							  "VACUUM FULL of the whole database would block all reads and writes of %d large tables, one at a time",
							  list_length(tables),
							  list_length(tables));
	mg_finding_detail(&f, "VACUUM FULL without a table list rewrites every table of the database, each under an ACCESS EXCLUSIVE lock that blocks every query of it until its copy is done.  At or above \"migration_guard.small_table_threshold\": %s.  The largest: %s",
					  mg_rel_list_text(tables, 5), mg_rel_describe(largest));
	add_vacuum_full_hint(&f);
	mg_report(&f);
}

/* ---------- cluster ---------- */

/* CLUSTER refuses an INVALID index ("cannot cluster on invalid index"). */
static bool
index_is_valid_for_cluster(Oid indexoid)
{
	HeapTuple	tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
	bool		valid;

	if (!HeapTupleIsValid(tuple))
		return false;
	valid = ((Form_pg_index) GETSTRUCT(tuple))->indisvalid;
	ReleaseSysCache(tuple);
	return valid;
}

/* The index CLUSTER without USING would use: indisclustered, or none. */
static Oid
clustered_index(Oid relid)
{
	Relation	pg_index_rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tuple;
	Oid			result = InvalidOid;

	ScanKeyInit(&key, Anum_pg_index_indrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	pg_index_rel = table_open(IndexRelationId, AccessShareLock);
	scan = systable_beginscan(pg_index_rel, IndexIndrelidIndexId, true,
							  NULL, 1, &key);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_index idx = (Form_pg_index) GETSTRUCT(tuple);

		if (idx->indisclustered)
		{
			result = idx->indexrelid;
			break;
		}
	}
	systable_endscan(scan);
	table_close(pg_index_rel, AccessShareLock);
	return result;
}

/* Tables with an indisclustered index: what a bare CLUSTER processes. */
static List *
clustered_tables(void)
{
	Relation	pg_index_rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tuple;
	List	   *result = NIL;

	ScanKeyInit(&key, Anum_pg_index_indisclustered, BTEqualStrategyNumber,
				F_BOOLEQ, BoolGetDatum(true));
	pg_index_rel = table_open(IndexRelationId, AccessShareLock);
	scan = systable_beginscan(pg_index_rel, InvalidOid, false, NULL, 1, &key);
	while (HeapTupleIsValid(tuple = systable_getnext(scan)))
		result = list_append_unique_oid(result,
										((Form_pg_index) GETSTRUCT(tuple))->indrelid);
	systable_endscan(scan);
	table_close(pg_index_rel, AccessShareLock);
	return result;
}

static void
add_cluster_hint(MGFinding *f)
{
	mg_finding_hint(f, "Reorder the table online with pg_repack (--order-by, or its clustered index), which holds ACCESS EXCLUSIVE only for a moment at the end; or leave the order alone: CLUSTER's ordering decays with every write anyway.");
}

/*
 * cluster: CLUSTER rewrites the table in index order under ACCESS
 * EXCLUSIVE.  CLUSTER table without USING on a table that has no clustered
 * index is an error in PostgreSQL and not judged; a bare CLUSTER re-clusters
 * every table that has one, each in its own transaction.
 */
static void
check_cluster(MGStatement *st, ClusterStmt *stmt)
{
	MGFinding	f = {0};
	List	   *tables = NIL;
	Oid			largest = InvalidOid;

	if (stmt->relation != NULL)
	{
		Oid			relid = RangeVarGetRelid(stmt->relation, NoLock, true);
		char		relkind;

		if (!OidIsValid(relid))
			return;
		relkind = get_rel_relkind(relid);
		if (relkind != RELKIND_RELATION && relkind != RELKIND_MATVIEW &&
			relkind != RELKIND_PARTITIONED_TABLE)
			return;
		if (stmt->indexname == NULL && !OidIsValid(clustered_index(relid)))
			return;
		if (stmt->indexname != NULL)
		{
			/* PostgreSQL reports an index that is not one of this table. */
			Oid			indexoid = get_relname_relid(stmt->indexname,
													 get_rel_namespace(relid));

			if (!OidIsValid(indexoid) || IndexGetRelation(indexoid, true) != relid ||
				!index_is_valid_for_cluster(indexoid))
				return;
		}
		if (!mg_rule_applies(MG_RULE_CLUSTER, relid))
			return;
		f.rule = MG_RULE_CLUSTER;
		f.relid = relid;
		f.lockmode = AccessExclusiveLock;
		f.rewrites = true;
		mg_finding_message(&f, "CLUSTER of table \"%s\" would block all reads and writes while it rewrites the table",
						   get_rel_name(relid));
		mg_finding_detail(&f, "CLUSTER copies the whole table in index order and rebuilds its indexes under an ACCESS EXCLUSIVE lock, which blocks every query of the table until it finishes, and needs free disk space for the copy.");
		mg_finding_add_detail_text(&f, mg_rel_describe(relid));
		add_cluster_hint(&f);
		mg_report(&f);
		return;
	}

	if (!mg_rule_applies(MG_RULE_CLUSTER, InvalidOid))
		return;
	tables = mg_tables_among(clustered_tables(), mg_rel_exempt_from_size_rules, &largest);
	if (tables == NIL)
		return;
	f.rule = MG_RULE_CLUSTER;
	f.relid = largest;
	f.lockmode = AccessExclusiveLock;
	f.rewrites = true;
	mg_finding_message_plural(&f, "CLUSTER without a table would block all reads and writes of %d large table, one at a time",
							  "CLUSTER without a table would block all reads and writes of %d large tables, one at a time",
							  list_length(tables),
							  list_length(tables));
	mg_finding_detail(&f, "CLUSTER without a table re-clusters every table that has a clustered index, each copied under an ACCESS EXCLUSIVE lock that blocks every query of it until its copy is done.  At or above \"migration_guard.small_table_threshold\": %s.  The largest: %s",
					  mg_rel_list_text(tables, 5), mg_rel_describe(largest));
	add_cluster_hint(&f);
	mg_report(&f);
}

/* ---------- truncate ---------- */

/*
 * Would emptying this table matter to anyone else?  Not when this
 * transaction created it or it is a temporary table (nobody else can see
 * its rows or wait for its lock); a partitioned table has no rows of its
 * own, its partitions are judged.
 */
static bool
truncate_concerns_others(Oid relid)
{
	return get_rel_relkind(relid) != RELKIND_PARTITIONED_TABLE &&
		mg_rel_persistence(relid) != RELPERSISTENCE_TEMP &&
		!mg_rel_created_in_xact(relid);
}

/*
 * truncate: TRUNCATE takes ACCESS EXCLUSIVE on every table it empties: the
 * named ones, their inheritance children and partitions (unless ONLY) and,
 * with CASCADE, every table that references them through a foreign key,
 * transitively (ExecuteTruncateGuts).  It is not size-exempt: it destroys
 * the data of live tables, however small.  Tables created in this
 * transaction and temporary tables pass, since nobody else sees their rows.
 */
static void
check_truncate(MGStatement *st, TruncateStmt *stmt)
{
	List	   *named = NIL;	/* tables the statement empties itself */
	List	   *cascaded = NIL; /* tables CASCADE adds */
	List	   *existing = NIL; /* of either, those not new in this xact */
	List	   *existing_cascaded = NIL;
	ListCell   *lc;
	MGFinding	f = {0};

	if (!mg_rule_applies(MG_RULE_TRUNCATE, InvalidOid))
		return;

	foreach(lc, stmt->relations)
	{
		RangeVar   *rv = (RangeVar *) lfirst(lc);
		Oid			relid = RangeVarGetRelid(rv, NoLock, true);
		char		relkind;

		if (!OidIsValid(relid))
			return;				/* PostgreSQL reports the missing table */
		if (mg_rel_is_protected_catalog(relid))
			return;				/* PostgreSQL refuses to truncate a catalog */
		relkind = get_rel_relkind(relid);
		if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE &&
			relkind != RELKIND_FOREIGN_TABLE)
			return;				/* PostgreSQL reports "is not a table" */
		if (rv->inh)
		{
			ListCell   *lc2;

			foreach(lc2, find_all_inheritors(relid, NoLock, NULL))
				named = list_append_unique_oid(named, lfirst_oid(lc2));
		}
		else
			named = list_append_unique_oid(named, relid);
	}

	/*
	 * Without CASCADE, PostgreSQL refuses to empty a table that a table not
	 * in the statement references (heap_truncate_check_FKs): its error is the
	 * one to see.
	 */
	if (stmt->behavior != DROP_CASCADE && heap_truncate_find_FKs(named) != NIL)
		return;

	if (stmt->behavior == DROP_CASCADE)
	{
		List	   *all = list_copy(named);

		for (;;)
		{
			List	   *more = heap_truncate_find_FKs(all);

			if (more == NIL)
				break;
			foreach(lc, more)
			{
				if (!list_member_oid(all, lfirst_oid(lc)))
				{
					all = lappend_oid(all, lfirst_oid(lc));
					cascaded = lappend_oid(cascaded, lfirst_oid(lc));
				}
			}
		}
	}

	foreach(lc, named)
	{
		Oid			relid = lfirst_oid(lc);

		if (truncate_concerns_others(relid))
			existing = lappend_oid(existing, relid);
	}
	foreach(lc, cascaded)
	{
		Oid			relid = lfirst_oid(lc);

		if (truncate_concerns_others(relid))
			existing_cascaded = lappend_oid(existing_cascaded, relid);
	}
	if (existing == NIL && existing_cascaded == NIL)
		return;

	f.rule = MG_RULE_TRUNCATE;
	f.lockmode = AccessExclusiveLock;
	if (existing_cascaded != NIL)
	{
		Oid			first = linitial_oid(existing_cascaded);

		f.relid = first;
		mg_finding_message_plural(&f, "TRUNCATE ... CASCADE would also empty a table not named in the statement: %s",
								  "TRUNCATE ... CASCADE would also empty tables not named in the statement: %s",
								  list_length(existing_cascaded),
								  mg_rel_list_text(existing_cascaded, 5));
		mg_finding_detail(&f, "CASCADE follows foreign keys to every table that references the truncated ones and deletes all of their rows too, under an ACCESS EXCLUSIVE lock on each that blocks every query of them until this transaction commits.");
		mg_finding_add_detail_text(&f, mg_rel_describe(first));
		mg_finding_hint(&f, "Name every table to empty in the TRUNCATE itself, without CASCADE, so that the migration says what it destroys; or delete the rows you mean to delete in batches.");
	}
	else
	{
		Oid			first = linitial_oid(existing);

		f.relid = first;
		if (list_length(existing) == 1)
			mg_finding_message(&f, "TRUNCATE would delete every row of table \"%s\" and block all access to it",
							   get_rel_name(first));
		else
			mg_finding_message_plural(&f, "TRUNCATE would delete every row of %d table and block all access to it: %s",
									  "TRUNCATE would delete every row of %d tables and block all access to them: %s",
									  list_length(existing),
									  list_length(existing), mg_rel_list_text(existing, 5));
		mg_finding_detail(&f, "TRUNCATE takes an ACCESS EXCLUSIVE lock, which waits for every transaction using the table and then blocks every query of it until this transaction commits; the rows cannot be recovered once it commits.");
		mg_finding_add_detail_text(&f, mg_rel_describe(first));
		mg_finding_hint(&f, "If only some rows must go, DELETE them in batches.  If the table must really be emptied, run TRUNCATE alone with a short lock_timeout and accept the rule for that statement.");
	}
	mg_report(&f);
}

/* ---------- refresh_matview ---------- */

/* pg_class.relam (get_rel_relam() only exists from PostgreSQL 18 on) */
static Oid
relation_am(Oid relid)
{
	FormData_pg_class row;

	return mg_rel_class_row(relid, &row) ? row.relam : InvalidOid;
}

/*
 * Can REFRESH ... CONCURRENTLY use one of the view's indexes?  The test of
 * is_usable_unique_index() in matview.c, read from pg_index: unique,
 * immediate, valid, btree, no predicate, plain columns only.
 */
static bool
matview_has_usable_unique_index(Oid relid)
{
	Relation	pg_index_rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tuple;
	bool		found = false;

	ScanKeyInit(&key, Anum_pg_index_indrelid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(relid));
	pg_index_rel = table_open(IndexRelationId, AccessShareLock);
	scan = systable_beginscan(pg_index_rel, IndexIndrelidIndexId, true,
							  NULL, 1, &key);
	while (!found && HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		Form_pg_index idx = (Form_pg_index) GETSTRUCT(tuple);
		bool		plain = idx->indnatts > 0;

		if (!idx->indisunique || !idx->indimmediate || !idx->indisvalid ||
			!heap_attisnull(tuple, Anum_pg_index_indpred, NULL) ||
			relation_am(idx->indexrelid) != BTREE_AM_OID)
			continue;
		for (int i = 0; i < idx->indnatts; i++)
		{
			if (idx->indkey.values[i] <= 0)
				plain = false;
		}
		found = plain;
	}
	systable_endscan(scan);
	table_close(pg_index_rel, AccessShareLock);
	return found;
}

static bool
matview_is_populated(Oid relid)
{
	FormData_pg_class row;

	return mg_rel_class_row(relid, &row) && row.relispopulated;
}

/*
 * refresh_matview: REFRESH MATERIALIZED VIEW without CONCURRENTLY holds
 * ACCESS EXCLUSIVE on the view while its query runs.  WITH NO DATA runs no
 * query (the lock is brief) and a view that is not populated cannot be
 * read nor refreshed concurrently, so both pass.
 */
static void
check_refresh_matview(MGStatement *st, RefreshMatViewStmt *stmt)
{
	Oid			relid;
	char	   *name;
	MGFinding	f = {0};

	if (stmt->concurrent || stmt->skipData)
		return;
	relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	if (!OidIsValid(relid) || get_rel_relkind(relid) != RELKIND_MATVIEW)
		return;
	if (!matview_is_populated(relid))
		return;
	if (!mg_rule_applies(MG_RULE_REFRESH_MATVIEW, relid))
		return;

	name = mg_rel_name(relid);
	f.rule = MG_RULE_REFRESH_MATVIEW;
	f.relid = relid;
	f.lockmode = AccessExclusiveLock;
	f.rewrites = true;
	mg_finding_message(&f, "REFRESH MATERIALIZED VIEW \"%s\" would block all reads of the view while its query runs",
					   get_rel_name(relid));
	mg_finding_detail(&f, "Without CONCURRENTLY the refresh holds an ACCESS EXCLUSIVE lock on the materialized view while it re-runs the view's query and replaces its contents, which blocks every query of the view until this transaction commits.");
	mg_finding_add_detail_text(&f, mg_rel_describe(relid));
	if (matview_has_usable_unique_index(relid))
		mg_finding_hint(&f, "Use REFRESH MATERIALIZED VIEW CONCURRENTLY %s, which lets queries read the old contents meanwhile; the view has the unique index that requires.",
						name);
	else
		mg_finding_hint(&f, "Use REFRESH MATERIALIZED VIEW CONCURRENTLY %s, which lets queries read the old contents meanwhile.  It needs a unique index on plain columns of the view, without WHERE: create one first with CREATE UNIQUE INDEX CONCURRENTLY ... ON %s (...).",
						name, name);
	mg_report(&f);
}

void
mg_check_maintenance_stmt(MGStatement *st, Node *stmt)
{
	switch (nodeTag(stmt))
	{
		case T_VacuumStmt:
			check_vacuum(st, (VacuumStmt *) stmt);
			break;
		case T_ClusterStmt:
			check_cluster(st, (ClusterStmt *) stmt);
			break;
		case T_TruncateStmt:
			check_truncate(st, (TruncateStmt *) stmt);
			break;
		case T_RefreshMatViewStmt:
			check_refresh_matview(st, (RefreshMatViewStmt *) stmt);
			break;
		default:
			break;
	}
}
