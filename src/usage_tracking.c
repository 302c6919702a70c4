/*-------------------------------------------------------------------------
 *
 * usage_tracking.c
 *	  Who still uses a deprecated column or table: counting each use the
 *	  executor's permission check sees into the shared table
 *	  (usage_shmem.c; saved at a clean shutdown and loaded at the next
 *	  start by usage_file.c), and the migration_guard.deprecated_use signal.
 *
 *	  The executor checks the permissions of every relation a query reads
 *	  or writes, with the columns it selects, inserts and updates, whatever
 *	  route the query took: views (their underlying tables are checked
 *	  too), functions, prepared statements, COPY, foreign-key checks.  That
 *	  check is the one place that sees every use, on a primary and on a hot
 *	  standby alike, so executor.c's ExecutorCheckPerms hook calls
 *	  mg_usage_check_perms() for each one.
 *
 *	  Cost: each backend caches the deprecated (relation, column) pairs of
 *	  its database.  With none, a query pays one test of a local variable.
 *	  The cache is rebuilt after a relcache invalidation of the list's
 *	  table, which its trigger sends at commit; invalidations are in the
 *	  commit record, so standbys' backends rebuild too.  Only a query that
 *	  touches a deprecated object takes the shared lock (shared mode) and
 *	  the entry's spinlock.
 *
 *	  The counters are evidence for the drop rules (deprecation_evidence.c):
 *	  tracking_since says from when they are complete.  It is the start of
 *	  the server unless the counters of the previous run were restored, so
 *	  a crash (which saves nothing) restarts the quiet period.
 *
 * IDENTIFICATION
 *	  src/usage_tracking.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include <sys/stat.h>
#include <unistd.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/parallel.h"
#include "access/sysattr.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_inherits.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/fd.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/backend_status.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "deprecation.h"
#include "usage_shmem.h"

/* At most one log line per object per minute with deprecated_use = log. */
#define LOG_INTERVAL_USECS	(60 * USECS_PER_SEC)

/* ---------- this backend's cache of watched objects ---------- */

/*
 * One (relation, column) whose use counts as a use of a deprecated object.
 * Inheritance children and partitions count for their topmost parent's
 * deprecation: a query may name them directly.
 */
typedef struct Watched
{
	Oid			relid;			/* the relation a query names */
	AttrNumber	attnum;			/* its column; 0: any use of the relation */
	Oid			obj_relid;		/* the deprecated object the use counts for */
	AttrNumber	obj_attnum;
} Watched;

static Watched *watched = NULL;
static int	nwatched = 0;
static bool cache_valid = false;
static uint64 cache_generation = 0; /* bumped by each relevant invalidation */
static bool callback_registered = false;
static Oid	cache_table = InvalidOid;
static MemoryContext cache_cxt = NULL;

/*
 * A relcache invalidation of the list's table (its trigger sends one at
 * commit), of a watched relation (renamed, dropped, columns changed), or of
 * everything.  Without the extension, any new relation may be its table.
 */
static void
invalidate_cache(Datum arg, Oid relid)
{
	bool		relevant = !OidIsValid(relid) || relid == cache_table ||
		!OidIsValid(cache_table);

	for (int i = 0; i < nwatched && !relevant; i++)
		relevant = watched[i].relid == relid;
	if (!relevant)
		return;
	cache_valid = false;
	cache_generation++;
}

static int
watched_cmp(const void *a, const void *b)
{
	Oid			ra = ((const Watched *) a)->relid;
	Oid			rb = ((const Watched *) b)->relid;

	return ra < rb ? -1 : ra > rb ? 1 : 0;
}

static void
add_watched(List **list, Oid relid, AttrNumber attnum, Oid obj_relid, AttrNumber obj_attnum)
{
	Watched    *w = palloc(sizeof(Watched));

	w->relid = relid;
	w->attnum = attnum;
	w->obj_relid = obj_relid;
	w->obj_attnum = obj_attnum;
	*list = lappend(*list, w);
}

/*
 * Every parent, grandparent, ... of relid (partitions and inheritance
 * children alike are in pg_inherits).  deprecate() refuses a partition or
 * child, but a deprecated table can be attached to a parent afterwards
 * (ATTACH PARTITION, ALTER TABLE ... INHERIT); queries through the parent
 * then name only the parent.
 */
