-- Attacks on what a backfill's cursor means (issue 16): the table's owner,
-- an ordinary role, changes the key, the index or the table between two
-- CALLs of a job the migration role runs, or moves rows behind its cursor,
-- to make the job skip rows and still say it is done before the contract
-- step drops the old column.  Every attempt must leave the job not done
-- (or verified only once the rows are done) and the job table untouched by
-- the attacker.
SET client_min_messages = warning;
SET migration_guard.mode = off;
CREATE ROLE bfa_owner;
CREATE ROLE bfa_migrator;
GRANT CREATE, USAGE ON SCHEMA public TO bfa_owner;
SET ROLE bfa_owner;
CREATE TABLE bfa_t (id integer PRIMARY KEY, v integer, w integer);
INSERT INTO bfa_t SELECT g, g FROM generate_series(1, 1200) g;
CREATE TABLE bfa_m (id integer PRIMARY KEY, v integer, w integer);
INSERT INTO bfa_m SELECT g * 10, g FROM generate_series(1, 300) g;
GRANT SELECT, UPDATE ON bfa_t, bfa_m TO bfa_migrator;
RESET ROLE;

SELECT plan(12);

-- the migration role starts two jobs and stops them half way
SET ROLE bfa_migrator;
CALL migration_guard.backfill('bfa_type', 'bfa_t', 'w = v', batch_size => 100,
                              target_batch_time => '0', max_rows => 500);
CALL migration_guard.backfill('bfa_moved', 'bfa_m', 'w = v', 'w IS NULL', batch_size => 50,
                              target_batch_time => '0', max_rows => 100);
RESET ROLE;

-- 1. the owner widens the key to text: '500' .. '1200' would hold no row
SET ROLE bfa_owner;
ALTER TABLE bfa_t ALTER COLUMN id TYPE text;
RESET ROLE;
SET ROLE bfa_migrator;
\set ON_ERROR_STOP 0
CALL migration_guard.backfill('bfa_type', 'bfa_t', 'w = v');
\set ON_ERROR_STOP 1
RESET ROLE;
SELECT is(:'LAST_ERROR_SQLSTATE'::text, 'MG027', 'a key widened to text by the table''s owner: the resume is refused with MG027');
SELECT is((SELECT state FROM migration_guard.backfills WHERE name = 'bfa_type'), 'paused',
          'the job is not done');
SELECT throws_ok($$SELECT migration_guard.assert_backfill_done('bfa_type')$$, 'MG020', NULL,
                 'the contract step''s assert fails');
SELECT is((SELECT count(*) FROM bfa_t WHERE w IS NULL), 700::bigint, 'the 700 rows left are visible as not done');

-- 2. the owner cannot forge the job's facts or its verification
SET ROLE bfa_owner;
SELECT throws_ok($$UPDATE migration_guard.backfill_jobs SET key_facts = NULL, verified = true, state = 'done'$$,
                 '42501', NULL, 'the table''s owner cannot rewrite a job''s recorded facts or mark it verified');
RESET ROLE;
SET ROLE bfa_migrator;
SELECT throws_ok($$UPDATE migration_guard.backfill_jobs SET key_facts = NULL$$,
                 '42501', NULL, 'nor can the job''s own role');
RESET ROLE;

-- 3. the owner drops the table and re-creates it under the same name
SET ROLE bfa_owner;
DROP TABLE bfa_t;
CREATE TABLE bfa_t (id integer PRIMARY KEY, v integer, w integer);
INSERT INTO bfa_t SELECT g, g FROM generate_series(1, 1200) g;
GRANT SELECT, UPDATE ON bfa_t TO bfa_migrator;
RESET ROLE;
SET ROLE bfa_migrator;
\set ON_ERROR_STOP 0
CALL migration_guard.backfill('bfa_type', 'bfa_t', 'w = v');
\set ON_ERROR_STOP 1
RESET ROLE;
SELECT is(:'LAST_ERROR_SQLSTATE'::text, 'MG027', 'a table dropped and re-created under the same name: refused with MG027');
SELECT is((SELECT count(*) FROM bfa_t WHERE w IS NOT NULL), 0::bigint, 'no row of the new table was touched');

-- 4. the owner drops and re-creates the key index (same column, same
--    name): the job cannot tell it orders the same, so it refuses
SET ROLE bfa_owner;
ALTER TABLE bfa_m DROP CONSTRAINT bfa_m_pkey;
ALTER TABLE bfa_m ADD PRIMARY KEY (id);
RESET ROLE;
SET ROLE bfa_migrator;
\set ON_ERROR_STOP 0
CALL migration_guard.backfill('bfa_moved', 'bfa_m', 'w = v', 'w IS NULL');
\set ON_ERROR_STOP 1
RESET ROLE;
SELECT is(:'LAST_ERROR_SQLSTATE'::text, 'MG027', 'a key index dropped and re-created by the owner: refused with MG027');

-- 5. the owner moves rows behind the cursor of a job with an idempotency
--    predicate: the pass misses them, the check before done does not
SET ROLE bfa_migrator;
CALL migration_guard.backfill('bfa_moved_2', 'bfa_m', 'w = v', 'w IS NULL', batch_size => 50,
                              target_batch_time => '0', max_rows => 100);
RESET ROLE;
SET ROLE bfa_owner;
UPDATE bfa_m SET id = -id WHERE id > 2500 AND w IS NULL;
RESET ROLE;
SET ROLE bfa_migrator;
CALL migration_guard.backfill('bfa_moved_2', 'bfa_m', 'w = v', 'w IS NULL', batch_size => 50,
                              target_batch_time => '0');
RESET ROLE;
SELECT isnt((SELECT state FROM migration_guard.backfills WHERE name = 'bfa_moved_2'), 'done',
            'rows the owner moved behind the cursor keep the job from saying done');
SELECT throws_ok($$SELECT migration_guard.assert_backfill_done('bfa_moved_2')$$, 'MG020', NULL,
                 'and the contract step''s assert fails');
SET ROLE bfa_migrator;
CALL migration_guard.backfill('bfa_moved_2', 'bfa_m', 'w = v', 'w IS NULL', batch_size => 50,
                              target_batch_time => '0');
RESET ROLE;
SELECT is((SELECT state || '/' || done_verified FROM migration_guard.backfills WHERE name = 'bfa_moved_2'),
          'done/true', 'the next pass updates them, and only then is the job done, verified');

SELECT * FROM finish();
