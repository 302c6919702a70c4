-- alter_column_type: ALTER COLUMN TYPE is refused only when PostgreSQL
-- would rewrite the table, build an index again or re-check a constraint.
SET client_min_messages = error;
CREATE EXTENSION IF NOT EXISTS migration_guard;
RESET client_min_messages;
SET migration_guard.small_table_threshold = 0;
-- Only the rules under test speak here.
SET migration_guard.rules = 'prefer_bigint=off, prefer_text=off, prefer_timestamptz=off, ban_char=off, prefer_jsonb=off, prefer_identity=off, lock_held_across_statements=off, multiple_exclusive_locks=off, drop_table=off, drop_column=off';

-- Set up in one transaction: a table created in it is exempt.
BEGIN;
CREATE TABLE at_t (
    id integer NOT NULL,
    code varchar(10),
    name text COLLATE "C",
    amount numeric(10,2),
    at timestamp(3),
    n integer,
    price numeric(8,2)
) WITH (autovacuum_enabled = off);
CREATE INDEX at_t_code ON at_t (code);
CREATE INDEX at_t_name ON at_t (name);
CREATE INDEX at_t_n ON at_t (n);
CREATE INDEX at_t_lower ON at_t (lower(code));
ALTER TABLE at_t ADD CONSTRAINT at_t_price_positive CHECK (price > 0);
INSERT INTO at_t SELECT g, 'c' || g, 'n' || g, g, now(), g, g FROM generate_series(1, 100) g;
COMMIT;
ANALYZE at_t;

-- The files of the table and its indexes: PostgreSQL gives a rewritten
-- table or a rebuilt index a new one, which shows what really happened.
CREATE TEMP TABLE at_files AS
  SELECT relname, relfilenode FROM pg_class WHERE relname LIKE 'at\_t%';
CREATE TEMP VIEW at_changed AS
  SELECT c.relname FROM pg_class c JOIN at_files f USING (relname)
   WHERE c.relfilenode <> f.relfilenode ORDER BY 1;

-- An expression index is always built again.
ALTER TABLE at_t ALTER COLUMN code TYPE varchar(20);
DROP INDEX CONCURRENTLY at_t_lower;

-- Pass: no rewrite, and every index on the column is kept.
ALTER TABLE at_t ALTER COLUMN code TYPE varchar(20);   -- longer varchar
ALTER TABLE at_t ALTER COLUMN code TYPE varchar(30);   -- longer varchar
ALTER TABLE at_t ALTER COLUMN code TYPE varchar;       -- unconstrained
ALTER TABLE at_t ALTER COLUMN code TYPE text;          -- binary-coercible, btree index kept
ALTER TABLE at_t ALTER COLUMN code TYPE varchar;       -- text -> varchar, no length
ALTER TABLE at_t ALTER COLUMN amount TYPE numeric(12,2);  -- more precision, same scale
ALTER TABLE at_t ALTER COLUMN amount TYPE numeric;     -- unconstrained numeric
ALTER TABLE at_t ALTER COLUMN at TYPE timestamp(6);    -- more fractional digits
ALTER TABLE at_t ALTER COLUMN name TYPE varchar COLLATE "C";  -- index keeps its collation
ALTER TABLE at_t ALTER COLUMN code TYPE varchar USING code;   -- a no-op USING
SELECT * FROM at_changed;   -- nothing was rewritten or rebuilt
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'at_t'::regclass AND attnum > 0 ORDER BY attnum;

-- Fire: each of these rewrites the table or rebuilds an index.
ALTER TABLE at_t ALTER COLUMN id TYPE bigint;
ALTER TABLE at_t ALTER COLUMN code TYPE varchar(5);    -- shrink
ALTER TABLE at_t ALTER COLUMN code TYPE varchar(40);   -- a length on an unlimited varchar
ALTER TABLE at_t ALTER COLUMN amount TYPE numeric(12,3);  -- unconstrained to a scale: rewrite
ALTER TABLE at_t ALTER COLUMN code TYPE varchar USING upper(code);  -- USING that computes
ALTER TABLE at_t ALTER COLUMN n TYPE oid;              -- no rewrite, but a new operator class
ALTER TABLE at_t ALTER COLUMN name TYPE text;          -- no rewrite, but the collation changes
ALTER TABLE at_t ALTER COLUMN price TYPE numeric(9,2); -- no rewrite, but the CHECK is re-checked
-- Nothing was applied.
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'at_t'::regclass AND attnum > 0 ORDER BY attnum;

