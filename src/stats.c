/*-------------------------------------------------------------------------
 *
 * stats.c
 *	  The guard's counters in shared memory, read by the migration_guard.stats
 *	  view and cleared by migration_guard.stats_reset().
 *
 *	  Per database: statements judged, lock timeouts, retries and retries
 *	  that succeeded, backfill batches and rows; per database and rule:
 *	  findings refused, warned, and let through by each override mechanism;
 *	  the time of the last event of each kind.
 *
 *	  Counting takes no lock: every counter is a 64-bit atomic, every "last"
 *	  time an atomic write.  The only lock is a spinlock taken once per
 *	  backend, at its first event, to find (or claim) its database's slot.
 *	  Statements no rule concerns never get here (pipeline.c sends them down the
 *	  chain first).  A reset zeroes the counters without a lock: an event
 *	  counted during the reset may survive it, as with pg_stat_statements.
 *
 *	  Slots are claimed for the first MG_STATS_DATABASES databases that
 *	  have an event; once all are claimed, a slot of a dropped database is
 *	  taken over (zeroed) by a new one; failing that, later databases
 *	  share one overflow slot (datid 0).
 *
 * IDENTIFICATION
 *	  src/stats.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/xact.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/builtins.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "audit.h"
#include "rules.h"
#include "stats.h"

#define MG_STATS_DATABASES 64

typedef struct RuleCounters
{
	pg_atomic_uint64 refused;
	pg_atomic_uint64 warned;
	pg_atomic_uint64 overridden[MG_NUM_OVERRIDE_MECHANISMS];
	pg_atomic_uint64 last_refused;	/* TimestampTz, 0 = never */
	pg_atomic_uint64 last_warned;
	pg_atomic_uint64 last_override;
} RuleCounters;

/* Per-database events, in the order of the view's columns. */
typedef enum DbEvent
{
	EV_JUDGED,
	EV_LOCK_TIMEOUT,
	EV_LOCK_RETRY,
	EV_LOCK_RETRY_SUCCEEDED,
	EV_BACKFILL_BATCH,
	EV_NUM
} DbEvent;

typedef struct DbCounters
{
	Oid			datid;			/* written once, under the spinlock */
	pg_atomic_uint64 count[EV_NUM];
	pg_atomic_uint64 last[EV_NUM];
	pg_atomic_uint64 backfill_rows;
	RuleCounters rules[MG_NUM_RULES];
} DbCounters;

typedef struct StatsShared
{
	slock_t		mutex;			/* protects nused and slots' datid */
	int			nused;
	pg_atomic_uint64 reset_at;	/* TimestampTz */
	DbCounters	db[MG_STATS_DATABASES + 1]; /* the last: overflow */
} StatsShared;

/*
 * Set by mg_stats_shmem_startup(), which shmem.c calls only when the
 * library reserved shared memory (shared_preload_libraries): NULL means
 * the counters are not available, and every counting call is a no-op.
 */
static StatsShared *stats = NULL;
static DbCounters *my_db = NULL;	/* this backend's slot, once found */

Size
mg_stats_shmem_size(void)
{
	return MAXALIGN(sizeof(StatsShared));
}

static void
zero_db(DbCounters *d)
{
	for (int e = 0; e < EV_NUM; e++)
	{
		pg_atomic_write_u64(&d->count[e], 0);
		pg_atomic_write_u64(&d->last[e], 0);
	}
	pg_atomic_write_u64(&d->backfill_rows, 0);
	for (int r = 0; r < MG_NUM_RULES; r++)
	{
		RuleCounters *rc = &d->rules[r];

		pg_atomic_write_u64(&rc->refused, 0);
		pg_atomic_write_u64(&rc->warned, 0);
		for (int m = 0; m < MG_NUM_OVERRIDE_MECHANISMS; m++)
			pg_atomic_write_u64(&rc->overridden[m], 0);
		pg_atomic_write_u64(&rc->last_refused, 0);
		pg_atomic_write_u64(&rc->last_warned, 0);
		pg_atomic_write_u64(&rc->last_override, 0);
	}
}

