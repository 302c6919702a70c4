/*-------------------------------------------------------------------------
 *
 * backfill_job.c
 *	  The job table of batched backfills (migration_guard.backfill_jobs):
 *	  reading and writing a job's row (its cursor, counters, state and
 *	  control columns), and the session lock that keeps one runner per job.
 *	  The SQL-callable control functions are in backfill_control.c.
 *
 *	  The backfill procedure runs with its caller's privileges (a SECURITY
 *	  DEFINER or SET clause would make its CALL atomic, and it could not
 *	  commit).  Its bookkeeping must not depend on the caller being allowed
 *	  to write the job table, so every statement on that table runs here as
 *	  the table's owner with search_path pinned to pg_catalog, pg_temp, the
 *	  way a SECURITY DEFINER function with SET search_path would.  Nothing
 *	  of the caller's runs in that scope.
 *
 * IDENTIFICATION
 *	  src/backfill_job.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "backfill.h"

#define JOBS "migration_guard.backfill_jobs"

/* ---------- running as the job table's owner ---------- */

typedef struct OwnerScope
{
	Oid			save_userid;
	int			save_sec;
	int			nestlevel;
} OwnerScope;

static Oid
jobs_table_owner(void)
{
	Oid			nsp = get_namespace_oid("migration_guard", true);
	Oid			relid = OidIsValid(nsp) ? get_relname_relid("backfill_jobs", nsp) : InvalidOid;
	HeapTuple	tup;
	Oid			owner;

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"migration_guard\" is not installed in this database"),
				 errhint("Run CREATE EXTENSION migration_guard.")));
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

static void
owner_scope_enter(OwnerScope *s)
{
	Oid			owner = jobs_table_owner();

	GetUserIdAndSecContext(&s->save_userid, &s->save_sec);
	SetUserIdAndSecContext(owner, s->save_sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	s->nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
}

static void
owner_scope_exit(OwnerScope *s)
{
	AtEOXact_GUC(true, s->nestlevel);
	SetUserIdAndSecContext(s->save_userid, s->save_sec);
}

/*
 * One statement on the job table, as its owner.  SPI leaves the caller in
 * its procedure context; go back to the caller's own context.
 */
static int
owner_execute(const char *sql, int nargs, Oid *argtypes, Datum *values,
			  const char *nulls)
{
	MemoryContext cxt = CurrentMemoryContext;
	OwnerScope	scope;
	int			rc;

	owner_scope_enter(&scope);
	rc = SPI_execute_with_args(sql, nargs, argtypes, values, nulls, false, 0);
	owner_scope_exit(&scope);
	MemoryContextSwitchTo(cxt);
	if (rc < 0)
		elog(ERROR, "backfill bookkeeping failed: %s", SPI_result_code_string(rc));
	return rc;
}

/* ---------- the job row ---------- */

/* Sets parameter i of an SPI call to the text s, or to NULL. */
static void
set_text_param(Datum *values, char *nulls, int i, const char *s)
{
	if (s)
	{
		values[i] = CStringGetTextDatum(s);
		nulls[i] = ' ';
	}
	else
	{
		values[i] = (Datum) 0;
		nulls[i] = 'n';
	}
}

static char *
get_text(HeapTuple tup, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

static int64
get_int64(HeapTuple tup, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	return isnull ? 0 : DatumGetInt64(d);
}

static Datum
get_array(HeapTuple tup, TupleDesc desc, int col, bool *isnull)
{
	Datum		d = SPI_getbinval(tup, desc, col, isnull);

	return *isnull ? (Datum) 0 : datumCopy(d, false, -1);
}

/* The job's row; exists = false if there is none. */
MGBackfillJob *
mg_bf_job_load(const char *name)
{
	MGBackfillJob *job = palloc0(sizeof(MGBackfillJob));
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(name)};

	owner_execute("SELECT name, relation::oid, set_clause, where_clause, method, state,"
				  " control, owner::oid, rows_done, keys_done, batches, total_estimate,"
				  " active_seconds, batch_size, lower_bound, upper_bound, cursor,"
				  " key_columns::text, key_facts::text, passes, verified"
				  " FROM " JOBS " WHERE name = $1",
				  1, argtypes, values, NULL);
	job->name = pstrdup(name);
	if (SPI_processed == 1)
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;

		job->exists = true;
		job->relid = DatumGetObjectId(SPI_getbinval(tup, desc, 2, &isnull));
		job->set_clause = get_text(tup, desc, 3);
		job->where_clause = get_text(tup, desc, 4);
		job->method = get_text(tup, desc, 5);
		job->state = get_text(tup, desc, 6);
		job->control = get_text(tup, desc, 7);
		job->owner = DatumGetObjectId(SPI_getbinval(tup, desc, 8, &isnull));
		job->rows_done = get_int64(tup, desc, 9);
		job->keys_done = get_int64(tup, desc, 10);
		job->batches = get_int64(tup, desc, 11);
		job->total_estimate = get_int64(tup, desc, 12);
		job->active_seconds = DatumGetFloat8(SPI_getbinval(tup, desc, 13, &isnull));
		job->batch_size = DatumGetInt32(SPI_getbinval(tup, desc, 14, &isnull));
		if (isnull)
			job->batch_size = 0;
		job->lower_bound = get_array(tup, desc, 15, &job->lower_null);
		job->upper_bound = get_array(tup, desc, 16, &job->upper_null);
		job->cursor = get_array(tup, desc, 17, &job->cursor_null);
		job->key_columns = get_text(tup, desc, 18);
		job->key_facts = get_text(tup, desc, 19);
		job->passes = DatumGetInt32(SPI_getbinval(tup, desc, 20, &isnull));
		job->verified = DatumGetBool(SPI_getbinval(tup, desc, 21, &isnull));
		job->verified_null = isnull;
	}
	if (SPI_tuptable)
		SPI_freetuptable(SPI_tuptable);
	return job;
}

