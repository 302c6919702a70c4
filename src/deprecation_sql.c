/*-------------------------------------------------------------------------
 *
 * deprecation_sql.c
 *	  The SQL-callable functions of the list of deprecated objects:
 *	  deprecate() and undeprecate(), with who may call them and which
 *	  relations and columns can be deprecated, and the statement trigger
 *	  that makes every backend re-read the list when it changes.  The list
 *	  itself is read and written by deprecation.c.
 *
 * IDENTIFICATION
 *	  src/deprecation_sql.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/htup_details.h"
#include "catalog/catalog.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "deprecation.h"
#include "policy.h"

/*
 * Changing the list loosens the policy (an object taken off it, or never
 * put on it, escapes the evidence the drop rules ask for), so it takes the
 * privilege that SET migration_guard.allow takes.
 */
static void
check_may_change_list(const char *function)
{
	if (!mg_role_may_loosen_policy())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for %s", function),
				 errdetail("Changing the list of deprecated objects changes what the drop and rename rules allow, so it takes the privilege to loosen migration_guard's policy."),
				 errhint("Ask a superuser, or a role granted SET ON PARAMETER migration_guard.allow, to run it.")));
	PreventCommandDuringRecovery(function);
}

/*
 * A relation a deprecation can watch: one that queries name and whose every
 * use passes through its own permission check.
 */
static void
check_deprecatable_relation(Oid relid)
{
	HeapTuple	tup;
	Form_pg_class form;
	char		relkind;
	char		persistence;
	bool		partition;
	Oid			nsp;

	/* a drop waits for us, and we see no concurrently dropped relation */
	LockRelationOid(relid, AccessShareLock);
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	form = (Form_pg_class) GETSTRUCT(tup);
	relkind = form->relkind;
	persistence = form->relpersistence;
	partition = form->relispartition;
	nsp = form->relnamespace;
	ReleaseSysCache(tup);

	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE &&
		relkind != RELKIND_VIEW && relkind != RELKIND_MATVIEW &&
		relkind != RELKIND_FOREIGN_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table, view, materialized view or foreign table",
						get_rel_name(relid)),
				 errdetail("Only relations that queries name can be deprecated.")));
	if (IsCatalogNamespace(nsp) || nsp == get_namespace_oid("migration_guard", true) ||
		IsToastNamespace(nsp))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" belongs to the system or to migration_guard and cannot be deprecated",
						get_rel_name(relid))));
	if (persistence == RELPERSISTENCE_TEMP)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("temporary relation \"%s\" cannot be deprecated", get_rel_name(relid)),
				 errdetail("No other session can use it, and it goes away with this session.")));
	if (partition || has_superclass(relid))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is a partition or inheritance child and cannot be deprecated on its own",
						get_rel_name(relid)),
				 errdetail("Queries that read it through its parent are checked against the parent only, so its own usage counters would miss them."),
				 errhint("Deprecate the column or table of the topmost parent: that covers the children too.")));
}

/* The column must exist, be a user column, and not be dropped. */
static void
check_deprecatable_column(Oid relid, const char *attname)
{
	HeapTuple	tup = SearchSysCacheAttName(relid, attname);
	AttrNumber	attnum;

	if (!HeapTupleIsValid(tup))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist",
						attname, get_rel_name(relid))));
	attnum = ((Form_pg_attribute) GETSTRUCT(tup))->attnum;
	ReleaseSysCache(tup);
	if (attnum <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("system column \"%s\" cannot be deprecated", attname)));
}

PG_FUNCTION_INFO_V1(mg_deprecate);

/*
 * migration_guard.deprecate(relation regclass, column name DEFAULT NULL,
 * reason text DEFAULT NULL) returns boolean.  NULL relation: an error;
 * NULL column: the whole relation; NULL reason: none (or the earlier one).
 * True when the object was not deprecated before; deprecating it again
 * keeps the first date (the quiet period counts from it) and replaces the
 * reason when one is given.
 */