/* shmem_users[] startup (shmem.c): under AddinShmemInitLock. */
void
mg_stats_shmem_startup(void)
{
	bool		found;

	stats = ShmemInitStruct("migration_guard stats", sizeof(StatsShared), &found);
	if (found)
		return;
	SpinLockInit(&stats->mutex);
	stats->nused = 0;
	for (int i = 0; i <= MG_STATS_DATABASES; i++)
	{
		for (int e = 0; e < EV_NUM; e++)
		{
			pg_atomic_init_u64(&stats->db[i].count[e], 0);
			pg_atomic_init_u64(&stats->db[i].last[e], 0);
		}
		pg_atomic_init_u64(&stats->db[i].backfill_rows, 0);
		for (int r = 0; r < MG_NUM_RULES; r++)
		{
			RuleCounters *rc = &stats->db[i].rules[r];

			pg_atomic_init_u64(&rc->refused, 0);
			pg_atomic_init_u64(&rc->warned, 0);
			for (int m = 0; m < MG_NUM_OVERRIDE_MECHANISMS; m++)
				pg_atomic_init_u64(&rc->overridden[m], 0);
			pg_atomic_init_u64(&rc->last_refused, 0);
			pg_atomic_init_u64(&rc->last_warned, 0);
			pg_atomic_init_u64(&rc->last_override, 0);
		}
		stats->db[i].datid = InvalidOid;
	}
	pg_atomic_init_u64(&stats->reset_at, (uint64) GetCurrentTimestamp());
}

/*
 * A slot of a database that no longer exists, taken over for this one with
 * its counters zeroed; NULL when every slot's database exists.  Once all
 * slots are claimed, a server whose databases come and go (a CI cluster
 * creating one per run) would otherwise count every new database in the
 * overflow slot.  No backend of a dropped database is left to count in its
 * slot.  The catalog is read outside the spinlock; the claim re-checks the
 * slot under it.
 */
static DbCounters *
reclaim_dropped_slot(void)
{
	Oid			datids[MG_STATS_DATABASES];
	int			n;

	SpinLockAcquire(&stats->mutex);
	n = stats->nused;
	for (int i = 0; i < n; i++)
		datids[i] = stats->db[i].datid;
	SpinLockRelease(&stats->mutex);

	for (int i = 0; i < n; i++)
	{
		DbCounters *d = NULL;

		CHECK_FOR_INTERRUPTS();
		if (datids[i] == MyDatabaseId ||
			SearchSysCacheExists1(DATABASEOID, ObjectIdGetDatum(datids[i])))
			continue;
		SpinLockAcquire(&stats->mutex);
		/* unless another backend of this database claimed one meanwhile */
		for (int j = 0; j < stats->nused; j++)
			if (stats->db[j].datid == MyDatabaseId)
				d = &stats->db[j];
		if (d == NULL && stats->db[i].datid == datids[i])
		{
			d = &stats->db[i];
			d->datid = MyDatabaseId;
			zero_db(d);
		}
		SpinLockRelease(&stats->mutex);
		if (d != NULL)
			return d;
	}
	return NULL;
}

/*
 * This backend's database slot; NULL without shared memory or outside a
 * database.  The spinlock is taken at most once per backend (a few times
 * more when every slot is claimed and one is sought among dropped
 * databases, which needs the catalog: only when may_read_catalog).
 */
