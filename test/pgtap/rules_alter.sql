-- Behaviour of the ALTER TABLE / ALTER DOMAIN rules: each fires in enforce
-- (nothing applied) and warn (applied), passes its safe form, and is quiet
-- on tables created in the same transaction and below the threshold.
SET client_min_messages = 'warning';
SET migration_guard.mode = 'off';
CREATE TABLE par (id bigint PRIMARY KEY);
INSERT INTO par SELECT generate_series(1, 200);
CREATE TABLE t (id integer NOT NULL, code varchar(10), a integer, b integer,
                pid bigint, price numeric(8,2));
INSERT INTO t SELECT g, 'c' || g, g, g, g, g FROM generate_series(1, 200) g;
CREATE INDEX t_code ON t (code);
CREATE INDEX t_pid ON t (pid);
ALTER TABLE t ADD CONSTRAINT t_b_pos CHECK (b > 0) NOT VALID;
CREATE TABLE p (id integer NOT NULL, v text) PARTITION BY RANGE (id);
CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (1000);
INSERT INTO p SELECT g, 'x' FROM generate_series(0, 999) g;
CREATE TABLE p2 (id integer NOT NULL, v text);
INSERT INTO p2 SELECT g, 'x' FROM generate_series(1000, 1999) g;
CREATE DOMAIN qty AS integer;
CREATE TABLE orders (id integer, q qty);
INSERT INTO orders SELECT g, g FROM generate_series(1, 200) g;
RESET migration_guard.mode;

BEGIN;
SELECT plan(72);
SET LOCAL migration_guard.small_table_threshold = 0;
SET LOCAL migration_guard.rules = 'prefer_bigint=off, prefer_text=off, lock_held_across_statements=off, multiple_exclusive_locks=off';

CREATE FUNCTION col_type(col text) RETURNS text LANGUAGE sql AS $$
  SELECT format_type(atttypid, atttypmod) FROM pg_attribute
   WHERE attrelid = 't'::regclass AND attname = col $$;
CREATE FUNCTION has_col(col text) RETURNS boolean LANGUAGE sql AS $$
  SELECT EXISTS (SELECT FROM pg_attribute WHERE attrelid = 't'::regclass
                 AND attname = col AND NOT attisdropped) $$;
CREATE FUNCTION has_con(con text) RETURNS boolean LANGUAGE sql AS $$
  SELECT EXISTS (SELECT FROM pg_constraint WHERE conname = con) $$;

-- alter_column_type
SELECT throws_ok('ALTER TABLE t ALTER COLUMN id TYPE bigint', 'MG002', NULL,
                 'alter_column_type: int -> bigint is refused');
SELECT is(col_type('id'), 'integer', 'alter_column_type: nothing applied');
SELECT throws_ok('ALTER TABLE t ALTER COLUMN code TYPE varchar(5)', 'MG002', NULL,
                 'alter_column_type: a shorter varchar is refused');
SELECT throws_ok('ALTER TABLE t ALTER COLUMN price TYPE numeric(8,3)', 'MG002', NULL,
                 'alter_column_type: a scale change is refused');
SELECT throws_ok($$ALTER TABLE t ALTER COLUMN code TYPE varchar(10) USING lower(code)$$, 'MG002', NULL,
                 'alter_column_type: a USING that computes is refused');
SELECT lives_ok('ALTER TABLE t ALTER COLUMN code TYPE varchar(20)',
                'alter_column_type: a longer varchar passes');
SELECT lives_ok('ALTER TABLE t ALTER COLUMN code TYPE text',
                'alter_column_type: varchar -> text passes, its index kept');
SELECT lives_ok('ALTER TABLE t ALTER COLUMN price TYPE numeric(12,2)',
                'alter_column_type: more precision passes');
SELECT throws_ok('ALTER TABLE t ALTER COLUMN pid TYPE oid', 'MG002', NULL,
                 'alter_column_type: no rewrite but an index rebuilt is refused');
