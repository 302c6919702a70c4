-- Breaking-change rules, behaviour: drop_column, drop_table, rename_column,
-- rename_table, add_column_required.  Existing objects are committed first;
-- each statement judged runs in its own subtransaction (throws_ok/lives_ok).
SET client_min_messages = warning;
SET migration_guard.rules = 'foreign_key_without_index=off, multiple_exclusive_locks=off, lock_held_across_statements=off';

CREATE TABLE users (id bigint PRIMARY KEY, email text UNIQUE, name text, nick text,
                    score int, secret text, region text, code text, legacy text, kind text);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users,
                     user_email text REFERENCES users (email), note text);
CREATE VIEW user_names AS SELECT id, name FROM users;
CREATE MATERIALIZED VIEW user_nicks AS SELECT id, nick FROM users;
CREATE INDEX users_score_region ON users (score, region);
CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
CREATE TRIGGER users_kind_upd BEFORE UPDATE OF kind ON users
  FOR EACH ROW EXECUTE FUNCTION noop();
CREATE TRIGGER users_region_when BEFORE UPDATE ON users
  FOR EACH ROW WHEN (NEW.region IS DISTINCT FROM OLD.region) EXECUTE FUNCTION noop();
CREATE POLICY users_secret ON users USING (secret IS NULL);
CREATE RULE users_code_rule AS ON UPDATE TO users WHERE NEW.code = 'x' DO INSTEAD NOTHING;
CREATE TABLE gen (a int, b int GENERATED ALWAYS AS (a * 2) STORED, c int, d int, e int);
CREATE STATISTICS gen_stats ON c, d FROM gen;
CREATE FUNCTION gen_e(int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT e FROM gen WHERE a = $1; END;
CREATE TABLE seqs (id bigint);
CREATE SEQUENCE seqs_seq OWNED BY seqs.id;
CREATE TABLE seq_user (n bigint DEFAULT nextval('seqs_seq'));
CREATE TABLE events (id bigint, at date) PARTITION BY RANGE (at);
CREATE TABLE events_1 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE plain (a int, b text, c text);
CREATE TABLE loose (a int);
CREATE MATERIALIZED VIEW loose_mv AS SELECT 1 AS one;
CREATE SCHEMA app;
CREATE TABLE app.t (a int);
CREATE SCHEMA empty_schema;
CREATE SCHEMA lib CREATE TABLE lookup (id bigint PRIMARY KEY);
CREATE TABLE uses_lookup (lookup_id bigint REFERENCES lib.lookup);
CREATE TABLE metrics (id bigint, at date, v text) PARTITION BY RANGE (at);
CREATE TABLE metrics_1 PARTITION OF metrics FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE VIEW metrics_1_v AS SELECT v FROM metrics_1;
CREATE DOMAIN required_text AS text NOT NULL;
SET client_min_messages = error;
CREATE PUBLICATION pub FOR TABLE plain (a, c);
SET client_min_messages = warning;

CREATE FUNCTION col_exists(regclass, name) RETURNS boolean LANGUAGE sql AS
  $$ SELECT EXISTS (SELECT FROM pg_attribute WHERE attrelid = $1 AND attname = $2 AND NOT attisdropped) $$;
CREATE FUNCTION rel_exists(name) RETURNS boolean LANGUAGE sql AS
  $$ SELECT EXISTS (SELECT FROM pg_class WHERE relname = $1) $$;

SELECT plan(58);

-- drop_column: each kind of dependent refuses the drop (enforce), nothing applied.
SELECT throws_ok('ALTER TABLE users DROP COLUMN name', 'MG003', NULL, 'drop_column: view');
SELECT ok(col_exists('users', 'name'), 'drop_column: nothing applied');
SELECT throws_ok('ALTER TABLE users DROP COLUMN nick', 'MG003', NULL, 'drop_column: materialized view');
SELECT throws_ok('ALTER TABLE users DROP COLUMN id CASCADE', 'MG003', NULL, 'drop_column: foreign key of another table (referenced side)');
SELECT throws_ok('ALTER TABLE users DROP COLUMN email', 'MG003', NULL, 'drop_column: foreign key on a unique column');
SELECT throws_ok('ALTER TABLE users DROP COLUMN score', 'MG003', NULL, 'drop_column: multi-column index');
SELECT throws_ok('ALTER TABLE users DROP COLUMN kind', 'MG003', NULL, 'drop_column: trigger column list');
SELECT throws_ok('ALTER TABLE users DROP COLUMN region', 'MG003', NULL, 'drop_column: trigger WHEN');
SELECT throws_ok('ALTER TABLE users DROP COLUMN secret', 'MG003', NULL, 'drop_column: policy');
SELECT throws_ok('ALTER TABLE users DROP COLUMN code', 'MG003', NULL, 'drop_column: rule');
SELECT throws_ok('ALTER TABLE gen DROP COLUMN a', 'MG003', NULL, 'drop_column: generated column');
SELECT throws_ok('ALTER TABLE gen DROP COLUMN c', 'MG003', NULL, 'drop_column: extended statistics');
SELECT throws_ok('ALTER TABLE gen DROP COLUMN e', 'MG003', NULL, 'drop_column: BEGIN ATOMIC function body');
SELECT throws_ok('ALTER TABLE plain DROP COLUMN c', 'MG003', NULL, 'drop_column: publication column list');
SELECT throws_ok('ALTER TABLE events DROP COLUMN at', 'MG003', NULL, 'drop_column: partition key');
SELECT throws_ok($q$DO $x$ BEGIN EXECUTE 'ALTER TABLE users DROP COLUMN name'; END $x$$q$, 'MG003', NULL,
                 'drop_column: judged inside a DO block');

SELECT throws_ok('ALTER TABLE metrics DROP COLUMN v', 'MG003', NULL, 'drop_column: a view on a partition''s copy of the column');
SELECT throws_ok('DROP SCHEMA lib CASCADE', 'MG003', NULL, 'drop_table: DROP SCHEMA CASCADE destroying a foreign key outside it');
SELECT ok(rel_exists('lookup'), 'drop_table: the schema is still there');
SELECT lives_ok('DROP SCHEMA empty_schema CASCADE', 'drop_table: DROP SCHEMA CASCADE with nothing outside depending');

-- drop_column: the contract step (nothing depends on it) is a warning and applies.
SELECT lives_ok('ALTER TABLE users DROP COLUMN legacy', 'drop_column: no dependents runs in enforce');
SELECT ok(NOT col_exists('users', 'legacy'), 'drop_column: applied');
SELECT lives_ok('ALTER TABLE orders DROP COLUMN user_email', 'drop_column: referencing side of a foreign key is the column''s own');
SELECT lives_ok('ALTER TABLE plain DROP COLUMN b', 'drop_column: column outside the publication list');
SET migration_guard.rules = 'drop_column=enforce, foreign_key_without_index=off';
SELECT throws_ok('ALTER TABLE orders DROP COLUMN note', 'MG003', NULL, 'drop_column=enforce refuses dependent-free drops too');
RESET migration_guard.rules;
SET migration_guard.rules = 'foreign_key_without_index=off, multiple_exclusive_locks=off, lock_held_across_statements=off';

-- drop_column: exemptions and overrides.
SELECT lives_ok($$CREATE TABLE fresh (a int, b int); CREATE VIEW fresh_v AS SELECT b FROM fresh;
                  ALTER TABLE fresh DROP COLUMN b CASCADE$$, 'drop_column: table created in this transaction');
SELECT lives_ok($$CREATE TEMP TABLE tmp (a int, b int); CREATE TEMP VIEW tmp_v AS SELECT b FROM tmp;
                  ALTER TABLE tmp DROP COLUMN b CASCADE$$, 'drop_column: temporary table');
SELECT lives_ok($$SET LOCAL migration_guard.allow = 'drop_column'; ALTER TABLE users DROP COLUMN name CASCADE$$,
                'drop_column: SET LOCAL migration_guard.allow');
SELECT ok(NOT rel_exists('user_names'), 'drop_column: CASCADE with the override destroyed the view');
SELECT lives_ok('ALTER TABLE users DROP COLUMN code CASCADE /* migration_guard:allow drop_column */',
                'drop_column: directive comment');
SET migration_guard.mode = 'warn';
SELECT lives_ok('ALTER TABLE users DROP COLUMN secret CASCADE', 'drop_column: warn mode lets it run');
RESET migration_guard.mode;
SELECT ok(NOT col_exists('users', 'secret'), 'drop_column: applied in warn mode');

-- drop_table
SELECT throws_ok('DROP TABLE users', 'MG003', NULL, 'drop_table: foreign keys, views of other objects');
SELECT throws_ok('DROP TABLE users CASCADE', 'MG003', NULL, 'drop_table: CASCADE');
SELECT ok(rel_exists('users'), 'drop_table: nothing applied');
SELECT throws_ok('DROP TABLE seqs', 'MG003', NULL, 'drop_table: another table''s default uses its sequence');
SELECT throws_ok('DROP TABLE loose, users', 'MG003', NULL, 'drop_table: one refused object refuses the statement');
SELECT ok(rel_exists('loose'), 'drop_table: nothing of the statement applied');
SELECT lives_ok('DROP TABLE orders, users CASCADE /* migration_guard:allow drop_table */', 'drop_table: directive');
SELECT lives_ok('DROP TABLE IF EXISTS no_such_table', 'drop_table: IF EXISTS of a missing table');
SELECT lives_ok('DROP TABLE loose', 'drop_table: no dependents is a warning in enforce');
SELECT lives_ok('DROP TABLE events', 'drop_table: a partitioned table with its partitions only');
SET migration_guard.rules = 'drop_table=enforce';
SELECT throws_ok('DROP MATERIALIZED VIEW loose_mv', 'MG003', NULL, 'drop_table: materialized views are judged too');
RESET migration_guard.rules;

-- rename_column and rename_table
SELECT throws_ok('ALTER TABLE plain RENAME COLUMN a TO a2', 'MG003', NULL, 'rename_column: table');
SELECT ok(col_exists('plain', 'a'), 'rename_column: nothing applied');
SELECT throws_ok('ALTER TABLE gen RENAME TO gen2', 'MG003', NULL, 'rename_table: table');
SELECT throws_ok('ALTER TABLE gen SET SCHEMA app', 'MG003', NULL, 'rename_table: SET SCHEMA');
SELECT throws_ok('ALTER SCHEMA app RENAME TO app2', 'MG003', NULL, 'rename_table: schema with tables');
SELECT lives_ok('CREATE SCHEMA empty_schema; ALTER SCHEMA empty_schema RENAME TO empty2', 'rename_table: empty schema');
SELECT lives_ok($$CREATE TABLE fresh2 (a int); ALTER TABLE fresh2 RENAME COLUMN a TO b; ALTER TABLE fresh2 RENAME TO fresh3$$,
                'rename: table created in this transaction');
SELECT lives_ok('ALTER TABLE plain RENAME COLUMN a TO a2 /* migration_guard:allow rename_column */', 'rename_column: directive');
SELECT lives_ok($$SET LOCAL migration_guard.allow = 'rename_table'; ALTER TABLE gen RENAME TO gen2$$, 'rename_table: allow');

-- add_column_required
SELECT throws_ok('ALTER TABLE seq_user ADD COLUMN sku text NOT NULL', 'MG003', NULL, 'add_column_required: NOT NULL without default');
SELECT throws_ok('ALTER TABLE seq_user ADD COLUMN sku required_text', 'MG003', NULL, 'add_column_required: NOT NULL domain');
SELECT ok(NOT col_exists('seq_user', 'sku'), 'add_column_required: nothing applied');
SELECT lives_ok($$ALTER TABLE seq_user ADD COLUMN sku text NOT NULL DEFAULT ''$$, 'add_column_required: constant default');
SELECT lives_ok('ALTER TABLE seq_user ADD COLUMN c2 bigint GENERATED BY DEFAULT AS IDENTITY', 'add_column_required: identity');
SET migration_guard.mode = 'warn';
SELECT lives_ok('ALTER TABLE seq_user ADD COLUMN sku2 text NOT NULL', 'add_column_required: warn mode');
RESET migration_guard.mode;

SELECT * FROM finish();