static DbCounters *
db_slot_ex(bool may_read_catalog)
{
	DbCounters *d = NULL;

	if (likely(my_db != NULL))
		return my_db;
	if (stats == NULL || !OidIsValid(MyDatabaseId))
		return NULL;

	SpinLockAcquire(&stats->mutex);
	for (int i = 0; i < stats->nused; i++)
		if (stats->db[i].datid == MyDatabaseId)
			d = &stats->db[i];
	if (d == NULL && stats->nused < MG_STATS_DATABASES)
	{
		d = &stats->db[stats->nused];
		d->datid = MyDatabaseId;
		stats->nused++;
	}
	SpinLockRelease(&stats->mutex);

	if (d == NULL)
	{
		if (!may_read_catalog || !IsTransactionState())
			return &stats->db[MG_STATS_DATABASES];	/* not remembered: try
													 * again */
		d = reclaim_dropped_slot();
		if (d == NULL)
			d = &stats->db[MG_STATS_DATABASES];
	}
	my_db = d;
	return my_db;
}

/* For events that can come while an error is being handled. */
static DbCounters *
db_slot(void)
{
	return db_slot_ex(false);
}

static inline void
stamp(pg_atomic_uint64 *last)
{
	pg_atomic_write_u64(last, (uint64) GetCurrentTimestamp());
}

static void
count_event(DbEvent ev)
{
	DbCounters *d = db_slot();

	if (d == NULL)
		return;
	pg_atomic_fetch_add_u64(&d->count[ev], 1);
	stamp(&d->last[ev]);
}

void
mg_stats_count_judged(void)
{
	/*
	 * The one counter on the path of every judged statement: no clock read
	 * here, the statement's start time is already known.  Called before the
	 * statement runs, so the catalog may be read.
	 */
	DbCounters *d = db_slot_ex(true);

	if (d == NULL)
		return;
	pg_atomic_fetch_add_u64(&d->count[EV_JUDGED], 1);
	pg_atomic_write_u64(&d->last[EV_JUDGED], (uint64) GetCurrentStatementStartTimestamp());
}

void
mg_stats_count_finding(MGRuleId rule, bool refused)
{
	DbCounters *d = db_slot();
	RuleCounters *rc;

	if (d == NULL)
		return;
	rc = &d->rules[rule];
	if (refused)
	{
		pg_atomic_fetch_add_u64(&rc->refused, 1);
		stamp(&rc->last_refused);
	}
	else
	{
		pg_atomic_fetch_add_u64(&rc->warned, 1);
		stamp(&rc->last_warned);
	}
}

void
mg_stats_count_override(MGRuleId rule, MGOverrideMechanism how)
{
	DbCounters *d = db_slot();

	if (d == NULL)
		return;
	pg_atomic_fetch_add_u64(&d->rules[rule].overridden[how], 1);
	stamp(&d->rules[rule].last_override);
}

void
mg_stats_count_lock_timeout(void)
{
	count_event(EV_LOCK_TIMEOUT);
}

void
mg_stats_count_lock_retry(void)
{
	count_event(EV_LOCK_RETRY);
}

void
mg_stats_count_lock_retry_succeeded(void)
{
	count_event(EV_LOCK_RETRY_SUCCEEDED);
}

void
mg_stats_count_backfill_batch(int64 rows)
{
	DbCounters *d = db_slot();

	if (d == NULL)
		return;
	count_event(EV_BACKFILL_BATCH);
	pg_atomic_fetch_add_u64(&d->backfill_rows, (uint64) Max(rows, 0));
}

/* ---------- SQL: migration_guard._stats(), migration_guard.stats_reset() ---------- */

/* Columns of _stats(), in order (extension/60_observe.sql). */
enum
{
	C_DATID,
	C_RULE,
	C_JUDGED,
	C_REFUSED,
	C_WARNED,
	C_OVER_SET,
	C_OVER_SET_LOCAL,
	C_OVER_DIRECTIVE,
	C_OVER_SEVERITY,
	C_LOCK_TIMEOUTS,
	C_LOCK_RETRIES,
	C_LOCK_RETRIES_SUCCEEDED,
	C_BACKFILL_BATCHES,
	C_BACKFILL_ROWS,
	C_LAST_JUDGED,
	C_LAST_REFUSED,
	C_LAST_WARNED,
	C_LAST_OVERRIDE,
	C_LAST_LOCK_TIMEOUT,
	C_LAST_LOCK_RETRY,
	C_LAST_BACKFILL_BATCH,
	C_STATS_RESET,
	C_NCOLS
};

