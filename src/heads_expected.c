/*-------------------------------------------------------------------------
 *
 * heads_expected.c
 *	  Where the release's expected head comes from: the durable setting
 *	  written by migration_guard.set_expected_head(), or the GUC
 *	  migration_guard.expected_head.
 *
 *	  A deploy used to declare its head with ALTER DATABASE ... SET, which
 *	  only new sessions see: a pooled or long-lived server connection kept
 *	  the old release's head.  The durable setting is one row of the
 *	  extension's configuration table expected_head_setting (pg_dump keeps
 *	  it), written transactionally, and read by every session from its
 *	  next statement on.  Each backend caches the row; a statement-level
 *	  trigger on the table registers a relcache invalidation for it, which
 *	  PostgreSQL sends at commit to every backend (and applies at the next
 *	  command of the writing transaction itself), so the hot path reads a
 *	  static variable.
 *
 *	  Precedence: a value of migration_guard.expected_head set in the
 *	  session (SET, SET LOCAL, a function's SET clause, PGOPTIONS) overrides
 *	  the durable setting; a value from postgresql.conf, ALTER SYSTEM,
 *	  ALTER DATABASE or ALTER ROLE applies only while no durable setting
 *	  exists, since it is exactly the kind that goes stale.
 *	  known_heads follows expected_head: both come from the same place.
 *
 * IDENTIFICATION
 *	  src/heads_expected.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "migration_guard.h"
#include "heads.h"
#include "heads_expected.h"
#include "heads_read.h"

#define SETTING_TABLE "expected_head_setting"

/* ---------- the GUC's source ---------- */

/* The check hook's "extra" for migration_guard.expected_head. */
typedef struct ExpectedHeadExtra
{
	bool		session;		/* set in the session, not by a default */
} ExpectedHeadExtra;

static bool guc_set_in_session = false;

/*
 * Sources that a session sets itself.  PGC_S_TEST only validates (ALTER
 * DATABASE/ROLE SET) and never reaches the assign hook.
 */
static bool
source_is_session(GucSource source)
{
	return source >= PGC_S_CLIENT && source != PGC_S_TEST;
}

/*
 * check hook for migration_guard.expected_head: the list check, and the
 * value's source remembered in "extra", which PostgreSQL keeps with the
 * value on its stack, so that a rolled-back SET LOCAL restores the source
 * along with the value.
 */
bool
mg_check_expected_head(char **newval, void **extra, GucSource source)
{
	ExpectedHeadExtra *e;

	if (!mg_check_head_list(newval, extra, source))
		return false;
	e = guc_malloc(LOG, sizeof(ExpectedHeadExtra));
	if (e == NULL)
		return false;
	e->session = source_is_session(source);
	*extra = e;
	return true;
}

void
mg_assign_expected_head(const char *newval, void *extra)
{
	guc_set_in_session = extra != NULL && ((ExpectedHeadExtra *) extra)->session;
}

/* ---------- the durable setting, cached ---------- */

static bool cache_valid = false;
static Oid	cache_relid = InvalidOid;	/* the setting table, if found */
static bool cache_present = false;	/* a row exists */
static char *cache_expected = NULL; /* in TopMemoryContext */
static char *cache_known = NULL;

static void
invalidate_relcache(Datum arg, Oid relid)
{
	if (!OidIsValid(relid) || relid == cache_relid)
		cache_valid = false;
}

/*
 * The table is found through the extension, so a CREATE EXTENSION (new
 * pg_class rows) must make a cache that found no table look again.
 */
static void
invalidate_syscache(Datum arg, int cacheid, uint32 hashvalue)
{
	if (!OidIsValid(cache_relid))
		cache_valid = false;
}

/*
 * The extension's own setting table, or InvalidOid.  Only a plain table
 * that belongs to the extension counts: a table of the same name created
 * by someone else in the extension's schema is ignored.
 */
static Oid
setting_table(void)
{
	Oid			extoid = get_extension_oid("migration_guard", true);
	Oid			nspid;
	Oid			relid;

	if (!OidIsValid(extoid))
		return InvalidOid;
	/* the control file fixes the schema (schema = migration_guard) */
	nspid = get_namespace_oid("migration_guard", true);
	if (!OidIsValid(nspid))
		return InvalidOid;
	relid = get_relname_relid(SETTING_TABLE, nspid);
	if (!OidIsValid(relid) || get_rel_relkind(relid) != RELKIND_RELATION ||
		getExtensionOfObject(RelationRelationId, relid) != extoid)
		return InvalidOid;
	return relid;
}

