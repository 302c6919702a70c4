-- Maintenance rules: vacuum_full, cluster, truncate, refresh_matview.
SET client_min_messages = warning;  -- quiet whether or not it exists yet
CREATE EXTENSION IF NOT EXISTS migration_guard;
RESET client_min_messages;
SET migration_guard.small_table_threshold = '64kB';
CREATE TABLE mt_big (id bigint PRIMARY KEY, v text);
INSERT INTO mt_big SELECT g, 'value ' || g FROM generate_series(1, 5000) g;
ANALYZE mt_big;
CREATE TABLE mt_small (id bigint PRIMARY KEY, v text);
INSERT INTO mt_small VALUES (1, 'a'), (2, 'b');
ANALYZE mt_small;

--
-- vacuum_full
--
VACUUM FULL mt_big;
VACUUM (FULL) mt_big;
VACUUM (FULL, ANALYZE) mt_small, mt_big;
SET migration_guard.mode = 'warn';
VACUUM (FULL true) mt_big;
RESET migration_guard.mode;
-- not FULL, or small
VACUUM mt_big;
VACUUM (FULL false, ANALYZE) mt_big;
ANALYZE mt_big;
VACUUM FULL mt_small;
-- override
VACUUM FULL mt_big /* migration_guard:allow vacuum_full */;
SET migration_guard.rules = 'vacuum_full=off';
VACUUM FULL mt_big;
RESET migration_guard.rules;

--
-- cluster
--
-- no clustered index yet: PostgreSQL's own error
CLUSTER mt_big;
CLUSTER mt_big USING mt_big_pkey;
SET migration_guard.mode = 'warn';
CLUSTER mt_big USING mt_big_pkey;
RESET migration_guard.mode;
-- now mt_big has a clustered index: CLUSTER without USING, and bare CLUSTER
CLUSTER mt_big;
CLUSTER mt_small USING mt_small_pkey;
CLUSTER;
-- small
CLUSTER mt_small;
-- a table created in this transaction
BEGIN;
CREATE TABLE mt_new (id bigint PRIMARY KEY);
INSERT INTO mt_new SELECT generate_series(1, 20000);
CLUSTER mt_new USING mt_new_pkey;
COMMIT;
-- override
CLUSTER mt_big /* migration_guard:allow cluster */;

--
-- truncate
--
CREATE TABLE mt_parent (id bigint PRIMARY KEY);
CREATE TABLE mt_child (id bigint, parent_id bigint REFERENCES mt_parent);
CREATE TABLE mt_grandchild (child_id bigint, parent_id bigint REFERENCES mt_parent);
INSERT INTO mt_parent VALUES (1);
INSERT INTO mt_child VALUES (1, 1);
-- not size-exempt: it destroys the data of a live table
TRUNCATE mt_small;
TRUNCATE mt_big, mt_small;
SELECT count(*) FROM mt_small;
-- referenced by a table not in the statement: PostgreSQL's error
TRUNCATE mt_parent;
-- CASCADE names the tables it would also empty
TRUNCATE mt_parent CASCADE;
-- naming them all is plain TRUNCATE
TRUNCATE mt_parent, mt_child, mt_grandchild;
-- inheritance children are emptied too, unless ONLY
CREATE TABLE mt_inh (id int);
CREATE TABLE mt_inh_kid () INHERITS (mt_inh);
TRUNCATE mt_inh;
TRUNCATE ONLY mt_inh;
-- warn: reported and emptied
SET migration_guard.mode = 'warn';
TRUNCATE mt_small;
RESET migration_guard.mode;
SELECT count(*) FROM mt_small;
-- a table created in this transaction
BEGIN;
CREATE TABLE mt_new2 (id bigint PRIMARY KEY);
INSERT INTO mt_new2 SELECT generate_series(1, 100);
TRUNCATE mt_new2;
-- CASCADE that reaches only new tables
CREATE TABLE mt_new2_ref (id bigint REFERENCES mt_new2);
TRUNCATE mt_new2 CASCADE;
-- ... or an existing one
CREATE TABLE mt_new3 (id bigint PRIMARY KEY);
ALTER TABLE mt_child ADD FOREIGN KEY (id) REFERENCES mt_new3 NOT VALID /* migration_guard:allow add_foreign_key, foreign_key_without_index */;
TRUNCATE mt_new3 CASCADE;
ROLLBACK;
-- a temporary table: nobody else sees its rows
CREATE TEMP TABLE mt_temp AS SELECT generate_series(1, 10) AS id;
TRUNCATE mt_temp;
-- a missing table is PostgreSQL's error
TRUNCATE mt_no_such_table;
-- override
TRUNCATE mt_parent CASCADE /* migration_guard:allow truncate */;
SELECT count(*) FROM mt_child;

--
-- refresh_matview
--
CREATE MATERIALIZED VIEW mt_mv AS SELECT id, v FROM mt_big;
ANALYZE mt_mv;
REFRESH MATERIALIZED VIEW mt_mv;
REFRESH MATERIALIZED VIEW mt_mv /* migration_guard:allow refresh_matview */;
-- the hint says when the unique index CONCURRENTLY needs is there
CREATE UNIQUE INDEX CONCURRENTLY mt_mv_id ON mt_mv (id);
REFRESH MATERIALIZED VIEW mt_mv;
SET migration_guard.mode = 'warn';
REFRESH MATERIALIZED VIEW mt_mv;
RESET migration_guard.mode;
-- safe forms
REFRESH MATERIALIZED VIEW CONCURRENTLY mt_mv;
-- WITH NO DATA runs no query; an unpopulated view cannot be read anyway
REFRESH MATERIALIZED VIEW mt_mv WITH NO DATA;
REFRESH MATERIALIZED VIEW mt_mv;
-- small
CREATE MATERIALIZED VIEW mt_mv_small AS SELECT 1 AS x;
REFRESH MATERIALIZED VIEW mt_mv_small;

-- clean up, unguarded
SET migration_guard.mode = 'off';
DROP MATERIALIZED VIEW mt_mv, mt_mv_small;
DROP TABLE mt_big, mt_small, mt_child, mt_grandchild, mt_parent, mt_inh CASCADE;
RESET migration_guard.mode;