static void
put_count(Datum *values, bool *nulls, int col, uint64 n)
{
	values[col] = Int64GetDatum((int64) n);
	nulls[col] = false;
}

static void
put_time(Datum *values, bool *nulls, int col, uint64 t)
{
	values[col] = TimestampTzGetDatum((TimestampTz) t);
	nulls[col] = (t == 0);
}

/* The database's total row: its own counters and the sums over rules. */
static void
emit_db_row(Tuplestorestate *ts, TupleDesc desc, DbCounters *d, uint64 reset_at)
{
	Datum		values[C_NCOLS];
	bool		nulls[C_NCOLS];
	uint64		refused = 0,
				warned = 0,
				over[MG_NUM_OVERRIDE_MECHANISMS] = {0},
				last_refused = 0,
				last_warned = 0,
				last_override = 0;
	static const int event_cols[EV_NUM] = {C_JUDGED, C_LOCK_TIMEOUTS, C_LOCK_RETRIES,
	C_LOCK_RETRIES_SUCCEEDED, C_BACKFILL_BATCHES};
	static const int last_cols[EV_NUM] = {C_LAST_JUDGED, C_LAST_LOCK_TIMEOUT, C_LAST_LOCK_RETRY,
	-1, C_LAST_BACKFILL_BATCH};

	memset(nulls, true, sizeof(nulls));
	for (int r = 0; r < MG_NUM_RULES; r++)
	{
		RuleCounters *rc = &d->rules[r];

		refused += pg_atomic_read_u64(&rc->refused);
		warned += pg_atomic_read_u64(&rc->warned);
		for (int m = 0; m < MG_NUM_OVERRIDE_MECHANISMS; m++)
			over[m] += pg_atomic_read_u64(&rc->overridden[m]);
		last_refused = Max(last_refused, pg_atomic_read_u64(&rc->last_refused));
		last_warned = Max(last_warned, pg_atomic_read_u64(&rc->last_warned));
		last_override = Max(last_override, pg_atomic_read_u64(&rc->last_override));
	}
	values[C_DATID] = ObjectIdGetDatum(d->datid);
	nulls[C_DATID] = false;
	for (int e = 0; e < EV_NUM; e++)
	{
		put_count(values, nulls, event_cols[e], pg_atomic_read_u64(&d->count[e]));
		if (last_cols[e] >= 0)
			put_time(values, nulls, last_cols[e], pg_atomic_read_u64(&d->last[e]));
	}
	put_count(values, nulls, C_BACKFILL_ROWS, pg_atomic_read_u64(&d->backfill_rows));
	put_count(values, nulls, C_REFUSED, refused);
	put_count(values, nulls, C_WARNED, warned);
	put_count(values, nulls, C_OVER_SET, over[MG_OVERRIDE_SET]);
	put_count(values, nulls, C_OVER_SET_LOCAL, over[MG_OVERRIDE_SET_LOCAL]);
	put_count(values, nulls, C_OVER_DIRECTIVE, over[MG_OVERRIDE_DIRECTIVE]);
	put_count(values, nulls, C_OVER_SEVERITY, over[MG_OVERRIDE_SEVERITY]);
	put_time(values, nulls, C_LAST_REFUSED, last_refused);
	put_time(values, nulls, C_LAST_WARNED, last_warned);
	put_time(values, nulls, C_LAST_OVERRIDE, last_override);
	put_time(values, nulls, C_STATS_RESET, reset_at);
	tuplestore_putvalues(ts, desc, values, nulls);
}

