/*-------------------------------------------------------------------------
 *
 * usage_shmem.c
 *	  The shared table of usage counters of deprecated objects: its shared
 *	  memory, adding an entry (within USAGE_MAX_ENTRIES), and every read
 *	  and reset of the counters.  The bottom of the usage files:
 *	  usage_tracking.c counts uses into it, usage_file.c saves and loads
 *	  it across a clean restart, and the evidence of the drop rules
 *	  (deprecation_evidence.c) and the SQL view (usage_report.c) read it.
 *
 * IDENTIFICATION
 *	  src/usage_shmem.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "miscadmin.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/timestamp.h"

#include "deprecation.h"
#include "usage_shmem.h"

#define USAGE_TRANCHE		"migration_guard_usage"

UsageShared *mg_usage_shared = NULL;
HTAB	   *mg_usage_hash = NULL;

/* ---------- the table ---------- */

Size
mg_usage_shmem_size(void)
{
	RequestNamedLWLockTranche(USAGE_TRANCHE, 1);
	return add_size(MAXALIGN(sizeof(UsageShared)),
					hash_estimate_size(USAGE_MAX_ENTRIES, sizeof(UsageEntry)));
}

/*
 * Creates the table in shared memory, or attaches to it (EXEC_BACKEND).
 * Returns whether it existed already.
 */
bool
mg_usage_shmem_attach(void)
{
	bool		found;
	HASHCTL		info;

	mg_usage_shared = ShmemInitStruct("migration_guard usage", sizeof(UsageShared), &found);
	if (!found)
	{
		mg_usage_shared->lock = &(GetNamedLWLockTranche(USAGE_TRANCHE))->lock;
		mg_usage_shared->tracking_since = GetCurrentTimestamp();
		mg_usage_shared->restored = false;
		SpinLockInit(&mg_usage_shared->mutex);
		mg_usage_shared->overflow_at = 0;
	}
	info.keysize = sizeof(UsageKey);
	info.entrysize = sizeof(UsageEntry);
	mg_usage_hash = ShmemInitHash("migration_guard usage hash",
								  USAGE_MAX_ENTRIES, USAGE_MAX_ENTRIES,
								  &info, HASH_ELEM | HASH_BLOBS);
	return found;
}

/*
 * The entry of key, made if missing and there is room; NULL when the table
 * holds USAGE_MAX_ENTRIES already.  A shared hash table grows past its
 * size into the shared memory every other part of the server allocates
 * from (the lock table among them), so the limit is kept here.
 */
UsageEntry *
mg_usage_enter_entry(const UsageKey *key)
{
	bool		found;
	UsageEntry *e = hash_search(mg_usage_hash, key, HASH_FIND, NULL);

	if (e != NULL)
		return e;
	if (hash_get_num_entries(mg_usage_hash) >= USAGE_MAX_ENTRIES)
		return NULL;
	e = hash_search(mg_usage_hash, key, HASH_ENTER_NULL, &found);
	if (e != NULL && !found)
	{
		SpinLockInit(&e->mutex);
		memset(&e->usage, 0, sizeof(MGUsage));
		e->last_logged = 0;
	}
	return e;
}

bool
mg_usage_available(void)
{
	return mg_usage_shared != NULL;
}

TimestampTz
mg_usage_tracking_since(void)
{
	return mg_usage_shared ? mg_usage_shared->tracking_since : 0;
}

TimestampTz
mg_usage_overflow_at(void)
{
	TimestampTz t;

	if (mg_usage_shared == NULL)
		return 0;
	SpinLockAcquire(&mg_usage_shared->mutex);
	t = mg_usage_shared->overflow_at;
	SpinLockRelease(&mg_usage_shared->mutex);
	return t;
}

/* A use could not be counted (the table was full) at now: say when. */
void
mg_usage_note_overflow(TimestampTz now)
{
	SpinLockAcquire(&mg_usage_shared->mutex);
	mg_usage_shared->overflow_at = now;
	SpinLockRelease(&mg_usage_shared->mutex);
}

/* ---------- reading the counters ---------- */

bool
mg_usage_lookup(Oid relid, AttrNumber attnum, MGUsage *usage)
{
	UsageKey	key;
	UsageEntry *e;

	memset(usage, 0, sizeof(MGUsage));
	if (mg_usage_shared == NULL)
		return false;
	memset(&key, 0, sizeof(key));
	key.dbid = MyDatabaseId;
	key.relid = relid;
	key.attnum = attnum;
	LWLockAcquire(mg_usage_shared->lock, LW_SHARED);
	e = hash_search(mg_usage_hash, &key, HASH_FIND, NULL);
	if (e != NULL)
	{
		SpinLockAcquire(&e->mutex);
		*usage = e->usage;
		SpinLockRelease(&e->mutex);
	}
	LWLockRelease(mg_usage_shared->lock);
	return e != NULL;
}

/*
 * Copies of this database's counters (MGUsageRow), taken under the lock;
 * names are looked up by the caller, after.
 */
List *
mg_usage_rows(void)
{
	HASH_SEQ_STATUS seq;
	UsageEntry *e;
	List	   *rows = NIL;

	if (mg_usage_shared == NULL)
		return NIL;
	LWLockAcquire(mg_usage_shared->lock, LW_SHARED);
	hash_seq_init(&seq, mg_usage_hash);
	while ((e = hash_seq_search(&seq)) != NULL)
	{
		MGUsageRow *r;

		if (e->key.dbid != MyDatabaseId)
			continue;
		r = palloc(sizeof(MGUsageRow));
		r->relid = e->key.relid;
		r->attnum = (AttrNumber) e->key.attnum;
		SpinLockAcquire(&e->mutex);
		r->usage = e->usage;
		SpinLockRelease(&e->mutex);
		rows = lappend(rows, r);
	}
	LWLockRelease(mg_usage_shared->lock);
	return rows;
}

/*
 * Zeroes the counters of one object of this database (relid, attnum), or
 * of all of them (relid invalid), and notes when: the quiet period of what
 * was reset starts again.  Returns how many were reset.
 */
int64
mg_usage_reset(Oid relid, AttrNumber attnum)
{
	TimestampTz now = GetCurrentTimestamp();
	HASH_SEQ_STATUS seq;
	UsageEntry *e;
	int64		n = 0;

	if (mg_usage_shared == NULL)
		return 0;
	LWLockAcquire(mg_usage_shared->lock, LW_EXCLUSIVE);
	hash_seq_init(&seq, mg_usage_hash);
	while ((e = hash_seq_search(&seq)) != NULL)
	{
		if (e->key.dbid != MyDatabaseId ||
			(OidIsValid(relid) && (e->key.relid != relid || e->key.attnum != attnum)))
			continue;
		SpinLockAcquire(&e->mutex);
		memset(&e->usage, 0, sizeof(MGUsage));
		e->usage.reset_at = now;
		SpinLockRelease(&e->mutex);
		n++;
	}
	LWLockRelease(mg_usage_shared->lock);
	return n;
}

bool
mg_usage_restored(void)
{
	return mg_usage_shared != NULL && mg_usage_shared->restored;
}