-- timestamp <-> timestamptz rewrites unless the session time zone is UTC.
SET timezone = 'Europe/Paris';
ALTER TABLE at_t ALTER COLUMN at TYPE timestamptz;
SET timezone = 'UTC';
ALTER TABLE at_t ALTER COLUMN at TYPE timestamptz;
RESET timezone;

-- warn: reported and applied; the files show what PostgreSQL did.
SET migration_guard.mode = 'warn';
ALTER TABLE at_t ALTER COLUMN n TYPE oid;
SELECT * FROM at_changed;   -- only the index
ALTER TABLE at_t ALTER COLUMN n TYPE bigint;
SELECT * FROM at_changed;   -- the table and every index
RESET migration_guard.mode;
SELECT format_type(atttypid, atttypmod) FROM pg_attribute
 WHERE attrelid = 'at_t'::regclass AND attname = 'n';

-- The override.
BEGIN;
SET LOCAL migration_guard.allow = 'alter_column_type';
ALTER TABLE at_t ALTER COLUMN id TYPE bigint;
COMMIT;

-- A table created in this transaction and a small table are exempt.
BEGIN;
CREATE TABLE at_new (id integer);
ALTER TABLE at_new ALTER COLUMN id TYPE bigint;
ROLLBACK;
SET migration_guard.small_table_threshold = '1GB';
ALTER TABLE at_t ALTER COLUMN id TYPE integer;
RESET migration_guard.small_table_threshold;

-- A partitioned table: judged by its partitions' size.
SET migration_guard.small_table_threshold = 0;
BEGIN;
CREATE TABLE at_p (id int, v varchar(10)) PARTITION BY RANGE (id);
CREATE TABLE at_p1 PARTITION OF at_p FOR VALUES FROM (0) TO (1000)
  WITH (autovacuum_enabled = off);
INSERT INTO at_p SELECT g, 'x' FROM generate_series(1, 10) g;
COMMIT;
ANALYZE at_p;
ALTER TABLE at_p ALTER COLUMN v TYPE varchar(20);
ALTER TABLE at_p ALTER COLUMN v TYPE varchar(2);

-- text -> citext is binary-coercible, but an index on the column gets
-- citext's operator class and is built again.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS citext;
RESET client_min_messages;
BEGIN;
CREATE TABLE at_ci (e text, f text) WITH (autovacuum_enabled = off);
CREATE INDEX at_ci_e ON at_ci (e);
INSERT INTO at_ci SELECT 'x' || g, 'y' FROM generate_series(1, 10) g;
COMMIT;
ANALYZE at_ci;
ALTER TABLE at_ci ALTER COLUMN e TYPE citext;
ALTER TABLE at_ci ALTER COLUMN f TYPE citext;
DROP TABLE at_ci;
DROP EXTENSION citext;

-- A rewrite also validates the foreign keys on the column again.
BEGIN;
CREATE TABLE at_parent (id integer PRIMARY KEY) WITH (autovacuum_enabled = off);
CREATE TABLE at_child (pid integer REFERENCES at_parent) WITH (autovacuum_enabled = off);
INSERT INTO at_parent SELECT generate_series(1, 10);
INSERT INTO at_child SELECT generate_series(1, 10);
COMMIT;
ANALYZE at_parent, at_child;
ALTER TABLE at_parent ALTER COLUMN id TYPE bigint;
ALTER TABLE at_child ALTER COLUMN pid TYPE bigint;
DROP TABLE at_child, at_parent;

DROP TABLE at_t, at_p;
RESET migration_guard.rules;
RESET migration_guard.small_table_threshold;
