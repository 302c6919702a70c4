-- migration_guard.check(): judging a whole migration script
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS migration_guard;
RESET client_min_messages;
SET migration_guard.small_table_threshold = 0;
CREATE TABLE check_big (id bigint PRIMARY KEY, v int);
INSERT INTO check_big SELECT g, g FROM generate_series(1, 1000) g;
ANALYZE check_big;

-- a table created by the script, then indexed: no finding
SELECT statement, rule, note FROM migration_guard.check($$
CREATE TABLE check_new (id bigint PRIMARY KEY, big_id bigint REFERENCES check_big);
CREATE INDEX ON check_new (big_id);
$$);
-- nothing persists
SELECT to_regclass('check_new');

-- an index on an existing table: a finding with statement number and lock
SELECT statement, statement_text, rule, severity, relation, lock_mode, rewrites, message
FROM migration_guard.check($$
CREATE TABLE check_new (id bigint PRIMARY KEY);
CREATE INDEX check_big_v ON check_big (v);
$$);
SELECT to_regclass('check_big_v');

-- empty scripts
SELECT count(*) FROM migration_guard.check('');
SELECT count(*) FROM migration_guard.check('  -- only a comment
;;');
-- NULL is an error: no rows would read as "no findings" in a CI gate
SELECT count(*) FROM migration_guard.check(NULL);

-- transaction control, data statements, CONCURRENTLY
SELECT statement, statement_text, rule, note FROM migration_guard.check($$
BEGIN;
CREATE INDEX CONCURRENTLY check_big_v2 ON check_big (v);
UPDATE check_big SET v = 0;
DO $do$ BEGIN EXECUTE 'CREATE INDEX ON check_big (v)'; END $do$;
COMMIT;
$$);
SELECT count(*) FROM check_big WHERE v = 0;

-- syntax errors
SELECT * FROM migration_guard.check($$CREATE TABLE a (id int);
CREATE TABEL b (id int);$$);
SELECT * FROM migration_guard.check('CREATE TABLE x (', 'enforce');
SELECT * FROM migration_guard.check('SELECT 1', 'strict');

-- a failing statement is a row, and the check goes on
SELECT statement, rule, note FROM migration_guard.check($$
CREATE INDEX ON check_missing (v);
CREATE TABLE check_new (id bigint);
CREATE TABLE check_new (id bigint);
CREATE INDEX ON check_big (v);
$$);

-- whole rows (detail, which carries the table's size, left out here)
\x on
SELECT statement, statement_text, rule, severity, relation, lock_mode,
       rewrites, message, hint, note
FROM migration_guard.check($$
-- migration_guard:allow create_index
CREATE INDEX check_big_v ON check_big (v);
ALTER TABLE check_big ALTER COLUMN v TYPE bigint;
$$, include_off => true);
\x off

-- SELECT ... INTO creates a table: judged as CREATE TABLE AS, run without data
SELECT statement, rule, note FROM migration_guard.check($$
SELECT * INTO check_copy FROM check_big;
CREATE INDEX ON check_copy (v);
$$);
SELECT to_regclass('check_copy');

BEGIN;
SET LOCAL migration_guard.allow = 'drop_table';
DROP TABLE check_big;
COMMIT;
RESET migration_guard.small_table_threshold;