static List *
relation_ancestors(Oid relid)
{
	List	   *result = NIL;
	List	   *todo = list_make1_oid(relid);
	Relation	inh = table_open(InheritsRelationId, AccessShareLock);

	while (todo != NIL)
	{
		Oid			child = linitial_oid(todo);
		ScanKeyData key;
		SysScanDesc scan;
		HeapTuple	tup;

		todo = list_delete_first(todo);
		ScanKeyInit(&key, Anum_pg_inherits_inhrelid, BTEqualStrategyNumber,
					F_OIDEQ, ObjectIdGetDatum(child));
		scan = systable_beginscan(inh, InheritsRelidSeqnoIndexId, true, NULL, 1, &key);
		while (HeapTupleIsValid(tup = systable_getnext(scan)))
		{
			Oid			parent = ((Form_pg_inherits) GETSTRUCT(tup))->inhparent;

			/* a cycle cannot be made, but never loop */
			if (!list_member_oid(result, parent) && list_length(result) < 1000)
			{
				result = lappend_oid(result, parent);
				todo = lappend_oid(todo, parent);
			}
		}
		systable_endscan(scan);
	}
	table_close(inh, AccessShareLock);
	return result;
}

static void
rebuild_cache(void)
{
	MemoryContext old;
	List	   *deps;
	List	   *items = NIL;
	ListCell   *lc;
	int			i = 0;
	uint64		generation = cache_generation;

	if (cache_cxt == NULL)
		cache_cxt = AllocSetContextCreate(TopMemoryContext, "migration_guard deprecations",
										  ALLOCSET_SMALL_SIZES);
	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(invalidate_cache, (Datum) 0);
		callback_registered = true;
	}
	cache_table = mg_deprecation_table();
	deps = mg_deprecations_read();
	foreach(lc, deps)
	{
		MGDeprecation *d = lfirst(lc);
		AttrNumber	attnum = d->attname ? get_attnum(d->relid, d->attname) : 0;
		List	   *family;
		ListCell   *lc2;

		if (attnum == InvalidAttrNumber && d->attname != NULL)
			continue;			/* renamed or dropped since */
		family = find_all_inheritors(d->relid, NoLock, NULL);
		foreach(lc2, family)
		{
			Oid			member = lfirst_oid(lc2);
			AttrNumber	member_attnum = attnum;

			if (member != d->relid && d->attname != NULL)
				member_attnum = get_attnum(member, d->attname);
			if (member_attnum == InvalidAttrNumber && d->attname != NULL)
				continue;
			add_watched(&items, member, member_attnum, d->relid, attnum);
		}
		/* attached since under a parent: queries through it reach the object */
		foreach(lc2, relation_ancestors(d->relid))
		{
			Oid			ancestor = lfirst_oid(lc2);
			AttrNumber	ancestor_attnum = d->attname ? get_attnum(ancestor, d->attname) : 0;

			if (ancestor_attnum == InvalidAttrNumber && d->attname != NULL)
				continue;
			add_watched(&items, ancestor, ancestor_attnum, d->relid, attnum);
		}
	}

	/* nwatched is set last: invalidate_cache() reads watched[] meanwhile */
	MemoryContextReset(cache_cxt);
	watched = NULL;
	nwatched = 0;
	if (items != NIL)
	{
		Watched    *w;

		old = MemoryContextSwitchTo(cache_cxt);
		w = palloc(sizeof(Watched) * list_length(items));
		MemoryContextSwitchTo(old);
		foreach(lc, items)
			w[i++] = *(Watched *) lfirst(lc);
		qsort(w, i, sizeof(Watched), watched_cmp);
		watched = w;
		nwatched = i;
	}

	/*
	 * an invalidation that arrived while we read makes the next query read
	 * again
	 */
	cache_valid = generation == cache_generation;
}

/* ---------- recording a use ---------- */

/* Moves (or puts) the user of this query to the front of the list. */
static void
note_user(MGUsage *u, Oid roleid, const char *appname, uint64 queryid, TimestampTz now)
{
	int			i;
	MGUsageUser cur;

	for (i = 0; i < MG_USAGE_USERS - 1; i++)
	{
		MGUsageUser *x = &u->users[i];

		if (x->roleid == roleid && x->queryid == queryid &&
			strncmp(x->appname, appname, NAMEDATALEN) == 0)
			break;
	}
	/* the same user as last time: the usual case, nothing moves */
	if (i == 0 && u->users[0].roleid == roleid)
	{
		u->users[0].last_use = now;
		return;
	}
	/* i: the match, or the last slot (the oldest user, dropped) */
	memmove(&u->users[1], &u->users[0], sizeof(MGUsageUser) * i);
	cur.roleid = roleid;
	strlcpy(cur.appname, appname, NAMEDATALEN);
	cur.queryid = queryid;
	cur.last_use = now;
	u->users[0] = cur;
}

/* Is the counted object gone: relation dropped, or column dropped? */
static bool
object_gone(const UsageKey *key)
{
	HeapTuple	tup;
	bool		gone;

	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(key->relid)))
		return true;
	if (key->attnum == 0)
		return false;
	tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(key->relid), Int16GetDatum(key->attnum));
	if (!HeapTupleIsValid(tup))
		return true;
	gone = ((Form_pg_attribute) GETSTRUCT(tup))->attisdropped;
	ReleaseSysCache(tup);
	return gone;
}