Datum
mg_deprecate(PG_FUNCTION_ARGS)
{
	Oid			relid;
	char	   *attname = PG_ARGISNULL(1) ? NULL : pstrdup(NameStr(*PG_GETARG_NAME(1)));
	Oid			types[5] = {OIDOID, NAMEOID, TEXTOID, NAMEOID, TEXTOID};
	Datum		values[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
	const char *head = GetConfigOption("migration_guard.expected_head", true, false);
	int			inserted;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("relation must not be null")));
	relid = PG_GETARG_OID(0);
	check_may_change_list("deprecate()");
	check_deprecatable_relation(relid);
	if (attname != NULL)
		check_deprecatable_column(relid, attname);

	values[0] = ObjectIdGetDatum(relid);
	if (attname)
		values[1] = PG_GETARG_DATUM(1);
	else
		nulls[1] = 'n';
	if (PG_ARGISNULL(2))
		nulls[2] = 'n';
	else
		values[2] = PG_GETARG_DATUM(2);
	values[3] = DirectFunctionCall1(namein, CStringGetDatum(GetUserNameFromId(GetUserId(), false)));
	if (head != NULL && head[0] != '\0')
		values[4] = CStringGetTextDatum(head);
	else
		nulls[4] = 'n';

	mg_deprecation_forget_dropped();
	inserted = mg_deprecation_write("INSERT INTO migration_guard." MG_DEPRECATIONS_TABLE
									" (relid, attname, reason, deprecated_by, deprecated_at, expected_head)"
									" VALUES ($1, $2, $3, $4, pg_catalog.now(), $5)"
									" ON CONFLICT DO NOTHING",
									5, types, values, nulls);
	if (inserted == 0 && !PG_ARGISNULL(2))
		mg_deprecation_write("UPDATE migration_guard." MG_DEPRECATIONS_TABLE " SET reason = $3"
							 " WHERE relid OPERATOR(pg_catalog.=) $1"
							 " AND COALESCE(attname, ''::pg_catalog.name) OPERATOR(pg_catalog.=) COALESCE($2, ''::pg_catalog.name)",
							 3, types, values, nulls);
	PG_RETURN_BOOL(inserted > 0);
}

PG_FUNCTION_INFO_V1(mg_undeprecate);

/*
 * migration_guard.undeprecate(relation regclass, column name DEFAULT NULL)
 * returns boolean: whether the object was deprecated.  NULL relation: an
 * error; NULL column: the deprecation of the whole relation (those of its
 * columns stay).  The column need not exist any more.
 */
Datum
mg_undeprecate(PG_FUNCTION_ARGS)
{
	Oid			types[2] = {OIDOID, NAMEOID};
	Datum		values[2];
	char		nulls[2] = {' ', ' '};

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("relation must not be null")));
	check_may_change_list("undeprecate()");
	values[0] = PG_GETARG_DATUM(0);
	if (PG_ARGISNULL(1))
		nulls[1] = 'n';
	else
		values[1] = PG_GETARG_DATUM(1);

	mg_deprecation_forget_dropped();
	PG_RETURN_BOOL(mg_deprecation_write("DELETE FROM migration_guard." MG_DEPRECATIONS_TABLE
										" WHERE relid OPERATOR(pg_catalog.=) $1"
										" AND COALESCE(attname, ''::pg_catalog.name) OPERATOR(pg_catalog.=) COALESCE($2, ''::pg_catalog.name)",
										2, types, values, nulls) > 0);
}

PG_FUNCTION_INFO_V1(mg_deprecations_changed);

/*
 * Statement trigger on the list: every backend, on this server and on its
 * standbys (the invalidation travels in the commit record), rebuilds its
 * cache of deprecated objects once the change commits.  Also covers
 * pg_restore and a superuser's direct writes.
 */
Datum
mg_deprecations_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "%s: not called as a trigger", "_deprecations_changed");
	CacheInvalidateRelcacheByRelid(RelationGetRelid(trigdata->tg_relation));
	return PointerGetDatum(NULL);
}
