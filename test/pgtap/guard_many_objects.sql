-- Judging a statement that names thousands of objects stays linear: the
-- guard's time for DROP TABLE of 1000 tables (2000 relations with their
-- indexes) and for ALTER TABLE with 400 DROP COLUMNs stays within a small
-- factor of the same statement's time with migration_guard.mode = off,
-- measured in the same run.  Before issue 16 each table's dependents were
-- walked against all the others again: 400 tables took 20 times as long.
-- Each mode runs three times, alternating, and the fastest of each counts,
-- so that a loaded machine does not decide the result.
SET client_min_messages = error;
SET lock_timeout = '30s';
CREATE TABLE mo_timings (workload text, mode text, ms double precision);

CREATE FUNCTION mo_tables() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    SET LOCAL migration_guard.mode = off;
    FOR i IN 1..1000 LOOP
        EXECUTE format('CREATE TABLE mo_t%s (id bigint PRIMARY KEY)', i);
    END LOOP;
END $$;
CREATE FUNCTION mo_wide() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    SET LOCAL migration_guard.mode = off;
    DROP TABLE IF EXISTS mo_wide;
    EXECUTE 'CREATE TABLE mo_wide (id bigint PRIMARY KEY, '
        || (SELECT string_agg(format('c%s integer', g), ', ') FROM generate_series(1, 400) g) || ')';
    CREATE INDEX mo_wide_c1_c2 ON mo_wide (c1, c2);
END $$;
SELECT 'DROP TABLE ' || string_agg(format('mo_t%s', g), ', ') AS drop_tables
  FROM generate_series(1, 1000) g \gset
SELECT 'ALTER TABLE mo_wide ' || string_agg(format('DROP COLUMN c%s', g), ', ') AS drop_columns
  FROM generate_series(1, 400) g \gset

-- three rounds: off, then warn (warn judges everything and refuses nothing)
\set mode off
\ir many_objects_round.inc
\set mode warn
\ir many_objects_round.inc
\set mode off
\ir many_objects_round.inc
\set mode warn
\ir many_objects_round.inc
\set mode off
\ir many_objects_round.inc
\set mode warn
\ir many_objects_round.inc
RESET client_min_messages;

SELECT plan(4);
SELECT is((SELECT count(*) FROM mo_timings), 12::bigint, 'every round was timed');
SELECT is((SELECT count(*) FROM pg_class WHERE relname ~ '^mo_t[0-9]+$'), 0::bigint, 'the tables were dropped');
SELECT diag(format('%s: off %s ms, warn %s ms, ratio %s', workload,
                   round(min(ms) FILTER (WHERE mode = 'off')::numeric, 1),
                   round(min(ms) FILTER (WHERE mode = 'warn')::numeric, 1),
                   round((min(ms) FILTER (WHERE mode = 'warn') /
                          min(ms) FILTER (WHERE mode = 'off'))::numeric, 2)))
  FROM mo_timings GROUP BY workload ORDER BY workload;
SELECT cmp_ok((SELECT min(ms) FILTER (WHERE mode = 'warn') / min(ms) FILTER (WHERE mode = 'off')
                 FROM mo_timings WHERE workload = 'drop_tables'),
              '<', 4.0::double precision,
              'DROP TABLE of 1000 tables: the guard adds less than 3 times the statement''s own time');
SELECT cmp_ok((SELECT min(ms) FILTER (WHERE mode = 'warn') / min(ms) FILTER (WHERE mode = 'off')
                 FROM mo_timings WHERE workload = 'drop_columns'),
              '<', 4.0::double precision,
              'ALTER TABLE with 400 DROP COLUMNs: the guard adds less than 3 times the statement''s own time');
SELECT * FROM finish();
