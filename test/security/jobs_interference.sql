-- Job interference: an ordinary role tries to pause, resume, cancel or
-- forget another role's backfill, to read or write the job table behind
-- the view, to read another role's clauses, and to squat the job's lock so
-- that the job looks running (and cannot be resumed or forgotten).
SET client_min_messages = 'warning';
CREATE ROLE ja_victim;
CREATE ROLE ja_attacker;
GRANT CREATE, USAGE ON SCHEMA public TO ja_victim, ja_attacker;
SET ROLE ja_victim;
CREATE TABLE vt (id bigint PRIMARY KEY, n int, secret text);
INSERT INTO vt SELECT g, g, NULL FROM generate_series(1, 200) g;
CALL migration_guard.backfill('v_done', 'vt', $$secret = 'hunter2'$$, 'secret IS NULL');
CALL migration_guard.backfill('v_paused', 'vt', 'n = n + 1', batch_size => 10, max_rows => 10);
SELECT migration_guard.backfill_pause('v_paused');
RESET ROLE;

BEGIN;
SELECT plan(17);
CREATE FUNCTION jobs() RETURNS text LANGUAGE sql SECURITY DEFINER AS
  $$ SELECT string_agg(concat_ws(':', name, state, control, rows_done, set_clause, owner), ',' ORDER BY name)
       FROM migration_guard.backfill_jobs $$;
CREATE TABLE before AS SELECT jobs() AS j;
GRANT SELECT ON before TO ja_attacker;

SET ROLE ja_attacker;
SELECT throws_ok($$SELECT migration_guard.backfill_pause('v_done')$$, '42501', NULL, 'pausing another role''s job is refused');
SELECT throws_ok($$SELECT migration_guard.backfill_resume('v_paused')$$, '42501', NULL, 'resuming another role''s paused job is refused');
SELECT throws_ok($$SELECT migration_guard.backfill_cancel('v_paused')$$, '42501', NULL, 'cancelling another role''s job is refused');
SELECT throws_ok($$SELECT migration_guard.backfill_forget('v_done')$$, '42501', NULL, 'forgetting another role''s job is refused');
SELECT throws_ok($$SELECT migration_guard.assert_backfill_done(NULL)$$, '22004', NULL, 'assert_backfill_done(NULL) is an error, not a pass');
SELECT throws_ok($$SELECT migration_guard.backfill_pause(NULL)$$, '22004', NULL, 'backfill_pause(NULL) is an error');
SELECT throws_ok($$SELECT migration_guard.backfill_forget(NULL)$$, '22004', NULL, 'backfill_forget(NULL) is an error');
SELECT throws_ok($$SELECT * FROM migration_guard.backfill_jobs$$, '42501', NULL, 'reading the job table directly is refused');
SELECT throws_ok($$UPDATE migration_guard.backfill_jobs SET state = 'done'$$, '42501', NULL, 'writing the job table directly is refused');
SELECT throws_ok($$INSERT INTO migration_guard.backfill_jobs (name, relation, set_clause, method, key_columns, state, owner)
                   VALUES ('fake', 'vt', 'n = 0', 'keyset', '{id}', 'done', 'ja_victim')$$, '42501', NULL, 'forging a job row is refused');
SELECT throws_ok($$DELETE FROM migration_guard.backfill_jobs$$, '42501', NULL, 'deleting job rows is refused');
SELECT is((SELECT set_clause FROM migration_guard.backfills WHERE name = 'v_done'), '<insufficient privilege>',
          'another role''s set_clause is hidden');
-- Squatting the job's lock with the advisory lock functions: the tag the
-- job uses (objsubid 3) cannot be made from SQL.
SELECT pg_advisory_lock(19783, hashtext('v_paused'));
SELECT pg_advisory_lock(((19783::bigint << 32) | (hashtext('v_paused')::bigint & 4294967295)));
SELECT is((SELECT state FROM migration_guard.backfills WHERE name = 'v_paused'), 'paused',
          'a squatted advisory lock does not make the job look running');
SELECT is((SELECT pid FROM migration_guard.backfills WHERE name = 'v_paused'), NULL::int,
          'nor shows the squatter as its runner');
SELECT pg_advisory_unlock_all();
RESET ROLE;
SELECT is(jobs(), (SELECT j FROM before), 'no job changed');
-- The owner still controls its own job.
SET ROLE ja_victim;
SELECT lives_ok($$SELECT migration_guard.backfill_resume('v_paused')$$, 'the owner may resume its job');
SELECT lives_ok($$SELECT migration_guard.backfill_cancel('v_paused')$$, 'the owner may cancel its job');
RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
