-- Review of issue 10's features, as an attacker: the migration role owns
-- the tool's bookkeeping tables and production tables alike, and uses the
-- bookkeeping exemption to queue for a production table without a lock
-- timeout; the durable expected head read stale after a rollback.
SET client_min_messages = error;
SET migration_guard.mode = off;
SELECT no_plan();

CREATE ROLE hr_migrator LOGIN;
GRANT CREATE ON SCHEMA public TO hr_migrator;
SET ROLE hr_migrator;
CREATE TABLE knex_migrations (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text, batch integer, migration_time timestamptz);
CREATE TABLE knex_migrations_lock (index bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, is_locked integer, ref bigint);
INSERT INTO knex_migrations (name, batch) VALUES ('20240101000001_account.js', 1);
CREATE TABLE orders (id bigint PRIMARY KEY);
RESET ROLE;

SET migration_guard.mode = enforce;
SET lock_timeout = 0;
SET ROLE hr_migrator;

------------------------------------------------------------ the exemption is the bookkeeping table's only
SELECT lives_ok($$LOCK TABLE knex_migrations_lock IN ACCESS EXCLUSIVE MODE$$,
                'the tool''s lock table alone: no lock_timeout needed');
SELECT throws_ok($$ALTER TABLE knex_migrations_lock ADD FOREIGN KEY (ref) REFERENCES orders (id) NOT VALID$$,
                 'MG005', NULL,
                 'a foreign key from the lock table to a production table queues for the production table: judged');
SELECT throws_ok($$LOCK TABLE knex_migrations_lock, orders IN ACCESS EXCLUSIVE MODE$$,
                 'MG005', NULL,
                 'LOCK TABLE of the lock table and a production table: the production table is judged');
SELECT is((SELECT count(*)::int FROM pg_constraint WHERE conrelid = 'knex_migrations_lock'::regclass AND contype = 'f'),
          0, 'and no foreign key was added');

-- a production table made a child of the lock table: a lock on the
-- parent locks the child, a statement on it recurses
-- (done the safe way, with a lock timeout)
SET lock_timeout = '1s';
CREATE TABLE orders_hist (index bigint NOT NULL, is_locked integer, ref bigint, payload text);
SELECT lives_ok($$ALTER TABLE orders_hist INHERIT knex_migrations_lock$$, 'the migrator makes a production table a child of the lock table');
SET lock_timeout = 0;
SELECT throws_ok($$LOCK TABLE knex_migrations_lock IN ACCESS EXCLUSIVE MODE$$,
                 'MG005', NULL,
                 'a lock table with an inheritance child is no longer exempt');
SELECT throws_ok($$ALTER TABLE knex_migrations_lock ADD COLUMN note text$$,
                 'MG005', NULL,
                 'nor is ALTER TABLE on it, which recurses to the child');
SELECT hasnt_column('public', 'orders_hist', 'note', 'and the child is unchanged');
RESET ROLE;

------------------------------------------------------------ IF NOT EXISTS: no lock without privilege
-- PostgreSQL takes no lock for IF NOT EXISTS of an existing table; the
-- guard's pin must not let a role that may create in the schema hold a
-- lock on a table it cannot read (queueing the owner's ALTER TABLE)
CREATE SCHEMA hr_app;
GRANT USAGE, CREATE ON SCHEMA hr_app TO hr_migrator;
CREATE TABLE hr_app.payroll (id bigint PRIMARY KEY);
SET ROLE hr_migrator;
BEGIN;
CREATE TABLE IF NOT EXISTS hr_app.payroll (id bigint);
SELECT is((SELECT count(*)::int FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation'
             AND relation = 'hr_app.payroll'::regclass),
          0, 'IF NOT EXISTS of a table the role has no privilege on leaves no lock on it');
COMMIT;
RESET ROLE;
GRANT SELECT ON hr_app.payroll TO hr_migrator;
SET ROLE hr_migrator;
BEGIN;
CREATE TABLE IF NOT EXISTS hr_app.payroll (id bigint);
SELECT is((SELECT count(*)::int FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation'
             AND relation = 'hr_app.payroll'::regclass AND mode = 'AccessShareLock'),
          1, 'with a privilege on it, the existing table is pinned for the no-op');
COMMIT;
RESET ROLE;
SET migration_guard.mode = off;   -- the DBA's cleanup, not an attack
DROP SCHEMA hr_app CASCADE;

------------------------------------------------------------ the durable head after rollbacks
RESET lock_timeout;
SELECT lives_ok($$SELECT migration_guard.set_expected_head('20240101000001_account.js')$$, 'the DBA declares the head');
BEGIN;
SAVEPOINT s;
SELECT migration_guard.set_expected_head('');
SELECT is(array_to_string(expected_heads, ','), '', 'inside the savepoint the new (empty) head is read') FROM migration_guard.head();
ROLLBACK TO SAVEPOINT s;
SELECT is(array_to_string(expected_heads, ','), '20240101000001_account.js',
          'after ROLLBACK TO SAVEPOINT the declared head is read again, not a stale cache') FROM migration_guard.head();
SELECT migration_guard.clear_expected_head();
ROLLBACK;
SELECT is(array_to_string(expected_heads, ','), '20240101000001_account.js',
          'after ROLLBACK of a clear, the declared head is read again') FROM migration_guard.head();
SELECT is(state, 'at_head', 'and the database is at it') FROM migration_guard.head();

-- a prepared transaction's declaration: not read before COMMIT PREPARED,
-- read at once after it (the invalidation travels with the prepared state)
BEGIN;
SELECT migration_guard.set_expected_head('20240101000002_next.js');
PREPARE TRANSACTION 'hr_head';
SELECT is(array_to_string(expected_heads, ','), '20240101000001_account.js',
          'a prepared, uncommitted declaration is not read') FROM migration_guard.head();
COMMIT PREPARED 'hr_head';
SELECT is(array_to_string(expected_heads, ','), '20240101000002_next.js',
          'after COMMIT PREPARED the new head is read by the same session at once') FROM migration_guard.head();

------------------------------------------------------------ who may declare
-- SET on migration_guard.allow lets a migration accept a rule for its own
-- statements; declaring the head (or '' = off) applies to every session
GRANT SET ON PARAMETER migration_guard.allow TO hr_migrator;
SET ROLE hr_migrator;
SELECT throws_ok($$SELECT migration_guard.set_expected_head('')$$, '42501', NULL,
                 'a role granted SET on migration_guard.allow cannot turn head enforcement off for everyone');
SELECT throws_ok($$SELECT migration_guard.clear_expected_head()$$, '42501', NULL,
                 'nor clear the declaration');
RESET ROLE;
SELECT is(expected_head, '20240101000002_next.js', 'the declaration is unchanged')
  FROM migration_guard.expected_head_setting;
REVOKE SET ON PARAMETER migration_guard.allow FROM hr_migrator;

SELECT * FROM finish();

SET migration_guard.mode = off;
SELECT migration_guard.clear_expected_head();
DROP OWNED BY hr_migrator;
DROP ROLE hr_migrator;
