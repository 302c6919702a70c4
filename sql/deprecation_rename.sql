-- A deprecation follows its column through a rename: the row moves to the
-- new name, and a column later added (or renamed) under the old name does
-- not inherit the old deprecation date.
SET client_min_messages = error;
CREATE EXTENSION IF NOT EXISTS migration_guard;
SET client_min_messages = warning;
SET migration_guard.rules = 'foreign_key_without_index=off, multiple_exclusive_locks=off, lock_held_across_statements=off, lock_timeout=off, prefer_bigint=off';
SET migration_guard.deprecated_use = off;
SET migration_guard.mode = enforce;

CREATE SCHEMA depr;
SET search_path = depr, public;
CREATE TABLE t (id bigint, a text, c text);
SELECT migration_guard.deprecate('t', 'a');
SET migration_guard.deprecation_quiet_period = '1s';
SELECT pg_sleep(1.2);

-- quiet: the rename passes, and the deprecation follows the column
ALTER TABLE t RENAME COLUMN a TO b;
SELECT attname FROM migration_guard.deprecated_objects WHERE relid = 't'::regclass;
SELECT object, column_name FROM migration_guard.deprecations WHERE relation = 't'::regclass;

-- a new column under the old name is not deprecated: its drop is the
-- never-deprecated finding (without the fix it passed silently)
ALTER TABLE t ADD COLUMN a text;
ALTER TABLE t DROP COLUMN a;
-- a column renamed to the old name is not either
\set VERBOSITY terse
BEGIN;
SET LOCAL migration_guard.allow = 'rename_column';
ALTER TABLE t RENAME COLUMN c TO a;
ALTER TABLE t DROP COLUMN a;
ROLLBACK;
\set VERBOSITY default

-- the renamed column is still watched: a use refuses its drop
SET migration_guard.deprecation_quiet_period = '1h';
SELECT count(b) FROM t;
\set VERBOSITY terse
ALTER TABLE t DROP COLUMN b;
\set VERBOSITY default
SELECT uses FROM migration_guard.deprecations WHERE column_name = 'b';

-- a rename that fails leaves the row where it was
SET migration_guard.deprecation_quiet_period = '0';
BEGIN;
SAVEPOINT s;
ALTER TABLE t RENAME COLUMN b TO id;
ROLLBACK TO SAVEPOINT s;
SELECT attname FROM migration_guard.deprecated_objects WHERE relid = 't'::regclass;
ROLLBACK;

-- a rename rolled back leaves it too
BEGIN;
ALTER TABLE t RENAME COLUMN b TO z;
ROLLBACK;
SELECT attname FROM migration_guard.deprecated_objects WHERE relid = 't'::regclass;

RESET migration_guard.deprecation_quiet_period;
SET migration_guard.mode = warn;
SET client_min_messages = error;
DROP SCHEMA depr CASCADE;
