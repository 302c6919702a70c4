-- Backfills whose cursor stops meaning the same rows between two CALLs
-- (key type, collation, index, the table itself) refuse to resume (MG027);
-- done is verified against where_clause before a job says it (issue 16)
-- in a database of its own: the tables it creates and drops would move
-- other files' catalog rows around (and the order PostgreSQL visits them)
SET client_min_messages = warning;
SELECT current_database() AS regress_db \gset
DROP DATABASE IF EXISTS mg_backfill_cursor;
CREATE DATABASE mg_backfill_cursor;
\c mg_backfill_cursor
SET client_min_messages = warning;
CREATE EXTENSION migration_guard;
RESET client_min_messages;
SET migration_guard.mode = off;

-- the key widened from integer to text between two CALLs: under text
-- ordering the range '500' .. '1200' holds none of the 700 rows left
CREATE TABLE bfc_type (id integer PRIMARY KEY, v integer, w integer);
INSERT INTO bfc_type SELECT g, g FROM generate_series(1, 1200) g;
SET client_min_messages = warning;
CALL migration_guard.backfill('bfc_type', 'bfc_type', 'w = v', batch_size => 100,
                              target_batch_time => '0', max_rows => 500);
RESET client_min_messages;
ALTER TABLE bfc_type ALTER COLUMN id TYPE text;
CALL migration_guard.backfill('bfc_type', 'bfc_type', 'w = v');
SELECT name, state, rows_done, done_verified FROM migration_guard.backfills WHERE name = 'bfc_type';
SELECT count(*) AS left_undone FROM bfc_type WHERE w IS NULL;
SELECT migration_guard.assert_backfill_done('bfc_type');
-- what the API offers: another job, whose where_clause skips the rows done
SET client_min_messages = warning;
CALL migration_guard.backfill('bfc_type_2', 'bfc_type', 'w = v', 'w IS NULL');
RESET client_min_messages;
SELECT count(*) AS left_undone FROM bfc_type WHERE w IS NULL;
SELECT migration_guard.assert_backfill_done('bfc_type_2');
SELECT migration_guard.backfill_forget('bfc_type');

-- a text key's collation changed between two CALLs
CREATE TABLE bfc_coll (code text COLLATE "C" PRIMARY KEY, w integer);
INSERT INTO bfc_coll SELECT 'k' || g, NULL FROM generate_series(1, 300) g;
SET client_min_messages = warning;
CALL migration_guard.backfill('bfc_coll', 'bfc_coll', 'w = 1', batch_size => 50,
                              target_batch_time => '0', max_rows => 100);
RESET client_min_messages;
ALTER TABLE bfc_coll ALTER COLUMN code TYPE text COLLATE "POSIX";
CALL migration_guard.backfill('bfc_coll', 'bfc_coll', 'w = 1');
SELECT name, state, rows_done FROM migration_guard.backfills WHERE name = 'bfc_coll';

-- the key index dropped and re-created (same columns, same name)
CREATE TABLE bfc_index (id integer NOT NULL, w integer);
CREATE UNIQUE INDEX bfc_index_id ON bfc_index (id);
INSERT INTO bfc_index SELECT g FROM generate_series(1, 300) g;
SET client_min_messages = warning;
CALL migration_guard.backfill('bfc_index', 'bfc_index', 'w = 1', batch_size => 50,
                              target_batch_time => '0', max_rows => 100);
RESET client_min_messages;
DROP INDEX bfc_index_id;
CREATE UNIQUE INDEX bfc_index_id ON bfc_index (id);
\set VERBOSITY terse
CALL migration_guard.backfill('bfc_index', 'bfc_index', 'w = 1');
\set VERBOSITY default
SELECT key_facts->>'key index' LIKE 'bfc_index_id [index %]' AS index_recorded
  FROM migration_guard.backfill_jobs WHERE name = 'bfc_index';
-- renaming the index changes nothing the cursor depends on
SELECT migration_guard.backfill_forget('bfc_index');
SET client_min_messages = warning;
CALL migration_guard.backfill('bfc_index', 'bfc_index', 'w = 2', batch_size => 50,
                              target_batch_time => '0', max_rows => 100);
ALTER INDEX bfc_index_id RENAME TO bfc_index_id_renamed;
CALL migration_guard.backfill('bfc_index', 'bfc_index', 'w = 2');
RESET client_min_messages;
SELECT name, state, rows_done, done_verified FROM migration_guard.backfills WHERE name = 'bfc_index';

-- the table dropped and re-created with the same name
CREATE TABLE bfc_table (id integer PRIMARY KEY, w integer);
INSERT INTO bfc_table SELECT g FROM generate_series(1, 300) g;
SET client_min_messages = warning;
CALL migration_guard.backfill('bfc_table', 'bfc_table', 'w = 1', batch_size => 50,
                              target_batch_time => '0', max_rows => 100);