Datum
mg_bf_key_names_array(MGBackfillPlan *plan)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(plan->nkeys, 1));
	int			i;

	for (i = 0; i < plan->nkeys; i++)
		elems[i] = CStringGetTextDatum(plan->keynames[i]);
	return PointerGetDatum(construct_array(elems, plan->nkeys, TEXTOID, -1, false,
										   TYPALIGN_INT));
}

void
mg_bf_job_insert(const char *name, MGBackfillPlan *plan,
				 Datum lower, bool lower_null, Datum upper, bool upper_null,
				 int64 total_estimate, int batch_size, const char *state)
{
	Oid			argtypes[13] = {TEXTOID, REGCLASSOID, TEXTOID, TEXTOID, TEXTOID,
		TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTOID, REGROLEOID, INT8OID, INT4OID,
	TEXTOID};
	Datum		values[13];
	char		nulls[13];

	memset(nulls, ' ', sizeof(nulls));
	values[0] = CStringGetTextDatum(name);
	values[1] = ObjectIdGetDatum(plan->relid);
	values[2] = CStringGetTextDatum(plan->set_clause);
	set_text_param(values, nulls, 3, plan->where_clause);
	values[4] = CStringGetTextDatum(mg_bf_method_name(plan->method));
	values[5] = mg_bf_key_names_array(plan);
	values[6] = lower;
	nulls[6] = lower_null ? 'n' : ' ';
	values[7] = upper;
	nulls[7] = upper_null ? 'n' : ' ';
	values[8] = CStringGetTextDatum(state);
	values[9] = ObjectIdGetDatum(GetUserId());
	values[10] = Int64GetDatum(total_estimate);
	nulls[10] = total_estimate < 0 ? 'n' : ' ';
	values[11] = Int32GetDatum(batch_size);
	values[12] = CStringGetTextDatum(mg_bf_key_facts_json(plan));

	owner_execute("INSERT INTO " JOBS " (name, relation, set_clause, where_clause, method,"
				  " key_columns, lower_bound, upper_bound, state, owner, total_estimate,"
				  " batch_size, runner_pid, key_facts)"
				  " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, pg_backend_pid(),"
				  " $13::jsonb)",
				  13, argtypes, values, nulls);
}

/* Records the key facts of a job begun before 1.1, at its first resume. */
void
mg_bf_job_record_facts(const char *name, MGBackfillPlan *plan)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2] = {CStringGetTextDatum(name),
	CStringGetTextDatum(mg_bf_key_facts_json(plan))};

	owner_execute("UPDATE " JOBS " SET key_facts = $2::jsonb WHERE name = $1",
				  2, argtypes, values, NULL);
}

