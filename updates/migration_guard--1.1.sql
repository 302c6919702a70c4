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
    OUT note text,
    OUT line integer,
    OUT col integer)
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
/* migration_guard install script: what a backfill's cursor means, verified done */

-- What a job's cursor means, and whether done is verified (issue 16;
-- docs/backfill.md).  key_facts: the relation, the key columns' attnums,
-- types, typmods and collations, and the index with its operator classes
-- and collations, recorded when the job begins and checked at every resume
-- (MG027).  Jobs begun before 1.1 have none until their first resume.
ALTER TABLE @extschema@.backfill_jobs
    ADD COLUMN key_facts jsonb,
    -- passes over the key range begun (another pass follows a check that
    -- found rows still matching where_clause)
    ADD COLUMN passes integer NOT NULL DEFAULT 1,
    -- set when done: true if no row of the range matched where_clause
    ADD COLUMN verified boolean,
    -- rows still matching where_clause at the last check
    ADD COLUMN rows_left bigint;

CREATE OR REPLACE VIEW @extschema@.backfills AS
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
       j.owner,
       -- NULL until done; false: done, but no where_clause could be
       -- checked (or done before 1.1); true: no row of the range matches it
       CASE WHEN j.state = 'done' THEN coalesce(j.verified, false) END AS done_verified,
       j.passes,
       j.rows_left
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
LANGUAGE C CALLED ON NULL INPUT VOLATILE
AS 'MODULE_PATHNAME', 'mg_statement_locks';

COMMENT ON FUNCTION @extschema@.statement_locks(text) IS
'The relation locks each statement of a script would request, without running it';
/* migration_guard install script: deprecation (deprecate, usage, evidence for drops) */

-- The deprecated columns and tables of this database.  A configuration
-- table of the extension: pg_dump keeps its rows, and standbys receive
-- them by replication.  Written only through deprecate() and
-- undeprecate(), as the table's owner.
CREATE TABLE @extschema@.deprecated_objects (
    relid regclass NOT NULL,
    attname name,                 -- NULL: the relation as a whole
    reason text,
    deprecated_by name NOT NULL,
    deprecated_at timestamptz NOT NULL,
    expected_head text            -- migration_guard.expected_head at the time, if set
);

COMMENT ON TABLE @extschema@.deprecated_objects IS
'Columns and tables deprecated with migration_guard.deprecate(): usage is tracked, and drops and renames wait for a quiet period';

CREATE UNIQUE INDEX deprecated_objects_key
    ON @extschema@.deprecated_objects (relid, (COALESCE(attname, ''::pg_catalog.name)));

SELECT pg_catalog.pg_extension_config_dump('@extschema@.deprecated_objects', '');

REVOKE ALL ON @extschema@.deprecated_objects FROM PUBLIC;

-- Every backend (on standbys too) rebuilds its cache of deprecated objects
-- once a change of the list commits.
CREATE FUNCTION @extschema@._deprecations_changed()
RETURNS trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'mg_deprecations_changed';

REVOKE ALL ON FUNCTION @extschema@._deprecations_changed() FROM PUBLIC;

CREATE TRIGGER deprecated_objects_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.deprecated_objects
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._deprecations_changed();

CREATE FUNCTION @extschema@.deprecate(
    relation regclass,
    "column" name DEFAULT NULL,
    reason text DEFAULT NULL)
RETURNS boolean
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'mg_deprecate';

COMMENT ON FUNCTION @extschema@.deprecate(regclass, name, text) IS
'Marks a column (or, without one, a table or view) as on its way out: its usage is tracked, and dropping or renaming it waits until it has gone unused for migration_guard.deprecation_quiet_period.  True if it was not deprecated before';

CREATE FUNCTION @extschema@.undeprecate(
    relation regclass,
    "column" name DEFAULT NULL)
RETURNS boolean
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'mg_undeprecate';

COMMENT ON FUNCTION @extschema@.undeprecate(regclass, name) IS
'Takes a column (or, without one, a table or view) off the list of deprecated objects.  True if it was on it';

-- This server's counters (a standby has its own).
CREATE FUNCTION @extschema@.deprecated_usage(
    OUT relation regclass,
    OUT column_name name,
    OUT first_use timestamptz,
    OUT last_use timestamptz,
    OUT uses bigint,
    OUT recent_users jsonb,
    OUT counters_reset_at timestamptz,
    OUT tracking_since timestamptz)
RETURNS SETOF record
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'mg_deprecated_usage';

