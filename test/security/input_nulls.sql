-- Bad input: every SQL-callable function states and enforces its NULL
-- behaviour.  A NULL where a value is needed is an error (SQLSTATE 22004),
-- never an empty answer a CI gate would read as "all clear".
SET client_min_messages = 'warning';
BEGIN;
SELECT plan(16);
SELECT throws_ok('SELECT * FROM migration_guard.check(NULL)', '22004', NULL, 'check(NULL) is an error, not zero findings');
SELECT throws_ok($$SELECT * FROM migration_guard.check('CREATE TABLE x (a int)', include_off => NULL)$$, '22004', NULL, 'check(include_off => NULL) is an error');
SELECT lives_ok($$SELECT * FROM migration_guard.check('CREATE TABLE x (a int)', mode => NULL)$$, 'check(mode => NULL) means the session''s mode (documented)');
SELECT throws_ok($$SELECT * FROM migration_guard.check('CREATE TABLE x (a int)', mode => 'of')$$, '22023', NULL, 'check() with a misspelt mode is an error');
SELECT throws_ok($$SELECT * FROM migration_guard.check('CREATE TABLE x (a int)', transactions => NULL)$$, '22004', NULL, 'check(transactions => NULL) is an error');
SELECT throws_ok($$SELECT * FROM migration_guard.check('CREATE TABLE x (a int)', transactions => 'autocommit')$$, '22023', NULL, 'check() with an unknown transaction model is an error');
SELECT throws_ok('SELECT * FROM migration_guard.statement_locks(NULL)', '22004', NULL, 'statement_locks(NULL) is an error, not "no locks"');
SELECT throws_ok('SELECT migration_guard.assert_backfill_done(NULL)', '22004', NULL, 'assert_backfill_done(NULL) does not pass');
SELECT throws_ok('SELECT migration_guard.backfill_pause(NULL)', '22004', NULL, 'backfill_pause(NULL)');
SELECT throws_ok('SELECT migration_guard.backfill_resume(NULL)', '22004', NULL, 'backfill_resume(NULL)');
SELECT throws_ok('SELECT migration_guard.backfill_cancel(NULL)', '22004', NULL, 'backfill_cancel(NULL)');
SELECT throws_ok('SELECT migration_guard.backfill_forget(NULL)', '22004', NULL, 'backfill_forget(NULL)');
SELECT throws_ok($$SELECT migration_guard.assert_backfill_done('no such job')$$, NULL, NULL, 'assert_backfill_done of an unknown job does not pass');
-- Every function of the extension is either STRICT or handles NULL in C:
-- this list is the inventory (docs/security.md); a new function must be added.
SELECT is((SELECT string_agg(p.proname || ':' || CASE WHEN p.proisstrict THEN 'strict' ELSE 'checks' END, ',' ORDER BY p.proname)
             FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
             JOIN pg_extension e ON d.refobjid = e.oid AND d.refclassid = 'pg_extension'::regclass
            WHERE e.extname = 'migration_guard' AND p.pronargs > 0 AND p.proname NOT LIKE '\_%'
              AND p.proname IN ('check', 'statement_locks', 'backfill', 'backfill_pause', 'backfill_resume',
                                'backfill_cancel', 'backfill_forget', 'assert_backfill_done')),
          'assert_backfill_done:checks,backfill:checks,backfill_cancel:checks,backfill_forget:checks,backfill_pause:checks,backfill_resume:checks,check:checks,statement_locks:checks',
          'the functions that take arguments check NULLs themselves');
SELECT throws_ok($$CALL migration_guard.backfill(NULL, 'pg_class', 'x = 1', dry_run => true)$$, '22004', NULL, 'backfill(name => NULL)');
SELECT throws_ok($$CALL migration_guard.backfill('j', NULL, 'x = 1', dry_run => true)$$, '22004', NULL, 'backfill(relation => NULL)');
SELECT * FROM finish();
ROLLBACK;
