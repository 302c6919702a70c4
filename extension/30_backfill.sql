/* migration_guard install script: batched backfills (docs/backfill.md) */

-- One row per backfill job.  The procedure writes it in the same transaction
-- as each batch, so the cursor always matches the rows updated.  Only the
-- extension's owner writes it (the C code switches to that role for its
-- bookkeeping); everyone reads it through migration_guard.backfills.
CREATE TABLE @extschema@.backfill_jobs (
    name            text PRIMARY KEY,
    relation        regclass NOT NULL,
    set_clause      text NOT NULL,
    where_clause    text,
    method          text NOT NULL CHECK (method IN ('keyset', 'ctid')),
    key_columns     text[] NOT NULL,
    lower_bound     text[],             -- keyset: smallest key at start; ctid: {0}
    upper_bound     text[],             -- largest key / page count at start; NULL = empty
    cursor          text[],             -- last key done / next page; NULL = not started
    state           text NOT NULL CHECK (state IN
                        ('running', 'held', 'paused', 'done', 'failed', 'cancelled')),
    state_reason    text,
    control         text CHECK (control IN ('pause', 'cancel')),
    owner           regrole NOT NULL,
    rows_done       bigint NOT NULL DEFAULT 0,
    keys_done       bigint NOT NULL DEFAULT 0,
    batches         bigint NOT NULL DEFAULT 0,
    batch_size      integer,
    last_batch_ms   double precision,
    total_estimate  bigint,
    percent         double precision,
    active_seconds  double precision NOT NULL DEFAULT 0,
    runner_pid      integer,
    started_at      timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    updated_at      timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    finished_at     timestamptz,
    last_error      text,
    last_sqlstate   text
);

COMMENT ON TABLE @extschema@.backfill_jobs IS
'Batched backfill jobs: cursor, counters and state, written with each batch';

-- Jobs are data: pg_dump keeps them with the extension.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.backfill_jobs', '');

REVOKE ALL ON @extschema@.backfill_jobs FROM PUBLIC;

CREATE VIEW @extschema@.backfills AS
SELECT j.name,
       j.relation,
       CASE WHEN j.state IN ('running', 'held') AND l.pid IS NULL
            THEN 'interrupted' ELSE j.state END AS state,
       CASE WHEN j.state IN ('running', 'held') AND l.pid IS NULL
            THEN 'no session is running it; CALL backfill again to resume'
            ELSE j.state_reason END AS reason,
       j.rows_done,
       j.batches,
       j.batch_size,
       CASE WHEN j.active_seconds > 0
            THEN pg_catalog.round((j.rows_done / j.active_seconds)::numeric)
       END AS rows_per_second,
       pg_catalog.round(j.percent::numeric, 1) AS percent,
       CASE WHEN j.state IN ('running', 'held') AND l.pid IS NOT NULL
                 AND j.percent > 0 AND j.percent < 100
            THEN pg_catalog.make_interval(secs =>
                 pg_catalog.round((j.active_seconds * (100 - j.percent) / j.percent)::numeric)::double precision)
       END AS eta,
       j.last_batch_ms,
       l.pid,
       j.started_at,
       j.updated_at,
       j.finished_at,
       -- Like pg_stat_activity's query text: what a job writes and its
       -- errors are shown to its owner's members and pg_read_all_stats only.
       CASE WHEN v.visible THEN j.last_error ELSE '<insufficient privilege>' END AS last_error,
       j.last_sqlstate,
       j.method,
       j.key_columns,
       CASE WHEN v.visible THEN j.set_clause ELSE '<insufficient privilege>' END AS set_clause,
       CASE WHEN v.visible THEN j.where_clause ELSE '<insufficient privilege>' END AS where_clause,
       j.owner
FROM @extschema@.backfill_jobs AS j
CROSS JOIN LATERAL (SELECT pg_catalog.pg_has_role(j.owner::oid, 'USAGE')
                           OR pg_catalog.pg_has_role('pg_read_all_stats', 'USAGE') AS visible) AS v