COMMENT ON FUNCTION @extschema@.deprecated_usage() IS
'This server''s usage counters of the deprecated objects of this database: first and last use, number of uses, the last distinct (role, application_name, query id)';

CREATE FUNCTION @extschema@.deprecation_tracking(
    OUT active boolean,
    OUT tracking_since timestamptz,
    OUT restored boolean,
    OUT overflow_at timestamptz,
    OUT in_recovery boolean)
RETURNS record
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'mg_deprecation_tracking';

COMMENT ON FUNCTION @extschema@.deprecation_tracking() IS
'Whether this server counts uses of deprecated objects, since when (its start, unless the previous run''s counters were restored), and whether a use was ever lost';

CREATE FUNCTION @extschema@.reset_deprecated_usage(
    relation regclass DEFAULT NULL,
    "column" name DEFAULT NULL)
RETURNS bigint
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'mg_reset_deprecated_usage';

COMMENT ON FUNCTION @extschema@.reset_deprecated_usage(regclass, name) IS
'Resets this server''s usage counters of one deprecated object, or of all in this database; their quiet period starts again';

CREATE VIEW @extschema@.deprecations AS
SELECT CASE WHEN d.attname IS NULL THEN d.relid::text
            ELSE d.relid::text || '.' || pg_catalog.quote_ident(d.attname) END AS object,
       d.relid AS relation,
       d.attname AS column_name,
       d.reason,
       d.deprecated_by,
       d.deprecated_at,
       d.expected_head,
       u.first_use,
       u.last_use,
       COALESCE(u.uses, 0) AS uses,
       COALESCE(u.recent_users, '[]'::jsonb) AS recent_users,
       -- the latest start of complete evidence, as the drop rules count it;
       -- infinity where this server counts nothing (no evidence at all)
       CASE WHEN t.active
            THEN GREATEST(d.deprecated_at, u.counters_reset_at, t.tracking_since, t.overflow_at)
            ELSE 'infinity'::timestamptz END AS evidence_since
  FROM @extschema@.deprecated_objects d
  CROSS JOIN @extschema@.deprecation_tracking() t
  LEFT JOIN @extschema@.deprecated_usage() u
    ON u.relation = d.relid AND u.column_name IS NOT DISTINCT FROM d.attname
 WHERE EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid = d.relid)
   AND (d.attname IS NULL OR
        EXISTS (SELECT FROM pg_catalog.pg_attribute a
                 WHERE a.attrelid = d.relid AND a.attname = d.attname AND NOT a.attisdropped));

COMMENT ON VIEW @extschema@.deprecations IS
'Deprecated objects with who deprecated them, why, at which migration head, and this server''s usage: first and last use, number of uses, recent users, and since when the evidence counts';

-- Usage names roles and applications: for the DBA and monitoring roles.
REVOKE ALL ON FUNCTION @extschema@.deprecated_usage() FROM PUBLIC;
REVOKE ALL ON @extschema@.deprecations FROM PUBLIC;
GRANT EXECUTE ON FUNCTION @extschema@.deprecated_usage() TO pg_read_all_stats;
GRANT SELECT ON @extschema@.deprecations TO pg_read_all_stats;
/* migration_guard install script: the durable expected head (set_expected_head) */

-- The release's expected head, declared once by the deploy and read by
-- every session from its next statement on.  One row at most.  A
-- configuration table of the extension, so pg_dump keeps it.
CREATE TABLE @extschema@.expected_head_setting (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    expected_head text NOT NULL,
    known_heads text NOT NULL DEFAULT '',
    set_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    set_by text NOT NULL
);

COMMENT ON TABLE @extschema@.expected_head_setting IS
'The expected migration head declared by set_expected_head(); overrides migration_guard.expected_head from the configuration file, ALTER DATABASE and ALTER ROLE';

SELECT pg_catalog.pg_extension_config_dump('@extschema@.expected_head_setting', '');

REVOKE ALL ON @extschema@.expected_head_setting FROM PUBLIC;
GRANT SELECT ON @extschema@.expected_head_setting TO PUBLIC;

-- Every backend caches the row; a change must reach them all.
CREATE FUNCTION @extschema@.expected_head_changed()
RETURNS trigger
LANGUAGE C
AS 'MODULE_PATHNAME', 'mg_expected_head_changed';

REVOKE ALL ON FUNCTION @extschema@.expected_head_changed() FROM PUBLIC;

CREATE TRIGGER expected_head_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.expected_head_setting
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.expected_head_changed();

CREATE FUNCTION @extschema@.set_expected_head(head text, known_heads text DEFAULT '')
RETURNS text
LANGUAGE C VOLATILE CALLED ON NULL INPUT
AS 'MODULE_PATHNAME', 'mg_set_expected_head';

