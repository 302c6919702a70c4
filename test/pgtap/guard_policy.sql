-- Behaviour of the policy layer, through the create_index rule.
SET client_min_messages = 'warning';
-- The table exists before the transaction: tables created in the same
-- transaction are exempt by design.
CREATE TABLE t (id int, v text);
INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 500) g;

BEGIN;
SELECT plan(19);
SET LOCAL migration_guard.small_table_threshold = 0;
CREATE ROLE tap_owner;
GRANT CREATE ON SCHEMA public TO tap_owner;
ALTER TABLE t OWNER TO tap_owner;

CREATE FUNCTION index_count() RETURNS bigint LANGUAGE sql
  AS $$ SELECT count(*) FROM pg_index WHERE indrelid = 't'::regclass $$;

SELECT throws_ok('CREATE INDEX t_a ON t (v)', 'MG001', NULL, 'enforce: refused with SQLSTATE MG001');
SELECT is(index_count(), 0::bigint, 'enforce: nothing applied');

SET migration_guard.mode = 'warn';
SELECT lives_ok('CREATE INDEX t_b ON t (v)', 'warn: the statement runs');
SELECT is(index_count(), 1::bigint, 'warn: applied');
SET migration_guard.mode = 'off';
SELECT lives_ok('CREATE INDEX t_c ON t (v)', 'off: the statement runs');
RESET migration_guard.mode;

SELECT lives_ok('CREATE INDEX t_d ON t (v) /* migration_guard:allow create_index */',
                'a directive comment allows its statement');
SELECT throws_ok('CREATE INDEX t_e ON t (v) /* migration_guard:allow drop_column */', 'MG001', NULL,
                 'a directive for another rule does not');
SELECT throws_ok('CREATE INDEX t_e ON t (v) /* migration_guard:allow nonsense */', '22023', NULL,
                 'a directive naming no rule is an error');

SET LOCAL migration_guard.allow = 'create_index';
SELECT lives_ok('CREATE INDEX t_f ON t (v)', 'SET LOCAL migration_guard.allow');
RESET migration_guard.allow;
SELECT throws_ok('CREATE INDEX t_g ON t (v)', 'MG001', NULL, 'RESET restores the policy');

SET migration_guard.rules = 'create_index=warn';
SELECT lives_ok('CREATE INDEX t_h ON t (v)', 'a per-rule override to warn');
SET migration_guard.mode = 'warn';
SET migration_guard.rules = 'create_index=enforce';
SELECT throws_ok('CREATE INDEX t_i ON t (v)', 'MG001', NULL, 'a per-rule enforce wins over warn mode');
RESET migration_guard.rules;
RESET migration_guard.mode;

-- Wrapping DDL in a function or a DO block is no way around the guard.
SELECT throws_ok('DO $do$ BEGIN EXECUTE ''CREATE INDEX t_j ON t (v)''; END $do$', 'MG001', NULL,
                 'DDL in a DO block is judged');
CREATE FUNCTION make_index() RETURNS void LANGUAGE plpgsql AS
  $f$ BEGIN CREATE INDEX t_k ON t (v); END $f$;
SELECT throws_ok('SELECT make_index()', 'MG001', NULL, 'DDL in a function is judged');

-- An ordinary role cannot loosen the policy
SET ROLE tap_owner;
SELECT throws_ok($$SET migration_guard.mode = 'off'$$, '42501', NULL, 'ordinary role: SET mode refused');
SELECT throws_ok($$SET migration_guard.allow = 'create_index'$$, '42501', NULL, 'ordinary role: SET allow refused');
SELECT throws_ok('CREATE INDEX t_l ON t (v) /* migration_guard:allow create_index */', 'MG001', NULL,
                 'ordinary role: a directive comment is ignored');
RESET ROLE;
GRANT SET ON PARAMETER migration_guard.allow TO tap_owner;
SET ROLE tap_owner;
SELECT lives_ok('CREATE INDEX t_m ON t (v) /* migration_guard:allow create_index */',
                'granted role: the directive comment is honoured');
RESET ROLE;
REVOKE SET ON PARAMETER migration_guard.allow FROM tap_owner;

SELECT is((SELECT severity FROM migration_guard.rules() WHERE name = 'create_index'), 'enforce',
          'rules() shows the effective severity');

SELECT * FROM finish();
ROLLBACK;
