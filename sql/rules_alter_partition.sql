-- attach_partition, detach_partition and alter_domain_add_constraint.
-- PostgreSQL 18 output: rules_alter_partition_1.out, because from 18 on the
-- hints teach ADD CONSTRAINT ... NOT NULL ... NOT VALID (docs/versions.md).
SET client_min_messages = error;
CREATE EXTENSION IF NOT EXISTS migration_guard;
RESET client_min_messages;
SET migration_guard.small_table_threshold = 0;
SET migration_guard.rules = 'prefer_bigint=off, prefer_text=off, prefer_timestamptz=off, ban_char=off, prefer_jsonb=off, prefer_identity=off, lock_held_across_statements=off, multiple_exclusive_locks=off, drop_table=off, drop_column=off, add_column_required=off, drop_index=off';

BEGIN;
CREATE TABLE pa_t (id integer NOT NULL, v text) PARTITION BY RANGE (id);
CREATE TABLE pa_t1 PARTITION OF pa_t FOR VALUES FROM (0) TO (100) WITH (autovacuum_enabled = off);
CREATE TABLE pa_t2 (id integer NOT NULL, v text) WITH (autovacuum_enabled = off);
CREATE TABLE pa_t3 (id integer NOT NULL, v text) WITH (autovacuum_enabled = off);
INSERT INTO pa_t SELECT g, 'x' FROM generate_series(0, 99) g;
INSERT INTO pa_t2 SELECT g, 'x' FROM generate_series(100, 199) g;
INSERT INTO pa_t3 SELECT g, 'x' FROM generate_series(200, 299) g;
COMMIT;
ANALYZE pa_t1, pa_t2, pa_t3;

-- attach_partition: scans the partition unless its CHECKs prove the bound.
ALTER TABLE pa_t ATTACH PARTITION pa_t2 FOR VALUES FROM (100) TO (200);
SELECT count(*) AS attached FROM pg_inherits WHERE inhparent = 'pa_t'::regclass;
ALTER TABLE pa_t2 ADD CONSTRAINT pa_t2_bound CHECK ((id IS NOT NULL) AND (id >= 100) AND (id < 200)) NOT VALID;
ALTER TABLE pa_t ATTACH PARTITION pa_t2 FOR VALUES FROM (100) TO (200);   -- NOT VALID proves nothing
ALTER TABLE pa_t2 VALIDATE CONSTRAINT pa_t2_bound;
SET client_min_messages = debug1;
ALTER TABLE pa_t ATTACH PARTITION pa_t2 FOR VALUES FROM (100) TO (200);   -- proven: no scan
RESET client_min_messages;
-- warn: applied, and PostgreSQL scans.
SET migration_guard.mode = 'warn';
SET client_min_messages = debug1;
ALTER TABLE pa_t ATTACH PARTITION pa_t3 FOR VALUES FROM (200) TO (300);
RESET client_min_messages;
RESET migration_guard.mode;

-- A default partition is scanned too, for rows of the new bound.
BEGIN;
CREATE TABLE pa_t4 (id integer NOT NULL CHECK (id >= 300 AND id < 400), v text);
CREATE TABLE pa_tdef PARTITION OF pa_t DEFAULT WITH (autovacuum_enabled = off);
INSERT INTO pa_t SELECT g, 'x' FROM generate_series(1000, 1099) g;
COMMIT;
ANALYZE pa_tdef;
ALTER TABLE pa_t ATTACH PARTITION pa_t4 FOR VALUES FROM (300) TO (400);
SET migration_guard.mode = 'warn';
SET client_min_messages = debug1;
ALTER TABLE pa_t ATTACH PARTITION pa_t4 FOR VALUES FROM (300) TO (400);
RESET client_min_messages;
RESET migration_guard.mode;

