-- Lock safety: the lock_timeout rule, the automatic lock_timeout, lock
-- tracing, lock_held_across_statements and multiple_exclusive_locks.
SET client_min_messages = error;
CREATE EXTENSION IF NOT EXISTS migration_guard;
RESET client_min_messages;
-- The rule is judged with the session's own lock_timeout: no automatic one.
SET migration_guard.lock_timeout = '';
SET lock_timeout = 0;
CREATE TABLE locks_parent (id bigint PRIMARY KEY);
CREATE TABLE locks_t (id bigint PRIMARY KEY, v text, p bigint);
CREATE SEQUENCE locks_seq;

-- What each statement would lock, without running it.
SELECT statement_number, relation, mode, blocks, guarded
  FROM migration_guard.statement_locks($$
    ALTER TABLE locks_t ADD COLUMN c int;
    ALTER TABLE locks_t SET (fillfactor = 70);
    ALTER TABLE locks_t ALTER COLUMN v SET STATISTICS 500;
    CREATE INDEX ON locks_t (v);
    CREATE INDEX CONCURRENTLY ON locks_t (v);
    ALTER TABLE locks_t ADD FOREIGN KEY (p) REFERENCES locks_parent;
    CREATE TRIGGER trg BEFORE INSERT ON locks_t FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger();
    LOCK locks_t IN SHARE MODE NOWAIT;
    TRUNCATE locks_t, locks_parent;
    ALTER SEQUENCE locks_seq RESTART;
    DROP TABLE IF EXISTS locks_missing;
    SELECT 1$$)
 ORDER BY statement_number, relation::text;

-- Refused: ACCESS EXCLUSIVE on an existing table with no lock timeout.
ALTER TABLE locks_t ADD COLUMN c int;
-- A foreign key also queues for SHARE ROW EXCLUSIVE on the referenced table.
CREATE TABLE locks_child (id bigint REFERENCES locks_parent);
CREATE TRIGGER locks_trg BEFORE UPDATE ON locks_t
  FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger();
-- The message names every lock that would queue.
ALTER TABLE locks_t ADD FOREIGN KEY (p) REFERENCES locks_parent;
-- A lock_timeout above migration_guard.max_lock_timeout counts as none.
SET lock_timeout = '1min';
ALTER TABLE locks_t ADD COLUMN c int;
-- Within the limit: runs.
SET lock_timeout = '2s';
ALTER TABLE locks_t ADD COLUMN c int;
RESET lock_timeout;
SET lock_timeout = 0;

-- Locks that block neither reads nor writes are not judged.
ALTER TABLE locks_t ALTER COLUMN v SET STATISTICS 500;
ALTER TABLE locks_t SET (autovacuum_enabled = off);
-- NOWAIT never queues (but the lock is held once granted).
BEGIN;
LOCK locks_t IN ACCESS EXCLUSIVE MODE NOWAIT;
SELECT count(*) FROM locks_t;
ROLLBACK;
-- Tables created in this transaction, and temporary tables, are exempt.
BEGIN;
CREATE TABLE locks_new (id bigint);
ALTER TABLE locks_new ADD COLUMN c int;
CREATE INDEX ON locks_new (c);
COMMIT;
CREATE TEMP TABLE locks_tmp (id bigint);
ALTER TABLE locks_tmp ADD COLUMN c int;

-- Deliberate: SET LOCAL migration_guard.allow, or a directive comment.
BEGIN;
SET LOCAL migration_guard.allow = 'lock_timeout';
ALTER TABLE locks_t ADD COLUMN d int;
COMMIT;
ALTER TABLE locks_t /* migration_guard:allow lock_timeout */ ADD COLUMN e int;
-- warn mode lets it run with a WARNING.
SET migration_guard.mode = 'warn';
ALTER TABLE locks_t ADD COLUMN f int;
RESET migration_guard.mode;

-- The automatic lock_timeout: applied to the statement, not refused, and
-- the session's setting comes back afterwards.
CREATE FUNCTION locks_show_timeout() RETURNS event_trigger LANGUAGE plpgsql AS
$$BEGIN RAISE NOTICE 'lock_timeout during %: %', tg_tag, current_setting('lock_timeout'); END$$;
CREATE EVENT TRIGGER locks_show_timeout ON ddl_command_end
  EXECUTE FUNCTION locks_show_timeout();
SET migration_guard.lock_timeout = '3s';
ALTER TABLE locks_t ADD COLUMN g int;
SHOW lock_timeout;
-- It works in every mode: "off" silences the rules, not the timeout.
SET migration_guard.mode = off;
ALTER TABLE locks_t ADD COLUMN g2 int;
RESET migration_guard.mode;
-- A SET LOCAL by the migration is what comes back, even above the limit.
BEGIN;
SET LOCAL lock_timeout = '1min';
ALTER TABLE locks_t ADD COLUMN h int;
SHOW lock_timeout;
COMMIT;
-- A timeout within the limit is the migration's own: left alone.
SET lock_timeout = '1s';
ALTER TABLE locks_t ADD COLUMN i int;
SET lock_timeout = 0;
-- Statements with weak locks run without it.
CREATE INDEX CONCURRENTLY locks_t_v ON locks_t (v);
-- Accepting the rule deliberately turns the automatic timeout off.
BEGIN;
SET LOCAL migration_guard.allow = 'lock_timeout';
ALTER TABLE locks_t ADD COLUMN j int;
COMMIT;
DROP EVENT TRIGGER locks_show_timeout;
DROP FUNCTION locks_show_timeout();

