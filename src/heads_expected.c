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
 *	  The settings layer of the family: calls the settings and the head
 *	  lists only.  The SQL functions that write the durable setting are in
 *	  heads_expected_sql.c.
 *
 * IDENTIFICATION
 *	  src/heads_expected.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "commands/extension.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "heads_expected.h"
#include "heads_settings.h"
#include "heads_versions.h"

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
Oid
mg_heads_setting_table(void)
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
	relid = get_relname_relid(MG_HEADS_SETTING_TABLE, nspid);
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
	cache_relid = mg_heads_setting_table();
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
	if (mg_heads_expected_set_in_session() || !IsTransactionState())
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

static const char *
expected_setting(void)
{
	return durable_in_force() ? cache_expected : mg_expected_head;
}

static const char *
known_setting(void)
{
	return durable_in_force() ? cache_known : mg_known_heads;
}

/* Does the expected head come from set_expected_head()? */
bool
mg_heads_expected_declared(void)
{
	return durable_in_force();
}

/* The expected head(s) and the known heads, as lists. */
List *
mg_heads_expected_list(void)
{
	return mg_heads_parse_list(expected_setting());
}

List *
mg_heads_known_list(void)
{
	return mg_heads_parse_list(known_setting());
}

/* Is an expected head set (by set_expected_head() or the GUC)? */
bool
mg_heads_expected_set(void)
{
	const char *e = expected_setting();

	return e != NULL && e[0] != '\0';
}

/*
 * Is the guard watching the migration table: an expected head is set
 * (refusals), or the extension is installed (head_history)?
 */
bool
mg_heads_watching(void)
{
	return mg_heads_expected_set() ||
		OidIsValid(get_extension_oid("migration_guard", true));
}

void
mg_heads_expected_init(void)
{
	CacheRegisterRelcacheCallback(invalidate_relcache, (Datum) 0);
	CacheRegisterSyscacheCallback(RELNAMENSP, invalidate_syscache, (Datum) 0);
}
