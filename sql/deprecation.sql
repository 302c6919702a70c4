-- deprecate(), usage tracking and the drop/rename rules' use of the evidence.
SET client_min_messages = error;
CREATE EXTENSION IF NOT EXISTS migration_guard;
SET client_min_messages = warning;
SET migration_guard.rules = 'foreign_key_without_index=off, multiple_exclusive_locks=off, lock_held_across_statements=off, lock_timeout=off, prefer_bigint=off';
SET migration_guard.deprecated_use = off;

CREATE SCHEMA dep;
SET search_path = dep, public;
CREATE TABLE accounts (id bigint PRIMARY KEY, email text, old_email text,
                       legacy text, quiet text, spare text);
INSERT INTO accounts VALUES (1, 'a@x', 'a@old', 'l', 'q', 's');
CREATE TABLE old_audit (id bigint, note text);
CREATE VIEW account_ids AS SELECT id FROM accounts;
CREATE FUNCTION legacy_of(bigint) RETURNS text LANGUAGE sql STABLE
  AS 'SELECT legacy FROM dep.accounts WHERE id = $1';
CREATE ROLE dep_app LOGIN;
CREATE ROLE dep_dba;
GRANT SET ON PARAMETER migration_guard.allow TO dep_dba;
GRANT USAGE ON SCHEMA dep TO dep_app, dep_dba;
GRANT SELECT, INSERT, UPDATE ON accounts TO dep_app;

-- The uses of one object, as this server counted them.
CREATE FUNCTION uses(obj text) RETURNS bigint LANGUAGE sql
  AS $$SELECT uses FROM migration_guard.deprecations WHERE object = obj$$;

-- Arguments are checked before anything is written.
SELECT migration_guard.deprecate(NULL);
SELECT migration_guard.deprecate('accounts', 'nope');
SELECT migration_guard.deprecate('accounts', 'ctid');
SELECT migration_guard.deprecate('accounts_pkey');
SELECT migration_guard.deprecate('pg_class');
SELECT migration_guard.deprecate('migration_guard.deprecated_objects');
CREATE TEMP TABLE scratch (x int);
SELECT migration_guard.deprecate('scratch');
CREATE TABLE parted (id int, v text) PARTITION BY RANGE (id);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (100);
SELECT migration_guard.deprecate('parted_1', 'v');
SELECT count(*) AS nothing_written FROM migration_guard.deprecated_objects;

-- Only roles that may loosen the policy change the list.
SET ROLE dep_app;
SELECT migration_guard.deprecate('accounts', 'old_email');
SELECT migration_guard.reset_deprecated_usage();
SELECT * FROM migration_guard.deprecations;
RESET ROLE;
SET ROLE dep_dba;
SELECT migration_guard.deprecate('accounts', 'old_email', 'replaced by email');
RESET ROLE;
-- Again: not new, the reason replaced, the date kept.
SELECT migration_guard.deprecate('accounts', 'old_email', 'use email');
SELECT migration_guard.deprecate('accounts', 'legacy');
SELECT migration_guard.deprecate('old_audit', reason => 'nothing writes it since v2');
SELECT migration_guard.deprecate('parted', 'v');
SELECT object, reason, deprecated_by, expected_head, uses, recent_users
  FROM migration_guard.deprecations ORDER BY object;

