/*-------------------------------------------------------------------------
 *
 * backfill.h
 *	  Internal interfaces of the batched backfill: the plan of a job (which
 *	  key batches it, the statements each batch runs), the job's row in
 *	  migration_guard.backfill_jobs, and the session lock that keeps one
 *	  runner per job.
 *
 *	  backfill.c       the procedure: its arguments, the set-up of a run
 *	  backfill_run.c   the job: start, resume, steps, passes, done
 *	  backfill_batch.c one batch, its retries and the next batch size
 *	  backfill_throttle.c  between batches: control, replication lag
 *	  backfill_progress.c  clock, percent done and progress reports
 *	  backfill_verify.c  the check before done: rows still matching
 *	  backfill_plan.c  validates the arguments, chooses the batching key and
 *	                   prepares the batch statements
 *	  backfill_control.c  the control functions (pause, resume, cancel,
 *	                   forget, assert_backfill_done)
 *	  backfill_job.c   reads and writes the job table (as its owner), the
 *	                   job lock
 *	  backfill_facts.c what the cursor means: recorded, checked at resume
 *	  backfill_keys.c  the cursor's key values: copies, text arrays, display
 *	  backfill_exec.c  the SPI steps all of them run statements through
 *	  (backfill_run.h: the state of a run, shared by the first five)
 *
 * IDENTIFICATION
 *	  src/backfill.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MG_BACKFILL_H
#define MG_BACKFILL_H

#include "executor/spi.h"
#include "storage/block.h"
#include "utils/timestamp.h"

/* SQLSTATEs of the backfill (class MG, codes MG020-MG029; docs/sqlstates.md) */
#define ERRCODE_MG_BACKFILL_NOT_DONE		MAKE_SQLSTATE('M', 'G', '0', '2', '0')
#define ERRCODE_MG_BACKFILL_RUNNING			MAKE_SQLSTATE('M', 'G', '0', '2', '1')
#define ERRCODE_MG_BACKFILL_ARGS_DIFFER		MAKE_SQLSTATE('M', 'G', '0', '2', '2')
#define ERRCODE_MG_BACKFILL_NEEDS_PREDICATE MAKE_SQLSTATE('M', 'G', '0', '2', '3')
#define ERRCODE_MG_BACKFILL_CANCELLED		MAKE_SQLSTATE('M', 'G', '0', '2', '4')
#define ERRCODE_MG_BACKFILL_KEY_ASSIGNED	MAKE_SQLSTATE('M', 'G', '0', '2', '5')
#define ERRCODE_MG_BACKFILL_NO_KEY			MAKE_SQLSTATE('M', 'G', '0', '2', '6')
#define ERRCODE_MG_BACKFILL_CURSOR_CHANGED	MAKE_SQLSTATE('M', 'G', '0', '2', '7')

/* Advisory lock class of backfill jobs: pg_locks.classid, objsubid 3 */
#define MG_BACKFILL_LOCK_CLASS	0x4D47	/* "MG" */
/*
 * pg_advisory_lock(int4, int4) makes objsubid 2 and (int8) objsubid 1: with
 * 3, no role can take a job's lock from SQL and make the job look running.
 */
#define MG_BACKFILL_LOCK_SUBID	3

typedef enum MGBackfillMethod
{
	MG_BF_KEYSET,				/* ranges of a unique key, in key order */
	MG_BF_CTID					/* ranges of heap pages */
} MGBackfillMethod;

/* Everything a job runs, prepared once per CALL (plans survive commits). */
typedef struct MGBackfillPlan
{
	Oid			relid;
	char	   *relname;		/* quoted and schema-qualified, for SQL */
	char	   *reldisplay;		/* schema.table for messages */
	char		relkind;
	MGBackfillMethod method;

	/* keyset: the key columns */
	Oid			keyindex;		/* the index batches follow */
	int			nkeys;
	char	  **keynames;		/* raw column names */
	Oid		   *keytypes;
	int16	   *keylens;
	bool	   *keybyval;
	char	   *keylist;		/* "a", "b" quoted, comma separated */
	bool		int_key;		/* single int2/int4/int8 key */

	char	   *set_clause;
	char	   *where_clause;	/* NULL if none */

	/* keyset statements: $1..$n lower bound, $n+1..$2n upper, $2n+1 offset */
	SPIPlanPtr	bound_first;	/* smallest key */
	SPIPlanPtr	bound_last;		/* largest key */
	SPIPlanPtr	end_from_start; /* last key of a batch, no lower bound */
	SPIPlanPtr	end_after;		/* last key of a batch after the cursor */
	SPIPlanPtr	update_from_start;
	SPIPlanPtr	update_after;
	char	   *update_sql_from_start;
	char	   *update_sql_after;

	/* ctid statement: $1 first tid, $2 tid past the range */
	SPIPlanPtr	update_ctid;
	char	   *update_sql_ctid;

	/*
	 * with a where_clause: the rows of a range that still match it, for the
	 * check before done (keyset: key values in key order; ctid: ctids)
	 */
	SPIPlanPtr	verify_from_start;
	SPIPlanPtr	verify_after;
	SPIPlanPtr	verify_ctid;
} MGBackfillPlan;

