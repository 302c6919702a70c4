-- add_column_volatile_default, set_logged and set_tablespace: the ALTER
-- TABLE forms that rewrite or copy a whole table.
SET client_min_messages = error;
CREATE EXTENSION IF NOT EXISTS migration_guard;
RESET client_min_messages;
SET migration_guard.small_table_threshold = 0;
SET migration_guard.rules = 'prefer_bigint=off, prefer_text=off, prefer_timestamptz=off, ban_char=off, prefer_jsonb=off, prefer_identity=off, lock_held_across_statements=off, multiple_exclusive_locks=off, drop_table=off, drop_column=off, add_column_required=off';

BEGIN;
CREATE TABLE ac_t (id bigint NOT NULL, a integer) WITH (autovacuum_enabled = off);
INSERT INTO ac_t SELECT g, g FROM generate_series(1, 100) g;
CREATE INDEX ac_t_a ON ac_t (a);
CREATE DOMAIN ac_rand AS float8 DEFAULT random();
CREATE DOMAIN ac_positive AS integer CHECK (VALUE > 0);
CREATE DOMAIN ac_today AS date DEFAULT current_date;
COMMIT;
ANALYZE ac_t;
CREATE TEMP TABLE ac_files AS
  SELECT relname, relfilenode FROM pg_class WHERE relname LIKE 'ac\_t%';
CREATE TEMP VIEW ac_changed AS
  SELECT c.relname FROM pg_class c JOIN ac_files f USING (relname)
   WHERE c.relfilenode <> f.relfilenode ORDER BY 1;

-- Pass: constant, stable and NULL defaults are stored in the catalog (PG 11+).
ALTER TABLE ac_t ADD COLUMN c1 integer DEFAULT 0;
ALTER TABLE ac_t ADD COLUMN c2 timestamptz DEFAULT now();
ALTER TABLE ac_t ADD COLUMN c3 text DEFAULT 'x' || 'y';
ALTER TABLE ac_t ADD COLUMN c4 text;
ALTER TABLE ac_t ADD COLUMN c5 ac_today;
ALTER TABLE ac_t ADD COLUMN c6 integer NOT NULL DEFAULT 1;
SELECT * FROM ac_changed;

-- Fire: every row is written again.
ALTER TABLE ac_t ADD COLUMN v1 float8 DEFAULT random();
ALTER TABLE ac_t ADD COLUMN v2 timestamptz DEFAULT clock_timestamp();
ALTER TABLE ac_t ADD COLUMN v3 uuid DEFAULT gen_random_uuid();
ALTER TABLE ac_t ADD COLUMN v4 bigserial;
ALTER TABLE ac_t ADD COLUMN v5 bigint GENERATED ALWAYS AS IDENTITY;
ALTER TABLE ac_t ADD COLUMN v6 bigint GENERATED ALWAYS AS (a * 2) STORED;
ALTER TABLE ac_t ADD COLUMN v7 ac_rand;
ALTER TABLE ac_t ADD COLUMN v8 ac_positive DEFAULT 1;
ALTER TABLE ac_t ADD COLUMN c9 integer, ADD COLUMN v9 float8 DEFAULT random();
SELECT count(*) AS added FROM pg_attribute
 WHERE attrelid = 'ac_t'::regclass AND attname LIKE 'v%';
ALTER TABLE ac_t ADD COLUMN IF NOT EXISTS c1 float8 DEFAULT random();  -- exists: nothing happens

-- warn: reported and applied, and PostgreSQL does rewrite.
SET migration_guard.mode = 'warn';
ALTER TABLE ac_t ADD COLUMN w1 float8 DEFAULT random();
RESET migration_guard.mode;
SELECT * FROM ac_changed;
ANALYZE ac_t;  -- a rewrite gives new storage, whose row estimate 18 resets