static char *
attr_text(HeapTuple tup, TupleDesc desc, const char *name)
{
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		bool		isnull;
		Datum		d;

		if (att->attisdropped || strcmp(NameStr(att->attname), name) != 0 ||
			att->atttypid != TEXTOID)
			continue;
		d = heap_getattr(tup, i + 1, desc, &isnull);
		return isnull ? NULL : TextDatumGetCString(d);
	}
	return NULL;
}

/*
 * Reads the row with the latest snapshot: other sessions' committed
 * settings, and this transaction's own.  A heap scan, no SPI: nothing the
 * caller set (search_path, roles) is involved.
 */
static void
refresh_cache(void)
{
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;
	Snapshot	snap;
	char	   *expected = NULL;
	char	   *known = NULL;
	bool		present = false;

	/*
	 * Valid from now on: an invalidation arriving while the table is read
	 * clears the flag again, and the next call reads again.
	 */
	cache_valid = true;
	cache_relid = setting_table();
	if (OidIsValid(cache_relid))
	{
		snap = RegisterSnapshot(GetLatestSnapshot());
		rel = table_open(cache_relid, AccessShareLock);
		scan = table_beginscan(rel, snap, 0, NULL);
		while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
		{
			expected = attr_text(tup, RelationGetDescr(rel), "expected_head");
			known = attr_text(tup, RelationGetDescr(rel), "known_heads");
			present = expected != NULL;
		}
		table_endscan(scan);
		table_close(rel, AccessShareLock);
		UnregisterSnapshot(snap);
	}

	if (cache_expected)
		pfree(cache_expected);
	if (cache_known)
		pfree(cache_known);
	cache_expected = MemoryContextStrdup(TopMemoryContext, expected ? expected : "");
	cache_known = MemoryContextStrdup(TopMemoryContext, known ? known : "");
	cache_present = present;
}

/* Is the durable setting in force for this session? */
static bool
durable_in_force(void)
{
	if (guc_set_in_session || !IsTransactionState())
		return false;
	if (!cache_valid)
	{
		PG_TRY();
		{
			refresh_cache();
		}
		PG_CATCH();
		{
			cache_valid = false;
			PG_RE_THROW();
		}
		PG_END_TRY();
	}
	return cache_present;
}

const char *
mg_heads_expected_setting(void)
{
	return durable_in_force() ? cache_expected : mg_expected_head;
}

const char *
mg_heads_known_setting(void)
{
	return durable_in_force() ? cache_known : mg_known_heads;
}

const char *
mg_heads_expected_origin(void)
{
	if (durable_in_force())
		return "the head declared by set_expected_head()";
	return "\"migration_guard.expected_head\"";
}

void
mg_heads_expected_init(void)
{
	CacheRegisterRelcacheCallback(invalidate_relcache, (Datum) 0);
	CacheRegisterSyscacheCallback(RELNAMENSP, invalidate_syscache, (Datum) 0);
}

/* ---------- SQL functions ---------- */

/*
 * May the current role declare the release's head?  Only those who may set
 * the GUC (superusers, GRANT SET ON PARAMETER migration_guard.expected_head).
 * SET on migration_guard.allow is not enough: it lets a migration role
 * accept a rule for its own statements, while the declaration (or '', which
 * turns head enforcement off) applies to every session of the database.
 */
static void
check_may_set_expected_head(void)
{
	if (superuser() ||
		pg_parameter_aclcheck("migration_guard.expected_head", GetUserId(), ACL_SET) == ACLCHECK_OK)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied to set the expected migration head"),
			 errdetail("Role \"%s\" may not set \"migration_guard.expected_head\".",
					   GetUserNameFromId(GetUserId(), false)),
			 errhint("Have a superuser run GRANT SET ON PARAMETER migration_guard.expected_head TO the deploying role.")));
}

/* Validates a head list exactly as SET would (the GUC's check hook). */
static void
validate_head_list(const char *name, const char *value)
{
	(void) set_config_option(name, value, PGC_SUSET, PGC_S_TEST,
							 GUC_ACTION_SET, false, ERROR, false);
}

static void enter_as_table_owner(MGOwnQuery *own, Oid relid);

