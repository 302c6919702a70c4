-- Batched backfills: argument validation, messages, resume rules, control
CREATE EXTENSION IF NOT EXISTS migration_guard;
-- other rules' advice about these test tables is not what this file tests
SET migration_guard.mode = off;

CREATE TABLE bf_items (id bigint PRIMARY KEY, v integer, w integer, n integer NOT NULL DEFAULT 0);
INSERT INTO bf_items (id, v) SELECT g, g FROM generate_series(1, 100) g;
ANALYZE bf_items;
CREATE TABLE bf_nokey (v integer, w integer);
INSERT INTO bf_nokey (v) SELECT g FROM generate_series(1, 100) g;
CREATE TABLE bf_parted (k integer, v integer) PARTITION BY LIST (k);
CREATE VIEW bf_view AS SELECT * FROM bf_items;

-- a transaction block cannot commit batches
BEGIN;
CALL migration_guard.backfill('bf', 'bf_items', 'w = v');
ROLLBACK;

-- bad arguments fail before anything is written
CALL migration_guard.backfill('bf', 'bf_missing', 'w = v');
CALL migration_guard.backfill('bf', 'bf_items', 'nosuch = v');
CALL migration_guard.backfill('bf', 'bf_items', 'w = nosuch');
CALL migration_guard.backfill('bf', 'bf_items', 'w = v', 'nosuch > 0');
CALL migration_guard.backfill('bf', 'bf_items', 'w = v; DROP TABLE bf_items');
CALL migration_guard.backfill('bf', 'bf_items', 'w = v WHERE id < 10');
CALL migration_guard.backfill('bf', 'bf_items', 'w = v FROM bf_nokey');
CALL migration_guard.backfill('bf', 'bf_items', 'w = v RETURNING id');
CALL migration_guard.backfill('bf', 'bf_items', 'w = (v');
CALL migration_guard.backfill('bf', 'bf_items', '');
CALL migration_guard.backfill('bf', 'bf_items', 'w = v', 'true) OR (true');
CALL migration_guard.backfill('bf', 'bf_items', 'w = v', 'true; DELETE FROM bf_items');
CALL migration_guard.backfill('bf', 'bf_items', 'w = v', 'true) RETURNING (1');
CALL migration_guard.backfill('bf', 'bf_items', 'w = v', '   ');
CALL migration_guard.backfill('bf', 'bf_items', 'w = v', 'v + 1');
CALL migration_guard.backfill('bf', 'bf_items', 'id = id + 1000');
CALL migration_guard.backfill('bf', 'bf_items', 'w = v', batch_size => 0);
CALL migration_guard.backfill('bf', 'bf_items', 'w = v', min_batch_size => -5);
CALL migration_guard.backfill('bf', 'bf_items', 'w = v', min_batch_size => 500, max_batch_size => 50);
CALL migration_guard.backfill('bf', 'bf_items', 'w = v', pause => '-1s');
CALL migration_guard.backfill('bf', 'bf_items', 'w = v', max_rows => 0);
CALL migration_guard.backfill(NULL, 'bf_items', 'w = v');
CALL migration_guard.backfill('', 'bf_items', 'w = v');
CALL migration_guard.backfill('bf', 'bf_view', 'w = v');
CALL migration_guard.backfill('bf', 'bf_nokey', 'w = v');
CALL migration_guard.backfill('bf', 'bf_parted', 'v = 1', 'v IS DISTINCT FROM 1');
SELECT count(*) AS jobs FROM migration_guard.backfill_jobs;
SELECT count(*) AS touched FROM bf_items WHERE w IS NOT NULL;

-- a dry run shows the plan and writes nothing, even in a transaction block
BEGIN;
CALL migration_guard.backfill('bf', 'bf_items', 'w = v', 'w IS NULL', batch_size => 10, dry_run => true);
ROLLBACK;
SELECT count(*) AS jobs FROM migration_guard.backfill_jobs;

-- a run that stops at max_rows, then resumes
SET client_min_messages = warning;
CALL migration_guard.backfill('bf', 'bf_items', 'w = v, n = n + 1', batch_size => 10,
                              target_batch_time => '0', max_rows => 30);
SELECT name, relation, state, reason, rows_done, batches, batch_size, percent, method, key_columns
  FROM migration_guard.backfills;
SELECT cursor, upper_bound FROM migration_guard.backfill_jobs;
SELECT migration_guard.assert_backfill_done('bf');
-- the same name with other arguments is refused
CALL migration_guard.backfill('bf', 'bf_items', 'w = v + 1, n = n + 1');
CALL migration_guard.backfill('bf', 'bf_items', 'w = v, n = n + 1', 'true');
CALL migration_guard.backfill('bf', 'bf_nokey', 'w = v', 'w IS NULL');
CALL migration_guard.backfill('bf', 'bf_items', 'w = v, n = n + 1', batch_size => 25);
SELECT name, state, rows_done, batches, percent FROM migration_guard.backfills;
SELECT count(*) FILTER (WHERE n = 1 AND w = v) AS once, count(*) AS total FROM bf_items;
SELECT migration_guard.assert_backfill_done('bf');
RESET client_min_messages;
CALL migration_guard.backfill('bf', 'bf_items', 'w = v, n = n + 1');

