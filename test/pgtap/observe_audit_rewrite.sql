-- The override audit for the table_rewrite backstop: a rewrite no rule
-- predicted, of a kind whose rule is overridden, is let through by that
-- override, so it is recorded (and require_reason honoured) like any other.
-- The form: ALTER TYPE ... ALTER ATTRIBUTE ... CASCADE rewrites the typed
-- tables of a composite type, which no rule predicts.
SET client_min_messages = 'warning';
SET migration_guard.small_table_threshold = 0;
CREATE TYPE pair AS (a int, b text);
CREATE TABLE typed OF pair;
INSERT INTO typed SELECT g, 'v' || g FROM generate_series(1, 500) g;
CREATE FUNCTION audit_rows() RETURNS bigint LANGUAGE sql
  AS $$ SELECT count(*) FROM migration_guard.overrides $$;
CREATE FUNCTION last_row() RETURNS migration_guard.overrides LANGUAGE sql
  AS $$ SELECT * FROM migration_guard.overrides ORDER BY overridden_at DESC LIMIT 1 $$;
CREATE FUNCTION a_type() RETURNS text LANGUAGE sql
  AS $$ SELECT format_type(atttypid, atttypmod) FROM pg_attribute
        WHERE attrelid = 'typed'::regclass AND attname = 'a' $$;

SELECT plan(16);

SELECT throws_ok('ALTER TYPE pair ALTER ATTRIBUTE a TYPE bigint CASCADE', 'MG006', NULL,
                 'unpredicted and not overridden: the backstop refuses it');
SELECT is(audit_rows(), 0::bigint, 'no row for a refused statement');

-- SET migration_guard.allow of the rule that judges the kind
SET migration_guard.allow = 'alter_column_type';
SELECT lives_ok('ALTER TYPE pair ALTER ATTRIBUTE a TYPE bigint CASCADE', 'SET: let through');
RESET migration_guard.allow;
SELECT is(a_type(), 'bigint', 'SET: the table was rewritten');
SELECT is(audit_rows(), 1::bigint, 'SET: one row');
SELECT is((last_row()).rule, 'alter_column_type', 'SET: the rule that judges the kind');
SELECT is((last_row()).mechanism, 'SET', 'SET: mechanism');
SELECT is((last_row()).relation, 'public.typed', 'SET: the rewritten table');

-- rolled back: no row
BEGIN;
SET LOCAL migration_guard.allow = 'alter_column_type';
ALTER TYPE pair ALTER ATTRIBUTE a TYPE int CASCADE;
ROLLBACK;
SELECT is(audit_rows(), 1::bigint, 'a rolled-back override leaves no row');

-- require_reason
SET migration_guard.require_reason = on;
SET migration_guard.allow = 'alter_column_type';
SELECT throws_ok('ALTER TYPE pair ALTER ATTRIBUTE a TYPE int CASCADE', 'MG002', NULL,
                 'require_reason: an override without a reason is refused');
SELECT is(a_type(), 'bigint', 'require_reason: nothing applied');
SET migration_guard.allow_reason = 'ticket 7';
SELECT lives_ok('ALTER TYPE pair ALTER ATTRIBUTE a TYPE int CASCADE', 'require_reason: with a reason it passes');
SELECT is((last_row()).reason, 'ticket 7', 'require_reason: the reason is recorded');
RESET migration_guard.allow_reason;
RESET migration_guard.allow;
RESET migration_guard.require_reason;

-- the rule turned off in the session
SET migration_guard.rules = 'alter_column_type=off';
SELECT lives_ok('ALTER TYPE pair ALTER ATTRIBUTE a TYPE bigint CASCADE', 'rule off in the session: let through');
RESET migration_guard.rules;
SELECT is(audit_rows(), 3::bigint, 'rule off in the session: recorded');
SELECT is((last_row()).mechanism, 'severity', 'rule off in the session: mechanism');

SELECT * FROM finish();
