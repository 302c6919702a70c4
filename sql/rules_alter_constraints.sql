-- Constraint rules: set_not_null, add_check_constraint, add_foreign_key,
-- foreign_key_without_index, validate_same_transaction,
-- add_unique_constraint, add_primary_key, add_exclusion_constraint.
-- PostgreSQL 18 output: rules_alter_constraints_1.out, because from 18 on the
-- hints teach ADD CONSTRAINT ... NOT NULL ... NOT VALID (docs/versions.md).
SET client_min_messages = error;
CREATE EXTENSION IF NOT EXISTS migration_guard;
RESET client_min_messages;
SET migration_guard.small_table_threshold = 0;
SET migration_guard.rules = 'prefer_bigint=off, prefer_text=off, prefer_timestamptz=off, ban_char=off, prefer_jsonb=off, prefer_identity=off, lock_held_across_statements=off, multiple_exclusive_locks=off, drop_table=off, drop_column=off, add_column_required=off, drop_index=off';

BEGIN;
CREATE TABLE ck_parent (id bigint PRIMARY KEY) WITH (autovacuum_enabled = off);
INSERT INTO ck_parent SELECT g FROM generate_series(1, 100) g;
CREATE TABLE ck_t (id bigint NOT NULL, a integer, b integer, c integer,
                   pid bigint, qid bigint) WITH (autovacuum_enabled = off);
INSERT INTO ck_t SELECT g, g, g, g, g, g FROM generate_series(1, 100) g;
CREATE INDEX ck_t_pid ON ck_t (pid);
COMMIT;
ANALYZE ck_parent, ck_t;

-- set_not_null: scans unless a validated CHECK (col IS NOT NULL) proves it.
ALTER TABLE ck_t ALTER COLUMN b SET NOT NULL;
ALTER TABLE ck_t ALTER COLUMN id SET NOT NULL;         -- already NOT NULL
ALTER TABLE ck_t ADD CONSTRAINT ck_t_b_nn CHECK (b IS NOT NULL) NOT VALID;
ALTER TABLE ck_t ALTER COLUMN b SET NOT NULL;          -- NOT VALID proves nothing
ALTER TABLE ck_t VALIDATE CONSTRAINT ck_t_b_nn;
ALTER TABLE ck_t ADD CONSTRAINT ck_t_c_pos CHECK (c > 0) NOT VALID;
ALTER TABLE ck_t VALIDATE CONSTRAINT ck_t_c_pos;
ALTER TABLE ck_t ALTER COLUMN c SET NOT NULL;          -- c > 0 lets NULL through: no proof
SELECT attname, attnotnull FROM pg_attribute
 WHERE attrelid = 'ck_t'::regclass AND attname IN ('a', 'b', 'c') ORDER BY 1;
-- warn: applied.  PostgreSQL's DEBUG1 messages show the proof and the scan.
SET migration_guard.mode = 'warn';
SET client_min_messages = debug1;
ALTER TABLE ck_t ALTER COLUMN b SET NOT NULL;          -- proven: no scan
ALTER TABLE ck_t ALTER COLUMN a SET NOT NULL;          -- scanned
RESET client_min_messages;
RESET migration_guard.mode;
SELECT attnotnull FROM pg_attribute WHERE attrelid = 'ck_t'::regclass AND attname = 'a';
ALTER TABLE ck_t ALTER COLUMN a DROP NOT NULL;
BEGIN;
SET LOCAL migration_guard.allow = 'set_not_null';
ALTER TABLE ck_t ALTER COLUMN a SET NOT NULL;
ROLLBACK;

-- add_check_constraint
ALTER TABLE ck_t ADD CONSTRAINT ck_t_a_pos CHECK (a > 0);
ALTER TABLE ck_t ADD COLUMN d integer CHECK (d > 0);
SELECT conname FROM pg_constraint WHERE conrelid = 'ck_t'::regclass
   AND contype <> 'n' ORDER BY 1;  -- 18 catalogs NOT NULL constraints too
ALTER TABLE ck_t ADD CONSTRAINT ck_t_a_pos CHECK (a > 0) NOT VALID;

-- validate_same_transaction: the ADD's ACCESS EXCLUSIVE is still held.
BEGIN;
ALTER TABLE ck_t ADD CONSTRAINT ck_t_a_small CHECK (a < 1000) NOT VALID;
ALTER TABLE ck_t VALIDATE CONSTRAINT ck_t_a_small;
ROLLBACK;
ALTER TABLE ck_t VALIDATE CONSTRAINT ck_t_a_pos;       -- its own transaction

