-- 1.0 -> 1.1: what a backfill's cursor means, verified done (issue 16)

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