-- a changed batching key is refused too
CREATE TABLE bf_rekey (id bigint PRIMARY KEY, code text NOT NULL, v integer);
INSERT INTO bf_rekey SELECT g, 'c' || g, g FROM generate_series(1, 20) g;
SET client_min_messages = warning;
CALL migration_guard.backfill('rekey', 'bf_rekey', 'v = 0', batch_size => 5, max_rows => 5);
RESET client_min_messages;
ALTER TABLE bf_rekey DROP CONSTRAINT bf_rekey_pkey, ADD PRIMARY KEY (code);
CALL migration_guard.backfill('rekey', 'bf_rekey', 'v = 0');
SELECT migration_guard.backfill_forget('rekey');
DROP TABLE bf_rekey;

-- control functions
SELECT migration_guard.assert_backfill_done('bf_never');
SELECT migration_guard.backfill_pause('bf_never');
SELECT migration_guard.backfill_pause('bf');
SELECT migration_guard.backfill_cancel('bf');
SELECT migration_guard.backfill_forget('bf');
SET client_min_messages = warning;
CALL migration_guard.backfill('bf2', 'bf_items', 'n = n + 1', max_rows => 10, batch_size => 10);
RESET client_min_messages;
SELECT migration_guard.backfill_pause('bf2');
SELECT name, state, reason FROM migration_guard.backfills;
SELECT migration_guard.backfill_resume('bf2');
SELECT name, state, reason FROM migration_guard.backfills;
SELECT migration_guard.backfill_cancel('bf2');
SELECT name, state, reason, finished_at IS NOT NULL AS finished FROM migration_guard.backfills;
CALL migration_guard.backfill('bf2', 'bf_items', 'n = n + 1');
SELECT migration_guard.backfill_resume('bf2');
SELECT migration_guard.assert_backfill_done('bf2');
SELECT migration_guard.backfill_forget('bf2');

-- the caller's privileges: a role that may not update the table is refused
-- before anything is written; a role that may runs the job, and only it
-- (or a role with its privileges) controls it
CREATE ROLE bf_app;
CREATE ROLE bf_other;
GRANT SELECT ON bf_items TO bf_app;
SET ROLE bf_app;
CALL migration_guard.backfill('bf3', 'bf_items', 'n = n + 1');
RESET ROLE;
SELECT count(*) AS jobs FROM migration_guard.backfill_jobs;
GRANT UPDATE ON bf_items TO bf_app;
SET ROLE bf_app;
SET client_min_messages = warning;
CALL migration_guard.backfill('bf3', 'bf_items', 'n = n + 1', max_rows => 10, batch_size => 10);
RESET client_min_messages;
SELECT name, state, rows_done, owner FROM migration_guard.backfills;
SET ROLE bf_other;
CALL migration_guard.backfill('bf3', 'bf_items', 'n = n + 1');
SELECT migration_guard.backfill_pause('bf3');
SELECT migration_guard.backfill_forget('bf3');
-- the job table is the extension owner's; the view is readable by all
SELECT count(*) FROM migration_guard.backfills;
SELECT count(*) FROM migration_guard.backfill_jobs;
SET ROLE bf_app;
SELECT migration_guard.backfill_cancel('bf3');
SELECT migration_guard.backfill_forget('bf3');
RESET ROLE;
REVOKE ALL ON bf_items FROM bf_app;
DROP ROLE bf_app;
DROP ROLE bf_other;

-- a deferred constraint the batch violates fails the job with its error:
-- it is checked within the batch, not only at its COMMIT
CREATE TABLE bf_deferred (id integer PRIMARY KEY, u integer,
                          CONSTRAINT bf_deferred_u UNIQUE (u) DEFERRABLE INITIALLY DEFERRED);
INSERT INTO bf_deferred SELECT g, g FROM generate_series(1, 30) g;
SET client_min_messages = warning;
CALL migration_guard.backfill('bf_deferred', 'bf_deferred', 'u = id % 5', batch_size => 10,
                              target_batch_time => '0');
RESET client_min_messages;
SELECT name, state, rows_done, batches, last_error, last_sqlstate
  FROM migration_guard.backfills WHERE name = 'bf_deferred';
SELECT count(*) AS changed FROM bf_deferred WHERE u <> id;
SELECT migration_guard.backfill_forget('bf_deferred');
DROP TABLE bf_deferred;

DROP VIEW bf_view;
DROP TABLE bf_items, bf_nokey, bf_parted;
RESET migration_guard.mode;