SAVEPOINT s;
SET LOCAL migration_guard.allow = 'alter_column_type';
SELECT lives_ok('ALTER TABLE t ALTER COLUMN id TYPE bigint', 'alter_column_type: the override');
ROLLBACK TO s;
SET LOCAL migration_guard.mode = 'warn';
SELECT lives_ok('ALTER TABLE t ALTER COLUMN id TYPE bigint', 'alter_column_type: warn runs it');
SELECT is(col_type('id'), 'bigint', 'alter_column_type: warn applied it');
SET LOCAL migration_guard.mode = 'enforce';

-- add_column_volatile_default
SELECT throws_ok('ALTER TABLE t ADD COLUMN r float8 DEFAULT random()', 'MG002', NULL,
                 'add_column_volatile_default: a volatile default is refused');
SELECT ok(NOT has_col('r'), 'add_column_volatile_default: nothing applied');
SELECT throws_ok('ALTER TABLE t ADD COLUMN s bigint GENERATED ALWAYS AS IDENTITY', 'MG002', NULL,
                 'add_column_volatile_default: an identity column is refused');
SELECT throws_ok('ALTER TABLE t ADD COLUMN g integer GENERATED ALWAYS AS (a + 1) STORED', 'MG002', NULL,
                 'add_column_volatile_default: a stored generated column is refused');
SELECT lives_ok('ALTER TABLE t ADD COLUMN created timestamptz DEFAULT now()',
                'add_column_volatile_default: a stable default passes');
SELECT lives_ok('ALTER TABLE t ADD COLUMN n integer DEFAULT 0',
                'add_column_volatile_default: a constant default passes');

-- set_not_null
SELECT throws_ok('ALTER TABLE t ALTER COLUMN a SET NOT NULL', 'MG002', NULL,
                 'set_not_null: refused without a proving CHECK');
SELECT throws_ok('ALTER TABLE t ALTER COLUMN b SET NOT NULL', 'MG002', NULL,
                 'set_not_null: a NOT VALID CHECK proves nothing');
SELECT lives_ok('ALTER TABLE t ALTER COLUMN id SET NOT NULL', 'set_not_null: already NOT NULL passes');

-- add_check_constraint and validate_same_transaction
SELECT throws_ok('ALTER TABLE t ADD CONSTRAINT t_a_pos CHECK (a > 0)', 'MG002', NULL,
                 'add_check_constraint: refused without NOT VALID');
SELECT ok(NOT has_con('t_a_pos'), 'add_check_constraint: nothing applied');
SELECT lives_ok('ALTER TABLE t ADD CONSTRAINT t_a_pos CHECK (a > 0) NOT VALID',
                'add_check_constraint: NOT VALID passes');
SELECT throws_ok('ALTER TABLE t VALIDATE CONSTRAINT t_a_pos', 'MG002', NULL,
                 'validate_same_transaction: VALIDATE in the transaction of the ADD is refused');
SELECT lives_ok('ALTER TABLE t VALIDATE CONSTRAINT t_b_pos',
                'validate_same_transaction: a constraint added earlier validates');

-- add_foreign_key and foreign_key_without_index
SELECT throws_ok('ALTER TABLE t ADD CONSTRAINT t_pid_fk FOREIGN KEY (pid) REFERENCES par (id)', 'MG002', NULL,
                 'add_foreign_key: refused without NOT VALID');
SELECT lives_ok('ALTER TABLE t ADD CONSTRAINT t_pid_fk FOREIGN KEY (pid) REFERENCES par (id) NOT VALID',
                'add_foreign_key: NOT VALID passes');
SELECT lives_ok('ALTER TABLE t ADD COLUMN par_id bigint REFERENCES par (id)',
                'add_foreign_key: ADD COLUMN REFERENCES without a default is not validated');
SELECT throws_ok('ALTER TABLE t ADD COLUMN par_id2 bigint DEFAULT 1 REFERENCES par (id)', 'MG002', NULL,
                 'add_foreign_key: ADD COLUMN REFERENCES with a default is validated');
SET LOCAL migration_guard.rules = 'foreign_key_without_index=enforce, prefer_bigint=off';
SELECT throws_ok('ALTER TABLE t ADD CONSTRAINT t_a_fk FOREIGN KEY (a) REFERENCES par (id) NOT VALID', 'MG002', NULL,
                 'foreign_key_without_index: an unindexed key is reported');
SELECT lives_ok('ALTER TABLE t ADD CONSTRAINT t_pid_fk2 FOREIGN KEY (pid) REFERENCES par (id) NOT VALID',
                'foreign_key_without_index: an indexed key passes');
