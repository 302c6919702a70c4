-- Policy loosening: an ordinary role (a table owner, the migration role)
-- tries every way to switch the guard off or to accept a rule for itself.
-- Each attack must fail, and the policy must be exactly what it was.
SET client_min_messages = 'warning';
CREATE TABLE t (id int, v text);
INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 500) g;
CREATE ROLE pl_attacker;
GRANT CREATE ON SCHEMA public TO pl_attacker;
ALTER TABLE t OWNER TO pl_attacker;

BEGIN;
SELECT plan(45);
SET LOCAL migration_guard.small_table_threshold = 0;

-- The policy as the DBA left it, and a witness that it still holds.
CREATE FUNCTION policy() RETURNS text LANGUAGE sql AS
  $$ SELECT concat_ws('|', current_setting('migration_guard.mode'),
                      current_setting('migration_guard.allow'),
                      current_setting('migration_guard.rules'),
                      current_setting('migration_guard.small_table_threshold')) $$;
CREATE TABLE baseline AS SELECT policy() AS p;
GRANT SELECT ON baseline TO pl_attacker;
CREATE FUNCTION unchanged() RETURNS boolean LANGUAGE sql AS
  $$ SELECT policy() = (SELECT p FROM baseline) $$;
CREATE FUNCTION role_settings() RETURNS bigint LANGUAGE sql SECURITY DEFINER AS
  $$ SELECT count(*) FROM pg_db_role_setting
      WHERE array_to_string(setconfig, ',') LIKE '%migration_guard%' $$;
CREATE FUNCTION index_count() RETURNS bigint LANGUAGE sql SECURITY DEFINER AS
  $$ SELECT count(*) FROM pg_index WHERE indrelid = 't'::regclass $$;

SET ROLE pl_attacker;

-- 1-5: SET, in every form
SELECT throws_ok($$SET migration_guard.mode = 'off'$$, '42501', NULL, 'SET mode off is refused');
SELECT throws_ok($$SET LOCAL migration_guard.mode = 'warn'$$, '42501', NULL, 'SET LOCAL mode is refused');
SELECT throws_ok($$SET migration_guard.allow = 'create_index'$$, '42501', NULL, 'SET allow is refused');
SELECT throws_ok($$SET migration_guard.rules = 'create_index=off'$$, '42501', NULL, 'SET rules is refused');
SELECT throws_ok($$SET migration_guard.small_table_threshold = '1TB'$$, '42501', NULL, 'SET small_table_threshold is refused');
SELECT ok(unchanged(), 'after SET: the policy is unchanged');

-- 6-7: set_config(), session and local
SELECT throws_ok($$SELECT set_config('migration_guard.mode', 'off', false)$$, '42501', NULL, 'set_config(mode) is refused');
SELECT throws_ok($$SELECT set_config('migration_guard.allow', 'create_index', true)$$, '42501', NULL, 'set_config(allow, local) is refused');
SELECT ok(unchanged(), 'after set_config: the policy is unchanged');

-- 8-10: RESET and RESET ALL, DISCARD: back to the DBA's baseline, never off
SELECT throws_ok($$RESET migration_guard.mode$$, '42501', NULL, 'RESET mode is refused');
SELECT lives_ok($$RESET ALL$$, 'RESET ALL runs');
SELECT is(current_setting('migration_guard.mode'), 'enforce', 'RESET ALL leaves mode at the baseline (enforce)');
RESET ROLE;
SET LOCAL migration_guard.small_table_threshold = 0;
SET ROLE pl_attacker;

-- 11-13: persistent settings
SELECT throws_ok($$ALTER ROLE pl_attacker SET migration_guard.mode = 'off'$$, '42501', NULL, 'ALTER ROLE SET mode is refused');
SELECT throws_ok($$ALTER ROLE pl_attacker IN DATABASE postgres SET migration_guard.allow = 'create_index'$$, '42501', NULL, 'ALTER ROLE IN DATABASE SET allow is refused');
SELECT throws_ok(format($$ALTER DATABASE %I SET migration_guard.mode = 'off'$$, current_database()), '42501', NULL, 'ALTER DATABASE SET mode is refused');
SELECT is(role_settings(), 0::bigint, 'no role or database setting was stored');
SELECT throws_ok($$ALTER ROLE ALL SET migration_guard.mode = 'off'$$, '42501', NULL, 'ALTER ROLE ALL SET mode is refused');

-- 14-16: granting itself the right to SET
SELECT throws_ok($$GRANT SET ON PARAMETER migration_guard.allow TO pl_attacker$$, '42501', NULL, 'GRANT SET ON PARAMETER to itself is refused');
SELECT throws_ok($$GRANT SET ON PARAMETER migration_guard.mode TO PUBLIC$$, '42501', NULL, 'GRANT SET ON PARAMETER to PUBLIC is refused');
SELECT throws_ok($$GRANT ALTER SYSTEM ON PARAMETER migration_guard.mode TO pl_attacker$$, '42501', NULL, 'GRANT ALTER SYSTEM ON PARAMETER is refused');
SELECT ok(NOT has_parameter_privilege('pl_attacker', 'migration_guard.allow', 'SET'), 'the pl_attacker has no SET privilege on allow');