-- Uses: a column named, SELECT *, through a view, a function, a prepared
-- statement, INSERT and UPDATE; a query that does not name it is no use.
SELECT id, email FROM accounts;
SELECT uses('accounts.old_email') AS not_named;
SELECT old_email FROM accounts;
SELECT uses('accounts.old_email') AS named;
SELECT * FROM accounts;
SELECT uses('accounts.old_email') AS select_star;
SELECT a FROM accounts a;
SELECT uses('accounts.old_email') AS whole_row;
CREATE VIEW old_emails AS SELECT id, old_email FROM accounts;
SELECT id FROM old_emails;
SELECT uses('accounts.old_email') AS through_view;
SELECT legacy_of(1);
SELECT uses('accounts.legacy') AS through_function;
PREPARE p AS SELECT legacy FROM accounts;
EXECUTE p;
EXECUTE p;
SELECT uses('accounts.legacy') AS prepared_twice;
INSERT INTO accounts (id, email, old_email) VALUES (2, 'b@x', 'b@old');
SELECT uses('accounts.old_email') AS insert;
UPDATE accounts SET old_email = NULL WHERE id = 2;
SELECT uses('accounts.old_email') AS update;
UPDATE accounts SET email = 'c@x' WHERE id = 2;
SELECT uses('accounts.old_email') AS other_column_update;
SELECT count(*) FROM old_audit;
SELECT uses('old_audit') AS table_use;
SELECT v FROM parted_1;
SELECT uses('parted.v') AS partition_named_directly;
-- deprecated after those SELECT *: never used since
SELECT migration_guard.deprecate('accounts', 'quiet');
SELECT uses('accounts.quiet') AS quiet_unused;
DROP VIEW old_emails;
-- who: the session role, application_name and query id of the last uses
SET ROLE dep_app;
SET application_name = 'billing';
SELECT old_email FROM accounts WHERE id = 1;
RESET ROLE;
RESET application_name;
SELECT recent_users -> 0 ->> 'role' AS last_role,
       recent_users -> 0 ->> 'application_name' AS last_app,
       jsonb_array_length(recent_users) <= 5 AS at_most_five
  FROM migration_guard.deprecations WHERE object = 'accounts.old_email';

-- The signal: a WARNING on every use, or nothing to the client.
SET migration_guard.deprecated_use = warning;
SELECT legacy FROM accounts WHERE id = 1;
SET migration_guard.deprecated_use = log;
SELECT legacy FROM accounts WHERE id = 1;
SET migration_guard.deprecated_use = off;
SET ROLE dep_app;
SET migration_guard.deprecated_use = off;
RESET ROLE;

-- The rules.  Timestamps vary: messages only.
\set VERBOSITY terse
SET migration_guard.deprecation_quiet_period = '1h';
-- used within the quiet period: refused, even in warn only a warning
ALTER TABLE accounts DROP COLUMN old_email;
ALTER TABLE accounts RENAME COLUMN legacy TO legacy2;
DROP TABLE old_audit;
-- never used, but deprecated less than the quiet period ago
ALTER TABLE accounts DROP COLUMN quiet;
-- never deprecated: the finding says to deprecate it first
\set VERBOSITY default
BEGIN;
ALTER TABLE accounts DROP COLUMN spare;
ROLLBACK;
\set VERBOSITY terse
-- quiet for the period: passes without a finding
SET migration_guard.deprecation_quiet_period = '1s';
SELECT pg_sleep(1.2);
ALTER TABLE accounts DROP COLUMN quiet;
SELECT count(*) AS quiet_gone FROM pg_attribute
 WHERE attrelid = 'accounts'::regclass AND attname = 'quiet' AND NOT attisdropped;
-- the dropped column's row is gone from the list
SELECT count(*) AS quiet_listed FROM migration_guard.deprecations WHERE column_name = 'quiet';
-- a use restarts the period
SELECT count(*) FROM old_audit;
DROP TABLE old_audit;
-- the escape hatch
BEGIN;
SET LOCAL migration_guard.allow = 'drop_table';
DROP TABLE old_audit;
ROLLBACK;

-- A reset hides nothing: the quiet period restarts from it.
SELECT pg_sleep(1.2);
SELECT migration_guard.reset_deprecated_usage('old_audit') AS reset;
SELECT uses('old_audit') AS after_reset;
DROP TABLE old_audit;
SELECT pg_sleep(1.2);
DROP TABLE old_audit;

-- With heads configured, one release must pass since the deprecation.
SET migration_guard.expected_head = 'v1';
SELECT migration_guard.deprecate('accounts', 'spare');
SELECT expected_head FROM migration_guard.deprecations WHERE column_name = 'spare';
SELECT pg_sleep(1.2);
ALTER TABLE accounts RENAME COLUMN spare TO spare2;
SET migration_guard.expected_head = 'v2';
ALTER TABLE accounts RENAME COLUMN spare TO spare2;
RESET migration_guard.expected_head;
\set VERBOSITY default

-- undeprecate: off the list, the rules ask for a deprecation again
SELECT migration_guard.undeprecate('accounts', 'legacy');
SELECT migration_guard.undeprecate('accounts', 'legacy');
SELECT migration_guard.undeprecate(NULL);
SELECT object FROM migration_guard.deprecations ORDER BY object;

DROP SCHEMA dep CASCADE;
DROP ROLE dep_app;
REVOKE SET ON PARAMETER migration_guard.allow FROM dep_dba;
DROP ROLE dep_dba;
