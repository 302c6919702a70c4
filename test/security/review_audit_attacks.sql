-- Review of issue 15's override audit, as an attacker: hiding the
-- statement behind padding, a reason borrowed from another rule's
-- directive, read-only and prepared transactions, oversized texts.
SET client_min_messages = 'warning';
SET migration_guard.small_table_threshold = 0;
SET lock_timeout = '2s';
CREATE TABLE big (id bigint PRIMARY KEY, v text);
INSERT INTO big SELECT g, 'v' || g FROM generate_series(1, 500) g;
CREATE FUNCTION audit_count() RETURNS bigint LANGUAGE sql
  AS $$ SELECT count(*) FROM migration_guard.overrides $$;
SELECT no_plan();

------------------------------------------------------------ require_reason
SET migration_guard.require_reason = on;
SET migration_guard.allow = 'create_index';
SELECT throws_ok($$CREATE INDEX big_a ON big (v) -- migration_guard:allow drop_table -- reason: for another rule$$,
                 'MG001', NULL,
                 'a reason given for another rule does not count for this one');
SELECT is(audit_count(), 0::bigint, 'and nothing was recorded');
-- a reason written inside a string literal is data, not a directive
SELECT throws_ok($$CREATE INDEX big_lit ON big ((v || ' -- migration_guard:allow create_index -- reason: in a literal'))$$,
                 'MG001', NULL,
                 'a reason inside a string literal does not count');
SELECT is(audit_count(), 0::bigint, 'and nothing was recorded for it');
-- padding: the statement text is cut, the rule and relation are not
SELECT lives_ok('CREATE INDEX big_b ON big (v) /* ' || repeat('padding ', 400) || ' */ -- migration_guard:allow create_index -- reason: padded',
                'a padded statement with a reason passes');
SELECT is(rule || ' ' || relation || ' ' || reason, 'create_index public.big padded',
          'the row names the rule, the table and the reason whatever the padding')
  FROM migration_guard.overrides;
SELECT ok(octet_length(statement) <= 2000, 'the statement text is cut') FROM migration_guard.overrides;
RESET migration_guard.allow;
DELETE FROM migration_guard.overrides;

------------------------------------------------------------ texts cut on character boundaries
SET migration_guard.allow_reason TO DEFAULT;
SELECT set_config('migration_guard.allow_reason', repeat('é', 3000), false);
SET migration_guard.allow = 'create_index';
SELECT lives_ok($$CREATE INDEX big_c ON big (v) WHERE v <> '$$ || repeat('ü', 3000) || $$'$$,
                'an override with a long multibyte statement and reason');
SELECT ok(octet_length(statement) <= 2000 AND octet_length(reason) <= 1000
          AND statement LIKE '%ü' AND reason = repeat('é', 500),
          'both are cut at character boundaries within their limits') FROM migration_guard.overrides;
RESET migration_guard.allow;
RESET migration_guard.allow_reason;
DELETE FROM migration_guard.overrides;

------------------------------------------------------------ prepared transactions
SET migration_guard.allow_reason = 'prepared';
BEGIN;
SET LOCAL migration_guard.allow = 'create_index';
CREATE INDEX big_d ON big (v);
PREPARE TRANSACTION 'ra_rollback';
ROLLBACK PREPARED 'ra_rollback';
SELECT is(audit_count(), 0::bigint, 'ROLLBACK PREPARED leaves no row');
BEGIN;
SET LOCAL migration_guard.allow = 'create_index';
CREATE INDEX big_d ON big (v);
PREPARE TRANSACTION 'ra_commit';
SELECT is(audit_count(), 0::bigint, 'a prepared override is not visible before COMMIT PREPARED');
COMMIT PREPARED 'ra_commit';
SELECT is(mechanism || ' ' || reason, 'SET LOCAL prepared', 'and is recorded once committed')
  FROM migration_guard.overrides;
DELETE FROM migration_guard.overrides;

------------------------------------------------------------ read-only transactions
BEGIN READ ONLY;
SET LOCAL migration_guard.allow = 'create_index';
SELECT throws_ok($$CREATE INDEX big_e ON big (v)$$, '25006', NULL,
                 'an override in a read-only transaction: the statement is still refused by the server');
ROLLBACK;
SELECT is(audit_count(), 0::bigint, 'and no row is left');
RESET migration_guard.allow_reason;
RESET migration_guard.require_reason;

SELECT * FROM finish();
DROP FUNCTION audit_count();
DROP TABLE big;
