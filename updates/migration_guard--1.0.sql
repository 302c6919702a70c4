/* migration_guard install script: core (schema, status, rules) */

\echo Use "CREATE EXTENSION migration_guard" to load this file. \quit

CREATE FUNCTION @extschema@.status(
    OUT hook_active boolean,
    OUT loaded_via text,
    OUT preloaded boolean,
    OUT mode text,
    OUT rule_overrides text,
    OUT allow text,
    OUT small_table_threshold text,
    OUT version text,
    OUT note text)
RETURNS record
LANGUAGE C STABLE
AS 'MODULE_PATHNAME', 'mg_status';

COMMENT ON FUNCTION @extschema@.status() IS
'Whether this backend is guarded, how the library was loaded, and the policy in force';

CREATE FUNCTION @extschema@.rules(
    OUT name text,
    OUT family text,
    OUT default_severity text,
    OUT severity text,
    OUT size_exempt boolean,
    OUT sqlstate text,
    OUT summary text,
    OUT doc text)
RETURNS SETOF record
LANGUAGE C STABLE
AS 'MODULE_PATHNAME', 'mg_rules_list';

COMMENT ON FUNCTION @extschema@.rules() IS
'Every rule with its family, SQLSTATE and default and effective severity';

CREATE FUNCTION @extschema@._warn_if_not_preloaded()
RETURNS void
LANGUAGE C
AS 'MODULE_PATHNAME', 'mg_warn_if_not_preloaded';

GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;
/* migration_guard install script: the table_rewrite backstop */

-- Refuses, in enforce, a rewrite of an existing table at or above
-- migration_guard.small_table_threshold that no rule predicted
-- (docs/rules/table_rewrite.md).
--
-- Not SECURITY DEFINER, unlike most event trigger functions shipped by
-- extensions: the function reads only the catalog, and it must judge with
-- the privileges of the role running the ALTER, since whether that role may
-- use a "migration_guard:allow" directive depends on who it is.
CREATE FUNCTION @extschema@._table_rewrite_backstop()
RETURNS event_trigger
LANGUAGE C
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'mg_table_rewrite_backstop';

COMMENT ON FUNCTION @extschema@._table_rewrite_backstop() IS
'Event trigger: refuses table rewrites no migration_guard rule predicted';

-- Event triggers call their function without an EXECUTE check; nobody needs
-- to call it directly.
REVOKE ALL ON FUNCTION @extschema@._table_rewrite_backstop() FROM PUBLIC;

-- Created by the extension script, the trigger is a member of the
-- extension: pg_dump does not dump it on its own, and DROP EXTENSION
-- removes it.
CREATE EVENT TRIGGER migration_guard_table_rewrite
    ON table_rewrite
    EXECUTE FUNCTION @extschema@._table_rewrite_backstop();
/* migration_guard install script: check(), the pre-deploy linter (src/check.c, docs/check.md) */

-- SECURITY INVOKER (the default): the statements check() runs in its
-- throwaway subtransaction run with the caller's own privileges.
CREATE FUNCTION @extschema@.check(
    sql text,
    mode text DEFAULT NULL,
    include_off boolean DEFAULT false,
    OUT statement integer,
    OUT statement_text text,
    OUT rule text,
    OUT severity text,
    OUT relation text,
    OUT lock_mode text,
    OUT rewrites boolean,
    OUT message text,
    OUT detail text,
    OUT hint text,
    OUT note text)
RETURNS SETOF record
LANGUAGE C VOLATILE PARALLEL UNSAFE
AS 'MODULE_PATHNAME', 'mg_check';

COMMENT ON FUNCTION @extschema@.check(text, text, boolean) IS
'The findings of a migration script against this database''s catalog; nothing the script does persists';
/* migration_guard install script: migration heads (head, assert_head, head_history) */

CREATE FUNCTION @extschema@.head(
    OUT tool text,
    OUT migration_table text,
    OUT current_heads text[],
    OUT expected_heads text[],
    OUT state text,
    OUT detail text)
RETURNS record
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'mg_head';

COMMENT ON FUNCTION @extschema@.head() IS
'The migration tool and table, the current and expected heads, and the state: at_head, behind, ahead, unknown, failed, no_migration_table or unset';

