-- The override audit (migration_guard.overrides): a row for every override
-- that lets an unsafe statement through, in the statement's transaction.
-- No wrapping transaction: the file commits and rolls back on purpose.
SET client_min_messages = 'warning';
SET migration_guard.small_table_threshold = 0;
CREATE TABLE t (id int, v text);
INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 500) g;
-- Roles are cluster-wide: leftovers of an interrupted run are dropped first.
DO $$
BEGIN
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'obs_migrator') THEN
    REVOKE SET ON PARAMETER migration_guard.allow FROM obs_migrator;
    DROP OWNED BY obs_migrator;
  END IF;
END $$;
DROP ROLE IF EXISTS obs_reader, obs_auditor, obs_migrator;
CREATE ROLE obs_reader;
CREATE ROLE obs_auditor;
GRANT SELECT ON migration_guard.overrides TO obs_auditor;
CREATE ROLE obs_migrator;
ALTER TABLE t OWNER TO obs_migrator;
GRANT CREATE ON SCHEMA public TO obs_migrator;

CREATE FUNCTION audit_rows() RETURNS bigint LANGUAGE sql
  AS $$ SELECT count(*) FROM migration_guard.overrides $$;
CREATE FUNCTION last_row() RETURNS migration_guard.overrides LANGUAGE sql
  AS $$ SELECT * FROM migration_guard.overrides ORDER BY overridden_at DESC LIMIT 1 $$;

SELECT plan(41);

-- SET: session-wide
SET migration_guard.allow = 'create_index';
CREATE INDEX t_a ON t (v);
RESET migration_guard.allow;
SELECT is(audit_rows(), 1::bigint, 'SET: one row');
SELECT is((last_row()).mechanism, 'SET', 'SET: mechanism');
SELECT is((last_row()).rule, 'create_index', 'SET: rule');
SELECT is((last_row()).relation, 'public.t', 'SET: relation');
SELECT is((last_row()).statement, 'CREATE INDEX t_a ON t (v)', 'SET: the statement');
SELECT is((last_row()).reason, NULL, 'SET: no reason given');
SELECT is((last_row()).database, current_database()::text, 'SET: database');
SELECT is((last_row()).backend_pid, pg_backend_pid(), 'SET: the session');
SELECT is((last_row()).session_role, session_user::text, 'SET: the session role');

-- SET LOCAL, with migration_guard.allow_reason, committed
BEGIN;
SET LOCAL migration_guard.allow = 'create_index';
SET LOCAL migration_guard.allow_reason = 'built in a quiet hour';
SET LOCAL application_name = 'obs-test';
CREATE INDEX t_b ON t (v);
COMMIT;
SELECT is(audit_rows(), 2::bigint, 'SET LOCAL, committed: a row');
SELECT is((last_row()).mechanism, 'SET LOCAL', 'SET LOCAL: mechanism');
SELECT is((last_row()).reason, 'built in a quiet hour', 'SET LOCAL: the reason from allow_reason');
SELECT is((last_row()).application_name, 'obs-test', 'SET LOCAL: application_name');

-- rolled back: no row
BEGIN;
SET LOCAL migration_guard.allow = 'create_index';
CREATE INDEX t_c ON t (v);
ROLLBACK;
SELECT is(audit_rows(), 2::bigint, 'a rolled-back migration leaves no row');

-- savepoints: rolled back leaves none, released keeps it
BEGIN;
SAVEPOINT s1;
SET LOCAL migration_guard.allow = 'create_index';
CREATE INDEX t_d ON t (v);
ROLLBACK TO SAVEPOINT s1;
SAVEPOINT s2;
CREATE INDEX t_e ON t (v) /* migration_guard:allow create_index -- reason: savepoint test */;
RELEASE SAVEPOINT s2;
COMMIT;
SELECT is(audit_rows(), 3::bigint, 'savepoints: the rolled-back one leaves no row, the released one does');
SELECT is((last_row()).mechanism, 'directive', 'directive: mechanism');
SELECT is((last_row()).reason, 'savepoint test', 'directive: the reason in a block comment');

-- a line-comment directive with a reason
CREATE INDEX t_f ON t (v) -- migration_guard:allow create_index -- reason: built in a quiet hour
;
SELECT is((last_row()).reason, 'built in a quiet hour', 'directive: the reason after the rule list');
SELECT is(audit_rows(), 4::bigint, 'directive: a row');

