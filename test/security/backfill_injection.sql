-- Backfill injection: SQL smuggled through set_clause, where_clause, the
-- relation and the options; and options out of range.  Every attack fails
-- before the job row is written, and the table is untouched.
SET client_min_messages = 'warning';
CREATE ROLE bi_attacker;
GRANT CREATE, USAGE ON SCHEMA public TO bi_attacker;
CREATE TABLE victim_t (id bigint PRIMARY KEY, n int);
INSERT INTO victim_t SELECT g, g FROM generate_series(1, 10) g;
SET ROLE bi_attacker;
CREATE TABLE bt (id bigint PRIMARY KEY, n int, v text);
INSERT INTO bt SELECT g, g, 'x' FROM generate_series(1, 100) g;
CREATE VIEW bv AS SELECT * FROM bt;
RESET ROLE;

BEGIN;
SELECT plan(27);
CREATE FUNCTION state() RETURNS text LANGUAGE sql SECURITY DEFINER AS $$
  SELECT concat_ws('|', (SELECT count(*) FROM migration_guard.backfill_jobs),
                   (SELECT sum(n) FROM bt), (SELECT count(*) FROM victim_t),
                   (SELECT sum(n) FROM victim_t), to_regclass('public.pwned')) $$;
CREATE TABLE before AS SELECT state() AS s;
GRANT SELECT ON before TO bi_attacker;
CREATE FUNCTION bf(args text) RETURNS void LANGUAGE plpgsql AS
  $$ BEGIN EXECUTE 'CALL migration_guard.backfill(' || args || ', dry_run => true)'; END $$;
CREATE FUNCTION bf_run(args text) RETURNS void LANGUAGE plpgsql AS
  $$ BEGIN EXECUTE 'CALL migration_guard.backfill(' || args || ')'; END $$;

SET ROLE bi_attacker;
-- set_clause
SELECT throws_ok($q$SELECT bf($$'j1', 'bt', 'n = 1; DROP TABLE victim_t'$$)$q$, '42601', NULL, 'set_clause: a second statement');
SELECT throws_ok($q$SELECT bf($$'j2', 'bt', 'n = 1 WHERE false; DROP TABLE victim_t --'$$)$q$, '42601', NULL, 'set_clause: WHERE and a comment');
SELECT throws_ok($q$SELECT bf($$'j3', 'bt', 'n = 1 FROM victim_t'$$)$q$, '42601', NULL, 'set_clause: FROM another table');
SELECT throws_ok($q$SELECT bf($$'j4', 'bt', 'n = 1 RETURNING (SELECT count(*) FROM victim_t)'$$)$q$, '42601', NULL, 'set_clause: RETURNING');
SELECT throws_ok($q$SELECT bf($$'j5', 'bt', 'n = 1) , (v'$$)$q$, '42601', NULL, 'set_clause: unbalanced parentheses');
SELECT throws_ok($q$SELECT bf($$'j6', 'bt', 'n = 1 /*'$$)$q$, '42601', NULL, 'set_clause: an open comment');
SELECT throws_ok($q$SELECT bf($$'j7', 'bt', '   '$$)$q$, '22023', NULL, 'set_clause: blank');
SELECT throws_ok($q$SELECT bf($$'j8', 'bt', 'id = id + 1'$$)$q$, NULL, NULL, 'set_clause: assigning the batching key');
-- where_clause
SELECT throws_ok($q$SELECT bf($$'j9', 'bt', 'n = 1', 'true) OR (true'$$)$q$, '42601', NULL, 'where_clause: breaking out of its parentheses');
SELECT throws_ok($q$SELECT bf($$'j10', 'bt', 'n = 1', 'true; DROP TABLE victim_t'$$)$q$, '42601', NULL, 'where_clause: a second statement');
-- (the dry run EXPLAINs its first batch only when NOTICEs are shown)
SET client_min_messages = 'notice';
SELECT throws_ok($q$SELECT bf($$'j11', 'bt', 'n = 1', 'EXISTS (SELECT 1 FROM migration_guard.backfill_jobs)'$$)$q$,
                 '42501', NULL, 'where_clause: reading the job table through a subquery');
SET client_min_messages = 'warning';
SELECT throws_ok($q$SELECT bf($$'j12', 'bt', 'n = 1', 'true RETURNING 1'$$)$q$, '42601', NULL, 'where_clause: RETURNING');
SELECT throws_ok($q$SELECT bf($$'j13', 'bt', 'n = 1', ''$$)$q$, '22023', NULL, 'where_clause: empty');
-- relation
SELECT throws_ok($q$SELECT bf($$'j14', 'victim_t', 'n = 0'$$)$q$, '42501', NULL, 'a table the role may not update');
SELECT throws_ok($q$SELECT bf($$'j15', 'bv', 'n = 0'$$)$q$, '42809', NULL, 'a view (could run functions)');
SELECT throws_ok($q$SELECT bf($$'j17', 0, 'n = 0'$$)$q$, NULL, NULL, 'relation OID 0');
-- options: validated before anything is written
SELECT throws_ok($q$SELECT bf($$'j18', 'bt', 'n = 0', lock_timeout => '1000 years'$$)$q$, '22023', NULL, 'lock_timeout out of range');
SELECT throws_ok($q$SELECT bf($$'j19', 'bt', 'n = 0', lock_timeout => '0.5 ms'$$)$q$, '22023', NULL, 'lock_timeout that rounds to no timeout');
SELECT throws_ok($q$SELECT bf($$'j20', 'bt', 'n = 0', pause => '-1 s'$$)$q$, '22023', NULL, 'negative pause');
SELECT throws_ok($q$SELECT bf($$'j21', 'bt', 'n = 0', pause => '100 years'$$)$q$, '22023', NULL, 'pause out of range');
SELECT throws_ok($q$SELECT bf($$'j22', 'bt', 'n = 0', batch_size => 0$$)$q$, '22023', NULL, 'batch_size 0');
SELECT throws_ok($q$SELECT bf($$'j23', 'bt', 'n = 0', max_rows => -1$$)$q$, '22023', NULL, 'negative max_rows');
SELECT throws_ok($q$SELECT bf_run($$'j24', 'bt', 'n = 0', lock_timeout => '1000 years'$$)$q$, '22023', NULL, 'a real run validates its options first (not 25001 after a row)');
SELECT throws_ok($q$SELECT bf_run($$'j25', 'bt', 'n = 0', dry_run => NULL$$)$q$, '22004', NULL, 'dry_run NULL');
SELECT throws_ok($q$SELECT bf($$'j26', 'bt', 'n = 0', lock_timeout => NULL$$)$q$, '22004', NULL, 'lock_timeout NULL (would mean no timeout)');
SELECT throws_ok($q$SELECT bf($$'j27', 'bt', 'n = 0', pause => NULL$$)$q$, '22004', NULL, 'pause NULL');
RESET ROLE;
SELECT is(state(), (SELECT s FROM before), 'no job row written, no row changed, nothing created');
SELECT * FROM finish();
ROLLBACK;
