-- Attacks on deprecation through dependencies (issue 14 x issue 13): the
-- owner of a deprecated table that is still in use tries to destroy it
-- through another statement form than DROP TABLE / DROP COLUMN, hoping the
-- usage evidence is not asked for.  Each attack must be refused in enforce,
-- and the deprecated objects must still be there.
SET client_min_messages = warning;
SET migration_guard.deprecated_use = off;
SET migration_guard.mode = enforce;
SET migration_guard.deprecation_quiet_period = '1h';
SET migration_guard.rules = 'multiple_exclusive_locks=off, lock_held_across_statements=off';
CREATE ROLE dc_owner LOGIN;
DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO dc_owner', current_database()); END $$;
SET ROLE dc_owner;
CREATE SCHEMA dc_app;
CREATE DOMAIN dc_app.code AS text;
CREATE TYPE dc_app.pt AS (x int, old_y int);
CREATE TABLE dc_app.legacy (id bigint, note text);
CREATE TABLE dc_app.items (id bigint, sku dc_app.code);
CREATE TABLE dc_app.points OF dc_app.pt;
RESET ROLE;
SELECT migration_guard.deprecate('dc_app.legacy');
SELECT migration_guard.deprecate('dc_app.items', 'sku');
SELECT migration_guard.deprecate('dc_app.points', 'old_y');
-- still used by the application
SELECT count(*) FROM dc_app.legacy;
SELECT count(sku) FROM dc_app.items;
SELECT count(old_y) FROM dc_app.points;

SELECT plan(6);
SET ROLE dc_owner;
SELECT throws_ok('DROP OWNED BY dc_owner', 'MG003', NULL,
                 'owner: DROP OWNED BY itself (no CASCADE) of its used deprecated table refused');
SELECT throws_ok('DROP SCHEMA dc_app CASCADE', 'MG003', NULL,
                 'owner: DROP SCHEMA CASCADE of its used deprecated table refused');
SELECT throws_ok('DROP DOMAIN dc_app.code CASCADE', 'MG003', NULL,
                 'owner: DROP DOMAIN CASCADE of a used deprecated column refused');
SELECT throws_ok('ALTER TYPE dc_app.pt DROP ATTRIBUTE old_y CASCADE', 'MG003', NULL,
                 'owner: ALTER TYPE DROP ATTRIBUTE CASCADE of a used deprecated column refused');
RESET ROLE;
SELECT is((SELECT count(*) FROM pg_class WHERE relnamespace = 'dc_app'::regnamespace
            AND relname IN ('legacy', 'items', 'points')), 3::bigint, 'the deprecated tables are all there');
SELECT is((SELECT count(*) FROM pg_attribute WHERE attrelid IN ('dc_app.items'::regclass, 'dc_app.points'::regclass)
            AND attname IN ('sku', 'old_y') AND NOT attisdropped), 2::bigint, 'the deprecated columns are all there');

SELECT * FROM finish();
