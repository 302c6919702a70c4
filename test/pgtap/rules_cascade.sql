-- Drops, renames and defaults through another door, behaviour: drop_cascade,
-- drop_schema, rename_enum_value, drop_default_required, unbatched_data_change,
-- and rename_table through ALTER INDEX.  Each fires in enforce and warn, is
-- quiet on the safe form, and yields to its escape hatch.  Existing objects
-- are committed first; each statement runs in its own subtransaction.
SET client_min_messages = warning;
SET migration_guard.rules = 'foreign_key_without_index=off, multiple_exclusive_locks=off, lock_held_across_statements=off';
SET lock_timeout = '1s';

CREATE TYPE addr AS (street text, city text);
CREATE TABLE homes OF addr;
CREATE DOMAIN positive AS int CHECK (VALUE > 0);
CREATE TABLE stock (id bigint PRIMARY KEY, qty positive);
CREATE TYPE status AS ENUM ('open', 'done');
CREATE TABLE tasks (id bigint PRIMARY KEY, state status, created int NOT NULL DEFAULT 0);
CREATE SCHEMA doomed;
CREATE TABLE doomed.t (a int);
CREATE TABLE big (id bigint PRIMARY KEY, w int);
INSERT INTO big SELECT g, 0 FROM generate_series(1, 20000) g;
ANALYZE big;
CREATE TABLE other (id bigint);

CREATE FUNCTION rel_exists(text) RETURNS boolean LANGUAGE sql AS
  $$ SELECT to_regclass($1) IS NOT NULL $$;
CREATE FUNCTION has_default(regclass, name) RETURNS boolean LANGUAGE sql AS
  $$ SELECT atthasdef FROM pg_attribute WHERE attrelid = $1 AND attname = $2 $$;

SELECT plan(32);

-- drop_cascade
SELECT throws_ok('DROP TYPE addr CASCADE', 'MG003', NULL, 'drop_cascade: DROP TYPE CASCADE of a typed table''s type refused');
SELECT ok(rel_exists('homes'), 'drop_cascade: nothing dropped');
SELECT throws_ok('DROP DOMAIN positive CASCADE', 'MG003', NULL, 'drop_cascade: DROP DOMAIN CASCADE of a column''s domain refused');
SET migration_guard.mode = warn;
SELECT lives_ok('DROP DOMAIN positive CASCADE', 'drop_cascade: warn lets it run');
RESET migration_guard.mode;
SELECT ok(NOT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'stock'::regclass AND attname = 'qty' AND NOT attisdropped),
          'drop_cascade: the column went with it in warn');
SELECT lives_ok('CREATE TYPE unused AS (a int)', 'setup');
SELECT lives_ok('DROP TYPE unused CASCADE', 'drop_cascade: a type nothing depends on passes');
SELECT lives_ok('DROP TYPE addr CASCADE -- migration_guard:allow drop_cascade
', 'drop_cascade: directive');
SELECT ok(NOT rel_exists('homes'), 'drop_cascade: applied when allowed');

-- drop_schema (the contract step: a warning even in enforce)
SELECT lives_ok('DROP SCHEMA doomed CASCADE', 'drop_schema: a warning, runs');
SET migration_guard.rules = 'drop_schema=enforce';
SELECT lives_ok('CREATE SCHEMA doomed2', 'setup');
SELECT lives_ok('CREATE TABLE doomed2.t (a int)', 'setup');
SELECT throws_ok('DROP SCHEMA doomed2 CASCADE', 'MG003', NULL, 'drop_schema: refused when set to enforce explicitly');
SELECT ok(rel_exists('doomed2.t'), 'drop_schema: nothing dropped');
RESET migration_guard.rules;

-- rename_enum_value
SELECT throws_ok($$ALTER TYPE status RENAME VALUE 'done' TO 'completed'$$, 'MG003', NULL, 'rename_enum_value: refused');
SELECT lives_ok($$ALTER TYPE status ADD VALUE 'completed'$$, 'rename_enum_value: ADD VALUE is the safe form');
SET migration_guard.mode = warn;
SELECT lives_ok($$ALTER TYPE status RENAME VALUE 'open' TO 'opened'$$, 'rename_enum_value: warn lets it run');
RESET migration_guard.mode;
SET migration_guard.allow = 'rename_enum_value';
SELECT lives_ok($$ALTER TYPE status RENAME VALUE 'opened' TO 'open'$$, 'rename_enum_value: allow setting');
RESET migration_guard.allow;

-- drop_default_required
SELECT throws_ok('ALTER TABLE tasks ALTER COLUMN created DROP DEFAULT', 'MG003', NULL, 'drop_default_required: refused');
SELECT ok(has_default('tasks', 'created'), 'drop_default_required: nothing applied');
SELECT lives_ok('ALTER TABLE tasks ALTER COLUMN created DROP DEFAULT, ALTER COLUMN created DROP NOT NULL',
                'drop_default_required: with DROP NOT NULL it is the safe form');
SELECT lives_ok('ALTER TABLE tasks ALTER COLUMN created SET DEFAULT 0, ALTER COLUMN created SET NOT NULL -- migration_guard:allow set_not_null
', 'setup');

-- rename_table through ALTER INDEX
SELECT throws_ok('ALTER INDEX big RENAME TO big2', 'MG003', NULL, 'rename_table: ALTER INDEX on a table refused');
SELECT ok(rel_exists('big'), 'rename_table: nothing renamed');
SELECT lives_ok('ALTER INDEX big_pkey RENAME TO big_pk', 'rename_table: renaming an index passes');

-- unbatched_data_change: application traffic is never judged
SELECT lives_ok('UPDATE big SET w = 1', 'unbatched_data_change: application UPDATE passes');
-- a DO block is nested, like a throws_ok(): judged in a migration
SELECT throws_ok('DO $$ BEGIN ALTER TABLE other ADD COLUMN n int; UPDATE big SET w = 2; END $$', 'MG001', NULL,
                 'unbatched_data_change: refused after DDL');
SELECT is((SELECT count(*) FROM big WHERE w = 2), 0::bigint, 'unbatched_data_change: nothing changed');
SELECT lives_ok('DO $$ BEGIN ALTER TABLE other ADD COLUMN n int; UPDATE big SET w = 2 WHERE id < 10; END $$',
                'unbatched_data_change: a small UPDATE passes');
SET migration_guard.mode = warn;
SELECT lives_ok('DO $$ BEGIN ALTER TABLE other ADD COLUMN n2 int; UPDATE big SET w = 3; END $$',
                'unbatched_data_change: warn lets it run');
RESET migration_guard.mode;
SELECT lives_ok('DO $$ BEGIN ALTER TABLE other ADD COLUMN n3 int; UPDATE big SET w = 4 /* migration_guard:allow unbatched_data_change */; END $$',
                'unbatched_data_change: directive on the UPDATE');
SELECT is((SELECT count(*) FROM big WHERE w = 4), 20000::bigint, 'unbatched_data_change: applied when allowed');

SELECT * FROM finish();
