-- add_column_required: ADD COLUMN NOT NULL without a default.
SET client_min_messages = error;
CREATE EXTENSION IF NOT EXISTS migration_guard;
SET client_min_messages = warning;
-- Other families' rules stay out of these messages.
SET migration_guard.rules = 'foreign_key_without_index=off, multiple_exclusive_locks=off';

CREATE SCHEMA bq;
SET search_path = bq, public;
CREATE TABLE items (id bigint PRIMARY KEY);
CREATE DOMAIN required_text AS text NOT NULL;
CREATE DOMAIN defaulted_text AS text NOT NULL DEFAULT 'x';

-- Refused: NOT NULL, PRIMARY KEY, DEFAULT NULL, a NOT NULL domain.
ALTER TABLE items ADD COLUMN sku text NOT NULL;
ALTER TABLE items ADD COLUMN sku text DEFAULT NULL NOT NULL;
ALTER TABLE items ADD COLUMN sku text NOT NULL DEFAULT NULL::text;
ALTER TABLE items ADD COLUMN sku required_text;
ALTER TABLE items ADD COLUMN code bigint PRIMARY KEY;
SELECT count(*) AS added FROM pg_attribute
 WHERE attrelid = 'items'::regclass AND attnum > 0 AND attname <> 'id';

-- Safe forms: nullable, a constant default, identity, generated, serial,
-- a domain with a default.
ALTER TABLE items ADD COLUMN a text;
ALTER TABLE items ADD COLUMN b text NOT NULL DEFAULT 'none';
ALTER TABLE items ADD COLUMN c bigint GENERATED ALWAYS AS IDENTITY;
ALTER TABLE items ADD COLUMN d bigint GENERATED ALWAYS AS (id * 2) STORED;
ALTER TABLE items ADD COLUMN e bigserial;
ALTER TABLE items ADD COLUMN f defaulted_text;
ALTER TABLE items ADD COLUMN g text NULL;
-- IF NOT EXISTS of an existing column adds nothing.
ALTER TABLE items ADD COLUMN IF NOT EXISTS a text NOT NULL;

-- Created in this transaction: exempt.
BEGIN;
CREATE TABLE fresh (id bigint);
ALTER TABLE fresh ADD COLUMN sku text NOT NULL;
ROLLBACK;

-- Overrides, and warn mode.
BEGIN;
SET LOCAL migration_guard.allow = 'add_column_required';
ALTER TABLE items ADD COLUMN sku text NOT NULL;
ROLLBACK;
ALTER TABLE items ADD COLUMN sku text NOT NULL /* migration_guard:allow add_column_required */;
SET migration_guard.mode = 'warn';
ALTER TABLE items ADD COLUMN sku2 text NOT NULL;
RESET migration_guard.mode;
SELECT attname FROM pg_attribute
 WHERE attrelid = 'items'::regclass AND attname LIKE 'sku%' ORDER BY 1;

RESET search_path;
RESET migration_guard.rules;
DROP SCHEMA bq CASCADE;