-- detach_partition: without CONCURRENTLY the parent is locked ACCESS EXCLUSIVE.
ALTER TABLE pa_t DETACH PARTITION pa_t3;
ALTER TABLE pa_t DETACH PARTITION pa_tdef;
SELECT count(*) AS attached FROM pg_inherits WHERE inhparent = 'pa_t'::regclass;
BEGIN;
SET LOCAL migration_guard.allow = 'detach_partition';
ALTER TABLE pa_t DETACH PARTITION pa_tdef;
COMMIT;
ALTER TABLE pa_t DETACH PARTITION pa_t3 CONCURRENTLY;
SELECT count(*) AS attached FROM pg_inherits WHERE inhparent = 'pa_t'::regclass;
-- A table below the threshold, and the override.
SET migration_guard.small_table_threshold = '1GB';
ALTER TABLE pa_t ATTACH PARTITION pa_t3 FOR VALUES FROM (200) TO (300);
ALTER TABLE pa_t DETACH PARTITION pa_t3;
SET migration_guard.small_table_threshold = 0;
BEGIN;
SET LOCAL migration_guard.allow = 'attach_partition';
ALTER TABLE pa_t ATTACH PARTITION pa_t3 FOR VALUES FROM (200) TO (300);
ROLLBACK;

-- A partitioned table builds no index when every partition already has a
-- unique index backing a constraint: PostgreSQL attaches them.
BEGIN;
CREATE TABLE pa_k (id integer, v integer) PARTITION BY RANGE (id);
CREATE TABLE pa_k1 PARTITION OF pa_k FOR VALUES FROM (0) TO (100) WITH (autovacuum_enabled = off);
CREATE TABLE pa_k2 PARTITION OF pa_k FOR VALUES FROM (100) TO (200) WITH (autovacuum_enabled = off);
INSERT INTO pa_k SELECT g, g FROM generate_series(0, 199) g;
COMMIT;
ANALYZE pa_k;
ALTER TABLE pa_k ADD CONSTRAINT pa_k_id UNIQUE (id);
CREATE UNIQUE INDEX CONCURRENTLY pa_k1_id ON pa_k1 (id);
ALTER TABLE pa_k1 ADD CONSTRAINT pa_k1_id UNIQUE USING INDEX pa_k1_id;
ALTER TABLE pa_k ADD CONSTRAINT pa_k_id UNIQUE (id);     -- pa_k2 still builds
CREATE UNIQUE INDEX CONCURRENTLY pa_k2_id ON pa_k2 (id);
ALTER TABLE pa_k2 ADD CONSTRAINT pa_k2_id UNIQUE USING INDEX pa_k2_id;
ALTER TABLE pa_k ADD PRIMARY KEY (id);                   -- attached, but id is nullable
SET client_min_messages = debug1;
ALTER TABLE pa_k ADD CONSTRAINT pa_k_id UNIQUE (id);     -- attached: nothing built
RESET client_min_messages;
DROP TABLE pa_k;

-- alter_domain_add_constraint: every column of the domain is checked.
BEGIN;
CREATE DOMAIN pa_qty AS integer;
CREATE DOMAIN pa_unused AS integer;
CREATE TABLE pa_orders (id integer, qty pa_qty) WITH (autovacuum_enabled = off);
INSERT INTO pa_orders SELECT g, g FROM generate_series(1, 100) g;
COMMIT;
ANALYZE pa_orders;
ALTER DOMAIN pa_qty ADD CONSTRAINT pa_qty_positive CHECK (VALUE > 0);
ALTER DOMAIN pa_qty SET NOT NULL;
SELECT count(*) AS constraints FROM pg_constraint WHERE contypid = 'pa_qty'::regtype;
ALTER DOMAIN pa_unused ADD CONSTRAINT pa_unused_positive CHECK (VALUE > 0);  -- no column uses it
ALTER DOMAIN pa_qty ADD CONSTRAINT pa_qty_positive CHECK (VALUE > 0) NOT VALID;
ALTER DOMAIN pa_qty VALIDATE CONSTRAINT pa_qty_positive;  -- SHARE on every table again
SET migration_guard.mode = 'warn';
ALTER DOMAIN pa_qty VALIDATE CONSTRAINT pa_qty_positive;
RESET migration_guard.mode;
ALTER DOMAIN pa_qty VALIDATE CONSTRAINT pa_qty_positive;  -- validated: nothing to do
SET migration_guard.small_table_threshold = '1GB';
ALTER DOMAIN pa_qty ADD CONSTRAINT pa_qty_small CHECK (VALUE < 1000);
SET migration_guard.small_table_threshold = 0;

DROP TABLE pa_t, pa_t3, pa_tdef, pa_orders;

DROP DOMAIN pa_qty, pa_unused;
RESET migration_guard.rules;
RESET migration_guard.small_table_threshold;
