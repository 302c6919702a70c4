-- Attacks on the override audit and the counters by ordinary roles:
-- reading others' audit rows, forging or erasing rows, resetting the
-- counters, and overriding without leaving a row.
SET client_min_messages = 'warning';
SET migration_guard.small_table_threshold = 0;
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'obs_attacker') THEN
    REVOKE SET ON PARAMETER migration_guard.allow FROM obs_attacker;
    DROP OWNED BY obs_attacker;
    DROP ROLE obs_attacker;
  END IF;
END $$;
CREATE ROLE obs_attacker;
CREATE TABLE t (id int, v text);
INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 500) g;
ALTER TABLE t OWNER TO obs_attacker;
GRANT CREATE ON SCHEMA public TO obs_attacker;
-- a row to attack: a secret in an overridden statement
SET migration_guard.allow = 'create_index';
CREATE INDEX t_secret ON t (v) WHERE v <> 'password=hunter2';
RESET migration_guard.allow;

CREATE FUNCTION audit_rows() RETURNS bigint LANGUAGE sql SECURITY DEFINER
  AS $$ SELECT count(*) FROM migration_guard.overrides $$;
GRANT EXECUTE ON FUNCTION audit_rows() TO obs_attacker;

SELECT plan(19);

SET ROLE obs_attacker;
-- reading
SELECT throws_ok('SELECT statement FROM migration_guard.overrides', '42501', NULL,
                 'read: the audit table is not readable');
SELECT throws_ok('SELECT statement FROM migration_guard.overrides_summary', '42703', NULL,
                 'read: the summary has no statement column');
SELECT is((SELECT count(*) FROM migration_guard.overrides_summary), 1::bigint,
          'read: the summary says an override happened, without its text');
-- forging and erasing
SELECT throws_ok($$INSERT INTO migration_guard.overrides VALUES (now(), 'x', 'x', 1, now(), '', '', 'create_index', NULL, 'SET', 'forged', 'forged')$$,
                 '42501', NULL, 'forge: no INSERT');
SELECT throws_ok('UPDATE migration_guard.overrides SET reason = $$ok$$', '42501', NULL, 'forge: no UPDATE');
SELECT throws_ok('DELETE FROM migration_guard.overrides', '42501', NULL, 'erase: no DELETE');
-- (the truncate rule may speak before the permission check: either refuses it)
SELECT throws_ok('TRUNCATE migration_guard.overrides', NULL, NULL, 'erase: no TRUNCATE');
SELECT throws_ok('CREATE INDEX ON migration_guard.overrides (rule)', '42501', NULL,
                 'sabotage: no index on the audit table (the guard writes it without the executor)');
SELECT throws_ok('ALTER TABLE migration_guard.overrides ADD COLUMN x int', '42501', NULL,
                 'sabotage: no change to its shape');
SELECT is(audit_rows(), 1::bigint, 'the audit is intact');
-- the counters
SELECT throws_ok('SELECT migration_guard.stats_reset()', '42501', NULL, 'stats: no reset');
SELECT throws_ok('SET migration_guard.require_reason = off', '42501', NULL, 'policy: require_reason cannot be turned off');
RESET ROLE;

-- avoiding the audit, with the privilege to override
GRANT SET ON PARAMETER migration_guard.allow TO obs_attacker;
SET ROLE obs_attacker;
CREATE FUNCTION sneaky() RETURNS void LANGUAGE plpgsql
  SET migration_guard.allow = 'create_index'
  AS $$ BEGIN EXECUTE 'CREATE INDEX t_fn ON t (v)'; END $$;
SELECT lives_ok('SELECT sneaky()', 'a function''s SET clause overrides');
SELECT is(audit_rows(), 2::bigint, 'and leaves a row');
DO $$ BEGIN EXECUTE 'CREATE INDEX t_do ON t (v) /* migration_guard:allow create_index */'; END $$;
SELECT is(audit_rows(), 3::bigint, 'a directive in dynamic SQL leaves a row');
BEGIN;
SET LOCAL migration_guard.allow = 'create_index';
SAVEPOINT a;
CREATE INDEX t_sp ON t (v);
RELEASE SAVEPOINT a;
COMMIT;
SELECT is(audit_rows(), 4::bigint, 'an override in a released savepoint leaves a row');
SELECT throws_ok('SET migration_guard.mode = off', '42501', NULL, 'mode cannot be turned off by the role');
SELECT throws_ok('SET migration_guard.rules = $$create_index=off$$', '42501', NULL, 'nor a rule');
RESET ROLE;
SELECT is((SELECT count(*) FROM migration_guard.overrides WHERE acting_role = 'obs_attacker'), 3::bigint,
          'every override by the role is recorded under its name');

SELECT * FROM finish();

DROP TABLE t;
DROP FUNCTION audit_rows();
REVOKE SET ON PARAMETER migration_guard.allow FROM obs_attacker;
DROP OWNED BY obs_attacker;
DROP ROLE obs_attacker;
