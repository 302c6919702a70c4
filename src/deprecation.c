/*-------------------------------------------------------------------------
 *
 * deprecation.c
 *	  The list of deprecated columns and tables: the configuration table
 *	  that holds it (migration_guard.deprecated_objects, kept by pg_dump
 *	  and replicated to standbys), reading it, writing it as its owner,
 *	  following a renamed column, and the two settings of the feature.
 *	  The SQL functions that change the list (deprecate(), undeprecate())
 *	  are in deprecation_sql.c.
 *
 *	  Deprecating is the first half of the contract step: it tells the
 *	  server to watch an object (usage_tracking.c) so that the drop rules
 *	  can later tell a quiet object from one still in use
 *	  (deprecation_evidence.c).  Un-deprecating an object, like resetting
 *	  its counters, makes a drop refused on no evidence pass, so only roles
 *	  that may loosen the policy may change the list (deprecation_sql.c).
 *
 * IDENTIFICATION
 *	  src/deprecation.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include <limits.h>

#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/catalog.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "deprecation.h"

/* columns of migration_guard.deprecated_objects */
#define Anum_dep_relid			1
#define Anum_dep_attname		2
#define Anum_dep_reason			3
#define Anum_dep_deprecated_by	4
#define Anum_dep_deprecated_at	5
#define Anum_dep_expected_head	6
#define Natts_dep				6

int			mg_deprecated_use = MG_DEPRECATED_USE_LOG;
int			mg_deprecation_quiet_period = 7 * 24 * 3600;

static const struct config_enum_entry deprecated_use_options[] = {
	{"off", MG_DEPRECATED_USE_OFF, false},
	{"log", MG_DEPRECATED_USE_LOG, false},
	{"warning", MG_DEPRECATED_USE_WARNING, false},
	{NULL, 0, false}
};

/*
 * Called by guc.c before it reserves the "migration_guard" prefix, so that
 * values set in postgresql.conf before the library loaded are kept.
 */
void
mg_deprecation_define_gucs(void)
{
	DefineCustomEnumVariable("migration_guard.deprecated_use",
							 "Reports queries that use a deprecated column or table: off, log or warning.",
							 "log writes one line per object and minute to the server log; warning sends a WARNING to the client on every use.  Usage is counted either way.",
							 &mg_deprecated_use,
							 MG_DEPRECATED_USE_LOG,
							 deprecated_use_options,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("migration_guard.deprecation_quiet_period",
							"How long a deprecated object must go unused before it may be dropped or renamed.",
							"The period counts from the deprecation, from the last reset of its counters and from the last server start that lost the counters, whichever is latest.",
							&mg_deprecation_quiet_period,
							7 * 24 * 3600,
							0, INT_MAX,
							PGC_SUSET,
							GUC_UNIT_S,
							NULL, NULL, NULL);
}

/* ---------- reading the list ---------- */

/* The configuration table of this database, or InvalidOid. */
Oid
mg_deprecation_table(void)
{
	Oid			nsp = get_namespace_oid("migration_guard", true);

	if (!OidIsValid(nsp))
		return InvalidOid;
	return get_relname_relid(MG_DEPRECATIONS_TABLE, nsp);
}

static char *
text_or_null(Datum d, bool isnull)
{
	return isnull ? NULL : TextDatumGetCString(d);
}

/*
 * Every row of the list, read directly from the table with the latest
 * snapshot: no SQL, so no user code and no permission check on the way
 * (the executor hook that calls this runs for every query).  Rows of
 * relations dropped since are skipped.
 */
List *
mg_deprecations_read(void)
{
	Oid			tableid = mg_deprecation_table();
	Relation	rel;
	Snapshot	snap;
	TableScanDesc scan;
	TupleTableSlot *slot;
	List	   *result = NIL;

	if (!OidIsValid(tableid))
		return NIL;
	rel = table_open(tableid, AccessShareLock);
	if (RelationGetDescr(rel)->natts != Natts_dep)
	{
		/* every query reads the list: never fail them for it */
		ereport(WARNING,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("migration_guard.%s has an unexpected shape; deprecations are ignored",
						MG_DEPRECATIONS_TABLE),
				 errhint("Run ALTER EXTENSION migration_guard UPDATE, or reinstall the extension.")));
		table_close(rel, AccessShareLock);
		return NIL;
	}
	snap = RegisterSnapshot(GetLatestSnapshot());
	scan = table_beginscan(rel, snap, 0, NULL);
	slot = table_slot_create(rel, NULL);
	while (table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		MGDeprecation *d = palloc0(sizeof(MGDeprecation));
		bool		isnull;
		Datum		v;

		slot_getallattrs(slot);
		v = slot_getattr(slot, Anum_dep_relid, &isnull);
		if (isnull)
			continue;
		d->relid = DatumGetObjectId(v);
		if (get_rel_relkind(d->relid) == '\0')
			continue;			/* dropped since */
		v = slot_getattr(slot, Anum_dep_attname, &isnull);
		d->attname = isnull ? NULL : pstrdup(NameStr(*DatumGetName(v)));
		v = slot_getattr(slot, Anum_dep_reason, &isnull);
		d->reason = text_or_null(v, isnull);
		v = slot_getattr(slot, Anum_dep_deprecated_by, &isnull);
		d->deprecated_by = isnull ? NULL : pstrdup(NameStr(*DatumGetName(v)));
		v = slot_getattr(slot, Anum_dep_deprecated_at, &isnull);
		d->deprecated_at = isnull ? 0 : DatumGetTimestampTz(v);
		v = slot_getattr(slot, Anum_dep_expected_head, &isnull);
		d->expected_head = text_or_null(v, isnull);
		result = lappend(result, d);
	}
	ExecDropSingleTupleTableSlot(slot);
	table_endscan(scan);
	UnregisterSnapshot(snap);
	table_close(rel, AccessShareLock);
	return result;
}