SET LOCAL migration_guard.rules = 'prefer_bigint=off, prefer_text=off, lock_held_across_statements=off, multiple_exclusive_locks=off';

-- add_unique_constraint, add_primary_key, add_exclusion_constraint
SELECT throws_ok('ALTER TABLE t ADD CONSTRAINT t_a_key UNIQUE (a)', 'MG002', NULL,
                 'add_unique_constraint: refused without USING INDEX');
SELECT throws_ok('ALTER TABLE t ADD PRIMARY KEY (id)', 'MG002', NULL,
                 'add_primary_key: refused without USING INDEX');
SELECT throws_ok('ALTER TABLE t ADD CONSTRAINT t_a_excl EXCLUDE USING btree (a WITH =)', 'MG002', NULL,
                 'add_exclusion_constraint: refused');

-- set_logged
SELECT throws_ok('ALTER TABLE t SET UNLOGGED', 'MG002', NULL, 'set_logged: SET UNLOGGED is refused');
SELECT lives_ok('ALTER TABLE t SET LOGGED', 'set_logged: a no-op passes');

-- attach_partition and detach_partition
SELECT throws_ok('ALTER TABLE p ATTACH PARTITION p2 FOR VALUES FROM (1000) TO (2000)', 'MG001', NULL,
                 'attach_partition: refused without a proving CHECK');
SELECT lives_ok('ALTER TABLE p2 ADD CONSTRAINT p2_bound CHECK (id >= 1000 AND id < 2000) NOT VALID',
                'attach_partition: the proving CHECK is added NOT VALID');
SELECT throws_ok('ALTER TABLE p DETACH PARTITION p1', 'MG001', NULL,
                 'detach_partition: refused without CONCURRENTLY');

-- alter_domain_add_constraint
SELECT throws_ok('ALTER DOMAIN qty ADD CONSTRAINT qty_pos CHECK (VALUE > 0)', 'MG002', NULL,
                 'alter_domain_add_constraint: refused without NOT VALID');
SELECT lives_ok('ALTER DOMAIN qty ADD CONSTRAINT qty_pos CHECK (VALUE > 0) NOT VALID',
                'alter_domain_add_constraint: NOT VALID passes');

-- Each rule's override lets exactly its statement through.
CREATE FUNCTION allowed(rule text, stmt text) RETURNS text LANGUAGE plpgsql AS $f$
BEGIN
  PERFORM set_config('migration_guard.allow', rule, true);
  BEGIN
    EXECUTE stmt;
    RAISE EXCEPTION 'rolled back' USING ERRCODE = 'P0001';
  EXCEPTION WHEN SQLSTATE 'P0001' THEN
    NULL;
  END;
  PERFORM set_config('migration_guard.allow', '', true);
  RETURN 'ran';
END $f$;
SELECT is(allowed('add_column_volatile_default', 'ALTER TABLE t ADD COLUMN r2 float8 DEFAULT random()'), 'ran',
          'add_column_volatile_default: the override');
SELECT is(allowed('set_not_null', 'ALTER TABLE t ALTER COLUMN a SET NOT NULL'), 'ran', 'set_not_null: the override');
SELECT is(allowed('add_check_constraint', 'ALTER TABLE t ADD CHECK (a > 0)'), 'ran', 'add_check_constraint: the override');
SELECT is(allowed('add_foreign_key', 'ALTER TABLE t ADD FOREIGN KEY (pid) REFERENCES par (id)'), 'ran',
          'add_foreign_key: the override');
SELECT is(allowed('add_unique_constraint', 'ALTER TABLE t ADD UNIQUE (a)'), 'ran', 'add_unique_constraint: the override');
SELECT is(allowed('add_primary_key', 'ALTER TABLE t ADD PRIMARY KEY (id)'), 'ran', 'add_primary_key: the override');
SELECT is(allowed('add_exclusion_constraint', 'ALTER TABLE t ADD EXCLUDE USING btree (a WITH =)'), 'ran',
          'add_exclusion_constraint: the override');