/*
 * The table is full: frees the entries of objects that no longer exist
 * (relations and columns dropped in this database, databases dropped),
 * which are evidence for nothing any more, so that the contract steps done
 * to the end do not fill it for good.  Only a transaction that has
 * changed nothing judges what is dropped (one that dropped a relation
 * itself could still roll back), and each backend tries at most once a
 * second.  Returns the number of entries freed.
 */
static int
evict_stale_entries(TimestampTz now)
{
	static TimestampTz last_try = 0;
	HASH_SEQ_STATUS seq;
	UsageEntry *e;
	List	   *keys = NIL;
	List	   *stale = NIL;
	ListCell   *lc;
	int			n;

	if (TransactionIdIsValid(GetTopTransactionIdIfAny()) ||
		now - last_try < USECS_PER_SEC)
		return 0;
	last_try = now;

	LWLockAcquire(mg_usage_shared->lock, LW_SHARED);
	hash_seq_init(&seq, mg_usage_hash);
	while ((e = hash_seq_search(&seq)) != NULL)
	{
		UsageKey   *k = palloc(sizeof(UsageKey));

		*k = e->key;
		keys = lappend(keys, k);
	}
	LWLockRelease(mg_usage_shared->lock);

	/* catalog lookups without the lock: they may read, or fail */
	foreach(lc, keys)
	{
		UsageKey   *k = lfirst(lc);

		if (k->dbid == MyDatabaseId ? object_gone(k) :
			!SearchSysCacheExists1(DATABASEOID, ObjectIdGetDatum(k->dbid)))
			stale = lappend(stale, k);
	}

	LWLockAcquire(mg_usage_shared->lock, LW_EXCLUSIVE);
	foreach(lc, stale)
		hash_search(mg_usage_hash, lfirst(lc), HASH_REMOVE, NULL);
	LWLockRelease(mg_usage_shared->lock);
	n = list_length(stale);
	list_free(stale);
	list_free_deep(keys);
	return n;
}

/* Counts one use; true when deprecated_use = log should log it now. */
static bool
record_use(Oid relid, AttrNumber attnum)
{
	UsageKey	key;
	UsageEntry *e;

	/*
	 * The time of the use itself, not of the client's statement: a procedure
	 * or DO block that loops (committing or not) for days uses the object
	 * long after its statement started.
	 */
	TimestampTz now = GetCurrentTimestamp();
	const char *appname = application_name ? application_name : "";
	bool		log_now = false;

	memset(&key, 0, sizeof(key));
	key.dbid = MyDatabaseId;
	key.relid = relid;
	key.attnum = attnum;

	LWLockAcquire(mg_usage_shared->lock, LW_SHARED);
	e = hash_search(mg_usage_hash, &key, HASH_FIND, NULL);
	if (e == NULL)
	{
		LWLockRelease(mg_usage_shared->lock);
		LWLockAcquire(mg_usage_shared->lock, LW_EXCLUSIVE);
		e = mg_usage_enter_entry(&key);
		if (e == NULL)
		{
			LWLockRelease(mg_usage_shared->lock);
			if (evict_stale_entries(now) > 0)
			{
				LWLockAcquire(mg_usage_shared->lock, LW_EXCLUSIVE);
				e = mg_usage_enter_entry(&key);
				if (e == NULL)
					LWLockRelease(mg_usage_shared->lock);
			}
		}
		if (e == NULL)
		{
			/* the evidence of every object is now incomplete: say when */
			mg_usage_note_overflow(now);
			return false;
		}
	}
	SpinLockAcquire(&e->mutex);
	if (e->usage.first_use == 0 || now < e->usage.first_use)
		e->usage.first_use = now;
	if (now > e->usage.last_use)
		e->usage.last_use = now;
	e->usage.uses++;
	note_user(&e->usage, GetOuterUserId(), appname, pgstat_get_my_query_id(), now);
	if (now - e->last_logged >= LOG_INTERVAL_USECS)
	{
		e->last_logged = now;
		log_now = true;
	}
	SpinLockRelease(&e->mutex);
	LWLockRelease(mg_usage_shared->lock);
	return log_now;
}

