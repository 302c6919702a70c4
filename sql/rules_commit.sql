-- Findings decided at commit: a rename with a compatibility view of the old
-- name, created in the same transaction, is the textbook safe rename.
SET client_min_messages = error;
CREATE EXTENSION IF NOT EXISTS migration_guard;
SET client_min_messages = warning;
SET migration_guard.rules = 'foreign_key_without_index=off, multiple_exclusive_locks=off, lock_held_across_statements=off';
SET lock_timeout = '1s';
CREATE SCHEMA rcm;
CREATE SCHEMA rcm_new;
SET search_path = rcm, public;
CREATE TABLE accounts (id bigint PRIMARY KEY, email text);
CREATE TABLE orders (id bigint PRIMARY KEY);
CREATE TABLE items (id bigint PRIMARY KEY);

-- Alone (autocommit): refused at once, as before.
ALTER TABLE accounts RENAME TO customers;
-- In a transaction with the compatibility view: passes at commit.
BEGIN;
ALTER TABLE accounts RENAME TO customers;
CREATE VIEW accounts AS SELECT * FROM customers;
COMMIT;
SELECT relname, relkind FROM pg_class WHERE relnamespace = 'rcm'::regnamespace
   AND relname IN ('accounts', 'customers') ORDER BY 1;
-- Without it: refused at commit, and the transaction rolls back.
BEGIN;
ALTER TABLE orders RENAME TO purchases;
SELECT 1 AS still_running;
COMMIT;
SELECT to_regclass('rcm.orders') IS NOT NULL AS orders_kept;
-- ALTER INDEX ... RENAME of a table is the same rename.
BEGIN;
ALTER INDEX orders RENAME TO purchases;
CREATE VIEW orders AS SELECT * FROM purchases;
COMMIT;
-- SET SCHEMA with a view left under the old name.
BEGIN;
ALTER TABLE items SET SCHEMA rcm_new;
CREATE VIEW items AS SELECT * FROM rcm_new.items;
COMMIT;
-- A rename rolled back to a savepoint is forgotten.
CREATE TABLE notes (id bigint);
BEGIN;
SAVEPOINT s;
ALTER TABLE notes RENAME TO memos;
ROLLBACK TO SAVEPOINT s;
COMMIT;
-- A view under the old name that is dropped again does not count.
BEGIN;
ALTER TABLE notes RENAME TO memos;
CREATE VIEW notes AS SELECT * FROM memos;
DROP VIEW notes;
COMMIT;
SELECT to_regclass('rcm.notes') IS NOT NULL AS notes_kept;
-- warn mode: a warning at commit, and it commits.
SET migration_guard.mode = warn;
BEGIN;
ALTER TABLE notes RENAME TO memos;
COMMIT;
RESET migration_guard.mode;
SELECT to_regclass('rcm.memos') IS NOT NULL AS renamed_in_warn;
-- escape hatch, set in the transaction
BEGIN;
SET LOCAL migration_guard.allow = 'rename_table';
ALTER TABLE memos RENAME TO notes;
COMMIT;
SELECT to_regclass('rcm.notes') IS NOT NULL AS renamed_when_allowed;