CREATE FUNCTION @extschema@.assert_head()
RETURNS void
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'mg_assert_head';

COMMENT ON FUNCTION @extschema@.assert_head() IS
'Raises an error (SQLSTATE MG011-MG016, MG010) unless the database is at the expected migration head';

-- Every change of the migration head, written by the guard in the
-- migrating transaction itself.  A configuration table of the extension,
-- so pg_dump keeps its rows.
CREATE SEQUENCE @extschema@.head_history_id_seq;

CREATE TABLE @extschema@.head_history (
    id bigint PRIMARY KEY DEFAULT pg_catalog.nextval('@extschema@.head_history_id_seq'),
    recorded_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    tool text,
    migration_table text,
    from_heads text[] NOT NULL,
    to_heads text[] NOT NULL,
    state text NOT NULL,
    role_name text NOT NULL,
    session_role text NOT NULL,
    application_name text,
    txid xid8 NOT NULL
);

COMMENT ON TABLE @extschema@.head_history IS
'Every change of the migration head: from, to, tool, roles, application_name, transaction id and time';

ALTER SEQUENCE @extschema@.head_history_id_seq OWNED BY @extschema@.head_history.id;

SELECT pg_catalog.pg_extension_config_dump('@extschema@.head_history', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.head_history_id_seq', '');

REVOKE ALL ON @extschema@.head_history FROM PUBLIC;
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
      AND l.objsubid = 2
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

CREATE FUNCTION @extschema@.backfill_pause(name text)
RETURNS void
LANGUAGE C STRICT
AS 'MODULE_PATHNAME', 'mg_backfill_pause';

COMMENT ON FUNCTION @extschema@.backfill_pause(text) IS
'Pauses a backfill after its current batch';

CREATE FUNCTION @extschema@.backfill_resume(name text)
RETURNS void
LANGUAGE C STRICT
AS 'MODULE_PATHNAME', 'mg_backfill_resume';

COMMENT ON FUNCTION @extschema@.backfill_resume(text) IS
'Resumes a paused backfill';

CREATE FUNCTION @extschema@.backfill_cancel(name text)
RETURNS void
LANGUAGE C STRICT
AS 'MODULE_PATHNAME', 'mg_backfill_cancel';

COMMENT ON FUNCTION @extschema@.backfill_cancel(text) IS
'Stops a backfill for good after its current batch';

CREATE FUNCTION @extschema@.backfill_forget(name text)
RETURNS void
LANGUAGE C STRICT
AS 'MODULE_PATHNAME', 'mg_backfill_forget';

COMMENT ON FUNCTION @extschema@.backfill_forget(text) IS
'Deletes a backfill job that is not running, so its name can be used again';

CREATE FUNCTION @extschema@.assert_backfill_done(name text)
RETURNS void
LANGUAGE C STRICT
AS 'MODULE_PATHNAME', 'mg_assert_backfill_done';

COMMENT ON FUNCTION @extschema@.assert_backfill_done(text) IS
'Raises SQLSTATE MG020 unless the backfill is done; call it before the contract step';
/* migration_guard install script: lock safety (src/locks.c, src/lockinfo.c, docs/lock-queues.md) */

-- The relation locks each statement of a script would request, at the
-- levels PostgreSQL uses, as the lock_timeout rule sees them.  Runs
-- nothing and takes no lock.  "guarded" says whether the lock_timeout rule
-- concerns the lock: it blocks reads or writes, on a relation that other
-- sessions use (not created in this transaction, not temporary).
CREATE FUNCTION @extschema@.statement_locks(
    sql text,
    OUT statement_number integer,
    OUT relation regclass,
    OUT mode text,
    OUT blocks text,
    OUT guarded boolean)
RETURNS SETOF record
LANGUAGE C STRICT VOLATILE
AS 'MODULE_PATHNAME', 'mg_statement_locks';

COMMENT ON FUNCTION @extschema@.statement_locks(text) IS
'The relation locks each statement of a script would request, without running it';
/* migration_guard install script: last step */

-- A guard installed but silently inactive is the worst failure: say so now.
SELECT @extschema@._warn_if_not_preloaded();
