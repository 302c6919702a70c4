-- Robustness: a statement PostgreSQL refuses gets PostgreSQL's own error,
-- never a rule's, and the same forms, valid, are still judged.  The forms
-- come from running PostgreSQL's own regression scripts through the guard
-- (missing columns, typed tables, inheritance, partitions, system catalogs,
-- views and foreign tables as targets, subtransactions, SPI).
SET client_min_messages = warning;
SET migration_guard.small_table_threshold = 0;
SET migration_guard.rules = 'prefer_bigint=off, prefer_text=off, prefer_timestamptz=off, ban_char=off, prefer_jsonb=off, prefer_identity=off, lock_held_across_statements=off, multiple_exclusive_locks=off, drop_table=off, drop_column=off, add_column_required=off, drop_index=off, rename_column=off, rename_table=off';

CREATE TABLE rb_t (id int PRIMARY KEY, a int CONSTRAINT rb_t_named CHECK (a > 0), b text);
CREATE SEQUENCE rb_t_taken;
CREATE TABLE rb_rt (a int);
INSERT INTO rb_rt VALUES (1);
CREATE TABLE rb_rt_user (r rb_rt);
CREATE TABLE rb_cc (x int CHECK (x > 0));
CREATE UNLOGGED TABLE rb_ul (id int PRIMARY KEY);
CREATE UNLOGGED TABLE rb_ul2 (r int REFERENCES rb_ul);
CREATE TABLE rb_lg (id int PRIMARY KEY);
CREATE TABLE rb_lg2 (r int REFERENCES rb_lg);
INSERT INTO rb_ul VALUES (1);
INSERT INTO rb_ul2 VALUES (1);
INSERT INTO rb_lg VALUES (1);
CREATE TABLE rb_pe (a int, b int) PARTITION BY RANGE ((b + 0));
CREATE TABLE rb_pe1 PARTITION OF rb_pe FOR VALUES FROM (0) TO (10);
INSERT INTO rb_pe VALUES (1, 1);
CREATE DOMAIN rb_d2 AS int;
CREATE TABLE rb_dt2 (a rb_d2, b rb_d2[]);
INSERT INTO rb_dt2 VALUES (1, ARRAY[1]);
CREATE ROLE rb_robust_owner;
CREATE TABLE rb_sro (a int);
ALTER TABLE rb_sro OWNER TO rb_robust_owner;
CREATE FUNCTION rb_sro_f(int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS $$
BEGIN
  IF current_user <> 'rb_robust_owner' THEN
    RAISE EXCEPTION 'rb_sro_f(%) called by %', $1, current_user;
  END IF;
  RETURN $1;
END $$;
INSERT INTO rb_cc VALUES (1);
INSERT INTO rb_t SELECT g, g, g::text FROM generate_series(1, 100) g;
CREATE VIEW rb_v AS SELECT id, a FROM rb_t;
CREATE TYPE rb_ct AS (x int);
CREATE TABLE rb_typed OF rb_ct;
INSERT INTO rb_typed VALUES (1);
CREATE TEMP TABLE rb_temp (id int PRIMARY KEY);
CREATE FOREIGN DATA WRAPPER rb_dummy;
CREATE SERVER rb_srv FOREIGN DATA WRAPPER rb_dummy;
CREATE FOREIGN TABLE rb_ft (id int, a int) SERVER rb_srv;
CREATE TABLE rb_inh_parent (id int, a int);
CREATE TABLE rb_inh_child () INHERITS (rb_inh_parent);
INSERT INTO rb_inh_child VALUES (1, 1);
CREATE DOMAIN rb_d AS int;
CREATE TABLE rb_dt (x rb_d);
INSERT INTO rb_dt VALUES (1);
ANALYZE rb_t, rb_typed, rb_inh_child, rb_dt;

SELECT plan(115);

-- missing columns, relations, access methods, tablespaces, indexes
SELECT throws_ok($q$ALTER TABLE rb_t ADD CONSTRAINT rb_c CHECK (nope > 0)$q$, NULL, $m$column "nope" does not exist$m$, $d$ALTER TABLE rb_t ADD CONSTRAINT rb_c CHECK (nope > 0)$d$);
SELECT throws_ok($q$ALTER TABLE rb_t ADD CONSTRAINT rb_c FOREIGN KEY (nope) REFERENCES rb_t (id)$q$, NULL, $m$column "nope" referenced in foreign key constraint does not exist$m$, $d$ALTER TABLE rb_t ADD CONSTRAINT rb_c FOREIGN KEY (nope) REFERENCES rb_t (id)$d$);
SELECT throws_ok($q$ALTER TABLE rb_t ADD CONSTRAINT rb_c FOREIGN KEY (a) REFERENCES rb_t (nope)$q$, NULL, $m$column "nope" referenced in foreign key constraint does not exist$m$, $d$ALTER TABLE rb_t ADD CONSTRAINT rb_c FOREIGN KEY (a) REFERENCES rb_t (nope)$d$);
SELECT throws_ok($q$ALTER TABLE rb_t ADD CONSTRAINT rb_c FOREIGN KEY (a) REFERENCES rb_t (b)$q$, NULL, $m$there is no unique constraint matching given keys for referenced table "rb_t"$m$, $d$ALTER TABLE rb_t ADD CONSTRAINT rb_c FOREIGN KEY (a) REFERENCES rb_t (b)$d$);
SELECT throws_ok($q$ALTER TABLE rb_t ADD CONSTRAINT rb_c UNIQUE (nope)$q$, NULL, $m$column "nope" named in key does not exist$m$, $d$ALTER TABLE rb_t ADD CONSTRAINT rb_c UNIQUE (nope)$d$);
SELECT throws_ok($q$ALTER TABLE rb_t ADD CONSTRAINT rb_c UNIQUE (a) INCLUDE (nope)$q$, NULL, $m$column "nope" named in key does not exist$m$, $d$ALTER TABLE rb_t ADD CONSTRAINT rb_c UNIQUE (a) INCLUDE (nope)$d$);
SELECT throws_ok($q$ALTER TABLE rb_t ADD CONSTRAINT rb_c PRIMARY KEY (a)$q$, NULL, $m$multiple primary keys for table "rb_t" are not allowed$m$, $d$ALTER TABLE rb_t ADD CONSTRAINT rb_c PRIMARY KEY (a)$d$);
SELECT throws_ok($q$ALTER TABLE rb_t ADD COLUMN c int, ADD PRIMARY KEY (c)$q$, NULL, $m$multiple primary keys for table "rb_t" are not allowed$m$, $d$ALTER TABLE rb_t ADD COLUMN c int, ADD PRIMARY KEY (c)$d$);
SELECT throws_ok($q$ALTER TABLE rb_t ADD CONSTRAINT rb_c EXCLUDE USING nope (a WITH =)$q$, NULL, $m$access method "nope" does not exist$m$, $d$ALTER TABLE rb_t ADD CONSTRAINT rb_c EXCLUDE USING nope (a WITH =)$d$);
SELECT throws_ok($q$ALTER TABLE rb_t ADD CONSTRAINT rb_c EXCLUDE USING gist (nope WITH =)$q$, NULL, $m$column "nope" named in key does not exist$m$, $d$ALTER TABLE rb_t ADD CONSTRAINT rb_c EXCLUDE USING gist (nope WITH =)$d$);
SELECT throws_ok($q$ALTER TABLE rb_t ADD COLUMN c int GENERATED ALWAYS AS (nope + 1) STORED$q$, NULL, $m$column "nope" does not exist$m$, $d$ALTER TABLE rb_t ADD COLUMN c int GENERATED ALWAYS AS (nope + 1) STORED$d$);
SELECT throws_ok($q$ALTER TABLE rb_t ALTER COLUMN b TYPE varchar(10), ALTER COLUMN b TYPE text$q$, NULL, $m$cannot alter type of column "b" twice$m$, $d$ALTER TABLE rb_t ALTER COLUMN b TYPE varchar(10), ALTER COLUMN b TYPE text$d$);
SELECT throws_ok($q$CREATE INDEX ON rb_t (nope)$q$, NULL, $m$column "nope" does not exist$m$, $d$CREATE INDEX ON rb_t (nope)$d$);
SELECT throws_ok($q$CREATE INDEX ON rb_t USING nope (a)$q$, NULL, $m$access method "nope" does not exist$m$, $d$CREATE INDEX ON rb_t USING nope (a)$d$);
SELECT throws_ok($q$CREATE INDEX ON rb_t (a) WHERE nope > 0$q$, NULL, $m$column "nope" does not exist$m$, $d$CREATE INDEX ON rb_t (a) WHERE nope > 0$d$);
SELECT throws_ok($q$CREATE INDEX ON rb_t (a) INCLUDE (nope)$q$, NULL, $m$column "nope" does not exist$m$, $d$CREATE INDEX ON rb_t (a) INCLUDE (nope)$d$);
SELECT throws_ok($q$CREATE INDEX ON rb_t ((a + nope))$q$, NULL, $m$column "nope" does not exist$m$, $d$CREATE INDEX ON rb_t ((a + nope))$d$);
SELECT throws_ok($q$CREATE INDEX ON rb_t (a) TABLESPACE nope$q$, NULL, $m$tablespace "nope" does not exist$m$, $d$CREATE INDEX ON rb_t (a) TABLESPACE nope$d$);
SELECT throws_ok($q$CLUSTER rb_t USING nope$q$, NULL, $m$index "nope" for table "rb_t" does not exist$m$, $d$CLUSTER rb_t USING nope$d$);
SELECT throws_ok($q$CLUSTER rb_t USING rb_t$q$, NULL, $m$"rb_t" is not an index$m$, $d$CLUSTER rb_t USING rb_t$d$);
SELECT throws_ok($q$VACUUM FULL rb_t (a)$q$, NULL, $m$ANALYZE option must be specified when a column list is provided$m$, $d$VACUUM FULL rb_t (a)$d$);
SELECT throws_ok($q$ALTER DOMAIN rb_d ADD CONSTRAINT rb_dc CHECK (nope > 0)$q$, NULL, $m$column "nope" does not exist$m$, $d$ALTER DOMAIN rb_d ADD CONSTRAINT rb_dc CHECK (nope > 0)$d$);
SELECT throws_ok($q$ALTER TABLE rb_t ADD COLUMN a int$q$, NULL, $m$column "a" of relation "rb_t" already exists$m$, $d$ADD COLUMN of an existing column$d$);
SELECT throws_ok($q$ALTER TABLE rb_t ADD COLUMN c int DEFAULT random(), ADD COLUMN c int$q$, NULL, $m$column "c" of relation "rb_t" already exists$m$, $d$ADD COLUMN twice$d$);
SELECT throws_ok($q$ALTER TABLE rb_t ADD COLUMN xmin int$q$, NULL, $m$column name "xmin" conflicts with a system column name$m$, $d$ADD COLUMN named like a system column$d$);
SELECT throws_ok($q$ALTER TABLE rb_t ADD CONSTRAINT rb_t_named CHECK (a > 5)$q$, NULL, $m$constraint "rb_t_named" for relation "rb_t" already exists$m$, $d$ADD CONSTRAINT with a taken name$d$);
SELECT throws_ok($q$ALTER TABLE rb_t ADD CONSTRAINT rb_t_taken UNIQUE (a)$q$, NULL, $m$relation "rb_t_taken" already exists$m$, $d$ADD UNIQUE whose index name is taken$d$);
SELECT throws_ok($q$ALTER TABLE rb_rt ALTER COLUMN a TYPE text$q$, NULL, $m$cannot alter table "rb_rt" because column "rb_rt_user.r" uses its row type$m$, $d$ALTER COLUMN TYPE of a table whose row type is stored$d$);
SELECT throws_ok($q$ALTER TABLE rb_rt ADD COLUMN c float8 DEFAULT random()$q$, NULL, $m$cannot alter table "rb_rt" because column "rb_rt_user.r" uses its row type$m$, $d$ADD COLUMN rewrite of a table whose row type is stored$d$);
SELECT throws_ok($q$ALTER TABLE rb_cc ALTER COLUMN x TYPE boolean$q$, NULL, $m$column "x" cannot be cast automatically to type boolean$m$, $d$ALTER COLUMN TYPE without a cast$d$);
SELECT throws_ok($q$CREATE INDEX ON rb_t ((ctid >= '(1000,0)'))$q$, NULL, $m$index creation on system columns is not supported$m$, $d$CREATE INDEX on a system column$d$);
SELECT throws_ok($q$CREATE INDEX ON rb_t (a) WHERE ctid >= '(1000,0)'$q$, NULL, $m$index creation on system columns is not supported$m$, $d$CREATE INDEX with a system column in WHERE$d$);
SELECT throws_ok($q$ALTER TABLE rb_ul2 SET LOGGED$q$, NULL, $m$could not change table "rb_ul2" to logged because it references unlogged table "rb_ul"$m$, $d$SET LOGGED of a table referencing an unlogged one$d$);
SELECT throws_ok($q$ALTER TABLE rb_lg SET UNLOGGED$q$, NULL, $m$could not change table "rb_lg" to unlogged because it references logged table "rb_lg2"$m$, $d$SET UNLOGGED of a table a permanent one references$d$);
SELECT throws_ok($q$ALTER TABLE rb_pe ALTER COLUMN b TYPE bigint$q$, NULL, $m$cannot alter column "b" because it is part of the partition key of relation "rb_pe"$m$, $d$ALTER COLUMN TYPE of a column of a partition key expression$d$);
SELECT throws_ok($q$ALTER TABLE rb_ul SET LOGGED$q$, 'MG002', NULL, $d$SET LOGGED without such a foreign key is still judged$d$);
SELECT throws_ok($q$ALTER TABLE rb_t ADD CONSTRAINT rb_c CHECK (a > (SELECT 1))$q$, NULL, $m$cannot use subquery in check constraint$m$, $d$CHECK with a subquery$d$);
SELECT throws_ok($q$ALTER TABLE rb_t SET TABLESPACE pg_global$q$, NULL, $m$only shared relations can be placed in pg_global tablespace$m$, $d$SET TABLESPACE pg_global$d$);
SELECT throws_ok($q$ALTER DOMAIN rb_d2 ADD CONSTRAINT rb_d2c CHECK (VALUE > 0)$q$, NULL, $m$cannot alter type "rb_d2" because column "rb_dt2.b" uses it$m$, $d$ALTER DOMAIN of a domain stored in an array column$d$);
SELECT throws_ok($q$CREATE INDEX ON rb_t (a nope_ops)$q$, NULL, $m$operator class "nope_ops" does not exist for access method "btree"$m$, $d$CREATE INDEX with an unknown operator class$d$);
SELECT throws_ok($q$CREATE INDEX ON rb_t USING hash (a) INCLUDE (b)$q$, NULL, $m$access method "hash" does not support included columns$m$, $d$CREATE INDEX INCLUDE on an access method without it$d$);
SELECT throws_ok($q$CREATE UNIQUE INDEX ON rb_t USING hash (a)$q$, NULL, $m$access method "hash" does not support unique indexes$m$, $d$CREATE UNIQUE INDEX on an access method without it$d$);
SELECT throws_ok($q$CREATE INDEX ON rb_t USING hash (a, id)$q$, NULL, $m$access method "hash" does not support multicolumn indexes$m$, $d$multicolumn CREATE INDEX on an access method without it$d$);
SELECT throws_ok($q$CREATE INDEX ON rb_t USING gin (a)$q$, NULL, $m$data type integer has no default operator class for access method "gin"$m$, $d$CREATE INDEX without a default operator class$d$);
SELECT throws_ok($q$CREATE INDEX ON rb_t (a) WHERE (SELECT true)$q$, NULL, $m$cannot use subquery in index predicate$m$, $d$CREATE INDEX with a subquery in WHERE$d$);
SELECT throws_ok($q$REINDEX (TABLESPACE nope) TABLE rb_t$q$, NULL, $m$tablespace "nope" does not exist$m$, $d$REINDEX into a missing tablespace$d$);
SELECT throws_ok($q$REINDEX (nope) TABLE rb_t$q$, NULL, $m$unrecognized REINDEX option "nope"$m$, $d$REINDEX with an unknown option$d$);
SELECT throws_ok($q$VACUUM (FULL, nope) rb_t$q$, '42601', NULL, $d$VACUUM FULL with an unknown option$d$);
SELECT throws_ok($q$VACUUM (FULL, PARALLEL 2) rb_t$q$, '0A000', NULL, $d$VACUUM FULL in parallel$d$);
SELECT throws_ok($q$VACUUM FULL rb_t, nope$q$, '25001', NULL, $d$VACUUM FULL of a list with a missing table is not judged$d$);
SELECT throws_ok($q$CREATE INDEX ON rb_t (a) WITH (fillfactor = 500)$q$, NULL, $m$value 500 out of bounds for option "fillfactor"$m$, $d$CREATE INDEX with a bad storage parameter$d$);
SELECT throws_ok($q$CREATE INDEX ON rb_t (a COLLATE "C")$q$, NULL, $m$collations are not supported by type integer$m$, $d$CREATE INDEX with COLLATE on an integer$d$);
SELECT throws_ok($q$CREATE INDEX ON rb_t ((random()))$q$, NULL, $m$functions in index expression must be marked IMMUTABLE$m$, $d$CREATE INDEX on a volatile expression$d$);
SELECT throws_ok($q$CREATE INDEX ON rb_t (a) WHERE random() > 0.5$q$, NULL, $m$functions in index predicate must be marked IMMUTABLE$m$, $d$CREATE INDEX with a volatile predicate$d$);
SELECT throws_ok($q$CREATE INDEX ON rb_t ((nope(a)))$q$, NULL, $m$function nope(integer) does not exist$m$, $d$CREATE INDEX on an unknown function$d$);
SELECT throws_ok($q$CREATE INDEX ON rb_t ((rb_t2.x))$q$, NULL, $m$missing FROM-clause entry for table "rb_t2"$m$, $d$CREATE INDEX on another table's column$d$);
SELECT throws_ok($q$CREATE INDEX ON rb_sro ((rb_sro_f(a) + rb_sro_f(0))) WHERE rb_sro_f(a + 10) > rb_sro_f(10)$q$, 'MG001', NULL,
    $d$judging an index expression runs none of its functions (PostgreSQL runs them as the table owner)$d$);

-- relations PostgreSQL will not alter this way
SELECT throws_ok($q$ALTER TABLE rb_t ADD FOREIGN KEY (a) REFERENCES rb_temp (id)$q$, NULL, $m$constraints on permanent tables may reference only permanent tables$m$, $d$ALTER TABLE rb_t ADD FOREIGN KEY (a) REFERENCES rb_temp (id)$d$);
SELECT throws_ok($q$ALTER TABLE rb_t ADD FOREIGN KEY (a) REFERENCES rb_ft (id)$q$, NULL, $m$referenced relation "rb_ft" is not a table$m$, $d$ALTER TABLE rb_t ADD FOREIGN KEY (a) REFERENCES rb_ft (id)$d$);
SELECT throws_ok($q$ALTER TABLE rb_t ADD FOREIGN KEY (a) REFERENCES rb_v (id)$q$, NULL, $m$referenced relation "rb_v" is not a table$m$, $d$ALTER TABLE rb_t ADD FOREIGN KEY (a) REFERENCES rb_v (id)$d$);
SELECT throws_ok($q$ALTER TABLE rb_typed ALTER COLUMN x TYPE bigint$q$, NULL, $m$cannot alter column type of typed table$m$, $d$ALTER TABLE rb_typed ALTER COLUMN x TYPE bigint$d$);
SELECT throws_ok($q$ALTER TABLE rb_t ALTER COLUMN a TYPE bigint$q$, NULL, $m$cannot alter type of a column used by a view or rule$m$, $d$ALTER TABLE rb_t ALTER COLUMN a TYPE bigint$d$);
SELECT throws_ok($q$ALTER TABLE rb_t ADD COLUMN c int DEFAULT random(), ALTER COLUMN a TYPE bigint$q$, NULL, $m$cannot alter type of a column used by a view or rule$m$, $d$ALTER TABLE rb_t ADD COLUMN c int DEFAULT random(), ALTER COLUMN a TYPE bigint$d$);
SELECT throws_ok($q$ALTER TABLE ONLY rb_inh_parent ALTER COLUMN a TYPE bigint$q$, NULL, $m$type of inherited column "a" must be changed in child tables too$m$, $d$ALTER TABLE ONLY rb_inh_parent ALTER COLUMN a TYPE bigint$d$);
SELECT throws_ok($q$ALTER TABLE ONLY rb_inh_parent ADD CONSTRAINT rb_ic CHECK (a > 0)$q$, NULL, $m$constraint must be added to child tables too$m$, $d$ALTER TABLE ONLY rb_inh_parent ADD CONSTRAINT rb_ic CHECK (a > 0)$d$);
SELECT throws_ok($q$VACUUM FULL rb_v$q$, '25001', NULL, $d$VACUUM FULL of a view is no vacuum_full: PostgreSQL skips it$d$);
SELECT throws_ok($q$VACUUM FULL rb_ft$q$, '25001', NULL, $d$VACUUM FULL of a foreign table is no vacuum_full: PostgreSQL skips it$d$);
-- system catalogs
SELECT throws_ok($q$ALTER TABLE pg_class ADD CONSTRAINT rb_c CHECK (relpages >= 0)$q$, NULL, $m$permission denied: "pg_class" is a system catalog$m$, $d$ALTER TABLE pg_class ADD CONSTRAINT rb_c CHECK (relpages >= 0)$d$);
SELECT throws_ok($q$ALTER TABLE pg_attribute ALTER COLUMN attname TYPE text$q$, NULL, $m$permission denied: "pg_attribute" is a system catalog$m$, $d$ALTER TABLE pg_attribute ALTER COLUMN attname TYPE text$d$);
SELECT throws_ok($q$CREATE INDEX ON pg_class (relname)$q$, NULL, $m$permission denied: "pg_class" is a system catalog$m$, $d$CREATE INDEX ON pg_class (relname)$d$);
SELECT throws_ok($q$TRUNCATE pg_class$q$, NULL, $m$permission denied: "pg_class" is a system catalog$m$, $d$TRUNCATE pg_class$d$);
-- partitions: ATTACH of a table PostgreSQL refuses, DETACH of a non-partition
CREATE TABLE rb_p (id int NOT NULL CONSTRAINT rb_p_id CHECK (id > 0), k int, b char(3)) PARTITION BY LIST (k);
CREATE TABLE rb_p1 PARTITION OF rb_p FOR VALUES IN (1);
CREATE TYPE rb_pt AS (id int, k int, b char(3));
CREATE TABLE rb_fail OF rb_pt;
INSERT INTO rb_fail VALUES (1, 7, 'x');
SELECT throws_ok($q$ALTER TABLE rb_p ATTACH PARTITION rb_fail FOR VALUES IN (7)$q$, NULL, $m$cannot attach a typed table as partition$m$, $d$ALTER TABLE rb_p ATTACH PARTITION rb_fail FOR VALUES IN (7)$d$);
DROP TABLE rb_fail;
CREATE TABLE rb_fail (id int NOT NULL);
INSERT INTO rb_fail VALUES (1);
SELECT throws_ok($q$ALTER TABLE rb_p ATTACH PARTITION rb_fail FOR VALUES IN (7)$q$, NULL, $m$child table is missing column "k"$m$, $d$ALTER TABLE rb_p ATTACH PARTITION rb_fail FOR VALUES IN (7)$d$);
DROP TABLE rb_fail;
CREATE TABLE rb_fail (id int NOT NULL, k int, b char(3), extra int);
INSERT INTO rb_fail VALUES (1, 7, 'x', 1);
SELECT throws_ok($q$ALTER TABLE rb_p ATTACH PARTITION rb_fail FOR VALUES IN (7)$q$, NULL, $m$table "rb_fail" contains column "extra" not found in parent "rb_p"$m$, $d$ALTER TABLE rb_p ATTACH PARTITION rb_fail FOR VALUES IN (7)$d$);
DROP TABLE rb_fail;
CREATE TABLE rb_fail (id int NOT NULL, k int, b char(4));
INSERT INTO rb_fail VALUES (1, 7, 'x');
SELECT throws_ok($q$ALTER TABLE rb_p ATTACH PARTITION rb_fail FOR VALUES IN (7)$q$, NULL, $m$child table "rb_fail" has different type for column "b"$m$, $d$ALTER TABLE rb_p ATTACH PARTITION rb_fail FOR VALUES IN (7)$d$);
DROP TABLE rb_fail;
CREATE TABLE rb_fail (id int, k int, b char(3));
INSERT INTO rb_fail VALUES (1, 7, 'x');
-- 18 names the child table in this message: match the words all versions share
SELECT throws_like($q$ALTER TABLE rb_p ATTACH PARTITION rb_fail FOR VALUES IN (7)$q$, $m$column "id" in child table%must be marked NOT NULL$m$, $d$ALTER TABLE rb_p ATTACH PARTITION rb_fail FOR VALUES IN (7)$d$);
DROP TABLE rb_fail;
CREATE TABLE rb_fail (id int NOT NULL, k int, b char(3));
INSERT INTO rb_fail VALUES (1, 7, 'x');
SELECT throws_ok($q$ALTER TABLE rb_p ATTACH PARTITION rb_fail FOR VALUES IN (7)$q$, NULL, $m$child table is missing constraint "rb_p_id"$m$, $d$ALTER TABLE rb_p ATTACH PARTITION rb_fail FOR VALUES IN (7)$d$);
DROP TABLE rb_fail;
CREATE TABLE rb_fail (id int NOT NULL CONSTRAINT rb_p_id CHECK (id > 0), k int, b char(3));
INSERT INTO rb_fail VALUES (1, 7, 'x');
SELECT throws_ok($q$ALTER TABLE rb_p ATTACH PARTITION rb_fail FOR VALUES IN (7)$q$, NULL, $m$ATTACH PARTITION would scan "rb_fail" under an ACCESS EXCLUSIVE lock$m$, $d$ALTER TABLE rb_p ATTACH PARTITION rb_fail FOR VALUES IN (7)$d$);
SELECT throws_ok($q$ALTER TABLE rb_p ATTACH PARTITION rb_fail FOR VALUES IN (1)$q$, NULL, $m$partition "rb_fail" would overlap partition "rb_p1"$m$, $d$ATTACH PARTITION with an overlapping bound$d$);
SELECT throws_ok($q$ALTER TABLE rb_p ADD CONSTRAINT rb_p_ni CHECK (id > 1) NO INHERIT$q$, NULL, $m$cannot add NO INHERIT constraint to partitioned table "rb_p"$m$, $d$NO INHERIT CHECK on a partitioned table$d$);
SELECT throws_ok($q$ALTER TABLE rb_p ALTER COLUMN k TYPE bigint$q$, NULL, $m$cannot alter column "k" because it is part of the partition key of relation "rb_p"$m$, $d$ALTER COLUMN TYPE of a partition key column$d$);
SELECT throws_ok($q$CREATE UNIQUE INDEX ON rb_p (id)$q$, NULL, $m$unique constraint on partitioned table must include all partitioning columns$m$, $d$CREATE UNIQUE INDEX without the partition key$d$);
SELECT throws_ok($q$ALTER TABLE rb_p ADD EXCLUDE USING btree (id WITH =)$q$, NULL,
    CASE WHEN current_setting('server_version_num')::int >= 170000
         THEN $m$unique constraint on partitioned table must include all partitioning columns$m$
         ELSE $m$exclusion constraints are not supported on partitioned tables$m$ END,
    $d$EXCLUDE on a partitioned table without the partition key$d$);
SELECT throws_ok($q$ALTER TABLE rb_p ATTACH PARTITION rb_p FOR VALUES IN (8)$q$, NULL, $m$circular inheritance not allowed$m$, $d$ALTER TABLE rb_p ATTACH PARTITION rb_p FOR VALUES IN (8)$d$);
SELECT throws_ok($q$ALTER TABLE rb_p ATTACH PARTITION rb_v FOR VALUES IN (8)$q$, NULL, $m$ALTER action ATTACH PARTITION cannot be performed on relation "rb_v"$m$, $d$ALTER TABLE rb_p ATTACH PARTITION rb_v FOR VALUES IN (8)$d$);
SELECT throws_ok($q$ALTER TABLE rb_p ATTACH PARTITION rb_p1 FOR VALUES IN (8)$q$, NULL, $m$"rb_p1" is already a partition$m$, $d$ALTER TABLE rb_p ATTACH PARTITION rb_p1 FOR VALUES IN (8)$d$);
SELECT throws_ok($q$ALTER TABLE rb_p DETACH PARTITION rb_fail$q$, NULL, $m$relation "rb_fail" is not a partition of relation "rb_p"$m$, $d$ALTER TABLE rb_p DETACH PARTITION rb_fail$d$);
SELECT throws_ok($q$ALTER TABLE rb_p DETACH PARTITION rb_t$q$, NULL, $m$relation "rb_t" is not a partition of relation "rb_p"$m$, $d$ALTER TABLE rb_p DETACH PARTITION rb_t$d$);
SELECT throws_ok($q$ALTER TABLE rb_p ADD PRIMARY KEY (id)$q$, NULL, $m$unique constraint on partitioned table must include all partitioning columns$m$, $d$ALTER TABLE rb_p ADD PRIMARY KEY (id)$d$);
SELECT throws_ok($q$ALTER TABLE rb_p ADD UNIQUE (id, nope)$q$, NULL, $m$column "nope" named in key does not exist$m$, $d$ALTER TABLE rb_p ADD UNIQUE (id, nope)$d$);
-- the same forms, valid, are still judged
ALTER TABLE rb_fail ADD CONSTRAINT rb_fail_k CHECK (k IS NOT NULL AND k = 7) NOT VALID;
ALTER TABLE rb_fail VALIDATE CONSTRAINT rb_fail_k;
ALTER TABLE rb_p ATTACH PARTITION rb_fail FOR VALUES IN (7);
SELECT throws_ok($q$ALTER TABLE rb_p DETACH PARTITION rb_fail$q$, NULL, $m$DETACH PARTITION would lock table "rb_p" ACCESS EXCLUSIVE$m$, $d$ALTER TABLE rb_p DETACH PARTITION rb_fail$d$);
SELECT throws_ok($q$ALTER TABLE rb_p ADD PRIMARY KEY (id, k)$q$, NULL, $m$ADD CONSTRAINT "rb_p_pkey" PRIMARY KEY would build an index on table "rb_p" under an ACCESS EXCLUSIVE lock$m$, $d$ALTER TABLE rb_p ADD PRIMARY KEY (id, k)$d$);
SELECT throws_ok($q$ALTER TABLE rb_t ADD CONSTRAINT rb_c CHECK (a > 0)$q$, NULL, $m$ADD CONSTRAINT "rb_c" CHECK would scan table "rb_t" under an ACCESS EXCLUSIVE lock$m$, $d$ALTER TABLE rb_t ADD CONSTRAINT rb_c CHECK (a > 0)$d$);
SELECT throws_ok($q$ALTER TABLE rb_t ADD FOREIGN KEY (a) REFERENCES rb_t (id)$q$, NULL, $m$ADD FOREIGN KEY would scan table "rb_t" while blocking writes on "rb_t" and "rb_t"$m$, $d$ALTER TABLE rb_t ADD FOREIGN KEY (a) REFERENCES rb_t (id)$d$);
SELECT throws_ok($q$ALTER TABLE rb_t ADD COLUMN c int, ADD CONSTRAINT rb_c CHECK (c > 0)$q$, NULL, $m$ADD CONSTRAINT "rb_c" CHECK would scan table "rb_t" under an ACCESS EXCLUSIVE lock$m$, $d$ALTER TABLE rb_t ADD COLUMN c int, ADD CONSTRAINT rb_c CHECK (c > 0)$d$);
SELECT throws_ok($q$ALTER TABLE rb_t ADD CONSTRAINT rb_c UNIQUE (a) INCLUDE (b)$q$, NULL, $m$ADD CONSTRAINT "rb_c" UNIQUE would build an index on table "rb_t" under an ACCESS EXCLUSIVE lock$m$, $d$ALTER TABLE rb_t ADD CONSTRAINT rb_c UNIQUE (a) INCLUDE (b)$d$);
SELECT throws_ok($q$ALTER TABLE rb_t ADD CONSTRAINT rb_c EXCLUDE USING btree (a WITH =)$q$, NULL, $m$ADD CONSTRAINT "rb_c" EXCLUDE would build an index on table "rb_t" under an ACCESS EXCLUSIVE lock$m$, $d$ALTER TABLE rb_t ADD CONSTRAINT rb_c EXCLUDE USING btree (a WITH =)$d$);
SELECT throws_ok($q$ALTER TABLE rb_t ADD COLUMN c int GENERATED ALWAYS AS (a + 1) STORED$q$, NULL, $m$ADD COLUMN "c" would rewrite table "rb_t"$m$, $d$ALTER TABLE rb_t ADD COLUMN c int GENERATED ALWAYS AS (a + 1) STORED$d$);
SELECT throws_ok($q$ALTER TABLE rb_t ALTER COLUMN b TYPE int USING b::int$q$, NULL, $m$ALTER COLUMN TYPE would rewrite table "rb_t"$m$, $d$ALTER TABLE rb_t ALTER COLUMN b TYPE int USING b::int$d$);
SELECT throws_ok($q$ALTER TABLE rb_typed ADD CONSTRAINT rb_c CHECK (x > 0)$q$, NULL, $m$ADD CONSTRAINT "rb_c" CHECK would scan table "rb_typed" under an ACCESS EXCLUSIVE lock$m$, $d$ALTER TABLE rb_typed ADD CONSTRAINT rb_c CHECK (x > 0)$d$);
SELECT throws_ok($q$ALTER TABLE rb_inh_parent ALTER COLUMN a TYPE bigint$q$, NULL, $m$ALTER COLUMN TYPE would rewrite table "rb_inh_parent"$m$, $d$ALTER TABLE rb_inh_parent ALTER COLUMN a TYPE bigint$d$);
SELECT throws_ok($q$CREATE INDEX ON rb_t (a) INCLUDE (b) WHERE a > 0$q$, NULL, $m$CREATE INDEX on table "rb_t" would block writes while the index is built$m$, $d$CREATE INDEX ON rb_t (a) INCLUDE (b) WHERE a > 0$d$);
SELECT throws_ok($q$CREATE INDEX ON rb_t ((a + id))$q$, NULL, $m$CREATE INDEX on table "rb_t" would block writes while the index is built$m$, $d$CREATE INDEX ON rb_t ((a + id))$d$);
SELECT throws_ok($q$CLUSTER rb_t USING rb_t_pkey$q$, NULL, $m$CLUSTER of table "rb_t" would block all reads and writes while it rewrites the table$m$, $d$CLUSTER rb_t USING rb_t_pkey$d$);
SELECT throws_ok($q$VACUUM FULL rb_t (a)$q$, NULL, $m$ANALYZE option must be specified when a column list is provided$m$, $d$VACUUM FULL rb_t (a)$d$);
SELECT throws_ok($q$VACUUM (FULL, ANALYZE) rb_t (a)$q$, '25001', NULL, $d$VACUUM (FULL, ANALYZE) rb_t (a) in a transaction block: PostgreSQL's own error$d$);
SELECT is((SELECT rule FROM migration_guard.check($q$VACUUM (FULL, ANALYZE) rb_t (a)$q$) WHERE rule IS NOT NULL), 'vacuum_full', $d$VACUUM (FULL, ANALYZE) rb_t (a) at top level: vacuum_full$d$);
SELECT throws_ok($q$ALTER DOMAIN rb_d ADD CONSTRAINT rb_dc CHECK (VALUE > 0)$q$, NULL, $m$ALTER DOMAIN ADD CONSTRAINT would scan 1 table under a SHARE lock$m$, $d$ALTER DOMAIN rb_d ADD CONSTRAINT rb_dc CHECK (VALUE > 0)$d$);

-- a role that does not own the objects gets PostgreSQL's permission error
CREATE ROLE rb_robust_other;
SET ROLE rb_robust_other;
SELECT throws_ok($q$ALTER TABLE rb_t ADD CONSTRAINT rb_c CHECK (a > 0)$q$, NULL, $m$must be owner of table rb_t$m$, $d$ALTER TABLE by a non-owner$d$);
SELECT throws_ok($q$CREATE INDEX ON rb_t (a)$q$, NULL, $m$must be owner of table rb_t$m$, $d$CREATE INDEX by a non-owner$d$);
SELECT throws_ok($q$ALTER DOMAIN rb_d ADD CONSTRAINT rb_dc CHECK (VALUE > 0)$q$, NULL, $m$must be owner of type rb_d$m$, $d$ALTER DOMAIN by a non-owner$d$);
RESET ROLE;
DROP ROLE rb_robust_other;
DROP TABLE rb_sro;
DROP ROLE rb_robust_owner;

-- DDL in subtransactions and through SPI
CREATE FUNCTION rb_sub(ddl text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  BEGIN
    EXECUTE ddl;
  EXCEPTION WHEN others THEN RETURN SQLSTATE || ': ' || SQLERRM;
  END;
  RETURN 'ok';
END $$;
SELECT is(rb_sub('ALTER TABLE rb_t ADD CONSTRAINT rb_c CHECK (nope > 0)'),
          '42703: column "nope" does not exist', 'subtransaction: PostgreSQL''s error is caught');
SELECT is(rb_sub('CREATE INDEX ON rb_t (a)'),
          'MG001: CREATE INDEX on table "rb_t" would block writes while the index is built',
          'subtransaction: the rule''s error is caught');
CREATE FUNCTION rb_fn() RETURNS void LANGUAGE sql AS $$ CREATE INDEX ON rb_t (nope) $$;
SELECT throws_ok('SELECT rb_fn()', '42703', 'column "nope" does not exist', 'SQL function: PostgreSQL''s error');
CREATE FUNCTION rb_fn2() RETURNS void LANGUAGE sql AS $$ CREATE INDEX ON rb_t (a) $$;
SELECT throws_ok('SELECT rb_fn2()', 'MG001', NULL, 'SQL function: the rule judges it');

SELECT * FROM finish();
