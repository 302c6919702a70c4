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