-- a directive's reason counts only for the rules it names
SET migration_guard.allow = 'create_index';
CREATE INDEX t_g ON t (v) -- migration_guard:allow drop_column -- reason: not this one
;
RESET migration_guard.allow;
SELECT is((last_row()).reason, NULL, 'a reason in a directive for another rule is not this override''s');

-- severity lowered in the session
SET migration_guard.rules = 'create_index=warn';
CREATE INDEX t_h ON t (v);
RESET migration_guard.rules;
SELECT is((last_row()).mechanism, 'severity', 'severity: mechanism');
SELECT is(audit_rows(), 6::bigint, 'severity: a row');

-- refused statements leave nothing
SELECT throws_ok('CREATE INDEX t_i ON t (v)', 'MG001', NULL, 'no override: refused');
SELECT is(audit_rows(), 6::bigint, 'a refused statement leaves no row');

-- require_reason
SET migration_guard.require_reason = on;
SET migration_guard.allow = 'create_index';
SELECT throws_ok('CREATE INDEX t_j ON t (v)', 'MG001', NULL, 'require_reason: SET without a reason is refused');
SELECT is(audit_rows(), 6::bigint, 'require_reason: no row for the refused override');
SET migration_guard.allow_reason = 'ticket 42';
SELECT lives_ok('CREATE INDEX t_k ON t (v)', 'require_reason: SET with allow_reason passes');
SELECT is((last_row()).reason, 'ticket 42', 'require_reason: the reason is recorded');
RESET migration_guard.allow_reason;
RESET migration_guard.allow;
CREATE INDEX t_l ON t (v) -- migration_guard:allow create_index -- reason: reviewed by the DBA
;
SELECT is((last_row()).reason, 'reviewed by the DBA', 'require_reason: a directive with a reason passes');
SELECT throws_ok('CREATE INDEX t_m ON t (v) -- migration_guard:allow create_index
', 'MG001', NULL, 'require_reason: a directive without a reason is refused');
SET migration_guard.rules = 'create_index=off';
SELECT throws_ok('CREATE INDEX t_n ON t (v)', 'MG001', NULL,
                 'require_reason: a severity lowered in the session without a reason is refused');
RESET migration_guard.rules;
SET migration_guard.mode = 'off';
SELECT throws_ok('CREATE INDEX t_n ON t (v)', 'MG001', NULL,
                 'require_reason: mode off in the session without a reason is refused');
RESET migration_guard.mode;
RESET migration_guard.require_reason;
SET migration_guard.mode = 'off';
CREATE INDEX t_n2 ON t (v);
RESET migration_guard.mode;
SELECT is((last_row()).mechanism, 'severity', 'mode off in the session is an override too');

-- the acting role, and a role that may not loosen the policy
SET ROLE obs_migrator;
SELECT throws_ok('CREATE INDEX t_o ON t (v) /* migration_guard:allow create_index */', 'MG001', NULL,
                 'a directive from a role that may not loosen the policy is refused');
RESET ROLE;
GRANT SET ON PARAMETER migration_guard.allow TO obs_migrator;
SET ROLE obs_migrator;
CREATE INDEX t_p ON t (v) /* migration_guard:allow create_index */;
RESET ROLE;
SELECT is((last_row()).acting_role, 'obs_migrator', 'the acting role is recorded');
SELECT is((last_row()).session_role, session_user::text, 'with the session role');

-- long statements are truncated
SET migration_guard.allow = 'create_index';
SELECT lives_ok(format('CREATE INDEX t_q ON t (v) /* %s */', repeat('é', 3000)), 'a long statement');
RESET migration_guard.allow;
SELECT cmp_ok(octet_length((last_row()).statement), '<=', 2000, 'its text is truncated');

-- privileges
SET ROLE obs_reader;
SELECT throws_ok('SELECT * FROM migration_guard.overrides', '42501', NULL,
                 'an ordinary role cannot read the audit rows');
SELECT is((SELECT count(*) FROM migration_guard.overrides_summary), 11::bigint,
          'it can read the summary');
RESET ROLE;
SET ROLE obs_auditor;
SELECT is((SELECT count(*) FROM migration_guard.overrides WHERE statement <> ''), 11::bigint,
          'a role granted SELECT reads the full rows');
RESET ROLE;

SELECT * FROM finish();

DROP TABLE t;
REVOKE SET ON PARAMETER migration_guard.allow FROM obs_migrator;
DROP OWNED BY obs_auditor, obs_migrator, obs_reader;
DROP ROLE obs_reader, obs_auditor, obs_migrator;