-- add_foreign_key (ck_t.pid is indexed, so only the validation speaks)
ALTER TABLE ck_t ADD CONSTRAINT ck_t_pid_fkey FOREIGN KEY (pid) REFERENCES ck_parent (id);
SELECT count(*) FROM pg_constraint WHERE conname = 'ck_t_pid_fkey';
ALTER TABLE ck_t ADD CONSTRAINT ck_t_pid_fkey FOREIGN KEY (pid) REFERENCES ck_parent (id) NOT VALID;
BEGIN;
ALTER TABLE ck_t ADD CONSTRAINT ck_t_pid_fkey2 FOREIGN KEY (pid) REFERENCES ck_parent (id) NOT VALID;
ALTER TABLE ck_t VALIDATE CONSTRAINT ck_t_pid_fkey2;
ROLLBACK;
ALTER TABLE ck_t VALIDATE CONSTRAINT ck_t_pid_fkey;
-- ADD COLUMN ... REFERENCES: a new column without a default is all NULL
-- and PostgreSQL marks its foreign key valid unscanned; with a default
-- (even DEFAULT NULL) it validates.  Each ADD COLUMN is judged on its own.
ALTER TABLE ck_t ADD COLUMN sid bigint DEFAULT 1 REFERENCES ck_parent (id);
SET migration_guard.rules = 'foreign_key_without_index=off';
SET migration_guard.mode = 'warn';
SET client_min_messages = debug1;
ALTER TABLE ck_t ADD COLUMN rid bigint REFERENCES ck_parent (id), ADD COLUMN flag boolean DEFAULT false;
ALTER TABLE ck_t ADD COLUMN sid bigint DEFAULT NULL REFERENCES ck_parent (id);
RESET client_min_messages;
RESET migration_guard.mode;
SET migration_guard.rules = 'prefer_bigint=off, prefer_text=off, prefer_timestamptz=off, ban_char=off, prefer_jsonb=off, prefer_identity=off, lock_held_across_statements=off, multiple_exclusive_locks=off, drop_table=off, drop_column=off, add_column_required=off, drop_index=off';

-- foreign_key_without_index (a warning by default)
ALTER TABLE ck_t ADD CONSTRAINT ck_t_qid_fkey FOREIGN KEY (qid) REFERENCES ck_parent (id) NOT VALID;
CREATE INDEX CONCURRENTLY ck_t_qid ON ck_t (qid, a);
ALTER TABLE ck_t ADD CONSTRAINT ck_t_qid_fkey2 FOREIGN KEY (qid) REFERENCES ck_parent (id) NOT VALID;
ALTER TABLE ck_t ADD COLUMN uid bigint UNIQUE REFERENCES ck_parent (id);

-- add_unique_constraint and add_primary_key
ALTER TABLE ck_t ADD CONSTRAINT ck_t_a_key UNIQUE (a);
ALTER TABLE ck_t ADD PRIMARY KEY (id);
ALTER TABLE ck_t ADD COLUMN e integer UNIQUE;
CREATE UNIQUE INDEX CONCURRENTLY ck_t_a_key ON ck_t (a);
CREATE UNIQUE INDEX CONCURRENTLY ck_t_id_key ON ck_t (id);
ALTER TABLE ck_t ADD CONSTRAINT ck_t_a_key UNIQUE USING INDEX ck_t_a_key;
ALTER TABLE ck_t ADD CONSTRAINT ck_t_pkey PRIMARY KEY USING INDEX ck_t_a_key;   -- a is nullable
ALTER TABLE ck_t ADD CONSTRAINT ck_t_pkey PRIMARY KEY USING INDEX ck_t_id_key;  -- id is NOT NULL
SELECT conname, contype FROM pg_constraint
 WHERE conrelid = 'ck_t'::regclass AND contype IN ('u', 'p') ORDER BY 1;

-- add_exclusion_constraint
ALTER TABLE ck_t ADD CONSTRAINT ck_t_b_excl EXCLUDE USING btree (b WITH =);
SET migration_guard.mode = 'warn';
ALTER TABLE ck_t ADD CONSTRAINT ck_t_b_excl EXCLUDE USING btree (b WITH =);
RESET migration_guard.mode;

-- New and small tables are exempt.
BEGIN;
CREATE TABLE ck_new (id bigint, a integer);
ALTER TABLE ck_new ADD PRIMARY KEY (id), ADD CHECK (a > 0), ALTER COLUMN a SET NOT NULL;
ROLLBACK;
SET migration_guard.small_table_threshold = '1GB';
ALTER TABLE ck_t ADD CONSTRAINT ck_t_c_key UNIQUE (c);
SET migration_guard.small_table_threshold = 0;

DROP TABLE ck_t, ck_parent;
RESET migration_guard.rules;
RESET migration_guard.small_table_threshold;