/*
 * The verification after a pass found rows of the job's range that still
 * match its where_clause: the job is not done.  It is paused with the
 * count, and its next CALL begins another pass over the whole range
 * (cursor NULL; a ctid job's upper bound becomes the table's pages now).
 */
void
mg_bf_job_rows_left(const char *name, int64 rows_left, const char *reason,
					Datum upper, bool upper_null, double seconds)
{
	Oid			argtypes[5] = {TEXTOID, INT8OID, TEXTOID, TEXTARRAYOID, FLOAT8OID};
	Datum		values[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};

	values[0] = CStringGetTextDatum(name);
	values[1] = Int64GetDatum(rows_left);
	values[2] = CStringGetTextDatum(reason);
	values[3] = upper;
	nulls[3] = upper_null ? 'n' : ' ';
	values[4] = Float8GetDatum(seconds);
	owner_execute("UPDATE " JOBS " SET state = 'paused', state_reason = $3, rows_left = $2,"
				  " cursor = NULL, passes = passes + 1, percent = 0,"
				  " upper_bound = coalesce($4, upper_bound),"
				  " active_seconds = active_seconds + $5, updated_at = clock_timestamp()"
				  " WHERE name = $1",
				  5, argtypes, values, nulls);
}

void
mg_bf_job_start_run(const char *name, const char *state)
{
	Oid			argtypes[2] = {TEXTOID, TEXTOID};
	Datum		values[2] = {CStringGetTextDatum(name), CStringGetTextDatum(state)};

	owner_execute("UPDATE " JOBS " SET state = $2, state_reason = NULL,"
				  " runner_pid = pg_backend_pid(), updated_at = clock_timestamp()"
				  " WHERE name = $1",
				  2, argtypes, values, NULL);
}

void
mg_bf_job_record_batch(const char *name, Datum cursor, int64 rows, int64 keys,
					   int batch_size, double batch_ms, double seconds,
					   double percent, bool percent_null,
					   const char *state, const char *reason)
{
	Oid			argtypes[10] = {TEXTOID, TEXTARRAYOID, INT8OID, INT8OID, INT4OID,
	FLOAT8OID, FLOAT8OID, FLOAT8OID, TEXTOID, TEXTOID};
	Datum		values[10];
	char		nulls[10];

	memset(nulls, ' ', sizeof(nulls));
	values[0] = CStringGetTextDatum(name);
	values[1] = cursor;
	values[2] = Int64GetDatum(rows);
	values[3] = Int64GetDatum(keys);
	values[4] = Int32GetDatum(batch_size);
	values[5] = Float8GetDatum(batch_ms);
	values[6] = Float8GetDatum(seconds);
	values[7] = Float8GetDatum(percent);
	nulls[7] = percent_null ? 'n' : ' ';
	values[8] = CStringGetTextDatum(state);
	set_text_param(values, nulls, 9, reason);

	owner_execute("UPDATE " JOBS " SET cursor = $2, rows_done = rows_done + $3,"
				  " keys_done = keys_done + $4, batches = batches + 1, batch_size = $5,"
				  " last_batch_ms = $6, active_seconds = active_seconds + $7,"
				  " percent = $8, state = $9, state_reason = $10,"
				  " updated_at = clock_timestamp()"
				  " WHERE name = $1",
				  10, argtypes, values, nulls);
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("backfill \"%s\" disappeared from the job table", name),
				 errdetail("The batch was rolled back.")));
}

void
mg_bf_job_set_state(const char *name, const char *state, const char *reason,
					double seconds)
{
	Oid			argtypes[4] = {TEXTOID, TEXTOID, TEXTOID, FLOAT8OID};
	Datum		values[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};

	values[0] = CStringGetTextDatum(name);
	values[1] = CStringGetTextDatum(state);
	set_text_param(values, nulls, 2, reason);
	values[3] = Float8GetDatum(seconds);
	owner_execute("UPDATE " JOBS " SET state = $2, state_reason = $3,"
				  " active_seconds = active_seconds + $4, updated_at = clock_timestamp(),"
				  " finished_at = CASE WHEN $2 = 'cancelled' THEN clock_timestamp() END"
				  " WHERE name = $1",
				  4, argtypes, values, nulls);
}

