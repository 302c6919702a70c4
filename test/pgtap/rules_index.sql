-- Index rules, behaviour: create_index, invalid_index, drop_index, reindex.
SET client_min_messages = warning;
SET migration_guard.small_table_threshold = '64kB';
CREATE TABLE big (id bigint PRIMARY KEY, v text, n int);
INSERT INTO big SELECT g, 'value ' || g, g % 100 FROM generate_series(1, 5000) g;
CREATE TABLE small (id bigint PRIMARY KEY, v text, n int);
INSERT INTO small VALUES (1, 'a', 1);
CREATE TABLE part (id bigint, v text) PARTITION BY RANGE (id);
CREATE TABLE part_1 PARTITION OF part FOR VALUES FROM (0) TO (10000);
INSERT INTO part SELECT g, 'value ' || g FROM generate_series(1, 5000) g;
CREATE MATERIALIZED VIEW mv AS SELECT * FROM big;
CREATE FUNCTION has_index(name) RETURNS boolean LANGUAGE sql
  AS $$ SELECT EXISTS (SELECT FROM pg_class WHERE relname = $1 AND relkind IN ('i', 'I')) $$;
CREATE PROCEDURE make_index() LANGUAGE plpgsql
  AS $$ BEGIN EXECUTE 'CREATE INDEX big_proc ON big (v)'; END $$;
CREATE ROLE ix_owner;
CREATE TABLE owned (id bigint, v text);
INSERT INTO owned SELECT g, 'value ' || g FROM generate_series(1, 5000) g;
ALTER TABLE owned OWNER TO ix_owner;

-- The severity check() gives a rule for a statement judged at top level.
CREATE FUNCTION verdict(script text, rulename text) RETURNS text LANGUAGE sql AS
  $$ SELECT coalesce(max(severity), 'none') FROM migration_guard.check(script) WHERE rule = rulename $$;

SELECT plan(42);

-- create_index
SELECT throws_ok('CREATE INDEX big_v ON big (v)', 'MG001', NULL, 'create_index: refused in enforce');
SELECT ok(NOT has_index('big_v'), 'create_index: nothing built');
SELECT throws_ok('CREATE UNIQUE INDEX big_u ON big (id, v)', 'MG001', NULL, 'create_index: UNIQUE too');
SET migration_guard.mode = 'warn';
SELECT lives_ok('CREATE INDEX big_w ON big (n)', 'create_index: warn lets it run');
RESET migration_guard.mode;
SELECT ok(has_index('big_w'), 'create_index: built in warn');
SELECT lives_ok('CREATE INDEX small_v ON small (v)', 'create_index: small table passes');
SELECT lives_ok($$CREATE TABLE fresh (id int); INSERT INTO fresh SELECT generate_series(1, 20000);
                  CREATE INDEX fresh_id ON fresh (id)$$, 'create_index: table created in this transaction passes');
SELECT throws_ok($q$DO $x$ BEGIN EXECUTE 'CREATE INDEX big_do ON big (v)'; END $x$$q$, 'MG001', NULL,
                 'create_index: judged inside a DO block');
