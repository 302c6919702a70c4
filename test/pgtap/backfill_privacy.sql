-- The backfills view shows what a job writes, and its errors, only to the
-- job owner's members and pg_read_all_stats, as pg_stat_activity does for
-- query text.  Progress columns stay visible to everyone.
SET client_min_messages = 'warning';
CREATE ROLE bf_alice;
CREATE ROLE bf_bob;
CREATE ROLE bf_stats IN ROLE pg_read_all_stats;
GRANT CREATE, USAGE ON SCHEMA public TO bf_alice;
SET ROLE bf_alice;
CREATE TABLE bf_private (id bigint PRIMARY KEY, secret text);
INSERT INTO bf_private SELECT g, NULL FROM generate_series(1, 100) g;
CALL migration_guard.backfill('bf_private', 'bf_private', $$secret = 'hunter2'$$, 'secret IS NULL');
RESET ROLE;

BEGIN;
SELECT plan(6);
SET LOCAL ROLE bf_alice;
SELECT is((SELECT set_clause FROM migration_guard.backfills WHERE name = 'bf_private'),
          $$secret = 'hunter2'$$, 'the owner sees the set clause');
SET LOCAL ROLE bf_bob;
SELECT is((SELECT set_clause FROM migration_guard.backfills WHERE name = 'bf_private'),
          '<insufficient privilege>', 'another role does not see the set clause');
SELECT is((SELECT where_clause FROM migration_guard.backfills WHERE name = 'bf_private'),
          '<insufficient privilege>', 'nor the where clause');
SELECT is((SELECT rows_done FROM migration_guard.backfills WHERE name = 'bf_private'),
          100::bigint, 'progress stays visible to everyone');
SET LOCAL ROLE bf_stats;
SELECT is((SELECT set_clause FROM migration_guard.backfills WHERE name = 'bf_private'),
          $$secret = 'hunter2'$$, 'pg_read_all_stats sees it');
RESET ROLE;
SELECT is((SELECT state FROM migration_guard.backfills WHERE name = 'bf_private'), 'done',
          'the job is done');
SELECT * FROM finish();
ROLLBACK;

SELECT migration_guard.backfill_forget('bf_private');
DROP TABLE bf_private;
REVOKE CREATE, USAGE ON SCHEMA public FROM bf_alice;
DROP ROLE bf_alice;
DROP ROLE bf_bob;
DROP ROLE bf_stats;