-- lock_held_across_statements and multiple_exclusive_locks (warn).
BEGIN;
ALTER TABLE locks_t ADD COLUMN k int;
UPDATE locks_t SET k = 1;
ALTER TABLE locks_parent ADD COLUMN note text;
SELECT 1;
COMMIT;
-- A transaction that commits right after the ACCESS EXCLUSIVE statement is quiet.
BEGIN;
ALTER TABLE locks_t ADD COLUMN l int;
COMMIT;
-- One statement locking two tables ACCESS EXCLUSIVE.
SET lock_timeout = '2s';
BEGIN;
LOCK TABLE locks_t, locks_parent IN ACCESS EXCLUSIVE MODE;
ROLLBACK;
-- A savepoint rolled back released the lock: nothing is held any more.
BEGIN;
SAVEPOINT s;
ALTER TABLE locks_t ADD COLUMN m int;
ROLLBACK TO SAVEPOINT s;
UPDATE locks_t SET v = v;
COMMIT;
-- DDL inside a DO block is a statement of the transaction too.
BEGIN;
DO $$BEGIN EXECUTE 'ALTER TABLE locks_t ADD COLUMN n int'; END$$;
/* migration_guard:allow lock_held_across_statements */ SELECT count(*) FROM locks_t;
COMMIT;
-- A refusal rolled back to a savepoint does not let the next statement
-- under the lock through.
BEGIN;
SET LOCAL migration_guard.rules = 'lock_held_across_statements=enforce, multiple_exclusive_locks=enforce';
ALTER TABLE locks_t ADD COLUMN s int;
SAVEPOINT s;
SELECT count(*) FROM locks_t;
ROLLBACK TO SAVEPOINT s;
SELECT count(*) FROM locks_t;
ROLLBACK;
BEGIN;
SET LOCAL migration_guard.rules = 'multiple_exclusive_locks=enforce';
SET LOCAL migration_guard.allow = 'lock_held_across_statements';
ALTER TABLE locks_t ADD COLUMN s int;
SAVEPOINT s;
ALTER TABLE locks_parent ADD COLUMN s int;
ROLLBACK TO SAVEPOINT s;
ALTER TABLE locks_parent ADD COLUMN s int;
ROLLBACK;
-- A migration tool's bookkeeping in its version table is not more work
-- under the lock.
CREATE TABLE schema_migrations (version text PRIMARY KEY);
BEGIN;
ALTER TABLE locks_t ADD COLUMN o int;
INSERT INTO schema_migrations VALUES ('20250101000000');
COMMIT;
-- Nor is what the guard itself writes when a procedure commits the
-- migration (the head history): no statement of the migration runs then.
CREATE PROCEDURE locks_migrate() LANGUAGE plpgsql AS $$
BEGIN
  ALTER TABLE locks_t ADD COLUMN q int;
  INSERT INTO schema_migrations VALUES ('20250102000000');
  COMMIT;
END$$;
CALL locks_migrate();
DROP PROCEDURE locks_migrate();
DROP TABLE schema_migrations /* migration_guard:allow drop_table */;
SET lock_timeout = 0;

-- Retries: another session holds ACCESS SHARE on the table for the whole test.
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT dblink_connect('locks_blocker', 'dbname=' || current_database());
SELECT dblink_exec('locks_blocker', 'BEGIN');
SELECT dblink_exec('locks_blocker', 'LOCK TABLE locks_t IN ACCESS SHARE MODE');
SET migration_guard.lock_timeout = '100ms';
-- Without retries the timeout error says which lock on which table.
ALTER TABLE locks_t ADD COLUMN r int;
-- With retries, each attempt is reported (terse: the blocking PID varies),
-- then the original error is raised.
SET migration_guard.lock_retries = 2;
SET migration_guard.lock_retry_delay = '10ms';
\set VERBOSITY terse
ALTER TABLE locks_t ADD COLUMN r int;
-- In a transaction block the failed attempts are rolled back alone.
BEGIN;
SET LOCAL lock_timeout = '50ms';
ALTER TABLE locks_t ADD COLUMN r int;
ROLLBACK;
-- PL/pgSQL exception blocks around a retried statement work as usual.
SET migration_guard.lock_retries = 1;
DO $$
BEGIN
  ALTER TABLE locks_t ADD COLUMN r int;
EXCEPTION WHEN lock_not_available THEN
  RAISE NOTICE 'gave up: %', SQLERRM;
END$$;
\set VERBOSITY default
RESET migration_guard.lock_retries;
RESET migration_guard.lock_retry_delay;
SELECT dblink_exec('locks_blocker', 'COMMIT');
SELECT dblink_disconnect('locks_blocker');
DROP EXTENSION dblink;
SET migration_guard.lock_timeout = '3s';

-- trace_locks: what each DDL statement acquired, and rewrites.
SET migration_guard.trace_locks = on;
BEGIN;
SET LOCAL migration_guard.allow = 'lock_held_across_statements';
ALTER TABLE locks_t ALTER COLUMN p TYPE int;
CREATE INDEX locks_t_p ON locks_t (p);
ALTER TABLE locks_t ADD FOREIGN KEY (p) REFERENCES locks_parent;
COMMIT;
-- VACUUM FULL commits internally: its locks are gone when it returns.
VACUUM FULL locks_parent;
RESET migration_guard.trace_locks;

RESET migration_guard.lock_timeout;
RESET lock_timeout;
SET migration_guard.mode = off;
DROP TABLE IF EXISTS locks_t, locks_child, locks_parent, locks_new;
DROP SEQUENCE locks_seq;
RESET migration_guard.mode;