SELECT throws_ok('CALL make_index()', 'MG001', NULL, 'create_index: judged inside a procedure');
SELECT throws_ok('CREATE INDEX part_v ON part (v)', 'MG001', NULL, 'create_index: partitioned table');
SELECT lives_ok('CREATE INDEX part_only ON ONLY part (v)', 'create_index: ON ONLY builds nothing');
SELECT throws_ok('CREATE INDEX mv_v ON mv (v)', 'MG001', NULL, 'create_index: materialized view');
SELECT lives_ok('CREATE INDEX big_ok ON big (v) -- migration_guard:allow create_index
', 'create_index: directive comment');
SELECT lives_ok('CREATE INDEX IF NOT EXISTS big_ok ON big (v)', 'create_index: IF NOT EXISTS of an existing index is a no-op');
SET ROLE ix_owner;
SELECT throws_ok('CREATE INDEX owned_v ON owned (v) /* migration_guard:allow create_index */', 'MG001', NULL,
                 'create_index: an ordinary role cannot use the directive');
RESET ROLE;
SELECT throws_ok('CREATE INDEX big_dup ON big (v) -- migration_guard:allow drop_index
', 'MG001', NULL, 'create_index: a directive for another rule does not help');

-- invalid_index
UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'big_ok'::regclass;
UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'small_v'::regclass;
SELECT throws_ok('CREATE INDEX IF NOT EXISTS big_ok ON big (v)', 'MG001', NULL, 'invalid_index: IF NOT EXISTS over an INVALID index');
SELECT throws_ok('CREATE INDEX IF NOT EXISTS small_v ON small (v)', 'MG001', NULL, 'invalid_index: not size-exempt');
SELECT throws_ok('CREATE INDEX IF NOT EXISTS small_v ON big (v)', 'MG001', NULL, 'invalid_index: same name on another table');
SELECT lives_ok('CREATE INDEX IF NOT EXISTS small_v ON small (v) /* migration_guard:allow invalid_index */',
                'invalid_index: directive');
SELECT lives_ok('CREATE INDEX IF NOT EXISTS part_only ON ONLY part (v)', 'invalid_index: ON ONLY recipe re-run passes');
SET migration_guard.rules = 'invalid_index=off';
SELECT lives_ok('CREATE INDEX IF NOT EXISTS big_ok ON big (v)', 'invalid_index: rule off');
RESET migration_guard.rules;

-- drop_index
SELECT throws_ok('DROP INDEX big_w', 'MG001', NULL, 'drop_index: refused in enforce');
SELECT ok(has_index('big_w'), 'drop_index: nothing dropped');
SELECT throws_ok('DROP INDEX big_ok', 'MG001', NULL, 'drop_index: an INVALID index takes the same lock');
SELECT throws_ok('DROP INDEX part_only', 'MG001', NULL, 'drop_index: partitioned index');
SELECT lives_ok('DROP INDEX IF EXISTS no_such_index', 'drop_index: IF EXISTS of a missing index');
SELECT lives_ok('DROP INDEX small_v', 'drop_index: small table passes');
SELECT lives_ok($$CREATE TABLE fresh2 (id int); INSERT INTO fresh2 SELECT generate_series(1, 20000);
                  CREATE INDEX fresh2_id ON fresh2 (id); DROP INDEX fresh2_id$$, 'drop_index: table created in this transaction passes');
SET migration_guard.mode = 'warn';
SELECT lives_ok('DROP INDEX big_w', 'drop_index: warn lets it run');
RESET migration_guard.mode;
SELECT ok(NOT has_index('big_w'), 'drop_index: dropped in warn');
SELECT lives_ok('DROP INDEX big_ok -- migration_guard:allow drop_index
', 'drop_index: directive');

-- reindex
SELECT throws_ok('REINDEX INDEX big_pkey', 'MG001', NULL, 'reindex: INDEX');
SELECT throws_ok('REINDEX TABLE big', 'MG001', NULL, 'reindex: TABLE');
SELECT throws_ok('REINDEX (CONCURRENTLY false) TABLE big', 'MG001', NULL, 'reindex: CONCURRENTLY false is not concurrent');
-- Multi-table and CONCURRENTLY forms cannot run in a transaction block;
-- PostgreSQL refuses them there before the guard judges anything, and
-- check() judges them as top-level statements.
SELECT throws_ok('REINDEX SCHEMA public', '25001', NULL, 'reindex: in a transaction block PostgreSQL''s own error comes first');
SELECT is(verdict('REINDEX SCHEMA public', 'reindex'), 'enforce', 'reindex: SCHEMA with a large table');
SELECT is(verdict('REINDEX DATABASE ' || quote_ident(current_database()), 'reindex'), 'enforce', 'reindex: DATABASE with a large table');
SELECT is(verdict('REINDEX SYSTEM ' || quote_ident(current_database()), 'reindex'), 'none', 'reindex: SYSTEM has no concurrent form and passes');
SELECT is(verdict('REINDEX TABLE CONCURRENTLY big', 'reindex'), 'none', 'reindex: CONCURRENTLY passes');
SELECT lives_ok('REINDEX TABLE small', 'reindex: small table passes');
SET migration_guard.small_table_threshold = '1GB';
SELECT is(verdict('REINDEX DATABASE ' || quote_ident(current_database()), 'reindex'), 'none', 'reindex: DATABASE with only small tables passes');
RESET migration_guard.small_table_threshold;

SELECT * FROM finish();