-- The override, a new table, a small table.
BEGIN;
SET LOCAL migration_guard.allow = 'add_column_volatile_default';
ALTER TABLE ac_t ADD COLUMN w2 bigint GENERATED ALWAYS AS IDENTITY;
COMMIT;
ANALYZE ac_t;  -- a rewrite gives new storage, whose row estimate 18 resets
BEGIN;
CREATE TABLE ac_new (id bigint);
ALTER TABLE ac_new ADD COLUMN r float8 DEFAULT random();
ROLLBACK;
SET migration_guard.small_table_threshold = '1GB';
ALTER TABLE ac_t ADD COLUMN w3 float8 DEFAULT random();
SET migration_guard.small_table_threshold = 0;
ANALYZE ac_t;  -- a rewrite gives new storage, whose row estimate 18 resets

-- set_logged: SET UNLOGGED and SET LOGGED copy the table; a no-op passes.
ALTER TABLE ac_t SET LOGGED;
ALTER TABLE ac_t SET UNLOGGED;
SELECT relpersistence FROM pg_class WHERE relname = 'ac_t';
SET migration_guard.mode = 'warn';
ALTER TABLE ac_t SET UNLOGGED;
RESET migration_guard.mode;
ANALYZE ac_t;  -- a rewrite gives new storage, whose row estimate 18 resets
ALTER TABLE ac_t SET LOGGED;
SELECT relpersistence FROM pg_class WHERE relname = 'ac_t';
BEGIN;
SET LOCAL migration_guard.allow = 'set_logged';
ALTER TABLE ac_t SET LOGGED;
COMMIT;

-- set_tablespace: tables, indexes and materialized views are copied.
ANALYZE ac_t;  -- a rewrite gives new storage, whose row estimate 18 resets
SET allow_in_place_tablespaces = on;
CREATE TABLESPACE ac_space LOCATION '';
ALTER TABLE ac_t SET TABLESPACE pg_default;            -- already there
ALTER TABLE ac_t SET TABLESPACE ac_space;
ALTER INDEX ac_t_a SET TABLESPACE ac_space;
CREATE MATERIALIZED VIEW ac_mv AS SELECT * FROM ac_t;
ALTER MATERIALIZED VIEW ac_mv SET TABLESPACE ac_space;
SELECT c.relname, t.spcname FROM pg_class c LEFT JOIN pg_tablespace t ON t.oid = c.reltablespace
 WHERE c.relname IN ('ac_t', 'ac_t_a', 'ac_mv') ORDER BY 1;
SET migration_guard.mode = 'warn';
ALTER INDEX ac_t_a SET TABLESPACE ac_space;
RESET migration_guard.mode;
BEGIN;
SET LOCAL migration_guard.allow = 'set_tablespace';
ALTER TABLE ac_t SET TABLESPACE ac_space;
COMMIT;
SELECT c.relname, t.spcname FROM pg_class c LEFT JOIN pg_tablespace t ON t.oid = c.reltablespace
 WHERE c.relname IN ('ac_t', 'ac_t_a', 'ac_mv') ORDER BY 1;

-- ALL IN TABLESPACE moves every matching relation, holding each lock to the end.
ALTER MATERIALIZED VIEW ALL IN TABLESPACE ac_space SET TABLESPACE pg_default;  -- none there
ALTER TABLE ALL IN TABLESPACE ac_space SET TABLESPACE ac_space;               -- nothing moves
ALTER TABLE ALL IN TABLESPACE ac_space SET TABLESPACE pg_default;
ALTER INDEX ALL IN TABLESPACE ac_space SET TABLESPACE pg_default;
SET migration_guard.mode = 'warn';
ALTER TABLE ALL IN TABLESPACE ac_space SET TABLESPACE pg_default;
RESET migration_guard.mode;
SELECT c.relname, t.spcname FROM pg_class c LEFT JOIN pg_tablespace t ON t.oid = c.reltablespace
 WHERE c.relname IN ('ac_t', 'ac_t_a') ORDER BY 1;

DROP MATERIALIZED VIEW ac_mv;
DROP TABLE ac_t;
DROP TABLESPACE ac_space;
DROP DOMAIN ac_rand, ac_positive, ac_today;
RESET allow_in_place_tablespaces;
RESET migration_guard.rules;
RESET migration_guard.small_table_threshold;