SELECT is(allowed('set_logged', 'ALTER TABLE t SET UNLOGGED'), 'ran', 'set_logged: the override');
SELECT is(allowed('validate_same_transaction', 'ALTER TABLE t VALIDATE CONSTRAINT t_a_pos'), 'ran',
          'validate_same_transaction: the override');
SELECT is(allowed('attach_partition', 'ALTER TABLE p ATTACH PARTITION p2 FOR VALUES FROM (1000) TO (2000)'), 'ran',
          'attach_partition: the override');
SELECT is(allowed('detach_partition', 'ALTER TABLE p DETACH PARTITION p1'), 'ran', 'detach_partition: the override');
SELECT is(allowed('alter_domain_add_constraint', 'ALTER DOMAIN qty ADD CHECK (VALUE < 10000)'), 'ran',
          'alter_domain_add_constraint: the override');
SELECT throws_ok($q$SELECT allowed('set_logged', 'ALTER TABLE t ADD UNIQUE (a)')$q$, 'MG002', NULL,
                 'an override for one rule does not allow another');

-- warn: the statements run and are applied.
SET LOCAL migration_guard.mode = 'warn';
SELECT lives_ok('ALTER TABLE t ADD CONSTRAINT t_a_big CHECK (a < 100000)', 'warn: ADD CHECK runs');
SELECT ok(has_con('t_a_big'), 'warn: the CHECK was added');
SELECT lives_ok('ALTER TABLE t ADD CONSTRAINT t_a_key UNIQUE (a)', 'warn: ADD UNIQUE runs');
SELECT ok(has_con('t_a_key'), 'warn: the UNIQUE constraint was added');
SELECT lives_ok('ALTER TABLE t VALIDATE CONSTRAINT t_a_pos', 'warn: VALIDATE in the same transaction runs');
SELECT ok((SELECT convalidated FROM pg_constraint WHERE conname = 't_a_pos'), 'warn: the constraint is validated');
SELECT lives_ok('ALTER TABLE p DETACH PARTITION p1', 'warn: DETACH PARTITION runs');
SELECT is((SELECT count(*) FROM pg_inherits WHERE inhparent = 'p'::regclass), 0::bigint, 'warn: the partition is detached');
SET LOCAL migration_guard.mode = 'enforce';
SELECT lives_ok('ALTER TABLE p ATTACH PARTITION p1 FOR VALUES FROM (0) TO (1000) /* migration_guard:allow attach_partition */',
                'a directive comment allows attach_partition');

-- DDL wrapped in a DO block is judged the same.
SELECT throws_ok($q$DO $d$ BEGIN EXECUTE 'ALTER TABLE t ALTER COLUMN a SET NOT NULL'; END $d$$q$, 'MG002', NULL,
                 'a DO block is no way around the guard');

-- A table created in this transaction is exempt from every one of them.
CREATE TABLE fresh (id integer, a integer);
SELECT lives_ok($$ALTER TABLE fresh ALTER COLUMN id TYPE bigint, ADD COLUMN r float8 DEFAULT random(),
                  ALTER COLUMN a SET NOT NULL, ADD CHECK (a > 0), ADD PRIMARY KEY (id),
                  ADD UNIQUE (a), ADD FOREIGN KEY (id) REFERENCES par (id), SET UNLOGGED$$,
                'a table created in this transaction is exempt');

-- Below the threshold every rule is quiet.
SET LOCAL migration_guard.small_table_threshold = '1GB';
SELECT lives_ok('ALTER TABLE t ALTER COLUMN a TYPE bigint', 'small table: alter_column_type quiet');
SELECT lives_ok('ALTER TABLE t ALTER COLUMN a SET NOT NULL', 'small table: set_not_null quiet');
SELECT lives_ok('ALTER TABLE t ADD CONSTRAINT t_code_key UNIQUE (code)', 'small table: add_unique_constraint quiet');
SELECT lives_ok('ALTER TABLE t ADD COLUMN r float8 DEFAULT random()', 'small table: add_column_volatile_default quiet');
SELECT lives_ok('ALTER TABLE p ATTACH PARTITION p2 FOR VALUES FROM (1000) TO (2000)', 'small table: attach_partition quiet');
SELECT lives_ok('ALTER TABLE p DETACH PARTITION p2', 'small table: detach_partition quiet');

SELECT * FROM finish();
ROLLBACK;