/* One row per rule with any event; database-wide columns are NULL there. */
static void
emit_rule_rows(Tuplestorestate *ts, TupleDesc desc, DbCounters *d, uint64 reset_at)
{
	for (int r = 0; r < MG_NUM_RULES; r++)
	{
		RuleCounters *rc = &d->rules[r];
		Datum		values[C_NCOLS];
		bool		nulls[C_NCOLS];
		uint64		any;

		any = pg_atomic_read_u64(&rc->refused) | pg_atomic_read_u64(&rc->warned);
		for (int m = 0; m < MG_NUM_OVERRIDE_MECHANISMS; m++)
			any |= pg_atomic_read_u64(&rc->overridden[m]);
		if (any == 0)
			continue;

		memset(nulls, true, sizeof(nulls));
		values[C_DATID] = ObjectIdGetDatum(d->datid);
		nulls[C_DATID] = false;
		values[C_RULE] = CStringGetTextDatum(mg_rules[r].name);
		nulls[C_RULE] = false;
		put_count(values, nulls, C_REFUSED, pg_atomic_read_u64(&rc->refused));
		put_count(values, nulls, C_WARNED, pg_atomic_read_u64(&rc->warned));
		put_count(values, nulls, C_OVER_SET, pg_atomic_read_u64(&rc->overridden[MG_OVERRIDE_SET]));
		put_count(values, nulls, C_OVER_SET_LOCAL, pg_atomic_read_u64(&rc->overridden[MG_OVERRIDE_SET_LOCAL]));
		put_count(values, nulls, C_OVER_DIRECTIVE, pg_atomic_read_u64(&rc->overridden[MG_OVERRIDE_DIRECTIVE]));
		put_count(values, nulls, C_OVER_SEVERITY, pg_atomic_read_u64(&rc->overridden[MG_OVERRIDE_SEVERITY]));
		put_time(values, nulls, C_LAST_REFUSED, pg_atomic_read_u64(&rc->last_refused));
		put_time(values, nulls, C_LAST_WARNED, pg_atomic_read_u64(&rc->last_warned));
		put_time(values, nulls, C_LAST_OVERRIDE, pg_atomic_read_u64(&rc->last_override));
		put_time(values, nulls, C_STATS_RESET, reset_at);
		tuplestore_putvalues(ts, desc, values, nulls);
	}
}

PG_FUNCTION_INFO_V1(mg_stats);

/*
 * The counters of every database with a slot.  Without shared memory
 * (library not in shared_preload_libraries) there are none: no rows.
 */
Datum
mg_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	uint64		reset_at;
	int			nused;

	InitMaterializedSRF(fcinfo, 0);
	if (stats == NULL)
		return (Datum) 0;

	reset_at = pg_atomic_read_u64(&stats->reset_at);
	SpinLockAcquire(&stats->mutex);
	nused = stats->nused;
	SpinLockRelease(&stats->mutex);

	for (int i = 0; i <= MG_STATS_DATABASES; i++)
	{
		DbCounters *d = &stats->db[i];

		if (i >= nused && i < MG_STATS_DATABASES)
			continue;
		/* the overflow slot only once something overflowed */
		if (i == MG_STATS_DATABASES && pg_atomic_read_u64(&d->count[EV_JUDGED]) == 0)
			continue;
		emit_db_row(rsinfo->setResult, rsinfo->setDesc, d, reset_at);
		emit_rule_rows(rsinfo->setResult, rsinfo->setDesc, d, reset_at);
	}
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(mg_stats_reset);

/*
 * Zeroes every counter.  Who may call it is decided by GRANT EXECUTE (the
 * install script revokes it from PUBLIC).
 */
Datum
mg_stats_reset(PG_FUNCTION_ARGS)
{
	if (stats == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("migration_guard statistics are not available"),
				 errdetail("The library was not loaded through shared_preload_libraries."),
				 errhint("Add migration_guard to shared_preload_libraries and restart the server.")));

	for (int i = 0; i <= MG_STATS_DATABASES; i++)
		zero_db(&stats->db[i]);
	pg_atomic_write_u64(&stats->reset_at, (uint64) GetCurrentTimestamp());
	PG_RETURN_VOID();
}
