-- Permission errors come before rule errors: a role that may not run a
-- statement gets PostgreSQL's own "must be owner" (42501), never a rule's
-- finding with a hint on how to accept the risk.  And nothing changes.
SET client_min_messages = 'warning';
CREATE ROLE pf_victim;
CREATE ROLE pf_attacker;
GRANT CREATE ON SCHEMA public TO pf_victim, pf_attacker;
CREATE TABLE owned (id bigint PRIMARY KEY, n int, v text);
INSERT INTO owned SELECT g, g, 'v' || g FROM generate_series(1, 500) g;
ALTER TABLE owned OWNER TO pf_victim;
GRANT SELECT, INSERT, UPDATE ON owned TO pf_attacker;
CREATE SCHEMA vs AUTHORIZATION pf_victim;
CREATE TYPE mood AS ENUM ('ok', 'bad');
ALTER TYPE mood OWNER TO pf_victim;
CREATE FUNCTION vf() RETURNS int LANGUAGE sql AS 'SELECT 1';
ALTER FUNCTION vf() OWNER TO pf_victim;

BEGIN;
SELECT plan(24);
SET LOCAL migration_guard.small_table_threshold = 0;
CREATE FUNCTION shape() RETURNS text LANGUAGE sql SECURITY DEFINER AS $$
  SELECT concat_ws('|',
    (SELECT string_agg(attname || ':' || atttypid::regtype, ',' ORDER BY attnum)
       FROM pg_attribute WHERE attrelid = 'public.owned'::regclass AND attnum > 0 AND NOT attisdropped),
    (SELECT count(*) FROM pg_index WHERE indrelid = 'public.owned'::regclass),
    (SELECT count(*) FROM public.owned),
    (SELECT relnamespace::regnamespace::text FROM pg_class WHERE oid = 'public.owned'::regclass),
    (SELECT nspname FROM pg_namespace n JOIN pg_extension e ON e.extnamespace = n.oid WHERE extname = 'migration_guard'),
    (SELECT count(*) FROM pg_namespace WHERE nspname = 'vs'),
    (SELECT typname FROM pg_type WHERE oid = 'mood'::regtype),
    (SELECT proname FROM pg_proc WHERE oid = 'vf()'::regprocedure)) $$;
CREATE TABLE before AS SELECT shape() AS s;
GRANT SELECT ON before TO pf_attacker;

SET ROLE pf_attacker;
-- Each of these would fire a rule for the owner; for the pf_attacker it is
-- PostgreSQL's 42501, with the message PostgreSQL gives.
SELECT throws_ok('ALTER TABLE owned ALTER COLUMN n TYPE bigint', '42501', 'must be owner of table owned', 'ALTER COLUMN TYPE by a non-owner');
SELECT throws_ok('ALTER TABLE owned ADD COLUMN x int NOT NULL', '42501', 'must be owner of table owned', 'ADD COLUMN NOT NULL by a non-owner');
SELECT throws_ok('ALTER TABLE owned DROP COLUMN v', '42501', 'must be owner of table owned', 'DROP COLUMN by a non-owner');
SELECT throws_ok('ALTER TABLE owned RENAME COLUMN v TO w', '42501', 'must be owner of table owned', 'RENAME COLUMN by a non-owner');
SELECT throws_ok('ALTER TABLE owned RENAME TO stolen', '42501', 'must be owner of table owned', 'RENAME TABLE by a non-owner');
SELECT throws_ok('ALTER TABLE owned ADD CONSTRAINT c CHECK (n > 0)', '42501', 'must be owner of table owned', 'ADD CHECK by a non-owner');
SELECT throws_ok('ALTER TABLE owned SET SCHEMA vs', '42501', 'must be owner of table owned', 'SET SCHEMA by a non-owner');
SELECT throws_ok('CREATE INDEX owned_v ON owned (v)', '42501', 'must be owner of table owned', 'CREATE INDEX by a non-owner');
SELECT throws_ok('DROP TABLE owned', '42501', 'must be owner of table owned', 'DROP TABLE by a non-owner');
SELECT throws_ok('TRUNCATE owned', '42501', 'permission denied for table owned', 'TRUNCATE without the privilege');
SELECT throws_ok('ALTER SCHEMA migration_guard RENAME TO mg_stolen', '42501', 'must be owner of schema migration_guard', 'renaming the extension''s schema by a non-owner');
SELECT throws_ok('DROP SCHEMA migration_guard CASCADE', '42501', 'must be owner of schema migration_guard', 'dropping the extension''s schema by a non-owner');
SELECT throws_ok('ALTER SCHEMA vs RENAME TO vs2', '42501', 'must be owner of schema vs', 'renaming another role''s schema');
SELECT throws_ok('DROP SCHEMA vs', '42501', 'must be owner of schema vs', 'dropping another role''s schema');
SELECT throws_ok('ALTER TYPE mood RENAME TO mood2', '42501', 'must be owner of type mood', 'renaming another role''s type');
SELECT throws_ok($$ALTER TYPE mood RENAME VALUE 'bad' TO 'worse'$$, '42501', 'must be owner of type mood', 'renaming another role''s enum value');
SELECT throws_ok('DROP TYPE mood', '42501', 'must be owner of type mood', 'dropping another role''s type');
SELECT throws_ok('ALTER FUNCTION vf() RENAME TO vg', '42501', 'must be owner of function vf', 'renaming another role''s function');
SELECT throws_ok('DROP FUNCTION vf()', '42501', 'must be owner of function vf', 'dropping another role''s function');
SELECT throws_ok('ALTER TABLE owned OWNER TO pf_attacker', '42501', 'must be owner of table owned', 'taking ownership of a table');
SELECT throws_ok('ALTER SCHEMA migration_guard OWNER TO pf_attacker', '42501', 'must be owner of schema migration_guard', 'taking ownership of the extension''s schema');
-- Also inside check(): the statement "fails" with the permission error.
SELECT is((SELECT string_agg(coalesce(rule, '-') || ':' || coalesce(note, ''), ',')
             FROM migration_guard.check('ALTER TABLE owned ALTER COLUMN n TYPE bigint')),
          '-:fails: must be owner of table owned (SQLSTATE 42501)',
          'check() reports the permission error, not a finding');
SELECT is((SELECT count(*) FROM migration_guard.check('DROP TABLE owned') WHERE rule IS NOT NULL),
          0::bigint, 'check() of DROP by a non-owner has no rule finding');
RESET ROLE;
SELECT is(shape(), (SELECT s FROM before), 'nothing changed');

SELECT * FROM finish();
ROLLBACK;