/*
 * The deprecation of a column (attname) or of a whole relation (NULL), if
 * there is one.
 */
MGDeprecation *
mg_deprecation_find(Oid relid, const char *attname)
{
	ListCell   *lc;

	foreach(lc, mg_deprecations_read())
	{
		MGDeprecation *d = lfirst(lc);

		if (d->relid != relid)
			continue;
		if (attname == NULL ? d->attname == NULL :
			(d->attname != NULL && strcmp(d->attname, attname) == 0))
			return d;
	}
	return NULL;
}

/* ---------- writing the list ---------- */

/*
 * The list is written as the table's owner (the extension's owner), with a
 * search_path that only holds pg_catalog, in a security-restricted
 * operation: the statements name the table fully and call only built-in
 * functions and operators; the only trigger is our own.
 */
int
mg_deprecation_write(const char *sql, int nargs, Oid *types, Datum *values,
					 const char *nulls)
{
	Oid			tableid = mg_deprecation_table();
	HeapTuple	tup;
	Oid			owner;
	Oid			save_userid;
	int			save_sec;
	int			nestlevel;
	int			rc;

	if (!OidIsValid(tableid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"migration_guard\" is not installed in this database"),
				 errhint("Run CREATE EXTENSION migration_guard.")));
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(tableid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", tableid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);

	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(owner, save_sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0);
	if (rc < 0)
		elog(ERROR, "writing migration_guard.%s failed: %s", MG_DEPRECATIONS_TABLE,
			 SPI_result_code_string(rc));
	rc = (int) SPI_processed;
	SPI_finish();
	AtEOXact_GUC(true, nestlevel);
	SetUserIdAndSecContext(save_userid, save_sec);
	return rc;
}

/*
 * Rows of relations and columns dropped (or renamed) since their
 * deprecation are forgotten: the name no longer watches anything.
 */
void
mg_deprecation_forget_dropped(void)
{
	mg_deprecation_write("DELETE FROM migration_guard." MG_DEPRECATIONS_TABLE " d"
						 " WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) d.relid)"
						 " OR (d.attname IS NOT NULL AND NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a"
						 " WHERE a.attrelid OPERATOR(pg_catalog.=) d.relid AND a.attname OPERATOR(pg_catalog.=) d.attname AND NOT a.attisdropped))",
						 0, NULL, NULL, NULL);
}

/*
 * ALTER TABLE / VIEW / MATERIALIZED VIEW / FOREIGN TABLE ... RENAME COLUMN,
 * called by the ProcessUtility hook just before the statement runs: the
 * deprecation follows the column to its new name (the usage counters are
 * kept by attnum already), and a row left under the new name by a column
 * dropped or renamed earlier is removed, so that no column ever inherits
 * another's deprecation date.  Written in the statement's transaction: if
 * the rename fails, this is undone with it.  Nothing is written unless a
 * row concerns the column.
 */
void
mg_deprecation_follow_rename(Node *parsetree)
{
	RenameStmt *stmt;
	Oid			relid;
	Oid			types[3] = {OIDOID, NAMEOID, NAMEOID};
	Datum		values[3];
	ListCell   *lc;
	bool		concerned = false;

	if (!IsA(parsetree, RenameStmt))
		return;
	stmt = (RenameStmt *) parsetree;
	if (stmt->renameType != OBJECT_COLUMN || stmt->relation == NULL ||
		stmt->subname == NULL || stmt->newname == NULL ||
		strcmp(stmt->subname, stmt->newname) == 0 ||
		!OidIsValid(mg_deprecation_table()) || RecoveryInProgress())
		return;
	relid = RangeVarGetRelid(stmt->relation, NoLock, true);
	if (!OidIsValid(relid))
		return;
	foreach(lc, mg_deprecations_read())
	{
		MGDeprecation *d = lfirst(lc);

		if (d->relid == relid && d->attname != NULL &&
			(strcmp(d->attname, stmt->subname) == 0 ||
			 strcmp(d->attname, stmt->newname) == 0))
			concerned = true;
	}
	if (!concerned)
		return;
	values[0] = ObjectIdGetDatum(relid);
	values[1] = DirectFunctionCall1(namein, CStringGetDatum(stmt->subname));
	values[2] = DirectFunctionCall1(namein, CStringGetDatum(stmt->newname));
	mg_deprecation_write("DELETE FROM migration_guard." MG_DEPRECATIONS_TABLE
						 " WHERE relid OPERATOR(pg_catalog.=) $1 AND attname OPERATOR(pg_catalog.=) $3",
						 3, types, values, NULL);
	mg_deprecation_write("UPDATE migration_guard." MG_DEPRECATIONS_TABLE " SET attname = $3"
						 " WHERE relid OPERATOR(pg_catalog.=) $1 AND attname OPERATOR(pg_catalog.=) $2",
						 3, types, values, NULL);
}