/* Where a job stands: the key (or page) range still to do. */
typedef struct MGBackfillCursor
{
	bool		started;		/* false: nothing done, no lower bound */
	bool		empty;			/* the table was empty when the job began */
	Datum	   *lo;				/* keyset: last key done (if started) */
	Datum	   *first;			/* keyset: smallest key at start */
	Datum	   *hi;				/* keyset: largest key at start */
	BlockNumber next_page;		/* ctid: first page not done */
	BlockNumber end_page;		/* ctid: pages at start */
} MGBackfillCursor;

/* The job's row, as read from migration_guard.backfill_jobs. */
typedef struct MGBackfillJob
{
	bool		exists;
	char	   *name;
	Oid			relid;
	char	   *set_clause;
	char	   *where_clause;
	char	   *method;
	char	   *state;
	char	   *control;
	Oid			owner;
	int64		rows_done;
	int64		keys_done;
	int64		batches;
	int64		total_estimate;
	double		active_seconds;
	int			batch_size;
	/* bounds and cursor as text arrays, decoded by backfill_keys.c */
	Datum		lower_bound;
	bool		lower_null;
	Datum		upper_bound;
	bool		upper_null;
	Datum		cursor;
	bool		cursor_null;
	char	   *key_columns;	/* text form of the key_columns array */
	char	   *key_facts;		/* JSON text; NULL for jobs begun before 1.1 */
	int			passes;			/* passes over the key range begun */
	bool		verified;		/* done, and no row still matches where_clause */
	bool		verified_null;	/* not done, or done before 1.1 */
} MGBackfillJob;

/* backfill_plan.c */
extern MGBackfillPlan *mg_bf_plan_create(Oid relid, const char *set_clause,
										 const char *where_clause);
extern void mg_bf_plan_prepare(MGBackfillPlan *plan);
extern void mg_bf_plan_free(MGBackfillPlan *plan);
extern const char *mg_bf_method_name(MGBackfillMethod method);

/* backfill_keys.c */
extern Datum mg_bf_keys_to_text_array(MGBackfillPlan *plan, Datum *keys);
extern Datum *mg_bf_text_array_to_keys(MGBackfillPlan *plan, Datum array);
extern Datum *mg_bf_copy_keys(MGBackfillPlan *plan, HeapTuple tuple,
							  TupleDesc tupdesc);
extern char *mg_bf_keys_to_string(MGBackfillPlan *plan, Datum *keys);
extern int64 mg_bf_key_as_int64(MGBackfillPlan *plan, Datum key);

/* backfill_plan.c: size estimates */
extern int64 mg_bf_estimate_rows(Oid relid);
extern double mg_bf_tuples_per_page(Oid relid);
extern BlockNumber mg_bf_relation_pages(Oid relid);

/* backfill_facts.c */
extern char *mg_bf_key_facts_json(MGBackfillPlan *plan);
extern bool mg_bf_check_key_facts(const char *jobname, MGBackfillPlan *plan,
								  const char *json);
extern char *mg_bf_recorded_relation(const char *json);

/* backfill_verify.c */
extern int64 mg_bf_rows_left_keyset(MGBackfillPlan *plan, Datum *hi, int chunk,
									char **first);
extern int64 mg_bf_rows_left_ctid(MGBackfillPlan *plan, int chunk,
								  double tuples_per_page, char **first);

/* backfill_job.c */
extern MGBackfillJob *mg_bf_job_load(const char *name);
extern Datum mg_bf_key_names_array(MGBackfillPlan *plan);
extern void mg_bf_job_insert(const char *name, MGBackfillPlan *plan,
							 Datum lower, bool lower_null,
							 Datum upper, bool upper_null,
							 int64 total_estimate, int batch_size,
							 const char *state);
extern void mg_bf_job_start_run(const char *name, const char *state);
extern void mg_bf_job_record_batch(const char *name, Datum cursor,
								   int64 rows, int64 keys, int batch_size,
								   double batch_ms, double seconds,
								   double percent, bool percent_null,
								   const char *state, const char *reason);
extern void mg_bf_job_set_state(const char *name, const char *state,
								const char *reason, double seconds);
extern void mg_bf_job_record_facts(const char *name, MGBackfillPlan *plan);
extern void mg_bf_job_rows_left(const char *name, int64 rows_left, const char *reason,
								Datum upper, bool upper_null, double seconds);
extern void mg_bf_job_finish(const char *name, double seconds, bool verified);

/* backfill_exec.c: SPI steps of a procedure that commits */
extern void mg_bf_exec_plan(SPIPlanPtr p, Datum *values, long count);
extern void mg_bf_commit(void);

/* backfill_job.c: failure, control, replication lag and the job lock */
extern void mg_bf_job_fail(const char *name, ErrorData *edata, double seconds);
extern char *mg_bf_job_read_control(const char *name);
extern double mg_bf_replication_lag_ms(char **standby);
extern void mg_bf_lock_job(const char *name);
extern void mg_bf_unlock_job(const char *name);
extern bool mg_bf_job_is_running(const char *name);
extern void mg_bf_job_set_control(const char *name, const char *control,
								  const char *state, const char *reason);
extern void mg_bf_job_forget(const char *name);

#endif							/* MG_BACKFILL_H */