/*
 * The job is done; verified says whether a check found no row of its range
 * still matching its where_clause (false: it has none to check).
 */
void
mg_bf_job_finish(const char *name, double seconds, bool verified)
{
	Oid			argtypes[3] = {TEXTOID, FLOAT8OID, BOOLOID};
	Datum		values[3] = {CStringGetTextDatum(name), Float8GetDatum(seconds),
	BoolGetDatum(verified)};

	owner_execute("UPDATE " JOBS " SET state = 'done', state_reason = NULL, control = NULL,"
				  " percent = 100, active_seconds = active_seconds + $2,"
				  " verified = $3, rows_left = CASE WHEN $3 THEN 0 END,"
				  " updated_at = clock_timestamp(), finished_at = clock_timestamp()"
				  " WHERE name = $1",
				  3, argtypes, values, NULL);
}

void
mg_bf_job_fail(const char *name, ErrorData *edata, double seconds)
{
	Oid			argtypes[4] = {TEXTOID, TEXTOID, TEXTOID, FLOAT8OID};
	Datum		values[4];

	values[0] = CStringGetTextDatum(name);
	values[1] = CStringGetTextDatum(edata->message ? edata->message : "unknown error");
	values[2] = CStringGetTextDatum(unpack_sql_state(edata->sqlerrcode));
	values[3] = Float8GetDatum(seconds);
	owner_execute("UPDATE " JOBS " SET state = 'failed', state_reason = NULL,"
				  " last_error = $2, last_sqlstate = $3,"
				  " active_seconds = active_seconds + $4, updated_at = clock_timestamp()"
				  " WHERE name = $1",
				  4, argtypes, values, NULL);
}

/* The pending request of backfill_pause/backfill_cancel, or NULL. */
char *
mg_bf_job_read_control(const char *name)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(name)};
	char	   *control = NULL;

	owner_execute("SELECT control FROM " JOBS " WHERE name = $1",
				  1, argtypes, values, NULL);
	if (SPI_processed == 1)
		control = get_text(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	if (SPI_tuptable)
		SPI_freetuptable(SPI_tuptable);
	return control;
}

/*
 * The largest replay lag among streaming standbys in milliseconds, -1 if
 * none reports one.  A standby that has replayed everything sent to it is
 * caught up, whatever replay_lag still shows: the walsender keeps the last
 * measured lag until two idle status messages (wal_receiver_status_interval)
 * have passed.  Read as the job table's owner: pg_stat_replication
 * hides its figures from roles without pg_read_all_stats.
 */
