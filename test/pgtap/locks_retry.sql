-- Behaviour of the lock_timeout rule, the automatic lock_timeout and
-- retries against a second session (dblink) that holds a lock.
SET client_min_messages = 'warning';
CREATE EXTENSION dblink;
CREATE TABLE lr (id bigint PRIMARY KEY, v text);
INSERT INTO lr SELECT g, 'v' FROM generate_series(1, 100) g;

-- The blocker: an open transaction that read the table.
CREATE FUNCTION lr_block(sql_after text DEFAULT NULL) RETURNS int LANGUAGE plpgsql AS $$
DECLARE pid int;
BEGIN
  PERFORM dblink_connect('lr_blocker', 'dbname=' || current_database());
  PERFORM dblink_exec('lr_blocker', 'BEGIN');
  PERFORM dblink_exec('lr_blocker', 'LOCK TABLE lr IN ACCESS SHARE MODE');
  SELECT p INTO pid FROM dblink('lr_blocker', 'SELECT pg_backend_pid()') AS t(p int);
  IF sql_after IS NOT NULL THEN
    PERFORM dblink_send_query('lr_blocker', sql_after);
  END IF;
  RETURN pid;
END$$;
CREATE FUNCTION lr_unblock() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF dblink_is_busy('lr_blocker') = 1 THEN
    PERFORM * FROM dblink_get_result('lr_blocker') AS t(x text);
  END IF;
  PERFORM dblink_exec('lr_blocker', 'ROLLBACK');
  PERFORM dblink_disconnect('lr_blocker');
EXCEPTION WHEN OTHERS THEN
  PERFORM dblink_disconnect('lr_blocker');
END$$;
CREATE FUNCTION lr_has_column(col text) RETURNS boolean LANGUAGE sql AS $$
  SELECT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 'lr'::regclass
                 AND attname = col AND NOT attisdropped)
$$;
CREATE FUNCTION lr_server_log() RETURNS text LANGUAGE sql AS $$
  SELECT pg_read_file(current_setting('data_directory') || '/../server.log')
$$;

SELECT plan(17);

-- The rule: no lock_timeout, no automatic one: refused before queueing.
SET lock_timeout = 0;
SET migration_guard.lock_timeout = '';
SELECT throws_ok('ALTER TABLE lr ADD COLUMN a int', 'MG005', NULL,
                 'lock_timeout 0: refused with SQLSTATE MG005');
SET lock_timeout = '30s';
SELECT throws_ok('ALTER TABLE lr ADD COLUMN a int', 'MG005', NULL,
                 'lock_timeout above migration_guard.max_lock_timeout: refused');
SET migration_guard.max_lock_timeout = '1min';
SELECT lives_ok('ALTER TABLE lr ADD COLUMN a int', 'raising the limit lets it run');
RESET migration_guard.max_lock_timeout;
SET lock_timeout = 0;

-- The automatic timeout: the statement gives up after it, so the sessions
-- queued behind it wait no longer than that.
SET migration_guard.lock_timeout = '200ms';
SELECT lr_block() > 0 AS blocked \gset
SELECT clock_timestamp() AS t0 \gset
SELECT throws_ok('ALTER TABLE lr ADD COLUMN b int', '55P03', 'canceling statement due to lock timeout',
                 'blocked: gives up with lock_not_available');
SELECT ok(clock_timestamp() - :'t0'::timestamptz BETWEEN interval '150 ms' AND interval '3 s',
          'after about migration_guard.lock_timeout');
SELECT is(current_setting('lock_timeout'), '0', 'the session''s lock_timeout is restored after the error');
SELECT ok(NOT lr_has_column('b'), 'nothing applied');

-- Retries: the long transaction ends after 0.8 s; the ALTER gets through.
SELECT lr_unblock();
SET migration_guard.lock_retries = 20;
SET migration_guard.lock_retry_delay = '20ms';
SET migration_guard.lock_retry_max_delay = '100ms';
SELECT lr_block('SELECT pg_sleep(0.8); COMMIT') AS blocker_pid \gset
SELECT lives_ok('ALTER TABLE lr ADD COLUMN c int', 'retried until the long transaction ended');
SELECT ok(lr_has_column('c'), 'applied');
SELECT lr_unblock();
SELECT ok(lr_server_log() ~ ('migration_guard: ALTER TABLE timed out waiting for ACCESS EXCLUSIVE lock on table "public.lr", retrying \(1 of 20\)'),
          'each retry is logged in the server log');
SELECT ok(lr_server_log() ~ ('Sessions holding conflicting locks: PID ' || :blocker_pid || ' \(idle in transaction|Sessions holding conflicting locks: PID ' || :blocker_pid || ' \(active'),
          'the log names the blocking session');

-- In a transaction block: what ran before the retried statement survives.
SELECT lr_block('SELECT pg_sleep(0.5); COMMIT') > 0 AS blocked \gset
BEGIN;
INSERT INTO lr VALUES (1000, 'before');
ALTER TABLE lr ADD COLUMN d int;
UPDATE lr SET d = 1 WHERE id = 1000;
COMMIT;
SELECT lr_unblock();
SELECT is((SELECT d FROM lr WHERE id = 1000), 1, 'transaction block: earlier and later work kept');

-- After the last retry the original error is raised.
SET migration_guard.lock_retries = 2;
SELECT lr_block() > 0 AS blocked \gset
SELECT throws_ok('ALTER TABLE lr ADD COLUMN e int', '55P03', 'canceling statement due to lock timeout',
                 'retries exhausted: the lock timeout error');
SELECT ok(NOT lr_has_column('e'), 'nothing applied');

-- VACUUM FULL commits internally and cannot be retried in a
-- subtransaction; the automatic timeout still applies to it.
SELECT dblink_connect('lr_vac', 'dbname=' || current_database());
SELECT dblink_exec('lr_vac', 'SET migration_guard.lock_timeout = ''200ms''');
SELECT dblink_exec('lr_vac', 'SET lock_timeout = 0');
SELECT is(dblink_exec('lr_vac', 'VACUUM FULL lr', false), 'ERROR',
          'VACUUM FULL gives up after the automatic timeout');
SELECT is((SELECT s FROM dblink('lr_vac', 'SHOW lock_timeout') AS t(s text)), '0',
          'and the session''s lock_timeout is restored');
SELECT dblink_disconnect('lr_vac');
SELECT lr_unblock();

-- Weak locks are not retried or timed: CREATE INDEX CONCURRENTLY would
-- leave an INVALID index if a timeout cancelled its waits.
SELECT is((SELECT count(*) FROM migration_guard.statement_locks('CREATE INDEX CONCURRENTLY ON lr (v)') WHERE guarded),
          0::bigint, 'CREATE INDEX CONCURRENTLY is not guarded');

SELECT * FROM finish();
