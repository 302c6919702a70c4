-- Deprecated tables and columns destroyed through a dependency (DROP
-- SCHEMA ... CASCADE, DROP OWNED BY, DROP TYPE / DOMAIN ... CASCADE,
-- ALTER TYPE ... DROP ATTRIBUTE ... CASCADE) are judged by their usage
-- evidence like a direct drop: a use within the quiet period, or too
-- short a watch, makes the finding an error in enforce, naming the object.
SET client_min_messages = error;
CREATE EXTENSION IF NOT EXISTS migration_guard;
SET client_min_messages = warning;
SET migration_guard.rules = 'foreign_key_without_index=off, multiple_exclusive_locks=off, lock_held_across_statements=off, lock_timeout=off, prefer_bigint=off';
SET migration_guard.deprecated_use = off;
SET migration_guard.mode = enforce;

CREATE SCHEMA depc;
SET search_path = depc, public;
CREATE DOMAIN code AS text;
CREATE TYPE pt AS (x int, old_y int);
CREATE TABLE items (id bigint PRIMARY KEY, sku code, note text);
CREATE TABLE points OF pt;
CREATE TABLE logbook (id bigint, line text);
INSERT INTO items VALUES (1, 'a', 'n');
CREATE ROLE depc_owner;
GRANT USAGE, CREATE ON SCHEMA depc TO depc_owner;
SET ROLE depc_owner;
CREATE TABLE owned_old (id bigint, v text);
RESET ROLE;

-- The finding of a statement, without its timestamps and the test's role.
CREATE FUNCTION public.depc_finding(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE m text; d text;
BEGIN
  EXECUTE stmt;
  RETURN 'passed';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL;
  RETURN m || E'\n' || regexp_replace(regexp_replace(d, '\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?[+-]\d\d(:\d\d)?', 'T', 'g'),
                                     'role "[^"]*"', 'role R', 'g');
END $$;

SELECT migration_guard.deprecate('items', 'sku');
SELECT migration_guard.deprecate('points', 'old_y');
SELECT migration_guard.deprecate('logbook');
SELECT migration_guard.deprecate('owned_old');
SET migration_guard.deprecation_quiet_period = '1h';

-- used within the quiet period
SELECT sku FROM items;
SELECT count(*) FROM logbook;
SELECT count(*) FROM owned_old;

\pset format unaligned
\pset tuples_only on
-- DROP DOMAIN ... CASCADE drops the deprecated column items.sku, in use
SELECT public.depc_finding('DROP DOMAIN code CASCADE');
-- ALTER TYPE ... DROP ATTRIBUTE ... CASCADE drops points.old_y: too early
SELECT public.depc_finding('ALTER TYPE pt DROP ATTRIBUTE old_y CASCADE');
-- DROP OWNED BY drops the deprecated, used table owned_old
SELECT public.depc_finding('DROP OWNED BY depc_owner');
-- DROP SCHEMA ... CASCADE: every deprecated object named with its last use
SELECT public.depc_finding('DROP SCHEMA depc CASCADE');
\pset format aligned
\pset tuples_only off
SELECT count(*) AS still_there FROM pg_class
 WHERE relnamespace = 'depc'::regnamespace AND relname IN ('items', 'logbook', 'owned_old', 'points');

-- quiet for the period: the cascade findings are what they were without deprecations
SET migration_guard.deprecation_quiet_period = '1s';
SELECT pg_sleep(1.2);
\set VERBOSITY terse
BEGIN;
ALTER TYPE pt DROP ATTRIBUTE old_y CASCADE;
ROLLBACK;
SET migration_guard.mode = warn;
DROP SCHEMA depc CASCADE;
SET migration_guard.mode = enforce;
\set VERBOSITY default
SELECT count(*) AS depc_gone FROM pg_namespace WHERE nspname = 'depc';
DROP OWNED BY depc_owner;
DROP ROLE depc_owner;
DROP FUNCTION public.depc_finding(text);
