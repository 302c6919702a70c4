-- rename_column and rename_table: renames break the running release.
SET client_min_messages = error;
CREATE EXTENSION IF NOT EXISTS migration_guard;
SET client_min_messages = warning;
-- Other families' rules stay out of these messages.
SET migration_guard.rules = 'foreign_key_without_index=off, multiple_exclusive_locks=off';

CREATE SCHEMA br;
SET search_path = br, public;
CREATE TABLE accounts (id bigint PRIMARY KEY, email text, name text);
CREATE VIEW account_names AS SELECT id, name FROM accounts;
CREATE MATERIALIZED VIEW account_ids AS SELECT id FROM accounts;

-- RENAME COLUMN on a table, a view, a materialized view: refused, nothing applied.
ALTER TABLE accounts RENAME COLUMN email TO email_address;
ALTER TABLE accounts RENAME email TO email_address;
ALTER VIEW account_names RENAME COLUMN name TO full_name;
ALTER MATERIALIZED VIEW account_ids RENAME COLUMN id TO account_id;
SELECT attname FROM pg_attribute
 WHERE attrelid = 'accounts'::regclass AND attnum > 0 ORDER BY attnum;

-- RENAME TO of a table, a view, a materialized view; ALTER TABLE on a view.
ALTER TABLE accounts RENAME TO customers;
ALTER VIEW account_names RENAME TO customer_names;
ALTER TABLE account_names RENAME TO customer_names;
ALTER MATERIALIZED VIEW account_ids RENAME TO customer_ids;
SELECT relname FROM pg_class WHERE relnamespace = 'br'::regnamespace
   AND relkind IN ('r', 'v', 'm') ORDER BY 1;

-- Moving to another schema is a rename too.
CREATE SCHEMA br_archive;
ALTER TABLE accounts SET SCHEMA br_archive;
ALTER VIEW account_names SET SCHEMA br_archive;
SELECT count(*) AS moved FROM pg_class WHERE relnamespace = 'br_archive'::regnamespace;

-- Renaming a schema that holds tables; an empty schema is fine.
ALTER SCHEMA br RENAME TO br2;
ALTER SCHEMA br_archive RENAME TO br_old;
SELECT nspname FROM pg_namespace WHERE nspname LIKE 'br%' ORDER BY 1;

-- Not ours: indexes, sequences, constraints; and missing objects.
ALTER INDEX accounts_pkey RENAME TO accounts_pk;
-- ALTER TABLE renames the column of an expression index too: no query names it.
CREATE INDEX accounts_lower_email ON accounts (lower(email));
ALTER TABLE accounts_lower_email RENAME COLUMN lower TO lower_email;
SELECT attname FROM pg_attribute WHERE attrelid = 'accounts_lower_email'::regclass;
DROP INDEX accounts_lower_email;
ALTER TABLE IF EXISTS no_such RENAME TO other;
ALTER TABLE IF EXISTS no_such RENAME COLUMN a TO b;
ALTER TABLE accounts RENAME COLUMN no_such TO b;
ALTER TABLE accounts SET SCHEMA no_such_schema;
ALTER TABLE accounts SET SCHEMA br;
ALTER TABLE accounts RENAME TO account_names;
ALTER TABLE accounts RENAME COLUMN name TO email;
CREATE TABLE parted (id bigint, v text) PARTITION BY LIST (id);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES IN (1);
ALTER TABLE parted_1 RENAME COLUMN v TO w;
ALTER TABLE parted RENAME COLUMN v TO w;
-- Partitions are read through their parent: renaming them is upkeep.
ALTER TABLE parted_1 RENAME TO parted_one;
DROP TABLE parted /* migration_guard:allow drop_table */;

-- Created in this transaction: exempt.
BEGIN;
CREATE TABLE fresh (a int);
ALTER TABLE fresh RENAME COLUMN a TO b;
ALTER TABLE fresh RENAME TO fresh2;
ALTER TABLE fresh2 SET SCHEMA br_old;
CREATE SCHEMA fresh_schema CREATE TABLE t (a int);
ALTER SCHEMA fresh_schema RENAME TO fresh_schema2;
ROLLBACK;

-- Overrides.
BEGIN;
SET LOCAL migration_guard.allow = 'rename_column';
ALTER TABLE accounts RENAME COLUMN email TO email_address;
ROLLBACK;
ALTER TABLE accounts RENAME TO customers /* migration_guard:allow rename_table */;
SELECT count(*) AS renamed FROM pg_class WHERE relname = 'customers';

-- warn mode: a warning and the rename applies.
SET migration_guard.mode = 'warn';
ALTER TABLE customers RENAME COLUMN name TO full_name;
RESET migration_guard.mode;
SELECT count(*) AS renamed_column FROM pg_attribute
 WHERE attrelid = 'customers'::regclass AND attname = 'full_name';

-- The hint's SQL quotes identifiers for each context: inside a string
-- literal a name with a quote is the quote_identifier text, quoted again as
-- a literal.  Evaluating the suggested backfill() arguments gives them back.
CREATE TABLE "o'brien" ("it's" text);
ALTER TABLE "o'brien" RENAME COLUMN "it's" TO "its 'new'";
CREATE FUNCTION hint_backfill_args() RETURNS SETOF text LANGUAGE plpgsql AS $f$
DECLARE
  h text;
  args text[];
BEGIN
  BEGIN
    ALTER TABLE "o'brien" RENAME COLUMN "it's" TO "its 'new'";
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS h = PG_EXCEPTION_HINT;
  END;
  EXECUTE 'SELECT ARRAY[' || substring(h from 'migration_guard\.backfill\((.*)\); deploy') || ']' INTO args;
  RETURN QUERY SELECT unnest(args);
END
$f$;
SELECT * FROM hint_backfill_args();
DROP FUNCTION hint_backfill_args();

RESET search_path;
RESET migration_guard.rules;
DROP SCHEMA br CASCADE;
DROP SCHEMA br_old CASCADE;
