-- unbatched_data_change: big UPDATE / DELETE / MERGE in a migration.
SET client_min_messages = error;
CREATE EXTENSION IF NOT EXISTS migration_guard;
SET client_min_messages = warning;
SET migration_guard.rules = 'foreign_key_without_index=off, multiple_exclusive_locks=off, lock_held_across_statements=off';
SET lock_timeout = '1s';
SHOW migration_guard.max_migration_rows;

CREATE SCHEMA rd;
SET search_path = rd, public;
CREATE TABLE big (id bigint PRIMARY KEY, v text, w int);
INSERT INTO big SELECT g, 'v' || g, NULL FROM generate_series(1, 20000) g;
ANALYZE big;
CREATE TABLE other (id bigint);
-- (the planner's estimate for big is its 20000 rows while no statement
-- below changes it: refused statements stop before the first row)
CREATE TABLE app (id bigint PRIMARY KEY, w int);
INSERT INTO app SELECT g, 0 FROM generate_series(1, 20000) g;
ANALYZE app;

-- Application traffic: no DDL, no migration role: never judged.
UPDATE app SET w = 0;
DELETE FROM app WHERE id < 0;
BEGIN;
UPDATE app SET w = 1;
UPDATE app SET w = 2;
COMMIT;
SELECT count(*) FILTER (WHERE w = 2) AS updated FROM app;

-- In a transaction that runs DDL: refused, with the equivalent backfill() call.
BEGIN;
ALTER TABLE other ADD COLUMN note text;
UPDATE big SET w = 3 WHERE id IS NOT NULL;
ROLLBACK;
BEGIN;
ALTER TABLE other ADD COLUMN note text;
UPDATE ONLY big SET w = w + 1, v = 'it''s';
ROLLBACK;
BEGIN;
ALTER TABLE other ADD COLUMN note text;
DELETE FROM big;
ROLLBACK;
-- Nested in a DO block of the same transaction: judged.
BEGIN;
ALTER TABLE other ADD COLUMN note text;
DO $$ BEGIN UPDATE big SET w = 4; END $$;
ROLLBACK;
-- Before the first DDL: judged at the DDL (on a table of its own: the
-- UPDATE runs before it is judged).
CREATE TABLE late (id bigint, w int);
INSERT INTO late SELECT g, 0 FROM generate_series(1, 20000) g;
ANALYZE late;
BEGIN;
UPDATE late SET w = 5;
ALTER TABLE other ADD COLUMN note text;
ROLLBACK;
-- Small changes and tables created in the migration are fine.
BEGIN;
ALTER TABLE other ADD COLUMN note text;
UPDATE app SET w = 6 WHERE id < 100;
CREATE TABLE fresh AS SELECT * FROM big;
ANALYZE fresh;
UPDATE fresh SET w = 7;
ROLLBACK;

-- A change before the DDL that was rolled back to a savepoint: not judged.
BEGIN;
SAVEPOINT s;
UPDATE app SET w = 5;
ROLLBACK TO SAVEPOINT s;
ALTER TABLE other ADD COLUMN note text;
ROLLBACK;

-- A session of a listed migration role: every transaction is a migration.
SET migration_guard.migration_roles = 'someone_else';
UPDATE app SET w = 8;
SELECT set_config('migration_guard.migration_roles', 'someone_else, ' || quote_ident(current_user), false) IS NOT NULL AS set;
UPDATE big SET w = 9;
DELETE FROM big WHERE id IS NOT NULL;
-- (from here on, statements run and the estimates grow: no numbers shown)
\set VERBOSITY sqlstate
-- a limit of 0 turns the rule off; a higher limit lets it through
SET migration_guard.max_migration_rows = 0;
UPDATE big SET w = 10;
SET migration_guard.max_migration_rows = 50000;
UPDATE app SET w = 11;
RESET migration_guard.max_migration_rows;
UPDATE app SET w = 11;
-- warn mode: a warning, and the change applies
SET migration_guard.mode = warn;
SET client_min_messages = error;
UPDATE big SET w = 12;
SET client_min_messages = warning;
RESET migration_guard.mode;
SELECT count(*) FILTER (WHERE w = 12) AS warned_applied FROM big;
-- escape hatches
BEGIN;
SET LOCAL migration_guard.allow = 'unbatched_data_change';
UPDATE big SET w = 13;
COMMIT;
UPDATE big SET w = 14 /* migration_guard:allow unbatched_data_change */;
SELECT count(*) FILTER (WHERE w = 14) AS allowed FROM big;
\set VERBOSITY default
-- EXPLAIN without ANALYZE runs nothing
EXPLAIN (COSTS OFF) UPDATE big SET w = 15;
RESET migration_guard.migration_roles;