COMMENT ON FUNCTION @extschema@.set_expected_head(text, text) IS
'Declares the release''s expected migration head (and known heads) for every session, from their next statement after commit; returns the head as stored';

CREATE FUNCTION @extschema@.clear_expected_head()
RETURNS boolean
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'mg_clear_expected_head';

COMMENT ON FUNCTION @extschema@.clear_expected_head() IS
'Removes the head declared by set_expected_head(), so migration_guard.expected_head applies again; returns whether one was set';
/* migration_guard install script: observability (counters, override audit) */

-- Every override that let an unsafe statement through, written by the guard
-- in the statement's own transaction (src/audit.c).  The statement text can
-- hold data: only superusers and roles granted SELECT read it.  The guard
-- writes rows directly, without the executor: keep the table as it is (no
-- indexes, same columns), or overrides are refused until it is reinstalled.
CREATE TABLE @extschema@.overrides (
    overridden_at    timestamptz NOT NULL,
    session_role     text NOT NULL,
    acting_role      text NOT NULL,
    backend_pid      integer NOT NULL,
    session_start    timestamptz NOT NULL,
    application_name text NOT NULL,
    database         text NOT NULL,
    rule             text NOT NULL,
    relation         text,
    mechanism        text NOT NULL,
    statement        text NOT NULL,
    reason           text
);

COMMENT ON TABLE @extschema@.overrides IS
'Every override that let an unsafe statement through: who, when, which rule, by which mechanism, the statement (truncated) and the reason';

REVOKE ALL ON @extschema@.overrides FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.overrides', '');

-- The same rows without the statement and reason texts, for everyone.
CREATE VIEW @extschema@.overrides_summary AS
SELECT overridden_at, session_role, acting_role, backend_pid, application_name,
       database, rule, relation, mechanism, reason IS NOT NULL AS has_reason
FROM @extschema@.overrides;

COMMENT ON VIEW @extschema@.overrides_summary IS
'migration_guard.overrides without the statement and reason texts';

GRANT SELECT ON @extschema@.overrides_summary TO PUBLIC;

CREATE FUNCTION @extschema@._stats(
    OUT datid oid,
    OUT rule text,
    OUT judged bigint,
    OUT refused bigint,
    OUT warned bigint,
    OUT overridden_set bigint,
    OUT overridden_set_local bigint,
    OUT overridden_directive bigint,
    OUT overridden_severity bigint,
    OUT lock_timeouts bigint,
    OUT lock_retries bigint,
    OUT lock_retries_succeeded bigint,
    OUT backfill_batches bigint,
    OUT backfill_rows bigint,
    OUT last_judged timestamptz,
    OUT last_refused timestamptz,
    OUT last_warned timestamptz,
    OUT last_override timestamptz,
    OUT last_lock_timeout timestamptz,
    OUT last_lock_retry timestamptz,
    OUT last_backfill_batch timestamptz,
    OUT stats_reset timestamptz)
RETURNS SETOF record
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'mg_stats';

-- One row per database (rule IS NULL: its totals) and one per rule that
-- had an event there.  Cluster-wide: every database's counters.
CREATE VIEW @extschema@.stats AS
SELECT s.datid, d.datname, s.rule, s.judged, s.refused, s.warned,
       s.overridden_set, s.overridden_set_local, s.overridden_directive,
       s.overridden_severity, s.lock_timeouts, s.lock_retries,
       s.lock_retries_succeeded, s.backfill_batches, s.backfill_rows,
       s.last_judged, s.last_refused, s.last_warned, s.last_override,
       s.last_lock_timeout, s.last_lock_retry, s.last_backfill_batch,
       s.stats_reset
FROM @extschema@._stats() s
LEFT JOIN pg_catalog.pg_database d ON d.oid = s.datid;

COMMENT ON VIEW @extschema@.stats IS
'What the guard did, per database and rule, since the server started or migration_guard.stats_reset()';

GRANT SELECT ON @extschema@.stats TO PUBLIC;

CREATE FUNCTION @extschema@.stats_reset()
RETURNS void
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'mg_stats_reset';

COMMENT ON FUNCTION @extschema@.stats_reset() IS
'Zeroes migration_guard.stats (superusers and roles granted EXECUTE)';

REVOKE ALL ON FUNCTION @extschema@.stats_reset() FROM PUBLIC;
/* migration_guard install script: last step */

-- A guard installed but silently inactive is the worst failure: say so now.
SELECT @extschema@._warn_if_not_preloaded();