-- 17-19: function and procedure SET clauses, SECURITY DEFINER wrappers
SELECT throws_ok($$CREATE FUNCTION loosen() RETURNS int LANGUAGE sql SET migration_guard.mode = 'off' AS 'SELECT 1'$$,
                 '42501', NULL, 'a function SET clause for mode is refused');
SELECT throws_ok($$CREATE PROCEDURE loosen_p() LANGUAGE sql SET migration_guard.allow = 'create_index' AS 'SELECT 1'$$,
                 '42501', NULL, 'a procedure SET clause for allow is refused');
CREATE FUNCTION definer_loosen() RETURNS void LANGUAGE plpgsql SECURITY DEFINER AS
  $f$ BEGIN PERFORM set_config('migration_guard.mode', 'off', true); CREATE INDEX t_def ON t (v); END $f$;
SELECT throws_ok('SELECT definer_loosen()', '42501', NULL, 'a SECURITY DEFINER function of its own gains nothing');
SELECT is(index_count(), 0::bigint, 'and its DDL did not run');

-- 20-22: placeholders and misspellings
SELECT throws_ok($$SET migration_guard.modes = 'off'$$, '42602', NULL, 'an unknown migration_guard.* name is refused (prefix reserved)');
SELECT throws_ok($$SET "Migration_Guard.Mode" = 'off'$$, '42501', NULL, 'the name in another case is the same parameter');
SELECT throws_ok($$SELECT set_config('migration_guard.allow ', 'create_index', false)$$, NULL, NULL, 'a name with trailing space is no placeholder to hide behind');
SELECT ok(unchanged(), 'after placeholder tricks: the policy is unchanged');

-- 23-26: the guard still refuses the pl_attacker's DDL, however wrapped
SELECT throws_ok('CREATE INDEX t_a ON t (v)', 'MG001', NULL, 'plain DDL is judged');
SELECT throws_ok($q$DO $d$ BEGIN EXECUTE 'CREATE INDEX t_b ON t (v)'; END $d$$q$, 'MG001', NULL, 'DDL in a DO block is judged');
CREATE FUNCTION hidden_ddl() RETURNS void LANGUAGE plpgsql AS $f$ BEGIN CREATE INDEX t_c ON t (v); END $f$;
SELECT throws_ok('SELECT hidden_ddl()', 'MG001', NULL, 'DDL in a function is judged');
CREATE PROCEDURE hidden_proc() LANGUAGE plpgsql AS $f$ BEGIN CREATE INDEX t_d ON t (v); END $f$;
SELECT throws_ok('CALL hidden_proc()', 'MG001', NULL, 'DDL in a procedure is judged');
SELECT throws_ok($$PREPARE p AS SELECT 1; EXECUTE p; CREATE INDEX t_e ON t (v)$$, 'MG001', NULL, 'DDL after a prepared statement in one string is judged');
SELECT is(index_count(), 0::bigint, 'no index was created by any of them');

-- 27-29: a temporary schema or search_path does not hide the guard's schema
CREATE FUNCTION pg_temp.current_setting(text) RETURNS text LANGUAGE sql AS $q$SELECT 'off'$q$;
CREATE FUNCTION pg_temp.mg_rule_severity(text) RETURNS text LANGUAGE sql AS $q$SELECT 'off'$q$;
SET search_path = pg_temp, public;
SELECT throws_ok('CREATE INDEX t_f ON t (v)', 'MG001', NULL, 'with pg_temp first in search_path the guard still judges');
RESET search_path;
SELECT ok(unchanged(), 'at the end: the policy is unchanged');

-- 34-36: the guard's own objects
SELECT throws_ok($$ALTER EXTENSION migration_guard UPDATE TO '1.0'$$, NULL, NULL, 'ALTER EXTENSION UPDATE (a downgrade) is refused');
SELECT throws_ok('ALTER EXTENSION migration_guard DROP FUNCTION migration_guard.check(text, text, boolean, text)', '42501', NULL, 'taking check() out of the extension is refused');
SELECT throws_ok('DROP EXTENSION migration_guard', '42501', NULL, 'DROP EXTENSION is refused');
SELECT throws_ok('DROP EVENT TRIGGER IF EXISTS migration_guard_table_rewrite', '42501', NULL, 'dropping the guard''s event trigger is refused');
SELECT throws_ok('ALTER EVENT TRIGGER migration_guard_table_rewrite DISABLE', NULL, NULL, 'disabling the guard''s event trigger is refused');

-- 37-39: replication/session tricks an ordinary role may try
SELECT throws_ok($$SET session_replication_role = 'replica'$$, '42501', NULL, 'session_replication_role (event triggers off) is refused');
SELECT throws_ok($$LOAD 'migration_guard'$$, NULL, NULL, 'LOAD of the library by an ordinary role does nothing or fails');
SELECT ok(unchanged(), 'the policy is unchanged');

RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
