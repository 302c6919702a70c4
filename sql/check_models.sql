-- migration_guard.check(..., transactions => ...): the script's transaction
-- model decides where its transactions end (docs/check.md)
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS migration_guard;
RESET client_min_messages;
SET migration_guard.small_table_threshold = 0;
CREATE TABLE cm_orders (id bigint PRIMARY KEY, status text, amount int);
INSERT INTO cm_orders SELECT g, 'new', g FROM generate_series(1, 500) g;
CREATE TABLE cm_accounts (id bigint PRIMARY KEY, name text);
INSERT INTO cm_accounts SELECT g, 'n' || g FROM generate_series(1, 500) g;
ANALYZE cm_orders, cm_accounts;

-- the argument: checked before the script is looked at
SELECT count(*) FROM migration_guard.check('SELECT 1', transactions => 'per_statement');
SELECT count(*) FROM migration_guard.check('CREATE TABEL x', transactions => NULL);
-- 1.1 callers: positional arguments as before, 'script' by default
SELECT count(*) FROM migration_guard.check('CREATE INDEX ON cm_orders (status)', 'warn', false);

-- two ACCESS EXCLUSIVE locks: one transaction, or one each
CREATE TEMP TABLE cm_script AS SELECT $$
ALTER TABLE cm_orders ADD COLUMN a int;
ALTER TABLE cm_accounts ADD COLUMN b int;
$$ AS s;
SELECT m, statement, rule FROM cm_script,
       unnest(ARRAY['script', 'statement', 'as_written']) m,
       migration_guard.check(s, mode => 'warn', transactions => m)
ORDER BY m, statement, rule;

-- the script's own BEGIN/COMMIT: what each model does with them
UPDATE cm_script SET s = $$
BEGIN;
ALTER TABLE cm_orders ADD CONSTRAINT cm_amount CHECK (amount > 0) NOT VALID;
COMMIT;
BEGIN;
ALTER TABLE cm_orders VALIDATE CONSTRAINT cm_amount;
COMMIT;
COMMIT;
$$;
SELECT m, statement, rule, note FROM cm_script,
       unnest(ARRAY['script', 'statement', 'as_written']) m,
       migration_guard.check(s, mode => 'warn', transactions => m)
ORDER BY m, statement, rule;

-- NOT VALID and VALIDATE in the same transaction: one message for both paths
SELECT rule, message, detail ~ 'added NOT VALID earlier in this transaction' AS detail_ok
FROM migration_guard.check($$
ALTER TABLE cm_orders ADD CONSTRAINT cm_amount CHECK (amount > 0) NOT VALID;
ALTER TABLE cm_orders VALIDATE CONSTRAINT cm_amount;
$$, mode => 'warn') WHERE rule = 'validate_same_transaction';

-- a validated CHECK (x IS NOT NULL) lets SET NOT NULL skip its scan
SELECT m, statement, rule FROM unnest(ARRAY['script', 'statement']) m,
       migration_guard.check($$
ALTER TABLE cm_orders ADD CONSTRAINT cm_status_nn CHECK (status IS NOT NULL) NOT VALID;
ALTER TABLE cm_orders VALIDATE CONSTRAINT cm_status_nn;
ALTER TABLE cm_orders ALTER COLUMN status SET NOT NULL;
$$, mode => 'warn', transactions => m)
ORDER BY m, statement, rule;
-- without the CHECK it scans
SELECT rule FROM migration_guard.check(
  'ALTER TABLE cm_orders ALTER COLUMN status SET NOT NULL', mode => 'warn');

-- a table created by an earlier transaction of the model is no longer new
SELECT m, statement, rule FROM unnest(ARRAY['script', 'statement', 'as_written']) m,
       migration_guard.check($$
CREATE TABLE cm_new (id bigint PRIMARY KEY, v int);
CREATE INDEX cm_new_v ON cm_new (v);
$$, mode => 'warn', transactions => m)
ORDER BY m, statement, rule;
SELECT to_regclass('cm_new');

RESET migration_guard.small_table_threshold;
SET client_min_messages = error;
DROP TABLE cm_orders;
DROP TABLE cm_accounts;
RESET client_min_messages;