/* Writes the row as the guard's own query: the caller needs no privilege. */
static void
write_setting(Oid relid, const char *expected, const char *known)
{
	MGOwnQuery	own;
	Oid			argtypes[3] = {TEXTOID, TEXTOID, TEXTOID};
	Datum		values[3];
	char	   *sql;
	int			rc;

	values[0] = CStringGetTextDatum(expected);
	values[1] = CStringGetTextDatum(known);
	values[2] = CStringGetTextDatum(GetUserNameFromId(GetUserId(), false));
	sql = psprintf("INSERT INTO %s.%s AS s (id, expected_head, known_heads, set_by)"
				   " VALUES (true, $1, $2, $3) ON CONFLICT (id) DO UPDATE"
				   " SET expected_head = EXCLUDED.expected_head,"
				   " known_heads = EXCLUDED.known_heads,"
				   " set_at = pg_catalog.clock_timestamp(),"
				   " set_by = EXCLUDED.set_by",
				   quote_identifier(get_namespace_name(get_rel_namespace(relid))),
				   quote_identifier(SETTING_TABLE));

	enter_as_table_owner(&own, relid);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = SPI_execute_with_args(sql, 3, argtypes, values, NULL, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "writing the expected head failed: %s", SPI_result_code_string(rc));
	SPI_finish();
	mg_heads_leave_own_query(&own);
}

/*
 * The setting table is written as its owner (whoever installed the
 * extension) with a fixed search_path, never as the bootstrap superuser:
 * the caller's right to declare the head was checked already.
 */
static void
enter_as_table_owner(MGOwnQuery *own, Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	mg_heads_enter_as(own, owner);
}

static Oid
setting_table_or_error(void)
{
	Oid			relid = setting_table();

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("migration_guard's expected-head table is missing"),
				 errhint("Update the extension: ALTER EXTENSION migration_guard UPDATE.")));
	return relid;
}

PG_FUNCTION_INFO_V1(mg_set_expected_head);

/*
 * migration_guard.set_expected_head(head text, known_heads text DEFAULT ''):
 * declares the release's head for every session, from their next statement
 * on, once this transaction commits.  Returns the head as stored (values
 * written without the file extension the tool stores are normalised).
 */
Datum
mg_set_expected_head(PG_FUNCTION_ARGS)
{
	char	   *expected;
	char	   *known;
	Oid			relid;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", PG_ARGISNULL(0) ? "head" : "known_heads"),
				 errhint("Pass '' to turn head enforcement off; migration_guard.clear_expected_head() returns to the migration_guard.expected_head setting.")));
	check_may_set_expected_head();
	relid = setting_table_or_error();

	expected = text_to_cstring(PG_GETARG_TEXT_PP(0));
	known = text_to_cstring(PG_GETARG_TEXT_PP(1));
	validate_head_list("migration_guard.expected_head", expected);
	validate_head_list("migration_guard.known_heads", known);
	expected = mg_heads_normalise_expected(expected, "head");
	known = mg_heads_normalise_expected(known, "known_heads");

	write_setting(relid, expected, known);
	PG_RETURN_TEXT_P(cstring_to_text(expected));
}

PG_FUNCTION_INFO_V1(mg_clear_expected_head);

/*
 * migration_guard.clear_expected_head(): removes the durable setting, so
 * migration_guard.expected_head (ALTER DATABASE, ALTER ROLE, the
 * configuration file) applies again.  Returns whether a setting existed.
 */
Datum
mg_clear_expected_head(PG_FUNCTION_ARGS)
{
	MGOwnQuery	own;
	Oid			relid;
	int			rc;
	uint64		n;

	check_may_set_expected_head();
	relid = setting_table_or_error();
	enter_as_table_owner(&own, relid);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	rc = SPI_execute(psprintf("DELETE FROM %s.%s",
							  quote_identifier(get_namespace_name(get_rel_namespace(relid))),
							  quote_identifier(SETTING_TABLE)), false, 0);
	if (rc != SPI_OK_DELETE)
		elog(ERROR, "clearing the expected head failed: %s", SPI_result_code_string(rc));
	n = SPI_processed;
	SPI_finish();
	mg_heads_leave_own_query(&own);
	PG_RETURN_BOOL(n > 0);
}

PG_FUNCTION_INFO_V1(mg_expected_head_changed);

/*
 * Statement trigger on expected_head_setting: every session must read the
 * table again.  The invalidation is transactional: other sessions receive
 * it when this transaction commits, this one at its next command.
 */
Datum
mg_expected_head_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("expected_head_changed() must be called as a trigger")));
	CacheInvalidateRelcacheByRelid(RelationGetRelid(trigdata->tg_relation));
	return PointerGetDatum(NULL);
}