RESET client_min_messages;
DROP TABLE bfc_table;
CREATE TABLE bfc_table (id integer PRIMARY KEY, w integer);
INSERT INTO bfc_table SELECT g FROM generate_series(1, 300) g;
\set VERBOSITY terse
CALL migration_guard.backfill('bfc_table', 'bfc_table', 'w = 1');
\set VERBOSITY default
SELECT count(*) AS touched FROM bfc_table WHERE w IS NOT NULL;

-- a job begun before 1.1 (no key facts): recorded at its first resume
CREATE TABLE bfc_old (id integer PRIMARY KEY, w integer);
INSERT INTO bfc_old SELECT g FROM generate_series(1, 300) g;
SET client_min_messages = warning;
CALL migration_guard.backfill('bfc_old', 'bfc_old', 'w = 1', 'w IS NULL', batch_size => 50,
                              target_batch_time => '0', max_rows => 100);
RESET client_min_messages;
UPDATE migration_guard.backfill_jobs SET key_facts = NULL WHERE name = 'bfc_old';
SET client_min_messages = warning;
CALL migration_guard.backfill('bfc_old', 'bfc_old', 'w = 1', 'w IS NULL', max_rows => 50,
                              batch_size => 50, target_batch_time => '0');
RESET client_min_messages;
SELECT key_facts->>'key column 1 type' AS recorded_type FROM migration_guard.backfill_jobs WHERE name = 'bfc_old';

-- keys the application moves behind the cursor while the job is paused,
-- and while it runs (a trigger moves a row when the job updates another):
-- the pass misses them, the check before done finds them, and done comes
-- only with the pass that updates them
CREATE TABLE bfc_moved (id integer PRIMARY KEY, v integer, w integer);
INSERT INTO bfc_moved SELECT g * 10, g FROM generate_series(1, 200) g;
SET client_min_messages = warning;
CALL migration_guard.backfill('bfc_moved', 'bfc_moved', 'w = v', 'w IS NULL', batch_size => 20,
                              target_batch_time => '0', max_rows => 60);
RESET client_min_messages;
UPDATE bfc_moved SET id = 5 WHERE id = 1500;
CREATE FUNCTION bfc_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id = 1000 THEN
        UPDATE bfc_moved SET id = 15 WHERE id = 1800;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER bfc_move AFTER UPDATE ON bfc_moved FOR EACH ROW EXECUTE FUNCTION bfc_move();
SET client_min_messages = warning;
CALL migration_guard.backfill('bfc_moved', 'bfc_moved', 'w = v', 'w IS NULL', batch_size => 20,
                              target_batch_time => '0');
RESET client_min_messages;
SELECT state, reason, done_verified, passes, rows_left FROM migration_guard.backfills WHERE name = 'bfc_moved';
SELECT id, w FROM bfc_moved WHERE w IS NULL ORDER BY id;
SELECT migration_guard.assert_backfill_done('bfc_moved');
DROP TRIGGER bfc_move ON bfc_moved;
SET client_min_messages = warning;
CALL migration_guard.backfill('bfc_moved', 'bfc_moved', 'w = v', 'w IS NULL', batch_size => 20,
                              target_batch_time => '0');
RESET client_min_messages;
SELECT state, reason, done_verified, passes, rows_left FROM migration_guard.backfills WHERE name = 'bfc_moved';
SELECT count(*) FILTER (WHERE w = v) AS done, count(*) AS total FROM bfc_moved;
SELECT migration_guard.assert_backfill_done('bfc_moved');

-- without a where_clause done is unverified, and says so
CREATE TABLE bfc_unverified (id integer PRIMARY KEY, w integer);
INSERT INTO bfc_unverified SELECT g FROM generate_series(1, 100) g;
SET client_min_messages = warning;
CALL migration_guard.backfill('bfc_unverified', 'bfc_unverified', 'w = 1');
RESET client_min_messages;
SELECT state, done_verified FROM migration_guard.backfills WHERE name = 'bfc_unverified';
SELECT migration_guard.assert_backfill_done('bfc_unverified');

SELECT migration_guard.backfill_forget(name) FROM migration_guard.backfill_jobs
 WHERE name LIKE 'bfc%' ORDER BY name;
DROP TABLE bfc_type, bfc_coll, bfc_index, bfc_table, bfc_old, bfc_moved, bfc_unverified;
DROP FUNCTION bfc_move();
RESET migration_guard.mode;
\c :regress_db
SET migration_guard.allow = 'drop_database';
DROP DATABASE mg_backfill_cursor;
RESET migration_guard.allow;
