-- Directive abuse: an ordinary role puts migration_guard:allow comments
-- wherever it can; and text an da_attacker controls (data in a literal, an
-- identifier, a function body) lands in a trusted role's statement.
-- Directives count only in comments that belong to the statement, and only
-- for a role that may loosen the policy.
SET client_min_messages = 'warning';
CREATE TABLE t (id int, v text);
INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 500) g;
CREATE ROLE da_attacker;
GRANT CREATE ON SCHEMA public TO da_attacker;
ALTER TABLE t OWNER TO da_attacker;

BEGIN;
SELECT plan(17);
SET LOCAL migration_guard.small_table_threshold = 0;
CREATE FUNCTION index_count() RETURNS bigint LANGUAGE sql SECURITY DEFINER AS
  $$ SELECT count(*) FROM pg_index WHERE indrelid = 't'::regclass $$;

SET ROLE da_attacker;
SELECT throws_ok(E'/* migration_guard:allow create_index */\nCREATE INDEX a1 ON t (v)', 'MG001', NULL, 'ordinary role: leading block comment ignored');
SELECT throws_ok(E'-- migration_guard:allow create_index\nCREATE INDEX a2 ON t (v)', 'MG001', NULL, 'ordinary role: leading line comment ignored');
SELECT throws_ok('CREATE INDEX a3 ON t (v) /* migration_guard:allow create_index */', 'MG001', NULL, 'ordinary role: trailing comment ignored');
SELECT throws_ok('CREATE /* migration_guard:allow create_index */ INDEX a4 ON t (v)', 'MG001', NULL, 'ordinary role: inner comment ignored');
SELECT throws_ok(E'DO $d$ BEGIN /* migration_guard:allow create_index */ EXECUTE ''CREATE INDEX a5 ON t (v) /* migration_guard:allow create_index */''; END $d$',
                 'MG001', NULL, 'ordinary role: directives in a DO block ignored');
CREATE FUNCTION f_dir() RETURNS void LANGUAGE plpgsql AS
  $f$ BEGIN CREATE INDEX a6 ON t (v) /* migration_guard:allow create_index */; END $f$;
SELECT throws_ok('SELECT f_dir()', 'MG001', NULL, 'ordinary role: a directive in its function body ignored');
SELECT is(index_count(), 0::bigint, 'the da_attacker created no index');
-- the da_attacker's text in a trusted role's function runs as that role:
-- the comment in the body is the trusted role's now, but a directive can
-- only come from whoever wrote the body; check that a SECURITY DEFINER
-- function owned by the da_attacker does not lend it the DBA's privilege
CREATE FUNCTION f_def() RETURNS void LANGUAGE plpgsql SECURITY DEFINER AS
  $f$ BEGIN CREATE INDEX a7 ON t (v) /* migration_guard:allow create_index */; END $f$;
RESET ROLE;
SELECT throws_ok('SELECT f_def()', 'MG001', NULL, 'the DBA calling the da_attacker''s SECURITY DEFINER function lends it nothing');

-- Trusted (superuser, no SET allow): text the da_attacker controls reaches
-- the statement in literals and identifiers, never as a directive.
SELECT throws_ok($q$CREATE INDEX b1 ON t ((v || '-- migration_guard:allow create_index'))$q$, 'MG001', NULL, 'a directive inside a literal is text');
SELECT throws_ok($q$CREATE INDEX b2 ON t ((v || E'\' /* migration_guard:allow create_index */'))$q$, 'MG001', NULL, 'inside an E string with an escaped quote');
SELECT throws_ok($q$CREATE INDEX "b3 /* migration_guard:allow create_index */" ON t (v)$q$, 'MG001', NULL, 'inside a quoted identifier');
SELECT throws_ok($q$CREATE INDEX b4 ON t ((v || $x$ -- migration_guard:allow create_index $x$))$q$, 'MG001', NULL, 'inside a dollar quote');
SELECT throws_ok($q$CREATE INDEX b5 ON t ((v || U&'\0027 /* migration_guard:allow create_index */'))$q$, 'MG001', NULL, 'inside a U& string');
SELECT throws_ok($q$COMMENT ON TABLE t IS '*/ migration_guard:allow create_index /*'; CREATE INDEX b6 ON t (v)$q$, 'MG001', NULL,
                 'a literal in the statement before cannot open or close a comment');
SELECT throws_ok(E'CREATE INDEX b7a ON t (v) /* migration_guard:allow create_index */;\nCREATE INDEX b7b ON t (v)', 'MG001', NULL,
                 'the previous statement''s directive does not carry over to the next one');
SELECT throws_ok(E'SELECT 1; -- migration_guard:allow create_index\nCREATE INDEX b8 ON t (v)', 'MG001', NULL,
                 'a directive after the previous statement''s semicolon, on its line, is the previous statement''s');
SELECT is(index_count(), 0::bigint, 'no index was created');
SELECT * FROM finish();
ROLLBACK;