/* deprecated_use: a WARNING to the client, or a line in the server log. */
static void
signal_use(Oid relid, AttrNumber attnum, bool log_now)
{
	int			elevel;
	char	   *relname;
	char	   *attname;

	if (mg_deprecated_use == MG_DEPRECATED_USE_OFF ||
		(mg_deprecated_use == MG_DEPRECATED_USE_LOG && !log_now))
		return;
	elevel = mg_deprecated_use == MG_DEPRECATED_USE_WARNING ? WARNING : LOG;
	relname = get_rel_name(relid);
	attname = attnum != 0 ? get_attname(relid, attnum, true) : NULL;
	if (relname == NULL || (attnum != 0 && attname == NULL))
		return;					/* dropped meanwhile: counted, not named */
	if (attnum != 0)
		ereport(elevel,
				(errcode(ERRCODE_MG_DEPRECATED_USE),
				 errmsg("query uses deprecated column \"%s\" of \"%s\"",
						attname, relname),
				 errdetail("The column was deprecated with migration_guard.deprecate(); it is to be dropped once nothing uses it."),
				 errhint("Change the code that runs this query; SELECT * FROM migration_guard.deprecations shows who else still uses it.")));
	else
		ereport(elevel,
				(errcode(ERRCODE_MG_DEPRECATED_USE),
				 errmsg("query uses deprecated relation \"%s\"", relname),
				 errdetail("The relation was deprecated with migration_guard.deprecate(); it is to be dropped once nothing uses it."),
				 errhint("Change the code that runs this query; SELECT * FROM migration_guard.deprecations shows who else still uses it.")));
}

/*
 * Does the permission entry use the column?  SELECT * and whole-row
 * references (t.*, row_to_json(t)) select every column: the application
 * receives the column's value, and code that reads it by position or
 * through a mapped record breaks when it goes.
 */
static bool
uses_column(MGPermEntry * perm, AttrNumber attnum)
{
	int			col = attnum - FirstLowInvalidHeapAttributeNumber;
	int			whole = InvalidAttrNumber - FirstLowInvalidHeapAttributeNumber;

	return bms_is_member(col, perm->selectedCols) ||
		bms_is_member(whole, perm->selectedCols) ||
		bms_is_member(col, perm->insertedCols) ||
		bms_is_member(col, perm->updatedCols);
}

/* first index of relid in watched[], or -1 */
static int
find_watched(Oid relid)
{
	int			lo = 0,
				hi = nwatched;

	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (watched[mid].relid < relid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < nwatched && watched[lo].relid == relid ? lo : -1;
}

/* One deprecated object a query uses. */
typedef struct Hit
{
	Oid			relid;
	AttrNumber	attnum;
} Hit;

static int
hit_cmp(const void *a, const void *b)
{
	const Hit  *x = a;
	const Hit  *y = b;

	if (x->relid != y->relid)
		return x->relid < y->relid ? -1 : 1;
	return x->attnum < y->attnum ? -1 : x->attnum > y->attnum ? 1 : 0;
}

/* Hits kept on the stack; more (SELECT * of a wide table) go to palloc. */
#define LOCAL_HITS	32

/*
 * Called from the ExecutorCheckPerms hook (executor.c) with the permission
 * entries of the query about to run.  Each deprecated object the query
 * uses is counted once, however many of them it uses: a cap would let
 * the columns past it go unseen.
 */
void
mg_usage_check_perms(List *perms)
{
	Hit			local[LOCAL_HITS];
	Hit		   *hits = local;
	int			maxhits = LOCAL_HITS;
	int			nhits = 0;
	ListCell   *lc;

	/* the fast path: nothing deprecated in this database */
	if (cache_valid && nwatched == 0)
		return;
	if (mg_usage_shared == NULL || IsParallelWorker() || !IsTransactionState())
		return;
	if (!cache_valid)
		rebuild_cache();
	if (nwatched == 0)
		return;

	foreach(lc, perms)
	{
		MGPermEntry *perm = (MGPermEntry *) lfirst(lc);
		int			i;

		if (perm->requiredPerms == 0 || (i = find_watched(perm->relid)) < 0)
			continue;
		for (; i < nwatched && watched[i].relid == perm->relid; i++)
		{
			Watched    *w = &watched[i];

			if (w->attnum != 0 && !uses_column(perm, w->attnum))
				continue;
			if (nhits == maxhits)
			{
				Hit		   *more = palloc(sizeof(Hit) * maxhits * 2);

				memcpy(more, hits, sizeof(Hit) * nhits);
				if (hits != local)
					pfree(hits);
				hits = more;
				maxhits *= 2;
			}
			hits[nhits].relid = w->obj_relid;
			hits[nhits].attnum = w->obj_attnum;
			nhits++;
		}
	}
	/* once per object, whichever children or self-joins named it */
	if (nhits > 1)
		qsort(hits, nhits, sizeof(Hit), hit_cmp);
	for (int j = 0; j < nhits; j++)
	{
		if (j > 0 && hit_cmp(&hits[j], &hits[j - 1]) == 0)
			continue;
		signal_use(hits[j].relid, hits[j].attnum,
				   record_use(hits[j].relid, hits[j].attnum));
	}
	if (hits != local)
		pfree(hits);
}