LEFT JOIN pg_catalog.pg_locks AS l
       ON l.locktype = 'advisory'
      AND l.database = (SELECT d.oid FROM pg_catalog.pg_database AS d
                        WHERE d.datname = pg_catalog.current_database())
      AND l.classid = 19783::oid            -- 0x4D47, "MG"
      AND l.objid = ((pg_catalog.hashtext(j.name COLLATE "C")::bigint
                      OPERATOR(pg_catalog.&) 4294967295)::oid)
      AND l.objsubid = 3                    -- not makeable by pg_advisory_lock()
      AND l.granted;

COMMENT ON VIEW @extschema@.backfills IS
'Progress of batched backfills: state, rows, rate, percent and ETA';

GRANT SELECT ON @extschema@.backfills TO PUBLIC;

-- SECURITY INVOKER and no SET clause: either would make the CALL atomic,
-- and the procedure could not commit its batches.  The C code qualifies
-- every name it uses instead.
CREATE PROCEDURE @extschema@.backfill(
    name text,
    relation regclass,
    set_clause text,
    where_clause text DEFAULT NULL,
    batch_size integer DEFAULT 1000,
    min_batch_size integer DEFAULT 100,
    max_batch_size integer DEFAULT 20000,
    target_batch_time interval DEFAULT '100ms',
    pause interval DEFAULT '0',
    max_rows bigint DEFAULT NULL,
    lock_timeout interval DEFAULT '1s',
    max_replication_lag interval DEFAULT '10s',
    dry_run boolean DEFAULT false)
LANGUAGE C
AS 'MODULE_PATHNAME', 'mg_backfill';

COMMENT ON PROCEDURE @extschema@.backfill(text, regclass, text, text, integer, integer,
    integer, interval, interval, bigint, interval, interval, boolean) IS
'Updates a table in small committed batches, resumable and throttled; CALL it at top level';

-- The control functions are not STRICT: a NULL name is an error, never a
-- silent no-op (assert_backfill_done(NULL) must not pass).
CREATE FUNCTION @extschema@.backfill_pause(name text)
RETURNS void
LANGUAGE C CALLED ON NULL INPUT
AS 'MODULE_PATHNAME', 'mg_backfill_pause';

COMMENT ON FUNCTION @extschema@.backfill_pause(text) IS
'Pauses a backfill after its current batch';

CREATE FUNCTION @extschema@.backfill_resume(name text)
RETURNS void
LANGUAGE C CALLED ON NULL INPUT
AS 'MODULE_PATHNAME', 'mg_backfill_resume';

COMMENT ON FUNCTION @extschema@.backfill_resume(text) IS
'Resumes a paused backfill';

CREATE FUNCTION @extschema@.backfill_cancel(name text)
RETURNS void
LANGUAGE C CALLED ON NULL INPUT
AS 'MODULE_PATHNAME', 'mg_backfill_cancel';

COMMENT ON FUNCTION @extschema@.backfill_cancel(text) IS
'Stops a backfill for good after its current batch';

CREATE FUNCTION @extschema@.backfill_forget(name text)
RETURNS void
LANGUAGE C CALLED ON NULL INPUT
AS 'MODULE_PATHNAME', 'mg_backfill_forget';

COMMENT ON FUNCTION @extschema@.backfill_forget(text) IS
'Deletes a backfill job that is not running, so its name can be used again';

CREATE FUNCTION @extschema@.assert_backfill_done(name text)
RETURNS void
LANGUAGE C CALLED ON NULL INPUT
AS 'MODULE_PATHNAME', 'mg_assert_backfill_done';

COMMENT ON FUNCTION @extschema@.assert_backfill_done(text) IS
'Raises SQLSTATE MG020 unless the backfill is done; call it before the contract step';