double
mg_bf_replication_lag_ms(char **standby)
{
	double		lag = -1;

	owner_execute("SELECT application_name,"
				  " extract(epoch FROM replay_lag)::float8 * 1000"
				  " FROM pg_stat_replication WHERE replay_lag IS NOT NULL"
				  " AND replay_lsn IS DISTINCT FROM sent_lsn"
				  " ORDER BY replay_lag DESC LIMIT 1",
				  0, NULL, NULL, NULL);
	if (SPI_processed == 1)
	{
		bool		isnull;

		*standby = get_text(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		lag = DatumGetFloat8(SPI_getbinval(SPI_tuptable->vals[0],
										   SPI_tuptable->tupdesc, 2, &isnull));
	}
	if (SPI_tuptable)
		SPI_freetuptable(SPI_tuptable);
	return lag;
}

/* ---------- one runner per job ---------- */

/*
 * A session-level advisory lock (pg_locks: locktype advisory, classid
 * MG_BACKFILL_LOCK_CLASS, objid hashtext(name), objsubid 3, which SQL's
 * advisory lock functions cannot make): it survives the
 * procedure's commits and goes away with the session, unlike a
 * transaction-level lock that the first COMMIT would release.
 */
static void
job_locktag(LOCKTAG *tag, const char *name)
{
	uint32		h = DatumGetUInt32(hash_any((const unsigned char *) name, strlen(name)));

	SET_LOCKTAG_ADVISORY(*tag, MyDatabaseId, MG_BACKFILL_LOCK_CLASS, h, MG_BACKFILL_LOCK_SUBID);
}

static int
job_lock_holder(const char *name)
{
	LOCKTAG		tag;
	Oid			argtypes[3] = {OIDOID, OIDOID, OIDOID};
	Datum		values[3];
	int			pid = 0;

	job_locktag(&tag, name);
	values[0] = ObjectIdGetDatum(MyDatabaseId);
	values[1] = ObjectIdGetDatum(tag.locktag_field2);
	values[2] = ObjectIdGetDatum(tag.locktag_field3);
	owner_execute("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND database = $1"
				  " AND classid = $2 AND objid = $3 AND objsubid = 3 AND granted",
				  3, argtypes, values, NULL);
	if (SPI_processed >= 1)
	{
		bool		isnull;

		pid = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	}
	if (SPI_tuptable)
		SPI_freetuptable(SPI_tuptable);
	return pid;
}

static void
report_job_running(const char *name)
{
	int			pid = job_lock_holder(name);

	ereport(ERROR,
			(errcode(ERRCODE_MG_BACKFILL_RUNNING),
			 errmsg("backfill \"%s\" is already running in another session", name),
			 pid > 0 ? errdetail("Process %d holds the job's lock.", pid) :
			 errdetail("Another session holds the job's lock."),
			 errhint("Watch it in migration_guard.backfills; stop it with migration_guard.backfill_pause() or backfill_cancel().")));
}

/* Tries the job's session lock without waiting. */
static LockAcquireResult
try_lock_job(const char *name, LOCKTAG *tag)
{
	job_locktag(tag, name);
	return LockAcquire(tag, ExclusiveLock, true, true);
}

/* Takes the job's lock or raises an error naming the process that has it. */
void
mg_bf_lock_job(const char *name)
{
	LOCKTAG		tag;
	LockAcquireResult res = try_lock_job(name, &tag);

	if (res == LOCKACQUIRE_NOT_AVAIL)
		report_job_running(name);
	if (res == LOCKACQUIRE_ALREADY_HELD || res == LOCKACQUIRE_ALREADY_CLEAR)
	{
		LockRelease(&tag, ExclusiveLock, true);
		ereport(ERROR,
				(errcode(ERRCODE_MG_BACKFILL_RUNNING),
				 errmsg("backfill \"%s\" is already running in this session", name)));
	}
}

void
mg_bf_unlock_job(const char *name)
{
	LOCKTAG		tag;

	job_locktag(&tag, name);
	LockRelease(&tag, ExclusiveLock, true);
}

/* Is some session running the job now? */
bool
mg_bf_job_is_running(const char *name)
{
	LOCKTAG		tag;
	LockAcquireResult res = try_lock_job(name, &tag);

	if (res == LOCKACQUIRE_NOT_AVAIL)
		return true;
	LockRelease(&tag, ExclusiveLock, true);
	return res != LOCKACQUIRE_OK;
}

/* ---------- the control columns ---------- */

/*
 * Sets the job's control column (pause, cancel, or NULL) and, if state is
 * given, its state and state_reason: a job no session runs takes the
 * state at once, a running one when its procedure next looks.
 */
void
mg_bf_job_set_control(const char *name, const char *control, const char *state,
					  const char *reason)
{
	Oid			argtypes[4] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	Datum		values[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};

	values[0] = CStringGetTextDatum(name);
	set_text_param(values, nulls, 1, control);
	set_text_param(values, nulls, 2, state);
	set_text_param(values, nulls, 3, reason);
	owner_execute("UPDATE " JOBS " SET control = $2,"
				  " state = coalesce($3, state),"
				  " state_reason = CASE WHEN $3 IS NULL THEN state_reason ELSE $4 END,"
				  " finished_at = CASE WHEN $3 = 'cancelled' THEN clock_timestamp() ELSE finished_at END,"
				  " updated_at = clock_timestamp()"
				  " WHERE name = $1",
				  4, argtypes, values, nulls);
}

/* Removes the job's row; refused while some session runs the job. */
void
mg_bf_job_forget(const char *name)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(name)};

	if (mg_bf_job_is_running(name))
		report_job_running(name);
	owner_execute("DELETE FROM " JOBS " WHERE name = $1",
				  1, argtypes, values, NULL);
}
